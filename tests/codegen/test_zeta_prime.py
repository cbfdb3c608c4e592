"""ζ′(s, q) in kernels, and flows through ζ: against mpmath at high precision.

mpmath's own Hurwitz ζ′ loses about s·log₁₀ q digits, so the oracle runs at 300 digits.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.special import zeta_prime
from symflow.core.special import known_derivatives
from symflow.core.special import zeta_prime as zeta_prime_function

z = sp.Symbol("z", real=True)
EPS = np.finfo(float).eps

S_VALUES = [
    1 + 1e-12,
    1 + 1e-6,
    1.001,
    1.1,
    1.5,
    2.0,
    2.5,
    3.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    300.0,
]


@pytest.mark.parametrize("q", [1.0, 0.5, 0.1, 3.0, 1e3])
def test_numba_zeta_prime_is_within_three_ulp_of_mpmath(q) -> None:
    worst = 0.0
    with mp.workdps(300):
        for s in S_VALUES:
            want = mp.zeta(s, q, 1)
            if abs(want) < mp.mpf(10) ** -300 or abs(want) > mp.mpf(10) ** 300:
                continue  # outside float64
            got = zeta_prime(s, q)
            worst = max(worst, float(abs((got - want) / want)) / EPS)
    assert worst <= 3.0


def test_numba_zeta_prime_at_the_ends_of_its_domain() -> None:
    assert zeta_prime(1.0, 1.0) == -np.inf
    assert np.isnan(zeta_prime(0.5, 1.0))
    assert np.isnan(zeta_prime(2.0, -1.0))
    assert np.isnan(zeta_prime(np.nan, 1.0))


def test_zeta_derivative_is_written_as_zeta_prime_and_evaluates() -> None:
    d = known_derivatives(sp.diff(sp.zeta(3 * z + 2), z))
    assert d == 3 * zeta_prime_function(3 * z + 2)
    value = d.subs(z, sp.Rational(1, 2)).evalf(30)
    with mp.workdps(40):
        want = 3 * mp.zeta(mp.mpf(7) / 2, 1, 1)
        assert abs(mp.mpf(str(value)) - want) < mp.mpf(10) ** -28
    assert known_derivatives(sp.diff(sp.zeta(z, 3), z)) == zeta_prime_function(z, 3)


def _zeta_root(x, lo, hi):
    """s in (lo, hi) with ζ(s) = x (ζ decreasing), by bisection at 60 digits."""
    with mp.workdps(60):
        x, a, b = mp.mpf(float(x)), mp.mpf(lo), mp.mpf(hi)
        for _ in range(400):
            m = (a + b) / 2
            if mp.zeta(m) > x:
                a = m
            else:
                b = m
        return (a + b) / 2


@pytest.fixture(scope="module")
def zeta_on_uniform():
    return sf.Flow(sf.Uniform(2, 3), [sf.Transform(sp.zeta(z), z)])


def test_flow_through_zeta_compiles_and_matches_mpmath(zeta_on_uniform) -> None:
    X = zeta_on_uniform
    assert X.support == sp.Interval.open(sp.zeta(3), sp.pi**2 / 6)
    lo, hi = float(sp.zeta(3)), float(sp.pi**2 / 6)
    xs = np.array([lo * (1 + 1e-12), 1.25, 1.4, 1.6, hi * (1 - 1e-12)])
    got = X.compile().log_prob(xs)
    want = []
    for x in xs:
        s = _zeta_root(x, 2, 3)
        with mp.workdps(60):
            want.append(float(-mp.log(-mp.zeta(s, 1, 1))))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert np.all(X.compile().log_prob(np.array([1.0, lo * (1 - 1e-9), 1.7])) == -np.inf)


def test_zeta_next_to_its_limit_1() -> None:
    X = sf.Flow(sf.Exponential(1), [sf.Transform(sp.zeta(z + 2), z)])
    xs = np.array([1 + 2.0**-52, 1 + 1e-12])
    want = []
    for x in xs:
        s = _zeta_root(x, 2, 200)
        with mp.workdps(60):
            want.append(float(-(s - 2) - mp.log(-mp.zeta(s, 1, 1))))
    np.testing.assert_allclose(X.compile().log_prob(xs), want, rtol=1e-12, atol=0)
