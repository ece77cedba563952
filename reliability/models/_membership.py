"""Multiple-membership random effects: an inspection belongs to a TEAM of inspectors.

Syntax (brms's ``mm()``): ``(1 | mm(lead_inspector, member_2, member_3))`` gives every
non-missing member of a row the same weight; ``(1 | mm(a, b, c, weights = cbind(wa, wb,
wc)))`` takes the weights from columns, renormalised to sum to 1 over the non-missing members
of each row. The member columns share one set of levels (the union of their ids); a member
listed twice in a row gets the sum of its weights.

Model (Browne, Goldstein & Rasbash 2001, "Multiple membership multiple classification (MMMC)
models", *Statistical Modelling* 1, 103-124)::

    eta_i = x_i' beta + sigma_u * sum_j w_ij v_{g_ij},   v ~ N(0, I_G),

i.e. ``eta = X beta + sigma_u Z v`` with ``Z`` the n x G sparse (CSR) matrix of the weights.

* Linear model: ``y ~ N(X beta, sigma^2 (I + gamma Z Z'))`` with ``gamma = sigma_u^2 /
  sigma^2``. The (RE)ML criterion is profiled over beta and sigma^2 (Bates, Maechler, Bolker &
  Walker 2015, *J. Stat. Softw.* 67(1), eqs. 34 and 41) and minimised over the single scalar
  ``log gamma`` (``scipy.optimize.minimize_scalar``). Every n x n quantity is reduced to the
  G x G matrix ``M = I + gamma Z'Z`` by the matrix determinant lemma
  (``log|I + gamma ZZ'| = log|M|``) and Woodbury (``(I + gamma ZZ')^-1 = I - gamma Z M^-1
  Z'``); ``M`` is factorised densely (``scipy.linalg.cho_factor``).
* Binomial and cumulative-link (ordinal) models: the Laplace approximation (Bates et al. 2015,
  section 5) ``l = h(v^) - log|H| / 2`` with ``h(v) = sum_i log p_i - |v|^2 / 2`` and
  ``H = sigma_u^2 Z' W Z + I`` (W the per-observation curvature) at the conditional mode
  ``v^``, found by Newton steps on the G-vector with step halving. The outer optimisation over
  (threshold 1, log threshold gaps, beta, signed sigma_u) is BFGS on central finite-difference
  gradients followed by Newton polishing on a finite-difference Hessian (adequate for a
  handful of parameters; the likelihood depends on sigma_u^2 only, so the signed SD lets the
  optimiser reach 0). Adaptive quadrature (nagq > 1) is not defined: the random effects of a
  row are not one scalar.

Checked (``tests/models/test_membership.py``) against the library's ordinary ``(1|g)`` fits
when every row has one member, against a dense multivariate-normal likelihood (linear) and a
plainly written Laplace approximation (binomial), and by simulation with known truth.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, sparse

from reliability._errors import ConvergenceWarning, ReliabilityError, require_columns, show
from reliability.models._quadrature import get_link, scaled_design
from reliability.models._slopes import _fd_hessian, _minimise, _obs

_LOG2PI = math.log(2 * math.pi)
_NEWTON_TOL = 1e-10

#: ``(lhs | mm(...))`` with at most one level of nested parentheses inside ``mm( )``
_RE_MM = re.compile(r"\(\s*([^|()]*?)\s*\|\s*mm\s*\(((?:[^()]|\([^()]*\))*)\)\s*\)")


@dataclass(frozen=True)
class MembershipDesign:
    """The random part of a multiple-membership model."""

    group: str                 # "mm(a, b, c)" as written (normalised spacing)
    members: tuple             # member columns
    weight_columns: tuple      # weight columns (empty: equal weights)
    Z: object                  # (n, G) scipy.sparse CSR of the normalised weights
    levels: np.ndarray         # the union of the member ids (sorted)


def split_membership(formula):
    """(the formula without its ``mm()`` term, the term's text, its lhs, its arguments) or
    None when ``formula`` has no ``mm()`` term."""
    if not isinstance(formula, str) or "~" not in formula:
        return None
    found = _RE_MM.findall(formula)
    if not found:
        if re.search(r"\|\s*mm\s*\(", formula):
            raise ReliabilityError(
                f"cannot read the multiple-membership term of {formula!r}: write (1 | mm(a, b, "
                "c)) or (1 | mm(a, b, c, weights = cbind(wa, wb, wc))) with column names")
        return None
    if len(found) > 1:
        raise ReliabilityError(f"{formula!r} has {len(found)} mm() terms: one multiple-"
                               "membership term per model is supported")
    lhs, args = found[0]
    rest = _RE_MM.sub("", formula)
    lhs_f, rhs_f = rest.split("~", 1)
    rhs_f = re.sub(r"\+(\s*\+)+", "+", rhs_f)
    rhs_f = re.sub(r"^\s*\+|\+\s*$", "", rhs_f.strip()).strip() or "1"
    return f"{lhs_f.strip()} ~ {rhs_f}", lhs, args


def _parse_mm_args(args, columns, formula):
    """(member columns, weight columns) of ``mm(a, b, c, weights = cbind(wa, wb, wc))``.

    Parsed with :mod:`ast` against an allow-list: bare column names, and one keyword
    ``weights`` holding ``cbind`` of bare column names. Nothing is evaluated.
    """
    text = f"mm({args})"
    try:
        call = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ReliabilityError(f"cannot parse {text!r} in {formula!r}: {exc.msg}") from exc
    cols = set(map(str, columns))

    def name(node, where):
        if not isinstance(node, ast.Name) or "__" in node.id:
            raise ReliabilityError(f"{where} of {text!r} must be bare column names; got "
                                   f"{ast.unparse(node)!r}")
        return node.id

    members = [name(a, "the members") for a in call.args]
    weights = []
    for k in call.keywords:
        if k.arg != "weights":
            raise ReliabilityError(f"{text!r}: the only keyword of mm() is weights = "
                                   f"cbind(...); got {k.arg!r}")
        v = k.value
        if not (isinstance(v, ast.Call) and isinstance(v.func, ast.Name)
                and v.func.id == "cbind" and not v.keywords):
            raise ReliabilityError(f"{text!r}: weights must be cbind(w1, w2, ...) of columns")
        weights = [name(a, "the weights") for a in v.args]
    if len(members) < 1:
        raise ReliabilityError(f"{text!r} in {formula!r} names no member column")
    if weights and len(weights) != len(members):
        raise ReliabilityError(f"{text!r}: {len(weights)} weight column(s) for "
                               f"{len(members)} member column(s); give one per member")
    require_columns(pd.DataFrame(columns=list(cols)), members + weights)
    return members, weights


def _member_codes(block):
    """(n, m) integer codes (-1 = missing) over the union of ids, and the sorted levels."""
    present = block.notna().to_numpy()
    numeric = all(pd.api.types.is_numeric_dtype(block[c]) and
                  not pd.api.types.is_bool_dtype(block[c]) for c in block.columns)
    if numeric:
        vals = block.to_numpy(dtype=float)
        flat = vals[present]
        if np.all(flat == np.round(flat)):
            flat = flat.astype(np.int64)
    else:
        # text ids (a column of numbers beside text ones is read as text, integral numbers
        # without a trailing ".0", so that 12 and "12" are one inspector)
        parts = []
        for c in block.columns:
            col = block[c]
            if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                num = col.to_numpy(dtype=float)
                if np.all(num[np.isfinite(num)] == np.round(num[np.isfinite(num)])):
                    col = col.astype("Int64")
            parts.append(col.astype(object).where(col.notna(), None).astype(str).str.strip())
        flat = np.column_stack([p.to_numpy(dtype=object) for p in parts])[present]
    codes_flat, levels = pd.factorize(pd.Series(flat), sort=True)
    codes = np.full(present.shape, -1, dtype=np.intp)
    codes[present] = codes_flat
    return codes, np.asarray(levels)


def membership_design(lhs, args, data, design, formula):
    """The :class:`MembershipDesign` of the rows ``design`` used (``design.rows``, 1-based)."""
    if lhs.strip() != "1":
        raise ReliabilityError(f"the multiple-membership term of {formula!r} must be "
                               f"(1 | mm(...)): a random intercept; got ({lhs} | mm(...))")
    members, wcols = _parse_mm_args(args, data.columns, formula)
    if design.response in members:
        raise ReliabilityError(f"response {design.response!r} is also a member column of "
                               f"{formula!r}")
    pos = np.asarray(design.rows, dtype=np.intp) - 1
    block = data[members].iloc[pos].reset_index(drop=True)
    codes, levels = _member_codes(block)
    present = codes >= 0
    n, m = codes.shape
    rows = np.asarray(design.rows)
    none = ~present.any(axis=1)
    if none.any():
        i = int(np.flatnonzero(none)[0])
        raise ReliabilityError(f"row {int(rows[i])} has no member in {', '.join(members)} "
                               f"({int(none.sum())} such row(s)): every row needs at least "
                               "one inspector")
    if wcols:
        W = data[wcols].iloc[pos].reset_index(drop=True)
        for c in wcols:
            if not pd.api.types.is_numeric_dtype(W[c]):
                raise ReliabilityError(f"weight column {c!r} must be numeric")
        W = W.to_numpy(dtype=float)
        bad = present & ~np.isfinite(W)
        if bad.any():
            i, j = map(int, np.argwhere(bad)[0])
            raise ReliabilityError(f"weight column {wcols[j]!r} row {int(rows[i])} is "
                                   f"{show(W[i, j])} but member {members[j]!r} is present: "
                                   "give each present member a finite weight")
        neg = present & (W < 0)
        if neg.any():
            i, j = map(int, np.argwhere(neg)[0])
            raise ReliabilityError(f"weight column {wcols[j]!r} row {int(rows[i])} is "
                                   f"negative ({W[i, j]:g}): weights must be >= 0")
        W = np.where(present, W, 0.0)
    else:
        W = present.astype(float)
    tot = W.sum(axis=1)
    zero = tot <= 0
    if zero.any():
        i = int(np.flatnonzero(zero)[0])
        raise ReliabilityError(f"row {int(rows[i])} has all-zero weights over its members "
                               f"({', '.join(wcols)}): the weights cannot be normalised")
    W = W / tot[:, None]
    if len(levels) < 2:
        raise ReliabilityError(f"the members of mm({', '.join(members)}) have a single id "
                               f"({show(levels[0])}): a variance needs at least 2 inspectors")
    ii = np.repeat(np.arange(n), m)[present.ravel()]
    Z = sparse.csr_matrix((W.ravel()[present.ravel()], (ii, codes.ravel()[present.ravel()])),
                          shape=(n, len(levels)))
    Z.sum_duplicates()
    group = f"mm({', '.join(members)}" + (f", weights = cbind({', '.join(wcols)}))"
                                          if wcols else ")")
    return MembershipDesign(group=group, members=tuple(members), weight_columns=tuple(wcols),
                            Z=Z, levels=levels)


# -- linear model -------------------------------------------------------------------------

class LinearMembership:
    """Profiled REML/ML criterion of ``y ~ N(X beta, sigma^2 (I + gamma Z Z'))``.

    Parameters
    ----------
    y : array (n,)
    X : array (n, p)
        Fixed design including the intercept column, full column rank.
    Z : sparse matrix (n, G)
        Membership weights (rows sum to 1).
    reml : bool
        REML (Bates et al. 2015, eq. 41) or ML (eq. 34).

    Notes
    -----
    ``beta`` and ``sigma^2`` are profiled out; the criterion is a function of ``gamma`` only,
    evaluated through ``M = I + gamma Z'Z`` (G x G): ``log|I + gamma ZZ'| = log|M|`` and
    ``X'(I + gamma ZZ')^-1 X = X'X - gamma X'Z M^-1 Z'X``.
    """

    def __init__(self, y, X, Z, *, reml=True):
        self.y = np.asarray(y, float)
        self.X = np.asarray(X, float)
        self.Z = sparse.csr_matrix(Z)
        self.n, self.p = self.X.shape
        self.G = self.Z.shape[1]
        self.reml = bool(reml)
        self.ZtZ = (self.Z.T @ self.Z).toarray()
        self.ZtX = np.asarray(self.Z.T @ self.X)
        self.Zty = np.asarray(self.Z.T @ self.y).ravel()
        self.XtX = self.X.T @ self.X
        self.Xty = self.X.T @ self.y
        self.yty = float(self.y @ self.y)
        self.df = self.n - self.p if self.reml else self.n

    def parts(self, gamma):
        M = gamma * self.ZtZ
        M[np.diag_indices_from(M)] += 1.0
        cf = linalg.cho_factor(M, lower=True)
        Mc = linalg.cho_solve(cf, self.ZtX)
        Md = linalg.cho_solve(cf, self.Zty)
        XVX = self.XtX - gamma * self.ZtX.T @ Mc
        XVy = self.Xty - gamma * self.ZtX.T @ Md
        yVy = self.yty - gamma * float(self.Zty @ Md)
        beta = np.linalg.solve(XVX, XVy)
        r2 = yVy - float(beta @ XVy)
        ldM = 2.0 * float(np.log(np.diag(cf[0])).sum())
        ldX = float(np.linalg.slogdet(XVX)[1]) if self.reml else 0.0
        return dict(cf=cf, Mc=Mc, Md=Md, XVX=XVX, beta=beta, r2=r2, ldM=ldM, ldX=ldX)

    def deviance(self, log_gamma):
        """Profiled -2 (RE)ML log-likelihood at ``log gamma`` (beta, sigma^2 profiled out)."""
        try:
            P = self.parts(math.exp(log_gamma))
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            return 1e300
        if not P["r2"] > 0:
            return 1e300
        return P["ldM"] + P["ldX"] + self.df * (1.0 + _LOG2PI + math.log(P["r2"] / self.df))

    def deviance_full(self, gamma, log_sigma):
        """-2 (RE)ML log-likelihood at gamma and sigma (beta profiled out)."""
        P = self.parts(gamma)
        s2 = math.exp(2 * log_sigma)
        return P["ldM"] + P["ldX"] + P["r2"] / s2 + self.df * (_LOG2PI + math.log(s2))

    def fit(self):
        lo, hi = -30.0, 15.0
        res = optimize.minimize_scalar(self.deviance, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-10, "maxiter": 500})
        lg = float(res.x)
        boundary = lg < lo + 1.0
        gamma = math.exp(lg)
        P = self.parts(gamma)
        sigma = math.sqrt(P["r2"] / self.df)
        sd = sigma * math.sqrt(gamma)
        # modes b = gamma M^-1 Z'(y - X beta) (lme4's conditional modes, y units);
        # conditional variances sigma^2 gamma diag(M^-1)
        u = P["Md"] - P["Mc"] @ P["beta"]
        modes = gamma * u
        Minv = linalg.cho_solve(P["cf"], np.eye(self.G))
        cond_sd = sigma * math.sqrt(gamma) * np.sqrt(np.diag(Minv))
        vcov = sigma ** 2 * np.linalg.inv(P["XVX"])
        h = 1e-4
        grad = (self.deviance(lg + h) - self.deviance(lg - h)) / (2 * h) / 2.0
        lsd_se, ok = math.nan, boundary
        if not boundary:
            def f(nu):      # -loglik in (log sd_u, log sigma), beta profiled out
                return 0.5 * self.deviance_full(math.exp(2 * (nu[0] - nu[1])), nu[1])
            H = _fd_hessian(f, np.array([math.log(sd), math.log(sigma)]), np.full(2, 1e-3))
            ok = bool(np.all(np.isfinite(H)) and np.linalg.eigvalsh(H).min() > 0)
            if ok:
                lsd_se = float(math.sqrt(np.linalg.inv(H)[0, 0]))
        return dict(loglik=-0.5 * self.deviance(lg), beta=P["beta"], vcov=vcov, sigma=sigma,
                    sd=sd, gamma=gamma, log_sd_se=lsd_se, modes=modes, cond_sd=cond_sd,
                    grad=abs(grad) if not boundary else 0.0, curv_ok=ok, boundary=boundary)


# -- cumulative-link / binomial GLMM ----------------------------------------------------------

class LaplaceMembership:
    """Laplace likelihood of ``P(Y_i <= j | v) = F(theta_j - x_i'beta - s (Z v)_i)``.

    Parameters
    ----------
    y : int array (n,)
        Category codes 0..K-1 (K = 2: binomial, y = 1 the second category).
    X : array (n, p)
        Fixed design without the intercept column (the thresholds play its part).
    Z : sparse matrix (n, G)
        Membership weights (rows sum to 1).
    K : int
        Number of categories.
    link : {"logit", "probit"}

    Notes
    -----
    Optimiser parameters: (theta_1, log threshold gaps, beta on RMS-scaled X columns, signed
    ``s = +-sigma_u``). Laplace approximation of Bates et al. (2015), section 5, with the
    G-vector of conditional modes from Newton steps on ``H = s^2 Z'WZ + I`` (dense Cholesky).
    The outer fit uses finite-difference gradients (BFGS, then Newton polishing).
    """

    def __init__(self, y, X, Z, K, *, link="logit"):
        self.link = get_link(link)
        self.y, self.n, self.p, self.scale, self.Xs = scaled_design(y, X)
        self.Z = sparse.csr_matrix(Z)
        self.Zt = self.Z.T.tocsr()
        self.G = self.Z.shape[1]
        self.K = K
        self.v = np.zeros(self.G)
        self.inner_converged = True

    def unpack(self, par):
        K1, p = self.K - 1, self.p
        th = np.cumsum(np.concatenate([par[:1], np.exp(par[1:K1])]))
        return th, par[K1:K1 + p], float(par[K1 + p])

    def _mode(self, th, beta, s):
        eta0 = self.Xs @ beta if self.p else np.zeros(self.n)
        Z, Zt = self.Z, self.Zt
        eye = np.eye(self.G)

        def state(v):
            lp, d1, w = _obs(self.link, self.y, th, eta0 + s * (Z @ v))
            return lp, d1, w, float(lp.sum() - 0.5 * v @ v)

        v = self.v.copy()
        lp, d1, w, h = state(v)
        conv = False
        for _ in range(100):
            g = s * (Zt @ d1) - v
            H = s * s * (Zt @ Z.multiply(w[:, None])).toarray() + eye
            cf = linalg.cho_factor(H, lower=True)
            step = linalg.cho_solve(cf, g)
            if np.max(np.abs(step)) < _NEWTON_TOL:
                conv = True
                break
            t = 1.0
            new = state(v + step)
            for _ in range(40):
                if new[3] >= h - 1e-12 * abs(h):
                    break
                t *= 0.5
                new = state(v + t * step)
            v = v + t * step
            lp, d1, w, h = new
        self.v = v
        self.inner_converged = conv
        return v, h, cf

    def loglik(self, par, *, modes=False):
        th, beta, s = self.unpack(par)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            v, h, cf = self._mode(th, beta, s)
            ll = h - float(np.log(np.diag(cf[0])).sum())
        if not modes:
            return ll
        Hinv = linalg.cho_solve(cf, np.eye(self.G))
        return ll, s * v, abs(s) * np.sqrt(np.diag(Hinv))

    def _nll(self, par):
        try:
            v = -self.loglik(par)
        except (np.linalg.LinAlgError, linalg.LinAlgError, FloatingPointError, ValueError):
            return 1e300
        return v if np.isfinite(v) else 1e300

    def natural(self, par):
        th, beta, s = self.unpack(par)
        with np.errstate(divide="ignore"):
            return np.concatenate([th, beta / self.scale, [math.log(abs(s))]])

    def from_natural(self, nat):
        K1, p = self.K - 1, self.p
        th = nat[:K1]
        return np.concatenate([th[:1], np.log(np.diff(th)), nat[K1:K1 + p] * self.scale,
                               [math.exp(nat[-1])]])

    def fit(self, start):
        par, grad = _minimise(self._nll, np.asarray(start, float), h=1e-5)
        par[-1] = abs(par[-1])
        return par, grad

    def information(self, par, boundary):
        K1, p = self.K - 1, self.p
        nat = self.natural(par)
        k = K1 + p if boundary else len(nat)
        steps = 1e-4 * np.maximum(np.abs(nat[:k]), 1.0)
        steps[K1:K1 + p] = 1e-4 / self.scale
        s = par[-1]

        def f(x):
            full = np.concatenate([x, nat[k:]]) if boundary else x
            q = self.from_natural(np.concatenate([full[:-1], [0.0]]) if boundary else full)
            if boundary:
                q[-1] = s
            return self._nll(q)
        return _fd_hessian(f, nat[:k], steps)


# -- MixedResult builders ---------------------------------------------------------------------

def _term(md, sd, log_sd_se, modes, cond_sd, ll_red):
    from reliability.models.results import RandomTerm
    sizes = np.asarray(md.Z.sum(axis=0)).ravel()
    return RandomTerm(group=md.group, sd=float(sd), log_sd_se=float(log_sd_se),
                      levels=md.levels, modes=np.asarray(modes), cond_sd=np.asarray(cond_sd),
                      sizes=sizes, loglik_reduced=float(ll_red),
                      reduced_model="no random effect", terms=(f"(1 | {md.group})",))


def fit_glmm_membership(y, design, K, link, nagq, formula, confidence, kind, categories):
    """Ordinal / binomial fit with one multiple-membership random intercept (Laplace)."""
    from reliability.models._ordinal import CumulativeLinkGLMM
    from reliability.models.results import MixedResult

    md = design.membership
    if nagq > 1:
        raise ReliabilityError(
            f"adaptive quadrature (nagq={nagq}) is not available for the multiple-membership "
            f"term {md.group} of {formula!r}: a row's random effect is a weighted sum of "
            "several inspectors' effects, not one scalar; use nagq=1 (Laplace)")
    X = design.X
    p, K1 = X.shape[1], K - 1
    notes = []
    null = CumulativeLinkGLMM(y, X, None, 0, K, link=link)
    par0, _ = null.fit()
    ll_null = null.loglik(par0)
    model = LaplaceMembership(y, X, md.Z, K, link=link)
    par, grad = model.fit(np.concatenate([par0, [0.5]]))
    ll, modes, cond_sd = model.loglik(par, modes=True)
    inner_ok = model.inner_converged
    sd = abs(float(par[-1]))
    boundary = sd < 1e-4
    if boundary:
        notes.append(f"random-effect SD of {md.group!r} estimated as 0 (on the boundary); "
                     "its SE is NaN and the fixed-effect SEs hold it fixed")
    from reliability.models._slopes_api import finish_glmm

    H = model.information(par, boundary)
    fin = finish_glmm(H, model.natural(par), grad, inner_ok, X, design, link, kind, K1, p,
                      categories, notes, "multiple-membership model")
    lsd_se = math.nan if boundary else float(fin["se_all"][-1])
    term = _term(md, sd, lsd_se, modes, cond_sd, ll_null)
    return MixedResult(
        kind=kind, formula=formula, link=link, method="laplace", names=fin["names"],
        coef=fin["beta"], se=fin["b_se"], threshold_names=fin["th_names"],
        thresholds=fin["theta"], threshold_se=fin["th_se"], random=(term,), loglik=float(ll),
        nobs=len(y), n_dropped=design.n_dropped, converged=fin["converged"],
        max_gradient=fin["maxg"], hessian_pd=fin["pd_ok"], vcov=fin["vcov"],
        confidence=confidence, categories=tuple(categories), n_params=K1 + p + 1,
        notes=tuple(notes), _spec=design.spec)


def linear_membership(y, X, names, design, *, reml, confidence, formula):
    """Linear mixed model with one multiple-membership random intercept (REML or ML)."""
    from reliability._reml import fit_gaussian
    from reliability.models.formula import warn_at_caller as _warn
    from reliability.models.results import MixedResult

    md = design.membership
    fit = LinearMembership(y, X, md.Z, reml=reml).fit()
    ll_red = fit_gaussian(y, X, [], reml=reml, conditional=False, curvature=False).loglik
    notes = ["log_sd_se from the curvature of the profiled criterion in (log SD, log sigma)"]
    if fit["boundary"]:
        notes.append(f"random-effect SD of {md.group!r} at the boundary (0)")
    converged = bool(fit["grad"] < 1e-3 and fit["curv_ok"])
    if not converged:
        notes.append("NOT CONVERGED")
        _warn("linear multiple-membership model did not converge", ConvergenceWarning)
    term = _term(md, fit["sd"], fit["log_sd_se"], fit["modes"], fit["cond_sd"], ll_red)
    return MixedResult(
        kind="linear", formula=formula, link="identity", method="reml" if reml else "ml",
        names=tuple(names), coef=fit["beta"], se=np.sqrt(np.diag(fit["vcov"])),
        threshold_names=(), thresholds=np.array([]), threshold_se=np.array([]),
        random=(term,), loglik=float(fit["loglik"]), nobs=len(y), n_dropped=design.n_dropped,
        converged=converged, max_gradient=float(fit["grad"]), hessian_pd=bool(fit["curv_ok"]),
        vcov=fit["vcov"], confidence=confidence, residual_sd=fit["sigma"], reml=reml,
        n_params=X.shape[1] + 2, notes=tuple(notes), _spec=design.spec)
