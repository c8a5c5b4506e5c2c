"""Random programs over the registry's ops, run by gradviz and by torch: the same values,
the same printed text, the same grad_fn graph and the same gradients for every leaf.

Programs are generated from fixed seeds, so a failure names a reproducible program (the
test id is the seed; ``program(seed)`` prints it).
"""

import random

import numpy as np
import pytest
from autograd_cases import describe

import gradviz as gv

torch = pytest.importorskip("torch")

LEAF_SHAPES = {"a": (2, 3), "b": (3,), "c": (2, 1), "d": (), "e": (3, 2), "f": (2, 3)}


class Program:
    """Builds ``n`` lines of code, each defining ``vK`` from earlier values, keeping track of
    shapes so that every line is valid; values stay in a tame range (no overflow)."""

    def __init__(self, seed: int, steps: int = 7) -> None:
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.shapes: dict[str, tuple] = dict(LEAF_SHAPES)
        for _ in range(steps):
            self._step()

    def _pick(self, want=None) -> str | None:
        """A value of a suitable shape, often the newest one, so that programs go deep."""
        names = [n for n, s in self.shapes.items() if want is None or want(s)]
        if not names:
            return None
        if self.lines and names[-1].startswith("v") and self.rng.random() < 0.5:
            return names[-1]
        return self.rng.choice(names)

    def _add(self, expr: str, shape: tuple) -> None:
        name = f"v{len(self.lines)}"
        self.lines.append(f"{name} = {expr}")
        self.shapes[name] = shape

    def _step(self) -> None:
        kind = self.rng.choice(["unary", "unary", "binary", "binary", "scalar", "reduce",
                                "shape", "matmul", "nn"])
        getattr(self, f"_{kind}")()

    def _unary(self) -> None:
        x = self._pick()
        op = self.rng.choice([
            "-{x}", "{x}.abs()", "{x}.sin()", "{x}.cos()", "{x}.tanh()", "{x}.sigmoid()",
            "{x}.relu()", "{x}.tanh().exp()", "({x}.abs() + 0.5).log()",
            "({x}.sigmoid() + 0.1).sqrt()", "(1 + {x}.sigmoid()).reciprocal()",
            "{x}.clamp(-0.5, 0.5)", "T.sigmoid({x})", "{x}.clone()", "{x}.neg()",
            "abs({x})", "T.tanh({x})"])
        self._add(op.format(x=x), self.shapes[x])

    def _broadcast(self, s, t):
        try:
            return tuple(np.broadcast_shapes(s, t))
        except ValueError:
            return None

    def _binary(self) -> None:
        x = self._pick()
        y = self._pick(lambda s: self._broadcast(self.shapes[x], s) is not None)
        op = self.rng.choice([
            "{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / (1.5 + {y}.tanh())",
            "T.maximum({x}, {y})", "T.minimum({x}, {y})", "({x}.sigmoid() + 0.5) ** {y}",
            "{x}.add({y}, alpha=0.5)", "T.sub({x}, {y})", "T.mul({x}, {y})",
            "{x}.div(2 + {y}.abs())"])
        self._add(op.format(x=x, y=y), self._broadcast(self.shapes[x], self.shapes[y]))

    def _scalar(self) -> None:
        x = self._pick()
        op = self.rng.choice(["2 * {x}", "{x} * 0.5", "{x} + 1", "1.5 - {x}", "{x} - 2",
                              "2 / (1 + {x}.sigmoid())", "{x} ** 2", "{x} / 3",
                              "2 ** {x}.tanh()", "({x}.abs() + 1) ** 0.5", "-1 * {x}"])
        self._add(op.format(x=x), self.shapes[x])

    def _reduce(self) -> None:
        x = self._pick()
        shape = self.shapes[x]
        if not shape or self.rng.random() < 0.3:
            op = self.rng.choice(["{x}.sum()", "{x}.mean()", "{x}.max()", "{x}.min()",
                                  "{x}.norm()", "T.sum({x})"])
            self._add(op.format(x=x), ())
            return
        dim = self.rng.randrange(-len(shape), len(shape))
        keep = self.rng.random() < 0.4
        axis = dim % len(shape)
        reduced = tuple(1 if i == axis else s for i, s in enumerate(shape)) if keep \
            else tuple(s for i, s in enumerate(shape) if i != axis)
        op = self.rng.choice(["{x}.sum({d}, keepdim={k})", "{x}.mean({d}, keepdim={k})",
                              "{x}.max({d}, keepdim={k})[0]", "{x}.min({d}, keepdim={k}).values",
                              "{x}.norm(dim={d}, keepdim={k})",
                              "{x}.sum(dim=({d},), keepdim={k})"])
        if shape[axis] > 1 and self.rng.random() < 0.3:
            op = "{x}.var({d}, keepdim={k})"
        self._add(op.format(x=x, d=dim, k=keep), reduced)

    def _shape(self) -> None:
        x = self._pick()
        shape = self.shapes[x]
        n = int(np.prod(shape, dtype=int))
        options = [("{x}.reshape(-1)", (n,)), ("{x}.unsqueeze(0)", (1, *shape)),
                   ("{x}[None]", (1, *shape)), ("{x}.flatten()", (n,) if shape else (1,))]
        if len(shape) == 2:
            options += [("{x}.t()", shape[::-1]), ("{x}.T", shape[::-1]),
                        ("{x}.transpose(0, 1)", shape[::-1]), ("{x}.permute(1, 0)", shape[::-1]),
                        ("{x}[0]", shape[1:]), ("{x}[:, -1]", shape[:1]),
                        ("{x}[..., :1]", (shape[0], 1)), ("{x}.T.reshape(-1)", (n,)),
                        ("T.cat([{x}, {x} * 2], dim=0)", (2 * shape[0], shape[1])),
                        ("T.stack([{x}, {x}.sin()], dim=-1)", (*shape, 2))]
            if 1 in shape:
                options.append(("{x}.squeeze()", tuple(s for s in shape if s != 1)))
        if len(shape) == 1:
            options += [("{x}.expand(2, -1)", (2, *shape)), ("{x}[1:]", (shape[0] - 1,)),
                        ("{x}.unsqueeze(-1)", (*shape, 1)), ("{x}[::2]", ((shape[0] + 1) // 2,))]
        if not shape:
            options.append(("{x}.expand(3)", (3,)))
        op, result = self.rng.choice(options)
        self._add(op.format(x=x), result)

    def _matmul(self) -> None:
        x = self._pick(lambda s: len(s) in (1, 2))
        k = self.shapes[x][-1]
        y = self._pick(lambda s: len(s) in (1, 2) and (s[0] == k))
        if y is None:
            self._unary()
            return
        out = self.shapes[x][:-1] + self.shapes[y][1:]
        self._add(f"{x} @ {y}", out)

    def _nn(self) -> None:
        x = self._pick(lambda s: len(s) == 2)
        dim = self.rng.choice([0, 1, -1])
        op = self.rng.choice(["{x}.softmax({d})", "{x}.log_softmax({d})",
                              "F.softmax({x}, dim={d})"])
        if self.rng.random() < 0.3:
            op = "F.mse_loss({x}, {x}.tanh())"
            self._add(op.format(x=x), ())
            return
        self._add(op.format(x=x, d=dim), self.shapes[x])

    def source(self) -> str:
        return "\n".join(self.lines)

    def result(self) -> str:
        return f"v{len(self.lines) - 1}"


def _run(lib, program: Program, dtype_name: str, seed: int):
    rng = np.random.default_rng(seed)
    dtype = getattr(lib, dtype_name)
    env = {name: lib.tensor(rng.uniform(-1.5, 1.5, shape), dtype=dtype, requires_grad=True)
           for name, shape in LEAF_SHAPES.items()}
    env.update(T=lib, F=lib.nn.functional)
    exec(program.source(), env)
    out = env[program.result()]
    upstream = rng.uniform(-1, 1, tuple(out.shape))
    out.backward(lib.tensor(upstream, dtype=dtype))
    return env, out


def _values(env) -> list[str]:
    return [repr(v) for k, v in env.items() if k.startswith("v")]


def program(seed: int) -> str:
    return Program(seed).source()


def _assert_same_leaf_grads(ours, theirs, prog, dtype, *, rtol: float, atol: float) -> None:
    """Every leaf has a .grad exactly when torch's has one, of ``dtype`` and close to it."""
    for name in LEAF_SHAPES:
        mine, want = ours[name].grad, theirs[name].grad
        assert (mine is None) == (want is None), (name, prog.source())
        if want is not None:
            assert mine.dtype is dtype
            np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=rtol, atol=atol,
                                       err_msg=f"{name}\n{prog.source()}")


@pytest.mark.parametrize("seed", range(60))
def test_random_program_float64(seed):
    prog = Program(seed)
    ours, out = _run(gv, prog, "float64", seed)
    theirs, ref = _run(torch, prog, "float64", seed)
    assert describe(out.grad_fn) == describe(ref.grad_fn), prog.source()
    assert _values(ours) == _values(theirs), prog.source()  # every line prints the same
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12,
                               atol=1e-14, err_msg=prog.source())
    _assert_same_leaf_grads(ours, theirs, prog, gv.float64, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(100, 125))
def test_random_program_float32(seed):
    prog = Program(seed)
    ours, out = _run(gv, prog, "float32", seed)
    theirs, ref = _run(torch, prog, "float32", seed)
    assert describe(out.grad_fn) == describe(ref.grad_fn), prog.source()
    assert repr(out.dtype) == repr(ref.dtype) == "torch.float32"
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-4,
                               atol=1e-5, err_msg=prog.source())
    _assert_same_leaf_grads(ours, theirs, prog, gv.float32, rtol=1e-3, atol=1e-4)


