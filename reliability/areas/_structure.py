"""Do report-card areas say different things about a school, or one thing several times?

:func:`area_structure` codes each evaluation area once through the known scales
(:mod:`reliability.scales`), estimates the pairwise polychoric correlations
(:func:`~reliability.areas.polychoric`, pairwise-complete schools), and summarises how many
distinct judgements the areas carry:

* eigenvalues of the polychoric matrix and Horn's (1965) parallel analysis (the number of
  eigenvalues above the 95th percentile of those of uncorrelated normal data of the same size);
* a one-factor model fitted by minimum residuals (iterated principal axis, as ``psych::fa``
  ``fm = "minres"`` for one factor), its loadings and McDonald's omega
  ``(sum l)^2 / ((sum l)^2 + sum (1 - l^2))``;
* the effective number of independent areas of Nyholt (2004),
  ``M_eff = 1 + (M - 1) (1 - var(eigenvalues) / M)`` (``M`` areas: ``M`` when the areas are
  uncorrelated, 1 when they are one judgement);
* the share of schools whose areas all lie within one step of each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, require_columns, show
from reliability._validation import Integer, check_option
from reliability.areas._polychoric import PolychoricCorrelation, polychoric

__all__ = ["FrameworkTransition", "framework_transition", "AreaAgreement", "AreaContext", "AreaStructure", "area_agreement", "area_context", "area_structure", "code_areas",
           "polychoric_matrix"]


def code_areas(frame: pd.DataFrame, areas, *, categories=None) -> tuple[np.ndarray, tuple]:
    """Integer codes (0 = best, -1 = missing) of each area column, and the labels.

    Text areas are ordered by their known scale (:func:`reliability.scales.recognise_scale`)
    or by ``categories`` (labels best first); numeric areas are Ofsted codes (1 = best).
    """
    from reliability.scales import label_key, recognise_scale

    require_columns(frame, list(areas))
    if len(frame) == 0:
        raise ReliabilityError("no rows: the input has a header but no schools")
    if len(set(areas)) != len(areas):
        raise ReliabilityError(f"an area is listed twice in {list(areas)}")
    out = np.full((len(frame), len(areas)), -1, dtype=np.int64)
    labels = None
    for j, col in enumerate(areas):
        s = frame[col]
        present = s.notna().to_numpy() & (s.astype(str).str.strip() != "").to_numpy()
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                bad = present & (~np.isfinite(v) | (v != np.round(v)) | (v < 1) | (v > 1000))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ReliabilityError(f"column {col!r} row {i + 1} has {show(v[i])}: numeric "
                                       "grades are codes 1 (best), 2, ...")
            out[present, j] = v[present].astype(np.int64) - 1
            continue
        values = s[present].astype(str)
        if categories is not None:
            keys = {label_key(c): k for k, c in enumerate(categories)}
            labels = tuple(categories)
        else:
            scale = recognise_scale(pd.unique(values))
            if scale is None or not scale.ordered:
                shown = ", ".join(map(repr, pd.unique(values)[:5]))
                raise ReliabilityError(f"column {col!r} holds text grades ({shown}) of no known "
                                       "scale: give categories= (labels best first)")
            keys = {label_key(a): scale.labels.index(lab) for a, lab in scale.aliases}
            keys.update({label_key(lab): k for k, lab in enumerate(scale.labels)})
            labels = scale.labels
        coded = values.map(lambda v: keys.get(label_key(v), -2)).to_numpy()
        if (coded == -2).any():
            i = int(np.flatnonzero(coded == -2)[0])
            raise ReliabilityError(f"column {col!r} has {values.iloc[i]!r}, not one of "
                                   f"{list(labels)}")
        out[present, j] = coded
    return out, labels


def polychoric_matrix(codes: np.ndarray, areas, *, confidence: float = 0.95) -> dict:
    """Pairwise polychoric correlations of integer-coded areas (``-1`` = missing)."""
    check_option("confidence", confidence)
    codes = np.asarray(codes)
    result = {}
    for a in range(codes.shape[1]):
        for b in range(a + 1, codes.shape[1]):
            keep = (codes[:, a] >= 0) & (codes[:, b] >= 0)
            result[(areas[a], areas[b])] = polychoric(codes[keep, a], codes[keep, b],
                                                      confidence=confidence)
    return result


def _minres_one_factor(R: np.ndarray, *, max_iter: int = 500, tol: float = 1e-10):
    """One-factor loadings by iterated principal axis (converges to the minres solution)."""
    vals, vecs = np.linalg.eigh(R)
    lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
    for _ in range(max_iter):
        reduced = R.copy()
        np.fill_diagonal(reduced, np.clip(lam ** 2, 0.0, 1.0))
        vals, vecs = np.linalg.eigh(reduced)
        new = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
        if np.max(np.abs(np.abs(new) - np.abs(lam))) < tol:
            lam = new
            break
        lam = new
    return lam * np.sign(lam.sum() or 1.0)


def _parallel_analysis(n: int, p: int, n_sim: int, seed) -> np.ndarray:
    """95th percentile of each ordered eigenvalue of correlations of ``n x p`` normal data."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_sim, n, p))
    z -= z.mean(axis=1, keepdims=True)
    cov = np.einsum("snp,snq->spq", z, z)
    d = np.sqrt(np.einsum("spp->sp", cov))
    corr = cov / d[:, :, None] / d[:, None, :]
    eig = np.linalg.eigvalsh(corr)[:, ::-1]
    return np.percentile(eig, 95, axis=0)


