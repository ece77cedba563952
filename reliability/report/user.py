"""``reliability report``: a shareable report from a user's own inspection data."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, require_columns
from reliability.report.disclosure import Disclosure


def _wilson(k, n, confidence=0.95):
    """The library's one Wilson interval (reliability.inference), arrays in and out."""
    from reliability.inference import wilson_interval

    lo, hi = wilson_interval(np.asarray(k, float), np.asarray(n, float), confidence)
    return np.asarray(lo, float), np.asarray(hi, float)


def inspector_table(codes: np.ndarray, pseud: np.ndarray, categories, disclosure: Disclosure):
    """Per pseudonymised inspector: n, grade counts, mean grade; small rows suppressed.

    Returns the table (pseudonym order unless rankings are allowed), the between-inspector
    share of grade variance (ICC(1) of :func:`reliability.icc.oneway_icc`, the same number as
    ``rl.icc``'s ICC1; computed on all inspectors) and the number of inspectors suppressed.
    """
    ok = (codes >= 0) & pd.notna(pseud)
    c, ids = codes[ok], pseud[ok]
    labels, inv = np.unique(ids.astype(str), return_inverse=True)
    k = len(categories)
    counts = np.bincount(inv * k + c, minlength=len(labels) * k).reshape(len(labels), k)
    n = counts.sum(axis=1)
    score = c + 1.0
    sums = np.bincount(inv, weights=score, minlength=len(labels))
    mean = sums / n
    # the library's one ICC(1) (REML one-way; equals the ANOVA ICC(1) on balanced data)
    from reliability.icc import oneway_icc

    g = len(labels)
    icc1 = oneway_icc(score, inv)
    frame = pd.DataFrame({"inspector": labels, "n_inspections": n})
    for j, cat in enumerate(categories):
        frame[f"n_{cat}"] = counts[:, j]
    frame["mean_grade"] = mean
    small = n < disclosure.min_cell
    cnt_cols = ["n_inspections"] + [f"n_{cat}" for cat in categories]
    frame[cnt_cols] = frame[cnt_cols].astype(float)
    for col in cnt_cols[1:]:
        frame[col] = frame[col].where(frame[col] >= disclosure.min_cell)
    frame.loc[small, cnt_cols + ["mean_grade"]] = np.nan
    shown = frame.loc[~small]
    if disclosure.allow_rankings:
        shown = shown.sort_values("mean_grade", ascending=False).reset_index(drop=True)
        shown.insert(0, "rank_most_severe", np.arange(1, len(shown) + 1))
    else:
        shown = shown.sort_values("inspector").reset_index(drop=True)
    return shown, float(icc1), int(small.sum()), int(g)


