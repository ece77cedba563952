"""The streaming reader (issue 18): chunk-independent, lean, and precise about bad input.

* ``read_ratings`` gives the Ratings and the agreement coefficients of ``as_ratings`` on the
  whole file (to 1e-12; the arrays themselves exactly) for wide and long files, nominal and
  ordinal, with missing cells, whatever the chunk size (hypothesis), including chunk
  boundaries that split a unit's rows in long files.
* Memory: the traced allocation of a read grows by a bounded number of bytes per rating
  (the difference of two file sizes, so the fixed cost of one chunk cancels).
* Bad input in a later chunk (a category not in ``categories=``, a text cell among
  numbers, a repeated header line, a duplicated column name) raises ReliabilityError
  naming the row and the column.
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliability as rl
from reliability._errors import ReliabilityError
from reliability.data import as_ratings, rating_dtypes
from reliability.streaming import read_ratings


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*a, **kw)


def _wide(n=120, k=4, seed=0, single=True):
    rng = np.random.default_rng(seed)
    true = rng.integers(1, 5, n)
    grades = np.where(rng.random((n, k)) < 0.6, true[:, None], rng.integers(1, 5, (n, k)))
    grades = grades.astype(float)
    miss = rng.random((n, k)) < 0.25
    if not single:
        miss[:, :2] = False
    grades[miss] = np.nan
    frame = pd.DataFrame(grades, columns=[f"insp{j}" for j in range(k)])
    frame.insert(0, "urn", rng.permutation(np.arange(1000, 1000 + n)))
    return frame


def _long(wide, *, shuffle):
    long = wide.melt(id_vars="urn", var_name="rater", value_name="rating").rename(
        columns={"urn": "unit"})
    if shuffle:
        return long.sample(frac=1.0, random_state=5)
    return long.sort_values(["unit", "rater"], kind="stable")


def _write(frame, path):
    # integers as integers; missing cells empty, as exports write them
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype.kind == "f":
            out[c] = out[c].astype("Int64")
    out.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("chunks")
    w = _wide()
    return {"wide": _write(w, d / "wide.csv"),
            "long": _write(_long(w, shuffle=True), d / "long.csv"),
            "long_sorted": _write(_long(w, shuffle=False), d / "long_sorted.csv")}


def _same(streamed, memory):
    for name in ("unit", "rater", "code"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(memory, name))
        assert getattr(streamed, name).dtype == getattr(memory, name).dtype
    assert streamed.categories == memory.categories
    assert streamed.unit_labels.equals(memory.unit_labels)
    assert list(streamed.rater_labels) == list(memory.rater_labels)
    assert streamed.notes == memory.notes
    a = _quiet(rl.agreement, streamed)
    b = _quiet(rl.agreement, memory)
    assert a.estimates.keys() == b.estimates.keys()
    for key in b.estimates:
        for x, y in ((a[key].estimate, b[key].estimate), (a[key].se, b[key].se)):
            assert (np.isnan(x) and np.isnan(y)) or abs(x - y) <= 1e-12, (key, x, y)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunksize=st.integers(1, 400), which=st.sampled_from(["wide", "long", "long_sorted"]),
       level=st.sampled_from(["nominal", "ordinal"]), declared=st.booleans())
def test_streamed_equals_in_memory_for_any_chunksize(files, chunksize, which, level, declared):
    shape = "wide" if which == "wide" else "long"
    cats = [1, 2, 3, 4] if declared else None
    memory = _quiet(as_ratings, str(files[which]), shape=shape, level=level, categories=cats)
    streamed = _quiet(read_ratings, files[which], shape=shape, chunksize=chunksize,
                      level=level, categories=cats)
    _same(streamed, memory)


def test_chunk_boundaries_split_units(files):
    """Sorted long rows with chunk sizes that cut most units' rows in two (3 rows a chunk,
    up to 4 rows a unit); some units are rated once (kept for the chance margins)."""
    memory = _quiet(as_ratings, str(files["long_sorted"]), shape="long", level="ordinal")
    assert memory._sparse is not None            # units rated once exist in these data
    for chunksize in (3, 5, 7):
        streamed = _quiet(read_ratings, files["long_sorted"], shape="long",
                          chunksize=chunksize, level="ordinal")
        _same(streamed, memory)
        _same(streamed.with_min_ratings(1), memory.with_min_ratings(1))


def test_text_grades_and_text_ids(tmp_path):
    rng = np.random.default_rng(3)
    grades = np.array(["Outstanding", "Good", "Requires improvement", "Inadequate"],
                      dtype=object)
    w = pd.DataFrame(grades[rng.integers(0, 4, (60, 3))], columns=["a", "b", "c"])
    w = w.mask(rng.random(w.shape) < 0.2)
    w.insert(0, "school", [f"S{i:03d}" for i in rng.permutation(60)])
    w.to_csv(tmp_path / "w.csv", index=False)
    cats = list(grades)
    memory = _quiet(as_ratings, str(tmp_path / "w.csv"), level="ordinal", categories=cats)
    for chunksize in (1, 7, 100):
        _same(_quiet(read_ratings, tmp_path / "w.csv", chunksize=chunksize, level="ordinal",
                     categories=cats), memory)


def test_arrays_use_the_compact_dtypes(files):
    rt = _quiet(read_ratings, files["long"], shape="long", chunksize=50)
    udt, rdt, cdt = rating_dtypes(rt.n_units, rt.n_raters, rt.n_categories)
    assert (rt.unit.dtype, rt.rater.dtype, rt.code.dtype) == (udt, rdt, cdt)
    assert rt.unit.nbytes + rt.rater.nbytes + rt.code.nbytes == 9 * rt.n_ratings


def test_rating_dtypes_keep_flat_keys_exact():
    assert rating_dtypes(10, 4, 4) == (np.int32, np.int32, np.int8)
    assert rating_dtypes(2 ** 31 // 4, 4, 4)[0] == np.int64     # unit * 4 would overflow
    assert rating_dtypes(10, 4, 12)[2] == np.int16              # 12 * 12 > 127
    assert rating_dtypes(10, 4, 200)[2] == np.int32


# ------------------------------------------------------------------------------- memory
def _traced_peak(fn):
    tracemalloc.start()
    try:
        _quiet(fn)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


#: Bytes per added rating that a read may allocate at its peak (tracemalloc counts what is
#: allocated, not what is resident): the Ratings arrays (9), the ids (8 per unit, 2-3 per
#: rating), a count per unit and, for long data, the chunk-local codes (9) while the final
#: arrays are filled plus, for a file not grouped by unit, the sorted keys of the duplicate
#: check (4); segments grow
#: geometrically, so the difference of two sizes carries some slack.
BYTES_PER_RATING = 32


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_read_memory_per_rating_is_bounded(tmp_path, shape):
    paths = {}
    for n in (40_000, 80_000):
        w = _wide(n, seed=n, single=False)
        paths[n] = _write(w if shape == "wide" else _long(w, shuffle=False),
                          tmp_path / f"{shape}{n}.csv")
    peaks, ratings = {}, {}
    for n, path in paths.items():
        peaks[n] = _traced_peak(lambda: read_ratings(path, shape=shape, chunksize=5_000,
                                                     categories=[1, 2, 3, 4]))
        ratings[n] = _quiet(read_ratings, path, shape=shape, chunksize=5_000,
                            categories=[1, 2, 3, 4]).n_ratings
    per_rating = (peaks[80_000] - peaks[40_000]) / (ratings[80_000] - ratings[40_000])
    assert 0 < per_rating < BYTES_PER_RATING, per_rating


# ---------------------------------------------------------------------------- bad input
def _grades_file(tmp_path, *, bad_row, bad_value, shape="wide", n=300):
    w = _wide(n, single=False)
    w = w.astype({c: "Int64" for c in w.columns[1:]}).astype(object)
    w.iloc[bad_row, 2] = bad_value                   # column insp1
    if shape == "long":
        w = w.melt(id_vars="urn", var_name="rater", value_name="rating").rename(
            columns={"urn": "unit"})
    path = tmp_path / f"{shape}.csv"
    w.to_csv(path, index=False)
    return path, w


@pytest.mark.parametrize("shape", ["wide", "long"])
def test_new_category_in_a_later_chunk_names_row_and_column(tmp_path, shape):
    path, frame = _grades_file(tmp_path, bad_row=250, bad_value=7, shape=shape)
    row = 251 if shape == "wide" else int(np.flatnonzero(
        (frame["rating"] == 7).to_numpy())[0]) + 1
    col = "insp1" if shape == "wide" else "rating"
    with pytest.raises(ReliabilityError, match=rf"rating '7' at row {row}, column '{col}'"
                                                r" is not one of the categories"):
        _quiet(read_ratings, path, shape=shape, chunksize=40, categories=[1, 2, 3, 4])


@pytest.mark.parametrize("declared", [True, False])
def test_text_cell_at_ordinal_level_names_row_and_column(tmp_path, declared):
    path, _ = _grades_file(tmp_path, bad_row=250, bad_value="x")
    cats = [1, 2, 3, 4] if declared else None
    with pytest.raises(ReliabilityError, match=r"'x' at row 251, column 'insp1'"):
        _quiet(read_ratings, path, chunksize=40, level="ordinal", categories=cats)


@pytest.mark.parametrize("shape", ["wide", "long"])
@pytest.mark.parametrize("declared", [True, False])
def test_repeated_header_line_in_a_later_chunk(tmp_path, shape, declared):
    w = _wide(200, single=False)
    frame = w if shape == "wide" else _long(w, shuffle=False)
    head = ",".join(frame.columns)
    path = _write(frame, tmp_path / "x.csv")
    lines = path.read_text().splitlines()
    lines.insert(150 + 1, head)                      # after data row 150
    path.write_text("\n".join(lines) + "\n")
    cats = [1, 2, 3, 4] if declared else None
    with pytest.raises(ReliabilityError, match=r"row 151 repeats the header"):
        _quiet(read_ratings, path, shape=shape, chunksize=40, categories=cats)


def test_duplicated_column_name_is_refused_as_in_memory(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("urn,insp1,insp2,insp1\n1,1,2,1\n2,2,2,3\n3,1,1,1\n")
    with pytest.raises(ReliabilityError, match=r"duplicated column name 'insp1' "
                                                r"\(columns 2 and 4\)"):
        read_ratings(path, chunksize=1)
    with pytest.raises(ReliabilityError, match="duplicated column name 'insp1'"):
        as_ratings(str(path))


def test_duplicate_rating_pair_across_chunks_names_the_row(tmp_path):
    path = tmp_path / "pairs.csv"
    rows = ["unit,rater,rating"] + [f"{u},{r},{(u + j) % 4 + 1}" for u in range(50)
                                    for j, r in enumerate("ab")] + ["7,b,1"]
    path.write_text("\n".join(rows) + "\n")
    msg = r"duplicate rating: unit 7 by rater 'b' appears more than once \(row 101\)"
    with pytest.raises(ReliabilityError, match=msg):
        read_ratings(path, shape="long", chunksize=9)
    with pytest.raises(ReliabilityError, match=msg):
        as_ratings(str(path), shape="long")


@pytest.mark.parametrize("block", [2, 3, 5, 1 << 22])
@pytest.mark.parametrize("duplicate", [True, False])
def test_duplicate_pair_in_a_file_grouped_by_unit(tmp_path, monkeypatch, block, duplicate):
    """A file grouped by unit in id order is checked in blocks cut at unit boundaries (no
    key array for the whole file): a pair rated twice within one unit's run is found however
    the blocks fall, with the in-memory message."""
    import reliability.streaming as streaming

    monkeypatch.setattr(streaming, "_BLOCK", block)
    rows = ["unit,rater,rating"]
    for u in range(30):
        raters = "abc" if u != 7 else ("abcb" if duplicate else "abc")
        rows += [f"{u},{r},{(u + j) % 4 + 1}" for j, r in enumerate(raters)]
    path = tmp_path / "grouped.csv"
    path.write_text("\n".join(rows) + "\n")
    if duplicate:
        msg = r"duplicate rating: unit 7 by rater 'b' appears more than once \(row 25\)"
        with pytest.raises(ReliabilityError, match=msg):
            read_ratings(path, shape="long", chunksize=4)
        with pytest.raises(ReliabilityError, match=msg):
            as_ratings(str(path), shape="long")
    else:
        _same(read_ratings(path, shape="long", chunksize=4), as_ratings(str(path), shape="long"))


@pytest.mark.parametrize("which", ["wide", "long", "long_sorted"])
def test_arrays_grow_when_the_row_bound_is_low(files, which, monkeypatch):
    """The arrays are preallocated from a newline count; a bound that is too low (as for a
    file whose count is off) grows them and gives the same Ratings."""
    import reliability.streaming as streaming

    shape = "wide" if which == "wide" else "long"
    memory = _quiet(as_ratings, str(files[which]), shape=shape)
    monkeypatch.setattr(streaming, "_row_bound", lambda path, fmt=None: 3)
    for chunksize in (2, 50):
        _same(_quiet(read_ratings, files[which], shape=shape, chunksize=chunksize), memory)


def test_wide_ids_integer_then_text_and_duplicates(tmp_path):
    """Integer ids in the first chunks and text ids later are read as in memory; a repeated
    id out of order is refused naming its row."""
    w = pd.DataFrame({"urn": ["5", "3", "9", "X1", "7"], "a": [1, 2, 3, 4, 1],
                      "b": [1, 2, 4, 4, 2]})
    w.to_csv(tmp_path / "w.csv", index=False)
    memory = _quiet(as_ratings, str(tmp_path / "w.csv"))
    for chunksize in (1, 2, 3, 10):
        _same(_quiet(read_ratings, tmp_path / "w.csv", chunksize=chunksize), memory)
    w.loc[4, "urn"] = "3"
    w.loc[3, "urn"] = "8"
    w.to_csv(tmp_path / "d.csv", index=False)
    for chunksize in (1, 10):
        with pytest.raises(ReliabilityError, match=r"duplicate unit 3 .*row 5"):
            _quiet(read_ratings, tmp_path / "d.csv", chunksize=chunksize)