@dataclass(frozen=True)
class AreaStructure:
    """What the report-card areas of a set of schools say, together and apart."""

    areas: tuple
    n_schools: int
    polychoric: dict
    matrix: pd.DataFrame
    eigenvalues: tuple
    parallel_threshold: tuple
    n_factors_parallel: int
    loadings: pd.Series
    omega: float
    effective_areas: float
    share_within_one_step: float
    n_complete: int
    notes: tuple = field(default=())

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({
            "areas": list(self.areas), "n_schools": self.n_schools,
            "polychoric": {f"{a}|{b}": r.to_dict() for (a, b), r in self.polychoric.items()},
            "eigenvalues": list(self.eigenvalues),
            "parallel_analysis": {"threshold_95": list(self.parallel_threshold),
                                  "n_factors": self.n_factors_parallel},
            "one_factor": {"loadings": self.loadings.to_dict(), "omega": self.omega},
            "effective_number_of_areas": self.effective_areas,
            "share_within_one_step": self.share_within_one_step,
            "n_complete": self.n_complete, "notes": list(self.notes)})

    def to_frame(self) -> pd.DataFrame:
        rows = [{"area_1": a, "area_2": b, "estimate": r.estimate, "se": r.se,
                 "ci_low": r.ci[0], "ci_high": r.ci[1], "n": r.n, "chi2": r.chi2, "df": r.df,
                 "p_value": r.p_value} for (a, b), r in self.polychoric.items()]
        return pd.DataFrame(rows)

    def summary(self) -> str:
        m = len(self.areas)
        lines = [f"{m} areas, {self.n_schools} schools ({self.n_complete} with every area)",
                 f"effective number of independent areas: {self.effective_areas:.2f} of {m} "
                 "(Nyholt 2004)",
                 f"parallel analysis: {self.n_factors_parallel} factor(s) above chance",
                 f"one-factor omega: {self.omega:.3f}",
                 f"schools whose areas are all within one step: "
                 f"{100 * self.share_within_one_step:.1f}%",
                 "polychoric correlations:", self.matrix.round(3).to_string()]
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def area_structure(data, *, areas, categories=None, confidence: float = 0.95,
                   n_sim: int = 100, seed=None) -> AreaStructure:
    """Polychoric correlations of report-card areas and how many judgements they carry.

    Parameters
    ----------
    data : DataFrame or path
        One row per school, one column per evaluation area (text labels of a known scale,
        e.g. the 2025 report card, or codes 1 = best).
    areas : list of str
        The area columns (at least 2).
    categories : list of str, optional
        Labels best first, for text grades of no known scale.
    confidence : float
        Level of each polychoric interval.
    n_sim : int
        Simulated data sets for parallel analysis.
    seed : int or Generator, optional
        Seed of the parallel analysis.
    """
    check_option("confidence", confidence)
    check_option("n_sim", n_sim, Integer(10, 10_000))
    check_option("seed", seed)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    areas = list(areas)
    if len(areas) < 2:
        raise ReliabilityError(f"areas needs at least 2 columns; got {areas}")
    codes, _ = code_areas(data, areas, categories=categories)
    pairs = polychoric_matrix(codes, areas, confidence=confidence)
    m = len(areas)
    R = np.eye(m)
    for (a, b), r in pairs.items():
        i, j = areas.index(a), areas.index(b)
        R[i, j] = R[j, i] = r.estimate
    notes = []
    undefined = [f"{a}|{b}" for (a, b), r in pairs.items() if not np.isfinite(r.estimate)]
    if undefined:
        notes.append(f"undefined correlations (a single category used): {undefined}")
        nan = (float("nan"),) * m
        eig, thr, nfac, lam, omega, meff = nan, nan, 0, np.full(m, np.nan), np.nan, np.nan
    else:
        eig = np.linalg.eigvalsh(R)[::-1]
        if eig[-1] < 0:
            notes.append("the pairwise polychoric matrix is not positive definite "
                         f"(smallest eigenvalue {eig[-1]:.3g})")
        complete = (codes >= 0).all(axis=1)
        n_pa = int(complete.sum()) if complete.sum() > m else len(codes)
        thr = _parallel_analysis(n_pa, m, n_sim, seed)
        nfac = int(np.argmax(eig <= thr)) if (eig <= thr).any() else m
        lam = _minres_one_factor(R)
        omega = float(lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam ** 2)))
        meff = float(1 + (m - 1) * (1 - np.var(eig, ddof=1) / m))
        eig, thr = tuple(map(float, eig)), tuple(map(float, thr))
    complete = (codes >= 0).all(axis=1)
    spread = codes[complete].max(axis=1) - codes[complete].min(axis=1)
    within = float(np.mean(spread <= 1)) if complete.any() else float("nan")
    return AreaStructure(tuple(areas), len(codes), pairs,
                         pd.DataFrame(R, index=areas, columns=areas), eig, thr, nfac,
                         pd.Series(lam, index=areas, name="loading"), omega, meff, within,
                         int(complete.sum()), tuple(notes))


