"""Several random intercepts (crossed / nested): published R fits and second methods.

References
----------
* ``lme4_penicillin``: lmer REML (printed summary, an R-generated JSON at 15 digits, lme4
  2.0.1's 8-decimal table) and ML (MixedModels.jl, the same likelihood).
* ``lme4_salamander``: glmer Laplace, printed to 4 decimals (3 for the SDs, 1 for logLik).
* Second methods: a dense brute-force Laplace approximation written here from the formula;
  statsmodels MixedLM with variance components; central differences of the likelihood for
  the exact gradient; the one-factor engines.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import optimize, special

from conftest import DATA, load_reference
from reliability._errors import ReliabilityError
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed
from reliability.models._laplace import MultiLaplaceGLMM
from reliability._reml import fit_gaussian
from reliability.models.formula import build_design

PEN = load_reference("lme4_penicillin")
SAL = load_reference("lme4_salamander")


def crossed_data(n=1500, n_a=40, n_b=120, sd_a=0.6, sd_b=0.8, seed=3, thetas=(-1.0, 0.8, 2.2)):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_a, n)
    b = rng.integers(0, n_b, n)
    x = rng.normal(size=n)
    z = rng.choice(["p", "q"], size=n)
    eta = 0.5 * x - 0.4 * (z == "q") + rng.normal(0, sd_a, n_a)[a] + rng.normal(0, sd_b, n_b)[b]
    lat = eta + rng.logistic(size=n)
    grade = 1 + (lat[:, None] > np.asarray(thetas)[None, :]).sum(axis=1)
    score = 2.0 + eta + rng.normal(0, 0.7, n)
    return pd.DataFrame({"grade": grade, "bad": (grade >= 3).astype(int), "score": score,
                         "x": x, "z": z, "insp": a, "school": b, "region": b % 6})


@pytest.fixture(scope="module")
def cdata():
    return crossed_data()


# -- published fits ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def penicillin():
    return pd.read_csv(DATA / "lme4_penicillin.csv")


def test_penicillin_reml_matches_lmer(penicillin):
    r = linear_mixed("diameter ~ 1 + (1|plate) + (1|sample)", penicillin)
    v = PEN["values"]
    hp = PEN["values_reml_high_precision"]
    assert r.converged and r.n_groups == v["n_groups"] and r.nobs == v["nobs"]
    # REML criterion: R's 15-digit value (lme4 1.1.38); the optimum is flat in the sample SD
    # (6 samples), so 1e-6 on the criterion, and the SDs / SE at the spread between
    # implementations the fixture's notes document (plate 1e-4, sample 5e-4 rel, SE 5e-5).
    assert -2 * r.loglik == pytest.approx(hp["lme4_1_1_38_json"]["REML_criterion"], abs=1e-6)
    assert r.coef[0] == pytest.approx(hp["lme4_1_1_38_json"]["coefficients"]["(Intercept)"],
                                      abs=1e-9)
    t8 = hp["lme4_2_0_1_table_8dp"]
    assert r.se[0] == pytest.approx(t8["se"]["(Intercept)"], abs=5e-5)
    assert r.residual_sd == pytest.approx(t8["sigma"], abs=1e-5)
    assert r.term("plate").sd == pytest.approx(math.sqrt(t8["re_variance"]["plate"]), rel=1e-4)
    assert r.term("sample").sd == pytest.approx(math.sqrt(t8["re_variance"]["sample"]),
                                                rel=5e-4)
    # and every value as printed, to half a unit in its last digit
    half = 0.5 * 10.0 ** -PEN["printed_precision"]["coefficients"]
    assert r.coef[0] == pytest.approx(v["coefficients"]["(Intercept)"], abs=half)
    assert r.term("plate").sd == pytest.approx(v["re_sd"]["plate"], abs=5e-5)
    assert r.term("sample").sd == pytest.approx(v["re_sd"]["sample"], abs=5e-5)
    assert r.residual_sd == pytest.approx(v["residual_sd"], abs=5e-5)
    assert -2 * r.loglik == pytest.approx(v["REML_criterion"], abs=0.05)


def test_penicillin_ml_matches_mixedmodels(penicillin):
    r = linear_mixed("diameter ~ 1 + (1|plate) + (1|sample)", penicillin, reml=False)
    ml = PEN["values_ml"]["julia_test_plstwoscalar_jl"]
    assert r.converged
    # MixedModels.jl's ML fit (the same likelihood as lmer(REML = FALSE)) at full precision.
    # Deviance to 1e-6; the SDs to 1e-5 relative (its own test allows 1e-4: flat in sample SD).
    assert -2 * r.loglik == pytest.approx(ml["deviance"], abs=1e-6)
    assert r.se[0] == pytest.approx(ml["se"]["(Intercept)"], abs=5e-6)
    assert r.term("plate").sd == pytest.approx(ml["re_sd"]["plate"], rel=1e-5)
    assert r.term("sample").sd == pytest.approx(ml["re_sd"]["sample"], rel=1e-5)
    assert r.residual_sd == pytest.approx(ml["residual_sd"], rel=1e-5)


def test_salamander_matches_glmer_laplace():
    d = pd.read_csv(DATA / "lme4_salamander.csv")
    r = binomial_mixed("Mate ~ Cross + (1|Female) + (1|Male)", d)
    v = SAL["values"]
    assert r.converged and r.n_groups == v["n_groups"] and r.nobs == v["nobs"]
    # The printed fit is in cell means (-1 + Cross); ours has an intercept, so compare the
    # four cell means and their SEs (linear combinations: invariant to the coding).
    L = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1]])
    means = L @ r.coef
    ses = np.sqrt(np.diag(L @ r.coef_vcov.to_numpy() @ L.T))
    for i, cell in enumerate(["CrossR/R", "CrossR/W", "CrossW/R", "CrossW/W"]):
        assert means[i] == pytest.approx(v["coefficients"][cell], abs=5e-5), cell
        # lme4's SEs come from its own finite-difference Hessian (use.hessian = TRUE), which
        # sits ~1e-4 from the exact observed information on this data: 1.5e-4.
        assert ses[i] == pytest.approx(v["se"][cell], abs=1.5e-4), cell
    assert r.term("Female").sd == pytest.approx(v["re_sd"]["Female"], abs=5e-4)
    assert r.term("Male").sd == pytest.approx(v["re_sd"]["Male"], abs=5e-4)
    assert r.term("Female").sd ** 2 == pytest.approx(v["re_variance"]["Female"], abs=5e-4)
    assert r.loglik == pytest.approx(v["logLik"], abs=0.05)
    assert r.aic == pytest.approx(v["AIC"], abs=0.05)
    assert r.bic == pytest.approx(v["BIC"], abs=0.05)


def test_soup_single_term_matches_clmm():
    """ordinal's soup data, clmm Laplace (printed by ordinal's author, 2011)."""
    ref = load_reference("ordinal_soup")["other_fits"]["single_re_logit_flexible"]
    v = ref["values"]
    d = pd.read_csv(DATA / "ordinal_soup.csv")
    r = ordinal_mixed("SURENESS ~ PROD + (1|RESP)", d)
    assert r.converged and r.nobs == v["nobs"] and r.n_groups == v["n_groups"]["RESP"]
    # 4 printed decimals: half a unit, plus 1e-4 on SEs (clmm's numerical Hessian of 2011);
    # the RE variance to 1e-5 (7 printed digits, but a 2011 ucminf optimum).
    assert r.coef[0] == pytest.approx(v["coefficients"]["PRODTest"], abs=5e-5)
    assert r.se[0] == pytest.approx(v["se"]["PRODTest"], abs=1.5e-4)
    assert r.thresholds[0] == pytest.approx(v["thresholds"]["1|2"], abs=5e-5)
    assert r.threshold_se[0] == pytest.approx(v["thresholds_se"]["1|2"], abs=1.5e-4)
    assert r.re_sd ** 2 == pytest.approx(v["re_variance"]["RESP"], abs=1e-5)


# -- second methods ------------------------------------------------------------------------

def _dense_laplace_binomial(y, X, groups, beta, b0, sds):
    """Laplace approximation written out densely (one-hot Z, no spherical form, slogdet)."""
    Z = np.hstack([np.eye(g.max() + 1)[g] for g in groups])
    prec = np.concatenate([np.full(g.max() + 1, 1 / s ** 2) for g, s in zip(groups, sds)])
    eta0 = b0 + X @ beta

    def negh(u):
        eta = eta0 + Z @ u
        return -(y * eta - np.logaddexp(0, eta)).sum() + 0.5 * (prec * u * u).sum()

    def grad(u):
        return -Z.T @ (y - special.expit(eta0 + Z @ u)) + prec * u

    def hess(u):
        p = special.expit(eta0 + Z @ u)
        return Z.T @ (Z * (p * (1 - p))[:, None]) + np.diag(prec)

    u = optimize.minimize(negh, np.zeros(Z.shape[1]), jac=grad, hess=hess,
                          method="Newton-CG", options={"xtol": 1e-14}).x
    logdet = np.linalg.slogdet(hess(u))[1]
    return -negh(u) - 0.5 * logdet - sum((g.max() + 1) * math.log(s) for g, s in zip(groups, sds))


def test_laplace_equals_dense_brute_force(cdata):
    d = cdata.iloc[:400]
    r = binomial_mixed("bad ~ x + (1|insp) + (1|region)", d)
    des = build_design("bad ~ x + (1|insp) + (1|region)", d)
    sds = [t.sd for t in r.random]
    ll = _dense_laplace_binomial(d["bad"].to_numpy(), des.X, list(des.codes), r.coef[1:],
                                 r.coef[0], sds)
    assert r.loglik == pytest.approx(ll, abs=1e-8)
    # ... and our optimum is the optimum of the brute-force criterion (zero gradient there)
    x0 = np.concatenate([r.coef, np.log(sds)])

    def f(x):
        return _dense_laplace_binomial(d["bad"].to_numpy(), des.X, list(des.codes), x[1:2], x[0],
                                       np.exp(x[2:]))
    g = optimize.approx_fprime(x0, f, 1e-6)
    assert np.max(np.abs(g)) < 1e-3


@pytest.mark.parametrize("link,K", [("logit", 4), ("probit", 4), ("logit", 2)])
@pytest.mark.parametrize("n_factors", [2, 3])
def test_exact_gradient_equals_central_differences(cdata, link, K, n_factors):
    d = cdata.iloc[:600]
    y = (d["grade"].to_numpy() - 1) if K == 4 else d["bad"].to_numpy()
    des = build_design("grade ~ x + z + (1|insp) + (1|school) + (1|region)", d)
    codes = list(des.codes[:n_factors])
    model = MultiLaplaceGLMM(y, des.X, codes, [c.max() + 1 for c in codes], K, link=link)
    par = np.concatenate([[-0.8], np.log([1.6, 1.3])[:K - 2], [0.3, -0.2],
                          [0.5, 0.7, 0.4][:n_factors]])
    _, g = model.grad_opt(par)
    h = 1e-6
    fd = np.array([(model.grad_opt(par + e)[0] - model.grad_opt(par - e)[0]) / (2 * h)
                   for e in np.eye(len(par)) * h])
    # central differences of a function with |f| ~ 1e3 at h = 1e-6: error ~ 1e-6 absolute
    np.testing.assert_allclose(g, fd, atol=2e-5, rtol=1e-6)


def test_one_factor_engines_agree(cdata):
    """The joint Laplace with one factor is the one-factor engine's Laplace."""
    from reliability.models._ordinal import CumulativeLinkGLMM
    des = build_design("grade ~ x + z + (1|insp)", cdata)
    y = cdata["grade"].to_numpy() - 1
    old = CumulativeLinkGLMM(y, des.X, des.codes[0], int(des.codes[0].max() + 1), 4)
    new = MultiLaplaceGLMM(y, des.X, [des.codes[0]], [int(des.codes[0].max() + 1)], 4,
                           link="logit")
    par = np.array([-0.9, math.log(1.7), math.log(1.4), 0.4, -0.3, math.log(0.55)])
    par_new = par.copy()
    par_new[-1] = 0.55
    assert new.loglik(par_new) == pytest.approx(old.loglik(par), abs=1e-8)


