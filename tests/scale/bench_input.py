"""Time as_ratings against the kappa kernel on 1e6 wide ratings (docs/performance.md)."""
import time, numpy as np, pandas as pd, warnings, sys
import reliability as rl
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
wide = pd.DataFrame(rng.integers(1, 5, size=(100_000, 10)).astype(float), columns=[f"r{i}" for i in range(10)])
wide.iloc[::7, 3] = np.nan
text = wide.apply(lambda c: c.map({1.0: "O", 2.0: "G", 3.0: "RI", 4.0: "I"}))
for name, df in 2* (("numeric", wide), ("text", text)):
    t = time.perf_counter(); r = rl.as_ratings(df); t1 = time.perf_counter() - t
    t = time.perf_counter(); rl.fleiss_kappa(r); t2 = time.perf_counter() - t
    print(f"{name}: as_ratings {t1:.3f}s, fleiss_kappa on Ratings {t2:.3f}s, ratio {t1/t2:.1f}")
