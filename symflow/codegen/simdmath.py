r"""Elementary functions in numba that LLVM vectorises: log(x) = k·ln 2 + log(m), etc.

numba compiles ``math.log`` and friends to calls of the C library, one element at a time
(≈ 9.5 ns per call on this machine), while NumPy's own ufuncs use SIMD code (≈ 2 ns). A
loop that calls a libm function cannot be vectorised. The functions here are written as
range reduction plus polynomial in plain arithmetic, integer bit operations and *selects*
(``a if c else b`` between two values that are both already computed, which LLVM turns
into ``select``/blend instructions), with no call and no data-dependent branch. A numba
loop such as ``for i in range(n): out[i] = simd_log(x[i])`` is then inlined and
vectorised by LLVM (``<8 x double>`` on AVX-512, ``<4 x double>`` on AVX2).

Accuracy: at most 2 ulp against mpmath over the whole float64 range (tested on random
bit patterns and dense sweeps of the interesting ranges; the measured maxima are listed
in ``docs/performance.md``), with the C99 special values: ±0, ±inf, NaN, subnormal
arguments and results, log of a negative number is nan, log(0) is −inf, exp overflows to
inf and underflows gradually through the subnormals to 0.

=============================  ==============================================================
function                        method
=============================  ==============================================================
``simd_log(x)``                 fdlibm ``e_log.c``: x = 2^k·m, m ∈ [√2/2, √2), s = f/(2+f),
                                degree-14 minimax in s (subnormals pre-scaled by 2^54)
``simd_log1p(x)``               the same kernel on u = 1+x with the rounding error of 1+x
                                added back as (x − (u−1))/u
``simd_exp(x)``                 x = k·ln 2 + r (Cody–Waite, |r| ≤ ln 2 / 2), e^r − 1 by
                                Taylor to degree 13, 2^k applied as two exact powers of two
``simd_expm1(x)``               the same reduction: 2^k·(e^r − 1) + (2^k − 1)
``simd_sinh``/``cosh``/``tanh`` from the same (e^r − 1, k) pair; ½e^|x| as 2^(k−1)·e^r,
                                so sinh/cosh stay finite up to |x| ≈ 710.47
``simd_asinh``/``acosh``/       fdlibm's argument forms fed to the one log kernel
``atanh``
``simd_atan(x)``                fdlibm ``s_atan.c`` with the five intervals chosen by selects
``simd_softplus(u)``            max(u, 0) + log1p(e^−|u|)
``simd_sigmoid(u)``             1/(1 + e^−|u|), times e^−|u| for u < 0 (no overflow)
``simd_logcosh(u)``             log1p(t²/(2(1+t))), t = e^|u| − 1, for |u| < 1;
                                |u| − log 2 + log1p(e^−2|u|) beyond
``simd_log1p_sq(y)``            ½·log1p(y²); log|y| when |y| > 1e150 (no overflow)
``simd_hypot1(y)``              √(1 + y²); |y| when |y| > 2²⁷ (no overflow of y²)
``simd_logsinh(u)``             u − log 2 + log(−expm1(−2u)) (finite for every finite
                                u > 0); log1p(sinh u − 1) without cancellation next to
                                asinh 1
``simd_logaddexp(a, b)``        max(a, b) + log1p(e^−|a−b|), exact at ±inf
=============================  ==============================================================

``sqrt`` and ``abs`` need nothing here: numba already emits the vectorisable
``llvm.sqrt``/``llvm.fabs`` intrinsics for ``math.sqrt`` and ``abs``.

How to check that a loop is vectorised
--------------------------------------
Compile the loop with ``error_model="numpy"`` (the default "python" error model puts a
ZeroDivisionError branch after every division, which stops the vectoriser) and look for
packed double instructions in its assembly, or vector types in its LLVM IR::

    @njit(error_model="numpy")
    def loop(x, out):
        for i in range(x.shape[0]):
            out[i] = simd_log(x[i])

    loop(x, out)
    asm = loop.inspect_asm(loop.signatures[0])
    ir = loop.inspect_llvm(loop.signatures[0])
    "zmm" in asm or "ymm" in asm       # 512/256-bit registers in use
    "<8 x double>" in ir or "<4 x double>" in ir
    [line for line in asm.splitlines() if "vfmadd" in line or "mulpd" in line]
    "call" not in the loop body's asm  # no libm call left

:func:`vectorised` does exactly this and is used by the tests.

The functions are ordinary ``@njit`` functions compiled with ``forceinline=True`` (LLVM's
``alwaysinline``: without it LLVM declines to inline the larger ones, and a call in the
loop body stops vectorisation; numba's ``inline="always"`` also works but costs several
times the compile time), so they can be called from any user ``@njit`` code and from the
generated kernels. The only fast-math flag is ``contract`` (a·b + c may become one fma,
which removes a rounding and never adds one); everything else relies on the exact IEEE
rounding of each operation (Cody–Waite reduction, Fast2Sum/2Sum error terms, the
rounding error of 1 + x), and Dekker's product is compiled without contraction. Loops
calling them vectorise with the default ``fastmath=False`` in the caller, but need
``error_model="numpy"`` in the caller if it divides.

Examples
--------
>>> import math
>>> float(simd_log(10.0)) == math.log(10.0)
True
>>> simd_log(-1.0), simd_log(0.0), simd_exp(-800.0), simd_expm1(-0.0)
(nan, -inf, 0.0, -0.0)

References
----------
Sun Microsystems, fdlibm 5.3 (``e_log.c``, ``s_log1p.c``, ``s_atan.c``, ``s_asinh.c``).
J.-M. Muller, *Elementary Functions: Algorithms and Implementation*, 3rd ed. (2016),
chapters 6 (polynomial approximation) and 11 (range reduction).
"""

