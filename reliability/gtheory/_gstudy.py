"""G studies and D studies for one- and two-facet random designs (Brennan 2001).

Designs (``p`` = object of measurement, ``r`` = first facet, ``o`` = second facet):

==============  =====================================  ======================================
design          effects (last one confounded with e)   call
==============  =====================================  ======================================
p x r           p, r, pr,e                             ``facets=("rater",)``
r:p             p, r:p,e                               ``facets=("rater",), nested="r:p"``
p x r x o       p, r, o, pr, po, ro, pro,e             ``facets=("rater", "occasion")``
(r:p) x o       p, o, r:p, po, ro:p,e                  ``facets=("rater", "occasion"),
                                                       nested="r:p"``
p x (r:o)       p, o, r:o, po, pr:o,e                  ``facets=("rater", "team"),
                                                       nested="r:o"``
==============  =====================================  ======================================

``nested`` names the first facet nested within the object (``"r:p"``, or with the column
names, e.g. ``"rater:school"``) or, with two facets, within the second facet (``"r:o"`` or
e.g. ``"rater:team"``: Brennan's p x (r:t), raters nested in teams or items in
hierarchies, p x (i:h)). Only the first facet can be nested.

Fixed facets (``fixed=("occasion",)``; Brennan 2001, section 4.4): the G study is the
random-effects one; in E rho^2 and Phi an effect whose facets are all fixed is not error
- with p in it, it joins the universe-score variance, ``sigma2_tau = sigma2(p) + sum
sigma2(p alpha) / n'(alpha)`` (e.g. ``sigma2(p) + sigma2(po) / n'_o`` with o fixed);
without p it drops out. Checked against Brennan's identity (fixing a facet equals
averaging over it and running the random G study; tests/gtheory/test_gstudy_fixed_nested.py).

Henderson's (1953) Method 1 (``method="henderson"``) is the quadratic-form estimator that
urGENOVA reports for unbalanced designs (:func:`_henderson_components`).

Estimation: balanced data (every cell observed once) use the ANOVA / expected-mean-
squares estimators (Brennan 2001, sections 3.4-3.5: ``EMS(a) = sum over effects b
containing a of pi(b-bar) sigma2(b)``, with ``pi(b-bar)`` the product of the sample sizes
of the indices not in ``b``). Unbalanced or incomplete data use REML
(:mod:`reliability._reml`: crossed/nested random factors, residual = the highest-order
effect). Negative ANOVA estimates are set to 0 (Brennan 2001, section 3.4.1, "set to
zero"), and - as Brennan recommends - the unmodified negative value is still used when the
other components are solved from the EMS equations; the raw value is kept in
``variance_raw``. REML estimates are non-negative by construction.

D study (Brennan 2001, ch. 4, random facets, persons as object): for planned sample sizes
``n'``, every effect other than ``p`` whose index set contains ``p`` adds
``sigma2 / prod(n' of its facets)`` to the relative error ``sigma2(delta)`` and to the
absolute error ``sigma2(Delta)``; effects without ``p`` add to ``sigma2(Delta)`` only.
``E rho^2 = s2p / (s2p + s2delta)`` and ``Phi = s2p / (s2p + s2Delta)``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, require_columns, show, warn_caller
from reliability._results import Estimate, EstimateTable, _fmt, json_safe
from reliability._validation import (AnyOf, Choice, Constraint, OptionError, Real, Text,
                                     check_option, validate_params)

METHODS = ("auto", "anova", "reml", "henderson")


@dataclass(frozen=True)
class Effect:
    name: str            # e.g. "unit", "rater", "unit x rater", "rater:unit"
    short: str           # Brennan letters, e.g. "p", "r", "pr", "r:p"
    axes: frozenset      # index set (0 = object, 1 = first facet, 2 = second facet)


def _effects(design, names):
    """Effects of a design in Brennan's order, with their index sets."""
    p, r = names[0], names[1]
    if design == "p x r":
        return [Effect(p, "p", frozenset({0})), Effect(r, "r", frozenset({1})),
                Effect(f"{p} x {r}, e", "pr,e", frozenset({0, 1}))]
    if design == "r:p":
        return [Effect(p, "p", frozenset({0})), Effect(f"{r}:{p}, e", "r:p,e", frozenset({0, 1}))]
    o = names[2]
    if design == "p x r x o":
        return [Effect(p, "p", frozenset({0})), Effect(r, "r", frozenset({1})),
                Effect(o, "o", frozenset({2})), Effect(f"{p} x {r}", "pr", frozenset({0, 1})),
                Effect(f"{p} x {o}", "po", frozenset({0, 2})),
                Effect(f"{r} x {o}", "ro", frozenset({1, 2})),
                Effect(f"{p} x {r} x {o}, e", "pro,e", frozenset({0, 1, 2}))]
    if design == "(r:p) x o":
        return [Effect(p, "p", frozenset({0})), Effect(o, "o", frozenset({2})),
                Effect(f"{r}:{p}", "r:p", frozenset({0, 1})),
                Effect(f"{p} x {o}", "po", frozenset({0, 2})),
                Effect(f"{r} x {o}:{p}, e", "ro:p,e", frozenset({0, 1, 2}))]
    if design == "p x (r:o)":
        return [Effect(p, "p", frozenset({0})), Effect(o, "o", frozenset({2})),
                Effect(f"{r}:{o}", "r:o", frozenset({1, 2})),
                Effect(f"{p} x {o}", "po", frozenset({0, 2})),
                Effect(f"{p} x {r}:{o}, e", "pr:o,e", frozenset({0, 1, 2}))]
    raise AssertionError(design)


