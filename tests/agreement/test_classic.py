"""Light's kappa, Kendall's W, Cronbach's alpha, Bangdiwala's B against independent references.

References: scikit-learn's cohen_kappa_score (pairwise mean), scipy's friedmanchisquare
(Kendall's chi-square), pingouin.cronbach_alpha (Feldt CI), R vcd (Bangdiwala, JSON fixture with
its script). Jackknife SEs are checked against the bootstrap SE over units (second method).
Tolerances: 1e-10 where the formula is the same closed form; 15% for jackknife vs bootstrap SE
(Monte Carlo error of 2,000 resamples plus the methods' finite-sample difference).
"""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from reliability._errors import ReliabilityError
from reliability.agreement._classic import bangdiwala_b, cronbach_alpha, kendall_w, light_kappa
from reliability.data import Ratings, as_ratings
from tests.conftest import DATA


def wide(matrix):
    m = np.asarray(matrix, dtype=float)
    return pd.DataFrame(m, columns=[f"r{j}" for j in range(m.shape[1])]).rename_axis("unit")


def random_codes(rng, n, k, q, p_missing=0.0):
    truth = rng.integers(0, q, n)
    X = np.where(rng.random((n, k)) < 0.6, truth[:, None], rng.integers(0, q, (n, k))) + 1.0
    X[rng.random((n, k)) < p_missing] = np.nan
    return X


def test_light_kappa_is_mean_of_sklearn_pairwise_kappas():
    from sklearn.metrics import cohen_kappa_score

    X = random_codes(np.random.default_rng(1), 200, 4, 4, p_missing=0.1)
    res = light_kappa(as_ratings(wide(X).reset_index(), shape="wide", unit="unit"))
    ref = []
    for a in range(4):
        for b in range(a + 1, 4):
            ok = ~np.isnan(X[:, a]) & ~np.isnan(X[:, b])
            ref.append(cohen_kappa_score(X[ok, a], X[ok, b]))
    assert res.estimate == pytest.approx(np.mean(ref), abs=1e-12)
    assert len(res.extra["pairwise"]) == 6


def test_light_kappa_jackknife_se_matches_bootstrap():
    rng = np.random.default_rng(2)
    X = random_codes(rng, 300, 3, 3)
    res = light_kappa(as_ratings(wide(X).reset_index(), shape="wide", unit="unit"))
    boots = []
    for _ in range(2000):
        idx = rng.integers(0, 300, 300)
        boots.append(light_kappa(as_ratings(wide(X[idx]).reset_index(drop=True)
                                            .rename_axis("unit").reset_index(),
                                            shape="wide", unit="unit")).estimate)
    assert res.se == pytest.approx(np.std(boots, ddof=1), rel=0.15)


def test_kendall_w_chi_square_equals_friedman_with_ties():
    from scipy.stats import friedmanchisquare

    rng = np.random.default_rng(3)
    X = rng.integers(1, 6, (12, 5)).astype(float)       # 12 units, 5 raters, many ties
    res = kendall_w(as_ratings(wide(X).reset_index(), shape="wide", unit="unit",
                               level="ordinal"))
    fr = friedmanchisquare(*X)                            # units as "treatments", raters blocks
    assert res.extra["chi2"] == pytest.approx(fr.statistic, rel=1e-10)
    assert res.p_value == pytest.approx(fr.pvalue, rel=1e-10)
    assert 0 <= res.estimate <= 1


