"""Every value of the agreement reference files (tests/data/*.expected.json).

Tolerances: each file's own ``tolerance`` (1e-6, 1e-12 for the constructed edge cases)
unless a test says otherwise and why.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import reliability.agreement as A
from tests.conftest import DATA, load_reference


def _close(a, b, tol):
    if b is None:
        assert a is None or not np.isfinite(a)
        return
    assert a == pytest.approx(b, abs=tol), (a, b)


def check(est, ref, tol, *, ci=True, se=True):
    _close(est.estimate, ref["estimate"], tol)
    if se and ref.get("se") is not None:
        if ref.get("se_kind") == "null":
            _close(est.se_null, ref["se"], tol)
        else:
            _close(est.se, ref["se"], tol)
    if ci and ref.get("ci") is not None:
        _close(est.ci[0], ref["ci"][0], tol)
        _close(est.ci[1], ref["ci"][1], tol)
        assert est.ci_level == ref["ci_level"]
    if "se_null" in ref:
        _close(est.se_null, ref["se_null"], tol)
    if "z_null" in ref:
        _close(est.extra["z_null"], ref["z_null"], tol * 100)   # z = est/se0: scaled tolerance
    if "p_value_null" in ref:
        _close(est.p_value, ref["p_value_null"], tol)
    if "observed_agreement" in ref:
        _close(est.extra["observed_agreement"], ref["observed_agreement"], tol)
        _close(est.extra["chance_agreement"], ref["chance_agreement"], tol)


def path(name):
    return DATA / f"{name}.csv"


# ----------------------------------------------------------------- Fleiss 1971
def test_fleiss1971():
    ref = load_reference("fleiss1971_diagnoses")
    v, tol = ref["values"], ref["tolerance"]
    p = path("fleiss1971_diagnoses")
    fk = A.fleiss_kappa(p)
    check(fk, v["fleiss_kappa"], tol, ci=False)          # se_null = FNL 1979
    _close(fk.extra["z_null"], v["fleiss_kappa"]["z"], 1e-5)
    _close(fk.p_value, v["fleiss_kappa"]["p_value"], 1e-75)
    check(fk, v["fleiss_kappa_gwet_se"], tol)
    check(A.conger_kappa(p), v["conger_kappa"], tol)
    check(A.gwet_ac1(p), v["gwet_ac1"], tol)
    check(A.krippendorff_alpha(p), v["krippendorff_alpha_nominal"], tol)
    check(A.brennan_prediger(p), v["brennan_prediger"], tol)
    check(A.percent_agreement(p), v["percent_agreement"], tol)
    cats = A.fleiss_category_kappas(p)
    for key, r in v.items():
        if key.startswith("fleiss_kappa_category["):
            e = cats[key[len("fleiss_kappa_category["):-1]]
            _close(e.estimate, r["estimate"], tol)
            _close(e.se_null, r["se"], tol)
            _close(e.extra["z_null"], r["z"], 1e-5)
            assert e.p_value == pytest.approx(r["p_value"], rel=1e-6)


# ----------------------------------------------------------------- Krippendorff
def test_krippendorff_levels():
    ref = load_reference("krippendorff_reliability_data")
    v, tol = ref["values"], ref["tolerance"]
    p = path("krippendorff_reliability_data")
    for level in ("nominal", "ordinal", "interval", "ratio"):
        e = A.krippendorff_alpha(p, level=level)
        _close(e.estimate, v[f"krippendorff_alpha_{level}"]["estimate"], tol)
    # The irrCAC 'ordinal'-weights trap: Krippendorff's ordinal alpha is not .834.
    trap = v["irrCAC_krippen_alpha_ordinal_weights"]["estimate"]
    assert abs(A.krippendorff_alpha(p, level="ordinal").estimate - trap) > 0.01
    # irrCAC 'ratio' weights reproduce Krippendorff's ratio alpha; 'linear' weights are Gwet's.
    _close(A.krippendorff_alpha(p, level="ratio").estimate,
           v["irrCAC_krippen_alpha_ratio_weights"]["estimate"], tol)
    _close(A.krippendorff_alpha(p, weights="linear").estimate,
           v["irrCAC_krippen_alpha_linear_weights"]["estimate"], tol)


def test_krippendorff_data_gwet_family():
    ref = load_reference("krippendorff_reliability_data")
    v, tol = ref["values"], ref["tolerance"]
    p = path("krippendorff_reliability_data")
    for key, fn, w in [("percent_agreement", A.percent_agreement, None),
                       ("percent_agreement_quadratic", A.weighted_agreement, "quadratic"),
                       ("gwet_ac1", A.gwet_ac1, None),
                       ("gwet_ac2_quadratic", A.gwet_ac2, "quadratic"),
                       ("fleiss_kappa", A.fleiss_kappa, None),
                       ("fleiss_kappa_quadratic", A.fleiss_kappa, "quadratic"),
                       ("conger_kappa", A.conger_kappa, None),
                       ("conger_kappa_quadratic", A.conger_kappa, "quadratic"),
                       ("brennan_prediger", A.brennan_prediger, None),
                       ("brennan_prediger_quadratic", A.brennan_prediger, "quadratic")]:
        e = fn(p, weights=w)
        check(e, v[key], tol)
        _close(e.extra["observed_agreement"], v[key]["pa"], tol)
        _close(e.extra["chance_agreement"], v[key]["pe"], tol)


def test_krippendorff_gwet_se_with_missing():
    """Gwet-framework alpha with unit 12's single rating: estimate, SE and CI as irrCAC raw."""
    ref = load_reference("krippendorff_reliability_data")
    v, tol = ref["values"], ref["tolerance"]
    p = path("krippendorff_reliability_data")
    for key, kw in [("krippendorff_alpha_nominal_gwet_se", {"level": "nominal"}),
                    ("krippendorff_alpha_quadratic_gwet_se", {"weights": "quadratic"}),
                    ("krippendorff_alpha_quadratic_gwet_se", {"level": "interval"}),
                    ("irrCAC_krippen_alpha_linear_weights", {"weights": "linear"}),
                    ("irrCAC_krippen_alpha_ratio_weights", {"level": "ratio"})]:
        e = A.krippendorff_alpha(p, **kw)
        check(e, v[key], tol)
        if "pa" in v[key]:
            _close(e.extra["observed_agreement"], v[key]["pa"], tol)
            _close(e.extra["chance_agreement"], v[key]["pe"], tol)


