"""Power and sample size for tests of H0: kappa = kappa0 (Flack et al. 1988 normal
approximation; Donner & Eliasziw 1992 goodness of fit).

Reference: the simulated rejection rates of the two tests on multinomial tables drawn
from the planned expected table (seeded, all replicates in one draw).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from reliability import ReliabilityError
from reliability.consistency import (kappa_model_table, kappa_power, kappa_sample_size,
                                     kappa_variance)

B = 20000   # binomial SE of a rate near 0.8: 0.003


@pytest.mark.parametrize("kappa,kappa0,prev", [(0.6, 0.4, 0.3), (0.7, 0.5, [0.2, 0.3, 0.5]),
                                               (0.5, 0.2, 0.5)])
def test_normal_power_against_simulation(kappa, kappa0, prev):
    # the z test (kappa-hat - kappa0) / sqrt(v0 / n), v0 at the planned null table; the
    # formula is a normal approximation to kappa-hat: within 0.03 (10 SE; the simulated
    # error of the approximation at n ~ 60-140 is up to ~0.015)
    plan = kappa_sample_size(kappa, kappa0, prev)
    n = plan["n"]
    p1, p0 = kappa_model_table(kappa, prev), kappa_model_table(kappa0, prev)
    v0, _ = kappa_variance(p0)
    rng = np.random.default_rng(5)
    t = rng.multinomial(n, p1.ravel(), size=B).reshape(B, *p1.shape) / n
    po = np.trace(t, axis1=1, axis2=2)
    pe = (t.sum(axis=2) * t.sum(axis=1)).sum(axis=1)
    z = ((po - pe) / (1 - pe) - kappa0) / np.sqrt(float(v0) / n)
    rate = np.mean(z > stats.norm.isf(0.05))
    assert abs(rate - plan["power"]) <= 0.03
    assert plan["power"] >= 0.8 > plan["power_previous"]


@pytest.mark.parametrize("kappa,kappa0,prev", [(0.6, 0.4, 0.3), (0.5, 0.2, 0.5),
                                               (0.4, 0.7, 0.4)])
def test_goodness_of_fit_power_against_simulation(kappa, kappa0, prev):
    # Donner & Eliasziw's 1-df chi-square test with the prevalence estimated; the
    # non-central chi-square power is a large-sample approximation: within 0.03 for
    # n >= 80, 0.045 below (measured 0.033 at n = 47 for kappa 0.4 vs kappa0 0.7)
    plan = kappa_sample_size(kappa, kappa0, prev, method="goodness-of-fit")
    n = plan["n"]
    p1 = kappa_model_table(kappa, prev)
    rng = np.random.default_rng(6)
    t = rng.multinomial(n, p1.ravel(), size=B)
    obs = np.stack([t[:, 0], t[:, 1] + t[:, 2], t[:, 3]], axis=1)
    pi = (2 * obs[:, 0] + obs[:, 1]) / (2 * n)
    q = pi * (1 - pi)
    exp = n * np.stack([pi ** 2 + q * kappa0, 2 * q * (1 - kappa0), (1 - pi) ** 2 + q * kappa0],
                       axis=1)
    x2 = np.sum((obs - exp) ** 2 / exp, axis=1)
    rate = np.mean(x2 > stats.chi2.isf(0.05, 1))
    assert abs(rate - plan["power"]) <= (0.03 if n >= 80 else 0.045)
    assert plan["n_approx"] >= 1


@given(st.floats(-0.3, 0.8), st.floats(0.05, 0.5), st.floats(0.1, 0.9), st.floats(0.5, 0.95),
       st.sampled_from(["normal", "goodness-of-fit"]))
def test_sample_size_is_smallest_and_power_increases(kappa0, gap, prev, target, method):
    kappa = min(kappa0 + gap, 0.95)
    try:
        kappa_model_table(kappa0, prev)
    except ReliabilityError:       # kappa0 impossible at these margins
        return
    plan = kappa_sample_size(kappa, kappa0, prev, power=target, method=method)
    n = plan["n"]
    assert kappa_power(kappa, kappa0, prev, n, method=method) >= target
    if n > 1:
        assert kappa_power(kappa, kappa0, prev, n - 1, method=method) < target
    pw = kappa_power(kappa, kappa0, prev, np.arange(1, 400), method=method)
    assert np.all(np.diff(pw) >= -1e-12) and np.all((pw >= 0) & (pw <= 1))


def test_bad_options():
    with pytest.raises(ReliabilityError, match="kappa != kappa0"):
        kappa_sample_size(0.4, 0.4, 0.3)
    with pytest.raises(ReliabilityError, match="two categories"):
        kappa_power(0.6, 0.4, [0.2, 0.3, 0.5], 50, method="goodness-of-fit")
    with pytest.raises(ReliabilityError, match="method"):
        kappa_power(0.6, 0.4, 0.3, 50, method="exact")
    with pytest.raises(ReliabilityError, match="n="):
        kappa_power(0.6, 0.4, 0.3, 0)
