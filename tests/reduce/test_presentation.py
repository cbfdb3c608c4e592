"""The auxiliary-variable derivation (compiled with pdflatex) and the command line."""

import os
import shutil

import pytest
import sympy as sp

import symflow as sf
from symflow.cli import main
from symflow.present.handout import compile_latex

Z1, Z2 = sp.symbols("z1 z2", real=True)
U = sf.Uniform(0, 1)


def require_pdflatex() -> None:
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing in CI: .ci/run must install texlive-latex-base")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")


@pytest.mark.parametrize(
    ("base", "expr"),
    [
        (sf.Independent(U, U), Z1 + Z2),
        (sf.Independent(U, U), sp.Max(Z1, Z2)),
        (sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), sp.sqrt(Z1**2 + Z2**2)),
    ],
    ids=["sum", "max", "radius"],
)
def test_derivation_reads_like_a_textbook_and_compiles(reduced, base, expr, tmp_path):
    d = reduced(base, expr).derivation()
    titles = [s.title for s in d.steps]
    assert titles[:6] == [
        "Setting",
        "Completing the map",
        "The inverse and the Jacobian",
        "The joint density",
        "Integrating the auxiliary out",
        "The result",
    ]
    text = str(d)
    assert "auxiliary" in text and "|det J|" in text
    require_pdflatex()
    pdf = compile_latex(d.latex(full_document=True), tmp_path / "d.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_derivation_states_limits_and_name(reduced):
    d = reduced(sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), sp.sqrt(Z1**2 + Z2**2))
    latex = d.derivation().latex()
    assert r"\int\limits_{- \pi}^{\pi}" in latex
    assert "Rayleigh" in str(d.derivation())


def test_cli_derives_a_sum(capsys):
    status = main(
        ["derive", "z1 + z2", "--base", "Independent(Uniform(0, 1), Uniform(0, 1))", "--n", "20000"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "2 - x" in out and "PASSED" in out


def test_cli_refuses_a_lone_independent(capsys):
    assert main(["derive", "z1", "--base", "Independent(Uniform(0, 1))"]) == 2
    assert "two or more bases" in capsys.readouterr().err
