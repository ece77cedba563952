"""The fixed-effects cumulative link model (no random effect): one batched Newton fitter.

Model (the parametrisation of R ordinal::clm, statsmodels OrderedModel and the mixed models
here): ``P(Y <= k | x) = F(theta_k - x'beta)``, k = 1..K-1, with F the logistic or the normal
distribution function (:mod:`reliability.models._quadrature` links).

A Newton-Raphson with step halving, *batched over weight vectors*: a row of weights is one
fit (a bootstrap resample is multinomial counts over units), so every resample is refitted
simultaneously with matrix products (no loop over resamples). The per-observation design
vectors of the two cumulative probabilities are fixed, so the Hessian of every fit is
``M @ (a a^T)`` for fixed (n, p^2) matrices.

Used by the pseudo-R^2 bootstrap (:func:`reliability.validity.fit_cumulative_logit`, logit)
and by :func:`reliability.models.ordinal_mixed` / ``binomial_mixed`` for the model without a
random effect (the start of the mixed fits and the null log-likelihood of the LR test with
one random term; logit or probit). Checked against statsmodels OrderedModel (logit and
probit) and against the likelihood of :class:`reliability.models._ordinal.CumulativeLinkGLMM`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from reliability.models._quadrature import get_link


def _designs(y: np.ndarray, x: np.ndarray, k: int):
    """Design vectors a_i (upper cut) and c_i (lower cut) over params (theta_1..K-1, beta)."""
    n, p = x.shape
    m = k - 1 + p
    a = np.zeros((n, m))
    c = np.zeros((n, m))
    up = y < k - 1                      # has an upper threshold theta_{y+1}
    lo = y > 0                          # has a lower threshold theta_y
    a[np.flatnonzero(up), y[up]] = 1.0
    c[np.flatnonzero(lo), y[lo] - 1] = 1.0
    a[up, k - 1:] = -x[up]
    c[lo, k - 1:] = -x[lo]
    return a, c, up, lo


def _loglik_parts(link, params, a, c, up, lo):
    """Per (fit, observation): log P, alpha = f(u)/P, gamma = f(l)/P, f'(u)/P, f'(l)/P."""
    u = params @ a.T                    # (B, n)
    l_ = params @ c.T
    Fu, Su, fu, dfu = link.parts(np.where(up, u, 0.0))
    Fl, Sl, fl, dfl = link.parts(np.where(lo, l_, 0.0))
    # the top category has no upper cut (F = 1), the bottom one no lower cut (F = 0)
    Fu, Su = np.where(up, Fu, 1.0), np.where(up, Su, 0.0)
    Fl, Sl = np.where(lo, Fl, 0.0), np.where(lo, Sl, 1.0)
    fu, dfu = np.where(up, fu, 0.0), np.where(up, dfu, 0.0)
    fl, dfl = np.where(lo, fl, 0.0), np.where(lo, dfl, 0.0)
    # survival functions in the right tail keep P(Y = top) accurate
    prob = np.where(lo & (l_ > 0), Sl - Su, Fu - Fl)
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.where(prob > 0, np.log(np.where(prob > 0, prob, 1.0)), -np.inf)
        alpha = fu / prob
        gamma = fl / prob
        d2u = dfu / prob
        d2l = dfl / prob
    return logp, alpha, gamma, d2u, d2l


def fit_cumulative_link(y, x, weights=None, *, link="logit", n_categories=None,
                        max_iter: int = 100, tol: float = 1e-9):
    """Weighted maximum-likelihood cumulative link model, one fit per row of ``weights``.

    Parameters
    ----------
    y : ndarray of int
        Response codes 0..K-1.
    x : ndarray, shape (n, p)
        Covariates (no intercept; p may be 0).
    weights : ndarray, shape (B, n), optional
        Case weights per fit (default: one fit with unit weights).
    link : {"logit", "probit"}
    n_categories : int, optional
        K (default: ``y.max() + 1``).

    Returns
    -------
    params : ndarray (B, K-1+p)
        Thresholds then slopes.
    loglik : ndarray (B,)
    converged : ndarray of bool (B,)
    """
    lk = get_link(link)
    y = np.asarray(y, dtype=np.int64)
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    k = int(n_categories) if n_categories is not None else int(y.max()) + 1
    n, p = x.shape
    w = np.ones((1, n)) if weights is None else np.atleast_2d(np.asarray(weights, dtype=float))
    a, c, up, lo = _designs(y, x, k)
    m = k - 1 + p
    # Many fits at once (a bootstrap): the Hessians of all rows of weights as one product
    # with the fixed (n, m^2) outer products. One fit, or outer products too large to hold:
    # per fit, as weighted cross-products (O(n m) memory).
    stacked = len(w) > 1 and n * m * m <= 2e7
    if stacked:
        aa = (a[:, :, None] * a[:, None, :]).reshape(n, m * m)
        cc = (c[:, :, None] * c[:, None, :]).reshape(n, m * m)
        ac = (a[:, :, None] * c[:, None, :]).reshape(n, m * m)
        ac = ac + (c[:, :, None] * a[:, None, :]).reshape(n, m * m)

    def hessians(al, ga, d2u, d2l):
        if stacked:
            return ((w * (d2u - al**2)) @ aa - (w * (d2l + ga**2)) @ cc
                    + (w * (al * ga)) @ ac).reshape(-1, m, m)
        out = np.empty((len(w), m, m))
        for b in range(len(w)):
            cross = (a * (w[b] * al[b] * ga[b])[:, None]).T @ c
            out[b] = ((a * (w[b] * (d2u[b] - al[b] ** 2))[:, None]).T @ a
                      - (c * (w[b] * (d2l[b] + ga[b] ** 2))[:, None]).T @ c
                      + cross + cross.T)
        return out
    # Start: thresholds from the weighted marginal cumulative proportions, slopes 0.
    counts = np.stack([w[:, y == j].sum(axis=1) for j in range(k)], axis=1) + 0.5
    cum = np.cumsum(counts, axis=1)[:, :-1] / counts.sum(axis=1, keepdims=True)
    start = np.log(cum / (1 - cum)) if lk.name == "logit" else special.ndtri(cum)
    params = np.concatenate([start, np.zeros((len(w), p))], axis=1)
    logp, al, ga, d2u, d2l = _loglik_parts(lk, params, a, c, up, lo)
    ll = (w * logp).sum(axis=1)
    converged = np.zeros(len(w), dtype=bool)
    for _ in range(max_iter):
        grad = (w * al) @ a - (w * ga) @ c
        hess = hessians(al, ga, d2u, d2l)
        try:
            step = np.linalg.solve(-hess, grad[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(-h, g, rcond=None)[0] for h, g in zip(hess, grad)])
        active = ~converged
        t = np.ones(len(w))
        new = params.copy()
        new_ll = ll.copy()
        todo = active.copy()
        for _half in range(30):
            if not todo.any():
                break
            cand = params[todo] + t[todo, None] * step[todo]
            lp = _loglik_parts(lk, cand, a, c, up, lo)[0]
            cll = (w[todo] * lp).sum(axis=1)
            better = np.isfinite(cll) & (cll >= ll[todo] - 1e-12)
            idx = np.flatnonzero(todo)
            new[idx[better]] = cand[better]
            new_ll[idx[better]] = cll[better]
            todo[idx[better]] = False
            t[todo] *= 0.5
        gain = new_ll - ll
        params, ll = new, new_ll
        converged |= active & ((np.abs(gain) < tol * (1 + np.abs(ll)))
                               | (np.abs(step).max(axis=1) < 1e-10))
        if converged.all():
            break
        logp, al, ga, d2u, d2l = _loglik_parts(lk, params, a, c, up, lo)
    return params, ll, converged
