"""Krippendorff's alpha at the nominal, ordinal, interval and ratio levels.

``alpha = 1 - (n.. - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck`` over the coincidence
matrix ``o`` of pairable values (units with at least two ratings), with Krippendorff's
(2011, "Computing Krippendorff's alpha-reliability") difference functions:

* nominal ``d = [c != k]``; interval ``d = (c - k)^2``; ratio ``d = ((c - k)/(c + k))^2``;
* ordinal ``d = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2`` -- frequency based, so it is *not*
  irrCAC's ``weights="ordinal"`` (.815 vs .834 on krippendorff_reliability_data).

Checked against krippendorff_reliability_data (.743/.815/.849/.797) and the
``krippendorff`` package. Interval alpha uses sums of squares (no q x q matrix), so it
scales to any number of distinct values; the other levels need q <= 2,000 categories.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from reliability._errors import ReliabilityError
from reliability.agreement._common import NAN, wsum

MAX_CATEGORIES = 2000


def ordinal_delta(nc):
    """Ordinal metric from marginal frequencies ``nc`` (..., q) -> (..., q, q)."""
    cum = np.cumsum(nc, axis=-1)
    lo = cum - nc                                  # sum_{g<c} n_g
    # sum_{g=c..k} n_g for c <= k is cum[k] - lo[c]
    span = cum[..., None, :] - lo[..., :, None]
    span = np.where(span >= 0, span, np.swapaxes(span, -1, -2))
    d = span - (nc[..., :, None] + nc[..., None, :]) / 2
    return d ** 2


def fixed_delta(level, values):
    v = np.asarray(values, dtype=float)
    if level == "nominal":
        return 1.0 - np.eye(len(v))
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, ((v[:, None] - v[None, :]) / np.where(s > 0, s, 1)) ** 2, 0.0)
    raise ValueError(level)


class Krippendorff:
    """Per-unit pieces for alpha and its bootstrap (weights over units with >= 2 ratings).

    Built from the rating patterns of :mod:`reliability.agreement._stats` (``stats``):
    each pattern is a "unit" weighted by its frequency.
    """

    def __init__(self, stats, level):
        self.level = level
        m = stats.ratings_per_pattern
        self.keep = np.flatnonzero(m >= 2)
        self.f = stats.freq[self.keep]
        self.n = int(round(self.f.sum()))
        self.q = stats.q
        if self.n == 0:
            self.reason = "no unit has two or more ratings (nothing is pairable)"
            return
        self.reason = ""
        mk = m[self.keep].astype(float)
        values = stats.rt.values
        if level == "interval" and stats.has_raters:
            # Sums of squares: r'Dr = 2 (m sum v^2 - (sum v)^2); no q x q matrix needed.
            G = len(self.keep)
            pos = np.full(stats.G, -1)
            pos[self.keep] = np.arange(G)
            sel = pos[stats.unit] >= 0
            idx = pos[stats.unit[sel]]
            v = values[stats.code[sel]]
            s1 = np.bincount(idx, weights=v, minlength=G)
            s2 = np.bincount(idx, weights=v * v, minlength=G)
            self.mode = "moments"
            self.o_i = 2 * (mk * s2 - s1 ** 2) / (mk - 1)      # unit's sum o_ck d_ck * ...
            self.X = np.column_stack([mk, s1, s2])
            return
        if self.q > MAX_CATEGORIES:
            raise ReliabilityError(
                f"Krippendorff's alpha at the {level} level needs a q x q difference matrix; "
                f"{self.q} distinct values exceed the limit of {MAX_CATEGORIES}. Use "
                "level='interval' (computed without that matrix) or bin the ratings")
        R = sp.csr_matrix(stats.counts[self.keep].astype(float))
        self.R = R
        self.mk = mk
        self.mode = "pairs" if level == "ordinal" else "fixed"
        if self.mode == "fixed":
            D = fixed_delta(level, values)
            RD = R @ D
            self.o_i = np.asarray(R.multiply(RD).sum(axis=1)).ravel() / (mk - 1)
            self.D = D
        else:
            # Ordinal metric depends on the margins: keep per-unit coincidences (sparse, only
            # category pairs that occur in the unit; never n x q x q dense).
            self.O = _unit_coincidences(R, mk, self.q)

    def statistic(self):
        def stat(u_all):
            u = u_all[:, self.keep]
            return self._alpha(u)
        return stat

    def _alpha(self, u):
        if self.mode == "moments":
            S = u @ self.X
            N, S1, S2 = S[:, 0], S[:, 1], S[:, 2]
            do = u @ self.o_i
            de = 2 * (N * S2 - S1 ** 2)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(de > 0, 1 - (N - 1) * do / np.where(de > 0, de, 1), np.nan)
        nc = wsum(u, self.R)
        N = nc.sum(axis=1)
        if self.mode == "fixed":
            do = u @ self.o_i
            de = np.einsum("bk,kl,bl->b", nc, self.D, nc)
        else:
            D = ordinal_delta(nc)
            O = wsum(u, self.O).reshape(len(u), self.q, self.q)
            do = (O * D).sum(axis=(1, 2))
            de = np.einsum("bk,bkl,bl->b", nc, D, nc)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(de > 1e-12 * np.maximum(N, 1) ** 2,
                            1 - (N - 1) * do / np.where(de > 0, de, 1), np.nan)

    def estimate(self):
        if self.reason:
            return NAN, self.reason
        a = float(self._alpha(self.f[None])[0])
        if not np.isfinite(a):
            return NAN, "expected disagreement D_e = 0 (a single value in the data): 0/0"
        return a, ""


def _unit_coincidences(R, mk, q):
    """Sparse n x q^2 matrix: unit i's coincidences (r_ic r_ik - [c=k] r_ic) / (m_i - 1)."""
    R = R.tocsr()
    n = R.shape[0]
    nnz_per = np.diff(R.indptr)
    rows = np.repeat(np.arange(n), nnz_per ** 2)
    # Pair every stored entry of a unit with every stored entry of the same unit.
    starts = R.indptr[:-1]
    first = np.repeat(np.arange(R.nnz), np.repeat(nnz_per, nnz_per))
    offs = np.arange(len(first)) - np.repeat(np.cumsum(np.repeat(nnz_per, nnz_per)) -
                                             np.repeat(nnz_per, nnz_per), np.repeat(nnz_per, nnz_per))
    second = starts[rows] + offs
    c, k = R.indices[first], R.indices[second]
    rc, rk = R.data[first], R.data[second]
    val = (rc * rk - np.where(c == k, rc, 0.0)) / (mk[rows] - 1)
    return sp.csr_matrix((val, (rows, c * q + k)), shape=(n, q * q))
