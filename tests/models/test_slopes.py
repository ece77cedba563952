"""Random slopes for one grouping factor: lme4 / glmmTMB fits and independent computations.

References
----------
* ``tests/data/slopes_lme4.json`` (script ``tests/data/scripts/slopes_lme4.R``): R lme4 1.1-31
  ``glmer`` (binomial Laplace, bobyqa with ``tolPwrss = 1e-12``; a Nelder-Mead refit agrees to
  1e-5) and ``lmer`` (REML and ML) of ``(1 + phase | inspector_id)`` and ``(1 | inspector_id)
  + (0 + phase | inspector_id)`` on ``tests/data/slopes_synthetic.csv`` (150 inspectors, 3,676
  inspections, simulated with known SDs and correlation), plus glmmTMB 1.1.5 (its Laplace
  with exact derivatives) for the binomial fits.
* The ordinal engine has no R peer (``ordinal::clmm`` fits no random slopes): it is checked
  (a) on a two-category outcome against glmer (the same model), (b) on the simulated
  four-category grades against the generating values, (c) its Laplace log-likelihood against
  a plain per-group Laplace approximation written here with scipy.optimize, and against a
  brute-force two-dimensional Gauss-Hermite quadrature of the same model.

Tolerances (the brief's): fixed effects 1e-3 absolute (optimiser tolerance), SDs 1e-3
relative, correlation 1e-3 absolute, log-likelihood 1e-3. Our fits reach 1e-5 or better on
all of them (lme4's own optimum is known to ~1e-5: its refit check); SEs 1e-3 relative (lme4's
vcov is a finite-difference Hessian, glmmTMB's an exact one: ours agree with both to 5e-5).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import optimize, special

from conftest import DATA
from reliability._errors import ReliabilityError
from reliability.cli import main
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed
from reliability.models._slopes import CovStructure, LaplaceSlopes
from reliability.models.formula import build_design, parse_terms

REF = json.loads((DATA / "slopes_lme4.json").read_text())
M = REF["models"]
TOL = REF["tolerance"]
FX = "female + fsm_pct + phase"
CORR = f"{FX} + (1 + phase | inspector_id)"
UNCORR = f"{FX} + (1 | inspector_id) + (0 + phase | inspector_id)"
BARS = f"{FX} + (1 + phase || inspector_id)"
SE_TOL = 1e-3


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA / "slopes_synthetic.csv")


@pytest.fixture(scope="module")
def glmer_corr(data):
    return binomial_mixed("below_good ~ " + CORR, data)


@pytest.fixture(scope="module")
def glmer_uncorr(data):
    return binomial_mixed("below_good ~ " + UNCORR, data)


def _check(fit, ref, *, se_tol=SE_TOL):
    for i, name in enumerate(fit.names):
        assert fit.coef[i] == pytest.approx(ref["coefficients"][name], abs=TOL["coefficients"])
        assert fit.se[i] == pytest.approx(ref["se"][name], rel=se_tol), name
    t = fit.random[0]
    assert t.effects == ("(Intercept)", "phase")
    sds = ref["sd"] if isinstance(ref["sd"], list) else [ref["sd"]["(Intercept)"],
                                                          ref["sd"]["phase"]]
    np.testing.assert_allclose(t.sds, sds, rtol=TOL["sd_relative"])
    assert t.sd == pytest.approx(sds[0], rel=TOL["sd_relative"])
    assert t.sd_slope == pytest.approx(sds[1], rel=TOL["sd_relative"])
    assert t.correlation[0, 1] == pytest.approx(ref["correlation"], abs=1e-3)
    assert fit.loglik == pytest.approx(ref["logLik"], abs=TOL["logLik"])


def _check_modes(fit, ref, tol):
    t = fit.random[0]
    assert list(t.levels) == ref["ranef"]["levels"]
    np.testing.assert_allclose(t.effect_modes, ref["ranef"]["modes"], atol=tol)
    csd = np.sqrt(np.diagonal(t.effect_cond_cov, axis1=1, axis2=2))
    np.testing.assert_allclose(csd, ref["ranef"]["cond_sd"], atol=tol)


# -- binomial: glmer and glmmTMB ----------------------------------------------------------

def test_glmer_correlated_slope_matches_lme4(glmer_corr):
    ref = M["glmer_corr"]
    assert glmer_corr.converged and glmer_corr.method == "laplace"
    assert glmer_corr.nobs == ref["nobs"] and glmer_corr.n_groups == ref["n_groups"]
    _check(glmer_corr, ref)
    # conditional modes: the optimum is known to ~1e-5 in theta, so 1e-4
    _check_modes(glmer_corr, ref, 1e-4)
    assert glmer_corr.n_params == ref["df"]
    # glmmTMB: the same Laplace likelihood with exact (AD) derivatives
    tmb = REF["glmmTMB"]["glmer_corr"]
    _check(glmer_corr, dict(tmb, sd=tmb["sd"]))


def test_glmer_uncorrelated_slope_matches_lme4(data, glmer_uncorr):
    ref = M["glmer_uncorr"]
    assert glmer_uncorr.converged
    _check(glmer_uncorr, ref)
    _check_modes(glmer_uncorr, ref, 1e-4)
    t = glmer_uncorr.random[0]
    assert not t.correlated[0, 1] and t.correlation[0, 1] == 0.0
    assert t.terms == ("(1 | inspector_id)", "(0 + phase | inspector_id)")
    _check(glmer_uncorr, REF["glmmTMB"]["glmer_uncorr"])
    # lme4's || shorthand is the same model
    bars = binomial_mixed("below_good ~ " + BARS, data)
    assert bars.loglik == pytest.approx(glmer_uncorr.loglik, abs=1e-8)
    np.testing.assert_allclose(bars.random[0].sds, t.sds, rtol=1e-6)


def test_glmer_predictions_and_lr_test(glmer_corr):
    ref = M["glmer_corr"]
    # predict(fit, newdata, re.form = NA, type = "response"); 1e-4 (fixed effects 1e-5 apart)
    p = glmer_corr.predict_proba(pd.DataFrame(REF["newdata"]))["p"].to_numpy()
    np.testing.assert_allclose(p, ref["predict_newdata_re0"], atol=1e-4)
    lr = glmer_corr.lr_test()
    assert lr["df"] == 2 and lr["null_model"] == "the model with (1|inspector_id) only"
    assert lr["loglik_null"] == pytest.approx(M["glmer_intercept"]["logLik"], abs=TOL["logLik"])
    assert lr["statistic"] == pytest.approx(2 * (ref["logLik"] - M["glmer_intercept"]["logLik"]),
                                            abs=2 * TOL["logLik"])


def test_reduced_model_is_the_random_intercept_engine(data, glmer_corr):
    """The LR test's reduced fit (q = 1 in the slopes engine) against the existing one-factor
    engine: the same Laplace likelihood, so 1e-6."""
    ri = binomial_mixed(f"below_good ~ {FX} + (1 | inspector_id)", data)
    assert glmer_corr.random[0].loglik_reduced == pytest.approx(ri.loglik, abs=1e-6)


# -- linear: lmer REML and ML ---------------------------------------------------------------

@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("key,rhs", [("lmer_corr", CORR), ("lmer_uncorr", UNCORR),
                                     ("lmer_uncorr", BARS)])
def test_lmer_slopes_match_lme4(data, reml, key, rhs):
    ref = M[f"{key}_{'reml' if reml else 'ml'}"]
    fit = linear_mixed("score ~ " + rhs, data, reml=reml)
    assert fit.converged and fit.method == ("reml" if reml else "ml")
    _check(fit, ref)
    assert fit.residual_sd == pytest.approx(ref["sigma"], rel=TOL["sd_relative"])
    _check_modes(fit, ref, 1e-5)
    assert fit.n_params == ref["df"]
    np.testing.assert_allclose(fit.predict_proba(pd.DataFrame(REF["newdata"]))["mean"],
                               ref["predict_newdata_re0"], atol=1e-4)
    if rhs == BARS and reml:
        assert fit.loglik == pytest.approx(M["lmer_doublebar_reml_logLik"], abs=TOL["logLik"])
    red = M[f"lmer_intercept_{'reml' if reml else 'ml'}"]["logLik"]
    assert fit.lr_test()["loglik_null"] == pytest.approx(red, abs=TOL["logLik"])


def test_lmer_text_slope_is_the_dummy(data):
    """(1 + phase_label | g) with a text column = (1 + phase | g) with its 0/1 coding."""
    a = linear_mixed("score ~ female + fsm_pct + phase_label + (1 + phase_label | inspector_id)",
                     data)
    ref = M["lmer_corr_reml"]
    assert a.loglik == pytest.approx(ref["logLik"], abs=TOL["logLik"])
    assert a.random[0].effects == ("(Intercept)", "phase_label[T.secondary]")
    np.testing.assert_allclose(a.random[0].sds, [ref["sd"]["(Intercept)"], ref["sd"]["phase"]],
                               rtol=TOL["sd_relative"])


# -- ordinal ----------------------------------------------------------------------------------

def test_ordinal_two_categories_equals_glmer(data):
    """(a) a two-category cumulative-link model is the binomial GLMM: threshold = -intercept,
    the same slopes, SDs, correlation and likelihood."""
    ref = M["glmer_corr"]
    fit = ordinal_mixed("below_good ~ " + CORR, data)
    assert fit.converged and fit.thresholds.shape == (1,)
    assert fit.thresholds[0] == pytest.approx(-ref["coefficients"]["(Intercept)"],
                                              abs=TOL["coefficients"])
    assert fit.threshold_se[0] == pytest.approx(ref["se"]["(Intercept)"], rel=SE_TOL)
    for i, name in enumerate(fit.names):
        assert fit.coef[i] == pytest.approx(ref["coefficients"][name], abs=TOL["coefficients"])
        assert fit.se[i] == pytest.approx(ref["se"][name], rel=SE_TOL)
    np.testing.assert_allclose(fit.random[0].sds, list(ref["sd"].values()),
                               rtol=TOL["sd_relative"])
    assert fit.random[0].correlation[0, 1] == pytest.approx(ref["correlation"], abs=1e-3)
    assert fit.loglik == pytest.approx(ref["logLik"], abs=TOL["logLik"])


@pytest.fixture(scope="module")
def ordinal_corr(data):
    return ordinal_mixed("grade ~ " + CORR, data)


def test_ordinal_recovers_the_generating_values(ordinal_corr):
    """(b) The simulated grades' SDs, correlation, slopes and thresholds lie within 2.58 SE
    (99% Wald intervals on the log SD / atanh(rho) scales). Seeded data: the check is fixed;
    a missed value would be a 1% event per parameter."""
    truth = REF["truth"]
    fit = ordinal_corr
    assert fit.converged
    t = fit.random[0]
    z = 2.58
    for k, true_sd in enumerate([truth["sd_intercept"], truth["sd_phase"]]):
        assert abs(math.log(t.sds[k]) - math.log(true_sd)) <= z * t.log_sds_se[k]
    rho_z = math.atanh(t.correlation[0, 1])
    assert abs(rho_z - math.atanh(truth["correlation"])) <= z * t.correlation_se[0, 1]
    for i, name in enumerate(fit.names):
        assert abs(fit.coef[i] - truth["beta"][name]) <= z * fit.se[i], name
    for th, se, true in zip(fit.thresholds, fit.threshold_se, truth["thetas"]):
        assert abs(th - true) <= z * se
    ci = fit.correlation_ci()
    assert ci["ci_low"] < ci["estimate"] < ci["ci_high"] and ci["estimated"]


def _tiny(seed=3, G=8, n_per=40):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), n_per)
    x = rng.normal(size=G * n_per)
    s = rng.normal(size=G * n_per)
    b = rng.multivariate_normal([0, 0], [[0.5, 0.2], [0.2, 0.4]], size=G)
    lat = 0.6 * x + b[g, 0] + b[g, 1] * s + rng.logistic(size=G * n_per)
    y = (lat > -0.5).astype(int) + (lat > 1.0).astype(int)
    return pd.DataFrame({"y": y + 1, "x": x, "s": s, "g": g})


def _per_group_laplace(y, X, Z, g, th, beta, Sigma):
    """Plain Laplace per group in b (not u) coordinates: maximise log f(y_g | b) + log N(b; 0,
    Sigma) with scipy, finite-difference Hessian, sum over groups."""
    cut = np.concatenate([[-np.inf], th, [np.inf]])
    Si = np.linalg.inv(Sigma)
    ldS = np.linalg.slogdet(Sigma)[1]
    q = Z.shape[1]
    total = 0.0
    for k in np.unique(g):
        r = g == k

        def negf(b):
            eta = X[r] @ beta + Z[r] @ b
            pr = special.expit(cut[y[r] + 1] - eta) - special.expit(cut[y[r]] - eta)
            return -(np.log(pr).sum() - 0.5 * b @ Si @ b - 0.5 * ldS
                     - 0.5 * q * math.log(2 * math.pi))

        res = optimize.minimize(negf, np.zeros(q), method="BFGS", options={"gtol": 1e-10})
        h = 1e-4
        H = np.empty((q, q))
        for i in range(q):
            for j in range(q):
                ei, ej = np.eye(q)[i] * h, np.eye(q)[j] * h
                H[i, j] = (negf(res.x + ei + ej) - negf(res.x + ei - ej) - negf(res.x - ei + ej)
                           + negf(res.x - ei - ej)) / (4 * h * h)
        total += -res.fun + 0.5 * q * math.log(2 * math.pi) - 0.5 * np.linalg.slogdet(H)[1]
    return total


def _per_group_quadrature(y, X, Z, g, th, beta, Sigma, nodes):
    """Brute-force 2-D Gauss-Hermite quadrature of the marginal likelihood per group, the
    product rule on a nodes x nodes grid centred and scaled at the group's mode."""
    cut = np.concatenate([[-np.inf], th, [np.inf]])
    x, w = np.polynomial.hermite.hermgauss(nodes)
    grid = np.array(np.meshgrid(x, x, indexing="ij")).reshape(2, -1).T      # (Q, 2)
    lw = (np.log(w)[:, None] + np.log(w)[None, :]).ravel()
    Si = np.linalg.inv(Sigma)
    ldS = np.linalg.slogdet(Sigma)[1]
    total = 0.0
    for k in np.unique(g):
        r = g == k

        def logf(B):                     # B (Q, 2): log f(y_g | b) + log N(b; 0, Sigma)
            eta = (X[r] @ beta)[:, None] + Z[r] @ B.T
            pr = (special.expit(cut[y[r] + 1][:, None] - eta)
                  - special.expit(cut[y[r]][:, None] - eta))
            return (np.log(pr).sum(axis=0) - 0.5 * np.einsum("qi,ij,qj->q", B, Si, B)
                    - 0.5 * ldS - math.log(2 * math.pi))

        res = optimize.minimize(lambda b: -logf(b[None, :])[0], np.zeros(2), method="BFGS")
        C = np.linalg.cholesky(res.hess_inv + 1e-12 * np.eye(2))
        B = res.x[None, :] + math.sqrt(2) * grid @ C.T
        v = logf(B) + lw + (grid ** 2).sum(axis=1)
        m = v.max()
        total += m + math.log(np.exp(v - m).sum()) + math.log(2.0) + np.linalg.slogdet(C)[1]
    return total