@dataclass(frozen=True)
class GStudy:
    """Result of :func:`g_study`.

    Attributes
    ----------
    design : str
        ``"p x r"``, ``"r:p"``, ``"p x r x o"`` or ``"(r:p) x o"``.
    unit : str
        Column of the objects of measurement (``p``; schools, persons, lessons).
    facets : tuple of str
        Facet columns (``r`` and optionally ``o``).
    components : DataFrame
        ``source, short, variance, percent, method, se, ci_low, ci_high, ci_method``
        (+ ``variance_raw, df, SS, MS`` for ANOVA; + ``bootstrap_se, bootstrap_ci_low,
        bootstrap_ci_high`` when ``n_resamples > 0``). ``variance`` is non-negative. ``se``
        and the interval are analytic for balanced ANOVA (Brennan 2001 eq. 6.1,
        Satterthwaite), the bootstrap's for REML fits (NaN without one).
    n : dict
        G-study sample size per facet (harmonic mean of levels per object when unbalanced).
    n_objects : int
    method : str
        ``"anova"`` or ``"reml"``.
    notes : tuple of str
    confidence : float
        Level of every interval (components, coefficients, D-study table).
    n_resamples : int
        Bootstrap resamples over units (0: none).
    fixed : tuple of str
        Fixed facets of the universe of generalization (``g_study(fixed=)``; Brennan 2001,
        section 4.4); E rho^2, Phi and the D study treat them as fixed.
    """

    design: str
    unit: str
    facets: tuple
    components: pd.DataFrame
    n: Mapping[str, float]
    n_objects: int
    n_observations: int
    method: str
    notes: tuple = ()

    _effects: tuple = field(default=(), repr=False)
    confidence: float = 0.95
    n_resamples: int = 0
    _boot: Any = field(default=None, repr=False, compare=False)
    fixed: tuple = ()

    @property
    def object(self) -> str:
        """Deprecated name of :attr:`unit`."""
        warn_caller("GStudy.object is deprecated; use GStudy.unit", DeprecationWarning)
        return self.unit

    # ------------------------------------------------------------ D study core
    def _sizes(self, sizes: Mapping[str, float]) -> dict:
        out = dict(self.n)
        for key, value in sizes.items():
            if key not in self.facets:
                raise ReliabilityError(
                    f"unknown facet {key!r} for the D study; facets are {list(self.facets)}")
            if not _POSITIVE.accepts(value):
                raise OptionError(f"D-study size {key}={value!r} is not allowed: must be "
                                  f"{_POSITIVE.describe()}")
            out[key] = float(value)
        return out

    def error_variances(self, **sizes) -> tuple[float, float]:
        """``(sigma2_delta, sigma2_Delta)`` for planned sizes (default: G-study sizes)."""
        n = self._sizes(sizes)
        _, rel, absolute = _d_study(self._variances(), self._effects, self.facets,
                                    {f: np.array([v]) for f, v in n.items()}, self.fixed)
        return float(rel[0, 0]), float(absolute[0, 0])

    def universe_score_variance(self, **sizes) -> float:
        """``sigma2_tau``: sigma2(p), plus, with fixed facets, every p-effect whose facets are
        all fixed divided by their planned sizes (Brennan 2001, 4.4)."""
        n = self._sizes(sizes)
        tau, _, _ = _d_study(self._variances(), self._effects, self.facets,
                             {f: np.array([v]) for f, v in n.items()}, self.fixed)
        return float(tau[0, 0])

    def coefficients(self, **sizes) -> tuple[float, float]:
        """``(E rho^2, Phi)`` for planned numbers of conditions, e.g. ``rater=3``."""
        n = self._sizes(sizes)
        g, phi = _coefficients(self._variances(), self._effects, self.facets,
                               {f: np.array([v]) for f, v in n.items()}, self.fixed)
        return float(g[0, 0]), float(phi[0, 0])

    def _variances(self) -> np.ndarray:
        return self.components["variance"].to_numpy(dtype=float)[None, :]

    @property
    def g_coefficient(self) -> float:
        """Generalizability coefficient E rho^2 at the G-study sample sizes."""
        return self.coefficients()[0]

    @property
    def phi(self) -> float:
        """Index of dependability Phi at the G-study sample sizes."""
        return self.coefficients()[1]

    def d_study(self, **sizes) -> pd.DataFrame:
        """D-study table over every combination of planned sizes.

        ``result.d_study(rater=[1, 2, 3, 4], occasion=[1, 2])`` -> one row per design with
        the sizes, ``sigma2_delta``, ``sigma2_Delta``, ``g_coefficient`` and ``phi``.
        Facets not given keep their G-study size.
        """
        for key in sizes:
            if key not in self.facets:
                raise ReliabilityError(
                    f"unknown facet {key!r} for the D study; facets are {list(self.facets)}")
        grid = {}
        for f in self.facets:
            values = sizes.get(f, [self.n[f]])
            if np.isscalar(values):
                values = [values]
            grid[f] = list(values)
            for v in grid[f]:
                self._sizes({f: v})
        exact = self.design == "p x r" and self.method == "anova"
        rows = []
        for combo in itertools.product(*grid.values()):
            plan = dict(zip(grid, combo))
            rel, absolute = self.error_variances(**plan)
            g, phi = self.coefficients(**plan)
            row = {**{k: _num(v) for k, v in plan.items()}, "sigma2_delta": rel,
                   "sigma2_Delta": absolute, "g_coefficient": g, "phi": phi}
            if self.fixed:
                row["sigma2_tau"] = self.universe_score_variance(**plan)
            if exact:
                row.update(self.coefficient_intervals(plan[self.facets[0]], self.confidence))
            if self._boot is not None:
                boot = {}
                for name, j, value in (("g", 0, g), ("phi", 1, phi)):
                    b = self._bootstrap_coefficient(j, plan, value)
                    boot[f"{name}_ci_low"], boot[f"{name}_ci_high"] = b.ci
                if exact:       # the exact interval stays; the bootstrap's beside it
                    boot = {k.replace("_ci_", "_bootstrap_ci_"): v for k, v in boot.items()}
                row.update(boot)
            rows.append(row)
        return pd.DataFrame(rows)

    def _bootstrap_coefficient(self, j, plan, value):
        """The bootstrap (over units) of E rho^2 (``j=0``) or Phi (``j=1``) for ``plan``."""
        n = self._sizes(plan)
        arrays = {f: np.array([v]) for f, v in n.items()}
        return self._boot.run(lambda V: _coefficients(V, self._effects, self.facets,
                                                      arrays, self.fixed)[j][:, 0], value)

    def coefficient_estimates(self, **sizes) -> EstimateTable:
        """E rho^2 and Phi for planned sizes (default: the G-study sizes) as Estimates.

        Interval: the exact one for balanced p x r (``coefficient_intervals``), else the
        bootstrap over units when :func:`g_study` had ``n_resamples > 0``, else NaN with a
        ``reason``. ``se`` is the bootstrap SE (NaN without a bootstrap); ``ci_method`` in
        ``extra`` says which interval ``ci`` is.
        """
        n = self._sizes(sizes)
        g, phi = self.coefficients(**sizes)
        where = {f"n_{f}": _num(v) for f, v in n.items()}
        exact = self.design == "p x r" and self.method == "anova"
        intervals = self.coefficient_intervals(n[self.facets[0]], self.confidence) if exact else {}
        out = {}
        for j, (name, key, value, label) in enumerate((("g_coefficient", "g", g, "E rho^2"),
                                                       ("phi", "phi", phi, "Phi"))):
            method = (f"{label} (Brennan 2001, ch. 4) of the {self.method.upper()} variance "
                      "components")
            ci, se, se_kind, extra, reason = (np.nan, np.nan), np.nan, "none", dict(where), ""
            if exact:
                ci = (intervals[f"{key}_ci_low"], intervals[f"{key}_ci_high"])
                extra["ci_method"] = ("exact F of ICC(C,1) (Feldt) carried by Spearman-Brown"
                                      if key == "g" else "McGraw & Wong ICC(A,1) interval "
                                      "(Satterthwaite) carried by Spearman-Brown")
            if self._boot is not None:
                b = self._bootstrap_coefficient(j, sizes, value)
                se, se_kind = b.se, "bootstrap"
                extra["bootstrap"] = {"se": b.se, "ci": list(b.ci), "method": b.method,
                                      "n_resamples": b.n_resamples, "n_valid": b.n_valid,
                                      "seed": b.seed}
                method += f"; {b.method}"
                if not exact:
                    ci = b.ci
                    extra["ci_method"] = b.method.replace("bootstrap over units", "bootstrap")
            if "ci_method" not in extra:
                extra["ci_method"] = "none"
                reason = ("no interval: pass n_resamples=N to g_study for a bootstrap over "
                          "units (exact intervals exist for balanced p x r only)")
            if not math.isfinite(value):
                reason = "undefined: the unit and error variances are 0"
            out[name] = Estimate(name, value, se=se, ci=ci, ci_level=self.confidence,
                                 method=method, se_kind=se_kind, reason=reason, extra=extra)
        return EstimateTable(out, info={"design": self.design, "unit": self.unit,
                                        "method": self.method, **where})

    def coefficient_intervals(self, n_prime, confidence: float = 0.95) -> dict:
        """Exact intervals of E rho^2 and Phi for ``n_prime`` conditions (balanced p x r).

        E rho^2 with one condition is ICC(C,1) and Phi is ICC(A,1) of the same mean squares
        (McGraw & Wong 1996), so their exact F intervals (Feldt's for consistency,
        Satterthwaite's for absolute agreement) are computed by the ICC module and carried to
        ``n_prime`` conditions by the Spearman-Brown formula, which is increasing. At the
        G-study size they equal ICC(C,k) / ICC(A,k) of :func:`reliability.icc` (tested).
        Other designs: NaN.
        """
        from reliability._validation import check_option
        from reliability.icc import _anova

        check_option("confidence", confidence)
        nan = {"g_ci_low": np.nan, "g_ci_high": np.nan, "phi_ci_low": np.nan,
               "phi_ci_high": np.nan}
        if self.design != "p x r" or self.method != "anova":
            return nan
        comp = self.components.set_index("short")
        ms_p, ms_r, ms_e = (float(v) for v in comp["MS"])
        n, k = self.n_objects, int(round(self.n[self.facets[0]]))
        ms = {"MSR": [ms_p], "MSC": [ms_r], "MSE": [ms_e], "MSW": [np.nan]}
        est = _anova.icc_from_ms({key: np.array(v) for key, v in ms.items()}, n, k)
        with np.errstate(invalid="ignore", divide="ignore"):
            cis, _ = _anova.f_intervals({key: np.array(v) for key, v in ms.items()},
                                        est, n, k, confidence)

        def spearman_brown(b):
            if not np.isfinite(b):
                return float(b)
            if n_prime > 1 and b <= -1.0 / (n_prime - 1):   # below the formula's pole
                return float("-inf")
            return float(n_prime * b / (1 + (n_prime - 1) * b))

        lo3, hi3 = cis["ICC3"]
        lo2, hi2 = cis["ICC2"]
        return {"g_ci_low": spearman_brown(lo3), "g_ci_high": spearman_brown(hi3),
                "phi_ci_low": spearman_brown(lo2), "phi_ci_high": spearman_brown(hi2)}

    def minimal_design(self, target=0.8, *, coefficient="g", max_n=None, cost=None) -> dict:
        """Smallest D-study design reaching ``target``.

        Parameters
        ----------
        target : float
            Required coefficient.
        coefficient : {"g", "phi"}
            E rho^2 (relative decisions) or Phi (absolute decisions).
        max_n : int or dict, optional
            Largest size searched per facet (default 50 each).
        cost : dict, optional
            Cost per condition of each facet; the default cost of a design is the number
            of observations per object (product of the sizes). With ``cost`` the total is
            ``sum(cost[f] * n[f])``.

        Returns
        -------
        dict
            Facet sizes, ``g_coefficient``, ``phi``, ``observations_per_object``,
            ``reached`` (False, with the best design found, if the target is unreachable).
        """
        where = "minimal_design()"
        check_option("target", target, Real(0, 1, closed="neither"), where=where)
        check_option("coefficient", coefficient, Choice(("g", "phi")), where=where)
        if max_n is None:
            max_n = {f: 50 for f in self.facets}
        elif not isinstance(max_n, Mapping):
            check_option("max_n", max_n, _MAX_N, where=where)
            max_n = {f: int(max_n) for f in self.facets}
        for f, v in max_n.items():
            if f not in self.facets:
                raise OptionError(f"option max_n of {where} names {f!r}, which is not a facet; "
                                  f"facets are {list(self.facets)}")
            check_option(f"max_n[{f!r}]", v, _MAX_N, where=where)
        if cost is not None:
            if not isinstance(cost, Mapping):
                raise OptionError(f"option cost={cost!r} of {where} is not allowed: must be a "
                                  "dict of facet -> cost per condition")
            for f, v in cost.items():
                if f not in self.facets:
                    raise OptionError(f"option cost of {where} names {f!r}, which is not a "
                                      f"facet; facets are {list(self.facets)}")
                check_option(f"cost[{f!r}]", v, _POSITIVE, where=where)
        ranges = [np.arange(1, int(max_n.get(f, 50)) + 1) for f in self.facets]
        mesh = np.meshgrid(*ranges, indexing="ij")
        plans = {f: m.ravel().astype(float) for f, m in zip(self.facets, mesh)}
        table = self._vector_coefficients(plans)
        value = table[0] if coefficient == "g" else table[1]
        if cost is None:
            total = np.prod(np.vstack(list(plans.values())), axis=0)
        else:
            total = sum(float(cost.get(f, 1.0)) * plans[f] for f in self.facets)
        ok = value >= target
        reached = bool(ok.any())
        if reached:
            order = np.lexsort((-value, total, ~ok))
        else:
            order = np.argsort(-np.nan_to_num(value, nan=-np.inf))
        i = int(order[0])
        out = {f: int(plans[f][i]) for f in self.facets}
        out.update({"g_coefficient": float(table[0][i]), "phi": float(table[1][i]),
                    "observations_per_object": int(np.prod([plans[f][i] for f in self.facets])),
                    "coefficient": coefficient, "target": float(target), "reached": reached})
        if cost is not None:
            out["cost"] = float(total[i])
        return out

    def _vector_coefficients(self, plans):
        g, phi = _coefficients(self._variances(), self._effects, self.facets, plans, self.fixed)
        return g[0], phi[0]

    # ------------------------------------------------------------ output
    def to_dict(self, d_study: Mapping | None = None) -> dict:
        comps = [{"source": row["source"], "short": row["short"], "variance": row["variance"],
                  "percent": row["percent"], "method": row["method"],
                  **{k: row[k] for k in ("variance_raw", "se", "ci_method", "bootstrap_se")
                     if k in row},
                  **({"ci": [row["ci_low"], row["ci_high"]]} if "ci_low" in row else {}),
                  **({"bootstrap_ci": [row["bootstrap_ci_low"], row["bootstrap_ci_high"]]}
                     if "bootstrap_ci_low" in row else {})}
                 for _, row in self.components.iterrows()]
        out = {"design": self.design, "unit": self.unit, "object": self.unit, "facets": list(self.facets),
               "n_objects": self.n_objects, "n_observations": self.n_observations,
               "n": dict(self.n), "method": self.method, "confidence": self.confidence,
               "n_resamples": self.n_resamples, "fixed": list(self.fixed), "components": comps,
               "g_coefficient": self.g_coefficient, "phi": self.phi,
               "coefficients": {k: v.to_dict() for k, v in
                                self.coefficient_estimates().estimates.items()}}
        table = self.d_study(**(d_study or {}))
        out["d_study"] = table.to_dict(orient="records")
        out["notes"] = list(self.notes)
        return json_safe(out)

    def to_frame(self) -> pd.DataFrame:
        return self.components.copy()

    def summary(self, d_study: Mapping | None = None) -> str:
        sizes = ", ".join(f"n_{f} = {_fmt(v, 3)}" for f, v in self.n.items())
        lines = [f"G study, design {self.design} ({self.method.upper()}): {self.n_objects} "
                 f"{self.unit} objects, {self.n_observations} observations; {sizes}"]
        if self.fixed:
            lines.append(f"fixed facet(s): {', '.join(self.fixed)} (E rho^2 and Phi for the "
                         "universe with these conditions fixed; Brennan 2001, 4.4)")
        pct = f"{100 * self.confidence:g}%"
        cols = ["source", "variance", "percent", "se", "ci_low", "ci_high"]
        if "df" in self.components:
            cols = ["source", "df", "SS", "MS", "variance_raw", "variance", "se", "ci_low",
                    "ci_high", "percent"]
        lines.append(self.components[cols].to_string(index=False,
                                                     float_format=lambda x: _fmt(x)))
        kinds = sorted(set(self.components["ci_method"]) - {"none",
                                                            "none (estimate not positive)"})
        lines.append(f"{pct} intervals of the components: "
                     + ("; ".join(kinds) if kinds else "none (REML: pass n_resamples=N / "
                                                       "--bootstrap N)"))
        if "bootstrap_se" in self.components and self.method == "anova":
            lines.append(f"bootstrap over units (B={self.n_resamples}), {pct} intervals:")
            lines.append(self.components[["source", "bootstrap_se", "bootstrap_ci_low",
                                          "bootstrap_ci_high"]].to_string(
                index=False, float_format=lambda x: _fmt(x)))
        coefs = self.coefficient_estimates()

        def ci(e):
            lo, hi = e.ci
            return f" {pct} CI [{_fmt(lo)}, {_fmt(hi)}]" if np.isfinite(lo) else ""

        g, phi = coefs["g_coefficient"], coefs["phi"]
        lines.append(f"E rho^2 = {_fmt(g.estimate)}{ci(g)}   Phi = {_fmt(phi.estimate)}"
                     f"{ci(phi)}  (at the G-study sample sizes)")
        if np.isfinite(g.ci[0]) or np.isfinite(phi.ci[0]):
            lines.append(f"coefficient intervals: E rho^2 {g.extra['ci_method']}; Phi "
                         f"{phi.extra['ci_method']}")
        lines.append("D study:")
        lines.append(self.d_study(**(d_study or {})).to_string(index=False,
                                                               float_format=lambda x: _fmt(x)))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


