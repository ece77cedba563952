"""Self-contained HTML report: inline CSS, plots embedded as base64 PNG, no scripts and no
external links, so the single file can be e-mailed or archived as it is."""

from __future__ import annotations

import base64
import html

import numpy as np

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;border-bottom:2px solid #444}h2{font-size:1.25em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #bbb;padding:.25em .55em;text-align:right;vertical-align:top}
th{background:#eee}td.l,th.l{text-align:left}td:not(.l),td.nw{white-space:nowrap}
.pass{background:#dff0d8}.fail{background:#f2dede}.error{background:#f2dede;font-weight:bold}
.context{background:#e8eef7}.status{font-weight:bold;font-size:1.1em}
figure{margin:1em 0}figcaption{font-size:.9em;color:#444}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}
.small{font-size:.85em;color:#555}
.summary{background:#f3f6fb;border-left:5px solid #0072B2;padding:.6em 1.2em;margin:1em 0}
.summary h2{margin-top:.4em}.summary .answer{font-size:1.12em}
.summary h3{font-size:1em;margin:.8em 0 .2em}
details{margin:1em 0}summary{cursor:pointer;font-weight:bold}
@page{size:A4;margin:14mm 12mm}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}details{display:block}
details>*{display:block}h1,h2,h3,caption{break-after:avoid}table,figure,.keep{break-inside:avoid}
table{font-size:8.5pt;max-width:100%}th,td{overflow-wrap:break-word;padding:.15em .4em}
figure img{max-width:100%;max-height:235mm;width:auto;height:auto}
.summary{break-inside:avoid}.noprint{display:none}a{color:inherit;text-decoration:none}}
"""

_STATUS_TEXT = {
    "pass": "every compared figure is within its tolerance",
    "fail": "some compared figures are outside their tolerance",
    "error": "the study could not run",
    "descriptive": "the study compares nothing: published figures are shown only as background",
}


def esc(x) -> str:
    return html.escape(str(x), quote=True)


def fmt(v, digits: int = 4) -> str:
    """A table cell for people: :func:`reliability.report.plain.number` (integers as
    integers, no scientific notation, trailing zeros cut), HTML-escaped."""
    from reliability.report.plain import number

    if v is None or isinstance(v, (bool, np.bool_)):
        return "&mdash;" if v is None else esc(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        return esc(number(v, digits=digits, trim=True)).replace("—", "&mdash;")
    return esc(v)


def table_html(columns, rows, *, caption: str = "", note: str = "") -> str:
    head = "".join(f"<th class='l'>{esc(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for v in r:
            # text cells align left; short ones (names, pseudonyms, "not shown") stay on
            # one line so that printed rows keep one line each
            cls = (" class='l nw'" if len(v) <= 24 else " class='l'") if isinstance(v, str) \
                else ""
            cells.append(f"<td{cls}>{fmt(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption class='l'>{esc(caption)}</caption>" if caption else ""
    n = f"<p class='small'>{esc(note)}</p>" if note else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{n}"


def figures_html(figures) -> str:
    if not figures:
        return "<p>No figures are compared in this study.</p>"
    rows = []
    for f in figures:
        d = f.to_dict() if hasattr(f, "to_dict") else f
        tol = "" if d["tolerance"] is None else f"&plusmn;{d['tolerance']:g}"
        rows.append(
            f"<tr class='{esc(d['status'])}'><td class='l'>{esc(d['label'])}</td>"
            f"<td>{fmt(d['value'])}</td><td>{fmt(d['published'])}</td>"
            f"<td>{fmt(d['difference'])}</td><td>{tol}</td>"
            f"<td class='l'>{esc(d['status'])}</td><td class='l'>{esc(d['kind'])}</td>"
            f"<td class='l'>{esc(d['source'])}"
            + (f"<br><span class='small'>{esc(d['where'])}</span>" if d["where"] else "")
            + (f"<br><span class='small'>{esc(d['note'])}</span>" if d["note"] else "")
            + "</td></tr>")
    return ("<table><thead><tr><th class='l'>Figure</th><th>Ours</th><th>Published / "
            "truth</th><th>Difference</th><th>Tolerance</th><th class='l'>Status</th>"
            "<th class='l'>Kind</th><th class='l'>Source</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            "<p class='small'>Kind: <b>published</b> = compared with a published figure; "
            "<b>derived</b> = derived by this project from published counts (a check of our "
            "arithmetic, not a published number); <b>calibration</b> = a published share the "
            "synthetic data were calibrated to (checks the generator, reproduces nothing); "
            "<b>truth</b> = estimated from synthetic data and compared with the generator's "
            "known value; <b>context</b> = a published figure for a different population shown "
            "beside ours, never a pass or a fail.</p>")


def plot_html(plot) -> str:
    b64 = base64.b64encode(plot.png).decode("ascii")
    return (f"<figure><img alt='{esc(plot.caption)}' src='data:image/png;base64,{b64}' "
            f"style='max-width:100%'><figcaption>{esc(plot.caption)}</figcaption></figure>")


def page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
            f"{body}</body></html>\n")


def software_html(software: dict, seed, created: str) -> str:
    rows = [(k, "" if v is None else str(v)) for k, v in software.items()]
    rows.append(("seed", str(seed)))
    rows.append(("created (UTC)", created))
    return "<h2>Software and seed</h2>" + table_html(["item", "value"], rows)


def list_html(items) -> str:
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def summary_html(summary) -> str:
    """The plain-language summary that leads a user report."""
    parts = ["<section class='summary' id='summary'><h2>Summary</h2>",
             f"<p><b>Question.</b> {esc(summary.get('question', ''))}</p>",
             "<p class='answer' id='answer'><b>Answer.</b> "
             + " ".join(f"<span class='sentence'>{esc(a)}</span>"
                        for a in summary.get("answer", ())) + "</p>"]
    if summary.get("not_shown"):
        parts.append("<h3>What this does not show</h3>" + list_html(summary["not_shown"]))
    if summary.get("data"):
        parts.append("<h3>The data</h3>" + list_html(summary["data"]))
    if summary.get("suppression"):
        parts.append(f"<h3>Small numbers</h3><p>{esc(summary['suppression'])}</p>")
    parts.append("</section>")
    return "".join(parts)


def study_report_html(outcome, *, software: dict, created: str) -> str:
    """The HTML report of one study outcome: summary (when the outcome has one), charts,
    compact tables, compared figures, then the full tables, methods and software."""
    summary = getattr(outcome, "summary", None) or {}
    parts = [f"<h1>{esc(outcome.title)}</h1>"]
    if summary:
        parts.append(summary_html(summary))
        if outcome.figures:       # a study that compares figures says how they came out
            parts.append(f"<p class='status {esc(outcome.status)}'>Status: "
                         f"{esc(outcome.status)} &mdash; "
                         f"{esc(_STATUS_TEXT.get(outcome.status, ''))}</p>")
    else:
        parts += [f"<p class='small'>Study <code>{esc(outcome.name)}</code></p>",
                  f"<p>{esc(outcome.description)}</p>",
                  f"<p class='status {esc(outcome.status)}'>Status: {esc(outcome.status)} "
                  f"&mdash; {esc(_STATUS_TEXT.get(outcome.status, ''))}</p>"]
    if outcome.error:
        parts.append("<h2>Error</h2><pre>" + esc(outcome.error) + "</pre>")
    if outcome.data_sources and not summary:
        parts.append("<h2>Data</h2>" + list_html(outcome.data_sources))
    if outcome.plots:
        parts.append("<h2>Charts</h2>" + "".join(plot_html(p) for p in outcome.plots))
    main = [t for t in outcome.tables if not getattr(t, "appendix", False)]
    appendix = [t for t in outcome.tables if getattr(t, "appendix", False)]
    for t in main:       # a heading stays with its table on paper (section.keep)
        parts.append(f"<section class='keep'><h2>{esc(t.caption)}</h2>"
                     + table_html(t.columns, t.rows, note=t.note) + "</section>")
    if outcome.figures:
        parts.append("<h2>Compared figures</h2>" + figures_html(outcome.figures))
    elif not summary:
        parts.append("<h2>Compared figures</h2>" + figures_html(outcome.figures))
    if appendix or outcome.assumptions or outcome.notes or summary.get("references"):
        parts.append("<h2>Appendix</h2>")
    for t in appendix:
        parts.append(f"<section class='keep'><h3>{esc(t.caption)}</h3>"
                     + table_html(t.columns, t.rows, note=t.note) + "</section>")
    if outcome.assumptions:
        parts.append("<h3>Methods and assumptions</h3>" + list_html(outcome.assumptions))
    if outcome.notes:
        parts.append("<h3>Notes</h3>" + list_html(outcome.notes))
    if summary.get("references"):
        parts.append("<h3>References</h3>" + list_html(summary["references"]))
    parts.append(software_html(software, outcome.seed, created))
    parts.append("<p class='small'>Contains public sector information licensed under the Open "
                 "Government Licence v3.0 where real Ofsted/DfE data are used. Grades change at "
                 "each inspection: the date of the data is stated above.</p>")
    return page(outcome.title, "".join(parts))
