"""The numpy autograd core: PyTorch's Tensor, ops, grad_fn graph and backward engine.

Only numpy and the standard library are imported here; the document and the UI build on
top of this package, never the other way round.
"""

import warnings

from . import ops_arith, ops_compare, ops_elementwise, ops_linalg, ops_nn, ops_reduce, ops_shape
from .dtypes import DType, bool_, float16, float32, float64, int32, int64
from .engine import BackwardStep, backward, backward_steps, grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, max_gradient_error
from .node import AccumulateGrad, Node, creation_tag
from .registry import REGISTRY, AttrSpec, OpSpec
from .tensor import Size, Tensor
from .tensor_methods import install

install()

# PyTorch computes inf - inf or x / 0 silently; numpy warns about floating-point errors, and
# wrapping every op in np.errstate would double the cost of a small op. The filter only
# matches warnings raised by numpy on behalf of this package's own code.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"gradviz\.autograd\.")

__all__ = [
    "REGISTRY", "AccumulateGrad", "AttrSpec", "BackwardStep", "DType", "GradcheckError", "Node",
    "OpSpec", "Size", "Tensor", "backward", "backward_steps", "bool_", "creation_tag",
    "enable_grad", "float16", "float32", "float64", "grad", "gradcheck", "int32", "int64",
    "is_grad_enabled", "max_gradient_error", "no_grad", "ops_arith", "ops_compare",
    "ops_elementwise", "ops_linalg", "ops_nn", "ops_reduce", "ops_shape", "set_grad_enabled",
]
