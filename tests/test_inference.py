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


# ------------------------------------------------------------- grouped resampling weights
def _ratio_statistic(a, b):
    """A nonlinear statistic of per-unit sums: sum(w a) / sum(w b)."""
    def statistic(w):
        return (w @ a) / (w @ b)
    return statistic


@pytest.mark.parametrize("n,method", [(300, "percentile"), (300, "bca"), (6000, "bca")])
def test_groups_give_the_unit_level_result(n, method):
    """Units with equal per-unit values grouped: the same draws summed within groups, so
    the same bootstrap distribution, SE and interval (to rounding) as without groups,
    including BCa's leave-one-out (n <= 5000) and grouped (n > 5000) jackknife."""
    rng = np.random.default_rng(8)
    G = 7
    group = rng.integers(0, G, size=n)
    group[:G] = np.arange(G)                       # every group present
    ga, gb = rng.normal(size=G), rng.uniform(1, 2, size=G)
    plain = bootstrap_units(_ratio_statistic(ga[group], gb[group]), n, n_resamples=500,
                            seed=3, method=method)
    grouped = bootstrap_units(_ratio_statistic(ga, gb), n, n_resamples=500, seed=3,
                              method=method, groups=group)
    np.testing.assert_allclose(grouped.distribution, plain.distribution, rtol=1e-12)
    assert grouped.se == pytest.approx(plain.se, rel=1e-10)
    assert grouped.ci == pytest.approx(plain.ci, rel=1e-10)
    assert grouped.estimate == pytest.approx(plain.estimate, rel=1e-12)
    assert grouped.method == plain.method


def test_grouped_weights_and_empty_groups():
    rng = np.random.default_rng(0)
    group = np.array([0, 0, 2, 2, 2])               # group 1 empty, group 3 beyond the data
    w = resampling_weights(5, 300, rng, group, n_groups=4)
    assert w.shape == (300, 4)
    np.testing.assert_array_equal(w.sum(axis=1), 5)
    assert (w[:, 1] == 0).all() and (w[:, 3] == 0).all()
    same = resampling_weights(5, 300, np.random.default_rng(0))
    np.testing.assert_array_equal(w[:, 0], same[:, :2].sum(axis=1))
    with pytest.raises(ReliabilityError, match="group"):
        bootstrap_units(lambda u: u[:, 0], 5, groups=np.array([0, 1, 2]))
    with pytest.raises(ReliabilityError, match="n_groups"):
        bootstrap_units(lambda u: u[:, 0], 5, groups=group, n_groups=2)


def test_shared_resamples_reuse_the_same_weights():
    """Inside shared_resamples() two calls with one integer seed see identical weights
    (drawn once); a different seed or no seed still draws afresh."""
    from reliability.inference import shared_resamples

    seen = []

    def record(w):
        if len(w) > 1:                              # not the estimate's one-row call
            seen.append(w)
        return w[:, 0]
    with shared_resamples():
        a = bootstrap_units(record, 50, n_resamples=100, seed=5)
        b = bootstrap_units(record, 50, n_resamples=100, seed=5)
        c = bootstrap_units(record, 50, n_resamples=100, seed=6)
    np.testing.assert_array_equal(a.distribution, b.distribution)
    assert seen[0] is seen[1]
    assert not np.array_equal(a.distribution, c.distribution)
    d = bootstrap_units(record, 50, n_resamples=100, seed=5)    # outside: drawn again
    np.testing.assert_array_equal(a.distribution, d.distribution)
    assert seen[-1] is not seen[0]


def test_bootstrap_units_multi_columns_equal_single_bootstraps():
    """Each column of the shared-draw bootstrap is the single bootstrap with the same seed
    (percentile and BCa), so icc(bootstrap=) reports what six separate bootstraps would."""
    import numpy as np

    from reliability.inference import bootstrap_units, bootstrap_units_multi

    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 2)) + np.array([0.0, 1.0])

    def stats(w):
        w = np.atleast_2d(w)
        tot = w.sum(axis=1)
        mean = w @ x / tot[:, None]
        return np.column_stack([mean[:, 0], mean[:, 1] - mean[:, 0]])

    for method in ("percentile", "bca"):
        multi = bootstrap_units_multi(stats, 2, len(x), n_resamples=200, seed=11, method=method)
        for j in range(2):
            single = bootstrap_units(lambda w, j=j: stats(w)[:, j], len(x), n_resamples=200,
                                     seed=11, method=method)
            assert multi[j].estimate == single.estimate
            assert multi[j].se == single.se and multi[j].ci == single.ci
        assert multi[0].ci != multi[1].ci
