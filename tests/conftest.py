"""Shared fixtures: reference data copied into tests/data with their sources."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

DATA = Path(__file__).parent / "data"

# Hypothesis profiles: "ci" (default, fixed and quick) and "long" (HYPOTHESIS_PROFILE=long).
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def load_reference(name: str) -> dict:
    """Expected values of a reference dataset (``tests/data/NAME.expected.json``)."""
    with open(DATA / f"{name}.expected.json", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def data_dir() -> Path:
    return DATA
