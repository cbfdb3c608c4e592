"""What a constant SymPy expression is as a number, when SymPy's assumptions cannot say.

Examples
--------
>>> import sympy as sp
>>> is_finite_number(sp.cot(sp.S.Half - sp.tan(sp.S.Half) / 4))
True
>>> sign_of_constant(1 / (1 - sp.erf(100)))
1
"""

from __future__ import annotations

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from symflow.core.budget import attempt

__all__ = ["is_finite_number", "sign_of_constant", "complemented", "certified_value"]


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


def _certified(value: sp.Expr, digits: int = 30) -> sp.Expr:
    try:
        return value.evalf(digits, strict=True, maxn=2000)
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


def complemented(value: sp.Expr) -> sp.Expr:
    """value with c − c·erf(a) written c·erfc(a), c + c·erf(a) written c·erfc(−a) and
    c·erfc(a) − c written −c·erf(a): the forms whose digits do not cancel.

    Examples
    --------
    >>> a = sp.Symbol("a")
    >>> complemented(1 - sp.erf(a)), complemented(2 + 2 * sp.erf(a)), complemented(sp.erfc(a) - 1)
    (erfc(a), 2*erfc(-a), -erf(a))
    """
    return value.replace(lambda e: e.is_Add, _complemented_sum)


def _complemented_sum(total: sp.Add) -> sp.Expr:
    k, rest = total.as_coeff_Add()
    if k == 0:
        return total
    for term in sp.Add.make_args(rest):
        c, f = term.as_coeff_Mul()
        if isinstance(f, sp.erf) and k in (c, -c):
            kept = rest - term
            return kept + (
                c * sp.erfc(-f.args[0], evaluate=False) if k == c else -c * sp.erfc(f.args[0])
            )
        if isinstance(f, sp.erfc) and k == -c:
            return rest - term - c * sp.erf(f.args[0])
    return total


def sign_of_constant(value: sp.Expr) -> int | None:
    """The sign (1, −1 or 0) of a constant, decided by SymPy's assumptions or else by an
    evaluation SymPy certifies (working precision raised to 2000 digits, after 1 − erf(a) is
    written erfc(a) and the like); None when neither decides (a difference that is 0 to 2000
    digits, or a value that does not evaluate).

    Examples
    --------
    >>> sign_of_constant(1 - sp.erf(100)), sign_of_constant(sp.exp(-sp.Integer(10) ** 5) - 1)
    (1, -1)
    >>> sign_of_constant(sp.sin(sp.E) / sp.cos(sp.E) - sp.tan(sp.E)) is None
    True
    """
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    if value.is_zero:
        return 0
    if not value.is_number:
        return None
    for form in dict.fromkeys([complemented(value), value]):
        number = attempt(lambda f=form: _certified(f), 5.0, None)
        if isinstance(number, sp.Float) and number.is_finite and number != 0:
            return 1 if number > 0 else -1
    return None


def certified_value(value: sp.Expr, digits: int = 30) -> sp.Float | None:
    """value to ``digits`` significant digits that SymPy certifies (working precision raised
    to 2000 digits where digits cancel, after 1 − erf(a) is written erfc(a) and the like);
    None when it cannot (a difference that is 0, or too slow).

    Examples
    --------
    >>> certified_value(sp.log(1 - sp.erf(100)), 6)
    -10005.2
    """
    for form in dict.fromkeys([complemented(value), value]):
        number = attempt(lambda f=form: _certified(f, digits), 5.0, None)
        if isinstance(number, sp.Float):
            return number
    return None
