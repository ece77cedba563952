"""Same file, same answer, whatever the entry point; ids and labels (issue 15)."""

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability import DataWarning
from reliability.data import normalise_labels
from reliability.validity import _clean


def _sparse_long(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for u in range(40):
        k = 1 if u % 5 == 0 else 3
        for r in rng.choice(4, size=k, replace=False):
            rows.append((f"s{u}", f"i{r}", int(rng.integers(1, 4))))
    path = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["unit", "rater", "rating"]).to_csv(path, index=False)
    return path


def test_agreement_of_path_equals_agreement_of_as_ratings(tmp_path):
    path = _sparse_long(tmp_path)
    direct = rl.fleiss_kappa(path, shape="long")
    with pytest.warns(DataWarning, match="dropped 8 unit"):
        r = rl.as_ratings(path, shape="long")
    via = rl.fleiss_kappa(r)
    assert via.extra["n_units"] == direct.extra["n_units"] == 40
    assert via.estimate == direct.estimate
    table_direct = rl.agreement(path, shape="long")
    table_via = rl.agreement(r)
    assert str(table_direct) == str(table_via)


def test_ids_are_text(tmp_path):
    path = tmp_path / "ids.csv"
    big = 2 ** 53
    path.write_text("unit,rater,rating\n007,a,1\n007,b,1\n7,a,2\n7,b,1\n"
                    f"{big},a,1\n{big},b,2\n{big + 1},a,2\n{big + 1},b,2\n")
    r = rl.as_ratings(path, shape="long")
    assert r.n_units == 4
    assert "007" in list(r.unit_labels)
    wide = tmp_path / "wide.csv"
    wide.write_text(f"unit,a,b\n{big},1,1\n{big + 1},2,2\n3,1,2\n")
    w = rl.as_ratings(wide)
    assert list(w.unit_labels) == [big, big + 1, 3]


def test_large_integer_categories_do_not_merge():
    big = 2 ** 53
    frame = pd.DataFrame({"a": [big, big + 1, big], "b": [big, big + 1, big + 1]})
    r = rl.as_ratings(frame)
    assert r.categories == (big, big + 1)
    assert rl.percent_agreement(frame).estimate == pytest.approx(2 / 3)


def test_label_variants_are_one_category_everywhere():
    frame = pd.DataFrame({"a": ["Good", "Good ", "Outstanding", "good"],
                          "b": ["good", "Good", "Outstanding", "Good"]})
    with pytest.warns(DataWarning, match="merged"):
        r = rl.as_ratings(frame)
    assert r.categories == ("Good", "Outstanding")
    assert rl.percent_agreement(frame).estimate == 1.0
    nfd = "Tre\u0300s bien"
    labels, merged = normalise_labels(["Très bien", nfd, "très  bien"], warn=False)
    assert len(set(labels)) == 1 and len(merged) == 2
    codes, cats, _ = _clean.code_grades(["Good", "Good ", "good", "Inadequate"],
                                        categories=["Good", "Inadequate"])
    assert list(codes) == [0, 0, 0, 1]


def test_rater_names_normalised(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("unit,rater,rating\n1,Ann ,1\n1,Bob,1\n2,Ann,2\n2,Bob,2\n")
    assert rl.as_ratings(path, shape="long").n_raters == 2
