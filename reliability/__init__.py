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

from reliability._version import __version__

# Public names are resolved on first use (PEP 562): ``import reliability`` and the CLI's
# ``--version``/``--help`` do not load numpy, pandas, scipy or formulaic.
_LAZY = {
    "ConvergenceWarning": "reliability._errors", "DataWarning": "reliability._errors",
    "ReliabilityError": "reliability._errors", "OptionError": "reliability._validation",
    "Estimate": "reliability._results", "EstimateTable": "reliability._results",
    "Ratings": "reliability.data", "as_ratings": "reliability.data",
    **{name: "reliability.agreement" for name in (
        "bias_index", "bowker_test", "brennan_prediger", "cohen_kappa", "conger_kappa",
        "fleiss_category_kappas", "fleiss_kappa", "gwet_ac1", "gwet_ac2", "krippendorff_alpha",
        "max_kappa", "pabak", "percent_agreement", "prevalence_index", "scott_pi",
        "stuart_maxwell_test", "weight_matrix", "light_kappa", "kendall_w",
        "cronbach_alpha", "bangdiwala_b")},
    "ICCResult": "reliability.icc",
    "GStudy": "reliability.gtheory", "g_study": "reliability.gtheory",
    "MixedResult": "reliability.models", "binomial_mixed": "reliability.models",
    "linear_mixed": "reliability.models", "ordinal_mixed": "reliability.models",
    "grade_context": "reliability.validity", "ordinal_associations": "reliability.validity",
    "validity_analysis": "reliability.validity",
    "agreement_range": "reliability.consistency",
    "team_pairs": "reliability.consistency", "latent_consistency": "reliability.consistency",
    "parallel_consistency": "reliability.consistency",
    "read_ratings": "reliability.streaming",
    "polychoric": "reliability.areas", "area_structure": "reliability.areas",
}
# subpackages (``agreement`` and ``icc`` are also callable: ``rl.agreement(...)``)
_SUBPACKAGES = ("agreement", "icc", "areas", "consistency", "datasets", "validity", "scales",
                "models", "plots")

__all__ = sorted(["__version__", *_LAZY, *_SUBPACKAGES])


def __getattr__(name):
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f"reliability.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'reliability' has no attribute {name!r}")


def __dir__():
    return __all__
