"""Reverse-mode (adjoint) and forward-over-reverse differentiation of a Program path.

A path is a list of assignments t = v(earlier targets, inputs, θ) ending in log p. Its
gradient with respect to the parameters θ is computed backwards (the adjoint method):

    t̄ = Σ_{assignments u = w(…, t, …) after t} ū · ∂w/∂t,      log p̄ = 1,
    ∂ log p/∂θ_j = Σ_{assignments u = w(…, θ_j)} ū · ∂w/∂θ_j,

one new assignment per target, so the gradient costs a small constant times one
evaluation of log p whatever the number of parameters. An implicit inverse w = h(y; θ),
f(w; θ) = y, is first given an assignment of its own and differentiated by the implicit
function theorem: ∂w/∂y = 1/f'(w), ∂w/∂θ = −∂f/∂θ(w)/f'(w).

Hessian-vector products H·v are the directional derivatives of that gradient along v
(forward mode over the reverse pass): each assignment t = v(s…) gets a tangent
ṫ = Σ_s ∂v/∂s · ṡ, with θ̇ = v, and (H v)_j is the tangent of ∂ log p/∂θ_j.

Everything here is symbolic (SymPy only); :mod:`symflow.codegen.train_kernel` compiles it.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.program import Assignment
>>> x, a, b, t, lp = sp.symbols("x a b t log_p", real=True)
>>> path = [Assignment(t, (x - b) * sp.exp(-a)), Assignment(lp, -t**2 / 2 - a, "result")]
>>> g = reverse_gradient(path, lp, (a, b))
>>> [str(s) for s in g.gradient]
['grad_a', 'grad_b']
>>> for line in g.assignments[2:]:
...     print(line)
adj_t = -t
grad_a = -adj_t*(-b + x)*exp(-a) - 1
grad_b = -adj_t*exp(-a)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symflow.core.bases.functions import LogSumExp
from symflow.core.program import Assignment

__all__ = [
    "Gradient",
    "branches_gradient",
    "branches_hvp",
    "Tangent",
    "cancel_inverse_pairs",
    "hoist_implicit",
    "kinked_parameters",
    "off_jumps",
    "partials",
    "reverse_gradient",
    "tangent",
]


@dataclass(frozen=True)
class Gradient:
    """The assignments of log p and its gradient; ``gradient[j]`` is ∂ log p/∂θ_j
    (a target of ``assignments`` or the number 0)."""

    assignments: tuple[Assignment, ...]
    result: sp.Symbol
    gradient: tuple[sp.Expr, ...]


@dataclass(frozen=True)
class Tangent:
    """Tangents along ``direction`` (one symbol per parameter): ``partials`` are the
    local derivatives ∂w/∂s, which do not depend on the direction, and ``assignments``
    the tangents ṫ = Σ_s ∂w/∂s · ṡ themselves (linear in the direction);
    ``derivatives[k]`` is the tangent of ``of[k]`` (a target or 0)."""

    partials: tuple[Assignment, ...]
    assignments: tuple[Assignment, ...]
    direction: tuple[sp.Symbol, ...]
    derivatives: tuple[sp.Expr, ...]


def _fresh(name: str, taken: set[str]) -> sp.Symbol:
    candidate, n = name, 1
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    return sp.Symbol(candidate, real=True)


#: f(g(w)) = w for every real w: the outer function applied to a state defined by the inner
_INVERSE_PAIRS = {sp.asinh: sp.sinh, sp.sinh: sp.asinh, sp.log: sp.exp, sp.atanh: sp.tanh}


def cancel_inverse_pairs(assignments: Sequence[Assignment]) -> list[Assignment]:
    """Replace f(s) by w where the state s = g(w) and f(g(w)) = w for all real w
    (asinh∘sinh, sinh∘asinh, log∘exp, atanh∘tanh); SymPy then simplifies what remains.

    A sinh-arcsinh layer's log|det| in its input z_0 = sinh(w) contains
    log cosh(d·asinh(z_0) − e); with asinh(z_0) = w this is log cosh(asinh(z_1)),
    which SymPy evaluates to log √(1 + z_1²): two transcendental calls fewer, and
    fewer again in each derivative.
    """
    states: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for a in assignments:
        value = a.value
        swap = {}
        for f in value.atoms(sp.Function):
            inner_type = _INVERSE_PAIRS.get(type(f))
            arg = f.args[0] if len(f.args) == 1 else None
            if inner_type is None or arg not in states:
                continue
            inner = states[arg]
            if isinstance(inner, inner_type):
                swap[f] = inner.args[0]
        if swap:
            value = value.xreplace(swap)
        if a.kind == "state":
            states[a.target] = value
        out.append(Assignment(a.target, value, a.kind) if swap else a)
    return out


def hoist_implicit(assignments: Sequence[Assignment]) -> list[Assignment]:
    """Give every implicit inverse h(y) its own assignment ``w = h(y)`` (kind 'implicit')
    placed just before its first use, so that it can be differentiated on its own."""
    from symflow.core.layer import ImplicitInverse

    taken = {a.target.name for a in assignments}
    out: list[Assignment] = []
    named: dict[sp.Basic, sp.Symbol] = {}
    for a in assignments:
        value = a.value
        while True:
            atoms = [
                f
                for f in value.atoms(sp.Function)
                if isinstance(f, ImplicitInverse) and not f.args[0].has(ImplicitInverse)
            ]
            if not atoms:
                break
            for atom in sorted(atoms, key=sp.default_sort_key):
                if atom not in named:
                    named[atom] = _fresh(f"w_{a.target.name}", taken)
                    out.append(Assignment(named[atom], atom, "implicit"))
            value = value.xreplace(named)
        out.append(Assignment(a.target, value, a.kind) if value is not a.value else a)
    return out


def _ordered(symbols: set[sp.Symbol]) -> list[sp.Symbol]:
    """``symbols`` in SymPy's canonical order, not the set's (which changes with the hash
    seed, and with it the order of the generated statements and the kernel's source)."""
    return sorted(symbols, key=sp.default_sort_key)


def partials(a: Assignment, wrt: set[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """∂ value/∂s for the symbols s of ``wrt`` that the assignment's value depends on
    (in canonical order).

    For an implicit inverse w = h(y(s); θ) with f(w; θ) = y: (∂y/∂s − ∂f/∂s(w)) / f'(w).
    """
    from symflow.core.layer import ImplicitInverse

    value = a.value
    if a.kind == "implicit" and isinstance(value, ImplicitInverse):
        cls = type(value)
        t, arg = cls.variable, value.args[0]
        forward = cls.forward
        slope = sp.diff(forward, t).xreplace({t: a.target})
        out = {}
        for s in _ordered((arg.free_symbols | (forward.free_symbols - {t})) & wrt):
            d = sp.diff(arg, s) - sp.diff(forward, s).xreplace({t: a.target})
            if d != 0:
                out[s] = d / slope
        return out
    out = {}
    for s in _ordered(value.free_symbols & wrt):
        d = off_jumps(sp.diff(value, s))
        if d != 0:
            out[s] = d
    return out


def off_jumps(derivative: sp.Expr) -> sp.Expr:
    """``derivative`` with DiracDelta terms (and their derivatives) set to 0: the
    derivative almost everywhere. sign(u) (the derivative of |u|) and Heaviside(u) (of
    Max(u, 0)) are constant off u = 0, where the derivative of the log-density is not
    defined anyway.

    Examples
    --------
    >>> u = sp.Symbol("u", real=True)
    >>> off_jumps(sp.diff(sp.Abs(u) + u**2, u, 2))
    2
    """
    if not derivative.has(sp.DiracDelta):
        return derivative
    return derivative.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))


#: functions whose value or derivative jumps where their argument crosses a point:
#: a log-density built from them is only piecewise smooth in what moves that argument
KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise, sp.floor, sp.ceiling)


