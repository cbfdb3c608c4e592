r"""Special functions for numba kernels: SciPy's compiled ``cython_special`` called by symbol.

SciPy's ``scipy.special.cython_special`` exports its scalar C implementations (Cephes,
Boost and xsf code) through Cython's C API (``__pyx_capi__``). Each is reached here by
address with :func:`numba.extending.get_cython_function_address`, the mechanism numba
documents for calling Cython functions, and the address is given to LLVM under a symbol
name of its own (``symflow_<name>``); numba code then calls the symbol through an
:class:`numba.types.ExternalFunction`. Calling the symbol, not a ctypes pointer, matters
twice:

* numba refuses to cache a function that calls a ctypes pointer (the pointer is a
  constant address of *this* process), while a call to a named symbol is cached and
  linked again, at the new address, when a later process loads it;
* machine code that names the symbol never runs with a stale address: the native
  loader (:mod:`symflow.codegen.native`) links a cached object file in a later process by
  resolving each of its undefined symbols there (these through
  :mod:`symflow.codegen.cython_symbols`, without numba).

Importing this module registers every symbol (it imports SciPy, about 0.3 s once per
process); the generated kernel modules import it only when they call one of its
functions.

Fused Cython functions have one C entry per type, with mangled names
(``__pyx_fuse_1psi`` is the ``double`` version of ``psi``); :data:`BINDINGS` lists the
entries used. A few functions SciPy does not export this way are written here in numba:
the Hurwitz zeta function (Euler–Maclaurin summation, as Cephes ``zeta.c``), polygamma
(from zeta and psi) and the two real branches of the Lambert W function (Halley steps from
a series start, and Newton steps on w + log|w| = log|x| far from the branch point).

Accuracy against mpmath, and speed against the hand-written numba versions they replace,
are listed in ``docs/performance.md``.

Examples
--------
>>> round(float(psi(1.0)), 15)  # −γ
-0.577215664901533
>>> float(ndtri(0.975))
1.959963984540054
>>> float(lambertw0(1.0)), float(lambertwm1(-0.1))
(0.5671432904097838, -3.5771520639572967)
>>> float(lambertw0_edge(-0.36787944117144))  # 1 + W₀(x) next to the branch point −1/e
1.1228359387687445e-07
"""

from __future__ import annotations

import math

import llvmlite.binding as llvm
from numba import njit, types
from numba.extending import get_cython_function_address

from symflow.codegen.cython_symbols import BINDINGS, SYMBOL_PREFIX

__all__ = [
    "BINDINGS",
    "SYMBOL_PREFIX",
    "betainc",
    "betaincc",
    "betaincinv",
    "betaln",
    "erf",
    "erfc",
    "erfcinv",
    "erf_difference",
    "erfinv_difference",
    "erfcx",
    "erfinv",
    "exp1",
    "expi",
    "expn",
    "gamma",
    "gammainc",
    "gammaincc",
    "gammainccinv",
    "gammaincinv",
    "gammaln",
    "lambertw0",
    "lambertw0_exp",
    "erfcinv_exp",
    "lambertwm1",
    "log_betaincinv",
    "log_gammaincinv",
    "lambertw0_edge",
    "lambertwm1_edge",
    "lambertw0_edge_offset",
    "lambertwm1_edge_offset",
    "log_ndtr",
    "loggamma",
    "lowergamma",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "rgamma",
    "stdtr",
    "stdtrit",
    "uppergamma",
    "zeta",
    "zeta_prime",
    "zetac",
]

_MODULE = "scipy.special.cython_special"


def address(name: str) -> int:
    """The address of the ``double`` C entry of ``scipy.special.<name>`` in this process.

    Examples
    --------
    >>> address("psi") > 0
    True
    """
    return get_cython_function_address(_MODULE, BINDINGS[name][0])


def _external(name: str) -> types.ExternalFunction:
    """Register ``name``'s address under its LLVM symbol; the numba-callable declaration."""
    entry, arity = BINDINGS[name]
    symbol = SYMBOL_PREFIX + name
    llvm.add_symbol(symbol, address(name))
    return types.ExternalFunction(symbol, types.float64(*[types.float64] * arity, types.intc))


