"""Teaching output a lecturer hands out unedited: wording, names, d-D supports, reprs.

Each test states what a textbook prints and checks the rendered text for it (oracles
are the hand-written forms, never symflow's own output).
"""

from __future__ import annotations

import pytest
import sympy as sp

import symflow as sf
from symflow.cli import main
from symflow.errors import ParameterError
from symflow.present.regions import coordinate_bounds, drop_known_signs

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)
x1, x2 = sp.symbols("x1 x2", real=True)


@pytest.fixture(scope="module")
def beta_gamma():
    return sf.Flow(
        sf.Independent(sf.Exponential(1), sf.Exponential(1)),
        [sf.Transform([z1 / (z1 + z2), z1 + z2], [z1, z2])],
    )


def test_derive_command_names_the_family(capsys):
    assert main(["derive", "exp(z)", "--base", "Normal(0, 1)", "--no-check"]) == 0
    assert "Named distribution: LogNormal(mu = 0, sigma = 1)" in capsys.readouterr().out


def test_kernels_repr_names_the_flow_and_the_parameters(flows):
    text = repr(flows.kernels("normal-exp"))
    assert "x = exp(z)" in text and "Normal(0, 1)" in text
    assert "log_prob(xs)" in text


def test_to_scipy_hint_shows_the_call():
    s = sp.Symbol("s", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(s * z, z)])
    with pytest.raises(ParameterError, match=r"X\.to_scipy\(s=1\.0\)"):
        X.to_scipy()


@pytest.mark.parametrize(
    ("base", "expr", "words"),
    [
        (sf.Uniform(0, 1), -sp.log(z), "|f′| = 1/z > 1 for every z ∈ (0, 1)"),
        (sf.Exponential(1), 1 - sp.exp(-z), "< 1 for every z ∈ (0, ∞)"),
    ],
    ids=["-log z on (0, 1)", "1 - exp(-z) on (0, oo)"],
)
def test_expansion_sentence_is_specific(base, expr, words):
    step = sf.Flow(base, [sf.Transform(expr, z)]).derivation().steps[3]
    assert words in step.text()
    assert "Where |f′| > 1" not in step.text()


def test_overlapping_branches_substitution_per_piece():
    d = sf.Flow(sf.Uniform(-1, 2), [sf.Transform(z**2, z)]).derivation()
    text = str(d)
    assert "Splitting the support at 0, 1, 4" in text
    latex = d.latex()
    assert r"x \in \left(0, 1\right)" in latex and r"x \in \left(1, 4\right)" in latex
    assert r"\frac{1}{3 \sqrt{x}}" in latex and r"\frac{1}{6 \sqrt{x}}" in latex


def test_textbook_forms():
    logit = sf.Flow(sf.Beta(2, 3), [sf.Transform(sp.log(z / (1 - z)), z)])
    assert logit.density(x) == 12 * sp.exp(2 * x) / (sp.exp(x) + 1) ** 5
    cauchy = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(1 / z, z)])
    assert cauchy.density(x).args[0][0] == 1 / (sp.pi * (x**2 + 1))


def test_vector_support_as_coordinate_bounds(beta_gamma):
    d = beta_gamma.derivation()
    latex, text = d.latex(), str(d)
    assert "0 < x₁ < 1, x₂ > 0" in text
    assert r"0 < x_{1} < 1, \ x_{2} > 0" in latex
    assert r"\mathbb{R}^{2}" in latex and "textasciicircum" not in latex
    (result,) = [s for s in d.steps if s.title == "Result"]
    assert result.rows[0].rhs[0][0] == x2 * sp.exp(-x2)  # no |x2|
    assert result.rows[1].rhs[0][0] == -x2 + sp.log(x2)


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        ((0 <= x2) & sp.Ne(x2, 0) & (0 <= x1 / x2) & (x1 / x2 <= 1), "0 < x₁ < x₂"),
        ((x1 > -1) & (x1 < 2) & (x2 < 0), "−1 < x₁ < 2, x₂ < 0"),
    ],
)
def test_coordinate_bounds(condition, text):
    assert coordinate_bounds(condition, [x1, x2]).text == text


def test_box_muller_support_is_the_plane_and_named():
    r = sp.sqrt(-2 * sp.log(z1))
    X = sf.Flow(
        sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)),
        [sf.Transform([r * sp.cos(2 * sp.pi * z2), r * sp.sin(2 * sp.pi * z2)], [z1, z2])],
    )
    assert coordinate_bounds(X.support, [x1, x2]).everywhere
    family = X.family()
    assert family.name == "MultivariateNormal"
    assert family.params["mean"] == sp.Matrix([0, 0])
    assert family.params["cov"] == sp.eye(2)
    assert "positive on all of" in str(X.derivation())


def test_drop_known_signs_refuses_a_wrong_sign():
    """|x2| stays when x2 changes sign on the support."""
    assert drop_known_signs(sp.Abs(x2), {x2: 1}, x2 < 0) == sp.Abs(x2)


def test_vector_flow_display_uses_the_bounds(beta_gamma):
    shown = beta_gamma._repr_latex_()
    assert r"x_{2} e^{- x_{2}}, \quad 0 < x_{1} < 1, \ x_{2} > 0" in shown
