"""Public entry points: ordinal_mixed, binomial_mixed, linear_mixed."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from reliability._errors import ConvergenceWarning, DataWarning, ReliabilityError
from reliability.models._ordinal import CumulativeLinkGLMM
from reliability.models.formula import build_design
from reliability.models.results import MixedResult

_GRAD_TOL = 1e-3   # max |gradient| of -loglik (optimiser scale) to call a fit converged


def _check_common(confidence, nagq):
    if not (0 < confidence < 1):
        raise ReliabilityError(f"confidence must be in (0, 1), got {confidence!r}")
    if int(nagq) != nagq or nagq < 1 or nagq > 50:
        raise ReliabilityError(f"nagq must be an integer from 1 to 50, got {nagq!r}")


def _method(nagq):
    return "laplace" if nagq == 1 else f"agq-{int(nagq)}"


def _fit_clm(y, design, K, link, nagq, formula, confidence, kind, categories):
    G = len(design.levels)
    null = CumulativeLinkGLMM(y, design.X, None, 0, K, link=link)
    par0, _ = null.fit()
    ll_null = null.loglik(par0)
    model = CumulativeLinkGLMM(y, design.X, design.codes, G, K, link=link, nagq=nagq)
    start = np.concatenate([par0, [math.log(0.3)]])
    par, grad = model.fit(start)
    ll, modes, cond_sd = model.loglik(par, modes=True)
    nat = model.natural(par)
    H = model.hessian_natural(nat)
    eig = np.linalg.eigvalsh(H)
    pd_ok = bool(eig.min() > 0)
    vcov = np.linalg.inv(H) if pd_ok else np.full_like(H, np.nan)
    se_all = np.sqrt(np.diag(vcov))
    maxg = float(np.max(np.abs(grad)))
    converged = bool(maxg < _GRAD_TOL and pd_ok and model.inner_converged)
    notes = []
    lsig = nat[-1]
    if lsig < math.log(1e-4):
        notes.append("random-effect SD is at the boundary (~0): the group variance is not "
                     "identified from these data")
    if not converged:
        warnings.warn(f"{kind} mixed model did not converge: max|grad| = {maxg:.3g}, Hessian "
                      f"positive definite = {pd_ok}; estimates are not reliable",
                      ConvergenceWarning, stacklevel=3)
        notes.append("NOT CONVERGED")
    p = design.X.shape[1]
    theta, th_se = nat[:K - 1], se_all[:K - 1]
    beta, b_se = nat[K - 1:K - 1 + p], se_all[K - 1:K - 1 + p]
    names = list(design.names)
    th_names = [f"{categories[j]}|{categories[j + 1]}" for j in range(K - 1)]
    if kind == "binomial":
        names = ["(Intercept)"] + names
        beta = np.concatenate([[-theta[0]], beta])
        b_se = np.concatenate([[th_se[0]], b_se])
        theta, th_se, th_names = np.array([]), np.array([]), []
    return MixedResult(
        kind=kind, formula=formula, link=link, method=_method(nagq), names=tuple(names),
        coef=beta, se=b_se, threshold_names=tuple(th_names), thresholds=theta,
        threshold_se=th_se, group=design.group, re_sd=float(math.exp(lsig)),
        log_re_sd_se=float(se_all[-1]), loglik=float(ll), loglik_null=float(ll_null),
        nobs=len(y), n_groups=G, n_dropped=design.n_dropped, converged=converged,
        max_gradient=maxg, hessian_pd=pd_ok, levels=design.levels, modes=modes,
        cond_sd=cond_sd, group_sizes=np.bincount(design.codes, minlength=G), vcov=vcov,
        confidence=confidence, categories=tuple(categories), n_params=len(par),
        notes=tuple(notes), _spec=design.spec)


def ordinal_mixed(formula, data, *, link="logit", nagq=1, confidence=0.95):
    """Cumulative-link (proportional odds) model with a random intercept, by maximum likelihood.

    ``P(Y <= j | u) = F(theta_j - x'beta - u)``, ``u ~ N(0, sd^2)`` per group (ordinal::clmm's
    parametrisation: positive beta shifts towards higher categories). Laplace approximation
    (``nagq=1``) or adaptive Gauss-Hermite quadrature with ``nagq`` nodes.

    Parameters
    ----------
    formula : str
        lme4-style, e.g. ``"grade ~ female + hmi + fsm_pct + phase + (1|inspector_id)"``.
        The response's categories are ordered by value (or by an ordered Categorical's order);
        empty categories are dropped with a DataWarning.
    data : DataFrame or CSV path
    link : {"logit", "probit"}
    nagq : int
        1 = Laplace; >1 = adaptive Gauss-Hermite quadrature nodes.
    confidence : float

    Returns
    -------
    MixedResult

    Notes
    -----
    Checked against R ordinal::clmm (Laplace and nAGQ = 5) on
    ``tests/data/inspections_synthetic`` (Christensen 2019, ordinal package; Liu & Pierce 1994).
    """
    _check_common(confidence, nagq)
    design = build_design(formula, data)
    yv = design.y
    if isinstance(design.frame[design.response].dtype, pd.CategoricalDtype) and \
            design.frame[design.response].cat.ordered:
        cats_all = list(design.frame[design.response].cat.categories)
        cats = [c for c in cats_all if (yv == c).any()]
        if len(cats) < len(cats_all):
            warnings.warn(f"empty categories of {design.response!r} dropped: "
                          f"{[c for c in cats_all if c not in cats]}", DataWarning, stacklevel=2)
        y = pd.Categorical(yv, categories=cats).codes
    else:
        cats = sorted(pd.unique(yv).tolist())
        y = np.searchsorted(np.asarray(cats), yv)
    if len(cats) < 2:
        raise ReliabilityError(f"response {design.response!r} has a single category {cats!r}")
    return _fit_clm(y, design, len(cats), link, nagq, formula, confidence, "ordinal", cats)


def binomial_mixed(formula, data, *, link="logit", nagq=1, confidence=0.95):
    """Binomial GLMM (logit/probit) with a random intercept, Laplace or adaptive quadrature.

    ``g(P(y = 1 | u)) = b0 + x'beta + u``. The response must be 0/1 (or boolean).
    Checked against R lme4::glmer (Laplace and nAGQ = 10) on tests/data/inspections_synthetic.
    Same interface and outputs as :func:`ordinal_mixed`.
    """
    _check_common(confidence, nagq)
    design = build_design(formula, data)
    if not design.has_intercept:
        raise ReliabilityError(f"binomial_mixed needs an intercept in {formula!r}")
    yv = pd.Series(design.y)
    if yv.dtype == bool:
        yv = yv.astype(int)
    bad = ~yv.isin([0, 1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReliabilityError(f"response {design.response!r} must be 0/1; row {i} has "
                               f"{yv.iloc[i]!r}")
    y = yv.to_numpy().astype(int)
    if y.min() == y.max():
        raise ReliabilityError(f"response {design.response!r} is constant ({y[0]})")
    return _fit_clm(y, design, 2, link, nagq, formula, confidence, "binomial", [0, 1])


def linear_mixed(formula, data, *, reml=True, confidence=0.95):
    """Linear mixed model with a random intercept, REML (default) or ML.

    Profiled criterion over the variance ratio with per-group closed forms; SEs of beta from
    ``sigma^2 (X'V^-1 X)^-1`` as lme4's ``vcov``; z tests (normal reference).
    Checked against R lme4::lmer (REML and ML) on tests/data/inspections_synthetic.
    """
    from reliability.models._linear import LinearRI, lm_loglik

    _check_common(confidence, 1)
    design = build_design(formula, data)
    y = np.asarray(design.y, dtype=float)
    X = design.X
    names = list(design.names)
    if design.has_intercept:
        X = np.column_stack([np.ones(len(y)), X])
        names = ["(Intercept)"] + names
    G = len(design.levels)
    fit = LinearRI(y, X, design.codes, G, reml=reml).fit()
    se = np.sqrt(np.diag(fit["vcov"]))
    # SE of log(SD_u) from the curvature of the profiled criterion in log gamma
    # (log SD_u = (log gamma + log sigma^2)/2; sigma^2 profiled, so this ignores its SE).
    lsd_se = 0.5 * math.sqrt(2.0 / fit["curv"]) if fit["curv"] > 0 else float("nan")
    converged = bool(abs(fit["grad"]) < 1e-3 and fit["curv"] > 0)
    notes = ["log_sd_se from the profiled criterion (variance ratio), approximate"]
    if fit["boundary"]:
        notes.append("random-effect SD at the boundary (0)")
    if not converged and not fit["boundary"]:
        warnings.warn("linear mixed model did not converge", ConvergenceWarning, stacklevel=2)
    ll_null = lm_loglik(y, X, reml=reml)
    return MixedResult(
        kind="linear", formula=formula, link="identity", method="reml" if reml else "ml",
        names=tuple(names), coef=fit["beta"], se=se, threshold_names=(),
        thresholds=np.array([]), threshold_se=np.array([]), group=design.group,
        re_sd=fit["re_sd"], log_re_sd_se=lsd_se, loglik=fit["loglik"], loglik_null=ll_null,
        nobs=len(y), n_groups=G, n_dropped=design.n_dropped, converged=converged,
        max_gradient=abs(fit["grad"]), hessian_pd=fit["curv"] > 0, levels=design.levels,
        modes=fit["modes"], cond_sd=fit["condsd"],
        group_sizes=np.bincount(design.codes, minlength=G), vcov=fit["vcov"],
        confidence=confidence, residual_sd=fit["sigma"], reml=reml,
        n_params=X.shape[1] + 2, notes=tuple(notes), _spec=design.spec)
