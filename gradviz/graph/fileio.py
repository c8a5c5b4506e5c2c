"""``.gvz`` files: versioned, validated, human-diffable JSON, saved atomically.

One serializer serves files, the clipboard (fragments) and undo (node states). Loading
never executes anything from the file and validates everything first; a bad file gives
one ``GraphFileError`` naming the place (``nodes[3].inputs[1]: unknown node 'q'``).
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.registry import REGISTRY
from .attrs import AttrError, check_attrs
from .document import Document, DocumentError, OpNode, TensorNode
from .values import DTYPES, RULES, ValueSpec, ValueSpecError, check_shape, coerce_data

FORMAT = "gradviz"
FRAGMENT_FORMAT = "gradviz-fragment"
VERSION = 1
MAX_FILE_BYTES = 256 * 1024 * 1024
INLINE_LIMIT = 256  # arrays with more elements are stored as base64


class GraphFileError(ValueError):
    """A file gradviz cannot load or save; the message says what and where."""


# Migrations: MIGRATIONS[n] turns a version-n document dict into version n + 1.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


# -- writing ------------------------------------------------------------------------------
def _number(value: float) -> float | str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _unusual_nans(array: np.ndarray) -> bool:
    """NaNs other than the plain quiet NaN ("nan" in the file would lose their bits)."""
    if array.dtype.kind != "f":
        return False
    nans = array[np.isnan(array)]
    if not nans.size:
        return False
    plain = np.array(np.nan, dtype=array.dtype).tobytes()
    return any(v.tobytes() != plain for v in nans)


def _encode_data(array: np.ndarray) -> dict[str, Any]:
    if array.size > INLINE_LIMIT or _unusual_nans(array):
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False)
        return {"base64": base64.b64encode(raw.tobytes()).decode("ascii")}
    if array.dtype.kind == "f":
        flat = [_number(float(v)) for v in array.ravel()]
    else:
        flat = array.ravel().tolist()
    return {"data": np.array(flat, dtype=object).reshape(array.shape).tolist()
            if array.ndim else flat[0]}


def value_to_dict(spec: ValueSpec, dtype: str) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": spec.rule}
    if spec.rule == "values":
        out["shape"] = list(spec.data.shape)
        out.update(_encode_data(spec.data.astype(dtype, copy=False)))
    elif spec.rule == "arange":
        out.update(start=spec.start, end=spec.end, step=spec.step)
    elif spec.rule == "linspace":
        out.update(start=spec.start, end=spec.end, steps=spec.shape[0])
    else:
        out["shape"] = list(spec.shape)
        if spec.rule == "full":
            out["fill"] = _number(spec.fill)
        if spec.rule in ("rand", "randn"):
            out["seed"] = spec.seed
    return out


def node_to_dict(node: TensorNode | OpNode) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "kind": node.kind, "name": node.name}
    if isinstance(node, TensorNode):
        out.update(dtype=node.dtype, requires_grad=node.requires_grad,
                   value=value_to_dict(node.value, node.dtype))
    else:
        out.update(op=node.op, inputs=list(node.inputs), attrs=dict(node.attrs))
    out.update(position=list(node.position), pinned=node.pinned, label=node.label)
    return out


def document_to_dict(document: Document) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": document.title,
        "description": document.description,
        "script": document.script,
        "backward": document.backward,
        "nodes": [node_to_dict(n) for n in document.nodes.values()],
    }


def dumps(data: dict[str, Any]) -> str:
    """JSON with one node per line, so a diff shows which nodes changed."""

    def compact(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    lines = [f" {compact(k)}: {compact(v)}," for k, v in data.items() if k != "nodes"]
    nodes = ",\n".join(f"  {compact(n)}" for n in data.get("nodes", []))
    lines.append(f' "nodes": [\n{nodes}\n ]' if nodes else ' "nodes": []')
    return "{\n" + "\n".join(lines) + "\n}\n"


def save(document: Document, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the same folder, flushed, then renamed."""
    path = Path(path)
    try:
        text = dumps(document_to_dict(document))
    except (TypeError, ValueError) as exc:
        raise GraphFileError(f"cannot save {path.name}: {exc}") from None
    folder = path.parent if str(path.parent) else Path(".")
    tmp_name = None
    try:
        if path.is_dir():
            raise GraphFileError(f"cannot save to {path}: it is a folder")
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise GraphFileError(f"cannot save to {path}: {exc.strerror or exc}") from None
    finally:
        if tmp_name is not None and os.path.exists(tmp_name):
            os.unlink(tmp_name)


