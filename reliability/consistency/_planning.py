"""Precision planning: how many parallel inspections to estimate agreement or kappa.

Analytic:

* agreement: the smallest n whose Wilson interval at the assumed agreement has half-width
  at most the target (and the normal-approximation n = z^2 p(1-p)/h^2 for comparison);
* kappa: n = z^2 v / h^2 with v the Fleiss-Cohen-Everitt (1969) large-sample variance per
  pair evaluated at the expected table ``p_ij = (1 - kappa) pi_i pi_j + kappa pi_i [i = j]``
  (both teams share the prevalences pi; for two categories this is Bloch & Kraemer's
  (1989) common-correlation model and v equals their closed form, checked in tests).

Simulation: tables drawn from the same expected table (seeded, all replicates at once with
a multinomial draw), kappa and its FCE SE computed per replicate; the planned n is the
smallest on a grid whose mean Wald half-width is at most the target.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError
from reliability.consistency._kappa import kappa_variance
from reliability.inference import check_confidence, wilson_interval
from reliability._validation import MAX_RESAMPLES, Choice, Integer, Real, validate_params


def _z(confidence):
    return float(stats.norm.ppf(0.5 + check_confidence(confidence) / 2))


def _check_half(h):
    if not 0 < h < 1:
        raise ReliabilityError(f"target half-width must be in (0, 1); got {h!r}")


def wilson_half_width(p: float, n, confidence: float = 0.95) -> np.ndarray:
    """Half-width of the Wilson interval at observed proportion p for sample sizes n
    (from the one Wilson interval, :func:`reliability.inference.wilson_interval`)."""
    n = np.asarray(n, dtype=float)
    lo, hi = wilson_interval(np.asarray(p, dtype=float) * n, n, confidence)
    return (np.asarray(hi) - np.asarray(lo)) / 2


def n_for_agreement(p: float, half_width: float, *, confidence: float = 0.95,
                    n_max: int = 10_000_000) -> dict:
    """Pairs needed so the CI of the agreement has the target half-width at agreement p."""
    _check_half(half_width)
    if not 0 <= p <= 1:
        raise ReliabilityError(f"assumed agreement must be in [0, 1]; got {p!r}")
    z = _z(confidence)
    normal_n = int(np.ceil(z * z * p * (1 - p) / half_width**2)) if 0 < p < 1 else 1
    lo, hi = 1, max(2, normal_n * 2 + 10)
    while wilson_half_width(p, hi, confidence) > half_width:
        hi *= 2
        if hi > n_max:
            raise ReliabilityError("target half-width needs more than n_max pairs")
    while lo < hi:  # smallest n with half-width <= target (monotone in n)
        mid = (lo + hi) // 2
        if wilson_half_width(p, mid, confidence) <= half_width:
            hi = mid
        else:
            lo = mid + 1
    return {"n_wilson": int(lo), "n_normal": normal_n, "agreement": p,
            "half_width": half_width, "ci_level": confidence,
            "method": "smallest n with Wilson half-width <= target at the assumed agreement; "
                      "n_normal = z^2 p(1-p)/h^2"}


def kappa_model_table(kappa: float, prevalence) -> np.ndarray:
    """Expected two-team table with common prevalences and Cohen's kappa ``kappa``."""
    pi = np.asarray(prevalence, dtype=float)
    if pi.ndim == 0:
        pi = np.array([float(pi), 1 - float(pi)])
    if (pi <= 0).any() or abs(pi.sum() - 1) > 1e-9:
        raise ReliabilityError(f"prevalences must be positive and sum to 1; got {pi.tolist()}")
    table = (1 - kappa) * np.outer(pi, pi) + kappa * np.diag(pi)
    if (table < -1e-12).any():
        raise ReliabilityError(
            f"kappa {kappa} is impossible with prevalences {pi.tolist()} (negative cell)")
    return np.clip(table, 0, None)


