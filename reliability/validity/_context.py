"""Grades against a context variable: grade distribution by bands, ordinal association, trend.

The grade is scored 1..K in the order of ``categories`` (for inspection grades given best
first, a positive association means a *worse* grade at higher context values, e.g. a more
deprived IDACI quintile when 5 = most deprived). Associations and the trend test use the
context at full resolution (every distinct value); the bands only summarise the grade
distribution.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._results import Estimate, _fmt, json_safe
from reliability.inference import check_confidence, wilson_interval
from reliability.validity._clean import code_grades, is_numeric_column, numeric_context
from reliability.validity._ordinal import linear_by_linear, ordinal_associations, spearman

ASSOCIATIONS = ("kendall_tau_b", "kendall_tau_c", "goodman_kruskal_gamma", "somers_d",
                "spearman")


@dataclass(frozen=True)
class GradeContextResult:
    """Grade distribution by context bands, ordinal associations and a trend test.

    Attributes
    ----------
    n : int
        Rows analysed (grade and context both present).
    n_dropped : int
        Rows dropped; ``dropped`` gives the count per reason.
    grade, context : str
        Column names.
    categories : list
        Grade categories in order (scored 1..K).
    context_kind : str
        ``"numeric"`` or ``"categorical"``.
    bands : list of dict
        Per band: ``band``, ``range`` [min, max] of the values in it, ``n``, ``counts`` and
        ``proportions`` per grade (``estimate``, ``ci`` Wilson, ``ci_level``).
    associations : dict of Estimate
        ``kendall_tau_b``, ``kendall_tau_c``, ``goodman_kruskal_gamma``, ``somers_d``,
        ``spearman`` (NaN with a
        reason for a categorical context).
    trend_test : dict
        ``statistic``, ``df``, ``p``, ``method``.
    """

    n: int
    n_dropped: int
    dropped: Mapping[str, int]
    grade: str
    context: str
    categories: list
    context_kind: str
    bands: list
    associations: Mapping[str, Estimate]
    trend_test: Mapping[str, Any]
    ci_level: float = 0.95
    notes: tuple = field(default=())

    def __getitem__(self, key: str):
        """Dictionary-style access to the JSON keys (``result["kappa_range"]``)."""
        return self.to_dict()[key]

    def to_dict(self) -> dict:
        return json_safe({
            "n": self.n, "n_dropped": self.n_dropped, "dropped": dict(self.dropped),
            "grade": self.grade, "context": self.context,
            "categories": [str(c) if not isinstance(c, (int, float)) else c
                           for c in self.categories],
            "context_kind": self.context_kind, "ci_level": self.ci_level,
            "bands": self.bands,
            "associations": {k: _assoc_dict(v) for k, v in self.associations.items()},
            "trend_test": dict(self.trend_test), "notes": list(self.notes),
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per band x grade: count, proportion and Wilson CI."""
        rows = []
        for b in self.bands:
            for cat in self.categories:
                p = b["proportions"][str(cat)]
                rows.append({"band": b["band"], "range_min": b["range"][0],
                             "range_max": b["range"][1], "grade": cat, "n_band": b["n"],
                             "count": b["counts"][str(cat)], "proportion": p["estimate"],
                             "ci_lower": p["ci"][0], "ci_upper": p["ci"][1]})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        lines = [f"grade {self.grade!r} by context {self.context!r} ({self.context_kind}): "
                 f"n = {self.n}, dropped {self.n_dropped}"]
        lines += [f"  dropped {k}: {v}" for k, v in self.dropped.items()]
        head = "band".ljust(22) + "n".rjust(7) + "".join(str(c)[:14].rjust(16)
                                                           for c in self.categories)
        lines.append(head)
        for b in self.bands:
            lab = f"{b['band']}"[:22].ljust(22)
            cells = "".join(f"{100 * b['proportions'][str(c)]['estimate']:.1f}%".rjust(16)
                            if b["n"] else "-".rjust(16) for c in self.categories)
            lines.append(lab + str(b["n"]).rjust(7) + cells)
        for k, e in self.associations.items():
            if e.reason:
                lines.append(f"{k}: undefined ({e.reason})")
            else:
                lines.append(f"{k}: {_fmt(e.estimate)}  SE {_fmt(e.se)}  "
                             f"{100 * e.ci_level:g}% CI [{_fmt(e.ci[0])}, {_fmt(e.ci[1])}]  "
                             f"p {_fmt(e.p_value)}")
        t = self.trend_test
        lines.append(f"trend: {t['method']}: statistic {_fmt(t['statistic'])}, df {t['df']}, "
                     f"p {_fmt(t['p'])}")
        lines += [f"note: {x}" for x in self.notes]
        return "\n".join(lines)


