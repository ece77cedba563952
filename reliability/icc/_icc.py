"""The six Shrout-Fleiss intraclass correlations, by ANOVA or REML, with F tests and CIs."""

from __future__ import annotations

import functools
import hashlib
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, show
from reliability._results import ConfidenceInterval, TestResult, _fmt, json_safe
from reliability._validation import (OPTIONS, AnyOf, Choice, Real, resolve_resamples,
                                    validate_params)
from reliability.data import Ratings, complete_numeric_matrix
from reliability.icc import _anova

NAN = float("nan")

#: name -> (McGraw-Wong name, Shrout-Fleiss name, description)
FORM_INFO = {
    "ICC1": ("ICC(1)", "ICC(1,1)", "one-way random effects, single rater"),
    "ICC2": ("ICC(A,1)", "ICC(2,1)", "two-way random effects, absolute agreement, single rater"),
    "ICC3": ("ICC(C,1)", "ICC(3,1)", "two-way mixed effects, consistency, single rater"),
    "ICC1k": ("ICC(k)", "ICC(1,k)", "one-way random effects, mean of k raters"),
    "ICC2k": ("ICC(A,k)", "ICC(2,k)",
              "two-way random effects, absolute agreement, mean of k raters"),
    "ICC3k": ("ICC(C,k)", "ICC(3,k)", "two-way mixed effects, consistency, mean of k raters"),
}
METHODS = ("anova", "reml", "auto")


@dataclass(frozen=True)
class ICCForm:
    """One intraclass correlation with its test and interval.

    Attributes
    ----------
    name : str
        ``"ICC1"`` ... ``"ICC3k"`` (psych / pingouin names).
    mcgraw_wong : str
        McGraw & Wong (1996) name, e.g. ``"ICC(A,1)"``.
    shrout_fleiss : str
        Shrout & Fleiss (1979) name, e.g. ``"ICC(2,1)"``.
    description : str
        Model, definition (agreement / consistency) and unit of measurement.
    estimate : float
        Point estimate (NaN with ``reason`` when undefined).
    ci, ci_level : tuple, float
        Confidence interval and its level.
    F, df1, df2, p : float
        F test of H0: ICC = 0 (NaN for REML fits of unbalanced data).
    se : float
        Bootstrap standard error when a bootstrap was requested, else NaN.
    method : str
        How estimate and interval were obtained.
    reason : str
        Why a value is NaN, if one is.
    extra : dict
        Further quantities (Satterthwaite df, the F-based interval when the bootstrap
        replaced it, irr's ICC(A,k) interval convention, ...).
    test : TestResult
        F test of H0: ICC = ``rho0`` against ICC > rho0 (McGraw & Wong 1996, Table 8;
        ``icc(..., rho0=)``): ``statistic``, ``df`` = ``(df1, df2)``, ``p_value`` and
        ``extra`` ``{"df1", "df2", "rho0"}``. For ``rho0 = 0`` it equals ``F, df1, df2, p``
        (the absolute-agreement forms then have ``df2 = (n-1)(k-1)``); NaN with a reason for
        REML fits.
    """

    name: str
    mcgraw_wong: str
    shrout_fleiss: str
    description: str
    estimate: float
    ci: tuple = (NAN, NAN)
    ci_level: float = 0.95
    F: float = NAN
    df1: float = NAN
    df2: float = NAN
    p: float = NAN
    se: float = NAN
    method: str = ""
    reason: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    _interval: Any = field(default=None, repr=False, compare=False)
    test: Any = None

    def __post_init__(self):
        object.__setattr__(self, "ci", ConfidenceInterval(*[float(c) for c in self.ci]))

    @property
    def p_value(self) -> float:
        return self.p

    @property
    def confidence(self) -> float:
        return self.ci_level

    def confidence_interval(self, level: float = 0.95):
        """The exact F interval at another ``level`` (McGraw & Wong 1996), recomputed from
        the stored mean squares; REML fits have none (refit with ``confidence=``)."""
        from reliability._validation import check_option

        check_option("confidence", level)
        if not math.isfinite(self.estimate):
            return ConfidenceInterval(NAN, NAN)
        if self.ci[0] == self.ci[1] == self.estimate:   # perfect agreement: degenerate
            return ConfidenceInterval(*self.ci)
        if self._interval is None:
            raise ReliabilityError(f"{self.name}: no exact interval for a REML fit; call icc() "
                                   "again with confidence= and n_resamples=")
        lo, hi = self._interval(level)
        return ConfidenceInterval(float(lo), float(hi))

    def __float__(self) -> float:
        return float(self.estimate)

    def to_dict(self) -> dict:
        out = {
            "name": self.name, "mcgraw_wong": self.mcgraw_wong,
            "shrout_fleiss": self.shrout_fleiss, "description": self.description,
            "estimate": self.estimate, "ci": list(self.ci), "ci_level": self.ci_level,
            "F": self.F, "df1": self.df1, "df2": self.df2, "p": self.p, "se": self.se,
            "method": self.method,
        }
        if self.reason:
            out["reason"] = self.reason
        out.update(self.extra)
        if self.test is not None:
            out["test"] = self.test.to_dict()
        return json_safe(out)

    def to_frame(self) -> pd.DataFrame:
        row = {"mcgraw_wong": self.mcgraw_wong, "shrout_fleiss": self.shrout_fleiss,
               "description": self.description, "estimate": self.estimate,
               "ci_lower": self.ci[0], "ci_upper": self.ci[1], "ci_level": self.ci_level,
               "F": self.F, "df1": self.df1, "df2": self.df2, "p": self.p, "se": self.se,
               "method": self.method, "reason": self.reason}
        return pd.DataFrame([row], index=pd.Index([self.name], name="form"))

    def summary(self) -> str:
        pct = f"{100 * self.ci_level:g}%"
        text = (f"{self.name} ({self.mcgraw_wong}, {self.description}): {_fmt(self.estimate)}  "
                f"{pct} CI [{_fmt(self.ci[0])}, {_fmt(self.ci[1])}]  "
                f"F({_fmt(self.df1, 2)}, {_fmt(self.df2, 2)}) = {_fmt(self.F)}, p = {_fmt(self.p)}")
        if self.test is not None and self.test.extra.get("rho0", 0) != 0:
            t = self.test
            text += (f"\n  H0: ICC = {t.extra['rho0']:g}: F({_fmt(t.extra['df1'], 2)}, "
                     f"{_fmt(t.extra['df2'], 2)}) = {_fmt(t.statistic)}, p = {_fmt(t.p_value)}")
        if self.reason:
            text += f"\n  note: {self.reason}"
        return text


