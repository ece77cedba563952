"""Cumulative-link mixed model with one random intercept (Laplace / adaptive Gauss-Hermite).

Model (ordinal's clmm parametrisation, Christensen 2019): for observation i in group g,
``P(Y_i <= j | u_g) = F(theta_j - x_i'beta - u_g)``, ``u_g ~ N(0, sigma^2)``. A binary
outcome is the two-category case (intercept = -theta_1).

The marginal likelihood factorises over groups. All conditional modes are found at once by a
vectorised Newton iteration (per-group sums with ``np.bincount``); the Laplace approximation is
adaptive Gauss-Hermite quadrature (Liu & Pierce 1994; Pinheiro & Bates 1995) with one node.
Outer parameters (theta_1, log threshold gaps, beta on scaled columns, log sigma) are optimised
by BFGS on central-difference gradients of the exact (to rounding) approximate likelihood, then
polished by Newton steps on a finite-difference Hessian, which also gives the observed
information. Without a random effect (``codes=None``) ``fit`` is the batched Newton of
:mod:`reliability.models._clm`, the one fitter of the fixed-effects model. Checked against R ordinal::clmm and lme4::glmer (tests/data/inspections_synthetic).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from reliability.models._quadrature import get_link, hermite, scaled_design

_LOG2PI = math.log(2 * math.pi)


class CumulativeLinkGLMM:
    """Likelihood machinery over validated arrays.

    y : int codes 0..K-1; X : (n, p) fixed design (no intercept); codes : group index or None.
    """

    def __init__(self, y, X, codes, n_groups, K, *, link="logit", nagq=1):
        self.link = get_link(link)
        self.y, self.n, self.p, self.scale, self.Xs = scaled_design(y, X)
        self.K = K
        self.codes = None if codes is None else np.asarray(codes, dtype=np.intp)
        self.G = n_groups
        self.nagq = int(nagq)
        self.u = np.zeros(n_groups) if codes is not None else None
        self.random = codes is not None

    # -- parameters -------------------------------------------------------------------
    def unpack(self, par):
        K, p = self.K, self.p
        theta = np.cumsum(np.concatenate([par[:1], np.exp(par[1:K - 1])]))
        beta = par[K - 1:K - 1 + p]
        lsig = par[K - 1 + p] if self.random else -np.inf
        return theta, beta, lsig

    def natural(self, par):
        """(theta, beta on the original scale, log sigma)."""
        theta, beta, lsig = self.unpack(par)
        out = [theta, beta / self.scale]
        if self.random:
            out.append([lsig])
        return np.concatenate(out)

    def from_natural(self, nat):
        K, p = self.K, self.p
        theta = nat[:K - 1]
        par = [theta[:1], np.log(np.diff(theta)), nat[K - 1:K - 1 + p] * self.scale]
        if self.random:
            par.append(nat[K - 1 + p:K + p])
        return np.concatenate(par)

    # -- per-observation pieces ---------------------------------------------------------
    def _bounds(self, theta, eta):
        """Upper/lower cut points a = theta_y - eta, b = theta_{y-1} - eta (+-inf at the ends)."""
        th = np.concatenate([[-np.inf], theta, [np.inf]])
        a = th[self.y + 1][:, None] - eta
        b = th[self.y][:, None] - eta
        return a, b

    def _logp(self, a, b, derivs=False):
        Fa, Sa, fa, dfa = self.link.parts(a)
        Fb, Sb, fb, dfb = self.link.parts(b)
        # Survival functions on the right tail keep P(Y = top) accurate.
        pr = np.where(b > 0, Sb - Sa, Fa - Fb)
        pr = np.maximum(pr, 1e-300)
        lp = np.log(pr)
        if not derivs:
            return lp
        r1 = (fa - fb) / pr                  # d log p / d(theta shift); d/du = -r1
        d2 = (dfa - dfb) / pr - r1 * r1      # second derivative w.r.t. u
        return lp, -r1, d2

    # -- marginal log-likelihood ----------------------------------------------------------
    def loglik(self, par, *, modes=False):
        theta, beta, lsig = self.unpack(par)
        eta0 = self.Xs @ beta if self.p else np.zeros(self.n)
        if not self.random:
            a, b = self._bounds(theta, eta0[:, None])
            return float(self._logp(a, b).sum())
        sig2 = math.exp(2 * lsig)
        codes, G = self.codes, self.G
        u = self.u.copy()
        conv = False
        for _ in range(200):
            a, b = self._bounds(theta, (eta0 + u[codes])[:, None])
            lp, d1, d2 = self._logp(a[:, 0], b[:, 0], derivs=True)
            g = np.bincount(codes, d1, G) - u / sig2
            H = np.maximum(-np.bincount(codes, d2, G) + 1.0 / sig2, 1e-12)
            step = np.clip(g / H, -2.0, 2.0)
            if np.max(np.abs(step)) < 1e-10:
                # Converged: keep u (the mode to ~1e-10; h is flat there, so h(u) is exact to
                # ~1e-20) and reuse this pass's lp and H rather than recomputing them.
                conv = True
                break
            u = u + step
        else:
            a, b = self._bounds(theta, (eta0 + u[codes])[:, None])
            lp, d1, d2 = self._logp(a[:, 0], b[:, 0], derivs=True)
            H = np.maximum(-np.bincount(codes, d2, G) + 1.0 / sig2, 1e-12)
        self.u = u
        self.inner_converged = conv
        s = np.sqrt(2.0 / H)
        x, lw = hermite(self.nagq)
        if self.nagq == 1:
            hval = np.bincount(codes, lp, G) - u * u / (2 * sig2)
            ll = hval - 0.5 * np.log(H)     # Laplace: sqrt(2 pi / H) * exp(h) / sqrt(2 pi sig2)
        else:
            ug = u[:, None] + s[:, None] * x[None, :]          # G x Q nodes
            a, b = self._bounds(theta, eta0[:, None] + ug[codes])
            lpq = self._logp(a, b)
            Q = len(x)
            idx = (codes[:, None] * Q + np.arange(Q)[None, :]).ravel()
            hq = np.bincount(idx, lpq.ravel(), G * Q).reshape(G, Q)
            hq = hq - ug * ug / (2 * sig2) + lw[None, :]
            m = hq.max(axis=1)
            ll = m + np.log(np.exp(hq - m[:, None]).sum(axis=1)) + np.log(s) - 0.5 * _LOG2PI
        total = float(ll.sum() - G * (0.5 * math.log(sig2)))
        if modes:
            return total, u, 1.0 / np.sqrt(H)
        return total

    # -- fitting ----------------------------------------------------------------------
    def start(self):
        cum = np.cumsum(np.bincount(self.y, minlength=self.K))[:-1] / self.n
        cum = np.clip(cum, 1e-4, 1 - 1e-4)
        theta = np.log(cum / (1 - cum)) if self.link.name == "logit" else \
            special.ndtri(cum)
        theta = np.maximum.accumulate(theta + np.arange(self.K - 1) * 1e-6)
        par = [theta[:1], np.log(np.maximum(np.diff(theta), 1e-3)), np.zeros(self.p)]
        if self.random:
            par.append([math.log(0.5)])
        return np.concatenate(par)

    def _nll(self, par):
        try:
            v = -self.loglik(par)
        except FloatingPointError:
            return np.inf
        return v if np.isfinite(v) else 1e300

    def _grad(self, par, h=1e-5):
        g = np.empty_like(par)
        for j in range(len(par)):
            e = np.zeros_like(par)
            e[j] = h
            g[j] = (self._nll(par + e) - self._nll(par - e)) / (2 * h)
        return g

    def hessian_natural(self, nat, h=1e-4):
        """Finite-difference Hessian of -loglik in the natural parametrisation."""
        k = len(nat)
        f = lambda v: self._nll(self.from_natural(v))  # noqa: E731
        steps = h * np.maximum(np.abs(nat), 1.0)
        steps[self.K - 1:self.K - 1 + self.p] = h / self.scale   # beta on scaled columns
        f0 = f(nat)
        Hm = np.empty((k, k))
        fp = np.empty(k)
        fm = np.empty(k)
        for i in range(k):
            e = np.zeros(k); e[i] = steps[i]
            fp[i], fm[i] = f(nat + e), f(nat - e)
            Hm[i, i] = (fp[i] - 2 * f0 + fm[i]) / steps[i] ** 2
        for i in range(k):
            for j in range(i):
                ei = np.zeros(k); ei[i] = steps[i]
                ej = np.zeros(k); ej[j] = steps[j]
                v = (f(nat + ei + ej) - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j]
                     + f(nat - ei - ej)) / (2 * steps[i] * steps[j])
                Hm[i, j] = Hm[j, i] = v
        return Hm

    def fit(self, start=None):
        if not self.random:
            return self._fit_fixed()
        par = self.start() if start is None else np.asarray(start, float)
        res = optimize.minimize(self._nll, par, jac=self._grad, method="BFGS",
                                options={"gtol": 1e-4, "maxiter": 500})
        par = res.x
        # Newton polishing in the optimiser's parametrisation on an FD Hessian.
        Hs = None
        for _ in range(3):
            g = self._grad(par)
            if np.max(np.abs(g)) < 1e-4:   # BFGS's gtol already met: no polishing needed
                break
            Hs = _fd_hess(self._grad, par)
            try:
                step = np.linalg.solve(Hs, g)
            except np.linalg.LinAlgError:
                break
            cand = par - step
            if self._nll(cand) <= self._nll(par) + 1e-9:
                par = cand
            else:
                break
        g = self._grad(par)
        self.opt_result = res
        self.par = par
        return par, g

    def _fit_fixed(self):
        """No random effect: the batched Newton fitter of :mod:`reliability.models._clm`
        (the one implementation of the fixed-effects cumulative link model), on the scaled
        columns, returned in this class's parametrisation."""
        from reliability.models._clm import fit_cumulative_link

        params, _, conv = fit_cumulative_link(self.y, self.Xs, link=self.link.name,
                                              n_categories=self.K)
        K = self.K
        theta = params[0, :K - 1]
        par = np.concatenate([theta[:1], np.log(np.maximum(np.diff(theta), 1e-12)),
                              params[0, K - 1:]])
        self.opt_result = None
        self.fixed_converged = bool(conv[0])
        self.par = par
        return par, self._grad(par)


def _fd_hess(grad, par, h=1e-4):
    k = len(par)
    H = np.empty((k, k))
    for j in range(k):
        e = np.zeros(k); e[j] = h
        H[:, j] = (grad(par + e) - grad(par - e)) / (2 * h)
    return 0.5 * (H + H.T)