@dataclass(frozen=True)
class AreaContext:
    """Each area's grades by context band (:func:`reliability.validity.grade_context`) and
    the share of schools below the scale's middle grade ("Expected standard") per band."""

    context: str
    by_area: dict
    below_expected: pd.DataFrame

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({"context": self.context,
                          "areas": {a: r.to_dict() for a, r in self.by_area.items()},
                          "below_expected": self.below_expected.to_dict(orient="records")})

    def to_frame(self) -> pd.DataFrame:
        return self.below_expected

    def summary(self) -> str:
        lines = [f"share below the expected standard by {self.context!r}:"]
        for area, part in self.below_expected.groupby("area", sort=False):
            cells = "  ".join(f"{b}: {100 * p:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}]"
                              for b, p, lo, hi in zip(part.band, part.proportion,
                                                      part.ci_low, part.ci_high))
            lines.append(f"  {area}: {cells}")
        for area, r in self.by_area.items():
            tau = r.associations["kendall_tau_b"]
            lines.append(f"  {area}: Kendall tau-b {tau.estimate:.3f} "
                         f"[{tau.ci[0]:.3f}, {tau.ci[1]:.3f}]")
        return "\n".join(lines)


def area_context(data, *, areas, context, categories=None, bands: int = 5,
                 confidence: float = 0.95) -> AreaContext:
    """Per area: grades by context band with Wilson CIs, tau-b / gamma, and the share below
    the middle grade of the scale (for the report card: Needs attention or Urgent
    improvement) by band.

    Grades are coded once by :func:`code_areas` (the known scale or ``categories``) and passed
    to :func:`reliability.validity.grade_context` as codes 1..K, so every area uses the same
    order.
    """
    from reliability.inference import wilson_interval
    from reliability.validity import grade_context

    check_option("confidence", confidence)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    areas = list(areas)
    require_columns(data, [context])
    codes, labels = code_areas(data, areas, categories=categories)
    k = int(codes.max()) + 1 if labels is None else len(labels)
    cats = list(range(1, k + 1))
    middle = (k + 1) // 2                    # "Expected standard" on five points
    by_area, rows = {}, []
    for j, area in enumerate(areas):
        grade = pd.Series(np.where(codes[:, j] >= 0, codes[:, j] + 1, np.nan), name=area)
        res = grade_context(grade, data[context].reset_index(drop=True), categories=cats,
                            bands=bands, confidence=confidence, grade_name=area,
                            context_name=context)
        by_area[area] = res
        for b in res.bands:
            below = sum(b["counts"][str(c)] for c in cats[middle:])
            lo, hi = wilson_interval(below, b["n"], confidence)
            rows.append({"area": area, "band": b["band"], "n": b["n"], "below": below,
                         "proportion": below / b["n"] if b["n"] else float("nan"),
                         "ci_low": lo, "ci_high": hi, "confidence": confidence})
    return AreaContext(context, by_area, pd.DataFrame(rows))


@dataclass(frozen=True)
class AreaAgreement:
    """Agreement of two teams' report cards, per area."""

    table: pd.DataFrame          # one row per area
    estimates: dict              # area -> {statistic: Estimate}

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({"areas": {a: {k: e.to_dict() for k, e in est.items()}
                                    for a, est in self.estimates.items()},
                          "table": self.table.to_dict(orient="records")})

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> str:
        return "agreement of two teams per area:\n" + self.table.round(3).to_string(index=False)


