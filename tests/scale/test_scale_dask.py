"""Dask input and Dask-distributed bootstrap give exactly the in-memory / single-process results.

Tolerance: none (``==``): partitions are integer-coded against global label maps and
concatenated in partition order, and bootstrap blocks carry their own spawned seeds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe", reason="dask is an optional dependency")

from reliability._dask import is_dask_dataframe, ratings_from_dask  # noqa: E402
from reliability._errors import ReliabilityError  # noqa: E402
from reliability.data import as_ratings  # noqa: E402
from reliability.icc import icc  # noqa: E402
from reliability.inference import bootstrap_units  # noqa: E402

from test_scale_streaming import _long, _wide, assert_same_ratings  # noqa: E402


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **k)


@pytest.mark.parametrize("npartitions", [1, 3, 8])
@pytest.mark.parametrize("text", [False, True])
def test_wide_identical(npartitions, text):
    w = _wide(n=200, text=text)
    ddf = dd.from_pandas(w, npartitions=npartitions)
    assert is_dask_dataframe(ddf) and not is_dask_dataframe(w)
    assert_same_ratings(_quiet(ratings_from_dask, ddf),
                        _quiet(as_ratings, w, shape="wide", unit="school"))


@pytest.mark.parametrize("npartitions", [1, 3, 8])
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_long_identical(npartitions, level):
    lg = _long(_wide(n=200))
    # sort=False keeps the shuffled row order (from_pandas sorts by index by default).
    ddf = dd.from_pandas(lg, npartitions=npartitions, sort=False)
    mem = _quiet(as_ratings, ddf.compute(), level=level)
    assert_same_ratings(_quiet(ratings_from_dask, ddf, level=level), mem)
    assert_same_ratings(_quiet(ratings_from_dask, ddf, level=level, categories=[1, 2, 3, 4]),
                        mem)


def test_icc_from_dask_identical():
    lg = _long(_wide(n=150))
    mem = icc(_quiet(as_ratings, lg, level="interval"))
    got = icc(_quiet(ratings_from_dask, dd.from_pandas(lg, npartitions=4, sort=False),
                     level="interval"))
    assert got.to_dict() == mem.to_dict()


def test_dask_errors_name_the_problem():
    lg = pd.DataFrame({"unit": ["a", "b", "a"], "rater": [1, 1, 1], "rating": [1, 2, 3]})
    with pytest.raises(ReliabilityError, match="duplicate rating"):
        ratings_from_dask(dd.from_pandas(lg, npartitions=2))
    with pytest.raises(ReliabilityError, match="not found"):
        ratings_from_dask(dd.from_pandas(lg, npartitions=1), shape="long", unit="school")


def _kappa_stat(a, b, q=4):
    agree = (a == b).astype(float)
    ia, ib = np.eye(q)[a], np.eye(q)[b]

    def stat(w):
        tot = w.sum(1)
        po = (w @ agree) / tot
        pe = ((w @ ia) * (w @ ib)).sum(1) / tot**2
        return (po - pe) / (1 - pe)
    return stat


def test_bootstrap_on_local_cluster_identical():
    """bootstrap_units through joblib's Dask backend on a LocalCluster == single process."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is optional")
    from joblib import parallel_backend

    rng = np.random.default_rng(5)
    a = rng.integers(0, 4, 400)
    b = np.where(rng.random(400) < 0.6, a, rng.integers(0, 4, 400))
    stat = _kappa_stat(a, b)
    single = bootstrap_units(stat, 400, n_resamples=600, seed=11, chunk=100)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        with parallel_backend("dask"):
            dist = bootstrap_units(stat, 400, n_resamples=600, seed=11, chunk=100, n_jobs=2)
    assert np.array_equal(single.distribution, dist.distribution)
    assert (single.estimate, single.se, single.ci) == (dist.estimate, dist.se, dist.ci)


def test_agreement_from_dask_identical():
    from test_scale_streaming import _agreement

    agreement = _agreement()
    lg = _long(_wide(n=150))
    ddf = dd.from_pandas(lg, npartitions=5, sort=False)
    mem = agreement(_quiet(as_ratings, ddf.compute(), level="ordinal"))
    got = agreement(_quiet(ratings_from_dask, ddf, level="ordinal"))
    assert got.to_dict() == mem.to_dict()
