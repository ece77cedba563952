"""Crossed linear_mixed on the shipped synthetic inspections, with and without the library's
BLAS thread limit (issue 15): ``python benchmarks/blas_threads.py on`` / ``off``."""
import sys, time
import reliability as rl, reliability._reml as R
import pandas as pd
df = pd.read_csv("tests/data/inspections_synthetic.csv")
if sys.argv[1] == "off":
    R.BLAS_THREADS = None
f = "grade ~ female + hmi + fsm_pct + phase + (1|inspector_id) + (1|school_id)"
rl.linear_mixed(f, df)  # warm
ts = []
for _ in range(3):
    t = time.perf_counter(); fit = rl.linear_mixed(f, df); ts.append(time.perf_counter() - t)
from threadpoolctl import threadpool_info
print(sys.argv[1], "best %.2f s median %.2f s" % (min(ts), sorted(ts)[1]), [i["num_threads"] for i in threadpool_info()], len(df))
