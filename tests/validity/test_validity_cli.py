"""`reliability validity` on small fixtures and on the two real CSVs as downloaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reliability.cli import main

# The real CSVs shipped unchanged in the repository (byte-for-byte; provenance in datasets/README.md).
DATASETS = Path(__file__).resolve().parents[2] / "datasets"
WM = DATASETS / "ofsted_outcomes_2023-08-31_west_midlands.csv"
KS2 = DATASETS / "ks2_2019_progress_with_ofsted_rating.csv"
IDACI = "The income deprivation affecting children index (IDACI) quintile"


def _shipped(name):
    return DATASETS / name


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def small_csv(tmp_path):
    rng = np.random.default_rng(9)
    n = 120
    dep = rng.integers(1, 6, n)
    g = np.clip(np.round(1.5 + 0.3 * dep + rng.normal(scale=0.8, size=n)), 1, 4).astype(int)
    labels = np.array(["Outstanding", "Good", "Requires Improvement", "Inadequate"], dtype=object)
    frame = pd.DataFrame({"Overall grade (latest)": labels[g - 1],
                          "Deprivation (IDACI) quintile": dep.astype(object),
                          "Code": g})
    frame.loc[[0, 1], "Overall grade (latest)"] = np.nan
    frame.loc[[5], "Deprivation (IDACI) quintile"] = "SUPP"
    frame.loc[[8, 9], "Code"] = 9
    path = tmp_path / "small.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_small_fixture_json(capsys, small_csv):
    path, frame = small_csv
    out = run_json(capsys, ["validity", str(path), "--grade", "Overall grade (latest)",
                            "--context", "Deprivation (IDACI) quintile", "--categories",
                            "outstanding,GOOD,Requires Improvement,Inadequate", "--json"])
    assert out["n"] == 117 and out["n_dropped"] == 3
    assert out["dropped"] == {"Overall grade (latest): missing": 2,
                              "Deprivation (IDACI) quintile: non-numeric 'SUPP'": 1}
    assert len(out["bands"]) == 5
    keep = frame["Overall grade (latest)"].notna() & (frame["Deprivation (IDACI) quintile"] != "SUPP")
    order = {"Outstanding": 1, "Good": 2, "Requires Improvement": 3, "Inadequate": 4}
    g = frame.loc[keep, "Overall grade (latest)"].map(order)
    x = frame.loc[keep, "Deprivation (IDACI) quintile"].astype(int)
    assert out["associations"]["kendall_tau_b"]["estimate"] == pytest.approx(
        stats.kendalltau(g, x).statistic, abs=1e-12)
    assert out["trend_test"]["df"] == 1


def test_numeric_codes_with_missing_option(capsys, small_csv):
    path, _ = small_csv
    with pytest.raises(SystemExit) as exc:
        main(["validity", str(path), "--grade", "Code", "--context",
              "Deprivation (IDACI) quintile", "--categories", "1,2,3,4"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "grade 9" in err and "'Code'" in err and "--missing" in err
    out = run_json(capsys, ["validity", str(path), "--grade", "Code", "--context",
                            "Deprivation (IDACI) quintile", "--categories", "1", "2", "3", "4",
                            "--missing", "9", "--json"])
    assert out["dropped"]["Code: not judged (9)"] == 2


def test_unknown_column_is_one_line_error(capsys, small_csv):
    path, _ = small_csv
    with pytest.raises(SystemExit):
        main(["validity", str(path), "--grade", "Overall grade", "--context", "Code"])
    err = capsys.readouterr().err
    assert "'Overall grade'" in err and "did you mean" in err


@pytest.mark.skipif(not WM.exists(), reason="real dataset not present in this environment")
def test_west_midlands_idaci(capsys):
    path = _shipped(WM.name)
    out = run_json(capsys, ["validity", str(path), "--grade", "Overall effectiveness",
                            "--context", IDACI, "--categories", "1,2,3,4", "--json"])
    raw = pd.read_csv(path)
    keep = raw["Overall effectiveness"].notna() & raw[IDACI].notna()
    assert out["n"] == int(keep.sum())
    assert out["n"] + out["n_dropped"] == len(raw)
    assert [b["band"] for b in out["bands"]] == ["1", "2", "3", "4", "5"]
    tau = stats.kendalltau(raw.loc[keep, "Overall effectiveness"], raw.loc[keep, IDACI])
    assert out["associations"]["kendall_tau_b"]["estimate"] == pytest.approx(tau.statistic,
                                                                           abs=1e-12)
    # README orientation: below-Good share rises from quintile 1 to 5.
    below = [b["proportions"]["3"]["estimate"] + b["proportions"]["4"]["estimate"]
             for b in out["bands"]]
    assert below[-1] > below[0]


@pytest.mark.skipif(not WM.exists(), reason="real dataset not present in this environment")
def test_west_midlands_key_judgement_needs_missing_9(capsys):
    path = _shipped(WM.name)
    out = run_json(capsys, ["validity", str(path), "--grade", "Quality of education",
                            "--context", "Total number of pupils", "--categories", "1,2,3,4",
                            "--missing", "9", "--json"])
    raw = pd.read_csv(path)
    q = raw["Quality of education"]
    assert out["dropped"]["Quality of education: not judged (9)"] == int((q == 9).sum())
    assert out["n"] == int((q.isin([1, 2, 3, 4]) & raw["Total number of pupils"].notna()).sum())


@pytest.mark.skipif(not KS2.exists(), reason="real dataset not present in this environment")
def test_ks2_text_grades_and_supp(capsys):
    path = _shipped(KS2.name)
    out = run_json(capsys, ["validity", str(path), "--grade", "OFSTEDRATING", "--context",
                            "READPROG", "--categories",
                            "Outstanding,Good,Requires Improvement,Inadequate", "--json"])
    raw = pd.read_csv(path, dtype={"READPROG": str})
    prog = pd.to_numeric(raw["READPROG"], errors="coerce")
    keep = raw["OFSTEDRATING"].notna() & prog.notna()
    assert out["n"] == int(keep.sum())
    supp = int((raw["READPROG"].str.strip() == "SUPP")[raw["OFSTEDRATING"].notna()].sum())
    assert out["dropped"]["READPROG: non-numeric 'SUPP'"] == supp
    order = {"Outstanding": 1, "Good": 2, "Requires Improvement": 3, "Inadequate": 4}
    tau = stats.kendalltau(raw.loc[keep, "OFSTEDRATING"].map(order), prog[keep]).statistic
    assert out["associations"]["kendall_tau_b"]["estimate"] == pytest.approx(tau, abs=1e-12)
    assert out["associations"]["kendall_tau_b"]["estimate"] < 0   # better progress, better grade


@pytest.mark.skipif(not WM.exists(), reason="real dataset not present in this environment")
def test_west_midlands_band_agreement(capsys):
    # Overall effectiveness vs quality of education (2019 framework rows): README says 96%.
    path = _shipped(WM.name)
    out = run_json(capsys, ["validity", str(path), "--grade", "Overall effectiveness",
                            "--context", "Ofsted phase", "--categories", "1,2,3,4",
                            "--missing", "9", "--band", "Quality of education", "--json"])
    raw = pd.read_csv(path)
    both = raw["Overall effectiveness"].notna() & raw["Quality of education"].isin([1, 2, 3, 4])
    same = (raw.loc[both, "Overall effectiveness"] == raw.loc[both, "Quality of education"])
    band = out["band_agreement"]
    assert band["n"] == int(both.sum())
    assert band["coefficients"]["agreement"]["estimate"] == pytest.approx(same.mean())
    assert out["context_kind"] == "categorical"


def test_outcome_differences_cli(capsys, tmp_path):
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels OLS is the peer check")
    rng = np.random.default_rng(12)
    n = 200
    ctx = rng.normal(size=n)
    g = np.clip(np.round(2 + ctx + rng.normal(size=n)), 1, 4).astype(int)
    y = -0.4 * g + 0.8 * ctx + rng.normal(size=n)
    frame = pd.DataFrame({"grade": g, "prior": np.round(ctx, 3).astype(object),
                          "later score": np.round(y, 3)})
    frame.loc[[4, 5], "prior"] = "SUPP"
    path = tmp_path / "out.csv"
    frame.to_csv(path, index=False)
    out = run_json(capsys, ["validity", str(path), "--grade", "grade", "--context", "prior",
                            "--outcome", "later score", "--adjust", "prior", "--json"])
    od = out["outcome_differences"]
    assert od["n"] == n - 2 and od["n_dropped"] == 2
    keep = frame["prior"] != "SUPP"
    gg = g[keep.to_numpy()]
    dummies = np.column_stack([(gg == j) for j in (2, 3, 4)]).astype(float)
    yy = y[keep.to_numpy()].round(3)
    xx = frame.loc[keep, "prior"].astype(float).to_numpy()
    base = sm.OLS(yy, sm.add_constant(dummies)).fit()
    adj = sm.OLS(yy, sm.add_constant(np.column_stack([dummies, xx]))).fit()
    est = od["coefficients"]["std_diff_adjusted[3]"]["estimate"]
    assert est == pytest.approx(adj.params[2] / np.sqrt(base.mse_resid), rel=1e-9)


def test_text_output_with_pseudo_r2(capsys, small_csv):
    path, _ = small_csv
    assert main(["validity", str(path), "--grade", "Code", "--context",
                 "Deprivation (IDACI) quintile", "--missing", "9", "--pseudo-r2",
                 "--bootstrap", "30", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "kendall_tau_b" in text and "mcfadden" in text and "bootstrap" in text
