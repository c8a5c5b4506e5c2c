"""Tensor printing that reproduces PyTorch's ``repr`` character for character.

A port of ``torch/_tensor_str.py`` at its default print options, written for numpy
arrays, so that gradviz tensors read exactly like the tutorial's PyTorch output.
"""

import math

import numpy as np

_PRECISION = 4
_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 80

_PREFIX = "tensor("
_DEFAULT_DTYPE = "float32"
_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "float16": np.float16,
    "int64": np.int64,
    "int32": np.int32,
    "bool": np.bool_,
}
# torch leaves these out of a non-empty tensor's repr: the values already tell them apart.
_IMPLIED_DTYPES = {"float32", "int64", "bool"}


def format_tensor(values: np.ndarray, dtype_name: str, grad_suffix: str | None = None) -> str:
    """Character-for-character torch's repr(tensor) for a CPU tensor holding `values`.

    `grad_suffix` is the ready text ``grad_fn=<AddBackward0>`` or ``requires_grad=True``;
    like torch, it follows the dtype suffix.
    """
    array = _as_dtype(values, dtype_name)
    suffixes = []
    if array.size == 0:
        # torch shows the shape unless it is (0,), and any dtype but the default one,
        # since no element can hint at it.
        body = "[]"
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype_name != _DEFAULT_DTYPE:
            suffixes.append(f"dtype=torch.{dtype_name}")
    else:
        body = _tensor_str(array, len(_PREFIX))
        if dtype_name not in _IMPLIED_DTYPES:
            suffixes.append(f"dtype=torch.{dtype_name}")
    if grad_suffix is not None:
        suffixes.append(grad_suffix)
    return _add_suffixes(_PREFIX + body, suffixes, len(_PREFIX))


def format_array(values: np.ndarray, dtype_name: str) -> str:
    """The bracketed body torch prints inside ``tensor(...)``, laid out as if it stood alone.

    Explanation texts use it to show the numbers of a step without the tensor wrapper.
    """
    return _tensor_str(_as_dtype(values, dtype_name), 0)


def _as_dtype(values: np.ndarray, dtype_name: str) -> np.ndarray:
    try:
        dtype = _DTYPES[dtype_name]
    except KeyError:
        raise ValueError(
            f"cannot print dtype {dtype_name!r}; expected one of {', '.join(_DTYPES)}"
        ) from None
    return np.asarray(values, dtype=dtype)


class _Formatter:
    """One notation and width for every element, chosen from the elements that get printed."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.max_width = max(1, *(len(str(value)) for value in flat.tolist()))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        # torch decides in double precision but tests integrality in the tensor's dtype.
        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        if self.sci_mode:
            spec, mark = f".{_PRECISION}e", 0
        elif self.int_mode:
            spec, mark = ".0f", 1  # room for the "." that marks a float
        else:
            spec, mark = f".{_PRECISION}f", 0
        self.max_width = max(len(format(value, spec)) + mark for value in shown.tolist())

    def format(self, value: float | int | bool) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = format(value, f"{self.max_width}.{_PRECISION}e")
        elif self.int_mode:
            text = format(value, ".0f")
            if math.isfinite(value):
                text += "."
        else:
            text = format(value, f".{_PRECISION}f")
        return text.rjust(self.max_width)


def _tensor_str(values: np.ndarray, indent: int) -> str:
    if values.size == 0:
        return "[]"
    summarize = values.size > _THRESHOLD
    formatter = _Formatter(_summarized(values) if summarize else values)
    return _nested_str(values, indent, summarize, formatter)


def _summarized(values: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows, so a huge tensor is never formatted whole."""
    edges = [
        np.r_[0:_EDGEITEMS, n - _EDGEITEMS : n] if n > 2 * _EDGEITEMS else np.arange(n)
        for n in values.shape
    ]
    return values[np.ix_(*edges)]


def _nested_str(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, formatter)
    n = len(values)
    if summarize and n > 2 * _EDGEITEMS:
        rows = [*range(_EDGEITEMS), None, *range(n - _EDGEITEMS, n)]
    else:
        rows = list(range(n))
    slices = [
        "..." if i is None else _nested_str(values[i], indent + 1, summarize, formatter)
        for i in rows
    ]
    # Blocks of a 3-d or deeper tensor are separated by blank lines, one per extra dim.
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _vector_str(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    element_length = formatter.max_width + 2  # the ", " between elements
    per_line = max(1, (_LINEWIDTH - indent) // element_length)
    if summarize and len(values) > 2 * _EDGEITEMS:
        data = [
            *map(formatter.format, values[:_EDGEITEMS].tolist()),
            " ...",
            *map(formatter.format, values[-_EDGEITEMS:].tolist()),
        ]
    else:
        data = [formatter.format(value) for value in values.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    # torch's arithmetic, quirks included: without a newline this counts two extra columns.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    parts = [tensor_str]
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    return "".join(parts) + ")"
