"""The script sandbox: escapes, endless loops, huge allocations and deep nesting all end in
a clean ScriptError within a second, and nothing on disk changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.graph.script import ScriptError, ScriptResult, run_script

from .test_script import assert_document_reproduces

PWNED = "PWNED_FILE"
# A longer, randomised campaign: GRADVIZ_FUZZ_EXAMPLES=50000 (see docs/testing.md).
CAMPAIGN = int(os.environ.get("GRADVIZ_FUZZ_EXAMPLES", "0"))

ESCAPES = {
    "dunder import": "__import__('os').system('touch PWNED_FILE')",
    "open": "open('/etc/passwd').read()",
    "open for writing": "open('PWNED_FILE', 'w').write('x')",
    "print to a file": "print('x', file=open('PWNED_FILE', 'w'))",
    "subclasses": "().__class__.__bases__[0].__subclasses__()",
    "getattr": "getattr(torch, '__dict__')",
    "module dict": "torch.__dict__",
    "tensor class": "x = torch.ones(2)\nx.__class__",
    "method self": "x = torch.ones(2)\nm = x.sum\nm.__self__",
    "grad_fn internals": "x = torch.ones(2, requires_grad=True)\n(x * 2).grad_fn.creator",
    "import os": "import os",
    "from os": "from os import path",
    "import inside torch": "import torch.autograd.engine",
    "gradviz graph": "import gradviz.graph.fileio",
    "from gradviz graph": "from gradviz.graph import save",
    "module attribute": "gradviz.graph.fileio.save",
    "exec": "exec('1')",
    "eval": "eval('1')",
    "compile": "compile('1', 'f', 'exec')",
    "lambda": "f = lambda: 1",
    "def": "def f():\n    pass",
    "class": "class A:\n    pass",
    "try": "try:\n    x = 1\nexcept Exception:\n    pass",
    "str.format": "'{0.__class__}'.format(1)",
    "percent format": "'%s' % 1",
    "numpy array": "x = torch.ones(3)\nx.numpy().tofile('PWNED_FILE')",
    "dtype numpy": "torch.float32.numpy",
    "from_numpy": "torch.from_numpy",
    "torch.save": "torch.save(torch.ones(2), 'PWNED_FILE')",
    "hooks": "x = torch.ones(2, requires_grad=True)\nx.register_hook(print)",
    "type": "type(1)",
    "globals": "globals()",
    "vars": "vars(torch)",
    "star import": "from torch import *",
    "relative import": "from . import script",
    "private name": "_x = 1",
    "keyword dunder": "print(**{'__class__': 1})",
}

LIMITS = {
    "while True": "while True:\n    pass",
    "while True with work": "x = 0\nwhile True:\n    x = x + 1",
    "huge ones": "torch.ones(10**6, 10**6)",
    "huge ones from a tuple": "torch.zeros((10**5, 10**5))",
    "huge full": "torch.full((10**5, 10**5), 1.0)",
    "huge randn": "torch.randn(10**4, 10**4)",
    "huge arange": "torch.arange(0, 1e12)",
    "huge eye": "torch.eye(10**6)",
    "huge linspace": "torch.linspace(0, 1, 10**10)",
    "big view": "torch.ones(1000).expand(10**6, 1000)",
    "big view, then used": ("x = torch.ones(1000).expand(5000, 1000)\n"
                            "y = x + torch.ones(5000, 1, 1)"),
    "big broadcast": "torch.ones(10**4, 1) * torch.ones(1, 10**4)",
    "big comparison": "torch.ones(10**4, 1) < torch.ones(1, 10**4)",
    "big in-place": "x = torch.ones(1, 10**4)\nx.add_(torch.ones(10**4, 1))",
    "big matmul": "x = torch.ones(3000, 3000)\ny = x @ x",
    "big cat": "x = torch.ones(10**6)\ny = torch.cat([x] * 100)",
    "huge tensor from lists": "a = [0] * 10**6\ntorch.tensor([a] * 10**6)",
    "huge tensor from a range": "torch.tensor(range(10**9))",
    "huge tolist": "torch.zeros(10**7).tolist()",
    "power tower": "10**10**10",
    "big shift": "1 << 10**9",
    "repeated multiply": "x = 3\nwhile True:\n    x = x * x",
    "string repetition": "'a' * 10**12",
    "list repetition": "[0] * 10**12",
    "string doubling": "s = 'ab'\nwhile True:\n    s = s + s",
    "string padding": "'x'.center(10**12)",
    "string replace": "s = 'a' * 10**5\ns.replace('a', s)",
    "format width": "f'{1:100000000}'",
    "list of lists": "x = []\nwhile True:\n    x.append([0] * 10**5)",
    "list from range": "list(range(10**12))",
    "sorted range": "sorted(range(10**12))",
    "long print": "while True:\n    print('a' * 10**5)",
    "print a million tensors": "x = torch.ones(100)\nprint([x] * 10**6)",
    "for over a huge range": "for i in range(10**12):\n    pass",
    "deep parentheses": "(" * 10000 + "1" + ")" * 10000,
    "deep unary minus": "-" * 100000 + "1",
    "deep-ish unary minus": "-" * 1000 + "1",
    "long sum": "+".join(["1"] * 100000),
    "deep lists": "[" * 5000 + "]" * 5000,
    "deep blocks": "".join(" " * i + "if True:\n" for i in range(150)) + " " * 150 + "pass",
    "deep data printed": "a = []\nfor i in range(5000):\n    a = [a]\nprint(a)",
    "deep data compared": "a = []\nb = []\nfor i in range(5000):\n    a = [a]\n    b = [b]\na == b",
    "many digits": "int('9' * 5000)",
    "growing tensor": "x = torch.ones(10)\nwhile True:\n    x = torch.cat([x, x])",
}


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


@pytest.fixture
def sandbox_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "existing.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("source", list(ESCAPES.values()) + list(LIMITS.values()),
                         ids=list(ESCAPES) + list(LIMITS))
def test_escapes_and_runaways_end_in_a_script_error_quickly(source: str,
                                                            sandbox_dir: Path) -> None:
    before = snapshot(sandbox_dir)
    error = within_a_second(source)
    assert isinstance(error, ScriptError)
    assert error.lineno is not None
    assert str(error).startswith(f"line {error.lineno}: ")
    assert snapshot(sandbox_dir) == before
    assert not (sandbox_dir / PWNED).exists()


def test_refusals_explain_themselves() -> None:
    messages = {
        "import os": "line 1: import os is not allowed: gradviz scripts can import torch (or "
                     "gradviz) only",
        "x = 1\nopen('f')": "line 2: 'open' is not available in gradviz scripts",
        "def f():\n    pass": "line 1: defining functions (def) is not supported in gradviz "
                               "scripts",
        "y = lambda: 1": "line 1: lambda is not supported in gradviz scripts",
        "x = torch.ones(2)\nx.__class__": "line 2: attribute '__class__' is not available in "
                                          "gradviz scripts (names starting with '_' are "
                                          "private)",
        "torch.ones(10**6, 10**6)": "line 1: torch.ones would have 1,000,000,000,000 elements; "
                                    "the limit is 10,000,000",
        "while True:\n    pass": "line 1: a loop ran more than 100,000 times (an endless "
                                 "loop?)",
        "torch.nn.Linear(2, 3)": "line 1: torch.nn.Linear is not available in gradviz (it "
                                 "implements torch.nn.functional only)",
    }
    for source, message in messages.items():
        with pytest.raises(ScriptError) as info:
            run_script(source)
        assert str(info.value) == message


def test_refused_code_is_refused_before_anything_runs() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("print('side effect')\nimport os")
    assert info.value.lineno == 2 and info.value.output == ""


def test_wall_time_is_checked_at_every_step() -> None:
    from gradviz.graph.script import Limits

    start = time.monotonic()
    with pytest.raises(ScriptError, match="longer than 0.2 seconds"):
        run_script("x = 0\nfor i in range(10**6):\n    for j in range(10**6):\n        x += 1",
                   limits=Limits(max_seconds=0.2, max_steps=10**9, max_loop_iterations=10**9))
    assert time.monotonic() - start < 1.0


def test_step_limit_counts_every_node() -> None:
    from gradviz.graph.script import Limits

    with pytest.raises(ScriptError, match="more than 1,000 steps"):
        run_script("x = 0\nwhile x < 10**6:\n    x = x + 1", limits=Limits(max_steps=1000))


# -- random scripts ----------------------------------------------------------------------------
PRELUDE = ("import torch\nimport torch.nn.functional as F\ntorch.manual_seed(0)\n"
           "a = torch.randn(2, 2, requires_grad=True)\nb = torch.ones(2, 2)\nc = 2.0\n"
           "d = torch.tensor([1.0, -2.0, 3.0])\n")
SIZES = ["2", "3", "2, 2", "2, 3", "(3, 2)", "1, 2"]
CREATIONS = [
    "torch.ones({})", "torch.zeros({})", "torch.randn({}, requires_grad=True)",
    "torch.rand({})", "torch.full(({},), 0.5)", "torch.ones({}, dtype=torch.float64)",
]
CONSTANTS = [
    "torch.tensor([1.5, -2.0])", "torch.tensor([[1, 2], [3, 4]])", "torch.arange(4)",
    "torch.linspace(0, 1, 4)", "torch.eye(2)", "torch.tensor(3.0)", "torch.tensor([True, False])",
]
METHODS = [
    ".sum()", ".sum(dim=0)", ".sum(1, keepdim=True)", ".mean()", ".exp()", ".log()", ".relu()",
    ".view(-1)", ".T", "[0]", "[..., :1]", "[None]", ".reshape(2, -1)", ".unsqueeze(0)",
    ".max()", ".max(dim=0)[0]", ".max(dim=1).indices", ".data", ".detach()", ".abs()",
    ".sigmoid()", ".tanh()", ".clamp(min=0)", ".softmax(dim=-1)", ".float()", ".double()",
    ".long()", ".t()", ".squeeze()", ".norm()", ".item()", ".tolist()", ".shape", ".grad",
    ".grad_fn", ".expand(2, -1)", ".permute(1, 0)", ".transpose(0, 1)", ".clone()", ".pow(2)",
    ".var()", ".argmax()", ".all()", ".any()", ".flatten()", ".neg()", ".sqrt()", ".numel()",
]
FUNCTIONS = [
    "torch.cat([{}, {}])", "torch.stack([{}, {}])", "F.mse_loss({}, {})",
    "torch.maximum({}, {})", "torch.matmul({}, {})", "torch.add({}, {}, alpha=2)",
    "torch.where({}, {})", "max({}, {})", "sum([{}, {}])", "torch.mm({}, {})",
    "torch.eq({}, {})", "F.cross_entropy({}, {})", "torch.allclose({}, {})",
]
OPERATORS = ["+", "-", "*", "/", "**", "@", "<", "==", ">=", "//", "%"]
NAMES = ["a", "b", "c", "d"]


def leaves() -> st.SearchStrategy[str]:
    tensors = st.tuples(st.sampled_from(CREATIONS), st.sampled_from(SIZES)).map(
        lambda t: t[0].format(t[1]))
    return st.one_of(
        st.sampled_from(["a", "b", "a", "b", "c", "d"]),
        st.sampled_from(["a", "b"]),
        tensors,
        tensors,
        st.sampled_from(CONSTANTS),
        st.one_of(st.integers(-3, 3).map(str),
                  st.sampled_from(["0.5", "-1.5", "2.0", "1e-3", "True", "q"])),
    )


def compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"(-{e})"),
        st.tuples(inner, st.sampled_from(METHODS)).map(lambda t: f"({t[0]}){t[1]}"),
        st.tuples(st.sampled_from(FUNCTIONS), inner, inner).map(lambda t: t[0].format(t[1], t[2])),
    )


EXPRESSIONS = st.recursive(leaves(), compound, max_leaves=6)


def statements() -> st.SearchStrategy[str]:
    name = st.sampled_from(NAMES)
    return st.one_of(
        st.tuples(name, EXPRESSIONS).map(lambda t: f"{t[0]} = {t[1]}"),
        EXPRESSIONS.map(lambda e: f"print({e})"),
        st.tuples(name, st.sampled_from(["+=", "-=", "*=", "/="]), EXPRESSIONS).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        EXPRESSIONS.map(lambda e: f"({e}).sum().backward()"),
        st.tuples(name, EXPRESSIONS).map(lambda t: f"with torch.no_grad():\n    {t[0]} = {t[1]}"),
        st.tuples(name, EXPRESSIONS).map(lambda t: f"for i in range(3):\n    {t[0]} = {t[1]}"),
        st.tuples(EXPRESSIONS, name, EXPRESSIONS).map(
            lambda t: f"if ({t[0]}).sum() > 0:\n    {t[1]} = {t[2]}\nelse:\n    print({t[1]})"),
        name.map(lambda n: f"{n}.requires_grad_()"),
        st.tuples(name, st.sampled_from(["[0]", ".view(-1)", ".T", ".data", ".detach()"]),
                  name, EXPRESSIONS).map(lambda t: f"{t[0]} = {t[2]}{t[1]}\n{t[2]} += {t[3]}"),
        st.tuples(name, st.sampled_from([".zero_()", ".mul_(2)", "[0] = 5", ".data.add_(1)",
                                         ".add_(c, alpha=2)", ".clamp_(min=0)"])).map(
            lambda t: f"{t[0]}{t[1]}"),
    )


SCRIPTS = st.lists(statements(), min_size=1, max_size=6).map(
    lambda body: PRELUDE + "\n".join(body) + "\n")


def timed(source: str) -> tuple[float, ScriptResult | ScriptError]:
    start = time.monotonic()
    try:
        outcome: ScriptResult | ScriptError = run_script(source)
    except ScriptError as exc:
        outcome = exc
    return time.monotonic() - start, outcome


def within_a_second(source: str) -> ScriptResult | ScriptError:
    """Run ``source``, asserting it ends within a second. The bound is about correctness (a
    runaway script takes far longer), so a run slowed by a busy machine is retried once:
    a real runaway is slow both times."""
    elapsed, outcome = timed(source)
    if elapsed >= 1.0:
        elapsed, outcome = timed(source)
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    return outcome


def run_within_a_second(source: str) -> ScriptResult | None:
    outcome = within_a_second(source)
    if isinstance(outcome, ScriptError):
        assert outcome.lineno is None or outcome.lineno >= 1
        return None
    return outcome


@settings(max_examples=CAMPAIGN or 1000, deadline=None, derandomize=not CAMPAIGN,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SCRIPTS)
def test_random_scripts_run_or_raise_a_script_error(source: str) -> None:
    result = run_within_a_second(source)
    if result is not None:
        assert_document_reproduces(result, require_variables=False)


@settings(max_examples=CAMPAIGN or 500, deadline=None, derandomize=not CAMPAIGN,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("()[]{}:.,=+-*/%<>!~'\"\n abcxyz0123456789_"
                                              "torch")), max_size=80))
def test_random_text_never_escapes_as_another_exception(source: str) -> None:
    run_within_a_second(source)


def test_the_sandbox_left_the_working_directory_alone() -> None:
    assert not Path(os.getcwd(), PWNED).exists()
