"""The PyTorch autograd tutorial, cell by cell, with ``import gradviz as torch``.

Printed outputs quoted in SPEC section 2 must appear exactly. Cells that draw random numbers
run on fixed values instead (chosen so that they print what the tutorial notes show) and
assert what they compute. The tutorial script in ``resources/examples`` is also run as a
program and its deterministic lines are checked verbatim.
"""

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradviz as torch

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "resources" / "examples" / "autograd_tutorial.py"
ADDRESS = r"0x[0-9a-f]+"


def printed(cell, **env):
    """What ``cell`` (source code) prints, run with ``torch`` bound to gradviz; returns the
    output and the cell's variables."""
    names = {"torch": torch, **env}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell, names)
    return out.getvalue(), names


@pytest.fixture
def cell2():
    return printed("x = torch.ones(2, 2, requires_grad=True)\nprint(x)")


def test_cell_2_creates_a_leaf_that_requires_grad(cell2):
    text, env = cell2
    assert text == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n"
    assert env["x"].is_leaf and env["x"].grad_fn is None


def test_cell_3_add_records_add_backward(cell2):
    text, env = printed("y = x + 2\nprint(y)\nprint(y.grad_fn)", x=cell2[1]["x"])
    lines = text.splitlines()
    assert lines[:2] == ["tensor([[3., 3.],", "        [3., 3.]], grad_fn=<AddBackward0>)"]
    assert re.fullmatch(rf"<AddBackward0 object at {ADDRESS}>", lines[2])
    assert len(lines) == 3


def test_cell_4_mul_and_mean(cell2):
    x = cell2[1]["x"]
    text, env = printed("y = x + 2\nz = y * y * 3\nout = z.mean()\nprint(z, '\\n', out)", x=x)
    assert text == ("tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) \n"
                    " tensor(27., grad_fn=<MeanBackward0>)\n")
    assert env["out"].grad_fn.next_functions[0][0] is env["z"].grad_fn


def test_cell_5_requires_grad_in_place_on_fixed_values():
    cell = ("a = torch.tensor([[0.5, -1.0], [2.0, 0.25]])  # torch.randn(2, 2) in the tutorial\n"
            "a = ((a * 3) / (a - 1))\n"
            "print(\"a =\", a)\n"
            "print(a.requires_grad, '\\n')\n"
            "a.requires_grad_(True)\n"
            "print(\"a =\", a)\n"
            "print(a.requires_grad, '\\n')\n"
            "b = (a * a).sum()\n"
            "print(b.grad_fn)\n")
    text, env = printed(cell)
    expected = ("a = tensor([[-3.0000,  1.5000],\n        [ 6.0000, -1.0000]])\n"
                "False \n\n"
                "a = tensor([[-3.0000,  1.5000],\n        [ 6.0000, -1.0000]], "
                "requires_grad=True)\n"
                "True \n\n")
    assert text.startswith(expected)
    assert re.fullmatch(rf"<SumBackward0 object at {ADDRESS}>\n", text[len(expected):])
    assert env["b"].item() == 9 + 2.25 + 36 + 1


def test_cells_6_7_backward_gives_four_and_a_half():
    text, env = printed("x = torch.ones(2, 2, requires_grad=True)\n"
                        "out = ((x + 2) * (x + 2) * 3).mean()\n"
                        "out.backward()\n"
                        "print(x.grad)")
    assert text == "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n"


# The tutorial's x = torch.randn(3): chosen so that y prints as in the tutorial notes.
NOTES_X = np.array([434.0550, 120.0645, -1788.3779], dtype=np.float32) / np.float32(4096)

CELL_8_9 = """
y = x * 2
doublings = 1
while y.data.norm() < 1000:
    y = y * 2
    doublings += 1

print("NORM : ", y.data.norm())
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)

print(x.grad)
"""


def test_cells_8_9_vector_jacobian_product_prints_as_the_spec():
    x = torch.tensor(NOTES_X, requires_grad=True)
    text, env = printed(CELL_8_9, x=x)
    assert text == ("NORM :  tensor(1844.2112)\n"
                    "tensor([  434.0550,   120.0645, -1788.3779], grad_fn=<MulBackward0>)\n"
                    "tensor([4.0960e+02, 4.0960e+03, 4.0960e-01])\n")
    assert env["doublings"] == 12


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_cells_8_9_gradient_is_two_to_the_doublings_times_v(seed):
    torch.manual_seed(seed)
    x = torch.randn(3, requires_grad=True)
    _, env = printed(CELL_8_9, x=x)
    k, v = env["doublings"], env["v"]
    assert (x.grad == 2 ** k * v).all().item()
    assert torch.equal(x.grad, v * 2 ** k)
    assert (env["y"].detach() == x.detach() * 2 ** k).all()


