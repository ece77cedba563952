"""Coefficients of a two-rater contingency table, for callers that already hold a table.

These are thin doors onto the one implementation (:mod:`reliability.agreement._two_raters`
through :func:`~reliability.agreement.cohen_kappa` / :func:`~reliability.agreement.gwet_ac1`):
consistency, validity and report code call them instead of keeping their own formulas.
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError
from reliability._results import Estimate
from reliability.agreement._two_raters import kappa_variance as _kappa_variance
from reliability.agreement._two_raters import pa_pe_tables

__all__ = ["cohen_kappa_table", "gwet_ac1_table", "kappa_many", "kappa_variance"]


def _square(table, name):
    t = np.asarray(table, dtype=float)
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ReliabilityError(f"{name} needs square q x q table(s); got shape {t.shape}")
    if not np.isfinite(t).all() or (t < 0).any():
        raise ReliabilityError(f"{name}: table counts must be finite and non-negative")
    return t


def _ratings(table, categories):
    from reliability.data import Ratings

    return Ratings.from_table(_square(table, "table"), categories=categories)


def cohen_kappa_table(table, *, weights="identity", categories=None, confidence=0.95,
                      ci_method="t") -> Estimate:
    """Cohen's kappa (weighted with ``weights``) of a square two-rater table.

    Parameters
    ----------
    table : (q, q) array_like
        Counts; rows rater 1's categories, columns rater 2's, in the same order.
    weights : {"identity", "linear", "quadratic"} or (q, q) array
        Agreement weights (category values ``categories`` if numeric, else 1..q).
    categories : sequence, optional
        Category labels (numbers give the weights' spacing).
    confidence : float
        Confidence level.
    ci_method : {"t", "normal"}
        ``"t"``: est +/- t(n-1) se capped at 1 (irrCAC); ``"normal"``: est +/- z se
        clipped to [-1, 1] (vcd).

    Returns
    -------
    Estimate
        Same as :func:`reliability.agreement.cohen_kappa` on the table (FCE 1969 SEs).
    """
    from reliability.agreement._functions import cohen_kappa

    return cohen_kappa(_ratings(table, categories), weights=weights, confidence=confidence,
                       ci_method=ci_method)


def gwet_ac1_table(table, *, weights="identity", categories=None, confidence=0.95,
                   ci_method="t") -> Estimate:
    """Gwet's AC1 (AC2 with ``weights``) of a square two-rater table (irrCAC ``gwet.ac1.table``).

    Arguments as :func:`cohen_kappa_table`; same result as
    :func:`reliability.agreement.gwet_ac1` on the table.
    """
    from reliability.agreement._functions import gwet_ac1

    return gwet_ac1(_ratings(table, categories), weights=weights, confidence=confidence,
                    ci_method=ci_method)


def kappa_many(tables, *, weights=None) -> np.ndarray:
    """Cohen's kappa of each table in a stack ``(..., q, q)`` (vectorised; for simulations).

    ``weights``: None (identity) or a ``(q, q)`` agreement-weight matrix. NaN where chance
    agreement is 1 or a table is empty.
    """
    t = _square(tables, "kappa_many")
    q = t.shape[-1]
    W = np.eye(q) if weights is None else np.asarray(weights, dtype=float)
    flat = t.reshape(-1, q, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        pa, pe = pa_pe_tables(flat, W, "cohen")
        k = np.where(np.abs(1 - pe) > 1e-12, (pa - pe) / (1 - pe), np.nan)
    return k.reshape(t.shape[:-2])


def kappa_variance(p, weights=None):
    """Per-pair variances ``(v, v0)`` of Cohen's kappa at cell proportions ``p`` (FCE 1969).

    ``p``: a ``(q, q)`` table of proportions or a stack ``(..., q, q)``. The SE for ``n``
    pairs is ``sqrt(v / n)`` (non-null, for intervals) and ``sqrt(v0 / n)`` (under H0).
    Used for sample-size planning.
    """
    return _kappa_variance(_square(p, "kappa_variance"), weights)
