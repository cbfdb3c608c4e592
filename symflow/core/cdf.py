"""Distribution functions of a flow in closed form: the CDF, the quantile and moments.

For x = f(z), z ~ p_Z, each inverse path b of the Program maps its region (a_b, b_b) of x
monotonically onto an interval J_b of z, with direction d_b = ±1 (the sign of g_b').
The mass of the path below x is

    d_b = +1:  F_Z(g_b(x)) − F_Z(g_b(a_b+))
    d_b = −1:  S_Z(g_b(x)) − S_Z(g_b(a_b+))        (S_Z = 1 − F_Z)

for a_b < x < b_b, zero for x ≤ a_b and the whole mass |F_Z(g_b(b_b−)) − F_Z(g_b(a_b+))|
for x ≥ b_b; F_X is the sum over paths. A monotone flow has the quantile

    F_X⁻¹(u) = f(F_Z⁻¹(u))  (increasing),    f(F_Z⁻¹(1 − u))  (decreasing),

and E[X^k] = ∫ f(z)^k p_Z(z) dz over the base (the law of the unconscious statistician),
which SymPy often integrates where the integral over x defeats it.

Where the base CDF has no closed form (StudentT), F_Z appears as an *unevaluated*
``sp.Integral`` of the base density (``.doit()`` may evaluate it); a base quantile with
no closed form (Gamma, Beta, StudentT) is an :class:`~symflow.errors.InverseError` that
points to the compiled numerical quantile.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z, x = sp.Symbol("z", real=True), sp.Symbol("x", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)])
>>> flow_cdf(X, x)
Piecewise((0, x <= 0), (erf(sqrt(2)*sqrt(x)/2), True))
>>> flow_quantile(sf.Flow(sf.Exponential(1), [sf.Transform(2 * z, z)]), sp.Rational(1, 2))
2*log(2)
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import (
    compare,
    describe_set,
    endpoint_value,
    interior_points,
    is_finite_number,
    symbol_on,
)
from symflow.core.program import VectorProgram
from symflow.errors import InverseError, MonotonicityError, ParameterError, SymflowError

__all__ = [
    "PathCDF",
    "path_cdfs",
    "base_cdf",
    "base_sf",
    "base_quantile",
    "flow_cdf",
    "flow_quantile",
    "flow_moment",
    "forward_expression",
    "monotone_direction",
    "sample_values",
]


# -- the base's distribution functions ------------------------------------------------
def base_cdf(base, z: sp.Expr) -> sp.Expr:
    """F_Z(z) on the support: the base's closed form, or an unevaluated Integral of p_Z.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.distributions import Exponential
    >>> base_cdf(Exponential(2), sp.Symbol("z", positive=True))
    1 - exp(-2*z)
    """
    closed = base.cdf(z)
    if closed is not None:
        return closed
    t = _bound_symbol(z)
    return sp.Integral(base.density(t), (t, base.support.inf, z))


def _bound_symbol(z: sp.Expr) -> sp.Symbol:
    """An integration variable named t (or s) that does not clash with ``z``."""
    names = {s.name for s in z.free_symbols}
    return sp.Symbol("t" if "t" not in names else "s", real=True)


def base_sf(base, z: sp.Expr) -> sp.Expr:
    """S_Z(z) = 1 − F_Z(z), written without the subtraction where a direct form is known.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.distributions import Normal
    >>> base_sf(Normal(0, 1), sp.Symbol("z", real=True))
    erfc(sqrt(2)*z/2)/2
    """
    direct = base.sf(z)
    if direct is not None:
        return direct
    t = _bound_symbol(z)
    return sp.Integral(base.density(t), (t, z, base.support.sup))


def base_quantile(base, u: sp.Expr) -> sp.Expr | None:
    """F_Z⁻¹(u) in closed form, or None (Gamma, Beta, StudentT).

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.distributions import Normal
    >>> base_quantile(Normal(1, 2), sp.Symbol("u", positive=True))
    2*sqrt(2)*erfinv(2*u - 1) + 1
    """
    return base.quantile(u)


# -- the structure of each path ---------------------------------------------------------
@dataclass(frozen=True)
class PathCDF:
    """One inverse path seen by the CDF.

    ``lower``/``upper`` are the ends (a, b) of the path's region in x; ``direction`` is
    the sign of dz_0/dx on it; ``start`` and ``end`` are the limits of z_0 = g(x) as
    x -> a+ and x -> b-; ``inverse`` is g(x) in the program's input symbol.
    """

    index: int
    lower: sp.Expr
    upper: sp.Expr
    direction: int
    start: sp.Expr
    end: sp.Expr
    inverse: sp.Expr


def sample_values(symbols) -> dict[sp.Symbol, sp.Expr]:
    """Simple admissible values for parameter symbols (1 if positive, -1 if negative, 1/3).

    Used only where a property is known to hold for every parameter value (the direction
    of a branch) and a numerical witness is needed.
    """
    out = {}
    for s in symbols:
        if s.is_positive or s.is_nonnegative:
            out[s] = sp.Integer(1)
        elif s.is_negative or s.is_nonpositive:
            out[s] = sp.Integer(-1)
        else:
            out[s] = sp.Rational(1, 3)
    return out


def _numeric_direction(value: sp.Expr, s: sp.Symbol, lo: sp.Expr, hi: sp.Expr, params) -> int:
    """Sign of the increments of ``value`` between points of (lo, hi), parameters sampled."""
    values = sample_values(params)
    lo_n, hi_n = sp.sympify(lo).xreplace(values), sp.sympify(hi).xreplace(values)
    points = interior_points(sp.Interval.open(lo_n, hi_n), 7)
    expr = value.xreplace(values)
    ys = []
    for point in points:
        y = attempt(lambda p=point: expr.subs(s, p).evalf(30), 5.0, None)
        if y is not None and y.is_real and is_finite_number(y):
            ys.append(float(y))
    votes = sum((b > a) - (b < a) for a, b in zip(ys, ys[1:], strict=False))
    return (votes > 0) - (votes < 0)


def _step_direction(value: sp.Expr, s: sp.Symbol, lo: sp.Expr, hi: sp.Expr, params) -> int:
    from symflow.core.layer import ImplicitInverse
    from symflow.core.simplify import sign_by_assumptions

    if isinstance(value, ImplicitInverse) and value.args[0] == s:
        return int(type(value).direction)
    if s not in value.free_symbols:
        raise SymflowError(f"The inverse step {value} does not depend on {s}.")
    derivative = attempt(lambda: sp.diff(value, s), 5.0, None)
    if derivative is not None:
        interval = sp.Interval.open(lo, hi)
        sign = attempt(lambda: sign_by_assumptions(derivative, s, interval), 5.0, None)
        if sign:
            return sign
    sign = _numeric_direction(value, s, lo, hi, params)
    if sign == 0:
        raise MonotonicityError(
            f"Cannot tell whether the inverse step {value} is increasing or decreasing in "
            f"{s} on {describe_set(sp.Interval.open(lo, hi))}."
        )
    return sign


def _step_limit(value: sp.Expr, s: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    """lim value as s -> point from ``side``; an implicit inverse maps image ends to piece ends.

    For an implicit inverse f⁻¹ on the piece (lo, hi), the limit at an end of f's image is
    the end of the piece (finite or infinite) where f's one-sided limit is that point;
    inside the image it is the root of f(t) = point.
    """
    from symflow.core.layer import ImplicitInverse

    if not (isinstance(value, ImplicitInverse) and value.args[0] == s):
        return endpoint_value(value, s, point, side)
    cls = type(value)
    t = cls.variable
    # the piece end whose image is ``point``: the image's lower end comes from lo when f
    # increases there, from hi when it decreases
    for end, end_side in ((cls.lo, "+"), (cls.hi, "-")):
        if point.is_infinite and end_side == ("+" if (point < 0) == (cls.direction > 0) else "-"):
            return end
        if not point.is_infinite:
            image_end = attempt(lambda e=end, d=end_side: _image_end(cls, e, d), 15.0, None)
            if image_end is not None and compare(image_end, point) == 0:
                return end
    if point.is_infinite:
        return sp.nan
    guess = float(sp.Interval.open(cls.lo, cls.hi).sup.evalf()) if is_finite_number(cls.hi) else 0.0
    root = attempt(lambda: sp.nsolve(cls.forward - point, t, guess, prec=30), 10.0, None)
    return sp.nan if root is None else sp.Float(root, 17)


def _image_end(cls, end: sp.Expr, side: str) -> sp.Expr | None:
    """lim f(t) as t -> ``end`` of the implicit inverse's piece, or None when not a number."""
    limit = endpoint_value(cls.forward, cls.variable, end, side)
    return limit if _is_value(limit) else None


