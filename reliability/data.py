"""The input layer: turn long, wide, contingency-table or counts data into :class:`Ratings`.

Every analysis of ratings (agreement, ICC) accepts anything :func:`as_ratings` accepts and
validates it once here. Ratings are integer-coded once: ``unit``, ``rater`` and ``code``
are parallel integer arrays over the observed ratings (long form, so sparse designs such
as 1,376 inspectors each seeing a few schools never build a dense unit x rater matrix
unless an analysis asks for one).

Conventions
-----------
* Missing ratings are NaN / empty cells and are simply absent from the long arrays.
* Units with fewer than ``min_ratings`` ratings (default 2) are dropped with a
  :class:`~reliability.DataWarning` that counts them; an error is raised if none remain.
* Category order: given by ``categories``; otherwise inferred (numbers sorted
  numerically; pandas ordered categoricals keep their order; strings sorted only at
  the nominal level; ordinal strings without an order are an error).
* Category values (used by linear/quadratic weights and interval/ratio metrics) are the
  numbers themselves for numeric categories and the ranks 1..q for text categories.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, require_columns, show
from reliability._io import open_text, read_csv, replace_missing

LEVELS = ("nominal", "ordinal", "interval", "ratio")

# Set (to a list) by :func:`wide_digits`: Ratings.from_wide then leaves in it the units x
# raters block of ``code + 1`` its fast coder made, for the agreement statistics.
_DIGITS: contextvars.ContextVar = contextvars.ContextVar("reliability_wide_digits",
                                                         default=None)
SHAPES = ("long", "wide", "table", "counts")


def is_dask_dataframe(obj) -> bool:
    """True for a ``dask.dataframe.DataFrame`` (without importing dask)."""
    mod = type(obj).__module__ or ""
    return mod.startswith("dask") and hasattr(obj, "npartitions") and hasattr(obj, "columns")


def check_level(level: str) -> str:
    """``level`` if it is one of :data:`LEVELS`, else a :class:`ReliabilityError`."""
    if level not in LEVELS:
        raise ReliabilityError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    return level


@dataclass(frozen=True, eq=False)
class Ratings:
    """Validated, integer-coded ratings of units by raters.

    Build with :func:`as_ratings` or the ``from_*`` class methods rather than directly.

    Attributes
    ----------
    unit, rater, code : ndarray of int
        Parallel arrays, one entry per observed rating: unit index, rater index
        (``-1`` throughout when the input was a unit x category counts table, which
        carries no rater identities) and category index into ``categories``.
    categories : tuple
        Category labels in order.
    values : ndarray of float
        Numeric value of each category (see module notes).
    level : str
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    unit_labels, rater_labels : pandas.Index
        Labels of the units and raters (``rater_labels`` empty for counts input).
    shape : str
        The shape the data came in as.
    notes : tuple of str
        What was done to the input (units dropped, ...), for printing with results.
    """

    unit: np.ndarray
    rater: np.ndarray
    code: np.ndarray
    categories: tuple
    values: np.ndarray
    level: str
    unit_labels: pd.Index
    rater_labels: pd.Index
    shape: str = "long"
    notes: tuple = field(default=())
    _counts: np.ndarray | None = field(default=None, repr=False)
    _sparse: "Ratings | None" = field(default=None, repr=False)

    # ------------------------------------------------------------------ sizes
    @property
    def n_units(self) -> int:
        return len(self.unit_labels)

    @property
    def n_raters(self) -> int:
        """Number of distinct raters (for counts input: the largest number of ratings of a unit)."""
        if len(self.rater_labels):
            return len(self.rater_labels)
        return int(self.ratings_per_unit.max()) if self.n_units else 0

    @property
    def n_categories(self) -> int:
        return len(self.categories)

    @property
    def n_ratings(self) -> int:
        return int(self.ratings_per_unit.sum()) if self._counts is not None else len(self.code)

    @property
    def has_raters(self) -> bool:
        """False for unit x category counts input, where rater identities are unknown."""
        return len(self.rater_labels) > 0

    # -------------------------------------------------------------- derived
    @cached_property
    def counts(self) -> np.ndarray:
        """Unit x category counts (``n_units x n_categories``, int64): r_ik of Fleiss/Gwet."""
        if self._counts is not None:
            return self._counts
        flat = self.unit.astype(np.int64) * self.n_categories + self.code
        return np.bincount(flat, minlength=self.n_units * self.n_categories).reshape(
            self.n_units, self.n_categories
        )

    @cached_property
    def ratings_per_unit(self) -> np.ndarray:
        if self._counts is not None:
            return self._counts.sum(axis=1)
        return np.bincount(self.unit, minlength=self.n_units)

    @cached_property
    def rater_counts(self) -> np.ndarray:
        """Rater x category counts (``n_raters x n_categories``); requires rater identities."""
        self._require_raters("rater_counts")
        flat = self.rater.astype(np.int64) * self.n_categories + self.code
        return np.bincount(flat, minlength=self.n_raters * self.n_categories).reshape(
            self.n_raters, self.n_categories
        )

    @cached_property
    def codes(self) -> np.ndarray:
        """Dense unit x rater matrix of category codes, ``-1`` where missing."""
        self._require_raters("codes")
        out = np.full((self.n_units, self.n_raters), -1, dtype=np.int32)
        out[self.unit, self.rater] = self.code
        return out

    @cached_property
    def scores(self) -> np.ndarray:
        """Dense unit x rater matrix of numeric values (category values), NaN where missing."""
        self._require_raters("scores")
        out = np.full((self.n_units, self.n_raters), np.nan)
        out[self.unit, self.rater] = self.values[self.code]
        return out

    def pair_table(self, first: int = 0, second: int = 1) -> np.ndarray:
        """Contingency table (categories x categories) of two raters over units both rated."""
        codes = self.codes
        both = (codes[:, first] >= 0) & (codes[:, second] >= 0)
        q = self.n_categories
        flat = codes[both, first].astype(np.int64) * q + codes[both, second]
        return np.bincount(flat, minlength=q * q).reshape(q, q)

    def _require_raters(self, what: str) -> None:
        if not self.has_raters:
            raise ReliabilityError(
                f"{what} needs rater identities, but these ratings came as unit x category "
                "counts; give long or wide data instead"
            )

    def with_level(self, level: str) -> "Ratings":
        """Return the same ratings analysed at another measurement level."""
        level = check_level(level)
        if level == self.level:
            return self
        if level in ("interval", "ratio") and not _numeric_labels(self.categories):
            raise ReliabilityError(
                f"level {level!r} needs numeric ratings; categories are {list(self.categories)[:5]}"
            )
        if level == "ratio" and np.any(self.values < 0):
            bad = self.categories[int(np.argmax(self.values < 0))]
            raise ReliabilityError(f"level 'ratio' needs non-negative values; got {bad!r}")
        sparse = self._sparse.with_level(level) if self._sparse is not None else None
        return Ratings(self.unit, self.rater, self.code, self.categories, self.values, level,
                       self.unit_labels, self.rater_labels, self.shape, self.notes, self._counts,
                       sparse)

    def with_min_ratings(self, min_ratings: int) -> "Ratings":
        """The same input keeping units with at least ``min_ratings`` ratings.

        Units dropped when these ratings were built (fewer than ``min_ratings`` of
        :func:`as_ratings`) are remembered, so ``with_min_ratings(1)`` gives back the units
        rated once: agreement coefficients use them for chance margins (irrCAC), and
        ``agreement(as_ratings(path))`` equals ``agreement(path)``.
        """
        if self._sparse is not None:
            return self._sparse.with_min_ratings(min_ratings)
        if self._counts is not None or min_ratings <= 1:
            return self
        if (self.ratings_per_unit >= min_ratings).all():
            return self
        return build_ratings(self.unit, self.rater, self.code, self.categories, self.values,
                       self.level, self.unit_labels, self.rater_labels, self.shape, min_ratings)

    def describe(self) -> dict:
        """Sizes and settings, for printing beside results."""
        return {
            "n_units": self.n_units,
            "n_raters": self.n_raters,
            "n_ratings": self.n_ratings,
            "categories": list(self.categories),
            "level": self.level,
        }

    def __repr__(self) -> str:
        return (f"Ratings(n_units={self.n_units}, n_raters={self.n_raters}, "
                f"n_ratings={self.n_ratings}, level={self.level!r}, "
                f"categories={list(self.categories)[:8]}{'...' if self.n_categories > 8 else ''})")

    # --------------------------------------------------------- constructors
    @classmethod
    def from_long(cls, data, *, unit="unit", rater="rater", rating="rating", level="nominal",
                  categories=None, min_ratings: int = 2) -> "Ratings":
        """Ratings from long data: one row per (unit, rater, rating)."""
        level = check_level(level)
        frame = _as_frame(data)
        require_columns(frame, [unit, rater, rating])
        frame = frame[[unit, rater, rating]].copy()
        for col in (unit, rater):
            frame[col] = normalise_ids(frame[col]).to_numpy()
        if frame.empty:
            raise ReliabilityError("no rows: the input has a header but no ratings")
        for col in (unit, rater):
            if frame[col].isna().any():
                row = int(np.flatnonzero(frame[col].isna().to_numpy())[0])
                raise ReliabilityError(f"column {col!r} is empty in row {row + 1}")
        observed = frame[rating].notna().to_numpy()
        unit_codes, unit_labels = pd.factorize(frame[unit], sort=True)
        rater_codes, rater_labels = pd.factorize(frame[rater], sort=True)
        key = unit_codes.astype(np.int64) * max(len(rater_labels), 1) + rater_codes
        dup = pd.Index(key).duplicated()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise ReliabilityError(
                f"duplicate rating: unit {show(frame[unit].iloc[row])} by rater "
                f"{show(frame[rater].iloc[row])} appears more than once (row {row + 1})"
            )
        codes, cats, values = code_ratings(frame[rating].to_numpy()[observed], level,
                                           categories, column=rating,
                                           rows=np.flatnonzero(observed))
        return build_ratings(unit_codes[observed], rater_codes[observed], codes, cats, values, level,
                       pd.Index(unit_labels, name=unit), pd.Index(rater_labels, name=rater),
                       "long", min_ratings)

    @classmethod
    def from_wide(cls, data, *, unit=None, level="nominal", categories=None,
                  min_ratings: int = 2) -> "Ratings":
        """Ratings from wide data: one row per unit, one column per rater, NaN = missing.

        ``unit`` names the column holding unit ids; by default the DataFrame index
        (or row numbers for arrays) identifies units.
        """
        level = check_level(level)
        frame = _as_frame(data)
        if unit is not None:
            require_columns(frame, [unit])
            frame = frame.copy()
            frame[unit] = normalise_ids(frame[unit]).to_numpy()
            if frame[unit].duplicated().any():
                row = int(np.flatnonzero(frame[unit].duplicated().to_numpy())[0])
                raise ReliabilityError(
                    f"duplicate unit {show(frame[unit].iloc[row])} in column {unit!r} (row {row + 1})")
            frame = frame.set_index(unit)
        if frame.shape[0] == 0:
            raise ReliabilityError("no rows: the input has a header but no units")
        if frame.shape[1] == 0:
            raise ReliabilityError("no rater columns: wide data need one column per rater")
        k = frame.shape[1]
        matrix = _wide_matrix(frame)
        box = _DIGITS.get()
        fast = _code_float_wide(matrix, level, categories, digits=box is not None) \
            if matrix.dtype == np.float64 else None
        if fast is not None:
            u, r, codes, cats, values, per_unit, per_rater, digits = fast
            rt = build_ratings(u, r, codes, cats, values, level,
                               pd.Index(normalise_ids(frame.index),
                                        name=frame.index.name or "unit"),
                               pd.Index(normalise_ids(frame.columns), name="rater"), "wide",
                               min_ratings, per_unit=per_unit, per_rater=per_rater)
            if digits is not None and rt.n_units == len(digits) and rt.n_raters == k:
                box.append((rt, digits))       # no unit or rater dropped: still valid
            return rt
        # C order (a DataFrame's block comes out transposed): row-major masks are fast
        matrix = np.ascontiguousarray(matrix)
        observed = ~np.isnan(matrix) if matrix.dtype.kind == "f" else ~pd.isna(matrix)
        n, k = observed.shape
        # the (unit, rater) of each observed cell in row-major order, as np.nonzero gives
        per_unit, per_rater = _row_col_counts(observed)
        udt = rating_dtypes(n, k, 1)[0]
        u = np.repeat(np.arange(n, dtype=udt), per_unit)
        flat_observed = observed.ravel()
        # rater of each cell from a 1-byte tile when it fits (less fresh memory to touch)
        small_k = np.int8 if k <= 127 else np.int16 if k <= 32767 else np.int32
        r = np.compress(flat_observed, np.tile(np.arange(k, dtype=small_k), n)).astype(
            np.int32)
        codes, cats, values = code_ratings(np.compress(flat_observed, matrix.ravel()), level,
                                           categories,
                                           column=None, rows=u, cols=r,
                                           col_names=list(frame.columns),
                                           dtype_hint=_common_categorical(frame))
        return build_ratings(u, r, codes, cats, values, level,
                       pd.Index(normalise_ids(frame.index), name=frame.index.name or "unit"),
                       pd.Index(normalise_ids(frame.columns), name="rater"), "wide", min_ratings,
                       per_unit=per_unit, per_rater=per_rater)

    @classmethod
    def from_table(cls, table, *, categories=None, level="nominal") -> "Ratings":
        """Ratings of two raters from a square contingency table of counts.

        Rows are rater 1's categories, columns rater 2's, in the same order.
        """
        level = check_level(level)
        arr, cats = contingency_table(table, categories=categories)
        q, n = arr.shape[0], int(arr.sum())
        cells = np.repeat(np.arange(q * q), arr.ravel())
        units = np.arange(n)
        unit = np.repeat(units, 2)
        rater = np.tile([0, 1], n)
        code = np.empty(2 * n, dtype=np.int32)
        code[0::2] = cells // q
        code[1::2] = cells % q
        cats_t, values = category_values(cats, level)
        return build_ratings(unit, rater, code, cats_t, values, level,
                       pd.RangeIndex(n, name="unit"), pd.Index(["rater1", "rater2"], name="rater"),
                       "table", 2)

    @classmethod
    def from_counts(cls, counts, *, categories=None, level="nominal",
                    min_ratings: int = 2) -> "Ratings":
        """Ratings from a unit x category table of counts (Fleiss layout, no rater identities)."""
        level = check_level(level)
        unit_labels = None
        if isinstance(counts, pd.DataFrame):
            if categories is None:
                categories = list(counts.columns)
            unit_labels = counts.index
            arr = counts.to_numpy()
            labels = (list(counts.index), list(counts.columns))
        else:
            arr = np.asarray(counts)
            labels = ()
        arr = _count_array(arr, "counts table", *labels)
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ReliabilityError("counts must be a non-empty units x categories table")
        q = arr.shape[1]
        cats = list(categories) if categories is not None else list(range(1, q + 1))
        if len(cats) != q:
            raise ReliabilityError(f"{len(cats)} categories given for {q} count columns")
        cats_t, values = category_values(cats, level)
        if unit_labels is None:
            unit_labels = pd.RangeIndex(arr.shape[0], name="unit")
        per_unit = arr.sum(axis=1)
        keep = per_unit >= min_ratings
        notes = ()
        if not keep.all():
            dropped = int((~keep).sum())
            if not keep.any():
                raise ReliabilityError(
                    f"no unit has at least {min_ratings} ratings; nothing to analyse")
            msg = _dropped_message(dropped, min_ratings)
            warnings.warn(msg, DataWarning, stacklevel=3)
            notes = (msg,)
        arr = arr[keep]
        empty = np.empty(0, dtype=np.int32)
        return cls(empty, empty, empty, cats_t, values, level,
                   pd.Index(unit_labels[keep], name=unit_labels.name or "unit"),
                   pd.Index([], name="rater"), "counts", notes, arr.astype(np.int64))

    @classmethod
    def from_csv(cls, path, *, shape="wide", unit=None, rater="rater", rating="rating",
                 level="nominal", categories=None, encoding=None,
                 min_ratings: int = 2) -> "Ratings":
        """Read ratings from a CSV file (never modified) in one of the four shapes.

        * ``wide``: first column the unit id (or ``unit``), other columns raters.
        * ``long``: columns ``unit``, ``rater``, ``rating`` (names configurable).
        * ``table``: first column rater 1's categories, other columns rater 2's.
        * ``counts``: first column the unit id, one column per category.
        """
        if shape not in SHAPES:
            raise ReliabilityError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
        if shape == "long":
            frame = read_csv(path, encoding=encoding, text=True)
            return cls.from_long(frame, unit=unit or "unit", rater=rater, rating=rating,
                                 level=level, categories=categories, min_ratings=min_ratings)
        # Ids and labels stay text until coded: '007' and '7' are two units.
        frame = read_csv(path, encoding=encoding, text=shape in ("long", "wide"))
        if frame.shape[1] < 2:
            raise ReliabilityError(
                f"{shape} CSV needs an id column and at least one more; {os.fspath(path)} has "
                f"{frame.shape[1]} column(s)")
        id_col = unit if unit is not None else frame.columns[0]
        require_columns(frame, [id_col])
        if shape == "wide":
            return cls.from_wide(frame, unit=id_col, level=level, categories=categories,
                                 min_ratings=min_ratings)
        frame = frame.set_index(id_col)
        if shape == "table":
            return cls.from_table(frame, categories=categories, level=level)
        return cls.from_counts(frame, categories=categories, level=level,
                               min_ratings=min_ratings)


def as_ratings(data, *, shape: str | None = None, level: str | None = None, categories=None,
               unit=None, rater="rater", rating="rating", encoding=None,
               min_ratings: int = 2) -> Ratings:
    """Turn any supported input into :class:`Ratings` (the one entry point analyses call).

    Parameters
    ----------
    data : Ratings, DataFrame, ndarray or path
        A :class:`Ratings` object is returned as is (re-levelled if ``level`` differs).
        A path is read with :meth:`Ratings.from_csv`.
    shape : {"long", "wide", "table", "counts"}, optional
        Layout of ``data``. Default: ``"long"`` for a DataFrame with ``rater`` and
        ``rating`` columns, otherwise ``"wide"``.
    level : {"nominal", "ordinal", "interval", "ratio"}, optional
        Measurement level (default ``"nominal"``).
    categories : sequence, optional
        Category labels in order (required for ordinal text ratings).
    unit, rater, rating : str
        Column names for long data (``unit`` also names the id column of wide data).
    """
    if isinstance(data, Ratings):
        return data.with_level(level) if level is not None else data
    level = level or "nominal"
    if is_dask_dataframe(data):
        from reliability._dask import ratings_from_dask

        return ratings_from_dask(data, shape=shape, level=level, categories=categories, unit=unit,
                                 rater=rater, rating=rating, min_ratings=min_ratings)
    if shape is not None and shape not in SHAPES:
        raise ReliabilityError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
    if isinstance(data, (str, os.PathLike)):
        if shape is None:
            _refuse_unlabelled_table(read_csv(data, encoding=encoding, text=True),
                                     first_column_ids=True)
        return Ratings.from_csv(data, shape=shape or "wide", unit=unit, rater=rater,
                                rating=rating, level=level, categories=categories,
                                encoding=encoding, min_ratings=min_ratings)
    if shape is None and isinstance(data, pd.DataFrame):
        _refuse_unlabelled_table(data, first_column_ids=False)
    if shape is None:
        if isinstance(data, pd.DataFrame) and (rater in data.columns or rating in data.columns):
            shape = "long"
        else:
            shape = "wide"
    if shape == "long":
        return Ratings.from_long(data, unit=unit or "unit", rater=rater, rating=rating,
                                 level=level, categories=categories, min_ratings=min_ratings)
    if shape == "wide":
        return Ratings.from_wide(data, unit=unit, level=level, categories=categories,
                                 min_ratings=min_ratings)
    if shape == "table":
        return Ratings.from_table(data, categories=categories, level=level)
    return Ratings.from_counts(data, categories=categories, level=level, min_ratings=min_ratings)


# ------------------------------------------------------------- labels and ids
_INT_TEXT = re.compile(r"-?(0|[1-9][0-9]*)")
_INT64 = 2 ** 63


def _tidy_text(x: str) -> str:
    return unicodedata.normalize("NFC", " ".join(x.split()))


def label_key(x) -> str:
    """The key under which two spellings of a label are one category.

    Spaces trimmed and collapsed, Unicode NFC, case folded; ``2.0`` and ``"2"`` give ``"2"``.
    Used by :func:`normalise_labels` and by validity's grade coding, so that ``"Good"``,
    ``"Good "`` and ``"good"`` are one grade everywhere.
    """
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        x = int(x)
    return unicodedata.normalize("NFC", " ".join(str(x).split())).casefold()


def normalise_labels(values, *, what: str = "rating", warn: bool = True):
    """Merge spelling variants of text labels into one label each.

    Variants differing only in surrounding or repeated spaces, Unicode normal form (NFC/NFD)
    or case become the most frequent spelling (spaces tidied). One pass per distinct value.

    Returns
    -------
    labels : ndarray of object
        The label of every value.
    merged : dict
        Each variant that was rewritten (as written) -> the label it became.
    """
    raw = pd.Series(np.asarray(values, dtype=object))
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    if len(uniques) == 0:
        return raw.to_numpy(dtype=object), {}
    tidy = [_tidy_text(u) if isinstance(u, str) else _label_str(u) for u in uniques]
    keys = [label_key(u) for u in tidy]
    freq = np.bincount(codes[codes >= 0], minlength=len(uniques))
    best: dict = {}
    for j, key in enumerate(keys):
        if key not in best or freq[j] > freq[best[key]]:
            best[key] = j
    canon = np.array([tidy[best[k]] for k in keys] + [np.nan], dtype=object)
    counts: dict = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    merged = {uniques[j]: canon[j] for j in range(len(uniques))
              if counts[keys[j]] > 1 and uniques[j] != canon[j]}
    if merged and warn:
        shown = ", ".join(f"{k!r} -> {v!r}" for k, v in list(merged.items())[:6])
        warnings.warn(f"{what} labels that differ only in case, spaces or Unicode form were "
                      f"merged: {shown}{' ...' if len(merged) > 6 else ''}", DataWarning,
                      stacklevel=3)
    return canon[codes], merged


def normalise_ids(values, *, numeric: bool = True) -> pd.Index:
    """Unit / rater / inspector ids as text: spaces trimmed, Unicode NFC, case kept.

    Text that is a canonical integer throughout (no leading zeros, within int64) becomes
    int64 so that numeric ids sort numerically (unless ``numeric`` is False: chunked
    readers decide that once over all chunks); ``"007"`` and ``"7"`` stay two ids, and
    integers above 2**53 are never passed through floats.
    """
    index = pd.Index(values)
    if index.dtype.kind != "O" and not pd.api.types.is_string_dtype(index.dtype):
        return index
    if numeric:
        ints = _plain_ints(index)
        if ints is not None:
            return pd.Index(ints, name=index.name)
    codes, uniques = pd.factorize(index, use_na_sentinel=True)
    tidy = [unicodedata.normalize("NFC", u.strip()) if isinstance(u, str) else u
            for u in uniques]
    if numeric and tidy and all(isinstance(t, str) and _INT_TEXT.fullmatch(t) and -_INT64 <= int(t) < _INT64
                    for t in tidy):
        out = np.array([int(t) for t in tidy], dtype=np.int64)
        if (codes >= 0).all():
            return pd.Index(out[codes], name=index.name)
    arr = np.array(tidy + [np.nan], dtype=object)
    return pd.Index(arr[codes], dtype=object, name=index.name)


def _plain_ints(index: pd.Index):
    """int64 of text ids that are all plain canonical integers (``-?(0|[1-9][0-9]{0,17})``,
    no spaces: their own tidy form, within int64), found by pyarrow in C++; else None
    (pyarrow not installed, a missing id, or any other text: the per-id path decides)."""
    if len(index) == 0:
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    try:
        arr = pa.array(index, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if not pc.all(pc.match_substring_regex(arr, r"^-?(0|[1-9][0-9]{0,17})$")).as_py():
        return None
    return pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False)


def _exact_ints(raw):
    """Python ints of integer ratings, or None; keeps integers above 2**53 distinct."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(raw, dtype=object)))
    out = []
    for u in uniques:
        if isinstance(u, (int, np.integer)) and not isinstance(u, (bool, np.bool_)):
            out.append(int(u))
        elif isinstance(u, str) and _INT_TEXT.fullmatch(u.strip()):
            out.append(int(u.strip()))
        else:
            return None
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr[codes]


