"""Standard errors and intervals of G-study variance components and coefficients, each
checked by a second method: Monte Carlo simulation from known components (the SE formula,
the Satterthwaite interval) and the ICC's independent bootstrap code (the bootstrap)."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from conftest import DATA
from reliability.cli import main
from reliability.gtheory import g_study
from reliability.gtheory._gstudy import _anova_components, _anova_raw, _effects
from reliability.icc import icc

SD = {"p": 1.0, "r": 0.6, "o": 0.4, "pr": 0.5, "po": 0.4, "ro": 0.3, "e": 0.7}
TRUE = {"p": 1.0, "r": 0.36, "o": 0.16, "pr": 0.25, "po": 0.16, "ro": 0.09,
        "pro,e": 0.49, "pr,e": 0.49, "r:p,e": 0.49, "r:p": 0.25, "ro:p,e": 0.49}
SHAPE = {"p x r": (15, 4), "r:p": (15, 4), "p x r x o": (15, 4, 3), "(r:p) x o": (15, 4, 3)}


def _simulate(rng, design):
    """One balanced data set (an array over the design's axes) from the components SD."""
    shape = SHAPE[design]
    P, R = shape[:2]
    y = rng.normal(0, SD["p"], (P,) + (1,) * (len(shape) - 1)) * np.ones(shape)
    if design == "p x r":
        return y + rng.normal(0, SD["r"], (1, R)) + rng.normal(0, SD["e"], shape)
    if design == "r:p":
        return y + rng.normal(0, SD["e"], shape)
    O = shape[2]
    y = (y + rng.normal(0, SD["o"], (1, 1, O)) + rng.normal(0, SD["pr"], (P, R, 1))
         + rng.normal(0, SD["po"], (P, 1, O)) + rng.normal(0, SD["e"], shape))
    if design == "p x r x o":
        y = y + rng.normal(0, SD["r"], (1, R, 1)) + rng.normal(0, SD["ro"], (1, R, O))
    return y


def _exact_variance(design, effects):
    """Var of each unmodified ANOVA estimate under the model, from the true components:
    E(MS_b) = sum over effects g containing b of pi-bar(g) sigma2(g) (Brennan 2001, 3.4)
    and, the mean squares being independent scaled chi-squares, Var = sum_b 2 (c_b
    E(MS_b))^2 / df_b with c the estimator's coefficients (raw = C @ MS)."""
    shape = SHAPE[design]
    sigma = np.array([TRUE[e.short] for e in effects])
    pi_bar = np.array([np.prod([shape[a] for a in range(len(shape)) if a not in e.axes])
                       for e in effects])
    ems = np.array([sum(pi_bar[j] * sigma[j] for j, g in enumerate(effects) if g.axes >= b.axes)
                    for b in effects])
    _, df, _, _, C = _anova_raw(np.zeros(shape), effects)
    return np.sum(2 * (C * ems[None, :]) ** 2 / df[None, :], axis=1)


@pytest.mark.parametrize("design", list(SHAPE))
def test_se_formula_is_unbiased_for_the_monte_carlo_variance(design):
    names = ("p", "r", "o")[:len(SHAPE[design])]
    effects = _effects(design, names)
    rng = np.random.default_rng(20261202)
    n_sim = 300
    raw, se2 = [], []
    for _ in range(n_sim):
        table = _anova_components(_simulate(rng, design), effects, 0.95)
        raw.append(table["variance_raw"].to_numpy())
        se2.append(table["se"].to_numpy() ** 2)
    raw, se2 = np.array(raw), np.array(se2)
    # the estimators are unbiased: their mean is the true component
    sigma = np.array([TRUE[e.short] for e in effects])
    mean_se = raw.std(axis=0, ddof=1) / np.sqrt(n_sim)
    assert np.all(np.abs(raw.mean(axis=0) - sigma) < 4 * mean_se)
    # E[se^2] = Var(estimate): compare the mean estimated SE^2 with the Monte Carlo variance,
    # within 4 simulation standard errors of their difference
    dev2 = (raw - raw.mean(axis=0)) ** 2
    diff = se2 - dev2 * n_sim / (n_sim - 1)
    tol = 4 * diff.std(axis=0, ddof=1) / np.sqrt(n_sim)
    assert np.all(np.abs(diff.mean(axis=0)) < tol), (se2.mean(axis=0), dev2.mean(axis=0))
    # and the Monte Carlo variance is the exact variance from the true components
    exact = _exact_variance(design, effects)
    var_se = dev2.std(axis=0, ddof=1) / np.sqrt(n_sim)
    assert np.all(np.abs(dev2.mean(axis=0) * n_sim / (n_sim - 1) - exact) < 4 * var_se)


def test_residual_interval_is_the_exact_chi_square_interval():
    # the highest-order component is one mean square: Satterthwaite's nu is its df and the
    # interval is df MS / chi2 quantiles exactly (a second, closed-form method)
    res = g_study(DATA / "brennan_synthetic1_pxi.csv", facets="item", confidence=0.9)
    row = res.components.set_index("short").loc["pr,e"]
    df, ms = row["df"], row["MS"]
    assert row["ci_low"] == pytest.approx(df * ms / stats.chi2.ppf(0.95, df), rel=1e-12)
    assert row["ci_high"] == pytest.approx(df * ms / stats.chi2.ppf(0.05, df), rel=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(2 * ms ** 2 / (df + 2)), rel=1e-12)


def test_brennan_synthetic_1_standard_errors_by_hand():
    # p x i, 10 persons x 12 items: sigma2(p) = (MS_p - MS_pi)/12, sigma2(i) = (MS_i - MS_pi)/10
    res = g_study(DATA / "brennan_synthetic1_pxi.csv", facets="item")
    c = res.components.set_index("short")
    msp, msi, mspi = c.loc["p", "MS"], c.loc["r", "MS"], c.loc["pr,e", "MS"]
    se_p = np.sqrt(2 * (msp / 12) ** 2 / 11 + 2 * (mspi / 12) ** 2 / 101)
    se_i = np.sqrt(2 * (msi / 10) ** 2 / 13 + 2 * (mspi / 10) ** 2 / 101)
    assert c.loc["p", "se"] == pytest.approx(se_p, rel=1e-12)
    assert c.loc["r", "se"] == pytest.approx(se_i, rel=1e-12)
    nu_p = c.loc["p", "variance_raw"] ** 2 / ((msp / 12) ** 2 / 9 + (mspi / 12) ** 2 / 99)
    lo = nu_p * c.loc["p", "variance_raw"] / stats.chi2.ppf(0.975, nu_p)
    assert c.loc["p", "ci_low"] == pytest.approx(lo, rel=1e-12)
    assert set(c["ci_method"]) == {"Satterthwaite (Brennan 2001, 6.1.2)"}


@pytest.mark.slow
def test_satterthwaite_coverage():
    design = "p x r"
    effects = _effects(design, ("p", "r"))
    rng = np.random.default_rng(5)
    n_sim = 1000
    hits = np.zeros(len(effects))
    sigma = np.array([TRUE[e.short] for e in effects])
    for _ in range(n_sim):
        t = _anova_components(_simulate(rng, design), effects, 0.95)
        hits += (t["ci_low"].to_numpy() <= sigma) & (sigma <= t["ci_high"].to_numpy())
    cover = hits / n_sim
    print("Satterthwaite coverage (nominal 0.95):", dict(zip([e.short for e in effects], cover)))
    assert abs(cover[2] - 0.95) < 0.025          # residual: exact
    assert 0.92 < cover[0] < 0.99                 # persons: near nominal
    assert 0.88 < cover[1] < 0.99                 # 4 raters: approximate


def _pxr(seed=0, n=40):
    rng = np.random.default_rng(seed)
    rater = np.array([-1.0, -0.3, 0.4, 1.0])           # clear rater effects
    x = rng.normal(0, 1, (n, 1)) + rater + rng.normal(0, 0.5, (n, 4))
    return pd.DataFrame(x, columns=list("abcd"), index=pd.RangeIndex(n, name="unit")
                        ).reset_index()


@pytest.mark.parametrize("how", ["percentile", "bca"])
def test_bootstrap_equals_the_icc_bootstrap(how):
    # p x r at the G-study size: E rho^2 = ICC(C,k) and Phi = ICC(A,k); with the same seed
    # the ICC's vectorised-weights bootstrap and the G study's refit-per-resample bootstrap
    # draw the same resamples, so the intervals agree (no component is truncated here)
    wide = _pxr()
    g = g_study(wide, facets="rater", n_resamples=300, seed=11, bootstrap_method=how)
    i = icc(wide.set_index("unit"), n_resamples=300, seed=11, bootstrap_method=how)
    assert (g.components["variance_raw"] > 0).all()
    coefs = g.coefficient_estimates()
    for ours, form in (("g_coefficient", "ICC3k"), ("phi", "ICC2k")):
        assert coefs[ours].estimate == pytest.approx(i[form].estimate, abs=1e-12)
        np.testing.assert_allclose(coefs[ours].ci, i[form].extra["bootstrap"]["ci"], atol=1e-10)
        assert coefs[ours].se == pytest.approx(i[form].se, abs=1e-10)
        assert coefs[ours].se_kind == "bootstrap"
    # the D-study table's interval at the G-study size is the same bootstrap
    row = g.d_study(rater=[2, 4]).set_index("rater").loc[4]
    assert (row["g_ci_low"], row["g_ci_high"]) == pytest.approx(tuple(coefs["g_coefficient"].ci))
    # and the variance components' bootstrap: sigma2(p) = (MSR - MSE)/k = ICC's unit component
    assert g.components.loc[0, "bootstrap_se"] > 0


def test_reml_bootstrap_equals_the_anova_bootstrap_on_balanced_data():
    # a second method for the REML refit path: on balanced data REML = ANOVA (positive
    # components), so the same resamples give the same intervals
    long = _pxr(n=20).melt(id_vars="unit", var_name="rater", value_name="score")
    a = g_study(long, facets="rater", method="anova", n_resamples=20, seed=3)
    r = g_study(long, facets="rater", method="reml", n_resamples=20, seed=3)
    np.testing.assert_allclose(r.components["ci_low"], a.components["bootstrap_ci_low"],
                               atol=1e-6)
    np.testing.assert_allclose(r.components["ci_high"], a.components["bootstrap_ci_high"],
                               atol=1e-6)
    assert r.components["ci_method"].str.startswith("bootstrap").all()
    np.testing.assert_allclose(r.coefficient_estimates()["phi"].ci,
                               a.coefficient_estimates()["phi"].ci, atol=1e-6)


def test_unbalanced_reml_gets_bootstrap_intervals_and_says_so_without():
    long = _pxr(n=25).melt(id_vars="unit", var_name="rater", value_name="score")
    long = long.drop(index=[0, 7, 30]).reset_index(drop=True)
    plain = g_study(long, facets="rater")
    assert plain.method == "reml" and plain.components["se"].isna().all()
    assert "n_resamples" in plain.coefficient_estimates()["g_coefficient"].extra["note"]
    boot = g_study(long, facets="rater", n_resamples=20, seed=1)
    again = g_study(long, facets="rater", n_resamples=20, seed=1)
    assert (boot.components["se"] > 0).all()
    pd.testing.assert_frame_equal(boot.components, again.components)
    lo, hi = boot.coefficient_estimates()["g_coefficient"].ci
    assert lo <= boot.g_coefficient <= hi


def test_cli_bootstrap_json_and_text(tmp_path, capsys):
    path = tmp_path / "w.csv"
    _pxr().to_csv(path, index=False)
    assert main(["gstudy", str(path), "--facets", "rater", "--bootstrap", "50", "--seed", "2",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_resamples"] == 50 and out["unit"] == "unit" and out["n_units"] == 40
    assert all({"se", "ci_low", "ci_high", "ci_method", "bootstrap_se"} <= set(c)
               for c in out["components"])
    assert out["coefficients"]["phi"]["se_kind"] == "bootstrap"
    assert {"g_ci_low", "phi_ci_high"} <= set(out["d_study"][0])
    assert main(["gstudy", str(path), "--facets", "rater"]) == 0
    text = capsys.readouterr().out
    assert "Satterthwaite" in text and "units (unit)" in text


@pytest.mark.slow
def test_bootstrap_coverage_of_the_coefficients():
    # p x r, 40 units x 4 raters, sigma2 p = 1, r = 0.49, pr,e = 1: E rho^2 = 0.8, Phi = 0.7286
    rng = np.random.default_rng(7)
    n, k, n_sim = 40, 4, 300
    truth = {"g_coefficient": 1 / (1 + 1 / 4), "phi": 1 / (1 + (0.49 + 1) / 4)}
    hits = {name: 0 for name in truth}
    for i in range(n_sim):
        x = rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.7, (1, k)) + rng.normal(0, 1, (n, k))
        wide = pd.DataFrame(x, columns=[f"r{j}" for j in range(k)]).rename_axis("unit")
        est = g_study(wide.reset_index(), facets="rater", n_resamples=500,
                      seed=i).coefficient_estimates()
        for name, t in truth.items():
            hits[name] += est[name].ci[0] <= t <= est[name].ci[1]
    cover = {name: h / n_sim for name, h in hits.items()}
    print("bootstrap over units coverage (nominal 0.95):", cover)
    assert abs(cover["g_coefficient"] - 0.95) < 0.04
    # Phi also depends on the 4 rater effects, which resampling units cannot reproduce
    assert cover["phi"] <= cover["g_coefficient"] + 0.03