@dataclass(frozen=True)
class ICCResult:
    """The six ICC forms for one data set (index by name: ``result["ICC2"]``).

    Attributes
    ----------
    forms : dict of ICCForm
    n_units, n_raters, n_ratings : int
    k : float
        Number of raters the average-measures forms refer to (the number of raters for
        complete data; the harmonic mean of ratings per unit for REML).
    method : str
        ``"anova"`` or ``"reml"``.
    confidence : float
    components : dict
        Variance components (unit, rater, residual; and the one-way ``within``).
    mean_squares : dict
        ANOVA mean squares (empty for REML).
    notes : tuple of str
    rho0 : float
        Null value of the tests in each form's ``test`` (``icc(..., rho0=)``).
    """

    forms: Mapping[str, ICCForm]
    n_units: int
    n_raters: int
    n_ratings: int
    k: float
    method: str
    confidence: float
    components: Mapping[str, float] = field(default_factory=dict)
    mean_squares: Mapping[str, float] = field(default_factory=dict)
    notes: tuple = ()
    rho0: float = 0.0

    def __getitem__(self, key: str) -> ICCForm:
        try:
            return self.forms[key]
        except KeyError:
            from reliability._errors import suggest
            raise KeyError(f"no ICC form {key!r}{suggest(key, self.forms)}; "
                           f"forms: {', '.join(self.forms)}") from None

    def __iter__(self):
        return iter(self.forms)

    def __len__(self) -> int:
        return len(self.forms)

    def keys(self):
        return self.forms.keys()

    def to_frame(self) -> pd.DataFrame:
        return pd.concat([f.to_frame() for f in self.forms.values()])

    def to_dict(self) -> dict:
        return json_safe({
            "n_units": self.n_units, "n_raters": self.n_raters, "n_ratings": self.n_ratings,
            "k": self.k, "method": self.method, "confidence": self.confidence,
            "rho0": self.rho0,
            "icc": {name: f.to_dict() for name, f in self.forms.items()},
            "variance_components": dict(self.components),
            "mean_squares": dict(self.mean_squares),
            "notes": list(self.notes),
        })

    def summary(self) -> str:
        lines = [f"Intraclass correlations ({self.method.upper()}): {self.n_units} units, "
                 f"{self.n_raters} raters, {self.n_ratings} ratings, k = {_fmt(self.k, 3)}"]
        frame = self.to_frame()[["mcgraw_wong", "estimate", "ci_lower", "ci_upper", "F",
                                 "df1", "df2", "p"]]
        first = next(iter(self.forms.values()))
        boot = first.extra.get("bootstrap")
        if boot and self.method == "anova":
            frame = frame.assign(
                se_boot=[f.se for f in self.forms.values()],
                boot_lower=[f.extra["bootstrap"]["ci"][0] for f in self.forms.values()],
                boot_upper=[f.extra["bootstrap"]["ci"][1] for f in self.forms.values()])
        lines.append(frame.to_string(float_format=lambda x: _fmt(x)))
        if self.rho0 != 0 and self.method == "anova":
            tests = pd.DataFrame(
                [{"F": f.test.statistic, "df1": f.test.extra["df1"], "df2": f.test.extra["df2"],
                  "p": f.test.p_value} for f in self.forms.values()],
                index=pd.Index(list(self.forms), name="form"))
            lines.append(f"F tests of H0: ICC = {self.rho0:g} against ICC > {self.rho0:g} "
                         "(McGraw & Wong 1996, Table 8; ICC2/ICC2k approximate df):")
            lines.append(tests.to_string(float_format=lambda x: _fmt(x)))
        pct = f"{100 * self.confidence:g}%"
        if "ci_method" in first.extra:
            lines.append(f"{pct} intervals (ci_lower, ci_upper): {first.extra['ci_method']}")
        if boot:
            lines.append(f"bootstrap: {boot['method']}, seed {boot['seed']}"
                         + ("; se_boot and the bootstrap interval beside the exact one"
                            if self.method == "anova" else ""))
        if self.components:
            lines.append("variance components: " + ", ".join(
                f"{k} {_fmt(v)}" for k, v in self.components.items()))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


