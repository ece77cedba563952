"""Gwet's weight family by name (issue 19): ordinal, radical, ratio, circular, bipolar beside
identity/linear/quadratic, checked against Gwet's irrCAC 0.4.4 (values computed by
tests/data/scripts/make_gwet_weights.py into tests/data/gwet_weights_irrcac.json).

Tolerance 1e-9: irrCAC's outputs were written with 15 digits; the formulas are closed form,
so our values agree to rounding (about 1e-15 in practice)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliability as rl
from reliability.agreement import weight_matrix
from reliability.agreement._weights import KINDS

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "gwet_weights_irrcac.json").read_text())
FUNCTIONS = {"gwet": rl.gwet_ac1, "cohen": rl.cohen_kappa, "scott": rl.scott_pi,
             "bp": rl.brennan_prediger, "krippendorff": rl.krippendorff_alpha}
CASES = [(t, k, m) for t in REF["tables"] for k in REF["tables"][t] for m in FUNCTIONS
         if m in REF["tables"][t][k]]


@pytest.mark.parametrize("table,kind", sorted({(t, k) for t, k, _ in CASES}))
def test_weight_matrix_equals_irrcac(table, kind):
    expected = np.array(REF["tables"][table][kind]["weights"])
    got = weight_matrix(kind, n_categories=expected.shape[0])
    np.testing.assert_allclose(got, expected, atol=1e-12)


@pytest.mark.parametrize("table,kind,method", CASES)
def test_weighted_coefficients_equal_irrcac(table, kind, method):
    ref = REF["tables"][table][kind][method]
    t = pd.read_csv(DATA / f"{table}.csv", index_col=0)
    e = FUNCTIONS[method](t, shape="table", weights=kind)
    assert e.estimate == pytest.approx(ref["estimate"], abs=1e-9)
    assert e.se == pytest.approx(ref["se"], abs=1e-9)


def test_every_named_kind_is_checked():
    assert set(KINDS) == set(REF["tables"]["gwet_cont4x4diagnosis"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 50, allow_nan=False), min_size=2, max_size=7, unique=True),
       st.sampled_from(KINDS))
def test_weights_are_agreement_weights(values, kind):
    """Every named weighting: 1 on the diagonal, within [0, 1], symmetric."""
    x = np.sort(np.asarray(values))
    w = weight_matrix(kind, x)
    np.testing.assert_allclose(np.diag(w), 1.0)
    assert (w >= -1e-12).all() and (w <= 1 + 1e-12).all()
    np.testing.assert_allclose(w, w.T, atol=1e-12)


def test_unknown_weights_name_is_an_option_error():
    with pytest.raises(rl.OptionError, match="radical"):
        rl.cohen_kappa(pd.DataFrame({"a": [1, 2], "b": [1, 2]}), weights="cubic")
