"""Intervals of the real line: symbols that carry them, points inside them, images.

Examples
--------
>>> import sympy as sp
>>> t = symbol_on("z", sp.Interval.open(0, sp.oo))
>>> t.is_positive
True
>>> interior_point(sp.Interval.open(-sp.oo, 2))
1
"""

from __future__ import annotations

import functools
import math

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.set_words import describe_set
from symflow.core.simplify import simplest_number

__all__ = [
    "symbol_on",
    "interior_point",
    "interior_points",
    "endpoint_value",
    "probability",
    "as_intervals",
    "intervals_of",
    "intersect_intervals",
    "describe_set",
    "compare",
    "compare_assuming",
    "in_order",
    "chain_limit",
    "step_limit",
]


def symbol_on(name: str, interval: sp.Set) -> sp.Symbol:
    """A Symbol whose assumptions say as much as SymPy can use about ``interval``."""
    lo, hi = interval.inf, interval.sup
    if lo.is_nonnegative:
        return sp.Symbol(name, positive=True)
    if hi.is_nonpositive:
        return sp.Symbol(name, negative=True)
    return sp.Symbol(name, real=True)


def interior_point(interval: sp.Interval) -> sp.Expr:
    """A simple exact point strictly inside an open interval (0 or an integer if possible)."""
    lo, hi = interval.inf, interval.sup
    if lo == -sp.oo and hi == sp.oo:
        return sp.Integer(0)
    if lo == -sp.oo:
        return sp.floor(hi) - 1 if hi.is_number else hi - 1
    if hi == sp.oo:
        return sp.floor(lo) + 1 if lo.is_number else lo + 1
    return (lo + hi) / 2


def interior_points(interval: sp.Interval, count: int = 9) -> list[float]:
    """``count`` floats spread across the interval (log-spread on infinite sides), in
    increasing order.

    Examples
    --------
    >>> interior_points(sp.Interval.open(-sp.oo, 0), 3)
    [-5.623413251903491, -1.0, -0.1778279410038923]
    """
    ends = [_as_float(e) for e in (interval.inf, interval.sup)]
    if None in ends:
        return []
    a, b = ends  # an end beyond the floats (e^(e^1000)) is an infinite one for them
    if a == math.inf or b == -math.inf:
        return []  # no float inside
    fractions = [(i + 1) / (count + 1) for i in range(count)]
    if math.isfinite(a) and math.isfinite(b):
        return [a + (b - a) * f for f in fractions]
    if math.isfinite(a):
        return [a + 10 ** (3 * f - 1.5) for f in fractions]
    if math.isfinite(b):
        return [b - 10 ** (3 * f - 1.5) for f in reversed(fractions)]
    half = [10 ** (3 * f - 1.5) for f in fractions[::2]]
    return sorted([-h for h in half] + [0.0] + half)


def _as_float(end: sp.Expr) -> float | None:
    """An interval's end as a float (±inf beyond the floats), or None where it is not a
    real number (a parameter, nan)."""
    if end in (sp.oo, -sp.oo):
        return float(end)
    if not (end.is_number and is_finite_number(end)):
        return None
    return float(end)  # e^(e^1000) is inf, −e^(e^1000) −inf