# ---------------------------------------------------------------------- helpers
def refuse_duplicate_pairs(unit, rater, unit_labels, rater_labels) -> None:
    """Raise naming the first (unit, rater) pair rated twice; ``row`` counts coded ratings."""
    key = np.asarray(unit, dtype=np.int64) * max(len(rater_labels), 1) + rater
    dup = pd.Index(key).duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise ReliabilityError(
            f"duplicate rating: unit {show(unit_labels[unit[row]])} by rater "
            f"{show(rater_labels[rater[row]])} appears more than once (row {row + 1})")


def _dropped_message(dropped: int, min_ratings: int) -> str:
    if min_ratings <= 1:
        return f"dropped {dropped} unit(s) with no ratings (every value missing)"
    return f"dropped {dropped} unit(s) with fewer than {min_ratings} ratings"


def _refuse_unlabelled_table(frame: pd.DataFrame, *, first_column_ids: bool) -> None:
    """A square table whose row labels are its column labels is a contingency table.

    Read as wide data it would give a silently wrong number, so without an explicit
    ``shape`` we stop and ask.
    """
    # Only a square table can be one; checked before any labels are turned into text.
    if frame.shape[0] != frame.shape[1] - (1 if first_column_ids else 0):
        return
    if first_column_ids:
        if frame.shape[1] < 3:
            return
        rows = [str(x) for x in frame.iloc[:, 0]]
        cols = [str(x) for x in frame.columns[1:]]
    else:
        rows = [str(x) for x in frame.index]
        cols = [str(x) for x in frame.columns]
    if len(rows) >= 2 and rows == cols:
        raise ReliabilityError(
            "these data look like a contingency table (row labels equal the column labels "
            f"{cols[:4]}{'...' if len(cols) > 4 else ''}); pass shape='table' (CLI: --shape "
            "table), or shape='wide' if they really are one row per unit")


