"""gradviz prints tensors exactly as PyTorch 2.13 does (SPEC section 2, "Printing")."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradviz.autograd.printing import format_array, format_tensor

nan, inf = np.nan, np.inf

# Every expected string below is a literal printed by torch 2.13 for the same values,
# dtype and grad state; the values are converted to the named dtype, as torch.tensor does.
CASES = [
    pytest.param(
        np.ones((2, 2)),
        "float32",
        "requires_grad=True",
        """\
tensor([[1., 1.],
        [1., 1.]], requires_grad=True)""",
        id="spec-requires-grad",
    ),
    pytest.param(
        np.full((2, 2), 3.0),
        "float32",
        "grad_fn=<AddBackward0>",
        """\
tensor([[3., 3.],
        [3., 3.]], grad_fn=<AddBackward0>)""",
        id="spec-add-backward",
    ),
    pytest.param(
        np.array(27.0),
        "float32",
        "grad_fn=<MeanBackward0>",
        "tensor(27., grad_fn=<MeanBackward0>)",
        id="spec-mean-backward",
    ),
    pytest.param(
        np.array([409.6, 4096.0, 0.4096]),
        "float32",
        None,
        "tensor([4.0960e+02, 4.0960e+03, 4.0960e-01])",
        id="spec-sci-mode",
    ),
    pytest.param(
        np.array(True),
        "bool",
        None,
        "tensor(True)",
        id="spec-bool-scalar",
    ),
    pytest.param(
        np.array([434.055, 120.0645, -1788.3779]),
        "float32",
        "grad_fn=<MulBackward0>",
        "tensor([  434.0550,   120.0645, -1788.3779], grad_fn=<MulBackward0>)",
        id="spec-mul-backward",
    ),
    pytest.param(
        np.array([[-0.7979, 0.9563], [0.1155, 0.5435]]),
        "float32",
        "requires_grad=True",
        """\
tensor([[-0.7979,  0.9563],
        [ 0.1155,  0.5435]], requires_grad=True)""",
        id="spec-randn-leaf",
    ),
    pytest.param(
        np.full((2, 2), 4.5),
        "float32",
        None,
        """\
tensor([[4.5000, 4.5000],
        [4.5000, 4.5000]])""",
        id="spec-fixed-2x2",
    ),
    pytest.param(
        np.array(1844.2112),
        "float32",
        None,
        "tensor(1844.2112)",
        id="spec-scalar-fixed",
    ),
    pytest.param(
        np.array([1.0, 2.0, 3.0]),
        "float32",
        None,
        "tensor([1., 2., 3.])",
        id="int-mode-row",
    ),
    pytest.param(
        np.array([-1.0, 0.0, 100.0]),
        "float32",
        None,
        "tensor([ -1.,   0., 100.])",
        id="int-mode-padding",
    ),
    pytest.param(
        np.array(0.0),
        "float32",
        None,
        "tensor(0.)",
        id="int-mode-zero-scalar",
    ),
    pytest.param(
        np.array(-0.0),
        "float32",
        None,
        "tensor(-0.)",
        id="int-mode-negative-zero-scalar",
    ),
    pytest.param(
        np.zeros(3),
        "float32",
        None,
        "tensor([0., 0., 0.])",
        id="int-mode-all-zeros",
    ),
    pytest.param(
        np.array([-0.0, 1.0]),
        "float32",
        None,
        "tensor([-0., 1.])",
        id="int-mode-negative-zero-unpadded",
    ),
    pytest.param(
        np.array([1.0e8, 5.0e7]),
        "float32",
        None,
        "tensor([100000000.,  50000000.])",
        id="int-mode-1e8",
    ),
    pytest.param(
        np.array([1.0, 1000.0]),
        "float32",
        None,
        "tensor([   1., 1000.])",
        id="int-mode-ratio-1000",
    ),
    pytest.param(
        np.array([1.0, 1001.0]),
        "float32",
        None,
        "tensor([1.0000e+00, 1.0010e+03])",
        id="sci-mode-ratio-above-1000",
    ),
    pytest.param(
        np.array([123456789.0]),
        "float32",
        None,
        "tensor([1.2346e+08])",
        id="sci-mode-above-1e8",
    ),
    pytest.param(
        np.array([[2.0, -4.0], [8.0, 16.0]]),
        "float64",
        None,
        """\