def endpoint_value(expr: sp.Expr, t: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    """lim expr as t -> point from ``side`` ('+' or '-'), exact when SymPy finds it."""
    if is_finite_number(point):
        direct = attempt(lambda: expr.subs(t, point), 2.0, None)
        if (
            direct is not None
            and not direct.has(sp.nan, sp.zoo, sp.AccumBounds)
            and is_finite_number(direct)
        ):
            if direct.is_real is not False:
                return _rational_if_short(direct) if direct.is_Float else simplest_number(direct)
    # b**t with a constant base as exp(t log b): SymPy 1.14 takes lim 2**t (t -> -oo) = oo
    expr = expr.replace(
        lambda e: e.is_Pow and e.base.is_number and e.base.is_positive and e.exp.has(t),
        lambda e: sp.exp(e.exp * sp.log(e.base)),
    )
    chained = attempt(lambda: chain_limit(expr, t, point, side), 5.0, None)
    if chained is not None:
        return simplest_number(chained[0])
    value = attempt(lambda: sp.limit(expr, t, point, side), 10.0, None)
    if value is None or value.has(sp.AccumBounds, sp.nan, sp.zoo, sp.Limit):
        return _numeric_limit(expr, t, point, side)
    return simplest_number(value)


def compare(a: sp.Expr, b: sp.Expr) -> int | None:
    """The sign of b − a for two real numbers: exact for infinities and equal expressions,
    otherwise from 50-digit arithmetic (|b − a| < 1e-40·max(1, |a|) counts as equal);
    None when either is not a number that evaluates.

    Examples
    --------
    >>> compare(sp.pi, sp.sqrt(10)), compare(sp.oo, sp.Integer(3)), compare(sp.E, sp.E)
    (1, -1, 0)
    """
    if a == b:
        return 0
    if a is sp.S.NegativeInfinity or b is sp.S.Infinity:
        return 1
    if a is sp.S.Infinity or b is sp.S.NegativeInfinity:
        return -1
    if not (a.is_number and b.is_number):
        return None
    diff = attempt(lambda: (b - a).evalf(50), 5.0, None)
    scale = attempt(lambda: abs(a.evalf(50)), 5.0, None)
    if diff is None or scale is None or not (diff.is_Float or diff.is_Integer or diff.is_zero):
        return None
    if diff.is_zero or abs(diff) < 1e-40 * max(1, scale):
        return 0
    return 1 if diff > 0 else -1


def compare_assuming(a: sp.Expr, b: sp.Expr) -> int | None:
    """The sign of b − a: :func:`compare` for numbers, else the sign of the difference
    under the symbols' assumptions (c against c + 1); None when neither decides.

    Examples
    --------
    >>> c = sp.Symbol("c", positive=True)
    >>> compare_assuming(c, c + 1), compare_assuming(sp.oo, c), compare_assuming(c, 1) is None
    (1, -1, True)
    """
    sign = compare(a, b)
    if sign is None:
        gap = b - a
        sign = 1 if gap.is_positive else -1 if gap.is_negative else 0 if gap.is_zero else None
    return sign


class _Undecided(Exception):
    """Two values whose order :func:`compare` cannot decide."""


def in_order(values, key=None) -> list | None:
    """The values sorted from −oo up (by ``key(value)`` when given), each comparison
    decided by :func:`compare` (exact for infinities, 50 digits otherwise) or, for
    expressions with parameters, by the sign of their difference under the assumptions;
    None when some pair cannot be ordered (an end with a parameter, such as c against 1).

    SymPy's ``is_finite`` is not used: it is None for finite numbers such as
    cot(1/2 − tan(1/2)/4), which would otherwise sort as if infinite.

    Examples
    --------
    >>> h = sp.S.Half
    >>> in_order([sp.oo, sp.cot(h - sp.tan(h) / 4), sp.Integer(2), -sp.oo])
    [-oo, 2, cot(1/2 - tan(1/2)/4), oo]
    >>> c = sp.Symbol("c", positive=True)
    >>> in_order([c + 2, c, c + 1]), in_order([sp.Integer(1), c])
    ([c, c + 1, c + 2], None)
    """

    def order(first, second) -> int:
        a, b = (first, second) if key is None else (key(first), key(second))
        sign = compare_assuming(a, b)
        if sign is None:
            raise _Undecided
        return -sign

    try:
        return sorted(values, key=functools.cmp_to_key(order))
    except _Undecided:
        return None


def chain_limit(
    expr: sp.Expr, t: sp.Symbol, point: sp.Expr, side: str
) -> tuple[sp.Expr, str] | None:
    """lim expr as t -> point from ``side``, step by step through the chain of unary
    steps of expr (see :mod:`symflow.core.special`), with the side each step's value is
    approached from; None when expr is not such a chain or a step's limit is unknown.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> chain_limit(sp.LambertW(sp.exp(t)), t, sp.oo, "-")
    (oo, '-')
    >>> chain_limit(sp.erfcinv(1 - t), t, sp.Integer(-1), "+")
    (-oo, '+')
    """
    from symflow.core.special import decompose

    steps = decompose(expr, t)
    if steps is None:
        return None
    value, approach = point, side
    for step in reversed(steps):
        out = step_limit(step, value, approach)
        if out is None:
            return None
        value, approach = out
    return value, approach


def step_limit(step, value: sp.Expr, side: str) -> tuple[sp.Expr, str] | None:
    """lim F(u) as u -> value from ``side`` for one unary step F, from its table piece."""
    if is_finite_number(value):
        near = sp.Interval(value - 1, value + 1)
    else:
        near = sp.Interval(-sp.oo, sp.Integer(0)) if value == -sp.oo else sp.Interval(0, sp.oo)
    pieces = step.pieces(near)
    if not pieces:
        return None
    u = sp.Symbol("u_limit", real=True)
    for piece in pieces:
        lo_vs = compare(piece.lo, value)  # sign of value - lo
        hi_vs = compare(value, piece.hi)  # sign of hi - value
        if lo_vs is None or hi_vs is None:
            continue
        inside = (lo_vs >= 0 and hi_vs > 0) if side == "+" else (lo_vs > 0 and hi_vs >= 0)
        if not inside:
            continue
        flip = {"+": "-", "-": "+"}
        out_side = side if piece.direction > 0 else flip[side]
        known = piece.at_lo if lo_vs == 0 else piece.at_hi if hi_vs == 0 else None
        if known is not None:
            return sp.sympify(known), out_side
        direct = attempt(lambda: step.outer(value), 2.0, None)
        # finite, not only free of zoo: 1/(sin(e)/cos(e) - tan(e)) is 1/0 in disguise
        if direct is not None and not direct.has(sp.nan, sp.zoo, sp.AccumBounds):
            if direct.is_real is not False and (not direct.is_number or is_finite_number(direct)):
                return direct, out_side
        found = attempt(lambda: sp.limit(step.outer(u), u, value, side), 5.0, None)
        if found is None or found.has(sp.nan, sp.zoo, sp.AccumBounds, sp.Limit):
            return None
        return found, out_side
    return None


def _rational_if_short(value: sp.Float) -> sp.Expr:
    """A float as the rational it spells (0.25 -> 1/4) when that is short, else itself."""
    exact = sp.nsimplify(value)
    if exact.is_Rational and max(abs(exact.p), exact.q) < 10**12:
        return exact
    return value


def _numeric_limit(expr: sp.Expr, t: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    """±oo when expr grows without bound toward the point; nan when undecided."""
    import mpmath

    if expr.free_symbols - {t}:
        return sp.nan
    f = sp.lambdify(t, expr, modules="mpmath")
    values = []
    with mpmath.workdps(30):
        for k in range(2, 14, 2):
            if is_finite_number(point):
                step = mpmath.mpf(10) ** (-k)
                x = mpmath.mpf(float(point)) + (step if side == "+" else -step)
            else:
                x = mpmath.mpf(10) ** k * (1 if point == sp.oo else -1)
            try:
                v = complex(f(x))
            except (ValueError, ZeroDivisionError, OverflowError, TypeError):
                return sp.nan
            if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
                return sp.nan
            values.append(v.real)
    if all(v > 1e12 for v in values[-3:]) and values[-1] > values[-2] > values[-3]:
        return sp.oo
    if all(v < -1e12 for v in values[-3:]) and values[-1] < values[-2] < values[-3]:
        return -sp.oo
    return sp.nan


def as_intervals(s: sp.Set) -> list[sp.Interval]:
    """The intervals of a finite union, in order (points are dropped); [] for a set that
    is no such union (see :func:`intervals_of` to tell the two apart)."""
    return intervals_of(s) or []


def intervals_of(s: sp.Set) -> list[sp.Interval] | None:
    """The intervals of a finite union, in order (points are dropped), with intersections
    of intervals whose ends have parameters resolved under the assumptions
    ([−1, 0] ∩ (−b − 2, b + 2) = [−1, 0] for b > 0, which SymPy leaves unevaluated);
    None when ``s`` is not such a union or an order is not decided.

    Examples
    --------
    >>> b = sp.Symbol("b", positive=True)
    >>> intervals_of(sp.Intersection(sp.Interval(-1, 0), sp.Interval.open(-b - 2, b + 2)))
    [Interval(-1, 0)]
    >>> intervals_of(sp.Intersection(sp.Interval(0, 1), sp.Interval(b, 2))) is None
    True
    """
    if s.is_empty:
        return []
    if isinstance(s, sp.Interval):
        return [s]
    if isinstance(s, sp.FiniteSet):
        return []
    if isinstance(s, sp.Intersection) and all(isinstance(a, sp.Interval) for a in s.args):
        whole: sp.Set | None = s.args[0]
        for other in s.args[1:]:
            whole = intersect_intervals(whole, other) if whole is not None else None
        return None if whole is None else intervals_of(whole)
    if isinstance(s, sp.Union):
        out: list[sp.Interval] = []
        for part in s.args:
            found = intervals_of(part)
            if found is None:
                return None
            out.extend(found)
        return in_order(out, key=lambda i: i.inf) or out
    return None


def intersect_intervals(a: sp.Interval, b: sp.Interval) -> sp.Set | None:
    """a ∩ b with the ends ordered under the assumptions ([c + 1, oo) ∩ (−oo, c + 2] =
    [c + 1, c + 2]); None when their order is not decided.

    Examples
    --------
    >>> c = sp.Symbol("c", positive=True)
    >>> intersect_intervals(sp.Interval(c + 1, sp.oo), sp.Interval(-sp.oo, c + 2))
    Interval(c + 1, c + 2)
    """
    both = sp.Intersection(a, b)
    if not isinstance(both, sp.Intersection):
        return both
    lows = in_order([a.inf, b.inf])
    highs = in_order([a.sup, b.sup])
    if lows is None or highs is None:
        return None
    lo, hi = lows[-1], highs[0]
    left_open = any(i.left_open for i in (a, b) if compare_assuming(i.inf, lo) == 0)
    right_open = any(i.right_open for i in (a, b) if compare_assuming(i.sup, hi) == 0)
    order = compare_assuming(lo, hi)
    if order is None:
        return None
    if order < 0:
        return sp.S.EmptySet
    return sp.Interval(lo, hi, left_open, right_open)


def probability(base, region: sp.Set) -> sp.Expr | None:
    """P_base(Z in region) from the base's closed-form CDF, or None."""
    z = sp.Symbol("z", real=True)
    cdf = base.cdf(z)
    if cdf is None:
        return None
    total = sp.Integer(0)
    parts = intervals_of(region)
    if parts is None:  # no explicit set ([-1, 0] ∩ (a, b) with a undecided): not 0
        return None
    for part in parts:
        # the larger lower end and the smaller upper end, ordered under the assumptions
        # (−1 against −b − 2 with b > 0), not by float(), which a parameter has not
        lows = in_order([part.inf, base.support.inf])
        highs = in_order([part.sup, base.support.sup])
        if lows is None or highs is None:
            return None
        lo, hi = lows[-1], highs[0]
        f_hi = endpoint_value(cdf, z, hi, "-") if hi != base.support.sup else sp.Integer(1)
        f_lo = endpoint_value(cdf, z, lo, "+") if lo != base.support.inf else sp.Integer(0)
        total += f_hi - f_lo
    return attempt(lambda: sp.nsimplify(sp.simplify(total)), 5.0, total)
