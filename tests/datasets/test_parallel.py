"""ParallelInspections: schools x teams data model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from reliability._errors import DataWarning, ReliabilityError
from reliability.datasets import GRADES, ParallelInspections


def _frame():
    return pd.DataFrame({
        "school": [1, 1, 2, 2, 3, 3, 4, 4],
        "team": ["A", "B"] * 4,
        "overall": [1, 2, "Good", "good", 3, 4, "Requires improvement", 3],
        "quality_of_education": [1, 1, 2, None, 3, 3, 2, 2],
    })


def test_from_frame_and_to_ratings_match_crosstab():
    pi = ParallelInspections.from_frame(_frame())
    assert pi.judgements == ("overall", "quality_of_education")
    assert pi.n_schools == 4 and pi.n_teams == 2
    assert list(pi.frame["overall"].cat.categories) == list(GRADES)
    r = pi.to_ratings("overall")
    assert r.level == "ordinal" and list(r.categories) == list(GRADES)
    # second method: pandas crosstab of the two teams' grades
    wide = pi.frame.pivot(index="school", columns="team", values="overall")
    ct = pd.crosstab(pd.Categorical(wide["A"], categories=GRADES),
                     pd.Categorical(wide["B"], categories=GRADES), dropna=False)
    np.testing.assert_array_equal(r.pair_table(), ct.to_numpy())


def test_missing_judgement_dropped_from_ratings():
    pi = ParallelInspections.from_frame(_frame())
    # school 2 has one quality grade: dropped (with a warning) at the default min_ratings=2
    with pytest.warns(DataWarning, match="dropped 1"):
        r = pi.to_ratings("quality_of_education")
    assert len(r.code) == 6 and r.n_units == 3
    assert len(pi.to_ratings("quality_of_education", min_ratings=1).code) == 7


def test_frozen():
    pi = ParallelInspections.from_frame(_frame())
    with pytest.raises(Exception):
        pi.judgements = ()


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.rename(columns={"team": "teams"}), "'team' not found.*did you mean 'teams'"),
    (lambda d: d.assign(overall=d["overall"].replace({4: 7})), r"'overall' row 6: 7"),
    (lambda d: pd.concat([d, d.iloc[[0]]]), "two rows for team 'A'"),
    (lambda d: d.assign(team="A").drop_duplicates("school"), "at least 2 teams"),
    (lambda d: d.assign(school=d["school"].where(d.index != 2)), "'school' is missing at row 3"),
])
def test_validation_errors(mutate, match):
    with pytest.raises(ReliabilityError, match=match):
        ParallelInspections.from_frame(mutate(_frame()))


def test_unknown_judgement_suggests():
    pi = ParallelInspections.from_frame(_frame())
    with pytest.raises(ReliabilityError, match="did you mean 'overall'"):
        pi.to_ratings("overal")


@given(st.permutations(range(8)))
def test_row_order_does_not_change_pair_table(order):
    base = ParallelInspections.from_frame(_frame()).to_ratings("overall").pair_table()
    shuffled = _frame().iloc[list(order)].reset_index(drop=True)
    got = ParallelInspections.from_frame(shuffled).to_ratings("overall").pair_table()
    np.testing.assert_array_equal(got, base)
