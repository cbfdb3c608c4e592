"""Where a scalar map is defined, and the pieces on which it is strictly monotone.

:func:`monotone_pieces` splits an open interval at the points where f is undefined
(poles) and at the critical points where f' changes sign, and gives each piece with the
direction of f there. A direction is proven from the sign of f' under the assumptions the
piece gives its variable (exp(z) > 0, cosh(z) > 0, z**2 ≥ 0) or, failing that, from the
real roots of f'; when SymPy can do neither, f' is sampled on a dense grid. Where SymPy
cannot decide within its time limit where f is continuous, the poles and jumps are searched
for on a dense grid instead (:func:`_sampled_cuts`), a stated fallback like the sampled sign.

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
from symflow.core.constants import sign_of_constant
from symflow.core.continuity import (
    assumptions_phrase,
    parameter_advice,
    parametric_parts,
    sign_by_ranges,
    sign_on,
)
from symflow.core.interval_sign import interval_sign_changes
from symflow.core.intervals import (
    as_intervals,
    compare,
    compare_assuming,
    describe_set,
    in_order,
    interior_point,
    intervals_of,
    is_finite_number,
    step_limit,
    symbol_on,
)
from symflow.core.set_words import isolated_points, progression_words
from symflow.core.simplify import sign_by_assumptions
from symflow.core.special import decompose, mpmath_function
from symflow.errors import MonotonicityError, PointMassError, SupportError

__all__ = [
    "Piece",
    "monotone_pieces",
    "chain_pieces",
    "defined_part",
    "roots_inside",
    "smooth_parts",
    "raise_infinitely_many_pieces",
]

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
    shown = sp.Symbol(var)
    for _, cond in pw.args:
        for rel in cond.atoms(sp.Rel):
            roots = attempt(lambda r=rel: roots_inside(r.lhs - r.rhs, t, support), 10.0, None)
            if isinstance(roots, sp.FiniteSet):
                cuts |= {r for r in roots if r.is_real}
            elif roots is not None and (roots.free_symbols - {t}):
                params = roots.free_symbols - {t}
                raise MonotonicityError(
                    f"{label} changes branch where {rel.xreplace({t: shown})} starts or stops "
                    f"holding, and symflow cannot decide for every value of "
                    f"{', '.join(sorted(s.name for s in params))} whether that happens inside "
                    f"{describe_set(support)}. {parameter_advice(params)}"
                )
            elif roots is None or not roots.is_empty:
                raise MonotonicityError(
                    f"Cannot find where {label} changes branch in {var} (condition "
                    f"{rel.xreplace({t: shown})}). Split the transform into simpler layers."
                )
    ordered = in_order(list(cuts))
    if ordered is None:
        params = set().union(*(c.free_symbols for c in cuts))
        points = ", ".join(f"{var} = {c}" for c in sp.ordered(cuts))
        raise MonotonicityError(
            f"{label} changes branch at {points}, and symflow cannot decide for every value "
            f"of {', '.join(sorted(s.name for s in params))} in which order these lie in "
            f"{describe_set(support)}. {parameter_advice(params)}"
        )
    bounds = [support.inf, *ordered, support.sup]
    parts = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        if lo == hi:
            continue
        part = sp.Interval.open(lo, hi)
        point = interior_point(part)
        active = []
        for e, cond in pw.args:  # the first branch whose condition holds
            holds = cond.subs(t, point)
            if holds not in (sp.true, sp.false) and not holds.free_symbols:
                raise MonotonicityError(
                    f"Cannot decide whether {cond.xreplace({t: sp.Symbol(var)})} holds for "
                    f"{var} in {describe_set(part)}, where {label} changes branch. Split the "
                    f"transform into simpler layers."
                )
            if holds not in (sp.true, sp.false):  # c > 1/2 at z = 1/2 with c real
                params = holds.free_symbols
                raise MonotonicityError(
                    f"{label} takes one branch or another on {describe_set(part)} "
                    f"depending on {', '.join(sorted(s.name for s in params))}: symflow "
                    f"cannot decide whether {cond.xreplace({t: sp.Symbol(var)})} holds there. "
                    f"{parameter_advice(params)}"
                )
            if holds == sp.true:
                active.append(e)
                break
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
    resolved = intervals_of(gap)  # [-1, 0] ∩ (-b - 2, b + 2) with b > 0: [-1, 0]
    if resolved:
        gap = sp.Union(*resolved)
    chance = ", which has positive probability"
    if base is not None:
        from symflow.core.intervals import probability

        p = probability(base, gap)
        if p == 0:
            return
        if p is not None:
            about = f" (about {float(p):.3g})" if p.is_number else ""
            chance = f", which has probability {p}{about} under {base!r}"
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

    Raises SupportError when f is undefined on a part of positive length. When SymPy's
    ``continuous_domain`` gives up (it has 15 s), continuity is not assumed: the poles and
    jumps are searched for on a grid (:func:`_sampled_cuts`), which raises SupportError
    when it cannot conclude.
    """
    # SymPy's continuous_domain takes t**(1/3) for real on t < 0, where the power is the
    # complex principal root: powers with an odd denominator are read node by node as
    # with parameters (square roots it handles)
    fractional = any(
        node.is_Pow
        and node.base.has(t)
        and node.exp.is_Rational
        and not node.exp.is_integer
        and node.exp.q % 2 == 1
        for node in sp.preorder_traversal(f)
    )
    if fractional or (f.free_symbols | support.free_symbols) - {t}:
        found = attempt(lambda: parametric_parts(f, t, support, label, var, base), 30.0, None)
        if found is not None:
            return _without_removable(f, t, *found)
    domain = attempt(lambda: _continuous_domain(f, t, support), 15.0, None)
    if domain is None or domain is _UNSUPPORTED:
        why = "within its time limit" if domain is None else "(it does not handle this form)"
        cuts = _sampled_cuts(f, t, support, label, var, why)
        if cuts is None:  # f has no numbers at all: the monotonicity step says so
            return [support], []
        bounds = [support.inf, *cuts, support.sup]
        return [sp.Interval.open(a, b) for a, b in zip(bounds, bounds[1:], strict=False)], cuts
    domain = attempt(lambda: _real_points_only(domain), 5.0, domain)
    missing = attempt(lambda: sp.Complement(support, domain), 5.0, sp.S.EmptySet)
    if not missing.is_empty and not isinstance(missing, sp.FiniteSet):
        _raise_if_points_undecided(missing, support, label, var)
        _raise_if_parameters_undecided(missing, t, support, label, var)
        _raise_if_infinitely_many_poles(missing, support, label, var, base)
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
    removable = [c for c in cuts if _continuous_at(f, t, c)]
    if removable:  # SymPy excluded a point where f is continuous (asinh at 0 in a sigmoid)
        cuts = [c for c in cuts if c not in removable]
        domain = sp.Union(domain, sp.FiniteSet(*removable))
    parts = [_open(p) for p in as_intervals(domain) or [support] if p.measure != 0]
    missed = _missed_cuts(f, t, support, cuts, label, var)
    if missed:
        cuts = in_order([*cuts, *missed]) or [*cuts, *missed]  # numbers: always ordered
        parts = _split_at(parts, missed)
    return parts, cuts


