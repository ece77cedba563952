"""Before/after timings of the Gaussian variance-component engine (issue 15, "one core").

``python benchmarks/gaussian_engine.py [--runs N] [--no-warm] [case ...]`` prints the best of N
(default 3) wall-clock runs (after one warm-up unless ``--no-warm``) of each case:

* ``inspections``: crossed ``linear_mixed`` on tests/data/inspections_synthetic.csv (the model
  of benchmarks/blas_threads.py), 20,000 rows, with the reduced fits of the LR tests;
* ``icc``: ``icc(method="reml")`` on a 20,000 x 4 table with 10% of the ratings missing;
* ``crossed100k``: crossed ``linear_mixed`` on 100,000 simulated rows, 1,000 inspectors and
  30,000 schools (benchmarks.bench_models.simulate_crossed), reduced fits included;
* ``harness100k``: the benchmark harness's 100,000-row crossed case (4,000 inspectors,
  33,333 schools: ``benchmarks/_cases.py`` model_crossed_data).
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RHS = "female + fsm_pct + phase"


def _inspections():
    from reliability.models import linear_mixed

    df = pd.read_csv(ROOT / "tests" / "data" / "inspections_synthetic.csv")
    f = "grade ~ female + hmi + fsm_pct + phase + (1|inspector_id) + (1|school_id)"
    return lambda: linear_mixed(f, df)


def _icc():
    from reliability.icc import icc

    rng = np.random.default_rng(1)
    n, k = 20_000, 4
    x = rng.normal(size=(n, 1)) + rng.normal(0, 0.5, size=(1, k)) + rng.normal(size=(n, k))
    x[rng.random((n, k)) < 0.10] = np.nan
    return lambda: icc(x, method="reml")


def _crossed(n, n_insp, n_school):
    from benchmarks.bench_models import simulate_crossed
    from reliability.models import linear_mixed

    d = simulate_crossed(n, n_insp, n_school, seed=n)
    return lambda: linear_mixed(f"grade ~ {RHS} + (1|inspector_id) + (1|school_id)", d)


CASES = {
    "inspections": _inspections,
    "icc": _icc,
    "crossed100k": lambda: _crossed(100_000, 1_000, 30_000),
    "harness100k": lambda: _crossed(100_000, 4_000, 33_333),
}


def main(argv):
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-warm", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args(argv)
    for name in args.cases or list(CASES):
        fn = CASES[name]()
        ts = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not args.no_warm:
                out = fn()
            for _ in range(args.runs):
                t = time.perf_counter()
                out = fn()
                ts.append(time.perf_counter() - t)
        extra = ""
        if hasattr(out, "random"):
            extra = (f"loglik {out.loglik:.6f} sds "
                     + " ".join(f"{t.group}={t.sd:.6f}" for t in out.random)
                     + f" sigma {out.residual_sd:.6f} converged {out.converged}")
        else:
            extra = " ".join(f"{f}={out[f].estimate:.6f}" for f in ("ICC1", "ICC2", "ICC3"))
        print(f"{name}: best {min(ts):.3f} s (runs {', '.join(f'{t:.3f}' for t in ts)}); {extra}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
