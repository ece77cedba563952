"""Public entry points: ordinal_mixed, binomial_mixed, linear_mixed."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from reliability._errors import ConvergenceWarning, DataWarning, ReliabilityError, show, suggest
from reliability._progress import fit_status
from reliability._reml import limit_blas_threads
from reliability._validation import AnyOf, Boolean, Choice, Constraint, Integer, validate_params
from reliability.models._ordinal import CumulativeLinkGLMM
from reliability.models._quadrature import column_scale
from reliability.models.formula import build_design, warn_at_caller as _warn
from reliability.models.results import MixedResult

_GRAD_TOL = 1e-3   # max |gradient| of -loglik (optimiser scale) to call a fit converged


class ListOf(Constraint):
    """A non-empty list or tuple of distinct labels (the ``categories`` option, best first)."""

    def accepts(self, value) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, pd.Index,
                                                                      np.ndarray)):
            return False
        vals = list(value)
        try:
            return len(vals) >= 2 and len(set(vals)) == len(vals)
        except TypeError:
            return False

    def describe(self) -> str:
        return "a list of at least 2 distinct labels, best first"


#: Options of the mixed models, checked at the public boundary (reliability._validation).
_LINK = Choice(("logit", "probit"))
_NAGQ = Integer(1, 50)          # quadrature nodes; 1 = Laplace
_CATEGORIES = AnyOf((None, ListOf()))
_GLMM_OPTIONS = {"link": _LINK, "nagq": _NAGQ, "confidence": "shared",
                 "categories": _CATEGORIES}
_LINEAR_OPTIONS = {"reml": Boolean(), "confidence": "shared", "categories": _CATEGORIES}


def _keep_inputs(kind):
    """Keep the call's formula, data and options on the result (``MixedResult._inputs``) for
    methods that refit (``profile_ci``)."""
    import dataclasses
    import functools
    import inspect

    def decorate(func):
        sig = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            res = func(*args, **kwargs)
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            a = dict(bound.arguments)
            return dataclasses.replace(res, _inputs=(kind, a.pop("formula"), a.pop("data"), a))
        return wrapper
    return decorate


def _method(nagq):
    return "laplace" if nagq == 1 else f"agq-{int(nagq)}"


def _boundary_note(group):
    return (f"random-effect SD of {group!r} estimated as 0 (on the boundary: a singular fit); "
            "its variance is not identified from these data, so its SE and CI are NaN")


def _warn_note(notes, message, category=DataWarning):
    notes.append(message)
    _warn(message, category)


def _single_row_groups(design, kind, notes):
    """Flag a random term whose every group has one row.

    A linear model cannot then tell the group variance from the residual variance (both
    are per-row variation: only their sum is identified, so any VPC is arbitrary); a GLMM
    separates them only through the assumed latent distribution.
    """
    for k, g in enumerate(design.groups):
        if np.bincount(design.codes[k]).max() > 1:
            continue
        why = ("the group variance is not identifiable from the residual variance (only "
               "their sum is), so its SD and VPC are arbitrary"
               if kind == "linear" else
               "the group variance is identified only through the assumed latent "
               "distribution, so its SD and VPC are not trustworthy")
        _warn_note(notes, f"random term (1|{g}) has one row per group ({len(design.levels[k])} "
                          f"groups of 1): {why}; group by a coarser column")


def _level_separation(design, y, K, notes):
    """Flag a level of a categorical (or two-valued) predictor whose rows all share the same
    extreme response: (quasi-)separation, so that level's coefficient has no finite ML
    estimate. The coefficient test on the fitted scale catches only large drifts; a rare
    level can stop short of it with a plausible-looking estimate."""
    frame = design.frame
    lo, hi = (y == 0).astype(float), (y == K - 1).astype(float)
    found = []
    for c in design.predictors:
        if c not in frame.columns:
            continue
        col = frame[c]
        codes, levels = pd.factorize(col, sort=True)
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        if len(levels) < 2 or (numeric and len(levels) > 2) or len(levels) > 100:
            continue
        n = np.bincount(codes, minlength=len(levels))
        all_lo = np.bincount(codes, lo, len(levels)) == n
        all_hi = np.bincount(codes, hi, len(levels)) == n
        for j in np.flatnonzero(all_lo | all_hi):
            found.append(f"{c} = {show(levels[j])} ({int(n[j])} row(s), all "
                         f"{'lowest' if all_lo[j] else 'highest'} response)")
    if found:
        _warn_note(notes, "separation through a factor level: every row with "
                   + "; ".join(found) + ". The coefficient of that level has no finite "
                   "maximum-likelihood estimate (it drifts towards +-infinity) and its SE is "
                   "meaningless: merge the level with a neighbour or drop its rows",
                   ConvergenceWarning)


def _split_terms(design, full, offsets):
    """Per-factor slices of a vector over all levels (in the engine's block order)."""
    return [full[offsets[k]:offsets[k] + len(design.levels[k])] for k in range(len(design.groups))]


def _terms(design, sds, log_sd_ses, modes, cond_sds, reduced):
    from reliability.models.results import RandomTerm
    out = []
    for k, g in enumerate(design.groups):
        out.append(RandomTerm(
            group=g, sd=float(sds[k]), log_sd_se=float(log_sd_ses[k]),
            levels=design.levels[k], modes=np.asarray(modes[k]),
            cond_sd=np.asarray(cond_sds[k]),
            sizes=np.bincount(design.codes[k], minlength=len(design.levels[k])),
            loglik_reduced=float(reduced[k][0]), reduced_model=reduced[k][1]))
    return tuple(out)


def _reduced_label(design, k):
    others = [g for j, g in enumerate(design.groups) if j != k]
    if not others:
        return "no random effect"
    return "the model with " + " + ".join(f"(1|{g})" for g in others) + " only"


def _fit_clm(y, design, K, link, nagq, formula, confidence, kind, categories):
    if design.membership is not None:   # (1 | mm(a, b, c)): multiple membership
        from reliability.models._membership import fit_glmm_membership
        return fit_glmm_membership(y, design, K, link, nagq, formula, confidence, kind,
                                   categories)
    if design.slopes is not None:       # random slopes: one factor, q effects per group
        from reliability.models._slopes_api import fit_glmm_slopes
        return fit_glmm_slopes(y, design, K, link, nagq, formula, confidence, kind, categories)
    m = len(design.groups)
    if nagq > 1 and m > 1:
        raise ReliabilityError(
            f"adaptive quadrature (nagq={nagq}) needs a single random term; {formula!r} has "
            f"{m} ({', '.join(design.groups)}). Use nagq=1 (Laplace), as lme4 and ordinal do "
            "for crossed or nested terms")
    # one step per fit: the model without a random effect, the reduced models (several
    # terms), the full model
    n_steps = 2 + (m if (nagq == 1 and m > 1) else 0)
    with fit_status(n_steps, desc=f"{kind}_mixed: no random effect", rows=len(y)) as status:
        return _fit_clm_steps(y, design, K, link, nagq, formula, confidence, kind, categories,
                              status)


def _crossed_start(starts, best, n_fixed, m):
    """Start (parameters, curvature and modes) of a fit with ``m`` random terms from its
    reduced fits.

    ``starts`` holds, per reduced fit, the terms it keeps, its estimates, its curvature (in
    the optimiser's parameters) and its conditional modes (one array per term kept). The
    fixed part and its curvature come from the best reduced fit; each SD (with its rows of
    the curvature and its modes) from the reduced fit where it is largest. Without the
    reduced fits' curvatures the curvature is None (BFGS starts from the identity).
    """
    sd0 = np.zeros(m)
    source = np.full(m, -1)
    for s, (others, sub_par, _, _) in enumerate(starts):
        for i, j in enumerate(others):
            if source[j] < 0 or sub_par[n_fixed + i] > sd0[j]:
                sd0[j], source[j] = sub_par[n_fixed + i], s
    start = np.concatenate([starts[best][1][:n_fixed], np.maximum(sd0, 0.05)])
    modes = [starts[source[j]][3][starts[source[j]][0].index(j)] for j in range(m)]
    if any(s[2] is None for s in starts):
        return start, None, modes
    H = np.zeros((n_fixed + m, n_fixed + m))
    H[:n_fixed, :n_fixed] = starts[best][2][:n_fixed, :n_fixed]
    for j in range(m):
        others, _, Hs, _ = starts[source[j]]
        i = n_fixed + others.index(j)
        H[n_fixed + j, n_fixed + j] = Hs[i, i]
        H[n_fixed + j, :n_fixed] = H[:n_fixed, n_fixed + j] = Hs[i, :n_fixed]
    return start, H, modes


def _fit_clm_steps(y, design, K, link, nagq, formula, confidence, kind, categories, status):
    from reliability.models._laplace import MultiLaplaceGLMM

    m = len(design.groups)
    sizes = [len(lv) for lv in design.levels]
    null = CumulativeLinkGLMM(y, design.X, None, 0, K, link=link)
    par0, _ = null.fit()
    ll_null = null.loglik(par0)
    status.step(f"{kind}_mixed: full model" if (nagq > 1 or m == 1) else
                f"{kind}_mixed: without {design.groups[0]}")
    p = design.X.shape[1]
    notes = []
    _single_row_groups(design, kind, notes)
    _level_separation(design, y, K, notes)
    if nagq > 1:
        G = sizes[0]
        model = CumulativeLinkGLMM(y, design.X, design.codes[0], G, K, link=link, nagq=nagq)
        start = np.concatenate([par0, [math.log(0.3)]])
        par, grad = model.fit(start)
        status.step()
        ll, modes, cond_sd = model.loglik(par, modes=True)
        nat = model.natural(par)
        H = model.hessian_natural(nat)
        inner_ok = model.inner_converged
        free = np.array([True])
        sds = np.array([math.exp(nat[-1])])
        mode_terms, csd_terms = [modes], [cond_sd]
        if nat[-1] < math.log(1e-4):
            notes.append("random-effect SD is at the boundary (~0): the group variance is not "
                         "identified from these data")
        reduced = [(ll_null, "no random effect")]
    else:
        # Reduced models (each term left out in turn) first: they are needed for the LR tests
        # and, with one term fewer, are cheap; together they give the full fit a start close
        # to its optimum (the fixed part of the best one, each SD from a fit that has it).
        reduced, starts = [], []
        for k in range(m):
            if m == 1:
                reduced.append((ll_null, "no random effect"))
                continue
            others = [j for j in range(m) if j != k]
            sub = MultiLaplaceGLMM(y, design.X, [design.codes[j] for j in others],
                                   [sizes[j] for j in others], K, link=link)
            # the previous reduced fit's curvature (same parameters, the other term's SD) is
            # a better start for BFGS's inverse Hessian than the identity
            sub_start = np.concatenate([par0, np.full(m - 1, 0.3)])
            previous = starts[-1][2] if starts else (
                sub.start_curvature(sub_start) if m == 2 else None)
            sub_par = sub.fit(sub_start, information=False, curvature=previous)
            reduced.append((sub.loglik(sub_par), _reduced_label(design, k)))
            # a reduced fit with one random term is cheap to differentiate (its H is
            # diagonal): its curvature starts the full fit's BFGS (see _crossed_start)
            sub_modes = sub.modes_by_factor(sub_par)
            starts.append((others, sub_par, sub.start_curvature(sub_par) if m == 2 else None,
                           sub_modes))
            status.step(f"{kind}_mixed: without {design.groups[k + 1]}" if k + 1 < m else
                        f"{kind}_mixed: full model")
            status.note(loglik=f"{reduced[-1][0]:.6g}")
        model = MultiLaplaceGLMM(y, design.X, list(design.codes), sizes, K, link=link)
        if m == 1:
            start, curvature = np.concatenate([par0, [0.3]]), None
        else:
            best = int(np.argmax([r[0] for r in reduced]))
            start, curvature, modes = _crossed_start(starts, best, K - 1 + p, m)
            model.start_modes(modes)
        par = model.fit(start, curvature=curvature)
        status.step()
        theta, _, sds = model.unpack(par)
        free = model.free
        H = model.information
        nat = np.concatenate([theta, model.unpack(par)[1] / model.scale, np.log(sds[free])])
        neg_ll, g_opt = model.grad_opt(par)        # also leaves the selected inverse at par
        keep = np.concatenate([np.ones(K - 1 + p, bool), free])
        grad = g_opt[keep]
        ll = -neg_ll
        inner_ok = model.inner_converged
        if m > 1 and ll < max(r[0] for r in reduced) - 1e-6:
            # nested models: the full fit can never be worse than a reduced one
            notes.append("the full model's log-likelihood is below a reduced model's: the "
                         "optimiser did not find the maximum")
            inner_ok = False
        diag = model._last_selected
        B = model.B
        offs = [B.full_off[k] for k in range(m)]
        v = _split_terms(design, model.v, offs)
        dg = _split_terms(design, diag, offs)
        mode_terms = [sds[k] * v[k] for k in range(m)]
        csd_terms = [sds[k] * np.sqrt(dg[k]) for k in range(m)]
        for k in np.flatnonzero(~free):
            notes.append(_boundary_note(design.groups[k]))
    eig = np.linalg.eigvalsh(H)
    pd_ok = bool(eig.min() > 0)
    vcov = np.linalg.inv(H) if pd_ok else np.full_like(H, np.nan)
    se_all = np.sqrt(np.diag(vcov))
    maxg = float(np.max(np.abs(grad)))
    converged = bool(maxg < _GRAD_TOL and pd_ok and inner_ok)
    # (Quasi-)complete separation: the likelihood keeps rising as a coefficient grows, so the
    # optimiser stops somewhere on a plateau with a small gradient. A shift of more than 10
    # logits (6 probits) per RMS unit of a predictor is that plateau, not an estimate.
    shift = np.abs(nat[K - 1:K - 1 + p] * column_scale(design.X))
    limit = 10.0 if link == "logit" else 6.0
    separated = [design.names[j] for j in np.flatnonzero(shift > limit)]
    if separated:
        converged = False
        notes.append("possible complete or quasi-complete separation in "
                     + ", ".join(map(repr, separated)) + ": the likelihood has no finite "
                     "maximum in that direction, so its estimate and SE are meaningless "
                     "(drop or merge the predictor, or collapse categories)")
        _warn(notes[-1], ConvergenceWarning)
    if not converged:
        _warn(f"{kind} mixed model did not converge: max|grad| = {maxg:.3g}, Hessian "
              f"positive definite = {pd_ok}; estimates are not reliable", ConvergenceWarning)
        notes.append("NOT CONVERGED")
    theta, th_se = nat[:K - 1], se_all[:K - 1]
    beta, b_se = nat[K - 1:K - 1 + p], se_all[K - 1:K - 1 + p]
    log_sd_se = np.full(m, np.nan)
    log_sd_se[free] = se_all[K - 1 + p:]
    names = list(design.names)
    th_names = [f"{categories[j]}|{categories[j + 1]}" for j in range(K - 1)]
    if kind == "binomial":
        names = ["(Intercept)"] + names
        beta = np.concatenate([[-theta[0]], beta])
        b_se = np.concatenate([[th_se[0]], b_se])
        theta, th_se, th_names = np.array([]), np.array([]), []
    return MixedResult(
        kind=kind, formula=formula, link=link, method=_method(nagq), names=tuple(names),
        coef=beta, se=b_se, threshold_names=tuple(th_names), thresholds=theta,
        threshold_se=th_se,
        random=_terms(design, sds, log_sd_se, mode_terms, csd_terms, reduced),
        loglik=float(ll), nobs=len(y), n_dropped=design.n_dropped, converged=converged,
        max_gradient=maxg, hessian_pd=pd_ok, vcov=vcov,
        confidence=confidence, categories=tuple(categories), n_params=K - 1 + p + m,
        notes=tuple(notes), _spec=design.spec)


def _key(value) -> str:
    """Matching key of a response label: numbers by value ("1" = 1 = 1.0), text trimmed,
    NFC-normalised, whitespace-collapsed and case-folded ("Good", "Good " and "good" agree)."""
    import unicodedata

    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).casefold()
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.15g}"
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    try:
        return f"{float(text):.15g}"
    except ValueError:
        return text.casefold()


