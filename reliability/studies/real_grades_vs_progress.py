"""Real grades and KS2 progress: DfE 2019 performance tables with the Ofsted rating."""

from __future__ import annotations

from reliability.studies._core import Study
from reliability.scales import OFSTED_GRADES

GRADES = OFSTED_GRADES.labels
SUBJECTS = (("reading", (r"^readprog$", r"read.*prog")),
            ("writing", (r"^writprog$", r"writ.*prog")),
            ("maths", (r"^matprog$", r"mat.*prog")))
RESULTS_DATE = "2019-07-01"  # KS2 tests May 2019, results published July 2019
AGE_BANDS = (0, 2, 4, 6, 8, 20)


def _years_before_results(values):
    import pandas as pd

    s = pd.Series(values)
    if not pd.api.types.is_datetime64_any_dtype(s):
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().any() and num.dropna().gt(1e7).all():
            s = pd.to_datetime(num.dropna().astype("int64").astype(str), format="%Y%m%d",
                               errors="coerce").reindex(s.index)
        else:
            s = pd.to_datetime(s, errors="coerce", dayfirst=True)
    return ((pd.Timestamp(RESULTS_DATE) - s).dt.days / 365.25).to_numpy(dtype=float)


def run(ctx) -> None:
    import numpy as np
    import pandas as pd
    from scipy import stats

    from reliability import datasets
    from reliability.studies._helpers import find_column, frame_of, grade_codes
    from reliability.validity import grade_context, grade_outcome_differences

    df = frame_of(datasets.load_ks2_2019_progress())
    ctx.source("DfE 2018/19 Key Stage 2 performance tables with each school's Ofsted "
               f"rating at the time ({len(df):,} primary schools), via reliability.datasets; "
               "the rating was read from Ofsted reports by the source repository's script. "
               "Contains public sector information licensed under the Open Government "
               "Licence v3.0.")
    rectype_c = find_column(df, r"^rectype$", r"record type", r"special", required=False)
    rating_c = find_column(df, r"^ofstedrating$", r"ofsted.*rating", r"^rating$")
    date_c = find_column(df, r"^inspectiondt$", r"inspection.*d(a)?te?")
    n_all = len(df)
    if rectype_c is not None:
        col = df[rectype_c]
        special = (col.astype(str).str.strip().str.lower().isin(["2", "2.0", "special"])
                   if col.dtype != bool else col)
        df = df.loc[~special.to_numpy()]
        ctx.assume(f"Special schools (RECTYPE 2, 'special') are excluded ({n_all - len(df)} schools): "
                   "their progress scores compare pupils with very different starting "
                   "points and are not comparable with mainstream schools.")
    else:
        ctx.assume("The loader returned mainstream schools only; no special schools are "
                   "included.")
    grade = grade_codes(df[rating_c])
    age_c = find_column(df, r"rating age", required=False)
    if age_c is not None:  # the loader's age of the rating (to its reference date)
        age = df[age_c].to_numpy(dtype=float)
        ref = df.attrs.get("reference_date", "the loader's reference date (2019-09-01)")
    else:
        age = _years_before_results(df[date_c])
        ref = RESULTS_DATE
    ctx.assume("Progress scores are school value-added (0 = national average); suppressed "
               "('SUPP') and blank scores are dropped per subject.")
    ctx.assume(f"Age of the rating = years from the inspection to {ref}; ratings "
               f"dated after that ({int(np.sum(age < 0))} schools) are left out of the "
               "by-age analysis, since they postdate the results.")

    means, diffs, assoc = [], [], []
    for subj, pats in SUBJECTS:
        y = pd.to_numeric(df[find_column(df, *pats, exclude=(r"descr", r"band"))],
                          errors="coerce").to_numpy(dtype=float)
        ok = ~np.isnan(y) & ~np.isnan(grade)
        for k, g in enumerate(GRADES, start=1):
            v = y[ok & (grade == k)]
            n = len(v)
            m, se = (v.mean(), v.std(ddof=1) / np.sqrt(n)) if n > 1 else (np.nan, np.nan)
            h = stats.t.ppf(0.975, n - 1) * se if n > 1 else np.nan
            means.append({"subject": subj, "rating": g, "n": n, "mean_progress": m, "se": se,
                          "ci_lower": m - h, "ci_upper": m + h})
        d = grade_outcome_differences(grade[ok].astype(int) - 1, y[ok], categories=GRADES,
                                      reference=1)
        for g in (GRADES[0], GRADES[2], GRADES[3]):
            e = d[f"hedges_g[{g}]"]
            diffs.append({"subject": subj, "rating vs Good": g, "hedges_g": e.estimate,
                          "ci_lower": e.ci[0], "ci_upper": e.ci[1]})
        labels = np.asarray(GRADES, dtype=object)[grade[ok].astype(int) - 1]
        r = grade_context(labels, y[ok], categories=GRADES, bands=5,
                          grade_name="rating", context_name=f"{subj} progress")
        for key in ("kendall_tau_b", "goodman_kruskal_gamma", "somers_d"):
            e = r.associations[key]
            assoc.append({"subject": subj, "age_of_rating": "all", "n": r.n, "statistic": key,
                          "estimate": e.estimate, "ci_lower": e.ci[0], "ci_upper": e.ci[1]})
        for lo, hi in zip(AGE_BANDS[:-1], AGE_BANDS[1:]):
            m = (age[ok] >= lo) & (age[ok] < hi)
            if m.sum() < 50:
                continue
            rb = grade_context(labels[m], y[ok][m], categories=GRADES, bands=5)
            e = rb.associations["kendall_tau_b"]
            assoc.append({"subject": subj, "age_of_rating": f"{lo}-{hi} years",
                          "n": rb.n, "statistic": "kendall_tau_b", "estimate": e.estimate,
                          "ci_lower": e.ci[0], "ci_upper": e.ci[1]})
    ctx.table("progress-by-rating", pd.DataFrame(means),
              caption="Mean KS2 progress by Ofsted rating (t 95% CIs), mainstream schools")
    ctx.table("standardised-differences", pd.DataFrame(diffs),
              caption="Standardised differences in progress vs Good-rated schools (Hedges g, "
                      "95% CIs)")
    at = pd.DataFrame(assoc)
    ctx.table("association", at,
              caption="Ordinal association of rating (1 = Outstanding) with progress "
                      "quintile: negative = better-rated schools make more progress; overall "
                      "and by age of the rating")
    bands = pd.cut(pd.Series(age), list(AGE_BANDS), right=False,
                   labels=[f"{lo}-{hi} years" for lo, hi in zip(AGE_BANDS[:-1], AGE_BANDS[1:])])
    lab = pd.Series(np.where(np.isnan(grade), None, np.asarray(GRADES, dtype=object)[
        np.nan_to_num(grade, nan=1).astype(int) - 1]))
    ctx.table("rating-by-age", pd.crosstab(bands.rename("age_of_rating"), lab.rename("rating")).reindex(columns=list(GRADES),
                                                               fill_value=0), index=True,
              caption="Schools by age of the rating and rating (mainstream)")
    ctx.note("The age of a rating is confounded with the rating itself: Outstanding schools "
             "were exempt from routine re-inspection from 2012 to 2020, so old ratings are "
             "mostly Outstanding, while Requires improvement and Inadequate schools are "
             "re-inspected within about two years. The by-age associations compare different "
             "mixes of schools, not the same ratings ageing.")
    ctx.context("ofsted_2023_band_match_primary", None,
                note="shown for orientation; not computed on these data")
    ctx.context("hutchinson_primary_outstanding_low_fsm", None,
                note="shown for orientation; these data have no FSM measure")

    from reliability.plots._style import new_figure

    fig, ax = new_figure((6.5, 3.8))
    by_age = at[(at["age_of_rating"] != "all") & (at["statistic"] == "kendall_tau_b")]
    for subj, sub in by_age.groupby("subject", sort=False):
        ax.errorbar(sub["age_of_rating"], sub["estimate"],
                    yerr=[sub["estimate"] - sub["ci_lower"], sub["ci_upper"] - sub["estimate"]],
                    fmt="o-", capsize=3, label=subj)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("Age of the rating at the 2019 results")
    ax.set_ylabel("Kendall tau-b (rating vs progress)")
    ax.legend()
    ctx.plot("association-by-age-of-rating", fig,
             caption="How the association of rating with 2019 progress changes with the age "
                     "of the rating (95% CIs)")


STUDY = Study(
    name="real-grades-vs-progress",
    title="Real grades and KS2 progress, 2019",
    description="KS2 2019 progress scores of primary schools by their Ofsted rating at the "
                "time: mean reading, writing and maths progress by rating with CIs and "
                "standardised differences, the ordinal association of rating with progress, "
                "and how it changes with the age of the rating. Special schools excluded.",
    run=run,
    data="DfE KS2 2019 performance tables with Ofsted rating (OGL v3.0).",
)
