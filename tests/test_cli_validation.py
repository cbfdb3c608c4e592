"""Bad command-line input gets one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import os
import shutil

import pytest

from symflow.cli import main

NORMAL = ("--base", "Normal(0, 1)")


def run(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    err = capsys.readouterr().err
    return status, err


def assert_refused(status: int, err: str, words: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and err.startswith("symflow: error: "), err
    assert words in err, err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--dpi", "0"], "--dpi: expected a resolution from 10 to 1200, got 0"),
        (["--dpi", "nan"], "got nan"),
        (["--dpi", "1e6"], "got 1e6"),
        (["--seed", "-1"], "--seed: expected an integer >= 0, got -1"),
        (["--n", "0"], "--n: expected a positive integer, got 0"),
    ],
    ids=["dpi-0", "dpi-nan", "dpi-1e6", "seed-negative", "n-zero"],
)
def test_plot_options_out_of_range(capsys, tmp_path, argv, words):
    out = str(tmp_path / "a.png")
    assert_refused(*run(capsys, "plot", "exp(z)", *NORMAL, "-o", out, *argv), words)
    assert not os.path.exists(out)


@pytest.mark.parametrize("command", ["plot", "handout"])
def test_an_output_path_that_is_a_folder(capsys, tmp_path, command):
    folder = tmp_path / ("out.png" if command == "plot" else "out.pdf")
    folder.mkdir()
    status, err = run(capsys, command, "exp(z)", *NORMAL, "-o", str(folder), "--n", "1000")
    assert_refused(status, err, "it is a folder")


@pytest.mark.parametrize(
    ("expr", "param", "value", "words"),
    [
        ("exp(a*z)", "a:positive", "a=1e308", "overflow double precision"),
        ("exp(a*z)", "a:positive", "a=-1", "a is declared positive; its value must be too"),
        ("exp(a*z)", "a:positive", "a=inf", "the value must be a finite number"),
    ],
    ids=["huge", "wrong-sign", "infinite"],
)
def test_set_values_that_cannot_be_drawn(capsys, tmp_path, expr, param, value, words):
    argv = ["plot", expr, *NORMAL, "--param", param, "--set", value, "--n", "1000"]
    assert_refused(*run(capsys, *argv, "-o", str(tmp_path / "a.png")), words)


def test_a_constant_beyond_double_precision(capsys):
    tower = "exp(exp(exp(exp(exp(exp(1000))))))*z"
    status, err = run(capsys, "derive", tower, *NORMAL)
    assert_refused(status, err, "is too large for double precision")
    status, err = run(capsys, "latex", "exp(1000)*z", *NORMAL)
    assert_refused(status, err, "the constant exp(1000) is too large")


@pytest.mark.parametrize(("title", "words"), [("A\x07B", "control character U+0007")], ids=["bell"])
def test_a_handout_title_that_cannot_be_typeset(capsys, tmp_path, title, words):
    status, err = run(
        capsys, "handout", "exp(z)", *NORMAL, "-o", str(tmp_path / "h.pdf"), "--title", title
    )
    assert_refused(status, err, words)


def test_a_non_greek_unicode_name_is_refused_before_pdflatex(tmp_path):
    import sympy as sp

    import symflow as sf
    from symflow.errors import ParameterError
    from symflow.present.handout import handout_source

    z = sp.Symbol("z", real=True)
    zh = sp.Symbol("ж", positive=True)
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(zh * z, z)])
    with pytest.raises(ParameterError, match=r"cannot typeset the character 'ж' \(U\+0436"):
        handout_source(flow)


@pytest.mark.skipif(
    shutil.which("pdflatex") is None and not os.environ.get("CI"), reason="needs pdflatex"
)
def test_a_handout_with_a_greek_parameter_and_a_title_on_several_lines(capsys, tmp_path):
    out = tmp_path / "h.pdf"
    status = main(
        [
            "handout",
            "σ*z",
            *NORMAL,
            "--param",
            "σ:positive",
            "--set",
            "σ=2",
            "-o",
            str(out),
            "--n",
            "2000",
            "--title",
            "Scaling\n\n  a normal\tvariable",
        ]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert out.read_bytes().startswith(b"%PDF")
