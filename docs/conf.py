"""Sphinx configuration of symflow's documentation site.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html`` after
``pip install ".[docs]"``. The Markdown pages are read by MyST, docstrings by numpydoc, the
gallery scripts in ``examples/gallery`` are executed by sphinx-gallery, and the command-line
reference is generated from the argument parser (``docs/_ext/cli_reference.py``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import symflow  # noqa: E402

project = "symflow"
author = "the symflow developers"
copyright = "2026, the symflow developers"  # noqa: A001
release = symflow.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "cli_reference",
    "plain_math",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = [
    "_build",
    "gallery/*.ipynb",
    "gallery/*.py",
    "gallery/*.zip",
    "**/*.codeobj.json",
]
templates_path = ["_templates"]

# MyST: $...$ and $$...$$ mathematics in the Markdown pages, anchors for their headings
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# API reference: one page per public name and per public method
autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "signature"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Cross-references to the libraries symflow builds on. Each project lists its online
# inventory first and a small local one (docs/_inventories, made by make_inventories.py)
# second, so that an offline build (CI has no network) resolves the same names.
_INVENTORIES = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "scipy": "https://docs.scipy.org/doc/scipy",
    "sympy": "https://docs.sympy.org/latest",
    "numba": "https://numba.readthedocs.io/en/stable",
    "matplotlib": "https://matplotlib.org/stable",
    "dask": "https://docs.dask.org/en/stable",
}
intersphinx_mapping = {
    name: (url, (None, str(HERE / "_inventories" / f"{name}.inv")))
    for name, url in _INVENTORIES.items()
}
intersphinx_timeout = 5

# a reference that does not resolve is an error (with -W), so a broken one cannot land
nitpicky = True
# record types that appear in dataclass signatures of public results, documented where
# they are used (CheckReport.tests, Derivation.steps) rather than on pages of their own
nitpick_ignore = [
    ("py:class", "symflow.verify.report.TestResult"),
    ("py:class", "symflow.present.document.Step"),
    ("py:class", "symflow.present.document.LayerInfo"),
]

sphinx_gallery_conf = {
    "image_scrapers": ("figure_scraper.symflow_scraper",),
    "capture_repr": ("_repr_html_", "__repr__"),
    "examples_dirs": str(ROOT / "examples" / "gallery"),
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "plot_gallery": "True",
}

html_theme = "pydata_sphinx_theme"
html_title = "symflow"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
}
html_context = {"default_mode": "light"}

# the API reference lists symflow.__all__ (generated, never written by hand)
import api_pages  # noqa: E402

api_pages.write(HERE / "api.rst")
