"""Grades against later outcomes: standardised differences relative to a reference grade.

Raw: Cohen's d with the two-group pooled SD and Hedges' g (small-sample correction
``J = 1 - 3/(4(n1+n2) - 9)``, Hedges 1981), SE ``sqrt((n1+n2)/(n1 n2) + d^2/(2(n1+n2)))``
(Hedges & Olkin 1985), CI ``d +/- t(n1+n2-2) SE`` (as R effsize::cohen.d and pingouin).

Adjusted: OLS of the outcome on grade indicators (reference grade omitted) plus the context
covariates; the adjusted standardised difference is ``beta_g / s_w`` where ``s_w`` is the
pooled within-grade SD of the outcome (root mean square error of the grade-only model), so
raw (``beta_g`` of the grade-only model / ``s_w``) and adjusted values share one
standardiser. Its SE is ``se(beta_g)/s_w`` (``s_w`` treated as fixed). Least squares by
numpy; checked against statsmodels OLS (tests/validity/test_outcomes.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.inference import check_confidence, t_interval


def _ols(y, x):
    """Coefficients, classical SEs and residual df of y ~ x (x includes the intercept)."""
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    df = len(y) - np.linalg.matrix_rank(x)
    s2 = float(resid @ resid) / df if df > 0 else float("nan")
    cov = s2 * np.linalg.pinv(x.T @ x)
    return beta, np.sqrt(np.diag(cov)), df, np.sqrt(s2)


def grade_outcome_differences(grade_codes, outcome, *, categories, covariates=None,
                              reference: int = 0, confidence: float = 0.95) -> EstimateTable:
    """Standardised outcome differences between each grade and a reference grade.

    Parameters
    ----------
    grade_codes : array_like of int
        Grades coded 0..K-1 in the order of ``categories``.
    outcome : array_like of float
        Later (or concurrent) outcome, e.g. a progress score.
    categories : sequence
        Grade labels (names the estimates).
    covariates : array_like, shape (n, p), optional
        Context covariates for the adjusted differences.
    reference : int
        Code of the reference grade (default the first category).

    Returns
    -------
    EstimateTable
        For each other grade ``g``: ``cohen_d[g]``, ``hedges_g[g]`` (two-group),
        ``std_diff_raw[g]`` and, with covariates, ``std_diff_adjusted[g]`` (regression,
        t(df) CIs). ``info`` has group sizes, means and ``s_within``.
    """
    confidence = check_confidence(confidence)
    g = np.asarray(grade_codes, dtype=np.int64)
    yv = np.asarray(outcome, dtype=float)
    cats = list(categories)
    k = len(cats)
    if len(g) != len(yv):
        raise ReliabilityError("grade and outcome have different lengths")
    if not np.isfinite(yv).all():
        raise ReliabilityError("outcome contains missing values; drop them first")
    if not 0 <= reference < k:
        raise ReliabilityError(f"reference grade code {reference} is not in 0..{k - 1}")
    n_g = np.bincount(g, minlength=k)
    if n_g[reference] < 2:
        raise ReliabilityError(f"reference grade {cats[reference]!r} has fewer than 2 schools")
    sums = np.bincount(g, weights=yv, minlength=k)
    means = np.divide(sums, n_g, out=np.full(k, np.nan), where=n_g > 0)
    ss = np.bincount(g, weights=(yv - means[g]) ** 2, minlength=k)
    var = np.divide(ss, n_g - 1, out=np.full(k, np.nan), where=n_g > 1)
    present = np.flatnonzero(n_g > 0)
    # Grade-only and adjusted regressions (reference omitted).
    dummies = [j for j in present if j != reference]
    xg = np.column_stack([np.ones(len(g))] + [(g == j).astype(float) for j in dummies])
    b0, se0, df0, s_w = _ols(yv, xg)
    xa = None
    if covariates is not None:
        cov = np.asarray(covariates, dtype=float).reshape(len(g), -1)
        if not np.isfinite(cov).all():
            raise ReliabilityError("covariates contain missing values; drop them first")
        # The grade coefficients do not change under an affine change of a covariate, but
        # least squares does: a covariate on the 1e15 scale makes the grade columns fall below
        # lstsq's rank cut-off and their coefficients come back as ~0. Standardise first.
        sd = cov.std(axis=0)
        if (sd == 0).any() or not np.isfinite(sd).all():
            j = int(np.flatnonzero((sd == 0) | ~np.isfinite(sd))[0])
            raise ReliabilityError(f"covariate {j + 1} is constant (or overflows): it cannot "
                                   "adjust the differences")
        xa = np.column_stack([xg, (cov - cov.mean(axis=0)) / sd])
        ba, sea, dfa, _ = _ols(yv, xa)
    ests = {}
    ref = cats[reference]
    for pos, j in enumerate(dummies):
        lab = f"{cats[j]} vs {ref}"
        n1, n2 = int(n_g[j]), int(n_g[reference])
        if n1 >= 2:
            sp = np.sqrt(((n1 - 1) * var[j] + (n2 - 1) * var[reference]) / (n1 + n2 - 2))
            d = (means[j] - means[reference]) / sp if sp > 0 else float("nan")
            jcorr = 1 - 3 / (4 * (n1 + n2) - 9)
            for name, val in (("cohen_d", d), ("hedges_g", jcorr * d)):
                se = np.sqrt((n1 + n2) / (n1 * n2) + val**2 / (2 * (n1 + n2)))
                ests[f"{name}[{cats[j]}]"] = Estimate(
                    f"{name}[{cats[j]}]", float(val), float(se),
                    t_interval(val, se, n1 + n2 - 2, confidence), confidence,
                    f"{lab}: {'Cohen d' if name == 'cohen_d' else 'Hedges g'} with two-group "
                    "pooled SD; SE Hedges & Olkin (1985); CI +/- t(n1+n2-2) SE (as R effsize::cohen.d)",
                    p_value=float(2 * stats.t.sf(abs((means[j] - means[reference]) / (
                        sp * np.sqrt(1 / n1 + 1 / n2))), n1 + n2 - 2)) if sp > 0 else np.nan,
                    extra={"n": n1, "n_reference": n2})
        est = b0[pos + 1] / s_w
        se = se0[pos + 1] / s_w
        ests[f"std_diff_raw[{cats[j]}]"] = Estimate(
            f"std_diff_raw[{cats[j]}]", float(est), float(se), t_interval(est, se, df0, confidence),
            confidence, f"{lab}: OLS grade-only coefficient / pooled within-grade SD; t({df0}) CI",
            p_value=float(2 * stats.t.sf(abs(b0[pos + 1] / se0[pos + 1]), df0)),
            extra={"coefficient": float(b0[pos + 1]), "coefficient_se": float(se0[pos + 1])})
        if xa is not None:
            est = ba[pos + 1] / s_w
            se = sea[pos + 1] / s_w
            ests[f"std_diff_adjusted[{cats[j]}]"] = Estimate(
                f"std_diff_adjusted[{cats[j]}]", float(est), float(se),
                t_interval(est, se, dfa, confidence), confidence,
                f"{lab}: OLS coefficient adjusted for {xa.shape[1] - xg.shape[1]} context "
                f"covariate(s) / pooled within-grade SD; t({dfa}) CI",
                p_value=float(2 * stats.t.sf(abs(ba[pos + 1] / sea[pos + 1]), dfa)),
                extra={"coefficient": float(ba[pos + 1]), "coefficient_se": float(sea[pos + 1])})
    info = {"n": int(len(g)), "reference": ref, "s_within": float(s_w),
            "groups": pd.DataFrame({"grade": cats, "n": n_g, "mean": means,
                                    "sd": np.sqrt(var)}).to_dict(orient="records")}
    return EstimateTable(ests, info)
