"""Real grades and deprivation: Ofsted outcomes at 31 August 2023, West Midlands."""

from __future__ import annotations

from reliability.studies._core import Study
from reliability.scales import OFSTED_GRADES

GRADES = OFSTED_GRADES.labels
KEY_JUDGEMENTS = (("quality_of_education", (r"^quality of education$",)),
                  ("behaviour_and_attitudes", (r"^behaviour and attitudes$",)),
                  ("personal_development", (r"^personal development$",)),
                  ("leadership_and_management", (r"^effectiveness of leadership",
                                                 r"^leadership and management$")))


def _assoc_rows(res, label):
    rows = []
    for k, e in res.associations.items():
        if k == "spearman":
            continue
        rows.append({"group": label, "n": res.n, "statistic": k, "estimate": e.estimate,
                     "ci_lower": e.ci[0], "ci_upper": e.ci[1], "p_value": e.p_value})
    t = res.trend_test
    rows.append({"group": label, "n": res.n, "statistic": "trend test (Mantel linear-by-linear, chi-square 1 df)",
                 "estimate": t["statistic"], "ci_lower": None, "ci_upper": None,
                 "p_value": t["p"]})
    return rows


def run(ctx) -> None:
    import numpy as np
    import pandas as pd

    from reliability import agreement, datasets
    from reliability.consistency import parallel_consistency
    from reliability.studies._helpers import find_column, frame_of, grade_codes
    from reliability.validity import grade_context

    df = frame_of(datasets.load_ofsted_outcomes_2023_west_midlands())
    ctx.source("Ofsted, 'State-funded schools inspections and outcomes as at 31 August 2023' "
               "(official statistics, 14 November 2023), West Midlands rows "
               f"({len(df):,} schools), via reliability.datasets. Contains public sector "
               "information licensed under the Open Government Licence v3.0. Grades are "
               "those of each school's latest graded inspection up to 31 August 2023.")
    overall_c = find_column(df, r"^overall effectiveness$", r"overall effectiveness",
                            exclude=(r"previous",))
    idaci_c = find_column(df, r"^deprivation rank$", r"idaci")
    phase_c = find_column(df, r"^ofsted phase$", r"phase")
    prev_c = find_column(df, r"previous.*overall effectiveness", r"previous overall")
    overall = grade_codes(df[overall_c])
    idaci = pd.to_numeric(df[idaci_c], errors="coerce").to_numpy()
    ctx.assume("IDACI quintile 5 = most deprived (the file does not say; the data imply it): "
               "the loader's deprivation_rank (1 = least, 5 = most deprived) with "
               "idaci_most_deprived=5.")
    ctx.assume("Grades 1 = Outstanding .. 4 = Inadequate; 9 = not judged is dropped. A "
               "positive association means worse grades in more deprived quintiles.")

    # 1. Grade distribution by IDACI quintile, association, trend; then by phase.
    labels = np.where(np.isnan(overall), None,
                      np.asarray(GRADES, dtype=object)[np.nan_to_num(overall, nan=1)
                                                       .astype(int) - 1])
    res = grade_context(labels, idaci, categories=GRADES, grade_name="overall effectiveness",
                        context_name="IDACI quintile")
    fr = res.to_frame()
    ctx.table("grade-by-idaci", fr,
              caption="Overall effectiveness by IDACI quintile (Wilson 95% CIs)")
    rows = _assoc_rows(res, "all phases")
    phases = pd.Series(df[phase_c]).astype(str)
    by_phase = []
    for ph, n in phases.value_counts().items():
        if n < 100 or ph.lower() in ("nan", "none", ""):
            continue
        m = (phases == ph).to_numpy()
        try:
            r = grade_context(labels[m], idaci[m], categories=GRADES)
        except Exception as exc:  # a phase with one grade only: say so, do not crash
            ctx.note(f"{ph}: association not computed ({exc})")
            continue
        rows += _assoc_rows(r, ph)
        by_phase.append(r.to_frame().assign(phase=ph))
    ctx.table("association", pd.DataFrame(rows),
              caption="Ordinal association of overall grade with IDACI quintile, all phases "
                      "and by phase (asymptotic 95% CIs; Mantel linear-by-linear trend test)")
    if by_phase:
        bp = pd.concat(by_phase, ignore_index=True)
        ctx.table("grade-by-idaci-and-phase",
                  bp[["phase"] + [c for c in bp.columns if c != "phase"]],
                  caption="Overall effectiveness by IDACI quintile within each phase (phases "
                          "with at least 100 schools; Wilson 95% CIs)")
    below = fr[fr["grade"].isin(GRADES[2:])].groupby("band")["proportion"].sum()
    for i, share in enumerate(below.to_numpy()[:5], start=1):
        ctx.context(f"schoolratings_ri_inadequate_q{i}", share)
    shares = np.array([np.mean(overall[~np.isnan(overall)] == g) for g in (1, 2, 3, 4)])
    for g, s in zip(("outstanding", "good", "requires_improvement", "inadequate"), shares):
        ctx.context(f"national_2024_{g}", s)

    # 2. How far is the overall grade one judgement? Overall vs quality of education, and
    # the four key judgements with each other (2019 framework inspections only).
    keys = {}
    for name, pats in KEY_JUDGEMENTS:
        c = find_column(df, *pats, exclude=(r"previous",))
        keys[name] = grade_codes(df[c])
    eif = ~np.isnan(keys["quality_of_education"]) & ~np.isnan(overall)
    t = np.zeros((4, 4), dtype=np.int64)
    np.add.at(t, (overall[eif].astype(int) - 1, keys["quality_of_education"][eif]
                  .astype(int) - 1), 1)
    pc = parallel_consistency(t, categories=GRADES)
    wk = agreement.cohen_kappa(t, shape="table", weights="quadratic")
    ctx.table("overall-vs-quality-of-education",
              pd.DataFrame(t, index=[f"overall {g}" for g in GRADES],
                           columns=[f"QoE {g}" for g in GRADES]), index=True,
              caption=f"Overall effectiveness vs quality of education, {int(eif.sum())} "
                      "inspections under the 2019 framework")
    kj = pd.DataFrame({k: v for k, v in keys.items()})
    kj = kj[kj.notna().sum(axis=1) >= 2]
    alpha = agreement.krippendorff_alpha(kj, shape="wide", level="ordinal")
    one = [{"comparison": "overall = quality of education (proportion)", "n": int(eif.sum()),
            "estimate": pc.estimate, "ci_lower": pc.ci[0], "ci_upper": pc.ci[1],
            "method": "Wilson 95% CI"},
           {"comparison": "overall vs quality of education (quadratic-weighted kappa)",
            "n": int(eif.sum()), "estimate": wk.estimate, "ci_lower": wk.ci[0],
            "ci_upper": wk.ci[1], "method": "Fleiss-Cohen-Everitt SE"},
           {"comparison": "four key judgements (Krippendorff's alpha, ordinal)", "n": len(kj),
            "estimate": alpha.estimate, "ci_lower": alpha.ci[0], "ci_upper": alpha.ci[1],
            "method": "Gwet linearised SE"}]
    ctx.table("one-judgement", pd.DataFrame(one),
              caption="How far is the overall grade one judgement? (inspections under the "
                      "2019 framework)")
    ctx.note(f"Overall grade equals the quality-of-education grade in {pc.estimate:.1%} "
             f"(95% CI {pc.ci[0]:.1%}-{pc.ci[1]:.1%}) of {int(eif.sum())} inspections under "
             f"the 2019 framework (weighted kappa {wk.estimate:.3f}): in practice the overall "
             "grade is the quality-of-education judgement. The four key judgements agree "
             f"with each other with ordinal alpha {alpha.estimate:.3f}: related, but not one "
             "judgement.")

    # 3. Previous vs latest grade: a transition table. NOT a reliability estimate.
    prev = grade_codes(df[prev_c])
    both = ~np.isnan(prev) & ~np.isnan(overall)
    tr = np.zeros((4, 4), dtype=np.int64)
    np.add.at(tr, (prev[both].astype(int) - 1, overall[both].astype(int) - 1), 1)
    wk2 = agreement.cohen_kappa(tr, shape="table", weights="quadratic")
    same = np.trace(tr) / tr.sum()
    ctx.table("previous-vs-latest",
              pd.DataFrame(tr, index=[f"previous {g}" for g in GRADES],
                           columns=[f"latest {g}" for g in GRADES]), index=True,
              caption="Previous vs latest overall grade (transition table)",
              note="This mixes real change between inspections (often years apart) with "
                   "unreliability: its disagreement bounds from above what unreliability "
                   "alone would cause. It is not a reliability estimate.")
    ctx.table("previous-vs-latest-summary", pd.DataFrame([
        {"statistic": "same grade (proportion)", "n": int(tr.sum()), "estimate": same},
        {"statistic": "quadratic-weighted kappa", "n": int(tr.sum()), "estimate": wk2.estimate,
         "ci_lower": wk2.ci[0], "ci_upper": wk2.ci[1]}]),
        caption="Previous vs latest overall grade: agreement (NOT a reliability estimate)")
    ctx.note(f"Previous and latest overall grades are the same for {same:.1%} of "
             f"{int(tr.sum())} schools (quadratic-weighted kappa {wk2.estimate:.3f}). "
             "Inspections years apart mix real change with unreliability, so this "
             "disagreement bounds from above what unreliability alone would cause; it is not "
             "a reliability estimate.")

    from reliability.plots._style import new_figure

    fig, ax = new_figure((6, 3.6))
    for g in GRADES:
        sub = fr[fr["grade"] == g]
        ax.errorbar(sub["band"].astype(str), sub["proportion"],
                    yerr=[sub["proportion"] - sub["ci_lower"],
                          sub["ci_upper"] - sub["proportion"]], fmt="o-", label=g,
                    capsize=2)
    ax.set_xlabel("IDACI quintile (5 = most deprived)")
    ax.set_ylabel("Share of schools")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ctx.plot("grades-by-idaci", fig, caption="Overall grade by IDACI quintile, West Midlands "
                                            "(latest graded inspection to 31 August 2023)")


STUDY = Study(
    name="real-grades-vs-deprivation",
    title="Real grades and deprivation: West Midlands, August 2023",
    description="Official Ofsted outcomes for 2,417 West Midlands schools: grade "
                "distribution by IDACI quintile with CIs, Kendall tau-b / gamma / Somers' d, "
                "trend test, by phase; how far the overall grade is one judgement; and "
                "previous vs latest grade (not a reliability estimate). National figures are "
                "shown as context for a different population.",
    run=run,
    data="Ofsted official statistics, West Midlands, as at 31 August 2023 (OGL v3.0).",
)
