"""REML variance components for crossed and nested random factors (shared engine).

Model
-----
``y = mu + sum_j Z_j u_j + e`` with ``u_j ~ N(0, sigma2_j I)`` for each random factor ``j``
(an integer-coded grouping of the observations: unit, rater, unit x occasion, ...) and
``e ~ N(0, sigma2_e I)``; the only fixed effect is the grand mean. The variance components
are estimated by restricted maximum likelihood (Patterson & Thompson 1971) with the
residual variance profiled out and each factor's variance parametrised relative to it,
``gamma_j = sigma2_j / sigma2_e >= 0`` (the relative-covariance form of Bates et al.
2015, *J. Stat. Softw.* 67(1), section 3, where ``theta_j = sqrt(gamma_j)``).

Why it is fast
--------------
The mixed-model equations are written in the spherical form
``M = [[L'Z'ZL + I, L'Z'X], [X'ZL, X'X]]`` (``L = diag(theta)``). The factor with most
levels (usually the units) has a *diagonal* block in ``M``, so it is absorbed exactly
(Schur complement, the "absorption" of Henderson 1984, ch. 4): what remains is a
``m x m`` system over the other factors plus the intercept. For an ICC with ``k`` raters
``m = k + 1``, so one likelihood evaluation costs O(number of ratings) whatever the number
of units (1e5 and more). The REML deviance is ``(N - 1) log r + log|M|`` with
``r`` the penalised residual sum of squares, and its gradient is analytic:

``d dev / d gamma_j = (q_j - tr(M^-1)_jj) / gamma_j - (N - 1) ||Z_j' e||^2 / r``

(``q_j`` levels, ``e = P y`` the conditional residuals). The optimum is found by
L-BFGS-B on ``gamma >= 0`` (so a component can be exactly 0, as REML with
non-negativity requires; on the boundary the derivative is a one-sided difference) and
then polished by Newton steps on the interior components, so that on balanced complete
data the estimates equal the ANOVA (expected mean squares) estimates to about 1e-12
whenever those are positive (Searle, Casella & McCulloch 1992, section 6.7:
balanced-data REML = ANOVA estimates when non-negative). Checked against
statsmodels ``MixedLM`` (crossed variance components) on unbalanced data.

When the remaining system is large (``m > 500``: many raters, or many persons in a
two-facet G study with a larger interaction absorbed) it is factorised with a sparse LU
and the gradient is taken by finite differences; the result then carries a looser
optimisation tolerance (stated in ``RemlFit.message``).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import optimize
from scipy.sparse.linalg import splu

from reliability._errors import ConvergenceWarning, ReliabilityError

_DENSE_MAX = 500

#: BLAS threads used inside the variance-component and mixed-model kernels (``None``: leave
#: the BLAS library's own setting). The kernels factorise many small dense systems (a few
#: hundred to a few thousand rows) in a loop; OpenBLAS threading on such sizes costs more in
#: synchronisation than it gains, and on a loaded machine its spinning threads made one
#: crossed fit 2.5x (reported: 50x) slower than with a single thread. See docs/models.md.
BLAS_THREADS = 1


def limit_blas_threads(func):
    """Run ``func`` with at most :data:`BLAS_THREADS` BLAS threads (threadpoolctl).

    The limit is set on entry and restored on exit (also on error), so the caller's own BLAS
    setting holds outside the library's kernels; nested calls cost one look-up each.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if BLAS_THREADS is None:
            return func(*args, **kwargs)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
            return func(*args, **kwargs)
    return wrapper


@dataclass(frozen=True)
class RemlFit:
    """REML estimates of the variance components.

    Attributes
    ----------
    variances : dict
        ``{factor name: sigma2}`` for each random factor.
    residual : float
        Residual variance ``sigma2_e``.
    mean : float
        GLS estimate of the grand mean.
    loglik : float
        Maximised REML log-likelihood.
    converged : bool
        Whether the optimiser and the final gradient check succeeded.
    n_evaluations : int
        Deviance evaluations used.
    message : str
        How the optimum was reached.
    """

    variances: dict
    residual: float
    mean: float
    loglik: float
    converged: bool
    n_evaluations: int
    message: str
    gradient: np.ndarray = field(repr=False, default=None)


