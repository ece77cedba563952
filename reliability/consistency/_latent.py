"""Implied misclassification from a reliability coefficient or a fitted ordinal mixed model.

Latent-normal model (in the spirit of Livingston & Lewis 1995 and Lee 2010 for ordered
categories): a school's observed standing ``X = T + E`` is standard normal, the
reliability is ``rho = var(T)/var(X)``, and grades are cut at the points that reproduce the
observed grade proportions, ``c_k = Phi^-1(p_1 + ... + p_k)``. Then

* consistency: two parallel inspections ``X, X'`` are bivariate normal with correlation
  ``rho``; ``P(same grade) = sum_k P(X in k, X' in k)``;
* accuracy: ``X`` and the true standing ``T`` have correlation ``sqrt(rho)``; the true grade
  uses the *same* cut points on the score scale (Livingston-Lewis convention), so
  ``T/sqrt(rho)`` is cut at ``c_k / sqrt(rho)``.

Bivariate normal rectangle probabilities use Owen's T function (Owen 1956), exact to
floating point. Checked against Monte Carlo (tests/consistency/test_latent.py).

Mixed model: under ``logit P(Y <= k | school, inspector) = theta_k - eta_s - u_i`` with
inspector effects ``u ~ N(0, sigma_u^2)`` independent of everything else, two different
inspectors judge a school independently given ``eta_s``, so
``P(same) = E_eta[ sum_k p_k(eta)^2 ]`` with ``p_k(eta) = E_u P(Y = k | eta + u)``
(Gauss-Hermite quadrature over u; over eta either the given values or a normal
distribution by Gauss-Hermite).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.models.formula import formula_context


def bvn_cdf(h, k, rho) -> np.ndarray:
    """P(X <= h, Y <= k) for a standard bivariate normal with correlation ``rho``.

    Vectorised; ``h``/``k`` may be +/-inf. Owen (1956) representation with Owen's T.
    """
    h, k = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    rho = float(rho)
    out = np.empty(h.shape)
    phi = special.ndtr
    inf_h, inf_k = np.isinf(h), np.isinf(k)
    # Infinite limits.
    out[(h == -np.inf) | (k == -np.inf)] = 0.0
    m = (h == np.inf) & ~(k == -np.inf)
    out[m] = phi(k[m])
    m = (k == np.inf) & ~(h == -np.inf) & ~(h == np.inf)
    out[m] = phi(h[m])
    fin = ~inf_h & ~inf_k
    if abs(rho) >= 1:
        hh, kk = h[fin], k[fin]
        out[fin] = phi(np.minimum(hh, kk)) if rho > 0 else np.maximum(phi(hh) - phi(-kk), 0)
        return out
    hh, kk = h[fin], k[fin]
    s = np.sqrt(1 - rho * rho)
    res = np.empty(hh.shape)
    both0 = (hh == 0) & (kk == 0)
    res[both0] = 0.25 + np.arcsin(rho) / (2 * np.pi)
    rest = ~both0
    h1, k1 = hh[rest], kk[rest]
    with np.errstate(divide="ignore", invalid="ignore"):
        ah = np.where(h1 != 0, (k1 - rho * h1) / (h1 * s), 0.0)
        ak = np.where(k1 != 0, (h1 - rho * k1) / (k1 * s), 0.0)
    th = np.where(h1 != 0, special.owens_t(h1, ah), np.sign(k1 - rho * h1) * 0.25)
    tk = np.where(k1 != 0, special.owens_t(k1, ak), np.sign(h1 - rho * k1) * 0.25)
    beta = np.where((h1 * k1 > 0) | ((h1 * k1 == 0) & (h1 + k1 >= 0)), 0.0, 0.5)
    res[rest] = 0.5 * phi(h1) + 0.5 * phi(k1) - th - tk - beta
    out[fin] = res
    return np.clip(out, 0.0, 1.0)


def _joint(cuts_x, cuts_y, rho) -> np.ndarray:
    """Matrix of P(X in band i, Y in band j) for cut points (with +/-inf ends)."""
    bx = np.concatenate([[-np.inf], cuts_x, [np.inf]])
    by = np.concatenate([[-np.inf], cuts_y, [np.inf]])
    f = bvn_cdf(bx[:, None], by[None, :], rho)
    return np.clip(f[1:, 1:] - f[:-1, 1:] - f[1:, :-1] + f[:-1, :-1], 0.0, 1.0)


def latent_consistency(proportions, reliability: float, *, categories=None) -> EstimateTable:
    """Classification consistency and accuracy implied by a reliability coefficient.

    Parameters
    ----------
    proportions : sequence of float
        Observed grade proportions in order (normalised to sum 1; counts work too).
    reliability : float
        Reliability ``rho`` of the latent standing in (0, 1].
    categories : sequence, optional
        Grade labels.

    Returns
    -------
    EstimateTable
        ``consistency`` (P two parallel inspections agree), ``p_change`` (expected share of
        schools whose grade changes on re-inspection), ``accuracy`` (P observed = true
        grade), and per grade ``consistency[g]`` = P(same grade on re-inspection | graded
        g) and ``accuracy[g]`` = P(true grade g | graded g). ``info`` holds cut points and
        both joint tables. No sampling error: these are model-implied values.
    """
    p = np.asarray(proportions, dtype=float)
    if p.ndim != 1 or len(p) < 2 or (p < 0).any() or p.sum() <= 0:
        raise ReliabilityError("proportions must be at least two non-negative numbers")
    p = p / p.sum()
    if (p == 0).any():
        raise ReliabilityError("every grade needs a positive proportion (an empty grade "
                               "has no cut points)")
    rho = float(reliability)
    if not 0 < rho <= 1:
        raise ReliabilityError(f"reliability must be in (0, 1]; got {reliability!r}")
    cats = list(categories) if categories is not None else list(range(1, len(p) + 1))
    cuts = stats.norm.ppf(np.cumsum(p)[:-1])
    same = _joint(cuts, cuts, rho)
    acc = _joint(cuts, cuts / np.sqrt(rho), np.sqrt(rho))
    assumption = ("latent normal X = T + E, reliability rho = var(T)/var(X), cut points "
                  "Phi^-1 of the cumulative observed proportions; accuracy uses the same cut "
                  "points on the true-score scale (Livingston & Lewis 1995)")
    ests = {
        "consistency": Estimate("consistency", float(np.trace(same)), method=assumption),
        "p_change": Estimate("p_change", float(1 - np.trace(same)), method=assumption),
        "accuracy": Estimate("accuracy", float(np.trace(acc)), method=assumption),
    }
    for j, c in enumerate(cats):
        ests[f"consistency[{c}]"] = Estimate(f"consistency[{c}]", float(same[j, j] / p[j]),
                                             method=assumption)
        ests[f"accuracy[{c}]"] = Estimate(f"accuracy[{c}]", float(acc[j, j] / p[j]),
                                          method=assumption)
    info = {"reliability": rho, "categories": [str(c) for c in cats], "proportions": p.tolist(),
            "cut_points": cuts.tolist(), "joint_parallel": same.tolist(),
            "joint_observed_true": acc.tolist(),
            "true_proportions": acc.sum(axis=0).tolist()}
    return EstimateTable(ests, info, (assumption,))


def _cell_probs(thresholds, eta, link):
    cdf = special.expit if link == "logit" else special.ndtr
    th = np.concatenate([[-np.inf], np.asarray(thresholds, dtype=float), [np.inf]])
    c = cdf(th[None, :] - np.asarray(eta, dtype=float)[:, None])
    return np.diff(c, axis=1)


def _fixed_predictor(fit, data: pd.DataFrame) -> np.ndarray:
    """x'beta of each row of ``data`` under a fitted ordinal model (no inspector effect)."""
    mm = pd.DataFrame(fit._spec.get_model_matrix(data, context=formula_context()))
    cols = [c for c in mm.columns if str(c) != "Intercept"]
    beta = fit.coef[[i for i, n in enumerate(fit.names) if n != "(Intercept)"]]
    return np.asarray(mm[cols], dtype=float) @ beta


