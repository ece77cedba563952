"""Cohen's kappa of two-rater tables: the one implementation lives in
:mod:`reliability.agreement` (``_two_raters`` through ``_tables``); consistency, planning and
validity use it from here under the names they have always imported.

One convention everywhere: the Fleiss-Cohen-Everitt (1969) non-null SE, the null SE for the
test of kappa = 0, and the interval of :func:`reliability.cohen_kappa` (``est +/- t(n-1) SE``,
upper bound capped at 1, as irrCAC; ``ci_method="normal"`` for vcd's z interval).
"""

from reliability.agreement._tables import cohen_kappa_table, kappa_many, kappa_variance

__all__ = ["cohen_kappa_table", "kappa_many", "kappa_variance"]
