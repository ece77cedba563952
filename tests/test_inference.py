import numpy as np
import pytest
from scipy import stats

from reliability import ReliabilityError
from reliability.inference import (bootstrap_units, clopper_pearson_interval, normal_interval,
                                   resampling_weights, t_interval, wilson_interval)


def _mean_statistic(x):
    def statistic(w):
        return (w @ x) / w.sum(axis=1)
    return statistic


def test_weights_are_multinomial_resamples():
    w = resampling_weights(50, 400, np.random.default_rng(0))
    assert w.shape == (400, 50)
    np.testing.assert_array_equal(w.sum(axis=1), 50)
    # each unit is drawn Binomial(n, 1/n) times: mean 1, variance 1 - 1/n (tolerance: 4 SE)
    assert abs(w.mean() - 1) < 4 * np.sqrt((1 - 1 / 50) / w.size)


def test_bootstrap_se_of_mean_matches_analytic():
    x = np.random.default_rng(1).normal(size=400)
    res = bootstrap_units(_mean_statistic(x), len(x), n_resamples=4000, seed=2)
    analytic = x.std(ddof=0) / np.sqrt(len(x))  # plug-in SE, what the bootstrap estimates
    # Monte Carlo error of a bootstrap SE with B=4000 is about se/sqrt(2B) ~ 1.1%: allow 5%.
    assert res.se == pytest.approx(analytic, rel=0.05)
    assert res.estimate == pytest.approx(x.mean())


@pytest.mark.parametrize("method", ["percentile", "BCa"])
def test_intervals_match_scipy_bootstrap(method):
    x = np.random.default_rng(3).exponential(size=200)
    ours = bootstrap_units(_mean_statistic(x), len(x), n_resamples=6000, seed=4,
                           method=method.lower())
    ref = stats.bootstrap((x,), np.mean, n_resamples=6000, method=method,
                          random_state=np.random.default_rng(5)).confidence_interval
    # Two independent Monte Carlo runs of B=6000: interval ends agree to ~1 bootstrap SE / 10.
    tol = 0.15 * ours.se
    assert ours.ci[0] == pytest.approx(ref.low, abs=tol)
    assert ours.ci[1] == pytest.approx(ref.high, abs=tol)


def test_seed_reproducible_and_nan_resamples_counted():
    x = np.arange(10.0)
    a = bootstrap_units(_mean_statistic(x), 10, n_resamples=100, seed=7)
    b = bootstrap_units(_mean_statistic(x), 10, n_resamples=100, seed=7)
    np.testing.assert_array_equal(a.distribution, b.distribution)

    def sometimes_nan(w):
        out = (w @ x) / w.sum(axis=1)
        out[w[:, 0] == 0] = np.nan
        return out
    c = bootstrap_units(sometimes_nan, 10, n_resamples=200, seed=1)
    assert c.n_valid == np.isfinite(c.distribution).sum() < 200


def test_closed_form_intervals():
    assert normal_interval(0.5, 0.1, 0.95)[1] == pytest.approx(0.5 + 1.959963985 * 0.1)
    assert t_interval(0.5, 0.1, 9, 0.9)[0] == pytest.approx(0.5 - stats.t.ppf(0.95, 9) * 0.1)
    lo, hi = wilson_interval(22, 24)
    ref = stats.binomtest(22, 24).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-12)
    lo, hi = clopper_pearson_interval(22, 24)
    ref = stats.binomtest(22, 24).proportion_ci(method="exact")
    assert (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_bad_options():
    with pytest.raises(ReliabilityError, match="confidence"):
        normal_interval(0, 1, 1.5)
    with pytest.raises(ReliabilityError, match="bootstrap method"):
        bootstrap_units(lambda w: w.sum(1), 5, method="basic")


def test_parallel_blocks_give_identical_results():
    x = np.random.default_rng(9).normal(size=300)
    a = bootstrap_units(_mean_statistic(x), 300, n_resamples=1000, seed=11)
    b = bootstrap_units(_mean_statistic(x), 300, n_resamples=1000, seed=11, n_jobs=2)
    np.testing.assert_array_equal(a.distribution, b.distribution)
