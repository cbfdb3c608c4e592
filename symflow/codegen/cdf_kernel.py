"""Compiled CDF, survival function and quantile of a one-dimensional flow (numba).

The CDF sums, over the Program's inverse paths, the base probability that the path puts
below x (see :mod:`symflow.core.cdf`):

    F_X(x) = Σ_b P(Z in J_b, f(Z) <= x),   S_X(x) = Σ_b P(Z in J_b, f(Z) > x),

each term written so that it does not cancel: F_Z(g(x)) or S_Z(g(x)) composed
symbolically where the path reaches an end of the base's support (1 − e^x/(e^x + 1)
becomes 1/(e^x + 1)), and a stable interval probability P(c < Z < g(x)) of the base
elsewhere (erf for the normal, so that the CDF of z² near 0 keeps all its digits).

The quantile of a monotone flow is the base quantile pushed through the compiled forward
map, f(F_Z⁻¹(u)) (f(S_Z⁻¹(u)) for a decreasing flow). SciPy's special functions are not
callable from numba, so the base CDFs and quantiles are numba helpers written here:
erfc-based Φ with an Acklam start refined by Halley steps for Φ⁻¹, the incomplete gamma
and beta functions by series and continued fractions (Gamma, Beta, StudentT bases), and
bracketed root finding for the quantiles with no closed form. This keeps ``k.cdf`` and
``k.quantile`` compiled end to end (one loop over the points, no Python per point) and
lets the codegen layer stay free of SciPy. Non-monotone flows invert the compiled CDF
(or, above the median, the survival function) by a bracketed Illinois/bisection search.

Examples
--------
>>> import numpy as np, sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
>>> kernel_cdf(k, [0.5, 1.0]).round(8)
array([0.2441086, 0.5      ])
>>> float(kernel_quantile(k, 0.5))
1.0
"""

from __future__ import annotations

import ast
import functools
import weakref
from typing import Any

import numpy as np
import sympy as sp

from symflow.codegen.cache import load_module
from symflow.codegen.source import (
    Emitter,
    add_to,
    array_loop,
    assign,
    call,
    function,
    imports,
    module_header,
    returns,
    unparse,
    when,
)
from symflow.core.cdf import monotone_direction, path_cdfs
from symflow.core.program import Assignment, VectorProgram
from symflow.core.special import complement
from symflow.errors import CompileError, ParameterError

__all__ = [
    "kernel_cdf",
    "kernel_sf",
    "kernel_quantile",
    "kernel_isf",
    "cdf_source",
    "cdf_module",
]


def _solver(name: str, cdf: str, sf: str, lo: str, hi: str, params: list[str]) -> str:
    """``name(u, upper, *params)``: x with F(x) = u (upper = 0.0) or S(x) = u (upper = 1.0)
    on (lo, hi), by :func:`symflow.codegen.solvers.solve_cdf` on the module's functions
    ``cdf`` and ``sf``."""
    levels = "(" + "".join(f"{p}, " for p in params) + ")"
    body = [
        returns(call("solve_cdf", cdf, sf, "u", "upper", f"float({lo})", f"float({hi})", levels))
    ]
    doc = f"x with F(x) = u (upper = 0.0) or S(x) = u (upper = 1.0) on ({lo}, {hi})."
    solver = function(name, ["u", "upper", *params], body, doc)
    return unparse([imports("symflow.codegen.solvers", "solve_cdf"), solver])


class _Placeholder(sp.Function):
    """A numba helper applied to (z, parameters...): printed, never evaluated."""

    helper = ""

    def _eval_is_real(self):
        return True


class BaseCdf(_Placeholder):
    """F_Z(z) of the flow's base, computed by the module's ``_bF``."""

    helper = "_bF"


class BaseSf(_Placeholder):
    """S_Z(z) of the flow's base, computed by the module's ``_bS``."""

    helper = "_bS"


class BaseBetween(_Placeholder):
    """P(lo < Z < hi) of the flow's base, computed by the module's ``_bB``."""

    helper = "_bB"


class BaseBetweenWidth(_Placeholder):
    """P(lo < Z < lo + w) of the flow's base, computed by the module's ``_bBw``."""

    helper = "_bBw"


class BaseBetweenWidthBelow(_Placeholder):
    """P(hi − w < Z < hi) of the flow's base, computed by the module's ``_bBwd``: the
    width down from a fixed end hi (g(x) next to hi rounds onto it)."""

    helper = "_bBwd"


