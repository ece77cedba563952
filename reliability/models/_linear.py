"""Linear mixed model with one random intercept, REML or ML (profiled, closed form per group).

With ``V_g = sigma^2 (I + gamma 11')`` the inverse is ``(I - c_g 11') / sigma^2`` with
``c_g = gamma / (1 + n_g gamma)``, so every quantity needs only per-group sums
(``np.bincount``). beta and sigma^2 are profiled out and the (RE)ML criterion is minimised
over log gamma (Bates et al. 2015, lme4 JSS, section 3.4 for the profiled criteria).
Checked against lme4::lmer (REML and ML) on tests/data/inspections_synthetic.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

_LOG2PI = math.log(2 * math.pi)


def _group_sums(M, codes, G):
    if M.ndim == 1:
        return np.bincount(codes, M, G)
    return np.stack([np.bincount(codes, M[:, j], G) for j in range(M.shape[1])], axis=1)


class LinearRI:
    def __init__(self, y, X, codes, G, *, reml=True):
        self.y, self.X, self.codes, self.G, self.reml = y.astype(float), X, codes, G, reml
        self.n, self.p = X.shape
        self.ng = np.bincount(codes, minlength=G).astype(float)
        self.Sx = _group_sums(X, codes, G)
        self.Sy = _group_sums(self.y, codes, G)
        self.XtX = X.T @ X
        self.Xty = X.T @ self.y
        self.yty = float(self.y @ self.y)

    def profile(self, lgam):
        gam = math.exp(lgam)
        c = gam / (1 + self.ng * gam)
        A = self.XtX - (self.Sx * c[:, None]).T @ self.Sx
        b = self.Xty - (self.Sx * c[:, None]).T @ self.Sy
        beta = np.linalg.solve(A, b)
        # r'Wr with r = y - X beta, W = I - blockdiag(c 11')
        rtr = self.yty - 2 * beta @ self.Xty + beta @ self.XtX @ beta
        sr = self.Sy - self.Sx @ beta
        q = rtr - float((c * sr * sr).sum())
        df = self.n - self.p if self.reml else self.n
        s2 = q / df
        ldv = float(np.log1p(self.ng * gam).sum())
        crit = df * (_LOG2PI + math.log(s2)) + ldv + df
        if self.reml:
            crit += np.linalg.slogdet(A)[1]
        return crit, beta, s2, A, c, sr

    def fit(self):
        f = lambda t: self.profile(t)[0]  # noqa: E731
        res = optimize.minimize_scalar(f, bounds=(-25, 10), method="bounded",
                                       options={"xatol": 1e-10})
        lg = float(res.x)
        crit, beta, s2, A, c, sr = self.profile(lg)
        h = 1e-4
        d1 = (f(lg + h) - f(lg - h)) / (2 * h)
        d2 = (f(lg + h) - 2 * crit + f(lg - h)) / h ** 2
        gam = math.exp(lg)
        vcov = s2 * np.linalg.inv(A)
        modes = c * sr                      # gamma/(1+n gamma) * group residual sum
        condsd = np.sqrt(s2 * c)
        return dict(loglik=-0.5 * crit, beta=beta, vcov=vcov, sigma=math.sqrt(s2),
                    re_sd=math.sqrt(gam * s2), lgam=lg, grad=d1 * -0.5, curv=d2,
                    modes=modes, condsd=condsd, boundary=lg <= -24.9)


def lm_loglik(y, X, *, reml):
    """Log-likelihood (ML or REML) of the ordinary linear model, for the LR test."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = float(((y - X @ beta) ** 2).sum())
    if not reml:
        return -0.5 * n * (_LOG2PI + math.log(rss / n) + 1)
    df = n - p
    return -0.5 * (df * (_LOG2PI + math.log(rss / df)) + df + np.linalg.slogdet(X.T @ X)[1])


