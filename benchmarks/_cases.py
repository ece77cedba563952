"""Benchmark cases: seeded data generators and the implementations timed on them.

A *case* is ``(group, impl, size)``. ``DATA[group](size, seed)`` builds the inputs (not
timed); ``IMPLS[group][impl](data)`` returns a zero-argument callable (setup not timed,
e.g. building the input layout a peer expects) or raises ``ImportError`` /
``Unavailable`` when the library or function is missing. Each implementation records in
``RECEIVES`` what input it is given, so the table compares like with like.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


class Unavailable(Exception):
    """The implementation cannot run here (library not installed, function not written yet)."""


Q = 4            # categories (Ofsted-style grades 1..4)
MISSING = 0.10   # share of missing cells in agreement data


# --------------------------------------------------------------------------- data
def agreement_data(n_ratings: int, k: int, seed: int) -> dict:
    """Wide ordinal ratings 1..Q of ``n_units`` by ``k`` raters, 10 % missing cells.

    ``n_units`` is chosen so that about ``n_ratings`` ratings are observed. A latent grade
    per unit plus rater noise gives realistic agreement (kappa about 0.5).
    """
    rng = np.random.default_rng(seed)
    n_units = max(int(round(n_ratings / (k * (1 - MISSING)))), 4)
    latent = rng.normal(size=(n_units, 1))
    noisy = latent + rng.normal(scale=0.7, size=(n_units, k))
    grades = np.clip(np.digitize(noisy, [-1.0, 0.0, 1.0]) + 1, 1, Q).astype(float)
    grades[rng.random((n_units, k)) < MISSING] = np.nan
    # Keep units with at least two ratings so every library sees the same units.
    keep = (~np.isnan(grades)).sum(axis=1) >= 2
    grades = grades[keep]
    return {"wide": grades, "k": k}


def icc_data(n_units: int, k: int, seed: int) -> dict:
    """Complete continuous scores: unit effect + rater effect + noise (two-way model)."""
    rng = np.random.default_rng(seed)
    scores = (rng.normal(size=(n_units, 1)) + rng.normal(scale=0.3, size=(1, k))
              + rng.normal(scale=0.8, size=(n_units, k)))
    return {"wide": scores, "k": k}


def _ratings(wide, level="ordinal"):
    from reliability.data import as_ratings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return as_ratings(pd.DataFrame(wide), shape="wide", level=level, categories=[1, 2, 3, 4])


def _cold(r):
    """A fresh copy of a prebuilt Ratings: its derived counts and the agreement statistics
    cached on it are recomputed by the call timed (as for a user's first call)."""
    import dataclasses

    sparse = None if r._sparse is None else _cold(r._sparse)
    return dataclasses.replace(r, _sparse=sparse)


def _quiet(fn):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    return run


def _agreement_fn(name):
    try:
        import reliability.agreement as agr
    except ImportError as exc:
        raise Unavailable(f"reliability.agreement not importable: {exc}") from exc
    fn = getattr(agr, name, None)
    if fn is None:
        raise Unavailable(f"reliability.agreement.{name} not found")
    return fn


# ---------------------------------------------------------------- agreement, k = 2
def _pairs(wide):
    both = ~np.isnan(wide).any(axis=1)
    return wide[both, 0].astype(np.int64), wide[both, 1].astype(np.int64)


def ours_cohen_ratings(d):
    fn, r = _agreement_fn("cohen_kappa"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r)))


def ours_cohen_frame(d):
    fn, df = _agreement_fn("cohen_kappa"), pd.DataFrame(d["wide"])
    return _quiet(lambda: fn(df, level="ordinal", categories=[1, 2, 3, 4]))


def ours_agreement_ratings(d):
    fn, r = _agreement_fn("agreement"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r)))


def _single(name, **kw):
    """One coefficient of agreement()'s table on the same (ordinal) Ratings, same weights."""
    def factory(d):
        fn, r = _agreement_fn(name), _ratings(d["wide"])
        return _quiet(lambda: fn(_cold(r), **kw))
    return factory


