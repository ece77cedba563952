"""icc() options are checked at the door; a bootstrap never replaces the exact interval;
confidence_interval(level) equals a refit at that level (issue 15)."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import reliability as rl
from reliability.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("bad", [{"confidence": 1.5}, {"confidence": 95}, {"method": "ols"},
                                 {"n_resamples": 1}, {"n_resamples": -1},
                                 {"n_resamples": 10**9}, {"bootstrap": 1}, {"seed": -1},
                                 {"bootstrap_method": "basic"}, {"shape": "tall"}])
def test_bad_option_refused_before_reading(bad):
    with pytest.raises(rl.OptionError, match=next(iter(bad))):
        rl.icc("this-file-does-not-exist.csv", **bad)


def test_bootstrap_keeps_the_exact_interval():
    data = pd.read_csv(DATA / "shrout_fleiss_1979.csv")
    exact = rl.icc(data)
    boot = rl.icc(data, n_resamples=3, seed=1)
    for form in exact:
        assert boot[form].ci == exact[form].ci
        assert boot[form].extra["bootstrap"]["n_resamples"] == 3
        assert boot[form].extra["ci_method"].startswith("exact F")
        assert np.isfinite(boot[form].se)


def test_bootstrap_is_the_interval_of_a_reml_fit():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(40, 1)) + rng.normal(size=(40, 3))
    x[::7, 1] = np.nan
    r = rl.icc(x, n_resamples=50, seed=3)
    assert r.method == "reml"
    f = r["ICC2"]
    assert f.ci == tuple(f.extra["bootstrap"]["ci"])
    assert f.extra["ci_method"].startswith("bootstrap")
    with pytest.raises(rl.ReliabilityError, match="REML"):
        f.confidence_interval(0.9)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_confidence_interval_equals_refit(level):
    data = pd.read_csv(DATA / "shrout_fleiss_1979.csv")
    r, refit = rl.icc(data), rl.icc(data, confidence=level)
    for form in r:
        assert r[form].confidence_interval(level) == pytest.approx(refit[form].ci, abs=1e-12)
        assert isinstance(r[form].ci, rl._results.ConfidenceInterval)


def test_deprecated_bootstrap_alias_points_at_the_caller():
    x = np.random.default_rng(1).normal(size=(20, 3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rl.icc(x, bootstrap=20, seed=1)
    dep = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert dep and dep[0].filename == __file__


def test_cli_labels_the_intervals(capsys):
    assert main(["icc", str(DATA / "shrout_fleiss_1979.csv"), "--bootstrap", "50",
                 "--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert "exact F" in text and "boot_lower" in text and "seed 2" in text
