"""Random slopes: q correlated random effects per group of ONE grouping factor.

Model (lme4's parametrisation, Bates, Maechler, Bolker & Walker 2015, *J. Stat. Softw.*
67(1), sections 2.2 and 3): the random part of observation i in group g is ``z_i' b_g`` with
``z_i`` the q columns of the random term (``1`` and ``phase`` for ``(1 + phase | g)``) and
``b_g = Lambda u_g``, ``u_g ~ N(0, I_q)``; ``Lambda`` is lower triangular within each
covariance block and zero between blocks (``(1 | g) + (0 + phase | g)`` and
``(1 + phase || g)``: two 1 x 1 blocks, i.e. uncorrelated effects). For the linear model
``Var(b_g) = sigma^2 Lambda Lambda'`` (Lambda relative to the residual SD), for the GLMMs
``Var(b_g) = Lambda Lambda'``. The free elements of Lambda, in lme4's order (lower triangle
column by column within each block), are ``theta``.

Because the groups are independent, every matrix that the lme4 algorithms factorise is block
diagonal with one q x q block per group. All groups are handled at once as stacked
``(G, q, q)`` arrays (numpy's batched ``cholesky``/``solve`` and ``einsum``); per-group sums
over observations are one sparse product.

* :class:`LinearSlopes`: the profiled REML/ML criterion (Bates et al. 2015, eqs. 34 and 41)
  in closed form per group by the Woodbury identity: with ``M_g = Lambda' Z_g'Z_g Lambda + I``,
  ``(I + Z_g Lambda Lambda' Z_g')^-1 = I - Z_g Lambda M_g^-1 Lambda' Z_g'`` and
  ``log|I + Z_g Lambda Lambda' Z_g'| = log|M_g|``.
* :class:`LaplaceSlopes`: cumulative-link (ordinal) and binomial models by the Laplace
  approximation ``l = sum_g [h_g(u^_g) - log|H_g| / 2]``, ``h_g(u) = sum_i log p_i - |u|^2/2``,
  ``H_g = Lambda' Z_g' W_g Z_g Lambda + I`` at the conditional mode ``u^_g`` (batched Newton
  with per-group step halving). Adaptive quadrature is not offered for vector random effects
  (as in glmer).

Checked against R lme4 (glmer Laplace, lmer REML/ML) and glmmTMB on
``tests/data/slopes_synthetic.csv``, and against a plain per-group Laplace written in the
tests (``tests/models/test_slopes.py``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, sparse

from reliability.models._quadrature import column_scale, get_link, scaled_design

_LOG2PI = math.log(2 * math.pi)
_NEWTON_TOL = 1e-10


class CovStructure:
    """Block lower-triangular relative factor Lambda of q effects (lme4's theta order).

    ``blocks``: lists of effect indices; effects in one block are correlated.
    """

    def __init__(self, q, blocks):
        self.q = int(q)
        self.blocks = [list(map(int, b)) for b in blocks]
        rows, cols = [], []
        for b in self.blocks:
            for a, j in enumerate(b):
                for i in b[a:]:
                    rows.append(i)
                    cols.append(j)
        self.rows, self.cols = np.array(rows, dtype=int), np.array(cols, dtype=int)
        self.n_theta = len(rows)
        #: estimated correlations: (i, j) pairs with i > j in the same block
        self.pairs = [(i, j) for b in self.blocks for a, j in enumerate(b) for i in b[a + 1:]]

    @property
    def correlated(self):
        C = np.zeros((self.q, self.q), dtype=bool)
        for i, j in self.pairs:
            C[i, j] = C[j, i] = True
        return C

    def lam(self, theta):
        L = np.zeros((self.q, self.q))
        L[self.rows, self.cols] = theta
        return L

    def canonical(self, theta):
        """The same Lambda Lambda' with a non-negative diagonal (flip column signs)."""
        L = self.lam(theta)
        s = np.where(np.diag(L) < 0, -1.0, 1.0)
        return (L * s[None, :])[self.rows, self.cols], s

    def theta_from_cov(self, S):
        """theta of the (block) Cholesky factor of a positive definite S."""
        L = np.zeros((self.q, self.q))
        for b in self.blocks:
            L[np.ix_(b, b)] = np.linalg.cholesky(S[np.ix_(b, b)])
        return L[self.rows, self.cols]

    def natural(self, S):
        """(log SD of each effect, atanh of each estimated correlation)."""
        sd = np.sqrt(np.diag(S))
        rho = [S[i, j] / (sd[i] * sd[j]) for i, j in self.pairs]
        with np.errstate(divide="ignore"):
            return np.concatenate([np.log(sd), np.arctanh(np.clip(rho, -1, 1))])

    def cov_from_natural(self, nu):
        sd = np.exp(nu[:self.q])
        R = np.eye(self.q)
        for k, (i, j) in enumerate(self.pairs):
            R[i, j] = R[j, i] = math.tanh(nu[self.q + k])
        return sd[:, None] * R * sd[None, :]

    def singular(self, theta, tol=1e-4):
        """True when Lambda Lambda' is (numerically) singular: an SD at 0 or |rho| = 1."""
        L = self.lam(theta)
        norms = np.sqrt((L ** 2).sum(axis=1))
        return bool(np.any(norms == 0) or np.any(np.abs(np.diag(L)) < tol * norms))

    def start(self, scale=1.0):
        theta = np.zeros(self.n_theta)
        theta[self.rows == self.cols] = scale
        return theta


def _group_matrix(codes, G):
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (np.asarray(codes, dtype=np.intp), np.arange(n))),
                             shape=(G, n))


