"""Synthetic data with known truth (seeded, vectorised)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from reliability._errors import ReliabilityError

__all__ = ["simulate_national_inspections", "simulate_lesson_observations",
           "DEFAULT_EFFECTS", "DEFAULT_THRESHOLDS", "DEFAULT_VARIANCE_COMPONENTS"]

#: Coefficients of the linear predictor eta (positive = worse grade), as in
#: ``inspections_synthetic.truth.json``.
DEFAULT_EFFECTS = {"female": 0.15, "hmi": 0.1, "fsm_pct": 0.02, "phasesecondary": 0.2,
                   "log_size_c": -0.1, "years_exp_c": 0.01}
DEFAULT_THRESHOLDS = (-1.26, 2.01, 4.15)
_LOG_SIZE_CENTRE = 5.83
_YEARS_CENTRE = 10


def simulate_national_inspections(n_inspections: int = 20000, n_inspectors: int = 800, *,
                                  n_schools: int = 10000, seed=None, effects=None,
                                  thresholds=DEFAULT_THRESHOLDS, re_sd: float = 0.4,
                                  school_sd: float = 0.0, p_female: float = 0.45, p_hmi: float = 0.25,
                                  p_secondary: float = 0.18) -> pd.DataFrame:
    """Simulate national inspections from a cumulative-logit model with inspector effects.

    The model and design are those of ``inspections_synthetic.truth.json`` (the shipped
    ``inspections_synthetic.csv``)::

        logit P(grade <= j | x, u) = theta_j - eta,  j = 1, 2, 3
        eta = b_female*female + b_hmi*hmi + b_fsm*fsm_pct + b_sec*secondary
              + b_size*log_size_c + b_exp*years_exp_c + u_inspector + w_school,
        u ~ N(0, re_sd^2),  w ~ N(0, school_sd^2) (default school_sd = 0: no school effect)

    grade 1 = Outstanding ... 4 = Inadequate; positive eta => worse grade (R ``ordinal::clmm``
    parametrisation). Drawn in latent form: grade = 1 + #{j: theta_j < eta + L}, L standard
    logistic. Design: inspectors female ~ Bern(p_female), hmi ~ Bern(p_hmi),
    years_experience = round(Gamma(3, scale 3.5)) + 1; schools secondary ~ Bern(p_secondary),
    fsm_pct = round(100 Beta(1.6, 6), 1), log_size = round(N(6.9, .35^2) if secondary else
    N(5.6, .45^2), 3); each inspection draws a school and an inspector uniformly. The default
    thresholds give national marginals of about 15/65/17/3% (cf. published figures: 14/77/8/2%
    for all schools in 2024 — the synthetic marginals follow the reference data instead).

    Returns
    -------
    DataFrame
        Columns as ``inspections_synthetic.csv``: ``inspection_id, school_id, inspector_id,
        female, hmi, years_experience, fsm_pct, phase, log_size, grade, below_good, log_size_c,
        years_exp_c``. ``frame.attrs["truth"]``: ``beta``, ``thetas``, ``re_sd``,
        ``u`` (true inspector effects, index = inspector_id - 1), ``school_sd`` and ``w``
        (true school effects, index = school_id - 1), ``seed``,
        ``expected_grade_marginals`` (mean over the simulated rows of the model
        probabilities given their covariates and u: the exact expectation of the realised
        marginals) and ``realized_grade_marginals``.
    """
    beta = dict(DEFAULT_EFFECTS)
    if effects is not None:
        unknown = set(effects) - set(beta)
        if unknown:
            raise ReliabilityError(
                f"unknown effect(s) {sorted(unknown)}; known: {sorted(beta)}")
        beta.update({k: float(v) for k, v in effects.items()})
    theta = np.asarray(thresholds, dtype=float)
    if theta.shape != (3,) or np.any(np.diff(theta) <= 0):
        raise ReliabilityError(f"thresholds must be 3 increasing numbers; got {thresholds!r}")
    for name, n in (("n_inspections", n_inspections), ("n_inspectors", n_inspectors),
                    ("n_schools", n_schools)):
        if int(n) != n or n < 1:
            raise ReliabilityError(f"{name} must be a positive integer; got {n!r}")
    for name, sd in (("re_sd", re_sd), ("school_sd", school_sd)):
        if not sd >= 0:
            raise ReliabilityError(f"{name} must be >= 0; got {sd!r}")
    rng = np.random.default_rng(seed)
    female = rng.binomial(1, p_female, n_inspectors)
    hmi = rng.binomial(1, p_hmi, n_inspectors)
    years = np.round(rng.gamma(3.0, 3.5, n_inspectors)).astype(int) + 1
    u = rng.normal(0.0, re_sd, n_inspectors)
    secondary = rng.binomial(1, p_secondary, n_schools)
    fsm = np.round(100 * rng.beta(1.6, 6.0, n_schools), 1)
    log_size = np.round(np.where(secondary == 1, rng.normal(6.9, 0.35, n_schools),
                                 rng.normal(5.6, 0.45, n_schools)), 3)
    school = rng.integers(0, n_schools, n_inspections)
    insp = rng.integers(0, n_inspectors, n_inspections)
    # drawn only when asked for, so that school_sd = 0 reproduces the reference data exactly
    w = rng.normal(0.0, school_sd, n_schools) if school_sd > 0 else np.zeros(n_schools)
    log_size_c = np.round(log_size[school] - _LOG_SIZE_CENTRE, 3)
    years_c = years[insp] - _YEARS_CENTRE
    eta = (beta["female"] * female[insp] + beta["hmi"] * hmi[insp]
           + beta["fsm_pct"] * fsm[school] + beta["phasesecondary"] * secondary[school]
           + beta["log_size_c"] * log_size_c + beta["years_exp_c"] * years_c + u[insp]
           + w[school])
    latent = eta + rng.logistic(0.0, 1.0, n_inspections)
    grade = 1 + (latent[:, None] > theta[None, :]).sum(axis=1)
    frame = pd.DataFrame({
        "inspection_id": np.arange(1, n_inspections + 1),
        "school_id": school + 1, "inspector_id": insp + 1,
        "female": female[insp], "hmi": hmi[insp], "years_experience": years[insp],
        "fsm_pct": fsm[school],
        "phase": np.where(secondary[school] == 1, "secondary", "primary"),
        "log_size": log_size[school], "grade": grade, "below_good": (grade >= 3).astype(int),
        "log_size_c": log_size_c, "years_exp_c": years_c,
    })
    # expected marginals given the realised covariates and u (exact conditional expectation)
    cum = expit(theta[None, :] - eta[:, None]).mean(axis=0)
    expected = np.diff(np.concatenate([[0.0], cum, [1.0]]))
    frame.attrs["truth"] = {
        "model": "logit P(grade <= j | x, u) = theta_j - eta; "
                 "eta = x'beta + u_inspector + w_school",
        "beta": beta, "thetas": theta.tolist(), "re_sd": float(re_sd),
        "u": u.tolist(), "school_sd": float(school_sd), "w": w.tolist(), "seed": seed,
        "expected_grade_marginals": expected.tolist(),
        "realized_grade_marginals": (np.bincount(grade, minlength=5)[1:] / n_inspections).tolist(),
    }
    return frame


#: Default variance components of a p x r x o lesson-observation design (score scale 1-4ish).
DEFAULT_VARIANCE_COMPONENTS = {"p": 0.30, "r": 0.05, "o": 0.02, "pr": 0.08, "po": 0.10,
                               "ro": 0.01, "pro,e": 0.20}
_NESTED_KEYS = ("p", "o", "po", "r:p", "ro:p,e")


def simulate_lesson_observations(n_lessons: int, n_observers: int, n_occasions: int, *,
                                 variance_components=None, design: str = "crossed",
                                 mean: float = 0.0, seed=None) -> pd.DataFrame:
    """Simulate lesson-observation scores with known G-theory variance components.

    ``design="crossed"`` (p x r x o: every observer scores every lesson on every occasion):
    score = mean + p + r + o + pr + po + ro + (pro,e), each effect independent normal with
    the variance in ``variance_components`` (keys ``p, r, o, pr, po, ro, "pro,e"``).
    ``design="nested"`` ((r:p) x o: each lesson has its own ``n_observers`` observers):
    keys ``p, o, po, "r:p", "ro:p,e"``.

    Returns long data: ``lesson, observer, occasion, score``; ``frame.attrs["truth"]`` holds
    the variance components used, the design and the seed.
    """
    if design not in ("crossed", "nested"):
        raise ReliabilityError(f"design must be 'crossed' or 'nested'; got {design!r}")
    for name, n in (("n_lessons", n_lessons), ("n_observers", n_observers),
                    ("n_occasions", n_occasions)):
        if int(n) != n or n < 1:
            raise ReliabilityError(f"{name} must be a positive integer; got {n!r}")
    keys = tuple(DEFAULT_VARIANCE_COMPONENTS) if design == "crossed" else _NESTED_KEYS
    if variance_components is None:
        if design == "crossed":
            vc = dict(DEFAULT_VARIANCE_COMPONENTS)
        else:
            d = DEFAULT_VARIANCE_COMPONENTS
            vc = {"p": d["p"], "o": d["o"], "po": d["po"], "r:p": d["r"] + d["pr"],
                  "ro:p,e": d["ro"] + d["pro,e"]}
    else:
        vc = {k: float(v) for k, v in variance_components.items()}
        bad = set(vc) ^ set(keys)
        if bad:
            raise ReliabilityError(
                f"variance_components for design {design!r} need exactly the keys {list(keys)}; "
                f"mismatched: {sorted(bad)}")
        neg = [k for k, v in vc.items() if not v >= 0]
        if neg:
            raise ReliabilityError(f"variance component {neg[0]!r} must be >= 0; got {vc[neg[0]]}")
    rng = np.random.default_rng(seed)
    P, R, O = int(n_lessons), int(n_observers), int(n_occasions)
    sd = {k: np.sqrt(v) for k, v in vc.items()}
    if design == "crossed":
        z = rng.standard_normal
        score = (sd["p"] * z((P, 1, 1)) + sd["r"] * z((1, R, 1)) + sd["o"] * z((1, 1, O))
                 + sd["pr"] * z((P, R, 1)) + sd["po"] * z((P, 1, O)) + sd["ro"] * z((1, R, O))
                 + sd["pro,e"] * z((P, R, O)))
    else:
        score = (sd["p"] * rng.standard_normal((P, 1, 1)) + sd["o"] * rng.standard_normal((1, 1, O))
                 + sd["po"] * rng.standard_normal((P, 1, O))
                 + sd["r:p"] * rng.standard_normal((P, R, 1))
                 + sd["ro:p,e"] * rng.standard_normal((P, R, O)))
    score = mean + score
    p_idx, r_idx, o_idx = np.indices((P, R, O)).reshape(3, -1)
    observer = r_idx + 1 if design == "crossed" else p_idx * R + r_idx + 1
    frame = pd.DataFrame({"lesson": p_idx + 1, "observer": observer, "occasion": o_idx + 1,
                          "score": score.ravel()})
    frame.attrs["truth"] = {"variance_components": vc, "design": design, "mean": mean,
                            "seed": seed, "n": {"p": P, "r": R, "o": O}}
    return frame