def ours_as_ratings_frame(d):
    """DataFrame -> Ratings only (the input layer), as the [DataFrame] rows do first."""
    from reliability.data import as_ratings

    df = pd.DataFrame(d["wide"])
    return _quiet(lambda: as_ratings(df, level="ordinal", categories=[1, 2, 3, 4],
                                     min_ratings=1))


def ours_fleiss_frame(d):
    fn, df = _agreement_fn("fleiss_kappa"), pd.DataFrame(d["wide"])
    return _quiet(lambda: fn(df, level="ordinal", categories=[1, 2, 3, 4]))


def ours_agreement_frame(d):
    fn, df = _agreement_fn("agreement"), pd.DataFrame(d["wide"])
    return _quiet(lambda: fn(df, level="ordinal", categories=[1, 2, 3, 4]))


def sklearn_cohen(d):
    from sklearn.metrics import cohen_kappa_score

    a, b = _pairs(d["wide"])
    return lambda: cohen_kappa_score(a, b)


def numpy_floor_pairs(d):
    """One np.bincount over the (rater 1, rater 2) pairs plus the kappa arithmetic."""
    a, b = _pairs(d["wide"])
    a, b = a - 1, b - 1

    def run():
        t = np.bincount(a * Q + b, minlength=Q * Q).reshape(Q, Q) / len(a)
        po = np.trace(t)
        pe = t.sum(1) @ t.sum(0)
        return (po - pe) / (1 - pe)
    return run


# ---------------------------------------------------------------- agreement, k = 4
def ours_fleiss_ratings(d):
    fn, r = _agreement_fn("fleiss_kappa"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r)))


def ours_alpha_ratings(d):
    fn, r = _agreement_fn("krippendorff_alpha"), _ratings(d["wide"], "nominal")
    return _quiet(lambda: fn(_cold(r), level="nominal"))


def ours_alpha_frame(d):
    fn, df = _agreement_fn("krippendorff_alpha"), pd.DataFrame(d["wide"])
    return _quiet(lambda: fn(df, level="nominal"))


def statsmodels_fleiss(d):
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    # statsmodels asserts an equal number of raters per unit, so it gets the complete
    # units only (about 2/3 of them): a conservative comparison for us.
    wide = d["wide"][~np.isnan(d["wide"]).any(axis=1)]

    def run():
        table, _ = aggregate_raters(wide)
        return fleiss_kappa(table)
    return _quiet(run)


def krippendorff_alpha_peer(d):
    import krippendorff

    data = np.ascontiguousarray(d["wide"].T)
    return lambda: krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def numpy_floor_counts(d):
    """One np.bincount of unit*Q + code over the long arrays (the units x categories counts)
    plus Fleiss' arithmetic."""
    wide = d["wide"]
    u, r = np.nonzero(~np.isnan(wide))
    unit = u.astype(np.int64)
    code = wide[u, r].astype(np.int64) - 1
    n = wide.shape[0]

    def run():
        c = np.bincount(unit * Q + code, minlength=n * Q).reshape(n, Q).astype(float)
        m = c.sum(1)
        po = ((c * (c - 1)).sum(1) / (m * (m - 1))).mean()
        p = c.sum(0) / c.sum()
        pe = p @ p
        return (po - pe) / (1 - pe)
    return run


# ---------------------------------------------------------------------------- ICC
def ours_icc(d):
    try:
        from reliability.icc import icc
    except ImportError as exc:
        raise Unavailable(str(exc)) from exc
    wide = d["wide"]
    return _quiet(lambda: icc(wide))


def pingouin_icc(d):
    import pingouin as pg

    n, k = d["wide"].shape
    long = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n),
                         "score": d["wide"].ravel()})
    return _quiet(lambda: pg.intraclass_corr(long, targets="unit", raters="rater",
                                             ratings="score"))