def complete_numeric_matrix(data, *, shape=None, with_sum=False):
    """Complete numeric wide input as a float matrix (units x raters), or None.

    The fast path of interval-level analyses (ICC): integer-coding every value costs seconds
    for millions of ratings, and an ICC needs only the numbers. It applies to numeric arrays /
    DataFrames with no missing value; anything else returns None and goes through
    :func:`as_ratings`. The checks that ``as_ratings`` makes of such input are made here too
    (a square table whose row labels are its column labels is refused as a likely
    contingency table), so both paths give one answer.

    ``with_sum=True`` returns ``(matrix, matrix.sum())`` (``(None, None)`` instead of None):
    the sum is the check that every value is finite (a NaN or infinity makes it non-finite;
    only when it is not finite are the values scanned), and the caller's mean.
    """
    none = (None, None) if with_sum else None
    if shape not in (None, "wide"):
        return none
    if isinstance(data, pd.DataFrame):
        if shape is None and ("rater" in data.columns or "rating" in data.columns):
            return none
        if not all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
                   for t in data.dtypes):
            return none
        if shape is None:
            _refuse_unlabelled_table(data, first_column_ids=False)
        arr = data.to_numpy(dtype=float)
    elif isinstance(data, np.ndarray) and data.dtype.kind in "iuf":
        arr = np.asarray(data, dtype=float)
        if shape is None and arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
            # as as_ratings reads it: labels 0..n-1 for rows and for columns
            _refuse_unlabelled_table(pd.DataFrame(arr), first_column_ids=False)
    else:
        return none
    if arr.ndim != 2 or arr.size == 0:
        return none
    if with_sum:
        with np.errstate(over="ignore", invalid="ignore"):   # finite values whose sum
            total = arr.sum()                                 # overflows: the caller rescales
        if not np.isfinite(total) and not np.isfinite(arr).all():
            return none
        return arr, total
    if not np.isfinite(arr).all():
        return None
    return arr