@pytest.fixture(scope="module")
def tiny():
    d = _tiny()
    design = build_design("y ~ x + (1 + s | g)", d, response_kind="ordinal")
    return d, design


def test_laplace_matches_a_plain_per_group_laplace(tiny):
    """(c) The batched Laplace log-likelihood against the plain per-group computation at
    arbitrary parameters and at the fit: 1e-6 (the plain version's BFGS and
    finite-difference Hessian are good to ~1e-8)."""
    d, design = tiny
    y = d["y"].to_numpy() - 1
    Z = design.slopes.Z
    eng = LaplaceSlopes(y, design.X, Z, design.codes[0], 8, 3, CovStructure(2, [[0, 1]]))
    for th, beta, sds, rho in [((-0.3, 1.2), 0.4, (0.7, 0.5), 0.3),
                               ((-0.8, 0.9), 0.8, (0.3, 1.1), -0.6)]:
        nat = np.array([*th, beta, math.log(sds[0]), math.log(sds[1]), math.atanh(rho)])
        S = np.array([[sds[0] ** 2, rho * sds[0] * sds[1]], [rho * sds[0] * sds[1], sds[1] ** 2]])
        ours = eng.loglik(eng.from_natural(nat))
        plain = _per_group_laplace(y, design.X, Z, design.codes[0], np.array(th),
                                   np.array([beta]), S)
        assert ours == pytest.approx(plain, abs=1e-6)
    fit = ordinal_mixed("y ~ x + (1 + s | g)", d)
    t = fit.random[0]
    plain = _per_group_laplace(y, design.X, Z, design.codes[0], fit.thresholds, fit.coef,
                               t.covariance)
    assert fit.loglik == pytest.approx(plain, abs=1e-6)


