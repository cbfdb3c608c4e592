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
from symflow.core.special import cancel_inverse_pairs, special_values

__all__ = [
    "drop_even_signs",
    "log_abs",
    "shortest_form",
    "sign_by_assumptions",
    "symbolic_point_inside",
    "simplest_number",
    "tidy_log",
]


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


def symbolic_point_inside(interval: sp.Interval) -> sp.Expr:
    """Every point inside ``interval`` as one expression of a new positive symbol s:
    lo + s, hi − s, or (lo + hi·s)/(1 + s) (a real symbol on the whole line).

    >>> symbolic_point_inside(sp.Interval.open(1, 3))
    (3*s_sign + 1)/(s_sign + 1)
    """
    lo, hi = interval.inf, interval.sup
    s = sp.Symbol("s_sign", positive=True)
    if lo == -sp.oo and hi == sp.oo:
        return sp.Symbol("r_sign", real=True)
    if hi == sp.oo:
        return lo + s
    if lo == -sp.oo:
        return hi - s
    return (lo + hi * s) / (1 + s)


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
    expr = d.xreplace({t: symbolic_point_inside(interval)})
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    return None


def log_abs(expr: sp.Expr) -> sp.Expr:
    """log|e|, with the absolute value dropped where the sign of e is known from the
    symbols' assumptions, and the log tidied (see :func:`tidy_log`).

    Examples
    --------
    >>> z = sp.Symbol("z", positive=True)
    >>> log_abs(-2 * z**3)
    3*log(z) + log(2)
    >>> log_abs(sp.Symbol("u", real=True))
    log(Abs(u))
    """
    if expr.is_positive:
        return tidy_log(sp.log(expr))
    if expr.is_negative:
        return tidy_log(sp.log(-expr))
    return sp.log(sp.Abs(expr))


def shortest_form(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few equivalent forms (what a textbook prints): expand, factor,
    ``simplify`` on small expressions, each with its exponentials combined; every rewrite
    is bounded in time.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> shortest_form(x**2 / 2 + x + sp.Rational(1, 2))
    (x + 1)**2/2
    """
    forms = [expr]
    small = sp.count_ops(expr) <= 40
    for fn in (sp.expand, sp.factor, sp.simplify) if small else (sp.expand, sp.factor):
        value = attempt(lambda fn=fn: fn(expr), 4.0, None)
        if value is not None:
            forms.append(value)
    for f in list(forms):
        value = attempt(lambda f=f: sp.powsimp(sp.factor_terms(f), combine="exp"), 2.0, None)
        if value is not None:
            forms.append(value)
    return min(forms, key=lambda f: (sp.count_ops(f), len(str(f))))


#: an exponential of an argument beyond this is beyond any float (e^1e5), and its
#: exponential again has more digits than SymPy or mpmath can hold: not simplified
_HUGE_ARGUMENT = 1e5


def _astronomical(value: sp.Expr) -> bool:
    """Whether an exponential inside ``value`` (exp, sinh, cosh, a power with a number
    base) has an argument beyond 1e5 in size, decided from the innermost one out, so that
    nothing astronomical is ever evaluated: sinh(exp(sinh(89.5))) has 1e38 digits in its
    exponent, and SymPy's simplify evaluating it does not return (nor can a time limit
    stop it, inside one multiplication of integers)."""
    for node in sp.postorder_traversal(value):
        if isinstance(node, sp.exp | sp.sinh | sp.cosh):
            argument = node.args[0]
        elif isinstance(node, sp.Pow) and node.base.is_number and not node.exp.is_Integer:
            argument = node.exp * sp.log(abs(node.base)) if node.base != 0 else sp.S.Zero
        else:
            continue
        size = attempt(lambda a=argument: abs(complex(a.evalf(15))), 1.0, None)
        if size is None or not size < _HUGE_ARGUMENT:
            return True
    return False


def simplest_number(value: sp.Expr) -> sp.Expr:
    """A number in its simplest exact form, kept only when it agrees with the original
    to 25 digits (bounded cost; expressions with symbols come back unchanged).

    Examples
    --------
    >>> simplest_number(sp.sinh(sp.log(1 + sp.sqrt(2))))
    1
    """
    value = special_values(value)
    if not (value.is_number and not value.is_Atom) or _astronomical(value):
        return value
    if not value.is_finite:
        return value
    candidates = [
        attempt(lambda: sp.simplify(value), 2.0, value),
        attempt(lambda: sp.radsimp(sp.simplify(value.rewrite(sp.exp))), 2.0, value),
    ]
    best = min(candidates, key=sp.count_ops)
    # compared as SymPy floats: exp(exp(115)) has no complex() (its exponent overflows)
    if best.is_real and abs(best.evalf(30) - value.evalf(30)) < 1e-25:
        return best
    return value