def _as_frame(data) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return replace_missing(data, where="the data")[0]
    if isinstance(data, (str, os.PathLike)):
        return read_csv(data, text=True)
    try:
        arr = np.asarray(data)
    except Exception as exc:  # ragged lists etc.
        raise ReliabilityError(f"cannot read ratings from {type(data).__name__}: {exc}") from exc
    if arr.ndim == 1:
        raise ReliabilityError("ratings array must be 2-D (units x raters); got 1-D")
    if arr.ndim != 2:
        raise ReliabilityError(f"ratings array must be 2-D (units x raters); got {arr.ndim}-D")
    return replace_missing(pd.DataFrame(arr), where="the data")[0]


def contingency_table(table, *, categories=None, what: str = "contingency table"):
    """A square two-rater table of counts, validated: ``(counts int64 (q, q), categories)``.

    The one check of contingency tables (``Ratings.from_table``, ``parallel_consistency``,
    the CLI's ``--shape table``): a DataFrame's rows and columns must list the same categories
    in the same order; a missing, infinite, negative or fractional cell is refused, naming it;
    an all-zero table is refused. ``categories`` default to a DataFrame's index, else 1..q.
    """
    if isinstance(table, pd.DataFrame):
        rows = [str(x) for x in table.index]
        cols = [str(x) for x in table.columns]
        if rows != cols:
            raise ReliabilityError(
                f"{what} rows and columns must list the same categories in the "
                f"same order; rows {rows} vs columns {cols}")
        if categories is None:
            categories = list(table.index)
        arr = _count_array(table.to_numpy(), what, list(table.index), list(table.columns))
    else:
        arr = _count_array(np.asarray(table), what)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ReliabilityError(f"{what} must be square; got shape {arr.shape}")
    q = arr.shape[0]
    cats = list(categories) if categories is not None else list(range(1, q + 1))
    if len(cats) != q:
        raise ReliabilityError(f"{len(cats)} categories given for a {q}x{q} table")
    if int(arr.sum()) == 0:
        raise ReliabilityError(f"{what} is empty (all counts are 0)")
    return arr, cats


