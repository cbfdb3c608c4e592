"""Inverses of square systems y = f(z) in d variables, chosen on the incoming support.

Structure first, solvers last:

* constant Jacobian (affine): z = J⁻¹(y − f(0)), exact (rationals stay rationals);
* block-diagonal: each block on its own;
* triangular (autoregressive): one coordinate at a time with the scalar machinery of
  :mod:`symflow.core.inverse`, earlier coordinates acting as parameters;
* polar pairs (A·cos B, A·sin B): A = √(y₁² + y₂²), B = atan2(y₂, y₁) moved into the
  range B takes on the support (all four quadrants right);
* otherwise SymPy's solver, keeping the real candidate that maps images of test points
  back to the points.

Every result is checked at test points z of the support: g(f(z)) = z.

Examples
--------
>>> import sympy as sp
>>> z1, z2, y1, y2 = sp.symbols("z1 z2 y1 y2", real=True)
>>> solve_system([3 * z1 + z2, 2 * z2], [z1, z2], [y1, y2])
([y1/3 - y2/6, y2/2], [0, 1])
>>> solve_system([z1, z2 + z1**2], [z1, z2], [y1, y2])
([y1, y2 - z1**2], [0, 1])

A triangular (autoregressive) inverse refers to the coordinates solved before it, in
the order returned: z1 = y1 first, then z2 = y2 − z1².
"""

from __future__ import annotations

import random

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.intervals import describe_set, symbol_on
from symflow.core.inverse import image_of, invert
from symflow.core.jacobian import blocks
from symflow.errors import MonotonicityError, ParameterError, SymflowError

__all__ = ["solve_system", "domain_conditions", "verify_system", "sample_points", "Fold"]


def _interval(intervals, i):
    if intervals is None:
        return sp.S.Reals
    return intervals[i]


def solve_system(exprs, variables, targets, intervals=None, points=None):
    """([g_1, …, g_d], order) with f(g(y)) = y, or None when no valid inverse is found.

    g_k is written in the targets y and in the variables solved before it in ``order``
    (an autoregressive inverse pass). ``points`` (test points z of the support) select
    among a solver's candidates.
    """
    exprs = list(exprs)
    variables = list(variables)
    d = len(exprs)
    J = sp.Matrix(exprs).jacobian(variables)
    if not (J.free_symbols & set(variables)):
        sol = _affine(exprs, variables, targets, J)
        return None if sol is None else (sol, list(range(d)))
    groups = blocks(J)
    if len(groups) > 1:
        out: list = [None] * d
        order: list[int] = []
        for g in groups:
            sub = solve_system(
                [exprs[i] for i in g],
                [variables[i] for i in g],
                [targets[i] for i in g],
                None if intervals is None else [intervals[i] for i in g],
            )
            if sub is None:
                return None
            for i, value in zip(g, sub[0], strict=True):
                out[i] = value
            order.extend(g[k] for k in sub[1])
        return out, order
    if d == 1:
        sol = _scalar(exprs[0], variables[0], targets[0], _interval(intervals, 0))
        return None if sol is None else (sol, [0])
    order = _triangular_order(J)
    if order is not None:
        sol = _triangular(exprs, variables, targets, intervals, order)
        return None if sol is None else (sol, order)
    if d == 2:
        polar = _polar(exprs, variables, targets, intervals)
        if polar is not None:
            return polar, [0, 1]
    sol = _solve(exprs, variables, targets, points)
    return None if sol is None else (sol, list(range(d)))


def _scalar(expr, var, target, interval):
    from symflow.core.inverse import peel

    t = symbol_on(var.name, interval)
    y = sp.Symbol("y_tmp", real=True)
    piece = sp.Interval.open(interval.inf, interval.sup)
    f = expr.xreplace({var: t})
    g = None
    if not f.has(sp.Pow, sp.cos, sp.sin, sp.tan, sp.Abs, sp.cosh):
        g = attempt(lambda: peel(f, t, y, piece), 5.0, None)  # no branch choice needed
    if g is None:
        try:
            g = invert(f, t, y, piece)
        except NotImplementedError:  # SymPy could not describe an image: no inverse
            g = None
    if g is None:
        _refuse_fold(expr, var, f, t, interval)
        return None
    return [g.xreplace({y: target})]


