"""Real Ofsted/DfE data: shipped bytes, loader schema and every cleaning step.

Counts are checked against a second computation straight from the raw CSV with pandas, never
against numbers copied from the README.
"""

from __future__ import annotations

import hashlib
import re
from reliability.datasets._files import shipped_files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reliability._errors import ReliabilityError
from reliability.datasets import (GRADES, load_ks2_2019_progress,
                                  load_ofsted_outcomes_2023_west_midlands,
                                  read_ofsted_inspections)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "datasets"
DATA = ROOT / "tests" / "data"
WM = SHIPPED / "ofsted_outcomes_2023-08-31_west_midlands.csv"
KS2 = SHIPPED / "ks2_2019_progress_with_ofsted_rating.csv"
FIXTURE = DATA / "ofsted_mi_fixture.csv"


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _readme_hashes() -> dict:
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    return dict(re.findall(r"\|\s*`([^`]+\.(?:csv|json))`\s*\|\s*`([0-9a-f]{64})`", text))


@pytest.fixture(scope="module")
def wm():
    return load_ofsted_outcomes_2023_west_midlands()


@pytest.fixture(scope="module")
def wm_raw():
    return pd.read_csv(WM, encoding="utf-8", low_memory=False)


@pytest.fixture(scope="module")
def ks2():
    return load_ks2_2019_progress()


@pytest.fixture(scope="module")
def ks2_raw():
    return pd.read_csv(KS2, encoding="utf-8", dtype=str)


# ---------------------------------------------------------------- shipped files
def test_every_shipped_data_file_has_its_readme_sha256():
    hashes = _readme_hashes()
    shipped = sorted(p.name for p in SHIPPED.iterdir() if p.suffix in (".csv", ".json"))
    assert sorted(hashes) == shipped
    for name, digest in hashes.items():
        assert _sha(SHIPPED / name) == digest, name


def test_real_data_hashes_match_provenance_in_readme():
    # the two sha256 published with the provenance (commit + repository) in the README text
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    for name in (WM.name, KS2.name):
        block = text.split(f"## {name}")[1].split("\n## ")[0]
        assert _sha(SHIPPED / name) in block


def test_reference_copies_are_byte_identical_to_tests_data():
    for name in ("fleiss1971_diagnoses.csv", "shrout_fleiss_1979.csv",
                 "krippendorff_reliability_data.csv", "vcd_sexualfun.csv",
                 "brennan_synthetic1_pxi.csv", "inspections_synthetic.csv",
                 "inspections_synthetic.truth.json"):
        assert (SHIPPED / name).read_bytes() == (DATA / name).read_bytes(), name


def test_package_resources_resolve_to_shipped_files():
    res = shipped_files().joinpath(WM.name)
    assert res.read_bytes() == WM.read_bytes()


def test_readme_carries_ogl_attribution():
    text = (SHIPPED / "README.md").read_text(encoding="utf-8")
    assert ("Contains public sector information licensed under the Open Government Licence "
            "v3.0.") in text


# ---------------------------------------------------------------- West Midlands
def test_wm_schema(wm, wm_raw):
    assert len(wm) == len(wm_raw)
    assert str(wm["urn"].dtype) == "Int64" and str(wm["laestab"].dtype) == "Int64"
    for col in ("overall_effectiveness", "quality_of_education", "previous_overall_effectiveness",
                "leadership_and_management", "early_years_provision", "sixth_form_provision"):
        assert isinstance(wm[col].dtype, pd.CategoricalDtype) and wm[col].cat.ordered
        assert list(wm[col].cat.categories) == list(GRADES)
    for col in ("inspection_start_date", "publication_date", "previous_inspection_start_date"):
        assert pd.api.types.is_datetime64_any_dtype(wm[col])
    assert str(wm["safeguarding_effective"].dtype) == "boolean"
    assert all(re.fullmatch(r"[a-z0-9_]+", c) for c in wm.columns)
    assert wm.attrs["attribution"].startswith("Contains public sector information")


def test_wm_index_column_dropped(wm, wm_raw):
    assert wm_raw.columns[0] == "Unnamed: 0"
    assert not any(c.startswith("unnamed") for c in wm.columns)
    # 79 raw columns - index column + deprivation_rank
    assert wm.shape[1] == wm_raw.shape[1] - 1 + 1
    assert wm.attrs["cleaning"]["index_columns_dropped"] == 1


