"""Random malformed inputs: only library errors, never another exception or a traceback.

Hypothesis writes random CSV text (random headers drawn from the column names the commands
use and near-misses of them, ragged rows, empty cells, text, infinities, huge numbers,
unicode) and random DataFrames, and feeds them to every CLI command in-process and to the
public API functions. The CLI must exit 0 (and then honour the NaN-with-a-reason contract)
or exit 2 with one stderr line starting ``reliability: error:``; the API may only raise
:class:`reliability.ReliabilityError`. Input files are never modified.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import reliability as rl
from reliability import ReliabilityError

from .test_taxonomy import (BUGS, ENTRIES, _fingerprint, check_nan_contract, run_entry)

NAMES = ["unit", "rater", "rating", "grade", "x", "inspector", "unt", "Rating", "a", "b", ""]
CELLS = ["", "1", "2", "3", "4", "0", "-1", "2.5", "inf", "-inf", "nan", "NA", "abc", "Good",
         "Inadequate", "1e308", "99999999999999999999", "É", "検査官", '"quoted, comma"', " ",
         "r1", "r2", "s1", "s2", "TRUE"]


@st.composite
def csv_texts(draw):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=7))
    n_rows = draw(st.integers(0, 12))
    width = len(names)
    lines = [",".join(names)] if names or draw(st.booleans()) else []
    for _ in range(n_rows):
        # mostly rectangular, sometimes ragged
        w = width if draw(st.integers(0, 9)) else draw(st.integers(0, width + 2))
        lines.append(",".join(draw(st.lists(st.sampled_from(CELLS), min_size=w, max_size=w))))
    text = "\n".join(lines) + ("\n" if draw(st.booleans()) else "")
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@st.composite
def plausible_csv(draw):
    """Well-formed long files with random values: degenerate data more than broken files."""
    n_units = draw(st.integers(1, 8))
    raters = draw(st.lists(st.sampled_from(["r1", "r2", "r3", "É"]), min_size=1, max_size=3,
                           unique=True))
    values = st.one_of(st.integers(1, 4), st.sampled_from(["", "nan", "inf", "abc", "0", "-3"]))
    rows = ["unit,rater,rating,x,grade,inspector"]
    for u in range(n_units):
        for r in raters:
            if draw(st.integers(0, 5)):
                v = draw(values)
                x = draw(st.sampled_from(["0", "1.5", "2", "1e6", "", "3"]))
                rows.append(f"s{u},{r},{v},{x},{v},{r}")
    return ("\n".join(rows) + "\n").encode()


CLI = sorted(name for name, (_, kind, _) in ENTRIES.items() if kind == "cli")
# commands whose fuzzing still finds a bug (strict xfail: remove when fixed)
FUZZ_BUGS: dict = {}


def _cli_params(buggy):
    for name in CLI:
        if (name in FUZZ_BUGS) != buggy:
            continue
        marks = []
        if buggy:
            bug = FUZZ_BUGS[name]
            marks.append(pytest.mark.xfail(reason=f"BUG {bug}: {BUGS[bug]}", strict=True))
        yield pytest.param(name, id=name, marks=marks)


def _run_cli(entry, content, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    path = tmp / "input.csv"
    path.write_bytes(content)
    before = _fingerprint(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome, payload = run_entry(entry, path, tmp)
    assert _fingerprint(path) == before, "input file was modified"
    if outcome == "ok":
        check_nan_contract(payload, entry)


FILES = st.one_of(csv_texts(), plausible_csv())
FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.mark.parametrize("entry", list(_cli_params(buggy=False)))
@settings(suppress_health_check=FIXTURE_OK)
@given(content=FILES)
def test_cli_random_files(entry, content, tmp_path_factory):
    _run_cli(entry, content, tmp_path_factory)


# Commands with an open bug: same test without shrinking (a known failure need not be
# minimised, and shrinking it costs most of the suite's time budget). Defined only while
# FUZZ_BUGS lists one, so that an empty list is not reported as a skipped test.
if FUZZ_BUGS:
    @pytest.mark.parametrize("entry", list(_cli_params(buggy=True)))
    @settings(suppress_health_check=FIXTURE_OK, phases=[Phase.explicit, Phase.reuse,
                                                         Phase.generate])
    @given(content=FILES)
    def test_cli_random_files_open_bugs(entry, content, tmp_path_factory):
        _run_cli(entry, content, tmp_path_factory)


# ------------------------------------------------------------------------- API, frames
cell = st.one_of(st.none(), st.integers(-3, 5), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["", "x", "Good", "1", "2.5", " "]), st.booleans())


@st.composite
def frames(draw):
    n_rows = draw(st.integers(0, 8))
    names = draw(st.lists(st.sampled_from(["unit", "rater", "rating", "grade", "x",
                                           "inspector", "score"]),
                          min_size=0, max_size=6, unique=True))
    data = {name: draw(st.lists(cell, min_size=n_rows, max_size=n_rows)) for name in names}
    return pd.DataFrame(data, dtype=object) if names else pd.DataFrame(index=range(n_rows))


API = {
    "g_study": lambda f: rl.g_study(f, unit="unit", facets=("rater",), score="rating"),
    "grade_context": lambda f: rl.grade_context(f["grade"], f["x"]) if {"grade", "x"} <= set(
        f.columns) else rl.grade_context(pd.Series([], dtype=object), pd.Series([])),
    "cohen_kappa": lambda f: rl.cohen_kappa(rl.as_ratings(f, shape="long")),
    "krippendorff_alpha": lambda f: rl.krippendorff_alpha(
        rl.as_ratings(f, shape="long", level="interval")),
}
API_BUGS = {}


def _api_params():
    for name in sorted(API):
        marks = []
        if name in API_BUGS:
            bug = API_BUGS[name]
            marks.append(pytest.mark.xfail(reason=f"BUG {bug}: {BUGS[bug]}", strict=True))
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_api_params()))
@given(frame=frames())
def test_api_random_frames(name, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = API[name](frame)
        except ReliabilityError:
            return
    if hasattr(result, "to_dict"):
        check_nan_contract(result.to_dict(), name)


@given(values=st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=4, max_size=12))
def test_icc_random_finite_values(values):
    # any finite numbers: a result (finite, or NaN with a reason) or a library error
    x = np.array(values[: len(values) // 2 * 2]).reshape(-1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = rl.icc(pd.DataFrame(x, columns=["a", "b"]))
        except ReliabilityError:
            return
    check_nan_contract(result.to_dict(), "icc")
