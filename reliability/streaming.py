"""Out-of-core input: build :class:`~reliability.data.Ratings` from CSV / Parquet in chunks.

Only the integer-coded arrays (the dtypes of ``reliability.data.rating_dtypes``: ``unit``
int32, ``rater`` int32, ``code`` int8, 9 bytes per rating) and the unit / rater labels are
kept; the DataFrame of one chunk at a time is
read, coded and dropped. The resulting :class:`Ratings` is identical (same arrays, labels,
categories) to the one :func:`reliability.as_ratings` builds from the whole file, so every
analysis on it gives exactly the same numbers as the in-memory path.

Categories: pass ``categories=`` (in order) to read the file once. Without them a first
pass collects the distinct rating values (kept as a small set) and the categories are
inferred exactly as :func:`~reliability.as_ratings` infers them (numbers sorted; text sorted
at the nominal level; ordinal text needs ``categories``), then a second pass codes them.

Long data: units may span chunks. Unit and rater labels are factorised globally with
incremental label maps (first seen order) and renumbered in sorted order at the end, as
:meth:`Ratings.from_long` does. Wide data: the first column (or ``unit``) holds unit ids,
the other columns are raters; units keep file order.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, require_columns, show
from reliability._io import _open_binary, detect_encoding, header_names
from reliability.data import (Ratings, build_ratings, category_values, check_level,
                              code_ratings, normalise_ids, open_text, rating_dtypes,
                              refuse_duplicate_pairs, replace_missing)

__all__ = ["read_ratings", "iter_chunks"]

def _format(path, fmt):
    if fmt is not None:
        if fmt not in ("csv", "parquet"):
            raise ReliabilityError(f"format must be 'csv' or 'parquet'; got {fmt!r}")
        return fmt
    suffix = Path(os.fspath(path)).suffix.lower()
    return "parquet" if suffix in (".parquet", ".pq") else "csv"


def iter_chunks(path, *, chunksize: int = 200_000, format: str | None = None,
                encoding: str | None = None, columns=None):
    """Yield DataFrames of at most ``chunksize`` rows from a CSV or Parquet file.

    CSV is decoded as :func:`reliability._io.read_csv` decodes it (cells kept as text,
    missing codes as NaN);
    Parquet is read by row batches with pyarrow. The file is only opened for reading.
    """
    p = Path(os.fspath(path))
    if not p.exists():
        raise ReliabilityError(f"file not found: {p}")
    if int(chunksize) < 1:
        raise ReliabilityError(f"chunksize must be a positive integer; got {chunksize!r}")
    if _format(p, format) == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(p)
        for batch in pf.iter_batches(batch_size=int(chunksize), columns=columns):
            yield batch.to_pandas()
        return
    # One decoder for every reader (BOMs, UTF-16/32, compression, mixed encodings), decided
    # before the first chunk because a chunked reader cannot switch encoding afterwards.
    # Cells stay text so that ids such as 007 and missing codes such as "." are read as
    # as_ratings reads them.
    # the encoding is decided once (a scan of the file) for the header and the chunks
    encoding = encoding or detect_encoding(p)
    try:
        with open_text(p, encoding=encoding) as fh:
            # the header as read_csv checks it: a repeated column name is refused, names
            # are tidied (spaces, Unicode form) the same way
            header_names(next(csv.reader(fh), []), p)
        with open_text(p, encoding=encoding) as fh:
            for chunk in pd.read_csv(fh, chunksize=int(chunksize), usecols=columns, dtype=str,
                                     keep_default_na=False, na_filter=False):
                chunk.columns = header_names(list(chunk.columns), p)
                yield replace_missing(chunk, where=str(p), warn=False)[0]
    except UnicodeDecodeError as exc:
        raise ReliabilityError(
            f"cannot decode {p}: {exc.reason}; pass the file's encoding") from exc
    except pd.errors.EmptyDataError as exc:
        raise ReliabilityError(f"file has no columns: {p}") from exc
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ReliabilityError(f"cannot parse {p}: {first}") from exc


def _infer_categories(values: list, level: str, column) -> tuple:
    """Categories exactly as :func:`reliability.data.code_ratings` infers them."""
    raw = pd.unique(pd.Series(values, dtype=object) if any(isinstance(v, str) for v in values)
                    else pd.Series(values))
    _, cats, _ = code_ratings(np.asarray(raw), level, None, column=column,
                              rows=np.arange(len(raw)))
    return cats


def _whole_numbers(col: pd.Series):
    """float64 (NaN = missing) of a text column whose present cells are all whole numbers
    below 2**53, parsed by pyarrow in C++; None otherwise (pyarrow missing, any other text:
    the cells then go through :func:`code_ratings` as text, as in memory). Whole numbers
    written as text have one float value whichever parser reads them."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    try:
        arr = pa.array(col, from_pandas=True)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return None
        x = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    nan = np.isnan(x)
    if not np.array_equal(nan, arr.is_null().to_numpy(zero_copy_only=False)):
        return None                                       # a "nan" spelling: not ours
    ok = x[~nan]
    if ok.size and not (np.array_equal(ok, np.round(ok)) and np.abs(ok).max() < 2.0 ** 53):
        return None
    return x


