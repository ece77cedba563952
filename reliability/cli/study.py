"""``reliability study list`` / ``reliability study run NAME|--all [--out DIR] [--seed S]``."""

from __future__ import annotations

import sys

from reliability._errors import ReliabilityError
from reliability.cli._common import emit_json


def register(subparsers) -> None:
    p = subparsers.add_parser("study", help="list and run the studies that reproduce published "
                                            "figures")
    sub = p.add_subparsers(dest="study_command", metavar="{list,run}")
    pl = sub.add_parser("list", help="list the studies")
    pl.add_argument("--json", action="store_true", help="print one JSON object")
    pl.set_defaults(func=run_list)
    pr = sub.add_parser("run", help="run studies; write results.json, plots and HTML reports")
    pr.add_argument("names", nargs="*", metavar="NAME", help="study names (see 'study list')")
    pr.add_argument("--all", action="store_true", help="run every study")
    pr.add_argument("--path", action="append", default=[], metavar="DIR",
                    help="also run the study defined in DIR/study.py (a STUDY object)")
    pr.add_argument("--out", default="study-output", help="output folder (default "
                                                          "./study-output)")
    pr.add_argument("--seed", type=int, default=None, help="random seed (default 20240601)")
    pr.add_argument("--quiet", action="store_true", help="no progress on stderr")
    pr.add_argument("--json", action="store_true",
                    help="print the combined results.json to stdout (no progress bar)")
    pr.set_defaults(func=run_run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_list(args) -> int:
    from reliability.studies import get_study, list_studies

    rows = []
    for name in list_studies():
        s = get_study(name)
        rows.append({"name": name, "title": s.title, "description": s.description,
                     "data": s.data})
    if args.json:
        emit_json({"studies": rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['title']}")
    return 0


class _Progress:
    """Progress on stderr: a rich bar in a terminal, one line per study in a pipe;
    nothing with ``--quiet`` or ``--json``."""

    def __init__(self, total: int, quiet: bool):
        self.quiet = quiet
        self._rich = None
        if quiet:
            return
        if not sys.stderr.isatty():
            return
        try:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress, TextColumn,
                                       TimeElapsedColumn)

            self._rich = Progress(TextColumn("{task.description}"), BarColumn(),
                                  TextColumn("{task.completed}/{task.total}"),
                                  TimeElapsedColumn(), console=Console(stderr=True),
                                  transient=False)
            self._rich.start()
            self._task = self._rich.add_task("studies", total=total)
        except ImportError:
            self._rich = None

    def start(self, name: str) -> None:
        if self.quiet:
            return
        if self._rich is not None:
            self._rich.update(self._task, description=f"running {name}")
        else:
            print(f"running {name} ...", file=sys.stderr, flush=True)

    def done(self, outcome) -> None:
        if self.quiet:
            return
        c = outcome.counts
        msg = (f"{outcome.name}: {outcome.status} ({c['pass']} pass, {c['fail']} fail, "
               f"{c['context']} context, {c['error']} error; {outcome.seconds:.1f} s)")
        if self._rich is not None:
            self._rich.console.print(msg)
            self._rich.advance(self._task)
        else:
            print(msg, file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self._rich is not None:
            self._rich.stop()


def run_run(args) -> int:
    from reliability.studies import DEFAULT_SEED, get_study, list_studies, load_study_file
    from reliability.studies.runner import differences_table, run_study, write_outputs

    names = list(args.names)
    if args.all:
        names = list_studies() + [n for n in names if n not in list_studies()]
    studies = [get_study(n) for n in dict.fromkeys(names)]
    studies += [load_study_file(p) for p in args.path]
    if not studies:
        raise ReliabilityError("name a study (see 'reliability study list'), or pass --all")
    seed = DEFAULT_SEED if args.seed is None else int(args.seed)
    progress = _Progress(len(studies), args.quiet or args.json)
    outcomes = []
    try:
        for s in studies:
            progress.start(s.name)
            oc = run_study(s, seed=seed)
            outcomes.append(oc)
            progress.done(oc)
    finally:
        progress.stop()
    result = write_outputs(outcomes, args.out, seed=seed)
    if args.json:
        emit_json(result)
        return 0 if result["status"] in ("pass", "descriptive") else 1
    diff = differences_table(outcomes)
    s = result["summary"]
    print(f"{len(outcomes)} studies: {s['pass']} figures pass, {s['fail']} fail, "
          f"{s['error']} could not be computed, {s['context']} shown as context; "
          f"status {result['status']}; outputs in {args.out}", file=sys.stderr)
    if diff:
        print(diff, file=sys.stderr)
    # a descriptive study compares nothing: it neither passes nor fails
    return 0 if result["status"] in ("pass", "descriptive") else 1
