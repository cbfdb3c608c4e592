"""Where a scalar map is defined, and the pieces on which it is strictly monotone.

:func:`monotone_pieces` splits an open interval at the points where f is undefined
(poles) and at the critical points where f' changes sign, and gives each piece with the
direction of f there. A direction is proven from the sign of f' under the assumptions the
piece gives its variable (exp(z) > 0, cosh(z) > 0, z**2 ≥ 0) or, failing that, from the
real roots of f'; when SymPy can do neither, f' is sampled on a dense grid.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> [(p.interval, p.direction) for p in monotone_pieces(t**3, t, sp.S.Reals, "z**3", "z")]
[(Interval(-oo, oo), 1)]
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import as_intervals, describe_set, interior_point, symbol_on
from symflow.errors import MonotonicityError, PointMassError, SupportError

__all__ = ["Piece", "monotone_pieces", "defined_part", "smooth_parts"]

_PIECEWISE_LIKE = (sp.Piecewise, sp.Min, sp.Max, sp.sign, sp.Heaviside, sp.Abs)


def smooth_parts(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, base=None
) -> list[tuple[sp.Interval, sp.Expr]]:
    """Split ``support`` where a Piecewise, Min, Max, sign, Abs or Heaviside changes
    branch; on each open part give the smooth expression that applies there.

    A part on which the expression is constant is a point mass: PointMassError.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t", real=True)
    >>> smooth_parts(sp.Max(t, 2 * t), t, sp.S.Reals, "Max(z, 2z)", "z")
    [(Interval.open(-oo, 0), t), (Interval.open(0, oo), 2*t)]
    """
    if not f.has(*_PIECEWISE_LIKE):
        return [(support, f)]
    pw = sp.piecewise_fold(f.rewrite(sp.Piecewise))
    if not isinstance(pw, sp.Piecewise):
        return [(support, pw)]
    cuts: set[sp.Expr] = set()
    for _, cond in pw.args:
        for rel in cond.atoms(sp.Rel):
            roots = attempt(lambda r=rel: sp.solveset(r.lhs - r.rhs, t, support), 10.0, None)
            if isinstance(roots, sp.FiniteSet):
                cuts |= {r for r in roots if r.is_real}
            elif roots is None or not roots.is_empty:
                raise MonotonicityError(
                    f"Cannot find where {label} changes branch in {var} (condition {rel})."
                )
    bounds = [support.inf, *sorted(cuts, key=lambda v: float(v)), support.sup]
    parts = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        if lo == hi:
            continue
        part = sp.Interval.open(lo, hi)
        point = interior_point(part)
        active = [e for e, cond in pw.args if cond.subs(t, point) == sp.true]
        if not active:
            _raise_gap(t, support, part, label, var, base)
            continue
        expr = active[0]
        if t not in expr.free_symbols:
            _raise_flat(expr, t, part, label, var, base)
        parts.append((part, expr))
    return parts


def _raise_gap(t, support, part, label, var, base) -> None:
    """A part of the support where no branch of a Piecewise applies: mass would be lost
    silently. Refused unless it has probability 0 under the base."""
    gap = sp.Interval(part.inf, part.sup).intersect(support)
    chance = ", which has positive probability"
    if base is not None:
        from symflow.core.intervals import probability

        p = probability(base, gap)
        if p == 0:
            return
        if p is not None:
            chance = f", which has probability {p} (about {float(p):.3g}) under {base!r}"
    raise SupportError(
        f"{label} has no branch for {var} in {describe_set(gap)}{chance}: no condition of "
        f"the Piecewise holds there, so that mass would be lost. Add a branch for it (e.g. a "
        f"last pair (expression, True)), or use a base whose support avoids it."
    )


@dataclass(frozen=True)
class Piece:
    """An open interval on which f is strictly monotone; direction +1 or -1."""

    interval: sp.Interval
    direction: int
    #: points inside the piece where f' = 0 without changing sign (z**3 at 0): the
    #: density of the image is infinite there
    stationary: tuple = ()


def _open(interval: sp.Interval) -> sp.Interval:
    return sp.Interval.open(interval.inf, interval.sup)


def defined_part(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, base=None
) -> tuple[list[sp.Interval], list[sp.Expr]]:
    """The open intervals of ``support`` where f is real and continuous, and the cut points.

    Raises SupportError when f is undefined on a part of positive length.
    """
    domain = attempt(lambda: sp.calculus.util.continuous_domain(f, t, support), 15.0, None)
    if domain is None:
        return [support], []
    missing = attempt(lambda: sp.Complement(support, domain), 5.0, sp.S.EmptySet)
    if not missing.is_empty and not isinstance(missing, sp.FiniteSet):
        lost = missing
        where = f"for {var} in {describe_set(lost)}"
        chance = ""
        if base is not None:
            from symflow.core.intervals import probability

            closed = sp.Union(*[sp.Interval(i.inf, i.sup) for i in as_intervals(lost)])
            p = probability(base, closed)
            if p is not None and p != 0:
                chance = f", which has probability {p} under {base!r}"
        else:
            chance = ", which has positive probability"
        raise SupportError(
            f"{label} is undefined (or not real) {where}{chance}. Use a base or a previous "
            f"layer whose support avoids it, or change the transform so that it is defined "
            f"on all of {describe_set(support)}."
        )
    cuts = sorted(missing, key=lambda v: float(v)) if isinstance(missing, sp.FiniteSet) else []
    parts = as_intervals(domain) or [support]
    return [_open(p) for p in parts if p.measure != 0], cuts


def _sign_by_assumptions(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int | None:
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


def _sign_at(d: sp.Expr, t: sp.Symbol, point: sp.Expr) -> int:
    value = attempt(lambda: d.subs(t, point).evalf(30), 5.0, None)
    if value is None or not value.is_number or value.has(sp.nan, sp.zoo):
        return 0
    if value.is_real is False:
        return 0
    v = float(sp.re(value))
    return (v > 0) - (v < 0)


def _probe_points(interval: sp.Interval) -> list[sp.Expr]:
    lo, hi = interval.inf, interval.sup
    middle = interior_point(interval)
    out = [middle]
    for frac in (sp.Rational(1, 3), sp.Rational(2, 3), sp.Rational(1, 7), sp.Rational(6, 7)):
        if lo.is_finite and hi.is_finite:
            out.append(lo + (hi - lo) * frac)
        elif lo.is_finite:
            out.append(lo + 3 * frac)
        elif hi.is_finite:
            out.append(hi - 3 * frac)
        else:
            out.append(6 * frac - 3)
    return out


def _direction(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int:
    for point in _probe_points(interval):
        sign = _sign_at(d, t, point)
        if sign:
            return sign
    return 0


def _grid_sign_changes(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> list[float] | None:
    """Approximate places where f' changes sign, from a dense grid; None if unevaluable."""
    import math

    lo, hi = interval.inf, interval.sup
    n = 4001
    us = [-1 + 2 * (i + 0.5) / n for i in range(n)]
    if lo.is_finite and hi.is_finite:
        a, b = float(lo), float(hi)
        xs = [a + (b - a) * (u + 1) / 2 for u in us]
    elif lo.is_finite:
        xs = [float(lo) + math.tan(math.pi / 4 * (u + 1)) ** 3 for u in us[:-1]]
    elif hi.is_finite:
        xs = [float(hi) - math.tan(math.pi / 4 * (u + 1)) ** 3 for u in us[:-1]][::-1]
    else:
        xs = [math.tan(math.pi / 2 * u * 0.999) ** 3 for u in us]
    fn = sp.lambdify(t, d, modules="mpmath")
    signs = []
    for x in xs:
        try:
            v = complex(fn(x))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if v != v or abs(v.imag) > 1e-12 * max(1.0, abs(v.real)):
            continue
        signs.append((x, (v.real > 0) - (v.real < 0)))
    if len(signs) < n // 2:
        return None
    changes = []
    last = None
    for x, s in signs:
        if s == 0:
            continue
        if last is not None and s != last[1]:
            changes.append((last[0] + x) / 2)
        last = (x, s)
    return changes