class BaseQuantile(_Placeholder):
    """F_Z⁻¹(u) of the flow's base, computed by the module's ``_bQ``."""

    helper = "_bQ"


class BaseIsf(_Placeholder):
    """S_Z⁻¹(q) of the flow's base, computed by the module's ``_bISF``."""

    helper = "_bISF"


PLACEHOLDERS = (
    BaseCdf,
    BaseSf,
    BaseBetween,
    BaseBetweenWidth,
    BaseBetweenWidthBelow,
    BaseQuantile,
    BaseIsf,
)


def _base_functions(base, params: tuple[sp.Symbol, ...]):
    """F_Z, S_Z, F_Z⁻¹, S_Z⁻¹ as SymPy expressions that compile stably.

    The base's kernel forms written out where the base asks for it (composing them with
    the flow's maps can cancel symbolically: the uniform and exponential bases),
    placeholders for the module's numba helpers otherwise.
    """
    z = sp.Symbol("z_base", real=True)
    u = sp.Symbol("u_base", real=True)
    if base.inline_kernel_forms:
        forms = (base.kernel_cdf(z), base.kernel_sf(z), base.kernel_quantile(u), base.kernel_isf(u))
        if all(f is not None for f in forms):
            return (z, u, *forms)
    return (
        z,
        u,
        BaseCdf(z, *params),
        BaseSf(z, *params),
        BaseQuantile(u, *params),
        BaseIsf(u, *params),
    )


_GAUSS_LEGENDRE = (
    (0.1834346424956498, 0.3626837833783620),
    (0.5255324099163290, 0.3137066458778873),
    (0.7966664774136267, 0.2223810344533745),
    (0.9602898564975363, 0.1012285362903763),
)


def _width_function(
    params: list[str], threshold: str, kink: str | None, below: bool = False
) -> ast.FunctionDef:
    """_bBw(lo, w) = P(lo < Z < lo + w), or with ``below`` _bBwd(hi, w) = P(hi − w < Z <
    hi): 8-point Gauss–Legendre on p_Z when w is small (no cancellation between two close
    values of F_Z), _bB otherwise. Every node stays strictly inside on the anchored side:
    for w below the anchor's rounding the nodes round onto it, where a support open there
    (a truncation point) has density 0."""
    name, anchor = ("_bBwd", "hi") if below else ("_bBw", "lo")
    lo, hi = ("hi - w", "hi") if below else ("lo", "lo + w")
    body: list[ast.stmt] = [when("not w > 0.0", [returns("0.0")])]
    if kink is not None:
        if below:
            split = call(name, kink, f"{kink} - ({lo})", *params)
            rest = call(name, "hi", f"hi - {kink}", *params)
        else:
            split = call(name, "lo", f"{kink} - lo", *params)
            rest = call(name, kink, f"lo + w - {kink}", *params)
        both = returns(ast.BinOp(split, ast.Add(), rest))
        body.append(when(f"{lo} < {kink} and {hi} > {kink}", [both]))
    args = "".join(f", {p}" for p in params)
    clamp = "min" if below else "max"
    nodes = [
        add_to(
            "s",
            f"{w!r} * (_bP({clamp}(mid - half * {x!r}, inner){args}) "
            f"+ _bP({clamp}(mid + half * {x!r}, inner){args}))",
        )
        for x, w in _GAUSS_LEGENDRE
    ]
    quadrature = [
        assign("half", "0.5 * w"),
        assign("mid", f"{anchor} {'-' if below else '+'} half"),
        assign("inner", f"np.nextafter({anchor}, {'-' if below else ''}np.inf)"),
        assign("s", "0.0"),
    ]
    if below:
        body.append(assign("lo", "hi - w"))  # (the threshold reads lo and w)
    body.append(when(f"w <= {threshold}", [*quadrature, *nodes, returns("half * s")]))
    body.append(returns(call("_bB", lo, hi, *params)))
    doc = f"P({lo} < Z < {hi}), accurate when w is small."
    return function(name, [anchor, "w", *params], body, doc)


def _base_source(base, em) -> str:
    """numba source of _bP, _bF, _bS, _bB, _bBw, _bQ, _bISF for ``base``."""
    params = em.param_names
    zb, lo, w = sp.symbols("z lo w", real=True)
    for s in (zb, lo, w):
        em.names.setdefault(s, s)
    density = em.code(em.rename(base.density(zb)))
    support_lo = em.code(em.rename(sp.sympify(base.support.inf)))
    support_hi = em.code(em.rename(sp.sympify(base.support.sup)))
    threshold = em.code(em.rename(sp.sympify(base.width_threshold(lo, w))))
    kink = em.code(em.rename(base.kinks[0])) if base.kinks else None
    outside = when(f"not (z > {support_lo} and z < {support_hi})", [returns("0.0")])
    pdf = function("_bP", ["z", *params], [outside, returns(density)], "p_Z(z) inside the support.")
    widths = [_width_function(params, threshold, kink, below) for below in (False, True)]
    return unparse([pdf, *widths]) + _base_only_source(base, em)


