"""A national year of report cards with known truth (the halo and deprivation effects known).

Model (all latent variables standard normal, so the truth is a correlation matrix):

    z_ia = delta_a d_i + lambda_a g_i + sqrt(1 - delta_a^2 - lambda_a^2) e_ia

``d_i`` is the school's deprivation (IDACI score, standardised; quintile 5 = most deprived),
``g_i`` one school factor shared by every area (the halo), ``e_ia`` area-specific. The grade is
``z`` cut at the area's thresholds, higher = worse (Exceptional .. Urgent improvement). So the
true latent (polychoric) correlation of areas ``a`` and ``b`` is
``delta_a delta_b + lambda_a lambda_b``, returned in ``truth``.

Calibration (cited): for *achievement*, ``delta`` and the below-expected threshold are solved
so that 35% of schools in the most deprived IDACI quintile and 12% in the least deprived are
graded below the expected standard (ASCL, May 2026, on the first report-card inspections). The
other areas' deprivation effects, the halo loadings and the remaining thresholds are
assumptions of this simulator (stated in ``assumptions``), not published figures.

Parallel report cards (``parallel=True``): two teams see ``sqrt(r_a) z_ia + sqrt(1 - r_a) u``
with independent ``u`` per team, so ``r_a`` (``team_reliability``) is the true correlation of
the two teams' latent judgements of area ``a``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special

from reliability._validation import Boolean, Integer, Real, check_option
from reliability.scales import REPORT_CARD

__all__ = ["REPORT_CARD_AREAS", "simulate_report_cards"]

#: Evaluation areas of the 2025 school report card (early years and sixth form where they apply).
REPORT_CARD_AREAS = ("inclusion", "curriculum_and_teaching", "achievement",
                     "attendance_and_behaviour", "personal_development_and_wellbeing",
                     "leadership_and_governance")

# Assumptions (not published): halo loading and deprivation effect per area.
_LOADING = {"inclusion": 0.70, "curriculum_and_teaching": 0.80, "achievement": 0.60,
            "attendance_and_behaviour": 0.65, "personal_development_and_wellbeing": 0.60,
            "leadership_and_governance": 0.85}
_DEPRIVATION = {"inclusion": 0.10, "curriculum_and_teaching": 0.15,
                "attendance_and_behaviour": 0.25, "personal_development_and_wellbeing": 0.10,
                "leadership_and_governance": 0.12}
# Assumed shares of the whole population in each grade, best first, for areas without a
# published calibration (Exceptional, Strong, Expected, Needs attention, Urgent improvement).
_SHARES = (0.06, 0.24, 0.50, 0.16, 0.04)

#: Published figure used to calibrate achievement (ASCL, May 2026): share of schools below the
#: expected standard for achievement in the least and most deprived IDACI quintiles.
ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED = {"least_deprived": 0.12, "most_deprived": 0.35}


def _quintile_share_above(c, delta, lo, hi):
    """P(z > c | d in (lo, hi)) for z = delta d + sqrt(1 - delta^2) w, d ~ N(0, 1)."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    a, b = special.ndtr(lo), special.ndtr(hi)
    u = a + (b - a) * (nodes + 1) / 2          # integrate over the quintile's probability
    d = special.ndtri(np.clip(u, 1e-15, 1 - 1e-15))
    s = np.sqrt(1 - delta ** 2)
    return float(np.sum(weights * special.ndtr((delta * d - c) / s)) / 2)


def _exact_agreement(cuts, rho):
    """P(two teams give the same grade) when their latent judgements correlate ``rho``."""
    from reliability.consistency._latent import bvn_cdf

    b = np.concatenate([[-np.inf], cuts, [np.inf]])
    f = bvn_cdf(b[:, None], b[None, :], rho)
    cells = f[1:, 1:] - f[:-1, 1:] - f[1:, :-1] + f[:-1, :-1]
    return float(np.trace(cells))


def _calibrate_achievement(least: float, most: float):
    """Solve the achievement threshold and deprivation effect from the two quintile shares."""
    q = special.ndtri([0.2, 0.8])

    def eqs(p):
        c, delta = p
        return [_quintile_share_above(c, delta, -np.inf, q[0]) - least,
                _quintile_share_above(c, delta, q[1], np.inf) - most]

    sol = optimize.fsolve(eqs, [0.8, 0.3], full_output=True, xtol=1e-12)
    c, delta = sol[0]
    return float(c), float(delta)


