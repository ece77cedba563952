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
]


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line on stderr and exit code 2 (no usage dump)."""

    def error(self, message):  # noqa: D401
        _fail(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    from reliability import __version__

    parser = OneLineParser(
        prog="reliability",
        description="Reliability and validity of school-inspection judgements.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"reliability.cli.{name}")
        except ModuleNotFoundError as exc:  # command not built yet in this checkout
            if exc.name == f"reliability.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv=None) -> int:
    from reliability._errors import ReliabilityError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with warnings.catch_warnings():
        # Library warnings (rows dropped, etc.) are shown as one line each, without source lines.
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            return int(args.func(args) or 0)
        except ReliabilityError as exc:
            _fail(str(exc))
        except FileNotFoundError as exc:
            _fail(f"file not found: {exc.filename or exc}")
        except IsADirectoryError as exc:
            _fail(f"is a directory, not a file: {exc.filename or exc}")
        except PermissionError as exc:
            _fail(f"permission denied: {exc.filename or exc}")
        except UnicodeDecodeError as exc:
            _fail(f"cannot decode input ({exc.encoding}): {exc.reason} at byte {exc.start}; "
                  "pass --encoding (e.g. cp1252)")
        except KeyboardInterrupt:
            _fail("interrupted")
        except BrokenPipeError:
            return 0
    return 2


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def _fail(message: str) -> None:
    message = " ".join(str(message).split())
    print(f"reliability: error: {message}", file=sys.stderr)
    raise SystemExit(2)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
