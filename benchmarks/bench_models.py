"""Time the mixed models against statsmodels on seeded simulated inspections.

Run: ``python benchmarks/bench_models.py [--sizes 20000 100000] [--reps 1]``. A script, not a
test: it prints wall-clock seconds and the ratio statsmodels / ours. statsmodels has no
frequentist ordinal or binomial mixed model, so the peers are: BinomialBayesMixedGLM
(variational Bayes, ``fit_vb``), MixedLM (REML) and OrderedModel (no random effect).
Add ``--simulate N`` for a coverage / bias check over N simulated data sets (ordinal Laplace).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def simulate(n, n_groups, *, seed=0, sd=0.4, thetas=(-1.26, 2.01, 4.15)):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_groups, n)
    female = rng.integers(0, 2, n)
    fsm = rng.uniform(0, 60, n)
    phase = rng.choice(["primary", "secondary"], n, p=[0.8, 0.2])
    eta = 0.15 * female + 0.02 * fsm + 0.2 * (phase == "secondary") + rng.normal(0, sd, n_groups)[g]
    lat = eta + rng.logistic(size=n)
    grade = 1 + (lat[:, None] > np.asarray(thetas)[None, :]).sum(axis=1)
    return pd.DataFrame({"grade": grade, "below_good": (grade >= 3).astype(int),
                         "female": female, "fsm_pct": fsm, "phase": phase, "inspector_id": g})


def simulate_crossed(n, n_inspectors, n_schools, *, seed=0, sd=0.4, school_sd=0.5,
                     thetas=(-1.26, 2.01, 4.15)):
    """Inspections crossed with schools: an inspector effect and a school effect."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_inspectors, n)
    s = rng.integers(0, n_schools, n)
    female = rng.integers(0, 2, n_inspectors)[g]
    fsm = rng.uniform(0, 60, n_schools)[s]
    phase = rng.choice(["primary", "secondary"], n_schools, p=[0.8, 0.2])[s]
    eta = (0.15 * female + 0.02 * fsm + 0.2 * (phase == "secondary")
           + rng.normal(0, sd, n_inspectors)[g] + rng.normal(0, school_sd, n_schools)[s])
    lat = eta + rng.logistic(size=n)
    grade = 1 + (lat[:, None] > np.asarray(thetas)[None, :]).sum(axis=1)
    return pd.DataFrame({"grade": grade, "below_good": (grade >= 3).astype(int),
                         "female": female, "fsm_pct": fsm, "phase": phase, "inspector_id": g,
                         "school_id": s})


def timed(fn):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn()
    return time.perf_counter() - t, out


def bench(n, reps=1, vb_max=20000):
    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    import statsmodels.formula.api as smf

    from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed

    d = simulate(n, max(n // 25, 10), seed=n)
    rhs = "female + fsm_pct + phase + (1|inspector_id)"
    rows = []
    for name, ours, peer, peer_name in [
        ("ordinal (Laplace)", lambda: ordinal_mixed("grade ~ " + rhs, d),
         lambda: OrderedModel.from_formula("grade ~ female + fsm_pct + phase", d,
                                           distr="logit").fit(method="bfgs", disp=False),
         "OrderedModel (no RE)"),
        ("binomial (Laplace)", lambda: binomial_mixed("below_good ~ " + rhs, d),
         lambda: BinomialBayesMixedGLM.from_formula(
             "below_good ~ female + fsm_pct + phase", {"i": "0 + C(inspector_id)"}, d).fit_vb(),
         "BinomialBayesMixedGLM.fit_vb"),
        ("linear (REML)", lambda: linear_mixed("grade ~ " + rhs, d),
         lambda: smf.mixedlm("grade ~ female + fsm_pct + phase", d,
                             groups=d["inspector_id"]).fit(reml=True),
         "MixedLM (REML)"),
    ]:
        t_ours = min(timed(ours)[0] for _ in range(reps))
        if "fit_vb" in peer_name and n > vb_max:
            print(f"n={n:>7d}  {name:<20s} ours {t_ours:7.2f}s   {peer_name} skipped "
                  f"(n > --vb-max {vb_max}: variational Bayes is slow)", flush=True)
            continue
        t_peer = min(timed(peer)[0] for _ in range(reps))
        rows.append((n, name, t_ours, peer_name, t_peer, t_peer / t_ours))
        print(f"n={n:>7d}  {name:<20s} ours {t_ours:7.2f}s   {peer_name:<30s} {t_peer:7.2f}s"
              f"   ratio {t_peer / t_ours:6.2f}", flush=True)
    return rows


def simulate_coverage(n_sets, *, n=4000, n_groups=160, seed=0):
    """Coverage of 95% Wald intervals and bias of the RE SD (ordinal, Laplace)."""
    from reliability.models import ordinal_mixed
    truth = {"female": 0.15, "fsm_pct": 0.02, "phase[T.secondary]": 0.2}
    cover = {k: 0 for k in truth}
    sds = []
    for s in range(n_sets):
        d = simulate(n, n_groups, seed=seed + s)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = ordinal_mixed("grade ~ female + fsm_pct + phase + (1|inspector_id)", d)
        ci = r.ci
        for i, nme in enumerate(r.names):
            cover[nme] += ci[i, 0] <= truth[nme] <= ci[i, 1]
        sds.append(r.re_sd)
    sds = np.asarray(sds)
    return {k: v / n_sets for k, v in cover.items()}, float(sds.mean() - 0.4), float(
        sds.std(ddof=1) / np.sqrt(n_sets))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[20000, 100000])
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--vb-max", type=int, default=20000,
                    help="largest n for the (slow) BinomialBayesMixedGLM peer")
    ap.add_argument("--simulate", type=int, default=0, metavar="N")
    a = ap.parse_args()
    for n in a.sizes:
        bench(n, a.reps, a.vb_max)
    if a.simulate:
        cov, bias, mcse = simulate_coverage(a.simulate)
        print("coverage of 95% CIs:", cov, f"RE SD bias {bias:+.4f} (MC SE {mcse:.4f})")


if __name__ == "__main__":
    main()
