"""Ofsted 2017 parallel short inspections: 22 of 24 pairs agreed."""

from __future__ import annotations

from reliability.studies._core import Study

N_AGREE, N_PAIRS = 22, 24


def run(ctx) -> None:
    import pandas as pd

    from reliability.consistency import agreement_range, n_for_agreement, wilson_half_width

    ctx.source("Published counts only: 24 pairs of inspectors, 22 agreed (Ofsted 2017, ref. "
               "170004). No pair-level data were published.")
    r = agreement_range(N_AGREE, N_PAIRS, n_categories=2, confidence=0.95)
    ctx.compare("agreement", r.estimate)
    ctx.compare("agreement_ci_lower", r.ci[0])
    ctx.compare("agreement_ci_upper", r.ci[1])
    ctx.compare("kappa_min", r.kappa_min)
    ctx.compare("kappa_max", r.kappa_max)

    # Kappa for every possible 2x2 split, recomputed from the pair-level data the loader
    # builds for each assumption (a second route to the range: agreement.cohen_kappa).
    from reliability.agreement import cohen_kappa
    from reliability.datasets import load_ofsted_2017_short_inspections

    rows = []
    for both in range(N_AGREE + 1):
        for a in range(N_PAIRS - N_AGREE + 1):
            pairs = load_ofsted_2017_short_inspections(
                disagreement_split=(a, N_PAIRS - N_AGREE - a), n_converted_agreed=both)
            k = cohen_kappa(pairs[["inspector_a", "inspector_b"]], shape="wide",
                            level="nominal")
            rows.append({"both_convert": both, "only_a_converts": a,
                         "only_b_converts": N_PAIRS - N_AGREE - a,
                         "conversion_rate": (2 * both + 2) / (2 * N_PAIRS),
                         "kappa": k.estimate})
    splits = pd.DataFrame(rows)
    by_conv = (splits.groupby("both_convert", as_index=False)
               .agg(conversion_rate=("conversion_rate", "first"),
                    kappa_min=("kappa", "min"), kappa_max=("kappa", "max")))
    finite = splits["kappa"].dropna()
    ctx.note(f"Cross-check: Cohen's kappa recomputed from the pair-level data of every split "
             f"(reliability.agreement.cohen_kappa) ranges from {finite.min():.4f} to "
             f"{finite.max():.4f}; the enumeration of tables (consistency.agreement_range) "
             f"gives {r.kappa_min:.4f} to {r.kappa_max:.4f}.")
    ctx.table("kappa-by-split", by_conv,
              caption="Cohen's kappa under each possible split (by the number of schools both "
                      "inspectors converted)",
              note="Kappa depends on the unpublished marginal conversion rate; the "
                   "disagreements' direction barely matters in a 2x2 table with 2 disagreements.")
    ctx.assume("The two disagreements' direction and the marginal conversion rate were not "
               "published: every 2x2 table with 22 agreements is considered, giving a range "
               "of kappa, not an estimate.")
    ctx.assume("Wilson score interval for the agreement proportion (Wilson 1927).")

    # How many parallel inspections for a useful estimate.
    plan = []
    for h in (0.10, 0.05, 0.03):
        for p in (0.80, 0.90, r.estimate):
            res = n_for_agreement(p, h, confidence=0.95)
            plan.append({"assumed_agreement": round(p, 3), "target_half_width": h,
                         "pairs_needed_wilson": res["n_wilson"],
                         "pairs_needed_normal": res["n_normal"]})
    ctx.table("pairs-needed", pd.DataFrame(plan),
              caption="Parallel inspections needed for a 95% CI of the agreement with the "
                      "target half-width")
    ctx.note(f"With 24 pairs the Wilson 95% CI half-width at 0.917 is "
             f"{float(wilson_half_width(r.estimate, N_PAIRS)):.3f}; the interval is "
             f"[{r.ci[0]:.3f}, {r.ci[1]:.3f}].")

    from reliability.plots._style import new_figure

    fig, ax = new_figure((6, 3.6))
    ax.fill_between(by_conv["conversion_rate"], by_conv["kappa_min"], by_conv["kappa_max"],
                    alpha=0.3)
    ax.plot(by_conv["conversion_rate"], by_conv["kappa_max"], "o-", ms=3,
            label="kappa (range over the split of the 2 disagreements)")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("Assumed share of inspections converted")
    ax.set_ylabel("Cohen's kappa")
    ax.set_title("22 of 24 agreed: kappa depends on the unpublished conversion rate")
    ctx.plot("kappa-vs-conversion-rate", fig,
             caption="Cohen's kappa consistent with 22/24 agreement, by the assumed "
                     "conversion rate")


STUDY = Study(
    name="ofsted-2017-parallel",
    title="Ofsted 2017 parallel short inspections: agreement 22/24",
    description="Two inspectors independently inspected the same good primary school on the "
                "same day, 24 times; they agreed on whether the short inspection converted in "
                "22. We reproduce the agreement, its Wilson CI, the range of Cohen's kappa "
                "over every split the publication leaves open, and the number of parallel "
                "inspections a useful estimate would need.",
    run=run,
    data="Published counts (Ofsted 2017, ref. 170004): 22 of 24 pairs agreed.",
)