def _one_factor_closed_form(y, X, codes, reml):
    """One random intercept written out per group: ``V_g = sigma^2 (I + gamma 11')`` has the
    inverse ``(I - c_g 11') / sigma^2`` with ``c_g = gamma / (1 + n_g gamma)``; beta and
    sigma^2 profiled out, the criterion minimised over log gamma by a bounded scalar search
    (the one-factor engine this project used before issue 15)."""
    n, p = X.shape
    G = int(codes.max()) + 1
    ng = np.bincount(codes, minlength=G).astype(float)
    Sx = np.stack([np.bincount(codes, X[:, j], G) for j in range(p)], axis=1)
    Sy = np.bincount(codes, y, G)
    XtX, Xty, yty = X.T @ X, X.T @ y, float(y @ y)

    def profile(lgam):
        gam = math.exp(lgam)
        c = gam / (1 + ng * gam)
        A = XtX - (Sx * c[:, None]).T @ Sx
        beta = np.linalg.solve(A, Xty - (Sx * c[:, None]).T @ Sy)
        sr = Sy - Sx @ beta
        q = yty - 2 * beta @ Xty + beta @ XtX @ beta - float((c * sr * sr).sum())
        df = n - p if reml else n
        s2 = q / df
        crit = df * (math.log(2 * math.pi) + math.log(s2)) + float(np.log1p(ng * gam).sum()) + df
        if reml:
            crit += np.linalg.slogdet(A)[1]
        return crit, beta, s2, A, c, sr

    res = optimize.minimize_scalar(lambda t: profile(t)[0], bounds=(-25, 10), method="bounded",
                                   options={"xatol": 1e-10})
    crit, beta, s2, A, c, sr = profile(float(res.x))
    return dict(loglik=-0.5 * crit, beta=beta, vcov=s2 * np.linalg.inv(A),
                re_sd=math.sqrt(math.exp(res.x) * s2), modes=c * sr, condsd=np.sqrt(s2 * c))


