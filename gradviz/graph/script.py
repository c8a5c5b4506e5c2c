"""PyTorch-style scripts: run them in the sandboxed interpreter and record the graph.

``run_script(source)`` evaluates a script with ``torch`` and ``gradviz`` both naming the
gradviz core and gives what it printed plus a ``Document`` holding every operation it
executed: loops unrolled, numbers as attributes named after their slot (``x + 2`` is
``add`` with ``{"other": 2}``), random tensors as the values the script actually drew.
Each recorded node behaves as the script's tensor did, so evaluating the document
reproduces the script's values; what the document cannot express (an operation under
``no_grad`` on tensors that require grad, a ``zero_()``) becomes a constant tensor node.
"""

from __future__ import annotations

import ast
import inspect
import math
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import gradviz as core

from ..autograd import AccumulateGrad, Node
from ..autograd.dtypes import DType
from ..autograd.registry import REGISTRY, AttrSpec, OpSpec
from ..autograd.tensor import Size, Tensor
from .attrs import AttrError, check_attrs, index_from_python
from .document import Document
from .interpreter import (
    Host,
    Interpreter,
    Limits,
    ScriptError,
    parse,
    refuse,
    sequence_method,
)
from .values import DTYPES, ValueSpec, ValueSpecError, materialize

__all__ = ["Limits", "ScriptError", "ScriptResult", "run_script"]


@dataclass
class ScriptResult:
    """What a script printed and the graph it built.

    ``backward_start``/``backward_gradient`` describe the last ``.backward()`` call (also
    stored as ``document.backward``); ``backward_calls`` lists every call in order.
    ``variables`` maps each top-level variable holding a tensor to its node id.
    """

    document: Document
    output: str
    warnings: list[str] = field(default_factory=list)
    backward_start: str | None = None
    backward_gradient: Any = None
    backward_calls: list[tuple[str, Any]] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    namespace: dict[str, Any] = field(default_factory=dict)


def run_script(source: str, *, limits: Limits | None = None) -> ScriptResult:
    """Run ``source`` in the sandbox; a ScriptError (with ``lineno``) if it cannot run."""
    limits = limits or Limits()
    host = TorchHost()
    interp: Interpreter | None = None
    grad_mode = core.is_grad_enabled()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's own SyntaxWarnings while parsing
            tree = parse(source, limits)
        interp = Interpreter(source, host, limits)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("always")
            warnings.showwarning = host.on_warning
            try:
                interp.run(tree)
            except ScriptError:
                raise
            except Exception as exc:  # a failure outside any node (nested too deeply, ...)
                raise interp.error(exc, ast.Pass(lineno=interp.line, col_offset=0)) from None
    except ScriptError as exc:
        exc.output = "".join(interp.output) if interp is not None else ""
        exc.warnings = list(host.warnings)
        try:
            exc.document = host.build_document(source)[0] if interp is not None else None
        except Exception:  # the partial graph is a courtesy; never mask the script's error
            exc.document = None
        raise
    finally:
        core.set_grad_enabled(grad_mode)
    host.refresh_variables(interp.globals)
    document, ids = host.build_document(source)
    calls = [(ids[index], gradient) for index, gradient in host.backward_calls]
    variables = {}
    for name, value in interp.globals.items():
        if isinstance(value, Tensor) and id(value) in host.by_tensor:
            variables[name] = ids[host.by_tensor[id(value)][1]]
    start, gradient = calls[-1] if calls else (None, None)
    return ScriptResult(document, "".join(interp.output), list(host.warnings), start, gradient,
                        calls, variables, dict(interp.globals))


# -- values the script can hold besides plain Python data ----------------------------------
class Module:
    """``torch``, ``torch.nn``, ``torch.nn.functional``, ``torch.autograd``: only the
    whitelisted members are reachable."""

    __slots__ = ("name", "members", "real")

    def __init__(self, name: str, members: dict[str, Any], real: Any) -> None:
        self.name, self.members, self.real = name, members, real

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


class CoreFunction:
    """A core function the script may call; ``kind`` says how it is run and recorded."""

    __slots__ = ("name", "fn", "kind", "spec", "cls")

    def __init__(self, name: str, fn: Callable, kind: str, spec: OpSpec | None = None,
                 cls: type | None = None) -> None:
        self.name, self.fn, self.kind, self.spec, self.cls = name, fn, kind, spec, cls

    def __repr__(self) -> str:
        if self.cls is not None:
            return f"<class '{self.name}'>"
        return f"<built-in method {self.name.rsplit('.', 1)[-1]} of type object>"


class TypeRef:
    """A class the script may name (for ``isinstance``) but not call."""

    __slots__ = ("name", "cls")

    def __init__(self, name: str, cls: type) -> None:
        self.name, self.cls = name, cls

    def __repr__(self) -> str:
        return f"<class '{self.name}'>"


class TensorMethod:
    """``x.sum`` before it is called."""

    __slots__ = ("tensor", "name")

    def __init__(self, tensor: Tensor, name: str) -> None:
        self.tensor, self.name = tensor, name

    def __repr__(self) -> str:
        return f"<built-in method {self.name} of Tensor object at {hex(id(self.tensor))}>"


class NativeMethod:
    """A whitelisted method of a grad_fn, torch.Size or dtype, bound to its object."""

    __slots__ = ("name", "fn")

    def __init__(self, name: str, fn: Callable) -> None:
        self.name, self.fn = name, fn

    def __repr__(self) -> str:
        return repr(self.fn)


_GRAD_MODES = (core.no_grad, core.enable_grad, core.set_grad_enabled)
_CREATION = ("tensor", "as_tensor", "ones", "zeros", "full", "empty", "ones_like",
             "zeros_like", "full_like", "rand", "randn", "arange", "linspace", "eye")
_PLAIN_FUNCTIONS = ("is_grad_enabled", "is_tensor", "numel", "get_default_dtype", "allclose",
                    "equal", "isnan", "isinf", "isfinite", "manual_seed")
_MATMUL_LIKE = ("bmm", "mv", "dot")
_TENSOR_PROPERTIES = ("data", "grad", "grad_fn", "requires_grad", "is_leaf", "shape", "dtype",
                      "ndim", "T", "mT", "retains_grad")
_TENSOR_PLAIN = ("item", "tolist", "size", "dim", "numel", "nelement", "allclose", "equal",
                 "isnan", "isinf", "isfinite", "retain_grad")
