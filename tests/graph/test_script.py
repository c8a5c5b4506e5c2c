"""run_script: PyTorch-style scripts run in the interpreter, print as PyTorch prints, and
record a document that evaluates to the same values."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd import REGISTRY
from gradviz.graph.document import OpNode, TensorNode
from gradviz.graph.script import Limits, ScriptError, ScriptResult, run_script

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "resources" / "examples" / "autograd_tutorial.py"
ADDRESS = r"0x[0-9a-f]+"
FLOAT = r"-?\d+\.\d+(?:e[+-]\d+)?"


def tutorial_source(import_line: str) -> str:
    source = TUTORIAL.read_text()
    assert "import gradviz as torch\n" in source
    return source.replace("import gradviz as torch\n", import_line + "\n")


def node_of(result: ScriptResult, name: str) -> TensorNode | OpNode:
    return result.document.nodes[result.variables[name]]


def assert_document_reproduces(result: ScriptResult, require_variables: bool = True) -> None:
    """Every variable's node evaluates to the tensor the script holds in that variable."""
    evaluation = result.document.evaluate()
    assert result.variables or not require_variables
    for name, node_id in result.variables.items():
        want = result.namespace[name]
        got = evaluation[node_id]
        assert got.ok, (name, got.message)
        assert got.tensor.dtype == want.dtype, name
        assert got.tensor.requires_grad == want.requires_grad, name
        np.testing.assert_array_equal(np.array(got.tensor.tolist()), np.array(want.tolist()),
                                      err_msg=name)


# -- the tutorial ------------------------------------------------------------------------------
TUTORIAL_PATTERN = re.compile(
    r"""tensor\(\[\[1\., 1\.\],
        \[1\., 1\.\]\], requires_grad=True\)
tensor\(\[\[3\., 3\.\],
        \[3\., 3\.\]\], grad_fn=<AddBackward0>\)
<AddBackward0 object at ADDRESS>
tensor\(\[\[27\., 27\.\],
        \[27\., 27\.\]\], grad_fn=<MulBackward0>\)[ ]
 tensor\(27\., grad_fn=<MeanBackward0>\)
a = (?P<a1>tensor\(\[\[.*\],
        \[.*\]\]\))
False[ ]

a = (?P<a2>tensor\(\[\[.*\],
        \[.*\]\]), requires_grad=True\)
True[ ]

<SumBackward0 object at ADDRESS>
tensor\(\[\[4\.5000, 4\.5000\],
        \[4\.5000, 4\.5000\]\]\)
NORM :  tensor\((?P<norm>FLOAT)\)
(?P<y>tensor\(\[.*\], grad_fn=<MulBackward0>\))
(?P<grad>tensor\(\[.*\]\))
True
True
False
True
False
tensor\(True\)
$""".replace("ADDRESS", ADDRESS).replace("FLOAT", FLOAT))


@pytest.fixture(scope="module", params=["import gradviz as torch", "import torch"])
def tutorial(request: pytest.FixtureRequest) -> ScriptResult:
    return run_script(tutorial_source(request.param))


def mul_chain(result: ScriptResult, start: str) -> list[OpNode]:
    """The mul nodes y = x * 2, y = y * 2, ... hanging off ``start``."""
    chain, current = [], start
    while True:
        nxt = [n for n in result.document.nodes.values()
               if isinstance(n, OpNode) and n.op == "mul" and n.inputs[0] == current]
        if not nxt:
            return chain
        assert len(nxt) == 1 and nxt[0].attrs == {"other": 2}
        chain.append(nxt[0])
        current = nxt[0].id


def test_tutorial_prints_what_pytorch_prints(tutorial: ScriptResult) -> None:
    match = TUTORIAL_PATTERN.match(tutorial.output)
    assert match, tutorial.output
    assert match["a2"] + ")" == match["a1"]  # the same values, now requiring grad
    assert tutorial.warnings == []