def _is_value(limit: sp.Expr) -> bool:
    """A limit is a value to compute with: a number, ±oo or an expression in parameters,
    not nan, the complex infinity zoo or a range of values (AccumBounds, the limit of an
    oscillating term such as atan(zoo))."""
    return not limit.has(sp.nan, sp.zoo, sp.AccumBounds)


@functools.lru_cache(maxsize=256)
def path_cdfs(program) -> tuple[PathCDF, ...]:
    """Region, direction and base-side end points of every path of ``program``.

    The z_0 interval of a path is pulled back from its region one inverse step at a
    time, with one-sided limits (exact where SymPy finds them).
    """
    out = []
    params = program.parameters
    for index, path in enumerate(program.paths):
        states = [a for a in path.assignments if a.kind == "state"]
        lo, hi = path.region.inf, path.region.sup
        # start/end: z_i at x -> a+ and x -> b-; total: direction of z_i in x
        start, end, total = lo, hi, 1
        for prev, step in zip(states, states[1:], strict=False):
            s = prev.target
            sign = _step_direction(step.value, s, lo, hi, params)
            at_lo = _step_limit(step.value, s, lo, "+")
            at_hi = _step_limit(step.value, s, hi, "-")
            if not (_is_value(at_lo) and _is_value(at_hi)):
                raise SymflowError(
                    f"Cannot find the limits of the inverse step {step.target} = {step.value} "
                    f"at the ends of {describe_set(sp.Interval.open(lo, hi))}."
                )
            lo, hi = (at_lo, at_hi) if sign > 0 else (at_hi, at_lo)
            total *= sign
            start, end = (lo, hi) if total > 0 else (hi, lo)
        inverse: sp.Expr = program.base_symbol
        for a in reversed(states):
            inverse = inverse.xreplace({a.target: a.value})
        out.append(
            PathCDF(
                index,
                path.region.inf,
                path.region.sup,
                total,
                start,
                end,
                inverse,
            )
        )
    return tuple(out)