_POSITIVE = Real(0, None, closed="neither")


@dataclass(frozen=True)
class _MaxN(Constraint):
    """The largest D-study size searched: an integer from 1 to 10,000."""

    def accepts(self, value) -> bool:
        return (not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Integral)
                and 1 <= value <= 10_000)

    def describe(self) -> str:
        return "an integer from 1 to 10000"


_MAX_N = _MaxN()


@dataclass(frozen=True)
class _Facets(Constraint):
    """One or two distinct facet columns: a sequence, or a comma-separated string."""

    def accepts(self, value) -> bool:
        if isinstance(value, str):
            names = [f.strip() for f in value.split(",") if f.strip()]
        elif isinstance(value, (list, tuple)):
            names = list(value)
        else:
            return False
        return 1 <= len(names) <= 2 and len(set(map(str, names))) == len(names)

    def describe(self) -> str:
        return "one or two distinct facet columns (e.g. ('rater',) or 'rater,occasion')"


def _d_study(V, effects, facets, plans, fixed=()):
    """``(s2tau, sigma2_delta, sigma2_Delta)`` as ``(B, P)`` arrays for ``B`` rows of variance
    components ``V`` (in the order of ``effects``) and ``P`` planned designs (``plans``: facet
    -> array of P sizes): the one D-study formula (Brennan 2001, ch. 4): every effect other
    than p adds sigma2 / prod(n' of its facets) to the absolute error, and to the relative
    error too when it contains p. Fixed facets (Brennan 2001, 4.4): an effect whose facets
    are all fixed is not error - it adds sigma2 / prod(n') to the universe-score variance
    ``s2tau`` when it contains p, and nothing otherwise."""
    V = np.atleast_2d(np.asarray(V, dtype=float))
    size = len(next(iter(plans.values())))
    rel = np.zeros((V.shape[0], size))
    absolute = np.zeros((V.shape[0], size))
    s2p = None
    tau_parts = []
    for j, eff in enumerate(effects):
        if eff.short == "p":
            s2p = V[:, j][:, None] * np.ones((1, size))
            continue
        div = np.ones(size)
        for ax in eff.axes:
            if ax > 0:
                div = div * np.asarray(plans[facets[ax - 1]], dtype=float)
        part = V[:, j][:, None] / div[None, :]
        facet_axes = [ax for ax in eff.axes if ax > 0]
        if fixed and all(facets[ax - 1] in fixed for ax in facet_axes):
            if 0 in eff.axes:
                tau_parts.append(part)
            continue
        absolute = absolute + part
        if 0 in eff.axes:
            rel = rel + part
    for part in tau_parts:
        s2p = s2p + part
    return s2p, rel, absolute


