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
from symflow.core.constants import complemented, is_finite_number
from symflow.core.intervals import compare, endpoint_value, interior_points
from symflow.core.special import (
    betaincinv,
    decompose,
    gammainccinv,
    gammaincinv,
    mpmath_function,
)

__all__ = ["invert", "verify_inverse", "image_of", "in_output"]


def image_of(
    expr: sp.Expr, t: sp.Symbol, interval: sp.Interval, direction: int | None = None
) -> sp.Interval:
    """Image of an open interval under a continuous strictly monotone ``expr``.

    The ends are ordered by their values where those are numbers, and otherwise by the
    direction of ``expr`` (``direction``, +1 or −1, when the caller knows it, else the
    sign of its derivative inside the interval): (2a + 1, 2b + 1) for 2t + 1 on (a, b)
    with symbolic a, b.
    """
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
    ordered = _leq(a, b)
    if ordered is None:
        ordered = (direction or _direction_inside(expr, t, interval) or 1) > 0
    lo, hi = (a, b) if ordered else (b, a)
    try:
        return sp.Interval.open(lo, hi)
    except OverflowError:  # mpmath: "too many digits in integer"
        from symflow.core.intervals import describe_set
        from symflow.errors import SupportError

        raise SupportError(
            f"The image of {describe_set(interval)} under "
            f"{expr.xreplace({t: sp.Symbol('z')})} ends at {lo} and {hi}, and one of them "
            f"is too large to evaluate (its exponent has more digits than SymPy and mpmath "
            f"can hold): symflow cannot state that support. Rescale or reorder the "
            f"transforms so that the ends stay within about e^(1e5)."
        ) from None


def _leq(a: sp.Expr, b: sp.Expr) -> bool | None:
    """a ≤ b, or None when the ends' values do not decide it (symbolic parameters)."""
    if a == -sp.oo or b == sp.oo:
        return True
    if a == sp.oo or b == -sp.oo:
        return False
    diff = attempt(lambda: sp.sign((b - a).evalf(30)), 2.0, None)
    if diff is None or diff.is_nonnegative is None:
        return None
    return bool(diff.is_nonnegative)


