"""``reliability agree``: every agreement coefficient of a ratings CSV."""

from __future__ import annotations

from reliability._progress import progress_scope
from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "agree", help="agreement coefficients (kappa, AC1/AC2, Krippendorff's alpha, ...)",
        description="Percent agreement, Cohen/Conger kappa, Scott's pi / Fleiss' kappa, "
                    "Brennan-Prediger, Gwet's AC1/AC2 and Krippendorff's alpha with Gwet (2014) "
                    "standard errors and confidence intervals (t(n-1), upper bound capped at 1).")
    p.add_argument("path", help="CSV file of ratings")
    p.add_argument("--shape", choices=["wide", "long", "table", "counts"], default=None,
                   help="wide (default): first column unit id, other columns raters, empty = "
                        "missing; long: unit, rater, rating columns; table: 2-rater contingency "
                        "table (first column rater 1's categories); counts: first column unit "
                        "id, one column per category")
    p.add_argument("--unit", default=None, help="unit id column (default: first column / 'unit')")
    p.add_argument("--rater", default="rater", help="rater column of long data")
    p.add_argument("--rating", default="rating", help="rating column of long data")
    p.add_argument("--level", choices=["nominal", "ordinal", "interval", "ratio"], default=None,
                   help="measurement level (default nominal)")
    p.add_argument("--categories", default=None,
                   help="categories in order, comma-separated (e.g. a,b,c)")
    p.add_argument("--weights", default=None, metavar="KIND|FILE",
                   help="agreement weights: identity, linear, quadratic, ordinal, radical, ratio, "
                        "circular, bipolar (Gwet 2014), or a CSV file holding a q x q matrix of "
                        "agreement weights (optional header row and first column of category "
                        "labels); default identity for nominal, quadratic otherwise")
    p.add_argument("--weight-scores", choices=["values", "ranks"], default="values",
                   help="scores the linear/quadratic/... weights use: the category values "
                        "(default) or their ranks 1..q (equally spaced, as statsmodels, irr "
                        "and scikit-learn)")
    p.add_argument("--population-size", type=int, default=None, metavar="N",
                   help="size of the population of units the rated ones were drawn from "
                        "(irrCAC N=): Gwet SEs multiplied by sqrt(1 - n/N); default infinite")
    p.add_argument("--benchmark", choices=["landis-koch", "fleiss", "altman"], default=None,
                   help="add a 'benchmark' object to each kappa-type coefficient: its band on "
                        "the Landis-Koch (1977), Fleiss (1981) or Altman (1991) scale")
    p.add_argument("--benchmark-method", choices=["probabilistic", "deterministic"],
                   default="probabilistic",
                   help="probabilistic (default): Gwet (2014) cumulative membership "
                        "probability >= 0.95; deterministic: the band of the estimate")
    add_confidence(p)
    p.add_argument("--ci-method", choices=["t", "normal"], default="t",
                   help="t: est +/- t(n-1) se, upper capped at 1 (irrCAC, default); normal: "
                        "est +/- z se clipped to [-1, 1] (vcd)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="add bootstrap SEs and intervals over units with N resamples")
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    p.add_argument("--bootstrap-method", choices=["percentile", "bca"], default="percentile",
                   help="bootstrap interval (default percentile)")
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability.agreement import agreement

    weights = _weights(args.weights)
    categories = None
    if args.categories:
        categories = [c.strip() for c in args.categories.split(",")]
    # The path goes to agreement() itself so that its options are validated before the file
    # is read (a bad --confidence is reported without touching the data).
    with progress_scope(not args.json):
        result = agreement(args.path, shape=args.shape, level=args.level, categories=categories,
                           unit=args.unit, rater=args.rater, rating=args.rating,
                           encoding=args.encoding, weights=weights,
                           confidence=args.confidence, ci_method=args.ci_method,
                           n_resamples=args.bootstrap, seed=args.seed,
                           bootstrap_method=args.bootstrap_method,
                           weight_scores=args.weight_scores,
                           population_size=args.population_size)
    marks = {}
    if args.benchmark:
        from reliability.agreement import BENCHMARKED, benchmark

        marks = {name: benchmark(result[name], scale=args.benchmark,
                                 method=args.benchmark_method)
                 for name in result if name in BENCHMARKED}
    if args.json:
        out = result.to_dict()
        for name, b in marks.items():
            out["coefficients"][name]["benchmark"] = b.to_dict()
        emit_json(out)
    else:
        print(result.summary())
        for name, b in marks.items():
            print(f"{name}: {b.summary()}")
    return 0


def _weights(value):
    """A weight name as is; a path to a CSV file read as a q x q matrix of weights."""
    import os

    from reliability._errors import ReliabilityError
    from reliability.agreement._weights import KINDS

    if value is None or value in KINDS or value == "unweighted":
        return value
    if not os.path.isfile(value):
        from reliability._errors import suggest

        raise ReliabilityError(f"--weights {value!r} is neither a weighting "
                               f"({', '.join(KINDS)}){suggest(value, list(KINDS))} nor a file")
    from reliability._io import read_csv

    frame = read_csv(value, header=None)
    import pandas as pd

    numeric = frame.apply(pd.to_numeric, errors="coerce")
    if numeric.iloc[0].isna().all() or (numeric.iloc[0, 1:].isna().all()):
        frame = frame.iloc[1:]          # header row of labels
        numeric = numeric.iloc[1:]
    if numeric.iloc[:, 0].isna().all():
        numeric = numeric.iloc[:, 1:]   # first column of labels
    if numeric.isna().any().any():
        raise ReliabilityError(f"--weights file {value}: every cell of the matrix must be a number")
    return numeric.to_numpy(dtype=float)
