"""Ordinal association of a grade with a context variable, from their contingency table.

Every statistic here is a function of the R x C table ``n_ij`` (rows = grade categories in
order, columns = distinct context values in increasing order). Concordant and discordant
counts per cell come from 2-D cumulative sums, so the cost is O(R*C) whatever the number
of schools, and a continuous context (thousands of distinct values) is handled exactly.

Formulas (cell notation of Agresti 2010, *Analysis of Ordinal Categorical Data*, 2nd ed.,
sec. 7.1-7.2, as also printed in the SAS PROC FREQ documentation):

* ``A_ij`` = number of observations concordant with cell (i, j), ``D_ij`` discordant;
  ``P = sum n_ij A_ij`` and ``Q = sum n_ij D_ij`` (twice the concordant/discordant pairs).
* Goodman & Kruskal (1954) gamma ``(P - Q)/(P + Q)``; non-null ASE of Goodman & Kruskal
  (1963): ``4/(P+Q)^2 * sqrt(sum n_ij (Q A_ij - P D_ij)^2)`` (Agresti's 16/(Pi_c+Pi_d)^4
  form rewritten in counts).
* Kendall tau-b ``(P - Q)/sqrt(w_r w_c)``; ASE of Brown & Benedetti (1977).
* Stuart's (1953) tau-c ``m (P - Q) / (n^2 (m - 1))``, ``m = min(R, C)`` over the rows and
  columns used; ASE ``2m / ((m - 1) n^2) * sqrt(sum n_ij (A_ij - D_ij)^2 - (P - Q)^2 / n)``
  (Brown & Benedetti 1977; SAS PROC FREQ), which is also its null SE.
* Somers' (1962) d; ASE of Goodman & Kruskal (1972) / Brown & Benedetti (1977).
* Null SEs (for the z tests) ``2/w * sqrt(sum n_ij (A_ij - D_ij)^2 - (P-Q)^2/n)``.

Checked against: scipy.stats.kendalltau (tau-b, and tau-c with ``variant="c"``),
scipy.stats.somersd (d), and for the SEs a numerical multinomial delta method
(tests/validity/test_validity_ordinal.py). :func:`kendall_tau` (raw x, y) adds the exact
p-value of Kendall's test for small samples without ties (checked against R
``cor.test(method="kendall", exact=TRUE)`` and a full permutation enumeration).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate
from reliability._validation import OPTIONS, Choice, validate_params
from reliability.inference import check_confidence, normal_interval


def concordance(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell concordant and discordant counts ``A_ij`` and ``D_ij`` of an R x C table."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    s = t.cumsum(axis=0).cumsum(axis=1)            # S[i, j] = sum_{k<=i, l<=j}
    s_pad = np.pad(s, ((1, 0), (1, 0)))            # s_pad[i+1, j+1] = S[i, j]
    row_cum = t.sum(axis=1).cumsum()               # sum_{k<=i} n_k.
    col_cum = t.sum(axis=0).cumsum()               # sum_{l<=j} n_.l
    row_before = row_cum - t.sum(axis=1)           # sum_{k<i}
    col_before = col_cum - t.sum(axis=0)           # sum_{l<j}
    upper_left = s_pad[:-1, :-1]                   # k<i, l<j
    lower_right = n - row_cum[:, None] - col_cum[None, :] + s   # k>i, l>j
    upper_right = row_before[:, None] - s_pad[:-1, 1:]          # k<i, l>j
    lower_left = col_before[None, :] - s_pad[1:, :-1]           # k>i, l<j
    return upper_left + lower_right, upper_right + lower_left


def _z_p(est: float, se0: float) -> float:
    if not (np.isfinite(est) and np.isfinite(se0)) or se0 <= 0:
        return float("nan")
    return float(2 * stats.norm.sf(abs(est / se0)))


def _clip(ci, lo=-1.0, hi=1.0):
    return (float(max(lo, ci[0])), float(min(hi, ci[1])))


def ordinal_associations(table, *, confidence: float = 0.95) -> dict[str, Estimate]:
    """Goodman-Kruskal gamma, Kendall tau-b and Somers' d of an R x C table, with ASEs.

    Parameters
    ----------
    table : array_like, shape (R, C)
        Counts; rows and columns both in increasing order (rows = grade, columns = context).
    confidence : float
        Level of the Wald intervals ``estimate +/- z * ASE`` (clipped to [-1, 1]).

    Returns
    -------
    dict of Estimate
        ``goodman_kruskal_gamma``, ``kendall_tau_b``, ``kendall_tau_c``, ``somers_d``
        (grade given context:
        pairs tied on the context are excluded, as scipy.stats.somersd(context, grade)) and
        ``somers_d_context_given_grade``. ``se`` is the non-null ASE, ``se_null`` the SE
        under independence used for the two-sided z test ``p_value``.
    """
    confidence = check_confidence(confidence)
    t = np.asarray(table, dtype=float)
    n = t.sum()
    a, d = concordance(t)
    p_ = float((t * a).sum())
    q_ = float((t * d).sum())
    diff = a - d
    null_core = float((t * diff**2).sum() - (p_ - q_) ** 2 / n) if n > 0 else float("nan")
    null_core = max(null_core, 0.0)
    rows = t.sum(axis=1)
    cols = t.sum(axis=0)
    w_r = n * n - float((rows**2).sum())
    w_c = n * n - float((cols**2).sum())
    out: dict[str, Estimate] = {}

    def make(name, est, se, se0, method, reason=""):
        if not np.isfinite(est):
            out[name] = Estimate(name, float("nan"), ci_level=confidence, method=method,
                                 reason=reason)
            return
        ci = _clip(normal_interval(est, se, confidence)) if np.isfinite(se) else (np.nan, np.nan)
        out[name] = Estimate(name, float(est), float(se), ci, confidence, method,
                             se_null=float(se0), p_value=_z_p(est, se0))

    # gamma
    if p_ + q_ > 0:
        g = (p_ - q_) / (p_ + q_)
        # 4/(P+Q)^2: Agresti (2010) eq. with P, Q = twice the pair counts (checked by delta method)
        se = 4.0 / (p_ + q_) ** 2 * np.sqrt((t * (q_ * a - p_ * d) ** 2).sum())
        se0 = 2.0 / (p_ + q_) * np.sqrt(null_core)
        make("goodman_kruskal_gamma", g, se, se0,
             "Goodman & Kruskal gamma; non-null ASE Goodman & Kruskal (1963); Wald CI; "
             "p from the null ASE")
    else:
        make("goodman_kruskal_gamma", np.nan, np.nan, np.nan, "Goodman & Kruskal gamma",
             "no untied pairs (all pairs tied on grade or context)")

    # tau-b
    if w_r > 0 and w_c > 0:
        w = np.sqrt(w_r * w_c)
        tau = (p_ - q_) / w
        v = rows[:, None] * w_c + cols[None, :] * w_r
        core = float((t * (2 * w * diff + tau * v) ** 2).sum()) - n**3 * tau**2 * (w_r + w_c) ** 2
        se = np.sqrt(max(core, 0.0)) / w**2
        se0 = 2.0 / w * np.sqrt(null_core)
        make("kendall_tau_b", tau, se, se0,
             "Kendall tau-b; non-null ASE Brown & Benedetti (1977) (Agresti 2010 sec. 7.2); "
             "Wald CI; p from the null ASE")
    else:
        make("kendall_tau_b", np.nan, np.nan, np.nan, "Kendall tau-b",
             "grade or context takes a single value")

    # tau-c (Stuart 1953): m = number of rows or columns used, whichever is fewer
    m = int(min((rows > 0).sum(), (cols > 0).sum()))
    if m >= 2:
        tc = m * (p_ - q_) / (n * n * (m - 1))
        se_c = 2.0 * m / ((m - 1) * n * n) * np.sqrt(null_core)
        make("kendall_tau_c", tc, se_c, se_c,
             "Stuart's tau-c; ASE Brown & Benedetti (1977) (SAS PROC FREQ), equal to its "
             "null SE; Wald CI; p from the null ASE")
    else:
        make("kendall_tau_c", np.nan, np.nan, np.nan, "Stuart's tau-c",
             "grade or context takes a single value")

    # Somers' d, grade (rows) given context (columns): denominator = pairs untied on context
    for name, wden, margin, label in (
            ("somers_d", w_c, cols[None, :], "grade given context"),
            ("somers_d_context_given_grade", w_r, rows[:, None], "context given grade")):
        if wden > 0:
            dd = (p_ - q_) / wden
            se = 2.0 / wden**2 * np.sqrt((t * (wden * diff - (p_ - q_) * (n - margin)) ** 2).sum())
            se0 = 2.0 / wden * np.sqrt(null_core)
            make(name, dd, se, se0,
                 f"Somers' d ({label}); non-null ASE (Goodman & Kruskal 1972; Brown & "
                 "Benedetti 1977); Wald CI; p from the null ASE")
        else:
            make(name, np.nan, np.nan, np.nan, f"Somers' d ({label})",
                 "every pair is tied on the explanatory variable")
    return out


def spearman(x, y, *, confidence: float = 0.95) -> Estimate:
    """Spearman's rank correlation with a Fisher-z interval using the Bonett-Wright SE.

    The CI is ``tanh(atanh(r_s) +/- z * sqrt((1 + r_s^2/2)/(n - 3)))`` (Bonett & Wright 2000,
    *Psychometrika* 65, 23-28); midranks for ties. The p-value is the usual t test with
    n - 2 df (as scipy.stats.spearmanr).
    """
    confidence = check_confidence(confidence)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    method = ("Spearman rank correlation (midranks); CI Fisher z with Bonett-Wright (2000) "
              "SE sqrt((1 + r^2/2)/(n - 3)); p from t(n-2)")
    if n < 4:
        return Estimate("spearman", float("nan"), ci_level=confidence, method=method,
                        reason=f"needs at least 4 observations; got {n}")
    rx = stats.rankdata(x)
    ry = stats.rankdata(y)
    if rx.std() == 0 or ry.std() == 0:
        return Estimate("spearman", float("nan"), ci_level=confidence, method=method,
                        reason="grade or context takes a single value")
    r = float(np.corrcoef(rx, ry)[0, 1])
    se_z = np.sqrt((1 + r * r / 2) / (n - 3))
    zc = stats.norm.ppf(0.5 + confidence / 2)
    if abs(r) < 1:
        zr = np.arctanh(r)
        ci = (float(np.tanh(zr - zc * se_z)), float(np.tanh(zr + zc * se_z)))
        tstat = r * np.sqrt((n - 2) / (1 - r * r))
        p = float(2 * stats.t.sf(abs(tstat), n - 2))
    else:
        ci = (r, r)
        p = 0.0
    return Estimate("spearman", r, float(se_z), ci, confidence, method, se_kind="fisher-z",
                    p_value=p, extra={"n": n})


def linear_by_linear(row_scores, col_scores, table) -> dict:
    """Mantel (1963) linear-by-linear association test ``M^2 = (n - 1) r^2``, df = 1.

    ``r`` is the Pearson correlation of the row and column scores over the table
    (Agresti 2013, *Categorical Data Analysis* 3rd ed., sec. 3.4.1). With a binary row
    variable this is the Cochran-Armitage trend test (whose usual form uses n instead of
    n - 1; both are reported). Checked against statsmodels
    ``Table.test_ordinal_association`` (its z-score squared equals M^2).
    """
    t = np.asarray(table, dtype=float)
    u = np.asarray(row_scores, dtype=float)
    v = np.asarray(col_scores, dtype=float)
    n = t.sum()
    pr = t.sum(axis=1) / n
    pc = t.sum(axis=0) / n
    mu = (pr * u).sum()
    mv = (pc * v).sum()
    su = np.sqrt((pr * (u - mu) ** 2).sum())
    sv = np.sqrt((pc * (v - mv) ** 2).sum())
    if su == 0 or sv == 0 or n < 2:
        return {"statistic": float("nan"), "df": 1, "p": float("nan"),
                "method": "Mantel linear-by-linear M^2 = (n-1) r^2",
                "reason": "grade or context takes a single value"}
    r = float(((t / n) * np.outer(u - mu, v - mv)).sum() / (su * sv))
    m2 = (n - 1) * r * r
    out = {"statistic": float(m2), "df": 1, "p": float(stats.chi2.sf(m2, 1)), "r": r,
           "method": "Mantel (1963) linear-by-linear M^2 = (n-1) r^2 with grade scores "
                     "1..K and the context values (or band ranks) as scores; chi-square(1)"}
    if len(u) == 2:
        ca = n * r * r
        out["cochran_armitage"] = {"statistic": float(ca), "p": float(stats.chi2.sf(ca, 1))}
    return out


#: Largest n for which ``method="auto"`` uses the exact distribution (as SciPy).
EXACT_MAX_N = 33


@validate_params({"variant": Choice(("b", "c")),
                  "method": Choice(("auto", "exact", "asymptotic")),
                  "confidence": OPTIONS["confidence"]})
def kendall_tau(x, y, *, variant="b", method="auto", confidence: float = 0.95) -> Estimate:
    """Kendall's tau-b or Stuart's tau-c of two variables, with the exact p for small samples.

    Parameters
    ----------
    x, y : array_like
        Paired observations (pairs with a missing value in either are dropped).
    variant : {"b", "c"}
        Kendall's tau-b (ties in both variables corrected) or Stuart's (1953) tau-c.
    method : {"auto", "exact", "asymptotic"}
        p-value of Kendall's test of independence (the same for tau-b and tau-c: it is a
        test on ``S = concordant - discordant pairs``). ``"exact"``: the permutation
        distribution of S (Kendall 1970, ch. 4), defined only without ties in x and y;
        ``"asymptotic"``: the normal approximation with the tie-corrected variance of S
        (Kendall 1970, eq. 4.3; no continuity correction, as R ``cor.test(exact=FALSE,
        continuity=FALSE)``); ``"auto"`` (default): exact when there are no ties and
        n <= 33 (or S is at or next to its extreme), asymptotic otherwise, as
        ``scipy.stats.kendalltau(method="auto")``.
    confidence : float
        Level of the Wald interval ``estimate +/- z * ASE`` (clipped to [-1, 1]).

    Returns
    -------
    Estimate
        ``se`` the non-null ASE (Brown & Benedetti 1977) and ``se_null`` the null ASE of the
        contingency-table formulas (:func:`ordinal_associations`); ``p_value`` Kendall's
        test; ``extra``: ``n``, ``variant``, ``p_value_method`` ("exact" or "asymptotic").
        The estimate and p-value are SciPy's ``kendalltau(x, y, variant=, method=)``;
        checked against R ``cor.test(method="kendall", exact=TRUE)`` and a permutation
        enumeration (n <= 8).
    """
    confidence = check_confidence(confidence)
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    if len(x) != len(y):
        raise ReliabilityError(f"kendall_tau: x and y differ in length ({len(x)} and {len(y)})")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    name = f"kendall_tau_{variant}"
    label = "Kendall tau-b" if variant == "b" else "Stuart's tau-c"
    if n < 2:
        return Estimate(name, float("nan"), ci_level=confidence, method=label,
                        reason=f"needs at least 2 complete pairs; got {n}")
    ux, cx = np.unique(x, return_inverse=True)
    uy, cy = np.unique(y, return_inverse=True)
    ties = len(ux) < n or len(uy) < n
    if method == "exact" and ties:
        raise ReliabilityError(
            "kendall_tau: the exact p-value needs no ties, but "
            + ("x" if len(ux) < n else "y") + " has tied values: use method='asymptotic' "
            "(or 'auto')")
    table = np.bincount(cx * len(uy) + cy, minlength=len(ux) * len(uy)).reshape(len(ux), len(uy))
    assoc = ordinal_associations(table, confidence=confidence)[name]
    if assoc.reason:
        return Estimate(name, float("nan"), ci_level=confidence, method=label,
                        reason=assoc.reason, extra={"n": n, "variant": variant})
    used = method
    if method == "auto":
        tot = n * (n - 1) // 2
        _, d = concordance(table)
        dis = int(round(float((table * d).sum()) / 2))
        used = "exact" if not ties and (n <= EXACT_MAX_N or min(dis, tot - dis) <= 1) \
            else "asymptotic"
    res = stats.kendalltau(x, y, variant=variant, method=used)
    how = ("exact permutation distribution of S (no ties)" if used == "exact" else
           "normal approximation with the tie-corrected variance of S")
    return Estimate(name, float(res.statistic), assoc.se, assoc.ci, confidence,
                    f"{label}; ASE Brown & Benedetti (1977), Wald CI; p: Kendall's test, {how} "
                    "(scipy.stats.kendalltau)", se_null=assoc.se_null,
                    p_value=float(res.pvalue),
                    extra={"n": n, "variant": variant, "p_value_method": used})