class Fold(MonotonicityError):
    """A coordinate map that is not one-to-one: ``expr`` of ``variable`` is monotone on
    each of ``pieces`` in turn (see :func:`symflow.core.pieces.monotone_pieces`)."""

    def __init__(self, expr: sp.Expr, variable: sp.Symbol, pieces: list) -> None:
        super().__init__(f"{expr} folds {variable}")
        self.expr, self.variable, self.pieces = expr, variable, pieces

    def describe(self, names: dict) -> str:
        """Where and how the map folds, written with the symbols ``names`` maps to."""
        from symflow.core.intervals import describe_set

        var = names.get(self.variable, self.variable)
        words = {1: "increasing", -1: "decreasing"}
        runs = "; ".join(
            f"{words[p.direction]} for {var} in {describe_set(p.interval)}" for p in self.pieces
        )
        at = ", ".join(str(p.interval.sup) for p in self.pieces[:-1])
        return (
            f"{self.expr.xreplace(names)} folds {var} at {var} = {at} ({runs}), so each of "
            f"its values comes from {len(self.pieces)} values of {var}"
        )


def _refuse_fold(expr, var, f, t, interval) -> None:
    """Raise :class:`Fold` when ``f`` (``expr`` of ``var`` on the interval) is not
    one-to-one: the system then has no single inverse."""
    from symflow.core.pieces import monotone_pieces

    try:
        pieces = attempt(lambda: monotone_pieces(f, t, interval, str(expr), var.name), 10.0, None)
    except SymflowError:
        return
    if pieces and len(pieces) > 1:
        raise Fold(expr, var, pieces)


def _affine(exprs, variables, targets, J):
    zero = {v: 0 for v in variables}
    offset = sp.Matrix([e.xreplace(zero) for e in exprs])
    if J.det() == 0:
        return None
    sol = J.inv() * (sp.Matrix(targets) - offset)
    return [sp.expand(v) for v in sol]


def _triangular_order(J):
    """An order in which coordinate k depends only on earlier ones, or None."""
    d = J.rows
    if J.is_lower:
        return list(range(d))
    if J.is_upper:
        return list(range(d - 1, -1, -1))
    return None


def _triangular(exprs, variables, targets, intervals, order):
    """Solve coordinate by coordinate; each g_k may use the variables solved before."""
    out: list = [None] * len(exprs)
    for k in order:
        sub = _scalar(exprs[k], variables[k], targets[k], _interval(intervals, k))
        if sub is None:
            return None
        out[k] = sub[0]
    return out


def _polar(exprs, variables, targets, intervals):
    e1, e2 = exprs
    for c in e1.atoms(sp.cos):
        angle = c.args[0]
        amplitude = attempt(lambda c=c: sp.cancel(e1 / c), 2.0, None)
        if amplitude is None or amplitude.has(sp.cos(angle)):
            continue
        if attempt(lambda a=amplitude, b=angle: sp.expand(e2 - a * sp.sin(b)) == 0, 2.0, False):
            break
    else:
        return None
    r = sp.sqrt(targets[0] ** 2 + targets[1] ** 2)
    theta = sp.atan2(targets[1], targets[0])
    angle_vars = [v for v in variables if angle.has(v)]
    if len(angle_vars) == 1 and intervals is not None:
        i = variables.index(angle_vars[0])
        rng = image_of(angle, angle_vars[0], intervals[i])
        lo = rng.inf
        if not (rng.inf.is_number and rng.sup.is_number):
            names = ", ".join(sorted(map(str, rng.free_symbols)))
            raise ParameterError(
                f"The angle of the polar map (from input {i + 1}) ranges over "
                f"{describe_set(rng)}, "
                f"which depends on {names}: where atan2's (-pi, pi] must be moved to "
                f"invert the map depends on their values. Give the base numeric support "
                f"ends and move {names} into the transform (a Uniform(0, 1) angle "
                f"scaled and shifted by it instead of Uniform(log c, log c + 1))."
            )
        if is_finite_number(lo) and lo >= -sp.pi:
            # move atan2's (-π, π] into [lo, lo + 2π)
            theta = lo + sp.Mod(theta - lo, 2 * sp.pi)
    r_sym, t_sym = sp.symbols("r_polar theta_polar", real=True)
    sub = solve_system([amplitude, angle], variables, [r_sym, t_sym], intervals)
    if sub is None:
        return None
    values, order = sub
    env: dict = {}
    for k in order:  # substitute fully: the polar inverse is returned in closed form
        env[variables[k]] = values[k].xreplace(env)
    return [env[v].xreplace({r_sym: r, t_sym: theta}) for v in variables]