def test_tutorial_norm_line_is_the_norm_of_the_printed_y(tutorial: ScriptResult) -> None:
    match = TUTORIAL_PATTERN.match(tutorial.output)
    printed_y = [float(v) for v in re.findall(FLOAT, match["y"])]
    assert float(match["norm"]) == pytest.approx(np.linalg.norm(printed_y), rel=1e-3)
    assert float(match["norm"]) >= 1000


def test_tutorial_vector_jacobian_gradient_is_a_power_of_two_times_v(
        tutorial: ScriptResult) -> None:
    chain = mul_chain(tutorial, tutorial.variables["x"])
    assert chain[-1].id == tutorial.backward_start
    expected = gv.tensor([0.1, 1.0, 0.0001]) * 2 ** len(chain)
    match = TUTORIAL_PATTERN.match(tutorial.output)
    assert match["grad"] == str(expected)
    np.testing.assert_allclose(tutorial.namespace["x"].grad.tolist(), expected.tolist())


def test_tutorial_document_holds_the_first_graph(tutorial: ScriptResult) -> None:
    nodes = tutorial.document.nodes
    x = nodes["x"]
    assert isinstance(x, TensorNode) and x.requires_grad
    assert (x.value.rule, x.value.shape, x.dtype) == ("ones", (2, 2), "float32")
    y = nodes["y"]
    assert (y.op, y.inputs, y.attrs, y.name) == ("add", ["x", None], {"other": 2}, "y")
    square = nodes[nodes["z"].inputs[0]]
    assert (square.op, square.inputs) == ("mul", ["y", "y"])
    assert (nodes["z"].op, nodes["z"].attrs) == ("mul", {"other": 3})
    assert (nodes["out"].op, nodes["out"].inputs) == ("mean", ["z"])
    assert all(n.op in REGISTRY for n in nodes.values() if isinstance(n, OpNode))
    assert tutorial.document.title == "Script"
    assert tutorial.document.script.startswith("# The PyTorch")


def test_tutorial_document_records_the_loop_as_a_chain(tutorial: ScriptResult) -> None:
    x2 = tutorial.document.nodes[tutorial.variables["x"]]
    assert isinstance(x2, TensorNode) and x2.requires_grad and x2.value.rule == "values"
    chain = mul_chain(tutorial, x2.id)
    match = TUTORIAL_PATTERN.match(tutorial.output)
    # the loop ran until the norm reached 1000: one norm and one comparison per test
    norms = [n for n in tutorial.document.nodes.values() if getattr(n, "op", "") == "norm"]
    assert len(norms) == len(chain) + 1  # k - 1 loop tests plus the NORM print
    assert all(n.name == "y" for n in chain)
    evaluation = tutorial.document.evaluate()
    assert str(evaluation.tensor(chain[-1].id)) == match["y"]
    assert tutorial.document.backward == {"start": chain[-1].id,
                                          "gradient": [0.1, 1.0, 0.0001]}
    assert tutorial.backward_gradient == [0.1, 1.0, 0.0001]


def test_tutorial_document_evaluates_to_the_printed_values(tutorial: ScriptResult) -> None:
    evaluation = tutorial.document.evaluate()
    assert not evaluation.errors
    assert str(evaluation.tensor("out")) == "tensor(27., grad_fn=<MeanBackward0>)"
    match = TUTORIAL_PATTERN.match(tutorial.output)
    assert "a = " + str(evaluation.tensor("a_2")) == "a = " + match["a1"]
    assert_document_reproduces(tutorial)


def test_tutorial_requires_grad_makes_a_new_leaf(tutorial: ScriptResult) -> None:
    a = node_of(tutorial, "a")
    assert isinstance(a, TensorNode) and a.requires_grad and a.name == "a"
    b = node_of(tutorial, "b")
    square = tutorial.document.nodes[b.inputs[0]]
    assert (b.op, square.op, square.inputs) == ("sum", "mul", [a.id, a.id])


