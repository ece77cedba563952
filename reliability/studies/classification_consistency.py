"""Classification consistency: probability of a different grade on re-inspection."""

from __future__ import annotations

from reliability.studies._core import Study
from reliability.scales import OFSTED_GRADES

# National distribution of overall effectiveness, 31 August 2024 (Outstanding, Good, RI,
# Inadequate), published_figures.md; used as the generator's grade proportions.
PROPORTIONS = (0.14, 0.77, 0.08, 0.02)
GRADES = OFSTED_GRADES.labels
RELIABILITIES = (0.5, 0.7, 0.9)
N_SCHOOLS = 20_000


def true_p_same(proportions, rho) -> float:
    """Generator truth, computed independently of the library: P(two parallel gradings
    agree) for a latent bivariate normal with correlation rho cut at the normal quantiles
    of the cumulative proportions (scipy's multivariate normal CDF)."""
    import numpy as np
    from scipy import stats

    p = np.asarray(proportions, float) / np.sum(proportions)
    cuts = np.concatenate([[-8.0], stats.norm.ppf(np.cumsum(p)[:-1]), [8.0]])
    mvn = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])
    total = 0.0
    for k in range(len(p)):
        a, b = cuts[k], cuts[k + 1]
        total += (mvn.cdf([b, b]) - mvn.cdf([a, b]) - mvn.cdf([b, a]) + mvn.cdf([a, a]))
    return float(total)


def simulate_pairs(rng, n, proportions, rho):
    """Two independent gradings of n schools: X = T + E with var(T) = rho, var(X) = 1."""
    import numpy as np
    from scipy import stats

    p = np.asarray(proportions, float) / np.sum(proportions)
    cuts = stats.norm.ppf(np.cumsum(p)[:-1])
    t = rng.normal(0, np.sqrt(rho), n)
    x1 = t + rng.normal(0, np.sqrt(1 - rho), n)
    x2 = t + rng.normal(0, np.sqrt(1 - rho), n)
    return np.searchsorted(cuts, x1), np.searchsorted(cuts, x2)


def run(ctx) -> None:
    import numpy as np
    import pandas as pd

    from reliability.consistency import latent_consistency, parallel_consistency

    ctx.source(f"Synthetic: {N_SCHOOLS:,} schools graded twice independently per reliability "
               f"value; latent normal standing, grade proportions {PROPORTIONS} (England, "
               "August 2024).")
    ctx.assume("Latent normal model: observed standing X = T + E, reliability rho = "
               "var(T)/var(X); grades are X cut at the national proportions; two inspections "
               "of a school are independent given T (no real change between them).")
    rows, by_grade = [], []
    for rho in RELIABILITIES:
        truth_same = true_p_same(PROPORTIONS, rho)
        g1, g2 = simulate_pairs(ctx.rng, N_SCHOOLS, PROPORTIONS, rho)
        table = np.zeros((4, 4), dtype=np.int64)
        np.add.at(table, (g1, g2), 1)
        pc = parallel_consistency(table, categories=GRADES)
        d = pc.to_dict()
        p_diff = 1 - pc.estimate
        se = np.sqrt(truth_same * (1 - truth_same) / N_SCHOOLS)
        ctx.truth(f"p_different_rho{rho}", p_diff, 1 - truth_same, tolerance=float(4 * se),
                  label=f"P(different grade on re-inspection), rho = {rho}, from simulated "
                        "pairs (parallel_consistency)",
                  source="generator: bivariate normal probabilities (scipy)",
                  note="tolerance 4 binomial SEs at 20,000 schools")
        lat = latent_consistency(PROPORTIONS, rho, categories=GRADES)
        ctx.truth(f"p_change_model_rho{rho}", lat["p_change"].estimate, 1 - truth_same,
                  tolerance=1e-4,
                  label=f"Model-implied P(different grade), rho = {rho} (latent_consistency)",
                  source="generator: bivariate normal probabilities (scipy)",
                  note="closed form vs closed form; tolerance for numerical integration")
        kap = d.get("kappa", {})
        rows.append({"reliability": rho, "p_different_true": 1 - truth_same,
                     "p_different_simulated": p_diff,
                     "ci_lower": d["p_different"]["ci"][0],
                     "ci_upper": d["p_different"]["ci"][1],
                     "kappa": kap.get("estimate") if isinstance(kap, dict) else None,
                     "accuracy_model": lat["accuracy"].estimate})
        for g in GRADES:
            by_grade.append({"reliability": rho, "grade": g,
                             "p_same_grade_again": lat[f"consistency[{g}]"].estimate,
                             "p_graded_correctly": lat[f"accuracy[{g}]"].estimate})
    summary = pd.DataFrame(rows)
    ctx.table("p-different", summary,
              caption="Probability that a second, independent inspection gives a different "
                      "grade")
    ctx.table("by-grade", pd.DataFrame(by_grade),
              caption="Per grade: probability of the same grade again, and of the grade "
                      "matching the true standing (model-implied)")
    ctx.context("exempt_outstanding_lost", None,
                note="No comparable figure here: re-inspection after years mixes change "
                     "with unreliability.")

    from reliability.plots._style import new_figure

    fig, ax = new_figure((6, 3.6))
    grid = np.linspace(0.3, 0.98, 30)
    ax.plot(grid, [1 - true_p_same(PROPORTIONS, r) for r in grid], label="model")
    ax.plot(summary["reliability"], summary["p_different_simulated"], "o",
            label="simulated re-inspections")
    ax.set_xlabel("Reliability of the latent judgement")
    ax.set_ylabel("P(different grade)")
    ax.legend()
    ctx.plot("p-different-vs-reliability", fig,
             caption="Probability of a different grade on independent re-inspection, by "
                     "reliability")


STUDY = Study(
    name="classification-consistency",
    title="Classification consistency: the chance of a different grade on re-inspection",
    description="How often would a second, independent inspection of the same school, with "
                "nothing changed, give a different grade? Estimated from simulated pairs of "
                "inspections and from the closed-form latent model, both compared with the "
                "generator's known truth, at reliabilities 0.5, 0.7 and 0.9.",
    run=run,
    data="Synthetic (latent normal generator, national grade proportions).",
)
