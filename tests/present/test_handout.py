"""Handouts (PDF via pdflatex) and the ``latex``, ``plot`` and ``handout`` subcommands."""

from __future__ import annotations

import argparse
import io
import os
import shutil

import matplotlib.image as mpimg
import pytest
import sympy as sp

import symflow as sf
from symflow.errors import ParseError
from symflow.present import LatexError, OutputPathError, ToolMissingError
from symflow.present.commands import add_subcommands, build_flow
from symflow.present.handout import compile_latex, handout, handout_source

z = sp.Symbol("z", real=True)


def require_pdflatex() -> None:
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI"):
            pytest.fail(
                "pdflatex is missing in CI: .ci/run must install texlive-latex-base and "
                "texlive-latex-recommended"
            )
        pytest.skip(
            "pdflatex is not installed (apt-get install texlive-latex-base "
            "texlive-latex-recommended); CI installs it"
        )


def pdf_pages(path) -> int:
    from test_latex_compiles import pdf_pages as count

    return count(path)


def run(*argv: str) -> tuple[int, str]:
    """Run a subcommand through a parser built like symflow's: (status, stdout)."""
    parser = argparse.ArgumentParser(prog="symflow")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    out = io.StringIO()
    status = args.handler(args, out)
    return status, out.getvalue()


# -- handouts -------------------------------------------------------------------------


def test_handout_is_a_short_pdf(flows, tmp_path):
    require_pdflatex()
    target = tmp_path / "lognormal.pdf"
    assert handout(flows.flow("normal-exp"), target, n=20_000) == target
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000
    assert pdf_pages(target) <= 2


def test_handout_of_a_chain_has_the_stage_figure(flows, tmp_path):
    require_pdflatex()
    target = tmp_path / "chain.pdf"
    handout(flows.flow("normal-chain3"), target, n=20_000, title="Three layers")
    assert pdf_pages(target) <= 2


def test_handout_with_free_parameters(tmp_path):
    require_pdflatex()
    sigma = sp.Symbol("sigma", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z), z)])
    source = handout_source(X, note="Figures need values for the parameters sigma.")
    assert r"\mathrm{LogNormal}(\mu = 0, \sigma = \sigma)" in source
    assert handout(X, tmp_path / "symbolic.pdf").exists()  # no values: no figures
    assert handout(X, tmp_path / "valued.pdf", n=10_000, sigma=0.5).stat().st_size > 20_000


def test_missing_tex_engine_names_the_program(flows, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        ToolMissingError, match=r"TeX engine 'pdflatex' was not found.*texlive-latex-base"
    ):
        handout(flows.flow("normal-exp"), tmp_path / "a.pdf")
    # the source is still available without TeX
    assert handout_source(flows.flow("normal-exp")).startswith(r"\documentclass")


def test_missing_package_names_the_package(tmp_path):
    require_pdflatex()
    source = (
        "\\documentclass{article}\n\\usepackage{symflowmissingpkg}\n"
        "\\begin{document}x\\end{document}\n"
    )
    with pytest.raises(ToolMissingError, match=r"'symflowmissingpkg.sty'.*tlmgr install"):
        compile_latex(source, tmp_path / "a.pdf")


def test_tex_error_is_reported(tmp_path):
    require_pdflatex()
    source = "\\documentclass{article}\n\\begin{document}\\nosuchmacro\\end{document}\n"
    with pytest.raises(LatexError, match="Undefined control sequence"):
        compile_latex(source, tmp_path / "a.pdf")


def test_bad_output_paths(flows, tmp_path):
    X = flows.flow("normal-exp")
    with pytest.raises(OutputPathError, match="folder .* does not exist"):
        handout(X, tmp_path / "missing" / "a.pdf")
    with pytest.raises(OutputPathError, match=r"ending in \.pdf.*'a\.png'"):
        handout(X, tmp_path / "a.png")


# -- the subcommands ------------------------------------------------------------------


def test_latex_command_prints_the_derivation():
    status, out = run("latex", "exp(z)", "--base", "Normal(0, 1)")
    assert status == 0
    assert out.startswith(r"\begin{align*}") and out.rstrip().endswith(r"\end{align*}")
    assert r"\mathrm{LogNormal}(\mu = 0, \sigma = 1)" in out


