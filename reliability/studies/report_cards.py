"""Report cards: do the evaluation areas say different things? (simulated year, known truth)

Two studies share this code:

* ``report-cards`` -- a simulated national year (20,000 schools, two teams per school) from
  :func:`reliability.datasets.simulate_report_cards`: the polychoric correlations of the areas
  must recover the generator's latent correlations, the achievement area its calibrated
  deprivation gradient, and the two teams' exact agreement its true value. Every compared
  figure is of kind "truth"; the one published figure used (ASCL, May 2026) calibrates the
  generator and is therefore not "reproduced".
* ``report-cards-mi`` -- the shipped synthetic management-information file
  (``datasets/ofsted_report_cards_synthetic_mi.csv``) read by the MI reader: the same analyses
  a user runs on Ofsted's file, compared with the truth of the generator that made it.
"""

from __future__ import annotations

from reliability.studies._core import Study

N_SCHOOLS = 20_000
MI_SEED, MI_N = 20251110, 1500          # tests/data/scripts/make_report_card_mi.py


def _plain_answer(res) -> str:
    m = len(res.areas)
    return (f"Across {res.n_schools:,} schools the {m} areas behave like "
            f"{res.effective_areas:.1f} independent judgements (Nyholt 2004), with "
            f"{res.n_factors_parallel} common factor above chance (parallel analysis) and a "
            f"one-factor omega of {res.omega:.2f}; {100 * res.share_within_one_step:.0f}% of "
            "schools have every area within one grade of the others. The areas overlap "
            "strongly (a shared school factor) but are not one judgement repeated.")


def _summarise(ctx, res) -> None:
    ctx.summarise(
        question="Do the report-card areas say different things about a school?",
        answer=_plain_answer(res),
        not_shown=["The data are synthetic with a known truth: the study checks that the "
                   "methods recover it, not what Ofsted's inspectors do.",
                   "Overlap between areas may be a halo (one impression coloured every area) or "
                   "real: schools strong in one area are often strong in others; correlations "
                   "cannot tell these apart."],
        data=list(ctx.data_sources))


def _structure_figures(ctx, res, truth, *, tolerance_se: float = 4.0):
    R = truth["latent_correlation"]
    for (a, b), r in res.polychoric.items():
        ctx.truth(f"polychoric:{a}|{b}", r.estimate, R.loc[a, b],
                  tolerance=float(tolerance_se * r.se), source="generator",
                  label=f"latent correlation {a} / {b}",
                  note=f"tolerance {tolerance_se:g} SEs of the two-step polychoric estimate")