def _is_number(value) -> bool:
    return _key(value) != " ".join(str(value).split()).casefold() or \
        isinstance(value, (int, float, np.integer, np.floating))


def _ordered_response(design, categories):
    """Integer codes 0..K-1 (best first) and the K labels of the response.

    The order comes from ``categories`` (labels best first), else an ordered Categorical,
    else the known Ofsted grade labels, else numeric values in increasing order (1 =
    Outstanding ... 4 = Inadequate). Text without an order is refused: an alphabetical order
    would be silently wrong.
    """
    name = design.response
    col = design.frame[name]
    rows = design.rows
    if categories is not None:
        cats = list(categories)
        keys = [_key(c) for c in cats]
        if len(set(keys)) < len(keys):
            dup = next(c for c, k in zip(cats, keys) if keys.count(k) > 1)
            raise ReliabilityError(f"categories {cats!r} name {dup!r} twice (labels are compared "
                                   "ignoring case and surrounding spaces)")
        values = col.astype(object) if isinstance(col.dtype, pd.CategoricalDtype) else col
        data_keys = pd.Series(values).map(_key)
        code = data_keys.map({k: i for i, k in enumerate(keys)})
        bad = code.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            v = values.iloc[i]
            if all(_is_number(x) for x in pd.unique(values)) and \
                    not any(_is_number(c) for c in cats):
                codes = sorted(pd.unique(values).tolist())
                raise ReliabilityError(
                    f"response {name!r} holds numeric codes ({', '.join(map(show, codes[:6]))}) "
                    f"but categories are labels {cats!r}: numeric codes are already ordered by "
                    "value (smallest = best), so leave categories out, or recode the column "
                    "to labels first (e.g. "
                    + ", ".join(f"{show(c)} -> {lab!r}" for c, lab in zip(codes, cats)) + ")")
            raise ReliabilityError(
                f"response {name!r} row {int(rows[i])} has {show(v)}, which is not one of the "
                f"categories {cats!r}{suggest(str(v), [str(c) for c in cats])} "
                f"({int(bad.sum())} such row(s))")
        code = code.to_numpy().astype(int)
        used = np.bincount(code, minlength=len(cats)) > 0
        if not used.all():
            _warn(f"categories of {name!r} with no rows dropped: "
                  f"{[c for c, u in zip(cats, used) if not u]}", DataWarning)
        remap = np.cumsum(used) - 1
        return remap[code], [c for c, u in zip(cats, used) if u]
    if isinstance(col.dtype, pd.CategoricalDtype) and not col.cat.ordered:
        col = col.astype(object)        # an unordered Categorical's order is no order
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats_all = list(col.cat.categories)
        present = np.bincount(col.cat.codes, minlength=len(cats_all)) > 0
        cats = [c for c, u in zip(cats_all, present) if u]
        if len(cats) < len(cats_all):
            _warn(f"empty categories of {name!r} dropped: "
                  f"{[c for c in cats_all if c not in cats]}", DataWarning)
        return (np.cumsum(present) - 1)[col.cat.codes.to_numpy()], cats
    if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
        from reliability.datasets._ofsted import GRADES

        data_keys = col.map(_key)
        known = {_key(g): i for i, g in enumerate(GRADES)}
        if data_keys.isin(list(known)).all():
            code = data_keys.map(known).to_numpy().astype(int)
            used = np.bincount(code, minlength=len(GRADES)) > 0
            return (np.cumsum(used) - 1)[code], [g for g, u in zip(GRADES, used) if u]
        values = ", ".join(map(show, pd.unique(col)[:4]))
        raise ReliabilityError(
            f"response {name!r} is text without a known order ({values}, ...): pass "
            "categories=[best, ..., worst] (CLI: --categories 'A,B,C'), or numeric codes "
            "(e.g. 1 = Outstanding ... 4 = Inadequate)")
    cats = sorted(pd.unique(col).tolist())
    return np.searchsorted(np.asarray(cats), col.to_numpy()), cats


