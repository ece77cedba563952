"""Edge cases and properties of the mixed models on small simulated data (fast)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from reliability._errors import ConvergenceWarning, DataWarning, ReliabilityError
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed
from reliability.models.formula import parse_formula


def simulate(n_groups=60, per=15, sd=0.5, seed=1, thetas=(-1.0, 1.0, 2.5), beta=(0.5, -0.3)):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per)
    x1 = rng.normal(size=len(g))
    grp = rng.choice(["a", "b", "c"], size=len(g))
    u = rng.normal(0, sd, n_groups)[g]
    eta = beta[0] * x1 + beta[1] * (grp == "b") + u
    lat = eta + rng.logistic(size=len(g))
    grade = 1 + (lat[:, None] > np.asarray(thetas)[None, :]).sum(axis=1)
    return pd.DataFrame({"grade": grade, "x1": x1, "grp": grp, "insp": g,
                         "bad": (grade >= 3).astype(int)})


@pytest.fixture(scope="module")
def small():
    return simulate()


def test_parse_formula():
    assert parse_formula("y ~ a + b + (1|g)") == ("y", "a + b", ["g"])
    assert parse_formula("y ~ (1 | g) + a") == ("y", "a", ["g"])
    with pytest.raises(ReliabilityError, match="random intercepts"):
        parse_formula("y ~ a + (a|g)")
    with pytest.raises(ReliabilityError):
        parse_formula("no tilde")


def test_parse_formula_several_terms():
    assert parse_formula("y ~ a + (1|g) + (1|h)") == ("y", "a", ["g", "h"])
    # lme4's nesting shorthand: (1|a/b) = (1|a) + (1|a:b)
    assert parse_formula("y ~ x + (1|region/school)") == ("y", "x", ["region", "region:school"])
    with pytest.raises(ReliabilityError, match="twice"):
        parse_formula("y ~ x + (1|g) + (1|g)")
    with pytest.raises(ReliabilityError, match="empty factor"):
        parse_formula("y ~ x + (1|a/)")


def test_adaptive_quadrature_refused_for_crossed_terms(small):
    with pytest.raises(ReliabilityError, match="single random term"):
        ordinal_mixed("grade ~ x1 + (1|insp) + (1|grp)", small, nagq=5)


def test_missing_rows_dropped_with_count(small):
    d = small.copy()
    d.loc[[3, 7, 11], "x1"] = np.nan
    with pytest.warns(DataWarning, match="dropped 3 of"):
        r = ordinal_mixed("grade ~ x1 + grp + (1|insp)", d)
    assert r.nobs == len(d) - 3 and r.n_dropped == 3


def test_missing_column_named(small):
    with pytest.raises(ReliabilityError, match="'x2'"):
        ordinal_mixed("grade ~ x2 + (1|insp)", small)


def test_collinear_predictors_named(small):
    d = small.assign(x1_copy=2 * small["x1"], const=1.0)
    with pytest.raises(ReliabilityError, match="x1_copy"):
        ordinal_mixed("grade ~ x1 + x1_copy + (1|insp)", d)
    with pytest.raises(ReliabilityError, match="const"):
        binomial_mixed("bad ~ x1 + const + (1|insp)", d)


def test_binomial_response_checked(small):
    with pytest.raises(ReliabilityError, match="0/1"):
        binomial_mixed("grade ~ x1 + (1|insp)", small)


def test_treatment_coding_names(small):
    r = ordinal_mixed("grade ~ x1 + grp + (1|insp)", small)
    assert r.names == ("x1", "grp[T.b]", "grp[T.c]")
    assert r.threshold_names == ("1|2", "2|3", "3|4")


def test_empty_category_dropped(small):
    d = small.copy()
    d["grade"] = pd.Categorical(d["grade"], categories=[1, 2, 3, 4, 5], ordered=True)
    with pytest.warns(DataWarning, match="empty categories"):
        r = ordinal_mixed("grade ~ x1 + (1|insp)", d)
    assert len(r.thresholds) == 3


def test_single_inspection_inspector(small):
    d = pd.concat([small, small.iloc[[0]].assign(insp=999)], ignore_index=True)
    r = ordinal_mixed("grade ~ x1 + (1|insp)", d)
    re = r.random_effects()
    # One inspection: its mode is shrunk hard and its conditional SD is near the RE SD.
    assert re.loc[999, "n"] == 1
    assert re.loc[999, "cond_sd"] > 0.8 * r.re_sd
    assert re.loc[999, "cond_sd"] > re["cond_sd"].drop(999).max()


def test_huge_covariate_scale(small):
    """Rescaling a covariate by 1e6 rescales its coefficient and nothing else."""
    a = ordinal_mixed("grade ~ x1 + (1|insp)", small)
    b = ordinal_mixed("grade ~ x1 + (1|insp)", small.assign(x1=small["x1"] * 1e6))
    assert b.coef[0] * 1e6 == pytest.approx(a.coef[0], rel=1e-4)
    assert b.se[0] * 1e6 == pytest.approx(a.se[0], rel=1e-3)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-5)


def test_separation_reported_not_converged(small):
    """A predictor that perfectly separates a binary outcome: never a silent 'converged' fit."""
    d = small.assign(sep=small["bad"].astype(float))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = binomial_mixed("bad ~ sep + (1|insp)", d)
    big = abs(r.coef[1]) > 8 or not np.isfinite(r.se[1]) or r.se[1] > 20
    assert big
    assert (not r.converged) or r.se[1] > 20 or any(
        issubclass(x.category, ConvergenceWarning) for x in w)


def test_no_group_variance_boundary():
    d = simulate(sd=0.0, seed=3)
    r = ordinal_mixed("grade ~ x1 + (1|insp)", d)
    lr = r.lr_test()
    assert lr["statistic"] >= 0 and lr["p_value"] <= 1
    assert r.re_sd < 0.35


def test_laplace_equals_agq1_and_agq_converges(small):
    a = binomial_mixed("bad ~ x1 + (1|insp)", small, nagq=1)
    b = binomial_mixed("bad ~ x1 + (1|insp)", small, nagq=15)
    c = binomial_mixed("bad ~ x1 + (1|insp)", small, nagq=25)
    assert a.method == "laplace" and b.method == "agq-15"
    # AGQ with many nodes is near-exact: 15 vs 25 nodes agree to 1e-6 in logLik.
    assert b.loglik == pytest.approx(c.loglik, abs=1e-6)
    assert abs(a.loglik - c.loglik) < 0.5


def test_agq_matches_brute_force_integration(small):
    """Marginal likelihood by dense trapezoid integration per group (second method)."""
    from scipy import special
    r = binomial_mixed("bad ~ x1 + (1|insp)", small, nagq=20)
    b0, b1 = r.coef
    grid = np.linspace(-8, 8, 4001) * r.re_sd
    eta = b0 + b1 * small["x1"].to_numpy()[:, None] + grid[None, :]
    y = small["bad"].to_numpy()[:, None]
    lp = y * np.log(special.expit(eta)) + (1 - y) * np.log(special.expit(-eta))
    G = small["insp"].max() + 1
    per = np.zeros((G, len(grid)))
    np.add.at(per, small["insp"].to_numpy(), lp)
    dens = np.exp(per) * np.exp(-0.5 * (grid / r.re_sd) ** 2) / (r.re_sd * np.sqrt(2 * np.pi))
    ll = np.log(np.trapezoid(dens, grid, axis=1)).sum()
    assert r.loglik == pytest.approx(ll, abs=1e-6)


def test_probit_link(small):
    r = ordinal_mixed("grade ~ x1 + (1|insp)", small, link="probit")
    lo = ordinal_mixed("grade ~ x1 + (1|insp)", small)
    assert r.link == "probit" and r.converged
    # probit coefficients ~ logit / 1.6-1.8 (latent SD pi/sqrt(3) vs 1)
    assert 1.4 < lo.coef[0] / r.coef[0] < 2.0
    assert r.vpc() == pytest.approx(r.re_sd ** 2 / (r.re_sd ** 2 + 1))
    with pytest.raises(ReliabilityError):
        r.odds_ratios()


@settings(max_examples=5)
@given(st.permutations(list(range(60))))
def test_invariant_to_relabelling_groups(perm):
    d = simulate(seed=5)
    d2 = d.assign(insp=np.asarray(perm)[d["insp"]])
    a = binomial_mixed("bad ~ x1 + (1|insp)", d)
    b = binomial_mixed("bad ~ x1 + (1|insp)", d2.sample(frac=1, random_state=1))
    assert b.loglik == pytest.approx(a.loglik, abs=1e-6)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-5)
    ra, rb = a.random_effects(), b.random_effects()
    np.testing.assert_allclose(rb.loc[np.asarray(perm)[ra.index], "mode"], ra["mode"], atol=1e-5)


def test_bad_options(small):
    with pytest.raises(ReliabilityError, match="link"):
        ordinal_mixed("grade ~ x1 + (1|insp)", small, link="cloglogg")
    with pytest.raises(ReliabilityError, match="nagq"):
        ordinal_mixed("grade ~ x1 + (1|insp)", small, nagq=0)
    with pytest.raises(ReliabilityError, match="confidence"):
        linear_mixed("grade ~ x1 + (1|insp)", small, confidence=1.5)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reliability.cli", "model", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_json_keys(tmp_path, small):
    path = tmp_path / "d.csv"
    small.to_csv(path, index=False)
    out = _cli("ordinal", str(path), "--formula", "grade ~ x1 + grp + (1|insp)", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    for k in ("fixed", "thresholds", "random", "loglik", "nobs", "n_groups", "converged",
              "method"):
        assert k in d
    assert set(d["fixed"]["x1"]) >= {"estimate", "se", "z", "p", "ci"}
    assert set(d["thresholds"]["1|2"]) >= {"estimate", "se"}
    assert "sd" in d["random"]["insp"] and d["method"] == "laplace"
    out = _cli("binomial", str(path), "--formula", "bad ~ x1 + (1|insp)", "--nagq", "5",
               "--json")
    assert json.loads(out.stdout)["method"] == "agq-5"
    out = _cli("linear", str(path), "--formula", "grade ~ x1 + (1|insp)", "--ml", "--json")
    d = json.loads(out.stdout)
    assert d["reml"] is False and d["residual_sd"] > 0
    out = _cli("linear", str(path), "--formula", "grade ~ x1 + (1|insp)")
    assert "Linear mixed model" in out.stdout
    out = _cli("linear", str(path), "--formula", "grade ~ nope + (1|insp)")
    assert out.returncode == 2 and "nope" in out.stderr
