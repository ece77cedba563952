"""Simulation checks (slow): coverage of fixed-effect CIs and bias of the RE SD."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _bench():
    path = Path(__file__).parents[2] / "benchmarks" / "bench_models.py"
    spec = importlib.util.spec_from_file_location("bench_models", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_coverage_and_sd_bias():
    # 200 data sets of 4,000 inspections x 160 inspectors (truth sd 0.4). Binomial MC SE of a
    # 95% coverage over 200 sets is 1.5%, so [0.90, 0.99] is a ~3 MC-SE band; the Laplace ML
    # estimate of the SD is biased downward by O(1/G), so we allow |bias| < 0.03.
    cover, bias, mcse = _bench().simulate_coverage(200)
    for name, c in cover.items():
        assert 0.90 <= c <= 0.99, (name, c)
    assert abs(bias) < 0.03, (bias, mcse)
