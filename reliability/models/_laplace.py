"""Cumulative-link / binomial mixed model with several random intercepts (joint Laplace).

Model: ``P(Y_i <= j | u) = F(theta_j - x_i'beta - sum_k sigma_k v_k[g_k(i)])`` with
``v_k ~ N(0, I)`` for each random-intercept factor ``k`` (crossed or nested: inspector and
school, inspector and region, ...). This is lme4's spherical parametrisation (Bates et al.
2015, *J. Stat. Softw.* 67(1), sections 3.4-3.6), which stays well defined at ``sigma_k = 0``
so that a variance can be estimated on its boundary (a "singular fit").

The Laplace approximation of the marginal log-likelihood is

    l(phi) = sum_i log p_i(v^) - ||v^||^2 / 2 - log|H| / 2,   H = Lambda Z'WZ Lambda + I,

with ``v^`` the joint conditional mode (vectorised Newton with step halving over all levels
of all factors at once, sparse ``H`` handled by :mod:`reliability.models._blocks`) and ``W``
the negative second derivative of the log-probabilities in the linear predictor (for the
logit link the observed and expected information coincide, as in lme4's PIRLS). For one
factor this is exactly the Laplace approximation of the one-factor engine
(:mod:`reliability.models._ordinal`; a test checks that they agree).

Gradient
--------
Exact: ``dl/dphi = d/dphi [sum log p - ||v||^2/2]`` at ``v^`` (envelope theorem) minus
``tr(H^-1 dH/dphi) / 2``, where ``dH/dphi`` includes the change of ``W`` through the mode,
``dv^/dphi = H^-1 dg/dphi`` (implicit function theorem; g the gradient in v). The trace
needs ``diag(Z Lambda H^-1 Lambda Z')``, a selected inverse of ``H`` on the pattern of
``Z'Z`` (Shun & McCullagh 1995 and Skaug & Fournier 2006 give the same construction). The
gradient is checked against central differences of the likelihood in the tests.

Standard errors come from a forward-difference Jacobian of that exact gradient, in the
natural parameters (thresholds, beta, log sigma_k) as ordinal::clmm reports them.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from reliability.models._blocks import RandomBlocks

_NEWTON_TOL = 1e-11
#: Chord iterations (Newton steps on the previous evaluation's factorisation) stop here, below
#: the Newton tolerance, so that one factorisation at the mode then confirms convergence.
_CHORD_TOL = 1e-12
#: Distance of the open ends' cut points from the outermost threshold (see _obs).
_FAR_CUT = 600.0
#: SDs below this are checked against the boundary 0 after BFGS (a singular fit).
_BOUNDARY_SD = 0.05
#: BFGS started on a curvature guess ``C`` hands over to Newton steps once the step to the
#: maximum that ``C`` predicts, ``C^-1 g``, is below this in every parameter (see fit).
NEAR_OPTIMUM = 1e-5


class MultiLaplaceGLMM:
    """Likelihood and exact gradient over validated arrays.

    y : int codes 0..K-1; X : (n, p) fixed design without intercept;
    codes : list of integer group codes (one array per random factor); sizes : levels each.
    """

    def __init__(self, y, X, codes, sizes, K, *, link):
        from reliability.models._quadrature import get_link, scaled_design

        self.link = get_link(link)
        self.y, self.n, self.p, self.scale, self.Xs = scaled_design(y, X)
        self.K = K
        self.B = RandomBlocks(codes, sizes)
        self.m = self.B.m
        self.v = np.zeros(self.B.q)
        self.inner_converged = True
        # (theta, beta, sigma, mode, d mode / d(theta, beta, sigma), factor) of the last
        # gradient evaluation: the next mode is predicted from it and polished by chord steps
        self._last = None
        self._cache = None
        # one-hot of the thresholds each observation touches (upper theta_y, lower theta_{y-1})
        K1 = K - 1
        self.up = np.zeros((self.n, K1))
        self.lo = np.zeros((self.n, K1))
        iu = self.y < K1
        self.up[np.flatnonzero(iu), self.y[iu]] = 1.0
        il = self.y >= 1
        self.lo[np.flatnonzero(il), self.y[il] - 1] = 1.0

    # -- parameters: (theta_1, log gaps, beta on scaled columns, sigma_1..sigma_m) ---------
    def unpack(self, par):
        K, p = self.K, self.p
        theta = np.cumsum(np.concatenate([par[:1], np.exp(par[1:K - 1])]))
        return theta, par[K - 1:K - 1 + p], np.abs(par[K - 1 + p:])

    def pack(self, theta, beta_scaled, sigma):
        return np.concatenate([theta[:1], np.log(np.diff(theta)), beta_scaled, sigma])

    # -- per-observation derivatives of log P(Y = y) ----------------------------------------
    def _obs(self, theta, eta, order):
        """log p and derivatives in the cut points a = theta_y - eta, b = theta_{y-1} - eta."""
        # The open ends (theta_0 = -inf, theta_K = +inf) as finite cuts far beyond the
        # thresholds: F and its derivatives there are their limits to double precision (the
        # tails are below e^-600 of any probability), and numpy's vectorised exp takes a slow
        # path on infinite input that made each call 2-3x slower.
        far = _FAR_CUT + float(np.max(np.abs(theta)))
        th = np.concatenate([[-far], theta, [far]])
        a = th[self.y + 1] - eta
        b = th[self.y] - eta
        L = self.link
        Fa, Sa, fa, dfa = L.parts(a)
        Fb, Sb, fb, dfb = L.parts(b)
        P = np.maximum(np.where(b > 0, Sb - Sa, Fa - Fb), 1e-300)
        out = {"lp": np.log(P)}
        la, lb = fa / P, -fb / P
        out["d1"] = -(la + lb)
        if order == 0:
            return out
        paa, pbb = dfa / P, -dfb / P
        laa, lbb, lab = paa - la * la, pbb - lb * lb, -la * lb
        out["w"] = np.maximum(-(laa + 2 * lab + lbb), 0.0)
        if order == 1:
            return out
        paaa, pbbb = L.d2pdf(a) / P, -L.d2pdf(b) / P
        laaa = paaa - paa * la - 2 * la * laa
        lbbb = pbbb - pbb * lb - 2 * lb * lbb
        laab = -paa * lb - 2 * la * lab
        labb = -pbb * la - 2 * lb * lab
        out.update(la=la, lb=lb, laa=laa, lab=lab, lbb=lbb,
                   w3=laaa + 3 * laab + 3 * labb + lbbb,
                   dw_up=-(laaa + 2 * laab + labb), dw_lo=-(laab + 2 * labb + lbbb),
                   dd1_up=-(laa + lab), dd1_lo=-(lab + lbb))
        return out

    # -- conditional modes -----------------------------------------------------------------
    def _mode(self, theta, beta, sig):
        B = self.B
        self._cache = None              # self.v and the selected inverse change below
        eta0 = self.Xs @ beta if self.p else np.zeros(self.n)
        lamf = B.lam_full(sig)
        v = self.v.copy()
        last = self._last
        if last is not None:
            # first-order prediction of the mode (implicit function theorem, dv from the last
            # gradient evaluation), then chord steps on that evaluation's factorisation: for
            # the small parameter steps of BFGS and of the finite-difference Hessian the mode
            # converges without refactorising, and one factorisation at it confirms the
            # Newton criterion below (each factorisation is a dense Cholesky over the smaller
            # factor's levels, the cost of a crossed fit).
            dphi = np.concatenate([theta - last[0], beta - last[1], sig - last[2]])
            v = last[3] + last[4] @ dphi
        v[lamf == 0] = 0.0

        def state(v):
            o = self._obs(theta, eta0 + B.expand(lamf * v), 1)
            return o, float(o["lp"].sum() - 0.5 * v @ v)

        def halving_step(v, step, h):
            """The step, halved until the objective does not decrease (Newton and chord)."""
            t = 1.0
            while True:
                new, hn = state(v + t * step)
                if hn >= h - 1e-12 * abs(h) or t < 1e-6:
                    return v + t * step, new, hn
                t *= 0.5

        cur, h = state(v)
        conv = False
        if last is not None:
            previous = np.inf
            for _ in range(50):
                g = lamf * B.group_sums(cur["d1"]) - v
                step = last[5].solve(g)
                size = float(np.max(np.abs(step)))
                if size < _CHORD_TOL or size > 0.5 * previous:
                    break                   # converged, or contracting slowly: Newton below
                previous = size
                v, cur, h = halving_step(v, step, h)
        for _ in range(100):
            F = B.factorize(cur["w"], sig)
            g = lamf * B.group_sums(cur["d1"]) - v
            step = F.solve(g)
            if np.max(np.abs(step)) < _NEWTON_TOL:
                conv = True
                break
            v, cur, h = halving_step(v, step, h)
        self.v = v
        self.inner_converged = conv
        return v, cur, h, F, eta0, lamf

    def loglik(self, par):
        cached = self._cached(par)
        if cached is not None:
            return cached[0]
        theta, beta, sig = self.unpack(par)
        v, cur, h, F, *_ = self._mode(theta, beta, sig)
        return h - 0.5 * F.logdet

    def loglik_grad(self, par):
        """(loglik, gradient in (theta, beta on scaled columns, sigma))."""
        cached = self._cached(par)
        if cached is not None:
            return cached
        theta, beta, sig = self.unpack(par)
        B, K1, p, m = self.B, self.K - 1, self.p, self.m
        v, _, h, F, eta0, lamf = self._mode(theta, beta, sig)
        eta = eta0 + B.expand(lamf * v)
        o = self._obs(theta, eta, 2)
        d1, w, w3 = o["d1"], o["w"], o["w3"]
        vk = np.column_stack([v[B.full_off[k] + B.codes[k]] for k in range(m)])  # v_k[g_k(i)]
        # envelope part
        g_th = self.up.T @ o["la"] + self.lo.T @ o["lb"]
        g_b = self.Xs.T @ d1
        g_s = vk.T @ d1
        # implicit derivatives of the mode
        M = np.hstack([self.up * o["dd1_up"][:, None] + self.lo * o["dd1_lo"][:, None],
                       -w[:, None] * self.Xs, -w[:, None] * vk])
        rhs = lamf[:, None] * B.group_sums(M)
        zd1 = B.group_sums(d1)
        for k in range(m):
            sl = slice(B.full_off[k], B.full_off[k] + B.sizes[k])
            rhs[sl, K1 + p + k] += zd1[sl]
        dv = F.solve(rhs)
        self._last = (theta, beta, sig, v, dv, F)
        deta = B.expand(lamf[:, None] * dv)
        deta[:, K1:K1 + p] += self.Xs
        deta[:, K1 + p:] += vk
        dW = w3[:, None] * deta
        dW[:, :K1] += self.up * o["dw_up"][:, None] + self.lo * o["dw_lo"][:, None]
        s, diag = F.zlhz_diag(sig)
        trace = s @ dW
        for k in range(m):
            if sig[k] > 0:
                trk = diag[B.full_off[k]:B.full_off[k] + B.sizes[k]].sum()
                trace[K1 + p + k] += 2.0 * (B.sizes[k] - trk) / sig[k]
        grad = np.concatenate([g_th, g_b, g_s]) - 0.5 * trace
        self._last_selected = diag
        # the optimiser and the callers re-ask for the point they ended on: one factorisation
        # saved each time (valid while no other mode was computed, see _mode)
        self._cache = (np.array(par, float), (h - 0.5 * F.logdet, grad))
        return h - 0.5 * F.logdet, grad

    def _cached(self, par):
        c = self._cache
        if c is not None and np.array_equal(c[0], par):
            return c[1]
        return None

    def grad_opt(self, par):
        """Gradient of -loglik in the optimiser's parameters."""
        ll, g = self.loglik_grad(par)
        K1, p = self.K - 1, self.p
        g_th = g[:K1]
        gp = np.empty_like(par)
        tail = np.cumsum(g_th[::-1])[::-1]                # sum_{j >= l} dl/dtheta_j
        gp[0] = tail[0]
        gp[1:K1] = np.exp(par[1:K1]) * tail[1:]
        gp[K1:] = g[K1:]
        # l is even in each sigma (v -> -v): the optimiser may search over signed sigma
        gp[K1 + p:] *= np.where(par[K1 + p:] < 0, -1.0, 1.0)
        return -ll, -gp

    # -- natural parameters (theta, beta, log sigma of the free factors) -------------------
    def natural_grad(self, nat, free):
        """Gradient of loglik in (theta, beta original scale, log sigma_free)."""
        return self.natural_loglik_grad(self._from_natural(nat, free), free)[1]

    def natural_loglik_grad(self, par, free):
        """(loglik, gradient in the natural parameters) at ``par`` (optimiser parameters):
        at the point just evaluated it is the cached evaluation, where going through
        :meth:`natural_grad` would miss the cache by the rounding of exp(log sigma)."""
        K1, p = self.K - 1, self.p
        sig = self.unpack(par)[2]
        ll, g = self.loglik_grad(par)
        return ll, np.concatenate([g[:K1], g[K1:K1 + p] * self.scale,
                                   sig[free] * g[K1 + p:][free]])

    def _state(self):
        """What the last evaluation leaves behind (modes, their derivatives, selected
        inverse, cache), so that finite differences around a point can hand the point's own
        evaluation back. Not its factorisation: any nearby one serves the chord steps of
        the next mode (:meth:`_restore` takes the latest), and holding this one through the
        differences would keep one more dense system (128 MB at 4,000 inspectors)."""
        last = None if self._last is None else self._last[:5]
        return (self.v, last, self._cache, getattr(self, "_last_selected", None),
                self.inner_converged)

    def _restore(self, state):
        v, last, cache, selected, inner = state
        factor = None if self._last is None else self._last[5]
        self._last = None if last is None or factor is None else (*last, factor)
        self.v, self._cache, self._last_selected, self.inner_converged = \
            v, cache, selected, inner

    # -- modes of one fit as the start of another -------------------------------------------
    def modes_by_factor(self, par):
        """The conditional modes ``v_k`` at ``par``, one array per factor (copies)."""
        self.loglik(par)
        B = self.B
        return [self.v[B.full_off[k]:B.full_off[k] + B.sizes[k]].copy() for k in range(self.m)]

    def start_modes(self, modes):
        """Start the first inner Newton iteration from ``modes`` (one array per factor, as
        :meth:`modes_by_factor` gives; None keeps 0) rather than from 0: a reduced fit's
        modes at its own SD are close to the full model's, and each Newton step saved at
        the first evaluation is a dense factorisation of a crossed fit. The mode reached is
        the same (the inner problem is strictly concave), to the Newton tolerance."""
        B = self.B
        v = np.zeros(B.q)
        for k, mk in enumerate(modes):
            if mk is not None:
                v[B.full_off[k]:B.full_off[k] + B.sizes[k]] = mk
        self.v = v
        self._last = self._cache = None

    # -- fitting ----------------------------------------------------------------------------
    def start_curvature(self, par):
        """Forward-difference Hessian of -loglik in the optimiser's parameters at ``par``.

        Only a starting inverse Hessian for another model's BFGS (a reduced model's curvature
        is a close guess for the full model's, at a fraction of the cost): its accuracy does
        not reach any result, which the full model's own optimum and information determine.
        """
        def gradient(x):
            return self.grad_opt(x)[1]

        par = np.asarray(par, float)
        steps = 1e-4 * np.maximum(np.abs(par), 1.0)
        return forward_jacobian(gradient, par, steps, gradient(par))

    def fit(self, start, *, information=True, curvature=None):
        """Maximise the Laplace likelihood; returns the parameters with sigma >= 0.

        BFGS on exact gradients over *signed* sigma: the likelihood is even in each sigma, so
        there is no bound to stall on and a variance whose optimum is 0 is approached at a
        quadratic rate (then set to exactly 0, a singular fit, as lme4 reports it). Then
        Newton steps in the natural parameters on the observed information (a
        forward-difference Jacobian of the exact gradient, :func:`natural_hessian`), which is
        kept in ``self.information`` for the standard errors: the polishing steps are tiny, so one
        Jacobian serves both (and it is the expensive part of a large crossed fit).
        ``information=False`` (fits needed only for their log-likelihood, as the reduced
        models of the LR tests) stops after BFGS: at max|gradient| < 1e-4 the log-likelihood
        is within ~1e-9 of its maximum.

        ``curvature`` (a guess of the Hessian of -loglik at ``start``, in the optimiser's
        parameters) starts BFGS's inverse Hessian, which otherwise starts as the identity:
        with it BFGS takes the unit step from the first iteration (a crossed binomial fit of
        20,000 inspections: 19 evaluations fell to 7). It also measures how far BFGS is from
        the maximum, by the step ``C^-1 g`` it predicts (:data:`NEAR_OPTIMUM`): once that is
        below 1e-5 in every parameter, with every SD away from 0, BFGS hands over to the
        Newton steps, which need the information anyway and converge quadratically, so the
        last BFGS iterations (two of the ~17 evaluations of a crossed fit of 100,000
        inspections) are saved. The information is then taken at that point, ~1e-5 from
        the maximum, which moves it by about that much relative (a test checks it, the
        estimates and the log-likelihood against the full-tolerance path); if the Newton
        steps do not converge from there, BFGS resumes to its own tolerance and the
        information is taken again.
        """
        hess_inv0 = None
        if curvature is not None and np.all(np.isfinite(curvature)):
            hess_inv0 = _positive_inverse(curvature)
        early = information and hess_inv0 is not None
        par, ll = self._bfgs(start, hess_inv0, early)
        if not information:
            return par
        free = self.free
        info, nat, g = natural_hessian(self, par, free)
        polished, nat, par, ll = self._polish(info, nat, par, ll, g, free)
        if early and not polished:
            par, ll = self._bfgs(par, hess_inv0, False)
            free = self.free
            info, nat, g = natural_hessian(self, par, free)
            _, nat, par, ll = self._polish(info, nat, par, ll, g, free)
        self.information = info
        self.free = free
        self.par = par
        return par

    def _bfgs(self, start, hess_inv0, early):
        """BFGS from ``start`` (inverse Hessian ``hess_inv0`` or the identity), then SDs at
        the boundary set to 0; with ``early``, stopped near the optimum (see :meth:`fit`)."""
        K1, p = self.K - 1, self.p
        par = np.asarray(start, float).copy()
        options = {"maxiter": 1000, "gtol": 1e-4}
        if hess_inv0 is not None:
            options["hess_inv0"] = hess_inv0
        callback = None
        if early:
            def callback(intermediate_result):
                x = intermediate_result.x
                if self._cached(x) is None:     # only the point just evaluated: no extra cost
                    return
                if np.min(np.abs(x[K1 + p:])) < _BOUNDARY_SD:
                    return                      # the boundary checks below need BFGS's optimum
                g = self.grad_opt(x)[1]
                if np.max(np.abs(hess_inv0 @ g)) < NEAR_OPTIMUM:
                    raise StopIteration
        res = optimize.minimize(self.grad_opt, par, jac=True, method="BFGS", options=options,
                                callback=callback)
        par = res.x.copy()
        par[K1 + p:] = np.abs(par[K1 + p:])
        par[K1 + p:][par[K1 + p:] < 1e-5] = 0.0
        # A flat likelihood near sd = 0 can stop BFGS at a small positive sd; if sd = 0 is as
        # good (within 1e-7), report the boundary (a singular fit), as lme4 does.
        ll = self.loglik(par)
        for k in np.flatnonzero((par[K1 + p:] > 0) & (par[K1 + p:] < _BOUNDARY_SD)):
            cand = par.copy()
            cand[K1 + p + k] = 0.0
            ll_c = self.loglik(cand)
            if ll_c >= ll - 1e-7:
                par, ll = cand, ll_c
        self.free = par[K1 + p:] > 0
        self.opt_result = res
        self.par = par
        return par, ll

    def _polish(self, info, nat, par, ll, g, free):
        """Newton steps on the information from (nat, par, ll, g); returns whether they
        reached a Newton decrement below 1e-12 (the optimum to rounding). Each step is one
        evaluation of the likelihood and gradient at the candidate, kept if the likelihood
        did not fall, whose gradient then gives the next step."""
        try:
            chol = np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            return False, nat, par, ll
        for _ in range(5):
            step = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
            if g @ step < 1e-12:
                return True, nat, par, ll
            cand = nat + step
            cand_par = self._from_natural(cand, free)
            ll_c, g_c = self.natural_loglik_grad(cand_par, free)
            if ll_c < ll - 1e-9:
                return False, nat, par, ll
            nat, par, ll, g = cand, cand_par, ll_c, g_c
        return False, nat, par, ll

    def _from_natural(self, nat, free):
        K1, p = self.K - 1, self.p
        sig = np.zeros(self.m)
        sig[free] = np.exp(nat[K1 + p:])
        return self.pack(nat[:K1], nat[K1:K1 + p] * self.scale, sig)


