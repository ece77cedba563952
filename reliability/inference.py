"""Confidence intervals and the vectorised bootstrap over units.

The bootstrap resamples units with replacement. A resample is represented by a row of
multinomial counts ``w`` (how many times each unit is drawn), so any statistic written as
a function of per-unit weighted sums is evaluated for all resamples with one matrix
product ``W @ per_unit_quantities`` instead of a Python loop (Efron & Tibshirani 1993,
ch. 10, "the bootstrap as resampling weights").

Checked against: the percentile and BCa intervals of :func:`scipy.stats.bootstrap` on the
same statistic (tests/test_inference.py), and the analytic SE of a mean.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError

# Resampling-weight matrices are generated and evaluated in chunks of about this many cells
# so that memory stays bounded (2e7 float64 = 160 MB) whatever B and n are.
_CHUNK_CELLS = 20_000_000
_MAX_JACKKNIFE = 5000
# Resampling weights kept for reuse inside :func:`shared_resamples` (cells over all blocks).
_SHARED_CELLS = 20_000_000
_SHARED: contextvars.ContextVar = contextvars.ContextVar("shared_resamples", default=None)


def check_confidence(confidence: float) -> float:
    """Validate a confidence level in (0, 1)."""
    try:
        c = float(confidence)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"confidence must be a number in (0, 1); got {confidence!r}") from exc
    if not 0.0 < c < 1.0:
        raise ReliabilityError(f"confidence must be in (0, 1); got {confidence!r}")
    return c


def normal_interval(estimate: float, se: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wald interval ``estimate +/- z * se``."""
    z = stats.norm.ppf(0.5 + check_confidence(confidence) / 2)
    return (float(estimate - z * se), float(estimate + z * se))


def t_interval(estimate: float, se: float, df: float, confidence: float = 0.95) -> tuple[float, float]:
    """Interval ``estimate +/- t(df) * se`` (Gwet 2014 uses df = n - 1)."""
    if not df > 0:
        return (float("nan"), float("nan"))
    t = stats.t.ppf(0.5 + check_confidence(confidence) / 2, df)
    return (float(estimate - t * se), float(estimate + t * se))


def _binomial_args(successes, n):
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    # n <= 0 is a data property (nothing observed): NaN below; k outside [0, n] is a bug.
    if np.any(((k < 0) | (k > m) | ~np.isfinite(k)) & (m > 0)):
        raise ReliabilityError("successes must lie between 0 and n")
    return k, m


def _as_interval(lo, hi, scalar):
    if scalar:
        return (float(lo), float(hi))
    return (lo, hi)


