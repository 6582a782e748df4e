"""The getting-started notebook is stored clean and runs from top to bottom.

``docs/notebooks/getting_started.ipynb`` is kept in the repository with its
outputs stripped (no outputs, ``execution_count`` null), so a diff shows only
what a person wrote. It is executed here with nbclient in a temporary working
directory, on an IPython kernel started from the interpreter running the
tests (:data:`sys.executable`), so it runs the package under test whatever
kernels are installed on the machine (no ``ipykernel install`` needed on a
fresh clone). Each cell has a time budget of :data:`CELL_TIMEOUT` seconds;
the whole notebook takes about ten.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "getting_started.ipynb"
CELL_TIMEOUT = 60
"""Seconds a cell may take before the run fails (the notebook runs in about ten)."""


class ThisInterpreter(KernelSpecManager):
    """Kernel specs resolving ``python3`` to ipykernel on :data:`sys.executable`, nothing else."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name != "python3":
            raise NoSuchKernel(kernel_name)
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (the tests' interpreter)",
            language="python",
        )


def _notebook() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_stored_without_outputs() -> None:
    nb = _notebook()
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None, cell.source[:60]
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow  # about ten seconds; CI (make test) runs it
def test_notebook_runs_top_to_bottom(tmp_path: Path) -> None:
    nb = _notebook()
    km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisInterpreter())
    client = nbclient.NotebookClient(
        nb,
        km=km,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    texts = [
        o.get("text", "") or o.get("data", {}).get("text/plain", "")
        for o in outputs
        if o.output_type in ("stream", "execute_result")
    ]
    joined = "\n".join(texts)
    # the first cell imported the package and showed its version
    import binding_sim

    assert repr(binding_sim.__version__) in joined
    # the plot cell wrote the three files; the refusal named the unmapped parameter
    assert (
        "share_bound_vs_trust.building_rate_by_protocol_per_actors._.incident_rate.pdf" in joined
    )
    assert "parameter 'actors.*.incident_rate' (2 values) varies" in joined
    # the notebook cleaned up after itself: nothing left in the working directory
    assert list(tmp_path.iterdir()) == []
