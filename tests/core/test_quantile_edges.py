"""Quantile maps of U(0, 1) through erfc⁻¹, P⁻¹, Q⁻¹ and I⁻¹ at the edges and far tails.

The latent probability u = F(x) of such a map rounds onto 0 or 1 long before x reaches the
end of float64 (erfc(1/√(2x)) is 1.0 beyond x = 1e33); the kernel reads the quantile value
from x instead and must be finite wherever the true log-density is. Oracle: the textbook
density written by hand, evaluated by mpmath at 50 digits at the exact float64 point.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.core.special import betaincinv, gammainccinv, gammaincinv

u = sp.Symbol("u", real=True)

TINY = [5e-300, 1e-100, 1e-12, 1e-3]
HUGE = [1.0, 1e10, 1e100, 1e300]

# id, quantile map of u, log-density of x (mpmath), points inside the support
CASES = [
    (
        "levy(3, 2)",
        3 + 1 / sp.erfcinv(u) ** 2,
        lambda x: -mp.log(mp.pi) / 2 - 1.5 * mp.log(x - 3) - 1 / (x - 3),
        [np.nextafter(3.0, 4.0), 3 + 1e-12, 3.001] + HUGE[1:],
    ),
    (
        "normal via erfcinv",
        -sp.sqrt(2) * sp.erfcinv(2 * u),
        lambda x: -(x**2) / 2 - mp.log(2 * mp.pi) / 2,
        [-37.5, -1e5, -1e150, 1e150, 1e5, 38.5],
    ),
    (
        "chi-square(4)",
        2 * gammaincinv(2, u),
        lambda x: mp.log(x / 4) - x / 2,
        TINY + HUGE,
    ),
    (
        "inverse gamma(3/2)",
        1 / gammainccinv(sp.Rational(3, 2), u),
        lambda x: -2.5 * mp.log(x) - 1 / x - mp.loggamma(1.5),
        [1e-300, 1e-12] + HUGE,
    ),
    (
        "gamma(1/2)",
        gammaincinv(sp.Rational(1, 2), u),
        lambda x: -0.5 * mp.log(x) - x - mp.log(mp.pi) / 2,
        TINY + HUGE,
    ),
    (
        "beta(2, 3)",
        betaincinv(2, 3, u),
        lambda x: mp.log(12 * x) + 2 * mp.log(1 - x),
        [1e-300, 1e-12, 0.5, 1 - 1e-12, 1 - 2.0**-53],
    ),
]


@pytest.mark.parametrize(
    ("quantile", "log_pdf", "xs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_quantile_map_is_right_where_the_latent_rounds(quantile, log_pdf, xs) -> None:
    k = sf.Flow(sf.Uniform(0, 1), [sf.Transform(quantile, u)]).compile()
    xs = np.array(xs)
    got = k.log_prob(xs)
    with mp.workdps(50):
        want = np.array([float(log_pdf(mp.mpf(float(x)))) for x in xs])
    err = np.abs(got - want) / np.maximum(1.0, np.abs(want))
    assert np.all(err <= 1e-12), list(zip(xs, got, want, strict=True))