_TENSOR_CONVERSIONS = {"float": "float32", "double": "float64", "long": "int64",
                       "int": "int32", "bool": "bool", "half": "float16"}
_TENSOR_SPECIAL = ("backward", "detach", "requires_grad_", "zero_", "fill_", "copy_", "detach_",
                   "contiguous", "type_as", *_MATMUL_LIKE, *_TENSOR_CONVERSIONS)
_TENSOR_REFUSED = {
    "numpy": "x.numpy() is not available in gradviz scripts; use x.tolist() or print(x)",
    "register_hook": "hooks need functions, which gradviz scripts do not have",
}
_NODE_ATTRIBUTES = ("name", "next_functions", "variable", "metadata", "saved_names")
_DTYPE_ATTRIBUTES = ("is_floating_point", "itemsize", "name")
_INPLACE_OPS = {"add": "add_", "sub": "sub_", "mul": "mul_", "truediv": "div_"}
_BINARY_OPS = {"add": ("add", "add"), "sub": ("sub", "rsub"), "mul": ("mul", "mul"),
               "truediv": ("div", "rdiv"), "pow": ("pow", "pow"), "matmul": ("matmul", None)}
_REFLECTED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_DTYPE_FALLBACK = {"int32": "int64", "float16": "float32"}
_MAX_OP_INPUTS = 10_000

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _is_number(value: Any) -> bool:
    return type(value) in (bool, int, float)


def _is_pair(value: Any) -> bool:
    return (isinstance(value, tuple) and len(value) == 2
            and all(isinstance(v, Tensor) for v in value))


def _numel(shape: Any) -> int:
    return math.prod(int(s) for s in shape)


@dataclass
class _Record:
    """A document node before ids are given (the document is built when the script ends)."""

    kind: str  # "tensor" or "op"
    name: str = ""
    named: bool = False  # named after a script variable
    label: str = ""
    value: ValueSpec | None = None
    dtype: str = "float32"
    requires_grad: bool = False
    op: str = ""
    inputs: list[int | None] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    used: bool = False
    base: str = ""  # what the node id is derived from when no variable names it


@dataclass
class _Call:
    """A registry call's arguments sorted into input slots (tensors) and attributes."""

    slots: list[Any]
    attrs: dict[str, Any]
    problem: str | None = None

    @property
    def tensors(self) -> list[Tensor]:
        return [t for t in self.slots if isinstance(t, Tensor)]


