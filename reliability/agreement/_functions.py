"""Public one-coefficient functions. Each accepts anything :func:`reliability.data.as_ratings`
accepts plus keyword-only options, and returns an :class:`~reliability._results.Estimate`.

Common options
--------------
weights : {"identity", "linear", "quadratic"} or (q, q) array, optional
    Agreement weights (``weight_matrix``). Default identity (unweighted), except
    ``gwet_ac2`` (quadratic).
weight_scores : {"values", "ranks"}
    Scores the named weights are computed from: the category values (default) or their
    ranks 1..q (equally spaced: statsmodels ``cohens_kappa``, R irr ``kappa2``,
    scikit-learn ``cohen_kappa_score``; checked against statsmodels and scikit-learn).
population_size : int, optional
    Gwet's (2014) finite-population correction, irrCAC's ``N``: the non-null variance is
    multiplied by ``1 - n/N`` (n = units rated). None (default): infinite population.
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
``p_value`` of that z test. Every Gwet-framework coefficient also has irrCAC's test of
coefficient = 0, ``t = est / se`` on n - 1 df, two-sided, in ``extra["p_value_t"]``; it is
``p_value`` where there is no null SE (``extra["p_value_method"]`` names the test). Checked
against irrCAC 0.4.4 (tests/data/gwet_pvalues_irrcac.json).
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError, warn_caller
from reliability._results import Estimate, EstimateTable
from reliability._validation import (OPTIONS, AnyOf, Choice, Constraint, Integer,
                                    resolve_resamples, validate_params)
from reliability.agreement import _fleiss
from reliability.agreement._common import (NAN, build, fpc_factor, order_for_weights, resolve,
                                           undefined)
from reliability.agreement._gwet import RaterFamily, counts_family
from reliability.agreement._krippendorff import MAX_CATEGORIES, Krippendorff, fixed_delta, ordinal_delta
from reliability.agreement._stats import unit_stats
from reliability.agreement._two_raters import (TableFamily, bowker, max_kappa as _max_kappa,
                                               stuart_maxwell, two_by_two)
from reliability.agreement._weights import KINDS, weight_matrix, weights_label

_INPUT = ("level", "categories", "shape", "unit", "rater", "rating", "encoding")
_BOOT = ("confidence", "ci_method", "n_resamples", "seed", "bootstrap_method", "population_size")


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


class LabelsOption(Constraint):
    """None or a list of at least two category labels (scikit-learn's ``labels=``)."""

    def accepts(self, value) -> bool:
        if value is None:
            return True
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
            return False
        return len(value) >= 2

    def describe(self) -> str:
        return "None or a list of at least 2 category labels"


#: Constraints of the agreement options (shared ones from ``reliability._validation``).
CONSTRAINTS = {
    "confidence": "shared", "n_resamples": "shared", "seed": "shared",
    "bootstrap": AnyOf((None, OPTIONS["n_resamples"])),
    "level": AnyOf((None, OPTIONS["level"])),
    "ci_method": Choice(("t", "normal")),
    "bootstrap_method": Choice(("percentile", "bca")),
    "weights": WeightsOption(),
    "shape": AnyOf((None, Choice(("long", "wide", "table", "counts")))),
    "weight_scores": Choice(("values", "ranks")),
    "population_size": AnyOf((None, Integer(1, None))),
    "labels": LabelsOption(),
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
    o = {k: loc.get(k) for k in _BOOT}
    o["n_resamples"] = resamples(loc["n_resamples"], loc.get("bootstrap"), stacklevel=5)
    return inp, o


def _check_q(rt):
    if rt.n_categories > MAX_CATEGORIES:
        raise ReliabilityError(
            f"{rt.n_categories} distinct rating values: categorical agreement coefficients need "
            f"at most {MAX_CATEGORIES} categories; for continuous scores use "
            "krippendorff_alpha(level='interval') or the ICC")


def weight_scores_of(rt, weight_scores="values"):
    """The category scores the weights are computed from: the category values (default;
    ``Ratings.values``: the numbers themselves, 1..q for text) or their ranks 1..q in the
    category order (``"ranks"``: equally spaced, as statsmodels ``cohens_kappa``, R irr
    ``kappa2`` and scikit-learn ``cohen_kappa_score`` weight)."""
    if weight_scores == "ranks":
        return np.arange(1, rt.n_categories + 1, dtype=float)
    return rt.values


def _prep(ratings, inp, weights, default_weights="identity", weight_scores="values"):
    rt = resolve(ratings, **inp)
    _check_q(rt)
    w = default_weights if weights is None else weights
    rt = order_for_weights(rt, ratings, w, inp.get("categories"))
    W = weight_matrix(w, weight_scores_of(rt, weight_scores))
    return rt, W, weights_label(w)


def _scores_extra(weight_scores, wl):
    """``extra`` entry naming rank scores when they were used (values are the default)."""
    return {"weight_scores": "ranks"} if weight_scores == "ranks" and wl != "identity" else {}


def _fpc(se, n_units, o, extra):
    """Gwet's finite-population correction of ``se`` (irrCAC ``N=``) when asked."""
    N = o.get("population_size")
    if N is None:
        return se
    extra["population_size"] = int(N)
    extra["fpc"] = fpc_factor(n_units, N) ** 2
    return se * fpc_factor(n_units, N)


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
    se = _fpc(se, n_units, o, ex)
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"{_GWET_NAMES[kind]}, {wlabel} weights, {how}; "
                        f"Gwet (2014) non-null SE{_fpc_text(o)}", reason=reason,
                 se_null=se_null, extra=ex,
                 stat=stat, n_units=n_units, groups=groups, n_resamples=o["n_resamples"],
                 seed=o["seed"], bootstrap_method=o["bootstrap_method"], t_test=True)


def _fpc_text(o):
    N = o.get("population_size")
    return "" if N is None else f" with finite-population correction (N = {N})"


def _table_family(pc, W):
    """The TableFamily of a rater pair's table (``PairCells``), built once per weights."""
    W = np.asarray(W, dtype=float)
    return pc.st.family(("table", pc.first, pc.second, W.shape, W.tobytes()),
                        lambda: TableFamily(pc.table, W))


# ------------------------------------------------------------------ Gwet family
@options()
def percent_agreement(ratings, *, weights=None, level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
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
def weighted_agreement(ratings, *, weights="quadratic", weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Weighted percent agreement: mean agreement weight of the rating pairs (Gwet 2014 ch. 3).

    With identity weights this equals :func:`percent_agreement`; default quadratic weights.
    Needs ordered categories for linear/quadratic weights (text labels need ``categories=``).
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
    e = _family("weighted_agreement", "percent_agreement", rt, W, wl, o,
                extra=_scores_extra(weight_scores, wl))
    return Estimate(**{**e.__dict__, "name": "weighted_agreement",
                       "method": e.method.replace("percent agreement", "weighted agreement")})


@options()
def brennan_prediger(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Brennan & Prediger (1981) coefficient, ``p_e = sum(W) / q^2`` over the *declared* categories."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
    return _family("brennan_prediger", "brennan_prediger", rt, W, wl, o,
                   extra=_scores_extra(weight_scores, wl))


@options()
def gwet_ac1(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Gwet's (2008) AC1 (unweighted; pass ``weights`` for AC2). Checked vs irrCAC."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
    return _family("gwet_ac1" if wl == "identity" else "gwet_ac2", "gwet_ac", rt, W, wl, o,
                   extra=_scores_extra(weight_scores, wl))


@options()
def gwet_ac2(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Gwet's AC2 (weighted AC1, Gwet 2014 ch. 4); default quadratic weights."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, default_weights="quadratic",
                      weight_scores=weight_scores)
    return _family("gwet_ac2", "gwet_ac", rt, W, wl, o, extra=_scores_extra(weight_scores, wl))


@options()
def fleiss_kappa(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Fleiss' (1971) kappa (multi-rater Scott's pi), optionally weighted.

    ``se`` is Gwet's (2014) non-null SE (irrCAC ``fleiss.kappa.raw``); ``se_null`` the
    Fleiss, Nee & Landis (1979) SE under H0 (irr ``kappam.fleiss``; unweighted, equal
    raters per unit only) and ``p_value`` its two-sided z test.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
    se_null, extra = NAN, _scores_extra(weight_scores, wl)
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
def scott_pi(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Scott's (1955) pi; for more than two raters this is Fleiss' kappa (Gwet's raw SE)."""
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
    return _family("scott_pi", "fleiss", rt, W, wl, o, extra=_scores_extra(weight_scores, wl))


# ------------------------------------------------------------------ kappas with raters
@options()
def cohen_kappa(ratings, *, raters=None, labels=None, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Cohen's (1960) kappa / weighted kappa (Cohen 1968) of two raters.

    Uses the units rated by both raters (``raters`` picks two columns if there are more).
    ``se``: Fleiss, Cohen & Everitt (1969) non-null SE (= vcd ``ASE`` = irrCAC table SE),
    times ``sqrt(1 - n/N)`` with ``population_size=N`` (irrCAC ``N=``);
    ``se_null``: FCE SE under H0: kappa = 0, with ``p_value`` its z test (irr ``kappa2``);
    ``extra["p_value_t"]`` is irrCAC's t test with ``se`` on n - 1 df. Identity weights give
    exactly the unweighted kappa. Use ``ci_method="normal"`` for vcd's intervals.

    ``labels`` (as scikit-learn ``cohen_kappa_score(labels=)``): a list of at least two of
    the categories; the table is restricted to them, in that order, and units where either
    rater gave another category are left out (``extra["n_excluded"]``). With
    ``weight_scores="ranks"`` the linear/quadratic weights are those of scikit-learn
    (positions in ``labels``); checked against scikit-learn.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
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
    extra = _scores_extra(weight_scores, wl)
    if labels is None:
        fam = _table_family(pc, W)
        groups = (lambda: pc.groups, rt.n_categories ** 2)
    else:
        fam, groups, n_out = _labelled_table(rt, pc, labels, weights, W, weight_scores)
        extra.update({"labels": [_plain(x) for x in labels], "n_excluded": n_out})
    if fam.n < 2:
        return undefined(name, "fewer than 2 units rated by both raters"
                         + (" within labels" if labels is not None else ""),
                         confidence=o["confidence"])
    est, se, pa, pe, n, reason, se_null = fam.analytic("cohen")
    extra = {"observed_agreement": pa, "chance_agreement": pe, "n_units": n, "weights": wl,
             **extra}
    se = _fpc(se, fam.n, o, extra)
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Cohen (1960/1968) kappa, {wl} weights; se = Fleiss, Cohen & Everitt "
                        f"(1969) non-null SE{_fpc_text(o)}; se_null = FCE SE under H0",
                 reason=reason, se_null=se_null, extra=extra,
                 stat=fam.statistic("cohen"), n_units=fam.n, groups=groups,
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"], t_test=True)


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x


def _labelled_table(rt, pc, labels, weights, W, weight_scores):
    """(TableFamily, bootstrap groups, units left out) of the table restricted to ``labels``."""
    cats = list(rt.categories)
    idx = []
    for lab in labels:
        hit = [k for k, c in enumerate(cats) if c == lab or str(c) == str(lab)]
        if not hit:
            raise ReliabilityError(f"labels: {lab!r} is not one of the categories "
                                   f"{cats[:8]}{' ...' if len(cats) > 8 else ''}")
        idx.append(hit[0])
    if len(set(idx)) != len(idx) or len(idx) < 2:
        raise ReliabilityError("labels must name at least 2 distinct categories; got "
                               f"{list(labels)!r}")
    idx = np.asarray(idx)
    q, k = rt.n_categories, len(idx)
    sub = pc.table[np.ix_(idx, idx)]
    if isinstance(weights, str) and weights_label(weights) not in ("identity", "user"):
        scores = (np.arange(1, k + 1, dtype=float) if weight_scores == "ranks"
                  else np.asarray(rt.values, dtype=float)[idx])
        Wk = weight_matrix(weights, scores)
    else:
        Wk = np.asarray(W, dtype=float)[np.ix_(idx, idx)]
    cell = np.full(q * q, -1, dtype=np.int64)
    cell[(idx[:, None] * q + idx[None, :]).ravel()] = np.arange(k * k)

    def groups():
        g = cell[pc.groups]
        return g[g >= 0]
    fam = TableFamily(sub, Wk)
    return fam, (groups, k * k), int(round(pc.table.sum() - sub.sum()))


@options()
def conger_kappa(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
        shape=None, unit=None, rater="rater", rating="rating",
        encoding=None, bootstrap=None) -> Estimate:
    """Conger's (1980) multi-rater kappa (irr ``kappam.fleiss(exact=TRUE)``), Gwet (2014) SE.

    Needs rater identities (not counts input). For contingency-table input (2 raters)
    it equals Cohen's kappa with the FCE-1969 SE.
    """
    inp, o = _split(locals())
    rt, W, wl = _prep(ratings, inp, weights, weight_scores=weight_scores)
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
                        e.se_null, e.p_value, e.reason,
                        {**e.extra, "weights": wl, **_scores_extra(weight_scores, wl)})
    st = unit_stats(rt)
    fam = st.family(("conger", W.shape, W.tobytes()), lambda: RaterFamily(st, W))
    est, se, pa, pe, n, reason = fam.analytic()
    extra = {"observed_agreement": pa, "chance_agreement": pe, "n_units": n, "weights": wl,
             **_scores_extra(weight_scores, wl)}
    se = _fpc(se, st.n, o, extra)
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Conger (1980) kappa, {wl} weights; Gwet (2014) non-null SE "
                        f"(irrCAC conger.kappa.raw){_fpc_text(o)}", reason=reason,
                 extra=extra,
                 stat=fam.statistic(), n_units=fam.n, groups=(st.group, st.G),
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"], t_test=True)


# ------------------------------------------------------------------ Krippendorff
@options()
def krippendorff_alpha(ratings, *, weights=None, weight_scores="values",
        level=None, categories=None, confidence=0.95,
        ci_method="t", population_size=None, n_resamples=0, seed=None,
        bootstrap_method="percentile",
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
        W = weight_matrix(weights, weight_scores_of(rt, weight_scores))
        wl = weights_label(weights)
        return _family(name, "krippendorff", rt, W, wl, o,
                       extra={"level": rt.level, **_scores_extra(weight_scores, wl)})
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
            n_all = fam.n
        else:
            fam = counts_family(st, W)
            _, se, pa, pe, _, _ = fam.analytic("krippendorff")
            n_all = st.n
        note = "; Gwet (2014) linearised SE" + (" (ordinal metric held at observed margins)"
                                               if level == "ordinal" else "")
    elif not reason:
        note = f"; SE not computed for more than {MAX_CATEGORIES} distinct values (use bootstrap)"
    n = kr.n
    extra = {"observed_agreement": pa, "chance_agreement": pe, "n_units": n,
             "level": level, "weights": level + " metric"}
    if np.isfinite(se):
        se = _fpc(se, n_all, o, extra)
        note += _fpc_text(o)
    return build(name, est, se, n=n, confidence=o["confidence"], ci_method=o["ci_method"],
                 method=f"Krippendorff (2011) alpha, {level} metric{note}", reason=reason,
                 extra=extra,
                 stat=kr.statistic(), n_units=st.n, groups=(st.group, st.G),
                 n_resamples=o["n_resamples"], seed=o["seed"],
                 bootstrap_method=o["bootstrap_method"], t_test=True)


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
