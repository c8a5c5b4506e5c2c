"""A monkey at the keyboard: hundreds of random actions raise nothing, and undoing every
edit of a session gives back the document it started from, exactly."""

from __future__ import annotations

import random

import pytest
from PySide6.QtGui import QAction

from gradviz.autograd.registry import REGISTRY
from gradviz.graph import fileio
from gradviz.ui import commands
from gradviz.ui.examples import example_files

OPS = sorted(REGISTRY)
CREATORS = ["ones", "zeros", "randn", "tensor", "full", "arange"]
NUMBERS = [0.0, 1.5, -2.0, 1e30, float("nan"), float("inf"), 3]


def _random_node(rng, window):
    ids = list(window.document.nodes)
    return rng.choice(ids) if ids else None


def _act(rng, window) -> str:
    """Perform one random action; return its name (for the failure message)."""
    doc = window.document
    action = rng.choice(["add_op", "add_tensor", "connect", "connect", "delete", "undo",
                         "redo", "step", "step_back", "backward", "set_element", "set_attr",
                         "move", "duplicate", "layout", "forward", "rename"])
    if action == "add_op":
        window.add_node("op", rng.choice(OPS))
    elif action == "add_tensor":
        window.add_node("tensor", rng.choice(CREATORS))
    elif action == "connect" and len(doc.nodes) > 1:
        source, target = rng.sample(list(doc.nodes), 2)
        window.connect_nodes(source, target, rng.randrange(3))
    elif action == "delete":
        node = _random_node(rng, window)
        if node is not None:
            window.scene.select_ids([node])
            window.delete_selection()
    elif action == "undo":
        window.undo_stack.undo()
    elif action == "redo":
        window.undo_stack.redo()
    elif action in ("step", "step_back", "backward", "forward"):
        name = {"step": "actionStepForward", "step_back": "actionStepBack",
                "backward": "actionBackward", "forward": "actionForward"}[action]
        window.findChild(QAction, name).trigger()
    elif action == "set_element":
        node = _random_node(rng, window)
        if node is not None and doc.nodes[node].kind == "tensor":
            window.execute(commands.SetElementCommand(doc, node, (rng.randrange(3),),
                                                      rng.choice(NUMBERS)))
    elif action == "set_attr":
        node = _random_node(rng, window)
        if node is not None and doc.nodes[node].kind == "op":
            name = rng.choice(["dim", "keepdim", "other", "exponent", "bogus"])
            value = rng.choice([0, 1, -1, True, 2.5, "x", [0, 1]])
            window.execute(commands.SetAttrCommand(doc, node, name, value))
    elif action == "move":
        node = _random_node(rng, window)
        if node is not None:
            x, y = doc.nodes[node].position
            new = (x + rng.uniform(-80, 80), y + rng.uniform(-80, 80))
            window.move_nodes({node: ((x, y), new)})
    elif action == "duplicate":
        node = _random_node(rng, window)
        if node is not None:
            window.scene.select_ids([node])
            window.duplicate()
    elif action == "layout":
        window.auto_layout()
    elif action == "rename":
        node = _random_node(rng, window)
        if node is not None:
            window.execute(commands.RenameCommand(doc, node, rng.choice(["a", "", "ü b"])))
    return action


@pytest.mark.parametrize("seed", range(8))
def test_random_actions_then_undo_everything(window, seed, monkeypatch):
    from gradviz.ui import main_window

    monkeypatch.setattr(main_window.GradientDialog, "exec", lambda self: 0)  # cancel asks
    rng = random.Random(seed)
    examples = example_files()
    for session in range(3):
        window.open_example(rng.choice(examples))
        original = fileio.document_to_dict(window.document)
        done = [_act(rng, window) for _ in range(45)]
        while window.undo_stack.canUndo():
            window.undo_stack.undo()
        assert fileio.document_to_dict(window.document) == original, (session, done)


def test_undoing_a_connection_brings_back_the_number_it_replaced(window):
    window.set_document(window.document, None)
    before = fileio.document_to_dict(window.document)
    assert window.document.nodes["y"].attrs == {"other": 2}
    assert window.connect_nodes("x", "y", 1)
    assert window.document.nodes["y"].attrs == {}
    window.undo_stack.undo()
    assert fileio.document_to_dict(window.document) == before


def test_undoing_an_edge_delete_puts_a_cat_piece_back_in_its_place(window):
    doc = window.document
    cat = window.execute(commands.AddNodeCommand(doc, {
        "id": "joined", "kind": "op", "name": "", "op": "cat", "inputs": ["x", "y", "z"],
        "attrs": {}, "position": [300.0, 0.0], "pinned": False, "label": ""}))
    assert cat and doc.nodes["joined"].inputs == ["x", "y", "z"]
    before = fileio.document_to_dict(doc)
    assert window.execute(commands.DeleteCommand(doc, [], [("joined", 1)]))
    assert doc.nodes["joined"].inputs == ["x", "z"]
    window.undo_stack.undo()
    assert fileio.document_to_dict(doc) == before
