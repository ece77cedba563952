"""ICC values against the verified references (psych::ICC, irr::icc, pingouin) and peers."""

import numpy as np
import pandas as pd
import pytest

from conftest import DATA, load_reference
from reliability import ReliabilityError
from reliability.icc import icc

FORMS = ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]


@pytest.mark.parametrize("name", ["shrout_fleiss_1979", "pingouin_wine_icc"])
@pytest.mark.parametrize("form", FORMS)
def test_matches_reference(name, form):
    ref = load_reference(name)
    tol = ref["tolerance"]  # 1e-6: values stored to 15 significant digits by psych/irr
    expected = ref["values"][form]
    got = icc(DATA / f"{name}.csv", confidence=expected["ci_level"])[form]
    assert got.estimate == pytest.approx(expected["estimate"], abs=tol)
    assert got.ci[0] == pytest.approx(expected["ci"][0], abs=tol)
    assert got.ci[1] == pytest.approx(expected["ci"][1], abs=tol)
    assert got.F == pytest.approx(expected["F"], abs=tol)
    assert got.df1 == expected["df1"]
    assert got.df2 == expected["df2"]
    assert got.p == pytest.approx(expected["p_value"], abs=tol)
    if form in ("ICC2", "ICC2k"):
        # irr::icc's Satterthwaite df / p and its ICC(A,k) interval convention
        assert got.extra["df2_satterthwaite"] == pytest.approx(expected["df2_irr"], abs=tol)
        assert got.extra["p_satterthwaite"] == pytest.approx(expected["p_value_irr"], abs=tol)
    if form == "ICC2k":
        assert got.extra["ci_irr"] == pytest.approx(expected["ci_irr"], abs=tol)


@pytest.mark.parametrize("name", ["shrout_fleiss_1979", "pingouin_wine_icc"])
def test_published_values_to_printed_precision(name):
    ref = load_reference(name)
    res = icc(DATA / f"{name}.csv")
    for row in ref["verification"]:
        stat = row["statistic"]
        form = stat.split()[0]
        if stat.endswith(" F"):
            got = res[form].F
        elif stat.endswith("ci_lo"):
            got = res[form].ci[0]
        elif stat.endswith("ci_hi"):
            got = res[form].ci[1]
        else:
            got = res[form].estimate
        # published values are rounded to `printed_decimals`: half a unit in the last place
        assert abs(got - row["published"]) <= 0.5 * 10 ** -row["printed_decimals"] + 1e-12, stat


def _pingouin_frame(x):
    n, k = x.shape
    return pd.DataFrame({"t": np.repeat(np.arange(n), k), "r": np.tile(np.arange(k), n),
                         "s": x.ravel()})


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # raised inside pingouin
@pytest.mark.parametrize("seed", range(4))
def test_matches_pingouin_on_random_data(seed):
    pg = pytest.importorskip("pingouin", reason="pingouin is the peer for this cross-check")
    rng = np.random.default_rng(seed)
    n, k = rng.integers(5, 40), rng.integers(2, 7)
    x = rng.normal(size=(n, 1)) * rng.uniform(0, 2) + rng.normal(size=(1, k)) * rng.uniform(0, 1) \
        + rng.normal(size=(n, k))
    ref = pg.intraclass_corr(_pingouin_frame(x), targets="t", raters="r", ratings="s")
    # pingouin < 0.6 names the forms ICC1..ICC3k, later versions ICC(1,1)..ICC(C,k)
    names = dict(zip(["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"],
                     FORMS))
    ref["Type"] = ref["Type"].replace(names)
    ref = ref.set_index("Type")
    ci_col = "CI95%" if "CI95%" in ref else "CI95"
    res = icc(x)
    for form in FORMS:
        got = res[form]
        assert got.estimate == pytest.approx(ref.loc[form, "ICC"], abs=1e-10)
        assert got.F == pytest.approx(ref.loc[form, "F"], rel=1e-10)
        assert got.df2 == pytest.approx(ref.loc[form, "df2"])
        assert got.p == pytest.approx(ref.loc[form, "pval"], rel=1e-8, abs=1e-300)
        # pingouin rounds its CI to 2 decimals
        assert np.allclose(got.ci, ref.loc[form, ci_col], atol=0.005 + 1e-12)


def test_confidence_level_changes_interval_width():
    res90 = icc(DATA / "shrout_fleiss_1979.csv", confidence=0.90)
    res99 = icc(DATA / "shrout_fleiss_1979.csv", confidence=0.99)
    for form in FORMS:
        w90 = res90[form].ci[1] - res90[form].ci[0]
        w99 = res99[form].ci[1] - res99[form].ci[0]
        assert w99 > w90 > 0
        assert res90[form].ci_level == 0.90


def test_long_input_gives_same_result():
    wide = pd.read_csv(DATA / "pingouin_wine_icc.csv")
    long = wide.melt(id_vars="unit", var_name="rater", value_name="rating")
    a = icc(DATA / "pingouin_wine_icc.csv")
    b = icc(long)
    for form in FORMS:
        assert b[form].estimate == pytest.approx(a[form].estimate, abs=1e-12)
        assert b[form].ci == pytest.approx(a[form].ci, abs=1e-12)


