"""F tests of H0: ICC = rho0 (McGraw & Wong 1996, Table 8; ``icc(..., rho0=)``).

References: tests/data/icc_rho0_mcgraw_wong.json (tests/data/scripts/icc_rho0_mcgraw_wong.R:
Table 8 written in base R on lm()/anova() mean squares for rho0 = 0.3 and 0.5, psych::ICC
for rho0 = 0; irr is not installable here) and a simulation of the null distribution.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import DATA
from reliability import ReliabilityError
from reliability.icc import _anova, icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
REF = json.loads((DATA / "icc_rho0_mcgraw_wong.json").read_text())


@pytest.mark.parametrize("name", ["shrout_fleiss_1979", "pingouin_wine_icc"])
@pytest.mark.parametrize("rho0", ["0", "0.3", "0.5"])
def test_matches_table8_reference(name, rho0):
    # 1e-9 relative: R wrote the values with all 15-17 significant digits; F and p are
    # smooth functions of mean squares accurate to ~1e-14
    tol = REF["tolerance"]
    res = icc(DATA / f"{name}.csv", rho0=float(rho0))
    assert res.rho0 == float(rho0)
    for form in FORMS:
        want = REF["datasets"][name][rho0][form]
        t = res[form].test
        assert t.statistic == pytest.approx(want["statistic"], rel=tol), form
        assert t.extra["df1"] == want["df1"]
        assert t.extra["df2"] == pytest.approx(want["df2"], rel=tol), form
        assert t.p_value == pytest.approx(want["p_value"], rel=tol, abs=1e-15), form
        assert t.extra["rho0"] == float(rho0)
        assert tuple(t.df) == (t.extra["df1"], t.extra["df2"])


def test_rho0_zero_is_the_classic_test():
    res = icc(DATA / "pingouin_wine_icc.csv")
    for form in FORMS:
        f = res[form]
        assert f.test.statistic == f.F and f.test.p_value == f.p
        assert f.test.extra["df2"] == f.df2


def _simulate(form, rho0, n, k, B, rng):
    """B data sets (n x k) whose population value of ``form`` is rho0, and their MS."""
    single = form.rstrip("k") if form.endswith("k") else form
    r = rho0
    if form.endswith("k"):            # the single-rater ICC whose Spearman-Brown image is rho0
        r = rho0 / (k - (k - 1) * rho0)
    s2u = r
    if single == "ICC2":              # s2u / (s2u + s2r + s2e) = r, with s2r = s2e
        s2r = s2e = (1 - r) / 2
    elif single == "ICC3":            # rater effects present, not in the estimand
        s2r, s2e = 0.5, 1 - r
    else:                             # one-way: no rater effects
        s2r, s2e = 0.0, 1 - r
    x = (rng.normal(0, np.sqrt(s2u), (B, n, 1)) + rng.normal(0, np.sqrt(s2r), (B, 1, k))
         + rng.normal(0, np.sqrt(s2e), (B, n, k)))
    grand = x.mean(axis=(1, 2), keepdims=True)
    row, col = x.mean(axis=2, keepdims=True), x.mean(axis=1, keepdims=True)
    msr = k * np.sum((row - grand) ** 2, axis=(1, 2)) / (n - 1)
    msc = n * np.sum((col - grand) ** 2, axis=(1, 2)) / (k - 1)
    mse = np.sum((x - row - col + grand) ** 2, axis=(1, 2)) / ((n - 1) * (k - 1))
    msw = np.sum((x - row) ** 2, axis=(1, 2)) / (n * (k - 1))
    return msr, msc, mse, msw


@pytest.mark.parametrize("form", FORMS)
def test_null_rejection_rate_by_simulation(form):
    # Under rho = rho0 the test rejects at rate alpha. B = 4000 replicates: binomial SE of
    # the rate 0.0034. Exact tests (ICC1/3, ICC1k/3k): within 4 SE (0.014). The absolute-
    # agreement tests use Satterthwaite's approximate df: within 0.02 (4 SE + 0.006 for
    # the approximation).
    rng = np.random.default_rng(19)
    n, k, rho0, alpha, B = 25, 4, 0.3, 0.05, 4000
    if form in ("ICC2", "ICC2k"):
        # Satterthwaite's df rests on the observed MSC (k - 1 df): with few raters the test
        # is liberal (measured: 0.077 at n = 25, k = 4 and 0.18 at n = 100, k = 3 for ICC2;
        # docs/icc.md), so its null distribution is checked where the approximation holds
        n, k = 30, 20
    msr, msc, mse, msw = _simulate(form, rho0, n, k, B, rng)
    p = np.array([_anova.rho0_tests({"MSR": [a], "MSC": [b], "MSE": [c], "MSW": [d]},
                                    n, k, rho0)[form][3]
                  for a, b, c, d in zip(msr, msc, mse, msw)])
    rate = np.mean(p < alpha)
    tol = 0.02 if form in ("ICC2", "ICC2k") else 4 * np.sqrt(alpha * (1 - alpha) / B)
    assert abs(rate - alpha) <= tol, rate
    # and the test has power away from the null: at rho0 = 0.1 the same data reject more
    p_low = np.array([_anova.rho0_tests({"MSR": [a], "MSC": [b], "MSE": [c], "MSW": [d]},
                                        n, k, 0.1)[form][3]
                      for a, b, c, d in zip(msr[:500], msc[:500], mse[:500], msw[:500])])
    assert np.mean(p_low < alpha) > 3 * alpha


matrices = st.tuples(st.integers(3, 12), st.integers(2, 5)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.integers(0, 9).map(float)))


@given(matrices, st.floats(0, 0.95), st.floats(0, 0.95))
def test_p_values_in_unit_interval_and_monotone_in_rho0(x, a, b):
    lo, hi = sorted((a, b))
    r_lo, r_hi = icc(x, shape="wide", rho0=lo), icc(x, shape="wide", rho0=hi)
    for form in FORMS:
        t1, t2 = r_lo[form].test, r_hi[form].test
        p1, p2 = t1.p_value, t2.p_value
        if np.isnan(p1) or np.isnan(p2):
            continue
        assert 0 <= p1 <= 1 and 0 <= p2 <= 1
        # a larger null value is harder to reject: F decreases in rho0; with fixed df (the
        # exact tests) so does the evidence. The agreement tests' df move with rho0, so
        # their p-value need not be monotone.
        assert t2.statistic <= t1.statistic * (1 + 1e-12), form
        if form not in ("ICC2", "ICC2k"):
            assert p2 >= p1 - 1e-12, form


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan"), "0.3"])
def test_rho0_validated(bad):
    with pytest.raises(ReliabilityError, match="rho0"):
        icc(DATA / "pingouin_wine_icc.csv", rho0=bad)


def test_reml_fit_has_no_test():
    x = np.arange(24, dtype=float).reshape(6, 4) % 7
    x[0, 1] = np.nan
    res = icc(x, shape="wide", rho0=0.2)
    assert res.method == "reml"
    t = res["ICC2"].test
    assert np.isnan(t.statistic) and np.isnan(t.p_value) and "REML" in t.reason


def test_summary_and_cli_json():
    res = icc(DATA / "shrout_fleiss_1979.csv", rho0=0.3)
    assert "H0: ICC = 0.3" in res.summary()
    out = subprocess.run([sys.executable, "-m", "reliability", "icc",
                          str(DATA / "shrout_fleiss_1979.csv"), "--rho0", "0.3", "--json"],
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["rho0"] == 0.3
    for form in FORMS:
        t = got["icc"][form]["test"]
        assert set(t) >= {"statistic", "df1", "df2", "p_value", "rho0"}
        assert t["statistic"] == pytest.approx(res[form].test.statistic, rel=1e-12)
    bad = subprocess.run([sys.executable, "-m", "reliability", "icc",
                          str(DATA / "shrout_fleiss_1979.csv"), "--rho0", "1"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