# -- reading ------------------------------------------------------------------------------
def _fail(where: str, message: str) -> GraphFileError:
    return GraphFileError(f"{where}: {message}" if where else message)


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null", int: "a number", float: "a number"}.get(type(value), "a value")


def _get(obj: dict, key: str, where: str, kind: type | tuple, required: bool = True,
         default: Any = None) -> Any:
    if key not in obj:
        if required:
            raise _fail(where, f"missing field '{key}'")
        return default
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    bad_bool = isinstance(value, bool) and bool not in kinds
    if not isinstance(value, kinds) or bad_bool:
        wanted = " or ".join(_type_name(k()) if k is not type(None) else "null" for k in kinds)
        raise _fail(f"{where}.{key}" if where else key, f"expected {wanted}, got "
                    f"{_type_name(value)}")
    return value


def _finite(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, f"expected a number, got {_type_name(value)}")
    if not math.isfinite(value):
        raise _fail(where, f"expected a finite number, got {value}")
    return float(value)


def _decode_number(value: Any, where: str) -> float:
    if isinstance(value, str):
        table = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
        if value not in table:
            raise _fail(where, f"expected a number, got the string {value!r}")
        return table[value]
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, (int, float)):
        raise _fail(where, f"expected a number, got {_type_name(value)}")
    return value


def _decode_nested(data: Any, shape: tuple[int, ...], where: str) -> list | float:
    if not shape:
        return _decode_number(data, where)
    if not isinstance(data, list):
        raise _fail(where, f"expected a list of {shape[0]} items, got {_type_name(data)}")
    if len(data) != shape[0]:
        raise _fail(where, f"expected {shape[0]} items (shape {list(shape)}), got {len(data)}")
    return [_decode_nested(d, shape[1:], f"{where}[{i}]") for i, d in enumerate(data)]


def _value_from_dict(obj: Any, dtype: str, where: str) -> ValueSpec:
    if not isinstance(obj, dict):
        raise _fail(where, f"expected an object, got {_type_name(obj)}")
    rule = _get(obj, "rule", where, str)
    if rule not in RULES:
        raise _fail(f"{where}.rule", f"unknown rule '{rule}' (expected one of {', '.join(RULES)})")
    try:
        if rule == "arange":
            start = _finite(obj.get("start", 0), f"{where}.start")
            end = _finite(_get(obj, "end", where, (int, float)), f"{where}.end")
            step = _finite(obj.get("step", 1), f"{where}.step")
            if step == 0:
                raise _fail(f"{where}.step", "must not be zero")
            count = max(0, math.ceil((end - start) / step))
            check_shape([count], f"{where}")
            return ValueSpec("arange", (count,), start=start, end=end, step=step)
        if rule == "linspace":
            steps = _get(obj, "steps", where, int)
            shape = check_shape([steps], f"{where}.steps")
            return ValueSpec("linspace", shape, start=_finite(obj.get("start", 0),
                                                              f"{where}.start"),
                             end=_finite(_get(obj, "end", where, (int, float)), f"{where}.end"))
        shape = check_shape(_get(obj, "shape", where, list), f"{where}.shape")
        if rule == "values":
            return ValueSpec("values", shape, data=_decode_values(obj, shape, dtype, where))
        if rule == "eye" and len(shape) not in (1, 2):
            raise _fail(f"{where}.shape", "eye needs [n] or [n, m]")
        if rule == "full":
            return ValueSpec("full", shape, fill=_decode_number(_get(obj, "fill", where,
                                                                     (int, float, str)),
                                                                f"{where}.fill"))
        if rule in ("rand", "randn"):
            seed = _get(obj, "seed", where, int, required=False, default=0)
            if not 0 <= seed < 2**63:
                raise _fail(f"{where}.seed", "must be between 0 and 2**63 - 1")
            return ValueSpec(rule, shape, seed=seed)
        return ValueSpec(rule, shape)
    except ValueSpecError as exc:
        raise _fail("", str(exc)) from None


