"""Explicit values are taken exactly or refused with the reason, never silently changed."""

from __future__ import annotations

import numpy as np
import pytest

from gradviz.graph.values import ValueSpecError, coerce_data


def test_large_int64_values_are_exact():
    big = 2**62 + 1  # not representable in float64
    assert coerce_data([big, -(2**63)], "int64").tolist() == [big, -(2**63)]


@pytest.mark.parametrize("data, dtype, message", [
    ([10**30], "int64", "int64 values must lie between -2**63 and 2**63 - 1"),
    ([2.5], "int64", "int64 values must be whole numbers"),
    ([float("nan")], "int64", "int64 values must be whole numbers"),
    ([1e300], "float32", "values beyond the range of float32"),
    ([2], "bool", "bool values must be 0/1 or true/false"),
    ([[1, 2], [3]], "float32", "values are not a rectangular array of numbers"),
    (["a"], "float32", "values are not a rectangular array of numbers"),
])
def test_values_a_dtype_cannot_hold_are_refused(data, dtype, message):
    with pytest.raises(ValueSpecError, match=message.replace("*", r"\*")):
        coerce_data(data, dtype)


def test_infinities_are_values_not_overflow():
    out = coerce_data([float("inf"), -1.5e38], "float32")
    assert np.isinf(out[0]) and out.dtype == np.float32