tensor([[ 2., -4.],
        [ 8., 16.]], dtype=torch.float64)""",
        id="int-mode-float64",
    ),
    pytest.param(
        np.array([0.1, 0.2, 0.3]),
        "float32",
        None,
        "tensor([0.1000, 0.2000, 0.3000])",
        id="fixed-float32-tenths",
    ),
    pytest.param(
        np.array([0.1]),
        "float64",
        None,
        "tensor([0.1000], dtype=torch.float64)",
        id="fixed-float64-suffix",
    ),
    pytest.param(
        np.array(0.1),
        "float64",
        None,
        "tensor(0.1000, dtype=torch.float64)",
        id="fixed-float64-scalar",
    ),
    pytest.param(
        np.array([1 / 3, 2 / 3]),
        "float64",
        None,
        "tensor([0.3333, 0.6667], dtype=torch.float64)",
        id="fixed-thirds",
    ),
    pytest.param(
        np.array([0.5, -999.5, 12.25]),
        "float32",
        None,
        "tensor([ 5.0000e-01, -9.9950e+02,  1.2250e+01])",
        id="fixed-mixed-magnitudes",
    ),
    pytest.param(
        np.array([9.99996, 1.5]),
        "float32",
        None,
        "tensor([10.0000,  1.5000])",
        id="fixed-rounds-up-a-digit",
    ),
    pytest.param(
        np.array([-0.0, 0.5]),
        "float32",
        None,
        "tensor([-0.0000, 0.5000])",
        id="fixed-negative-zero",
    ),
    pytest.param(
        np.array([0.0001, 0.1]),
        "float64",
        None,
        "tensor([0.0001, 0.1000], dtype=torch.float64)",
        id="fixed-1e-4-float64",
    ),
    pytest.param(
        np.array([0.0001, 0.1]),
        "float32",
        None,
        "tensor([1.0000e-04, 1.0000e-01])",
        id="sci-1e-4-float32-is-below",
    ),
    pytest.param(
        np.array([1.0e-5, 1.0]),
        "float32",
        None,
        "tensor([1.0000e-05, 1.0000e+00])",
        id="sci-tiny",
    ),
    pytest.param(
        np.array([1.0e10, -1.0e10, 1.5]),
        "float32",
        None,
        "tensor([ 1.0000e+10, -1.0000e+10,  1.5000e+00])",
        id="sci-huge-and-negative",
    ),
    pytest.param(
        np.array([1.0e-300, 1.0e300]),
        "float64",
        None,
        "tensor([1.0000e-300, 1.0000e+300], dtype=torch.float64)",
        id="sci-float64-extremes",
    ),
    pytest.param(
        np.array([3.4e38, -1.0]),
        "float32",
        None,
        "tensor([ 3.4000e+38, -1.0000e+00])",
        id="sci-float32-max",
    ),
    pytest.param(
        np.array(1.0e-5),
        "float32",
        None,
        "tensor(1.0000e-05)",
        id="sci-scalar",
    ),
    pytest.param(
        np.array([-0.0, 1.0e-5]),
        "float32",
        None,
        "tensor([-0.0000e+00, 1.0000e-05])",
        id="sci-negative-zero",
    ),
    pytest.param(
        np.array([5e-324, 1.0]),
        "float64",
        None,
        "tensor([4.9407e-324,  1.0000e+00], dtype=torch.float64)",
        id="sci-subnormal-float64",
    ),
    pytest.param(
        np.array([[1.0e-6, 2.0], [3.0, -4.0e6]]),
        "float32",
        None,
        """\
