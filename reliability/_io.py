"""Reading user files. Input files are only ever opened for reading.

One reader for every command: it checks the path, undoes compression (by content, so a file
named ``.gz`` that is not gzip is a clear error rather than a traceback), decodes the text
(BOMs, UTF-16/32 with or without BOM, UTF-8, else Windows-1252 for a file that is
consistently Windows-1252), refuses duplicated headers, and turns the usual missing codes
(:data:`MISSING_CODES`) into NaN, saying which were found.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import os
import re
import tarfile
import unicodedata
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from reliability._errors import DataWarning, ReliabilityError

__all__ = ["MISSING_CODES", "detect_encoding", "header_names", "missing_mask", "open_text",
           "read_csv", "replace_missing"]

#: Cell values read as missing (compared after stripping spaces, ignoring case): the codes
#: of pandas/R (``NA``, ``NaN``, ``NULL``, ``N/A``, ...) plus SAS/Stata's ``.``.
MISSING_CODES = ("", ".", "NA", "N/A", "#N/A", "NaN", "-NaN", "NULL", "<NA>", "None")
_MISSING_KEYS = frozenset(c.casefold() for c in MISSING_CODES)

_MAGIC = (("gzip", b"\x1f\x8b"), ("bz2", b"BZh"), ("zip", b"PK\x03\x04"), ("zip", b"PK\x05\x06"),
          ("xz", b"\xfd7zXZ\x00"), ("zstd", b"\x28\xb5\x2f\xfd"))
_SUFFIX = {".gz": "gzip", ".gzip": "gzip", ".tgz": "gzip", ".bz2": "bz2", ".zip": "zip",
           ".xz": "xz", ".zst": "zstd", ".zstd": "zstd", ".tar": "tar"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# A valid multi-byte UTF-8 sequence: rare in Windows-1252 text ("Ã©"), so its presence next
# to an invalid byte means the file mixes encodings rather than being Windows-1252 throughout.
_UTF8_SEQ = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_BLOCK = 1 << 20


# --------------------------------------------------------------------- files
def _check_path(path) -> Path:
    p = Path(os.fspath(path))
    if not p.exists():
        raise ReliabilityError(f"file not found: {p}")
    if p.is_dir():
        raise ReliabilityError(f"is a directory, not a CSV file: {p}")
    if p.stat().st_size == 0:
        raise ReliabilityError(f"file is empty: {p}")
    return p


def _kind(p: Path) -> str | None:
    """Compression by content; refuse a name that promises a compression the bytes lack."""
    with open(p, "rb") as fh:
        head = fh.read(512)
    found = next((k for k, magic in _MAGIC if head.startswith(magic)), None)
    if found is None and len(head) >= 262 and head[257:262] == b"ustar":
        found = "tar"
    suffixes = [s.lower() for s in p.suffixes[-2:]]
    named = _SUFFIX.get(suffixes[-1]) if suffixes else None
    if named == "gzip" and (suffixes[-1] == ".tgz" or suffixes[:1] == [".tar"]):
        named = "gzip"  # a gzip stream holding a tar archive: checked after decompression
    if named is not None and named != found:
        what = f"{found}-compressed" if found else "not compressed"
        raise ReliabilityError(
            f"{p} is named {suffixes[-1]} but its content is {what}; rename the file to what "
            "it holds (e.g. .csv) or re-export it")
    return found


def _zstd_reader(fh):
    try:
        import zstandard
    except ImportError:
        raise ReliabilityError(
            "reading .zst files needs the 'zstandard' package (pip install zstandard), or "
            "decompress the file first") from None
    return zstandard.ZstdDecompressor().stream_reader(fh)


def _single_member(p: Path, names, what: str) -> str:
    if len(names) != 1:
        shown = ", ".join(map(repr, names[:5])) + (" ..." if len(names) > 5 else "")
        raise ReliabilityError(
            f"{what} {p} holds {len(names)} files ({shown or 'none'}); it must hold exactly one "
            "CSV file")
    return names[0]


def _open_binary(p: Path):
    """A binary stream of the decompressed content of ``p`` (one file in an archive)."""
    kind = _kind(p)
    try:
        if kind is None:
            return open(p, "rb")
        if kind == "zip":
            archive = zipfile.ZipFile(p)
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
            return archive.open(_single_member(p, names, "zip archive"))
        if kind == "zstd":
            return _zstd_reader(open(p, "rb"))
        inner = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open,
                 "tar": lambda q: open(q, "rb")}[kind](p)
        head = inner.peek(512)[:512] if hasattr(inner, "peek") else b""
        if kind == "tar" or (len(head) >= 262 and head[257:262] == b"ustar"):
            inner.close()
            archive = tarfile.open(p, "r:*")
            members = [m for m in archive.getmembers() if m.isfile()]
            member = _single_member(p, [m.name for m in members], "tar archive")
            return archive.extractfile(member)
        return inner
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError) as exc:
        raise ReliabilityError(f"cannot read {p} as a {kind} file: {exc}") from exc


def _blocks(p: Path):
    try:
        with _open_binary(p) as fh:
            while block := fh.read(_BLOCK):
                yield block
    except (OSError, EOFError, zipfile.BadZipFile, tarfile.TarError, lzma.LZMAError) as exc:
        raise ReliabilityError(f"cannot read {p}: corrupt or truncated file ({exc})") from exc


# ------------------------------------------------------------------ encoding
def _sniff_wide(head: bytes) -> str | None:
    """BOM, or the NUL-byte pattern of BOM-less UTF-16/32 text (ASCII-heavy CSVs)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    sample = np.frombuffer(head[: len(head) // 4 * 4], dtype=np.uint8)
    if sample.size < 4 or (sample != 0).all():
        return None
    quads = sample.reshape(-1, 4) == 0
    share = quads.mean(axis=0)
    if share[1:].min() > 0.9 and share[0] < 0.5:
        return "utf-32-le"
    if share[:3].min() > 0.9 and share[3] < 0.5:
        return "utf-32-be"
    pairs = sample.reshape(-1, 2) == 0
    share = pairs.mean(axis=0)
    if share[1] > 0.6 and share[0] < 0.2:
        return "utf-16-le"
    if share[0] > 0.6 and share[1] < 0.2:
        return "utf-16-be"
    return None


def detect_encoding(path) -> str:
    """The text encoding of a file (decompressed first), decided from its bytes.

    BOMs (UTF-8, UTF-16 LE/BE, UTF-32) and BOM-less UTF-16/32 are recognised; otherwise
    UTF-8 if the whole file is valid UTF-8, else Windows-1252 (the encoding of Ofsted's and
    DfE's older CSVs) if no line holds UTF-8.

    Raises
    ------
    ReliabilityError
        If the file mixes UTF-8 with another encoding (the message names the first line that
        is not UTF-8), or holds NUL bytes without being UTF-16/32.
    """
    p = _check_path(path)
    blocks = _blocks(p)
    head = next(blocks, b"")
    wide = _sniff_wide(head[:4096])
    if wide is not None:
        return wide
    if b"\x00" in head:
        raise ReliabilityError(f"{p} holds NUL bytes and is not UTF-16/32 text: is it a CSV file?")
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_seen = False
    bad_line = None
    lines = 0
    for block in _chain(head, blocks):
        utf8_seen = utf8_seen or bool(_UTF8_SEQ.search(block))
        if bad_line is None:
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                start = max(0, exc.start - pending)
                bad_line = lines + block[:start].count(b"\n") + 1
                bad_byte = block[start:start + 1]
        lines += block.count(b"\n")
        if bad_line is not None and utf8_seen:
            break
    if bad_line is None:
        try:
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            bad_line, bad_byte = lines + 1, b"?"
    if utf8_seen:
        raise ReliabilityError(
            f"{p} mixes encodings: it is UTF-8 but line {bad_line} holds byte "
            f"0x{bad_byte.hex()} that is not (Windows-1252 text pasted into a UTF-8 file?); "
            "re-save that line as UTF-8, or pass the encoding of the whole file")
    return "cp1252"


def _chain(head, rest):
    yield head
    yield from rest


def _decode(data: bytes, encoding: str, p: Path) -> str:
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise ReliabilityError(f"unknown encoding {encoding!r} for {p}") from exc
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ReliabilityError(
            f"cannot decode {p} as {encoding}: {exc.reason} at line {line}; pass the file's "
            "encoding") from exc
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise ReliabilityError(
            f"{p} decoded as {encoding} holds NUL characters (line {line}): wrong encoding? "
            "UTF-16 files are detected automatically when no encoding is given")
    return text


def open_text(path, *, encoding: str | None = None):
    """A text stream of a (possibly compressed) file, decoded as :func:`detect_encoding` says.

    For chunked readers, which cannot switch encoding after handing out chunks.
    """
    p = _check_path(path)
    enc = encoding or detect_encoding(p)
    try:
        codecs.lookup(enc)
    except LookupError as exc:
        raise ReliabilityError(f"unknown encoding {enc!r} for {p}") from exc
    if enc in ("utf-8", "utf8"):
        enc = "utf-8-sig"
    return io.TextIOWrapper(_open_binary(p), encoding=enc, newline="")


# -------------------------------------------------------------- missing codes
def missing_mask(values) -> np.ndarray:
    """True where a value is missing: NaN/None or one of :data:`MISSING_CODES` as text."""
    s = pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values
    na = s.isna().to_numpy()
    if s.dtype.kind in "biufcmM":
        return na
    short = _maybe_codes(s)
    if short is None:
        return na | _code_mask(s)
    out = na.copy()
    if short.any():
        # only the cells that can be codes are looked at (ids, grades as text: few or none)
        out[short] |= _code_mask(s[short])
    return out


def _code_mask(s: pd.Series) -> np.ndarray:
    # One comparison per distinct value, not per cell.
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    if len(uniques) == 0:
        return np.zeros(len(s), dtype=bool)
    is_code = np.array([isinstance(u, str) and u.strip().casefold() in _MISSING_KEYS
                        for u in uniques] + [False])
    return is_code[codes]


_LONGEST_CODE = max(len(c) for c in MISSING_CODES)
_SPACE_EDGE = None


def _maybe_codes(s: pd.Series):
    """Cells of a text column that can be missing codes, found by pyarrow; None without it.

    A code stripped of spaces has at most 4 characters, and a value that neither starts nor
    ends with a character ``str.strip`` removes is its own stripped form, so every other
    value is kept without a look (the same result as the per-value test, in C++).
    """
    global _SPACE_EDGE
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    try:
        arr = pa.array(s, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if _SPACE_EDGE is None:
        import sys

        ws = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(sys.maxunicode + 1))
                     if c.isspace())
        _SPACE_EDGE = f"^[{ws}]|[{ws}]$"
    cand = pc.or_(pc.less_equal(pc.utf8_length(arr), _LONGEST_CODE),
                  pc.match_substring_regex(arr, _SPACE_EDGE))
    return np.asarray(pc.fill_null(cand, False).to_numpy(zero_copy_only=False), dtype=bool)


def replace_missing(frame: pd.DataFrame, *, where: str = "the data", warn: bool = True):
    """``frame`` with missing codes in text columns set to NaN; ``(frame, found)``.

    ``found`` maps each code seen (as written, e.g. ``"."``) to its number of cells; a
    :class:`DataWarning` names them unless ``warn`` is False.
    """
    found: dict = {}
    out = None
    for j, col in enumerate(frame.columns):
        s = frame.iloc[:, j]
        if s.dtype.kind in "biufcmMb":
            continue
        mask = missing_mask(s) & s.notna().to_numpy()
        if not mask.any():
            continue
        for code, k in s[mask].astype(str).str.strip().value_counts().items():
            found[code] = found.get(code, 0) + int(k)
        if out is None:
            out = frame.copy()
        # Object dtype so that NaN cells do not turn a column of numeric text into floats.
        out.isetitem(j, s.astype(object).where(~mask, np.nan))
    if found and warn and any(code != "" for code in found):
        shown = ", ".join(f"{c!r} ({k} cell{'s' if k > 1 else ''})" for c, k in found.items())
        warnings.warn(f"missing codes in {where} read as missing: {shown}", DataWarning,
                      stacklevel=3)
    return (frame if out is None else out), found


def _exact_numbers(s: pd.Series):
    """Column of numbers if every present value is one, keeping integers above 2**53 exact."""
    present = s.notna().to_numpy()
    num = pd.to_numeric(s, errors="coerce")
    if int(num.notna().sum()) != int(present.sum()):
        return None
    if num.dtype.kind == "f":
        x = num.to_numpy()
        big = np.abs(np.where(np.isfinite(x), x, 0)) >= 2.0 ** 53
        if big.any():
            return None  # floats would merge distinct large integers: keep the text
    return num


# --------------------------------------------------------------------- reader
def header_names(names, p) -> list:
    """Column names tidied (spaces trimmed, Unicode NFC); a repeated name is refused.

    The one header check of :func:`read_csv` and the chunked reader
    (:func:`reliability.streaming.iter_chunks`).
    """
    names = [unicodedata.normalize("NFC", c.strip()) if isinstance(c, str) else c
             for c in names]
    seen: dict = {}
    for i, name in enumerate(names):
        if name in seen:
            raise ReliabilityError(
                f"{p} has a duplicated column name {name!r} (columns {seen[name] + 1} and "
                f"{i + 1}); give every column a distinct name")
        seen[name] = i
    return names


def _refuse_duplicate_header(frame: pd.DataFrame, p: Path) -> pd.DataFrame:
    frame.columns = header_names(frame.columns, p)
    return frame


def read_csv(path, *, encoding: str | None = None, text: bool = False, **kwargs) -> pd.DataFrame:
    """Read a CSV file into a DataFrame with clear errors.

    Parameters
    ----------
    path : str or path-like
        File to read (never written); may be gzip/bz2/xz/zstd-compressed, or a zip/tar
        archive holding one file.
    encoding : str, optional
        Text encoding. By default detected (:func:`detect_encoding`).
    text : bool
        Keep every column as text (ids such as ``007``, category labels). Otherwise columns
        whose values are all numbers become numeric.
    **kwargs
        Passed to :func:`pandas.read_csv`. Given ``dtype``, ``na_values`` or
        ``keep_default_na``, pandas' own missing-value handling is used as asked.

    Raises
    ------
    ReliabilityError
        If the file is missing, empty, a directory, wrongly named compressed, an archive of
        several files, cannot be decoded, or has a duplicated column name.
    """
    p = _check_path(path)
    enc = encoding or detect_encoding(p)
    data = b"".join(_blocks(p))
    source = io.StringIO(_decode(data, enc, p))
    del data
    own = not ({"dtype", "na_values", "keep_default_na", "na_filter", "converters"} & set(kwargs))
    if own:
        kwargs = {**kwargs, "dtype": str, "keep_default_na": False, "na_filter": False}
        kwargs.pop("low_memory", None)
    try:
        frame = pd.read_csv(source, **kwargs)
    except pd.errors.EmptyDataError as exc:
        raise ReliabilityError(f"file has no columns: {p}") from exc
    except pd.errors.ParserError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ReliabilityError(f"cannot parse CSV {p}: {first}") from exc
    except (ValueError, TypeError) as exc:
        raise ReliabilityError(f"cannot read CSV {p}: {exc}") from exc
    if kwargs.get("header", 0) is not None:
        frame = _refuse_duplicate_header(_unmangled(frame, source, kwargs.get("sep") or ","), p)
    if not own:
        return frame
    frame, _ = replace_missing(frame, where=str(p))
    if not text:
        for j in range(frame.shape[1]):
            num = _exact_numbers(frame.iloc[:, j])
            if num is not None:
                frame.isetitem(j, num)
        frame = frame.infer_objects()
    return frame


def _unmangled(frame: pd.DataFrame, source: io.StringIO, sep: str) -> pd.DataFrame:
    """Restore the header as written: pandas renames a repeated ``a`` to ``a.1``."""
    source.seek(0)
    try:
        raw = next(csv.reader(source, delimiter=sep), [])
    except csv.Error:
        return frame
    if len(raw) == frame.shape[1] and not isinstance(frame.columns, pd.MultiIndex):
        if len(set(raw)) < len(raw) and not frame.columns.has_duplicates:
            frame.columns = raw
    return frame