# ---------------------------------------------------------------------- entry point
@validate_params({
    "confidence": "shared", "n_resamples": "shared", "seed": "shared",
    "bootstrap": AnyOf((None, OPTIONS["n_resamples"])), "method": Choice(METHODS),
    "bootstrap_method": Choice(("percentile", "bca")),
    "shape": AnyOf((None, Choice(("wide", "long", "table")))),
    "rho0": Real(0, 1, closed="left")})
def icc(ratings, *, confidence=0.95, method="auto", n_resamples=0, seed=None,
        bootstrap_method="percentile", shape=None, unit=None, rater="rater",
        rating="rating", encoding=None, bootstrap=None, rho0=0.0) -> ICCResult:
    """Intraclass correlations: the six Shrout & Fleiss (1979) forms.

    Parameters
    ----------
    ratings : Ratings, DataFrame, ndarray or path
        Anything :func:`reliability.as_ratings` accepts (wide: units x raters; long:
        ``unit, rater, rating`` columns), read at the interval level.
    confidence : float
        Level of the confidence intervals.
    method : {"auto", "anova", "reml"}
        ``"anova"``: the classical two-way ANOVA (needs every unit rated by every rater).
        ``"reml"``: variance components of the crossed random model unit + rater +
        residual by REML (:mod:`reliability._reml`), for missing / unbalanced data.
        ``"auto"``: ANOVA if the unit x rater table is complete, else REML.
    n_resamples : int
        0 (default) or 2 to 1,000,000 bootstrap resamples over units
        (:func:`reliability.inference.bootstrap_units`). The bootstrap SE is ``se`` and the
        bootstrap interval is ``extra["bootstrap"]`` (``se, ci, method, n_resamples, seed,
        n_valid``); the exact F interval stays ``ci`` whenever it exists (ANOVA), so a small
        number of resamples never replaces it. REML fits of unbalanced data have no exact
        interval: there ``ci`` is the bootstrap interval. ``extra["ci_method"]`` says which.
        Vectorised for ANOVA; for REML every resample is a REML fit (slow for large data).
    seed : int, optional
        Seed of the bootstrap.
    bootstrap_method : {"percentile", "bca"}
    encoding : str, optional
        Text encoding when ``ratings`` is a path.
    bootstrap : int, optional
        Deprecated name of ``n_resamples`` (DeprecationWarning).
    rho0 : float in [0, 1)
        Null value of the F tests in each form's ``test`` (H0: ICC = rho0 against ICC >
        rho0; McGraw & Wong 1996, Table 8; irr::icc's ``r0``). Default 0. ``F, df1, df2,
        p`` stay the test of ICC = 0.

    Returns
    -------
    ICCResult
        ``result["ICC2"].estimate``, ``.ci``, ``.F``, ``.df1``, ``.df2``, ``.p``; ``.test``
        the test of H0: ICC = ``rho0`` (checked against McGraw & Wong's Table 8 in base R
        and psych::ICC, tests/data/icc_rho0_mcgraw_wong.json, and by simulation of its
        null distribution).

    Notes
    -----
    **ANOVA (complete data).** With mean squares for units (MSR), raters (MSC),
    residual (MSE) and within units (MSW) from ``n`` units and ``k`` raters (Shrout &
    Fleiss 1979, Table 1):

    * ICC1 = (MSR - MSW) / (MSR + (k-1) MSW); ICC1k = (MSR - MSW) / MSR
    * ICC2 = (MSR - MSE) / (MSR + (k-1) MSE + k (MSC - MSE) / n);
      ICC2k = (MSR - MSE) / (MSR + (MSC - MSE) / n)
    * ICC3 = (MSR - MSE) / (MSR + (k-1) MSE); ICC3k = (MSR - MSE) / MSR

    F tests and intervals follow McGraw & Wong (1996, Tables 7-8). For ICC2 the
    interval uses Satterthwaite's df ``v`` evaluated at the ICC(A,1) estimate; ICC2k's
    interval is the Spearman-Brown transform of ICC2's bounds. This is the convention of
    psych::ICC and pingouin (checked against both on tests/data/shrout_fleiss_1979 and
    pingouin_wine_icc to 1e-6). ``F, df1, df2, p`` are psych's: the test of ICC = 0,
    ``F = MSR/MSE`` on ``(n-1, (n-1)(k-1))`` for the two-way forms. irr::icc's
    Satterthwaite df and p (``df2_satterthwaite``, ``p_satterthwaite``) and its
    ICC(A,k) interval (``ci_irr``, ``v`` evaluated at ICC(A,k)) are in ``extra``.

    **REML (missing / unbalanced data).** The estimand is defined by the crossed
    random-effects model ``x_ij = mu + u_i + r_j + e_ij`` with variances
    ``s2_u, s2_r, s2_e`` estimated by REML (non-negative), and the one-way model
    ``x_ij = mu + u_i + w_ij`` (``s2_u1, s2_w``):

    * ICC1 = s2_u1 / (s2_u1 + s2_w)
    * ICC2 = s2_u / (s2_u + s2_r + s2_e) (absolute agreement of one rating)
    * ICC3 = s2_u / (s2_u + s2_e) (consistency: rater leniency removed)
    * the ``k`` forms replace the error variances by their averages over a unit's
      ratings, with ``k`` the harmonic mean of the number of ratings per unit (so that
      ``error / k`` is the mean error variance of a unit's mean rating).

    On complete balanced data these are exactly the ANOVA estimates whenever the ANOVA
    variance components are non-negative (REML truncates negative components at 0 and
    then differs). No F test or exact interval exists for unbalanced data: ``F, df1,
    df2, p`` are NaN and the interval is NaN unless ``bootstrap > 0`` (percentile or
    BCa bootstrap over units; each resample refits REML).
    """
    bootstrap = resolve_resamples(n_resamples, bootstrap)
    rho0 = float(rho0)
    dense, total = (complete_numeric_matrix(ratings, shape=shape, with_sum=True)
                    if unit is None else (None, None))
    if dense is not None:
        scores, unit_idx, rater_idx, y, notes = dense, None, None, None, ()
        unit_labels = None
        n, k = scores.shape
        n_ratings = n * k
        complete = True
    else:
        r = _as_interval(ratings, shape=shape, unit=unit, rater=rater, rating=rating,
                         encoding=encoding)
        if not r.has_raters:
            raise ReliabilityError("ICCs need rater identities; give wide or long ratings, "
                                   "not a unit x category counts table")
        n, k = r.n_units, r.n_raters
        unit_idx, rater_idx = r.unit, r.rater
        unit_labels = r.unit_labels
        y = r.values[r.code]
        n_ratings = len(y)
        complete = n_ratings == n * k
        notes = tuple(r.notes)
        scores = None
        if complete:
            scores = np.empty((n, k))
            scores[unit_idx, rater_idx] = y
    if n < 2:
        raise ReliabilityError(f"ICCs need at least 2 units; got {n}")
    if k < 2:
        raise ReliabilityError(f"ICCs need at least 2 raters; got {k}")
    if method == "auto":
        method = "anova" if complete else "reml"
    if method == "anova" and not complete:
        counts = np.bincount(unit_idx, minlength=n)
        first = int(np.argmax(counts < k))
        raise ReliabilityError(
            f"method 'anova' needs every unit rated by all {k} raters, but unit "
            f"{show(unit_labels[first])} has {counts[first]} rating(s) "
            f"({n * k - n_ratings} missing in all); use method='reml' (or 'auto')")
    if method == "anova":
        return _icc_anova(scores, confidence, bootstrap, seed, bootstrap_method, notes, rho0,
                          total)
    if scores is not None and unit_idx is None:
        unit_idx = np.repeat(np.arange(n), k)
        rater_idx = np.tile(np.arange(k), n)
        y = scores.ravel()
    return _icc_reml(y, unit_idx, rater_idx, n, k, confidence, bootstrap, seed,
                     bootstrap_method, notes, rho0)