def test_kendall_w_limits():
    same = np.tile(np.arange(1, 9, dtype=float)[:, None], (1, 4))
    assert kendall_w(as_ratings(wide(same).reset_index(), shape="wide", unit="unit",
                                level="ordinal")).estimate == pytest.approx(1.0)
    flat = np.ones((6, 3))
    res = kendall_w(as_ratings(wide(flat).reset_index(), shape="wide", unit="unit",
                               level="ordinal", categories=[1.0, 2.0]))
    assert np.isnan(res.estimate) and res.reason


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_cronbach_alpha_matches_pingouin(missing):
    pg = pytest.importorskip("pingouin", reason="pingouin is the peer reference (dev extra)")
    rng = np.random.default_rng(4)
    t = rng.normal(size=150)
    X = t[:, None] + rng.normal(scale=0.8, size=(150, 5))
    if missing == "pairwise":
        X[rng.random(X.shape) < 0.05] = np.nan
    df = wide(X)
    res = cronbach_alpha(as_ratings(df.reset_index(), shape="wide", unit="unit",
                                    level="interval"), missing=missing)
    if missing == "listwise":
        ref_a, ref_ci = pg.cronbach_alpha(data=df.dropna(), ci=0.95)
    else:
        ref_a, ref_ci = pg.cronbach_alpha(data=df, nan_policy="pairwise", ci=0.95)
    assert res.estimate == pytest.approx(ref_a, abs=1e-10)
    # pingouin rounds its CI to 3 decimals
    np.testing.assert_allclose(res.ci, ref_ci, atol=5e-4)


@pytest.mark.parametrize("case", json.loads((DATA / "bangdiwala_vcd.json").read_text())["cases"],
                         ids=lambda c: c["name"])
def test_bangdiwala_matches_vcd(case):
    table = np.array(case["table"])
    res = bangdiwala_b(Ratings.from_table(table))
    assert res.estimate == pytest.approx(float(np.ravel(case["B"])[0]), abs=1e-10)
    assert 0 <= res.ci[0] <= res.estimate <= res.ci[1] <= 1


def test_bangdiwala_jackknife_matches_bootstrap():
    rng = np.random.default_rng(5)
    table = np.array([[40, 10, 2], [12, 35, 9], [3, 14, 30]])
    res = bangdiwala_b(Ratings.from_table(table))
    p = (table / table.sum()).ravel()
    draws = rng.multinomial(table.sum(), p, size=4000).reshape(-1, 3, 3)
    d = np.einsum("sii->si", draws)
    b = (d ** 2).sum(1) / (draws.sum(2) * draws.sum(1)).sum(1)
    assert res.se == pytest.approx(b.std(ddof=1), rel=0.1)


def test_bangdiwala_needs_two_raters():
    X = random_codes(np.random.default_rng(6), 30, 3, 3)
    with pytest.raises(ReliabilityError, match="exactly 2 raters"):
        bangdiwala_b(as_ratings(wide(X).reset_index(), shape="wide", unit="unit"))


@pytest.mark.parametrize("fn", [light_kappa, kendall_w, cronbach_alpha, bangdiwala_b])
def test_bad_confidence_refused(fn):
    table = np.array([[5, 1], [2, 6]])
    with pytest.raises(ReliabilityError, match="confidence"):
        fn(Ratings.from_table(table), confidence=95)


@settings(max_examples=25)
@given(st.integers(0, 10_000))
def test_light_kappa_invariant_to_relabelling_raters_and_categories(seed):
    rng = np.random.default_rng(seed)
    X = random_codes(rng, 40, 3, 3)
    base = light_kappa(as_ratings(wide(X).reset_index(), shape="wide", unit="unit")).estimate
    perm_cat = rng.permutation(3) + 1.0
    Y = perm_cat[(X - 1).astype(int)][:, rng.permutation(3)]
    other = light_kappa(as_ratings(wide(Y).reset_index(), shape="wide", unit="unit")).estimate
    assert other == pytest.approx(base, abs=1e-12, nan_ok=True)


