"""Mixed models of inspector bias: cumulative-link, binomial and linear random-intercept models
(one or several factors) and random slopes for one grouping factor.

Fitted by maximum likelihood (Laplace / adaptive Gauss-Hermite quadrature) or REML, with an
lme4-style formula interface; see ``docs/models.md``.
"""

from reliability.models._api import binomial_mixed, linear_mixed, ordinal_mixed
from reliability.models.results import MixedResult, RandomTerm

__all__ = ["ordinal_mixed", "binomial_mixed", "linear_mixed", "MixedResult", "RandomTerm"]
