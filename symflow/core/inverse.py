"""Inverses of scalar maps on an interval where they are strictly monotone.

Two routes, both exact:

1. **Peeling.** When the variable occurs once in f, f is a chain of elementary steps
   (add, scale, power, exp, sinh, ...). Each step is undone in turn, choosing the branch
   the step's own argument takes on the interval (√ or −√ for a square, the real cube
   root for a cube, asin or π − asin for a sine). This gives asinh for sinh and logit for
   the sigmoid, never log(x ± √(x² + 1)).
2. **Solving.** Otherwise SymPy's solver proposes candidates; the ones that are real on
   the image, land in the interval and satisfy f(g(x)) = x at test points are kept.

Every candidate is checked numerically at points of the image before it is returned.

Examples
--------
>>> import sympy as sp
>>> t, y = sp.Symbol("t", real=True), sp.Symbol("y", real=True)
>>> invert(sp.sinh(t), t, y, sp.S.Reals)
asinh(y)
>>> invert(t**3, t, y, sp.S.Reals)
Abs(y)**(1/3)*sign(y)
>>> invert(1 / (1 + sp.exp(-t)), t, y, sp.S.Reals)
-log(-1 + 1/y)
"""

from __future__ import annotations

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import endpoint_value, interior_points

__all__ = ["invert", "verify_inverse", "image_of"]

# f -> f^{-1}, for functions bijective on their whole real domain.
_GLOBAL_INVERSES = {
    sp.exp: sp.log,
    sp.log: sp.exp,
    sp.sinh: sp.asinh,
    sp.asinh: sp.sinh,
    sp.tanh: sp.atanh,
    sp.atanh: sp.tanh,
    sp.atan: sp.tan,
    sp.asin: sp.sin,
    sp.acos: sp.cos,
    sp.acot: sp.cot,
    sp.erf: sp.erfinv,
    sp.erfinv: sp.erf,
    sp.erfc: sp.erfcinv,
    sp.erfcinv: sp.erfc,
    sp.LambertW: lambda y: y * sp.exp(y),
}


