"""The Gaussian mixed-model engine: random intercepts, REML or ML (one module for all callers).

Model
-----
``y = X beta + sum_j Z_j u_j + e`` with ``u_j ~ N(0, sigma2_j I)`` for each random factor
``j`` (an integer-coded grouping of the observations: unit, rater, unit x occasion,
inspector, school, ...; crossed or nested) and ``e ~ N(0, sigma2_e I)``. ``X`` is any
full-rank fixed design (the single column of ones for an ICC or a G study). The variance
components are estimated by restricted (REML, Patterson & Thompson 1971) or full maximum
likelihood with beta and the residual variance profiled out and each factor's variance
parametrised relative to the residual, ``gamma_j = sigma2_j / sigma2_e >= 0`` (the
relative-covariance form of Bates et al. 2015, *J. Stat. Softw.* 67(1), section 3, where
``theta_j = lambda_j = sqrt(gamma_j)``).

Callers: :func:`reliability.icc.icc` / ``oneway_icc`` and :func:`reliability.gtheory.g_study`
through :func:`fit_reml` (intercept only, REML: a thin wrapper kept with its historical
signature), and :func:`reliability.models.linear_mixed` through :func:`fit_gaussian`. The
module lives here, at the engine layer beside ``inference.py``, rather than under
``reliability/models/``: ICC and G-theory import it without importing the formula machinery
of the models package, and the GLMM engine (``models/_blocks.py``, ``_laplace.py``) is a
separate, non-Gaussian likelihood. This one engine replaced ``models/_linear.py`` (a
one-factor closed form and a crossed engine with finite-difference BFGS) in issue 15.

Why it is fast
--------------
The mixed-model equations are written in the spherical form
``M = [[L'Z'ZL + I, L'Z'X], [X'ZL, X'X]]`` (``L = diag(theta)``). The factor with most
levels (units, schools) has a *diagonal* block in ``M``, so it is absorbed exactly (Schur
complement, the "absorption" of Henderson 1984, ch. 4): what remains is an ``m x m`` system
over the other factors' levels and the ``p`` fixed effects. For an ICC with ``k`` raters
``m = k + 1``, for one random factor ``m = p`` (the per-group closed form of a random-intercept
model falls out as this special case), so one likelihood evaluation costs O(number of rows)
whatever the number of units. With ``r`` the penalised residual sum of squares and ``H`` the
upper-left (random) block of ``M``, the profiled deviances are

* REML: ``(N - p) log r + log|M|`` (``log|M| = log|H| + log|X'V^-1 X| / sigma^2``),
* ML: ``N log r + log|H|``,

and both are read off one Cholesky factor of the remaining system (random levels first, fixed
effects last). The gradient is analytic:

``d dev / d gamma_j = (q_j - tr(G^-1)_jj) / gamma_j - df ||Z_j' e||^2 / r``

(``q_j`` levels, ``e = P y`` the conditional residuals, ``df = N - p`` and ``G = M`` for REML,
``df = N`` and ``G = H`` for ML; the traces of the absorbed block from the Schur complement).
The optimum is found by L-BFGS-B on ``gamma >= 0`` (so a component can be exactly 0, a
singular fit; on the boundary the derivative is a one-sided difference) and then polished by
Newton steps on the interior components (the Hessian by central differences of the analytic
gradient, which also gives the curvature reported for the SEs of log SD), so that on balanced
complete data the estimates equal the ANOVA (expected mean squares) estimates to about 1e-12
whenever those are positive (Searle, Casella & McCulloch 1992, section 6.7). Checked against
R lme4::lmer (REML and ML), MixedModels.jl, statsmodels ``MixedLM`` and the ANOVA identities.

When the remaining system over the random levels is large (more than :data:`_DENSE_MAX`
levels) it is factorised with a sparse LU (the fixed effects then by a small dense Schur
complement) and the gradient is taken by finite differences; the result then carries a looser
optimisation tolerance (stated in the fit's ``message``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy import optimize
from scipy.sparse.linalg import splu

from reliability._errors import ConvergenceWarning, ReliabilityError

#: Remaining systems with up to this many random levels (besides the absorbed factor) are
#: factorised densely (Cholesky, analytic gradient); larger ones by a sparse LU.
_DENSE_MAX = 5000

#: ... and from this size on, a sparse LU is used also below _DENSE_MAX when the system has
#: little fill (nested designs: raters within units); crossed designs (inspectors linked by
#: shared schools) fill in completely and stay dense (measured: 4,000 inspectors x 33,333
#: schools, dense 30 s, sparse LU with finite-difference gradients 550 s).
_SPARSE_MIN = 500
#: Dense systems precompute the per-level outer products of Ca's rows (one sparse product then
#: gives B'D^-1B on its pattern) while they have at most this many entries in all; beyond,
#: each evaluation forms the sparse product Ca'D^-1Ca instead.
_OUTER_MAX = 5e7

#: Fits whose remaining system has more random levels than this start from the one-factor fits.
_START_FROM_ONE_FACTOR = 200

_LOG2PI = math.log(2 * math.pi)

#: BLAS threads used inside the variance-component and mixed-model kernels (``None``: leave
#: the BLAS library's own setting). The kernels factorise many small dense systems (a few
#: hundred to a few thousand rows) in a loop; OpenBLAS threading on such sizes costs more in
#: synchronisation than it gains, and on a loaded machine its spinning threads made one
#: crossed fit 2.5x (reported: 50x) slower than with a single thread. See docs/models.md.
BLAS_THREADS = 1

#: Dense systems of at least this many rows are factorised with the caller's BLAS threads
#: (one Cholesky of 4,000 inspectors: ~0.6 s on one thread, where threading pays; measured
#: 2026-12-03, 2 cores: 1.22 s -> 0.72 s per factorisation).
THREADED_MIN_ROWS = 2000

_outer_blas_threads = None      # the caller's BLAS threads, recorded by the outermost limit
_limit_depth = 0


def limit_blas_threads(func):
    """Run ``func`` with at most :data:`BLAS_THREADS` BLAS threads (threadpoolctl).

    The limit is set on entry and restored on exit (also on error), so the caller's own BLAS
    setting holds outside the library's kernels; nested calls cost one look-up each. The
    caller's thread count is kept for :func:`large_system_threads`.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        global _outer_blas_threads, _limit_depth
        if BLAS_THREADS is None:
            return func(*args, **kwargs)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=BLAS_THREADS, user_api="blas") as limiter:
            if _limit_depth == 0:
                _outer_blas_threads = limiter.get_original_num_threads().get("blas")
            _limit_depth += 1
            try:
                return func(*args, **kwargs)
            finally:
                _limit_depth -= 1
    return wrapper