def _code_dtype(categories, level):
    cats, _ = category_values(categories, level)
    return rating_dtypes(1, 1, len(cats))[2]


def _compact_ids(ids: pd.Index):
    """A chunk's ids normalised by :func:`normalise_ids`: int64 when all are canonical
    integers (8 bytes each, as over the whole file), else the tidy text (object)."""
    ids = normalise_ids(ids)
    return ids.to_numpy() if ids.dtype.kind == "i" else ids.to_numpy(dtype=object)


def _join_ids(parts: list) -> np.ndarray:
    """Concatenate chunks of ids: int64 if every chunk was integer, else all as text.

    A chunk of canonical integers is written back as text exactly (``str(int(t)) == t``),
    so the result is what :func:`normalise_ids` gives for the whole column. Integer parts
    are released from ``parts`` as they are copied (callers discard the list).
    """
    if all(p.dtype.kind == "i" for p in parts):
        # copied part by part into the result, each part released once copied: the ids are
        # held once, where a concatenate holds them twice (8 bytes a unit at the peak)
        out = np.empty(sum(len(p) for p in parts), dtype=np.int64)
        pos = 0
        for i in range(len(parts)):                      # a loop over chunks
            out[pos:pos + len(parts[i])] = parts[i]
            pos += len(parts[i])
            parts[i] = None
        return out
    return np.concatenate([p.astype(str).astype(object) if p.dtype.kind == "i" else p
                           for p in parts])


def _first_duplicate(ids: np.ndarray) -> int | None:
    """Row of the first id seen before (as ``Index.duplicated``), or None.

    Integers by sorting (16 bytes per unit, no hash table); text with pandas."""
    if ids.dtype.kind != "i":
        dup = pd.Index(ids, dtype=object).duplicated()
        return int(np.flatnonzero(dup)[0]) if dup.any() else None
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return None                                       # ascending ids: no sort
    s = np.sort(ids)
    if not (s[1:] == s[:-1]).any():
        return None
    del s
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    later = np.flatnonzero(s[1:] == s[:-1])
    return int(order[later + 1].min()) if len(later) else None


def _no_duplicate_pairs(unit, rater, unit_labels, rater_labels) -> None:
    """:func:`refuse_duplicate_pairs` without its hash table of 16+ bytes a rating: the
    ``unit * k + rater`` keys (int32 when they fit: 4 bytes a rating) are sorted in place and
    neighbours compared block by block; only a file with a duplicate pays for the message.
    """
    k = max(len(rater_labels), 1)
    dt = np.int32 if len(unit_labels) * k < 2 ** 31 else np.int64
    if _grouped_by_unit(unit):
        # ratings grouped by unit in unit order (exports are): a duplicate pair lies within
        # one unit's run, so blocks cut at unit boundaries are checked on their own, with
        # no key array for the whole file (4 bytes a rating at the peak)
        n, s = len(unit), 0
        while s < n:                                      # a loop over blocks of ratings
            e = n if s + _BLOCK >= n else int(np.searchsorted(unit, unit[s + _BLOCK], "left"))
            if e <= s:                                    # one unit longer than a block
                e = int(np.searchsorted(unit, unit[s], "right"))
            key = unit[s:e].astype(dt)
            key *= k
            key += rater[s:e]
            key.sort()
            if (key[1:] == key[:-1]).any():
                refuse_duplicate_pairs(unit, rater, unit_labels, rater_labels)
            s = e
        return
    key = np.empty(len(unit), dtype=dt)
    for s in range(0, len(unit), _BLOCK):             # a loop over blocks of ratings
        np.multiply(unit[s:s + _BLOCK], k, out=key[s:s + _BLOCK], dtype=dt)
        key[s:s + _BLOCK] += rater[s:s + _BLOCK]
    key.sort()
    dup = False
    for s in range(0, len(key) - 1, _BLOCK):         # neighbours, block by block
        e = min(s + _BLOCK, len(key) - 1)
        if (key[s:e] == key[s + 1:e + 1]).any():
            dup = True
            break
    del key
    if dup:
        refuse_duplicate_pairs(unit, rater, unit_labels, rater_labels)


