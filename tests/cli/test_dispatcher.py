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


FILE_COMMANDS = [c for c in COMMANDS if c not in ("study", "model")]


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
