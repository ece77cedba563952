"""Helpers shared by CLI commands: JSON output and common options."""

from __future__ import annotations

import json
import sys


def emit_json(obj) -> None:
    """Print ``obj`` as one JSON object (NaN/inf as null; canonical key spellings added
    beside the old ones: :data:`reliability._results.CANONICAL_KEYS`)."""
    from reliability._results import canonical_keys, json_safe

    json.dump(canonical_keys(json_safe(obj)), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def add_confidence(parser) -> None:
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="confidence level of intervals (default 0.95)")


def add_json(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def add_encoding(parser) -> None:
    parser.add_argument("--encoding", default=None,
                        help="text encoding of the CSV (default: UTF-8, falling back to cp1252)")
