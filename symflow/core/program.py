"""The Program: a flow's inverse pass as a list of named assignments.

For a chain x = f_K ∘ … ∘ f_1 (z) and one inverse path through the layers' branches:

    z_K = x
    z_{K-1} = g_K(z_K)          (g_i the inverse of f_i on the path's branch)
    …
    z_0 = g_1(z_1)
    l_i = log|f_i'(z_{i-1})|    (i = 1 … K)
    log_p = log p_Z(z_0) − l_1 − … − l_K

A non-monotone layer gives several paths; each is active on its own region of x (the
image of its pieces), and the density sums over the active paths. Code generation, the
derivation and the closed form all read this one representation.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.distributions import Normal
>>> from symflow.core.layer import Layer
>>> from symflow.core.transform import Transform
>>> z = sp.Symbol("z", real=True)
>>> program = build_program(Normal(0, 1), [Layer.place(Transform(sp.exp(z), z), sp.S.Reals, 1)])
>>> for a in program.paths[0].assignments:
...     print(a)
z_1 = x
z_0 = log(z_1)
l_1 = z_0
log_p = -l_1 - z_0**2/2 - log(2*pi)/2
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import sympy as sp

from symflow.core.assignment import Assignment
from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.intervals import endpoint_value, intervals_of, symbol_on
from symflow.core.inverse import image_of, in_output

__all__ = [
    "standard_draws",
    "Assignment",
    "InversePass",
    "MarginalProgram",
    "Path",
    "Program",
    "VectorMarginalProgram",
    "VectorProgram",
    "build_program",
    "build_vector_program",
]


@dataclass(frozen=True)
class Path:
    """One inverse path: the branch taken in each layer and where in x it applies."""

    branch_indices: tuple[int, ...]
    #: where in x the path applies: an Interval of a scalar flow, a Boolean condition on
    #: x1 … xd of a d-dimensional one
    region: sp.Interval | sp.Basic
    assignments: tuple[Assignment, ...]
    result: sp.Symbol
    checks: tuple[sp.Basic, ...] = ()
    #: (state, open interval it lives on along this path), for the edge-aware pass
    ranges: tuple[tuple[sp.Symbol, sp.Interval], ...] = ()
    #: (log|det| term, the same term written in its layer's output) where quantile
    #: functions of a latent probability are read from the output instead (kernels use it)
    log_dets_in_outputs: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()

    @functools.cached_property
    def kernel_assignments(self) -> tuple[Assignment, ...]:
        """The assignments as kernels compute them: the same function, with log terms
        taken from edge distances and logs of states (see :mod:`symflow.core.edges`),
        so that a state rounded onto an edge of its range never feeds a log."""
        from symflow.core.edges import edge_assignments

        swaps = dict(self.log_dets_in_outputs)
        assignments = [
            Assignment(a.target, swaps[a.target], a.kind) if a.target in swaps else a
            for a in self.assignments
        ]
        return edge_assignments(assignments, dict(self.ranges))

    @property
    def implicit(self) -> bool:
        from symflow.core.layer import ImplicitInverse

        return any(a.value.has(ImplicitInverse) for a in self.assignments)

    def closed_form(self) -> sp.Expr:
        """The path's log-density as one expression in the program's input symbol."""
        value: sp.Expr = self.result
        for a in reversed(self.assignments):
            value = value.xreplace({a.target: a.value})
        return value


@runtime_checkable
class InversePass(Protocol):
    """What every Program offers its consumers, scalar or d-dimensional.

    ``inputs`` are the output symbols the density is written in (x, or x1 … xd),
    ``base_symbols`` the base coordinates the inverse pass ends in (z_0, or one per
    coordinate), ``paths`` the inverse paths and ``support`` where the density is
    positive. Code that must treat the scalar and the d-dimensional case differently
    dispatches on the type (:class:`Program`, :class:`VectorProgram`), not on
    ``dimension``.
    """

    support: sp.Basic
    paths: tuple[Path, ...]
    forward: tuple[Assignment, ...]
    base: object
    parameters: tuple[sp.Symbol, ...]

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]: ...

    @property
    def base_symbols(self) -> tuple[sp.Symbol, ...]: ...

    @property
    def dimension(self) -> int: ...

    @property
    def is_bijective(self) -> bool: ...

    def base_density_at(self, values: dict) -> sp.Expr: ...


class _Shared:
    """The behaviour both Program types share."""

    paths: tuple[Path, ...]
    base: object

    @property
    def is_bijective(self) -> bool:
        """One inverse path: the flow is one-to-one."""
        return len(self.paths) == 1

    def base_density(self, z) -> sp.Expr:
        """p_Z at ``z`` (a value, or a list of values in d dimensions)."""
        return self.base.density(z)


@dataclass(frozen=True, kw_only=True)
class Program(_Shared):
    """The inverse pass of a scalar flow (all paths) and its forward pass (for sampling).

    The density is written in one symbol ``x``; the inverse pass ends in one base
    coordinate ``base_symbol``; the support is a SymPy Set and each path's region an
    interval.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.distributions import Normal
    >>> program = build_program(Normal(0, 1), [])
    >>> program.inputs, program.base_symbols, program.dimension
    ((x,), (z_0,), 1)
    """

    x: sp.Symbol
    support: sp.Set
    paths: tuple[Path, ...]
    forward: tuple[Assignment, ...]
    base_symbol: sp.Symbol
    base: object = None
    parameters: tuple[sp.Symbol, ...] = field(default=())
    #: x-values where the density is infinite inside the support (images of points where
    #: a layer's derivative vanishes without changing sign); quadrature splits there
    singular_points: tuple = field(default=())

    dimension: ClassVar[int] = 1

    @property
    def inputs(self) -> tuple[sp.Symbol, ...]:
        """(x,): the one symbol the density is written in."""
        return (self.x,)

    @property
    def base_symbols(self) -> tuple[sp.Symbol, ...]:
        """(z_0,): the one base coordinate."""
        return (self.base_symbol,)

    def base_density_at(self, values: dict) -> sp.Expr:
        """p_Z(z_0) with z_0 read from the inverse pass's ``values``."""
        return self.base.density(values[self.base_symbol])