tensor([[ 1.0000e-06,  2.0000e+00],
        [ 3.0000e+00, -4.0000e+06]])""",
        id="sci-matrix",
    ),
    pytest.param(
        np.array([nan, 1.0, inf]),
        "float32",
        None,
        "tensor([nan, 1., inf])",
        id="nonfinite-int-mode",
    ),
    pytest.param(
        np.array([nan, 1.5, -inf]),
        "float32",
        None,
        "tensor([   nan, 1.5000,   -inf])",
        id="nonfinite-fixed",
    ),
    pytest.param(
        np.array([nan, 1.0e-8, 1.0e8, -inf]),
        "float32",
        None,
        "tensor([       nan, 1.0000e-08, 1.0000e+08,       -inf])",
        id="nonfinite-sci",
    ),
    pytest.param(
        np.array([nan]),
        "float32",
        None,
        "tensor([nan])",
        id="nonfinite-only-nan",
    ),
    pytest.param(
        np.array([inf, -inf]),
        "float32",
        None,
        "tensor([inf, -inf])",
        id="nonfinite-only-infs",
    ),
    pytest.param(
        np.array(nan),
        "float32",
        None,
        "tensor(nan)",
        id="nonfinite-nan-scalar",
    ),
    pytest.param(
        np.array([[inf, 2.5], [nan, -0.0]]),
        "float64",
        "requires_grad=True",
        """\
tensor([[   inf, 2.5000],
        [   nan, -0.0000]], dtype=torch.float64, requires_grad=True)""",
        id="nonfinite-float64",
    ),
    pytest.param(
        np.array([1, 2, 3]),
        "int64",
        None,
        "tensor([1, 2, 3])",
        id="int64-row",
    ),
    pytest.param(
        np.array([-5, 100, 7]),
        "int64",
        None,
        "tensor([ -5, 100,   7])",
        id="int64-padding",
    ),
    pytest.param(
        np.array(5),
        "int64",
        None,
        "tensor(5)",
        id="int64-scalar",
    ),
    pytest.param(
        np.array([[1, -20], [300, 4]]),
        "int64",
        None,
        """\
tensor([[  1, -20],
        [300,   4]])""",
        id="int64-matrix",
    ),
    pytest.param(
        np.array([2**62, -1]),
        "int64",
        None,
        "tensor([4611686018427387904,                  -1])",
        id="int64-huge",
    ),
    pytest.param(
        np.array([1, 2]),
        "int32",
        None,
        "tensor([1, 2], dtype=torch.int32)",
        id="int32-suffix",
    ),
    pytest.param(
        np.array([True, False]),
        "bool",
        None,
        "tensor([ True, False])",
        id="bool-row",
    ),
    pytest.param(
        np.array([[True], [False]]),
        "bool",
        None,
        """\
tensor([[ True],
        [False]])""",
        id="bool-column",
    ),
    pytest.param(
        np.array(False),
        "bool",
        None,
        "tensor(False)",
        id="bool-scalar-false",
    ),
    pytest.param(
        np.array([True, True]),
        "bool",
        None,
        "tensor([True, True])",
        id="bool-all-true",
    ),
    pytest.param(
        np.zeros(0),
        "float32",
        None,
        "tensor([])",
        id="empty-1d",
    ),
    pytest.param(
        np.zeros((0, 3)),
        "float32",
        None,
        "tensor([], size=(0, 3))",
        id="empty-2d-size",
    ),
    pytest.param(
        np.zeros(0),
        "int64",
        None,
        "tensor([], dtype=torch.int64)",
        id="empty-int64-dtype",
    ),
    pytest.param(
        np.zeros(0),
        "bool",
        None,
        "tensor([], dtype=torch.bool)",
        id="empty-bool-dtype",
    ),
    pytest.param(
        np.zeros((2, 0)),
        "float64",
        None,
        "tensor([], size=(2, 0), dtype=torch.float64)",
        id="empty-float64-size-and-dtype",
    ),
    pytest.param(
        np.zeros(0),
        "float32",
        "requires_grad=True",
        "tensor([], requires_grad=True)",
        id="empty-requires-grad",
    ),
    pytest.param(
        np.arange(24.0).reshape(2, 3, 4) / 8,
        "float32",
        None,
        """\
