"""Link functions, Gauss-Hermite nodes and column scaling used by the mixed-model likelihoods."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special


class Link:
    """Distribution function F with density f and its derivative f' (for cumulative links)."""

    name = ""
    latent_variance = 1.0

    def cdf(self, x): raise NotImplementedError
    def sf(self, x): raise NotImplementedError
    def pdf(self, x): raise NotImplementedError
    def dpdf(self, x): raise NotImplementedError
    def d2pdf(self, x): raise NotImplementedError


class Logit(Link):
    name = "logit"
    latent_variance = np.pi ** 2 / 3

    def cdf(self, x):
        return special.expit(x)

    def sf(self, x):
        return special.expit(-x)

    def pdf(self, x):
        p = special.expit(x)
        return p * (1.0 - p)

    def dpdf(self, x):
        p = special.expit(x)
        return p * (1.0 - p) * (1.0 - 2.0 * p)

    def parts(self, x):
        """F, 1 - F, f, f' (the hot path of the inner Newton loop).

        ``1 / (1 + e^-x)`` and ``1 / (1 + e^x)`` are each accurate to a few ulp relative in
        both tails (an overflowing exp gives the limit 0): numpy's vectorised exp makes
        the pair a third of the cost of two ``scipy.special.expit`` calls (a scalar loop).
        """
        F, S = _logistic_pair(x)
        f = F * S
        return F, S, f, f * (S - F)

    def d2pdf(self, x):
        F, S = _logistic_pair(x)
        f = F * S
        return f * (1.0 - 6.0 * f)


def _logistic_pair(x):
    """``(expit(x), expit(-x))`` from two vectorised exps (see Logit.parts)."""
    with np.errstate(over="ignore"):
        F = np.exp(-x)
        S = np.exp(x)
    F += 1.0
    S += 1.0
    np.reciprocal(F, out=F)
    np.reciprocal(S, out=S)
    return F, S


class Probit(Link):
    name = "probit"
    latent_variance = 1.0

    def cdf(self, x):
        return special.ndtr(x)

    def sf(self, x):
        return special.ndtr(-x)

    def pdf(self, x):
        with np.errstate(over="ignore"):
            return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)

    def parts(self, x):
        f = np.where(np.isfinite(x), self.pdf(x), 0.0)
        with np.errstate(invalid="ignore"):
            df = np.where(np.isfinite(x), -x * f, 0.0)
        return self.cdf(x), self.sf(x), f, df

    def dpdf(self, x):
        with np.errstate(invalid="ignore"):
            out = -x * self.pdf(x)
        return np.where(np.isfinite(x), out, 0.0)

    def d2pdf(self, x):
        with np.errstate(invalid="ignore"):
            out = (x * x - 1.0) * self.pdf(x)
        return np.where(np.isfinite(x), out, 0.0)


def get_link(name: str) -> Link:
    from reliability._errors import ReliabilityError, suggest
    links = {"logit": Logit(), "probit": Probit()}
    if name not in links:
        raise ReliabilityError(f"link {name!r} not supported{suggest(name, links)}; use 'logit' or 'probit'")
    return links[name]


@lru_cache(maxsize=32)
def hermite(n: int):
    """Gauss-Hermite nodes x_k and log(w_k) + x_k^2 (weights for integrands against exp(-x^2))."""
    x, w = np.polynomial.hermite.hermgauss(int(n))
    return x, np.log(w) + x * x


def column_scale(X):
    """RMS of each column (1 for an all-zero column): the optimisers work on X / scale so that
    a covariate on a 0-100 scale and a 0/1 dummy are equally well conditioned."""
    X = np.asarray(X, dtype=float)
    scale = np.sqrt((X ** 2).mean(axis=0)) if X.shape[1] else np.ones(0)
    scale[scale == 0] = 1.0
    return scale


def scaled_design(y, X):
    """(integer-coded y, n, p, column scale, X / scale): the arrays both likelihood engines use."""
    scale = column_scale(X)
    return np.asarray(y, dtype=np.intp), X.shape[0], X.shape[1], scale, X / scale
