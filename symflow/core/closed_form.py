"""Closed forms of a Program, produced on demand: the log-density and the density.

Each path's assignments are substituted into one expression and tidied by targeted rules
(expand_log and powsimp under the symbols' assumptions). Paths with the same region and
the same expression are merged (z² on a symmetric base: two equal terms become one,
doubled). The density is written as p_Z(g(x)) · Π |f_i'|⁻¹, the textbook form.

When the regions of the paths overlap only in part (z² on U(−1, 2): one branch covers
(0, 1), the other (0, 4)), the support is split at every region edge and each piece gets
the sum of the terms of the paths that cover it, so that the pieces are disjoint:
1/(3√x) on (0, 1) and 1/(6√x) on (1, 4). A last, time-boxed pass
(:func:`textbook_form`) tries the rewrites that give the forms textbooks print
(together, factor, cancel, a bounded simplify) and keeps the shortest one that agrees with
the original at sample points.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.distributions import Normal
>>> from symflow.core.layer import Layer
>>> from symflow.core.program import build_program
>>> from symflow.core.transform import Transform
>>> z = sp.Symbol("z", real=True)
>>> p = build_program(Normal(0, 1), [Layer.place(Transform(sp.exp(z), z), sp.S.Reals, 1)])
>>> density_terms(p)
[(sqrt(2)*exp(-log(x)**2/2)/(2*sqrt(pi)*x), Interval.open(0, oo))]
"""

from __future__ import annotations

import time
import weakref

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import as_intervals, in_order, interior_points
from symflow.core.layer import ImplicitInverse
from symflow.core.program import MarginalProgram, VectorMarginalProgram, VectorProgram
from symflow.core.simplify import drop_even_signs, tidy_log

__all__ = [
    "log_density_terms",
    "density_terms",
    "merged_paths",
    "split_overlaps",
    "textbook_form",
]


def _split_exp(log_expr: sp.Expr) -> sp.Expr:
    terms = sp.Add.make_args(attempt(lambda: sp.expand(log_expr), 5.0, log_expr))
    factors = [sp.exp(t) for t in terms]
    product = sp.Mul(*factors)
    if sp.count_ops(product) > 3 * sp.count_ops(log_expr) + 10:
        return sp.exp(log_expr)
    return product


def _path_density(program, path) -> sp.Expr:
    """p_Z(z_0(x)) · Π exp(-l_i(x)) for one path (a piece of the output's density for a
    map to fewer dimensions)."""
    if isinstance(program, MarginalProgram):
        return attempt(lambda: sp.powsimp(sp.exp(path.closed_form())), 5.0, None) or sp.exp(
            path.closed_form()
        )
    values: dict[sp.Symbol, sp.Expr] = {}
    for a in path.assignments:
        values[a.target] = a.value.xreplace(values)
    log_dets = [values[a.target] for a in path.assignments if a.kind == "log_det"]
    base_part = program.base_density_at(values)
    factors = [sp.exp(-tidy_log(term)) for term in log_dets]
    product = base_part * sp.Mul(*factors)
    tidy = attempt(lambda: sp.factor_terms(sp.powsimp(product)), 5.0, product)
    return drop_even_signs(tidy)


def merged_paths(program) -> list[tuple[object, int, sp.Expr]]:
    """(path, multiplicity, tidy log-density) with coinciding paths merged."""
    out: list[list] = []
    for path in program.paths:
        log_p = tidy_log(path.closed_form())
        for entry in out:
            if entry[0].region == path.region and attempt(
                lambda e=entry, lp=log_p: sp.expand(e[2] - lp) == 0, 5.0, False
            ):
                entry[1] += 1
                break
        else:
            out.append([path, 1, log_p])
    return [tuple(e) for e in out]


