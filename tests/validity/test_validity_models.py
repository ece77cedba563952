"""Pseudo-R^2 (cumulative logit), grade-outcome differences and band agreement vs peers."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from reliability.validity import (
    band_agreement,
    fit_cumulative_logit,
    grade_outcome_differences,
    gwet_ac1_table,
    ordinal_pseudo_r2,
)


@pytest.fixture
def ordinal_data():
    rng = np.random.default_rng(3)
    n = 1500
    x = rng.normal(size=(n, 2))
    latent = x @ np.array([0.6, -0.3]) + rng.logistic(size=n)
    y = np.digitize(latent, [-1.5, 1.0, 2.5])
    return y, x


def test_cumulative_logit_matches_statsmodels(ordinal_data):
    om = pytest.importorskip("statsmodels.miscmodels.ordinal_model",
                             reason="statsmodels OrderedModel is the peer check")
    y, x = ordinal_data
    params, ll, conv = fit_cumulative_logit(y, x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = om.OrderedModel(y, x, distr="logit").fit(method="bfgs", disp=0, maxiter=5000)
    thresholds = ref.model.transform_threshold_params(ref.params)[1:-1]
    assert conv[0]
    # BFGS in statsmodels stops at gradient ~1e-5: agreement to 1e-4 in parameters, 1e-6 in logL.
    assert ll[0] == pytest.approx(ref.llf, abs=1e-6)
    assert params[0, :3] == pytest.approx(thresholds, abs=1e-4)
    assert params[0, 3:] == pytest.approx(ref.params[:2], abs=1e-4)


def test_weighted_fit_equals_replicated_data(ordinal_data):
    # A bootstrap weight row must give the fit of the data with units repeated.
    y, x = ordinal_data
    rng = np.random.default_rng(1)
    w = rng.multinomial(len(y), np.full(len(y), 1 / len(y)), size=2).astype(float)
    params, ll, _ = fit_cumulative_logit(y, x, w)
    for b in range(2):
        rep = np.repeat(np.arange(len(y)), w[b].astype(int))
        p1, l1, _ = fit_cumulative_logit(y[rep], x[rep])
        assert params[b] == pytest.approx(p1[0], abs=1e-7)
        assert ll[b] == pytest.approx(l1[0], abs=1e-7)


def test_pseudo_r2_definitions_and_bootstrap(ordinal_data):
    y, x = ordinal_data
    r = ordinal_pseudo_r2(y, x, n_resamples=100, seed=7)
    counts = np.bincount(y)
    ll0 = float((counts * np.log(counts / counts.sum())).sum())
    assert r.info["loglik_null"] == pytest.approx(ll0)
    assert r["mcfadden"].estimate == pytest.approx(1 - r.info["loglik"] / ll0)
    slopes = np.array(r.info["slopes_standardised"])
    xs = (x - x.mean(0)) / x.std(0)
    v = np.var(xs @ slopes)
    assert r["mckelvey_zavoina"].estimate == pytest.approx(v / (v + np.pi**2 / 3))
    lo, hi = r["mcfadden"].ci
    assert lo < r["mcfadden"].estimate < hi
    again = ordinal_pseudo_r2(y, x, n_resamples=100, seed=7)
    assert again["mcfadden"].ci == r["mcfadden"].ci          # seeded


def test_cohen_d_and_hedges_g_match_pingouin():
    pg = pytest.importorskip("pingouin", reason="pingouin is the peer check")
    rng = np.random.default_rng(4)
    g = rng.integers(0, 3, 200)
    y = 0.4 * g + rng.normal(size=200)
    r = grade_outcome_differences(g, y, categories=["O", "G", "RI"])
    for j, c in ((1, "G"), (2, "RI")):
        d_ref = pg.compute_effsize(y[g == j], y[g == 0], eftype="cohen")
        g_ref = pg.compute_effsize(y[g == j], y[g == 0], eftype="hedges")
        assert r[f"cohen_d[{c}]"].estimate == pytest.approx(d_ref, rel=1e-10)
        assert r[f"hedges_g[{c}]"].estimate == pytest.approx(g_ref, rel=1e-10)
        ci = pg.compute_esci(d_ref, nx=int((g == j).sum()), ny=int((g == 0).sum()),
                             eftype="cohen", decimals=10)
        assert r[f"cohen_d[{c}]"].ci == pytest.approx(tuple(ci), abs=1e-8)


def test_adjusted_differences_match_statsmodels_ols():
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels OLS is the peer check")
    rng = np.random.default_rng(8)
    n = 300
    ctx = rng.normal(size=(n, 2))
    g = np.clip(np.round(1 + ctx[:, 0] + rng.normal(size=n)), 0, 3).astype(int)
    y = -0.3 * g + 0.5 * ctx[:, 0] + rng.normal(size=n)
    r = grade_outcome_differences(g, y, categories=list("ABCD"), covariates=ctx)
    dummies = np.column_stack([(g == j) for j in (1, 2, 3)]).astype(float)
    base = sm.OLS(y, sm.add_constant(dummies)).fit()
    adj = sm.OLS(y, sm.add_constant(np.column_stack([dummies, ctx]))).fit()
    s_w = np.sqrt(base.mse_resid)
    for j, c in enumerate("BCD"):
        assert r[f"std_diff_raw[{c}]"].estimate == pytest.approx(base.params[j + 1] / s_w)
        assert r[f"std_diff_adjusted[{c}]"].estimate == pytest.approx(adj.params[j + 1] / s_w)
        assert r[f"std_diff_adjusted[{c}]"].se == pytest.approx(adj.bse[j + 1] / s_w)
        ci = adj.conf_int()[j + 1] / s_w
        assert r[f"std_diff_adjusted[{c}]"].ci == pytest.approx(tuple(ci))



@pytest.mark.parametrize("scale", [1e-12, 1e15])
def test_adjusted_differences_do_not_depend_on_the_covariate_scale(scale):
    """A covariate on the 1e15 scale gave adjusted differences of ~1e-31 (issue 15)."""
    rng = np.random.default_rng(9)
    n = 400
    ctx = rng.normal(size=(n, 1))
    g = np.clip(np.round(1 + ctx[:, 0] + rng.normal(size=n)), 0, 3).astype(int)
    y = -0.3 * g + 0.5 * ctx[:, 0] + rng.normal(size=n)
    ref = grade_outcome_differences(g, y, categories=list("ABCD"), covariates=ctx)
    big = grade_outcome_differences(g, y, categories=list("ABCD"), covariates=(ctx + 7) * scale)
    for c in "BCD":
        key = f"std_diff_adjusted[{c}]"
        # an affine change of the covariate leaves the adjusted differences unchanged
        assert big[key].estimate == pytest.approx(ref[key].estimate, rel=1e-7)
        assert big[key].se == pytest.approx(ref[key].se, rel=1e-7)


def test_constant_covariate_is_refused():
    from reliability import ReliabilityError

    g = np.repeat([0, 1, 2], 20)
    y = np.arange(60.0)
    with pytest.raises(ReliabilityError, match="constant"):
        grade_outcome_differences(g, y, categories=list("ABC"), covariates=np.ones(60))

def test_ac1_matches_irrcac_reference(data_dir):
    from conftest import load_reference

    ref = load_reference("vcd_sexualfun")["values"]["irrCAC_gwet_ac1"]
    table = pd.read_csv(data_dir / "vcd_sexualfun.csv", index_col=0).to_numpy()
    r = gwet_ac1_table(table)
    tol = load_reference("vcd_sexualfun")["tolerance"]
    assert r.estimate == pytest.approx(ref["estimate"], abs=tol)
    assert r.se == pytest.approx(ref["se"], abs=tol)
    assert r.ci == pytest.approx(tuple(ref["ci"]), abs=tol)


def test_band_agreement_table_and_wilson():
    grades = np.array([0, 1, 1, 1, 2, 1, 1, 3, 1, 0, 1, 2])
    bands = np.array([0, 1, 1, 2, 2, 1, 0, 3, 1, 1, 1, 1])
    r = band_agreement(grades, bands, categories=list("ABCD"))
    agree = int((grades == bands).sum())
    assert r["agreement"].estimate == pytest.approx(agree / len(grades))
    from statsmodels.stats.proportion import proportion_confint

    assert r["agreement"].ci == pytest.approx(
        proportion_confint(agree, len(grades), method="wilson"))
    assert r.info["confusion"]["B"]["B"] == 5
    from sklearn.metrics import cohen_kappa_score

    # Whichever implementation band_agreement picks, kappa must equal scikit-learn's.
    assert r["kappa"].estimate == pytest.approx(cohen_kappa_score(grades, bands), abs=1e-12)
    assert np.isfinite(r["ac1"].estimate)
    json.dumps(r.to_dict())


def test_band_agreement_by_group():
    grades = np.array([0, 1, 1, 1, 2, 1, 1, 3])
    bands = np.array([0, 1, 0, 1, 2, 2, 1, 3])
    groups = ["P", "P", "P", "S", "S", "S", "P", "S"]
    r = band_agreement(grades, bands, categories=list("ABCD"), groups=groups)
    by = {x["group"]: x for x in r.info["by_group"]}
    assert by["P"]["n"] == 4 and by["P"]["n_agree"] == 3
    assert by["S"]["agreement"] == pytest.approx(3 / 4)


def test_validity_analysis_is_what_the_cli_prints(tmp_path, capsys):
    """The CLI is a thin shell: `reliability validity --json` prints validity_analysis()."""
    import json

    import pandas as pd

    from reliability._results import canonical_keys, json_safe
    from reliability.cli import main
    from reliability.validity import validity_analysis

    rng = np.random.default_rng(5)
    n = 600
    x = rng.normal(size=n)
    frame = pd.DataFrame({"grade": np.clip(np.round(2 + 0.6 * x + rng.normal(size=n)), 1, 4),
                          "x": x, "later": x + rng.normal(size=n), "z": rng.normal(size=n)})
    frame.loc[3, "later"] = np.nan
    path = tmp_path / "v.csv"
    frame.to_csv(path, index=False)
    res = validity_analysis(frame, grade="grade", context="x", outcome="later", adjust=["z"],
                            pseudo_r2=True)
    assert main(["validity", str(path), "--grade", "grade", "--context", "x", "--outcome",
                 "later", "--adjust", "z", "--pseudo-r2", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == canonical_keys(json_safe(res.to_dict()))
    assert printed["outcome_differences"]["n_dropped"] == 1
    from reliability._validation import OptionError

    with pytest.raises(OptionError, match="bands"):
        validity_analysis(frame, grade="grade", context="x", bands=1)