def _positive_inverse(H):
    """Inverse of the symmetric ``H`` with its eigenvalues raised to at least 1e-3 of the
    largest (and to 1e-8): a guessed curvature that is flat or indefinite in some direction
    (a variance at 0) still gives BFGS a positive definite start."""
    eig, vec = np.linalg.eigh(0.5 * (H + H.T))
    floor = max(1e-3 * float(np.max(np.abs(eig))), 1e-8)
    inv = (vec / np.maximum(eig, floor)) @ vec.T
    return 0.5 * (inv + inv.T)                   # scipy checks exact symmetry


#: Relative step of the forward differences of the exact gradient (natural_hessian).
HESSIAN_STEP = 1e-6


def natural_hessian(model: MultiLaplaceGLMM, par, free):
    """Observed information (-Hessian of loglik) in (theta, beta, log sigma_free).

    Forward differences of the exact gradient, symmetrised: one gradient per parameter
    beyond the one at ``par`` (returned, since the Newton polish needs it), where central
    differences took two. Each gradient of a crossed fit costs a dense factorisation and
    inversion over the inspectors, so this halves the cost of the standard errors. The
    truncation error is about ``HESSIAN_STEP`` relative: standard errors agree with central
    differences at 1e-5 to about 2e-6 relative (a test checks 1e-5), well inside the
    reference tolerances (2e-3) and the finite-difference Hessians of lme4 and ordinal.
    """
    K1, p = model.K - 1, model.p
    theta, b, sig = model.unpack(par)
    nat = np.concatenate([theta, b / model.scale, np.log(sig[free])])
    steps = HESSIAN_STEP * np.maximum(np.abs(nat), 1.0)
    steps[K1:K1 + p] = HESSIAN_STEP / model.scale   # beta: the same step on the scaled columns
    g0 = model.natural_loglik_grad(par, free)[1]
    state = model._state()
    J = forward_jacobian(lambda x: model.natural_grad(x, free), nat, steps, g0)
    model._restore(state)      # the caller's next questions are about par, not par + step
    return -J, nat, g0


def forward_jacobian(fun, x, steps, f0):
    """Symmetrised forward-difference Jacobian of the vector function ``fun`` (a gradient)
    at ``x``, with ``f0 = fun(x)`` given and step ``steps[j]`` in coordinate ``j``."""
    k = len(x)
    J = np.empty((k, k))
    for j in range(k):                                  # a loop over parameters
        e = np.zeros(k)
        e[j] = steps[j]
        J[:, j] = (fun(x + e) - f0) / steps[j]
    return 0.5 * (J + J.T)