_BLOCK = 1 << 22


def _grouped_by_unit(unit: np.ndarray) -> bool:
    """Whether the unit codes never decrease (checked block by block: no n-sized temporary)."""
    for s in range(0, len(unit) - 1, _BLOCK):         # a loop over blocks of ratings
        e = min(s + _BLOCK, len(unit) - 1)
        if (unit[s + 1:e + 1] < unit[s:e]).any():
            return False
    return True


class _Segments:
    """An append-only array kept in segments, read back in order.

    Chunk-sized arrays would come from the heap, where freed ones stay resident; segments
    grow geometrically to ``1 << 23`` elements, and arrays that large are mapped and
    unmapped by the allocator, so each segment's memory goes back to the system as soon as
    ``take`` has read past it (and small inputs allocate little).
    """

    SIZE = 1 << 23

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self.segs: list = []
        self.starts: list = []          # first element of each segment
        self.n = 0

    def append(self, a: np.ndarray) -> None:
        a = np.asarray(a, dtype=self.dtype).ravel()
        while len(a):
            end = self.starts[-1] + len(self.segs[-1]) if self.segs else 0
            if end == self.n:                      # the last segment is full
                size = min(self.SIZE, max(len(a), self.n, 1 << 12))
                self.segs.append(np.empty(size, dtype=self.dtype))
                self.starts.append(self.n)
                end = self.n + size
            m = min(len(a), end - self.n)
            used = self.n - self.starts[-1]
            self.segs[-1][used:used + m] = a[:m]
            self.n += m
            a = a[m:]

    def take(self, pos: int, m: int, *, release: bool = True) -> np.ndarray:
        """Elements ``pos .. pos + m - 1``; segments wholly before ``pos`` are released
        (unless ``release`` is False)."""
        if m == 0:
            return np.empty(0, dtype=self.dtype)
        first = int(np.searchsorted(self.starts, pos, side="right")) - 1
        last = int(np.searchsorted(self.starts, pos + m - 1, side="right")) - 1
        for i in range(first if release else 0):
            self.segs[i] = None
        if first == last:
            off = pos - self.starts[first]
            return self.segs[first][off:off + m]
        out = np.empty(m, dtype=self.dtype)
        w = 0
        for i in range(first, last + 1):
            lo = max(pos, self.starts[i]) - self.starts[i]
            hi = min(pos + m - self.starts[i], len(self.segs[i]))
            out[w:w + hi - lo] = self.segs[i][lo:hi]
            w += hi - lo
        return out


def _row_bound(path, format=None) -> int:
    """An upper bound on the data rows of a file, cheaply: Parquet's row count, or the
    newline bytes of the (decompressed) CSV counted in 8 MiB blocks, plus one. A quoted
    newline only raises the bound; pages of a preallocated array beyond the rows actually
    read are never touched, so they cost address space, not resident memory."""
    p = Path(os.fspath(path))
    if not p.is_file():
        return 1                                      # iter_chunks says what is wrong
    if _format(p, format) == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(p).metadata.num_rows)
    n = 1
    with _open_binary(p) as fh:
        while True:                                   # a loop over 8 MiB blocks
            block = fh.read(1 << 23)
            if not block:
                return n
            n += block.count(b"\n")


