"""Progress bars for long work (bootstrap blocks, simulations, model fits on large data).

``progress(iterable, total=..., desc=..., enabled=None)`` wraps an iterable in a tqdm bar
when it is useful and returns it unchanged otherwise: disabled when ``enabled=False``
(the ``progress=False`` option of analyses), when stderr is not a terminal (pipes, CI,
notebooks' captured output, JSON CLI output stays clean), or when tqdm is missing.
Progress bars only report; they never change a result.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys

__all__ = ["LARGE_FIT_ROWS", "fit_status", "progress", "progress_enabled", "progress_scope"]

#: Mixed-model fits on more rows than this show a status bar (when bars are enabled at all).
LARGE_FIT_ROWS = 50_000

# Set by a caller that knows better than the TTY test (the CLI with --json: no bar at all).
_SCOPE: contextvars.ContextVar = contextvars.ContextVar("reliability_progress", default=None)


@contextlib.contextmanager
def progress_scope(enabled: bool | None):
    """Within the block, bars follow ``enabled`` (False: never; None: the TTY test)."""
    token = _SCOPE.set(None if enabled else False) if enabled is not True else _SCOPE.set(None)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def progress_enabled(enabled: bool | None = None) -> bool:
    """Whether a bar would be shown: ``enabled`` if given, else stderr is a TTY and
    ``RELIABILITY_PROGRESS`` is not ``0``."""
    if _SCOPE.get() is False:
        return False
    if enabled is not None:
        return bool(enabled)
    if os.environ.get("RELIABILITY_PROGRESS", "") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(iterable, *, total: int | None = None, desc: str | None = None,
             enabled: bool | None = None, unit: str = "it"):
    """Wrap ``iterable`` in a tqdm progress bar if enabled (see module notes)."""
    if not progress_enabled(enabled):
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)


class _Status:
    """A bar counting steps (fits) with a status line; every method is a no-op without one."""

    def __init__(self, bar):
        self.bar = bar

    def note(self, **info):
        """Show ``info`` (iteration, deviance, ...) beside the bar."""
        if self.bar is not None:
            self.bar.set_postfix(info, refresh=True)

    def step(self, label: str | None = None, n: int = 1):
        """One step done; ``label`` names the next one."""
        if self.bar is not None:
            self.bar.update(n)
            if label:
                self.bar.set_description_str(label, refresh=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def fit_status(total: int, *, desc: str, rows: int, enabled: bool | None = None,
               unit: str = "fit"):
    """A step bar for a model fit of ``rows`` rows: shown only when ``rows`` exceeds
    :data:`LARGE_FIT_ROWS` and bars are enabled (see :func:`progress_enabled`); it reports
    and never changes a result."""
    bar = None
    if rows > LARGE_FIT_ROWS and progress_enabled(enabled):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr)
    status = _Status(bar)
    try:
        yield status
    finally:
        status.close()
