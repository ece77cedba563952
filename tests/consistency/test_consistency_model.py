"""Latent-normal and mixed-model consistency vs Monte Carlo; planning vs closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from reliability.consistency import (
    bvn_cdf,
    kappa_model_table,
    kappa_variance,
    latent_consistency,
    mixed_model_consistency,
    n_for_agreement,
    n_for_agreement_simulated,
    n_for_kappa,
    n_for_kappa_simulated,
    simulate_kappa_precision,
    wilson_half_width,
)


@pytest.mark.parametrize("rho", [-0.7, 0.0, 0.35, 0.9, 0.999])
def test_bvn_cdf_matches_scipy(rho):
    h = np.array([-1.2, 0.0, 0.5, 2.0, 0.0, 1.0, -0.3])
    k = np.array([0.3, 0.0, -0.7, 1.5, 0.8, 0.0, -2.5])
    mvn = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
    ref = np.array([mvn.cdf([a, b]) for a, b in zip(h, k)])
    # scipy's Genz integration is accurate to ~1e-7 here; Owen's T is exact.
    assert bvn_cdf(h, k, rho) == pytest.approx(ref, abs=1e-6)
    assert bvn_cdf(np.inf, 0.4, rho) == pytest.approx(stats.norm.cdf(0.4))
    assert bvn_cdf(-np.inf, 0.4, rho) == 0.0


def test_latent_consistency_vs_monte_carlo():
    props = np.array([0.15, 0.70, 0.12, 0.03])
    rho = 0.6
    r = latent_consistency(props, rho, categories=list("OGRI"))
    n = 2_000_000
    rng = np.random.default_rng(2024)
    t = rng.normal(scale=np.sqrt(rho), size=n)
    x1 = t + rng.normal(scale=np.sqrt(1 - rho), size=n)
    x2 = t + rng.normal(scale=np.sqrt(1 - rho), size=n)
    cuts = stats.norm.ppf(np.cumsum(props)[:-1])
    g1, g2, gt = np.digitize(x1, cuts), np.digitize(x2, cuts), np.digitize(t, cuts)
    # n = 2e6 draws: MC SE <= 0.00035 for every proportion here; 3 decimals (0.0015) ~ 4 SE.
    assert r["consistency"].estimate == pytest.approx(np.mean(g1 == g2), abs=0.0015)
    assert r["accuracy"].estimate == pytest.approx(np.mean(g1 == gt), abs=0.0015)
    assert r["consistency[G]"].estimate == pytest.approx(np.mean(g2[g1 == 1] == 1), abs=0.0015)
    assert r["p_change"].estimate == pytest.approx(1 - r["consistency"].estimate)


def test_latent_limits():
    props = [0.2, 0.5, 0.3]
    assert latent_consistency(props, 1.0)["consistency"].estimate == pytest.approx(1.0, abs=1e-9)
    # Zero reliability in the limit: independent re-inspection, agreement = sum p^2.
    assert latent_consistency(props, 1e-9)["consistency"].estimate == pytest.approx(
        np.sum(np.square(props)), abs=1e-6)


def test_mixed_model_consistency_vs_monte_carlo():
    th = np.array([-1.26, 2.01, 4.15])     # tests/data/inspections_synthetic.truth.json
    sd_u, eta_mean, eta_sd = 0.4, 0.5, 0.8
    r = mixed_model_consistency(th, inspector_sd=sd_u, eta_mean=eta_mean, eta_sd=eta_sd)
    n = 2_000_000
    rng = np.random.default_rng(7)
    eta = rng.normal(eta_mean, eta_sd, n)
    y1 = np.digitize(eta + rng.normal(0, sd_u, n) + rng.logistic(size=n), th)
    y2 = np.digitize(eta + rng.normal(0, sd_u, n) + rng.logistic(size=n), th)
    # n = 2e6: MC SE ~ 0.00035; tolerance 0.0015 (3 decimals).
    assert r["p_same"].estimate == pytest.approx(np.mean(y1 == y2), abs=0.0015)
    assert r["p_same[2]"].estimate == pytest.approx(np.mean(y2[y1 == 1] == 1), abs=0.0015)
    assert r.info["proportions"] == pytest.approx(np.bincount(y1) / n, abs=0.0015)
    # Given eta values instead of a distribution: same answer for a large normal sample.
    r2 = mixed_model_consistency(th, inspector_sd=sd_u, eta=eta[:200_000])
    assert r2["p_same"].estimate == pytest.approx(r["p_same"].estimate, abs=0.002)


def test_fce_variance_equals_bloch_kraemer_for_two_categories():
    for kappa, pi in [(0.6, 0.3), (0.2, 0.5), (0.85, 0.1)]:
        v, _ = kappa_variance(kappa_model_table(kappa, pi))
        bk = (1 - kappa) * ((1 - kappa) * (1 - 2 * kappa)
                            + kappa * (2 - kappa) / (2 * pi * (1 - pi)))
        assert float(v) == pytest.approx(bk, rel=1e-12)


def test_n_for_agreement_is_minimal():
    r = n_for_agreement(0.9, 0.05)
    n = r["n_wilson"]
    assert wilson_half_width(0.9, n) <= 0.05 < wilson_half_width(0.9, n - 1)
    assert abs(r["n_normal"] - n) <= 10


def test_kappa_planning_analytic_vs_simulation():
    a = n_for_kappa(0.6, [0.15, 0.7, 0.15], 0.1)
    s = n_for_kappa_simulated(0.6, [0.15, 0.7, 0.15], 0.1, n_sim=2000, seed=3)
    # Grid step is 5% of the analytic n; the planned n agrees within 10%.
    assert s["n"] == pytest.approx(a["n"], rel=0.10)
    sim = simulate_kappa_precision(0.6, 0.3, [200], n_sim=4000, seed=1)["results"][0]
    v, _ = kappa_variance(kappa_model_table(0.6, 0.3))
    # SD of kappa-hat over 4000 replicates vs the FCE large-sample SD: within 7%.
    assert sim["empirical_half_width"] == pytest.approx(1.96 * np.sqrt(v / 200), rel=0.07)
    assert 0.92 <= sim["coverage"] <= 0.97


def test_agreement_planning_simulation_close_to_analytic():
    a = n_for_agreement(0.85, 0.06)["n_wilson"]
    s = n_for_agreement_simulated(0.85, 0.06, n_sim=20000, seed=5)
    # The expected half-width is slightly below the plug-in one (concavity); grid step 2.5%.
    assert s["n"] == pytest.approx(a, rel=0.06)
