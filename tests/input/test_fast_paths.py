"""The input layer's fast paths give the Ratings of the general path.

Wide numeric frames are read as one float array (ints exact below 2**53), whole-number
ratings are coded by counting (no sort or hash), per-unit / per-rater counts and the
(unit, rater) of each cell come from the dense mask. Each is compared with what the
general code gives (object arrays, np.nonzero, pd.factorize / the lookup dictionary).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reliability import ReliabilityError
from reliability.data import as_ratings, code_ratings


def _same_ratings(a, b):
    for attr in ("unit", "rater", "code"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr), attr)
    assert a.categories == b.categories
    np.testing.assert_array_equal(a.values, b.values)
    assert list(a.unit_labels) == list(b.unit_labels)
    assert list(a.rater_labels) == list(b.rater_labels)
    assert a.notes == b.notes


def _grades(n=500, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, size=(n, k)).astype(float)
    x[rng.random((n, k)) < 0.2] = np.nan
    return x


@pytest.mark.parametrize("kw", [{}, {"level": "ordinal", "categories": [1, 2, 3, 4, 5]},
                                {"min_ratings": 1}])
def test_wide_float_frame_equals_object_frame(kw):
    x = _grades()
    fast = as_ratings(pd.DataFrame(x), **kw)
    slow = as_ratings(pd.DataFrame(x.astype(object)), **kw)       # object: general path
    _same_ratings(fast, slow)
    # the long arrays are in np.nonzero's (row-major) order
    u, _ = np.nonzero(~np.isnan(x))
    keep = np.isin(u, np.flatnonzero((~np.isnan(x)).sum(1) >= kw.get("min_ratings", 2)))
    assert len(fast.unit) == keep.sum()


def test_mixed_int_and_float_columns_read_as_numbers():
    x = _grades()
    frame = pd.DataFrame({"a": np.nan_to_num(x[:, 0], nan=1).astype(int), "b": x[:, 1],
                          "c": x[:, 2]})
    obj = frame.astype(object)
    _same_ratings(as_ratings(frame), as_ratings(obj))
    assert as_ratings(frame).categories == (1, 2, 3, 4)


def test_large_integers_stay_exact():
    big = 2 ** 53
    frame = pd.DataFrame({"a": np.array([big, big + 1, big], dtype=np.int64),
                          "b": np.array([big + 1, big + 1, big], dtype=np.int64)})
    rt = as_ratings(frame, level="nominal")
    assert rt.categories == (big, big + 1)      # floats would merge them


def test_fortran_and_c_ordered_arrays_agree():
    x = _grades(k=4)
    _same_ratings(as_ratings(np.asfortranarray(x)), as_ratings(np.ascontiguousarray(x)))


@pytest.mark.parametrize("values", [
    np.array([3.0, 1.0, 2.0, 3.0, 7.0]),             # whole numbers: counted
    np.array([-2.0, 0.0, 5.0, -2.0]),                # negative whole numbers
    np.array([1.5, 2.0, 1.5, 3.0]),                  # a fraction: hashed
    np.array([0.0, 1e9, 3.0]),                       # long span: hashed
])
def test_counting_coder_equals_factorize(values):
    codes, cats, vals = code_ratings(values, "ordinal", None, column="x",
                                     rows=np.arange(len(values)))
    ref_codes, ref_uniq = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    np.testing.assert_array_equal(vals, ref_uniq)
    assert all(isinstance(c, int) for c in cats if float(c).is_integer())


def test_counting_coder_with_declared_categories():
    values = np.array([2.0, 4.0, 2.0, 1.0])
    codes, cats, _ = code_ratings(values, "ordinal", [1, 2, 3, 4, 5], column="x",
                                     rows=np.arange(4))
    np.testing.assert_array_equal(codes, [1, 3, 1, 0])
    assert cats == (1, 2, 3, 4, 5)
    # declared categories with a fraction and one outside the data's range
    codes, _, _ = code_ratings(values, "ordinal", [0.5, 1, 2, 4, 9], column="x",
                               rows=np.arange(4))
    np.testing.assert_array_equal(codes, [2, 3, 2, 1])
    with pytest.raises(ReliabilityError, match=r"rating 3.0 at row 2, column 'x' is not one"):
        code_ratings(np.array([2.0, 3.0]), "ordinal", [1, 2], column="x",
                     rows=np.arange(2))
    x = _grades()
    x[7, 1] = 9
    with pytest.raises(ReliabilityError, match=r"row 8, column 1"):
        as_ratings(pd.DataFrame(x), categories=[1, 2, 3, 4])