@pytest.mark.parametrize("reml", [True, False])
def test_linear_engine_one_factor_equals_closed_form(cdata, reml):
    des = build_design("score ~ x + z + (1|insp)", cdata)
    X = np.column_stack([np.ones(len(cdata)), des.X])
    y = cdata["score"].to_numpy()
    a = _one_factor_closed_form(y, X, des.codes[0], reml)
    b = fit_gaussian(y, X, [des.codes[0]], reml=reml)
    assert b.loglik == pytest.approx(a["loglik"], abs=1e-8)
    np.testing.assert_allclose(b.beta, a["beta"], atol=1e-7)
    np.testing.assert_allclose(b.vcov, a["vcov"], atol=1e-9)
    assert b.sds[0] == pytest.approx(a["re_sd"], rel=1e-6)
    np.testing.assert_allclose(b.modes[0], a["modes"], atol=1e-6)
    np.testing.assert_allclose(b.cond_sd[0], a["condsd"], atol=1e-6)


def test_linear_crossed_matches_statsmodels_variance_components(cdata):
    import statsmodels.api as sm
    d = cdata.iloc[:800].assign(one=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        smf = sm.MixedLM.from_formula("score ~ x + z", groups="one", re_formula="0",
                                      vc_formula={"insp": "0 + C(insp)",
                                                  "school": "0 + C(school)"},
                                      data=d).fit(reml=True, method=["lbfgs"])
    r = linear_mixed("score ~ x + z + (1|insp) + (1|school)", d)
    names = {"(Intercept)": "Intercept"}
    order = [names.get(n, n) for n in r.names]       # formulaic and patsy share z[T.q]
    np.testing.assert_allclose(r.coef, smf.fe_params[order].to_numpy(), atol=2e-4)
    np.testing.assert_allclose(r.se, smf.bse_fe[order].to_numpy(), rtol=2e-3)
    vc = dict(zip(smf.model.exog_vc.names, np.sqrt(smf.vcomp)))
    assert r.term("insp").sd == pytest.approx(vc["insp"], rel=2e-3)
    assert r.term("school").sd == pytest.approx(vc["school"], rel=2e-3)
    assert r.residual_sd == pytest.approx(math.sqrt(smf.scale), rel=1e-4)
    # statsmodels' REML logLik differs from lme4's by the constant of the REML determinant
    # convention; the LR statistic between two REML fits with the same fixed part does not.
    assert r.loglik >= linear_mixed("score ~ x + z + (1|insp)", d).loglik


# -- behaviour -------------------------------------------------------------------------------

def test_crossed_ordinal_recovers_truth():
    from reliability.datasets import simulate_national_inspections
    d = simulate_national_inspections(8000, 200, n_schools=1500, seed=11, re_sd=0.4,
                                      school_sd=0.6)
    truth = d.attrs["truth"]
    rhs = "female + hmi + fsm_pct + phase + log_size_c + years_exp_c"
    r = ordinal_mixed(f"grade ~ {rhs} + (1|inspector_id) + (1|school_id)", d)
    assert r.converged and r.groups == ("inspector_id", "school_id")
    for g, t in (("inspector_id", truth["re_sd"]), ("school_id", truth["school_sd"])):
        lo, hi = r.sd_ci(g)
        assert lo <= t <= hi, g
    ci = r.ci
    for i, name in enumerate(r.names):
        key = name.replace("[T.", "").replace("]", "")
        assert ci[i, 0] <= truth["beta"][key] <= ci[i, 1], name
    # the school term matters here: its LR test is against the inspector-only model
    lr = r.lr_test("school_id")
    assert lr["p_value"] < 1e-6 and "inspector_id" in lr["null_model"]
    # conditional modes track the true school effects
    re = r.random_effects("school_id")
    w = np.asarray(truth["w"])[re.index.to_numpy() - 1]
    assert np.corrcoef(re["mode"], w)[0, 1] > 0.5


def test_singular_fit_reduces_to_the_one_factor_fit_that_matches_lmer():
    """inspections_synthetic has no school effect (truth): REML puts the school SD at 0.

    A singular fit must then be the inspector-only model, which matches lme4::lmer
    (test_reference.py): same fixed effects, SEs, inspector SD and REML logLik.
    """
    d = pd.read_csv(DATA / "inspections_synthetic.csv")
    rhs = "female + hmi + fsm_pct + phase + log_size_c + years_exp_c"
    r = linear_mixed(f"grade ~ {rhs} + (1|inspector_id) + (1|school_id)", d)
    ref = load_reference("inspections_synthetic")["models"]["lmer_reml"]
    t = r.term("school_id")
    assert t.sd == 0.0 and np.isnan(r.sd_ci("school_id")).all() and np.isnan(t.log_sd_se)
    assert any("school_id" in n and "boundary" in n for n in r.notes)
    assert r.term("inspector_id").sd == pytest.approx(ref["re_sd"], abs=1e-4)
    assert r.residual_sd == pytest.approx(ref["resid_sd"], abs=1e-4)
    assert r.loglik == pytest.approx(ref["logLik"], abs=1e-4)
    for i, name in enumerate(r.names):
        key = name.replace("[T.", "").replace("]", "")
        assert r.coef[i] == pytest.approx(ref["coefficients"][key], abs=1e-4)
        assert r.se[i] == pytest.approx(ref["se"][key], rel=2e-3)
    assert r.lr_test("school_id")["statistic"] == pytest.approx(0.0, abs=1e-6)
    json.dumps(r.to_dict())


def test_nested_shorthand_equals_explicit_interaction(cdata):
    a = binomial_mixed("bad ~ x + (1|region/insp)", cdata)
    b = binomial_mixed("bad ~ x + (1|region) + (1|region:insp)", cdata)
    assert a.groups == ("region", "region:insp") == b.groups
    assert a.loglik == pytest.approx(b.loglik, abs=1e-9)
    assert a.term("region:insp").n_groups == cdata.groupby(["region", "insp"]).ngroups


def test_outputs_for_several_terms(cdata):
    r = ordinal_mixed("grade ~ x + z + (1|insp) + (1|school)", cdata)
    d = r.to_dict()
    assert set(d["random"]) == {"insp", "school"}
    for g in ("insp", "school"):
        assert set(d["random"][g]) >= {"sd", "sd_se", "sd_ci", "n_groups", "vpc", "lr_test"}
    # stable shape: top-level keys are the first term's (as with one term), all in "random"
    assert d["n_groups"] == 40 and d["random"]["school"]["n_groups"] == 120
    assert d["vpc"] == pytest.approx(r.vpc("insp"))
    assert d["lr_test"]["statistic"] == pytest.approx(r.lr_test("insp")["statistic"])
    total = r.term("insp").sd ** 2 + r.term("school").sd ** 2 + math.pi ** 2 / 3
    assert r.vpc("insp") == pytest.approx(r.term("insp").sd ** 2 / total)
    json.dumps(d)
    # each LR test is against the separately fitted model without that term
    for g, other in (("insp", "school"), ("school", "insp")):
        alone = ordinal_mixed(f"grade ~ x + z + (1|{other})", cdata)
        assert r.lr_test(g)["loglik_null"] == pytest.approx(alone.loglik, abs=1e-6)
        assert r.lr_test(g)["statistic"] == pytest.approx(2 * (r.loglik - alone.loglik), abs=1e-6)
    assert "insp" in r.summary() and "school" in r.summary()
    re = r.random_effects("school")
    assert len(re) == 120 and (re["cond_sd"] > 0).all()
    p0 = r.predict_proba({"x": 0.0, "z": "p"})
    p1 = r.predict_proba({"x": 0.0, "z": "p"}, group={"insp": 0, "school": 5})
    assert p0.shape == p1.shape == (1, 4)
    with pytest.raises(ReliabilityError, match="no random term"):
        r.random_effects("schol")
    import matplotlib
    matplotlib.use("Agg")
    from reliability.plots.caterpillar import caterpillar
    fig = caterpillar(r, group="school", top=10)
    assert fig.axes[0].get_ylabel() == "school (sorted)" and len(fig.axes[0].lines) >= 1


def test_conditional_sd_is_joint_inverse_diagonal(cdata):
    """cond_sd = sqrt(diag(H^-1)) of the joint Hessian, checked with a dense inverse."""
    d = cdata.iloc[:500]
    r = binomial_mixed("bad ~ x + (1|insp) + (1|region)", d)
    des = build_design("bad ~ x + (1|insp) + (1|region)", d)
    Z = np.hstack([np.eye(c.max() + 1)[c] for c in des.codes])
    u = np.concatenate([t.modes for t in r.random])
    sds = np.concatenate([np.full(t.n_groups, t.sd) for t in r.random])
    p = special.expit(r.coef[0] + des.X @ r.coef[1:] + Z @ u)
    H = Z.T @ (Z * (p * (1 - p))[:, None]) + np.diag(1 / sds ** 2)
    np.testing.assert_allclose(np.concatenate([t.cond_sd for t in r.random]),
                               np.sqrt(np.diag(np.linalg.inv(H))), rtol=1e-6)


@settings(max_examples=5, deadline=None)
@given(st.randoms(use_true_random=False))
def test_invariant_to_relabelling_and_row_order(rnd):
    d = crossed_data(n=500, n_a=15, n_b=30, seed=7)
    pa, pb = list(range(15)), list(range(30))
    rnd.shuffle(pa)
    rnd.shuffle(pb)
    d2 = d.assign(insp=np.asarray(pa)[d["insp"]], school=np.asarray(pb)[d["school"]])
    d2 = d2.sample(frac=1, random_state=rnd.randint(0, 1000))
    # term order in the formula does not matter either
    a = binomial_mixed("bad ~ x + (1|insp) + (1|school)", d)
    b = binomial_mixed("bad ~ x + (1|school) + (1|insp)", d2)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-6)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-5)
    assert b.term("insp").sd == pytest.approx(a.term("insp").sd, abs=1e-5)
    ra, rb = a.random_effects("school"), b.random_effects("school")
    np.testing.assert_allclose(rb.loc[np.asarray(pb)[ra.index], "mode"], ra["mode"], atol=1e-5)


