"""Inference on fitted mixed models: Wald tests, prediction intervals, rank probabilities.

References: ``tests/data/slopes_lme4.json`` (``tests/data/scripts/slopes_lme4.R``): for glmer
``(1 + phase | inspector_id)`` and lmer REML / ML fits, the Wald chi-squares of four
hypotheses computed in R from lme4's ``vcov`` (written out, no car), the predictions
``predict(fit, newdata, re.form = NA, type = "response")`` and their delta-method SEs from
lme4's ``vcov``. Tolerances: statistics and SEs 1e-3 relative (our vcov and lme4's agree to
4e-5 for glmer, whose vcov is a finite-difference Hessian, and 2e-7 for lmer); predictions
1e-4 absolute (fixed effects agree to 1e-5). The ordinal prediction SEs are checked against
the delta method with a numerical Jacobian written here, the rank probabilities against a
plain per-draw loop simulation.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from conftest import DATA
from reliability._errors import ReliabilityError
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed

REF = json.loads((DATA / "slopes_lme4.json").read_text())
M = REF["models"]
FX = "female + fsm_pct + phase"
NEW = pd.DataFrame(REF["newdata"])


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(DATA / "slopes_synthetic.csv")


@pytest.fixture(scope="module")
def fits(data):
    return {"glmer_corr": binomial_mixed(f"below_good ~ {FX} + (1 + phase | inspector_id)", data),
            "lmer_corr_reml": linear_mixed(f"score ~ {FX} + (1 + phase | inspector_id)", data),
            "lmer_uncorr_ml": linear_mixed(f"score ~ {FX} + (1 + phase || inspector_id)", data,
                                           reml=False)}


@pytest.fixture(scope="module")
def ordinal_ri(data):
    return ordinal_mixed(f"grade ~ {FX} + (1 | inspector_id)", data)


@pytest.mark.parametrize("key", ["glmer_corr", "lmer_corr_reml", "lmer_uncorr_ml"])
def test_wald_tests_match_r(fits, key):
    fit = fits[key]
    for ref in M[key]["wald"]:
        res = fit.wald_test(ref["hypothesis"])
        assert res.statistic == pytest.approx(ref["statistic"], rel=1e-3), ref["hypothesis"]
        assert res.df == ref["df"]
        assert res.p_value == pytest.approx(ref["p_value"], rel=1e-3)
        # the same hypothesis as a contrast matrix
        mat = fit.wald_test(np.array(ref["L"]), rhs=ref["rhs"])
        assert mat.statistic == pytest.approx(res.statistic, rel=1e-12)
    # one coefficient: the square of the table's z
    i = list(fit.names).index("female")
    assert fit.wald_test("female = 0").statistic == pytest.approx(fit.z[i] ** 2, rel=1e-10)


def test_wald_test_input_checks(fits):
    fit = fits["glmer_corr"]
    with pytest.raises(ReliabilityError, match="not a coefficient.*did you mean"):
        fit.wald_test("femal = 0")
    with pytest.raises(ReliabilityError, match="one '='"):
        fit.wald_test("female")
    with pytest.raises(ReliabilityError, match="columns"):
        fit.wald_test(np.ones((1, 3)))
    res = fit.wald_test(["female = 0", "2 * female = 0"])
    assert np.isnan(res.statistic) and "linearly dependent" in res.reason
    d = fit.wald_test("female = 0, phase = 0").to_dict()
    assert {"statistic", "df", "p_value"} <= set(d)


@pytest.mark.parametrize("key", ["glmer_corr", "lmer_corr_reml"])
def test_prediction_intervals_match_r(fits, key):
    fit = fits[key]
    ref = M[key]
    out = fit.predict_proba(NEW, ci=True)
    col = "p" if fit.kind == "binomial" else "mean"
    np.testing.assert_allclose(out[col], ref["predict_newdata_re0"], atol=1e-4)
    np.testing.assert_allclose(out["se"], ref["predict_se_re0"], rtol=1e-3)
    assert (out["ci_low"] < out[col]).all() and (out[col] < out["ci_high"]).all()
    if fit.kind == "binomial":       # the interval is on logit(p): it stays in (0, 1)
        q = stats.norm.ppf(0.975)
        lg = special.logit(out[col])
        np.testing.assert_allclose(special.logit(out["ci_high"]) - lg,
                                   q * out["se"] / (out[col] * (1 - out[col])), rtol=1e-10)


def test_ordinal_prediction_se_is_the_delta_method(ordinal_ri):
    """Numerical Jacobian of each category's probability in (thresholds, beta), sandwiched
    with the fit's covariance: 1e-6 relative (central differences, step 1e-6)."""
    fit = ordinal_ri
    out = fit.predict_proba(NEW, ci=True)
    X = NEW[["female", "fsm_pct", "phase"]].to_numpy(float)
    K1, p = len(fit.thresholds), len(fit.coef)
    V = fit.vcov[:K1 + p, :K1 + p]

    def probs(par):
        th = np.concatenate([[-np.inf], par[:K1], [np.inf]])
        eta = X @ par[K1:]
        return np.diff(special.expit(th[None, :] - eta[:, None]), axis=1)

    par = np.concatenate([fit.thresholds, fit.coef])
    J = np.stack([(probs(par + e) - probs(par - e)) / 2e-6 for e in np.eye(K1 + p) * 1e-6],
                 axis=-1)                                          # rows x K x params
    se = np.sqrt(np.einsum("rkp,pq,rkq->rk", J, V, J))
    P = probs(par)
    for k, cat in enumerate(fit.categories):
        np.testing.assert_allclose(out[str(cat)], P[:, k], rtol=1e-12)
        np.testing.assert_allclose(out[f"se[{cat}]"], se[:, k], rtol=1e-6)
        assert (out[f"ci_low[{cat}]"] < out[str(cat)]).all()
        assert (out[f"ci_high[{cat}]"] > out[str(cat)]).all()
    with pytest.raises(ReliabilityError, match="leave group out"):
        fit.predict_proba(NEW, ci=True, group=fit.levels[0])


