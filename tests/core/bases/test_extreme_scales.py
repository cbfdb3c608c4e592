"""Location-scale (and Weibull) bases at extreme but valid scales (1e-300 … 1e300) and
far points, against textbook log-densities and CDFs in mpmath at 60 digits.

The standardised t = (x − m)/s overflows there (1e10/1e-300), and with numbers SymPy
distributes 1/s over x − m, whose digits are then lost next to m (x/3 − 1e8/3); the
kernels must give the finite truth all the same.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from mpmath import mp, mpf

import symflow as sf

z = sp.Symbol("z", real=True)
RTOL = 1e-12
NEXT = float(np.nextafter(1e8, math.inf))  # one float above the location 1e8


def _t(m, s, x):
    return (mpf(x) - mpf(m)) / mpf(s)


# name: (base class, textbook log p(x; m, s) in mpmath)
LOG_DENSITIES = {
    "Cauchy": (
        sf.Cauchy,
        lambda m, s, x: -mp.log(mp.pi * mpf(s)) - mp.log1p(_t(m, s, x) ** 2),
    ),
    "Normal": (
        sf.Normal,
        lambda m, s, x: -(_t(m, s, x) ** 2) / 2 - mp.log(mpf(s) * mp.sqrt(2 * mp.pi)),
    ),
    "Logistic": (
        sf.Logistic,
        lambda m, s, x: (
            -abs(_t(m, s, x)) - 2 * mp.log1p(mp.exp(-abs(_t(m, s, x)))) - mp.log(mpf(s))
        ),
    ),
    "StudentT(3)": (
        lambda m, s: sf.StudentT(3, m, s),
        lambda m, s, x: (
            mp.loggamma(2)
            - mp.loggamma(mpf(3) / 2)
            - mp.log(3 * mp.pi) / 2
            - mp.log(mpf(s))
            - 2 * mp.log1p(_t(m, s, x) ** 2 / 3)
        ),
    ),
    "Laplace": (sf.Laplace, lambda m, s, x: -abs(_t(m, s, x)) - mp.log(2 * mpf(s))),
    # m is the shape here: log(k/s) + (k − 1)·log(x/s) − (x/s)^k
    "Weibull": (
        sf.Weibull,
        lambda k, s, x: (
            mp.log(mpf(k) / mpf(s)) + (k - 1) * mp.log(mpf(x) / mpf(s)) - (mpf(x) / mpf(s)) ** k
        ),
    ),
}

# (base, m, s, points): each case one compiled kernel
CASES = [
    ("Cauchy", 0, 1e-300, (1e-300, 1.0, 1e10, 1e300, -1e308)),
    ("Cauchy", 1e8, 1e-100, (NEXT, 1e8 + 1, 1e300, -1e308)),
    ("Cauchy", 1e8, 3, (NEXT, 1e8 + 1, 1e155, 1.7e308)),
    # x − m overflows for x > 2.9e307 though x and m are floats and log p is finite
    ("Cauchy", -1.5e308, 1e-300, (-1.5e308, 0.0, 1e300, 1e308, 1.7e308)),
    ("StudentT(3)", 1.5e308, 1.0, (1.5e308, NEXT, -1e308, -1.7e308)),
    ("Normal", 0, 1e-300, (0.0, 1e-300, 1e-150)),
    # 1/(2σ²) = 5e-617 is 0.0 as a float: the kernel divides x by scales instead
    ("Normal", 1e300, 1e308, (0.0, 1e308, -1e308, 1.7e308)),
    ("Logistic", 1e8, 3, (NEXT, 1e8 + 1, 1e300, -1e300)),
    ("Logistic", 1e8, 1e-100, (NEXT, 1e8 + 1)),
    # x − m overflows for x < −2.9e307, (x − m)/s does not
    ("Laplace", 1.5e308, 1e300, (-1e308, -1.7e308, 1.5e308, 0.0)),
    ("Weibull", 3, 1e100, (1e-300, 1e100, 1e150)),  # x³ overflows, (x/1e100)³ does not
]


def _close(got: float, want: float) -> bool:
    if math.isinf(want):
        return got == want
    return math.isfinite(got) and abs(got - want) <= RTOL * abs(want)


@pytest.mark.parametrize(
    ("name", "m", "s", "points"), CASES, ids=[f"{c[0]}({c[1]:g}, {c[2]:g})" for c in CASES]
)
def test_log_prob_at_extreme_scales(name, m, s, points):
    """k.log_prob(x) = log p(x; m, s) to 1e-12 where (x − m)/s overflows or m is large."""
    cls, truth = LOG_DENSITIES[name]
    kernels = sf.Flow(cls(m, s), [sf.Transform(z, z)]).compile()
    got = kernels.log_prob(np.array(points))
    with mp.workdps(60):
        want = [float(truth(m, s, x)) for x in points]
    wrong = [(x, g, w) for x, g, w in zip(points, got, want, strict=True) if not _close(g, w)]
    assert not wrong, f"{name}({m}, {s}): (x, kernel, mpmath) {wrong}"


def test_cauchy_log_prob_with_its_scale_a_parameter():
    """Cauchy(m, s) with symbols: log(s/π) − 2·log hypot(x − m, s) for s from 1e-300 to
    1e300, also where |x − m| > 1e154 squares to inf."""
    m, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    kernels = sf.Flow(sf.Cauchy(m, s), [sf.Transform(z, z)]).compile()
    for mv, sv, x in (
        (0.0, 1e-300, 1e10),
        (1e8, 1e-100, 1e300),
        (0.0, 1.0, 1e200),
        (3.0, 1e300, 1.0),
    ):
        got = float(kernels.log_prob(np.array([x]), m=mv, s=sv)[0])
        with mp.workdps(60):
            want = float(LOG_DENSITIES["Cauchy"][1](mv, sv, x))
        assert _close(got, want), (mv, sv, x, got, want)


def test_cauchy_cdf_at_extreme_scales():
    """F(x) = atan2(s, m − x)/π and S(x) = atan2(s, x − m)/π without (x − m)/s: exact next
    to the location 1e8 with scale 3 and far out with scale 1e-100."""
    kernels = sf.Flow(sf.Cauchy(1e8, 3), [sf.Transform(z, z)]).compile()
    xs = (NEXT, 1e8 + 1, -1e300, 1e300)
    with mp.workdps(60):
        cdf = [float(mp.atan2(3, mpf(1e8) - mpf(x)) / mp.pi) for x in xs]
        sf_ = [float(mp.atan2(3, mpf(x) - mpf(1e8)) / mp.pi) for x in xs]
    for got, want in ((kernels.cdf(np.array(xs)), cdf), (kernels.sf(np.array(xs)), sf_)):
        assert all(_close(g, w) for g, w in zip(got, want, strict=True)), (got, want)


def test_cauchy_latex_keeps_the_textbook_form():
    """The derivation states p_Z as 1/(πγ(1 + ((z − x0)/γ)²)); the flow's density reads
    γ/(π((x − x0)² + γ²))."""
    flow = sf.Flow(sf.Cauchy(1, 2), [sf.Transform(z, z)])
    x = sp.Symbol("x", real=True)
    assert sp.simplify(flow.density(x) - 2 / (sp.pi * ((x - 1) ** 2 + 4))) == 0
    assert r"\left(\frac{z}{2} - \frac{1}{2}\right)^{2} + 1" in flow.derivation().markdown()


def test_standard_normal_log_density_where_x_squared_overflows() -> None:
    """−x²/2 is finite up to |x| = 1.9e154 while x·x overflows from 1.34e154: the kernel
    multiplies (−x/2)·x (a Normal(0, 1) base read −inf there)."""
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(z, z)]).compile()
    xs = [1.5e154, -1.8e154, 1.89e154, 2.5e154]
    got = k.log_prob(np.array(xs))
    for x, value in zip(xs, got, strict=True):
        truth = float(-(mp.mpf(x) ** 2) / 2 - mp.log(2 * mp.pi) / 2)
        assert value == truth or (truth == -math.inf and value == -math.inf), x


def test_a_finite_parameter_beyond_float64_is_refused_for_numbers_only():
    """Uniform(0, e^(e^1000)): exact as mathematics, but b is no float. Sampling and checks
    say so (check() raised NumPy's OverflowError); the symbolic density stays exact."""
    b = sp.exp(sp.exp(1000))
    X = sf.Flow(sf.Uniform(0, b), [sf.Transform(z, z)])
    assert X.density(z).subs(z, 1) == 1 / b
    with pytest.raises(sf.ParameterError, match=r"b = exp\(exp\(1000\)\) is finite but beyond"):
        X.check(n=2_000)
    with pytest.raises(sf.ParameterError, match="beyond the range of float64"):
        sf.Uniform(0, b).sample(10, np.random.default_rng(0))


#: x where x − 1e308 first overflows (it is below −(2¹⁰²⁴ − 2⁹⁷⁰)), and the float above
_OVERFLOW_EDGE = float(-(mp.mpf(2) ** 1024 - mp.mpf(2) ** 970) + mp.mpf(1e308))
SHIFT_POINTS = (
    -1e308,
    1e308,
    1.7e308,
    -1.7e308,
    0.0,
    _OVERFLOW_EDGE,
    float(np.nextafter(_OVERFLOW_EDGE, math.inf)),
    float(np.nextafter(_OVERFLOW_EDGE, -math.inf)),
)
# name: (base class, F_0(t) and F_0⁻¹(u) of the standard law in mpmath)
STANDARD_LAWS = {
    "Normal": (sf.Normal, mp.ncdf, lambda u: mp.sqrt(2) * mp.erfinv(2 * u - 1)),
    "Cauchy": (sf.Cauchy, lambda t: mp.atan(t) / mp.pi + mpf(1) / 2, lambda u: mp.cot(-mp.pi * u)),
}


def _float(value) -> float:
    """An mpmath value as the float64 it rounds to (±inf beyond the largest float)."""
    return float(value) if abs(value) < mpf(2) ** 1024 else math.copysign(math.inf, value)


@pytest.mark.parametrize("name", ["Normal", "Cauchy"])
def test_a_shift_beyond_float64_where_x_minus_m_overflows(name):
    """Base(0, 1e308) moved by 1e308: x − 1e308 overflows for x < −7.98e307 while
    t = (x − 1e308)/1e308 is finite; log p, F, S and F⁻¹ are right there (the shifted
    state read −inf and F = 0)."""
    cls, cdf, quantile = STANDARD_LAWS[name]
    m = s = 1e308
    k = sf.Flow(cls(0, s), [sf.Transform(z + m, z)]).compile()
    xs = np.array(SHIFT_POINTS)
    us = np.array([1e-300, 0.01, 0.3, 0.5, 0.9, 1 - 1e-16])
    got = (k.log_prob(xs), k.cdf(xs), k.sf(xs), k.quantile(us))
    with mp.workdps(50):
        want = (
            [LOG_DENSITIES[name][1](m, s, x) for x in xs],
            [cdf(_t(m, s, x)) for x in xs],
            [1 - cdf(_t(m, s, x)) for x in xs],
            [_float(mpf(m) + mpf(s) * quantile(mpf(u))) for u in us],
        )
    for what, values, truths in zip(("log p", "F", "S", "F^-1"), got, want, strict=True):
        wrong = [(g, w) for g, w in zip(values, truths, strict=True) if not _close(g, float(w))]
        assert not wrong, f"{name}: {what} (kernel, mpmath) {wrong}"
