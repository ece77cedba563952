"""Each built-in study runs and reproduces its figures, or says it compares nothing."""

import json

import pytest

from reliability.studies import get_study, list_studies, run_study, write_outputs
from reliability.studies.published import PUBLISHED


@pytest.mark.parametrize("name", list_studies())
def test_study_runs_and_passes(name, tmp_path):
    study = get_study(name)
    oc = run_study(study, seed=20240601)
    compared = [f for f in oc.figures if f.status != "context"]
    assert oc.status == ("pass" if compared else "descriptive"), oc.error or [f.to_dict() for f in oc.figures
                                             if f.status in ("fail", "error")]
    # Every declared target of the study is reported.
    reported = {f.name for f in oc.figures}
    assert set(PUBLISHED.get(name, {})) <= reported
    assert oc.figures, "a study must compare at least one figure"
    res = write_outputs([oc], tmp_path, seed=20240601)
    assert json.loads((tmp_path / "results.json").read_text())["status"] == res["status"]
    assert (tmp_path / name / "report.html").exists()


@pytest.mark.parametrize("name", list_studies())
def test_published_targets_have_citations_and_tolerances(name):
    for key, t in PUBLISHED.get(name, {}).items():
        assert t.get("source"), f"{name}/{key}: no source"
        assert "value" in t
        if t.get("kind", "published") != "context":
            assert t.get("tolerance") is not None and t["tolerance"] > 0, key


def test_same_seed_same_results():
    s = get_study("classification-consistency")
    a = run_study(s, seed=5)
    b = run_study(s, seed=5)
    c = run_study(s, seed=6)
    va = [f.value for f in a.figures]
    assert va == [f.value for f in b.figures]
    assert va != [f.value for f in c.figures]


def test_thin_study_files_point_at_the_library(tmp_path):
    from pathlib import Path

    from reliability.studies.runner import load_study_file

    root = Path(__file__).resolve().parents[2] / "studies"
    for name in list_studies():
        assert (root / name / "README.md").exists()
        assert load_study_file(root / name).name == name


def test_library_does_not_import_top_level_studies():
    import sys

    import reliability.studies  # noqa: F401

    assert not any(m == "studies" or m.startswith("studies.") for m in sys.modules)