_c = {name: _external(name) for name in BINDINGS}
_psi, _gamma, _rgamma, _gammaln = _c["psi"], _c["gamma"], _c["rgamma"], _c["gammaln"]
_loggamma, _gammainc, _gammaincc = _c["loggamma"], _c["gammainc"], _c["gammaincc"]
_gammaincinv, _gammainccinv = _c["gammaincinv"], _c["gammainccinv"]
_betainc, _betaincc, _betaincinv = _c["betainc"], _c["betaincc"], _c["betaincinv"]
_betaln, _ndtr, _ndtri, _log_ndtr = _c["betaln"], _c["ndtr"], _c["ndtri"], _c["log_ndtr"]
_erf, _erfc, _erfcx, _erfinv, _erfcinv = (
    _c["erf"],
    _c["erfc"],
    _c["erfcx"],
    _c["erfinv"],
    _c["erfcinv"],
)
_expi, _exp1, _expn, _zetac = _c["expi"], _c["exp1"], _c["expn"], _c["zetac"]
_stdtr, _stdtrit = _c["stdtr"], _c["stdtrit"]
_jit = njit(cache=True, error_model="numpy")


@_jit
def psi(x):
    """ψ(x) = Γ'(x)/Γ(x), the digamma function."""
    return _psi(x, 0)


@_jit
def gamma(x):
    """Γ(x)."""
    return _gamma(x, 0)


@_jit
def rgamma(x):
    """1/Γ(x), zero at the poles of Γ."""
    return _rgamma(x, 0)


@_jit
def gammaln(x):
    """log|Γ(x)|."""
    return _gammaln(x, 0)


@_jit
def loggamma(x):
    """log Γ(x) for x > 0 (nan for x <= 0, where Γ changes sign)."""
    return _loggamma(x, 0)


@_jit
def gammainc(a, x):
    """P(a, x) = γ(a, x)/Γ(a), the regularised lower incomplete gamma function."""
    return _gammainc(a, x, 0)


@_jit
def gammaincc(a, x):
    """Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), accurate where P is near 1."""
    return _gammaincc(a, x, 0)


@_jit
def gammaincinv(a, p):
    """x with P(a, x) = p."""
    return _gammaincinv(a, p, 0)


@_jit
def gammainccinv(a, q):
    """x with Q(a, x) = q."""
    return _gammainccinv(a, q, 0)


@_jit
def lowergamma(a, x):
    """γ(a, x) = ∫_0^x t^(a−1) e^(−t) dt = P(a, x)·Γ(a)."""
    return _gammainc(a, x, 0) * _gamma(a, 0)


@_jit
def uppergamma(a, x):
    """Γ(a, x) = ∫_x^∞ t^(a−1) e^(−t) dt = Q(a, x)·Γ(a)."""
    return _gammaincc(a, x, 0) * _gamma(a, 0)


@_jit
def betainc(a, b, x):
    """I_x(a, b), the regularised incomplete beta function."""
    return _betainc(a, b, x, 0)


@_jit
def betaincc(a, b, x):
    """1 − I_x(a, b), accurate where I is near 1."""
    return _betaincc(a, b, x, 0)


@_jit
def betaincinv(a, b, y):
    """x with I_x(a, b) = y."""
    return _betaincinv(a, b, y, 0)


@_jit
def betaln(a, b):
    """log|B(a, b)|."""
    return _betaln(a, b, 0)


#: below x = e^−40 the leading term of P(a, x) or I_x(a, b) at x = 0 is exact in float64
_LOG_SMALL_INVERSE = -40.0


@_jit
def log_gammaincinv(a, p):
    """log x with P(a, x) = p, finite where x underflows (P(0.5, x) = 1e-300 at
    x ≈ 7.9e-601): log x = (log p + log Γ(a + 1))/a below x = e^−40, where
    P(a, x) = x^a/Γ(a + 1)·(1 + O(x)); log of :func:`gammaincinv` above."""
    if not (p >= 0.0 and a > 0.0):
        return math.nan
    if p == 0.0:
        return -math.inf
    t = (math.log(p) + _gammaln(a + 1.0, 0)) / a
    if t < _LOG_SMALL_INVERSE:
        return t
    return math.log(_gammaincinv(a, p, 0))