@validate_params(_GLMM_OPTIONS)
@limit_blas_threads
@_keep_inputs("ordinal")
def ordinal_mixed(formula, data, *, link="logit", nagq=1, confidence=0.95, categories=None):
    """Cumulative-link (proportional odds) model with a random intercept, by maximum likelihood.

    ``P(Y <= j | u) = F(theta_j - x'beta - u)``, ``u ~ N(0, sd^2)`` per group (ordinal::clmm's
    parametrisation: positive beta shifts towards higher categories, i.e. towards the later
    labels of ``categories``). Laplace approximation (``nagq=1``) or adaptive Gauss-Hermite
    quadrature with ``nagq`` nodes.

    Parameters
    ----------
    formula : str
        lme4-style, e.g. ``"grade ~ female + hmi + fsm_pct + phase + (1|inspector_id)"``;
        random slopes for one grouping factor: ``(1 + phase|inspector_id)`` (correlated,
        Bates et al. 2015), ``(1 + phase||inspector_id)`` (uncorrelated), Laplace only
        (:mod:`reliability.models._slopes`, checked against lme4::glmer on two categories).
    data : DataFrame or CSV path
    link : {"logit", "probit"}
    nagq : int
        1 = Laplace; >1 = adaptive Gauss-Hermite quadrature nodes (one random term only).
    confidence : float
        Level of the intervals, in (0, 1).
    categories : list, optional
        The response's labels, best first (``["Outstanding", "Good", "Requires
        improvement", "Inadequate"]``); labels match ignoring case and surrounding spaces.
        Without it the order is an ordered Categorical's, the Ofsted grade labels' (those four
        labels need no ``categories``), or increasing numeric value; other text is refused.
        Categories with no rows are dropped with a DataWarning.

    Returns
    -------
    MixedResult

    Notes
    -----
    Checked against R ordinal::clmm (Laplace and nAGQ = 5) on
    ``tests/data/inspections_synthetic`` (Christensen 2019, ordinal package; Liu & Pierce 1994).
    """
    design = build_design(formula, data, response_kind="ordinal")
    y, cats = _ordered_response(design, categories)
    if len(cats) < 2:
        raise ReliabilityError(f"response {design.response!r} has a single category {cats!r}")
    return _fit_clm(y, design, len(cats), link, nagq, formula, confidence, "ordinal", cats)