tensor([[[0.0000, 0.1250, 0.2500, 0.3750],
         [0.5000, 0.6250, 0.7500, 0.8750],
         [1.0000, 1.1250, 1.2500, 1.3750]],

        [[1.5000, 1.6250, 1.7500, 1.8750],
         [2.0000, 2.1250, 2.2500, 2.3750],
         [2.5000, 2.6250, 2.7500, 2.8750]]])""",
        id="3d",
    ),
    pytest.param(
        np.arange(16).reshape(2, 2, 2, 2) - 8,
        "int64",
        None,
        """\
tensor([[[[-8, -7],
          [-6, -5]],

         [[-4, -3],
          [-2, -1]]],


        [[[ 0,  1],
          [ 2,  3]],

         [[ 4,  5],
          [ 6,  7]]]])""",
        id="4d-int64",
    ),
    pytest.param(
        np.ones((1, 1, 1)),
        "float32",
        None,
        "tensor([[[1.]]])",
        id="3d-single",
    ),
    pytest.param(
        np.arange(8.0).reshape(2, 2, 2) * 0.5,
        "float64",
        "grad_fn=<MulBackward0>",
        """\
tensor([[[0.0000, 0.5000],
         [1.0000, 1.5000]],

        [[2.0000, 2.5000],
         [3.0000, 3.5000]]], dtype=torch.float64, grad_fn=<MulBackward0>)""",
        id="3d-float64-grad-fn",
    ),
    pytest.param(
        np.arange(2000.0),
        "float32",
        None,
        """\
tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
        1.9990e+03])""",
        id="summary-arange-2000",
    ),
    pytest.param(
        np.arange(1001),
        "int64",
        None,
        "tensor([   0,    1,    2,  ...,  998,  999, 1000])",
        id="summary-int64-1001",
    ),
    pytest.param(
        np.arange(1600.0).reshape(40, 40) % 7,
        "float32",
        None,
        """\
tensor([[0., 1., 2.,  ..., 2., 3., 4.],
        [5., 6., 0.,  ..., 0., 1., 2.],
        [3., 4., 5.,  ..., 5., 6., 0.],
        ...,
        [3., 4., 5.,  ..., 5., 6., 0.],
        [1., 2., 3.,  ..., 3., 4., 5.],
        [6., 0., 1.,  ..., 1., 2., 3.]])""",
        id="summary-40x40",
    ),
    pytest.param(
        np.arange(1200).reshape(3, 400),
        "int64",
        None,
        """\
tensor([[   0,    1,    2,  ...,  397,  398,  399],
        [ 400,  401,  402,  ...,  797,  798,  799],
        [ 800,  801,  802,  ..., 1197, 1198, 1199]])""",
        id="summary-3x400",
    ),
    pytest.param(
        np.arange(1200.0).reshape(400, 3) / 1000,
        "float64",
        None,
        """\
tensor([[0.0000e+00, 1.0000e-03, 2.0000e-03],
        [3.0000e-03, 4.0000e-03, 5.0000e-03],
        [6.0000e-03, 7.0000e-03, 8.0000e-03],
        ...,
        [1.1910e+00, 1.1920e+00, 1.1930e+00],
        [1.1940e+00, 1.1950e+00, 1.1960e+00],
        [1.1970e+00, 1.1980e+00, 1.1990e+00]], dtype=torch.float64)""",
        id="summary-400x3",
    ),
    pytest.param(
        np.arange(2000) % 3 == 0,
        "bool",
        None,
        "tensor([ True, False, False,  ..., False,  True, False])",
        id="summary-bool",
    ),
    pytest.param(
        np.arange(1200.0).reshape(2, 3, 4, 50) % 5 - 2.5,
        "float32",
        "requires_grad=True",
        """\
tensor([[[[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]],

         [[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]],

         [[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]]],


        [[[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]],

         [[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]],

         [[-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000],
          [-2.5000, -1.5000, -0.5000,  ..., -0.5000,  0.5000,  1.5000]]]],
       requires_grad=True)""",
        id="summary-4d",
    ),
    pytest.param(
        np.arange(1100.0).reshape(10, 10, 11) * 1e-3,
        "float32",
        None,
        """\
