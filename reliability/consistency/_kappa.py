"""Cohen's kappa of two-rater tables, vectorised over a stack of tables.

Kappa (Cohen 1960) with the large-sample non-null SE of Fleiss, Cohen & Everitt (1969) and
the null SE for the z test. Checked against tests/data/fleiss_cohen_everitt_1969 and
vcd_sexualfun (vcd ``Kappa`` ASE).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reliability._results import Estimate
from reliability.inference import check_confidence, normal_interval


def kappa_many(tables: np.ndarray) -> np.ndarray:
    """Cohen's kappa of each table in a stack ``(..., q, q)``; NaN where p_e = 1."""
    t = np.asarray(tables, dtype=float)
    n = t.sum(axis=(-2, -1))
    po = np.trace(t, axis1=-2, axis2=-1) / n
    pe = (t.sum(axis=-1) * t.sum(axis=-2)).sum(axis=-1) / n**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pe < 1, (po - pe) / (1 - pe), np.nan)


def kappa_variance(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-observation variances of kappa-hat (non-null, null) at cell proportions ``p``.

    Fleiss, Cohen & Everitt (1969): the SE for n observations is ``sqrt(v / n)``. Works on
    a stack ``(..., q, q)`` of proportion tables.
    """
    p = np.asarray(p, dtype=float)
    pr = p.sum(axis=-1)
    pc = p.sum(axis=-2)
    po = np.trace(p, axis1=-2, axis2=-1)
    pe = (pr * pc).sum(axis=-1)
    kap = (po - pe) / (1 - pe)
    diag = np.diagonal(p, axis1=-2, axis2=-1)
    a = (diag * (1 - (pr + pc) * (1 - kap[..., None])) ** 2).sum(axis=-1)
    off = p * (pc[..., :, None] + pr[..., None, :]) ** 2
    off_sum = off.sum(axis=(-2, -1)) - (np.diagonal(off, axis1=-2, axis2=-1)).sum(axis=-1)
    b = (1 - kap) ** 2 * off_sum
    c = (kap - pe * (1 - kap)) ** 2
    v = (a + b - c) / (1 - pe) ** 2
    # Null variance (kappa = 0, independence with the observed margins).
    v0 = (pe + pe**2 - (pr * pc * (pr + pc)).sum(axis=-1)) / (1 - pe) ** 2
    return v, v0


def cohen_kappa_table(table, *, confidence: float = 0.95) -> Estimate:
    """Cohen's kappa of a square two-rater table with FCE (1969) SEs and a Wald CI."""
    confidence = check_confidence(confidence)
    t = np.asarray(table, dtype=float)
    n = t.sum()
    method = ("Cohen (1960) kappa; non-null SE Fleiss, Cohen & Everitt (1969); Wald CI "
              "clipped to [-1, 1]; p from the null SE")
    if n == 0:
        return Estimate("cohen_kappa", float("nan"), ci_level=confidence, method=method,
                        reason="empty table")
    p = t / n
    po = float(np.trace(p))
    pe = float((p.sum(axis=1) * p.sum(axis=0)).sum())
    if pe >= 1:
        return Estimate("cohen_kappa", float("nan"), ci_level=confidence, method=method,
                        reason="both raters used a single, identical category (chance "
                               "agreement is 1)",
                        extra={"observed_agreement": po, "chance_agreement": pe, "n": n})
    kap = (po - pe) / (1 - pe)
    v, v0 = kappa_variance(p)
    se = float(np.sqrt(max(float(v), 0.0) / n))
    se0 = float(np.sqrt(max(float(v0), 0.0) / n))
    lo, hi = normal_interval(kap, se, confidence)
    pval = float(2 * stats.norm.sf(abs(kap / se0))) if se0 > 0 else float("nan")
    return Estimate("cohen_kappa", float(kap), se, (max(-1.0, lo), min(1.0, hi)), confidence,
                    method, se_null=se0, p_value=pval,
                    extra={"observed_agreement": po, "chance_agreement": pe, "n": n})