def _count_array(arr, what: str, rows=None, cols=None) -> np.ndarray:
    """Counts as int64; refuse a missing, infinite, negative or fractional cell, naming it."""
    def cell(i):
        if len(i) == 2 and rows is not None and cols is not None:
            return f"row {show(rows[i[0]])}, column {show(cols[i[1]])}"
        return "position " + ", ".join(str(int(k) + 1) for k in i)

    try:
        values = np.asarray(arr, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ReliabilityError(f"{what} must hold non-negative whole-number counts: {exc}") from exc
    if values.size and not np.isfinite(values).all():
        i = np.argwhere(~np.isfinite(values))[0]
        v = values[tuple(i)]
        kind = "missing" if np.isnan(v) else "infinite"
        raise ReliabilityError(f"{what} has a {kind} count at {cell(i)}: counts must be "
                               "non-negative whole numbers")
    if values.size and (values < 0).any():
        i = np.argwhere(values < 0)[0]
        raise ReliabilityError(f"{what} has a negative count {show(values[tuple(i)])} at "
                               f"{cell(i)}: counts must be non-negative whole numbers")
    if values.size and (values != np.round(values)).any():
        i = np.argwhere(values != np.round(values))[0]
        raise ReliabilityError(f"{what} has a non-integer count {show(values[tuple(i)])} at "
                               f"{cell(i)}: counts must be non-negative whole numbers")
    if values.size and values.max() >= 2.0 ** 62:
        i = np.argwhere(values >= 2.0 ** 62)[0]
        raise ReliabilityError(f"{what} has a count too large to tally at {cell(i)}")
    return values.astype(np.int64)


def _numeric_labels(labels) -> bool:
    return all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
               for x in labels)


def _common_categorical(frame: pd.DataFrame):
    """If every rater column is the same ordered categorical, its categories give the order."""
    dtypes = list(frame.dtypes)
    if dtypes and all(isinstance(d, pd.CategoricalDtype) for d in dtypes):
        first = dtypes[0]
        if first.ordered and all(list(d.categories) == list(first.categories) for d in dtypes):
            return list(first.categories)
    return None


def category_values(categories, level):
    """``(labels, values)`` of categories given in order (numbers as numbers, text 1..q)."""
    cats = list(categories)
    if len(set(map(_key, cats))) != len(cats):
        raise ReliabilityError(f"categories contain duplicates: {cats}")
    coerced = _maybe_numeric(cats)
    if coerced is not None:
        values = np.asarray(coerced, dtype=float)
        cats_out = tuple(_tidy_number(c) for c in coerced)
    else:
        if level in ("interval", "ratio"):
            raise ReliabilityError(
                f"level {level!r} needs numeric categories; got {cats[:5]}")
        values = np.arange(1, len(cats) + 1, dtype=float)
        cats_out = tuple(cats)
    if level == "ratio" and (values < 0).any():
        raise ReliabilityError(
            f"level 'ratio' needs non-negative values; got {cats_out[int(np.argmax(values < 0))]!r}")
    return cats_out, values


def _key(x):
    return str(x)


def _maybe_numeric(labels):
    """Numbers (or strings that all parse as numbers) as floats; None otherwise."""
    out = []
    for x in labels:
        if isinstance(x, bool):
            return None
        if isinstance(x, (int, float, np.integer, np.floating)):
            out.append(float(x))
            continue
        try:
            out.append(float(str(x).strip()))
        except ValueError:
            return None
    return out


