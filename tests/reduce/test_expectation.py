"""Expectations of flows against scipy.stats means, variances and entropies."""

import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.core.expectation import UndefinedExpectationError

Z, Z1, Z2 = sp.symbols("z z1 z2", real=True)
X = sp.Symbol("x", real=True)


def test_lognormal_mean_is_exact():
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(Z), Z)])
    assert flow.mean() == sp.exp(sp.Rational(1, 2))
    detail = flow.expectation(X**2, detail=True)
    assert detail.method == "exact" and detail.value == sp.exp(2)
    assert float(flow.variance()) == pytest.approx(stats.lognorm(1).var(), rel=1e-12)


def test_h_given_as_text_is_parsed_safely():
    # sympify would run the text as Python: "__import__('os').getcwd()" returned a str
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(Z), Z)])
    assert flow.expectation("x**2") == sp.exp(2)
    with pytest.raises(sf.SymflowError, match="not allowed"):
        flow.expectation("__import__('os').getcwd()")
    with pytest.raises(sf.ParameterError, match="SymPy expression in x"):
        flow.expectation([1])


def test_triangular_moments_and_entropy(reduced):
    flow = sf.Flow(
        sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)), [sf.Transform(Z1 + Z2, [Z1, Z2])]
    )
    oracle = stats.triang(0.5, 0, 2)
    assert flow.mean() == 1
    assert flow.variance() == sp.Rational(1, 6)
    assert float(flow.entropy()) == pytest.approx(oracle.entropy(), rel=1e-10)
    assert float(flow.median()) == pytest.approx(1.0, rel=1e-10)


def test_infinite_and_undefined(reduced):
    pareto = sf.Flow(sf.Uniform(0, 1), [sf.Transform(1 / Z, Z)])  # Pareto(1)
    assert pareto.mean() == sp.oo
    cauchy = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.Transform(Z1 / Z2, [Z1, Z2])]
    )
    with pytest.raises(UndefinedExpectationError, match="undefined"):
        cauchy.mean()


def test_compiled_gamma_sum_mean(gamma_sum):
    assert float(gamma_sum.mean()) == pytest.approx(0.5 + 0.75, rel=1e-9)


@pytest.mark.parametrize(
    ("base", "expr", "oracle"),
    [
        (sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)), Z1 + Z2, stats.triang(0.5, 0, 2)),
        (sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), Z1 / Z2, stats.cauchy()),
        (sf.Independent(sf.Exponential(1), sf.Exponential(1)), Z1 - Z2, stats.laplace()),
    ],
    ids=["triangular", "cauchy", "laplace"],
)
def test_cdf_of_a_reduction(reduced, base, expr, oracle):
    F = reduced(base, expr).cdf(X)
    for v in (-1.5, 0.3, 1.2, 2.5):
        got = float(F.subs(X, sp.Rational(repr(v))).evalf(30))
        assert got == pytest.approx(oracle.cdf(v), rel=1e-12, abs=1e-300)
