"""Moments of Gaussian marginals in closed form: a linear map of a bivariate normal has a
normal marginal, whose moments the textbook gives (μ, σ², μ³ + 3μσ², μ⁴ + 6μ²σ² + 3σ⁴)."""

from __future__ import annotations

import sympy as sp

import symflow as sf

z1, z2 = sp.symbols("z1 z2", real=True)


def test_moments_of_the_marginal_of_a_linear_map_are_exact() -> None:
    # x1 = z1 + z2 with (z1, z2) ~ N((1, 2), [[2, 1], [1, 3]]): N(3, 2 + 2 + 3 = 7)
    base = sf.MultivariateNormal([1, 2], [[2, 1], [1, 3]])
    x1 = sf.Flow(base, [sf.Transform([z1 + z2, 2 * z2], [z1, z2])]).marginal(0)
    mu, var = 3, 7
    assert x1.mean() == mu and x1.mean().is_Integer  # exact, not the float 3.0
    assert x1.variance() == var
    assert x1.moment(3) == mu**3 + 3 * mu * var
    assert x1.moment(4) == mu**4 + 6 * mu**2 * var + 3 * var**2