def _as_interval(data, **kw):
    from reliability.data import as_ratings

    if isinstance(data, Ratings):
        return data.with_level("interval") if data.level not in ("interval", "ratio") else data
    return as_ratings(data, level="interval", **{k: v for k, v in kw.items() if v is not None})


# ---------------------------------------------------------------------- ANOVA
def _icc_anova(scores, confidence, bootstrap, seed, bootstrap_method, notes, rho0=0.0,
               total=None):
    """``total``: ``scores.sum()`` if known (the mean is ``total / scores.size``, as numpy's)."""
    n, k = scores.shape
    # ICCs, F tests and intervals are scale-free, but sums of squares of |x| > ~1e154
    # overflow (and of |x| < ~1e-154 underflow): compute on data divided by a power of two
    # (exact) and scale the reported mean squares and components back.
    terms = _anova.per_unit_terms(scores, total)     # terms[0]: the centred scores
    ms = _anova.observed_mean_squares(terms, n, k)
    power = 0
    # The spread max|x - mean| needs a pass of its own, but the sum of squares SQ bounds it:
    # spread^2 <= SQ <= n k spread^2 (up to rounding: hence the margins of 100 on 1e200), so
    # only data near the limits are looked at again.
    if not (n * k * 1e-198 < ms["SQ"] < 1e198):
        centred = terms[0]
        spread = max(float(centred.max()), -float(centred.min()))
        if not math.isfinite(spread):
            # the sum (so the mean) or the centring overflowed (data beyond ~1e306; the
            # values themselves are finite, checked on the way in): bring them below 1 first
            power = math.frexp(max(float(scores.max()), -float(scores.min())))[1]
            scores = np.ldexp(scores, -power)
            centred = scores - scores.mean()
            spread = max(float(centred.max()), -float(centred.min()))
        if spread > 0 and not (1e-100 < spread < 1e100):
            step = int(np.round(np.log2(spread)))
            scores = np.ldexp(centred, -step)
            power += step
        if power:
            terms = _anova.per_unit_terms(scores)
            ms = _anova.observed_mean_squares(terms, n, k)
    back = 2.0 ** (2 * power) if abs(2 * power) < 1000 else (np.inf if power > 0 else 0.0)
    msr, msc, mse, msw = ms["MSR"], ms["MSC"], ms["MSE"], ms["MSW"]
    est = _anova.icc_from_observed(ms, n, k)
    tests = _anova.f_tests_scalar(msr, mse, msw, n, k)
    tests0 = _anova.rho0_tests_scalar(msr, msc, mse, msw, n, k, rho0)
    cis, extra_all = _anova.f_intervals_scalar(msr, msc, mse, msw, est["ICC2"], est["ICC2k"],
                                               n, k, confidence)
    notes = list(notes)
    boot = {}
    if bootstrap:
        boot = _bootstrap_anova(terms, n, k, bootstrap, seed, confidence, bootstrap_method)
    forms = {}
    for name in _anova.FORMS:
        value = float(est[name])
        F, df1, df2, p = tests[name]
        ci = cis[name]
        reason = ""
        extra = {}
        if name in ("ICC2", "ICC2k"):
            v = extra_all["df2_satterthwaite"][name]
            extra["df2_satterthwaite"] = v
            extra["p_satterthwaite"] = (float(_sf(F, df1, v)))
        if name == "ICC2k":
            extra["ci_irr"] = list(extra_all["ci_irr"]["ICC2k"])
        if not math.isfinite(value):
            reason = ("undefined: no variation between or within units (all mean squares 0)"
                      if msr + msc + mse == 0 else
                      "undefined: the ANOVA denominator is not positive (for ICC2k: MSR + "
                      "(MSC - MSE)/n <= 0, raters agree less than chance)")
            ci = (NAN, NAN)
        elif (mse == 0 and name[:4] in ("ICC2", "ICC3")) or (msw == 0 and name[:4] == "ICC1"):
            # Perfect agreement/consistency: F is infinite and the interval degenerates.
            ci = (value, value) if value == 1 else ci
        method_text = ("two-way ANOVA (Shrout & Fleiss 1979); exact F-based CI "
                       "(McGraw & Wong 1996)" if name[:4] != "ICC1" else
                       "one-way ANOVA (Shrout & Fleiss 1979); exact F-based CI (McGraw & Wong 1996)")
        if name == "ICC2":
            method_text += f"; Satterthwaite df {v:.4g} at ICC(A,1)"
        if name == "ICC2k":
            method_text += "; Spearman-Brown transform of the ICC(A,1) bounds (psych/pingouin)"
        se = NAN
        extra["ci_method"] = "exact F (McGraw & Wong 1996)"
        if bootstrap:
            b = boot[name]
            extra["ci_F"] = list(ci)       # the same as ci; kept for scripts written for 0.1
            se = b.se
            extra["bootstrap"] = _boot_dict(b, bootstrap, seed)
            extra["bootstrap_n_valid"] = b.n_valid
            method_text += f"; bootstrap SE and interval ({b.method}) in extra['bootstrap']"
        mw, sf, desc = FORM_INFO[name]
        forms[name] = ICCForm(name, mw, sf, desc, value, ci, confidence,
                              F, df1, df2, p, se, method_text, reason, extra,
                              _f_interval(ms, est, n, k, name),
                              _rho0_test(name, tests0[name], rho0))
    for name in _anova.FORMS:
        if forms[name].estimate < 0:
            notes.append(f"{name} is negative: units differ less than chance "
                         "(estimates below 0 are reported, not truncated)")
            break
    if power:
        with np.errstate(over="ignore"):
            msr, msc, mse, msw = (v * back for v in (msr, msc, mse, msw))
        notes.append(f"scores rescaled by 2^{-power} for the computation (sums of squares "
                     "would overflow or underflow); ICCs, F tests and intervals are scale-free")
    comps = {"unit": (msr - mse) / k, "rater": (msc - mse) / n, "residual": mse,
             "unit_oneway": (msr - msw) / k, "within": msw}
    ms_out = {"MSR": msr, "MSC": msc, "MSE": mse, "MSW": msw,
              "df_units": n - 1, "df_raters": k - 1, "df_residual": (n - 1) * (k - 1)}
    return ICCResult(forms, n, k, n * k, float(k), "anova", confidence, comps, ms_out,
                     tuple(notes), rho0)