@dataclass(frozen=True, kw_only=True)
class VectorProgram(_Shared):
    """The inverse pass of a d-dimensional flow and its forward pass (for sampling).

    The density is written in the symbols ``inputs`` = (x1, …, xd); the inverse pass ends
    in the base coordinates ``base_symbols``; the support is a Boolean condition on the
    inputs.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.distributions import Normal
    >>> from symflow.core.multivariate import Independent
    >>> program = build_vector_program(Independent(Normal(0, 1), Normal(0, 1)), [])
    >>> program.inputs, program.dimension, program.support
    ((x1, x2), 2, True)
    """

    inputs: tuple[sp.Symbol, ...]
    support: sp.Basic
    paths: tuple[Path, ...]
    forward: tuple[Assignment, ...]
    base_symbols: tuple[sp.Symbol, ...]
    base: object = None
    parameters: tuple[sp.Symbol, ...] = field(default=())

    @property
    def dimension(self) -> int:
        """d, the number of inputs."""
        return len(self.inputs)

    def base_density_at(self, values: dict) -> sp.Expr:
        """p_Z(z_0) with the coordinates of z_0 read from the inverse pass's ``values``."""
        return self.base.density([values[s] for s in self.base_symbols])


@dataclass(frozen=True, kw_only=True)
class MarginalProgram(Program):
    """The Program of a map to one output (never one-to-one): its paths are the exact
    pieces of the output's density; none when the density has no closed form."""

    @property
    def is_bijective(self) -> bool:
        return False


@dataclass(frozen=True, kw_only=True)
class VectorMarginalProgram(VectorProgram):
    """The Program of a map to m > 1 outputs: no paths (the density is read from the
    reduction, see :mod:`symflow.core.reduce`)."""

    @property
    def is_bijective(self) -> bool:
        return False


