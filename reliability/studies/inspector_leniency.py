"""Inspector leniency: the gender gap in below-Good grades (Bokhove, Jerrim & Sims 2023)."""

from __future__ import annotations

from reliability.studies._core import Study
from reliability.scales import OFSTED_GRADES

GRADES = OFSTED_GRADES.labels
N_INSPECTIONS = 20_000
N_INSPECTORS = 1376  # as in Bokhove et al. (2023)
SHARE_FEMALE = 0.5
RE_SD = 0.4  # inspector random intercept (logit scale) of the generator
# Calibration targets: primary schools, male lead inspector (Bokhove et al. 2023):
# Outstanding 8.2%, Good 58.7%, Inadequate 4.5% (RI = 100 - 8.2 - 58.7 - 4.5), and
# below Good 36.4% with a female lead.
MALE_SHARES = (0.082, 0.587, 0.331 - 0.045, 0.045)
FEMALE_BELOW_GOOD = 0.364


def _marginal(theta, eta, sd=RE_SD, nodes=40):
    """P(grade = k) averaged over u ~ N(0, sd^2) by Gauss-Hermite quadrature, for
    logit P(grade <= k | u) = theta_k - eta - u."""
    import numpy as np

    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    cum = 1 / (1 + np.exp(-(np.asarray(theta)[None, :] - eta - sd * x[:, None])))
    cum = np.hstack([np.zeros((nodes, 1)), cum, np.ones((nodes, 1))])
    return (np.diff(cum, axis=1) * w[:, None]).sum(axis=0)


def calibrate():
    """Thresholds and the female effect reproducing the published primary shares
    (population-averaged over inspectors). Returns (theta, beta_female)."""
    import numpy as np
    from scipy import optimize

    target = np.cumsum(MALE_SHARES)[:-1]

    def f(theta):
        return np.cumsum(_marginal(theta, 0.0))[:-1] - target

    theta = optimize.fsolve(f, np.log(target / (1 - target)))

    def g(b):
        return _marginal(theta, b)[2:].sum() - FEMALE_BELOW_GOOD

    beta = optimize.brentq(g, -2, 2)
    return theta, float(beta)


def simulate(rng, theta, beta):
    import numpy as np
    import pandas as pd

    female_insp = rng.random(N_INSPECTORS) < SHARE_FEMALE
    u = rng.normal(0, RE_SD, N_INSPECTORS)
    insp = rng.integers(0, N_INSPECTORS, N_INSPECTIONS)
    eta = beta * female_insp[insp] + u[insp]
    latent = eta + rng.logistic(size=N_INSPECTIONS)
    grade = 1 + (latent[:, None] > np.asarray(theta)[None, :]).sum(axis=1)
    return pd.DataFrame({"inspector_id": insp, "female": female_insp[insp].astype(int),
                         "grade": grade, "below_good": (grade >= 3).astype(int)}), u


