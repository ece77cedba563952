"""Classic reference loaders and the Ofsted 2017 short-inspection table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from reliability._errors import ReliabilityError
from reliability.data import as_ratings
from reliability.datasets import (load_brennan_synthetic1, load_fleiss1971,
                                  load_inspections_synthetic, load_krippendorff_example,
                                  load_ofsted_2017_short_inspections, load_shrout_fleiss1979,
                                  load_vcd_sexualfun)
from conftest import DATA, load_reference


@pytest.mark.parametrize("loader,name", [
    (load_fleiss1971, "fleiss1971_diagnoses"),
    (load_shrout_fleiss1979, "shrout_fleiss_1979"),
    (load_krippendorff_example, "krippendorff_reliability_data"),
    (load_brennan_synthetic1, "brennan_synthetic1_pxi"),
])
def test_wide_loaders_match_test_copies(loader, name):
    got = loader()
    raw = pd.read_csv(DATA / f"{name}.csv").set_index("unit")
    assert got.index.name == "unit"
    pd.testing.assert_frame_equal(got, raw, check_dtype=False)


def test_fleiss_categories_match_reference():
    ref = load_reference("fleiss1971_diagnoses")
    got = load_fleiss1971()
    assert sorted(pd.unique(got.to_numpy().ravel())) == sorted(ref["categories"])


def test_vcd_table_shape_and_reference_categories():
    ref = load_reference("vcd_sexualfun")
    t = load_vcd_sexualfun()
    assert list(t.index) == list(t.columns) == list(ref["categories"])
    raw = pd.read_csv(DATA / "vcd_sexualfun.csv").set_index("rater1")
    pd.testing.assert_frame_equal(t, raw)
    assert t.to_numpy().dtype.kind == "i"


def test_krippendorff_example_has_missing_as_nan():
    k = load_krippendorff_example()
    raw = pd.read_csv(DATA / "krippendorff_reliability_data.csv")
    assert int(k.isna().sum().sum()) == int(raw.iloc[:, 1:].isna().sum().sum()) > 0


def test_inspections_synthetic_truth():
    frame, truth = load_inspections_synthetic(return_truth=True)
    assert frame.attrs["truth"] == truth
    assert truth["realized"]["N"] == len(frame)
    marg = np.bincount(frame["grade"], minlength=5)[1:] / len(frame)
    np.testing.assert_allclose(marg, truth["realized"]["realized_grade_marginals"], atol=1e-12)


@pytest.mark.parametrize("split", [(2, 0), (1, 1), (0, 2)])
@pytest.mark.parametrize("c", [0, 5, 22])
def test_short_inspections_table(split, c):
    f = load_ofsted_2017_short_inspections(disagreement_split=split, n_converted_agreed=c)
    assert len(f) == 24 and f["school"].is_unique
    agree = f["inspector_a"] == f["inspector_b"]
    assert int(agree.sum()) == 22
    a_conv = (f["inspector_a"] == "converts") & (f["inspector_b"] == "remains good")
    b_conv = (f["inspector_a"] == "remains good") & (f["inspector_b"] == "converts")
    assert (int(a_conv.sum()), int(b_conv.sum())) == split
    assert int(((f["inspector_a"] == "converts") & agree).sum()) == c
    assert f.attrs["assumptions"]["disagreement_split"] == list(split)
    assert f.attrs["assumptions"]["n_converted_agreed"] == c
    assert "not published" in f.attrs["assumptions"]["note"]


def test_short_inspections_kappa_depends_on_assumption():
    # same 22/24 agreement, different kappas (sklearn as an independent computation)
    k0 = cohen_kappa_score(*[load_ofsted_2017_short_inspections()[c].astype(str)
                             for c in ("inspector_a", "inspector_b")])
    f5 = load_ofsted_2017_short_inspections(n_converted_agreed=5)
    k5 = cohen_kappa_score(f5["inspector_a"].astype(str), f5["inspector_b"].astype(str))
    assert k0 < 0 < k5
    r = as_ratings(f5.set_index("school"), shape="wide", level="nominal")
    assert r.pair_table().sum() == 24


@pytest.mark.parametrize("kw", [dict(disagreement_split=(2, 1)),
                                dict(disagreement_split=(-1, 3)),
                                dict(disagreement_split="x"),
                                dict(n_converted_agreed=23), dict(n_converted_agreed=1.5)])
def test_short_inspections_bad_assumptions(kw):
    with pytest.raises(ReliabilityError):
        load_ofsted_2017_short_inspections(**kw)
