"""Reference values for Gwet's weight family (issue 19): weight matrices and weighted
coefficients of two contingency tables, computed with the Python package irrCAC 0.4.4
(Gwet's own implementation; GPL, so it is *run* here to produce numbers, never imported by the
library or the tests).

Run (irrCAC installed in a side folder so that it does not touch the environment):

    pip install --target /tmp/irrcac_pkg irrCAC==0.4.4
    PYTHONPATH=/tmp/irrcac_pkg python tests/data/scripts/make_gwet_weights.py

writes tests/data/gwet_weights_irrcac.json.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
from irrCAC.table import CAC

HERE = Path(__file__).resolve().parents[1]
KINDS = ["identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar"]
TABLES = {
    "gwet_cont4x4diagnosis": HERE / "gwet_cont4x4diagnosis.csv",
    "gwet_cont3x3abstractors": HERE / "gwet_cont3x3abstractors.csv",
}


def arr(x):
    return float(np.asarray(x).ravel()[0])


out = {"source": "irrCAC 0.4.4 (Python), irrCAC.table.CAC(table, weights=kind); categories "
                 "coded 1..q in table order", "tables": {}}
for name, path in TABLES.items():
    table = pd.read_csv(path, index_col=0)
    entry = {}
    for kind in KINDS:
        cac = CAC(table, weights=kind, digits=15)
        res = {"weights": np.asarray(cac.weights_mat, dtype=float).tolist()}
        for method in ("gwet", "cohen", "scott", "bp", "krippendorff"):
            est = getattr(cac, method)()["est"]
            res[method] = {"estimate": arr(est["coefficient_value"]), "se": arr(est["se"]),
                           "p_value": arr(est["p_value"]), "pa": arr(est["pa"]),
                           "pe": arr(est["pe"])}
        entry[kind] = res
    out["tables"][name] = entry
(HERE / "gwet_weights_irrcac.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", HERE / "gwet_weights_irrcac.json")
