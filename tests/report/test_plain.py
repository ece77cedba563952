"""People's numbers, the plain-language summary and complementary suppression."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from scipy.optimize import linprog

from reliability.report.plain import group_share, number, p_text, pct, suppress_table
from reliability.report.user import agreement_report, areas_report, data_report
from reliability.report.write import write_report

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WM = ROOT / "datasets" / "ofsted_outcomes_2023-08-31_west_midlands.csv"


def test_numbers_for_people():
    assert number(2.0) == "2" and number(360.0) == "360" and number(2417) == "2,417"
    assert number(5.551e-17) == "< 0.0001" and number(0.1234) == "0.12"
    assert pct(0.1594) == "16%" and pct(0.004) == "0.4%" and pct(0.0) == "0%"
    assert p_text(7.9e-8) == "p < 0.0001" and p_text(0.0034) == "p = 0.0034"
    assert p_text(0.213) == "p = 0.21"


def test_html_cells_never_scientific():
    from reliability.report.html import fmt

    assert fmt(2.0) == "2" and fmt(360.0) == "360" and fmt(5.551e-17) == "&lt; 0.0001"
    assert fmt(0.18450184) == "0.1845" and "e" not in fmt(1.5e-3)


def _feasible_range(counts, hidden, hid_r, hid_c, cell):
    """Smallest and largest value of a hidden cell given every published number."""
    R, C = counts.shape
    idx = {(i, j): k for k, (i, j) in enumerate(zip(*np.nonzero(hidden)))}
    nv = len(idx)
    A, b = [], []
    for i in range(R):                         # published row totals
        if hid_r[i]:
            continue
        row = np.zeros(nv)
        known = 0.0
        for j in range(C):
            if hidden[i, j]:
                row[idx[i, j]] = 1
            else:
                known += counts[i, j]
        A.append(row)
        b.append(counts[i].sum() - known)
    for j in range(C):                         # published column totals
        if hid_c[j]:
            continue
        col = np.zeros(nv)
        known = 0.0
        for i in range(R):
            if hidden[i, j]:
                col[idx[i, j]] = 1
            else:
                known += counts[i, j]
        A.append(col)
        b.append(counts[:, j].sum() - known)
    tot = np.ones(nv)
    A.append(tot)
    b.append(counts.sum() - counts[~hidden].sum())
    c = np.zeros(nv)
    c[idx[cell]] = 1
    lo = linprog(c, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None)).fun
    hi = -linprog(-c, A_eq=np.array(A), b_eq=np.array(b), bounds=(0, None)).fun
    return lo, hi


@given(st.lists(st.lists(st.integers(0, 60), min_size=4, max_size=4), min_size=2,
                max_size=6))
def test_no_hidden_cell_is_recoverable(rows):
    counts = np.array(rows, float)
    hidden, hid_r, hid_c = suppress_table(counts, 10, groups=[(0, 1), (2, 3)])
    small = (counts > 0) & (counts < 10)
    assert hidden[small].all()                            # every small cell is hidden
    for i in range(counts.shape[0]):
        if not hid_r[i]:
            assert hidden[i].sum() != 1
    for j in range(counts.shape[1]):
        if not hid_c[j]:
            assert hidden[:, j].sum() != 1
    for cell in zip(*np.nonzero(hidden & small)):
        lo, hi = _feasible_range(counts, hidden, hid_r, hid_c, cell)
        assert hi - lo > 0.5, (cell, lo, hi)              # not pinned down by the totals


def test_the_subtraction_of_the_issue_no_longer_works():
    # 345 schools: 70 + 255 + 17 + 3; the 3 must not be 345 - 70 - 255 - 17
    counts = np.array([[70, 255, 17, 3], [80, 240, 40, 25]], float)
    hidden, hid_r, _ = suppress_table(counts, 10, groups=[(0, 1), (2, 3)])
    assert hidden[0, 3] and hidden[0].sum() >= 2 and not hid_r[0]
    assert hidden[0, 2]                                   # the partner in the sentence's group
    share = group_share(counts[0], hidden[0], (2, 3), n=345, min_cell=10)
    assert share["count"] == 20                            # RI or Inadequate: still shown
    assert group_share(counts[0], np.array([0, 1, 0, 1], bool), (2, 3), n=345,
                       min_cell=10) is None                # would reveal the hidden 3


def _library_shares(phase=None):
    from reliability import datasets, grade_context

    df = datasets.load_ofsted_outcomes_2023_west_midlands()
    if phase:
        df = df[df["ofsted_phase"] == phase]
    res = grade_context(df["overall_effectiveness"].astype(object).where(
        df["overall_effectiveness"].notna(), None).reset_index(drop=True),
        df["deprivation_rank"].reset_index(drop=True),
        categories=["Outstanding", "Good", "Requires improvement", "Inadequate"])
    out = {}
    for b in res.bands:
        k = b["counts"]["Requires improvement"] + b["counts"]["Inadequate"]
        out[b["band"]] = (k, b["n"])
    return out, res


@pytest.mark.parametrize("phase", [None, "Primary"])
def test_summary_sentence_quotes_the_library(phase):
    from reliability.inference import wilson_interval

    oc = data_report(WM, grade="Overall effectiveness", context="IDACI quintile",
                     subset=("Ofsted phase", phase) if phase else None)
    sentence = oc.summary["answer"][0]
    shares, res = _library_shares(phase)
    (k5, n5), (k1, n1) = shares["5"], shares["1"]
    lo5, hi5 = wilson_interval(k5, n5)
    lo1, hi1 = wilson_interval(k1, n1)
    expect = [100 * k5 / n5, 100 * lo5, 100 * hi5, 100 * k1 / n1, 100 * lo1, 100 * hi1]
    quoted = [float(x) for x in re.findall(r"(\d+(?:\.\d)?)%(?! CI)", sentence)]
    assert quoted == [round(v) for v in expect]
    assert f"Among the {n5:,} " in sentence and f"of the {n1:,} in" in sentence
    assert "most deprived fifth" in sentence and "Requires improvement or Inadequate" in sentence
    tau = res.associations["kendall_tau_b"]
    assert f"tau-b = {tau.estimate:.2f}" in oc.summary["answer"][1]
    assert oc.extra["headline"]["high"]["count"] == k5


def test_report_reads_like_a_report(tmp_path):
    oc = data_report(WM, grade="Overall effectiveness", context="IDACI quintile")
    res = write_report(oc, tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert oc.title == "Inspection grades and deprivation"       # not the file path
    assert html.index("id='summary'") < html.index("<img") < html.index("<table")
    assert "2.0000" not in html and "e-1" not in html and "Status: pass" not in html
    assert "Requires improvement" in html and "most deprived" in html
    assert "31 August 2023" not in oc.title and "19 July 2023" in html  # date of the data
    assert res["summary"]["answer"] == oc.summary["answer"]
    assert res["status"] == "descriptive"
    # nothing the tables hide is in the downloads
    full = next(t for t in res["tables"] if t["name"] == "grade-by-context")
    cnt = [r[full["columns"].index("count")] for r in full["rows"]]
    assert all(c is None or c >= 10 for c in cnt)
    assert json.dumps(res).count("null") > 0


def test_context_by_published_name_and_xlsx(tmp_path):
    pytest.importorskip("openpyxl", reason="xlsx reading needs openpyxl (in .[dev])")
    df = pd.read_csv(WM, dtype=str, keep_default_na=False)
    x = tmp_path / "wm.xlsx"
    df.iloc[:, 1:].to_excel(x, index=False)
    a = data_report(x, grade="Overall effectiveness",
                    context="The income deprivation affecting children index (IDACI) quintile")
    b = data_report(WM, grade="overall_effectiveness", context="IDACI quintile")
    assert a.summary["answer"] == b.summary["answer"]
    assert a.extra["layout"] == "ofsted_2005"


def test_numeric_codes_get_grade_words(tmp_path):
    rng = np.random.default_rng(4)
    p = tmp_path / "g.csv"
    pd.DataFrame({"grade": rng.choice([1, 2, 3, 4, 9], 400),
                  "fsm": rng.integers(1, 6, 400)}).to_csv(p, index=False)
    oc = data_report(p, grade="grade", context="fsm", deprived_end="high")
    assert oc.extra["categories"] == ["Outstanding", "Good", "Requires improvement",
                                      "Inadequate"]
    assert any("9 as not judged" in d for d in oc.summary["data"])
    assert "most deprived" in oc.summary["answer"][0]


def test_inspector_counts_not_recoverable_from_n_and_mean(tmp_path):
    from reliability.report.disclosure import Disclosure
    from reliability.report.user import inspector_table

    # A: 30 Outstanding, 30 Good, 3 Inadequate; B: 15 and 40; C: 20, 20 and 12 Inadequate
    codes = np.array([0] * 30 + [1] * 30 + [3] * 3 + [1] * 40 + [0] * 15
                     + [0] * 20 + [1] * 20 + [3] * 12)
    ids = np.array(["A"] * 63 + ["B"] * 55 + ["C"] * 52, dtype=object)
    tab, *_ = inspector_table(codes, ids, ["O", "G", "RI", "I"], Disclosure(min_cell=10))
    a = tab[tab["inspector"] == "A"].iloc[0]
    assert np.isnan(a["n_I"]) and np.isnan(a["n_O"]) and np.isnan(a["n_G"])  # whole row
    assert np.isfinite(a["mean_grade"])        # n and mean alone leave two unknowns free
    c = tab[tab["inspector"] == "C"].iloc[0]
    assert np.isnan(c["n_I"])                  # else 3 = column total - 12
    b = tab[tab["inspector"] == "B"].iloc[0]
    assert b["n_G"] == 40 and b["n_O"] == 15


def test_agreement_and_areas_summaries(tmp_path):
    rng = np.random.default_rng(1)
    a = rng.choice([1, 2, 3, 4], 300, p=[.2, .6, .15, .05])
    b = np.where(rng.random(300) < .7, a, rng.choice([1, 2, 3, 4], 300))
    p = tmp_path / "pairs.csv"
    pd.DataFrame({"team_a": a, "team_b": b}).to_csv(p, index=False)
    oc = agreement_report(p, first="team_a", second="team_b")
    same = float(np.mean(a == b))
    assert f"same grade to {round(100 * same)}% of the 300" in oc.summary["answer"][0]
    ar = areas_report(ROOT / "datasets" / "ofsted_report_cards_synthetic_mi.csv",
                      areas=["Inclusion", "Achievement", "Curriculum and teaching"])
    assert ar.extra["headline"]["effective_areas"] > 1
    assert "independent judgements" in ar.summary["answer"][0]


def test_bad_input_one_line(tmp_path):
    from reliability._errors import ReliabilityError

    with pytest.raises(ReliabilityError, match="not found") as e:
        data_report(WM, grade="Overall effectiveness", context="IDACI quintil")
    assert "\n" not in str(e.value)
    bad = tmp_path / "x.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(ReliabilityError):
        data_report(bad, grade="g")


def test_report_cli_pdf(tmp_path):
    import shutil

    from reliability.cli import main

    if shutil.which("chromium") is None:
        import os

        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("--pdf needs chromium (apt-get install chromium); CI=true")
        pytest.skip("--pdf needs chromium (apt-get install chromium)")
    out = tmp_path / "r"
    assert main(["report", str(WM), "--grade", "Overall effectiveness", "--context",
                 "IDACI quintile", "--pdf", "--out", str(out)]) == 0
    assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"
