"""inspection-reliability: reliability and validity of school-inspection judgements.

Public API (see README for a tour):

* Input: :class:`Ratings`, :func:`as_ratings`.
* Errors: :class:`ReliabilityError` (a ``ValueError``), :class:`DataWarning`,
  :class:`ConvergenceWarning`.
* Results: :class:`Estimate`, :class:`EstimateTable`.
"""

from reliability._errors import ConvergenceWarning, DataWarning, ReliabilityError
from reliability._results import Estimate, EstimateTable
from reliability.data import Ratings, as_ratings

__version__ = "0.1.0"

__all__ = [
    "ConvergenceWarning",
    "DataWarning",
    "Estimate",
    "EstimateTable",
    "Ratings",
    "ReliabilityError",
    "as_ratings",
    "__version__",
]
