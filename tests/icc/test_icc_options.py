"""icc(): one input path for complete and incomplete data, options checked at the door,
intervals labelled by their method, the deprecated ``bootstrap=`` alias."""

import warnings

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from reliability import ReliabilityError
from reliability._results import ConfidenceInterval, Estimate
from reliability._validation import OptionError, option_table
from reliability.icc import icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
TABLE = pd.DataFrame([[10, 2, 1], [3, 12, 2], [1, 2, 9]], index=["a", "b", "c"],
                     columns=["a", "b", "c"])


def test_complete_and_incomplete_input_get_the_same_checks():
    # Before: complete numeric data skipped the input layer, so a square contingency table
    # gave ICC2 = -0.85 while the same table with one NaN was refused.
    with pytest.raises(ReliabilityError, match="contingency table"):
        icc(TABLE)
    gap = TABLE.astype(float)
    gap.iloc[0, 1] = np.nan
    with pytest.raises(ReliabilityError, match="contingency table"):
        icc(gap)
    # said explicitly, the same numbers are analysed as wide data or as a table
    assert np.isfinite(icc(TABLE, shape="wide")["ICC2"].estimate)
    assert icc(TABLE.set_axis([1, 2, 3]).set_axis([1, 2, 3], axis=1),
               shape="table").n_units == int(TABLE.to_numpy().sum())


def test_complete_input_refuses_what_the_input_layer_refuses(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("unit,a,a\n1,1,2\n2,2,3\n3,3,1\n")
    with pytest.raises(ReliabilityError, match="duplicated column"):
        icc(path)
    with pytest.raises(ReliabilityError, match="infinite"):
        icc(np.array([[1.0, np.inf], [2.0, 3.0], [1.0, 1.0]]))
    with pytest.raises(ReliabilityError, match="2 raters"):
        icc(np.arange(5.0).reshape(5, 1))


def test_paths_frames_arrays_and_ratings_agree_on_complete_data():
    from reliability import as_ratings

    frame = pd.read_csv(DATA / "shrout_fleiss_1979.csv").set_index("unit")
    ref = icc(frame)
    for other in (frame.to_numpy(), as_ratings(frame, level="interval"),
                  DATA / "shrout_fleiss_1979.csv"):
        got = icc(other)
        for form in FORMS:
            assert got[form].estimate == pytest.approx(ref[form].estimate, abs=1e-12)
            assert got[form].ci == pytest.approx(ref[form].ci, abs=1e-12)


BAD = [
    (dict(confidence=1.5), "confidence=1.5", "(0, 1)"),
    (dict(confidence=95), "confidence=95", "(0, 1)"),
    (dict(method="x"), "method='x'", "'anova', 'reml', 'auto'"),
    (dict(n_resamples=1), "n_resamples=1", "0 or an integer from 2"),
    (dict(n_resamples=-1), "n_resamples=-1", "0 or an integer from 2"),
    (dict(n_resamples=10 ** 9), "n_resamples=1000000000", "1000000"),
    (dict(n_resamples=2.5), "n_resamples=2.5", "integer"),
    (dict(bootstrap=1), "bootstrap=1", "0 or an integer from 2"),
    (dict(seed=-1), "seed=-1", "integer >= 0"),
    (dict(bootstrap_method="basic"), "bootstrap_method='basic'", "'percentile', 'bca'"),
    (dict(shape="counts"), "shape='counts'", "'long', 'wide', 'table'"),
]


@pytest.mark.parametrize("bad, named, allowed", BAD, ids=[b[1] for b in BAD])
def test_bad_options_are_refused_before_data_are_read(bad, named, allowed):
    # a path that does not exist: the option error must come first
    with pytest.raises(OptionError) as exc:
        icc("no/such/file.csv", **bad)
    assert named in str(exc.value) and allowed in str(exc.value)
    assert "\n" not in str(exc.value)


def test_options_are_keyword_only_and_in_the_option_table():
    import inspect

    sig = inspect.signature(icc)
    assert all(p.kind is p.KEYWORD_ONLY for name, p in sig.parameters.items()
               if name != "ratings")
    table = option_table()
    mine = set(table.loc[table["function"] == "reliability.icc.icc", "option"])
    assert {"confidence", "method", "n_resamples", "seed", "bootstrap_method", "shape",
            "bootstrap"} <= mine


def test_bootstrap_alias_warns_at_the_callers_line_and_gives_the_same_result():
    import reliability as rl

    x = np.random.default_rng(3).normal(size=(20, 3))
    new = icc(x, n_resamples=50, seed=4)
    for fn in (icc, rl.icc):   # the callable module adds a frame: still the caller's line
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            old = fn(x, bootstrap=50, seed=4)
        dep = [w for w in caught if issubclass(w.category, DeprecationWarning)]
        assert len(dep) == 1 and "n_resamples" in str(dep[0].message)
        assert dep[0].filename == __file__
        assert old["ICC2"].extra["bootstrap"] == new["ICC2"].extra["bootstrap"]
    with pytest.raises(OptionError, match="both given"):
        icc(x, bootstrap=50, n_resamples=60)


def test_forms_follow_the_result_protocol():
    res = icc(DATA / "shrout_fleiss_1979.csv")
    for form in FORMS:
        f = res[form]
        assert isinstance(f, Estimate) and isinstance(f.ci, ConfidenceInterval)
        assert f.p == f.p_value and f.confidence == 0.95
        frame = f.to_frame()
        assert {"ci_low", "ci_high", "confidence", "p_value", "ci_method"} <= set(frame.columns)
        assert "<table" in f._repr_html_()


@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_recomputed_f_interval_equals_a_fresh_call(level):
    # second method: icc() itself called at the other level
    x = pd.read_csv(DATA / "pingouin_wine_icc.csv").set_index("unit")
    stored, fresh = icc(x), icc(x, confidence=level)
    for form in FORMS:
        np.testing.assert_allclose(stored[form].confidence_interval(level), fresh[form].ci,
                                   rtol=1e-12, atol=1e-14)


def test_bootstrap_interval_is_not_recomputed_at_another_level():
    d = pd.DataFrame({"unit": [1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5],
                      "rater": list("abab" "cabab" "cab"),
                      "rating": [1, 2, 2, 3, 3, 4, 4, 1, 2, 2, 5, 4.0]})
    res = icc(d, n_resamples=20, seed=1)
    assert res.method == "reml" and res["ICC1"].ci_method.startswith("bootstrap")
    with pytest.raises(ReliabilityError, match="confidence=0.9"):
        res["ICC1"].confidence_interval(0.9)


def test_intervals_are_labelled_by_their_method():
    x = pd.read_csv(DATA / "pingouin_wine_icc.csv").set_index("unit")
    plain, boot = icc(x), icc(x, n_resamples=3, seed=0)
    # a bootstrap of 3 resamples never replaces the exact interval
    for form in FORMS:
        assert boot[form].ci == plain[form].ci and boot[form].ci_method == "exact F"
        assert boot[form].extra["bootstrap"]["n_resamples"] == 3
    assert "exact F" in plain.summary() and "B=3" in boot.summary()
    d = boot.to_dict()
    assert d["ci_method"] == "exact F" and d["icc"]["ICC2"]["ci_method"] == "exact F"
    assert d["icc"]["ICC2"]["bootstrap"]["method"].endswith("B=3)")
