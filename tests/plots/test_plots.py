"""Plots an academic can publish: fit.plot() and rl.plots; caterpillars of 5, 45 and 200
groups (one labelled row each, or a band with the extremes named), forest plots with plain
tick labels, no warnings and no overlapping labels."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from matplotlib.text import Text
import pytest

pytest.importorskip("matplotlib")

import reliability as rl  # noqa: E402
from reliability._errors import ReliabilityError  # noqa: E402
from reliability.plots.caterpillar import BAND_ABOVE  # noqa: E402


def _data(m, seed=0, per=18):
    rng = np.random.default_rng(seed)
    insp = np.repeat(np.arange(m), per)
    n = len(insp)
    u = rng.normal(0, 0.6, m)
    phase = rng.choice(["primary", "secondary"], n)
    x = rng.normal(size=n)
    eta = u[insp] + 0.5 * (phase == "secondary") - 0.3 * x
    grade = np.digitize(eta + rng.logistic(size=n), [-1.5, 1.0, 2.5])
    return pd.DataFrame({"grade": grade, "bad": (grade >= 2).astype(int),
                         "inspector": [f"Inspector {i:03d}" for i in insp],
                         "phase": phase, "x": x})


@pytest.fixture(scope="module", params=[5, 45, 200])
def fit(request):
    m = request.param
    return rl.models.binomial_mixed("bad ~ phase + x + (1|inspector)", _data(m, seed=m))


@pytest.fixture(scope="module")
def ordinal_fit():
    return rl.models.ordinal_mixed("grade ~ phase + x + (1|inspector)", _data(30, seed=3))


def _draw(fig):
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()
    return renderer


def _overlaps(boxes):
    """Pairs of text boxes that intersect (touching edges do not count)."""
    bad = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1:
                bad.append((i, j))
    return bad


_MATHTEXT = re.compile(r"\$|\\times|\^|e[+-]?\d|\u00d7\s*10|10\u2212")


def _tick_texts(ax):
    return [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()
            + ax.get_xticklabels(minor=True) + ax.get_yticklabels(minor=True)
            if t.get_text()]


def test_caterpillar_renders_without_warnings_and_readable(fit):
    m = fit.n_groups
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = fit.plot()
        renderer = _draw(fig)
    ax = fig.axes[0]
    assert "lowest to highest" in ax.get_title() and "95% intervals" in ax.get_title()
    assert ax.get_xlabel().count("\u2192") == 1 and "higher chance of bad" in ax.get_xlabel()
    assert not any(_MATHTEXT.search(t) for t in _tick_texts(ax)), _tick_texts(ax)
    names = set(fit.random_effects().index)
    if m > BAND_ABOVE:
        assert ax.get_gid() == "caterpillar-band"
        assert not any(t.get_text() in names for t in ax.get_yticklabels())
        named = [t for t in ax.texts if t.get_text() in names]
        re = fit.random_effects().sort_values("mode")
        assert {t.get_text() for t in named} == set(re.index[:3]) | set(re.index[-3:])
        assert len(ax.collections) >= 1              # the band (fill_betweenx)
        boxes = [Text.get_window_extent(t, renderer) for t in named]   # the text, not its line
    else:
        assert ax.get_gid() == "caterpillar-rows"
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        assert [t.get_text() for t in labels] == list(
            fit.random_effects().sort_values("mode", kind="stable").index)
        boxes = [t.get_window_extent(renderer) for t in labels]
        # each label is inside the figure, and the figure grows with the rows
        fig_box = fig.bbox
        assert all(b.x0 >= fig_box.x0 - 1 and b.y0 >= fig_box.y0 - 1
                   and b.y1 <= fig_box.y1 + 1 for b in boxes)
    assert _overlaps(boxes) == []


def test_caterpillar_rows_grow_and_band_threshold():
    small = rl.models.binomial_mixed("bad ~ x + (1|inspector)", _data(12, seed=1))
    big = rl.models.binomial_mixed("bad ~ x + (1|inspector)", _data(50, seed=2))
    h_small = small.plot().get_size_inches()[1]
    h_big = big.plot().get_size_inches()[1]
    assert h_big > h_small
    # the threshold is an option: 50 groups drawn as a band when asked
    assert big.plot(band_above=40).axes[0].get_gid() == "caterpillar-band"
    assert big.plot(band_above=50).axes[0].get_gid() == "caterpillar-rows"
    # top= keeps only the extremes, said in the title
    fig = big.plot(top=5)
    assert len([t for t in fig.axes[0].get_yticklabels() if t.get_text()]) == 10
    assert "5 lowest and 5 highest of 50" in fig.axes[0].get_title()


def test_direction_of_worse_on_the_axis(ordinal_fit):
    fig = ordinal_fit.plot(direction=("more lenient", "harsher"))
    xl = fig.axes[0].get_xlabel()
    assert xl.index("more lenient") < xl.index("harsher")
    # default words: the ordinal outcome's end categories
    xl = ordinal_fit.plot().axes[0].get_xlabel()
    cats = [str(c) for c in ordinal_fit.categories]
    assert f"grade = {cats[0]}" in xl and f"grade = {cats[-1]}" in xl
    with pytest.raises(ReliabilityError, match="direction"):
        ordinal_fit.plot(direction="harsher")
    with pytest.raises(ReliabilityError, match="band_above"):
        ordinal_fit.plot(band_above=0)
    with pytest.raises(ReliabilityError, match="kind"):
        ordinal_fit.plot("violin")


def test_forest_plain_log_ticks_and_readable_terms(fit, ordinal_fit):
    for f in (fit, ordinal_fit):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = f.plot("forest")
            renderer = _draw(fig)
        ax = fig.axes[0]
        assert ax.get_xscale() == "log"
        ticks = _tick_texts(ax)
        lo, hi = ax.get_xlim()
        shown = [(v, t) for v, t in zip(ax.get_xticks(), ax.get_xticklabels()) if lo <= v <= hi]
        xt = [t.get_text() for _, t in shown]
        assert len(xt) >= 3 and "1" in xt, xt
        assert all(re.fullmatch(r"\d+(\.\d+)?", t) for t in xt), xt
        assert not any(_MATHTEXT.search(t) for t in ticks), ticks
        # the tick labels are the tick positions, printed plainly
        assert [float(t) for t in xt] == pytest.approx([v for v, _ in shown], rel=1e-9)
        yl = [t.get_text() for t in ax.get_yticklabels()]
        assert yl == ["phase: secondary", "x"]
        assert _overlaps([t.get_window_extent(renderer) for _, t in shown]) == []
        assert ax.get_xlim()[0] < min(f.odds_ratios()["ci_low"])
        assert ax.get_xlim()[1] > max(f.odds_ratios()["ci_high"])


def test_wide_odds_ratio_range_uses_powers_of_two():
    from matplotlib.figure import Figure

    from reliability.plots._style import plain_log_ticks

    ax = Figure().subplots()
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, 0.2, 5)
    ax.set_xlim(0.2, 5)
    assert [t for t in ax.get_xticks() if 0.2 <= t <= 5] == [0.25, 0.5, 1, 2, 4]
    assert [ax.xaxis.get_major_formatter()(t, 0) for t in (0.25, 0.5, 1, 2, 4)] == \
        ["0.25", "0.5", "1", "2", "4"]


def test_readable_terms():
    from reliability.plots._style import readable_term

    assert readable_term("phase[T.secondary]") == "phase: secondary"
    assert readable_term("C(region)[T.North East]") == "region: North East"
    assert readable_term("female:phase[T.secondary]") == "female \u00d7 phase: secondary"
    assert readable_term("x") == "x"


def test_namespace_and_figures_leave_pyplot_alone(fit):
    import matplotlib

    backend = matplotlib.get_backend()
    assert rl.plots.caterpillar is not None and rl.plots.forest is not None
    fig = rl.plots.caterpillar(fit)
    import matplotlib.pyplot as plt

    assert fig not in [plt.figure(n) for n in plt.get_fignums()]   # not in pyplot's list
    assert matplotlib.get_backend() == backend