def test_laplace_converges_to_two_dimensional_quadrature():
    """(c) The same model integrated by brute force (30 and 40 nodes per dimension agree to
    1e-8: the quadrature has converged). Laplace and quadrature differ, by O(1/n_g) per group:
    with 8 groups of 40 the gap is below 0.15, and it shrinks at least 2-fold each time the
    groups grow 4-fold (a different model, e.g. a wrong sign of the slope or scale of the
    covariance, would leave a gap that does not shrink)."""
    th, beta = np.array([-0.3, 1.2]), np.array([0.4])
    S = np.array([[0.49, 0.105], [0.105, 0.25]])
    nat = np.array([-0.3, 1.2, 0.4, math.log(0.7), math.log(0.5), math.atanh(0.3)])
    gaps = []
    for n_per in (40, 160, 640):
        d = _tiny(n_per=n_per)
        design = build_design("y ~ x + (1 + s | g)", d, response_kind="ordinal")
        y, Z, g = d["y"].to_numpy() - 1, design.slopes.Z, design.codes[0]
        q40 = _per_group_quadrature(y, design.X, Z, g, th, beta, S, 40)
        if n_per == 40:
            assert _per_group_quadrature(y, design.X, Z, g, th, beta, S, 30) == \
                pytest.approx(q40, abs=1e-8)
        eng = LaplaceSlopes(y, design.X, Z, g, 8, 3, CovStructure(2, [[0, 1]]))
        gaps.append(abs(eng.loglik(eng.from_natural(nat)) - q40))
    assert gaps[0] < 0.15
    assert gaps[1] < 0.5 * gaps[0] and gaps[2] < 0.5 * gaps[1]