def _coefficients(V, effects, facets, plans, fixed=()):
    """``(E rho^2, Phi)`` as ``(B, P)`` arrays (see :func:`_d_study`); NaN when undefined."""
    s2p, rel, absolute = _d_study(V, effects, facets, plans, fixed)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(s2p + rel > 0, s2p / (s2p + rel), np.nan)
        phi = np.where(s2p + absolute > 0, s2p / (s2p + absolute), np.nan)
    return g, phi


class _UnitBootstrap:
    """Bootstrap over units for any function of the variance components.

    ``refit(picked)`` gives the (non-negative) components of the data of the units
    ``picked`` (with repeats: a unit drawn twice is two units). The components of each
    resample are computed once and cached, so every statistic - each component, E rho^2 and
    Phi of any D-study design - uses the same resamples (one seed) for one refit each.
    """

    def __init__(self, refit, n_units, n_effects, n_resamples, seed, confidence, how):
        from reliability.inference import shared_seed

        self.refit, self.n, self.m = refit, int(n_units), int(n_effects)
        self.B, self.seed = int(n_resamples), shared_seed(seed)
        self.confidence, self.how = float(confidence), how
        self._cache: dict = {}

    def components(self, w) -> np.ndarray:
        key = hashlib.sha1(np.ascontiguousarray(w).tobytes()).hexdigest()
        if key not in self._cache:
            out = np.full((w.shape[0], self.m), np.nan)
            for b in range(w.shape[0]):
                picked = np.repeat(np.arange(self.n), w[b].astype(np.int64))
                if len(np.unique(picked)) < 2:
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        out[b] = self.refit(picked)
                    except (ReliabilityError, np.linalg.LinAlgError):
                        continue
            self._cache[key] = out
        return self._cache[key]

    def run(self, statistic, estimate):
        """:func:`reliability.inference.bootstrap_units` of ``statistic(V)`` (``V``: B x
        components of the resamples)."""
        from reliability.inference import bootstrap_units

        return bootstrap_units(lambda w: statistic(self.components(w)), self.n,
                               n_resamples=self.B, seed=self.seed,
                               confidence=self.confidence, method=self.how,
                               estimate=estimate)