def kinked_parameters(paths: Sequence, parameters: Sequence[sp.Symbol]) -> set[sp.Symbol]:
    """The parameters θ_j in which some path's log-density has kinks: θ_j moves the
    argument of |u|, sign(u), Heaviside(u), Max, Min, floor, ceiling or a Piecewise
    condition, or the region where a path applies (when there are several). There the
    log-likelihood is only piecewise smooth in θ_j: its derivative jumps where a data
    point crosses u = 0, and its curvature is 0 almost everywhere.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from symflow.core.program import Assignment
    >>> x, mu, s, t, lp = sp.symbols("x mu s t log_p", real=True)
    >>> path = SimpleNamespace(region=sp.Reals, assignments=(
    ...     Assignment(t, (x - mu) / s), Assignment(lp, -sp.Abs(t) - sp.log(2 * s))))
    >>> sorted(kinked_parameters([path], (mu, s)), key=str)
    [mu, s]
    >>> path = SimpleNamespace(region=sp.Reals, assignments=(
    ...     Assignment(t, (x - mu) / s), Assignment(lp, -t**2 / 2 - sp.log(s))))
    >>> kinked_parameters([path], (mu, s))
    set()
    """
    params = set(parameters)
    out: set[sp.Symbol] = set()
    for path in paths:
        depends: dict[sp.Symbol, set[sp.Symbol]] = {}

        def on(expr: sp.Basic, depends=depends) -> set[sp.Symbol]:
            found: set[sp.Symbol] = set()
            for s in expr.free_symbols:
                found |= depends.get(s, {s} & params)
            return found

        for a in path.assignments:
            for atom in a.value.atoms(*KINKS):
                args = (
                    atom.args if not isinstance(atom, sp.Piecewise) else [c for _, c in atom.args]
                )
                for arg in args:
                    out |= on(arg)
            depends[a.target] = on(a.value)
        if len(paths) > 1:
            out |= on(path.region)
    return out


