"""Two-way ANOVA kernels for the six Shrout-Fleiss ICCs on complete (balanced) data.

Everything is a function of the mean squares, and the mean squares are functions of row
sums, row sums of squares and column sums, so the same code serves the observed data
(one row of weights) and every bootstrap resample (weights ``W``, ``B x n``: resampled
column sums are ``W @ X``).

References
----------
Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
reliability. *Psychological Bulletin*, 86(2), 420-428.
McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass correlation
coefficients. *Psychological Methods*, 1(1), 30-46 (and the 1996 correction, p. 390);
Table 7 (F tests) and Table 8 (confidence intervals).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")


#: scalar types whose dimension needs no np.ndim call (the checks of f_ppf / f_sf run for
#: every ICC form: np.ndim cost ~0.4 us a call, a sixth of an ICC of 20,000 units)
_SCALAR = frozenset((float, int, np.float64, np.int64, np.float32, np.int32))


def _scalars(*args):
    """True if every argument is a scalar (as ``np.ndim(a) == 0`` for each)."""
    for a in args:
        if type(a) not in _SCALAR and np.ndim(a) != 0:
            return False
    return True


def f_ppf(q, df1, df2):
    """``scipy.stats.f.ppf``: the same cephes ``fdtri`` called directly for ordinary
    arguments (the distribution object's argument handling cost ~0.1 ms a call, most of an
    ICC of 20,000 units), the distribution object for edge cases (q at 0 or 1, non-finite
    or non-positive df). Checked bit for bit against stats.f.ppf in the tests."""
    if _scalars(q, df1, df2) and 0.0 < q < 1.0 and 0.0 < df1 < np.inf and 0.0 < df2 < np.inf:
        return special.fdtri(df1, df2, q)
    return stats.f.ppf(q, df1, df2)


def f_sf(x, df1, df2):
    """``scipy.stats.f.sf`` by cephes ``fdtrc`` for ordinary arguments (see :func:`f_ppf`)."""
    if _scalars(x, df1, df2) and 0.0 < x < np.inf and 0.0 < df1 < np.inf and 0.0 < df2 < np.inf:
        return special.fdtrc(df1, df2, x)
    return stats.f.sf(x, df1, df2)


def f_ppf_many(q, df1, df2):
    """``[f_ppf(q, a, b) for a, b in zip(df1, df2)]`` as one array, by one ``fdtri`` call
    (a ufunc computes each element alone, so each is the value :func:`f_ppf` gives)."""
    out = special.fdtri(df1, df2, q)
    for i, (a, b) in enumerate(zip(df1, df2)):
        if not (0.0 < q < 1.0 and 0.0 < a < np.inf and 0.0 < b < np.inf):
            out[i] = stats.f.ppf(q, a, b)
    return out


def f_sf_many(x, df1, df2):
    """``[f_sf(a, b, c) for a, b, c in zip(x, df1, df2)]`` by one ``fdtrc`` call."""
    out = special.fdtrc(df1, df2, x)
    for i, (a, b, c) in enumerate(zip(x, df1, df2)):
        if not (0.0 < a < np.inf and 0.0 < b < np.inf and 0.0 < c < np.inf):
            out[i] = stats.f.sf(a, b, c)
    return out


def mean_squares(weights, per_unit, n, k):
    """Mean squares for all resamples.

    Parameters
    ----------
    weights : (B, n) array of resampling counts (ones = observed data); a resample stands
        for ``weights.sum()`` units (a jackknife row of zeros and ones for n - 1).
    per_unit : tuple ``(X, rowsum, rowsq)`` of the centred data ``X`` (n x k), its row
        sums and row sums of squares.

    Returns
    -------
    dict of (B,) arrays ``MSR, MSC, MSE, MSW`` (and ``n``, the units of each resample).
    """
    X, rowsum, rowsq = per_unit
    w = np.atleast_2d(weights)
    # the number of units of each resample: n for the bootstrap, n - 1 for the jackknife
    # of the BCa interval (weights summing to n - 1), so every resample is analysed as the
    # data set it stands for
    n = w.sum(axis=1)
    if w.shape[0] == 1 and np.all(w == 1.0):
        # the observed data: plain sums (numpy's pairwise summation) rather than BLAS
        # products, whose threads cost more than one pass over the data (and on a busy
        # machine, measured 2026-12-03: 20,000 x 4 took 25 ms with 2 OpenBLAS threads)
        total = np.array([rowsum.sum()])
        colsum = np.einsum("ij->j", X)[None, :]    # = X.sum(axis=0), 5x faster
        sq = np.array([rowsq.sum()])
        rows = np.array([(rowsum * rowsum).sum()])
    else:
        total = w @ rowsum                   # grand total
        colsum = w @ X                       # B x k column totals
        sq = w @ rowsq                       # sum of squares
        rows = w @ (rowsum * rowsum)         # sum of squared row totals
    nk = n * k
    correction = total * total / nk
    sst = sq - correction
    ssr = rows / k - correction
    ssc = np.sum(colsum * colsum, axis=1) / n - correction
    sse = sst - ssr - ssc
    # Rounding can leave tiny negative sums of squares for exactly-fitting data.
    sse = np.maximum(sse, 0.0)
    ssc = np.maximum(ssc, 0.0)
    ssr = np.maximum(ssr, 0.0)
    return {
        "MSR": ssr / (n - 1),
        "MSC": ssc / (k - 1),
        "MSE": sse / ((n - 1) * (k - 1)),
        "MSW": (ssc + sse) / (n * (k - 1)),
        "SSR": ssr, "SSC": ssc, "SSE": sse, "n": n,
    }


def per_unit_terms(scores, total=None):
    """Centred data and the per-unit quantities the mean squares need (``total``:
    ``scores.sum()`` if the caller has it, saving a pass; the mean is then ``total /
    size``, which is how numpy's ``mean`` computes it).

    The centred data are returned column-major whatever the input's layout: a row-major
    array (an ndarray of units x raters) is transposed while it is centred, in the same
    pass. Every later pass then runs along whole columns, where numpy's reductions are
    fast: on row-major data of 20,000 x 4, einsum's column sums took 4x as long as the
    centring itself, and the row sums and sums of squares (over a short last axis) twice as
    long as they do here. On this layout, both row quantities add the columns left to
    right.
    """
    X = np.asarray(scores, dtype=float)
    mean = X.mean() if total is None else total / X.size
    # centring keeps the sums of squares accurate for large n
    X = np.subtract(X, mean, order="F")
    with np.errstate(over="ignore", under="ignore"):   # data near the float limits: redone
        return X, X.sum(axis=1), np.einsum("ij,ij->i", X, X)


def observed_mean_squares(per_unit, n, k):
    """:func:`mean_squares` of the observed data (weights all 1), as Python floats.

    The same arithmetic in the same order, bit for bit (checked in the tests), without the
    (1, n) weights and the dozen small-array operations of the general function, which cost
    more than the sums themselves for an ICC of 20,000 units. Also returns ``SQ``, the sum
    of squares of the centred data.
    """
    X, rowsum, rowsq = per_unit
    # silent: data near the float limits overflow here, and are then rescaled and redone
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(rowsum.sum())
        colsum = np.einsum("ij->j", X)                  # = X.sum(axis=0), 5x faster
        sq = float(rowsq.sum())
        rows = float(np.multiply(rowsum, rowsum).sum())
        colsq = float(np.multiply(colsum, colsum).sum())
    n = float(n)
    correction = total * total / (n * k)
    sst = sq - correction
    ssr = rows / k - correction
    ssc = colsq / n - correction
    sse = sst - ssr - ssc
    # Rounding can leave tiny negative sums of squares for exactly-fitting data (max as
    # np.maximum: NaN stays NaN).
    sse, ssc, ssr = max(sse, 0.0), max(ssc, 0.0), max(ssr, 0.0)
    return {
        "MSR": ssr / (n - 1),
        "MSC": ssc / (k - 1),
        "MSE": sse / ((n - 1) * (k - 1)),
        "MSW": (ssc + sse) / (n * (k - 1)),
        "SSR": ssr, "SSC": ssc, "SSE": sse, "n": n, "SQ": sq,
    }


def icc_from_ms(ms, n, k):
    """The six ICC point estimates (Shrout & Fleiss 1979, Table 1 / McGraw & Wong 1996)."""
    msr, msc, mse, msw = ms["MSR"], ms["MSC"], ms["MSE"], ms["MSW"]
    n = ms.get("n", n)   # units of each resample (see mean_squares)
    # A denominator that is zero up to rounding (relative to the mean squares) makes the
    # ratio meaningless: NaN. Only ICC2k's denominator MSR + (MSC - MSE)/n can reach or
    # cross 0 with non-degenerate data (rater mean square below the residual one).
    tiny = 1e-12 * (msr + msc + mse)
    with np.errstate(divide="ignore", invalid="ignore"):
        dens = {
            "ICC1": msr + (k - 1) * msw,
            "ICC2": msr + (k - 1) * mse + k * (msc - mse) / n,
            "ICC3": msr + (k - 1) * mse,
            "ICC1k": msr,
            "ICC2k": msr + (msc - mse) / n,
            "ICC3k": msr,
        }
        nums = {"ICC1": msr - msw, "ICC1k": msr - msw}
        out = {}
        for name, den in dens.items():
            num = nums.get(name, msr - mse)
            out[name] = np.where(den > tiny, num / np.where(den > tiny, den, 1.0), np.nan)
        return out


def icc_from_observed(ms, n, k):
    """:func:`icc_from_ms` for :func:`observed_mean_squares` (floats; the same arithmetic)."""
    msr, msc, mse, msw = ms["MSR"], ms["MSC"], ms["MSE"], ms["MSW"]
    n = ms["n"]
    tiny = 1e-12 * (msr + msc + mse)
    dens = (("ICC1", msr + (k - 1) * msw, msr - msw),
            ("ICC2", msr + (k - 1) * mse + k * (msc - mse) / n, msr - mse),
            ("ICC3", msr + (k - 1) * mse, msr - mse),
            ("ICC1k", msr, msr - msw),
            ("ICC2k", msr + (msc - mse) / n, msr - mse),
            ("ICC3k", msr, msr - mse))
    return {name: num / den if den > tiny else np.nan for name, den, num in dens}


def f_tests(ms, n, k):
    """F statistic, df1, df2 and p for each form (psych::ICC conventions).

    ICC1/ICC1k: ``F = MSR/MSW`` on ``(n-1, n(k-1))``; ICC2/2k/3/3k: ``F = MSR/MSE`` on
    ``(n-1, (n-1)(k-1))`` (the test of H0: ICC = 0, identical for agreement and consistency
    at ICC = 0; McGraw & Wong 1996, Table 7 with rho0 = 0).
    """
    return f_tests_scalar(float(ms["MSR"][0]), float(ms["MSE"][0]), float(ms["MSW"][0]), n, k)


def f_tests_scalar(msr, mse, msw, n, k):
    """:func:`f_tests` from the mean squares as floats."""
    df1 = n - 1
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = msr / msw if msw > 0 else (np.inf if msr > 0 else np.nan)
        f3 = msr / mse if mse > 0 else (np.inf if msr > 0 else np.nan)
    p1 = float(f_sf(f1, df1, n * (k - 1))) if np.isfinite(f1) else (0.0 if f1 == np.inf else np.nan)
    p3 = float(f_sf(f3, df1, (n - 1) * (k - 1))) if np.isfinite(f3) else (0.0 if f3 == np.inf else np.nan)
    for name in ("ICC1", "ICC1k"):
        out[name] = (float(f1), df1, n * (k - 1), p1)
    for name in ("ICC2", "ICC2k", "ICC3", "ICC3k"):
        out[name] = (float(f3), df1, (n - 1) * (k - 1), p3)
    return out


def rho0_tests(ms, n, k, rho0):
    """F tests of H0: ICC = ``rho0`` for the six forms (McGraw & Wong 1996, Table 8).

    With ``c(rho) = (1 + (k-1) rho) / (1 - rho)`` (single rater) or ``1 / (1 - rho)``
    (mean of k raters):

    * ICC(1), ICC(k): ``F = MSR / MSW / c(rho0)`` on ``(n-1, n(k-1))``;
    * ICC(C,1), ICC(C,k): ``F = MSR / MSE / c(rho0)`` on ``(n-1, (n-1)(k-1))``;
    * ICC(A,1): ``F = MSR / (a MSC + b MSE)`` with ``a = k rho0 / (n (1 - rho0))``,
      ``b = 1 + k rho0 (n-1) / (n (1 - rho0))``; ICC(A,k): the same with ``a = rho0 /
      (n (1 - rho0))``, ``b = 1 + rho0 (n-1) / (n (1 - rho0))``; both on ``(n-1, v)`` with
      the Satterthwaite ``v = (a MSC + b MSE)^2 / ((a MSC)^2/(k-1) + (b MSE)^2/((n-1)(k-1)))``
      (an approximate test).

    One-sided (H1: ICC > rho0), as in McGraw & Wong and irr::icc. At ``rho0 = 0`` every
    test is :func:`f_tests`' (checked in tests/icc/test_icc_rho0.py).

    Returns
    -------
    dict name -> ``(F, df1, df2, p)`` (floats; F is inf and p 0 when the denominator
    mean square is 0 and MSR > 0; NaN when both are 0).
    """
    return rho0_tests_scalar(*(ms[key][0] for key in ("MSR", "MSC", "MSE", "MSW")), n, k, rho0)


def rho0_tests_scalar(msr, msc, mse, msw, n, k, rho0):
    """:func:`rho0_tests` from the four mean squares (floats)."""
    msr, msc, mse, msw = np.float64(msr), np.float64(msc), np.float64(mse), np.float64(msw)
    df1 = float(n - 1)
    single = (1 + (k - 1) * rho0) / (1 - rho0)
    average = 1 / (1 - rho0)
    rows = [("ICC1", msw * single, n * (k - 1)), ("ICC1k", msw * average, n * (k - 1)),
            ("ICC3", mse * single, (n - 1) * (k - 1)), ("ICC3k", mse * average, (n - 1) * (k - 1))]
    for name, m in (("ICC2", k), ("ICC2k", 1)):
        a = m * rho0 / (n * (1 - rho0))
        b = 1 + m * rho0 * (n - 1) / (n * (1 - rho0))
        den = a * msc + b * mse
        v = _satterthwaite(a, b, msc, mse, n, k)
        if not np.isfinite(v):
            v = (n - 1) * (k - 1) if rho0 == 0 else np.nan
        rows.append((name, den, v))
    # F = MSR / den on (n - 1, d2); inf (p 0) when den is 0 and MSR > 0, NaN when both are
    tested = [(name, msr / den, float(d2)) for name, den, d2 in rows if den > 0]
    p = f_sf_many([F for _, F, _ in tested], [df1] * len(tested), [d2 for *_, d2 in tested])
    out = {name: (float(F), df1, d2, float(pv)) for (name, F, d2), pv in zip(tested, p)}
    for name, den, d2 in rows:
        if name not in out:
            out[name] = ((np.inf, df1, float(d2), 0.0) if msr > 0 else
                         (np.nan, df1, float(d2), np.nan))
    return {name: out[name] for name in ("ICC1", "ICC1k", "ICC3", "ICC3k", "ICC2", "ICC2k")}


def satterthwaite_df(icc2, msc, mse, n, k):
    """Satterthwaite df ``v`` of McGraw & Wong (1996, Table 8, ICC(A,1)) at a given ICC."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = k * icc2 / (n * (1 - icc2))
        b = 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
    return _satterthwaite(a, b, msc, mse, n, k)


def _satterthwaite(a, b, msc, mse, n, k):
    """Satterthwaite's df of the linear combination ``a MSC + b MSE`` (McGraw & Wong 1996,
    Table 8): ``(a MSC + b MSE)^2 / ((a MSC)^2 / (k-1) + (b MSE)^2 / ((n-1)(k-1)))``.

    The ratio does not depend on the scale of the mean squares, but their squares overflow
    above ~1e154 and underflow below ~1e-154 (data of spread ~1e77 or ~1e-77, well inside
    the range the ICC handles). Both terms are divided by the power of two nearest the
    larger one before they are squared: exact, so every value the plain formula gets
    right is unchanged bit for bit (tested).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        raters, residual = a * np.float64(msc), b * np.float64(mse)
        top = max(abs(raters), abs(residual))
        # in range, the squares divided by (n-1)(k-1) stay normal numbers: nothing to do
        if not 1e-100 < top < 1e100 and 0 < top < np.inf:
            shift = -math.frexp(top)[1]
            raters, residual = np.ldexp(raters, shift), np.ldexp(residual, shift)
        return ((raters + residual) ** 2
                / (raters ** 2 / (k - 1) + residual ** 2 / ((n - 1) * (k - 1))))


def f_intervals(ms, est, n, k, confidence):
    """Exact F-based intervals (McGraw & Wong 1996, Table 8).

    ICC2 uses the Satterthwaite df ``v`` evaluated at the ICC(A,1) estimate; the ICC2k
    interval is the Spearman-Brown transform of the ICC2 bounds (psych::ICC and
    pingouin convention, equivalent to McGraw & Wong's ICC(A,k) formula with ``v`` taken
    from ICC(A,1); irr::icc evaluates ``v`` at ICC(A,k) instead, see ``ci_irr``).
    """
    return f_intervals_scalar(*(ms[key][0] for key in ("MSR", "MSC", "MSE", "MSW")),
                              est["ICC2"][0], est["ICC2k"][0], n, k, confidence)


def f_intervals_scalar(msr, msc, mse, msw, icc2, icc2k, n, k, confidence):
    """:func:`f_intervals` from the four mean squares and the ICC2 / ICC2k estimates."""
    msr, msc, mse, msw = np.float64(msr), np.float64(msc), np.float64(mse), np.float64(msw)
    q = 1 - (1 - confidence) / 2
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        f1, f3 = msr / msw, msr / mse
        df2_1, df2_3 = n * (k - 1), (n - 1) * (k - 1)
        # Satterthwaite df of ICC(A,1) at the ICC2 estimate; irr::icc's convention for
        # ICC(A,k) evaluates it at the ICC2k estimate
        icc2, icc2k = np.float64(icc2), np.float64(icc2k)
        v = satterthwaite_df(icc2, msc, mse, n, k)
        vk = satterthwaite_df(icc2k, msc, mse, n, k)
        # the eight F quantiles at once
        (ppf1_l, ppf1_u, ppf3_l, ppf3_u, fs_u, fs_l, fs_uk, fs_lk) = f_ppf_many(
            q, (n - 1, df2_1, n - 1, df2_3, n - 1, v, n - 1, vk),
            (df2_1, n - 1, df2_3, n - 1, v, n - 1, vk, n - 1))
        # one-way
        fl = f1 / ppf1_l
        fu = f1 * ppf1_u
        out["ICC1"] = ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
        out["ICC1k"] = (1 - 1 / fl, 1 - 1 / fu)
        # consistency
        fl = f3 / ppf3_l
        fu = f3 * ppf3_u
        out["ICC3"] = ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
        out["ICC3k"] = (1 - 1 / fl, 1 - 1 / fu)
        # absolute agreement
        lo = n * (msr - fs_u * mse) / (fs_u * (k * msc + (k * n - k - n) * mse) + n * msr)
        hi = n * (fs_l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fs_l * msr)
        out["ICC2"] = (lo, hi)
        # Spearman-Brown is increasing only above -1/(k-1); a bound below that pole maps
        # to -inf (psych/pingouin would print a meaningless value there).
        pole = -1.0 / (k - 1)
        out["ICC2k"] = tuple(b * k / (1 + b * (k - 1)) if not b <= pole else -np.inf
                             for b in (lo, hi))
        # irr::icc convention for ICC(A,k): McGraw & Wong's ICC(A,k) bounds with vk.
        lo_k = n * (msr - fs_uk * mse) / (fs_uk * (msc - mse) + n * msr)
        hi_k = n * (fs_lk * msr - mse) / (msc - mse + n * fs_lk * msr)
    extra = {"df2_satterthwaite": {"ICC2": float(v), "ICC2k": float(vk)},
             "ci_irr": {"ICC2k": (float(lo_k), float(hi_k))}}
    return {key: (float(a), float(b)) for key, (a, b) in out.items()}, extra
