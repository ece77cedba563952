"""Memory grows linearly in the number of ratings (a ratio of tracemalloc peaks, not a time).

Doubling the ratings (1e5 -> 2e5) must at most ~double the peak traced allocation; the
bound 2.5 leaves room for allocator granularity and fixed overheads, while any quadratic
step (e.g. a dense units x units or one-hot pairs matrix) would give a ratio near 4.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest

from reliability.data import as_ratings
from reliability.icc import icc
from reliability.streaming import read_ratings


def _wide(n_ratings, k=4, seed=0):
    rng = np.random.default_rng(seed)
    n = n_ratings // k
    grades = rng.integers(1, 5, (n, k)).astype(float)
    grades[rng.random(grades.shape) < 0.1] = np.nan
    return pd.DataFrame(grades)


def _peak(fn):
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _analysis(frame):
    r = as_ratings(frame, level="ordinal")
    r.counts, r.rater_counts, r.pair_table(0, 1)
    try:
        from reliability.agreement import agreement
    except ImportError:
        return
    agreement(r)


def test_input_and_counts_memory_linear():
    small, big = _wide(100_000), _wide(200_000, seed=1)
    ratio = _peak(lambda: _analysis(big)) / _peak(lambda: _analysis(small))
    assert ratio < 2.5, ratio


def test_icc_memory_linear():
    rng = np.random.default_rng(2)
    small, big = rng.normal(size=(25_000, 4)), rng.normal(size=(50_000, 4))
    ratio = _peak(lambda: icc(big)) / _peak(lambda: icc(small))
    assert ratio < 2.5, ratio


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_streaming_memory_linear_and_small(tmp_path, shape):
    """Streaming keeps the integer arrays, not the DataFrame: the peak grows linearly and
    stays well below what pandas needs to hold the whole file."""
    paths = {}
    for n in (100_000, 200_000):
        frame = _wide(n, seed=n)
        frame.insert(0, "unit", np.arange(len(frame)))
        if shape == "long":
            frame = frame.melt(id_vars="unit", var_name="rater", value_name="rating")
        paths[n] = tmp_path / f"{shape}{n}.csv"
        frame.to_csv(paths[n], index=False)
    cats = [1, 2, 3, 4]
    p1 = _peak(lambda: read_ratings(paths[100_000], shape=shape, chunksize=20_000,
                                    categories=cats))
    p2 = _peak(lambda: read_ratings(paths[200_000], shape=shape, chunksize=20_000,
                                    categories=cats))
    assert p2 / p1 < 2.5, p2 / p1
    full = _peak(lambda: as_ratings(str(paths[200_000]), shape=shape, categories=cats))
    assert p2 < full, (p2, full)