def split_overlaps(regions: list[sp.Set]) -> list[tuple[sp.Set, tuple[int, ...]]]:
    """Disjoint pieces of the union of ``regions``, each with the indices that cover it.

    Regions that are already pairwise disjoint come back unchanged; so do regions whose
    edges cannot be ordered (symbolic end points), each covering itself only.

    Examples
    --------
    >>> split_overlaps([sp.Interval.open(0, 1), sp.Interval.open(0, 4)])
    [(Interval.open(0, 1), (0, 1)), (Interval.open(1, 4), (1,))]
    """
    unchanged = [(r, (i,)) for i, r in enumerate(regions)]
    if len(regions) < 2 or _pairwise_disjoint(regions):
        return unchanged
    parts = [as_intervals(r) for r in regions]
    edges: list[sp.Expr] = []
    for intervals in parts:
        for interval in intervals:
            for edge in (interval.inf, interval.sup):
                if not any(edge == e for e in edges):
                    edges.append(edge)
    ordered = in_order(edges)  # numbers, or ends whose order the assumptions decide
    if ordered is None:
        return unchanged
    edges = ordered
    out: list[tuple[sp.Set, tuple[int, ...]]] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        piece = sp.Interval.open(lo, hi)
        members = tuple(i for i, intervals in enumerate(parts) if _covers(intervals, piece))
        if members:
            out.append((_closed_where_all(piece, [parts[i] for i in members]), members))
    return out


def _closed_where_all(piece: sp.Interval, members: list[list[sp.Interval]]) -> sp.Interval:
    """``piece`` closed at an end that every member's interval over it includes (the
    point where two pieces of a map meet, see :func:`~symflow.core.program.close_joints`)."""

    def includes(end: sp.Expr, left: bool) -> bool:
        return all(
            any(
                (iv.inf == end and not iv.left_open)
                if left
                else (iv.sup == end and not iv.right_open)
                for iv in intervals
            )
            for intervals in members
        )

    return sp.Interval(
        piece.inf, piece.sup, not includes(piece.inf, True), not includes(piece.sup, False)
    )


def _pairwise_disjoint(regions: list[sp.Set]) -> bool:
    return all(
        attempt(lambda a=a, b=b: sp.Intersection(a, b).is_empty, 2.0, None) is True
        for i, a in enumerate(regions)
        for b in regions[i + 1 :]
    )


def _covers(intervals: list[sp.Interval], piece: sp.Interval) -> bool:
    return any(
        in_order([iv.inf, piece.inf]) == [iv.inf, piece.inf]
        and in_order([piece.sup, iv.sup]) == [piece.sup, iv.sup]
        for iv in intervals
    )


def _split_terms(terms: list[tuple[sp.Expr, sp.Set]]) -> list[tuple[sp.Expr, sp.Set]]:
    """Terms on disjoint pieces, the terms covering each piece summed."""
    pieces = split_overlaps([r for _, r in terms])
    return [(sp.Add(*[terms[i][0] for i in members]), piece) for piece, members in pieces]


def log_density_terms(program, textbook: bool = True) -> list[tuple[sp.Expr, sp.Set]]:
    """[(log-density, region)] in the program's input symbol, on disjoint regions.

    ``textbook=False`` skips the presentation pass on single-path pieces (the tidy log of
    the path's closed form).
    """
    terms = [
        (lp + sp.log(m) if m > 1 else lp, path.region) for path, m, lp in merged_paths(program)
    ]
    if not textbook and len(terms) == 1:
        return terms
    if isinstance(program, MarginalProgram | VectorMarginalProgram):
        # a map to fewer dimensions: its paths carry the joint's auxiliary coordinates,
        # and its density (an integral over them) lives in symflow.core.reduce
        return terms
    if isinstance(program, VectorProgram):
        return [
            _shorter_log(lp, d, None, r)
            for (lp, r), (d, _) in zip(terms, density_terms(program), strict=True)
        ]
    pieces = split_overlaps([r for _, r in terms])
    densities = density_terms(program)
    out = []
    for (piece, members), (density, _) in zip(pieces, densities, strict=True):
        if len(members) > 1:
            out.append((tidy_log(sp.log(density)), piece))
            continue
        mine = terms[members[0]][0]
        if not textbook:
            out.append((mine, piece))
            continue
        out.append(_shorter_log(mine, density, program.x, piece))
    return out


def _shorter_log(log_p: sp.Expr, density: sp.Expr, x, region) -> tuple[sp.Expr, object]:
    """(the shorter of log_p and the tidy log of the textbook density, region)."""
    best = log_p
    for candidate in (tidy_log(sp.log(density)), _fold_constants(log_p)):
        shorter = sp.count_ops(candidate) < sp.count_ops(best)
        if shorter and _agrees(candidate, log_p, x, region):
            best = candidate
    return best, region