def _heatmap(res):
    from reliability.plots._style import new_figure

    fig, ax = new_figure((6.5, 5.2))
    M = res.matrix.to_numpy()
    im = ax.imshow(M, vmin=0, vmax=1, cmap="viridis")
    labels = [a.replace("_", " ") for a in res.areas]
    ax.set_xticks(range(len(labels)), labels, rotation=40, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(M.shape[0]):
        for j in range(M.shape[1]):
            ax.text(j, i, f"{M[i, j]:.2f}", ha="center", va="center",
                    color="white" if M[i, j] < 0.6 else "black", fontsize=8)
    fig.colorbar(im, ax=ax, label="polychoric correlation")
    ax.set_title("How closely the report-card areas move together")
    fig.tight_layout()
    return fig


def run_simulated(ctx) -> None:
    import pandas as pd

    from reliability.areas import area_agreement, area_context, area_structure
    from reliability.datasets._report_cards import REPORT_CARD_AREAS, simulate_report_cards

    frame, truth = simulate_report_cards(N_SCHOOLS, parallel=True, team_reliability=0.8,
                                         seed=ctx.seed)
    areas = list(REPORT_CARD_AREAS)
    ctx.source(f"Synthetic: {N_SCHOOLS:,} schools, six report-card areas from one school factor "
               "plus area-specific factors and deprivation effects; two independent teams per "
               "school (reliability.datasets.simulate_report_cards).")
    for a in truth["assumptions"]:
        ctx.assume(f"Generator assumption: {a}.")
    ctx.assume("Achievement is calibrated to ASCL (May 2026): 35% of the most deprived IDACI "
               "quintile and 12% of the least deprived below the expected standard; matching it "
               "here checks the generator and the estimator, it does not reproduce ASCL.")
    team_b = frame[[f"{a}_team_b" for a in areas]].set_axis(areas, axis=1)
    res = area_structure(frame[areas], areas=areas, seed=ctx.seed)
    _summarise(ctx, res)
    # the first team's latent correlations are the truth shrunk by the team reliability
    _structure_figures(ctx, res, truth)
    ctx.table("polychoric", res.to_frame(),
              caption="Polychoric correlation of each pair of areas (two-step ML, Fisher-z 95% CI)")
    ctx.plot("polychoric-heatmap", _heatmap(res),
             caption="Polychoric correlations of the six areas (first team)")
    ctx_res = area_context(frame, areas=["achievement"], context="idaci_quintile")
    be = ctx_res.below_expected
    for q in (1, 5):
        row = be[be.band.astype(str) == str(q)].iloc[0]
        t = truth["achievement_below_expected_by_quintile"][q]
        half = (row.ci_high - row.ci_low) / 2
        ctx.truth(f"achievement_below_expected_q{q}", row.proportion, t,
                  tolerance=float(2 * half), source="generator (calibrated to ASCL May 2026)",
                  label=f"achievement below expected, IDACI quintile {q}",
                  note="tolerance twice the Wilson 95% half-width")
    ctx.table("achievement-by-idaci", be,
              caption="Share below the expected standard for achievement by IDACI quintile "
                      "(5 = most deprived; Wilson 95% CIs)")
    agr = area_agreement(pd.concat([frame[areas], team_b.add_suffix("_b")], axis=1),
                         areas=areas, second=[f"{a}_b" for a in areas])
    for area in areas:
        pa = agr.estimates[area]["percent_agreement"]
        ctx.truth(f"exact_agreement:{area}", pa.estimate, truth["exact_agreement"][area],
                  tolerance=float(4 * pa.se), source="generator",
                  label=f"two teams give the same {area.replace('_', ' ')} grade",
                  note="tolerance 4 SEs")
    ctx.table("team-agreement", agr.to_frame(),
              caption="Agreement of two teams per area (exact, quadratic kappa, ordinal alpha)")


def run_mi(ctx) -> None:
    from reliability.areas import area_structure, framework_transition
    from reliability.datasets._report_card_mi import load_report_cards_synthetic_mi
    from reliability.datasets._report_cards import REPORT_CARD_AREAS, simulate_report_cards

    cards = load_report_cards_synthetic_mi()
    _, truth = simulate_report_cards(MI_N, seed=MI_SEED)
    areas = list(REPORT_CARD_AREAS)
    ctx.source("datasets/ofsted_report_cards_synthetic_mi.csv: synthetic, in the assumed layout "
               f"of Ofsted's report-card management information ({len(cards):,} schools).")
    ctx.assume("The MI layout is assumed (no real file could be obtained); columns are found "
               "by pattern, so a real release with these or similar names loads the same way.")
    res = area_structure(cards, areas=areas, seed=ctx.seed)
    _summarise(ctx, res)
    _structure_figures(ctx, res, truth)
    ctx.table("polychoric", res.to_frame(), caption="Polychoric correlation of each pair of areas")
    ctx.plot("polychoric-heatmap", _heatmap(res), caption="Polychoric correlations (MI file)")
    tr = framework_transition(cards, old="previous_overall_effectiveness", new="achievement")
    ctx.table("old-vs-new", tr.table, index=True,
              caption="Previous overall effectiveness (2005-2024 scale, rows) against the "
                      "achievement area of the report card (columns): two different "
                      "instruments, not a measure of agreement")
    tau = tr.associations["kendall_tau_b"]
    ctx.note(f"Old grade vs new achievement grade: Kendall tau-b {tau.estimate:.2f} "
             f"(95% CI {tau.ci[0]:.2f} to {tau.ci[1]:.2f}); in this synthetic file the previous "
             "grade was drawn independently, so no association is expected.")


STUDY = Study(
    name="report-cards",
    title="Report cards: do the areas say different things? (simulated, known truth)",
    description="Polychoric correlations, parallel analysis and one-factor omega of the six "
                "report-card areas, the deprivation gradient of achievement and two teams' "
                "agreement per area, on a simulated national year whose truth is known.",
    run=run_simulated,
    data="Synthetic: reliability.datasets.simulate_report_cards (calibrated to ASCL May 2026).",
)

STUDY_MI = Study(
    name="report-cards-mi",
    title="Report cards from a management-information file (synthetic MI, known truth)",
    description="The same analyses on the shipped synthetic report-card MI file, read by the "
                "MI reader, against the truth of the generator that made it; and the "
                "old-framework grade against the new achievement grade.",
    run=run_mi,
    data="datasets/ofsted_report_cards_synthetic_mi.csv (synthetic, assumed Ofsted layout).",
)