@validate_params(_GLMM_OPTIONS)
@limit_blas_threads
@_keep_inputs("binomial")
def binomial_mixed(formula, data, *, link="logit", nagq=1, confidence=0.95, categories=None):
    """Binomial GLMM (logit/probit) with a random intercept, Laplace or adaptive quadrature.

    ``g(P(y = 1 | u)) = b0 + x'beta + u``. The response must be 0/1 (or boolean), or two
    labels given by ``categories`` best first (``["remain", "convert"]``: y = 1 is the second,
    as 1 = below good). Checked against R lme4::glmer (Laplace and nAGQ = 10) on
    tests/data/inspections_synthetic. Same options and outputs as :func:`ordinal_mixed`.
    """
    design = build_design(formula, data, response_kind="ordinal")
    if not design.has_intercept:
        raise ReliabilityError(f"binomial_mixed needs an intercept in {formula!r}")
    col = design.frame[design.response]
    text = pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col) or \
        isinstance(col.dtype, pd.CategoricalDtype)
    if categories is not None or text:
        if categories is None:
            values = ", ".join(map(show, pd.unique(col)[:4]))
            raise ReliabilityError(
                f"response {design.response!r} holds labels ({values}): pass categories="
                "[first, second] (CLI: --categories A,B); y = 1 is the second label")
        y, cats = _ordered_response(design, categories)
        if len(cats) != 2:
            raise ReliabilityError(f"binomial_mixed needs 2 categories of {design.response!r} "
                                   f"with rows; got {cats!r}")
    else:
        yv = pd.Series(design.y)
        if yv.dtype == bool:
            yv = yv.astype(int)
        bad = ~yv.isin([0, 1])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ReliabilityError(f"response {design.response!r} must be 0/1; row "
                                   f"{int(design.rows[i])} has {show(yv.iloc[i])}")
        y = yv.to_numpy().astype(int)
        cats = [0, 1]
    if y.min() == y.max():
        raise ReliabilityError(f"response {design.response!r} is constant ({show(cats[y[0]])})")
    return _fit_clm(y, design, 2, link, nagq, formula, confidence, "binomial", cats)


