"""Run ONE measurement in this (fresh) process and print a JSON line.

Usage: ``python -m benchmarks._worker '{"group": ..., "impl": ..., "size": ..., "seed": ...,
"repeats": ...}'``. Data generation and setup are not timed; the first call is a warm-up
(imports, caches) unless it already took longer than ``warm_limit`` seconds, in which case
it is the only timing. Peak memory is the tracemalloc peak of one extra call (numpy
registers its buffers with tracemalloc), plus the process's maximum RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import tracemalloc


def measure(spec: dict) -> dict:
    from benchmarks import _cases

    group, impl, size = spec["group"], spec["impl"], int(spec["size"])
    repeats = int(spec.get("repeats", 5))
    warm_limit = float(spec.get("warm_limit", 2.0))
    out = {"group": group, "impl": impl, "size": size}
    if group in ("models", "models_crossed"):
        make = _cases.model_data if group == "models" else _cases.model_crossed_data
        try:
            data = make(size, int(spec.get("seed", 0)))
        except ImportError as exc:
            return {**out, "status": "unavailable", "reason": f"bench_models: {exc}"}
        factory = _cases.IMPLS[group][impl]
    else:
        factory = _cases.IMPLS[group][impl]
        if factory is None:
            return {**out, "status": "unavailable", "reason": _cases.RECEIVES.get(impl, "")}
        if group == "bootstrap":
            data = _cases.bootstrap_data(impl, size, int(spec.get("seed", 0)))
        else:
            data = _cases.make_data(group, size, int(spec.get("seed", 0)))
    if "wide" in data:
        wide = data["wide"]
        import numpy as np

        out["n_units"] = int(wide.shape[0])
        out["n_ratings"] = int(np.isfinite(wide).sum())
    try:
        fn = factory(data)
    except (ImportError, _cases.Unavailable) as exc:
        return {**out, "status": "unavailable", "reason": str(exc)}
    if getattr(fn, "self_timed", False):       # an R peer: timed inside R
        try:
            res = fn(max(repeats, 1))
        except _cases.Unavailable as exc:
            return {**out, "status": "unavailable", "reason": str(exc)}
        except Exception as exc:  # a failing peer is reported, not fatal
            return {**out, "status": "error", "reason": f"{type(exc).__name__}: {exc}"[:300]}
        finally:
            fn.cleanup()
        times = sorted(res["times"])
        median = times[len(times) // 2] if len(times) % 2 else 0.5 * (
            times[len(times) // 2 - 1] + times[len(times) // 2])
        return {**out, "status": "ok", "median_s": median, "times_s": times,
                "peak_bytes": None, "versions": res.get("versions", {})}
    try:
        t0 = time.perf_counter()
        fn()
        first = time.perf_counter() - t0
    except Exception as exc:  # a failing implementation is reported, not fatal
        return {**out, "status": "error", "reason": f"{type(exc).__name__}: {exc}"[:300]}
    times = [first]
    if first < warm_limit:
        times = []
        for _ in range(max(repeats, 1)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else 0.5 * (
        times[len(times) // 2 - 1] + times[len(times) // 2])
    peak = None
    if first < warm_limit and not spec.get("no_memory"):
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {**out, "status": "ok", "median_s": median, "times_s": times,
            "peak_bytes": peak, "maxrss_bytes": int(maxrss_kb) * 1024}


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
