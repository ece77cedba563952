"""One spelling of each JSON key across commands (issue 15): wherever an older spelling
(``p``, ``ci_level``, ``ci_lower``, ``ci_upper``) is written, the canonical one (``p_value``,
``confidence``, ``ci_low``, ``ci_high``) is beside it with the same value."""

import json
from pathlib import Path

import pytest

from reliability._results import CANONICAL_KEYS, canonical_keys
from reliability.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def _walk(obj, seen):
    if isinstance(obj, dict):
        for old, new in CANONICAL_KEYS.items():
            if old in obj and (obj[old] is None or isinstance(obj[old], (int, float))):
                assert new in obj, f"{old!r} without {new!r} in {sorted(obj)[:12]}"
                assert obj[new] == obj[old]
                seen.add(old)
        ci = obj.get("ci")
        if isinstance(ci, list) and len(ci) == 2 and all(
                b is None or isinstance(b, (int, float)) for b in ci):
            assert [obj.get("ci_low"), obj.get("ci_high")] == ci, sorted(obj)[:12]
            seen.add("ci")
        for v in obj.values():
            _walk(v, seen)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, seen)


COMMANDS = {
    "icc": ["icc", str(DATA / "shrout_fleiss_1979.csv"), "--json"],
    "agree": ["agree", str(DATA / "fleiss1971_diagnoses.csv"), "--json"],
    "validity": ["validity", str(DATA / "inspections_synthetic.csv"), "--grade", "grade",
                 "--context", "fsm_pct", "--json"],
    "model": ["model", "ordinal", str(DATA / "inspections_synthetic.csv"), "--formula",
              "grade ~ female + (1|inspector_id)", "--json"],
    "consistency": ["consistency", "--agree", "22", "--n", "24", "--json"],
    "areas": ["areas", str(DATA / "areas_synthetic.csv"), "--json", "--areas",
              "curriculum_and_teaching,achievement,attendance_and_behaviour"],
}



@pytest.mark.parametrize("name", COMMANDS)
def test_canonical_keys_beside_old_ones(name, capsys):
    assert main(COMMANDS[name]) == 0
    out = json.loads(capsys.readouterr().out)
    seen: set = set()
    _walk(out, seen)


def test_icc_json_has_p_value_and_confidence(capsys):
    assert main(COMMANDS["icc"]) == 0
    out = json.loads(capsys.readouterr().out)
    seen: set = set()
    _walk(out, seen)
    assert {"p", "ci_level"} <= seen     # the case the rule exists for is exercised


def test_canonical_keys_does_not_touch_non_numbers():
    assert canonical_keys({"p": "x", "ci_level": [1]}) == {"p": "x", "ci_level": [1]}
    assert canonical_keys([{"p": 0.5}]) == [{"p": 0.5, "p_value": 0.5}]
    # an existing canonical key is never overwritten
    assert canonical_keys({"p": 0.5, "p_value": 0.25}) == {"p": 0.5, "p_value": 0.25}


def test_interval_pairs_get_named_bounds():
    assert canonical_keys({"ci": [0.1, 0.9]}) == {"ci": [0.1, 0.9], "ci_low": 0.1,
                                                  "ci_high": 0.9}
    # not an interval: left alone
    assert canonical_keys({"ci": [1, 2, 3]}) == {"ci": [1, 2, 3]}
    assert canonical_keys({"ci": [0.1, 0.9], "ci_low": 0.0}) == {"ci": [0.1, 0.9],
                                                                 "ci_low": 0.0}


def test_areas_polychoric_has_named_bounds(capsys):
    assert main(COMMANDS["areas"]) == 0
    out = json.loads(capsys.readouterr().out)
    pair = next(iter(out["polychoric"].values()))
    assert pair["ci_low"] == pair["ci"][0] and pair["ci_high"] == pair["ci"][1]
