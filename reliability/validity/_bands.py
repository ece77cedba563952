"""Agreement of grades with a data-based band ("grade matched the performance band in 68%").

Percent agreement with a Wilson interval, the confusion table, and Cohen's kappa and Gwet's
AC1 of the grade x band table, from the one implementation in :mod:`reliability.agreement`
(``cohen_kappa_table``, ``gwet_ac1_table``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.agreement._tables import cohen_kappa_table, gwet_ac1_table
from reliability.inference import check_confidence, wilson_interval

__all__ = ["band_agreement", "gwet_ac1_table"]


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
    ests["kappa"] = cohen_kappa_table(table, confidence=confidence)
    ests["ac1"] = gwet_ac1_table(table, confidence=confidence)
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