def _decode_values(obj: dict, shape: tuple[int, ...], dtype: str, where: str) -> np.ndarray:
    if "base64" in obj:
        text = _get(obj, "base64", where, str)
        try:
            raw = base64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            raise _fail(f"{where}.base64", "not valid base64") from None
        np_dtype = np.dtype(dtype).newbyteorder("<")
        expected = int(np.prod(shape, dtype=np.int64)) * np_dtype.itemsize
        if len(raw) != expected:
            raise _fail(f"{where}.base64", f"holds {len(raw)} bytes; shape {list(shape)} of "
                        f"{dtype} needs {expected}")
        return np.frombuffer(raw, dtype=np_dtype).astype(dtype).reshape(shape)
    if "data" not in obj:
        raise _fail(where, "missing field 'data' (or 'base64')")
    if 0 in shape:
        return np.zeros(shape, dtype=dtype)  # nested lists cannot say (0, 3) from (0, 0)
    nested = _decode_nested(obj["data"], shape, f"{where}.data")
    try:
        return coerce_data(nested, dtype, shape)
    except ValueSpecError as exc:
        raise _fail(f"{where}.data", str(exc)) from None


def _position(obj: dict, where: str) -> tuple[float, float]:
    pos = _get(obj, "position", where, list, required=False, default=[0, 0])
    if len(pos) != 2:
        raise _fail(f"{where}.position", f"expected [x, y], got {len(pos)} numbers")
    return (_finite(pos[0], f"{where}.position[0]"), _finite(pos[1], f"{where}.position[1]"))


def _add_node(document: Document, obj: Any, where: str) -> tuple[str, list]:
    """Add the node described by ``obj`` (without its edges); return id and inputs."""
    if not isinstance(obj, dict):
        raise _fail(where, f"expected an object, got {_type_name(obj)}")
    node_id = _get(obj, "id", where, str)
    if node_id in document:
        raise _fail(f"{where}.id", f"duplicate node id '{node_id}'")
    kind = _get(obj, "kind", where, str)
    common = {"position": _position(obj, where),
              "label": _get(obj, "label", where, str, required=False, default=""),
              "pinned": _get(obj, "pinned", where, bool, required=False, default=False)}
    name = _get(obj, "name", where, str, required=False, default="")
    try:
        if kind == "tensor":
            dtype = _get(obj, "dtype", where, str, required=False, default="float32")
            if dtype not in DTYPES:
                raise _fail(f"{where}.dtype", f"unknown dtype '{dtype}' (expected one of "
                            f"{', '.join(DTYPES)})")
            value = _value_from_dict(_get(obj, "value", where, dict), dtype, f"{where}.value")
            requires_grad = _get(obj, "requires_grad", where, bool, required=False,
                                 default=False)
            document.add_tensor(name or node_id, value, dtype=dtype, requires_grad=requires_grad,
                                node_id=node_id, **common)
            return node_id, []
        if kind == "op":
            op = _get(obj, "op", where, str)
            if op not in REGISTRY:
                raise _fail(f"{where}.op", f"unknown op '{op}'")
            inputs = _get(obj, "inputs", where, list, required=False, default=[])
            attrs = _get(obj, "attrs", where, dict, required=False, default={})
            try:
                checked = check_attrs(REGISTRY[op], attrs)
            except AttrError as exc:
                raise _fail(f"{where}.attrs", str(exc)) from None
            document.add_op(op, attrs=checked, name=name, node_id=node_id, **common)
            return node_id, inputs
    except DocumentError as exc:
        raise _fail(where, str(exc).removeprefix(f"{node_id}: ")) from None
    raise _fail(f"{where}.kind", f"unknown kind '{kind}' (expected 'tensor' or 'op')")


