"""The report's between-inspector ICC(1) is rl.icc's (one implementation of ICC(1))."""

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from conftest import DATA
from reliability.report.user import data_report

KEY = "a-secret-key"


def _rl_icc1(df, inspector, grade_scores):
    long = pd.DataFrame({"unit": df[inspector].astype(str).to_numpy(),
                         "rater": np.arange(len(df)), "rating": grade_scores})
    return rl.icc(long, shape="long")["ICC1"].estimate


def test_report_icc1_equals_rl_icc_on_the_shipped_inspections():
    # Before: the report had its own ANOVA (Searle's n0) ICC(1): .03715 against rl.icc's
    # .03723 on the same file.
    path = DATA / "inspections_synthetic.csv"
    df = pd.read_csv(path)
    report = data_report(path, grade="grade", inspector="inspector_id", key=KEY)
    got = report.extra["inspectors"]["icc1_between_inspectors"]
    # 1e-9: the REML optimum, reached from differently ordered rows
    assert got == pytest.approx(_rl_icc1(df, "inspector_id", df["grade"]), abs=1e-9)
    assert round(got, 5) == 0.03723
    assert any("rl.icc" in n for n in report.notes)


def test_report_icc1_with_text_grades_and_single_inspections():
    rng = np.random.default_rng(4)
    labels = ["Inadequate", "Requires improvement", "Good", "Outstanding"]
    insp = rng.integers(0, 25, 400)
    lenient = rng.normal(0, 0.5, 25)[insp]
    code = np.clip(np.round(1.8 + lenient + rng.normal(0, 0.8, 400)), 0, 3).astype(int)
    df = pd.DataFrame({"grade": np.array(labels, dtype=object)[code],
                       "inspector": [f"I{i:02d}" for i in insp]})
    df.loc[len(df)] = {"grade": "Good", "inspector": "only-once"}
    report = data_report(df, grade="grade", inspector="inspector", key=KEY, categories=labels)
    got = report.extra["inspectors"]["icc1_between_inspectors"]
    scores = pd.Series(df["grade"]).map({g: i + 1.0 for i, g in enumerate(labels)}).to_numpy()
    assert got == pytest.approx(_rl_icc1(df, "inspector", scores), abs=1e-9)
    assert 0 < got < 1


def test_balanced_groups_give_the_classical_anova_icc1():
    # second method: with equal group sizes the REML one-way ICC(1) is the Shrout-Fleiss
    # ANOVA ICC(1) of the groups x scores table (positive between-group component)
    from reliability.report.user import between_group_icc1

    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (30, 1)) + rng.normal(0, 1, (30, 5))
    groups = np.repeat(np.arange(30), 5)
    anova = rl.icc(x)["ICC1"].estimate
    assert between_group_icc1(groups, x.ravel()) == pytest.approx(anova, abs=1e-8)
    assert np.isnan(between_group_icc1(np.array([0, 0, 1]), np.array([1.0, 2, 3])))
