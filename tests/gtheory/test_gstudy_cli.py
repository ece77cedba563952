"""``reliability gstudy`` command line and the D-study plot."""

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from conftest import DATA, load_reference
from reliability.cli import main

matplotlib.use("Agg")


def _two_facet_csv(tmp_path, nested=False):
    rng = np.random.default_rng(0)
    p, r, o = (a.ravel() for a in np.meshgrid(np.arange(20), np.arange(3), np.arange(2),
                                              indexing="ij"))
    y = rng.normal(size=20)[p] + 0.5 * rng.normal(size=3)[r] + rng.normal(size=len(p))
    frame = pd.DataFrame({"school": p, "inspector": r + (100 * p if nested else 0),
                          "visit": o, "grade": y})
    path = tmp_path / "g.csv"
    frame.to_csv(path, index=False)
    return path


def test_brennan_json(capsys):
    ref = load_reference("brennan_synthetic1_pxi")
    sizes = ",".join(str(row["n_prime"]) for row in ref["d_study"])
    assert main(["gstudy", str(DATA / "brennan_synthetic1_pxi.csv"), "--unit", "unit",
                 "--facets", "item", "--d-study", f"item={sizes}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["design"] == "p x r" and out["n_objects"] == 10
    variances = [c["variance"] for c in out["components"]]
    expected = [ref["values"][k]["estimate"] for k in ("sigma2_p", "sigma2_i", "sigma2_pi")]
    assert variances == pytest.approx(expected, abs=1e-6)
    assert all({"source", "variance", "percent"} <= set(c) for c in out["components"])
    assert out["g_coefficient"] == pytest.approx(ref["values"]["Erho2"]["estimate"], abs=1e-6)
    assert out["phi"] == pytest.approx(ref["values"]["Phi"]["estimate"], abs=1e-6)
    for got, row in zip(out["d_study"], ref["d_study"]):
        assert got["item"] == row["n_prime"]
        assert got["g_coefficient"] == pytest.approx(row["Erho2"], abs=1e-6)
        assert got["phi"] == pytest.approx(row["Phi"], abs=1e-6)


@pytest.mark.parametrize("nested", [False, True])
def test_two_facets_long(tmp_path, capsys, nested):
    path = _two_facet_csv(tmp_path, nested)
    args = ["gstudy", str(path), "--unit", "school", "--facets", "inspector,visit",
            "--score", "grade", "--d-study", "inspector=1,2,3,4", "visit=1,2", "--json"]
    if nested:
        args += ["--nested", "r:p"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["design"] == ("(r:p) x o" if nested else "p x r x o")
    assert len(out["d_study"]) == 8
    row = out["d_study"][0]
    assert {"inspector", "visit", "g_coefficient", "phi"} <= set(row)


def test_text_output_target_and_plot(tmp_path, capsys):
    path = _two_facet_csv(tmp_path)
    png = tmp_path / "d.png"
    assert main(["gstudy", str(path), "--unit", "school", "--facets", "inspector,visit",
                 "--score", "grade", "--target", "0.8", "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "E rho^2" in text and "smallest design" in text
    assert png.exists() and png.stat().st_size > 1000


def test_bad_d_study_argument(tmp_path, capsys):
    path = _two_facet_csv(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["gstudy", str(path), "--unit", "school", "--facets", "inspector,visit",
              "--score", "grade", "--d-study", "grader=1,2"])
    assert exc.value.code == 2
    assert "grader" in capsys.readouterr().err


def test_plot_function_returns_figure():
    from matplotlib.figure import Figure

    from reliability.gtheory import g_study
    from reliability.plots.dstudy import plot_d_study

    rng = np.random.default_rng(1)
    p, r, o = (a.ravel() for a in np.meshgrid(np.arange(15), np.arange(3), np.arange(2),
                                              indexing="ij"))
    frame = pd.DataFrame({"unit": p, "rater": r, "occasion": o,
                          "score": rng.normal(size=15)[p] + rng.normal(size=len(p))})
    res = g_study(frame, facets=("rater", "occasion"))
    fig = plot_d_study(res, n=range(1, 8), by_values=[1, 2], target=0.7)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 * 2 + 1  # E rho^2 and Phi per occasion count, plus the target
    # the plotted values are the D-study values
    g_line = ax.lines[0]
    expected = [res.coefficients(rater=n, occasion=1)[0] for n in range(1, 8)]
    np.testing.assert_allclose(g_line.get_ydata(), expected)
    fig_g = plot_d_study(res, coefficient="g")
    assert len(fig_g.axes[0].lines) == 3


def test_object_flag_is_a_deprecated_alias(tmp_path, capsys):
    path = _two_facet_csv(tmp_path)
    args = ["--facets", "inspector,visit", "--score", "grade", "--json"]
    assert main(["gstudy", str(path), "--unit", "school", *args]) == 0
    new = json.loads(capsys.readouterr().out)
    assert main(["gstudy", str(path), "--object", "school", *args]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["components"] == new["components"]
    assert "deprecated" in captured.err and new["unit"] == "school"


@pytest.mark.parametrize("extra,match", [
    (["--score", "school"], "both the score and the unit"),
    (["--score", "grade", "--plot", "x.unknown"], "unknown image format"),
])
def test_one_line_errors(tmp_path, capsys, extra, match):
    path = _two_facet_csv(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["gstudy", str(path), "--unit", "school", "--facets", "inspector,visit", *extra])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert match in err and "\n" not in err
    assert not (tmp_path / "x.unknown").exists()
