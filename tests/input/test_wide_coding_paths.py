"""Issue 18: the wide input layer's coding shortcuts agree with the general path.

Consecutive whole-number categories are coded by a shift (no lookup gather), other declared
categories by the lookup table, inferred categories by counting; the unit pattern keys of
the agreement statistics come from a dense digit block. Each is compared with an
equivalent input that takes another path (object / text grades, long data in shuffled
order, categories inferred rather than given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reliability import ReliabilityError
from reliability.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha
from reliability.data import as_ratings


def _grades(n=400, k=3, seed=0, lo=1, hi=4):
    rng = np.random.default_rng(seed)
    x = rng.integers(lo, hi + 1, size=(n, k)).astype(float)
    x[rng.random((n, k)) < 0.2] = np.nan
    return x


def _same(a, b):
    for attr in ("unit", "rater", "code"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr), attr)
    assert a.categories == b.categories
    np.testing.assert_array_equal(a.values, b.values)
    assert list(a.rater_labels) == list(b.rater_labels)
    assert list(a.unit_labels) == list(b.unit_labels)


@pytest.mark.parametrize("cats", [[1, 2, 3, 4], [0, 1, 2, 3, 4], [1, 2, 3, 4, 5, 6],
                                  [1, 3, 2, 4], [4, 3, 2, 1], [0.5, 1, 2, 3, 4]])
def test_declared_categories_equal_text_path(cats):
    x = _grades()
    fast = as_ratings(pd.DataFrame(x), level="ordinal", categories=cats, min_ratings=1)
    text = pd.DataFrame(x).map(lambda v: v if np.isnan(v) else str(int(v)))
    slow = as_ratings(text, level="ordinal", categories=[str(c) for c in cats], min_ratings=1)
    np.testing.assert_array_equal(fast.code, slow.code)
    np.testing.assert_array_equal(fast.unit, slow.unit)
    np.testing.assert_array_equal(fast.rater, slow.rater)
    # the code is the position of the value in the categories as given
    expected = np.array([list(map(float, cats)).index(v) for v in
                         np.asarray(fast.values)[fast.code]])
    np.testing.assert_array_equal(fast.code, expected)
    assert fast.code.dtype == np.int8


@pytest.mark.parametrize("dtype", [float, "Int64", object])
def test_int_float_object_grades_agree(dtype):
    x = _grades(seed=1, lo=2, hi=5)
    ref = as_ratings(pd.DataFrame(x), level="ordinal", categories=[2, 3, 4, 5])
    other = pd.DataFrame(x).astype(dtype) if dtype != object else pd.DataFrame(
        x.astype(object))
    _same(as_ratings(other, level="ordinal", categories=[2, 3, 4, 5]), ref)


def test_categories_given_equal_inferred_when_all_present():
    x = _grades(seed=2)
    _same(as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4]),
          as_ratings(pd.DataFrame(x), level="ordinal"))


def test_value_outside_categories_named():
    x = _grades(seed=3)
    x[7, 2] = 9
    with pytest.raises(ReliabilityError, match=r"rating 9(\.0)? at row 8, column 2 is not one of"):
        as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4])
    x[7, 2] = 2.5
    with pytest.raises(ReliabilityError, match=r"rating 2\.5 at row 8, column 2 is not one of"):
        as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4])
    x[7, 2] = 0                     # below the first category: the shift must not apply
    with pytest.raises(ReliabilityError, match=r"rating 0(\.0)? at row 8, column 2 is not one of"):
        as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4])


def test_all_nan_column_and_one_rater():
    x = _grades(seed=4, k=3)
    x[:, 1] = np.nan
    r = as_ratings(pd.DataFrame(x, columns=["a", "b", "c"]), categories=[1, 2, 3, 4])
    assert list(r.rater_labels) == ["a", "c"]
    one = as_ratings(pd.DataFrame(x[:, :1], columns=["a"]), categories=[1, 2, 3, 4],
                     min_ratings=1)
    assert one.n_raters == 1 and one.n_ratings == int((~np.isnan(x[:, 0])).sum())
    np.testing.assert_array_equal(one.code, x[~np.isnan(x[:, 0]), 0] - 1)


def _long_shuffled(x, seed=0):
    n, k = x.shape
    u, j = np.nonzero(~np.isnan(x))
    long = pd.DataFrame({"unit": u, "rater": j, "rating": x[u, j]})
    return long.sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_pattern_keys_independent_of_rating_order(k):
    # wide input gives ratings in unit order; shuffled long input does not
    x = _grades(n=600, k=k, seed=5)
    x = x[(~np.isnan(x)).sum(axis=1) >= 2]
    wide = as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4])
    long = as_ratings(_long_shuffled(x), level="ordinal", categories=[1, 2, 3, 4])
    assert not np.all(np.diff(long.unit) >= 0)
    for fn in (fleiss_kappa, krippendorff_alpha):
        a, b = fn(wide), fn(long)
        assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
        assert a.se == pytest.approx(b.se, abs=1e-12)
    if k == 2:
        a, b = cohen_kappa(wide), cohen_kappa(long)
        assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
        assert a.se == pytest.approx(b.se, abs=1e-12)


def test_cohen_matches_pair_table_formula():
    x = _grades(n=800, k=2, seed=6)
    both = ~np.isnan(x).any(axis=1)
    a, b = x[both, 0].astype(int) - 1, x[both, 1].astype(int) - 1
    t = np.bincount(a * 4 + b, minlength=16).reshape(4, 4) / both.sum()
    po, pe = np.trace(t), t.sum(1) @ t.sum(0)
    res = cohen_kappa(pd.DataFrame(x), level="nominal", categories=[1, 2, 3, 4])
    assert res.estimate == pytest.approx((po - pe) / (1 - pe), abs=1e-12)


@pytest.mark.parametrize("values", [[1, 2, 3, 4], [1, 2, 4], [-1, 0, 1], [3, 7]])
def test_inferred_whole_numbers_equal_text_order(values):
    rng = np.random.default_rng(7)
    x = rng.choice(np.asarray(values, dtype=float), size=(300, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    r = as_ratings(pd.DataFrame(x), level="nominal", min_ratings=1)
    assert r.categories == tuple(sorted(values))
    np.testing.assert_array_equal(np.asarray(r.values)[r.code], x[~np.isnan(x)])
