"""Classic coefficients the peers offer: Light's kappa, Kendall's W, Cronbach's alpha, Bangdiwala's B.

* :func:`light_kappa` -- Light (1971): the mean of Cohen's kappa over all rater pairs, each on
  the units both raters rated (as ``irr::kappam.light``). SE: delete-one-unit jackknife
  (Efron & Stein 1981), vectorised over units and pairs.
* :func:`kendall_w` -- Kendall & Babington Smith (1939) coefficient of concordance with the
  correction for ties, ``W = 12 S / (m^2 (n^3 - n) - m T)``, and its chi-square test
  ``m (n - 1) W`` on ``n - 1`` df; equal to Friedman's test with ties.
* :func:`cronbach_alpha` -- Cronbach (1951), raters (or items) as columns; Feldt (1965)
  interval from the F distribution on ``(n - 1, (n - 1)(k - 1))`` df; listwise (complete
  units) or pairwise (covariances over pairwise-complete units, as pingouin).
* :func:`bangdiwala_b` -- Bangdiwala (1985) agreement-chart statistic
  ``B = sum n_ii^2 / sum n_i+ n_+i`` for two raters; SE by the delete-one jackknife over the
  table's observations.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate
from reliability._validation import Choice, check_option
from reliability.agreement._functions import options
from reliability.agreement._stats import unit_stats

__all__ = ["light_kappa", "kendall_w", "cronbach_alpha", "bangdiwala_b"]


def _ratings(data, inp, *, level=None):
    # the agreement family's input resolution (units rated once kept), so that each
    # coefficient gives the same number alone and in agreement()
    from reliability.agreement._common import resolve

    return resolve(data, level=level, **inp)


_INPUT = ("categories", "shape", "unit", "rater", "rating", "encoding")


def _nan(name, reason, confidence, method):
    return Estimate(name, float("nan"), ci=(float("nan"), float("nan")), ci_level=confidence,
                    method=method, reason=reason)


def _normal_ci(est, se, confidence, lo=-1.0, hi=1.0):
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (float(max(est - z * se, lo)), float(min(est + z * se, hi)))


# --------------------------------------------------------------------------- Light's kappa
def _pair_kappas(N, D, Rm, Cm):
    """Cohen's kappa per pair from pair sizes N, agreements D, row/column margin sums."""
    with np.errstate(invalid="ignore", divide="ignore"):
        po = D / N
        pe = np.einsum("...c,...c->...", Rm, Cm) / (N * N)
        return (po - pe) / (1 - pe)


@options()
def light_kappa(ratings, *, confidence: float = 0.95,
        categories=None, shape=None, unit=None, rater="rater",
        rating="rating", encoding=None) -> Estimate:
    """Light's (1971) kappa: the mean pairwise Cohen's kappa (nominal, unweighted).

    Parameters
    ----------
    ratings : Ratings, DataFrame, ndarray or path
        Anything :func:`reliability.as_ratings` accepts, with rater identities.
    confidence : float
        Level of the interval ``estimate +/- z SE`` (jackknife SE), clipped to [-1, 1].

    Notes
    -----
    Checked against the mean of scikit-learn's ``cohen_kappa_score`` over the rater pairs, and
    the jackknife SE against the bootstrap SE over units (tests/agreement/test_classic.py).
    """
    check_option("confidence", confidence)
    method = "Light (1971) mean pairwise Cohen kappa; delete-one-unit jackknife SE"
    rt = _ratings(ratings, {k: v for k, v in locals().items() if k in _INPUT})
    rt._require_raters("light_kappa")
    k, q = rt.n_raters, rt.n_categories
    if k < 2:
        return _nan("light_kappa", "only one rater: agreement needs at least 2", confidence, method)
    # On the distinct rating patterns with their frequencies (agreement/_stats.py): every
    # sum below is a sum over units of a per-unit term, and units with one pattern have
    # one term, so memory is bounded by patterns x pairs rather than units x pairs.
    st = unit_stats(rt)
    codes = st.codes.astype(np.int64)
    f = st.freq
    a_idx, b_idx = np.triu_indices(k, 1)
    ca, cb = codes[:, a_idx], codes[:, b_idx]            # patterns x pairs
    both = (ca >= 0) & (cb >= 0)
    P = len(a_idx)
    pair = np.broadcast_to(np.arange(P), ca.shape)
    fw = np.broadcast_to(f[:, None], ca.shape)
    N = f @ both
    D = f @ (both & (ca == cb))
    Rm = np.bincount((pair * q + ca)[both], weights=fw[both], minlength=P * q).reshape(P, q)
    Cm = np.bincount((pair * q + cb)[both], weights=fw[both], minlength=P * q).reshape(P, q)
    kap = _pair_kappas(N, D, Rm, Cm)
    if np.any(N < 2) or not np.all(np.isfinite(kap)):
        return _nan("light_kappa", "a rater pair has fewer than 2 common units or a single "
                    "category (its kappa is undefined)", confidence, method)
    est = float(kap.mean())
    # leave unit i out of every pair it belongs to (the same for every unit of a pattern)
    sa, sb = np.where(both, ca, 0), np.where(both, cb, 0)
    w = both.astype(float)
    N_i = N - w
    D_i = D - w * (ca == cb)
    rc = np.einsum("pc,pc->p", Rm, Cm)
    cross = rc - w * (Cm[np.arange(P), sb] + Rm[np.arange(P), sa]) + w * (sa == sb)
    with np.errstate(invalid="ignore", divide="ignore"):
        kap_i = (D_i / N_i - cross / (N_i * N_i)) / (1 - cross / (N_i * N_i))
    # only units in at least one rater pair carry information: a unit rated once changes no
    # pair when left out, and counting it would shrink the SE by how many such units are kept
    used = both.any(axis=1)
    theta, fu = kap_i.mean(axis=1)[used], f[used]
    n = float(fu.sum())
    if n < 2 or not np.all(np.isfinite(theta)):
        se = float("nan")
    else:
        dev = theta - fu @ theta / n
        se = float(np.sqrt((n - 1) / n * (fu @ (dev * dev))))
    return Estimate("light_kappa", est, se=se, ci=_normal_ci(est, se, confidence),
                    ci_level=confidence, method=method, se_kind="jackknife",
                    extra={"pairwise": dict(zip([f"{rt.rater_labels[a]}|{rt.rater_labels[b]}"
                                                 for a, b in zip(a_idx, b_idx)],
                                                kap.tolist())), "n_pairs": int(P)})