def _tidy_number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def code_ratings(raw, level, categories, *, column, rows, cols=None, col_names=None,
                 dtype_hint=None):
    """Integer-code observed rating values; return ``(codes, categories, values)``.

    The one coder of rating values (in memory, streamed and Dask input): missing values
    must already be removed; ``rows`` / ``cols`` locate each value for error messages.
    Text labels are merged by :func:`normalise_labels`; numbers sort numerically, with
    integers above 2**53 kept exact.
    """
    def where(i):
        if col_names is not None and cols is not None:
            return f"row {int(rows[i]) + 1}, column {col_names[int(cols[i])]!r}"
        return f"row {int(rows[i]) + 1}" + (f", column {column!r}" if column else "")

    raw = np.asarray(raw, dtype=object) if np.asarray(raw).dtype == object else np.asarray(raw)
    if raw.size == 0:
        raise ReliabilityError("no ratings: every value is missing")
    numeric = _to_float(raw)
    lo = hi = None
    if numeric is not None:
        lo, hi = numeric.min(), numeric.max()          # both finite: every value is
        if not (np.isfinite(lo) and np.isfinite(hi)) and not np.isfinite(numeric).all():
            i = int(np.flatnonzero(~np.isfinite(numeric))[0])
            raise ReliabilityError(f"infinite rating {show(raw[i])} at {where(i)}")
    if categories is None and dtype_hint is not None:
        categories = dtype_hint
    if categories is None and numeric is None and level == "ordinal":
        # a known grading scale carries its own order (and its full set of categories, so
        # an unused middle grade still spaces the weights)
        from reliability.scales import recognise_scale

        codes_, uniques = pd.factorize(pd.Series(raw, dtype=object).astype(str))
        scale = recognise_scale(list(uniques))
        if scale is not None and scale.ordered:
            canon = [scale.canonical(u) for u in uniques]
            merged = {u: c for u, c in zip(uniques, canon) if u != c}
            if merged:
                shown = ", ".join(f"{k!r} -> {v!r}" for k, v in list(merged.items())[:6])
                warnings.warn(f"{'column ' + repr(column) if column else 'rating'} labels read "
                              f"as the {scale.description or scale.name} scale: {shown}"
                              f"{' ...' if len(merged) > 6 else ''}", DataWarning, stacklevel=3)
            raw = np.asarray(canon, dtype=object)[codes_]
            categories = list(scale.labels)
    if categories is not None:
        cats, values = category_values(categories, level)
        if numeric is not None and _maybe_numeric(cats) is not None:
            small = _small_integers(numeric, lo, hi)
            if small is not None:
                return _code_small_integers(small, values, cats, raw, where)
            lookup = {float(v): j for j, v in enumerate(values)}
            keys = numeric
        else:
            lookup = {label_key(c): j for j, c in enumerate(cats)}
            keys = np.array([label_key(x) for x in raw], dtype=object)
        uniq, inverse = np.unique(keys, return_inverse=True)
        map_codes = np.empty(len(uniq), dtype=np.int32)
        for j, u in enumerate(uniq):
            if u not in lookup:
                i = int(np.flatnonzero(inverse == j)[0])
                raise ReliabilityError(
                    f"rating {show(raw[i])} at {where(i)} is not one of the categories "
                    f"{list(cats)}")
            map_codes[j] = lookup[u]
        return map_codes[inverse], cats, values
    if numeric is None:
        if level in ("interval", "ratio"):
            bad = _first_non_numeric(raw)
            raise ReliabilityError(
                f"non-numeric rating {show(raw[bad])} at {where(bad)}: level {level!r} needs numbers")
        if level == "ordinal":
            raise ReliabilityError(
                "ordinal ratings are text, so their order is unknown: give the categories in "
                f"order (e.g. categories=[...] or --categories a,b,c); values seen: "
                f"{sorted(set(map(str, raw)))[:8]}")
        labels, _ = normalise_labels(raw, what=f"column {column!r}" if column else "rating")
        inverse, uniq = pd.factorize(pd.Series(labels, dtype=object).astype(str), sort=True)
        uniq = np.asarray(uniq, dtype=object)
        cats = tuple(uniq.tolist())
        return inverse.astype(np.int32), cats, np.arange(1, len(cats) + 1, dtype=float)
    if level == "ratio" and (numeric < 0).any():
        i = int(np.flatnonzero(numeric < 0)[0])
        raise ReliabilityError(f"negative rating {show(raw[i])} at {where(i)}: level 'ratio' "
                               "needs non-negative values")
    if max(abs(float(lo)), abs(float(hi))) >= 2.0 ** 53:     # no |x| temporary
        exact = _exact_ints(raw)
        if exact is not None:
            uniq, inverse = np.unique(exact, return_inverse=True)
            return inverse.astype(np.int32), tuple(int(x) for x in uniq), uniq.astype(float)
    small = _small_integers(numeric, lo, hi)
    if small is not None:                  # whole numbers in a short range: count them
        offset, lo, span = small
        present = np.flatnonzero(np.bincount(offset, minlength=span))
        uniq = (present + lo).astype(float)
        if len(present) == span:           # every value in lo..hi seen: the code is the offset
            return offset, tuple(_tidy_number(x) for x in uniq), uniq
        remap = np.zeros(int(present[-1]) + 1, dtype=np.int32)
        remap[present] = np.arange(len(present), dtype=np.int32)
        return remap[offset], tuple(_tidy_number(x) for x in uniq), uniq
    # Hash-based factorize is O(n); np.unique sorts all n values.
    inverse, uniq = pd.factorize(numeric, sort=True)
    cats = tuple(_tidy_number(x) for x in uniq)
    return inverse.astype(np.int32), cats, uniq.astype(float)


def _small_integers(numeric, lo=None, hi=None):
    """``(offset, lo, span)`` with ``numeric == lo + offset`` (int32 in 0..span-1) when every
    value is a whole number and the span is short (a grade scale, counts); else None.
    ``lo`` / ``hi``: the minimum and maximum when the caller has them."""
    if numeric.size == 0:
        return None
    lo = float(numeric.min()) if lo is None else float(lo)
    hi = float(numeric.max()) if hi is None else float(hi)
    if not (hi - lo <= max(4 * numeric.size, 1 << 16) and abs(lo) < 2.0 ** 52
            and abs(hi) < 2.0 ** 52):
        return None
    if -2.0 ** 31 < lo and hi < 2.0 ** 31:
        # whole numbers in int32 range: cast first, then shift in place (no float temporary)
        offset = numeric.astype(np.int32)
        if not np.equal(offset, numeric).all():             # a fraction somewhere
            return None
        offset -= np.int32(lo)
        return offset, int(lo), int(hi - lo) + 1
    shifted = numeric - lo
    offset = shifted.astype(np.int32)
    if not np.equal(offset, shifted).all():                 # a fraction somewhere
        return None
    return offset, int(lo), int(hi - lo) + 1


def _code_small_integers(small, values, cats, raw, where):
    """Codes of whole-number ratings against declared numeric categories (a lookup table)."""
    offset, lo, span = small
    table = np.full(span, -1, dtype=np.int32)
    for j, v in enumerate(values):
        if float(v).is_integer() and 0 <= int(v) - lo < span:
            table[int(v) - lo] = j
    if table[0] >= 0 and np.array_equal(table, np.arange(span, dtype=np.int32) + table[0]):
        # consecutive whole-number categories (a grade scale): the code is a shift
        codes = offset + table[0] if table[0] else offset
        return codes, cats, values
    codes = table[offset]
    if (codes < 0).any():
        i = int(np.flatnonzero(codes < 0)[0])
        raise ReliabilityError(
            f"rating {show(raw[i])} at {where(i)} is not one of the categories {list(cats)}")
    return codes, cats, values