def _connect_inputs(document: Document, wiring: list[tuple[str, list, str]]) -> None:
    for node_id, inputs, where in wiring:
        spec = REGISTRY[document.nodes[node_id].op]
        if not spec.variadic and len(inputs) > len(spec.inputs):
            count = len(spec.inputs)
            raise _fail(f"{where}.inputs", f"{spec.name} has {count} input slot"
                        f"{'s' if count != 1 else ''}, got {len(inputs)}")
        for slot, source in enumerate(inputs):
            place = f"{where}.inputs[{slot}]"
            if source is None:
                if spec.variadic:
                    raise _fail(place, "inputs of a variadic op cannot be null")
                continue
            if not isinstance(source, str):
                raise _fail(place, f"expected a node id or null, got {_type_name(source)}")
            if source not in document:
                raise _fail(place, f"unknown node '{source}'")
            if (not spec.variadic and spec.inputs[slot] in document.nodes[node_id].attrs):
                raise _fail(place, f"slot '{spec.inputs[slot]}' is both connected and given "
                            "a number in attrs")
            try:
                document.connect(source, node_id, slot)
            except DocumentError as exc:
                raise _fail(place, str(exc)) from None


def _migrate(data: dict) -> dict:
    version = data["version"]
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise _fail("version", f"version {version} is not supported (this gradviz reads "
                        f"versions {min(MIGRATIONS, default=VERSION)} to {VERSION})")
        data = step(data)
        version += 1
        data["version"] = version
    return data


def document_from_dict(data: Any) -> Document:
    """Validate a parsed file and build its Document (GraphFileError on any problem)."""
    if not isinstance(data, dict):
        raise _fail("", f"the file must hold a JSON object, not {_type_name(data)}")
    if data.get("format") != FORMAT:
        raise _fail("format", f"expected \"{FORMAT}\", got {json.dumps(data.get('format'))}"
                    if "format" in data else "missing field 'format': not a gradviz file")
    version = _get(data, "version", "", int)
    if version > VERSION:
        raise _fail("version", f"this file is version {version}, newer than this gradviz "
                    f"understands (up to {VERSION}); update gradviz to open it")
    data = _migrate(data)
    document = Document(title=_get(data, "title", "", str, required=False, default="Untitled"),
                        description=_get(data, "description", "", str, required=False,
                                         default=""))
    document.script = _get(data, "script", "", (str, type(None)), required=False)
    nodes = _get(data, "nodes", "", list)
    wiring = []
    for i, obj in enumerate(nodes):
        node_id, inputs = _add_node(document, obj, f"nodes[{i}]")
        if document.nodes[node_id].kind == "op":
            wiring.append((node_id, inputs, f"nodes[{i}]"))
    _connect_inputs(document, wiring)
    document.backward = _backward(data, document)
    return document


def _backward(data: dict, document: Document) -> dict | None:
    info = _get(data, "backward", "", (dict, type(None)), required=False)
    if info is None:
        return None
    start = _get(info, "start", "backward", str)
    if start not in document:
        raise _fail("backward.start", f"unknown node '{start}'")
    gradient = info.get("gradient")
    if gradient is not None and not isinstance(gradient, (list, int, float)):
        raise _fail("backward.gradient", f"expected numbers, got {_type_name(gradient)}")
    return {"start": start, "gradient": gradient}


