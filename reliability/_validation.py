"""One validator for options, used at every public boundary (API and CLI alike).

A bad option is the caller's error, never a NaN result: each public function declares the
constraint of each option once with :func:`validate_params` (modelled on scikit-learn's
``utils._param_validation.validate_params``), and the check runs before any data are read.
The same option has the same name and the same constraint everywhere; :data:`OPTIONS` holds
the shared ones and :func:`option_table` lists every registered option (docs and the CLI).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass

import numpy as np

from reliability._errors import ReliabilityError, suggest

__all__ = ["OptionError", "Choice", "Real", "Integer", "Boolean", "Seed", "AnyOf", "OPTIONS",
           "validate_params", "check_option", "option_table"]


class OptionError(ReliabilityError):
    """An option value outside its allowed values (names the option and what is allowed)."""


class Constraint:
    """Base class: ``accepts(value)`` and a plain-English ``describe()``."""

    def accepts(self, value) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass(frozen=True)
class Choice(Constraint):
    """One of a fixed set of values (strings compared exactly: no silent case folding)."""

    values: tuple

    def accepts(self, value) -> bool:
        try:
            return value in self.values
        except TypeError:
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(map(repr, self.values))


@dataclass(frozen=True)
class Real(Constraint):
    """A finite real number in an interval; ``closed`` is "both", "left", "right" or "neither"."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def accepts(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        v = float(value)
        if not math.isfinite(v):
            return False
        lo_ok = self.low is None or (v >= self.low if self.closed in ("both", "left")
                                     else v > self.low)
        hi_ok = self.high is None or (v <= self.high if self.closed in ("both", "right")
                                      else v < self.high)
        return lo_ok and hi_ok

    def describe(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"a number in {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Integer(Constraint):
    """An integer in ``[low, high]`` (bounds inclusive; ``None`` for unbounded)."""

    low: int | None = None
    high: int | None = None

    def accepts(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        if self.high is None:
            return f"an integer >= {self.low}"
        if self.low == self.high:
            return f"{self.low}"
        return f"an integer from {self.low} to {self.high}"


@dataclass(frozen=True)
class Boolean(Constraint):
    def accepts(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))

    def describe(self) -> str:
        return "True or False"


@dataclass(frozen=True)
class Text(Constraint):
    """A non-empty string (a column name, a label)."""

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value.strip() != ""

    def describe(self) -> str:
        return "a non-empty string"


@dataclass(frozen=True)
class Seed(Constraint):
    """None, a non-negative integer or a :class:`numpy.random.Generator`."""

    def accepts(self, value) -> bool:
        if value is None or isinstance(value, np.random.Generator):
            return True
        return Integer(0, None).accepts(value)

    def describe(self) -> str:
        return "None, an integer >= 0 or a numpy Generator"


@dataclass(frozen=True)
class AnyOf(Constraint):
    """Any of several constraints; ``None`` in ``options`` allows None."""

    options: tuple

    def accepts(self, value) -> bool:
        return any(value is None if o is None else o.accepts(value) for o in self.options)

    def describe(self) -> str:
        return " or ".join("None" if o is None else o.describe() for o in self.options)


#: Upper bound on resamples/simulations: larger requests are refused rather than run unbounded.
MAX_RESAMPLES = 1_000_000

#: Options shared across the library: one name, one constraint.
OPTIONS = {
    "confidence": Real(0, 1, closed="neither"),
    # 0 = no resampling; one resample cannot give an interval
    "n_resamples": AnyOf((Integer(0, 0), Integer(2, MAX_RESAMPLES))),
    "seed": Seed(),
    "level": Choice(("nominal", "ordinal", "interval", "ratio")),
}

_REGISTRY: dict[str, dict[str, Constraint]] = {}


def resolve_resamples(n_resamples, bootstrap) -> int:
    """``n_resamples``, honouring the deprecated ``bootstrap=`` alias (with a warning that
    points at the caller's line); both are validated by ``validate_params`` first."""
    if bootstrap is None:
        return int(n_resamples)
    from reliability._errors import warn_caller

    warn_caller("bootstrap= is deprecated; use n_resamples=", DeprecationWarning)
    return int(bootstrap)


def check_option(name: str, value, constraint: Constraint | None = None, *, where: str = ""):
    """Raise :class:`OptionError` unless ``value`` satisfies the constraint of ``name``.

    ``constraint`` defaults to the shared one in :data:`OPTIONS`. Returns ``value``.
    """
    constraint = OPTIONS[name] if constraint is None else constraint
    if not constraint.accepts(value):
        hint = ""
        if isinstance(constraint, Choice) and isinstance(value, str):
            hint = suggest(value, [v for v in constraint.values if isinstance(v, str)])
        place = f" of {where}" if where else ""
        raise OptionError(f"option {name}={value!r}{place} is not allowed{hint}: must be "
                          f"{constraint.describe()}")
    return value


def validate_params(constraints: dict):
    """Decorator: check the named parameters of a public function before it runs.

    ``constraints`` maps parameter name to a :class:`Constraint`, or to ``"shared"`` for the
    constraint in :data:`OPTIONS`. Unknown names are a programming error (checked at import).
    """
    def decorate(func):
        sig = inspect.signature(func)
        resolved = {k: (OPTIONS[k] if v == "shared" else v) for k, v in constraints.items()}
        missing = [k for k in resolved if k not in sig.parameters]
        if missing:
            raise TypeError(f"{func.__qualname__} has no parameter(s) {missing}")
        _REGISTRY[f"{func.__module__.replace('._', '.')}.{func.__name__}"] = resolved

        # Where each checked parameter can arrive: its position (None if keyword-only).
        # Looking it up directly rather than through Signature.bind (7 us, paid by every
        # call of every public function); a call that does not fit the signature still
        # raises TypeError, from the function itself.
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        order = list(sig.parameters)
        checked = {name: (order.index(name) if sig.parameters[name].kind in positional else None,
                          constraint)
                   for name, constraint in resolved.items()}

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for name, (position, constraint) in checked.items():
                if name in kwargs:
                    value = kwargs[name]
                elif position is not None and position < len(args):
                    value = args[position]
                else:
                    continue                      # the default: not the caller's choice
                if not constraint.accepts(value):
                    check_option(name, value, constraint, where=f"{func.__name__}()")
            return func(*args, **kwargs)

        wrapper.__signature__ = sig
        return wrapper
    return decorate


def option_table():
    """Every registered option as rows ``(function, option, allowed values)``."""
    import pandas as pd

    rows = [(fn, name, c.describe()) for fn, opts in sorted(_REGISTRY.items())
            for name, c in opts.items()]
    return pd.DataFrame(rows, columns=["function", "option", "allowed"])
