"""``reliability model``: mixed models of inspector bias (ordinal, binomial, linear)."""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "model", help="random-intercept mixed models (ordinal, binomial, linear)",
        description="Cumulative-link (ordinal) or binomial mixed model by Laplace / adaptive "
                    "Gauss-Hermite quadrature, or a linear mixed model by REML/ML, with an "
                    "lme4-style formula such as 'grade ~ female + phase + (1|inspector_id)'. "
                    "Several random intercepts (crossed or nested) are allowed: "
                    "'... + (1|inspector_id) + (1|school_id)', '(1|region/school_id)' "
                    "(Laplace only for the ordinal and binomial models). With several terms the "
                    "JSON keys n_groups, vpc and lr_test are objects keyed by grouping column; "
                    "random.<column> always holds sd, sd_se, sd_ci, n_groups, vpc and lr_test.")
    p.add_argument("kind", choices=["ordinal", "binomial", "linear"], help="model family")
    p.add_argument("path", help="CSV file, one row per inspection")
    p.add_argument("--formula", required=True,
                   help="lme4-style formula with one or more (1|group) terms")
    p.add_argument("--nagq", type=int, default=1,
                   help="quadrature nodes (1 = Laplace, default; ordinal/binomial with a single "
                        "random term only)")
    p.add_argument("--link", choices=["logit", "probit"], default="logit")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--reml", dest="reml", action="store_true", default=True,
                   help="linear model by REML (default)")
    g.add_argument("--ml", dest="reml", action="store_false", help="linear model by ML")
    add_confidence(p)
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._io import read_csv
    from reliability.models import binomial_mixed, linear_mixed, ordinal_mixed

    data = read_csv(args.path, encoding=args.encoding)
    if args.kind == "linear":
        res = linear_mixed(args.formula, data, reml=args.reml, confidence=args.confidence)
    else:
        fn = ordinal_mixed if args.kind == "ordinal" else binomial_mixed
        res = fn(args.formula, data, link=args.link, nagq=args.nagq, confidence=args.confidence)
    if args.json:
        emit_json(res.to_dict())
    else:
        print(res.summary())
    return 0
