"""Reading user files. Input files are only ever opened for reading."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from reliability._errors import ReliabilityError

_FALLBACK_ENCODINGS = ("utf-8-sig", "cp1252")


def read_csv(path, *, encoding: str | None = None, **kwargs) -> pd.DataFrame:
    """Read a CSV file into a DataFrame with clear errors.

    Parameters
    ----------
    path : str or path-like
        File to read (never written).
    encoding : str, optional
        Text encoding. By default UTF-8 is tried first and Windows-1252 (the encoding of
        Ofsted's and DfE's published CSVs) second.
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Raises
    ------
    ReliabilityError
        If the file is missing, empty, a directory, or cannot be decoded.
    """
    p = Path(os.fspath(path))
    if not p.exists():
        raise ReliabilityError(f"file not found: {p}")
    if p.is_dir():
        raise ReliabilityError(f"is a directory, not a CSV file: {p}")
    if p.stat().st_size == 0:
        raise ReliabilityError(f"file is empty: {p}")
    encodings = (encoding,) if encoding else _FALLBACK_ENCODINGS
    last_error = None
    for enc in encodings:
        try:
            frame = pd.read_csv(p, encoding=enc, **kwargs)
        except UnicodeDecodeError as exc:
            last_error = exc
            continue
        except LookupError as exc:
            raise ReliabilityError(f"unknown encoding {enc!r} for {p}") from exc
        except pd.errors.EmptyDataError as exc:
            raise ReliabilityError(f"file has no columns: {p}") from exc
        except pd.errors.ParserError as exc:
            first = str(exc).strip().splitlines()[0]
            raise ReliabilityError(f"cannot parse CSV {p}: {first}") from exc
        return frame
    raise ReliabilityError(
        f"cannot decode {p} as {' or '.join(encodings)}: {last_error.reason} at byte "
        f"{last_error.start}; pass the file's encoding"
    )