#: continuous_domain gave up on the expression (as opposed to running out of time)
_UNSUPPORTED = sp.Symbol("unsupported")


def _continuous_domain(f: sp.Expr, t: sp.Symbol, support: sp.Interval) -> sp.Set | sp.Symbol:
    """SymPy's continuous_domain, or _UNSUPPORTED where it raises (it takes no parameters:
    log(b − z) raises NotImplementedError)."""
    try:
        return sp.calculus.util.continuous_domain(f, t, support)
    except (NotImplementedError, ValueError, TypeError, AttributeError, ZeroDivisionError):
        return _UNSUPPORTED


def _without_removable(
    f: sp.Expr, t: sp.Symbol, parts: list[sp.Interval], cuts: list[sp.Expr]
) -> tuple[list[sp.Interval], list[sp.Expr]]:
    """``parts`` joined across the cuts where f is continuous after all (sin(z)/z at 0)."""
    kept = [c for c in cuts if not (c.is_number and _continuous_at(f, t, c))]
    if len(kept) == len(cuts):
        return parts, cuts
    bounds = [parts[0].inf, *kept, parts[-1].sup]
    return [sp.Interval.open(a, b) for a, b in zip(bounds, bounds[1:], strict=False)], kept


def _raise_if_points_undecided(missing: sp.Set, support: sp.Interval, label, var) -> None:
    """SupportError when ``missing`` is built from the support and finitely many points
    only (1/z on (a, a + 1): the point 0, inside or not depending on a), so that f lacks
    at most those points but it is not decided which of them lie inside."""
    if not support.free_symbols:
        return
    points = [p for s in missing.atoms(sp.FiniteSet) for p in s]
    if not points or any(i != support for i in missing.atoms(sp.Interval)):
        return
    params = ", ".join(sorted(x.name for x in support.free_symbols))
    listed = ", ".join(str(p) for p in points)
    raise SupportError(
        f"{label} is not continuous at {var} = {listed}, and symflow cannot decide for every "
        f"value of {params} whether that lies inside {describe_set(support)} (where it would "
        f"split the support into pieces). {parameter_advice(support.free_symbols, None)}"
    )


def _raise_if_infinitely_many_poles(missing: sp.Set, support, label, var, base) -> None:
    """MonotonicityError when f is undefined at infinitely many isolated points of the
    support (the poles pi/2 + pi*k of tan on the real line): a set of probability 0, but
    between them f has infinitely many monotone pieces."""
    found = isolated_points(missing)
    if found is None or not found[1]:
        return
    points, steps = found
    alone = "".join(f"{var} = {p} and at " for p in in_order(points) or points)
    raise_infinitely_many_pieces(
        f"{label} is undefined at {alone}{var} = {progression_words(steps)} for every integer k",
        support,
        base,
    )


def raise_infinitely_many_pieces(what: str, support: sp.Set, base=None) -> None:
    """MonotonicityError: ``what`` makes f split the support into infinitely many monotone
    pieces, and the density would be a sum over infinitely many branches.

    Examples
    --------
    >>> import sympy as sp
    >>> try:
    ...     raise_infinitely_many_pieces("sin(z) is periodic", sp.S.Reals)
    ... except MonotonicityError as err:
    ...     print(str(err).split(":")[1].split(".")[0].strip())
    on (-oo, oo) it has infinitely many monotone pieces, which symflow cannot sum
    """
    where = describe_set(support)
    whole = base is not None and getattr(base, "support", None) == support
    on = f"on the support {where} of {base!r}" if whole else f"on {where}"
    raise MonotonicityError(
        f"{what}: {on} it has infinitely many monotone pieces, which symflow cannot sum. "
        f"Restrict the base to a bounded interval (sf.Truncated, or a Uniform base) or change "
        f"the transform."
    )


def _raise_if_parameters_undecided(missing: sp.Set, t, support, label, var) -> None:
    """SupportError when the part of ``support`` where SymPy finds f undefined or not
    continuous depends on parameters in a form symflow cannot read."""
    params = missing.free_symbols - {t}
    if not params:
        return
    names = ", ".join(sorted(s.name for s in params))
    raise SupportError(
        f"SymPy finds {label} undefined or not continuous for {var} in "
        f"{describe_set(missing.xreplace({t: sp.Symbol(var)}))}, a part of "
        f"{describe_set(support)} that depends on {names}, and symflow cannot decide for "
        f"every value of {names} where that is. {parameter_advice(params, None)}"
    )


#: largest end magnitude that gets a rational enclosure
_ENCLOSED = sp.Float("1e400")


def _rational_enclosure(support: sp.Interval) -> sp.Interval | None:
    """An open interval with rational (or infinite) ends that contains ``support`` and
    exceeds it by less than 1e-15 relative at each end; None when the ends are rational
    already or not numbers."""
    ends = (support.inf, support.sup)
    if support.free_symbols or all(e.is_Rational or e.is_infinite for e in ends):
        return None
    scale = 10**18

    def outward(end: sp.Expr, down: bool) -> sp.Expr | None:
        if end.is_Rational or end.is_infinite:
            return end
        value = attempt(lambda: end.evalf(40), 5.0, None)
        if value is None or not value.is_Float or abs(value) > _ENCLOSED:
            return None  # (e^(e^1000) has no integer part Python can hold)
        magnitude = max(1, int(abs(value)) + 1)
        step = sp.Rational(magnitude, scale)
        k = sp.floor(value / step) if down else sp.ceiling(value / step)
        return (k - 1) * step if down else (k + 1) * step

    lo, hi = outward(support.inf, True), outward(support.sup, False)
    if lo is None or hi is None:
        return None
    return sp.Interval.open(lo, hi)


