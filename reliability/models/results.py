"""Result object of the mixed models: tables, odds ratios, random effects, LR test, VPC."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from reliability._results import _fmt, json_safe


@dataclass(frozen=True)
class MixedResult:
    """A fitted random-intercept model (ordinal, binomial or linear).

    Fixed effects follow R's conventions: ordinal models use ordinal::clmm's
    ``P(Y <= j) = F(theta_j - x'beta - u)`` (positive beta = higher category), binomial and
    linear models the usual ``g(E[y]) = b0 + x'beta + u``.
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
    group: str
    re_sd: float
    log_re_sd_se: float
    loglik: float
    loglik_null: float
    nobs: int
    n_groups: int
    n_dropped: int
    converged: bool
    max_gradient: float
    hessian_pd: bool
    levels: np.ndarray = field(repr=False)
    modes: np.ndarray = field(repr=False)
    cond_sd: np.ndarray = field(repr=False)
    group_sizes: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    confidence: float = 0.95
    residual_sd: float = float("nan")
    reml: bool = False
    categories: tuple = ()
    n_params: int = 0
    notes: tuple = ()
    _spec: object = field(default=None, repr=False, compare=False)

    # -- fixed effects --------------------------------------------------------------------
    @property
    def estimate(self) -> pd.Series:
        return pd.Series(self.coef, index=list(self.names), name="estimate")

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
        """SE of the RE SD by the delta method from the SE of log(SD)."""
        return self.re_sd * self.log_re_sd_se

    @property
    def re_sd_ci(self) -> tuple:
        """Wald interval on log(SD), back-transformed (stays positive)."""
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        if not (self.re_sd > 0 and np.isfinite(self.log_re_sd_se)):
            return (float("nan"), float("nan"))
        return (self.re_sd * math.exp(-q * self.log_re_sd_se),
                self.re_sd * math.exp(q * self.log_re_sd_se))

    def to_frame(self) -> pd.DataFrame:
        """Fixed effects (and thresholds) with SE, z, p and the confidence interval."""
        ci = self.ci
        df = pd.DataFrame({"estimate": self.coef, "se": self.se, "z": self.z,
                           "p": self.p_value, "ci_low": ci[:, 0], "ci_high": ci[:, 1]},
                          index=pd.Index(list(self.names), name="term"))
        if len(self.thresholds):
            q = stats.norm.ppf(0.5 + self.confidence / 2)
            th = pd.DataFrame({"estimate": self.thresholds, "se": self.threshold_se,
                               "z": self.thresholds / self.threshold_se, "p": np.nan,
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
                             "p": self.p_value[keep]},
                            index=pd.Index([self.names[i] for i in keep], name="term"))

    # -- random effects ----------------------------------------------------------------------
    def random_effects(self) -> pd.DataFrame:
        """Conditional modes of the group effects with conditional SDs and intervals, ranked."""
        q = stats.norm.ppf(0.5 + self.confidence / 2)
        df = pd.DataFrame({"mode": self.modes, "cond_sd": self.cond_sd,
                           "ci_low": self.modes - q * self.cond_sd,
                           "ci_high": self.modes + q * self.cond_sd,
                           "n": self.group_sizes},
                          index=pd.Index(self.levels, name=self.group))
        df["rank"] = df["mode"].rank(ascending=False, method="min").astype(int)
        return df

    def vpc(self) -> float:
        """Variance partition coefficient: sigma_u^2 / (sigma_u^2 + residual variance).

        Latent scale for ordinal/binomial (residual pi^2/3 for logit, 1 for probit;
        Snijders & Bosker 2012, section 17.3), observed scale for linear models.
        """
        v = self.re_sd ** 2
        if self.kind == "linear":
            return v / (v + self.residual_sd ** 2)
        lat = math.pi ** 2 / 3 if self.link == "logit" else 1.0
        return v / (v + lat)

    icc = vpc

    def lr_test(self) -> dict:
        """LR test of the group variance against the model without it.

        The null SD = 0 lies on the boundary, so the p-value is the 50:50 mixture of chi2_0 and
        chi2_1 (Self & Liang 1987): p = 0.5 * P(chi2_1 > LR); the naive chi2_1 p is also given.
        """
        lr = max(2 * (self.loglik - self.loglik_null), 0.0)
        p_naive = float(stats.chi2.sf(lr, 1))
        return {"statistic": lr, "df": 1, "p_value": 0.5 * p_naive if lr > 0 else 1.0,
                "p_naive": p_naive, "loglik_null": self.loglik_null,
                "method": "boundary-corrected 50:50 mixture of chi2(0) and chi2(1)"}

    @property
    def aic(self) -> float:
        return -2 * self.loglik + 2 * self.n_params

    @property
    def bic(self) -> float:
        return -2 * self.loglik + math.log(self.nobs) * self.n_params

    # -- predictions --------------------------------------------------------------------
    def predict_proba(self, profile, *, group=None) -> pd.DataFrame:
        """Probability of each category (ordinal) or of y = 1 (binomial) for covariate profiles.

        ``profile``: dict or DataFrame of predictor values. ``group``: a group label to use its
        conditional mode; default 0 (an average inspector).
        """
        from reliability.models._quadrature import get_link
        prof = pd.DataFrame([profile]) if isinstance(profile, dict) else pd.DataFrame(profile)
        mm = pd.DataFrame(self._spec.get_model_matrix(prof))
        cols = [c for c in mm.columns if str(c) != "Intercept"]
        X = np.asarray(mm[cols], dtype=float)
        beta = self.coef[[i for i, n in enumerate(self.names) if n != "(Intercept)"]]
        u = 0.0
        if group is not None:
            idx = np.flatnonzero(self.levels == group)
            if len(idx) == 0:
                from reliability._errors import ReliabilityError, suggest
                raise ReliabilityError(f"{self.group} {group!r} not in the fit"
                                       f"{suggest(group, self.levels)}")
            u = self.modes[idx[0]]
        eta = X @ beta + u
        if self.kind == "linear":
            b0 = self.coef[list(self.names).index("(Intercept)")] if "(Intercept)" in self.names else 0
            return pd.DataFrame({"mean": eta + b0})
        F = get_link(self.link).cdf
        if self.kind == "binomial":
            b0 = self.coef[list(self.names).index("(Intercept)")]
            return pd.DataFrame({"p": F(b0 + eta)})
        cum = F(self.thresholds[None, :] - eta[:, None])
        cum = np.column_stack([np.zeros(len(eta)), cum, np.ones(len(eta))])
        return pd.DataFrame(np.diff(cum, axis=1), columns=[str(c) for c in self.categories])

    # -- output ----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        ci = self.ci
        out = {
            "model": self.kind, "formula": self.formula, "link": self.link,
            "method": self.method,
            "fixed": {n: {"estimate": self.coef[i], "se": self.se[i], "z": self.z[i],
                          "p": self.p_value[i], "ci": [ci[i, 0], ci[i, 1]]}
                      for i, n in enumerate(self.names)},
            "random": {self.group: {"sd": self.re_sd, "sd_se": self.re_sd_se,
                                    "sd_ci": list(self.re_sd_ci),
                                    "log_sd_se": self.log_re_sd_se}},
            "loglik": self.loglik, "aic": self.aic, "bic": self.bic,
            "nobs": self.nobs, "n_groups": self.n_groups, "n_dropped": self.n_dropped,
            "converged": self.converged, "max_gradient": self.max_gradient,
            "hessian_positive_definite": self.hessian_pd,
            "vpc": self.vpc(), "lr_test": self.lr_test(), "confidence": self.confidence,
            "notes": list(self.notes),
        }
        if self.kind == "ordinal":
            out["thresholds"] = {n: {"estimate": self.thresholds[i], "se": self.threshold_se[i]}
                                 for i, n in enumerate(self.threshold_names)}
        if self.kind == "linear":
            out["residual_sd"] = self.residual_sd
            out["reml"] = self.reml
        return json_safe(out)

    def summary(self) -> str:
        titles = {"ordinal": f"Cumulative {self.link} mixed model",
                  "binomial": f"Binomial ({self.link}) mixed model",
                  "linear": "Linear mixed model (" + ("REML" if self.reml else "ML") + ")"}
        lines = [titles[self.kind] + f"  [{self.method}]", f"formula: {self.formula}",
                 f"n = {self.nobs}, groups ({self.group}) = {self.n_groups}"
                 + (f", dropped rows = {self.n_dropped}" if self.n_dropped else ""),
                 f"logLik = {self.loglik:.4f}  AIC = {self.aic:.2f}  BIC = {self.bic:.2f}  "
                 f"converged = {self.converged} (max|grad| = {self.max_gradient:.2g}, "
                 f"Hessian PD = {self.hessian_pd})", "",
                 "Random effects:",
                 f"  {self.group:<20s} SD = {_fmt(self.re_sd)} (SE {_fmt(self.re_sd_se)}), "
                 f"VPC = {_fmt(self.vpc())}"]
        if self.kind == "linear":
            lines.append(f"  {'Residual':<20s} SD = {_fmt(self.residual_sd)}")
        lr = self.lr_test()
        lines.append(f"  LR test SD = 0: {lr['statistic']:.3f}, p = {lr['p_value']:.3g} "
                     "(50:50 chi2 mixture)")
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
