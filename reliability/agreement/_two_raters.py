"""Two-rater coefficients from the rater-1 x rater-2 contingency table.

* Cohen's (1960) kappa and weighted kappa (Cohen 1968) with the large-sample non-null SE
  of Fleiss, Cohen & Everitt (1969) (for CIs) and their SE under H0: kappa = 0 (for tests);
  checked against vcd_sexualfun, fleiss_cohen_everitt_1969, cohen_1968_weighted,
  gwet_cont3x3abstractors, gwet_cont4x4diagnosis (irrCAC's table SE equals the FCE SE).
* Scott's pi, Gwet's AC1/AC2, Brennan-Prediger, percent agreement and Krippendorff's alpha
  from a table (with the (1 - 1/(2n)) small-sample term) with Gwet's (2014, ch. 5) SEs,
  as irrCAC's ``*.table`` functions.
* 2 x 2 indices: PABAK, prevalence and bias indices (Byrt, Bishop & Carlin 1993) and
  maximum attainable kappa given the margins (Cohen 1960).
* Marginal homogeneity: Bowker (1948) symmetry test and Stuart (1955)-Maxwell (1970) test.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reliability.agreement._common import NAN, chance_corrected_statistic

_EPS = 1e-12
TABLE_KINDS = ("cohen", "scott", "gwet_ac", "brennan_prediger", "percent_agreement",
               "krippendorff")


def pa_pe_tables(counts, W, kind):
    """Observed and chance agreement ``(pa, pe)`` of a stack of ``(B, q, q)`` tables.

    The one formula of each table coefficient's chance agreement (``kind`` in
    :data:`TABLE_KINDS`), used for estimates, the bootstrap and :func:`kappa_many`.
    """
    B = counts.shape[0]
    n = counts.sum(axis=(1, 2))
    P = counts / n[:, None, None]
    W = np.asarray(W, dtype=float)
    q = W.shape[0]
    pa = np.einsum("kl,bkl->b", W, P)
    pr, pc = P.sum(axis=2), P.sum(axis=1)
    pi = (pr + pc) / 2
    if kind == "cohen":
        pe = np.einsum("bk,kl,bl->b", pr, W, pc)
    elif kind in ("scott", "krippendorff"):
        pe = np.einsum("bk,kl,bl->b", pi, W, pi)
        if kind == "krippendorff":
            eps = 1 / (2 * n)
            pa = (1 - eps) * pa + eps
    elif kind == "gwet_ac":
        pe = (W.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum(axis=1) if q > 1
              else np.full(B, NAN))
    elif kind == "brennan_prediger":
        pe = np.full(B, W.sum() / q ** 2)
    else:
        pe = np.zeros(B)
    return pa, pe


class TableFamily:
    """Paired ratings of two raters (units rated by both), as cells of a q x q table.

    The "units" of its statistics are the q * q cells, weighted by their counts: the
    bootstrap over the paired units gives each resample's table directly
    (``inference.bootstrap_units(groups=cell of each unit)``).
    """

    def __init__(self, table, weights):
        self.table = np.asarray(table, dtype=float)
        self.q = self.table.shape[0]
        self.n = int(round(self.table.sum()))
        self.W = np.asarray(weights, dtype=float)

    @classmethod
    def from_pairs(cls, first, second, q, weights):
        """From the two raters' category codes of each unit both rated."""
        a, b = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
        return cls(np.bincount(a * q + b, minlength=q * q).reshape(q, q), weights)

    # --------------------------------------------------------------- estimates
    def pa_pe(self, kind, u):
        """``u``: (B, q * q) weights of the cells (resampled tables)."""
        B = len(u)
        return self._pa_pe_counts(kind, np.asarray(u, dtype=float).reshape(B, self.q, self.q))

    def _pa_pe_counts(self, kind, counts):
        return pa_pe_tables(counts, self.W, kind)

    def statistic(self, kind):
        return chance_corrected_statistic(self.pa_pe, kind)

    def analytic(self, kind):
        """(estimate, se, pa, pe, n, reason, se_null); se_null only for Cohen (FCE 1969)."""
        pa, pe = (float(x[0]) for x in self._pa_pe_counts(kind, self.table[None]))
        n, W, q = self.n, self.W, self.q
        if kind == "gwet_ac" and q < 2:
            return NAN, NAN, pa, NAN, n, "AC1 needs at least 2 declared categories", NAN
        if kind != "percent_agreement" and abs(1 - pe) <= _EPS:
            return (NAN, NAN, pa, pe, n, "chance agreement p_e = 1 (a single category used): 0/0",
                    NAN)
        P = self.table / n
        pr, pc = P.sum(axis=1), P.sum(axis=0)
        pi = (pr + pc) / 2
        se_null = NAN
        if kind == "percent_agreement":
            coef, g = pa, np.zeros((q, q))
        elif kind == "brennan_prediger":
            coef, g = (pa - pe) / (1 - pe), np.zeros((q, q))
        elif kind == "cohen":
            v, v0 = kappa_variance(P, W)
            return (float((pa - pe) / (1 - pe)), float(np.sqrt(max(float(v), 0.0) / n)), pa,
                    pe, n, "", float(np.sqrt(max(float(v0), 0.0) / n)))
        elif kind in ("scott", "krippendorff"):
            # irrCAC gives Krippendorff's table alpha the SE of Scott's pi.
            pa0 = (W * P).sum()
            coef = (pa0 - pe) / (1 - pe)
            ws = ((W + W.T) / 2) @ pi
            g = ws[:, None] + ws[None, :]
        else:  # gwet_ac
            coef = (pa - pe) / (1 - pe)
            T = W.sum() / (q * (q - 1))
            g = 2 * T * (1 - (pi[:, None] + pi[None, :]) / 2)
        est = pa if kind == "percent_agreement" else (pa - pe) / (1 - pe)
        h = W - (1 - coef) * g
        mean = (P * h).sum()
        var = ((P * h ** 2).sum() - mean ** 2) / (n * (1 - pe) ** 2)
        return est, float(np.sqrt(max(var, 0.0))), pa, pe, n, "", se_null


