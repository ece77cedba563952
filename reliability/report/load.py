"""A user's file as the reports and the web app see it: read once, layout recognised.

:func:`load_user_table` reads a CSV (any encoding or compression :func:`reliability._io.read_csv`
reads) or an Excel workbook (``.xlsx``, first sheet, through openpyxl), recognises Ofsted's
management-information files of both frameworks by their columns (through
:func:`reliability.datasets.read_ofsted_inspections`, so renamed columns of later releases
are found too) and guesses which columns hold the grade, the context, the inspector and the
phase, saying which guesses are sure. The file itself is only read.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError

__all__ = ["UserTable", "load_user_table", "read_excel", "DEPRIVATION_LABEL"]

DEPRIVATION_LABEL = "IDACI quintile"
_XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class UserTable:
    """A user's table, ready for :func:`reliability.report.data_report`.

    ``layout`` is ``"ofsted_2005"`` (Ofsted MI, graded framework), ``"report_card_2025"``
    (Ofsted MI, report cards) or ``"table"`` (any other table). ``frame`` is what the
    analyses read (for Ofsted files the reader's canonical columns); ``labels`` gives the
    name to show for each column; ``guesses`` maps a role (``grade``, ``context``,
    ``inspector``, ``phase``, ``areas``, ``first``, ``second``) to a column (``areas``: a
    list) and ``sure`` names the roles recognised with certainty.
    """

    name: str
    layout: str
    frame: pd.DataFrame
    raw_preview: pd.DataFrame
    labels: dict = field(default_factory=dict)
    guesses: dict = field(default_factory=dict)
    sure: set = field(default_factory=set)
    notes: list = field(default_factory=list)
    as_at: str | None = None
    deprivation: str | None = None   # the context column whose high end is most deprived
    text: pd.DataFrame | None = None  # every column as text (ids such as 007), plain tables

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def description(self) -> str:
        if self.layout == "ofsted_2005":
            return ("Ofsted management information, graded framework (overall effectiveness "
                    "1 = Outstanding to 4 = Inadequate)")
        if self.layout == "report_card_2025":
            return ("Ofsted management information, report cards (evaluation areas on the "
                    "five-point scale, from November 2025)")
        return "a table of inspections (columns chosen below)"

    def label(self, column) -> str:
        return self.labels.get(column, str(column))

    def resolve(self, name, *, role: str = "column") -> str | None:
        """The frame column meant by ``name``: a column of the frame, a column's shown label,
        or (Ofsted files) a published column name, matched ignoring case and spaces."""
        if name is None or name == "":
            return None
        dep = self.deprivation
        if name in self.frame.columns:
            return dep if name == "idaci_quintile" and dep else name
        key = _key(name)
        for col, lab in self.labels.items():
            if _key(lab) == key or _key(col) == key:
                return dep if col == "idaci_quintile" and dep else col
        for col, pub in self.frame.attrs.get("column_map", {}).items():
            if pub is not None and _key(pub) == key and col in self.frame.columns:
                return self.deprivation if col == "idaci_quintile" and self.deprivation else col
        for col, pub in self.frame.attrs.get("columns", {}).items():
            if pub is not None and _key(pub) == key and col in self.frame.columns:
                return self.deprivation if col == "idaci_quintile" and self.deprivation else col
        from reliability._errors import suggest

        shown = [self.label(c) for c in self.frame.columns]
        raise ReliabilityError(f"{role} {name!r} not found{suggest(str(name), shown)}; "
                               f"columns: " + ", ".join(map(repr, shown[:12]))
                               + (" ..." if len(shown) > 12 else ""))


def _key(s) -> str:
    return re.sub(r"[^0-9a-z]+", " ", str(s).lower()).strip()


# --------------------------------------------------------------------------- Excel
def _cell_text(v) -> str:
    import datetime as dt

    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _is_xlsx(p: Path) -> bool:
    if p.suffix.lower() in _XLSX_SUFFIXES:
        return True
    try:
        import zipfile

        with zipfile.ZipFile(p) as z:
            return "xl/workbook.xml" in z.namelist()
    except (OSError, Exception):  # not a zip: not a workbook
        return False


def read_excel(path) -> pd.DataFrame:
    """The first sheet of an ``.xlsx`` workbook as text cells (dates as DD/MM/YYYY, whole
    numbers without ``.0``), header from the first non-empty row."""
    p = Path(os.fspath(path))
    if not p.exists():
        raise ReliabilityError(f"file not found: {p.name}")
    if p.suffix.lower() == ".xls":
        raise ReliabilityError(f"{p.name} is an old Excel file (.xls): save it as .xlsx or CSV "
                               "and upload that")
    try:
        import openpyxl
    except ImportError:
        raise ReliabilityError("reading Excel files needs openpyxl: pip install "
                               "'inspection-reliability[app]'") from None
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise ReliabilityError(f"cannot read {p.name} as an Excel workbook "
                               f"({type(exc).__name__}); save it again as .xlsx or CSV") from None
    try:
        ws = wb.worksheets[0]
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ReliabilityError(f"the first sheet of {p.name} is empty")
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ReliabilityError(f"the first row of {p.name} has no column names")
    width = len(header)
    header = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    dup = {h for h in header if header.count(h) > 1}
    if dup:
        raise ReliabilityError(f"column {sorted(dup)[0]!r} appears more than once in {p.name}; "
                               "give every column a distinct name")
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


# --------------------------------------------------------------------------- guessing
_GUESS = {
    "grade": (r"overall effectiveness|^grade$|overall grade|judgement|^rating$|^grade",),
    "context": (r"idaci|deprivation|fsm|free school meals|disadvantage|quintile",),
    "inspector": (r"inspector|^lead|^hmi|^oi$|^rater$",),
    "phase": (r"phase",),
}


def _guess(columns, role):
    for pat in _GUESS[role]:
        for c in columns:
            if re.search(pat, str(c).strip().lower()) and not str(c).lower().startswith(
                    "previous"):
                return c
    return None


def _generic(frame: pd.DataFrame, name: str) -> UserTable:
    cols = list(frame.columns)
    guesses = {r: _guess(cols, r) for r in ("grade", "context", "inspector", "phase")}
    # two columns of the same kind of grade: two teams
    teams = [c for c in cols if re.search(r"team|first|second|inspector_?[ab12]|rater_?[ab12]",
                                          str(c).lower())]
    if len(teams) >= 2:
        guesses["first"], guesses["second"] = teams[0], teams[1]
    return UserTable(name=name, layout="table", frame=frame, raw_preview=frame.head(8),
                     labels={c: str(c) for c in cols}, guesses=guesses, sure=set())


def _as_at(frame: pd.DataFrame) -> str | None:
    for col in ("inspection_start_date", "inspection_end_date"):
        if col in frame.columns:
            d = pd.to_datetime(frame[col], errors="coerce").dropna()
            if len(d):
                return d.max().strftime("%d %B %Y").lstrip("0")
    return None


def _ofsted(frame: pd.DataFrame, raw_preview: pd.DataFrame, name: str) -> UserTable:
    framework = frame.attrs.get("framework", "ofsted_2005")
    published = frame.attrs.get("column_map") or frame.attrs.get("columns") or {}
    labels = {c: (published.get(c) or c.replace("_", " ").capitalize()) for c in frame.columns}
    notes = []
    if "deprivation_rank" not in frame.columns and "idaci_quintile" in frame.columns:
        frame["deprivation_rank"] = frame["idaci_quintile"]
    if "deprivation_rank" in frame.columns:
        labels["deprivation_rank"] = DEPRIVATION_LABEL
        notes.append("IDACI quintile 5 is read as the most deprived fifth of neighbourhoods "
                     "(Ofsted's files do not say; in the published data the share of schools "
                     "graded below Good rises with the quintile).")
    guesses = {"phase": "ofsted_phase" if "ofsted_phase" in frame.columns else
               ("phase" if "phase" in frame.columns else None),
               "context": "deprivation_rank" if "deprivation_rank" in frame.columns else None,
               "inspector": None}
    sure = {"phase", "context"}
    if framework == "report_card_2025":
        guesses["areas"] = list(frame.attrs.get("areas", []))
        guesses["grade"] = guesses["areas"][0] if guesses["areas"] else None
        sure |= {"areas", "grade"}
    else:
        guesses["grade"] = "overall_effectiveness"
        sure.add("grade")
    return UserTable(name=name, layout=framework, frame=frame, raw_preview=raw_preview,
                     labels=labels, guesses=guesses, sure=sure, notes=notes,
                     as_at=_as_at(frame),
                     deprivation="deprivation_rank" if "deprivation_rank" in frame.columns
                     else None)


def load_user_table(path, *, encoding=None, name: str | None = None) -> UserTable:
    """Read ``path`` (CSV or ``.xlsx``; only read) and recognise its layout.

    ``name`` is the file name to show (by default the path's base name, never the full
    path). Warnings of the reader (missing codes read as missing, rows dropped) are kept in
    ``notes``.
    """
    from reliability._io import read_csv
    from reliability.datasets import read_ofsted_inspections

    p = Path(os.fspath(path))
    name = name or p.name
    with tempfile.TemporaryDirectory(prefix="reliability-xlsx-") as tmp:
        if p.exists() and p.is_file() and p.stat().st_size > 0 and _is_xlsx(p):
            raw = read_excel(p)
            csv_path = Path(tmp) / "sheet.csv"
            raw.to_csv(csv_path, index=False, encoding="utf-8")
            src, enc = csv_path, "utf-8"
        else:
            src, enc = p, encoding
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = read_csv(src, encoding=enc)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mi = read_ofsted_inspections(src, encoding=enc)
        except ReliabilityError:
            mi = None
        if mi is None:
            text = read_csv(src, encoding=enc, text=True)
    raw_preview = frame.head(8)
    if mi is not None:
        table = _ofsted(mi, raw_preview, name)
    else:
        table = _generic(frame, name)
        table.text = text
        table.notes = _warning_lines(caught, src, name) + table.notes
    return table


def _warning_lines(caught, src, name) -> list[str]:
    out = []
    for w in caught:
        text = " ".join(str(w.message).split()).replace(str(src), name)
        if text not in out:
            out.append(text)
    return out


def column_values(frame: pd.DataFrame, column, limit: int = 12) -> list[str]:
    """Up to ``limit`` distinct non-missing values of a column, most frequent first."""
    s = frame[column]
    vc = s.dropna().astype(str).str.strip()
    vc = vc[vc != ""].value_counts()
    return [str(v) for v in vc.index[:limit]]


def numeric_codes(values) -> np.ndarray | None:
    """The distinct numeric codes of a column, or None if it is not numeric."""
    s = pd.to_numeric(pd.Series(values).dropna(), errors="coerce")
    if s.isna().any() or not len(s):
        return None
    return np.unique(s.to_numpy())