@_jit
def log_betaincinv(a, b, y):
    """log x with I_x(a, b) = y, finite where x underflows (I_x(0.5, 3) = 1e-300 at
    x ≈ 2.8e-601): log x = (log y + log a + log B(a, b))/a where x·|b − 1| < e^−40,
    since I_x(a, b) = x^a/(a·B(a, b))·(1 + O(|b − 1|·x)); log of :func:`betaincinv`
    above."""
    if not (y >= 0.0 and a > 0.0 and b > 0.0):
        return math.nan
    if y == 0.0:
        return -math.inf
    t = (math.log(y) + math.log(a) + _betaln(a, b, 0)) / a
    if t + math.log1p(abs(b - 1.0)) < _LOG_SMALL_INVERSE:
        return t
    return math.log(_betaincinv(a, b, y, 0))


@_jit
def ndtr(x):
    """Φ(x), the standard normal CDF."""
    return _ndtr(x, 0)


@_jit
def ndtri(p):
    """Φ⁻¹(p)."""
    return _ndtri(p, 0)


@_jit
def log_ndtr(x):
    """log Φ(x), accurate far in the lower tail."""
    return _log_ndtr(x, 0)


@_jit
def erf(x):
    """erf(x) = 2/√π ∫_0^x e^(−t²) dt."""
    return _erf(x, 0)


@_jit
def erfc(x):
    """erfc(x) = 1 − erf(x)."""
    return _erfc(x, 0)


@_jit
def erfcx(x):
    """e^(x²)·erfc(x), the scaled complementary error function."""
    return _erfcx(x, 0)


@_jit
def erfinv(y):
    """erf⁻¹(y)."""
    return _erfinv(y, 0)


@_jit
def erfcinv(y):
    """erfc⁻¹(y)."""
    return _erfcinv(y, 0)


@_jit
def expi(x):
    """Ei(x) = −PV∫_(−x)^∞ e^(−t)/t dt."""
    return _expi(x, 0)


@_jit
def exp1(x):
    """E1(x) = ∫_1^∞ e^(−xt)/t dt."""
    return _exp1(x, 0)


@_jit
def expn(n, x):
    """E_n(x) = ∫_1^∞ e^(−xt)/t^n dt for integer n >= 0 (given as a float)."""
    return _expn(n, x, 0)


@_jit
def zetac(s):
    """ζ(s) − 1, the Riemann zeta function minus one."""
    return _zetac(s, 0)


@_jit
def stdtr(nu, t):
    """The CDF of Student's t with nu degrees of freedom at t."""
    return _stdtr(nu, t, 0)


_T_TAIL = 1e-6


@_jit
def stdtrit(nu, p):
    """The quantile of Student's t with nu degrees of freedom at p; in the tails
    t = ∓√(nu (1 − x)/x) with x = I⁻¹_{2 min(p, 1 − p)}(nu/2, 1/2) (SciPy's stdtrit is
    +inf at nu = 3, p = 1e-300 and half the truth at p = 1e-200)."""
    tail = min(p, 1.0 - p)
    if tail > 0.0 and tail < _T_TAIL:
        a = 0.5 * nu
        x = _betaincinv(a, 0.5, 2.0 * tail, 0)
        if x < 1e-280:  # x underflows: I_x(a, 1/2) = x^a/(a B(a, 1/2)) (1 + O(x))
            log_b = math.lgamma(a) + math.lgamma(0.5) - math.lgamma(a + 0.5)
            t = math.sqrt(nu) * (2.0 * tail) ** (-1.0 / nu) * math.exp(-(math.log(a) + log_b) / nu)
        else:
            t = math.sqrt(nu * (1.0 - x) / x)
        return -t if p < 0.5 else t
    return _stdtrit(nu, p, 0)


# Euler–Maclaurin coefficients (2k)!/B_2k of Cephes zeta.c
_ZETA_A = (
    12.0,
    -720.0,
    30240.0,
    -1209600.0,
    47900160.0,
    -1.8924375803183791606e9,
    7.47242496e10,
    -2.950130727918164224e12,
    1.1646782814350067249e14,
    -4.5979787224074726105e15,
    1.8152105401943546773e17,
    -7.1661652561756670113e18,
)
_EPS = 1.1102230246251565e-16


