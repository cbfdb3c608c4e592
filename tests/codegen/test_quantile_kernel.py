"""Compiled quantiles and isfs of monotone flows near the base support edges, against mpmath.

The oracle maps the base quantile through the forward map in mpmath at 400 digits (so
that z = 1 − 1e-300 is held exactly); the base quantiles are textbook closed forms or
roots of mpmath's incomplete gamma and beta functions in log space.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from mpmath import mp, mpf

import symflow as sf

z = sp.Symbol("z", real=True)

PROBABILITIES = (1e-300, 1e-100, 1e-20, 1e-16, 0.3, 0.5, 1 - 1e-16)
RTOL = 1e-12


def _root(tail, u, guess):
    """s with tail(s) = log u (log-space root: well conditioned over all decades)."""
    with mp.workdps(45):
        return mp.exp(mp.findroot(lambda s: tail(mp.exp(s)) - mp.log(u), guess))


def _beta_lower(a, b, u):
    """I⁻¹_u(a, b): a bracketed (Illinois) root in s = log z over (−5000, 0), which never
    leaves (0, 1) as a secant from a single start can."""
    with mp.workdps(45):

        def tail(s):
            return mp.log(mp.betainc(a, b, 0, mp.exp(s), regularized=True)) - mp.log(u)

        lo, hi = mpf(-5000), mpf(0)
        for _ in range(20):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if tail(mid) < 0 else (lo, mid)
        return mp.exp(mp.findroot(tail, (lo, hi), solver="illinois"))


def _gamma_lower(k, u):
    guess = (mp.log(u) + mp.loggamma(k + 1)) / k
    return _root(lambda t: mp.log(mp.gammainc(k, 0, t, regularized=True)), u, guess)


def _gamma_upper(k, q):
    guess = mp.log(-mp.log(q) + k)
    return _root(lambda t: mp.log(mp.gammainc(k, t, mp.inf, regularized=True)), q, guess)


def _normal_upper(q):
    with mp.workdps(45):
        t = mp.findroot(lambda s: mp.log(mp.erfc(s)) - mp.log(2 * q), mp.sqrt(-mp.log(q)) + 0.1)
    return mp.sqrt(2) * t


# base: (symflow base, lower quantile u -> z, upper quantile q -> z), in mpmath
BASES = {
    "U01": (lambda: sf.Uniform(0, 1), lambda u: u, lambda q: 1 - q),
    "U(-1,1)": (lambda: sf.Uniform(-1, 1), lambda u: -1 + 2 * u, lambda q: 1 - 2 * q),
    "Beta(2,3)": (
        lambda: sf.Beta(2, 3),
        lambda u: _beta_lower(2, 3, u),
        lambda q: 1 - _beta_lower(3, 2, q),
    ),
    "Beta(2,2)": (
        lambda: sf.Beta(2, 2),
        lambda u: _beta_lower(2, 2, u),
        lambda q: 1 - _beta_lower(2, 2, q),
    ),
    "Cauchy": (
        lambda: sf.Cauchy(0, 1),
        lambda u: mp.tan(mp.pi * (u - mpf(1) / 2)),
        lambda q: mp.tan(mp.pi * (mpf(1) / 2 - q)),
    ),
    "Normal": (lambda: sf.Normal(0, 1), lambda u: -_normal_upper(u), _normal_upper),
    "Exp(1)": (lambda: sf.Exponential(1), lambda u: -mp.log1p(-u), lambda q: -mp.log(q)),
    "Gamma(3)": (
        lambda: sf.Gamma(3, 1),
        lambda u: _gamma_lower(3, u),
        lambda q: _gamma_upper(3, q),
    ),
    # base quantiles that underflow float64 at u = 1e-300 (about 7.9e-601, 2.8e-601, 5e-429)
    "Gamma(1/2)": (
        lambda: sf.Gamma(sp.Rational(1, 2), 1),
        lambda u: _gamma_lower(mpf(1) / 2, u),
        lambda q: _gamma_upper(mpf(1) / 2, q),
    ),
    "Beta(1/2,3)": (
        lambda: sf.Beta(sp.Rational(1, 2), 3),
        lambda u: _beta_lower(mpf(1) / 2, 3, u),
        lambda q: 1 - _beta_lower(3, mpf(1) / 2, q),
    ),
    "Weibull(7/10,2)": (
        lambda: sf.Weibull(sp.Rational(7, 10), 2),
        lambda u: 2 * (-mp.log1p(-u)) ** (mpf(10) / 7),
        lambda q: 2 * (-mp.log(q)) ** (mpf(10) / 7),
    ),
    "U(-1,2)": (lambda: sf.Uniform(-1, 2), lambda u: -1 + 3 * u, lambda q: 2 - 3 * q),
}

# name: (base, f as SymPy, f in mpmath, increasing)
FLOWS = {
    "probit": (
        "U01",
        sp.sqrt(2) * sp.erfinv(2 * z - 1),
        lambda t: mp.sqrt(2) * mp.erfinv(2 * t - 1),
        True,
    ),
    "one-minus-beta": ("Beta(2,3)", 1 - z, lambda t: 1 - t, False),
    "tan": ("U01", sp.tan(sp.pi * z - sp.pi / 2), lambda t: mp.tan(mp.pi * t - mp.pi / 2), True),
    "logit-beta": ("Beta(2,3)", sp.log(z / (1 - z)), lambda t: mp.log(t / (1 - t)), True),
    "half-tan": ("U(-1,1)", sp.tan(sp.pi * z / 2), lambda t: mp.tan(mp.pi * t / 2), True),
    "cube-beta": ("Beta(2,3)", (1 - z) ** 3, lambda t: (1 - t) ** 3, False),
    "lognormal": ("Normal", sp.exp(z), mp.exp, True),
    "log-exp": ("Exp(1)", sp.log(z), mp.log, True),
    "gumbel": ("U01", sp.log(-sp.log(z)), lambda t: mp.log(-mp.log(t)), False),
    "cos": ("U01", sp.cos(sp.pi * z / 2), lambda t: mp.cos(mp.pi * t / 2), False),
    "erfinv-beta": ("Beta(2,2)", sp.erfinv(2 * z - 1), lambda t: mp.erfinv(2 * t - 1), True),
    # 0 at the median exactly, and no 1/0 where tan(πu)³ underflows
    "cauchy-cube": ("Cauchy", -(z**3), lambda t: -(t**3), False),
    "sqrt-gamma": ("Gamma(3)", sp.sqrt(z), mp.sqrt, True),
    # a log, root or power after a base quantile that underflows: read in log space
    "log-gamma-half": ("Gamma(1/2)", sp.log(z), mp.log, True),
    "sqrt-beta-half": ("Beta(1/2,3)", sp.sqrt(z), mp.sqrt, True),
    "cbrt-weibull": ("Weibull(7/10,2)", sp.cbrt(z), mp.cbrt, True),
    "scaled-beta-half": ("Beta(1/2,3)", 10**300 * z, lambda t: 10**300 * t, True),
    # atanh next to its pole at −1 after a root, and at +1 through 1 − √(1 − d)
    "atanh-beta-half": (
        "Beta(1/2,3)",
        sp.atanh(2 * sp.sqrt(z) - 1),
        lambda t: mp.atanh(2 * mp.sqrt(t) - 1),
        True,
    ),
    # log erf(√z) as log1p(−erfc(√z)) where erf rounds to 1 (isf(1e-300) ≈ −1e-300)
    "log-erf-gamma-half": (
        "Gamma(1/2)",
        sp.log(sp.erf(sp.sqrt(z))),
        lambda t: mp.log(mp.erf(mp.sqrt(t))),
        True,
    ),
    # log(z⁵ + 1) next to z = −1: (d − 1)⁵ + 1 cancels unless written on d
    "log-fifth-power": (
        "U(-1,2)",
        sp.log(z**5 + 1),
        lambda t: mp.log(t**5 + 1),
        True,
    ),
}


@pytest.fixture(scope="module", params=sorted(FLOWS))
def case(request):
    """(name, compiled kernels, oracle quantile, oracle isf) of one flow."""
    name = request.param
    base_name, f, f_mp, increasing = FLOWS[name]
    make, lower, upper = BASES[base_name]
    kernels = sf.Flow(make(), [sf.Transform(f, z)]).compile()

    def image(at, mirror):
        # the base quantile from the tail the probability lies in (1 − u is exact here)
        def truth(u: float) -> float:
            with mp.workdps(400):
                u = mpf(u)
                return float(f_mp(at(u) if u <= 0.5 else mirror(1 - u)))

        return truth

    below, above = (lower, upper) if increasing else (upper, lower)
    return name, kernels, image(below, above), image(above, below)


def _close(got: float, want: float) -> bool:
    if math.isinf(want):
        return got == want
    if want == 0.0:  # the median of a symmetric flow: f(1/2) rounds at the scale of 1
        return abs(got) <= 1e-15
    return math.isfinite(got) and abs(got - want) <= RTOL * abs(want)


@pytest.mark.parametrize("kind", ["quantile", "isf"])
def test_quantile_near_base_edges(case, kind):
    """k.quantile(u) = f(F_Z⁻¹(u)) and k.isf(q) = f(S_Z⁻¹(q)) to 1e-12 from u = 1e-300
    to 1 − 1e-16, with f read at the base quantile's distance to its edge."""
    name, kernels, quantile, isf = case
    got = getattr(kernels, kind)(np.array(PROBABILITIES))
    truth = quantile if kind == "quantile" else isf
    wrong = [
        (u, float(g), truth(u))
        for u, g in zip(PROBABILITIES, got, strict=True)
        if not _close(g, truth(u))
    ]
    assert not wrong, f"{name} {kind}: (u, kernel, mpmath) {wrong}"