def test_latex_command_formats(tmp_path):
    status, out = run("latex", "z^2", "--base", "Normal(0, 1)", "--format", "text")
    assert status == 0 and "ChiSquared(k=1)" in out and "\\" not in out
    status, out = run("latex", "z^2", "--base", "Normal(0, 1)", "--format", "markdown")
    assert status == 0 and out.startswith("**1. Setting.**")
    status, out = run(
        "latex",
        "sigma*z + mu",
        "--base",
        "Normal(0, 1)",
        "--param",
        "mu",
        "--param",
        "sigma:positive",
        "--full-document",
    )
    assert status == 0 and out.startswith(r"\documentclass")
    assert r"\mathrm{Normal}(\mu = \mu, \sigma = \sigma)" in out


def test_plot_command_writes_a_png_of_the_default_size(tmp_path):
    target = tmp_path / "lognormal.png"
    status, out = run("plot", "exp(z)", "--base", "Normal(0, 1)", "-o", str(target), "--n", "5000")
    assert status == 0 and "700x450 px" in out
    assert mpimg.imread(target).shape[:2] == (450, 700)
    target = tmp_path / "stages.png"
    status, _ = run(
        "plot",
        "exp(z)",
        "2*z",
        "--base",
        "Normal(0, 1)",
        "-o",
        str(target),
        "--kind",
        "stages",
        "--n",
        "5000",
        "--dpi",
        "50",
    )
    assert status == 0 and target.stat().st_size > 1000


def test_plot_command_with_parameter_values(tmp_path):
    target = tmp_path / "a.png"
    status, _ = run(
        "plot",
        "exp(sigma*z)",
        "--base",
        "Normal(0, 1)",
        "--param",
        "sigma:positive",
        "--set",
        "sigma=0.5",
        "-o",
        str(target),
        "--n",
        "5000",
    )
    assert status == 0 and target.exists()


def test_handout_command(tmp_path):
    require_pdflatex()
    target = tmp_path / "exponential.pdf"
    status, out = run(
        "handout",
        "--base",
        "Uniform(0, 1)",
        "-o",
        str(target),
        "--n",
        "10000",
        "--title",
        "Inverse CDF sampling",
        "--",
        "-log(z)",
    )
    assert status == 0 and out.strip() == f"wrote {target}"
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("argv", "error", "match"),
    [
        (
            ["latex", "exp(z)", "--base", "Banana(0, 1)"],
            ParseError,
            "unknown distribution 'Banana'",
        ),
        (["latex", "exp(z)", "--base", "Normal(0)"], sf.ParameterError, "takes 2 parameters"),
        (["latex", "__import__('os')", "--base", "Normal(0, 1)"], ParseError, "not allowed"),
        (
            ["plot", "exp(z)", "--base", "Normal(0, 1)", "-o", "/no/such/dir/a.png"],
            OutputPathError,
            "does not exist",
        ),
        (
            ["plot", "exp(a*z)", "--base", "Normal(0, 1)", "--param", "a", "-o", "PNG"],
            OutputPathError,
            "suffix",
        ),
        (
            ["handout", "exp(z)", "--base", "Normal(0, 1)", "-o", "/no/such/dir/a.pdf"],
            OutputPathError,
            "does not exist",
        ),
    ],
    ids=[
        "unknown-base",
        "wrong-arity",
        "unsafe-expression",
        "plot-missing-folder",
        "plot-no-suffix",
        "handout-missing-folder",
    ],
)
def test_command_errors(argv, error, match):
    with pytest.raises(error, match=match):
        run(*argv)


def test_plot_command_parameter_values_are_checked(tmp_path):
    target = str(tmp_path / "a.png")
    base = ["plot", "exp(a*z)", "--base", "Normal(0, 1)", "--param", "a:positive", "-o", target]
    with pytest.raises(ParseError, match="need values for the parameters a"):
        run(*base)
    with pytest.raises(ParseError, match="'b' is not a parameter of the flow"):
        run(*base, "--set", "b=1")
    with pytest.raises(ParseError, match="'x' is not a number"):
        run(*base, "--set", "a=x")


def test_build_flow_parses_safely():
    X = build_flow(["exp(z)", "2*z + 1"], "normal(0, 1)")
    assert repr(X) == "Flow(Normal(0, 1), [exp(z), 2*z + 1])"
    with pytest.raises(ParseError, match="already used by the variable"):
        build_flow(["z"], "Normal(0, 1)", params=["z"])


def test_symflow_main_runs_the_subcommands_when_wired(capsys):
    from symflow import cli

    parser = cli._build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"latex", "plot", "handout"} <= set(commands.choices)
    assert cli.main(["latex", "2*z + 3", "--base", "Normal(0, 1)"]) == 0
    assert capsys.readouterr().out.startswith(r"\begin{align*}")