def loads(text: str) -> Document:
    try:
        data = json.loads(text)
    except RecursionError:
        raise _fail("", "not valid JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise _fail("", f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                    ) from None
    return document_from_dict(data)


def load(path: str | os.PathLike) -> Document:
    """Read and validate a ``.gvz`` file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _fail("", f"{path.name} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        raw = path.read_bytes()
    except IsADirectoryError:
        raise _fail("", f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise _fail("", f"cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise _fail("", f"{path.name} is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("", f"not UTF-8 text (byte {exc.start})") from None
    return loads(text)


# -- fragments (clipboard, duplicate) -----------------------------------------------------
def fragment_to_dict(document: Document, ids: Iterable[str]) -> dict[str, Any]:
    """The selected nodes with the edges among them (edges from outside are dropped)."""
    chosen = [i for i in document.nodes if i in set(ids)]
    nodes = []
    for node_id in chosen:
        obj = node_to_dict(document.nodes[node_id])
        if obj["kind"] == "op":
            obj["inputs"] = [s if s in chosen else None for s in obj["inputs"]]
            if REGISTRY[obj["op"]].variadic:
                obj["inputs"] = [s for s in obj["inputs"] if s is not None]
        nodes.append(obj)
    return {"format": FRAGMENT_FORMAT, "version": VERSION, "nodes": nodes}


def insert_fragment(document: Document, fragment: Any,
                    offset: tuple[float, float] = (0.0, 0.0)) -> list[str]:
    """Add a fragment's nodes under fresh ids (shifted by ``offset``); returns the new ids.

    Everything is validated on a scratch document first, so a bad fragment adds nothing.
    """
    if not isinstance(fragment, dict) or fragment.get("format") != FRAGMENT_FORMAT:
        raise GraphFileError("the clipboard does not hold gradviz nodes")
    nodes = fragment.get("nodes")
    if not isinstance(nodes, list):
        raise _fail("nodes", "expected a list")
    renamed: dict[str, str] = {}
    taken = set(document.nodes)
    for obj in nodes:
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            new = document.new_id(obj["id"])
            while new in taken:
                new = document.new_id(new)
            taken.add(new)
            renamed[obj["id"]] = new
    moved = []
    for obj in nodes:
        if not isinstance(obj, dict):
            moved.append(obj)
            continue
        copy = dict(obj, id=renamed.get(obj.get("id"), obj.get("id")))
        if isinstance(obj.get("position"), list) and len(obj["position"]) == 2:
            x, y = obj["position"]
            if isinstance(x, (int, float)) and isinstance(y, (int, float)):
                copy["position"] = [x + offset[0], y + offset[1]]
        if isinstance(obj.get("inputs"), list):
            copy["inputs"] = [renamed.get(s, s) if isinstance(s, str) else s
                              for s in obj["inputs"]]
        moved.append(copy)
    scratch = document_from_dict({"format": FORMAT, "version": VERSION, "nodes": moved})
    for node in scratch.nodes.values():
        state = node_to_dict(node)
        inputs = state.pop("inputs", None)
        add_node_state(document, state, inputs)
    return [n for n in scratch.nodes]


def add_node_state(document: Document, state: dict[str, Any],
                   inputs: list[str | None] | None = None) -> str:
    """Re-create a node from ``node_to_dict`` output (undo of a delete, paste)."""
    common = {"node_id": state["id"], "position": tuple(state["position"]),
              "pinned": state["pinned"], "label": state["label"]}
    if state["kind"] == "tensor":
        value = _value_from_dict(state["value"], state["dtype"], state["id"])
        return document.add_tensor(state["name"], value, dtype=state["dtype"],
                                   requires_grad=state["requires_grad"], **common)
    return document.add_op(state["op"], inputs=inputs if inputs is not None else state["inputs"],
                           attrs=state["attrs"], name=state["name"], **common)