def test_cell_10_no_grad_stops_tracking():
    x = torch.tensor(NOTES_X, requires_grad=True)
    text, _ = printed("print(x.requires_grad)\nprint((x ** 2).requires_grad)\n\n"
                      "with torch.no_grad():\n    print((x ** 2).requires_grad)", x=x)
    assert text == "True\nTrue\nFalse\n"


def test_cell_11_detach_has_equal_values():
    x = torch.tensor(NOTES_X, requires_grad=True)
    text, env = printed("print(x.requires_grad)\ny = x.detach()\nprint(y.requires_grad)\n"
                        "print(x.eq(y).all())", x=x)
    assert text == "True\nFalse\ntensor(True)\n"


# -- the tutorial script as a program -----------------------------------------------------
def _run(script_text: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", script_text], capture_output=True,
                            text=True, cwd=ROOT, timeout=60,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


# A printed element of a random tensor: fixed (`-0.1234`) or scientific (`1.0054e+01`)
# notation, whichever PyTorch's formatter picks for the values drawn.
NUMBER = r"-?\d+\.\d{4}(?:e[+-]\d\d)?"

# The lines that do not depend on random numbers; a pattern marks a random line.
SCRIPT_LINES = [
    "tensor([[1., 1.],",
    "        [1., 1.]], requires_grad=True)",
    "tensor([[3., 3.],",
    "        [3., 3.]], grad_fn=<AddBackward0>)",
    re.compile(rf"<AddBackward0 object at {ADDRESS}>"),
    "tensor([[27., 27.],",
    "        [27., 27.]], grad_fn=<MulBackward0>) ",
    " tensor(27., grad_fn=<MeanBackward0>)",
    re.compile(rf"a = tensor\(\[\[ *{NUMBER}, +{NUMBER}\],"),
    re.compile(rf"        \[ *{NUMBER}, +{NUMBER}\]\]\)"),
    "False ",
    "",
    re.compile(rf"a = tensor\(\[\[ *{NUMBER}, +{NUMBER}\],"),
    re.compile(rf"        \[ *{NUMBER}, +{NUMBER}\]\], requires_grad=True\)"),
    "True ",
    "",
    re.compile(rf"<SumBackward0 object at {ADDRESS}>"),
    "tensor([[4.5000, 4.5000],",
    "        [4.5000, 4.5000]])",
    re.compile(r"NORM :  tensor\(1\d{3}\.\d{4}\)"),
    re.compile(r"tensor\(\[.*\], grad_fn=<MulBackward0>\)"),
    re.compile(r"tensor\(\[\d\.\d{4}e[+-]\d\d, \d\.\d{4}e[+-]\d\d, \d\.\d{4}e[+-]\d\d\]\)"),
    "True",
    "True",
    "False",
    "True",
    "False",
    "tensor(True)",
]


def _check(lines: list[str]) -> None:
    assert len(lines) == len(SCRIPT_LINES), "\n".join(lines)
    for got, want in zip(lines, SCRIPT_LINES, strict=True):
        if isinstance(want, str):
            assert got == want
        else:
            assert want.fullmatch(got), got


def test_tutorial_script_prints_what_the_tutorial_prints():
    _check(_run(SCRIPT.read_text()))


def test_tutorial_script_prints_like_torch():
    pytest.importorskip("torch")
    source = SCRIPT.read_text()
    assert "import gradviz as torch" in source
    _check(_run(source.replace("import gradviz as torch", "import torch")))


# Fixed draws for the script's two random tensors: one that prints in fixed notation, one
# whose a / (a - 1) lands near a pole (scientific notation), and an x so small that the
# doubling loop runs long.
FIXED_DRAWS = [
    ("[[0.3, -1.2], [2.5, -0.7]]", "[0.5, -1.0, 0.25]"),
    ("[[0.9947, 1.2], [-0.3, 0.05]]", "[1e-3, 2e-3, -1e-3]"),
    ("[[1.0001, -3.0], [7.0, 0.999]]", "[-0.8, 0.1, 0.3]"),
]


@pytest.mark.parametrize(("a_values", "x_values"), FIXED_DRAWS)
def test_tutorial_script_on_fixed_draws_prints_exactly_what_torch_prints(a_values, x_values):
    pytest.importorskip("torch")
    source = (SCRIPT.read_text()
              .replace("torch.randn(2, 2)", f"torch.tensor({a_values})")
              .replace("torch.randn(3, requires_grad=True)",
                       f"torch.tensor({x_values}, requires_grad=True)"))
    ours = _run(source)
    theirs = _run(source.replace("import gradviz as torch", "import torch"))
    mask = re.compile(ADDRESS)
    assert [mask.sub("0x", line) for line in ours] == [mask.sub("0x", line) for line in theirs]
    _check(ours)