def test_wm_ids_are_integers_equal_to_raw_floats(wm, wm_raw):
    assert (wm_raw["URN"] % 1 == 0).all()
    np.testing.assert_array_equal(wm["urn"].to_numpy(dtype=np.int64),
                                  wm_raw["URN"].to_numpy().astype(np.int64))


def test_wm_overall_effectiveness_counts(wm, wm_raw):
    ours = wm["overall_effectiveness"].cat.codes.value_counts().sort_index()
    raw = wm_raw["Overall effectiveness"].value_counts().sort_index()
    assert ours.drop(-1).tolist() == raw.tolist()
    assert list(raw.index) == [1.0, 2.0, 3.0, 4.0]


def test_wm_schools_without_graded_inspection(wm, wm_raw):
    raw_none = wm_raw["Overall effectiveness"].isna()
    assert int(raw_none.sum()) == wm.attrs["cleaning"]["rows_without_graded_inspection"]
    assert (wm["overall_effectiveness"].isna() == raw_none.to_numpy()).all()
    judgement_cols = ["quality_of_education", "leadership_and_management",
                      "safeguarding_effective", "inspection_start_date"]
    assert wm.loc[raw_none.to_numpy(), judgement_cols].isna().all().all()


def test_wm_code_9_is_missing(wm, wm_raw):
    raw = wm_raw["Quality of education"]
    n9 = int((raw == 9).sum())
    assert n9 > 0
    assert wm.attrs["cleaning"]["judgement_cells_not_judged_or_missing_code"][
        "quality_of_education"] == n9
    # the key judgements exist only under the 2019 framework: judged rows = raw 1..4 rows
    assert int(wm["quality_of_education"].notna().sum()) == int(raw.isin([1, 2, 3, 4]).sum())


def test_wm_safeguarding(wm, wm_raw):
    raw = wm_raw["Safeguarding is effective?"]
    assert set(raw.dropna().unique()) <= {"Yes", "No", "9"}
    assert int(wm["safeguarding_effective"].eq(True).sum()) == int((raw == "Yes").sum())
    assert int(wm["safeguarding_effective"].eq(False).sum()) == int((raw == "No").sum())


def test_wm_dates_parsed_day_first(wm, wm_raw):
    raw = wm_raw["Inspection start date"]
    ok = raw.notna()
    parts = raw[ok].str.split("/", expand=True).astype(int)
    got = wm.loc[ok.to_numpy(), "inspection_start_date"]
    np.testing.assert_array_equal(got.dt.day, parts[0])
    np.testing.assert_array_equal(got.dt.month, parts[1])
    np.testing.assert_array_equal(got.dt.year, parts[2])
    assert got.max() < pd.Timestamp("2023-09-01")


def test_wm_en_dash_fixed(wm, wm_raw):
    raw = wm_raw["Event type grouping"]
    n_bad = int(raw.str.contains("\x96", na=False).sum())
    assert n_bad > 0
    assert wm.attrs["cleaning"]["cells_c1_characters_fixed"] == n_bad
    assert int((wm["event_type_grouping"] == "Schools \u2013 Section 8 conversion").sum()) == n_bad
    text = wm.select_dtypes(include=["object", "string"])
    for col in text.columns:
        assert not text[col].astype("string").str.contains("[\x80-\x9f]", na=False).any(), col


def test_wm_idaci_direction(wm, wm_raw):
    raw_q = wm_raw["The income deprivation affecting children index (IDACI) quintile"]
    np.testing.assert_array_equal(wm["idaci_quintile"].to_numpy(dtype=float, na_value=np.nan),
                                  raw_q.to_numpy())
    assert (wm["deprivation_rank"] == wm["idaci_quintile"]).fillna(True).all()
    flipped = load_ofsted_outcomes_2023_west_midlands(idaci_most_deprived=1)
    assert (flipped["deprivation_rank"] == 6 - flipped["idaci_quintile"]).fillna(True).all()
    # why 5 is the default: the below-Good share (raw codes 3, 4) rises from quintile 1 to 5
    below = wm_raw["Overall effectiveness"].isin([3, 4])
    graded = wm_raw["Overall effectiveness"].notna()
    share = below[graded].groupby(raw_q[graded]).mean()
    assert share.loc[5.0] > share.loc[1.0]
    with pytest.raises(ReliabilityError, match="idaci_most_deprived"):
        load_ofsted_outcomes_2023_west_midlands(idaci_most_deprived=3)


