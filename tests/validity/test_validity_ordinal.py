"""Ordinal associations checked against scipy/statsmodels and a numerical delta method."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from reliability.validity import concordance, linear_by_linear, ordinal_associations, spearman


def _table(x, y):
    ux, cx = np.unique(x, return_inverse=True)
    uy, cy = np.unique(y, return_inverse=True)
    t = np.zeros((len(ux), len(uy)))
    np.add.at(t, (cx, cy), 1)
    return t, ux, uy


@pytest.fixture
def sample():
    rng = np.random.default_rng(11)
    grade = rng.integers(1, 5, 400)
    context = np.round(grade * 0.7 + rng.normal(size=400), 1)
    return grade, context


def test_estimates_match_scipy(sample):
    grade, context = sample
    t, _, _ = _table(grade, context)
    res = ordinal_associations(t)
    # Tolerance 1e-12: same quantity computed by different exact algorithms.
    assert res["kendall_tau_b"].estimate == pytest.approx(
        stats.kendalltau(grade, context, variant="b").statistic, abs=1e-12)
    # scipy.stats.somersd(x, y) is D(Y|X): grade given context = somersd(context, grade).
    assert res["somers_d"].estimate == pytest.approx(
        stats.somersd(context, grade).statistic, abs=1e-12)
    assert res["somers_d_context_given_grade"].estimate == pytest.approx(
        stats.somersd(grade, context).statistic, abs=1e-12)


def test_gamma_by_brute_force_pairs():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, 60)
    y = rng.integers(0, 4, 60) + x
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    conc, disc = (dx * dy > 0).sum(), (dx * dy < 0).sum()
    t, _, _ = _table(x, y)
    a, d = concordance(t)
    assert (t * a).sum() == conc and (t * d).sum() == disc
    g = ordinal_associations(t)["goodman_kruskal_gamma"].estimate
    assert g == pytest.approx((conc - disc) / (conc + disc), abs=1e-12)


def _delta_se(t, name):
    """Multinomial delta method with a numerical gradient (independent of Agresti's ASE)."""
    n = t.sum()
    p = t / n

    def f(pp):
        return ordinal_associations(pp * 1e6)[name].estimate  # scale-free statistic

    base = f(p)
    grad = np.zeros_like(p)
    h = 1e-6
    for idx in np.ndindex(p.shape):
        q = p.copy()
        q[idx] += h
        grad[idx] = (f(q) - base) / h
    var = (p * grad**2).sum() - ((p * grad).sum()) ** 2
    return np.sqrt(var / n)


@pytest.mark.parametrize("name", ["goodman_kruskal_gamma", "kendall_tau_b", "somers_d",
                                  "somers_d_context_given_grade"])
def test_ase_matches_numerical_delta_method(name):
    t = np.array([[20, 15, 6, 2], [10, 25, 14, 6], [3, 9, 18, 12]], dtype=float)
    ours = ordinal_associations(t)[name].se
    # Relative tolerance 1e-4: forward differences with h = 1e-6 are accurate to ~1e-6.
    assert ours == pytest.approx(_delta_se(t, name), rel=1e-4)


def test_spearman_matches_scipy_and_bonett_wright(sample):
    grade, context = sample
    r = spearman(grade, context)
    ref = stats.spearmanr(grade, context)
    assert r.estimate == pytest.approx(ref.statistic, abs=1e-12)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-8)
    n = len(grade)
    z = stats.norm.ppf(0.975)
    se = np.sqrt((1 + ref.statistic**2 / 2) / (n - 3))
    assert r.ci[0] == pytest.approx(np.tanh(np.arctanh(ref.statistic) - z * se), abs=1e-12)


def test_linear_by_linear_matches_statsmodels(sample):
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels is the peer check")
    grade, context = sample
    t, ux, uy = _table(grade, context)
    ours = linear_by_linear(ux, uy, t)
    # shift_zeros=False: statsmodels otherwise adds 0.5 to empty cells.
    ref = sm.stats.Table(t, shift_zeros=False).test_ordinal_association(row_scores=ux, col_scores=uy)
    assert ours["statistic"] == pytest.approx(ref.zscore**2, rel=1e-10)


def test_cochran_armitage_for_binary_grade():
    t = np.array([[30, 25, 20, 10], [5, 10, 15, 25]], dtype=float)
    out = linear_by_linear([0, 1], [1, 2, 3, 4], t)
    n = t.sum()
    assert out["cochran_armitage"]["statistic"] == pytest.approx(out["statistic"] * n / (n - 1))


def test_degenerate_table_gives_nan_with_reason():
    res = ordinal_associations(np.array([[5, 3, 2]]))
    assert np.isnan(res["kendall_tau_b"].estimate) and res["kendall_tau_b"].reason


tables = arrays(np.int64, st.tuples(st.integers(2, 4), st.integers(2, 5)),
                elements=st.integers(0, 12))


@given(tables)
def test_bounds_and_sign_flip(t):
    res = ordinal_associations(t)
    flipped = ordinal_associations(t[::-1])
    for name in ("goodman_kruskal_gamma", "kendall_tau_b", "somers_d"):
        e = res[name].estimate
        if np.isnan(e):
            continue
        assert -1 - 1e-12 <= e <= 1 + 1e-12
        # Reversing the grade order flips the sign and keeps the SE.
        assert flipped[name].estimate == pytest.approx(-e, abs=1e-12)
        assert flipped[name].se == pytest.approx(res[name].se, abs=1e-9)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 6)), min_size=5, max_size=40),
       st.randoms(use_true_random=False))
def test_permuting_rows_of_data_leaves_results_unchanged(pairs, rnd):
    x = np.array([p[0] for p in pairs])
    y = np.array([p[1] for p in pairs])
    perm = list(range(len(x)))
    rnd.shuffle(perm)
    a = ordinal_associations(_table(x, y)[0])
    b = ordinal_associations(_table(x[perm], y[perm])[0])
    for k in a:
        assert np.allclose(a[k].estimate, b[k].estimate, equal_nan=True)
    sa, sb = spearman(x, y), spearman(x[perm], y[perm])
    assert np.allclose(sa.estimate, sb.estimate, equal_nan=True)


def test_null_se_matches_permutation_sd():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, 300)
    y = rng.integers(0, 6, 300)

    def tab(yy):
        t = np.zeros((4, 6))
        np.add.at(t, (x, yy), 1)
        return t

    res = ordinal_associations(tab(y))
    sims = np.array([[ordinal_associations(tab(rng.permutation(y)))[k].estimate
                      for k in ("goodman_kruskal_gamma", "kendall_tau_b", "somers_d")]
                     for _ in range(400)])
    # 400 permutations: the SD is known to about 3.5% (1 sigma); allow 12%.
    for j, k in enumerate(("goodman_kruskal_gamma", "kendall_tau_b", "somers_d")):
        assert res[k].se_null == pytest.approx(sims[:, j].std(ddof=1), rel=0.12)