def _hook_order(lib, prog: Program, seed: int) -> list[str]:
    """The order in which torch (or gradviz) delivers gradients to each named tensor."""
    rng = np.random.default_rng(seed)
    env = {name: lib.tensor(rng.uniform(-1.5, 1.5, shape), dtype=lib.float64,
                            requires_grad=True) for name, shape in LEAF_SHAPES.items()}
    env.update(T=lib, F=lib.nn.functional)
    exec(prog.source(), env)
    fired: list[str] = []
    for name, value in list(env.items()):
        if isinstance(value, lib.Tensor) and value.requires_grad:
            value.register_hook(lambda g, name=name: fired.append(name))
    out = env[prog.result()]
    out.sum().backward()
    return fired


@pytest.mark.parametrize("seed", range(200, 240))
def test_random_program_runs_nodes_in_torch_order(seed):
    prog = Program(seed, steps=9)
    assert _hook_order(gv, prog, seed) == _hook_order(torch, prog, seed), prog.source()


def test_programs_use_many_ops():
    text = "\n".join(program(seed) for seed in range(200))
    for needle in (" @ ", ".softmax(", ".max(", ".norm(", ".reshape(", "T.cat(", "[", "**",
                   ".var(", "T.maximum(", ".sum("):
        assert needle in text, needle


@pytest.mark.parametrize("values", [
    [[1.0, 2.0], [3.0, 4.0]], [0.1, 1e-5, 123456.0], [1e10, -1e-10], [float("nan"), 1.0],
    [float("inf"), -float("inf"), 0.0], [-0.0, 0.0], [[1, 2], [3, 4]], [True, False], 3.25,
    [[0.5] * 12] * 5, list(range(1200)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", None])
def test_created_tensor_prints_like_torch(values, dtype):
    ours = gv.tensor(values, dtype=getattr(gv, dtype) if dtype else None)
    ref = torch.tensor(values, dtype=getattr(torch, dtype) if dtype else None)
    assert repr(ours) == repr(ref)
    if ours.dtype.is_floating_point:
        assert repr(ours * 3 - 1) == repr(ref * 3 - 1)
        leaf, ref_leaf = ours.clone().requires_grad_(), ref.clone().requires_grad_()
        assert repr(leaf) == repr(ref_leaf)
        assert repr(leaf.exp() / 7) == repr(ref_leaf.exp() / 7)
