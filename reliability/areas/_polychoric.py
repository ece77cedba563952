"""Polychoric correlation: two-step maximum likelihood (Olsson 1979), as R ``polycor``.

Two ordinal judgements ``x`` (``r`` categories) and ``y`` (``c`` categories) are taken as
cuts of a standard bivariate normal ``(X, Y)`` with correlation ``rho``. Step one estimates
the thresholds from each margin, ``a_i = Phi^-1(P(x <= i))``; step two maximises the
multinomial log-likelihood ``sum n_ij log pi_ij(rho)`` over ``rho`` alone, where ``pi_ij`` is
the bivariate normal probability of the rectangle of cell ``(i, j)``. The score is analytic:
``d Phi_2(a, b; rho) / d rho = phi_2(a, b; rho)`` (Plackett 1954), so the maximum is found by
Newton's method from a bounded scalar search.

* SE: ``1 / sqrt(-L''(rho))`` at the maximum with the thresholds held fixed, the two-step
  SE that ``polycor::polychor(ML = FALSE, std.err = TRUE)`` reports.
* CI: on Fisher's z scale, ``tanh(atanh(rho) +/- z SE / (1 - rho^2))``, so it stays in (-1, 1).
* Test of bivariate normality: ``G^2 = 2 sum n_ij log(n_ij / (n pi_ij))`` on
  ``r c - r - c`` degrees of freedom (polycor's chi-square).

Checked against R polycor 0.8-1 (``tests/data/polychoric_polycor.json``, script
``tests/data/scripts/polychoric_polycor.R``) and, independently, against the correlation
of simulated latent normals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from reliability._errors import ReliabilityError, show
from reliability._validation import check_option

__all__ = ["PolychoricCorrelation", "polychoric", "bvn_density"]

_RHO_MAX = 0.9999


def bvn_density(h, k, rho) -> np.ndarray:
    """Standard bivariate normal density ``phi_2(h, k; rho)``; 0 where ``h`` or ``k`` is infinite."""
    h, k = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    one = 1.0 - rho * rho
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2.0 * rho * h * k + k * k) / one
        out = np.exp(-0.5 * q) / (2.0 * np.pi * math.sqrt(one))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


def _corner_grid(tx, ty):
    bx = np.concatenate([[-np.inf], tx, [np.inf]])
    by = np.concatenate([[-np.inf], ty, [np.inf]])
    return bx[:, None], by[None, :]


def _rectangles(grid):
    """Cell masses from a grid of corner values F(a_i, b_j) (inclusion-exclusion)."""
    return grid[1:, 1:] - grid[:-1, 1:] - grid[1:, :-1] + grid[:-1, :-1]


def _cell_probabilities(tx, ty, rho):
    from reliability.consistency._latent import bvn_cdf

    bx, by = _corner_grid(tx, ty)
    return np.clip(_rectangles(bvn_cdf(bx, by, rho)), 1e-300, 1.0)


def _loglik_and_score(table, tx, ty, rho):
    pi = _cell_probabilities(tx, ty, rho)
    bx, by = _corner_grid(tx, ty)
    dpi = _rectangles(bvn_density(bx, by, rho))
    return float(np.sum(table * np.log(pi))), float(np.sum(table * dpi / pi)), pi


@dataclass(frozen=True)
class PolychoricCorrelation:
    """A polychoric correlation with its SE, interval and test of bivariate normality.

    ``estimate`` is NaN (with ``reason``) when either judgement uses a single category.
    """

    estimate: float
    se: float
    ci: tuple
    confidence: float
    n: int
    thresholds_x: tuple
    thresholds_y: tuple
    chi2: float = float("nan")
    df: int = 0
    p_value: float = float("nan")
    loglik: float = float("nan")
    reason: str = ""
    method: str = ("two-step ML polychoric correlation (Olsson 1979), SE with thresholds "
                   "fixed as R polycor; Fisher-z CI; G^2 test of bivariate normality")
    table: np.ndarray = field(default=None, repr=False, compare=False)

    def confidence_interval(self, confidence: float = 0.95) -> tuple:
        """The Fisher-z interval at another level (recomputed from ``estimate`` and ``se``)."""
        check_option("confidence", confidence)
        return _fisher_ci(self.estimate, self.se, confidence)

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({"estimate": self.estimate, "se": self.se, "ci": list(self.ci),
                          "confidence": self.confidence, "n": self.n,
                          "thresholds_x": list(self.thresholds_x),
                          "thresholds_y": list(self.thresholds_y),
                          "normality_test": {"statistic": self.chi2, "df": self.df,
                                             "p_value": self.p_value},
                          "reason": self.reason, "method": self.method})

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([{"estimate": self.estimate, "se": self.se, "ci_low": self.ci[0],
                              "ci_high": self.ci[1], "confidence": self.confidence,
                              "n": self.n, "chi2": self.chi2, "df": self.df,
                              "p_value": self.p_value, "reason": self.reason}],
                            index=pd.Index(["polychoric"], name="statistic"))

    def summary(self) -> str:
        from reliability._results import _fmt

        pct = f"{100 * self.confidence:g}%"
        text = (f"polychoric r = {_fmt(self.estimate)}  SE {_fmt(self.se)}  {pct} CI "
                f"[{_fmt(self.ci[0])}, {_fmt(self.ci[1])}]  n = {self.n}\n"
                f"  bivariate normality: G2 = {_fmt(self.chi2)} on {self.df} df, "
                f"p = {_fmt(self.p_value)}")
        if self.reason:
            text += f"\n  undefined: {self.reason}"
        return text + f"\n  method: {self.method}"

    def __float__(self) -> float:
        return float(self.estimate)


def _fisher_ci(rho, se, confidence):
    if not (np.isfinite(rho) and np.isfinite(se)) or abs(rho) >= 1:
        return (float("nan"), float("nan"))
    z = stats.norm.ppf(0.5 + confidence / 2)
    half = z * se / (1.0 - rho * rho)
    return (float(np.tanh(np.arctanh(rho) - half)), float(np.tanh(np.arctanh(rho) + half)))


def _as_table(x, y, table):
    if table is not None:
        t = np.asarray(table, dtype=float)
        if t.ndim != 2:
            raise ReliabilityError(f"table must be 2-dimensional; it has shape {t.shape}")
        bad = ~np.isfinite(t) | (t < 0) | (t != np.round(t))
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ReliabilityError(f"table cell ({i + 1}, {j + 1}) is {show(t[i, j])}: counts must "
                                   "be finite non-negative integers")
        return t
    x = np.asarray(x)
    y = np.asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ReliabilityError(f"x and y must be 1-d and of one length; got {x.shape} and {y.shape}")
    for name, v in (("x", x), ("y", y)):
        if not np.issubdtype(v.dtype, np.integer):
            raise ReliabilityError(f"{name} must hold integer category codes (0 = first); "
                                   f"it has dtype {v.dtype}")
        if v.size and v.min() < 0:
            raise ReliabilityError(f"{name} has a negative code {int(v.min())}; codes start at 0")
    r = int(x.max()) + 1 if x.size else 0
    c = int(y.max()) + 1 if y.size else 0
    return np.bincount(x * c + y, minlength=r * c).reshape(r, c).astype(float)


def polychoric(x=None, y=None, *, table=None, confidence: float = 0.95) -> PolychoricCorrelation:
    """Two-step ML polychoric correlation of two ordinal judgements.

    Parameters
    ----------
    x, y : array of int, optional
        Category codes (0 = first category, in scale order) of the same units; pairs with a
        missing judgement must be removed first (see :func:`polychoric_matrix`).
    table : 2-d array of counts, optional
        The ``r x c`` contingency table instead of ``x`` and ``y``.
    confidence : float
        Level of the Fisher-z interval.

    Returns
    -------
    PolychoricCorrelation

    Notes
    -----
    Empty rows and columns are dropped (as polycor does): a category nobody used carries no
    threshold. Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation
    coefficient. *Psychometrika* 44, 443-460. Checked against R polycor 0.8-1.
    """
    check_option("confidence", confidence)
    t = _as_table(x, y, table)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = int(t.sum())
    r, c = t.shape
    if r < 2 or c < 2:
        which = "x" if r < 2 else "y"
        return PolychoricCorrelation(float("nan"), float("nan"), (float("nan"),) * 2, confidence,
                                     n, (), (), reason=f"{which} uses a single category: the "
                                     "latent correlation is not identified", table=t)
    tx = special.ndtri(np.cumsum(t.sum(axis=1))[:-1] / n)
    ty = special.ndtri(np.cumsum(t.sum(axis=0))[:-1] / n)

    def negll(rho):
        return -_loglik_and_score(t, tx, ty, rho)[0]

    # a bounded search is safe against the flat edges; Newton on the analytic score polishes
    rho = optimize.minimize_scalar(negll, bounds=(-_RHO_MAX, _RHO_MAX), method="bounded",
                                   options={"xatol": 1e-8}).x
    step = 1e-5
    for _ in range(20):
        _, s0, _ = _loglik_and_score(t, tx, ty, rho)
        s_hi = _loglik_and_score(t, tx, ty, min(rho + step, _RHO_MAX))[1]
        s_lo = _loglik_and_score(t, tx, ty, max(rho - step, -_RHO_MAX))[1]
        curv = (s_hi - s_lo) / (min(rho + step, _RHO_MAX) - max(rho - step, -_RHO_MAX))
        if not curv < 0:
            break
        new = float(np.clip(rho - s0 / curv, -_RHO_MAX, _RHO_MAX))
        if abs(new - rho) < 1e-12:
            rho = new
            break
        rho = new
    ll, _, pi = _loglik_and_score(t, tx, ty, rho)
    s_hi = _loglik_and_score(t, tx, ty, min(rho + step, _RHO_MAX))[1]
    s_lo = _loglik_and_score(t, tx, ty, max(rho - step, -_RHO_MAX))[1]
    info = -(s_hi - s_lo) / (min(rho + step, _RHO_MAX) - max(rho - step, -_RHO_MAX))
    se = 1.0 / math.sqrt(info) if info > 0 else float("nan")
    pos = t > 0
    g2 = float(2.0 * np.sum(t[pos] * np.log(t[pos] / (n * pi[pos]))))
    df = r * c - r - c
    p = float(stats.chi2.sf(g2, df)) if df > 0 else float("nan")
    return PolychoricCorrelation(float(rho), se, _fisher_ci(rho, se, confidence), confidence, n,
                                 tuple(map(float, tx)), tuple(map(float, ty)), chi2=g2, df=df,
                                 p_value=p, loglik=ll, table=t)