def test_wm_overall_equals_quality_share_matches_raw(wm, wm_raw):
    # facts measured twice: from the tidy frame and from the raw codes
    both = wm["quality_of_education"].notna()
    ours = (wm.loc[both, "overall_effectiveness"] == wm.loc[both, "quality_of_education"]).mean()
    q = wm_raw["Quality of education"]
    raw_both = q.isin([1, 2, 3, 4])
    raw = (wm_raw.loc[raw_both, "Overall effectiveness"] == q[raw_both]).mean()
    assert ours == raw


def test_wm_input_file_unchanged():
    before = _sha(WM)
    load_ofsted_outcomes_2023_west_midlands()
    assert _sha(WM) == before


# ---------------------------------------------------------------- KS2 2019
def test_ks2_schema(ks2, ks2_raw):
    assert len(ks2) == len(ks2_raw)
    assert str(ks2["urn"].dtype) == "Int64"
    assert ks2["reading_progress"].dtype == float
    assert list(ks2["ofsted_rating"].cat.categories) == list(GRADES)
    assert pd.api.types.is_datetime64_any_dtype(ks2["inspection_date"])
    assert "colour1" not in ks2.columns


def test_ks2_rectype_decoded(ks2, ks2_raw):
    assert ks2["school_record_type"].eq("mainstream").sum() == (ks2_raw["RECTYPE"] == "1").sum()
    assert ks2["school_record_type"].eq("special").sum() == (ks2_raw["RECTYPE"] == "2").sum()
    assert ks2["school_record_type"].notna().all()


def test_ks2_suppressed_and_blank_progress(ks2, ks2_raw):
    for raw_col, col in (("READPROG", "reading_progress"), ("WRITPROG", "writing_progress"),
                         ("MATPROG", "maths_progress")):
        raw = ks2_raw[raw_col]
        assert ks2.attrs["suppressed"][col] == int((raw == "SUPP").sum()) > 0
        assert ks2.attrs["blank"][col] == int(raw.isna().sum())
        numeric = pd.to_numeric(raw, errors="coerce")
        assert int(ks2[col].isna().sum()) == int(numeric.isna().sum())
        other = sum(ks2.attrs["other_codes"][col].values())
        assert ks2.attrs["suppressed"][col] + ks2.attrs["blank"][col] + other == int(
            ks2[col].isna().sum())


def test_ks2_rating(ks2, ks2_raw):
    raw = ks2_raw["OFSTEDRATING"].str.lower()  # source spells "Requires Improvement"
    for grade in GRADES:
        assert int((ks2["ofsted_rating"] == grade).sum()) == int((raw == grade.lower()).sum())
    assert ks2.attrs["n_without_rating"] == int(ks2_raw["OFSTEDRATING"].isna().sum())


