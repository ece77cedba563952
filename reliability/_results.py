"""Result objects shared by every analysis.

Results are frozen dataclasses: an :class:`Estimate` holds one statistic with its
standard error and confidence interval; an :class:`EstimateTable` holds several,
keyed by name. Both offer ``.summary()`` (text), ``.to_frame()`` (pandas) and
``.to_dict()`` (JSON-ready: NaN becomes ``None``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping, NamedTuple

import numpy as np
import pandas as pd


def json_safe(value: Any) -> Any:
    """Convert numpy scalars/arrays and NaN/inf to JSON-serialisable Python values."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if hasattr(value, "to_dict") and not isinstance(value, type):
        return json_safe(value.to_dict())
    return value


#: Canonical JSON spellings, and the older spellings each is written beside (kept for scripts
#: written against 0.1; both carry the same value). One place decides them for every command.
CANONICAL_KEYS = {"p": "p_value", "ci_level": "confidence", "ci_lower": "ci_low",
                  "ci_upper": "ci_high"}


def canonical_keys(value: Any) -> Any:
    """``value`` (JSON-safe) with every old key spelling joined by its canonical one
    (``p_value``, ``confidence``, ``ci_low``, ``ci_high``), placed right after it; an
    interval ``ci: [low, high]`` is joined by ``ci_low`` and ``ci_high``."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out[k] = canonical_keys(v)
            new = CANONICAL_KEYS.get(k)
            if new is not None and new not in value and (v is None or isinstance(v, (int, float))):
                out[new] = out[k]
            if (k == "ci" and isinstance(v, (list, tuple)) and len(v) == 2
                    and "ci_low" not in value and "ci_high" not in value
                    and all(b is None or isinstance(b, (int, float)) for b in v)):
                # an interval given as a pair also gets its two bounds by name, so scripts
                # read ``ci_low``/``ci_high`` from every command
                out["ci_low"], out["ci_high"] = v[0], v[1]
        return out
    if isinstance(value, list):
        return [canonical_keys(v) for v in value]
    return value


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None:
        return "-"
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(xf):
        return "NaN"
    if xf != 0 and (abs(xf) < 10 ** (-digits) or abs(xf) >= 1e6):
        return f"{xf:.{digits - 1}e}"
    return f"{xf:.{digits}f}"


class ConfidenceInterval(NamedTuple):
    """A confidence interval ``(low, high)``; a tuple, so ``lo, hi = est.ci`` keeps working."""

    low: float
    high: float


def _html_table(frame: pd.DataFrame, caption: str = "") -> str:
    cap = f"<caption>{caption}</caption>" if caption else ""
    return frame.to_html(float_format=lambda x: _fmt(x), na_rep="NaN").replace(
        "<table", "<table", 1).replace("<thead>", cap + "<thead>", 1)


@dataclass(frozen=True)
class Estimate:
    """One statistic with its uncertainty.

    Attributes
    ----------
    name : str
        Key of the statistic (e.g. ``"fleiss_kappa"``).
    estimate : float
        Point estimate; NaN when undefined (``reason`` then says why).
    se : float
        Standard error used for the confidence interval (``se_kind`` says which).
    ci : tuple of float
        Confidence interval ``(lower, upper)`` at ``ci_level``.
    ci_level : float
        Confidence level of ``ci``.
    method : str
        How the estimate, SE and CI were computed (formula and reference).
    se_kind : str
        ``"non-null"`` (for CIs), ``"null"`` (under H0: statistic = 0), or ``"bootstrap"``.
    se_null : float
        Standard error under the null hypothesis where the literature defines one, else NaN.
    p_value : float
        p-value of the test the method describes (NaN if none).
    reason : str
        Why the estimate is NaN, if it is.
    extra : dict
        Further named quantities (observed/chance agreement, df, ...).
    """

    name: str
    estimate: float
    se: float = float("nan")
    ci: tuple[float, float] = (float("nan"), float("nan"))
    ci_level: float = 0.95
    method: str = ""
    se_kind: str = "non-null"
    se_null: float = float("nan")
    p_value: float = float("nan")
    reason: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "ci", ConfidenceInterval(*map(float, self.ci)))

    @property
    def confidence(self) -> float:
        """The confidence level of ``ci`` (the same as ``ci_level``)."""
        return self.ci_level

    def confidence_interval(self, confidence: float = 0.95) -> ConfidenceInterval:
        """The interval at another level, recomputed from ``estimate`` and ``se``.

        The stored interval is first matched against its formula (``estimate +/- z SE``, or
        ``+/- t(df) SE`` when ``extra`` holds ``df``; bounds clipped to [-1, 1] as stored), so
        an interval of another kind (bootstrap, Wilson, exact F, Fisher z) is never silently
        replaced by a Wald one: those raise and say to rerun with ``confidence=``.
        """
        from scipy import stats

        from reliability._errors import ReliabilityError
        from reliability._validation import check_option

        check_option("confidence", confidence)
        if confidence == self.ci_level:
            return self.ci
        est, se = float(self.estimate), float(self.se)
        if not (math.isfinite(est) and math.isfinite(se)) or se <= 0:
            return ConfidenceInterval(float("nan"), float("nan"))
        old = 0.5 + self.ci_level / 2
        candidates = [("normal", stats.norm.ppf(old), lambda c: stats.norm.ppf(0.5 + c / 2))]
        df = self.extra.get("df") if isinstance(self.extra, Mapping) else None
        if df is None and isinstance(self.extra, Mapping):
            df = self.extra.get("n_units")
            df = df - 1 if isinstance(df, (int, float)) and df > 1 else None
        if df is not None and df > 0:
            candidates.insert(0, ("t", stats.t.ppf(old, df),
                                  lambda c: stats.t.ppf(0.5 + c / 2, df)))
        for _, q_old, q_new in candidates:
            lo, hi = est - q_old * se, est + q_old * se
            # a bound may have been clipped (kappa's upper bound at 1): match the other one
            if math.isclose(self.ci[0], lo, rel_tol=1e-7, abs_tol=1e-10) or math.isclose(
                    self.ci[1], hi, rel_tol=1e-7, abs_tol=1e-10):
                q = q_new(confidence)
                new_lo, new_hi = est - q * se, est + q * se
                if self.ci[1] < hi - 1e-12:
                    new_hi = min(new_hi, self.ci[1]) if new_hi > self.ci[1] else new_hi
                if self.ci[0] > lo + 1e-12:
                    new_lo = max(new_lo, self.ci[0]) if new_lo < self.ci[0] else new_lo
                return ConfidenceInterval(float(new_lo), float(new_hi))
        raise ReliabilityError(
            f"the interval of {self.name} ({self.method or 'its method'}) is not a Wald/t "
            "interval and cannot be recomputed here: call the function again with "
            f"confidence={confidence}")

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame(), self.method)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        out["ci"] = list(self.ci)
        out.update(self.extra)
        return json_safe(out)

    def to_frame(self) -> pd.DataFrame:
        row = {
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci[0],
            "ci_high": self.ci[1],
            "confidence": self.ci_level,
            # the first spellings, kept for scripts written against 0.1
            "ci_lower": self.ci[0],
            "ci_upper": self.ci[1],
            "ci_level": self.ci_level,
            "se_kind": self.se_kind,
            "se_null": self.se_null,
            "p_value": self.p_value,
            "method": self.method,
            "reason": self.reason,
        }
        return pd.DataFrame([row], index=pd.Index([self.name], name="statistic"))

    def summary(self) -> str:
        pct = f"{100 * self.ci_level:g}%"
        text = (
            f"{self.name}: {_fmt(self.estimate)}  SE {_fmt(self.se)} ({self.se_kind})  "
            f"{pct} CI [{_fmt(self.ci[0])}, {_fmt(self.ci[1])}]"
        )
        if self.reason:
            text += f"\n  undefined: {self.reason}"
        if self.method:
            text += f"\n  method: {self.method}"
        return text

    def __float__(self) -> float:
        return float(self.estimate)


@dataclass(frozen=True)
class EstimateTable:
    """An ordered collection of :class:`Estimate` objects plus descriptive metadata."""

    estimates: Mapping[str, Estimate]
    info: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> Estimate:
        return self.estimates[key]

    def __contains__(self, key: str) -> bool:
        return key in self.estimates

    def __iter__(self):
        return iter(self.estimates)

    def __len__(self) -> int:
        return len(self.estimates)

    def keys(self):
        return self.estimates.keys()

    def _repr_html_(self) -> str:
        frame = self.to_frame()
        cols = [c for c in ("estimate", "se", "ci_low", "ci_high", "confidence", "p_value",
                            "reason") if c in frame.columns]
        return _html_table(frame[cols] if cols else frame)

    def to_frame(self) -> pd.DataFrame:
        if not self.estimates:
            return pd.DataFrame()
        return pd.concat([e.to_frame() for e in self.estimates.values()])

    def to_dict(self) -> dict:
        out = dict(self.info)
        out["coefficients"] = {k: v.to_dict() for k, v in self.estimates.items()}
        if self.notes:
            out["notes"] = list(self.notes)
        return json_safe(out)

    def summary(self) -> str:
        lines = []
        for k, v in self.info.items():
            if isinstance(v, (list, tuple)) and len(v) > 12:
                v = f"{list(v[:6])} ... {list(v[-3:])} ({len(v)} values)"
            lines.append(f"{k}: {v}")
        frame = self.to_frame()
        if not frame.empty:
            shown = frame[["estimate", "se", "ci_lower", "ci_upper", "se_kind"]].copy()
            lines.append(shown.to_string(float_format=lambda x: _fmt(x)))
        for name, est in self.estimates.items():
            if est.reason:
                lines.append(f"{name} undefined: {est.reason}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: ``statistic`` on ``df`` degrees of freedom with its ``p_value``.

    Tests (Bowker, Stuart-Maxwell, likelihood ratio, trend) are not estimates: they have no
    SE or interval, so they are not :class:`Estimate` objects with NaN intervals.
    """

    __test__ = False      # not a pytest test class

    name: str
    statistic: float
    df: float = float("nan")
    p_value: float = float("nan")
    method: str = ""
    reason: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        out.update(self.extra)
        return json_safe(out)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"statistic": self.statistic, "df": self.df,
                              "p_value": self.p_value, "method": self.method,
                              "reason": self.reason}],
                            index=pd.Index([self.name], name="test"))

    def summary(self) -> str:
        text = (f"{self.name}: statistic {_fmt(self.statistic)} on {_fmt(self.df, 0)} df, "
                f"p = {_fmt(self.p_value)}")
        if self.reason:
            text += f"\n  undefined: {self.reason}"
        if self.method:
            text += f"\n  method: {self.method}"
        return text

    def _repr_html_(self) -> str:
        return _html_table(self.to_frame(), self.method)
