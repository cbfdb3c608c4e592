"""Sets of real numbers written the way a reader writes them: (0, 1] U {2}, pi/2 + pi*k.

SymPy's own printing of the sets that ``continuous_domain`` and ``solveset`` give is a dump
of their construction (``Complement(Reals, Complement(Reals, ImageSet(Lambda(_n, ...))))``).
:func:`describe_set` writes intervals, finite sets and arithmetic progressions in plain
notation, and says so when a set has no plain form, rather than printing its tree.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True)
>>> poles = sp.Union(sp.ImageSet(sp.Lambda(n, 2 * n * sp.pi + sp.pi / 2), sp.S.Integers),
...                  sp.ImageSet(sp.Lambda(n, 2 * n * sp.pi + 3 * sp.pi / 2), sp.S.Integers))
>>> describe_set(poles)
'{pi/2 + pi*k : k an integer}'
>>> describe_set(sp.Interval.Lopen(-sp.oo, 0) | sp.FiniteSet(2))
'(-oo, 0] U {2}'
"""

from __future__ import annotations

import sympy as sp

__all__ = ["describe_set", "progressions", "progression_words", "isolated_points"]

#: the name of the integer in a written progression
_K = sp.Symbol("k", integer=True)

#: what is said of a set that has no plain form
UNDESCRIBED = "a set that symflow cannot write in plain terms"


def progressions(s: sp.Set) -> tuple[list[tuple[sp.Expr, sp.Expr]], sp.Set] | None:
    """Write ``s`` as the union of progressions {b + a*k : k integer} within a set W.

    Gives ``([(a, b), ...], W)`` with a > 0 and 0 <= b < a, progressions of one step
    merged (pi/2 + 2*pi*k and 3*pi/2 + 2*pi*k are pi/2 + pi*k), and W the set the points
    are restricted to (the reals when they are not); None when ``s`` is not of that form.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True)
    >>> progressions(sp.ImageSet(sp.Lambda(n, 2 * n * sp.pi), sp.S.Integers))
    ([(2*pi, 0)], Reals)
    """
    s = _unnest(s)
    within: sp.Set = sp.S.Reals
    if isinstance(s, sp.Intersection):
        lines = [a for a in s.args if isinstance(a, sp.Interval)]
        rest = [a for a in s.args if not isinstance(a, sp.Interval)]
        if len(lines) != 1 or len(rest) != 1:
            return None
        within, s = lines[0], rest[0]
    parts = s.args if isinstance(s, sp.Union) else (s,)
    found = []
    for part in parts:
        if isinstance(part, sp.Intersection):  # each term restricted to the same interval
            inner = progressions(part)
            if inner is None or (within != sp.S.Reals and inner[1] != within):
                return None
            found.extend(inner[0])
            within = inner[1]
            continue
        one = _progression(part)
        if one is None:
            return None
        found.append(one)
    return _merged(found), within


def isolated_points(s: sp.Set) -> tuple[list[sp.Expr], list[tuple[sp.Expr, sp.Expr]]] | None:
    """``s`` as finitely many points and progressions {b + a*k : k integer} (points of s,
    and s within the progressions), or None when it is not of that form.

    Reads what ``continuous_domain`` leaves of tan(z)/z on the line: S less the union of
    disjoint intervals I_j, each less the same progression P, is (S less the I_j) with
    the points of P in S.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True)
    >>> poles = sp.ImageSet(sp.Lambda(n, n * sp.pi + sp.pi / 2), sp.S.Integers)
    >>> parts = [sp.Complement(i, poles, evaluate=False)
    ...          for i in (sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo))]
    >>> isolated_points(sp.Complement(sp.S.Reals, sp.Union(*parts, evaluate=False),
    ...                               evaluate=False))
    ([0], [(pi, pi/2)])
    """
    s = _unnest(s)
    if isinstance(s, sp.FiniteSet):
        return list(s), []
    found = progressions(s)
    if found is not None:
        return [], found[0]
    if isinstance(s, sp.Union):
        points, steps = [], []
        for part in s.args:
            inner = isolated_points(part)
            if inner is None:
                return None
            points += inner[0]
            steps += inner[1]
        return points, _merged(steps)
    if isinstance(s, sp.Complement) and isinstance(s.args[1], sp.Union):
        outer, pieces = s.args[0], s.args[1].args
        if not all(isinstance(p, sp.Complement) for p in pieces):
            return None
        lines = [p.args[0] for p in pieces]
        removed = {p.args[1] for p in pieces}
        if len(removed) != 1 or not all(isinstance(i, sp.Interval) for i in lines):
            return None
        if any(not a.intersect(b).is_empty for i, a in enumerate(lines) for b in lines[i + 1 :]):
            return None
        rest = sp.Complement(outer, sp.Union(*lines))
        inner = isolated_points(removed.pop())
        if not (isinstance(rest, sp.FiniteSet) or rest.is_empty) or inner is None:
            return None
        return [*rest, *inner[0]], inner[1]
    return None


