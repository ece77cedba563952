"""The observed-data path of the ANOVA ICC (issue 18): floats instead of (1, n) weights,
column-wise row sums of squares, the spread pass only near the float limits. Every number
must equal the general (bootstrap) kernels' bit for bit."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from reliability.icc import _anova, icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def _data(rng, n, k, scale=1.0):
    return scale * (rng.normal(size=(n, 1)) + rng.normal(scale=0.3, size=(1, k))
                    + rng.normal(size=(n, k)) * 10 ** rng.uniform(-2, 2, size=(1, k)))


def _same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7, 8, 11])
def test_row_terms_add_the_columns_left_to_right(k, layout):
    """Row-major or column-major input, the centred data come back column-major and both
    row quantities are the left-to-right sums, bit for bit: given the same mean, the two
    layouts give the same terms."""
    rng = np.random.default_rng(10 * k + (layout == "F"))
    x = np.asarray(_data(rng, 777, k), order=layout)
    X, rowsum, rowsq = _anova.per_unit_terms(x)
    assert X.flags.f_contiguous
    np.testing.assert_array_equal(X, x - x.mean())
    seq, seqsq = X[:, 0].copy(), X[:, 0] * X[:, 0]
    for j in range(1, k):
        seq += X[:, j]
        seqsq += X[:, j] * X[:, j]
    np.testing.assert_array_equal(rowsum, seq)
    np.testing.assert_array_equal(rowsq, seqsq)
    total = x.sum()
    mine = _anova.per_unit_terms(x, total)
    other = _anova.per_unit_terms(np.asarray(x, order="F" if layout == "C" else "C"), total)
    for a, b in zip(other, mine):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(40))
def test_observed_mean_squares_and_estimates_equal_the_weighted_kernel(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(2, 400)), int(rng.integers(2, 12))
    x = _data(rng, n, k)
    if seed % 5 == 0:
        x = np.round(x)                     # ties, exact fits, zero mean squares
    if seed % 7 == 0:
        x[:] = x[:, :1]                     # perfect agreement: MSE = MSW = 0
    terms = _anova.per_unit_terms(x)
    general = _anova.mean_squares(np.ones((1, n)), terms, n, k)
    observed = _anova.observed_mean_squares(terms, n, k)
    for key in ("MSR", "MSC", "MSE", "MSW", "SSR", "SSC", "SSE", "n"):
        assert _same(float(general[key][0]), observed[key]), key
        assert type(observed[key]) is float
    est_general = _anova.icc_from_ms(general, n, k)
    est_observed = _anova.icc_from_observed(observed, n, k)
    for form in FORMS:
        assert _same(float(est_general[form][0]), est_observed[form]), form
    cis, extra = _anova.f_intervals(general, est_general, n, k, 0.9)
    cis2, extra2 = _anova.f_intervals_scalar(
        observed["MSR"], observed["MSC"], observed["MSE"], observed["MSW"],
        est_observed["ICC2"], est_observed["ICC2k"], n, k, 0.9)
    np.testing.assert_equal(cis, cis2)
    np.testing.assert_equal(extra, extra2)
    np.testing.assert_equal(_anova.rho0_tests(general, n, k, 0.2),
                            _anova.rho0_tests_scalar(observed["MSR"], observed["MSC"],
                                                     observed["MSE"], observed["MSW"], n, k, 0.2))


def test_icc2k_negative_denominator_is_nan_in_both_kernels():
    x = np.array([[1.0, 5.0], [1.1, 5.0], [1.0, 5.1]])      # raters differ, units do not
    terms = _anova.per_unit_terms(x)
    observed = _anova.observed_mean_squares(terms, 3, 2)
    general = _anova.mean_squares(np.ones((1, 3)), terms, 3, 2)
    a, b = _anova.icc_from_observed(observed, 3, 2), _anova.icc_from_ms(general, 3, 2)
    assert math.isnan(a["ICC2k"]) or a["ICC2k"] == b["ICC2k"][0]
    for form in FORMS:
        assert _same(a[form], float(b[form][0]))


def _unit_spread(seed=3):
    rng = np.random.default_rng(seed)
    base = _data(rng, 60, 4)
    return base / np.abs(base - base.mean()).max()          # spread max|x - mean| = 1


@pytest.mark.parametrize("scale", [1e-101, 1e-99, 1e99, 1e101, 1e-100 * (1 + 1e-15), 1e100 * (1 - 1e-15)])
def test_rescaling_decision_near_the_limits(scale):
    """The spread pass is skipped only when the sum of squares proves it unnecessary: data
    just inside the limits are not rescaled, data just outside are."""
    x = _unit_spread() * scale
    spread = np.abs(x - x.mean()).max()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = icc(x)
    rescaled = any("rescaled" in note for note in res.notes)
    assert rescaled == (not 1e-100 < spread < 1e100)


@pytest.mark.parametrize("scale", [1e-300, 1e-250, 1e-160, 1e-120, 1e-99, 1e-77, 1e-30, 1e30,
                                   1e77, 1e99, 1e120, 1e160, 1e250, 1e300, 1e307, 5e307])
def test_icc_is_scale_free_without_warnings(scale):
    """Estimates, intervals (at two levels) and the rho0 tests do not depend on the scale,
    from 1e-300 to data whose sum overflows (5e307), with no warning. The mean squares'
    squares in the Satterthwaite df overflowed at 1e77-1e100 (intervals of ICC2 were NaN)
    and a sum beyond the float range gave NaN or an OverflowError."""
    base = _unit_spread()
    x = base * scale
    assert np.isfinite(x).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no overflow warning from the sums of squares
        res = icc(x, rho0=0.3)
    ref = icc(base, rho0=0.3)
    for form in FORMS:
        assert res[form].estimate == pytest.approx(ref[form].estimate, rel=1e-12, abs=1e-12)
        assert tuple(res[form].ci) == pytest.approx(tuple(ref[form].ci), rel=1e-10, abs=1e-12)
        assert tuple(res[form].confidence_interval(0.8)) == pytest.approx(
            tuple(ref[form].confidence_interval(0.8)), rel=1e-10, abs=1e-12)
        assert res[form].test.statistic == pytest.approx(ref[form].test.statistic, rel=1e-10)
        assert res[form].test.df == pytest.approx(ref[form].test.df, rel=1e-10)
        assert res[form].test.p_value == pytest.approx(ref[form].test.p_value, rel=1e-9)
        assert res[form].p == pytest.approx(ref[form].p, rel=1e-9, abs=1e-300)


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-150, 1e150), st.floats(1e-150, 1e150), st.floats(-0.9, 0.99),
       st.integers(2, 10_000), st.integers(2, 50))
def test_satterthwaite_rescaling_changes_no_ordinary_value(msc, mse, rho, n, k):
    """The power-of-two shift of the mean squares is exact: wherever the plain formula
    neither overflows nor underflows, the df is the same to the bit."""
    a = k * rho / (n * (1 - rho))
    b = 1 + k * rho * (n - 1) / (n * (1 - rho))
    msc, mse = np.float64(msc), np.float64(mse)
    with np.errstate(all="ignore"):
        parts = ((a * msc + b * mse) ** 2, (a * msc) ** 2, (b * mse) ** 2)
        plain = parts[0] / (parts[1] / (k - 1) + parts[2] / ((n - 1) * (k - 1)))
    assume(all(1e-290 < abs(p) < 1e290 for p in parts if p != 0) and np.isfinite(plain))
    assert _anova.satterthwaite_df(rho, msc, mse, n, k) == plain


@settings(max_examples=300, deadline=None)
@given(st.floats(1e-300, 1e300), st.floats(1e-300, 1e300), st.floats(-0.9, 0.99),
       st.integers(2, 10 ** 7), st.integers(2, 200))
@example(1.2e-150, 1.5e-150, 0.0, 10 ** 7, 200)   # unscaled, a square / (n-1)(k-1) is subnormal
def test_satterthwaite_df_equals_exact_arithmetic_at_any_scale(msc, mse, rho, n, k):
    """Against the formula in exact rational arithmetic (Fractions of the same a, b and
    mean squares), over the whole float range: within 1e-14 (a few roundings of an O(1)
    ratio)."""
    from fractions import Fraction

    a = k * rho / (n * (1 - rho))
    b = 1 + k * rho * (n - 1) / (n * (1 - rho))
    A, B, C, E = (Fraction(float(v)) for v in (a, b, msc, mse))
    exact = (A * C + B * E) ** 2 / ((A * C) ** 2 / (k - 1) + (B * E) ** 2 / ((n - 1) * (k - 1)))
    assert _anova.satterthwaite_df(rho, msc, mse, n, k) == pytest.approx(float(exact), rel=1e-14)


def test_scalar_type_check_keeps_arrays_on_the_scipy_path():
    from scipy import stats

    assert _anova.f_sf(np.array([2.0, 3.0]), 3, 5).tolist() == stats.f.sf([2.0, 3.0], 3, 5).tolist()
    assert _anova.f_ppf(0.9, np.array([3.0, 4.0]), 5).tolist() == \
        stats.f.ppf(0.9, [3.0, 4.0], 5).tolist()
    assert _anova.f_sf(np.float32(2.0), np.int32(3), 5) == stats.f.sf(2.0, 3, 5)
    assert _anova.f_sf(2.0, True, 5) == stats.f.sf(2.0, 1, 5)


@pytest.mark.parametrize("scale", [1e307, 2e307])
def test_icc_of_data_whose_sum_overflows(scale):
    """Finite grades whose sum is beyond the float range (the mean overflowed: before, NaN
    without a word at 2e307 and an OverflowError at 1e307) give the ICCs of the same data
    at a small scale, with a note and no warning."""
    base = _unit_spread() + 5.0                 # a mean well away from 0: the sum overflows
    x = base * scale
    with np.errstate(over="ignore"):
        assert np.isfinite(x).all() and not np.isfinite(x.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = icc(x, rho0=0.3)
    ref = icc(base, rho0=0.3)
    assert any("rescaled" in note for note in res.notes)
    for form in FORMS:
        assert res[form].estimate == pytest.approx(ref[form].estimate, rel=1e-12, abs=1e-12)
        assert tuple(res[form].ci) == pytest.approx(tuple(ref[form].ci), rel=1e-10, abs=1e-12)
        assert res[form].test.p_value == pytest.approx(ref[form].test.p_value, rel=1e-9)
