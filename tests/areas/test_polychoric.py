"""Polychoric correlation against R polycor, a second method (latent normals), and properties.

Tolerances: R's ``optimise`` stops at about 1.2e-4 (``.Machine$double.eps^0.25``) in rho, so
rho is compared within 2e-4 and, as a sharper check, our log-likelihood must be at least R's
at R's rho; SEs (R: numerical Hessian) within 0.1% relative; G^2 within 1e-3 (it inherits
R's rho error); thresholds (closed form) within 1e-9.
"""

import json

import numpy as np
import pytest
from hypothesis import given, strategies as st

from reliability._errors import ReliabilityError
from reliability.areas import polychoric
from reliability.areas._polychoric import _loglik_and_score
from tests.conftest import DATA

CASES = json.loads((DATA / "polychoric_polycor.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_matches_polycor_two_step(case):
    table = np.array(case["table"], dtype=float)
    res = polychoric(table=table)
    assert res.estimate == pytest.approx(case["rho"], abs=2e-4)
    assert res.se == pytest.approx(case["se"], rel=1e-3)
    assert res.chi2 == pytest.approx(case["chisq"], abs=1e-3)
    assert res.df == case["df"]
    np.testing.assert_allclose(res.thresholds_x, case["row_cuts"], atol=1e-9)
    np.testing.assert_allclose(res.thresholds_y, case["col_cuts"], atol=1e-9)
    tx, ty = np.array(res.thresholds_x), np.array(res.thresholds_y)
    ours = _loglik_and_score(table, tx, ty, res.estimate)
    theirs = _loglik_and_score(table, tx, ty, case["rho"])[0]
    assert ours[0] >= theirs - 1e-9
    assert abs(ours[1]) < 1e-4 * table.sum()   # the analytic score vanishes at the estimate


def test_recovers_the_latent_correlation_of_simulated_normals():
    rng = np.random.default_rng(11)
    n, rho = 40_000, 0.55
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    x = np.digitize(z[:, 0], [-1.2, -0.3, 0.8, 1.7])
    y = np.digitize(z[:, 1], [-0.9, 0.2, 1.1])
    res = polychoric(x, y)
    assert abs(res.estimate - rho) < 4 * res.se
    # the SE agrees with the spread of estimates over replicate samples (second method)
    reps = []
    for _ in range(40):
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=2000)
        reps.append(polychoric(np.digitize(z[:, 0], [-1.2, -0.3, 0.8, 1.7]),
                               np.digitize(z[:, 1], [-0.9, 0.2, 1.1])).estimate)
    se_small = polychoric(x[:2000], y[:2000]).se
    assert np.std(reps, ddof=1) == pytest.approx(se_small, rel=0.35)


def test_interval_recomputed_and_nested():
    res = polychoric(table=np.array(CASES[0]["table"]))
    lo90, hi90 = res.confidence_interval(0.90)
    lo99, hi99 = res.confidence_interval(0.99)
    assert lo99 < lo90 < res.estimate < hi90 < hi99
    assert res.confidence_interval(0.95) == pytest.approx(res.ci)
    with pytest.raises(ReliabilityError, match="confidence"):
        res.confidence_interval(95)


def test_single_category_is_nan_with_reason():
    res = polychoric(np.zeros(10, dtype=int), np.arange(10) % 3)
    assert np.isnan(res.estimate) and "single category" in res.reason


@pytest.mark.parametrize("bad", [[[1, -1], [2, 3]], [[1, np.inf], [2, 3]], [[1, 1.5], [2, 3]]])
def test_bad_counts_name_the_cell(bad):
    with pytest.raises(ReliabilityError, match=r"cell \(1, 2\)"):
        polychoric(table=np.array(bad, dtype=float))


def test_text_codes_refused():
    with pytest.raises(ReliabilityError, match="integer category codes"):
        polychoric(np.array(["a", "b"]), np.array(["a", "b"]))


tables = st.lists(st.lists(st.integers(1, 30), min_size=3, max_size=3), min_size=3, max_size=4)


@given(tables)
def test_symmetry_and_reversal(t):
    t = np.array(t, dtype=float)
    r = polychoric(table=t).estimate
    assert -1 < r < 1
    assert polychoric(table=t.T).estimate == pytest.approx(r, abs=1e-6)
    assert polychoric(table=t[::-1, ::-1]).estimate == pytest.approx(r, abs=1e-6)
    assert polychoric(table=t[::-1, :]).estimate == pytest.approx(-r, abs=1e-6)


@given(tables)
def test_empty_categories_do_not_change_the_estimate(t):
    t = np.array(t, dtype=float)
    padded = np.insert(t, 1, 0, axis=0)
    assert polychoric(table=padded).estimate == pytest.approx(polychoric(table=t).estimate,
                                                              abs=1e-9)