def test_rank_probabilities_match_a_plain_simulation(ordinal_ri):
    """p_top / p_bottom against a per-draw loop with another seed (20,000 draws each): within
    4.5 Monte Carlo SEs of the difference; exactly k groups are in the top each draw."""
    fit = ordinal_ri
    ours = fit.rank_probabilities(fraction=0.1, n_draws=20_000, seed=1)
    G = fit.n_groups
    k = int(np.ceil(0.1 * G))
    assert ours["p_top"].sum() == pytest.approx(k, abs=1e-9)
    assert ours["p_bottom"].sum() == pytest.approx(k, abs=1e-9)
    re = fit.random_effects()
    rng = np.random.default_rng(2)
    n = 20_000
    top = np.zeros(G)
    bottom = np.zeros(G)
    for _ in range(n):
        u = rng.normal(re["mode"].to_numpy(), re["cond_sd"].to_numpy())
        order = np.argsort(-u)
        top[order[:k]] += 1
        bottom[order[-k:]] += 1
    for col, ref in (("p_top", top / n), ("p_bottom", bottom / n)):
        got = ours[col].to_numpy()
        mc = np.sqrt((got * (1 - got) + ref * (1 - ref)) / n) + 1e-12
        assert np.all(np.abs(got - ref) <= 4.5 * mc + 1e-12), col
    # the most lenient/severe modes are the likeliest in the extreme deciles
    assert ours["p_top"].idxmax() == re["mode"].idxmax()
    assert ours["p_bottom"].idxmax() == re["mode"].idxmin()
    again = fit.rank_probabilities(fraction=0.1, n_draws=20_000, seed=1)
    pd.testing.assert_frame_equal(again, ours)


# -- profile-likelihood intervals of a random-intercept SD ----------------------------------
# tests/data/profile_lme4.json (tests/data/scripts/profile_lme4.R): lme4 confint(profile(fit,
# which = "theta_"), level) of the inspector SD on inspections_synthetic. Tolerance 2e-3
# relative on each limit: lme4 interpolates zeta between its profile grid points with a
# spline, we find the roots (to 1e-6 in log SD).

PROF = json.loads((DATA / "profile_lme4.json").read_text())
RHS = "female + hmi + fsm_pct + phase + log_size_c + years_exp_c + (1 | inspector_id)"


@pytest.fixture(scope="module")
def inspections():
    return pd.read_csv(DATA / "inspections_synthetic.csv")


def _check_profile(fit, ref):
    assert fit.term().sd == pytest.approx(ref["sd"], rel=1e-3)
    for key in ("ci_95", "ci_80"):
        r = ref[key]
        est = fit.profile_ci(confidence=r["level"])
        assert est.ci_level == r["level"]
        assert est.ci[0] == pytest.approx(r["lower"], rel=2e-3), key
        assert est.ci[1] == pytest.approx(r["upper"], rel=2e-3), key
        assert est.ci[0] < est.estimate < est.ci[1]


def test_profile_ci_matches_lme4_linear(inspections):
    fit = linear_mixed("grade ~ " + RHS, inspections, reml=False)
    _check_profile(fit, PROF["models"]["lmer_ml"])
    # lme4 profiles the ML deviance even for a REML fit: its REML-fit interval is the ML
    # fit's. Ours profiles the criterion the fit maximised (checked below by brute force).
    ref = PROF["models"]["lmer_reml"]["ci_95"]
    assert ref["lower"] == pytest.approx(PROF["models"]["lmer_ml"]["ci_95"]["lower"], rel=1e-6)
    reml = linear_mixed("grade ~ " + RHS, inspections).profile_ci()
    assert reml.ci[0] > ref["lower"] and reml.ci[1] > ref["upper"]


