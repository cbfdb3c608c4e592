"""The vectorised integrator against closed forms and scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.stats.scipy_dist import entropy, numeric_moment
from symflow.verify.integrate import Density, integrate_intervals

BIG = np.finfo(np.float64).max


@pytest.mark.parametrize(
    ("dist", "edges", "breaks"),
    [
        (stats.norm(3, 2), [-np.inf, 1.0, 3.0, 9.0, np.inf], ()),
        (stats.lognorm(1.5), [0.0, 0.1, 1.0, 50.0, np.inf], (0.0,)),
        (stats.cauchy(), [-np.inf, -1e6, -1.0, 1.0, 1e6, np.inf], ()),
        (stats.beta(0.5, 0.5), [0.0, 0.25, 0.5, 1.0], (0.0, 1.0)),
        (stats.norm(1e6, 0.5), [-np.inf, 1e6, np.inf], ()),
    ],
    ids=["normal", "lognormal", "cauchy", "arcsine", "narrow-far"],
)
def test_masses_of_intervals_match_the_cdf(dist, edges, breaks) -> None:
    result = integrate_intervals(dist.pdf, edges, breaks=breaks, scale=dist.std() or 1.0)
    expected = np.diff(dist.cdf(np.asarray(edges)))
    # within float64's reach of a singular edge the mass is unknown: the error says so
    tolerance = 1e-9 * expected + np.maximum(3 * result.errors, 1e-12)
    assert np.all(np.abs(result.masses - expected) <= tolerance), (result.masses, expected)
    assert result.error < 1e-6
    assert result.bad.size == 0


def test_an_integrable_singularity_at_a_break() -> None:
    # |x - 1|^(-1/2) / 4 on [0, 2]: mass 1, infinite at the break
    result = integrate_intervals(lambda x: np.abs(x - 1) ** -0.5 / 4, [0.0, 2.0], breaks=[1.0])
    assert result.total == pytest.approx(1.0, abs=1e-6)
    assert result.bad.size == 0  # nothing is evaluated at the break itself


def test_a_tail_that_reaches_the_largest_float() -> None:
    # exp of a Cauchy variable: P(x > 1e300) = 1/(pi * 690.8) is mass that must be found
    def pdf(x):
        with np.errstate(divide="ignore"):
            return np.where(x > 0, stats.cauchy.pdf(np.log(x)) / x, 0.0)

    result = integrate_intervals(pdf, [1e300, np.inf])
    expected = stats.cauchy.sf(math.log(1e300)) - stats.cauchy.sf(math.log(BIG))
    assert result.total == pytest.approx(expected, rel=1e-8)


def test_nan_and_plus_infinity_are_reported_not_integrated_as_zero() -> None:
    def pdf(x):
        return np.where((x > 0.2) & (x < 0.3), np.nan, np.where(x > 0.8, np.inf, 1.0))

    result = integrate_intervals(pdf, [0.0, 1.0])
    assert result.bad.size > 0
    assert np.all(((result.bad > 0.2) & (result.bad < 0.3)) | (result.bad > 0.8))


def test_edges_must_increase() -> None:
    with pytest.raises(ValueError, match="edges must increase"):
        integrate_intervals(np.exp, [1.0, 0.0])


# -- the one integrator of a flow's p_X (checks and SciPy interface alike) -------------


def test_the_arcsine_density_integrates_to_one_across_its_singular_ends() -> None:
    # Beta(1/2, 1/2): p(x) = 1 / (π √(x (1 − x))), infinite at both ends;
    # F(x) = (2/π) asin(√x), so F(1/4) = 1/3
    def arcsine(x):
        return 1.0 / (math.pi * np.sqrt(x * (1.0 - x)))

    r = integrate_intervals(arcsine, [0.0, 0.25, 1.0], breaks=[0.0, 1.0])
    assert r.masses[0] == pytest.approx(1 / 3, rel=1e-12)
    # within one ulp of 1, where 1 − x rounds, lies (2/π)·√ε ≈ 1e-8 of mass that float64
    # cannot resolve: the error estimate covers it
    assert abs(r.masses[1] - 2 / 3) <= r.errors[1] < 1e-6
    assert r.bad.size == 0 and r.settled


@pytest.fixture(scope="module")
def flows():
    z = sp.Symbol("z", real=True)
    half = sp.Rational(1, 2)
    return {
        "chi2": sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]),
        "cube": sf.Flow(sf.Normal(0, 1), [sf.Transform(z**3, z)]),
        "arcsine": sf.Flow(sf.Beta(half, half), [sf.Transform(2 * z, z)]),
    }


def test_a_flow_density_infinite_at_its_edge(flows) -> None:
    # chi-square(1) = Z²: p(x) = exp(−x/2) / √(2πx) is infinite at 0; P(X < 1) = erf(1/√2)
    density = Density(flows["chi2"].compile(), {})
    assert density.breaks == [0.0]
    r = density.integrate([0.0, 1.0, np.inf], scale=1.0)
    assert r.masses == pytest.approx([math.erf(1 / math.sqrt(2)), math.erfc(1 / math.sqrt(2))])
    assert r.total == pytest.approx(1.0, abs=1e-10)


def test_a_singular_point_inside_the_support_is_a_break(flows) -> None:
    # X = Z³: p(x) = φ(x^(1/3)) / (3 x^(2/3)) is infinite at x = 0 inside the support;
    # P(0 < X < 1) = P(0 < Z < 1) = erf(1/√2) / 2
    density = Density(flows["cube"].compile(), {})
    assert 0.0 in density.breaks
    r = density.integrate([-np.inf, -1.0, 0.0, 1.0, np.inf], scale=1.0)
    inner = math.erf(1 / math.sqrt(2)) / 2
    assert r.masses[1:3] == pytest.approx([inner, inner], rel=1e-10)
    assert r.total == pytest.approx(1.0, abs=1e-10)


def test_numeric_moments_and_entropy_use_the_same_integrator(flows) -> None:
    # X = 2 Z, Z ~ Beta(1/2, 1/2): E X = 1, E X² = 4 · 3/8, entropy log(π/4) + log 2
    X = flows["arcsine"]
    assert numeric_moment(X, 1) == pytest.approx(1.0, rel=1e-10)
    assert numeric_moment(X, 2) == pytest.approx(1.5, rel=1e-10)
    assert numeric_moment(X, 2, center=1.0) == pytest.approx(0.5, rel=1e-10)
    # −p log p ~ t^(−1/2) log t at the ends is not a power law: the extrapolation of the
    # last panel (within 1e-13 of x = 2) is good to about 1e-7
    assert entropy(X) == pytest.approx(math.log(math.pi / 2), rel=1e-6)


def test_a_divergent_tail_does_not_settle() -> None:
    # ∫ x · Cauchy density over (0, ∞) diverges (logarithmically); the density itself does not
    def cauchy(x):
        return 1.0 / (math.pi * (1.0 + x * x))

    assert integrate_intervals(cauchy, [0.0, np.inf]).settled
    assert not integrate_intervals(lambda x: x * cauchy(x), [0.0, np.inf]).settled


@pytest.mark.parametrize(("u", "v"), [(1e-300, 1e-200), (-1e-200, -1e-300), (1e200, 1e300)])
def test_an_interval_many_decades_wide_at_tiny_or_huge_magnitude_is_cut_geometrically(u, v):
    # u·v underflowed to 0 for [1e-300, 1e-200], which read as "ends of opposite signs": the
    # interval was one panel, and ∫|x|^(-100/101) came out 10 times too small (the density
    # of Z^101 on N(0, 1) then failed its normalisation check)
    r = integrate_intervals(lambda x: np.abs(x) ** (-100 / 101) / 101, [u, v])
    lo, hi = sorted((abs(u), abs(v)))
    assert r.total == pytest.approx(hi ** (1 / 101) - lo ** (1 / 101), rel=1e-10)
