"""Export a document as a PyTorch script: PyTorch itself runs it to the same values and
gradients, and so does gradviz's own script interpreter."""

from __future__ import annotations

import builtins
import keyword
import math
import re
from typing import Any

import numpy as np

from .attrs import format_index
from .document import Document, OpNode, TensorNode

_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}
_REVERSED = {"rsub": "-", "rdiv": "/"}
_DTYPE = {"float32": "torch.float32", "float64": "torch.float64", "int64": "torch.int64",
          "bool": "torch.bool"}


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


def _literal(array: np.ndarray) -> str:
    """Nested Python lists that reproduce ``array`` exactly (floats by their shortest repr
    in their own precision, so float32 0.1 is written ``0.1``)."""
    if array.ndim == 0:
        value = array.item()
        if array.dtype == np.float32 and math.isfinite(value):
            return str(array[()])
        return _number(value)
    return "[" + ", ".join(_literal(a) for a in array) + "]"


def variable_names(document: Document) -> dict[str, str]:
    """A distinct Python identifier per node, derived from its id."""
    names: dict[str, str] = {}
    used = {"torch", "F", *dir(builtins)}
    for node_id in document.nodes:
        base = re.sub(r"\W", "_", node_id)
        if not base or base[0].isdigit() or keyword.iskeyword(base):
            base = f"n_{base}"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        names[node_id] = name
    return names


def _tensor_line(node: TensorNode) -> str:
    spec, dtype = node.value, node.dtype
    options = []
    if dtype != "float32":
        options.append(f"dtype={_DTYPE[dtype]}")
    if node.requires_grad:
        options.append("requires_grad=True")
    tail = "".join(f", {o}" for o in options)
    dims = ", ".join(str(s) for s in spec.shape)
    if spec.rule in ("zeros", "ones") and spec.shape:
        return f"torch.{spec.rule}({dims}{tail})"
    if spec.rule == "full" and spec.shape:
        return f"torch.full(({dims},), {_number(float(spec.fill))}{tail})"
    from .values import materialize

    return f"torch.tensor({_literal(materialize(spec, dtype))}{tail})"


def _arg(value: Any) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(_arg(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return _DTYPE.get(value, repr(value))
    return _number(value)


def _op_expression(node: OpNode, names: dict[str, str]) -> str:
    spec = node.spec
    slots = [names[s] if s is not None else _number(node.attrs[spec.inputs[i]])
             if not spec.variadic and spec.inputs[i] in node.attrs else "None"
             for i, s in enumerate(node.inputs)]
    attrs = {k: v for k, v in node.attrs.items() if k not in spec.scalar_inputs}
    if node.op in _INFIX and not attrs:
        return f"{slots[0]} {_INFIX[node.op]} {slots[1]}"
    if node.op in _REVERSED:
        return f"{slots[1]} {_REVERSED[node.op]} {slots[0]}"
    if node.op == "neg":
        return f"-{slots[0]}"
    if node.op == "getitem":
        return f"{slots[0]}[{format_index(attrs['index']) or '...'}]"
    positional = [_arg(attrs.pop(a.name)) for a in spec.attrs
                  if a.kind == "shape" and a.name in attrs]
    keywords = [f"{k}={_arg(v)}" for k, v in attrs.items()]
    if spec.variadic:
        call = f"torch.{node.op}([{', '.join(slots)}]{''.join(', ' + k for k in keywords)})"
        return call
    arguments = ", ".join([*slots[1:], *positional, *keywords])
    if spec.method:
        text = f"{slots[0]}.{spec.method}({arguments})"
    else:
        prefix = "F." if spec.category == "nn" else "torch."
        text = f"{prefix}{node.op}({', '.join([slots[0], *([arguments] if arguments else [])])})"
    if node.op in ("max", "min") and "dim" in node.attrs:
        text += ".values"
    return text


def export_script(document: Document) -> str:
    """Python source using ``import torch`` that rebuilds and back-propagates the document."""
    names = variable_names(document)
    lines = ["import torch", "import torch.nn.functional as F", ""]
    if document.title:
        lines.insert(0, f"# {document.title}")
    for node_id in document.topological_order():
        node = document.nodes[node_id]
        if isinstance(node, TensorNode):
            lines.append(f"{names[node_id]} = {_tensor_line(node)}")
            continue
        if any(s is None for s in node.inputs) and any(
                s is None and (node.spec.variadic or node.spec.inputs[i] not in node.attrs)
                for i, s in enumerate(node.inputs)):
            lines.append(f"# {names[node_id]}: {node.op} has an unconnected input")
            continue
        lines.append(f"{names[node_id]} = {_op_expression(node, names)}")
    start = (document.backward or {}).get("start")
    if start in document.nodes:
        gradient = document.backward.get("gradient")
        argument = "" if gradient is None else f"torch.tensor({gradient!r})"
        lines += ["", f"{names[start]}.backward({argument})"]
        for node_id, node in document.nodes.items():
            if isinstance(node, TensorNode) and node.requires_grad:
                lines.append(f"print({names[node_id]!r}, {names[node_id]}.grad)")
    return "\n".join(lines) + "\n"
