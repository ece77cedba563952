"""Issue 18: the one-pass coder of wide float grades (``data._code_float_wide``).

Wide float frames of whole-number grades are coded block by block without copying the
matrix; anything unusual falls back to the general coder. Each case here is compared with
the same ratings as an object-dtype frame, which always takes the general path, and the
agreement statistics of a DataFrame (whose unit patterns start from the coder's dense block
of digits) with those of a prebuilt Ratings (patterns from the long arrays).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from reliability import ReliabilityError
from reliability import data as rdata
from reliability.agreement import (_stats, cohen_kappa, conger_kappa, fleiss_kappa, gwet_ac1,
                                   krippendorff_alpha)
from reliability.data import as_ratings


def _grades(n, k, miss, seed, lo=1, hi=4):
    rng = np.random.default_rng(seed)
    x = rng.integers(lo, hi + 1, size=(n, k)).astype(float)
    x[rng.random((n, k)) < miss] = np.nan
    return x


def _same(a, b):
    for attr in ("unit", "rater", "code"):
        x, y = getattr(a, attr), getattr(b, attr)
        assert x.dtype == y.dtype, attr
        np.testing.assert_array_equal(x, y, attr)
    assert a.categories == b.categories
    assert [type(c) for c in a.categories] == [type(c) for c in b.categories]
    np.testing.assert_array_equal(a.values, b.values)
    assert list(a.unit_labels) == list(b.unit_labels)
    assert list(a.rater_labels) == list(b.rater_labels)
    assert a.notes == b.notes and a.level == b.level
    assert (a._sparse is None) == (b._sparse is None)
    if a._sparse is not None:
        _same(a._sparse, b._sparse)


def _both(x, **kw):
    """(fast, general) Ratings of the same wide ratings; the fast coder must have run."""
    calls = []
    orig = rdata._code_float_wide

    def spy(*a, **k):
        out = orig(*a, **k)
        calls.append(out is not None)
        return out

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rdata._code_float_wide = spy
        try:
            fast = as_ratings(pd.DataFrame(x), **kw)
        except ReliabilityError as exc:
            fast = exc
        finally:
            rdata._code_float_wide = orig
        try:
            slow = as_ratings(pd.DataFrame(x.astype(object)), **kw)
        except ReliabilityError as exc:
            slow = exc
    if isinstance(fast, Exception) or isinstance(slow, Exception):
        assert str(fast) == str(slow)
    return fast, slow, calls == [True]


@pytest.fixture
def small_blocks(monkeypatch):
    # blocks of a few units: every block boundary case on small data
    monkeypatch.setattr(rdata, "_CHUNK", 7)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 9])
@pytest.mark.parametrize("miss", [0.0, 0.15, 0.6])
@pytest.mark.parametrize("cats", [None, [1, 2, 3, 4], [0, 1, 2, 3, 4, 5], ["1", "2", "3", "4"]])
@pytest.mark.parametrize("min_ratings", [1, 2])
def test_fast_coder_equals_general_path(small_blocks, k, miss, cats, min_ratings):
    x = _grades(61, k, miss, seed=k * 10 + int(miss * 10))
    x[3] = np.nan                                      # a unit with no rating
    fast, slow, used = _both(x, level="ordinal", categories=cats, min_ratings=min_ratings)
    assert used
    if not isinstance(fast, Exception):
        _same(fast, slow)


@pytest.mark.parametrize("values", [[1, 2, 4], [-2, 0, 1], [7], [0, 126], [3, 4, 5, 6, 7, 8, 9,
                                                                      10, 11, 12, 13, 14, 15]])
def test_inferred_categories_with_gaps(small_blocks, values):
    rng = np.random.default_rng(3)
    x = rng.choice(np.asarray(values, dtype=float), size=(50, 3))
    x[rng.random(x.shape) < 0.2] = np.nan
    fast, slow, used = _both(x, level="nominal", min_ratings=1)
    assert used
    _same(fast, slow)
    assert fast.categories == tuple(sorted(set(x[~np.isnan(x)].astype(int).tolist())))


def test_whole_block_observed_or_not(small_blocks):
    x = _grades(40, 3, 0.0, seed=4)
    x[10:14, 1] = np.nan                               # one block partly observed
    x[20:30] = np.nan                                  # whole blocks without ratings
    fast, slow, used = _both(x, level="ordinal", categories=[1, 2, 3, 4], min_ratings=1)
    assert used
    _same(fast, slow)


@pytest.mark.parametrize("bad, message", [
    (2.5, r"rating 2\.5 at row 8, column 2 is not one of the categories"),
    (9.0, r"rating 9(\.0)? at row 8, column 2 is not one of the categories"),
    (0.0, r"rating 0(\.0)? at row 8, column 2 is not one of the categories"),
    (np.inf, r"infinite rating inf at row 8, column 2"),
])
def test_bad_values_still_named(small_blocks, bad, message):
    x = _grades(30, 3, 0.2, seed=5)
    x[7, 2] = bad
    with pytest.raises(ReliabilityError, match=message):
        as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4])


@pytest.mark.parametrize("x_change, kw", [
    (lambda x: x.__setitem__((4, 0), 1.5), {"level": "nominal"}),      # a fraction
    (lambda x: x.__setitem__((4, 0), 300.0), {"level": "nominal"}),    # a span over 127
    (lambda x: x.__setitem__((4, 0), -1.0), {"level": "ratio"}),       # refused, named
    (lambda x: None, {"level": "ordinal", "categories": [1, 2, 4, 3]}),  # not consecutive
    (lambda x: None, {"level": "ordinal", "categories": [0.5, 1, 2, 3, 4]}),
])
def test_unusual_input_takes_general_path(small_blocks, x_change, kw):
    x = _grades(30, 3, 0.2, seed=6)
    x_change(x)
    fast, slow, used = _both(x, min_ratings=1, **kw)
    assert not used
    if not isinstance(fast, Exception):
        _same(fast, slow)


def _stats_of(rt):
    st = _stats.unit_stats(rt)
    return st.group, st.freq, st.counts, st.codes


@pytest.mark.parametrize("k, miss", [(2, 0.0), (2, 0.2), (4, 0.1), (5, 0.4)])
def test_digits_give_the_same_patterns(small_blocks, k, miss):
    x = _grades(300, k, miss, seed=7 + k)
    x = x[(~np.isnan(x)).any(axis=1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rdata.wide_digits() as made:
            rt = as_ratings(pd.DataFrame(x), level="ordinal", categories=[1, 2, 3, 4],
                            min_ratings=1)
        assert made and made[0][0] is rt
        digits = made[0][1]
        expected = np.zeros((rt.n_units, rt.n_raters), dtype=np.int8)
        expected[rt.unit, rt.rater] = rt.code + 1
        np.testing.assert_array_equal(digits, expected)
        st = _stats.UnitStats(rt, digits=digits)
        ref = _stats.UnitStats(rt)
    if ref.group is None:
        assert st.group is None
    else:
        np.testing.assert_array_equal(st.group, ref.group)
        np.testing.assert_array_equal(st.freq, ref.freq)
        np.testing.assert_array_equal(st.counts, ref.counts)
        np.testing.assert_array_equal(st.codes, ref.codes)


def test_no_digits_when_a_unit_or_rater_is_dropped():
    x = _grades(50, 3, 0.1, seed=8)
    x[5] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rdata.wide_digits() as made:
            as_ratings(pd.DataFrame(x), categories=[1, 2, 3, 4], min_ratings=1)
        assert made == []
        x = _grades(50, 3, 0.1, seed=8)
        x[:, 1] = np.nan
        with rdata.wide_digits() as made:
            as_ratings(pd.DataFrame(x), categories=[1, 2, 3, 4], min_ratings=1)
        assert made == []
    # outside the block nothing is recorded
    assert rdata._DIGITS.get() is None


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("weights", ["identity", "quadratic"])
def test_dataframe_equals_prebuilt_ratings(k, weights):
    x = _grades(2000, k, 0.1, seed=9)
    x[17] = np.nan                                     # dropped: no digits for this one
    for data in (x, x[(~np.isnan(x)).any(axis=1)]):
        df = pd.DataFrame(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rt = as_ratings(df, level="ordinal", categories=[1, 2, 3, 4])
            fns = [fleiss_kappa, gwet_ac1, krippendorff_alpha, conger_kappa]
            if k == 2:
                fns.append(cohen_kappa)
            for fn in fns:
                kw = {} if fn is krippendorff_alpha else {"weights": weights}
                a = fn(df, level="ordinal", categories=[1, 2, 3, 4], **kw)
                b = fn(rt, **kw)
                assert a.estimate == b.estimate and a.se == b.se, fn.__name__
                assert tuple(a.ci) == tuple(b.ci), fn.__name__
        assert len(_stats._DIGITS) == 0                # handed over, not kept
