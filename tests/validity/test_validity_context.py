"""grade_context: band tables against pandas, dropped counts, categorical context, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reliability import ReliabilityError
from reliability.inference import wilson_interval
from reliability.validity import grade_context

CATS = ["Outstanding", "Good", "Requires Improvement", "Inadequate"]


@pytest.fixture
def frame():
    rng = np.random.default_rng(5)
    n = 300
    x = rng.normal(size=n)
    g = np.clip(np.round(1.8 + 0.5 * x + rng.normal(scale=0.7, size=n)), 1, 4).astype(int)
    grade = pd.Series(np.array(CATS, dtype=object)[g - 1])
    grade[[3, 7]] = np.nan
    grade[[10]] = "requires improvement "      # case and spaces differ
    ctx = pd.Series(np.round(x, 2).astype(object))
    ctx[[20, 21, 22]] = "SUPP"
    ctx[[3]] = "SUPP"                           # already dropped for its grade
    ctx[[30]] = np.nan
    return grade, ctx


def test_bands_and_counts(frame):
    grade, ctx = frame
    r = grade_context(grade, ctx, categories=CATS, bands=4)
    assert r.n == 300 - 6 and r.n_dropped == 6
    assert r.dropped == {"grade: missing": 2, "context: non-numeric 'SUPP'": 3,
                         "context: missing": 1}
    keep = grade.notna() & pd.to_numeric(ctx, errors="coerce").notna()
    x = pd.to_numeric(ctx[keep])
    g = grade[keep].str.strip().str.lower()
    bands = pd.qcut(x, 4, labels=False)
    ref = pd.crosstab(bands, g)
    for b, band in enumerate(r.bands):
        assert band["n"] == int((bands == b).sum())
        for c in CATS:
            k = int(ref.loc[b].get(c.lower(), 0))
            assert band["counts"][c] == k
            assert band["proportions"][c]["ci"] == pytest.approx(
                list(wilson_interval(k, band["n"])))
    tau = stats.kendalltau(g.map({c.lower(): i for i, c in enumerate(CATS)}), x).statistic
    assert r.associations["kendall_tau_b"].estimate == pytest.approx(tau, abs=1e-12)
    d = r.to_dict()
    for key in ("n", "n_dropped", "grade", "context", "bands", "associations", "trend_test"):
        assert key in d
    for key in ("kendall_tau_b", "goodman_kruskal_gamma", "somers_d", "spearman"):
        assert set(d["associations"][key]) >= {"estimate", "se", "ci", "ci_level", "p"}
    assert set(d["trend_test"]) >= {"statistic", "df", "p", "method"}
    assert "band" in r.summary() and len(r.to_frame()) == 4 * len(CATS)


def test_few_distinct_values_one_band_each():
    g = [1, 2, 2, 3, 1, 2, 4, 2, 3, 1] * 5
    c = [1, 2, 3, 4, 5, 5, 4, 3, 2, 1] * 5
    r = grade_context(g, c, bands=5)
    assert [b["band"] for b in r.bands] == ["1", "2", "3", "4", "5"]
    assert sum(b["n"] for b in r.bands) == 50


def test_not_judged_code_error_and_missing_option():
    g = pd.Series([1, 2, 9, 3, 2, 4, 1, 2], name="Quality of education")
    c = list(range(8))
    with pytest.raises(ReliabilityError, match=r"grade 9 .*'Quality of education'.*row 3"):
        grade_context(g, c, categories=[1, 2, 3, 4])
    r = grade_context(g, c, categories=[1, 2, 3, 4], missing=[9])
    assert r.n == 7 and r.dropped == {"Quality of education: not judged (9)": 1}


def test_text_grades_need_order():
    # text of no known scale has no order; a known scale (reliability.scales) has one
    with pytest.raises(ReliabilityError, match="order is unknown"):
        grade_context(["fine", "great", "fine", "poor"], [1, 2, 3, 4])
    res = grade_context(["Good", "Outstanding", "Good", "Inadequate"], [1, 2, 3, 4])
    assert res.categories == ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def test_non_consecutive_codes_warn():
    from reliability import DataWarning

    with pytest.warns(DataWarning, match="--missing 9"):
        grade_context([1, 2, 9, 3, 2, 1], [1, 2, 3, 4, 5, 6])


def test_categorical_context():
    g = [1, 2, 2, 3, 1, 2, 4, 2, 3, 1] * 3
    c = ["Primary", "Secondary", "Primary", "Special", "Primary"] * 6
    r = grade_context(g, c)
    assert r.context_kind == "categorical"
    assert [b["band"] for b in r.bands] == ["Primary", "Secondary", "Special"]
    assert np.isnan(r.associations["kendall_tau_b"].estimate)
    table = pd.crosstab(pd.Series(g), pd.Series(c)).to_numpy()
    chi2 = stats.chi2_contingency(table, correction=False)
    assert r.trend_test["statistic"] == pytest.approx(chi2.statistic)
    assert r.trend_test["df"] == chi2.dof


def test_all_dropped_is_an_error():
    with pytest.raises(ReliabilityError, match="no row"):
        grade_context([1, 2, None], ["SUPP", "SUPP", 3])


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.lists(st.tuples(st.sampled_from(CATS), st.integers(0, 30)), min_size=6, max_size=60),
       st.randoms(use_true_random=False))
def test_reversed_order_flips_sign_and_row_order_is_irrelevant(rows, rnd):
    g = [r[0] for r in rows]
    c = [r[1] for r in rows]
    a = grade_context(g, c, categories=CATS, bands=3)
    b = grade_context(g, c, categories=CATS[::-1], bands=3)
    perm = list(range(len(g)))
    rnd.shuffle(perm)
    p = grade_context([g[i] for i in perm], [c[i] for i in perm], categories=CATS, bands=3)
    for k in ("kendall_tau_b", "goodman_kruskal_gamma", "somers_d", "spearman"):
        ea = a.associations[k].estimate
        assert np.allclose(b.associations[k].estimate, -ea, equal_nan=True, atol=1e-12)
        assert np.allclose(p.associations[k].estimate, ea, equal_nan=True, atol=1e-12)
        if np.isfinite(ea):
            assert -1 - 1e-12 <= ea <= 1 + 1e-12
    assert [x["counts"] for x in p.bands] == [x["counts"] for x in a.bands]
    assert np.allclose(p.trend_test["statistic"], a.trend_test["statistic"], equal_nan=True)
