"""Benchmark runner: this library against each installed peer, side by side, in one run.

    python -m benchmarks                       # full run (several minutes)
    python -m benchmarks --quick               # small sizes: a smoke test (< 1 minute)
    python -m benchmarks --only agreement,icc --repeats 3 --timeout 60

Every measurement runs in a fresh Python process (``benchmarks._worker``): seeded data are
generated there (untimed), the implementation is set up (untimed: e.g. the long DataFrame
pingouin wants), warmed up once, then timed ``--repeats`` times (median reported), and its
tracemalloc peak is recorded from one more call. Peers are capped by ``--timeout`` seconds
and recorded as ``timeout > X s``. Writes ``benchmarks/results.json`` and
``benchmarks/RESULTS.md`` (ratio tables, machine, date, load).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

GROUPS = ("agreement", "icc", "bootstrap", "models", "models_crossed")

SIZES = {
    "full": {
        "agreement_k2": [1_000, 10_000, 100_000, 1_000_000],
        "agreement_k4": [1_000, 10_000, 100_000, 1_000_000],
        "icc": [1_000, 10_000, 20_000, 100_000, 1_000_000],
        "bootstrap": [10_000],
        "models": [5_000, 20_000, 100_000],
        "models_crossed": [5_000, 20_000, 100_000],
    },
    "quick": {
        "agreement_k2": [1_000],
        "agreement_k4": [1_000],
        "icc": [1_000],
        "bootstrap": [1_000],
        "models": [1_000],
        "models_crossed": [1_000],
    },
}

SIZE_UNIT = {"agreement_k2": "ratings", "agreement_k4": "ratings", "icc": "units x 4 raters",
             "bootstrap": "units", "models": "inspections",
             "models_crossed": "inspections (n/25 inspectors x n/3 schools)"}

OURS_PREFIX = ("ours", "inference.")
R_PREFIX = "R "


def _is_ours(impl: str) -> bool:
    return impl.startswith(OURS_PREFIX)


def plan(groups, mode):
    from benchmarks import _cases

    sizes = SIZES[mode]
    jobs = []
    notes = []
    for g in groups:
        if g == "agreement":
            for sub in ("agreement_k2", "agreement_k4"):
                for size in sizes[sub]:
                    jobs += [(sub, impl, size) for impl in _cases.IMPLS[sub]]
        else:
            for size in sizes[g]:
                jobs += [(g, impl, size) for impl in _cases.IMPLS[g]]
    return jobs, notes


def run_one(group, impl, size, *, repeats, timeout, seed=20240601, blas_threads=None):
    spec = {"group": group, "impl": impl, "size": size, "seed": seed, "repeats": repeats}
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # By default the BLAS libraries keep their own settings (what a user gets); --blas-threads
    # pins them, for runs on a machine shared with other work.
    if blas_threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(blas_threads)
    import shutil
    import signal
    import tempfile

    tmp = tempfile.mkdtemp(prefix="bench_")        # peers' files (R's CSV); removed below
    env["BENCH_TMP"] = tmp
    t0 = time.perf_counter()
    # Own process group, so that a timeout also ends what the worker started (Rscript).
    child = subprocess.Popen([sys.executable, "-m", "benchmarks._worker", json.dumps(spec)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=ROOT, env=env, start_new_session=True)
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return {"group": group, "impl": impl, "size": size, "status": "timeout",
                "reason": f"timeout > {timeout:g} s"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    proc = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    wall = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"group": group, "impl": impl, "size": size, "status": "error", "reason": err[:300]}
    res = json.loads(lines[-1])
    res["process_wall_s"] = wall
    return res


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            info["memory"] = fh.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    import numpy
    import pandas
    import scipy

    info.update(numpy=numpy.__version__, scipy=scipy.__version__, pandas=pandas.__version__)
    return info


def _load():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ------------------------------------------------------------------------ analysis
def _get(results, group, impl, size):
    for r in results:
        if r["group"] == group and r["impl"] == impl and r["size"] == size and r["status"] == "ok":
            return r["median_s"]
    return None


def goals(results, mode) -> list:
    """Check the issue's performance goals; each entry says the measured ratio and if met."""
    out = []
    sizes = SIZES[mode]
    ran = {r["group"] for r in results}

    def ratio_goal(name, group, num, den, size, limit, kind):
        if group not in ran:
            return
        a, b = _get(results, group, num, size), _get(results, group, den, size)
        if a is None or b is None:
            out.append({"goal": name, "size": size, "value": None, "met": None,
                        "reason": "not measured (implementation missing, failed or timed out)"})
            return
        value = a / b
        met = value <= limit if kind == "max" else value >= limit
        out.append({"goal": name, "size": size, "value": value, "limit": limit, "met": bool(met)})

    from benchmarks._cases import R_PEERS, SINGLES

    big2, big4 = max(sizes["agreement_k2"]), max(sizes["agreement_k4"])
    # issue 18: the input layer within 3x of the kernel; from a DataFrame ahead of the peers
    ratio_goal("k=2 ours as_ratings [DataFrame] / ours cohen_kappa [Ratings] <= 3 (input "
               "layer vs kernel)", "agreement_k2", "ours as_ratings [DataFrame]",
               "ours cohen_kappa [Ratings]", big2, 3, "max")
    ratio_goal("k=4 ours as_ratings [DataFrame] / ours fleiss_kappa [Ratings] <= 3 (input "
               "layer vs kernel)", "agreement_k4", "ours as_ratings [DataFrame]",
               "ours fleiss_kappa [Ratings]", big4, 3, "max")
    ratio_goal("k=2 sklearn / ours cohen_kappa [DataFrame] >= 10", "agreement_k2",
               "sklearn cohen_kappa_score", "ours cohen_kappa [DataFrame]", big2, 10, "min")
    ratio_goal("k=4 statsmodels fleiss_kappa / ours fleiss_kappa [DataFrame] >= 5",
               "agreement_k4", "statsmodels fleiss_kappa", "ours fleiss_kappa [DataFrame]",
               big4, 5, "min")
    ratio_goal("k=4 krippendorff.alpha / ours krippendorff_alpha [DataFrame] >= 3",
               "agreement_k4", "krippendorff.alpha", "ours krippendorff_alpha [DataFrame]",
               big4, 3, "min")
    ratio_goal("k=4 krippendorff.alpha / ours krippendorff_alpha [Ratings] >= 3", "agreement_k4",
               "krippendorff.alpha", "ours krippendorff_alpha [Ratings]", big4, 3, "min")
    # issue 18: agreement() within 3x of its slowest single coefficient (measured beside it)
    for group, big in (("agreement_k2", big2), ("agreement_k4", big4)):
        if group not in ran:
            continue
        singles = {i: _get(results, group, i, big) for i in SINGLES[group]}
        singles = {i: t for i, t in singles.items() if t is not None}
        whole = _get(results, group, "ours agreement() [Ratings]", big)
        if not singles or whole is None:
            out.append({"goal": f"{group} agreement() / slowest single coefficient <= 3",
                        "size": big, "value": None, "met": None, "reason": "not measured"})
            continue
        slowest = max(singles, key=singles.get)
        value = whole / singles[slowest]
        out.append({"goal": f"{group} ours agreement() [Ratings] / slowest single coefficient "
                            f"({slowest}) <= 3", "size": big, "value": value, "limit": 3,
                    "met": bool(value <= 3)})
    # earlier goals: against the numpy floor (pre-extracted arrays, one bincount)
    for impl in ("ours cohen_kappa [Ratings]", "ours cohen_kappa [DataFrame]"):
        ratio_goal(f"k=2 {impl} / numpy floor <= 3", "agreement_k2", impl, "numpy floor", big2,
                   3, "max")
    for impl in ("ours fleiss_kappa [Ratings]", "ours krippendorff_alpha [Ratings]",
                 "ours krippendorff_alpha [DataFrame]"):
        ratio_goal(f"k=4 {impl} / numpy floor <= 3", "agreement_k4", impl, "numpy floor", big4,
                   3, "max")
    ratio_goal("k=2 sklearn / ours cohen_kappa [Ratings] >= 10", "agreement_k2",
               "sklearn cohen_kappa_score", "ours cohen_kappa [Ratings]", big2, 10, "min")
    ratio_goal("k=4 statsmodels fleiss_kappa / ours fleiss_kappa [Ratings] >= 3", "agreement_k4",
               "statsmodels fleiss_kappa", "ours fleiss_kappa [Ratings]", big4, 3, "min")
    if 20_000 in sizes["icc"]:
        ratio_goal("pingouin intraclass_corr / ours icc [ndarray] >= 100 (20,000 x 4)", "icc",
                   "pingouin intraclass_corr", "ours icc [ndarray]", 20_000, 100, "min")
    # mixed models: ahead of the fastest R peer at every size; crossed 100,000 under 20 s
    for group in ("models", "models_crossed"):
        if group not in ran:
            continue
        for ours, peers in R_PEERS[group].items():
            for size in sizes[group]:
                t = _get(results, group, ours, size)
                rs = [x for x in (_get(results, group, pr, size) for pr in peers)
                      if x is not None]
                # a peer that timed out took longer than the cap: a lower bound on its time
                capped = [float(r["reason"].split(">")[1].split()[0]) for r in results
                          if r["group"] == group and r["impl"] in peers and r["size"] == size
                          and r["status"] == "timeout"]
                name = f"{ours}: fastest R peer ({', '.join(peers)}) / ours >= 1"
                if t is None or not (rs or capped):
                    out.append({"goal": name, "size": size, "value": None, "met": None,
                                "reason": "not measured (R or the fit missing or failed)"})
                    continue
                fastest = min(rs + capped)
                bound = fastest not in rs          # every peer timed out (or the fastest did)
                out.append({"goal": name + (" (peers timed out: a lower bound)" if bound
                                            else ""), "size": size, "value": fastest / t,
                            "limit": 1, "met": bool(fastest / t >= 1), "bound": bound})
    big_m = max(sizes["models_crossed"])
    for impl in R_PEERS["models_crossed"]:
        if "models_crossed" in ran:
            t = _get(results, "models_crossed", impl, big_m)
            out.append({"goal": f"{impl} under 20 s (seconds)", "size": big_m, "value": t,
                        "limit": 20, "met": None if t is None else bool(t < 20),
                        **({} if t is not None else {"reason": "not measured"})})

    def abs_goal(name, group, impl, size, limit):
        if group not in ran:
            return
        t = _get(results, group, impl, size)
        out.append({"goal": name, "size": size, "value": t, "limit": limit,
                    "met": None if t is None else bool(t < limit),
                    **({} if t is not None else {"reason": "not measured"})})

    abs_goal("ICC n x 4 under 1 s (seconds)", "icc", "ours icc [ndarray]", max(sizes["icc"]), 1.0)
    for impl in ("ours agreement(bootstrap=2000) [Ratings]",
                 "ours agreement(bootstrap=2000, BCa) [Ratings]",
                 "ours cohen_kappa(bootstrap=2000) [Ratings]", "ours icc(bootstrap=2000), 1e4 x 4",
                 "inference.bootstrap_units (kappa)"):
        abs_goal(f"{impl} under 1 s (seconds)", "bootstrap", impl, max(sizes["bootstrap"]), 1.0)
    # Memory: bytes per rating at the two largest sizes should be about constant.
    for group, impl in (("agreement_k2", "ours agreement() [Ratings]"),
                        ("agreement_k4", "ours agreement() [Ratings]"),
                        ("agreement_k4", "ours agreement() [DataFrame]"),
                        ("icc", "ours icc [ndarray]")):
        pts = sorted((r["n_ratings"], r["peak_bytes"]) for r in results
                     if r["group"] == group and r["impl"] == impl and r["status"] == "ok"
                     and r.get("peak_bytes"))
        if len(pts) >= 2:
            (n1, m1), (n2, m2) = pts[-2], pts[-1]
            growth = (m2 / m1) / (n2 / n1)
            out.append({"goal": f"{group} {impl}: peak memory growth / ratings growth <= 1.5",
                        "size": n2, "value": growth, "limit": 1.5, "met": bool(growth <= 1.5),
                        "bytes_per_rating": m2 / n2})
    return out


