"""Lesson observation: G-study and D-study (how many observers reach 0.7 / 0.8)."""

from __future__ import annotations

from reliability.studies._core import Study

# Generator: lessons crossed with observers, score = mu + lesson + observer + residual.
# Calibrated so one observation has E rho^2 = 0.6 (Ofsted 2019: about 0.6).
TRUE = {"lesson": 0.60, "observer": 0.10, "residual": 0.40}
N_LESSONS, N_OBSERVERS = 500, 20
TARGETS = (0.7, 0.8)


def true_coefficients(n_obs: float) -> tuple[float, float]:
    """E rho^2 and Phi of the mean of n_obs observers under the generator (Brennan 2001,
    eqs. 4.6-4.7 for the p x r design), written out here independently of the library."""
    p, r, e = TRUE["lesson"], TRUE["observer"], TRUE["residual"]
    return p / (p + e / n_obs), p / (p + (r + e) / n_obs)


def true_n_needed(target: float, which: int = 0) -> int:
    n = 1
    while true_coefficients(n)[which] < target:
        n += 1
    return n


def simulate(rng):
    """Lessons x observers scores from reliability.datasets.simulate_lesson_observations
    (one occasion; the lesson x observer interaction and the error split the residual)."""
    from reliability.datasets import simulate_lesson_observations

    vc = {"p": TRUE["lesson"], "r": TRUE["observer"], "o": 0.0, "pr": TRUE["residual"] / 2,
          "po": 0.0, "ro": 0.0, "pro,e": TRUE["residual"] / 2}
    data = simulate_lesson_observations(N_LESSONS, N_OBSERVERS, 1, variance_components=vc,
                                        mean=2.5, seed=int(rng.integers(2**31 - 1)))
    return data[["lesson", "observer", "score"]]


def run(ctx) -> None:
    import numpy as np

    from reliability.gtheory import g_study

    data = simulate(ctx.rng)
    ctx.source(f"Synthetic (reliability.datasets.simulate_lesson_observations): {N_LESSONS} "
               f"lessons each scored by the same {N_OBSERVERS} observers (fully crossed, one "
               f"occasion); true variance components {TRUE} (residual = lesson x observer "
               "interaction + error, half each).")
    ctx.assume("Lessons and observers are random samples; observer effects are additive "
               "(leniency) and the residual includes the lesson x observer interaction.")
    g = g_study(data, unit="lesson", facets=("observer",), score="score")
    src = {"p": "lesson", "r": "observer", "pr,e": "residual", "pr": "residual"}
    # Tolerance: 4 sampling SEs of an ANOVA variance component, SE ~ sqrt(2/df) * (EMS scale)
    ses = {"lesson": np.sqrt(2 / (N_LESSONS - 1)) * (TRUE["lesson"] + TRUE["residual"]
                                                    / N_OBSERVERS),
           "observer": np.sqrt(2 / (N_OBSERVERS - 1)) * (TRUE["observer"] + TRUE["residual"]
                                                        / N_LESSONS),
           "residual": np.sqrt(2 / ((N_LESSONS - 1) * (N_OBSERVERS - 1))) * TRUE["residual"]}
    rows = g.components.to_dict(orient="records")
    for row in rows:
        name = src.get(row.get("short"), None)
        if name is None:
            continue
        ctx.truth(f"variance_{name}", row["variance"], TRUE[name],
                  tolerance=float(4 * ses[name]), label=f"Variance component: {name}",
                  source="generator", note="tolerance 4 approximate sampling SEs (SE of an ANOVA component ~ sqrt(2/df) x its expected mean square scale)")
    ctx.table("g-study", g.components, caption="G-study variance components (lessons x "
                                               "observers)")
    g1, phi1 = g.coefficients(observer=1)
    t1 = true_coefficients(1)
    ctx.truth("g_one_observer", g1, t1[0], tolerance=0.05, source="generator",
              label="E rho^2 of a single observation",
              note="tolerance about 3 sampling SEs of the coefficient at 500 lessons")
    ctx.truth("phi_one_observer", phi1, t1[1], tolerance=0.06, source="generator",
              label="Phi of a single observation", note="as above, plus observer variance")
    for target in TARGETS:
        m = g.minimal_design(target, coefficient="g")
        ctx.truth(f"observers_for_{target}", m["observer"], true_n_needed(target),
                  tolerance=1.0, source="generator",
                  label=f"Observers needed for E rho^2 >= {target}",
                  note="whole numbers: within one observer of the truth (sampling error of "
                       "the components moves the continuous solution by a few tenths)")
        mp = g.minimal_design(target, coefficient="phi")
        ctx.truth(f"observers_for_{target}_phi", mp["observer"], true_n_needed(target, 1),
                  tolerance=1.0, source="generator",
                  label=f"Observers needed for Phi >= {target}",
                  note="whole numbers: within one observer of the truth")
    d = g.d_study(observer=[1, 2, 3, 4, 6, 8])
    ctx.table("d-study", d, caption="D-study: coefficients by number of observers")
    ctx.context("ofsted_2019_reliability", g1)
    ctx.context("coe_single_lower", g1)
    ctx.context("coe_single_upper", g1)

    from reliability.plots._style import new_figure

    ns = np.arange(1, 11)
    est = np.array([g.coefficients(observer=int(n)) for n in ns])
    tru = np.array([true_coefficients(n) for n in ns])
    fig, ax = new_figure((6, 3.6))
    ax.plot(ns, est[:, 0], "o-", label="E rho^2 (estimated)")
    ax.plot(ns, est[:, 1], "s-", label="Phi (estimated)")
    ax.plot(ns, tru[:, 0], "k:", label="E rho^2 (truth)")
    for t in TARGETS:
        ax.axhline(t, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("Observers per lesson")
    ax.set_ylabel("Coefficient")
    ax.legend()
    ctx.plot("d-study", fig, caption="D-study: reliability of the mean of n observers")


STUDY = Study(
    name="lesson-observation",
    title="Lesson observation: G-study and D-study",
    description="How reliable is one lesson observation, and how many observers does a "
                "reliable judgement need? Variance components of simulated lessons x "
                "observers data, and the D-study numbers of observers for 0.7 and 0.8, are "
                "compared with the generator's truth; published single-observation "
                "reliabilities are shown as context.",
    run=run,
    data="Synthetic lessons x observers (reliability.datasets.simulate_lesson_observations, "
         "components chosen for a single-observation reliability of 0.6).",
)