def _intersect(a: sp.Set, b: sp.Set) -> sp.Set:
    """a ∩ b for intervals whose ends may be symbols: SymPy leaves (−w, 0) ∩ (−w, w)
    unevaluated; its ends are then max and min under the symbols' assumptions."""
    inter = sp.Intersection(a, b)
    if not isinstance(inter, sp.Intersection) or not (
        isinstance(a, sp.Interval) and isinstance(b, sp.Interval)
    ):
        return inter
    lo, hi = sp.Max(a.inf, b.inf), sp.Min(a.sup, b.sup)
    # extended: (c, oo) ∩ (0, oo) has length oo − c = oo, which SymPy calls not positive
    order = (hi - lo).is_extended_positive if not isinstance(lo, sp.Max) else None
    if isinstance(hi, sp.Min) or order is None:
        from symflow.errors import SupportError

        params = ", ".join(sorted(s.name for s in inter.free_symbols))
        raise SupportError(
            f"Cannot decide where {a} and {b} overlap for every value of {params}. Give "
            f"the parameters values, or assumptions (positive=True) that order these ends."
        )
    return sp.Interval.open(lo, hi) if order else sp.S.EmptySet


def _region(layer, branch, region: sp.Interval) -> sp.Interval | None:
    """f_i(region ∩ piece), or None when the intersection has no length."""
    inter = _intersect(region, branch.piece)
    if inter.is_empty or inter.measure == 0:
        return None
    if not isinstance(inter, sp.Interval):
        return None
    if inter == branch.piece:
        return branch.image
    t = layer.input_symbol
    forward = branch.forward if branch.forward is not None else layer.forward
    return image_of(forward, t, sp.Interval.open(inter.inf, inter.sup))


def build_program(base, layers) -> Program:
    """Assemble the inverse-pass program of ``base`` pushed through ``layers``."""
    k = len(layers)
    z0 = layers[0].input_symbol if layers else symbol_on("z_0", base.support)
    symbols = [z0] + [layer.output_symbol for layer in layers]
    # the output symbol of layer i is the input symbol of layer i + 1 (same set, same name)
    for i, layer in enumerate(layers[1:], start=1):
        symbols[i] = layer.input_symbol
    support = layers[-1].image if layers else base.support

    forward = tuple(
        Assignment(
            symbols[i + 1], _smooth_forward(layer).xreplace({layer.input_symbol: symbols[i]})
        )
        for i, layer in enumerate(layers)
    )

    walks: list[tuple[tuple[int, ...], sp.Interval]] = [((), base.support)]
    for layer in layers:
        nxt = []
        for chosen, region in walks:
            for b_index, branch in enumerate(layer.branches):
                image = _region(layer, branch, region)
                if image is not None and not image.is_empty:
                    nxt.append(((*chosen, b_index), image))
        walks = nxt
    walks, joints = close_joints(base, layers, walks)
    support = _joined(support, joints)
    x = symbol_on("x", support)

    paths = []
    log_p = sp.Symbol("log_p", real=True)
    for chosen, region in walks:
        assignments = [Assignment(symbols[k], x)]
        for i in range(k, 0, -1):
            layer = layers[i - 1]
            branch = layer.branches[chosen[i - 1]]
            inv = branch.inverse.xreplace({layer.output_symbol: symbols[i]})
            assignments.append(Assignment(symbols[i - 1], inv))
        log_dets = []
        in_outputs = []
        for i in range(1, k + 1):
            layer = layers[i - 1]
            branch = layer.branches[chosen[i - 1]]
            li = sp.Symbol(f"l_{i}", real=True)
            term = branch.log_abs_det_jacobian.xreplace({layer.input_symbol: symbols[i - 1]})
            assignments.append(Assignment(li, term, "log_det"))
            log_dets.append(li)
            if branch.forward is not None and not branch.implicit:
                t = layer.input_symbol
                read = in_output(
                    branch.log_abs_det_jacobian, branch.forward, t, symbols[i], branch.piece
                )
                if read != branch.log_abs_det_jacobian:
                    in_outputs.append((li, read.xreplace({t: symbols[i - 1]})))
        result = base.log_density(symbols[0]) - sp.Add(*log_dets)
        assignments.append(Assignment(log_p, result, "result"))
        ranges = [(symbols[k], region)] if k else [(symbols[0], base.support)]
        for i in range(k, 0, -1):
            ranges.append((symbols[i - 1], layers[i - 1].branches[chosen[i - 1]].piece))
        ranges = [(s, r) for s, r in ranges if isinstance(r, sp.Interval)]
        paths.append(
            Path(
                chosen,
                region,
                tuple(assignments),
                log_p,
                ranges=tuple(ranges),
                log_dets_in_outputs=tuple(in_outputs),
            )
        )

    params = set(base.free_symbols)
    for layer in layers:
        params |= layer.transform.parameters
    return Program(
        x=x,
        singular_points=_singular_points(layers),
        support=support,
        paths=tuple(paths),
        forward=forward,
        base_symbol=symbols[0],
        base=base,
        parameters=tuple(sorted(params, key=lambda s: s.name)),
    )


