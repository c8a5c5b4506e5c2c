"""The editable document graph (no Qt): model, evaluation, backward trace, layout,
``.gvz`` files and the PyTorch-style script interpreter."""

from .document import Document, DocumentError, OpNode, TensorNode
from .evaluate import Evaluation, NodeResult
from .trace import SentGradient, Trace, TraceError, TraceStep
from .values import ValueSpec

__all__ = [
    "Document", "DocumentError", "Evaluation", "NodeResult", "OpNode", "SentGradient",
    "TensorNode", "Trace", "TraceError", "TraceStep", "ValueSpec",
]
