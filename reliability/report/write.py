"""Write a report folder: ``report.html``, ``results.json`` and the plots as PNG and SVG.

The one writer of a user's report (``reliability report``, the web app and Python callers).
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from reliability._results import canonical_keys, json_safe

__all__ = ["write_report"]

SCHEMA = "reliability.study-results/1"


def write_report(outcome, out_dir, *, software: dict | None = None) -> dict:
    """Write ``outcome`` (a :class:`~reliability.studies.StudyOutcome`, e.g. from
    :func:`reliability.report.data_report`) into ``out_dir``; return the ``results.json`` dict.
    """
    from reliability.report.html import study_report_html
    from reliability.studies.runner import software_versions

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    software = software or software_versions()
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for p in outcome.plots:
        (out / f"{p.name}.png").write_bytes(p.png)
        (out / f"{p.name}.svg").write_text(p.svg, encoding="utf-8")
    (out / "report.html").write_text(
        study_report_html(outcome, software=software, created=created), encoding="utf-8")
    res = canonical_keys(json_safe({"schema": SCHEMA, "created": created, "software": software,
                     "report": "report.html", **outcome.to_dict(), **dict(outcome.extra)}))
    (out / "results.json").write_text(json.dumps(res, indent=2, allow_nan=False),
                                      encoding="utf-8")
    return res