def test_result_api():
    res = icc(DATA / "shrout_fleiss_1979.csv")
    assert list(res) == FORMS
    assert res["ICC2"].mcgraw_wong == "ICC(A,1)"
    assert res["ICC3k"].shrout_fleiss == "ICC(3,k)"
    frame = res.to_frame()
    assert list(frame.index) == FORMS
    d = res.to_dict()
    assert {"n_units", "n_raters", "icc"} <= set(d)
    for form in FORMS:
        assert {"estimate", "ci", "ci_level", "F", "df1", "df2", "p"} <= set(d["icc"][form])
    assert "ICC(A,1)" in res.summary()
    with pytest.raises(KeyError, match="ICC2"):
        res["icc2"]
    with pytest.raises(Exception):
        res.method = "x"  # frozen


def test_anova_with_missing_data_is_an_error_naming_the_unit():
    x = pd.DataFrame({"a": [1, 2, 3, 4.0], "b": [2, np.nan, 3, 5], "c": [1, 2, 2, 4]},
                     index=pd.Index(["s1", "s2", "s3", "s4"], name="school"))
    with pytest.raises(ReliabilityError, match="'s2'"):
        icc(x, method="anova")
    assert icc(x, method="auto").method == "reml"


@pytest.mark.parametrize("bad", [dict(method="ols"), dict(confidence=1.5), dict(bootstrap=-1)])
def test_bad_options(bad):
    with pytest.raises(ReliabilityError):
        icc(np.arange(12.0).reshape(4, 3), **bad)


def test_degenerate_data():
    with pytest.raises(ReliabilityError, match="2 raters"):
        icc(np.arange(5.0).reshape(5, 1) + np.zeros((5, 1)))
    # no variation at all: undefined, with a reason (not a crash, not a number)
    res = icc(np.ones((5, 3)))
    assert np.isnan(res["ICC2"].estimate) and res["ICC2"].reason
    # perfect agreement with between-unit variation: every ICC is 1
    x = np.repeat(np.arange(6.0)[:, None], 3, axis=1)
    res = icc(x)
    for form in FORMS:
        assert res[form].estimate == pytest.approx(1.0)


def test_one_million_units_matches_two_way_anova_formula():
    # Speed is measured in benchmarks/ (python -m benchmarks --only icc), not asserted here.
    x = np.random.default_rng(0).normal(size=(1_000_000, 4))
    res = icc(x)
    assert res.n_units == 1_000_000
    n, k = x.shape
    grand = x.mean()
    msr = k * ((x.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    sse = ((x - x.mean(axis=1, keepdims=True) - x.mean(axis=0) + grand) ** 2).sum()
    mse = sse / ((n - 1) * (k - 1))
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    assert res["ICC3"].estimate == pytest.approx(icc3, abs=1e-9)


def test_input_forms_agree():
    from reliability import as_ratings

    frame = pd.read_csv(DATA / "shrout_fleiss_1979.csv")
    expected = icc(DATA / "shrout_fleiss_1979.csv")["ICC2"].estimate
    assert icc(frame, unit="unit")["ICC2"].estimate == pytest.approx(expected, abs=1e-12)
    assert icc(frame.set_index("unit"))["ICC2"].estimate == pytest.approx(expected, abs=1e-12)
    assert icc(frame.set_index("unit").to_numpy())["ICC2"].estimate == pytest.approx(expected, abs=1e-12)
    r = as_ratings(frame, unit="unit", level="interval")
    assert icc(r)["ICC2"].estimate == pytest.approx(expected, abs=1e-12)
    long = frame.melt(id_vars="unit", var_name="judge", value_name="score")
    got = icc(long, shape="long", unit="unit", rater="judge", rating="score")
    assert got["ICC2"].estimate == pytest.approx(expected, abs=1e-12)


def test_f_quantiles_fast_path_equals_scipy_stats_bit_for_bit():
    """The ICC intervals' direct cephes calls give exactly scipy.stats.f's values, and the
    edge cases (q at 0 or 1, non-finite or zero df, x <= 0) still go through scipy.stats."""
    import numpy as np
    from scipy import stats

    from reliability.icc._anova import f_ppf, f_sf

    rng = np.random.default_rng(5)
    for _ in range(2000):
        d1, d2 = rng.uniform(0.2, 1e5), rng.uniform(0.2, 1e6)
        q, x = rng.uniform(1e-6, 1 - 1e-6), rng.exponential(2.0)
        assert f_ppf(q, d1, d2) == stats.f.ppf(q, d1, d2)
        assert f_sf(x, d1, d2) == stats.f.sf(x, d1, d2)
    for q, d1, d2 in ((0.0, 3, 5), (1.0, 3, 5), (0.5, np.inf, 5), (0.5, 0.0, 5),
                      (0.5, np.nan, 5)):
        np.testing.assert_equal(f_ppf(q, d1, d2), stats.f.ppf(q, d1, d2))
    for x, d1, d2 in ((0.0, 3, 5), (-1.0, 3, 5), (np.inf, 3, 5), (2.0, np.inf, 5),
                      (2.0, -1.0, 5)):
        np.testing.assert_equal(f_sf(x, d1, d2), stats.f.sf(x, d1, d2))
