"""Tests of the ``symflow`` command line, mostly in-process through ``main``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import symflow as sf
from symflow.cli import main

REPO = Path(__file__).resolve().parents[1]
z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_subprocess(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "symflow.cli", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# -- success --------------------------------------------------------------------------


def test_derive_lognormal(capsys) -> None:
    status, out, err = run(capsys, "derive", "exp(z)", "--base", "Normal(0, 1)", "--no-check")
    assert status == 0, err
    assert err == ""
    assert "z ~ Normal(0, 1)" in out
    assert "x = exp(z)" in out
    assert "Support: (0, ∞)" in out
    assert "0 < x" in out or "x > 0" in out
    assert r"\frac{\sqrt{2}" in out and r"\log{\left(x \right)}" in out  # the LaTeX
    assert "Check" not in out


def test_latex_only_prints_the_library_latex(capsys) -> None:
    status, out, err = run(capsys, "derive", "exp(z)", "--base", "Normal(0,1)", "--latex-only")
    assert status == 0, err
    density = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).density(x)
    assert out == sp.latex(density) + "\n"


def test_chain_is_applied_left_to_right(capsys) -> None:
    status, out, err = run(
        capsys, "derive", "exp(z)", "2*z + 1", "--base", "Normal(0, 1)", "--no-check"
    )
    assert status == 0, err
    assert "f1(z) = exp(z)" in out
    assert "f2(z) = 2*z + 1" in out
    assert "x = f2(f1(z))" in out
    assert "Support: (1, ∞)" in out  # 2*exp(z) + 1 > 1; the other order would give (0, ∞)


def test_expression_starting_with_minus(capsys) -> None:
    status, out, err = run(capsys, "derive", "-log(z)", "--base", "Uniform(0, 1)", "--latex-only")
    assert status == 0, err
    assert out.strip() == sp.latex(sp.Piecewise((sp.exp(-x), x > 0), (0, True)))


def test_other_variable_and_case_insensitive_distribution(capsys) -> None:
    status, out, err = run(
        capsys, "derive", "u^3", "--var", "u", "--base", "normal(0, 1)", "--no-check"
    )
    assert status == 0, err
    assert "u ~ Normal(0, 1)" in out
    assert "x = u**3" in out


def test_parameters_skip_the_check(capsys) -> None:
    status, out, err = run(
        capsys,
        "derive",
        "sigma*z + mu",
        "--base",
        "Normal(0, 1)",
        "--param",
        "mu",
        "--param",
        "sigma:positive",
    )
    assert status == 0, err
    assert "skipped" in out and "mu, sigma" in out
    assert "σ" in out  # pretty-printed with the parameter


def test_check_runs_and_passes(capsys) -> None:
    status, out, err = run(
        capsys, "derive", "z^2", "--base", "Normal(0, 1)", "--n", "20000", "--seed", "1"
    )
    assert status == 0, err
    assert "Support: (0, ∞)" in out
    assert "20,000" in out or "20000" in out  # the report states its sample size


def test_failed_check_exits_1_with_one_line(capsys, monkeypatch) -> None:
    class Failed:
        passed = False
        inconclusive = False
        pvalue = 1e-9
        findings = ("the density is wrong beyond x ≈ 6e+08",)

        def __str__(self) -> str:
            return "check: FAILED"

    monkeypatch.setattr(sf.Flow, "check", lambda self, n, seed: Failed())
    status, out, err = run(capsys, "derive", "exp(z)", "--base", "Normal(0, 1)")
    assert status == 1
    assert "check: FAILED" in out
    assert err.count("\n") == 1
    assert err.startswith("symflow: error: the check failed: the density is wrong beyond x ≈ 6e+08")


def test_inconclusive_check_says_why(capsys) -> None:
    # z**(10**6) on U(0, 1): x > 1e-308 with probability 1 - exp(-709/10**6) ≈ 7e-4
    status, _, err = run(
        capsys, "derive", "z^(10^6)", "--base", "Uniform(0, 1)", "--n", "20000", "--seed", "0"
    )
    assert status == 1
    assert err.startswith(
        "symflow: error: the check is inconclusive: 14 of 20,000 samples land strictly "
        "inside the support"
    )
    assert "about n = 1,428,572 draws would give enough" in err


def test_help_shows_examples(capsys) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert "examples:" in out and 'symflow derive "exp(z)"' in out
    status, out, _ = run(capsys, "derive", "--help")
    assert status == 0
    assert "examples:" in out and "--base DIST" in out and "--param" in out


def test_version(capsys) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.strip() == f"symflow {sf.__version__}"


# -- errors ---------------------------------------------------------------------------

ERRORS = [
    (
        "unknown-distribution",
        ["derive", "exp(z)", "--base", "Foo(0, 1)"],
        r"unknown distribution 'Foo'; known distributions: Normal\(mu, sigma\), Uniform",
    ),
    (
        "too-many-args",
        ["derive", "exp(z)", "--base", "Normal(0, 1, 2)"],
        r"Normal takes 2 parameters",
    ),
    (
        "too-many-args-defaults",
        ["derive", "exp(z)", "--base", "StudentT(1, 2, 3, 4)"],
        r"wrong number of parameters for StudentT: got 4 .*StudentT\(nu, mu=0, sigma=1\)",
    ),
    (
        "bare-distribution",
        ["derive", "exp(z)", "--base", "Normal"],
        r"'Normal' is a name, not a distribution call",
    ),
    (
        "bad-parameter-value",
        ["derive", "exp(z)", "--base", "Normal(0, -1)"],
        r"sigma must be positive",
    ),
    (
        "undeclared-symbol",
        ["derive", "y + z", "--base", "Normal(0, 1)"],
        r"unknown name 'y' at column 1",
    ),
    (
        "undeclared-in-base",
        ["derive", "z", "--base", "Normal(mu, 1)"],
        r"unknown name 'mu' at column 8",
    ),
    (
        "log-on-normal",
        ["derive", "log(z)", "--base", "Normal(0, 1)"],
        r"log\(z\) is undefined .* z in \(-oo, 0\]",
    ),
    (
        "unknown-function",
        ["derive", "foo(z)", "--base", "Normal(0, 1)"],
        r"unknown function 'foo'",
    ),
    ("missing-base", ["derive", "exp(z)"], r"required: --base; see 'symflow derive --help'"),
    (
        "bad-n",
        ["derive", "exp(z)", "--base", "Normal(0, 1)", "--n", "0"],
        r"argument --n: expected a positive integer",
    ),
    (
        "param-clash",
        ["derive", "z", "--base", "Normal(0, 1)", "--param", "z"],
        r"'z' is already used by the variable",
    ),
    (
        "param-bad-assumption",
        ["derive", "a*z", "--base", "Normal(0, 1)", "--param", "a:large"],
        r"unknown assumption 'large'",
    ),
    ("unknown-command", ["frob"], r"invalid choice: 'frob'"),
    ("no-command", [], r"required: COMMAND"),
]


@pytest.mark.parametrize(("argv", "match"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_error_is_one_line_with_status_2(capsys, argv: list[str], match: str) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("symflow: error: ")
    assert "Traceback" not in err
    assert re.search(match, err), err


def test_injection_in_a_subprocess_evaluates_nothing(tmp_path: Path) -> None:
    payloads = [
        "__import__('os').system('touch PWNED')",
        f"__import__('pathlib').Path('{tmp_path / 'PWNED'}').touch()",
    ]
    for payload in payloads:
        result = run_subprocess(tmp_path, "derive", payload, "--base", "Normal(0,1)")
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("symflow: error: ")
        assert not (tmp_path / "PWNED").exists()
    result = run_subprocess(
        tmp_path, "derive", "z", "--base", "__import__('os').system('touch PWNED')"
    )
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "PWNED").exists()


def test_import_is_light(tmp_path: Path) -> None:
    code = (
        "import sys, symflow.cli\n"
        "heavy = [m for m in ('numba', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