class _Problem:
    """Pre-computed cross-products for one data set (independent of the parameters)."""

    def __init__(self, y, factors):
        self.y = np.asarray(y, dtype=float)
        self.N = len(self.y)
        # Centre y: the intercept absorbs the shift, and it improves the accuracy of r.
        self.shift = float(self.y.mean())
        self.yc = self.y - self.shift
        self.codes = [np.asarray(f, dtype=np.int64) for f in factors]
        self.q = np.array([int(c.max()) + 1 if len(c) else 0 for c in self.codes])
        self.nf = len(self.codes)
        self.counts = [np.bincount(c, minlength=qj) for c, qj in zip(self.codes, self.q)]
        self.zty = [np.bincount(c, weights=self.yc, minlength=qj)
                    for c, qj in zip(self.codes, self.q)]
        self.yty = float(self.yc @ self.yc)
        self.a = int(np.argmax(self.q))          # absorbed factor
        self.rest = [j for j in range(self.nf) if j != self.a]
        offs = [0]
        for j in self.rest:
            offs.append(offs[-1] + int(self.q[j]))
        self.offsets = offs
        self.m = offs[-1] + 1                    # rest levels + intercept
        n = self.N
        rows = np.arange(n)
        cols = [self.codes[j] + offs[i] for i, j in enumerate(self.rest)]
        cols.append(np.full(n, self.m - 1))
        wcols = np.concatenate(cols) if cols else np.empty(0, dtype=np.int64)
        wrows = np.tile(rows, len(cols))
        W = sp.csr_matrix((np.ones(len(wcols)), (wrows, wcols)), shape=(n, self.m))
        Za = sp.csr_matrix((np.ones(n), (self.codes[self.a], rows)),
                           shape=(int(self.q[self.a]), n))
        self.Ca = (Za @ W).tocsr()               # q_a x m
        self.E0 = (W.T @ W).tocsr()              # m x m
        self.b_raw = W.T @ self.yc
        self.col_factor = np.full(self.m, -1)
        for i, j in enumerate(self.rest):
            self.col_factor[offs[i]:offs[i + 1]] = j
        self.dense = self.m <= _DENSE_MAX
        self.K = None
        if self.dense:
            self.E0 = self.E0.toarray()
            # Per-level outer products of the rows of Ca, stacked as an (m*m x q_a) sparse
            # matrix: B' D^-1 B for any D is then one sparse matrix-vector product.
            indptr = self.Ca.indptr
            nnz_row = np.diff(indptr)
            if np.sum(nnz_row.astype(np.int64) ** 2) <= 5e7:
                self.K = _outer_products(self.Ca, self.m)
        self.n_eval = 0

    # ------------------------------------------------------------------ core
    def solve(self, theta, want_grad=False):
        """Deviance (profiled REML, up to a constant) and optionally its gamma-gradient."""
        self.n_eval += 1
        theta = np.asarray(theta, dtype=float)
        ta = theta[self.a]
        s = np.ones(self.m)
        random_cols = self.col_factor >= 0
        s[random_cols] = theta[self.col_factor[random_cols]]
        D = ta * ta * self.counts[self.a] + 1.0
        B = self.Ca.multiply(ta * s[None, :]).tocsr() if ta != 0 else None
        a_vec = ta * self.zty[self.a]
        b_vec = s * self.b_raw
        if self.dense:
            E = self.E0 * np.outer(s, s)
            E[np.diag_indices(self.m)] += random_cols.astype(float)
            if B is not None:
                if self.K is not None:
                    BDB = (self.K @ (1.0 / D)).reshape(self.m, self.m) * (ta * ta) * np.outer(s, s)
                else:
                    BDB = (B.T @ B.multiply(1.0 / D[:, None]).tocsr()).toarray()
                S = E - BDB
                rhs = b_vec - B.T @ (a_vec / D)
            else:
                S, rhs = E, b_vec
            try:
                cf = sla.cho_factor(S, lower=True, check_finite=False)
            except np.linalg.LinAlgError:
                return np.inf, None
            logdet_S = 2.0 * np.sum(np.log(np.diag(cf[0])))
            x2 = sla.cho_solve(cf, rhs, check_finite=False)
        else:
            E = sp.diags(s) @ self.E0 @ sp.diags(s) + sp.diags(random_cols.astype(float))
            if B is not None:
                S = (E - B.T @ sp.diags(1.0 / D) @ B).tocsc()
                rhs = b_vec - B.T @ (a_vec / D)
            else:
                S, rhs = E.tocsc(), b_vec
            try:
                lu = splu(S, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                          options={"SymmetricMode": True})
            except RuntimeError:
                return np.inf, None
            du = lu.U.diagonal()
            if np.any(du <= 0):
                return np.inf, None
            logdet_S = float(np.sum(np.log(du)))
            x2 = lu.solve(rhs)
        x1 = (a_vec - (B @ x2 if B is not None else 0.0)) / D
        r = self.yty - x1 @ a_vec - x2 @ b_vec
        if not r > 0:
            return np.inf, None
        dev = (self.N - 1) * np.log(r) + np.sum(np.log(D)) + logdet_S
        self._last = (x1, x2, r)
        if not want_grad:
            return dev, None
        # conditional residuals e = y - X b - Z L v
        fitted = np.full(self.N, x2[-1])
        fitted += ta * x1[self.codes[self.a]]
        for i, j in enumerate(self.rest):
            fitted += theta[j] * x2[self.offsets[i] + self.codes[j]]
        e = self.yc - fitted
        # inverse from the Cholesky factor (LAPACK potri: half the work of solving with I)
        inv_lower, info = sla.lapack.dpotri(cf[0], lower=1)
        if info != 0:
            Sinv = sla.cho_solve(cf, np.eye(self.m), check_finite=False)
        else:
            Sinv = np.tril(inv_lower) + np.tril(inv_lower, -1).T
        grad = np.zeros(self.nf)
        for j in range(self.nf):
            zte = np.bincount(self.codes[j], weights=e, minlength=self.q[j])
            quad = (self.N - 1) * (zte @ zte) / r
            gam = theta[j] ** 2
            if j == self.a:
                if B is None:
                    tr = np.sum(1.0 / D)
                else:
                    if self.K is not None:
                        BD2B = ((self.K @ (1.0 / D ** 2)).reshape(self.m, self.m)
                                * (ta * ta) * np.outer(s, s))
                    else:
                        BD2B = (B.T @ B.multiply(1.0 / D[:, None] ** 2).tocsr()).toarray()
                    tr = np.sum(1.0 / D) + np.sum(Sinv * BD2B)
            else:
                i = self.rest.index(j)
                lo, hi = self.offsets[i], self.offsets[i + 1]
                tr = np.trace(Sinv[lo:hi, lo:hi])
            if gam > 0:
                grad[j] = (self.q[j] - tr) / gam - quad
            else:
                grad[j] = np.nan  # limit not available in closed form at the boundary
        return dev, grad


