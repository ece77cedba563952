"""Counts and contingency tables: bad cells refused naming the cell (issue 15)."""

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability import ReliabilityError


@pytest.mark.parametrize("bad, word", [(np.inf, "infinite"), (-1, "negative"), (1.5, "non-integer"),
                                       (np.nan, "missing")])
def test_bad_table_cell_named(bad, word):
    table = pd.DataFrame([[3.0, bad], [1.0, 2.0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ReliabilityError, match=f"{word} count.*row 'a', column 'b'"):
        rl.cohen_kappa(table, shape="table")
    counts = pd.DataFrame({"x": [3.0, bad], "y": [1.0, 2.0]}, index=["u1", "u2"])
    with pytest.raises(ReliabilityError, match=f"{word} count.*row 'u2', column 'x'"):
        rl.fleiss_kappa(counts, shape="counts")


def test_bad_count_in_csv_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("grade,a,b\na,3,inf\nb,1,2\n")
    with pytest.raises(ReliabilityError, match="infinite count at row 'a', column 'b'"):
        rl.agreement(path, shape="table")
