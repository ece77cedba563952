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
    p.add_argument("--context", default=None,
                   help="a context column (e.g. an IDACI quintile): each area's grades by band, "
                        "tau-b, and the share below the expected standard by band")
    p.add_argument("--bands", type=int, default=5, help="bands of a numeric context")
    add_confidence(p)
    p.add_argument("--n-sim", type=int, default=100, help="simulations for parallel analysis")
    p.add_argument("--seed", type=int, default=None, help="seed of the parallel analysis")
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._io import read_csv
    from reliability._validation import check_option
    from reliability.areas import area_context, area_structure

    check_option("confidence", args.confidence)
    check_option("seed", args.seed)
    areas = [a.strip() for a in args.areas.split(",") if a.strip()]
    categories = (None if args.categories is None
                  else [c.strip() for c in args.categories.split(",") if c.strip()])
    data = read_csv(args.path, encoding=args.encoding)
    result = area_structure(data, areas=areas, categories=categories,
                            confidence=args.confidence, n_sim=args.n_sim, seed=args.seed)
    context = None
    if args.context is not None:
        context = area_context(data, areas=areas, context=args.context, categories=categories,
                               bands=args.bands, confidence=args.confidence)
    if args.json:
        out = result.to_dict()
        if context is not None:
            out["context"] = context.to_dict()
        emit_json(out)
    else:
        print(result.summary())
        if context is not None:
            print(context.summary())
    return 0