def _linear_fit(y, X, codes, reml, *, start=None, full=True, status=None):
    """One call of the Gaussian engine (:func:`reliability._reml.fit_gaussian`).

    Returns (loglik, beta, vcov, sigma, sds, log_sd_se, modes, cond_sds, max_grad, curv_ok,
    boundary flags, gamma); ``full=False`` (the reduced fits of the LR tests) skips the
    conditional modes and the curvature.
    """
    from reliability._reml import fit_gaussian

    callback = None
    if status is not None:
        def callback(it, dev):
            status.note(iteration=it, deviance=f"{dev:.6g}")
    fit = fit_gaussian(y, X, list(codes), reml=reml, start=start, conditional=full,
                       curvature=full, callback=callback)
    free = fit.free
    lsd_se = np.full(len(codes), np.nan)
    curv_ok = True
    if full and free.any():
        # SE of log(SD_k) ~ SE of log(lambda_k) from the curvature of the profiled criterion
        # in log lambda (sigma profiled out, so this ignores its SE): 2 inv(Hessian) of -2 ll.
        ev = np.linalg.eigvalsh(fit.hessian)
        curv_ok = bool(ev.min() > 0)
        if curv_ok:
            lsd_se[free] = np.sqrt(np.diag(2.0 * np.linalg.inv(fit.hessian)))
    return dict(loglik=fit.loglik, beta=fit.beta, vcov=fit.vcov, sigma=fit.sigma,
                sds=fit.sds, log_sd_se=lsd_se, modes=fit.modes, condsd=fit.cond_sd,
                grad=fit.max_gradient, curv_ok=curv_ok, boundary=fit.boundary,
                gamma=fit.gamma)