def _rho0_test(name, values, rho0, reason=""):
    """The :class:`TestResult` of H0: ICC = rho0 for one form (``values``: F, df1, df2, p)."""
    F, df1, df2, p = values
    # (the sign is part of the key: -0.0 == 0.0 but prints as -0)
    label, method = _rho0_text(name, rho0, math.copysign(1.0, rho0) < 0)
    return TestResult(label, float(F), (float(df1), float(df2)), float(p), method=method,
                      reason=reason, extra={"df1": float(df1), "df2": float(df2),
                                            "rho0": float(rho0)})


@functools.lru_cache(maxsize=128)
def _rho0_text(name, rho0, negative=False):
    """Name and method text of the rho0 test of one form (six per icc call: cached)."""
    kind = ("Satterthwaite df (approximate)" if name in ("ICC2", "ICC2k") else "exact")
    return (f"{name} = {rho0:g}",
            f"F test of H0: {name} = {rho0:g} against > {rho0:g} (McGraw & Wong 1996, "
            f"Table 8; {kind})")


def _f_interval(ms, est, n, k, name):
    """The exact interval of ``name`` at any level (what ICCForm.confidence_interval calls);
    ``ms``, ``est``: :func:`_anova.observed_mean_squares`, :func:`_anova.icc_from_observed`."""
    def interval(level):
        cis, _ = _anova.f_intervals_scalar(ms["MSR"], ms["MSC"], ms["MSE"], ms["MSW"],
                                           est["ICC2"], est["ICC2k"], n, k, level)
        lo, hi = cis[name]
        return lo, hi
    return interval


