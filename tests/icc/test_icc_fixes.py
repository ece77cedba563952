"""Fixes found while checking the ICC against second methods (issue 15)."""

from pathlib import Path

import numpy as np
import pytest

import reliability as rl
from reliability.cli import main
from reliability.icc import _anova, icc

DATA = Path(__file__).resolve().parents[1] / "data"
FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


def test_vectorised_statistic_on_jackknife_weights_equals_the_leave_one_out_icc():
    # Bug: the weighted mean squares used the full n for every resample, so the BCa
    # jackknife (weights summing to n - 1) computed another statistic than the ICC of the
    # data without that unit, and BCa intervals had a wrong acceleration.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 1)) + rng.normal(size=(12, 3))
    n, k = x.shape
    w = np.ones((n, n)) - np.eye(n)
    vec = _anova.icc_from_ms(_anova.mean_squares(w, _anova.per_unit_terms(x), n, k), n, k)
    for i in range(n):
        explicit = icc(np.delete(x, i, axis=0))
        for form in FORMS:
            assert vec[form][i] == pytest.approx(explicit[form].estimate, abs=1e-12)


def test_counts_shape_is_refused_at_the_door():
    # a unit x category counts table has no raters: the option is wrong whatever the data
    with pytest.raises(rl.OptionError, match="shape='counts'"):
        icc("this-file-does-not-exist.csv", shape="counts")


@pytest.mark.parametrize("argv, named", [
    (["icc", "x.csv", "--method", "ols"], "--method"),
    (["gstudy", "x.csv", "--method", "ols"], "--method"),
    (["icc", "x.csv", "--bootstrap-method", "basic"], "--bootstrap-method")])
def test_bad_choice_of_an_option_is_not_an_unknown_command(argv, named, capsys):
    # Bug: argparse's "invalid choice" of any option was reported as "unknown command 'ols'"
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0] and "unknown command" not in err[0]


def test_cli_refuses_a_contingency_table_look_alike_as_the_library_does(tmp_path, capsys):
    # Before: the CLI passed shape="wide" by default, so the table the library refuses was
    # analysed as 3 units x 3 raters from the command line
    path = tmp_path / "tab.csv"
    path.write_text(",1,2,3\n1,10,2,1\n2,3,12,2\n3,1,2,9\n")
    with pytest.raises(rl.ReliabilityError, match="contingency table"):
        icc(path)
    with pytest.raises(SystemExit) as exc:
        main(["icc", str(path)])
    assert exc.value.code == 2 and "contingency table" in capsys.readouterr().err
    import json

    assert main(["icc", str(path), "--shape", "table", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_units"] == 42
    assert main(["icc", str(path), "--shape", "wide", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_units"] == 3
