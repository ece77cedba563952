"""Runner, results.json schema, HTML self-containment and exit codes on dummy studies."""

import json
import re
import textwrap

import pytest

from reliability.cli import main
from reliability.studies import Study, compare_value, run_study, write_outputs

DUMMY = textwrap.dedent('''
    from reliability.studies import Study

    def run(ctx):
        import pandas as pd
        ctx.truth("mean", {value}, 1.0, tolerance=0.1, source="generator")
        ctx.table("t", pd.DataFrame({{"a": [1, 2], "b": [0.5, None]}}), caption="A table")
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ctx.plot("line", fig, caption="A line")
        ctx.assume("an assumption")

    STUDY = Study(name="dummy", title="Dummy", description="d", run=run)
''')


def _write(tmp_path, value):
    d = tmp_path / f"study_{str(value).replace('.', '_')}"
    d.mkdir()
    (d / "study.py").write_text(DUMMY.format(value=value))
    return d


def test_dummy_pass_exit_0(tmp_path):
    out = tmp_path / "out"
    rc = main(["study", "run", "--path", str(_write(tmp_path, 1.05)), "--out", str(out),
               "--quiet"])
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    assert res["status"] == "pass"
    fig = res["studies"][0]["figures"][0]
    assert fig["status"] == "pass" and fig["published"] == 1.0 and fig["tolerance"] == 0.1
    assert (out / "dummy" / "line.png").stat().st_size > 0
    assert (out / "dummy" / "line.svg").read_text().lstrip().startswith("<?xml")


