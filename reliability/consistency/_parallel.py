"""Classification consistency from parallel inspections (two teams inspect each school).

* :func:`parallel_consistency` - agreement, the probability that a second team gives a
  different grade (overall and by grade) with exact Clopper-Pearson and Wilson intervals,
  and Cohen's kappa.
* :func:`agreement_range` - when only "n_agree of n agreed" is published, every table
  consistent with the report is enumerated and the range of kappa reported (Ofsted 2017:
  22 of 24 agreed; this enumeration gives kappa from about -0.04 to about 0.83, a figure
  derived here, not published by Ofsted).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from math import comb
from typing import Any, Mapping

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability._results import Estimate, _fmt, json_safe
from reliability.consistency._kappa import cohen_kappa_table, kappa_many
from reliability.data import contingency_table
from reliability.inference import check_confidence, clopper_pearson_interval, wilson_interval

_MAX_TABLES = 5_000_000


def _proportion(k: int, n: int, confidence: float, name: str, *, empty_reason: str = "") -> dict:
    out = {"estimate": k / n if n else float("nan"), "n": int(n), "count": int(k),
           "ci": list(wilson_interval(k, n, confidence)),
           "ci_exact": list(clopper_pearson_interval(k, n, confidence)),
           "ci_level": confidence,
           "method": f"{name}; ci Wilson (1927) score, ci_exact Clopper-Pearson (1934)"}
    if not n:
        out["reason"] = empty_reason or "no cases: the proportion is undefined"
    return out


@dataclass(frozen=True)
class ParallelConsistency:
    """Agreement of two independent inspection teams on the same schools.

    ``agreement`` and ``p_different`` are dicts with ``estimate``, ``ci`` (Wilson),
    ``ci_exact`` (Clopper-Pearson), ``ci_level``, ``method``; ``by_grade`` has, per grade,
    the probability that the second team's grade differs given the first team's grade
    (``p_different``) and the symmetric ``specific_agreement`` 2 n_gg / (n_g. + n_.g).
    """

    n_pairs: int
    categories: list
    table: np.ndarray
    agreement: Mapping[str, Any]
    p_different: Mapping[str, Any]
    by_grade: list
    kappa: Estimate
    ci_level: float = 0.95
    notes: tuple = field(default=())

    @property
    def estimate(self) -> float:
        return float(self.agreement["estimate"])

    @property
    def ci(self) -> tuple:
        return tuple(self.agreement["ci"])

    def __getitem__(self, key: str):
        """Dictionary-style access to the JSON keys (``result["kappa_range"]``)."""
        return self.to_dict()[key]

    def to_dict(self) -> dict:
        return json_safe({
            "n_pairs": self.n_pairs, "categories": [str(c) for c in self.categories],
            "table": self.table, "agreement": dict(self.agreement),
            "p_different": dict(self.p_different), "by_grade": self.by_grade,
            "kappa": self.kappa.to_dict(), "ci_level": self.ci_level,
            "notes": list(self.notes)})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"grade": b["grade"], "n_first": b["n_first"],
                              "p_different": b["p_different"]["estimate"],
                              "ci_lower": b["p_different"]["ci"][0],
                              "ci_upper": b["p_different"]["ci"][1],
                              "specific_agreement": b["specific_agreement"]}
                             for b in self.by_grade])

    def summary(self) -> str:
        a, d = self.agreement, self.p_different
        pct = f"{100 * self.ci_level:g}%"
        lines = [f"parallel inspections: {self.n_pairs} pairs",
                 f"agreement {_fmt(a['estimate'])}  {pct} Wilson [{_fmt(a['ci'][0])}, "
                 f"{_fmt(a['ci'][1])}]  exact [{_fmt(a['ci_exact'][0])}, {_fmt(a['ci_exact'][1])}]",
                 f"P(second team differs) {_fmt(d['estimate'])}  Wilson [{_fmt(d['ci'][0])}, "
                 f"{_fmt(d['ci'][1])}]",
                 self.kappa.summary()]
        lines.append(self.to_frame().to_string(index=False, float_format=lambda x: _fmt(x)))
        lines += [f"note: {x}" for x in self.notes]
        return "\n".join(lines)


def parallel_consistency(table, *, categories=None, confidence: float = 0.95
                         ) -> ParallelConsistency:
    """Consistency of grades between two parallel inspection teams.

    Parameters
    ----------
    table : array_like (q, q)
        Counts: rows = first team's grade, columns = second team's grade.
    categories : sequence, optional
        Grade labels (default 1..q).
    confidence : float
        Interval level.
    """
    confidence = check_confidence(confidence)
    t, cats = contingency_table(table, categories=categories, what="the two-team table")
    n = int(t.sum())
    agree = int(np.trace(t))
    by_grade = []
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    for j, c in enumerate(cats):
        nj = int(rows[j])
        diff = nj - int(t[j, j])
        denom = int(rows[j] + cols[j])
        by_grade.append({
            "grade": str(c), "n_first": nj, "n_second": int(cols[j]),
            "p_different": _proportion(
                diff, nj, confidence, "P(second team's grade differs | first team gave it)",
                empty_reason=f"the first team never gave grade {c}: the probability is "
                             "undefined"),
            "specific_agreement": 2 * int(t[j, j]) / denom if denom else float("nan")})
    notes = ("by_grade.p_different conditions on the first team's grade (rows); "
             "specific_agreement is symmetric in the two teams",)
    return ParallelConsistency(
        n, cats, t, _proportion(agree, n, confidence, "proportion of schools given the same grade"),
        _proportion(n - agree, n, confidence, "proportion of schools given different grades"),
        by_grade, cohen_kappa_table(t, confidence=confidence), confidence, notes)


def pairs_table(first, second, *, categories=None):
    """Cross-tabulate two teams' grades (text matched case-insensitively); drop blanks.

    Returns ``(table, categories, n_dropped)``.
    """
    from reliability.validity._clean import code_grades

    f = pd.Series(first).reset_index(drop=True)
    s = pd.Series(second).reset_index(drop=True)
    names = f"{f.name or 'first'}/{s.name or 'second'}"
    if categories is None:
        # agreement and kappa need no order: nominal text outcomes (remain / convert) are kept
        both = pd.concat([f, s], ignore_index=True)
        _, cats, _ = code_grades(both, column=names, ordered=False)
    else:
        cats = list(categories)
    cf, cats, _ = code_grades(f, categories=cats, column=str(f.name or "first"))
    cs, _, _ = code_grades(s, categories=cats, column=str(s.name or "second"))
    keep = (cf >= 0) & (cs >= 0)
    q = len(cats)
    table = np.bincount(cf[keep] * q + cs[keep], minlength=q * q).reshape(q, q)
    return table, cats, int((~keep).sum())


def team_pairs(frame: pd.DataFrame, *, first: str | None = None, second: str | None = None,
               unit: str | None = None, rater: str | None = None, rating: str | None = None,
               categories=None, missing=()):
    """Two teams' grades of each school from a table, cross-tabulated: ``(table, categories,
    n_dropped)`` for :func:`parallel_consistency`.

    Either ``first`` and ``second`` (one row per school, one column per team), or long data
    with ``unit``, ``rater`` (exactly two teams; the first seen is the first team) and
    ``rating`` columns. Values in ``missing`` (e.g. 9 = not judged) are blanked and, like
    blanks, drop the pair (``n_dropped``).
    """
    from reliability._errors import require_columns
    from reliability.validity._clean import _norm

    def drop_missing(series):
        if not missing:
            return series
        return series.where(~series.map(_norm).isin({_norm(m) for m in missing}))

    if unit is not None or rater is not None or rating is not None:
        unit, rater, rating = unit or "unit", rater or "rater", rating or "rating"
        require_columns(frame, [unit, rater, rating])
        teams = pd.unique(frame[rater].dropna())
        if len(teams) != 2:
            raise ReliabilityError(f"long data need exactly two teams in column {rater!r}; "
                                   f"found {len(teams)}: {list(teams)[:5]}")
        dup = frame.duplicated([unit, rater]).to_numpy()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise ReliabilityError(f"school {frame[unit].iloc[row]!r} has two grades from team "
                                   f"{frame[rater].iloc[row]!r} (row {row + 1})")
        wide = frame.pivot(index=unit, columns=rater, values=rating)
        a, b = wide[teams[0]].copy(), wide[teams[1]].copy()
        a.name, b.name = str(teams[0]), str(teams[1])
    else:
        if not first or not second:
            raise ReliabilityError("give the two teams' grade columns (--first and --second)")
        if first == second:
            raise ReliabilityError(f"the first and second team are the same column {first!r}: "
                                   "give the two teams' columns")
        require_columns(frame, [first, second])
        a, b = frame[first], frame[second]
    return pairs_table(drop_missing(a), drop_missing(b), categories=categories)


def _compositions(total: int, parts: int) -> np.ndarray:
    """All vectors of ``parts`` non-negative integers summing to ``total`` (stars and bars)."""
    if parts == 1:
        return np.array([[total]], dtype=np.int64)
    bars = np.array(list(itertools.combinations(range(total + parts - 1), parts - 1)),
                    dtype=np.int64).reshape(-1, parts - 1)
    edges = np.concatenate([np.full((len(bars), 1), -1), bars,
                            np.full((len(bars), 1), total + parts - 1)], axis=1)
    return np.diff(edges, axis=1) - 1


@dataclass(frozen=True)
class AgreementRange:
    """Kappa over every q x q table consistent with "n_agree of n agreed"."""

    n_agree: int
    n: int
    n_categories: int
    agreement: Mapping[str, Any]
    kappa_min: float
    kappa_max: float
    table_min: np.ndarray
    table_max: np.ndarray
    n_tables: int
    n_undefined: int
    constraint: str = ""

    @property
    def estimate(self) -> float:
        return float(self.agreement["estimate"])

    @property
    def ci(self) -> tuple:
        return tuple(self.agreement["ci"])

    @property
    def kappa_range(self) -> tuple:
        return (self.kappa_min, self.kappa_max)

    def __getitem__(self, key: str):
        """Dictionary-style access to the JSON keys (``result["kappa_range"]``)."""
        return self.to_dict()[key]

    @property
    def p_different(self) -> dict:
        """The proportion of pairs disagreeing (1 - agreement) with its flipped intervals."""
        a = self.agreement
        return {"estimate": 1 - a["estimate"], "ci_level": a["ci_level"],
                "ci": [1 - a["ci"][1], 1 - a["ci"][0]],
                "ci_exact": [1 - a["ci_exact"][1], 1 - a["ci_exact"][0]],
                "method": "proportion of pairs disagreeing; ci Wilson (1927) score, ci_exact "
                          "Clopper-Pearson (1934)"}

    def to_dict(self) -> dict:
        return json_safe({
            "n_agree": self.n_agree, "n": self.n, "n_pairs": self.n,
            "n_categories": self.n_categories, "agreement": dict(self.agreement),
            "kappa_range": [self.kappa_min, self.kappa_max],
            "table_at_min": self.table_min, "table_at_max": self.table_max,
            "n_tables": self.n_tables, "n_tables_kappa_undefined": self.n_undefined,
            "constraint": self.constraint, "p_different": self.p_different, "kappa": None,
            "method": "every q x q table with the reported number of agreements enumerated; "
                      "kappa undefined (chance agreement 1) for tables with one category only"})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"agreement": self.estimate, "ci_lower": self.ci[0],
                              "ci_upper": self.ci[1], "kappa_min": self.kappa_min,
                              "kappa_max": self.kappa_max, "n_tables": self.n_tables}])

    def summary(self) -> str:
        a = self.agreement
        return (f"{self.n_agree} of {self.n} agreed: {_fmt(a['estimate'])} "
                f"({100 * a['ci_level']:g}% Wilson [{_fmt(a['ci'][0])}, {_fmt(a['ci'][1])}], "
                f"exact [{_fmt(a['ci_exact'][0])}, {_fmt(a['ci_exact'][1])}])\n"
                f"kappa between {_fmt(self.kappa_min)} and {_fmt(self.kappa_max)} over "
                f"{self.n_tables} consistent {self.n_categories}x{self.n_categories} tables"
                + (f" ({self.constraint})" if self.constraint else "")
                + f"\n  at min: {self.table_min.tolist()}\n  at max: {self.table_max.tolist()}")


def agreement_range(n_agree: int, n: int, *, n_categories: int = 2, margins=None,
                    confidence: float = 0.95) -> AgreementRange:
    """Range of Cohen's kappa consistent with a reported number of agreements.

    Parameters
    ----------
    n_agree, n : int
        Pairs that agreed, and all pairs (e.g. 22 of 24).
    n_categories : int
        Number of grade categories q (2 for "remains good / converts").
    margins : sequence of int, optional
        If the first team's category totals are known, only tables with these row totals
        are kept.
    confidence : float
        Level of the agreement intervals.

    Returns
    -------
    AgreementRange
        Agreement with Wilson and Clopper-Pearson intervals, and the minimum and maximum
        kappa with the tables attaining them. Tables where kappa is undefined (every rating
        in one category) are counted, not used.
    """
    confidence = check_confidence(confidence)
    try:
        n_agree, n, q = int(n_agree), int(n), int(n_categories)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError("n_agree, n and n_categories must be whole numbers") from exc
    if n < 1 or not 0 <= n_agree <= n:
        raise ReliabilityError(f"need 0 <= n_agree <= n and n >= 1; got {n_agree} of {n}")
    if q < 2:
        raise ReliabilityError(f"n_categories must be at least 2; got {q}")
    n_dis = n - n_agree
    count = comb(n_agree + q - 1, q - 1) * comb(n_dis + q * (q - 1) - 1, q * (q - 1) - 1)
    if count > _MAX_TABLES:
        raise ReliabilityError(
            f"{count:,} tables are consistent with {n_agree} of {n} in {q} categories; too "
            f"many to enumerate (limit {_MAX_TABLES:,}): use fewer categories")
    diag = _compositions(n_agree, q)
    off = _compositions(n_dis, q * (q - 1))
    tables = np.zeros((len(diag), len(off), q, q), dtype=np.int64)
    di = np.arange(q)
    tables[:, :, di, di] = diag[:, None, :]
    mask = ~np.eye(q, dtype=bool)
    tables[:, :, mask] = off[None, :, :]
    tables = tables.reshape(-1, q, q)
    constraint = ""
    if margins is not None:
        m = np.asarray(margins, dtype=np.int64)
        if m.shape != (q,) or m.sum() != n:
            raise ReliabilityError(f"margins must be {q} counts summing to {n}; got {list(m)}")
        tables = tables[(tables.sum(axis=2) == m).all(axis=1)]
        constraint = f"first team's totals fixed at {m.tolist()}"
        if len(tables) == 0:
            raise ReliabilityError(f"no table has {n_agree} agreements and row totals {m.tolist()}")
    kap = kappa_many(tables)
    ok = np.isfinite(kap)
    if ok.any():
        i_min = int(np.flatnonzero(ok)[np.argmin(kap[ok])])
        i_max = int(np.flatnonzero(ok)[np.argmax(kap[ok])])
        kmin, kmax = float(kap[i_min]), float(kap[i_max])
        tmin, tmax = tables[i_min], tables[i_max]
    else:
        kmin = kmax = float("nan")
        tmin = tmax = np.zeros((q, q), dtype=np.int64)
    return AgreementRange(n_agree, n, q,
                          _proportion(n_agree, n, confidence, "proportion of pairs agreeing"),
                          kmin, kmax, tmin, tmax, int(len(tables)), int((~ok).sum()), constraint)
