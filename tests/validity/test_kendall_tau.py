"""Stuart's tau-c and the exact p-value of Kendall's tau (issue 19).

References: scipy.stats.kendalltau(variant="c") for tau-c; a numerical multinomial delta
method for its ASE; R ``cor.test(method="kendall")`` (tests/data/kendall_exact_r.json, from
tests/data/scripts/kendall_exact_r.R) and a full enumeration of the permutations (n <= 8)
for the exact p-value.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import stats

from reliability._errors import ReliabilityError
from reliability.validity import grade_context, kendall_tau, ordinal_associations
from tests.conftest import DATA
from tests.validity.test_validity_ordinal import _delta_se, _table

R_REF = json.loads((DATA / "kendall_exact_r.json").read_text())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tau_c_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 5, 300)
    y = np.round(0.5 * x + rng.normal(size=300), 1)
    t, _, _ = _table(x, y)
    # Tolerance 1e-12: the same quantity computed by different exact algorithms.
    ref = stats.kendalltau(x, y, variant="c").statistic
    assert ordinal_associations(t)["kendall_tau_c"].estimate == pytest.approx(ref, abs=1e-12)
    assert kendall_tau(x, y, variant="c").estimate == pytest.approx(ref, abs=1e-12)


def test_tau_c_ignores_empty_rows_and_columns():
    t = np.array([[5, 0, 2, 0], [0, 0, 0, 0], [1, 0, 6, 0]], dtype=float)
    x = np.repeat([0, 0, 2, 2], [5, 2, 1, 6])
    y = np.repeat([0, 2, 0, 2], [5, 2, 1, 6])
    assert ordinal_associations(t)["kendall_tau_c"].estimate == pytest.approx(
        stats.kendalltau(x, y, variant="c").statistic, abs=1e-12)


def test_tau_c_ase_matches_numerical_delta_method():
    t = np.array([[20, 15, 6, 2], [10, 25, 14, 6], [3, 9, 18, 12]], dtype=float)
    ours = ordinal_associations(t)["kendall_tau_c"]
    # Relative tolerance 1e-4: forward differences with h = 1e-6 are accurate to ~1e-6.
    assert ours.se == pytest.approx(_delta_se(t, "kendall_tau_c"), rel=1e-4)
    assert ours.se_null == ours.se


@pytest.mark.parametrize("case", R_REF["cases"], ids=lambda c: c["name"])
def test_p_values_match_r_cor_test(case):
    e = kendall_tau(case["x"], case["y"])
    # Tolerance 1e-10: R's values are written with 15 significant digits.
    assert e.estimate == pytest.approx(case["tau_b"], abs=1e-10)
    assert e.p_value == pytest.approx(case["p_value"], rel=1e-9, abs=1e-12)
    assert e.extra["p_value_method"] == ("exact" if case["exact"] else "asymptotic")
    # the p-value is the test on S: the same for tau-c
    assert kendall_tau(case["x"], case["y"], variant="c").p_value == e.p_value


def _s(x, y):
    x, y = np.asarray(x), np.asarray(y)
    return int((np.sign(x[:, None] - x[None, :]) * np.sign(y[:, None] - y[None, :])).sum() // 2)


@pytest.mark.parametrize("n,seed", [(4, 0), (5, 1), (6, 2), (7, 3), (8, 4), (8, 5)])
def test_exact_p_by_enumerating_permutations(n, seed):
    rng = np.random.default_rng(seed)
    x = np.arange(n)
    y = rng.permutation(n)
    s_obs = _s(x, y)
    s_all = np.array([_s(x, p) for p in itertools.permutations(range(n))])
    # two-sided: P(|S| >= |s|) under independence (all n! orderings equally likely)
    ref = float(np.mean(np.abs(s_all) >= abs(s_obs)))
    e = kendall_tau(x, y, method="exact")
    # Tolerance 1e-12: both exact rational numbers in floating point.
    assert e.p_value == pytest.approx(ref, abs=1e-12)
    assert e.extra["p_value_method"] == "exact"


def test_exact_refused_with_ties_and_auto_falls_back():
    x = [1, 2, 2, 3, 4, 5]
    y = [1, 3, 2, 4, 6, 5]
    with pytest.raises(ReliabilityError, match="x has tied values"):
        kendall_tau(x, y, method="exact")
    e = kendall_tau(x, y)
    assert e.extra["p_value_method"] == "asymptotic"
    assert e.p_value == pytest.approx(stats.kendalltau(x, y, method="asymptotic").pvalue,
                                      abs=1e-12)
    # large samples without ties: asymptotic, as scipy's "auto"
    rng = np.random.default_rng(0)
    big = rng.permutation(60)
    assert kendall_tau(np.arange(60), big).extra["p_value_method"] == "asymptotic"
    with pytest.raises(ReliabilityError, match="variant"):
        kendall_tau(x, y, variant="a")
    with pytest.raises(ReliabilityError, match="differ in length"):
        kendall_tau(x, y[:-1])
    assert kendall_tau([1, 1, 1], [1, 2, 3]).reason
    assert math.isnan(kendall_tau([1], [2]).estimate)


def test_grade_context_reports_tau_c():
    rng = np.random.default_rng(4)
    g = rng.integers(1, 5, 200)
    c = np.round(g + rng.normal(size=200), 2)
    r = grade_context(g, c)
    ref = stats.kendalltau(g, c, variant="c").statistic
    assert r.associations["kendall_tau_c"].estimate == pytest.approx(ref, abs=1e-12)
    assert "kendall_tau_c" in r.to_dict()["associations"]


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 5)), min_size=3, max_size=40),
       st.lists(st.floats(0.1, 10), min_size=5, max_size=5),
       st.lists(st.floats(0.1, 10), min_size=6, max_size=6))
def test_tau_c_invariant_to_increasing_relabelling(pairs, dx, dy):
    """Recoding x and y by strictly increasing maps (the same order) keeps tau-c and its p."""
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    mx, my = np.cumsum(dx), np.cumsum(dy)
    a = kendall_tau(x, y, variant="c")
    b = kendall_tau(mx[x], my[y], variant="c")
    if math.isnan(a.estimate):
        assert math.isnan(b.estimate)
        return
    assert b.estimate == pytest.approx(a.estimate, abs=1e-12)
    assert b.se == pytest.approx(a.se, abs=1e-12)
    assert b.p_value == pytest.approx(a.p_value, abs=1e-12)
    # reversing one variable's order flips the sign
    assert kendall_tau(x, -y, variant="c").estimate == pytest.approx(-a.estimate, abs=1e-12)
