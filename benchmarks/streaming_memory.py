"""Memory and throughput of the streaming reader: ``read_ratings`` + ``agreement()`` on N ratings.

Writes a long and a wide CSV of about N ratings once (``--dir``, default /tmp; reused when
present), then, each in a fresh subprocess, reads it with
:func:`reliability.streaming.read_ratings` and computes :func:`reliability.agreement` on the
result. The child reports its peak resident set size (``getrusage`` maxrss, the kernel's
high-water mark, which covers numpy, pandas and pyarrow allocations alike), after the read
and after ``agreement()``, and the resident size right after the imports (the baseline).
Figures: throughput = ratings / read seconds; bytes per rating = peak RSS / ratings, and
(peak RSS - baseline) / ratings for what the data cost.

``--limit-gib G`` additionally runs the child under ``RLIMIT_AS`` = G GiB (address space,
a stricter bound than resident memory); ``--compare`` also reads the file in memory
(``as_ratings(path)``) in another child and checks that every coefficient agrees (only at
sizes that fit: the in-memory path holds the whole DataFrame).

Data: school-inspection style. Unit ids are integers (URN-like); wide files have one column
per inspector (``--raters``, default 4), grades 1-4 that agree more often than chance; the
first two inspectors always grade (every unit is rated at least twice), the others are
missing with probability ``--missing``. ``--single`` lets every inspector be missing, so
some units are rated once (build_ratings then keeps the ratings twice: with and without
those units, for the chance margins). The long file holds the same ratings, one row per
rating, grouped by unit as exports are.

Run: ``nice -n 10 python -m benchmarks.streaming_memory --n 10000000``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

_CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
args = json.loads(sys.argv[1])
if args.get("limit"):
    lim = int(args["limit"] * 2 ** 30)
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
import numpy as np
import reliability as rl
from reliability.streaming import read_ratings

def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def vm(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024

out = {"baseline_rss": vm("VmRSS"), "baseline_vmsize": vm("VmSize")}
t0 = time.perf_counter()
if args["mode"] == "stream":
    rt = read_ratings(args["path"], shape=args["shape"], chunksize=args["chunksize"],
                      categories=args["categories"], level=args["level"])
else:
    rt = rl.as_ratings(args["path"], shape=args["shape"], categories=args["categories"],
                       level=args["level"])
out["read_s"] = time.perf_counter() - t0
out["read_peak_rss"] = rss()
out["n_ratings"] = rt.n_ratings
out["n_units"] = rt.n_units
out["held_bytes"] = int(rt.unit.nbytes + rt.rater.nbytes + rt.code.nbytes)
t0 = time.perf_counter()
res = rl.agreement(rt)
out["agreement_s"] = time.perf_counter() - t0
out["peak_rss"] = rss()
out["peak_vmsize"] = vm("VmPeak")
out["estimates"] = {k: [e.estimate, e.se] for k, e in res.estimates.items()}
print(json.dumps(out))
"""