def _at(fn: sp.Expr, z: sp.Symbol, point: sp.Expr, base, lower_value, upper_value, side: str):
    """fn(point), with the base's support ends mapped to their known limits."""
    if point == base.support.inf:
        return lower_value
    if point == base.support.sup:
        return upper_value
    value = endpoint_value(fn, z, point, side)
    if not _is_value(value):
        raise SymflowError(f"Cannot evaluate {fn} at {z} = {point}.")
    return value


def path_terms(program, x: sp.Symbol | None = None) -> list[tuple[PathCDF, sp.Expr, sp.Expr]]:
    """[(path, mass of the path below x on its region, total mass of the path)] symbolically."""
    base = program.base
    z = symbol_on("z", base.support)
    F, S = base_cdf(base, z), base_sf(base, z)
    out = []
    for pc in path_cdfs(program):
        g = pc.inverse if x is None else pc.inverse.xreplace({program.x: x})
        if pc.direction > 0:
            f_start = _at(F, z, pc.start, base, 0, 1, "+")
            f_end = _at(F, z, pc.end, base, 0, 1, "-")
            below = F.xreplace({z: g}) - f_start
            mass = f_end - f_start
        else:
            s_start = _at(S, z, pc.start, base, 1, 0, "-")
            s_end = _at(S, z, pc.end, base, 1, 0, "+")
            below = S.xreplace({z: g}) - s_start
            mass = s_end - s_start
        out.append((pc, _tidy(below), _tidy(mass)))
    return out