def reverse_gradient(
    assignments: Sequence[Assignment], result: sp.Symbol, parameters: Sequence[sp.Symbol]
) -> Gradient:
    """The assignments of log p followed by its adjoints and its gradient in θ.

    Parameters
    ----------
    assignments : sequence of Assignment
        One path of a Program (targets in evaluation order, ``result`` last).
    result : Symbol
        The target holding log p.
    parameters : sequence of Symbol
        The parameters θ to differentiate by.

    Returns
    -------
    Gradient
        ``assignments`` (implicit inverses hoisted, then ``adj_<t>`` for each target t
        on which log p depends, then ``grad_<θ_j>``) and the gradient symbols.
    """
    forward = hoist_implicit(cancel_inverse_pairs(assignments))
    targets = {a.target for a in forward}
    params = tuple(parameters)
    wrt = targets | set(params)
    taken = {s.name for s in wrt} | {s.name for a in forward for s in a.value.free_symbols}
    adjoint: dict[sp.Symbol, list[sp.Expr]] = {result: [sp.Integer(1)]}
    grad: dict[sp.Symbol, list[sp.Expr]] = {p: [] for p in params}
    backward: list[Assignment] = []
    for a in reversed(forward):
        terms = adjoint.pop(a.target, None)
        if not terms:
            continue
        if a.target == result:
            bar: sp.Expr = sp.Add(*terms)
        else:
            bar = _fresh(f"adj_{a.target.name}", taken)
            backward.append(Assignment(bar, sp.Add(*terms), "adjoint"))
        for s, d in partials(a, wrt).items():
            (grad if s in grad else adjoint).setdefault(s, []).append(bar * d)
    gradient: list[sp.Expr] = []
    for p in params:
        if grad[p]:
            g = _fresh(f"grad_{p.name}", taken)
            backward.append(Assignment(g, sp.Add(*grad[p]), "gradient"))
            gradient.append(g)
        else:
            gradient.append(sp.Integer(0))
    return Gradient(tuple(forward) + tuple(backward), result, tuple(gradient))