def _boot_dict(b, n_resamples, seed) -> dict:
    return {"se": float(b.se), "ci": [float(b.ci[0]), float(b.ci[1])], "method": b.method,
            "n_resamples": int(n_resamples), "seed": seed, "n_valid": int(b.n_valid)}


def _sf(F, df1, df2):
    if not np.isfinite(F):
        return 0.0 if F == np.inf else NAN
    return _anova.f_sf(F, df1, df2)


def _bootstrap_anova(terms, n, k, B, seed, confidence, how):
    from reliability.inference import bootstrap_units_multi, shared_seed

    # One seed and one set of resampling weights for the six forms (the same resamples
    # the six separate bootstrap_units calls drew before).
    seed = shared_seed(seed)

    def statistic(w):
        ms = _anova.mean_squares(w, terms, n, k)
        est = _anova.icc_from_ms(ms, n, k)
        return np.column_stack([est[name] for name in _anova.FORMS])

    res = bootstrap_units_multi(statistic, len(_anova.FORMS), n, n_resamples=B, seed=seed,
                                confidence=confidence, method=how)
    return dict(zip(_anova.FORMS, res))


# ---------------------------------------------------------------------- REML
def _reml_components(y, unit, rater, n, k, two_way=True):
    from reliability._reml import RemlFit, fit_reml

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        one = fit_reml(y, [unit], ["unit"])
        if two_way:
            two = fit_reml(y, [unit, rater], ["unit", "rater"])
        else:
            two = RemlFit({"unit": NAN, "rater": NAN}, NAN, one.mean, NAN, True, 0,
                          "not identified: every rater rated one unit")
    bad = [str(w.message) for w in caught]
    return two, one, bad