def numpy_floor_icc(d):
    """The two-way ANOVA mean squares (row/column means) and ICC(2,1): the arithmetic floor."""
    x = d["wide"]
    n, k = x.shape

    def run():
        g = x.mean()
        rows = x.mean(1)
        cols = x.mean(0)
        ssr = k * ((rows - g) ** 2).sum()
        ssc = n * ((cols - g) ** 2).sum()
        sse = ((x - g) ** 2).sum() - ssr - ssc
        msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
        return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    return run


# ---------------------------------------------------------------------- bootstrap
B = 2000


def ours_agreement_bootstrap(d):
    fn, r = _agreement_fn("agreement"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r), n_resamples=B, seed=1))


def ours_agreement_bootstrap_bca(d):
    fn, r = _agreement_fn("agreement"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r), n_resamples=B, seed=1, bootstrap_method="bca"))


def ours_cohen_bootstrap(d):
    fn, r = _agreement_fn("cohen_kappa"), _ratings(d["wide"])
    return _quiet(lambda: fn(_cold(r), n_resamples=B, seed=1))


def ours_icc_bootstrap(d):
    from reliability.icc import icc

    wide = d["wide"]
    return _quiet(lambda: icc(wide, bootstrap=B, seed=1))


def inference_kappa_bootstrap(d):
    """reliability.inference.bootstrap_units on Cohen's kappa written as per-unit sums."""
    from reliability.inference import bootstrap_units

    a, b = _pairs(d["wide"])
    a, b = a - 1, b - 1
    agree = (a == b).astype(float)
    ia = np.eye(Q)[a]   # n x Q indicators (Q = 4 columns: small)
    ib = np.eye(Q)[b]

    def stat(w):
        tot = w.sum(1)
        po = (w @ agree) / tot
        pa, pb = (w @ ia) / tot[:, None], (w @ ib) / tot[:, None]
        pe = (pa * pb).sum(1)
        return (po - pe) / (1 - pe)
    return lambda: bootstrap_units(stat, len(a), n_resamples=B, seed=1)


def sklearn_loop_bootstrap(d):
    """The naive way: a Python loop of 2,000 cohen_kappa_score calls on resampled pairs."""
    from sklearn.metrics import cohen_kappa_score

    a, b = _pairs(d["wide"])

    def run():
        rng = np.random.default_rng(1)
        out = np.empty(B)
        for i in range(B):
            idx = rng.integers(0, len(a), len(a))
            out[i] = cohen_kappa_score(a[idx], b[idx])
        return np.quantile(out, [0.025, 0.975])
    return run


# ----------------------------------------------------------------------- registry
#: The single coefficients of agreement()'s table timed beside it (the most expensive ones;
#: agreement() on ordinal grades uses quadratic weights).
SINGLES = {
    "agreement_k2": ("ours cohen_kappa [Ratings]", "ours conger_kappa [Ratings]",
                     "ours gwet_ac2 [Ratings]", "ours krippendorff_alpha ordinal [Ratings]",
                     "ours kendall_w [Ratings]", "ours cronbach_alpha [Ratings]"),
    "agreement_k4": ("ours fleiss_kappa [Ratings]", "ours conger_kappa [Ratings]",
                     "ours gwet_ac2 [Ratings]", "ours krippendorff_alpha ordinal [Ratings]",
                     "ours kendall_w [Ratings]", "ours cronbach_alpha [Ratings]"),
}