class TorchHost(Host):
    """Tensors and the ``torch`` namespace for the interpreter, recording as they run."""

    def __init__(self) -> None:
        self.records: list[_Record] = []
        self.by_tensor: dict[int, tuple[Tensor, int]] = {}  # id(tensor) -> (tensor, record)
        self.pending_labels: dict[int, tuple[Tensor, str]] = {}
        self.groups: dict[int, set[int]] = {}  # memory block -> ids of tensors recorded on it
        self.stale: set[int] = set()  # recorded tensors changed through shared memory
        self.backward_calls: list[tuple[int, Any]] = []
        self.warnings: list[str] = []
        self.total_elements = 0
        self._signatures: dict[str, inspect.Signature] = {}
        self._methods, self._inplace = _method_tables()
        self._modules = _modules()

    # -- interpreter hooks -----------------------------------------------------------------
    def initial_names(self) -> dict[str, Any]:
        return {"torch": self._modules["torch"], "gradviz": self._modules["gradviz"]}

    def import_module(self, dotted: str) -> Any:
        module = self._modules.get(dotted)
        if module is None:
            root = dotted.split(".")[0]
            if root in ("torch", "gradviz"):
                raise refuse(f"{dotted} is not available in gradviz scripts (torch, torch.nn, "
                             "torch.nn.functional and torch.autograd are)")
            raise refuse(f"import {dotted} is not allowed: gradviz scripts can import torch "
                         "(or gradviz) only")
        return module

    def owns(self, value: Any) -> bool:
        return isinstance(value, Tensor)

    def type_name(self, value: Any) -> str:
        if isinstance(value, Tensor):
            return "Tensor"
        if isinstance(value, Module):
            return "module"
        if isinstance(value, (CoreFunction, TensorMethod, NativeMethod)):
            return "builtin_function_or_method"
        if isinstance(value, TypeRef):
            return "type"
        return type(value).__name__

    def on_warning(self, message: Any, category: type, filename: str, lineno: int,
                   file: Any = None, line: Any = None) -> None:
        self.warn(f"{category.__name__}: {message}")

    def warn(self, text: str) -> None:
        entry = f"line {self.interp.line}: {text}"
        if not self.warnings or self.warnings[-1] != entry:
            self.warnings.append(entry)

    def assigned(self, name: str, value: Any) -> None:
        if isinstance(value, Tensor):
            record = self.records[self._node_for(value)]
            if not record.named:
                record.name, record.named = name, True

    def text(self, node: ast.AST | None) -> str:
        return "" if node is None else self.interp.source_text(node)

    # -- operators -------------------------------------------------------------------------
    def binop(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        names = _BINARY_OPS.get(op)
        tensor_left = isinstance(left, Tensor)
        other = right if tensor_left else left
        if names is None or not (isinstance(other, Tensor) or _is_number(other)):
            if names is not None and op == "matmul" and not tensor_left:
                return self._run(REGISTRY["matmul"], (left, right), {}, node,
                                 call=lambda: operator.matmul(left, right))
            raise TypeError(f"unsupported operand type(s) for {symbol}: "
                            f"'{self.type_name(left)}' and '{self.type_name(right)}'")
        forward, reflected = names
        if tensor_left:
            return self._run(REGISTRY[forward], (left, right), {}, node)
        if op == "pow":
            return self._run(REGISTRY["pow"], (left, right), {}, node)
        if reflected is None:
            return self._run(REGISTRY[forward], (left, right), {}, node,
                             call=lambda: operator.matmul(left, right))
        return self._run(REGISTRY[reflected], (right, left), {}, node)

    def inplace(self, op: str, symbol: str, target: Any, value: Any, node: ast.AST) -> Any:
        method = _INPLACE_OPS.get(op)
        if method is None or not hasattr(Tensor, method):
            return self.binop(op, symbol, target, value, node)
        return self._method(target, method, [value], {}, node)

    def unaryop(self, op: str, operand: Tensor, node: ast.AST) -> Any:
        if op == "pos":
            return operand
        if op == "invert":
            return self._plain(lambda: operator.invert(operand), (operand,))
        return self._run(REGISTRY[op], (operand,), {}, node)

    def compare(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        if isinstance(left, Tensor) and (isinstance(right, Tensor) or _is_number(right)):
            return self._run(REGISTRY[op], (left, right), {}, node)
        if isinstance(right, Tensor) and _is_number(left):
            return self._run(REGISTRY[_REFLECTED[op]], (right, left), {}, node)
        if op in ("eq", "ne"):
            return op == "ne"
        raise TypeError(f"'{symbol}' not supported between instances of "
                        f"'{self.type_name(left)}' and '{self.type_name(right)}'")

    def contains(self, container: Any, item: Any, node: ast.AST) -> Any:
        if not isinstance(container, Tensor):
            return NotImplemented
        if not (isinstance(item, Tensor) or _is_number(item)):
            raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you "
                               f"passed in a {self.type_name(item)}.")
        self._estimate_broadcast("in", (container, item))
        return bool(core.eq(container, item).any().item())

    # -- attributes ------------------------------------------------------------------------
    def getattr(self, obj: Any, name: str, node: ast.AST) -> Any:
        if isinstance(obj, Tensor):
            return self._tensor_attribute(obj, name, node)
        if isinstance(obj, Module):
            return self._module_attribute(obj, name)
        if isinstance(obj, Node):
            allowed = name in _NODE_ATTRIBUTES or name.startswith("_saved_")
            if name == "variable" and not isinstance(obj, AccumulateGrad):
                allowed = False
            if not allowed:
                if hasattr(obj, name):
                    raise refuse(f"grad_fn.{name} is not available in gradviz scripts")
                raise AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")
            value = getattr(obj, name)
            return NativeMethod(name, value) if callable(value) else self.admit(value)
        if isinstance(obj, DType):
            if name not in _DTYPE_ATTRIBUTES:
                raise AttributeError(f"'torch.dtype' object has no attribute '{name}'")
            return getattr(obj, name)
        if isinstance(obj, tuple):
            method = sequence_method(self.interp, obj, name)
            if method is not None:
                return method
            if isinstance(obj, Size) and name == "numel":
                return NativeMethod(name, obj.numel)
            fields = getattr(type(obj), "_fields", ())
            if name in fields and type(obj).__module__.startswith("gradviz."):
                return getattr(obj, name)
        if hasattr(obj, name):
            raise refuse(f"{self.type_name(obj)}.{name} is not available in gradviz scripts")
        raise AttributeError(f"'{self.type_name(obj)}' object has no attribute '{name}'")

    def _module_attribute(self, module: Module, name: str) -> Any:
        if name in module.members:
            return module.members[name]
        if module.name.endswith(".nn") and name[:1].isupper():
            raise refuse(f"{module.name}.{name} is not available in gradviz (it implements "
                         "torch.nn.functional only)")
        if hasattr(module.real, name):
            raise refuse(f"{module.name}.{name} is not available in gradviz scripts")
        raise AttributeError(f"module '{module.name}' has no attribute '{name}'")

    def setattr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        if not isinstance(obj, Tensor) or name not in ("requires_grad", "grad", "data"):
            raise refuse(f"cannot set attribute '{name}' of a {self.type_name(obj)} in gradviz "
                         "scripts (only x.requires_grad, x.grad and x.data can be set)")
        if name == "requires_grad":
            self._requires_grad_(obj, [value], {}, node)
        elif name == "grad":
            obj.grad = value
        else:
            record = self._record_of(obj)
            obj.data = value
            if record is not None:
                self._replaced(obj, record, node)

    def getitem(self, obj: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(obj, Tensor):
            return self._run(REGISTRY["getitem"], (obj, key), {}, node)
        raise TypeError(f"'{self.type_name(obj)}' object is not subscriptable")

    def setitem(self, obj: Any, key: Any, value: Any, node: ast.AST) -> None:
        if not isinstance(obj, Tensor):
            raise TypeError(f"'{self.type_name(obj)}' object does not support item assignment")
        record = self._record_of(obj)
        operator.setitem(obj, key, value)
        self._changed_in_place(obj)
        if record is not None:
            self._replaced(obj, record, node)

    def iterate(self, value: Any, node: ast.AST | None) -> Iterator | None:
        if not isinstance(value, Tensor):
            return None
        if value.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")

        def rows() -> Iterator:
            for i in range(len(value)):
                yield self._run(REGISTRY["getitem"], (value, i), {}, node)

        return rows()

    def enter(self, context: Any, node: ast.AST) -> Any:
        if not isinstance(context, _GRAD_MODES):
            return super().enter(context, node)
        return context.__enter__()

    def exit(self, context: Any) -> None:
        context.__exit__(None, None, None)

    def isinstance_of(self, value: Any, kind: Any) -> bool | None:
        if isinstance(kind, TypeRef):
            return isinstance(value, kind.cls)
        if isinstance(kind, CoreFunction) and kind.cls is not None:
            return isinstance(value, kind.cls)
        return None

    # -- calls -----------------------------------------------------------------------------
    def call(self, func: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(func, TensorMethod):
            return self._method(func.tensor, func.name, args, kwargs, node)
        if isinstance(func, CoreFunction):
            return self._call_core(func, args, kwargs, node)
        if isinstance(func, NativeMethod):
            return self.admit(func.fn(*args, **kwargs))
        if isinstance(func, TypeRef):
            hint = "; use torch.tensor(...)" if func.cls is Tensor else ""
            raise refuse(f"{func.name}(...) is not available in gradviz scripts{hint}")
        raise TypeError(f"'{self.type_name(func)}' object is not callable")

    def _call_core(self, func: CoreFunction, args: list, kwargs: dict, node: ast.AST) -> Any:
        kind = func.kind
        if kind == "op":
            return self._run(func.spec, tuple(args), kwargs, node)
        if kind == "create":
            return self._create(func, args, kwargs, node)
        if kind == "matmul":
            return self._run(REGISTRY["matmul"], tuple(args), kwargs, node,
                             call=lambda: func.fn(*args, **kwargs))
        if kind == "size":
            return Size(int(operator.index(s)) for s in self.interp.collect(*args, **kwargs))
        if kind == "backward":
            return self._autograd_backward(func.fn, args, kwargs)
        if kind == "grad_mode":
            return func.fn(*args, **kwargs)
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        return self._plain(lambda: func.fn(*args, **kwargs), tensors)

    def _plain(self, call: Callable[[], Any], tensors: tuple | list) -> Any:
        """A core call that records nothing (its tensor results become nodes when used)."""
        self._estimate_broadcast("", tensors)
        out = call()
        self._check_result(out)
        return self.admit(out)

    # -- tensor attributes and methods -----------------------------------------------------
    def _tensor_attribute(self, t: Tensor, name: str, node: ast.AST) -> Any:
        if name in _TENSOR_PROPERTIES:
            if name == "data":
                data = t.data
                label = self.text(node)
                self._add(self._leaf(data, label or "data", label), data)
                return data
            if name == "T":
                dims = tuple(reversed(range(t.dim())))
                return self._run(REGISTRY["permute"], (t, *dims), {}, node, call=lambda: t.T)
            if name == "mT":
                return self._run(REGISTRY["transpose"], (t, -2, -1), {}, node,
                                 call=lambda: t.mT)
            value = getattr(t, name)
            if name == "grad" and isinstance(value, Tensor) and id(value) not in self.by_tensor:
                self.pending_labels[id(value)] = (value, self.text(node))
            return self.admit(value)
        if name in _TENSOR_REFUSED:
            raise refuse(_TENSOR_REFUSED[name])
        if (name in self._methods or name in self._inplace or name in _TENSOR_SPECIAL
                or name in _TENSOR_PLAIN) and hasattr(t, name):
            return TensorMethod(t, name)
        if hasattr(t, name) and not name.startswith("_"):
            raise refuse(f"x.{name} is not available in gradviz scripts")
        raise AttributeError(f"'Tensor' object has no attribute '{name}'")

    def _method(self, t: Tensor, name: str, args: list, kwargs: dict, node: ast.AST) -> Any:
        spec = self._methods.get(name)
        if spec is not None:
            return self._run(spec, (t, *args), kwargs, node)
        spec = self._inplace.get(name)
        if spec is not None:
            return self._run(spec, (t, *args), kwargs, node,
                             call=lambda: getattr(t, name)(*args, **kwargs), inplace=t)
        if name == "backward":
            return self._backward(t, args, kwargs)
        if name == "detach":
            out = t.detach(*args, **kwargs)
            label = self.text(node)
            self._add(self._leaf(out, label or "detach", label), out)
            return out
        if name == "requires_grad_":
            return self._requires_grad_(t, args, kwargs, node)
        if name in ("zero_", "fill_", "copy_", "detach_"):
            self._estimate_broadcast(name, (t, *args))
            record = self._record_of(t)
            out = getattr(t, name)(*args, **kwargs)
            self._changed_in_place(t)
            if record is not None:
                self._replaced(t, record, node)
            return out
        if name == "contiguous":
            return self._run(REGISTRY["clone"], (t,), {}, node,
                             call=lambda: t.contiguous(*args, **kwargs))
        if name in _TENSOR_CONVERSIONS:
            dtype = getattr(core, _TENSOR_CONVERSIONS[name])
            return self._run(REGISTRY["to"], (t, dtype), {}, node,
                             call=lambda: getattr(t, name)(*args, **kwargs))
        if name == "type_as":
            other = args[0] if args else None
            dtype = other.dtype if isinstance(other, Tensor) else None
            return self._run(REGISTRY["to"], (t, dtype), {}, node,
                             call=lambda: t.type_as(*args, **kwargs))
        if name in _MATMUL_LIKE:
            return self._run(REGISTRY["matmul"], (t, *args), kwargs, node,
                             call=lambda: getattr(t, name)(*args, **kwargs))
        if name == "tolist":
            self.interp.grow(t.numel())
            return t.tolist(*args, **kwargs)
        tensors = [t, *(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))]
        return self._plain(lambda: getattr(t, name)(*args, **kwargs), tensors)

    def _backward(self, t: Tensor, args: list, kwargs: dict) -> None:
        try:
            bound = inspect.signature(Tensor.backward).bind(t, *args, **kwargs)
            gradient = bound.arguments.get("gradient")
        except TypeError:
            gradient = None
        index = self._node_for(t)
        t.backward(*args, **kwargs)
        self.records[index].used = True
        self.backward_calls.append((index, self._gradient_value(gradient)))

    def _autograd_backward(self, fn: Callable, args: list, kwargs: dict) -> None:
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError:
            bound = None
        tensors = bound.arguments.get("tensors") if bound else None
        gradients = bound.arguments.get("grad_tensors") if bound else None
        if isinstance(tensors, (list, tuple)) and len(tensors) == 1:
            tensors = tensors[0]
        if isinstance(gradients, (list, tuple)) and len(gradients) == 1:
            gradients = gradients[0]
        index = self._node_for(tensors) if isinstance(tensors, Tensor) else None
        fn(*args, **kwargs)
        if index is not None:
            self.records[index].used = True
            self.backward_calls.append((index, self._gradient_value(gradients)))

    def _gradient_value(self, gradient: Any) -> Any:
        if isinstance(gradient, Tensor):
            if gradient.numel() > self.interp.limits.max_items:
                self.warn("the backward gradient is too large to keep in the document")
                return None
            return _plain_numbers(_array(gradient))
        return gradient if _is_number(gradient) else None

    def _requires_grad_(self, t: Tensor, args: list, kwargs: dict, node: ast.AST) -> Tensor:
        before = t.requires_grad
        out = t.requires_grad_(*args, **kwargs)
        if id(t) in self.stale:
            self._node_for(t)
        index = self._record_of(t)
        if index is None or t.requires_grad == before:
            return out
        record = self.records[index]
        if record.kind == "tensor" and not record.used:
            record.requires_grad = t.requires_grad and t.grad_fn is None
            return out
        if record.kind == "tensor":
            copy = _Record("tensor", record.name, record.named, record.label, record.value,
                           record.dtype, t.requires_grad)
            self._add(copy, t)
        else:
            self._replaced(t, index, node)
        return out

    def _replaced(self, t: Tensor, index: int, node: ast.AST) -> None:
        """``t`` changed in a way the document has no operation for: a new constant node
        with its current values takes over its name."""
        old = self.records[index]
        if t.grad_fn is not None:
            self.warn(f"{self.text(node) or 'a tensor'} is recorded as a constant: the "
                      "document has no operation for this step")
        record = self._leaf(t, old.name, old.label)
        record.named = old.named
        self._add(record, t)

    # -- running registry ops --------------------------------------------------------------
    def _run(self, spec: OpSpec, args: tuple, kwargs: dict, node: ast.AST | None, *,
             call: Callable[[], Any] | None = None, inplace: Tensor | None = None) -> Any:
        """Run one registry op on script values and record it as one operation node."""
        call_info = self._describe(spec, args, kwargs)
        self._estimate(spec, args, call_info)
        tensors = call_info.tensors if call_info else [a for a in args if isinstance(a, Tensor)]
        wanted = spec.differentiable and any(t.requires_grad for t in tensors)
        for t in tensors:
            if id(t) in self.stale:  # record what the op reads before it runs
                self._node_for(t)
        before = self._record_of(inplace) if inplace is not None else None
        out = call() if call is not None else spec.fn(*args, **kwargs)
        self._check_result(out)
        if inplace is not None:
            if before is not None:
                if call_info is not None and any(t.dtype is not inplace.dtype for t in tensors):
                    # x += y.double() keeps x's dtype; the document's add would promote
                    call_info.problem = call_info.problem or "operands of another dtype"
                self._record_op(spec, call_info, inplace, wanted, node, keep=before)
            self._changed_in_place(inplace)
            return out
        main = out[0] if _is_pair(out) else out
        if not isinstance(main, Tensor) or any(main is t for t in tensors):
            return self.admit(out)
        index = self._record_op(spec, call_info, main, wanted, node)
        if _is_pair(out):
            self._record_indices(spec, call_info, out[1], index, node)
        return self.admit(out)

    def _record_op(self, spec: OpSpec, call_info: _Call | None, out: Tensor, wanted: bool,
                   node: ast.AST | None, keep: int | None = None) -> int:
        """An op node for ``out`` when the document reproduces it faithfully, else a
        constant; ``keep`` is the record of an in-place op's target (name carried over)."""
        faithful = (call_info is not None and call_info.problem is None
                    and out.requires_grad == wanted and (out.grad_fn is not None) == wanted)
        old = self.records[keep] if keep is not None else None
        if faithful:
            inputs = [None if t is None else self._node_for(t) for t in call_info.slots]
            if len(inputs) > _MAX_OP_INPUTS:
                raise ScriptError(f"{spec.name} has {len(inputs):,} inputs; the limit is "
                                  f"{_MAX_OP_INPUTS:,}", kind="LimitExceeded")
            for i in inputs:
                if i is not None:
                    self.records[i].used = True
            record = _Record("op", op=spec.name, inputs=inputs, attrs=call_info.attrs)
        else:
            text = self.text(node)
            if call_info is None or call_info.problem is not None:
                reason = "its arguments" if call_info is None else call_info.problem
                self.warn(f"{text or spec.name} is recorded as a constant ({reason} cannot be "
                          "shown in the document)")
            elif out.grad_fn is not None:
                self.warn(f"{text or spec.name} is recorded as a constant: the document has no "
                          "operation for this step")
            record = self._leaf(out, text or spec.name, text)
            record.base = spec.name
        if old is not None:
            record.name, record.named = old.name, old.named
        return self._add(record, out)

    def _record_indices(self, spec: OpSpec, call_info: _Call | None, indices: Tensor,
                        values_index: int, node: ast.AST | None) -> None:
        """``max(dim)``/``min(dim)`` also return indices: the matching argmax/argmin."""
        arg_spec = REGISTRY.get(f"arg{spec.name}")
        values = self.records[values_index]
        if arg_spec is None or values.kind != "op":
            self._add(self._leaf(indices, "indices", ""), indices)
            return
        names = {a.name for a in arg_spec.attrs}
        attrs = {k: v for k, v in values.attrs.items() if k in names}
        record = _Record("op", op=arg_spec.name, inputs=[values.inputs[0]], attrs=attrs)
        self._add(record, indices)

    def _describe(self, spec: OpSpec, args: tuple, kwargs: dict) -> _Call | None:
        """Sort a call's arguments into input slots and document attributes; ``problem``
        says what the document cannot express. None when the arguments do not bind."""
        signature = self._signature(spec)
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            return None
        params = list(signature.parameters.values())
        arguments = bound.arguments
        used: set[str] = set()
        slots: list[Any] = []
        attrs: dict[str, Any] = {}
        problem = None
        if spec.variadic:
            used.add(params[0].name)
            sequence = arguments.get(params[0].name)
            if isinstance(sequence, (list, tuple)) and all(isinstance(t, Tensor)
                                                           for t in sequence):
                slots = list(sequence)
            else:
                problem = f"{spec.name} of something other than a list of tensors"
        else:
            for i, slot in enumerate(spec.inputs):
                if i >= len(params) or params[i].kind not in _POSITIONAL:
                    return None
                used.add(params[i].name)
                value = arguments.get(params[i].name)
                if isinstance(value, Tensor):
                    slots.append(value)
                    continue
                slots.append(None)
                if slot in spec.scalar_inputs and _is_number(value):
                    attrs[slot] = value
                else:
                    problem = f"'{slot}' as a {self.type_name(value)}"
        by_name = signature.parameters
        star = next((p for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
        for attr in spec.attrs:
            param = by_name.get(attr.name)
            if param is None and attr.kind == "shape":
                param = star
            if param is None or param.name not in arguments:
                continue
            used.add(param.name)
            value = arguments[param.name]
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                value = value[0] if len(value) == 1 and isinstance(value[0], (list, tuple)) \
                    else value
            converted = _attr_value(attr, value)
            if converted is _INVALID:
                problem = problem or f"'{attr.name}' = {value!r}"[:80]
            elif converted is not None:
                attrs[attr.name] = converted
        for name, value in arguments.items():
            if name in used:
                continue
            param = by_name[name]
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                if value:
                    problem = problem or "extra arguments"
            elif value is not None and not (_is_number(value) and value == param.default):
                problem = problem or f"the argument '{name}'"
        if problem is None:
            try:
                attrs = check_attrs(spec, attrs)
            except AttrError as exc:
                problem = str(exc)
        return _Call(slots, attrs, problem)

    def _signature(self, spec: OpSpec) -> inspect.Signature:
        signature = self._signatures.get(spec.name)
        if signature is None:
            signature = self._signatures[spec.name] = inspect.signature(spec.fn)
        return signature

    # -- creation --------------------------------------------------------------------------
    def _create(self, func: CoreFunction, args: list, kwargs: dict, node: ast.AST) -> Any:
        name = func.name.rsplit(".", 1)[-1]
        try:
            bound = inspect.signature(func.fn).bind(*args, **kwargs)
        except TypeError:
            bound = None
        if bound is not None:
            count = self._creation_size(name, bound.arguments)
            if count is not None:
                self._check_elements(count, f"torch.{name}")
        out = func.fn(*args, **kwargs)
        self._check_result(out)
        if not isinstance(out, Tensor) or id(out) in self.by_tensor:
            return self.admit(out)
        dtype = out.dtype.name
        rule = self._rule(name, bound.arguments if bound else {}, out, dtype) \
            if dtype in DTYPES else None
        if rule is None:
            record = self._leaf(out, name, "")
        else:
            record = _Record("tensor", name, value=rule, dtype=dtype,
                             requires_grad=out.requires_grad)
        self._add(record, out)
        return out

    def _creation_size(self, name: str, arguments: dict) -> int | None:
        """The number of elements a creation call will allocate, computed beforehand."""
        try:
            if name in ("ones", "zeros", "empty", "rand", "randn"):
                return _numel(_sizes(arguments.get("size", ())))
            if name == "full":
                return _numel(_sizes((arguments.get("size"),)))
            if name.endswith("_like"):
                source = arguments.get("input")
                return source.numel() if isinstance(source, Tensor) else None
            if name == "eye":
                n = int(arguments["n"])
                m = arguments.get("m")
                return max(n, 0) * max(n if m is None else int(m), 0)
            if name == "linspace":
                return max(int(arguments["steps"]), 0)
            if name == "arange":
                start, end = arguments["start"], arguments.get("end")
                step = arguments.get("step", 1)
                if end is None:
                    start, end = 0, start
                count = (float(end) - float(start)) / float(step)
                return max(0, math.ceil(count)) if math.isfinite(count) else 10 ** 18
            if name in ("tensor", "as_tensor"):
                return self._data_size(arguments.get("data"))
        except (TypeError, ValueError, KeyError, ZeroDivisionError, OverflowError):
            return None
        return None

    def _data_size(self, data: Any) -> int:
        """Numbers in the nested lists given to torch.tensor, counted one level at a time
        (shared sublists such as ``[[0] * 1000] * 1000`` are counted as often as they occur)."""
        if isinstance(data, Tensor):
            return data.numel()
        limit = min(self.interp.limits.max_items, self.interp.limits.max_elements)
        level, numbers, visited = [data], 0, 0
        while level:
            deeper: list[Any] = []
            for item in level:
                if isinstance(item, (list, tuple, range)):
                    if len(deeper) + len(item) > limit:
                        numbers = len(deeper) + len(item)
                        break
                    deeper.extend(item)
                else:
                    numbers += item.numel() if isinstance(item, Tensor) else 1
            visited += len(level)
            if numbers > limit or visited > 4 * limit:
                raise ScriptError(f"torch.tensor of Python lists is limited to {limit:,} "
                                  f"numbers; this one has more", kind="LimitExceeded")
            self.interp.tick()
            level = deeper
        return numbers

    def _rule(self, name: str, arguments: dict, out: Tensor, dtype: str) -> ValueSpec | None:
        """A creation rule that reproduces ``out`` exactly (ones(2, 2) rather than values)."""
        shape = tuple(out.shape)
        spec = None
        if name in ("ones", "zeros", "ones_like", "zeros_like", "empty"):
            spec = ValueSpec("zeros" if name in ("zeros", "zeros_like", "empty") else "ones",
                             shape)
        elif name in ("full", "full_like") and _is_number(arguments.get("fill_value")):
            spec = ValueSpec("full", shape, fill=float(arguments["fill_value"]))
        elif name == "eye":
            spec = ValueSpec("eye", shape)
        elif name == "linspace" and len(shape) == 1:
            spec = ValueSpec("linspace", shape, start=float(arguments["start"]),
                             end=float(arguments["end"]))
        elif name == "arange":
            start, end = arguments["start"], arguments.get("end")
            if end is None:
                start, end = 0, start
            if all(_is_number(v) for v in (start, end, arguments.get("step", 1))):
                spec = ValueSpec("arange", shape, start=float(start), end=float(end),
                                 step=float(arguments.get("step", 1)))
        if spec is None:
            return None
        if spec.rule in ("zeros", "ones", "full", "eye"):
            return spec  # numpy fills these exactly as the core does
        try:
            same = np.array_equal(materialize(spec, dtype), _array(out), equal_nan=True)
        except (ValueSpecError, ValueError, TypeError):
            same = False
        return spec if same else None

    # -- records ---------------------------------------------------------------------------
    def _record_of(self, t: Tensor) -> int | None:
        entry = self.by_tensor.get(id(t))
        return None if entry is None else entry[1]

    def _node_for(self, t: Tensor) -> int:
        """The record of ``t``; a tensor the script got from outside the recorded graph
        (``x.grad``, a core call that records nothing) becomes a constant now."""
        entry = self.by_tensor.get(id(t))
        if entry is not None:
            return entry[1] if id(t) not in self.stale else self._refresh(t, entry[1])
        pending = self.pending_labels.pop(id(t), None)
        label = pending[1] if pending else ""
        return self._add(self._leaf(t, label or "tensor", label), t)

    def _refresh(self, t: Tensor, index: int) -> int:
        """``t`` shares memory with a tensor changed in place after ``t`` was recorded: its
        current values become a constant that takes over its name."""
        old = self.records[index]
        self.stale.discard(id(t))
        if t.grad_fn is not None:
            self.warn(f"{old.name or 'a tensor'} changed through memory it shares with a tensor "
                      "modified in place; it is recorded as a constant")
        record = self._leaf(t, old.name or "tensor", old.label)
        record.named = old.named
        return self._add(record, t)

    def _changed_in_place(self, t: Tensor) -> None:
        """Tensors recorded over the same memory as ``t`` (views of it, views it is one of)
        no longer hold what their nodes say; they are refreshed when next used."""
        key = id(t)
        for other in self.groups.get(_storage(t), ()):
            if other != key:
                self.stale.add(other)

    def refresh_variables(self, namespace: dict[str, Any]) -> None:
        """Give variables whose memory changed behind their node a node with their values."""
        for value in namespace.values():
            if isinstance(value, Tensor) and id(value) in self.stale:
                self._node_for(value)

    def _leaf(self, t: Tensor, name: str, label: str) -> _Record:
        array = _array(t)
        self._charge(array.size)
        dtype = t.dtype.name
        if dtype not in DTYPES:
            fallback = _DTYPE_FALLBACK.get(dtype, "float32")
            self.warn(f"{label or name}: dtype {dtype} is stored as {fallback} in the document")
            dtype, array = fallback, array.astype(fallback)
        # A tensor whose history the document cannot show still requires grad downstream:
        # its constant stands in as a leaf, so what depends on it behaves as in the script.
        requires_grad = t.requires_grad and dtype in ("float32", "float64")
        return _Record("tensor", name, False, label,
                       ValueSpec("values", tuple(array.shape), array), dtype, requires_grad)

    def _add(self, record: _Record, t: Tensor) -> int:
        if len(self.records) >= self.interp.limits.max_nodes:
            raise ScriptError(f"the script records more than {self.interp.limits.max_nodes:,} "
                              "graph nodes", kind="LimitExceeded")
        self.records.append(record)
        index = len(self.records) - 1
        key = id(t)
        self.by_tensor[key] = (t, index)
        self.pending_labels.pop(key, None)
        self.stale.discard(key)
        self.groups.setdefault(_storage(t), set()).add(key)
        return index

    def build_document(self, source: str) -> tuple[Document, list[str]]:
        """The recorded graph as a Document (ids from variable names), and each record's id."""
        document = Document(title="Script")
        document.script = source
        ids: list[str] = []
        counters: dict[str, int] = {}
        for record in self.records:
            base = record.name if record.named else record.base or record.name or record.op
            node_id = _unique_id(base, counters, document)
            if record.kind == "tensor":
                document.add_tensor(record.name, record.value, dtype=record.dtype,
                                    requires_grad=record.requires_grad, node_id=node_id,
                                    label=record.label)
            else:
                inputs = [None if i is None else ids[i] for i in record.inputs]
                document.add_op(record.op, inputs=inputs, attrs=record.attrs,
                                name=record.name if record.named else "", node_id=node_id,
                                label=record.label)
            ids.append(node_id)
        if self.backward_calls:
            index, gradient = self.backward_calls[-1]
            document.backward = {"start": ids[index], "gradient": gradient}
        return document, ids

    # -- limits ----------------------------------------------------------------------------
    def _charge(self, count: int) -> None:
        self.total_elements += count
        limit = self.interp.limits.max_total_elements
        if self.total_elements > limit:
            raise ScriptError(f"the script's tensors add up to more than {limit:,} elements",
                              kind="LimitExceeded")

    def _check_elements(self, count: int, what: str) -> None:
        limit = self.interp.limits.max_elements
        if count > limit:
            raise ScriptError(f"{what} would have {count:,} elements; the limit is {limit:,}",
                              kind="LimitExceeded")

    def _check_result(self, out: Any) -> None:
        for t in (out if isinstance(out, tuple) else (out,)):
            if isinstance(t, Tensor):
                count = t.numel()
                self._check_elements(count, "the result")
                self._charge(count)

    def _estimate(self, spec: OpSpec, args: tuple, call_info: _Call | None) -> None:
        """Refuse results too large to compute before computing them."""
        if call_info is None:
            return
        name, slots = spec.name, call_info.slots
        if name == "expand" and slots and isinstance(slots[0], Tensor):
            sizes = call_info.attrs.get("size")
            if isinstance(sizes, list):
                shape = tuple(slots[0].shape)
                lead = len(sizes) - len(shape)
                target = [shape[i - lead] if s == -1 and i >= lead else s
                          for i, s in enumerate(sizes)]
                self._check_elements(_numel(max(s, 0) for s in target), "expand")
        elif name in ("matmul", "mm"):
            self._estimate_matmul(args)
        elif spec.variadic:
            self._check_elements(sum(t.numel() for t in call_info.tensors), name)
        else:
            self._estimate_broadcast(name, slots)

    def _estimate_broadcast(self, name: str, values: tuple | list) -> None:
        shapes = [tuple(v.shape) for v in values if isinstance(v, Tensor)]
        if len(shapes) < 2:
            return
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            return  # the op raises PyTorch's broadcasting error itself
        self._check_elements(_numel(shape), name or "the result")

    def _estimate_matmul(self, args: tuple) -> None:
        if len(args) < 2 or not all(isinstance(a, Tensor) for a in args[:2]):
            return
        a, b = (tuple(t.shape) for t in args[:2])
        if not a or not b:
            return
        a2 = a if len(a) > 1 else (1, *a)
        b2 = b if len(b) > 1 else (*b, 1)
        try:
            batch = np.broadcast_shapes(a2[:-2], b2[:-2])
        except ValueError:
            return
        count = _numel(batch) * a2[-2] * b2[-1]
        self._check_elements(count, "the matrix product")
        work = count * a2[-1]
        if work > self.interp.limits.max_matmul_work:
            raise ScriptError(f"the matrix product needs {work:,} multiply-adds; the limit is "
                              f"{self.interp.limits.max_matmul_work:,}", kind="LimitExceeded")

    # -- values leaving the core -----------------------------------------------------------
    def admit(self, value: Any, depth: int = 0) -> Any:
        """``value`` if a script may hold it (numpy scalars become Python numbers, arrays
        tensors); anything else is refused so that no unvetted object reaches the script."""
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return core.from_numpy(np.array(value, copy=True))
        if isinstance(value, (Tensor, Node, DType, Size, *_GRAD_MODES, Module, CoreFunction,
                              TensorMethod, NativeMethod, TypeRef)):
            return value
        if depth > 10:
            raise TypeError("the value is nested too deeply for a gradviz script")
        if isinstance(value, tuple):
            items = tuple(self.admit(v, depth + 1) for v in value)
            if kind is not tuple and type(value).__module__.startswith("gradviz."):
                return value
            return items
        if kind is list:
            return [self.admit(v, depth + 1) for v in value]
        if kind is dict:
            return {self.admit(k, depth + 1): self.admit(v, depth + 1) for k, v in value.items()}
        raise TypeError(f"gradviz scripts cannot use a value of type {kind.__name__}")


# -- helpers -----------------------------------------------------------------------------------
class _Invalid:
    pass


_INVALID = _Invalid()


def _attr_value(attr: AttrSpec, value: Any) -> Any:
    """A script value in the document's attribute form, None to omit, or _INVALID."""
    if value is None:
        return None
    kind = attr.kind
    try:
        if kind == "int":
            return _int(value)
        if kind in ("number", "float"):
            return value if type(value) in (int, float) else _INVALID
        if kind == "bool":
            return value if isinstance(value, bool) else _INVALID
        if kind == "dims":
            if isinstance(value, (list, tuple)):
                return [_int(v) for v in value]
            return _int(value)
        if kind == "shape":
            if not isinstance(value, (list, tuple)):
                value = (value,)
            return [_int(v) for v in value]
        if kind == "index":
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, slice):
                    for part in (item.start, item.stop, item.step):
                        if part is not None:
                            _int(part)
                elif item is not None and item is not Ellipsis:
                    _int(item)
            return index_from_python(tuple(_index_item(i) for i in items))
        if kind == "dtype":
            name = value.name if isinstance(value, DType) else None
            return name if name in DTYPES else _INVALID
        if kind.startswith("choice:"):
            return value if isinstance(value, str) else _INVALID
    except (TypeError, ValueError):
        return _INVALID
    return _INVALID


def _int(value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (
            isinstance(value, Tensor) and value.dim() == 0 and not value.dtype.is_floating_point
            and value.dtype.name != "bool")):
        raise TypeError("not an integer")
    return int(value)


def _index_item(item: Any) -> Any:
    if isinstance(item, slice):
        parts = [None if p is None else int(p) for p in (item.start, item.stop, item.step)]
        return slice(*parts)
    if item is None or item is Ellipsis:
        return item
    return int(item)


def _sizes(size: Any) -> tuple[int, ...]:
    """Sizes as the creation functions read them: ``ones(2, 3)`` or ``ones((2, 3))``."""
    size = tuple(size)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(max(int(s), 0) for s in size)


def _plain_numbers(array: np.ndarray) -> Any:
    """Nested lists of Python numbers; float32 values by their shortest float32 repr (0.1,
    not 0.10000000149011612), which reads well and converts back to the same float32."""
    if array.dtype != np.float32:
        return array.tolist()
    flat = [float(str(v)) for v in array.ravel()]
    return np.array(flat, dtype=object).reshape(array.shape).tolist() if array.ndim else flat[0]


def _storage(t: Tensor) -> int:
    """An identifier of the memory block a tensor's values live in (shared by its views)."""
    array = t.detach().numpy()
    while isinstance(array.base, np.ndarray):
        array = array.base
    return id(array)


def _array(t: Tensor) -> np.ndarray:
    return np.array(t.detach().numpy(), copy=True)


def _unique_id(base: str, counters: dict[str, int], document: Document) -> str:
    """``base``, ``base_2``, ... as ``Document.new_id`` makes them, in O(1) per call."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", base).strip("_")[:56] or "n"
    if not base or not (base[0].isalpha() or base[0] == "_"):
        base = f"n_{base}"
    n = counters.get(base, 1)
    candidate = base if n == 1 else f"{base}_{n}"
    while candidate in document.nodes:
        n += 1
        candidate = f"{base}_{n}"
    counters[base] = n + 1
    return candidate


def _method_tables() -> tuple[dict[str, OpSpec], dict[str, OpSpec]]:
    """Tensor method name -> registry op, and in-place form (``add_``) -> its op."""
    methods: dict[str, OpSpec] = {}
    for spec in REGISTRY.values():
        for name in (spec.method, *spec.aliases):
            if name and not name.startswith("_"):
                methods[name] = spec
    inplace: dict[str, OpSpec] = {}
    for name in dir(Tensor):
        if name.endswith("_") and not name.startswith("_") and name[:-1] in methods \
                and name not in _TENSOR_SPECIAL:
            inplace[name] = methods[name[:-1]]
    return methods, inplace


def _modules() -> dict[str, Module]:
    """The namespaces a script can import, built from the core's public names."""
    by_fn = {id(spec.fn): spec for spec in REGISTRY.values()}

    def entry(qualified: str, value: Any) -> Any:
        short = qualified.rsplit(".", 1)[-1]
        if isinstance(value, DType):
            return value
        if value is Tensor:
            return TypeRef("torch.Tensor", Tensor)
        if value is DType:
            return TypeRef("torch.dtype", DType)
        if value is Size:
            return CoreFunction("torch.Size", Size, "size", cls=Size)
        if value in _GRAD_MODES:
            return CoreFunction(qualified, value, "grad_mode")
        if id(value) in by_fn:
            return CoreFunction(qualified, value, "op", by_fn[id(value)])
        if short in _CREATION:
            return CoreFunction(qualified, value, "create")
        if short in _MATMUL_LIKE:
            return CoreFunction(qualified, value, "matmul")
        if short in _PLAIN_FUNCTIONS:
            return CoreFunction(qualified, value, "plain")
        return None

    def namespace(name: str, real: Any, names: list[str]) -> Module:
        members = {}
        for member in names:
            value = entry(f"{name}.{member}", getattr(real, member, None))
            if value is not None:
                members[member] = value
        return Module(name, members, real)

    modules: dict[str, Module] = {}
    for root in ("torch", "gradviz"):
        functional = namespace(f"{root}.nn.functional", core.nn.functional,
                               list(core.nn.functional.__all__))
        nn = Module(f"{root}.nn", {"functional": functional}, core.nn)
        autograd = Module(f"{root}.autograd", {
            "grad": CoreFunction(f"{root}.autograd.grad", core.autograd.grad, "plain"),
            "backward": CoreFunction(f"{root}.autograd.backward", core.autograd.backward,
                                     "backward"),
        }, core.autograd)
        top = namespace(root, core, [n for n in core.__all__ if n not in ("nn", "autograd")])
        top.members.update(nn=nn, autograd=autograd)
        modules.update({root: top, f"{root}.nn": nn, f"{root}.nn.functional": functional,
                        f"{root}.autograd": autograd})
    return modules