# -- formulas and refusals -----------------------------------------------------------------

def test_parse_terms():
    assert [str(t) for t in parse_terms("y ~ x + (1 + phase | g)")[2]] == ["(1 + phase | g)"]
    assert [str(t) for t in parse_terms("y ~ x + (phase | g)")[2]] == ["(1 + phase | g)"]
    assert [str(t) for t in parse_terms("y ~ (1 + phase || g)")[2]] == \
        ["(1 | g)", "(0 + phase | g)"]
    assert [str(t) for t in parse_terms("y ~ (phase - 1 | g)")[2]] == ["(0 + phase | g)"]
    assert parse_terms("y ~ x + (1|g)")[:2] == ("y", "x")
    with pytest.raises(ReliabilityError, match="no effect"):
        parse_terms("y ~ (0 | g)")


def test_refusals(data):
    with pytest.raises(ReliabilityError, match="not defined for vector-valued random effects"):
        binomial_mixed("below_good ~ " + CORR, data, nagq=5)
    with pytest.raises(ReliabilityError, match="one grouping factor"):
        ordinal_mixed(f"grade ~ {FX} + (1 + phase | inspector_id) + (1 | female)", data)
    with pytest.raises(ReliabilityError, match="appears in two terms"):
        linear_mixed("score ~ phase + (1 | inspector_id) + (1 + phase | inspector_id)", data)
    with pytest.raises(ReliabilityError, match="not identified"):
        linear_mixed("score ~ phase + (1 | inspector_id) + (0 + phase_label | inspector_id)",
                     data)
    from reliability.models.formula import UnsafeFormulaError
    with pytest.raises(UnsafeFormulaError):
        # the random terms' left sides pass the fixed part's AST allow-list
        linear_mixed("score ~ phase + (1 + {phase.__class__} | inspector_id)", data)