def _direction_inside(expr: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int | None:
    """+1 or −1: the sign of expr′ at a point inside ``interval``, where SymPy can tell."""
    from symflow.core.intervals import interior_point

    slope = attempt(lambda: sp.diff(expr, t).xreplace({t: interior_point(interval)}), 2.0, None)
    if slope is None:
        return None
    if slope.is_positive:
        return 1
    return -1 if slope.is_negative else None


def peel(expr: sp.Expr, t: sp.Symbol, y: sp.Expr, interval: sp.Interval) -> sp.Expr | None:
    """Undo expr step by step; None when a step has no single-valued inverse here.

    expr is read as a chain of unary steps (:func:`symflow.core.special.decompose`); each
    step is undone with the inverse its table gives on the monotone piece that holds the
    range its argument takes on ``interval``.
    """
    steps = decompose(expr, t)
    if steps is None:
        return None
    values = _undo_steps(steps, t, y, interval)
    return values.get(t) if len(values) == len(steps) else None


def _undo_steps(steps, t: sp.Symbol, y: sp.Expr, interval: sp.Interval) -> dict:
    """{argument of step k (in t): its value in y}, for the outer steps that invert."""
    values = {}
    target = y
    for step in steps:
        rng = interval if step.inner == t else image_of(step.inner, t, interval)
        piece = _piece_holding(step, rng)
        if piece is None or piece.inverse is None:
            break
        target = piece.inverse(target)
        values[step.inner] = target
    return values


#: inverse CDFs: their argument is a probability that rounds onto 0, 1 (or 2) in float64
#: long before the quantile they return over- or underflows
_QUANTILE_CALLS = (sp.erfinv, sp.erfcinv, gammaincinv, gammainccinv, betaincinv)


def in_output(term: sp.Expr, f: sp.Expr, t: sp.Symbol, y: sp.Symbol, interval) -> sp.Expr:
    """``term`` (in t) with each quantile-function value F⁻¹(h(t)) that the forward map f
    passes through written in the output y = f(t) instead (undoing f's outer steps).

    log|f′(u)| for the Lévy quantile map f(u) = 1/(2·erfc⁻¹(u)²) holds erfc⁻¹(u), and u,
    computed from x as erfc(1/√(2x)), rounds onto 0 for x < 1e-12 and onto 1 for x > 1e33:
    erfc⁻¹(u) = 1/√(2x) read from x is exact at every x. The term is unchanged where f has
    no such step.

    Examples
    --------
    >>> u, x = sp.Symbol("u", real=True), sp.Symbol("x", positive=True)
    >>> f = 1 / (2 * sp.erfcinv(u) ** 2)
    >>> in_output(sp.log(sp.erfcinv(u)), f, u, x, sp.Interval.open(0, 1))
    log(sqrt(2)/(2*sqrt(x)))
    """
    calls = [c for c in term.atoms(*_QUANTILE_CALLS) if c.has(t)]
    if not calls:
        return term
    steps = attempt(lambda: decompose(f, t), 2.0, None)
    if not steps:
        return term
    values = {f: y, **attempt(lambda: _undo_steps(steps, t, y, interval), 5.0, {})}
    swaps = {c: values[c] for c in calls if c in values}
    return term.xreplace(swaps) if swaps else term


def _piece_holding(step, rng: sp.Interval):
    """The table piece of ``step`` whose interval contains ``rng`` (None if none does)."""
    for piece in step.pieces(rng) or ():
        below = compare(piece.lo, rng.inf)
        above = compare(rng.sup, piece.hi)
        if below is not None and above is not None and below >= 0 and above >= 0:
            return piece
    return None


def _close(a, b) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def verify_inverse(
    f: sp.Expr, t: sp.Symbol, g: sp.Expr, y: sp.Symbol, piece: sp.Interval, image: sp.Interval
) -> float | None:
    """A point of ``image`` where g is not the inverse of f on ``piece``, or None.

    g is the inverse when, at test points y of the image, g(y) is real, lies in the
    piece and f(g(y)) = y to 1e-9 relative, at three or more points. Both maps are
    evaluated in 40-digit arithmetic (mpmath), so that g(y) close to an edge of the piece
    (tanh(30) next to 1) is not rounded onto it, and a point that fails is tried again at
    160 and 640 digits before it counts against g (1 − erf(13) needs 80).
    """
    free = (f.free_symbols | g.free_symbols | piece.free_symbols | image.free_symbols) - {t, y}
    if free:
        return None  # parameters (also in the piece's ends): checked after values are known

    f, g = complemented(f), complemented(g)  # 1 − erf(100) as erfc(100): no cancellation
    g_num = attempt(lambda: mpmath_function(y, g), 5.0, None)
    f_num = attempt(lambda: mpmath_function(t, f), 5.0, None)
    checked = 0
    for value in _test_points(image):
        verdict = None
        for digits in (40, 160, 640):  # cancellation (1 − erf(13) at 40 digits): more digits
            verdict = _check_point(f_num, f, t, g_num, g, y, piece, value, digits)
            if verdict != "wrong":
                break
        if verdict == "wrong":
            return value
        checked += verdict == "right"
    return None if checked >= 3 else (interior_points(image, 1) or [0.0])[0]


def _check_point(f_num, f, t, g_num, g, y, piece, value, digits) -> str:
    """'right' when g(value) is real, in the piece and maps back to value; 'wrong' when
    not; 'skip' when g does not evaluate there (sinh(sinh(sinh(30))) overflows mpmath)."""
    import mpmath

    with mpmath.workdps(digits):
        z0 = attempt(lambda: _mp_value(g_num, g, y, value), 5.0, None)
        if z0 is None:
            return "skip"
        if not mpmath.isfinite(z0.real) or abs(z0.imag) > 1e-9 * max(1.0, abs(z0.real)):
            return "wrong"
        z = z0.real
        lo, hi = piece.inf, piece.sup
        tol = 1e-9 * max(1.0, abs(z))
        if (is_finite_number(lo) and z < _mp_number(lo) - tol) or (
            is_finite_number(hi) and z > _mp_number(hi) + tol
        ):
            return "wrong"
        back = attempt(lambda: _mp_value(f_num, f, t, z), 5.0, None)
        return "right" if back is not None and _close(back, value) else "wrong"


def _test_points(image: sp.Interval) -> list[float]:
    """Points of the image spread over it, and points close to its middle (where an inverse
    that grows very fast, sinh(sinh(sinh(y))), still evaluates)."""
    points = interior_points(image, 7)
    lo, hi = image.inf, image.sup
    if lo == -sp.oo and hi == sp.oo:
        points += [-0.3, -0.1, 0.1, 0.3]
    elif lo.is_number and hi.is_number and not (is_finite_number(lo) and is_finite_number(hi)):
        a = float(lo) if is_finite_number(lo) else float(hi)
        side = 1 if is_finite_number(lo) else -1
        points += [a + side * d for d in (0.1, 0.3, 0.6)]
    return points


def _mp_number(value: sp.Expr):
    import mpmath

    return mpmath.mpf(str(value.evalf(mpmath.mp.dps + 5)))


def _mp_value(fn, expr: sp.Expr, var: sp.Symbol, at):
    """expr at var = ``at`` as an mpmath complex: through its mpmath function, or SymPy's
    evalf when a function in it has no mpmath translation."""
    import mpmath

    try:
        if fn is None:
            raise NameError
        return mpmath.mpc(fn(mpmath.mpf(at)))
    except NameError:
        dps = mpmath.mp.dps
        value = expr.subs(var, sp.Float(str(at), dps + 5)).evalf(dps)
        if not value.is_number:
            return None
        re, im = value.as_real_imag()
        return mpmath.mpc(str(re.evalf(dps)), str(im.evalf(dps)))


def numerically_usable(g: sp.Expr) -> bool:
    """False for closed forms that are worse than a root solve in floating point.

    Complex intermediates, root objects, LambertW off its real branches 0 and −1 or of an
    exponential, and
    nested radicals (the cubic and quartic formulas, which cancel catastrophically) are
    refused.
    """
    if g.has(sp.I, sp.RootOf, sp.CRootOf):
        return False
    for w in g.atoms(sp.LambertW):
        if (len(w.args) > 1 and w.args[1] not in (0, -1)) or w.args[0].has(sp.exp):
            return False  # W(e^y) overflows in float64 where the root solve does not
        return False
    for p in g.atoms(sp.Pow):
        if not p.exp.is_Integer and any(
            not q.exp.is_Integer for q in p.base.atoms(sp.Pow) if q is not p
        ):
            return False
    return True


#: equations f(t) = y that SymPy's solver gave up on (each costs up to its time limit)
_UNSOLVED: set[sp.Eq] = set()


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
    peeled = attempt(lambda: peel(f, t, y, piece), 10.0, None)
    if peeled is not None:
        candidates.append(peeled)
    for g in candidates:
        if verify_inverse(f, t, g, y, piece, image) is None:
            return g
    t_real = sp.Symbol("t_solve", real=True)
    y_real = sp.Symbol("y_solve", real=True)
    equation = sp.Eq(f.xreplace({t: t_real}), y_real)
    if equation in _UNSOLVED:
        return None
    solutions = attempt(lambda: sp.solve(equation, t_real), 10.0, None)
    if solutions is None:  # out of time or refused: not again for the other pieces of f
        if len(_UNSOLVED) > 256:
            _UNSOLVED.clear()
        _UNSOLVED.add(equation)
        return None
    solutions = [g.xreplace({y_real: y}) for g in solutions]
    solutions = [g for g in solutions if numerically_usable(g)]
    solutions = _not_refuted(f, t, solutions, y, piece, image)
    for g in solutions:
        if verify_inverse(f, t, g, y, piece, image) is None:
            return g
    return None


def _not_refuted(f, t, candidates: list, y, piece, image) -> list:
    """The candidates that are not wrong at sample values of the parameters (each value
    consistent with its symbol's assumptions) where another candidate is right: with
    c > 0, SymPy's first solution of log(c + sin t) = y is π − asin(e^y − c), and on
    t in (0, 1) the inverse is the other one. Without parameters, or when no sample
    decides, the candidates as they are (:func:`verify_inverse` cannot check a candidate
    with parameters, so the first is used)."""
    free = sorted(
        (f.free_symbols | piece.free_symbols | image.free_symbols) - {t, y}, key=lambda s: s.name
    )
    if not free or len(candidates) < 2:
        return candidates
    refuted: set[int] = set()
    for values in _parameter_samples(free):
        at = {s: v for s, v in zip(free, values, strict=True)}
        right = [_right_at(f, t, g, y, piece, image, at) for g in candidates]
        if any(right):
            refuted |= {i for i, ok in enumerate(right) if not ok}
    kept = [g for i, g in enumerate(candidates) if i not in refuted]
    return kept or candidates


def _right_at(f, t, g, y, piece, image, at: dict) -> bool:
    """g is the inverse of f on the piece once the parameters take the values ``at``."""
    piece_at, image_at = piece.xreplace(at), image.xreplace(at)
    if not (isinstance(piece_at, sp.Interval) and isinstance(image_at, sp.Interval)):
        return False
    found = attempt(
        lambda: verify_inverse(f.xreplace(at), t, g.xreplace(at), y, piece_at, image_at),
        10.0,
        0.0,
    )
    return found is None


def _parameter_samples(params: list[sp.Symbol]) -> list[tuple[sp.Expr, ...]]:
    """Three sets of values for the parameters, each value of the sign (and integrality)
    its symbol's assumptions require."""
    rows = []
    for magnitudes in ((sp.Rational(7, 10),), (sp.Rational(13, 10),), (sp.Integer(3),)):
        row = []
        for p in params:
            (v,) = magnitudes
            if p.is_integer:
                v = sp.ceiling(v)
            if p.is_negative or p.is_nonpositive:
                v = -v
            row.append(v)
        rows.append(tuple(row))
    return rows