def _label_str(x) -> str:
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _to_float(raw):
    if raw.dtype.kind in "biuf":
        if raw.dtype.kind == "b":
            return None
        return raw.astype(float, copy=False)      # read only: no copy of float64 input
    try:
        if any(isinstance(x, (bool, np.bool_)) for x in raw[:1000]):
            return None
        return np.asarray(pd.to_numeric(pd.Series(raw), errors="raise"), dtype=float)
    except (ValueError, TypeError):
        return None


def _first_non_numeric(raw) -> int:
    """Index of the first value that is not a number (booleans count as not numbers)."""
    is_bool = np.array([isinstance(x, (bool, np.bool_)) for x in raw], dtype=bool)
    converted = pd.to_numeric(pd.Series(raw).where(~is_bool), errors="coerce")
    bad = np.flatnonzero(converted.isna().to_numpy() | is_bool)
    return int(bad[0]) if len(bad) else 0


_CHUNK = 1 << 16          # cells coded at once (the temporaries stay in cache)


@contextlib.contextmanager
def wide_digits():
    """Within the block, :meth:`Ratings.from_wide` leaves in the list it yields a
    ``(ratings, digits)`` pair when its fast coder ran and dropped no unit or rater:
    ``digits`` is the units x raters block of ``code + 1`` (0 = not rated, int8), from which
    the agreement statistics key each unit's pattern without scattering the long arrays
    back into a block (:func:`reliability.agreement._stats.unit_stats`)."""
    box: list = []
    token = _DIGITS.set(box)
    try:
        yield box
    finally:
        _DIGITS.reset(token)


