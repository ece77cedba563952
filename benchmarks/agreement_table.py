"""agreement() against its slowest single coefficient, with the classic coefficients in the table:
``python benchmarks/agreement_table.py`` (250,000 units x 4 raters, ordinal; best of 3)."""
import time, numpy as np, reliability as rl
rng=np.random.default_rng(0)
n=250_000; x=rng.integers(1,5,(n,4)).astype(float)
rt=rl.as_ratings(x, level="ordinal")
def t(f):
    f(); b=[]
    for _ in range(3):
        s=time.perf_counter(); f(); b.append(time.perf_counter()-s)
    return min(b)
ta=t(lambda: rl.agreement(rl.as_ratings(x, level="ordinal")))
tc=t(lambda: rl.conger_kappa(rl.as_ratings(x, level="ordinal")))
tl=t(lambda: rl.light_kappa(rl.as_ratings(x, level="ordinal")))
tk=t(lambda: rl.kendall_w(rl.as_ratings(x, level="ordinal")))
tca=t(lambda: rl.cronbach_alpha(rl.as_ratings(x, level="ordinal")))
print(f"agreement {ta:.3f}s conger {tc:.3f} light {tl:.3f} kendall {tk:.3f} cronbach {tca:.3f} ratio agreement/slowest single {ta/max(tc,tl,tk,tca):.2f}")
