"""Shared plumbing: input resolution, intervals, result construction, bootstrap wiring."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate
from reliability.agreement._stats import offer_digits
from reliability.data import Ratings, as_ratings, wide_digits
from reliability.inference import bootstrap_units, check_confidence

NAN = float("nan")
CI_METHODS = ("t", "normal")


def resolve(ratings, *, level=None, categories=None, shape=None, unit=None, rater="rater",
            rating="rating", encoding=None) -> Ratings:
    """Ratings with units of a single rating kept (Gwet's marginals use them)."""
    if isinstance(ratings, Ratings):
        # Units rated once that as_ratings' default min_ratings=2 dropped come back, so
        # agreement(as_ratings(path)) == agreement(path) (issue 15).
        ratings = ratings.with_min_ratings(1)
        return ratings.with_level(level) if level is not None else ratings
    with wide_digits() as made:
        rt = as_ratings(ratings, shape=shape, level=level, categories=categories, unit=unit,
                        rater=rater, rating=rating, encoding=encoding, min_ratings=1)
    if made and made[-1][0] is rt:
        # wide grades were coded through a units x raters block: the unit patterns of the
        # statistics start from it rather than scattering the long arrays back into one
        offer_digits(rt, made[-1][1])
    return rt


def _is_number(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _ordered_input(ratings) -> bool:
    import pandas as pd

    return isinstance(ratings, pd.DataFrame) and any(
        isinstance(d, pd.CategoricalDtype) and d.ordered for d in ratings.dtypes)


def order_for_weights(rt: Ratings, ratings, weights, categories) -> Ratings:
    """Ratings whose category order is known, for statistics that use the order.

    Linear/quadratic weights use the category values; for text labels sorted
    alphabetically those are meaningless ("Good" < "Inadequate" < "Outstanding"), so text
    categories at the nominal level without a given order are refused, unless the labels
    are a known grade scale (:mod:`reliability.scales`), which is then used (best first).
    """
    if not isinstance(weights, str) or weights in ("identity", "unweighted", "nominal"):
        return rt
    # A table's rows / a counts file's columns list the categories in the user's order.
    if (rt.level != "nominal" or categories is not None or _ordered_input(ratings)
            or rt.shape in ("table", "counts")
            or all(_is_number(c) for c in rt.categories)):
        return rt
    from reliability.scales import recognise_scale

    scale = recognise_scale([str(c) for c in rt.categories])
    if scale is not None and scale.ordered:
        rank = {lab: i for i, lab in enumerate(scale.labels)}
        order = np.argsort([rank[scale.canonical(str(c))] for c in rt.categories],
                           kind="stable")
        if (order == np.arange(len(order))).all():
            return rt                      # already in the scale's order
        pos = np.empty(len(order), dtype=np.int32)
        pos[order] = np.arange(len(order), dtype=np.int32)
        import dataclasses

        cats = tuple(rt.categories[i] for i in order)
        note = f"text grades ordered as the known scale {', '.join(map(str, cats))}"
        return dataclasses.replace(rt, code=pos[rt.code], categories=cats,
                                   values=np.arange(1, len(cats) + 1, dtype=float),
                                   notes=tuple(rt.notes) + (note,),
                                   _counts=None if rt._counts is None
                                   else rt._counts[:, order])
    raise ReliabilityError(
        f"weights={weights!r} need the order of the categories, but the ratings are text "
        f"({', '.join(map(repr, list(rt.categories)[:6]))}) with no order given: pass "
        "categories=[...] in order (CLI --categories a,b,c) or use weights='identity'")


def interval(est, se, n, confidence, ci_method):
    """Gwet/irrCAC: est +/- t(n-1) se with the upper bound capped at 1 (``"t"``);
    vcd: est +/- z se clipped to [-1, 1] (``"normal"``)."""
    if not (math.isfinite(est) and math.isfinite(se)):
        return (NAN, NAN)
    alpha = 1 - confidence
    if ci_method == "t":
        if n < 2:
            return (NAN, NAN)
        h = stats.t.ppf(1 - alpha / 2, n - 1) * se
        return (est - h, min(1.0, est + h))
    if ci_method == "normal":
        h = stats.norm.ppf(1 - alpha / 2) * se
        return (max(-1.0, est - h), min(1.0, est + h))
    raise ReliabilityError(f"ci_method must be one of {', '.join(CI_METHODS)}; got {ci_method!r}")


def ci_text(ci_method):
    return ("CI = est +/- t(n-1)*se, upper bound capped at 1 (as irrCAC)" if ci_method == "t"
            else "CI = est +/- z*se clipped to [-1, 1] (as vcd)")


def ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def fpc_factor(n_units, population_size) -> float:
    """``sqrt(1 - n / N)``: Gwet's (2014, ch. 5) finite-population correction of a SE.

    irrCAC's ``N`` argument (the variance is multiplied by ``1 - f``, ``f = n / N``, with
    ``n`` the units rated, as irrCAC counts them); 1 when ``population_size`` is None
    (an infinite population). A population smaller than the sample is refused.
    """
    if population_size is None:
        return 1.0
    if population_size < n_units:
        raise ReliabilityError(
            f"population_size={population_size} is smaller than the {n_units} units rated: "
            "the finite-population correction needs N >= n")
    return math.sqrt(1.0 - n_units / population_size)


def t_test_p(est, se, n) -> float:
    """Two-sided p of ``t = est / se`` on ``n - 1`` df (irrCAC's test of coefficient = 0).

    Computed with ``t.sf`` (irrCAC's ``1 - t.cdf`` is 0.0 below about 1e-16); NaN when
    undefined; 0 when ``se`` is 0 and the estimate is not (a census: ``N = n``).
    """
    if not (math.isfinite(est) and math.isfinite(se)) or n < 2:
        return NAN
    if se <= 0:
        return 0.0 if est != 0 else NAN
    return float(2 * stats.t.sf(abs(est / se), n - 1))


P_T_METHOD = ("two-sided t test of coefficient = 0 with the non-null SE on n - 1 df "
              "(irrCAC)")


def build(name, est, se, *, n, confidence, ci_method, method, reason="", se_null=NAN,
          extra=None, stat=None, n_resamples=0, seed=None, bootstrap_method="percentile",
          n_units=None, groups=(None, None), t_test=False) -> Estimate:
    """An :class:`Estimate` with analytic CI and, if asked, bootstrap results in ``extra``.

    ``groups``: ``(group of each unit or a callable giving it, number of groups)`` when
    ``stat`` takes weights over groups of identical units (``bootstrap_units(groups=)``).
    ``t_test``: add irrCAC's t test (``extra["p_value_t"]``); it is ``p_value`` unless the
    coefficient has a null SE, whose z test then stays ``p_value``
    (``extra["p_value_method"]`` says which).
    """
    confidence = check_confidence(confidence)
    est = float(est)
    se = float(se)
    if not math.isfinite(est):
        se = NAN
        se_null = NAN
    ci = interval(est, se, n, confidence, ci_method)
    extra = dict(extra or {})
    p_value = NAN
    if math.isfinite(se_null) and se_null > 0 and math.isfinite(est):
        extra["z_null"] = est / se_null
        p_value = float(2 * stats.norm.sf(abs(est / se_null)))
        if t_test:
            extra["p_value_method"] = "two-sided z test of coefficient = 0 with se_null"
    if t_test:
        extra["p_value_t"] = t_test_p(est, se, n)
        if not math.isfinite(p_value):
            p_value = extra["p_value_t"]
            extra["p_value_method"] = P_T_METHOD
    if n_resamples and stat is not None:
        if not math.isfinite(est):
            extra["bootstrap"] = {"se": None, "ci": [None, None], "method": "not run: "
                                  "estimate undefined", "n_resamples": int(n_resamples),
                                  "seed": seed}
        else:
            g, n_groups = groups
            g = g() if callable(g) else g
            res = bootstrap_units(stat, n_units, n_resamples=n_resamples, seed=seed,
                                  confidence=confidence, method=bootstrap_method, estimate=est,
                                  groups=g, n_groups=None if g is None else n_groups)
            extra["bootstrap"] = res.to_dict()
    return Estimate(name=name, estimate=est, se=se, ci=ci, ci_level=confidence,
                    method=f"{method}; {ci_text(ci_method)}" if math.isfinite(se) else method,
                    se_kind="non-null", se_null=float(se_null), p_value=p_value, reason=reason,
                    extra=extra)


def undefined(name, reason, *, confidence=0.95, method="") -> Estimate:
    return Estimate(name=name, estimate=NAN, ci_level=confidence, method=method, reason=reason)


def indicator(rows, cols, n_rows, n_cols, data=None) -> sp.csr_matrix:
    """Sparse n_rows x n_cols matrix with ``data`` (default 1) at (rows, cols), duplicates summed."""
    if data is None:
        data = np.ones(len(rows))
    return sp.csr_matrix((np.asarray(data, dtype=float), (rows, cols)), shape=(n_rows, n_cols))


def wsum(u, x):
    """Weighted sums over units for B resamples: ``u`` (B x n) times ``x`` (n,) or (n x p)."""
    if sp.issparse(x):
        return np.asarray((x.T @ u.T).T)
    return u @ x


def chance_corrected_statistic(pa_pe, kind):
    """Vectorised ``statistic(weights)`` for the bootstrap: (pa - pe) / (1 - pe) per resample,
    NaN where chance agreement is 1; percent agreement itself for ``kind="percent_agreement"``."""
    def stat(u):
        pa, pe = pa_pe(kind, u)
        if kind == "percent_agreement":
            return pa
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.abs(1 - pe) > 1e-12, (pa - pe) / (1 - pe), np.nan)
    return stat