def _outer_rows(A):
    """(n, q*q) array of the outer products a_i a_i' of the rows of A."""
    n, q = A.shape
    return (A[:, :, None] * A[:, None, :]).reshape(n, q * q)


def _logdet_chol(M):
    """log|M_g| of a stack of SPD matrices (batched Cholesky)."""
    C = np.linalg.cholesky(M)
    return 2.0 * np.log(np.diagonal(C, axis1=1, axis2=2)).sum(axis=1)


def _fd_hessian(f, x, steps):
    """Central second differences of a scalar function."""
    k = len(x)
    f0 = f(x)
    H = np.empty((k, k))
    fp, fm = np.empty(k), np.empty(k)
    for i in range(k):
        e = np.zeros(k)
        e[i] = steps[i]
        fp[i], fm[i] = f(x + e), f(x - e)
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / steps[i] ** 2
    for i in range(k):
        for j in range(i):
            ei = np.zeros(k)
            ei[i] = steps[i]
            ej = np.zeros(k)
            ej[j] = steps[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j]
                                 + f(x - ei - ej)) / (2 * steps[i] * steps[j])
    return H


def _fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _minimise(f, x0, h=1e-6, polish=3):
    """BFGS on central-difference gradients, then Newton steps on a finite-difference Hessian."""
    res = optimize.minimize(f, x0, jac=lambda x: _fd_grad(f, x, h), method="BFGS",
                            options={"gtol": 1e-6, "maxiter": 1000})
    x = res.x
    for _ in range(polish):
        g = _fd_grad(f, x, h)
        if np.max(np.abs(g)) < 1e-7:
            break
        H = _fd_hessian(f, x, np.full(len(x), 1e-4))
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or f(x - step) > f(x) + 1e-10:
            break
        x = x - step
    return x, _fd_grad(f, x, h)


# -- linear model -------------------------------------------------------------------------

