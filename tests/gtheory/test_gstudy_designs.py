"""Two-facet and nested designs: ANOVA vs REML, known components, D-study algebra."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability import ReliabilityError
from reliability.gtheory import g_study

SD = {"p": 1.0, "r": 0.5, "o": 0.3, "pr": 0.6, "po": 0.4, "ro": 0.2, "e": 0.8}


def _pro(seed, P=40, R=4, O=3, sd=SD):
    rng = np.random.default_rng(seed)
    p, r, o = (a.ravel() for a in np.meshgrid(np.arange(P), np.arange(R), np.arange(O),
                                              indexing="ij"))
    eff = {"p": rng.normal(0, sd["p"], P), "r": rng.normal(0, sd["r"], R),
           "o": rng.normal(0, sd["o"], O), "pr": rng.normal(0, sd["pr"], (P, R)),
           "po": rng.normal(0, sd["po"], (P, O)), "ro": rng.normal(0, sd["ro"], (R, O)),
           "e": rng.normal(0, sd["e"], len(p))}
    y = (eff["p"][p] + eff["r"][r] + eff["o"][o] + eff["pr"][p, r] + eff["po"][p, o]
         + eff["ro"][r, o] + eff["e"])
    frame = pd.DataFrame({"school": p, "rater": r, "occasion": o, "score": y})
    # realised variances of the simulated effects: what a G study estimates, up to
    # sampling error from the other effects
    frame.attrs["realised"] = {k: float(np.var(v, ddof=1)) for k, v in eff.items()}
    return frame


def _nested(frame):
    out = frame.copy()
    out["rater"] = out["school"] * 100 + out["rater"]  # each school has its own raters
    return out


DESIGNS = [
    ("p x r x o", dict(facets=("rater", "occasion")), lambda d: d),
    ("(r:p) x o", dict(facets=("rater", "occasion"), nested="r:p"), _nested),
    ("p x r", dict(facets=("rater",)), lambda d: d[d.occasion == 0]),
    ("r:p", dict(facets=("rater",), nested="rater:school"), lambda d: _nested(d[d.occasion == 0])),
]


@pytest.mark.parametrize("design,kw,make", DESIGNS)
@pytest.mark.parametrize("seed", [1, 2])
def test_balanced_reml_equals_anova(design, kw, make, seed):
    data = make(_pro(seed))
    a = g_study(data, unit="school", method="anova", **kw)
    assert a.design == design and a.method == "anova"
    if (a.components["variance_raw"] <= 1e-3).any():
        pytest.skip(reason="an ANOVA component is (near) negative; REML truncates it")
    r = g_study(data, unit="school", method="reml", **kw)
    np.testing.assert_allclose(r.components["variance"], a.components["variance"], atol=1e-9)
    assert r.g_coefficient == pytest.approx(a.g_coefficient, abs=1e-10)
    assert r.phi == pytest.approx(a.phi, abs=1e-10)


def test_known_components_recovered_two_facets():
    # 400 schools x 4 raters x 3 occasions; facet components rest on few levels, so check
    # the components whose SE is small (those involving p and the residual).
    data = _pro(7, P=400)
    res = g_study(data, unit="school", facets=("rater", "occasion"))
    comps = res.components.set_index("short")["variance"]
    real = data.attrs["realised"]
    # SEs given the realised effects: ~0.03-0.05 for p, ~0.02 for the interactions
    for key, truth, tol in (("p", real["p"], 0.12), ("pr", real["pr"], 0.06),
                            ("po", real["po"], 0.06), ("pro,e", real["e"], 0.05)):
        assert comps[key] == pytest.approx(truth, abs=tol), key


def test_unbalanced_uses_reml_and_recovers_components():
    full = _pro(8, P=200)
    data = full.sample(frac=0.85, random_state=3)
    res = g_study(data, unit="school", facets=("rater", "occasion"))
    assert res.method == "reml"
    comps = res.components.set_index("short")["variance"]
    real = full.attrs["realised"]
    for key, truth, tol in (("p", real["p"], 0.12), ("pr", real["pr"], 0.07),
                            ("po", real["po"], 0.07), ("pro,e", real["e"], 0.06)):
        assert comps[key] == pytest.approx(truth, abs=tol), key
    # harmonic mean of the distinct conditions seen per school
    assert 3 < res.n["rater"] <= 4 and 2 < res.n["occasion"] <= 3
    with pytest.raises(ReliabilityError, match="balanced"):
        g_study(data, unit="school", facets=("rater", "occasion"), method="anova")


def test_d_study_formulas_two_facets():
    res = g_study(_pro(3), unit="school", facets=("rater", "occasion"))
    v = res.components.set_index("short")["variance"]
    nr, no = 2, 3
    rel = v["pr"] / nr + v["po"] / no + v["pro,e"] / (nr * no)
    absolute = rel + v["r"] / nr + v["o"] / no + v["ro"] / (nr * no)
    g, phi = res.coefficients(rater=nr, occasion=no)
    assert g == pytest.approx(v["p"] / (v["p"] + rel), abs=1e-12)
    assert phi == pytest.approx(v["p"] / (v["p"] + absolute), abs=1e-12)
    table = res.d_study(rater=[1, 2, 3, 4], occasion=[1, 2])
    assert len(table) == 8
    assert list(table.columns[:2]) == ["rater", "occasion"]
    row = table[(table.rater == 2) & (table.occasion == 2)].iloc[0]
    assert (row.g_coefficient, row.phi) == pytest.approx(res.coefficients(rater=2, occasion=2))
    best = res.minimal_design(0.8)
    assert best["reached"] and res.coefficients(rater=best["rater"],
                                                occasion=best["occasion"])[0] >= 0.8


def test_nested_d_study_relative_equals_absolute():
    data = _nested(_pro(4)[lambda d: d.occasion == 0])
    res = g_study(data, unit="school", facets="rater", nested="r:p")
    assert res.design == "r:p"
    g, phi = res.coefficients(rater=5)
    assert g == pytest.approx(phi)  # in r:p every error term involves p


def test_negative_component_set_to_zero_and_noted():
    rng = np.random.default_rng(0)
    for seed in range(100):
        data = _pro(seed, P=10, R=3, O=2, sd={**SD, "r": 0.0, "ro": 0.0, "o": 0.0})
        res = g_study(data, unit="school", facets=("rater", "occasion"))
        if (res.components["variance_raw"] < 0).any():
            break
    assert (res.components["variance"] >= 0).all()
    assert any("set to 0" in n for n in res.notes)
    del rng


@given(st.integers(0, 10_000))
def test_permutation_invariance(seed):
    data = _pro(seed % 50, P=8, R=3, O=2)
    a = g_study(data, unit="school", facets=("rater", "occasion"))
    shuffled = data.sample(frac=1.0, random_state=seed)
    relabel = {s: f"s{(s * 7919 + seed) % 1000:03d}" for s in data.school.unique()}
    shuffled = shuffled.assign(school=shuffled.school.map(relabel))
    b = g_study(shuffled, unit="school", facets=("rater", "occasion"))
    np.testing.assert_allclose(b.components["variance"], a.components["variance"], atol=1e-10)


def test_bad_input():
    data = _pro(0, P=5)
    with pytest.raises(ReliabilityError, match="'grader'"):
        g_study(data, unit="school", facets=("grader",))
    with pytest.raises(ReliabilityError, match="nested"):
        g_study(data, unit="school", facets=("rater", "occasion"), nested="o:p")
    with pytest.raises(ReliabilityError, match="non-numeric"):
        g_study(data.assign(score=data.score.astype(object).where(data.index != 3, "x")),
                unit="school", facets=("rater", "occasion"))
    with pytest.raises(ReliabilityError, match="facet"):
        g_study(data, unit="school", facets=("rater", "occasion")).d_study(grader=[1])


def test_single_condition_facet_is_an_error():
    data = _pro(0, P=6, R=3, O=2)
    with pytest.raises(ReliabilityError, match="'occasion'"):
        g_study(data[data.occasion == 0], unit="school", facets=("rater", "occasion"))
    with pytest.raises(ReliabilityError, match="single rater"):
        g_study(_nested(data[(data.occasion == 0) & (data.rater == 0)]).assign(
            rater=lambda d: d.school), unit="school", facets="rater", nested="r:p")


def test_object_is_a_deprecated_alias_of_unit():
    data = _pro(3)
    new = g_study(data, unit="school", facets=("rater", "occasion"))
    with pytest.warns(DeprecationWarning, match="unit="):
        old = g_study(data, object="school", facets=("rater", "occasion"))
    pd.testing.assert_frame_equal(new.components, old.components)
    with pytest.warns(DeprecationWarning):
        assert old.object == new.unit == "school"
    with pytest.raises(ReliabilityError, match="not both"), pytest.warns(DeprecationWarning):
        g_study(data, unit="school", object="rater", facets=("occasion",))


@pytest.mark.parametrize("bad,match", [({"method": "ols"}, "method"), ({"unit": ""}, "unit"),
                                       ({"score": 3}, "score")])
def test_g_study_options_checked_at_the_door(bad, match):
    from reliability._validation import OptionError

    with pytest.raises(OptionError, match=match):
        g_study("no-such-file.csv", **bad)


def test_score_column_in_two_roles_is_refused():
    with pytest.raises(ReliabilityError, match="both the score and the unit"):
        g_study(_pro(3), unit="school", facets=("rater",), score="school")
