"""The report's inspector chart (labelled rows, or a band naming nobody above 60
inspectors) and its figures made without pyplot; the printed report's layout rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from reliability.plots.caterpillar import BAND_ABOVE  # noqa: E402
from reliability.report.user import data_report  # noqa: E402

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def _inspections(n_inspectors, per=40, seed=2):
    rng = np.random.default_rng(seed)
    n = n_inspectors * per
    return pd.DataFrame({"grade": rng.choice(GRADES, n, p=[.15, .65, .15, .05]),
                         "lead inspector": np.repeat([f"Person {i}" for i in
                                                      range(n_inspectors)], per)})


def _inspector_figure(n_inspectors):
    from reliability.report import user

    seen = {}
    real = user._inspector_plot

    def spy(tab, k, ranked, overall):
        fig, alt = real(tab, k, ranked, overall)
        seen.update(fig=fig, tab=tab, alt=alt)
        return fig, alt

    user._inspector_plot = spy
    try:
        oc = data_report(_inspections(n_inspectors), grade="grade",
                         inspector="lead inspector", key="a secret word")
    finally:
        user._inspector_plot = real
    return oc, seen


@pytest.mark.parametrize("n", [25, BAND_ABOVE + 30])
def test_inspector_chart_rows_or_band(n):
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend()
    oc, seen = _inspector_figure(n)
    ax = seen["fig"].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    pseudonyms = list(seen["tab"]["inspector"])
    assert len(pseudonyms) == n
    if n > BAND_ABOVE:
        assert labels == [] and ax.collections                # a band, nobody named
        assert "no inspector is named" in seen["alt"]
    else:
        assert sorted(labels) == sorted(pseudonyms)           # one labelled row each
        assert seen["alt"].startswith("Dot plot")
    assert "worse grades" in ax.get_xlabel()
    plot = next(p for p in oc.plots if p.name == "inspectors")
    assert plot.caption == seen["alt"] and plot.png.startswith(b"\x89PNG")
    assert "Person" not in plot.svg
    # drawn without pyplot: no open figures, the backend unchanged
    assert plt.get_fignums() == [] and matplotlib.get_backend() == backend


def test_printed_report_layout_rules(tmp_path):
    """The print stylesheet the PDF uses: A4, charts no taller than a page, headings kept
    with their tables, and every table inside its own section."""
    from reliability.report.write import write_report

    oc, _ = _inspector_figure(12)
    write_report(oc, tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "@page{size:A4" in html
    assert "figure img{max-width:100%;max-height:235mm" in html
    n_tables = html.count("<table>")
    n_kept = html.count("<section class='keep'>")
    assert n_kept == len(oc.tables) and n_tables >= n_kept
    # every kept section starts with its heading and holds exactly one table
    for chunk in html.split("<section class='keep'>")[1:]:
        body = chunk.split("</section>", 1)[0]
        assert body.startswith(("<h2>", "<h3>")) and body.count("<table>") == 1
