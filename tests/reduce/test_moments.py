"""Means, variances and entropies of 20 flows against scipy.stats."""

import math

import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.core.expectation import UndefinedExpectationError

Z, Z1, Z2 = sp.symbols("z z1 z2", real=True)
N, U, E = sf.Normal(0, 1), sf.Uniform(0, 1), sf.Exponential(1)
UNDEFINED = "undefined"

# (id, flow builder, scipy oracle); every value of the oracle is compared
SCALAR = [
    ("2z+3 normal", N, 2 * Z + 3, stats.norm(3, 2)),
    ("exp normal", N, sp.exp(Z), stats.lognorm(1)),
    ("z^2 normal", N, Z**2, stats.chi2(1)),
    ("-log uniform", U, -sp.log(Z), stats.expon()),
    ("z/2 exponential", E, Z / 2, stats.expon(scale=0.5)),
    ("1/z uniform (Pareto 1)", U, 1 / Z, stats.pareto(1)),
    ("uniform 3z-1", U, 3 * Z - 1, stats.uniform(-1, 3)),
    ("sqrt exponential", E, sp.sqrt(2 * Z), stats.rayleigh()),
    ("z^(1/2) uniform", U, sp.sqrt(Z), stats.beta(2, 1)),
    ("exp(-z) exponential", E, sp.exp(-Z), stats.uniform()),
    ("tan pi(u-1/2)", U, sp.tan(sp.pi * (Z - sp.Rational(1, 2))), stats.cauchy()),
    ("1/z normal", N, 1 / Z, None),
]
REDUCED = [
    ("U+U", sf.Independent(U, U), Z1 + Z2, stats.triang(0.5, 0, 2)),
    ("N+N", sf.Independent(N, N), Z1 + Z2, stats.norm(0, math.sqrt(2))),
    ("E+E", sf.Independent(E, E), Z1 + Z2, stats.gamma(2)),
    ("N/N", sf.Independent(N, N), Z1 / Z2, stats.cauchy()),
    ("max U U", sf.Independent(U, U), sp.Max(Z1, Z2), stats.beta(2, 1)),
    ("E-E", sf.Independent(E, E), Z1 - Z2, stats.laplace()),
    (
        "Gamma ratio",
        sf.Independent(sf.Gamma(2, 1), sf.Gamma(3, 1)),
        Z1 / (Z1 + Z2),
        stats.beta(2, 3),
    ),
    ("E/E", sf.Independent(E, E), Z1 / Z2, stats.betaprime(1, 1)),
]


def _check(flow, oracle):
    mean = oracle.mean() if oracle is not None else math.nan
    if math.isnan(mean):
        with pytest.raises(UndefinedExpectationError, match="undefined"):
            flow.mean()
        return
    got = flow.mean()
    if math.isinf(mean):
        assert got == sp.oo
        assert flow.variance() == sp.oo
        return
    assert float(got) == pytest.approx(mean, rel=1e-9, abs=1e-12)
    var = oracle.var()
    got_var = flow.variance()
    if math.isinf(var):
        assert got_var == sp.oo
    else:
        assert float(got_var) == pytest.approx(var, rel=1e-8)


@pytest.mark.parametrize(
    ("base", "expr", "oracle"), [c[1:] for c in SCALAR], ids=[c[0] for c in SCALAR]
)
def test_scalar_moments(base, expr, oracle):
    _check(sf.Flow(base, [sf.Transform(expr, Z)]), oracle)


@pytest.mark.parametrize(
    ("base", "expr", "oracle"), [c[1:] for c in REDUCED], ids=[c[0] for c in REDUCED]
)
def test_reduced_moments(reduced, base, expr, oracle):
    _check(reduced(base, expr), oracle)


@pytest.mark.parametrize(
    ("base", "expr", "oracle"),
    [SCALAR[1][1:], REDUCED[0][1:], REDUCED[3][1:]],
    ids=["lognormal", "triangular", "cauchy"],
)
def test_entropy(reduced, base, expr, oracle):
    flow = reduced(base, expr) if base.dimension > 1 else sf.Flow(base, [sf.Transform(expr, Z)])
    assert float(flow.entropy()) == pytest.approx(oracle.entropy(), rel=1e-9)


def test_higher_moment_and_expectation():
    flow = sf.Flow(N, [sf.Transform(sp.exp(Z), Z)])
    assert flow.moment(3) == sp.exp(sp.Rational(9, 2))
    x = sp.Symbol("x", real=True)
    assert float(flow.expectation(sp.log(x) ** 2)) == pytest.approx(1.0, rel=1e-10)
