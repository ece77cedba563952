"""Multiple-membership random effects ``(1 | mm(lead, member_2, member_3))``.

Each reference is computed here by a second, independent method (no stored numbers):

1. With one member per row the mm model IS the ordinary ``(1|lead)`` model, whose engines are
   checked against lme4 / ordinal elsewhere; the two fits must agree to 1e-6 (loglik, beta,
   SD): both optimisers converge to gradients below 1e-6, so their optima agree to well
   within that (observed: <= 1e-7).
2. Simulation with known truth (teams of 3, weights 0.5 / 0.25 / 0.25, 150 inspectors,
   n = 4,000, fixed seed): every estimate within 3 SE of the generating value.
3. The linear (RE)ML log-likelihood against a dense multivariate normal density on
   ``V = sigma^2 (I + gamma Z Z')`` (n = 40) to 1e-8 (both are exact; the difference is
   rounding of ~1e-12).
4. The binomial Laplace log-likelihood against a Laplace approximation written plainly here
   (scipy.optimize over v, numpy log-determinant) on a tiny data set, to 1e-6 (the inner
   optimum of the plain version is found to a gradient of ~1e-9; the error of l(v) at the
   mode is second order in it).
5. Bad input is refused with a ReliabilityError naming the column or row.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, sparse, special, stats

from reliability._errors import ReliabilityError
from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed

MM = "(1 | mm(lead, m2, m3))"


def _single_member_data(seed=1, n=600, G=40):
    rng = np.random.default_rng(seed)
    lead = rng.integers(0, G, n)
    x = rng.normal(size=n)
    u = rng.normal(0, 0.5, G)
    eta = 0.3 + 0.5 * x + u[lead]
    d = pd.DataFrame(dict(lead=lead, m2=np.nan, m3=np.nan, x=x))
    d["y"] = eta + rng.normal(size=n)
    d["b"] = (rng.random(n) < special.expit(eta)).astype(int)
    d["o"] = np.digitize(eta + rng.logistic(size=n), [-0.5, 0.5, 1.5]) + 1
    return d


@pytest.mark.parametrize("fit, y, kw", [
    (linear_mixed, "y", dict(reml=True)), (linear_mixed, "y", dict(reml=False)),
    (binomial_mixed, "b", {}), (ordinal_mixed, "o", {}), (ordinal_mixed, "o",
                                                          dict(link="probit"))])
def test_single_member_equals_ordinary_fit(fit, y, kw):
    d = _single_member_data()
    a = fit(f"{y} ~ x + {MM}", d, **kw)
    b = fit(f"{y} ~ x + (1|lead)", d, **kw)
    assert a.converged and b.converged
    assert a.loglik == pytest.approx(b.loglik, abs=1e-6)
    np.testing.assert_allclose(a.coef, b.coef, atol=1e-6)
    np.testing.assert_allclose(a.thresholds, b.thresholds, atol=1e-6)
    assert a.random[0].sd == pytest.approx(b.random[0].sd, abs=1e-6)
    assert a.random[0].loglik_reduced == pytest.approx(b.random[0].loglik_reduced, abs=1e-6)
    # the conditional modes of the same inspectors (SE of the modes to 1e-5)
    np.testing.assert_allclose(a.random[0].modes, b.random[0].modes, atol=1e-5)
    np.testing.assert_allclose(a.random[0].cond_sd, b.random[0].cond_sd, atol=1e-5)
    np.testing.assert_array_equal(a.random[0].sizes, b.random[0].sizes)
    # fixed-effect SEs: both from (finite-difference) curvatures: 1e-5
    np.testing.assert_allclose(a.se, b.se, atol=1e-5)
    if fit is not linear_mixed:
        # (the linear (1|g) engine's log_sd_se ignores sigma's uncertainty; ours does not)
        assert a.random[0].log_sd_se == pytest.approx(b.random[0].log_sd_se, abs=1e-4)


def _team_data(seed=20260, n=4000, G=150, sd=0.5):
    rng = np.random.default_rng(seed)
    team = np.argsort(rng.random((n, G)), axis=1)[:, :3]      # 3 distinct inspectors
    x = rng.normal(size=n)
    v = rng.normal(size=G)
    w = np.array([0.5, 0.25, 0.25])
    re = sd * (v[team] * w).sum(axis=1)
    d = pd.DataFrame(dict(lead=team[:, 0], m2=team[:, 1], m3=team[:, 2], x=x,
                          wl=1.0, w2=0.5, w3=0.5))     # renormalised to 0.5, 0.25, 0.25
    d["y"] = 1.0 + 0.5 * x + re + rng.normal(size=n)
    d["b"] = (rng.random(n) < special.expit(-0.5 + 0.5 * x + re)).astype(int)
    d["o"] = np.digitize(0.5 * x + re + rng.logistic(size=n), [-1.0, 0.0, 1.5]) + 1
    return d


WMM = "(1 | mm(lead, m2, m3, weights = cbind(wl, w2, w3)))"


def _within_3se(res, truth_coef, sd):
    z = (res.coef - truth_coef) / res.se
    assert np.all(np.abs(z) < 3), z
    t = res.random[0]
    assert abs(math.log(t.sd) - math.log(sd)) < 3 * t.log_sd_se, (t.sd, t.log_sd_se)


def test_simulation_linear():
    d = _team_data()
    res = linear_mixed(f"y ~ x + {WMM}", d)
    assert res.converged
    _within_3se(res, np.array([1.0, 0.5]), 0.5)
    assert abs(res.residual_sd - 1.0) < 0.05
    # sizes: total membership weight per inspector sums to n
    assert res.random[0].sizes.sum() == pytest.approx(len(d))
    assert res.random[0].n_groups == 150


def test_simulation_binomial():
    d = _team_data()
    res = binomial_mixed(f"b ~ x + {WMM}", d)
    assert res.converged
    _within_3se(res, np.array([-0.5, 0.5]), 0.5)


def test_simulation_ordinal():
    d = _team_data()
    res = ordinal_mixed(f"o ~ x + {WMM}", d)
    assert res.converged
    _within_3se(res, np.array([0.5]), 0.5)
    z = (res.thresholds - np.array([-1.0, 0.0, 1.5])) / res.threshold_se
    assert np.all(np.abs(z) < 3)


def _tiny(seed, n=40, G=8):
    rng = np.random.default_rng(seed)
    team = np.argsort(rng.random((n, G)), axis=1)[:, :3]
    d = pd.DataFrame(dict(lead=team[:, 0], m2=team[:, 1].astype(float),
                          m3=team[:, 2].astype(float), x=rng.normal(size=n),
                          wl=rng.uniform(0.5, 2, n), w2=rng.uniform(0, 1, n),
                          w3=rng.uniform(0, 1, n)))
    d.loc[::4, "m3"] = np.nan            # some teams of 2
    d.loc[::7, ["m2", "m3"]] = np.nan    # some inspections by one inspector
    # the dense weight matrix, written plainly
    W = np.zeros((n, G))
    for col, wcol in (("lead", "wl"), ("m2", "w2"), ("m3", "w3")):
        ok = d[col].notna().to_numpy()
        W[np.flatnonzero(ok), d.loc[ok, col].astype(int)] += d.loc[ok, wcol]
    W /= W.sum(axis=1, keepdims=True)
    u = rng.normal(0, 0.8, G)
    eta = 0.2 + 0.7 * d["x"].to_numpy() + W @ u
    d["y"] = eta + rng.normal(size=n)
    d["b"] = (rng.random(n) < special.expit(eta)).astype(int)
    return d, W


@pytest.mark.parametrize("reml", [False, True])
def test_linear_loglik_dense_mvn(reml):
    d, Z = _tiny(3)
    res = linear_mixed(f"y ~ x + {WMM}", d, reml=reml)
    X = np.column_stack([np.ones(len(d)), d["x"]])
    s2 = res.residual_sd ** 2
    gamma = (res.random[0].sd / res.residual_sd) ** 2
    V = s2 * (np.eye(len(d)) + gamma * Z @ Z.T)
    ll = stats.multivariate_normal(X @ res.coef, V).logpdf(d["y"])
    if reml:     # REML = ML density + p/2 log(2 pi) - log|X'V^-1 X| / 2
        ll += X.shape[1] / 2 * math.log(2 * math.pi) \
            - 0.5 * np.linalg.slogdet(X.T @ np.linalg.solve(V, X))[1]
    assert res.loglik == pytest.approx(ll, abs=1e-8)
    # and the fit is the maximum of the dense criterion: beta is its GLS estimate
    beta = np.linalg.solve(X.T @ np.linalg.solve(V, X), X.T @ np.linalg.solve(V, d["y"]))
    np.testing.assert_allclose(res.coef, beta, atol=1e-8)
    # conditional modes = BLUPs sd^2 Z'V^-1 (y - X beta); conditional variances
    # sd^2 I - sd^4 Z'V^-1 Z (beta held fixed, as lme4's condVar)
    sd2 = res.random[0].sd ** 2
    r = d["y"].to_numpy() - X @ res.coef
    np.testing.assert_allclose(res.random[0].modes, sd2 * Z.T @ np.linalg.solve(V, r),
                               atol=1e-8)
    C = sd2 * np.eye(Z.shape[1]) - sd2 ** 2 * Z.T @ np.linalg.solve(V, Z)
    np.testing.assert_allclose(res.random[0].cond_sd, np.sqrt(np.diag(C)), atol=1e-8)


def _plain_laplace(y, X, Z, beta, sd):
    """log of the Laplace approximation of the marginal likelihood, written plainly."""
    eta0 = X @ beta

    def negl(v):
        eta = eta0 + sd * Z @ v
        return -(y * eta - np.logaddexp(0, eta)).sum() + 0.5 * v @ v

    def grad(v):
        p = special.expit(eta0 + sd * Z @ v)
        return -sd * Z.T @ (y - p) + v

    opt = optimize.minimize(negl, np.zeros(Z.shape[1]), jac=grad, method="BFGS",
                            options={"gtol": 1e-10})
    p = special.expit(eta0 + sd * Z @ opt.x)
    H = sd ** 2 * Z.T @ (Z * (p * (1 - p))[:, None]) + np.eye(Z.shape[1])
    return -opt.fun - 0.5 * np.linalg.slogdet(H)[1], opt.x


def test_binomial_laplace_plain():
    from reliability.models._membership import LaplaceMembership

    d, Z = _tiny(6, n=60)      # a seed whose SD estimate is well inside (0, inf)
    res = binomial_mixed(f"b ~ x + {WMM}", d)
    sd = res.random[0].sd
    assert res.converged and sd > 0.5
    X = np.column_stack([np.ones(len(d)), d["x"]])
    y = d["b"].to_numpy()
    ll, v = _plain_laplace(y, X, Z, res.coef, sd)
    assert res.loglik == pytest.approx(ll, abs=1e-6)
    np.testing.assert_allclose(res.random[0].modes, sd * v, atol=1e-5)
    # and away from the estimate (the engine's likelihood at given parameters)
    m = LaplaceMembership(y, X[:, 1:], sparse.csr_matrix(Z), 2)
    beta, sd2 = np.array([-0.3, 1.1]), 0.7
    par = np.array([-beta[0], beta[1] * m.scale[0], sd2])
    assert m.loglik(par) == pytest.approx(_plain_laplace(y, X, Z, beta, sd2)[0], abs=1e-6)


def test_outputs(capsys, tmp_path):
    d, _ = _tiny(3)
    res = linear_mixed(f"y ~ x + {WMM}", d)
    group = "mm(lead, m2, m3, weights = cbind(wl, w2, w3))"
    assert res.random[0].group == group
    assert group in res.summary()
    json.dumps(res.to_dict())
    with pytest.raises(ReliabilityError, match="not available for the multiple-membership"):
        res.profile_ci()
    assert len(res.random_effects()) == 8
    res.to_frame()
    from reliability.plots.caterpillar import caterpillar
    import matplotlib
    matplotlib.use("Agg")
    caterpillar(res)
    from reliability.cli import main
    path = tmp_path / "d.csv"
    d.to_csv(path, index=False)
    rc = main(["model", "linear", str(path), "--formula", f"y ~ x + {WMM}", "--json"])
    assert rc in (0, None)
    out = json.loads(capsys.readouterr().out)
    assert out["random"][group]["sd"] == pytest.approx(res.random[0].sd, rel=1e-6)


def test_bad_input():
    d, _ = _tiny(3)
    bad = d.copy()
    bad.loc[5, "w2"] = -0.1
    with pytest.raises(ReliabilityError, match="'w2' row 6 is negative"):
        linear_mixed(f"y ~ x + {WMM}", bad)
    bad = d.copy()
    bad.loc[[2, 3], ["wl", "w2", "w3"]] = 0.0
    with pytest.raises(ReliabilityError, match="row 3 has all-zero weights"):
        binomial_mixed(f"b ~ x + {WMM}", bad)
    with pytest.raises(ReliabilityError, match="member_9"):
        linear_mixed("y ~ x + (1 | mm(lead, member_9))", d)
    with pytest.raises(ReliabilityError, match="2 mm\\(\\) terms"):
        linear_mixed("y ~ x + (1 | mm(lead, m2)) + (1 | mm(m3, lead))", d)
    with pytest.raises(ReliabilityError, match="other random terms"):
        linear_mixed("y ~ x + (1 | mm(lead, m2)) + (1 | m3)", d)
    with pytest.raises(ReliabilityError, match="nagq=5"):
        binomial_mixed(f"b ~ x + {MM}", d, nagq=5)
    with pytest.raises(ReliabilityError, match="must be \\(1 \\| mm"):
        linear_mixed("y ~ x + (1 + x | mm(lead, m2))", d)
    with pytest.raises(ReliabilityError, match="bare column names"):
        linear_mixed("y ~ x + (1 | mm(lead, m2.__class__))", d)
    with pytest.raises(ReliabilityError, match="weight column"):
        linear_mixed("y ~ x + (1 | mm(lead, m2, weights = cbind(wl)))", d)
    for f in ("y ~ x + (1 | mm(lead, __import__('os').system('true')))",
              "y ~ x + (1 | mm(lead, m2, weights = cbind(open('f'), wl)))",
              "y ~ x + (1 | mm(lead, m2, weights = wl))",
              "y ~ x + (1 | mm(lead, *m2))", "y ~ x + (1 || mm(lead, m2))"):
        with pytest.raises(ReliabilityError, match="mm\\("):
            linear_mixed(f, d)
    bad = d.copy()
    bad.loc[4, ["lead", "m2", "m3"]] = np.nan
    with pytest.raises(ReliabilityError, match="row 5 has no member"):
        linear_mixed(f"y ~ x + {MM}", bad)


def test_text_and_numeric_ids_are_one_set_of_levels():
    """lead as text ("3"), members as numbers with gaps (3.0, NaN): the same inspectors."""
    d, _ = _tiny(3)
    a = linear_mixed(f"y ~ x + {WMM}", d)
    t = d.copy()
    t["lead"] = t["lead"].astype(str)
    b = linear_mixed(f"y ~ x + {WMM}", t)
    assert b.random[0].n_groups == a.random[0].n_groups == 8
    assert b.loglik == pytest.approx(a.loglik, abs=1e-10)