def monotone_pieces(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, base=None
) -> list[Piece]:
    """Split ``support`` into open pieces where f is strictly monotone.

    Raises SupportError (f undefined on part of the support), PointMassError (f constant
    on an interval), MonotonicityError (infinitely many pieces, or undecidable with free
    parameters).
    """
    parts, _ = defined_part(f, t, support, label, var, base)
    d = sp.diff(f, t)
    pieces: list[Piece] = []
    for part in parts:
        tp = symbol_on(t.name, part)
        dp = d.xreplace({t: tp})
        sign = attempt(lambda p=part, e=dp, s=tp: _sign_by_assumptions(e, s, p), 5.0, None)
        if sign is not None:
            pieces.append(Piece(part, sign))
            continue
        if dp.free_symbols - {tp}:
            pieces.extend(_pieces_with_parameters(dp, tp, part, label, var))
            continue
        pieces.extend(_pieces_from_roots(f, t, dp, tp, part, label, var, base))
    return pieces


def _pieces_with_parameters(dp, tp, part, label, var) -> list[Piece]:
    """Pieces of a transform with free parameters: split at roots of f' that do not
    depend on the parameters, then prove each piece's direction from the assumptions."""
    params = ", ".join(sorted(s.name for s in dp.free_symbols - {tp}))
    roots = attempt(lambda: sp.solveset(dp, tp, part), 10.0, None)
    out: list[Piece] = []
    if isinstance(roots, sp.FiniteSet) and all(r.is_number and r.is_real for r in roots):
        bounds = [part.inf, *sorted(roots, key=lambda r: float(r)), part.sup]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            sub = sp.Interval.open(lo, hi)
            ts = symbol_on(tp.name, sub)
            on_sub = dp.xreplace({tp: ts})
            sign = attempt(lambda e=on_sub, v=ts, i=sub: _sign_by_assumptions(e, v, i), 5.0, None)
            if sign is None:
                break
            if out and out[-1].direction == sign:
                out[-1] = Piece(sp.Interval.open(out[-1].interval.inf, hi), sign)
            else:
                out.append(Piece(sub, sign))
        else:
            return out
    raise MonotonicityError(
        f"Cannot decide whether {label} is increasing or decreasing in {var} on "
        f"{describe_set(part)} for every value of {params}: its derivative is "
        f"{dp.xreplace({tp: sp.Symbol(var)})}. Give the parameters signs (a SymPy symbol "
        f"declared positive=True, or --param NAME:positive on the command line), or "
        f"split the transform into simpler layers."
    )


