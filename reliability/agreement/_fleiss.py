"""Fleiss' (1971) kappa extras: the SE under H0 (Fleiss, Nee & Landis 1979) and per-category kappas.

Both need the same number ``m`` of ratings on every unit (Fleiss' design); otherwise
they are NaN with a reason. Checked against fleiss1971_diagnoses (irr::kappam.fleiss,
``detail=TRUE``) and gwet_distrib_6raters.
"""

from __future__ import annotations

import numpy as np

NAN = float("nan")


def _equal_m(counts):
    m = counts.sum(axis=1)   # rows of units (or of patterns with their frequencies)
    if len(m) == 0 or m.min() != m.max() or m[0] < 2:
        return None, ("needs the same number (>= 2) of ratings on every unit "
                      "(Fleiss, Nee & Landis 1979)")
    return int(m[0]), ""


def fleiss_null_se(counts, freq=None):
    """SE of Fleiss' kappa under H0: kappa = 0 (Fleiss, Nee & Landis 1979, eq. 12).

    ``freq``: number of units with each row of ``counts`` (default one each).
    """
    counts = np.asarray(counts, dtype=float)
    m, reason = _equal_m(counts)
    if m is None:
        return NAN, reason
    freq = np.ones(len(counts)) if freq is None else np.asarray(freq, dtype=float)
    n = freq.sum()
    p = (freq @ counts) / (n * m)
    pq = p * (1 - p)
    s = pq.sum()
    if s <= 0:
        return NAN, "a single category used"
    var = 2 / (s ** 2 * n * m * (m - 1)) * (s ** 2 - (pq * (1 - 2 * p)).sum())
    return float(np.sqrt(var)), ""


def category_kappas(counts):
    """Per-category kappas ``1 - sum_i x_ij (m - x_ij) / (n m (m-1) p_j q_j)`` and their null SE."""
    counts = np.asarray(counts, dtype=float)
    m, reason = _equal_m(counts)
    q = counts.shape[1]
    if m is None:
        return np.full(q, NAN), NAN, reason
    n = len(counts)
    p = counts.sum(axis=0) / (n * m)
    num = (counts * (m - counts)).sum(axis=0)
    den = n * m * (m - 1) * p * (1 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(den > 0, 1 - num / np.where(den > 0, den, 1), NAN)
    return k, float(np.sqrt(2 / (n * m * (m - 1)))), ""
