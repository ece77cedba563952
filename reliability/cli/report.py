"""``reliability report PATH --grade COL [--context COL] [--inspector COL] [--key K] ...``"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reliability.cli._common import add_encoding, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report", help="self-contained HTML report from your own inspection data",
        description="Grade distribution, grades by a context column and (optionally) grades by "
                    "inspector, under disclosure control: inspector identifiers pseudonymised "
                    "with HMAC-SHA256 under your key, cells below --min-cell suppressed, no "
                    "ranking of inspectors unless --rank-inspectors.")
    p.add_argument("path", help="CSV or Excel (.xlsx) file, one row per inspection; Ofsted "
                                "management-information files are recognised by their columns")
    p.add_argument("--grade", required=True, help="grade column")
    p.add_argument("--context", default=None, help="context column (e.g. IDACI quintile)")
    p.add_argument("--inspector", default=None, help="inspector id column (pseudonymised)")
    p.add_argument("--key", default=None,
                   help="secret key for inspector pseudonyms (default: $RELIABILITY_KEY)")
    p.add_argument("--min-cell", type=int, default=10,
                   help="suppress counts below this (default 10)")
    p.add_argument("--rank-inspectors", action="store_true",
                   help="list inspectors in rank order (off by default)")
    p.add_argument("--categories", nargs="+", default=None, metavar="CAT",
                   help="grades in order, best first (comma-separated or separate words)")
    p.add_argument("--missing", nargs="+", default=None, metavar="VALUE",
                   help="grade values meaning 'not judged' (e.g. 9)")
    p.add_argument("--bands", type=int, default=5, help="bands of a numeric context")
    p.add_argument("--scale", default="auto",
                   help="how numeric grade codes are labelled: auto (codes 1-4 as Ofsted's "
                        "grades, the default), none, ofsted_2005 or report_card_2025")
    p.add_argument("--only", default=None, metavar="COLUMN=VALUE",
                   help="analyse only these rows, e.g. --only 'Ofsted phase=Primary'")
    p.add_argument("--deprived-end", choices=["high", "low"], default=None,
                   help="which end of a numeric context is most deprived (known for Ofsted's "
                        "IDACI quintile)")
    p.add_argument("--title", default=None, help="report title")
    p.add_argument("--out", default="report-output", help="output folder (default "
                                                          "./report-output)")
    p.add_argument("--pdf", action="store_true",
                   help="also write report.pdf (printed by headless Chromium, if installed)")
    p.add_argument("--json", action="store_true",
                   help="also print results.json to stdout")
    add_encoding(p)
    p.set_defaults(func=run)


def _split(values):
    if values is None:
        return None
    out = []
    for v in values:
        out.extend(x.strip() for x in str(v).split(",") if x.strip())
    return out


def run(args) -> int:
    from reliability.report.user import data_report
    from reliability.report.write import write_report

    key = args.key if args.key is not None else os.environ.get("RELIABILITY_KEY")
    missing = _split(args.missing) or ()
    missing = [int(m) if m.lstrip("-").isdigit() else m for m in missing]
    subset = None
    if args.only:
        if "=" not in args.only:
            from reliability._errors import ReliabilityError

            raise ReliabilityError(f"--only {args.only!r}: give COLUMN=VALUE, e.g. "
                                   "'Ofsted phase=Primary'")
        subset = tuple(x.strip() for x in args.only.split("=", 1))
    oc = data_report(args.path, grade=args.grade, context=args.context,
                     inspector=args.inspector, key=key, min_cell=args.min_cell,
                     rankings=args.rank_inspectors, categories=_split(args.categories),
                     missing=missing, bands=args.bands, encoding=args.encoding,
                     title=args.title, scale=args.scale, subset=subset,
                     deprived_end=args.deprived_end)
    res = write_report(oc, args.out)
    if args.pdf:
        from reliability.app.server import html_to_pdf

        html_to_pdf(Path(args.out) / "report.html", Path(args.out) / "report.pdf")
    if args.json:
        emit_json(res)
    else:
        print(f"report written to {Path(args.out) / 'report.html'}", file=sys.stderr)
    return 0
