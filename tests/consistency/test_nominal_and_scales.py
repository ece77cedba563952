"""Issue 15: nominal outcomes need no order; known scales are ordered; codes map to labels."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability.consistency import pairs_table, parallel_consistency
from reliability.validity._clean import code_grades


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "reliability", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.fixture
def remain_convert(tmp_path):
    frame = pd.DataFrame({"school": range(8),
                          "team_a": ["remain", "convert", "remain", "convert", "Remain ",
                                     "remain", "remain", "convert"],
                          "team_b": ["remain", "remain", "remain", "convert", "remain",
                                     "convert", "remain", "convert"]})
    frame.to_csv(tmp_path / "rc.csv", index=False)
    return frame


def test_two_category_text_outcome_works_and_matches_cohen_kappa(remain_convert, tmp_path):
    out = cli("consistency", "rc.csv", "--first", "team_a", "--second", "team_b", "--json",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["agreement"]["count"] == 6 and doc["n_pairs"] == 8
    # the same kappa as the agreement module on the same pairs (one implementation)
    from sklearn.metrics import cohen_kappa_score

    a = remain_convert.team_a.str.strip().str.lower()
    b = remain_convert.team_b.str.strip().str.lower()
    assert doc["kappa"]["estimate"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_unknown_nominal_labels_need_no_order():
    table, cats, dropped = pairs_table(pd.Series(["x", "y", "x"], name="a"),
                                       pd.Series(["x", "y", "y"], name="b"))
    assert cats == ["x", "y"] and table.sum() == 3 and dropped == 0
    assert parallel_consistency(table, categories=cats).to_dict()["agreement"]["count"] == 2


def test_ordinal_use_still_asks_for_an_order_naming_the_column():
    with pytest.raises(rl.ReliabilityError, match="'grade_col'.*order"):
        code_grades(pd.Series(["hi", "lo"]), column="grade_col")


def test_same_column_twice_refused(remain_convert, tmp_path):
    out = cli("consistency", "rc.csv", "--first", "team_a", "--second", "team_a", cwd=tmp_path)
    assert out.returncode == 2 and "same column" in out.stderr


def test_known_scale_ordered_without_categories():
    codes, cats, _ = code_grades(pd.Series(["good", "Inadequate", "Outstanding ", None]))
    assert cats == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert codes.tolist() == [1, 3, 0, -1]


def test_codes_with_labels_map_by_position_not_to_missing():
    with pytest.warns(rl.DataWarning, match="1 = Outstanding"):
        codes, cats, dropped = code_grades(pd.Series([1, 2, 2, 4]),
                                           categories=["Outstanding", "Good",
                                                       "Requires improvement", "Inadequate"])
    assert codes.tolist() == [0, 1, 1, 3] and not dropped


def test_team_pairs_long_equals_wide():
    """The long-to-pairs pivot is a library function (the CLI only calls it)."""
    import pandas as pd

    from reliability.consistency import team_pairs

    wide = pd.DataFrame({"school": range(6), "a": ["Good", "Good", "RI", "Outstanding", 9, "Good"],
                         "b": ["Good", "RI", "RI", "Good", "Good", None]})
    long = wide.melt(id_vars="school", var_name="team", value_name="grade")
    t1, c1, d1 = team_pairs(wide, first="a", second="b", missing=[9])
    t2, c2, d2 = team_pairs(long, unit="school", rater="team", rating="grade", missing=[9])
    assert (t1 == t2).all() and list(c1) == list(c2) and d1 == d2 == 2
    assert int(t1.sum()) == 4


def test_agreement_range_reports_p_different():
    r = rl.agreement_range(22, 24)
    d = r.to_dict()["p_different"]
    assert d["estimate"] == pytest.approx(1 - r.estimate)
    assert d["ci"] == pytest.approx([1 - r.ci[1], 1 - r.ci[0]])


@pytest.mark.parametrize("fn,args", [
    ("simulate_kappa_precision", (0.5, [0.5, 0.5], [50])),
    ("n_for_kappa_simulated", (0.5, [0.5, 0.5], 0.2)),
    ("n_for_agreement_simulated", (0.9, 0.1)),
])
@pytest.mark.parametrize("bad", [{"n_sim": 1}, {"n_sim": 10**9}, {"confidence": 95},
                                 {"seed": -1}])
def test_simulation_options_checked_at_the_door(fn, args, bad):
    with pytest.raises(rl.OptionError, match=next(iter(bad))):
        getattr(rl.consistency, fn)(*args, **bad)
