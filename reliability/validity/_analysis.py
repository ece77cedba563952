"""One call for the whole validity analysis of a table of inspections.

:func:`validity_analysis` is what ``reliability validity`` runs (the CLI only parses options
and prints): grades against a context column (:func:`grade_context`), optionally the ordinal
pseudo-R^2 of the context, standardised differences of a later outcome between grades (raw
and adjusted for covariates) and agreement with a data band. Rows lacking a value that a
part needs are dropped from that part and counted (``n_dropped``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, require_columns
from reliability._validation import Boolean, Choice, Integer, validate_params
from reliability.validity._bands import band_agreement
from reliability.validity._clean import code_grades, numeric_context
from reliability.validity._context import GradeContextResult, grade_context
from reliability.validity._outcomes import grade_outcome_differences
from reliability.validity._pseudo_r2 import ordinal_pseudo_r2

__all__ = ["ValidityAnalysis", "validity_analysis"]


@dataclass(frozen=True)
class ValidityAnalysis:
    """The parts of a validity analysis; ``context`` is always present."""

    context: GradeContextResult
    pseudo_r2: object = None
    outcome_differences: object = None
    band_agreement: object = None
    info: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        out = self.context.to_dict()
        if self.pseudo_r2 is not None:
            out["pseudo_r2"] = self.pseudo_r2.to_dict()
        if self.outcome_differences is not None:
            out["outcome_differences"] = {**self.outcome_differences.to_dict(),
                                          **self.info["outcome"]}
        if self.band_agreement is not None:
            out["band_agreement"] = {**self.band_agreement.to_dict(), **self.info["band"]}
        return out

    def summary(self) -> str:
        parts = [self.context.summary()]
        parts += [r.summary() for r in (self.pseudo_r2, self.outcome_differences,
                                        self.band_agreement) if r is not None]
        return "\n".join(parts)


def _context_design(frame, grade_codes, context, kind):
    """Rows with a grade and a context value, and the context as a design matrix."""
    if kind == "numeric":
        x, _ = numeric_context(frame[context], column=context)
        keep = (grade_codes >= 0) & np.isfinite(x)
        return keep, x[keep][:, None]
    c = frame[context]
    keep = (grade_codes >= 0) & ~(c.isna() | c.astype(str).str.strip().eq("")).to_numpy()
    design = pd.get_dummies(c[keep].astype(str).str.strip(), drop_first=True,
                            dtype=float).to_numpy()
    if design.shape[1] == 0:
        raise ReliabilityError(f"context {context!r} has a single category")
    return keep, design


@validate_params({"confidence": "shared", "n_resamples": "shared", "seed": "shared",
                  "pseudo_r2": Boolean(), "bands": Integer(2, 100),
                  "context_kind": Choice(("auto", "numeric", "categorical"))})
def validity_analysis(frame: pd.DataFrame, *, grade: str, context: str,
                      outcome: str | None = None, adjust=(), band: str | None = None,
                      pseudo_r2: bool = False, categories=None, missing=(), bands: int = 5,
                      context_kind: str = "auto", confidence: float = 0.95,
                      n_resamples: int = 0, seed=None) -> ValidityAnalysis:
    """Grades of ``frame[grade]`` against ``frame[context]`` and, if asked, the other parts.

    Parameters
    ----------
    frame : DataFrame
        One row per inspection (as read by :func:`reliability.read_table`).
    grade, context : str
        Column names.
    outcome : str, optional
        A later outcome column: standardised differences between grades
        (:func:`grade_outcome_differences`), adjusted for the ``adjust`` columns.
    adjust : sequence of str
        Numeric covariate columns for the adjusted outcome differences (needs ``outcome``).
    band : str, optional
        A data band on the grade scale: :func:`band_agreement`.
    pseudo_r2 : bool
        Also fit a cumulative logit of grade on context (:func:`ordinal_pseudo_r2`), with a
        bootstrap CI if ``n_resamples`` > 0.
    categories, missing, bands, context_kind, confidence
        As in :func:`grade_context`.
    """
    adjust = list(adjust or ())
    require_columns(frame, [grade, context] + [c for c in (outcome, band) if c] + adjust)
    if adjust and not outcome:
        raise ReliabilityError("adjust needs an outcome column (--adjust needs --outcome)")
    result = grade_context(frame[grade], frame[context], categories=categories,
                           missing=missing, bands=bands, context_kind=context_kind,
                           confidence=confidence, grade_name=grade, context_name=context)
    codes, cats, _ = code_grades(frame[grade], categories=categories, missing=missing,
                                 column=grade)
    info: dict = {}
    r2 = diffs = agree = None
    if pseudo_r2:
        keep, design = _context_design(frame, codes, context, result.context_kind)
        r2 = ordinal_pseudo_r2(codes[keep], design, n_resamples=n_resamples, seed=seed,
                               confidence=confidence)
    if outcome:
        y, _ = numeric_context(frame[outcome], column=outcome)
        covs = [numeric_context(frame[c], column=c)[0] for c in adjust]
        keep = (codes >= 0) & np.isfinite(y)
        for x in covs:
            keep &= np.isfinite(x)
        if keep.sum() < 3:
            raise ReliabilityError(f"fewer than 3 rows with a grade and outcome {outcome!r}")
        diffs = grade_outcome_differences(
            codes[keep], y[keep], categories=cats,
            covariates=np.column_stack(covs)[keep] if covs else None, confidence=confidence)
        info["outcome"] = {"outcome": outcome, "adjusted_for": adjust, "n": int(keep.sum()),
                           "n_dropped": int((~keep).sum())}
    if band:
        band_codes, _, _ = code_grades(frame[band], categories=cats, missing=missing,
                                       column=band)
        keep = (codes >= 0) & (band_codes >= 0)
        agree = band_agreement(codes[keep], band_codes[keep], categories=cats,
                               confidence=confidence)
        info["band"] = {"band": band, "n_dropped": int((~keep).sum())}
    return ValidityAnalysis(result, r2, diffs, agree, info)