def test_outputs_json_and_cli(glmer_corr, capsys):
    d = glmer_corr.to_dict()
    json.dumps(d)
    r = d["random"]["inspector_id"]
    for key in ("sd", "sd_se", "sd_ci", "log_sd_se", "n_groups", "vpc", "lr_test"):
        assert key in r                                     # the existing keys, unchanged
    assert r["sd_slope"] == pytest.approx(glmer_corr.random[0].sd_slope)
    assert r["correlation"]["estimate"] == pytest.approx(glmer_corr.random[0].correlation[0, 1])
    assert set(r["correlation"]) >= {"estimate", "se", "ci_low", "ci_high", "confidence"}
    assert r["effects"] == ["(Intercept)", "phase"]
    assert set(r["sds"]["phase"]) == {"estimate", "se", "ci_low", "ci_high"}
    np.testing.assert_allclose(r["covariance"], glmer_corr.random[0].covariance)
    text = glmer_corr.summary()
    assert "(1 + phase | inspector_id)" in text and "corr" in text
    re_phase = glmer_corr.random_effects(effect="phase")
    np.testing.assert_allclose(re_phase["mode"], glmer_corr.random[0].effect_modes[:, 1])
    with pytest.raises(ReliabilityError, match="no random effect 'fsm'"):
        glmer_corr.random_effects(effect="fsm")
    # the conditional mode of an inspector enters predictions through both effects
    lev = glmer_corr.levels[3]
    prof = {"female": 1, "fsm_pct": 20.0, "phase": 1}
    b = glmer_corr.random[0].effect_modes[3]
    eta = glmer_corr.coef @ np.array([1, 1, 20.0, 1]) + b[0] + b[1]
    assert glmer_corr.predict_proba(prof, group=lev)["p"].iloc[0] == \
        pytest.approx(special.expit(eta), rel=1e-12)
    rc = main(["model", "linear", str(DATA / "slopes_synthetic.csv"), "--formula",
               "score ~ " + CORR, "--ml", "--json"])
    assert rc in (0, None)
    out = json.loads(capsys.readouterr().out)["random"]["inspector_id"]
    ref = M["lmer_corr_ml"]
    assert out["sd_slope"] == pytest.approx(ref["sd"]["phase"], rel=TOL["sd_relative"])
    assert out["correlation"]["estimate"] == pytest.approx(ref["correlation"], abs=1e-3)


