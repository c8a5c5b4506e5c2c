"""The op registry: every user-level operation defined once, read by every front end.

An ``OpSpec`` names the operation (the name the palette shows and the file stores), its
tensor inputs, which inputs may be plain numbers (the ``2`` in ``x + 2``), its attributes,
the core function that runs it and the grad_fn nodes it creates. The Tensor methods,
``gv.<name>`` functions, the document's operation nodes and the script interpreter all
reach an op through this table; the derivative rules live on the grad_fn classes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("arithmetic", "elementwise", "reduction", "shape", "nn", "comparison")


@dataclass(frozen=True)
class AttrSpec:
    """An attribute of an op: ``kind`` is one of int, float, number, bool, dims, shape,
    index, dtype; ``required`` attributes have no default."""

    name: str
    kind: str
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class OpSpec:
    name: str
    category: str
    fn: Callable
    inputs: tuple[str, ...]
    scalar_inputs: frozenset[str] = frozenset()
    attrs: tuple[AttrSpec, ...] = ()
    variadic: bool = False
    grad_fns: tuple[str, ...] = ()
    differentiable: bool = True
    method: str | None = None
    doc: str = ""
    aliases: tuple[str, ...] = field(default=())

    def attr(self, name: str) -> AttrSpec:
        for spec in self.attrs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def call(self, inputs: list, attrs: dict[str, Any]) -> Any:
        """Run the op: ``inputs`` in slot order (a list for a variadic op), then attrs.

        A ``shape`` attribute (``view``'s shape, ``permute``'s dims) is passed as the
        positional sizes the method takes: ``x.view(*shape)``.
        """
        sizes: tuple = ()
        kwargs = {}
        for name, value in attrs.items():
            kind = next((a.kind for a in self.attrs if a.name == name), None)
            if kind == "shape":
                sizes = tuple(value)
            else:
                kwargs[name] = value
        if self.variadic:
            return self.fn(list(inputs), *sizes, **kwargs)
        return self.fn(*inputs, *sizes, **kwargs)


REGISTRY: dict[str, OpSpec] = {}


def register(
    name: str,
    category: str,
    inputs: tuple[str, ...] = ("self",),
    *,
    scalar_inputs: tuple[str, ...] = (),
    attrs: tuple[AttrSpec, ...] = (),
    variadic: bool = False,
    grad_fns: tuple[str, ...] = (),
    differentiable: bool = True,
    method: str | None = "",
    aliases: tuple[str, ...] = (),
) -> Callable[[Callable], Callable]:
    """Decorator: add the function to the registry under ``name`` and return it unchanged.

    ``method`` is the Tensor method name ("" means the same as ``name``, None means the op
    is a function only); ``aliases`` are further method names reaching the same op.
    """
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")

    def decorate(fn: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"op {name!r} registered twice")
        REGISTRY[name] = OpSpec(
            name=name, category=category, fn=fn, inputs=inputs,
            scalar_inputs=frozenset(scalar_inputs), attrs=attrs, variadic=variadic,
            grad_fns=grad_fns, differentiable=differentiable,
            method=name if method == "" else method, doc=(fn.__doc__ or "").strip(),
            aliases=aliases,
        )
        return fn

    return decorate


def bind_methods(cls: type) -> None:
    """Give ``cls`` (Tensor) one method per registered op, unless it defines its own."""
    for spec in REGISTRY.values():
        for method in (spec.method, *spec.aliases):
            if method and method not in cls.__dict__:
                setattr(cls, method, spec.fn)