def test_dummy_fail_exit_1_and_difference_table(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["study", "run", "--path", str(_write(tmp_path, 1.5)), "--out", str(out),
               "--quiet"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "What differs" in err and "mean" in err and "FAIL" in err
    res = json.loads((out / "results.json").read_text())
    assert res["status"] == "fail" and res["summary"]["fail"] == 1


def test_study_raising_is_error_not_crash(tmp_path):
    def boom(ctx):
        raise RuntimeError("module missing")

    oc = run_study(Study(name="boom", title="B", description="", run=boom))
    assert oc.status == "error" and "module missing" in oc.error


def test_study_comparing_nothing_is_descriptive_not_pass(tmp_path):
    """A study with only context figures (or none) compares nothing: it must not say pass."""
    oc = run_study(Study(name="d", title="D", description="", run=lambda ctx: None))
    assert oc.status == "descriptive"
    res = write_outputs([oc], tmp_path, seed=1)
    assert res["status"] == "descriptive"
    assert "compares nothing" in (tmp_path / "d" / "report.html").read_text()


def test_unknown_figure_kind_is_refused():
    study = Study(name="k", title="K", description="",
                  run=lambda ctx: ctx.compare("x", 1.0))
    oc = run_study(study, published={"x": {"value": 1.0, "tolerance": 0.1, "kind": "guess"}})
    assert oc.status == "error" and "kind" in oc.error


def test_derived_and_calibration_figures_are_labelled():
    from reliability.studies.published import PUBLISHED

    kinds = {k: t.get("kind", "published") for k, t in PUBLISHED["ofsted-2017-parallel"].items()}
    assert kinds["agreement"] == "published"
    assert {kinds[k] for k in ("agreement_ci_lower", "agreement_ci_upper", "kappa_min",
                               "kappa_max")} == {"derived"}
    assert {t["kind"] for t in PUBLISHED["inspector-leniency"].values()} == {"calibration"}


def test_study_run_json(tmp_path, capsys):
    rc = main(["study", "run", "textbook", "--out", str(tmp_path), "--json"])
    out = capsys.readouterr()
    res = json.loads(out.out)
    assert rc == 0 and res["status"] == "pass" and res["studies"][0]["name"] == "textbook"
    assert out.err == ""


def test_results_schema_and_self_contained_html(tmp_path):
    main(["study", "run", "--path", str(_write(tmp_path, 1.0)), "--out", str(tmp_path / "o"),
          "--quiet", "--seed", "7"])
    res = json.loads((tmp_path / "o" / "results.json").read_text())
    assert {"schema", "created", "seed", "software", "status", "summary", "studies"} <= set(res)
    assert res["seed"] == 7
    st = res["studies"][0]
    assert {"name", "title", "status", "seed", "figures", "tables", "plots", "assumptions",
            "report"} <= set(st)
    for f in st["figures"]:
        assert {"name", "value", "published", "source", "where", "tolerance", "status",
                "kind"} <= set(f)
        assert f["status"] in {"pass", "fail", "context", "error"}
    html = (tmp_path / "o" / "dummy" / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert not re.search(r"<script|<link|src=['\"]https?:|href=['\"]https?:|@import", html, re.I)
    assert "an assumption" in html and "numpy" in html and ">7<" in html


def test_compare_value_boundaries():
    assert compare_value(0.9167, 0.917, 0.0005) == "pass"
    assert compare_value(0.9160, 0.917, 0.0005) == "fail"
    assert compare_value(float("nan"), 0.917, 0.0005) == "error"


def test_context_never_fails(tmp_path):
    def run(ctx):
        ctx.context("c", 99.0)

    oc = run_study(Study(name="c", title="C", description="", run=run),
                   published={"c": {"value": 0.1, "kind": "context", "source": "x"}})
    assert oc.status == "descriptive" and oc.figures[0].status == "context"
    write_outputs([oc], tmp_path, seed=1)


def test_unknown_study_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as e:
        main(["study", "run", "ofsted-2017-paralel", "--quiet"])
    assert e.value.code == 2
    assert "did you mean 'ofsted-2017-parallel'" in capsys.readouterr().err


def test_study_list(capsys):
    assert main(["study", "list", "--json"]) == 0
    names = [s["name"] for s in json.loads(capsys.readouterr().out)["studies"]]
    for n in ("ofsted-2017-parallel", "inspector-leniency", "lesson-observation",
              "grades-vs-context", "classification-consistency", "textbook",
              "real-grades-vs-deprivation", "real-grades-vs-progress"):
        assert n in names


def test_run_all_exit_code_reflects_every_study(tmp_path, capsys):
    """`reliability study run --all` (the README's main command): exit 0 only if every
    study ran and every compared figure is within tolerance."""
    from reliability.studies import get_study, list_studies

    rc = main(["study", "run", "--all", "--out", str(tmp_path), "--quiet"])
    res = json.loads((tmp_path / "results.json").read_text())
    assert [s["name"] for s in res["studies"]] == list_studies()
    for s in res["studies"]:
        assert (tmp_path / s["name"] / "report.html").exists()
        assert s["status"] in ("pass", "descriptive"), (s["name"], s["error"])
        compared = [f for f in s["figures"] if f["status"] != "context"]
        assert s["status"] == ("pass" if compared else "descriptive"), s["name"]
    assert rc == 0


def test_html_escapes_study_text(tmp_path):
    def run(ctx):
        import pandas as pd

        ctx.table("x", pd.DataFrame({"name": ["<script>alert(1)</script>"]}))
        ctx.assume("a < b & c")

    oc = run_study(Study(name="esc", title="<b>T</b>", description="", run=run))
    write_outputs([oc], tmp_path, seed=1)
    html = (tmp_path / "esc" / "report.html").read_text()
    assert "<script" not in html and "&lt;script&gt;" in html and "a &lt; b &amp; c" in html


def test_report_card_study_report_leads_with_the_plain_answer(tmp_path):
    """Issue 16: the report leads with the answer to 'do the areas say different things?',
    built from the result (the effective number of areas in the sentence is the result's)."""
    from reliability.studies import get_study

    oc = run_study(get_study("report-cards-mi"))
    write_outputs([oc], tmp_path, seed=1)
    html = (tmp_path / "report-cards-mi" / "report.html").read_text()
    assert html.index("Summary") < html.index("Compared figures")
    assert "say different things" in html and "Status: pass" in html
    from reliability.areas import area_structure
    from reliability.datasets import load_report_cards_synthetic_mi
    from reliability.datasets._report_cards import REPORT_CARD_AREAS

    res = area_structure(load_report_cards_synthetic_mi(), areas=list(REPORT_CARD_AREAS),
                         seed=oc.seed)
    sentence = oc.summary["answer"][0]
    assert f"behave like {res.effective_areas:.1f} independent judgements" in sentence
    assert f"{100 * res.share_within_one_step:.0f}% of schools" in sentence
