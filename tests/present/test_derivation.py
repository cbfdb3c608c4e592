"""Derivations: the right intermediate results, checked symbolically, and every rendering.

The expected inverses, derivatives, determinants and densities are written by hand from
the textbook formulas (not read from symflow), and compared with SymPy.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symflow as sf
from symflow.core.layer import ImplicitInverse, Layer
from symflow.present.derivation import Derivation, derive

z = sp.Symbol("z", real=True)
pi = sp.pi


def same(a, b) -> bool:
    return sp.simplify(sp.sympify(a) - sp.sympify(b)) == 0


def normal_pdf(u, mu=0, sigma=1):
    return sp.exp(-((u - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * pi))


def text_of(d: Derivation) -> str:
    return str(d)


@pytest.fixture(scope="module")
def linear(flows):
    return flows.flow("normal-2z+3").derivation()


@pytest.fixture(scope="module")
def lognormal(flows):
    return flows.flow("normal-exp").derivation()


def test_linear_intermediate_results(linear):
    x = linear.output_symbol
    (layer,) = linear.layers
    (b,) = layer.branches
    assert same(layer.forward, 2 * linear.input_symbol + 3)
    assert same(b.inverse, (x - 3) / 2)
    assert same(b.derivative, 2)
    assert same(b.abs_det, 2)
    assert same(b.inverse_derivative, sp.Rational(1, 2))
    ((density, region),) = linear.result
    assert region == sp.S.Reals
    assert same(density, normal_pdf(x, 3, 2))
    assert repr(linear.family) == "Normal(mu=3, sigma=2)"


def test_lognormal_intermediate_results(lognormal):
    x, zz = lognormal.output_symbol, lognormal.input_symbol
    (b,) = lognormal.layers[0].branches
    assert same(b.inverse, sp.log(x))
    assert same(b.derivative, sp.exp(zz))
    assert same(b.abs_det, sp.exp(zz))
    assert same(b.inverse_derivative, 1 / x)
    ((density, region),) = lognormal.result
    assert region == sp.Interval.open(0, sp.oo)
    assert same(density, normal_pdf(sp.log(x)) / x)
    assert lognormal.support == sp.Interval.open(0, sp.oo)
    assert repr(lognormal.family) == "LogNormal(mu=0, sigma=1)"


@pytest.mark.parametrize(
    ("name", "abs_det", "word", "factor"),
    [
        ("normal-2z", 2, "expansion", "divided by 2"),
        ("normal-z/2", sp.Rational(1, 2), "compression", "multiplied by 2"),
    ],
    ids=["expansion", "compression"],
)
def test_expansion_and_compression_words(flows, name, abs_det, word, factor):
    d = flows.flow(name).derivation()
    (b,) = d.layers[0].branches
    assert same(b.abs_det, abs_det)
    step = next(s for s in d.steps if s.title == "The derivative and the Jacobian")
    assert word in step.text() and factor in step.text()


def test_varying_jacobian_names_both_regions(lognormal):
    step = next(s for s in lognormal.steps if s.title == "The derivative and the Jacobian")
    text = step.text()
    assert "expansion" in text and "compression" in text
    assert "(0, ∞)" in text and "(-∞, 0)" in text


def test_square_has_two_branches(flows):
    d = flows.flow("normal-square").derivation()
    x = d.output_symbol
    branches = d.layers[0].branches
    assert len(branches) == 2
    assert {sp.simplify(b.inverse) for b in branches} == {sp.sqrt(x), -sp.sqrt(x)}
    for b in branches:
        assert same(b.inverse_derivative, 1 / (2 * sp.sqrt(x)))
    ((density, region),) = d.result
    assert region == sp.Interval.open(0, sp.oo)
    assert same(density, sp.exp(-x / 2) / sp.sqrt(2 * pi * x))
    assert d.steps[1].title == "The change-of-variables theorem"
    assert "Σ_b" in d.steps[1].text()
    assert repr(d.family) == "ChiSquared(k=1)"


def test_chain_log_likelihood_terms(flows):
    d = flows.flow("normal-chain3").derivation()
    x = d.output_symbol
    assert [layer.index for layer in d.layers] == [1, 2, 3]
    expected = [-sp.log(2), sp.log((x - 1) / 2), sp.log(2)]
    assert len(d.log_terms) == 3
    for got, want in zip(d.log_terms, expected, strict=True):
        assert same(sp.expand_log(got, force=True), sp.expand_log(want, force=True))
    ((density, region),) = d.result
    assert region == sp.Interval.open(1, sp.oo)
    y = (x - 1) / 2  # after undoing 2y + 1: a LogNormal(1, 1/2)
    assert same(density, normal_pdf(sp.log(y), 1, sp.Rational(1, 2)) / y / 2)
    titles = [s.title for s in d.steps]
    assert "The change-of-variables theorem for a chain" in titles
    assert ["Layer 1", "Layer 2", "Layer 3"] == [t for t in titles if t.startswith("Layer")]
    assert "The log-likelihood" in titles
    assert titles[-1] == "Named distribution"


def test_implicit_inverse_prints_as_f_inverse(flows):
    d = flows.flow("normal-z+sin/2").derivation()
    (b,) = d.layers[0].branches
    assert b.implicit and b.inverse.has(ImplicitInverse)
    assert r"f_1^{-1}\left(x\right)" in d.latex()
    assert "no closed-form solution" in str(d)
    assert d.family is None


def test_no_family_step_when_nothing_matches(flows):
    d = flows.flow("normal-sinh").derivation()
    assert d.family is None
    assert d.steps[-1].title == "Support"


def test_symbolic_parameters():
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    d = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)]).derivation()
    x = d.output_symbol
    (b,) = d.layers[0].branches
    assert same(b.inverse, (sp.log(x) - mu) / sigma)
    assert d.steps[-1].title == "Named distribution"
    assert "for every value of mu, sigma" in str(d)
    # |f′| = σ e^{σz + μ} depends on the parameters: the general sentence on stretching
    assert "Where |f′| > 1 the map stretches lengths (expansion)" in str(d)


def test_derivation_reads_the_layers_and_never_derives_again(flows, monkeypatch):
    X = flows.flow("normal-square")

    def refuse(*args, **kwargs):
        raise AssertionError("derive() must read flow.layers, not place transforms again")

    monkeypatch.setattr(Layer, "place", classmethod(refuse))
    monkeypatch.setattr("symflow.core.inverse.invert", refuse)
    monkeypatch.setattr("symflow.core.layer.invert", refuse)
    d = derive(X)
    assert len(d.layers[0].branches) == 2


def test_renderings(linear):
    latex = linear.latex()
    assert latex.startswith(r"\begin{align*}") and latex.endswith(r"\end{align*}")
    assert latex.count(r"\intertext{\textbf{") == len(linear.steps)
    assert latex.isascii()
    doc = linear.latex(full_document=True)
    assert doc.startswith(r"\documentclass") and r"\begin{document}" in doc
    assert doc.rstrip().endswith(r"\end{document}")
    md = linear.markdown()
    assert md.startswith("**1. Setting.**") and "$$\n\\begin{aligned}" in md
    text = str(linear)
    assert text.startswith("1. Setting.") and "p_X(x)" in text and "\\" not in text
    assert linear._repr_markdown_() == md
    assert linear._repr_latex_().startswith("$$\\begin{aligned}")
    assert repr(linear).startswith("<Derivation of Flow(Normal(0, 1), [2*z + 3])")


def test_latex_contains_the_intermediate_results(linear):
    latex = linear.latex()
    x = linear.output_symbol
    for expr in (x / 2 - sp.Rational(3, 2), sp.Rational(1, 2)):
        assert sp.latex(expr) in latex


def test_flow_jupyter_display(flows):
    X = flows.flow("normal-exp")
    latex = X._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert r"\mathrm{LogNormal}(\mu = 0, \sigma = 1)" in latex
    md = X._repr_markdown_()
    assert md.startswith("**Flow**") and latex in md


def test_display_names_follow_the_variable():
    u, x = sp.symbols("u x", real=True)
    d = sf.Flow(sf.Normal(0, 1), [sf.Transform(3 * u, u)]).derivation()
    assert (d.input_symbol.name, d.output_symbol.name) == ("u", "x")
    d = sf.Flow(sf.Normal(0, 1), [sf.Transform(3 * x, x)]).derivation()
    assert (d.input_symbol.name, d.output_symbol.name) == ("z", "x")


def test_two_dimensional_linear_map():
    z1, z2 = sp.symbols("z1 z2", real=True)
    X = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([2 * z1 + z2, 3 * z2], [z1, z2])],
    )
    d = X.derivation()
    (layer,) = d.layers
    assert layer.determinant == 6
    assert layer.jacobian == sp.Matrix([[2, 1], [0, 3]])
    x1, x2 = d.extras["outputs"]
    assert same(layer.inverse[0], x1 / 2 - x2 / 6) and same(layer.inverse[1], x2 / 3)
    assert "multiplies areas by 6 (expansion)" in str(d)
    ((density, _),) = d.result
    expected = normal_pdf(x1 / 2 - x2 / 6) * normal_pdf(x2 / 3) / 6
    assert same(density, expected)
    assert d.family is not None and d.family.name == "MultivariateNormal"
    assert d.latex().isascii()
