"""``reliability agree`` through ``reliability.cli.main`` (JSON contract and errors)."""

from __future__ import annotations

import json

import pytest

import reliability as rl
from reliability.cli import main
from tests.conftest import DATA, load_reference

BASE_KEYS = {"percent_agreement", "conger_kappa", "scott_pi", "fleiss_kappa",
             "brennan_prediger", "krippendorff_alpha"}


def run_json(capsys, *args):
    assert main(["agree", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def check_entries(out):
    for key, val in out["coefficients"].items():
        for field in ("estimate", "se", "ci", "ci_level"):
            assert field in val, (key, field)
        assert isinstance(val["ci"], list) and len(val["ci"]) == 2
        if val["estimate"] is None:
            assert val["reason"], key


def test_wide_json(capsys):
    ref = load_reference("fleiss1971_diagnoses")
    out = run_json(capsys, DATA / "fleiss1971_diagnoses.csv")
    assert out["n_units"] == 30 and out["n_raters"] == 6
    assert out["categories"] == ref["categories"]
    assert out["level"] == "nominal" and out["weights"] == "identity"
    assert BASE_KEYS | {"gwet_ac1"} <= set(out["coefficients"])
    assert "cohen_kappa" not in out["coefficients"]
    check_entries(out)
    fk = out["coefficients"]["fleiss_kappa"]
    assert fk["estimate"] == pytest.approx(ref["values"]["fleiss_kappa"]["estimate"], abs=1e-6)
    assert fk["se_null"] == pytest.approx(ref["values"]["fleiss_kappa"]["se"], abs=1e-6)


def test_table_json_weights_default(capsys):
    ref = load_reference("vcd_sexualfun")
    out = run_json(capsys, DATA / "vcd_sexualfun.csv", "--shape", "table", "--level", "ordinal")
    assert out["weights"] == "quadratic" and out["level"] == "ordinal"
    assert {"cohen_kappa", "gwet_ac2"} <= set(out["coefficients"])
    ck = out["coefficients"]["cohen_kappa"]
    assert ck["estimate"] == pytest.approx(
        ref["values"]["weighted_kappa_quadratic"]["estimate"], abs=1e-6)
    out = run_json(capsys, DATA / "vcd_sexualfun.csv", "--shape", "table", "--weights", "linear",
                   "--ci-method", "normal")
    r = ref["values"]["weighted_kappa_linear"]
    assert out["weights"] == "linear"
    assert out["coefficients"]["cohen_kappa"]["ci"] == pytest.approx(r["ci"], abs=1e-6)


def test_two_by_two_keys(capsys, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("rater1,yes,no\nyes,40,9\nno,6,45\n")
    out = run_json(capsys, p, "--shape", "table")
    assert {"pabak", "prevalence_index", "bias_index", "cohen_kappa"} <= set(out["coefficients"])
    check_entries(out)


def test_counts_json(capsys):
    out = run_json(capsys, DATA / "gwet_distrib_6raters.csv", "--shape", "counts")
    assert out["coefficients"]["conger_kappa"]["estimate"] is None
    assert "rater" in out["coefficients"]["conger_kappa"]["reason"]
    check_entries(out)


def test_bootstrap_json(capsys):
    out = run_json(capsys, DATA / "krippendorff_reliability_data.csv", "--level", "ordinal",
                   "--bootstrap", "200", "--seed", "4", "--confidence", "0.9")
    plain = run_json(capsys, DATA / "krippendorff_reliability_data.csv", "--level", "ordinal",
                     "--confidence", "0.9")
    for key, val in out["coefficients"].items():
        assert val["ci_level"] == 0.9
        assert val["se"] == plain["coefficients"][key]["se"]   # analytic SE unchanged
        b = val["bootstrap"]
        if key in ("light_kappa", "kendall_w", "cronbach_alpha", "bangdiwala_b"):
            assert b["n_resamples"] == 0 and "not bootstrapped" in b["reason"]
            continue
        assert b["n_resamples"] == 200 and b["seed"] == 4 and "method" in b
        assert len(b["ci"]) == 2


def test_text_output(capsys):
    assert main(["agree", str(DATA / "krippendorff_reliability_data.csv")]) == 0
    text = capsys.readouterr().out
    assert "level: nominal" in text and "weights: identity" in text and "n_units: 12" in text


def test_errors_exit_2(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["agree", str(DATA / "fleiss1971_diagnoses.csv"), "--level", "ordinal"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "categories" in err and "Traceback" not in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        main(["agree", str(tmp_path / "missing.csv")])
    assert exc.value.code == 2


def test_weights_by_name_and_from_a_file(tmp_path, capsys):
    """Gwet's weight family by name, and a user matrix from a CSV file (issue 19)."""
    ratings = tmp_path / "r.csv"
    ratings.write_text("unit,r1,r2\n1,a,a\n2,b,a\n3,c,c\n4,b,b\n5,a,b\n6,c,b\n7,a,c\n")
    wfile = tmp_path / "w.csv"
    wfile.write_text(",a,b,c\na,1,0.5,0\nb,0.5,1,0.5\nc,0,0.5,1\n")
    common = ["--level", "ordinal", "--categories", "a,b,c", "--json"]

    def kappa(weights):
        assert main(["agree", str(ratings), "--weights", weights, *common]) == 0
        return json.loads(capsys.readouterr().out)["coefficients"]["cohen_kappa"]["estimate"]

    assert kappa(str(wfile)) == pytest.approx(kappa("linear"), abs=1e-12)
    import pandas as pd

    frame = pd.read_csv(ratings, index_col=0)
    api = rl.cohen_kappa(frame, level="ordinal", categories=list("abc"), weights="radical")
    assert kappa("radical") == pytest.approx(api.estimate, abs=1e-12)
    with pytest.raises(SystemExit) as exc:
        main(["agree", str(ratings), "--weights", "cubic"])
    assert exc.value.code == 2
    assert "cubic" in capsys.readouterr().err