from __future__ import annotations

import math

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = [
    "two_product",
    "simd_log",
    "simd_log1p",
    "simd_exp",
    "simd_expm1",
    "simd_sinh",
    "simd_cosh",
    "simd_tanh",
    "simd_asinh",
    "simd_acosh",
    "simd_atanh",
    "simd_atan",
    "simd_softplus",
    "simd_sigmoid",
    "simd_logcosh",
    "simd_log1p_sq",
    "simd_hypot1",
    "simd_logsinh",
    "simd_logaddexp",
    "vectorised",
]

#: forceinline: LLVM ``alwaysinline``, so that the caller's loop sees the whole computation
#: (numba's own ``inline="always"`` works too but compiles much more slowly); contract:
#: LLVM may fuse a·b + c into one fma, which only removes roundings.
_JIT = {
    "cache": True,
    "error_model": "numpy",
    "nogil": True,
    "forceinline": True,
    "fastmath": {"contract"},
}
#: Dekker's product needs every product rounded: no contraction.
_EXACT = {**_JIT, "fastmath": False}


# --------------------------------------------------------------------------- bit casts
@intrinsic
def _as_int(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (an LLVM bitcast, no memory)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _as_float(typingctx, n):
    """The float64 whose IEEE-754 bits are the int64 ``n`` (an LLVM bitcast)."""
    if n != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


# --------------------------------------------------------------------------- constants
_LN2_HI = float.fromhex("0x1.62e42feep-1")  # 32 significant bits: k·LN2_HI is exact
_LN2_LO = float.fromhex("0x1.a39ef35793c76p-33")
_LN2 = math.log(2.0)
_INV_LN2 = float.fromhex("0x1.71547652b82fep0")
_SHIFT = float.fromhex("0x1.8p52")  # x + SHIFT rounds x to an integer held in the low bits
_TWO54 = 2.0**54
_TINY_NORMAL = 2.2250738585072014e-308
_EXPONENT_ONE = 0x4330000000000000  # bits of 2^52: i2f(this | n) - 2^52 == n for n < 2^52

# fdlibm e_log.c: log(1+f) = f - f^2/2 + s*(f^2/2 + R(s^2)), s = f/(2+f)
_LG1 = float.fromhex("0x1.5555555555593p-1")
_LG2 = float.fromhex("0x1.999999997fa04p-2")
_LG3 = float.fromhex("0x1.2492494229359p-2")
_LG4 = float.fromhex("0x1.c71c51d8e78afp-3")
_LG5 = float.fromhex("0x1.7466496cb03dep-3")
_LG6 = float.fromhex("0x1.39a09d078c69fp-3")
_LG7 = float.fromhex("0x1.2f112df3e5244p-3")

# Taylor coefficients 1/n! of e^r - 1 - r - r^2/2 = r^3 (C3 + r (C4 + ...)), |r| <= ln2/2:
# the remainder r^14/14! e^r is below 2^-56 relative to e^r - 1.
_C = [1.0 / math.factorial(n) for n in range(3, 14)]
_C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = _C

# fdlibm s_atan.c
_ATAN_HI = (
    float.fromhex("0x1.dac670561bb4fp-2"),  # atan(0.5)
    float.fromhex("0x1.921fb54442d18p-1"),  # atan(1)
    float.fromhex("0x1.f730bd281f69bp-1"),  # atan(1.5)
    float.fromhex("0x1.921fb54442d18p0"),  # atan(inf)
)
_ATAN_LO = (
    float.fromhex("0x1.a2b7f222f65e2p-56"),
    float.fromhex("0x1.1a62633145c07p-55"),
    float.fromhex("0x1.007887af0cbbdp-56"),
    float.fromhex("0x1.1a62633145c07p-54"),
)
_AH0, _AH1, _AH2, _AH3 = _ATAN_HI
_AL0, _AL1, _AL2, _AL3 = _ATAN_LO
_AT0 = float.fromhex("0x1.555555555550dp-2")
_AT1 = float.fromhex("-0x1.999999998ebc4p-3")
_AT2 = float.fromhex("0x1.24924920083ffp-3")
_AT3 = float.fromhex("-0x1.c71c6fe231671p-4")
_AT4 = float.fromhex("0x1.745cdc54c206ep-4")
_AT5 = float.fromhex("-0x1.3b0f2af749a6dp-4")
_AT6 = float.fromhex("0x1.10d66a0d03d51p-4")
_AT7 = float.fromhex("-0x1.dde2d52defd9ap-5")
_AT8 = float.fromhex("0x1.97b4b24760debp-5")
_AT9 = float.fromhex("-0x1.2b4442c6a6c2fp-5")
_AT10 = float.fromhex("0x1.0ad3ae322da11p-6")

_INF = math.inf
_NAN = math.nan


# --------------------------------------------------------------------------- kernels
@njit(**_JIT)
def _log_kernel(u, c, kextra):
    """log(u) + c/u + kextra·ln 2 for finite u > 0 (any other u gives garbage).

    fdlibm's e_log.c/s_log1p.c core: u = 2^k·m with m in [√2/2, √2), f = m − 1,
    s = f/(2+f), log(m) = f − f²/2 + s·(f²/2 + R(s²)). ``c`` is a correction to u
    already divided by u (the rounding error of 1+x in log1p), added at the low-order end.
    """
    sub = u < _TINY_NORMAL
    scaled = u * _TWO54
    v = scaled if sub else u
    bits = _as_int(v)
    hx = (bits >> 32) & 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    # exponent + (1 if m was halved) + 54 (so that the sum is non-negative), as a float
    kk = ((bits >> 52) & 0x7FF) + (i >> 20) + (0 if sub else 54)
    dk = _as_float(_EXPONENT_ONE | kk) - (4503599627370496.0 + 1077.0) + kextra
    m = _as_float((bits & 0x000FFFFFFFFFFFFF) | ((i ^ 0x3FF00000) << 32))
    f = m - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + (dk * _LN2_LO + c))) - f)