def _pieces_from_roots(f, t, dp, tp, part, label, var, base=None) -> list[Piece]:
    roots = attempt(lambda: sp.solveset(dp, tp, part), 10.0, None)
    if isinstance(roots, sp.FiniteSet) and all(r.is_real for r in roots):
        cuts = sorted(roots, key=lambda r: float(r))
    elif roots is not None and roots.is_empty:
        cuts = []
    elif roots is not None and any(isinstance(a, sp.Interval) for a in [roots, *roots.args]):
        flat = next(a for a in [roots, *roots.args] if isinstance(a, sp.Interval))
        _raise_flat(f, t, flat, label, var, base)
    elif roots is not None and roots.has(sp.ImageSet) and not part.measure.is_finite:
        raise MonotonicityError(
            f"{label} has infinitely many critical points in {var} on {describe_set(part)} "
            f"(it is periodic there), so the result would have infinitely many branches. "
            f"Restrict the incoming support to a bounded interval first, e.g. use a "
            f"Uniform base."
        )
    else:
        approx = _grid_sign_changes(dp, tp, part)
        if approx is None:
            raise MonotonicityError(
                f"Cannot decide where {label} is monotone in {var} on {describe_set(part)}: "
                f"SymPy finds no real roots of its derivative and it cannot be evaluated."
            )
        cuts = [sp.Float(c, 17) for c in approx]
    bounds = [part.inf, *cuts, part.sup]
    raw = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        sub = sp.Interval.open(lo, hi)
        direction = _direction(dp, tp, sub)
        if direction == 0:
            _raise_flat(f, t, sub, label, var, base)
        raw.append(Piece(sub, direction))
    merged: list[Piece] = []
    for piece in raw:
        if merged and merged[-1].direction == piece.direction:
            previous = merged[-1]
            merged[-1] = Piece(
                sp.Interval.open(previous.interval.inf, piece.interval.sup),
                piece.direction,
                (*previous.stationary, piece.interval.inf),
            )
        else:
            merged.append(piece)
    return merged


def _raise_flat(f, t, interval, label, var, base=None):
    value = attempt(lambda: f.subs(t, interior_point(interval)), 2.0, "a constant")
    chance = "a positive probability"
    if base is not None:
        from symflow.core.intervals import probability

        p = probability(base, sp.Interval(interval.inf, interval.sup))
        if p is not None:
            chance = f"probability {p}"
    raise PointMassError(
        f"{label} is constant (= {value}) for {var} in {describe_set(interval)}: the point "
        f"x = {value} receives {chance}, an atom, so the result has no density. Change the "
        f"transform or restrict the base away from that interval."
    )