def tangent(
    assignments: Sequence[Assignment],
    parameters: Sequence[sp.Symbol],
    of: Sequence[sp.Expr],
    prefix: str = "v",
    direction: Sequence[sp.Symbol] | None = None,
    taken: set[str] | None = None,
) -> Tangent:
    """Directional derivatives of the targets ``of`` along a direction v in θ.

    Each assignment t = w(s…) with a dependence on θ gets ``dot_<t> = Σ_s ∂w/∂s · ṡ``
    (θ̇_j = v_j, a new symbol ``<prefix>_<θ_j>`` unless ``direction`` gives them). Applied
    to the assignments of :func:`reverse_gradient` with ``of`` its gradient, this gives
    H·v. ``taken`` (updated) holds names the new symbols must avoid besides those of the
    assignments.
    """
    params = tuple(parameters)
    taken = set() if taken is None else taken
    taken |= {a.target.name for a in assignments} | {p.name for p in params}
    taken |= {s.name for a in assignments for s in a.value.free_symbols}
    if direction is None:
        direction = tuple(_fresh(f"{prefix}_{p.name}", taken) for p in params)
    direction = tuple(direction)
    taken |= {v.name for v in direction}
    dot: dict[sp.Symbol, sp.Expr] = dict(zip(params, direction, strict=True))
    wrt = {a.target for a in assignments} | set(params)
    local: list[Assignment] = []
    out: list[Assignment] = []
    for a in assignments:
        terms = []
        for s, d in partials(a, wrt).items():
            if s not in dot:
                continue
            if not (d.is_Atom or (d.is_Mul and len(d.args) == 2 and d.args[0].is_Number)):
                j = _fresh(f"J_{a.target.name}_{s.name}", taken)
                local.append(Assignment(j, d, "partial"))
                d = j
            terms.append(d * dot[s])
        if terms:
            t = _fresh(f"dot_{a.target.name}", taken)
            out.append(Assignment(t, sp.Add(*terms), "tangent"))
            dot[a.target] = t
    derivatives = tuple(sp.Integer(0) if e == 0 else dot.get(e, sp.Integer(0)) for e in of)
    return Tangent(tuple(local), tuple(out), direction, derivatives)


@dataclass(frozen=True)
class _Branches:
    """The pieces of a log-sum-exp over paths: every assignment (paths, their reverse
    passes, r_b, log p, w_b, ∇ log p), and per path b its own assignments, the target
    holding its log-density, its region-selected r_b, weight w_b and gradient ∇r_b."""

    gradient: Gradient
    own: tuple[tuple[Assignment, ...], ...]
    values: tuple[sp.Symbol, ...]
    weights: tuple[sp.Symbol, ...]
    gradients: tuple[tuple[sp.Expr, ...], ...]
    taken: frozenset[str]


def _selected(weight: sp.Symbol, value: sp.Expr) -> sp.Expr:
    """w·value where w > 0, else 0, selected (never multiplied: off its region a path's
    value may be NaN)."""
    return sp.Piecewise((weight * value, sp.StrictGreaterThan(weight, 0)), (0, True))


