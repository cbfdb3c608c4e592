"""The hand-written numba special functions that the kernels used before SciPy's compiled
ones were bound (symflow.codegen.special), kept for benchmarks/bench_special.py to
compare against: erf⁻¹, erfc⁻¹, Φ, Φ⁻¹, the regularised incomplete gamma and beta
functions and the Student t CDF. Not used by symflow.
"""
# ruff: noqa: E501

import math

from numba import njit


@njit(cache=True, error_model="numpy")
def _erfinv(y):
    # erf^-1(y): Giles's approximation, then Newton steps on erf (or on erfc near
    # |y| = 1, where 1 - |y| is exact and erf(x) - y would cancel)
    if y != y or y < -1.0 or y > 1.0:
        return math.nan
    if y == 1.0:
        return math.inf
    if y == -1.0:
        return -math.inf
    w = -math.log((1.0 - y) * (1.0 + y))
    if w < 5.0:
        w = w - 2.5
        p = 2.81022636e-08
        for c in (
            3.43273939e-07,
            -3.5233877e-06,
            -4.39150654e-06,
            0.00021858087,
            -0.00125372503,
            -0.00417768164,
            0.246640727,
            1.50140941,
        ):
            p = c + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        for c in (
            0.000100950558,
            0.00134934322,
            -0.00367342844,
            0.00573950773,
            -0.0076224613,
            0.00943887047,
            1.00167406,
            2.83297682,
        ):
            p = c + p * w
    x = p * y
    a = abs(y)
    s = 1.0 if y > 0 else -1.0
    if a > 0.9:
        # Newton on log erfc(|x|) = log(1 - |y|), nearly linear in |x|^2: fast from afar
        t = abs(x)
        target = math.log(1.0 - a)
        for _ in range(8):
            e = math.erfc(t)
            slope = 1.1283791670955126 * math.exp(-t * t)
            t = t + (math.log(e) - target) * e / slope
        return s * t
    for _ in range(3):
        slope = 1.1283791670955126 * math.exp(-x * x)
        x = x - (math.erf(x) - y) / slope
    return x


@njit(cache=True, error_model="numpy")
def _erfcinv(y):
    # erfc^-1(y) = erf^-1(1 - y), accurate for small y through Newton on erfc
    if y != y or y < 0.0 or y > 2.0:
        return math.nan
    if y == 0.0:
        return math.inf
    if y == 2.0:
        return -math.inf
    if y >= 0.1:
        return _erfinv(1.0 - y)
    # small y: Newton on log erfc(x) = log y (erfc(x) ~ exp(-x^2) is smooth in log space)
    x = math.sqrt(-math.log(y))
    target = math.log(y)
    for _ in range(12):
        e = math.erfc(x)
        if e == 0.0:
            break
        x = x + (math.log(e) - target) * e / (1.1283791670955126 * math.exp(-x * x))
    return x


_SQRT2 = 1.4142135623730951
_LOG_SQRT_2PI = 0.9189385332046728


@njit(cache=True, error_model="numpy")
def _ndtr(t):
    """Φ(t), accurate in the lower tail."""
    return 0.5 * math.erfc(-t / _SQRT2)


@njit(cache=True, error_model="numpy")
def _ndtr_between(lo, hi):
    """Φ(hi) − Φ(lo) for lo <= hi without cancellation near 0 or in the tails."""
    if not hi > lo:
        return 0.0
    if hi <= -1.0:
        return _ndtr(hi) - _ndtr(lo)
    if lo >= 1.0:
        return _ndtr(-lo) - _ndtr(-hi)
    return 0.5 * (math.erf(hi / _SQRT2) - math.erf(lo / _SQRT2))


