"""Study specification, compared figures and the study context.

A study is a :class:`Study`: a name, a title, a description, the library modules it needs
and a ``run(ctx)`` function. ``run`` loads data, calls the library, and records through the
:class:`StudyContext` every figure it compares (with the published value, its source, where
it is printed, the tolerance and a status), the tables and plots it shows, and the
assumptions it makes. The runner (:mod:`reliability.studies.runner`) turns that into
``results.json``, image files and a self-contained HTML report.

Kinds of a figure (what its target is):

* ``published`` - a figure printed in the source, reproduced from the same data;
* ``derived`` - a figure this project derived from published counts (e.g. the Wilson interval
  of 22 of 24): a check of our arithmetic, not of the source;
* ``calibration`` - a published share that the synthetic data were *calibrated to*: matching it
  checks the generator, it reproduces nothing;
* ``truth`` - the known truth of a synthetic generator;
* ``context`` - a published figure for a different population shown beside ours.

Statuses of a figure: ``pass`` / ``fail`` (within / outside its tolerance), ``context``
(never pass/fail) and ``error`` (could not be computed: counts as a failure).

The status of a study is ``error`` (it could not run), ``fail`` (a figure failed or could
not be computed), ``pass`` (every compared figure is within tolerance) or ``descriptive``
(it compared nothing: only context figures, tables and plots; it neither passes nor fails).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from reliability._errors import ReliabilityError
from reliability._results import json_safe

STATUSES = ("pass", "fail", "context", "error")
KINDS = ("published", "derived", "calibration", "truth", "context")
STUDY_STATUSES = ("pass", "fail", "error", "descriptive")


@dataclass(frozen=True)
class Figure:
    """One compared figure: our value beside its target."""

    name: str
    value: float | None
    published: float | None
    source: str
    where: str = ""
    tolerance: float | None = None
    status: str = "context"
    kind: str = "published"
    note: str = ""
    label: str = ""

    @property
    def difference(self) -> float | None:
        if self.value is None or self.published is None:
            return None
        if not (math.isfinite(self.value) and math.isfinite(self.published)):
            return None
        return float(self.value - self.published)

    def to_dict(self) -> dict:
        return json_safe({
            "name": self.name, "label": self.label or self.name, "value": self.value,
            "published": self.published, "difference": self.difference,
            "tolerance": self.tolerance, "status": self.status, "kind": self.kind,
            "source": self.source, "where": self.where, "page": self.where,
            "note": self.note})


def _as_float(x) -> float | None:
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"figure value must be a number; got {x!r}") from exc


def compare_value(value, target, tolerance) -> str:
    """``pass`` if ``|value - target| <= tolerance``; ``error`` if either is NaN/None."""
    v, t = _as_float(value), _as_float(target)
    if v is None or t is None or not (math.isfinite(v) and math.isfinite(t)):
        return "error"
    # A tiny slack so that a value printed as 0.917 with tolerance 0.0005 passes when the
    # true value sits exactly at the rounding boundary in floating point.
    return "pass" if abs(v - t) <= float(tolerance) * (1 + 1e-9) + 1e-12 else "fail"


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    columns: tuple
    rows: tuple
    note: str = ""
    appendix: bool = False     # a full table: shown after the charts and compact tables

    def to_dict(self) -> dict:
        return json_safe({"name": self.name, "caption": self.caption,
                          "columns": list(self.columns),
                          "rows": [list(r) for r in self.rows], "note": self.note,
                          "appendix": self.appendix})


@dataclass(frozen=True)
class Plot:
    name: str
    caption: str
    png: bytes = b""
    svg: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "caption": self.caption,
                "files": [f"{self.name}.png", f"{self.name}.svg"]}


@dataclass(frozen=True)
class Study:
    """A study: what it reproduces and the function that does it.

    Parameters
    ----------
    name : str
        Command-line name (``ofsted-2017-parallel``).
    title, description : str
        Shown in ``reliability study list`` and at the top of the report.
    run : callable
        ``run(ctx: StudyContext) -> None``.
    data : str
        Where the data come from (real file with provenance, or generator with parameters).
    disclosure : bool
        The study reports inspector-level data: disclosure control applies.
    """

    name: str
    title: str
    description: str
    run: Callable[["StudyContext"], None]
    data: str = ""
    disclosure: bool = False


class StudyContext:
    """What a study's ``run`` receives: seed, published targets and the recorders."""

    def __init__(self, study: Study, *, seed: int = 20240601,
                 published: Mapping[str, Mapping] | None = None, disclosure=None):
        self.study = study
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.published = dict(published or {})
        self.disclosure = disclosure
        self.figures: list[Figure] = []
        self.tables: list[Table] = []
        self.plots: list[Plot] = []
        self.assumptions: list[str] = []
        self.notes: list[str] = []
        self.data_sources: list[str] = []
        self.summary: dict = {}

    # ---- targets ---------------------------------------------------------------------
    def target(self, key: str) -> Mapping:
        try:
            return self.published[key]
        except KeyError:
            raise ReliabilityError(
                f"study {self.study.name!r} has no published target {key!r}; known: "
                f"{sorted(self.published)}") from None

    def compare(self, key: str, value, *, note: str = "") -> Figure:
        """Compare ``value`` with the published target ``key`` of this study's spec."""
        t = self.target(key)
        kind = t.get("kind", "published")
        if kind not in KINDS:
            raise ReliabilityError(f"target {key!r} has kind {kind!r}; known: {list(KINDS)}")
        if kind == "context":
            status = "context"
        else:
            status = compare_value(value, t["value"], t["tolerance"])
        fig = Figure(name=key, label=t.get("label", key), value=_as_float(value),
                     published=_as_float(t["value"]), source=t.get("source", ""),
                     where=t.get("where", ""), tolerance=t.get("tolerance"), status=status,
                     kind=kind, note=" ".join(x for x in (t.get("note", ""), note) if x))
        self.figures.append(fig)
        return fig

    def truth(self, name: str, value, truth, *, tolerance: float, source: str,
              label: str = "", note: str = "") -> Figure:
        """Compare a figure estimated from synthetic data with the generator's known truth."""
        fig = Figure(name=name, label=label or name, value=_as_float(value),
                     published=_as_float(truth), source=source, where="generator",
                     tolerance=float(tolerance), status=compare_value(value, truth, tolerance),
                     kind="truth", note=note)
        self.figures.append(fig)
        return fig

    def context(self, key: str, value=None, *, note: str = "") -> Figure:
        """Show a published figure for a different population beside ours (no pass/fail)."""
        t = self.target(key)
        fig = Figure(name=key, label=t.get("label", key), value=_as_float(value),
                     published=_as_float(t["value"]), source=t.get("source", ""),
                     where=t.get("where", ""), tolerance=None, status="context",
                     kind="context", note=" ".join(x for x in (t.get("note", ""), note) if x))
        self.figures.append(fig)
        return fig

    # ---- content ---------------------------------------------------------------------
    def table(self, name: str, frame, *, caption: str = "", note: str = "",
              index: bool = False, appendix: bool = False) -> Table:
        """Record a table (a pandas DataFrame, or a list of dicts)."""
        import pandas as pd

        df = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
        if index:
            df = df.reset_index()
        if self.disclosure is not None and self.study.disclosure:
            df = self.disclosure.apply(df)
        tab = Table(name=_slug(name), caption=caption or name,
                    columns=tuple(str(c) for c in df.columns),
                    rows=tuple(tuple(_cell(v) for v in row) for row in
                               df.itertuples(index=False, name=None)), note=note,
                    appendix=bool(appendix))
        self.tables.append(tab)
        return tab

    def plot(self, name: str, fig, *, caption: str = "") -> Plot:
        """Record a matplotlib Figure (stored as PNG and SVG, embedded in the report)."""
        import io

        png, svg = io.BytesIO(), io.StringIO()
        fig.savefig(png, format="png", dpi=110, bbox_inches="tight")
        fig.savefig(svg, format="svg", bbox_inches="tight")
        try:
            import matplotlib.pyplot as plt

            plt.close(fig)
        except Exception:  # pragma: no cover - closing is housekeeping only
            pass
        p = Plot(name=_slug(name), caption=caption or name, png=png.getvalue(),
                 svg=svg.getvalue())
        self.plots.append(p)
        return p

    def summarise(self, *, question: str, answer, not_shown=(), data=()) -> None:
        """The plain-language summary that leads the study's report: the question, the
        answer (sentences built from results, never typed numbers), what it does not show,
        the data."""
        self.summary = {"question": str(question),
                        "answer": [answer] if isinstance(answer, str) else list(answer),
                        "not_shown": list(not_shown), "data": list(data)}

    def assume(self, text: str) -> None:
        self.assumptions.append(str(text))

    def note(self, text: str) -> None:
        self.notes.append(str(text))

    def source(self, text: str) -> None:
        self.data_sources.append(str(text))


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-").lower()
    return s or "item"


