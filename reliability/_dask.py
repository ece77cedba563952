"""Dask adapters: :class:`~reliability.data.Ratings` from a ``dask.dataframe``.

Each partition is integer-coded where it lives (a worker, for a distributed cluster) against
global label maps computed first (distinct units, raters and, unless given, rating values),
and only the integer arrays (16 bytes per rating) travel back to be concatenated in
partition order. The result is identical to ``as_ratings(ddf.compute(), ...)``, so every
analysis gives exactly the in-memory numbers. Dask is imported lazily: it is optional.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError, show
from reliability.data import (Ratings, build_ratings, category_values, check_level,
                              code_ratings, is_dask_dataframe, normalise_ids,
                              refuse_duplicate_pairs, replace_missing)

__all__ = ["is_dask_dataframe", "ratings_from_dask"]


def _infer(values, level, column):
    raw = pd.unique(pd.Series(list(values), dtype=object)
                    if any(isinstance(v, str) for v in values) else pd.Series(list(values)))
    return code_ratings(np.asarray(raw), level, None, column=column,
                        rows=np.arange(len(raw)))[1]


def _code_long(frame, part, unit, rater, rating, unit_index, rater_index, level, categories):
    for col in (unit, rater):
        na = frame[col].isna().to_numpy()
        if na.any():
            row = int(np.flatnonzero(na)[0])
            raise ReliabilityError(
                f"column {col!r} is empty in row {row + 1} of partition {part}")
    u = unit_index.get_indexer(frame[unit]).astype(np.int64)
    r = rater_index.get_indexer(frame[rater]).astype(np.int32)
    observed = frame[rating].notna().to_numpy()
    code = np.full(len(frame), -1, dtype=np.int32)
    if observed.any():
        code[observed] = code_ratings(frame[rating].to_numpy()[observed], level, categories,
                                      column=rating, rows=np.flatnonzero(observed))[0]
    return u, r, code


def _code_wide(frame, unit, columns, level, categories):
    body = frame[columns]
    matrix = body.to_numpy(dtype=object) if body.dtypes.nunique() > 1 else body.to_numpy()
    u, r = np.nonzero(~pd.isna(matrix))
    code = np.empty(0, dtype=np.int32)
    if len(u):
        code = code_ratings(matrix[u, r], level, categories, column=None, rows=u, cols=r,
                            col_names=list(columns))[0]
    return frame[unit].to_numpy(), u.astype(np.int64), r.astype(np.int32), \
        np.asarray(code, dtype=np.int32)


def ratings_from_dask(ddf, *, shape: str | None = None, level: str = "nominal",
                      categories=None, unit=None, rater: str = "rater", rating: str = "rating",
                      min_ratings: int = 2) -> Ratings:
    """Ratings from a ``dask.dataframe.DataFrame``, coded partition by partition.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        Long (``unit, rater, rating`` columns) or wide (an id column, then one column per
        rater) ratings. Wide data need the unit id as a column (``unit``, default the
        first column), since dask partitions do not carry a global row number.
    shape : {"long", "wide"}, optional
        Default: ``"long"`` if the frame has a ``rater`` or ``rating`` column, else wide.
    level, categories, unit, rater, rating, min_ratings
        As in :func:`reliability.as_ratings`.

    Returns
    -------
    Ratings
        Identical to ``as_ratings(ddf.compute(), ...)`` (wide: with ``unit`` set to the id
        column).
    """
    import dask

    level = check_level(level)
    cols = list(ddf.columns)
    if shape is None:
        shape = "long" if (rater in cols or rating in cols) else "wide"
    if shape not in ("long", "wide"):
        raise ReliabilityError(f"shape must be 'long' or 'wide' for dask data; got {shape!r}")
    parts = ddf.to_delayed()
    if shape == "long":
        unit = unit or "unit"
        missing = [c for c in (unit, rater, rating) if c not in cols]
        if missing:
            raise ReliabilityError(f"column(s) {missing} not found; columns are {cols}")
        units, raters, values = dask.compute(
            ddf[unit].dropna().unique(), ddf[rater].dropna().unique(),
            ddf[rating].dropna().unique())
        if categories is None:
            if len(values) == 0:
                raise ReliabilityError("no ratings: every value is missing")
            categories = _infer(values, level, rating)
        _, unit_labels = pd.factorize(pd.Index(units), sort=True)
        _, rater_labels = pd.factorize(pd.Index(raters), sort=True)
        unit_labels, rater_labels = pd.Index(unit_labels), pd.Index(rater_labels)
        coded = dask.compute(*[
            dask.delayed(_code_long)(p, i, unit, rater, rating, unit_labels, rater_labels,
                                     level, categories) for i, p in enumerate(parts)])
        u = np.concatenate([c[0] for c in coded])
        r = np.concatenate([c[1] for c in coded])
        code = np.concatenate([c[2] for c in coded])
        if len(u) == 0:
            raise ReliabilityError("no rows: the input has a header but no ratings")
        refuse_duplicate_pairs(u, r, unit_labels, rater_labels)
        obs = code >= 0
        if not obs.any():
            raise ReliabilityError("no ratings: every value is missing")
        cats, vals = category_values(categories, level)
        return build_ratings(u[obs], r[obs], code[obs], cats, vals, level,
                       pd.Index(unit_labels, name=unit), pd.Index(rater_labels, name=rater),
                       "long", min_ratings)
    unit = unit if unit is not None else cols[0]
    if unit not in cols:
        raise ReliabilityError(f"column {unit!r} not found; columns are {cols}")
    columns = [c for c in cols if c != unit]
    if not columns:
        raise ReliabilityError("no rater columns: wide data need one column per rater")
    if categories is None:
        uniques = dask.compute(*[ddf[c].dropna().unique() for c in columns])
        seen = dict.fromkeys(v for arr in uniques for v in arr)
        if not seen:
            raise ReliabilityError("no ratings: every value is missing")
        categories = _infer(list(seen), level, None)
    coded = dask.compute(*[dask.delayed(_code_wide)(p, unit, columns, level, categories)
                           for p in parts])
    offsets = np.cumsum([0] + [len(c[0]) for c in coded])
    ids = pd.Index(np.concatenate([c[0] for c in coded]), name=unit)
    if len(ids) == 0:
        raise ReliabilityError("no rows: the input has a header but no units")
    if ids.duplicated().any():
        row = int(np.flatnonzero(ids.duplicated())[0])
        raise ReliabilityError(
            f"duplicate unit {show(ids[row])} in column {unit!r} (row {row + 1})")
    u = np.concatenate([c[1] + off for c, off in zip(coded, offsets)])
    if len(u) == 0:
        raise ReliabilityError("no ratings: every value is missing")
    r = np.concatenate([c[2] for c in coded])
    code = np.concatenate([c[3] for c in coded])
    cats, vals = category_values(categories, level)
    return build_ratings(u, r, code, cats, vals, level, ids, pd.Index(columns, name="rater"),
                   "wide", min_ratings)
