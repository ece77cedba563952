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


def test_bootstrap_is_labelled_and_never_replaces_the_exact_interval(capsys):
    path = str(DATA / "pingouin_wine_icc.csv")
    assert main(["icc", path, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main(["icc", path, "--bootstrap", "3", "--seed", "1", "--json"]) == 0
    boot = json.loads(capsys.readouterr().out)
    assert plain["ci_method"] == boot["ci_method"] == "exact F"
    for form in FORMS:
        assert boot["icc"][form]["ci"] == plain["icc"][form]["ci"]
        assert boot["icc"][form]["ci_method"] == "exact F"
        assert boot["icc"][form]["bootstrap"]["n_resamples"] == 3
        assert boot["icc"][form]["se_kind"] == "bootstrap"
    assert main(["icc", path, "--bootstrap", "20", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert "exact F-based intervals" in text and "ANOVA" in text
    assert "bootstrap over units (percentile, B=20)" in text


@pytest.mark.parametrize("flags, named", [
    (["--bootstrap", "1"], "--bootstrap"), (["--bootstrap", "-1"], "--bootstrap"),
    (["--confidence", "95"], "--confidence"), (["--seed", "-1"], "--seed")])
def test_bad_options_exit_2_with_one_line(flags, named, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["icc", str(DATA / "pingouin_wine_icc.csv"), *flags])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0]


def test_contingency_table_look_alike_is_refused_unless_shape_says(tmp_path, capsys):
    path = tmp_path / "tab.csv"
    path.write_text(",1,2,3\n1,10,2,1\n2,3,12,2\n3,1,2,9\n")
    with pytest.raises(SystemExit) as exc:
        main(["icc", str(path)])
    assert exc.value.code == 2 and "contingency table" in capsys.readouterr().err
    assert main(["icc", str(path), "--shape", "table", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_units"] == 42