def _branches(paths: Sequence, parameters: Sequence[sp.Symbol], x: sp.Symbol) -> _Branches:
    params = tuple(parameters)
    taken = {p.name for p in params} | {x.name}
    assignments: list[Assignment] = []
    results, values, weights, gradients, owns = [], [], [], [], []
    for b, path in enumerate(paths, start=1):
        own = {a.target: sp.Symbol(f"{a.target.name}_b{b}", real=True) for a in path.assignments}
        renamed = [
            Assignment(own[a.target], a.value.xreplace(own), a.kind) for a in path.assignments
        ]
        grad = reverse_gradient(renamed, own[path.result], params)
        named: dict[sp.Expr, sp.Expr] = {}
        mine = []
        for a in grad.assignments:
            if a.kind == "gradient":
                named[a.target] = sp.Symbol(f"{a.target.name}_b{b}", real=True)
                a = Assignment(named[a.target], a.value, a.kind)
            mine.append(a)
        assignments += mine
        owns.append(tuple(mine))
        taken |= {a.target.name for a in assignments}
        gradients.append(tuple(named.get(g, sp.Integer(0)) for g in grad.gradient))
        r = _fresh(f"lp_b{b}", taken)
        value = own[path.result]
        region = path.region.as_relational(x)
        assignments.append(Assignment(r, sp.Piecewise((value, region), (-sp.oo, True)), "branch"))
        results.append(r)
        values.append(value)
    result = _fresh("log_p", taken)
    assignments.append(Assignment(result, LogSumExp(*results), "result"))
    for b, r in enumerate(results, start=1):
        w = _fresh(f"w_b{b}", taken)
        assignments.append(Assignment(w, sp.exp(r - result), "weight"))
        weights.append(w)
    gradient: list[sp.Expr] = []
    for j, p in enumerate(params):
        # w_b > 0 holds only where path b is in its region with r_b > −∞ (w_b is 0, or
        # NaN when every path is −∞ and the point has zero density)
        terms = [_selected(w, g[j]) for w, g in zip(weights, gradients, strict=True) if g[j] != 0]
        if not terms:
            gradient.append(sp.Integer(0))
            continue
        target = _fresh(f"grad_{p.name}", taken)
        assignments.append(Assignment(target, sp.Add(*terms), "gradient"))
        gradient.append(target)
    return _Branches(
        Gradient(tuple(assignments), result, tuple(gradient)),
        tuple(owns),
        tuple(values),
        tuple(weights),
        tuple(gradients),
        frozenset(taken),
    )


def branches_gradient(paths: Sequence, parameters: Sequence[sp.Symbol], x: sp.Symbol) -> Gradient:
    """log p = log Σ_b m_b·exp(r_b) over the paths b whose region holds x, and its gradient
    ∇ log p = Σ_b w_b ∇r_b with the weights w_b = m_b·exp(r_b − log p).

    Each path's assignments and reverse pass (:func:`reverse_gradient`) get their own
    names (suffix ``_b1``, ``_b2``, …). A path outside its region, or with r_b = −∞ there,
    enters as r_b = −∞ with weight 0, and its gradient terms are *selected* away where
    w_b = 0 (a Piecewise), never multiplied by 0: off its region a path may compute NaN.

    Parameters
    ----------
    paths : sequence of Path
        The program's paths (each with ``assignments``, ``result`` and ``region``).
    parameters : sequence of Symbol
        θ.
    x : Symbol
        The symbol the regions are stated in (a plain real symbol, so that the
        conditions are not decided by the assumptions of the program's x).

    Examples
    --------
    >>> from types import SimpleNamespace as Path
    >>> x, m, r = sp.symbols("x m r", real=True)
    >>> up = Path(assignments=(Assignment(r, -(x - m) ** 2 / 2, "result"),), result=r,
    ...           region=sp.Interval(0, sp.oo))
    >>> down = Path(assignments=(Assignment(r, -(x + m) ** 2 / 2, "result"),), result=r,
    ...             region=sp.Interval(-sp.oo, 0))
    >>> g = branches_gradient([up, down], [m], x)
    >>> for a in g.assignments[-4:-1]:
    ...     print(a)
    log_p = LogSumExp(lp_b1, lp_b2)
    w_b1 = exp(-log_p + lp_b1)
    w_b2 = exp(-log_p + lp_b2)
    >>> print(g.assignments[-1].value.args[0])
    Piecewise((grad_m_b1*w_b1, w_b1 > 0), (0, True))
    """
    return _branches(paths, parameters, x).gradient