class LinearSlopes:
    """Profiled REML/ML criterion of ``y = X beta + Z_g b_g + e`` over theta.

    y : (n,) ; X : (n, p) with the intercept column ; Z : (n, q) random-effect columns ;
    codes : group index ; struct : :class:`CovStructure`.
    """

    def __init__(self, y, X, Z, codes, G, struct, *, reml=True):
        self.y = np.asarray(y, float)
        self.X = np.asarray(X, float)
        self.zscale = column_scale(Z)
        Zs = np.asarray(Z, float) / self.zscale
        self.codes, self.G, self.struct, self.reml = np.asarray(codes, np.intp), G, struct, reml
        self.n, self.p = self.X.shape
        self.q = Zs.shape[1]
        S = _group_matrix(self.codes, G)
        q, p = self.q, self.p
        self.ZtZ = (S @ _outer_rows(Zs)).reshape(G, q, q)
        self.ZtX = (S @ (Zs[:, :, None] * self.X[:, None, :]).reshape(self.n, q * p)
                    ).reshape(G, q, p)
        self.Zty = S @ (Zs * self.y[:, None])
        self.XtX = self.X.T @ self.X
        self.Xty = self.X.T @ self.y
        self.yty = float(self.y @ self.y)
        self.df = self.n - self.p if reml else self.n

    def parts(self, theta):
        L = self.struct.lam(theta)
        M = np.einsum("ji,gjk,kl->gil", L, self.ZtZ, L) + np.eye(self.q)
        c = np.einsum("ji,gjp->gip", L, self.ZtX)
        d = np.einsum("ji,gj->gi", L, self.Zty)
        Mc = np.linalg.solve(M, c)
        Md = np.linalg.solve(M, d[..., None])[..., 0]
        XVX = self.XtX - np.einsum("gip,gir->pr", c, Mc)
        XVy = self.Xty - np.einsum("gip,gi->p", c, Md)
        yVy = self.yty - float(np.einsum("gi,gi->", d, Md))
        beta = np.linalg.solve(XVX, XVy)
        r2 = yVy - float(beta @ XVy)
        ldM = float(_logdet_chol(M).sum())
        ldX = float(np.linalg.slogdet(XVX)[1]) if self.reml else 0.0
        return dict(L=L, M=M, Mc=Mc, Md=Md, XVX=XVX, beta=beta, r2=r2, ldM=ldM, ldX=ldX)

    def deviance(self, theta):
        """Profiled -2 (RE)ML log-likelihood (beta and sigma^2 profiled out)."""
        try:
            P = self.parts(theta)
        except np.linalg.LinAlgError:
            return 1e300
        if not P["r2"] > 0:
            return 1e300
        return P["ldM"] + P["ldX"] + self.df * (1.0 + _LOG2PI + math.log(P["r2"] / self.df))

    def deviance_full(self, theta, log_sigma):
        """-2 (RE)ML log-likelihood at theta and sigma (beta profiled out)."""
        P = self.parts(theta)
        s2 = math.exp(2 * log_sigma)
        return P["ldM"] + P["ldX"] + P["r2"] / s2 + self.df * (_LOG2PI + math.log(s2))

    def fit(self, start=None):
        theta0 = self.struct.start(1.0) if start is None else np.asarray(start, float)
        theta, grad = _minimise(self.deviance, theta0)
        theta, _ = self.struct.canonical(theta)
        P = self.parts(theta)
        sigma = math.sqrt(P["r2"] / self.df)
        D = 1.0 / self.zscale
        Srel = P["L"] @ P["L"].T
        cov = sigma ** 2 * D[:, None] * Srel * D[None, :]
        # conditional modes b_g = Lambda M_g^-1 (d_g - c_g beta);
        # condVar sigma^2 Lambda M^-1 Lambda'
        u = P["Md"] - np.einsum("gip,p->gi", P["Mc"], P["beta"])
        modes = (u @ P["L"].T) * D[None, :]
        Minv = np.linalg.inv(P["M"])
        ccov = sigma ** 2 * np.einsum("ij,gjk,lk->gil", P["L"], Minv, P["L"])
        ccov = ccov * D[None, :, None] * D[None, None, :]
        vcov = sigma ** 2 * np.linalg.inv(P["XVX"])
        dev = self.deviance(theta)
        singular = self.struct.singular(theta)
        nat_se, nat_ok = self._natural_se(theta, sigma, cov, singular)
        return dict(theta=theta, loglik=-0.5 * dev, beta=P["beta"], vcov=vcov, sigma=sigma,
                    cov=cov, modes=modes, cond_cov=ccov, grad=float(np.max(np.abs(grad)))
                    if len(grad) else 0.0, singular=singular, nat_se=nat_se, nat_ok=nat_ok)

    def _natural_se(self, theta, sigma, cov, singular):
        """SEs of (log SDs, atanh correlations) from the curvature of the (RE)ML criterion
        in (those, log sigma), beta profiled out (the profile curvature is exact for them)."""
        k = self.struct.n_theta
        if singular:
            return np.full(k, np.nan), False
        st = self.struct
        Dz = self.zscale

        def f(nu):
            S = st.cov_from_natural(nu[:k])
            ls = nu[k]
            Srel = Dz[:, None] * S * Dz[None, :] / math.exp(2 * ls)
            try:
                th = st.theta_from_cov(Srel)
                return 0.5 * self.deviance_full(th, ls)
            except np.linalg.LinAlgError:
                return np.nan
        nu = np.concatenate([st.natural(cov), [math.log(sigma)]])
        # steps of 1e-3: the criterion is ~1e4 in size, so with 1e-4 its rounding (~1e-12
        # relative) swamps the curvature of a nearly flat direction (a correlation near
        # +-1) and a positive-definite optimum looked indefinite
        H = _fd_hessian(f, nu, np.full(k + 1, 1e-3))
        try:
            ok = bool(np.all(np.isfinite(H)) and np.linalg.eigvalsh(H).min() > 0)
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            return np.full(k, np.nan), False
        return np.sqrt(np.diag(np.linalg.inv(H)))[:k], True