def large_system_threads(rows: int):
    """Context for one dense factorisation of ``rows`` rows: the caller's BLAS threads when the
    system is large enough for threading to pay (:data:`THREADED_MIN_ROWS`), else no change."""
    outer = _outer_blas_threads
    if (_limit_depth == 0 or rows < THREADED_MIN_ROWS or outer is None or BLAS_THREADS is None
            or outer <= BLAS_THREADS):
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=outer, user_api="blas")


@dataclass(frozen=True)
class GaussianFit:
    """A fitted Gaussian random-intercept model (:func:`fit_gaussian`).

    Attributes
    ----------
    beta, vcov : arrays (p,), (p, p)
        GLS fixed effects and ``sigma^2 (X'V^-1 X)^-1`` (lme4's ``vcov``).
    sigma : float
        Residual SD (``sqrt(r / (N - p))`` for REML, ``sqrt(r / N)`` for ML, as lme4).
    variances, sds, gamma : arrays (one per factor)
        Random-effect variances, SDs and ratios ``sigma2_j / sigma2_e``.
    modes, cond_sd : tuples of arrays (one per factor, one value per level) or None
        Conditional modes (BLUPs) and conditional SDs ``sigma * lambda_j * sqrt(diag(H^-1))``
        (lme4's ``ranef(condVar = TRUE)``); None when not requested.
    loglik : float
        Maximised REML or ML log-likelihood (lme4's convention).
    free, boundary : bool arrays
        Components estimated inside (``gamma > 0``) / on the boundary 0 (a singular fit).
    gradient : array
        ``d loglik / d log lambda_j`` of the free components at the optimum.
    hessian : array or None
        Hessian of the deviance ``-2 loglik`` in ``log lambda`` over the free components
        (``2 inv(hessian)`` approximates the covariance of the log SDs); None if not asked.
    gamma_gradient : array
        ``d deviance / d gamma`` at the optimum (NaN on the boundary).
    converged : bool
    n_evaluations : int
        Deviance evaluations used.
    message : str
        How the optimum was reached.
    """

    beta: np.ndarray
    vcov: np.ndarray
    sigma: float
    variances: np.ndarray
    gamma: np.ndarray
    loglik: float
    reml: bool
    free: np.ndarray
    boundary: np.ndarray
    gradient: np.ndarray
    converged: bool
    n_evaluations: int
    message: str
    modes: tuple | None = None
    cond_sd: tuple | None = None
    hessian: np.ndarray | None = None
    gamma_gradient: np.ndarray | None = field(repr=False, default=None)

    @property
    def sds(self) -> np.ndarray:
        return np.sqrt(self.variances)

    @property
    def max_gradient(self) -> float:
        return float(np.max(np.abs(self.gradient))) if len(self.gradient) else 0.0


