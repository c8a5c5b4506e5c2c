"""Validation of op attributes and scalar operands against the registry's AttrSpecs."""

from __future__ import annotations

import math
from typing import Any

from ..autograd.registry import AttrSpec, OpSpec


class AttrError(ValueError):
    """An attribute value that does not fit its op (message names op and attribute)."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_index(value: Any) -> list:
    """An index for ``getitem``: a list of int | None | "..." | {"slice": [a, b, c]}."""
    if not isinstance(value, list):
        raise AttrError("index must be a list of items")
    for item in value:
        if item is None or item == "..." or _is_int(item):
            continue
        if isinstance(item, dict) and set(item) == {"slice"}:
            parts = item["slice"]
            if (isinstance(parts, list) and len(parts) == 3
                    and all(p is None or _is_int(p) for p in parts)):
                if parts[2] is not None and parts[2] <= 0:
                    raise AttrError("slice step must be greater than zero")
                continue
        raise AttrError(f"index item {item!r} is not an int, null, \"...\" or "
                              "{\"slice\": [start, stop, step]}")
    return value


def check_value(spec: AttrSpec, value: Any) -> Any:
    """``value`` normalised for ``spec`` (tuples become lists), or AttrError."""
    kind = spec.kind
    if value is None:
        if spec.required:
            raise AttrError(f"'{spec.name}' is required")
        return None
    if kind == "int":
        if not _is_int(value):
            raise AttrError(f"'{spec.name}' must be an integer, not {value!r}")
        return value
    if kind in ("float", "number"):
        if not _is_number(value):
            raise AttrError(f"'{spec.name}' must be a number, not {value!r}")
        if isinstance(value, float) and math.isnan(value):
            raise AttrError(f"'{spec.name}' must be a number, not nan")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise AttrError(f"'{spec.name}' must be true or false, not {value!r}")
        return value
    if kind == "dims":
        if _is_int(value):
            return value
        if isinstance(value, (list, tuple)) and all(_is_int(v) for v in value):
            return list(value)
        raise AttrError(f"'{spec.name}' must be a dimension or a list of dimensions")
    if kind == "shape":
        if isinstance(value, (list, tuple)) and all(_is_int(v) and v >= -1 for v in value):
            return list(value)
        raise AttrError(f"'{spec.name}' must be a list of sizes (-1 infers one)")
    if kind == "index":
        return check_index(value)
    if kind == "dtype":
        from .values import DTYPES

        if value not in DTYPES:
            raise AttrError(f"'{spec.name}' must be one of {', '.join(DTYPES)}")
        return value
    if kind.startswith("choice:"):
        choices = kind.split(":", 1)[1].split(",")
        if value not in choices:
            raise AttrError(f"'{spec.name}' must be one of {', '.join(choices)}")
        return value
    raise AttrError(f"attribute kind {kind!r} is unknown")


def check_attrs(op: OpSpec, attrs: dict[str, Any]) -> dict[str, Any]:
    """All attributes of ``op`` validated; scalar operands are attributes named after their
    input slot (``{"other": 2}`` for ``x + 2``)."""
    known = {a.name: a for a in op.attrs}
    out: dict[str, Any] = {}
    for name, value in attrs.items():
        if name in op.scalar_inputs:
            if not _is_number(value) and not isinstance(value, bool):
                raise AttrError(f"{op.name}: scalar operand '{name}' must be a number, "
                                      f"not {value!r}")
            out[name] = value
        elif name in known:
            try:
                out[name] = check_value(known[name], value)
            except AttrError as exc:
                raise AttrError(f"{op.name}: {exc}") from None
        else:
            expected = ", ".join([*known, *sorted(op.scalar_inputs)]) or "none"
            raise AttrError(f"{op.name} has no attribute '{name}' (it has: {expected})")
    for spec in op.attrs:
        if spec.required and out.get(spec.name) is None:
            raise AttrError(f"{op.name}: attribute '{spec.name}' is required")
    return out


def index_to_python(items: list) -> tuple:
    """The stored index form turned into what ``tensor[...]`` takes."""
    out: list[Any] = []
    for item in items:
        if item == "...":
            out.append(Ellipsis)
        elif isinstance(item, dict):
            out.append(slice(*item["slice"]))
        else:
            out.append(item)
    return tuple(out)


def index_from_python(index: Any) -> list:
    """``x[0, 1:, None, ...]``'s index in the stored (JSON-friendly) form."""
    items = index if isinstance(index, tuple) else (index,)
    out: list[Any] = []
    for item in items:
        if item is Ellipsis:
            out.append("...")
        elif isinstance(item, slice):
            out.append({"slice": [item.start, item.stop, item.step]})
        elif item is None or _is_int(item):
            out.append(item)
        else:
            out.append(int(item))
    return out


def format_index(items: list) -> str:
    """``[0, {"slice": [1, None, None]}]`` as ``0, 1:``."""
    parts = []
    for item in items:
        if item == "...":
            parts.append("...")
        elif item is None:
            parts.append("None")
        elif isinstance(item, dict):
            start, stop, step = item["slice"]
            text = f"{'' if start is None else start}:{'' if stop is None else stop}"
            parts.append(text + (f":{step}" if step is not None else ""))
        else:
            parts.append(str(item))
    return ", ".join(parts)
