"""Public one-coefficient functions. Each accepts anything :func:`reliability.data.as_ratings`
accepts plus keyword-only options, and returns an :class:`~reliability._results.Estimate`.

Common options
--------------
weights : {"identity", "linear", "quadratic"} or (q, q) array, optional
    Agreement weights (``weight_matrix``). Default identity (unweighted), except
    ``gwet_ac2`` (quadratic).
level, categories, shape, unit, rater, rating, encoding
    Passed to ``as_ratings`` (units with a single rating are kept: they inform Gwet's
    chance-agreement marginals; observed agreement uses units with >= 2 ratings).
confidence : float
    Confidence level (default 0.95).
ci_method : {"t", "normal"}
    ``"t"`` (default, irrCAC): est +/- t(n-1) se, upper bound capped at 1.
    ``"normal"`` (vcd): est +/- z se, clipped to [-1, 1].
bootstrap : int
    Number of bootstrap resamples over units (0 = none). Results go to
    ``extra["bootstrap"]`` (se, ci, method, n_resamples, seed); analytic se/ci unchanged.
seed : int, optional
    Seed of the bootstrap.
bootstrap_method : {"percentile", "bca"}

SEs are non-null (for confidence intervals): Gwet (2014) linearisation for the multi-rater
coefficients and the table coefficients; for Cohen's kappa the Fleiss, Cohen & Everitt
(1969) SE (equal to irrCAC's). ``se_null`` holds the SE under H0: coefficient = 0 where the
literature defines one (Cohen: FCE 1969; Fleiss: Fleiss, Nee & Landis 1979), with
``p_value`` of that z test.
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.agreement import _fleiss
from reliability.agreement._common import NAN, build, resolve, undefined
from reliability.agreement._gwet import RaterFamily, counts_family
from reliability.agreement._krippendorff import MAX_CATEGORIES, Krippendorff, fixed_delta, ordinal_delta
from reliability.agreement._two_raters import (TableFamily, bowker, max_kappa as _max_kappa,
                                               stuart_maxwell, two_by_two)
from reliability.agreement._weights import weight_matrix, weights_label

_INPUT = ("level", "categories", "shape", "unit", "rater", "rating", "encoding")


def _check_q(rt):
    if rt.n_categories > MAX_CATEGORIES:
        raise ReliabilityError(
            f"{rt.n_categories} distinct rating values: categorical agreement coefficients need "
            f"at most {MAX_CATEGORIES} categories; for continuous scores use "
            "krippendorff_alpha(level='interval') or the ICC")


def _prep(ratings, kw, default_weights="identity"):
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    _check_q(rt)
    w = kw.pop("weights", None)
    if w is None:
        w = default_weights
    W = weight_matrix(w, rt.values)
    return rt, W, weights_label(w)


def _opts(kw):
    out = dict(confidence=kw.pop("confidence", 0.95), ci_method=kw.pop("ci_method", "t"),
               bootstrap=int(kw.pop("bootstrap", 0) or 0), seed=kw.pop("seed", None),
               bootstrap_method=kw.pop("bootstrap_method", "percentile"))
    if kw:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(kw)}")
    return out


def _one_rater(rt, name, o):
    if rt.has_raters and rt.n_raters < 2:
        return undefined(name, "only one rater: agreement needs at least 2",
                         confidence=o["confidence"])
    if int(rt.ratings_per_unit.max()) < 2:
        return undefined(name, "no unit has two or more ratings", confidence=o["confidence"])
    return None


_GWET_NAMES = {"percent_agreement": "percent agreement (Gwet 2014)",
               "brennan_prediger": "Brennan & Prediger (1981)",
               "gwet_ac": "Gwet (2008) AC1/AC2",
               "fleiss": "Fleiss (1971) kappa / Scott's pi",
               "krippendorff": "Krippendorff's alpha (Gwet 2014 formulation)"}
_TABLE = {"fleiss": "scott"}


def _family(name, kind, rt, W, wlabel, o, *, se_null=NAN, extra=None):
    """A Gwet-framework coefficient: table formulas for contingency-table input, raw otherwise."""
    bad = _one_rater(rt, name, o)
    if bad is not None:
        return bad
    if rt.shape == "table":
        fam = TableFamily.from_ratings(rt, W)
        tkind = _TABLE.get(kind, kind)
        est, se, pa, pe, n, reason, _ = fam.analytic(tkind)
        stat, n_units = fam.statistic(tkind), fam.n
        how = "from the 2-rater contingency table (irrCAC *.table)"
    else:
        fam = counts_family(rt.counts, W)
        est, se, pa, pe, n, reason = fam.analytic(kind)
        stat, n_units = fam.statistic(kind), fam.n
        how = "from raw ratings/counts (irrCAC *.raw)"
    ex = {"observed_agreement": pa, "chance_agreement": pe, "n_units": n, "weights": wlabel}
    ex.update(extra or {})
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"{_GWET_NAMES[kind]}, {wlabel} weights, {how}; "
                        "Gwet (2014) non-null SE", reason=reason, se_null=se_null, extra=ex,
                 stat=stat, n_units=n_units, bootstrap=o["bootstrap"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"])


# ------------------------------------------------------------------ Gwet family
def percent_agreement(ratings, **kw) -> Estimate:
    """Percent (weighted) agreement: mean over units of the proportion of agreeing rating pairs.

    Gwet (2014) eq. 2.x; SE as irrCAC ``pa.coeff.raw`` / table form. See module docs for options.
    """
    rt, W, wl = _prep(ratings, kw)
    return _family("percent_agreement", "percent_agreement", rt, W, wl, _opts(kw))


def brennan_prediger(ratings, **kw) -> Estimate:
    """Brennan & Prediger (1981) coefficient, ``p_e = sum(W) / q^2`` over the *declared* categories."""
    rt, W, wl = _prep(ratings, kw)
    return _family("brennan_prediger", "brennan_prediger", rt, W, wl, _opts(kw))


def gwet_ac1(ratings, **kw) -> Estimate:
    """Gwet's (2008) AC1 (unweighted; pass ``weights`` for AC2). Checked vs irrCAC."""
    rt, W, wl = _prep(ratings, kw)
    return _family("gwet_ac1" if wl == "identity" else "gwet_ac2", "gwet_ac", rt, W, wl,
                   _opts(kw))