def _fmt_t(r):
    if r is None:
        return "-"
    if r["status"] == "timeout":
        return r["reason"]
    if r["status"] != "ok":
        return r["status"]
    t = r["median_s"]
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def markdown(payload) -> str:
    from benchmarks._cases import RECEIVES

    res = payload["results"]
    lines = [f"# Benchmark results ({payload['mode']} run)", "",
             f"- Date: {payload['date']}",
             f"- Machine: {payload['machine'].get('cpu', payload['machine']['processor'])}, "
             f"{payload['machine']['cpus']} CPUs, {payload['machine'].get('memory', '?')} RAM; "
             f"Python {payload['machine']['python']}, numpy {payload['machine']['numpy']}, "
             f"pandas {payload['machine']['pandas']}",
             f"- Load average before / after: {payload['load_before']} / {payload['load_after']} "
             "(the 2 cores were shared with other engineers' work, so absolute times are noisy; "
             "ratios within one size are more stable)",
             f"- Repeats: median of {payload['repeats']} after one warm-up, each implementation "
             f"in a fresh process; peers capped at {payload['timeout']:g} s (ours at "
             f"{payload.get('ours_timeout', payload['timeout']):g} s); an implementation that timed "
             "out at one size is not re-run at larger sizes (recorded as the same lower bound); "
             "BLAS threads: " + (f"{payload['blas_threads']} (pinned by --blas-threads)"
                                 if payload.get("blas_threads") else "the BLAS libraries' defaults")
             + ".",
             "- Reproduce: `python -m benchmarks"
             + (" --quick`" if payload["mode"] == "quick" else "`"),
             ""]
    versions = {}
    for r in res:
        versions.update(r.get("versions") or {})
    if versions:
        lines.insert(-1, "- R peers (timed inside R; run when Rscript and the package are "
                         "installed): " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    elif any(r["impl"].startswith(R_PREFIX) for r in res):
        lines.insert(-1, "- R peers: not run here (no Rscript or packages)")
    for note in payload.get("notes", []):
        lines.append(f"- Note: {note}")
    lines.append("")
    groups = []
    for r in res:
        if r["group"] not in groups:
            groups.append(r["group"])
    for g in groups:
        rows = [r for r in res if r["group"] == g]
        sizes = sorted({r["size"] for r in rows})
        impls = list(dict.fromkeys(r["impl"] for r in rows))
        ref = next((i for i in impls if _is_ours(i)), None)
        pairs = {}
        if g.startswith("models"):  # each statsmodels peer is compared with the model listed before it
            last = None
            for i in impls:
                last = i if _is_ours(i) else last
                pairs[i] = last
        lines += [f"## {g} (size = {SIZE_UNIT.get(g, '')})", "",
                  (f"Cell: median time (ratio to `{ref}` at that size; > 1 means slower than ours)."
                   if not pairs
                   else "Cell: median time (ratio to our model in the row above)."), "",
                  "| implementation | " + " | ".join(f"{s:,}" for s in sizes) + " | receives |",
                  "|---|" + "---|" * len(sizes) + "---|"]
        for impl in impls:
            cells = []
            for s in sizes:
                r = next((x for x in rows if x["impl"] == impl and x["size"] == s), None)
                cell = _fmt_t(r)
                base_impl = pairs.get(impl, ref)
                base = _get(res, g, base_impl, s) if base_impl else None
                if r is not None and r["status"] == "ok" and base:
                    cell += f" ({r['median_s'] / base:.2g}x)"
                cells.append(cell)
            receives = RECEIVES.get(impl, "").replace("|", "\\|")  # a pipe would split the cell
            lines.append(f"| {impl} | " + " | ".join(cells) + f" | {receives} |")
        mem = [r for r in rows
               if r["status"] == "ok" and r.get("peak_bytes") and _is_ours(r["impl"])]
        if mem:
            lines += ["", "Peak traced memory (ours): " + "; ".join(
                f"{r['impl']} @ {r['size']:,}: {r['peak_bytes'] / 2**20:.1f} MiB"
                for r in mem)]
        errors: dict = {}
        for r in rows:
            if r["status"] in ("error", "unavailable"):
                errors.setdefault((r["impl"], r["status"], r.get("reason", "")), []).append(
                    f"{r['size']:,}")
        if errors:
            lines += [""] + [f"- {impl} ({', '.join(sz)}): {status}: {reason}"
                             for (impl, status, reason), sz in errors.items()]
        lines.append("")
    lines += ["## Goals", "", "| goal | size | measured | met |", "|---|---|---|---|"]
    for gl in payload["goals"]:
        v = gl["value"]
        vs = "-" if v is None else ("> " if gl.get("bound") else "") + f"{v:.3g}"
        met = {True: "yes", False: "NO", None: "not measured"}[gl["met"]]
        lines.append(f"| {gl['goal']} | {gl['size']:,} | {vs} | {met} |")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    p.add_argument("--only", default=",".join(GROUPS),
                   help=f"comma-separated groups among {', '.join(GROUPS)}")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats (default 5; quick 3)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per measurement process (default 120; quick 30)")
    p.add_argument("--ours-timeout", type=float, default=900.0,
                   help="seconds per measurement process of our own implementations (default 900)")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="pin OMP/OpenBLAS/MKL threads in the measurement processes (default: "
                        "leave the BLAS libraries' own settings)")
    p.add_argument("--output", default=str(HERE), help="directory for results.json / RESULTS.md")
    p.add_argument("--max-size", type=int, default=None,
                   help="skip sizes above this (e.g. the 100,000-inspection model fits)")
    p.add_argument("--merge", action="store_true",
                   help="keep the other groups' results already in results.json (same mode) "
                        "and replace only the groups run now")
    args = p.parse_args(argv)
    groups = [g.strip() for g in args.only.split(",") if g.strip()]
    bad = [g for g in groups if g not in GROUPS]
    if bad:
        p.error(f"unknown group(s) {bad}; choose among {', '.join(GROUPS)}")
    mode = "quick" if args.quick else "full"
    repeats = args.repeats or (3 if args.quick else 5)
    timeout = args.timeout or (30.0 if args.quick else 120.0)
    jobs, notes = plan(groups, mode)
    if args.max_size:
        skipped = sorted({size for _, _, size in jobs if size > args.max_size})
        jobs = [j for j in jobs if j[2] <= args.max_size]
        if skipped:
            notes.append(f"sizes {', '.join(f'{x:,}' for x in skipped)} of groups "
                         f"{args.only} not run in this pass (--max-size {args.max_size:,})")
    load_before = _load()
    results = []
    timed_out = {}                      # (group, impl) -> the size at which it timed out
    for i, (g, impl, size) in enumerate(jobs, 1):
        cap = args.ours_timeout if _is_ours(impl) else timeout
        if (g, impl) in timed_out:
            # a larger problem takes at least as long: keep the lower bound, save the wait
            first = timed_out[g, impl]
            r = {"group": g, "impl": impl, "size": size, "status": "timeout",
                 "reason": f"timeout > {first['cap']:g} s (at {first['size']:,}; not re-run)"}
        else:
            r = run_one(g, impl, size, repeats=repeats, timeout=cap,
                        blas_threads=args.blas_threads)
            if r["status"] == "timeout":
                timed_out[g, impl] = {"size": size, "cap": cap}
        results.append(r)
        print(f"[{i}/{len(jobs)}] {g:13s} {size:>9,}  {impl:45s} {_fmt_t(r)}", flush=True)
    out = Path(args.output)
    previous = out / "results.json"
    if args.merge and previous.exists():
        old = json.loads(previous.read_text(encoding="utf-8"))
        if old.get("mode") == mode:
            rerun = set()
            for g in groups:
                rerun |= {"agreement_k2", "agreement_k4"} if g == "agreement" else {g}
            # results at sizes skipped by --max-size are kept from the earlier run
            kept = [r for r in old["results"] if r["group"] not in rerun
                    or (args.max_size and r["size"] > args.max_size)]
            results = kept + results
            groups = list(dict.fromkeys(old.get("groups", []) + groups))
            old_notes = [n for n in old.get("notes", [])
                         if not ("models" in rerun and n.startswith("benchmarks/bench_models"))]
            notes = list(dict.fromkeys(old_notes + notes))
            load_before = old.get("load_before")
            notes.append(f"merged run: groups {args.only} re-measured at "
                         f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}")
    payload = {"date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
               "mode": mode, "repeats": repeats, "timeout": timeout,
               "ours_timeout": args.ours_timeout, "blas_threads": args.blas_threads,
               "groups": groups,
               "machine": machine(), "load_before": load_before, "load_after": _load(),
               "notes": notes, "results": results}
    payload["goals"] = goals(results, mode)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(payload, indent=1), encoding="utf-8")
    (out / "RESULTS.md").write_text(markdown(payload), encoding="utf-8")
    print(f"wrote {out / 'results.json'} and {out / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