def run(ctx) -> None:
    import numpy as np
    import pandas as pd

    theta, beta = calibrate()
    data, u = simulate(ctx.rng, theta, beta)
    ctx.source(f"Synthetic primary inspections: {N_INSPECTIONS:,} inspections led by "
               f"{N_INSPECTORS} inspectors (half female); cumulative logit with inspector "
               f"random intercept SD {RE_SD}; thresholds {np.round(theta, 3).tolist()} and "
               f"female effect {beta:.3f} calibrated so that the population shares equal "
               "Bokhove, Jerrim & Sims (2023) for primary schools.")
    ctx.assume("The generator lives in the study because it is calibrated to the published "
               "primary-school shares (reliability.datasets.simulate_national_inspections "
               "follows the project's reference data instead).")
    ctx.assume("No school covariates: the published gap is raw; the models' gender "
               "coefficient is conditional on the inspector effect (subject-specific), so "
               "it is compared with the generator's beta, not with the raw gap.")
    share = data.groupby("female")["below_good"].mean()
    ctx.compare("below_good_female", share.loc[1])
    ctx.compare("below_good_male", share.loc[0])
    ctx.compare("below_good_gap", share.loc[1] - share.loc[0])
    dist = (pd.crosstab(data["female"].map({0: "male", 1: "female"}), data["grade"],
                        normalize="index").rename(columns=dict(enumerate(GRADES, 1))))
    ctx.table("grades-by-gender", dist, index=True,
              caption="Grade distribution by lead-inspector gender (synthetic primary)")

    import math

    from reliability.models import binomial_mixed, ordinal_mixed

    fit_ord = ordinal_mixed("grade ~ female + (1|inspector_id)", data)
    fit_bin = binomial_mixed("below_good ~ female + (1|inspector_id)", data)
    true_vpc = RE_SD**2 / (RE_SD**2 + math.pi**2 / 3)
    rows = []
    for label, fit in (("ordinal", fit_ord), ("binomial", fit_bin)):
        i = list(fit.names).index("female")
        b, se = float(fit.coef[i]), float(fit.se[i])
        ctx.truth(f"{label}_female", b, beta, tolerance=float(4 * se), source="generator",
                  label=f"Female lead: log-odds coefficient ({label} mixed model)",
                  note="tolerance 4 SEs of the estimate")
        sd_se = float(fit.re_sd_se)
        lat = math.pi**2 / 3
        vpc_se = 2 * fit.re_sd * lat / (fit.re_sd**2 + lat) ** 2 * sd_se  # delta method
        ctx.truth(f"{label}_inspector_sd", fit.re_sd, RE_SD, tolerance=float(4 * sd_se),
                  source="generator", label=f"Inspector random-intercept SD ({label})",
                  note="tolerance 4 SEs (observed information)")
        ctx.truth(f"{label}_vpc", fit.vpc(), true_vpc, tolerance=float(4 * vpc_se),
                  source="generator",
                  label=f"Share of latent variance between inspectors ({label} VPC)",
                  note="latent logistic scale (Snijders & Bosker 2012, 17.3); tolerance 4 SEs "
                       "(delta method from the SD's SE)")
        orr = fit.odds_ratios().loc["female"]
        rows.append({"model": label, "female_log_odds": b, "se": se,
                     "odds_ratio": orr["odds_ratio"], "or_ci_low": orr["ci_low"],
                     "or_ci_high": orr["ci_high"], "inspector_sd": fit.re_sd,
                     "vpc": fit.vpc(), "converged": bool(fit.converged)})
    rows.append({"model": "generator (truth)", "female_log_odds": beta, "se": None,
                 "odds_ratio": math.exp(beta), "or_ci_low": None, "or_ci_high": None,
                 "inspector_sd": RE_SD, "vpc": true_vpc, "converged": None})
    ctx.table("models", pd.DataFrame(rows),
              caption="Ordinal (cumulative logit) and binomial (below Good) random-intercept "
                      "models: gender effect, inspector SD and variance partition")
    ctx.assume("Both models are correctly specified for the generator: the binomial model "
               "for below Good is exact because P(grade >= 3) = logistic(eta - theta_2).")

    re = fit_ord.random_effects().sort_values("mode").reset_index(drop=True)

    from reliability.plots._style import new_figure

    fig, ax = new_figure((7, 3.8))
    x = np.arange(len(re))
    ax.fill_between(x, re["ci_low"], re["ci_high"], color="#c6dbef", step="mid",
                    label="95% interval")
    ax.plot(x, re["mode"], color="#08519c", lw=1, label="conditional mode")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("Inspectors, ordered by estimated effect (not identified)")
    ax.set_ylabel("Inspector effect (logit; + = harsher)")
    ax.legend(loc="upper left")
    ctx.plot("caterpillar", fig, caption="Caterpillar plot of the inspector effects (ordinal "
                                         "model): most intervals cross zero")
    covered = float(np.mean((re["ci_low"] <= 0) & (re["ci_high"] >= 0)))
    ctx.note(f"{covered:.0%} of inspectors' 95% intervals include zero: with about "
             f"{N_INSPECTIONS // N_INSPECTORS} inspections each, individual inspectors cannot "
             "be told apart reliably; rankings of inspectors are therefore off by default in "
             "reports (reliability report --rank-inspectors).")
    part = pd.DataFrame([
        {"component": "between inspectors (sigma_u^2)", "variance": fit_ord.re_sd**2,
         "share": fit_ord.vpc()},
        {"component": "within inspector, latent logistic (pi^2/3)",
         "variance": math.pi**2 / 3, "share": 1 - fit_ord.vpc()}])
    ctx.table("variance-partition", part,
              caption="Variance partition of the latent grade propensity (ordinal model)")


STUDY = Study(
    name="inspector-leniency",
    title="Inspector leniency: the gender gap in below-Good grades (primary)",
    description="Bokhove, Jerrim & Sims (2023) found primary schools graded below Good more "
                "often under female lead inspectors (36.4% vs 33.1%). On synthetic "
                "inspections calibrated to their shares, with a known inspector effect, "
                "ordinal and binomial mixed models recover the gender effect and the "
                "inspector variance; a caterpillar plot shows the inspector effects.",
    run=run,
    data="Synthetic (generator in the study, calibrated to Bokhove et al. 2023).",
    disclosure=True,
)
