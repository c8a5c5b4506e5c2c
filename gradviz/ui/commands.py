"""One ``QUndoCommand`` per kind of document edit.

The window performs an edit once (``do()`` inside a try, so a refused edit shows its
``DocumentError`` and never reaches the stack) and then pushes the command; the stack's
first ``redo()`` is therefore a no-op, later ones repeat ``do()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from ..graph.document import Document, OpNode
from ..graph.fileio import (
    add_node_state,
    document_from_dict,
    document_to_dict,
    insert_fragment,
    node_to_dict,
)
from ..graph.values import ValueSpec


class DocumentCommand(QUndoCommand):
    def __init__(self, document: Document, text: str) -> None:
        super().__init__(text)
        self.document = document
        self._first = True

    def do(self) -> None:
        raise NotImplementedError

    def undo_(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.do()

    def undo(self) -> None:
        self.undo_()


class AddNodeCommand(DocumentCommand):
    """Add a node given as ``node_to_dict`` state (its inputs wired as stated)."""

    def __init__(self, document: Document, state: dict[str, Any], text: str = "") -> None:
        super().__init__(document, text or f"Add {state.get('op') or state['name']}")
        self.state = state

    def do(self) -> None:
        add_node_state(self.document, self.state)

    def undo_(self) -> None:
        self.document.remove_node(self.state["id"])


class DeleteCommand(DocumentCommand):
    """Delete nodes and edges; undo restores nodes, their edges and the node order."""

    def __init__(self, document: Document, ids: list[str],
                 edges: list[tuple[str, int]] = (), text: str = "Delete") -> None:
        super().__init__(document, text)
        gone = set(ids)
        self.order = list(document.nodes)
        self.states = [node_to_dict(document.nodes[n]) for n in self.order if n in gone]
        # edges that will disappear: into deleted nodes from outside, out of deleted nodes,
        # plus the explicitly selected ones
        wires = {(s, t, k) for s, t, k in document.edges() if s in gone or t in gone}
        wires |= {(document.nodes[t].inputs[k], t, k) for t, k in edges
                  if isinstance(document.nodes.get(t), OpNode) and k < len(document.nodes[t].inputs)
                  and document.nodes[t].inputs[k] is not None}
        self.wires = sorted(wires, key=lambda w: (w[1], w[2]))
        self.ids = [s["id"] for s in self.states]
        self.edges = [(t, k) for s, t, k in self.wires if s not in gone and t not in gone]

    def do(self) -> None:
        for target, slot in sorted(self.edges, key=lambda e: -e[1]):
            self.document.disconnect(target, slot)
        for node_id in reversed(self.ids):
            self.document.remove_node(node_id)

    def undo_(self) -> None:
        for state in self.states:
            add_node_state(self.document, state, [None] * len(state.get("inputs") or [])
                           if state["kind"] == "op" and not _variadic(state) else [])
        for source, target, slot in self.wires:  # ascending slots: inserts land in place
            self.document.connect(source, target, slot)
        self.document.reorder_nodes(self.order)


def _variadic(state: dict[str, Any]) -> bool:
    from ..autograd.registry import REGISTRY

    return REGISTRY[state["op"]].variadic


class ConnectCommand(DocumentCommand):
    """Connect an edge; a number that stood in the slot (``other=2``) comes back on undo."""

    def __init__(self, document: Document, source: str, target: str, slot: int) -> None:
        super().__init__(document, f"Connect {source} → {target}")
        self.source, self.target, self.slot = source, target, slot
        node = document.node(target)
        spec = getattr(node, "spec", None)
        self.number = None
        if spec is not None and not spec.variadic and 0 <= slot < len(spec.inputs):
            self.number = node.attrs.get(spec.inputs[slot])

    def do(self) -> None:
        self.document.connect(self.source, self.target, self.slot)

    def undo_(self) -> None:
        self.document.disconnect(self.target, self.slot)
        if self.number is not None:
            name = self.document.nodes[self.target].spec.inputs[self.slot]
            self.document.set_attr(self.target, name, self.number)


class MoveCommand(DocumentCommand):
    """Move nodes: ``moves`` maps node id -> (old position, new position)."""

    def __init__(self, document: Document, moves: dict[str, tuple], text: str = "") -> None:
        n = len(moves)
        super().__init__(document, text or (f"Move {next(iter(moves))}" if n == 1
                                            else f"Move {n} nodes"))
        self.moves = moves

    def do(self) -> None:
        self.document.move_many({node_id: new for node_id, (_, new) in self.moves.items()})

    def undo_(self) -> None:
        self.document.move_many({node_id: old for node_id, (old, _) in self.moves.items()})


class RenameCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, name: str) -> None:
        super().__init__(document, f"Rename {node_id} to {name}")
        self.node_id, self.new, self.old = node_id, name, document.node(node_id).name

    def do(self) -> None:
        self.document.rename(self.node_id, self.new)

    def undo_(self) -> None:
        self.document.rename(self.node_id, self.old)


class SetAttrCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, name: str, value: Any) -> None:
        super().__init__(document, f"Set {node_id}.{name}")
        self.node_id, self.name, self.new = node_id, name, value
        self.old = document.node(node_id).attrs.get(name)

    def do(self) -> None:
        self.document.set_attr(self.node_id, self.name, self.new)

    def undo_(self) -> None:
        self.document.set_attr(self.node_id, self.name, self.old)


class SetValueCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, value: ValueSpec,
                 dtype: str | None = None) -> None:
        super().__init__(document, f"Set value of {node_id}")
        node = document.node(node_id)
        self.node_id, self.new, self.new_dtype = node_id, value, dtype or node.dtype
        self.old, self.old_dtype = node.value, node.dtype

    def do(self) -> None:
        self.document.set_value(self.node_id, self.new, self.new_dtype)

    def undo_(self) -> None:
        self.document.set_value(self.node_id, self.old, self.old_dtype)


class SetRequiresGradCommand(DocumentCommand):
    def __init__(self, document: Document, node_id: str, flag: bool) -> None:
        super().__init__(document, f"requires_grad of {node_id}")
        self.node_id, self.new = node_id, bool(flag)
        self.old = document.node(node_id).requires_grad

    def do(self) -> None:
        self.document.set_requires_grad(self.node_id, self.new)

    def undo_(self) -> None:
        self.document.set_requires_grad(self.node_id, self.old)


class PasteCommand(DocumentCommand):
    """Insert a fragment; the first ``do()`` records what it added so redo repeats it."""

    def __init__(self, document: Document, fragment: dict, offset: tuple[float, float],
                 text: str = "Paste") -> None:
        super().__init__(document, text)
        self.fragment, self.offset = fragment, offset
        self.ids: list[str] = []
        self.states: list[dict[str, Any]] = []

    def do(self) -> None:
        if not self.states:
            self.ids = insert_fragment(self.document, self.fragment, self.offset)
            self.states = [node_to_dict(self.document.nodes[n]) for n in self.ids]
        else:
            for state in self.states:
                add_node_state(self.document, state)

    def undo_(self) -> None:
        for node_id in reversed(self.ids):
            self.document.remove_node(node_id)


class SetElementCommand(DocumentCommand):
    """Change one element of a tensor node; undo restores the previous value rule."""

    def __init__(self, document: Document, node_id: str, index: tuple[int, ...],
                 number: Any) -> None:
        super().__init__(document, f"Set {node_id}{list(index)}")
        node = document.node(node_id)
        self.node_id, self.index, self.number = node_id, tuple(index), number
        self.old, self.old_dtype = node.value, node.dtype

    def do(self) -> None:
        self.document.set_element(self.node_id, self.index, self.number)

    def undo_(self) -> None:
        self.document.set_value(self.node_id, self.old, self.old_dtype)


class ReplaceContentsCommand(DocumentCommand):
    """Replace everything in the document (nodes, title, script, backward start) with the
    contents of another one, keeping the same ``Document`` object so views and the undo
    history stay attached. Used when a script run records a new graph."""

    def __init__(self, document: Document, new: Document, text: str = "Replace graph") -> None:
        super().__init__(document, text)
        self.before = document_to_dict(document)
        self.after = document_to_dict(new)

    def do(self) -> None:
        _load_contents(self.document, self.after)

    def undo_(self) -> None:
        _load_contents(self.document, self.before)


def _load_contents(document: Document, data: dict[str, Any]) -> None:
    """Make ``document`` hold ``data`` (a ``document_to_dict``); validated first, so a bad
    ``data`` raises GraphFileError before anything is touched."""
    fresh = document_from_dict(data)
    for node_id in reversed(list(document.nodes)):
        document.remove_node(node_id)
    for node in fresh.nodes.values():          # nodes first, then every wire
        state = node_to_dict(node)
        inputs = state.get("inputs")
        if inputs is not None:
            inputs = [] if _variadic(state) else [None] * len(inputs)
        add_node_state(document, state, inputs)
    for source, target, slot in fresh.edges():
        document.connect(source, target, slot)
    document.backward = fresh.backward
    document.set_meta(title=fresh.title, description=fresh.description,
                      script=fresh.script if fresh.script is not None else "")
    if fresh.script is None:
        document.script = None
