"""Small helpers shared by the real-data studies (column lookup by pattern, grade coding)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError
from reliability.scales import OFSTED_GRADES



def frame_of(obj) -> pd.DataFrame:
    """The DataFrame inside a loader's return value (a frame, a (frame, meta) tuple, or an
    object with ``.data`` / ``.frame``)."""
    if isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, tuple) and obj and isinstance(obj[0], pd.DataFrame):
        return obj[0]
    for attr in ("data", "frame", "df"):
        v = getattr(obj, attr, None)
        if isinstance(v, pd.DataFrame):
            return v
    raise ReliabilityError(f"loader returned {type(obj).__name__}, not a DataFrame")


def _norm(name) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()


def find_column(df: pd.DataFrame, *patterns, exclude=(), required=True):
    """First column whose normalised name matches one of the regex ``patterns`` (searched
    in order) and none of ``exclude``; loaders may keep the published names or rename."""
    names = {c: _norm(c) for c in df.columns}
    for pat in patterns:
        for c, n in names.items():
            if re.search(pat, n) and not any(re.search(x, n) for x in exclude):
                return c
    if required:
        raise ReliabilityError(f"no column matching {patterns} in {list(df.columns)[:40]}")
    return None


def grade_codes(values) -> np.ndarray:
    """Grades as floats 1..4 (1 = Outstanding); 'not judged' (9), blanks and others NaN."""
    s = pd.Series(values)
    num = pd.to_numeric(s, errors="coerce")
    out = num.where(num.isin([1, 2, 3, 4]))
    text = s.map({u: OFSTED_GRADES.code_of(u) for u in s.dropna().unique()})
    return out.fillna(text).to_numpy(dtype=float)
