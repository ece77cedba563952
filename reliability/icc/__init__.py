"""Intraclass correlation coefficients (Shrout & Fleiss 1979; McGraw & Wong 1996).

:func:`icc` returns all six forms (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k) with F tests and
exact F-based confidence intervals for complete data, REML variance components for
missing or unbalanced data, and an optional vectorised bootstrap over units.
"""

from reliability.icc._icc import FORM_INFO, ICCForm, ICCResult, icc, oneway_icc

__all__ = ["FORM_INFO", "ICCForm", "ICCResult", "icc", "oneway_icc"]

from reliability._callable import make_callable  # noqa: E402

# ``reliability.icc(ratings, ...)`` returns all six forms.
make_callable(__name__, "icc")
