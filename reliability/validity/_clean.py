"""Coding grades and context values from raw columns, counting what is dropped and why.

Raw inspection files mix text grades ("Requires Improvement"), numeric codes (1-4 with
``9`` = not judged), blanks and suppression markers (``SUPP``) in numeric columns. These
helpers never guess silently: a value outside the stated categories is an error naming the
value and row unless it was declared missing (``missing=[9]``); dropped rows are counted
by reason.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError, show
from reliability.data import label_key


def _norm(x) -> str:
    """The input layer's label key (spaces, case, Unicode form), so grades and ratings agree."""
    return label_key(x)


def _keys(raw: pd.Series) -> pd.Series:
    """Normalised key of every value, computed once per distinct value (not per row)."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    norm = np.array([_norm(u) for u in uniques] + [""], dtype=object)
    return pd.Series(norm[codes], index=raw.index)


def _tidy(x):
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return int(x)
    if isinstance(x, np.generic):
        return x.item()
    return x


def code_grades(values, *, categories=None, missing=(), column: str = "grade",
                ordered: bool = True):
    """Integer-code grades 0..K-1 in the order of ``categories``.

    Parameters
    ----------
    values : array_like
        Raw grades (text or numbers; NaN/blank = missing).
    categories : sequence, optional
        Grades in order (best first for inspection grades). Text is matched
        case-insensitively with surrounding whitespace ignored; numbers match their text
        form (``2.0`` matches ``2``). If omitted, the distinct values are used: numbers
        sorted numerically; text is an error (its order is unknown).
    missing : sequence
        Values meaning "not judged" (e.g. ``[9]``): dropped and counted, not an error.
    column : str
        Column name used in messages.
    ordered : bool
        Whether the analysis needs an order. Text grades of a known scale
        (:func:`reliability.scales.recognise_scale`) take the scale's order; other text is an
        error when ``ordered`` (it has no known order) and kept in first-seen order when not
        (agreement and kappa need no order).

    Returns
    -------
    codes : ndarray of int
        Category index, ``-1`` where dropped.
    categories : list
        Category labels in order.
    dropped : Counter
        Dropped rows by reason (``"grade missing"``, ``"grade not judged (9)"``).
    """
    raw = pd.Series(values).reset_index(drop=True)
    blank = raw.isna() | raw.astype(str).str.strip().eq("")
    missing_keys = {_norm(m): m for m in missing}
    keys = _keys(raw)
    not_judged = ~blank & keys.isin(missing_keys)
    dropped: Counter = Counter()
    if blank.any():
        dropped[f"{column}: missing"] = int(blank.sum())
    for key, m in missing_keys.items():
        k = int((keys[not_judged] == key).sum())
        if k:
            dropped[f"{column}: not judged ({_tidy(m)})"] = k
    keep = ~blank & ~not_judged
    if categories is None:
        present = raw[keep]
        num = pd.to_numeric(present, errors="coerce")
        if present.empty:
            raise ReliabilityError(f"column {column!r} has no grades (all missing)")
        inf = np.isinf(num.to_numpy(dtype=float, na_value=np.nan))
        if inf.any():
            row = int(present.index[np.flatnonzero(inf)[0]])
            raise ReliabilityError(f"infinite grade {show(present.iloc[np.flatnonzero(inf)[0]])} "
                                   f"in column {column!r} (row {row + 1}): grades must be "
                                   "finite codes or labels")
        if num.isna().any():
            from reliability.scales import recognise_scale

            scale = recognise_scale(pd.unique(present[num.isna()].astype(str)))
            if scale is not None and num.notna().sum() == 0:
                categories = list(scale.labels)
            elif not ordered and num.notna().sum() == 0:
                categories = list(dict.fromkeys(present.astype(str).map(str.strip)))
        if categories is None and num.isna().any():
            bad = present[num.isna()].iloc[0]
            raise ReliabilityError(
                f"column {column!r} holds text grades such as {show(bad)}, whose order is "
                "unknown: give the categories in order, best first (e.g. --categories "
                "Outstanding,Good,\"Requires Improvement\",Inadequate)")
        if categories is None:
            cats = [_tidy(c) for c in sorted(set(num.tolist()))]
            if len(cats) > 1 and all(float(c).is_integer() for c in cats):
                steps = np.diff(np.asarray(cats, dtype=float))
                if (steps > 1).any():
                    warnings.warn(
                        f"column {column!r}: grade values {cats} are not consecutive; if a "
                        f"value such as {cats[-1]} means 'not judged', declare it missing "
                        f"(--missing {cats[-1]})", DataWarning, stacklevel=3)
    if categories is not None:
        cats = [_tidy(c) for c in categories]
        present = raw[keep]
        num = pd.to_numeric(present, errors="coerce")
        text_cats = all(pd.isna(pd.to_numeric(pd.Series([c]), errors="coerce")).all()
                        for c in cats)
        if (text_cats and len(present) and num.notna().all()
                and set(num.astype(float)) <= set(range(1, len(cats) + 1))):
            # codes 1..K with labels given: code k is the k-th label (Ofsted's own coding),
            # rather than refusing every code as "not a category"
            warnings.warn(f"column {column!r} holds codes 1-{len(cats)}: read as "
                          + ", ".join(f"{k} = {c}" for k, c in enumerate(cats, 1)),
                          DataWarning, stacklevel=3)
            raw = raw.astype(object)
            raw[keep] = [cats[int(v) - 1] for v in num.astype(float)]
            keys = _keys(raw)
    lookup = {}
    for j, c in enumerate(cats):
        key = _norm(c)
        if key in lookup:
            raise ReliabilityError(f"categories contain a duplicate: {show(c)}")
        lookup[key] = j
    from reliability.scales import recognise_scale

    scale = recognise_scale(cats)
    if scale is not None and {_norm(c) for c in cats} == {_norm(c) for c in scale.labels}:
        # a known scale's other spellings ("RI", "Satisfactory") are its grades too
        aliases = {}
        for alias, canonical in scale.aliases:
            if _norm(alias) not in lookup:
                aliases[_norm(alias)] = (alias, canonical)
                lookup[_norm(alias)] = lookup[_norm(canonical)]
        used = [aliases[k] for k in pd.unique(keys[keep]) if k in aliases]
        if used:
            warnings.warn(f"column {column!r}: " + ", ".join(f"{a!r} read as {c!r}"
                                                             for a, c in used),
                          DataWarning, stacklevel=3)
    clash = set(lookup) & set(missing_keys)
    if clash:
        raise ReliabilityError(f"value {sorted(clash)[0]!r} is both a category and --missing")
    codes = np.full(len(raw), -1, dtype=np.int64)
    mapped = keys[keep].map(lookup)
    if mapped.isna().any():
        i = int(mapped.index[np.flatnonzero(mapped.isna().to_numpy())[0]])
        bad = raw.iloc[i]
        raise ReliabilityError(
            f"grade {show(_tidy(bad))} in column {column!r} (row {i + 1}) is not one of the "
            f"categories {cats}; declare values meaning 'not judged' with --missing "
            f"(e.g. --missing {show(_tidy(bad))}) or add it to --categories")
    codes[keep.to_numpy()] = mapped.to_numpy(dtype=np.int64)
    return codes, cats, dropped


def numeric_context(values, *, column: str = "context"):
    """Numeric context values; blanks and non-numeric markers (``SUPP``) become NaN.

    Returns
    -------
    x : ndarray of float
        NaN where dropped.
    dropped : Counter
        Dropped rows by reason (``"context: missing"``, ``"context: non-numeric 'SUPP'"``).
    """
    raw = pd.Series(values).reset_index(drop=True)
    blank = raw.isna() | raw.astype(str).str.strip().eq("")
    if raw.dtype.kind in "biuf":
        num = raw.astype(float)
    else:
        num = pd.to_numeric(raw.where(~blank).astype(str).str.strip().where(~blank),
                            errors="coerce")
    x = num.to_numpy(dtype=float)
    dropped: Counter = Counter()
    if blank.any():
        dropped[f"{column}: missing"] = int(blank.sum())
    text = ~blank & num.isna()
    for token, k in raw[text].astype(str).str.strip().value_counts().items():
        dropped[f"{column}: non-numeric {token!r}"] = int(k)
    inf = ~np.isfinite(x) & ~np.isnan(x)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise ReliabilityError(f"infinite value in column {column!r} (row {i + 1})")
    return x, dropped


def is_numeric_column(values) -> bool:
    """True if at least half of the distinct non-blank values parse as numbers.

    Distinct values, so that a mostly suppressed column (``SUPP`` in most rows) still
    counts as numeric.
    """
    raw = pd.Series(values)
    present = raw[~(raw.isna() | raw.astype(str).str.strip().eq(""))]
    if present.empty:
        return True
    distinct = pd.Series(present.astype(str).str.strip().unique())
    return bool(pd.to_numeric(distinct, errors="coerce").notna().mean() >= 0.5)