IMPLS = {
    "agreement_k2": {
        "ours cohen_kappa [Ratings]": ours_cohen_ratings,
        "ours cohen_kappa [DataFrame]": ours_cohen_frame,
        "ours as_ratings [DataFrame]": ours_as_ratings_frame,
        "ours conger_kappa [Ratings]": _single("conger_kappa", weights="quadratic"),
        "ours gwet_ac2 [Ratings]": _single("gwet_ac2", weights="quadratic"),
        "ours krippendorff_alpha ordinal [Ratings]": _single("krippendorff_alpha"),
        "ours kendall_w [Ratings]": _single("kendall_w"),
        "ours cronbach_alpha [Ratings]": _single("cronbach_alpha"),
        "ours agreement() [Ratings]": ours_agreement_ratings,
        "ours agreement() [DataFrame]": ours_agreement_frame,
        "sklearn cohen_kappa_score": sklearn_cohen,
        "irrCAC": None,
        "numpy floor": numpy_floor_pairs,
    },
    "agreement_k4": {
        "ours fleiss_kappa [Ratings]": ours_fleiss_ratings,
        "ours fleiss_kappa [DataFrame]": ours_fleiss_frame,
        "ours krippendorff_alpha [Ratings]": ours_alpha_ratings,
        "ours krippendorff_alpha [DataFrame]": ours_alpha_frame,
        "ours as_ratings [DataFrame]": ours_as_ratings_frame,
        "ours conger_kappa [Ratings]": _single("conger_kappa", weights="quadratic"),
        "ours gwet_ac2 [Ratings]": _single("gwet_ac2", weights="quadratic"),
        "ours krippendorff_alpha ordinal [Ratings]": _single("krippendorff_alpha"),
        "ours kendall_w [Ratings]": _single("kendall_w"),
        "ours cronbach_alpha [Ratings]": _single("cronbach_alpha"),
        "ours agreement() [Ratings]": ours_agreement_ratings,
        "ours agreement() [DataFrame]": ours_agreement_frame,
        "statsmodels fleiss_kappa": statsmodels_fleiss,
        "krippendorff.alpha": krippendorff_alpha_peer,
        "irrCAC": None,
        "numpy floor": numpy_floor_counts,
    },
    "icc": {
        "ours icc [ndarray]": ours_icc,
        "pingouin intraclass_corr": pingouin_icc,
        "numpy floor (two-way ANOVA)": numpy_floor_icc,
    },
    "bootstrap": {
        "ours agreement(bootstrap=2000) [Ratings]": ours_agreement_bootstrap,
        "ours agreement(bootstrap=2000, BCa) [Ratings]": ours_agreement_bootstrap_bca,
        "ours cohen_kappa(bootstrap=2000) [Ratings]": ours_cohen_bootstrap,
        "inference.bootstrap_units (kappa)": inference_kappa_bootstrap,
        "ours icc(bootstrap=2000), 1e4 x 4": ours_icc_bootstrap,
        "sklearn loop x 2000": sklearn_loop_bootstrap,
    },
}