def test_ks2_inspection_date_and_age(ks2, ks2_raw):
    raw = pd.to_numeric(ks2_raw["INSPECTIONDT"])
    ok = raw.notna().to_numpy()
    v = raw[ok].astype(np.int64).to_numpy()
    got = ks2.loc[ok, "inspection_date"]
    np.testing.assert_array_equal(got.dt.year, v // 10000)
    np.testing.assert_array_equal(got.dt.month, v // 100 % 100)
    np.testing.assert_array_equal(got.dt.day, v % 100)
    assert ks2["inspection_date"].isna().sum() == (~ok).sum()
    # age by a second method: calendar arithmetic with Python datetimes
    i = int(np.flatnonzero(ok)[0])
    d = ks2["inspection_date"].iloc[i].to_pydatetime()
    expected = (pd.Timestamp("2019-09-01").to_pydatetime() - d).days / 365.25
    assert ks2["rating_age_years"].iloc[i] == pytest.approx(expected, abs=1e-12)
    later = load_ks2_2019_progress(reference_date="2020-09-01")
    diff = (later["rating_age_years"] - ks2["rating_age_years"]).dropna()
    np.testing.assert_allclose(diff, 366 / 365.25)  # 2020 is a leap year


# ---------------------------------------------------------------- MI fixture (cp1252)
def test_fixture_is_cp1252_not_utf8():
    raw = FIXTURE.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "\u2013".encode("cp1252") in raw and "É".encode("cp1252") in raw


def test_mi_fixture_tidy():
    before = _sha(FIXTURE)
    f = read_ofsted_inspections(FIXTURE)
    assert _sha(FIXTURE) == before
    assert f["urn"].tolist() == [100001, 100002, 100003, 100004]
    assert f["school_name"].iloc[0] == "École Saint-Exupéry Primary"
    assert f["school_name"].iloc[1] == "St Mary\u2019s CE Junior"
    assert f["event_type_grouping"].iloc[0] == "Schools \u2013 S5"
    assert f["overall_effectiveness"].tolist()[:2] == ["Good", "Inadequate"]
    assert pd.isna(f["overall_effectiveness"].iloc[2])  # "Not judged"
    assert f.attrs["cleaning"]["judgement_cells_not_judged_or_missing_code"][
        "overall_effectiveness"] == 1
    assert f["inspection_start_date"].iloc[1] == pd.Timestamp("2024-02-29")
    assert pd.isna(f["idaci_quintile"].iloc[2])  # NULL
    assert f["previous_overall_effectiveness"].tolist()[0] == "Outstanding"
    assert f.attrs["column_map"]["previous_overall_effectiveness"] == (
        "Previous full inspection overall effectiveness")
    assert f["safeguarding_effective"].tolist()[:2] == [True, False]
    assert f.attrs["cleaning"]["rows_without_graded_inspection"] == 1
    assert f["ofsted_region"].isna().all()  # absent column -> present, all missing


def test_mi_fixture_explicit_wrong_encoding_is_a_clear_error():
    with pytest.raises(ReliabilityError, match="decode"):
        read_ofsted_inspections(FIXTURE, encoding="utf-8")


def test_renamed_columns_give_same_frame(tmp_path):
    text = FIXTURE.read_bytes().decode("cp1252")
    text = text.replace("IDACI quintile",
                        "The income deprivation affecting children index (IDACI) quintile", 1)
    text = text.replace("Previous full inspection overall effectiveness",
                        "Previous graded inspection overall effectiveness", 1)
    text = text.replace("Inspection start date",
                        "Inspection start date of latest graded inspection", 1)
    other = tmp_path / "renamed.csv"
    other.write_bytes(text.encode("utf-8"))
    a = read_ofsted_inspections(FIXTURE)
    b = read_ofsted_inspections(other)
    pd.testing.assert_frame_equal(a, b)


def test_missing_required_column_names_it_and_suggests(tmp_path):
    text = FIXTURE.read_bytes().decode("cp1252").replace("Overall effectiveness",
                                                         "Overal effectivness", 1)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(text.encode("cp1252"))
    with pytest.raises(ReliabilityError, match=r"Overall effectiveness.*did you mean 'Overal eff"):
        read_ofsted_inspections(bad)


def test_non_integer_urn_names_row(tmp_path):
    text = FIXTURE.read_bytes().decode("cp1252").replace("100002", "100002.5", 1)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(text.encode("cp1252"))
    with pytest.raises(ReliabilityError, match=r"URN.*row 2"):
        read_ofsted_inspections(bad)


def test_missing_file_is_reliability_error(tmp_path):
    with pytest.raises(ReliabilityError, match="not found"):
        read_ofsted_inspections(tmp_path / "nope.csv")


def test_wm_category_codes_are_ofsted_grades_elementwise(wm, wm_raw):
    # best-to-worst order: code + 1 reproduces the raw 1-4 code in every graded row
    for tidy, raw_col in (("overall_effectiveness", "Overall effectiveness"),
                          ("previous_overall_effectiveness",
                           "Previous graded inspection overall effectiveness"),
                          ("leadership_and_management",
                           "Effectiveness of leadership and management")):
        raw = wm_raw[raw_col]
        ok = raw.isin([1, 2, 3, 4]).to_numpy()
        np.testing.assert_array_equal(wm.loc[ok, tidy].cat.codes + 1, raw[ok].astype(int))
        assert wm.loc[~ok, tidy].isna().all()
    assert wm["overall_effectiveness"].min() == "Outstanding"  # ordered: best first