# ----------------------------------------------------------------------------- Kendall's W
@options()
def kendall_w(ratings, *, confidence: float = 0.95,
        categories=None, shape=None, unit=None, rater="rater",
        rating="rating", encoding=None) -> Estimate:
    """Kendall's coefficient of concordance W with the ties correction, and its chi-square test.

    Raters rank (or score) the units; scores are ranked within each rater (mid-ranks for
    ties). Units not rated by every rater are dropped (listwise), with a note.

    Notes
    -----
    ``p_value`` is the chi-square test ``m (n - 1) W`` on ``n - 1`` df; checked against
    :func:`scipy.stats.friedmanchisquare` (same statistic) in the tests.
    """
    check_option("confidence", confidence)
    method = ("Kendall's W with ties correction (Kendall & Babington Smith 1939); "
              "chi-square m(n-1)W on n-1 df")
    rt = _ratings(ratings, {k: v for k, v in locals().items() if k in _INPUT}, level=None)
    rt._require_raters("kendall_w")
    codes = rt.codes
    values = np.asarray(rt.values, dtype=float)
    usable = np.isfinite(values)
    if usable.all():
        complete = (codes >= 0).all(axis=1)
    else:                                   # a category without a numeric value drops its units
        complete = (codes >= 0).all(axis=1) & usable[np.maximum(codes, 0)].all(axis=1)
    C = codes[complete] if not complete.all() else codes
    n, m = C.shape
    if m < 2 or n < 2:
        return _nan("kendall_w", "needs at least 2 raters and 2 units rated by all",
                    confidence, method)
    # Scores take one value per category, so each rater's mid-ranks follow from the counts
    # of the categories in value order (no sort of the units): the rank of value position r
    # is (number below r) + (count of r + 1) / 2, as scipy.stats.rankdata gives.
    uniq, position = np.unique(values, return_inverse=True)   # equal values share a rank
    Q = len(uniq)
    flat = np.arange(m, dtype=np.int64)[None, :] * Q + position[C]
    counts = np.bincount(flat.ravel(), minlength=m * Q).reshape(m, Q).astype(float)
    midrank = np.cumsum(counts, axis=1) - counts + (counts + 1.0) / 2.0
    Rj = midrank.ravel()[flat].sum(axis=1)
    S = float(np.sum((Rj - Rj.mean()) ** 2))
    # ties: sum over raters of sum over tie groups (categories used) of (t^3 - t)
    T = float(np.sum(counts ** 3 - counts))
    denom = m * m * (n ** 3 - n) - m * T
    if denom <= 0:
        return _nan("kendall_w", "every rater gave every unit the same rank", confidence, method)
    W = 12 * S / denom
    chi2 = m * (n - 1) * W
    p = float(stats.chi2.sf(chi2, n - 1))
    notes = [] if complete.all() else [f"{int((~complete).sum())} unit(s) not rated by every "
                                       "rater were dropped"]
    return Estimate("kendall_w", float(W), method=method, p_value=p, ci_level=confidence,
                    se_kind="none",
                    extra={"chi2": chi2, "df": n - 1, "n_units": n, "n_raters": m,
                           "ties_correction": T, "notes": notes})


