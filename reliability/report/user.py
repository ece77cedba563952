"""``reliability report`` and the web app: a shareable report from a user's own data.

Every report leads with a plain-language summary (the question, the answer with its numbers
and intervals, what it does not show, the data it came from), built here from the result
objects; then a chart, a compact table, and the full tables in an appendix. Small cells are
suppressed everywhere (tables, chart, sentences, downloads), with complementary suppression
(:func:`reliability.report.plain.suppress_table`), so no hidden count can be worked out
from the ones shown.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability.report._stages import stage
from reliability.report.disclosure import Disclosure
from reliability.report.plain import (group_share, join_words, number, p_text, pct,
                                      suppress_table)

__all__ = ["data_report", "inspector_table", "QUESTIONS"]

#: The questions a user report answers, in the app's order.
QUESTIONS = {
    "context": "Do inspection grades go with the context of schools, such as deprivation?",
    "inspectors": "Do some inspectors give better or worse grades than others?",
    "agreement": "Do two inspection teams give the same school the same grade?",
    "areas": "Do the report-card areas say different things about a school?",
    "grades": "How are the grades distributed?",
}
_REFERENCES = {
    "wilson": "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical "
              "inference. JASA 22, 209-212.",
    "kendall": "Agresti, A. (2010). Analysis of Ordinal Categorical Data, 2nd ed., Wiley "
               "(Kendall's tau-b and its asymptotic standard error, ch. 7).",
    "mantel": "Mantel, N. (1963). Chi-square tests with one degree of freedom; extensions of "
              "the Mantel-Haenszel procedure. JASA 58, 690-700.",
    "icc": "Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing "
           "rater reliability. Psychological Bulletin 86, 420-428.",
    "suppression": "Hundepool, A. et al. (2012). Statistical Disclosure Control, Wiley "
                   "(primary and secondary cell suppression, ch. 4).",
    "hmac": "Krawczyk, H., Bellare, M. & Canetti, R. (1997). HMAC: keyed-hashing for message "
            "authentication. RFC 2104.",
    "kappa": "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and "
             "Psychological Measurement 20, 37-46.",
}




def inspector_table(codes: np.ndarray, pseud: np.ndarray, categories, disclosure: Disclosure,
                    *, confidence: float = 0.95):
    """Per pseudonymised inspector: n, grade counts, mean grade with its interval.

    Inspectors who led fewer than ``min_cell`` inspections are left out, and so is the next
    smallest when only one would be (otherwise the overall totals less the rows shown give
    that one's count). Grade counts below ``min_cell`` are hidden with complementary
    suppression; a row with any hidden count shows none of its counts (its ``n`` and mean
    grade would otherwise give the hidden ones back), and with three grades or fewer not its
    mean either.

    Returns ``(table, icc1, (lo, hi), n_small, n_inspectors, n_withheld)``: the table
    (pseudonym order unless rankings are allowed), the between-inspector share of grade
    variance (ICC(1) of :func:`reliability.icc.oneway_icc`, the same number as ``rl.icc``'s
    ICC1; all inspectors) with its interval, the number of inspectors
    below ``min_cell``, the number of inspectors and the number left out besides those.
    """
    ok = (codes >= 0) & pd.notna(pseud)
    c, ids = codes[ok], pseud[ok]
    labels, inv = np.unique(ids.astype(str), return_inverse=True)
    k = len(categories)
    counts = np.bincount(inv * k + c, minlength=len(labels) * k).reshape(len(labels), k)
    n = counts.sum(axis=1)
    score = c + 1.0
    # the library's one ICC(1) (= rl.icc's ICC1), with its interval
    from reliability.icc import oneway_icc

    one = oneway_icc(score, inv, confidence=confidence)
    icc1, icc_ci = one.estimate, tuple(one.ci)
    mean = np.bincount(inv, weights=score, minlength=len(labels)) / np.maximum(n, 1)
    sq = np.bincount(inv, weights=score ** 2, minlength=len(labels))
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, (sq - n * mean ** 2) / (n - 1), np.nan)
        se = np.sqrt(np.maximum(var, 0) / n)
    from scipy import stats

    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    small = n < disclosure.min_cell
    hidden, hid_rows, _ = suppress_table(counts, disclosure.min_cell,
                                         hidden=small[:, None] & np.ones((1, k), bool),
                                         hidden_rows=small, whole_rows=True)
    frame = pd.DataFrame({"inspector": labels, "n_inspections": n.astype(float)})
    for j, cat in enumerate(categories):
        frame[f"n_{cat}"] = np.where(hidden[:, j], np.nan, counts[:, j].astype(float))
    frame["mean_grade"] = mean
    frame["ci_lower"] = mean - t * se
    frame["ci_upper"] = mean + t * se
    if k <= 3:
        frame.loc[hidden.any(axis=1), ["mean_grade", "ci_lower", "ci_upper"]] = np.nan
    shown = frame.loc[~hid_rows]
    if disclosure.allow_rankings:
        shown = shown.sort_values("mean_grade", ascending=False).reset_index(drop=True)
        shown.insert(0, "rank_most_severe", np.arange(1, len(shown) + 1))
    else:
        shown = shown.sort_values("inspector").reset_index(drop=True)
    return (shown, icc1, icc_ci, int(small.sum()), int(len(labels)),
            int((hid_rows & ~small).sum()))


# --------------------------------------------------------------------------- helpers
def _as_table(source, encoding):
    from reliability.report.load import UserTable, load_user_table

    if isinstance(source, UserTable):
        return source
    if isinstance(source, pd.DataFrame):
        return UserTable(name="data frame", layout="table", frame=source,
                         raw_preview=source.head(8), labels={c: str(c) for c in source.columns})
    return load_user_table(source, encoding=encoding)


def _scale_labels(values: pd.Series, scale, missing):
    """Numeric grade codes as the labels of ``scale`` (auto: Ofsted's 1-4 when every code is
    1-4, with 8/9 as not judged). Returns ``(series, categories, note)``."""
    from reliability.scales import OFSTED_GRADES, get_scale

    if scale in (None, "none"):
        return values, None, ""
    num = pd.to_numeric(values, errors="coerce")
    given = values.notna() & values.astype(str).str.strip().ne("")
    if not given.any() or num[given].isna().any():
        return values, None, ""                       # text grades: code_grades orders them
    miss = set()
    for m in missing or ():
        try:
            miss.add(float(m))
        except (TypeError, ValueError):
            pass
    codes = set(np.unique(num[given].to_numpy())) - miss
    if scale == "auto":
        if not codes or not codes <= {1, 2, 3, 4, 8, 9}:
            return values, None, ""
        sc = OFSTED_GRADES
        extra = sorted(codes & {8, 9})
        miss |= set(extra)
        note = ("Grade codes 1 to 4 are read as Ofsted's grades (1 = Outstanding, 2 = Good, "
                "3 = Requires improvement, 4 = Inadequate)"
                + (f"; {join_words(int(e) for e in extra)} as not judged" if extra else "")
                + ".")
    else:
        sc = get_scale(scale) if isinstance(scale, str) else scale
        note = f"Grade codes read as {sc.description or sc.name}."
    out = pd.Series([None if (not g or (x in miss)) else (sc.label_of(x) or v)
                     for v, x, g in zip(values, num, given)], index=values.index, dtype=object)
    bad = given & out.notna() & ~out.isin(sc.labels)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ReliabilityError(
            f"grade code {values.iloc[row]!r} (row {row + 1}) is not one of the codes "
            f"{list(sc.codes)} of {sc.name}; declare it as not judged or choose another scale")
    return out, list(sc.labels), note


def _worse_group(cats):
    k = len(cats)
    return tuple(range((k + 1) // 2, k)) if k >= 2 else ()


def _band_names(bands, deprived_end):
    names = [str(b["band"]) for b in bands]
    if deprived_end in ("high", "low") and len(names) >= 2:
        lo, hi = ("least", "most") if deprived_end == "high" else ("most", "least")
        names[0] = f"{names[0]} ({lo} deprived)"
        names[-1] = f"{names[-1]} ({hi} deprived)"
    return names


def _fifth(nb):
    return {5: "fifth", 4: "quarter", 10: "tenth", 3: "third"}.get(nb, "band")


def _schools(subset_label):
    return f"{subset_label} schools" if subset_label else "schools"


# --------------------------------------------------------------------------- report
def data_report(source, *, grade: str, context: str | None = None,
                inspector: str | None = None, key=None, min_cell: int = 10,
                rankings: bool = False, categories=None, missing=(), bands: int = 5,
                encoding=None, seed: int = 0, title: str | None = None, scale="auto",
                subset=None, deprived_end: str | None = None, confidence: float = 0.95):
    """Analyse a user's inspection table and return a :class:`StudyOutcome` for the report.

    Parameters
    ----------
    source : path, DataFrame or :class:`reliability.report.load.UserTable`
        A CSV or ``.xlsx`` file (Ofsted management-information files are recognised and
        their columns found by their published names), or a table already read.
    grade, context, inspector : str
        Columns (published names such as ``"IDACI quintile"`` work for Ofsted files).
    scale : "auto", "none" or a scale name
        How numeric grade codes are labelled; ``auto`` reads codes 1-4 as Ofsted's grades.
    subset : (column, value), optional
        Analyse only these rows (e.g. ``("ofsted_phase", "Primary")``).
    deprived_end : {"high", "low"}, optional
        Which end of a numeric context is most deprived (known for Ofsted's IDACI quintile).
    min_cell : int
        Counts below this are hidden, with every count that would give them away.

    The outcome's ``summary`` (question, answer, not shown, data, suppression) leads the
    report; ``extra["headline"]`` holds the numbers its first sentence quotes.
    """
    from reliability._validation import check_option
    from reliability.studies._core import Study, StudyContext, StudyOutcome
    from reliability.validity._clean import code_grades

    check_option("confidence", confidence)
    if deprived_end not in (None, "high", "low"):
        raise ReliabilityError(f"deprived_end must be 'high', 'low' or None; got {deprived_end!r}")
    t0 = time.perf_counter()
    table = _as_table(source, encoding)
    df = table.frame
    stage(f"Reading the grades of {len(df):,} rows", 10)
    grade_c = table.resolve(grade, role="grade column")
    context_c = table.resolve(context, role="context column") if context else None
    insp_c = table.resolve(inspector, role="inspector column") if inspector else None
    if insp_c and key is None:
        raise ReliabilityError(
            f"--inspector {inspector!r} needs --key K (or RELIABILITY_KEY): inspector "
            "identifiers are always pseudonymised with a keyed hash")
    disc = Disclosure(key=key if insp_c else None, min_cell=int(min_cell),
                      allow_rankings=bool(rankings))
    subset_label = ""
    n_file = len(df)
    if subset is not None and subset[0] and subset[1] not in (None, ""):
        sub_c = table.resolve(subset[0], role="column")
        keep = df[sub_c].astype("string").str.strip().str.casefold() == \
            str(subset[1]).strip().casefold()
        keep = keep.fillna(False).to_numpy(bool)
        if not keep.any():
            raise ReliabilityError(f"no rows have {table.label(sub_c)!r} = {subset[1]!r}")
        df = df.loc[keep].reset_index(drop=True)
        phase_like = "phase" in str(sub_c).lower()
        subset_label = (str(subset[1]).strip().lower() if phase_like
                        else f"{table.label(sub_c)} = {subset[1]}")
    if context_c is not None and deprived_end is None and context_c == table.deprivation:
        deprived_end = "high"
    raw_grade = df[grade_c]
    if isinstance(raw_grade.dtype, pd.CategoricalDtype):
        raw_grade = raw_grade.astype(object).where(raw_grade.notna(), None)
    labelled, scale_cats, scale_note = _scale_labels(raw_grade.reset_index(drop=True), scale,
                                                     missing)
    if categories is None and scale_cats is not None:
        categories = scale_cats
    codes, cats, dropped = code_grades(labelled, categories=categories, missing=missing,
                                       column=table.label(grade_c))
    codes = np.asarray(codes)
    cats = [str(c) for c in cats]
    if insp_c is not None and table.layout == "table" and getattr(table, "text", None) is not None:
        ids = table.text[insp_c]
        if subset_label:
            ids = ids.loc[keep].reset_index(drop=True)
    elif insp_c is not None:
        ids = df[insp_c]
    grade_lab = table.label(grade_c)
    ctx_lab = table.label(context_c) if context_c else ""
    question = "context" if context_c else ("inspectors" if insp_c else "grades")
    pretty_title = title or {
        "context": ("Inspection grades and deprivation" if deprived_end else
                    f"Inspection grades by {ctx_lab}"),
        "inspectors": "Inspection grades by inspector",
        "grades": "Inspection grades"}[question]
    study = Study(name="user-report", title=pretty_title,
                  description=f"{QUESTIONS[question]} Data: {table.name}.",
                  run=lambda ctx: None, disclosure=False)
    ctx = StudyContext(study, seed=seed, published={})
    ok = codes >= 0
    if not ok.any():
        raise ReliabilityError(f"no usable grades in column {grade_lab!r}")
    worse = _worse_group(cats)
    worse_words = join_words(cats[j] for j in worse)
    summary = {"question": QUESTIONS[question], "answer": [], "not_shown": [], "data": [],
               "suppression": ""}
    extra: dict = {"categories": cats, "question": question, "layout": table.layout,
                   "file": table.name}
    n_hidden = 0

    # ------------------------------------------------------------- data sentences
    as_at = f"; the latest inspection in it started on {table.as_at}" if table.as_at else ""
    summary["data"].append(
        f"{table.name}: {table.description}, {n_file:,} rows{as_at}."
        + (f" Only {_schools(subset_label)}: {len(df):,} rows." if subset_label else ""))
    if scale_note:
        summary["data"].append(scale_note)
    summary["data"] += table.notes
    if dropped:
        summary["data"].append("Left out for lack of a grade: " + "; ".join(
            f"{v:,} ({k})" for k, v in dropped.items()) + ".")

    # ------------------------------------------------------------- grades x context
    if context_c:
        from reliability.validity import grade_context

        stage(f"Grades by {ctx_lab}: shares, intervals and the trend test", 25)
        gl = pd.Series(np.where(ok, np.asarray(cats, dtype=object)[np.maximum(codes, 0)], None))
        gc = grade_context(gl, df[context_c].reset_index(drop=True), categories=cats,
                           bands=bands, confidence=confidence, grade_name=grade_lab,
                           context_name=ctx_lab)
        counts = np.array([[b["counts"][c] for c in cats] for b in gc.bands], float)
        hidden, hid_rows, hid_cols = suppress_table(counts, disc.min_cell,
                                                    groups=[worse, tuple(j for j in range(
                                                        len(cats)) if j not in worse)])
        n_hidden = int(hidden.sum())
        names = _band_names(gc.bands, deprived_end if gc.context_kind == "numeric" else None)
        nb = counts.sum(axis=1)
        shares = [None if hid_rows[i] else
                  group_share(counts[i], hidden[i], worse, n=int(nb[i]), min_cell=disc.min_cell,
                              confidence=confidence) for i in range(len(nb))]
        tot = counts.sum(axis=0)
        total_share = group_share(tot, hid_cols, worse, n=int(tot.sum()),
                                  min_cell=disc.min_cell, confidence=confidence)
        # compact table, people's numbers
        rows = []
        for i, b in enumerate(gc.bands):
            cells = ["not shown" if (hidden[i, j] or hid_rows[i]) else pct(counts[i, j] / nb[i])
                     for j in range(len(cats))]
            s = shares[i]
            rows.append([names[i], number(int(nb[i])) if not hid_rows[i] else "not shown",
                         *cells, (f"{pct(s['share'])} ({pct(s['ci'][0])} to {pct(s['ci'][1])})"
                                  if s else "not shown")])
        rows.append(["All", number(int(tot.sum())),
                     *["not shown" if hid_cols[j] else pct(tot[j] / tot.sum())
                       for j in range(len(cats))],
                     (f"{pct(total_share['share'])} ({pct(total_share['ci'][0])} to "
                      f"{pct(total_share['ci'][1])})" if total_share else "not shown")])
        band_word = ctx_lab if (gc.context_kind == "categorical" or deprived_end
                                or "quintile" in ctx_lab.lower()) else f"{ctx_lab} band"
        ctx.table("grades-by-band", pd.DataFrame(
            rows, columns=[band_word, "Schools", *cats, f"{worse_words} (95% CI)"]),
            caption=f"Grades in each {band_word}: share of schools",
            note=f"Shares of the schools in each row. 'not shown': fewer than {disc.min_cell} "
                 "schools, or a number from which such a count could be worked out.")
        # full table (appendix and downloads): counts and proportions, suppressed as missing
        full = []
        for i, b in enumerate(gc.bands):
            for j, c in enumerate(cats):
                p = b["proportions"][c]
                hide = hidden[i, j] or hid_rows[i]
                full.append({"band": names[i], "grade": c,
                             "schools_in_band": None if hid_rows[i] else int(nb[i]),
                             "count": None if hide else int(counts[i, j]),
                             "proportion": None if hide else p["estimate"],
                             "ci_lower": None if hide else p["ci"][0],
                             "ci_upper": None if hide else p["ci"][1]})
        ctx.table("grade-by-context", pd.DataFrame(full), appendix=True,
                  caption=f"Grades by {band_word}: counts, shares and Wilson 95% CIs",
                  note=f"Counts below {disc.min_cell} and the counts that would give them away "
                       "are left blank.")
        assoc = []
        for name, e in gc.associations.items():
            assoc.append({"statistic": name.replace("_", " "), "estimate": e.estimate,
                          "ci_lower": e.ci[0] if e.ci else None,
                          "ci_upper": e.ci[1] if e.ci else None, "p_value": e.p_value,
                          "reason": e.reason or ""})
        t = gc.trend_test
        assoc.append({"statistic": t["method"], "estimate": t["statistic"], "ci_lower": None,
                      "ci_upper": None, "p_value": t["p"],
                      "reason": t.get("reason") or f"df {t['df']}"})
        ctx.table("association", pd.DataFrame(assoc), appendix=True,
                  caption=f"Ordinal association of {grade_lab} with {ctx_lab}")
        extra["context"] = {"column": ctx_lab, "kind": gc.context_kind,
                            "deprived_end": deprived_end, "n": gc.n,
                            "n_dropped": gc.n_dropped, "dropped": dict(gc.dropped),
                            "association": assoc,
                            "shares": [{"band": names[i], **(s or {"hidden": True})}
                                       for i, s in enumerate(shares)],
                            "all": total_share}
        # the sentences
        i_hi, i_lo = (len(nb) - 1, 0)
        if deprived_end == "low":
            i_hi, i_lo = 0, len(nb) - 1
        if gc.context_kind == "numeric" and len(nb) >= 2:
            if deprived_end:
                part = _fifth(len(nb))
                where_hi = (f"the most deprived {part} of neighbourhoods ({ctx_lab} "
                            f"{gc.bands[i_hi]['band']})")
                where_lo = f"the least deprived {part} (quintile {gc.bands[i_lo]['band']})"
            else:
                where_hi = f"the highest {ctx_lab} band ({gc.bands[i_hi]['band']})"
                where_lo = f"the lowest band ({gc.bands[i_lo]['band']})"
            s_hi, s_lo = shares[i_hi], shares[i_lo]
            if s_hi and s_lo:
                sent = (f"Among the {s_hi['n']:,} {_schools(subset_label)} in {where_hi}, "
                        f"{pct(s_hi['share'])} were graded {worse_words} (95% CI "
                        f"{pct(s_hi['ci'][0])} to {pct(s_hi['ci'][1])}), against "
                        f"{pct(s_lo['share'])} (95% CI {pct(s_lo['ci'][0])} to "
                        f"{pct(s_lo['ci'][1])}) of the {s_lo['n']:,} in {where_lo}.")
                extra["headline"] = {"high": {"band": names[i_hi], **s_hi},
                                     "low": {"band": names[i_lo], **s_lo},
                                     "grades": [cats[j] for j in worse]}
            else:
                sent = (f"The share of {_schools(subset_label)} graded {worse_words} cannot be "
                        f"shown for {where_hi if not s_hi else where_lo}: too few schools.")
            summary["answer"].append(sent)
            tau = gc.associations["kendall_tau_b"]
            if tau.ci and np.isfinite(tau.estimate):
                lo, hi = tau.ci
                more = "more deprived neighbourhoods" if deprived_end else \
                    f"higher values of {ctx_lab}"
                if deprived_end == "low":
                    sign = -1
                else:
                    sign = 1
                if lo > 0 or hi < 0:
                    worse_dir = "worse" if sign * tau.estimate > 0 else "better"
                    lead = f"Across all {len(nb)} bands, grades were {worse_dir} in {more}"
                else:
                    lead = (f"Across all {len(nb)} bands, the data do not show a clear trend of "
                            f"grades with {ctx_lab}")
                summary["answer"].append(
                    f"{lead}: Kendall's tau-b = {number(tau.estimate)} (95% CI {number(lo)} "
                    f"to {number(hi)}; trend test {p_text(t['p'])}); a tau-b of 0 would mean "
                    "no trend and 1 a perfect one.")
        else:
            shown = [(s["share"], names[i]) for i, s in enumerate(shares) if s]
            if len(shown) >= 2:
                lo_s, hi_s = min(shown), max(shown)
                summary["answer"].append(
                    f"The share of {_schools(subset_label)} graded {worse_words} ranged from "
                    f"{pct(lo_s[0])} ({lo_s[1]}) to {pct(hi_s[0])} ({hi_s[1]}); a test of "
                    f"no difference between the groups gives {p_text(t['p'])}.")
        summary["not_shown"] += [
            "This is an association, not a cause: it does not show that inspectors grade "
            "schools differently because of their context. Schools in different "
            "neighbourhoods also differ in intake, staffing and funding, which this "
            "comparison does not adjust for.",
            "Each school's grade is from its latest graded inspection, some of them several "
            "years old; grades change at each inspection.",
        ]
        if gc.n_dropped:
            summary["data"].append(f"{gc.n:,} schools have both a grade and a value of "
                                   f"{ctx_lab}; {gc.n_dropped:,} rows without both are left out.")
        if deprived_end:
            summary["data"].append(
                f"{ctx_lab}: the {'highest' if deprived_end == 'high' else 'lowest'} value is "
                "the most deprived.")
        # chart
        stage("Drawing the chart", 55)
        try:
            from reliability.report.plain import grade_bars

            fig, alt = grade_bars(names, counts, hidden | hid_rows[:, None], cats, group=worse,
                                  group_label=worse_words, shares=shares, xlabel=band_word,
                                  title=f"{grade_lab} by {band_word}"
                                        + (f", {_schools(subset_label)}" if subset_label else ""))
            ctx.plot("grades-by-band", fig, caption=alt)
        except ImportError:
            ctx.note("matplotlib is not installed: no chart.")
        ctx.assume("Shares are of the schools in each band, with Wilson (1927) 95% intervals.")
        ctx.assume("Kendall's tau-b uses every distinct context value; its interval uses the "
                   "asymptotic standard error. The trend test is Mantel's linear-by-linear "
                   "chi-square with grades scored 1 (best) to K.")
    else:
        cnt = np.bincount(codes[ok], minlength=len(cats)).astype(float)
        hidden, _, _ = suppress_table(cnt[None, :], disc.min_cell, groups=[worse])
        hidden = hidden[0]
        n_hidden = int(hidden.sum())
        n = int(cnt.sum())
        s = group_share(cnt, hidden, worse, n=n, min_cell=disc.min_cell, confidence=confidence)
        from reliability.inference import wilson_interval

        lo, hi = wilson_interval(cnt, n, confidence)
        dist = pd.DataFrame({"grade": cats, "count": np.where(hidden, np.nan, cnt),
                             "proportion": np.where(hidden, np.nan, cnt / n),
                             "ci_lower": np.where(hidden, np.nan, lo),
                             "ci_upper": np.where(hidden, np.nan, hi)})
        ctx.table("grade-distribution", dist, caption="Grade distribution (Wilson 95% CIs)",
                  appendix=question != "grades",
                  note=f"Counts below {disc.min_cell} and the counts that would give them away "
                       "are left blank.")
        extra["distribution"] = dist.to_dict(orient="records")
        if question == "grades":
            if s:
                summary["answer"].append(
                    f"Of the {n:,} {_schools(subset_label)} with a grade, {pct(s['share'])} were "
                    f"graded {worse_words} (95% CI {pct(s['ci'][0])} to {pct(s['ci'][1])}).")
                extra["headline"] = {"all": s, "grades": [cats[j] for j in worse]}
            summary["not_shown"].append("A distribution of grades says nothing about whether "
                                        "the grades are reliable or fair.")
            try:
                from reliability.report.plain import grade_bars

                fig, alt = grade_bars(["All schools"], cnt[None, :], hidden[None, :], cats,
                                      group=worse, group_label=worse_words, shares=[s],
                                      title=grade_lab)
                ctx.plot("grade-distribution", fig, caption=alt)
            except ImportError:
                ctx.note("matplotlib is not installed: no chart.")
    extra["n"] = int(ok.sum())

    # ------------------------------------------------------------- inspectors
    if insp_c:
        stage("Pseudonymising inspectors and comparing their grades", 35)
        pseud = disc.pseudonyms(np.asarray(ids, dtype=object))
        tab, icc1, icc_ci, n_small, n_insp, n_withheld = inspector_table(
            codes, pseud, cats, disc, confidence=confidence)
        ctx.table("inspectors", tab,
                  caption="Grades by inspector (pseudonymised)"
                          + (", ranked as asked" if disc.allow_rankings else ""),
                  appendix=question != "inspectors",
                  note=f"{n_small} of {n_insp} inspectors led fewer than {disc.min_cell} "
                       "inspections and are not shown"
                       + (f", nor {n_withheld} more whose counts would give theirs away"
                          if n_withheld else "")
                       + "; grade counts that are small, or would give a small one away, are "
                         "left blank. Mean grade: 1 = best.")
        extra["inspectors"] = {"n_inspectors": n_insp, "n_suppressed": n_small,
                               "n_withheld": n_withheld,
                               "icc1_between_inspectors": icc1, "icc1_ci": list(icc_ci),
                               "rankings": disc.allow_rankings}
        n_insp_grades = int((ok & pd.notna(pseud)).sum())
        if np.isfinite(icc1):
            sent = (f"Of the differences between the {n_insp_grades:,} grades given by "
                    f"{n_insp:,} inspectors, {pct(max(icc1, 0.0))} lie between inspectors "
                    f"(intraclass correlation ICC(1) = {number(icc1)}, 95% CI "
                    f"{number(icc_ci[0])} to {number(icc_ci[1])}); the rest lie within each "
                    "inspector's own grades.")
        else:
            sent = "The share of grade differences between inspectors cannot be estimated."
        if question == "inspectors":
            summary["answer"].append(sent)
            extra["headline"] = {"icc1": icc1, "icc1_ci": list(icc_ci), "n": n_insp_grades,
                                 "n_inspectors": n_insp}
            summary["not_shown"] += [
                "Inspectors visit different schools: a difference between inspectors' grades "
                "may reflect the schools they inspected rather than leniency, because schools "
                "are not matched across inspectors here.",
                "Inspectors are not ranked and not named: identifiers are replaced by keyed "
                "pseudonyms.",
            ]
        else:
            ctx.note(sent)
        ctx.assume("Between-inspector share: one-way random-effects ICC(1) on grade scores "
                   "1..K with the n0 of unequal group sizes and its F interval (Shrout & "
                   "Fleiss 1979).")
        shown = tab.dropna(subset=["mean_grade"])
        if len(shown) and question == "inspectors":
            try:
                fig, alt = _inspector_plot(shown, len(cats), disc.allow_rankings,
                                           float(np.mean(codes[ok] + 1.0)))
                ctx.plot("inspectors", fig, caption=alt)
            except ImportError:
                ctx.note("matplotlib is not installed: no chart.")

    # ------------------------------------------------------------- disclosure
    stage("Hiding small numbers", 65)
    summary["suppression"] = (
        f"Numbers of fewer than {disc.min_cell} schools are not shown anywhere in this report "
        "or its downloads, and neither are numbers from which they could be worked out by "
        f"subtraction ({n_hidden} {'cell' if n_hidden == 1 else 'cells'} of the main table "
        "hidden).")
    for line in disc.describe():
        ctx.assume(line)
    ctx.assume("Complementary suppression: in every row and column of a published table "
               "either no count or at least two are hidden, so no hidden count is the "
               "difference of published ones.")
    if not summary["answer"]:
        summary["answer"].append("Too few schools to answer the question without revealing "
                                 "small numbers.")
    references = ["wilson", "suppression"] + (["kendall", "mantel"] if context_c else []) + \
        (["icc", "hmac"] if insp_c else [])
    return StudyOutcome(
        name=study.name, title=study.title, description=study.description,
        status="descriptive", seed=int(seed), figures=(), tables=tuple(ctx.tables),
        plots=tuple(ctx.plots), assumptions=tuple(ctx.assumptions), notes=tuple(ctx.notes),
        data_sources=tuple(summary["data"]), seconds=time.perf_counter() - t0,
        summary={**summary, "references": [_REFERENCES[r] for r in references]},
        extra={**extra, "disclosure": {"min_cell": disc.min_cell,
                                       "pseudonymised": insp_c is not None,
                                       "rankings": disc.allow_rankings,
                                       "cells_hidden": n_hidden}})


def _inspector_plot(tab, k, ranked, overall):
    """Mean grade of each shown inspector with its interval: one labelled row each (in
    pseudonym order unless rankings were asked for), or, above
    :data:`reliability.plots.caterpillar.BAND_ABOVE` inspectors, the ordered intervals as one
    band with no inspector named (a band shows the spread, not who is where)."""
    from reliability.plots._style import OKABE_ITO, new_figure
    from reliability.plots.caterpillar import BAND_ABOVE

    m = len(tab)
    xlabel = "Mean grade with 95% CI (1 = best)\n\u2190 better grades          worse grades \u2192"
    if m > BAND_ABOVE:
        t = tab.sort_values("mean_grade", kind="stable")
        fig, ax = new_figure((7, 4.6))
        y = np.arange(m)
        ax.fill_betweenx(y, t["ci_lower"], t["ci_upper"], color=OKABE_ITO["sky"], alpha=0.5,
                         lw=0, label="95% intervals")
        ax.plot(t["mean_grade"], y, color=OKABE_ITO["blue"], lw=1.2, label="mean grade")
        ax.set_ylim(-0.5, m - 0.5)
        ax.set_ylabel(f"{m} inspectors, in order of their mean grade")
        ax.set_yticks([])
        title = "Mean grade by inspector: the spread of all inspectors"
        alt = (f"Band chart of the mean grades of {m} inspectors in order, with their 95% "
               f"intervals as a band, beside the mean of all inspections ({overall:.2f}); "
               "no inspector is named.")
    else:
        fig, ax = new_figure((7, max(2.5, 0.22 * m + 1.4)))
        y = np.arange(m)[::-1]
        ax.errorbar(tab["mean_grade"], y,
                    xerr=[np.maximum(tab["mean_grade"] - tab["ci_lower"], 0),
                          np.maximum(tab["ci_upper"] - tab["mean_grade"], 0)],
                    fmt="o", color=OKABE_ITO["blue"], ecolor=OKABE_ITO["sky"], capsize=2,
                    markersize=4)
        ax.set_yticks(y)
        ax.set_yticklabels(tab["inspector"], fontsize=7 if m > 30 else 8)
        ax.set_ylim(-0.7, m - 0.3)
        title = "Mean grade by inspector" + (" (ranked as asked)" if ranked else
                                             " (pseudonym order, not a ranking)")
        alt = (f"Dot plot of the mean grade of each of {m} inspectors with 95% intervals, "
               f"beside the mean of all inspections ({overall:.2f}).")
    ax.axvline(overall, color=OKABE_ITO["vermillion"], lw=1, ls="--",
               label=f"all inspections ({overall:.2f})")
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_title(title, fontsize=10)
    # the band leans right as it rises: its top left and bottom right corners are empty
    ax.legend(fontsize=8, loc="upper left" if m > BAND_ABOVE else "lower right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig, alt


def _outcome(name, title, question, summary, ctx, extra, t0, seed=0, references=()):
    from reliability.studies._core import StudyOutcome

    return StudyOutcome(
        name=name, title=title, description=QUESTIONS[question], status="descriptive",
        seed=int(seed), figures=(), tables=tuple(ctx.tables), plots=tuple(ctx.plots),
        assumptions=tuple(ctx.assumptions), notes=tuple(ctx.notes),
        data_sources=tuple(summary["data"]), seconds=time.perf_counter() - t0,
        summary={**summary, "references": [_REFERENCES[r] for r in references]}, extra=extra)


def _context_for(question, title):
    from reliability.studies._core import Study, StudyContext

    study = Study(name="user-report", title=title, description=QUESTIONS[question],
                  run=lambda ctx: None)
    return StudyContext(study, seed=0, published={})


def agreement_report(source, *, first: str, second: str, min_cell: int = 10,
                     categories=None, missing=(), scale="auto", encoding=None,
                     confidence: float = 0.95, title: str | None = None):
    """Agreement of two inspection teams grading the same schools (one row per school, one
    column per team): a plain-language summary, the cross-table under complementary
    suppression, agreement and Cohen's kappa with intervals
    (:func:`reliability.consistency.parallel_consistency`)."""
    from reliability.consistency import parallel_consistency, team_pairs

    t0 = time.perf_counter()
    table = _as_table(source, encoding)
    a_c = table.resolve(first, role="first team's column")
    b_c = table.resolve(second, role="second team's column")
    df = table.frame
    stage(f"Agreement of the two teams over {len(df):,} rows, with intervals", 20)
    la, cats_a, note = _scale_labels(df[a_c].reset_index(drop=True), scale, missing)
    lb, cats_b, _ = _scale_labels(df[b_c].reset_index(drop=True), scale, missing)
    cats = categories or cats_a or cats_b
    frame = pd.DataFrame({"first": la, "second": lb})
    tab, cats, n_dropped = team_pairs(frame, first="first", second="second", categories=cats,
                                      missing=missing)
    res = parallel_consistency(tab, categories=cats, confidence=confidence)
    cats = [str(c) for c in cats]
    counts = np.asarray(res.table, float)
    hidden, hid_r, hid_c = suppress_table(counts, min_cell)
    ctx = _context_for("agreement", title or "Do two inspection teams agree?")
    a_lab, b_lab = table.label(a_c), table.label(b_c)
    rows = []
    for i, c in enumerate(cats):
        rows.append([f"{a_lab}: {c}", *["not shown" if hidden[i, j] or hid_r[i]
                                        else number(int(counts[i, j]))
                                        for j in range(len(cats))],
                     "not shown" if hid_r[i] else number(int(counts[i].sum()))])
    rows.append(["All", *["not shown" if hid_c[j] else number(int(counts[:, j].sum()))
                          for j in range(len(cats))], number(int(counts.sum()))])
    ctx.table("teams", pd.DataFrame(rows, columns=["", *[f"{b_lab}: {c}" for c in cats],
                                                   "All"]),
              caption=f"Schools by the grade of each team ({a_lab} in rows, {b_lab} in columns)",
              note=f"'not shown': fewer than {min_cell} schools, or a number from which such a "
                   "count could be worked out.")
    ag, kp = res.agreement, res.kappa
    n = int(res.n_pairs)
    same = int(np.trace(counts))
    summary = {"question": QUESTIONS["agreement"], "answer": [], "not_shown": [], "data": [],
               "suppression": ""}
    if min_cell <= same and min_cell <= n - same or n - same == 0:
        summary["answer"].append(
            f"The two teams gave the same grade to {pct(ag['estimate'])} of the {n:,} schools "
            f"both inspected (95% CI {pct(ag['ci'][0])} to {pct(ag['ci'][1])}), so a second "
            f"team would give a different grade to about {pct(1 - ag['estimate'])} of schools.")
        if np.isfinite(kp.estimate):
            summary["answer"].append(
                f"Allowing for agreement by chance, Cohen's kappa is {number(kp.estimate)} "
                f"(95% CI {number(kp.ci[0])} to {number(kp.ci[1])}; 0 = chance, 1 = perfect).")
        extra_head = {"agreement": ag["estimate"], "ci": list(ag["ci"]), "n": n,
                      "kappa": kp.estimate, "kappa_ci": list(kp.ci)}
    else:
        summary["answer"].append("Too few schools with the same or with different grades to "
                                 "report agreement without revealing small numbers.")
        extra_head = None
    summary["not_shown"] += [
        "Agreement between two teams on the same schools measures how far a grade depends on "
        "who inspects; it does not show which team was right.",
        "If the teams did not work independently (for example one saw the other's report), "
        "agreement is overstated.",
    ]
    summary["data"].append(f"{table.name}: {len(df):,} rows; {n:,} schools graded by both "
                           f"({a_lab} and {b_lab}); {n_dropped:,} without both grades left out.")
    if note:
        summary["data"].append(note)
    summary["suppression"] = (f"Numbers of fewer than {min_cell} schools are not shown, nor "
                              "numbers from which they could be worked out "
                              f"({int(hidden.sum())} cells hidden).")
    ctx.assume("Agreement: share of schools with the same grade from both teams, Wilson (1927) "
               "interval; Cohen's (1960) kappa with its asymptotic interval.")
    stage("Drawing the chart", 55)
    try:
        from reliability.plots._style import new_figure

        fig, ax = new_figure((5.5, 4.6))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        show = np.where(hidden | hid_r[:, None], np.nan, share)
        im = ax.imshow(100 * show, cmap="Blues", vmin=0, vmax=100)
        for i in range(len(cats)):
            for j in range(len(cats)):
                ax.text(j, i, "not shown" if np.isnan(show[i, j]) else pct(show[i, j]),
                        ha="center", va="center", fontsize=8,
                        color="white" if (not np.isnan(show[i, j]) and show[i, j] > .6)
                        else "black")
        ax.set_xticks(range(len(cats)), cats, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(cats)), cats, fontsize=8)
        ax.set_xlabel(b_lab)
        ax.set_ylabel(a_lab)
        fig.suptitle("Second team's grade for each first-team grade", fontsize=10)
        fig.colorbar(im, ax=ax, label="% of the row")
        fig.tight_layout()
        ctx.plot("teams", fig, caption=f"Heat map: for each grade of {a_lab}, the share of "
                                       f"schools given each grade by {b_lab}.")
    except ImportError:
        ctx.note("matplotlib is not installed: no chart.")
    extra = {"question": "agreement", "categories": cats, "headline": extra_head,
             "result": res.to_dict() if not hidden.any() else
             {"n_pairs": n, "agreement": dict(ag), "kappa": kp.to_dict()},
             "disclosure": {"min_cell": min_cell, "cells_hidden": int(hidden.sum())}}
    return _outcome("user-report", ctx.study.title, "agreement", summary, ctx, extra, t0,
                    references=("wilson", "kappa", "suppression"))


def areas_report(source, *, areas, context: str | None = None, min_cell: int = 10,
                 categories=None, encoding=None, confidence: float = 0.95, seed: int = 0,
                 title: str | None = None):
    """Do report-card areas say different things? Polychoric correlations, the effective
    number of independent areas (:func:`reliability.areas.area_structure`) and, with a
    context, the share below the expected standard by band for each area."""
    from reliability.areas import area_structure

    t0 = time.perf_counter()
    table = _as_table(source, encoding)
    cols = [table.resolve(a, role="area column") for a in areas]
    df = table.frame
    data = pd.DataFrame({c: (df[c].astype(object).where(df[c].notna(), None)
                             if isinstance(df[c].dtype, pd.CategoricalDtype) else df[c])
                         for c in cols})
    stage(f"Polychoric correlations of {len(cols)} areas over {len(df):,} rows", 20)
    res = area_structure(data, areas=cols, categories=categories, confidence=confidence,
                         seed=seed)
    labels = [table.label(c) for c in cols]
    ctx = _context_for("areas", title or "What the report-card areas say")
    m = len(cols)
    summary = {"question": QUESTIONS["areas"], "answer": [], "not_shown": [], "data": [],
               "suppression": ""}
    pairs = [(labels[cols.index(a)], labels[cols.index(b)], r) for (a, b), r in
             res.polychoric.items()]
    finite = [p for p in pairs if np.isfinite(p[2].estimate)]
    if np.isfinite(res.effective_areas):
        summary["answer"].append(
            f"The {m} areas carry about {number(res.effective_areas, digits=1)} independent "
            f"judgements (effective number of areas; {m} would mean each says something of "
            "its own, 1 that they all say the same).")
    if finite:
        lo_p = min(finite, key=lambda p: p[2].estimate)
        hi_p = max(finite, key=lambda p: p[2].estimate)
        summary["answer"].append(
            f"The correlations between areas range from {number(lo_p[2].estimate)} "
            f"({lo_p[0]} and {lo_p[1]}; 95% CI {number(lo_p[2].ci[0])} to "
            f"{number(lo_p[2].ci[1])}) to {number(hi_p[2].estimate)} ({hi_p[0]} and "
            f"{hi_p[1]}; 95% CI {number(hi_p[2].ci[0])} to {number(hi_p[2].ci[1])}).")
    if np.isfinite(res.share_within_one_step):
        summary["answer"].append(
            f"In {pct(res.share_within_one_step)} of the {res.n_complete:,} schools graded in "
            "every area, all areas are within one step of each other on the scale.")
    summary["not_shown"] += [
        "Areas that correlate highly may still differ for some schools; correlations do not "
        "say which area is graded more accurately.",
        "Polychoric correlations assume each grade is a cut of an underlying continuous "
        "judgement.",
    ]
    summary["data"].append(f"{table.name}: {table.description}; {len(df):,} rows, "
                           f"{res.n_complete:,} with a grade in every chosen area.")
    summary["suppression"] = ("Only correlations and shares of whole sets of schools are "
                              "shown: no count of fewer than "
                              f"{min_cell} schools appears.")
    rows = [[a, b, number(r.estimate), f"{number(r.ci[0])} to {number(r.ci[1])}",
             number(int(r.n))] for a, b, r in pairs if r.n >= min_cell]
    ctx.table("area-correlations", pd.DataFrame(rows, columns=["Area", "Area", "Correlation",
                                                               "95% CI", "Schools"]),
              caption="Polychoric correlation of each pair of areas")
    ctx.table("area-correlations-full", res.to_frame(), appendix=True,
              caption="Polychoric correlations: estimates, standard errors and fit")
    ctx.assume("Two-step polychoric correlations (as R polycor) with Fisher-z intervals; "
               "effective number of independent areas from the eigenvalues (Nyholt 2004).")
    stage("Drawing the chart", 55)
    try:
        from reliability.plots._style import new_figure

        R = res.matrix.to_numpy()
        fig, ax = new_figure((1.0 * m + 3, 0.8 * m + 2.4))
        im = ax.imshow(R, cmap="cividis", vmin=0, vmax=1)
        for i in range(m):
            for j in range(m):
                ax.text(j, i, f"{R[i, j]:.2f}", ha="center", va="center", fontsize=8,
                        color="black" if R[i, j] > .5 else "white")
        ax.set_xticks(range(m), labels, rotation=35, ha="right", fontsize=8)
        ax.set_yticks(range(m), labels, fontsize=8)
        fig.colorbar(im, ax=ax, label="polychoric correlation")
        ax.set_title("How strongly the areas go together", fontsize=10)
        fig.tight_layout()
        ctx.plot("area-correlations", fig,
                 caption=f"Heat map of the polychoric correlations of {m} areas.")
    except ImportError:
        ctx.note("matplotlib is not installed: no chart.")
    extra = {"question": "areas", "headline": {"effective_areas": res.effective_areas,
                                               "share_within_one_step":
                                                   res.share_within_one_step},
             "result": res.to_dict(), "disclosure": {"min_cell": min_cell}}
    return _outcome("user-report", ctx.study.title, "areas", summary, ctx, extra, t0,
                    references=("suppression",))
