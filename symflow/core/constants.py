"""What a constant SymPy expression is as a number, when SymPy's assumptions cannot say.

Examples
--------
>>> import sympy as sp
>>> is_finite_number(sp.cot(sp.S.Half - sp.tan(sp.S.Half) / 4))
True
"""

from __future__ import annotations

import sympy as sp

from symflow.core.budget import attempt

__all__ = ["is_finite_number"]


def is_finite_number(value: sp.Expr) -> bool:
    """value is a finite real number: SymPy's ``is_finite``, or, where SymPy cannot decide
    (cot(1/2 − tan(1/2)/4) is finite but SymPy does not know its argument is no multiple
    of π), a 30-digit evaluation.

    Examples
    --------
    >>> h = sp.S.Half
    >>> sp.cot(h - sp.tan(h) / 4).is_finite is None, is_finite_number(sp.cot(h - sp.tan(h) / 4))
    (True, True)
    >>> is_finite_number(sp.oo), is_finite_number(sp.Integer(2))
    (False, True)
    """
    known = value.is_finite
    if known is not None:
        return bool(known)
    if not value.is_number or value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return False
    number = attempt(lambda: value.evalf(30), 2.0, None)
    return bool(number is not None and number.is_Float and number.is_finite)