def test_a_negative_power_overflows_to_inf() -> None:
    """x = z⁻² on U(0, 1): isf(1e-300) is 1e600, inf in float64 (not a ZeroDivisionError
    from 0.0 ** -2 in numba); isf(1/4) = 16."""
    k = sf.Flow(sf.Uniform(0, 1), [sf.Transform(z**-2, z)]).compile()
    assert k.isf(np.array([1e-300, 0.25])).tolist() == [math.inf, 16.0]


def test_logit_of_a_truncated_normal_near_its_truncation_points() -> None:
    """Z ~ N(0, 1) on (0, 1), x = log(z/(1 − z)): next to z = 0 the distance is
    u·m/φ(0) and next to 1 it is q·m/φ(1) (m = Φ(1) − Φ(0)), to O(1e-300)."""
    k = sf.Flow(sf.Truncated(sf.Normal(0, 1), 0, 1), [sf.Transform(sp.log(z / (1 - z)), z)])
    k = k.compile()
    m = mp.ncdf(1) - mp.ncdf(0)
    phi = [mp.npdf(0), mp.npdf(1)]
    want = [float(mp.log(mpf(1e-300) * m / phi[0])), float(-mp.log(mpf(1e-300) * m / phi[1]))]
    got = [float(k.quantile(np.array([1e-300]))[0]), float(k.isf(np.array([1e-300]))[0])]
    assert got == pytest.approx(want, rel=1e-12)


