"""gradviz: see automatic differentiation happen.

``import gradviz as torch`` gives the PyTorch-style core (tensors, ops, autograd); the
document model lives in ``gradviz.graph`` and the desktop application in ``gradviz.ui``.
"""

from . import autograd, nn
from .autograd.creation import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    initial_seed,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from .autograd.dtypes import DType as dtype
from .autograd.dtypes import bool_, float16, float32, float64, int32, int64
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.ops_arith import add, div, mul, neg, pow, reciprocal, rsub, sub
from .autograd.ops_compare import allclose, eq, equal, ge, gt, isfinite, isinf, isnan, le, lt, ne
from .autograd.ops_elementwise import (
    abs,
    clamp,
    cos,
    exp,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)
from .autograd.ops_linalg import bmm, dot, matmul, mm, mv
from .autograd.ops_nn import log_softmax, softmax
from .autograd.ops_reduce import all, any, argmax, argmin, max, mean, min, norm, sum, var
from .autograd.ops_shape import (
    cat,
    clone,
    flatten,
    permute,
    reshape,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
)
from .autograd.tensor import Size, Tensor

__version__ = "0.1.0"

# PyTorch's dtype names and aliases (the tutorial writes ``dtype=torch.float``).
bool = bool_  # noqa: A001
float = float32  # noqa: A001
double = float64
long = int64
int = int32  # noqa: A001
half = float16
clip = clamp
divide = true_divide = div
multiply = mul
subtract = sub
negative = neg
concat = concatenate = cat
swapaxes = transpose


def is_tensor(obj: object) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def get_default_dtype() -> dtype:
    return float32


__all__ = [
    "Size", "Tensor", "abs", "add", "all", "allclose", "any", "arange", "argmax", "argmin",
    "as_tensor", "autograd", "bmm", "bool", "cat", "clamp", "clip", "clone", "concat",
    "concatenate", "cos", "div", "divide", "dot", "double", "dtype", "empty", "enable_grad", "eq",
    "equal", "exp", "eye", "flatten", "float", "float16", "float32", "float64",
    "from_numpy", "full", "full_like", "ge", "get_default_dtype", "gt", "half", "initial_seed",
    "int", "int32", "int64", "is_grad_enabled", "is_tensor", "isfinite", "isinf", "isnan", "le",
    "linspace",
    "log", "log_softmax", "long", "lt", "manual_seed", "matmul", "max", "maximum", "mean", "min",
    "minimum", "mm", "mul", "multiply", "mv", "ne", "neg", "negative", "nn", "no_grad", "norm",
    "numel", "ones", "ones_like", "permute", "pow", "rand", "randn", "reciprocal", "relu",
    "reshape", "rsub", "seed", "set_grad_enabled", "sigmoid", "sin", "softmax", "sqrt",
    "squeeze", "stack", "sub", "subtract", "sum", "swapaxes", "t", "tanh", "tensor", "transpose",
    "true_divide", "unsqueeze", "var", "zeros", "zeros_like",
]