def monotone_direction(program) -> int:
    """+1 (-1) when the whole forward map increases (decreases) on the base's support, else 0.

    A flow with several paths is still monotone when every path has the same direction
    and the paths' regions are ordered like their base intervals (a piecewise map with
    slopes 1 and 2), but not when the order breaks (1/z on the real line).
    """
    pcs = path_cdfs(program)
    directions = {pc.direction for pc in pcs}
    if len(directions) != 1:
        return 0
    (d,) = directions
    if len(pcs) == 1:
        return d
    values = sample_values(program.parameters)

    def num(e):
        v = sp.sympify(e).xreplace(values)
        return float(v) if v.is_number else None

    try:
        rows = [
            (num(pc.lower), num(pc.upper), num(min(pc.start, pc.end, key=num)), pc) for pc in pcs
        ]
    except TypeError:
        return 0
    if any(r[0] is None or r[1] is None or r[2] is None for r in rows):
        return 0
    rows.sort(key=lambda r: r[0])
    if any(a[1] > b[0] for a, b in zip(rows, rows[1:], strict=False)):
        return 0
    base_order = [r[2] for r in rows]
    ordered = base_order == sorted(base_order) if d > 0 else base_order == sorted(base_order)[::-1]
    return d if ordered else 0


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A bounded choice among equivalent forms: fewest operations, no cancelling constant.

    erfc(-u)/2 - 1/2 + ... is rewritten with erf when that removes the constant (which
    would cancel numerically); sums of rational functions are put over one denominator.
    """
    expr = sp.sympify(expr)
    if sp.count_ops(expr) > 300:
        return expr
    candidates = [expr]
    if expr.has(sp.erfc, sp.erf):
        candidates.append(attempt(lambda: sp.expand(expr.rewrite(sp.erf)), 5.0, expr))
    candidates.append(attempt(lambda: sp.together(expr), 5.0, expr))
    expanded = attempt(lambda: sp.expand(expr), 5.0, expr)
    candidates.append(expanded)

    def score(e):
        constant = any(t.is_number for t in sp.Add.make_args(sp.expand(e, deep=False)))
        return (constant and not e.is_number, sp.count_ops(e))

    return min(candidates, key=score)


def _sortable(values) -> bool:
    return all(v.is_number and v.is_real is not False for v in values)


def flow_cdf(flow, x: sp.Symbol | None = None) -> sp.Expr:
    """F_X(x) = Σ_b (mass of path b below x): a Piecewise on the paths' regions.

    Parameters
    ----------
    flow : Flow
        A one-dimensional flow.
    x : Symbol, optional
        The output symbol (default ``x``).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z, x = sp.Symbol("z", real=True), sp.Symbol("x", real=True)
    >>> flow_cdf(sf.Flow(sf.Exponential(1), [sf.Transform(-z, z)]), x)
    Piecewise((exp(x), x < 0), (1, True))
    """
    _one_dimensional(flow, "cdf")
    program = flow.program
    x = sp.Symbol("x", real=True) if x is None else x
    terms = path_terms(program, x)
    ends = {e for pc, _, _ in terms for e in (pc.lower, pc.upper) if e.is_finite is not False}
    if not _sortable(ends):
        # ends that depend on parameters: one Piecewise per path, summed
        return sp.Add(
            *[
                sp.Piecewise((0, x <= pc.lower), (below, x < pc.upper), (mass, True))
                for pc, below, mass in terms
            ]
        )
    points = sorted(ends, key=float)
    edges = [-sp.oo, *points, sp.oo]
    pieces: list[tuple[sp.Expr, sp.Basic]] = []
    for lo, hi in zip(edges, edges[1:], strict=False):
        parts, closes = [], False
        for pc, below, mass in terms:
            if _le(pc.upper, lo):
                parts.append(mass)
            elif _le(pc.lower, lo) and _le(hi, pc.upper):
                parts.append(below)
                closes = closes or pc.upper == hi
        value = _tidy(sp.Add(*parts)) if parts else sp.Integer(0)
        cond = sp.true if hi == sp.oo else (x < hi if closes else x <= hi)
        if pieces and pieces[-1][0] == value:
            pieces[-1] = (value, cond)
        else:
            pieces.append((value, cond))
    if len(pieces) == 1:
        return pieces[0][0]
    pieces[-1] = (pieces[-1][0], sp.true)
    return sp.Piecewise(*pieces)


def _le(a: sp.Expr, b: sp.Expr) -> bool:
    if a == b or a == -sp.oo or b == sp.oo:
        return True
    if a == sp.oo or b == -sp.oo:
        return False
    return bool(float(a) <= float(b))


def _one_dimensional(flow, what: str) -> None:
    if isinstance(flow.program, VectorProgram):
        raise ParameterError(
            f"{what} is defined for one-dimensional flows; {flow!r} has dimension {flow.dimension}."
        )


def forward_expression(program, z: sp.Expr | None = None) -> sp.Expr:
    """x = f(z) as one expression (in the program's base symbol unless ``z`` is given)."""
    value: sp.Expr = program.base_symbol if z is None else z
    env = {program.base_symbol: value}
    for a in program.forward:
        value = a.value.xreplace(env)
        env[a.target] = value
    return value


def _probability(u: Any) -> sp.Expr:
    if u is None:
        return sp.Symbol("u", positive=True)
    if isinstance(u, str | bytes) or isinstance(u, bool):
        raise ParameterError(f"The probability u must be a number or a SymPy symbol; got {u!r}.")
    if isinstance(u, sp.Basic):
        value = u
    elif isinstance(u, numbers.Real):
        value = (
            sp.Rational(repr(float(u))) if not isinstance(u, numbers.Integral) else sp.Integer(u)
        )
    else:
        raise ParameterError(f"The probability u must be a number or a SymPy symbol; got {u!r}.")
    if value.is_number and not (0 <= value <= 1):
        raise ParameterError(f"A quantile needs a probability u in [0, 1]; got u = {value}.")
    return value


def flow_quantile(flow, u: Any = None) -> sp.Expr:
    """F_X⁻¹(u) = f(F_Z⁻¹(u)) for an increasing flow, f(F_Z⁻¹(1 − u)) for a decreasing one.

    Parameters
    ----------
    flow : Flow
        A one-dimensional flow with one inverse path (a bijection).
    u : number or Symbol, optional
        The probability (default the symbol ``u``).

    Raises
    ------
    MonotonicityError
        The flow is not one-to-one (use the compiled numerical quantile).
    InverseError
        The base has no closed-form quantile (Gamma, Beta, StudentT).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> flow_quantile(sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]))
    -log(1 - u)
    """
    _one_dimensional(flow, "quantile")
    program = flow.program
    u = _probability(u)
    if monotone_direction(program) == 0:
        raise MonotonicityError(
            f"{flow!r} is not monotone (it has {len(program.paths)} inverse branches), so its "
            f"quantile is not f(F_Z^-1(u)) and has no closed form here. Use the compiled "
            f"numerical quantile, which inverts the CDF: flow.compile().quantile(us)."
        )
    direction = monotone_direction(program)
    if u == 0 or u == 1:
        return program.support.inf if (u == 0) else program.support.sup
    zq = base_quantile(program.base, u if direction > 0 else 1 - u)
    if zq is None:
        raise InverseError(
            f"{program.base!r} has no closed-form quantile, so {flow!r} has none either. "
            f"Use the compiled numerical quantile: flow.compile().quantile(us)."
        )
    value = forward_expression(program, zq)
    return attempt(lambda: sp.powsimp(value), 5.0, value)


def flow_moment(
    flow, k: int = 1, values: dict[Any, Any] | None = None, seconds: float = 10.0
) -> sp.Expr | None:
    """E[X^k] = ∫ f(z)^k p_Z(z) dz, exact, or None when SymPy does not find it in time.

    Parameters
    ----------
    flow : Flow
    k : int
        The order of the raw moment (a non-negative integer).
    values : dict, optional
        Parameter values (symbol or name -> number) substituted before integrating.
    seconds : float
        The time budget of the symbolic integration (and of its simplification).

    Returns
    -------
    sympy.Expr or None
        The moment; ``oo`` when it diverges to infinity, ``nan`` when it is undefined
        (the mean of a Cauchy variable); None when SymPy gives up.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> flow_moment(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]), 2)
    exp(2)
    """
    _one_dimensional(flow, "A moment")
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ParameterError(f"The moment order k must be a non-negative integer; got {k!r}.")
    k = int(k)
    program = flow.program
    base = program.base
    if values:
        by_name = {p.name: p for p in program.parameters}
        subs = {}
        for key, v in values.items():
            symbol = by_name.get(key) if isinstance(key, str) else key
            if symbol is None:
                raise ParameterError(
                    f"Unknown parameter {key}; this flow's parameters are: "
                    f"{', '.join(by_name) or 'none'}."
                )
            subs[symbol] = sp.nsimplify(v) if isinstance(v, float) else sp.sympify(v)
        base = base.subs(subs)
    else:
        subs = {}
    z = symbol_on("z", base.support)
    f = forward_expression(program, z).xreplace(subs)
    integrand = f**k * base.density(z)
    lo, hi = base.support.inf, base.support.sup
    result = attempt(lambda: sp.integrate(integrand, (z, lo, hi)), seconds, None)
    if result is None or result.has(sp.Integral):
        return None
    if result.has(sp.nan) or result is sp.zoo:
        return sp.nan
    if result.is_infinite:
        return result
    if sp.count_ops(result) > 40 and sp.count_ops(result) < 2000:
        result = attempt(lambda: sp.simplify(result), seconds, result)
    return result
