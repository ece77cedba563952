"""irrCAC's p-values and finite-population correction (N=), and benchmarking (issue 19).

References: tests/data/gwet_pvalues_irrcac.json, computed by Gwet's irrCAC 0.4.4 (Python, run
not imported: GPL) with tests/data/scripts/make_gwet_pvalues.py.
Tolerances: SEs and CIs 1e-9 (irrCAC's own values are rounded to 15 decimals and the
earlier reference files already agree to 1e-12); p-values rel 1e-7 with abs 1e-12 (irrCAC
computes 2 * (1 - t.cdf), exact to about 1e-16 absolute; it is 0.0 below that, where ours
is a tiny positive number); benchmark cumulative probabilities 5e-6 (irrCAC rounds them
to 5 decimals).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

import reliability.agreement as A
from reliability._errors import ReliabilityError
from tests.conftest import DATA, load_reference

REF = json.loads((DATA / "gwet_pvalues_irrcac.json").read_text())


def _p_close(ours, ref):
    assert ours == pytest.approx(ref, rel=1e-7, abs=1e-12), (ours, ref)


def _calls(name, shape, weights):
    """(irrCAC method, our Estimate factory) pairs for one data set and weighting."""
    path = DATA / f"{name}.csv"
    ref = load_reference(name)
    kw = {"weights": weights, "shape": ref["shape"]}
    cats = ref.get("categories")
    if name == "fleiss1971_diagnoses":
        kw["categories"] = cats          # text labels: irrCAC sorts them; so do these
    ac = A.gwet_ac1 if weights == "identity" else A.gwet_ac2
    calls = {"gwet": lambda **o: ac(path, **kw, **o),
             "bp": lambda **o: A.brennan_prediger(path, **kw, **o),
             "krippendorff": lambda **o: A.krippendorff_alpha(path, **kw, **o)}
    if shape == "table":
        calls["cohen"] = lambda **o: A.cohen_kappa(path, **kw, **o)
        calls["scott"] = lambda **o: A.scott_pi(path, **kw, **o)
    else:
        calls["fleiss"] = lambda **o: A.fleiss_kappa(path, **kw, **o)
        if shape == "wide":
            calls["conger"] = lambda **o: A.conger_kappa(path, **kw, **o)
    return calls


CASES = [(name, key) for name, entry in REF["data"].items() for key in entry["results"]]


@pytest.mark.parametrize("name,key", CASES)
def test_se_ci_p_value_with_population_size_match_irrcac(name, key):
    entry = REF["data"][name]
    weights, n_text = key.split("/N=")
    N = None if n_text == "inf" else int(n_text)
    calls = _calls(name, entry["shape"], weights)
    assert set(calls) == set(entry["results"][key])      # every irrCAC method is checked
    for method, ref in entry["results"][key].items():
        e = calls[method](population_size=N)
        assert e.estimate == pytest.approx(ref["estimate"], abs=1e-9), method
        assert e.se == pytest.approx(ref["se"], abs=1e-9), method
        assert e.ci[0] == pytest.approx(ref["ci"][0], abs=1e-9), method
        assert e.ci[1] == pytest.approx(ref["ci"][1], abs=1e-9), method
        ref_p = ref["p_value"]
        if method == "bp" and entry["shape"] != "table":
            # irrCAC 0.4.4 raw bp() is one-sided (1 - t.cdf(|t|)); every other method and
            # R irrCAC are two-sided: the two-sided value is twice it.
            ref_p = min(1.0, 2 * ref_p)
        _p_close(e.extra["p_value_t"], ref_p)
        if not math.isfinite(e.se_null):
            assert e.p_value == e.extra["p_value_t"]        # no null test: p is irrCAC's
        if N is not None:
            assert e.extra["population_size"] == N


def test_krippendorff_level_path_takes_population_size():
    """The level= (Krippendorff's metric) path applies the same correction as weights=."""
    ref = REF["data"]["krippendorff_reliability_data"]
    n = ref["n"]
    N = int(math.ceil(2 * n))
    r = ref["results"][f"identity/N={N}"]["krippendorff"]
    e = A.krippendorff_alpha(DATA / "krippendorff_reliability_data.csv", level="nominal",
                             population_size=N)
    assert e.se == pytest.approx(r["se"], abs=1e-9)
    _p_close(e.p_value, r["p_value"])


def test_agreement_table_and_cli_carry_p_values_and_population_size(capsys):
    from reliability.cli import main

    ref = REF["data"]["gwet_distrib_6raters"]
    N = int(math.ceil(2 * ref["n"]))
    r = ref["results"][f"identity/N={N}"]
    path = DATA / "gwet_distrib_6raters.csv"
    t = A.agreement(path, shape="counts", population_size=N)
    assert t.info["population_size"] == N
    assert t["gwet_ac1"].se == pytest.approx(r["gwet"]["se"], abs=1e-9)
    _p_close(t["gwet_ac1"].p_value, r["gwet"]["p_value"])
    assert main(["agree", str(path), "--shape", "counts", "--json", "--population-size",
                 str(N)]) == 0
    out = json.loads(capsys.readouterr().out)["coefficients"]
    assert out["gwet_ac1"]["se"] == pytest.approx(r["gwet"]["se"], abs=1e-9)
    _p_close(out["gwet_ac1"]["p_value"], r["gwet"]["p_value"])
    _p_close(out["krippendorff_alpha"]["p_value_t"], r["krippendorff"]["p_value"])


def test_population_smaller_than_sample_is_refused(capsys):
    from reliability.cli import main

    path = DATA / "krippendorff_reliability_data.csv"
    with pytest.raises(ReliabilityError, match="population_size=5 is smaller"):
        A.gwet_ac1(path, population_size=5)
    with pytest.raises(ReliabilityError, match="population_size"):
        A.agreement(path, population_size=5)
    with pytest.raises(ReliabilityError, match="population_size"):
        A.gwet_ac1(path, population_size=0)             # the option's own constraint
    with pytest.raises(SystemExit) as stop:
        main(["agree", str(path), "--population-size", "5"])
    assert stop.value.code == 2
    assert "population_size" in capsys.readouterr().err


# ------------------------------------------------------------------ benchmarking
@pytest.mark.parametrize("case", REF["benchmarks"], ids=lambda c: f"{c['coeff']:.3f}")
@pytest.mark.parametrize("scale", ["landis-koch", "fleiss", "altman"])
def test_probabilistic_benchmark_matches_irrcac(case, scale):
    b = A.benchmark(case["coeff"], se=case["se"], scale=scale)
    cum = [r["cumulative"] for r in b.bands]
    assert cum == pytest.approx(case[scale], abs=5e-6)
    labels = REF["benchmark_scales"][scale]
    names = next(v for k, v in labels.items() if k not in ("scale", "CumProb"))
    assert [r["band"] for r in b.bands] == [x.lower() for x in names]
    assert [[r["lower"], r["upper"]] for r in b.bands] == labels["scale"]
    # Gwet's rule: the first (highest) band whose cumulative probability reaches 0.95
    first = next(i for i, c in enumerate(case[scale]) if c >= 0.95)
    assert b.band == names[first].lower()


def test_irrcac_docstring_example():
    """irrCAC's documented example: kappa .67, SE .15 is 'Moderate' on Altman's scale."""
    case = REF["benchmarks"][0]
    assert (case["coeff"], case["se"]) == (0.67, 0.15)
    assert A.benchmark(0.67, se=0.15, scale="altman").band == "moderate"
    # deterministically .67 is 'good': the SE is what moves it down
    assert A.benchmark(0.67, scale="altman", method="deterministic").band == "good"


# The printed ranges (the definition of each scale): value -> band at the boundaries.
# Landis & Koch (1977) p. 165; Fleiss (1981) p. 218; Altman (1991) p. 404.
@pytest.mark.parametrize("scale,value,band", [
    ("landis-koch", -0.01, "poor"), ("landis-koch", 0.0, "slight"),
    ("landis-koch", 0.2, "slight"), ("landis-koch", 0.21, "fair"),
    ("landis-koch", 0.8, "substantial"), ("landis-koch", 0.81, "almost perfect"),
    ("landis-koch", 1.0, "almost perfect"), ("landis-koch", -1.0, "poor"),
    ("fleiss", 0.39, "poor"), ("fleiss", 0.4, "intermediate to good"),
    ("fleiss", 0.75, "intermediate to good"), ("fleiss", 0.76, "excellent"),
    ("altman", 0.2, "poor"), ("altman", 0.21, "fair"), ("altman", 0.6, "moderate"),
    ("altman", 0.61, "good"), ("altman", 0.81, "very good")])
def test_deterministic_bands_follow_the_printed_ranges(scale, value, band):
    assert A.benchmark(value, scale=scale, method="deterministic").band == band


def test_benchmark_of_an_estimate_and_undefined_cases(capsys):
    from reliability.cli import main

    path = DATA / "gwet_cont3x3abstractors.csv"
    e = A.cohen_kappa(path, shape="table")
    b = A.benchmark(e, scale="landis-koch")
    ref = A.benchmark(e.estimate, se=e.se, scale="landis-koch")
    assert b.to_dict() == ref.to_dict()
    frame = b.to_frame()
    assert list(frame.index) == [r["band"] for r in b.bands]
    assert frame["chosen"].sum() == 1 and frame.loc[b.band, "chosen"]
    assert A.benchmark(float("nan")).reason
    assert A.benchmark(0.5).reason                  # probabilistic needs an SE
    with pytest.raises(ReliabilityError, match="scale"):
        A.benchmark(0.5, se=0.1, scale="cicchetti")
    assert main(["agree", str(path), "--shape", "table", "--json", "--benchmark",
                 "fleiss"]) == 0
    out = json.loads(capsys.readouterr().out)["coefficients"]
    assert out["cohen_kappa"]["benchmark"] == A.benchmark(e, scale="fleiss").to_dict()
    assert "benchmark" not in out["percent_agreement"]
    assert main(["agree", str(path), "--shape", "table", "--benchmark", "altman",
                 "--benchmark-method", "deterministic"]) == 0
    assert "Altman (1991) (deterministic)" in capsys.readouterr().out


# ------------------------------------------------------------------ properties
def ratings(q=3):
    return st.integers(2, 4).flatmap(
        lambda k: arrays(np.int64, st.tuples(st.integers(4, 20), st.just(k)),
                         elements=st.integers(0, q - 1)))


@given(ratings())
def test_p_values_are_probabilities(x):
    t = A.agreement(x.astype(float), categories=[0, 1, 2])
    for name in A.BENCHMARKED:
        if name in t:
            e = t[name]
            for p in (e.p_value, e.extra.get("p_value_t", float("nan"))):
                assert math.isnan(p) or 0.0 <= p <= 1.0, (name, p)


@given(ratings(), st.floats(1.0, 50.0))
def test_fpc_se_shrinks_and_vanishes_at_a_census(x, factor):
    n = x.shape[0]
    base = A.gwet_ac1(x.astype(float), categories=[0, 1, 2])
    N = int(math.ceil(factor * n))
    small = A.gwet_ac1(x.astype(float), categories=[0, 1, 2], population_size=N)
    census = A.gwet_ac1(x.astype(float), categories=[0, 1, 2], population_size=n)
    if math.isfinite(base.se):
        assert small.se <= base.se + 1e-15
        assert small.se == pytest.approx(base.se * math.sqrt(1 - n / N), abs=1e-12)
        assert census.se == 0.0


@given(st.floats(-1, 1), st.floats(1e-3, 2.0), st.sampled_from(["landis-koch", "fleiss",
                                                                 "altman"]))
def test_benchmark_probabilities_sum_to_one(k, se, scale):
    b = A.benchmark(k, se=se, scale=scale)
    p = [r["probability"] for r in b.bands]
    assert all(-1e-15 <= v <= 1 + 1e-12 for v in p)
    assert sum(p) == pytest.approx(1.0, abs=1e-9)
    assert b.bands[-1]["cumulative"] == pytest.approx(1.0, abs=1e-9)
    assert b.band in [r["band"] for r in b.bands]