class _Filled:
    """A preallocated array filled in place chunk by chunk (no list of chunk arrays and no
    concatenation: the data are held once). Grows (one copy) only if the bound was low."""

    def __init__(self, dtype, bound: int):
        self.a = np.empty(max(int(bound), 1), dtype=dtype)
        self.n = 0

    def append(self, x: np.ndarray) -> None:
        m = len(x)
        if self.n + m > len(self.a):                 # bound too low: grow geometrically
            b = np.empty(max(2 * len(self.a), self.n + m), dtype=self.a.dtype)
            b[:self.n] = self.a[:self.n]
            self.a = b
        self.a[self.n:self.n + m] = x
        self.n += m

    def view(self) -> np.ndarray:
        return self.a[:self.n]


class _LongCoder:
    """Integer-codes long chunks; labels are factorised per chunk and joined at the end.

    Per rating only the chunk-local unit and rater codes (int32) and the category code
    (int8 for up to 11 categories, ``-1`` = missing) are kept: 9 bytes. Per chunk its
    distinct unit / rater ids are kept (int64 when numeric), so a file grouped by unit
    keeps about one id per unit; a shuffled file at most one per rating and chunk.
    ``finish`` sorts the ids once (as ``pandas.factorize(sort=True)`` does in memory) and
    rewrites the local codes into global ones in place.
    """

    def __init__(self, unit, rater, rating, level, categories):
        self.cols = (unit, rater, rating)
        self.level, self.categories = level, categories
        self.cdt = _code_dtype(categories, level)
        self.parts: list = []                     # per chunk: (rows, unit ids, rater ids)
        self.ucodes = _Segments(np.int32)
        self.rcodes = _Segments(np.int32)
        self.codes = _Segments(self.cdt)
        self.offset = 0

    def add(self, frame: pd.DataFrame) -> None:
        unit, rater, rating = self.cols
        require_columns(frame, [unit, rater, rating])
        local = []
        for col in (unit, rater):
            na = frame[col].isna().to_numpy()
            if na.any():
                row = self.offset + int(np.flatnonzero(na)[0])
                raise ReliabilityError(f"column {col!r} is empty in row {row + 1}")
            codes, uniques = pd.factorize(normalise_ids(frame[col]))
            local += [codes.astype(np.int32), _compact_ids(uniques)]
        values = _whole_numbers(frame[rating])
        if values is None:
            values = frame[rating].to_numpy()
            observed = ~pd.isna(values)
        else:
            observed = ~np.isnan(values)
        code = np.full(len(frame), -1, dtype=self.cdt)
        if observed.any():
            rows = self.offset + np.flatnonzero(observed)
            try:
                code[observed], _, _ = code_ratings(values[observed], self.level,
                                                    self.categories, column=rating, rows=rows)
            except ReliabilityError:
                # the message shows the cell as written, as in memory
                code_ratings(frame[rating].to_numpy()[observed], self.level, self.categories,
                             column=rating, rows=rows)
                raise
        self.ucodes.append(local[0])
        self.rcodes.append(local[2])
        self.codes.append(code)
        self.parts.append((len(frame), local[1], local[3]))
        self.offset += len(frame)

    @staticmethod
    def _labels(uniques: list):
        """Sorted labels of all chunks and, per chunk, its local -> global code map
        (``uniques`` is emptied)."""
        bounds = np.cumsum([0] + [len(u) for u in uniques])
        joined = _join_ids(uniques)             # releases integer chunks as it copies them
        uniques.clear()
        if joined.dtype.kind == "i" and bool(np.all(joined[1:] >= joined[:-1])):
            # ids in ascending order (a file grouped by unit in id order; a unit split
            # between chunks appears twice in a row): no sort needed
            first = np.empty(len(joined), dtype=bool)
            first[:1] = True
            np.not_equal(joined[1:], joined[:-1], out=first[1:])
            inverse = np.cumsum(first, dtype=np.int32 if len(first) < 2 ** 31 else np.int64)
            inverse -= 1
            # the labels compacted within the joined ids (forward copies, block by block):
            # no second array of ids
            w = 0
            for s in range(0, len(joined), _BLOCK):      # a loop over blocks of ids
                block = joined[s:s + _BLOCK][first[s:s + _BLOCK]]
                joined[w:w + len(block)] = block
                w += len(block)
            del first
            labels = joined[:w]
        elif joined.dtype.kind == "i":
            labels, inverse = np.unique(joined, return_inverse=True)
        else:
            inverse, labels = pd.factorize(pd.Index(joined, dtype=object), sort=True)
        del joined
        return labels, [inverse[a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def finish(self, min_ratings: int) -> Ratings:
        unit_col, rater_col, rating = self.cols
        if not self.parts or self.offset == 0:
            raise ReliabilityError("no rows: the input has a header but no ratings")
        lengths = [p[0] for p in self.parts]
        uniques, raters = [p[1] for p in self.parts], [p[2] for p in self.parts]
        self.parts = []
        unit_labels, unit_maps = self._labels(uniques)
        rater_labels, rater_maps = self._labels(raters)
        unit_labels = pd.Index(normalise_ids(unit_labels), name=unit_col)
        rater_labels = pd.Index(normalise_ids(rater_labels), name=rater_col)
        udt, rdt, _ = rating_dtypes(len(unit_labels), len(rater_labels),
                                    len(category_values(self.categories, self.level)[0]))
        n = self.offset
        u = np.empty(n, dtype=udt)
        r = np.empty(n, dtype=rdt)
        code = np.empty(n, dtype=self.cdt)
        pos = 0
        for m, umap, rmap in zip(lengths, unit_maps, rater_maps):  # a loop over chunks
            u[pos:pos + m] = umap[self.ucodes.take(pos, m)]
            r[pos:pos + m] = rmap[self.rcodes.take(pos, m)]
            code[pos:pos + m] = self.codes.take(pos, m)
            pos += m
        self.parts = []
        self.ucodes = self.rcodes = self.codes = None
        del unit_maps, rater_maps
        _no_duplicate_pairs(u, r, unit_labels, rater_labels)
        # Drop the rows without a rating in place (forward copies: write <= read position).
        w = 0
        for s in range(0, n, _BLOCK):                     # a loop over blocks of ratings
            keep = code[s:s + _BLOCK] >= 0
            m = int(keep.sum())
            if m == len(keep):
                if w != s:
                    u[w:w + m], r[w:w + m], code[w:w + m] = \
                        u[s:s + m], r[s:s + m], code[s:s + m]
            else:
                u[w:w + m] = u[s:s + _BLOCK][keep]
                r[w:w + m] = r[s:s + _BLOCK][keep]
                code[w:w + m] = code[s:s + _BLOCK][keep]
            w += m
        if w == 0:
            raise ReliabilityError("no ratings: every value is missing")
        cats, values = _cats_values(self.categories, self.level)
        return build_ratings(u[:w], r[:w], code[:w], cats, values, self.level,
                             unit_labels, rater_labels, "long", min_ratings)


class _WideCoder:
    """Integer-codes wide chunks: one row per unit (id column), one column per rater.

    Each chunk's ratings (row-major, as in memory) go straight into the final unit, rater
    and code arrays, preallocated from a bound on the rows (:func:`_row_bound`) and filled
    in place (9 bytes a rating), with the ratings per unit (int8 for fewer than 128 raters)
    and the ids (int64 when numeric): nothing is concatenated at the end.
    """

    def __init__(self, unit, level, categories, bound: int):
        self.unit, self.level, self.categories = unit, level, categories
        self.cdt = _code_dtype(categories, level)
        self.bound = int(bound)
        self.columns = None
        self.ids = None                           # _Filled int64, or a list when text
        self.offset = 0

    def _start(self, frame: pd.DataFrame) -> None:
        if frame.shape[1] < 2:
            raise ReliabilityError(
                f"wide data need an id column and at least one rater column; got "
                f"{frame.shape[1]} column(s)")
        self.unit = self.unit if self.unit is not None else frame.columns[0]
        require_columns(frame, [self.unit])
        self.columns = [c for c in frame.columns if c != self.unit]
        k = len(self.columns)
        q = len(category_values(self.categories, self.level)[0])
        udt = rating_dtypes(self.bound, k, q)[0]
        self.u = _Filled(udt, self.bound * k)
        self.r = _Filled(np.int32, self.bound * k)
        self.code = _Filled(self.cdt, self.bound * k)
        # at most k ratings a unit: the smallest integer type holding k (1 byte a unit for
        # fewer than 128 raters, where int64 cost 8: about 2 bytes a rating at the peak)
        self.per_unit = _Filled(np.min_scalar_type(-k - 1), self.bound)
        self.per_rater = np.zeros(k, dtype=np.int64)
        self.ids = _Filled(np.int64, self.bound)

    def add(self, frame: pd.DataFrame) -> None:
        if self.columns is None:
            self._start(frame)
        body = frame[self.columns]
        numbers = [_whole_numbers(body.iloc[:, j]) for j in range(body.shape[1])]
        if all(x is not None for x in numbers):           # grades as numbers: C++ parse
            matrix = np.column_stack(numbers)
            observed = ~np.isnan(matrix)
        else:
            matrix = (body.to_numpy(dtype=object) if body.dtypes.nunique() > 1
                      else body.to_numpy())
            observed = ~pd.isna(matrix)
        del numbers
        u, r = np.nonzero(observed)                       # row-major, as in memory
        code = np.empty(len(u), dtype=self.cdt)
        if len(u):
            where = dict(column=None, rows=self.offset + u, cols=r, col_names=self.columns)
            try:
                code[:], _, _ = code_ratings(matrix[u, r], self.level, self.categories,
                                             **where)
            except ReliabilityError:
                if matrix.dtype.kind == "f":              # name the cell as written
                    code_ratings(body.to_numpy(dtype=object)[u, r], self.level,
                                 self.categories, **where)
                raise
        ids = _compact_ids(frame[self.unit])
        if isinstance(self.ids, _Filled) and ids.dtype.kind != "i":
            self.ids = [self.ids.view().copy()]           # text ids: kept per chunk
        if isinstance(self.ids, _Filled):
            self.ids.append(ids)
        else:
            self.ids.append(ids)
        u += self.offset
        self.u.append(u)
        self.r.append(r)
        self.code.append(code)
        self.per_unit.append(observed.sum(axis=1))
        self.per_rater += observed.sum(axis=0)
        self.offset += len(frame)

    def finish(self, min_ratings: int) -> Ratings:
        if self.offset == 0:
            raise ReliabilityError("no rows: the input has a header but no units")
        ids = self.ids.view() if isinstance(self.ids, _Filled) else _join_ids(self.ids)
        self.ids = None
        row = _first_duplicate(ids)
        if row is not None:
            raise ReliabilityError(
                f"duplicate unit {show(ids[row])} in column {self.unit!r} (row {row + 1})")
        ids = pd.Index(ids, name=self.unit, dtype=None if ids.dtype.kind == "i" else object)
        raters = pd.Index(normalise_ids(pd.Index(self.columns)), name="rater")
        k = len(self.columns)
        per_unit = self.per_unit.view()
        n = self.code.n
        if n == 0:
            raise ReliabilityError("no ratings: every value is missing")
        u, r, code = self.u.view(), self.r.view(), self.code.view()
        self.u = self.r = self.code = self.per_unit = None
        udt = rating_dtypes(len(ids), k, len(category_values(self.categories,
                                                             self.level)[0]))[0]
        if u.dtype != udt:
            u = u.astype(udt)
        cats, values = _cats_values(self.categories, self.level)
        return build_ratings(u, r, code, cats, values, self.level, ids, raters, "wide",
                             min_ratings, per_unit=per_unit, per_rater=self.per_rater)


def _cats_values(categories, level):
    return category_values(categories, level)


def _rating_frame(frame, shape, unit, rating):
    """The rating cells of a chunk (long: the rating column; wide: the rater columns)."""
    if shape == "long":
        require_columns(frame, [rating])
        return frame[[rating]]
    uid = unit if unit is not None else frame.columns[0]
    return frame.drop(columns=[uid])


def _refuse_repeated_header(frame: pd.DataFrame, offset: int) -> None:
    """A data row that repeats the header (files concatenated with their headers)."""
    if frame.empty:
        return
    same = np.ones(len(frame), dtype=bool)
    for col in frame.columns:                          # a loop over columns
        same &= (frame[col] == str(col)).fillna(False).to_numpy(dtype=bool)
        if not same.any():
            return
    row = offset + int(np.flatnonzero(same)[0])
    raise ReliabilityError(
        f"row {row + 1} repeats the header ({', '.join(map(str, frame.columns))}): were files "
        "joined with their headers? Remove the repeated header line")


def _first_pass_categories(chunks, shape, level, unit, rating):
    seen: dict = {}
    offset = 0
    for frame in chunks:
        _refuse_repeated_header(frame, offset)
        offset += len(frame)
        body = _rating_frame(frame, shape, unit, rating)
        vals = body.stack().dropna() if body.shape[1] else pd.Series([], dtype=float)
        for v in pd.unique(vals.to_numpy()):
            seen.setdefault(v, None)
    if not seen:
        raise ReliabilityError("no ratings: every value is missing")
    return _infer_categories(list(seen), level, rating if shape == "long" else None)


def _locate_text(chunks, shape, unit, rating, exc: ReliabilityError):
    """Re-raise ``exc`` naming the first cell that is not a number, when others are numbers
    (the distinct values the first pass collects carry no row numbers)."""
    offset = 0
    any_number = False
    first = None
    for frame in chunks:
        body = _rating_frame(frame, shape, unit, rating)
        for j, col in enumerate(body.columns):         # a loop over columns
            cells = body[col]
            num = pd.to_numeric(cells, errors="coerce")
            any_number = any_number or bool(num.notna().any())
            bad = np.flatnonzero((cells.notna() & num.isna()).to_numpy())
            if len(bad) and (first is None or (offset + bad[0], j) < first[:2]):
                first = (offset + int(bad[0]), j, col, cells.iloc[bad[0]])
        offset += len(frame)
        if first is not None and any_number:
            break
    if first is None or not any_number:
        raise exc
    row, _, col, value = first
    raise ReliabilityError(f"non-numeric rating {show(value)} at row {row + 1}, column "
                           f"{col!r} among numeric ratings: {exc}") from exc


def read_ratings(path, *, shape: str = "wide", chunksize: int = 200_000, categories=None,
                 level: str = "nominal", unit=None, rater: str = "rater",
                 rating: str = "rating", format: str | None = None,
                 encoding: str | None = None, min_ratings: int = 2) -> Ratings:
    """Read ratings from a CSV or Parquet file chunk by chunk (out of core).

    Parameters
    ----------
    path : str or path-like
        CSV (``.csv``, any other suffix) or Parquet (``.parquet`` / ``.pq``) file; never
        modified.
    shape : {"wide", "long"}
        ``wide``: first column (or ``unit``) the unit id, other columns raters, empty =
        missing. ``long``: columns ``unit`` (default ``"unit"``), ``rater``, ``rating``.
    chunksize : int
        Rows per chunk. The result holds 9 bytes per rating plus the labels; the read peaks
        higher (measured at 1e8 ratings with ``agreement()`` after it: 16.0 B/rating wide,
        15.9 B long above the import baseline, docs/performance.md) plus one chunk's
        DataFrame.
    categories : sequence, optional
        Category labels in order. Without them the file is read twice (a first pass
        finds the distinct values).
    level, unit, rater, rating, encoding, min_ratings
        As in :func:`reliability.as_ratings`.
    format : {"csv", "parquet"}, optional
        Default: from the file suffix.

    Returns
    -------
    Ratings
        Identical to ``as_ratings`` on the whole file (``pandas.read_csv`` /
        ``pandas.read_parquet``), so results are exactly the in-memory results.
    """
    level = check_level(level)
    if shape not in ("wide", "long"):
        raise ReliabilityError(f"shape must be 'wide' or 'long' for streaming; got {shape!r}")
    kw = {"chunksize": chunksize, "format": format, "encoding": encoding}
    if categories is None:
        try:
            categories = _first_pass_categories(iter_chunks(path, **kw), shape, level, unit,
                                                rating)
        except ReliabilityError as exc:
            if not str(exc).startswith(("ordinal ratings are text", "non-numeric rating",
                                        "level ")):
                raise
            _locate_text(iter_chunks(path, **kw), shape, unit, rating, exc)
    # wide: one cheap pass (a newline count) to preallocate the final arrays
    bound = _row_bound(path, format) if shape == "wide" else 0
    if shape == "long":
        coder = _LongCoder(unit or "unit", rater, rating, level, categories)
    else:
        coder = _WideCoder(unit, level, categories, bound)
    offset = 0
    for frame in iter_chunks(path, **kw):               # a loop over chunks
        _refuse_repeated_header(frame, offset)
        offset += len(frame)
        coder.add(frame)
    return coder.finish(min_ratings)

