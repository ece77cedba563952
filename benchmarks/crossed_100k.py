"""Time the three crossed mixed models on the harness's 100,000-inspection data, once each.

The full harness (``python -m benchmarks --only models_crossed``) also runs the peers, whose
timeouts at this size make it a long run; this script times only ours, on the same data
(``benchmarks._cases.model_crossed_data``: 4,000 inspectors x 33,333 schools), each fit with
the reduced fits of its LR tests, with the library's default BLAS settings. Run from the
repository root: ``python benchmarks/crossed_100k.py [n]``.
"""

import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._cases import _CROSSED, _RHS  # noqa: E402
from benchmarks.bench_models import simulate_crossed  # noqa: E402


def main(n: int = 100_000) -> None:
    import reliability as rl

    warnings.simplefilter("ignore")
    frame = simulate_crossed(n, max(n // 25, 10), max(n // 3, 10), seed=n)
    for kind, fit_model, response in (("linear", rl.linear_mixed, "grade"),
                                      ("binomial", rl.binomial_mixed, "below_good"),
                                      ("ordinal", rl.ordinal_mixed, "grade")):
        start = time.perf_counter()
        fit = fit_model(f"{response} ~ {_RHS} + {_CROSSED}", frame)
        print(f"{kind:9s} {time.perf_counter() - start:7.1f} s  converged={fit.converged}",
              flush=True)


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000)
