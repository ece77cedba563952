"""Agreement weight matrices (1 on the diagonal = full credit).

Linear and quadratic weights follow Cicchetti & Allison (1971) and Fleiss & Cohen (1973):
``1 - |x_i - x_j| / (max - min)`` and ``1 - (x_i - x_j)^2 / (max - min)^2`` on the numeric
category values (``Ratings.values``: the numbers themselves, ranks 1..q for text).
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError

KINDS = ("identity", "linear", "quadratic")


def weight_matrix(kind="identity", values=None, *, n_categories=None) -> np.ndarray:
    """Agreement weights for ``q`` categories.

    Parameters
    ----------
    kind : {"identity", "linear", "quadratic"} or array_like
        Named weights, or a user ``q x q`` matrix of agreement weights (validated:
        square, finite, within [0, 1], diagonal 1; symmetry is not required).
        ``"unweighted"``/``None`` mean identity.
    values : array_like, optional
        Numeric category values (default ``1..q``).
    n_categories : int, optional
        Number of categories when ``values`` is not given.
    """
    if values is None:
        if n_categories is None:
            if kind is not None and not isinstance(kind, str):
                n_categories = np.asarray(kind).shape[0]
            else:
                raise ReliabilityError("weight_matrix needs values or n_categories")
        values = np.arange(1, n_categories + 1, dtype=float)
    values = np.asarray(values, dtype=float)
    q = len(values)
    if kind is None or (isinstance(kind, str) and kind in ("identity", "unweighted", "nominal")):
        return np.eye(q)
    if isinstance(kind, str):
        if kind not in KINDS:
            raise ReliabilityError(
                f"weights must be one of {', '.join(KINDS)} or a q x q matrix; got {kind!r}")
        span = values.max() - values.min() if q else 0.0
        if span == 0:
            return np.ones((q, q))
        diff = np.abs(values[:, None] - values[None, :]) / span
        return 1.0 - diff if kind == "linear" else 1.0 - diff ** 2
    try:
        w = np.asarray(kind, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"weights matrix is not numeric: {exc}") from exc
    if w.shape != (q, q):
        raise ReliabilityError(f"weights matrix must be {q} x {q} (one row/column per category); "
                               f"got shape {w.shape}")
    if not np.isfinite(w).all():
        raise ReliabilityError("weights matrix has missing or infinite entries")
    if not np.allclose(np.diag(w), 1.0):
        raise ReliabilityError(
            f"weights matrix must have 1 on the diagonal (agreement weights); got {np.diag(w)}. "
            "For disagreement weights v use 1 - v / v.max()")
    if (w < 0).any() or (w > 1).any():
        raise ReliabilityError("agreement weights must lie in [0, 1]")
    return w


def weights_label(kind) -> str:
    if kind is None or (isinstance(kind, str) and kind in ("identity", "unweighted", "nominal")):
        return "identity"
    return kind if isinstance(kind, str) else "user"