def wilson_interval(successes, n, confidence: float = 0.95):
    """Wilson (1927) score interval for a binomial proportion ``successes / n``.

    Parameters
    ----------
    successes, n : float or array_like
        Number of successes and of trials (broadcast together; ``n <= 0`` gives NaN).
    confidence : float
        Confidence level in (0, 1).

    Returns
    -------
    (low, high)
        Floats for scalar input, arrays otherwise. This is the one implementation of the
        Wilson interval in the library (agreement, consistency, validity and reports use it).
    """
    z = stats.norm.ppf(0.5 + check_confidence(confidence) / 2)
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    k, m = _binomial_args(successes, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        mm = np.where(m > 0, m, np.nan)
        p = k / mm
        denom = 1 + z * z / mm
        centre = (p + z * z / (2 * mm)) / denom
        half = z * np.sqrt(p * (1 - p) / mm + z * z / (4 * mm * mm)) / denom
    return _as_interval(np.maximum(0.0, centre - half), np.minimum(1.0, centre + half), scalar)


def exact_interval(successes, n, confidence: float = 0.95):
    """Exact (Clopper & Pearson 1934) interval for a binomial proportion ``successes / n``.

    Same arguments and return as :func:`wilson_interval` (arrays broadcast; ``n <= 0``
    gives NaN). The one implementation of the exact binomial interval in the library.
    """
    alpha = 1 - check_confidence(confidence)
    scalar = np.ndim(successes) == 0 and np.ndim(n) == 0
    k, m = _binomial_args(successes, n)
    k, m = np.broadcast_arrays(k, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = m > 0
        lo = np.where(k <= 0, 0.0, stats.beta.ppf(alpha / 2, np.maximum(k, 1e-300),
                                                  np.maximum(m - k + 1, 1e-300)))
        hi = np.where(k >= m, 1.0, stats.beta.ppf(1 - alpha / 2, k + 1,
                                                  np.maximum(m - k, 1e-300)))
    lo = np.where(ok, lo, np.nan)
    hi = np.where(ok, hi, np.nan)
    return _as_interval(lo, hi, scalar)


#: Former name of :func:`exact_interval` (kept: same function).
clopper_pearson_interval = exact_interval


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap over units: point estimate, bootstrap SE and interval.

    ``distribution`` holds the resampled statistics (NaN for resamples where the
    statistic is undefined; ``n_valid`` counts the others).
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    ci_level: float
    method: str
    n_resamples: int
    n_valid: int
    seed: int | None
    distribution: np.ndarray = field(repr=False)

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({
            "estimate": self.estimate, "se": self.se, "ci": list(self.ci),
            "ci_level": self.ci_level, "method": self.method,
            "n_resamples": self.n_resamples, "n_valid": self.n_valid, "seed": self.seed,
        })


def resampling_weights(n_units: int, n_resamples: int, rng: np.random.Generator,
                       groups: np.ndarray | None = None, n_groups: int | None = None) -> np.ndarray:
    """Multinomial counts (``n_resamples x n_units``, float): units drawn with replacement.

    With ``groups`` (the group index, 0..G-1, of every unit) the counts of the drawn units
    are summed within groups (``n_resamples x G``, ``G = n_groups``, default the largest
    index + 1): the same draws as without, so a statistic of per-group sums gives the same
    values as of per-unit sums.
    """
    draws = rng.integers(0, n_units, size=(n_resamples, n_units))
    if groups is None:
        cols, cell = n_units, draws
    else:
        cols = _n_groups(groups, n_groups)
        small = n_resamples * cols < 2 ** 31
        cell = np.take(groups.astype(np.int32) if small else groups, draws)
    # the cell of each draw in the (resample, unit or group) table, offset in place
    cell += (np.arange(n_resamples, dtype=cell.dtype) * cols)[:, None]
    counts = np.bincount(cell.ravel(), minlength=n_resamples * cols)
    return counts.reshape(n_resamples, cols).astype(float)


@contextlib.contextmanager
def shared_resamples():
    """Within this block, bootstrap calls with the same integer seed, number of units,
    resamples and groups reuse one set of resampling weights (as they would draw the same
    weights anyway): ``agreement(n_resamples=...)`` draws once for all its coefficients.
    Weights are kept only while their total size stays under about 2e7 cells."""
    token = _SHARED.set({"cells": 0, "entries": {}})
    try:
        yield
    finally:
        _SHARED.reset(token)


def bootstrap_units(statistic: Callable[[np.ndarray], np.ndarray], n_units: int, *,
                    n_resamples: int = 2000, seed=None, confidence: float = 0.95,
                    method: str = "percentile", estimate: float | None = None,
                    chunk: int | None = None, n_jobs: int | None = None,
                    groups: np.ndarray | None = None,
                    n_groups: int | None = None) -> BootstrapResult:
    """Nonparametric bootstrap over units with vectorised resampling weights.

    Parameters
    ----------
    statistic : callable
        ``statistic(weights)`` with ``weights`` of shape ``(B, n_units)`` (multinomial
        counts; all ones reproduces the data) returning shape ``(B,)``.
    n_units : int
        Number of units resampled.
    n_resamples : int
        Number of bootstrap resamples B.
    seed : int or numpy Generator, optional
        Seed for reproducibility.
    confidence : float
        Confidence level of the interval.
    method : {"percentile", "bca"}
        Percentile interval, or bias-corrected and accelerated (Efron 1987) with the
        acceleration from the leave-one-unit-out jackknife (for more than 5,000 units a
        grouped jackknife over 5,000 random groups of units, stated in ``method``).
    estimate : float, optional
        The statistic on the observed data (computed if not given).
    chunk : int, optional
        Resamples per block (default: at most 250, and fewer for large ``n_units`` so that
        each weight matrix stays near 2e7 cells).
    n_jobs : int, optional
        Evaluate blocks in parallel with joblib (any active joblib backend, e.g. Dask's,
        is used). Each block has its own generator spawned from ``seed``, so results are
        identical whatever ``n_jobs`` or backend.
    groups : ndarray of int, optional
        Group (0..G-1) of each unit, for units whose per-unit quantities are identical
        (e.g. the same ratings from the same raters). ``statistic`` then receives
        ``(B, G)`` weights (``G = n_groups``, default the largest index + 1), the numbers
        of drawn units in each group, and the default
        ``estimate`` uses the group sizes. The draws are those without ``groups``, so the
        result is the same up to rounding, for the cost of G columns instead of n.

    Returns
    -------
    BootstrapResult
    """
    confidence, n_resamples, n_units, groups, n_groups = _check_bootstrap(
        confidence, method, n_resamples, n_units, groups, n_groups)
    single = lambda w: np.asarray(statistic(w), dtype=float)[:, None]  # noqa: E731
    return _bootstrap_columns(single, 1, n_units, n_resamples, seed, confidence, method,
                              None if estimate is None else [estimate], chunk, n_jobs,
                              groups, n_groups)[0]


def bootstrap_units_multi(statistic: Callable[[np.ndarray], np.ndarray], n_statistics: int,
                          n_units: int, *, n_resamples: int = 2000, seed=None,
                          confidence: float = 0.95, method: str = "percentile",
                          chunk: int | None = None, n_jobs: int | None = None,
                          groups: np.ndarray | None = None,
                          n_groups: int | None = None) -> list:
    """:func:`bootstrap_units` for ``n_statistics`` statistics computed together on the
    same resamples: ``statistic(weights)`` returns shape ``(B, n_statistics)``. Result ``j``
    equals ``bootstrap_units(lambda w: statistic(w)[:, j], ...)`` with the same seed, for the
    cost of drawing the weights once."""
    confidence, n_resamples, n_units, groups, n_groups = _check_bootstrap(
        confidence, method, n_resamples, n_units, groups, n_groups)

    def stat2d(w):
        return np.asarray(statistic(w), dtype=float).reshape(-1, n_statistics)
    return _bootstrap_columns(stat2d, int(n_statistics), n_units, n_resamples, seed,
                              confidence, method, None, chunk, n_jobs, groups, n_groups)



def _check_bootstrap(confidence, method, n_resamples, n_units, groups, n_groups):
    """The options of the unit bootstrap, checked once (shared by the single and multi forms)."""
    confidence = check_confidence(confidence)
    if method not in ("percentile", "bca"):
        raise ReliabilityError(f"bootstrap method must be 'percentile' or 'bca'; got {method!r}")
    n_resamples = int(n_resamples)
    if n_resamples < 2:
        raise ReliabilityError(f"n_resamples must be at least 2; got {n_resamples}")
    n_units = int(n_units)
    if n_units < 2:
        raise ReliabilityError(f"the bootstrap needs at least 2 units; got {n_units}")
    if groups is not None:
        groups = np.asarray(groups, dtype=np.int64)
        if groups.shape != (n_units,) or groups.min() < 0:
            raise ReliabilityError("groups must give a group index >= 0 for every unit")
        n_groups = _n_groups(groups, n_groups)
    return confidence, n_resamples, n_units, groups, n_groups

def _bootstrap_columns(statistic, m, n_units, n_resamples, seed, confidence, method,
                       estimates, chunk, n_jobs, groups, n_groups):
    """The resampling and summaries of :func:`bootstrap_units` for ``m`` statistics
    (``statistic(weights)`` of shape ``(B, m)``), drawn once."""
    if estimates is None:
        ones = (np.ones((1, n_units)) if groups is None
                else np.bincount(groups, minlength=n_groups).astype(float)[None])
        estimates = [float(e) for e in np.asarray(statistic(ones))[0]]
    blocks = _resample_blocks(n_units, n_resamples, chunk)
    seeds = np.random.SeedSequence(_entropy(seed)).spawn(len(blocks) + 1)
    weights_of = _weight_source(seed, n_units, blocks, seeds, groups, n_groups)

    def run_block(i: int) -> np.ndarray:
        return np.asarray(statistic(weights_of(i)), dtype=float)

    if n_jobs is None or n_jobs == 1:
        from reliability._progress import progress

        # Only long runs get a bar (it appears on a terminal's stderr only, never in pipes).
        show = None if len(blocks) > 1 and n_resamples * n_units >= 2_000_000 else False
        parts = [run_block(i) for i in progress(range(len(blocks)), total=len(blocks),
                                                  desc=f"bootstrap B={n_resamples}",
                                                  enabled=show, unit="block")]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(run_block)(i) for i in range(len(blocks)))
    dists = np.concatenate(parts).reshape(-1, m)
    out = []
    for j in range(m):
        estimate = float(estimates[j])
        rng = np.random.default_rng(seeds[-1])
        dist = np.ascontiguousarray(dists[:, j])
        valid = dist[np.isfinite(dist)]
        alpha = 1 - confidence
        label = "percentile"
        if len(valid) < 2 or not np.isfinite(estimate):
            ci = (float("nan"), float("nan"))
            se = float("nan")
        else:
            se = float(np.std(valid, ddof=1))
            lo_q, hi_q = alpha / 2, 1 - alpha / 2
            if method == "bca":
                lo_q, hi_q, label = _bca_levels(lambda w, j=j: statistic(w)[:, j], n_units,
                                                estimate, valid, alpha, rng, groups, n_groups)
            ci = (float(np.quantile(valid, lo_q)), float(np.quantile(valid, hi_q)))
        out.append(BootstrapResult(estimate, se, ci, confidence,
                                   f"bootstrap over units ({label}, B={n_resamples})",
                                   n_resamples, int(len(valid)),
                                   seed if isinstance(seed, (int, type(None))) else None, dist))
    return out


def _entropy(seed):
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, np.random.SeedSequence):
        return seed.entropy
    return seed