@njit(**_JIT)
def _exp_reduce(x):
    """(r, w, k) with e^x = 2^k·(1 + r + w), x = k·ln 2 + r + c, |r| ≤ ln 2 / 2.

    r + w = e^(r+c) − 1 with w the small part (|w| < r²), so 1 + r and 2^k − 1 + 2^k·r
    can be summed exactly before w is added. x is clamped to [−750, 712] (beyond, e^x is
    0 or inf anyway); a nan stays nan.
    """
    xc = 712.0 if x > 712.0 else x
    xc = -750.0 if xc < -750.0 else xc
    t = xc * _INV_LN2 + _SHIFT
    dk = t - _SHIFT
    k = _as_int(t) - _as_int(_SHIFT)
    hi = xc - dk * _LN2_HI  # exact
    lo = dk * _LN2_LO
    r = hi - lo
    c = (hi - r) - lo  # r + c = hi - lo to twice the working precision
    p = _C11 + r * (_C12 + r * _C13)
    p = _C7 + r * (_C8 + r * (_C9 + r * (_C10 + r * p)))
    p = 0.5 + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * p))))
    w = (r * r) * p + (c + c * r)
    return r, w, k


@njit(**_JIT)
def _pow2(k):
    """2^k for an int64 k in [−1022, 1023] (other k give garbage)."""
    return _as_float((k + 1023) << 52)


