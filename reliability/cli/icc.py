"""``reliability icc``: the six intraclass correlations of a ratings CSV."""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "icc", help="intraclass correlations (Shrout & Fleiss / McGraw & Wong)",
        description="All six ICC forms with F tests and confidence intervals. Complete data: "
                    "two-way ANOVA with exact F-based intervals; missing/unbalanced data: "
                    "REML variance components (intervals by --bootstrap).")
    p.add_argument("path", help="CSV file of ratings")
    p.add_argument("--shape", choices=["wide", "long", "table"], default=None,
                   help="wide (default): one row per unit, one column per rater (first column "
                        "= unit id); long: unit, rater, rating columns; table: a two-rater "
                        "contingency table of numeric categories. Without --shape a square "
                        "table whose row labels equal its column labels is refused, as in the "
                        "library")
    p.add_argument("--unit", default=None, help="unit id column (default: first column / 'unit')")
    p.add_argument("--rater", default="rater", help="rater column of long data")
    p.add_argument("--rating", default="rating", help="rating column of long data")
    add_confidence(p)
    p.add_argument("--method", choices=["anova", "reml", "auto"], default="auto",
                   help="anova (complete data), reml (missing/unbalanced) or auto (default)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="bootstrap SEs and intervals over units with N resamples (beside the "
                        "exact F intervals; the only intervals for REML fits)")
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    p.add_argument("--bootstrap-method", choices=["percentile", "bca"], default="percentile",
                   help="bootstrap interval (default percentile)")
    p.add_argument("--rho0", type=float, default=0.0, metavar="R0",
                   help="null value of the F tests (H0: ICC = R0 against ICC > R0; McGraw & "
                        "Wong 1996), in [0, 1); default 0. JSON: icc.<form>.test")
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability.icc import icc

    # the path goes to icc() itself, so that its options are checked before the file is read
    result = icc(args.path, shape=args.shape, unit=args.unit, rater=args.rater,
                 rating=args.rating, encoding=args.encoding, confidence=args.confidence,
                 method=args.method, n_resamples=args.bootstrap, seed=args.seed,
                 bootstrap_method=args.bootstrap_method, rho0=args.rho0)
    if args.json:
        emit_json(result.to_dict())
    else:
        print(result.summary())
    return 0