tensor([[[0.0000e+00, 1.0000e-03, 2.0000e-03,  ..., 8.0000e-03,
          9.0000e-03, 1.0000e-02],
         [1.1000e-02, 1.2000e-02, 1.3000e-02,  ..., 1.9000e-02,
          2.0000e-02, 2.1000e-02],
         [2.2000e-02, 2.3000e-02, 2.4000e-02,  ..., 3.0000e-02,
          3.1000e-02, 3.2000e-02],
         ...,
         [7.7000e-02, 7.8000e-02, 7.9000e-02,  ..., 8.5000e-02,
          8.6000e-02, 8.7000e-02],
         [8.8000e-02, 8.9000e-02, 9.0000e-02,  ..., 9.6000e-02,
          9.7000e-02, 9.8000e-02],
         [9.9000e-02, 1.0000e-01, 1.0100e-01,  ..., 1.0700e-01,
          1.0800e-01, 1.0900e-01]],

        [[1.1000e-01, 1.1100e-01, 1.1200e-01,  ..., 1.1800e-01,
          1.1900e-01, 1.2000e-01],
         [1.2100e-01, 1.2200e-01, 1.2300e-01,  ..., 1.2900e-01,
          1.3000e-01, 1.3100e-01],
         [1.3200e-01, 1.3300e-01, 1.3400e-01,  ..., 1.4000e-01,
          1.4100e-01, 1.4200e-01],
         ...,
         [1.8700e-01, 1.8800e-01, 1.8900e-01,  ..., 1.9500e-01,
          1.9600e-01, 1.9700e-01],
         [1.9800e-01, 1.9900e-01, 2.0000e-01,  ..., 2.0600e-01,
          2.0700e-01, 2.0800e-01],
         [2.0900e-01, 2.1000e-01, 2.1100e-01,  ..., 2.1700e-01,
          2.1800e-01, 2.1900e-01]],

        [[2.2000e-01, 2.2100e-01, 2.2200e-01,  ..., 2.2800e-01,
          2.2900e-01, 2.3000e-01],
         [2.3100e-01, 2.3200e-01, 2.3300e-01,  ..., 2.3900e-01,
          2.4000e-01, 2.4100e-01],
         [2.4200e-01, 2.4300e-01, 2.4400e-01,  ..., 2.5000e-01,
          2.5100e-01, 2.5200e-01],
         ...,
         [2.9700e-01, 2.9800e-01, 2.9900e-01,  ..., 3.0500e-01,
          3.0600e-01, 3.0700e-01],
         [3.0800e-01, 3.0900e-01, 3.1000e-01,  ..., 3.1600e-01,
          3.1700e-01, 3.1800e-01],
         [3.1900e-01, 3.2000e-01, 3.2100e-01,  ..., 3.2700e-01,
          3.2800e-01, 3.2900e-01]],

        ...,

        [[7.7000e-01, 7.7100e-01, 7.7200e-01,  ..., 7.7800e-01,
          7.7900e-01, 7.8000e-01],
         [7.8100e-01, 7.8200e-01, 7.8300e-01,  ..., 7.8900e-01,
          7.9000e-01, 7.9100e-01],
         [7.9200e-01, 7.9300e-01, 7.9400e-01,  ..., 8.0000e-01,
          8.0100e-01, 8.0200e-01],
         ...,
         [8.4700e-01, 8.4800e-01, 8.4900e-01,  ..., 8.5500e-01,
          8.5600e-01, 8.5700e-01],
         [8.5800e-01, 8.5900e-01, 8.6000e-01,  ..., 8.6600e-01,
          8.6700e-01, 8.6800e-01],
         [8.6900e-01, 8.7000e-01, 8.7100e-01,  ..., 8.7700e-01,
          8.7800e-01, 8.7900e-01]],

        [[8.8000e-01, 8.8100e-01, 8.8200e-01,  ..., 8.8800e-01,
          8.8900e-01, 8.9000e-01],
         [8.9100e-01, 8.9200e-01, 8.9300e-01,  ..., 8.9900e-01,
          9.0000e-01, 9.0100e-01],
         [9.0200e-01, 9.0300e-01, 9.0400e-01,  ..., 9.1000e-01,
          9.1100e-01, 9.1200e-01],
         ...,
         [9.5700e-01, 9.5800e-01, 9.5900e-01,  ..., 9.6500e-01,
          9.6600e-01, 9.6700e-01],
         [9.6800e-01, 9.6900e-01, 9.7000e-01,  ..., 9.7600e-01,
          9.7700e-01, 9.7800e-01],
         [9.7900e-01, 9.8000e-01, 9.8100e-01,  ..., 9.8700e-01,
          9.8800e-01, 9.8900e-01]],

        [[9.9000e-01, 9.9100e-01, 9.9200e-01,  ..., 9.9800e-01,
          9.9900e-01, 1.0000e+00],
         [1.0010e+00, 1.0020e+00, 1.0030e+00,  ..., 1.0090e+00,
          1.0100e+00, 1.0110e+00],
         [1.0120e+00, 1.0130e+00, 1.0140e+00,  ..., 1.0200e+00,
          1.0210e+00, 1.0220e+00],
         ...,
         [1.0670e+00, 1.0680e+00, 1.0690e+00,  ..., 1.0750e+00,
          1.0760e+00, 1.0770e+00],
         [1.0780e+00, 1.0790e+00, 1.0800e+00,  ..., 1.0860e+00,
          1.0870e+00, 1.0880e+00],
         [1.0890e+00, 1.0900e+00, 1.0910e+00,  ..., 1.0970e+00,
          1.0980e+00, 1.0990e+00]]])""",
        id="summary-3d-blocks",
    ),
    pytest.param(
        np.linspace(0.0, 1.0, 30),
        "float32",
        None,
        """\