def mixed_model_consistency(thresholds, *, inspector_sd: float | None = None, eta=None, eta_mean: float = 0.0,
                            eta_sd: float = 0.0, link: str = "logit", n_nodes: int = 40,
                            categories=None) -> EstimateTable:
    """P(two different inspectors give the same grade to the same school) under an ordinal
    mixed model ``link P(Y <= k) = theta_k - eta_school - u_inspector``.

    Parameters
    ----------
    thresholds : sequence of float or fitted ordinal model
        Increasing thresholds theta_1..theta_{K-1} (R ordinal::clmm / statsmodels sign), or a
        result of :func:`reliability.models.ordinal_mixed`, whose thresholds, inspector SD,
        link and categories are then used (``eta`` may then be a DataFrame of the schools'
        covariates, turned into x'beta by the fit's formula).
    inspector_sd : float
        SD of the inspector random effect u ~ N(0, sd^2).
    eta : array_like, optional
        Linear predictors of the schools (fixed part plus any school effect); the result
        averages over them. Otherwise eta ~ N(eta_mean, eta_sd^2) by Gauss-Hermite.
    link : {"logit", "probit"}
    n_nodes : int
        Gauss-Hermite nodes for each integral.

    Returns
    -------
    EstimateTable
        ``p_same``, ``p_change`` and per grade ``p_same[g]`` = P(second inspector gives g |
        first gave g); ``info`` has the implied grade proportions.

    Notes
    -----
    Assumption: given the school's eta, the two inspectors' effects and their logistic
    (or normal) residuals are independent; the school itself is judged on the same eta by
    both (no occasion effect). Checked against Monte Carlo (tests/consistency).
    """
    if getattr(thresholds, "kind", None) is not None:  # a fitted reliability.models result
        fit = thresholds
        if fit.kind != "ordinal":
            raise ReliabilityError(
                f"mixed_model_consistency needs an ordinal mixed model; got a {fit.kind} model")
        if eta is not None and isinstance(eta, pd.DataFrame):
            eta = _fixed_predictor(fit, eta)
        link = fit.link
        inspector_sd = float(fit.re_sd)
        categories = categories if categories is not None else list(fit.categories)
        thresholds = fit.thresholds
    th = np.asarray(thresholds, dtype=float)
    if th.ndim != 1 or len(th) < 1 or (np.diff(th) <= 0).any():
        raise ReliabilityError(f"thresholds must be increasing; got {th.tolist()}")
    if link not in ("logit", "probit"):
        raise ReliabilityError(f"link must be 'logit' or 'probit'; got {link!r}")
    if inspector_sd is None:
        raise ReliabilityError("inspector_sd is required unless a fitted model is given")
    if not inspector_sd >= 0:
        raise ReliabilityError(f"inspector_sd must be >= 0; got {inspector_sd!r}")
    x, w = np.polynomial.hermite_e.hermegauss(int(n_nodes))
    w = w / w.sum()
    if eta is not None:
        e = np.asarray(eta, dtype=float).ravel()
        if not np.isfinite(e).all():
            raise ReliabilityError("eta contains missing or infinite values")
        we = np.full(len(e), 1.0 / len(e))
    else:
        e = eta_mean + eta_sd * x if eta_sd > 0 else np.array([float(eta_mean)])
        we = w if eta_sd > 0 else np.array([1.0])
    k = len(th) + 1
    # p_k(eta) averaged over the inspector effect: (n_eta, K)
    probs = (_cell_probs(th, (e[:, None] + inspector_sd * x[None, :]).ravel(), link)
             .reshape(len(e), len(x), k) * w[None, :, None]).sum(axis=1)
    marg = (we[:, None] * probs).sum(axis=0)
    both = (we[:, None] * probs**2).sum(axis=0)
    cats = list(categories) if categories is not None else list(range(1, k + 1))
    assumption = (f"ordinal mixed model ({link}): P(Y<=k) = F(theta_k - eta - u), u ~ N(0, "
                  f"{inspector_sd:g}^2) independent between inspectors given eta; "
                  f"Gauss-Hermite with {int(n_nodes)} nodes")
    ests = {"p_same": Estimate("p_same", float(both.sum()), method=assumption),
            "p_change": Estimate("p_change", float(1 - both.sum()), method=assumption)}
    for j, c in enumerate(cats):
        ests[f"p_same[{c}]"] = Estimate(f"p_same[{c}]", float(both[j] / marg[j]),
                                        method=assumption)
    return EstimateTable(ests, {"proportions": marg.tolist(), "categories": [str(c) for c in cats]},
                         (assumption,))
