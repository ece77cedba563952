"""Validity of inspection grades: against context, against later outcomes, against data bands.

* :func:`grade_context` - grade distribution by context bands (Wilson CIs), Kendall tau-b,
  Goodman-Kruskal gamma, Somers' d (asymptotic SEs), Spearman (Fisher z, Bonett-Wright SE),
  Mantel linear-by-linear trend test.
* :func:`ordinal_pseudo_r2` - McFadden / McKelvey-Zavoina pseudo-R^2 of a cumulative logit
  (bootstrap CI).
* :func:`grade_outcome_differences` - Cohen d / Hedges g vs a reference grade, raw and
  regression-adjusted for context.
* :func:`band_agreement` - grade vs data band: agreement, kappa, AC1, confusion table.
* :func:`validity_analysis` - all of the above for one table (what ``reliability validity``
  runs).
* :func:`ordinal_associations`, :func:`spearman`, :func:`linear_by_linear` - the kernels.
* :func:`kendall_tau` - Kendall tau-b / Stuart tau-c of raw pairs with the exact p-value for
  small samples without ties.
"""

from reliability.validity._analysis import ValidityAnalysis, validity_analysis
from reliability.validity._bands import band_agreement, gwet_ac1_table
from reliability.validity._context import GradeContextResult, grade_context
from reliability.validity._outcomes import grade_outcome_differences
from reliability.validity._pseudo_r2 import fit_cumulative_logit, ordinal_pseudo_r2
from reliability.validity._ordinal import (
    concordance,
    kendall_tau,
    linear_by_linear,
    ordinal_associations,
    spearman,
)

__all__ = [
    "band_agreement",
    "fit_cumulative_logit",
    "grade_outcome_differences",
    "gwet_ac1_table",
    "ordinal_pseudo_r2",
    "GradeContextResult",
    "concordance",
    "grade_context",
    "kendall_tau",
    "linear_by_linear",
    "ordinal_associations",
    "spearman",
    "ValidityAnalysis",
    "validity_analysis",
]
