import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability import ReliabilityError


def test_wide_csv_counts_match_fleiss_layout(data_dir):
    r = rl.as_ratings(data_dir / "fleiss1971_diagnoses.csv")
    assert (r.n_units, r.n_raters, r.n_categories) == (30, 6, 5)
    assert (r.counts.sum(axis=1) == 6).all()
    # counts equal a direct tally of the wide table
    wide = pd.read_csv(data_dir / "fleiss1971_diagnoses.csv").set_index("unit")
    direct = np.stack([(wide == c).sum(axis=1).to_numpy() for c in r.categories], axis=1)
    np.testing.assert_array_equal(r.counts, direct)


def test_table_round_trip(data_dir):
    r = rl.as_ratings(data_dir / "vcd_sexualfun.csv", shape="table", level="ordinal")
    table = pd.read_csv(data_dir / "vcd_sexualfun.csv", index_col=0).to_numpy()
    np.testing.assert_array_equal(r.pair_table(), table)
    assert r.categories[0] == "Never Fun"


def test_long_and_wide_agree():
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.integers(1, 5, size=(20, 3)), columns=["a", "b", "c"]).astype(float)
    wide.iloc[3, 1] = np.nan
    long = wide.stack().rename("rating").reset_index()
    long.columns = ["unit", "rater", "rating"]
    a = rl.as_ratings(wide)
    b = rl.as_ratings(long)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.codes, b.codes)


def test_errors_name_the_problem():
    df = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b", "a", "a"], "rating": [1, 2, 3, 4]})
    with pytest.raises(ReliabilityError, match="unit 2 by rater 'a'"):
        rl.as_ratings(df)
    df = pd.DataFrame({"unit": [1, 1], "rater": ["a", "b"], "rating": ["G", "O"]})
    with pytest.raises(ReliabilityError, match="order"):
        rl.as_ratings(df, level="ordinal")
    with pytest.raises(ReliabilityError, match="'ratng' not found.*'rating'"):
        rl.as_ratings(df, rating="ratng")
    with pytest.raises(ReliabilityError, match="'RI'.*not one of the categories"):
        rl.as_ratings(pd.DataFrame({"unit": [1, 1], "rater": [1, 2], "rating": ["G", "RI"]}),
                      categories=["O", "G"])
    with pytest.raises(ReliabilityError, match="non-numeric rating 'x'"):
        rl.as_ratings(pd.DataFrame({"a": [1, "x"], "b": [2, 3]}), level="interval")
    with pytest.raises(ReliabilityError, match="negative rating"):
        rl.as_ratings(pd.DataFrame({"a": [1, -2], "b": [2, 3]}), level="ratio")


def test_units_with_one_rating_dropped_with_count():
    wide = pd.DataFrame({"a": [1, 2, np.nan], "b": [1, 2, 3]})
    with pytest.warns(rl.DataWarning, match="dropped 1 unit"):
        r = rl.as_ratings(wide)
    assert r.n_units == 2
    with pytest.raises(ReliabilityError, match="no unit has at least 2"):
        rl.as_ratings(pd.DataFrame({"a": [1, np.nan], "b": [np.nan, 2]}))
