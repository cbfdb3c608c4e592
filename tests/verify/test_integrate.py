"""The vectorised integrator against closed forms and scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from symflow.verify.integrate import integrate_intervals

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
