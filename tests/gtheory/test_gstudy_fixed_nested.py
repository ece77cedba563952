"""Fixed facets, the nested p x (r:o) design and Henderson's Method 1 (issue 19).

References:
* p x (r:t) REML components: lme4::lmer ``score ~ 1 + (1|p) + (1|t) + (1|t:r) + (1|p:t)``
  on simulated balanced and unbalanced data (tests/data/gtheory_nested_lme4.json from
  tests/data/scripts/gtheory_nested_lme4.R), 1e-4 relative;
* Henderson Method 1: the same quadratic forms written in base R (same JSON), 1e-9
  relative; the ANOVA estimates on balanced data of every design, 1e-10; the textbook
  unbalanced one-way estimator with Searle's n0, 1e-10;
* fixed facets: Brennan's (2001, 4.4.1) identity - fixing a facet equals averaging over
  it and running the random-facet G study - on simulated balanced p x r x o data, 1e-10;
  Brennan's p x (r:t) formulas with t fixed, 1e-12.
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DATA
from reliability import ReliabilityError
from reliability.cli import main
from reliability.gtheory import g_study
from reliability.gtheory._gstudy import _coefficients, _effects

REF = json.loads((DATA / "gtheory_nested_lme4.json").read_text())
LMER = {"p": "p", "o": "t", "r:o": "r:t", "po": "pt", "pr:o,e": "pr:t,e"}
HEND = {"p": "p", "o": "t", "r:o": "r:t", "po": "pt", "pr:o,e": "residual"}
NESTED = dict(unit="person", facets=("rater", "team"), nested="rater:team")


def _frame(key):
    return pd.DataFrame(REF[key]["data"])


@pytest.mark.parametrize("key,method", [("nested_balanced", "reml"), ("nested_balanced", "anova"),
                                        ("nested_unbalanced", "reml"),
                                        ("nested_unbalanced", "auto")])
def test_nested_rt_components_match_lmer(key, method):
    # 1e-4 relative: lmer's bobyqa optimum (rhoend 1e-12) against our REML / the balanced
    # ANOVA (which equals REML when every component is positive, as here)
    res = g_study(_frame(key), method=method, **NESTED)
    assert res.design == "p x (r:o)"
    assert res.method == ("anova" if key == "nested_balanced" and method != "reml" else "reml")
    got = dict(zip(res.components["short"], res.components["variance"]))
    for short, ref_key in LMER.items():
        assert got[short] == pytest.approx(REF[key]["lmer"][ref_key], rel=1e-4), short
    assert res.n == {"rater": 4.0, "team": 3.0}


def test_nested_rt_spelt_r_o_and_d_study():
    a = g_study(_frame("nested_balanced"), **NESTED)
    b = g_study(_frame("nested_balanced"), **{**NESTED, "nested": "r:o"})
    pd.testing.assert_frame_equal(a.components, b.components)
    v = dict(zip(a.components["short"], a.components["variance"]))
    # Brennan (2001, Table 4.x) p x (R:T), all random: delta = pt/n_t + pr:t/(n_r n_t),
    # Delta = delta + t/n_t + r:t/(n_r n_t)
    nr, nt = 2, 5
    rel = v["po"] / nt + v["pr:o,e"] / (nr * nt)
    absolute = rel + v["o"] / nt + v["r:o"] / (nr * nt)
    g, phi = a.coefficients(rater=nr, team=nt)
    assert g == pytest.approx(v["p"] / (v["p"] + rel), abs=1e-12)
    assert phi == pytest.approx(v["p"] / (v["p"] + absolute), abs=1e-12)


@pytest.mark.parametrize("key,kw,ref", [
    ("nested_unbalanced", NESTED, HEND),
    ("crossed_unbalanced", dict(unit="person", facets=("rater", "occasion")),
     {"p": "p", "r": "r", "o": "o", "pr": "pr", "po": "po", "ro": "ro", "pro,e": "residual"})])
def test_henderson_matches_base_r(key, kw, ref):
    # the same equations solved in base R: 1e-9 relative (both solve a 5x5 / 7x7 system)
    res = g_study(_frame(key), method="henderson", **kw)
    assert res.method == "henderson"
    raw = dict(zip(res.components["short"], res.components["variance_raw"]))
    for short, ref_key in ref.items():
        assert raw[short] == pytest.approx(REF[key]["henderson"][ref_key], rel=1e-9,
                                           abs=1e-12), short
    assert (res.components["variance"] >= 0).all()
    if (res.components["variance_raw"] < 0).any():
        assert any("Henderson" in n for n in res.notes)


def _pro(seed, P=30, R=6, O=5):
    rng = np.random.default_rng(seed)
    p, r, o = (a.ravel() for a in np.meshgrid(np.arange(P), np.arange(R), np.arange(O),
                                              indexing="ij"))
    sd = {"p": 1.0, "r": 1.0, "o": 1.0, "pr": 0.7, "po": 0.6, "ro": 0.6, "e": 0.8}
    y = (rng.normal(0, sd["p"], P)[p] + rng.normal(0, sd["r"], R)[r]
         + rng.normal(0, sd["o"], O)[o] + rng.normal(0, sd["pr"], (P, R))[p, r]
         + rng.normal(0, sd["po"], (P, O))[p, o] + rng.normal(0, sd["ro"], (R, O))[r, o]
         + rng.normal(0, sd["e"], len(p)))
    return pd.DataFrame({"school": p, "rater": r, "occasion": o, "score": y})


def _nested_in_school(d):
    return d.assign(rater=d["school"] * 100 + d["rater"])


def _nested_in_occasion(d):
    return d.assign(rater=d["occasion"] * 100 + d["rater"])


@pytest.mark.parametrize("kw,make", [
    (dict(facets=("rater",)), lambda d: d[d.occasion == 0]),
    (dict(facets=("rater",), nested="r:p"), lambda d: _nested_in_school(d[d.occasion == 0])),
    (dict(facets=("rater", "occasion")), lambda d: d),
    (dict(facets=("rater", "occasion"), nested="r:p"), _nested_in_school),
    (dict(facets=("rater", "occasion"), nested="r:o"), _nested_in_occasion)])
def test_henderson_equals_anova_on_balanced_data(kw, make):
    data = make(_pro(3))
    a = g_study(data, unit="school", method="anova", **kw)
    h = g_study(data, unit="school", method="henderson", **kw)
    np.testing.assert_allclose(h.components["variance_raw"], a.components["variance_raw"],
                               rtol=1e-10, atol=1e-12)
    assert h.g_coefficient == pytest.approx(a.g_coefficient, abs=1e-10)


def test_henderson_one_way_unbalanced_closed_form():
    # r:p with unequal raters per school: sigma2_e = MSW, sigma2_p = (MSB - MSW) / n0 with
    # Searle's n0 = (N - sum n_i^2 / N) / (a - 1) (Searle, Casella & McCulloch 1992, 3.6)
    rng = np.random.default_rng(11)
    sizes = rng.integers(2, 7, size=25)
    school = np.repeat(np.arange(25), sizes)
    y = rng.normal(size=25)[school] + rng.normal(size=len(school))
    rater = np.concatenate([np.arange(m) for m in sizes])
    res = g_study(pd.DataFrame({"school": school, "rater": rater, "score": y}),
                  unit="school", nested="r:p", method="henderson")
    N, a = len(y), 25
    means = np.bincount(school, weights=y) / sizes
    msb = np.sum(sizes * (means - y.mean()) ** 2) / (a - 1)
    msw = np.sum((y - means[school]) ** 2) / (N - a)
    n0 = (N - np.sum(sizes ** 2) / N) / (a - 1)
    raw = res.components["variance_raw"].to_numpy()
    np.testing.assert_allclose(raw, [(msb - msw) / n0, msw], rtol=1e-10)


@pytest.mark.parametrize("fixed,other", [("occasion", "rater"), ("rater", "occasion")])
def test_fixed_facet_equals_averaging_over_it(fixed, other):
    # Brennan (2001, 4.4.1): with a facet fixed, the D study equals the random-facet G study
    # of the data averaged over that facet (exact for the unmodified ANOVA estimates, so
    # the data are chosen with every component positive)
    data = _pro(5, P=60)
    full = g_study(data, unit="school", facets=("rater", "occasion"), fixed=(fixed,))
    assert (full.components["variance_raw"] > 0).all()
    mean = data.groupby(["school", other], as_index=False)["score"].mean()
    avg = g_study(mean, unit="school", facets=(other,))
    assert (avg.components["variance_raw"] > 0).all()
    assert full.g_coefficient == pytest.approx(avg.g_coefficient, abs=1e-10)
    assert full.phi == pytest.approx(avg.phi, abs=1e-10)
    for n in (1, 2, 5, 10):
        assert full.coefficients(**{other: n}) == pytest.approx(avg.coefficients(**{other: n}),
                                                                abs=1e-10)
    table = full.d_study(**{other: [1, 2, 3]})
    ref = avg.d_study(**{other: [1, 2, 3]})
    np.testing.assert_allclose(table["g_coefficient"], ref["g_coefficient"], atol=1e-10)
    np.testing.assert_allclose(table["sigma2_Delta"], ref["sigma2_Delta"], atol=1e-10)
    s2p_avg = avg.components.set_index("short")["variance"]["p"]
    assert full.universe_score_variance() == pytest.approx(s2p_avg, abs=1e-10)
    assert table["sigma2_tau"].iloc[0] == pytest.approx(s2p_avg, abs=1e-10)


def test_fixed_team_in_nested_design_brennan_formulas():
    # Brennan (2001, 4.4) p x (r:t) with t fixed: tau = p + pt/n_t, delta = pr:t/(n_r n_t),
    # Delta = delta + r:t/(n_r n_t)
    res = g_study(_frame("nested_balanced"), fixed="team", **NESTED)
    v = dict(zip(res.components["short"], res.components["variance"]))
    nr, nt = 3, 3
    tau = v["p"] + v["po"] / nt
    rel = v["pr:o,e"] / (nr * nt)
    absolute = rel + v["r:o"] / (nr * nt)
    g, phi = res.coefficients(rater=nr)
    assert g == pytest.approx(tau / (tau + rel), abs=1e-12)
    assert phi == pytest.approx(tau / (tau + absolute), abs=1e-12)
    assert res.fixed == ("team",) and res.to_dict()["fixed"] == ["team"]
    assert "fixed facet" in res.summary()


@given(st.lists(st.floats(0, 5), min_size=7, max_size=7), st.integers(1, 6),
       st.integers(1, 6), st.sampled_from(["r", "o"]))
def test_fixing_a_facet_never_lowers_the_coefficients(v, nr, no, which):
    eff = _effects("p x r x o", ("p", "r", "o"))
    V = np.array([v])
    plans = {"r": np.array([float(nr)]), "o": np.array([float(no)])}
    g0, phi0 = _coefficients(V, eff, ("r", "o"), plans)
    g1, phi1 = _coefficients(V, eff, ("r", "o"), plans, (which,))
    if np.isfinite(g0[0, 0]) and np.isfinite(g1[0, 0]):
        assert g1[0, 0] >= g0[0, 0] - 1e-12
    if np.isfinite(phi0[0, 0]) and np.isfinite(phi1[0, 0]):
        assert phi1[0, 0] >= phi0[0, 0] - 1e-12


def test_bad_options():
    data = _frame("nested_balanced")
    with pytest.raises(ReliabilityError, match="fixed"):
        g_study(data, fixed="school", **NESTED)
    with pytest.raises(ReliabilityError, match="random"):
        g_study(data, fixed=("rater", "team"), **NESTED)
    with pytest.raises(ReliabilityError, match="nested"):
        g_study(data[data.team == "T1"], unit="person", facets=("rater",), nested="r:o")
    with pytest.raises(ReliabilityError, match="method"):
        g_study(data, method="minque", **NESTED)


def test_cli_nested_fixed_henderson(tmp_path, capsys):
    path = tmp_path / "n.csv"
    _frame("nested_unbalanced").to_csv(path, index=False)
    assert main(["gstudy", str(path), "--unit", "person", "--facets", "rater,team",
                 "--score", "score", "--nested", "r:o", "--fixed", "team",
                 "--method", "henderson", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["design"] == "p x (r:o)" and out["method"] == "henderson"
    assert out["fixed"] == ["team"]
    raw = {c["short"]: c["variance_raw"] for c in out["components"]}
    assert raw["p"] == pytest.approx(REF["nested_unbalanced"]["henderson"]["p"], rel=1e-9)
    assert all("sigma2_tau" in row for row in out["d_study"])
    with pytest.raises(SystemExit) as exc:
        main(["gstudy", str(path), "--unit", "person", "--facets", "rater,team",
              "--fixed", "person"])
    assert exc.value.code == 2
    assert "fixed" in capsys.readouterr().err


@pytest.mark.parametrize("name,letters", [
    ("brennan_synthetic3_pxixo", {"p": "p", "r": "i", "o": "o", "pr": "pi", "po": "po",
                                  "ro": "io", "pro,e": "pio,e"}),
    ("brennan_synthetic4_pxrt", {"p": "p", "o": "t", "r:o": "r:t", "po": "pt",
                                 "pr:o,e": "pr:t,e"})])
@pytest.mark.parametrize("method", ["anova", "henderson"])
def test_brennan_synthetic_data_fixed_facet(name, letters, method):
    # Brennan's printed values (4 dp components, 2 dp coefficients): within half a unit
    # in the last printed place
    ref = json.loads((DATA / f"{name}.expected.json").read_text())
    cols, pub = ref["columns"], ref["published"]
    kw = dict(unit=cols["unit"], facets=tuple(cols["facets"]), score=cols["score"],
              nested=cols.get("nested"), method=method)
    res = g_study(DATA / f"{name}.csv", **kw)
    raw = dict(zip(res.components["short"], res.components["variance_raw"]))
    for short, letter in letters.items():
        assert abs(raw[short] - pub["components"][letter]) <= 0.5e-4 + 1e-12, short
    fixed = g_study(DATA / f"{name}.csv", fixed=pub["fixed"]["facet"], **kw)
    sizes = {f: pub["fixed"][f"n_{f}"] for f in cols["facets"]}
    g, phi = fixed.coefficients(**sizes)
    assert abs(g - pub["fixed"]["g_coefficient"]) <= 0.005 + 1e-12
    assert abs(phi - pub["fixed"]["phi"]) <= 0.005 + 1e-12
    # and the random-facet coefficients are lower (the fixed facet's interaction is error)
    assert res.coefficients(**sizes)[0] < g


def test_henderson_bootstrap_equals_anova_bootstrap_on_balanced_data():
    # every resample of balanced data is balanced, so Henderson's refit (units copied) and
    # the ANOVA refit give the same components: same seed, same bootstrap to 1e-10
    data = _nested_in_occasion(_pro(8, P=20, R=3, O=2))
    kw = dict(unit="school", facets=("rater", "occasion"), nested="r:o", n_resamples=40,
              seed=4)
    a = g_study(data, method="anova", **kw)
    h = g_study(data, method="henderson", **kw)
    np.testing.assert_allclose(h.components["bootstrap_se"], a.components["bootstrap_se"],
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.components["se"], h.components["bootstrap_se"])


def test_items_nested_in_hierarchies_named_by_columns():
    # p x (i:h): the same design with other column names; item labels reused across
    # hierarchies are different items (identified by their hierarchy)
    d = _frame("nested_unbalanced").rename(columns={"rater": "item", "team": "hierarchy"})
    d["item"] = d["item"].str[-1]          # R11..R34 -> 1..4 within each hierarchy
    res = g_study(d, unit="person", facets=("item", "hierarchy"), nested="item:hierarchy")
    ref = g_study(_frame("nested_unbalanced"), **NESTED)
    np.testing.assert_allclose(res.components["variance"], ref.components["variance"],
                               rtol=1e-10)
    assert any("treated as different items" in n for n in res.notes)


def test_henderson_singular_design_is_an_error():
    # each rater seen on one occasion only: rater and rater x occasion are confounded
    d = pd.DataFrame({"p": np.repeat(np.arange(10), 4), "r": np.tile([0, 1, 2, 3], 10),
                      "o": np.tile([0, 0, 1, 1], 10),
                      "score": np.random.default_rng(1).normal(size=40)})
    with pytest.raises(ReliabilityError, match="singular"):
        g_study(d, unit="p", facets=("r", "o"), method="henderson")
