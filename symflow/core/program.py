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

from dataclasses import dataclass, field

import sympy as sp

from symflow.core.intervals import symbol_on
from symflow.core.inverse import image_of

__all__ = ["Assignment", "Path", "Program", "build_program"]


@dataclass(frozen=True)
class Assignment:
    """target = value; ``kind`` is 'state', 'log_det' or 'result'."""

    target: sp.Symbol
    value: sp.Expr
    kind: str = "state"

    def __str__(self) -> str:
        return f"{self.target} = {self.value}"


@dataclass(frozen=True)
class Path:
    """One inverse path: the branch taken in each layer and where in x it applies."""

    branch_indices: tuple[int, ...]
    region: sp.Interval
    assignments: tuple[Assignment, ...]
    result: sp.Symbol
    multiplicity: int = 1

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


@dataclass(frozen=True)
class Program:
    """The inverse pass of a flow (all paths) and its forward pass (for sampling)."""

    x: sp.Symbol
    support: sp.Set
    paths: tuple[Path, ...]
    forward: tuple[Assignment, ...]
    base_symbol: sp.Symbol
    base: object = None
    parameters: tuple[sp.Symbol, ...] = field(default=())

    def base_density(self, z: sp.Expr) -> sp.Expr:
        """p_Z at ``z`` (the base's own product form)."""
        return self.base.density(z)

    @property
    def is_bijective(self) -> bool:
        return len(self.paths) == 1


def _region(layer, branch, region: sp.Interval) -> sp.Interval | None:
    """f_i(region ∩ piece), or None when the intersection has no length."""
    inter = sp.Intersection(region, branch.piece)
    if inter.is_empty or inter.measure == 0:
        return None
    if not isinstance(inter, sp.Interval):
        return None
    if inter == branch.piece:
        return branch.image
    t = layer.input_symbol
    return image_of(layer.forward, t, sp.Interval.open(inter.inf, inter.sup))


def build_program(base, layers) -> Program:
    """Assemble the inverse-pass program of ``base`` pushed through ``layers``."""
    k = len(layers)
    z0 = layers[0].input_symbol if layers else symbol_on("z_0", base.support)
    symbols = [z0] + [layer.output_symbol for layer in layers]
    # the output symbol of layer i is the input symbol of layer i + 1 (same set, same name)
    for i, layer in enumerate(layers[1:], start=1):
        symbols[i] = layer.input_symbol
    support = layers[-1].image if layers else base.support
    x = symbol_on("x", support)

    forward = tuple(
        Assignment(symbols[i + 1], layer.forward.xreplace({layer.input_symbol: symbols[i]}))
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
        for i in range(1, k + 1):
            layer = layers[i - 1]
            branch = layer.branches[chosen[i - 1]]
            li = sp.Symbol(f"l_{i}", real=True)
            term = branch.log_abs_det_jacobian.xreplace({layer.input_symbol: symbols[i - 1]})
            assignments.append(Assignment(li, term, "log_det"))
            log_dets.append(li)
        result = base.log_density(symbols[0]) - sp.Add(*log_dets)
        assignments.append(Assignment(log_p, result, "result"))
        paths.append(Path(chosen, region, tuple(assignments), log_p))

    params = set(base.free_symbols)
    for layer in layers:
        params |= layer.transform.parameters
    return Program(
        x=x,
        support=support,
        paths=tuple(paths),
        forward=forward,
        base_symbol=symbols[0],
        base=base,
        parameters=tuple(sorted(params, key=lambda s: s.name)),
    )
