"""Disclosure control for reports made from inspector-level data.

Inspector-level inspection data are not public (published studies obtained them by freedom
of information requests). A report that is to be shared must not identify inspectors:

* identifiers are replaced by keyed pseudonyms, HMAC-SHA256 (RFC 2104) of the identifier
  under a secret key chosen by the user: stable for one key (the same inspector gets the
  same pseudonym across reports made with that key), unlinkable across keys, and not
  reversible by hashing a list of known names without the key;
* counts below a minimum cell size are suppressed (shown as missing, with a note), and so
  are statistics computed from fewer units than that;
* rankings of named (pseudonymised) inspectors are off unless asked for explicitly.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reliability._errors import ReliabilityError

SUPPRESSED = None  # suppressed cells are written as missing (null in JSON, "<k" in HTML)


def _key_bytes(key) -> bytes:
    if key is None:
        raise ReliabilityError(
            "a key is needed to pseudonymise inspector identifiers (--key K or the "
            "RELIABILITY_KEY environment variable); keep it secret to keep pseudonyms stable")
    k = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if len(k) < 8:
        raise ReliabilityError(f"the pseudonymisation key must have at least 8 characters; "
                               f"got {len(k)}")
    return k


def pseudonymise(ids, key, *, prefix: str = "INS-", length: int = 10) -> np.ndarray:
    """Keyed pseudonyms ``prefix + first length hex digits of HMAC-SHA256(key, id)``.

    Missing identifiers stay missing. Identifiers are compared as text after stripping
    surrounding spaces, so ``" 123"`` and ``123`` get the same pseudonym.
    """
    k = _key_bytes(key)
    if not 4 <= int(length) <= 64:
        raise ReliabilityError(f"pseudonym length must be 4..64 hex digits; got {length}")
    s = pd.Series(ids, dtype=object)
    out = np.empty(len(s), dtype=object)
    cache: dict[str, str] = {}
    for i, v in enumerate(s.to_numpy()):  # one HMAC per distinct id (cached)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = None
            continue
        t = str(v).strip()
        if t.endswith(".0") and t[:-2].isdigit():  # ids re-saved as floats
            t = t[:-2]
        if t not in cache:
            cache[t] = prefix + hmac.new(k, t.encode("utf-8"),
                                         hashlib.sha256).hexdigest()[:int(length)]
        out[i] = cache[t]
    return out


def suppress_small(frame: pd.DataFrame, min_cell: int, *, count_columns=None,
                   n_column: str | None = None, stat_columns=()) -> pd.DataFrame:
    """Copy of ``frame`` with counts below ``min_cell`` blanked (NaN).

    ``count_columns`` (default: integer columns whose name starts with ``n`` or is a
    grade count) are suppressed cell by cell. If ``n_column`` is given, rows whose
    ``n_column`` is below ``min_cell`` also lose every column in ``stat_columns``
    (proportions and statistics computed from too few units).
    """
    min_cell = int(min_cell)
    if min_cell < 1:
        raise ReliabilityError(f"min_cell must be at least 1; got {min_cell}")
    df = frame.copy()
    if count_columns is None:
        count_columns = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c])]
    for c in count_columns:
        col = pd.to_numeric(df[c], errors="coerce").astype(float)
        small = col < min_cell
        df[c] = col.where(~small)
    if n_column is not None:
        n = pd.to_numeric(frame[n_column], errors="coerce")
        small = n < min_cell
        for c in stat_columns:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float).where(~small)
    return df


@dataclass(frozen=True)
class Disclosure:
    """Disclosure settings for a report.

    Parameters
    ----------
    key : str or bytes, optional
        Secret HMAC key for inspector pseudonyms (required when inspector ids are used).
    min_cell : int
        Smallest count shown (default 10).
    allow_rankings : bool
        Show inspectors in rank order (off by default).
    """

    key: object = None
    min_cell: int = 10
    allow_rankings: bool = False

    def __post_init__(self):
        if int(self.min_cell) < 1:
            raise ReliabilityError(f"min_cell must be at least 1; got {self.min_cell}")

    def pseudonyms(self, ids) -> np.ndarray:
        return pseudonymise(ids, self.key)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Suppress small counts in an integer-count table."""
        return suppress_small(frame, self.min_cell)

    def describe(self) -> list[str]:
        return [
            "Inspector identifiers are pseudonymised with HMAC-SHA256 under a key held by the "
            "user: stable for that key, unlinkable without it." if self.key is not None else
            "No inspector identifiers are used.",
            f"Counts below {int(self.min_cell)} are suppressed (shown as '<{int(self.min_cell)}'), "
            "and so are statistics computed from fewer units.",
            "Inspectors are listed in rank order because this was asked for explicitly."
            if self.allow_rankings else
            "Inspectors are not ranked (rankings are off unless asked for explicitly); they "
            "are listed in pseudonym order.",
        ]
