"""`reliability areas --json`: the contract keys, the same numbers as the library, clean errors."""

import json
import subprocess
import sys

import numpy as np

from reliability.areas import area_structure
from tests.conftest import DATA

AREAS = "curriculum_and_teaching,achievement,attendance_and_behaviour,personal_development"


def run(*args):
    return subprocess.run([sys.executable, "-m", "reliability.cli", "areas", *args],
                          capture_output=True, text=True)


def test_json_matches_library():
    out = run(str(DATA / "areas_synthetic.csv"), "--areas", AREAS, "--seed", "2", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    lib = area_structure(DATA / "areas_synthetic.csv", areas=AREAS.split(","), seed=2)
    key = "curriculum_and_teaching|achievement"
    assert doc["polychoric"][key]["estimate"] == lib.polychoric[
        ("curriculum_and_teaching", "achievement")].estimate
    assert set(doc) >= {"polychoric", "eigenvalues", "parallel_analysis", "one_factor",
                        "effective_number_of_areas", "share_within_one_step"}
    assert np.isclose(doc["effective_number_of_areas"], lib.effective_areas)


def test_bad_area_and_confidence_exit_2():
    for extra in (["--areas", "achievement,nope"], ["--areas", AREAS, "--confidence", "95"]):
        out = run(str(DATA / "areas_synthetic.csv"), *extra)
        assert out.returncode == 2
        assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_context_in_json(tmp_path):
    from reliability.datasets._report_cards import simulate_report_cards

    frame, _ = simulate_report_cards(500, seed=4)
    path = tmp_path / "rc.csv"
    frame.to_csv(path, index=False)
    out = run(str(path), "--areas", "achievement,inclusion", "--context", "idaci_quintile",
              "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert {r["area"] for r in doc["context"]["below_expected"]} == {"achievement", "inclusion"}
