"""What the app's pages show and do: reading an upload, the choices offered, running the
chosen question through the library and writing the report's downloads."""

from __future__ import annotations

import csv
import html
import re
import shutil
import time
import warnings
from pathlib import Path

from reliability._errors import ReliabilityError

QUESTION_ORDER = ("context", "agreement", "inspectors", "areas", "grades")


def esc(x) -> str:
    return html.escape(str(x), quote=True)


def read_upload(folder: Path, name: str, data: bytes):
    """Write the upload into its temporary folder, read it, delete it: the table stays in
    memory only. Raises ReliabilityError with a one-line message for a bad file."""
    from reliability.report.load import load_user_table

    if not data:
        raise ReliabilityError(f"{name} is empty")
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise ReliabilityError(f"{name} is an old Excel file (.xls): save it as .xlsx or CSV "
                               "and upload that")
    if suffix not in ("", ".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".gz", ".zip"):
        raise ReliabilityError(f"{name}: upload a CSV file or an Excel workbook (.xlsx); "
                               f"{suffix} files are not read")
    path = folder / ("upload" + (suffix or ".csv"))
    path.write_bytes(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = load_user_table(path, name=name)
    except ReliabilityError as exc:      # say the user's file name, not the temporary path
        raise ReliabilityError(str(exc).replace(str(path), name)) from None
    finally:
        path.unlink(missing_ok=True)
    if table.n_rows == 0:
        raise ReliabilityError(f"{name} has column names but no rows")
    return table


def _options(table):
    return [(c, table.label(c)) for c in table.frame.columns]


def _available(table):
    g = table.guesses
    out = []
    for q in QUESTION_ORDER:
        why = ""
        if q == "agreement" and table.layout != "table":
            why = ("Ofsted's files hold one grade per school: agreement needs two teams' "
                   "grades of the same schools")
        if q == "inspectors" and table.layout != "table":
            why = "Ofsted's published files do not name inspectors"
        if q == "areas" and table.layout == "ofsted_2005":
            why = "only report-card files (from November 2025) have evaluation areas"
        if q == "context" and table.layout == "report_card_2025" and not g.get("context"):
            why = "no context column found"
        out.append({"id": q, "available": not why, "why": why})
    return out


def choose_context(s) -> dict:
    from reliability.report.load import column_values
    from reliability.report.user import QUESTIONS

    t = s.table
    prev = t.raw_preview
    cols = [str(c) for c in prev.columns]
    show = cols[:14]
    rows = [["" if v is None or (isinstance(v, float) and v != v) else str(v)
             for v in r] for r in prev[show].itertuples(index=False, name=None)]
    phase = t.guesses.get("phase")
    phases = column_values(t.frame, phase) if phase else []
    questions = _available(t)
    default_q = next(q["id"] for q in questions if q["available"])
    choices = {"question": default_q, "grade": t.guesses.get("grade") or "",
               "context": t.guesses.get("context") or "",
               "inspector": t.guesses.get("inspector") or "",
               "first": t.guesses.get("first") or "", "second": t.guesses.get("second") or "",
               "areas": t.guesses.get("areas") or [], "only": "", "deprived_end": "",
               "min_cell": "10", "key": ""}
    choices.update({k: v for k, v in (s.choices or {}).items() if k != "key"})
    return {"token": s.token, "name": t.name, "layout": t.layout,
            "description": t.description, "n_rows": t.n_rows,
            "n_columns": len(cols), "preview_columns": show, "preview_rows": rows,
            "more_columns": max(0, len(cols) - len(show)), "notes": t.notes,
            "columns": _options(t), "sure": sorted(t.sure), "questions": questions,
            "question_text": QUESTIONS, "phase_column": phase, "phases": phases,
            "deprivation_known": bool(t.deprivation), "choices": choices,
            "grade_label": t.label(t.guesses["grade"]) if t.guesses.get("grade") else ""}


def _int(value, name, lo, hi):
    try:
        v = int(str(value).strip())
    except (TypeError, ValueError):
        raise ReliabilityError(f"{name} must be a whole number; got {value!r}") from None
    if not lo <= v <= hi:
        raise ReliabilityError(f"{name} must be between {lo} and {hi}; got {v}")
    return v


def run_question(s, choices: dict, progress=None) -> None:
    """Run the chosen question on the session's table and write the report folder.

    ``progress(stage, percent)``, if given, hears each stage of the work (the stages the
    report announces through :func:`reliability.report._stages.stage`, then writing)."""
    from reliability.report._stages import listen, stage
    from reliability.report.user import agreement_report, areas_report, data_report
    from reliability.report.write import write_report

    if progress is not None:
        with listen(progress):
            return run_question(s, choices)
    stage("Checking your choices", 3)
    t0 = time.perf_counter()
    t = s.table
    q = choices.get("question") or "context"
    if q not in QUESTION_ORDER:
        raise ReliabilityError(f"unknown question {q!r}")
    min_cell = _int(choices.get("min_cell") or 10, "the smallest number shown", 1, 1000)
    grade = choices.get("grade") or None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if q == "context":
            if not grade or not choices.get("context"):
                raise ReliabilityError("choose the grade column and the context column")
            only = choices.get("only") or ""
            subset = (t.guesses.get("phase"), only) if only and t.guesses.get("phase") else None
            dep = choices.get("deprived_end") or None
            oc = data_report(t, grade=grade, context=choices.get("context"), min_cell=min_cell,
                             subset=subset, deprived_end=dep if dep in ("high", "low") else None)
        elif q == "inspectors":
            if not grade or not choices.get("inspector"):
                raise ReliabilityError("choose the grade column and the inspector column")
            key = choices.get("key") or ""
            if len(key) < 8:
                raise ReliabilityError("type a secret word of at least 8 characters: inspector "
                                       "names or ids are replaced by pseudonyms made with it")
            oc = data_report(t, grade=grade, inspector=choices.get("inspector"), key=key,
                             min_cell=min_cell)
        elif q == "grades":
            if not grade:
                raise ReliabilityError("choose the grade column")
            oc = data_report(t, grade=grade, min_cell=min_cell)
        elif q == "agreement":
            first, second = choices.get("first"), choices.get("second")
            if not first or not second:
                raise ReliabilityError("choose the two teams' grade columns")
            oc = agreement_report(t, first=first, second=second, min_cell=min_cell)
        else:
            areas = [a for a in (choices.get("areas") or []) if a]
            if len(areas) < 2:
                raise ReliabilityError("choose at least two evaluation areas")
            oc = areas_report(t, areas=areas, context=choices.get("context") or None,
                              min_cell=min_cell)
    out = s.folder / "report"
    shutil.rmtree(out, ignore_errors=True)
    stage("Writing the report: HTML, charts and JSON", 75)
    res = write_report(oc, out)
    stage("Writing the tables as CSV", 92)
    for tab in oc.tables:
        _write_csv(out / f"{tab.name}.csv", tab)
    s.outcome = oc
    s.report = {"results": res, "warnings": sorted({" ".join(str(w.message).split())
                                                    for w in caught})}
    s.seconds = time.perf_counter() - t0


def _write_csv(path: Path, tab) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(tab.columns)
        for r in tab.rows:
            w.writerow(["" if v is None else v for v in r])


def download_files(s) -> dict:
    out = s.folder / "report"
    files = {"report.html": (out / "report.html", "text/html; charset=utf-8"),
             "results.json": (out / "results.json", "application/json")}
    for tab in s.outcome.tables:
        files[f"{tab.name}.csv"] = (out / f"{tab.name}.csv", "text/csv; charset=utf-8")
    for p in s.outcome.plots:
        files[f"{p.name}.png"] = (out / f"{p.name}.png", "image/png")
    if (out / "report.pdf").exists():
        files["report.pdf"] = (out / "report.pdf", "application/pdf")
    return files


def download_name(s, name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(s.table.name).stem).strip("-") or "data"
    return f"{stem}-{name}"


def report_page(s, *, pdf: bool) -> str:
    """The report as written to report.html, with the app's bar of downloads on top."""
    html_text = (s.folder / "report" / "report.html").read_text(encoding="utf-8")
    base = f"/s/{s.token}/download"
    links = [("report.html", "Report (HTML)")]
    if pdf:
        links.append(("report.pdf", "Report (PDF)"))
    main = [t for t in s.outcome.tables if not t.appendix]
    full = [t for t in s.outcome.tables if t.appendix]
    for t in main[:1] + full[:1]:
        links.append((f"{t.name}.csv", f"Table: {t.caption} (CSV)"))
    links.append(("results.json", "All results (JSON)"))
    items = "".join(f"<a class='dl' href='{base}/{esc(n)}' data-name='{esc(n)}'>{esc(lab)}</a>"
                    for n, lab in links)
    warn = "".join(f"<li>{esc(w)}</li>" for w in s.report.get("warnings", []))
    bar = ("<nav class='noprint' id='appbar' style='background:#eef2f7;padding:.6em 1em;"
           "border:1px solid #ccd;margin-bottom:1em;font-family:system-ui,sans-serif'>"
           "<b>Download:</b> " + " &middot; ".join([items]).replace("</a><a", "</a> &middot; <a")
           + f"<br><a href='/s/{esc(s.token)}'>Ask another question of {esc(s.table.name)}</a>"
           " &middot; <a href='/'>Upload another file</a>"
           f"<span class='small' id='took'> &middot; analysed in {s.seconds:.1f} s</span>"
           + (f"<ul class='small'>{warn}</ul>" if warn else "") + "</nav>")
    return html_text.replace("<body>", "<body>" + bar, 1)
