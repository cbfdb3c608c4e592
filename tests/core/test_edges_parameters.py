"""The edge pass keeps a base's log-density as a sum: (z − μ)²/(2σ²) over a common
denominator 2σ² cancels for large μ and underflows for small σ (scipy.stats and
hand-written densities in mpmath as oracles)."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


@pytest.fixture(scope="module")
def affine():
    return sf.Flow(sf.Normal(mu, sigma), [sf.Transform(2 * z + 1, z)]).compile()


@pytest.mark.parametrize(
    ("m", "s", "x"),
    [
        (1e8, 1e-2, 2e8 + 3),
        (1e8, 1e-2, 2e8 + 1.0000001),
        (0.0, 1e-150, 1.0 + 1e-140),
        (3.0, 2.0, 7.0),
        # (x − m)² and σ² overflow from 1.34e154, their quotient does not
        (0.0, 1e160, 1e200),
        (-1e250, 1e200, 1e250),
    ],
    ids=["mu=1e8", "mu=1e8-near", "sigma=1e-150", "bulk", "sigma=1e160", "mu=-1e250"],
)
def test_affine_normal_keeps_its_digits_for_extreme_parameters(affine, m, s, x) -> None:
    # x = 2z + 1 with z ~ N(μ, σ²) is N(2μ + 1, (2σ)²); scipy's logpdf works in (x − loc)/scale
    expected = stats.norm(2 * m + 1, 2 * s).logpdf(x)
    got = affine.log_prob(np.array([x]), mu=m, sigma=s)[0]
    assert got == pytest.approx(expected, rel=1e-10, abs=0)


def test_lognormal_with_a_narrow_sigma_far_out() -> None:
    k = sf.Flow(sf.Normal(mu, sigma), [sf.Transform(sp.exp(z), z)]).compile()
    x, m, s = np.exp(300.001), 300.0, 1e-3
    with mp.workdps(50):
        lx = mp.log(x)
        truth = -((lx - m) ** 2) / (2 * s**2) - mp.log(s) - mp.log(2 * mp.pi) / 2 - lx
    got = k.log_prob(np.array([x]), mu=m, sigma=s)[0]
    assert got == pytest.approx(float(truth), rel=1e-13, abs=0)


@pytest.mark.parametrize("symbolic", [False, True], ids=["numbers", "parameters"])
def test_cauchy_far_from_zero_next_to_its_centre(symbolic) -> None:
    # log p = −log(π s) − log(1 + ((x − m)/s)²); an expanded m² − 2mx + x² cancels
    m, s = (mu, sigma) if symbolic else (sp.Integer(10**8), sp.Rational(1, 100))
    k = sf.Flow(sf.Cauchy(m, s), [sf.Transform(z, z)]).compile()
    values = {"mu": 1e8, "sigma": 0.01} if symbolic else {}
    xs = np.array([1e8 + 0.01, 1e8 - 0.5, 1e8 + 1e-9])
    with mp.workdps(50):
        u = [(mp.mpf(v) - 10**8) * 100 for v in xs]
        truth = [float(-mp.log(mp.pi / 100) - mp.log1p(t * t)) for t in u]
    # within the error of (x − m)/s as kernels compute it (x/s − m/s when m and s are
    # numbers: SymPy distributes the 100 over x − 1e8)
    rtol = 1e-12 if symbolic else 1e-6
    np.testing.assert_allclose(k.log_prob(xs, **values), truth, rtol=rtol, atol=0)
