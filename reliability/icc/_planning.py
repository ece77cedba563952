"""Sample size and power for intraclass correlations: how many schools (units) and inspectors.

* :func:`icc_power` - power of the exact F test of H0: ICC = rho0 against ICC > rho0 for
  the one-way ICC(1) or the consistency ICC(C,1) (McGraw & Wong 1996, Table 8), from the
  central F distribution: with ``c(rho) = (1 + (k-1) rho) / (1 - rho)`` the ratio
  ``MSR/MSW`` is ``c(rho)`` times a central ``F(n-1, df2)`` variable (Scheffe 1959, ch. 7),
  so the power at the true ``rho`` is ``P(F(n-1, df2) > F_{1-alpha} c(rho0) / c(rho))``
  (Walter, Eliasziw & Donner 1998, eq. 3; Donner & Eliasziw 1987).
* :func:`icc_sample_size` - the smallest number of units ``n`` whose power reaches the
  target, beside Walter, Eliasziw & Donner's (1998) closed-form approximation.
* :func:`icc_ci_width_sample_size` - units needed for an ICC(1) interval of a planned
  width (Bonett 2002).

Checked against simulation (the rejection rate of the library's F test on simulated
one-way and two-way data, tests/icc/test_icc_planning.py). Kappa planning is in
:mod:`reliability.consistency` (``kappa_power``, ``kappa_sample_size``), beside the other
agreement planning functions.

References
----------
Walter, S. D., Eliasziw, M., & Donner, A. (1998). Sample size and optimal designs for
reliability studies. *Statistics in Medicine*, 17(1), 101-110.
Bonett, D. G. (2002). Sample size requirements for estimating intraclass correlations with
desired precision. *Statistics in Medicine*, 21(9), 1331-1335.
McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass correlation
coefficients. *Psychological Methods*, 1(1), 30-46.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._validation import Choice, Integer, Real, validate_params

_RHO = Real(0, 1, closed="left")
_ALPHA = Real(0, 0.5, closed="neither")
_POWER = Real(0, 1, closed="neither")
_FORM = Choice(("oneway", "consistency"))


def _df2(n, k, form):
    n = np.asarray(n, dtype=float)
    return n * (k - 1) if form == "oneway" else (n - 1) * (k - 1)


def _c(rho, k):
    return (1 + (k - 1) * rho) / (1 - rho)


def _power(rho, rho0, n, k, alpha, form):
    n = np.asarray(n, dtype=float)
    crit = stats.f.isf(alpha, n - 1, _df2(n, k, form))
    return stats.f.sf(crit * _c(rho0, k) / _c(rho, k), n - 1, _df2(n, k, form))


@validate_params({"rho": _RHO, "rho0": _RHO, "k": Integer(2, None), "alpha": _ALPHA,
                  "form": _FORM})
def icc_power(rho, rho0, n, k, *, alpha=0.05, form="oneway"):
    """Power of the F test of H0: ICC = ``rho0`` (against ICC > rho0) with ``n`` units.

    Parameters
    ----------
    rho : float in [0, 1)
        The ICC assumed true (single rater).
    rho0 : float in [0, 1)
        The null value (0 tests whether units differ at all).
    n : int or array of int >= 2
        Numbers of units (schools).
    k : int >= 2
        Raters (inspectors) per unit.
    alpha : float in (0, 0.5)
        One-sided level.
    form : {"oneway", "consistency"}
        ``"oneway"``: ICC(1), each unit rated by its own raters, ``F = MSR/MSW`` on
        ``(n-1, n(k-1))``; ``"consistency"``: ICC(C,1) of a crossed design, ``F = MSR/MSE``
        on ``(n-1, (n-1)(k-1))``. The test of ICC(k) / ICC(C,k) = rho0_k is the same test
        with ``rho0`` its single-rater value.

    Returns
    -------
    float or ndarray
        ``P(F(n-1, df2) > F_{1-alpha}(n-1, df2) c(rho0) / c(rho))`` with
        ``c(rho) = (1 + (k-1) rho) / (1 - rho)`` (Walter, Eliasziw & Donner 1998). Exact
        for balanced normal data; checked against the simulated rejection rate of
        :func:`reliability.icc.icc`'s ``rho0`` test (tests/icc/test_icc_planning.py).
        ``alpha`` when ``rho == rho0``.
    """
    arr = np.asarray(n)
    ok = (arr.size > 0 and arr.dtype != bool and np.issubdtype(arr.dtype, np.number)
          and bool(np.all(np.isfinite(arr))) and bool(np.all(np.mod(arr, 1) == 0))
          and bool(np.all(arr >= 2)))
    if not ok:
        raise ReliabilityError(f"option n={n!r} of icc_power() is not allowed: must be whole "
                               "numbers >= 2 (units)")
    out = _power(float(rho), float(rho0), arr.astype(float), int(k), float(alpha), form)
    return float(out) if np.ndim(n) == 0 else out


@validate_params({"rho": _RHO, "rho0": _RHO, "k": Integer(2, None), "alpha": _ALPHA,
                  "power": _POWER, "form": _FORM, "n_max": Integer(3, 10**9)})
def icc_sample_size(rho, rho0, *, k, alpha=0.05, power=0.8, form="oneway",
                    n_max=10_000_000) -> dict:
    """Units needed so the F test of H0: ICC = ``rho0`` has the target power at ``rho``.

    The smallest ``n >= 2`` with ``icc_power(rho, rho0, n, k) >= power`` (the power
    increases with ``n``; found by doubling and bisection on the exact power), beside the
    closed-form approximation of Walter, Eliasziw & Donner (1998, eq. 6)
    ``n = 1 + 2 k (z_alpha + z_beta)^2 / ((k - 1) ln(c(rho0) / c(rho))^2)``.

    Returns
    -------
    dict
        ``n`` (units), ``n_total`` (ratings ``n k``), ``power`` at ``n`` and
        ``power_previous`` at ``n - 1`` (below the target, unless ``n = 2``),
        ``n_approx`` (Walter et al.), ``rho, rho0, k, alpha, target_power, form, method``.
    """
    if not rho > rho0:
        raise ReliabilityError(f"icc_sample_size needs rho > rho0 (a one-sided test); got "
                               f"rho={rho!r}, rho0={rho0!r}")
    rho, rho0, k, alpha, power = float(rho), float(rho0), int(k), float(alpha), float(power)

    def pw(m):
        return float(_power(rho, rho0, float(m), k, alpha, form))

    lo, hi = 2, 4
    while pw(hi) < power:
        lo, hi = hi, hi * 2
        if hi > n_max:
            raise ReliabilityError(f"the target power needs more than n_max={n_max} units")
    if pw(lo) >= power:
        hi = lo
    while lo < hi:
        mid = (lo + hi) // 2
        if pw(mid) >= power:
            hi = mid
        else:
            lo = mid + 1
    z = stats.norm.isf(alpha) + stats.norm.isf(1 - power)
    approx = 1 + 2 * k * z * z / ((k - 1) * math.log(_c(rho0, k) / _c(rho, k)) ** 2)
    return {"n": int(lo), "n_total": int(lo) * k, "power": pw(lo),
            "power_previous": pw(lo - 1) if lo > 2 else float("nan"),
            "n_approx": int(math.ceil(approx)), "rho": rho, "rho0": rho0, "k": k,
            "alpha": alpha, "target_power": power, "form": form,
            "method": "smallest n with exact F-test power >= target (Walter, Eliasziw & "
                      "Donner 1998); n_approx: their closed-form approximation"}


@validate_params({"rho": _RHO, "k": Integer(2, None), "width": Real(0, 2, closed="neither"),
                  "confidence": "shared"})
def icc_ci_width_sample_size(rho, k, width, *, confidence=0.95) -> dict:
    """Units needed for an ICC(1) interval of total width ``width`` (Bonett 2002).

    ``n = 8 z^2 (1 - rho)^2 (1 + (k-1) rho)^2 / (k (k-1) width^2) + 1`` rounded up, with
    ``z`` the two-sided normal quantile of ``confidence`` (Bonett 2002; the large-sample
    variance of Fisher's transformation of the ICC), plus ``5 rho`` when ``k = 2`` and
    ``rho >= 0.7`` (his correction; without it the simulated mean width at rho = .9,
    w = .1 is 6% too wide). Also returned: the width
    of the exact F interval (Shrout & Fleiss 1979) at that ``n`` when the observed F equals
    its population value ``c(rho)`` (``width_at_n``), a plug-in check of the approximation.
    Checked against the mean width of the exact interval on simulated one-way data
    (tests/icc/test_icc_planning.py).

    Returns
    -------
    dict
        ``n``, ``n_total``, ``width_at_n``, ``rho, k, width, confidence, method``.
    """
    rho, k, width = float(rho), int(k), float(width)
    z = stats.norm.ppf(0.5 + confidence / 2)
    n = 8 * z * z * (1 - rho) ** 2 * (1 + (k - 1) * rho) ** 2 / (k * (k - 1) * width ** 2) + 1
    if k == 2 and rho >= 0.7:
        n += 5 * rho        # Bonett's (2002) correction for two raters and a large ICC
    n = max(int(math.ceil(n - 1e-9)), 2)
    F = _c(rho, k)
    q = 0.5 + confidence / 2
    fl = F / stats.f.ppf(q, n - 1, n * (k - 1))
    fu = F * stats.f.ppf(q, n * (k - 1), n - 1)
    plug = (fu - 1) / (fu + k - 1) - (fl - 1) / (fl + k - 1)
    return {"n": n, "n_total": n * k, "width_at_n": float(plug), "rho": rho, "k": k,
            "width": width, "confidence": float(confidence),
            "method": "Bonett (2002): n = 8 z^2 (1-rho)^2 (1+(k-1)rho)^2 / (k(k-1)w^2) + 1 "
                      "(+ 5 rho for k = 2, rho >= 0.7)"}
