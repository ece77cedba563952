"""Area structure against psych::fa / polycor (tests/data/areas_psych.json) and known limits."""

import json

import numpy as np
import pandas as pd
import pytest

from reliability._errors import ReliabilityError
from reliability.areas import area_structure, code_areas
from reliability.areas._structure import _minres_one_factor
from tests.conftest import DATA

REF = json.loads((DATA / "areas_psych.json").read_text())


def test_matrix_and_loadings_match_r():
    res = area_structure(DATA / "areas_synthetic.csv", areas=REF["areas"], seed=3)
    np.testing.assert_allclose(res.matrix.to_numpy(), np.array(REF["polychoric"]), atol=2e-4)
    areas, ref_se = REF["areas"], np.array(REF["se"])
    for (a, b), r in res.polychoric.items():
        assert r.se == pytest.approx(ref_se[areas.index(a), areas.index(b)], rel=1e-3)
    np.testing.assert_allclose(res.eigenvalues, REF["eigenvalues"], atol=5e-4)
    # loadings on R's own matrix isolate the factor step from the polychoric step
    np.testing.assert_allclose(_minres_one_factor(np.array(REF["polychoric"])),
                               REF["loadings"], atol=1e-5)
    np.testing.assert_allclose(res.loadings.to_numpy(), REF["loadings"], atol=1e-3)
    lam = np.array(REF["loadings"])
    assert res.omega == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum()),
                                      abs=1e-3)


def _areas_frame(rng, n, loads):
    g = rng.standard_normal(n)
    cols = {}
    for j, l in enumerate(loads):
        z = l * g + np.sqrt(1 - l * l) * rng.standard_normal(n)
        cols[f"a{j}"] = np.digitize(z, [-1.5, -0.5, 0.6, 1.6]) + 1
    return pd.DataFrame(cols)


def test_effective_number_limits():
    rng = np.random.default_rng(5)
    independent = area_structure(_areas_frame(rng, 4000, [0, 0, 0, 0, 0]),
                                 areas=[f"a{j}" for j in range(5)], seed=1)
    halo = area_structure(_areas_frame(rng, 4000, [0.999] * 5),
                          areas=[f"a{j}" for j in range(5)], seed=1)
    assert independent.effective_areas > 4.8 and independent.n_factors_parallel == 0
    assert halo.effective_areas < 1.2 and halo.n_factors_parallel == 1
    assert halo.share_within_one_step > 0.95


def test_labels_of_the_known_scale_in_any_spelling():
    frame = pd.DataFrame({"a": ["Exceptional", "needs-attention ", "STRONG STANDARD", None],
                          "b": [1, 4, 2, 5]})
    codes, labels = code_areas(frame, ["a", "b"])
    assert codes[:, 0].tolist() == [0, 3, 1, -1]
    assert codes[:, 1].tolist() == [0, 3, 1, 4]
    assert labels[0] == "Exceptional"


def test_unknown_text_scale_and_bad_options():
    frame = pd.DataFrame({"a": ["hi", "lo"], "b": ["lo", "hi"]})
    with pytest.raises(ReliabilityError, match="categories="):
        area_structure(frame, areas=["a", "b"])
    assert area_structure(pd.concat([frame] * 20), areas=["a", "b"],
                          categories=["hi", "lo"]).polychoric[("a", "b")].estimate < 0
    with pytest.raises(ReliabilityError, match="at least 2"):
        area_structure(frame, areas=["a"])
    with pytest.raises(ReliabilityError, match="n_sim"):
        area_structure(frame, areas=["a", "b"], n_sim=0)
    with pytest.raises(ReliabilityError, match="not found"):
        area_structure(frame, areas=["a", "c"])


def test_area_context_shares_match_a_direct_count_and_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint

    from reliability.areas import area_context
    from reliability.datasets._report_cards import simulate_report_cards

    frame, _ = simulate_report_cards(3000, seed=9)
    res = area_context(frame, areas=["achievement", "inclusion"], context="idaci_quintile")
    below = frame["achievement"].isin(["Needs attention", "Urgent improvement"])
    direct = below.groupby(frame["idaci_quintile"]).agg(["sum", "count"])
    got = res.below_expected[res.below_expected.area == "achievement"]
    assert got["below"].tolist() == direct["sum"].tolist()
    assert got["n"].tolist() == direct["count"].tolist()
    lo, hi = proportion_confint(direct["sum"], direct["count"], method="wilson")
    np.testing.assert_allclose(got["ci_low"], lo, atol=1e-12)
    np.testing.assert_allclose(got["ci_high"], hi, atol=1e-12)
    assert res.by_area["achievement"].associations["kendall_tau_b"].estimate > 0


def test_area_agreement_recovers_the_simulated_exact_agreement():
    from reliability.areas import area_agreement
    from reliability.datasets._report_cards import simulate_report_cards

    frame, truth = simulate_report_cards(8000, parallel=True, team_reliability=0.75, seed=12)
    res = area_agreement(frame, areas=["achievement", "leadership_and_governance"],
                         second=["achievement_team_b", "leadership_and_governance_team_b"],
                         confidence=0.999)
    for area in ("achievement", "leadership_and_governance"):
        pa = res.estimates[area]["percent_agreement"]
        assert pa.ci[0] <= truth["exact_agreement"][area] <= pa.ci[1]
    with pytest.raises(ReliabilityError, match="itself"):
        area_agreement(frame, areas=["achievement"], second=["achievement"])
