"""Where the shipped data files are.

After ``pip install`` the top-level ``datasets/`` folder is the package ``reliability.shipped``
(see setup.py). When the repository's own ``reliability/`` shadows the installed package (for
example ``pytest`` run from the repository root after a regular install), that subpackage is not
importable, so the repository's ``datasets/`` folder beside the package is used instead.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from reliability._errors import ReliabilityError


def shipped_files():
    """A traversable directory holding the shipped data files."""
    try:
        return files("reliability.shipped")
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "datasets"
        if (checkout / "__init__.py").exists():
            return checkout
        raise ReliabilityError(
            "the shipped datasets were not found: reinstall inspection-reliability") from None