def area_agreement(data, *, areas, second, categories=None,
                   confidence: float = 0.95) -> AreaAgreement:
    """Per area: exact agreement, quadratic-weighted Cohen's kappa and Krippendorff's ordinal
    alpha of two teams' grades, and the chance that a second team gives a different grade.

    Parameters
    ----------
    areas : list of str
        The first team's area columns.
    second : list of str
        The second team's columns, in the same order as ``areas``.

    Notes
    -----
    Both teams' columns are coded together by :func:`code_areas`, so they share one order;
    every coefficient is the library's one implementation (:mod:`reliability.agreement`).
    """
    from reliability.agreement import cohen_kappa, krippendorff_alpha, percent_agreement
    from reliability.data import Ratings

    check_option("confidence", confidence)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    areas, second = list(areas), list(second)
    if len(areas) != len(second):
        raise ReliabilityError(f"areas ({len(areas)}) and second ({len(second)}) must pair up")
    clash = [a for a, b in zip(areas, second) if a == b]
    if clash:
        raise ReliabilityError(f"area {clash[0]!r} is compared with itself: give the second "
                               "team's column")
    codes, labels = code_areas(data, areas + second, categories=categories)
    k = int(codes.max()) + 1 if labels is None else len(labels)
    rows, estimates = [], {}
    for j, area in enumerate(areas):
        pair = codes[:, [j, j + len(areas)]].astype(float) + 1
        pair[pair < 1] = np.nan
        frame = pd.DataFrame(pair, columns=["team_a", "team_b"]).rename_axis("school")
        rt = Ratings.from_wide(frame, level="ordinal", categories=list(range(1, k + 1)))
        est = {"percent_agreement": percent_agreement(rt, confidence=confidence),
               "cohen_kappa_quadratic": cohen_kappa(rt, weights="quadratic",
                                                    confidence=confidence),
               "krippendorff_alpha_ordinal": krippendorff_alpha(rt, level="ordinal",
                                                                confidence=confidence)}
        estimates[area] = est
        pa = est["percent_agreement"]
        rows.append({"area": area, "n": int(np.sum(~np.isnan(pair).any(axis=1))),
                     "percent_agreement": pa.estimate,
                     "p_different_grade": 1 - pa.estimate,
                     "kappa_quadratic": est["cohen_kappa_quadratic"].estimate,
                     "alpha_ordinal": est["krippendorff_alpha_ordinal"].estimate})
    return AreaAgreement(pd.DataFrame(rows), estimates)


@dataclass(frozen=True)
class FrameworkTransition:
    """Old single-word grade against a report-card area for the same schools.

    The two are different instruments (four points, one overall judgement, 2005-2024; five
    points per area since November 2025): the table says how the new grades are distributed
    within each old grade, not whether either is right.
    """

    old: str
    new: str
    table: pd.DataFrame
    associations: dict
    n: int

    def to_dict(self) -> dict:
        from reliability._results import json_safe

        return json_safe({"old": self.old, "new": self.new, "n": self.n,
                          "table": {str(k): {str(c): int(v) for c, v in row.items()}
                                    for k, row in self.table.iterrows()},
                          "associations": {k: e.to_dict() for k, e in self.associations.items()},
                          "note": "two different instruments compared, not a measure of "
                                  "agreement"})

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> str:
        tau = self.associations["kendall_tau_b"]
        return (f"{self.old!r} (rows) against {self.new!r} (columns), n = {self.n}; two "
                "different instruments:\n" + self.table.to_string() +
                f"\nKendall tau-b {tau.estimate:.3f} [{tau.ci[0]:.3f}, {tau.ci[1]:.3f}]")


def framework_transition(data, *, old, new, confidence: float = 0.95) -> FrameworkTransition:
    """Transition table and ordinal association of an old-framework grade and a new area.

    Both columns are coded through their known scales (:mod:`reliability.scales`); schools
    missing either are left out. Associations are :func:`reliability.validity.ordinal_associations`.
    """
    from reliability.scales import OFSTED_GRADES, REPORT_CARD
    from reliability.validity import ordinal_associations

    check_option("confidence", confidence)
    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        from reliability._io import read_csv
        data = read_csv(data)
    if old == new:
        raise ReliabilityError(f"old and new are the same column {old!r}")
    c_old, lab_old = code_areas(data, [old])
    c_new, lab_new = code_areas(data, [new])
    lab_old = lab_old or OFSTED_GRADES.labels
    lab_new = lab_new or REPORT_CARD.labels
    keep = (c_old[:, 0] >= 0) & (c_new[:, 0] >= 0)
    r, c = len(lab_old), len(lab_new)
    flat = c_old[keep, 0] * c + c_new[keep, 0]
    counts = np.bincount(flat, minlength=r * c).reshape(r, c)
    table = pd.DataFrame(counts, index=pd.Index(lab_old, name=old),
                         columns=pd.Index(lab_new, name=new))
    return FrameworkTransition(old, new, table, ordinal_associations(counts, confidence=confidence),
                               int(keep.sum()))
