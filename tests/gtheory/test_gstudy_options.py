"""g_study(): options checked at the door, unit= (object= deprecated), roles distinct."""

import inspect
import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from reliability import ReliabilityError
from reliability._validation import OptionError, option_table
from reliability.gtheory import g_study

BRENNAN = DATA / "brennan_synthetic1_pxi.csv"

BAD = [
    (dict(method="x"), "method='x'", "'auto', 'anova', 'reml'"),
    (dict(confidence=1.5), "confidence=1.5", "(0, 1)"),
    (dict(n_resamples=1), "n_resamples=1", "0 or an integer from 2"),
    (dict(n_resamples=-5), "n_resamples=-5", "0 or an integer from 2"),
    (dict(seed=-1), "seed=-1", "integer >= 0"),
    (dict(bootstrap_method="basic"), "bootstrap_method='basic'", "'percentile', 'bca'"),
    (dict(facets=("a", "b", "c")), "facets=", "one or two distinct facet columns"),
    (dict(facets=("a", "a")), "facets=", "one or two distinct facet columns"),
    (dict(facets=3), "facets=3", "one or two distinct facet columns"),
    (dict(facets=("rater",), nested="o:p"), "nested='o:p'", "'r:p'"),
    (dict(score="unit"), "'unit'", "both the unit and the score column"),
    (dict(facets=("unit",)), "'unit'", "both the unit and the facet column"),
    (dict(unit="rater", facets="rater,occasion"), "'rater'", "unit and the facet"),
]


@pytest.mark.parametrize("bad, named, allowed", BAD, ids=[b[1] + str(i) for i, b in enumerate(BAD)])
def test_bad_options_are_refused_before_data_are_read(bad, named, allowed):
    with pytest.raises(OptionError) as exc:
        g_study("no/such/file.csv", **bad)
    assert named in str(exc.value) and allowed in str(exc.value)
    assert "\n" not in str(exc.value)


def test_options_are_keyword_only_and_in_the_option_table():
    sig = inspect.signature(g_study)
    assert all(p.kind is p.KEYWORD_ONLY for name, p in sig.parameters.items() if name != "data")
    table = option_table()
    mine = set(table.loc[table["function"] == "reliability.gtheory.g_study", "option"])
    assert {"confidence", "method", "n_resamples", "seed", "bootstrap_method", "facets"} <= mine


def test_object_is_a_deprecated_alias_of_unit():
    new = g_study(BRENNAN, unit="unit", facets="item")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = g_study(BRENNAN, object="unit", facets="item")
        name, n = old.object, old.n_objects
    dep = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(dep) == 3 and all(w.filename == __file__ for w in dep)
    assert "unit=" in str(dep[0].message)
    assert (name, n) == (new.unit, new.n_units) == ("unit", 10)
    pd.testing.assert_frame_equal(old.components, new.components)
    with pytest.raises(OptionError, match="both given"):
        g_study(BRENNAN, object="unit", unit="school", facets="item")


def test_d_study_and_minimal_design_options():
    res = g_study(BRENNAN, facets="item")
    for bad in (dict(target=1.5), dict(target=0), dict(coefficient="rho"), dict(max_n=0),
                dict(max_n=10 ** 6), dict(max_n={"item": 2.5}), dict(cost={"item": -1}),
                dict(cost=3)):
        with pytest.raises(OptionError):
            res.minimal_design(**bad)
    with pytest.raises(ReliabilityError, match="grader"):
        res.minimal_design(0.8, max_n={"grader": 3})
    for bad in (0, -1, float("nan"), "3", True):
        with pytest.raises(OptionError, match="D-study size"):
            res.coefficients(item=bad)
        with pytest.raises(OptionError, match="D-study size"):
            res.d_study(item=[1, bad])
    # a fractional planned size is allowed (harmonic means are)
    assert np.isfinite(res.coefficients(item=2.5)[0])
