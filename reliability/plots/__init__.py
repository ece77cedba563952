"""Plots (matplotlib, imported on first use; every function returns the Figure).

* :func:`caterpillar`: a mixed model's group (inspector) effects with intervals
  (also ``fit.plot()``).
* :func:`forest`: a mixed model's fixed effects (odds ratios for logit models).
* :func:`plot_d_study`: D-study curves of a G study (E rho^2 and Phi against facet sizes).
"""

from reliability.plots.caterpillar import caterpillar
from reliability.plots.dstudy import plot_d_study
from reliability.plots.forest import forest

# The functions shadow their submodules' names here; the documented dotted paths
# ``reliability.plots.caterpillar.caterpillar`` and ``reliability.plots.forest.forest`` keep
# working through these attributes (``from reliability.plots.caterpillar import caterpillar``
# works regardless).
caterpillar.caterpillar = caterpillar
forest.forest = forest

__all__ = ["caterpillar", "forest", "plot_d_study"]