tensor([0.0000, 0.0345, 0.0690, 0.1034, 0.1379, 0.1724, 0.2069, 0.2414, 0.2759,
        0.3103, 0.3448, 0.3793, 0.4138, 0.4483, 0.4828, 0.5172, 0.5517, 0.5862,
        0.6207, 0.6552, 0.6897, 0.7241, 0.7586, 0.7931, 0.8276, 0.8621, 0.8966,
        0.9310, 0.9655, 1.0000])""",
        id="wrap-linspace",
    ),
    pytest.param(
        np.arange(100) * 7,
        "int64",
        None,
        """\
tensor([  0,   7,  14,  21,  28,  35,  42,  49,  56,  63,  70,  77,  84,  91,
         98, 105, 112, 119, 126, 133, 140, 147, 154, 161, 168, 175, 182, 189,
        196, 203, 210, 217, 224, 231, 238, 245, 252, 259, 266, 273, 280, 287,
        294, 301, 308, 315, 322, 329, 336, 343, 350, 357, 364, 371, 378, 385,
        392, 399, 406, 413, 420, 427, 434, 441, 448, 455, 462, 469, 476, 483,
        490, 497, 504, 511, 518, 525, 532, 539, 546, 553, 560, 567, 574, 581,
        588, 595, 602, 609, 616, 623, 630, 637, 644, 651, 658, 665, 672, 679,
        686, 693])""",
        id="wrap-int64",
    ),
    pytest.param(
        np.linspace(-1.0, 1.0, 36).reshape(2, 18),
        "float32",
        None,
        """\
tensor([[-1.0000, -0.9429, -0.8857, -0.8286, -0.7714, -0.7143, -0.6571, -0.6000,
         -0.5429, -0.4857, -0.4286, -0.3714, -0.3143, -0.2571, -0.2000, -0.1429,
         -0.0857, -0.0286],
        [ 0.0286,  0.0857,  0.1429,  0.2000,  0.2571,  0.3143,  0.3714,  0.4286,
          0.4857,  0.5429,  0.6000,  0.6571,  0.7143,  0.7714,  0.8286,  0.8857,
          0.9429,  1.0000]])""",
        id="wrap-matrix-rows",
    ),
    pytest.param(
        np.full(6, 1234.5678),
        "float64",
        "requires_grad=True",
        """\
