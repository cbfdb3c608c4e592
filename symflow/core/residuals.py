"""Residuals f − L of a monotone map at the finite limits L of its ends, written so that L
cancels: what a root solver of f(t) = y needs where y is next to L (see
:mod:`symflow.codegen.solvers`).

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> limit_residuals(sp.erf(t), t, sp.S.Zero, sp.oo)
[(1, -erfc(t))]
"""

from __future__ import annotations

import sympy as sp

from symflow.core.constants import is_finite_number
from symflow.core.intervals import endpoint_value
from symflow.core.special import distance_to_limit

__all__ = ["limit_residuals"]


def limit_residuals(forward: sp.Expr, t: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> list:
    """[(L, f − L)] for each finite limit L of f at an end of the piece (lo, hi) where
    f − L has a form in which L cancels (:func:`symflow.core.special.distance_to_limit`).

    The kernel's implicit inverse solves g = f − L against y − L for y nearer to L than to
    the other end of the image, and g = f against y otherwise.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> limit_residuals(sp.zeta(t + 2), t, sp.S.Zero, sp.oo)
    [(1, zetac(t + 2))]
    """
    out = []
    for end, side in ((lo, "+"), (hi, "-")):
        limit = endpoint_value(forward, t, end, side)
        if limit.is_number and is_finite_number(limit):
            distance = distance_to_limit(forward, t, limit)
            if distance is None:
                distance = _stationary_residual(forward, t, end, limit)
            if distance is not None:
                out.append((limit, distance))
    return out


#: terms and radius of the Taylor residual at a stationary end: the first omitted term
#: is below 1e-17 of the leading one within the radius for coefficients of like size
_TAYLOR_TERMS = 10
_TAYLOR_RADIUS = sp.Rational(1, 100)


def _stationary_residual(forward: sp.Expr, t: sp.Symbol, end: sp.Expr, limit: sp.Expr):
    """f − L at a finite end c where f′(c) = 0 (a minimum or maximum of f, such as Γ at
    1.4616…): Σ f⁽ᵏ⁾(c)/k!·dᵏ, k = 2 … 10, with d = t − c computed exactly, for
    |d| < 1/100, and f − L beyond. There f(t) − L is the difference of two numbers that
    agree in all but the last digits (f − L ≈ f″(c)·d²/2 ≈ 1e-14 for d = 1e-7), and a
    root read from it is wrong in its seventh digit; the polynomial keeps every digit.
    None where c is not such an end or the coefficients do not evaluate.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> r = _stationary_residual(sp.cos(t), t, sp.S.Zero, sp.S.One)
    >>> r.args[0][0].xreplace({t: sp.Rational(1, 1000)}).evalf(12)
    -4.99999958333e-7
    >>> _stationary_residual(sp.exp(t), t, sp.S.Zero, sp.S.One) is None
    True
    """
    from symflow.core.budget import attempt
    from symflow.core.edges import exact_difference

    if not (end.is_number and is_finite_number(end)) or forward.free_symbols - {t}:
        return None
    digits = 40
    at = end if end.is_Rational else end.evalf(digits)
    slope = attempt(lambda: sp.diff(forward, t).subs(t, at).evalf(digits), 5.0, None)
    scale = attempt(lambda: sp.diff(forward, t, 2).subs(t, at).evalf(digits), 5.0, None)
    if slope is None or scale is None or not (is_finite_number(slope) and is_finite_number(scale)):
        return None
    if isinstance(end, sp.Float) and scale != 0 and abs(slope) < sp.Float(10) ** -12 * abs(scale):
        # an end found numerically (the root of f′ that pieces.py computed to 30 digits
        # for t^t at 1/e): Newton steps on f′ bring it to the working precision
        for _ in range(3):
            at = (at - slope / scale).evalf(digits)
            slope = attempt(lambda c=at: sp.diff(forward, t).subs(t, c).evalf(digits), 5.0, None)
            if slope is None or not is_finite_number(slope):
                return None
    if scale == 0 or abs(slope) > sp.Float(10) ** (10 - digits) * abs(scale):
        return None  # f′(c) ≠ 0: not a stationary end
    d = exact_difference(t, at if isinstance(end, sp.Float) else end)
    terms = []
    derivative = forward
    for k in range(1, _TAYLOR_TERMS + 1):
        derivative = attempt(lambda g=derivative: sp.diff(g, t), 5.0, None)
        if derivative is None:
            return None
        if k < 2:
            continue
        c = attempt(lambda g=derivative: g.subs(t, at).evalf(digits), 5.0, None)
        if c is None or not (c.is_number and c.is_real and is_finite_number(c)):
            return None
        terms.append(sp.Float(c / sp.factorial(k), 20) * d**k)
    near = sp.Add(*terms)
    return sp.Piecewise((near, sp.Abs(d) < _TAYLOR_RADIUS), (forward - limit, True))