def test_cli_crossed_json(tmp_path, cdata):
    path = tmp_path / "d.csv"
    cdata.to_csv(path, index=False)
    before = path.read_bytes()
    out = subprocess.run([sys.executable, "-m", "reliability.cli", "model", "binomial", str(path),
                          "--formula", "bad ~ x + (1|insp) + (1|school)", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert set(d["random"]) == {"insp", "school"} and d["method"] == "laplace"
    assert d["n_groups"] == 40 and d["random"]["school"]["n_groups"] == 120
    out = subprocess.run([sys.executable, "-m", "reliability.cli", "model", "ordinal", str(path),
                          "--formula", "grade ~ x + (1|insp) + (1|school)", "--nagq", "3"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "single random term" in out.stderr
    assert path.read_bytes() == before


def test_sparse_lu_path_equals_dense_cholesky(cdata, monkeypatch):
    """Rest systems above DENSE_MAX levels use a sparse LU: same likelihood and gradient."""
    from reliability.models import _blocks
    d = cdata.iloc[:600]
    des = build_design("grade ~ x + z + (1|insp) + (1|school) + (1|region)", d)
    y = d["grade"].to_numpy() - 1
    codes = list(des.codes)
    par = np.array([-0.8, math.log(1.6), math.log(1.3), 0.3, -0.2, 0.5, 0.7, 0.4])

    def run():
        model = MultiLaplaceGLMM(y, des.X, codes, [c.max() + 1 for c in codes], 4, link="logit")
        return model.grad_opt(par)

    f_dense, g_dense = run()
    monkeypatch.setattr(_blocks, "DENSE_MAX", 0)
    f_lu, g_lu = run()
    assert f_lu == pytest.approx(f_dense, abs=1e-8)
    np.testing.assert_allclose(g_lu, g_dense, atol=1e-7)


@pytest.mark.parametrize("K", [4, 2])
def test_reduced_fit_curvature_start_reaches_the_same_optimum_in_fewer_evaluations(cdata, K):
    """The full fit's BFGS started on the reduced fits' curvature (what the API does for two
    terms) ends at the optimum the identity start finds, with fewer evaluations."""
    from reliability.models._api import _crossed_start

    des = build_design("grade ~ x + z + (1|insp) + (1|school)", cdata)
    y = (cdata["grade"].to_numpy() - 1) if K == 4 else cdata["bad"].to_numpy()
    sizes = [int(c.max() + 1) for c in des.codes]
    n_fixed = K - 1 + des.X.shape[1]
    starts = []
    for k in range(2):
        sub = MultiLaplaceGLMM(y, des.X, [des.codes[1 - k]], [sizes[1 - k]], K, link="logit")
        sub_par = sub.fit(np.concatenate([[-0.5], np.zeros(K - 2), [0.0, 0.0], [0.3]]),
                          information=False)
        starts.append(([1 - k], sub_par, sub.start_curvature(sub_par), sub.modes_by_factor(sub_par)))
    start, curvature, _ = _crossed_start(starts, 0, n_fixed, 2)
    assert curvature.shape == (n_fixed + 2, n_fixed + 2)
    fits = {}
    for name, curv in (("identity", None), ("curvature", curvature)):
        model = MultiLaplaceGLMM(y, des.X, list(des.codes), sizes, K, link="logit")
        par = model.fit(start, curvature=curv)
        fits[name] = (model.loglik(par), par, model.opt_result.nfev, _se(model.information))
    ll_i, par_i, nfev_i, se_i = fits["identity"]
    ll_c, par_c, nfev_c, se_c = fits["curvature"]
    # both end with Newton steps to a decrement below 1e-12: the same optimum to ~1e-7
    assert ll_c == pytest.approx(ll_i, abs=1e-8)
    np.testing.assert_allclose(par_c, par_i, atol=1e-5)
    # the information is taken where BFGS stops (max|gradient| < 1e-4 from the identity,
    # a predicted step < 1e-5 from the curvature), so the SEs differ by that path: measured
    # 6e-6 and 8e-6 relative here
    np.testing.assert_allclose(se_c, se_i, rtol=3e-5)
    assert nfev_c < nfev_i


def _se(information):
    return np.sqrt(np.diag(np.linalg.inv(information)))


def _crossed_fit_inputs(cdata, K):
    """What the API hands the full crossed fit: its start, the reduced fits' curvature."""
    from reliability.models._api import _crossed_start

    des = build_design("grade ~ x + z + (1|insp) + (1|school)", cdata)
    y = (cdata["grade"].to_numpy() - 1) if K == 4 else cdata["bad"].to_numpy()
    sizes = [int(c.max() + 1) for c in des.codes]
    starts = []
    for k in range(2):
        sub = MultiLaplaceGLMM(y, des.X, [des.codes[1 - k]], [sizes[1 - k]], K, link="logit")
        sub_par = sub.fit(np.concatenate([[-0.5], np.zeros(K - 2), [0.0, 0.0], [0.3]]),
                          information=False)
        starts.append(([1 - k], sub_par, sub.start_curvature(sub_par),
                       sub.modes_by_factor(sub_par)))
    start, curvature, modes = _crossed_start(starts, 0, K - 1 + des.X.shape[1], 2)
    return (y, des.X, list(des.codes), sizes, K), start, curvature, modes


@pytest.mark.parametrize("K", [4, 2])
def test_early_handover_to_newton_equals_bfgs_to_its_tolerance(cdata, K, monkeypatch):
    """BFGS on the curvature stops once its predicted step is < 1e-5 and the Newton steps
    finish: the same optimum and log-likelihood as BFGS run to max|gradient| < 1e-4 (then
    the same Newton steps), SEs within the stated ~1e-5, in fewer evaluations."""
    from reliability.models import _laplace

    args, start, curvature, _ = _crossed_fit_inputs(cdata, K)
    fits = {}
    for name, near in (("early", _laplace.NEAR_OPTIMUM), ("full", -1.0)):
        monkeypatch.setattr(_laplace, "NEAR_OPTIMUM", near)
        model = MultiLaplaceGLMM(*args, link="logit")
        par = model.fit(start, curvature=curvature)
        fits[name] = (model.loglik(par), par, model.opt_result.nfev, _se(model.information))
    (ll_e, par_e, nfev_e, se_e), (ll_f, par_f, nfev_f, se_f) = fits["early"], fits["full"]
    assert ll_e == pytest.approx(ll_f, abs=1e-9)
    np.testing.assert_allclose(par_e, par_f, atol=1e-7)
    np.testing.assert_allclose(se_e, se_f, rtol=3e-5)
    assert nfev_e < nfev_f


def test_bfgs_resumes_when_newton_fails_after_the_early_handover(cdata, monkeypatch):
    """If the Newton steps do not converge from where BFGS handed over, BFGS resumes to its
    own tolerance and the result is the full-tolerance fit's."""
    args, start, curvature, _ = _crossed_fit_inputs(cdata, 4)
    reference = MultiLaplaceGLMM(*args, link="logit")
    par_ref = reference.fit(start, curvature=curvature)
    model = MultiLaplaceGLMM(*args, link="logit")
    polish = model._polish
    calls = []

    def failing_first(info, nat, par, ll, g, free):
        calls.append(np.max(np.abs(g)))
        if len(calls) == 1:
            return False, nat, par, ll
        return polish(info, nat, par, ll, g, free)

    monkeypatch.setattr(model, "_polish", failing_first)
    par = model.fit(start, curvature=curvature)
    assert len(calls) == 2
    assert calls[1] < 1e-4 < calls[0]          # the second from BFGS's own tolerance
    np.testing.assert_allclose(par, par_ref, atol=1e-7)
    np.testing.assert_allclose(_se(model.information), _se(reference.information), rtol=3e-5)


@pytest.mark.parametrize("K", [4, 2])
def test_reduced_fits_modes_start_the_full_fit_at_the_same_mode(cdata, K, monkeypatch):
    """The full fit's first inner Newton iteration from the reduced fits' modes (what the
    API does) reaches the mode and likelihood that the start from 0 reaches, with fewer
    factorisations."""
    from reliability.models import _blocks

    factorize = _blocks.RandomBlocks.factorize
    calls = []

    def counting(self, w, lam):
        calls.append(1)
        return factorize(self, w, lam)

    monkeypatch.setattr(_blocks.RandomBlocks, "factorize", counting)
    args, start, curvature, modes = _crossed_fit_inputs(cdata, K)
    counts, out = [], []
    for warm in (False, True):
        model = MultiLaplaceGLMM(*args, link="logit")
        if warm:
            model.start_modes(modes)
        n0 = len(calls)
        ll = model.loglik(start)
        counts.append(len(calls) - n0)
        out.append((ll, model.v.copy()))
    assert out[1][0] == pytest.approx(out[0][0], abs=1e-10)
    np.testing.assert_allclose(out[1][1], out[0][1], atol=1e-9)
    assert counts[1] < counts[0]


def test_positive_inverse_of_an_indefinite_curvature():
    from reliability.models._laplace import _positive_inverse
    H = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, -2.0]])
    inv = _positive_inverse(H)
    assert np.array_equal(inv, inv.T)
    assert np.linalg.eigvalsh(inv).min() > 0
    # the positive part is inverted exactly
    np.testing.assert_allclose(inv[:2, :2], np.linalg.inv(H[:2, :2]), rtol=1e-12)


@pytest.mark.parametrize("K", [4, 2])
def test_forward_difference_information_equals_central_differences(cdata, K):
    """The information behind the SEs (forward differences of the exact gradient) against
    central differences at h = 1e-5 (truncation error ~1e-10): SEs equal to 1e-5 relative,
    the stated accuracy of the forward step (1e-6, truncation error ~1e-6)."""
    from reliability.models._laplace import natural_hessian

    des = build_design("grade ~ x + z + (1|insp) + (1|school)", cdata)
    y = (cdata["grade"].to_numpy() - 1) if K == 4 else cdata["bad"].to_numpy()
    sizes = [int(c.max() + 1) for c in des.codes]
    model = MultiLaplaceGLMM(y, des.X, list(des.codes), sizes, K, link="logit")
    par = model.fit(np.concatenate([[-0.5], np.zeros(K - 2), [0.0, 0.0], [0.5, 0.5]]))
    free = model.free
    info, nat, g0 = natural_hessian(model, par, free)
    # the gradient where BFGS stopped, again from another start of the modes: equal to the
    # inner tolerance
    np.testing.assert_allclose(g0, model.natural_grad(nat, free), rtol=0, atol=1e-10)
    K1, p = K - 1, des.X.shape[1]
    steps = 1e-5 * np.maximum(np.abs(nat), 1.0)
    steps[K1:K1 + p] = 1e-5 / model.scale
    J = np.column_stack([(model.natural_grad(nat + e, free) - model.natural_grad(nat - e, free))
                         / (2 * e[j]) for j, e in enumerate(np.diag(steps))])
    central = -0.5 * (J + J.T)
    se_forward = np.sqrt(np.diag(np.linalg.inv(info)))
    se_central = np.sqrt(np.diag(np.linalg.inv(central)))
    np.testing.assert_allclose(se_forward, se_central, rtol=1e-5)
    assert not np.allclose(se_forward, se_central, rtol=1e-12, atol=0)  # a different formula


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), min_size=1,
                max_size=50))