def image_of(expr: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> sp.Interval:
    """Image of an open interval under a continuous strictly monotone ``expr``."""
    a = endpoint_value(expr, t, interval.inf, "+")
    b = endpoint_value(expr, t, interval.sup, "-")
    if a.has(sp.nan) or b.has(sp.nan):
        from symflow.core.intervals import describe_set
        from symflow.errors import SupportError

        raise SupportError(
            f"Cannot find the image of {interval and describe_set(interval)} under "
            f"{expr.xreplace({t: sp.Symbol('z')})}: the limits at its ends are unknown. "
            f"Rewrite the transform with elementary functions SymPy can take limits of."
        )
    lo, hi = (a, b) if _leq(a, b) else (b, a)
    return sp.Interval.open(lo, hi)


def _leq(a: sp.Expr, b: sp.Expr) -> bool:
    diff = attempt(lambda: sp.sign((b - a).evalf(30)), 2.0, None)
    if a == -sp.oo or b == sp.oo:
        return True
    if a == sp.oo or b == -sp.oo:
        return False
    return bool(diff is not None and diff.is_nonnegative)


def _odd_root(y: sp.Expr, n: sp.Integer) -> sp.Expr:
    """The real n-th root for odd n, defined on the whole line."""
    return sp.sign(y) * sp.Abs(y) ** (sp.Integer(1) / n)


def _peel_power(inner_range: sp.Interval, exponent: sp.Expr, target: sp.Expr) -> sp.Expr | None:
    """Undo u**exponent = target for u in inner_range."""
    p, q = sp.fraction(sp.nsimplify(exponent)) if exponent.is_Rational else (None, None)
    if inner_range.inf.is_nonnegative:
        return target ** (1 / exponent)
    if inner_range.sup.is_nonpositive:
        if p is not None and p % 2 == 0:  # even numerator: u**(p/q) = |u|**(p/q)
            return -(target ** (1 / exponent))
        if p is not None and q % 2 == 1:  # odd p, odd q: an odd function of u
            return -((-target) ** (1 / exponent))
        return None
    # u takes both signs: only odd integer powers (and odd/odd rationals) are bijective
    if p is not None and p % 2 == 1 and q % 2 == 1:
        root = _odd_root(target, p)
        return root**q if q != 1 else root
    return None


def _peel(expr: sp.Expr, t: sp.Symbol, y: sp.Expr, interval: sp.Interval) -> sp.Expr | None:
    """Undo expr step by step; None when a step has no single-valued inverse here."""
    target = y
    while expr != t:
        holders = [a for a in expr.args if a.has(t)]
        if len(holders) != 1:
            return None
        inner = holders[0]
        if expr.is_Add:
            target = target - (expr - inner)
        elif expr.is_Mul:
            target = target / (expr / inner)
        elif expr.is_Pow:
            base, exponent = expr.as_base_exp()
            if inner is base and not exponent.has(t):
                rng = image_of(inner, t, interval)
                target = _peel_power(rng, exponent, target)
                if target is None:
                    return None
            elif inner is exponent and not base.has(t):
                if not base.is_positive:
                    return None
                target = sp.log(target) / sp.log(base)
            else:
                return None
        elif isinstance(expr, sp.exp):
            target = sp.log(target)
        elif type(expr) in _GLOBAL_INVERSES and len(expr.args) == 1:
            target = _GLOBAL_INVERSES[type(expr)](target)
        elif isinstance(expr, sp.log) and len(expr.args) == 1:
            target = sp.exp(target)
        else:
            target = _peel_periodic(expr, inner, t, interval, target)
            if target is None:
                return None
        expr = inner
    return target


def _peel_periodic(expr, inner, t, interval, target):
    """Branches of sin, cos, tan, cosh, Abs on the range their argument takes."""
    rng = image_of(inner, t, interval)
    lo, hi = rng.inf, rng.sup
    if isinstance(expr, sp.Abs):
        if lo.is_nonnegative:
            return target
        if hi.is_nonpositive:
            return -target
        return None
    if isinstance(expr, sp.cosh):
        if lo.is_nonnegative:
            return sp.acosh(target)
        if hi.is_nonpositive:
            return -sp.acosh(target)
        return None
    if not (lo.is_finite and hi.is_finite) and not isinstance(expr, sp.tan):
        return None
    if isinstance(expr, sp.sin):
        k = sp.floor((lo + sp.pi / 2) / sp.pi)
        if (hi - (k * sp.pi + sp.pi / 2)).evalf() > 1e-12:
            return None
        return k * sp.pi + (-1) ** k * sp.asin(target)
    if isinstance(expr, sp.cos):
        k = sp.floor(lo / sp.pi)
        if (hi - (k + 1) * sp.pi).evalf() > 1e-12:
            return None
        if k % 2 == 0:
            return k * sp.pi + sp.acos(target)
        return (k + 1) * sp.pi - sp.acos(target)
    if isinstance(expr, sp.tan):
        if not lo.is_finite:
            return sp.atan(target) if hi.evalf() <= sp.pi / 2 + 1e-12 else None
        k = sp.floor((lo + sp.pi / 2) / sp.pi)
        return k * sp.pi + sp.atan(target)
    return None


def _close(a: complex, b: complex) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def verify_inverse(
    f: sp.Expr, t: sp.Symbol, g: sp.Expr, y: sp.Symbol, piece: sp.Interval, image: sp.Interval
) -> float | None:
    """A point of ``image`` where g is not the inverse of f on ``piece``, or None.

    g is the inverse when, at test points y of the image, g(y) is real, lies in the
    piece and f(g(y)) = y.
    """
    free = (f.free_symbols | g.free_symbols) - {t, y}
    if free:
        return None  # parameters: checked after values are known
    points = interior_points(image, 7)
    for value in points:
        z0 = attempt(lambda v=value: complex(g.subs(y, v).evalf(30)), 5.0, None)
        if z0 is None or abs(z0.imag) > 1e-9 * max(1.0, abs(z0.real)):
            return value
        lo, hi = piece.inf, piece.sup
        tol = 1e-9 * max(1.0, abs(z0.real))
        if (lo.is_finite and z0.real < float(lo) - tol) or (
            hi.is_finite and z0.real > float(hi) + tol
        ):
            return value
        back = attempt(lambda z=z0: complex(f.subs(t, sp.Float(z.real, 30)).evalf(30)), 5.0, None)
        if back is None or not _close(back, value):
            return value
    return None


def _usable(g: sp.Expr) -> bool:
    """False for closed forms that are worse than a root solve in floating point.

    Complex intermediates, root objects, LambertW (no float64 kernel) and nested radicals
    (the cubic and quartic formulas, which cancel catastrophically) are refused.
    """
    if g.has(sp.I, sp.RootOf, sp.CRootOf, sp.LambertW):
        return False
    for p in g.atoms(sp.Pow):
        if not p.exp.is_Integer and any(
            not q.exp.is_Integer for q in p.base.atoms(sp.Pow) if q is not p
        ):
            return False
    return True


def invert(
    f: sp.Expr, t: sp.Symbol, y: sp.Symbol, piece: sp.Interval, hint: sp.Expr | None = None
) -> sp.Expr | None:
    """The inverse g(y) of f on ``piece`` (where f is strictly monotone), or None.

    ``hint`` is a candidate in ``y`` checked before anything else (and only used if right).
    """
    image = image_of(f, t, piece)
    candidates: list[sp.Expr] = []
    if hint is not None:
        candidates.append(hint)
    peeled = attempt(lambda: _peel(f, t, y, piece), 10.0, None)
    if peeled is not None:
        candidates.append(peeled)
    for g in candidates:
        if verify_inverse(f, t, g, y, piece, image) is None:
            return g
    t_real = sp.Symbol("t_solve", real=True)
    solutions = attempt(lambda: sp.solve(sp.Eq(f.xreplace({t: t_real}), y), t_real), 10.0, [])
    for g in solutions:
        if not _usable(g):
            continue
        if verify_inverse(f, t, g, y, piece, image) is None:
            return g
    return None
