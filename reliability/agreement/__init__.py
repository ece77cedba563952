"""Agreement coefficients for categorical (and numeric) ratings by two or more raters.

See ``docs/agreement.md``. One call: :func:`agreement`; single coefficients:
:func:`cohen_kappa`, :func:`fleiss_kappa`, :func:`gwet_ac1`, :func:`krippendorff_alpha`, ...
"""

from reliability.agreement._functions import (bias_index, bowker_test, brennan_prediger,
                                              cohen_kappa, conger_kappa, fleiss_category_kappas,
                                              fleiss_kappa, gwet_ac1, gwet_ac2,
                                              krippendorff_alpha, max_kappa, pabak,
                                              percent_agreement, prevalence_index, scott_pi,
                                              stuart_maxwell_test, weighted_agreement)
from reliability.agreement._benchmark import Benchmark, benchmark
from reliability.agreement._classic import bangdiwala_b, cronbach_alpha, kendall_w, light_kappa
from reliability.agreement._tables import (cohen_kappa_table, gwet_ac1_table, kappa_many,
                                           kappa_variance)
from reliability.agreement._weights import weight_matrix
from reliability.agreement.table import agreement

__all__ = ["agreement", "percent_agreement", "weighted_agreement", "cohen_kappa", "conger_kappa", "scott_pi",
           "fleiss_kappa", "brennan_prediger", "gwet_ac1", "gwet_ac2", "krippendorff_alpha",
           "pabak", "prevalence_index", "bias_index", "max_kappa", "fleiss_category_kappas",
           "bowker_test", "stuart_maxwell_test", "weight_matrix", "cohen_kappa_table",
           "gwet_ac1_table", "kappa_many", "kappa_variance", "light_kappa", "kendall_w",
           "cronbach_alpha", "bangdiwala_b", "benchmark", "Benchmark"]

#: The coefficients ``reliability agree --benchmark`` benchmarks (chance-corrected, on [-1, 1]).
BENCHMARKED = ("cohen_kappa", "conger_kappa", "scott_pi", "fleiss_kappa", "brennan_prediger",
               "gwet_ac1", "gwet_ac2", "krippendorff_alpha")

from reliability._callable import make_callable  # noqa: E402

# ``reliability.agreement(ratings, ...)`` is the one-call table (issue contract).
make_callable(__name__, "agreement")
