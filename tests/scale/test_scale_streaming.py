"""Streaming (chunked CSV / Parquet) input must give exactly the in-memory Ratings and results.

Tolerance: none. The streaming reader builds the same integer arrays, labels and
categories as ``as_ratings`` on the whole file, so every statistic is compared with ``==``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from reliability._errors import ReliabilityError
from reliability.data import as_ratings
from reliability.icc import icc
from reliability.streaming import iter_chunks, read_ratings


def assert_same_ratings(a, b):
    assert np.array_equal(a.unit, b.unit)
    assert np.array_equal(a.rater, b.rater)
    assert np.array_equal(a.code, b.code)
    assert a.categories == b.categories
    assert np.array_equal(a.values, b.values)
    assert a.unit_labels.equals(b.unit_labels) and a.unit_labels.name == b.unit_labels.name
    assert a.rater_labels.equals(b.rater_labels)
    assert (a.shape, a.level, a.notes) == (b.shape, b.level, b.notes)
    assert np.array_equal(a.counts, b.counts)


def _wide(n=300, k=4, seed=0, text=False):
    rng = np.random.default_rng(seed)
    grades = rng.integers(1, 5, (n, k)).astype(float)
    grades[rng.random(grades.shape) < 0.15] = np.nan
    frame = pd.DataFrame(grades, columns=[f"insp{j}" for j in range(k)])
    if text:
        frame = frame.apply(lambda c: c.map({1: "out", 2: "good", 3: "ri", 4: "inad"}))
    frame.insert(0, "school", [f"S{i:04d}" for i in rng.permutation(n)])
    return frame


def _long(wide):
    long = wide.melt(id_vars="school", var_name="rater", value_name="rating")
    # Shuffle so every unit's ratings are scattered across chunks.
    return long.sample(frac=1.0, random_state=3).rename(columns={"school": "unit"})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    out = {}
    for text in (False, True):
        w = _wide(text=text)
        lg = _long(w)
        tag = "text" if text else "num"
        for name, frame in (("wide", w), ("long", lg)):
            frame.to_csv(d / f"{name}_{tag}.csv", index=False)
            frame.to_parquet(d / f"{name}_{tag}.parquet", index=False)
            out[(name, tag)] = d / f"{name}_{tag}"
    return out


def _in_memory(base, fmt, shape, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "csv":
            return as_ratings(f"{base}.csv", shape=shape, **kw)
        frame = pd.read_parquet(f"{base}.parquet")
        if shape == "wide":
            kw.setdefault("unit", frame.columns[0])
        return as_ratings(frame, shape=shape, **kw)


def _stream(base, fmt, shape, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_ratings(f"{base}.{fmt}", shape=shape, **kw)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("shape", ["wide", "long"])
@pytest.mark.parametrize("chunksize", [3, 64, 10_000])
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_numeric_identical(files, fmt, shape, chunksize, level):
    base = files[(shape, "num")]
    mem = _in_memory(base, fmt, shape, level=level)
    assert_same_ratings(_stream(base, fmt, shape, chunksize=chunksize, level=level), mem)
    # Categories given: one pass; still identical.
    assert_same_ratings(_stream(base, fmt, shape, chunksize=chunksize, level=level,
                                categories=[1, 2, 3, 4]), mem)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("shape", ["wide", "long"])
def test_text_categories_identical(files, fmt, shape):
    base = files[(shape, "text")]
    mem = _in_memory(base, fmt, shape)                       # nominal: sorted labels
    assert_same_ratings(_stream(base, fmt, shape, chunksize=13), mem)
    order = ["out", "good", "ri", "inad"]
    mem_o = _in_memory(base, fmt, shape, level="ordinal", categories=order)
    assert_same_ratings(_stream(base, fmt, shape, chunksize=13, level="ordinal",
                                categories=order), mem_o)


def test_ordinal_text_without_categories_is_an_error(files):
    with pytest.raises(ReliabilityError, match="order"):
        read_ratings(f"{files[('long', 'text')]}.csv", shape="long", level="ordinal",
                     chunksize=50)


def test_long_units_span_chunks(files):
    """With chunks of 7 rows the 4 ratings of most schools fall in different chunks."""
    frame = pd.read_csv(f"{files[('long', 'num')]}.csv")
    chunk_of_row = np.arange(len(frame)) // 7
    spans = frame.assign(chunk=chunk_of_row).groupby("unit")["chunk"].nunique()
    assert (spans > 1).mean() > 0.5


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_icc_results_identical(files, shape):
    """An analysis on the streamed Ratings equals the in-memory analysis exactly."""
    base = files[(shape, "num")]
    mem = icc(_in_memory(base, "csv", shape, level="interval"))
    got = icc(_stream(base, "csv", shape, chunksize=11, level="interval"))
    assert got.to_dict() == mem.to_dict()


def _agreement():
    try:
        from reliability.agreement import agreement
    except ImportError:
        pytest.skip(reason="reliability.agreement.agreement not available (written in parallel)")
    return agreement


def test_agreement_results_identical(files):
    agreement = _agreement()
    base = files[("long", "num")]
    mem = agreement(_in_memory(base, "csv", "long", level="ordinal"))
    got = agreement(_stream(base, "csv", "long", chunksize=9, level="ordinal"))
    assert got.to_dict() == mem.to_dict()


def test_duplicate_across_chunks_is_an_error(tmp_path):
    frame = pd.DataFrame({"unit": ["a", "b", "c", "a"], "rater": [1, 1, 1, 1],
                          "rating": [1, 2, 3, 4]})
    frame.to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(ReliabilityError, match="duplicate rating: unit '?a'? by rater"):
        read_ratings(tmp_path / "dup.csv", shape="long", chunksize=2)


def test_empty_rater_names_row(tmp_path):
    frame = pd.DataFrame({"unit": ["a", "b", "c", "d"], "rater": [1, 1, 2, None],
                          "rating": [1, 2, 3, 4]})
    frame.to_csv(tmp_path / "gap.csv", index=False)
    with pytest.raises(ReliabilityError, match="'rater' is empty in row 4"):
        read_ratings(tmp_path / "gap.csv", shape="long", chunksize=3)


def test_missing_file_and_bad_options(tmp_path):
    with pytest.raises(ReliabilityError, match="not found"):
        read_ratings(tmp_path / "nope.csv")
    (tmp_path / "x.csv").write_text("u,a,b\n1,1,2\n2,2,2\n")
    with pytest.raises(ReliabilityError, match="shape"):
        read_ratings(tmp_path / "x.csv", shape="table")
    with pytest.raises(ReliabilityError, match="chunksize"):
        read_ratings(tmp_path / "x.csv", chunksize=0)


def test_input_file_untouched_and_chunks_bounded(files):
    path = f"{files[('wide', 'num')]}.csv"
    before = open(path, "rb").read()
    sizes = [len(c) for c in iter_chunks(path, chunksize=50)]
    assert max(sizes) <= 50 and sum(sizes) == 300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_ratings(path, chunksize=50)
    assert open(path, "rb").read() == before


def test_cp1252_file_read_like_in_memory(tmp_path):
    """Ofsted/DfE CSVs are Windows-1252: the streaming reader falls back like read_csv."""
    text = "school,a,b\nSt Mary’s,1,2\nCafé,2,2\nOther,3,1\n"
    path = tmp_path / "cp.csv"
    path.write_bytes(text.encode("cp1252"))
    assert_same_ratings(read_ratings(path, chunksize=2), as_ratings(str(path), shape="wide"))


def test_cp1252_late_in_file(tmp_path):
    """A Windows-1252 byte far beyond the first chunk still selects cp1252 for all chunks."""
    rows = [f"S{i},{1 + i % 4},{1 + (i // 3) % 4}" for i in range(500)] + ["Café,1,1"]
    path = tmp_path / "late.csv"
    path.write_bytes(("school,a,b\n" + "\n".join(rows) + "\n").encode("cp1252"))
    assert_same_ratings(read_ratings(path, chunksize=50), as_ratings(str(path), shape="wide"))
