"""What a constant SymPy expression is as a number, when SymPy's assumptions cannot say.

Examples
--------
>>> import sympy as sp
>>> is_finite_number(sp.cot(sp.S.Half - sp.tan(sp.S.Half) / 4))
True
"""

from __future__ import annotations

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from symflow.core.budget import attempt

__all__ = ["is_finite_number"]


def is_finite_number(value: sp.Expr) -> bool:
    """value is a finite real number: SymPy's ``is_finite``, or, where SymPy cannot decide
    (cot(1/2 − tan(1/2)/4) is finite but SymPy does not know its argument is no multiple
    of π), a 30-digit evaluation that SymPy certifies (strict, with up to 2000 digits of
    working precision). Where it cannot, the value is evaluated at 30 and at 60 digits:
    a division by a difference that is 0 in disguise, 1/(sin(e)/cos(e) − tan(e)), comes
    out as 1.2e139 and 1.5e169 (the rounding of 0 at each precision), and is not finite.

    Examples
    --------
    >>> h = sp.S.Half
    >>> sp.cot(h - sp.tan(h) / 4).is_finite is None, is_finite_number(sp.cot(h - sp.tan(h) / 4))
    (True, True)
    >>> is_finite_number(sp.oo), is_finite_number(sp.Integer(2))
    (False, True)
    >>> zero = sp.sin(sp.E) / sp.cos(sp.E) - sp.tan(sp.E)
    >>> is_finite_number(1 / zero), is_finite_number(zero), is_finite_number(1 - sp.erf(20))
    (False, True, True)
    """
    known = value.is_finite
    if known is not None:
        return bool(known)
    if not value.is_number or value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return False
    number = attempt(lambda: _certified(value), 2.0, None)
    if number is _UNCERTIFIED:
        return attempt(lambda: _stable(value), 2.0, False)
    return bool(number is not None and number.is_Float and number.is_finite)


#: a value whose 30 digits SymPy cannot certify (a difference it cannot tell from 0)
_UNCERTIFIED = sp.Symbol("uncertified")


def _certified(value: sp.Expr) -> sp.Expr:
    try:
        return value.evalf(30, strict=True, maxn=2000)
    except PrecisionExhausted:
        return _UNCERTIFIED


def _stable(value: sp.Expr) -> bool:
    """The 30- and 60-digit values are finite and agree to 20 digits, or both are tiny
    (0.e-166: a difference that is 0, or too small to see, is finite either way)."""
    low, high = value.evalf(30), value.evalf(60)
    if not (low.is_Float and high.is_Float and low.is_finite and high.is_finite):
        return False
    tiny = sp.Float("1e-25")
    if abs(low) < tiny and abs(high) < tiny:
        return True
    return bool(abs(low - high) <= sp.Float("1e-20") * abs(high))
