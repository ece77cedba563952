"""Power and sample size for the ICC (Walter, Eliasziw & Donner 1998; Bonett 2002).

References: simulation (the rejection rate of the library's own F test of H0: ICC = rho0,
``_anova.rho0_tests``, on simulated one-way and two-way normal data; the mean width of the
exact F interval on simulated data), Walter et al.'s closed-form approximation, and
properties (power increases with n; the sample size is the smallest n reaching the target).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from reliability import ReliabilityError
from reliability.icc import _anova, icc_ci_width_sample_size, icc_power, icc_sample_size


def _mean_squares(n, k, s2u, s2r, s2e, B, rng):
    x = (rng.normal(0, np.sqrt(s2u), (B, n, 1)) + rng.normal(0, np.sqrt(s2r), (B, 1, k))
         + rng.normal(0, np.sqrt(s2e), (B, n, k)))
    g = x.mean(axis=(1, 2), keepdims=True)
    row, col = x.mean(axis=2, keepdims=True), x.mean(axis=1, keepdims=True)
    msr = k * np.sum((row - g) ** 2, axis=(1, 2)) / (n - 1)
    msc = n * np.sum((col - g) ** 2, axis=(1, 2)) / (k - 1)
    mse = np.sum((x - row - col + g) ** 2, axis=(1, 2)) / ((n - 1) * (k - 1))
    msw = np.sum((x - row) ** 2, axis=(1, 2)) / (n * (k - 1))
    return msr, msc, mse, msw


@pytest.mark.parametrize("form,name,rater_var", [("oneway", "ICC1", 0.0),
                                                 ("consistency", "ICC3", 0.5)])
@pytest.mark.parametrize("rho,rho0,k", [(0.6, 0.3, 3), (0.8, 0.6, 2)])
def test_power_matches_simulated_rejection_rate(form, name, rater_var, rho, rho0, k):
    # The power is exact for normal data: the simulated rejection rate of icc()'s test at
    # the planned n must be within 4 binomial SEs (B = 4000: SE ~0.0063, tolerance 0.025).
    plan = icc_sample_size(rho, rho0, k=k, form=form)
    n, B = plan["n"], 4000
    rng = np.random.default_rng(int(100 * rho + k))
    ms = _mean_squares(n, k, rho, rater_var, 1 - rho, B, rng)
    p = np.array([_anova.rho0_tests({"MSR": [a], "MSC": [b], "MSE": [c], "MSW": [d]},
                                    n, k, rho0)[name][3] for a, b, c, d in zip(*ms)])
    rate = np.mean(p < 0.05)
    power = icc_power(rho, rho0, n, k, form=form)
    assert power == plan["power"]
    assert abs(rate - power) <= 4 * np.sqrt(power * (1 - power) / B)


@pytest.mark.parametrize("rho,rho0,k", [(0.6, 0.4, 3), (0.8, 0.6, 2), (0.7, 0.5, 5),
                                        (0.5, 0.0, 2)])
def test_walter_approximation_is_close(rho, rho0, k):
    # Walter et al. (1998) report their closed form within a unit or two of the exact n
    # for these settings; allow 10% or 2 units.
    plan = icc_sample_size(rho, rho0, k=k)
    assert abs(plan["n_approx"] - plan["n"]) <= max(2, 0.1 * plan["n"])


@given(st.floats(0.05, 0.9), st.floats(0.02, 0.5), st.integers(2, 6),
       st.floats(0.5, 0.95))
def test_sample_size_is_the_smallest_n_reaching_the_target(rho0, gap, k, target):
    rho = min(rho0 + gap, 0.97)
    plan = icc_sample_size(rho, rho0, k=k, power=target)
    n = plan["n"]
    assert icc_power(rho, rho0, n, k) >= target
    if n > 2:
        assert icc_power(rho, rho0, n - 1, k) < target


@given(st.floats(0.0, 0.9), st.floats(0.0, 0.9), st.integers(2, 6))
def test_power_increases_with_n_and_is_alpha_at_the_null(rho, rho0, k):
    ns = np.arange(2, 200)
    pw = icc_power(rho, rho0, ns, k)
    assert np.all((pw >= 0) & (pw <= 1))
    if rho > rho0:
        assert np.all(np.diff(pw) >= -1e-12)
    if rho == rho0:
        np.testing.assert_allclose(pw, 0.05, atol=1e-9)
    assert icc_power(rho0, rho0, 30, k) == pytest.approx(0.05, abs=1e-9)


@pytest.mark.parametrize("rho,k,width", [(0.7, 3, 0.2), (0.5, 2, 0.3), (0.8, 4, 0.15),
                                         (0.9, 2, 0.1), (0.8, 2, 0.15)])
def test_ci_width_plan_against_simulated_widths(rho, k, width):
    # Bonett's (2002) n: the mean width of the exact F interval of ICC(1) on data simulated
    # at that n is the target to within 3% (his approximation; the simulation SE of the
    # mean over 2000 data sets is ~0.3%). k = 2, rho >= .7 needs his + 5 rho correction
    # (measured without it: 6.4% too wide at rho = .9, w = .1).
    plan = icc_ci_width_sample_size(rho, k, width)
    n = plan["n"]
    rng = np.random.default_rng(k)
    msr, _, _, msw = _mean_squares(n, k, rho, 0.0, 1 - rho, 2000, rng)
    F = msr / msw
    fl, fu = F / stats.f.ppf(0.975, n - 1, n * (k - 1)), F * stats.f.ppf(0.975, n * (k - 1), n - 1)
    widths = (fu - 1) / (fu + k - 1) - (fl - 1) / (fl + k - 1)
    assert widths.mean() == pytest.approx(width, rel=0.03)
    assert plan["width_at_n"] == pytest.approx(width, rel=0.03)
    # a narrower interval needs more units
    assert icc_ci_width_sample_size(rho, k, width / 2)["n"] > n


def test_options_validated():
    with pytest.raises(ReliabilityError, match="rho"):
        icc_sample_size(0.3, 0.5, k=3)
    with pytest.raises(ReliabilityError, match="power"):
        icc_sample_size(0.6, 0.3, k=3, power=1.0)
    with pytest.raises(ReliabilityError, match="k"):
        icc_power(0.6, 0.3, 20, 1)
    with pytest.raises(ReliabilityError, match="n="):
        icc_power(0.6, 0.3, 1.5, 3)
    with pytest.raises(ReliabilityError, match="form"):
        icc_power(0.6, 0.3, 20, 3, form="agreement")
