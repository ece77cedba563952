"""Share of grade variation explained by context: pseudo-R^2 of a cumulative logit model.

Model (same parametrisation as R ordinal::clm and statsmodels OrderedModel):
``logit P(grade <= k | x) = theta_k - x'beta``, k = 1..K-1.

The fitter is the batched Newton-Raphson of :mod:`reliability.models._clm` (the one
implementation of the fixed-effects cumulative link model, which the mixed models also use
for their fit without a random effect): a row of weights is one bootstrap resample
(multinomial counts over schools), so every resample is refitted simultaneously with matrix
products (no loop over resamples).

* McFadden (1974): ``1 - logL(model) / logL(thresholds only)``.
* McKelvey & Zavoina (1975): ``var(x'beta) / (var(x'beta) + pi^2/3)``.

Checked against: statsmodels OrderedModel (logit) log-likelihood and coefficients
(tests/validity/test_validity_models.py).
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.inference import bootstrap_units, check_confidence

_LOGIT_VAR = np.pi**2 / 3


def fit_cumulative_logit(y, x, weights=None, *, max_iter: int = 100, tol: float = 1e-9):
    """Weighted maximum-likelihood cumulative logit, one fit per row of ``weights``.

    The logit case of :func:`reliability.models._clm.fit_cumulative_link`, the one fitter of
    the fixed-effects cumulative link model (also the models' fit without a random effect).

    Parameters
    ----------
    y : ndarray of int
        Grade codes 0..K-1.
    x : ndarray, shape (n, p)
        Covariates (no intercept; p may be 0).
    weights : ndarray, shape (B, n), optional
        Case weights per fit (default: one fit with unit weights).

    Returns
    -------
    params : ndarray (B, K-1+p)
        Thresholds then slopes.
    loglik : ndarray (B,)
    converged : ndarray of bool (B,)
    """
    from reliability.models._clm import fit_cumulative_link

    return fit_cumulative_link(y, x, weights, link="logit", max_iter=max_iter, tol=tol)


def _null_loglik(y, k, w):
    counts = np.stack([w[:, y == j].sum(axis=1) for j in range(k)], axis=1)
    tot = counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(counts / tot), 0.0)
    return terms.sum(axis=1)


def _r2_batch(y, x, k, w):
    params, ll, conv = fit_cumulative_logit(y, x, w)
    ll0 = _null_loglik(y, k, w)
    mcf = 1 - ll / ll0
    eta = params[:, k - 1:] @ x.T
    sw = w.sum(axis=1)
    mean = (w * eta).sum(axis=1) / sw
    var = (w * eta**2).sum(axis=1) / sw - mean**2
    mz = var / (var + _LOGIT_VAR)
    mcf[~conv] = np.nan
    mz[~conv] = np.nan
    return mcf, mz, params, ll, ll0, conv


def ordinal_pseudo_r2(grade_codes, covariates, *, n_resamples: int = 0, seed=None,
                      confidence: float = 0.95) -> EstimateTable:
    """McFadden and McKelvey-Zavoina pseudo-R^2 of a cumulative logit of grade on context.

    Parameters
    ----------
    grade_codes : array_like of int
        Grades coded 0..K-1 in order (at least two categories present).
    covariates : array_like, shape (n,) or (n, p)
        Context covariates (numeric; dummy-code categorical ones first). Standardised
        internally (R^2 is invariant to it) for numerical stability.
    n_resamples : int
        Bootstrap resamples over schools for percentile CIs (0 = no CI). Uses
        :func:`reliability.inference.bootstrap_units`; every resample is refitted.
    seed : int, optional
        Bootstrap seed.

    Returns
    -------
    EstimateTable
        ``mcfadden`` and ``mckelvey_zavoina``; ``info`` holds the log-likelihoods and the
        fitted thresholds and slopes (on the standardised covariates).
    """
    confidence = check_confidence(confidence)
    y = np.asarray(grade_codes, dtype=np.int64)
    x = np.asarray(covariates, dtype=float).reshape(len(y), -1)
    if len(y) < 3:
        raise ReliabilityError(f"pseudo-R^2 needs at least 3 observations; got {len(y)}")
    if not np.isfinite(x).all():
        raise ReliabilityError("covariates contain missing or infinite values; drop them first")
    present = np.unique(y)
    if len(present) < 2:
        raise ReliabilityError("pseudo-R^2 needs at least two grade categories present")
    # Recode to consecutive codes so empty categories do not create unidentified thresholds.
    y = np.searchsorted(present, y)
    k = len(present)
    sd = x.std(axis=0)
    if (sd == 0).any():
        raise ReliabilityError(
            f"covariate {int(np.flatnonzero(sd == 0)[0])} is constant; it explains nothing")
    xs = (x - x.mean(axis=0)) / sd
    mcf, mz, params, ll, ll0, conv = _r2_batch(y, xs, k, np.ones((1, len(y))))
    method = ("cumulative logit logit P(Y<=k) = theta_k - x'beta fitted by Newton-Raphson "
              "(own batched fitter; checked against statsmodels OrderedModel)")
    ests = {}
    for j, (name, val, label) in enumerate((
            ("mcfadden", mcf[0], "McFadden (1974) 1 - logL/logL0"),
            ("mckelvey_zavoina", mz[0], "McKelvey & Zavoina (1975) var(xb)/(var(xb)+pi^2/3)"))):
        se, ci = float("nan"), (float("nan"), float("nan"))
        kind = "non-null"
        mlabel = f"{label}; {method}"
        if n_resamples:
            def stat(w, j=j):
                return _r2_batch(y, xs, k, w)[j]
            boot = bootstrap_units(stat, len(y), n_resamples=n_resamples, seed=seed,
                                   confidence=confidence, estimate=float(val))
            se, ci, kind = boot.se, boot.ci, "bootstrap"
            mlabel += f"; CI {boot.method}, seed {seed}, {boot.n_valid} valid"
        ests[name] = Estimate(name, float(val), se, ci, confidence, mlabel, se_kind=kind,
                              reason="" if conv[0] else "fit did not converge")
    info = {"n": int(len(y)), "loglik": float(ll[0]), "loglik_null": float(ll0[0]),
            "thresholds": params[0, :k - 1].tolist(),
            "slopes_standardised": params[0, k - 1:].tolist(), "converged": bool(conv[0])}
    return EstimateTable(ests, info)
