"""Generalizability theory: G studies (variance components) and D studies (Brennan 2001).

:func:`g_study` estimates the variance components of p x r, r:p, p x r x o and (r:p) x o
random designs (ANOVA/EMS for balanced data, REML otherwise); the returned
:class:`GStudy` gives E rho^2 and Phi for any planned numbers of conditions
(``.coefficients``, ``.d_study``) and the smallest design reaching a target
(``.minimal_design``).
"""

from reliability.gtheory._gstudy import GStudy, g_study

__all__ = ["GStudy", "g_study"]
