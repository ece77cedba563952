"""Gwet-framework multi-rater coefficients from unit x category counts, with Gwet's SEs.

All coefficients share ``(p_a - p_e) / (1 - p_e)`` with weighted observed agreement
``p_a`` averaged over units with at least two ratings and chance agreement ``p_e`` from
category proportions averaged over *all* units (a unit with a single rating still informs
the marginals) -- Gwet (2014), *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2-5, and
Gwet (2008), Br J Math Stat Psychol 61:29-48. Chance agreement:

* percent agreement: ``p_e = 0``;
* Brennan & Prediger (1981): ``p_e = sum(W) / q^2``;
* Gwet AC1/AC2: ``p_e = sum(W) / (q (q-1)) * sum_k pi_k (1 - pi_k)``;
* Fleiss (1971) kappa / Scott's pi: ``p_e = pi' W pi``;
* Krippendorff's alpha in Gwet's formulation (units with >= 2 ratings only, with the
  small-sample correction ``(1 - eps) p_a' + eps``, ``eps = 1 / total ratings``).

Non-null SEs are Gwet's linearisation (finite-population correction f = 0); they match
irrCAC's ``*.raw``/``*.dist`` functions (checked against fleiss1971_diagnoses,
krippendorff_reliability_data, gwet_distrib_6raters). Every estimate is also written as a
function of per-unit weights so that one matrix product serves all bootstrap resamples.

The "units" here are the distinct rating patterns of :mod:`reliability.agreement._stats`
with their frequencies ``freq`` (every sum over units is ``freq @ x``); with ``freq`` all
ones they are the units themselves.
"""

from __future__ import annotations

import numpy as np

from reliability.agreement._common import NAN, chance_corrected_statistic, ratio, wsum

KINDS = ("percent_agreement", "brennan_prediger", "gwet_ac", "fleiss", "krippendorff")
_EPS = 1e-12


class CountsFamily:
    """Precomputed per-unit quantities of a unit x category counts matrix ``R``.

    ``freq`` (default all ones): the number of units with each row of ``R``.
    """

    def __init__(self, counts, weights, freq=None):
        R = np.asarray(counts, dtype=float)
        self.R = R
        self.W = np.asarray(weights, dtype=float)
        G, self.q = R.shape
        self.f = np.ones(G) if freq is None else np.asarray(freq, dtype=float)
        self.n = int(round(self.f.sum()))
        self.ri = R.sum(axis=1)
        self.m2 = (self.ri >= 2).astype(float)
        Rw = R @ self.W.T
        self.sum_q = (R * (Rw - 1.0)).sum(axis=1)
        den = self.ri * (self.ri - 1.0)
        self.pa_i = np.where(den > 0, self.sum_q / np.where(den > 0, den, 1.0), 0.0)
        self.Rp = R / np.where(self.ri > 0, self.ri, 1.0)[:, None]
        self.T = self.W.sum() / (self.q * (self.q - 1)) if self.q > 1 else NAN
        # Krippendorff (Gwet's form) uses only units with >= 2 ratings.
        self.k_pa = np.where(self.m2 > 0, self.sum_q / np.where(self.ri > 1, self.ri - 1, 1), 0)
        self.k_ri = self.ri * self.m2
        self.k_R = R * self.m2[:, None]

    # ---------------------------------------------------------------- estimates
    def pa_pe(self, kind, u):
        """Observed and chance agreement for unit weights ``u`` (B x n)."""
        W, q = self.W, self.q
        if kind == "krippendorff":
            n2 = u @ self.m2
            rbar = ratio(u @ self.k_ri, n2)
            total = u @ self.k_ri
            eps = ratio(np.ones_like(total), total)
            paprime = ratio(u @ self.k_pa, rbar * n2)
            pa = (1 - eps) * paprime + eps
            pi = wsum(u, self.k_R) / (rbar * n2)[:, None]
            pe = np.einsum("bk,kl,bl->b", pi, W, pi)
            return pa, pe
        pa = ratio(u @ self.pa_i, u @ self.m2)
        if kind == "percent_agreement":
            return pa, np.zeros_like(pa)
        if kind == "brennan_prediger":
            return pa, np.full_like(pa, W.sum() / q ** 2)
        pi = wsum(u, self.Rp) / u.sum(axis=1)[:, None]
        if kind == "gwet_ac":
            if q < 2:
                return pa, np.full_like(pa, NAN)
            return pa, self.T * (pi * (1 - pi)).sum(axis=1)
        return pa, np.einsum("bk,kl,bl->b", pi, W, pi)

    def statistic(self, kind):
        return chance_corrected_statistic(self.pa_pe, kind)

    # ---------------------------------------------------------------- analytic
    def analytic(self, kind):
        """(estimate, se, pa, pe, n_for_df, reason) with Gwet's non-null SE."""
        f = self.f
        pa, pe = (float(x[0]) for x in self.pa_pe(kind, f[None]))
        if kind == "gwet_ac" and self.q < 2:
            return NAN, NAN, pa, NAN, self.n, "AC1 needs at least 2 declared categories"
        if kind != "percent_agreement" and abs(1 - pe) <= _EPS:
            return (NAN, NAN, pa, pe, self.n,
                    "chance agreement p_e = 1 (a single category used): 0/0")
        if kind == "krippendorff":
            return self._kripp_se(pa, pe)
        coef = pa if kind == "percent_agreement" else (pa - pe) / (1 - pe)
        n, n2 = self.n, f @ self.m2
        if kind == "percent_agreement":
            x = (n / n2) * self.pa_i
        else:
            c_i = (n / n2) * (self.pa_i - pe * self.m2) / (1 - pe)
            if kind == "brennan_prediger":
                x = c_i
            else:
                pi = (f @ self.Rp) / n
                if kind == "gwet_ac":
                    pe_i = self.T * (self.Rp @ (1 - pi))
                else:
                    pe_i = self.Rp @ (((self.W + self.W.T) / 2) @ pi)
                x = c_i - 2 * (1 - coef) * (pe_i - pe) / (1 - pe)
        var = (f @ (x - coef) ** 2) / (n * (n - 1)) if n > 1 else NAN
        return coef, float(np.sqrt(var)), pa, pe, n, ""

    def _kripp_se(self, pa, pe):
        # Gwet (2014) linearisation as irrCAC krippen.alpha.raw (reproduced exactly on
        # krippendorff_reliability_data, with a missing rating, and on complete data):
        # centred on alpha' = (p_a' - p_e)/(1 - p_e), p_a' before the (1 - eps) term; unequal
        # numbers of ratings enter through (r_i - rbar)/rbar corrections of p_a,i and p_e,i.
        keep = self.m2 > 0
        R, ri, f = self.R[keep], self.ri[keep], self.f[keep]
        n = int(round(f.sum()))
        rbar = (f @ ri) / n
        coef = (pa - pe) / (1 - pe)
        pa_i = self.sum_q[keep] / (rbar * (ri - 1))
        c2 = ((f @ pa_i) / n - pe) / (1 - pe)
        pa_i = pa_i - pa * (ri - rbar) / rbar
        k_i = (pa_i - pe) / (1 - pe)
        pi = (f @ R) / (rbar * n)
        pe_i = (R @ (((self.W + self.W.T) / 2) @ pi)) / rbar - pe * (ri - rbar) / rbar
        x = k_i - 2 * (1 - c2) * (pe_i - pe) / (1 - pe)
        var = (f @ (x - c2) ** 2) / (n * (n - 1)) if n > 1 else NAN
        return coef, float(np.sqrt(var)), pa, pe, n, ""