def test_classic_coefficients_in_the_agreement_table_and_cli(capsys):
    """Issue 19: the same keys in `reliability agree --json` wherever they are defined."""
    import json
    from pathlib import Path

    import reliability as rl
    from reliability.cli import main

    path = Path(__file__).resolve().parents[1] / "data" / "krippendorff_reliability_data.csv"
    rt = rl.as_ratings(path, level="ordinal")
    table = rl.agreement(rt)
    assert main(["agree", str(path), "--level", "ordinal", "--json"]) == 0
    coefs = json.loads(capsys.readouterr().out)["coefficients"]
    for name, fn in (("light_kappa", rl.light_kappa), ("kendall_w", rl.kendall_w),
                     ("cronbach_alpha", rl.cronbach_alpha)):
        direct = fn(rt)
        assert table[name].estimate == pytest.approx(direct.estimate, abs=1e-12), name
        assert coefs[name]["estimate"] == pytest.approx(direct.estimate, abs=1e-12), name
    # nominal data: no Kendall's W or alpha (they need an order); two raters: Bangdiwala's B
    nominal = rl.agreement(rl.as_ratings(path))
    assert "kendall_w" not in nominal.estimates and "light_kappa" in nominal.estimates
    two = rl.agreement(pd.DataFrame({"a": [1, 2, 2, 3, 1, 2], "b": [1, 2, 3, 3, 1, 1]}))
    assert two["bangdiwala_b"].estimate == pytest.approx(
        rl.bangdiwala_b(pd.DataFrame({"a": [1, 2, 2, 3, 1, 2], "b": [1, 2, 3, 3, 1, 1]})).estimate)


def test_classic_coefficients_take_the_common_input_options(tmp_path):
    """encoding=, shape= and the long-format column names reach the input layer (issue 15:
    the same input options wherever a path is accepted)."""
    import pandas as pd

    import reliability as rl

    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.integers(1, 5, (40, 3)), columns=["a", "b", "c"])
    wide.insert(0, "unit", [f"s{i}" for i in range(40)])
    path16 = tmp_path / "wide16.csv"
    path16.write_text(wide.to_csv(index=False), encoding="utf-16")
    long = wide.melt(id_vars="unit", var_name="inspector", value_name="grade")
    lpath = tmp_path / "long.csv"
    long.to_csv(lpath, index=False)
    for func in (rl.light_kappa, rl.kendall_w, rl.cronbach_alpha):
        ref = func(wide.drop(columns="unit")).estimate
        assert np.isfinite(ref)
        assert func(path16, encoding="utf-16").estimate == pytest.approx(ref, abs=1e-12)
        got = func(lpath, shape="long", unit="unit", rater="inspector", rating="grade")
        assert got.estimate == pytest.approx(ref, abs=1e-12)
    two = wide[["a", "b"]]
    p2 = tmp_path / "two16.csv"
    p2.write_text(wide[["unit", "a", "b"]].to_csv(index=False), encoding="utf-16")
    assert rl.bangdiwala_b(p2, encoding="utf-16").estimate == pytest.approx(
        rl.bangdiwala_b(two).estimate, abs=1e-12)


def test_kendall_w_counting_ranks_match_rankdata_with_missing_and_ties():
    """The count-based mid-ranks equal scipy.stats.rankdata's (listwise, ties corrected)."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    from reliability import kendall_w

    rng = np.random.default_rng(7)
    for _ in range(25):
        n, m = int(rng.integers(3, 40)), int(rng.integers(2, 6))
        X = rng.integers(1, 6, size=(n, m)).astype(float)
        X[rng.random((n, m)) < 0.1] = np.nan
        Xc = X[np.isfinite(X).all(axis=1)]
        if len(Xc) < 2:
            continue
        Rj = stats.rankdata(Xc, axis=0).sum(axis=1)
        S = float(((Rj - Rj.mean()) ** 2).sum())
        T = sum(float((t ** 3 - t).sum()) for t in
                (np.unique(Xc[:, j], return_counts=True)[1] for j in range(m)))
        nn = len(Xc)
        denom = m * m * (nn ** 3 - nn) - m * T
        got = kendall_w(pd.DataFrame(X)).estimate
        if denom <= 0:
            assert np.isnan(got)
        else:
            assert abs(got - 12 * S / denom) < 1e-12
