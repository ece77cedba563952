"""inspection-reliability: reliability and validity of school-inspection judgements.

Public API (see README.md for a tour; each subpackage documents its conventions):

* Input: :class:`Ratings`, :func:`as_ratings`, :func:`read_ratings` (streamed, out of core).
* Agreement (:mod:`reliability.agreement`): :func:`agreement` (the whole table) and
  :func:`percent_agreement`, :func:`cohen_kappa`, :func:`conger_kappa`, :func:`scott_pi`,
  :func:`fleiss_kappa`, :func:`brennan_prediger`, :func:`gwet_ac1`, :func:`gwet_ac2`,
  :func:`krippendorff_alpha`, :func:`pabak`, :func:`prevalence_index`, :func:`bias_index`,
  :func:`max_kappa`, :func:`fleiss_category_kappas`, :func:`bowker_test`,
  :func:`stuart_maxwell_test`, :func:`weight_matrix`.
* ICC and G-theory: :func:`icc`, :func:`g_study`.
* Inspector-bias models (:mod:`reliability.models`): :func:`ordinal_mixed`,
  :func:`binomial_mixed`, :func:`linear_mixed`.
* Validity and classification consistency: :mod:`reliability.validity`,
  :mod:`reliability.consistency` (e.g. :func:`grade_context`, :func:`agreement_range`).
* Data: :mod:`reliability.datasets`; studies: :mod:`reliability.studies`.
* Errors: :class:`ReliabilityError` (a ``ValueError``), :class:`DataWarning`,
  :class:`ConvergenceWarning`. Results: :class:`Estimate`, :class:`EstimateTable`.
"""

__version__ = "0.1.0"

from reliability._errors import ConvergenceWarning, DataWarning, ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.data import Ratings, as_ratings
from reliability import agreement, icc  # callable subpackages: agreement(...), icc(...)
from reliability.agreement import (bias_index, bowker_test, brennan_prediger,
                                   cohen_kappa, conger_kappa, fleiss_category_kappas,
                                   fleiss_kappa, gwet_ac1, gwet_ac2, krippendorff_alpha,
                                   max_kappa, pabak, percent_agreement, prevalence_index,
                                   scott_pi, stuart_maxwell_test, weight_matrix)
from reliability.icc import ICCResult
from reliability.gtheory import GStudy, g_study
from reliability.models import MixedResult, binomial_mixed, linear_mixed, ordinal_mixed
from reliability.validity import grade_context, ordinal_associations
from reliability.consistency import agreement_range, latent_consistency, parallel_consistency
from reliability.streaming import read_ratings
from reliability import consistency, datasets, validity  # noqa: F401  (subpackages)

__all__ = [
    "ConvergenceWarning", "DataWarning", "Estimate", "EstimateTable", "GStudy", "ICCResult",
    "MixedResult", "Ratings", "ReliabilityError", "__version__", "agreement", "agreement_range",
    "as_ratings", "bias_index", "binomial_mixed", "bowker_test", "brennan_prediger",
    "cohen_kappa", "conger_kappa", "consistency", "datasets", "fleiss_category_kappas",
    "fleiss_kappa", "g_study", "grade_context", "gwet_ac1", "gwet_ac2", "icc",
    "krippendorff_alpha", "latent_consistency", "linear_mixed", "max_kappa", "ordinal_associations",
    "ordinal_mixed", "pabak", "parallel_consistency", "percent_agreement", "prevalence_index",
    "read_ratings", "scott_pi", "stuart_maxwell_test", "validity", "weight_matrix",
]
