"""Benchmarking an agreement coefficient on the Landis-Koch, Fleiss and Altman scales.

* ``method="deterministic"``: the band the point estimate falls in (the usual reading).
* ``method="probabilistic"``: Gwet's (2014, *Handbook of Inter-Rater Reliability*, 4th ed.,
  ch. 6) interval membership probabilities. With ``kappa ~ N(estimate, se^2)`` truncated to
  [-1, 1], band ``(a, b]`` has probability
  ``(Phi((k - a)/se) - Phi((k - b)/se)) / (Phi((k + 1)/se) - Phi((k - 1)/se))``; bands are
  accumulated from the top one down and the band chosen is the first (highest) whose
  cumulative membership probability reaches ``threshold`` (0.95). Checked against irrCAC
  0.4.4 ``irrCAC.benchmark.Benchmark`` (tests/data/gwet_pvalues_irrcac.json).

Bands and their end points (the deterministic reading; a value on a boundary goes to the
band the scale's printed ranges put it in):

* Landis & Koch (1977), Biometrics 33:159-174: < 0 poor, 0-.20 slight, .21-.40 fair,
  .41-.60 moderate, .61-.80 substantial, .81-1 almost perfect;
* Fleiss (1981), *Statistical Methods for Rates and Proportions*, 2nd ed.: < .40 poor,
  .40-.75 intermediate to good, > .75 excellent;
* Altman (1991), *Practical Statistics for Medical Research*: <= .20 poor, .21-.40 fair,
  .41-.60 moderate, .61-.80 good, .81-1 very good.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from reliability._errors import ReliabilityError
from reliability._validation import Choice, Real, validate_params

# (label, lower, upper, lower bound inclusive), from the top band down
SCALES = {
    "landis-koch": (("almost perfect", 0.8, 1.0, False), ("substantial", 0.6, 0.8, False),
                    ("moderate", 0.4, 0.6, False), ("fair", 0.2, 0.4, False),
                    ("slight", 0.0, 0.2, True), ("poor", -1.0, 0.0, True)),
    "fleiss": (("excellent", 0.75, 1.0, False), ("intermediate to good", 0.4, 0.75, True),
               ("poor", -1.0, 0.4, True)),
    "altman": (("very good", 0.8, 1.0, False), ("good", 0.6, 0.8, False),
               ("moderate", 0.4, 0.6, False), ("fair", 0.2, 0.4, False),
               ("poor", -1.0, 0.2, True)),
}
SCALE_SOURCES = {"landis-koch": "Landis & Koch (1977)", "fleiss": "Fleiss (1981)",
                 "altman": "Altman (1991)"}


@dataclass(frozen=True)
class Benchmark:
    """Where a coefficient falls on a benchmark scale.

    Attributes
    ----------
    scale, method : str
    band : str
        The band chosen (``""`` with a ``reason`` when undefined).
    bands : list of dict
        From the top band down: ``band``, ``lower``, ``upper`` and, for the probabilistic
        method, ``probability`` (membership) and ``cumulative``.
    estimate, se, threshold : float
    reason : str
    """

    scale: str
    method: str
    band: str
    bands: list = field(default_factory=list)
    estimate: float = float("nan")
    se: float = float("nan")
    threshold: float = 0.95
    reason: str = ""

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({"scale": self.scale, "method": self.method, "band": self.band,
                          "threshold": self.threshold if self.method == "probabilistic"
                          else None, "bands": self.bands, "reason": self.reason})

    def to_frame(self):
        """One row per band (top first): bounds and, if probabilistic, the probabilities."""
        import pandas as pd

        frame = pd.DataFrame(self.bands).set_index("band")
        frame["chosen"] = frame.index == self.band
        return frame

    def summary(self) -> str:
        if self.reason:
            return f"{SCALE_SOURCES[self.scale]}: undefined ({self.reason})"
        head = f"{SCALE_SOURCES[self.scale]} ({self.method}): {self.band}"
        if self.method == "deterministic":
            return head
        rows = [f"  {b['band']:<22} ({b['lower']:g}, {b['upper']:g}]  p {b['probability']:.4f}"
                f"  cumulative {b['cumulative']:.4f}" for b in self.bands]
        return "\n".join([head + f" (first band with cumulative probability >= "
                                 f"{self.threshold:g})"] + rows)


def membership_probabilities(estimate, se, scale="landis-koch"):
    """Gwet's (2014, ch. 6) probabilities that the coefficient lies in each band of ``scale``
    (top band first): normal sampling distribution truncated to [-1, 1]."""
    bands = SCALES[scale]
    lo = np.array([b[1] for b in bands])
    hi = np.array([b[2] for b in bands])
    k, s = float(estimate), float(se)
    total = stats.norm.cdf((k + 1) / s) - stats.norm.cdf((k - 1) / s)
    return (stats.norm.cdf((k - lo) / s) - stats.norm.cdf((k - hi) / s)) / total


@validate_params({"scale": Choice(tuple(SCALES)),
                  "method": Choice(("deterministic", "probabilistic")),
                  "threshold": Real(0, 1, closed="neither")})
def benchmark(estimate, *, scale="landis-koch", method="probabilistic", se=None,
              threshold=0.95) -> Benchmark:
    """The band of a benchmark scale an agreement coefficient falls in.

    Parameters
    ----------
    estimate : Estimate or float
        A coefficient (its ``estimate`` and ``se`` are used) or a number.
    scale : {"landis-koch", "fleiss", "altman"}
        Landis & Koch (1977), Fleiss (1981) or Altman (1991) bands (module docs).
    method : {"probabilistic", "deterministic"}
        ``"probabilistic"`` (default): Gwet's (2014, ch. 6) cumulative membership
        probabilities from the normal sampling distribution ``N(estimate, se^2)``
        truncated to [-1, 1] (as irrCAC ``Benchmark``); the band is the highest one whose
        cumulative probability reaches ``threshold``. ``"deterministic"``: the band the point
        estimate falls in.
    se : float, optional
        The SE when ``estimate`` is a number (needed for the probabilistic method).
    threshold : float
        Cumulative probability the chosen band must reach (Gwet: 0.95).

    Returns
    -------
    Benchmark
        ``band``, and per band its bounds (and membership / cumulative probabilities).
    """
    if hasattr(estimate, "estimate"):
        k = float(estimate.estimate)
        s = float(estimate.se) if se is None else float(se)
    else:
        try:
            k = float(estimate)
        except (TypeError, ValueError):
            raise ReliabilityError(f"benchmark needs an Estimate or a number; got "
                                   f"{type(estimate).__name__}") from None
        s = float("nan") if se is None else float(se)
    rows = [{"band": b[0], "lower": b[1], "upper": b[2]} for b in SCALES[scale]]
    out = dict(scale=scale, method=method, estimate=k, se=s, threshold=threshold)
    if not math.isfinite(k):
        return Benchmark(band="", bands=rows, reason="the coefficient is undefined (NaN)", **out)
    if k > 1 + 1e-12 or k < -1 - 1e-12:
        return Benchmark(band="", bands=rows, reason=f"{k:g} is outside [-1, 1]", **out)
    if method == "deterministic":
        for label, lo, hi, lo_closed in SCALES[scale]:
            if (k > lo or (lo_closed and k >= lo)) and k <= hi + 1e-12:
                return Benchmark(band=label, bands=rows, **out)
        return Benchmark(band=SCALES[scale][-1][0], bands=rows, **out)   # k = -1
    if not math.isfinite(s) or s < 0:
        return Benchmark(band="", bands=rows, reason="the probabilistic benchmark needs a "
                         "finite standard error", **out)
    if s == 0:
        det = benchmark(k, scale=scale, method="deterministic")
        p = np.array([1.0 if r["band"] == det.band else 0.0 for r in rows])
    else:
        p = membership_probabilities(k, s, scale)
    cum = np.minimum(np.cumsum(p), 1.0)
    for r, pi, ci in zip(rows, p, cum):
        r["probability"], r["cumulative"] = float(pi), float(ci)
    chosen = int(np.argmax(cum >= threshold - 1e-12))
    return Benchmark(band=rows[chosen]["band"], bands=rows, **out)
