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

Where the distance itself is below what float64 holds (:data:`TINY_DISTANCE`; the
Gamma(1/2, 1) quantile of 1e-300 is 7.9e-601), the kernel reads its log t from the base
(``kernel_log_quantile``, ``kernel_log_isf``) and composes f with e ± eᵗ, its logs and
powers taken symbolically (log eᵗ = t, √(eᵗ) = e^(t/2)): log z there is −1381.8, not
−inf. Sums that vanish at the edge are written on d without the subtraction
(:func:`symflow.core.edges.difference`: (d − 1)⁵ + 1 = d·((d − 1)⁴ − … + 1)).

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


def _atanh_near_one(e: sp.Expr) -> sp.Expr:
    """atanh(−1 + t) = (log t − log(2 − t))/2 and atanh(1 − t) = (log(2 − t) − log t)/2:
    log t keeps t's digits where −1 + t rounds onto the pole (and log e^s = s where t
    itself underflows)."""
    arg = sp.expand(e.args[0])
    if not arg.free_symbols:
        return e
    c, t = arg.as_independent(*arg.free_symbols, as_Add=True)
    if c == -1:
        return (sp.log(t) - sp.log(2 - t)) / 2
    if c == 1:
        return (sp.log(2 + t) - sp.log(-t)) / 2
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
    rewritten on the state's distance to it (erfinv and atanh near ±1, periodic functions
    of kπ + t).

    Examples
    --------
    >>> p = sp.Symbol("p", positive=True)
    >>> edge_forms(sp.sqrt(2) * sp.erfinv(2 * p - 1))
    -sqrt(2)*erfcinv(2*p)
    >>> edge_forms(sp.cot(sp.pi * (1 - p)))
    -cot(pi*p)
    """
    expr = expr.replace(lambda e: isinstance(e, sp.erfinv), _erfinv_near_one)
    expr = expr.replace(lambda e: isinstance(e, sp.atanh), _atanh_near_one)
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


def _vanishing_sums(expr: sp.Expr, d: sp.Symbol) -> sp.Expr:
    """Each sum c + g(d) of a number and terms in the edge distance d that is 0 at d = 0
    written without the subtraction (:func:`symflow.core.edges.difference`) where it is
    below |c|/2, so that a later log or pole reads it with d's digits: (d − 1)⁵ + 1 is
    d·((d − 1)⁴ − … + 1), 2 − 2√(1 − d) is −2·expm1(log1p(−d)/2)."""
    from symflow.core.budget import attempt
    from symflow.core.edges import difference

    def vanishes(e: sp.Expr) -> bool:
        if not (isinstance(e, sp.Add) and e.has(d)) or e.as_coeff_Add()[0] == 0:
            return False
        return attempt(lambda: sp.simplify(e.xreplace({d: 0})) == 0, 2.0, False)

    def rewritten(e: sp.Expr) -> sp.Expr:
        found = attempt(lambda: difference(e, d, sp.S.Zero, d), 5.0, None)
        if found is None or sp.count_ops(found) > 200 or found.has(sp.nan, sp.zoo):
            return e
        # the plain sum where it keeps at least half of c's size (no cancellation, and a
        # later log(1 + z¹⁵) stays a log1p of z¹⁵ away from the edge), the difference near it
        c = abs(e.as_coeff_Add()[0])
        return sp.Piecewise((e, sp.Abs(e) >= c / 2), (found, True))

    if sp.count_ops(expr) > 300:
        return expr
    return expr.replace(vanishes, rewritten)


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
    value = _vanishing_sums(edge_forms(forward_expression(program, z)), d)
    return [*steps, Assignment(d, distance), Assignment(target, value)]


#: below this distance to a finite end the kernels read the base quantile in log space:
#: the base's inverse functions round or clamp there (SciPy's I⁻¹ stops at 2.2e-308)
TINY_DISTANCE = 1e-290


#: a numeric scale above this is folded into the exponential it multiplies
_FOLDED_SCALE = 2**52


def _folded_scales(expr: sp.Expr) -> sp.Expr:
    """c·e^a as e^(a + log c) for a number c above 2⁵²: 1e300·e^t stays finite at
    t = −1381 where e^t underflows first."""

    def fold(e: sp.Mul) -> sp.Expr:
        exps = [f for f in e.args if isinstance(f, sp.exp)]
        if len(exps) != 1:
            return e
        rest = e / exps[0]
        if rest.is_number and rest > _FOLDED_SCALE:
            # as 2^((a + log c)/log 2): SymPy splits e^(a + c) back into e^c·e^a
            log2 = sp.Float(sp.log(2).evalf(30), 30)
            return sp.Pow(2, (exps[0].args[0] + sp.Float(sp.log(rest).evalf(30), 30)) / log2)
        return e

    return expr.replace(lambda e: isinstance(e, sp.Mul) and e.has(sp.exp), fold)


def _log_distance_steps(
    program, log_form: sp.Expr, edge: sp.Expr, from_top: bool
) -> list[Assignment] | None:
    """x = f(e ± e^t) at t = log d, the base's log-distance to the finite end ``edge``, with
    the logs and powers of e^t taken symbolically (log e^t = t, √(e^t) = e^(t/2)), so that
    f keeps the value where d itself underflows: log z at the Gamma(1/2, 1) quantile of
    1e-300 is −1381.8 although z ≈ 7.9e-601 is 0 in float64. None where f reads e^t only
    as itself (the log-distance would give nothing the distance does not)."""
    t = sp.Symbol("t_edge", real=True)
    d = sp.Symbol("d_edge", positive=True)
    target = sp.Symbol("x_q", real=True)
    z = edge - d if from_top else edge + d
    value = _vanishing_sums(edge_forms(forward_expression(program, z)), d)
    value = _folded_scales(sp.expand_log(value.xreplace({d: sp.exp(t)}), force=False))
    if not value.xreplace({sp.exp(t): sp.Dummy("d", positive=True)}).has(t):
        return None
    return [Assignment(t, log_form), Assignment(target, value)]


def _branch(program, em, form, log_form, edge, from_top, p) -> tuple[list[ast.stmt], sp.Symbol]:
    """The statements of x = f at the base quantile ``form`` (:func:`_through_edge`), and
    where the base has a log-distance ``log_form`` to the finite end ``edge`` and f reads
    it to advantage, a branch taking x from it when the distance is below
    :data:`TINY_DISTANCE`."""
    steps = _through_edge(program, form, edge, from_top, p)
    target = steps[-1].target
    log_steps = None
    if log_form is not None and edge.is_finite and not program.base.cdf_cancels_at(edge):
        log_steps = _log_distance_steps(program, log_form, edge, from_top)
    if log_steps is None:
        return em.assign(steps, given=(p,)), target
    d = steps[-2].target
    head = em.assign(steps[:-1], given=(p,))
    tiny = when(
        f"{em.sym(d)} < {TINY_DISTANCE!r}",
        em.assign(log_steps, given=(p,)),
        em.assign(steps[-1:], given=(p, d)),
    )
    return [*head, tiny], target


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
            log_form = (base.kernel_log_isf if from_top else base.kernel_log_quantile)(u)
            log_form = None if log_form is None else log_form.xreplace({u: p})
            stmts, target = _branch(program, em, form.xreplace({u: p}), log_form, edge, from_top, p)
            branches.append(stmts)
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