def _icc_from_components(two, one, kh):
    su, sr, se = two.variances["unit"], two.variances["rater"], two.residual
    su1, sw = one.variances["unit"], one.residual
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ICC1": su1 / (su1 + sw),
            "ICC2": su / (su + sr + se),
            "ICC3": su / (su + se),
            "ICC1k": su1 / (su1 + sw / kh),
            "ICC2k": su / (su + (sr + se) / kh),
            "ICC3k": su / (su + se / kh),
        }


def _icc_reml(y, unit, rater, n, k, confidence, bootstrap, seed, how, notes, rho0=0.0):
    notes = list(notes)
    per_unit = np.bincount(unit, minlength=n)
    kh = float(len(per_unit) / np.sum(1.0 / per_unit))
    per_rater = np.bincount(rater, minlength=k)
    # If no rater rated two units, rater effects are confounded with error: only the
    # one-way forms are identified.
    two_way = bool(per_rater.max() >= 2)
    two, one, bad = _reml_components(y, unit, rater, n, k, two_way=two_way)
    notes.extend(bad)
    est = _icc_from_components(two, one, kh)
    boot = {}
    if bootstrap:
        boot = _bootstrap_reml(y, unit, rater, n, k, bootstrap, seed, confidence, how)
    forms = {}
    for name in _anova.FORMS:
        value = float(est[name])
        reason = "" if math.isfinite(value) else "undefined: all variance components are 0"
        if not two_way and name[:4] != "ICC1":
            reason = ("not identified: every rater rated a single unit, so rater and error "
                      "variance cannot be separated (only ICC1/ICC1k apply)")
        ci, se, extra = (NAN, NAN), NAN, {}
        method_text = ("REML variance components, crossed random unit + rater model"
                       if name[:4] != "ICC1" else "REML variance components, one-way random model")
        if bootstrap:
            b = boot[name]
            ci, se = b.ci, b.se
            method_text += "; " + b.method + " (REML refitted per resample)"
            extra["ci_method"] = f"bootstrap ({b.method}): no exact interval for unbalanced data"
            extra["bootstrap"] = _boot_dict(b, bootstrap, seed)
            extra["bootstrap_n_valid"] = b.n_valid
        if bootstrap and not math.isfinite(value):
            ci, se = (NAN, NAN), NAN
        elif not bootstrap and not reason:
            reason = ("no F test or exact interval for unbalanced data; pass bootstrap=N for "
                      "a bootstrap interval over units")
        mw, sf, desc = FORM_INFO[name]
        forms[name] = ICCForm(name, mw, sf, desc, value, tuple(float(c) for c in ci),
                              confidence, NAN, NAN, NAN, NAN, se, method_text, reason, extra,
                              test=_rho0_test(name, (NAN, NAN, NAN, NAN), rho0,
                                              "no F test for unbalanced data (REML fit)"))
    notes.append(f"REML (missing/unbalanced data): k = {kh:.4g} is the harmonic mean of "
                 "ratings per unit; average-measures forms refer to a mean of k ratings")
    for comp, val in (("unit", two.variances["unit"]), ("rater", two.variances["rater"])):
        if val == 0:
            notes.append(f"REML {comp} variance is 0 (boundary): the ANOVA estimate would be negative")
    comps = {"unit": two.variances["unit"], "rater": two.variances["rater"],
             "residual": two.residual, "unit_oneway": one.variances["unit"],
             "within": one.residual}
    return ICCResult(forms, n, k, len(y), kh, "reml", confidence, comps, {}, tuple(notes), rho0)


