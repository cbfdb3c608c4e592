"""Named-family recognition: exact parameters, most specific names, scipy twins.

Each case produces a family by a route other than the obvious one where possible (a
Weibull from a power of an exponential, a Lévy from 1/z² of a normal, …). The oracle for
the densities is scipy.stats (never symflow's own formulas): the recognised family's
frozen scipy distribution must agree with the flow's derived density.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.errors import ParameterError
from symflow.stats.family import FAMILIES, Family, recognise

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
R = sp.Rational
half = R(1, 2)


def flow(base, *exprs):
    return sf.Flow(base, [sf.Transform(e, z) for e in exprs])


# id -> (base, transforms, expected name, expected exact params, independent scipy oracle)
CASES = {
    "normal-affine": (
        sf.Normal(0, 1),
        [2 * z + 3],
        "Normal",
        {"mu": 3, "sigma": 2},
        stats.norm(3, 2),
    ),
    "lognormal-exp": (
        sf.Normal(0, 1),
        [sp.exp(z)],
        "LogNormal",
        {"mu": 0, "sigma": 1},
        stats.lognorm(1),
    ),
    "exponential-neglog-uniform": (
        sf.Uniform(0, 1),
        [-sp.log(z)],
        "Exponential",
        {"rate": 1},
        stats.expon(),
    ),
    "chisquared-square": (sf.Normal(0, 1), [z**2], "ChiSquared", {"k": 1}, stats.chi2(1)),
    "chisquared3-scaled-gamma": (
        sf.Gamma(R(3, 2), 1),
        [2 * z],
        "ChiSquared",
        {"k": 3},
        stats.chi2(3),
    ),
    "gamma-scaled": (
        sf.Gamma(3, 2),
        [5 * z],
        "Gamma",
        {"shape": 3, "rate": R(2, 5)},
        stats.gamma(3, scale=2.5),
    ),
    "weibull-power-of-exponential": (
        sf.Exponential(1),
        [2 * z ** R(1, 3)],
        "Weibull",
        {"k": 3, "lambda": 2},
        stats.weibull_min(3, scale=2),
    ),
    "pareto-exp-of-exponential": (
        sf.Exponential(2),
        [3 * sp.exp(z)],
        "Pareto",
        {"alpha": 2, "x_m": 3},
        stats.pareto(2, scale=3),
    ),
    "rayleigh-sqrt-of-exponential": (
        sf.Exponential(1),
        [2 * sp.sqrt(z)],
        "Rayleigh",
        {"sigma": sp.sqrt(2)},
        stats.rayleigh(scale=np.sqrt(2)),
    ),
    "gumbel-neglog-of-exponential": (
        sf.Exponential(1),
        [1 - 2 * sp.log(z)],
        "Gumbel",
        {"mu": 1, "beta": 2},
        stats.gumbel_r(1, 2),
    ),
    "gumbelmin-log-of-exponential": (
        sf.Exponential(1),
        [sp.log(z)],
        "GumbelMin",
        {"mu": 0, "beta": 1},
        stats.gumbel_l(),
    ),
    "levy-inverse-square-of-normal": (
        sf.Normal(0, 1),
        [1 / z**2],
        "Levy",
        {"mu": 0, "c": 1},
        stats.levy(),
    ),
    "inversegamma-reciprocal-of-gamma": (
        sf.Gamma(3, 2),
        [1 / z],
        "InverseGamma",
        {"alpha": 3, "beta": 2},
        stats.invgamma(3, scale=2),
    ),
    "halfnormal-abs-of-normal": (
        sf.Normal(0, 3),
        [sp.Abs(z)],
        "HalfNormal",
        {"sigma": 3},
        stats.halfnorm(scale=3),
    ),
    "chi-sqrt-of-gamma": (
        sf.Gamma(2, half),
        [sp.sqrt(z)],
        "Chi",
        {"k": 4, "sigma": 1},
        stats.chi(4),
    ),
    "logistic-logit-of-uniform": (
        sf.Uniform(0, 1),
        [sp.log(z / (1 - z))],
        "Logistic",
        {"mu": 0, "s": 1},
        stats.logistic(),
    ),
    "logistic-affine": (
        sf.Logistic(0, 1),
        [2 * z + 1],
        "Logistic",
        {"mu": 1, "s": 2},
        stats.logistic(1, 2),
    ),
    "cauchy-tan-of-uniform": (
        sf.Uniform(0, 1),
        [sp.tan(sp.pi * (z - half))],
        "Cauchy",
        {"x0": 0, "gamma": 1},
        stats.cauchy(),
    ),
    "cauchy-reciprocal-of-cauchy": (
        sf.Cauchy(1, 1),
        [1 / z],
        "Cauchy",
        {"x0": half, "gamma": half},
        stats.cauchy(0.5, 0.5),
    ),
    "beta-square-of-symmetric-uniform": (
        sf.Uniform(-1, 1),
        [z**2],
        "Beta",
        {"a": half, "b": 1},
        stats.beta(0.5, 1),
    ),
    "beta-scaled": (
        sf.Beta(2, 3),
        [4 * z - 1],
        "Beta",
        {"a": 2, "b": 3, "loc": -1, "scale": 4},
        stats.beta(2, 3, loc=-1, scale=4),
    ),
    "arcsine-cos-of-uniform": (
        sf.Uniform(0, 2 * sp.pi),
        [sp.cos(z)],
        "Arcsine",
        {"loc": -1, "scale": 2},
        stats.arcsine(loc=-1, scale=2),
    ),
    # families named after the forms textbooks give them, each in several spellings
    "f-square-of-t5": (sf.StudentT(5), [z**2], "F", {"d1": 1, "d2": 5}, stats.f(1, 5)),
    "f-abs-squared-of-t5": (
        sf.StudentT(5),
        [sp.Abs(z), z**2],
        "F",
        {"d1": 1, "d2": 5},
        stats.f(1, 5),
    ),
    "f-product-of-t5": (sf.StudentT(5), [z * z], "F", {"d1": 1, "d2": 5}, stats.f(1, 5)),
    "fisk-exp-of-logistic": (sf.Logistic(0, 1), [sp.exp(z)], "Fisk", {"c": 1}, stats.fisk(1)),
    "fisk-reciprocal-exp-of-logistic": (
        sf.Logistic(0, 1),
        [1 / sp.exp(-z)],
        "Fisk",
        {"c": 1},
        stats.fisk(1),
    ),
    "fisk-exp-of-scaled-logistic": (
        sf.Logistic(1, half),
        [sp.exp(z)],
        "Fisk",
        {"c": 2, "scale": sp.E},
        stats.fisk(2, scale=np.e),
    ),
    "fisk-exp-of-narrow-logistic": (
        sf.Logistic(0, R(1, 3)),
        [sp.exp(z)],
        "Fisk",
        {"c": 3},
        stats.fisk(3),
    ),
    "loguniform-exp-of-uniform": (
        sf.Uniform(0, 1),
        [sp.exp(z)],
        "LogUniform",
        {"a": 1, "b": sp.E},
        stats.loguniform(1, np.e),
    ),
    "loguniform-power-of-uniform": (
        sf.Uniform(0, 2),
        [10**z],
        "LogUniform",
        {"a": 1, "b": 100},
        stats.loguniform(1, 100),
    ),
    "loglaplace-exp-of-laplace": (
        sf.Laplace(0, 1),
        [sp.exp(z)],
        "LogLaplace",
        {"c": 1},
        stats.loglaplace(1),
    ),
    "loglaplace-exp-of-scaled-laplace": (
        sf.Laplace(1, half),
        [sp.exp(z)],
        "LogLaplace",
        {"c": 2, "scale": sp.E},
        stats.loglaplace(2, scale=np.e),
    ),
    "arcsine-sin-squared-of-uniform": (
        sf.Uniform(0, sp.pi),
        [sp.sin(z / 2) ** 2],
        "Arcsine",
        {},
        stats.arcsine(),
    ),
    "arcsine-half-cosine": (
        sf.Uniform(0, sp.pi),
        [(1 - sp.cos(z)) / 2],
        "Arcsine",
        {},
        stats.arcsine(),
    ),
    "betaprime-odds-of-beta": (
        sf.Beta(2, 3),
        [z / (1 - z)],
        "BetaPrime",
        {"a": 2, "b": 3},
        stats.betaprime(2, 3),
    ),
    "betaprime-odds-minus-one": (
        sf.Beta(2, 3),
        [1 / (1 - z) - 1],
        "BetaPrime",
        {"a": 2, "b": 3},
        stats.betaprime(2, 3),
    ),
    "frechet-reciprocal-of-exponential-root": (
        sf.Exponential(1),
        [z ** -R(1, 2)],
        "Frechet",
        {"c": 2},
        stats.invweibull(2),
    ),
    "halfcauchy-abs-of-cauchy": (
        sf.Cauchy(0, 1),
        [sp.Abs(z)],
        "HalfCauchy",
        {},
        stats.halfcauchy(),
    ),
    "maxwell-chi-three": (
        sf.Gamma(R(3, 2), 1),
        [sp.sqrt(2 * z)],
        "Maxwell",
        {"sigma": 1},
        stats.maxwell(),
    ),
    "halflogistic-abs-of-logistic": (
        sf.Logistic(0, 1),
        [sp.Abs(z)],
        "HalfLogistic",
        {},
        stats.halflogistic(),
    ),
    "gompertz-log1p-of-exponential": (
        sf.Exponential(1),
        [sp.log(1 + z)],
        "Gompertz",
        {"c": 1},
        stats.gompertz(1),
    ),
    "gompertz-scaled": (
        sf.Exponential(2),
        [3 * sp.log(1 + z)],
        "Gompertz",
        {"c": 2, "scale": 3},
        stats.gompertz(2, scale=3),
    ),
    "uniform-exp-of-exponential": (
        sf.Exponential(1),
        [sp.exp(-z)],
        "Uniform",
        {"a": 0, "b": 1},
        stats.uniform(),
    ),
    "studentt-affine": (
        sf.StudentT(3),
        [2 * z + 1],
        "StudentT",
        {"nu": 3, "mu": 1, "sigma": 2},
        stats.t(3, 1, 2),
    ),
    "laplace-affine": (
        sf.Laplace(0, 1),
        [2 * z + 1],
        "Laplace",
        {"mu": 1, "b": 2},
        stats.laplace(1, 2),
    ),
    "exponential-shifted": (
        sf.Exponential(1),
        [z + 1],
        "Exponential",
        {"rate": 1, "loc": 1},
        stats.expon(loc=1),
    ),
    "lognormal-chain": (
        sf.Normal(0, 1),
        [z / 2 + 1, sp.exp(z), 2 * z + 1],
        "LogNormal",
        {"mu": 1 + sp.log(2), "sigma": half, "loc": 1},
        stats.lognorm(0.5, loc=1, scale=2 * np.e),
    ),
}

# most specific name wins: (id, base, transforms, expected name)
SPECIFIC = {
    "exponential-not-gamma": (sf.Gamma(1, 3), [z], "Exponential"),
    "chisquared-not-gamma": (sf.Gamma(half, half), [z], "ChiSquared"),
    "cauchy-not-studentt": (sf.StudentT(1), [3 * z], "Cauchy"),
    "uniform-not-beta": (sf.Beta(1, 1), [z], "Uniform"),
    "rayleigh-not-weibull": (sf.Exponential(half), [sp.sqrt(z)], "Rayleigh"),
    "levy-not-inversegamma": (sf.Gamma(half, 2), [1 / z], "Levy"),
    "halfnormal-not-chi": (sf.Normal(0, 1), [sp.Abs(2 * z)], "HalfNormal"),
}

NOT_NAMED = {
    "sinh-of-normal": (sf.Normal(0, 1), [sp.sinh(z)]),
    "square-of-shifted-normal": (sf.Normal(1, 1), [z**2]),
    "square-of-uniform-piecewise": (sf.Uniform(-1, 2), [z**2]),
    "cube-of-normal": (sf.Normal(0, 1), [z**3]),
    "asinh-of-normal": (sf.Normal(0, 1), [sp.asinh(z)]),
}


_BUILT: dict[str, sf.Flow] = {}


def built(case: str) -> sf.Flow:
    """The flow of CASES[case], built once per session."""
    if case not in _BUILT:
        base, exprs = CASES[case][:2]
        _BUILT[case] = flow(base, *exprs)
    return _BUILT[case]


def _params_equal(found: dict, expected: dict) -> bool:
    if found.keys() != expected.keys():
        return False
    return all(sp.simplify(found[k] - sp.sympify(v)) == 0 for k, v in expected.items())


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_family_and_exact_parameters(case):
    _, _, name, params, _ = CASES[case]
    family = recognise(built(case))
    assert family is not None, f"{case}: no family recognised"
    assert family.name == name
    assert _params_equal(family.params, params), family.params


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_scipy_twin_matches_the_derived_density_and_the_oracle(case):
    """family.scipy agrees with the flow's symbolic density and with an independent oracle."""
    oracle = CASES[case][4]
    X = built(case)
    family = X.family()
    points = oracle.ppf(np.linspace(0.01, 0.99, 100))
    log_density = sp.lambdify(x, X.log_density(x), modules=["numpy", "scipy"])
    with np.errstate(all="ignore"):
        derived = np.asarray(log_density(points), dtype=float)
    np.testing.assert_allclose(family.scipy.logpdf(points), oracle.logpdf(points), rtol=1e-9)
    np.testing.assert_allclose(derived, oracle.logpdf(points), rtol=1e-8, atol=1e-10)


