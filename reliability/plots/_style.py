"""Shared look of the plots: figures without pyplot, a colour-blind-safe palette, plain
numbers on log axes, readable term names and the words for "higher" on an effect axis.

Figures are made with :class:`matplotlib.figure.Figure` and an Agg canvas, never through
``pyplot`` or ``matplotlib.use``: nothing global changes (a notebook's ``%matplotlib inline``
keeps working and shows a returned Figure once; the web app can draw from a worker thread).
"""

from __future__ import annotations

import math
import re

#: Okabe & Ito (2008) colour-blind-safe colours.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73",
             "orange": "#E69F00", "sky": "#56B4E9", "purple": "#CC79A7",
             "yellow": "#F0E442", "black": "#000000", "grey": "#999999"}


def new_figure(figsize, **subplots):
    """``(fig, ax)``: a Figure with an Agg canvas and its axes (``fig.subplots(**subplots)``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(**subplots)


def plain_number(v: float) -> str:
    """A tick label: ``0.25``, ``0.5``, ``1``, ``2``, ``1,000`` (never ``10^-1`` or ``1e3``)."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else ""
    if abs(v) >= 1:
        text = f"{v:,.2f}".rstrip("0").rstrip(".")
    else:
        digits = max(2, -math.floor(math.log10(abs(v))) + 1)
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return text


def plain_log_ticks(axis, low: float, high: float) -> None:
    """Ticks on a log axis covering ``[low, high]`` at powers of two (..., 0.25, 0.5, 1, 2,
    4, ...), or at plain steps (0.8, 0.9, 1, 1.25, 1.5 ...) for a narrow range, labelled as
    plain numbers; no minor-tick labels (matplotlib's log formatter would print them as
    ``2x10^-1``)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    low, high = max(float(low), 1e-12), max(float(high), 1e-12)
    k_lo, k_hi = math.floor(math.log2(low)), math.ceil(math.log2(high))
    step = max(1, math.ceil((k_hi - k_lo) / 8))       # at most about 9 ticks
    ticks = [2.0 ** k for k in range(k_lo - (k_lo % step), k_hi + 1, step)]
    if sum(low <= t <= high for t in ticks) < 3:        # a narrow range: plain steps
        steps = (1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)
        cands = sorted({round(a * 10.0 ** e, 6) for e in range(math.floor(math.log10(low)) - 1,
                                                              math.ceil(math.log10(high)) + 1)
                        for a in steps} | {0.9, 0.8, 0.75, 0.67})
        cands = [c for c in cands if low <= c <= high]
        gap = (math.log(high) - math.log(low)) / 6      # keep ticks apart on the page
        keep = [1.0] if low <= 1 <= high else []
        for c in sorted(cands, key=lambda c: abs(math.log(c))):
            if all(abs(math.log(c) - math.log(k)) >= gap for k in keep):
                keep.append(c)
        ticks = sorted(keep)
    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: plain_number(v)))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


_TERM = re.compile(r"^(?:C\()?(?P<var>[^\[\(\),]+?)(?:,[^\)]*)?\)?\[T\.(?P<level>[^\]]+)\]$")


def readable_term(name: str) -> str:
    """``phase[T.secondary]`` -> ``phase: secondary``; ``C(x)[T.b]`` -> ``x: b``;
    interactions ``a:b`` -> ``a x b``; other names unchanged."""
    parts = []
    for piece in str(name).split(":"):
        m = _TERM.match(piece)
        parts.append(f"{m.group('var').strip()}: {m.group('level')}" if m else piece)
    return " \u00d7 ".join(parts)


def response_name(result) -> str:
    return str(getattr(result, "formula", "") or "").split("~")[0].strip() or "the outcome"


def direction_words(result, direction=None) -> tuple[str, str]:
    """What lower and higher effects mean: ``direction`` (e.g. ``("more lenient",
    "harsher")``) if given, otherwise words from the model: the end categories of an
    ordinal outcome, "more/less likely" for a binomial one, "lower/higher" for a linear one."""
    if direction is not None:
        return str(direction[0]), str(direction[1])
    y = response_name(result)
    cats = tuple(getattr(result, "categories", ()) or ())
    if result.kind == "ordinal" and len(cats) >= 2:
        return f"towards {y} = {cats[0]}", f"towards {y} = {cats[-1]}"
    if result.kind == "binomial":
        return f"lower chance of {y}", f"higher chance of {y}"
    return f"lower {y}", f"higher {y}"


def check_direction(direction) -> None:
    from reliability._errors import ReliabilityError

    if direction is None:
        return
    if (isinstance(direction, str) or not hasattr(direction, "__len__") or len(direction) != 2
            or not all(isinstance(d, str) and d.strip() for d in direction)):
        raise ReliabilityError("direction must be two words for lower and higher effects, "
                               f"e.g. ('more lenient', 'harsher'); got {direction!r}")
