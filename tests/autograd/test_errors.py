"""Errors carry PyTorch's exception types and messages, word for word (SPEC section 2).

Each case is a snippet run with ``T`` bound to gradviz (or torch, in the comparison test),
``F`` to its ``nn.functional``, ``L(*shape)`` making ones that require grad and ``N(*shape)``
ones that do not. The expected texts were printed by torch 2.13 for the same snippets.
"""

import warnings

import pytest

import gradviz as gv

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
        "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def modified(what: str, version: int, expected: int = 0) -> str:
    return ("one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what} is at version {version}; expected version {expected} "
            f"instead. {HINT}")


CASES = [
    # -- backward --------------------------------------------------------------------------
    ("non-scalar-backward", "(L(2, 2) * 2).backward()", RuntimeError,
     "grad can be implicitly created only for scalar outputs"),
    ("no-grad-backward", "N(2).sum().backward()", RuntimeError,
     "element 0 of tensors does not require grad and does not have a grad_fn"),
    ("no-grad-second-root", "T.autograd.backward([L(1).sum(), N(2).sum()])", RuntimeError,
     "element 1 of tensors does not require grad and does not have a grad_fn"),
    ("second-backward", "y = (L(2) * L(2)).sum(); y.backward(); y.backward()", RuntimeError,
     FREED),
    ("second-backward-scalar-mul", "y = (L(2) * 2).sum(); y.backward(); y.backward()",
     RuntimeError, FREED),
    ("second-backward-exp", "y = L(2).exp().sum(); y.backward(); y.backward()", RuntimeError,
     FREED),
    ("saved-after-backward", "y = L(2) * L(2); y.sum().backward(); y.grad_fn._saved_self",
     RuntimeError, FREED),
    ("shape-mismatch", "(L(2, 2) * 2).backward(T.ones(3))", RuntimeError,
     "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a "
     "shape of torch.Size([2, 2])."),
    ("fewer-gradients", "T.autograd.backward([L(1).sum(), L(1).sum()], [T.ones(())])",
     RuntimeError, "got 2 tensors and 1 gradients"),
    ("grad-unused", "T.autograd.grad((L(2) * 2).sum(), [L(2)])", RuntimeError,
     "The differentiated Tensor at index 0 appears to not have been used in the graph. Set "
     "allow_unused=True if this is the desired behavior."),
    ("grad-no-requires-grad", "T.autograd.grad((L(2) * 2).sum(), [N(2)])", RuntimeError,
     "One of the differentiated Tensors does not require grad"),
    # -- requires_grad ---------------------------------------------------------------------
    ("int-requires-grad-method", "T.tensor([1, 2]).requires_grad_()", RuntimeError,
     "only Tensors of floating point dtype can require gradients"),
    ("bool-requires-grad-method", "T.tensor([True]).requires_grad_()", RuntimeError,
     "only Tensors of floating point dtype can require gradients"),
    ("int-requires-grad-attribute", "x = T.tensor([1, 2]); x.requires_grad = True",
     RuntimeError, "only Tensors of floating point and complex dtype can require gradients"),
    ("int-requires-grad-factory", "T.ones(2, dtype=T.int64, requires_grad=True)", RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    ("int-requires-grad-tensor", "T.tensor([1, 2], requires_grad=True)", RuntimeError,
     "Only Tensors of floating point and complex dtype can require gradients"),
    ("non-leaf-requires-grad-false", "(L(2) * 2).requires_grad_(False)", RuntimeError,
     "you can only change requires_grad flags of leaf variables. If you want to use a computed "
     "variable in a subgraph that doesn't require differentiation use var_no_grad = "
     "var.detach()."),
    ("retain-grad-no-requires-grad", "N(2).retain_grad()", RuntimeError,
     "can't retain_grad on Tensor that has requires_grad=False"),
    ("hook-no-requires-grad", "N(2).register_hook(lambda g: g)", RuntimeError,
     "cannot register a hook on a tensor that doesn't require gradient"),
    ("numpy-requires-grad", "L(2).numpy()", RuntimeError,
     "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."),
    ("assign-grad-size", "L(2).grad = T.ones(3)", RuntimeError,
     "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure "
     "that the gradient and the tensor are the same size"),
    # -- in-place --------------------------------------------------------------------------
    ("leaf-add_", "L(2).add_(1)", RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    ("leaf-mul_", "L(2).mul_(2)", RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    ("leaf-zero_", "L(2).zero_()", RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    ("leaf-iadd", "x = L(2); x += 1", RuntimeError,
     "a leaf Variable that requires grad is being used in an in-place operation."),
    ("leaf-setitem", "x = L(3); x[0] = 1.0", RuntimeError,
     "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    ("leaf-view-add_", "x = L(3); x[0:2].add_(1)", RuntimeError,
     "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    ("modified-output-of-add", "x = L(2, 2); y = x + 1; z = y * y; y.add_(1); z.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [2, 2]], which is output 0 of Add,", 1)),
    ("modified-saved-result", "y = L(3).exp(); y.mul_(2); y.sum().backward()", RuntimeError,
     modified("[torch.FloatTensor [3]], which is output 0 of Exp,", 1)),
    ("modified-plain-tensor", "w = N(3); y = L(3) * w; w.add_(1); y.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [3]]", 1)),
    ("modified-sigmoid-zero_", "y = L(2, 3).sigmoid(); z = y.sum(); y.zero_(); z.backward()",
     RuntimeError, modified("[torch.FloatTensor [2, 3]], which is output 0 of Sigmoid,", 1)),
    ("modified-double", "y = L(3, dtype=T.float64) * 2; z = y.pow(2); y.mul_(3); "
     "z.sum().backward()", RuntimeError,
     modified("[torch.DoubleTensor [3]], which is output 0 of Mul,", 1)),
    ("modified-twice", "y = L(3).exp(); z = y * 1; y.add_(1); y.add_(1); y.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [3]], which is output 0 of Exp,", 2)),
    ("modified-leaf-under-no-grad",
     "x = L(2, 2); w = L(2, 2); y = x @ w\nwith T.no_grad(): w.add_(1)\ny.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [2, 2]]", 1)),
    ("modified-names-current-grad-fn", "y = L(3).relu(); z = y.sin(); y.mul_(2); "
     "z.sum().backward()", RuntimeError,
     modified("[torch.FloatTensor [3]], which is output 0 of Mul,", 1)),
    ("modified-inplace-result", "y = L(3) * 2; y.exp_(); y.add_(1); y.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [3]], which is output 0 of Exp,", 2, 1)),
    ("modified-chained-inplace", "y = L(3) * 2; y.sigmoid_(); y.tanh_(); y.sum().backward()",
     RuntimeError, modified("[torch.FloatTensor [3]], which is output 0 of Sigmoid,", 2, 1)),
    ("modified-both-operands", "a = L(3) * 2; a.mul_(a); a.sum().backward()", RuntimeError,
     modified("[torch.FloatTensor [3]], which is output 0 of Mul,", 1)),
    ("modified-max-values", "v, i = L(3).max(0); z = v.sin(); v.add_(1); z.backward()",
     RuntimeError, modified("[torch.FloatTensor []], which is output 0 of Add,", 1)),
    ("modified-through-detach", "y = L(3).exp(); z = y.sin(); y.detach().add_(1); "
     "z.sum().backward()", RuntimeError,
     modified("[torch.FloatTensor [3]], which is output 0 of Exp,", 1)),
    ("inplace-int-from-float", "T.tensor([1, 2]).add_(1.5)", RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    ("inplace-broadcast-shape", "N(3).add_(N(2, 3))", RuntimeError,
     "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    ("inplace-expanded", "N(3).expand(2, 3).add_(1)", RuntimeError,
     "unsupported operation: more than one element of the written-to tensor refers to a "
     "single memory location. Please clone() the tensor before performing the operation."),
    # -- broadcasting and arithmetic -------------------------------------------------------
    ("broadcast", "N(2, 3) + N(2, 2)", RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
     "dimension 1"),
    ("broadcast-1d", "N(3) * N(2)", RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
     "dimension 0"),
    ("broadcast-3d", "N(2, 3, 4) - N(3, 3, 4)", RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
     "dimension 0"),
    ("broadcast-mse", "F.mse_loss(N(3), N(2))", RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
     "dimension 0"),
    ("neg-bool", "-T.tensor([True])", RuntimeError,
     "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
     "invert a mask, use the `~` or `logical_not()` operator instead."),
    ("sub-bool", "T.tensor([True]) - T.tensor([True])", RuntimeError,
     "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
     "`logical_xor()` operator instead."),
    ("int-negative-power", "T.tensor([2]) ** -1", RuntimeError,
     "Integers to negative integer powers are not allowed."),
    ("invert-float", "~N(2)", TypeError,
     "~ (operator.invert) is only implemented on integer and Boolean-type tensors"),
    ("maximum-number", "T.maximum(N(2), 1.0)", TypeError,
     "maximum(): argument 'other' (position 2) must be Tensor, not float"),
    # -- matmul ----------------------------------------------------------------------------
    ("mm-shapes", "N(2, 3) @ N(2, 3)", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    ("mm-function", "T.mm(N(2, 3), N(2, 3))", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    ("mm-vector", "T.mm(N(3), N(3, 2))", RuntimeError, "self must be a matrix"),
    ("mv-shapes", "N(2, 3) @ N(2)", RuntimeError,
     "size mismatch, got input (2), mat (2x3), vec (2)"),
    ("dot-shapes", "N(3) @ N(2)", RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [2] to have the same number of "
     "elements, but got 3 and 2 elements respectively"),
    ("vector-matrix-shapes", "N(3) @ N(2, 4)", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x4)"),
    ("bmm-shapes", "N(2, 2, 3) @ N(2, 4, 4)", RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."),
    ("batch-broadcast", "N(2, 2, 3) @ N(3, 3, 4)", RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
     "dimension 0"),
    ("folded-matrix-shapes", "N(2, 2, 3) @ N(4, 4)", RuntimeError,
     "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x4)"),
    ("folded-vector-shapes", "N(2, 2, 3) @ N(4)", RuntimeError,
     "size mismatch, got input (4), mat (4x3), vec (4)"),
    ("matmul-0d", "N(()) @ N(2)", RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    ("matmul-dtypes", "N(2, 2) @ N(2, 2, dtype=T.float64)", RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    # -- shapes ----------------------------------------------------------------------------
    ("reshape-size", "N(2, 3).reshape(4, 2)", RuntimeError,
     "shape '[4, 2]' is invalid for input of size 6"),
    ("reshape-infer", "N(2, 3).reshape(-1, 4)", RuntimeError,
     "shape '[-1, 4]' is invalid for input of size 6"),
    ("reshape-two-inferred", "N(2, 3).reshape(-1, -1)", RuntimeError,
     "only one dimension can be inferred"),
    ("view-size", "N(2, 3).view(5)", RuntimeError, "shape '[5]' is invalid for input of size 6"),
    ("view-non-contiguous", "N(2, 3).t().view(6)", RuntimeError,
     "view size is not compatible with input tensor's size and stride (at least one dimension "
     "spans across two contiguous subspaces). Use .reshape(...) instead."),
    ("expand-size", "N(2, 3).expand(3, 3)", RuntimeError,
     "The expanded size of the tensor (3) must match the existing size (2) at non-singleton "
     "dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]"),
    ("expand-fewer", "N(2, 3).expand(3)", RuntimeError,
     "expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be "
     "greater or equal to the number of dimensions in the tensor (2)"),
    ("expand-leading-minus-one", "N(3).expand(-1, 3)", RuntimeError,
     "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
     "dimension 0"),
    ("permute-length", "N(2, 3).permute(0)", RuntimeError,
     "permute(sparse_coo): number of dimensions in the tensor input does not match the length "
     "of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = "
     "1"),
    ("permute-duplicate", "N(2, 3).permute(0, 0)", RuntimeError,
     "permute(): duplicate dims are not allowed."),
    ("t-3d", "N(2, 3, 4).t()", RuntimeError,
     "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    ("flatten-order", "N(2, 3, 4).flatten(2, 1)", RuntimeError,
     "flatten() has invalid args: start_dim cannot come after end_dim"),
    ("cat-sizes", "T.cat([N(2, 3), N(2, 2)])", RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
     "tensor number 1 in the list."),
    ("cat-ndim", "T.cat([N(2, 3), N(3)])", RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    ("cat-empty", "T.cat([])", ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    ("stack-sizes", "T.stack([N(2, 3), N(2, 2)])", RuntimeError,
     "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 2] at "
     "entry 1"),
    ("stack-empty", "T.stack([])", RuntimeError, "stack expects a non-empty TensorList"),
    # -- indexing --------------------------------------------------------------------------
    ("index-out-of-range", "N(2, 3)[2]", IndexError,
     "index 2 is out of bounds for dimension 0 with size 2"),
    ("index-negative-out-of-range", "N(2, 3)[-3]", IndexError,
     "index -3 is out of bounds for dimension 0 with size 2"),
    ("index-second-dim", "N(2, 3)[0, 3]", IndexError,
     "index 3 is out of bounds for dimension 1 with size 3"),
    ("index-after-none", "N(2, 3)[:, None, 5]", IndexError,
     "index 5 is out of bounds for dimension 2 with size 3"),
    ("index-after-ellipsis", "N(2, 3)[..., 5]", IndexError,
     "index 5 is out of bounds for dimension 1 with size 3"),
    ("too-many-indices", "N(2, 3)[0, 0, 0]", IndexError,
     "too many indices for tensor of dimension 2"),
    ("index-0d", "N(())[0]", IndexError,
     "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
     "C++ to convert a 0-dim tensor to a number"),
    ("slice-0d", "N(())[:]", IndexError, "slice() cannot be applied to a 0-dim tensor."),
    ("index-float", "N(3)[1.0]", IndexError,
     "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
     "valid indices (got float)"),
    ("index-float-tensor", "N(3)[T.tensor(1.0)]", IndexError,
     "tensors used as indices must be long, int, byte or bool tensors"),
    ("index-string", "N(3)['a']", TypeError, "new(): invalid data type 'str'"),
    ("slice-step-zero", "N(3)[::0]", ValueError, "slice step cannot be zero"),
    ("slice-step-negative", "N(3)[::-1]", ValueError, "step must be greater than zero"),
    # -- dims ------------------------------------------------------------------------------
    ("dim-sum", "N(2, 3).sum(2)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim-sum-negative", "N(2, 3).sum(-3)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    ("dim-softmax", "N(2, 3).softmax(5)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    ("dim-unsqueeze", "N(2, 3).unsqueeze(3)", IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    ("dim-unsqueeze-negative", "N(2, 3).unsqueeze(-4)", IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got -4)"),
    ("dim-transpose", "N(2, 3).transpose(0, 2)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim-max", "N(2, 3).max(2)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim-0d", "N(()).sum(1)", IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("dim-cat", "T.cat([N(2), N(2)], 1)", IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    ("dim-stack", "T.stack([N(2), N(2)], 2)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim-squeeze", "N(2, 3).squeeze(2)", IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("dim-repeated", "N(2, 3).sum((0, 0))", RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    # -- reductions and conversions --------------------------------------------------------
    ("mean-int", "T.tensor([1, 2]).mean()", RuntimeError,
     "mean(): could not infer output dtype. Input dtype must be either a floating point or "
     "complex dtype. Got: Long"),
    ("norm-int", "T.tensor([1, 2]).norm()", RuntimeError,
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("var-int", "T.tensor([1, 2]).var()", RuntimeError,
     "std and var only support floating point and complex dtypes"),
    ("max-empty", "T.ones(0).max()", RuntimeError,
     "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
     "reduction dim with the 'dim' argument."),
    ("max-empty-dim", "T.ones(2, 0).max(1)", IndexError,
     "max(): Expected reduction dim 1 to have non-zero size."),
    ("clamp-nothing", "N(2).clamp()", RuntimeError,
     "torch.clamp: At least one of 'min' or 'max' must not be None"),
    ("item-many", "N(2).item()", RuntimeError,
     "a Tensor with 2 elements cannot be converted to Scalar"),
    ("bool-many", "bool(N(2))", RuntimeError,
     "Boolean value of Tensor with more than one value is ambiguous"),
    ("nll-float-target", "F.nll_loss(N(2, 3), T.tensor([0., 1.]))", RuntimeError,
     "expected target dtype to be Long or Byte, but got Float"),
    ("nll-target-range", "F.cross_entropy(N(2, 3), T.tensor([0, 3]))", IndexError,
     "Target 3 is out of bounds."),
    ("nll-batch", "F.cross_entropy(N(2, 3), T.tensor([0, 1, 2]))", ValueError,
     "Expected input batch_size (2) to match target batch_size (3)."),
    # -- creation --------------------------------------------------------------------------
    ("ragged", "T.tensor([[1, 2], [3]])", ValueError,
     "expected sequence of length 2 at dim 1 (got 1)"),
    ("ragged-deep", "T.tensor([[[1, 2]], [[1]]])", ValueError,
     "expected sequence of length 2 at dim 2 (got 1)"),
    ("not-a-sequence", "T.tensor([[1, 2], 3])", TypeError, "not a sequence"),
    ("strings", "T.tensor(['a'])", ValueError, "too many dimensions 'str'"),
    ("string", "T.tensor('a')", TypeError, "new(): invalid data type 'str'"),
    ("none", "T.tensor([None])", RuntimeError, "Could not infer dtype of NoneType"),
    ("negative-size", "T.ones(-1)", RuntimeError,
     "Trying to create tensor with negative dimension -1: [-1]"),
    ("negative-size-randn", "T.randn(-2)", RuntimeError,
     "Trying to create tensor with negative dimension -2: [-2]"),
]

IDS = [case[0] for case in CASES]


def _namespace(lib):
    def L(*shape, dtype=None):  # noqa: N802
        return lib.ones(*shape, dtype=dtype or lib.float32, requires_grad=True)

    def N(*shape, dtype=None):  # noqa: N802
        return lib.ones(*shape, dtype=dtype or lib.float32)

    return {"T": lib, "F": lib.nn.functional, "L": L, "N": N}


def _raised(lib, code):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exec(code, _namespace(lib))
        except Exception as exc:  # noqa: BLE001 - the test compares whatever was raised
            return exc
    return None


def test_case_ids_are_unique():
    assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize(("code", "kind", "message"), [c[1:] for c in CASES], ids=IDS)
def test_error_is_pytorchs(code, kind, message):
    exc = _raised(gv, code)
    assert exc is not None, "no error raised"
    assert type(exc) is kind
    assert str(exc) == message


@pytest.mark.parametrize(("code", "kind", "message"), [c[1:] for c in CASES], ids=IDS)
def test_error_matches_torch(code, kind, message):
    torch = pytest.importorskip("torch")
    exc = _raised(torch, code)
    assert type(exc) is kind
    assert str(exc) == message


NON_LEAF_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")


def _grad_warnings(lib, retain):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    if retain:
        y.retain_grad()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
        assert x.grad is None
    return caught


def test_reading_grad_of_a_non_leaf_warns():
    (warning,) = _grad_warnings(gv, retain=False)
    assert warning.category is UserWarning
    assert str(warning.message) == NON_LEAF_WARNING
    assert warning.filename == __file__  # points at the reading line, as PyTorch's does


def test_reading_retained_grad_does_not_warn():
    assert _grad_warnings(gv, retain=True) == []


def test_non_leaf_warning_matches_torch():
    torch = pytest.importorskip("torch")
    (warning,) = _grad_warnings(torch, retain=False)
    assert warning.category is UserWarning
    # torch appends "(Triggered internally at <its build path>.)"; the rest is the same.
    assert str(warning.message).startswith(NON_LEAF_WARNING)
    assert _grad_warnings(torch, retain=True) == []


def test_var_with_no_degrees_of_freedom_warns_and_gives_nan():
    with pytest.warns(UserWarning, match=r"^var\(\): degrees of freedom is <= 0. Correction "
                      r"should be strictly less than the reduction factor \(input numel "
                      r"divided by output numel\).$"):
        v = gv.tensor(2.0).var()
    assert repr(v) == "tensor(nan)"


def test_mse_loss_with_broadcasting_shapes_warns():
    with pytest.warns(UserWarning, match=r"Using a target size \(torch.Size\(\[1\]\)\) that is "
                      r"different to the input size \(torch.Size\(\[3\]\)\)"):
        gv.nn.functional.mse_loss(gv.ones(3), gv.ones(1))


@pytest.mark.parametrize("call, kind, message", [
    (lambda: gv.cat([1, 2]), TypeError, "expected Tensor as element 0 in argument 0, but got int"),
    (lambda: gv.cat([gv.tensor(1.0), gv.tensor(2.0)]), RuntimeError,
     "zero-dimensional tensor (at position 0) cannot be concatenated"),
    (lambda: gv.nn.functional.mse_loss(1, gv.ones(3)), AttributeError,
     "'int' object has no attribute 'size'"),
])
def test_joining_and_loss_arguments_are_checked_like_torch(call, kind, message):
    with pytest.raises(kind) as caught:
        call()
    assert str(caught.value) == message
