"""The bracketed Newton solver of implicit inverses, against roots found by mpmath, and
the bracketing solver of compiled quantiles against scipy.stats.

Oracle: bisection at 80 digits (geometric while the bracket spans decades), which
certifies the root by the bracket.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from numba import njit

from symflow.codegen import special
from symflow.codegen.solvers import solve_cdf, solve_monotone
from symflow.core.residuals import limit_residuals
from symflow.core.special import zetac

EPS = np.finfo(float).eps


def mp_root(f, value, lo, hi):
    with mp.workdps(45):
        value, a, b = mp.mpf(value), mp.mpf(lo), mp.mpf(hi)
        increasing = f(b) > f(a)
        for _ in range(6000):
            if a > 0 and b > 4 * a:
                m = mp.sqrt(a * b)
            elif b < 0 and a < 4 * b:
                m = -mp.sqrt(a * b)
            elif a < 0 < b:
                m = mp.mpf(0)
            else:
                m = (a + b) / 2
            if m in (a, b) or b - a < abs(m) * mp.mpf(10) ** -35:
                break
            if f(m) == value:
                return m
            if (f(m) < value) == increasing:
                a = m
            else:
                b = m
        return (a + b) / 2


def ulps(got, want) -> float:
    """|got − want| in units of 2⁻⁵²·|want| (0 when both are 0)."""
    with mp.workdps(80):
        if want == 0:
            return 0.0 if got == 0 else math.inf
        return float(abs(mp.mpf(got) - want) / abs(want)) / EPS


@njit
def cubic(t):
    return t * t * t + t


@njit
def cubic_slope(t):
    return 3.0 * t * t + 1.0


@njit
def exp_plus(t, c):
    return t + c * math.exp(t)


@njit
def exp_plus_slope(t, c):
    return 1.0 + c * math.exp(t)


TARGETS = [-1e300, -1e100, -1.0, -1e-300, 1e-300, 1e-100, 1e-10, 1.0, 1e10, 1e100, 1e300]
CASES = [
    ("t + t^3", cubic, cubic_slope, (), lambda t: t + t**3, (-1e101, 1e101)),
    ("t + exp t", exp_plus, exp_plus_slope, (1.0,), lambda t: t + mp.exp(t), (-1e301, 800)),
]


@pytest.mark.parametrize(
    ("g", "dg", "params", "f", "bracket"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_roots_within_two_ulp_from_1e_minus_300_to_1e300(g, dg, params, f, bracket) -> None:
    worst = 0.0
    for y in TARGETS:
        got = solve_monotone(g, dg, y, -math.inf, math.inf, 1.0, params)
        worst = max(worst, ulps(got, mp_root(f, y, *bracket)))
    assert worst <= 2.0


@njit
def zeta_shifted(t):
    return 1.0 + special.zetac(t + 2.0)


@njit
def zetac_shifted(t):
    return special.zetac(t + 2.0)


@njit
def zeta_shifted_slope(t):
    return special.zeta_prime(t + 2.0, 1.0)


@pytest.mark.parametrize("gap", [2.0**-52, 1e-12, 0.5])
def test_next_to_a_limit_the_residual_is_taken_from_the_limit(gap) -> None:
    y = 1.0 + gap
    want = mp_root(lambda t: mp.zeta(t + 2), y, 0, 2000)
    near = solve_monotone(zetac_shifted, zeta_shifted_slope, y - 1.0, 0.0, math.inf, -1.0, ())
    assert ulps(near, want) <= 2.0
    if gap < 1e-10:  # the direct residual ζ(t + 2) − y has lost the digits
        direct = solve_monotone(zeta_shifted, zeta_shifted_slope, y, 0.0, math.inf, -1.0, ())
        assert ulps(direct, want) > 1e6


@njit
def log_plus(t):
    return t + math.log1p(t)


@njit
def log_plus_slope(t):
    return 1.0 + 1.0 / (1.0 + t)


@pytest.mark.parametrize("y", [1e308, np.finfo(float).max], ids=["1e308", "max"])
def test_a_root_above_2_to_the_1023_is_bracketed_by_the_largest_float(y) -> None:
    # t + log(1 + t) = y has its root at y − 709.8 − ...: doubling the bracket from 1
    # passes 2**1023 ≈ 8.99e307 and would step to inf
    got = solve_monotone(log_plus, log_plus_slope, y, 0.0, math.inf, 1.0, ())
    assert ulps(got, mp_root(lambda t: t + mp.log1p(t), y, "1e307", "1e309")) <= 2.0
    neg = solve_monotone(cubic, cubic_slope, -y, -math.inf, math.inf, 1.0, ())
    assert ulps(neg, mp_root(lambda t: t + t**3, -y, -1e103, -1e102)) <= 2.0


def test_a_nan_target_gives_nan() -> None:
    assert math.isnan(solve_monotone(cubic, cubic_slope, math.nan, -math.inf, math.inf, 1.0, ()))


def test_limit_residuals_from_the_table() -> None:
    t = sp.Symbol("t", real=True)
    assert limit_residuals(sp.zeta(t + 2), t, sp.S.Zero, sp.oo) == [(1, zetac(t + 2))]
    assert limit_residuals(t + sp.exp(t), t, -sp.oo, sp.oo) == []
    ((limit, distance),) = limit_residuals(2 * sp.tanh(t) + t / (1 + t**2), t, sp.S.Zero, sp.oo)
    assert limit == 2 and distance == t / (1 + t**2) - 4 / (sp.exp(2 * t) + 1)
    # erf t + e^(−t) tends to 1 at both ends of (0, oo)
    residuals = limit_residuals(sp.erf(t) + sp.exp(-t), t, sp.S.Zero, sp.oo)
    assert residuals == [(1, sp.exp(-t) - sp.erfc(t))] * 2


# -- the CDF's bracketing solver ----------------------------------------------------------------
@njit
def gamma_cdf(x, a):
    return special.gammainc(a, x) if x > 0.0 else 0.0


@njit
def gamma_sf(x, a):
    return special.gammaincc(a, x) if x > 0.0 else 1.0


@njit
def gamma_level(u, upper, a):
    return solve_cdf(gamma_cdf, gamma_sf, u, upper, 0.0, math.inf, (a,))


@pytest.mark.parametrize("a", [0.5, 2.5, 40.0])
def test_cdf_solver_inverts_scipy_special_functions_in_both_tails(a) -> None:
    """F⁻¹(u) and S⁻¹(u) of Gamma(a) from its regularised incomplete gamma functions (SciPy's
    compiled ones, bound into numba), from u = 1e-300 to 1 − 2⁻⁵³, against scipy.stats."""
    from scipy import stats

    levels = [1e-300, 1e-100, 1e-10, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-10, 1 - 2**-53]
    for u in levels:
        assert gamma_level(u, 0.0, a) == pytest.approx(stats.gamma.ppf(u, a), rel=1e-12), u
    for u in levels:  # S⁻¹ down to 1e-300, where 1 − u rounds to 1
        assert gamma_level(u, 1.0, a) == pytest.approx(stats.gamma.isf(u, a), rel=1e-12), u
    assert gamma_level(0.0, 0.0, a) == 0.0 and gamma_level(1.0, 0.0, a) == math.inf
    assert gamma_level(0.0, 1.0, a) == math.inf and gamma_level(1.0, 1.0, a) == 0.0
    assert math.isnan(gamma_level(1.5, 0.0, a)) and math.isnan(gamma_level(math.nan, 1.0, a))