def _n_groups(groups, n_groups):
    top = int(groups.max()) + 1 if len(groups) else 0
    if n_groups is None:
        return top
    if n_groups < top:
        raise ReliabilityError(f"n_groups={n_groups} but a group index is {top - 1}")
    return int(n_groups)


def _weight_source(seed, n_units, blocks, seeds, groups, n_groups):
    """``weights(i)``: the resampling weights of block ``i`` (shared within
    :func:`shared_resamples` when the seed is an integer and they are small enough)."""
    def make(i):
        return resampling_weights(n_units, blocks[i], np.random.default_rng(seeds[i]), groups,
                                  n_groups)

    shared = _SHARED.get()
    cols = n_units if groups is None else n_groups
    if (shared is None or not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
            or shared["cells"] + sum(blocks) * cols > _SHARED_CELLS):
        return make
    key = (int(seed), n_units, tuple(blocks), cols)
    for entry_groups, store in shared["entries"].get(key, []):
        if entry_groups is groups or (entry_groups is not None and groups is not None
                                      and entry_groups.shape == groups.shape
                                      and np.array_equal(entry_groups, groups)):
            break
    else:
        store = {}
        shared["entries"].setdefault(key, []).append((groups, store))
        shared["cells"] += sum(blocks) * cols

    def cached(i):
        if i not in store:
            store[i] = make(i)
        return store[i]
    return cached


