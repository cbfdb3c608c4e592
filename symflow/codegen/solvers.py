r"""Root finding for implicit inverses in numba: bracketed Newton, exact in the far tails.

:func:`solve_monotone` finds the t in (lo, hi) with g(t) = target for a strictly monotone g
(``s`` = +1 increasing, −1 decreasing), given g and g′ as numba functions of
``(t, *params)``. The kernel's implicit inverse f⁻¹(y) calls it either with g = f and
target = y or, where y is close to a finite limit L of f at an end of the piece, with
g = f − L written so that L cancels symbolically (ζ(t) − 1 = zetac(t); see
:func:`symflow.core.residuals.limit_residuals`) and target = y − L, computed exactly:
then the residual g(t) − target keeps its digits where f(t) − y would be the difference of
two numbers that agree to the last bit (ζ(50) − (1 + 1e-15)).

The method:

* **bracket** — from a finite end, or from ±1, the bracket grows geometrically (×2 per
  step) towards an infinite end: ±1e308 is reached in about 1030 steps, and the last
  finite float is tried before ±inf;
* **bisection in log space** — while the bracket spans more than a factor 4 (both ends of
  one sign) the trial point is the geometric mean, and a bracket across 0 is split at 0:
  a root at 1e-300 or 1e300 is bracketed to a factor 4 in about 11 halvings of the
  exponent, not 1000 halvings of the interval;
* **Newton steps** inside the bracket, taken only when they stay in it, and the bracket
  updated at every step, so that the iteration never leaves (lo, hi);
* **stop** when the bracket is two units in the last place wide, a Newton step does not
  move t, or g(t) = target exactly.

Accuracy: the root of the computed g to about 1 ulp wherever g is monotone in floating
point (the error left is that of g itself: cond · ulp). Measured against mpmath
(tests/codegen/test_solvers.py): t + t³ and t + eᵗ at targets ±1e-300 … ±1e300 within
2 ulp; ζ(t + 2) = 1 + 2⁻⁵² through zetac within 2 ulp, where the direct residual
ζ(t + 2) − y leaves t wrong in its first digit.

Examples
--------
>>> from numba import njit
>>> @njit
... def cube(t):
...     return t * t * t + t
>>> @njit
... def slope(t):
...     return 3.0 * t * t + 1.0
>>> float(solve_monotone(cube, slope, 1e300, -math.inf, math.inf, 1.0, ()))
1e+100
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["solve_monotone", "solve_cdf", "MAX_STEPS"]

# The solvers take the kernel's functions as arguments, so numba specialises them for each
# kernel. They are not cached themselves: a cache entry would be keyed by those functions'
# types, which refer to objects of the process that compiled them (another process, or a
# reloaded kernel, meets "underlying object has vanished" reading the index). They are
# inlined into the kernel's own functions, whose machine code is cached with them.

#: steps of each stage (bracket growth, then bisection and Newton)
MAX_STEPS = 2100
_EPS = 2.220446049250313e-16
_TINY = 2.2250738585072014e-308
_MAX = 1.7976931348623157e308


@njit(cache=True, error_model="numpy")
def _beyond(t, step):
    """t + step, but the largest float (of step's sign) before ±inf: a root between 2**1023
    and 1.8e308 is bracketed by the last finite float, not lost to an infinite end."""
    nxt = t + step
    if math.isinf(nxt) and abs(t) < _MAX:
        return math.copysign(_MAX, step)
    return nxt


@njit(cache=True, error_model="numpy")
def _split(a, b):
    """The next trial point of the bracket (a, b): 0 across 0, the geometric mean while
    the ends differ by more than a factor 4, the midpoint otherwise."""
    if a < 0.0 < b:
        return 0.0
    if a >= 0.0 and b > 4.0 * a:
        if a == 0.0:
            return b * 2.0**-64 if b > _TINY * 2.0**64 else 0.5 * b
        return math.sqrt(a) * math.sqrt(b)
    if b <= 0.0 and a < 4.0 * b:
        if b == 0.0:
            return a * 2.0**-64 if a < -_TINY * 2.0**64 else 0.5 * a
        return -(math.sqrt(-a) * math.sqrt(-b))
    return a + 0.5 * (b - a)


@njit(error_model="numpy", forceinline=True)
def solve_monotone(g, dg, target, lo, hi, s, params):
    """The t in (lo, hi) with g(t, *params) = target, for g strictly monotone there with
    direction ``s``; nan for a nan target or when no bracket is found towards an
    infinite end (a target outside the image of the piece; kernels test membership first).

    Parameters
    ----------
    g, dg : numba functions of (t, *params)
        The function and its derivative.
    target : float
        The value sought.
    lo, hi : float
        The open piece (±inf allowed).
    s : float
        +1.0 where g increases, −1.0 where it decreases.
    params : tuple
        Extra arguments of g and dg (the flow's parameters).

    The function is inlined into its caller (``forceinline``): g and dg arrive as
    dispatcher constants, whose addresses numba refuses to cache once they survive as a
    call argument; inlined, they are dead and the caller caches.
    """
    if target != target:
        return math.nan
    a = lo
    b = hi
    step = 1.0
    if a == -math.inf:  # grow the bracket down until the residual is <= 0 at a
        a = min(b - 1.0, -1.0) if b != math.inf else -1.0
        for _ in range(MAX_STEPS):
            r = s * (g(a, *params) - target)
            if r <= 0.0 or a == -math.inf:
                break
            b = a
            a = _beyond(a, -step)
            step *= 2.0
    step = 1.0
    if b == math.inf:
        b = max(a + 1.0, 1.0) if a != -math.inf else 1.0
        for _ in range(MAX_STEPS):
            r = s * (g(b, *params) - target)
            if r >= 0.0 or b == math.inf:
                break
            a = b
            b = _beyond(b, step)
            step *= 2.0
    if not (a > -math.inf and b < math.inf):
        return math.nan
    t = _split(a, b)
    for _ in range(MAX_STEPS):
        r = s * (g(t, *params) - target)
        if r == 0.0:
            return t
        if r > 0.0:
            b = t
        else:
            a = t
        d = s * dg(t, *params)
        nxt = t - r / d if d != 0.0 and d == d else math.nan
        spans_decades = (a > 0.0 and b > 4.0 * a) or (b < 0.0 and a < 4.0 * b) or a < 0.0 < b
        if not (nxt > a and nxt < b) or (spans_decades and not _near(nxt, t)):
            nxt = _split(a, b)  # Newton left the bracket, or jumps less than bisection
        if nxt == t or b - a <= 2.0 * _EPS * max(abs(a), abs(b)):
            return nxt
        t = nxt
    return t


@njit(cache=True, error_model="numpy")
def _near(u, v):
    """u within a factor 2 of v (Newton's step shrinks the bracket at least as fast as
    the geometric bisection does)."""
    return u == v or (u * v > 0.0 and 0.5 * abs(v) <= abs(u) <= 2.0 * abs(v))


@njit(error_model="numpy", forceinline=True)
def _cdf_residual(cdf, sf, x, t, use_sf, params):
    """S(x) − … as t − S(x) where the upper tail is solved (use_sf > 0), else F(x) − t."""
    if use_sf > 0.0:
        return t - sf(x, *params)
    return cdf(x, *params) - t


@njit(error_model="numpy", forceinline=True)
def solve_cdf(cdf, sf, u, upper, lo, hi, params):
    """x in (lo, hi) with F(x) = u (``upper`` = 0.0) or S(x) = u (``upper`` = 1.0), for a
    CDF F and survival function S = 1 − F given as numba functions of ``(x, *params)``.

    The smaller tail is solved (F(x) = u for u ≤ ½, S(x) = 1 − u above), so that a level
    next to 1 keeps its digits. A bracket grows geometrically from a finite end (or from
    0) towards an infinite end; then regula falsi with the Illinois halving, interleaved
    with bisection, in log space while the bracket spans more than a factor 8, until the
    bracket is 2 ulp wide. nan for u outside [0, 1]; lo at level 0 and hi at level 1;
    ±inf where the root lies beyond the largest float (F(−1.8e308) > u: the quantile
    overflows, as −(φ(0)/u)³ does for x = z⁻³ at u = 1e-300).
    Inlined into its caller, as :func:`solve_monotone` is (its function arguments then
    leave nothing uncacheable behind).

    Examples
    --------
    >>> from numba import njit
    >>> @njit
    ... def F(x, rate):
    ...     return -math.expm1(-rate * x) if x > 0.0 else 0.0
    >>> @njit
    ... def S(x, rate):
    ...     return math.exp(-rate * x) if x > 0.0 else 1.0
    >>> @njit
    ... def quantile(u, rate):
    ...     return solve_cdf(F, S, u, 0.0, 0.0, math.inf, (rate,))
    >>> round(quantile(0.5, 2.0), 15), quantile(1.0, 1.0), quantile(1.5, 1.0)
    (0.346573590279973, inf, nan)
    >>> abs(quantile(1e-300, 1.0) / 1e-300 - 1.0) < 1e-15  # F(x) = 1e-300 at x = 1e-300
    True
    """
    if not (u >= 0.0 and u <= 1.0):
        return math.nan
    # the ends and the tail to solve, decided on u itself: 1 − u rounds to 1 below 2⁻⁵³
    if upper > 0.0:
        if u >= 1.0:
            return lo
        if u <= 0.0:
            return hi
        use_sf = 1.0 if u < 0.5 else 0.0
    else:
        if u <= 0.0:
            return lo
        if u >= 1.0:
            return hi
        use_sf = 1.0 if u > 0.5 else 0.0
    if use_sf > 0.0:
        t = u if upper > 0.0 else 1.0 - u
    else:
        t = 1.0 - u if upper > 0.0 else u
    a = lo
    b = hi
    fa = t - 1.0 if use_sf > 0.0 else -t
    fb = t if use_sf > 0.0 else 1.0 - t
    if a == -math.inf or b == math.inf:
        if a == -math.inf and b == math.inf:
            c = 0.0
        elif a == -math.inf:
            c = b - 1.0
        else:
            c = a + 1.0
        fc = _cdf_residual(cdf, sf, c, t, use_sf, params)
        if fc == 0.0:
            return c
        step = max(1.0, abs(c))
        if fc < 0.0:
            a = c
            fa = fc
            while b == math.inf:
                d = c + step
                if d == math.inf:
                    d = 1.7976931348623157e308
                fd = _cdf_residual(cdf, sf, d, t, use_sf, params)
                if fd >= 0.0 or d >= 1.7976931348623157e308:
                    b = d
                    fb = fd
                else:
                    a = d
                    fa = fd
                    step *= 2.0
            if fb < 0.0:  # F(largest float) < u: the root overflows
                return math.inf
        else:
            b = c
            fb = fc
            while a == -math.inf:
                d = c - step
                if d == -math.inf:
                    d = -1.7976931348623157e308
                fd = _cdf_residual(cdf, sf, d, t, use_sf, params)
                if fd <= 0.0 or d <= -1.7976931348623157e308:
                    a = d
                    fa = fd
                else:
                    b = d
                    fb = fd
                    step *= 2.0
            if fa > 0.0:  # F(−largest float) > u: the root overflows
                return -math.inf
    side = 0
    width = b - a
    for it in range(400):
        if a > 0.0 and b > 8.0 * a:
            m = math.sqrt(a) * math.sqrt(b)
        elif b < 0.0 and a < 8.0 * b:
            m = -math.sqrt(-a) * math.sqrt(-b)
        elif it % 3 == 2 and b - a > 0.5 * width:
            m = 0.5 * (a + b)
        else:
            m = a - fa * (b - a) / (fb - fa)
            if not (m > a and m < b):
                m = 0.5 * (a + b)
        if it % 3 == 2:
            width = b - a
        if m <= a or m >= b:
            break
        fm = _cdf_residual(cdf, sf, m, t, use_sf, params)
        if fm != fm:
            m = 0.5 * (a + b)
            fm = _cdf_residual(cdf, sf, m, t, use_sf, params)
            if fm != fm:
                return math.nan
        if fm == 0.0:
            return m
        if fm < 0.0:
            a = m
            fa = fm
            if side == -1:
                fb *= 0.5
            side = -1
        else:
            b = m
            fb = fm
            if side == 1:
                fa *= 0.5
            side = 1
        if b - a <= 4.440892098500626e-16 * max(abs(a), abs(b)):
            break
    if -fa < fb:
        return a
    return b
