"""Densities of maps with poles inside the range of their argument: every piece between
two poles contributes its preimage.

The oracle is the change of variables written by hand in mpmath: all preimages of x in
the range of the state before the pole map, each with its |dz/dx|, summed.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
pi = sp.pi


def test_cot_across_two_poles_sums_three_preimages() -> None:
    # U(0, 9/10) -> v = e^u -> w = tan(v/2) ∈ (tan ½, tan(e^0.9/2)) ≈ (0.55, 2.8) ->
    # x = cot(πw): cot(πw) has poles at w = 1, 2, so x has up to three preimages
    layers = [sp.exp(z), sp.tan(z / 2), sp.cot(pi * z)]
    flow = sf.Flow(sf.Uniform(0, sp.Rational(9, 10)), [sf.Transform(e, z) for e in layers])
    assert flow.support == sp.S.Reals  # each piece between two poles covers the line
    kernels = flow.compile()

    def density(x):
        total = mp.mpf(0)
        for k in range(3):  # w = k + ½ − atan(x)/π ∈ (k, k + 1)
            w = k + mp.mpf(1) / 2 - mp.atan(x) / mp.pi
            if mp.tan(mp.mpf(1) / 2) < w < w_hi:
                v = 2 * mp.atan(w)  # u = log v, of density 10/9
                total += 20 / (9 * v * (1 + w**2) * mp.pi * (1 + x**2))
        return total

    with mp.workdps(60):
        w_hi = mp.tan(mp.exp(mp.mpf(9) / 10) / 2)
        ends = [mp.cot(mp.pi * mp.tan(mp.mpf(1) / 2)), mp.cot(mp.pi * w_hi)]
        near = [float(e) * (1 + s * 1e-9) for e in ends for s in (-1, 1)]
        xs = [-1e300, -1e8, -2.0, -0.3, 0.0, 0.7, 5.0, 1e8, 1e300, *near]
        expected = [float(mp.log(density(mp.mpf(x)))) for x in xs]
    got = kernels.log_prob(np.array(xs))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_reciprocal_across_zero_after_atan() -> None:
    # U(0, 1) -> y = atan(2u − 1) ∈ (−π/4, π/4) -> x = 1/y: |x| > 4/π on two pieces
    kernels = sf.Flow(
        sf.Uniform(0, 1), [sf.Transform(sp.atan(2 * z - 1), z), sf.Transform(1 / z, z)]
    ).compile()

    def log_density(x):  # u = (tan(1/x) + 1)/2, du/dx = sec²(1/x)/(2x²)
        return 2 * mp.log(abs(mp.sec(1 / x))) - mp.log(2 * x**2)

    end = 4 / math.pi
    xs = [1e300, 1e5, 2.0, end * (1 + 1e-12), -1e300, -1e5, -2.0, -end * (1 + 1e-12)]
    with mp.workdps(60):
        expected = [float(log_density(mp.mpf(x))) for x in xs]
    got = kernels.log_prob(np.array(xs))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert (kernels.log_prob(np.array([0.0, 1.0, -1.0, end * (1 - 1e-12)])) == -math.inf).all()


@pytest.mark.parametrize("x", [0.5, -0.5])
def test_the_gap_between_the_pieces_of_a_reciprocal_has_no_mass(x: float) -> None:
    flow = sf.Flow(sf.Uniform(0, 1), [sf.Transform(2 * z - 1, z), sf.Transform(1 / z, z)])
    assert flow.support.contains(x) == sp.false
    assert flow.support.contains(3 * x) == sp.true
