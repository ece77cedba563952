"""Command-line interface: ``reliability <command> ...``.

Each command lives in its own module exposing ``register(subparsers)``, which adds
an ``argparse`` sub-parser whose ``func`` takes the parsed arguments and returns an
exit code. Errors in the caller's input (:class:`reliability.ReliabilityError`,
missing files, bad encodings) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

# Command modules, in the order they appear in ``reliability --help``.
COMMANDS = [
    "agree",
    "icc",
    "gstudy",
    "model",
    "validity",
    "consistency",
    "study",
    "report",
    "areas",
    "app",
]


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line on stderr and exit code 2 (no usage dump), with a
    "did you mean" for a misspelt command or flag."""

    def error(self, message):  # noqa: D401
        _fail(_with_suggestion(self, message))


def _with_suggestion(parser, message: str) -> str:
    import re

    from reliability._errors import suggest

    m = re.search(r"invalid choice: '([^']*)'", message)
    choices = [c for a in parser._actions for c in (a.choices or [])
               if isinstance(a, argparse._SubParsersAction)]
    # only the command itself is an "unknown command"; a bad choice of a command's option
    # (icc --method ols) keeps argparse's message, which names the option and its choices
    if m and choices and message.startswith("argument COMMAND"):
        hint = suggest(m.group(1), choices)
        return f"unknown command {m.group(1)!r}{hint}; commands: {', '.join(choices)}"
    m = re.search(r"unrecognized arguments: (.*)", message)
    if m:
        flags = [o for a in parser._actions for o in a.option_strings]
        for a in parser._actions:      # the top parser reports its subcommand's leftovers
            if isinstance(a, argparse._SubParsersAction):
                flags += [o for sp in a.choices.values() for b in sp._actions
                          for o in b.option_strings]
        parts = []
        for arg in m.group(1).split():
            flag = arg.split("=", 1)[0]
            hint = suggest(flag, flags) if flag.startswith("-") else ""
            parts.append(f"{arg!r}{hint}")
        return f"{_where(parser)}unrecognized argument(s) " + ", ".join(parts)
    return f"{_where(parser)}{message}"


def _check_common_options(args) -> None:
    """The options every command shares, checked once by the one validator before any data
    are read (a command's own options are checked by the library function it calls)."""
    from pathlib import Path

    from reliability._errors import ReliabilityError
    from reliability._validation import check_option

    for name, option in (("confidence", "confidence"), ("seed", "seed"),
                         ("bootstrap", "n_resamples")):
        value = getattr(args, name, None)
        if value is not None:
            try:
                check_option(option, value)
            except ReliabilityError:
                from reliability._validation import OPTIONS

                raise ReliabilityError(f"--{name} {value!r} is not allowed: must be "
                                       f"{OPTIONS[option].describe()}") from None
    out = getattr(args, "out", None)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ReliabilityError(f"--out {out!r} is an existing file: give a folder for the "
                               "outputs")


def _where(parser) -> str:
    """``"agree: "`` for a subcommand's parser, nothing for the top one (no double prefix)."""
    sub = parser.prog.split(" ", 1)[1] if " " in parser.prog else ""
    return f"{sub}: " if sub else ""


def build_parser() -> argparse.ArgumentParser:
    from reliability._version import __version__

    parser = OneLineParser(
        prog="reliability",
        description="Reliability and validity of school-inspection judgements.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=OneLineParser)
    for name in COMMANDS:
        importlib.import_module(f"reliability.cli.{name}").register(sub)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv in (["--version"], ["-V"]):
        # answered before any parser or library module is imported
        from reliability._version import __version__

        print(f"reliability {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from reliability._errors import ReliabilityError

    with warnings.catch_warnings():
        # Library warnings (rows dropped, etc.) are shown as one line each, without source lines.
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            _check_common_options(args)
            return int(args.func(args) or 0)
        except ReliabilityError as exc:
            _fail(str(exc))
        except FileNotFoundError as exc:
            _fail(f"file not found: {exc.filename or exc}")
        except IsADirectoryError as exc:
            _fail(f"is a directory, not a file: {exc.filename or exc}")
        except PermissionError as exc:
            _fail(f"permission denied: {exc.filename or exc}")
        except UnicodeError as exc:
            _fail(f"cannot decode input: {exc}; pass --encoding (e.g. cp1252)")
        except MemoryError:
            _fail("out of memory: the data do not fit; read large files in chunks with "
                  "reliability.read_ratings or a Dask DataFrame")
        except KeyboardInterrupt:
            _fail("interrupted")
        except BrokenPipeError:
            return 0
        except OSError as exc:
            _fail(f"cannot read or write {exc.filename or ''}: {exc.strerror or exc}")
        except Exception as exc:  # a bug: one line, exit 1, never a traceback
            print(f"reliability: internal error ({type(exc).__name__}): {' '.join(str(exc).split())}"
                  " -- please report it with the command you ran", file=sys.stderr)
            return 1
    return 2


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def _fail(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"reliability: error: {message}", file=sys.stderr)
    raise SystemExit(2)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
