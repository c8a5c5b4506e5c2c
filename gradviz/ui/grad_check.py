"""Gradient check for one leaf of a document: the core's backward against finite
differences, on a float64 copy of the document (the user's document is not touched)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor, max_gradient_error
from ..graph.document import Document, TensorNode
from ..graph.evaluate import OK, NodeResult
from ..graph.fileio import document_from_dict, document_to_dict

MAX_ELEMENTS = 1024   # finite differences evaluate the graph twice per leaf element


class GradCheckError(ValueError):
    """The check cannot run (the message says why)."""


def gradient_check(document: Document, leaf: str, start: str, gradient: Any = None) -> float:
    """The largest |analytical - numerical| entry of d(start)/d(leaf), weighted by
    ``gradient`` when the start is not a scalar (as ``start.backward(gradient)`` is)."""
    node = document.nodes.get(leaf)
    if not isinstance(node, TensorNode):
        raise GradCheckError("select a tensor (leaf) node to check its gradient")
    if not node.requires_grad:
        raise GradCheckError(f"{document.display_name(leaf)} does not require grad")
    copy = document_from_dict(document_to_dict(document))
    for tensor in [n for n in copy.nodes.values() if isinstance(n, TensorNode)]:
        if tensor.dtype in ("float32", "float16"):
            copy.set_value(tensor.id, tensor.value, "float64")
    base = copy.evaluate()
    if not base[leaf].ok or not base[start].ok:
        raise GradCheckError(f"{document.display_name(start)} has no value to check")
    size = base[leaf].tensor.numel()
    if size > MAX_ELEMENTS:
        raise GradCheckError(f"{document.display_name(leaf)} has {size:,} elements; the "
                             f"check runs for at most {MAX_ELEMENTS:,}")
    weights = None
    out = base[start].tensor
    if gradient is not None:
        weights = Tensor._wrap(np.asarray(gradient, dtype=np.float64))
    elif out.numel() != 1:
        weights = Tensor._wrap(np.ones(tuple(out.shape)))

    def function(x: Tensor) -> Tensor:
        copy.evaluator.invalidate(leaf)
        copy.evaluator.results[leaf] = NodeResult(OK, x)   # the leaf is the given tensor
        result = copy.evaluate()[start]
        if not result.ok:
            raise GradCheckError(result.message)
        y = result.tensor
        return (y * weights).sum() if weights is not None else y.sum()

    x = Tensor._wrap(np.array(base[leaf].tensor._data, dtype=np.float64))
    x.requires_grad_(True)
    with np.errstate(all="ignore"):
        return max_gradient_error(function, (x,))
