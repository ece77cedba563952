"""Forest plot of fixed effects (odds ratios for logit models)."""

from __future__ import annotations


def forest(result, *, ax=None, odds_ratios=None):
    """Estimates with confidence intervals, one row per fixed effect; returns the Figure.

    Logit models show odds ratios on a log axis (``odds_ratios=None`` chooses automatically).
    """
    import matplotlib.pyplot as plt
    import numpy as np

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
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 0.4 * len(t) + 1.5))
    else:
        fig = ax.figure
    pos = np.arange(len(t))[::-1]
    ax.errorbar(est, pos, xerr=[est - lo, hi - est], fmt="s", color="C1", ecolor="0.3", capsize=3)
    ax.axvline(ref, color="k", lw=0.8, ls="--")
    if use_or:
        ax.set_xscale("log")
    ax.set_yticks(pos)
    ax.set_yticklabels(list(t.index))
    ax.set_xlabel(("odds ratio" if use_or else "estimate")
                  + f" ({100 * result.confidence:g}% CI)")
    fig.tight_layout()
    return fig
