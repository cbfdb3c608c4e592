"""Densities of maps to one output (sums, ratios) in their far tails, against scipy.stats."""

from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import stats

import symflow as sf

z1, z2 = sp.symbols("z1 z2", real=True)


def test_ratio_of_chi_squares_is_f_out_to_1e300() -> None:
    # p = c·√x/(3x + 5)⁴: as one log, (3x + 5)⁴ overflowed from x ≈ 1e77 on
    base = sf.Independent(sf.ChiSquared(3), sf.ChiSquared(5))
    k = sf.Flow(base, [sf.Transform((z1 / 3) / (z2 / 5), [z1, z2])]).compile()
    xs = np.array([1e-300, 1e-10, 0.5, 2.0, 1e10, 1e100, 1e300])
    np.testing.assert_allclose(k.log_prob(xs), stats.f(3, 5).logpdf(xs), rtol=1e-13, atol=0)


def test_ratio_of_normals_is_cauchy_out_to_1e300() -> None:
    # p = 1/(π·x² + π): log(π·x² + π) overflowed from x ≈ 1e154 on; π is a common factor
    # of the sum, so the log is log π + log(1 + x²), taken as log1p_sq
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    k = sf.Flow(base, [sf.Transform(z1 / z2, [z1, z2])]).compile()
    xs = np.array([-1.7e308, -1e300, -1e10, -1.0, 0.0, 1e-300, 3.0, 1e200, 1e300])
    np.testing.assert_allclose(k.log_prob(xs), stats.cauchy.logpdf(xs), rtol=1e-15, atol=0)
