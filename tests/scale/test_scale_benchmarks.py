"""The benchmark runner works end to end (``--quick``) in a subprocess. No timing asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, timeout=300):
    return subprocess.run([sys.executable, "-m", "benchmarks", *args, "--output", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_quick_run_end_to_end(tmp_path):
    proc = _run(["--quick", "--repeats", "1"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    payload = json.loads((tmp_path / "results.json").read_text())
    for key in ("date", "machine", "mode", "results", "goals", "load_before", "load_after"):
        assert key in payload
    assert payload["mode"] == "quick"
    groups = {r["group"] for r in payload["results"]}
    assert {"agreement_k2", "agreement_k4", "icc", "bootstrap"} <= groups
    by_impl = {(r["group"], r["impl"], r["size"]): r for r in payload["results"]}
    # Peers and the numpy floor are always installed here, so they must have run.
    for key in (("agreement_k2", "sklearn cohen_kappa_score", 1000),
                ("agreement_k2", "numpy floor", 1000),
                ("agreement_k4", "krippendorff.alpha", 1000),
                ("agreement_k4", "statsmodels fleiss_kappa", 1000),
                ("icc", "ours icc [ndarray]", 1000),
                ("icc", "pingouin intraclass_corr", 1000)):
        assert by_impl[key]["status"] == "ok", by_impl[key]
        assert by_impl[key]["median_s"] > 0 and by_impl[key]["peak_bytes"] > 0
    assert by_impl[("agreement_k2", "irrCAC", 1000)]["status"] == "unavailable"
    md = (tmp_path / "RESULTS.md").read_text()
    assert "Machine:" in md and "Date:" in md and "| implementation |" in md


def test_timeout_is_recorded(tmp_path):
    proc = _run(["--quick", "--only", "icc", "--timeout", "0.01", "--ours-timeout", "0.02"],
                tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["results"] and all(r["status"] == "timeout" for r in payload["results"])
    first = {r["impl"]: r for r in payload["results"]}
    assert first["ours icc [ndarray]"]["reason"] == "timeout > 0.02 s"       # our own cap
    assert first["pingouin intraclass_corr"]["reason"] == "timeout > 0.01 s"  # the peers' cap
    assert "timeout > 0.01 s" in (tmp_path / "RESULTS.md").read_text()


def test_timed_out_implementation_not_rerun_at_larger_sizes(tmp_path, monkeypatch):
    """After a timeout at one size an implementation keeps that lower bound at larger sizes
    without being run again; the others still run."""
    sys.path.insert(0, str(ROOT))
    from benchmarks import run

    calls = []

    def fake_run_one(group, impl, size, *, repeats, timeout, blas_threads=None):
        calls.append((impl, size))
        if impl == "slow peer":
            return {"group": group, "impl": impl, "size": size, "status": "timeout",
                    "reason": f"timeout > {timeout:g} s"}
        return {"group": group, "impl": impl, "size": size, "status": "ok", "median_s": 0.1,
                "times_s": [0.1], "peak_bytes": 1}

    jobs = [("icc", impl, size) for size in (1_000, 10_000, 100_000)
            for impl in ("ours icc [ndarray]", "slow peer")]
    monkeypatch.setattr(run, "plan", lambda groups, mode: (jobs, []))
    monkeypatch.setattr(run, "run_one", fake_run_one)
    monkeypatch.setattr(run, "markdown", lambda payload: "")
    monkeypatch.setattr(run, "goals", lambda results, mode: [])
    assert run.main(["--only", "icc", "--timeout", "7", "--output", str(tmp_path)]) == 0
    assert calls.count(("slow peer", 1_000)) == 1
    assert ("slow peer", 10_000) not in calls and ("slow peer", 100_000) not in calls
    assert [c for c in calls if c[0] == "ours icc [ndarray]"] == [
        ("ours icc [ndarray]", s) for s in (1_000, 10_000, 100_000)]
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    later = [r for r in results if r["impl"] == "slow peer" and r["size"] > 1_000]
    assert len(later) == 2 and all(r["status"] == "timeout" for r in later)
    assert all(r["reason"] == "timeout > 7 s (at 1,000; not re-run)" for r in later)


def test_unknown_group_rejected(tmp_path):
    proc = _run(["--only", "nonsense"], tmp_path, timeout=60)
    assert proc.returncode == 2 and "unknown group" in proc.stderr