tensor([1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678, 1234.5678],
       dtype=torch.float64, requires_grad=True)""",
        id="wrap-dtype-suffix",
    ),
    pytest.param(
        np.full(6, 1234.5678),
        "float32",
        "grad_fn=<MulBackward0>",
        """\
tensor([1234.5677, 1234.5677, 1234.5677, 1234.5677, 1234.5677, 1234.5677],
       grad_fn=<MulBackward0>)""",
        id="wrap-grad-suffix",
    ),
    pytest.param(
        np.linspace(-100.0, 100.0, 6),
        "float32",
        "grad_fn=<MulBackward0>",
        "tensor([-100.,  -60.,  -20.,   20.,   60.,  100.], grad_fn=<MulBackward0>)",
        id="no-wrap-short-suffix",
    ),
    pytest.param(
        np.geomspace(1.0e-6, 1.0e6, 25),
        "float32",
        None,
        """\
tensor([1.0000e-06, 3.1623e-06, 1.0000e-05, 3.1623e-05, 1.0000e-04, 3.1623e-04,
        1.0000e-03, 3.1623e-03, 1.0000e-02, 3.1623e-02, 1.0000e-01, 3.1623e-01,
        1.0000e+00, 3.1623e+00, 1.0000e+01, 3.1623e+01, 1.0000e+02, 3.1623e+02,
        1.0000e+03, 3.1623e+03, 1.0000e+04, 3.1623e+04, 1.0000e+05, 3.1623e+05,
        1.0000e+06])""",
        id="wrap-sci-row",
    ),
    pytest.param(
        np.array([65504.0, 1.0]),
        "float16",
        None,
        "tensor([6.5504e+04, 1.0000e+00], dtype=torch.float16)",
        id="float16-max",
    ),
    pytest.param(
        np.array([0.1, 0.2]),
        "float16",
        None,
        "tensor([0.1000, 0.2000], dtype=torch.float16)",
        id="float16-tenths",
    ),
]


@pytest.mark.parametrize(("values", "dtype_name", "grad_suffix", "expected"), CASES)
def test_format_tensor_prints_what_torch_prints(values, dtype_name, grad_suffix, expected):
    assert format_tensor(values, dtype_name, grad_suffix) == expected


def test_huge_tensor_is_summarised_before_formatting():
    # A million-by-million view without storage: formatting every element would never end.
    values = np.broadcast_to(np.float32(1.5), (10**6, 10**6))
    row = "[1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000]"
    rows = [row] * 3 + ["..."] + [row] * 3
    assert format_tensor(values, "float32") == "tensor([" + ",\n        ".join(rows) + "])"


def test_unknown_dtype_is_a_readable_error():
    with pytest.raises(ValueError, match="'complex64'.*float32"):
        format_tensor(np.zeros(2), "complex64")


# The body torch prints inside tensor(...), laid out with no indent: torch's
# _tensor_str(tensor, indent=0).
ARRAY_CASES = [
    pytest.param(
        np.array([[1.0, 2.5], [-3.0, 4.0]]),
        "float32",
        """\
[[ 1.0000,  2.5000],
 [-3.0000,  4.0000]]""",
        id="matrix",
    ),
    pytest.param(
        np.array(27.0),
        "float32",
        "27.",
        id="scalar",
    ),
    pytest.param(
        np.zeros((0, 3)),
        "int64",
        "[]",
        id="empty",
    ),
    pytest.param(
        np.arange(30.0) / 7,
        "float64",
        """\
[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429, 1.2857,
 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286, 2.5714, 2.7143,
 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143, 3.8571, 4.0000, 4.1429]""",
        id="long-row",
    ),
    pytest.param(
        np.arange(1200).reshape(3, 400),
        "int64",
        """\
