"""Exceptions and warnings raised by the library.

Every error caused by the caller's input is a :class:`ReliabilityError`, a
``ValueError`` subclass, whose message names the offending column, value or row.
The CLI turns these into a one-line message and exit code 2.
"""

from __future__ import annotations

import difflib


class ReliabilityError(ValueError):
    """Invalid input for a reliability analysis (names the column/value/row)."""


class DataWarning(UserWarning):
    """Data were altered before analysis (rows dropped, units removed); the message counts them."""


class ConvergenceWarning(UserWarning):
    """An iterative fit did not meet its convergence criteria."""


def suggest(name: str, choices) -> str:
    """Return a ``" (did you mean 'x'?)"`` suffix for a misspelt name, or ``""``."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), choices, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if str(name).lower() in lowered:
            close = [lowered[str(name).lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def require_columns(frame, columns, *, what: str = "column") -> None:
    """Raise :class:`ReliabilityError` naming the first missing column, with a suggestion."""
    present = list(frame.columns)
    for col in columns:
        if col not in present:
            raise ReliabilityError(
                f"{what} {col!r} not found{suggest(col, present)}; available: "
                + ", ".join(map(repr, present[:20]))
                + (" ..." if len(present) > 20 else "")
            )


def show(value) -> str:
    """repr() of a data value without numpy's type wrapper (``np.int64(2)`` -> ``2``)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    return repr(value)


def warn_caller(message: str, category=UserWarning) -> None:
    """Warn with the location of the first frame outside the library: the user's line.

    Public functions are reached through wrappers (the option validator, callable modules),
    so a fixed ``stacklevel`` points at library code for some call paths; walking the stack
    points at the caller whatever the path.
    """
    import os
    import sys
    import warnings

    root = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)