def _outer_products(C, m):
    """Sparse (m*m x q) matrix whose column l is vec(C[l]' C[l]) for a CSR matrix C."""
    C = C.tocsr()
    C.sum_duplicates()
    nnz = np.diff(C.indptr)
    rows_l = np.repeat(np.arange(C.shape[0]), nnz * nnz)
    # all (i, j) pairs within each row, vectorised over rows
    starts = np.repeat(C.indptr[:-1], nnz * nnz)
    sizes = np.repeat(nnz, nnz * nnz)
    within = np.arange(len(rows_l)) - np.repeat(np.cumsum(nnz * nnz) - nnz * nnz, nnz * nnz)
    a = starts + within // np.maximum(sizes, 1)
    b = starts + within % np.maximum(sizes, 1)
    vals = C.data[a] * C.data[b]
    flat = C.indices[a].astype(np.int64) * m + C.indices[b]
    return sp.csr_matrix((vals, (flat, rows_l)), shape=(m * m, C.shape[0]))


@limit_blas_threads
def fit_reml(y, factors, names, *, start=None, maxiter=500) -> RemlFit:
    """REML variance components of crossed/nested random factors (see module docstring).

    Parameters
    ----------
    y : array of float
        Observations.
    factors : list of int arrays
        One integer code array per random factor (same length as ``y``).
    names : list of str
        Names of the factors (keys of ``RemlFit.variances``).
    start : array, optional
        Starting variance ratios ``sigma2_j / sigma2_e``.

    Returns
    -------
    RemlFit
    """
    y = np.asarray(y, dtype=float)
    if len(y) < 2:
        raise ReliabilityError("REML needs at least 2 observations")
    if not factors:
        v = float(np.var(y, ddof=1))
        return RemlFit({}, v, float(y.mean()), np.nan, True, 0, "no random factors: sample variance")
    prob = _Problem(y, factors)
    nf = prob.nf
    if prob.N - 1 <= 0:
        raise ReliabilityError("REML needs more observations than fixed effects")
    if np.var(y) == 0:
        return RemlFit({n: 0.0 for n in names}, 0.0, float(y.mean()), np.nan, True, 0,
                       "all observations equal: every variance component is 0")

    def fun(gamma):
        dev, _ = prob.solve(np.sqrt(np.maximum(gamma, 0.0)))
        return dev if np.isfinite(dev) else 1e300

    def fun_grad(gamma):
        gamma = np.maximum(gamma, 0.0)
        dev, g = prob.solve(np.sqrt(gamma), want_grad=True)
        if not np.isfinite(dev):
            return 1e300, np.zeros(nf)
        for j in np.flatnonzero(gamma <= 0):
            # On the boundary the analytic form is 0/0: one-sided difference instead
            # (only its sign matters to the projected-gradient optimiser).
            h = 1e-7 * (1.0 + gamma.max())
            trial = gamma.copy()
            trial[j] = h
            g[j] = (fun(trial) - dev) / h
        return dev, g

    # Parametrised by the variance ratios gamma >= 0 (not theta = sqrt(gamma)): in theta
    # the deviance is flat at 0 and an optimiser that touches the bound stays there.
    gamma0 = np.asarray(start, dtype=float) if start is not None else np.full(nf, 0.5)
    gamma0 = np.maximum(gamma0, 1e-3)
    bounds = [(0.0, None)] * nf
    analytic = prob.dense
    if analytic:
        res = optimize.minimize(fun_grad, gamma0, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-11})
    else:
        res = optimize.minimize(fun, gamma0, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": maxiter, "ftol": 1e-12, "gtol": 1e-6})
    gamma = np.maximum(np.asarray(res.x, dtype=float), 0.0)
    # Components that L-BFGS-B left tiny but positive: test whether 0 is better.
    for j in range(nf):
        if 0 < gamma[j] < 1e-8:
            trial = gamma.copy()
            trial[j] = 0.0
            if fun(trial) <= fun(gamma):
                gamma = trial
    theta = np.sqrt(gamma)
    message = f"L-BFGS-B: {res.message}"
    grad = None
    converged = bool(res.success) or "ABNORMAL" in str(res.message)
    if analytic:
        theta, grad, ok, msg = _newton_polish(prob, theta)
        message += "; " + msg
        converged = converged or ok
        if grad is not None:
            converged = ok
    dev, _ = prob.solve(theta)
    x1, x2, r = prob._last
    sigma2_e = r / (prob.N - 1)
    gamma = theta ** 2
    variances = {n: float(g * sigma2_e) for n, g in zip(names, gamma)}
    const = (prob.N - 1) * (1 + np.log(2 * np.pi / (prob.N - 1)))
    loglik = -0.5 * (dev + const)
    if not converged:
        warnings.warn(f"REML optimisation may not have converged ({message})",
                      ConvergenceWarning, stacklevel=3)
    return RemlFit(variances, float(sigma2_e), float(prob.shift + x2[-1]), float(loglik),
                   converged, prob.n_eval, message, grad)


def _newton_polish(prob, theta, steps=8):
    """Newton steps on interior gammas with the analytic gradient (FD Hessian)."""
    gamma = theta ** 2
    inside = gamma > 1e-10
    if not inside.any():
        return theta, None, True, "all components at the boundary 0"

    def grad_at(gam):
        dev, g = prob.solve(np.sqrt(np.maximum(gam, 0.0)), want_grad=True)
        return dev, g

    dev, g = grad_at(gamma)
    idx = np.flatnonzero(inside)
    for _ in range(steps):
        gi = g[idx]
        if np.all(np.abs(gi) * np.maximum(gamma[idx], 1e-8) < 1e-11 * prob.N):
            break
        H = np.empty((len(idx), len(idx)))
        for c, j in enumerate(idx):
            h = 1e-6 * gamma[j]
            gp = gamma.copy()
            gp[j] += h
            gm = gamma.copy()
            gm[j] -= h
            H[:, c] = (grad_at(gp)[1][idx] - grad_at(gm)[1][idx]) / (2 * h)
        H = 0.5 * (H + H.T)
        try:
            step = -np.linalg.solve(H, gi)
        except np.linalg.LinAlgError:
            break
        new = gamma.copy()
        new[idx] = gamma[idx] + step
        if np.any(new[idx] <= 0):
            break
        ndev, ng = grad_at(new)
        if not np.isfinite(ndev) or ndev > dev + 1e-9 * abs(dev):
            break
        gamma, dev, g = new, ndev, ng
    gi = g[idx]
    rel = np.max(np.abs(gi) * gamma[idx]) / prob.N
    ok = rel < 1e-6
    # boundary components must have a non-negative derivative (KKT) - checked by the caller
    return np.sqrt(gamma), g, ok, f"Newton polish: max |gamma * grad| / N = {rel:.1e}"