@njit(**_JIT)
def _scale(v, k):
    """v·2^k for k in [−2044, 2046], rounded once (gradual underflow, overflow to inf)."""
    k1 = k >> 1
    k2 = k - k1
    return (v * _pow2(k1)) * _pow2(k2)


@njit(**_JIT)
def _exp_dd(r, w):
    """1 + r + w as a normalised double-double hi + lo (Fast2Sum: |r| < 1, |w| < |r|)."""
    h = 1.0 + r
    lo = ((1.0 - h) + r) + w
    hi = h + lo  # renormalise: |lo| ≤ ulp(hi)/2
    return hi, (h - hi) + lo


@njit(**_JIT)
def _expm1_dd(r, w, k):
    """2^k·(1 + r + w) − 1 as hi + lo, for k in [−1022, 56].

    2^k − 1 and 2^k·r are exact and |2^k − 1| ≥ |2^k·r| when k ≠ 0, so Fast2Sum
    gives their sum exactly (for k = 0 the sum is r itself).
    """
    s = _pow2(k)
    a = s - 1.0
    b = s * r
    h = a + b
    lo = ((a - h) + b) + s * w
    hi = h + lo  # renormalise: |lo| ≤ ulp(hi)/2
    return hi, (h - hi) + lo


@njit(**_JIT)
def _expm1_from(x, r, w, k):
    """e^x − 1 from the reduction (r, w, k) of x."""
    hi, lo = _expm1_dd(r, w, k)
    eh, el = _exp_dd(r, w)
    y = hi + lo if k <= 56 else _scale(eh + el, k)
    y = -1.0 if x < -40.0 else y
    return x if abs(x) < 5.551115123125783e-17 else y  # |x| < 2^-54: ±0, subnormals


@njit(**_JIT)
def _div_one_plus(th, tl):
    """t/(1 + t) as hi + lo for t = th + tl > −1 (the rounding of 1 + t corrected)."""
    d = th + 1.0
    bv = d - th
    err = ((th - (d - bv)) + (1.0 - bv)) + tl  # d + err = 1 + t exactly (2Sum)
    q = th / d
    return q, (tl - q * err) / d