# -- cumulative-link / binomial GLMM ---------------------------------------------------------

def _obs(link, y, theta, eta):
    """log P(Y = y | eta) and its first derivative and negative second derivative in eta."""
    th = np.concatenate([[-np.inf], theta, [np.inf]])
    a = th[y + 1] - eta
    b = th[y] - eta
    Fa, Sa, fa, dfa = link.parts(a)
    Fb, Sb, fb, dfb = link.parts(b)
    P = np.maximum(np.where(b > 0, Sb - Sa, Fa - Fb), 1e-300)
    la, lb = fa / P, -fb / P
    d1 = -(la + lb)
    laa = dfa / P - la * la
    lbb = -dfb / P - lb * lb
    w = np.maximum(-(laa - 2 * la * lb + lbb), 0.0)
    return np.log(P), d1, w


class LaplaceSlopes:
    """Laplace likelihood of ``P(Y_i <= j | b) = F(theta_j - x_i'beta - z_i'b_g)``.

    y : int codes 0..K-1 ; X : (n, p) fixed design without intercept ; Z : (n, q) ;
    codes, G : groups ; struct : :class:`CovStructure`. Optimiser parameters:
    (theta_1, log threshold gaps, beta on RMS-scaled X columns, theta of Lambda on RMS-scaled
    Z columns, signed diagonal: the likelihood depends on Lambda Lambda' only).
    """

    def __init__(self, y, X, Z, codes, G, K, struct, *, link="logit"):
        self.link = get_link(link)
        self.y, self.n, self.p, self.scale, self.Xs = scaled_design(y, X)
        self.zscale = column_scale(Z)
        self.Zs = np.asarray(Z, float) / self.zscale
        self.codes = np.asarray(codes, np.intp)
        self.G, self.K, self.struct = G, K, struct
        self.q = self.Zs.shape[1]
        self.S = _group_matrix(self.codes, G)
        self.U = np.zeros((G, self.q))
        self.inner_converged = True

    def unpack(self, par):
        K1, p = self.K - 1, self.p
        th = np.cumsum(np.concatenate([par[:1], np.exp(par[1:K1])]))
        return th, par[K1:K1 + p], par[K1 + p:]

    def _mode(self, th, beta, lam):
        L = self.struct.lam(lam)
        eta0 = self.Xs @ beta if self.p else np.zeros(self.n)
        ZL = self.Zs @ L
        ZLZL = _outer_rows(ZL)
        codes, G, q, S = self.codes, self.G, self.q, self.S
        eye = np.eye(q)

        def state(U):
            eta = eta0 + np.einsum("ij,ij->i", ZL, U[codes])
            lp, d1, w = _obs(self.link, self.y, th, eta)
            return lp, d1, w, S @ lp - 0.5 * (U * U).sum(axis=1)

        U = self.U.copy()
        lp, d1, w, h = state(U)
        conv = False
        for _ in range(100):
            g = S @ (d1[:, None] * ZL) - U
            H = (S @ (w[:, None] * ZLZL)).reshape(G, q, q) + eye
            step = np.linalg.solve(H, g[..., None])[..., 0]
            if np.max(np.abs(step)) < _NEWTON_TOL:
                conv = True
                break
            t = np.ones(G)
            new = state(U + step)
            for _ in range(40):       # step halving in the groups whose h went down
                bad = new[3] < h - 1e-12 * np.abs(h)
                if not bad.any():
                    break
                t[bad] *= 0.5
                new = state(U + t[:, None] * step)
            U = U + t[:, None] * step
            lp, d1, w, h = new
        self.U = U
        self.inner_converged = conv
        return U, h, H, L

    def loglik(self, par, *, modes=False):
        th, beta, lam = self.unpack(par)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            U, h, H, L = self._mode(th, beta, lam)
            ll = float(h.sum() - 0.5 * _logdet_chol(H).sum())
        if not modes:
            return ll
        D = 1.0 / self.zscale
        b = (U @ L.T) * D[None, :]
        ccov = np.einsum("ij,gjk,lk->gil", L, np.linalg.inv(H), L)
        return ll, b, ccov * D[None, :, None] * D[None, None, :]

    def _nll(self, par):
        try:
            v = -self.loglik(par)
        except (np.linalg.LinAlgError, FloatingPointError):
            return 1e300
        return v if np.isfinite(v) else 1e300

    # natural parameters: (thresholds, beta on the original scale, log SDs, atanh rho)
    def cov(self, lam):
        L = self.struct.lam(lam)
        D = 1.0 / self.zscale
        return D[:, None] * (L @ L.T) * D[None, :]

    def natural(self, par):
        th, beta, lam = self.unpack(par)
        return np.concatenate([th, beta / self.scale, self.struct.natural(self.cov(lam))])

    def from_natural(self, nat):
        K1, p = self.K - 1, self.p
        th = nat[:K1]
        S = self.struct.cov_from_natural(nat[K1 + p:])
        Ss = self.zscale[:, None] * S * self.zscale[None, :]
        return np.concatenate([th[:1], np.log(np.diff(th)), nat[K1:K1 + p] * self.scale,
                               self.struct.theta_from_cov(Ss)])

    def fit(self, start):
        par, grad = _minimise(self._nll, np.asarray(start, float), h=1e-5)
        K1, p = self.K - 1, self.p
        lam, _ = self.struct.canonical(par[K1 + p:])
        par = np.concatenate([par[:K1 + p], lam])
        self.par = par
        return par, grad

    def information(self, par, singular):
        """Observed information in the natural parameters (finite differences of -loglik);
        with a singular covariance only (thresholds, beta), the covariance held fixed."""
        K1, p = self.K - 1, self.p
        nat = self.natural(par)
        steps = 1e-4 * np.maximum(np.abs(nat), 1.0)
        steps[K1:K1 + p] = 1e-4 / self.scale
        if singular:
            lam = par[K1 + p:]

            def f(x):
                return self._nll(np.concatenate([x[:1], np.log(np.maximum(np.diff(x[:K1]),
                                                                          1e-300)),
                                                 x[K1:] * self.scale, lam]))
            k = K1 + p
            return _fd_hessian(f, nat[:k], steps[:k])
        return _fd_hessian(lambda x: self._nll(self.from_natural(x)), nat, steps)