def _fold_constants(log_p: sp.Expr) -> sp.Expr:
    """−log π − log 3 + log(5)/2 + log 200 → log(200√5/(3π)): the constant terms as one log.

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> _fold_constants(-sp.log(x) - sp.log(sp.pi) - sp.log(3) + sp.log(200))
    -log(x) + log(200/(3*pi))
    """
    if not isinstance(log_p, sp.Add):
        return log_p
    constant = [t for t in log_p.args if not t.free_symbols and t.has(sp.log)]
    if len(constant) < 2:
        return log_p
    value = attempt(lambda: sp.powsimp(sp.expand(sp.exp(sp.Add(*constant)))), 2.0, None)
    if value is None or value.has(sp.exp) or not value.is_positive:
        return log_p
    rest = [t for t in log_p.args if t not in constant]
    return sp.Add(*rest, sp.log(value, evaluate=False))


def density_terms(program) -> list[tuple[sp.Expr, sp.Set]]:
    """[(density, region)] in the program's input symbol, on disjoint regions.

    Examples
    --------
    >>> from symflow.core.distributions import Uniform
    >>> from symflow.core.layer import Layer
    >>> from symflow.core.program import build_program
    >>> from symflow.core.transform import Transform
    >>> z = sp.Symbol("z", real=True)
    >>> square = Layer.place(Transform(z**2, z), Uniform(-1, 2).support, 1)
    >>> density_terms(build_program(Uniform(-1, 2), [square]))
    [(1/(3*sqrt(x)), Interval.open(0, 1)), (1/(6*sqrt(x)), Interval.open(1, 4))]
    """
    try:
        return list(_DENSITY_CACHE[program])
    except (KeyError, TypeError):
        pass
    found = _density_terms(program)
    try:
        _DENSITY_CACHE[program] = tuple(found)
    except TypeError:  # not weak-referenceable: no caching
        pass
    return found


#: Programs are immutable: each one's densities are worked out (and tidied) once.
_DENSITY_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _density_terms(program) -> list[tuple[sp.Expr, sp.Set]]:
    out = []
    for path, m, _ in merged_paths(program):
        term = _path_density(program, path)
        out.append((attempt(lambda t=term, k=m: sp.powsimp(k * t), 5.0, m * term), path.region))
    if isinstance(program, VectorProgram):
        return [(textbook_form(e, None, r), r) for e, r in out]
    return [(textbook_form(e, program.x, r), r) for e, r in _split_terms(out)]


# ---------------------------------------------------------------------------------------
# The presentation pass: the shortest equal form among a few bounded rewrites
# ---------------------------------------------------------------------------------------

_REWRITES = (
    sp.factor,
    sp.together,
    lambda e: sp.factor(sp.powsimp(sp.together(e))),
    sp.cancel,
    lambda e: sp.simplify(e) if sp.count_ops(e) < 120 else e,
)

_POSITIVE_DRAWS = (sp.Rational(137, 100), sp.Rational(81, 100))
_REAL_DRAWS = (sp.Rational(43, 100), sp.Rational(-62, 100))


def _size(expr: sp.Expr) -> int:
    return sp.count_ops(expr)


def _functions(expr: sp.Expr) -> set[type]:
    """The function classes in expr: a textbook form uses no new ones (no cosh for exp)."""
    return {type(f) for f in expr.atoms(sp.Function)}