def _solve(exprs, variables, targets, points):
    from symflow.core.inverse import numerically_usable

    eqs = [sp.Eq(e, y) for e, y in zip(exprs, targets, strict=True)]
    sols = attempt(lambda: sp.solve(eqs, variables, dict=True), 15.0, [])
    candidates = [
        [s[v] for v in variables]
        for s in sols
        if all(v in s for v in variables) and all(numerically_usable(s[v]) for v in variables)
    ]
    for c in candidates:
        if points is None or verify_system(exprs, variables, c, targets, points) is None:
            return c
    return None


def verify_system(exprs, variables, inverse, targets, points, order=None) -> tuple | None:
    """A test point z where inverse(f(z)) ≠ z, or None when all points map back.

    ``inverse`` is evaluated coordinate by coordinate in ``order``.
    """
    import mpmath

    order = list(range(len(exprs))) if order is None else order
    forward = sp.lambdify(list(variables), list(exprs), modules="mpmath")
    args = [*targets, *variables]
    steps = [(k, sp.lambdify(args, inverse[k], modules="mpmath")) for k in order]
    with mpmath.workdps(30):
        for point in points:
            try:
                ys = [complex(v) for v in forward(*[mpmath.mpf(str(p)) for p in point])]
            except (ValueError, ZeroDivisionError, TypeError, OverflowError):
                continue
            if any(abs(y.imag) > 1e-12 for y in ys):
                continue
            zs = [mpmath.mpf(0)] * len(variables)
            try:
                for k, step in steps:
                    value = complex(step(*[mpmath.mpf(y.real) for y in ys], *zs))
                    zs[k] = mpmath.mpf(value.real)
                    if abs(value - float(point[k])) > 1e-8 * max(1.0, abs(float(point[k]))):
                        return tuple(point)
            except (ValueError, ZeroDivisionError, TypeError, OverflowError):
                return tuple(point)
    return None


def sample_points(intervals, d, count=6, seed=1):
    """Points inside the support box (or around 0 where it is unbounded)."""
    rng = random.Random(seed)
    pts = []
    for _ in range(count):
        p = []
        for i in range(d):
            iv = _interval(intervals, i)
            # (an end that depends on parameters has no float to sample at: open side)
            lo = iv.inf if iv.inf.is_number else -sp.oo
            hi = iv.sup if iv.sup.is_number else sp.oo
            if is_finite_number(lo) and is_finite_number(hi):
                a, b = float(lo), float(hi)
                p.append(sp.Rational(repr(a + (b - a) * rng.uniform(0.05, 0.95))))
            elif is_finite_number(lo):
                p.append(sp.Rational(repr(float(lo) + rng.uniform(0.1, 3.0))))
            elif is_finite_number(hi):
                p.append(sp.Rational(repr(float(hi) - rng.uniform(0.1, 3.0))))
            else:
                p.append(sp.Rational(repr(rng.uniform(-2.0, 2.0))))
        pts.append(p)
    return pts


_DOMAINS = {
    sp.log: lambda a: [a > 0],
    sp.asin: lambda a: [a >= -1, a <= 1],
    sp.acos: lambda a: [a >= -1, a <= 1],
    sp.atanh: lambda a: [a > -1, a < 1],
    sp.acosh: lambda a: [a >= 1],
}


def domain_conditions(expr: sp.Expr) -> list[sp.Basic]:
    """Conditions under which ``expr`` is real and finite (log needs a positive argument…)."""
    out: list[sp.Basic] = []
    for node in sp.preorder_traversal(expr):
        if type(node) in _DOMAINS:
            out.extend(_DOMAINS[type(node)](node.args[0]))
        elif isinstance(node, sp.Pow):
            if not node.exp.is_integer and node.base.is_nonnegative is not True:
                out.append(node.base >= 0)
            if node.exp.is_negative and node.base.is_zero is not False:
                out.append(sp.Ne(node.base, 0))
    return [c for c in out if c is not sp.true]
