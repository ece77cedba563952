"""Parallel inspections: several teams independently grading the same schools."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reliability._errors import ReliabilityError, require_columns, show
from reliability.data import as_ratings

from ._ofsted import GRADE_DTYPE, GRADES, _to_grade

__all__ = ["ParallelInspections"]


@dataclass(frozen=True)
class ParallelInspections:
    """Schools x teams: each team's overall grade and sub-judgements for each school.

    Attributes
    ----------
    frame : DataFrame
        One row per (school, team): columns ``school``, ``team`` and one ordered categorical
        column per judgement (``Outstanding < Good < Requires improvement < Inadequate``).
    judgements : tuple of str
        The judgement columns.

    Build with :meth:`from_frame`; analyse one judgement with :meth:`to_ratings`.
    """

    frame: pd.DataFrame
    judgements: tuple

    @classmethod
    def from_frame(cls, data: pd.DataFrame, *, school: str = "school", team: str = "team",
                   judgements=None) -> "ParallelInspections":
        """Validate a long frame (one row per school x team) of grades.

        Grades may be Ofsted codes 1-4 or the words (case-insensitive). ``judgements`` default:
        every column other than ``school`` and ``team``. Missing cells are allowed (a team
        may not judge everything); other values raise :class:`ReliabilityError` naming the
        column and row, as do duplicated (school, team) pairs.
        """
        if not isinstance(data, pd.DataFrame):
            raise ReliabilityError(f"data must be a DataFrame; got {type(data).__name__}")
        require_columns(data, [school, team])
        if judgements is None:
            judgements = [c for c in data.columns if c not in (school, team)]
        judgements = [judgements] if isinstance(judgements, str) else list(judgements)
        if not judgements:
            raise ReliabilityError("no judgement columns: pass judgements=[...]")
        require_columns(data, judgements, what="judgement column")
        for col in (school, team):
            if data[col].isna().any():
                row = int(data[col].isna().to_numpy().argmax())
                raise ReliabilityError(f"column {col!r} is missing at row {row + 1}")
        dup = data.duplicated([school, team])
        if dup.any():
            i = int(dup.to_numpy().argmax())
            raise ReliabilityError(
                f"school {show(data[school].iloc[i])} has two rows for team "
                f"{show(data[team].iloc[i])} (row {i + 1})")
        out = pd.DataFrame({"school": data[school].to_numpy(), "team": data[team].to_numpy()})
        for col in judgements:
            s = data[col].reset_index(drop=True)
            if isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype(object)
            graded, _ = _to_grade(s)
            bad = s.notna() & graded.isna()
            if bad.any():
                i = int(bad.to_numpy().argmax())
                raise ReliabilityError(
                    f"judgement column {col!r} row {i + 1}: {show(s.iloc[i])} is not a grade "
                    f"(1-4 or {', '.join(GRADES)})")
            out[col] = graded.astype(GRADE_DTYPE)
        if out["team"].nunique() < 2:
            raise ReliabilityError(
                f"parallel inspections need at least 2 teams; column {team!r} has "
                f"{out['team'].nunique()}")
        return cls(frame=out, judgements=tuple(judgements))

    @property
    def n_schools(self) -> int:
        return int(self.frame["school"].nunique())

    @property
    def n_teams(self) -> int:
        return int(self.frame["team"].nunique())

    def to_ratings(self, judgement: str = "overall", *, level: str = "ordinal",
                   min_ratings: int = 2):
        """:class:`~reliability.data.Ratings` for one judgement (unit = school, rater = team).

        Missing grades are left out; schools with fewer than ``min_ratings`` grades are
        dropped by :func:`~reliability.data.as_ratings` with a ``DataWarning``.
        """
        if judgement not in self.judgements:
            from reliability._errors import suggest
            raise ReliabilityError(
                f"judgement {judgement!r} not found{suggest(judgement, self.judgements)}; "
                f"available: {', '.join(map(repr, self.judgements))}")
        long = self.frame[["school", "team", judgement]].dropna(subset=[judgement])
        long = long.rename(columns={judgement: "rating"})
        long["rating"] = long["rating"].astype(object)
        return as_ratings(long, shape="long", unit="school", rater="team", rating="rating",
                          level=level, categories=list(GRADES), min_ratings=min_ratings)
