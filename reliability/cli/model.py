"""``reliability model``: mixed models of inspector bias (ordinal, binomial, linear)."""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json

# Flags that only some model families use: given for another family they are an error, not
# silently ignored (the value the user typed would have no effect on the numbers).
_ONLY_FOR = {"link": ("--link", ("ordinal", "binomial")),
             "nagq": ("--nagq", ("ordinal", "binomial")),
             "reml": ("--reml/--ml", ("linear",))}
_ARTICLE = {"ordinal": "an", "binomial": "a", "linear": "a"}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "model", help="random-intercept mixed models (ordinal, binomial, linear)",
        description="Cumulative-link (ordinal) or binomial mixed model by Laplace / adaptive "
                    "Gauss-Hermite quadrature, or a linear mixed model by REML/ML, with an "
                    "lme4-style formula such as 'grade ~ female + phase + (1|inspector_id)'. "
                    "Several random intercepts (crossed or nested) are allowed: "
                    "'... + (1|inspector_id) + (1|school_id)', '(1|region/school_id)' "
                    "(Laplace only for the ordinal and binomial models), and random slopes "
                    "for one grouping factor: '(1 + phase|inspector_id)', "
                    "'(1 + phase||inspector_id)' (Laplace). JSON: random.<column> "
                    "holds sd, sd_se, sd_ci, n_groups, vpc and lr_test for every term; the "
                    "top-level n_groups, vpc and lr_test are the first term's.")
    p.add_argument("kind", choices=["ordinal", "binomial", "linear"], help="model family")
    p.add_argument("path", help="CSV file, one row per inspection")
    p.add_argument("--formula", required=True,
                   help="lme4-style formula with one or more (1|group) terms, or random "
                        "slopes (1 + x|group) for one grouping factor")
    p.add_argument("--categories", default=None,
                   help="the response's labels best first, comma-separated (e.g. "
                        "'Outstanding,Good,Requires improvement,Inadequate'; the Ofsted grade "
                        "labels and numeric codes need none)")
    p.add_argument("--nagq", type=int, default=None,
                   help="quadrature nodes (1 = Laplace, default; ordinal/binomial with a single "
                        "random term only)")
    p.add_argument("--link", choices=["logit", "probit"], default=None,
                   help="logit (default) or probit; ordinal/binomial only")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reml", dest="reml", action="store_true", default=None,
                   help="linear model by REML (default)")
    g.add_argument("--ml", dest="reml", action="store_false", help="linear model by ML")
    add_confidence(p)
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def parse_categories(text):
    """``"A,B,\"C, D\""`` -> ``["A", "B", "C, D"]`` (CSV quoting; labels trimmed)."""
    import csv

    from reliability._errors import ReliabilityError

    if text is None:
        return None
    labels = [c.strip() for c in next(csv.reader([text]), [])]
    if any(not c for c in labels):
        raise ReliabilityError(f"--categories {text!r} has an empty label: give the labels best "
                               "first, separated by commas")
    return labels


def run(args) -> int:
    from reliability._errors import ReliabilityError
    from reliability._io import read_csv
    from reliability._progress import progress_scope
    from reliability._validation import check_option
    from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed
    from reliability.models._api import _CATEGORIES as CATEGORIES, _NAGQ as NAGQ

    for dest, (flag, kinds) in _ONLY_FOR.items():
        if getattr(args, dest) is not None and args.kind not in kinds:
            raise ReliabilityError(f"{flag} does not apply to {_ARTICLE[args.kind]} {args.kind} model (it is for "
                                   f"{' and '.join(kinds)} models); drop it")
    # options are checked before the data are read (the library checks them again)
    check_option("confidence", args.confidence)
    if args.nagq is not None:
        check_option("nagq", args.nagq, NAGQ)
    categories = parse_categories(args.categories)
    if categories is not None:
        check_option("categories", categories, CATEGORIES)
    data = read_csv(args.path, encoding=args.encoding)
    with progress_scope(not args.json):     # large fits show a status bar, never with --json
        if args.kind == "linear":
            res = linear_mixed(args.formula, data,
                               reml=True if args.reml is None else args.reml,
                               confidence=args.confidence, categories=categories)
        else:
            fn = ordinal_mixed if args.kind == "ordinal" else binomial_mixed
            res = fn(args.formula, data, link="logit" if args.link is None else args.link,
                     nagq=1 if args.nagq is None else args.nagq, confidence=args.confidence,
                     categories=categories)
    if args.json:
        emit_json(res.to_dict())
    else:
        print(res.summary())
    return 0
