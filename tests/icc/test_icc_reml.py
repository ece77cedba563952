"""REML variance components (reliability._reml) and the REML ICCs for unbalanced data."""

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from reliability._reml import fit_reml
from reliability.icc import icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def _balanced(seed, n=30, k=4, su=1.0, sr=0.6, se=0.8):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, su, (n, 1)) + rng.normal(0, sr, (1, k)) + rng.normal(0, se, (n, k)))


@pytest.mark.parametrize("seed", range(5))
def test_balanced_reml_equals_anova(seed):
    x = _balanced(seed)
    a = icc(x, method="anova")
    if a.components["rater"] <= 0 or a.components["unit"] <= 0:
        pytest.skip(reason="negative ANOVA component: REML is truncated at 0 and differs")
    r = icc(x, method="reml")
    for form in FORMS:
        # Newton-polished REML optimum: agreement limited by floating point (~1e-13)
        assert r[form].estimate == pytest.approx(a[form].estimate, abs=1e-10)
    for comp in ("unit", "rater", "residual"):
        assert r.components[comp] == pytest.approx(a.components[comp], abs=1e-10)


@pytest.mark.parametrize("name", ["shrout_fleiss_1979", "pingouin_wine_icc"])
def test_reference_data_reml_equals_anova(name):
    a = icc(DATA / f"{name}.csv", method="anova")
    r = icc(DATA / f"{name}.csv", method="reml")
    assert min(a.components["unit"], a.components["rater"]) > 0  # interior optimum
    for form in FORMS:
        assert r[form].estimate == pytest.approx(a[form].estimate, abs=1e-10)


def test_negative_anova_component_becomes_zero():
    # raters identical up to noise and a rater mean square below the residual one
    rng = np.random.default_rng(11)
    for _ in range(50):
        x = rng.normal(size=(20, 1)) + rng.normal(size=(20, 3))
        a = icc(x, method="anova")
        if a.components["rater"] < 0:
            break
    r = icc(x, method="reml")
    assert r.components["rater"] == 0.0
    assert any("boundary" in n for n in r.notes)
    # with the rater component 0, ICC2 = ICC3 under REML
    assert r["ICC2"].estimate == pytest.approx(r["ICC3"].estimate, abs=1e-12)


def _unbalanced(seed, n=40, k=6):
    rng = np.random.default_rng(seed)
    rows = [(i, r) for i in range(n) for r in rng.choice(k, rng.integers(2, 5), replace=False)]
    d = pd.DataFrame(rows, columns=["unit", "rater"])
    d["rating"] = (rng.normal(size=n)[d.unit] + 0.7 * rng.normal(size=k)[d.rater]
                   + rng.normal(size=len(d)))
    return d


@pytest.mark.parametrize("seed", [5, 6])
def test_reml_matches_statsmodels_mixedlm(seed):
    smf = pytest.importorskip("statsmodels.formula.api", reason="statsmodels is the peer")
    d = _unbalanced(seed)
    d["g"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = smf.mixedlm("rating ~ 1", d, groups="g", re_formula="0",
                        vc_formula={"rater": "0 + C(rater)", "unit": "0 + C(unit)"}
                        ).fit(reml=True, method=["lbfgs"])
    fit = fit_reml(d.rating.to_numpy(), [d.unit.to_numpy(), d.rater.to_numpy()],
                   ["unit", "rater"])
    # same REML likelihood (statsmodels' optimiser stops ~1e-7 short of the optimum)
    assert fit.loglik >= m.llf - 1e-7
    assert fit.loglik == pytest.approx(m.llf, abs=1e-5)
    vc = dict(zip(m.model.exog_vc.names, m.vcomp))
    assert fit.variances["rater"] == pytest.approx(vc["rater"], rel=1e-3)
    assert fit.variances["unit"] == pytest.approx(vc["unit"], rel=1e-3)
    assert fit.residual == pytest.approx(m.scale, rel=1e-3)


def test_recovers_known_components_large_unbalanced():
    rng = np.random.default_rng(2024)
    n, k = 20_000, 60
    su2, sr2, se2 = 1.0, 0.5, 0.8
    per = rng.integers(2, 5, n)
    unit = np.repeat(np.arange(n), per)
    # raters drawn independently per rating (not crossed): duplicates within a unit allowed
    rater = rng.integers(0, k, len(unit))
    reff = rng.normal(0, np.sqrt(sr2), k)
    y = rng.normal(0, np.sqrt(su2), n)[unit] + reff[rater] + rng.normal(0, np.sqrt(se2), len(unit))
    fit = fit_reml(y, [unit, rater], ["unit", "rater"])
    # SEs: unit ~0.015, residual ~0.01 for these sizes; tolerance ~4 SE
    assert fit.variances["unit"] == pytest.approx(su2, abs=0.06)
    assert fit.residual == pytest.approx(se2, abs=0.04)
    # the rater variance is estimated from 60 realised effects: compare with their variance
    assert fit.variances["rater"] == pytest.approx(np.var(reff, ddof=1), rel=0.1)


def test_unbalanced_icc_result_has_no_f_test_and_says_why():
    d = _unbalanced(7)
    res = icc(d)
    assert res.method == "reml"
    assert 2 < res.k < 4
    for form in FORMS:
        f = res[form]
        assert np.isnan(f.F) and np.isnan(f.ci[0])
        assert "bootstrap" in f.reason
        assert -1 <= f.estimate <= 1


def test_reml_bootstrap_interval():
    d = _unbalanced(8, n=25, k=5)
    res = icc(d, bootstrap=30, seed=3)
    for form in FORMS:
        lo, hi = res[form].ci
        assert np.isfinite(lo) and lo <= hi
        assert res[form].se > 0
    again = icc(d, bootstrap=30, seed=3)
    assert again["ICC2"].ci == res["ICC2"].ci  # seeded


def test_sparse_path_agrees_with_dense(monkeypatch):
    import reliability._reml as reml

    d = _unbalanced(9, n=60, k=8)
    args = (d.rating.to_numpy(), [d.unit.to_numpy(), d.rater.to_numpy()], ["unit", "rater"])
    dense = fit_reml(*args)
    monkeypatch.setattr(reml, "_DENSE_MAX", 0)  # force the sparse-LU / FD-gradient path
    sparse = reml.fit_reml(*args)
    assert "Newton" not in sparse.message
    # finite-difference gradients stop the optimiser ~1e-6 (relative) from the optimum
    assert sparse.loglik == pytest.approx(dense.loglik, abs=1e-6)
    for key in ("unit", "rater"):
        assert sparse.variances[key] == pytest.approx(dense.variances[key], rel=1e-3)


def test_raters_never_shared_only_one_way_forms():
    rng = np.random.default_rng(4)
    n = 30
    d = pd.DataFrame({"unit": np.repeat(np.arange(n), 2), "rater": np.arange(2 * n)})
    d["rating"] = rng.normal(size=n)[d.unit] + rng.normal(size=2 * n)
    res = icc(d)
    assert np.isfinite(res["ICC1"].estimate) and np.isfinite(res["ICC1k"].estimate)
    # complete-data ANOVA is impossible (60 raters, 2 per unit): REML one-way equals the
    # ANOVA one-way ICC computed on the unit x 2 ratings matrix when positive
    oneway = icc(d.rating.to_numpy().reshape(n, 2))["ICC1"].estimate
    if oneway > 0:
        assert res["ICC1"].estimate == pytest.approx(oneway, abs=1e-8)
    for form in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        assert np.isnan(res[form].estimate)
        assert "not identified" in res[form].reason
