"""The report-card MI reader: canonical columns by pattern, codes and labels, renamed releases."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reliability._errors import ReliabilityError
from reliability.areas import area_structure, framework_transition
from reliability.datasets._report_card_mi import (load_report_cards_synthetic_mi,
                                                  read_report_card_inspections)
from reliability.scales import REPORT_CARD


def test_shipped_file_loads_with_every_area_on_the_scale():
    f = load_report_cards_synthetic_mi()
    assert len(f) == 1500 and f["urn"].map(type).eq(str).all()
    for area in f.attrs["areas"]:
        assert list(f[area].cat.categories) == list(REPORT_CARD.labels)
    # Inclusion is stored as codes 1-5 in the file: read as the same labels
    assert f["inclusion"].notna().all()
    assert f["early_years"].isna().sum() > 0            # NULL is missing
    assert set(f["safeguarding"].dropna()) <= {"Met", "Not met"}


def test_renamed_release_still_loads(tmp_path):
    p = tmp_path / "renamed.csv"
    pd.DataFrame({"urn": ["0101", "0102", "0103"],
                  "ACHIEVEMENT": ["exceptional", "Needs-attention", "NULL"],
                  "Personal development & wellbeing": ["1", "5", "3"],
                  "Safeguarding met?": ["Met", "Not met", "met"]}).to_csv(p, index=False)
    f = read_report_card_inspections(p)
    assert f["urn"].tolist() == ["0101", "0102", "0103"]          # ids stay text
    assert f["achievement"].tolist()[:2] == ["Exceptional", "Needs attention"]
    assert pd.isna(f["achievement"].iloc[2])
    assert f["personal_development_and_wellbeing"].tolist() == [
        "Exceptional", "Urgent improvement", "Expected standard"]


def test_bad_grade_names_column_and_row(tmp_path):
    p = tmp_path / "bad.csv"
    pd.DataFrame({"URN": ["1", "2"], "Achievement": ["Exceptional", "Brilliant"]}).to_csv(
        p, index=False)
    with pytest.raises(ReliabilityError, match=r"'Achievement' row 2 has 'Brilliant'"):
        read_report_card_inspections(p)


def test_not_a_report_card_file(tmp_path):
    p = tmp_path / "x.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(p, index=False)
    with pytest.raises(ReliabilityError, match="not a report-card MI file"):
        read_report_card_inspections(p)


def test_structure_and_transition_on_the_shipped_file():
    f = load_report_cards_synthetic_mi()
    res = area_structure(f, areas=f.attrs["areas"][:6], seed=1)
    assert res.n_factors_parallel >= 1 and 0 < res.omega < 1
    tr = framework_transition(f, old="previous_overall_effectiveness", new="achievement")
    both = f[["previous_overall_effectiveness", "achievement"]].dropna()
    tau = stats.kendalltau(both.iloc[:, 0].cat.codes, both.iloc[:, 1].cat.codes)
    assert tr.associations["kendall_tau_b"].estimate == pytest.approx(tau.statistic, abs=1e-10)
    assert tr.n == len(both) and tr.table.to_numpy().sum() == len(both)


def test_both_frameworks_load_from_one_call(tmp_path):
    """read_ofsted_inspections recognises a report-card MI file by its columns (issue 16)."""
    from pathlib import Path

    import reliability.datasets as ds

    root = Path(__file__).resolve().parents[2] / "datasets"
    new = ds.read_ofsted_inspections(root / "ofsted_report_cards_synthetic_mi.csv")
    assert new.attrs["framework"] == "report_card_2025"
    pd.testing.assert_frame_equal(new, ds.load_report_cards_synthetic_mi())
    old = ds.read_ofsted_inspections(root / "ofsted_outcomes_2023-08-31_west_midlands.csv")
    assert old.attrs["framework"] == "ofsted_2005"
    # a file that is neither still names the missing columns
    p = tmp_path / "neither.csv"
    pd.DataFrame({"urn": [1], "colour": ["red"]}).to_csv(p, index=False)
    with pytest.raises(ReliabilityError, match="Overall effectiveness"):
        ds.read_ofsted_inspections(p)