def gwet_ac2(ratings, **kw) -> Estimate:
    """Gwet's AC2 (weighted AC1, Gwet 2014 ch. 4); default quadratic weights."""
    rt, W, wl = _prep(ratings, kw, default_weights="quadratic")
    return _family("gwet_ac2", "gwet_ac", rt, W, wl, _opts(kw))


def fleiss_kappa(ratings, **kw) -> Estimate:
    """Fleiss' (1971) kappa (multi-rater Scott's pi), optionally weighted.

    ``se`` is Gwet's (2014) non-null SE (irrCAC ``fleiss.kappa.raw``); ``se_null`` the
    Fleiss, Nee & Landis (1979) SE under H0 (irr ``kappam.fleiss``; unweighted, equal
    raters per unit only) and ``p_value`` its two-sided z test.
    """
    rt, W, wl = _prep(ratings, kw)
    o = _opts(kw)
    se_null, extra = NAN, {}
    if wl == "identity":
        counts = rt.counts[rt.ratings_per_unit >= 1]
        se_null, why = _fleiss.fleiss_null_se(counts)
        if why:
            extra["se_null_reason"] = why
        else:
            extra["se_null_method"] = "Fleiss, Nee & Landis (1979) SE under H0: kappa = 0"
    name = "fleiss_kappa"
    # With table input (two raters) Fleiss' kappa is Scott's pi with irrCAC's table SE.
    return _family(name, "fleiss", rt, W, wl, o, se_null=se_null, extra=extra)


