"""The documentation build fails on what must not land: a broken cross-reference in a
docstring, and a gallery example that raises.

Each test builds a small throwaway site with symflow's own Sphinx configuration
(docs/conf.py, its extensions and templates), with warnings as errors as CI does; a
control build of the same site without the defect must succeed, so the tests cannot pass
because every build fails.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

GOOD_FUNCTION = '''
def area(r):
    """The area of a disc, pi r**2. See :func:`perimeter`.

    Examples
    --------
    >>> round(area(1.0), 3)
    3.142
    """
    return 3.141592653589793 * r * r


def perimeter(r):
    """The perimeter of a circle, 2 pi r."""
    return 2 * 3.141592653589793 * r
'''

GOOD_EXAMPLE = '''
"""
A small example
===============

It prints a number.
"""

print(1 + 1)
'''


def _site(root: Path, module: str, example: str) -> Path:
    """A throwaway copy of the docs configuration with one module and one gallery page."""
    docs = root / "docs"
    docs.mkdir()
    for name in ("_ext", "_templates", "_inventories"):
        shutil.copytree(DOCS / name, docs / name)
    (docs / "conf.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(root / "pkg")!r})
            exec(compile(open({str(DOCS / "conf.py")!r}).read(), "conf.py", "exec"))
            HERE = {str(docs)!r}
            exclude_patterns.append("api.rst")
            sphinx_gallery_conf["examples_dirs"] = {str(root / "gallery")!r}
            """
        )
    )
    (docs / "index.rst").write_text(
        "Site\n====\n\n.. toctree::\n\n   reference\n   gallery/index\n"
    )
    (docs / "reference.rst").write_text(
        "Reference\n=========\n\n.. autofunction:: geometry.area\n\n"
        ".. autofunction:: geometry.perimeter\n"
    )
    (root / "pkg").mkdir()
    (root / "pkg" / "geometry.py").write_text(module)
    (root / "gallery").mkdir()
    (root / "gallery" / "README.txt").write_text("Gallery\n=======\n")
    (root / "gallery" / "plot_example.py").write_text(example)
    return docs


def _build(docs: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(docs),
            str(docs / "_build"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=docs,
    )


def test_control_site_builds(tmp_path):
    result = _build(_site(tmp_path, GOOD_FUNCTION, GOOD_EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "docs" / "_build" / "gallery" / "plot_example.html").exists()


def test_broken_cross_reference_fails_the_build(tmp_path):
    broken = GOOD_FUNCTION.replace(":func:`perimeter`", ":func:`circumference`")
    result = _build(_site(tmp_path, broken, GOOD_EXAMPLE))
    assert result.returncode != 0
    assert "circumference" in result.stderr
    assert "reference target not found" in result.stderr


def test_raising_gallery_example_fails_the_build(tmp_path):
    raising = GOOD_EXAMPLE.replace("print(1 + 1)", "raise RuntimeError('the example is broken')")
    result = _build(_site(tmp_path, GOOD_FUNCTION, raising))
    assert result.returncode != 0
    assert "the example is broken" in result.stdout + result.stderr
