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
n_resamples : int
    Number of bootstrap resamples over units (0 = none; otherwise 2 to 1,000,000). Results
    go to ``extra["bootstrap"]`` (se, ci, method, n_resamples, seed); analytic se/ci
    unchanged. ``bootstrap=`` is the deprecated former name.
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

from reliability._errors import ReliabilityError, warn_caller
from reliability._results import Estimate, EstimateTable
from reliability._validation import (OPTIONS, AnyOf, Choice, Constraint, resolve_resamples,
                                    validate_params)
from reliability.agreement import _fleiss
from reliability.agreement._common import NAN, build, order_for_weights, resolve, undefined
from reliability.agreement._gwet import RaterFamily, counts_family
from reliability.agreement._krippendorff import MAX_CATEGORIES, Krippendorff, fixed_delta, ordinal_delta
from reliability.agreement._stats import unit_stats
from reliability.agreement._two_raters import (TableFamily, bowker, max_kappa as _max_kappa,
                                               stuart_maxwell, two_by_two)
from reliability.agreement._weights import KINDS, weight_matrix, weights_label

_INPUT = ("level", "categories", "shape", "unit", "rater", "rating", "encoding")
_BOOT = ("confidence", "ci_method", "n_resamples", "seed", "bootstrap_method")


class WeightsOption(Constraint):
    """None, a named weighting, or a square matrix (its size is checked against the data)."""

    NAMES = ("unweighted", *KINDS)

    def accepts(self, value) -> bool:
        if value is None:
            return True
        if isinstance(value, str):
            return value in self.NAMES
        try:
            w = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return False
        return w.ndim == 2 and w.shape[0] == w.shape[1]

    def describe(self) -> str:
        return "None, " + ", ".join(map(repr, self.NAMES)) + " or a square q x q matrix"


#: Constraints of the agreement options (shared ones from ``reliability._validation``).
CONSTRAINTS = {
    "confidence": "shared", "n_resamples": "shared", "seed": "shared",
    "bootstrap": AnyOf((None, OPTIONS["n_resamples"])),
    "level": AnyOf((None, OPTIONS["level"])),
    "ci_method": Choice(("t", "normal")),
    "bootstrap_method": Choice(("percentile", "bca")),
    "weights": WeightsOption(),
    "shape": AnyOf((None, Choice(("long", "wide", "table", "counts")))),
}


def options(*extra):
    """``validate_params`` with the agreement constraints of the parameters a function has."""
    def decorate(func):
        import inspect

        names = inspect.signature(func).parameters
        return validate_params({k: v for k, v in CONSTRAINTS.items() if k in names})(func)
    return decorate


def resamples(n_resamples, bootstrap, stacklevel=None):
    """``n_resamples``, honouring the deprecated ``bootstrap=`` alias: the library's one
    rule (:func:`reliability._validation.resolve_resamples`, warning at the caller's line)."""
    return resolve_resamples(n_resamples, bootstrap)


def _split(loc):
    """Input options and interval/bootstrap options from a public function's ``locals()``."""
    inp = {k: loc[k] for k in _INPUT if k in loc}
    o = {k: loc[k] for k in _BOOT}
    o["n_resamples"] = resamples(loc["n_resamples"], loc.get("bootstrap"), stacklevel=5)
    return inp, o


def _check_q(rt):
    if rt.n_categories > MAX_CATEGORIES:
        raise ReliabilityError(
            f"{rt.n_categories} distinct rating values: categorical agreement coefficients need "
            f"at most {MAX_CATEGORIES} categories; for continuous scores use "
            "krippendorff_alpha(level='interval') or the ICC")


def _prep(ratings, inp, weights, default_weights="identity"):
    rt = resolve(ratings, **inp)
    _check_q(rt)
    w = default_weights if weights is None else weights
    rt = order_for_weights(rt, ratings, w, inp.get("categories"))
    W = weight_matrix(w, rt.values)
    return rt, W, weights_label(w)


def _one_rater(rt, name, o):
    if rt.has_raters and rt.n_raters < 2:
        return undefined(name, "only one rater: agreement needs at least 2",
                         confidence=o["confidence"])
    if unit_stats(rt).max_ratings < 2:
        return undefined(name, "no unit has two or more ratings", confidence=o["confidence"])
    return None