class LinearCrossed:
    """Linear mixed model with several random intercepts (crossed or nested), REML or ML.

    lme4's profiled criterion (Bates et al. 2015, eqs. 34 and 41) over the relative scales
    ``lambda_k = sigma_k / sigma`` (searched over signed lambda, the criterion being even in
    each; a component can be estimated as exactly 0, a singular fit):
    ``H = Lambda Z'Z Lambda + I`` is factorised by :mod:`reliability.models._blocks` (the
    factor with most levels absorbed exactly), beta and sigma^2 are profiled out. For one
    factor it reduces to :class:`LinearRI` (a test checks they agree).
    """

    def __init__(self, y, X, codes, sizes, *, reml=True):
        from reliability.models._blocks import RandomBlocks

        self.y, self.X, self.reml = np.asarray(y, float), X, reml
        self.n, self.p = X.shape
        self.B = RandomBlocks(codes, sizes)
        self.ZtX = self.B.group_sums(X)
        self.Zty = self.B.group_sums(self.y)
        self.XtX = X.T @ X
        self.Xty = X.T @ self.y
        self.ones = np.ones(self.n)

    def profile(self, lam):
        B = self.B
        F = B.factorize(self.ones, lam)
        lamf = B.lam_full(lam)
        LZX = lamf[:, None] * self.ZtX
        LZy = lamf * self.Zty
        HiZX = F.solve(LZX)
        HiZy = F.solve(LZy)
        RX = self.XtX - LZX.T @ HiZX
        beta = np.linalg.solve(RX, self.Xty - LZX.T @ HiZy)
        v = HiZy - HiZX @ beta
        r0 = self.y - self.X @ beta
        # ||y - X beta - Z Lambda v||^2 + ||v||^2 = ||r0||^2 - v' Lambda Z' r0 at the solution
        pwrss = float(r0 @ r0 - v @ (LZy - LZX @ beta))
        df = self.n - self.p if self.reml else self.n
        crit = F.logdet + df * (1 + _LOG2PI + math.log(pwrss / df))
        if self.reml:
            crit += np.linalg.slogdet(RX)[1]
        return crit, dict(F=F, beta=beta, v=v, RX=RX, s2=pwrss / df, lamf=lamf)

    def fit(self, start=None):
        m = self.B.m
        f = lambda lam: self.profile(np.abs(lam))[0]  # noqa: E731
        x0 = np.full(m, 0.5) if start is None else np.asarray(start, float)
        # The criterion is even in each lambda, so searching over unconstrained lambda (and
        # reporting |lambda|) is a smooth problem with no bound to stall on; a component
        # whose optimum is 0 is approached at a quadratic rate (a singular fit, as lme4).
        res = optimize.minimize(f, x0, method="BFGS", jac="3-point",
                                options={"gtol": 1e-8, "maxiter": 1000})
        lam = np.abs(res.x)
        lam[lam < 1e-6 * max(1.0, lam.max())] = 0.0
        crit = self.profile(lam)[0]
        # report the boundary (a singular fit, as lme4) when lambda = 0 is as good
        for k in np.flatnonzero((lam > 0) & (lam < 0.05)):
            cand = lam.copy()
            cand[k] = 0.0
            crit_c = self.profile(cand)[0]
            if crit_c <= crit + 2e-7:
                lam, crit = cand, crit_c
        free = lam > 0
        crit, st = self.profile(lam)
        # gradient / curvature in log lambda of the free components (central differences)
        h = 1e-4
        idx = np.flatnonzero(free)
        k = len(idx)
        grad = np.zeros(k)
        Hm = np.zeros((k, k))

        def crit_at(dlog):
            l2 = lam.copy()
            l2[idx] = lam[idx] * np.exp(dlog)
            return self.profile(l2)[0]

        for i in range(k):
            e = np.zeros(k); e[i] = h
            fp, fm = crit_at(e), crit_at(-e)
            grad[i] = (fp - fm) / (2 * h)
            Hm[i, i] = (fp - 2 * crit + fm) / h ** 2
            for j in range(i):
                ej = np.zeros(k); ej[j] = h
                Hm[i, j] = Hm[j, i] = (crit_at(e + ej) - crit_at(e - ej) - crit_at(-e + ej)
                                       + crit_at(-e - ej)) / (4 * h * h)
        s2 = st["s2"]
        sigma = math.sqrt(s2)
        diag = st["F"].selected_inverse()[0]
        lamf = st["lamf"]
        return dict(loglik=-0.5 * crit, beta=st["beta"], vcov=s2 * np.linalg.inv(st["RX"]),
                    sigma=sigma, re_sd=lam * sigma, lam=lam, free=free, grad=grad, hess=Hm,
                    modes=lamf * st["v"], condsd=sigma * lamf * np.sqrt(diag))