#: kinks written without a Piecewise: f is read from its branches' smooth forms instead
_KINKS = (sp.Abs, sp.sign, sp.Min, sp.Max, sp.Heaviside)


def _smooth_forward(layer) -> sp.Expr:
    """f as a Piecewise of its branches' smooth forms, in the order of their pieces,
    where f writes a kink with Abs, sign, Min, Max or Heaviside: −sign(u − ½)·log(1 −
    2|u − ½|) is log(2u) below ½, which keeps its digits at u = 1e-300 (1 − 2|u − ½| is
    0 there). The value at a point where two pieces meet is the right piece's."""
    if not layer.forward.has(*_KINKS) or len(layer.branches) < 2:
        return layer.forward
    branches = _in_order(layer.branches)
    if branches is None:
        return layer.forward
    t = layer.input_symbol
    parts: list[tuple[sp.Expr, sp.Basic]] = []
    for b in branches:
        if parts and parts[-1][0] == b.forward:
            parts[-1] = (b.forward, t < b.piece.sup)
        else:
            parts.append((b.forward, t < b.piece.sup))
    parts[-1] = (parts[-1][0], sp.true)
    return sp.Piecewise(*parts) if len(parts) > 1 else parts[0][0]


def _in_order(branches) -> list | None:
    """The branches sorted by their pieces, or None where a piece has an end that is not
    a number, a branch has no smooth form, or the pieces do not follow one another."""
    ends = [e for b in branches for e in (b.piece.inf, b.piece.sup)]
    if any(b.forward is None for b in branches) or not all(e.is_number for e in ends):
        return None
    ordered = sorted(branches, key=lambda b: float(b.piece.inf))
    if any(a.piece.sup != b.piece.inf for a, b in zip(ordered, ordered[1:], strict=False)):
        return None
    return ordered


def close_joints(base, layers, walks) -> tuple[list, tuple]:
    """The walks with the joints of their regions closed, and those joints.

    A joint is a finite point c between two regions (c ends one and starts another, and
    no region holds it) that the map attains: c = f(p) for a point p inside the base's
    support (the image of a point where two pieces of f meet, u = ½ of the Laplace
    quantile map). It belongs to the support; the density there is its right limit (the
    paths starting at c are closed at c, as scipy's laplace_asymmetric and rv_histogram
    take x ≥ c there), which is the continuous extension where the one-sided limits
    agree. Where no path starting at c attains it, the paths ending at c that do are
    closed instead (the left limit). A point that is not attained (0 of 1/z) stays out.
    """
    regions = [r for _, r in walks]
    if not all(isinstance(r, sp.Interval) for r in regions):
        return walks, ()
    joints = []
    walks = list(walks)
    for c in _shared_ends(regions):
        for side in ("+", "-"):
            closing = [
                k
                for k, (chosen, region) in enumerate(walks)
                if (region.inf if side == "+" else region.sup) == c
                and _attains(base, layers, chosen, c, side)
            ]
            if closing:
                break
        for k in closing:
            chosen, region = walks[k]
            closed = (
                sp.Interval(c, region.sup, False, region.right_open)
                if side == "+"
                else sp.Interval(region.inf, c, region.left_open, False)
            )
            walks[k] = (chosen, closed)
        if closing:
            joints.append(c)
    return walks, tuple(joints)


