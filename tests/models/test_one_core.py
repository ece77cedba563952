"""One core (issue 15): each model is fitted by one engine, whichever entry point is used.

* The Gaussian variance-component engine (``reliability._reml.fit_gaussian``) behind
  ``icc(method="reml")``, ``g_study(method="reml")`` and ``linear_mixed``.
* The fixed-effects cumulative link fitter (``reliability.models._clm``) behind the pseudo-R^2
  (``reliability.validity.fit_cumulative_logit``) and the mixed models' fit without a random
  effect (``CumulativeLinkGLMM(..., codes=None)``).
* Progress status on large mixed-model fits: silent under ``progress_scope(False)``, written
  to stderr when enabled, never changing a result.
"""

from __future__ import annotations

import io
import math
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from reliability._reml import fit_gaussian, fit_reml
from reliability.gtheory import g_study
from reliability.icc import icc
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed
from reliability.models._ordinal import CumulativeLinkGLMM
from reliability.validity import fit_cumulative_logit


def _ratings(seed=5, n=80, k=6, missing=0.25):
    rng = np.random.default_rng(seed)
    u = rng.normal(0, 1.0, n)
    r = rng.normal(0, 0.5, k)
    rows = [(i, j, 3.0 + u[i] + r[j] + rng.normal(0, 0.8))
            for i in range(n) for j in range(k) if rng.random() > missing]
    d = pd.DataFrame(rows, columns=["unit", "rater", "score"])
    return d[d.groupby("unit")["unit"].transform("size") >= 2]      # icc needs 2 per unit


# -- the Gaussian engine ---------------------------------------------------------------------

def test_icc_gstudy_and_linear_mixed_give_the_same_reml_components():
    d = _ratings()
    lm = linear_mixed("score ~ 1 + (1|unit) + (1|rater)", d)
    res = icc(d.rename(columns={"score": "rating"}), method="reml")
    g = g_study(d, method="reml").components.set_index("short")["variance"]
    comp = {"unit": lm.term("unit").sd ** 2, "rater": lm.term("rater").sd ** 2,
            "residual": lm.residual_sd ** 2}
    for key, short in (("unit", "p"), ("rater", "r"), ("residual", "pr,e")):
        assert comp[key] == pytest.approx(res.components[key], abs=1e-6), key
        assert comp[key] == pytest.approx(g[short], abs=1e-6), key
    # the one-way components of icc (ICC1) are the one-term model's
    one = linear_mixed("score ~ 1 + (1|unit)", d)
    assert one.term("unit").sd ** 2 == pytest.approx(res.components["unit_oneway"], abs=1e-6)
    assert one.residual_sd ** 2 == pytest.approx(res.components["within"], abs=1e-6)
    # the LR test of the rater term is against that one-term model
    assert lm.lr_test("rater")["loglik_null"] == pytest.approx(one.loglik, abs=1e-8)


def test_fit_reml_is_the_engine_with_an_intercept():
    d = _ratings(seed=9)
    y = d["score"].to_numpy()
    codes = [d["unit"].to_numpy(), d["rater"].to_numpy()]
    old = fit_reml(y, codes, ["unit", "rater"])
    new = fit_gaussian(y, np.ones((len(y), 1)), codes, reml=True)
    assert old.loglik == pytest.approx(new.loglik, abs=1e-9)
    assert old.mean == pytest.approx(new.beta[0], abs=1e-9)
    assert [old.variances["unit"], old.variances["rater"]] == pytest.approx(
        list(new.variances), abs=1e-9)