def scott_pi(ratings, **kw) -> Estimate:
    """Scott's (1955) pi; for more than two raters this is Fleiss' kappa (Gwet's raw SE)."""
    rt, W, wl = _prep(ratings, kw)
    return _family("scott_pi", "fleiss", rt, W, wl, _opts(kw))


# ------------------------------------------------------------------ kappas with raters
def cohen_kappa(ratings, *, raters=None, **kw) -> Estimate:
    """Cohen's (1960) kappa / weighted kappa (Cohen 1968) of two raters.

    Uses the units rated by both raters (``raters`` picks two columns if there are more).
    ``se``: Fleiss, Cohen & Everitt (1969) non-null SE (= vcd ``ASE`` = irrCAC table SE);
    ``se_null``: FCE SE under H0: kappa = 0, with ``p_value``. Identity weights give
    exactly the unweighted kappa. Use ``ci_method="normal"`` for vcd's intervals.
    """
    rt, W, wl = _prep(ratings, kw)
    o = _opts(kw)
    name = "cohen_kappa"
    if not rt.has_raters:
        raise ReliabilityError("cohen_kappa needs rater identities; counts input has none "
                               "(use fleiss_kappa)")
    if rt.n_raters < 2:
        return undefined(name, "only one rater: agreement needs at least 2",
                         confidence=o["confidence"])
    if rt.n_raters > 2 and raters is None:
        raise ReliabilityError(f"cohen_kappa needs exactly 2 raters; got {rt.n_raters} "
                               "(use conger_kappa, or pick two with raters=(i, j))")
    i, j = raters if raters is not None else (0, 1)
    for x in (i, j):
        if not 0 <= x < rt.n_raters:
            raise ReliabilityError(f"rater index {x} out of range: {rt.n_raters} raters")
    fam = TableFamily.from_ratings(rt, W, i, j)
    if fam.n < 2:
        return undefined(name, "fewer than 2 units rated by both raters",
                         confidence=o["confidence"])
    est, se, pa, pe, n, reason, se_null = fam.analytic("cohen")
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Cohen (1960/1968) kappa, {wl} weights; se = Fleiss, Cohen & Everitt "
                        "(1969) non-null SE; se_null = FCE SE under H0",
                 reason=reason, se_null=se_null,
                 extra={"observed_agreement": pa, "chance_agreement": pe, "n_units": n,
                        "weights": wl},
                 stat=fam.statistic("cohen"), n_units=fam.n, bootstrap=o["bootstrap"],
                 seed=o["seed"], bootstrap_method=o["bootstrap_method"])


