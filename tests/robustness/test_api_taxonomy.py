"""Bad and degenerate inputs through the API: a ReliabilityError naming the problem, or a
correct result (NaN with a reason where a coefficient is undefined), never another exception."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reliability as rl
from reliability import ReliabilityError

ENTRY_POINTS = {
    "as_ratings": lambda d, **kw: rl.as_ratings(d, **kw),
    "agreement": lambda d, **kw: rl.agreement(d, **kw),
    # ICC always analyses numbers (interval level); it takes no level or categories
    "icc": lambda d, **kw: rl.icc(d, **{k: v for k, v in kw.items()
                                        if k not in ("categories", "level")}),
}

BAD = [
    # (name, data, kwargs, message fragment)
    ("duplicate pair", pd.DataFrame({"unit": [1, 1, 1], "rater": ["a", "a", "b"],
                                     "rating": [1, 2, 1]}), {}, "duplicate"),
    ("missing column", pd.DataFrame({"unit": [1, 1], "rater": ["a", "b"], "score": [1, 2]}),
     {}, "'rating' not found"),
    ("text at interval level", pd.DataFrame({"a": [1, "x", 3], "b": [1, 2, 3]}),
     {"level": "interval"}, "non-numeric"),
    ("infinite", pd.DataFrame({"a": [1.0, np.inf], "b": [1.0, 2.0]}),
     {"level": "interval"}, "infinite"),
    ("negative at ratio", pd.DataFrame({"a": [1.0, -2.0], "b": [1.0, 2.0]}),
     {"level": "ratio"}, "negative"),
    ("header only", pd.DataFrame({"unit": [], "rater": [], "rating": []}), {}, "no rows"),
]


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("name,data,kwargs,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_problem(entry, name, data, kwargs, fragment):
    if entry == "icc" and name == "negative at ratio":
        return  # ICC has no ratio level: negative scores are valid interval data
    with pytest.raises(ReliabilityError, match=fragment):
        ENTRY_POINTS[entry](data, **kwargs)


@pytest.mark.parametrize("entry", ["as_ratings", "agreement"])
def test_unknown_category_and_unordered_text(entry):
    df = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["a", "b", "a", "b"],
                       "rating": ["Good", "Outstanding", "Good", "Great"]})
    with pytest.raises(ReliabilityError, match="'Great'.*row 4"):
        ENTRY_POINTS[entry](df, categories=["Outstanding", "Good"])
    with pytest.raises(ReliabilityError, match="order"):
        ENTRY_POINTS[entry](df, level="ordinal")


def test_all_ratings_identical_gives_nan_with_reason():
    table = rl.agreement(pd.DataFrame({"a": [2] * 6, "b": [2] * 6, "c": [2] * 6}))
    assert table["percent_agreement"].estimate == 1
    for key in ("fleiss_kappa", "krippendorff_alpha", "conger_kappa", "scott_pi"):
        est = table[key]
        assert math.isnan(est.estimate) and est.reason, key


def test_one_rater_gives_nan_with_reason():
    table = rl.agreement(pd.DataFrame({"a": [1, 2, 3, 1]}))
    for key in table:
        assert math.isnan(table[key].estimate) and "one rater" in table[key].reason, key
    with pytest.raises(ReliabilityError, match="at least 2"):
        rl.as_ratings(pd.DataFrame({"a": [1, 2, 3, 1]}))  # no unit has two ratings


def test_no_unit_with_two_ratings_gives_nan_with_reason():
    table = rl.agreement(pd.DataFrame({"a": [1.0, np.nan], "b": [np.nan, 2.0]}))
    for key in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        assert math.isnan(table[key].estimate) and table[key].reason, key


def test_category_never_used_changes_only_chance_terms():
    df = pd.DataFrame({"a": [1, 2, 1, 2, 1], "b": [1, 2, 2, 2, 1]})
    declared = rl.agreement(df, categories=[1, 2, 3])
    observed = rl.agreement(df)
    # kappa-type coefficients do not depend on an empty category; BP and AC1 do (q changes)
    assert declared["fleiss_kappa"].estimate == pytest.approx(observed["fleiss_kappa"].estimate)
    assert declared["brennan_prediger"].estimate != pytest.approx(
        observed["brennan_prediger"].estimate)


def test_large_ids_and_unicode_names():
    ids = np.array([2**62 + i for i in range(6)], dtype=np.int64)
    long = pd.DataFrame({"unit": np.repeat(ids, 2), "rater": ["Inspectrice É", "検査官"] * 6,
                         "rating": [1, 1, 2, 2, 1, 2, 2, 2, 1, 1, 2, 1]})
    r = rl.as_ratings(long)
    assert r.n_units == 6 and r.n_raters == 2
    assert int(r.unit_labels[0]) == 2**62
    assert np.isfinite(rl.cohen_kappa(r).estimate)


def test_extremely_unbalanced_raters():
    rng = np.random.default_rng(0)
    rows = [(u, "busy", int(rng.integers(1, 4))) for u in range(300)]
    rows += [(u, f"rare{u}", int(rng.integers(1, 4))) for u in range(300)]
    df = pd.DataFrame(rows, columns=["unit", "rater", "rating"])
    table = rl.agreement(df)
    assert table.info["n_raters"] == 301
    assert -1 <= table["krippendorff_alpha"].estimate <= 1


# --------------------------------------------------------------- random malformed inputs
cell = st.one_of(st.none(), st.integers(-3, 5), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["", "x", "Good", "NULL", "1", "2.5", " "]), st.booleans())


@st.composite
def malformed_frames(draw):
    n_rows = draw(st.integers(0, 6))
    n_cols = draw(st.integers(0, 4))
    names = draw(st.lists(st.sampled_from(["unit", "rater", "rating", "a", "b", "c", ""]),
                          min_size=n_cols, max_size=n_cols, unique=True))
    data = {name: draw(st.lists(cell, min_size=n_rows, max_size=n_rows)) for name in names}
    return pd.DataFrame(data, dtype=object)


@given(frame=malformed_frames(), level=st.sampled_from(["nominal", "ordinal", "interval",
                                                         "ratio"]),
       shape=st.sampled_from([None, "long", "wide", "counts", "table"]))
def test_malformed_frames_raise_only_library_errors(frame, level, shape):
    for entry in ("as_ratings", "agreement"):
        try:
            ENTRY_POINTS[entry](frame, level=level, shape=shape)
        except ReliabilityError:
            pass


@given(frame=malformed_frames())
def test_malformed_frames_icc_only_library_errors(frame):
    try:
        rl.icc(frame)
    except ReliabilityError:
        pass
