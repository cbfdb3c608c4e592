"""Where a map with parameters is continuous, decided from its structure and the
parameters' assumptions.

Each node of f that can fail to be continuous needs its argument u in a set of values
that does not depend on the parameters: log(u) and u**(-1/2) need u in (0, oo), sqrt(u)
needs u in [0, oo), 1/u needs u != 0, acos(u) needs u in [-1, 1]. f is continuous on a
sub-interval of the support that holds no root of u = c for a boundary point c of those
sets, provided every u lies in its set there; as u is continuous between the roots, that
is decided at one interior point. Whether a root c(b) lies inside (a(b), b(b)) is decided
from the signs of c − a and b − c under the assumptions on the parameters (b positive:
the root b of b − z is the end of (0, b), not a point inside it).

SymPy's ``continuous_domain`` does not take parameters (log(b − z) on (0, b) raises
NotImplementedError), so :func:`parametric_parts` is how :mod:`symflow.core.pieces` finds
the pieces of a transform whose expression or support has free symbols.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", positive=True)
>>> b = sp.Symbol("b", positive=True)
>>> parametric_parts(sp.log(b - t), t, sp.Interval.open(0, b), "log(b - z)", "z")
([Interval.open(0, b)], [])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import compare, describe_set, interior_point
from symflow.core.simplify import symbolic_point_inside
from symflow.errors import SupportError

__all__ = [
    "assumptions_phrase",
    "parameter_advice",
    "parametric_parts",
    "sign_by_ranges",
    "sign_on",
    "sign_under_assumptions",
]

#: functions of one argument continuous on the whole real line
_EVERYWHERE = (
    sp.exp,
    sp.sin,
    sp.cos,
    sp.sinh,
    sp.cosh,
    sp.tanh,
    sp.atan,
    sp.asinh,
    sp.erf,
    sp.erfc,
    sp.erfi,
    sp.Abs,
)

_N = sp.Symbol("n", integer=True)
#: functions of one argument and the (parameter-free) set of real arguments on which they
#: are real and continuous, where SymPy's continuous_domain does not know it
_POLES_AT_HALF_PI = sp.ImageSet(sp.Lambda(_N, _N * sp.pi + sp.pi / 2), sp.S.Integers)
_POLES_AT_PI = sp.ImageSet(sp.Lambda(_N, _N * sp.pi), sp.S.Integers)
_KNOWN_DOMAINS = {
    sp.tan: sp.Complement(sp.S.Reals, _POLES_AT_HALF_PI),
    sp.sec: sp.Complement(sp.S.Reals, _POLES_AT_HALF_PI),
    sp.cot: sp.Complement(sp.S.Reals, _POLES_AT_PI),
    sp.csc: sp.Complement(sp.S.Reals, _POLES_AT_PI),
    sp.erfinv: sp.Interval.open(-1, 1),
    sp.erfcinv: sp.Interval.open(0, 2),
    sp.loggamma: sp.Interval.open(0, sp.oo),
}


@dataclass(frozen=True)
class _Need:
    """``node`` is real and continuous where its argument ``inner`` lies in ``allowed``."""

    node: sp.Expr
    inner: sp.Expr
    allowed: sp.Set

    @property
    def only_points_missing(self) -> bool:
        """``allowed`` is the real line less finitely many points (a pole, not a domain)."""
        return isinstance(sp.Complement(sp.S.Reals, self.allowed), sp.FiniteSet)


def sign_under_assumptions(e: sp.Expr) -> int | None:
    """The sign of e (1, 0 or −1) for every value of its symbols, decided by SymPy's
    assumptions on e and on its factored form; None when they do not decide it.

    Examples
    --------
    >>> b = sp.Symbol("b", positive=True)
    >>> sign_under_assumptions(b - b / (1 + b)), sign_under_assumptions(b - 1) is None
    (1, True)
    """
    if e is sp.S.Infinity:
        return 1
    if e is sp.S.NegativeInfinity:
        return -1
    forms = [e]
    factored = attempt(lambda: sp.factor(sp.together(e)), 5.0, None)
    if factored is not None and factored != e:
        forms.append(factored)
    for form in forms:
        if form.is_zero:
            return 0
        if form.is_positive:
            return 1
        if form.is_negative:
            return -1
    if e.is_number:
        return compare(sp.Integer(0), e)
    return None


def _nonempty(interval: sp.Interval) -> dict:
    """A substitution that writes the upper end of ``interval`` as its lower end plus a
    positive width (b -> a + w), for finite ends with parameters whose order the
    assumptions do not give: a support (a, b) is not empty, so b − a > 0 is known there."""
    lo, hi = interval.inf, interval.sup
    if lo.has(sp.oo, -sp.oo) or hi.has(sp.oo, -sp.oo) or not (lo.free_symbols | hi.free_symbols):
        return {}
    if sign_under_assumptions(hi - lo) is not None:
        return {}
    w = sp.Dummy("w", positive=True)
    for s in sorted(hi.free_symbols - lo.free_symbols, key=str):
        k = hi.diff(s)
        if k.is_number and k != 0:
            return {s: (lo + w - (hi - k * s)) / k}
    for s in sorted(lo.free_symbols - hi.free_symbols, key=str):
        k = lo.diff(s)
        if k.is_number and k != 0:
            return {s: (hi - w - (lo - k * s)) / k}
    return {}


def assumptions_phrase(params: set[sp.Symbol]) -> str:
    """'the assumptions on c (positive)': what the parameters are declared to be."""
    described = []
    for p in sorted(params, key=lambda s: s.name):
        known = [k for k in _SIGN_WORDS if p.assumptions0.get(k)]
        described.append(f"{p.name} ({', '.join(known[:1]) or 'no sign'})")
    return f"the assumptions on {', '.join(described)}"


#: the sign assumptions named in messages, strongest first
_SIGN_WORDS = ("positive", "negative", "nonnegative", "nonpositive", "nonzero")


def parameter_advice(
    params: set[sp.Symbol], last: str | None = "split the transform into simpler layers"
) -> str:
    """What the user can do when parameters leave a decision open: assumptions for
    parameters that have no sign, values for those whose signs do not settle it, and
    ``last`` as a further way out.

    Examples
    --------
    >>> parameter_advice({sp.Symbol("c", positive=True)}, "use another base")
    'Its declared sign does not settle it: give c a value (a number), or use another base.'
    >>> parameter_advice({sp.Symbol("a", real=True)}, None)[:47]
    'Give a a value, or assumptions that settle it ('
    """
    names = ", ".join(sorted(s.name for s in params))
    value = "a value" if len(params) == 1 else "values"
    unsigned = sorted(s.name for s in params if not any(s.assumptions0.get(k) for k in _SIGN_WORDS))
    end = f", or {last}." if last else "."
    how = "a SymPy symbol declared positive=True, or --param NAME:positive on the command line"
    if len(unsigned) == len(params):
        return f"Give {names} {value}, or assumptions that settle it ({how}){end}"
    if unsigned:
        return (
            f"Give {names} values, or give {', '.join(unsigned)} assumptions that settle it "
            f"({how}){end}"
        )
    declared = "Its declared sign does" if len(params) == 1 else "Their declared signs do"
    return f"{declared} not settle it: give {names} {value} (a number){end}"


def _sign_on_support(e: sp.Expr, width: dict) -> int | None:
    """The sign of e from the assumptions, or else with the support's ends ordered
    (see :func:`_nonempty`)."""
    sign = sign_under_assumptions(e)
    if sign is None and width:
        sign = sign_under_assumptions(e.xreplace(width))
    return sign


def sign_on(d: sp.Expr, t: sp.Symbol, interval: sp.Interval) -> int | None:
    """The sign of d(t) for every t inside the open ``interval`` and every value of the
    parameters (1 or −1), from their assumptions after t is written as a positive symbol s
    mapped onto the interval and the result factored (−1/(b − z) on (0, b) is
    −(1 + s)/b); None when they do not decide it.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> b = sp.Symbol("b", positive=True)
    >>> sign_on(-1 / (b - t), t, sp.Interval.open(0, b))
    -1
    """
    sub = symbolic_point_inside(interval)
    sign = _sign_on_support(d.xreplace({t: sub}), _nonempty(interval))
    return sign or None


def sign_by_ranges(d: sp.Expr, t: sp.Symbol, interval: sp.Interval, nonzero: bool = False):
    """The sign of d(t) on the open ``interval`` for every value of the parameters (1 or −1),
    with each part of d free of parameters (cos t, sin t) replaced by a symbol that carries
    the sign of its range over the interval (interval arithmetic on [inf, sup]) and the
    rest decided by the parameters' assumptions; None when that does not decide it.

    With ``nonzero`` (d has no zero inside the interval, known from its roots), a range
    that may touch 0 at an end of the interval still gives a strict sign: cos(πt) on
    (0, 1/2) ranges over [0, 1].

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> c = sp.Symbol("c", positive=True)
    >>> sign_by_ranges(sp.cos(t) / (c + sp.sin(t)), t, sp.Interval.open(0, 1))
    1
    >>> sign_by_ranges(sp.cos(t) / (sp.sin(t) - c), t, sp.Interval.open(0, 1)) is None
    True
    """
    if interval.free_symbols or not (d.free_symbols - {t}) or not d.has(t):
        return None
    box = sp.AccumBounds(interval.inf, interval.sup)
    stand_ins: dict[sp.Expr, sp.Symbol] = {}

    def stand_in(part: sp.Expr) -> sp.Expr:
        if part not in stand_ins:
            stand_ins[part] = _range_symbol(part.xreplace({t: box}), len(stand_ins))
        return stand_ins[part]

    def rebuild(e: sp.Expr) -> sp.Expr:
        if not e.has(t):
            return e
        if e.free_symbols <= {t}:
            return stand_in(e)
        return e.func(*[rebuild(a) for a in e.args])

    bounded = attempt(lambda: rebuild(d), 5.0, None)
    if bounded is None or bounded.has(t):
        return None
    sign = sign_under_assumptions(bounded)
    if sign is None and nonzero:
        if bounded.is_nonnegative:
            sign = 1
        elif bounded.is_nonpositive:
            sign = -1
    return sign or None


def _range_symbol(values: sp.Expr, index: int) -> sp.Symbol:
    """A symbol whose assumptions are the sign of ``values`` (an AccumBounds, or a number):
    positive when its least value is, nonnegative when that is 0, and so on."""
    if isinstance(values, sp.AccumBounds):
        lo, hi = values.min, values.max
    elif values.is_number and values.is_real:
        lo = hi = values
    else:
        raise NotImplementedError(f"no range for {values}")
    name = f"range_{index}"
    finite = {"finite": True} if lo.is_finite and hi.is_finite else {}
    if lo.is_positive:
        return sp.Symbol(name, positive=True, **finite)
    if lo.is_nonnegative:
        return sp.Symbol(name, nonnegative=True, **finite)
    if hi.is_negative:
        return sp.Symbol(name, negative=True, **finite)
    if hi.is_nonpositive:
        return sp.Symbol(name, nonpositive=True, **finite)
    return sp.Symbol(name, real=True, **finite)


_W = sp.Symbol("w", real=True)


@lru_cache(maxsize=64)
def _allowed_set(kind: type) -> sp.Set | None:
    """The real arguments w where the function ``kind`` of one argument is continuous (an
    interval, a finite union, or the line less infinitely many points for tan); None when
    SymPy does not know it."""
    if kind in _KNOWN_DOMAINS:
        return _KNOWN_DOMAINS[kind]
    return attempt(lambda: sp.calculus.util.continuous_domain(kind(_W), _W, sp.S.Reals), 5.0, None)


class _Periodic(Exception):
    """A node of f is not continuous at infinitely many values of its argument (tan)."""

    def __init__(self, node: sp.Expr, singular: sp.Set):
        super().__init__(str(node))
        self.node, self.singular = node, singular


def _edges(allowed: sp.Set) -> sp.Set | None:
    """The boundary of ``allowed``: its missing points when it is the line less a set
    (the poles π/2 + kπ of tan), None when SymPy cannot give it."""
    if isinstance(allowed, sp.Complement) and allowed.args[0] == sp.S.Reals:
        return allowed.args[1]
    return attempt(lambda: allowed.boundary, 5.0, None)


def _needs(f: sp.Expr, t: sp.Symbol) -> list[_Need] | None:
    """What each node of f needs of its argument to be real and continuous; None when some
    node is not understood (a function of several arguments). Raises _Periodic for a node
    with infinitely many poles."""
    needs = []
    for node in sp.preorder_traversal(f):
        if node.is_Atom or not node.has(t) or isinstance(node, (sp.Add, sp.Mul)):
            continue
        if node.is_Pow:
            base, e = node.args
            if e.has(t):
                if base.has(t):
                    needs.append(_Need(node, base, sp.Interval.open(0, sp.oo)))
                elif not base.is_positive:
                    return None
            elif e.is_integer and e.is_nonnegative:
                continue
            elif e.is_integer and e.is_negative:
                needs.append(_Need(node, base, sp.Complement(sp.S.Reals, {0})))
            elif e.is_positive:
                needs.append(_Need(node, base, sp.Interval(0, sp.oo)))
            elif e.is_negative:
                needs.append(_Need(node, base, sp.Interval.open(0, sp.oo)))
            else:
                return None
        elif isinstance(node, sp.log) and len(node.args) == 1:
            needs.append(_Need(node, node.args[0], sp.Interval.open(0, sp.oo)))
        elif isinstance(node, _EVERYWHERE):
            continue
        elif isinstance(node, sp.Function) and len(node.args) == 1:
            allowed = _allowed_set(type(node))
            if allowed is None:
                return None
            edges = _edges(allowed)
            if edges is None:
                return None
            if not isinstance(edges, sp.FiniteSet):
                raise _Periodic(node, edges)
            if allowed != sp.S.Reals:
                needs.append(_Need(node, node.args[0], allowed))
        else:
            return None
    return needs


def _roots(u: sp.Expr, t: sp.Symbol) -> list[sp.Expr] | None:
    """The real roots of u = 0 (candidates, when SymPy keeps a condition on them); None
    when they are not finitely many explicit points."""
    found = attempt(lambda: sp.solveset(u, t, sp.S.Reals), 10.0, None)
    if found is None:
        return None
    if isinstance(found, sp.Intersection) and sp.S.Reals in found.args:
        found = sp.Intersection(*[a for a in found.args if a != sp.S.Reals])
    if isinstance(found, sp.Complement) and isinstance(found.args[0], sp.FiniteSet):
        found = found.args[0]  # {0} \ {b}: 0 is a root unless it is b
    if isinstance(found, sp.Union) and all(isinstance(a, sp.FiniteSet) for a in found.args):
        found = sp.FiniteSet(*[p for a in found.args for p in a])
    if not isinstance(found, sp.FiniteSet):
        return None
    return [r for r in found if r.is_real is not False and not r.has(t)]


def _params(*exprs: sp.Basic) -> str:
    names = set()
    for e in exprs:
        names |= {s.name for s in e.free_symbols}
    return ", ".join(sorted(names))


def parametric_parts(
    f: sp.Expr, t: sp.Symbol, support: sp.Interval, label: str, var: str, base=None
) -> tuple[list[sp.Interval], list[sp.Expr]] | None:
    """The open intervals of ``support`` on which f is real and continuous, and the cut
    points between them, decided from the structure of f and the parameters' assumptions.

    Returns None when some node of f is not understood or the roots of its argument are
    not finitely many explicit points (the caller then asks SymPy). Raises SupportError
    when f is undefined on a sub-interval, or when the assumptions do not decide whether
    a point where f may fail to be continuous lies inside the support, or whether f is
    defined on a sub-interval.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> c = sp.Symbol("c", real=True)
    >>> parametric_parts(1 / (t - c), t, sp.Interval.open(-sp.oo, sp.oo), "1/(z - c)", "z")
    ([Interval.open(-oo, c), Interval.open(c, oo)], [c])
    """
    try:
        needs = _needs(f, t)
    except _Periodic as periodic:
        _raise_if_periodic_moves(periodic, t, support, label, var)
        return None
    if needs is None:
        return None
    lo, hi = support.inf, support.sup
    width = _nonempty(support)
    shown = sp.Symbol(var)
    interior: list[tuple[sp.Expr, _Need]] = []
    for need in needs:
        for c in _edges(need.allowed):
            roots = _roots(need.inner - c, t)
            if roots is None:
                return None
            for r in roots:
                if any(_sign_on_support(r - p, width) == 0 for p, _ in interior):
                    continue
                if r.is_real is None:
                    sides = (None, None)
                else:
                    sides = (_sign_on_support(r - lo, width), _sign_on_support(hi - r, width))
                if sides[0] is not None and sides[0] <= 0 or sides[1] is not None and sides[1] <= 0:
                    continue  # at an end or outside: not a point inside the support
                if None in sides:
                    _raise_undecided_point(need, t, r, c, support, label, var)
                interior.append((r, need))
    cuts = _ordered([r for r, _ in interior], support, label, var)
    bounds = [lo, *cuts, hi]
    parts = [sp.Interval.open(p, q) for p, q in zip(bounds, bounds[1:], strict=False)]
    for part in parts:
        point = interior_point(part)
        for need in needs:
            if need.only_points_missing:
                continue  # u avoids its poles between the cuts
            value = need.inner.xreplace({t: point})
            inside = _member(value, need.allowed, width)
            if inside is None:
                raise SupportError(
                    f"{label} contains {need.node.xreplace({t: shown})}, which is real only "
                    f"where {need.inner.xreplace({t: shown})} lies in "
                    f"{describe_set(need.allowed)}, and symflow cannot decide for every value "
                    f"of {_params(value)} whether it does for {var} in {describe_set(part)}. "
                    f"{parameter_advice(value.free_symbols, None)}"
                )
            if not inside:
                _raise_undefined(need, t, part, support, label, var, base)
    return parts, cuts


def _member(value: sp.Expr, allowed: sp.Set, width: dict) -> bool | None:
    """Whether ``value`` lies in ``allowed`` (a finite union of intervals) for every value
    of its symbols; None when the assumptions do not decide it."""
    for piece in allowed.args if isinstance(allowed, sp.Union) else (allowed,):
        if not isinstance(piece, sp.Interval):
            return None
        above = _sign_on_support(value - piece.inf, width)
        below = _sign_on_support(piece.sup - value, width)
        if above is None or below is None:
            return None
        ok_lo = above > 0 or (above == 0 and not piece.left_open)
        ok_hi = below > 0 or (below == 0 and not piece.right_open)
        if ok_lo and ok_hi:
            return True
    return False


def _ordered(points: list[sp.Expr], support, label, var) -> list[sp.Expr]:
    """``points`` from left to right, the order decided under the assumptions."""
    out: list[sp.Expr] = []
    for p in points:
        position = 0
        for q in out:
            order = _sign_on_support(p - q, _nonempty(support))
            if order is None:
                raise SupportError(
                    f"{label} is not continuous at {var} = {p} nor at {var} = {q}, both "
                    f"inside {describe_set(support)}, and symflow cannot decide for every "
                    f"value of {_params(p, q)} which comes first. "
                    f"{parameter_advice(p.free_symbols | q.free_symbols, None)}"
                )
            if order > 0:
                position += 1
        out.insert(position, p)
    return out


def _raise_undecided_point(need: _Need, t, r, c, support, label, var) -> None:
    shown = sp.Symbol(var)
    node, inner = need.node.xreplace({t: shown}), need.inner.xreplace({t: shown})
    if need.only_points_missing:
        what = f"is not continuous at {var} = {r} ({node} has a pole where {inner} = {c})"
    else:
        what = (
            f"stops being real or continuous at {var} = {r} (where {inner} = {c}, an edge of "
            f"where {node} is real and continuous)"
        )
    when = ""
    if r.is_real:
        # an end that is not ±oo is finite, whether or not SymPy can prove it (tan(e))
        gaps = [r - support.inf] * (support.inf != -sp.oo)
        gaps += [support.sup - r] * (support.sup != sp.oo)
        width = _nonempty(support)
        sides = [f"{g} > 0" for g in gaps if _sign_on_support(g, width) != 1]
        when = f"; it does exactly when {' and '.join(sides)}" if sides else ""
    raise SupportError(
        f"{label} {what}, and symflow cannot decide for every value of {_params(r, support)} "
        f"whether that lies inside {describe_set(support)}{when}. "
        f"{parameter_advice(r.free_symbols | support.free_symbols, None)}"
    )


def _raise_if_periodic_moves(periodic: _Periodic, t, support, label, var) -> None:
    """SupportError when a node with infinitely many poles (tan(z − c)) meets parameters
    in its argument or in the support's ends: how many poles lie inside is not decided."""
    inner = periodic.node.args[0]
    params = (inner.free_symbols | support.free_symbols) - {t}
    if not params:
        return
    shown = sp.Symbol(var)
    names = ", ".join(sorted(s.name for s in params))
    singular = periodic.singular
    if isinstance(singular, sp.ImageSet) and singular.base_sets == (sp.S.Integers,):
        (n,) = singular.lamda.variables
        points = f"= {singular.lamda.expr} for some integer {n}"
    else:
        points = f"lies in {describe_set(singular)}"
    raise SupportError(
        f"{label} contains {periodic.node.xreplace({t: shown})}, which is not continuous "
        f"where {inner.xreplace({t: shown})} {points}, and symflow cannot decide for "
        f"every value of {names} which of these points lie inside {describe_set(support)}. "
        f"Give the parameters values."
    )


def _raise_undefined(need: _Need, t, part, support, label, var, base) -> None:
    shown = sp.Symbol(var)
    chance = ""
    if base is not None:
        from symflow.core.intervals import probability

        p = attempt(lambda: probability(base, sp.Interval(part.inf, part.sup)), 10.0, None)
        if p is not None and p != 0:
            chance = f", which has probability {p} under {base!r}"
    node = need.node.xreplace({t: shown})
    root = ""
    if node.is_Pow and node.exp.is_Rational and node.exp.q % 2 == 1:
        # SymPy's power of a negative number is the complex principal root
        root = (
            f" For the real root of a negative number write "
            f"sp.real_root({node.base}, {node.exp.q})"
            + (f"**{node.exp.p}" if node.exp.p != 1 else "")
            + "."
        )
    raise SupportError(
        f"{label} is undefined (or not real) for {var} in {describe_set(part)}{chance}: "
        f"{node} needs {need.inner.xreplace({t: shown})} in "
        f"{describe_set(need.allowed)}. Use a base or a previous layer whose support avoids "
        f"it, or change the transform so that it is defined on all of "
        f"{describe_set(support)}.{root}"
    )