def linear_response(design, categories):
    """Response scores, fixed design with its intercept column, and names of a linear model.

    Labels are scored 1..K best first (Ofsted's 1 = Outstanding ... 4 = Inadequate); too few
    rows or a constant response is refused.
    """
    col = design.frame[design.response]
    if categories is not None or not pd.api.types.is_numeric_dtype(col):
        y = _ordered_response(design, categories)[0].astype(float) + 1.0
    else:
        y = np.asarray(design.y, dtype=float)
    X = design.X
    names = list(design.names)
    if design.has_intercept:
        X = np.column_stack([np.ones(len(y)), X])
        names = ["(Intercept)"] + names
    if len(y) <= X.shape[1] + 1:
        raise ReliabilityError(
            f"{len(y)} complete rows are too few for {X.shape[1]} fixed effect(s) and the "
            "variances: a linear mixed model needs more rows than fixed effects + 1")
    if np.ptp(y) == 0:
        raise ReliabilityError(f"response {design.response!r} is constant ({y[0]:g}): there is "
                               "no variance to partition")
    return y, X, names


@validate_params(_LINEAR_OPTIONS)
@limit_blas_threads
@_keep_inputs("linear")
def linear_mixed(formula, data, *, reml=True, confidence=0.95, categories=None):
    """Linear mixed model with one or more random intercepts, REML (default) or ML.

    One or several random intercepts (crossed or nested, e.g. ``(1|inspector_id) +
    (1|school_id)``): the Gaussian engine of :mod:`reliability._reml` (the one ICC and G
    studies use), lme4's profiled criterion over the variance ratios with the factor with
    most levels absorbed and an analytic gradient. SEs of beta from
    ``sigma^2 (X'V^-1 X)^-1`` as lme4's ``vcov``; z tests (normal reference). Checked against R lme4::lmer (REML and ML) on
    tests/data/inspections_synthetic, and (several factors) against statsmodels MixedLM with
    variance components.

    Parameters
    ----------
    formula : str
        lme4-style, e.g. ``"grade ~ female + fsm_pct + (1|inspector_id) + (1|school_id)"``.
    data : DataFrame or CSV path
    reml : bool
        REML (default) or ML.
    confidence : float
        Level of the intervals, in (0, 1).
    categories : list, optional
        For a response of labels: the labels best first, scored 1..K (the Ofsted grade labels
        need no ``categories``; see :func:`ordinal_mixed`).

    Returns
    -------
    MixedResult
    """
    from reliability.models.formula import has_random_slopes
    if has_random_slopes(formula):      # random slopes: reliability.models._slopes
        from reliability.models._slopes_api import linear_slopes
        return linear_slopes(formula, data, reml=reml, confidence=confidence,
                             categories=categories)
    design = build_design(formula, data, response_kind="ordinal")
    y, X, names = linear_response(design, categories)
    m = len(design.groups)
    if design.membership is not None:   # (1 | mm(a, b, c)): multiple membership
        from reliability.models._membership import linear_membership
        return linear_membership(y, X, names, design, reml=reml, confidence=confidence,
                                 formula=formula)
    notes = ["log_sd_se from the profiled criterion (variance ratio), approximate"]
    _single_row_groups(design, "linear", notes)
    with fit_status(1 + m, desc="linear_mixed: full model", rows=len(y)) as status:
        fit = _linear_fit(y, X, design.codes, reml, status=status)
        converged = bool(fit["grad"] < 1e-3 and fit["curv_ok"])
        for k in np.flatnonzero(fit["boundary"]):
            notes.append(_boundary_note(design.groups[k]) if m > 1 else
                         "random-effect SD at the boundary (0)")
        if not converged and not fit["boundary"].any():
            _warn("linear mixed model did not converge", ConvergenceWarning)
        # The reduced models of the LR tests (each term left out in turn), started from the
        # full fit's variance ratios.
        reduced = []
        for k in range(m):
            status.step(f"linear_mixed: without {design.groups[k]}")
            others = [j for j in range(m) if j != k]
            sub = _linear_fit(y, X, [design.codes[j] for j in others], reml,
                              start=fit["gamma"][others], full=False)
            reduced.append((sub["loglik"], _reduced_label(design, k)))
        status.step()
    terms = _terms(design, fit["sds"], fit["log_sd_se"], fit["modes"], fit["condsd"], reduced)
    se = np.sqrt(np.diag(fit["vcov"]))
    return MixedResult(
        kind="linear", formula=formula, link="identity", method="reml" if reml else "ml",
        names=tuple(names), coef=fit["beta"], se=se, threshold_names=(),
        thresholds=np.array([]), threshold_se=np.array([]), random=terms,
        loglik=fit["loglik"], nobs=len(y), n_dropped=design.n_dropped, converged=converged,
        max_gradient=fit["grad"], hessian_pd=bool(fit["curv_ok"]), vcov=fit["vcov"],
        confidence=confidence, residual_sd=fit["sigma"], reml=reml,
        n_params=X.shape[1] + m + 1, notes=tuple(notes), _spec=design.spec)