# -------------------------------------------------------------------------- Cronbach alpha
@options()
def cronbach_alpha(ratings, *, confidence: float = 0.95, missing: str = "listwise",
        categories=None, shape=None, unit=None, rater="rater",
        rating="rating", encoding=None) -> Estimate:
    """Cronbach's alpha with Feldt's (1965) F-based interval.

    Parameters
    ----------
    ratings : Ratings, DataFrame, ndarray or path
        Numeric scores, raters (items) as columns.
    confidence : float
    missing : {"listwise", "pairwise"}
        Listwise: complete units only. Pairwise: each covariance on the units both columns
        have (pingouin's default); ``n`` for the interval is then the number of units.

    Notes
    -----
    Checked against ``pingouin.cronbach_alpha`` (estimate and CI) in the tests.
    """
    check_option("confidence", confidence)
    check_option("missing", missing, Choice(("listwise", "pairwise")))
    method = "Cronbach (1951) alpha; Feldt (1965) F interval"
    rt = _ratings(ratings, {k: v for k, v in locals().items() if k in _INPUT},
                  level="interval")
    rt._require_raters("cronbach_alpha")
    X = rt.scores
    if missing == "listwise":
        X = X[np.isfinite(X).all(axis=1)]
    n, k = X.shape
    if k < 2 or n < 2:
        return _nan("cronbach_alpha", "needs at least 2 items (raters) and 2 units",
                    confidence, method)
    import pandas as pd

    if np.isfinite(X).all():
        C = np.cov(X, rowvar=False)                # complete data: one BLAS product
    else:
        C = pd.DataFrame(X).cov().to_numpy()       # pairwise-complete covariances
    total = C.sum()
    if not np.isfinite(total) or total <= 0:
        return _nan("cronbach_alpha", "the total score has no variance", confidence, method)
    alpha = k / (k - 1) * (1 - np.trace(C) / total)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - confidence
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    return Estimate("cronbach_alpha", float(alpha), ci=(float(lo), float(hi)),
                    ci_level=confidence, method=method, se_kind="none",
                    extra={"n_units": n, "n_items": k, "missing": missing})


# ---------------------------------------------------------------------------- Bangdiwala B
def _b_stat(diag, rows, cols):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(diag ** 2, axis=-1) / np.sum(rows * cols, axis=-1)


@options()
def bangdiwala_b(ratings, *, confidence: float = 0.95,
        categories=None, shape=None, unit=None, rater="rater",
        rating="rating", encoding=None) -> Estimate:
    """Bangdiwala's (1985) B of two raters, with a delete-one jackknife SE.

    Notes
    -----
    Checked against R ``vcd::agreementplot`` (``Bangdiwala``) in tests/data/bangdiwala_vcd.json
    (script ``tests/data/scripts/bangdiwala_vcd.R``).
    """
    check_option("confidence", confidence)
    method = "Bangdiwala (1985) B = sum n_ii^2 / sum n_i+ n_+i; jackknife SE"
    rt = _ratings(ratings, {k: v for k, v in locals().items() if k in _INPUT})
    if rt.shape == "table":
        rt._require_raters("bangdiwala_b")
    if rt.n_raters != 2:
        raise ReliabilityError(f"bangdiwala_b needs exactly 2 raters; the data have "
                               f"{rt.n_raters}")
    T = rt.pair_table(0, 1).astype(float)
    n = T.sum()
    rows, cols, diag = T.sum(axis=1), T.sum(axis=0), np.diag(T).copy()
    est = float(_b_stat(diag, rows, cols))
    if n < 2 or not np.isfinite(est):
        return _nan("bangdiwala_b", "fewer than 2 units rated by both", confidence, method)
    # leave one observation of cell (i, j) out: one stacked table per non-empty cell
    i, j = np.nonzero(T)
    R = np.repeat(rows[None], len(i), 0)
    C = np.repeat(cols[None], len(i), 0)
    Dg = np.repeat(diag[None], len(i), 0)
    idx = np.arange(len(i))
    R[idx, i] -= 1
    C[idx, j] -= 1
    on = i == j
    Dg[idx[on], i[on]] -= 1
    theta = _b_stat(Dg, R, C)
    wts = T[i, j]
    mean = np.sum(wts * theta) / n
    se = float(np.sqrt((n - 1) / n * np.sum(wts * (theta - mean) ** 2)))
    return Estimate("bangdiwala_b", est, se=se, ci=_normal_ci(est, se, confidence, 0.0, 1.0),
                    ci_level=confidence, method=method, se_kind="jackknife",
                    extra={"n_units": int(n)})