@pytest.mark.parametrize("reml", [True, False])
def test_analytic_gradient_equals_central_differences(reml):
    """The engine's gamma-gradient (REML and ML, X with covariates) at a non-optimal point."""
    from reliability._reml import _Problem

    rng = np.random.default_rng(2)
    n = 600
    a, b, c = rng.integers(0, 15, n), rng.integers(0, 90, n), rng.integers(0, 4, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    y = X @ [1.0, 0.5, -0.3] + rng.normal(0, .5, 15)[a] + rng.normal(0, .7, 90)[b] \
        + rng.normal(size=n)
    prob = _Problem(y, X, [a, b, c], reml)
    gamma = np.array([0.3, 0.6, 0.1])
    _, g = prob.solve(np.sqrt(gamma), want_grad=True)
    h = 1e-6
    fd = []
    for j in range(3):
        gp, gm = gamma.copy(), gamma.copy()
        gp[j] += h
        gm[j] -= h
        fd.append((prob.solve(np.sqrt(gp))[0] - prob.solve(np.sqrt(gm))[0]) / (2 * h))
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5)


def test_dense_and_sparse_paths_agree(monkeypatch):
    """Large remaining systems use a sparse LU and finite-difference gradients: same fit."""
    import reliability._reml as engine

    rng = np.random.default_rng(4)
    n = 1200
    a, b = rng.integers(0, 40, n), rng.integers(0, 300, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    y = X @ [2.0, 0.4] + rng.normal(0, .6, 40)[a] + rng.normal(0, .8, 300)[b] + rng.normal(size=n)
    for reml in (True, False):
        dense = fit_gaussian(y, X, [a, b], reml=reml)
        with monkeypatch.context() as mp:
            mp.setattr(engine, "_DENSE_MAX", 0)
            sparse = fit_gaussian(y, X, [a, b], reml=reml)
        assert sparse.loglik == pytest.approx(dense.loglik, abs=1e-6)
        np.testing.assert_allclose(sparse.variances, dense.variances, rtol=1e-3)
        np.testing.assert_allclose(sparse.beta, dense.beta, atol=1e-5)
        for k in range(2):
            np.testing.assert_allclose(sparse.cond_sd[k], dense.cond_sd[k], rtol=1e-3)
            np.testing.assert_allclose(sparse.modes[k], dense.modes[k], atol=1e-3)


def test_balanced_reml_and_ml_equal_anova_with_covariate_free_design():
    """Balanced one-way data: REML = ANOVA (MSB - MSW)/n; ML = the closed-form ML."""
    rng = np.random.default_rng(8)
    G, m = 30, 5
    g = np.repeat(np.arange(G), m)
    y = rng.normal(0, 1, G)[g] + rng.normal(size=G * m)
    means = np.bincount(g, y) / m
    msb = m * np.sum((means - y.mean()) ** 2) / (G - 1)
    msw = np.sum((y - means[g]) ** 2) / (G * (m - 1))
    fit = fit_gaussian(y, np.ones((len(y), 1)), [g], reml=True)
    assert fit.variances[0] == pytest.approx((msb - msw) / m, abs=1e-10)
    assert fit.sigma ** 2 == pytest.approx(msw, abs=1e-10)
    ml = fit_gaussian(y, np.ones((len(y), 1)), [g], reml=False)
    ssb = msb * (G - 1)
    assert ml.variances[0] == pytest.approx((ssb / G - msw) / m, abs=1e-9)


# -- the fixed-effects cumulative link model --------------------------------------------------

def _ordinal_data(seed=3, n=1500, link="logit"):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    noise = rng.logistic(size=n) if link == "logit" else rng.normal(size=n)
    y = np.digitize(x @ np.array([0.6, -0.3]) + noise, [-1.5, 1.0, 2.5])
    return y, x


def test_pseudo_r2_fitter_and_the_models_null_fit_are_one_mle():
    y, x = _ordinal_data()
    params, ll, conv = fit_cumulative_logit(y, x)
    null = CumulativeLinkGLMM(y, x, None, 0, 4, link="logit")
    par, _ = null.fit()
    nat = null.natural(par)                     # thresholds, beta on the original scale
    assert conv[0]
    np.testing.assert_allclose(nat, params[0], atol=1e-8)
    # and the model's own likelihood code agrees at that MLE, with a zero gradient there
    assert null.loglik(par) == pytest.approx(ll[0], abs=1e-8)
    assert np.max(np.abs(null._grad(par))) < 1e-4


def test_probit_null_fit_matches_statsmodels():
    om = pytest.importorskip("statsmodels.miscmodels.ordinal_model",
                             reason="statsmodels OrderedModel is the peer check")
    y, x = _ordinal_data(link="probit")
    null = CumulativeLinkGLMM(y, x, None, 0, 4, link="probit")
    par, _ = null.fit()
    nat = null.natural(par)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = om.OrderedModel(y, x, distr="probit").fit(method="bfgs", disp=0, maxiter=5000)
    thresholds = ref.model.transform_threshold_params(ref.params)[1:-1]
    assert null.loglik(par) == pytest.approx(ref.llf, abs=1e-6)
    np.testing.assert_allclose(nat[:3], thresholds, atol=1e-4)
    np.testing.assert_allclose(nat[3:], ref.params[:2], atol=1e-4)


# -- progress on large fits --------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _small_data(seed=1, n=400):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 12, n), rng.integers(0, 60, n)
    eta = 0.5 * rng.normal(size=n) + rng.normal(0, .5, 12)[a] + rng.normal(0, .5, 60)[b]
    grade = 1 + np.digitize(eta + rng.logistic(size=n), [-1.0, 0.8, 2.0])
    return pd.DataFrame({"grade": grade, "bad": (grade >= 3).astype(int), "x": eta,
                         "score": eta + rng.normal(size=n), "insp": a, "school": b})


@pytest.mark.parametrize("fn,formula", [
    (linear_mixed, "score ~ x + (1|insp) + (1|school)"),
    (ordinal_mixed, "grade ~ x + (1|insp) + (1|school)"),
    (binomial_mixed, "bad ~ x + (1|insp)"),
])
def test_progress_on_large_fits(monkeypatch, fn, formula):
    pytest.importorskip("tqdm", reason="tqdm is optional")
    import reliability._progress as progress
    from reliability._progress import progress_scope

    d = _small_data()
    monkeypatch.setattr(progress, "LARGE_FIT_ROWS", 100)     # "large" = this test's 400 rows
    monkeypatch.delenv("RELIABILITY_PROGRESS", raising=False)

    def run():
        err, before = _Terminal(), sys.stderr
        monkeypatch.setattr(sys, "stderr", err)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(formula, d)
        finally:
            monkeypatch.setattr(sys, "stderr", before)
        return out, err.getvalue()

    with progress_scope(False):                              # the CLI's --json
        quiet, text_quiet = run()
    shown, text_shown = run()                                # a terminal: the bar is shown
    assert text_quiet == ""
    assert text_shown != "" and fn.__name__ in text_shown
    assert shown.loglik == quiet.loglik
    np.testing.assert_array_equal(shown.coef, quiet.coef)
    assert [t.sd for t in shown.random] == [t.sd for t in quiet.random]
    # below the size threshold nothing is shown even on a terminal
    monkeypatch.setattr(progress, "LARGE_FIT_ROWS", 10_000)
    small, text_small = run()
    assert text_small == "" and small.loglik == quiet.loglik
    assert math.isfinite(small.loglik)


def test_cli_json_never_shows_a_bar(monkeypatch, tmp_path, capsys):
    pytest.importorskip("tqdm", reason="tqdm is optional")
    import reliability._progress as progress
    from reliability.cli import main

    path = tmp_path / "d.csv"
    _small_data().to_csv(path, index=False)
    monkeypatch.setattr(progress, "LARGE_FIT_ROWS", 100)
    monkeypatch.delenv("RELIABILITY_PROGRESS", raising=False)
    texts = {}
    for flag in (["--json"], []):
        err, before = _Terminal(), sys.stderr
        monkeypatch.setattr(sys, "stderr", err)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = main(["model", "linear", str(path), "--formula",
                             "score ~ x + (1|insp) + (1|school)", *flag])
        finally:
            monkeypatch.setattr(sys, "stderr", before)
        assert code == 0
        texts[bool(flag)] = err.getvalue()
    capsys.readouterr()
    assert texts[True] == "" and "linear_mixed" in texts[False]