_COLD = " (a fresh copy per call: derived counts and cached statistics recomputed)"
RECEIVES = {
    "ours cohen_kappa [Ratings]": "a prebuilt Ratings (integer-coded unit/rater/code arrays)"
                                  + _COLD,
    "ours cohen_kappa [DataFrame]": "wide DataFrame of grades, NaN missing (coding timed)",
    "ours as_ratings [DataFrame]": "wide DataFrame of grades, NaN missing; as_ratings only "
                                   "(DataFrame -> Ratings, the input layer)",
    "ours conger_kappa [Ratings]": "prebuilt ordinal Ratings, quadratic weights (as in "
                                   "agreement())" + _COLD,
    "ours gwet_ac2 [Ratings]": "prebuilt ordinal Ratings, quadratic weights" + _COLD,
    "ours krippendorff_alpha ordinal [Ratings]": "prebuilt ordinal Ratings, ordinal metric "
                                                 "(as in agreement())" + _COLD,
    "ours kendall_w [Ratings]": "prebuilt ordinal Ratings (in agreement()'s table)" + _COLD,
    "ours cronbach_alpha [Ratings]": "prebuilt ordinal Ratings (in agreement()'s table)" + _COLD,
    "ours fleiss_kappa [DataFrame]": "wide DataFrame, NaN missing (coding timed)",
    "ours agreement(bootstrap=2000, BCa) [Ratings]": "prebuilt Ratings, 2,000 resamples, BCa "
                                                     "(jackknife included)" + _COLD,
    "ours agreement() [Ratings]": "a prebuilt Ratings; computes the whole table of coefficients"
                                  + _COLD,
    "ours agreement() [DataFrame]": "wide DataFrame, NaN missing; whole table incl. coding",
    "sklearn cohen_kappa_score": "two int64 arrays of the complete pairs (missing removed untimed)",
    "irrCAC": "irrCAC (Python) could not be installed in this environment: recorded as unavailable",
    "numpy floor": "pre-coded int arrays (k=2: the complete pairs; k=4: long unit/code arrays); "
                   "one np.bincount pass + closed-form kappa",
    "ours fleiss_kappa [Ratings]": "a prebuilt Ratings" + _COLD,
    "ours krippendorff_alpha [Ratings]": "a prebuilt Ratings (nominal)" + _COLD,
    "ours krippendorff_alpha [DataFrame]": "wide DataFrame, NaN missing (nominal; coding timed)",
    "statsmodels fleiss_kappa": "wide float array of the COMPLETE units only (it asserts equal "
                                "raters per unit; ~2/3 of the units); aggregate_raters + "
                                "fleiss_kappa timed",
    "krippendorff.alpha": "raters x units float array, NaN missing (nominal)",
    "numpy floor (two-way ANOVA)": "the float ndarray; row/column means, sums of squares and "
                                   "ICC(2,1) only (no F intervals, no other forms)",
    "ours icc [ndarray]": "complete float ndarray units x raters (all six forms + F intervals)",
    "pingouin intraclass_corr": "long DataFrame unit/rater/score (built untimed)",
    "ours agreement(bootstrap=2000) [Ratings]": "prebuilt Ratings, 2,000 resamples" + _COLD,
    "ours cohen_kappa(bootstrap=2000) [Ratings]": "prebuilt Ratings, 2,000 resamples" + _COLD,
    "inference.bootstrap_units (kappa)": "complete pairs; kappa as per-unit weighted sums",
    "ours icc(bootstrap=2000), 1e4 x 4": "complete 1e4 x 4 float ndarray, 2,000 resamples",
    "sklearn loop x 2000": "complete pairs; Python loop of 2,000 cohen_kappa_score calls",
}


def make_data(group: str, size: int, seed: int) -> dict:
    if group == "agreement_k2":
        return agreement_data(size, 2, seed)
    if group == "agreement_k4":
        return agreement_data(size, 4, seed)
    if group == "icc":
        return icc_data(size, 4, seed)
    raise KeyError(group)


def bootstrap_data(impl: str, size: int, seed: int) -> dict:
    if "icc" in impl:
        return icc_data(size, 4, seed)
    # size = units before the (few) units with fewer than 2 ratings are dropped
    return agreement_data(int(size * 2 * (1 - MISSING)), 2, seed)


# ------------------------------------------------------------------------- models
# The data generator and the six fits are those of benchmarks/bench_models.py (written by
# the models engineer): same seeded simulation ``simulate(n, n // 25 groups, seed=n)`` and
# the same formulas, so its standalone script and this runner time the same work.
_RHS = "female + fsm_pct + phase"


