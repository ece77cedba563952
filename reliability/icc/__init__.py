"""Intraclass correlation coefficients (Shrout & Fleiss 1979; McGraw & Wong 1996).

:func:`icc` returns all six forms (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k) with F tests and
exact F-based confidence intervals for complete data, REML variance components for
missing or unbalanced data, F tests of H0: ICC = rho0 (``rho0=``), and an optional
vectorised bootstrap over units. Planning: :func:`icc_power`, :func:`icc_sample_size`
(units for a test of H0: ICC = rho0) and :func:`icc_ci_width_sample_size` (units for an
interval of a given width).
"""

from reliability.icc._icc import FORM_INFO, ICCForm, ICCResult, icc, oneway_icc
from reliability.icc._planning import icc_ci_width_sample_size, icc_power, icc_sample_size

__all__ = ["FORM_INFO", "ICCForm", "ICCResult", "icc", "icc_ci_width_sample_size",
           "icc_power", "icc_sample_size", "oneway_icc"]

from reliability._callable import make_callable  # noqa: E402

# ``reliability.icc(ratings, ...)`` returns all six forms.
make_callable(__name__, "icc")