def test_tutorial_detach_and_data_are_labelled_leaves(tutorial: ScriptResult) -> None:
    y = node_of(tutorial, "y")
    assert isinstance(y, TensorNode) and not y.requires_grad
    assert (y.name, y.label) == ("y", "x.detach()")
    data = [n for n in tutorial.document.nodes.values() if getattr(n, "label", "") == "y.data"]
    assert data and all(isinstance(n, TensorNode) for n in data)


# -- recording -------------------------------------------------------------------------------
PRELUDE = """import torch
import torch.nn.functional as F
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
a = torch.tensor([[0.5, -1.], [2., 0.]])
b = torch.ones(2, 2)
"""

RECORDED = [
    ("r = x + 2", "add", ["x", None], {"other": 2}),
    ("r = 2 * x", "mul", ["x", None], {"other": 2}),
    ("r = 2 + x", "add", ["x", None], {"other": 2}),
    ("r = 2 - x", "rsub", ["x", None], {"other": 2}),
    ("r = 2 / x", "rdiv", ["x", None], {"other": 2}),
    ("r = 2 ** x", "pow", [None, "x"], {"self": 2}),
    ("r = x ** 2", "pow", ["x", None], {"exponent": 2}),
    ("r = x * a", "mul", ["x", "a"], {}),
    ("r = x @ a", "matmul", ["x", "a"], {}),
    ("r = -x", "neg", ["x"], {}),
    ("r = x < 2", "lt", ["x", None], {"other": 2}),
    ("r = 2 < x", "gt", ["x", None], {"other": 2}),
    ("r = x.sum(dim=1, keepdim=True)", "sum", ["x"], {"dim": 1, "keepdim": True}),
    ("r = x.sum((0, 1))", "sum", ["x"], {"dim": [0, 1]}),
    ("r = x[0, 1:]", "getitem", ["x"], {"index": [0, {"slice": [1, None, None]}]}),
    ("r = x[None, ..., ::2]", "getitem", ["x"],
     {"index": [None, "...", {"slice": [None, None, 2]}]}),
    ("r = x.view(4)", "view", ["x"], {"shape": [4]}),
    ("r = x.reshape((1, -1))", "reshape", ["x"], {"shape": [1, -1]}),
    ("r = x.permute(1, 0)", "permute", ["x"], {"dims": [1, 0]}),
    ("r = x.T", "permute", ["x"], {"dims": [1, 0]}),
    ("r = x.t()", "t", ["x"], {}),
    ("r = x.transpose(0, 1)", "transpose", ["x"], {"dim0": 0, "dim1": 1}),
    ("r = x.expand(3, 2, 2)", "expand", ["x"], {"size": [3, 2, 2]}),
    ("r = torch.cat([a, b], dim=1)", "cat", ["a", "b"], {"dim": 1}),
    ("r = torch.stack((a, b, x))", "stack", ["a", "b", "x"], {}),
    ("r = F.mse_loss(a, b)", "mse_loss", ["a", "b"], {}),
    ("r = F.mse_loss(x, b, reduction='sum')", "mse_loss", ["x", "b"], {"reduction": "sum"}),
    ("r = torch.softmax(x, dim=1)", "softmax", ["x"], {"dim": 1}),
    ("r = x.clamp(min=1.5)", "clamp", ["x"], {"min": 1.5}),
    ("r = torch.add(x, a, alpha=2)", "add", ["x", "a"], {"alpha": 2}),
    ("r = torch.pow(2, x)", "pow", [None, "x"], {"self": 2}),
    ("r = x.double()", "to", ["x"], {"dtype": "float64"}),
    ("r = x.to(torch.float64)", "to", ["x"], {"dtype": "float64"}),
    ("r = a.view(4).dot(b.view(4))", "matmul", [None, None], {}),
    ("r = x.max()", "max", ["x"], {}),
    ("r, i = x.max(dim=1)", "max", ["x"], {"dim": 1}),
    ("r = x.eq(a).all()", "all", [None], {}),
    ("r = abs(x)", "abs", ["x"], {}),
    ("r = x.exp().log().sqrt().tanh().sigmoid().relu()", "relu", [None], {}),
]


