"""Reference p-values, finite-population-corrected SEs and benchmark probabilities of the
Gwet-framework coefficients (issue 19), computed with Gwet's Python irrCAC 0.4.4 (GPL: *run*
here to produce numbers, never imported by the library or the tests).

Run (irrCAC installed in a side folder so that it does not touch the environment):

    pip install --target /tmp/irrcac_pkg irrCAC==0.4.4
    PYTHONPATH=/tmp/irrcac_pkg python tests/data/scripts/make_gwet_pvalues.py

writes tests/data/gwet_pvalues_irrcac.json. For each reference data set and each population
size N (irrCAC's ``N`` argument; ``null`` = infinite, no correction) it stores irrCAC's
coefficient, SE and p-value. Counts data (gwet_distrib_6raters) are expanded into raw ratings
(unit i gets as many ratings of category k as its count; raters' identities do not enter AC1,
Fleiss, BP or Gwet's Krippendorff formula). Benchmarks: irrCAC.benchmark.Benchmark(coeff, se)
on the coefficients of N = infinity (CumProb is rounded by irrCAC to 5 decimals).

irrCAC 0.4.4 quirks kept as they are in the file (the tests account for them):
* ``bp()`` of irrCAC.raw returns a one-sided p-value ``1 - t.cdf(|t|)`` (every other method,
  and R irrCAC, is two-sided);
* p-values are ``2 * (1 - t.cdf(|t|, n - 1))``, which is 0.0 below about 1e-16;
* the table functions (except ``cohen()``) use ``max(coefficient, 0)`` instead of ``|t|``
  (p = 1 for a negative coefficient); every coefficient here is positive;
* ``pa()`` of irrCAC.table cannot be called (its attribute ``pa`` shadows the method).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from irrCAC.benchmark import Benchmark
from irrCAC.raw import CAC as RawCAC
from irrCAC.table import CAC as TableCAC

HERE = Path(__file__).resolve().parents[1]
#: population sizes N as multiples of the number of units n (None = infinite)
FACTORS = [None, 4, 2, 1.25]


def arr(x):
    return float(np.asarray(x).ravel()[0])


def result(cac, method):
    est = getattr(cac, method)()["est"]
    return {"estimate": arr(est["coefficient_value"]), "se": arr(est["se"]),
            "p_value": arr(est["p_value"]), "ci": [float(v) for v in est["confidence_interval"]]}


def expand_counts(counts):
    rows = []
    for _, row in counts.iterrows():
        labels = [c for c, k in row.items() for _ in range(int(k))]
        rows.append(labels)
    width = max(map(len, rows))
    return pd.DataFrame([r + [np.nan] * (width - len(r)) for r in rows])


def main():
    warnings.simplefilter("ignore")
    out = {"source": "irrCAC 0.4.4 (Python): irrCAC.table.CAC / irrCAC.raw.CAC(ratings, "
                     "weights=, N=, digits=15) and irrCAC.benchmark.Benchmark(coeff, se)",
           "data": {}}
    tables = {"gwet_cont3x3abstractors": "table", "gwet_cont4x4diagnosis": "table",
              "gwet_distrib_6raters": "counts", "krippendorff_reliability_data": "wide",
              "fleiss1971_diagnoses": "wide"}
    for name, shape in tables.items():
        frame = pd.read_csv(HERE / f"{name}.csv", index_col=0)
        entry = {"shape": shape, "results": {}}
        if shape == "table":
            n = int(frame.to_numpy().sum())
        else:
            n = len((expand_counts(frame) if shape == "counts" else frame).dropna(how="all"))
        entry["n"] = n
        sizes = [None if f is None else int(np.ceil(f * n)) for f in FACTORS]
        for weights in ("identity", "quadratic"):
            for N in sizes:
                key = f"{weights}/N={'inf' if N is None else N}"
                Nv = np.inf if N is None else N
                if shape == "table":
                    cac = TableCAC(frame, weights=weights, N=Nv, digits=15)
                    methods = {"gwet": "gwet", "cohen": "cohen", "scott": "scott",
                               "bp": "bp", "krippendorff": "krippendorff"}
                else:
                    raw = expand_counts(frame) if shape == "counts" else frame
                    cats = list(frame.columns) if shape == "counts" else None
                    if cats is not None:
                        raw = raw.apply(lambda col: col.map(
                            {c: i + 1 for i, c in enumerate(cats)}))
                        cats = list(range(1, len(cats) + 1))
                    cac = RawCAC(raw.reset_index(drop=True), weights=weights, N=Nv,
                                 digits=15, categories=cats)
                    methods = {"gwet": "gwet", "fleiss": "fleiss", "bp": "bp",
                               "krippendorff": "krippendorff"}
                    if shape == "wide":
                        methods["conger"] = "conger"
                res = {}
                for label, m in methods.items():
                    try:
                        res[label] = result(cac, m)
                    except Exception as exc:      # a method irrCAC cannot run here
                        res[label] = {"error": repr(exc)}
                entry["results"][key] = res
        out["data"][name] = entry
    # benchmarks of a few (coefficient, se) pairs, including irrCAC's docstring example
    bench = []
    pairs = [(0.67, 0.15)]
    for name in ("gwet_cont3x3abstractors", "krippendorff_reliability_data",
                 "gwet_distrib_6raters"):
        for label, r in out["data"][name]["results"]["identity/N=inf"].items():
            if "se" in r:
                pairs.append((r["estimate"], r["se"]))
    pairs += [(0.05, 0.2), (-0.1, 0.1), (0.95, 0.02), (0.41, 0.001)]
    for coeff, se in pairs:
        b = Benchmark(coeff=coeff, se=se)
        bench.append({"coeff": coeff, "se": se,
                      "landis-koch": b.landis_koch()["CumProb"],
                      "fleiss": b.fleiss()["CumProb"], "altman": b.altman()["CumProb"]})
    out["benchmarks"] = bench
    out["benchmark_scales"] = {
        "landis-koch": Benchmark(0.5, 0.1).landis_koch(),
        "fleiss": Benchmark(0.5, 0.1).fleiss(), "altman": Benchmark(0.5, 0.1).altman()}
    path = HERE / "gwet_pvalues_irrcac.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