# ----------------------------------------------------------------- tables
TABLE_FUNCS = {"cohen_kappa": A.cohen_kappa, "scott_pi": A.scott_pi,
               "gwet_ac1": A.gwet_ac1, "gwet_ac2": A.gwet_ac2,
               "brennan_prediger": A.brennan_prediger,
               "krippendorff_alpha": A.krippendorff_alpha,
               "percent_agreement": A.percent_agreement}


@pytest.mark.parametrize("name", ["vcd_sexualfun", "gwet_cont3x3abstractors",
                                  "gwet_cont4x4diagnosis"])
def test_irrcac_tables(name):
    ref = load_reference(name)
    tol = ref["tolerance"]
    n_checked = 0
    for key, r in ref["values"].items():
        if not key.startswith("irrCAC_"):
            continue
        stem = key[len("irrCAC_"):]
        weights = None
        for w in ("quadratic", "linear"):
            if stem.endswith("_" + w):
                stem, weights = stem[: -len(w) - 1], w
        fn = TABLE_FUNCS[stem]
        if stem == "percent_agreement" and weights:
            fn = A.weighted_agreement      # irrCAC's weighted pa; percent_agreement is exact
        kw = {"shape": "table"}
        if weights:
            kw["weights"] = weights
        e = fn(path(name), **kw)
        check(e, r, tol)
        n_checked += 1
    assert n_checked >= 6


@pytest.mark.parametrize("name", ["vcd_sexualfun", "fleiss_cohen_everitt_1969",
                                  "cohen_1968_weighted", "gwet_cont3x3abstractors",
                                  "gwet_cont4x4diagnosis"])
def test_cohen_fce(name):
    """FCE-1969 non-null SE, null SE and vcd's z intervals (ci_method='normal')."""
    ref = load_reference(name)
    tol = ref["tolerance"]
    for key, r in ref["values"].items():
        if key.startswith("irrCAC_"):
            continue
        if "disagreement_weights" in r:
            v = np.asarray(r["disagreement_weights"], dtype=float)
            w = 1 - v / v.max()
        else:
            w = np.asarray(r["weights"])
        e = A.cohen_kappa(path(name), shape="table", weights=w, ci_method="normal")
        check(e, r, tol)
        assert e.extra["n_units"] == r["n"]
        if key == "cohen_kappa":   # identity weights give plain kappa
            assert e.estimate == A.cohen_kappa(path(name), shape="table").estimate