def _distance_from_cut(cdf, a, b, u, upper) -> mpf:
    """d with P(a < Z < a + d) = u·m (or P(b − d < Z < b) = u·m) for the parent CDF ``cdf``,
    m = F(b) − F(a): bisection on log d at 330 digits (F(a + 1e-300) − F(a) keeps 30)."""
    with mp.workdps(330):
        a, b = mpf(a), mpf(b)
        fa, fb = cdf(a), cdf(b)
        level = mpf(u) * (fb - fa)

        def mass(d):
            return fb - cdf(b - d) if upper else cdf(a + d) - fa

        lo, hi = mp.log(mpf(10) ** -310), mp.log(b - a)
        for _ in range(64):  # to 4e-17 in log d
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mass(mp.exp(mid)) < level else (lo, mid)
        return mp.exp((lo + hi) / 2)


# a base cut at two points inside its parent's support: (parent, a, b, parent CDF in mpmath).
# Gamma(3, 1) has no closed-form quantile (F⁻¹ by bracketing, then the distance by Newton
# steps), and F(3) > 1/2 puts (3, 6) in its upper half (the kernel forms read S there)
CUTS = {
    "Gamma(3, 1) on (3, 6)": (
        lambda: sf.Gamma(3, 1),
        3,
        6,
        lambda t: -mp.expm1(-t) - mp.exp(-t) * (t + t**2 / 2),
    ),
}


@pytest.fixture(scope="module", params=sorted(CUTS))
def cut(request):
    """(name, kernels of x = log((z − a)/(b − z)) on the cut base, a, b, parent CDF)."""
    parent, a, b, cdf = CUTS[request.param]
    flow = sf.Flow(sf.Truncated(parent(), a, b), [sf.Transform(sp.log((z - a) / (b - z)), z)])
    return request.param, flow.compile(), a, b, cdf


@pytest.mark.parametrize("kind", ["quantile", "isf"])
def test_quantile_next_to_the_cut_points_of_a_truncated_base(cut, kind):
    """x = log(d_a/d_b) at the point with probability u from a cut point (quantile: from
    a, isf: from b), to 1e-12 from u = 1e-300 (d ≈ 1e-300, where F(a) + u·m is F(a))
    to 0.3, against the distances solved in mpmath at 330 digits."""
    name, kernels, a, b, cdf = cut
    us = (1e-300, 1e-12, 1e-4, 0.3)
    got = getattr(kernels, kind)(np.array(us))
    wrong = []
    for u, g in zip(us, got, strict=True):
        d = _distance_from_cut(cdf, a, b, u, upper=kind == "isf")
        with mp.workdps(50):
            want = float(mp.log(d / (b - a - d)) * (-1 if kind == "isf" else 1))
        if not _close(float(g), want):
            wrong.append((u, float(g), want))
    assert not wrong, f"{name} {kind}: (u, kernel, mpmath) {wrong}"


def test_an_odd_negative_power_of_a_normal_overflows_to_inf_where_its_quantile_does() -> None:
    """x = z⁻³ on N(0, 1) (two decreasing pieces, inverted by bracketing): F_X⁻¹(u) =
    Φ⁻¹(½ − u)⁻³ ≈ −(φ(0)/u)³ is −6e898 at u = 1e-300, −inf in float64 (not the largest
    float), and finite to 1e-12 where it is finite; the isf mirrors it."""
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(z**-3, z)]).compile()
    us = (1e-300, 1e-100, 1e-20, 0.3)
    with mp.workdps(50):
        want = [float((-mp.sqrt(2) * mp.erfinv(2 * mpf(u))) ** -3) for u in us]  # Φ⁻¹(½ − u)
    assert want[0] == -math.inf
    for kind, sign in (("quantile", 1), ("isf", -1)):
        got = getattr(k, kind)(np.array(us))
        wrong = [(u, g, sign * w) for u, g, w in zip(us, got, want, strict=True)]
        wrong = [(u, g, w) for u, g, w in wrong if not _close(float(g), w)]
        assert not wrong, f"{kind}: (u, kernel, mpmath) {wrong}"
