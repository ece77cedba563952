"""The progress helper wraps only when enabled and never changes what is iterated."""

from __future__ import annotations

import pytest

from reliability._progress import progress, progress_enabled


def test_disabled_returns_the_iterable_itself():
    items = [1, 2, 3]
    assert progress(items, enabled=False) is items


def test_not_a_tty_disables(monkeypatch):
    # Under pytest stderr is captured (not a TTY), so the default is off.
    monkeypatch.delenv("RELIABILITY_PROGRESS", raising=False)
    assert progress_enabled() is False
    items = range(4)
    assert progress(items) is items


def test_env_switch_off(monkeypatch):
    monkeypatch.setenv("RELIABILITY_PROGRESS", "0")
    assert progress_enabled() is False


def test_enabled_wraps_with_tqdm_and_yields_same_items(capsys):
    pytest.importorskip("tqdm", reason="tqdm is optional")
    bar = progress(range(5), enabled=True, desc="resamples")
    assert type(bar).__name__.endswith("tqdm") or hasattr(bar, "update")
    assert list(bar) == [0, 1, 2, 3, 4]