@pytest.mark.parametrize(("line", "op", "inputs", "attrs"), RECORDED,
                         ids=[r[0] for r in RECORDED])
def test_operations_are_recorded_with_their_slots_and_attributes(
        line: str, op: str, inputs: list, attrs: dict) -> None:
    result = run_script(PRELUDE + line)
    node = node_of(result, "r")
    assert isinstance(node, OpNode)
    assert (node.op, node.attrs) == (op, attrs)
    assert len(node.inputs) == len(inputs)
    for got, want in zip(node.inputs, inputs, strict=True):
        if want is not None:
            assert got == result.variables[want]
    assert_document_reproduces(result)


def test_max_with_dim_records_values_and_argmax_indices() -> None:
    result = run_script(PRELUDE + "r, i = x.max(dim=1)\nv = torch.max(a, 0).values")
    indices = node_of(result, "i")
    assert (indices.op, indices.inputs, indices.attrs) == ("argmax", ["x"], {"dim": 1})
    assert node_of(result, "v").op == "max"
    assert_document_reproduces(result)


def test_creation_rules_are_kept_as_rules() -> None:
    result = run_script("""
o = torch.ones(2, 3)
z = torch.zeros((4,), dtype=torch.float64)
f = torch.full((2, 2), 7.0)
e = torch.eye(3)
r = torch.arange(0, 5, 2)
l = torch.linspace(0, 1, 5)
n = torch.randn(3)
t = torch.tensor([[1, 2], [3, 4]])
k = torch.zeros_like(t)
""")
    rules = {name: (node_of(result, name).value.rule, node_of(result, name).dtype)
             for name in result.variables}
    assert rules == {"o": ("ones", "float32"), "z": ("zeros", "float64"),
                     "f": ("full", "float32"), "e": ("eye", "float32"),
                     "r": ("arange", "int64"), "l": ("linspace", "float32"),
                     "n": ("values", "float32"), "t": ("values", "int64"),
                     "k": ("zeros", "int64")}
    assert_document_reproduces(result)


def test_random_values_are_the_ones_the_script_printed() -> None:
    result = run_script("torch.manual_seed(3)\nn = torch.randn(2, 3)\nprint(n)")
    evaluation = result.document.evaluate()
    assert str(evaluation.tensor(result.variables["n"])) + "\n" == result.output


def test_nodes_are_named_after_variables_and_ids_stay_unique() -> None:
    result = run_script("a = torch.ones(2)\na = a * 3\na = a * 3\nb = a + a\nprint(a * 2)")
    nodes = result.document.nodes
    assert [n.id for n in nodes.values()] == ["a", "a_2", "a_3", "b", "mul"]
    assert [n.name for n in nodes.values()] == ["a", "a", "a", "b", ""]
    assert all(n.position == (0.0, 0.0) for n in nodes.values())


def test_in_place_operations_continue_the_chain() -> None:
    result = run_script("""
x = torch.ones(2, requires_grad=True)
y = x * 2
y += 1
y.mul_(3)
y /= 2
y.sub_(torch.ones(2), alpha=2)
""")
    y = node_of(result, "y")
    ops = []
    node = y
    while isinstance(node, OpNode):
        ops.append((node.op, node.attrs))
        node = result.document.nodes[node.inputs[0]]
    assert ops == [("sub", {"alpha": 2}), ("div", {"other": 2}), ("mul", {"other": 3}),
                   ("add", {"other": 1}), ("mul", {"other": 2})]
    assert y.name == "y"
    assert_document_reproduces(result)


