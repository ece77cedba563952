"""G study: bootstrap over units for the components, E rho^2, Phi and every D-study design
(any design, ANOVA or REML), each checked by a second method; the options of g_study and of
its D-study methods checked at the door (issue 15)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reliability._validation import OptionError
from reliability.cli import main
from reliability.gtheory import g_study
from reliability.icc import icc

DATA = Path(__file__).resolve().parents[1] / "data"
BRENNAN = DATA / "brennan_synthetic1_pxi.csv"


def _pxr(seed=0, n=40):
    rng = np.random.default_rng(seed)
    rater = np.array([-1.0, -0.3, 0.4, 1.0])           # clear rater effects
    x = rng.normal(0, 1, (n, 1)) + rater + rng.normal(0, 0.5, (n, 4))
    return pd.DataFrame(x, columns=list("abcd"), index=pd.RangeIndex(n, name="unit")
                        ).reset_index()


def _pro(seed=0, P=30, R=3, O=2):
    rng = np.random.default_rng(seed)
    p, r, o = (a.ravel() for a in np.meshgrid(np.arange(P), np.arange(R), np.arange(O),
                                              indexing="ij"))
    y = (rng.normal(0, 1, P)[p] + rng.normal(0, 0.5, R)[r] + rng.normal(0, 0.4, (P, O))[p, o]
         + rng.normal(0, 0.7, len(p)))
    return pd.DataFrame({"school": p, "rater": r, "occasion": o, "score": y})


@pytest.mark.parametrize("how", ["percentile", "bca"])
def test_bootstrap_equals_the_icc_bootstrap(how):
    # p x r at the G-study size: E rho^2 = ICC(C,k), Phi = ICC(A,k). With the same seed the
    # ICC's vectorised-weights bootstrap and the G study's refit-per-resample bootstrap draw
    # the same resamples, so SEs and intervals agree (no component is truncated here).
    wide = _pxr()
    g = g_study(wide, facets="rater", n_resamples=300, seed=11, bootstrap_method=how)
    i = icc(wide.set_index("unit"), n_resamples=300, seed=11, bootstrap_method=how)
    assert (g.components["variance_raw"] > 0).all()
    coefs = g.coefficient_estimates()
    for ours, form in (("g_coefficient", "ICC3k"), ("phi", "ICC2k")):
        boot = coefs[ours].extra["bootstrap"]
        np.testing.assert_allclose(boot["ci"], i[form].extra["bootstrap"]["ci"], atol=1e-10)
        assert coefs[ours].se == pytest.approx(i[form].se, abs=1e-10)
        # p x r keeps its exact interval as ci (= the ICC's), the bootstrap's beside it
        np.testing.assert_allclose(coefs[ours].ci, i[form].ci, atol=1e-12)
    row = g.d_study(rater=[2, 4]).set_index("rater").loc[4]
    assert (row["g_bootstrap_ci_low"], row["g_bootstrap_ci_high"]) == pytest.approx(
        tuple(coefs["g_coefficient"].extra["bootstrap"]["ci"]))
    assert (row["g_ci_low"], row["g_ci_high"]) == pytest.approx(tuple(i["ICC3k"].ci))


def test_reml_bootstrap_equals_the_anova_bootstrap_on_balanced_data():
    # the REML refit path against the ANOVA one: on balanced data with positive components
    # REML = ANOVA, so the same resamples give the same intervals
    long = _pxr(n=20).melt(id_vars="unit", var_name="rater", value_name="score")
    a = g_study(long, facets="rater", method="anova", n_resamples=20, seed=3)
    r = g_study(long, facets="rater", method="reml", n_resamples=20, seed=3)
    np.testing.assert_allclose(r.components["ci_low"], a.components["bootstrap_ci_low"],
                               atol=1e-6)
    np.testing.assert_allclose(r.components["ci_high"], a.components["bootstrap_ci_high"],
                               atol=1e-6)
    assert r.components["ci_method"].str.startswith("bootstrap").all()
    np.testing.assert_allclose(r.coefficient_estimates()["phi"].ci,
                               a.coefficient_estimates()["phi"].extra["bootstrap"]["ci"],
                               atol=1e-6)


def test_two_facet_design_gets_bootstrap_intervals_of_every_d_study_row():
    data = _pro()
    plain = g_study(data, unit="school", facets=("rater", "occasion"))
    est = plain.coefficient_estimates(rater=2)["g_coefficient"]
    assert np.isnan(est.ci[0]) and "n_resamples" in est.reason
    boot = g_study(data, unit="school", facets=("rater", "occasion"), n_resamples=200, seed=5)
    table = boot.d_study(rater=[1, 2, 3], occasion=[1, 2])
    assert (table["g_ci_low"] <= table["g_coefficient"]).all()
    assert (table["g_coefficient"] <= table["g_ci_high"]).all()
    assert (table["phi_ci_low"] <= table["phi"]).all()
    # a row of the table is the coefficient's own bootstrap (the same resamples)
    e = boot.coefficient_estimates(rater=2, occasion=1)["phi"]
    row = table[(table.rater == 2) & (table.occasion == 1)].iloc[0]
    assert (row["phi_ci_low"], row["phi_ci_high"]) == pytest.approx(tuple(e.ci))
    assert e.se_kind == "bootstrap" and e.extra["ci_method"].startswith("bootstrap")
    # seeded: the same call gives the same numbers
    again = g_study(data, unit="school", facets=("rater", "occasion"), n_resamples=200, seed=5)
    pd.testing.assert_frame_equal(again.d_study(rater=[1, 2, 3], occasion=[1, 2]), table)


def test_unbalanced_reml_gets_bootstrap_intervals():
    long = _pxr(n=25).melt(id_vars="unit", var_name="rater", value_name="score")
    long = long.drop(index=[0, 7, 30]).reset_index(drop=True)
    plain = g_study(long, facets="rater")
    assert plain.method == "reml" and plain.components["se"].isna().all()
    boot = g_study(long, facets="rater", n_resamples=20, seed=1)
    assert (boot.components["se"] > 0).all()
    lo, hi = boot.coefficient_estimates()["g_coefficient"].ci
    assert lo <= boot.g_coefficient <= hi


def test_the_confidence_of_g_study_is_the_level_of_every_interval():
    # Bug: d_study's exact coefficient intervals were always 95%, whatever confidence= was
    frame = pd.read_csv(BRENNAN)
    g = g_study(frame, unit="unit", facets="item", confidence=0.9)
    row = g.d_study(item=[12]).iloc[0]
    r = icc(frame.set_index("unit"), shape="wide", confidence=0.9)
    assert (row["g_ci_low"], row["g_ci_high"]) == pytest.approx(tuple(r["ICC3k"].ci), abs=1e-12)
    assert (row["phi_ci_low"], row["phi_ci_high"]) == pytest.approx(tuple(r["ICC2k"].ci),
                                                                    abs=1e-12)
    assert g.coefficient_estimates()["phi"].ci_level == 0.9


BAD = [
    (dict(n_resamples=1), "n_resamples=1", "0 or an integer from 2"),
    (dict(n_resamples=-5), "n_resamples=-5", "0 or an integer from 2"),
    (dict(seed=-1), "seed=-1", "integer >= 0"),
    (dict(bootstrap_method="basic"), "bootstrap_method='basic'", "'percentile', 'bca'"),
    (dict(facets=("a", "b", "c")), "facets=", "one or two distinct facet columns"),
    (dict(facets=("a", "a")), "facets=", "one or two distinct facet columns"),
    (dict(facets=3), "facets=3", "one or two distinct facet columns"),
    (dict(facets=("rater",), nested="o:p"), "nested='o:p'", "'r:p'"),
    (dict(facets=("unit",)), "'unit'", "both the unit and a facet"),
    (dict(score="rater"), "'rater'", "both the score and the facet"),
]


@pytest.mark.parametrize("bad, named, allowed", BAD, ids=[f"{i}" for i in range(len(BAD))])
def test_bad_options_are_refused_before_data_are_read(bad, named, allowed):
    with pytest.raises(OptionError) as exc:
        g_study("no/such/file.csv", **bad)
    assert named in str(exc.value) and allowed in str(exc.value)


def test_d_study_and_minimal_design_options():
    res = g_study(BRENNAN, facets="item")
    for bad in (dict(target=1.5), dict(target=0), dict(coefficient="rho"), dict(max_n=0),
                dict(max_n=10 ** 6), dict(max_n={"item": 2.5}), dict(max_n={"grader": 3}),
                dict(cost={"item": -1}), dict(cost={"grader": 1}), dict(cost=3)):
        with pytest.raises(OptionError):
            res.minimal_design(**bad)
    for bad in (0, -1, float("nan"), "3", True):
        with pytest.raises(OptionError, match="D-study size"):
            res.coefficients(item=bad)
        with pytest.raises(OptionError, match="D-study size"):
            res.d_study(item=[1, bad])
    assert np.isfinite(res.coefficients(item=2.5)[0])    # harmonic-mean sizes are allowed


def test_cli_bootstrap_json_text_and_checks_before_reading(tmp_path, capsys):
    path = tmp_path / "w.csv"
    _pxr().to_csv(path, index=False)
    assert main(["gstudy", str(path), "--facets", "rater", "--bootstrap", "50", "--seed", "2",
                 "--confidence", "0.9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_resamples"] == 50 and out["confidence"] == 0.9
    assert all({"se", "ci", "ci_method", "bootstrap_se", "bootstrap_ci"} <= set(c)
               for c in out["components"])
    assert out["coefficients"]["phi"]["se_kind"] == "bootstrap"
    assert out["coefficients"]["phi"]["ci_level"] == 0.9
    assert {"g_ci_low", "g_bootstrap_ci_low"} <= set(out["d_study"][0])
    assert main(["gstudy", str(path), "--facets", "rater", "--bootstrap", "30"]) == 0
    text = capsys.readouterr().out
    assert "Satterthwaite" in text and "bootstrap over units (B=30)" in text
    for flags, named in ((["--score", "unit"], "'unit'"), (["--target", "1.5"], "--target"),
                         (["--plot", str(tmp_path / "no" / "x.png")], "does not exist"),
                         (["--bootstrap", "1"], "--bootstrap"), (["--seed", "-1"], "--seed"),
                         (["--nested", "o:p"], "nested")):
        with pytest.raises(SystemExit) as exc:
            main(["gstudy", str(tmp_path / "absent.csv"), "--facets", "rater", *flags])
        err = capsys.readouterr().err.strip().splitlines()
        assert exc.value.code == 2 and len(err) == 1 and named in err[0], err
        assert "absent.csv" not in err[0]


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
            lo, hi = est[name].extra["bootstrap"]["ci"]
            hits[name] += lo <= t <= hi
    cover = {name: h / n_sim for name, h in hits.items()}
    print("bootstrap over units coverage (nominal 0.95):", cover)
    assert abs(cover["g_coefficient"] - 0.95) < 0.04
    # Phi also depends on the 4 rater effects, which resampling units cannot reproduce
    assert cover["phi"] <= cover["g_coefficient"] + 0.03
