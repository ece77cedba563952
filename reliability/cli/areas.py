"""``reliability areas``: do report-card areas say different things about a school?"""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "areas", help="polychoric correlations of report-card areas and how many judgements "
                      "they carry",
        description="Pairwise two-step polychoric correlations (as R polycor) of the evaluation "
                    "areas, eigenvalues, parallel analysis, a one-factor model (loadings, "
                    "omega) and the effective number of independent areas (Nyholt 2004). "
                    "Text grades of a known scale (report card, 2005-2024 grades) are ordered "
                    "automatically; codes are 1 = best.")
    p.add_argument("path", help="CSV file: one row per school, one column per area")
    p.add_argument("--areas", required=True,
                   help="comma-separated area columns, e.g. achievement,attendance_and_behaviour")
    p.add_argument("--categories", default=None,
                   help="comma-separated labels best first, for text grades of no known scale")
    add_confidence(p)
    p.add_argument("--n-sim", type=int, default=100, help="simulations for parallel analysis")
    p.add_argument("--seed", type=int, default=None, help="seed of the parallel analysis")
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._io import read_csv
    from reliability._validation import check_option
    from reliability.areas import area_structure

    check_option("confidence", args.confidence)
    check_option("seed", args.seed)
    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    categories = (None if args.categories is None
                  else [c.strip() for c in args.categories.split(",") if c.strip()])
    data = read_csv(args.path, encoding=args.encoding)
    result = area_structure(data, areas=areas, categories=categories,
                            confidence=args.confidence, n_sim=args.n_sim, seed=args.seed)
    if args.json:
        emit_json(result.to_dict())
    else:
        print(result.summary())
    return 0
