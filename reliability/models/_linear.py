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
