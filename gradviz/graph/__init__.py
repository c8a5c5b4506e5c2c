"""The editable document graph (no Qt): model, evaluation, backward trace, layout,
``.gvz`` files and the PyTorch-style script interpreter."""

from .arrange import apply_layout, layered_layout
from .document import Document, DocumentError, OpNode, TensorNode
from .evaluate import Evaluation, NodeResult
from .export import export_script
from .fileio import GraphFileError, load, save
from .script import Limits, ScriptError, ScriptResult, run_script
from .trace import SentGradient, Trace, TraceError, TraceStep
from .values import ValueSpec

__all__ = [
    "Document", "DocumentError", "Evaluation", "GraphFileError", "NodeResult", "OpNode",
    "SentGradient", "TensorNode", "Trace", "TraceError", "TraceStep", "ValueSpec",
    "Limits", "ScriptError", "ScriptResult", "apply_layout", "export_script", "layered_layout",
    "load", "run_script", "save",
]
