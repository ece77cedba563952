"""Grades by deprivation band on synthetic data with a known population association."""

from __future__ import annotations

from reliability.studies._core import Study
from reliability.scales import OFSTED_GRADES

GRADES = OFSTED_GRADES.labels
N_SCHOOLS = 20_000
# Generator: five equal deprivation bands (1 = least deprived). Calibrated to the England
# figures of schoolratings.co.uk (RI or Inadequate 1.8..8.0% by FSM quintile; Outstanding
# 16.4% least vs 8.1% most deprived); a quarter of below-Good grades are Inadequate.
BELOW_GOOD = (0.018, 0.035, 0.040, 0.056, 0.080)
OUTSTANDING = (0.164, 0.143, 0.123, 0.102, 0.081)


def true_table():
    """Population probabilities, bands (rows) x grades (columns)."""
    import numpy as np

    rows = []
    for o, b in zip(OUTSTANDING, BELOW_GOOD):
        rows.append([o, 1 - o - b, 0.75 * b, 0.25 * b])
    return np.asarray(rows) / len(rows)


def true_associations(p):
    """Population gamma, tau-b and Somers' d (grade given band) of a probability table,
    from the concordant / discordant pair probabilities (Agresti 2010, ch. 2), written
    out here independently of the library."""
    import numpy as np

    L, K = p.shape
    pc = pd_ = 0.0
    for i in range(L):
        for j in range(K):
            pc += p[i, j] * p[i + 1:, j + 1:].sum()
            pd_ += p[i, j] * p[i + 1:, :j].sum()
    pc, pd_ = 2 * pc, 2 * pd_
    r, c = p.sum(1), p.sum(0)
    return {"goodman_kruskal_gamma": (pc - pd_) / (pc + pd_),
            "kendall_tau_b": (pc - pd_) / np.sqrt((1 - (r**2).sum()) * (1 - (c**2).sum())),
            "somers_d": (pc - pd_) / (1 - (r**2).sum())}


def run(ctx) -> None:
    import numpy as np
    import pandas as pd

    from reliability.validity import grade_context

    p = true_table()
    cell = ctx.rng.choice(p.size, size=N_SCHOOLS, p=p.ravel())
    band, grade = np.divmod(cell, p.shape[1])
    ctx.source(f"Synthetic: {N_SCHOOLS:,} schools in five equal deprivation bands, grades "
               "drawn from a known band x grade table calibrated to England 2022-25 shares "
               "(schoolratings.co.uk).")
    ctx.assume("The generator lives in the study (not reliability.datasets."
               "simulate_national_inspections) because the population band x grade table must "
               "be known exactly for tau-b, gamma and Somers' d to have a known true value.")
    ctx.assume("Band 1 = least deprived; grades scored 1 = Outstanding .. 4 = Inadequate, so a "
               "positive association means worse grades in more deprived bands.")
    res = grade_context(np.asarray(GRADES, dtype=object)[grade], band + 1,
                        categories=GRADES, grade_name="grade", context_name="band")
    truth = true_associations(p)
    rows = []
    for key, t in truth.items():
        e = res.associations[key]
        ctx.truth(key, e.estimate, t, tolerance=float(4 * e.se), source="generator",
                  label=f"{key.replace('_', ' ')} (grade vs band)",
                  note="tolerance 4 asymptotic SEs of the estimate")
        rows.append({"statistic": key, "estimate": e.estimate, "se": e.se, "ci_lower": e.ci[0],
                     "ci_upper": e.ci[1], "p_value": e.p_value, "truth": t})
    ctx.table("associations", pd.DataFrame(rows),
              caption="Ordinal association of grade with deprivation band (95% CIs)")
    fr = res.to_frame()
    ctx.table("by-band", fr, caption="Grade distribution by band (Wilson 95% CIs)")
    t = res.trend_test
    ctx.note(f"Trend test ({t['method']}): statistic {t['statistic']:.2f}, df {t['df']}, "
             f"p {t['p']:.3g}.")
    below = fr[fr["grade"].isin(GRADES[2:])].groupby("band")["proportion"].sum().to_numpy()
    for i, share in enumerate(below, start=1):
        ctx.truth(f"below_good_band{i}", share, BELOW_GOOD[i - 1],
                  tolerance=float(4 * np.sqrt(BELOW_GOOD[i - 1] * (1 - BELOW_GOOD[i - 1])
                                              / (N_SCHOOLS / 5))),
                  source="generator", label=f"Share below Good, band {i}",
                  note="tolerance 4 binomial SEs")
        ctx.context(f"schoolratings_ri_inadequate_q{i}", share,
                    note="the generator is calibrated to this figure")

    from reliability.plots._style import new_figure

    fig, ax = new_figure((6, 3.6))
    sub = fr[fr["grade"] == GRADES[0]]
    ax.errorbar(sub["band"].astype(str), sub["proportion"],
                yerr=[sub["proportion"] - sub["ci_lower"], sub["ci_upper"] - sub["proportion"]],
                fmt="o-", label="Outstanding")
    ax.errorbar([str(b) for b in sub["band"]], below, fmt="s-", label="RI or Inadequate")
    ax.set_xlabel("Deprivation band (1 = least deprived)")
    ax.set_ylabel("Share of schools")
    ax.legend()
    ctx.plot("grades-by-band", fig, caption="Outstanding and below-Good shares by band")


STUDY = Study(
    name="grades-vs-context",
    title="Grades by deprivation band (synthetic data, known truth)",
    description="Grade distribution by deprivation band and its ordinal association (Kendall "
                "tau-b, Goodman-Kruskal gamma, Somers' d) with a trend test, on simulated "
                "schools whose population association is known exactly.",
    run=run,
    data="Synthetic (generator in the study, calibrated to England 2022-25 shares).",
)
