"""The one file reader: missing codes, encodings, duplicated headers, compression (issue 15)."""

import gzip
import tarfile
import zipfile

import numpy as np
import pytest

import reliability as rl
from reliability import DataWarning, ReliabilityError
from reliability._io import read_csv

ROWS = [("u1", "1", "1", "1", "1"), ("u2", "2", "2", "2", "1"), ("u3", "3", "3", "3", "3"),
        ("u4", "1", "2", "1", "1"), ("u5", "2", "2", "2", "2"), ("u6", "3", "1", "3", "3")]


def _write(path, rows, missing):
    lines = ["unit,a,b,c,d"]
    for i, row in enumerate(rows):
        cells = list(row)
        if i % 2 == 0:
            cells[4] = missing
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("code", [".", "NA", "NaN", "NULL", "N/A", " . "])
def test_missing_codes_are_missing_not_a_category(tmp_path, code):
    blank = rl.percent_agreement(_write(tmp_path / "blank.csv", ROWS, ""))
    with pytest.warns(DataWarning, match="missing codes"):
        coded = rl.percent_agreement(_write(tmp_path / "coded.csv", ROWS, code))
    assert coded.estimate == pytest.approx(blank.estimate)
    assert rl.as_ratings(tmp_path / "blank.csv").n_categories == 3


def test_missing_codes_in_dataframe_object_columns():
    import pandas as pd
    frame = pd.DataFrame({"a": ["1", "2", "."], "b": ["1", "NULL", "2"], "c": ["1", "2", "2"]})
    with pytest.warns(DataWarning, match="missing codes"):
        r = rl.as_ratings(frame)
    assert r.categories == (1, 2)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_unicode_encodings_detected(tmp_path, encoding):
    text = "unit,a,b\n1,Très bien,Bien\n2,Bien,Bien\n"
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    frame = read_csv(path)
    assert list(frame.columns) == ["unit", "a", "b"]
    assert frame.loc[0, "a"] == "Très bien"
    r = rl.as_ratings(path)
    assert set(r.categories) == {"Bien", "Très bien"}


def test_one_cp1252_cell_in_utf8_refused_naming_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("unit,a,b\n1,Très,Très\n".encode() + "2,Très,".encode() +
                     "Très\n".encode("cp1252"))
    with pytest.raises(ReliabilityError, match="line 3"):
        read_csv(path)
    whole = tmp_path / "cp.csv"
    whole.write_bytes("unit,a,b\n1,Très,Très\n2,Très,Très\n".encode("cp1252"))
    assert read_csv(whole).loc[1, "b"] == "Très"


def test_duplicated_header_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("unit,a,a\n1,1,1\n2,2,2\n")
    with pytest.raises(ReliabilityError, match="duplicated column name 'a'"):
        rl.as_ratings(path)


@pytest.mark.parametrize("name", ["x.csv.gz", "x.zip", "x.bz2", "x.zst", "x.xz", "x.tar"])
def test_fake_compressed_names_refused(tmp_path, name):
    path = tmp_path / name
    path.write_text("unit,a,b\n1,1,1\n2,2,2\n")
    with pytest.raises(ReliabilityError, match="named"):
        rl.as_ratings(path)


def test_archives(tmp_path):
    body = b"unit,a,b\n1,1,1\n2,2,1\n"
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.csv", body)
        z.writestr("b.csv", body)
    with pytest.raises(ReliabilityError, match="holds 2 files"):
        rl.as_ratings(two)
    one = tmp_path / "one.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.writestr("a.csv", body)
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(body))
    plain = tmp_path / "x.csv"
    plain.write_bytes(body)
    tgz = tmp_path / "x.tar.gz"
    with tarfile.open(tgz, "w:gz") as t:
        t.add(plain, "x.csv")
    ref = rl.as_ratings(plain).counts
    for path in (one, gz, tgz):
        np.testing.assert_array_equal(rl.as_ratings(path).counts, ref)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(body)[:12])
    with pytest.raises(ReliabilityError, match="corrupt or truncated"):
        rl.as_ratings(broken)


def test_paths_that_are_not_files(tmp_path):
    with pytest.raises(ReliabilityError, match="not found"):
        rl.as_ratings(tmp_path / "missing.csv")
    with pytest.raises(ReliabilityError, match="directory"):
        rl.as_ratings(tmp_path)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ReliabilityError, match="empty"):
        rl.as_ratings(tmp_path / "empty.csv")
