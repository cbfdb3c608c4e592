"""Densities of maps to one output (sums, ratios) in their far tails, against scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_the_larger_of_two_normals_in_both_tails() -> None:
    """p = 2φ(x)Φ(x), which SymPy writes with 1 − erfc(x/√2)/2: read as Φ(x) and its log
    as log_ndtr, not as log1p(−erfc/2) (−inf below x ≈ −38; truth −1604.83 at −40). The
    compiled cdf, sf and quantile integrate each tail from its own end (they raised
    AttributeError for a map to one output with a closed-form density)."""
    import mpmath as mp

    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    k = sf.Flow(base, [sf.Transform(sp.Max(z1, z2), [z1, z2])]).compile()
    xs = np.array([-1e10, -40.0, -1.0, 0.0, 3.0, 9.0, 38.0])
    with mp.workdps(40):
        want_lp = [float(mp.log(2 * mp.npdf(v) * mp.ncdf(v))) for v in xs]
        want_cdf = [float(mp.ncdf(v) ** 2) for v in xs]
        want_sf = [float(mp.ncdf(-v) * (1 + mp.ncdf(v))) for v in xs]
    np.testing.assert_allclose(k.log_prob(xs), want_lp, rtol=1e-14, atol=0)
    np.testing.assert_allclose(k.cdf(xs), want_cdf, rtol=1e-8, atol=0)
    np.testing.assert_allclose(k.sf(xs), want_sf, rtol=1e-8, atol=0)
    us = np.array([1e-100, 0.3, 0.999])
    with mp.workdps(40):
        want_q = [
            float(
                mp.findroot(
                    lambda t, u=u: 2 * mp.log(mp.ncdf(t)) - mp.log(u), -15 if u < 1e-50 else 0
                )
            )
            for u in us
        ]
    np.testing.assert_allclose(k.quantile(us), want_q, rtol=1e-8, atol=0)
    np.testing.assert_allclose(k.isf(1 - us[1:]), want_q[1:], rtol=1e-8, atol=0)
    with pytest.raises(sf.ParameterError, match="probabilities in \\[0, 1\\]"):
        k.quantile(np.array([0.5, 1.5]))
