"""Caterpillar plot of group (inspector) effects with conditional-SD intervals."""

from __future__ import annotations

from reliability._validation import AnyOf, Integer, Text, validate_params

#: Above this many groups the intervals are drawn as one band with the extremes labelled.
BAND_ABOVE = 60


@validate_params({"top": AnyOf((None, Integer(1, None))), "band_above": Integer(1, None),
                  "label_extremes": Integer(0, 20), "title": AnyOf((None, Text())),
                  "label": AnyOf((None, Text()))})
def caterpillar(result, *, group=None, ax=None, top=None, band_above=BAND_ABOVE,
                label_extremes=3, direction=None, title=None, label=None):
    """Sorted group effects (e.g. inspectors) with their intervals; returns the Figure.

    Parameters
    ----------
    result : reliability.models.MixedResult
        A fitted mixed model.
    group : str, optional
        Which random term (default the first, e.g. the inspectors).
    ax : matplotlib Axes, optional
        Draw into these axes (the figure's size is then the caller's).
    top : int, optional
        Show only the ``top`` lowest and ``top`` highest effects.
    band_above : int
        With more groups than this, the intervals are drawn as one band (the ordered
        lower and upper limits) and only the ``label_extremes`` lowest and highest groups
        are named; otherwise each group has its own labelled row and the figure grows with
        the number of rows, so that no two labels overlap.
    label_extremes : int
        How many groups at each end the band names.
    direction : (str, str), optional
        What a lower and a higher effect mean, e.g. ``("more lenient", "harsher")`` when
        higher effects mean worse grades; stated under the axis. Default: words from the
        model (the end categories of an ordinal outcome, "more likely" for a binomial one).
    title : str, optional
        Default: "<group> effects, lowest to highest, with 95% intervals".
    label : str, optional
        What a group is called on the axes and in the title (default the grouping
        column's name, ``inspector_id`` read as "inspector").

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Intervals are mode +- z * conditional SD at ``result.confidence``; they ignore the
    uncertainty of the fixed effects and the random-effect SD, as lme4's
    ``dotplot(ranef(., condVar=TRUE))``. Groups whose interval excludes 0 (the average
    group) are drawn in vermillion, the others in blue (Okabe-Ito colours).
    """
    import numpy as np

    from reliability.plots._style import (OKABE_ITO, check_direction, direction_words,
                                          new_figure)

    check_direction(direction)
    re = result.random_effects(group).sort_values("mode", kind="stable")
    name = _group_word(re.index.name) if label is None else str(label)
    n_all = len(re)
    if top is not None and 2 * top < len(re):
        re = re.iloc[np.r_[:top, len(re) - top:len(re)]]
    m = len(re)
    band = m > band_above
    if ax is None:
        height = 5.0 if band else max(2.6, 0.19 * m + 1.5)
        fig, ax = new_figure((6.4, height))
    else:
        fig = ax.figure
    mode = re["mode"].to_numpy(float)
    lo, hi = re["ci_low"].to_numpy(float), re["ci_high"].to_numpy(float)
    labels = [str(i) for i in re.index]
    pos = np.arange(m)
    level = f"{100 * result.confidence:g}%"
    clear = (lo > 0) | (hi < 0)
    ax.axvline(0, color="0.25", lw=0.8, zorder=1)
    if band:
        ax.set_gid("caterpillar-band")
        ax.fill_betweenx(pos, lo, hi, color=OKABE_ITO["sky"], alpha=0.45, lw=0,
                         label=f"{level} intervals")
        ax.plot(mode, pos, color=OKABE_ITO["blue"], lw=1.2, label="estimate")
        k = min(label_extremes, m // 2)
        span = float(np.nanmax(hi) - np.nanmin(lo)) or 1.0
        ax.set_xlim(float(np.nanmin(lo)) - 0.05 * span, float(np.nanmax(hi)) + 0.4 * span)
        ax.set_ylim(-0.5, m - 0.5)
        ax.set_ylabel(f"{name}s in order of their effect (1 = lowest)")
        ax.yaxis.set_major_formatter(_rank_formatter())
        ax.legend(fontsize=7, loc="upper left", frameon=False)
    else:
        ax.set_gid("caterpillar-rows")
        for sel, colour in ((~clear, OKABE_ITO["blue"]), (clear, OKABE_ITO["vermillion"])):
            if sel.any():
                ax.errorbar(mode[sel], pos[sel],
                            xerr=[mode[sel] - lo[sel], hi[sel] - mode[sel]], fmt="o", ms=3,
                            lw=0.9, color=colour, ecolor=colour, capsize=0,
                            label="interval excludes 0" if colour == OKABE_ITO["vermillion"]
                            else "interval includes 0")
        ax.legend(fontsize=7, loc="lower right", frameon=False)
        ax.set_yticks(pos)
        ax.set_yticklabels(labels, fontsize=7 if m > 30 else 8)
        ax.set_ylim(-0.7, m - 0.3)
        ax.set_ylabel(f"{name} (sorted)")
    low_word, high_word = direction_words(result, direction)
    scale = "latent scale" if result.kind != "linear" else "outcome scale"
    ax.set_xlabel(f"{name} effect ({scale}; 0 = the average {name})\n"
                  f"\u2190 {low_word}          {high_word} \u2192", fontsize=8)
    what = name[:1].upper() + name[1:]
    if m < n_all:
        default = (f"{what} effects: the {top} lowest and {top} highest of {n_all}, "
                   f"with {level} intervals")
    else:
        default = f"{what} effects, lowest to highest, with {level} intervals"
    ax.set_title(title or default, fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if fig.axes == [ax]:
        fig.tight_layout()
    if band and k:
        _label_extremes(ax, labels, pos, hi, k, span)
    return fig


def _label_extremes(ax, labels, pos, hi, k, span):
    """Name the ``k`` lowest and highest groups of the band: labels stacked 11 points apart
    right of the band (beside the rows they would cover), each joined to its row."""
    import numpy as np

    per_point = 1.0 / max(1e-9, (ax.transData.transform((0, 1))[1]
                                 - ax.transData.transform((0, 0))[1]) * 72.0 / ax.figure.dpi)
    gap = 11.0 * per_point                      # data units of 11 points
    m = len(pos)
    ends = [list(range(k)), [m - 1 - i for i in range(k)]]
    for side, rows in enumerate(ends):
        ys, y = [], None
        edge_lo, edge_hi = -0.5 + 0.6 * gap, m - 0.5 - 0.6 * gap   # clear of the axes' edges
        for i in rows:
            if y is None:
                y = max(pos[i], edge_lo) if side == 0 else min(pos[i], edge_hi)
            else:
                y = max(pos[i], y + gap) if side == 0 else min(pos[i], y - gap)
            ys.append(y)
        lo_y, hi_y = min(ys) - gap, max(ys) + gap
        near = (pos >= lo_y) & (pos <= hi_y)
        x_text = float(np.nanmax(hi[near])) + 0.04 * span
        for i, y in zip(rows, ys):
            ax.annotate(labels[i], xy=(hi[i], pos[i]), xytext=(x_text, y), fontsize=7,
                        va="center", ha="left", annotation_clip=False,
                        arrowprops=dict(arrowstyle="-", color="0.45", lw=0.5,
                                        shrinkA=0, shrinkB=1))


def _rank_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _p: f"{int(round(v)) + 1:,}" if float(v).is_integer() else "")


def _group_word(name) -> str:
    """A grouping column's name as a word: ``inspector_id`` -> ``inspector``."""
    import re

    word = str(name).replace("_", " ").strip()
    word = re.sub(r"\s+(id|code|number|no)$", "", word, flags=re.IGNORECASE)
    return word or str(name)
