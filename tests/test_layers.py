"""The layering of docs/architecture.md: lower layers never import higher ones."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "reliability"
HIGH = ("reliability.cli", "reliability.report", "reliability.studies", "reliability.app")
LOW = ["data.py", "_io.py", "_validation.py", "_results.py", "_errors.py", "scales.py",
       "inference.py", "streaming.py", "agreement", "icc", "gtheory", "models", "areas",
       "validity", "consistency", "datasets"]


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def files(entry):
    p = ROOT / entry
    return sorted(p.rglob("*.py")) if p.is_dir() else [p]


@pytest.mark.parametrize("entry", LOW)
def test_low_layers_do_not_import_presentation(entry):
    bad = [(f.relative_to(ROOT).as_posix(), m) for f in files(entry)
           for m in imported_modules(f) if m.startswith(HIGH)]
    assert bad == []


def test_input_layer_imports_no_analysis():
    analyses = ("reliability.agreement", "reliability.icc", "reliability.gtheory",
                "reliability.models", "reliability.validity", "reliability.consistency")
    bad = [(f.name, m) for e in ("data.py", "_io.py", "_validation.py", "scales.py")
           for f in files(e) for m in imported_modules(f) if m.startswith(analyses)]
    assert bad == []