def n_for_kappa(kappa: float, prevalence, half_width: float, *,
                confidence: float = 0.95) -> dict:
    """Pairs needed for a kappa CI of the target half-width (FCE large-sample variance)."""
    _check_half(half_width)
    p = kappa_model_table(kappa, prevalence)
    v, _ = kappa_variance(p)
    z = _z(confidence)
    return {"n": int(np.ceil(z * z * float(v) / half_width**2)), "variance_per_pair": float(v),
            "kappa": kappa, "prevalence": p.sum(axis=1).tolist(),
            "half_width": half_width, "ci_level": confidence,
            "method": "n = z^2 v / h^2, v = Fleiss-Cohen-Everitt (1969) large-sample variance "
                      "at the expected table (1-kappa) pi pi' + kappa diag(pi)"}


@validate_params({"n_sim": Integer(2, MAX_RESAMPLES), "confidence": "shared", "seed": "shared"})
def simulate_kappa_precision(kappa: float, prevalence, n_values, *, n_sim: int = 2000,
                             confidence: float = 0.95, seed=None) -> dict:
    """Monte Carlo precision of kappa for each n: mean Wald half-width and SD of kappa-hat.

    Replicates whose kappa is undefined (a single category used) are dropped and counted.
    """
    p = kappa_model_table(kappa, prevalence)
    rng = np.random.default_rng(seed)
    z = _z(confidence)
    out = []
    for n in np.atleast_1d(n_values).astype(int):
        tables = rng.multinomial(int(n), p.ravel(), size=int(n_sim)).reshape(-1, *p.shape)
        props = tables / n
        po = np.trace(props, axis1=1, axis2=2)
        pe = (props.sum(axis=2) * props.sum(axis=1)).sum(axis=1)
        ok = pe < 1
        kap = (po[ok] - pe[ok]) / (1 - pe[ok])
        v, _ = kappa_variance(props[ok])
        half = z * np.sqrt(np.clip(v, 0, None) / n)
        cover = np.mean(np.abs(kap - kappa) <= half) if ok.any() else np.nan
        out.append({"n": int(n), "mean_half_width": float(half.mean()),
                    "empirical_half_width": float(z * kap.std(ddof=1)),
                    "coverage": float(cover), "n_undefined": int((~ok).sum())})
    return {"kappa": kappa, "n_sim": int(n_sim), "seed": seed, "results": out}


@validate_params({"n_sim": Integer(2, MAX_RESAMPLES), "confidence": "shared", "seed": "shared"})
def n_for_kappa_simulated(kappa: float, prevalence, half_width: float, *, n_sim: int = 2000,
                          confidence: float = 0.95, seed=None, grid=None) -> dict:
    """Smallest n on a grid (default around the analytic n) whose simulated mean Wald
    half-width is at most the target."""
    analytic = n_for_kappa(kappa, prevalence, half_width, confidence=confidence)["n"]
    if grid is None:
        grid = np.unique(np.round(analytic * np.linspace(0.7, 1.4, 15)).astype(int))
    sim = simulate_kappa_precision(kappa, prevalence, grid, n_sim=n_sim,
                                   confidence=confidence, seed=seed)
    ok = [r["n"] for r in sim["results"] if r["mean_half_width"] <= half_width]
    return {"n": int(min(ok)) if ok else None, "n_analytic": analytic, **sim}