def _reml_refit(y, codes, sizes, effects, is_nested, components=None):
    """``refit(picked)`` for :class:`_UnitBootstrap` by REML (or ``components(y, codes,
    sizes, effects)``, e.g. Henderson's method): the rows of the picked units, each copy of
    a unit relabelled as a unit of its own."""
    order = np.argsort(codes[0], kind="stable")
    y_s = y[order]
    codes_s = [c[order] for c in codes]
    starts = np.searchsorted(codes_s[0], np.arange(sizes[0] + 1))

    def refit(picked):
        lens = starts[picked + 1] - starts[picked]
        total = int(lens.sum())
        idx = np.repeat(starts[picked], lens) + (np.arange(total) - np.repeat(
            np.cumsum(lens) - lens, lens))
        new_codes = [np.repeat(np.arange(len(picked)), lens)] + [c[idx] for c in codes_s[1:]]
        new_sizes = [len(picked)] + list(sizes[1:])
        if components is not None:
            table = components(y_s[idx], new_codes, new_sizes, effects)
        else:
            table = _reml_components(y_s[idx], new_codes, new_sizes, effects, is_nested, [])
        return table["variance"].to_numpy(dtype=float)

    return refit


def _num(v):
    v = float(v)
    return int(v) if v.is_integer() else v


# ---------------------------------------------------------------------- entry point
@validate_params({"method": Choice(METHODS), "confidence": "shared",
                  "n_resamples": "shared", "seed": "shared",
                  "bootstrap_method": Choice(("percentile", "bca")), "facets": _Facets(),
                  "unit": AnyOf((None, Text())),
                  "object": AnyOf((None, Text())), "score": Text(), "nested": AnyOf((None, Text())),
                  "fixed": AnyOf((None, _Facets()))})
