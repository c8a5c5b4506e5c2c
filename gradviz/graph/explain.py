"""Explanation texts for backward steps: the registry's rule, then the actual numbers."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..autograd import AccumulateGrad, Tensor
from ..autograd.printing import format_array

FULL_LIMIT = 16  # arrays with more elements are summarised


def line(prefix: str, array: Any) -> str:
    """``prefix`` followed by the array, continuation lines aligned under its first one."""
    return prefix + show(array).replace("\n", "\n" + " " * len(prefix))


def show(array: Any) -> str:
    """Small arrays in full (PyTorch's format), large ones as shape and statistics."""
    if isinstance(array, Tensor):
        array = array._data
    if not isinstance(array, np.ndarray):
        return repr(array)
    dtype = str(array.dtype) if str(array.dtype) in ("float64", "int64", "bool") else "float32"
    if array.size <= FULL_LIMIT:
        return format_array(array, dtype)
    finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
    if finite.size == 0:
        return f"<{_shape(array)}, no finite values>"
    return (f"<{_shape(array)}: min {finite.min():.4g}, max {finite.max():.4g}, "
            f"mean {finite.mean():.4g}>")


def _shape(array: np.ndarray) -> str:
    return "x".join(str(s) for s in array.shape) or "scalar"


def _saved_values(node: Any, formula: str) -> list[str]:
    """``name = value`` lines for the saved values the formula mentions."""
    lines = []
    for attr in node.saved_names():
        name = attr[len("_saved_"):]
        short = name.removeprefix("self_sym_")
        if not any(re.search(rf"\b{re.escape(n)}\b", formula) for n in (name, short)):
            continue
        try:
            value = getattr(node, attr)
        except RuntimeError:
            lines.append(f"  {short} = <freed after backward>")
            continue
        lines.append(line(f"  {short} = ", value))
    return lines


def explain(record: Any, owner_name: str, previous: np.ndarray | None = None) -> str:
    """What this step computes, with its numbers (``previous``: a leaf's ``.grad`` before
    this backward pass, for AccumulateGrad)."""
    node = record.node
    if isinstance(node, AccumulateGrad):
        lines = [f"AccumulateGrad for leaf {owner_name}:",
                 f"  {owner_name}.grad = previous + incoming"]
        if previous is not None:
            lines.append(line("    previous = ", previous))
        else:
            lines.append("    previous = None (first gradient)")
        lines.append(line("    incoming = ", record.grad_output))
        if record.new_grad is not None:
            lines.append(line(f"  {owner_name}.grad = ", record.new_grad))
        return "\n".join(lines)
    lines = [f"{node.name()} (from {owner_name}):", line("  grad = ", record.grad_output)]
    for i, ((child, _), grad) in enumerate(zip(node.next_functions, record.grad_inputs,
                                              strict=False)):
        if child is None or grad is None:
            continue
        role = node.inputs[i] if i < len(node.inputs) else node.inputs[-1]
        formula = node.formula_for(i)
        lines.append(f"  grad_{role} = {formula}")
        lines.extend("  " + line for line in _saved_values(node, formula))
        lines.append(line("    = ", grad))
    return "\n".join(lines)
