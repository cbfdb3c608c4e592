"""Every exercise's handout compiles, and nothing runs off the page or prints a caret.

The derivations of all exercises (and of a few d-dimensional and long ones) are compiled
as one document in one pdflatex run; poppler's pdftotext reads it back. Text that lies
beyond the right edge of the page is missing from the default extraction and present
when the crop box is widened, so the two are compared; ``^`` or ``textasciicircum`` in
the text is an escaping artefact. Without pdflatex or pdftotext the tests skip locally
and fail in CI (where ``CI`` is set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import sympy as sp
from exercises import EXERCISES

import symflow as sf
from symflow.present.handout import handout_source

z = sp.Symbol("z", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)


def require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI: .ci/run must install {package}")
        pytest.skip(f"{tool} is not installed (apt-get install {package}); CI installs it")
    return found


def extra_flows() -> dict[str, sf.Flow]:
    """d-dimensional supports and long log-densities, beside the exercises."""
    r = sp.sqrt(-2 * sp.log(z1))
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    return {
        "Beta-Gamma": sf.Flow(
            sf.Independent(sf.Exponential(1), sf.Exponential(1)),
            [sf.Transform([z1 / (z1 + z2), z1 + z2], [z1, z2])],
        ),
        "Box-Muller": sf.Flow(
            sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)),
            [sf.Transform([r * sp.cos(2 * sp.pi * z2), r * sp.sin(2 * sp.pi * z2)], [z1, z2])],
        ),
        "t5 exp": sf.Flow(sf.StudentT(5), [sf.Transform(sp.exp(z), z)]),
        "chain": sf.Flow(
            sf.Normal(mu, sigma),
            [
                sf.Transform(sp.exp(z), z),
                sf.Transform(2 * z + 1, z),
                sf.Transform(sp.log(1 + z), z),
            ],
        ),
    }


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory):
    pdflatex = require("pdflatex", "texlive-latex-base texlive-latex-recommended")
    pdftotext = require("pdftotext", "poppler-utils")
    flows = {name: ex.flow() for name, ex in EXERCISES.items()} | extra_flows()
    sources = [handout_source(f, title=name) for name, f in flows.items()]
    begin, end = "\\begin{document}", "\\end{document}"
    preamble = sources[0][: sources[0].index(begin)]
    bodies = [s[s.index(begin) + len(begin) : s.index(end)] for s in sources]
    document = preamble + begin + "\n" + "\n\\clearpage\n".join(bodies) + end + "\n"
    folder = tmp_path_factory.mktemp("handouts")
    (folder / "all.tex").write_text(document)
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "all.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    log = (folder / "all.log").read_text(errors="replace")
    assert run.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]

    def text(*crop: str) -> str:
        out = subprocess.run(
            [pdftotext, "-layout", *crop, "all.pdf", "-"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    return {
        "log": log,
        "pages": len(flows),
        "text": text(),
        "wide": text("-x", "0", "-y", "0", "-W", "4000", "-H", "4000"),
    }


def test_all_handouts_compile(pdf_text):
    assert "Undefined control sequence" not in pdf_text["log"]
    assert pdf_text["text"].count("\f") >= pdf_text["pages"]


def test_no_text_beyond_the_page(pdf_text):
    """Widening the crop box finds no text that the page itself does not show."""
    visible = pdf_text["text"].split("\f")
    everything = pdf_text["wide"].split("\f")
    for number, (page, wide) in enumerate(zip(visible, everything, strict=True), start=1):
        lost = len(re.sub(r"\s", "", wide)) - len(re.sub(r"\s", "", page))
        assert lost == 0, f"page {number}: {lost} characters beyond the page:\n{wide[:800]}"


def test_no_line_far_into_the_margin(pdf_text):
    """No box sticks out of the text block by more than half the 1.6 cm margin."""
    overfull = [float(v) for v in re.findall(r"Overfull \\hbox \(([\d.]+)pt", pdf_text["log"])]
    assert max(overfull, default=0.0) < 22.0, overfull


def test_no_caret_artefacts(pdf_text):
    text = pdf_text["text"]
    assert "textasciicircum" not in text
    assert "^" not in text
