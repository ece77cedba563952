"""Inference on fitted mixed models: Wald tests of linear hypotheses, delta-method intervals
of predicted probabilities, and the probability that each group ranks in the top or bottom
fraction.

* Wald test of ``L beta = c``: ``W = (L b - c)' (L V L')^-1 (L b - c)`` on ``rank(L)`` df,
  chi-square reference (the z tests of the coefficient table are its one-row case); V is the
  fit's ``coef_vcov`` (Wald 1943; e.g. Agresti 2013, *Categorical Data Analysis*, 1.3.3).
* Predictions with the random effects at 0 (lme4's ``re.form = NA``): delta method
  (Agresti 2013, 16.1.5) with the exact gradient of each probability in the thresholds and
  coefficients; intervals on the logit of the probability, back-transformed (they stay in
  (0, 1)).
* Rank probabilities: the conditional distribution of each group's effect approximated by
  independent normals N(mode, cond_sd^2) (the Laplace posterior, Goldstein & Spiegelhalter
  1996 for league tables), sampled with a seed in vectorised chunks.

Checked against R (chi-squares and prediction SEs computed from lme4's vcov, predictions
from ``predict(fit, re.form = NA, type = "response")``; tests/data/slopes_lme4.json) and a
plain loop simulation in tests/models/test_fit_inference.py.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from scipy import stats

from reliability._errors import ReliabilityError, suggest
from reliability._results import TestResult

_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")


def _parse_side(text, names, hypothesis):
    """Coefficient row and constant of a linear expression such as ``2 * female - hmi + 1``."""
    row = np.zeros(len(names))
    const = 0.0
    order = sorted(range(len(names)), key=lambda j: -len(names[j]))
    i, n = 0, len(text)
    expect_term = True
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        sign = 1.0
        if text[i] in "+-":
            sign = -1.0 if text[i] == "-" else 1.0
            i += 1
            while i < n and text[i].isspace():
                i += 1
        elif not expect_term:
            raise ReliabilityError(f"cannot read hypothesis {hypothesis!r} at {text[i:]!r}: "
                                   "terms are joined by + or -")
        coef = None
        m = _NUMBER.match(text, i)
        if m:
            coef = float(m.group())
            i = m.end()
            while i < n and text[i].isspace():
                i += 1
            if i < n and text[i] == "*":
                i += 1
                while i < n and text[i].isspace():
                    i += 1
            elif i >= n or text[i] in "+-":
                const += sign * coef
                expect_term = False
                continue
        for j in order:
            if text.startswith(names[j], i):
                row[j] += sign * (1.0 if coef is None else coef)
                i += len(names[j])
                break
        else:
            word = re.match(r"[^\s+\-*]+", text[i:])
            word = word.group() if word else text[i:]
            raise ReliabilityError(f"hypothesis {hypothesis!r} names {word!r}, which is not a "
                                   f"coefficient{suggest(word, names)}; coefficients: {names}")
        expect_term = False
    return row, const


def hypothesis_matrix(hypothesis, names):
    """(L, c) of one hypothesis string (``"a = 0"``, ``"a = b"``, several joined by ``,``) or
    a list of them."""
    parts = hypothesis if isinstance(hypothesis, (list, tuple)) else [hypothesis]
    rows, rhs = [], []
    for h in parts:
        if not isinstance(h, str):
            raise ReliabilityError(f"hypothesis {h!r} must be a string such as 'female = 0'")
        for eq in (e for e in h.split(",") if e.strip()):
            if eq.count("=") != 1:
                raise ReliabilityError(f"hypothesis {eq.strip()!r} needs one '=' (e.g. "
                                       "'female = 0' or 'female = hmi')")
            left, right = eq.split("=")
            rl, cl = _parse_side(left, names, eq.strip())
            rr, cr = _parse_side(right, names, eq.strip())
            row = rl - rr
            if not np.any(row):
                raise ReliabilityError(f"hypothesis {eq.strip()!r} involves no coefficient")
            rows.append(row)
            rhs.append(cr - cl)
    if not rows:
        raise ReliabilityError("empty hypothesis: give e.g. 'female = 0'")
    return np.array(rows), np.array(rhs)


def wald_test(fit, hypothesis, rhs=None) -> TestResult:
    names = list(fit.names)
    if isinstance(hypothesis, str) or (isinstance(hypothesis, (list, tuple))
                                       and all(isinstance(h, str) for h in hypothesis)):
        L, c = hypothesis_matrix(hypothesis, names)
        if rhs is not None:
            raise ReliabilityError("rhs is for a contrast matrix; a hypothesis string holds "
                                   "its own right-hand side")
        label = hypothesis if isinstance(hypothesis, str) else ", ".join(hypothesis)
    else:
        L = np.atleast_2d(np.asarray(hypothesis, dtype=float))
        if L.shape[1] != len(names):
            raise ReliabilityError(f"contrast matrix has {L.shape[1]} columns; the fit has "
                                   f"{len(names)} coefficients {names}")
        c = np.zeros(L.shape[0]) if rhs is None else np.atleast_1d(np.asarray(rhs, float))
        if c.shape != (L.shape[0],):
            raise ReliabilityError(f"rhs must have {L.shape[0]} values (one per row of the "
                                   "contrast matrix)")
        if not np.all(np.isfinite(L)) or not np.all(np.isfinite(c)):
            raise ReliabilityError("the contrast matrix and rhs must be finite")
        label = "L beta = c"
    V = fit.coef_vcov.to_numpy()
    r = L @ fit.coef - c
    LVL = L @ V @ L.T
    rank = int(np.linalg.matrix_rank(L))
    method = "Wald chi-square of L beta = c from the fixed effects' covariance"
    extra = {"hypothesis": label, "estimate": (L @ fit.coef).tolist(), "rhs": c.tolist()}
    if rank < L.shape[0]:
        return TestResult(name="wald", statistic=float("nan"), df=float(rank), method=method,
                          reason=f"the {L.shape[0]} hypotheses are linearly dependent (rank "
                                 f"{rank}): drop the redundant ones", extra=extra)
    if not np.all(np.isfinite(LVL)):
        return TestResult(name="wald", statistic=float("nan"), df=float(rank), method=method,
                          reason="the covariance of the fixed effects is not available (the "
                                 "fit's Hessian is not positive definite)", extra=extra)
    W = float(r @ np.linalg.solve(LVL, r))
    return TestResult(name="wald", statistic=W, df=float(rank),
                      p_value=float(stats.chi2.sf(W, rank)), method=method, extra=extra)


def predict_intervals(fit, X, eta, confidence):
    """SEs and intervals of the predictions with the random effects at 0 (delta method).

    X : (m, p_noint) rows of the fixed design without intercept; eta = X beta.
    Returns a DataFrame of the extra columns.
    """
    from reliability.models._quadrature import get_link

    q = stats.norm.ppf(0.5 + confidence / 2)
    names = list(fit.names)
    m = X.shape[0]
    if fit.kind in ("linear", "binomial"):
        V = fit.coef_vcov.to_numpy()
        Xf = X if "(Intercept)" not in names else np.column_stack([np.ones(m), X])
        se_eta = np.sqrt(np.einsum("ij,jk,ik->i", Xf, V, Xf))
        if fit.kind == "linear":
            mean = Xf @ fit.coef
            return pd.DataFrame({"se": se_eta, "ci_low": mean - q * se_eta,
                                 "ci_high": mean + q * se_eta})
        L = get_link(fit.link)
        e = Xf @ fit.coef
        p = L.cdf(e)
        se = L.pdf(e) * se_eta
        return pd.DataFrame({"se": se, **_logit_ci(p, se, q)})
    # ordinal: p_k = F(theta_k - eta) - F(theta_{k-1} - eta); parameters (theta, beta)
    L = get_link(fit.link)
    K1, p_ = len(fit.thresholds), len(names)
    V = fit.vcov[:K1 + p_, :K1 + p_]
    th = np.concatenate([[-np.inf], fit.thresholds, [np.inf]])
    cols = {}
    for k, cat in enumerate(fit.categories):
        up, lo = th[k + 1] - eta, th[k] - eta
        fu = np.where(np.isfinite(up), L.pdf(np.where(np.isfinite(up), up, 0.0)), 0.0)
        fl = np.where(np.isfinite(lo), L.pdf(np.where(np.isfinite(lo), lo, 0.0)), 0.0)
        G = np.zeros((m, K1 + p_))
        if k < K1:
            G[:, k] += fu
        if k > 0:
            G[:, k - 1] -= fl
        G[:, K1:] = -(fu - fl)[:, None] * X
        prob = np.where(lo > 0, L.sf(lo) - L.sf(up), L.cdf(up) - L.cdf(lo))
        se = np.sqrt(np.einsum("ij,jk,ik->i", G, V, G))
        ci = _logit_ci(prob, se, q)
        cols[f"se[{cat}]"] = se
        cols[f"ci_low[{cat}]"] = ci["ci_low"]
        cols[f"ci_high[{cat}]"] = ci["ci_high"]
    return pd.DataFrame(cols)


def _logit_ci(p, se, q):
    with np.errstate(divide="ignore", invalid="ignore"):
        lg = np.log(p) - np.log1p(-p)
        s = se / (p * (1 - p))
        return {"ci_low": 1 / (1 + np.exp(-(lg - q * s))),
                "ci_high": 1 / (1 + np.exp(-(lg + q * s)))}


def rank_probabilities(modes, cond_sd, levels, *, fraction, n_draws, seed, name):
    """P(each group is in the top / bottom ``fraction`` of all groups) under independent
    N(mode, cond_sd^2) effects; ``top`` = largest effects."""
    G = len(modes)
    k = max(int(np.ceil(fraction * G)), 1)
    rng = np.random.default_rng(seed)
    top = np.zeros(G)
    bottom = np.zeros(G)
    rank_sum = np.zeros(G)
    chunk = max(1, min(n_draws, int(2e6 // max(G, 1))))
    done = 0
    while done < n_draws:
        b = min(chunk, n_draws - done)
        draws = modes[None, :] + cond_sd[None, :] * rng.standard_normal((b, G))
        order = np.argsort(-draws, axis=1)              # position 0 = largest effect
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(G)[None, :], axis=1)
        top += (ranks < k).sum(axis=0)
        bottom += (ranks >= G - k).sum(axis=0)
        rank_sum += ranks.sum(axis=0)
        done += b
    out = pd.DataFrame({"mode": modes, "cond_sd": cond_sd, "p_top": top / n_draws,
                        "p_bottom": bottom / n_draws, "mean_rank": rank_sum / n_draws + 1},
                       index=pd.Index(levels, name=name))
    out["rank"] = pd.Series(-modes, index=out.index).rank(method="min").astype(int)
    out.attrs.update(fraction=fraction, n_in_fraction=k, n_draws=n_draws, seed=seed)
    return out


# -- profile-likelihood intervals of a random-intercept SD -----------------------------------

def _refit_arrays(fit):
    """(y, X, codes, G, K) rebuilt from the inputs the fit kept (``fit._inputs``)."""
    from reliability.models._api import _ordered_response
    from reliability.models.formula import build_design

    kind, formula, data, opts = fit._inputs
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the fit already warned about dropped rows
        design = build_design(formula, data, response_kind="ordinal")
    cats = opts.get("categories")
    col = design.frame[design.response]
    if kind == "linear":
        if cats is not None or not pd.api.types.is_numeric_dtype(col):
            y = _ordered_response(design, cats)[0].astype(float) + 1.0
        else:
            y = np.asarray(design.y, dtype=float)
        X = design.X
        if design.has_intercept:
            X = np.column_stack([np.ones(len(y)), X])
        return y, X, design.codes[0], len(design.levels[0]), None
    if kind == "ordinal" or cats is not None or not pd.api.types.is_numeric_dtype(col) \
            or isinstance(col.dtype, pd.CategoricalDtype):
        y, cats = _ordered_response(design, cats)
    else:
        y = pd.Series(design.y).astype(int).to_numpy()
    K = 2 if kind == "binomial" else len(fit.categories)
    return np.asarray(y, dtype=np.intp), design.X, design.codes[0], len(design.levels[0]), K


def _linear_profile(fit, y, X, codes, G):
    from reliability.models._slopes import CovStructure, LinearSlopes
    from scipy import optimize

    eng = LinearSlopes(y, X, np.ones((len(y), 1)), codes, G, CovStructure(1, [[0]]),
                       reml=fit.reml)
    ls0 = [np.log(fit.residual_sd)]

    def dev(s):
        res = optimize.minimize_scalar(
            lambda ls: eng.deviance_full(np.array([s / np.exp(ls)]), ls),
            bracket=(ls0[0] - 0.05, ls0[0] + 0.05), options={"xtol": 1e-12})
        ls0[0] = res.x
        return float(res.fun)
    return dev


def _glmm_profile(fit, y, X, codes, G, K):
    """dev(s) of a one-term GLMM: the other parameters re-estimated at SD = s by Newton
    steps on the exact gradient (MultiLaplaceGLMM) with the fit's observed information as
    the (fixed) Hessian, started on the fit's linear regression of them on log SD; BFGS
    for s = 0 or when those steps stall."""
    from reliability.models._laplace import MultiLaplaceGLMM
    from scipy import optimize

    model = MultiLaplaceGLMM(y, X, [codes], [G], K, link=fit.link)
    K1, p = K - 1, X.shape[1]
    nat_hat = np.concatenate([fit.thresholds if fit.kind == "ordinal" else [-fit.coef[0]],
                              fit.coef if fit.kind == "ordinal" else fit.coef[1:]])
    k = len(nat_hat)
    free = np.array([True])
    V = fit.vcov[:k + 1, :k + 1]
    H = np.linalg.inv(V)[:k, :k] if np.all(np.isfinite(V)) else None
    slope = V[:k, k] / V[k, k] if H is not None else np.zeros(k)
    ls_hat = math.log(fit.random[0].sd) if fit.random[0].sd > 0 else 0.0

    def to_opt(nat, s):
        return np.concatenate([nat[:1], np.log(np.diff(nat[:K1])), nat[K1:] * model.scale, [s]])

    def by_bfgs(nat0, s):
        def fun(rest):
            v, g = model.grad_opt(np.concatenate([rest, [s]]))
            return v, g[:-1]
        res = optimize.minimize(fun, to_opt(nat0, s)[:-1], jac=True, method="BFGS",
                                options={"gtol": 1e-7, "maxiter": 1000})
        return 2.0 * float(res.fun)

    def dev(s):
        nat0 = nat_hat if s <= 0 else nat_hat + slope * (math.log(s) - ls_hat)
        if s <= 0 or H is None:
            return by_bfgs(nat0, s)
        nat = nat0.copy()
        for _ in range(60):
            g = model.natural_grad(np.concatenate([nat, [math.log(s)]]), free)[:k]
            step = np.linalg.solve(H, g)
            if not np.all(np.isfinite(step)):
                return by_bfgs(nat0, s)
            nat = nat + step
            if np.max(np.abs(step)) < 1e-8:
                return -2.0 * model.loglik(to_opt(nat, s))
        return by_bfgs(nat, s)
    return dev


def profile_ci(fit, group, confidence):
    """Profile-likelihood interval of the SD of a single random intercept (lme4's
    ``confint(method = "profile")``): the SDs s with ``zeta(s)^2 = dev(s) - dev(s^) <=
    z^2``, dev(s) the -2 log-likelihood (REML criterion for REML fits) maximised over the
    other parameters at SD = s (Bates et al. 2015, section 5.1), found by root finding;
    a lower limit of 0 when even s = 0 is inside the interval."""
    from scipy import optimize
    from reliability._results import Estimate

    if not fit._inputs:
        raise ReliabilityError("profile_ci needs a fit returned by ordinal_mixed, "
                               "binomial_mixed or linear_mixed")
    t = fit.term(group)
    if t.group.startswith("mm("):
        raise ReliabilityError(f"profile_ci is not available for the multiple-membership term "
                               f"{t.group}: use the Wald interval (sd_ci)")
    if len(fit.random) != 1 or t.covariance is not None:
        raise ReliabilityError("profile_ci profiles the SD of a single random intercept; this "
                               f"fit has {' + '.join(t.terms) if t.terms else len(fit.random)}"
                               " random terms")
    if fit.kind != "linear" and fit.method != "laplace":
        raise ReliabilityError(f"profile_ci profiles the Laplace likelihood; this fit used "
                               f"{fit.method} (refit with nagq=1)")
    y, X, codes, G, K = _refit_arrays(fit)
    dev = _linear_profile(fit, y, X, codes, G) if fit.kind == "linear" else \
        _glmm_profile(fit, y, X, codes, G, K)
    s_hat = t.sd
    d_hat = min(-2.0 * fit.loglik, dev(s_hat)) if s_hat > 0 else -2.0 * fit.loglik
    z = stats.norm.ppf(0.5 + confidence / 2)
    method = ("profile likelihood: zeta(s)^2 = dev(s) - dev(s_hat) = z^2, other parameters "
              "re-estimated at each SD (lme4 confint(method = 'profile'))")

    def excess(log_s):
        # |zeta(s)| - z: nearly linear in log s, so Brent's method needs few refits
        return math.sqrt(max(dev(math.exp(log_s)) - d_hat, 0.0)) - z

    ls_hat = math.log(s_hat) if s_hat > 0 else math.log(1e-3)
    # brackets from the Wald half-width on log SD (zeta is nearly linear in log s)
    w = z * t.log_sd_se if np.isfinite(t.log_sd_se) and t.log_sd_se > 0 else 0.5
    w = min(max(w, 1e-3), 2.0)
    inner, outer = ls_hat + 0.5 * w, ls_hat + 1.5 * w
    while excess(outer) < 0:
        inner, outer = outer, outer + 2 * w
        if outer - ls_hat > 40:
            return Estimate(name=f"sd[{t.group}]", estimate=s_hat, ci_level=confidence,
                            method=method, reason="the profile does not reach the upper "
                            "limit: the SD is not bounded by the data")
    if excess(inner) > 0:
        inner = ls_hat
    upper = math.exp(optimize.brentq(excess, inner, outer, xtol=1e-6))
    if s_hat <= 0 or dev(0.0) - d_hat <= z * z:   # s = 0 inside the interval
        lower = 0.0
    else:
        inner, outer = ls_hat - 0.5 * w, ls_hat - 1.5 * w
        while excess(outer) < 0:
            inner, outer = outer, outer - 2 * w
        if excess(inner) > 0:
            inner = ls_hat
        lower = math.exp(optimize.brentq(excess, outer, inner, xtol=1e-6))
    return Estimate(name=f"sd[{t.group}]", estimate=s_hat, ci=(lower, upper),
                    ci_level=confidence, method=method)
