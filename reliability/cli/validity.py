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


def _outcome_part(frame, args, categories, missing):
    """Standardised outcome differences; rows lacking any needed value dropped and counted."""
    import numpy as np

    from reliability._errors import ReliabilityError
    from reliability.validity import grade_outcome_differences
    from reliability.validity._clean import code_grades, numeric_context

    codes, cats, dropped = code_grades(frame[args.grade], categories=categories,
                                       missing=missing, column=args.grade)
    y, d_y = numeric_context(frame[args.outcome], column=args.outcome)
    cols = [np.isfinite(y)]
    covs = []
    for col in args.adjust or []:
        x, _ = numeric_context(frame[col], column=col)
        covs.append(x)
        cols.append(np.isfinite(x))
    keep = (codes >= 0) & np.logical_and.reduce(cols)
    if keep.sum() < 3:
        raise ReliabilityError(f"fewer than 3 rows with a grade and outcome {args.outcome!r}")
    res = grade_outcome_differences(
        codes[keep], y[keep], categories=cats,
        covariates=np.column_stack(covs)[keep] if covs else None, confidence=args.confidence)
    out = res.to_dict()
    out.update({"outcome": args.outcome, "adjusted_for": list(args.adjust or []),
                "n": int(keep.sum()), "n_dropped": int((~keep).sum())})
    return out, res


def _band_part(frame, args, categories, missing):
    from reliability.validity import band_agreement
    from reliability.validity._clean import code_grades

    codes, cats, _ = code_grades(frame[args.grade], categories=categories, missing=missing,
                                 column=args.grade)
    bands, _, _ = code_grades(frame[args.band], categories=cats, missing=missing,
                              column=args.band)
    keep = (codes >= 0) & (bands >= 0)
    res = band_agreement(codes[keep], bands[keep], categories=cats, confidence=args.confidence)
    out = res.to_dict()
    out.update({"band": args.band, "n_dropped": int((~keep).sum())})
    return out, res


def run(args) -> int:
    import numpy as np
    import pandas as pd

    from reliability._errors import ReliabilityError, require_columns
    from reliability._io import read_csv
    from reliability.validity import grade_context, ordinal_pseudo_r2
    from reliability.validity._clean import code_grades, numeric_context

    frame = read_csv(args.path, encoding=args.encoding, low_memory=False)
    require_columns(frame, [args.grade, args.context]
                    + [c for c in [args.outcome, args.band] if c] + list(args.adjust or []))
    if args.adjust and not args.outcome:
        raise ReliabilityError("--adjust needs --outcome")
    categories = split_list(args.categories)
    missing = split_list(args.missing) or ()
    result = grade_context(frame[args.grade], frame[args.context], categories=categories,
                           missing=missing, bands=args.bands, context_kind=args.context_kind,
                           confidence=args.confidence, grade_name=args.grade,
                           context_name=args.context)
    out = result.to_dict()
    r2 = None
    if args.pseudo_r2:
        codes, _, _ = code_grades(frame[args.grade], categories=categories, missing=missing,
                                  column=args.grade)
        if result.context_kind == "numeric":
            x, _ = numeric_context(frame[args.context], column=args.context)
            keep = (codes >= 0) & np.isfinite(x)
            design = x[keep][:, None]
        else:
            c = frame[args.context]
            keep = (codes >= 0) & ~(c.isna() | c.astype(str).str.strip().eq("")).to_numpy()
            design = pd.get_dummies(c[keep].astype(str).str.strip(), drop_first=True,
                                    dtype=float).to_numpy()
            if design.shape[1] == 0:
                raise ReliabilityError(f"context {args.context!r} has a single category")
        r2 = ordinal_pseudo_r2(codes[keep], design, n_resamples=args.bootstrap, seed=args.seed,
                               confidence=args.confidence)
        out["pseudo_r2"] = r2.to_dict()
    extra = []
    if args.outcome:
        out["outcome_differences"], res = _outcome_part(frame, args, categories, missing)
        extra.append(res)
    if args.band:
        out["band_agreement"], res = _band_part(frame, args, categories, missing)
        extra.append(res)
    if args.json:
        emit_json(out)
    else:
        print(result.summary())
        for res in ([r2] if r2 is not None else []) + extra:
            print(res.summary())
    return 0
