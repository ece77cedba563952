"""Run studies and write their outputs (``results.json``, images, HTML report)."""

from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import platform
import sys
import time
import traceback
from pathlib import Path

from reliability._errors import ReliabilityError
from reliability._results import canonical_keys, json_safe
from reliability.studies._core import Study, StudyContext, StudyOutcome

SCHEMA = "reliability.study-results/1"
DEFAULT_SEED = 20240601


def software_versions() -> dict:
    """Versions of Python and of the packages a result depends on."""
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for pkg in ("inspection-reliability", "numpy", "scipy", "pandas", "statsmodels",
                "matplotlib"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def run_study(study: Study, *, seed: int = DEFAULT_SEED, published=None,
              disclosure=None) -> StudyOutcome:
    """Run one study and collect its outcome (errors are caught and reported, not raised).

    The status is ``error`` if the study raised, ``fail`` if any compared figure is outside
    its tolerance (or could not be computed), ``pass`` if every compared figure is within it,
    and ``descriptive`` if the study compared nothing (``context`` figures never pass or fail).
    """
    from reliability.studies.published import targets_for

    if published is None:
        published = targets_for(study.name)
    t0 = time.perf_counter()
    ctx = StudyContext(study, seed=seed, published=published, disclosure=disclosure)
    error = ""
    try:
        import warnings

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study.run(ctx)
        # Library warnings (rows dropped, convergence) go into the report, once each.
        for msg in dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught
                                 if issubclass(w.category, UserWarning)
                                 and "matplotlib" not in str(w.filename)):
            ctx.note(msg)
    except Exception as exc:  # a study must fail loudly, never be faked
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        error = f"{type(exc).__name__}: {exc}\n" + "".join(tb[-3:])
    statuses = {f.status for f in ctx.figures}
    if error:
        status = "error"
    elif statuses & {"fail", "error"}:
        status = "fail"
    elif "pass" in statuses:
        status = "pass"
    else:
        status = "descriptive"
    return StudyOutcome(
        name=study.name, title=study.title, description=study.description, status=status,
        seed=int(seed), figures=tuple(ctx.figures), tables=tuple(ctx.tables),
        plots=tuple(ctx.plots), assumptions=tuple(ctx.assumptions), notes=tuple(ctx.notes),
        data_sources=tuple(ctx.data_sources) or ((study.data,) if study.data else ()),
        error=error, seconds=time.perf_counter() - t0, summary=dict(ctx.summary))


def write_outputs(outcomes, out_dir, *, seed: int, software: dict | None = None) -> dict:
    """Write ``results.json`` (all studies), and per study a folder with its own
    ``results.json``, ``report.html`` and the plots as PNG and SVG. Returns the JSON dict."""
    from reliability.report.html import study_report_html

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    software = software or software_versions()
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    studies = []
    for oc in outcomes:
        d = out / oc.name
        d.mkdir(parents=True, exist_ok=True)
        for p in oc.plots:
            (d / f"{p.name}.png").write_bytes(p.png)
            (d / f"{p.name}.svg").write_text(p.svg, encoding="utf-8")
        entry = canonical_keys(oc.to_dict())
        entry["report"] = f"{oc.name}/report.html"
        one = {"schema": SCHEMA, "created": created, "seed": int(seed), "software": software,
               "status": oc.status, "studies": [entry]}
        (d / "results.json").write_text(json.dumps(json_safe(one), indent=2, allow_nan=False),
                                        encoding="utf-8")
        (d / "report.html").write_text(study_report_html(oc, software=software,
                                                         created=created), encoding="utf-8")
        studies.append(entry)
    statuses = [s["status"] for s in studies]
    overall = ("error" if "error" in statuses else "fail" if "fail" in statuses
               else "pass" if "pass" in statuses else "descriptive")
    summary = {s: sum(1 for f in (x for st in studies for x in st["figures"])
                      if f["status"] == s) for s in ("pass", "fail", "context", "error")}
    figures = [{"study": st["name"], **f} for st in studies for f in st["figures"]]
    result = {"schema": SCHEMA, "created": created, "seed": int(seed), "software": software,
              "status": overall, "summary": summary, "studies": studies, "figures": figures}
    (out / "results.json").write_text(json.dumps(json_safe(result), indent=2,
                                                 allow_nan=False), encoding="utf-8")
    return result


def load_study_file(path) -> Study:
    """Load a study from a ``study.py`` file (or a folder holding one) defining ``STUDY``."""
    p = Path(path)
    if p.is_dir():
        p = p / "study.py"
    if not p.is_file():
        raise ReliabilityError(f"no study file at {str(p)!r} (expected a study.py)")
    name = f"_reliability_user_study_{abs(hash(str(p.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, p)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    study = getattr(module, "STUDY", None)
    if not isinstance(study, Study):
        raise ReliabilityError(f"{str(p)!r} must define STUDY = reliability.studies.Study(...)")
    return study


def differences_table(outcomes) -> str:
    """Plain-text table of every figure not within tolerance, and every study in error."""
    lines = []
    for oc in outcomes:
        if oc.status == "error":
            first = oc.error.splitlines()[0] if oc.error else ""
            lines.append(f"{oc.name:<28} ERROR  {first}")
        for f in oc.figures:
            if f.status in ("fail", "error"):
                v = "NA" if f.value is None else f"{f.value:.6g}"
                t = "NA" if f.published is None else f"{f.published:.6g}"
                tol = "NA" if f.tolerance is None else f"{f.tolerance:g}"
                lines.append(f"{oc.name:<28} {f.status.upper():<6} {f.name}: ours {v}, "
                             f"target {t} (tolerance {tol}; {f.kind}; {f.source[:60]})")
    if not lines:
        return ""
    return "What differs:\n" + "\n".join(lines)