def g_study(data, *, unit=None, facets=("rater",), score="score", nested=None,
            method="auto", confidence=0.95, n_resamples=0, seed=None,
            bootstrap_method="percentile", encoding=None, object=None, fixed=None) -> GStudy:
    """Estimate the variance components of a G study (Brennan 2001).

    Parameters
    ----------
    data : DataFrame or path
        Long data: one row per observation with the ``object`` column, one column per
        facet and the ``score`` column. For a ``p x r`` design wide data are also
        accepted: one row per object (``object`` column or the index), one column per
        condition of the facet (e.g. tests/data/brennan_synthetic1_pxi.csv).
    unit : str
        Column of the objects of measurement (schools, persons, lessons); default ``"unit"``,
        the same name as everywhere else in the library.
    facets : str or sequence of str
        One or two facet columns (e.g. ``("rater", "occasion")``).
    score : str
        Column of the scores.
    nested : str, optional
        ``"r:p"`` (or ``"<facet>:<object>"``): the first facet is nested within the
        object (each object has its own raters). With two facets also ``"r:o"`` (or
        ``"<facet>:<facet2>"``): the first facet is nested within the second, both crossed
        with the object - the p x (r:t) / p x (i:h) design (Brennan 2001, 3.2); REML
        checked against lme4::lmer ``score ~ 1 + (1|p) + (1|t) + (1|t:r) + (1|p:t)``
        (tests/data/gtheory_nested_lme4.json, 1e-4 relative).
    method : {"auto", "anova", "reml", "henderson"}
        ANOVA/EMS needs balanced complete data; REML handles any data; ``"henderson"`` is
        Henderson's (1953) Method 1 for any data (equal to ANOVA on balanced data; negative
        estimates set to 0; no analytic SEs); ``"auto"`` picks ANOVA when the data are
        balanced, else REML.
    confidence : float
        Level of every interval: the variance components (ANOVA: Satterthwaite 1946, with
        SEs as Brennan 2001, eq. 6.1; REML: the bootstrap's, NaN without one), E rho^2 and
        Phi (``coefficient_estimates``) and the D-study table.
    n_resamples : int
        0 (default) or 2 to 1,000,000 bootstrap resamples over units: each resample (a unit
        drawn twice is two units) refits the components once (ANOVA, or REML for unbalanced
        data), and every component, E rho^2 and Phi of every D-study design is computed from
        the same resamples. Analytic/exact intervals stay where they exist (balanced ANOVA
        components, E rho^2 and Phi of balanced p x r); the bootstrap's are added beside
        them (``bootstrap_*`` columns) and are the intervals everywhere else. Brennan (2001,
        section 6.2) shows that this "boot-p" bootstrap is biased for facet components.
    seed : int >= 0, numpy Generator or None
        Seed of the bootstrap.
    bootstrap_method : {"percentile", "bca"}
    encoding : str, optional
        Text encoding when ``data`` is a path (default UTF-8, then Windows-1252).
    object : str, optional
        Deprecated name of ``unit`` (it shadowed a builtin); a DeprecationWarning.
    fixed : str or sequence of str, optional
        Facets fixed in the universe of generalization (Brennan 2001, 4.4); at least one
        facet must stay random. The components are unchanged; E rho^2, Phi, the D study
        (with a ``sigma2_tau`` column) and ``minimal_design`` use the fixed-facet formulas.

    Returns
    -------
    GStudy
        ``.components``, ``.g_coefficient``, ``.phi``, ``.coefficient_estimates(...)``,
        ``.d_study(...)``, ``.coefficients(...)``, ``.minimal_design(...)``.

    Notes
    -----
    Checked against Brennan (2001) Synthetic Data Set No. 1 (p x i): sums of squares, mean
    squares, variance components, E rho^2 = .844, Phi = .773 and the D-study table
    (tests/data/brennan_synthetic1_pxi, to 1e-10); the REML path equals the ANOVA
    estimates on balanced data (tests/gtheory).
    """
    if object is not None:
        warn_caller("g_study(object=...) is deprecated; use unit=...", DeprecationWarning)
        if unit is not None and unit != object:
            raise ReliabilityError(f"give unit= or the deprecated object=, not both "
                                   f"({unit!r} vs {object!r})")
        unit = object
    object = "unit" if unit is None else unit  # noqa: A001 (the local name of the column)
    if isinstance(facets, str):
        facets = tuple(f.strip() for f in facets.split(",") if f.strip())
    facets = tuple(facets)
    if object in facets:
        raise OptionError(f"column {object!r} cannot be both the unit and a facet column")
    if score in (object,) + facets:
        raise OptionError(f"column {score!r} cannot be both the score and the "
                          f"{'unit' if score == object else 'facet'} column")
    nest_kind = _parse_nested(nested, object, facets)      # names only: before the data
    is_nested = bool(nest_kind)
    fixed = _parse_fixed(fixed, facets)
    frame = _long_frame(data, object, facets, score, encoding)
    if len(facets) == 1:
        design = "r:p" if is_nested else "p x r"
    elif nest_kind == "r:o":
        design = "p x (r:o)"
    else:
        design = "(r:p) x o" if is_nested else "p x r x o"
    names = (object,) + facets
    effects = _effects(design, names)
    notes = []
    # integer codes of the axes
    codes = []
    sizes = []
    for col in names:
        c, labels = pd.factorize(frame[col], sort=True)
        codes.append(c.astype(np.int64))
        sizes.append(len(labels))
    y = frame[score].to_numpy(dtype=float)
    n_obj = sizes[0]
    if n_obj < 2:
        raise ReliabilityError(f"a G study needs at least 2 objects ({object!r}); got {n_obj}")
    for col, size in zip(facets, sizes[1:]):
        if size < 2:
            raise ReliabilityError(
                f"facet {col!r} has a single condition ({show(frame[col].iloc[0])}): its "
                "variance components cannot be estimated; drop the facet")
    # nested facet: rater identity is local to the object (r:p) or to the second facet (r:o)
    if nest_kind == "r:o":
        key = codes[2] * sizes[1] + codes[1]
        local = _local_index(codes[2], codes[1], sizes[1])
        codes_local = [codes[0], local, codes[2]]
        n_per_obj = np.bincount(np.unique(key) // sizes[1], minlength=sizes[2])  # per o
        if n_per_obj.max() < 2:
            raise ReliabilityError(
                f"nested design: every {facets[1]} has a single {facets[0]}, so {facets[0]} "
                f"and {facets[1]} variance cannot be separated")
        sizes_local = [n_obj, int(local.max()) + 1, sizes[2]]
        crossing = np.bincount(np.unique(key) % sizes[1], minlength=sizes[1])
        if crossing.max() > 1:
            notes.append(f"some {facets[0]} labels occur with several {facets[1]} values; in "
                         f"the nested design they are treated as different {facets[0]}s "
                         f"(a {facets[0]} is identified by its {facets[1]})")
    elif is_nested:
        key = codes[0] * sizes[1] + codes[1]
        local = _local_index(codes[0], codes[1], sizes[1])
        codes_local = [codes[0], local] + codes[2:]
        n_per_obj = np.bincount(np.unique(key) // sizes[1], minlength=n_obj)
        if n_per_obj.max() < 2:
            raise ReliabilityError(
                f"nested design: every {object} has a single {facets[0]}, so {facets[0]} "
                f"and {object} variance cannot be separated")
        sizes_local = [n_obj, int(local.max()) + 1] + sizes[2:]
        crossing = np.bincount(np.unique(key) % sizes[1], minlength=sizes[1])
        if crossing.max() > 1:
            notes.append(f"some {facets[0]} labels occur with several {object} values; in the "
                         f"nested design they are treated as different {facets[0]}s "
                         f"(a {facets[0]} is identified by its {object})")
    else:
        codes_local, sizes_local = codes, sizes
    cell = np.ravel_multi_index(tuple(codes_local), tuple(sizes_local))
    counts = np.bincount(cell, minlength=int(np.prod(sizes_local)))
    balanced = bool(np.all(counts == 1))
    if is_nested:
        balanced = balanced and bool(np.all(n_per_obj == n_per_obj[0]))
    n_facets = {}
    for i, f in enumerate(facets, start=1):
        if is_nested and i == 1:
            # conditions of the nested facet per object (r:p) / per second-facet level (r:o)
            n_facets[f] = round(float(len(n_per_obj) / np.sum(1.0 / n_per_obj)), 10)
        else:
            per_obj = np.bincount(np.unique(codes[0] * sizes[i] + codes[i]) // sizes[i],
                                  minlength=n_obj)
            n_facets[f] = round(float(len(per_obj) / np.sum(1.0 / per_obj)), 10)
    if method == "auto":
        method = "anova" if balanced else "reml"
    if method == "anova" and not balanced:
        dup = int(np.sum(counts > 1))
        miss = int(np.sum(counts == 0))
        raise ReliabilityError(
            f"method 'anova' needs balanced data (each {' x '.join(names)} cell observed once); "
            f"found {miss} empty and {dup} repeated cell(s); use method='reml' (or 'auto')")
    if method == "anova":
        table = _anova_components(y, codes_local, sizes_local, effects, confidence)
        if (table["variance_raw"] < 0).any():
            neg = ", ".join(table.loc[table["variance_raw"] < 0, "source"])
            notes.append(f"negative ANOVA estimate(s) set to 0 (Brennan 2001): {neg}; the raw "
                         "values were used in solving for the other components")
        Y = np.empty(sizes_local)
        Y[tuple(codes_local)] = y

        def refit(picked):
            return _anova_core(Y[picked], effects)[3].clip(min=0.0)
    elif method == "reml":
        table = _reml_components(y, codes_local, sizes_local, effects, is_nested, notes)
        table["se"] = table["ci_low"] = table["ci_high"] = np.nan
        table["ci_method"] = "none"
        if not balanced:
            notes.append("unbalanced/incomplete data: D-study sizes default to the harmonic "
                         "mean number of conditions per object")
        refit = _reml_refit(y, codes_local, sizes_local, effects, is_nested)
    elif method == "henderson":
        table = _henderson_components(y, codes_local, sizes_local, effects)
        if (table["variance_raw"] < 0).any():
            neg = ", ".join(table.loc[table["variance_raw"] < 0, "source"])
            notes.append(f"negative Henderson Method 1 estimate(s) set to 0: {neg}")
        if not balanced:
            notes.append("unbalanced/incomplete data: D-study sizes default to the harmonic "
                         "mean number of conditions per object")
        refit = _reml_refit(y, codes_local, sizes_local, effects, is_nested,
                            components=_henderson_components)
    total = table["variance"].sum()
    table["percent"] = 100 * table["variance"] / total if total > 0 else np.nan
    boot = None
    if n_resamples:
        boot = _UnitBootstrap(refit, n_obj, len(effects), n_resamples, seed, confidence,
                              bootstrap_method)
        variances = table["variance"].to_numpy(dtype=float)
        runs = [boot.run(lambda V, j=j: V[:, j], float(variances[j]))
                for j in range(len(effects))]
        table["bootstrap_se"] = [b.se for b in runs]
        table["bootstrap_ci_low"] = [b.ci[0] for b in runs]
        table["bootstrap_ci_high"] = [b.ci[1] for b in runs]
        if method != "anova":       # no analytic interval: the bootstrap's is the interval
            table["se"] = table["bootstrap_se"]
            table["ci_low"] = table["bootstrap_ci_low"]
            table["ci_high"] = table["bootstrap_ci_high"]
            table["ci_method"] = [b.method.replace("bootstrap over units", "bootstrap")
                                  for b in runs]
        else:
            notes.append(f"bootstrap over units (B={n_resamples}) beside the analytic "
                         "intervals: Brennan (2001, 6.2) finds it biased for facet components")
    cols = ["source", "short", "variance", "percent", "method"]
    cols += [c for c in ("variance_raw", "se", "ci_low", "ci_high", "ci_method", "df", "SS",
                         "MS", "bootstrap_se", "bootstrap_ci_low", "bootstrap_ci_high")
             if c in table]
    if fixed:
        notes.append(f"fixed facet(s) {', '.join(fixed)}: their interactions with {object} are "
                     "universe-score variance in E rho^2 and Phi (Brennan 2001, 4.4); the "
                     "components are those of the random-effects G study")
    return GStudy(design, object, facets, table[cols].reset_index(drop=True), n_facets, n_obj,
                  len(y), method, tuple(notes), tuple(effects), float(confidence),
                  int(n_resamples), boot, fixed)


def _local_index(obj, fac, n_fac):
    """Rank of each facet level within its object (0..n_r(p)-1)."""
    key = obj * n_fac + fac
    uniq, inv = np.unique(key, return_inverse=True)
    owner = uniq // n_fac
    first = np.searchsorted(owner, owner)  # uniq sorted by owner, so first index of each owner
    local = np.arange(len(uniq)) - first
    return local[inv]


def _parse_nested(nested, object, facets):
    if nested in (None, "", False):
        return False
    text = str(nested).replace(" ", "")
    if text in {"r:p", f"{facets[0]}:{object}"}:
        return "r:p"
    if len(facets) == 2 and text in {"r:o", f"{facets[0]}:{facets[1]}"}:
        return "r:o"
    two = (f", or 'r:o' / '{facets[0]}:{facets[1]}' (the first facet nested within the "
           "second)" if len(facets) == 2 else "")
    raise OptionError(
        f"option nested={nested!r} of g_study() is not allowed: must be None, 'r:p' or "
        f"'{facets[0]}:{object}' (the first facet nested within the unit){two}")


def _parse_fixed(fixed, facets):
    """The fixed facets (Brennan 2001, 4.4) as a tuple of facet names."""
    if fixed in (None, "", ()):
        return ()
    names = (tuple(f.strip() for f in fixed.split(",") if f.strip()) if isinstance(fixed, str)
             else tuple(fixed))
    for f in names:
        if f not in facets:
            raise OptionError(f"option fixed={fixed!r} of g_study() names {f!r}, which is not a "
                              f"facet; facets are {list(facets)}")
    if len(set(names)) == len(facets):
        raise OptionError(f"option fixed={fixed!r} of g_study(): at least one facet must be "
                          "random (with every facet fixed there is no error variance)")
    return tuple(f for f in facets if f in names)


def _long_frame(data, object, facets, score, encoding=None):
    from reliability._io import read_csv

    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        data = read_csv(data, encoding=encoding)
    if isinstance(data, np.ndarray):
        data = pd.DataFrame(data)
    if not isinstance(data, pd.DataFrame):
        raise ReliabilityError(f"g_study needs a DataFrame or CSV path; got {type(data).__name__}")
    frame = data
    if score not in frame.columns and len(facets) == 1 and facets[0] not in frame.columns:
        # wide p x r: one row per object, one column per condition of the facet. Without an
        # object column the objects must be the index: a default 0..n-1 index (a CSV) more
        # likely means misspelt long columns, whose ids would be analysed as raters.
        if object not in frame.columns and isinstance(frame.index, pd.RangeIndex):
            require_columns(frame, [object, *facets, score])
        if object in frame.columns:
            wide = frame.set_index(object)
        else:
            wide = frame
            wide = wide.rename_axis(object)
        if wide.index.duplicated().any():
            i = int(np.flatnonzero(wide.index.duplicated())[0])
            raise ReliabilityError(f"duplicate {object} {show(wide.index[i])} in wide data "
                                   f"(row {i + 1})")
        wide.columns = pd.Index(wide.columns, name=facets[0])
        frame = wide.stack(future_stack=True).rename(score).reset_index()
        frame.columns = [object, facets[0], score]
    require_columns(frame, [object, *facets, score])
    frame = frame[[object, *facets, score]]
    for col in (object, *facets):
        if frame[col].isna().any():
            row = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
            raise ReliabilityError(f"column {col!r} is empty in row {row + 1}")
    dup = frame.duplicated([object, *facets]).to_numpy()
    if dup.any():
        # one score per cell: a repeated (object, facet...) cell would be counted as a second
        # condition of the facet and bias every component
        row = int(np.flatnonzero(dup)[0])
        cell = ", ".join(f"{c} {show(frame[c].iloc[row])}" for c in (object, *facets))
        raise ReliabilityError(f"duplicate cell ({cell}) in row {row + 1}: the design needs one "
                               "score per combination; average or remove repeated scores")
    values = pd.to_numeric(frame[score], errors="coerce")
    bad = values.isna() & frame[score].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReliabilityError(f"non-numeric score {show(frame[score].iloc[row])} in column "
                               f"{score!r}, row {row + 1}")
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values).to_numpy())[0])
        raise ReliabilityError(f"infinite score in column {score!r}, row {row + 1}")
    missing = values.isna()
    if missing.any():
        warnings.warn(f"dropped {int(missing.sum())} row(s) with a missing {score!r}",
                      DataWarning, stacklevel=3)
    frame = frame.assign(**{score: values})[~missing.to_numpy()]
    if frame.empty:
        raise ReliabilityError(f"no scores: column {score!r} is empty")
    return frame