def textbook_form(expr: sp.Expr, x: sp.Symbol | None, region: sp.Set, seconds: float = 3.0):
    """The shortest of a few rewrites of ``expr`` that equals it numerically on ``region``.

    The rewrites (together, factor, cancel, a bounded simplify) share a budget of
    ``seconds`` of CPU time; a candidate is accepted only when it is shorter
    (SymPy's operation count), uses no function that ``expr`` does not, and agrees with
    ``expr`` to 1e-10 at sample points of ``region`` for two draws of any free
    parameters. ``x`` None (d dimensions) keeps ``expr`` unless the rewrite is shorter and
    agrees at points where both are finite.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> textbook_form(1 / (sp.pi * x**2 * (1 + x**-2)), x, sp.S.Reals)
    1/(pi*(x**2 + 1))
    """
    if not isinstance(expr, sp.Expr) or expr.is_number or sp.count_ops(expr) > 400:
        return expr
    if expr.has(ImplicitInverse):
        return expr  # an implicit inverse: nothing to gain, and no numbers to check with
    best, best_size = expr, _size(expr)
    deadline = time.monotonic() + seconds
    for rewrite in _REWRITES:
        left = deadline - time.monotonic()
        if left <= 0.05:
            break
        candidate = attempt(lambda r=rewrite: r(expr), left, None)
        if candidate is None or candidate.has(sp.nan, sp.zoo, sp.I):
            continue
        size = _size(candidate)
        if (
            size < best_size
            and _functions(candidate) <= _functions(expr)
            and _agrees(candidate, expr, x, region)
        ):
            best, best_size = candidate, size
    return best


def _agrees(a: sp.Expr, b: sp.Expr, x: sp.Symbol | None, region: sp.Set) -> bool:
    """a == b at sample points of region (x None: at a grid of points in d dimensions)."""
    free = sorted(
        (a.free_symbols | b.free_symbols) - ({x} if x is not None else set()), key=lambda s: s.name
    )
    if x is None:
        return _agrees_nd(a, b, free)
    fa, fb = _numeric(a, [x, *free]), _numeric(b, [x, *free])
    if fa is None or fb is None:
        return False
    checked = 0
    for j in range(2):
        draw = [_draw(s, i, j) for i, s in enumerate(free)]
        at = region.xreplace(dict(zip(free, draw, strict=True)))
        for interval in as_intervals(at):
            for point in interior_points(interval, 5):
                agree = _close(fa, fb, [sp.Float(point, 30), *draw])
                if agree is False:
                    return False
                checked += agree is True
    return checked > 0


def _agrees_nd(a: sp.Expr, b: sp.Expr, free: list[sp.Symbol]) -> bool:
    fa, fb = _numeric(a, free), _numeric(b, free)
    if fa is None or fb is None:
        return False
    checked = 0
    for j in range(2):
        for k in range(6):
            at = [_draw(s, i, j) + sp.Rational(k, 7) for i, s in enumerate(free)]
            agree = _close(fa, fb, at)
            if agree is False:
                return False
            checked += agree is True
    return checked > 0


def _numeric(expr: sp.Expr, symbols: list[sp.Symbol]):
    """expr as a function of ``symbols`` evaluated by mpmath (30 digits), or None; the
    inverses of the incomplete gamma and beta functions and of Student's t included."""
    from symflow.core.special import mpmath_function

    return attempt(lambda: mpmath_function(symbols, expr), 2.0, None)


def _draw(s: sp.Symbol, i: int, j: int) -> sp.Expr:
    k = (i + j) % 2
    if s.is_integer:
        return sp.Integer(2 + k)
    if s.is_positive or s.is_nonnegative:
        return _POSITIVE_DRAWS[k] + sp.Rational(i, 10)
    if s.is_negative or s.is_nonpositive:
        return -_POSITIVE_DRAWS[k] - sp.Rational(i, 10)
    return _REAL_DRAWS[k] + sp.Rational(i, 10)


def _value(f, at: list[sp.Expr]) -> complex | None:
    import mpmath

    def call():
        try:
            with mpmath.workdps(30):
                return complex(f(*[mpmath.mpf(sp.Float(v, 30)) for v in at]))
        except Exception:  # noqa: BLE001 - any failure to evaluate means "no value here"
            return None

    v = attempt(call, 1.0, None)
    if v is None or v != v or abs(v) == float("inf"):
        return None
    return v


def _close(fa, fb, at: list[sp.Expr]) -> bool | None:
    """Whether a candidate agrees with the original; None where the original is undefined
    (a removable point such as x = 0 for 1/x² · (1 + x⁻²)⁻¹)."""
    va, vb = _value(fa, at), _value(fb, at)
    if vb is None:
        return None
    if va is None:
        return False
    return abs(va - vb) <= 1e-10 * (1 + abs(vb))