def progression_words(steps: list[tuple[sp.Expr, sp.Expr]]) -> str:
    """``pi/2 + pi*k`` for one progression, ``k*pi or pi/3 + k*pi`` for several.

    Examples
    --------
    >>> import sympy as sp
    >>> progression_words([(sp.pi, sp.pi / 2)])
    'pi/2 + pi*k'
    """
    return " or ".join(str(a * _K) if b == 0 else f"{b} + {a * _K}" for a, b in steps)


def describe_set(s: sp.Set) -> str:
    """Readable notation for a set of reals: (-oo, 0], (0, 1) U (2, oo), {0}, {k*pi : k an
    integer}; a plain statement that the set cannot be written otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> describe_set(sp.Interval.Lopen(-sp.oo, 0))
    '(-oo, 0]'
    >>> describe_set(sp.ConditionSet(sp.Symbol("x"), sp.Eq(sp.Symbol("x") ** 5, 2)))
    'a set that symflow cannot write in plain terms'
    """
    s = _unnest(s)
    if isinstance(s, sp.Interval):
        left = "(" if s.left_open or s.inf == -sp.oo else "["
        right = ")" if s.right_open or s.sup == sp.oo else "]"
        return f"{left}{s.inf}, {s.sup}{right}"
    if s == sp.S.Reals:
        return "(-oo, oo)"
    if s.is_empty:
        return "the empty set"
    if isinstance(s, sp.FiniteSet):
        return "{" + ", ".join(str(a) for a in s) + "}"
    found = progressions(s)
    if found is not None:
        steps, within = found
        points = "{" + progression_words(steps) + " : k an integer}"
        return points if within == sp.S.Reals else f"the points of {points} in {_words(within)}"
    if isinstance(s, sp.Union):
        return " U ".join(_words(a) for a in s.args)
    if isinstance(s, sp.Complement):
        return f"{_words(s.args[0])} less {_words(s.args[1])}"
    if isinstance(s, sp.Intersection):
        first, *rest = s.args
        return f"the part of {_words(first)} in " + " and in ".join(_words(a) for a in rest)
    return UNDESCRIBED


def _words(s: sp.Set) -> str:
    """describe_set of a part of a larger set: one statement, never the fallback twice."""
    text = describe_set(s)
    return "some other points" if text == UNDESCRIBED else text


def _unnest(s: sp.Set) -> sp.Set:
    """A \\ (A \\ X) is A ∩ X; the reals less nothing are the reals."""
    while isinstance(s, sp.Complement) and isinstance(s.args[1], sp.Complement):
        outer, (inner, x) = s.args[0], s.args[1].args
        if outer != inner:
            break
        s = x if outer == sp.S.Reals else sp.Intersection(outer, x, evaluate=False)
    return s


def _progression(s: sp.Set) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, b) with s = {a*n + b : n integer}, a > 0 and 0 <= b < a; None otherwise."""
    if not (isinstance(s, sp.ImageSet) and s.base_sets == (sp.S.Integers,)):
        return None
    (n,) = s.lamda.variables
    expr = sp.expand(s.lamda.expr)
    a, b = expr.coeff(n, 1), expr.coeff(n, 0)
    if not (a.is_number and b.is_number and sp.expand(a * n + b - expr) == 0):
        return None
    a = abs(a)
    if not a.is_positive:
        return None
    return a, sp.simplify(b - a * sp.floor(b / a))


def _merged(found: list[tuple[sp.Expr, sp.Expr]]) -> list[tuple[sp.Expr, sp.Expr]]:
    """Progressions of one step a whose m offsets are a/m apart are one of step a/m."""
    by_step: dict[sp.Expr, list[sp.Expr]] = {}
    for a, b in found:
        by_step.setdefault(a, [])
        if b not in by_step[a]:
            by_step[a].append(b)
    merged = []
    for a, offsets in by_step.items():
        offsets = sorted(offsets, key=lambda v: float(v))
        m = len(offsets)
        step = a / m
        if m > 1 and all(
            sp.simplify(o - offsets[0] - i * step) == 0 for i, o in enumerate(offsets)
        ):
            merged.append((step, sp.simplify(offsets[0] - step * sp.floor(offsets[0] / step))))
        else:
            merged.extend((a, b) for b in offsets)
    return merged