def branches_hvp(
    paths: Sequence, parameters: Sequence[sp.Symbol], x: sp.Symbol
) -> tuple[Gradient, Tangent]:
    """The gradient of log p = log Σ_b exp(r_b) (:func:`branches_gradient`) and its
    Hessian-vector products, the adjoint of the log-sum-exp:

        ∇² log p · v = Σ_b w_b (∇²r_b · v + (∇r_b·v) ∇r_b) − (∇ log p·v) ∇ log p,

    from dw_b = w_b (dr_b − d log p). Each path's H_b·v and ∇r_b·v are its own tangent
    pass (:func:`tangent`, along one direction shared by the paths); every term of path
    b is selected away where w_b = 0, as in the gradient.

    Returns
    -------
    (Gradient, Tangent)
        The Tangent's ``derivatives`` are the components of ∇² log p · v.

    Examples
    --------
    Two paths r_± = −(x ∓ m)²/2 on x ≥ 0: ∂² log p/∂m² = −1 + w_+·w_−·(∂r_+ − ∂r_−)²,
    at x = 1, m = 1/2 (∂r_+ = 1/2, ∂r_− = −3/2, w_+/w_− = e) −1 + 4e/(1 + e)².

    >>> from types import SimpleNamespace as Path
    >>> x, m, r = sp.symbols("x m r", real=True)
    >>> up = Path(assignments=(Assignment(r, -(x - m) ** 2 / 2, "result"),), result=r,
    ...           region=sp.Interval(0, sp.oo))
    >>> down = Path(assignments=(Assignment(r, -(x + m) ** 2 / 2, "result"),), result=r,
    ...             region=sp.Interval(0, sp.oo))
    >>> grad, tan = branches_hvp([up, down], [m], x)
    >>> env = {x: 1, m: sp.Rational(1, 2), tan.direction[0]: 1}
    >>> for a in (*grad.assignments, *tan.partials, *tan.assignments):
    ...     env[a.target] = a.value.xreplace(env)
    >>> e = sp.E
    >>> abs(sp.N(tan.derivatives[0].xreplace(env) - (-1 + 4 * e / (1 + e) ** 2), 50)) < 1e-45
    True
    """
    parts = _branches(paths, parameters, x)
    params = tuple(parameters)
    taken = set(parts.taken)
    direction = tuple(_fresh(f"v_{p.name}", taken) for p in params)
    partial_steps: list[Assignment] = []
    steps: list[Assignment] = []
    slopes, hvps = [], []
    for own, value, g in zip(parts.own, parts.values, parts.gradients, strict=True):
        tan = tangent(own, params, (*g, value), direction=direction, taken=taken)
        partial_steps += tan.partials
        steps += tan.assignments
        hvps.append(tan.derivatives[:-1])
        slopes.append(tan.derivatives[-1])  # ṙ_b = ∇r_b · v
    along = _fresh("dot_log_p", taken)  # ∇ log p · v
    steps.append(
        Assignment(
            along,
            sp.Add(*[_selected(w, s) for w, s in zip(parts.weights, slopes, strict=True)]),
            "tangent",
        )
    )
    derivatives: list[sp.Expr] = []
    for j, p in enumerate(params):
        total = parts.gradient.gradient[j]
        terms = [
            _selected(w, h[j] + s * g[j])
            for w, h, s, g in zip(parts.weights, hvps, slopes, parts.gradients, strict=True)
            if h[j] != 0 or (s != 0 and g[j] != 0)
        ]
        if not terms and total == 0:
            derivatives.append(sp.Integer(0))
            continue
        target = _fresh(f"hvp_{p.name}", taken)
        steps.append(Assignment(target, sp.Add(*terms) - along * total, "tangent"))
        derivatives.append(target)
    return parts.gradient, Tangent(
        tuple(partial_steps), tuple(steps), direction, tuple(derivatives)
    )
