"""Every study notebook is stored with outputs cleared and executes without error."""

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_is_a_notebook_per_study():
    from reliability.studies import list_studies

    assert {p.stem for p in NOTEBOOKS} >= set(list_studies())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_cleared(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name}: outputs not cleared"
            assert cell.get("execution_count") is None, f"{path.name}: execution count kept"


@pytest.fixture(scope="session")
def kernel_env(tmp_path_factory):
    """Make a python3 kernelspec for this interpreter available (CI has none registered)."""
    import ipykernel  # noqa: F401  (a dev dependency: provides the python3 kernel)
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" in KernelSpecManager().find_kernel_specs():
        yield None
        return
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(prefix=str(prefix), kernel_name="python3")
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter") + (
        os.pathsep + old if old else "")
    yield prefix
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, kernel_env, tmp_path):
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on any failing cell (incl. the final check)
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in codes)