def roots_inside(expr: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> sp.Set:
    """``solveset(expr, t, interval)``, solved on an enclosing interval with rational ends
    when an end is irrational, and the roots strictly inside ``interval`` (decided in
    50-digit arithmetic) kept.

    SymPy 1.14 intersects the periodic solutions of cos(3t) = 0 with an interval whose end
    is transcendental (tan(atan(3)/2)) as the empty set; on rational ends it finds them.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> roots_inside(sp.cos(3 * t), t, sp.Interval.open(sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2)))
    {pi/6}
    """
    enclosure = _rational_enclosure(interval)
    if enclosure is None:
        return sp.solveset(expr, t, interval)
    found = sp.solveset(expr, t, enclosure)
    if found.is_empty:
        return found
    if not isinstance(found, sp.FiniteSet):
        return sp.solveset(expr, t, interval)
    inside = []
    for root in found:
        sides = compare(interval.inf, root), compare(root, interval.sup)
        if None in sides:
            return sp.solveset(expr, t, interval)
        if sides == (1, 1):
            inside.append(root)
    return sp.FiniteSet(*inside)


def _missed_cuts(f, t, support, cuts, label, var) -> list[sp.Expr]:
    """Poles and jumps of f strictly inside ``support`` that SymPy's continuous_domain
    left out because of the form of the support's ends.

    SymPy intersects the periodic singularities of tan(πt) with an interval whose end is
    transcendental (tan(atan(3)/2)) as the empty set, so the pole ½ inside
    (√2 − 1, tan(atan(3)/2)) went unseen. The singularities are found again on an
    interval with rational ends that encloses the support, and those that lie strictly
    inside the support (decided in 50-digit arithmetic) and are not cuts already are
    returned. Raises SupportError when it cannot be decided whether such a point lies
    inside the support.
    """
    enclosure = _rational_enclosure(support)
    if enclosure is None:
        return []
    wide = attempt(lambda: sp.calculus.util.continuous_domain(f, t, enclosure), 15.0, None)
    if wide is None:
        return []
    wide = attempt(lambda: _real_points_only(wide), 5.0, wide)
    outside = attempt(lambda: sp.Complement(enclosure, wide), 5.0, None)
    if outside is None:
        return []
    pieces = outside.args if isinstance(outside, sp.Union) else (outside,)
    points = [p for piece in pieces if isinstance(piece, sp.FiniteSet) for p in piece]
    missed = []
    for point in points:
        if not point.is_number:
            continue
        sides = compare(support.inf, point), compare(point, support.sup)
        if None in sides:
            raise SupportError(
                f"Cannot decide whether {var} = {point}, where {label} is not continuous, "
                f"lies inside {describe_set(support)}: the comparison with its ends does not "
                f"evaluate. Give the previous layer or the base simpler ends."
            )
        if sides != (1, 1) or any(compare(c, point) == 0 for c in cuts):
            continue
        if not _continuous_at(f, t, point):
            missed.append(point)
    return missed


def _split_at(parts: list[sp.Interval], points: list[sp.Expr]) -> list[sp.Interval]:
    """The open intervals ``parts`` cut at ``points`` (each inside one of them)."""
    out = []
    for part in parts:
        inside = [p for p in points if compare(part.inf, p) == 1 and compare(p, part.sup) == 1]
        bounds = [part.inf, *(in_order(inside) or inside), part.sup]  # each compared above
        out.extend(sp.Interval.open(a, b) for a, b in zip(bounds, bounds[1:], strict=False))
    return out


#: most poles or jumps the sampled search gives as cuts before it refuses
MAX_SAMPLED_CUTS = 50


def _numeric_value(fn, x):
    """fn(x) in SAMPLE_DIGITS-digit arithmetic; None unless it is a finite real number."""
    import mpmath

    with mpmath.workdps(SAMPLE_DIGITS):
        try:
            v = mpmath.mpmathify(fn(x))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError):
            return None
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > mpmath.mpf(10) ** -20 * max(1, abs(v.real)):
                return None
            v = v.real
        return v if mpmath.isfinite(v) else None


def _evaluable(fn, x) -> bool:
    """fn(x) gives a number, finite or not (False: fn calls a function that nothing can
    evaluate, such as an undefined SymPy function)."""
    import mpmath

    with mpmath.workdps(SAMPLE_DIGITS):
        try:
            fn(x)
        except (ValueError, ZeroDivisionError, OverflowError):
            return True
        except (TypeError, NameError, AttributeError):
            return False
    return True