@_jit
def zeta(s, q):
    """ζ(s, q) = Σ_{k>=0} (k + q)^(−s), the Hurwitz zeta function, for s > 1, q > 0
    (inf at s = 1, nan elsewhere). Cephes ``zeta.c``: direct sum, then Euler–Maclaurin."""
    s = float(s)
    q = float(q)
    if s != s or q != q:
        return math.nan
    if s == 1.0:
        return math.inf
    if s < 1.0 or q <= 0.0:
        return math.nan
    if q > 1e8:  # asymptotic: the sum is an integral to double precision
        return (1.0 / (s - 1.0) + 0.5 / q) * q ** (1.0 - s)
    total = q**-s
    a = q
    b = 0.0
    i = 0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a**-s
        total += b
        if abs(b / total) < _EPS:
            return total
    w = a
    total += b * w / (s - 1.0)
    total -= 0.5 * b
    fac = 1.0
    k = 0.0
    for j in range(12):
        fac *= s + k
        b /= w
        t = fac * b / _ZETA_A[j]
        total += t
        if abs(t / total) < _EPS:
            return total
        k += 1.0
        fac *= s + k
        b /= w
        k += 1.0
    return total


@_jit
def zeta_prime(s, q):
    """∂ζ(s, q)/∂s = −Σ_{k>=0} log(k + q)·(k + q)^(−s), for s > 1, q > 0 (−inf at s = 1,
    nan elsewhere): the sum to the first term below 1e-16 of the total (at least 10 terms,
    up to k + q > 9), then the s-derivative of the Euler–Maclaurin tail of :func:`zeta`."""
    s = float(s)
    q = float(q)
    if s != s or q != q:
        return math.nan
    if s == 1.0:
        return -math.inf
    if s < 1.0 or q <= 0.0:
        return math.nan
    b = q**-s
    total = -math.log(q) * b
    a = q
    i = 0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a**-s
        term = -math.log(a) * b
        total += term
        if abs(term) < _EPS * abs(total):
            return total
    w = a
    log_w = math.log(w)
    # d/ds of w^(1−s)/(s − 1) − w^(−s)/2: the term k = a is in the sum already
    total -= b * w * (log_w / (s - 1.0) + 1.0 / ((s - 1.0) * (s - 1.0)))
    total += 0.5 * log_w * b
    fac = 1.0  # (s)_(2j+1) = s(s + 1)...(s + 2j)
    harmonic = 0.0  # its log-derivative Σ 1/(s + i)
    k = 0.0
    for j in range(12):
        fac *= s + k
        harmonic += 1.0 / (s + k)
        b /= w
        t = fac * b / _ZETA_A[j] * (harmonic - log_w)
        total += t
        if abs(t) < _EPS * abs(total):
            return total
        k += 1.0
        fac *= s + k
        harmonic += 1.0 / (s + k)
        b /= w
        k += 1.0
    return total


@_jit
def polygamma(n, x):
    """ψ⁽ⁿ⁾(x) = dⁿψ/dxⁿ for integer n >= 0 (a float): (−1)^(n+1)·n!·ζ(n+1, x) for n >= 1,
    reached for x <= 0 by the recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) − (−1)ⁿ·n!/x^(n+1)."""
    if n != n or x != x or n < 0.0 or n != math.floor(n):
        return math.nan
    if n == 0.0:
        return _psi(x, 0)
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    sign = 1.0 if n % 2.0 == 1.0 else -1.0  # (−1)^(n+1)
    factorial = _gamma(n + 1.0, 0)  # SciPy's Γ: numba's own needs its runtime
    shift = 0.0
    while x <= 0.0:  # ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) + (−1)^(n+1)·n!/x^(n+1)
        shift += sign * factorial / x ** (n + 1.0)
        x += 1.0
    return sign * factorial * zeta(n + 1.0, x) + shift


_INV_E = 0.36787944117144233  # 1/e rounded, and the rounding error below
_INV_E_LO = -1.2428753672788363e-17


@_jit
def _branch_distance(x):
    """p² = 2(e·x + 1) = 2e·(x + 1/e), with x + 1/e exact to double-double."""
    return 2.0 * math.e * ((x + _INV_E) + _INV_E_LO)


#: W = Σ μ_k p^k about the branch point x = −1/e, p = ±√(2(ex + 1)) (+ for W₀, − for W₋₁)
_BRANCH = (
    -1.0,
    1.0,
    -1.0 / 3.0,
    11.0 / 72.0,
    -43.0 / 540.0,
    769.0 / 17280.0,
    -221.0 / 8505.0,
    680863.0 / 43545600.0,
    -1963.0 / 204120.0,
    226287557.0 / 37623398400.0,
)


@_jit
def _branch_series(p):
    w = 0.0
    for k in range(len(_BRANCH) - 1, -1, -1):
        w = w * p + _BRANCH[k]
    return w


