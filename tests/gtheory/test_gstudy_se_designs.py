"""The ANOVA SE of every variance component (Brennan 2001, eq. 6.1) in all four designs,
against a simulation from known components and the exact variance of the estimator.

tests/gtheory/test_component_uncertainty.py checks p x r; the EMS coefficients of the
nested and two-facet designs are only exercised here."""

import numpy as np
import pytest

from reliability.gtheory._gstudy import _anova_components, _anova_core, _effects

SD = {"p": 1.0, "r": 0.6, "o": 0.4, "pr": 0.5, "po": 0.4, "ro": 0.3, "e": 0.7}
TRUE = {"p": 1.0, "r": 0.36, "o": 0.16, "pr": 0.25, "po": 0.16, "ro": 0.09,
        "pro,e": 0.49, "pr,e": 0.49, "r:p,e": 0.49, "r:p": 0.25, "ro:p,e": 0.49}
SHAPE = {"p x r": (15, 4), "r:p": (15, 4), "p x r x o": (15, 4, 3), "(r:p) x o": (15, 4, 3)}


def _simulate(rng, design):
    """One balanced data set (an array over the design's axes) from the components SD."""
    shape = SHAPE[design]
    P, R = shape[:2]
    y = rng.normal(0, SD["p"], (P,) + (1,) * (len(shape) - 1)) * np.ones(shape)
    if design == "p x r":
        return y + rng.normal(0, SD["r"], (1, R)) + rng.normal(0, SD["e"], shape)
    if design == "r:p":
        return y + rng.normal(0, SD["e"], shape)
    O = shape[2]
    y = (y + rng.normal(0, SD["o"], (1, 1, O)) + rng.normal(0, SD["pr"], (P, R, 1))
         + rng.normal(0, SD["po"], (P, 1, O)) + rng.normal(0, SD["e"], shape))
    if design == "p x r x o":
        y = y + rng.normal(0, SD["r"], (1, R, 1)) + rng.normal(0, SD["ro"], (1, R, O))
    return y


def _exact_variance(design, effects):
    """Var of each unmodified estimate under the model, from the true components:
    E(MS_b) = sum over effects g containing b of pi-bar(g) sigma2(g) (Brennan 2001, 3.4),
    and, the mean squares being independent scaled chi-squares,
    Var = sum_b 2 (c_b E(MS_b))^2 / df_b with c the estimator's coefficients."""
    shape = SHAPE[design]
    sigma = np.array([TRUE[e.short] for e in effects])
    pi_bar = np.array([np.prod([shape[a] for a in range(len(shape)) if a not in e.axes])
                       for e in effects])
    ems = np.array([sum(pi_bar[j] * sigma[j] for j, g in enumerate(effects)
                        if g.axes >= b.axes) for b in effects])
    _, df, _, _, C = _anova_core(np.zeros(shape), effects)
    return np.sum(2 * (C * ems[None, :]) ** 2 / df[None, :], axis=1)


@pytest.mark.parametrize("design", list(SHAPE))
def test_se_is_unbiased_for_the_variance_of_the_estimate(design):
    names = ("p", "r", "o")[:len(SHAPE[design])]
    effects = _effects(design, names)
    rng = np.random.default_rng(20261202)
    n_sim = 300
    raw, se2 = [], []
    for _ in range(n_sim):
        Y = _simulate(rng, design)
        codes = [ix.ravel() for ix in np.indices(Y.shape)]
        table = _anova_components(Y.ravel(), codes, list(Y.shape), effects, 0.95)
        raw.append(table["variance_raw"].to_numpy())
        se2.append(table["se"].to_numpy() ** 2)
    raw, se2 = np.array(raw), np.array(se2)
    sigma = np.array([TRUE[e.short] for e in effects])
    # Tolerances: 4 simulation standard errors, estimated from the simulation itself.
    # The estimators are unbiased:
    assert np.all(np.abs(raw.mean(axis=0) - sigma) < 4 * raw.std(axis=0, ddof=1) / np.sqrt(n_sim))
    # the Monte Carlo variance is the exact variance from the true components:
    dev2 = (raw - raw.mean(axis=0)) ** 2 * n_sim / (n_sim - 1)
    exact = _exact_variance(design, effects)
    assert np.all(np.abs(dev2.mean(axis=0) - exact) < 4 * dev2.std(axis=0, ddof=1) / np.sqrt(n_sim))
    # and E[SE^2] = Var (the df + 2 of eq. 6.1; with df the SE^2 of a facet with 4 levels
    # would be 5/3 too large):
    diff = se2 - dev2
    assert np.all(np.abs(diff.mean(axis=0)) < 4 * diff.std(axis=0, ddof=1) / np.sqrt(n_sim))