def _base_only_source(base, em) -> str:
    """numba source of _bF, _bS, _bB, _bQ, _bISF for ``base`` (parameters inlined), from
    the base's kernel forms; F_Z⁻¹ and S_Z⁻¹ solved by bracketing where it has none."""
    params = em.param_names
    z, u, q = sp.symbols("z u q", real=True)
    for s in (z, u, q):
        em.names.setdefault(s, s)
    lo = em.code(em.rename(sp.sympify(base.support.inf)))
    hi = em.code(em.rename(sp.sympify(base.support.sup)))
    forms = base.kernel_cdf(z), base.kernel_sf(z), base.kernel_quantile(u), base.kernel_isf(q)
    if forms[0] is None or forms[1] is None:
        raise CompileError(
            f"No compiled CDF is known for the base {base!r}: it states no closed-form CDF. "
            f"Give its class kernel_cdf and kernel_sf methods."
        )
    F, S, Q, ISF = (None if f is None else em.code(em.rename(f)) for f in forms)

    def probability(value: str, below: str, above: str) -> list[ast.stmt]:
        return [
            when("z != z", [returns("z")]),
            when(f"not z > {lo}", [returns(below)]),
            when(f"not z < {hi}", [returns(above)]),
            returns(value),
        ]

    def level(var: str, value: str | None, at_zero: str, at_one: str, upper: str):
        if value is None:
            return [returns(call("_base_solve", var, upper, *params))]
        return [
            when(f"not ({var} >= 0.0 and {var} <= 1.0)", [returns("math.nan")]),
            when(f"{var} == 0.0", [returns(at_zero)]),
            when(f"{var} == 1.0", [returns(at_one)]),
            returns(value),
        ]

    args = "".join(f", {p}" for p in params)

    def clipped(code: str) -> ast.Return:
        return returns(f"max({code}, 0.0)")

    between = [
        when("not h > l", [returns("0.0")]),
        when(f"l == -math.inf or l <= {lo}", [returns(f"_bF(h{args})")]),
        when(f"h == math.inf or h >= {hi}", [returns(f"_bS(l{args})")]),
        assign("fh", f"_bF(h{args})"),
        when("fh <= 0.5", [clipped(f"fh - _bF(l{args})")]),
        assign("sl", f"_bS(l{args})"),
        when("sl <= 0.5", [clipped(f"sl - _bS(h{args})")]),
        clipped(f"1.0 - _bF(l{args}) - _bS(h{args})"),
    ]
    functions = [
        function("_bF", ["z", *params], probability(F, "0.0", "1.0")),
        function("_bS", ["z", *params], probability(S, "1.0", "0.0")),
        function(
            "_bB", ["l", "h", *params], between, "P(l < Z < h) for l <= h, from the smaller tail."
        ),
        function("_bQ", ["u", *params], level("u", Q, lo, hi, "0.0")),
        function("_bISF", ["q", *params], level("q", ISF, hi, lo, "1.0")),
    ]
    source = unparse(functions)
    if Q is None or ISF is None:
        source += _solver("_base_solve", "_bF", "_bS", lo, hi, params)
    return source


def _stable(expr: sp.Expr) -> sp.Expr:
    """Among equivalent forms, one without an additive constant (which would cancel)."""
    if sp.count_ops(expr) > 300:
        return expr
    from symflow.core.budget import attempt

    candidates = [expr, attempt(lambda: sp.together(expr), 5.0, expr)]
    candidates += [
        c.replace(lambda e: isinstance(e, sp.Add), complement)
        for c in list(candidates)
        if c.has(sp.erf, sp.atan)
    ]
    return _fewest_constants(candidates)


def _fewest_constants(candidates: list) -> sp.Expr:
    """The form with no additive constant (which would cancel), the shortest among equals."""

    def score(e):
        terms = sp.Add.make_args(sp.expand(e, deep=False))
        return (any(t.is_number for t in terms) and not e.is_number, sp.count_ops(e))

    return min(candidates, key=score)


