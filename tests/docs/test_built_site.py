"""The built documentation site lists every public name and method, and every gallery page
has its output and its figures.

Run after building the site:
``SYMFLOW_DOCS_HTML=docs/_build/html pytest tests/docs/test_built_site.py`` (.ci/run does).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sphinx.util.inventory import InventoryFile

import symflow

if not os.environ.get("SYMFLOW_DOCS_HTML"):
    pytest.skip(
        "reads a built site: CI builds it after the suite and runs this file with "
        "SYMFLOW_DOCS_HTML=docs/_build/html",
        allow_module_level=True,
    )

from test_api_reference import public_methods  # noqa: E402  (tests/docs is on sys.path)

SITE = Path(os.environ["SYMFLOW_DOCS_HTML"])
GALLERY_SOURCES = Path(__file__).resolve().parents[2] / "examples" / "gallery"


@pytest.fixture(scope="module")
def inventory() -> set[str]:
    with open(SITE / "objects.inv", "rb") as f:
        data = InventoryFile.load(f, "", lambda base, uri: uri)
    return {name for role, entries in data.items() if role.startswith("py:") for name in entries}


def test_inventory_lists_every_public_name(inventory):
    missing = [f"symflow.{n}" for n in symflow.__all__ if f"symflow.{n}" not in inventory]
    assert not missing, f"not in objects.inv: {missing}"


def test_inventory_lists_every_public_method(inventory):
    missing = [f"symflow.{n}" for n, _ in public_methods() if f"symflow.{n}" not in inventory]
    assert not missing, f"not in objects.inv: {missing}"


@pytest.mark.parametrize("script", sorted(p.stem for p in GALLERY_SOURCES.glob("plot_*.py")))
def test_gallery_page_has_output_and_figure(script):
    page = (SITE / "gallery" / f"{script}.html").read_text()
    assert "sphx-glr-script-out" in page or "rendered_html" in page, "no captured output"
    images = re.findall(r'src="(?:\.\./)?(_images/[^"]+\.png)"', page)
    for image in images:
        assert (SITE / image).stat().st_size > 500
    if "picture" in (GALLERY_SOURCES / f"{script}.py").read_text():
        assert images, f"{script} draws a picture, but its page shows none"


def test_gallery_has_at_least_twelve_examples():
    assert len(list(GALLERY_SOURCES.glob("plot_*.py"))) >= 12
