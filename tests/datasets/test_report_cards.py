"""The report-card simulator: its truth is recovered by the library within the stated CIs."""

import numpy as np
import pytest
from scipy import stats

from reliability._errors import ReliabilityError
from reliability.areas import area_structure
from reliability.datasets._report_cards import (ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED,
                                                REPORT_CARD_AREAS, simulate_report_cards)
from reliability.scales import REPORT_CARD


@pytest.fixture(scope="module")
def year():
    return simulate_report_cards(20_000, seed=2026)


def test_latent_correlations_recovered_within_their_standard_errors():
    # 8 independent years of 5,000 schools: the mean estimate of each of the 15 pairs lies
    # within 4 of its standard errors (se / sqrt(8)) of the truth; pairs within one year are
    # correlated, so replicates rather than one sample make the check sharp and not a seed pick
    reps, est, se = 8, [], []
    for seed in range(reps):
        frame, truth = simulate_report_cards(5_000, seed=seed)
        res = area_structure(frame, areas=list(REPORT_CARD_AREAS), seed=1, n_sim=10)
        est.append([r.estimate for r in res.polychoric.values()])
        se.append([r.se for r in res.polychoric.values()])
    R = truth["latent_correlation"]
    true = np.array([R.loc[a, b] for a, b in res.polychoric])
    z = (np.mean(est, axis=0) - true) / (np.mean(se, axis=0) / np.sqrt(reps))
    assert np.all(np.abs(z) < 4), z


def test_achievement_calibrated_to_ascl_quintile_shares(year):
    frame, truth = year
    below = frame["achievement"].isin(REPORT_CARD.labels[3:])
    for q, key in ((1, "least_deprived"), (5, "most_deprived")):
        sel = frame["idaci_quintile"] == q
        k, n = int(below[sel].sum()), int(sel.sum())
        lo, hi = stats.binomtest(k, n).proportion_ci(0.999)
        assert lo <= ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED[key] <= hi
        assert truth["achievement_below_expected_by_quintile"][q] == pytest.approx(
            ASCL_2026_ACHIEVEMENT_BELOW_EXPECTED[key], abs=1e-9)


def test_parallel_teams_have_the_stated_latent_agreement():
    frame, truth = simulate_report_cards(20_000, parallel=True, team_reliability=0.7, seed=3)
    from reliability.areas import code_areas, polychoric

    codes, _ = code_areas(frame, ["achievement", "achievement_team_b"])
    r = polychoric(codes[:, 0], codes[:, 1], confidence=0.999)
    assert r.ci[0] <= 0.7 <= r.ci[1]
    assert truth["team_reliability"] == 0.7


def test_ids_are_text_and_labels_are_the_scale(year):
    frame, _ = year
    assert frame["urn"].map(type).eq(str).all()
    assert set(frame["achievement"]) <= set(REPORT_CARD.labels)
    assert set(frame["idaci_quintile"]) == {1, 2, 3, 4, 5}


@pytest.mark.parametrize("kw", [{"n_schools": 5}, {"team_reliability": 1.5}, {"seed": -1},
                                {"parallel": "yes"}])
def test_bad_options(kw):
    with pytest.raises(ReliabilityError):
        simulate_report_cards(**({"n_schools": 100} | kw))