def conger_kappa(ratings, **kw) -> Estimate:
    """Conger's (1980) multi-rater kappa (irr ``kappam.fleiss(exact=TRUE)``), Gwet (2014) SE.

    Needs rater identities (not counts input). For contingency-table input (2 raters)
    it equals Cohen's kappa with the FCE-1969 SE.
    """
    rt, W, wl = _prep(ratings, kw)
    o = _opts(kw)
    name = "conger_kappa"
    if not rt.has_raters:
        raise ReliabilityError("conger_kappa needs rater identities; counts input has none "
                               "(use fleiss_kappa)")
    bad = _one_rater(rt, name, o)
    if bad is not None:
        return bad
    if rt.shape == "table":
        e = cohen_kappa(rt, weights=W, **o)
        return Estimate(name, e.estimate, e.se, e.ci, e.ci_level, e.method, e.se_kind,
                        e.se_null, e.p_value, e.reason, {**e.extra, "weights": wl})
    fam = RaterFamily(rt, W)
    est, se, pa, pe, n, reason = fam.analytic()
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Conger (1980) kappa, {wl} weights; Gwet (2014) non-null SE "
                        "(irrCAC conger.kappa.raw)", reason=reason,
                 extra={"observed_agreement": pa, "chance_agreement": pe, "n_units": n,
                        "weights": wl},
                 stat=fam.statistic(), n_units=fam.n, bootstrap=o["bootstrap"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"])


# ------------------------------------------------------------------ Krippendorff
def krippendorff_alpha(ratings, *, weights=None, **kw) -> Estimate:
    """Krippendorff's alpha with the level's difference function (Krippendorff 2011).

    ``level`` (nominal, ordinal, interval, ratio; default the data's level) chooses the
    metric; ordinal is frequency based (.815 on krippendorff_reliability_data, not
    irrCAC's .834). ``se`` is Gwet's (2014) linearised SE with agreement weights
    ``1 - d / max(d)`` (for ordinal the metric at the observed margins is held fixed);
    it equals irrCAC ``krippen.alpha.raw`` (checked with a missing rating on
    krippendorff_reliability_data: nominal, interval = quadratic, ratio weights). For table input, the
    table estimate includes irrCAC's (1 - 1/(2n)) term (identical to the raw formula)
    and the SE is irrCAC's table SE. Krippendorff recommends the bootstrap: ``bootstrap=N``.

    Passing ``weights`` instead gives Gwet's weighted alpha (irrCAC ``weights=``),
    e.g. ``weights="linear"``.
    """
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    o = _opts(kw)
    name = "krippendorff_alpha"
    if rt.has_raters and rt.n_raters < 2:
        return undefined(name, "only one rater: agreement needs at least 2",
                         confidence=o["confidence"])
    if weights is not None:
        W = weight_matrix(weights, rt.values)
        return _family(name, "krippendorff", rt, W, weights_label(weights), o,
                       extra={"level": rt.level})
    level = rt.level
    kr = Krippendorff(rt, level)
    est, reason = kr.estimate()
    se, pa, pe = NAN, NAN, NAN
    note = ""
    if not reason and rt.n_categories <= MAX_CATEGORIES:
        if level == "ordinal":
            delta = ordinal_delta(rt.counts[rt.ratings_per_unit >= 2].sum(axis=0).astype(float))
        else:
            delta = fixed_delta(level, rt.values)
        W = 1 - delta / delta.max() if delta.max() > 0 else np.ones_like(delta)
        if rt.shape == "table":
            fam = TableFamily.from_ratings(rt, W)
            _, se, pa, pe, _, _, _ = fam.analytic("krippendorff")
        else:
            fam = counts_family(rt.counts, W)
            _, se, pa, pe, _, _ = fam.analytic("krippendorff")
        note = "; Gwet (2014) linearised SE" + (" (ordinal metric held at observed margins)"
                                               if level == "ordinal" else "")
    elif not reason:
        note = f"; SE not computed for more than {MAX_CATEGORIES} distinct values (use bootstrap)"
    n = kr.n
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Krippendorff (2011) alpha, {level} metric{note}", reason=reason,
                 extra={"observed_agreement": pa, "chance_agreement": pe, "n_units": n,
                        "level": level, "weights": level + " metric"},
                 stat=kr.statistic(), n_units=rt.n_units, bootstrap=o["bootstrap"],
                 seed=o["seed"], bootstrap_method=o["bootstrap_method"])


# ------------------------------------------------------------------ 2 x 2 and tables
def _table_of(rt, name):
    _check_q(rt)
    if not rt.has_raters or rt.n_raters != 2:
        raise ReliabilityError(f"{name} needs exactly 2 raters with identities; got "
                               f"{rt.n_raters if rt.has_raters else 'counts input'}")
    return rt.pair_table(0, 1)


def _two_by_two_estimate(ratings, key, label, kw):
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    o = _opts(kw)
    t = _table_of(rt, key)
    if t.shape != (2, 2):
        raise ReliabilityError(f"{key} is defined for 2 categories (a 2x2 table); "
                               f"got {t.shape[0]} categories {list(rt.categories)}")
    if t.sum() < 2:
        return undefined(key, "fewer than 2 units rated by both raters",
                         confidence=o["confidence"])
    vals, n = two_by_two(t)
    est, se = vals[key]
    return build(key, est, se, n=int(n), confidence=o["confidence"],
                 ci_method=o["ci_method"], method=label, extra={"n_units": int(n)})