@njit(**_EXACT)
def two_product(a, b):
    """a·b as hi + lo exactly (Dekker's product with Veltkamp splitting, no fma)."""
    p = a * b
    ca = 134217729.0 * a
    ah = ca - (ca - a)
    al = a - ah
    cb = 134217729.0 * b
    bh = cb - (cb - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(**_JIT)
def _log1p_dd(xh, xl):
    """log(1 + xh + xl) for xh > −1, finite (the rounding error of 1 + xh added back)."""
    u = 1.0 + xh
    c = ((xh - (u - 1.0)) + xl) / u
    return _log_kernel(u, c, 0.0)


# --------------------------------------------------------------------------- public
@njit(**_JIT)
def simd_log(x):
    """log(x): nan for x < 0, −inf at ±0, inf at inf; ≤ 1 ulp.

    Examples
    --------
    >>> simd_log(1.0), simd_log(5e-324)
    (0.0, -744.4400719213812)
    """
    y = _log_kernel(x, 0.0, 0.0)
    y = _NAN if x < 0.0 else y
    y = -_INF if x == 0.0 else y
    y = x if x == _INF else y
    return x if x != x else y


@njit(**_JIT)
def simd_log1p(x):
    """log(1 + x): nan for x < −1, −inf at −1, exact for |x| < 2^-54; ≤ 1 ulp.

    Examples
    --------
    >>> simd_log1p(1e-20), simd_log1p(-1.0)
    (1e-20, -inf)
    """
    y = _log1p_dd(x, 0.0)
    y = _NAN if x < -1.0 else y
    y = -_INF if x == -1.0 else y
    y = x if x == _INF else y
    y = x if abs(x) < 5.551115123125783e-17 else y
    return x if x != x else y


@njit(**_JIT)
def simd_exp(x):
    """e^x: inf above ≈ 709.78, gradual underflow to 0 below ≈ −745.13; ≤ 1 ulp.

    Examples
    --------
    >>> simd_exp(0.0), simd_exp(710.0), simd_exp(-745.0)
    (1.0, inf, 5e-324)
    """
    r, w, k = _exp_reduce(x)
    eh, el = _exp_dd(r, w)
    return _scale(eh + el, k)


@njit(**_JIT)
def simd_expm1(x):
    """e^x − 1, accurate for small |x|: −1 below −40, inf above ≈ 709.78; ≤ 1 ulp.

    Examples
    --------
    >>> simd_expm1(1e-20), simd_expm1(-50.0)
    (1e-20, -1.0)
    """
    r, w, k = _exp_reduce(x)
    return _expm1_from(x, r, w, k)


@njit(**_JIT)
def simd_sinh(x):
    """sinh(x) = (e^x − e^−x)/2, finite up to |x| ≈ 710.47; ≤ 2 ulp.

    Examples
    --------
    >>> simd_sinh(0.0), simd_sinh(-1e-300), simd_sinh(710.0) < math.inf
    (0.0, -1e-300, True)
    """
    a = abs(x)
    r, w, k = _exp_reduce(a)
    th, tl = _expm1_dd(r, w, k)  # t = e^a - 1; sinh = (t + t/(1+t))/2
    q, ql = _div_one_plus(th, tl)
    small = 0.5 * (th + (q + (tl + ql)))
    eh, el = _exp_dd(r, w)
    large = _scale(eh + el, k - 1)
    y = small if a < 22.0 else large
    y = a if a < 3.725290298461914e-09 else y  # |x| < 2^-28
    return math.copysign(y, x)


@njit(**_JIT)
def simd_cosh(x):
    """cosh(x) = (e^x + e^−x)/2, finite up to |x| ≈ 710.47; ≤ 2 ulp.

    Examples
    --------
    >>> simd_cosh(0.0), simd_cosh(-math.inf)
    (1.0, inf)
    """
    a = abs(x)
    r, w, k = _exp_reduce(a)
    eh, el = _exp_dd(r, w)
    s = _pow2(k)
    big_h = eh * s
    big_l = el * s
    inv = 1.0 / big_h
    small = 0.5 * (big_h + (big_l + (inv - inv * (big_l * inv))))
    large = _scale(eh + el, k - 1)
    return small if a < 22.0 else large


@njit(**_JIT)
def simd_tanh(x):
    """tanh(x) = (e^2x − 1)/(e^2x + 1), odd, ±1 for large |x|; ≤ 2 ulp.

    Examples
    --------
    >>> simd_tanh(-0.0), simd_tanh(40.0), simd_tanh(-math.inf)
    (-0.0, 1.0, -1.0)
    """
    a = abs(x)
    r, w, k = _exp_reduce(-2.0 * a)
    th, tl = _expm1_dd(r, w, k)  # t = e^-2a - 1 in (-1, 0]; tanh = -t/(2 + t)
    d = 2.0 + th
    err = (th - (d - 2.0)) + tl
    q = -th / d
    small = q - (tl + q * err) / d
    eh, el = _exp_dd(r, w)
    big_e = _scale(eh + el, k)  # e^-2a
    large = 1.0 - 2.0 * big_e / (1.0 + big_e)
    y = small if a < 1.0 else large
    y = a if a < 7.450580596923828e-09 else y  # |x| < 2^-27
    return math.copysign(y, x)


@njit(**_JIT)
def simd_asinh(x):
    """asinh(x) = sign(x)·log(|x| + √(x²+1)), no overflow up to the largest float; ≤ 2 ulp.

    Examples
    --------
    >>> simd_asinh(0.0), simd_asinh(-1e-300), simd_asinh(1e308)
    (0.0, -1e-300, 709.889355822726)
    """
    a = abs(x)
    a2 = a * a
    sq = math.sqrt(a2 + 1.0)
    w = a + a2 / (1.0 + sq)  # asinh = log1p(w) for a <= 2
    u_small = 1.0 + w
    c_small = (w - (u_small - 1.0)) / u_small
    u_mid = 2.0 * a + 1.0 / (sq + a)  # asinh = log(u_mid) for 2 < a <= 2^28
    mid = a > 2.0
    big = a > 268435456.0  # asinh = log(a) + log(2)
    u = u_mid if mid else u_small
    u = a if big else u
    c = 0.0 if mid else c_small
    y = _log_kernel(u, c, 1.0 if big else 0.0)
    y = a if a < 3.725290298461914e-09 else y  # |x| < 2^-28: asinh(x) = x
    y = a if a == _INF else y
    return math.copysign(y, x)


@njit(**_JIT)
def simd_acosh(x):
    """acosh(x) = log(x + √(x²−1)) for x ≥ 1, nan below 1; ≤ 2 ulp.

    Examples
    --------
    >>> simd_acosh(1.0), simd_acosh(0.5)
    (0.0, nan)
    """
    t = x - 1.0
    w = t + math.sqrt(2.0 * t + t * t)  # acosh = log1p(w) for x <= 2
    u_small = 1.0 + w
    c_small = (w - (u_small - 1.0)) / u_small
    u_mid = 2.0 * x - 1.0 / (x + math.sqrt(x * x - 1.0))  # log(u_mid) for 2 < x <= 2^28
    mid = x > 2.0
    big = x > 268435456.0
    u = u_mid if mid else u_small
    u = x if big else u
    c = 0.0 if mid else c_small
    y = _log_kernel(u, c, 1.0 if big else 0.0)
    y = 0.0 if x == 1.0 else y
    y = x if x == _INF else y
    return _NAN if x < 1.0 else y  # also nan for nan


@njit(**_JIT)
def simd_atanh(x):
    """atanh(x) = ½·log1p(2x/(1−x)) for |x| < 1, ±inf at ±1, nan beyond; ≤ 2 ulp.

    Examples
    --------
    >>> simd_atanh(-0.0), simd_atanh(1.0), simd_atanh(2.0)
    (-0.0, inf, nan)
    """
    a = abs(x)
    t = a + a
    v = (t + t * a / (1.0 - a)) if a < 0.5 else t / (1.0 - a)
    u = 1.0 + v
    c = (v - (u - 1.0)) / u
    y = 0.5 * _log_kernel(u, c, 0.0)
    y = a if a < 3.725290298461914e-09 else y
    y = _INF if a == 1.0 else y
    y = _NAN if a > 1.0 else y
    return math.copysign(y, x)


@njit(**_JIT)
def simd_atan(x):
    """atan(x) in (−π/2, π/2), ±π/2 at ±inf; ≤ 1 ulp (fdlibm s_atan.c, branch-free).

    Examples
    --------
    >>> simd_atan(1.0) == math.pi / 4, simd_atan(-math.inf) == -math.pi / 2
    (True, True)
    """
    a = abs(x)
    r0 = a < 0.4375
    r1 = a < 0.6875
    r2 = a < 1.1875
    r3 = a < 2.4375
    num = a - 1.5 if r3 else -1.0
    den = 1.0 + 1.5 * a if r3 else a
    hi = _AH2 if r3 else _AH3
    lo = _AL2 if r3 else _AL3
    num = a - 1.0 if r2 else num
    den = a + 1.0 if r2 else den
    hi = _AH1 if r2 else hi
    lo = _AL1 if r2 else lo
    num = 2.0 * a - 1.0 if r1 else num
    den = 2.0 + a if r1 else den
    hi = _AH0 if r1 else hi
    lo = _AL0 if r1 else lo
    num = a if r0 else num
    den = 1.0 if r0 else den
    hi = 0.0 if r0 else hi
    lo = 0.0 if r0 else lo
    t = num / den
    z = t * t
    w = z * z
    s1 = z * (_AT0 + w * (_AT2 + w * (_AT4 + w * (_AT6 + w * (_AT8 + w * _AT10)))))
    s2 = w * (_AT1 + w * (_AT3 + w * (_AT5 + w * (_AT7 + w * _AT9))))
    y = hi - ((t * (s1 + s2) - lo) - t)
    return math.copysign(y, x)


@njit(**_JIT)
def simd_softplus(u):
    """softplus(u) = log(1 + e^u) = max(u, 0) + log1p(e^−|u|), never overflows; ≤ 2 ulp.

    Examples
    --------
    >>> simd_softplus(1000.0), simd_softplus(-1000.0), simd_softplus(-50.0)
    (1000.0, 0.0, 1.9287498479639178e-22)
    """
    r, w, k = _exp_reduce(-abs(u))
    eh, el = _exp_dd(r, w)
    return (u if u > 0.0 else 0.0) + simd_log1p(_scale(eh + el, k))


@njit(**_JIT)
def simd_logcosh(u):
    """log(cosh(u)) = |u| − log 2 + log1p(e^−2|u|), without overflow or cancellation.

    For |u| < 1 it is log1p(w) with w = cosh(u) − 1 = t·(t/(1+t))/2, t = e^|u| − 1,
    carried in double-double so that u²/2 keeps full relative accuracy; ≤ 2 ulp.

    Examples
    --------
    >>> simd_logcosh(0.0), simd_logcosh(1e-100), simd_logcosh(-1000.0)
    (0.0, 5e-201, 999.3068528194401)
    """
    a = abs(u)
    r, w, k = _exp_reduce(a)
    th, tl = _expm1_dd(r, w, k)
    q, ql = _div_one_plus(th, tl)
    ph, pl = two_product(th, q)
    pl = pl + (th * ql + tl * q)
    r2, w2, k2 = _exp_reduce(-2.0 * a)
    eh, el = _exp_dd(r2, w2)
    small = a < 1.0
    xh = 0.5 * ph if small else _scale(eh + el, k2)
    xl = 0.5 * pl if small else 0.0
    y = _log1p_dd(xh, xl) + (0.0 if small else a - _LN2)
    y = (0.5 * a) * a if a < 1.4901161193847656e-08 else y  # |u| < 2^-26: u²/2
    return _INF if a == _INF else y


@njit(**_JIT)
def simd_log1p_sq(y):
    """½·log(1 + y²), = log|y| + ½·log1p(1/y²) for |y| > 1e150 (no overflow); ≤ 2 ulp.

    Examples
    --------
    >>> simd_log1p_sq(0.0), simd_log1p_sq(1e300), simd_log1p_sq(-math.inf)
    (0.0, 690.7755278982137, inf)
    """
    a = abs(y)
    big = a > 1e150
    v = a * a
    u_small = 1.0 + v
    c_small = (v - (u_small - 1.0)) / u_small
    u = a if big else u_small
    c = 0.0 if big else c_small
    r = _log_kernel(u, c, 0.0)
    r = r if big else 0.5 * r
    r = 0.5 * v if v < 5.551115123125783e-17 else r  # also 0 for 0, and subnormals
    r = a if a == _INF else r
    return a if a != a else r


@njit(**_JIT)
def simd_sigmoid(u):
    """σ(u) = 1/(1 + e^−u) = e^u/(1 + e^u): the second form for u < 0, so that the
    exponential is e^−|u| ≤ 1 and never overflows; ≤ 3 ulp.

    Examples
    --------
    >>> simd_sigmoid(0.0), simd_sigmoid(800.0), simd_sigmoid(-math.inf)
    (0.5, 1.0, 0.0)
    """
    e = simd_exp(-abs(u))
    r = 1.0 / (1.0 + e)
    return r if u >= 0.0 else e * r


@njit(**_JIT)
def simd_hypot1(y):
    """√(1 + y²) = hypot(1, y), = |y| for |y| > 2²⁷ (no overflow of y²); ≤ 1 ulp.

    Beyond 2²⁷ the two agree to the last bit: √(1 + y²) = |y|·(1 + 1/(2y²) + …) and
    1/(2y²) < 2⁻⁵⁵.

    Examples
    --------
    >>> simd_hypot1(0.0), simd_hypot1(-1e300), simd_hypot1(math.inf)
    (1.0, 1e+300, inf)
    """
    a = abs(y)
    r = math.sqrt(1.0 + a * a)
    return a if a > 134217728.0 else r


@njit(**_JIT)
def simd_logsinh(u):
    """log(sinh u) for u > 0, without overflow where sinh does; ≤ 4 ulp.

    u − log 2 + log(−expm1(−2u)); next to u = asinh 1, where the log is 0,
    log1p(sinh u − 1) with sinh u − 1 = 2·cosh((u + asinh 1)/2)·sinh((u − asinh 1)/2)
    free of cancellation. nan for u < 0, −inf at 0.

    Examples
    --------
    >>> simd_logsinh(1000.0), simd_logsinh(1e-300), simd_logsinh(math.inf)
    (999.3068528194401, -690.7755278982137, inf)
    """
    far = (u - _LN2) + simd_log(-simd_expm1(-2.0 * u))
    delta = (u - 0.881373587019543) - -2.250545892825866e-17  # u − asinh 1, exact near it
    excess = 2.0 * simd_cosh(0.5 * u + 0.4406867935097715) * simd_sinh(0.5 * delta)
    middle = simd_log1p(excess)
    return middle if (u >= 0.65) & (u < 1.25) else far


@njit(**_JIT)
def simd_logaddexp(a, b):
    """log(e^a + e^b) = max(a, b) + log1p(e^−|a−b|), exact at ±inf; ≤ 2 ulp.

    Branch-free replacement for the kernel helper ``_logaddexp`` that sums the branches
    of a non-monotone flow in log space.

    Examples
    --------
    >>> simd_logaddexp(-math.inf, 1.5), simd_logaddexp(1000.0, 1000.0)
    (1.5, 1000.6931471805599)
    """
    m = a if a > b else b
    r = m + simd_log1p(simd_exp(-abs(a - b)))
    r = m if m == _INF else r
    r = b if a == -_INF else r
    return a if b == -_INF else r


#: calls that are not a scalar libm call: vectorisable intrinsics, numba's refcounting
_HARMLESS_CALL = (
    r"@(llvm\.(sqrt|fabs|copysign|fma|fmuladd|minnum|maxnum|floor|ceil|trunc|rint|lifetime"
    r"|assume|memset|memcpy|vector)|sqrt\(|NRT_incref|NRT_decref)"
)


def vectorised(function, n: int = 1024) -> dict[str, bool]:
    """Whether a numba loop ``out[i] = function(x[i])`` compiles to packed SIMD code.

    Compiles the loop and inspects its LLVM IR and assembly. Returns a dict with
    ``vector_ir`` (``<N x double>`` types appear), ``packed_asm`` (packed-double
    instructions on ymm/zmm registers) and ``no_calls`` (no call left in the loop: every
    elementary function was inlined, none went to libm).

    Examples
    --------
    >>> vectorised(simd_exp)["vector_ir"]
    True
    """
    import re

    import numpy as np

    @njit(error_model="numpy")
    def loop(x, out):
        for i in range(x.shape[0]):
            out[i] = function(x[i])

    x = np.linspace(0.5, 2.0, n)
    out = np.empty_like(x)
    loop(x, out)
    signature = loop.signatures[0]
    llvm = loop.inspect_llvm(signature)
    asm = loop.inspect_asm(signature)
    # the loop's own function (not its CPython/cfunc wrappers) in the IR
    inner = re.search(r"define [^\n]*@_ZN[^\n]*loop[^\n]*\{(.*?)\n\}", llvm, re.S)
    body = inner.group(1) if inner else llvm
    calls = [
        ln
        for ln in body.splitlines()
        if re.search(r"\bcall\b", ln) and not re.search(_HARMLESS_CALL, ln)
    ]
    return {
        "vector_ir": re.search(r"<(4|8) x double>", body) is not None,
        "packed_asm": re.search(r"\bv\w+pd\s+[^\n]*%[yz]mm", asm) is not None,
        "no_calls": not calls,
    }