def test_logistic_pair_equals_expit_to_two_ulp(xs):
    """The two-exp logistic (the Laplace engine's hot path) against scipy's expit, both
    tails and the infinite ends included."""
    from reliability.models._quadrature import _logistic_pair

    x = np.array(xs + [np.inf, -np.inf, 0.0, 745.0, -745.0])
    F, S = _logistic_pair(x)
    for got, ref in ((F, special.expit(x)), (S, special.expit(-x))):
        zero = ref == 0
        assert np.array_equal(got == 0, zero)
        np.testing.assert_allclose(got[~zero], ref[~zero], rtol=4.5e-16, atol=0)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_finite_open_end_cuts_equal_the_infinite_limits(link):
    """The open categories' cut points at a finite distance (600 beyond the outermost
    threshold) give the log-probabilities and derivatives of the infinite ends, computed
    here directly from the link with -inf / +inf cuts."""
    from reliability.models._quadrature import get_link

    rng = np.random.default_rng(5)
    n, K = 400, 4
    y = rng.integers(0, K, n)
    eta = rng.normal(0, 3, n)
    eta[:4] = [12.0, -12.0, 8.0, -8.0]             # far into both tails
    theta = np.array([-1.2, 0.3, 2.0])
    model = MultiLaplaceGLMM(y, np.zeros((n, 0)), [rng.integers(0, 5, n)], [5], K, link=link)
    out = model._obs(theta, eta, 2)
    L = get_link(link)
    th = np.concatenate([[-np.inf], theta, [np.inf]])
    a, b = th[y + 1] - eta, th[y] - eta
    Fa, Fb = L.cdf(a), L.cdf(b)
    Sa, Sb = L.sf(a), L.sf(b)
    P = np.where(b > 0, Sb - Sa, Fa - Fb)
    # the logistic density as expit(x) expit(-x): Link.pdf's p (1 - p) cancels in the tails
    pdf = (lambda x: special.expit(x) * special.expit(-x)) if link == "logit" else L.pdf
    fa = np.where(np.isfinite(a), pdf(np.where(np.isfinite(a), a, 0.0)), 0.0)
    fb = np.where(np.isfinite(b), pdf(np.where(np.isfinite(b), b, 0.0)), 0.0)
    np.testing.assert_allclose(out["lp"], np.log(P), rtol=1e-14, atol=0)
    # at an open end the finite cut leaves a density of ~e^-600 (1e-261) where the limit is 0
    np.testing.assert_allclose(out["la"], fa / P, rtol=1e-13, atol=1e-250)
    np.testing.assert_allclose(out["lb"], -fb / P, rtol=1e-13, atol=1e-250)
    np.testing.assert_allclose(out["d1"], -(fa - fb) / P, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reml", [True, False])
@pytest.mark.parametrize("n_factors", [2, 3])
def test_linear_engine_outer_products_equal_the_sparse_product(cdata, reml, n_factors,
                                                               monkeypatch):
    """The dense linear engine's two ways to B'D^-1B on its pattern (precomputed outer
    products, or the sparse product each evaluation when they would be too many) give the
    same fit."""
    from reliability import _reml

    terms = ["(1|insp)", "(1|school)", "(1|region)"][:n_factors]
    des = build_design("score ~ x + z + " + " + ".join(terms), cdata)
    X = np.column_stack([np.ones(len(cdata)), des.X])
    y = cdata["score"].to_numpy()
    a = fit_gaussian(y, X, list(des.codes), reml=reml)
    monkeypatch.setattr(_reml, "_OUTER_MAX", -1)
    b = fit_gaussian(y, X, list(des.codes), reml=reml)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-9)
    np.testing.assert_allclose(b.beta, a.beta, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(b.vcov, a.vcov, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(b.sds, a.sds, rtol=1e-6, atol=1e-9)
