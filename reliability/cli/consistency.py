"""``reliability consistency``: agreement of two parallel inspection teams.

Input, one of:

* a CSV with one row per school and the two teams' grades in ``--first`` / ``--second``;
* long data (``--shape long``): one row per (school, team) with ``--unit``, ``--rater``,
  ``--rating`` columns and exactly two teams (first team = first seen in the file);
* a square two-team contingency table (``--shape table``, first column = first team's
  grade, other columns = second team's grades in the same order);
* no file, only a published summary: ``--agree 22 --n 24`` gives the agreement with its
  intervals and ``kappa_range``, the range of kappa over every consistent table.
"""

from __future__ import annotations

from reliability.cli._common import add_confidence, add_encoding, add_json, emit_json
from reliability.cli.validity import add_categories, split_list


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "consistency", help="parallel inspections: P(second team differs), kappa, kappa range",
        description="Agreement of two independent inspection teams with Wilson and exact "
                    "(Clopper-Pearson) intervals, the probability that the second team "
                    "gives a different grade (overall and by grade), Cohen's kappa; or, from "
                    "'--agree K --n N' alone, the range of kappa consistent with the report.")
    p.add_argument("path", nargs="?", default=None, help="CSV file (omit with --agree/--n)")
    p.add_argument("--first", default=None, help="first team's grade column")
    p.add_argument("--second", default=None, help="second team's grade column")
    p.add_argument("--shape", choices=["pairs", "long", "table"], default="pairs",
                   help="pairs (default): --first/--second columns; long: --unit/--rater/"
                        "--rating; table: square contingency table")
    p.add_argument("--unit", default="unit", help="school id column of long data")
    p.add_argument("--rater", default="rater", help="team column of long data")
    p.add_argument("--rating", default="rating", help="grade column of long data")
    add_categories(p)
    p.add_argument("--agree", type=int, default=None, help="published number of agreements")
    p.add_argument("--n", type=int, default=None, help="published number of pairs")
    p.add_argument("--n-categories", type=int, default=2,
                   help="categories for --agree/--n enumeration (default 2)")
    add_confidence(p)
    add_encoding(p)
    add_json(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from reliability._errors import ReliabilityError
    from reliability._io import read_csv
    from reliability.consistency import agreement_range, parallel_consistency, team_pairs

    categories = split_list(args.categories)
    missing = split_list(args.missing) or ()
    if args.path is None:
        if args.agree is None or args.n is None:
            raise ReliabilityError("give a CSV file, or --agree and --n for a published summary")
        rng = agreement_range(args.agree, args.n, n_categories=args.n_categories,
                              confidence=args.confidence)
        if args.json:
            emit_json(rng.to_dict())
        else:
            print(rng.summary())
        return 0
    n_dropped = 0
    if args.shape == "table":
        frame = read_csv(args.path, encoding=args.encoding, index_col=0)
        # the header may spell the second team's grades differently: rows name the grades
        table = frame.to_numpy()
        cats = categories or [str(c) for c in frame.index]
    else:
        frame = read_csv(args.path, encoding=args.encoding)
        long = args.shape == "long"
        table, cats, n_dropped = team_pairs(
            frame, first=None if long else args.first, second=None if long else args.second,
            unit=args.unit if long else None, rater=args.rater if long else None,
            rating=args.rating if long else None, categories=categories, missing=missing)
    result = parallel_consistency(table, categories=cats, confidence=args.confidence)
    out = result.to_dict()
    out["n_dropped"] = n_dropped
    if args.json:
        emit_json(out)
    else:
        print(result.summary())
        if n_dropped:
            print(f"dropped {n_dropped} school(s) without both grades")
    return 0