def _at_most(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    """a ≤ b with a constant side rounded to the float on its correct side."""
    from symflow.codegen.rewrite import float_membership

    return float_membership(sp.LessThan(a, b, evaluate=False))


def _code_of(em, value: sp.Expr) -> str:
    return em.code(em.rename(sp.sympify(value)))


def _width(hi: sp.Expr, lo: sp.Expr) -> sp.Expr:
    """hi − lo with the constants cancelled symbolically (g(x) − c is often tiny)."""
    from symflow.core.budget import attempt

    diff = hi - lo
    if sp.count_ops(diff) > 300:
        return diff
    return attempt(lambda: sp.expand(diff), 5.0, diff)


def _distance(end: sp.Expr, g: sp.Expr) -> sp.Expr:
    """end − g over a common denominator where that cancels the constant (1 − 2x/(2x + 3)
    is 3/(2x + 3)); the plain difference otherwise."""
    from symflow.core.budget import attempt

    diff = end - g
    if sp.count_ops(diff) > 300:
        return diff
    candidates = [diff] + [
        attempt(lambda f=f: f(diff), 5.0, diff) for f in (sp.cancel, sp.together, sp.expand)
    ]
    return _fewest_constants(candidates)


def _from_edge(g: sp.Expr, x: sp.Symbol, end: sp.Expr) -> sp.Expr | None:
    """g(x) − g(end) for a finite end of a path's region, written without the subtraction
    (:func:`symflow.core.edges.difference`, with x − end computed in two parts), so that
    it keeps its digits next to the end: 1 − cot(x) near π/4 is √2·sin(x − π/4)/sin(x)
    in effect, not a difference of two numbers near 1. None when no identity applies."""
    from symflow.core.budget import attempt
    from symflow.core.constants import is_finite_number
    from symflow.core.edges import difference, exact_difference

    if not is_finite_number(end):
        return None
    found = attempt(lambda: difference(g, x, end, exact_difference(x, end)), 5.0, None)
    if found is None or sp.count_ops(found) > 200 or found.has(sp.nan, sp.zoo, sp.AccumBounds):
        return None
    return found


def _path_terms(program, pc, F, S, zb):
    """(mass below x, mass above x, total mass) of one path as compilable expressions.

    Where the path reaches an end of the base's support the term is F_Z(g(x)) or
    S_Z(g(x)) composed symbolically; elsewhere it is P(lo < Z < lo + w) with the width
    w = |g(x) − c| written without the subtraction where an identity allows (see
    :func:`_from_edge`), else simplified symbolically, so that no digits are lost to
    cancellation.
    """
    base, params = program.base, program.parameters
    g = pc.inverse
    at_inf, at_sup = base.support.inf, base.support.sup

    def width(lo, hi, edge, sign):
        """P(lo < Z < hi) with lo <= hi; one of them is g(x), the other its value at the
        region's end ``edge``, and hi − lo = sign·(g(x) − g(edge))."""
        near = _from_edge(g, program.x, edge)
        w = _width(hi, lo) if near is None else sign * near
        if lo.has(program.x) and not hi.has(program.x):
            return BaseBetweenWidthBelow(hi, w, *params)  # g(x) next to hi rounds onto it
        return BaseBetweenWidth(lo, w, *params)

    def vanishing(term, edge):
        """A composed F_Z(g(x)) or S_Z(g(x)) that is 0 at the finite region end ``edge``
        (a path reaching a finite end of the base's support there), written as its
        difference from that 0: 1 − cot(x) near π/4 for a uniform base."""
        if not base.inline_kernel_forms:
            return term
        at_edge = _at_edge(term, program.x, edge)
        near = _from_edge(term, program.x, edge) if at_edge == 0 else None
        return term if near is None else near

    def reaches(end) -> bool:
        """The path reaches this end of the base's support, and F_Z or S_Z composed with
        g keeps its digits there: not at a cut point of a truncated base, where
        F_Z(z) = (F(z) − F(a))/m cancels (the width from the cut point is taken then, as
        by the quantile kernels)."""
        return not base.cdf_cancels_at(end)

    def survival(edge):
        """S_Z(g(x)), on the distance b − g(x) where the base has a finite upper end b and
        a form on it: 1 − 2x/(2x + 3) is 3/(2x + 3), which neither rounds nor overflows."""
        d = sp.Dummy("d", positive=True)
        on_distance = base.kernel_sf_below_sup(d) if at_sup.is_finite else None
        if on_distance is None:
            return vanishing(S.xreplace({zb: g}), edge)
        return on_distance.xreplace({d: _distance(at_sup, g)})

    lower, upper = pc.lower, pc.upper
    if pc.direction > 0:
        below = (
            vanishing(F.xreplace({zb: g}), lower)
            if pc.start == at_inf and reaches(at_inf)
            else width(pc.start, g, lower, 1)
        )
        above = (
            survival(upper) if pc.end == at_sup and reaches(at_sup) else width(g, pc.end, upper, -1)
        )
        mass = BaseBetween(pc.start, pc.end, *params)
    else:
        below = (
            survival(lower)
            if pc.start == at_sup and reaches(at_sup)
            else width(g, pc.start, lower, -1)
        )
        above = (
            vanishing(F.xreplace({zb: g}), upper)
            if pc.end == at_inf and reaches(at_inf)
            else width(pc.end, g, upper, 1)
        )
        mass = BaseBetween(pc.end, pc.start, *params)
    return _stable(below), _stable(above), mass


def _at_edge(term: sp.Expr, x: sp.Symbol, edge: sp.Expr) -> sp.Expr | None:
    """term at the finite region end ``edge``, exact where SymPy evaluates it; None
    otherwise."""
    from symflow.core.budget import attempt
    from symflow.core.constants import is_finite_number

    if not is_finite_number(edge):
        return None
    value = attempt(lambda: sp.simplify(term.subs(x, edge)), 5.0, None)
    if value is None or value.has(sp.nan, sp.zoo, sp.AccumBounds):
        return None
    return value


def cdf_source(program) -> str:
    """The numba module of cdf_1, sf_1, quantile_1, isf_1 (and their vector forms)."""
    if program.base is None or isinstance(program, VectorProgram):
        raise CompileError(
            "Compiled CDFs and quantiles exist for one-dimensional flows only; a "
            "d-dimensional flow has no single CDF to invert."
        )
    em = Emitter(program)
    for placeholder in PLACEHOLDERS:
        em.printer.known_functions[placeholder.__name__] = placeholder.helper
    base = program.base
    zb, ub, F, S, Q, ISF = _base_functions(base, program.parameters)

    lower_body: list[ast.stmt] = [assign("acc", "0.0")]
    upper_body: list[ast.stmt] = [assign("acc", "0.0")]
    for k, pc in enumerate(path_cdfs(program), start=1):
        below, above, mass = _path_terms(program, pc, F, S, zb)
        # x at or beyond a path's ends, tested exactly for every float64 x
        xe = sp.Dummy("x", real=True)  # the program's x may carry assumptions (x > 0)
        em.names[xe] = em.names[program.x]
        a_code = None if pc.lower == -sp.oo else _code_of(em, _at_most(xe, pc.lower))
        b_code = None if pc.upper == sp.oo else _code_of(em, _at_most(pc.upper, xe))
        mass_code = _code_of(em, mass)
        for body, term, side in ((lower_body, below, "lower"), (upper_body, above, "upper")):
            # path k on x in (lower, upper): all of its mass, none, or the term at x
            target = sp.Symbol(f"term_{k}", real=True)
            inside = [*em.assign([Assignment(target, term)]), add_to("acc", str(em.sym(target)))]
            branches = []
            if a_code is not None:
                branches.append((a_code, side == "upper"))
            if b_code is not None:
                branches.append((b_code, side == "lower"))
            for cond, full in reversed(branches):
                inside = [when(cond, [add_to("acc", mass_code) if full else ast.Pass()], inside)]
            body.extend(inside)
    lower_body.append(returns("acc"))
    upper_body.append(returns("acc"))

    support_lo = _code_of(em, program.support.inf)
    support_hi = _code_of(em, program.support.sup)
    args = ["x", *em.param_names]
    out = [_base_source(base, em)]
    doc = "Σ_b P(Z in J_b, f(Z) <= x), unguarded."
    below_fn = function("_lower_1", args, lower_body, doc)
    doc = "Σ_b P(Z in J_b, f(Z) > x), unguarded."
    out.append(unparse([below_fn, function("_upper_1", args, upper_body, doc)]))
    out.append(unparse(_guarded(em.param_names)))
    direction = monotone_direction(program)
    if direction != 0:
        from symflow.codegen.quantile_kernel import quantile_functions

        u = sp.Symbol("u", real=True)
        em.names[ub] = u
        em.taken.add("u")
        functions = quantile_functions(
            program, em, direction, (ub, Q, ISF), (support_lo, support_hi)
        )
        out.append(unparse(functions))
    else:
        out.append(_solver("_flow_solve", "cdf_1", "sf_1", support_lo, support_hi, em.param_names))
        out.append(unparse(_inverted(em.param_names)))
    loops = [
        array_loop(name, f"{name}_1", em.param_names) for name in ("cdf", "sf", "quantile", "isf")
    ]
    out.append(unparse(loops))
    return module_header(em.printer) + unparse(em.solvers) + "".join(out)


def _guarded(params: list[str]) -> list[ast.FunctionDef]:
    """cdf_1 and sf_1: each from its own sum, from one minus the other where that is nan,
    clipped to [0, 1]; nan for nan."""
    args = "".join(f", {p}" for p in params)
    out = []
    for name, own, other, doc in (
        ("cdf_1", "_lower_1", "_upper_1", "F_X(x) in [0, 1]; nan for nan."),
        (
            "sf_1",
            "_upper_1",
            "_lower_1",
            "S_X(x) = 1 − F_X(x) in [0, 1], computed directly; nan for nan.",
        ),
    ):
        body = [
            when("x != x", [returns("math.nan")]),
            assign("v", call(own, "x", *params)),
            when("v != v", [assign("v", f"1.0 - {other}(x{args})")]),
            when("v != v", [returns("math.nan")]),
            returns("min(max(v, 0.0), 1.0)"),
        ]
        out.append(function(name, ["x", *params], body, doc))
    return out


def _inverted(params: list[str]) -> list[ast.FunctionDef]:
    """quantile_1 and isf_1 by bracketed inversion of the compiled CDF and survival function."""
    return [
        function(
            name,
            ["u", *params],
            [returns(call("_flow_solve", "u", upper, *params))],
            f"{what} by bracketed inversion of the compiled {of}.",
        )
        for name, upper, what, of in (
            ("quantile_1", "0.0", "F_X⁻¹(u)", "CDF"),
            ("isf_1", "1.0", "S_X⁻¹(u)", "survival function"),
        )
    ]


@functools.lru_cache(maxsize=128)
def _module_for_program(program) -> Any:
    return load_module(cdf_source(program))


_MODULES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cdf_module(kernels) -> Any:
    """The compiled CDF/quantile module of ``kernels`` (generated once, cached on disk)."""
    module = _MODULES.get(kernels)
    if module is None:
        if getattr(kernels, "program", None) is None:
            raise CompileError(
                "These kernels were unpickled without their symbolic program, so their "
                "CDF cannot be generated; call flow.compile() in this process instead."
            )
        module = _module_for_program(kernels.program)
        _MODULES[kernels] = module
    return module


def _probabilities(us: Any) -> Any:
    arr = np.asarray(us, dtype=np.float64)
    bad = (arr < 0) | (arr > 1)
    if np.any(bad):
        first = np.flatnonzero(bad.reshape(-1))[0]
        raise ParameterError(
            f"Quantiles need probabilities in [0, 1]; got {float(arr.reshape(-1)[first])!r} at "
            f"index {first}."
        )
    return arr


def kernel_cdf(kernels, xs: Any, **params: float) -> np.ndarray:
    """F_X at each point (compiled): shape of xs broadcast with the parameters.

    Examples
    --------
    >>> import sympy as sp, symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]).compile()
    >>> float(kernel_cdf(k, 1.0))  # chi2(1).cdf(1)
    0.6826894921370859
    """
    return kernels._call(cdf_module(kernels).cdf, xs, params)


def kernel_sf(kernels, xs: Any, **params: float) -> np.ndarray:
    """S_X = 1 − F_X at each point, computed without the subtraction (compiled)."""
    return kernels._call(cdf_module(kernels).sf, xs, params)


def kernel_quantile(kernels, us: Any, **params: float) -> np.ndarray:
    """F_X⁻¹ at each probability (compiled); probabilities outside [0, 1] are an error.

    Examples
    --------
    >>> import sympy as sp, symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> k = sf.Flow(sf.Exponential(1), [sf.Transform(2 * z, z)]).compile()
    >>> float(kernel_quantile(k, 0.5))  # 2 log 2
    1.3862943611198906
    """
    return kernels._call(cdf_module(kernels).quantile, _probabilities(us), params)


def kernel_isf(kernels, qs: Any, **params: float) -> np.ndarray:
    """S_X⁻¹ at each upper-tail probability q (compiled): x with P(X > x) = q."""
    return kernels._call(cdf_module(kernels).isf, _probabilities(qs), params)