def _sampled_cuts(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, why: str
) -> list[sp.Expr] | None:
    """The poles and jumps of f on ``support``, searched for on a grid: used when SymPy
    cannot decide (``why``: within its time limit, or at all) where f is continuous.

    f and f' are evaluated at GRID_POINTS points (denser towards infinite ends) in
    30-digit arithmetic. Between two neighbours where f' has one sign s, f moving
    against s is a pole of odd order or a jump (tan, cot, 1/g); it is refined by
    bisection to 25 digits, and made exact when SymPy recognises the point (π/2) and its
    one-sided limits confirm it. A sample where f is not finite is a pole hit exactly. A
    pole where f' changes sign (1/t**2) needs no cut: the sign change of f' splits the
    pieces there. Tolerance: poles closer together than the grid spacing are not seen.

    Raises SupportError when f is not a finite real number at two neighbouring samples or
    more than MAX_SAMPLED_CUTS poles are found: the search cannot conclude. None when f
    gives no number at all (it calls a function nothing evaluates, or has parameters):
    then no later step can evaluate it either, and the monotonicity step decides from the
    assumptions or reports that it cannot.
    """
    import mpmath

    undecided = (
        f"SymPy could not decide {why} where {label} is continuous in {var} on "
        f"{describe_set(support)}"
    )
    advice = (
        f"Narrow the support of the base (or of the previous layer) so that it holds few "
        f"poles of {label}, or split the transform into simpler layers."
    )
    if support.free_symbols:
        params = ", ".join(sorted(x.name for x in support.free_symbols))
        raise SupportError(
            f"{undecided} for every value of {params}, and it cannot be sampled on an "
            f"interval whose ends are symbols. Give the parameters values. {advice}"
        )
    if f.free_symbols - {t}:  # no numbers without the parameters' values
        return None
    fn = attempt(lambda: mpmath_function(t, f), 5.0, None)
    dfn = attempt(lambda: _derivative_function(f, t, sp.diff(f, t)), 5.0, None)
    if fn is None or dfn is None:
        raise SupportError(f"{undecided}, and it cannot be evaluated numerically. {advice}")
    grid = _sample_grid(support, GRID_POINTS)
    if not _evaluable(fn, grid[len(grid) // 2]):
        return None
    values = [_numeric_value(fn, x) for x in grid]
    slopes = _sampled_slopes(dfn, grid, values)
    cuts: list[sp.Expr] = []
    for i, (x, v) in enumerate(zip(grid, values, strict=True)):
        if v is None:
            if (i > 0 and values[i - 1] is None) or (i + 1 < len(grid) and values[i + 1] is None):
                raise SupportError(
                    f"{undecided}, and {label} is not a finite real number at {var} = "
                    f"{mpmath.nstr(x, 8)} and its neighbouring sample point, so symflow "
                    f"cannot tell where it is defined. {advice}"
                )
            cuts.append(sp.Float(mpmath.nstr(x, 25), 25))
            continue
        if i == 0 or values[i - 1] is None:
            continue
        s = slopes[i]
        if s and slopes[i - 1] == s and mpmath.sign(v - values[i - 1]) == -s:
            cuts.append(_bisect_jump(fn, grid[i - 1], x, values[i - 1], s))
        if len(cuts) > MAX_SAMPLED_CUTS:
            raise SupportError(
                f"{undecided}, and a search on {GRID_POINTS} sample points finds more than "
                f"{MAX_SAMPLED_CUTS} poles or jumps there (the first near {var} = "
                f"{float(cuts[0]):.8g}), too many to give as separate pieces. {advice}"
            )
    return [_exact_pole(f, t, c) for c in cuts]


def _sampled_slopes(dfn, grid: list, values: list) -> list[int | None]:
    """The sign of f' at the grid points where the search needs it, None elsewhere.

    A pole or jump shows where f moves against the sign of f' on both sides. Within a run
    of neighbours where f moves one way, f' is sampled at the run's middle only; where it
    agrees with the run, the run is taken as monotone. f' is sampled at every point of a
    run whose middle disagrees, and at both ends of every change of direction (that is
    where the poles of tan, cot and 1/g show), so evaluating f' costs a few samples per
    run instead of one per grid point.
    """
    import mpmath

    n = len(grid)
    slopes: list[int | None] = [None] * n
    done = [False] * n

    def sample(i: int) -> int | None:
        if not done[i]:
            done[i] = True
            slopes[i] = _numeric_sign(dfn, grid[i]) if values[i] is not None else None
        return slopes[i]

    moves: list[int | None] = [None] * n  # moves[i]: the direction from i - 1 to i
    for i in range(1, n):
        if values[i] is not None and values[i - 1] is not None:
            moves[i] = int(mpmath.sign(values[i] - values[i - 1]))
    i = 1
    while i < n:
        j = i
        while j + 1 < n and moves[j + 1] == moves[i]:
            j += 1
        # moves[i..j] share one direction: the samples i - 1 .. j
        for k in (i - 1, j):
            sample(k)
        middle = (i - 1 + j) // 2
        if moves[i] is None or sample(middle) != moves[i]:
            for k in range(i - 1, j + 1):
                sample(k)
        i = j + 1
    return slopes


def _bisect_jump(fn, lo, hi, v_lo, s: int) -> sp.Float:
    """The point in (lo, hi) where f, which has slope sign s on both sides, moves against
    s: of the two halves, the one that moves against s holds it (the other is monotone
    in direction s); bisection to 25 digits."""
    import mpmath

    with mpmath.workdps(SAMPLE_DIGITS):
        for _ in range(200):
            mid = (lo + hi) / 2
            v_mid = _numeric_value(fn, mid)
            if v_mid is None:  # the pole itself
                return sp.Float(mpmath.nstr(mid, 25), 25)
            if mpmath.sign(v_mid - v_lo) == -s:
                hi = mid
            else:
                lo, v_lo = mid, v_mid
            if hi - lo < mpmath.mpf(10) ** -26 * max(1, abs(mid)):
                break
        return sp.Float(mpmath.nstr((lo + hi) / 2, 25), 25)


def _exact_pole(f: sp.Expr, t: sp.Symbol, point: sp.Float) -> sp.Expr:
    """``point`` as an exact number (π/2) when SymPy recognises one within 1e-20 at which
    a one-sided limit of f is infinite or the two differ; else ``point`` itself."""
    guess = attempt(lambda: sp.nsimplify(point, [sp.pi, sp.E], tolerance=1e-22), 2.0, None)
    if guess is None or isinstance(guess, sp.Float) or not guess.is_real:
        return point
    if abs(float(guess - point)) > 1e-20 * max(1.0, abs(float(point))):
        return point
    sides = [attempt(lambda s=s: sp.limit(f, t, guess, s), 5.0, None) for s in "+-"]
    if any(side is None for side in sides):
        return point
    if any(side.is_infinite or side.has(sp.zoo) for side in sides) or sides[0] != sides[1]:
        return guess
    return point


def _continuous_at(f: sp.Expr, t: sp.Symbol, point: sp.Expr) -> bool:
    """f(point) is a finite real number equal to the limits from both sides."""
    value = attempt(lambda: f.subs(t, point), 2.0, None)
    if value is None or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return False
    if value.is_real is False or not is_finite_number(value):
        return False
    sides = [attempt(lambda s=s: sp.limit(f, t, point, s), 5.0, None) for s in "+-"]
    return all(side is not None and compare(side, value) == 0 for side in sides)


def _real_points_only(s: sp.Set) -> sp.Set:
    """``s`` with each Intersection(FiniteSet(...), Reals) replaced by the points that are
    real to 30 digits (SymPy keeps non-real roots such as (1/4 + π²/4)^(1/6)·sign(1/2 − iπ/2)
    there when it cannot decide that they are complex)."""

    def is_real_point(p: sp.Expr) -> bool:
        if p.is_real is not None:
            return bool(p.is_real)
        value = p.evalf(30)
        return value.is_number and abs(sp.im(value)) < 1e-25 * max(1, abs(sp.re(value)))

    def real_points(e: sp.Intersection) -> sp.Set:
        (points,) = [a for a in e.args if isinstance(a, sp.FiniteSet)]
        others = [a for a in e.args if a is not points]
        kept = sp.FiniteSet(*[p for p in points if p.is_number and is_real_point(p)])
        return sp.Intersection(kept, *others)

    return s.replace(
        lambda e: (
            isinstance(e, sp.Intersection)
            and sum(isinstance(a, sp.FiniteSet) for a in e.args) == 1
            and all(p.is_number for a in e.args if isinstance(a, sp.FiniteSet) for p in a)
        ),
        real_points,
    )


#: points at which f' is sampled when its sign cannot be decided symbolically
GRID_POINTS = 801
#: digits of the arithmetic in which f' is sampled and its sign changes are refined
SAMPLE_DIGITS = 30


def _derivative_function(f: sp.Expr, t: sp.Symbol, d: sp.Expr):
    """f' as an mpmath function: d itself when it evaluates, else mpmath's numerical
    derivative of f (zeta'(z) is an unevaluated Derivative in SymPy)."""
    import mpmath

    d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)  # a null set
    if not d.has(sp.Derivative, sp.Subs):
        fn = attempt(lambda: mpmath_function(t, d), 5.0, None)
        if fn is not None:
            return fn
    forward = mpmath_function(t, f)
    return lambda x: mpmath.diff(forward, x)


def _numeric_sign(fn, x) -> int | None:
    """The sign of fn(x) in SAMPLE_DIGITS-digit arithmetic; None when it does not evaluate
    to a real number."""
    import mpmath

    with mpmath.workdps(SAMPLE_DIGITS):
        try:
            v = mpmath.mpmathify(fn(mpmath.mpf(x)))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError):
            return None
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > mpmath.mpf(10) ** -20 * max(1, abs(v.real)):
                return None
            v = v.real
        if mpmath.isnan(v):
            return None
        return int(mpmath.sign(v))


