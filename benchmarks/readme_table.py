"""Regenerate README's performance table from one run's ``results.json``.

    python -m benchmarks.readme_table [path/to/results.json] [--write]

Prints the Markdown table (or, with ``--write``, replaces the block between the
``<!-- perf-table -->`` markers in README.md), so the README quotes the same run as
``benchmarks/RESULTS.md`` and nothing is typed by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.run import _fmt_t

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"

# (task, group, size, our implementations (first = the ratio's base), peers)
ROWS = [
    ("ICC, 20,000 units x 4 raters (all six forms + F intervals)", "icc", 20_000,
     ["ours icc [ndarray]"], ["pingouin intraclass_corr"]),
    ("ICC, 1,000,000 units x 4 raters", "icc", 1_000_000,
     ["ours icc [ndarray]"], ["pingouin intraclass_corr"]),
    ("Fleiss kappa, 1e6 ratings, k = 4 (`Ratings` / DataFrame)", "agreement_k4", 1_000_000,
     ["ours fleiss_kappa [Ratings]", "ours fleiss_kappa [DataFrame]"],
     ["statsmodels fleiss_kappa"]),
    ("Krippendorff's alpha, 1e6 ratings, k = 4 (`Ratings` / DataFrame)", "agreement_k4",
     1_000_000, ["ours krippendorff_alpha [Ratings]", "ours krippendorff_alpha [DataFrame]"],
     ["krippendorff.alpha"]),
    ("Cohen's kappa, 1e6 ratings, k = 2 (`Ratings` / DataFrame)", "agreement_k2", 1_000_000,
     ["ours cohen_kappa [Ratings]", "ours cohen_kappa [DataFrame]"],
     ["sklearn cohen_kappa_score"]),
    ("DataFrame -> `Ratings` (the input layer), 1e6 ratings, k = 2 / k = 4", None, 1_000_000,
     [("agreement_k2", "ours as_ratings [DataFrame]"),
      ("agreement_k4", "ours as_ratings [DataFrame]")], []),
    ("the whole `agreement()` table, 1e6 ratings, k = 4 (`Ratings` / DataFrame)", "agreement_k4",
     1_000_000, ["ours agreement() [Ratings]", "ours agreement() [DataFrame]"], []),
    ("`agreement(n_resamples=2000)`, 10,000 units (percentile / BCa)", "bootstrap", 10_000,
     ["ours agreement(bootstrap=2000) [Ratings]", "ours agreement(bootstrap=2000, BCa) [Ratings]"],
     ["sklearn loop x 2000"]),
    ("`icc(n_resamples=2000)`, 10,000 x 4", "bootstrap", 10_000,
     ["ours icc(bootstrap=2000), 1e4 x 4"], []),
    ("Linear mixed model, 20,000 / 100,000 inspections", "models", (20_000, 100_000),
     ["ours linear_mixed (REML)"], ["R lme4::lmer", "statsmodels MixedLM (REML)"]),
    ("Binomial GLMM, 20,000 / 100,000 inspections", "models", (20_000, 100_000),
     ["ours binomial_mixed (Laplace)"],
     ["R glmmTMB", "R lme4::glmer", "statsmodels BinomialBayesMixedGLM.fit_vb"]),
    ("Ordinal mixed model, 20,000 / 100,000 inspections", "models", (20_000, 100_000),
     ["ours ordinal_mixed (Laplace)"], ["R ordinal::clmm"]),
    ("Crossed inspector x school, 20,000 inspections: ordinal / binomial / linear",
     "models_crossed", 20_000,
     ["ours ordinal_mixed crossed (Laplace)", "ours binomial_mixed crossed (Laplace)",
      "ours linear_mixed crossed (REML)"],
     ["R ordinal::clmm crossed", "R lme4::glmer crossed", "R glmmTMB crossed",
      "R lme4::lmer crossed"]),
    ("Crossed, 100,000 inspections (4,000 x 33,333): ordinal / binomial / linear",
     "models_crossed", 100_000,
     ["ours ordinal_mixed crossed (Laplace)", "ours binomial_mixed crossed (Laplace)",
      "ours linear_mixed crossed (REML)"],
     ["R ordinal::clmm crossed", "R lme4::glmer crossed", "R glmmTMB crossed",
      "R lme4::lmer crossed"]),
]


def _find(results, group, impl, size):
    for r in results:
        if r["group"] == group and r["impl"] == impl and r["size"] == size:
            return r
    return None


def _base_for(peer, ours):
    """Our fit of the same family as ``peer`` (the ratio's denominator), else the first."""
    family = ("ordinal" if "clmm" in peer or "Ordered" in peer else
              "binomial" if any(x in peer for x in ("glmer", "glmmTMB", "Binomial")) else
              "linear" if "lmer" in peer or "MixedLM" in peer else None)
    for i, impl in enumerate(ours):
        if family and family in impl:
            return i
    return 0


def _peer_cell(results, group, size, base, peer):
    r = _find(results, group, peer, size)
    if r is None or r["status"] not in ("ok", "timeout"):
        return None
    text = f"{peer.replace(' crossed', '')} {_fmt_t(r)}"
    if r["status"] == "ok" and base is not None and base["status"] == "ok":
        text += f" ({r['median_s'] / base['median_s']:.2g}x ours)"
    return text


def table(payload) -> str:
    res = payload["results"]
    lines = ["| task | ours | peers (time, and as a multiple of our matching figure) |",
             "|---|---|---|"]
    for task, group, size, ours, peers in ROWS:
        if group is None:                               # cells from several groups
            cells = [_fmt_t(_find(res, g, impl, size)) for g, impl in ours]
            lines.append(f"| {task} | {' / '.join(cells)} | - |")
            continue
        sizes = size if isinstance(size, tuple) else (size,)
        our_cells, peer_cells = [], []
        for s in sizes:
            rs = [_find(res, group, impl, s) for impl in ours]
            our_cells.append(" / ".join(_fmt_t(r) for r in rs))
            got = [c for c in (_peer_cell(res, group, s, rs[_base_for(p, ours)], p)
                               for p in peers) if c]
            if got:
                peer_cells.append((f"at {s:,}: " if len(sizes) > 1 else "") + "; ".join(got))
        lines.append(f"| {task} | {' ; '.join(our_cells)} | {'. '.join(peer_cells) or '-'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    write = "--write" in argv
    argv = [a for a in argv if a != "--write"]
    path = Path(argv[0]) if argv else ROOT / "benchmarks" / "results.json"
    payload = json.loads(path.read_text(encoding="utf-8"))
    merged = [n.split("re-measured")[0].split("groups")[-1].strip() for n in payload["notes"]
              if "merged run" in n or "re-measured" in n]
    again = f"; groups {', '.join(merged)} re-measured after it" if merged else ""
    text = (f"{START}\nFrom `python -m benchmarks` of {payload['date'][:10]} (one full run{again}; "
            f"{payload['machine']['cpus']} cores; `python -m benchmarks.readme_table`):\n\n"
            f"{table(payload)}\n{END}")
    if not write:
        print(text)
        return 0
    readme = ROOT / "README.md"
    body = readme.read_text(encoding="utf-8")
    i, j = body.index(START), body.index(END) + len(END)
    readme.write_text(body[:i] + text + body[j:], encoding="utf-8")
    print(f"updated {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