REPORTED_CASES = {
    "normal-2z+3": ("Normal", {"mu": 3, "sigma": 2}),
    "normal-exp": ("LogNormal", {"mu": 0, "sigma": 1}),
    "uniform-neglog": ("Exponential", {"rate": 1}),
    "normal-square": ("ChiSquared", {"k": 1}),
}


@pytest.mark.parametrize("name", list(REPORTED_CASES), ids=list(REPORTED_CASES))
def test_issue_cases_agree_with_compiled_log_prob(flows, name):
    """The issue's four cases, against the compiled kernel at 100 points."""
    expected_name, params = REPORTED_CASES[name]
    X = flows.flow(name)
    family = X.family()
    assert family.name == expected_name and _params_equal(family.params, params)
    points = family.scipy.ppf(np.linspace(0.005, 0.995, 100))
    np.testing.assert_allclose(
        flows.kernels(name).log_prob(points), family.scipy.logpdf(points), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize("case", list(SPECIFIC), ids=list(SPECIFIC))
def test_most_specific_name(case):
    base, exprs, name = SPECIFIC[case]
    assert recognise(flow(base, *exprs)).name == name


@pytest.mark.parametrize("case", list(NOT_NAMED), ids=list(NOT_NAMED))
def test_not_a_named_family(case):
    base, exprs = NOT_NAMED[case]
    assert recognise(flow(base, *exprs)) is None


def test_sinh_of_normal_is_not_named(flows):
    assert flows.flow("normal-sinh").family() is None


def test_implicit_inverse_is_not_named(flows):
    assert flows.flow("normal-z+sin/2").family() is None


def test_symbolic_parameters_stay_symbolic():
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    family = flow(sf.Normal(0, 1), sp.exp(sigma * z + mu)).family()
    assert family == Family("LogNormal", {"mu": mu, "sigma": sigma})
    assert repr(family) == "LogNormal(mu=mu, sigma=sigma)"
    assert family.latex() == r"\mathrm{LogNormal}(\mu = \mu, \sigma = \sigma)"


def test_symbolic_weibull_from_a_power_of_an_exponential():
    k, lam = sp.symbols("k lambda", positive=True)
    family = flow(sf.Exponential(1), lam * z ** (1 / k)).family()
    assert family.name == "Weibull"
    assert _params_equal(family.params, {"k": k, "lambda": lam})


def test_symbolic_normal_from_an_affine_map():
    mu = sp.Symbol("mu", real=True)
    s = sp.Symbol("s", positive=True)
    family = flow(sf.Normal(0, 1), s * z + mu).family()
    assert family.name == "Normal" and _params_equal(family.params, {"mu": mu, "sigma": s})


def test_scipy_of_symbolic_family_asks_for_values():
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    family = flow(sf.Normal(0, 1), sp.exp(sigma * z + mu)).family()
    with pytest.raises(ParameterError, match=r"symbolic parameters \(mu, sigma\).*freeze"):
        family.scipy  # noqa: B018
    frozen = family.freeze(mu=0.5, sigma=0.25)
    grid = np.linspace(0.5, 4.0, 9)
    np.testing.assert_allclose(
        frozen.pdf(grid), stats.lognorm(0.25, scale=np.exp(0.5)).pdf(grid), rtol=1e-12
    )


def test_subs_and_freeze_refuse_unknown_names():
    sigma = sp.Symbol("sigma", positive=True)
    family = Family("HalfNormal", {"sigma": sigma})
    with pytest.raises(ParameterError, match="no free parameter 'tau'.*sigma"):
        family.freeze(tau=1.0)


def test_unknown_family_name():
    with pytest.raises(ParameterError, match="Unknown family 'Banana'"):
        Family("Banana", {})


def test_latex_and_repr():
    family = Family("LogNormal", {"mu": 0, "sigma": 1})
    assert repr(family) == "LogNormal(mu=0, sigma=1)"
    assert family.latex() == r"\mathrm{LogNormal}(\mu = 0, \sigma = 1)"
    assert Family("Levy", {"mu": 0, "c": 1}).latex() == r"\mathrm{L\acute{e}vy}(\mu = 0, c = 1)"
    assert Family("ChiSquared", {"k": 1}).latex() == r"\chi^2(k = 1)"
    assert family._repr_latex_() == f"${family.latex()}$"


def test_family_list_covers_the_issue():
    wanted = {
        "Normal",
        "LogNormal",
        "Exponential",
        "Gamma",
        "ChiSquared",
        "Beta",
        "Uniform",
        "Cauchy",
        "Logistic",
        "Laplace",
        "Weibull",
        "Pareto",
        "Rayleigh",
        "Gumbel",
        "HalfNormal",
        "InverseGamma",
        "Levy",
        "StudentT",
        "MultivariateNormal",
    }
    assert wanted <= set(FAMILIES)


def test_multivariate_normal_from_a_linear_map():
    z1, z2 = sp.symbols("z1 z2", real=True)
    X = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([2 * z1 + z2 + 1, 3 * z2 - 2], [z1, z2])],
    )
    family = X.family()
    A = sp.Matrix([[2, 1], [0, 3]])
    assert family.name == "MultivariateNormal"
    assert family.params["mean"] == sp.Matrix([1, -2])
    assert family.params["cov"] == A * A.T
    oracle = stats.multivariate_normal([1, -2], np.array([[5.0, 3.0], [3.0, 9.0]]))
    points = oracle.rvs(100, random_state=np.random.default_rng(0))
    np.testing.assert_allclose(family.scipy.logpdf(points), oracle.logpdf(points), rtol=1e-12)
    np.testing.assert_allclose(X.compile().log_prob(points), oracle.logpdf(points), rtol=1e-9)


def test_nonlinear_2d_map_is_not_named():
    z1, z2 = sp.symbols("z1 z2", real=True)
    X = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([z1, z2 + z1**2], [z1, z2])],
    )
    assert X.family() is None


def test_recognition_skips_a_scale_too_large_to_write_exactly() -> None:
    # x = z**(10**100) of a normal looks like a Weibull whose scale (1/2)**(2*10**100)
    # has more digits than any float: no family, and no attempt to expand the power
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z ** (10**100), z)])
    assert X.family() is None
