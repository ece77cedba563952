"""SEs and Satterthwaite intervals of ANOVA variance components (issue 15/19).

Two independent checks: the closed form for the p x i design written out by hand from the
mean squares of Brennan's (2001) Synthetic Data Set No. 1 (tests/data), and a simulation with
known components (the SE estimates the sampling SD; the interval covers)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reliability.gtheory import g_study

DATA = Path(__file__).resolve().parents[1] / "data"


def test_closed_form_p_x_i_on_brennan_synthetic_1():
    ref = json.loads((DATA / "brennan_synthetic1_pxi.expected.json").read_text())["values"]
    ms_p, ms_i, ms_pi = (ref[k]["estimate"] for k in ("MS_p", "MS_i", "MS_pi"))
    df_p, df_i, df_pi = (ref[k]["df"] for k in ("MS_p", "MS_i", "MS_pi"))
    n_p, n_i = df_p + 1, df_i + 1
    g = g_study(DATA / "brennan_synthetic1_pxi.csv", unit="unit", facets="item")
    comp = g.components.set_index("short")
    se_p = np.sqrt(2 / n_i ** 2 * (ms_p ** 2 / (df_p + 2) + ms_pi ** 2 / (df_pi + 2)))
    se_i = np.sqrt(2 / n_p ** 2 * (ms_i ** 2 / (df_i + 2) + ms_pi ** 2 / (df_pi + 2)))
    se_pi = np.sqrt(2 * ms_pi ** 2 / (df_pi + 2))
    short_i = [s for s in comp.index if s not in ("p",) and "x" not in s and len(s) == 1]
    assert comp.loc["p", "se"] == pytest.approx(se_p, rel=1e-10)
    assert comp.loc[short_i[0], "se"] == pytest.approx(se_i, rel=1e-10)
    resid = comp.index[-1]
    assert comp.loc[resid, "se"] == pytest.approx(se_pi, rel=1e-10)
    # the residual's interval is the exact chi-square interval of a mean square
    lo = df_pi * ms_pi / stats.chi2.ppf(0.975, df_pi)
    hi = df_pi * ms_pi / stats.chi2.ppf(0.025, df_pi)
    assert (comp.loc[resid, "ci_low"], comp.loc[resid, "ci_high"]) == pytest.approx((lo, hi))


def test_simulation_se_and_coverage():
    """600 balanced p x r data sets, sigma2_p = 0.5, sigma2_r = 0.2, sigma2_pr,e = 1.
    Tolerances: the mean estimated variance of each estimate is within 20% of the
    empirical variance (about 3 MC SEs: a variance of a skewed estimate from 600 draws has a
    relative MC SE of ~6.6%); coverage of the residual
    interval (exact) within 3.5 MC SEs of 0.95, of sigma2_p (approximate) above 0.88."""
    rng = np.random.default_rng(11)
    n_p, n_r, reps = 30, 6, 600
    est, se2, cover_e, cover_p = [], [], 0, 0
    for _ in range(reps):
        y = (rng.normal(0, np.sqrt(0.5), (n_p, 1)) + rng.normal(0, np.sqrt(0.2), (1, n_r))
             + rng.normal(0, 1, (n_p, n_r)))
        frame = pd.DataFrame(y, columns=[f"r{j}" for j in range(n_r)])
        frame.insert(0, "unit", np.arange(n_p))
        comp = g_study(frame, unit="unit", facets="rater", method="anova").components
        comp = comp.set_index("short")
        est.append(comp["variance_raw"].to_numpy())
        se2.append(comp["se"].to_numpy() ** 2)
        e = comp.iloc[-1]
        cover_e += e["ci_low"] <= 1.0 <= e["ci_high"]
        p = comp.loc["p"]
        cover_p += bool(p["ci_low"] <= 0.5 <= p["ci_high"])
    est, se2 = np.array(est), np.array(se2)
    np.testing.assert_allclose(se2.mean(axis=0), est.var(axis=0, ddof=1), rtol=0.2)
    assert abs(cover_e / reps - 0.95) <= 3.5 * np.sqrt(0.95 * 0.05 / reps)
    assert cover_p / reps >= 0.88


def test_coefficient_intervals_equal_the_icc_intervals_at_the_g_study_size():
    """E rho^2 and Phi at n' = n_i are ICC(C,k) and ICC(A,k): one implementation of the
    exact intervals (reliability.icc), checked here against icc() on the wide data."""
    import reliability as rl

    frame = pd.read_csv(DATA / "brennan_synthetic1_pxi.csv")
    g = g_study(frame, unit="unit", facets="item")
    row = g.d_study(item=[12]).iloc[0]
    r = rl.icc(frame.set_index("unit"), shape="wide")
    assert row["g_coefficient"] == pytest.approx(r["ICC3k"].estimate, abs=1e-12)
    assert (row["g_ci_low"], row["g_ci_high"]) == pytest.approx(tuple(r["ICC3k"].ci), abs=1e-12)
    assert (row["phi_ci_low"], row["phi_ci_high"]) == pytest.approx(tuple(r["ICC2k"].ci),
                                                                    abs=1e-12)
    # and the interval moves with n' as the coefficient does (Spearman-Brown is increasing)
    rows = g.d_study(item=[1, 3, 6, 24])
    assert (rows["g_ci_low"] < rows["g_coefficient"]).all()
    assert (rows["g_coefficient"] < rows["g_ci_high"]).all()
    assert rows["g_ci_low"].is_monotonic_increasing