_GWET_NAMES = {"percent_agreement": "percent agreement (Gwet 2014)",
               "weighted_agreement": "weighted agreement (Gwet 2014)",
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
    st = unit_stats(rt)
    if rt.shape == "table":
        pc = st.pair(0, 1)
        fam = _table_family(pc, W)
        tkind = _TABLE.get(kind, kind)
        est, se, pa, pe, n, reason, _ = fam.analytic(tkind)
        stat, n_units, groups = fam.statistic(tkind), fam.n, (lambda: pc.groups, pc.st.q ** 2)
        how = "from the 2-rater contingency table (irrCAC *.table)"
    else:
        fam = counts_family(st, W)
        est, se, pa, pe, n, reason = fam.analytic(kind)
        stat, n_units, groups = fam.statistic(kind), st.n, (st.group, st.G)
        how = "from raw ratings/counts (irrCAC *.raw)"
    ex = {"observed_agreement": pa, "chance_agreement": pe, "n_units": n, "weights": wlabel}
    ex.update(extra or {})
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"{_GWET_NAMES[kind]}, {wlabel} weights, {how}; "
                        "Gwet (2014) non-null SE", reason=reason, se_null=se_null, extra=ex,
                 stat=stat, n_units=n_units, groups=groups, n_resamples=o["n_resamples"],
                 seed=o["seed"], bootstrap_method=o["bootstrap_method"])


def _table_family(pc, W):
    """The TableFamily of a rater pair's table (``PairCells``), built once per weights."""
    W = np.asarray(W, dtype=float)
    return pc.st.family(("table", pc.first, pc.second, W.shape, W.tobytes()),
                        lambda: TableFamily(pc.table, W))