@_jit
def _lambertw_halley(x, w):
    for _ in range(30):
        ew = math.exp(w)
        f = w * ew - x
        wp1 = w + 1.0
        if wp1 == 0.0:
            return w
        step = f / (ew * wp1 - 0.5 * (w + 2.0) * f / wp1)
        w -= step
        if abs(step) <= 4.0 * _EPS * abs(w):
            break
    return w


@_jit
def _lambertw_log(logx, w):
    # Newton on g(w) = w + log|w| − log|x|, nearly linear when |w| is large
    for _ in range(30):
        step = (w + math.log(abs(w)) - logx) / (1.0 + 1.0 / w)
        w -= step
        if abs(step) <= 4.0 * _EPS * abs(w):
            break
    return w


@_jit
def lambertw0(x):
    """W₀(x): the w >= −1 with w·e^w = x, for x >= −1/e (nan below)."""
    if x != x or x < -_INV_E:
        return math.nan
    if x == math.inf:
        return math.inf
    if x == 0.0:
        return x
    if abs(x) < 1e-8:  # W = x − x² + 3x³/2 − ...
        return x * (1.0 - x * (1.0 - 1.5 * x))
    if x > 20.0:
        logx = math.log(x)
        return _lambertw_log(logx, logx - math.log(logx))
    p2 = _branch_distance(x)
    if p2 < 0.25:  # the series in p = √(2(ex + 1)) about the branch point
        w = _branch_series(math.sqrt(max(p2, 0.0)))
        if p2 < 1e-3:
            return w
    else:
        w = math.log1p(x) * (1.0 - math.log1p(math.log1p(x)) / (2.0 + math.log1p(x)))
    return _lambertw_halley(x, w)


@_jit
def lambertw0_exp(u):
    """W₀(e^u), also where e^u overflows (u > 709.78): Newton on w + log w = u."""
    if u != u or u == math.inf:
        return u
    if u > 3.0:  # e^u > 20, as in lambertw0
        return _lambertw_log(u, u - math.log(u))
    return lambertw0(math.exp(u))


@_jit
def lambertwm1(x):
    """W₋₁(x): the w <= −1 with w·e^w = x, for −1/e <= x < 0 (nan elsewhere)."""
    if x != x or x < -_INV_E or x >= 0.0:
        return -math.inf if x == 0.0 else math.nan
    p2 = _branch_distance(x)
    if p2 < 0.25:
        w = _branch_series(-math.sqrt(max(p2, 0.0)))
        if p2 < 1e-3:
            return w
        return _lambertw_halley(x, w)
    logx = math.log(-x)
    return _lambertw_log(logx, logx - math.log(-logx))


_SQRT_PI = math.sqrt(math.pi)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI
#: 8-point Gauss–Legendre on (−1, 1): positive nodes and weights (each used at ±x)
_GL8 = (
    (0.1834346424956498, 0.3626837833783620),
    (0.5255324099163290, 0.3137066458778873),
    (0.7966664774136267, 0.2223810344533745),
    (0.9602898564975363, 0.1012285362903763),
)


@_jit
def erf_difference(a, d):
    """erf(a + d) − erf(a) to a few ulp, also for tiny d: (2/√π)·e^(−a²) times the
    8-point Gauss–Legendre integral of e^(−s(2a + s)) over (0, d) where the exponent
    varies by at most ½ there; a difference of erfc (or of erf) values elsewhere, which
    then do not cancel."""
    if a != a or d != d:
        return a + d
    if abs(d) * (abs(a) + abs(d) + 1.0) <= 0.5:
        h = 0.5 * d
        total = 0.0
        for x, w in _GL8:
            for s in (h * (1.0 - x), h * (1.0 + x)):
                total += w * math.exp(-s * (2.0 * a + s))
        return _TWO_OVER_SQRT_PI * math.exp(-a * a) * h * total
    b = a + d
    if a > 0.0 and b > 0.0:
        return math.erfc(a) - math.erfc(b)
    if a < 0.0 and b < 0.0:
        return math.erfc(-b) - math.erfc(-a)
    return math.erf(b) - math.erf(a)


