"""Generators reproduce their truth (fixed seeds; each tolerance derived in a comment)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reliability._errors import ReliabilityError
from reliability.datasets import simulate_lesson_observations, simulate_national_inspections
from conftest import DATA


@pytest.fixture(scope="module")
def sim():
    return simulate_national_inspections(seed=20240601)


def test_same_columns_and_kinds_as_reference_csv(sim):
    ref = pd.read_csv(DATA / "inspections_synthetic.csv", nrows=50)
    assert list(sim.columns) == list(ref.columns)
    for col in ref.columns:
        assert sim[col].dtype.kind == ref[col].dtype.kind or (
            ref[col].dtype.kind in "OT" and sim[col].dtype.kind in "OT") or col == "phase", col
    assert len(sim) == 20000 and sim["inspector_id"].nunique() <= 800


def test_deterministic_with_seed():
    a = simulate_national_inspections(2000, 100, n_schools=500, seed=7)
    b = simulate_national_inspections(2000, 100, n_schools=500, seed=7)
    c = simulate_national_inspections(2000, 100, n_schools=500, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["grade"].equals(c["grade"])


def test_realized_marginals_match_model_expectation(sim):
    # Given covariates and u, grades are independent draws, so each realized marginal has
    # SD <= sqrt(p(1-p)/n) about its exact conditional expectation: allow 4 SD.
    t = sim.attrs["truth"]
    p = np.asarray(t["expected_grade_marginals"])
    got = np.bincount(sim["grade"], minlength=5)[1:] / len(sim)
    np.testing.assert_allclose(got, t["realized_grade_marginals"])
    assert np.all(np.abs(got - p) <= 4 * np.sqrt(p * (1 - p) / len(sim)))


def test_population_marginals_match_reference_truth(sim):
    # The reference truth file lists the marginals its thresholds imply (same model).
    # Extra variation from drawing 800 inspector effects and the covariates: the mean of u
    # has SD .4/sqrt(800) = .014 on the logit scale, moving a marginal by at most
    # .25 * .014 ~ .004; plus the binomial 4 SD above (<= .011): tolerance .015.
    import json
    truth = json.loads((DATA / "inspections_synthetic.truth.json").read_text())
    got = np.bincount(sim["grade"], minlength=5)[1:] / len(sim)
    np.testing.assert_allclose(got, truth["population_marginals_implied_by_thetas"], atol=0.015)


def test_design_marginals(sim):
    # inspector-level Bernoulli rates over 800 inspectors: SD sqrt(.25/800) = .018 -> 3 SD .053;
    # school-level secondary share per inspection: SD sqrt(.18*.82/10000)=.004 plus per-
    # inspection sampling, tolerance .02.
    insp = sim.drop_duplicates("inspector_id")
    assert abs(insp["female"].mean() - 0.45) < 0.053
    assert abs(insp["hmi"].mean() - 0.25) < 0.053
    assert abs((sim["phase"] == "secondary").mean() - 0.18) < 0.02
    np.testing.assert_allclose(sim["log_size_c"], (sim["log_size"] - 5.83).round(3), atol=1e-9)
    np.testing.assert_array_equal(sim["years_exp_c"], sim["years_experience"] - 10)
    np.testing.assert_array_equal(sim["below_good"], (sim["grade"] >= 3).astype(int))


def test_inspector_effects_truth(sim):
    # SD of 800 normal draws: SE of sd ~ .4/sqrt(2*800) = .01; 4 SE = .04.
    u = np.asarray(sim.attrs["truth"]["u"])
    assert len(u) == 800 and abs(u.std() - 0.4) < 0.04


def test_effects_recovered_by_binary_glm():
    # below_good follows logit = x'beta + u - theta_2 exactly; ignoring u attenuates beta by
    # ~1/sqrt(1 + .346 * .16) = .97 (Zeger et al. 1988). A large effect (female = 1.0) checked
    # within 4 naive SEs x 1.5 (inspector clustering: design effect ~ 1 + 24 * .046 = 2.1).
    import statsmodels.api as sm
    s = simulate_national_inspections(20000, 800, seed=3, effects={"female": 1.0})
    assert s.attrs["truth"]["beta"]["female"] == 1.0
    X = sm.add_constant(s[["female", "hmi", "fsm_pct", "log_size_c", "years_exp_c"]]
                        .assign(secondary=(s["phase"] == "secondary").astype(float)))
    fit = sm.Logit(s["below_good"], X).fit(disp=0)
    assert abs(fit.params["female"] - 0.97 * 1.0) < 4 * 1.5 * fit.bse["female"]
    assert abs(fit.params["const"] - (-2.01)) < 4 * 1.5 * fit.bse["const"] + 0.1


@pytest.mark.parametrize("kw", [dict(effects={"gender": 1}), dict(thresholds=(1, 0, 2)),
                                dict(n_inspectors=0), dict(re_sd=-1)])
def test_bad_arguments(kw):
    args = dict(n_inspections=100, n_inspectors=10, n_schools=20, seed=1) | kw
    with pytest.raises(ReliabilityError):
        simulate_national_inspections(**args)


# ------------------------------------------------------------- lesson observations
def _pro_anova(frame):
    """Expected-mean-square estimates for a balanced p x r x o design (Brennan 2001, ch. 3)."""
    P, R, O = (frame[c].nunique() for c in ("lesson", "observer", "occasion"))
    x = frame.sort_values(["lesson", "observer", "occasion"])["score"].to_numpy().reshape(P, R, O)
    m = x.mean()
    mp, mr, mo = x.mean((1, 2)), x.mean((0, 2)), x.mean((0, 1))
    mpr, mpo, mro = x.mean(2), x.mean(1), x.mean(0)
    ss = {
        "p": R * O * ((mp - m) ** 2).sum(), "r": P * O * ((mr - m) ** 2).sum(),
        "o": P * R * ((mo - m) ** 2).sum(),
        "pr": O * ((mpr - mp[:, None] - mr[None, :] + m) ** 2).sum(),
        "po": R * ((mpo - mp[:, None] - mo[None, :] + m) ** 2).sum(),
        "ro": P * ((mro - mr[:, None] - mo[None, :] + m) ** 2).sum(),
    }
    resid = (x - mpr[:, :, None] - mpo[:, None, :] - mro[None, :, :] + mp[:, None, None]
             + mr[None, :, None] + mo[None, None, :] - m)
    ss["pro,e"] = (resid ** 2).sum()
    df = {"p": P - 1, "r": R - 1, "o": O - 1, "pr": (P - 1) * (R - 1), "po": (P - 1) * (O - 1),
          "ro": (R - 1) * (O - 1), "pro,e": (P - 1) * (R - 1) * (O - 1)}
    ms = {k: ss[k] / df[k] for k in ss}
    # component = sum_k c_k MS_k
    coef = {
        "pro,e": {"pro,e": 1}, "pr": {"pr": 1 / O, "pro,e": -1 / O},
        "po": {"po": 1 / R, "pro,e": -1 / R}, "ro": {"ro": 1 / P, "pro,e": -1 / P},
        "p": {"p": 1 / (R * O), "pr": -1 / (R * O), "po": -1 / (R * O), "pro,e": 1 / (R * O)},
        "r": {"r": 1 / (P * O), "pr": -1 / (P * O), "ro": -1 / (P * O), "pro,e": 1 / (P * O)},
        "o": {"o": 1 / (P * R), "po": -1 / (P * R), "ro": -1 / (P * R), "pro,e": 1 / (P * R)},
    }
    return ms, df, coef, (P, R, O)


def test_lesson_observation_components_recovered():
    vc = {"p": 0.5, "r": 0.1, "o": 0.05, "pr": 0.1, "po": 0.1, "ro": 0.05, "pro,e": 0.3}
    f = simulate_lesson_observations(120, 8, 6, variance_components=vc, seed=11)
    assert f.attrs["truth"]["variance_components"] == vc
    ms, df, coef, (P, R, O) = _pro_anova(f)
    # expected mean squares under the truth, and the sampling SD of each ANOVA estimate:
    # Var(MS_k) = 2 EMS_k^2 / df_k (normal effects), estimates are linear in the MS.
    ems = {"pro,e": vc["pro,e"], "pr": vc["pro,e"] + O * vc["pr"], "po": vc["pro,e"] + R * vc["po"],
           "ro": vc["pro,e"] + P * vc["ro"],
           "p": vc["pro,e"] + O * vc["pr"] + R * vc["po"] + R * O * vc["p"],
           "r": vc["pro,e"] + O * vc["pr"] + P * vc["ro"] + P * O * vc["r"],
           "o": vc["pro,e"] + R * vc["po"] + P * vc["ro"] + P * R * vc["o"]}
    for comp, c in coef.items():
        est = sum(ck * ms[k] for k, ck in c.items())
        sd = np.sqrt(sum(ck ** 2 * 2 * ems[k] ** 2 / df[k] for k, ck in c.items()))
        assert abs(est - vc[comp]) < 4 * sd, (comp, est, vc[comp], sd)


def test_lesson_observations_nested_within_variance():
    vc = {"p": 0.4, "o": 0.05, "po": 0.1, "r:p": 0.2, "ro:p,e": 0.3}
    f = simulate_lesson_observations(200, 4, 3, variance_components=vc, design="nested", seed=5)
    assert f.groupby("observer")["lesson"].nunique().max() == 1  # each observer one lesson
    # within a (lesson, occasion) cell, observer deviations have variance r:p + ro:p,e;
    # pooled estimate over 600 cells x 3 df: relative SD sqrt(2/1800) = .033 -> 4 SD = 13%.
    w = f.groupby(["lesson", "occasion"])["score"].var(ddof=1).mean()
    target = vc["r:p"] + vc["ro:p,e"]
    assert abs(w - target) < 4 * target * np.sqrt(2 / 1800)


def test_lesson_observations_deterministic_and_shape():
    a = simulate_lesson_observations(5, 3, 2, seed=1)
    b = simulate_lesson_observations(5, 3, 2, seed=1)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 30 and list(a.columns) == ["lesson", "observer", "occasion", "score"]


@pytest.mark.parametrize("kw", [dict(design="x"), dict(variance_components={"p": 1}),
                                dict(variance_components={"p": -1, "r": 0, "o": 0, "pr": 0,
                                                          "po": 0, "ro": 0, "pro,e": 1})])
def test_lesson_bad_arguments(kw):
    with pytest.raises(ReliabilityError):
        simulate_lesson_observations(3, 2, 2, seed=1, **kw)
