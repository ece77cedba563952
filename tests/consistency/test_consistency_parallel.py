"""Parallel inspections: published small study, kappa references, interval peers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reliability import DataWarning
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from reliability import ReliabilityError
from reliability.consistency import (
    agreement_range,
    cohen_kappa_table,
    kappa_many,
    pairs_table,
    parallel_consistency,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def published():
    with open(DATA / "published_small_study.json", encoding="utf-8") as fh:
        return json.load(fh)["published"]


def test_ofsted_2017_small_study_reproduced():
    pub = published()
    r = agreement_range(n_agree=pub["n_agree"], n=pub["n_pairs"])
    # Tolerances: half a unit in the last printed decimal (see the fixture's "tolerance").
    assert r.estimate == pytest.approx(pub["agreement"], abs=0.0005)
    assert r.ci == pytest.approx(tuple(pub["wilson_95_ci_about"]), abs=0.005)
    assert r.kappa_range == pytest.approx(tuple(pub["kappa_range_about"]), abs=0.005)
    d = r.to_dict()
    assert d["kappa_range"] == pytest.approx(list(r.kappa_range))


def test_agreement_range_by_brute_force():
    # Independent enumeration with explicit loops over a, b, c (d = n - a - b - c).
    n, k = 15, 12
    kaps = []
    for a in range(k + 1):
        for b in range(n - k + 1):
            t = np.array([[a, b], [n - k - b, k - a]])
            kaps.append(kappa_many(t))
    r = agreement_range(k, n)
    assert r.n_tables == len(kaps)
    assert r.kappa_min == pytest.approx(np.nanmin(kaps))
    assert r.kappa_max == pytest.approx(np.nanmax(kaps))


def test_agreement_range_with_margins_and_limits():
    r = agreement_range(22, 24, margins=[3, 21])
    assert (r.table_min.sum(axis=1) == [3, 21]).all()
    assert r.kappa_min >= agreement_range(22, 24).kappa_min
    with pytest.raises(ReliabilityError, match="too many"):
        agreement_range(300, 400, n_categories=5)
    with pytest.raises(ReliabilityError):
        agreement_range(25, 24)


@pytest.mark.parametrize("name", ["fleiss_cohen_everitt_1969", "vcd_sexualfun"])
def test_kappa_matches_reference(name, data_dir):
    from conftest import load_reference

    ref = load_reference(name)
    v = ref["values"]["cohen_kappa"]
    table = pd.read_csv(data_dir / f"{name}.csv", index_col=0).to_numpy()
    # the reference interval is vcd's z interval: ci_method="normal"
    k = cohen_kappa_table(table, ci_method="normal")
    tol = ref["tolerance"]
    assert k.estimate == pytest.approx(v["estimate"], abs=tol)
    assert k.se == pytest.approx(v["se"], abs=tol)
    assert k.se_null == pytest.approx(v["se_null"], abs=tol)
    assert k.ci == pytest.approx(tuple(v["ci"]), abs=tol)
    assert k.p_value == pytest.approx(v["p_value_null"], rel=1e-5)


@pytest.mark.parametrize("name", ["fleiss_cohen_everitt_1969", "vcd_sexualfun"])
def test_consistency_kappa_is_the_agreement_kappa(name, data_dir):
    """One implementation: the kappa of parallel_consistency equals rl.cohen_kappa of the
    same table, interval included (issue 15: they gave different CIs)."""
    import reliability as rl

    table = pd.read_csv(data_dir / f"{name}.csv", index_col=0).to_numpy()
    mine = parallel_consistency(table).kappa
    theirs = rl.cohen_kappa(rl.Ratings.from_table(table))
    assert (mine.estimate, mine.se, *mine.ci) == pytest.approx(
        (theirs.estimate, theirs.se, *theirs.ci), abs=1e-12)


def test_parallel_intervals_match_scipy_and_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    t = np.array([[10, 2, 0], [1, 8, 1], [0, 1, 5]])
    r = parallel_consistency(t, categories=["O", "G", "RI"])
    n, agree = t.sum(), np.trace(t)
    assert r.n_pairs == n
    ci = stats.binomtest(int(n - agree), int(n)).proportion_ci(method="exact")
    assert r.p_different["ci_exact"] == pytest.approx([ci.low, ci.high], abs=1e-10)
    assert r.agreement["ci"] == pytest.approx(proportion_confint(agree, n, method="wilson"))
    g = r.by_grade[1]
    assert g["grade"] == "G" and g["n_first"] == 10
    assert g["p_different"]["estimate"] == pytest.approx(2 / 10)
    assert g["specific_agreement"] == pytest.approx(2 * 8 / (10 + 11))  # row 10, column 11
    d = r.to_dict()
    for key in ("n_pairs", "agreement", "p_different", "by_grade", "kappa"):
        assert key in d
    assert set(d["agreement"]) >= {"estimate", "ci", "ci_level", "method"}


def test_pairs_table_text_and_blanks():
    first = pd.Series(["Good", "good", "Outstanding", None, "Requires improvement"])
    second = pd.Series(["Good", "Outstanding", "Outstanding", "Good", None])
    cats = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    table, got, dropped = pairs_table(first, second, categories=cats)
    assert dropped == 2 and table.sum() == 3 and table[1, 1] == 1 and table[1, 0] == 1
    with pytest.raises(ReliabilityError, match="'Excellent'"):
        pairs_table(pd.Series(["Excellent"]), pd.Series(["Good"]), categories=cats)
    # the scale's older wording is its grade 3, said aloud
    with pytest.warns(DataWarning, match="'Satisfactory' read as 'Requires improvement'"):
        table, _, _ = pairs_table(pd.Series(["Satisfactory"]), pd.Series(["Good"]),
                                  categories=cats)
    assert table[2, 1] == 1


@given(st.lists(st.integers(0, 9), min_size=4, max_size=4))
def test_kappa_table_invariances(cells):
    t = np.array(cells).reshape(2, 2)
    if t.sum() == 0:
        return
    k = cohen_kappa_table(t).estimate
    # Swapping the two teams (transpose) and relabelling both categories leave kappa unchanged.
    assert np.allclose(cohen_kappa_table(t.T).estimate, k, equal_nan=True)
    assert np.allclose(cohen_kappa_table(t[::-1, ::-1]).estimate, k, equal_nan=True)
    if np.isfinite(k):
        assert -1 - 1e-12 <= k <= 1 + 1e-12
