"""D-study curves: E rho^2 (and Phi) against the number of conditions of a facet."""

from __future__ import annotations

import numpy as np

from reliability._errors import ReliabilityError


def plot_d_study(result, *, facet=None, by=None, n=None, by_values=None, coefficient="both",
                 target=None, ax=None):
    """Plot D-study curves from a :class:`reliability.gtheory.GStudy`.

    Parameters
    ----------
    result : GStudy
        Result of :func:`reliability.gtheory.g_study`.
    facet : str, optional
        Facet on the x axis (default: the first facet, e.g. number of inspectors).
    by : str, optional
        Facet giving one line per size (default: the second facet, e.g. occasions).
    n : sequence of int, optional
        Sizes on the x axis (default 1..max(10, 2 x the G-study size)).
    by_values : sequence of int, optional
        Sizes of ``by`` (default 1..3).
    coefficient : {"g", "phi", "both"}
        E rho^2 (solid), Phi (dashed) or both.
    target : float, optional
        Draw a horizontal reference line at this coefficient.
    ax : matplotlib Axes, optional
        Draw into these axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from reliability.plots._style import new_figure

    if ax is None:
        fig, ax = new_figure((6, 4))
    else:
        fig = ax.figure
    facets = list(result.facets)
    facet = facet or facets[0]
    if facet not in facets:
        raise ReliabilityError(f"facet {facet!r} is not one of {facets}")
    others = [f for f in facets if f != facet]
    if by is None and others:
        by = others[0]
    if by is not None and by not in others:
        raise ReliabilityError(f"by={by!r} must be another facet of the design: {others}")
    if coefficient not in ("g", "phi", "both"):
        raise ReliabilityError(f"coefficient must be 'g', 'phi' or 'both'; got {coefficient!r}")
    if n is None:
        n = np.arange(1, max(10, int(2 * round(result.n[facet]))) + 1)
    n = np.asarray(list(n), dtype=float)
    levels = list(by_values) if by_values is not None else ([1, 2, 3] if by else [None])
    colours = matplotlib_colours(len(levels))
    for colour, level in zip(colours, levels):
        rows = []
        for size in n:
            plan = {facet: size}
            if by is not None:
                plan[by] = level
            rows.append(result.coefficients(**plan))
        rows = np.asarray(rows)
        label = f"{by} = {level}" if by is not None else None
        if coefficient in ("g", "both"):
            ax.plot(n, rows[:, 0], "-o", color=colour, markersize=3,
                    label=(label + " (E\u03c1\u00b2)" if label else "E\u03c1\u00b2")
                    if coefficient == "both" else label)
        if coefficient in ("phi", "both"):
            ax.plot(n, rows[:, 1], "--s", color=colour, markersize=3,
                    label=(label + " (\u03a6)" if label else "\u03a6")
                    if coefficient == "both" else label)
    if target is not None:
        ax.axhline(float(target), color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel(f"number of {facet}s")
    ylabel = {"g": "generalizability coefficient E\u03c1\u00b2", "phi": "dependability \u03a6",
              "both": "coefficient"}[coefficient]
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.set_title(f"How reliable would the average of more {facet}s be? "
                 f"(D study, design {result.design})", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return fig


def matplotlib_colours(k):
    """Okabe-Ito colours (colour-blind safe) for up to 7 lines, cividis beyond."""
    from reliability.plots._style import OKABE_ITO

    named = [OKABE_ITO[c] for c in ("blue", "vermillion", "green", "orange", "purple", "sky",
                                    "black")]
    if k <= len(named):
        return named[:max(k, 1)]
    from matplotlib import colormaps

    cmap = colormaps["cividis"]
    return [cmap(x) for x in np.linspace(0.0, 0.9, k)]