@_jit
def erfinv_difference(y, dd):
    """erf⁻¹(erf(y) + D) − y, the root w of erf_difference(y, w) = D: Newton steps from
    the linear start D·(√π/2)·e^(y²) (from erf⁻¹ of the sum where that start is far);
    nan where erf(y) + D leaves (−1, 1)."""
    if y != y or dd != dd:
        return y + dd
    if dd == 0.0:
        return 0.0
    w = dd * 0.5 * _SQRT_PI * math.exp(y * y)
    if not abs(w) * (abs(y) + abs(w) + 1.0) <= 0.25:
        target = math.erf(y) + dd
        if not -1.0 < target < 1.0:
            return math.nan
        w = erfinv(target) - y
    for _ in range(8):
        slope = _TWO_OVER_SQRT_PI * math.exp(-(y + w) * (y + w))
        if slope == 0.0:
            break
        step = (erf_difference(y, w) - dd) / slope
        w -= step
        if abs(step) <= 4e-16 * abs(w):
            break
    return w


@_jit
def erfcinv_exp(v):
    """erfc⁻¹(e^v) for v <= log 2, also where e^v rounds to 1 (v near 0) or underflows
    (v < −708): erf⁻¹(−expm1 v) above v = −½, erfc⁻¹(e^v) down to −700, and below four
    Newton steps on log erfc(w) = v (log erfc(w) = log 2 + log Φ(−√2·w)) from the
    asymptote erfc(w) ~ e^(−w²)/(w√π)."""
    if v != v:
        return v
    if v > -0.5:
        return erfinv(-math.expm1(v))
    if v > -700.0:
        return erfcinv(math.exp(v))
    w = math.sqrt(-v - math.log(math.sqrt(-v) * _SQRT_PI))
    for _ in range(4):
        g = math.log(2.0) + log_ndtr(-math.sqrt(2.0) * w) - v
        slope = -2.0 / _SQRT_PI * math.exp(-w * w - (g + v))
        w = w - g / slope
    return w


@_jit
def _branch_edge_series(p):
    """Σ_{k>=1} μ_k p^k = 1 + W (the series about the branch point without its −1)."""
    s = 0.0
    for k in range(len(_BRANCH) - 1, 0, -1):
        s = (s + _BRANCH[k]) * p
    return s


@_jit
def lambertw0_edge(x):
    """1 + W₀(x), the distance of W₀(x) from the branch value −1, to a few ulp also next
    to the branch point x = −1/e, where 1 + W from a rounded W keeps only the digits of W
    beyond its −1 (relative error 1e-16/(1 + W)): from the series in p = √(2(ex + 1)),
    with ex + 1 exact to double-double, where p² < 1e-3; 1 + W₀(x) elsewhere."""
    if x != x or x < -_INV_E:
        return math.nan
    p2 = _branch_distance(x)
    if p2 < 1e-3:
        return _branch_edge_series(math.sqrt(max(p2, 0.0)))
    return 1.0 + lambertw0(x)


@_jit
def lambertwm1_edge(x):
    """−1 − W₋₁(x) >= 0, the distance of W₋₁(x) from the branch value −1, as
    :func:`lambertw0_edge` (the series in −p)."""
    if x != x or x < -_INV_E or x >= 0.0:
        return math.inf if x == 0.0 else math.nan
    p2 = _branch_distance(x)
    if p2 < 1e-3:
        return -_branch_edge_series(-math.sqrt(max(p2, 0.0)))
    return -1.0 - lambertwm1(x)


@_jit
def lambertw0_edge_offset(d):
    """1 + W₀(d − 1/e) for the offset d >= 0 of the argument from the branch point, held
    without rounding (d = −e⁻¹·expm1(u + 1) for the argument −eᵘ): the series in
    p = √(2e·d) where p² < 1e-3, where −1/e + d rounded would keep only the digits of d
    beyond 1e-16/d; :func:`lambertw0_edge` of −1/e + d elsewhere."""
    if d != d or d < 0.0:
        return math.nan
    p2 = 2.0 * math.e * d
    if p2 < 1e-3:
        return _branch_edge_series(math.sqrt(p2))
    return lambertw0_edge((d - _INV_E) - _INV_E_LO)


@_jit
def lambertwm1_edge_offset(d):
    """−1 − W₋₁(d − 1/e) >= 0 for the offset d >= 0 of the argument from the branch
    point, as :func:`lambertw0_edge_offset` (the series in −p)."""
    if d != d or d < 0.0:
        return math.nan
    p2 = 2.0 * math.e * d
    if p2 < 1e-3:
        return -_branch_edge_series(-math.sqrt(p2))
    return lambertwm1_edge((d - _INV_E) - _INV_E_LO)