def test_what_the_document_cannot_express_becomes_a_constant() -> None:
    result = run_script("""
w = torch.ones(2, requires_grad=True)
loss = (w * 3).sum()
loss.backward()
with torch.no_grad():
    w -= 0.5 * w.grad
    q = w * 2
g = w.grad
g.zero_()
""")
    w = node_of(result, "w")
    assert isinstance(w, TensorNode) and w.requires_grad and w.value.rule == "values"
    q = node_of(result, "q")
    assert isinstance(q, TensorNode) and not q.requires_grad and q.label == "w * 2"
    grad = [n for n in result.document.nodes.values() if getattr(n, "label", "") == "w.grad"]
    assert grad and isinstance(grad[0], TensorNode)
    assert_document_reproduces(result)


def test_views_changed_in_place_get_nodes_with_their_new_values() -> None:
    result = run_script("""
b = torch.ones(2, 2)
a = b[0]
b += 1
c = a * 2
w = torch.ones(2, requires_grad=True)
(w * w).sum().backward()
w.data.sub_(0.5 * w.grad)
v = w * 3
""")
    assert result.namespace["c"].tolist() == [4.0, 4.0]
    assert result.namespace["v"].tolist() == [0.0, 0.0]
    assert_document_reproduces(result)


def test_untranslatable_arguments_warn_and_record_a_constant() -> None:
    result = run_script("x = torch.tensor([1., 2., 4.])\nv = x.var(correction=0)")
    assert isinstance(node_of(result, "v"), TensorNode)
    assert any("x.var(correction=0)" in w for w in result.warnings)
    assert_document_reproduces(result)


def test_backward_records_its_start_and_gradient() -> None:
    result = run_script("x = torch.ones(2, 2, requires_grad=True)\nout = (x * x).mean()\n"
                        "out.backward()\nprint(x.grad)")
    assert result.backward_start == result.variables["out"]
    assert result.backward_gradient is None
    assert result.document.backward == {"start": "out", "gradient": None}
    assert result.output == "tensor([[0.5000, 0.5000],\n        [0.5000, 0.5000]])\n"
    result = run_script("x = torch.ones(3, requires_grad=True)\ny = x * 2\n"
                        "torch.autograd.backward(y, torch.tensor([1., 2., 3.]))")
    assert result.document.backward == {"start": "y", "gradient": [1.0, 2.0, 3.0]}


def test_training_loop_records_every_step() -> None:
    result = run_script("""
import torch.nn.functional as F
torch.manual_seed(0)
w = torch.randn(3, 2, requires_grad=True)
xs = torch.randn(5, 3)
ys = torch.randn(5, 2)
for step in range(3):
    loss = F.mse_loss((xs @ w).tanh(), ys)
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
print(f"{loss.item():.4f}")
""")
    losses = [n for n in result.document.nodes.values() if getattr(n, "op", "") == "mse_loss"]
    assert len(losses) == 3
    assert len(result.backward_calls) == 3
    assert_document_reproduces(result)


def test_the_recorded_document_exports_and_reruns_to_the_same_values() -> None:
    from gradviz.graph.export import export_script

    document = run_script(PRELUDE + "r = (x * a + 2).sum(dim=0)\ns = r.mean()\n"
                                    "s.backward()").document
    rerun = run_script(export_script(document))
    evaluation = rerun.document.evaluate()
    original = document.evaluate()
    for node_id in document.nodes:
        np.testing.assert_array_equal(evaluation.tensor(node_id).tolist(),
                                      original.tensor(node_id).tolist())