# -- properties ----------------------------------------------------------------------------

def _lin_data(seed, G=25, n_per=12, rho=0.5, sd_slope=0.4):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), n_per)
    x = rng.normal(size=G * n_per)
    s = rng.integers(0, 2, G * n_per).astype(float)
    S = np.array([[0.3, rho * math.sqrt(0.3) * sd_slope], [rho * math.sqrt(0.3) * sd_slope,
                                                           sd_slope ** 2]])
    b = rng.multivariate_normal([0, 0], S, size=G)
    y = 1 + 0.5 * x + b[g, 0] + b[g, 1] * s + rng.normal(0, 0.7, G * n_per)
    return pd.DataFrame({"y": y, "x": x, "s": s, "g": [f"G{k:02d}" for k in g]})


@settings(max_examples=6)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_relabelling_groups_leaves_the_fit_unchanged(seed, perm_seed):
    d = _lin_data(seed)
    rng = np.random.default_rng(perm_seed)
    levels = sorted(d["g"].unique())
    new = dict(zip(levels, rng.permutation([f"X{k:03d}" for k in range(len(levels))])))
    e = d.assign(g=d["g"].map(new)).iloc[rng.permutation(len(d))]
    a = linear_mixed("y ~ x + s + (1 + s | g)", d)
    b = linear_mixed("y ~ x + s + (1 + s | g)", e)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-8)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-6)
    np.testing.assert_allclose(b.random[0].covariance, a.random[0].covariance, atol=1e-6)
    ma = pd.DataFrame(a.random[0].effect_modes, index=[new[v] for v in a.levels])
    mb = pd.DataFrame(b.random[0].effect_modes, index=b.levels)
    np.testing.assert_allclose(mb.loc[ma.index].to_numpy(), ma.to_numpy(), atol=1e-5)


@settings(max_examples=8)
@given(seed=st.integers(0, 10_000), rho=st.sampled_from([-0.99, -0.5, 0.0, 0.9, 1.0]),
       sd_slope=st.sampled_from([0.0, 0.05, 0.5]))
def test_correlation_is_a_correlation(seed, rho, sd_slope):
    """Whatever the data (a slope SD of 0, a correlation of +-1: singular fits), the estimated
    covariance is positive semi-definite and the correlation lies in [-1, 1]."""
    fit = linear_mixed("y ~ x + s + (1 + s | g)", _lin_data(seed, rho=rho, sd_slope=sd_slope))
    t = fit.random[0]
    assert -1.0 <= t.correlation[0, 1] <= 1.0
    assert np.linalg.eigvalsh(t.covariance).min() >= -1e-12
    assert np.all(t.sds >= 0)
    ci = fit.correlation_ci()
    assert -1.0 <= ci["estimate"] <= 1.0
    if ci["estimated"] and np.isfinite(ci["se"]):
        assert -1.0 <= ci["ci_low"] <= ci["ci_high"] <= 1.0


