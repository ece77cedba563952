"""G study / D study against Brennan (2001) Synthetic Data Set No. 1 (p x i)."""

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, load_reference
from reliability.gtheory import g_study

NAME = "brennan_synthetic1_pxi"


@pytest.fixture(scope="module")
def ref():
    return load_reference(NAME)


@pytest.fixture(scope="module", params=["anova", "reml"])
def result(request):
    return g_study(DATA / f"{NAME}.csv", unit="unit", facets=("item",),
                   method=request.param)


def _component(result, short):
    return float(result.components.set_index("short").loc[short, "variance"])


def test_variance_components(result, ref):
    tol = ref["tolerance"]  # 1e-6 suggested; ANOVA and REML both reach ~1e-15 here
    for short, key in (("p", "sigma2_p"), ("r", "sigma2_i"), ("pr,e", "sigma2_pi")):
        assert _component(result, short) == pytest.approx(ref["values"][key]["estimate"], abs=tol)


def test_sums_of_squares_and_mean_squares(ref):
    res = g_study(DATA / f"{NAME}.csv", facets=("item",), method="anova")
    comps = res.components.set_index("short")
    for short, key in (("p", "p"), ("r", "i"), ("pr,e", "pi")):
        expected = ref["values"][f"MS_{key}"]
        assert comps.loc[short, "MS"] == pytest.approx(expected["estimate"], abs=ref["tolerance"])
        assert comps.loc[short, "SS"] == pytest.approx(expected["SS"], abs=ref["tolerance"])
        assert comps.loc[short, "df"] == expected["df"]


def test_coefficients(result, ref):
    assert result.g_coefficient == pytest.approx(ref["values"]["Erho2"]["estimate"], abs=ref["tolerance"])
    assert result.phi == pytest.approx(ref["values"]["Phi"]["estimate"], abs=ref["tolerance"])
    # published to 3 decimals
    assert round(result.g_coefficient, 3) == ref["published"]["Erho2"]
    assert round(result.phi, 3) == ref["published"]["Phi"]


def test_d_study_table(result, ref):
    sizes = [row["n_prime"] for row in ref["d_study"]]
    table = result.d_study(item=sizes)
    assert list(table["item"]) == sizes
    for got, row in zip(table.to_dict(orient="records"), ref["d_study"]):
        assert got["sigma2_delta"] == pytest.approx(row["sigma2_delta"], abs=ref["tolerance"])
        assert got["sigma2_Delta"] == pytest.approx(row["sigma2_Delta"], abs=ref["tolerance"])
        assert got["g_coefficient"] == pytest.approx(row["Erho2"], abs=ref["tolerance"])
        assert got["phi"] == pytest.approx(row["Phi"], abs=ref["tolerance"])
        # the function form gives the same numbers
        g, phi = result.coefficients(item=row["n_prime"])
        assert (g, phi) == pytest.approx((row["Erho2"], row["Phi"]), abs=ref["tolerance"])


def test_published_values_to_printed_precision(ref):
    res = g_study(DATA / f"{NAME}.csv", facets=("item",), method="anova")
    comps = res.components.set_index("short")
    lookup = {"SS_p": comps.loc["p", "SS"], "SS_i": comps.loc["r", "SS"],
              "SS_pi": comps.loc["pr,e", "SS"], "MS_p": comps.loc["p", "MS"],
              "MS_i": comps.loc["r", "MS"], "MS_pi": comps.loc["pr,e", "MS"],
              "sigma2_p": comps.loc["p", "variance"], "sigma2_i": comps.loc["r", "variance"],
              "sigma2_pi": comps.loc["pr,e", "variance"],
              "Erho2 (n'_i=12)": res.g_coefficient, "Phi (n'_i=12)": res.phi}
    for row in ref["verification"]:
        got = lookup[row["statistic"]]
        assert abs(got - row["published"]) <= 0.5 * 10 ** -row["printed_decimals"] + 1e-12


def test_percentages_sum_to_100(result):
    assert result.components["percent"].sum() == pytest.approx(100.0)
    assert set(result.components.columns) >= {"source", "variance", "percent", "method"}


def test_long_input_equals_wide(result):
    wide = pd.read_csv(DATA / f"{NAME}.csv")
    long = wide.melt(id_vars="unit", var_name="item", value_name="score")
    res = g_study(long, unit="unit", facets="item", score="score", method=result.method)
    np.testing.assert_allclose(res.components["variance"], result.components["variance"],
                               atol=1e-12)


def test_minimal_design(result):
    best = result.minimal_design(0.8)
    assert best["reached"]
    n = best["item"]
    assert result.coefficients(item=n)[0] >= 0.8 > result.coefficients(item=n - 1)[0]
    best_phi = result.minimal_design(0.8, coefficient="phi")
    assert best_phi["item"] >= n  # Phi <= E rho^2, so it needs at least as many items
    never = result.minimal_design(0.999, max_n=20)
    assert not never["reached"] and never["item"] == 20
