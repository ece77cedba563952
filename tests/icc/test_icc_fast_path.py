"""The observed-data path of the ANOVA ICC (issue 18): floats instead of (1, n) weights,
column-wise row sums of squares, the spread pass only near the float limits. Every number
must equal the general (bootstrap) kernels' bit for bit."""

import math
import warnings

import numpy as np
import pytest

from reliability.icc import _anova, icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def _data(rng, n, k, scale=1.0):
    return scale * (rng.normal(size=(n, 1)) + rng.normal(scale=0.3, size=(1, k))
                    + rng.normal(size=(n, k)) * 10 ** rng.uniform(-2, 2, size=(1, k)))


def _same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6, 7, 8, 11])
def test_row_terms_are_the_row_sums_and_sums_of_squares(k):
    rng = np.random.default_rng(k)
    x = _data(rng, 501, k)
    X, rowsum, rowsq = _anova.per_unit_terms(x)
    np.testing.assert_array_equal(X, x - x.mean())
    seq = X[:, 0].copy()
    for j in range(1, k):
        seq += X[:, j]
    if k < 8:
        np.testing.assert_array_equal(rowsum, seq)     # left to right, as numpy below 8
    np.testing.assert_allclose(rowsum, seq, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(rowsq, (X * X).sum(axis=1), rtol=1e-15, atol=0)


@pytest.mark.parametrize("k", [2, 3, 4, 7, 8, 11])
def test_row_terms_of_column_major_data_add_left_to_right(k):
    """A DataFrame's values are column-major: there einsum (the old kernel) summed the
    squares left to right, and so must the column-wise replacement (bit for bit)."""
    rng = np.random.default_rng(10 + k)
    x = np.asfortranarray(_data(rng, 777, k))
    X, rowsum, rowsq = _anova.per_unit_terms(x)
    assert X.flags.f_contiguous
    np.testing.assert_array_equal(rowsq, np.einsum("ij,ij->i", X, X))
    np.testing.assert_array_equal(rowsum, X.sum(axis=1))


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
        warnings.simplefilter("ignore")     # (F tests at 1e99 overflow in the df formula)
        res = icc(x)
    rescaled = any("rescaled" in note for note in res.notes)
    assert rescaled == (not 1e-100 < spread < 1e100)


@pytest.mark.parametrize("scale", [1e-250, 1e-160, 1e-120, 1e-30, 1e30, 1e120, 1e160, 1e250])
def test_icc_is_scale_free_without_warnings(scale):
    base = _unit_spread()
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # no overflow warning from the sums of squares
        res = icc(base * scale)
    ref = icc(base)
    for form in FORMS:
        assert res[form].estimate == pytest.approx(ref[form].estimate, rel=1e-12, abs=1e-12)
        assert tuple(res[form].ci) == pytest.approx(tuple(ref[form].ci), rel=1e-10, abs=1e-12)


def test_scalar_type_check_keeps_arrays_on_the_scipy_path():
    from scipy import stats

    assert _anova.f_sf(np.array([2.0, 3.0]), 3, 5).tolist() == stats.f.sf([2.0, 3.0], 3, 5).tolist()
    assert _anova.f_ppf(0.9, np.array([3.0, 4.0]), 5).tolist() == \
        stats.f.ppf(0.9, [3.0, 4.0], 5).tolist()
    assert _anova.f_sf(np.float32(2.0), np.int32(3), 5) == stats.f.sf(2.0, 3, 5)
    assert _anova.f_sf(2.0, True, 5) == stats.f.sf(2.0, 1, 5)