class RaterFamily:
    """Conger's (1980) kappa from raw ratings with rater identities (Gwet 2014 SE).

    Chance agreement uses each rater's own marginals: ``p_e = sum_kl w_kl (pbar_k pbar_l -
    s2_kl / r)`` with ``s2`` the between-rater covariance of the marginals. The variance is
    Gwet's linearisation (irrCAC ``conger.kappa.raw``), written with long arrays (no
    n x r x q arrays). Checked against fleiss1971_diagnoses and krippendorff_reliability_data.
    """

    def __init__(self, stats, weights):
        """``stats``: the :class:`~reliability.agreement._stats.UnitStats` of the ratings."""
        self.st = stats
        self.W = np.asarray(weights, dtype=float)
        self.counts = counts_family(stats, weights)
        self.n, self.r, self.q = stats.n, stats.r, stats.q
        from reliability.agreement._common import indicator
        G = stats.G
        self.S_gk = indicator(stats.unit, stats.rater.astype(np.int64) * self.q + stats.code,
                              G, self.r * self.q)
        self.S_g = indicator(stats.unit, stats.rater, G, self.r)

    def pa_pe(self, u):
        pa, _ = self.counts.pa_pe("fleiss", u)
        ng = wsum(u, self.S_g)                              # B x r
        pgk = wsum(u, self.S_gk).reshape(len(u), self.r, self.q) / ng[:, :, None]
        pbar = pgk.mean(axis=1)
        r = self.r
        s2 = (np.einsum("bgk,bgl->bkl", pgk, pgk) - r * pbar[:, :, None] * pbar[:, None, :]) / (r - 1)
        pe = np.einsum("kl,bkl->b", self.W, pbar[:, :, None] * pbar[:, None, :] - s2 / r)
        return pa, pe

    def statistic(self):
        def stat(u):
            pa, pe = self.pa_pe(u)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(np.abs(1 - pe) > _EPS, (pa - pe) / (1 - pe), np.nan)
        return stat

    def analytic(self):
        if self.r < 2:
            return NAN, NAN, NAN, NAN, self.n, "Conger's kappa needs at least 2 raters"
        f = self.st.freq
        pa, pe = (float(x[0]) for x in self.pa_pe(f[None]))
        if abs(1 - pe) <= _EPS:
            return NAN, NAN, pa, pe, self.n, "chance agreement p_e = 1 (a single category used): 0/0"
        coef = (pa - pe) / (1 - pe)
        st, n, r = self.st, self.n, self.r
        classif = st.rater_counts.astype(float)
        ng = classif.sum(axis=1)
        pgk = classif / ng[:, None]
        A = pgk.sum(axis=0)[None, :] - pgk
        M = A @ self.W
        c = (M * pgk).sum(axis=1)
        per = (n / ng[st.rater]) * (M[st.rater, st.code] - c[st.rater])
        lam = np.bincount(st.unit, weights=per, minlength=st.G) + c.sum()
        pe_i = lam / (r * (r - 1))
        cf = self.counts
        n2 = f @ cf.m2
        c_i = (n / n2) * (cf.pa_i - pe * cf.m2) / (1 - pe)
        x = c_i - 2 * (1 - coef) * (pe_i - pe) / (1 - pe)
        var = (f @ (x - coef) ** 2) / (n * (n - 1)) if n > 1 else NAN
        return coef, float(np.sqrt(var)), pa, pe, n, ""


def counts_family(stats, weights) -> CountsFamily:
    """The CountsFamily of ``stats`` (a ``UnitStats``) and ``weights``, built once per
    weights (``agreement()`` asks for several coefficients of one dataset)."""
    W = np.asarray(weights, dtype=float)
    return stats.family(("counts", W.shape, W.tobytes()),
                        lambda: CountsFamily(stats.counts, W, stats.freq))
