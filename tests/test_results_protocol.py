"""One result protocol: ConfidenceInterval, confidence_interval(level), TestResult, HTML."""

import numpy as np
import pytest

import reliability as rl
from reliability._errors import ReliabilityError
from reliability._results import ConfidenceInterval, Estimate, TestResult
from tests.conftest import DATA

CASES = [
    ("cohen_kappa", lambda c: rl.cohen_kappa(DATA / "vcd_sexualfun.csv", shape="table",
                                             confidence=c)),
    ("cohen_kappa_normal", lambda c: rl.cohen_kappa(DATA / "vcd_sexualfun.csv", shape="table",
                                                    ci_method="normal", confidence=c)),
    ("fleiss_kappa", lambda c: rl.fleiss_kappa(DATA / "fleiss1971_diagnoses.csv",
                                               confidence=c)),
    ("gwet_ac1", lambda c: rl.gwet_ac1(DATA / "fleiss1971_diagnoses.csv", confidence=c)),
    ("krippendorff", lambda c: rl.krippendorff_alpha(DATA / "krippendorff_reliability_data.csv",
                                                     level="interval", confidence=c)),
]


@pytest.mark.parametrize("name, fn", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_recomputed_interval_equals_a_fresh_call(name, fn, level):
    # second method: the function itself called at the other level
    stored = fn(0.95)
    assert isinstance(stored.ci, ConfidenceInterval)
    np.testing.assert_allclose(stored.confidence_interval(level), fn(level).ci, rtol=1e-10,
                               atol=1e-12)


def test_interval_of_another_kind_is_not_replaced_by_a_wald_one():
    e = Estimate("x", 0.5, se=0.1, ci=(0.2, 0.95), method="bootstrap percentile")
    with pytest.raises(ReliabilityError, match="confidence=0.9"):
        e.confidence_interval(0.9)
    with pytest.raises(ReliabilityError, match="confidence"):
        e.confidence_interval(1.5)


def test_frame_spellings_and_html():
    e = rl.cohen_kappa(DATA / "vcd_sexualfun.csv", shape="table")
    frame = e.to_frame()
    assert {"ci_low", "ci_high", "confidence", "p_value"} <= set(frame.columns)
    assert frame["ci_low"].iloc[0] == e.ci.low
    assert "<table" in e._repr_html_()
    table = rl.agreement(DATA / "fleiss1971_diagnoses.csv")
    assert "fleiss_kappa" in table._repr_html_()


def test_test_result():
    t = TestResult("bowker", 12.5, df=6, p_value=0.05, method="Bowker (1948)")
    assert t.to_dict()["p_value"] == 0.05 and "df" in t.summary()
    assert t.to_frame().loc["bowker", "statistic"] == 12.5
    assert "<table" in t._repr_html_()
