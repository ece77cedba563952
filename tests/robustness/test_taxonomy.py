"""The bad-input taxonomy x every entry point (API functions and CLI commands), table-driven.

Each bad input (``CASES``) is written once as a CSV file; each entry point (``ENTRIES``) reads
that file its own way (API functions through ``reliability._io.read_csv`` or a path, CLI
commands in-process through ``reliability.cli.main``). For every pair the test asserts:

* no exception other than :class:`reliability.ReliabilityError` escapes the API, and the CLI
  exits 0, or exits 2 with exactly one stderr line starting ``reliability: error:`` and no
  traceback;
* the input file's mtime and sha256 are unchanged;
* what the case says must happen for that entry point: ``"error"`` (a library error whose
  message matches the case's pattern), ``"ok"`` (a result), or ``"either"``;
* every result honours the NaN contract: an estimate that is NaN/None carries a ``reason``
  and confidence limits are ordered.

A new entry point is covered by adding one line to ``ENTRIES``; a new bad input by adding one
line to ``CASES``. Known bugs are listed in ``KNOWN_BUGS`` as strict xfails (temporary notes,
reported to the lead); remove a line when the bug is fixed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability import ReliabilityError
from reliability._errors import require_columns
from reliability._io import read_csv
from reliability.cli import main

# ---------------------------------------------------------------------------- bad inputs
# A well-formed file: long ratings of 16 schools by 2 raters (grades 1-4), plus a numeric
# context ``x``; ``grade`` repeats ``rating`` for the commands that analyse one row per
# inspection (models, validity, report), ``inspector`` repeats ``rater``.


def _frame(n_units=16, raters=("r1", "r2"), seed=0):
    rng = np.random.default_rng(seed)
    unit = np.repeat([f"s{u:02d}" for u in range(n_units)], len(raters))
    rater = np.tile(list(raters), n_units)
    latent = np.repeat(rng.integers(1, 5, n_units), len(raters))
    noise = rng.integers(-1, 2, len(unit)) * (rng.random(len(unit)) < 0.3)
    rating = np.clip(latent + noise, 1, 4)
    x = np.round(latent * 1.5 + rng.normal(0, 1, len(unit)), 3)
    return pd.DataFrame({"unit": unit, "rater": rater, "rating": rating, "x": x})


def _finish(df):
    df = df.copy()
    df["grade"] = df["rating"]
    df["inspector"] = df["rater"]
    return df


def _csv(df, **kw):
    return _finish(df).to_csv(index=False, **kw).encode("utf-8")


def _set(df, row, col, value):
    df = df.copy()
    df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


def _single_ratings():
    # every other school rated by one rater only
    df = _frame()
    drop = df["unit"].isin([f"s{u:02d}" for u in range(0, 16, 2)]) & (df["rater"] == "r2")
    return df[~drop]


def _unbalanced():
    # one rater rates every school; 60 others rate one school each
    rng = np.random.default_rng(1)
    busy = _frame(n_units=60, raters=("busy",), seed=2)
    rare = busy.assign(rater=[f"rare{i}" for i in range(60)],
                       rating=np.clip(busy["rating"] + rng.integers(-1, 2, 60), 1, 4))
    return pd.concat([busy, rare], ignore_index=True)


def _big_ids_unicode():
    df = _frame()
    df["unit"] = df["unit"].str[1:].astype(np.int64) + 2**62
    df["rater"] = df["rater"].map({"r1": "Inspectrice É", "r2": "検査官 Zoë"})
    return df


def _misspelt(numeric=False):
    df = _finish(_frame())
    if numeric:  # all-numeric ids: nothing but the names can tell the layout
        df["unit"] = df["unit"].str[1:].astype(int)
        df["rater"] = df["inspector"] = df["rater"].str[1:].astype(int)
    return df.rename(columns={"unit": "unt", "rater": "ratr", "rating": "ratng", "grade": "grad",
                              "x": "xx", "inspector": "inspectr"}).to_csv(index=False).encode()


def _cp1252():
    df = _big_ids_unicode()
    df["rater"] = df["rater"].map({"Inspectrice É": "Inspectrice É", "検査官 Zoë": "Zoë – B"})
    return _finish(df).to_csv(index=False).encode("cp1252")


# Entry points that need numbers or an order, so that text is an error for them.
NEEDS_ORDER = ("agree_ordinal", "api_agreement_ordinal", "agree_ratio", "agree_categories",
               "icc", "api_icc", "gstudy", "api_g_study", "model_ordinal", "api_ordinal_mixed",
               "model_linear", "api_linear_mixed", "api_ordinal_mixed_crossed",
               "model_linear_crossed", "validity", "api_grade_context", "consistency")
MODELS = ("model_ordinal", "api_ordinal_mixed", "model_linear", "api_linear_mixed",
          "api_ordinal_mixed_crossed", "model_linear_crossed")


def _all(names, outcome):
    return {name: outcome for name in names}


# name -> (file bytes or None for "no file", expectations, error-message pattern)
# expectations: {entry name or role or "default": "error" | "ok" | "either"}
# roles: "ratings" (a unit x rater design: duplicates are errors), "rows" (one row per
# inspection: models, validity, report).
CASES = {
    "missing_file": (None, {"default": "error"}, r"not found|nope"),
    "empty_file": (b"", {"default": "error"}, r"empty|no columns"),
    "header_only": (b"unit,rater,rating,x,grade,inspector\n", {"default": "error"},
                    r"no rows|no .*ratings|no complete rows|empty|no data|no grades|found 0"),
    "misspelt_columns": (_misspelt(), {"default": "error"}, r"did you mean"),
    "misspelt_numeric_ids": (_misspelt(numeric=True), {"default": "error"}, r"did you mean"),
    "duplicate_pair": (_csv(pd.concat([_frame(), _frame().iloc[[3]]])),
                       {"ratings": "error", "rows": "ok"}, r"duplicate|two grades"),
    "text_in_numbers": (_csv(_set(_frame(), 3, "rating", "abc")),
                        {"default": "either", "ratings": "ok", **_all(NEEDS_ORDER, "error")},
                        r"abc|order"),
    "text_in_context": (_csv(_set(_frame(), 3, "x", "n/a?")),
                        {"default": "ok", **_all(MODELS, "error")}, r"'x'|n/a"),
    "infinite_rating": (_csv(_set(_frame(), 3, "rating", np.inf)), {"default": "error"},
                        r"inf"),
    "nan_rating": (_csv(_set(_frame(), 3, "rating", np.nan)), {"default": "ok"}, None),
    "negative_at_ratio": (_csv(_set(_frame(), 3, "rating", -2)),
                          {"default": "ok", "agree_ratio": "error", "agree_categories": "error",
                           "areas": "error"}, r"-2"),
    "zero_at_ratio": (_csv(_set(_frame(), 3, "rating", 0)),
                      {"default": "ok", "agree_categories": "error", "areas": "error"},
                      r"\b0\b"),
    # a known grading scale (reliability.scales) carries its own order: no error
    "known_scale_text": (_csv(_frame().assign(rating=lambda d: d["rating"].map(
        {1: "Outstanding", 2: "Good", 3: "Requires improvement", 4: "Inadequate"}))),
        {"default": "either", "ratings": "ok", **_all(MODELS, "ok"),
         "validity": "ok", "api_grade_context": "ok",
         # interval-level analyses need numbers; "--categories 1,2,3,4" are not the labels
         **_all(("icc", "api_icc", "gstudy", "api_g_study", "agree_ratio", "agree_categories"),
                "error")}, r"numer|categories"),
    # text of no known scale: whatever needs an order must ask for it
    "unordered_text": (_csv(_frame().assign(rating=lambda d: d["rating"].map(
        {1: "great", 2: "fine", 3: "meh", 4: "poor"}))),
        {"default": "either", "ratings": "ok", **_all(NEEDS_ORDER, "error"),
         "consistency": "ok"},     # agreement of two teams needs no order
        r"order|numer|great|fine|meh|poor|categories"),
    "one_unit": (_csv(_frame(n_units=1)), {"default": "either"}, None),
    "one_row": (_csv(_frame(n_units=1, raters=("r1",))), {"default": "either"}, None),
    "one_rater": (_csv(_frame(raters=("r1",))), {"default": "either", **_all(MODELS, "error")},
                  r"group|inspector"),
    "all_identical": (_csv(_frame().assign(rating=3)), {"default": "either"}, None),
    "category_never_used": (_csv(_frame().assign(rating=lambda d: d["rating"].where(
        d["rating"] != 2, 1))), {"default": "ok"}, None),
    "single_ratings": (_csv(_single_ratings()), {"default": "ok", "consistency": "either"},
                       None),
    "unbalanced_raters": (_csv(_unbalanced()),
                          {"default": "ok", "consistency": "error", "api_cohen_kappa": "either"},
                          r"two|team|rater"),
    "big_ids_unicode": (_csv(_big_ids_unicode()), {"default": "ok"}, None),
    "windows_1252": (_cp1252(), {"default": "ok"}, None),
}


# -------------------------------------------------------------------------- entry points
def _api_frame(path, columns=()):
    frame = read_csv(path)
    require_columns(frame, columns)  # what a caller selecting Series would check
    return frame


def _long(path, **kw):
    return rl.as_ratings(path, shape="long", **kw)


def _cli(*argv, json_out=True):
    def build(path, tmp):
        args = [a.replace("{path}", str(path)).replace("{tmp}", str(tmp)) for a in argv]
        return args + (["--json"] if json_out else [])
    return build


# name -> (role, kind, callable).
# kind "api": callable(path) returns a result object or raises; kind "cli": callable(path, tmp)
# returns argv for reliability.cli.main.
ENTRIES = {
    "api_as_ratings": ("ratings", "api", lambda p: _long(p)),
    "api_agreement": ("ratings", "api", lambda p: rl.agreement(_long(p))),
    "api_agreement_ordinal": ("ratings", "api",
                              lambda p: rl.agreement(_long(p, level="ordinal"))),
    "api_cohen_kappa": ("ratings", "api", lambda p: rl.cohen_kappa(_long(p))),
    "api_icc": ("ratings", "api", lambda p: rl.icc(_long(p, level="interval"))),
    "api_read_ratings": ("ratings", "api",
                         lambda p: rl.agreement(rl.read_ratings(p, shape="long"))),
    "api_g_study": ("ratings", "api", lambda p: rl.g_study(
        _api_frame(p), unit="unit", facets=("rater",), score="rating")),
    "api_ordinal_mixed": ("rows", "api", lambda p: rl.ordinal_mixed(
        "grade ~ x + (1|inspector)", _api_frame(p))),
    "api_linear_mixed": ("rows", "api", lambda p: rl.linear_mixed(
        "rating ~ x + (1|inspector)", _api_frame(p))),
    "api_grade_context": ("rows", "api", lambda p: (lambda f: rl.grade_context(
        f["grade"], f["x"], grade_name="grade", context_name="x"))(
            _api_frame(p, columns=["grade", "x"]))),
    "agree": ("ratings", "cli", _cli("agree", "{path}", "--shape", "long")),
    "agree_ordinal": ("ratings", "cli", _cli("agree", "{path}", "--shape", "long", "--level",
                                             "ordinal")),
    "agree_ratio": ("ratings", "cli", _cli("agree", "{path}", "--shape", "long", "--level",
                                           "ratio")),
    "agree_categories": ("ratings", "cli", _cli("agree", "{path}", "--shape", "long",
                                                "--categories", "1,2,3,4")),
    "icc": ("ratings", "cli", _cli("icc", "{path}", "--shape", "long")),
    "gstudy": ("ratings", "cli", _cli("gstudy", "{path}", "--unit", "unit", "--facets",
                                      "rater", "--score", "rating")),
    "model_ordinal": ("rows", "cli", _cli("model", "ordinal", "{path}", "--formula",
                                          "grade ~ x + (1|inspector)")),
    "model_linear": ("rows", "cli", _cli("model", "linear", "{path}", "--formula",
                                         "rating ~ x + (1|inspector)")),
    # crossed random intercepts (inspector x school): the joint Laplace / block REML paths
    "api_ordinal_mixed_crossed": ("rows", "api", lambda p: rl.ordinal_mixed(
        "grade ~ x + (1|inspector) + (1|unit)", _api_frame(p))),
    "model_linear_crossed": ("rows", "cli", _cli("model", "linear", "{path}", "--formula",
                                                 "rating ~ x + (1|inspector) + (1|unit)")),
    "validity": ("rows", "cli", _cli("validity", "{path}", "--grade", "grade", "--context", "x")),
    "consistency": ("ratings", "cli", _cli("consistency", "{path}", "--shape", "long")),
    "areas": ("rows", "cli", _cli("areas", "{path}", "--areas", "grade,rating")),
    "report": ("rows", "cli", _cli("report", "{path}", "--grade", "grade", "--context", "x",
                                   "--inspector", "inspector", "--key", "robustness-key", "--min-cell", "1",
                                   "--out", "{tmp}/out", json_out=False)),
}

# Bugs found by this suite and still open (temporary strict xfails; delete a line when its bug
# is fixed and the pair passes). Empty now: every bug found so far is fixed (docs/robustness.md
# lists them); add {"ID": "one line"} here and {(case, entry): "ID"} below for a new one.
BUGS: dict = {}
KNOWN_BUGS: dict = {}


# ----------------------------------------------------------------------------- checks
def _fingerprint(path):
    stat = os.stat(path)
    with open(path, "rb") as fh:
        return stat.st_mtime_ns, hashlib.sha256(fh.read()).hexdigest()


def _nan(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_nan_contract(obj, where="result"):
    """Every estimate that is NaN/None has a reason; CI limits are ordered."""
    if isinstance(obj, dict):
        if "estimate" in obj and not isinstance(obj["estimate"], (dict, list)):
            if _nan(obj["estimate"]):
                assert obj.get("reason"), f"{where}: estimate is NaN without a reason: {obj}"
            ci = obj.get("ci")
            if isinstance(ci, (list, tuple)) and len(ci) == 2 and not any(map(_nan, ci)):
                assert ci[0] <= ci[1] + 1e-12, f"{where}: CI limits out of order: {ci}"
        for key, value in obj.items():
            check_nan_contract(value, f"{where}.{key}")
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            check_nan_contract(value, f"{where}[{i}]")


def _as_dict(result):
    if hasattr(result, "to_dict"):
        return result.to_dict()
    if isinstance(result, dict):
        return {k: _as_dict(v) for k, v in result.items()}
    return {}


def run_entry(entry, path, tmp_path):
    """Return ("ok", dict) or ("error", message); fail on anything else."""
    role, kind, fn = ENTRIES[entry]
    if kind == "api":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = fn(str(path))
            except ReliabilityError as exc:
                return "error", str(exc)
        return "ok", json.loads(json.dumps(_as_dict(result), default=str))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(fn(path, tmp_path))
        except SystemExit as exc:
            code = exc.code
    stderr = err.getvalue()
    assert "Traceback" not in stderr, stderr
    if code == 2:
        lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("warning:")]
        assert len(lines) == 1, f"expected one error line, got: {stderr!r}"
        assert lines[0].startswith("reliability: error:"), stderr
        return "error", lines[0]
    assert code == 0, f"exit code {code}: {stderr}"
    if entry == "report":
        text = (tmp_path / "out" / "results.json").read_text(encoding="utf-8")
    else:
        text = out.getvalue()
    return "ok", json.loads(text)


def _expected(case, entry):
    expect = CASES[case][1]
    role = ENTRIES[entry][0]
    return expect.get(entry, expect.get(role, expect.get("default", "either")))


def _params():
    for case in CASES:
        for entry in ENTRIES:
            marks = []
            if (case, entry) in KNOWN_BUGS:
                bug = KNOWN_BUGS[case, entry]
                marks.append(pytest.mark.xfail(reason=f"BUG {bug}: {BUGS[bug]}", strict=True))
            yield pytest.param(case, entry, id=f"{case}-{entry}", marks=marks)


@pytest.mark.parametrize("case,entry", list(_params()))
def test_taxonomy(case, entry, tmp_path):
    content, _, pattern = CASES[case]
    path = tmp_path / ("nope.csv" if content is None else f"{case}.csv")
    if content is not None:
        path.write_bytes(content)
        before = _fingerprint(path)
    outcome, payload = run_entry(entry, path, tmp_path)
    if content is not None:
        assert _fingerprint(path) == before, "input file was modified"
    expected = _expected(case, entry)
    if outcome == "error":
        assert expected in ("error", "either"), f"unexpected error: {payload}"
        assert "\n" not in payload.strip(), payload
        if pattern and expected == "error":
            assert re.search(pattern, payload), f"message does not name the problem: {payload}"
    else:
        assert expected in ("ok", "either"), "expected a library error, got a result"
        check_nan_contract(payload, entry)


def test_every_cli_command_is_in_the_table():
    from reliability.cli import COMMANDS
    covered = {argv[0] for _, kind, fn in ENTRIES.values() if kind == "cli"
               for argv in [fn("f.csv", "t")]}
    # 'study' takes study names, not data files; it is covered in tests/studies. 'app'
    # takes no file: its uploads get the same bad-input checks in tests/app
    assert set(COMMANDS) - {"study", "app"} <= covered


def _cli_entries():
    for entry, (_, kind, _) in ENTRIES.items():
        if kind == "cli":
            marks = []
            if ("windows_1252", entry) in KNOWN_BUGS:
                bug = KNOWN_BUGS["windows_1252", entry]
                marks.append(pytest.mark.xfail(reason=f"BUG {bug}: {BUGS[bug]}", strict=True))
            yield pytest.param(entry, id=entry, marks=marks)


@pytest.mark.parametrize("entry", list(_cli_entries()))
def test_windows_1252_declared(entry, tmp_path, monkeypatch):
    """--encoding cp1252 works for every command (detection is covered by the table)."""
    path = tmp_path / "cp1252.csv"
    path.write_bytes(CASES["windows_1252"][0])
    before = _fingerprint(path)
    role, kind, build = ENTRIES[entry]
    monkeypatch.setitem(ENTRIES, entry, (role, kind, lambda p, t: build(p, t)
                                         + ["--encoding", "cp1252"]))
    outcome, payload = run_entry(entry, path, tmp_path)
    assert outcome == "ok", payload
    assert _fingerprint(path) == before
    text = json.dumps(payload, ensure_ascii=False)
    # names decoded as written: no replacement characters, no UTF-8/cp1252 mojibake
    assert "\ufffd" not in text and "Ã" not in text and "â€" not in text
