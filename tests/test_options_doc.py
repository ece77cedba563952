"""docs/options.md is the validator's own table (regenerate: python docs/make_options.py)."""

import runpy
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_options_doc_is_current():
    render = runpy.run_path(str(DOCS / "make_options.py"))["render"]
    assert (DOCS / "options.md").read_text(encoding="utf-8") == render(), (
        "docs/options.md is stale: run python docs/make_options.py")
