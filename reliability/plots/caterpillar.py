"""Caterpillar plot of group (inspector) effects with conditional-SD intervals."""

from __future__ import annotations


def caterpillar(result, *, group=None, ax=None, top=None, label_every=None):
    """Sorted conditional modes with intervals at ``result.confidence``; returns the Figure.

    ``result``: a :class:`reliability.models.MixedResult`; ``group``: which random term
    (default the first, e.g. the inspectors). ``top``: show only the ``top``
    largest and smallest effects. Intervals are mode +- z * conditional SD (they ignore the
    uncertainty of the fixed effects and the RE SD, as lme4's ``dotplot(ranef(., condVar=TRUE))``).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    re = result.random_effects(group).sort_values("mode")
    name = re.index.name
    if top is not None and 2 * top < len(re):
        re = re.iloc[np.r_[:top, len(re) - top:len(re)]]
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, max(3, min(12, 0.02 * len(re) + 3))))
    else:
        fig = ax.figure
    pos = np.arange(len(re))
    ax.errorbar(re["mode"], pos, xerr=[re["mode"] - re["ci_low"], re["ci_high"] - re["mode"]],
                fmt="o", ms=2, lw=0.6, color="C0", ecolor="0.6")
    ax.axvline(0, color="k", lw=0.8)
    if len(re) <= 60:
        ax.set_yticks(pos)
        ax.set_yticklabels([str(i) for i in re.index], fontsize=7)
    else:
        ax.set_yticks([])
    ax.set_xlabel(f"{name} effect (latent scale)" if result.kind != "linear"
                  else f"{name} effect")
    ax.set_ylabel(f"{name} (sorted)")
    ax.set_title(f"Conditional modes, {100 * result.confidence:g}% intervals")
    fig.tight_layout()
    return fig
