"""CDFs whose inverse map is a quantile function: F_Z(g(x)) = (1 + erf(x/√2))/2 or
atan(x)/π + 1/2 must not cancel to 0 in the far lower tail (scipy.stats as the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
X = np.array([-1e300, -1e20, -30.0, -7.0, -1e-300, 0.0, 3.0, 30.0, 1e20, 1e300])


@pytest.mark.parametrize(
    ("base", "expr", "oracle"),
    [
        (sf.Uniform(0, 1), sp.sqrt(2) * sp.erfinv(2 * z - 1), stats.norm()),
        (sf.Uniform(0, 2), -sp.tan(sp.pi * z / 2 - sp.pi / 2), stats.cauchy()),
    ],
    ids=["probit", "cauchy-quantile-decreasing"],
)
def test_cdf_and_sf_keep_their_digits_in_both_tails(base, expr, oracle) -> None:
    k = sf.Flow(base, [sf.Transform(expr, z)]).compile()
    np.testing.assert_allclose(k.cdf(X), oracle.cdf(X), rtol=1e-12, atol=0)
    np.testing.assert_allclose(k.sf(X), oracle.sf(X), rtol=1e-12, atol=0)


def _f_sf(x: float, d1: int = 4, d2: int = 6) -> float:
    """S(x) of the F(d1, d2) distribution, I_{d2/(d2 + d1·x)}(d2/2, d1/2), in mpmath."""
    import mpmath as mp

    with mp.workdps(60):
        w = mp.mpf(d2) / (d2 + d1 * mp.mpf(x))
        return float(mp.betainc(mp.mpf(d2) / 2, mp.mpf(d1) / 2, 0, w, regularized=True))


def test_sf_of_a_beta_ratio_from_the_distance_to_the_beta_upper_end() -> None:
    # (d2/d1)·B/(1 − B), B ~ Beta(d1/2, d2/2), is F(d1, d2): its S(x) = S_B(g(x)) with
    # g(x) → 1, taken from 1 − g(x) = 3/(2x + 3), which neither rounds nor overflows
    k = sf.Flow(sf.Beta(2, 3), [sf.Transform(sp.Rational(3, 2) * z / (1 - z), z)]).compile()
    xs = np.array([1e-300, 0.5, 3.0, 1e10, 1e100, 1e300, 1.7e308])
    want = np.array([_f_sf(x) for x in xs])
    np.testing.assert_allclose(k.sf(xs), want, rtol=1e-12, atol=0)
    np.testing.assert_allclose(k.cdf(xs[1:]), 1 - want[1:], rtol=1e-12, atol=0)


def test_cdf_of_the_normal_probability_integral_transform_in_its_lower_tail() -> None:
    # U = Φ(Z): F_U(u) = Φ(√2·erf⁻¹(2u − 1)) = u, where 2u − 1 rounds to −1 below 1e-17
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform((1 + sp.erf(z / sp.sqrt(2))) / 2, z)]).compile()
    us = np.array([1e-300, 1e-200, 1e-30, 1e-12, 0.3, 0.5, 0.9, 1 - 1e-12])
    np.testing.assert_allclose(k.cdf(us), us, rtol=1e-12, atol=0)