@validate_params({"n_sim": Integer(2, MAX_RESAMPLES), "confidence": "shared", "seed": "shared"})
def n_for_agreement_simulated(p: float, half_width: float, *, n_sim: int = 20000,
                              confidence: float = 0.95, seed=None, grid=None) -> dict:
    """Smallest n on a grid whose *expected* Wilson half-width (over binomial samples at
    agreement p, seeded, all replicates in one draw per n) is at most the target.

    The analytic :func:`n_for_agreement` plugs in the assumed p; this averages the
    half-width over the observed proportions a study would actually see.
    """
    _check_half(half_width)
    analytic = n_for_agreement(p, half_width, confidence=confidence)["n_wilson"]
    if grid is None:
        grid = np.unique(np.round(analytic * np.linspace(0.8, 1.25, 19)).astype(int))
    rng = np.random.default_rng(seed)
    rows = []
    for n in np.atleast_1d(grid).astype(int):
        k = rng.binomial(int(n), p, size=int(n_sim))
        half = wilson_half_width(k / n, n, confidence)
        rows.append({"n": int(n), "mean_half_width": float(half.mean())})
    ok = [r["n"] for r in rows if r["mean_half_width"] <= half_width]
    return {"n": int(min(ok)) if ok else None, "n_analytic": analytic, "n_sim": int(n_sim),
            "seed": seed, "results": rows}


# ---------------------------------------------------------------------- power of kappa tests
_KAPPA_METHODS = ("normal", "goodness-of-fit")


def _kappa_check(kappa, kappa0, prevalence, method):
    if method == "goodness-of-fit":
        pi = np.asarray(prevalence, dtype=float)
        if pi.ndim != 0 and pi.size != 2:
            raise ReliabilityError("method 'goodness-of-fit' (Donner & Eliasziw 1992) is for "
                                   "two categories: give the prevalence of the first one")
    return kappa_model_table(kappa, prevalence), kappa_model_table(kappa0, prevalence)


def _de_cells(table):
    """The three cell probabilities of a binary two-rater table (both +, one +, both -)."""
    return np.array([table[0, 0], table[0, 1] + table[1, 0], table[1, 1]])


def _kappa_power(p1, p0, kappa, kappa0, n, alpha, method):
    n = np.asarray(n, dtype=float)
    if method == "normal":
        v1, _ = kappa_variance(p1)
        v0, _ = kappa_variance(p0)
        z = stats.norm.isf(alpha)
        return stats.norm.cdf((abs(kappa - kappa0) * np.sqrt(n) - z * np.sqrt(float(v0)))
                              / np.sqrt(float(v1)))
    c1, c0 = _de_cells(p1), _de_cells(p0)
    lam = n * float(np.sum((c1 - c0) ** 2 / c0))
    return stats.ncx2.sf(stats.chi2.isf(alpha, 1), 1, lam)


@validate_params({"kappa": Real(-1, 1, closed="neither"), "kappa0": Real(-1, 1, closed="neither"),
                  "alpha": Real(0, 0.5, closed="neither"), "method": Choice(_KAPPA_METHODS)})
def kappa_power(kappa, kappa0, prevalence, n, *, alpha=0.05, method="normal"):
    """Power of a test of H0: kappa = ``kappa0`` for ``n`` pairs of inspections.

    Two teams (raters) share the category prevalences ``prevalence`` (a vector, or the
    prevalence of the first of two categories); the expected table at any kappa is
    :func:`kappa_model_table`.

    * ``method="normal"`` (default; any number of categories): the one-sided z test of
      kappa-hat against ``kappa0`` with the Fleiss-Cohen-Everitt (1969) large-sample
      variance evaluated at the planned margins, under H0 (``v0``, table at ``kappa0``)
      and under H1 (``v1``, table at ``kappa``) - the approach of Flack et al. (1988)
      and Cantor (1996): power ``= Phi((|kappa - kappa0| sqrt(n) - z_alpha sqrt(v0)) /
      sqrt(v1))``.
    * ``method="goodness-of-fit"`` (two categories): Donner & Eliasziw (1992). The three
      cell probabilities (both positive, discordant, both negative) ``P_l(kappa)`` give the
      non-centrality ``lambda = n sum_l (P_l(kappa) - P_l(kappa0))^2 / P_l(kappa0)`` of the
      1-df chi-square goodness-of-fit test; power ``= P(chi2_1(lambda) > chi2_{1,1-alpha})``
      (two-sided in kappa).

    Checked against the simulated rejection rates of both tests on multinomial tables
    (tests/consistency/test_kappa_power.py).

    Returns
    -------
    float or ndarray (for an array ``n``)
    """
    arr = np.asarray(n)
    ok = (arr.size > 0 and arr.dtype != bool and np.issubdtype(arr.dtype, np.number)
          and bool(np.all(np.isfinite(arr))) and bool(np.all(np.mod(arr, 1) == 0))
          and bool(np.all(arr >= 1)))
    if not ok:
        raise ReliabilityError(f"option n={n!r} of kappa_power() is not allowed: must be whole "
                               "numbers >= 1 (pairs)")
    p1, p0 = _kappa_check(kappa, kappa0, prevalence, method)
    out = _kappa_power(p1, p0, float(kappa), float(kappa0), arr.astype(float), float(alpha),
                       method)
    return float(out) if np.ndim(n) == 0 else out


