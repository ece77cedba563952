"""Bad input files x every CLI command: one line on stderr, exit code 2, input never written.

Table-driven: a new command is covered by adding one line to COMMANDS.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from reliability.cli import main

# command name -> argv after the path (columns named so that a well-formed file would parse)
COMMANDS = {
    "agree": lambda p, tmp: ["agree", p],
    "agree-long": lambda p, tmp: ["agree", p, "--shape", "long"],
    "icc": lambda p, tmp: ["icc", p],
    "gstudy": lambda p, tmp: ["gstudy", p, "--unit", "p", "--facets", "rater", "--score",
                              "score"],
    "model": lambda p, tmp: ["model", "ordinal", p, "--formula", "grade ~ x + (1|inspector)"],
    "validity": lambda p, tmp: ["validity", p, "--grade", "grade", "--context", "x"],
    "consistency": lambda p, tmp: ["consistency", p, "--first", "a", "--second", "b"],
    "report": lambda p, tmp: ["report", p, "--grade", "grade", "--out", str(tmp / "out")],
}

BAD_FILES = {
    "empty": b"",
    "header_only": b"unit,a,b\n",
    "not_text": bytes(range(256)) * 4,
    "ragged": b"unit,a,b\n1,2,3,4,5\n2,\"unterminated\n",
}


def _fingerprint(path):
    st = os.stat(path)
    return st.st_mtime_ns, hashlib.sha256(open(path, "rb").read()).hexdigest()


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    return exc.value.code, err


def _assert_one_line_error(code, err):
    assert code == 2
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("reliability: error:"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_missing_file(command, tmp_path, capsys):
    code, err = _run(COMMANDS[command](str(tmp_path / "nope.csv"), tmp_path), capsys)
    _assert_one_line_error(code, err)
    assert "nope.csv" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_directory_instead_of_file(command, tmp_path, capsys):
    code, err = _run(COMMANDS[command](str(tmp_path), tmp_path), capsys)
    _assert_one_line_error(code, err)


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bad_file_one_line_exit_2_and_file_untouched(command, bad, tmp_path, capsys):
    path = tmp_path / f"{bad}.csv"
    path.write_bytes(BAD_FILES[bad])
    before = _fingerprint(path)
    code, err = _run(COMMANDS[command](str(path), tmp_path), capsys)
    _assert_one_line_error(code, err)
    assert _fingerprint(path) == before


@pytest.mark.parametrize("command", ["agree", "icc", "validity", "consistency", "model"])
def test_misspelt_column_suggests_closest(command, tmp_path, capsys):
    # a well-formed file whose columns are all off by one letter
    path = tmp_path / "cols.csv"
    path.write_text("unit,ratr,ratng,grad,xx,aa,bb,inspectr\n1,a,1,1,0.5,1,1,i1\n"
                    "1,b,2,2,0.7,2,2,i2\n2,a,1,1,0.1,1,1,i1\n", encoding="utf-8")
    argv = {
        "agree": ["agree", str(path), "--shape", "long"],
        "icc": ["icc", str(path), "--shape", "long"],
        "validity": ["validity", str(path), "--grade", "grade", "--context", "xx"],
        "consistency": ["consistency", str(path), "--first", "a", "--second", "bb"],
        "model": ["model", "ordinal", str(path), "--formula", "grade ~ xx + (1|inspectr)"],
    }[command]
    code, err = _run(argv, capsys)
    _assert_one_line_error(code, err)
    assert "did you mean" in err


def test_windows_1252_file_works_when_detected(tmp_path, capsys):
    path = tmp_path / "cp1252.csv"
    text = "unit,Inspecteur – A,Inspectrice B\nÉcole 1,1,1\nÉcole 2,2,2\nÉcole 3,1,2\n"
    path.write_bytes(text.encode("cp1252"))
    before = _fingerprint(path)
    assert main(["agree", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"n_units": 3' in out
    assert _fingerprint(path) == before
    # declared wrongly -> clear one-line error
    code, err = _run(["agree", str(path), "--encoding", "ascii"], capsys)
    _assert_one_line_error(code, err)


def test_unknown_option_is_one_line(capsys):
    code, err = _run(["agree", "x.csv", "--weigths", "linear"], capsys)
    _assert_one_line_error(code, err)
