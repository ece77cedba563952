"""Stages of a long report, for whoever shows progress (the web app's progress bar).

A report calls :func:`stage` as it moves on ("Grades by IDACI quintile", 40); nothing
happens unless a caller has set a listener with :func:`listen` in the same thread (or
context). Stages only report; they never change a result.
"""

from __future__ import annotations

import contextlib
import contextvars

__all__ = ["stage", "listen"]

_LISTENER: contextvars.ContextVar = contextvars.ContextVar("reliability_report_stage",
                                                           default=None)


def stage(text: str, percent: float) -> None:
    """Tell the listener (if any) that the work has reached ``text``, ``percent`` % done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(str(text), float(percent))


@contextlib.contextmanager
def listen(listener):
    """Within the block, :func:`stage` calls ``listener(text, percent)``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