@dataclass(frozen=True)
class RemlFit:
    """REML estimates of the variance components (intercept-only model; :func:`fit_reml`).

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

    def __init__(self, y, X, factors, reml):
        self.y = np.asarray(y, dtype=float)
        self.N = N = len(self.y)
        self.X = X
        self.p = p = X.shape[1]
        self.reml = reml
        self.df = N - p if reml else N
        # Centre y when X holds a constant column (the intercept absorbs the shift): it
        # improves the accuracy of r (y'y - c'x cancels less).
        self.const_col = next((j for j in range(p) if X[0, j] != 0
                               and np.all(X[:, j] == X[0, j])), None)
        self.shift = float(self.y.mean()) if self.const_col is not None else 0.0
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
        self.qr = offs[-1]                       # random levels in the remaining system
        self.m = self.qr + p                     # ... plus the fixed effects
        rows = np.arange(N)
        zr_rows = np.tile(rows, len(self.rest))
        zr_cols = (np.concatenate([self.codes[j] + offs[i] for i, j in enumerate(self.rest)])
                   if self.rest else np.empty(0, dtype=np.int64))
        Zr = sp.csr_matrix((np.ones(len(zr_cols)), (zr_rows, zr_cols)), shape=(N, self.qr))
        Xs = sp.csr_matrix(X)
        Xs.eliminate_zeros()
        W = sp.hstack([Zr, Xs], format="csr")
        self.Wt = W.T.tocsr()
        Za = sp.csr_matrix((np.ones(N), (self.codes[self.a], rows)),
                           shape=(int(self.q[self.a]), N))
        self.Ca = (Za @ W).tocsr()               # q_a x m
        self.Ca.sum_duplicates()
        self.E0 = (W.T @ W).tocsr()              # m x m
        self.b_raw = W.T @ self.yc
        self.col_factor = np.full(self.m, -1)
        for i, j in enumerate(self.rest):
            self.col_factor[offs[i]:offs[i + 1]] = j
        self.random_cols = self.col_factor >= 0
        self.dense = self.qr <= _DENSE_MAX and not (self.qr > _SPARSE_MIN
                                                    and _sparse_is_cheap(self))
        self.ai = None
        self.K = None
        if self.dense:
            # Fortran order throughout (what LAPACK takes without a copy)
            self.E0 = np.asfortranarray(self.E0.toarray())
            # Per-level outer products of the rows of Ca, stacked as an (m*m x q_a) sparse
            # matrix: B' D^-1 B for any D is then one sparse matrix-vector product.
            nnz_row = np.diff(self.Ca.indptr)
            if np.sum(nnz_row.astype(np.int64) ** 2) <= _OUTER_MAX:
                K = _outer_products(self.Ca, self.m).tocsr()
                # only the rows of the lower triangle's pattern (~1% of the m*m entries at
                # 4,000 inspectors): a dense m*m result per product was 128 MB to write
                self.K_flat = np.flatnonzero(np.diff(K.indptr))
                self.K = K[self.K_flat].tocsc()
        self.n_eval = 0
        self._last = None

    def scales(self, theta):
        s = np.ones(self.m)
        s[self.random_cols] = theta[self.col_factor[self.random_cols]]
        return s

    def _bdb(self, B, D, ta, ss, power=1):
        """The lower triangle of ``B' D^-power B`` (m x m) for ``B = Ca diag(ta s)``,
        ``ss = s s'``, as (column-major flat positions, values): its pattern is that of
        ``Ca'Ca``, sparse, so the dense system is updated and traced on it alone.
        ``D=None`` means ``D = 1``."""
        w = np.ones(self.Ca.shape[0]) if D is None else 1.0 / D ** power
        if self.K is not None:
            flat = self.K_flat
            vals = self.K @ w
        else:
            Cw = self.Ca.multiply(np.sqrt(w)[:, None]).tocsr()
            low = sp.tril(Cw.T @ Cw).tocoo()
            flat = low.row.astype(np.int64) + low.col.astype(np.int64) * self.m
            vals = low.data
        vals = vals * ss.ravel(order="F")[flat] * (ta * ta)
        return flat, vals

    # ------------------------------------------------------------------ core
    def _factor(self, S):
        """Factorise the remaining system ``S`` (random levels first, fixed effects last):
        returns (factor, log|S_rr|, log|Schur complement of the fixed effects|) or None."""
        qr = self.qr
        if self.dense:
            try:
                with large_system_threads(S.shape[0]):
                    cf = sla.cho_factor(S, lower=True, check_finite=False)
            except (np.linalg.LinAlgError, ValueError):
                return None
            ld = np.log(np.diag(cf[0]))
            return ("dense", cf), 2.0 * float(np.sum(ld[:qr])), 2.0 * float(np.sum(ld[qr:]))
        S = S.tocsc()
        Srr = S[:qr, :qr].tocsc()
        Srx = S[:qr, qr:].toarray()
        Sxx = S[qr:, qr:].toarray()
        try:
            lu = splu(Srr, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                      options={"SymmetricMode": True})
        except RuntimeError:
            return None
        du = lu.U.diagonal()
        if np.any(du <= 0):
            return None
        G = lu.solve(Srx) if self.p else np.zeros((qr, 0))
        cx = None
        logdet_x = 0.0
        if self.p:
            try:
                cx = sla.cho_factor(Sxx - Srx.T @ G, lower=True, check_finite=False)
            except (np.linalg.LinAlgError, ValueError):
                return None
            logdet_x = 2.0 * float(np.sum(np.log(np.diag(cx[0]))))
        return ("sparse", lu, cx, G, Srx), float(np.sum(np.log(du))), logdet_x

    def _solve_s(self, fac, rhs):
        """``S^-1 rhs`` (vector or matrix) from :meth:`_factor`'s factor."""
        if fac[0] == "dense":
            return sla.cho_solve(fac[1], rhs, check_finite=False)
        _, lu, cx, G, Srx = fac
        qr = self.qr
        rr, rx = rhs[:qr], rhs[qr:]
        xb = sla.cho_solve(cx, rx - G.T @ rr, check_finite=False) if self.p else rx
        xr = lu.solve(np.asarray(rr - Srx @ xb))
        return np.concatenate([xr, xb], axis=0)

    def solve(self, theta, want_grad=False):
        """Deviance (profiled REML or ML, up to a constant) and optionally its gamma-gradient.

        With ``want_grad`` (dense systems) the average-information matrix of the profiled
        deviance is also left in ``self.ai`` (see :meth:`_average_information`).
        """
        self.n_eval += 1
        theta = np.asarray(theta, dtype=float)
        ta = theta[self.a]
        qr, m = self.qr, self.m
        s = self.scales(theta)
        D = ta * ta * self.counts[self.a] + 1.0
        B = self.Ca.multiply(ta * s[None, :]).tocsr() if ta != 0 else None
        a_vec = ta * self.zty[self.a]
        b_vec = s * self.b_raw
        ss = None
        if self.dense:
            # only the lower triangle of S is formed correctly (all that potrf reads)
            ss = np.outer(s, s).T          # symmetric: the transpose is a Fortran view
            S = np.multiply(self.E0, ss, order="F")
            S[np.diag_indices(m)] += self.random_cols
            if B is not None:
                flat, vals = self._bdb(B, D, ta, ss)
                S.ravel(order="F")[flat] -= vals      # a view: S is Fortran-ordered
        else:
            sv = sp.diags(s)
            S = sv @ self.E0 @ sv + sp.diags(self.random_cols.astype(float))
            if B is not None:
                S = S - B.T @ sp.diags(1.0 / D) @ B
        rhs = b_vec - B.T @ (a_vec / D) if B is not None else b_vec
        out = self._factor(S)
        if out is None:
            return np.inf, None
        fac, logdet_r, logdet_x = out
        x2 = self._solve_s(fac, rhs)
        x1 = (a_vec - (B @ x2 if B is not None else 0.0)) / D
        r = self.yty - x1 @ a_vec - x2 @ b_vec
        if not r > 0:
            return np.inf, None
        dev = self.df * np.log(r) + np.sum(np.log(D)) + logdet_r
        if self.reml:
            dev += logdet_x
        self._last = (theta.copy(), x1, x2, r, D, B, s, fac)
        if not want_grad:
            return dev, None
        e = self.residuals(theta, x1, x2)
        zte = [np.bincount(self.codes[j], weights=e, minlength=self.q[j])
               for j in range(self.nf)]
        self.ai = self._average_information(e, zte, r, D, B, s, fac)
        if not self.dense:
            return dev, None
        cf = fac[1]
        # inverse of the system whose traces the gradient needs (all of it for REML, the
        # random levels only for ML), from the Cholesky factor (LAPACK potri)
        k = m if self.reml else qr
        Sinv = _chol_inverse(cf[0][:k, :k], full=False)      # lower triangle valid

        def tr_sym(low):
            """tr(S^-1 F) for a symmetric F given by its lower triangle's (flat, values) in
            the m x m system, restricted to the leading k x k block."""
            flat, vals = low
            i, j = flat % m, flat // m
            keep = (i < k) & (j < k)
            i, j, vals = i[keep], j[keep], vals[keep]
            terms = Sinv.ravel(order="F")[i + j * k] * vals
            return 2.0 * float(terms.sum()) - float(terms[i == j].sum())

        grad = np.zeros(self.nf)
        for j in range(self.nf):
            quad = self.df * (zte[j] @ zte[j]) / r
            gam = theta[j] ** 2
            if j == self.a:
                tr = float(np.sum(1.0 / D))
                if B is not None and k:
                    tr += tr_sym(self._bdb(B, D, ta, ss, power=2))
            else:
                i = self.rest.index(j)
                lo, hi = self.offsets[i], self.offsets[i + 1]
                tr = float(np.sum(np.diag(Sinv)[lo:hi]))
            if gam > 0:
                grad[j] = (self.q[j] - tr) / gam - quad
            elif j == self.a:
                # the limit at gamma_a = 0: tr(Z_a' P Z_a) = N - tr(S^-1 C_a'C_a) (the
                # absorbed block is then the identity)
                grad[j] = self.N - (tr_sym(self._bdb(None, None, 1.0, ss))
                                    if k else 0.0) - quad
            else:
                grad[j] = np.nan  # a one-sided difference instead (see _gradient)
        return dev, grad

    def _average_information(self, e, zte, r, D, B, s, fac):
        """Average-information matrix of the profiled deviance in gamma (Gilmour, Thompson &
        Cullis 1995, profiled over sigma^2): ``df/r (Q - u u'/r)`` with ``u_j = ||Z_j'e||^2``
        and ``Q_ij = w_i' P w_j`` for the working variates ``w_j = Z_j Z_j' e``; ``P w`` is
        the residual of the mixed-model equations for right-hand side ``w`` (one solve per
        factor with the factor already at hand)."""
        nf = self.nf
        W = np.stack([zte[j][self.codes[j]] for j in range(nf)], axis=1)      # n x nf
        ta = 0.0 if B is None else 1.0
        theta_a = self._last[0][self.a]
        ca = theta_a * np.stack([np.bincount(self.codes[self.a], W[:, j], len(D))
                                 for j in range(nf)], axis=1)
        c2 = s[:, None] * np.asarray(self.Wt @ W)
        rhs = c2 - B.T @ (ca / D[:, None]) if ta else c2
        x2 = self._solve_s(fac, rhs)
        x1 = (ca - (B @ x2 if ta else 0.0)) / D[:, None]
        Q = W.T @ W - ca.T @ x1 - c2.T @ x2
        u = np.array([z @ z for z in zte])
        return (self.df / r) * (0.5 * (Q + Q.T) - np.outer(u, u) / r)

    def residuals(self, theta, x1, x2):
        """Conditional residuals ``e = y - X beta - Z Lambda v`` (of the centred y)."""
        fitted = self.X @ x2[self.qr:] if self.p else np.zeros(self.N)
        fitted = fitted + theta[self.a] * x1[self.codes[self.a]]
        for i, j in enumerate(self.rest):
            fitted += theta[j] * x2[self.offsets[i] + self.codes[j]]
        return self.yc - fitted

    # ------------------------------------------------------------ at the optimum
    def fixed(self):
        """(beta, (X'V^-1 X)^-1 sigma^-2 ... i.e. the unscaled vcov) at the last solve."""
        theta, x1, x2, r, D, B, s, fac = self._last
        beta = x2[self.qr:].copy()
        if self.const_col is not None:
            beta[self.const_col] += self.shift / self.X[0, self.const_col]
        if not self.p:
            return beta, np.zeros((0, 0))
        if fac[0] == "dense":
            Lx = fac[1][0][self.qr:, self.qr:]
            cx = (Lx, True)
        else:
            cx = fac[2]
        unscaled = sla.cho_solve(cx, np.eye(self.p), check_finite=False)
        return beta, 0.5 * (unscaled + unscaled.T)

    def conditional(self):
        """Conditional modes and ``diag(H^-1)`` per factor at the last solve."""
        theta, x1, x2, r, D, B, s, fac = self._last
        qr, a = self.qr, self.a
        modes, hdiag = [None] * self.nf, [None] * self.nf
        modes[a] = theta[a] * x1
        quad = np.zeros(len(D))
        diag_r = np.zeros(qr)
        if qr:
            Br = B[:, :qr].tocsc() if B is not None else None
            for cols, block in self._rest_inverse_columns(fac):
                diag_r[cols] = block[cols, np.arange(len(cols))]
                if Br is not None:
                    # (B_r S^-1)[:, cols] restricted to the pattern of B_r[:, cols]
                    BS = Br @ block                              # q_a x len(cols)
                    sub = Br[:, cols].tocoo()
                    quad += np.bincount(sub.row, sub.data * BS[sub.row, sub.col], len(D))
        hdiag[a] = 1.0 / D + quad / D ** 2
        for i, j in enumerate(self.rest):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            modes[j] = theta[j] * x2[lo:hi]
            hdiag[j] = diag_r[lo:hi]
        return modes, hdiag

    def _rest_inverse_columns(self, fac):
        """Column blocks of ``S_rr^-1`` (the random-level part of the remaining system)."""
        qr = self.qr
        n_a = max(int(self.q[self.a]), 1)
        width = int(max(16, min(qr, 4_000_000 // n_a)))
        if fac[0] == "dense":
            Sinv = _chol_inverse(fac[1][0][:qr, :qr])
            for lo in range(0, qr, width):
                cols = np.arange(lo, min(qr, lo + width))
                yield cols, Sinv[:, cols]
        else:
            lu = fac[1]
            for lo in range(0, qr, width):
                cols = np.arange(lo, min(qr, lo + width))
                rhs = np.zeros((qr, len(cols)))
                rhs[cols, np.arange(len(cols))] = 1.0
                yield cols, lu.solve(rhs)


def _sparse_is_cheap(prob) -> bool:
    """Whether a sparse factorisation of the random-level system fills in little: its
    envelope under the reverse Cuthill-McKee order costs < 2% of a dense Cholesky."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    qr = prob.qr
    Cr = prob.Ca[:, :qr]
    pat = (abs(prob.E0[:qr, :qr]) + abs(Cr.T @ Cr)).tocsr()
    pat.data[:] = 1.0
    perm = reverse_cuthill_mckee(pat, symmetric_mode=True)
    P = pat[perm][:, perm].tocsr()
    first = np.minimum.reduceat(P.indices, P.indptr[:-1]) if P.nnz else np.zeros(qr, int)
    width = np.maximum(np.arange(qr) - first, 0).astype(float)
    return float(np.sum(width ** 2)) < 0.02 * qr ** 3 / 3


def _chol_inverse(L, full=True):
    """Inverse of ``L L'`` from a lower Cholesky factor (LAPACK potri): the symmetric matrix,
    or with ``full=False`` an array whose lower triangle holds it (finite values above)."""
    k = L.shape[0]
    if k == 0:
        return np.zeros((0, 0))
    with large_system_threads(k):
        inv_lower, info = sla.lapack.dpotri(np.asfortranarray(L), lower=1)
    if info != 0:
        inv = sla.cho_solve((L, True), np.eye(k), check_finite=False)
        return inv
    if not full:
        return inv_lower
    return np.tril(inv_lower) + np.tril(inv_lower, -1).T


def _outer_products(C, m):
    """Sparse (m*m x q) matrix whose column l is the lower triangle of C[l]' C[l] (vec in
    column-major order, zeros above the diagonal) for a CSR matrix C; held as CSC (one
    column per level: the matrix-vector product then touches only the nonzeros)."""
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
    low = C.indices[a] >= C.indices[b]
    a, b, rows_l = a[low], b[low], rows_l[low]
    vals = C.data[a] * C.data[b]
    flat = C.indices[a].astype(np.int64) + C.indices[b].astype(np.int64) * m
    return sp.csc_matrix((vals, (flat, rows_l)), shape=(m * m, C.shape[0]))


def _fixed_only(y, X, reml):
    """No random factor: the ordinary linear model (its REML or ML log-likelihood)."""
    n, p = X.shape
    beta, *_ = np.linalg.lstsq(X, y, rcond=None) if p else (np.zeros(0),)
    res = y - X @ beta if p else y
    rss = float(res @ res)
    df = n - p if reml else n
    s2 = rss / df
    XtX = X.T @ X
    loglik = -0.5 * df * (_LOG2PI + math.log(s2) + 1) if rss > 0 else np.inf
    if reml and p:
        loglik -= 0.5 * np.linalg.slogdet(XtX)[1]
    vcov = s2 * np.linalg.inv(XtX) if p else np.zeros((0, 0))
    empty = np.zeros(0)
    return GaussianFit(beta=beta, vcov=vcov, sigma=math.sqrt(s2), variances=empty,
                       gamma=empty, loglik=float(loglik), reml=reml,
                       free=np.zeros(0, bool), boundary=np.zeros(0, bool), gradient=empty,
                       converged=True, n_evaluations=0, message="no random factors: OLS",
                       modes=(), cond_sd=(), hessian=np.zeros((0, 0)), gamma_gradient=empty)


@limit_blas_threads
def fit_gaussian(y, X, factors, *, reml=True, start=None, maxiter=500, conditional=True,
                 curvature=True, callback=None) -> GaussianFit:
    """Fit ``y = X beta + sum_j Z_j u_j + e`` by REML or ML (see the module docstring).

    Parameters
    ----------
    y : array of float (N)
    X : array (N, p)
        Fixed design of full column rank (``np.ones((N, 1))`` for an intercept only).
    factors : list of int arrays
        One integer code array (0..q_j-1) per random factor, each of length N.
    reml : bool
        REML (default) or ML.
    start : array, optional
        Starting variance ratios ``sigma2_j / sigma2_e`` (e.g. a bigger model's estimates).
    conditional : bool
        Also compute the conditional modes and SDs.
    curvature : bool
        Also compute the Hessian of the deviance in ``log lambda`` (for SEs of the log SDs).
    callback : callable, optional
        ``callback(iteration, deviance)`` after each optimiser iteration (progress display).

    Returns
    -------
    GaussianFit
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    reml = bool(reml)
    N, p = X.shape
    if N <= p:
        raise ReliabilityError(f"{N} observations are too few for {p} fixed effect(s)")
    if not factors:
        return _fixed_only(y, X, reml)
    prob = _Problem(y, X, factors, reml)
    nf = prob.nf

    def fun(gamma):
        dev, _ = prob.solve(np.sqrt(np.maximum(gamma, 0.0)))
        return dev if np.isfinite(dev) else 1e300

    # Parametrised by the variance ratios gamma >= 0 (not theta = sqrt(gamma)): in theta
    # the deviance is flat at 0 and an optimiser that touches the bound stays there.
    if start is not None:
        gamma0 = np.asarray(start, dtype=float)
    elif prob.qr > _START_FROM_ONE_FACTOR:
        # A large remaining system makes every iteration costly: start from each factor's
        # own one-factor fit (each O(N): nothing remains to factorise but X'V^-1 X), which
        # is usually close, rather than from 0.5.
        gamma0 = np.array([fit_gaussian(y, X, [f], reml=reml, conditional=False,
                                        curvature=False).gamma[0] for f in factors])
    else:
        gamma0 = np.full(nf, 0.5)
    gamma0 = np.maximum(gamma0, 1e-3)
    gamma, dev, grad, converged, message = _ai_newton(prob, fun, gamma0, maxiter, callback)
    if not converged:
        # fall back on the quasi-Newton of the first versions (bounded L-BFGS-B)
        gamma, grad, converged, msg = _lbfgsb(prob, fun, gamma, maxiter)
        message += "; " + msg
    # Components left tiny but positive: test whether 0 is better.
    for j in range(nf):
        if 0 < gamma[j] < 1e-8 * max(1.0, gamma.max()):
            trial = gamma.copy()
            trial[j] = 0.0
            if fun(trial) <= fun(gamma):
                gamma = trial
                grad = None
    theta = np.sqrt(gamma)
    analytic = prob.dense
    dev, _ = prob.solve(theta)
    if not np.isfinite(dev):
        raise ReliabilityError("the mixed-model equations are singular at the estimates "
                               "(a fixed-effect design that is not of full rank?)")
    gamma = theta ** 2
    free = gamma > 0
    r = prob._last[3]
    sigma2 = r / prob.df
    beta, unscaled = prob.fixed()
    const = prob.df * (1 + np.log(2 * np.pi / prob.df))
    loglik = -0.5 * (dev + const)
    modes = cond_sd = None
    if conditional:
        m_list, hdiag = prob.conditional()
        sigma = math.sqrt(sigma2)
        modes = tuple(np.asarray(v) for v in m_list)
        cond_sd = tuple(sigma * theta[j] * np.sqrt(np.maximum(hdiag[j], 0.0))
                        for j in range(nf))
    # gradient in log lambda of the free components (loglik scale), and the curvature
    idx = np.flatnonzero(free)
    if grad is None:
        grad = _gradient(prob, fun, gamma)[1]
    g_gamma = np.where(free, grad, np.nan)
    gradient = -gamma[idx] * g_gamma[idx]
    hessian = None
    if curvature:
        if len(idx) == 0:
            hessian = np.zeros((0, 0))
        else:
            if analytic:
                H_gamma = _gamma_hessian(prob, gamma, idx, g_gamma)
            else:
                H_gamma = _gamma_hessian_fd(fun, gamma, idx)
            gi = gamma[idx]
            hessian = 4.0 * (gi[:, None] * gi[None, :] * H_gamma
                             + np.diag(gi * g_gamma[idx]))
        prob.solve(theta)   # leave the optimum as the last solve
    return GaussianFit(beta=beta, vcov=sigma2 * unscaled, sigma=math.sqrt(sigma2),
                       variances=gamma * sigma2, gamma=gamma, loglik=float(loglik),
                       reml=reml, free=free, boundary=~free, gradient=gradient,
                       converged=bool(converged), n_evaluations=prob.n_eval, message=message,
                       modes=modes, cond_sd=cond_sd, hessian=hessian, gamma_gradient=g_gamma)


def _gradient(prob, fun, gamma):
    """Deviance, its gamma-gradient and the average-information matrix at ``gamma``.

    Analytic gradient for dense systems, central differences for sparse ones; at a component
    on the boundary 0 the analytic form is 0/0, so there it is a one-sided difference.
    """
    dev, g = prob.solve(np.sqrt(gamma), want_grad=True)
    if not np.isfinite(dev):
        return np.inf, None, None
    ai = prob.ai
    if g is None:
        g = np.full(len(gamma), np.nan)
        for j in np.flatnonzero(gamma > 0):
            h = 1e-5 * gamma[j]
            gp, gm = gamma.copy(), gamma.copy()
            gp[j] += h
            gm[j] -= h
            g[j] = (fun(gp) - fun(gm)) / (2 * h)
    for j in np.flatnonzero((gamma <= 0) & np.isnan(g)):
        h = 1e-7 * (1.0 + gamma.max())
        trial = gamma.copy()
        trial[j] = h
        g[j] = (fun(trial) - dev) / h
    return dev, g, ai


def _ai_newton(prob, fun, gamma, maxiter, callback):
    """Projected Newton steps on ``gamma >= 0`` with the average-information matrix.

    AI-REML (Gilmour, Thompson & Cullis 1995; Johnson & Thompson 1995) with the residual
    variance profiled out: each iteration costs one factorisation with the gradient (and the
    AI matrix from the same factor, one extra solve per factor), and converges at a nearly
    quadratic rate; a component whose step crosses 0 is set to 0 and released again when its
    one-sided derivative turns negative (a singular fit stays exactly on the boundary).
    Steps are halved until the deviance does not increase.

    Returns (gamma, deviance, gradient, converged, message).
    """
    # the analytic gradient allows the tolerance that makes balanced data equal ANOVA to
    # ~1e-12; central differences are accurate to ~1e-9 relative
    tol = (1e-11 if prob.dense else 1e-8) * prob.N
    dev, g, ai = _gradient(prob, fun, gamma)
    if g is None:
        return gamma, dev, None, False, "average-information steps: singular start"
    how = "analytic" if prob.dense else "finite-difference"
    for it in range(1, maxiter + 1):
        at0 = gamma <= 0
        free = ~at0 | (g < 0)
        gf = g[free]
        interior_ok = np.all(np.abs(g[~at0]) * gamma[~at0] < tol)
        if interior_ok and not np.any(at0 & (g < 0)):
            return gamma, dev, g, True, (f"average-information steps ({how} gradient): "
                                         f"converged in {it - 1} iterations")
        A = ai[np.ix_(free, free)]
        try:
            step_f = -np.linalg.solve(A, gf)
            if not np.all(np.isfinite(step_f)) or step_f @ gf >= 0:
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            step_f = -gf * np.maximum(gamma[free], 1e-3) ** 2     # scaled steepest descent
        step = np.zeros_like(gamma)
        step[free] = step_f
        t = 1.0
        accepted = False
        while t > 1e-10:
            cand = np.maximum(gamma + t * step, 0.0)
            if t == 1.0:
                dev_c, g_c, ai_c = _gradient(prob, fun, cand)
            else:
                dev_c = fun(cand)
            if np.isfinite(dev_c) and dev_c <= dev + 1e-13 * abs(dev):
                if t != 1.0:
                    dev_c, g_c, ai_c = _gradient(prob, fun, cand)
                accepted = g_c is not None
                break
            t *= 0.5
        if not accepted:
            break
        moved = np.max(np.abs(cand - gamma) / np.maximum(gamma, 1e-8))
        gamma, dev, g, ai = cand, dev_c, g_c, ai_c
        if callback is not None:
            callback(it, float(dev))
        if moved < 1e-13:
            break
    at0 = gamma <= 0
    ok = bool(np.all(np.abs(g[~at0]) * gamma[~at0] < 1e-6 * prob.N)
              and not np.any(at0 & (g < -1e-6 * prob.N)))
    rel = float(np.max(np.abs(g[~at0]) * gamma[~at0]) / prob.N) if (~at0).any() else 0.0
    return gamma, dev, g, ok, (f"average-information steps ({how} gradient): stopped, "
                               f"max |gamma * grad| / N = {rel:.1e}")


def _lbfgsb(prob, fun, gamma0, maxiter):
    """Bounded L-BFGS-B on gamma (the fallback when the AI steps stall)."""
    nf = prob.nf

    def fun_grad(gamma):
        gamma = np.maximum(gamma, 0.0)
        dev, g, _ = _gradient(prob, fun, gamma)
        if g is None:
            return 1e300, np.zeros(nf)
        return dev, g

    res = optimize.minimize(fun_grad, np.maximum(gamma0, 1e-3), jac=True, method="L-BFGS-B",
                            bounds=[(0.0, None)] * nf,
                            options={"maxiter": maxiter, "ftol": 1e-15, "gtol": 1e-11})
    gamma = np.maximum(np.asarray(res.x, dtype=float), 0.0)
    dev, g, _ = _gradient(prob, fun, gamma)
    at0 = gamma <= 0
    rel = float(np.max(np.abs(g[~at0]) * gamma[~at0]) / prob.N) if (~at0).any() else 0.0
    ok = rel < 1e-6 or bool(res.success)
    return gamma, g, ok, f"L-BFGS-B: {res.message}, max |gamma * grad| / N = {rel:.1e}"


def _gamma_hessian(prob, gamma, idx, g0):
    """Hessian of the deviance in gamma over ``idx``: forward differences of the analytic
    gradient (``g0`` at ``gamma``), symmetrised."""
    H = np.empty((len(idx), len(idx)))
    for c, j in enumerate(idx):
        h = 1e-6 * gamma[j]
        gp = gamma.copy()
        gp[j] += h
        H[:, c] = (prob.solve(np.sqrt(gp), want_grad=True)[1][idx] - g0[idx]) / h
    return 0.5 * (H + H.T)


def _gamma_hessian_fd(fun, gamma, idx):
    """Hessian of the deviance in gamma over ``idx`` by second differences (in log gamma)."""
    k = len(idx)
    h = 1e-4
    lg = np.log(gamma[idx])

    def at(d):
        g = gamma.copy()
        g[idx] = np.exp(lg + d)
        return fun(g)

    f0 = at(np.zeros(k))
    Hl = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h
        Hl[i, i] = (at(e) - 2 * f0 + at(-e)) / h ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h
            Hl[i, j] = Hl[j, i] = (at(e + ej) - at(e - ej) - at(-e + ej) + at(-e - ej)) / (4 * h * h)
    # from log gamma to gamma (the gradient term vanishes at an interior optimum)
    gi = gamma[idx]
    return Hl / (gi[:, None] * gi[None, :])


def fit_reml(y, factors, names, *, start=None, maxiter=500) -> RemlFit:
    """REML variance components of crossed/nested random factors, intercept only.

    A thin wrapper of :func:`fit_gaussian` with ``X = 1`` (ICC and G studies).

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
    if np.var(y) == 0:
        return RemlFit({n: 0.0 for n in names}, 0.0, float(y.mean()), np.nan, True, 0,
                       "all observations equal: every variance component is 0")
    fit = fit_gaussian(y, np.ones((len(y), 1)), factors, reml=True, start=start,
                       maxiter=maxiter, conditional=False, curvature=False)
    if not fit.converged:
        warnings.warn(f"REML optimisation may not have converged ({fit.message})",
                      ConvergenceWarning, stacklevel=2)
    return RemlFit({n: float(v) for n, v in zip(names, fit.variances)}, float(fit.sigma ** 2),
                   float(fit.beta[0]), fit.loglik, fit.converged, fit.n_evaluations,
                   fit.message, fit.gamma_gradient)