[[   0,    1,    2,  ...,  397,  398,  399],
 [ 400,  401,  402,  ...,  797,  798,  799],
 [ 800,  801,  802,  ..., 1197, 1198, 1199]]""",
        id="summarised",
    ),
    pytest.param(
        np.array([[True, False], [False, True]]),
        "bool",
        """\
[[ True, False],
 [False,  True]]""",
        id="bool",
    ),
    pytest.param(
        np.arange(8.0).reshape(2, 2, 2),
        "float32",
        """\
[[[0., 1.],
  [2., 3.]],

 [[4., 5.],
  [6., 7.]]]""",
        id="3d",
    ),
]


@pytest.mark.parametrize(("values", "dtype_name", "expected"), ARRAY_CASES)
def test_format_array_prints_the_body_as_if_standing_alone(values, dtype_name, expected):
    assert format_array(values, dtype_name) == expected


def test_format_array_is_the_tensor_body_without_suffixes():
    values = np.array([0.5, -2.0])
    assert format_array(values, "float64") == "[ 0.5000, -2.0000]"
    assert format_tensor(values, "float64", "requires_grad=True") == (
        "tensor([ 0.5000, -2.0000], dtype=torch.float64, requires_grad=True)"
    )


# Comparison with torch itself, where it is installed (CI has no torch).


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", exc_type=ImportError)


def torch_repr(torch, values: np.ndarray, requires_grad: bool = False) -> str:
    tensor = torch.from_numpy(np.asarray(values))
    return repr(tensor.requires_grad_() if requires_grad else tensor)


SHAPES = [
    (),
    (1,),
    (5,),
    (2, 2),
    (3, 4),
    (2, 3, 4),
    (2, 3, 4, 5),
    (30,),
    (2000,),
    (40, 40),
    (3, 400),
    (0, 2),
]
SPECIAL_VALUES = [nan, inf, -inf, -0.0, 0.0, 1.0, 0.1, 123.456, 1.0e-5, 1.0e9]


def random_floats(shape: tuple[int, ...], kind: str, seed: int) -> np.ndarray:
    """Seeded values of one character: torch picks its notation from exactly these traits."""
    rng = np.random.default_rng(seed)
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "wide":
        return rng.standard_normal(shape) * 10.0 ** rng.uniform(-12, 12, shape)
    if kind == "integral":
        return rng.integers(-1000, 1000, shape).astype(np.float64)
    if kind == "special":
        return rng.choice(SPECIAL_VALUES, shape)
    return rng.standard_normal(shape) * 1.0e-6  # tiny


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["normal", "wide", "integral", "special", "tiny"])
@pytest.mark.parametrize("shape", SHAPES)
def test_float_tensors_match_torch(torch, shape, kind, dtype_name, requires_grad):
    values = random_floats(shape, kind, seed=SHAPES.index(shape))
    values = values.astype(dtype_name)
    suffix = "requires_grad=True" if requires_grad else None
    assert format_tensor(values, dtype_name, suffix) == torch_repr(torch, values, requires_grad)


@pytest.mark.parametrize("dtype_name", ["int64", "int32", "bool", "float16"])
@pytest.mark.parametrize("shape", SHAPES)
def test_other_dtypes_match_torch(torch, shape, dtype_name):
    rng = np.random.default_rng(SHAPES.index(shape))
    if dtype_name == "bool":
        values = rng.random(shape) < 0.5
    elif dtype_name == "float16":
        values = (rng.standard_normal(shape) * 10.0 ** rng.integers(-3, 4)).astype(np.float16)
    else:
        values = rng.integers(-(10**6), 10**6, shape).astype(dtype_name)
    assert format_tensor(values, dtype_name) == torch_repr(torch, values)


@settings(max_examples=300, deadline=None)
@given(
    values=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
    ),
    requires_grad=st.booleans(),
)
def test_random_float_arrays_match_torch(torch, values, requires_grad):
    dtype_name = values.dtype.name
    suffix = "requires_grad=True" if requires_grad else None
    assert format_tensor(values, dtype_name, suffix) == torch_repr(torch, values, requires_grad)