def simulate_report_cards(n_schools: int = 20_000, *, parallel: bool = False,
                          team_reliability: float = 0.8, seed=None):
    """Simulate one national year of report cards with known truth.

    Parameters
    ----------
    n_schools : int
        Number of schools.
    parallel : bool
        Also give every school a second, independent team's report card (columns
        ``<area>_team_b``); the first team's are ``<area>`` (and ``<area>_team_a`` is not made).
    team_reliability : float
        True correlation of two teams' latent judgements of an area.
    seed : int or Generator, optional

    Returns
    -------
    (DataFrame, dict)
        One row per school: ``urn`` (text), ``phase``, ``idaci_score`` (standardised;
        higher = more deprived), ``idaci_quintile`` (1 least .. 5 most deprived), one column
        per area in :data:`REPORT_CARD_AREAS` with report-card labels, ``safeguarding``
        (Met / Not met); and ``truth``: loadings, deprivation effects, thresholds, the true
        latent correlation matrix, the published figures used, and the assumptions.
    """
    check_option("n_schools", n_schools, Integer(10, 10_000_000))
    check_option("parallel", parallel, Boolean())
    check_option("team_reliability", team_reliability, Real(0, 1, closed="right"))
    check_option("seed", seed)
    rng = np.random.default_rng(seed)
    c_ach, d_ach = _calibrate_achievement(**{
        "least": ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED["least_deprived"],
        "most": ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED["most_deprived"]})
    delta = dict(_DEPRIVATION, achievement=d_ach)
    lam = np.array([_LOADING[a] for a in REPORT_CARD_AREAS])
    dl = np.array([delta[a] for a in REPORT_CARD_AREAS])
    cum = np.cumsum(_SHARES)[:-1]
    thresholds = {a: tuple(map(float, special.ndtri(cum))) for a in REPORT_CARD_AREAS}
    # achievement: the below-expected cut is calibrated; its other cuts keep the assumed
    # shares of the grades above and below it
    base = special.ndtri(cum)
    shift = c_ach - base[2]
    thresholds["achievement"] = tuple(map(float, base + shift))

    n = n_schools
    d = rng.standard_normal(n)
    g = rng.standard_normal(n)
    e = rng.standard_normal((n, len(lam)))
    z = d[:, None] * dl + g[:, None] * lam + e * np.sqrt(1 - dl ** 2 - lam ** 2)
    frame = pd.DataFrame({"urn": [f"R{100000 + i}" for i in range(n)],
                          "phase": np.where(rng.random(n) < 0.8, "Primary", "Secondary"),
                          "idaci_score": d,
                          "idaci_quintile": np.digitize(d, special.ndtri([0.2, 0.4, 0.6, 0.8])) + 1})
    labels = np.array(REPORT_CARD.labels, dtype=object)

    def grade(latent, area):
        return labels[np.digitize(latent, thresholds[area])]

    for j, a in enumerate(REPORT_CARD_AREAS):
        if parallel:
            r = team_reliability
            frame[a] = grade(np.sqrt(r) * z[:, j] + np.sqrt(1 - r) * rng.standard_normal(n), a)
            frame[f"{a}_team_b"] = grade(np.sqrt(r) * z[:, j]
                                         + np.sqrt(1 - r) * rng.standard_normal(n), a)
        else:
            frame[a] = grade(z[:, j], a)
    frame["safeguarding"] = np.where(rng.random(n) < 0.03, "Not met", "Met")
    R = np.outer(dl, dl) + np.outer(lam, lam)
    np.fill_diagonal(R, 1.0)
    if parallel:
        # each team's area judgement is a noisier copy: latent correlations shrink by r
        R = R * team_reliability
        np.fill_diagonal(R, 1.0)
    truth = {
        "areas": list(REPORT_CARD_AREAS),
        "loadings": dict(zip(REPORT_CARD_AREAS, lam.tolist())),
        "deprivation_effect": dict(zip(REPORT_CARD_AREAS, dl.tolist())),
        "thresholds": thresholds,
        "latent_correlation": pd.DataFrame(R, index=REPORT_CARD_AREAS, columns=REPORT_CARD_AREAS),
        "team_reliability": team_reliability if parallel else None,
        "exact_agreement": ({a: _exact_agreement(thresholds[a], team_reliability)
                             for a in REPORT_CARD_AREAS} if parallel else None),
        "achievement_below_expected_by_quintile": {
            q: _quintile_share_above(thresholds["achievement"][2], d_ach, *bounds)
            for q, bounds in zip((1, 5), ((-np.inf, special.ndtri(0.2)),
                                          (special.ndtri(0.8), np.inf)))},
        "published": {"ASCL (May 2026), achievement below expected standard, least vs most "
                      "deprived IDACI quintile": ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED},
        "assumptions": ["halo loadings per area", "deprivation effects of areas other than "
                        "achievement", f"grade shares {list(_SHARES)} (best first) for areas "
                        "other than achievement's below-expected cut",
                        "phase independent of grades", "safeguarding not met 3%, independent"],
    }
    return frame, truth