# ---------------------------------------------------------------------- ANOVA / EMS
def _anova_components(y, codes, sizes, effects, confidence=0.95):
    """Balanced random-effects ANOVA with Brennan's EMS rule."""
    Y = np.empty(sizes)
    Y[tuple(codes)] = y
    SS, dfv, msv, raw_v, C = _anova_core(Y, effects)
    shorts = [e.short for e in effects]
    coef = {e: C[j] for j, e in enumerate(shorts)}
    raw = {e: float(raw_v[j]) for j, e in enumerate(shorts)}
    se, lo, hi = _component_uncertainty(coef, shorts, msv, dfv, raw, confidence)
    out = pd.DataFrame({
        "source": [e.name for e in effects], "short": shorts,
        "df": dfv, "SS": SS,
        "MS": msv, "variance_raw": [raw[e] for e in shorts],
    })
    out["variance"] = out["variance_raw"].clip(lower=0.0)
    out["se"] = [se[e] for e in shorts]
    out["ci_low"] = [lo[e] for e in shorts]
    out["ci_high"] = [hi[e] for e in shorts]
    out["ci_method"] = ["Satterthwaite (Brennan 2001, 6.1.2)" if np.isfinite(lo[e])
                        else "none (estimate not positive)" for e in shorts]
    out["method"] = "ANOVA (expected mean squares)"
    return out


def _anova_core(Y, effects):
    """Sums of squares, df, mean squares and unmodified components of the full array ``Y``.

    Returns ``(SS, df, MS, raw, C)`` as arrays in the order of ``effects``, with
    ``raw = C @ MS`` (the EMS equations solved for the coefficients of the mean squares).
    Numpy only, so that every bootstrap resample can be refitted cheaply.
    """
    k = Y.ndim
    sizes = Y.shape
    Y = Y - Y.mean()
    # effects of the full factorial (crossed) design via marginal means
    subsets = [frozenset(s) for r in range(1, k + 1) for s in itertools.combinations(range(k), r)]
    eff_arrays = {frozenset(): np.zeros([1] * k)}
    ss = {}
    for s in subsets:
        other = tuple(ax for ax in range(k) if ax not in s)
        m = Y.mean(axis=other, keepdims=True) if other else Y
        e = m.copy()
        for t in eff_arrays:
            if t < s:
                e = e - eff_arrays[t]
        eff_arrays[s] = e
        ss[s] = float(np.sum(np.broadcast_to(e, Y.shape) ** 2))
    df = {s: float(np.prod([sizes[a] - 1 for a in s])) for s in subsets}
    # pool the crossed effects into the design's effects (nested: r + pr -> r:p, ...)
    SS = np.array([sum(ss[s] for s in subsets if _owner(s, effects) is eff) for eff in effects])
    DF = np.array([sum(df[s] for s in subsets if _owner(s, effects) is eff) for eff in effects])
    with np.errstate(divide="ignore", invalid="ignore"):
        MS = np.where(DF > 0, SS / np.where(DF > 0, DF, 1.0), np.nan)

    def pi_bar(eff):
        return float(np.prod([sizes[a] for a in range(k) if a not in eff.axes]))

    # Each estimate is a linear combination of mean squares, sigma2_a = sum_b c_ab MS_b:
    # solve the EMS equations for the coefficients c (the same recursion on unit vectors).
    index = {e.short: j for j, e in enumerate(effects)}
    C = np.zeros((len(effects), len(effects)))
    for eff in sorted(effects, key=lambda e: -len(e.axes)):
        c = np.zeros(len(effects))
        c[index[eff.short]] = 1.0
        for b in effects:
            if b.axes > eff.axes:
                c = c - pi_bar(b) * C[index[b.short]]
        C[index[eff.short]] = c / pi_bar(eff)
    return SS, DF, MS, C @ MS, C


