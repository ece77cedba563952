"""Result object of the mixed models: tables, odds ratios, random effects, LR test, VPC."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from reliability._results import TestResult, _fmt, json_safe
from reliability._validation import Boolean, Integer, Real, Seed, validate_params
from reliability.models.formula import formula_context


@dataclass(frozen=True)
class RandomTerm:
    """One grouping factor of a fit: its SD(s), conditional modes and LR test.

    For a random intercept ``(1|g)`` the fields ``sd``, ``log_sd_se``, ``modes`` and
    ``cond_sd`` describe it. With random slopes (``(1 + phase | g)``, ``(1|g) + (0 + phase|g)``)
    the term holds all q effects of the factor: ``effects`` names them (formula order,
    ``(Intercept)`` first when present), ``covariance`` is their q x q covariance matrix
    (lme4's ``VarCorr``), ``effect_modes`` the (groups x q) conditional modes and
    ``effect_cond_cov`` the (groups x q x q) conditional covariances (lme4's ``condVar``);
    ``sd``, ``modes`` and ``cond_sd`` are then those of the FIRST effect.
    ``log_sds_se`` are the SEs of log SD of each effect and ``correlation_se`` those of
    atanh(correlation) (NaN where a correlation is not estimated: ``correlated`` False).
    """

    group: str
    sd: float
    log_sd_se: float
    levels: np.ndarray = field(repr=False)
    modes: np.ndarray = field(repr=False)
    cond_sd: np.ndarray = field(repr=False)
    sizes: np.ndarray = field(repr=False)
    loglik_reduced: float = float("nan")    # the same model without this term
    reduced_model: str = "no random effect"
    effects: tuple = ("(Intercept)",)
    covariance: np.ndarray = field(default=None, repr=False)
    effect_modes: np.ndarray = field(default=None, repr=False)
    effect_cond_cov: np.ndarray = field(default=None, repr=False)
    log_sds_se: np.ndarray = field(default=None, repr=False)
    correlation_se: np.ndarray = field(default=None, repr=False)
    correlated: np.ndarray = field(default=None, repr=False)
    lr_df: int = 1                          # variance parameters the LR test removes
    terms: tuple = ()                       # the formula's random terms of this factor

    @property
    def n_groups(self) -> int:
        return len(self.levels)

    @property
    def q(self) -> int:
        """Number of random effects per group (1 for a random intercept)."""
        return len(self.effects)

    @property
    def sds(self) -> np.ndarray:
        """SD of each effect (``effects`` order)."""
        if self.covariance is None:
            return np.array([self.sd])
        return np.sqrt(np.diag(self.covariance))

    @property
    def sd_slope(self) -> float:
        """SD of the first effect after the intercept (NaN without a slope)."""
        return float(self.sds[1]) if self.q > 1 else float("nan")

    @property
    def correlation(self) -> np.ndarray:
        """q x q correlation matrix of the effects (0 off the estimated correlations)."""
        if self.covariance is None:
            return np.ones((1, 1))
        sd = self.sds
        with np.errstate(invalid="ignore", divide="ignore"):
            R = self.covariance / np.outer(sd, sd)
        np.fill_diagonal(R, 1.0)
        return np.clip(np.nan_to_num(R), -1.0, 1.0)

    def effect_index(self, effect=None) -> int:
        if effect is None:
            return 0
        if effect in self.effects:
            return self.effects.index(effect)
        from reliability._errors import ReliabilityError, suggest
        raise ReliabilityError(f"no random effect {effect!r} of {self.group!r}"
                               f"{suggest(str(effect), list(self.effects))}; effects: "
                               f"{list(self.effects)}")


def _first_term(attr):
    return property(lambda self: getattr(self.random[0], attr),
                    doc=f"``{attr}`` of the first random term (see ``random`` for all terms)")


@dataclass(frozen=True)
class MixedResult:
    """A fitted mixed model (ordinal, binomial or linear; random intercepts or slopes).

    Fixed effects follow R's conventions: ordinal models use ordinal::clmm's
    ``P(Y <= j) = F(theta_j - x'beta - u)`` (positive beta = higher category), binomial and
    linear models the usual ``g(E[y]) = b0 + x'beta + u``. ``random`` holds one
    :class:`RandomTerm` per random-intercept factor in formula order; the single-term
    attributes (``group``, ``re_sd``, ``modes``, ``lr_test()`` ...) refer to the first term
    unless a ``group`` is named.
    """

    kind: str
    formula: str
    link: str
    method: str
    names: tuple
    coef: np.ndarray
    se: np.ndarray
    threshold_names: tuple
    thresholds: np.ndarray
    threshold_se: np.ndarray
    random: tuple
    loglik: float
    nobs: int
    n_dropped: int
    converged: bool
    max_gradient: float
    hessian_pd: bool
    vcov: np.ndarray = field(repr=False)
    confidence: float = 0.95
    residual_sd: float = float("nan")
    reml: bool = False
    categories: tuple = ()
    n_params: int = 0
    notes: tuple = ()
    _spec: object = field(default=None, repr=False, compare=False)
    _re_specs: tuple = field(default=(), repr=False, compare=False)   # random-slope columns
    # (kind, formula, data, options) of the call, for methods that refit (profile_ci)
    _inputs: tuple = field(default=(), repr=False, compare=False)

    # -- random terms ---------------------------------------------------------------------
    def term(self, group=None) -> RandomTerm:
        """The :class:`RandomTerm` of ``group`` (default: the first random term)."""
        if group is None:
            return self.random[0]
        for t in self.random:
            if t.group == group:
                return t
        from reliability._errors import ReliabilityError, suggest
        names = [t.group for t in self.random]
        raise ReliabilityError(f"no random term {group!r} in this fit{suggest(group, names)}; "
                               f"terms: {names}")

    @property
    def groups(self) -> tuple:
        return tuple(t.group for t in self.random)

    # the single-term attributes of a fit with one random intercept (the first term's)
    group = _first_term("group")
    re_sd = _first_term("sd")
    log_re_sd_se = _first_term("log_sd_se")
    levels = _first_term("levels")
    modes = _first_term("modes")
    cond_sd = _first_term("cond_sd")
    group_sizes = _first_term("sizes")

    @property
    def n_groups(self):
        """Number of levels: an int for one random term, ``{group: n}`` for several."""
        if len(self.random) == 1:
            return self.random[0].n_groups
        return {t.group: t.n_groups for t in self.random}

    @property
    def loglik_null(self) -> float:
        return self.random[0].loglik_reduced

    # -- fixed effects --------------------------------------------------------------------
    @property
    def estimate(self) -> pd.Series:
        return pd.Series(self.coef, index=list(self.names), name="estimate")

    @property
    def coef_vcov(self) -> pd.DataFrame:
        """Covariance matrix of the fixed effects ``coef`` (for contrasts and cell means).

        ``vcov`` itself covers every parameter in the optimiser's natural order (thresholds,
        beta, log SDs for the ordinal/binomial models; beta for linear models).
        """
        p = len(self.names)
        if self.kind == "linear":
            V = self.vcov[:p, :p]
        elif self.kind == "binomial":
            idx = np.arange(p)                        # (theta_1, beta) -> (-theta_1, beta)
            V = self.vcov[np.ix_(idx, idx)].copy()
            V[0, 1:] *= -1
            V[1:, 0] *= -1
        else:
            k = len(self.thresholds)
            V = self.vcov[k:k + p, k:k + p]
        return pd.DataFrame(V, index=list(self.names), columns=list(self.names))

    @property
    def z(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.coef / self.se

    @property
    def p_value(self) -> np.ndarray:
        return 2 * stats.norm.sf(np.abs(self.z))

    @property
    def ci(self) -> np.ndarray:
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        return np.column_stack([self.coef - q * self.se, self.coef + q * self.se])

    @property
    def re_sd_se(self) -> float:
        """SE of the (first) RE SD by the delta method from the SE of log(SD)."""
        return self.sd_se()

    @property
    def re_sd_ci(self) -> tuple:
        """Wald interval on log(SD) of the first term, back-transformed (stays positive)."""
        return self.sd_ci()

    @validate_params({"confidence": "shared"})
    def profile_ci(self, group=None, *, confidence=0.95):
        """Profile-likelihood interval of the SD of a single random intercept.

        As lme4's ``confint(fit, method = "profile")`` (Bates et al. 2015, section 5.1): the
        SDs s whose profile statistic ``zeta(s) = sign(s - s_hat) sqrt(dev(s) - dev(s_hat))``
        lies within +-z, with dev(s) the -2 log-likelihood (the REML criterion for a REML
        fit) re-maximised over all other parameters at SD = s; the limits are found by root
        finding (lme4 interpolates a grid), a lower limit 0 when s = 0 is inside. It refits
        the model several times (from the data the fit kept). Laplace / REML / ML fits with
        one random-intercept term. Checked against lme4 on tests/data/inspections_synthetic
        (tests/data/profile_lme4.json). Returns an :class:`~reliability._results.Estimate`
        (``estimate`` = the SD, ``ci``).
        """
        from reliability.models._inference import profile_ci
        return profile_ci(self, group, confidence)

    def sd_se(self, group=None) -> float:
        t = self.term(group)
        return t.sd * t.log_sd_se

    def sd_ci(self, group=None) -> tuple:
        """Wald interval on log(SD), back-transformed; NaN for an SD estimated as 0."""
        t = self.term(group)
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        if not (t.sd > 0 and np.isfinite(t.log_sd_se)):
            return (float("nan"), float("nan"))
        # a nearly unidentified SD has a log-scale SE so large that exp() overflows: the
        # interval is then (0, inf) in floating point, which is what it says
        with np.errstate(over="ignore", under="ignore"):
            return (float(t.sd * np.exp(-q * t.log_sd_se)), float(t.sd * np.exp(q * t.log_sd_se)))

    def to_frame(self) -> pd.DataFrame:
        """Fixed effects (and thresholds) with SE, z, p_value and the confidence interval.

        The column ``p`` duplicates ``p_value`` (the name used before the keys were unified).
        """
        ci = self.ci
        df = pd.DataFrame({"estimate": self.coef, "se": self.se, "z": self.z,
                           "p_value": self.p_value, "p": self.p_value,
                           "ci_low": ci[:, 0], "ci_high": ci[:, 1]},
                          index=pd.Index(list(self.names), name="term"))
        if len(self.thresholds):
            q = stats.norm.ppf(0.5 + self.confidence / 2)
            th = pd.DataFrame({"estimate": self.thresholds, "se": self.threshold_se,
                               "z": self.thresholds / self.threshold_se, "p_value": np.nan,
                               "p": np.nan,
                               "ci_low": self.thresholds - q * self.threshold_se,
                               "ci_high": self.thresholds + q * self.threshold_se},
                              index=pd.Index(list(self.threshold_names), name="term"))
            df = pd.concat([df.assign(kind="fixed"), th.assign(kind="threshold")])
        return df

    def odds_ratios(self) -> pd.DataFrame:
        """exp(beta) with exp(CI) (logit link only; per unit increase of each predictor)."""
        if self.link != "logit":
            from reliability._errors import ReliabilityError
            raise ReliabilityError(f"odds ratios need link='logit' (this fit used {self.link!r})")
        ci = self.ci
        keep = [i for i, n in enumerate(self.names) if n != "(Intercept)"]
        return pd.DataFrame({"odds_ratio": np.exp(self.coef[keep]),
                             "ci_low": np.exp(ci[keep, 0]), "ci_high": np.exp(ci[keep, 1]),
                             "p_value": self.p_value[keep], "p": self.p_value[keep]},
                            index=pd.Index([self.names[i] for i in keep], name="term"))

    # -- random effects ----------------------------------------------------------------------
    def random_effects(self, group=None, *, effect=None) -> pd.DataFrame:
        """Conditional modes of one term's effects with conditional SDs and intervals, ranked.

        ``group``: which random term (default the first). For several terms the modes are
        the joint conditional modes, and ``cond_sd`` the square roots of the diagonal of the
        joint conditional covariance (lme4's ``condVar``). ``effect``: with random slopes,
        which effect of the term (``"(Intercept)"``, ``"phase"``; default the first).
        """
        t = self.term(group)
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        if t.effect_modes is not None:
            j = t.effect_index(effect)
            modes = t.effect_modes[:, j]
            csd = np.sqrt(t.effect_cond_cov[:, j, j])
        else:
            t.effect_index(effect)
            modes, csd = t.modes, t.cond_sd
        df = pd.DataFrame({"mode": modes, "cond_sd": csd,
                           "ci_low": modes - q * csd,
                           "ci_high": modes + q * csd,
                           "n": t.sizes},
                          index=pd.Index(t.levels, name=t.group))
        df["rank"] = df["mode"].rank(ascending=False, method="min").astype(int)
        return df

    def vpc(self, group=None) -> float:
        """Variance partition coefficient of one term: sigma_k^2 / (sum_j sigma_j^2 + residual).

        Latent scale for ordinal/binomial (residual pi^2/3 for logit, 1 for probit;
        Snijders & Bosker 2012, section 17.3), observed scale for linear models. With one
        term this is sigma_u^2 / (sigma_u^2 + residual). With random slopes the share
        depends on the slope covariates; this is its value where they are 0 (the first
        effect's variance, the intercept's).
        """
        total = sum(t.sd ** 2 for t in self.random)
        if self.kind == "linear":
            resid = self.residual_sd ** 2
        else:
            resid = math.pi ** 2 / 3 if self.link == "logit" else 1.0
        return self.term(group).sd ** 2 / (total + resid)

    icc = vpc

    def lr_test(self, group=None) -> dict:
        """LR test of one term's variance against the same model without that term.

        The null SD = 0 lies on the boundary, so the p-value is the 50:50 mixture of chi2_0 and
        chi2_1 (Self & Liang 1987): p = 0.5 * P(chi2_1 > LR); the naive chi2_1 p is also given.
        """
        t = self.term(group)
        lr = max(2 * (self.loglik - t.loglik_reduced), 0.0)
        if t.lr_df > 1:
            # random slopes against the intercept-only model: the added variance and its
            # covariances; 50:50 mixture of chi2(df - 1) and chi2(df) (Stram & Lee 1994)
            p_naive = float(stats.chi2.sf(lr, t.lr_df))
            p = 0.5 * p_naive + 0.5 * float(stats.chi2.sf(lr, t.lr_df - 1))
            return {"statistic": lr, "df": t.lr_df, "p_value": p if lr > 0 else 1.0,
                    "p_naive": p_naive, "loglik_null": t.loglik_reduced,
                    "null_model": t.reduced_model,
                    "method": f"boundary-corrected 50:50 mixture of chi2({t.lr_df - 1}) and "
                              f"chi2({t.lr_df}) (Stram & Lee 1994)"}
        p_naive = float(stats.chi2.sf(lr, 1))
        return {"statistic": lr, "df": 1, "p_value": 0.5 * p_naive if lr > 0 else 1.0,
                "p_naive": p_naive, "loglik_null": t.loglik_reduced,
                "null_model": t.reduced_model,
                "method": "boundary-corrected 50:50 mixture of chi2(0) and chi2(1)"}

    @property
    def aic(self) -> float:
        return -2 * self.loglik + 2 * self.n_params

    @property
    def bic(self) -> float:
        return -2 * self.loglik + math.log(self.nobs) * self.n_params

    # -- inference on the fixed effects ---------------------------------------------------
    def wald_test(self, hypothesis, rhs=None) -> TestResult:
        """Wald chi-square test of linear hypotheses on the fixed effects, ``L beta = c``.

        ``hypothesis``: a string (``"female = 0"``, ``"female = hmi"``, ``"2 * fsm_pct +
        phase[T.secondary] = 0.5"``, several joined by commas for a joint test) or a list of
        them, with the coefficient names of ``names``; or a contrast matrix L (rows x
        coefficients) with ``rhs`` c (default 0). ``W = (L b - c)' (L V L')^-1 (L b - c)`` on
        rank(L) df with V = :attr:`coef_vcov` (Wald 1943); checked against the same
        chi-square computed in R from lme4's vcov (tests/data/slopes_lme4.json).
        Returns a :class:`~reliability._results.TestResult` (``statistic``, ``df``,
        ``p_value``; ``extra`` holds the hypothesis, L b and c).
        """
        from reliability.models._inference import wald_test
        return wald_test(self, hypothesis, rhs)

    # -- predictions --------------------------------------------------------------------
    @validate_params({"ci": Boolean()})
    def predict_proba(self, profile, *, group=None, ci=False) -> pd.DataFrame:
        """Probability of each category (ordinal) or of y = 1 (binomial) for covariate profiles.

        ``profile``: dict or DataFrame of predictor values. ``group``: a level of the first
        random term to use its conditional mode, or ``{factor: level}`` for several terms;
        default 0 for every term (an average inspector, school, ...: lme4's ``re.form = NA``).
        ``ci=True`` (random effects at 0 only) adds delta-method SEs and intervals at the
        fit's ``confidence``: columns ``se``, ``ci_low``, ``ci_high`` (binomial, linear) or
        ``se[c]``, ``ci_low[c]``, ``ci_high[c]`` per category (ordinal); the intervals are
        Wald intervals on logit(p), back-transformed (Agresti 2013, section 16.1.5).
        """
        if ci and group is not None:
            from reliability._errors import ReliabilityError
            raise ReliabilityError("predict_proba(ci=True) gives intervals with the random "
                                   "effects at 0: leave group out")
        from reliability.models._quadrature import get_link
        prof = pd.DataFrame([profile]) if isinstance(profile, dict) else pd.DataFrame(profile)
        mm = pd.DataFrame(self._spec.get_model_matrix(prof, context=formula_context()))
        cols = [c for c in mm.columns if str(c) != "Intercept"]
        X = np.asarray(mm[cols], dtype=float)
        beta = self.coef[[i for i, n in enumerate(self.names) if n != "(Intercept)"]]
        u = 0.0
        chosen = {} if group is None else \
            (dict(group) if isinstance(group, dict) else {self.group: group})
        for factor, level in chosen.items():
            t = self.term(factor)
            idx = np.flatnonzero(t.levels == level)
            if len(idx) == 0:
                from reliability._errors import ReliabilityError, suggest
                raise ReliabilityError(f"{t.group} {level!r} not in the fit"
                                       f"{suggest(level, t.levels)}")
            if t.effect_modes is not None and self._re_specs:
                Zp = np.column_stack([np.asarray(sp.get_model_matrix(
                    prof, context=formula_context()), dtype=float) for sp in self._re_specs])
                u = u + Zp @ t.effect_modes[idx[0]]
            else:
                u += t.modes[idx[0]]
        eta = X @ beta + u
        extra = None
        if ci:
            from reliability.models._inference import predict_intervals
            extra = predict_intervals(self, X, X @ beta, self.confidence)
        if self.kind == "linear":
            b0 = self.coef[list(self.names).index("(Intercept)")] if "(Intercept)" in self.names else 0
            out = pd.DataFrame({"mean": eta + b0})
        elif self.kind == "binomial":
            F = get_link(self.link).cdf
            b0 = self.coef[list(self.names).index("(Intercept)")]
            out = pd.DataFrame({"p": F(b0 + eta)})
        else:
            F = get_link(self.link).cdf
            cum = F(self.thresholds[None, :] - eta[:, None])
            cum = np.column_stack([np.zeros(len(eta)), cum, np.ones(len(eta))])
            out = pd.DataFrame(np.diff(cum, axis=1), columns=[str(c) for c in self.categories])
        if extra is not None:
            out = pd.concat([out, extra], axis=1)
            out.attrs["confidence"] = self.confidence
        return out

    # -- rankings ------------------------------------------------------------------------
    @validate_params({"fraction": Real(0, 0.5, closed="right"),
                      "n_draws": Integer(100, 1_000_000), "seed": Seed()})
    def rank_probabilities(self, group=None, *, effect=None, fraction=0.1, n_draws=10_000,
                           seed=0) -> pd.DataFrame:
        """Probability that each group is in the top or bottom ``fraction`` (a decile by
        default) of the ranking of its conditional modes.

        Each group's effect is drawn from N(mode, cond_sd^2) independently (the Laplace
        approximation of its conditional distribution; the uncertainty of the fixed
        parameters and the correlation between groups' modes are ignored), ``n_draws``
        times with ``seed`` (Goldstein & Spiegelhalter 1996 on league tables). ``p_top`` =
        P(among the ``ceil(fraction * groups)`` largest effects: the most severe for an
        ordinal model of grades where higher = worse), ``p_bottom`` the smallest;
        ``mean_rank`` (1 = largest). Checked against a plain per-draw loop in the tests.
        """
        from reliability.models._inference import rank_probabilities
        re = self.random_effects(group, effect=effect)
        return rank_probabilities(re["mode"].to_numpy(), re["cond_sd"].to_numpy(),
                                  re.index.to_numpy(), fraction=fraction, n_draws=n_draws,
                                  seed=seed, name=re.index.name)

    # -- plots -------------------------------------------------------------------------------
    def plot(self, kind="caterpillar", *, group=None, ax=None, top=None, **options):
        """``kind="caterpillar"``: one term's effects (default the first, e.g. the
        inspectors), :func:`reliability.plots.caterpillar`; ``kind="forest"``: the fixed
        effects (odds ratios for logit models), :func:`reliability.plots.forest`. Other
        options go to that function; returns the matplotlib Figure.
        """
        from reliability import plots

        if kind == "forest":
            return plots.forest(self, ax=ax, **options)
        if kind != "caterpillar":
            from reliability._errors import ReliabilityError
            raise ReliabilityError(f"kind must be 'caterpillar' or 'forest'; got {kind!r}")
        return plots.caterpillar(self, group=group, ax=ax, top=top, **options)

    # -- output ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict; its shape does not depend on the number of random terms.

        ``random`` is keyed by grouping column (one entry per term, also for one term) with
        ``sd``, ``sd_se``, ``sd_ci``, ``log_sd_se``, ``n_groups``, ``vpc`` and ``lr_test``; the
        top-level ``n_groups`` (int), ``vpc`` (float) and ``lr_test`` (object) are the FIRST
        term's, whatever the number of terms. P-values are ``p_value`` (``p`` is kept as a
        deprecated duplicate in ``fixed``).
        """
        ci = self.ci
        out = {
            "model": self.kind, "formula": self.formula, "link": self.link,
            "method": self.method,
            # "p" duplicates "p_value" for scripts written before the keys were unified
            "fixed": {n: {"estimate": self.coef[i], "se": self.se[i], "z": self.z[i],
                          "p_value": self.p_value[i], "p": self.p_value[i],
                          "ci": [ci[i, 0], ci[i, 1]]}
                      for i, n in enumerate(self.names)},
            "random": {t.group: {"sd": t.sd, "sd_se": self.sd_se(t.group),
                                 "sd_ci": list(self.sd_ci(t.group)), "log_sd_se": t.log_sd_se,
                                 "n_groups": t.n_groups, "vpc": self.vpc(t.group),
                                 "lr_test": self.lr_test(t.group), **self._slope_dict(t)}
                       for t in self.random},
            "groups": list(self.groups),
            "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
            "nobs": self.nobs, "n_dropped": self.n_dropped,
            # the first random term's, as with one term (all terms: "random")
            "n_groups": self.random[0].n_groups, "vpc": self.vpc(), "lr_test": self.lr_test(),
            "converged": self.converged, "max_gradient": self.max_gradient,
            "hessian_positive_definite": self.hessian_pd,
            "confidence": self.confidence,
            "notes": list(self.notes),
        }
        if self.categories:
            out["categories"] = list(self.categories)
        if self.kind == "ordinal":
            out["thresholds"] = {n: {"estimate": self.thresholds[i], "se": self.threshold_se[i]}
                                 for i, n in enumerate(self.threshold_names)}
        if self.kind == "linear":
            out["residual_sd"] = self.residual_sd
            out["reml"] = self.reml
        return json_safe(out)

    def sds_table(self, group=None) -> pd.DataFrame:
        """SD of each random effect of a term with SE (delta method from log SD) and the
        Wald interval on log SD back-transformed."""
        t = self.term(group)
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        se_log = t.log_sds_se if t.log_sds_se is not None else np.array([t.log_sd_se])
        sd = t.sds
        with np.errstate(over="ignore", invalid="ignore"):
            return pd.DataFrame({"estimate": sd, "se": sd * se_log,
                                 "ci_low": sd * np.exp(-q * se_log),
                                 "ci_high": sd * np.exp(q * se_log)},
                                index=pd.Index(list(t.effects), name="effect"))

    def correlation_ci(self, group=None, effects=None) -> dict:
        """Correlation of two effects of a term (default the first two) with its SE (delta
        method) and the Wald interval on atanh(rho) back-transformed (Fisher's z)."""
        t = self.term(group)
        from reliability._errors import ReliabilityError
        if t.q < 2:
            raise ReliabilityError(f"random term {t.group!r} has one effect: no correlation")
        i, j = (1, 0) if effects is None else (t.effect_index(effects[0]),
                                               t.effect_index(effects[1]))
        rho = float(t.correlation[i, j])
        est = bool(t.correlated[i, j]) if t.correlated is not None else False
        se_z = float(t.correlation_se[i, j]) if est else float("nan")
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        z = math.atanh(max(min(rho, 1.0), -1.0)) if abs(rho) < 1 else math.copysign(np.inf, rho)
        return {"estimate": rho, "se": (1 - rho ** 2) * se_z if est else float("nan"),
                "ci_low": math.tanh(z - q * se_z) if est else float("nan"),
                "ci_high": math.tanh(z + q * se_z) if est else float("nan"),
                "confidence": self.confidence, "estimated": est,
                "effects": [t.effects[j], t.effects[i]]}

    def _slope_dict(self, t) -> dict:
        if t.covariance is None:
            return {}
        tab = self.sds_table(t.group)
        out = {"effects": list(t.effects), "terms": list(t.terms),
               "sds": {e: {"estimate": r.estimate, "se": r.se, "ci_low": r.ci_low,
                           "ci_high": r.ci_high} for e, r in tab.iterrows()},
               "covariance": t.covariance.tolist(), "correlation_matrix": t.correlation.tolist()}
        if t.q == 2:
            out["sd_slope"] = t.sd_slope
            out["correlation"] = self.correlation_ci(t.group)
        return out

    def summary(self) -> str:
        titles = {"ordinal": f"Cumulative {self.link} mixed model",
                  "binomial": f"Binomial ({self.link}) mixed model",
                  "linear": "Linear mixed model (" + ("REML" if self.reml else "ML") + ")"}
        groups = ", ".join(f"{t.group} {t.n_groups}" for t in self.random)
        lines = [titles[self.kind] + f"  [{self.method}]", f"formula: {self.formula}",
                 f"n = {self.nobs}, groups: {groups}"
                 + (f", dropped rows = {self.n_dropped}" if self.n_dropped else ""),
                 f"logLik = {self.loglik:.4f}  AIC = {self.aic:.2f}  BIC = {self.bic:.2f}  "
                 f"converged = {self.converged} (max|grad| = {self.max_gradient:.2g}, "
                 f"Hessian PD = {self.hessian_pd})", "",
                 "Random effects:"]
        for t in self.random:
            lr = self.lr_test(t.group)
            lines.append(f"  {t.group:<20s} SD = {_fmt(t.sd)} (SE {_fmt(self.sd_se(t.group))}), "
                         f"VPC = {_fmt(self.vpc(t.group))}; LR test SD = 0: "
                         f"{lr['statistic']:.3f}, p = {lr['p_value']:.3g} vs {t.reduced_model}")
            if t.covariance is not None:
                lines[-1] = (f"  {t.group:<20s} " + " + ".join(t.terms) + f"; LR test vs "
                             f"{t.reduced_model}: {lr['statistic']:.3f} (df {lr['df']}), "
                             f"p = {lr['p_value']:.3g}")
                tab = self.sds_table(t.group)
                R = t.correlation
                for k, e in enumerate(t.effects):
                    cors = " ".join(f"{R[k, j]:6.3f}" if t.correlated[k, j] else "     0"
                                    for j in range(k))
                    lines.append(f"    {e:<18s} SD = {_fmt(tab['estimate'].iloc[k])} (SE "
                                 f"{_fmt(tab['se'].iloc[k])})" + (f"  corr: {cors}" if k else ""))
        if self.kind == "linear":
            lines.append(f"  {'Residual':<20s} SD = {_fmt(self.residual_sd)}")
        lines.append("  (LR p-values: 50:50 chi2 mixture, as the null SD lies on the boundary)")
        lines += ["", "Fixed effects:"]
        pct = f"{100 * self.confidence:g}%"
        w = max([len(n) for n in self.names + self.threshold_names] + [10])
        head = f"  {'':<{w}s} {'Estimate':>10s} {'SE':>10s} {'z':>8s} {'p':>10s}   {pct} CI"
        lines.append(head)
        ci = self.ci
        for i, n in enumerate(self.names):
            lines.append(f"  {n:<{w}s} {_fmt(self.coef[i]):>10s} {_fmt(self.se[i]):>10s} "
                         f"{self.z[i]:8.3f} {self.p_value[i]:10.3g}   "
                         f"[{_fmt(ci[i, 0])}, {_fmt(ci[i, 1])}]")
        if len(self.thresholds):
            lines += ["", "Thresholds:"]
            for i, n in enumerate(self.threshold_names):
                lines.append(f"  {n:<{w}s} {_fmt(self.thresholds[i]):>10s} "
                             f"{_fmt(self.threshold_se[i]):>10s}")
        for note in self.notes:
            lines.append("note: " + note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