def _sample_grid(interval: sp.Interval, n: int) -> list:
    """n mpmath points inside an open interval, denser towards infinite ends."""
    import mpmath

    lo, hi = interval.inf, interval.sup
    us = [mpmath.mpf(2 * (i + 0.5)) / n - 1 for i in range(n)]
    with mpmath.workdps(SAMPLE_DIGITS):
        if is_finite_number(lo) and is_finite_number(hi):
            a, b = (mpmath.mpf(str(v.evalf(SAMPLE_DIGITS + 5))) for v in (lo, hi))
            return [a + (b - a) * (u + 1) / 2 for u in us]
        if is_finite_number(lo):
            a = mpmath.mpf(str(lo.evalf(SAMPLE_DIGITS + 5)))
            return [a + mpmath.tan(mpmath.pi / 4 * (u + 1)) ** 3 for u in us]
        if is_finite_number(hi):
            b = mpmath.mpf(str(hi.evalf(SAMPLE_DIGITS + 5)))
            return [b - mpmath.tan(mpmath.pi / 4 * (u + 1)) ** 3 for u in us][::-1]
        return [mpmath.tan(mpmath.pi / 2 * u) ** 3 for u in us]


def _numeric_sign_changes(fn, interval: sp.Interval) -> list[sp.Float] | None:
    """Where f' changes sign on the interval: f' sampled at GRID_POINTS points and each
    change of sign between neighbours refined by bisection to 25 digits.

    Tolerance: two sign changes closer together than the grid spacing (1/801 of the
    interval, or of its image under the map t = tan(π u/2)³ on an infinite side) are not
    seen. None when f' evaluates at fewer than half the points.
    """
    import mpmath

    samples = []
    for x in _sample_grid(interval, GRID_POINTS):
        sign = _numeric_sign(fn, x)
        if sign is not None:
            samples.append((x, sign))
    if len(samples) < GRID_POINTS // 2:
        return None
    cuts = []
    last = None
    for x, sign in samples:
        if sign == 0:
            continue
        if last is not None and sign != last[1]:
            lo, hi = last[0], x
            with mpmath.workdps(SAMPLE_DIGITS):
                for _ in range(120):
                    mid = (lo + hi) / 2
                    s = _numeric_sign(fn, mid)
                    if s is None or s == 0:
                        break
                    if s == last[1]:
                        lo = mid
                    else:
                        hi = mid
                    if hi - lo < mpmath.mpf(10) ** -25 * max(1, abs(mid)):
                        break
                cuts.append(sp.Float(str((lo + hi) / 2), 25))
        last = (x, sign)
    return cuts


