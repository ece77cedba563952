"""One call for the whole agreement table: :func:`agreement`."""

from __future__ import annotations

from reliability._errors import ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.agreement import _classic as C
from reliability.agreement import _functions as F
from reliability.agreement._common import fpc_factor, order_for_weights, resolve
from reliability.agreement._functions import options, resamples
from reliability.agreement._weights import weight_matrix, weights_label
from reliability.inference import shared_resamples


@options()
def agreement(ratings, *, level=None, weights=None, weight_scores="values", categories=None,
              confidence=0.95, n_resamples=0, seed=None, bootstrap_method="percentile",
              ci_method="t", population_size=None,
              shape=None, unit=None, rater="rater", rating="rating",
              encoding=None, bootstrap=None) -> EstimateTable:
    """Every applicable agreement coefficient with SEs and confidence intervals.

    Parameters
    ----------
    ratings : Ratings, DataFrame, ndarray or path
        Anything :func:`reliability.data.as_ratings` accepts (wide, long, table, counts).
    level : {"nominal", "ordinal", "interval", "ratio"}, optional
        Measurement level (Krippendorff metric; default weights).
    weights : {"identity", "linear", "quadratic"} or (q, q) array, optional
        Agreement weights for the kappa-type coefficients. Default identity for nominal
        data, quadratic otherwise. With weights other than identity Gwet's AC2 replaces AC1.
    weight_scores : {"values", "ranks"}
        Scores the linear/quadratic/... weights are computed from: the category values
        (default) or their ranks 1..q (equally spaced, as statsmodels/irr/scikit-learn).
    categories : sequence, optional
        Declared categories in order (AC1 and Brennan-Prediger depend on their number).
    confidence : float
        Confidence level. Default intervals: est +/- t(n-1) * se, upper bound capped at 1
        (Gwet 2014 / irrCAC); ``ci_method="normal"`` for z intervals clipped to [-1, 1].
    n_resamples : int
        Bootstrap resamples over units (0 = none, else 2 to 1,000,000); results in each
        estimate's ``extra["bootstrap"]`` (shown as "bootstrap CI" by ``summary()``).
        ``seed`` (None or an integer >= 0) and ``bootstrap_method`` ("percentile", "bca").
        ``bootstrap=`` is the deprecated former name.
    ci_method : {"t", "normal"}
        Analytic interval (see ``confidence``).
    population_size : int, optional
        Size N of the population of units the rated ones were sampled from (irrCAC ``N=``):
        the Gwet-framework SEs (and so their intervals and t-test p-values) are multiplied
        by ``sqrt(1 - n/N)``; default None (infinite population, no correction). Not
        applied to ``se_null``, the bootstrap or the classic coefficients.
    shape, unit, rater, rating, encoding
        Passed to :func:`reliability.data.as_ratings`.

    Returns
    -------
    EstimateTable
        Keys: percent_agreement (exact agreement, always), weighted_agreement (when
        weights are not identity), cohen_kappa (2 raters; NaN with a reason for counts
        input with 2 ratings per unit), conger_kappa (NaN with a reason for counts input),
        scott_pi, fleiss_kappa, brennan_prediger, gwet_ac1 or gwet_ac2,
        krippendorff_alpha; with 2 raters bowker_test and stuart_maxwell_test; with 2
        raters and 2 categories pabak, prevalence_index, bias_index, max_kappa;
        light_kappa (rater identities), kendall_w and cronbach_alpha (rater identities,
        level not nominal), bangdiwala_b (2 raters).
        ``info``: n_units, n_raters, categories, level, weights (and weight_scores,
        population_size when given). The Gwet-framework coefficients carry irrCAC's
        t-test p-value (``extra["p_value_t"]``; ``p_value`` unless a null SE defines it).
    """
    n_resamples = resamples(n_resamples, bootstrap)
    rt = resolve(ratings, level=level, categories=categories, shape=shape, unit=unit,
                 rater=rater, rating=rating, encoding=encoding)
    if weights is None:
        weights = "identity" if rt.level == "nominal" else "quadratic"
    rt = order_for_weights(rt, ratings, weights, categories)
    fpc_factor(rt.n_units, population_size)     # N < n is refused once, not per coefficient
    wl = weights_label(weights)
    if wl == "user":
        W = weight_matrix(weights, rt.values)   # validated once, echoed in info
    common = dict(confidence=confidence, ci_method=ci_method, n_resamples=n_resamples, seed=seed,
                  bootstrap_method=bootstrap_method, population_size=population_size)
    out: dict[str, Estimate] = {}
    with shared_resamples():     # the coefficients' bootstraps draw their resamples once
        _coefficients(out, rt, weights, wl, confidence, ci_method, common, weight_scores)
    info = {"n_units": rt.n_units, "n_raters": rt.n_raters, "categories": list(rt.categories),
            "level": rt.level, "weights": wl}
    if weight_scores == "ranks" and wl != "identity":
        info["weight_scores"] = "ranks"
    if population_size is not None:
        info["population_size"] = int(population_size)
    if wl == "user":
        info["weight_matrix"] = W.tolist()
    return EstimateTable(out, info=info, notes=tuple(rt.notes))