def _assoc_dict(e: Estimate) -> dict:
    return json_safe({"estimate": e.estimate, "se": e.se, "ci": list(e.ci),
                      "ci_level": e.ci_level, "p": e.p_value, "se_null": e.se_null,
                      "method": e.method, "reason": e.reason})


def _band_edges(x: np.ndarray, bands: int):
    """Band index per value: one band per distinct value if there are at most ``bands``,
    else quantile bands (lower, upper] with duplicate edges merged (as pandas.qcut)."""
    uniq = np.unique(x)
    if len(uniq) <= bands:
        idx = np.searchsorted(uniq, x)
        return idx, [(float(u), float(u)) for u in uniq], "one band per distinct value"
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bands + 1)))
    idx = np.searchsorted(edges[1:-1], x, side="left")
    spans = [(float(edges[i]), float(edges[i + 1])) for i in range(len(edges) - 1)]
    how = f"{len(spans)} quantile bands (lower, upper]" + (
        f" (asked {bands}; tied quantiles merged)" if len(spans) < bands else "")
    return idx, spans, how


def grade_context(grade, context, *, categories=None, missing=(), bands: int = 5,
                  context_kind: str = "auto", confidence: float = 0.95,
                  grade_name: str | None = None, context_name: str | None = None
                  ) -> GradeContextResult:
    """Distribution and ordinal association of grades with a context variable.

    Parameters
    ----------
    grade : array_like
        Raw grades (text or numeric codes; blank = missing).
    context : array_like
        Context values: numeric (blank and non-numeric markers such as ``SUPP`` are
        dropped and counted) or categorical (phase, region).
    categories : sequence, optional
        Grades in order, best first (text matched case-insensitively). Required for
        text grades.
    missing : sequence
        Grade values meaning "not judged" (e.g. ``[9]``), dropped and counted.
    bands : int
        Number of quantile bands of a numeric context (a context with at most this many
        distinct values gets one band per value).
    context_kind : {"auto", "numeric", "categorical"}
        ``auto``: numeric if at least half the non-blank values are numbers.
    confidence : float
        Level of every interval (Wilson per band x grade cell; Wald on the ASE for
        gamma/tau-b/d; Fisher z for Spearman).

    Returns
    -------
    GradeContextResult

    Notes
    -----
    Trend test: Mantel's linear-by-linear M^2 (grade scores 1..K, context values as
    scores); for a categorical context, Pearson's chi-square test of independence instead.
    Checked against scipy.stats.kendalltau/somersd/spearmanr and statsmodels
    ``Table.test_ordinal_association`` (tests/validity).
    """
    confidence = check_confidence(confidence)
    grade_name = grade_name or getattr(grade, "name", None) or "grade"
    context_name = context_name or getattr(context, "name", None) or "context"
    g_raw = pd.Series(grade).reset_index(drop=True)
    c_raw = pd.Series(context).reset_index(drop=True)
    if len(g_raw) != len(c_raw):
        raise ReliabilityError(
            f"grade and context have different lengths ({len(g_raw)} vs {len(c_raw)})")
    try:
        bands = int(bands)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"bands must be a whole number >= 1; got {bands!r}") from exc
    if bands < 1:
        raise ReliabilityError(f"bands must be at least 1; got {bands}")
    if context_kind not in ("auto", "numeric", "categorical"):
        raise ReliabilityError(
            f"context_kind must be 'auto', 'numeric' or 'categorical'; got {context_kind!r}")
    codes, cats, dropped_g = code_grades(g_raw, categories=categories, missing=missing,
                                         column=grade_name)
    if context_kind == "auto":
        context_kind = "numeric" if is_numeric_column(c_raw) else "categorical"
    dropped = Counter()
    if context_kind == "numeric":
        x, dropped_c = numeric_context(c_raw, column=context_name)
        ok_c = np.isfinite(x)
    else:
        blank = c_raw.isna() | c_raw.astype(str).str.strip().eq("")
        dropped_c = Counter({f"{context_name}: missing": int(blank.sum())} if blank.any()
                            else {})
        ok_c = ~blank.to_numpy()
    # Count each dropped row once: grade reasons first, then context reasons among the rest.
    dropped.update(dropped_g)
    ok_g = codes >= 0
    if context_kind == "numeric":
        _, dropped_c_rest = numeric_context(c_raw[ok_g], column=context_name)
    else:
        b = (c_raw.isna() | c_raw.astype(str).str.strip().eq(""))[ok_g]
        dropped_c_rest = Counter({f"{context_name}: missing": int(b.sum())} if b.any() else {})
    dropped.update(dropped_c_rest)
    keep = ok_g & ok_c
    n = int(keep.sum())
    n_dropped = int(len(codes) - n)
    if n == 0:
        raise ReliabilityError(
            f"no row has both a grade in {grade_name!r} and a usable value in "
            f"{context_name!r}; dropped: {dict(dropped)}")
    y = codes[keep]
    k = len(cats)
    notes = []
    if context_kind == "numeric":
        xv = x[keep]
        idx, spans, how = _band_edges(xv, bands)
        labels = [f"({lo:g}, {hi:g}]" if lo != hi else f"{lo:g}" for lo, hi in spans]
        if "quantile" in how and labels:
            labels[0] = "[" + labels[0][1:]
        notes.append(f"bands: {how}")
        uniq, col = np.unique(xv, return_inverse=True)
        table = np.bincount(y * len(uniq) + col, minlength=k * len(uniq)).reshape(k, len(uniq))
        assoc = ordinal_associations(table, confidence=confidence)
        assoc = {name: assoc[name] for name in ("kendall_tau_b", "kendall_tau_c",
                                               "goodman_kruskal_gamma", "somers_d")}
        assoc["spearman"] = spearman(y + 1.0, xv, confidence=confidence)
        trend = linear_by_linear(np.arange(1, k + 1), uniq, table)
        ranges = []
        for b in range(len(spans)):
            v = xv[idx == b]
            ranges.append([float(v.min()), float(v.max())] if len(v) else [None, None])
    else:
        cv = c_raw[keep].astype(str).str.strip().to_numpy()
        uniq, idx = np.unique(cv, return_inverse=True)
        labels = [str(u) for u in uniq]
        ranges = [[u, u] for u in labels]
        table = np.bincount(y * len(uniq) + idx, minlength=k * len(uniq)).reshape(k, len(uniq))
        reason = "context is categorical (no order): ordinal associations are undefined"
        assoc = {name: Estimate(name, float("nan"), ci_level=confidence, reason=reason)
                 for name in ASSOCIATIONS}
        used = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        if used.shape[0] > 1 and used.shape[1] > 1:
            chi2, p, dof, _ = stats.chi2_contingency(used, correction=False)
            trend = {"statistic": float(chi2), "df": int(dof), "p": float(p),
                     "method": "Pearson chi-square test of independence (categorical context)"}
        else:
            trend = {"statistic": float("nan"), "df": 0, "p": float("nan"),
                     "method": "Pearson chi-square test of independence (categorical context)",
                     "reason": "grade or context takes a single value"}
        notes.append("bands: one per context category")
    band_counts = np.bincount(idx * k + y, minlength=len(labels) * k).reshape(len(labels), k)
    band_list = []
    for b, lab in enumerate(labels):
        nb = int(band_counts[b].sum())
        counts = {str(c): int(band_counts[b, j]) for j, c in enumerate(cats)}
        props = {}
        for j, c in enumerate(cats):
            est = band_counts[b, j] / nb if nb else float("nan")
            props[str(c)] = {"estimate": float(est),
                             "ci": list(wilson_interval(band_counts[b, j], nb, confidence)),
                             "ci_level": confidence}
        band_list.append({"band": lab, "range": ranges[b], "n": nb, "counts": counts,
                          "proportions": props})
    notes.append("grade scored 1..K in the order of the categories "
                 f"({', '.join(map(str, cats))}); a positive association means higher "
                 "context values go with later categories")
    return GradeContextResult(n, n_dropped, dict(dropped), str(grade_name), str(context_name),
                              list(cats), context_kind, band_list, assoc, trend, confidence,
                              tuple(notes))