@validate_params({"kappa": Real(-1, 1, closed="neither"), "kappa0": Real(-1, 1, closed="neither"),
                  "alpha": Real(0, 0.5, closed="neither"), "power": Real(0, 1, closed="neither"),
                  "method": Choice(_KAPPA_METHODS)})
def kappa_sample_size(kappa, kappa0, prevalence, *, alpha=0.05, power=0.8,
                      method="normal") -> dict:
    """Pairs of inspections needed for a test of H0: kappa = ``kappa0`` to reach ``power``.

    The smallest ``n`` with ``kappa_power(kappa, kappa0, prevalence, n) >= power`` (both
    methods' power increases with ``n``). ``method="normal"``: ``n = ceil(((z_alpha
    sqrt(v0) + z_beta sqrt(v1)) / (kappa - kappa0))^2)`` (Flack et al. 1988);
    ``"goodness-of-fit"``: Donner & Eliasziw (1992), whose normal approximation of the
    non-central chi-square, ``n = (z_{alpha/2} + z_beta)^2 / sum_l (P_l(kappa) -
    P_l(kappa0))^2 / P_l(kappa0)``, is returned as ``n_approx``.

    Returns
    -------
    dict
        ``n``, ``power`` (at ``n``), ``power_previous`` (at ``n - 1``), ``n_approx``,
        ``kappa, kappa0, prevalence, alpha, target_power, method``.
    """
    if kappa == kappa0:
        raise ReliabilityError("kappa_sample_size needs kappa != kappa0")
    if method == "normal" and kappa < kappa0:
        raise ReliabilityError("method 'normal' is the one-sided test of kappa > kappa0: "
                               f"needs kappa > kappa0; got {kappa!r} <= {kappa0!r}")
    p1, p0 = _kappa_check(kappa, kappa0, prevalence, method)

    def pw(m):
        return float(_kappa_power(p1, p0, float(kappa), float(kappa0), float(m), alpha,
                                  method))

    if method == "normal":
        v1, _ = kappa_variance(p1)
        v0, _ = kappa_variance(p0)
        root = (stats.norm.isf(alpha) * np.sqrt(float(v0))
                + stats.norm.isf(1 - power) * np.sqrt(float(v1))) / abs(kappa - kappa0)
        approx = root * root
    else:
        c1, c0 = _de_cells(p1), _de_cells(p0)
        z = stats.norm.isf(alpha / 2) + stats.norm.isf(1 - power)
        approx = z * z / float(np.sum((c1 - c0) ** 2 / c0))
    n = max(1, int(np.ceil(approx)))
    while n > 1 and pw(n - 1) >= power:      # rounding / approximation: step to the smallest
        n -= 1
    while pw(n) < power:
        n += 1
    return {"n": int(n), "power": pw(n), "power_previous": pw(n - 1) if n > 1 else float("nan"),
            "n_approx": int(np.ceil(approx)), "kappa": float(kappa), "kappa0": float(kappa0),
            "prevalence": p1.sum(axis=1).tolist(), "alpha": float(alpha),
            "target_power": float(power), "method": method}
