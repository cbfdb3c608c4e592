"""The inverse-CDF method and the probability integral transform, family by family.

X = F⁻¹(U) with U ~ U(0, 1) must have the density of scipy.stats' distribution with
quantile F⁻¹ (at the bulk, in the tails and within 1e-12 of finite support edges; −inf
outside); U = F(X) must be uniform on (0, 1). Oracle: scipy.stats (and a textbook formula
for the Kumaraswamy distribution, which SciPy lacks).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

u = sp.Symbol("u", real=True)
z = sp.Symbol("z", real=True)


class _Kumaraswamy:
    """Kumaraswamy(a, b): p(x) = a·b·x^(a−1)·(1 − x^a)^(b−1) on (0, 1)."""

    a, b = 2.0, 3.0

    def logpdf(self, x):
        a, b = self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = (x > 0) & (x < 1)
            value = np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-(x**a))
        return np.where(inside, value, -np.inf)

    def ppf(self, q):
        return (1 - (1 - q) ** (1 / self.b)) ** (1 / self.a)


class _Levy:
    """Lévy(0, 1): log p(x) = −log(2π)/2 − (3/2)·log x − 1/(2x) on (0, ∞), written by hand
    (scipy.stats.levy.logpdf is −inf once exp(−1/(2x)) underflows, at x < 1.4e-3, and at
    x > 1e154, where x³ overflows)."""

    def logpdf(self, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            value = -0.5 * np.log(2 * np.pi) - 1.5 * np.log(x) - 0.5 / x
        return np.where(x > 0, value, -np.inf)

    def ppf(self, q):
        return stats.levy.ppf(q)


SQRT2_ERFINV = sp.sqrt(2) * sp.erfinv(2 * u - 1)

# id, quantile map of u, reference distribution, points outside the support
FAMILIES = [
    ("normal", SQRT2_ERFINV, stats.norm(), []),
    ("log-normal", sp.exp(SQRT2_ERFINV), stats.lognorm(1.0), [-1.0, 0.0]),
    ("levy", 1 / (2 * sp.erfcinv(u) ** 2), _Levy(), [-1.0, 0.0]),
    ("cauchy", sp.tan(sp.pi * (u - sp.Rational(1, 2))), stats.cauchy(), []),
    ("logistic", sp.log(u / (1 - u)), stats.logistic(), []),
    ("gumbel", -sp.log(-sp.log(u)), stats.gumbel_r(), []),
    ("weibull", sp.sqrt(-sp.log(1 - u)), stats.weibull_min(2.0), [-1.0, 0.0]),
    ("pareto", (1 - u) ** sp.Rational(-1, 3), stats.pareto(3.0), [0.5, 1.0]),
    ("rayleigh", sp.sqrt(-2 * sp.log(1 - u)), stats.rayleigh(), [-1.0, 0.0]),
    ("exponential", -sp.log(1 - u), stats.expon(), [-1.0, 0.0]),
    (
        "laplace",
        sp.Piecewise((sp.log(2 * u), u < sp.Rational(1, 2)), (-sp.log(2 - 2 * u), True)),
        stats.laplace(),
        [],
    ),
    (
        "kumaraswamy",
        (1 - (1 - u) ** sp.Rational(1, 3)) ** sp.Rational(1, 2),
        _Kumaraswamy(),
        [0.0, 1.0, 2.0],
    ),
]

QUANTILES = [1e-12, 1e-6, 0.1, 0.3, 0.7, 0.9, 1 - 1e-6, 1 - 1e-12]


def _edges(support: sp.Interval) -> np.ndarray:
    xs = []
    if support.inf.is_finite:
        xs.append(float(support.inf) + 1e-12 * max(1.0, abs(float(support.inf))))
    if support.sup.is_finite:
        xs.append(float(support.sup) - 1e-12 * max(1.0, abs(float(support.sup))))
    return np.array(xs)


def _close(got, want) -> None:
    err = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    assert np.all(err <= 1e-12), (got, want, err)


@pytest.fixture(scope="module", params=FAMILIES, ids=[f[0] for f in FAMILIES])
def family(request):
    name, quantile, dist, outside = request.param
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(quantile, u)])
    return name, X, X.compile(), dist, outside


def test_inverse_cdf_map_has_the_family_density(family) -> None:
    # at the Kumaraswamy map's 1e-12 quantile the log|det| term holds 1 - (1 - z)^(1/3),
    # z ~ 1e-12: the kernel takes it as -expm1(log1p(-z)/3), without cancellation
    name, X, k, dist, outside = family
    xs = dist.ppf(np.array(QUANTILES))
    _close(k.log_prob(xs), dist.logpdf(xs))
    if outside:
        assert np.all(k.log_prob(np.array(outside)) == -np.inf)


def test_inverse_cdf_map_near_support_edges(family) -> None:
    name, X, k, dist, _ = family
    xs = _edges(X.support)
    _close(k.log_prob(xs), dist.logpdf(xs))


# base, its CDF written as a transform
PITS = [
    ("normal", sf.Normal(0, 1), sp.erf(z / sp.sqrt(2)) / 2 + sp.Rational(1, 2)),
    ("exponential", sf.Exponential(1), 1 - sp.exp(-z)),
    ("cauchy", sf.Cauchy(0, 1), sp.atan(z) / sp.pi + sp.Rational(1, 2)),
    ("logistic", sf.Logistic(0, 1), 1 / (1 + sp.exp(-z))),
    ("gamma", sf.Gamma(2, 1), sp.lowergamma(2, z)),
]


@pytest.mark.parametrize(("base", "cdf"), [p[1:] for p in PITS], ids=[p[0] for p in PITS])
def test_probability_integral_transform_is_uniform(base, cdf) -> None:
    U = sf.Flow(base, [sf.Transform(cdf, z)])
    assert U.support == sp.Interval.open(0, 1)
    assert sp.simplify(U.density(u) - sp.Piecewise((1, (u > 0) & (u < 1)), (0, True))) == 0
    k = U.compile()
    inside = np.array([1e-12, 1e-6, 0.25, 0.5, 0.75, 1 - 1e-6])
    assert np.max(np.abs(k.log_prob(inside))) <= 1e-12
    assert np.all(k.log_prob(np.array([-0.5, 0.0, 1.0, 1.5])) == -np.inf)


# base, the log of its CDF as a transform: −log F(Z) ~ Exponential(1) for every continuous
# base, so log p(y) = y, F(y) = e^y and S(y) = −expm1(y) on y < 0
LOG_PITS = [
    ("normal", sf.Normal(0, 1), sp.log((1 + sp.erf(z / sp.sqrt(2))) / 2)),
    ("weibull", sf.Weibull(2, 1), sp.log(1 - sp.exp(-(z**2)))),
    ("cauchy", sf.Cauchy(0, 1), sp.log(sp.atan(z) / sp.pi + sp.Rational(1, 2))),
]


@pytest.mark.parametrize(
    ("base", "log_cdf"), [p[1:] for p in LOG_PITS], ids=[p[0] for p in LOG_PITS]
)
def test_log_of_the_probability_integral_transform(base, log_cdf) -> None:
    y = sp.Symbol("y", real=True)
    Y = sf.Flow(base, [sf.Transform(log_cdf, z)])
    assert Y.support == sp.Interval.open(-sp.oo, 0)
    for v in (-3, -sp.Rational(1, 2)):  # F_Y(y) = e^y, which decides the path's direction
        assert abs(Y.cdf(y).subs(y, v).evalf(30) - sp.exp(v).evalf(30)) < 1e-25
    k = Y.compile()
    ys = np.array([-1e-300, -1e-20, -1e-5, -0.5, -3.0, -30.0, -300.0, -700.0])
    _close(k.log_prob(ys), ys)
    np.testing.assert_allclose(k.cdf(ys), np.exp(ys), rtol=1e-12)
    np.testing.assert_allclose(k.sf(ys), -np.expm1(ys), rtol=1e-12)
