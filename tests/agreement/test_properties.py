"""Invariances, limits and cross-checks against peer libraries on random data."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

import reliability.agreement as A
from reliability._errors import ReliabilityError

COEFS = ["percent_agreement", "conger_kappa", "scott_pi", "fleiss_kappa", "brennan_prediger",
         "gwet_ac1", "krippendorff_alpha"]


def ratings_matrix(min_units=3, max_units=25, min_raters=2, max_raters=5, q=4):
    return st.integers(min_raters, max_raters).flatmap(
        lambda k: arrays(np.int64, st.tuples(st.integers(min_units, max_units), st.just(k)),
                         elements=st.integers(0, q - 1)))


def values(table):
    return {k: table[k].estimate for k in COEFS}


def same(a, b):
    for k in a:
        if math.isnan(a[k]):
            assert math.isnan(b[k]), k
        else:
            assert b[k] == pytest.approx(a[k], abs=1e-10), k


@given(ratings_matrix(), st.permutations(range(4)), st.randoms(use_true_random=False))
def test_relabel_and_permute_invariance(x, perm, rnd):
    cats = [0, 1, 2, 3]
    base = values(A.agreement(x.astype(float), categories=cats))
    relabelled = np.asarray(perm)[x]
    same(base, values(A.agreement(relabelled.astype(float), categories=cats)))
    cols = list(range(x.shape[1]))
    rows = list(range(x.shape[0]))
    rnd.shuffle(cols)
    rnd.shuffle(rows)
    same(base, values(A.agreement(x[np.ix_(rows, cols)].astype(float), categories=cats)))


@given(ratings_matrix(), st.sampled_from(["nominal", "ordinal", "interval"]))
def test_bounds_and_identity_weights(x, level):
    cats = [0, 1, 2, 3]
    t = A.agreement(x.astype(float), categories=cats, level=level, weights="identity")
    pa = t["percent_agreement"].estimate
    assert 0 <= pa <= 1
    for k in COEFS:
        e = t[k].estimate
        assert math.isnan(e) or e <= 1 + 1e-12
        lo, hi = t[k].ci
        assert math.isnan(lo) or hi <= 1
    # weighted versions with identity weights equal the unweighted ones exactly
    if x.shape[1] == 2:
        assert A.cohen_kappa(x.astype(float), categories=cats, weights=np.eye(4)).estimate == \
            pytest.approx(A.cohen_kappa(x.astype(float), categories=cats).estimate, nan_ok=True,
                          abs=0)
    assert A.fleiss_kappa(x.astype(float), categories=cats, weights=np.eye(4)).estimate == \
        pytest.approx(A.fleiss_kappa(x.astype(float), categories=cats).estimate, nan_ok=True, abs=0)


@given(st.lists(st.integers(0, 3), min_size=3, max_size=30), st.integers(2, 5))
def test_perfect_agreement_is_one(col, k):
    x = np.repeat(np.asarray(col, dtype=float)[:, None], k, axis=1)
    t = A.agreement(x, categories=[0, 1, 2, 3])
    assert t["percent_agreement"].estimate == 1
    assert t["gwet_ac1"].estimate == pytest.approx(1)
    assert t["brennan_prediger"].estimate == pytest.approx(1)
    for key in ("fleiss_kappa", "conger_kappa", "krippendorff_alpha"):
        if len(set(col)) > 1:
            assert t[key].estimate == pytest.approx(1)
        else:
            assert math.isnan(t[key].estimate) and t[key].reason


@given(ratings_matrix(min_raters=2, max_raters=2))
def test_fleiss_two_raters_is_scott(x):
    x = x.astype(float)
    f = A.fleiss_kappa(x, categories=[0, 1, 2, 3]).estimate
    table = pd.crosstab(pd.Categorical(x[:, 0], categories=[0.0, 1, 2, 3]),
                        pd.Categorical(x[:, 1], categories=[0.0, 1, 2, 3]), dropna=False)
    s = A.scott_pi(table.to_numpy(), shape="table").estimate
    assert f == pytest.approx(s, abs=1e-12, nan_ok=True)


def test_peer_libraries_random():
    """statsmodels / scikit-learn / krippendorff agree to 1e-10 (floating point only)."""
    rng = np.random.default_rng(7)
    for trial in range(10):
        n, k = rng.integers(20, 80), rng.integers(2, 6)
        truth = rng.integers(0, 4, size=n)
        x = np.where(rng.random((n, k)) < 0.6, truth[:, None], rng.integers(0, 4, size=(n, k)))
        xf = x.astype(float)
        counts, _ = aggregate_raters(x)
        assert A.fleiss_kappa(xf).estimate == pytest.approx(fleiss_kappa(counts), abs=1e-10)
        a = A.cohen_kappa(xf[:, :2], categories=[0, 1, 2, 3])
        assert a.estimate == pytest.approx(cohen_kappa_score(x[:, 0], x[:, 1]), abs=1e-10)
        for wt, sk in (("linear", "linear"), ("quadratic", "quadratic")):
            b = A.cohen_kappa(xf[:, :2], categories=[0, 1, 2, 3], weights=wt)
            assert b.estimate == pytest.approx(
                cohen_kappa_score(x[:, 0], x[:, 1], weights=sk, labels=[0, 1, 2, 3]), abs=1e-10)
        tab = pd.crosstab(pd.Categorical(x[:, 0], categories=range(4)),
                          pd.Categorical(x[:, 1], categories=range(4)), dropna=False).to_numpy()
        sm = cohens_kappa(tab)
        assert a.se == pytest.approx(sm.std_kappa, abs=1e-10)
        assert a.se_null == pytest.approx(sm.std_kappa0, abs=1e-10)
        # Krippendorff with missing ratings
        xm = xf.copy()
        xm[rng.random(xm.shape) < 0.15] = np.nan
        for level in ("nominal", "ordinal", "interval", "ratio"):
            ours = A.krippendorff_alpha(xm, level=level, categories=[0, 1, 2, 3]).estimate
            theirs = krippendorff.alpha(reliability_data=xm.T, level_of_measurement=level,
                                        value_domain=[0, 1, 2, 3])
            assert ours == pytest.approx(theirs, abs=1e-10), level


def test_bootstrap_matches_analytic_se():
    """Large simulated data: bootstrap SE (B=1000) within 10% of the analytic SE.

    Monte Carlo error of a bootstrap SE is about 1/sqrt(2B) = 2.2%, and the linearised SE
    is accurate at n = 3000 units, so 10% is a loose but failing-capable bound.
    """
    rng = np.random.default_rng(3)
    n, k = 3000, 4
    truth = rng.integers(0, 4, size=n)
    x = np.where(rng.random((n, k)) < 0.5, truth[:, None], rng.integers(0, 4, size=(n, k)))
    x = x.astype(float)
    x[rng.random(x.shape) < 0.1] = np.nan
    for fn, kw in [(A.fleiss_kappa, {}), (A.gwet_ac1, {}), (A.conger_kappa, {}),
                   (A.gwet_ac2, {}), (A.krippendorff_alpha, {"level": "ordinal"}),
                   (A.percent_agreement, {})]:
        e = fn(x, bootstrap=1000, seed=11, **kw)
        b = e.extra["bootstrap"]
        assert b["se"] == pytest.approx(e.se, rel=0.10), fn.__name__
        assert b["n_resamples"] == 1000 and b["seed"] == 11
        assert b["ci"][0] < e.estimate < b["ci"][1]
    c = A.cohen_kappa(x[:, :2], bootstrap=1000, seed=2, bootstrap_method="bca")
    assert c.extra["bootstrap"]["se"] == pytest.approx(c.se, rel=0.10)
    assert "BCa" in c.extra["bootstrap"]["method"]


def test_bootstrap_is_seeded():
    # Speed is measured in benchmarks/ (python -m benchmarks --only bootstrap).
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=(10_000, 4)).astype(float)
    a = A.fleiss_kappa(x, bootstrap=2000, seed=1)
    b = A.fleiss_kappa(x, bootstrap=2000, seed=1)
    assert a.extra["bootstrap"] == b.extra["bootstrap"]


def test_confidence_level_and_normal_ci():
    x = np.random.default_rng(1).integers(0, 3, size=(40, 3)).astype(float)
    e90 = A.fleiss_kappa(x, confidence=0.9)
    e95 = A.fleiss_kappa(x, confidence=0.95)
    assert e90.ci_level == 0.9
    assert e90.ci[1] - e90.ci[0] < e95.ci[1] - e95.ci[0]
    n = A.fleiss_kappa(x, ci_method="normal")
    assert n.ci[0] == pytest.approx(n.estimate - 1.959963984540054 * n.se)


def test_two_by_two_indices():
    table = np.array([[40, 9], [6, 45]])
    pb = A.pabak(table, shape="table")
    po = (40 + 45) / 100
    assert pb.estimate == pytest.approx(2 * po - 1)
    assert A.prevalence_index(table, shape="table").estimate == pytest.approx((40 - 45) / 100)
    assert A.bias_index(table, shape="table").estimate == pytest.approx((9 - 6) / 100)
    mk = A.max_kappa(table, shape="table")
    assert A.cohen_kappa(table, shape="table").estimate <= mk.estimate <= 1
    # Stuart-Maxwell on 2x2 is McNemar's test (no continuity correction); Bowker too.
    sm = A.stuart_maxwell_test(table, shape="table")
    bw = A.bowker_test(table, shape="table")
    assert sm.estimate == pytest.approx((9 - 6) ** 2 / (9 + 6))
    assert bw.estimate == pytest.approx(sm.estimate)
    with pytest.raises(ReliabilityError):
        A.pabak(np.eye(3) * 5 + 1, shape="table")


def test_stuart_maxwell_statsmodels():
    from statsmodels.stats.contingency_tables import SquareTable
    t = np.array([[20, 5, 3], [8, 30, 6], [2, 9, 25]])
    st_ = SquareTable(t)
    assert A.stuart_maxwell_test(t, shape="table").estimate == pytest.approx(
        st_.homogeneity().statistic, rel=1e-10)
    assert A.bowker_test(t, shape="table").estimate == pytest.approx(
        st_.symmetry().statistic, rel=1e-10)


def test_degenerate_and_bad_input():
    one = np.array([[1.0], [2.0], [1.0]])
    e = A.fleiss_kappa(one)
    assert math.isnan(e.estimate) and e.reason
    with pytest.raises(ReliabilityError, match="2 x 2|3 x 3"):
        A.fleiss_kappa(np.array([[1.0, 2], [2, 3], [1, 1]]), weights=np.eye(2))
    with pytest.raises(ReliabilityError, match="diagonal"):
        A.weight_matrix(np.zeros((3, 3)))
    counts = pd.DataFrame({"a": [2, 1, 0], "b": [0, 1, 2]})
    with pytest.raises(ReliabilityError, match="rater identities"):
        A.cohen_kappa(counts, shape="counts")
    t = A.agreement(counts, shape="counts")
    assert math.isnan(t["conger_kappa"].estimate) and "rater" in t["conger_kappa"].reason
    assert math.isnan(t["cohen_kappa"].estimate)
    # user weight matrix: not necessarily symmetric
    w = np.array([[1, .5, 0], [.2, 1, .5], [0, .5, 1]])
    x = np.random.default_rng(2).integers(0, 3, size=(30, 2)).astype(float)
    assert np.isfinite(A.cohen_kappa(x, weights=w).se)


def test_large_data_agrees_with_statsmodels_fleiss():
    # Speed is measured in benchmarks/; here the large-data path is checked for correctness.
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa
    rng = np.random.default_rng(0)
    x = rng.integers(1, 5, size=(250_000, 4)).astype(float)
    from reliability.data import as_ratings
    rt = as_ratings(x, min_ratings=1)
    ours = A.agreement(rt)["fleiss_kappa"].estimate
    assert ours == pytest.approx(fleiss_kappa(aggregate_raters(x.astype(int))[0]), abs=1e-10)
    # interval alpha with 100,000 distinct values: sums of squares, no q x q matrix
    xi = rng.normal(size=(50_000, 3))
    e = A.krippendorff_alpha(xi, level="interval")
    assert abs(e.estimate) < 0.05


@given(ratings_matrix(min_raters=2, max_raters=2, min_units=4))
def test_conger_two_raters_is_cohen(x):
    """Conger's kappa with two raters and complete data is Cohen's kappa (Conger 1980)."""
    x = x.astype(float)
    c = A.conger_kappa(x, categories=[0, 1, 2, 3], weights="quadratic").estimate
    k = A.cohen_kappa(x, categories=[0, 1, 2, 3], weights="quadratic").estimate
    assert c == pytest.approx(k, abs=1e-12, nan_ok=True)


def test_one_rater_and_no_pairs_are_nan_with_reason():
    one = A.agreement(np.array([[1.0], [2.0], [1.0]]))
    assert all(math.isnan(e.estimate) and e.reason for e in one.estimates.values())
    nopair = A.agreement(np.array([[1.0, np.nan], [np.nan, 2.0], [1.0, np.nan]]))
    for e in nopair.estimates.values():
        assert math.isnan(e.estimate) and e.reason, e.name


def test_agreement_info_and_user_weights():
    x = np.random.default_rng(4).integers(0, 3, size=(50, 3)).astype(float)
    w = np.array([[1, .5, 0], [.5, 1, .5], [0, .5, 1]])
    t = A.agreement(x, weights=w)
    assert t.info["weights"] == "user" and t.info["weight_matrix"] == w.tolist()
    assert "gwet_ac2" in t and t["gwet_ac2"].estimate == pytest.approx(
        A.gwet_ac2(x, weights="linear").estimate)       # w is the linear matrix for 3 values
    assert {"n_units", "n_raters", "categories", "level", "weights"} <= set(t.info)
    frame = t.to_frame()
    # exact agreement first, the user-weighted one under its own name beside it
    assert list(frame.index[:3]) == ["percent_agreement", "weighted_agreement", "conger_kappa"]