def model_data(n: int, seed: int) -> dict:
    from benchmarks.bench_models import simulate

    return {"frame": simulate(n, max(n // 25, 10), seed=n), "n": n}


def _models():
    try:
        import reliability.models as m
    except ImportError as exc:
        raise Unavailable(f"reliability.models not importable: {exc}") from exc
    return m


def ours_ordinal_mixed(d):
    fn, df = _models().ordinal_mixed, d["frame"]
    return _quiet(lambda: fn(f"grade ~ {_RHS} + (1|inspector_id)", df))


def ours_binomial_mixed(d):
    fn, df = _models().binomial_mixed, d["frame"]
    return _quiet(lambda: fn(f"below_good ~ {_RHS} + (1|inspector_id)", df))


def ours_linear_mixed(d):
    fn, df = _models().linear_mixed, d["frame"]
    return _quiet(lambda: fn(f"grade ~ {_RHS} + (1|inspector_id)", df))


def sm_ordered_model(d):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    df = d["frame"]
    return _quiet(lambda: OrderedModel.from_formula(f"grade ~ {_RHS}", df, distr="logit")
                  .fit(method="bfgs", disp=False))


def sm_binomial_bayes(d):
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    df = d["frame"]
    return _quiet(lambda: BinomialBayesMixedGLM.from_formula(
        f"below_good ~ {_RHS}", {"i": "0 + C(inspector_id)"}, df).fit_vb())


def sm_mixedlm(d):
    import statsmodels.formula.api as smf

    df = d["frame"]
    return _quiet(lambda: smf.mixedlm(f"grade ~ {_RHS}", df, groups=df["inspector_id"])
                  .fit(reml=True))


# Crossed inspector x school designs: n // 25 inspectors and n // 3 schools (about three
# inspections per school, as in national data), an inspector and a school random intercept.
def model_crossed_data(n: int, seed: int) -> dict:
    from benchmarks.bench_models import simulate_crossed

    return {"frame": simulate_crossed(n, max(n // 25, 10), max(n // 3, 10), seed=n), "n": n}


_CROSSED = "(1|inspector_id) + (1|school_id)"


def ours_ordinal_crossed(d):
    fn, df = _models().ordinal_mixed, d["frame"]
    return _quiet(lambda: fn(f"grade ~ {_RHS} + {_CROSSED}", df))


def ours_binomial_crossed(d):
    fn, df = _models().binomial_mixed, d["frame"]
    return _quiet(lambda: fn(f"below_good ~ {_RHS} + {_CROSSED}", df))


def ours_linear_crossed(d):
    fn, df = _models().linear_mixed, d["frame"]
    return _quiet(lambda: fn(f"grade ~ {_RHS} + {_CROSSED}", df))


def sm_mixedlm_crossed(d):
    import statsmodels.api as sm

    df = d["frame"].assign(one=1)
    return _quiet(lambda: sm.MixedLM.from_formula(
        f"grade ~ {_RHS}", groups="one", re_formula="0",
        vc_formula={"inspector_id": "0 + C(inspector_id)", "school_id": "0 + C(school_id)"},
        data=df).fit(reml=True))


def sm_binomial_bayes_crossed(d):
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM

    df = d["frame"]
    return _quiet(lambda: BinomialBayesMixedGLM.from_formula(
        f"below_good ~ {_RHS}", {"i": "0 + C(inspector_id)", "s": "0 + C(school_id)"},
        df).fit_vb())


# ------------------------------------------------------------------------ R peers
def _r_peer(model, design):
    """An R fit timed inside R (benchmarks/peers.R): the callable takes the number of
    repeats and returns {"times": [...], "versions": {...}} (R startup and reading the
    CSV are not timed). Unavailable without Rscript or the R package."""
    def factory(d):
        import json
        import os
        import shutil
        import subprocess
        import tempfile
        from pathlib import Path

        rscript = shutil.which("Rscript")
        if rscript is None:
            raise Unavailable("Rscript not found (R peers are optional)")
        fd, path = tempfile.mkstemp(suffix=".csv", prefix="bench_",
                                    dir=os.environ.get("BENCH_TMP"))
        os.close(fd)
        d["frame"].to_csv(path, index=False)
        script = str(Path(__file__).with_name("peers.R"))

        def run(repeats):
            out = subprocess.run([rscript, "--vanilla", script, model, design, path,
                                  str(repeats)], capture_output=True, text=True,
                                 check=False)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
            if out.returncode != 0 or not lines:
                raise RuntimeError((out.stderr.strip().splitlines() or ["R failed"])[-1])
            res = json.loads(lines[-1])
            if "unavailable" in res:
                raise Unavailable(res["unavailable"])
            return res
        run.self_timed = True
        run.cleanup = lambda: os.path.exists(path) and os.remove(path)
        return run
    return factory


IMPLS["models_crossed"] = {
    "ours ordinal_mixed crossed (Laplace)": ours_ordinal_crossed,
    "R ordinal::clmm crossed": _r_peer("clmm", "crossed"),
    "ours binomial_mixed crossed (Laplace)": ours_binomial_crossed,
    "statsmodels BinomialBayesMixedGLM.fit_vb crossed": sm_binomial_bayes_crossed,
    "R lme4::glmer crossed": _r_peer("glmer", "crossed"),
    "R glmmTMB crossed": _r_peer("glmmTMB", "crossed"),
    "ours linear_mixed crossed (REML)": ours_linear_crossed,
    "statsmodels MixedLM crossed variance components (REML)": sm_mixedlm_crossed,
    "R lme4::lmer crossed": _r_peer("lmer", "crossed"),
}
RECEIVES.update({
    "ours ordinal_mixed crossed (Laplace)": "DataFrame + grade ~ covariates + (1|inspector) + "
                                            "(1|school); includes the two reduced fits for "
                                            "the LR tests",
    "ours binomial_mixed crossed (Laplace)": "the same, below_good",
    "statsmodels BinomialBayesMixedGLM.fit_vb crossed": "same DataFrame, two variance "
                                                        "components; variational Bayes, not ML",
    "ours linear_mixed crossed (REML)": "the same, grade as a score (incl. reduced fits)",
    "statsmodels MixedLM crossed variance components (REML)": "same DataFrame, one group, "
                                                              "vc_formula for both factors",
})

IMPLS["models"] = {
    "ours ordinal_mixed (Laplace)": ours_ordinal_mixed,
    "statsmodels OrderedModel (no random effect)": sm_ordered_model,
    "R ordinal::clmm": _r_peer("clmm", "single"),
    "ours binomial_mixed (Laplace)": ours_binomial_mixed,
    "statsmodels BinomialBayesMixedGLM.fit_vb": sm_binomial_bayes,
    "R lme4::glmer": _r_peer("glmer", "single"),
    "R glmmTMB": _r_peer("glmmTMB", "single"),
    "ours linear_mixed (REML)": ours_linear_mixed,
    "statsmodels MixedLM (REML)": sm_mixedlm,
    "R lme4::lmer": _r_peer("lmer", "single"),
}
RECEIVES.update({
    "ours ordinal_mixed (Laplace)": "DataFrame + formula grade ~ covariates + (1|inspector)",
    "statsmodels OrderedModel (no random effect)": "same DataFrame; no random effect (statsmodels "
                                                   "has no ordinal mixed model)",
    "ours binomial_mixed (Laplace)": "DataFrame + formula below_good ~ covariates + (1|inspector)",
    "statsmodels BinomialBayesMixedGLM.fit_vb": "same DataFrame; variational Bayes, not ML",
    "ours linear_mixed (REML)": "DataFrame + formula grade ~ covariates + (1|inspector)",
    "statsmodels MixedLM (REML)": "same DataFrame, groups=inspector",
})
_R_SAME = ("same data via CSV (read untimed); fit timed inside R, incl. the reduced fits of "
           "the LR tests as ours")
RECEIVES.update({name: _R_SAME for group in ("models", "models_crossed")
                 for name in IMPLS[group] if name.startswith("R ")})

#: For each of our models, its R peers (the goal: ours ahead of the fastest one).
R_PEERS = {
    "models": {"ours ordinal_mixed (Laplace)": ("R ordinal::clmm",),
               "ours binomial_mixed (Laplace)": ("R lme4::glmer", "R glmmTMB"),
               "ours linear_mixed (REML)": ("R lme4::lmer",)},
    "models_crossed": {"ours ordinal_mixed crossed (Laplace)": ("R ordinal::clmm crossed",),
                       "ours binomial_mixed crossed (Laplace)": ("R lme4::glmer crossed",
                                                                 "R glmmTMB crossed"),
                       "ours linear_mixed crossed (REML)": ("R lme4::lmer crossed",)},
}