def _bootstrap_reml(y, unit, rater, n, k, B, seed, confidence, how):
    from reliability.inference import bootstrap_units, shared_seed

    seed = shared_seed(seed)   # one seed for the six forms: the same resamples
    order = np.argsort(unit, kind="stable")
    y_s, unit_s, rater_s = y[order], unit[order], rater[order]
    starts = np.searchsorted(unit_s, np.arange(n + 1))
    cache = {}

    def fit_all(w):
        # Every unit drawn c times becomes c distinct units (REML does not factor over
        # units when raters are crossed, so weights cannot stand in for copies).
        key = hashlib.sha1(np.ascontiguousarray(w).tobytes()).hexdigest()
        if key in cache:
            return cache[key]
        out = np.full((w.shape[0], 6), np.nan)
        for b in range(w.shape[0]):
            reps = w[b].astype(np.int64)
            picked = np.repeat(np.arange(n), reps)
            lens = starts[picked + 1] - starts[picked]
            idx = np.repeat(starts[picked], lens) + _ranges(lens)
            new_unit = np.repeat(np.arange(len(picked)), lens)
            rr = rater_s[idx]
            used, rr = np.unique(rr, return_inverse=True)
            if len(used) < 2:
                continue
            per_unit = np.bincount(new_unit)
            kh = len(per_unit) / np.sum(1.0 / per_unit)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    two, one, _ = _reml_components(y_s[idx], new_unit, rr, len(picked), len(used))
                except ReliabilityError:
                    continue
            e = _icc_from_components(two, one, kh)
            out[b] = [e[name] for name in _anova.FORMS]
        cache[key] = out
        return out

    res = {}
    for j, name in enumerate(_anova.FORMS):
        res[name] = bootstrap_units(lambda w, j=j: fit_all(w)[:, j], n, n_resamples=B,
                                    seed=seed, confidence=confidence, method=how)
    return res


def _ranges(lens):
    """Concatenated aranges 0..len-1 for each length (vectorised)."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lens)
    out = np.arange(total) - np.repeat(ends - lens, lens)
    return out


# ---------------------------------------------------------------------- one-way
def oneway_icc(values, groups, *, confidence: float = 0.95):
    """ICC(1): the between-group share of the variance of ``values`` grouped by ``groups``.

    The one-way random-effects model ``x = mu + u_group + e`` with REML variance components
    (:mod:`reliability._reml`), the estimator :func:`icc` uses for ICC1 of unbalanced data;
    on balanced data it equals the ANOVA ICC(1) of Shrout & Fleiss (1979) whenever that is
    positive. Groups with one value are kept (they inform the total variance). Used wherever
    a between-inspector share of grade variance is reported (the HTML report), so that every
    entry point gives one number.

    The interval is the F interval of the one-way ANOVA (Shrout & Fleiss 1979) with the
    average group size ``n0`` of Searle (1971) for unequal groups: exact for balanced data,
    an approximation otherwise (``method`` says so).

    Returns
    -------
    Estimate
        NaN with a ``reason`` when fewer than two groups or no group with two values remain.
    """
    from scipy import stats

    from reliability._reml import fit_reml
    from reliability._results import Estimate
    from reliability._validation import check_option

    check_option("confidence", confidence)
    y = np.asarray(values, dtype=float)
    g = pd.Series(np.asarray(groups, dtype=object))
    ok = np.isfinite(y) & g.notna().to_numpy()
    y = y[ok]
    codes, uniques = pd.factorize(g[ok].astype(str))
    n = np.bincount(codes) if len(codes) else np.zeros(0, dtype=int)
    method = ("one-way random effects ICC(1), REML variance components; F interval with "
              "Searle's (1971) n0")
    if len(uniques) < 2 or n.max() < 2:
        return Estimate("ICC1", NAN, ci_level=confidence, method=method,
                        reason="needs two groups and a group with two values")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_reml(y, [codes.astype(np.int64)], ["group"])
    su, se = fit.variances["group"], fit.residual
    est = float(su / (su + se)) if su + se > 0 else NAN
    G, N = len(n), len(y)
    mean = np.bincount(codes, weights=y) / n
    msb = float(np.sum(n * (mean - y.mean()) ** 2)) / (G - 1)
    msw = float(np.sum((y - mean[codes]) ** 2)) / (N - G)
    n0 = (N - np.sum(n ** 2) / N) / (G - 1)
    ci = (NAN, NAN)
    if msw > 0 and np.isfinite(est):
        F = msb / msw
        q = 0.5 + confidence / 2
        fl = F / _anova.f_ppf(q, G - 1, N - G)
        fu = F * _anova.f_ppf(q, N - G, G - 1)
        ci = (float(max((fl - 1) / (fl + n0 - 1), -1.0)), float(min((fu - 1) / (fu + n0 - 1),
                                                                     1.0)))
    return Estimate("ICC1", est, ci=ci, ci_level=confidence, method=method,
                    extra={"n_groups": int(G), "n": int(N), "n0": float(n0)})
