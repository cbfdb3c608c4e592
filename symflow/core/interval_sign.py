"""Where a derivative changes sign, proven by interval arithmetic (mpmath's ``iv``).

f′ is evaluated over whole cells of the interval, not at points: an interval evaluation
encloses every value f′ takes on the cell, so a cell whose enclosure excludes 0 has a
proven sign. A cell whose enclosure contains 0 is halved, down to a width of 2⁻⁸⁴ of the
interval. The result lists every sign change, each inside a cell too narrow to halve
further, or at a shared end of two cells of opposite proven signs: a dip of f′ below zero
between two sampling points (which a grid of samples misses) is found.

Two things are not proven, and the caller is told (:class:`SignChanges`): cells where f′
cannot be evaluated in interval arithmetic at all (a function without a rigorous interval
version, such as ζ or Γ, or an infinite end where the enclosure is not finite), and
narrowest cells whose enclosure still contains 0 with the same proven sign on both sides
(a double root, or an even number of sign changes closer together than 2⁻⁸⁴ of the
interval). There the sign is sampled at points, as before.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> found = interval_sign_changes(1 - 2 * sp.exp(-(((t - sp.Rational(1, 3)) * 10**4) ** 2)), t,
...                               sp.Interval.open(0, 1))
>>> [round(float(c), 8) for c in found.cuts], found.proven
([0.33325008, 0.33341659], True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import sympy as sp
from mpmath import iv

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number

__all__ = ["SignChanges", "interval_sign_changes", "interval_function"]

#: cells of the first subdivision (the sampled test uses 801 points)
CELLS = 256
#: a cell is not halved below 2**-MAX_DEPTH of the interval
MAX_DEPTH = 84
#: interval evaluations allowed per call, beyond which the search gives up (None)
MAX_EVALUATIONS = 20_000
#: bits of the interval arithmetic
PRECISION = 160


@dataclass(frozen=True)
class SignChanges:
    """The points where f′ changes sign on an interval.

    ``proven`` is True when every other part of the interval has a sign proven by interval
    arithmetic; False when some cells were decided by sampling (``sampled`` lists them).
    """

    cuts: tuple[sp.Float, ...]
    proven: bool
    sampled: tuple[tuple[sp.Float, sp.Float], ...] = ()


def _monotone(f: Callable, increasing: bool = True) -> Callable:
    """The interval extension of a monotone function: its values at the ends, widened
    outwards by a few units in the last place of the working precision."""

    def extension(x):
        x = iv.mpf(x)
        with mpmath.workprec(iv.prec + 10):
            a, b = f(mpmath.mpf(x.a)), f(mpmath.mpf(x.b))
        lo, hi = (a, b) if increasing else (b, a)
        pad = mpmath.ldexp(1, -iv.prec + 4)
        return iv.mpf([lo - abs(lo) * pad - mpmath.ldexp(1, -10_000), hi + abs(hi) * pad])

    return extension


def _cosh(x):
    x = iv.mpf(x)
    return (iv.exp(x) + iv.exp(-x)) / 2


def _sinh(x):
    return _monotone(mpmath.sinh)(x)


# SymPy function -> its interval extension (rigorous enclosures only)
_EXTENSIONS: dict[type, Callable] = {
    sp.exp: iv.exp,
    sp.log: iv.log,
    sp.sin: iv.sin,
    sp.cos: iv.cos,
    sp.tan: iv.tan,
    sp.cosh: _cosh,
    sp.sinh: _sinh,
    sp.tanh: _monotone(mpmath.tanh),
    sp.atan: _monotone(mpmath.atan),
    sp.asinh: _monotone(mpmath.asinh),
    sp.erf: _monotone(mpmath.erf),
    sp.erfc: _monotone(mpmath.erfc, increasing=False),
    sp.Abs: lambda x: abs(iv.mpf(x)),
}


def interval_function(t: sp.Symbol, expr: sp.Expr) -> Callable | None:
    """``expr`` as a function of an mpmath ``iv`` interval enclosing its values there, or None
    when a function in it has no rigorous interval extension here.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> f = interval_function(t, sp.exp(t) - t)
    >>> print(f(iv.mpf([0, 1])))
    [0.0, 2.7182818284590455349]
    """
    functions = {type(a) for a in expr.atoms(sp.Function)}
    if not functions <= set(_EXTENSIONS) or expr.has(sp.Derivative, sp.Subs):
        return None
    names = {cls.__name__: _EXTENSIONS[cls] for cls in functions}
    names.update({"mpf": iv.mpf, "pi": iv.pi, "E": iv.e, "e": iv.e})
    return sp.lambdify(t, expr, modules=[names, "mpmath"])


def _sign(enclosure) -> int | None:
    """+1 / −1 when the enclosure excludes 0 (an end may be infinite), else None."""
    try:
        lo, hi = enclosure.a, enclosure.b
    except AttributeError:
        return None
    if mpmath.isnan(lo) or mpmath.isnan(hi):
        return None
    if lo > 0:
        return 1
    if hi < 0:
        return -1
    return None


def interval_sign_changes(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> SignChanges | None:
    """Where ``d`` (a derivative in ``t``) changes sign on the open ``interval``, decided by
    interval arithmetic; None when it cannot be evaluated over cells of the interval.

    The interval is cut into CELLS cells (on an infinite side, cells whose ends grow
    geometrically, and a last cell reaching infinity); each cell whose enclosure of d
    contains 0 is halved until its enclosure excludes 0 or it is 2⁻⁸⁴ of the interval
    wide. A sign change is reported at the middle of the narrow cells between two cells of
    opposite proven signs, to about 25 significant digits relative to the interval.
    """
    if not all(_decided_end(e) for e in (interval.inf, interval.sup)):
        return None  # an end that may be finite or infinite: no grid is right for both
    fn = interval_function(t, d)
    if fn is None:
        return None
    return attempt(lambda: _search(fn, interval), 30.0, None)


def _decided_end(end: sp.Expr) -> bool:
    """end is ±oo or a finite real number (not a parameter, whose size is unknown)."""
    return end in (sp.oo, -sp.oo) or (end.is_number and is_finite_number(end))


def _grid(interval: sp.Interval) -> list:
    """Cell ends: exact rationals on a finite interval, geometric steps towards an
    infinite end (the outermost cell reaches ±inf)."""
    lo, hi = interval.inf, interval.sup
    with mpmath.workprec(PRECISION):
        if is_finite_number(lo) and is_finite_number(hi):
            a, b = (mpmath.mpf(sp.Float(v, 40)) for v in (lo, hi))
            return [a + (b - a) * i / CELLS for i in range(CELLS + 1)]
        steps = [mpmath.mpf(2) ** k for k in range(-20, 64)]  # 1e-6 .. 1e19 from the end
        if is_finite_number(lo):
            a = mpmath.mpf(sp.Float(lo, 40))
            return [a, *[a + s for s in steps], mpmath.inf]
        if is_finite_number(hi):
            b = mpmath.mpf(sp.Float(hi, 40))
            return [-mpmath.inf, *[b - s for s in reversed(steps)], b]
        return [-mpmath.inf, *[-s for s in reversed(steps)], *steps, mpmath.inf]


def _search(fn: Callable, interval: sp.Interval) -> SignChanges | None:
    ends = _grid(interval)
    width = None
    if is_finite_number(interval.inf) and is_finite_number(interval.sup):
        width = ends[-1] - ends[0]
    evaluations = 0
    cells: list[tuple] = []  # (lo, hi, sign or None), in order

    def enclose(a, b) -> int | None:
        nonlocal evaluations
        evaluations += 1
        saved = iv.prec
        iv.prec = PRECISION
        try:
            with mpmath.workprec(PRECISION):  # iv.cos reduces its argument in mp's precision
                return _sign(fn(iv.mpf([a, b])))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, ArithmeticError):
            return None
        finally:
            iv.prec = saved

    stack = [(a, b, 0) for a, b in zip(ends[:-1], ends[1:], strict=True)][::-1]
    while stack:
        a, b, depth = stack.pop()
        if evaluations > MAX_EVALUATIONS:
            return None
        sign = enclose(a, b)
        cell_width = width if width is not None else max(abs(a), abs(b), mpmath.mpf(1))
        narrow = (
            depth >= MAX_DEPTH or not (mpmath.isfinite(a) and mpmath.isfinite(b))
        ) or b - a <= cell_width * mpmath.ldexp(1, -MAX_DEPTH)
        if sign is not None or narrow:
            cells.append((a, b, sign))
            continue
        with mpmath.workprec(PRECISION):
            m = (a + b) / 2
        stack.extend([(m, b, depth + 1), (a, m, depth + 1)])
    return _changes(cells)


def _changes(cells: list[tuple]) -> SignChanges:
    """Sign changes between runs of proven cells; undecided runs between equal signs, or
    at the ends, are reported as sampled."""
    cuts: list[sp.Float] = []
    sampled: list[tuple[sp.Float, sp.Float]] = []
    last_sign = None
    gap: list[tuple] = []
    for a, b, sign in cells:
        if sign is None:
            gap.append((a, b))
            continue
        if gap:
            lo, hi = gap[0][0], gap[-1][1]
            if last_sign is not None and last_sign != sign and _finite(lo, hi):
                with mpmath.workprec(PRECISION):
                    cuts.append(_float((lo + hi) / 2))
            else:
                sampled.append((_float(lo), _float(hi)))
            gap = []
        elif last_sign is not None and last_sign != sign:
            cuts.append(_float(a))  # opposite signs proven on both sides of a
        last_sign = sign
    if gap:
        sampled.append((_float(gap[0][0]), _float(gap[-1][1])))
    return SignChanges(tuple(cuts), not sampled, tuple(sampled))


def _finite(*values) -> bool:
    return all(mpmath.isfinite(v) for v in values)


def _float(value) -> sp.Expr:
    if mpmath.isinf(value):
        return sp.oo if value > 0 else -sp.oo
    return sp.Float(mpmath.nstr(value, 30), 30)
