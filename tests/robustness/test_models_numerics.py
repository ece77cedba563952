"""Numerical robustness of the inspector-bias models: converge, or warn / raise clearly.

Complements tests/models/test_edge_cases.py (one inspection per inspector, empty grade
category, collinear predictors, huge covariate scale, separation in a small fixture) with
the cases the fuzzing suite probes: complete separation on a larger sample, a covariate on
a huge scale with a huge offset, and the consistency of the ``converged`` flag itself.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliability as rl
from reliability import ConvergenceWarning, DataWarning, ReliabilityError



def _frame(n=200, groups=20, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"insp": rng.integers(0, groups, n), "x": rng.normal(size=n),
                         "noise": rng.integers(1, 5, n)})


def _fit(fn, formula, data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(formula, data)
    flagged = [w for w in caught if issubclass(w.category, (ConvergenceWarning, DataWarning))]
    return result, flagged


def _flags_the_problem(result, flagged):
    text = " ".join(map(str, (w.message for w in flagged))) + " ".join(result.notes)
    return (not result.converged) or "separat" in text.lower()


@pytest.mark.parametrize("kind", ["binomial", "ordinal"])
def test_complete_separation_is_flagged(kind):
    d = _frame()
    if kind == "binomial":
        d["y"] = (d["x"] > 0).astype(int)
        result, flagged = _fit(rl.binomial_mixed, "y ~ x + (1|insp)", d)
    else:
        d["y"] = np.select([d["x"] < -1, d["x"] < 0, d["x"] < 1], [1, 2, 3], 4)
        result, flagged = _fit(rl.ordinal_mixed, "y ~ x + (1|insp)", d)
    assert abs(result.coef[-1]) > 20  # the data really are separated
    assert _flags_the_problem(result, flagged)


def test_huge_scale_and_offset_converges_or_warns():
    d = _frame()
    d["big"] = d["x"] * 1e8 + 1e12
    small, _ = _fit(rl.ordinal_mixed, "noise ~ x + (1|insp)", d)
    big, flagged = _fit(rl.ordinal_mixed, "noise ~ big + (1|insp)", d)
    if big.converged:
        # the slope per unit of x is unchanged; 1e-4 relative: optimiser tolerance
        assert big.coef[0] * 1e8 == pytest.approx(small.coef[0], rel=1e-4)
    else:
        assert any(issubclass(w.category, ConvergenceWarning) for w in flagged)


def test_collinear_and_constant_predictors_are_errors():
    d = _frame().assign(x2=lambda f: 2 * f["x"] + 1, c=1.0)
    for formula in ("noise ~ x + x2 + (1|insp)", "noise ~ c + (1|insp)"):
        with pytest.raises(ReliabilityError, match="x2|'c'|collinear|constant"):
            rl.ordinal_mixed(formula, d)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31), groups=st.integers(2, 12), n=st.integers(20, 80),
       kind=st.sampled_from(["ordinal", "binomial", "linear"]))
def test_converged_flag_is_honest(seed, groups, n, kind):
    """``converged=True`` only with a small gradient, a positive-definite Hessian and finite
    standard errors; otherwise a ConvergenceWarning was issued."""
    d = _frame(n=n, groups=groups, seed=seed)
    d["y"] = (d["noise"] > 2).astype(int) if kind == "binomial" else d["noise"]
    fn = {"ordinal": rl.ordinal_mixed, "binomial": rl.binomial_mixed,
          "linear": rl.linear_mixed}[kind]
    try:
        result, flagged = _fit(fn, "y ~ x + (1|insp)", d)
    except ReliabilityError:
        return
    if result.converged:
        assert result.hessian_pd
        assert result.max_gradient < 1e-2
        assert all(math.isfinite(s) for s in result.se)
    else:
        assert result.notes or any(issubclass(w.category, ConvergenceWarning)
                                   for w in flagged)

