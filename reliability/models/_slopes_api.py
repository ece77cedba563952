"""Fits with random slopes for one grouping factor: engines of :mod:`._slopes` -> MixedResult.

Called by :func:`reliability.models.ordinal_mixed`, :func:`binomial_mixed` and
:func:`linear_mixed` when a random term has slopes (``(1 + phase | inspector_id)``,
``(1 | inspector_id) + (0 + phase | inspector_id)``, ``(1 + phase || inspector_id)``).
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ConvergenceWarning, ReliabilityError
from reliability.models._quadrature import column_scale
from reliability.models._slopes import CovStructure, LaplaceSlopes, LinearSlopes
from reliability.models.formula import build_design, warn_at_caller as _warn
from reliability.models.results import MixedResult, RandomTerm

_GRAD_TOL = 1e-3


def _structure(sl):
    return CovStructure(len(sl.effects), sl.blocks)


def _reduced(sl):
    """(has an intercept, label of the reduced model of the LR test)."""
    if "(Intercept)" in sl.effects:
        return True, f"the model with (1|{sl.group}) only"
    return False, "no random effect"


def _term(design, cov, modes, ccov, nat_se, st, ll_reduced, label, lr_df):
    sl = design.slopes
    q = len(sl.effects)
    log_sds_se = np.asarray(nat_se[:q], float)
    cor_se = np.full((q, q), np.nan)
    for k, (i, j) in enumerate(st.pairs):
        cor_se[i, j] = cor_se[j, i] = nat_se[q + k]
    sds = np.sqrt(np.diag(cov))
    return RandomTerm(
        group=sl.group, sd=float(sds[0]), log_sd_se=float(log_sds_se[0]),
        levels=design.levels[0], modes=np.asarray(modes[:, 0]),
        cond_sd=np.sqrt(ccov[:, 0, 0]),
        sizes=np.bincount(design.codes[0], minlength=len(design.levels[0])),
        loglik_reduced=float(ll_reduced), reduced_model=label, effects=tuple(sl.effects),
        covariance=cov, effect_modes=modes, effect_cond_cov=ccov, log_sds_se=log_sds_se,
        correlation_se=cor_se, correlated=st.correlated, lr_df=int(lr_df),
        terms=tuple(sl.terms))


def _singular_note(group):
    return (f"the covariance of the random effects of {group!r} is singular (an SD at 0 or a "
            "correlation at +-1: lme4's 'singular fit'); the SEs of its SDs and correlations "
            "are NaN, and the fixed-effect SEs hold it fixed")


def fit_glmm_slopes(y, design, K, link, nagq, formula, confidence, kind, categories):
    """Ordinal / binomial fit with random slopes (Laplace)."""
    from reliability.models._api import _level_separation, _single_row_groups
    from reliability.models._ordinal import CumulativeLinkGLMM

    sl = design.slopes
    if nagq > 1:
        raise ReliabilityError(
            f"adaptive quadrature (nagq={nagq}) is not defined for vector-valued random "
            f"effects: {formula!r} has random slopes ({', '.join(sl.effects)} of "
            f"{sl.group!r}); use nagq=1 (Laplace), as glmer does")
    X = design.X
    n, p, K1 = len(y), X.shape[1], K - 1
    codes, G = design.codes[0], len(design.levels[0])
    notes = []
    _single_row_groups(design, kind, notes)
    _level_separation(design, y, K, notes)
    null = CumulativeLinkGLMM(y, X, None, 0, K, link=link)
    par0, _ = null.fit()
    st = _structure(sl)
    has_int, label = _reduced(sl)
    lam0 = st.start(0.3)
    if has_int:
        red = LaplaceSlopes(y, X, np.ones((n, 1)), codes, G, K, CovStructure(1, [[0]]),
                            link=link)
        rpar, _ = red.fit(np.concatenate([par0, [0.3]]))
        ll_red = -red._nll(rpar)
        i0 = sl.effects.index("(Intercept)")
        zs = column_scale(sl.Z)[i0]
        lam0[(st.rows == i0) & (st.cols == i0)] = max(abs(rpar[-1]), 0.05) * zs
        par0 = rpar[:K1 + p]
    else:
        ll_red = null.loglik(par0)
    model = LaplaceSlopes(y, X, sl.Z, codes, G, K, st, link=link)
    par, grad = model.fit(np.concatenate([par0, lam0]))
    ll, modes, ccov = model.loglik(par, modes=True)
    inner_ok = model.inner_converged
    lam = par[K1 + p:]
    singular = st.singular(lam)
    H = model.information(par, singular)
    if singular:
        notes.append(_singular_note(sl.group))
    fin = finish_glmm(H, model.natural(par), grad, inner_ok, X, design, link, kind, K1, p,
                      categories, notes, "mixed model with random slopes")
    nat_se = np.full(st.n_theta, np.nan) if singular else fin["se_all"][K1 + p:]
    cov = model.cov(lam)
    term = _term(design, cov, modes, ccov, nat_se, st, ll_red, label,
                 st.n_theta - (1 if has_int else 0))
    return MixedResult(
        kind=kind, formula=formula, link=link, method="laplace", names=fin["names"],
        coef=fin["beta"], se=fin["b_se"], threshold_names=fin["th_names"],
        thresholds=fin["theta"], threshold_se=fin["th_se"], random=(term,), loglik=float(ll),
        nobs=n, n_dropped=design.n_dropped, converged=fin["converged"],
        max_gradient=fin["maxg"], hessian_pd=fin["pd_ok"], vcov=fin["vcov"],
        confidence=confidence, categories=tuple(categories),
        n_params=K1 + p + st.n_theta, notes=tuple(notes), _spec=design.spec,
        _re_specs=sl.specs)



def finish_glmm(H, nat, grad, inner_ok, X, design, link, kind, K1, p, categories, notes, what):
    """Covariance, convergence and separation checks, and the reported parametrisation of a
    Laplace GLMM fit (binomial: the intercept is minus the threshold), shared by the
    random-slope and multiple-membership engines. ``notes`` is appended to."""
    try:
        pd_ok = bool(np.all(np.isfinite(H)) and np.linalg.eigvalsh(H).min() > 0)
    except np.linalg.LinAlgError:
        pd_ok = False
    vcov = np.linalg.inv(H) if pd_ok else np.full_like(H, np.nan)
    se_all = np.sqrt(np.diag(vcov))
    maxg = float(np.max(np.abs(grad)))
    converged = bool(maxg < _GRAD_TOL and pd_ok and inner_ok)
    # (quasi-)complete separation: a shift of > 10 logits (6 probits) per RMS unit of a
    # predictor is a plateau of the likelihood, not an estimate (as in _api._fit_clm)
    shift = np.abs(nat[K1:K1 + p] * column_scale(X))
    separated = [design.names[j] for j in np.flatnonzero(shift > (10.0 if link == "logit"
                                                                    else 6.0))]
    if separated:
        converged = False
        notes.append("possible complete or quasi-complete separation in "
                     + ", ".join(map(repr, separated)) + ": the likelihood has no finite "
                     "maximum in that direction, so its estimate and SE are meaningless")
        _warn(notes[-1], ConvergenceWarning)
    if not converged:
        _warn(f"{kind} {what} did not converge: max|grad| = {maxg:.3g}, Hessian positive "
              f"definite = {pd_ok}; estimates are not reliable", ConvergenceWarning)
        notes.append("NOT CONVERGED")
    theta, th_se = nat[:K1], se_all[:K1]
    beta, b_se = nat[K1:K1 + p], se_all[K1:K1 + p]
    names = list(design.names)
    th_names = [f"{categories[j]}|{categories[j + 1]}" for j in range(K1)]
    if kind == "binomial":
        names = ["(Intercept)"] + names
        beta = np.concatenate([[-theta[0]], beta])
        b_se = np.concatenate([[th_se[0]], b_se])
        theta, th_se, th_names = np.array([]), np.array([]), []
    return dict(vcov=vcov, se_all=se_all, pd_ok=pd_ok, maxg=maxg, converged=converged,
                names=tuple(names), beta=beta, b_se=b_se, theta=theta, th_se=th_se,
                th_names=tuple(th_names))

def linear_slopes(formula, data, *, reml, confidence, categories):
    """Linear mixed model with random slopes for one grouping factor (REML or ML)."""
    from reliability.models._api import _single_row_groups, linear_response
    from reliability._reml import fit_gaussian

    design = build_design(formula, data, response_kind="ordinal")
    sl = design.slopes
    y, X, names = linear_response(design, categories)
    notes = []
    _single_row_groups(design, "linear", notes)
    codes, G = design.codes[0], len(design.levels[0])
    st = _structure(sl)
    fit = LinearSlopes(y, X, sl.Z, codes, G, st, reml=reml).fit()
    has_int, label = _reduced(sl)
    if has_int:
        ll_red = LinearSlopes(y, X, np.ones((len(y), 1)), codes, G, CovStructure(1, [[0]]),
                              reml=reml).fit()["loglik"]
    else:
        # no random effect: the Gaussian engine with no factors (the linear model's (RE)ML)
        ll_red = fit_gaussian(y, X, [], reml=reml, conditional=False, curvature=False).loglik
    if fit["singular"]:
        notes.append(_singular_note(sl.group))
    converged = bool(fit["grad"] < 1e-3 and (fit["nat_ok"] or fit["singular"]))
    if not converged:
        notes.append("NOT CONVERGED")
        _warn("linear mixed model with random slopes did not converge", ConvergenceWarning)
    term = _term(design, fit["cov"], fit["modes"], fit["cond_cov"], fit["nat_se"], st, ll_red,
                 label, st.n_theta - (1 if has_int else 0))
    return MixedResult(
        kind="linear", formula=formula, link="identity", method="reml" if reml else "ml",
        names=tuple(names), coef=fit["beta"], se=np.sqrt(np.diag(fit["vcov"])),
        threshold_names=(), thresholds=np.array([]), threshold_se=np.array([]),
        random=(term,), loglik=float(fit["loglik"]), nobs=len(y), n_dropped=design.n_dropped,
        converged=converged, max_gradient=fit["grad"], hessian_pd=bool(fit["nat_ok"]),
        vcov=fit["vcov"], confidence=confidence, residual_sd=fit["sigma"], reml=reml,
        n_params=X.shape[1] + st.n_theta + 1, notes=tuple(notes), _spec=design.spec,
        _re_specs=sl.specs)

