"""Compiled quantile and inverse survival function of a monotone flow, exact near the base edges.

x = F_X⁻¹(u) of an increasing flow is f(z) at the base quantile z = F_Z⁻¹(u). Near an
edge e of the base's support z rounds onto e (1 − 1e-300 is 1.0), and f then reads
the rounded z: tan(πz − π/2) at z = 1 − q gives 8e15 instead of 1/(πq). The kernel
therefore never forms z near its edge. It chooses, for each probability, the tail the
base quantile lies in:

    p <= 1/2:  z = F_Z⁻¹(p)       (the distance z − e to a lower edge e stays exact),
    p >  1/2:  z = S_Z⁻¹(1 − p)   (1 − p is exact for p >= 1/2; for the isf it is the
                                   asked probability q itself),

and composes f symbolically with the base's closed-form quantile, whose upper form
is written on the distance (Uniform: S⁻¹(q) = 1 − q; Beta: S⁻¹(q) = 1 − I⁻¹_q(b, a)).
SymPy then cancels the edge inside f (1 − (1 − d) = d), and :func:`edge_forms`
rewrites the functions that still read a state near a singular point on that distance:

    erfinv(±1 ∓ t) = ±erfcinv(t),
    h(kπ + t) for a periodic h reduced by its period (cot(π − πq) = −cot(πq)).

Where the base's quantile form loses the distance itself (a Truncated base's
F_B⁻¹(F_B(a) + p·m) rounds onto its cut point a: ½ + 1e-300 is ½), the rounded distance
is refined by Newton steps on P(a < Z < a + d) = p
(:func:`symflow.codegen.edge_distance.distance_for_mass`), which starts from d = p/p_Z(a)
when the rounded one is 0.

Examples
--------
>>> import sympy as sp
>>> q = sp.Symbol("q", positive=True)
>>> edge_forms(sp.erfinv(1 - 2 * q)), edge_forms(sp.tan(sp.pi * (1 - q) - sp.pi / 2))
(erfcinv(2*q), cot(pi*q))
"""

from __future__ import annotations

import ast

import sympy as sp

from symflow.codegen.source import assign, call, function, imports, returns, when
from symflow.core.cdf import forward_expression
from symflow.core.program import Assignment

__all__ = ["edge_forms", "quantile_functions", "LowerEdgeDistance", "UpperEdgeDistance"]

_PERIODS = {sp.tan: 1, sp.cot: 1, sp.sin: 2, sp.cos: 2, sp.sec: 2, sp.csc: 2}


def _erfinv_near_one(e: sp.Expr) -> sp.Expr:
    """erfinv(1 − t) = erfcinv(t) and erfinv(−1 + t) = −erfcinv(t)."""
    arg = sp.expand(e.args[0])
    c, t = arg.as_independent(*arg.free_symbols, as_Add=True) if arg.free_symbols else (arg, 0)
    if c == 1:
        return sp.erfcinv(-t)
    if c == -1:
        return -sp.erfcinv(t)
    return e


def _periodic_reduced(e: sp.Expr) -> sp.Expr:
    """h(kπ + t) with k reduced modulo the period of h (SymPy then folds the remaining
    constant: tan(π/2 − s) = cot(s), sin(π + s) = −sin(s))."""
    arg = sp.expand(e.args[0])
    if not arg.free_symbols:
        return e
    c, t = arg.as_independent(*arg.free_symbols, as_Add=True)
    k = c / sp.pi
    if c == 0 or not k.is_Rational:
        return e
    period = _PERIODS[e.func]
    return e.func(sp.Mod(k, period) * sp.pi + t)


def edge_forms(expr: sp.Expr) -> sp.Expr:
    """The same value with each function that reads a state near its singular point
    rewritten on the state's distance to it (erfinv near ±1, periodic functions of
    kπ + t).

    Examples
    --------
    >>> p = sp.Symbol("p", positive=True)
    >>> edge_forms(sp.sqrt(2) * sp.erfinv(2 * p - 1))
    -sqrt(2)*erfcinv(2*p)
    >>> edge_forms(sp.cot(sp.pi * (1 - p)))
    -cot(pi*p)
    """
    expr = expr.replace(lambda e: isinstance(e, sp.erfinv), _erfinv_near_one)
    return expr.replace(lambda e: isinstance(e, tuple(_PERIODS)), _periodic_reduced)


class LowerEdgeDistance(sp.Function):
    """d(p, d₀) > 0 with P(e < Z < e + d) = p at the lower end e of the base's support,
    refined from the estimate d₀: a call of the module's ``_bD_lo``, never evaluated."""

    nargs = 2
    helper = "_bD_lo"
    top = "0.0"

    def _eval_is_real(self):
        return True

    def _eval_is_positive(self):
        return True


class UpperEdgeDistance(LowerEdgeDistance):
    """d(p, d₀) > 0 with P(e − d < Z < e) = p at the upper end e of the base's support,
    refined from the estimate d₀: a call of the module's ``_bD_hi``."""

    helper = "_bD_hi"
    top = "1.0"