def test_vcd_weight_matrices():
    ref = load_reference("vcd_sexualfun")
    rt = A.agreement(path("vcd_sexualfun"), shape="table", level="ordinal")
    values = np.arange(1, 5)
    assert np.allclose(A.weight_matrix("linear", values), ref["values"]["weighted_kappa_linear"]["weights"])
    assert np.allclose(A.weight_matrix("quadratic", values),
                       ref["values"]["weighted_kappa_quadratic"]["weights"])
    assert rt.info["weights"] == "quadratic"
    _close(rt["cohen_kappa"].estimate, ref["values"]["weighted_kappa_quadratic"]["estimate"],
           ref["tolerance"])


# ----------------------------------------------------------------- counts
def test_distrib_6raters():
    ref = load_reference("gwet_distrib_6raters")
    v, tol = ref["values"], ref["tolerance"]
    p = path("gwet_distrib_6raters")
    kw = {"shape": "counts"}
    for key, fn, w in [("gwet_ac1", A.gwet_ac1, None),
                       ("gwet_ac2_quadratic", A.gwet_ac2, "quadratic"),
                       ("fleiss_kappa", A.fleiss_kappa, None),
                       ("fleiss_kappa_quadratic", A.fleiss_kappa, "quadratic"),
                       ("brennan_prediger", A.brennan_prediger, None),
                       ("brennan_prediger_quadratic", A.brennan_prediger, "quadratic")]:
        e = fn(p, weights=w, **kw)
        check(e, v[key], tol)
        _close(e.extra["observed_agreement"], v[key]["pa"], tol)
        _close(e.extra["chance_agreement"], v[key]["pe"], tol)
    # Krippendorff: we use irrCAC's raw-function SE (recorded as se_irrCAC_raw_function).
    for key, kwa in [("krippendorff_alpha", {}), ("krippendorff_alpha_quadratic",
                                                  {"weights": "quadratic"})]:
        e = A.krippendorff_alpha(p, **kw, **kwa)
        r = v[key]
        _close(e.estimate, r["estimate"], tol)
        _close(e.se, r["se_irrCAC_raw_function"], tol)
        _close(e.ci[0], r["ci_irrCAC_raw_function"][0], tol)
        _close(e.ci[1], r["ci_irrCAC_raw_function"][1], tol)
        _close(e.extra["observed_agreement"], r["pa"], tol)


# ----------------------------------------------------------------- edge cases
def test_edge_perfect():
    ref = load_reference("edge_perfect_agreement")
    v, tol = ref["values"], ref["tolerance"]
    p = path("edge_perfect_agreement")
    for key, e in [("fleiss_kappa", A.fleiss_kappa(p)), ("percent_agreement", A.percent_agreement(p)),
                   ("gwet_ac1", A.gwet_ac1(p)), ("krippendorff_alpha_gwet", A.krippendorff_alpha(p)),
                   ("conger_kappa", A.conger_kappa(p)), ("brennan_prediger", A.brennan_prediger(p)),
                   ("krippendorff_alpha_nominal", A.krippendorff_alpha(p)),
                   ("krippendorff_alpha_interval", A.krippendorff_alpha(p, level="interval")),
                   ("cohen_kappa_pairwise_r1_r2", A.cohen_kappa(p, raters=(0, 1)))]:
        check(e, v[key], tol, ci=False)


def test_edge_single_category():
    ref = load_reference("edge_single_category")
    v, tol = ref["values"], ref["tolerance"]
    p = path("edge_single_category")
    cats = ref["categories"]
    _close(A.percent_agreement(p, categories=cats).estimate, v["percent_agreement"]["estimate"], tol)
    for e in [A.fleiss_kappa(p, categories=cats), A.cohen_kappa(p, categories=cats, raters=(0, 1)),
              A.scott_pi(p, categories=cats), A.conger_kappa(p, categories=cats),
              A.krippendorff_alpha(p, categories=cats)]:
        assert math.isnan(e.estimate) and e.reason, e
    _close(A.gwet_ac1(p, categories=cats).estimate, v["gwet_ac1"]["estimate"], tol)
    _close(A.brennan_prediger(p, categories=cats).estimate, v["brennan_prediger"]["estimate"], tol)
    # With only the one observed category declared, AC1 is undefined (0/0), not 1.
    assert math.isnan(A.gwet_ac1(p).estimate)
