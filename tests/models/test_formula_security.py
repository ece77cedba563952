"""Formulas are untrusted input: no formula string may run code or touch the filesystem.

Each escape below ran before the allow-list (issue 20): it must now be refused with an
UnsafeFormulaError / ReliabilityError (exit 2 from the CLI), leave no file behind and
not be evaluated. The legitimate transforms must keep working with unchanged fits.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability._errors import ReliabilityError
from reliability.models.formula import ALLOWED_TRANSFORMS, UnsafeFormulaError

ESCAPES = [
    "I(np.savetxt('written.txt', x))",
    "I(np.ctypeslib.ctypes.CDLL(None).system(b'id > pwned.txt'))",
    "I(np.os.system('touch pwned.txt'))",
    "I(x.__class__.__mro__)",
    "I(().__class__.__bases__[0].__subclasses__())",
    "I((lambda: open('pwned.txt', 'w'))())",
    "I([open('pwned.txt', 'w') for _ in [1]])",
    "I({k: 1 for k in [1]})",
    "I(getattr(x, 'tofile')('written.txt'))",
    "I(globals())",
    "I(vars())",
    "I(locals())",
    "I(__import__('os').system('touch pwned.txt'))",
    "I(open('pwned.txt', 'w'))",
    "I(eval('1'))",
    "I(exec('open(\"pwned.txt\",\"w\")'))",
    "{__builtins__}",
    "{open('pwned.txt', 'w')}",
    "I(x[0])",
    "I(log.__globals__)",
    "C(p, contr.__class__)",
    "I(9 ** 9 ** 9 ** 9)",
    "I(((9 ** 99) ** 99) ** 99)",
    "I('a' * 1000000)",
    "Q('__builtins__')",
    "I(f'{x}')",
    "I(*x)",
    "center(**{'x': 1})",
    "I(x if x else open('pwned.txt', 'w'))",
    "I(breakpoint())",
]


@pytest.fixture
def frame():
    rng = np.random.default_rng(20)
    n = 240
    return pd.DataFrame({"grade": rng.integers(1, 5, n), "x": rng.normal(size=n),
                         "z": rng.uniform(1, 3, n), "p": rng.choice(["a", "b"], n),
                         "insp": rng.integers(0, 12, n)})


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("term", ESCAPES)
@pytest.mark.parametrize("fit", [rl.linear_mixed, rl.ordinal_mixed])
def test_escape_refused_and_leaves_nothing(term, fit, frame, in_tmp):
    with pytest.raises(ReliabilityError):
        fit(f"grade ~ x + {term} + (1|insp)", frame)
    assert sorted(os.listdir(in_tmp)) == []


def test_binomial_entry_point_refuses(frame, in_tmp):
    frame = frame.assign(low=(frame.grade > 2).astype(int))
    with pytest.raises(UnsafeFormulaError, match="attribute access"):
        rl.binomial_mixed("low ~ I(np.savetxt('written.txt', x)) + (1|insp)", frame)
    assert not (in_tmp / "written.txt").exists()


def test_message_names_the_term_and_lists_the_allowed(frame):
    with pytest.raises(UnsafeFormulaError) as info:
        rl.linear_mixed("grade ~ x + I(np.os.system('id')) + (1|insp)", frame)
    msg = str(info.value)
    assert "np.os.system('id')" in msg
    assert all(t in msg for t in ("log", "center", "C", "poly"))
    assert "\n" not in msg


def test_builtin_names_are_not_columns(frame):
    for name in ("open", "np", "eval", "__import__"):
        with pytest.raises(ReliabilityError, match=repr(name).strip("'")):
            rl.linear_mixed(f"grade ~ x + {name} + (1|insp)", frame)


def test_allowed_transforms_work_and_match_a_hand_built_column(frame):
    # the transformed fit equals a fit on the same column computed by hand
    by_formula = rl.linear_mixed("grade ~ log(z) + sqrt(abs(x)) + I(x ** 2) + C(p) + (1|insp)",
                                 frame)
    hand = frame.assign(lz=np.log(frame.z), sx=np.sqrt(np.abs(frame.x)), x2=frame.x ** 2)
    by_hand = rl.linear_mixed("grade ~ lz + sx + x2 + C(p) + (1|insp)", hand)
    np.testing.assert_allclose(by_formula.coef, by_hand.coef, rtol=1e-10)
    np.testing.assert_allclose(by_formula.loglik, by_hand.loglik, rtol=1e-12)


def test_stateful_transforms_find_their_columns(frame):
    # formulaic's required_variables misses columns inside center()/standardize()
    fit = rl.linear_mixed("grade ~ center(x) + standardize(z) + C(p, contr.treatment('b'))"
                          " + (1|insp)", frame)
    assert any("center(x)" in n for n in fit.names)


def test_allow_list_is_documented():
    text = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "models.md")).read()
    assert "untrusted" in text
    assert all(f"`{t}`" in text for t in ALLOWED_TRANSFORMS)


def test_cli_refuses_with_exit_2_and_writes_nothing(frame, in_tmp):
    frame.to_csv(in_tmp / "d.csv", index=False)
    before = sorted(os.listdir(in_tmp))
    for term in ("I(np.savetxt('written.txt', x))",
                 "I(np.ctypeslib.ctypes.CDLL(None).system(b'id > pwned.txt'))"):
        out = subprocess.run([sys.executable, "-m", "reliability.cli", "model", "linear", "d.csv",
                              "--formula", f"grade ~ x + {term} + (1|insp)", "--json"],
                             capture_output=True, text=True, cwd=in_tmp)
        assert out.returncode == 2, out.stderr
        assert "Traceback" not in out.stderr
        assert "not allowed" in out.stderr
        assert sorted(os.listdir(in_tmp)) == before
    ok = subprocess.run([sys.executable, "-m", "reliability.cli", "model", "linear", "d.csv",
                         "--formula", "grade ~ log(z) + (1|insp)", "--json"],
                        capture_output=True, text=True, cwd=in_tmp)
    assert ok.returncode == 0, ok.stderr
    assert "log(z)" in json.dumps(json.loads(ok.stdout))


@pytest.mark.parametrize("fit", ["ordinal_mixed", "binomial_mixed", "linear_mixed"])
def test_swapped_arguments_say_so(fit):
    """(data, formula) was read as a file named after the formula: 'file not found: grade ~'."""
    frame = pd.DataFrame({"grade": [1, 2, 3, 2], "insp": [1, 1, 2, 2]})
    with pytest.raises(rl.ReliabilityError, match="formula comes first"):
        getattr(rl, fit)(frame, "grade ~ 1 + (1|insp)")
