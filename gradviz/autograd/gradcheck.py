"""Compare backward's gradients with central finite differences (in float64)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad as autograd_grad
from .grad_mode import no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _outputs(fn: Callable, inputs: Sequence[Any]) -> list[Tensor]:
    out = fn(*inputs)
    return [out] if isinstance(out, Tensor) else [o for o in out if isinstance(o, Tensor)]


def numerical_jacobian(fn: Callable, inputs: Sequence[Any], eps: float) -> list[list[np.ndarray]]:
    """For each output and each differentiable input: d out / d in as (out.numel, in.numel)."""
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    with no_grad():
        outs = _outputs(fn, inputs)
        jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outs]
        for j, t in enumerate(diff):
            data = t._data  # perturbed in place, element by element (any memory layout)
            for k, index in enumerate(np.ndindex(data.shape)):
                orig = data[index]
                data[index] = orig + eps
                plus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                data[index] = orig - eps
                minus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
                data[index] = orig
                for i in range(len(outs)):
                    jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def analytical_jacobian(fn: Callable, inputs: Sequence[Any]) -> list[list[np.ndarray]]:
    """The same Jacobians row by row from ``autograd.grad`` with unit output gradients."""
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outs = _outputs(fn, inputs)
    jac = [[np.zeros((o.numel(), t.numel())) for t in diff] for o in outs]
    for i, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for r in range(out.numel()):
            seed = np.zeros(out._data.size, dtype=out._data.dtype)
            seed[r] = 1
            grads = autograd_grad(out, diff, Tensor._wrap(seed.reshape(out._data.shape)),
                                  retain_graph=True, allow_unused=True)
            for j, g in enumerate(grads):
                if g is not None:
                    jac[i][j][r] = g._data.astype(np.float64).ravel()
    return jac


def gradcheck(fn: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """True when backward agrees with finite differences for every differentiable input."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t._data.dtype != np.float64:
            import warnings

            warnings.warn("Input #0 requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point.", UserWarning, stacklevel=2)
            break
    numeric = numerical_jacobian(fn, inputs, eps)
    analytic = analytical_jacobian(fn, inputs)
    for i, (n_row, a_row) in enumerate(zip(numeric, analytic, strict=True)):
        for j, (n, a) in enumerate(zip(n_row, a_row, strict=True)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                worst = float(np.max(np.abs(a - n)))
                raise GradcheckError(
                    f"Jacobian mismatch for output {i} with respect to input {j},\n"
                    f"numerical:{n}\nanalytical:{a}\nlargest absolute difference: {worst:g}")
    return True


def max_gradient_error(fn: Callable, inputs: Any, eps: float = 1e-6) -> float:
    """The largest |analytical - numerical| over all Jacobian entries (for inspectors)."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    numeric = numerical_jacobian(fn, inputs, eps)
    analytic = analytical_jacobian(fn, inputs)
    worst = 0.0
    for n_row, a_row in zip(numeric, analytic, strict=True):
        for n, a in zip(n_row, a_row, strict=True):
            if n.size:
                worst = max(worst, float(np.max(np.abs(a - n))))
    return worst