def pabak(ratings, **kw) -> Estimate:
    """Prevalence- and bias-adjusted kappa ``2 p_o - 1`` (Byrt, Bishop & Carlin 1993), 2x2 only.

    SE ``2 sqrt(p_o (1 - p_o) / n)``.
    """
    return _two_by_two_estimate(ratings, "pabak",
                                "PABAK = 2 p_o - 1 (Byrt et al. 1993); multinomial SE", kw)


def prevalence_index(ratings, **kw) -> Estimate:
    """Prevalence index ``(a - d) / n`` (Byrt et al. 1993; signed: positive when the first
    category is more prevalent), 2x2 only; multinomial SE."""
    return _two_by_two_estimate(ratings, "prevalence_index",
                                "prevalence index (a - d)/n (Byrt et al. 1993)", kw)


def bias_index(ratings, **kw) -> Estimate:
    """Bias index ``(b - c) / n`` (Byrt et al. 1993; signed), 2x2 only; multinomial SE."""
    return _two_by_two_estimate(ratings, "bias_index",
                                "bias index (b - c)/n (Byrt et al. 1993)", kw)


def max_kappa(ratings, **kw) -> Estimate:
    """Maximum kappa attainable given the two raters' margins (Cohen 1960), any q."""
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    o = _opts(kw)
    _check_q(rt)
    t = _table_of(rt, "max_kappa")
    if t.sum() < 1:
        return undefined("max_kappa", "no unit rated by both raters", confidence=o["confidence"])
    est, pe, reason = _max_kappa(t)
    return Estimate("max_kappa", float(est), ci_level=o["confidence"],
                    method="kappa_max = (sum_k min(p_k., p_.k) - p_e)/(1 - p_e) (Cohen 1960)",
                    reason=reason, extra={"chance_agreement": pe, "n_units": int(t.sum())})


def fleiss_category_kappas(ratings, **kw) -> EstimateTable:
    """Fleiss' (1971) kappa for each category (category vs the rest) with the null SE
    ``sqrt(2 / (n m (m - 1)))``, z and p (as irr ``kappam.fleiss(detail=TRUE)``)."""
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    _check_q(rt)
    o = _opts(kw)
    counts = rt.counts
    k, se0, reason = _fleiss.category_kappas(counts)
    out = {}
    for c, kc in zip(rt.categories, k):
        r = reason or ("" if np.isfinite(kc) else "category never or always used")
        e = build(f"fleiss_kappa[{c}]", kc, NAN, n=rt.n_units, confidence=o["confidence"],
                  ci_method=o["ci_method"], se_null=se0, reason=r,
                  method="category-wise Fleiss (1971) kappa; se_null under H0")
        out[str(c)] = e
    return EstimateTable(out, info={"n_units": rt.n_units, "categories": list(rt.categories)})


def _test(name, stat, df, p, method, reason=""):
    if reason:
        stat = p = NAN
    return Estimate(name, float(stat), method=method, p_value=float(p), se_kind="",
                    reason=reason, extra={"statistic": float(stat), "df": int(df)},
                    ci_level=float("nan"))


def bowker_test(ratings, **kw) -> Estimate:
    """Bowker (1948) test of symmetry of the two raters' table (chi-square, df = used pairs)."""
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    _opts(kw)
    stat, df, p = bowker(_table_of(rt, "bowker_test"))
    return _test("bowker_test", stat, df, p, "Bowker (1948) symmetry test",
                 "" if df else "no off-diagonal counts: test undefined")


def stuart_maxwell_test(ratings, **kw) -> Estimate:
    """Stuart-Maxwell test of marginal homogeneity (Stuart 1955; Maxwell 1970), df = q - 1."""
    opts = {k: kw.pop(k) for k in _INPUT if k in kw}
    rt = resolve(ratings, **opts)
    _opts(kw)
    stat, df, p, reason = stuart_maxwell(_table_of(rt, "stuart_maxwell_test"))
    return _test("stuart_maxwell_test", stat, df, p,
                 "Stuart-Maxwell marginal homogeneity test", reason)