def _joined(support: sp.Set, joints: tuple) -> sp.Set:
    """``support`` with its intervals that meet at a joint merged into one.

    Done interval by interval, as SymPy leaves (−∞, μ) ∪ {μ} ∪ (μ, ∞) unmerged where μ
    is a parameter."""
    if not joints:
        return support
    intervals = intervals_of(support)
    if intervals is None:
        return sp.Union(support, sp.FiniteSet(*joints))
    merged = [intervals[0]]
    for iv in intervals[1:]:
        last = merged[-1]
        if last.sup == iv.inf and iv.inf in joints:
            merged[-1] = sp.Interval(last.inf, iv.sup, last.left_open, iv.right_open)
        else:
            merged.append(iv)
    joined = sp.Union(*merged)
    return sp.S.Reals if joined == sp.S.Reals else joined


def _shared_ends(regions) -> list:
    """Finite points that end one region and start another and lie in none of them."""
    ends = {r.sup for r in regions if r.sup != sp.oo} & {r.inf for r in regions if r.inf != -sp.oo}
    return [
        c
        for c in sorted(ends, key=sp.default_sort_key)
        if all(r.contains(c) == sp.false for r in regions)
    ]


def _attains(base, layers, chosen, c, side: str) -> bool:
    """c, an end of the walk ``chosen``'s region on ``side``, is f(p) for a point p inside
    the base's support: the walk's inverse pass has a finite limit p at c that the
    forward map takes back to c exactly."""
    value = c
    for layer, b_index in zip(reversed(layers), reversed(chosen), strict=True):
        branch = layer.branches[b_index]
        value = _preimage(branch, layer.output_symbol, value, side)
        if value is None or not is_finite_number(value) or value.is_real is False:
            return False
        side = side if branch.direction > 0 else ("-" if side == "+" else "+")
    if base.support.contains(value) != sp.true:
        return False
    for layer in layers:
        value = attempt(
            lambda v=value, lay=layer: lay.forward.xreplace({lay.input_symbol: v}), 2.0, None
        )
        if value is None or not is_finite_number(value):
            return False
    return attempt(lambda: sp.simplify(value - c) == 0, 3.0, False)


def _preimage(branch, y: sp.Symbol, value: sp.Expr, side: str) -> sp.Expr | None:
    """lim g(y) as y -> value from ``side`` for the branch's inverse g: the matching end
    of its piece where ``value`` ends its image (an implicit inverse too), else the
    limit of g's closed form."""
    from symflow.core.layer import ImplicitInverse

    end = branch.image.inf if side == "+" else branch.image.sup
    if end == value:
        lower = (side == "+") == (branch.direction > 0)
        return branch.piece.inf if lower else branch.piece.sup
    if branch.inverse.has(ImplicitInverse):
        return None
    return endpoint_value(branch.inverse, y, value, side)


def _singular_points(layers) -> tuple:
    """Stationary points of every layer pushed forward through the later layers."""
    points: list = []
    for i, layer in enumerate(layers):
        for branch in layer.branches:
            for p in branch.stationary:
                value = p
                for later in layers[i:]:
                    if value is None:
                        break
                    if later is not layer:
                        value = _forward_point(later, value)
                    else:
                        value = (branch.forward or layer.forward).xreplace({layer.input_symbol: p})
                if value is not None and value.is_number and is_finite_number(value):
                    points.append(value)
    return tuple(points)


def _forward_point(layer, value):
    for branch in layer.branches:
        if branch.piece.contains(value) == sp.true:
            return (branch.forward or layer.forward).xreplace({layer.input_symbol: value})
    return None


def _coordinate_ranges(condition: sp.Basic, symbols) -> tuple:
    """(z_j, open interval) for each base coordinate that the support condition bounds on
    its own (a product of intervals: a Dirichlet's simplex bounds none), for the edge pass
    of :attr:`Path.kernel_assignments`."""
    relations = sp.And.make_args(condition) if condition != sp.true else ()
    ranges = []
    for z in symbols:
        own = [r for r in relations if r.free_symbols == {z}]
        if not own:
            continue
        try:
            interval = sp.Intersection(*[r.as_set() for r in own])
        except (NotImplementedError, TypeError, ValueError):
            continue
        if isinstance(interval, sp.Interval) and interval.measure > 0:
            ranges.append((z, sp.Interval.open(interval.inf, interval.sup)))
    return tuple(ranges)


