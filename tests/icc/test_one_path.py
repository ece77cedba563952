"""icc() on complete data takes a fast path; it must check its input as as_ratings does
(issue 15: a square contingency table gave ICC2 = -0.795 while the same table with one NaN
was refused)."""

import numpy as np
import pandas as pd
import pytest

import reliability as rl

TABLE = [[10, 2, 1], [3, 12, 2], [1, 2, 9]]


@pytest.mark.parametrize("make", [
    lambda: pd.DataFrame(TABLE, index=list("abc"), columns=list("abc")),
    lambda: np.array(TABLE),
    lambda: np.array(TABLE, dtype=float),
])
@pytest.mark.parametrize("with_nan", [False, True])
def test_square_table_refused_with_or_without_missing(make, with_nan):
    data = make()
    if with_nan:
        data = data.astype(float)
        if isinstance(data, pd.DataFrame):
            data.iloc[0, 0] = np.nan
        else:
            data[0, 0] = np.nan
    with pytest.raises(rl.ReliabilityError, match="contingency table"):
        rl.icc(data)


def test_shape_wide_reads_a_square_table_as_ratings():
    """Saying shape='wide' is the way to analyse square wide data: both paths agree."""
    data = np.array(TABLE, dtype=float)
    fast = rl.icc(data, shape="wide")
    slow = rl.icc(rl.as_ratings(data, shape="wide", level="interval"))
    for form in ("ICC1", "ICC2", "ICC3"):
        assert fast[form].estimate == pytest.approx(slow[form].estimate, abs=1e-12)


def test_complete_and_incomplete_paths_agree_on_rectangular_data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(25, 4)) + rng.normal(size=(25, 1))
    frame = pd.DataFrame(x, columns=list("pqrs"))
    fast = rl.icc(frame)
    slow = rl.icc(rl.as_ratings(frame, level="interval"))
    assert fast["ICC2"].estimate == pytest.approx(slow["ICC2"].estimate, abs=1e-12)
    assert fast["ICC2"].ci == pytest.approx(slow["ICC2"].ci, abs=1e-12)


def test_oneway_icc_is_the_icc1_of_icc():
    """oneway_icc (used by the HTML report's inspector share) equals icc()'s ICC1 on balanced
    (ANOVA) and unbalanced (REML) data: one implementation of ICC(1)."""
    from reliability.icc import oneway_icc

    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 1)) + rng.normal(size=(30, 4))
    groups = np.repeat(np.arange(30), 4)
    one = oneway_icc(x.ravel(), groups)
    assert one.estimate == pytest.approx(rl.icc(x)["ICC1"].estimate, abs=1e-9)
    # balanced data: the interval is icc()'s exact F interval
    assert tuple(one.ci) == pytest.approx(tuple(rl.icc(x)["ICC1"].ci), abs=1e-9)
    x[::3, 2] = np.nan
    long = pd.DataFrame({"unit": groups, "rater": np.tile(np.arange(4), 30),
                         "rating": x.ravel()}).dropna()
    assert oneway_icc(long["rating"], long["unit"]).estimate == pytest.approx(
        rl.icc(long, shape="long")["ICC1"].estimate, abs=1e-9)
    empty = oneway_icc([1.0, 2.0], ["a", "b"])               # no group with two values
    assert np.isnan(empty.estimate) and empty.reason
