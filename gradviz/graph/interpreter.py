"""A sandboxed interpreter for the small, PyTorch-flavoured subset of Python that scripts use.

The source is parsed with ``ast`` and evaluated node by node: nothing is compiled to code or
handed to ``exec``/``eval``. Only whitelisted names, attributes and calls are reachable,
every step is counted against ``Limits``, and everything about tensors and the ``torch``
namespace is delegated to a ``Host`` (``script.py`` provides the one that records the
document). Every failure becomes a ``ScriptError`` that names the line.
"""

from __future__ import annotations

import ast
import operator
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Bounds on what one script may do; exceeding one ends the script with a ScriptError."""

    max_steps: int = 1_000_000             # evaluated AST nodes
    max_loop_iterations: int = 100_000     # per execution of one loop
    max_seconds: float = 5.0               # wall time, checked at every step
    max_depth: int = 100                   # nesting of expressions and blocks
    max_elements: int = 10_000_000         # elements of one tensor (checked before allocating)
    max_total_elements: int = 200_000_000  # elements of all tensors the script creates
    max_matmul_work: int = 1_000_000_000   # multiply-adds of one matrix product
    max_items: int = 1_000_000             # length of one list, tuple, dict or string
    max_total_items: int = 20_000_000      # list items and characters created in bulk
    max_int_bits: int = 10_000             # size of one Python integer
    max_output_chars: int = 1_000_000      # everything print writes
    max_source_chars: int = 1_000_000      # length of the script itself
    max_nodes: int = 100_000               # nodes of the recorded document


class ScriptError(Exception):
    """A script that cannot run: ``lineno``/``col`` say where, ``detail`` says what.

    ``str(error)`` reads ``line 3: name 'y' is not defined``; ``output`` holds what the
    script printed before it stopped and ``document`` the graph recorded until then.
    """

    def __init__(self, detail: str, lineno: int | None = None, col: int | None = None, *,
                 kind: str = "ScriptError") -> None:
        super().__init__(detail)
        self.detail = detail
        self.lineno = lineno
        self.col = col
        self.kind = kind
        self.output = ""
        self.document: Any = None
        self.warnings: list[str] = []

    def __str__(self) -> str:
        return f"line {self.lineno}: {self.detail}" if self.lineno else self.detail

    def locate(self, node: ast.AST) -> ScriptError:
        if self.lineno is None:
            self.lineno = getattr(node, "lineno", None)
            col = getattr(node, "col_offset", None)
            self.col = None if col is None else col + 1
        return self


def refuse(message: str) -> ScriptError:
    return ScriptError(message, kind="NotSupported")


# Python names a learner may try that the sandbox does not offer, with a clear reason.
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "getattr", "setattr", "delattr", "hasattr", "type",
    "vars", "globals", "locals", "dir", "input", "breakpoint", "help", "id", "object", "super",
    "memoryview", "classmethod", "staticmethod", "property", "iter", "next", "map", "filter",
    "callable", "exit", "quit", "format", "hash", "bytes", "bytearray", "set", "frozenset",
    "issubclass", "ascii", "chr", "ord", "bin", "hex", "oct", "complex", "divmod", "pow",
    "slice", "license", "copyright", "credits",
})

_REFUSED_NODES: dict[type, str] = {
    ast.FunctionDef: "defining functions (def) is not supported in gradviz scripts",
    ast.AsyncFunctionDef: "defining functions (def) is not supported in gradviz scripts",
    ast.Lambda: "lambda is not supported in gradviz scripts",
    ast.ClassDef: "classes are not supported in gradviz scripts",
    ast.Try: "try/except is not supported in gradviz scripts",
    ast.Raise: "raise is not supported in gradviz scripts",
    ast.Global: "global is not supported in gradviz scripts",
    ast.Nonlocal: "nonlocal is not supported in gradviz scripts",
    ast.Return: "return is not supported in gradviz scripts (there are no functions)",
    ast.Yield: "yield is not supported in gradviz scripts",
    ast.YieldFrom: "yield is not supported in gradviz scripts",
    ast.Await: "await is not supported in gradviz scripts",
    ast.AsyncFor: "async is not supported in gradviz scripts",
    ast.AsyncWith: "async is not supported in gradviz scripts",
    ast.Match: "match is not supported in gradviz scripts",
    ast.Set: "sets are not supported in gradviz scripts; use a list",
    ast.SetComp: "sets are not supported in gradviz scripts; use a list",
}
if hasattr(ast, "TryStar"):
    _REFUSED_NODES[ast.TryStar] = "try/except is not supported in gradviz scripts"

ALLOWED_MODULE_ROOTS = ("torch", "gradviz")

_BIN_SYMBOLS = {
    ast.Add: ("add", "+"), ast.Sub: ("sub", "-"), ast.Mult: ("mul", "*"),
    ast.Div: ("truediv", "/"), ast.FloorDiv: ("floordiv", "//"), ast.Mod: ("mod", "%"),
    ast.Pow: ("pow", "**"), ast.MatMult: ("matmul", "@"), ast.LShift: ("lshift", "<<"),
    ast.RShift: ("rshift", ">>"), ast.BitOr: ("or", "|"), ast.BitXor: ("xor", "^"),
    ast.BitAnd: ("and", "&"),
}
_PY_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "matmul": operator.matmul, "lshift": operator.lshift, "rshift": operator.rshift,
    "or": operator.or_, "xor": operator.xor, "and": operator.and_,
}
_PY_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.iadd, "mul": operator.imul,
}
_COMPARE_NAMES = {
    ast.Eq: ("eq", "=="), ast.NotEq: ("ne", "!="), ast.Lt: ("lt", "<"), ast.LtE: ("le", "<="),
    ast.Gt: ("gt", ">"), ast.GtE: ("ge", ">="), ast.Is: ("is", "is"),
    ast.IsNot: ("is not", "is not"), ast.In: ("in", "in"), ast.NotIn: ("not in", "not in"),
}
_PY_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge,
}

_NUMBERS = (bool, int, float)
_SCALARS = (type(None), bool, int, float, str)
_DICT_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
_SEQUENCES = (list, tuple, str, range, dict, *_DICT_VIEWS)
_FORMAT_NUMBER = re.compile(r"\d+")

_BREAK, _CONTINUE = object(), object()


class Builtin:
    """A safe builtin function; ``type`` makes it usable with ``isinstance``."""

    __slots__ = ("name", "fn", "type")

    def __init__(self, name: str, fn: Callable, type_: type | None = None) -> None:
        self.name, self.fn, self.type = name, fn, type_

    def __repr__(self) -> str:
        if self.type is not None:
            return f"<class '{self.type.__name__}'>"
        return f"<built-in function {self.name}>"


class PyMethod:
    """A whitelisted method of a list, str, dict, tuple or number, bound to its object."""

    __slots__ = ("owner", "name", "fn")

    def __init__(self, owner: Any, name: str, fn: Callable) -> None:
        self.owner, self.name, self.fn = owner, name, fn

    def __repr__(self) -> str:
        return f"<built-in method {self.name} of {type(self.owner).__name__} object>"


class Host:
    """What the interpreter delegates: tensors, the torch namespace, imports, ``with``.

    The default refuses everything, so a bare interpreter runs plain Python arithmetic only.
    """

    interp: Interpreter

    def bind(self, interp: Interpreter) -> None:
        self.interp = interp

    def initial_names(self) -> dict[str, Any]:
        return {}

    def import_module(self, dotted: str) -> Any:
        raise refuse(f"import {dotted} is not available in gradviz scripts")

    def owns(self, value: Any) -> bool:
        """Whether operators on ``value`` are the host's business (tensors)."""
        return False

    def binop(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        raise TypeError(f"unsupported operand type(s) for {symbol}: "
                        f"'{self.type_name(left)}' and '{self.type_name(right)}'")

    def inplace(self, op: str, symbol: str, target: Any, value: Any, node: ast.AST) -> Any:
        return self.binop(op, symbol, target, value, node)

    def unaryop(self, op: str, operand: Any, node: ast.AST) -> Any:
        raise TypeError(f"bad operand type for unary {op}: '{self.type_name(operand)}'")

    def compare(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        raise TypeError(f"'{symbol}' not supported between instances of "
                        f"'{self.type_name(left)}' and '{self.type_name(right)}'")

    def getattr(self, obj: Any, name: str, node: ast.AST) -> Any:
        raise AttributeError(f"'{self.type_name(obj)}' object has no attribute '{name}'")

    def setattr(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        raise refuse(f"cannot set attribute '{name}' of a {self.type_name(obj)} in gradviz "
                     "scripts")

    def getitem(self, obj: Any, key: Any, node: ast.AST) -> Any:
        raise TypeError(f"'{self.type_name(obj)}' object is not subscriptable")

    def setitem(self, obj: Any, key: Any, value: Any, node: ast.AST) -> None:
        raise TypeError(f"'{self.type_name(obj)}' object does not support item assignment")

    def call(self, func: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        raise TypeError(f"'{self.type_name(func)}' object is not callable")

    def iterate(self, value: Any, node: ast.AST) -> Iterator | None:
        return None

    def contains(self, container: Any, item: Any, node: ast.AST) -> Any:
        return NotImplemented

    def enter(self, context: Any, node: ast.AST) -> Any:
        raise refuse("'with' works only with torch.no_grad(), torch.enable_grad() and "
                     "torch.set_grad_enabled(...) in gradviz scripts")

    def exit(self, context: Any) -> None:
        pass

    def isinstance_of(self, value: Any, kind: Any) -> bool | None:
        return None

    def assigned(self, name: str, value: Any) -> None:
        """``name`` now holds ``value`` (a top-level variable)."""

    def type_name(self, value: Any) -> str:
        return type(value).__name__


def parse(source: str, limits: Limits) -> ast.Module:
    """The script's AST, or a ScriptError naming the line of the syntax error."""
    if not isinstance(source, str):
        raise ScriptError(f"a script must be text, not {type(source).__name__}")
    if len(source) > limits.max_source_chars:
        raise ScriptError(f"the script has {len(source):,} characters; the limit is "
                          f"{limits.max_source_chars:,}", kind="LimitExceeded")
    try:
        tree = ast.parse(source, filename="<script>", mode="exec")
    except SyntaxError as exc:
        col = exc.offset if exc.offset and exc.offset > 0 else None
        raise ScriptError(f"SyntaxError: {exc.msg}", exc.lineno, col,
                          kind="SyntaxError") from None
    except (RecursionError, MemoryError):
        raise ScriptError("the script is nested too deeply to be read", 1,
                          kind="SyntaxError") from None
    except ValueError as exc:  # e.g. null bytes, or an integer literal with 5,000 digits
        raise ScriptError(f"SyntaxError: {exc}", 1, kind="SyntaxError") from None
    check_tree(tree)
    return tree


def check_tree(tree: ast.AST) -> None:
    """Refuse what the sandbox never runs before anything runs (iteratively: no recursion)."""
    for node in ast.walk(tree):
        message = _refusal(node)
        if message:
            raise refuse(message).locate(node)


def _refusal(node: ast.AST) -> str | None:
    kind = type(node)
    if kind in _REFUSED_NODES:
        return _REFUSED_NODES[kind]
    if kind is ast.Name:
        return _private_name(node.id)
    if kind is ast.Attribute:
        attr = node.attr
        if attr.startswith("_") and not (attr.startswith("_saved_") and len(attr) > 7):
            return (f"attribute '{attr}' is not available in gradviz scripts (names starting "
                    "with '_' are private)")
        return None
    if kind is ast.Import:
        for alias in node.names:
            root = alias.name.split(".")[0]
            if root not in ALLOWED_MODULE_ROOTS:
                return (f"import {alias.name} is not allowed: gradviz scripts can import torch "
                        "(or gradviz) only")
        return None
    if kind is ast.ImportFrom:
        module = node.module or ""
        if node.level or module.split(".")[0] not in ALLOWED_MODULE_ROOTS:
            return (f"from {'.' * node.level}{module} import ... is not allowed: gradviz "
                    "scripts can import torch (or gradviz) only")
        for alias in node.names:
            if alias.name == "*":
                return "from ... import * is not supported in gradviz scripts"
            if alias.name.startswith("_"):
                return _private_name(alias.name)
        return None
    if kind is ast.Constant:
        if isinstance(node.value, complex):
            return "complex numbers are not supported in gradviz scripts"
        if isinstance(node.value, bytes):
            return "bytes literals are not supported in gradviz scripts"
        return None
    if kind is ast.keyword and node.arg is not None and node.arg.startswith("__"):
        return _private_name(node.arg)
    if kind in (ast.Assign, ast.For, ast.comprehension, ast.AugAssign, ast.AnnAssign):
        targets = node.targets if kind is ast.Assign else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Starred):
                    return "starred assignment (a, *b = ...) is not supported in gradviz scripts"
    if kind is ast.Delete:
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                return "del of an attribute is not supported in gradviz scripts"
    return None


def _private_name(name: str) -> str | None:
    if name.startswith("_") and name != "_":
        return (f"'{name}' is not available in gradviz scripts (names starting with '_' are "
                "private)")
    return None


class Interpreter:
    """Evaluates a checked module AST; ``output`` collects what ``print`` wrote."""

    def __init__(self, source: str, host: Host | None = None,
                 limits: Limits | None = None) -> None:
        self.source = source
        self.limits = limits or Limits()
        self.host = host or Host()
        self.host.bind(self)
        self.output: list[str] = []
        self.output_chars = 0
        self.steps = 0
        self.items_created = 0
        self.depth = 0
        self.line = 0
        self.deadline = 0.0
        self.globals: dict[str, Any] = dict(self.host.initial_names())
        self.scopes: list[dict[str, Any]] = [self.globals]
        self.builtins = self._make_builtins()
        self._lines: list[bytes] | None = None
        self._expr = {
            ast.Constant: self._constant, ast.Name: self._name, ast.BinOp: self._binop_node,
            ast.UnaryOp: self._unaryop_node, ast.BoolOp: self._boolop,
            ast.Compare: self._compare_node,
            ast.IfExp: self._ifexp, ast.Call: self._call_node, ast.Attribute: self._attribute,
            ast.Subscript: self._subscript, ast.Slice: self._slice, ast.List: self._list,
            ast.Tuple: self._tuple, ast.Dict: self._dict, ast.JoinedStr: self._joinedstr,
            ast.FormattedValue: self._formatted, ast.ListComp: self._listcomp,
            ast.GeneratorExp: self._listcomp, ast.DictComp: self._dictcomp,
            ast.NamedExpr: self._namedexpr,
        }
        self._stmt = {
            ast.Expr: self._expr_stmt, ast.Assign: self._assign, ast.AugAssign: self._augassign,
            ast.AnnAssign: self._annassign, ast.If: self._if, ast.While: self._while,
            ast.For: self._for, ast.Break: lambda n: _BREAK, ast.Continue: lambda n: _CONTINUE,
            ast.Pass: lambda n: None, ast.With: self._with, ast.Import: self._import,
            ast.ImportFrom: self._importfrom, ast.Delete: self._delete, ast.Assert: self._assert,
        }

    # -- running ---------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self.deadline = time.monotonic() + self.limits.max_seconds
        signal = self.exec_block(tree.body)
        if signal is not None:
            word = "break" if signal is _BREAK else "continue"
            raise ScriptError(f"SyntaxError: '{word}' outside loop", self.line,
                              kind="SyntaxError")

    def tick(self) -> None:
        """One step: counted against the step limit and the wall-time limit."""
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise ScriptError(f"the script ran more than {self.limits.max_steps:,} steps "
                              "(an endless loop?)", kind="LimitExceeded")
        if time.monotonic() > self.deadline:
            raise ScriptError(f"the script ran longer than {self.limits.max_seconds:g} seconds "
                              "(an endless loop?)", kind="LimitExceeded")

    def grow(self, count: int, what: str = "items") -> None:
        """Account for ``count`` list items or characters about to be created in bulk."""
        if count > self.limits.max_items:
            raise ScriptError(f"that would make {count:,} {what}; the limit is "
                              f"{self.limits.max_items:,}", kind="LimitExceeded")
        self.items_created += max(count, 0)
        if self.items_created > self.limits.max_total_items:
            raise ScriptError(f"the script created more than {self.limits.max_total_items:,} "
                              "list items and characters", kind="LimitExceeded")

    def exec_block(self, body: list[ast.stmt]) -> Any:
        for stmt in body:
            signal = self.exec_stmt(stmt)
            if signal is not None:
                return signal
        return None

    def exec_stmt(self, node: ast.stmt) -> Any:
        self.line = node.lineno
        return self._dispatch(node, self._stmt)

    def eval(self, node: ast.expr) -> Any:
        return self._dispatch(node, self._expr)

    def _dispatch(self, node: ast.AST, handlers: dict) -> Any:
        """Run the handler for ``node``, counting the step and the nesting depth, and
        turn any failure into a ScriptError that names the node's line."""
        self.depth += 1
        try:
            self.tick()
            if self.depth > self.limits.max_depth:
                raise self._too_deep()
            handler = handlers.get(type(node))
            if handler is None:
                raise refuse(f"{_describe(node)} is not supported in gradviz scripts")
            return handler(node)
        except ScriptError as exc:
            raise exc.locate(node) from None
        except Exception as exc:
            raise self.error(exc, node) from None
        finally:
            self.depth -= 1

    def _too_deep(self) -> ScriptError:
        return ScriptError(f"the script nests expressions or blocks more than "
                           f"{self.limits.max_depth} levels deep", kind="LimitExceeded")

    def error(self, exc: BaseException, node: ast.AST) -> ScriptError:
        """A Python or core exception as a ScriptError a learner can read."""
        kind = type(exc).__name__
        if isinstance(exc, RecursionError):
            message = "the script's expressions or data are nested too deeply"
        elif isinstance(exc, MemoryError):
            message = "out of memory"
        elif isinstance(exc, (NameError, RuntimeError)):
            message = str(exc)
        else:
            text = str(exc)
            message = f"{kind}: {text}" if text else kind
        return ScriptError(message, kind=kind).locate(node)

    # -- source text -----------------------------------------------------------------------
    def source_text(self, node: ast.AST, limit: int = 40) -> str:
        """The script's text of ``node`` on one line, shortened to ``limit`` characters."""
        lineno, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if lineno is None or end is None:
            return ""
        if self._lines is None:
            self._lines = [line.encode() for line in re.split(r"\r\n|\r|\n", self.source)]
        lines = self._lines
        if lineno - 1 >= len(lines) or end - 1 >= len(lines):
            return ""
        if lineno == end:
            raw = lines[lineno - 1][node.col_offset:node.end_col_offset]
        else:
            parts = [lines[lineno - 1][node.col_offset:], *lines[lineno:end - 1],
                     lines[end - 1][:node.end_col_offset]]
            raw = b"\n".join(parts)
        text = " ".join(raw.decode(errors="replace").split())
        return text if len(text) <= limit else text[:limit - 3] + "..."

    # -- names -----------------------------------------------------------------------------
    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.builtins:
            return self.builtins[name]
        if name in FORBIDDEN_NAMES:
            raise refuse(f"'{name}' is not available in gradviz scripts")
        raise NameError(f"name '{name}' is not defined")

    def bind_name(self, name: str, value: Any) -> None:
        scope = self.scopes[-1]
        scope[name] = value
        if scope is self.globals:
            self.host.assigned(name, value)

    def assign(self, target: ast.expr, value: Any) -> None:
        kind = type(target)
        if kind is ast.Name:
            self.bind_name(target.id, value)
        elif kind in (ast.Tuple, ast.List):
            items = self.collect(value)
            want = len(target.elts)
            if len(items) > want:
                raise ValueError(f"too many values to unpack (expected {want})")
            if len(items) < want:
                raise ValueError(f"not enough values to unpack (expected {want}, got "
                                 f"{len(items)})")
            for sub, item in zip(target.elts, items, strict=True):
                self.assign(sub, item)
        elif kind is ast.Subscript:
            obj = self.eval(target.value)
            key = self.eval(target.slice)
            self.setitem(obj, key, value, target)
        elif kind is ast.Attribute:
            obj = self.eval(target.value)
            self.host.setattr(obj, target.attr, value, target)
        else:
            raise refuse(f"cannot assign to {_describe(target)} in gradviz scripts")

    # -- statements ------------------------------------------------------------------------
    def _expr_stmt(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def _assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.assign(target, value)

    def _annassign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value))

    def _augassign(self, node: ast.AugAssign) -> None:
        op, symbol = _BIN_SYMBOLS[type(node.op)]
        target = node.target
        if isinstance(target, ast.Name):
            current = self.lookup(target.id)
            self.bind_name(target.id, self.inplace(op, symbol, current, self.eval(node.value),
                                                   node))
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value)
            key = self.eval(target.slice)
            current = self.getitem(obj, key, target)
            result = self.inplace(op, symbol, current, self.eval(node.value), node)
            self.setitem(obj, key, result, target)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value)
            current = self.getattr(obj, target.attr, target)
            result = self.inplace(op, symbol, current, self.eval(node.value), node)
            self.host.setattr(obj, target.attr, result, target)
        else:
            raise refuse(f"cannot assign to {_describe(target)} in gradviz scripts")

    def _if(self, node: ast.If) -> Any:
        test = self.truth(self.eval(node.test))
        return self.exec_block(node.body if test else node.orelse)

    def _while(self, node: ast.While) -> Any:
        count = 0
        while self.truth(self.eval(node.test)):
            count += 1
            self._check_loop(count, node)
            signal = self.exec_block(node.body)
            if signal is _BREAK:
                return None
        return self.exec_block(node.orelse)

    def _for(self, node: ast.For) -> Any:
        iterable = self.eval(node.iter)
        for count, item in enumerate(self.iterate(iterable, node.iter), 1):
            self._check_loop(count, node)
            self.assign(node.target, item)
            signal = self.exec_block(node.body)
            if signal is _BREAK:
                return None
        return self.exec_block(node.orelse)

    def _check_loop(self, count: int, node: ast.AST) -> None:
        if count > self.limits.max_loop_iterations:
            raise ScriptError(f"a loop ran more than {self.limits.max_loop_iterations:,} times "
                              "(an endless loop?)", kind="LimitExceeded").locate(node)

    def _with(self, node: ast.With) -> Any:
        return self._with_items(node, 0)

    def _with_items(self, node: ast.With, index: int) -> Any:
        if index == len(node.items):
            return self.exec_block(node.body)
        item = node.items[index]
        context = self.eval(item.context_expr)
        entered = self.host.enter(context, item.context_expr)
        try:
            if item.optional_vars is not None:
                self.assign(item.optional_vars, entered)
            return self._with_items(node, index + 1)
        finally:
            self.host.exit(context)

    def _import(self, node: ast.Import) -> None:
        for alias in node.names:
            module = self.host.import_module(alias.name)
            if alias.asname:
                self.bind_name(alias.asname, module)
            else:
                root = alias.name.split(".")[0]
                self.bind_name(root, self.host.import_module(root))

    def _importfrom(self, node: ast.ImportFrom) -> None:
        module = self.host.import_module(node.module or "")
        for alias in node.names:
            value = self.host.getattr(module, alias.name, node)
            self.bind_name(alias.asname or alias.name, value)

    def _delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                scope = self.scopes[-1]
                if target.id not in scope:
                    raise NameError(f"name '{target.id}' is not defined")
                del scope[target.id]
            elif isinstance(target, ast.Subscript):
                obj = self.eval(target.value)
                key = self.eval(target.slice)
                if type(obj) not in (list, dict):
                    raise TypeError(f"'{self.host.type_name(obj)}' object doesn't support item "
                                    "deletion")
                del obj[key]
            else:
                raise refuse(f"cannot delete {_describe(target)} in gradviz scripts")

    def _assert(self, node: ast.Assert) -> None:
        if not self.truth(self.eval(node.test)):
            message = "" if node.msg is None else self.to_str(self.eval(node.msg))
            raise AssertionError(message)

    # -- expressions -----------------------------------------------------------------------
    def _constant(self, node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool):
            self.check_int(value)
        elif isinstance(value, str):
            self.grow(len(value), "characters")
        return value

    def _name(self, node: ast.Name) -> Any:
        return self.lookup(node.id)

    def _namedexpr(self, node: ast.NamedExpr) -> Any:
        value = self.eval(node.value)
        self.bind_name(node.target.id, value)
        return value

    def _binop_node(self, node: ast.BinOp) -> Any:
        # Long chains such as 1 + 2 + ... + n are left-deep trees: walk them iteratively so
        # that their length costs steps, not Python stack.
        chain = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            chain.append(left)
            left = left.left
        value = self.eval(left)
        for link in reversed(chain):
            try:
                self.tick()
                right = self.eval(link.right)
                op, symbol = _BIN_SYMBOLS[type(link.op)]
                value = self.binop(op, symbol, value, right, link)
            except ScriptError as exc:
                raise exc.locate(link) from None
            except Exception as exc:
                raise self.error(exc, link) from None
        return value

    def _unaryop_node(self, node: ast.UnaryOp) -> Any:
        operand = self.eval(node.operand)
        kind = type(node.op)
        if kind is ast.Not:
            return not self.truth(operand)
        op = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}[kind]
        return self.unaryop(op, operand, node)

    def _boolop(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        value = None
        for sub in node.values:
            value = self.eval(sub)
            if self.truth(value) != is_and:
                return value
        return value

    def _compare_node(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        result: Any = True
        last = len(node.ops) - 1
        for i, (op, comparator) in enumerate(zip(node.ops, node.comparators, strict=True)):
            right = self.eval(comparator)
            name, symbol = _COMPARE_NAMES[type(op)]
            result = self.compare(name, symbol, left, right, node)
            if i < last and not self.truth(result):
                return result
            left = right
        return result

    def _ifexp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body if self.truth(self.eval(node.test)) else node.orelse)

    def _call_node(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.extend(self.collect(self.eval(arg.value)))
            else:
                args.append(self.eval(arg))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                mapping = self.eval(keyword.value)
                if not isinstance(mapping, dict):
                    raise TypeError(f"argument after ** must be a dict, not "
                                    f"{self.host.type_name(mapping)}")
                for key, value in mapping.items():
                    if not isinstance(key, str) or key.startswith("__"):
                        raise TypeError("keywords must be strings")
                    kwargs[key] = value
            else:
                kwargs[keyword.arg] = self.eval(keyword.value)
        return self.call(func, args, kwargs, node)

    def _attribute(self, node: ast.Attribute) -> Any:
        return self.getattr(self.eval(node.value), node.attr, node)

    def _subscript(self, node: ast.Subscript) -> Any:
        obj = self.eval(node.value)
        return self.getitem(obj, self.eval(node.slice), node)

    def _slice(self, node: ast.Slice) -> slice:
        parts = [None if part is None else self.eval(part)
                 for part in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def _elements(self, elts: list[ast.expr]) -> list:
        items: list[Any] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                items.extend(self.collect(self.eval(elt.value)))
                self.grow(len(items))
            else:
                items.append(self.eval(elt))
        return items

    def _list(self, node: ast.List) -> list:
        return self._elements(node.elts)

    def _tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self._elements(node.elts))

    def _dict(self, node: ast.Dict) -> dict:
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                mapping = self.eval(value)
                if not isinstance(mapping, dict):
                    raise TypeError(f"'{self.host.type_name(mapping)}' object is not a mapping")
                out.update(mapping)
                self.grow(len(out))
            else:
                out[self.eval(key)] = self.eval(value)
        return out

    def _joinedstr(self, node: ast.JoinedStr) -> str:
        parts = [self.eval(value) for value in node.values]
        self.grow(sum(len(p) for p in parts), "characters")
        return "".join(parts)

    def _formatted(self, node: ast.FormattedValue) -> str:
        value = self.eval(node.value)
        spec = "" if node.format_spec is None else self.eval(node.format_spec)
        for number in _FORMAT_NUMBER.findall(spec):
            if len(number) > 6 or int(number) > 10_000:
                raise ValueError(f"format width or precision {number} is too large")
        if node.conversion == ord("r"):
            value = self.to_repr(value)
        elif node.conversion in (ord("s"), ord("a")):
            value = self.to_str(value)
        if not spec and not isinstance(value, str):
            return self.to_str(value)
        if not isinstance(value, (*_NUMBERS, str)) and not self.host.owns(value):
            raise TypeError(f"unsupported format string passed to "
                            f"{self.host.type_name(value)}.__format__")
        return format(value, spec)

    def _listcomp(self, node: ast.ListComp | ast.GeneratorExp) -> list:
        out: list[Any] = []

        def emit() -> None:
            out.append(self.eval(node.elt))
            if len(out) > self.limits.max_items:
                self.grow(len(out))

        self._comprehension(node.generators, emit)
        return out

    def _dictcomp(self, node: ast.DictComp) -> dict:
        out: dict[Any, Any] = {}

        def emit() -> None:
            key = self.eval(node.key)
            out[key] = self.eval(node.value)
            if len(out) > self.limits.max_items:
                self.grow(len(out))

        self._comprehension(node.generators, emit)
        return out

    def _comprehension(self, generators: list[ast.comprehension], emit: Callable) -> None:
        self.scopes.append({})
        try:
            self._comprehension_level(generators, 0, emit)
        finally:
            self.scopes.pop()

    def _comprehension_level(self, generators: list[ast.comprehension], index: int,
                             emit: Callable) -> None:
        if index == len(generators):
            emit()
            return
        generator = generators[index]
        if generator.is_async:
            raise refuse("async is not supported in gradviz scripts")
        items = self.iterate(self.eval(generator.iter), generator.iter)
        for count, item in enumerate(items, 1):
            self._check_loop(count, generator.iter)
            self.assign(generator.target, item)
            if all(self.truth(self.eval(cond)) for cond in generator.ifs):
                self._comprehension_level(generators, index + 1, emit)

    # -- operations ------------------------------------------------------------------------
    def truth(self, value: Any) -> bool:
        return bool(value)

    def check_int(self, value: int) -> int:
        if value.bit_length() > self.limits.max_int_bits:
            raise ScriptError(f"an integer with more than {self.limits.max_int_bits:,} bits is "
                              "too large for a gradviz script", kind="LimitExceeded")
        return value

    def binop(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        host = self.host
        if host.owns(left) or host.owns(right):
            return host.binop(op, symbol, left, right, node)
        self._check_plain_operands(symbol, left, right)
        self._precheck_binop(op, left, right)
        return self._finish(_PY_BINOPS[op](left, right))

    def inplace(self, op: str, symbol: str, target: Any, value: Any, node: ast.AST) -> Any:
        host = self.host
        if host.owns(target):
            return host.inplace(op, symbol, target, value, node)
        if host.owns(value):
            return host.binop(op, symbol, target, value, node)
        self._check_plain_operands(symbol, target, value)
        self._precheck_binop(op, target, value)
        if type(target) is list and op in _PY_INPLACE:
            if op == "add":
                value = self.collect(value)
                self.grow(len(target) + len(value))
            return _PY_INPLACE[op](target, value)
        return self._finish(_PY_BINOPS[op](target, value))

    def _check_plain_operands(self, symbol: str, left: Any, right: Any) -> None:
        for value in (left, right):
            if not isinstance(value, (*_SCALARS, list, tuple, dict)):
                raise TypeError(f"unsupported operand type(s) for {symbol}: "
                                f"'{self.host.type_name(left)}' and "
                                f"'{self.host.type_name(right)}'")

    def _precheck_binop(self, op: str, left: Any, right: Any) -> None:
        """Refuse results too large to build before Python starts building them."""
        limit = self.limits.max_int_bits
        ints = (isinstance(left, int) and isinstance(right, int))
        if op == "pow" and ints and right > 0 and abs(left) > 1:
            if left.bit_length() * right > limit:
                raise ScriptError(f"{left} ** {right} is too large for a gradviz script",
                                  kind="LimitExceeded")
        elif op == "mul":
            if ints and left.bit_length() + right.bit_length() > limit:
                raise ScriptError("that product is too large for a gradviz script",
                                  kind="LimitExceeded")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    self.grow(len(seq) * max(times, 0), "characters" if isinstance(seq, str)
                              else "items")
        elif op == "lshift" and ints and right > 0:
            if left.bit_length() + right > limit:
                raise ScriptError(f"{left} << {right} is too large for a gradviz script",
                                  kind="LimitExceeded")
        elif op == "add":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                self.grow(len(left) + len(right),
                          "characters" if isinstance(left, str) else "items")
        elif op == "mod" and isinstance(left, str):
            raise refuse("'%' string formatting is not supported in gradviz scripts; use an "
                         "f-string")

    def _finish(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            self.check_int(value)
        return value

    def unaryop(self, op: str, operand: Any, node: ast.AST) -> Any:
        if self.host.owns(operand):
            return self.host.unaryop(op, operand, node)
        if not isinstance(operand, _NUMBERS):
            symbol = {"neg": "-", "pos": "+", "invert": "~"}[op]
            raise TypeError(f"bad operand type for unary {symbol}: "
                            f"'{self.host.type_name(operand)}'")
        if op == "neg":
            return -operand
        if op == "pos":
            return +operand
        if isinstance(operand, float):
            raise TypeError("bad operand type for unary ~: 'float'")
        return ~operand

    def compare(self, op: str, symbol: str, left: Any, right: Any, node: ast.AST) -> Any:
        if op == "is":
            return left is right
        if op == "is not":
            return left is not right
        if op in ("in", "not in"):
            found = self.contains(right, left, node)
            return found if op == "in" else not found
        if self.host.owns(left) or self.host.owns(right):
            return self.host.compare(op, symbol, left, right, node)
        if op in ("eq", "ne"):
            equal = self.equal(left, right)
            return equal if op == "eq" else not equal
        if (isinstance(left, (*_NUMBERS, str)) and isinstance(right, (*_NUMBERS, str))) or (
                isinstance(left, (list, tuple)) and isinstance(right, (list, tuple))
                and self._plain_data(left) and self._plain_data(right)):
            return _PY_COMPARE[op](left, right)
        raise TypeError(f"'{symbol}' not supported between instances of "
                        f"'{self.host.type_name(left)}' and '{self.host.type_name(right)}'")

    def _plain_data(self, value: Any) -> bool:
        """Whether a list/tuple holds numbers and strings only (so Python may compare it)."""
        stack = [value]
        while stack:
            item = stack.pop()
            self.tick()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif not isinstance(item, _SCALARS):
                return False
        return True

    def equal(self, left: Any, right: Any) -> bool:
        """``left == right`` as a bool; containers are compared here, one step per item, so
        that comparing long lists of tensors stays bounded."""
        if left is right:
            return True
        if self.host.owns(left) or self.host.owns(right):
            return self.truth(self.host.compare("eq", "==", left, right, None))
        if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            if type(left) is not type(right) and not (
                    isinstance(left, tuple) and isinstance(right, tuple)):
                return False
            if len(left) != len(right):
                return False
            for a, b in zip(left, right, strict=True):
                self.tick()
                if not self.equal(a, b):
                    return False
            return True
        if isinstance(left, dict) and isinstance(right, dict):
            if left.keys() != right.keys():
                return False
            for key, value in left.items():
                self.tick()
                if not self.equal(value, right[key]):
                    return False
            return True
        return bool(left == right)

    def contains(self, container: Any, item: Any, node: ast.AST) -> bool:
        if self.host.owns(container):
            return self.truth(self.host.contains(container, item, node))
        if isinstance(container, str):
            if not isinstance(item, str):
                raise TypeError(f"'in <string>' requires string as left operand, not "
                                f"{self.host.type_name(item)}")
            return item in container
        if isinstance(container, (dict, _DICT_VIEWS[0])) or (
                isinstance(container, range) and isinstance(item, int)):
            return item in container
        if isinstance(container, (list, tuple, range, *_DICT_VIEWS)):
            return any(self.equal(element, item) for element in self.iterate(container, node))
        found = self.host.contains(container, item, node)
        if found is NotImplemented:
            raise TypeError(f"argument of type '{self.host.type_name(container)}' is not "
                            "iterable")
        return self.truth(found)

    def getattr(self, obj: Any, name: str, node: ast.AST) -> Any:
        if name.startswith("__"):
            raise refuse(f"attribute '{name}' is not available in gradviz scripts")
        table = _SAFE_METHODS.get(type(obj))
        if table is not None:
            if name not in table:
                if hasattr(obj, name):
                    raise refuse(f"{type(obj).__name__}.{name} is not available in gradviz "
                                 "scripts")
                raise AttributeError(f"'{type(obj).__name__}' object has no attribute '{name}'")
            checked = _CHECKED_METHODS.get((type(obj), name))
            if checked is not None:
                return PyMethod(obj, name, lambda *a, **k: checked(self, obj, *a, **k))
            value = getattr(obj, name)
            return PyMethod(obj, name, value) if callable(value) else value
        return self.host.getattr(obj, name, node)

    def getitem(self, obj: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(obj, (list, tuple, str, range)) and not self.host.owns(obj):
            if not isinstance(key, (int, slice)) and not hasattr(key, "__index__"):
                raise TypeError(f"{type(obj).__name__} indices must be integers or slices, not "
                                f"{self.host.type_name(key)}")
            value = obj[key]
            if isinstance(key, slice) and not isinstance(value, range):
                self.grow(len(value))
            return value
        if type(obj) is dict:
            return obj[key]
        return self.host.getitem(obj, key, node)

    def setitem(self, obj: Any, key: Any, value: Any, node: ast.AST) -> None:
        if type(obj) is list:
            if isinstance(key, slice):
                value = self.collect(value)
                self.grow(len(obj) + len(value))
            obj[key] = value
        elif type(obj) is dict:
            obj[key] = value
            if len(obj) > self.limits.max_items:
                self.grow(len(obj))
        elif isinstance(obj, (tuple, str, range)):
            raise TypeError(f"'{self.host.type_name(obj)}' object does not support item "
                            "assignment")
        else:
            self.host.setitem(obj, key, value, node)

    def call(self, func: Any, args: list, kwargs: dict, node: ast.AST) -> Any:
        if isinstance(func, Builtin):
            return func.fn(*args, **kwargs)
        if isinstance(func, PyMethod):
            value = func.fn(*args, **kwargs)
            if isinstance(value, (str, list, tuple, dict)):
                self.grow(len(value), "characters" if isinstance(value, str) else "items")
            return value
        return self.host.call(func, args, kwargs, node)

    def iterate(self, value: Any, node: ast.AST | None = None) -> Iterator:
        """Iterate ``value`` one step per item (tensors through the host, so rows are
        recorded)."""
        if isinstance(value, _SEQUENCES) and not self.host.owns(value):
            iterator: Iterator = iter(value)
        else:
            iterator = self.host.iterate(value, node)
            if iterator is None:
                raise TypeError(f"'{self.host.type_name(value)}' object is not iterable")
        for item in iterator:
            self.tick()
            yield item

    def collect(self, value: Any, node: ast.AST | None = None) -> list:
        """``list(value)``, bounded by the item limit."""
        if isinstance(value, (list, tuple)) and not self.host.owns(value):
            self.grow(len(value))
            return list(value)
        if isinstance(value, range):
            self.grow(len(value))
            return list(value)
        out = []
        limit = self.limits.max_items
        for item in self.iterate(value, node):
            out.append(item)
            if len(out) > limit:
                self.grow(len(out))
        self.grow(len(out))
        return out

    # -- text ------------------------------------------------------------------------------
    def to_str(self, value: Any) -> str:
        return value if isinstance(value, str) else self._format(value, False)

    def to_repr(self, value: Any) -> str:
        return self._format(value, True)

    def _format(self, value: Any, as_repr: bool) -> str:
        """``str``/``repr`` of containers built here, with a budget, so that printing a list
        of a million tensors ends with a clear error instead of taking minutes."""
        budget = [self.limits.max_output_chars]
        active: set[int] = set()

        def spend(text: str) -> str:
            budget[0] -= len(text)
            if budget[0] < 0:
                raise ScriptError(f"that text would be longer than "
                                  f"{self.limits.max_output_chars:,} characters",
                                  kind="LimitExceeded")
            return text

        def fmt(item: Any, nested: bool) -> str:
            kind = type(item)
            if kind in (list, tuple, dict):
                if id(item) in active:
                    return spend("[...]" if kind is list else "{...}" if kind is dict
                                 else "(...)")
                active.add(id(item))
                try:
                    self.tick()
                    if kind is dict:
                        inner = ", ".join(f"{fmt(k, True)}: {fmt(v, True)}"
                                          for k, v in item.items())
                        return spend("{" + inner + "}")
                    inner = ", ".join(fmt(v, True) for v in item)
                    if kind is list:
                        return spend("[" + inner + "]")
                    return spend("(" + inner + ("," if len(item) == 1 else "") + ")")
                finally:
                    active.discard(id(item))
            if kind in _DICT_VIEWS:
                name = kind.__name__
                return spend(f"{name}({fmt(list(item), True)})")
            if kind is str:
                return spend(repr(item) if nested else item)
            if kind is int and item.bit_length() > 13_000:
                raise ScriptError("that integer is too large to print", kind="LimitExceeded")
            return spend(repr(item) if nested or as_repr else str(item))

        return fmt(value, as_repr)

    def write(self, text: str) -> None:
        self.output_chars += len(text)
        if self.output_chars > self.limits.max_output_chars:
            raise ScriptError(f"the script printed more than {self.limits.max_output_chars:,} "
                              "characters", kind="LimitExceeded")
        self.output.append(text)

    # -- builtins --------------------------------------------------------------------------
    def _make_builtins(self) -> dict[str, Builtin]:
        b = {
            "print": Builtin("print", self._b_print),
            "range": Builtin("range", self._b_range, range),
            "len": Builtin("len", self._b_len),
            "abs": Builtin("abs", self._b_abs),
            "min": Builtin("min", lambda *a, **k: self._b_extreme("min", a, k)),
            "max": Builtin("max", lambda *a, **k: self._b_extreme("max", a, k)),
            "sum": Builtin("sum", self._b_sum),
            "round": Builtin("round", self._b_round),
            "float": Builtin("float", self._b_float, float),
            "int": Builtin("int", self._b_int, int),
            "bool": Builtin("bool", lambda *a: self.truth(a[0]) if a else False, bool),
            "str": Builtin("str", self._b_str, str),
            "repr": Builtin("repr", self.to_repr),
            "list": Builtin("list", lambda *a: self.collect(a[0]) if a else [], list),
            "tuple": Builtin("tuple", lambda *a: tuple(self.collect(a[0])) if a else (), tuple),
            "dict": Builtin("dict", self._b_dict, dict),
            "enumerate": Builtin("enumerate", self._b_enumerate),
            "zip": Builtin("zip", self._b_zip),
            "isinstance": Builtin("isinstance", self._b_isinstance),
            "sorted": Builtin("sorted", self._b_sorted),
            "reversed": Builtin("reversed", lambda seq: self.collect(seq)[::-1]),
            "any": Builtin("any", lambda it: any(self.truth(v) for v in self.iterate(it))),
            "all": Builtin("all", lambda it: all(self.truth(v) for v in self.iterate(it))),
        }
        return b

    def _b_print(self, *args: Any, sep: Any = " ", end: Any = "\n", flush: Any = False,
                 **kwargs: Any) -> None:
        if "file" in kwargs:
            raise refuse("print(file=...) is not available in gradviz scripts")
        if kwargs:
            raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for print()")
        for name, value in (("sep", sep), ("end", end)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be None or a string, not "
                                f"{self.host.type_name(value)}")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        self.write(sep.join(self.to_str(arg) for arg in args) + end)

    def _b_range(self, *args: Any) -> range:
        return range(*args)

    def _b_len(self, value: Any) -> int:
        return len(value)

    def _b_abs(self, value: Any) -> Any:
        return self.unaryop("abs", value, None) if self.host.owns(value) else abs(value)

    def _b_extreme(self, which: str, args: tuple, kwargs: dict) -> Any:
        if set(kwargs) - {"default"}:
            raise TypeError(f"{which}() accepts only the 'default' keyword in gradviz scripts")
        if not args:
            raise TypeError(f"{which} expected at least 1 argument, got 0")
        items = self.iterate(args[0]) if len(args) == 1 else iter(args)
        best: Any = None
        found = False
        for item in items:
            self.tick()
            if not found:
                best, found = item, True
                continue
            op = "lt" if which == "min" else "gt"
            if self.truth(self.compare(op, "<" if op == "lt" else ">", item, best, None)):
                best = item
        if not found:
            if "default" in kwargs:
                return kwargs["default"]
            raise ValueError(f"{which}() arg is an empty sequence")
        return best

    def _b_sum(self, iterable: Any, start: Any = 0) -> Any:
        total = start
        for item in self.iterate(iterable):
            total = self.binop("add", "+", total, item, None)
        return total

    def _b_round(self, value: Any, ndigits: Any = None) -> Any:
        if not isinstance(value, _NUMBERS):
            raise TypeError(f"type {self.host.type_name(value)} doesn't define __round__ method")
        return round(value) if ndigits is None else round(value, ndigits)

    def _b_float(self, value: Any = 0.0) -> float:
        if not isinstance(value, (*_NUMBERS, str)) and not self.host.owns(value):
            raise TypeError(f"float() argument must be a string or a real number, not "
                            f"'{self.host.type_name(value)}'")
        return float(value)

    def _b_int(self, value: Any = 0, base: Any = None) -> int:
        if not isinstance(value, (*_NUMBERS, str)) and not self.host.owns(value):
            raise TypeError(f"int() argument must be a string, a bytes-like object or a real "
                            f"number, not '{self.host.type_name(value)}'")
        if base is None:
            return self.check_int(int(value))
        return self.check_int(int(value, base))

    def _b_str(self, value: Any = "") -> str:
        text = self.to_str(value)
        self.grow(len(text), "characters")
        return text

    def _b_dict(self, *args: Any, **kwargs: Any) -> dict:
        out: dict[Any, Any] = {}
        if args:
            source = args[0]
            if isinstance(source, dict):
                out.update(source)
            else:
                for pair in self.iterate(source):
                    key, value = self.collect(pair)
                    out[key] = value
        out.update(kwargs)
        self.grow(len(out))
        return out

    def _b_enumerate(self, iterable: Any, start: int = 0) -> list:
        out = []
        for i, item in enumerate(self.iterate(iterable), start):
            out.append((i, item))
            if len(out) > self.limits.max_items:
                self.grow(len(out))
        return out

    def _b_zip(self, *iterables: Any) -> list:
        iterators = [self.iterate(it) for it in iterables]
        out = []
        if not iterators:
            return out
        while True:
            row = []
            for it in iterators:
                try:
                    row.append(next(it))
                except StopIteration:
                    return out
            out.append(tuple(row))
            if len(out) > self.limits.max_items:
                self.grow(len(out))

    def _b_isinstance(self, value: Any, kinds: Any) -> bool:
        options = kinds if isinstance(kinds, tuple) else (kinds,)
        for kind in options:
            if isinstance(kind, Builtin) and kind.type is not None:
                if isinstance(value, kind.type):
                    return True
                continue
            answer = self.host.isinstance_of(value, kind)
            if answer is None:
                raise TypeError("isinstance() arg 2 must be a type (int, float, bool, str, list, "
                                "tuple, dict or torch.Tensor)")
            if answer:
                return True
        return False

    def _b_sorted(self, iterable: Any, reverse: Any = False) -> list:
        items = self.collect(iterable)
        if not all(isinstance(v, (*_NUMBERS, str)) for v in items):
            raise TypeError("sorted() sorts numbers and strings in gradviz scripts")
        return sorted(items, reverse=bool(reverse))


# -- whitelisted methods of Python's own types -----------------------------------------------
def _width(interp: Interpreter, width: Any) -> None:
    if isinstance(width, int):
        interp.grow(width, "characters")


def _str_join(interp: Interpreter, s: str, iterable: Any) -> str:
    items = interp.collect(iterable)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"sequence item {i}: expected str instance, "
                            f"{interp.host.type_name(item)} found")
    interp.grow(sum(len(i) for i in items) + len(s) * max(len(items) - 1, 0), "characters")
    return s.join(items)


def _str_replace(interp: Interpreter, s: str, old: Any, new: Any, count: Any = -1) -> str:
    if isinstance(old, str) and isinstance(new, str) and isinstance(count, int):
        hits = (len(s) + 1) if old == "" else s.count(old)
        if count >= 0:
            hits = min(hits, count)
        interp.grow(len(s) + hits * (len(new) - len(old)), "characters")
    return s.replace(old, new, count)


def _str_pad(name: str) -> Callable:
    def pad(interp: Interpreter, s: str, width: Any, *args: Any) -> str:
        _width(interp, width)
        return getattr(s, name)(width, *args)

    return pad


def _list_extend(interp: Interpreter, lst: list, iterable: Any) -> None:
    items = interp.collect(iterable)
    interp.grow(len(lst) + len(items))
    lst.extend(items)


def _seq_index(interp: Interpreter, seq: Any, item: Any, *bounds: Any) -> int:
    view = seq[slice(*bounds)] if bounds else seq
    offset = slice(*bounds).indices(len(seq))[0] if bounds else 0
    for i, element in enumerate(interp.iterate(view)):
        if interp.equal(element, item):
            return i + offset
    raise ValueError(f"{interp.to_repr(item) if isinstance(item, (*_SCALARS,)) else 'value'} "
                     f"is not in {type(seq).__name__}")


def _seq_count(interp: Interpreter, seq: Any, item: Any) -> int:
    return sum(1 for element in interp.iterate(seq) if interp.equal(element, item))


def _list_remove(interp: Interpreter, lst: list, item: Any) -> None:
    for i, element in enumerate(interp.iterate(lst)):
        if interp.equal(element, item):
            del lst[i]
            return
    raise ValueError("list.remove(x): x not in list")


def _list_sort(interp: Interpreter, lst: list, *, reverse: Any = False) -> None:
    if not all(isinstance(v, (*_NUMBERS, str)) for v in lst):
        raise TypeError("list.sort() sorts numbers and strings in gradviz scripts")
    lst.sort(reverse=bool(reverse))


def _dict_update(interp: Interpreter, d: dict, *args: Any, **kwargs: Any) -> None:
    d.update(interp._b_dict(*args, **kwargs))
    interp.grow(len(d))


_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: frozenset({
        "upper", "lower", "strip", "lstrip", "rstrip", "split", "rsplit", "startswith",
        "endswith", "title", "capitalize", "count", "find", "rfind", "index", "isdigit",
        "isalpha", "isalnum", "isspace", "isupper", "islower", "splitlines", "swapcase",
        "casefold", "partition", "rpartition", "removeprefix", "removesuffix", "join",
        "replace", "center", "ljust", "rjust", "zfill",
    }),
    list: frozenset({"append", "pop", "insert", "reverse", "copy", "clear", "extend", "index",
                     "count", "remove", "sort"}),
    tuple: frozenset({"index", "count"}),
    dict: frozenset({"keys", "values", "items", "get", "pop", "copy", "clear", "setdefault",
                     "update"}),
    int: frozenset({"real", "imag", "bit_length"}),
    float: frozenset({"real", "imag", "is_integer"}),
    bool: frozenset({"real", "imag"}),
    range: frozenset({"start", "stop", "step", "index", "count"}),
}
_CHECKED_METHODS: dict[tuple[type, str], Callable] = {
    (str, "join"): _str_join, (str, "replace"): _str_replace,
    (str, "center"): _str_pad("center"), (str, "ljust"): _str_pad("ljust"),
    (str, "rjust"): _str_pad("rjust"), (str, "zfill"): _str_pad("zfill"),
    (list, "extend"): _list_extend, (list, "index"): _seq_index, (list, "count"): _seq_count,
    (list, "remove"): _list_remove, (list, "sort"): _list_sort,
    (tuple, "index"): _seq_index, (tuple, "count"): _seq_count,
    (range, "index"): _seq_index, (range, "count"): _seq_count,
    (dict, "update"): _dict_update,
}


def sequence_method(interp: Interpreter, obj: tuple, name: str) -> PyMethod | None:
    """``index``/``count`` of tuple subclasses (torch.Size, named results), bounded."""
    checked = _CHECKED_METHODS.get((tuple, name))
    if checked is None:
        return None
    return PyMethod(obj, name, lambda *a, **k: checked(interp, obj, *a, **k))


def _describe(node: ast.AST) -> str:
    names = {
        "Expr": "this expression", "Starred": "'*' unpacking here", "Set": "a set",
        "Lambda": "lambda", "Await": "await", "Yield": "yield",
    }
    kind = type(node).__name__
    return names.get(kind, f"'{kind}'")
