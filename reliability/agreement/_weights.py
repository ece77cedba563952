"""Agreement weight matrices (1 on the diagonal = full credit).

Linear and quadratic weights follow Cicchetti & Allison (1971) and Fleiss & Cohen (1973):
``1 - |x_i - x_j| / (max - min)`` and ``1 - (x_i - x_j)^2 / (max - min)^2`` on the numeric
category values (``Ratings.values``: the numbers themselves, ranks 1..q for text).

The rest of Gwet's (2014, *Handbook of Inter-Rater Reliability*, 4th ed., section 3.4) family,
each a disagreement ``v`` turned into ``w = 1 - v / max(v)``:

* ``ordinal``: ``v = m (m - 1) / 2`` with ``m = |rank_i - rank_j| + 1`` (ranks, not values);
* ``radical``: ``v = sqrt|x_i - x_j|``;
* ``ratio``: ``v = ((x_i - x_j) / (x_i + x_j))^2``;
* ``circular``: ``v = sin^2(pi (x_i - x_j) / U)``, ``U = max - min + 1``;
* ``bipolar``: ``v = (x_i - x_j)^2 / ((x_i + x_j - 2 min)(2 max - x_i - x_j))`` off the diagonal.

Checked against Gwet's irrCAC 0.4.4 on two tables (``tests/data/gwet_weights_irrcac.json``).
"""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError

KINDS = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular",
         "bipolar")


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
        if kind in ("linear", "quadratic"):
            diff = np.abs(values[:, None] - values[None, :]) / span
            return 1.0 - diff if kind == "linear" else 1.0 - diff ** 2
        return _gwet_weights(kind, values)
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


def _gwet_weights(kind: str, x: np.ndarray) -> np.ndarray:
    """The ordinal, radical, ratio, circular and bipolar weights (module notes)."""
    xi, xj = x[:, None], x[None, :]
    lo, hi = x.min(), x.max()
    if kind == "ordinal":
        rank = np.arange(len(x), dtype=float)
        m = np.abs(rank[:, None] - rank[None, :]) + 1
        v = m * (m - 1) / 2
    elif kind == "radical":
        v = np.sqrt(np.abs(xi - xj))
    elif kind == "ratio":
        if lo < 0:
            raise ReliabilityError("ratio weights need non-negative category values; got "
                                   f"{lo:g}")
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(xi + xj > 0, ((xi - xj) / (xi + xj)) ** 2, 0.0)
    elif kind == "circular":
        v = np.sin(np.pi * (xi - xj) / (hi - lo + 1)) ** 2
    else:  # bipolar
        den = (xi + xj - 2 * lo) * (2 * hi - xi - xj)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(den > 0, (xi - xj) ** 2 / den, 0.0)
        np.fill_diagonal(v, 0.0)
    top = v.max()
    return np.eye(len(x)) if top == 0 else 1.0 - v / top


def weights_label(kind) -> str:
    if kind is None or (isinstance(kind, str) and kind in ("identity", "unweighted", "nominal")):
        return "identity"
    return kind if isinstance(kind, str) else "user"