def test_singular_fit_matches_lme4():
    """A boundary fit: inspections_synthetic has no phase-slope variation, lme4 reports
    "boundary (singular) fit" with correlation -1. Same optimum; SEs of the SDs are NaN with
    a note, the fixed-effect SEs (lme4's vcov holds theta fixed too) as lmer's."""
    ref = M["lmer_singular_inspections"]
    data = pd.read_csv(DATA / ref["data_file"])
    fit = linear_mixed(ref["call"], data, reml=True)
    assert ref["singular"] and fit.converged
    assert fit.loglik == pytest.approx(ref["logLik"], abs=TOL["logLik"])
    t = fit.random[0]
    np.testing.assert_allclose(t.sds, ref["sd"], rtol=TOL["sd_relative"])
    assert t.correlation[0, 1] == pytest.approx(ref["correlation"], abs=1e-3)
    assert fit.residual_sd == pytest.approx(ref["sigma"], rel=TOL["sd_relative"])
    for i, name in enumerate(fit.names):
        r = name.replace("[T.", "").replace("]", "")
        assert fit.coef[i] == pytest.approx(ref["coefficients"][r], abs=TOL["coefficients"])
        assert fit.se[i] == pytest.approx(ref["se"][r], rel=SE_TOL)
    assert any("singular" in n for n in fit.notes)
    assert np.isnan(fit.sds_table()["se"]).all()


def test_singular_glmm_fit_reports_it():
    """Six groups: the ordinal fit's correlation reaches +1 (singular). It converges, says
    so, gives NaN SEs for the SDs and finite SEs for the fixed part (covariance held fixed)."""
    fit = ordinal_mixed("y ~ x + (1 + s | g)", _tiny(seed=5, G=6))
    t = fit.random[0]
    assert fit.converged and abs(t.correlation[0, 1]) > 0.999
    assert any("singular" in n for n in fit.notes)
    assert np.isnan(fit.sds_table()["se"]).all() and np.isnan(fit.correlation_ci()["se"])
    assert np.all(np.isfinite(fit.se)) and np.all(np.isfinite(fit.threshold_se))


@settings(max_examples=3)
@given(perm_seed=st.integers(0, 10_000))
def test_relabelling_groups_leaves_the_ordinal_fit_unchanged(perm_seed):
    d = _tiny()
    rng = np.random.default_rng(perm_seed)
    new = dict(zip(range(8), rng.permutation([f"L{k}" for k in range(8)])))
    e = d.assign(g=d["g"].map(new)).iloc[rng.permutation(len(d))]
    a = ordinal_mixed("y ~ x + (1 + s | g)", d)
    b = ordinal_mixed("y ~ x + (1 + s | g)", e)
    # the optimiser's path is the same up to the order of sums: 1e-6
    assert b.loglik == pytest.approx(a.loglik, abs=1e-6)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-5)
    np.testing.assert_allclose(b.random[0].covariance, a.random[0].covariance, atol=1e-5)
    assert -1 <= b.random[0].correlation[0, 1] <= 1


def test_near_boundary_fit_is_regular_and_converged():
    """A correlation of -0.98 is near, not on, the boundary: lme4 calls the fit regular, and
    so must we (a too-small finite-difference step once made its curvature look indefinite
    and the fit 'not converged'). Reference from tests/data/scripts/slopes_near_boundary.R."""
    import warnings

    ref = json.loads((DATA / "slopes_near_boundary_lme4.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no ConvergenceWarning
        fit = linear_mixed("grade ~ female + (1 + phase | inspector_id)",
                           pd.read_csv(DATA / "inspections_synthetic.csv"), reml=True)
    assert not ref["singular"] and fit.converged and fit.hessian_pd
    assert fit.loglik == pytest.approx(ref["logLik"], abs=TOL["logLik"])
    t = fit.random[0]
    np.testing.assert_allclose(t.sds, [ref["sd_intercept"], ref["sd_slope"]],
                               rtol=TOL["sd_relative"])
    assert t.correlation[0, 1] == pytest.approx(ref["correlation"], abs=1e-3)
    assert np.isfinite(fit.sds_table()["se"]).all()
