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
==============  =====================================  ======================================

``nested`` names the first facet nested within the object; it may be spelt ``"r:p"`` or
with the column names, e.g. ``"rater:school"``. Only the first facet can be nested, and
only within the object of measurement.

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

import itertools
import warnings
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, require_columns, show, warn_caller
from reliability._results import _fmt, json_safe
from reliability._validation import AnyOf, Choice, Text, validate_params

METHODS = ("auto", "anova", "reml")


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
        ``source, short, variance, percent, method`` (+ ``variance_raw, df, SS, MS`` for
        ANOVA). ``variance`` is non-negative.
    n : dict
        G-study sample size per facet (harmonic mean of levels per object when unbalanced).
    n_objects : int
    method : str
        ``"anova"`` or ``"reml"``.
    notes : tuple of str
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

    @property
    def object(self) -> str:
        """Deprecated name of :attr:`unit`."""
        warn_caller("GStudy.object is deprecated; use GStudy.unit", DeprecationWarning)
        return self.unit
    _effects: tuple = field(default=(), repr=False)

    # ------------------------------------------------------------ D study core
    def _sizes(self, sizes: Mapping[str, float]) -> dict:
        out = dict(self.n)
        for key, value in sizes.items():
            if key not in self.facets:
                raise ReliabilityError(
                    f"unknown facet {key!r} for the D study; facets are {list(self.facets)}")
            v = float(value)
            if not v > 0:
                raise ReliabilityError(f"D-study size for {key!r} must be positive; got {value!r}")
            out[key] = v
        return out

    def error_variances(self, **sizes) -> tuple[float, float]:
        """``(sigma2_delta, sigma2_Delta)`` for planned sizes (default: G-study sizes)."""
        n = self._sizes(sizes)
        var = dict(zip(self.components["short"], self.components["variance"]))
        rel = absolute = 0.0
        for eff in self._effects:
            if eff.short == "p":
                continue
            div = 1.0
            for ax in eff.axes:
                if ax > 0:
                    div *= n[self.facets[ax - 1]]
            part = var[eff.short] / div
            absolute += part
            if 0 in eff.axes:
                rel += part
        return rel, absolute

    def coefficients(self, **sizes) -> tuple[float, float]:
        """``(E rho^2, Phi)`` for planned numbers of conditions, e.g. ``rater=3``."""
        s2p = float(self.components.loc[self.components["short"] == "p", "variance"].iloc[0])
        rel, absolute = self.error_variances(**sizes)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = s2p / (s2p + rel) if (s2p + rel) > 0 else float("nan")
            phi = s2p / (s2p + absolute) if (s2p + absolute) > 0 else float("nan")
        return float(g), float(phi)

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
        grid = {}
        for f in self.facets:
            values = sizes.get(f, [self.n[f]])
            if np.isscalar(values):
                values = [values]
            grid[f] = list(values)
        for key in sizes:
            if key not in self.facets:
                raise ReliabilityError(
                    f"unknown facet {key!r} for the D study; facets are {list(self.facets)}")
        rows = []
        for combo in itertools.product(*grid.values()):
            plan = dict(zip(grid, combo))
            rel, absolute = self.error_variances(**plan)
            g, phi = self.coefficients(**plan)
            row = {**{k: _num(v) for k, v in plan.items()}, "sigma2_delta": rel,
                   "sigma2_Delta": absolute, "g_coefficient": g, "phi": phi}
            if self.design == "p x r" and self.method == "anova":
                row.update(self.coefficient_intervals(plan[self.facets[0]]))
            rows.append(row)
        return pd.DataFrame(rows)

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
        if coefficient not in ("g", "phi"):
            raise ReliabilityError(f"coefficient must be 'g' or 'phi'; got {coefficient!r}")
        if not 0 < float(target) < 1:
            raise ReliabilityError(f"target must be in (0, 1); got {target!r}")
        if max_n is None:
            max_n = {f: 50 for f in self.facets}
        elif np.isscalar(max_n):
            max_n = {f: int(max_n) for f in self.facets}
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
        var = dict(zip(self.components["short"], self.components["variance"]))
        size = len(next(iter(plans.values())))
        rel = np.zeros(size)
        absolute = np.zeros(size)
        for eff in self._effects:
            if eff.short == "p":
                continue
            div = np.ones(size)
            for ax in eff.axes:
                if ax > 0:
                    div = div * plans[self.facets[ax - 1]]
            part = var[eff.short] / div
            absolute += part
            if 0 in eff.axes:
                rel += part
        s2p = var["p"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return s2p / (s2p + rel), s2p / (s2p + absolute)

    # ------------------------------------------------------------ output
    def to_dict(self, d_study: Mapping | None = None) -> dict:
        comps = [{"source": row["source"], "short": row["short"], "variance": row["variance"],
                  "percent": row["percent"], "method": row["method"],
                  **{k: row[k] for k in ("variance_raw", "se") if k in row},
                  **({"ci": [row["ci_low"], row["ci_high"]]} if "ci_low" in row else {})}
                 for _, row in self.components.iterrows()]
        out = {"design": self.design, "unit": self.unit, "object": self.unit, "facets": list(self.facets),
               "n_objects": self.n_objects, "n_observations": self.n_observations,
               "n": dict(self.n), "method": self.method, "components": comps,
               "g_coefficient": self.g_coefficient, "phi": self.phi}
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
        cols = ["source", "variance", "percent"]
        if "df" in self.components:
            cols = ["source", "df", "SS", "MS", "variance_raw", "variance", "se", "ci_low",
                    "ci_high", "percent"]
        lines.append(self.components[cols].to_string(index=False,
                                                     float_format=lambda x: _fmt(x)))
        lines.append(f"E rho^2 = {_fmt(self.g_coefficient)}   Phi = {_fmt(self.phi)}  "
                     "(at the G-study sample sizes)")
        lines.append("D study:")
        lines.append(self.d_study(**(d_study or {})).to_string(index=False,
                                                               float_format=lambda x: _fmt(x)))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _num(v):
    v = float(v)
    return int(v) if v.is_integer() else v


# ---------------------------------------------------------------------- entry point
@validate_params({"method": Choice(METHODS), "confidence": "shared",
                  "unit": AnyOf((None, Text())),
                  "object": AnyOf((None, Text())), "score": Text(), "nested": AnyOf((None, Text()))})
def g_study(data, *, unit=None, facets=("rater",), score="score", nested=None,
            method="auto", confidence=0.95, encoding=None, object=None) -> GStudy:
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
        object (each object has its own raters).
    method : {"auto", "anova", "reml"}
        ANOVA/EMS needs balanced complete data; REML handles any data; ``"auto"`` picks
        ANOVA when the data are balanced.
    confidence : float
        Level of the intervals of the variance components (ANOVA: Satterthwaite 1946, with
        SEs as Brennan 2001, eq. 6.1; REML: not computed, NaN).
    encoding : str, optional
        Text encoding when ``data`` is a path (default UTF-8, then Windows-1252).
    object : str, optional
        Deprecated name of ``unit`` (it shadowed a builtin); a DeprecationWarning.

    Returns
    -------
    GStudy
        ``.components``, ``.g_coefficient``, ``.phi``, ``.d_study(...)``,
        ``.coefficients(...)``, ``.minimal_design(...)``.

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
    if len(facets) not in (1, 2):
        raise ReliabilityError(f"one or two facets are supported; got {list(facets)}")
    if len(set((object,) + facets)) != len(facets) + 1:
        raise ReliabilityError(f"unit and facet columns must differ; got {object!r}, {list(facets)}")
    if score in (object,) + facets:
        raise ReliabilityError(f"column {score!r} cannot be both the score and the "
                               f"{'unit' if score == object else 'facet'} column")
    frame = _long_frame(data, object, facets, score, encoding)
    is_nested = _parse_nested(nested, object, facets)
    if len(facets) == 1:
        design = "r:p" if is_nested else "p x r"
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
    # nested facet: rater identity is local to the object
    if is_nested:
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
    else:
        table = _reml_components(y, codes_local, sizes_local, effects, is_nested, notes)
        if not balanced:
            notes.append("unbalanced/incomplete data: D-study sizes default to the harmonic "
                         "mean number of conditions per object")
    total = table["variance"].sum()
    table["percent"] = 100 * table["variance"] / total if total > 0 else np.nan
    cols = ["source", "short", "variance", "percent", "method"]
    cols += [c for c in ("variance_raw", "se", "ci_low", "ci_high", "df", "SS", "MS")
             if c in table]
    return GStudy(design, object, facets, table[cols].reset_index(drop=True), n_facets, n_obj,
                  len(y), method, tuple(notes), tuple(effects))


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
    allowed = {"r:p", f"{facets[0]}:{object}"}
    if text not in allowed:
        raise ReliabilityError(
            f"nested must be 'r:p' or '{facets[0]}:{object}' (the first facet nested within "
            f"the object); got {nested!r}")
    return True


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
    k = len(sizes)
    Y = np.empty(sizes)
    Y[tuple(codes)] = y
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
    rows = []
    for eff in effects:
        pooled = [s for s in subsets if _owner(s, effects) is eff]
        rows.append((eff, sum(ss[s] for s in pooled), sum(df[s] for s in pooled)))
    ms = {eff.short: s_ / d_ if d_ > 0 else np.nan for eff, s_, d_ in rows}

    def pi_bar(eff):
        return float(np.prod([sizes[a] for a in range(k) if a not in eff.axes]))

    # Each estimate is a linear combination of mean squares, sigma2_a = sum_b c_ab MS_b:
    # solve the EMS equations for the coefficients c (the same recursion on unit vectors).
    shorts = [e.short for e in effects]
    coef = {}
    for eff in sorted(effects, key=lambda e: -len(e.axes)):
        c = np.zeros(len(effects))
        c[shorts.index(eff.short)] = 1.0
        for b in effects:
            if b.axes > eff.axes:
                c = c - pi_bar(b) * coef[b.short]
        coef[eff.short] = c / pi_bar(eff)
    msv = np.array([ms[e] for e in shorts])
    dfv = np.array([d for _, _, d in rows])
    raw = {e: float(coef[e] @ msv) for e in shorts}
    se, lo, hi = _component_uncertainty(coef, shorts, msv, dfv, raw, confidence)
    out = pd.DataFrame({
        "source": [e.name for e in effects], "short": shorts,
        "df": dfv, "SS": [s for _, s, _ in rows],
        "MS": msv, "variance_raw": [raw[e] for e in shorts],
    })
    out["variance"] = out["variance_raw"].clip(lower=0.0)
    out["se"] = [se[e] for e in shorts]
    out["ci_low"] = [lo[e] for e in shorts]
    out["ci_high"] = [hi[e] for e in shorts]
    out["method"] = "ANOVA (expected mean squares)"
    return out


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
    # nested designs: the object index (0) is implied by the nested facet (1)
    with_p = subset | {0}
    exact = [e for e in effects if e.axes == with_p]
    return exact[0] if exact else None


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