# ------------------------------------------------------------------ Gwet family
@options()
def percent_agreement(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Percent agreement: mean over units of the proportion of rating pairs that agree *exactly*.

    Gwet (2014) ch. 2; SE as irrCAC ``pa.coeff.raw`` / table form. Always exact agreement:
    for credit to near misses use :func:`weighted_agreement`. ``weights`` other than
    identity are deprecated here (a DeprecationWarning; the result stays exact agreement).
    See the module docs for the other options.
    """
    inp, o = _split(locals())
    if weights is not None and weights_label(weights) != "identity":
        warn_caller("percent_agreement is exact agreement; weights= is ignored and "
                    "deprecated here: use weighted_agreement(..., weights=...)",
                    DeprecationWarning)
    rt, W, wl = _prep(ratings, inp, None)
    return _family("percent_agreement", "percent_agreement", rt, W, wl, o)


@options()
def weighted_agreement(ratings, *, weights="quadratic", level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Weighted percent agreement: mean agreement weight of the rating pairs (Gwet 2014 ch. 3).

    With identity weights this equals :func:`percent_agreement`; default quadratic weights.
    Needs ordered categories for linear/quadratic weights (text labels need ``categories=``).
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
    e = _family("weighted_agreement", "percent_agreement", rt, W, wl, o)
    return Estimate(**{**e.__dict__, "name": "weighted_agreement",
                       "method": e.method.replace("percent agreement", "weighted agreement")})


@options()
def brennan_prediger(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Brennan & Prediger (1981) coefficient, ``p_e = sum(W) / q^2`` over the *declared* categories."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
    return _family("brennan_prediger", "brennan_prediger", rt, W, wl, o)


@options()
def gwet_ac1(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Gwet's (2008) AC1 (unweighted; pass ``weights`` for AC2). Checked vs irrCAC."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
    return _family("gwet_ac1" if wl == "identity" else "gwet_ac2", "gwet_ac", rt, W, wl, o)


@options()
def gwet_ac2(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Gwet's AC2 (weighted AC1, Gwet 2014 ch. 4); default quadratic weights."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, default_weights="quadratic")
    return _family("gwet_ac2", "gwet_ac", rt, W, wl, o)


@options()
def fleiss_kappa(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Fleiss' (1971) kappa (multi-rater Scott's pi), optionally weighted.

    ``se`` is Gwet's (2014) non-null SE (irrCAC ``fleiss.kappa.raw``); ``se_null`` the
    Fleiss, Nee & Landis (1979) SE under H0 (irr ``kappam.fleiss``; unweighted, equal
    raters per unit only) and ``p_value`` its two-sided z test.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
    se_null, extra = NAN, {}
    if wl == "identity":
        st = unit_stats(rt)
        se_null, why = _fleiss.fleiss_null_se(st.counts, st.freq)
        if why:
            extra["se_null_reason"] = why
        else:
            extra["se_null_method"] = "Fleiss, Nee & Landis (1979) SE under H0: kappa = 0"
    name = "fleiss_kappa"
    # With table input (two raters) Fleiss' kappa is Scott's pi with irrCAC's table SE.
    return _family(name, "fleiss", rt, W, wl, o, se_null=se_null, extra=extra)


@options()
def scott_pi(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Scott's (1955) pi; for more than two raters this is Fleiss' kappa (Gwet's raw SE)."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
    return _family("scott_pi", "fleiss", rt, W, wl, o)


# ------------------------------------------------------------------ kappas with raters
@options()
def cohen_kappa(ratings, *, raters=None, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Cohen's (1960) kappa / weighted kappa (Cohen 1968) of two raters.

    Uses the units rated by both raters (``raters`` picks two columns if there are more).
    ``se``: Fleiss, Cohen & Everitt (1969) non-null SE (= vcd ``ASE`` = irrCAC table SE);
    ``se_null``: FCE SE under H0: kappa = 0, with ``p_value``. Identity weights give
    exactly the unweighted kappa. Use ``ci_method="normal"`` for vcd's intervals.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
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
    pc = unit_stats(rt).pair(i, j)
    fam = _table_family(pc, W)
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
                 stat=fam.statistic("cohen"), n_units=fam.n,
                 groups=(lambda: pc.groups, rt.n_categories ** 2),
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"])


@options()
def conger_kappa(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Conger's (1980) multi-rater kappa (irr ``kappam.fleiss(exact=TRUE)``), Gwet (2014) SE.

    Needs rater identities (not counts input). For contingency-table input (2 raters)
    it equals Cohen's kappa with the FCE-1969 SE.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights)
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
    st = unit_stats(rt)
    fam = st.family(("conger", W.shape, W.tobytes()), lambda: RaterFamily(st, W))
    est, se, pa, pe, n, reason = fam.analytic()
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Conger (1980) kappa, {wl} weights; Gwet (2014) non-null SE "
                        "(irrCAC conger.kappa.raw)", reason=reason,
                 extra={"observed_agreement": pa, "chance_agreement": pe, "n_units": n,
                        "weights": wl},
                 stat=fam.statistic(), n_units=fam.n, groups=(st.group, st.G),
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"])


# ------------------------------------------------------------------ Krippendorff
@options()
def krippendorff_alpha(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", n_resamples=0, seed=None, bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
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
    inp, o = _split(locals())
    rt = resolve(ratings, **inp)
    name = "krippendorff_alpha"
    if rt.has_raters and rt.n_raters < 2:
        return undefined(name, "only one rater: agreement needs at least 2",
                         confidence=o["confidence"])
    if weights is not None:
        rt = order_for_weights(rt, ratings, weights, categories)
        W = weight_matrix(weights, rt.values)
        return _family(name, "krippendorff", rt, W, weights_label(weights), o,
                       extra={"level": rt.level})
    level = rt.level
    st = unit_stats(rt)
    kr = st.family(("krippendorff", level), lambda: Krippendorff(st, level))
    est, reason = kr.estimate()
    se, pa, pe = NAN, NAN, NAN
    note = ""
    if not reason and rt.n_categories <= MAX_CATEGORIES:
        if level == "ordinal":
            delta = ordinal_delta(kr.f @ st.counts[kr.keep].astype(float))
        else:
            delta = fixed_delta(level, rt.values)
        W = 1 - delta / delta.max() if delta.max() > 0 else np.ones_like(delta)
        if rt.shape == "table":
            fam = _table_family(st.pair(0, 1), W)
            _, se, pa, pe, _, _, _ = fam.analytic("krippendorff")
        else:
            fam = counts_family(st, W)
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
                 stat=kr.statistic(), n_units=st.n, groups=(st.group, st.G),
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"])


# ------------------------------------------------------------------ 2 x 2 and tables
def _table_of(rt, name):
    _check_q(rt)
    if not rt.has_raters or rt.n_raters != 2:
        raise ReliabilityError(f"{name} needs exactly 2 raters with identities; got "
                               f"{rt.n_raters if rt.has_raters else 'counts input'}")
    return unit_stats(rt).pair(0, 1).table


def _two_by_two_estimate(ratings, key, label, inp, o):
    rt = resolve(ratings, **inp)
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


def _small(loc):
    inp = {k: loc[k] for k in _INPUT if k in loc}
    return inp, {"confidence": loc["confidence"], "ci_method": loc.get("ci_method", "t")}


@options()
def pabak(ratings, *, confidence=0.95, ci_method="t", level=None, categories=None,
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Prevalence- and bias-adjusted kappa ``2 p_o - 1`` (Byrt, Bishop & Carlin 1993), 2x2 only.

    SE ``2 sqrt(p_o (1 - p_o) / n)``.
    """
    return _two_by_two_estimate(ratings, "pabak",
                                "PABAK = 2 p_o - 1 (Byrt et al. 1993); multinomial SE", *_small(locals()))


@options()
def prevalence_index(ratings, *, confidence=0.95, ci_method="t", level=None, categories=None,
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Prevalence index ``(a - d) / n`` (Byrt et al. 1993; signed: positive when the first
    category is more prevalent), 2x2 only; multinomial SE."""
    return _two_by_two_estimate(ratings, "prevalence_index",
                                "prevalence index (a - d)/n (Byrt et al. 1993)", *_small(locals()))


@options()
def bias_index(ratings, *, confidence=0.95, ci_method="t", level=None, categories=None,
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Bias index ``(b - c) / n`` (Byrt et al. 1993; signed), 2x2 only; multinomial SE."""
    return _two_by_two_estimate(ratings, "bias_index",
                                "bias index (b - c)/n (Byrt et al. 1993)", *_small(locals()))


@options()
def max_kappa(ratings, *, confidence=0.95, level=None, categories=None,
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Maximum kappa attainable given the two raters' margins (Cohen 1960), any q."""
    inp, o = _small(locals())
    rt = resolve(ratings, **inp)
    _check_q(rt)
    t = _table_of(rt, "max_kappa")
    if t.sum() < 1:
        return undefined("max_kappa", "no unit rated by both raters", confidence=o["confidence"])
    est, pe, reason = _max_kappa(t)
    return Estimate("max_kappa", float(est), ci_level=o["confidence"],
                    method="kappa_max = (sum_k min(p_k., p_.k) - p_e)/(1 - p_e) (Cohen 1960)",
                    reason=reason, extra={"chance_agreement": pe, "n_units": int(t.sum())})


@options()
def fleiss_category_kappas(ratings, *, confidence=0.95, ci_method="t", level=None, categories=None,
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> EstimateTable:
    """Fleiss' (1971) kappa for each category (category vs the rest) with the null SE
    ``sqrt(2 / (n m (m - 1)))``, z and p (as irr ``kappam.fleiss(detail=TRUE)``)."""
    inp, o = _small(locals())
    rt = resolve(ratings, **inp)
    _check_q(rt)
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


@options()
def bowker_test(ratings, *, level=None, categories=None, shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Bowker (1948) test of symmetry of the two raters' table (chi-square, df = used pairs)."""
    rt = resolve(ratings, **_small({**locals(), "confidence": 0.95})[0])
    stat, df, p = bowker(_table_of(rt, "bowker_test"))
    return _test("bowker_test", stat, df, p, "Bowker (1948) symmetry test",
                 "" if df else "no off-diagonal counts: test undefined")


@options()
def stuart_maxwell_test(ratings, *, level=None, categories=None, shape=None, unit=None, rater="rater", rating="rating",
        encoding=None) -> Estimate:
    """Stuart-Maxwell test of marginal homogeneity (Stuart 1955; Maxwell 1970), df = q - 1."""
    rt = resolve(ratings, **_small({**locals(), "confidence": 0.95})[0])
    stat, df, p, reason = stuart_maxwell(_table_of(rt, "stuart_maxwell_test"))
    return _test("stuart_maxwell_test", stat, df, p,
                 "Stuart-Maxwell marginal homogeneity test", reason)