def _cell(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is None:
        return None
    try:
        import pandas as pd

        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, (int, str, bool)):
        return v
    return str(v)


@dataclass(frozen=True)
class StudyOutcome:
    """Everything a study produced; ``status`` is pass / fail / error."""

    name: str
    title: str
    description: str
    status: str
    seed: int
    figures: tuple = ()
    tables: tuple = ()
    plots: tuple = ()
    assumptions: tuple = ()
    notes: tuple = ()
    data_sources: tuple = ()
    error: str = ""
    seconds: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: plain-language summary leading a user report: ``question``, ``answer`` (sentences),
    #: ``not_shown``, ``data`` (sentences), ``suppression``, ``references``
    summary: Mapping[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict:
        out = {s: 0 for s in STATUSES}
        for f in self.figures:
            out[f.status] = out.get(f.status, 0) + 1
        return out

    def to_dict(self) -> dict:
        return json_safe({
            "name": self.name, "title": self.title, "description": self.description,
            "status": self.status, "seed": self.seed, "error": self.error or None,
            "seconds": round(self.seconds, 3), "counts": self.counts,
            "figures": [f.to_dict() for f in self.figures],
            "tables": [t.to_dict() for t in self.tables],
            "plots": [p.to_dict() for p in self.plots],
            "assumptions": list(self.assumptions), "notes": list(self.notes),
            "data_sources": list(self.data_sources),
            **({"summary": dict(self.summary)} if self.summary else {})})
