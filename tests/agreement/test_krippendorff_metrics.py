"""Krippendorff's circular and bipolar metrics and a user-supplied distance (issue 19).

Krippendorff's alpha depends on the difference function only up to a positive factor, so
``krippendorff_alpha(weights=W)`` with agreement weights ``W = 1 - d / max(d)`` (Gwet's
weighted alpha, irrCAC ``weights=``) is Krippendorff's alpha with the metric ``d``. These tests
check that identity against alpha computed here from Krippendorff's own definition (2011,
"Computing Krippendorff's alpha-reliability": coincidence matrix of pairable values,
``alpha = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck``), written as plain loops over units so
that it shares no code with the library. The metrics are Krippendorff's (circular
``sin^2(pi (c - k) / U)``, bipolar ``(c - k)^2 / ((c + k - 2 min)(2 max - c - k))``).
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliability as rl

DATA = Path(__file__).resolve().parents[1] / "data"


def _alpha_by_definition(matrix, values, delta):
    """Krippendorff's alpha from the coincidence matrix, unit by unit (no vectorisation)."""
    index = {v: i for i, v in enumerate(values)}
    q = len(values)
    o = np.zeros((q, q))
    for row in matrix:
        seen = [index[v] for v in row if not (isinstance(v, float) and math.isnan(v))]
        m = len(seen)
        if m < 2:
            continue
        for a in range(m):
            for b in range(m):
                if a != b:
                    o[seen[a], seen[b]] += 1.0 / (m - 1)
    nc = o.sum(axis=1)
    n = nc.sum()
    d = np.array([[delta(values[c], values[k]) for k in range(q)] for c in range(q)])
    observed = (o * d).sum()
    expected = (np.outer(nc, nc) * d).sum() / (n - 1)
    return 1.0 - observed / expected


def _circular(lo, hi):
    return lambda c, k: math.sin(math.pi * (c - k) / (hi - lo + 1)) ** 2


def _bipolar(lo, hi):
    def d(c, k):
        if c == k:
            return 0.0
        return (c - k) ** 2 / ((c + k - 2 * lo) * (2 * hi - c - k))
    return d


def test_circular_and_bipolar_on_krippendorffs_data():
    frame = pd.read_csv(DATA / "krippendorff_reliability_data.csv").drop(columns="unit")
    matrix = frame.to_numpy(dtype=float).tolist()
    values = sorted({v for row in matrix for v in row if not math.isnan(v)})
    lo, hi = values[0], values[-1]
    for name, delta in (("circular", _circular(lo, hi)), ("bipolar", _bipolar(lo, hi))):
        expected = _alpha_by_definition(matrix, values, delta)
        got = rl.krippendorff_alpha(frame, weights=name).estimate
        # the same sums in a different order: agreement to rounding
        assert abs(got - expected) < 1e-12, (name, got, expected)


def test_user_distance_as_weights():
    frame = pd.read_csv(DATA / "krippendorff_reliability_data.csv").drop(columns="unit")
    matrix = frame.to_numpy(dtype=float).tolist()
    values = sorted({v for row in matrix for v in row if not math.isnan(v)})
    rng = np.random.default_rng(3)
    raw = rng.uniform(0.2, 3.0, (len(values), len(values)))
    D = raw + raw.T
    np.fill_diagonal(D, 0.0)
    pos = {v: i for i, v in enumerate(values)}
    expected = _alpha_by_definition(matrix, values, lambda c, k: D[pos[c], pos[k]])
    got = rl.krippendorff_alpha(frame, weights=1.0 - D / D.max()).estimate
    assert abs(got - expected) < 1e-12


@pytest.mark.filterwarnings("ignore:dropped .* unit")   # random rows may be all missing
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(3, 7), st.integers(2, 5))
def test_metrics_match_definition_on_random_data(seed, q, k):
    rng = np.random.default_rng(seed)
    n = 25
    X = rng.integers(1, q + 1, (n, k)).astype(float)
    X[rng.random((n, k)) < 0.15] = np.nan
    X[0, :2] = [1.0, float(q)]          # both ends of the scale are used
    frame = pd.DataFrame(X, columns=[f"r{j}" for j in range(k)])
    matrix = X.tolist()
    values = sorted({v for row in matrix for v in row if not math.isnan(v)})
    if sum(sum(1 for v in row if not math.isnan(v)) >= 2 for row in matrix) < 2:
        return
    lo, hi = values[0], values[-1]
    for name, delta in (("circular", _circular(lo, hi)), ("bipolar", _bipolar(lo, hi))):
        expected = _alpha_by_definition(matrix, values, delta)
        got = rl.krippendorff_alpha(frame, weights=name, level="ordinal",
                                    categories=values).estimate
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert abs(got - expected) < 1e-10, (name, got, expected)
