"""``reliability gstudy``: G study variance components and D-study table."""

from __future__ import annotations

import argparse
import sys

from reliability._errors import ReliabilityError
from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "gstudy", help="generalizability theory: G study and D study",
        description="Variance components of p x r, r:p, p x r x o, (r:p) x o or p x (r:o) "
                    "designs (ANOVA for balanced data, REML otherwise, or Henderson's Method 1), "
                    "E rho^2, Phi (random or fixed facets) and a D-study table.")
    p.add_argument("path", help="CSV file: long (object, facet columns, score) or, for one "
                                "facet, wide (one row per object, one column per condition)")
    p.add_argument("--unit", default=None,
                   help="column of the objects of measurement (schools, persons; default "
                        "'unit')")
    p.add_argument("--object", default=None, help=argparse.SUPPRESS)  # deprecated: --unit
    p.add_argument("--facets", default="rater",
                   help="facet column(s), comma-separated: rater or rater,occasion")
    p.add_argument("--score", default="score", help="score column")
    p.add_argument("--nested", default=None, metavar="r:p",
                   help="first facet nested within the object: 'r:p' or '<facet>:<object>' "
                        "(with two facets this gives the (r:p) x o design); or, with two "
                        "facets, within the second facet: 'r:o' or '<facet1>:<facet2>' (the "
                        "p x (r:o) design, e.g. raters nested in teams)")
    p.add_argument("--method", choices=["anova", "reml", "henderson", "auto"], default="auto",
                   help="anova (balanced data), reml, henderson (Henderson's Method 1 "
                        "quadratic forms, as urGENOVA) or auto (default: anova if balanced, "
                        "else reml)")
    p.add_argument("--fixed", default=None, metavar="FACET",
                   help="fixed facet(s), comma-separated (Brennan 2001, 4.4): E rho^2 and Phi "
                        "for the universe with these facets fixed")
    add_confidence(p)
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="add bootstrap SEs and intervals over units (components, E rho^2, "
                        "Phi and the D-study table) with N resamples")
    p.add_argument("--seed", type=int, default=None, help="seed of the bootstrap")
    p.add_argument("--bootstrap-method", choices=["percentile", "bca"], default="percentile",
                   help="bootstrap interval (default percentile)")
    p.add_argument("--d-study", dest="d_study", action="append", nargs="+", default=None,
                   metavar="FACET=N1,N2",
                   help="D-study sizes, e.g. --d-study rater=1,2,3,4 occasion=1,2")
    p.add_argument("--target", type=float, default=None,
                   help="also report the smallest design reaching this E rho^2 and Phi")
    p.add_argument("--plot", default=None, metavar="FILE",
                   help="save D-study curves (PNG/PDF/SVG) to FILE")
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def _parse_sizes(items, facets):
    from reliability._errors import ReliabilityError

    sizes = {}
    for group in items or []:
        for item in group:
            for part in item.split(";"):
                if not part.strip():
                    continue
                if "=" not in part:
                    raise ReliabilityError(f"--d-study expects FACET=N1,N2,...; got {part!r}")
                key, _, values = part.partition("=")
                key = key.strip()
                if key not in facets:
                    raise ReliabilityError(f"--d-study facet {key!r} is not one of {list(facets)}")
                try:
                    sizes[key] = [int(v) for v in values.split(",") if v.strip()]
                except ValueError:
                    raise ReliabilityError(
                        f"--d-study sizes must be whole numbers; got {values!r}") from None
                if not sizes[key] or min(sizes[key]) < 1:
                    raise ReliabilityError(f"--d-study sizes must be >= 1; got {values!r}")
    return sizes


def run(args) -> int:
    from reliability.gtheory import g_study

    facets = tuple(f.strip() for f in args.facets.split(",") if f.strip())
    # everything that does not need the data is checked before the file is read
    if args.plot:
        _check_plot_path(args.plot)
    sizes = _parse_sizes(args.d_study, facets)
    if args.target is not None and not 0 < args.target < 1:
        raise ReliabilityError(f"--target {args.target!r} is not allowed: must be a number in "
                               "(0, 1)")
    if args.object is not None:
        print("reliability: warning: --object is deprecated; use --unit", file=sys.stderr)
        if args.unit is not None and args.unit != args.object:
            raise ReliabilityError("give --unit or the deprecated --object, not both")
    # the path goes to g_study itself, so that its options are checked before the file is read
    result = g_study(args.path, unit=args.unit or args.object, facets=facets,
                     score=args.score, nested=args.nested, method=args.method,
                     fixed=args.fixed,
                     confidence=args.confidence, n_resamples=args.bootstrap, seed=args.seed,
                     bootstrap_method=args.bootstrap_method, encoding=args.encoding)
    if not sizes:
        # default table: 1..max(4, G-study n) conditions of the first facet
        first = facets[0]
        sizes = {first: list(range(1, max(4, int(round(result.n[first]))) + 1))}
    out = result.to_dict(d_study=sizes)
    if args.target is not None:
        out["minimal_design"] = {
            "g_coefficient": result.minimal_design(args.target, coefficient="g"),
            "phi": result.minimal_design(args.target, coefficient="phi")}
    if args.plot:
        from reliability.plots.dstudy import plot_d_study

        fig = plot_d_study(result, target=args.target)
        fig.savefig(args.plot, bbox_inches="tight")
        out["plot"] = args.plot
    if args.json:
        emit_json(out)
        return 0
    print(result.summary(d_study=sizes))
    if args.target is not None:
        for key, design in out["minimal_design"].items():
            sizes_txt = ", ".join(f"{f} = {design[f]}" for f in facets)
            status = "reached" if design["reached"] else "NOT reached (best shown)"
            print(f"smallest design for {key} >= {args.target:g}: {sizes_txt} "
                  f"(E rho^2 {design['g_coefficient']:.4f}, Phi {design['phi']:.4f}; {status})")
    if args.plot:
        print(f"plot saved to {args.plot}")
    return 0


def _check_plot_path(path: str) -> None:
    """Refuse a plot file whose extension matplotlib cannot write, before any work."""
    import os

    from matplotlib.backend_bases import FigureCanvasBase

    ext = os.path.splitext(path)[1].lstrip(".").lower()
    known = sorted(FigureCanvasBase.get_supported_filetypes())
    if ext not in known:
        raise ReliabilityError(f"--plot {path!r}: unknown image format {ext or '(none)'!r}; "
                               f"use one of {', '.join(known)}")
    if os.path.isdir(path):
        raise ReliabilityError(f"--plot {path!r} is a folder: give an image file name")
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        raise ReliabilityError(f"--plot {path!r}: folder {folder!r} does not exist")