def kappa_variance(p, W=None):
    """Per-observation variances ``(v, v0)`` of Cohen's (weighted) kappa at cell proportions.

    Fleiss, Cohen & Everitt (1969): non-null ``v`` (for intervals) and ``v0`` under
    H0: kappa = 0 with the observed margins; the SE for ``n`` pairs is ``sqrt(v / n)``.
    ``p`` is a ``(q, q)`` table of proportions or a stack ``(..., q, q)``; ``W`` agreement
    weights (default identity). NaN where chance agreement is 1.
    """
    p = np.asarray(p, dtype=float)
    q = p.shape[-1]
    W = np.eye(q) if W is None else np.asarray(W, dtype=float)
    pr, pc = p.sum(axis=-1), p.sum(axis=-2)
    pa = np.einsum("kl,...kl->...", W, p)
    pe = np.einsum("...k,kl,...l->...", pr, W, pc)
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = (pa - pe) / (1 - pe)
        g = (pc @ W.T)[..., :, None] + (pr @ W)[..., None, :]
        h = W - (1 - coef)[..., None, None] * g
        mean = (p * h).sum(axis=(-2, -1))
        v = ((p * h ** 2).sum(axis=(-2, -1)) - mean ** 2) / (1 - pe) ** 2
        h0 = W - g
        indep = pr[..., :, None] * pc[..., None, :]
        v0 = ((indep * h0 ** 2).sum(axis=(-2, -1)) - pe ** 2) / (1 - pe) ** 2
    bad = np.abs(1 - pe) <= _EPS
    return np.where(bad, np.nan, v), np.where(bad, np.nan, v0)


def two_by_two(table):
    """PABAK, prevalence index, bias index (Byrt et al. 1993) with multinomial SEs."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    (a, b), (c, d) = t / n
    po = a + d
    out = {
        "pabak": (2 * po - 1, 2 * np.sqrt(po * (1 - po) / n)),
        "prevalence_index": (a - d, np.sqrt((a + d - (a - d) ** 2) / n)),
        "bias_index": (b - c, np.sqrt((b + c - (b - c) ** 2) / n)),
    }
    return out, n


def max_kappa(table, weights=None):
    """Largest kappa attainable with the observed margins (Cohen 1960): p_o,max = sum min(p_k., p_.k)."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    pr, pc = t.sum(axis=1) / n, t.sum(axis=0) / n
    pe = pr @ pc
    pomax = np.minimum(pr, pc).sum()
    if abs(1 - pe) <= _EPS:
        return NAN, pe, "chance agreement p_e = 1 (a single category used): 0/0"
    return (pomax - pe) / (1 - pe), pe, ""


def bowker(table):
    """Bowker (1948) test of symmetry: sum_{k<l} (n_kl - n_lk)^2 / (n_kl + n_lk)."""
    t = np.asarray(table, dtype=float)
    iu = np.triu_indices(len(t), 1)
    s = t[iu] + t.T[iu]
    d = t[iu] - t.T[iu]
    keep = s > 0
    stat = float((d[keep] ** 2 / s[keep]).sum())
    df = int(keep.sum())
    p = float(stats.chi2.sf(stat, df)) if df > 0 else NAN
    return stat, df, p


def stuart_maxwell(table):
    """Stuart-Maxwell test of marginal homogeneity: d' S^-1 d on q-1 categories (Maxwell 1970)."""
    t = np.asarray(table, dtype=float)
    used = (t.sum(axis=0) + t.sum(axis=1)) > 0
    t = t[np.ix_(used, used)]
    q = len(t)
    if q < 2:
        return NAN, 0, NAN, "fewer than 2 categories used"
    d = (t.sum(axis=1) - t.sum(axis=0))[:-1]
    S = -(t + t.T)
    np.fill_diagonal(S, t.sum(axis=1) + t.sum(axis=0) - 2 * np.diag(t))
    S = S[:-1, :-1]
    try:
        stat = float(d @ np.linalg.solve(S, d))
    except np.linalg.LinAlgError:
        stat = float(d @ np.linalg.pinv(S) @ d)
    df = q - 1
    return stat, df, float(stats.chi2.sf(stat, df)), ""
