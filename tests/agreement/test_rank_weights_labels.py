"""Rank-score weights (weight_scores="ranks") and Cohen's kappa on a subset of labels.

References: statsmodels ``cohens_kappa(table, wt=)`` (weights by the rank of the table's
categories: kappa, non-null SE ``std_kappa`` and null SE ``std_kappa0``) and scikit-learn
``cohen_kappa_score(labels=, weights=)``, computed here on the same data. Tolerance 1e-10:
the same closed formulas in floating point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

import reliability.agreement as A
from reliability._errors import ReliabilityError


def unequal_scores(seed=3, n=80):
    """Two raters on the unequally spaced scale 1, 2, 5, 6 (values and ranks differ)."""
    rng = np.random.default_rng(seed)
    vals = np.array([1, 2, 5, 6])
    a = rng.integers(0, 4, n)
    b = np.clip(a + rng.integers(-1, 2, n), 0, 3)
    return pd.DataFrame({"r1": vals[a], "r2": vals[b]})


@pytest.mark.parametrize("wt", ["linear", "quadratic"])
def test_rank_scores_reproduce_statsmodels_and_sklearn(wt):
    df = unequal_scores()
    table = pd.crosstab(df.r1, df.r2).to_numpy()
    sm = cohens_kappa(table, wt=wt)
    e = A.cohen_kappa(df, weights=wt, weight_scores="ranks", level="interval")
    assert e.estimate == pytest.approx(sm.kappa, abs=1e-10)
    assert e.se == pytest.approx(sm.std_kappa, abs=1e-10)
    assert e.se_null == pytest.approx(sm.std_kappa0, abs=1e-10)
    assert e.estimate == pytest.approx(cohen_kappa_score(df.r1, df.r2, weights=wt), abs=1e-10)
    assert e.extra["weight_scores"] == "ranks"
    # the default (category values 1, 2, 5, 6) is a different, documented number
    v = A.cohen_kappa(df, weights=wt, level="interval")
    assert abs(v.estimate - sm.kappa) > 1e-3 and "weight_scores" not in v.extra


def test_rank_scores_through_agreement_and_cli(tmp_path, capsys):
    from reliability.cli import main

    df = unequal_scores()
    table = pd.crosstab(df.r1, df.r2).to_numpy()
    t = A.agreement(df, weights="quadratic", weight_scores="ranks", level="interval")
    assert t.info["weight_scores"] == "ranks"
    assert t["cohen_kappa"].estimate == pytest.approx(cohens_kappa(table, wt="quadratic").kappa,
                                                      abs=1e-10)
    # equally spaced categories: ranks and values give the same weights
    even = df.replace({5: 3, 6: 4})
    for name in ("gwet_ac2", "fleiss_kappa", "conger_kappa", "brennan_prediger"):
        a = A.agreement(even, weights="quadratic", level="interval")[name].estimate
        b = A.agreement(even, weights="quadratic", weight_scores="ranks",
                        level="interval")[name].estimate
        assert a == pytest.approx(b, abs=1e-12), name
    path = tmp_path / "r.csv"
    df.rename_axis("unit").reset_index().to_csv(path, index=False)
    assert main(["agree", str(path), "--json", "--level", "interval", "--weights", "linear",
                 "--weight-scores", "ranks"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["coefficients"]["cohen_kappa"]["estimate"] == pytest.approx(
        cohens_kappa(table, wt="linear").kappa, abs=1e-10)


def test_weight_scores_option_is_validated():
    with pytest.raises(ReliabilityError, match="weight_scores"):
        A.cohen_kappa(unequal_scores(), weights="linear", weight_scores="rank")


@pytest.mark.parametrize("labels", [[6, 2, 1], [1, 2], [2, 5, 6, 1]])
@pytest.mark.parametrize("wt", [None, "linear", "quadratic"])
def test_labels_subset_matches_sklearn(labels, wt):
    df = unequal_scores(seed=7, n=120)
    ref = cohen_kappa_score(df.r1, df.r2, labels=labels, weights=wt)
    kw = {} if wt is None else {"weights": wt, "weight_scores": "ranks"}
    e = A.cohen_kappa(df, labels=labels, level="interval", **kw)
    assert e.estimate == pytest.approx(ref, abs=1e-10)
    inside = df.r1.isin(labels) & df.r2.isin(labels)
    assert e.extra["n_units"] == int(inside.sum())
    assert e.extra["n_excluded"] == int((~inside).sum())
    # the same as kappa of the units whose two ratings are both in labels
    sub = df[inside]
    full = A.cohen_kappa(sub, categories=sorted(labels), level="interval", **kw)
    if labels == sorted(labels):
        assert e.estimate == pytest.approx(full.estimate, abs=1e-10)
        assert e.se == pytest.approx(full.se, abs=1e-10)


def test_labels_with_text_categories_and_bootstrap():
    df = pd.DataFrame({"a": list("xxyyzzxyzx" * 4), "b": list("xyyyzxxyzz" * 4)})
    e = A.cohen_kappa(df, labels=["z", "x"], n_resamples=200, seed=1)
    assert e.estimate == pytest.approx(cohen_kappa_score(df.a, df.b, labels=["z", "x"]),
                                       abs=1e-10)
    assert np.isfinite(e.extra["bootstrap"]["se"])
    with pytest.raises(ReliabilityError, match="'w' is not one of the categories"):
        A.cohen_kappa(df, labels=["x", "w"])
    with pytest.raises(ReliabilityError, match="labels"):
        A.cohen_kappa(df, labels=["x"])
    with pytest.raises(ReliabilityError, match="labels"):
        A.cohen_kappa(df, labels=["x", "x"])


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=6, max_size=40),
       st.permutations([0, 1, 2, 3]))
def test_labels_reorder_does_not_change_unweighted_kappa(pairs, perm):
    df = pd.DataFrame(pairs, columns=["a", "b"]).astype(float)
    used = sorted(set(df.a) | set(df.b))
    if len(used) < 2:
        return
    order = [c for c in perm if c in used]
    e1 = A.cohen_kappa(df, labels=used)
    e2 = A.cohen_kappa(df, labels=order)
    if np.isfinite(e1.estimate):
        assert e2.estimate == pytest.approx(e1.estimate, abs=1e-12)
        assert e1.estimate == pytest.approx(cohen_kappa_score(df.a, df.b, labels=used),
                                            abs=1e-10)


def test_missing_code_as_a_category_only_when_asked():
    """statsmodels' aggregate_raters counts NaN as one more category; here a missing rating is
    dropped by default, and is a category only when the user codes it as one. Reference:
    statsmodels fleiss_kappa(aggregate_raters(x)); tolerance 1e-12 (same closed formula)."""
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    rng = np.random.default_rng(2)
    x = rng.integers(1, 4, (30, 4)).astype(float)
    x[rng.random((30, 4)) < 0.15] = np.nan
    ref = fleiss_kappa(aggregate_raters(x)[0])
    coded = pd.DataFrame(x).fillna("not rated")
    assert A.fleiss_kappa(coded).estimate == pytest.approx(ref, abs=1e-12)
    assert A.fleiss_kappa(np.where(np.isnan(x), -1, x)).estimate == pytest.approx(ref, abs=1e-12)
    assert abs(A.fleiss_kappa(x).estimate - ref) > 1e-3          # the default drops them
