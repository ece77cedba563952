"""Invariances, bounds and the vectorised bootstrap of the ANOVA ICCs."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from reliability.icc import icc
from reliability.inference import resampling_weights

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]

# generated scores are wide data (units x raters): shape="wide" says so, since a square
# unlabelled array is otherwise refused as a possible contingency table
matrices = st.tuples(st.integers(3, 12), st.integers(2, 5)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.integers(0, 9).map(float)))


def _close(a, b, tol=1e-9):
    if np.isnan(a) or np.isnan(b) or np.isinf(a) or np.isinf(b):
        return (np.isnan(a) and np.isnan(b)) or a == b
    return abs(a - b) <= tol * max(1.0, abs(a))


@given(matrices, st.randoms(use_true_random=False))
def test_permuting_units_and_raters(x, rnd):
    base = icc(x, shape="wide")
    rows = list(range(x.shape[0]))
    cols = list(range(x.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    other = icc(x[rows][:, cols], shape="wide")
    for form in FORMS:
        assert _close(base[form].estimate, other[form].estimate)
        assert _close(base[form].F, other[form].F)


@given(matrices, st.floats(-100, 100), st.floats(0.01, 100))
def test_location_and_scale_invariance(x, shift, scale):
    base = icc(x, shape="wide")
    other = icc(x * scale + shift, shape="wide")
    for form in FORMS:
        assert _close(base[form].estimate, other[form].estimate, 1e-7)
        for a, b in zip(base[form].ci, other[form].ci):
            assert _close(a, b, 1e-6)


@given(matrices)
def test_bounds(x):
    res = icc(x, shape="wide")
    k = x.shape[1]
    for form in FORMS:
        f = res[form]
        if np.isnan(f.estimate):
            assert f.reason
            continue
        assert f.estimate <= 1 + 1e-12
        # single-measure ICC1 >= -1/(k-1) (Shrout & Fleiss 1979)
        if form == "ICC1":
            assert f.estimate >= -1 / (k - 1) - 1e-12
        lo, hi = f.ci
        if np.isfinite(lo) and np.isfinite(hi):
            assert lo <= f.estimate + 1e-9 and f.estimate <= hi + 1e-9
        assert 0 <= f.p <= 1 or np.isnan(f.p)
    for single in ("ICC1", "ICC2", "ICC3"):
        a, b = res[single].estimate, res[single + "k"].estimate
        if np.isfinite(a) and a > 0:
            assert b >= a - 1e-12  # averaging raters cannot reduce a positive ICC


def test_vectorised_bootstrap_statistic_equals_explicit_resamples():
    from reliability.icc import _anova

    rng = np.random.default_rng(0)
    x = rng.normal(size=(15, 1)) + rng.normal(size=(15, 4))
    n, k = x.shape
    w = resampling_weights(n, 5, rng)
    terms = _anova.per_unit_terms(x)
    vec = _anova.icc_from_ms(_anova.mean_squares(w, terms, n, k), n, k)
    for b in range(5):
        explicit = icc(np.repeat(x, w[b].astype(int), axis=0), shape="wide")
        for form in FORMS:
            assert vec[form][b] == pytest.approx(explicit[form].estimate, abs=1e-10)


def test_bootstrap_option():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 1)) + rng.normal(size=(60, 3))
    res = icc(x, bootstrap=500, seed=7)
    again = icc(x, bootstrap=500, seed=7)
    analytic = icc(x)
    for form in FORMS:
        f = res[form]
        assert f.ci == again[form].ci
        assert f.ci_level == 0.95 and f.se > 0
        assert f.extra["ci_F"] == pytest.approx(list(analytic[form].ci))
        assert f.estimate == analytic[form].estimate
        # with 60 units the percentile interval is close to the exact F interval
        assert f.ci[0] == pytest.approx(analytic[form].ci[0], abs=0.15)
        assert f.ci[1] == pytest.approx(analytic[form].ci[1], abs=0.15)
