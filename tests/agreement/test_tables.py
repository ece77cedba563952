"""One implementation: the table doors give exactly what the ratings functions give."""

import numpy as np
import pytest
from scipy import stats

from reliability import agreement as A
from reliability._errors import ReliabilityError
from reliability.data import Ratings
from reliability.inference import clopper_pearson_interval, exact_interval, wilson_interval

TABLE = np.array([[20, 5, 1], [4, 15, 3], [2, 2, 10]])


def _wide(table):
    q = table.shape[0]
    pairs = [(i, j) for i in range(q) for j in range(q) for _ in range(table[i, j])]
    return np.array(pairs) + 1


@pytest.mark.parametrize("weights", ["identity", "quadratic"])
def test_cohen_kappa_table_is_cohen_kappa(weights):
    a = A.cohen_kappa_table(TABLE, weights=weights)
    b = A.cohen_kappa(_wide(TABLE), weights=weights)
    assert a.estimate == pytest.approx(b.estimate) and a.se == pytest.approx(b.se)
    assert a.se_null == pytest.approx(b.se_null)


def test_gwet_ac1_table_is_gwet_ac1():
    a = A.gwet_ac1_table(TABLE)
    b = A.gwet_ac1(Ratings.from_table(TABLE))
    assert a.estimate == pytest.approx(b.estimate) and a.ci == pytest.approx(b.ci)


def test_kappa_many_and_variance_match_single_tables():
    stack = np.stack([TABLE, TABLE.T, TABLE + 3])
    k = A.kappa_many(stack)
    v, v0 = A.kappa_variance(stack / stack.sum(axis=(1, 2))[:, None, None])
    for i, t in enumerate(stack):
        e = A.cohen_kappa_table(t)
        assert k[i] == pytest.approx(e.estimate)
        assert np.sqrt(v[i] / t.sum()) == pytest.approx(e.se)
        assert np.sqrt(v0[i] / t.sum()) == pytest.approx(e.se_null)
    assert np.isnan(A.kappa_many(np.array([[5, 0], [0, 0]])))


def test_binomial_intervals_vectorised_and_match_scipy():
    k, n = np.array([0, 3, 10, 7]), np.array([10, 10, 10, 0])
    lo, hi = wilson_interval(k, n)
    elo, ehi = exact_interval(k, n)
    for i in range(3):
        w = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(method="wilson")
        e = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(method="exact")
        assert (lo[i], hi[i]) == pytest.approx((w.low, w.high))
        assert (elo[i], ehi[i]) == pytest.approx((e.low, e.high))
    assert np.isnan(lo[3]) and np.isnan(ehi[3])
    assert clopper_pearson_interval is exact_interval
    assert isinstance(wilson_interval(3, 10)[0], float)
    with pytest.raises(ReliabilityError):
        wilson_interval(11, 10)
