"""Agreement of grades with a data-based band ("grade matched the performance band in 68%").

Percent agreement with a Wilson interval, the confusion table, and Cohen's kappa and Gwet's
AC1. Kappa and AC1 come from :mod:`reliability.agreement` when that module provides
``cohen_kappa``/``gwet_ac1``; otherwise from :func:`reliability.consistency.cohen_kappa_table`
(Cohen's kappa with the Fleiss-Cohen-Everitt 1969 SE) and the local AC1 below (Gwet 2008).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.inference import check_confidence, t_interval, wilson_interval


def _agreement_coefficients(table: np.ndarray, confidence: float) -> dict:
    """Kappa and AC1 of a square table: the one place that picks the implementation."""
    try:  # the agreement engineer's module, once it exists
        from reliability.agreement import cohen_kappa, gwet_ac1  # type: ignore
    except ImportError:
        cohen_kappa = gwet_ac1 = None
    if cohen_kappa is not None:
        from reliability._results import Estimate as _Estimate
        from reliability.data import Ratings

        # Pass a Ratings object, never the bare table: a bare array would be read as
        # units x raters.
        ratings = Ratings.from_table(table)
        try:
            kappa = cohen_kappa(ratings, confidence=confidence)
            ac1 = gwet_ac1(ratings, confidence=confidence)
        except TypeError:  # different signature: use the local kernels below
            kappa = ac1 = None
        if isinstance(kappa, _Estimate) and isinstance(ac1, _Estimate):
            return {"kappa": kappa, "ac1": ac1}
    from reliability.consistency._kappa import cohen_kappa_table

    return {"kappa": cohen_kappa_table(table, confidence=confidence),
            "ac1": gwet_ac1_table(table, confidence=confidence)}


def gwet_ac1_table(table, *, confidence: float = 0.95) -> Estimate:
    """Gwet's AC1 of a two-rater table with Gwet's (2008) variance, t(n-1) interval."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    q = t.shape[0]
    p = t / n
    pa = np.trace(p)
    pi = (p.sum(axis=0) + p.sum(axis=1)) / 2
    if q < 2:
        return Estimate("gwet_ac1", float("nan"), ci_level=confidence,
                        reason="fewer than two categories")
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    ac1 = (pa - pe) / (1 - pe)
    # Gwet (2008), Brit. J. Math. Stat. Psych. 61, 29-48: two-rater variance with identity
    # weights: sum_kl p_kl (w_kl - 2(1-AC1)(1-(pi_k+pi_l)/2)/(q-1))^2 - (pa - 2(1-AC1)pe)^2.
    inner = np.eye(q) - 2 * (1 - ac1) * (1 - np.add.outer(pi, pi) / 2) / (q - 1)
    var = (float((p * inner**2).sum()) - (pa - 2 * (1 - ac1) * pe) ** 2) / (n * (1 - pe) ** 2)
    se = float(np.sqrt(max(var, 0.0)))
    ci = t_interval(ac1, se, n - 1, confidence)
    return Estimate("gwet_ac1", float(ac1), se, (ci[0], min(1.0, ci[1])), confidence,
                    "Gwet (2008) AC1, two raters; Gwet variance; t(n-1) CI, upper capped at 1",
                    extra={"observed_agreement": float(pa), "chance_agreement": pe, "n": n})


def band_agreement(grade_codes, band_codes, *, categories, groups=None,
                   confidence: float = 0.95) -> EstimateTable:
    """How often the inspection grade matches a band derived from performance data.

    Parameters
    ----------
    grade_codes, band_codes : array_like of int
        Both coded 0..K-1 against the same ``categories`` (map the data band onto the
        grade scale first).
    categories : sequence
        Category labels.
    groups : array_like, optional
        A group per school (e.g. phase): ``info["by_group"]`` then gives the agreement
        with its Wilson interval per group ("68% of primaries, 64% of secondaries").

    Returns
    -------
    EstimateTable
        ``agreement`` (Wilson CI), ``kappa``, ``ac1``; ``info["confusion"]`` the table
        (rows grade, columns band).
    """
    confidence = check_confidence(confidence)
    g = np.asarray(grade_codes, dtype=np.int64)
    b = np.asarray(band_codes, dtype=np.int64)
    k = len(categories)
    if len(g) != len(b):
        raise ReliabilityError("grades and bands have different lengths")
    if len(g) == 0:
        raise ReliabilityError("no schools with both a grade and a band")
    for name, arr in (("grade", g), ("band", b)):
        bad = (arr < 0) | (arr >= k)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ReliabilityError(f"{name} code {int(arr[i])} (row {i + 1}) is outside 0..{k - 1}")
    table = np.bincount(g * k + b, minlength=k * k).reshape(k, k)
    n = int(table.sum())
    agree = int(np.trace(table))
    ci = wilson_interval(agree, n, confidence)
    ests = {"agreement": Estimate("agreement", agree / n, float(np.sqrt(agree / n * (1 - agree / n) / n)),
                                  ci, confidence, "percent agreement; Wilson (1927) score interval",
                                  extra={"n": n, "n_agree": agree})}
    coefs = _agreement_coefficients(table, confidence)
    ests["kappa"] = coefs["kappa"]
    ests["ac1"] = coefs["ac1"]
    confusion = pd.DataFrame(table, index=pd.Index(list(map(str, categories)), name="grade"),
                             columns=pd.Index(list(map(str, categories)), name="band"))
    info = {"n": n, "confusion": confusion.to_dict(orient="index")}
    if groups is not None:
        grp = pd.Series(groups).reset_index(drop=True)
        if len(grp) != len(g):
            raise ReliabilityError("groups and grades have different lengths")
        codes, labels = pd.factorize(grp, sort=True)
        ok = codes >= 0
        size = np.bincount(codes[ok], minlength=len(labels))
        hits = np.bincount(codes[ok], weights=(g == b)[ok].astype(float), minlength=len(labels))
        info["by_group"] = [
            {"group": labels[j], "n": int(size[j]), "n_agree": int(hits[j]),
             "agreement": hits[j] / size[j], "ci": list(wilson_interval(hits[j], size[j],
                                                                        confidence)),
             "ci_level": confidence} for j in range(len(labels))]
    return EstimateTable(ests, info)
