"""Forest plot of fixed effects (odds ratios for logit models)."""

from __future__ import annotations

from reliability._validation import AnyOf, Boolean, Text, validate_params


@validate_params({"odds_ratios": AnyOf((None, Boolean())), "title": AnyOf((None, Text()))})
def forest(result, *, ax=None, odds_ratios=None, direction=None, title=None):
    """Estimates with confidence intervals, one row per fixed effect; returns the Figure.

    Parameters
    ----------
    result : reliability.models.MixedResult
        A fitted mixed model.
    ax : matplotlib Axes, optional
        Draw into these axes.
    odds_ratios : bool, optional
        Odds ratios on a log axis (default for logit models) or estimates on the model's
        scale. The log axis has ticks at powers of two (0.25, 0.5, 1, 2, 4) printed as
        plain numbers.
    direction : (str, str), optional
        What an effect below and above the reference (1 for odds ratios, 0 otherwise)
        means, e.g. ``("better grades", "worse grades")``; default words from the model.
    title : str, optional
        Default: "Odds ratios with 95% intervals" (or "Fixed effects ...").

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Term names are made readable (``phase[T.secondary]`` is shown as ``phase: secondary``).
    Intervals that exclude the reference are drawn in vermillion, the others in blue.
    """
    import numpy as np

    from reliability.plots._style import (OKABE_ITO, check_direction, direction_words,
                                          new_figure, plain_log_ticks, readable_term)

    check_direction(direction)
    use_or = (result.link == "logit") if odds_ratios is None else odds_ratios
    if use_or:
        t = result.odds_ratios()
        est, lo, hi, ref = t["odds_ratio"], t["ci_low"], t["ci_high"], 1.0
    else:
        t = result.to_frame()
        if "kind" in t:
            t = t[t["kind"] == "fixed"]
        t = t.drop(index=[i for i in t.index if i == "(Intercept)"])
        est, lo, hi, ref = t["estimate"], t["ci_low"], t["ci_high"], 0.0
    est, lo, hi = (np.asarray(a, float) for a in (est, lo, hi))
    m = len(t)
    if ax is None:
        fig, ax = new_figure((6.4, max(2.4, 0.36 * m + 1.7)))
    else:
        fig = ax.figure
    pos = np.arange(m)[::-1]
    clear = (lo > ref) | (hi < ref)
    for sel, colour in ((~clear, OKABE_ITO["blue"]), (clear, OKABE_ITO["vermillion"])):
        if sel.any():
            ax.errorbar(est[sel], pos[sel], xerr=[est[sel] - lo[sel], hi[sel] - est[sel]],
                        fmt="s", ms=5, color=colour, ecolor=colour, capsize=3, lw=1.1)
    ax.axvline(ref, color="0.25", lw=0.8, ls="--")
    if use_or and m:
        ax.set_xscale("log")
        low = float(np.nanmin(np.r_[lo, ref]))
        high = float(np.nanmax(np.r_[hi, ref]))
        pad = (high / low) ** 0.06
        ax.set_xlim(low / pad, high * pad)
        plain_log_ticks(ax.xaxis, low / pad, high * pad)
    ax.set_yticks(pos)
    ax.set_yticklabels([readable_term(i) for i in t.index], fontsize=8)
    ax.set_ylim(-0.7, m - 0.3)
    level = f"{100 * result.confidence:g}%"
    low_word, high_word = direction_words(result, direction)
    ref_word = "1 = no difference" if use_or else "0 = no difference"
    ax.set_xlabel(("odds ratio (log scale; " if use_or else "estimate (") + ref_word + ")\n"
                  f"\u2190 {low_word}          {high_word} \u2192", fontsize=8)
    ax.set_title(title or (f"Odds ratios with {level} intervals" if use_or
                           else f"Fixed effects with {level} intervals"), fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if fig.axes == [ax]:
        fig.tight_layout()
    return fig