def _sign_changes(fn, d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> list | None:
    """Where f' = d changes sign: proven by interval arithmetic
    (:func:`symflow.core.interval_sign.interval_sign_changes`), and sampled
    (:func:`_numeric_sign_changes`) only on the cells where interval evaluation is too
    wide to decide (wider than 1e-20 relative; a narrower undecided cell between equal
    signs is a double root, where f' does not change sign), or everywhere when d has no
    interval extension (ζ, Γ, ...)."""
    found = interval_sign_changes(d, t, interval)
    if found is None:
        return _numeric_sign_changes(fn, interval)
    cuts = list(found.cuts)
    for lo, hi in found.sampled:
        scale = max(1, abs(lo), abs(hi)) if is_finite_number(lo) and is_finite_number(hi) else None
        if scale is not None and hi - lo < 1e-20 * scale:
            continue
        more = _numeric_sign_changes(fn, sp.Interval.open(lo, hi))
        if more is None:
            return None
        cuts.extend(more)
    return sorted(cuts, key=float)


def _probe_points(interval: sp.Interval) -> list[sp.Expr]:
    lo, hi = interval.inf, interval.sup
    middle = interior_point(interval)
    out = [middle]
    for frac in (sp.Rational(1, 3), sp.Rational(2, 3), sp.Rational(1, 7), sp.Rational(6, 7)):
        if is_finite_number(lo) and is_finite_number(hi):
            out.append(lo + (hi - lo) * frac)
        elif is_finite_number(lo):
            out.append(lo + 3 * frac)
        elif is_finite_number(hi):
            out.append(hi - 3 * frac)
        else:
            out.append(6 * frac - 3)
    return out


def _direction(fn, interval: sp.Interval) -> int:
    """The sign of f' inside an interval where it does not change sign: the sign at the
    first probe point where it is nonzero; 0 when it is zero (or undefined) at all of them."""
    for point in _probe_points(interval):
        sign = _numeric_sign(fn, point.evalf(SAMPLE_DIGITS + 5))
        if sign:
            return sign
    for x in _sample_grid(interval, 41):
        sign = _numeric_sign(fn, x)
        if sign:
            return sign
    return 0


def monotone_pieces(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, base=None
) -> list[Piece]:
    """Split ``support`` into open pieces where f is strictly monotone.

    Raises SupportError (f undefined on part of the support), PointMassError (f constant
    on an interval), MonotonicityError (infinitely many pieces, or undecidable with free
    parameters).
    """
    parts, _ = defined_part(f, t, support, label, var, base)
    d = _off_the_jumps(sp.diff(f, t))
    if d == 0 and f.has(*_STEP_FUNCTIONS):
        _raise_flat(f, t, parts[0] if parts else support, label, var, base)
    pieces: list[Piece] = []
    for part in parts:
        tp = symbol_on(t.name, part)
        chained = attempt(lambda p=part, s=tp: chain_pieces(f.xreplace({t: s}), s, p), 15.0, None)
        if chained is not None:
            pieces.extend(chained)
            continue
        dp = d.xreplace({t: tp})
        sign = attempt(lambda p=part, e=dp, s=tp: _proven_sign(e, s, p), 5.0, None)
        if sign is not None:
            pieces.append(Piece(part, sign))
            continue
        if dp.free_symbols - {tp}:
            pieces.extend(_pieces_with_parameters(dp, tp, part, label, var))
            continue
        pieces.extend(_pieces_from_roots(f, t, dp, tp, part, label, var, base))
    return pieces


def _proven_sign(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int | None:
    """The sign of d on ``interval`` from the symbols' assumptions: as it stands, else
    factored after t is mapped onto the interval (see :func:`symflow.core.continuity.sign_on`),
    which settles ends with parameters such as (0, b)."""
    sign = sign_by_assumptions(d, t, interval)
    if sign is None and (d.free_symbols | interval.free_symbols) - {t}:
        sign = sign_on(d, t, interval)
    if sign is None and d.free_symbols - {t}:
        sign = sign_by_ranges(d, t, interval)
    if sign is None and not d.free_symbols:  # 1/(1 − erf(100)): digits SymPy certifies
        sign = sign_of_constant(d) or None
    return sign


def chain_pieces(f: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> list[Piece] | None:
    """The monotone pieces of a chain of unary steps, from the table of each step.

    f = F_K ∘ … ∘ F_1 (:func:`symflow.core.special.decompose`) is strictly monotone where
    every step is, with the product of their directions. Working from the innermost step
    out, the range of the steps so far is cut where it crosses an end of a monotone piece of
    the next step; a cut is carried back to t through the inverse of the steps so far (exact
    where their table gives one, a 40-digit bisection otherwise). None when f is not such a
    chain or a comparison cannot be decided.

    Examples
    --------
    >>> t = sp.Symbol("t", positive=True)
    >>> positive = sp.Interval.open(0, sp.oo)
    >>> pieces = chain_pieces(sp.loggamma(t + 1), t, positive)
    >>> [(p.interval.sup.round(6), p.direction) for p in pieces]
    [(0.461632, -1), (oo, 1)]
    """
    steps = decompose(f, t)
    if not steps:
        return None
    # each segment: t-interval (a, b), direction, image ends (lo, hi), inverse (y -> t)
    segments = [(interval.inf, interval.sup, 1, interval.inf, interval.sup, lambda y: y)]
    stationary: list[sp.Expr] = []
    for step in reversed(steps):
        current = step.inner
        out = []
        for a, b, direction, lo, hi, inverse in segments:
            table = step.pieces(sp.Interval.open(lo, hi))
            if table is None:
                return None
            covered = []
            for piece in table:
                above_lo, below_hi = compare(piece.lo, lo), compare(hi, piece.hi)
                if above_lo is None or below_hi is None:  # symbolic ends: undecided
                    return None
                c_lo = lo if above_lo >= 0 else piece.lo
                c_hi = hi if below_hi >= 0 else piece.hi
                order = compare(c_lo, c_hi)
                if order is None:
                    return None
                if order <= 0:
                    continue
                covered.append((c_lo, c_hi))
                at_lo = a if direction > 0 else b  # where h tends to lo
                at_hi = b if direction > 0 else a
                p_lo = at_lo if c_lo == lo else _preimage(current, t, c_lo, (a, b), inverse)
                p_hi = at_hi if c_hi == hi else _preimage(current, t, c_hi, (a, b), inverse)
                if p_lo is None or p_hi is None:
                    return None
                t_lo, t_hi = (p_lo, p_hi) if direction > 0 else (p_hi, p_lo)
                ends = [step_limit(step, c_lo, "+"), step_limit(step, c_hi, "-")]
                if ends[0] is None or ends[1] is None:
                    return None
                v_lo, v_hi = ends[0][0], ends[1][0]
                if piece.direction < 0:
                    v_lo, v_hi = v_hi, v_lo
                new_inverse = _compose(inverse, piece.inverse)
                out.append((t_lo, t_hi, direction * piece.direction, v_lo, v_hi, new_inverse))
                for u in piece.stationary:
                    inside = compare(c_lo, u) == 1 and compare(u, c_hi) == 1
                    point = _preimage(current, t, u, (a, b), inverse) if inside else None
                    if point is not None:
                        stationary.append(point)
            if not _covers(covered, lo, hi):
                return None
        segments = in_order(out, key=lambda seg: seg[0])
        if segments is None:
            return None
    pieces: list[Piece] = []
    pairs = zip(segments, segments[1:], strict=False)
    joins = [True, *(_joins(left, right) for left, right in pairs)]
    for (a, b, direction, *_), joined in zip(segments, joins, strict=True):
        if pieces and pieces[-1].direction == direction and joined:
            previous = pieces[-1]
            pieces[-1] = Piece(
                sp.Interval.open(previous.interval.inf, b), direction, (*previous.stationary, a)
            )
        else:
            pieces.append(Piece(sp.Interval.open(a, b), direction))
    if stationary:
        pieces = [
            Piece(
                p.interval,
                p.direction,
                tuple(
                    sorted(
                        {
                            *p.stationary,
                            *(s for s in stationary if p.interval.contains(s) == sp.true),
                        },
                        key=float,
                    )
                ),
            )
            for p in pieces
        ]
    return pieces


def _joins(left: tuple, right: tuple) -> bool:
    """Two neighbouring segments of a chain meet where f is continuous: the image of the
    left one ends at the finite value where the right one's begins (not so across a pole
    of tan, where one runs to oo and the next comes from −oo)."""
    if left[2] != right[2]:
        return False
    end, start = (left[4], right[3]) if left[2] > 0 else (left[3], right[4])
    return is_finite_number(end) and compare(end, start) == 0


def _compose(inner_inverse, step_inverse):
    if step_inverse is None:
        return None
    if inner_inverse is None:
        return None
    return lambda y: inner_inverse(step_inverse(y))


def _covers(covered: list[tuple[sp.Expr, sp.Expr]], lo: sp.Expr, hi: sp.Expr) -> bool:
    """Do the open intervals cover (lo, hi) up to finitely many points?"""
    ordered = in_order(covered, key=lambda c: c[0])
    if ordered is None:
        return False
    reach = lo
    for c_lo, c_hi in ordered:
        if compare(reach, c_lo) == 1:
            return False
        if compare(reach, c_hi) == 1:
            reach = c_hi
    return compare(reach, hi) == 0


def _preimage(h: sp.Expr, t: sp.Symbol, value: sp.Expr, ends, inverse) -> sp.Expr | None:
    """The t in (a, b) with h(t) = value, for h strictly monotone there: through the
    inverse of the steps so far when it is known, else a 40-digit bisection."""
    a, b = ends
    if inverse is not None:
        point = attempt(lambda: inverse(value), 5.0, None)
        if point is not None and point.is_number and point.is_real is not False:
            if compare(a, point) == 1 and compare(point, b) == 1:
                return point
    return _bisect_preimage(h, t, value, a, b)


def _bisect_preimage(h, t, value, a, b) -> sp.Expr | None:
    import mpmath

    fn = mpmath_function(t, h)
    with mpmath.workdps(40):
        target = mpmath.mpf(str(sp.sympify(value).evalf(45)))
        lo = mpmath.mpf(str(a.evalf(45))) if a != -sp.oo else -(mpmath.mpf(10) ** 30)
        hi = mpmath.mpf(str(b.evalf(45))) if b != sp.oo else mpmath.mpf(10) ** 30
        try:
            s_lo = mpmath.sign(fn(lo + (hi - lo) * mpmath.mpf(10) ** -35) - target)
            for _ in range(400):
                mid = (lo + hi) / 2
                s = mpmath.sign(mpmath.re(fn(mid)) - target)
                if s == 0:
                    break
                if s == s_lo:
                    lo = mid
                else:
                    hi = mid
                if hi - lo < mpmath.mpf(10) ** -35 * max(1, abs(mid)):
                    break
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError):
            return None
        return sp.Float(str((lo + hi) / 2), 35)


def _pieces_with_parameters(dp, tp, part, label, var) -> list[Piece]:
    """Pieces of a transform with free parameters: split at roots of f' that do not
    depend on the parameters, then prove each piece's direction from the assumptions."""
    params = dp.free_symbols - {tp}
    names = ", ".join(sorted(s.name for s in params))
    shown = _shown(dp, tp, var)
    roots = attempt(lambda: sp.solveset(dp, tp, part), 10.0, None)
    out: list[Piece] = []
    cuts = None
    if roots is not None and roots.is_empty:
        cuts = []
    elif isinstance(roots, sp.FiniteSet) and all(r.is_real for r in roots):
        # roots with parameters too ((z − c)² on (0, oo): c), where the assumptions put
        # them strictly inside the part and in order
        inside = all(
            compare_assuming(part.inf, r) == 1 and compare_assuming(r, part.sup) == 1 for r in roots
        )
        cuts = in_order(list(roots)) if inside else None
    if cuts is not None:
        bounds = [part.inf, *cuts, part.sup]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            sub = sp.Interval.open(lo, hi)
            ts = symbol_on(tp.name, sub)
            on_sub = dp.xreplace({tp: ts})
            sign = attempt(lambda e=on_sub, v=ts, i=sub: _proven_sign(e, v, i), 5.0, None)
            if sign is None:  # no root inside: a range that touches 0 at an end is enough
                sign = attempt(lambda i=sub: sign_by_ranges(dp, tp, i, nonzero=True), 5.0, None)
            if sign is None:
                break
            if out and out[-1].direction == sign:
                out[-1] = Piece(sp.Interval.open(out[-1].interval.inf, hi), sign)
            else:
                out.append(Piece(sub, sign))
        else:
            return out
        why = (
            f"its derivative {shown} has no sign that "
            f"{assumptions_phrase(params)} prove on {describe_set(sub)}"
        )
    elif roots is not None and roots.free_symbols & params:
        # the zeros of f' move with the parameters (sin(c z): z = pi/(2c) + k pi/c)
        why = (
            f"where its derivative {shown} vanishes in {describe_set(part)}, and so how many "
            f"monotone pieces it has there, depends on {names}"
        )
    else:
        why = f"symflow cannot find where its derivative {shown} vanishes in {describe_set(part)}"
    raise MonotonicityError(
        f"Cannot decide whether {label} is increasing or decreasing in {var} on "
        f"{describe_set(part)} for every value of {names}: {why}. "
        f"{parameter_advice(params)}"
    )


def _shown(d: sp.Expr, t: sp.Symbol, var: str) -> sp.Expr:
    """f' for a message: in the user's variable, with SymPy's Subs(Derivative(zeta(ξ), ξ),
    ξ, z − c) written zeta'(z − c), so that no internal symbol shows."""

    def primed(e: sp.Subs) -> sp.Expr:
        inner = e.expr
        if (
            isinstance(inner, sp.Derivative)
            and isinstance(inner.expr, sp.Function)
            and len(inner.expr.args) == 1
            and len(e.point) == 1
        ):
            order = inner.derivative_count
            name = type(inner.expr).__name__ + "'" * order
            return sp.Function(name)(e.point[0])
        return e

    return d.replace(lambda e: isinstance(e, sp.Subs), primed).xreplace({t: sp.Symbol(var)})


def _pieces_from_roots(f, t, dp, tp, part, label, var, base=None) -> list[Piece]:
    roots = attempt(lambda: roots_inside(dp, tp, part), 10.0, None)
    if isinstance(roots, sp.FiniteSet) and all(r.is_real for r in roots):
        cuts = sorted(roots, key=lambda r: float(r))
    elif roots is not None and roots.is_empty:
        cuts = []
    elif isinstance(roots, sp.Interval) or (
        isinstance(roots, sp.Union) and any(isinstance(a, sp.Interval) for a in roots.args)
    ):  # f' = 0 on an interval (not {0} ∩ (a, b), whose Interval is the part itself)
        flat = next(a for a in [roots, *roots.args] if isinstance(a, sp.Interval))
        _raise_flat(f, t, flat, label, var, base)
    elif roots is not None and roots.free_symbols - {tp} - dp.free_symbols - {t}:
        params = roots.free_symbols - {tp, t}
        names = ", ".join(sorted(s.name for s in params))
        shown = _shown(dp, tp, var)
        points = [a for a in getattr(roots, "args", ()) if isinstance(a, sp.FiniteSet)]
        if isinstance(roots, sp.Intersection) and len(points) == 1:  # {1} ∩ (c, oo)
            where = ", ".join(f"{var} = {p}" for p in points[0])
            why = (
                f"its derivative {shown} vanishes at {where}, and symflow cannot decide "
                f"for every value of {names} whether that lies inside {describe_set(part)}"
            )
        else:
            why = f"where its derivative {shown} vanishes there depends on {names}"
        raise MonotonicityError(
            f"Cannot decide where {label} is monotone in {var} on {describe_set(part)} for "
            f"every value of {names}: {why}. {parameter_advice(params)}"
        )
    elif roots is not None and roots.has(sp.ImageSet) and not part.measure.is_finite:
        raise_infinitely_many_pieces(
            f"{label} has infinitely many critical points in {var} (it is periodic)", part, base
        )
    else:
        fn = _derivative_function(f.xreplace({t: tp}), tp, dp)
        cuts = attempt(lambda: _sign_changes(fn, dp, tp, part), 90.0, None)
        if cuts is None and part.free_symbols:  # sin(πz) on (c, c + 1)
            params = part.free_symbols
            names = ", ".join(sorted(p.name for p in params))
            raise MonotonicityError(
                f"Cannot decide where {label} is monotone in {var} on {describe_set(part)} "
                f"for every value of {names}: how many zeros its derivative "
                f"{_shown(dp, tp, var)} has there depends on {names}. "
                f"{parameter_advice(params)}"
            )
        if cuts is None:
            raise MonotonicityError(
                f"Cannot decide where {label} is monotone in {var} on {describe_set(part)}: "
                f"SymPy finds no real roots of its derivative "
                f"{_shown(dp, tp, var)}, and it can be evaluated neither in "
                f"interval arithmetic nor at {GRID_POINTS} sample points there. Split the "
                f"transform into simpler layers."
            )
    fn = _derivative_function(f.xreplace({t: tp}), tp, dp)
    bounds = [part.inf, *cuts, part.sup]
    raw = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        sub = sp.Interval.open(lo, hi)
        if sub.free_symbols:  # ends with parameters (-w, 0): the sign from assumptions
            ts = symbol_on(tp.name, sub)
            on_sub = dp.xreplace({tp: ts})
            direction = attempt(lambda e=on_sub, v=ts, i=sub: _proven_sign(e, v, i), 5.0, 0)
        else:
            direction = attempt(lambda s=sub: _direction(fn, s), 30.0, 0)
        if direction == 0 and sub.free_symbols:
            params = sub.free_symbols
            raise MonotonicityError(
                f"Cannot decide whether {label} is increasing or decreasing in {var} on "
                f"{describe_set(sub)} for every value of "
                f"{', '.join(sorted(x.name for x in params))}: its derivative "
                f"{_shown(dp, tp, var)} has no sign that {assumptions_phrase(params)} "
                f"prove there. {parameter_advice(params)}"
            )
        if direction == 0:
            if dp.is_zero or _constant_numerically(f.xreplace({t: tp}), tp, sub):
                _raise_flat(f, t, sub, label, var, base)
            if not dp.free_symbols:
                raise MonotonicityError(
                    f"Cannot decide whether {label} is increasing or decreasing in {var}: its "
                    f"derivative is the constant {dp}, and symflow cannot decide its sign "
                    f"(SymPy cannot tell it from 0 with 2000 digits of working precision). "
                    f"Write the constant in a form whose sign SymPy can prove, or give its "
                    f"value."
                )
            raise MonotonicityError(
                f"Cannot decide whether {label} is increasing or decreasing in {var} on "
                f"{describe_set(sub)}: its derivative {_shown(dp, tp, var)} "
                f"does not evaluate to a nonzero number there. Split the transform into "
                f"simpler layers."
            )
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


def _constant_numerically(f: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> bool:
    """f takes one value (to 25 digits) at 9 points spread over the interval."""
    import mpmath

    fn = attempt(lambda: mpmath_function(t, f), 5.0, None)
    if fn is None:
        return False
    values = []
    with mpmath.workdps(SAMPLE_DIGITS):
        for x in _sample_grid(interval, 9):
            try:
                values.append(mpmath.mpmathify(fn(x)))
            except (ValueError, ZeroDivisionError, OverflowError, TypeError, NameError):
                return False
        scale = max(1, *(abs(v) for v in values))
        return all(abs(v - values[0]) < mpmath.mpf(10) ** -25 * scale for v in values)


_STEP_FUNCTIONS = (sp.floor, sp.ceiling, sp.sign, sp.Heaviside)


def _off_the_jumps(d: sp.Expr) -> sp.Expr:
    """f' away from the jumps of floor and ceiling, where their derivative is 0."""
    return d.replace(
        lambda e: isinstance(e, sp.Derivative) and isinstance(e.expr, (sp.floor, sp.ceiling)),
        lambda e: sp.S.Zero,
    )


def _raise_flat(f, t, interval, label, var, base=None):
    if f.has(*_STEP_FUNCTIONS) and not _constant_numerically(f, t, interval):
        steps = ", ".join(sorted({type(a).__name__ for a in f.atoms(*_STEP_FUNCTIONS)}))
        values = "the integers" if f.has(sp.floor, sp.ceiling) else "finitely many values"
        raise PointMassError(
            f"{label} is piecewise constant in {var} on {describe_set(interval)} ({steps} "
            f"takes only integer values): it puts positive probability on each value it "
            f"takes (here on {values}), so the result is discrete and has no density. "
            f"Use a continuous transform, or treat the result as a discrete distribution."
        )
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
