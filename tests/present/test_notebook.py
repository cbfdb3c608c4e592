"""The example notebook runs in a Jupyter kernel and its outputs are rendered mathematics.

Flow, Derivation and CheckReport display through ``_repr_latex_``, ``_repr_markdown_``
and ``_repr_html_``; the notebook in examples/ is executed with nbclient and each output
must carry those MIME types, not only ``text/plain``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "overlapping_branches.ipynb"


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jupyter_client's own deprecation notices
        client = nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
        )
        client.execute()
    return nb


def _outputs(nb, index):
    return [o for o in nb.cells[index].outputs if o.output_type == "execute_result"]


def test_flow_displays_its_density_and_name(executed):
    (out,) = _outputs(executed, 1)
    assert r"\frac{1}{3 \sqrt{x}}" in out.data["text/latex"]
    assert r"\frac{1}{6 \sqrt{x}}" in out.data["text/latex"]
    assert "text/markdown" in out.data


def test_derivation_displays_as_latex_and_markdown(executed):
    (out,) = _outputs(executed, 2)
    assert out.data["text/latex"].startswith("$$\\begin{aligned}")
    assert "Substitution" in out.data["text/markdown"]


def test_check_report_displays_as_a_table(executed):
    (out,) = _outputs(executed, 3)
    assert "<table>" in out.data["text/html"] and "PASSED" in out.data["text/html"]
