"""``reliability icc`` command line."""

import json

import pandas as pd
import pytest

from conftest import DATA, load_reference
from reliability.cli import main

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def test_json_contract(capsys):
    assert main(["icc", str(DATA / "shrout_fleiss_1979.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = load_reference("shrout_fleiss_1979")
    assert out["n_units"] == 6 and out["n_raters"] == 4
    assert set(out["icc"]) == set(FORMS)
    for form in FORMS:
        got = out["icc"][form]
        assert {"estimate", "ci", "ci_level", "F", "df1", "df2", "p"} <= set(got)
        assert got["estimate"] == pytest.approx(ref["values"][form]["estimate"], abs=1e-6)
        assert got["ci"] == pytest.approx(ref["values"][form]["ci"], abs=1e-6)
        assert got["p"] == pytest.approx(ref["values"][form]["p_value"], abs=1e-6)


def test_long_shape_reml_and_bootstrap(tmp_path, capsys):
    wide = pd.read_csv(DATA / "pingouin_wine_icc.csv")
    long = wide.melt(id_vars="unit", var_name="judge", value_name="score")
    long = long.drop(index=[0, 5])  # two missing ratings: unbalanced
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    args = ["icc", str(path), "--shape", "long", "--unit", "unit", "--rater", "judge",
            "--rating", "score", "--confidence", "0.9", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "reml" and out["n_units"] == 8
    assert out["icc"]["ICC2"]["ci_level"] == 0.9
    assert out["icc"]["ICC2"]["F"] is None  # no F test for unbalanced data
    assert main(args + ["--bootstrap", "20", "--seed", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(isinstance(x, float) for x in out["icc"]["ICC2"]["ci"])


def test_text_output(capsys):
    assert main(["icc", str(DATA / "pingouin_wine_icc.csv")]) == 0
    text = capsys.readouterr().out
    assert "ICC(A,1)" in text and "ICC3k" in text


def test_errors_are_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["icc", str(tmp_path / "missing.csv")])
    assert exc.value.code == 2
    path = tmp_path / "gap.csv"
    path.write_text("unit,a,b,c\n1,1,2,3\n2,,3,4\n3,2,2,1\n")
    with pytest.raises(SystemExit):
        main(["icc", str(path), "--method", "anova"])
    err = capsys.readouterr().err
    assert "reml" in err and len(err.strip().splitlines()) == 2
