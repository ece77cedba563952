"""agreement() computes its sufficient statistics once (reliability/agreement/_stats.py).

Checked here, all to 1e-12 (the same sums in another order):
* every entry of the agreement() table equals the single coefficient function called on
  the same input with the same options, bootstrap included (the table draws its
  resamples once and shares them);
* the pattern-compressed computation equals the unit-level one (``COMPRESS = False``) for
  estimates, SEs, CIs and the percentile / BCa bootstrap, on each path of the pattern
  keying (direct counting, hashing, too many raters to key);
* second method: the bootstrap SE of every coefficient in the table agrees with its
  analytic (linearised) SE on 10,000 units within 8% (Monte Carlo error of a B = 2,000
  bootstrap SE is 1/sqrt(2B) = 1.6%; the linearisation is accurate at this n).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import reliability.agreement as A
from reliability.agreement import _stats
from reliability.agreement._stats import unit_stats
from reliability.data import as_ratings

TOL = 1e-12


def _same(a, b, path=""):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (path, set(a) ^ set(b))
        for k in a:
            _same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        if math.isnan(a):
            assert math.isnan(b), path
        else:
            assert abs(a - b) <= TOL * max(1.0, abs(a)), (path, a, b)
    else:
        assert a == b, (path, a, b)


def simulated(n, k, q=4, missing=0.15, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1))
    x = np.digitize(latent + rng.normal(scale=0.8, size=(n, k)),
                    np.linspace(-1, 1, q - 1)).astype(float)
    x[rng.random((n, k)) < missing] = np.nan
    return x


def singles(data, weights, wl, two, two_by_two, **kw):
    """What agreement() should equal: each coefficient function on its own."""
    wkw = {"weights": weights}
    out = {"percent_agreement": A.percent_agreement(data, **kw)}
    if wl != "identity":
        out["weighted_agreement"] = A.weighted_agreement(data, **wkw, **kw)
    if two:
        out["cohen_kappa"] = A.cohen_kappa(data, **wkw, **kw)
    out["conger_kappa"] = A.conger_kappa(data, **wkw, **kw)
    out["scott_pi"] = A.scott_pi(data, **wkw, **kw)
    out["fleiss_kappa"] = A.fleiss_kappa(data, **wkw, **kw)
    out["brennan_prediger"] = A.brennan_prediger(data, **wkw, **kw)
    if wl == "identity":
        out["gwet_ac1"] = A.gwet_ac1(data, **kw)
    else:
        out["gwet_ac2"] = A.gwet_ac2(data, **wkw, **kw)
    out["krippendorff_alpha"] = A.krippendorff_alpha(data, **kw)
    plain = {k: v for k, v in kw.items() if k in ("level", "categories", "shape", "confidence",
                                                   "ci_method")}
    # the classic coefficients (issue 19) take Ratings at the table's level
    rt = as_ratings(data, level=kw.get("level"))
    conf = {"confidence": kw.get("confidence", 0.95)}
    out["light_kappa"] = A.light_kappa(rt, **conf)
    if rt.level != "nominal":
        out["kendall_w"] = A.kendall_w(rt, **conf)
        out["cronbach_alpha"] = A.cronbach_alpha(rt, **conf)
    if two:
        out["bangdiwala_b"] = A.bangdiwala_b(rt, **conf)
    if two:
        for name in ("bowker_test", "stuart_maxwell_test"):
            out[name] = getattr(A, name)(data, **{k: v for k, v in plain.items()
                                                  if k not in ("confidence", "ci_method")})
    if two_by_two:
        for name in ("pabak", "prevalence_index", "bias_index"):
            out[name] = getattr(A, name)(data, **plain)
        out["max_kappa"] = A.max_kappa(data, **{k: v for k, v in plain.items()
                                                if k != "ci_method"})
    return out


CLASSIC = ("light_kappa", "kendall_w", "cronbach_alpha", "bangdiwala_b")

CASES = [
    ("k2", simulated(300, 2), {}),
    ("k2 two categories", simulated(200, 2, q=2), {}),
    ("k3 ordinal quadratic", simulated(250, 3), {"level": "ordinal"}),
    ("k5 linear", simulated(120, 5), {"weights": "linear"}),
    ("k4 interval", simulated(150, 4), {"level": "interval"}),
]


@pytest.mark.parametrize("name,x,opts", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("boot", [{}, {"n_resamples": 150, "seed": 7},
                                  {"n_resamples": 60, "seed": 2, "bootstrap_method": "bca"}],
                         ids=["analytic", "percentile", "bca"])
def test_table_equals_each_coefficient_function(name, x, opts, boot):
    kw = {**opts, **boot}
    table = A.agreement(x, **kw)
    level = opts.get("level", "nominal")
    weights = opts.get("weights", "identity" if level == "nominal" else "quadratic")
    q = len(table.info["categories"])
    two = x.shape[1] == 2
    ref = singles(x, weights, table.info["weights"], two, two and q == 2,
                  **{k: v for k, v in kw.items() if k != "weights"})
    assert set(table) == set(ref)
    for key, est in ref.items():
        got = table[key].to_dict()
        if key in CLASSIC and boot:
            assert "not bootstrapped" in got.pop("bootstrap")["reason"]
        _same(got, est.to_dict(), key)


def test_table_and_counts_input_equal_each_function():
    t = pd.DataFrame([[20, 5, 1], [3, 30, 4], [0, 6, 15]], index=["a", "b", "c"],
                     columns=["a", "b", "c"])
    c = pd.DataFrame([[3, 0, 1], [2, 2, 0], [0, 4, 0], [1, 1, 2], [0, 0, 4]] * 6,
                     columns=["a", "b", "c"])
    for data, shape in ((t, "table"), (c, "counts")):
        table = A.agreement(data, shape=shape, n_resamples=80, seed=3)
        for key in ("percent_agreement", "scott_pi", "fleiss_kappa", "brennan_prediger",
                    "gwet_ac1", "krippendorff_alpha"):
            single = getattr(A, key)(data, shape=shape, n_resamples=80, seed=3)
            _same(table[key].to_dict(), single.to_dict(), f"{shape} {key}")


def _both_paths(fn, monkeypatch):
    monkeypatch.setattr(_stats, "COMPRESS", True)
    a = fn()
    monkeypatch.setattr(_stats, "COMPRESS", False)
    b = fn()
    return a, b


@pytest.mark.parametrize("k,n,expect", [(2, 400, "counted"), (10, 300, "hashed"),
                                        (30, 200, "unit level")])
@pytest.mark.parametrize("boot", [{}, {"n_resamples": 120, "seed": 5},
                                  {"n_resamples": 50, "seed": 1, "bootstrap_method": "bca"}],
                         ids=["analytic", "percentile", "bca"])
def test_patterns_equal_unit_level(k, n, expect, boot, monkeypatch):
    x = simulated(n, k, q=3, missing=0.3, seed=k)
    if k == 10:
        x[:, 2:] = np.where(np.isnan(x[:, 2:]), np.nan, 1.0)   # few distinct patterns
    rt = as_ratings(x, min_ratings=1)
    st = _stats.UnitStats(rt)
    if expect == "unit level":
        assert st.group is None                   # 30 raters cannot be keyed in 53 bits
    else:
        assert st.group is not None and st.G < rt.n_units
        np.testing.assert_array_equal(st.freq.sum(), rt.n_units)
        np.testing.assert_array_equal(st.weighted_sum(st.counts), rt.counts.sum(axis=0))
        np.testing.assert_array_equal(st.rater_counts, rt.rater_counts)
        np.testing.assert_array_equal(st.counts[st.group], rt.counts)
    for level in ("ordinal", "interval"):
        a, b = _both_paths(lambda lv=level: A.agreement(x, level=lv, **boot), monkeypatch)
        for key in a:
            _same(a[key].to_dict(), b[key].to_dict(), f"{level} {key}")
        if k > 2:
            a, b = _both_paths(lambda: A.cohen_kappa(x, raters=(0, 3), **boot), monkeypatch)
            _same(a.to_dict(), b.to_dict(), "cohen pair (0, 3)")


def test_patterns_of_counts_input_equal_unit_level(monkeypatch):
    c = pd.DataFrame([[3, 0, 1], [2, 2, 0], [0, 4, 0], [1, 1, 2], [0, 0, 4]] * 40,
                     columns=["a", "b", "c"])
    rt = as_ratings(c, shape="counts")
    assert unit_stats(rt).G == 5
    a, b = _both_paths(lambda: A.agreement(c, shape="counts", n_resamples=100, seed=2,
                                           bootstrap_method="bca"), monkeypatch)
    for key in a:
        _same(a[key].to_dict(), b[key].to_dict(), key)


def test_grouped_bca_jackknife_beyond_5000_units_equals_unit_level(monkeypatch):
    """More than 5,000 units: BCa's grouped jackknife (random groups of units) is the same
    with patterns as without."""
    x = simulated(6000, 2, q=3, seed=4)
    a, b = _both_paths(lambda: A.fleiss_kappa(x, n_resamples=40, seed=9,
                                              bootstrap_method="bca"), monkeypatch)
    _same(a.to_dict(), b.to_dict(), "fleiss")
    assert "grouped jackknife" in a.extra["bootstrap"]["method"]


def test_table_bootstrap_se_matches_analytic_se():
    x = simulated(10_000, 2, seed=12)
    table = A.agreement(x, n_resamples=2000, seed=3)
    checked = 0
    for key in table:
        e = table[key]
        b = e.extra.get("bootstrap")
        if b is None or not math.isfinite(e.se) or key in CLASSIC:
            continue
        assert b["se"] == pytest.approx(e.se, rel=0.08), key
        assert b["ci"][0] < e.estimate < b["ci"][1], key
        checked += 1
    assert checked == 8          # every coefficient with an analytic SE


def test_table_bootstrap_is_seeded():
    x = simulated(500, 3, seed=1)
    a = A.agreement(x, n_resamples=300, seed=4)
    b = A.agreement(x, n_resamples=300, seed=4)
    c = A.agreement(x, n_resamples=300, seed=5)
    for key in a:
        assert a[key].extra.get("bootstrap") == b[key].extra.get("bootstrap"), key
    assert a["fleiss_kappa"].extra["bootstrap"]["se"] != c["fleiss_kappa"].extra["bootstrap"]["se"]


def test_stats_are_computed_once_per_ratings():
    rt = as_ratings(simulated(100, 3), min_ratings=1)
    assert unit_stats(rt) is unit_stats(rt)
    A.agreement(rt)
    # counts family (identity), Conger, Krippendorff, ... each built once and reused
    fams = dict(unit_stats(rt)._families)
    A.agreement(rt)
    assert unit_stats(rt)._families == fams


def test_cached_stats_do_not_keep_ratings_alive():
    import gc
    import weakref

    rt = as_ratings(simulated(50, 2), min_ratings=1)
    A.agreement(rt, n_resamples=20, seed=1)
    ref = weakref.ref(rt)
    del rt
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize("k", [2, 4, 10])
def test_pattern_keys_by_blocks_equal_one_block(k, monkeypatch):
    """Keys are built by blocks of ratings and of units: blocks of 7 give the same patterns."""
    x = simulated(300, k, q=3, missing=0.3, seed=k)
    rt = as_ratings(x, min_ratings=1)
    one = _stats.UnitStats(rt)
    monkeypatch.setattr(_stats, "_BLOCK", 7)
    blocks = _stats.UnitStats(rt)
    assert one.group is not None
    np.testing.assert_array_equal(blocks.group, one.group)
    np.testing.assert_array_equal(blocks.counts, one.counts)
    np.testing.assert_array_equal(blocks.freq, one.freq)