def _code_float_wide(matrix, level, categories, *, digits=False):
    """Wide float ratings of whole numbers in a short range, coded in one pass.

    The fast path of :meth:`Ratings.from_wide` for the usual grades (1..4, NaN missing)
    and up to 64 raters. The rows are coded a block at a time: each rater column of the
    block is shifted to codes, checked to be whole numbers and packed with its rater
    (``rater * 256 + code``, int32) into a small block that stays in cache; the observed
    cells of the block are then compressed straight into the final ``unit`` / ``rater`` /
    ``code`` arrays (sized from a first pass counting the missing cells), so no copy of
    the matrix, no full-size mask and no full-size index array is ever made.

    Returns ``(unit, rater, code, categories, values, per_unit, per_rater, dense)``, the
    first seven exactly as the general path gives them and ``dense`` (with ``digits``) the
    units x raters block of ``code + 1``, 0 where not rated (int8; else None). Returns None
    when anything is unusual (a fraction, an infinite value, a value outside the declared
    categories, categories that are not consecutive whole numbers, a span of more than 127
    values, a negative value at the ratio level, no value at all, more than 64 raters):
    the general path then codes the data, and names any bad value.
    """
    n, k = matrix.shape
    if n == 0 or not 0 < k <= 64:
        return None
    lo = hi = np.nan
    missing = np.empty(k, dtype=np.int64)
    buf = np.empty(n, dtype=bool)
    for j in range(k):                     # a loop over rater columns
        col = matrix[:, j]
        lo = np.fmin(lo, np.fmin.reduce(col))
        hi = np.fmax(hi, np.fmax.reduce(col))
        missing[j] = np.count_nonzero(np.isnan(col, out=buf))
    del buf
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo.is_integer() and hi.is_integer()
            and hi - lo < 127 and abs(lo) < 2.0 ** 31 and abs(hi) < 2.0 ** 31):
        return None
    if level == "ratio" and lo < 0:
        return None
    if categories is not None:
        cats, values = category_values(categories, level)
        if _maybe_numeric(cats) is None or len(values) > 127:
            return None
        base = float(values[0])
        if not (base.is_integer() and np.array_equal(values, base + np.arange(len(values)))
                and base <= lo and hi <= values[-1]):
            return None
    else:
        base = lo
    per_rater = n - missing
    total = int(per_rater.sum())
    udt = rating_dtypes(n, k, 1)[0]
    unit = np.empty(total, dtype=udt)
    rater = np.empty(total, dtype=np.int32)
    code = np.empty(total, dtype=np.int8)
    per_unit = np.empty(n, dtype=np.intp)
    rows = min(n, max(1, _CHUNK // k))
    shifted, back = np.empty(rows), np.empty(rows)
    cast = np.empty(rows, dtype=np.int8)
    same = np.empty(rows, dtype=bool)
    # A block of units x raters of digits (code + 1, 0 where not rated) in cache, or the
    # rows of the dense block kept for the agreement statistics.
    dense = np.empty((n, k), dtype=np.int8) if digits else None
    block = np.empty((rows, k), dtype=np.int8) if dense is None else None
    observed = np.empty((rows, k), dtype=bool)
    count = np.empty(rows, dtype=np.uint8)
    row_of = np.repeat(np.arange(rows, dtype=udt), k)
    rater_of = np.tile(np.arange(k, dtype=np.int32), rows)
    shift = k.bit_length() - 1 if k & (k - 1) == 0 else None   # k a power of 2
    seen = np.zeros(k, dtype=np.int64)
    pos = 0
    with np.errstate(invalid="ignore"):    # NaN cells cast to a code that is never kept
        for s in range(0, n, rows):        # a loop over blocks of units
            m = min(rows, n - s)
            f, g, c, eq, cnt = shifted[:m], back[:m], cast[:m], same[:m], count[:m]
            cb = block[:m] if dense is None else dense[s:s + m]
            ob = observed[:m]
            cnt[...] = 0
            for j in range(k):             # a loop over rater columns
                np.subtract(matrix[s:s + m, j], base, out=f)
                np.copyto(c, f, casting="unsafe")
                np.copyto(g, c)
                np.equal(f, g, out=eq)     # False at NaN and at a fraction
                seen[j] += np.count_nonzero(eq)
                c += np.int8(1)
                np.multiply(c, eq, out=cb[:, j])
                np.add(cnt, eq.view(np.uint8), out=cnt)
            per_unit[s:s + m] = cnt
            np.not_equal(cb, 0, out=ob)
            got = int(np.count_nonzero(ob))
            if pos + got > total:          # cannot happen: more kept than observed
                return None
            out = slice(pos, pos + got)
            if got == m * k:               # every cell of the block observed
                code[out] = cb.reshape(-1)
                rater[out] = rater_of[:got]
                unit[out] = row_of[:got]
                if s:
                    unit[out] += udt.type(s)
            else:
                idx = np.flatnonzero(ob.reshape(-1))
                np.take(cb.reshape(-1), idx, out=code[out], mode="clip")
                if shift is not None:      # rater and unit by bits of the cell index
                    np.bitwise_and(idx, k - 1, out=rater[out], casting="unsafe")
                    if s:
                        idx += s * k
                    np.right_shift(idx, shift, out=unit[out], casting="unsafe")
                else:
                    np.take(rater_of, idx, out=rater[out], mode="clip")
                    np.take(row_of, idx, out=unit[out], mode="clip")
                    if s:
                        unit[out] += udt.type(s)
            code[out] -= np.int8(1)
            pos += got
    if pos != total or not np.array_equal(seen, per_rater):
        return None                        # a fraction somewhere: the general path decides
    if total == 0:
        return None
    if categories is not None:
        if dense is not None and len(values) + 1 >= 128:
            dense = None
        return unit, rater, code, cats, values, per_unit, per_rater, dense
    span = int(hi - lo) + 1
    if span <= 12:
        present = np.ones(span, dtype=bool)
        for v in range(1, span - 1):       # a loop over the values inside lo..hi
            present[v] = bool((code == v).any())
    else:
        present = np.bincount(code, minlength=span) > 0
    uniq = (np.flatnonzero(present) + lo).astype(float)
    cats = tuple(_tidy_number(x) for x in uniq)
    if not present.all():
        remap = (np.cumsum(present) - 1).astype(np.int8)
        code = remap[code]
        dense = None
    if dense is not None and len(uniq) + 1 >= 128:
        dense = None
    return unit, rater, code, cats, uniq, per_unit, per_rater, dense


def _row_col_counts(mask: np.ndarray):
    """Row and column sums of a boolean units x raters mask. A few raters: one pass per
    column (numpy's bool reductions along a short axis are several times slower)."""
    if mask.shape[1] > 64:
        return mask.sum(axis=1), mask.sum(axis=0)
    rows = np.zeros(mask.shape[0], dtype=np.int64)
    cols = np.empty(mask.shape[1], dtype=np.int64)
    for j in range(mask.shape[1]):             # a loop over rater columns, not units
        rows += mask[:, j]
        cols[j] = np.count_nonzero(mask[:, j])
    return rows, cols


def _wide_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The rater columns as one array: float when every column is a numpy number type and
    any integers are below 2**53 in size (so they stay exact), else object (as given)."""
    dtypes = list(frame.dtypes)
    if dtypes and all(isinstance(d, np.dtype) and d.kind in "iuf" for d in dtypes):
        exact = True
        for j, d in enumerate(dtypes):           # a loop over rater columns
            if d.kind in "iu":
                col = frame.iloc[:, j].to_numpy()
                if col.size and (col.max() >= 2 ** 53 or (d.kind == "i" and col.min() <= -2 ** 53)):
                    exact = False
                    break
        if exact:
            return frame.to_numpy(dtype=float)
    return frame.to_numpy(dtype=object) if frame.dtypes.nunique() > 1 else frame.to_numpy()


def rating_dtypes(n_units: int, n_raters: int, n_categories: int):
    """The integer dtypes of :class:`Ratings`' ``unit``, ``rater`` and ``code`` arrays.

    The smallest dtypes in which every index and every product of a unit index with the
    number of raters or categories (the flat keys ``unit * k + rater`` and
    ``unit * q + code`` that analyses form) stays exact: ``unit`` int32 below 2**31 such
    cells (else int64), ``rater`` int32, ``code`` int8 for up to 11 categories (so
    ``code * q + code`` fits too), int16 up to 181, else int32. For the usual inspection data
    that is 9 bytes per rating instead of 16. The one rule for in-memory, streamed and Dask
    input.
    """
    span = max(int(n_units), 1) * max(int(n_raters), int(n_categories), 1)
    unit = np.int32 if span < 2 ** 31 else np.int64
    q = int(n_categories)
    code = np.int8 if q * q < 2 ** 7 else np.int16 if q * q < 2 ** 15 else np.int32
    return np.dtype(unit), np.dtype(np.int32), np.dtype(code)


def tally(index: np.ndarray, n: int, *, block: int = 1 << 22) -> np.ndarray:
    """``np.bincount(index, minlength=n)`` block by block.

    ``bincount`` first copies its input to int64: 8 bytes a rating (800 MB for 1e8 ratings
    of int32 codes) at once; blocks bound that copy. Each block counts only the range of
    indices it holds (a run of units for ratings in unit order), so the work stays linear.
    """
    if len(index) <= block:
        return np.bincount(index, minlength=n)
    out = np.zeros(max(int(n), int(index.max()) + 1), dtype=np.int64)
    for s in range(0, len(index), block):            # a loop over blocks of ratings
        part = index[s:s + block]
        lo, hi = int(part.min()), int(part.max()) + 1
        out[lo:hi] += np.bincount(part - lo if lo else part, minlength=hi - lo)
    return out


def build_ratings(unit, rater, code, cats, values, level, unit_labels, rater_labels, shape,
                  min_ratings, *, per_unit=None, per_rater=None) -> Ratings:
    """:class:`Ratings` from coded arrays, dropping units with fewer than ``min_ratings``.

    ``per_unit`` / ``per_rater``: the numbers of ratings of each unit / rater when the
    caller already has them (wide input counts them on its dense mask). Arrays already in
    the dtypes of :func:`rating_dtypes` are kept as they are (not copied).
    """
    udt, rdt, cdt = rating_dtypes(len(unit_labels), len(rater_labels), len(cats))
    unit = np.asarray(unit, dtype=udt)
    rater = np.asarray(rater, dtype=rdt)
    code = np.asarray(code, dtype=cdt)
    if per_unit is None:
        per_unit = tally(unit, len(unit_labels))
    keep_units = per_unit >= min_ratings
    notes = []
    sparse = None
    if min_ratings > 1 and ((per_unit > 0) & ~keep_units).any():
        # Remembered for analyses that use units rated once (see Ratings.with_min_ratings).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            sparse = build_ratings(unit, rater, code, cats, values, level, unit_labels,
                                   rater_labels, shape, 1, per_unit=per_unit,
                                   per_rater=per_rater)
    if not keep_units.all():
        per_rater = None
        dropped = int((~keep_units).sum())
        if not keep_units.any():
            raise ReliabilityError(
                f"no unit has at least {min_ratings} ratings; nothing to analyse "
                f"({len(unit_labels)} unit(s) seen)")
        msg = _dropped_message(dropped, min_ratings)
        warnings.warn(msg, DataWarning, stacklevel=4)
        notes.append(msg)
        new_index = (np.cumsum(keep_units) - 1).astype(udt)
        keep = keep_units[unit]
        unit = unit[keep]
        np.take(new_index, unit, out=unit, mode="clip")    # in place: no int64 copy
        rater = rater[keep]
        code = code[keep]
        del keep
        unit_labels = unit_labels[keep_units]
    # Raters with no remaining ratings are removed so that n_raters counts real raters.
    if per_rater is None:
        per_rater = tally(rater, len(rater_labels))
    used_raters = np.asarray(per_rater) > 0
    if len(rater_labels) and not used_raters.all():
        new_index = (np.cumsum(used_raters) - 1).astype(rdt)
        rater = new_index[rater]
        rater_labels = rater_labels[used_raters]
    return Ratings(unit, rater, code, tuple(cats), np.asarray(values, dtype=float), level,
                   unit_labels, rater_labels, shape, tuple(notes), None, sparse)