def write_files(n: int, k: int, missing: float, single: bool, folder: Path, seed: int = 0):
    """Write ``wide_<n>.csv`` and ``long_<n>.csv`` (about ``n`` ratings) unless present."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tag = f"{n}_{k}_{missing:g}{'_single' if single else ''}"
    wide, long = folder / f"stream_wide_{tag}.csv", folder / f"stream_long_{tag}.csv"
    if wide.exists() and long.exists():
        return wide, long
    free = k if single else max(k - 2, 0)
    per_unit = k - free * missing
    n_units = int(np.ceil(n / per_unit))
    rng = np.random.default_rng(seed)
    names = [f"insp{j + 1}" for j in range(k)]
    batch = 1_000_000
    t0 = time.perf_counter()
    with open(wide, "wb") as fw, open(long, "wb") as fl:
        ww = wl = None
        for start in range(0, n_units, batch):          # a loop over batches of units
            m = min(batch, n_units - start)
            urn = np.arange(100_000 + start, 100_000 + start + m, dtype=np.int64)
            true = rng.integers(1, 5, m)
            grades = np.where(rng.random((m, k)) < 0.6, true[:, None],
                              rng.integers(1, 5, (m, k))).astype(np.int8)
            miss = rng.random((m, k)) < missing
            if not single:
                miss[:, :2] = False
            cols = [pa.array(urn)] + [pa.array(grades[:, j], mask=miss[:, j])
                                      for j in range(k)]
            tw = pa.table(cols, names=["urn", *names])
            ww = ww or pacsv.CSVWriter(fw, tw.schema)
            ww.write_table(tw)
            obs = ~miss
            uu, jj = np.nonzero(obs)
            tl = pa.table([pa.array(urn[uu]), pa.array(np.asarray(names, dtype=object)[jj]),
                           pa.array(grades[uu, jj])], names=["unit", "rater", "rating"])
            wl = wl or pacsv.CSVWriter(fl, tl.schema)
            wl.write_table(tl)
        ww.close()
        wl.close()
    print(f"wrote {wide.name} ({wide.stat().st_size / 1e9:.2f} GB) and {long.name} "
          f"({long.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s",
          flush=True)
    return wide, long


def run_child(args: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(args)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(label: str, r: dict) -> str:
    if "error" in r:
        return f"| {label} | failed: {r['error']} |"
    n = r["n_ratings"]
    mib = 2 ** 20
    return (f"| {label} | {n:,} | {r['read_s']:.1f} s | {n / r['read_s'] / 1e6:.2f} M/s | "
            f"{r['read_peak_rss'] / mib:,.0f} MiB ({r['read_peak_rss'] / n:.1f} B) | "
            f"{r['agreement_s']:.1f} s | {r['peak_rss'] / mib:,.0f} MiB "
            f"({r['peak_rss'] / n:.1f} B; {(r['peak_rss'] - r['baseline_rss']) / n:.1f} B "
            f"above the {r['baseline_rss'] / mib:.0f} MiB baseline) | "
            f"{r['held_bytes'] / n:.1f} B |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e8, help="ratings (default 1e8)")
    ap.add_argument("--raters", type=int, default=4)
    ap.add_argument("--missing", type=float, default=0.2,
                    help="probability that an optional inspector's grade is missing")
    ap.add_argument("--single", action="store_true",
                    help="every inspector may be missing (some units rated once)")
    ap.add_argument("--shape", choices=["wide", "long", "both"], default="both")
    ap.add_argument("--chunksize", type=int, default=200_000)
    ap.add_argument("--level", default="nominal")
    ap.add_argument("--no-categories", action="store_true",
                    help="infer the categories (a first pass over the file)")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--limit-gib", type=float, default=None,
                    help="also cap the child's address space (RLIMIT_AS) at this many GiB")
    ap.add_argument("--compare", action="store_true",
                    help="also read in memory (as_ratings) and compare every coefficient")
    ap.add_argument("--json", default=None, help="write the raw figures here")
    a = ap.parse_args(argv)
    n = int(a.n)
    wide, long = write_files(n, a.raters, a.missing, a.single, Path(a.dir))
    shapes = ["wide", "long"] if a.shape == "both" else [a.shape]
    cats = None if a.no_categories else [1, 2, 3, 4]
    rows, raw = [], {}
    for shape in shapes:
        path = str(wide if shape == "wide" else long)
        base = {"path": path, "shape": shape, "chunksize": a.chunksize, "categories": cats,
                "level": a.level, "limit": a.limit_gib}
        res = run_child({**base, "mode": "stream"})
        raw[f"stream_{shape}"] = res
        rows.append(report(f"read_ratings {shape}", res))
        print(rows[-1], flush=True)
        if a.compare:
            mem = run_child({**base, "mode": "memory", "limit": None})
            raw[f"memory_{shape}"] = mem
            rows.append(report(f"as_ratings {shape} (in memory)", mem))
            print(rows[-1], flush=True)
            if "error" not in res and "error" not in mem:
                diff = max(abs(x - y) for key in mem["estimates"]
                           for x, y in zip(res["estimates"][key], mem["estimates"][key])
                           if np.isfinite(x) and np.isfinite(y))
                same = all(np.isnan(x) == np.isnan(y) for key in mem["estimates"]
                           for x, y in zip(res["estimates"][key], mem["estimates"][key]))
                print(f"  {shape}: streamed vs in-memory coefficients: max |diff| = {diff:.3g}"
                      f"{'' if same else ' (NaN pattern differs!)'}", flush=True)
    print("\n| run | ratings | read | throughput | read peak RSS (per rating) | agreement() "
          "| peak RSS read + agreement() (per rating) | Ratings arrays per rating |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if a.json:
        Path(a.json).write_text(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