PYTORCH_SCRIPTS = [
    TUTORIAL.read_text().split("a = torch.randn")[0].replace("import gradviz as torch",
                                                             "import torch"),
    """import torch
x = torch.tensor([[1., -2.], [3., 0.5]], requires_grad=True)
y = (x ** 2 * 3 - 2 / x).sum(dim=0)
print(y, y.grad_fn.next_functions)
y.backward(torch.tensor([1.0, 0.5]))
print(x.grad, x.grad.shape, x.dtype, x.is_leaf, y.is_leaf)
with torch.no_grad():
    z = x * 2
print(z, z.requires_grad, x.detach().requires_grad, (x > 0).all(), x.max(dim=1))
print(torch.arange(6).view(2, 3).T, torch.linspace(0, 1, 5), torch.eye(2, dtype=torch.float64))
print(x.mean().item(), x.tolist(), x[0, 1:], x.sum(1, keepdim=True).shape)
""",
    """import torch
import torch.nn.functional as F
torch.manual_seed(0)
logits = torch.tensor([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]], requires_grad=True)
target = torch.tensor([0, 1])
loss = F.cross_entropy(logits, target)
loss.backward()
print(loss, logits.grad)
w = torch.tensor([[0.1, -0.2], [0.3, 0.4]], requires_grad=True)
out = F.mse_loss(torch.tanh(w @ w), torch.ones(2, 2))
out.backward()
print(out, w.grad, torch.softmax(w, dim=1), torch.cat([w, w], dim=1).shape)
""",
]


def run_with_pytorch(source: str) -> str:
    """The output PyTorch itself gives for ``source`` (test-side only; gradviz never imports
    torch)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(source, "<pytorch>", "exec"), {})  # noqa: S102 - trusted test source
    return buffer.getvalue()


@pytest.mark.parametrize("source", PYTORCH_SCRIPTS, ids=["tutorial", "grads", "losses"])
def test_output_matches_pytorch(source: str) -> None:
    pytest.importorskip("torch")
    ours = run_script(source).output
    theirs = run_with_pytorch(source)
    assert re.sub(ADDRESS, "0x", ours) == re.sub(ADDRESS, "0x", theirs)


# -- Python semantics --------------------------------------------------------------------------
def test_print_formats_like_python() -> None:
    result = run_script("""
a = torch.tensor([1., 2.])
print("a =", a)
print(1, 2.5, 'x', None, True, sep=', ', end='!\\n')
print([1, 'a', (2,), {'k': [3]}], (1,), ())
print(f"{3.14159:.2f} {a.sum().item():g} {a!r} {'q'!r:>5}")
print([a, a.sum()])
print(x := 3, torch.float32, a.shape, a.dtype)
""")
    assert result.output == (
        "a = tensor([1., 2.])\n"
        "1, 2.5, x, None, True!\n"
        "[1, 'a', (2,), {'k': [3]}] (1,) ()\n"
        "3.14 3 tensor([1., 2.])   'q'\n"
        "[tensor([1., 2.]), tensor(3.)]\n"
        "3 torch.float32 torch.Size([2]) torch.float32\n")


def test_control_flow() -> None:
    result = run_script("""
total = 0
for i in range(10):
    if i % 2 == 0:
        continue
    elif i > 7:
        break
    else:
        total += i
n = 0
while True:
    n += 1
    if n >= 4:
        break
else:
    n = -1
for k, (p, q) in enumerate(zip([1, 2], 'ab')):
    print(k, p, q)
for item in (1, 2):
    pass
else:
    print('done', total, n)