def _resample_blocks(n_units: int, n_resamples: int, chunk: int | None) -> list[int]:
    size = chunk or max(1, min(250, _CHUNK_CELLS // n_units))
    full, rest = divmod(n_resamples, size)
    return [size] * full + ([rest] if rest else [])


def _bca_levels(statistic, n_units, estimate, valid, alpha, rng, groups=None, n_groups=None):
    """Adjusted quantile levels of the BCa interval (Efron 1987; Efron & Tibshirani 1993 14.3)."""
    # Resamples equal to the estimate (the data themselves, common for discrete statistics)
    # are ties whatever the order of summation that produced them.
    tol = 1e-12 * max(1.0, abs(estimate))
    tie = np.abs(valid - estimate) <= tol
    prop = (np.sum((valid < estimate) & ~tie) + 0.5 * np.sum(tie)) / len(valid)
    prop = min(max(prop, 1.0 / (2 * len(valid))), 1 - 1.0 / (2 * len(valid)))
    z0 = stats.norm.ppf(prop)
    if groups is None:
        cols, full = n_units, np.ones(n_units)
    else:
        full = np.bincount(groups, minlength=n_groups).astype(float)
        cols = len(full)
    if n_units <= _MAX_JACKKNIFE:
        label = "BCa, leave-one-unit-out jackknife"
        if groups is None:
            jack_groups, n_groups = np.arange(n_units), n_units
        else:
            # Leaving out any unit of a group gives the same value: one evaluation per group.
            jack_groups = None
            present = np.flatnonzero(full > 0)
            n_groups = len(present)
    else:
        n_groups = _MAX_JACKKNIFE
        jack_groups = rng.permutation(np.arange(n_units) % n_groups)
        label = f"BCa, grouped jackknife ({n_groups} groups)"
    jack = np.empty(n_groups)
    step = max(1, _CHUNK_CELLS // cols)
    for start in range(0, n_groups, step):
        g = np.arange(start, min(n_groups, start + step))
        if jack_groups is None:                       # leave one unit of group g out
            weights = np.repeat(full[None], len(g), axis=0)
            weights[np.arange(len(g)), present[g]] -= 1.0
        elif groups is None:
            weights = np.ones((len(g), n_units))
            weights[jack_groups[None, :] == g[:, None]] = 0.0
        else:                                         # leave the units of jackknife group g out
            members = np.isin(jack_groups, g)
            out = np.bincount((jack_groups[members] - start) * cols + groups[members],
                              minlength=len(g) * cols).reshape(len(g), cols)
            weights = full[None] - out
        jack[g] = np.asarray(statistic(weights), dtype=float)
    if jack_groups is None:                           # one value per unit, as without groups
        per_group = np.full(cols, np.nan)
        per_group[present] = jack
        jack = per_group[groups]
    jack = jack[np.isfinite(jack)]
    d = jack.mean() - jack
    denom = 6.0 * np.sum(d * d) ** 1.5
    accel = float(np.sum(d ** 3) / denom) if denom > 0 else 0.0
    z = stats.norm.ppf([alpha / 2, 1 - alpha / 2])
    adj = stats.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))
    return float(adj[0]), float(adj[1]), label


def shared_seed(seed) -> int:
    """One integer seed from ``seed`` (None, int or Generator), so that several
    :func:`bootstrap_units` calls - one per statistic - draw the same resamples (a Generator
    passed to each call would give every statistic other resamples)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2 ** 63))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2 ** 63))
    return int(seed)
