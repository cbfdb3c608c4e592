"""A point where two monotone pieces of the map meet is in the support when the map
attains it (the Laplace quantile map at u = 1/2), and its density is the right limit.

Oracles: scipy.stats (laplace, laplace_asymmetric, triang, norm) and the closed form
log p(x) = −|x| − log 2 where scipy's logpdf overflows (x = ±1e300).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

u = sp.Symbol("u", real=True)
z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
HALF = sp.Rational(1, 2)
SIGN_FORM = -sp.sign(u - HALF) * sp.log(1 - 2 * sp.Abs(u - HALF))
PIECEWISE_FORM = sp.Piecewise((sp.log(2 * u), u < HALF), (-sp.log(2 - 2 * u), True))
TRIANGULAR = sp.Piecewise((sp.sqrt(2 * u) - 1, u < HALF), (1 - sp.sqrt(2 - 2 * u), True))

#: 0, the smallest subnormals either side of it, and points out to the float range
XS = np.array([0.0, 5e-324, -5e-324, 1e-300, -1e-300, 1.0, -1.0, 700.0, -700.0, 1e300, -1e300])


@pytest.fixture(scope="module")
def laplace():
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(SIGN_FORM, u)])
    return X, X.compile()


@pytest.fixture(scope="module")
def triangular():
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(TRIANGULAR, u)])
    return X, X.compile()


def _laplace_logpdf(xs: np.ndarray) -> np.ndarray:
    """−|x| − log 2, exact in float64 at every x (scipy's overflows to −inf at ±1e300)."""
    return -np.abs(xs) - math.log(2)


def test_the_closed_form_oracle_agrees_with_scipy() -> None:
    xs = XS[np.abs(XS) < 1e300]
    np.testing.assert_allclose(_laplace_logpdf(xs), stats.laplace.logpdf(xs), rtol=1e-15)


@pytest.mark.parametrize("q", [SIGN_FORM, PIECEWISE_FORM], ids=["sign-abs", "piecewise"])
def test_the_image_of_the_joint_is_in_the_support_and_has_the_laplace_density(q) -> None:
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(q, u)])
    assert X.support == sp.S.Reals
    assert X.density(x).subs(x, 0) == sp.Rational(1, 2)
    assert float(X.density(x).subs(x, 0)) == stats.laplace.pdf(0.0)
    assert X.family() == sf.Family("Laplace", {"mu": 0, "b": 1})


def test_laplace_kernel_log_prob_through_the_joint(laplace) -> None:
    _, k = laplace
    got = k.log_prob(XS)
    assert got[0] == pytest.approx(-math.log(2), rel=1e-15)
    np.testing.assert_allclose(got, _laplace_logpdf(XS), rtol=1e-15)


def test_laplace_kernel_cdf_and_quantile_through_the_joint(laplace) -> None:
    _, k = laplace
    xs = np.array([0.0, 1e-300, -1e-300, 700.0, -700.0])
    np.testing.assert_allclose(k.cdf(xs), stats.laplace.cdf(xs), rtol=1e-14)
    np.testing.assert_allclose(k.sf(xs), stats.laplace.sf(xs), rtol=1e-14)
    assert k.cdf(np.array([0.0]))[0] == 0.5
    assert k.quantile(np.array([0.5]))[0] == 0.0
    ps = np.array([1e-300, 0.25, 0.75, 1 - 2**-53])
    np.testing.assert_allclose(k.quantile(ps), stats.laplace.ppf(ps), rtol=1e-14)


def test_triangular_density_is_one_at_the_joint_and_right_next_to_its_edges(triangular) -> None:
    X, k = triangular
    assert X.support == sp.Interval.open(-1, 1)
    assert X.family() == sf.Family("Triangular", {"a": -1, "c": 0, "b": 1})
    inner = np.array([0.0, 5e-324, -5e-324, 0.5, -0.5])
    oracle = stats.triang(0.5, loc=-1, scale=2)  # its logpdf is -inf at 1 - 2^-53
    np.testing.assert_allclose(k.log_prob(inner), oracle.logpdf(inner), rtol=1e-14, atol=1e-15)
    edge = 1 - 2**-53  # log(1 - |x|) by hand: 1 - |x| is exact next to the edges
    np.testing.assert_allclose(k.log_prob(np.array([edge, -edge])), -53 * math.log(2), rtol=1e-15)
    assert k.log_prob(np.array([0.0]))[0] == 0.0
    assert np.all(k.log_prob(np.array([-1.0, 1.0])) == -np.inf)
    assert k.cdf(np.array([0.0]))[0] == 0.5