def _coefficients(out, rt, weights, wl, confidence, ci_method, common, weight_scores="values"):
    """Every applicable coefficient of ``rt`` into ``out``; all share ``unit_stats(rt)``."""
    def add(name, fn, *args, **kw):
        try:
            out[name] = fn(*args, **kw)
        except ReliabilityError as exc:
            out[name] = Estimate(name, float("nan"), ci_level=confidence, reason=str(exc))

    add("percent_agreement", F.percent_agreement, rt, **common)
    common_w = dict(common, weight_scores=weight_scores)
    if wl != "identity":
        add("weighted_agreement", F.weighted_agreement, rt, weights=weights, **common_w)
    two = rt.has_raters and rt.n_raters == 2
    if two:
        add("cohen_kappa", F.cohen_kappa, rt, weights=weights, **common_w)
    elif not rt.has_raters and rt.n_raters == 2:
        out["cohen_kappa"] = Estimate("cohen_kappa", float("nan"), ci_level=confidence,
                                      reason="counts input has no rater identities")
    if rt.has_raters:
        add("conger_kappa", F.conger_kappa, rt, weights=weights, **common_w)
    else:
        out["conger_kappa"] = Estimate("conger_kappa", float("nan"), ci_level=confidence,
                                       reason="counts input has no rater identities")
    add("scott_pi", F.scott_pi, rt, weights=weights, **common_w)
    add("fleiss_kappa", F.fleiss_kappa, rt, weights=weights, **common_w)
    add("brennan_prediger", F.brennan_prediger, rt, weights=weights, **common_w)
    if wl == "identity":
        add("gwet_ac1", F.gwet_ac1, rt, **common)
    else:
        add("gwet_ac2", F.gwet_ac2, rt, weights=weights, **common_w)
    add("krippendorff_alpha", F.krippendorff_alpha, rt, **common)
    # the classic coefficients, where they are defined for the data (issue 19); their
    # intervals are the jackknife / Feldt ones, not bootstrapped
    classic_start = len(out)
    if rt.has_raters:
        add("light_kappa", C.light_kappa, rt, confidence=confidence)
        if rt.level != "nominal":      # ranks and sums need ordered / numeric ratings
            add("kendall_w", C.kendall_w, rt, confidence=confidence)
            add("cronbach_alpha", C.cronbach_alpha, rt, confidence=confidence)
    if two:
        add("bangdiwala_b", C.bangdiwala_b, rt, confidence=confidence)
    if common["n_resamples"]:
        import dataclasses

        for name in list(out)[classic_start:]:
            e = out[name]
            out[name] = dataclasses.replace(e, extra={**e.extra, "bootstrap": {
                "n_resamples": 0, "reason": "not bootstrapped: the interval is "
                                            "the coefficient's own (jackknife or Feldt)"}})
    if two:
        add("bowker_test", F.bowker_test, rt)
        add("stuart_maxwell_test", F.stuart_maxwell_test, rt)
        if rt.n_categories == 2:
            plain = dict(confidence=confidence, ci_method=ci_method)
            add("pabak", F.pabak, rt, **plain)
            add("prevalence_index", F.prevalence_index, rt, **plain)
            add("bias_index", F.bias_index, rt, **plain)
            add("max_kappa", F.max_kappa, rt, confidence=confidence)
