"""Out-of-core input: build :class:`~reliability.data.Ratings` from CSV / Parquet in chunks.

Only the integer-coded arrays (``unit`` int64, ``rater`` int32, ``code`` int32: 16 bytes
per rating) and the unit / rater labels are kept; the DataFrame of one chunk at a time is
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

import os
from pathlib import Path

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, require_columns, show
from reliability.data import (Ratings, build_ratings, category_values, check_level,
                              code_ratings, normalise_ids, open_text, refuse_duplicate_pairs,
                              replace_missing)

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
    try:
        with open_text(p, encoding=encoding) as fh:
            for chunk in pd.read_csv(fh, chunksize=int(chunksize), usecols=columns, dtype=str,
                                     keep_default_na=False, na_filter=False):
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


class _LongCoder:
    """Integer-codes long chunks with global, incremental unit / rater label maps."""

    def __init__(self, unit, rater, rating, level, categories):
        self.cols = (unit, rater, rating)
        self.level, self.categories = level, categories
        self.units: dict = {}
        self.raters: dict = {}
        self.parts: list = []
        self.offset = 0

    @staticmethod
    def _global(mapping: dict, local_uniques) -> np.ndarray:
        # A dict lookup per distinct label of the chunk (not per row): linear overall,
        # whereas re-indexing a growing pandas Index per chunk would be quadratic.
        return np.fromiter((mapping.setdefault(x, len(mapping)) for x in local_uniques),
                           dtype=np.int64, count=len(local_uniques))

    def add(self, frame: pd.DataFrame) -> None:
        unit, rater, rating = self.cols
        require_columns(frame, [unit, rater, rating])
        for col in (unit, rater):
            na = frame[col].isna().to_numpy()
            if na.any():
                row = self.offset + int(np.flatnonzero(na)[0])
                raise ReliabilityError(f"column {col!r} is empty in row {row + 1}")
        uc, uu = pd.factorize(normalise_ids(frame[unit], numeric=False))
        rc, ru = pd.factorize(normalise_ids(frame[rater], numeric=False))
        u = self._global(self.units, list(uu))[uc]
        r = self._global(self.raters, list(ru))[rc].astype(np.int32)
        observed = frame[rating].notna().to_numpy()
        code = np.full(len(frame), -1, dtype=np.int32)
        if observed.any():
            code[observed], _, _ = code_ratings(
                frame[rating].to_numpy()[observed], self.level, self.categories, column=rating,
                rows=self.offset + np.flatnonzero(observed))
        self.parts.append((u, r, code))
        self.offset += len(frame)

    def finish(self, min_ratings: int) -> Ratings:
        unit_col, rater_col, rating = self.cols
        if not self.parts:
            raise ReliabilityError("no rows: the input has a header but no ratings")
        u = np.concatenate([p[0] for p in self.parts])
        r = np.concatenate([p[1] for p in self.parts])
        code = np.concatenate([p[2] for p in self.parts])
        self.parts = []
        # Renumber in sorted label order, as pandas.factorize(sort=True) does in memory.
        unit_new, unit_labels = pd.factorize(normalise_ids(list(self.units)), sort=True)
        rater_new, rater_labels = pd.factorize(normalise_ids(list(self.raters)), sort=True)
        u = unit_new.astype(np.int64)[u]
        r = rater_new.astype(np.int32)[r]
        refuse_duplicate_pairs(u, r, unit_labels, rater_labels)
        observed = code >= 0
        if not observed.any():
            raise ReliabilityError("no ratings: every value is missing")
        cats, values = _cats_values(self.categories, self.level)
        return build_ratings(u[observed], r[observed], code[observed], cats, values, self.level,
                       pd.Index(unit_labels, name=unit_col),
                       pd.Index(rater_labels, name=rater_col), "long", min_ratings)


class _WideCoder:
    """Integer-codes wide chunks: one row per unit (id column), one column per rater."""

    def __init__(self, unit, level, categories):
        self.unit, self.level, self.categories = unit, level, categories
        self.columns = None
        self.ids: list = []
        self.parts: list = []
        self.offset = 0

    def add(self, frame: pd.DataFrame) -> None:
        if self.columns is None:
            if frame.shape[1] < 2:
                raise ReliabilityError(
                    f"wide data need an id column and at least one rater column; got "
                    f"{frame.shape[1]} column(s)")
            self.unit = self.unit if self.unit is not None else frame.columns[0]
            require_columns(frame, [self.unit])
            self.columns = [c for c in frame.columns if c != self.unit]
        ids = frame[self.unit]
        body = frame[self.columns]
        matrix = body.to_numpy(dtype=object) if body.dtypes.nunique() > 1 else body.to_numpy()
        observed = ~pd.isna(matrix)
        u, r = np.nonzero(observed)
        code = np.empty(0, dtype=np.int32)
        if len(u):
            code, _, _ = code_ratings(matrix[u, r], self.level, self.categories, column=None,
                                      rows=self.offset + u, cols=r, col_names=self.columns)
        self.ids.append(normalise_ids(ids, numeric=False).to_numpy(dtype=object))
        self.parts.append((u.astype(np.int64) + self.offset, r.astype(np.int32),
                           np.asarray(code, dtype=np.int32)))
        self.offset += len(frame)

    def finish(self, min_ratings: int) -> Ratings:
        if self.offset == 0:
            raise ReliabilityError("no rows: the input has a header but no units")
        ids = normalise_ids(pd.Index(np.concatenate(self.ids), dtype=object, name=self.unit))
        if ids.duplicated().any():
            row = int(np.flatnonzero(ids.duplicated())[0])
            raise ReliabilityError(
                f"duplicate unit {show(ids[row])} in column {self.unit!r} (row {row + 1})")
        u = np.concatenate([p[0] for p in self.parts])
        if len(u) == 0:
            raise ReliabilityError("no ratings: every value is missing")
        r = np.concatenate([p[1] for p in self.parts])
        code = np.concatenate([p[2] for p in self.parts])
        cats, values = _cats_values(self.categories, self.level)
        return build_ratings(u, r, code, cats, values, self.level, ids,
                       pd.Index(self.columns, name="rater"), "wide", min_ratings)


def _cats_values(categories, level):
    return category_values(categories, level)


def _first_pass_categories(chunks, shape, level, unit, rating):
    seen: dict = {}
    for frame in chunks:
        if shape == "long":
            require_columns(frame, [rating])
            vals = frame[rating].dropna()
        else:
            uid = unit if unit is not None else frame.columns[0]
            vals = frame.drop(columns=[uid]).stack().dropna() if frame.shape[1] > 1 \
                else pd.Series([], dtype=float)
        for v in pd.unique(vals.to_numpy()):
            seen.setdefault(v, None)
    if not seen:
        raise ReliabilityError("no ratings: every value is missing")
    return _infer_categories(list(seen), level, rating if shape == "long" else None)


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
        Rows per chunk. Memory is about 16 bytes per rating plus one chunk's DataFrame.
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
        categories = _first_pass_categories(iter_chunks(path, **kw), shape, level, unit, rating)
    if shape == "long":
        coder = _LongCoder(unit or "unit", rater, rating, level, categories)
    else:
        coder = _WideCoder(unit, level, categories)
    for frame in iter_chunks(path, **kw):
        coder.add(frame)
    return coder.finish(min_ratings)