def test_a_point_the_map_does_not_attain_stays_out() -> None:
    """1/z on N(0, 1) has pieces with images (−∞, 0) and (0, ∞), but no z maps to 0."""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(1 / z, z)])
    assert X.support == sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))
    xs = np.array([0.0, 1.0, -1.0, 1e-3])
    want = stats.norm.logpdf(1 / xs[1:]) - 2 * np.log(np.abs(xs[1:]))
    got = X.compile().log_prob(xs)
    assert got[0] == -np.inf
    np.testing.assert_allclose(got[1:], want, rtol=1e-13)


def test_asymmetric_laplace_quantile_map_is_named() -> None:
    kappa = sp.Integer(2)
    split = kappa**2 / (1 + kappa**2)
    q = sp.Piecewise(
        (kappa * sp.log(u * (1 + kappa**2) / kappa**2), u < split),
        (-sp.log((1 - u) * (1 + kappa**2)) / kappa, True),
    )
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(q, u)])
    assert X.support == sp.S.Reals
    family = X.family()
    assert family == sf.Family("AsymmetricLaplace", {"kappa": 2, "mu": 0, "b": 1})
    density = X.density(x)
    for point in (-3, 0, sp.Rational(1, 3), 2):
        want = stats.laplace_asymmetric(2.0).pdf(float(point))
        assert float(density.subs(x, point)) == pytest.approx(want, rel=1e-14)


def test_a_later_layer_keeps_the_joint_and_the_family() -> None:
    """Laplace then 2x + 1: the joint's image 1 is in the support; Laplace(1, 2)."""
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(PIECEWISE_FORM, u), sf.Transform(2 * u + 1, u)])
    assert X.support == sp.S.Reals
    assert X.density(x).subs(x, 1) == sp.Rational(1, 4)
    assert X.family() == sf.Family("Laplace", {"mu": 1, "b": 2})


@pytest.mark.parametrize(
    ("q", "at_joint"),
    [
        # slope 2 below u = 1/2 and 1 above: density 1/2 on (−1, 0), 1 on (0, 1/2)
        (sp.Piecewise((2 * u - 1, u < HALF), (u - HALF, True)), 1),
        # decreasing: density 1 on (−1/2, 0), 1/2 on (0, 1)
        (sp.Piecewise((1 - 2 * u, u < HALF), (HALF - u, True)), HALF),
    ],
    ids=["increasing", "decreasing"],
)
def test_at_a_jump_of_the_density_the_joint_takes_the_right_limit(q, at_joint) -> None:
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(q, u)])
    density = X.density(x)
    assert density.subs(x, 0) == at_joint
    assert density.subs(x, sp.Rational(1, 10**6)) == at_joint
    assert X.support.contains(0) == sp.true


def test_a_joint_at_a_parameter_is_in_the_support_with_the_density_there() -> None:
    """μ + b·(Laplace map): the joint μ is a parameter; p(μ) = 1/(2b), scipy's laplace.pdf
    at its loc."""
    mu, b = sp.Symbol("mu", real=True), sp.Symbol("b", positive=True)
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(mu + b * PIECEWISE_FORM, u)])
    assert X.support == sp.S.Reals
    at_mu = X.density(x).subs(x, mu)
    assert at_mu == 1 / (2 * b)
    assert float(at_mu.subs(b, 3)) == pytest.approx(stats.laplace(1.0, 3.0).pdf(1.0), rel=1e-15)
    assert X.family() == sf.Family("Laplace", {"mu": mu, "b": b})