def build_vector_program(base, layers) -> VectorProgram:
    """The inverse-pass program of a d-dimensional flow (one path: vector layers are
    bijections). Its support is a Boolean condition on the inputs x_1, …, x_d."""
    d = base.dimension
    if layers:
        z0 = layers[0].input_symbols
    else:
        z0 = tuple(sp.Symbol(f"z_0_{j + 1}", real=True) for j in range(d))
    symbols = [z0] + [layer.output_symbols for layer in layers]
    xs = tuple(sp.Symbol(f"x{j + 1}", real=True) for j in range(d))
    k = len(layers)
    forward = []
    for i, layer in enumerate(layers):
        env = dict(zip(layer.input_symbols, symbols[i], strict=True))
        for j, e in enumerate(layer.forward):
            forward.append(Assignment(symbols[i + 1][j], e.xreplace(env)))
    assignments = [Assignment(s, x) for s, x in zip(symbols[k], xs, strict=True)]
    conditions = []
    for i in range(k, 0, -1):
        layer = layers[i - 1]
        for j in layer.inverse_order:  # autoregressive order: earlier coordinates first
            assignments.append(Assignment(symbols[i - 1][j], layer.inverse[j]))
        conditions.extend(layer.domain)
    log_dets = []
    for i in range(1, k + 1):
        li = sp.Symbol(f"l_{i}", real=True)
        assignments.append(Assignment(li, layers[i - 1].log_abs_det_jacobian, "log_det"))
        log_dets.append(li)
    log_p = sp.Symbol("log_p", real=True)
    assignments.append(
        Assignment(log_p, base.log_density(list(symbols[0])) - sp.Add(*log_dets), "result")
    )
    base_condition = base.support_condition(list(symbols[0]))
    checks = tuple(c for c in (*conditions, base_condition) if c != sp.true)
    region: sp.Basic = sp.true
    if checks:
        # the support in x: only inlined when there is a condition to state
        values: dict[sp.Symbol, sp.Expr] = {}
        for a in assignments:
            if a.kind == "state":
                values[a.target] = a.value.xreplace(values)
        region = sp.And(*[c.xreplace(values) for c in checks])
    path = Path(
        tuple(0 for _ in layers),
        region,
        tuple(assignments),
        log_p,
        checks,
        # the inputs on the whole line (no edge), so that logs of their functions expand
        tuple((s, sp.Interval(-sp.oo, sp.oo)) for s in symbols[k] if k)
        + _coordinate_ranges(base_condition, symbols[0]),
    )
    params = set(base.free_symbols)
    for layer in layers:
        params |= layer.transform.parameters
    return VectorProgram(
        inputs=xs,
        support=region,
        paths=(path,),
        forward=tuple(forward),
        base_symbols=tuple(symbols[0]),
        base=base,
        parameters=tuple(sorted(params, key=lambda s: s.name)),
    )


def standard_draws(program: Program):
    """t ↦ loc + scale·t for a location-scale base whose draws can overflow float64 where
    the flow's values do not (a location or scale of 2⁹⁶⁹ or more: N(0, 1e308) moved by
    1e308), so that sampling pushes standard draws through the whole map; else None.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z, t = sp.symbols("z t", real=True)
    >>> far = sf.Flow(sf.Normal(0, 1e308), [sf.Transform(z + 1e308, z)])
    >>> near = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + 3, z)])
    >>> standard_draws(far.program)(t) == sp.Integer(10) ** 308 * t, standard_draws(near.program)
    (True, None)
    """
    from symflow.core.bases.families import LocationScale

    base = getattr(program, "base", None)
    if not (isinstance(base, LocationScale) and base.inline_kernel_forms and program.forward):
        return None
    return lambda t: base.loc + base.scale * t
