"""``reliability validity``: grades against a context variable from a raw CSV.

Works on files as downloaded (column names with spaces and parentheses, text grades,
numeric codes with ``9`` = not judged, ``SUPP`` in numeric columns). Values outside
``--categories`` are an error naming the value and row unless declared with ``--missing``;
blank grades, ``--missing`` grades and blank/non-numeric context values are dropped and
counted by reason (``n_dropped``, ``dropped``).
"""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def split_list(values) -> list | None:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (accepts one comma list or several words)."""
    if values is None:
        return None
    out = []
    for v in values:
        out.extend(part.strip() for part in str(v).split(",") if part.strip() != "")
    return out


def add_categories(p) -> None:
    p.add_argument("--categories", nargs="+", default=None, metavar="CAT",
                   help="grades in order, best first, comma-separated or as separate words "
                        "(e.g. Outstanding,Good,\"Requires Improvement\",Inadequate or 1,2,3,4); "
                        "text is matched case-insensitively, ignoring surrounding spaces")
    p.add_argument("--missing", nargs="+", default=None, metavar="VALUE",
                   help="grade values meaning 'not judged' (e.g. 9): dropped and counted. "
                        "Without it, a value outside --categories is an error")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validity", help="grades against context: bands, ordinal association, trend test",
        description="Distribution of grades by quantile bands of a context variable (Wilson "
                    "CIs), Kendall tau-b, Goodman-Kruskal gamma, Somers' d (asymptotic SEs), "
                    "Spearman (Fisher z, Bonett-Wright SE) and Mantel's linear-by-linear "
                    "trend test. A categorical context gets one band per category and a "
                    "chi-square test of independence.")
    p.add_argument("path", help="CSV file, one row per school")
    p.add_argument("--grade", required=True, help="grade column (exact name, quote spaces)")
    p.add_argument("--context", required=True, help="context column (numeric or categorical)")
    p.add_argument("--bands", type=int, default=5,
                   help="number of quantile bands of a numeric context (default 5; a context "
                        "with at most this many distinct values gets one band per value)")
    add_categories(p)
    p.add_argument("--context-kind", choices=["auto", "numeric", "categorical"], default="auto",
                   help="treat the context as numeric or categorical (default: numeric if at "
                        "least half the values are numbers)")
    p.add_argument("--pseudo-r2", action="store_true",
                   help="also fit a cumulative logit of grade on context and report McFadden "
                        "and McKelvey-Zavoina pseudo-R^2")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="bootstrap resamples for the pseudo-R^2 CI (default 0: none)")
    p.add_argument("--seed", type=int, default=None, help="bootstrap seed")
    p.add_argument("--outcome", default=None, metavar="COL",
                   help="later outcome column: standardised differences (Cohen d, Hedges g) "
                        "of each grade vs the first category, raw and, with --adjust, "
                        "regression-adjusted")
    p.add_argument("--adjust", nargs="+", default=None, metavar="COL",
                   help="numeric context columns to adjust the outcome differences for")
    p.add_argument("--band", default=None, metavar="COL",
                   help="data-based band column on the grade scale: agreement, kappa, AC1 "
                        "and the confusion table")
    add_confidence(p)
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._io import read_csv
    from reliability.validity import validity_analysis

    frame = read_csv(args.path, encoding=args.encoding, low_memory=False)
    result = validity_analysis(
        frame, grade=args.grade, context=args.context, outcome=args.outcome,
        adjust=args.adjust or (), band=args.band, pseudo_r2=args.pseudo_r2,
        categories=split_list(args.categories), missing=split_list(args.missing) or (),
        bands=args.bands, context_kind=args.context_kind, confidence=args.confidence,
        n_resamples=args.bootstrap, seed=args.seed)
    if args.json:
        emit_json(result.to_dict())
    else:
        print(result.summary())
    return 0