def _distance_function(cls, em, edge: sp.Expr) -> ast.FunctionDef:
    """``_bD_lo(p, d, *params)`` or ``_bD_hi``: :func:`distance_for_mass` on the module's
    base density ``_bP`` and interval probability ``_bBw`` at the end ``edge``."""
    base = em.program.base
    params = em.param_names
    # quadrature below the base's width threshold, and never across a kink (Laplace's 0)
    gaps = [sp.Abs(k - edge) for k in base.kinks if sp.simplify(k - edge) != 0]
    small = sp.Min(base.width_threshold(edge, sp.S.Zero), *gaps)
    levels = "(" + "".join(f"{q}, " for q in params) + ")"
    edge_code, small_code = (em.code(em.rename(sp.sympify(v))) for v in (edge, small))
    value = call(
        "distance_for_mass",
        "_bP",
        "_bBw",
        "p",
        "d",
        f"float({edge_code})",
        cls.top,
        f"float({small_code})",
        levels,
    )
    side = "e − d < Z < e" if cls is UpperEdgeDistance else "e < Z < e + d"
    doc = f"d with P({side}) = p at e = {edge_code}, by Newton steps from d."
    return function(cls.helper, ["p", "d", *params], [returns(value)], doc)


def _symbolic_level(form: sp.Expr | None, placeholder: sp.Expr) -> sp.Expr:
    return placeholder if form is None else form


def _through_edge(
    program, form: sp.Expr, edge: sp.Expr, from_top: bool, p: sp.Symbol
) -> list[Assignment]:
    """x = f(z) at the base quantile z = ``form``, read through its distance to ``edge``.

    d = |z − e| is one assignment, simplified symbolically (1 − (1 − I⁻¹_q(b, a)) is
    I⁻¹_q(b, a)) and clipped at 0, and refined by Newton steps where the base says the
    form loses it (a cut point of a Truncated base); f is composed with e ± d and
    rewritten on d by :func:`edge_forms`. At an infinite edge f reads z itself, computed
    by the base's own form in a step of its own (the Cauchy's tan(π(u − 1/2)) is 0 at
    u = 1/2, −cot(πu) is not, and −z³ composed with it would read tan(πu)⁻³, which is 1/0
    once tan(πu)³ underflows).
    """
    target = sp.Symbol("x_q", real=True)
    if edge in (sp.oo, -sp.oo):  # a parameter (Uniform(a, b)) is a finite edge
        z = sp.Symbol("z_q", real=True)
        return [Assignment(z, form), Assignment(target, forward_expression(program, z))]
    d = sp.Symbol("d_edge", positive=True)
    distance = sp.Max(edge - form if from_top else form - edge, 0)
    steps = []
    if program.base.cdf_cancels_at(edge):
        rough = sp.Symbol("d_rough", nonnegative=True)
        steps.append(Assignment(rough, distance))
        distance = (UpperEdgeDistance if from_top else LowerEdgeDistance)(p, rough)
    z = edge - d if from_top else edge + d
    value = edge_forms(forward_expression(program, z))
    return [*steps, Assignment(d, distance), Assignment(target, value)]


def quantile_functions(program, em, direction: int, placeholders, ends) -> list[ast.stmt]:
    """quantile_1(u) and isf_1(u) of a monotone flow (``direction`` ±1), each from the
    base quantile of the tail its base probability lies in, preceded by the distance
    helpers they call (``_bD_lo``, ``_bD_hi``) where the base's quantile loses the distance
    to an end.

    ``placeholders`` are (u, F_Z⁻¹(u), S_Z⁻¹(u)) calls of the module's base helpers, used
    where the base has no closed-form quantile; ``ends`` the flow's support (lo, hi) as code.
    """
    base = program.base
    u, Q_helper, ISF_helper = placeholders
    Q = _symbolic_level(base.kernel_quantile(u), Q_helper)
    ISF = _symbolic_level(base.kernel_isf(u), ISF_helper)
    p = sp.Symbol("p", real=True)
    em.names[p] = p
    em.taken.add("p")
    lo, hi = ends
    out: list[ast.stmt] = []
    refined = [
        (cls, end)
        for cls, end in (
            (LowerEdgeDistance, base.support.inf),
            (UpperEdgeDistance, base.support.sup),
        )
        if base.cdf_cancels_at(sp.sympify(end))
    ]
    if refined:
        out.append(imports("symflow.codegen.edge_distance", "distance_for_mass"))
    for cls, end in refined:
        em.printer.known_functions[cls.__name__] = cls.helper
        em.printer.extra_arguments[cls.__name__] = "".join(f", {q}" for q in em.param_names)
        out.append(_distance_function(cls, em, sp.sympify(end)))
    for name, doc, end0, end1, upper in (
        ("quantile_1", "F_X⁻¹(u)", lo, hi, direction < 0),
        ("isf_1", "S_X⁻¹(u)", hi, lo, direction > 0),
    ):
        # p is the base probability below z (upper False) or above z (upper True); the
        # kernel reads the base in the tail where p <= 1/2, from 1 − p otherwise
        near, far = (ISF, Q) if upper else (Q, ISF)
        branches = []
        for form, from_top in ((near, upper), (far, not upper)):
            edge = sp.sympify(base.support.sup if from_top else base.support.inf)
            steps = _through_edge(program, form.xreplace({u: p}), edge, from_top, p)
            branches.append(em.assign(steps, given=(p,)))
        target = steps[-1].target
        body = [
            when("not (u >= 0.0 and u <= 1.0)", [returns("math.nan")]),
            when("u == 0.0", [returns(end0)]),
            when("u == 1.0", [returns(end1)]),
            when(
                "u <= 0.5",
                [assign("p", "u"), *branches[0]],
                [assign("p", "1.0 - u"), *branches[1]],
            ),
            returns(str(em.sym(target))),
        ]
        text = f"{doc}: f at the base quantile of the tail u lies in, exact near its edges."
        out.append(function(name, ["u", *em.param_names], body, text))
    return out
