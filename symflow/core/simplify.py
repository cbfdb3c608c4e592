"""General simplifiers of log-density terms: targeted rules with a bounded cost.

Every rule here is true under the symbols' assumptions (or off a null set, as said), and
each call is bounded in time (:func:`symflow.core.budget.attempt`); none calls blanket
``simplify``.

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", positive=True)
>>> tidy_log(sp.log(1 / z**2))
-2*log(z)
"""

from __future__ import annotations

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.special import cancel_inverse_pairs

__all__ = ["tidy_log", "drop_even_signs", "sign_by_assumptions"]


def tidy_log(expr: sp.Expr) -> sp.Expr:
    """Targeted, bounded simplification of a log-density term.

    Inverse pairs cancelled (erfc⁻¹(erfc(u)) -> u, see
    :func:`~symflow.core.special.cancel_inverse_pairs`), expand_log under the symbols'
    assumptions (log(1/z) -> -log(z) for z > 0), then powsimp; never blanket ``simplify``.
    """
    if sp.count_ops(expr) > 400:
        return expr
    expr = cancel_inverse_pairs(expr)
    out = attempt(lambda: sp.expand_log(expr, force=False), 5.0, expr)
    out = attempt(lambda: sp.powsimp(out), 5.0, out)
    return drop_even_signs(out)


def drop_even_signs(expr: sp.Expr) -> sp.Expr:
    """sign(u)**(2k) -> 1: true except on the null set u = 0 (it comes from the real odd
    root sign(y)|y|^(1/n) squared).

    Examples
    --------
    >>> y = sp.Symbol("y", real=True)
    >>> drop_even_signs(sp.sign(y)**2 * sp.Abs(y))
    Abs(y)
    """
    return expr.replace(
        lambda e: e.is_Pow and isinstance(e.base, sp.sign) and e.exp.is_even,
        lambda e: sp.Integer(1),
    )


def sign_by_assumptions(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int | None:
    """The sign of d(t) for every t inside ``interval`` (1 or −1), decided by SymPy's
    assumptions after t is written as a positive symbol mapped onto the interval; None
    when they do not decide it.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> sign_by_assumptions(1 / t**2 + t, t, sp.Interval.open(0, sp.oo))
    1
    >>> sign_by_assumptions(t - 1, t, sp.Interval.open(0, 2)) is None
    True
    """
    lo, hi = interval.inf, interval.sup
    s = sp.Symbol("s_sign", positive=True)
    if lo == -sp.oo and hi == sp.oo:
        sub = sp.Symbol("r_sign", real=True)
    elif hi == sp.oo:
        sub = lo + s
    elif lo == -sp.oo:
        sub = hi - s
    else:
        sub = (lo + hi * s) / (1 + s)
    expr = d.xreplace({t: sub})
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    return None
