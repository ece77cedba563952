"""The CLI as a newcomer meets it: fast --version, one-line errors with suggestions, no traceback."""

import subprocess
import sys

import pytest

from reliability.cli import COMMANDS, main


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "reliability", *args], capture_output=True,
                          text=True, **kw)


def test_version_and_import_load_no_heavy_library():
    code = ("import sys; from reliability.cli import main; main(['--version']); "
            "import reliability; "
            "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'formulaic', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]"


def test_every_public_name_resolves():
    import reliability as rl

    missing = [n for n in rl.__all__ if not hasattr(rl, n)]
    assert missing == []
    assert set(rl.__all__) <= set(dir(rl))
    assert callable(rl.agreement) and callable(rl.icc)
    with pytest.raises(AttributeError):
        rl.no_such_name


def test_python_dash_m_reliability_runs():
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("reliability ")


@pytest.mark.parametrize("argv, expected", [
    (["agre", "x.csv"], "did you mean 'agree'"),
    (["agree", "x.csv", "--confidnce", "0.9"], "did you mean '--confidence'"),
    (["icc", "x.csv", "--metod", "anova"], "did you mean '--method'"),
])
def test_misspellings_get_a_suggestion_on_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert expected in err
    assert len(err.splitlines()) == 1
    assert err.count("reliability:") == 1          # no "reliability: error: reliability: ..."


def test_internal_error_is_one_line_exit_1(monkeypatch, capsys, tmp_path):
    import reliability.cli.icc as icc_cmd

    def broken(args):
        raise TypeError("simulated bug")

    monkeypatch.setattr(icc_cmd, "run", broken)
    monkeypatch.setattr(sys, "argv", ["reliability"])
    path = tmp_path / "a.csv"
    path.write_text("unit,r1,r2\n1,1,2\n2,2,2\n")
    # register() binds run at parser build time, so rebuild through main()
    assert main(["icc", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "internal error (TypeError): simulated bug" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_help_exits_0(command):
    out = run(command, "--help")
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout


FILE_COMMANDS = [c for c in COMMANDS if c not in ("study", "model", "app")]  # app: no file


@pytest.mark.parametrize("command", FILE_COMMANDS)
@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "bad_flag"])
def test_bad_paths_and_flags_exit_2_one_line(command, kind, tmp_path):
    target = {"missing": tmp_path / "nope.csv", "directory": tmp_path,
              "empty": tmp_path / "empty.csv", "bad_flag": tmp_path / "empty.csv"}[kind]
    (tmp_path / "empty.csv").write_text("")
    extra = {"validity": ["--grade", "g", "--context", "c"], "areas": ["--areas", "a,b"],
             "report": ["--grade", "g", "--out", str(tmp_path / "o")],
             "gstudy": []}.get(command, [])
    argv = [command, str(target), *extra] + (["--no-such-flag"] if kind == "bad_flag" else [])
    out = run(*argv, cwd=tmp_path)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


_COMMANDS_WITH = {"agree": [], "icc": [], "areas": ["--areas", "r1,r2"],
                  "validity": ["--grade", "r1", "--context", "r2"]}
_BAD = [["--confidence", "1.5"], ["--confidence", "95"], ["--bootstrap", "1"],
        ["--bootstrap", "-1"], ["--bootstrap", "1000000000"], ["--seed", "-1"]]
BAD_OPTION_CASES = [(c, e, o) for c, e in _COMMANDS_WITH.items() for o in _BAD
                    if not (c == "areas" and o[0] == "--bootstrap")]   # areas: no bootstrap


@pytest.mark.parametrize("command, extra, option", BAD_OPTION_CASES)
def test_bad_options_exit_2_before_reading(command, extra, option, tmp_path):
    # the file does not exist: a bad option must be reported first
    out = run(command, str(tmp_path / "never-read.csv"), *extra, *option)
    assert out.returncode == 2 and option[0] in out.stderr, out.stderr
    assert "not found" not in out.stderr


def test_out_at_an_existing_file_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x")
    out = run("study", "run", "textbook", "--out", str(tmp_path / "afile"))
    assert out.returncode == 2 and "existing file" in out.stderr


def test_report_pseudonyms_keep_ids_as_text(tmp_path):
    from reliability.report.user import data_report

    path = tmp_path / "r.csv"
    path.write_text("grade,inspector\n" + "1,007\n2,7\n2,007\n3,7\n" * 5
                    + "1,9007199254740993\n2,9007199254740992\n" * 5)
    outcome = data_report(str(path), grade="grade", inspector="inspector",
                          key="a-long-enough-key", min_cell=1)
    rows = next(t for t in outcome.tables if t.name == "inspectors").rows
    assert len(rows) == 4          # 007 != 7, and two ids above 2^53 stay apart