def test_reml_profile_is_where_the_reml_criterion_rises_by_z2(data):
    """Dense REML log-likelihood written here (V = sigma^2 I + s^2 ZZ', by the eigenvectors
    of ZZ'), maximised over
    sigma with the SD held at each limit: it falls by z^2 / 2 there (1e-6)."""
    from scipy import optimize

    small = data[data["inspector_id"] <= "I015"].reset_index(drop=True)
    fit = linear_mixed(f"score ~ {FX} + (1 | inspector_id)", small)
    est = fit.profile_ci(confidence=0.95)
    y = small["score"].to_numpy()
    X = np.column_stack([np.ones(len(y)), small[["female", "fsm_pct", "phase"]].to_numpy(float)])
    g = pd.factorize(small["inspector_id"])[0]
    ZZ = (g[:, None] == g[None, :]).astype(float)
    n, p = X.shape
    lam, Q = np.linalg.eigh(ZZ)            # V = Q diag(sigma^2 + sd^2 lam) Q'
    Xq, yq = Q.T @ X, Q.T @ y

    def reml_ll(sd, sigma):
        d = sigma ** 2 + sd ** 2 * lam
        XVX = Xq.T @ (Xq / d[:, None])
        b = np.linalg.solve(XVX, Xq.T @ (yq / d))
        r = yq - Xq @ b
        return -0.5 * (np.log(d).sum() + np.linalg.slogdet(XVX)[1] + r @ (r / d)
                       + (n - p) * np.log(2 * np.pi))

    assert reml_ll(fit.term().sd, fit.residual_sd) == pytest.approx(fit.loglik, abs=1e-6)
    for s in est.ci:
        res = optimize.minimize_scalar(lambda ls: -reml_ll(s, np.exp(ls)),
                                       bounds=(-3, 1), method="bounded",
                                       options={"xatol": 1e-10})
        assert fit.loglik + res.fun == pytest.approx(stats.chi2.ppf(0.95, 1) / 2, abs=1e-6)


@pytest.mark.slow
def test_profile_ci_matches_lme4_glmer(inspections):
    """About 20 s per interval (every profile point refits the 20,000-row model)."""
    fit = binomial_mixed("below_good ~ " + RHS, inspections)
    _check_profile(fit, PROF["models"]["glmer_laplace"])


def test_profile_ci_is_where_the_deviance_rises_by_z2(data):
    """The definition, checked by brute force on a small binomial fit: refit with the SD held
    at each limit by a plain scipy minimisation over every other parameter of the same
    Laplace likelihood; -2 log L rises by z^2 = 3.84 there (1e-4: the refit's tolerance)."""
    from scipy import optimize
    from reliability.models._laplace import MultiLaplaceGLMM
    from reliability.models.formula import build_design

    small = data[data["inspector_id"] <= "I040"]
    fit = binomial_mixed(f"below_good ~ {FX} + (1 | inspector_id)", small)
    est = fit.profile_ci(confidence=0.95)
    design = build_design(f"below_good ~ {FX} + (1 | inspector_id)", small)
    y = design.y.astype(int)
    model = MultiLaplaceGLMM(y, design.X, [design.codes[0]], [len(design.levels[0])], 2,
                             link="logit")
    for s in est.ci:
        res = optimize.minimize(lambda r: -model.loglik(np.concatenate([r, [s]])),
                                np.zeros(1 + design.X.shape[1]), method="Nelder-Mead",
                                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20000})
        rise = 2 * res.fun - (-2 * fit.loglik)
        assert rise == pytest.approx(stats.chi2.ppf(0.95, 1), abs=1e-4)
    with pytest.raises(ReliabilityError, match="single random intercept"):
        binomial_mixed(f"below_good ~ {FX} + (1 + phase | inspector_id)", small).profile_ci()


def test_ordinal_profile_of_two_categories_is_the_binomial_profile(data):
    """The ordinal path (thresholds) of profile_ci on a two-category outcome against the
    binomial path: the same model, so the same interval (1e-5 relative: root tolerance)."""
    small = data[data["inspector_id"] <= "I040"]
    f = f"below_good ~ {FX} + (1 | inspector_id)"
    a = binomial_mixed(f, small).profile_ci(confidence=0.9)
    b = ordinal_mixed(f, small).profile_ci(confidence=0.9)
    np.testing.assert_allclose(b.ci, a.ci, rtol=1e-5)
    with pytest.raises(ReliabilityError, match="nagq=1"):
        ordinal_mixed(f, small, nagq=3).profile_ci()
