"""Base distributions against scipy.stats: log-density, density, CDF, support, sampler."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.core.distributions import DISTRIBUTIONS, as_exact

z = sp.Symbol("z", real=True)

# id, symflow base, the same distribution in scipy.stats
CASES = [
    ("normal-0-1", lambda: sf.Normal(0, 1), stats.norm(0, 1)),
    ("normal-1-2", lambda: sf.Normal(1, 2), stats.norm(1, 2)),
    ("uniform-m1-3", lambda: sf.Uniform(-1, 3), stats.uniform(-1, 4)),
    ("uniform-0-2pi", lambda: sf.Uniform(0, 2 * sp.pi), stats.uniform(0, 2 * math.pi)),
    ("exponential-2", lambda: sf.Exponential(2), stats.expon(scale=0.5)),
    ("gamma-3-2", lambda: sf.Gamma(3, 2), stats.gamma(3, scale=0.5)),
    ("gamma-half-1", lambda: sf.Gamma(0.5, 1), stats.gamma(0.5)),
    ("beta-2-3", lambda: sf.Beta(2, 3), stats.beta(2, 3)),
    ("beta-half-half", lambda: sf.Beta(0.5, 0.5), stats.beta(0.5, 0.5)),
    ("laplace-1-2", lambda: sf.Laplace(1, 2), stats.laplace(1, 2)),
    ("logistic-1-2", lambda: sf.Logistic(1, 2), stats.logistic(1, 2)),
    ("cauchy-1-2", lambda: sf.Cauchy(1, 2), stats.cauchy(1, 2)),
    ("studentt-3", lambda: sf.StudentT(3), stats.t(3)),
    ("studentt-2.5-1-2", lambda: sf.StudentT(2.5, 1, 2), stats.t(2.5, 1, 2)),
]
IDS = [c[0] for c in CASES]


def points(ref) -> np.ndarray:
    """Quantiles from deep in the left tail to deep in the right tail."""
    qs = np.concatenate([[1e-12, 1e-8, 1e-4], np.linspace(0.01, 0.99, 41), [1 - 1e-8]])
    return ref.ppf(qs)


def evaluate(expr: sp.Expr, value: float) -> float:
    """expr at z = value, evaluated by SymPy at 30 digits."""
    out = sp.N(expr.subs(z, sp.Float(float(value), 30)), 30)
    return float(out)


@pytest.mark.parametrize(("make", "ref"), [c[1:] for c in CASES], ids=IDS)
def test_log_density_matches_scipy_logpdf(make, ref) -> None:
    log_p = sp.lambdify(z, make().log_density(z), modules="mpmath")
    with mp.workdps(30):
        got = np.array([float(log_p(mp.mpf(float(v)))) for v in points(ref)])
    np.testing.assert_allclose(got, ref.logpdf(points(ref)), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("make", "ref"), [c[1:] for c in CASES], ids=IDS)
def test_density_matches_scipy_pdf(make, ref) -> None:
    p = sp.lambdify(z, make().density(z), modules="mpmath")
    with mp.workdps(30):
        got = np.array([float(p(mp.mpf(float(v)))) for v in points(ref)])
    np.testing.assert_allclose(got, ref.pdf(points(ref)), rtol=1e-12, atol=0)


CDF_CASES = [c for c in CASES if not c[0].startswith("studentt")]


@pytest.mark.parametrize(("make", "ref"), [c[1:] for c in CDF_CASES], ids=[c[0] for c in CDF_CASES])
def test_cdf_matches_scipy_cdf(make, ref) -> None:
    cdf = make().cdf(z)
    assert cdf is not None
    xs = ref.ppf(np.linspace(0.02, 0.98, 17))
    got = np.array([evaluate(cdf, v) for v in xs])
    np.testing.assert_allclose(got, ref.cdf(xs), rtol=1e-10, atol=1e-14)


def test_student_t_has_no_closed_form_cdf() -> None:
    assert sf.StudentT(3).cdf(z) is None


SUPPORTS = [
    ("normal", sf.Normal(0, 1), sp.S.Reals),
    ("uniform", sf.Uniform(-1, 3), sp.Interval.open(-1, 3)),
    ("uniform-pi", sf.Uniform(0, 2 * sp.pi), sp.Interval.open(0, 2 * sp.pi)),
    ("exponential", sf.Exponential(2), sp.Interval.open(0, sp.oo)),
    ("gamma", sf.Gamma(3, 2), sp.Interval.open(0, sp.oo)),
    ("beta", sf.Beta(2, 3), sp.Interval.open(0, 1)),
    ("laplace", sf.Laplace(1, 2), sp.S.Reals),
    ("logistic", sf.Logistic(1, 2), sp.S.Reals),
    ("cauchy", sf.Cauchy(1, 2), sp.S.Reals),
    ("studentt", sf.StudentT(3), sp.S.Reals),
]


@pytest.mark.parametrize(
    ("base", "expected"), [c[1:] for c in SUPPORTS], ids=[c[0] for c in SUPPORTS]
)
def test_support_is_the_exact_open_set(base, expected) -> None:
    assert base.support == expected


@pytest.mark.parametrize(("make", "ref"), [c[1:] for c in CASES], ids=IDS)
def test_sampler_passes_ks_against_scipy(make, ref) -> None:
    draws = make().sample(3000, np.random.default_rng(20240601))
    assert draws.shape == (3000,)
    assert draws.dtype == np.float64
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3


def test_sampler_is_reproducible_with_the_generator_seed() -> None:
    base = sf.Gamma(2, 3)
    a = base.sample(100, np.random.default_rng(7))
    b = base.sample(100, np.random.default_rng(7))
    c = base.sample(100, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# -- parameters -------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("sigma-zero", lambda: sf.Normal(0, 0), r"sigma must be positive; got sigma = 0"),
    ("sigma-negative", lambda: sf.Normal(0, -1), r"sigma must be positive; got sigma = -1"),
    ("sigma-negative-symbol", lambda: sf.Normal(0, sp.Symbol("s", negative=True)), "positive"),
    ("uniform-a-equals-b", lambda: sf.Uniform(1, 1), r"a < b; got a = 1, b = 1"),
    ("uniform-a-above-b", lambda: sf.Uniform(2, 1), r"a < b; got a = 2, b = 1"),
    ("rate-zero", lambda: sf.Exponential(0), "rate must be positive"),
    ("gamma-shape-negative", lambda: sf.Gamma(-1, 1), "shape must be positive"),
    ("beta-b-zero", lambda: sf.Beta(1, 0), "b must be positive"),
    ("laplace-scale-negative", lambda: sf.Laplace(0, -2), "b must be positive"),
    ("cauchy-gamma-zero", lambda: sf.Cauchy(0, 0), "gamma must be positive"),
    ("studentt-nu-zero", lambda: sf.StudentT(0), "nu must be positive"),
    ("string", lambda: sf.Normal(0, "1"), r"sigma must be a number .* got '1' \(str\)"),
    ("bytes", lambda: sf.Normal(b"0", 1), r"mu must be a number"),
    ("bool", lambda: sf.Normal(0, True), r"got True \(bool\)"),
    ("nan", lambda: sf.Normal(0, float("nan")), "sigma must be finite; got nan"),
    ("inf", lambda: sf.Normal(float("inf"), 1), "mu must be finite; got inf"),
    ("numpy-nan", lambda: sf.Uniform(np.float64("nan"), 1), "a must be finite"),
    ("sympy-oo", lambda: sf.Normal(0, sp.oo), "sigma must be"),
    ("sympy-nan", lambda: sf.Normal(sp.nan, 1), "mu must be"),
    ("complex", lambda: sf.Normal(0, 1 + 2j), r"sigma must be a real number .*complex"),
    ("sympy-imaginary", lambda: sf.Normal(sp.I, 1), "mu must be real; got I"),
    ("list", lambda: sf.Normal([0], 1), "mu must be a real number"),
    ("too-few", lambda: sf.Normal(0), r"Normal takes 2 parameters \(mu, sigma\); got 1"),
    ("too-many", lambda: sf.Exponential(1, 2), r"takes 1 parameters \(rate\); got 2"),
    ("relation", lambda: sf.Normal(0, sp.Eq(z, 1)), "scalar expression"),
]


@pytest.mark.parametrize(
    ("make", "match"), [c[1:] for c in BAD_PARAMETERS], ids=[c[0] for c in BAD_PARAMETERS]
)
def test_bad_parameters_are_clear_errors(make, match) -> None:
    with pytest.raises(sf.ParameterError, match=match):
        make()


def test_parameter_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="sigma"):
        sf.Normal(0, -1)


EXACT = [
    ("half", 0.5, sp.Rational(1, 2)),
    ("tenth", 0.1, sp.Rational(1, 10)),
    ("quarter-neg", -0.25, sp.Rational(-1, 4)),
    ("int", 3, sp.Integer(3)),
    ("numpy-float", np.float64(0.75), sp.Rational(3, 4)),
    ("numpy-int", np.int64(4), sp.Integer(4)),
    ("sympy-pi", sp.pi, sp.pi),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in EXACT], ids=[c[0] for c in EXACT])
def test_numbers_become_exact(value, expected) -> None:
    got = as_exact(value, "mu")
    assert got == expected
    assert not got.has(sp.Float)


def test_float_parameters_are_stored_as_rationals() -> None:
    base = sf.Normal(0.5, 0.1)
    assert base.params == {"mu": sp.Rational(1, 2), "sigma": sp.Rational(1, 10)}
    assert base.log_density(z).atoms(sp.Float) == set()


def test_symbolic_parameters_and_sampling_with_values() -> None:
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    base = sf.Normal(mu, sigma)
    assert base.free_symbols == {mu, sigma}
    assert base.mu == mu
    draws = base.sample(4000, np.random.default_rng(3), {"mu": 5.0, "sigma": 0.5})
    assert stats.kstest(draws, stats.norm(5.0, 0.5).cdf).pvalue > 1e-3
    with pytest.raises(sf.ParameterError, match="give a value for sigma"):
        base.sample(10, np.random.default_rng(3), {"mu": 1.0})


def test_substituting_parameters_gives_the_numeric_base() -> None:
    mu = sp.Symbol("mu", real=True)
    assert sf.Normal(mu, 2).subs({mu: 1}) == sf.Normal(1, 2)


def test_identity_repr_and_registry() -> None:
    assert repr(sf.Normal(0, 1)) == "Normal(0, 1)"
    assert repr(sf.Uniform(0.5, 1)) == "Uniform(1/2, 1)"
    assert sf.Normal(0, 1) == sf.Normal(0, 1)
    assert sf.Normal(0, 1) != sf.Normal(0, 2)
    assert hash(sf.Normal(0, 1)) == hash(sf.Normal(0, 1))
    assert set(DISTRIBUTIONS) == {
        "Normal",
        "Uniform",
        "Exponential",
        "Gamma",
        "Beta",
        "Laplace",
        "Logistic",
        "Cauchy",
        "StudentT",
        "Weibull",
        "ChiSquared",
        "HalfNormal",
    }
    with pytest.raises(AttributeError):
        _ = sf.Normal(0, 1).rate