def data_report(path_or_frame, *, grade: str, context: str | None = None,
                inspector: str | None = None, key=None, min_cell: int = 10,
                rankings: bool = False, categories=None, missing=(), bands: int = 5,
                encoding=None, seed: int = 0, title: str | None = None):
    """Analyse a user's inspection table and return a :class:`StudyOutcome` for the report.

    Grade distribution (Wilson CIs), grades by bands of a context column (Kendall tau-b,
    gamma, Somers' d, trend test) and, with an inspector column, per-inspector grade counts
    under disclosure control: keyed pseudonyms, small cells suppressed, no ranking unless
    ``rankings=True``.
    """
    from reliability._io import read_csv
    from reliability.studies._core import Study, StudyContext, StudyOutcome
    from reliability.validity._clean import code_grades

    disc = Disclosure(key=key if inspector else None, min_cell=int(min_cell),
                      allow_rankings=bool(rankings))
    if isinstance(path_or_frame, pd.DataFrame):
        df, where = path_or_frame, "data frame"
    else:
        df, where = read_csv(path_or_frame, encoding=encoding), str(path_or_frame)
        if inspector and inspector in df.columns:
            # ids are text: '007' and '7', or ids above 2^53, are different inspectors
            df[inspector] = read_csv(path_or_frame, encoding=encoding, text=True)[inspector]
    cols = [grade] + ([context] if context else []) + ([inspector] if inspector else [])
    require_columns(df, cols)
    if inspector and key is None:
        raise ReliabilityError(
            f"--inspector {inspector!r} needs --key K (or RELIABILITY_KEY): inspector "
            "identifiers are always pseudonymised with a keyed hash")
    codes, cats, dropped = code_grades(df[grade], categories=categories, missing=missing,
                                       column=grade)
    codes = np.asarray(codes)
    cats = [str(c) for c in cats]
    study = Study(name="user-report", title=title or f"Inspection grades: {where}",
                  description=f"Grades in column {grade!r} of {where}"
                              + (f", by {context!r}" if context else "")
                              + (f", by inspector ({inspector!r}, pseudonymised)"
                                 if inspector else "") + ".",
                  run=lambda ctx: None, disclosure=True)
    ctx = StudyContext(study, seed=seed, published={})
    t0 = time.perf_counter()
    ctx.source(f"{where}: {len(df):,} rows; {int((codes >= 0).sum()):,} with a grade; "
               f"dropped: {dict(dropped) or 'none'}")
    for line in disc.describe():
        ctx.assume(line)
    ok = codes >= 0
    n = int(ok.sum())
    if n == 0:
        raise ReliabilityError(f"no usable grades in column {grade!r}")
    cnt = np.bincount(codes[ok], minlength=len(cats))
    lo, hi = _wilson(cnt, n)
    dist = pd.DataFrame({"grade": cats, "count": cnt.astype(float), "proportion": cnt / n,
                         "ci_lower": lo, "ci_upper": hi})
    small = dist["count"] < disc.min_cell
    dist.loc[small, ["count", "proportion", "ci_lower", "ci_upper"]] = np.nan
    ctx.table("grade-distribution", dist, caption="Grade distribution (Wilson 95% CIs)",
              note=f"Cells with fewer than {disc.min_cell} schools are suppressed.")
    extra = {"n": n, "categories": cats, "distribution": dist.to_dict(orient="records")}

    if context:
        from reliability.validity import grade_context

        gc = grade_context(df[grade], df[context], categories=cats if categories is None
                           else categories, missing=missing, bands=bands,
                           grade_name=grade, context_name=context)
        fr = gc.to_frame()
        smallc = fr["count"] < disc.min_cell
        fr["count"] = fr["count"].astype(float).where(~smallc)
        fr.loc[smallc, ["proportion", "ci_lower", "ci_upper"]] = np.nan
        fr.loc[fr["n_band"] < disc.min_cell, "n_band"] = np.nan
        ctx.table("grade-by-context", fr, caption=f"Grades by {context} band (Wilson 95% CIs)",
                  note=f"Cells with fewer than {disc.min_cell} schools are suppressed.")
        assoc = [{"statistic": k, "estimate": e.estimate, "se": e.se,
                  "ci_lower": e.ci[0] if e.ci else None, "ci_upper": e.ci[1] if e.ci else None,
                  "p_value": e.p_value, "reason": e.reason}
                 for k, e in gc.associations.items()]
        t = gc.trend_test
        assoc.append({"statistic": f"trend test ({t['method']})", "estimate": t["statistic"],
                      "se": None, "ci_lower": None, "ci_upper": None, "p_value": t["p"],
                      "reason": f"df {t['df']}"})
        ctx.table("association", pd.DataFrame(assoc),
                  caption=f"Ordinal association of grade with {context}")
        extra["context"] = {"association": assoc}
    if inspector:
        pseud = disc.pseudonyms(df[inspector].to_numpy())
        table, icc1, n_small, n_insp = inspector_table(codes, pseud, cats, disc)
        ctx.table("inspectors", table,
                  caption="Grades by inspector (pseudonymised)"
                          + (", ranked as asked" if disc.allow_rankings else ""),
                  note=f"{n_small} of {n_insp} inspectors led fewer than {disc.min_cell} "
                       "inspections and are not shown; counts below that are suppressed.")
        ctx.note(f"Between-inspector share of grade variance (one-way ICC(1) on grade "
                 f"scores 1..{len(cats)}, schools not matched across inspectors, so school "
                 f"differences are not removed): {icc1:.3f}.")
        extra["inspectors"] = {"n_inspectors": n_insp, "n_suppressed": n_small,
                               "icc1_between_inspectors": icc1,
                               "rankings": disc.allow_rankings}
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5.5, 3.2))
        props = dist["proportion"].fillna(0).to_numpy()
        ax.bar(cats, props, color="#4c72b0")
        ax.set_ylabel("share of schools")
        ax.set_title("Grade distribution (suppressed cells shown as 0)")
        ctx.plot("grade-distribution", fig, caption="Grade distribution")
    except ImportError:
        ctx.note("matplotlib is not installed: no plots.")
    return StudyOutcome(
        name=study.name, title=study.title, description=study.description, status="pass",
        seed=int(seed), figures=(), tables=tuple(ctx.tables), plots=tuple(ctx.plots),
        assumptions=tuple(ctx.assumptions), notes=tuple(ctx.notes),
        data_sources=tuple(ctx.data_sources), seconds=time.perf_counter() - t0,
        extra={**extra, "disclosure": {"min_cell": disc.min_cell,
                                       "pseudonymised": inspector is not None,
                                       "rankings": disc.allow_rankings}})
