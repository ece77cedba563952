"""Disclosure control: keyed pseudonyms, small-cell suppression, rankings off by default."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from reliability import ReliabilityError
from reliability.cli import main
from reliability.report import Disclosure, pseudonymise, suppress_small


def test_pseudonyms_stable_for_a_key_and_differ_across_keys():
    ids = ["Ann Smith", "Bob Jones", "Ann Smith", None]
    a1 = pseudonymise(ids, "key-one-123")
    a2 = pseudonymise(ids, "key-one-123")
    b = pseudonymise(ids, "key-two-456")
    assert list(a1) == list(a2)
    assert a1[0] == a1[2] and a1[0] != a1[1] and a1[3] is None
    assert a1[0] != b[0] and a1[1] != b[1]
    assert not any("Ann" in str(x) for x in a1)


def test_pseudonym_matches_rfc2104_hmac():
    import hashlib
    import hmac

    expected = "INS-" + hmac.new(b"key-one-123", b"42", hashlib.sha256).hexdigest()[:10]
    assert pseudonymise([42, 42.0, " 42"], "key-one-123").tolist() == [expected] * 3


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=20))
def test_pseudonyms_injective_on_sample(ids):
    p = pseudonymise(ids, "property-key")
    norm = [s.strip() for s in ids]
    # equal ids <-> equal pseudonyms (40-bit prefix: collisions negligible for 20 ids)
    for i in range(len(ids)):
        for j in range(len(ids)):
            if norm[i] == norm[j]:
                assert p[i] == p[j]


def test_key_required_and_short_key_rejected():
    with pytest.raises(ReliabilityError, match="key"):
        pseudonymise(["a"], None)
    with pytest.raises(ReliabilityError, match="at least 8"):
        pseudonymise(["a"], "short")


def test_small_cells_suppressed():
    df = pd.DataFrame({"band": ["a", "b"], "n": [3, 25], "share": [0.5, 0.2]})
    out = suppress_small(df, 10, n_column="n", stat_columns=["share"])
    assert np.isnan(out.loc[0, "n"]) and np.isnan(out.loc[0, "share"])
    assert out.loc[1, "n"] == 25 and out.loc[1, "share"] == 0.2
    assert df.loc[0, "n"] == 3  # input untouched


def _data(tmp_path):
    rng = np.random.default_rng(3)
    n = 800
    df = pd.DataFrame({"grade": rng.choice([1, 2, 3, 4], n, p=[.15, .7, .1, .05]),
                       "idaci": rng.integers(1, 6, n),
                       "inspector": rng.choice([f"Inspector Name {i}" for i in range(30)]
                                               + ["Rare Person"], n)})
    df.loc[:2, "inspector"] = "Rare Person"
    df.loc[3:, "inspector"] = df.loc[3:, "inspector"].replace("Rare Person", "Inspector Name 0")
    p = tmp_path / "d.csv"
    df.to_csv(p, index=False)
    return p


def test_report_cli_disclosure(tmp_path):
    p = _data(tmp_path)
    out = tmp_path / "r"
    rc = main(["report", str(p), "--grade", "grade", "--context", "idaci", "--inspector",
               "inspector", "--key", "a-secret-key", "--min-cell", "10", "--out", str(out)])
    assert rc == 0
    html = (out / "report.html").read_text()
    res = json.loads((out / "results.json").read_text())
    assert "Inspector Name" not in html and "Rare Person" not in html
    assert "Inspector Name" not in json.dumps(res)
    tab = next(t for t in res["tables"] if t["name"] == "inspectors")
    assert "rank_most_severe" not in tab["columns"]
    names = [r[0] for r in tab["rows"]]
    assert names == sorted(names)  # pseudonym order, not a ranking
    assert res["inspectors"]["n_suppressed"] == 1  # "Rare Person" led 3 inspections
    ncol = tab["columns"].index("n_inspections")
    for row in tab["rows"]:
        for c, v in zip(tab["columns"], row):
            if c.startswith("n_") and v is not None:
                assert v >= 10
    assert {k: res["disclosure"][k] for k in ("min_cell", "pseudonymised", "rankings")} == \
        {"min_cell": 10, "pseudonymised": True, "rankings": False}
    assert all(r[ncol] is not None for r in tab["rows"])


def test_report_rankings_only_when_asked(tmp_path):
    p = _data(tmp_path)
    out = tmp_path / "r"
    main(["report", str(p), "--grade", "grade", "--inspector", "inspector", "--key",
          "a-secret-key", "--rank-inspectors", "--out", str(out)])
    res = json.loads((out / "results.json").read_text())
    tab = next(t for t in res["tables"] if t["name"] == "inspectors")
    assert tab["columns"][0] == "rank_most_severe"
    means = [r[tab["columns"].index("mean_grade")] for r in tab["rows"]]
    assert means == sorted(means, reverse=True)


def test_report_needs_key_for_inspectors(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RELIABILITY_KEY", raising=False)
    with pytest.raises(SystemExit) as e:
        main(["report", str(_data(tmp_path)), "--grade", "grade", "--inspector", "inspector"])
    assert e.value.code == 2 and "--key" in capsys.readouterr().err


def test_report_bad_column_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["report", str(_data(tmp_path)), "--grade", "grde"])
    assert e.value.code == 2 and "grde" in capsys.readouterr().err


def test_disclosure_rejects_bad_min_cell():
    with pytest.raises(ReliabilityError):
        Disclosure(min_cell=0)


def test_report_json_equals_results_file(tmp_path, capsys):
    p = _data(tmp_path)
    out = tmp_path / "r"
    rc = main(["report", str(p), "--grade", "grade", "--context", "idaci", "--out", str(out),
               "--json"])
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "results.json").read_text())
    assert printed["n"] == 800


def test_report_icc1_is_rl_icc(tmp_path, capsys):
    """The report's between-inspector share is the ICC1 of rl.icc (issue 15: .03715 vs
    .03723 from two implementations)."""
    import reliability as rl

    p = _data(tmp_path)
    out = tmp_path / "r"
    assert main(["report", str(p), "--grade", "grade", "--inspector", "inspector", "--key",
                 "a-secret-key", "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    df = pd.read_csv(p)
    long = df.assign(visit=df.groupby("inspector").cumcount())
    ref = rl.icc(long, shape="long", unit="inspector", rater="visit", rating="grade")
    assert res["inspectors"]["icc1_between_inspectors"] == pytest.approx(
        ref["ICC1"].estimate, abs=1e-8)
