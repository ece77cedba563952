"""`reliability consistency`: pairs, long data, a table, and the published-summary mode."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from reliability.cli import main


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def pairs_csv(tmp_path):
    frame = pd.DataFrame({
        "school": range(12),
        "Team A grade": ["Good", "Good", "Outstanding", "requires improvement", "Good", None,
                         "Good", "Inadequate", "Good", "Outstanding", "Good", "Good"],
        "Team B grade": ["Good", "Outstanding", "Outstanding", "Requires Improvement", "Good",
                         "Good", "Requires Improvement", "Inadequate", "Good", "Good", "Good",
                         "Good"],
    })
    path = tmp_path / "pairs.csv"
    frame.to_csv(path, index=False)
    return path, frame


CATS = "Outstanding,Good,Requires Improvement,Inadequate"


def test_pairs_json(capsys, pairs_csv):
    path, frame = pairs_csv
    out = run_json(capsys, ["consistency", str(path), "--first", "Team A grade", "--second",
                            "Team B grade", "--categories", CATS, "--json"])
    a = frame["Team A grade"].str.lower()
    b = frame["Team B grade"].str.lower()
    both = a.notna() & b.notna()
    agree = int((a[both] == b[both]).sum())
    assert out["n_pairs"] == int(both.sum()) == 11 and out["n_dropped"] == 1
    assert out["agreement"]["estimate"] == pytest.approx(agree / 11)
    assert out["p_different"]["estimate"] == pytest.approx(1 - agree / 11)
    assert [g["grade"] for g in out["by_grade"]] == CATS.split(",")
    from sklearn.metrics import cohen_kappa_score

    assert out["kappa"]["estimate"] == pytest.approx(cohen_kappa_score(a[both], b[both]))
    assert "kappa_range" not in out


def test_long_and_table_shapes_agree(capsys, pairs_csv, tmp_path):
    path, frame = pairs_csv
    ref = run_json(capsys, ["consistency", str(path), "--first", "Team A grade", "--second",
                            "Team B grade", "--categories", CATS, "--json"])
    long = frame.melt(id_vars="school", var_name="team", value_name="grade").dropna()
    lpath = tmp_path / "long.csv"
    long.to_csv(lpath, index=False)
    out = run_json(capsys, ["consistency", str(lpath), "--shape", "long", "--unit", "school",
                            "--rater", "team", "--rating", "grade", "--categories", CATS,
                            "--json"])
    assert out["n_pairs"] == ref["n_pairs"]
    assert out["kappa"]["estimate"] == pytest.approx(ref["kappa"]["estimate"])
    table = pd.DataFrame(np.array(ref["table"]), index=CATS.split(","), columns=CATS.split(","))
    tpath = tmp_path / "table.csv"
    table.to_csv(tpath)
    out = run_json(capsys, ["consistency", str(tpath), "--shape", "table", "--json"])
    assert out["agreement"] == ref["agreement"]


def test_published_summary_mode(capsys):
    out = run_json(capsys, ["consistency", "--agree", "22", "--n", "24", "--json"])
    assert out["n_pairs"] == 24
    assert out["agreement"]["estimate"] == pytest.approx(22 / 24)
    lo, hi = out["kappa_range"]
    assert lo < 0 < hi < 1
    assert out["p_different"]["estimate"] == pytest.approx(2 / 24)


def test_errors_are_one_line(capsys, pairs_csv):
    path, _ = pairs_csv
    with pytest.raises(SystemExit) as exc:
        main(["consistency", str(path), "--first", "Team A grade", "--second", "Team B grade",
              "--categories", "Outstanding,Good"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "not one of the categories" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit):
        main(["consistency"])
    assert "--agree" in capsys.readouterr().err


def test_numeric_codes_with_missing(capsys, tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 2, 9, 3, 2], "b": [1, 2, 3, 2, 3, 9]})
    path = tmp_path / "codes.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SystemExit):
        main(["consistency", str(path), "--first", "a", "--second", "b",
              "--categories", "1,2,3,4"])
    assert "9" in capsys.readouterr().err
    out = run_json(capsys, ["consistency", str(path), "--first", "a", "--second", "b",
                            "--categories", "1,2,3,4", "--missing", "9", "--json"])
    assert out["n_pairs"] == 4 and out["n_dropped"] == 2
    assert out["agreement"]["estimate"] == pytest.approx(3 / 4)


def test_text_output(capsys, pairs_csv):
    path, _ = pairs_csv
    assert main(["consistency", str(path), "--first", "Team A grade", "--second",
                 "Team B grade", "--categories", CATS]) == 0
    text = capsys.readouterr().out
    assert "agreement" in text and "cohen_kappa" in text and "dropped 1" in text
    assert main(["consistency", "--agree", "22", "--n", "24"]) == 0
    assert "kappa between" in capsys.readouterr().out
