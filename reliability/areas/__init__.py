"""Report-card areas: do the evaluation areas say different things about a school?

* :func:`polychoric` -- two-step ML polychoric correlation of two ordinal judgements, with SE,
  Fisher-z interval and a test of bivariate normality (checked against R polycor).
* :func:`area_structure` -- the polychoric matrix of several areas, eigenvalues, parallel
  analysis, a one-factor model (loadings, omega) and the effective number of independent areas.
"""

from reliability.areas._polychoric import PolychoricCorrelation, bvn_density, polychoric
from reliability.areas._structure import (FrameworkTransition, framework_transition,
                                          AreaAgreement, AreaContext, AreaStructure,
                                          area_agreement, area_context,
                                          area_structure, code_areas, polychoric_matrix)

__all__ = ["FrameworkTransition", "framework_transition", "AreaAgreement", "AreaContext", "area_agreement", "AreaStructure", "area_context", "PolychoricCorrelation", "area_structure", "bvn_density",
           "code_areas", "polychoric", "polychoric_matrix"]