@njit(cache=True, error_model="numpy")
def _ndtri_lower(p):
    """Φ⁻¹(p) for 0 < p <= 1/2 (Acklam's start, two Halley steps)."""
    if p < 0.02425:
        q = math.sqrt(-2.0 * math.log(p))
        x = (
            (
                (
                    (
                        (-7.784894002430293e-03 * q - 3.223964580411365e-01) * q
                        - 2.400758277161838e00
                    )
                    * q
                    - 2.549732539343734e00
                )
                * q
                + 4.374664141464968e00
            )
            * q
            + 2.938163982698783e00
        ) / (
            (
                ((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e00) * q
                + 3.754408661907416e00
            )
            * q
            + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (
                (
                    (
                        (
                            (-3.969683028665376e01 * r + 2.209460984245205e02) * r
                            - 2.759285104469687e02
                        )
                        * r
                        + 1.383577518672690e02
                    )
                    * r
                    - 3.066479806614716e01
                )
                * r
                + 2.506628277459239e00
            )
            * q
            / (
                (
                    (
                        (
                            (-5.447609879822406e01 * r + 1.615858368580409e02) * r
                            - 1.556989798598866e02
                        )
                        * r
                        + 6.680131188771972e01
                    )
                    * r
                    - 1.328068155288572e01
                )
                * r
                + 1.0
            )
        )
    for _ in range(2):
        if p < 0.25:
            e = 0.5 * math.erfc(-x / _SQRT2) - p
        else:
            e = 0.5 * math.erf(x / _SQRT2) - (p - 0.5)
        if e == 0.0:
            break
        u = math.copysign(math.exp(math.log(abs(e)) + 0.5 * x * x + _LOG_SQRT_2PI), e)
        x = x - u / (1.0 + 0.5 * x * u)
    return x


@njit(cache=True, error_model="numpy")
def _ndtri(p):
    """Φ⁻¹(p); ±inf at 0 and 1, nan outside [0, 1]."""
    if not (p >= 0.0 and p <= 1.0):
        return math.nan
    if p == 0.0:
        return -math.inf
    if p == 1.0:
        return math.inf
    if p > 0.5:
        return -_ndtri_lower(1.0 - p)
    return _ndtri_lower(p)


@njit(cache=True, error_model="numpy")
def _expit(t):
    """1 / (1 + exp(-t)) without overflow."""
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@njit(cache=True, error_model="numpy")
def _cauchy_cdf(t):
    """1/2 + atan(t)/π, accurate in both tails."""
    return math.atan2(1.0, -t) / math.pi


@njit(cache=True, error_model="numpy")
def _laplace_cdf(t):
    if t < 0.0:
        return 0.5 * math.exp(t)
    return 1.0 - 0.5 * math.exp(-t)


@njit(cache=True, error_model="numpy")
def _gamma_prefactor(a, x):
    return math.exp(-x + a * math.log(x) - math.lgamma(a))


@njit(cache=True, error_model="numpy")
def _gamma_series(a, x):
    """P(a, x) by its power series (x < a + 1)."""
    ap = a
    total = 1.0 / a
    term = total
    for _ in range(100000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-17:
            break
    return total * _gamma_prefactor(a, x)


@njit(cache=True, error_model="numpy")
def _gamma_cfrac(a, x):
    """Q(a, x) by its continued fraction, modified Lentz (x >= a + 1)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return _gamma_prefactor(a, x) * h


@njit(cache=True, error_model="numpy")
def _gammainc_p(a, x):
    """Regularised lower incomplete gamma P(a, x)."""
    if x != x:
        return math.nan
    if x <= 0.0:
        return 0.0
    if x == math.inf:
        return 1.0
    if x < a + 1.0:
        return _gamma_series(a, x)
    return 1.0 - _gamma_cfrac(a, x)


@njit(cache=True, error_model="numpy")
def _gammainc_q(a, x):
    """Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x)."""
    if x != x:
        return math.nan
    if x <= 0.0:
        return 1.0
    if x == math.inf:
        return 0.0
    if x < a + 1.0:
        return 1.0 - _gamma_series(a, x)
    return _gamma_cfrac(a, x)


@njit(cache=True, error_model="numpy")
def _beta_cfrac(a, b, x):
    tiny = 1e-300
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 100000):
        m2 = 2.0 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h


@njit(cache=True, error_model="numpy")
def _betainc(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x != x:
        return math.nan
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _beta_cfrac(a, b, x) / a
    return 1.0 - math.exp(lbt) * _beta_cfrac(b, a, 1.0 - x) / b


@njit(cache=True, error_model="numpy")
def _t_cdf(nu, t):
    """CDF of Student's t with nu degrees of freedom."""
    if t != t:
        return math.nan
    if t == math.inf:
        return 1.0
    if t == -math.inf:
        return 0.0
    t2 = t * t
    if t2 < nu:
        comp = 0.5 * _betainc(0.5, 0.5 * nu, t2 / (nu + t2))
        return 0.5 + comp if t > 0.0 else 0.5 - comp
    tail = 0.5 * _betainc(0.5 * nu, 0.5, nu / (nu + t2))
    return 1.0 - tail if t > 0.0 else tail