squares = [i * i for i in range(5) if i != 2]
pairs = {c: i for i, c in enumerate('xy')}
a, b = 1, 2
print(squares, pairs, a, b, min(3, 1, 2), max([4, 9]), sum(range(4)), sorted([3, 1]),
      len('abc'), round(2.567, 2), abs(-3), int('7') + float('0.5'), list(reversed([1, 2])),
      any([0, 1]), all([]), isinstance(3, (int, float)), 3 in [1, 3], 'a' not in 'bc',
      1 < 2 < 3, None is None, not 0, 7 // 2, 2 ** -1, 'ab' * 2)
""")
    assert result.output == (
        "0 1 a\n1 2 b\ndone 16 4\n"
        "[0, 1, 9, 16] {'x': 0, 'y': 1} 1 2 1 9 6 [1, 3] 3 2.57 3 7.5 [2, 1] True True True "
        "True True True True True 3 0.5 abab\n")


def test_tensor_rows_iterate_and_are_recorded() -> None:
    result = run_script("x = torch.tensor([[1., 2.], [3., 4.]])\ntotal = 0\n"
                        "for row in x:\n    total = total + row.sum()\nprint(total)")
    assert result.output == "tensor(10.)\n"
    rows = [n for n in result.document.nodes.values() if getattr(n, "op", "") == "getitem"]
    assert [n.attrs["index"] for n in rows] == [[0], [1]]
    assert_document_reproduces(result)


def test_grad_modes() -> None:
    result = run_script("""
x = torch.ones(2, requires_grad=True)
with torch.no_grad():
    print((x * 2).requires_grad, torch.is_grad_enabled())
    with torch.enable_grad():
        print((x * 2).requires_grad)
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
print((x * 2).requires_grad)
torch.set_grad_enabled(False)
print(torch.is_grad_enabled())
""")
    assert result.output == "False False\nTrue\nFalse\nTrue\nFalse\n"
    assert gv.is_grad_enabled()  # the script's switch does not outlive it


def test_grad_mode_is_restored_after_an_error_inside_no_grad() -> None:
    with pytest.raises(ScriptError):
        run_script("with torch.no_grad():\n    undefined")
    assert gv.is_grad_enabled()


@pytest.mark.parametrize("imports", [
    "import torch", "import gradviz", "import gradviz as torch", "import torch as t",
    "import torch.nn.functional as F", "from torch.nn import functional as F",
    "from torch import nn", "import torch.nn", "from torch import ones, tensor",
    "from gradviz.nn.functional import relu", "import torch.autograd",
])
def test_imports_of_the_core_work(imports: str) -> None:
    result = run_script(f"{imports}\nprint(torch.nn.functional.relu(gradviz.tensor([-1., 2.])))")
    assert result.output == "tensor([0., 2.])\n"


def test_tensor_state_is_readable() -> None:
    result = run_script("""
x = torch.tensor([1., 2.], requires_grad=True)
y = (x * x).sum()
y.backward()
print(x.grad, x.is_leaf, y.is_leaf, x.requires_grad, y.grad_fn.name())
print(y.grad_fn.next_functions[0][0].name(), x.shape, x.size(0), x.dim(), x.numel())
print(x.grad_fn, x.data, x.tolist(), y.item(), x.ndim, isinstance(x, torch.Tensor))
acc = y.grad_fn.next_functions[0][0].next_functions[0][0]
print(acc.name(), acc.variable is x)
""")
    assert result.output == (
        "tensor([2., 4.]) True False True SumBackward0\n"
        "MulBackward0 torch.Size([2]) 2 1 2\n"
        "None tensor([1., 2.]) [1.0, 2.0] 5.0 1 True\n"
        "torch::autograd::AccumulateGrad True\n")


def test_non_leaf_grad_warns_outside_the_output() -> None:
    result = run_script("x = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.grad)")
    assert result.output == "None\n"
    assert any(w.startswith("line 3: UserWarning: The .grad attribute of a Tensor that is not"
                            " a leaf") for w in result.warnings)


# -- errors ----------------------------------------------------------------------------------
def test_name_errors_name_the_line() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("x = torch.ones(2)\nprint(x)\nz = y + 1")
    assert str(info.value) == "line 3: name 'y' is not defined"
    assert (info.value.lineno, info.value.col, info.value.kind) == (3, 5, "NameError")
    assert info.value.output == "tensor([1., 1.])\n"


def test_core_errors_keep_pytorch_messages() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("a = torch.ones(2, 3)\n\nb = a + torch.ones(2, 2)")
    assert str(info.value) == ("line 3: The size of tensor a (3) must match the size of tensor b "
                               "(2) at non-singleton dimension 1")
    with pytest.raises(ScriptError) as info:
        run_script("x = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward()")
    assert str(info.value) == "line 3: grad can be implicitly created only for scalar outputs"
    assert info.value.document is not None and "y" in info.value.document.nodes


def test_syntax_errors_name_their_line() -> None:
    with pytest.raises(ScriptError) as info:
        run_script("x = 1\ny = (2 +\n")
    assert info.value.lineno == 2 and info.value.kind == "SyntaxError"
    with pytest.raises(ScriptError) as info:
        run_script("x = 1\n\nfor i in range(3) print(i)")
    assert info.value.lineno == 3 and "SyntaxError" in str(info.value)


@pytest.mark.parametrize(("source", "message"), [
    ("x = [1, 2]\ny = x[5]", "line 2: IndexError: list index out of range"),
    ("y = 1 / 0", "line 1: ZeroDivisionError: division by zero"),
    ("y = {'a': 1}['b']", "line 1: KeyError: 'b'"),
    ("x = torch.ones(2)\ny = x.nonexistent", "line 2: AttributeError: 'Tensor' object has no "
                                             "attribute 'nonexistent'"),
    ("a, b = [1, 2, 3]", "line 1: ValueError: too many values to unpack (expected 2)"),
    ("assert 1 == 2, 'nope'", "line 1: AssertionError: nope"),
    ("x = torch.ones(2) + 'a'", "line 1: TypeError: unsupported operand type(s) for +: 'Tensor' "
                                "and 'str'"),
    ("for i in range(3):\n    break\nbreak", "line 3: SyntaxError: 'break' outside loop"),
    ("x = torch.ones(2, 2)\nif x:\n    pass", "line 2: Boolean value of Tensor with more than "
                                                "one value is ambiguous"),
])
def test_errors_read_like_python(source: str, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        run_script(source)
    assert str(info.value) == message


def test_limits_can_be_tightened() -> None:
    with pytest.raises(ScriptError, match="more than 50 steps"):
        run_script("for i in range(100):\n    pass", limits=Limits(max_steps=50))
    with pytest.raises(ScriptError, match="more than 3 times"):
        run_script("for i in range(4):\n    pass", limits=Limits(max_loop_iterations=3))
    with pytest.raises(ScriptError, match="the limit is 100"):
        run_script("torch.ones(11, 10)", limits=Limits(max_elements=100))


# -- command line ----------------------------------------------------------------------------
def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradviz.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_run_prints_the_output(tmp_path: Path) -> None:
    script = tmp_path / "ok.py"
    script.write_text("import torch\nx = torch.ones(2, 2, requires_grad=True)\nprint(x + 2)\n")
    done = run_cli("run", str(script), cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n"


def test_cli_run_reports_errors_with_file_and_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("print('before')\n\ny = torch.ones(3) + torch.ones(2)\n")
    done = run_cli("run", "bad.py", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == "before\n"
    assert done.stderr == ("bad.py:3: The size of tensor a (3) must match the size of tensor b "
                           "(2) at non-singleton dimension 0\n")


def test_cli_run_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    done = run_cli("run", "missing.py", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "missing.py" in done.stderr


def test_cli_check_validates_files(tmp_path: Path) -> None:
    good = ROOT / "resources" / "examples" / "tutorial_basic.gvz"
    done = run_cli("check", str(good), cwd=tmp_path)
    assert done.returncode == 0 and re.fullmatch(r"OK: \d+ nodes\n", done.stdout)
    bad = tmp_path / "bad.gvz"
    bad.write_text("{not json")
    done = run_cli("check", str(bad), cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(f"{bad}: ") and "JSON" in done.stderr


def test_cli_main_is_callable_in_process(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from gradviz.cli import main

    script = tmp_path / "s.py"
    script.write_text("print(torch.tensor([1, 2]).sum())\n")
    assert main(["run", str(script)]) == 0
    assert capsys.readouterr().out == "tensor(3)\n"
