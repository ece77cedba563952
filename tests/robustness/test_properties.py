"""Cross-cutting properties on random valid ratings tables (hypothesis).

Per-module properties (bounds, relabelling, identity weights, permutations) live beside each
module (tests/agreement/test_properties.py, tests/icc/test_icc_properties.py); this file
checks what crosses modules: the streaming, in-memory and Dask input paths give the same
results, ICC by ANOVA equals ICC by REML on balanced data, bootstraps are reproducible with
a seed, every coefficient of the agreement table stays in its bounds and is invariant to
permuting units and raters, and the degenerate corners (expected agreement 1, values near
the float limits) give NaN with a reason rather than a wrong number.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import reliability as rl

from .test_taxonomy import check_nan_contract

dd = pytest.importorskip("dask.dataframe", reason="dask is an optional dependency")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@st.composite
def wide_tables(draw, min_units=3, max_units=25, min_raters=2, max_raters=5, missing=True):
    """Wide unit x rater tables of grades 1..4 with some missing cells."""
    n = draw(st.integers(min_units, max_units))
    k = draw(st.integers(min_raters, max_raters))
    x = draw(arrays(np.float64, (n, k), elements=st.integers(1, 4).map(float)))
    if missing:
        holes = draw(arrays(np.bool_, (n, k), elements=st.booleans()))
        holes &= draw(st.booleans())  # often no holes at all
        x[holes] = np.nan
    assume((np.sum(~np.isnan(x), axis=1) >= 2).any())
    return pd.DataFrame(x, columns=[f"r{j}" for j in range(k)],
                        index=pd.Index([f"s{i}" for i in range(n)], name="unit"))


def _table_values(table):
    return {key: (table[key].estimate, table[key].se) for key in table}


def _same(a, b, rel=1e-9, abs_=1e-12):
    assert a.keys() == b.keys()
    for key in a:
        for x, y in zip(a[key], b[key]):
            if x is None or (isinstance(x, float) and math.isnan(x)):
                assert y is None or math.isnan(y), key
            else:
                assert y == pytest.approx(x, rel=rel, abs=abs_), key


# ------------------------------------------------------------- input paths agree
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
          max_examples=25)
@given(wide=wide_tables(), level=st.sampled_from(["nominal", "ordinal", "interval"]))
def test_streaming_in_memory_and_dask_paths_agree(wide, level, tmp_path_factory):
    # Exact equality is expected (same integer coding, same kernels); a 1e-9 relative
    # tolerance only absorbs summation-order differences.
    path = tmp_path_factory.mktemp("paths") / "wide.csv"
    wide.to_csv(path)
    memory = _quiet(rl.agreement, _quiet(rl.as_ratings, wide, shape="wide", level=level))
    streamed = _quiet(rl.agreement, _quiet(rl.read_ratings, path, shape="wide", unit="unit",
                                           level=level, chunksize=7))
    long = wide.reset_index().melt(id_vars="unit", var_name="rater", value_name="rating")
    long = long.dropna(subset=["rating"])
    lazy = _quiet(rl.agreement, _quiet(rl.as_ratings, dd.from_pandas(long, npartitions=3,
                                                                     sort=False), level=level))
    _same(_table_values(memory), _table_values(streamed))
    _same(_table_values(memory), _table_values(lazy))


# ------------------------------------------------------------ agreement table
@given(wide=wide_tables(), data=st.data())
def test_agreement_bounds_and_permutation_invariance(wide, data):
    table = _quiet(rl.agreement, wide)
    check_nan_contract(table.to_dict(), "agreement")
    for key in table:
        est = table[key]
        if key in ("bowker_test", "stuart_maxwell_test", "prevalence_index", "bias_index"):
            continue
        if not math.isnan(est.estimate):
            assert est.estimate <= 1 + 1e-12, key
            if key in ("percent_agreement", "max_kappa"):
                assert est.estimate >= -1e-12, key
    units = data.draw(st.permutations(range(len(wide))))
    raters = data.draw(st.permutations(range(wide.shape[1])))
    permuted = _quiet(rl.agreement, wide.iloc[units, raters])
    # Raters' order matters for nothing but the sign conventions of bias/prevalence
    # indices of two raters, which these sums do not use.
    _same(_table_values(table), _table_values(permuted))


@given(wide=wide_tables(missing=False))
def test_identity_weights_equal_unweighted(wide):
    q = len(np.unique(wide.to_numpy()))
    plain = _quiet(rl.agreement, wide, categories=[1, 2, 3, 4])
    weighted = _quiet(rl.agreement, wide, categories=[1, 2, 3, 4], weights=np.eye(4))
    assert q >= 1
    for key in ("cohen_kappa", "conger_kappa", "fleiss_kappa", "scott_pi", "brennan_prediger"):
        if key in plain:
            a, b = plain[key].estimate, weighted[key].estimate
            assert (math.isnan(a) and math.isnan(b)) or b == pytest.approx(a, abs=1e-12), key


# ------------------------------------------------------------------------ ICC
@settings(max_examples=30)
@given(n=st.integers(6, 30), k=st.integers(2, 5), seed=st.integers(0, 2**32 - 1),
       unit_sd=st.floats(0.5, 3), rater_sd=st.floats(0.2, 2))
def test_icc_anova_equals_reml_on_balanced_data(n, k, seed, unit_sd, rater_sd):
    rng = np.random.default_rng(seed)
    x = (rng.normal(0, unit_sd, (n, 1)) + rng.normal(0, rater_sd, (1, k))
         + rng.normal(0, 1, (n, k)))
    anova = _quiet(rl.icc, x, method="anova")
    components = anova.components if hasattr(anova, "components") else {}
    # REML equals ANOVA on balanced data only when no ANOVA variance component is negative
    # (REML is constrained to >= 0).
    assume(all(v > 0 for v in dict(components).values()))
    reml = _quiet(rl.icc, x, method="reml")
    a, r = anova.to_frame(), reml.to_frame()
    # tolerance 1e-5: REML is found by a numerical optimiser (gradient tolerance ~1e-8)
    np.testing.assert_allclose(r.loc[a.index, "estimate"], a["estimate"], atol=1e-5)


def test_icc_is_scale_invariant_near_float_limits():
    x = np.array([[1.0, 1.2], [2.0, 2.3], [3.1, 2.9], [4.0, 4.4], [0.5, 0.2]])
    base = rl.icc(x, method="anova").to_frame()["estimate"]
    for scale in (1e-150, 1e150):
        scaled = _quiet(rl.icc, x * scale, method="anova").to_frame()["estimate"]
        # ICCs are invariant to the scale of the scores; 1e-9 relative absorbs rounding
        np.testing.assert_allclose(scaled, base, rtol=1e-9)


def test_icc_huge_scores_not_misreported():
    x = np.array([[1.0, 1.2], [2.0, 2.3], [3.1, 2.9], [4.0, 4.4], [0.5, 0.2]])
    base = rl.icc(x, method="anova").to_frame()["estimate"]
    scaled = _quiet(rl.icc, x * 1e200, method="anova").to_frame()["estimate"]
    np.testing.assert_allclose(scaled, base, rtol=1e-9)


# ------------------------------------------------------------------ bootstrap
def test_bootstrap_reproducible_with_a_seed():
    rng = np.random.default_rng(3)
    x = np.clip(rng.integers(1, 5, (40, 1)) + rng.integers(-1, 2, (40, 3)), 1, 4).astype(float)

    def agree(seed):
        table = _quiet(rl.agreement, x, bootstrap=200, seed=seed)
        return {k: table[k].extra.get("bootstrap") for k in table if table[k].extra}

    def icc(seed):
        return _quiet(rl.icc, x, bootstrap=200, seed=seed).to_dict()

    for fn in (agree, icc):
        first, again, other = fn(11), fn(11), fn(12)
        assert repr(first) == repr(again), fn.__name__
        assert repr(first) != repr(other), fn.__name__  # the seed is actually used


# -------------------------------------------------------- degenerate corners
def test_kappa_when_expected_agreement_is_one():
    # both raters always use the same single category: p_e = 1, kappa = 0/0
    table = np.array([[12, 0], [0, 0]])
    for fn in (rl.cohen_kappa, rl.scott_pi, rl.fleiss_kappa, rl.krippendorff_alpha):
        est = fn(rl.as_ratings(table, shape="table"))
        assert math.isnan(est.estimate) and est.reason, fn.__name__
    full = rl.agreement(table, shape="table")
    assert full["percent_agreement"].estimate == 1
    check_nan_contract(full.to_dict(), "agreement")
    for weights in ("linear", "quadratic"):
        est = rl.cohen_kappa(rl.as_ratings(table, shape="table", level="ordinal"),
                             weights=weights)
        assert math.isnan(est.estimate) and est.reason, weights