def _component_uncertainty(coef, shorts, ms, df, raw, confidence):
    """SEs and Satterthwaite intervals of ANOVA variance components (Brennan 2001, 6.1).

    With ``sigma2 = sum_b c_b MS_b`` and independent mean squares, the estimated SE is
    ``sqrt(sum_b c_b^2 2 MS_b^2 / (df_b + 2))`` (Searle 1971; Brennan 2001, eq. 6.1), and
    Satterthwaite's (1946) interval is ``[nu s / chi2_{1-a/2}(nu), nu s / chi2_{a/2}(nu)]`` with
    ``nu = (sum c MS)^2 / sum (c MS)^2 / df``. A non-positive estimate has no such interval.
    """
    from scipy import stats

    alpha = 1 - confidence
    se, lo, hi = {}, {}, {}
    for e in shorts:
        c = coef[e]
        terms = c * ms
        se[e] = float(np.sqrt(np.sum(c ** 2 * 2 * ms ** 2 / (df + 2))))
        est = raw[e]
        denom = float(np.sum(terms ** 2 / df))
        if est > 0 and denom > 0:
            nu = est ** 2 / denom
            with np.errstate(divide="ignore", over="ignore"):   # tiny nu: no upper bound
                lo[e] = float(nu * est / stats.chi2.ppf(1 - alpha / 2, nu))
                hi[e] = float(nu * est / stats.chi2.ppf(alpha / 2, nu))
        else:
            lo[e] = hi[e] = float("nan")
    return se, lo, hi


def _owner(subset, effects):
    """The design effect a crossed-factorial effect is pooled into.

    A crossed effect belongs to the design effect with the smallest index set that
    contains it and has the same 'highest' (non-nesting) indices: for r:p, ``{r}`` and
    ``{p, r}`` both go to r:p; for ro:p, ``{r, o}`` and ``{p, r, o}`` go to ro:p.
    """
    exact = [e for e in effects if e.axes == subset]
    if exact:
        return exact[0]
    # nested designs: the nesting index (the object for r:p, the second facet for r:o) is
    # implied by the nested facet: the smallest design effect containing the subset
    containing = [e for e in effects if e.axes > subset]
    return min(containing, key=lambda e: len(e.axes)) if containing else None


# ---------------------------------------------------------------------- REML
def _reml_components(y, codes, sizes, effects, is_nested, notes):
    from reliability._reml import fit_reml

    factors, names = [], []
    residual = max(effects, key=lambda e: len(e.axes))
    for eff in effects:
        if eff is residual:
            continue
        axes = sorted(eff.axes)
        key = np.zeros(len(y), dtype=np.int64)
        for a in axes:
            key = key * sizes[a] + codes[a]
        _, c = np.unique(key, return_inverse=True)
        factors.append(c.astype(np.int64))
        names.append(eff.short)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_reml(y, factors, names)
    notes.extend(str(w.message) for w in caught)
    variances = [fit.variances.get(e.short, fit.residual) if e is not residual else fit.residual
                 for e in effects]
    return pd.DataFrame({"source": [e.name for e in effects], "short": [e.short for e in effects],
                         "variance": variances, "method": "REML"})


# ---------------------------------------------------------------------- Henderson Method 1
def _effect_keys(codes, sizes, effects, n):
    """Integer level codes (0..L-1) of each effect: the combinations of its indices."""
    keys = []
    for eff in effects:
        key = np.zeros(n, dtype=np.int64)
        for a in sorted(eff.axes):
            key = key * sizes[a] + codes[a]
        _, c = np.unique(key, return_inverse=True)
        keys.append(c.astype(np.int64).ravel())
    return keys


def _henderson_components(y, codes, sizes, effects):
    """Henderson's (1953) Method 1 variance components for any random design.

    The "T-terms" ``T_A = sum over the levels a of effect A of y_a.^2 / n_a`` (level totals
    and counts), ``T_0 = sum y^2`` and ``T_mu = y..^2 / N`` are equated to their expected
    values under the random model, ``E(T_A) = N mu^2 + sum_B k(A, B) sigma2_B`` with
    ``k(A, B) = sum_a sum_b n_ab^2 / n_a`` (``n_ab``: observations in level a of A and
    level b of B; ``k(A, residual)`` = the number of levels of A; ``k(0, B) = N``), and the
    differences from ``T_mu`` are solved for the components (Searle, Casella & McCulloch
    1992, sec. 5.2; the quadratic forms urGENOVA reports for unbalanced designs). On
    balanced data the T-differences are non-singular combinations of the ANOVA sums of
    squares, so the estimates equal the ANOVA ones (tested to 1e-10); unbalanced data are
    checked against the same equations written in base R (tests/data/scripts/
    gtheory_nested_lme4.R). Negative estimates are set to 0 (``variance_raw`` keeps them).
    """
    y = np.asarray(y, dtype=float)
    N = len(y)
    y = y - y.mean()           # the estimates are location-free; centring keeps T accurate
    residual = max(effects, key=lambda e: len(e.axes))
    random = [e for e in effects if e is not residual]
    keys = _effect_keys(codes, sizes, random, N)
    m = len(random)
    counts = [np.bincount(k) for k in keys]
    T = np.empty(m + 1)
    K = np.empty((m + 1, m + 1))
    for i, (ka, na) in enumerate(zip(keys, counts)):
        tot = np.bincount(ka, weights=y)
        T[i] = np.sum(tot * tot / na)
        for j, kb in enumerate(keys):
            pair = ka * (int(kb.max()) + 1) + kb
            uniq, nab = np.unique(pair, return_counts=True)
            a = uniq // (int(kb.max()) + 1)
            K[i, j] = np.sum(nab.astype(float) ** 2 / na[a])
        K[i, m] = len(na)
    T[m] = float(np.sum(y * y))
    K[m, :] = N
    kmu = np.array([np.sum(nb.astype(float) ** 2) / N for nb in counts] + [1.0])
    T_mu = 0.0                 # (sum y)^2 / N of the centred scores
    A = K - kmu[None, :]
    if np.linalg.matrix_rank(A) < m + 1:
        raise ReliabilityError("Henderson's Method 1 equations are singular for these data (an "
                               "effect is confounded with another); use method='reml'")
    raw = np.linalg.solve(A, T - T_mu)
    order = {e.short: j for j, e in enumerate(random)}
    values = np.array([raw[order[e.short]] if e is not residual else raw[m] for e in effects])
    return pd.DataFrame({"source": [e.name for e in effects],
                         "short": [e.short for e in effects],
                         "variance_raw": values, "variance": np.clip(values, 0.0, None),
                         "se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "ci_method": "none", "method": "Henderson Method 1"})
