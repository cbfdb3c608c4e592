"""The auxiliary-variable argument for a map to fewer dimensions, as a textbook writes it.

For X = e(Z) with fewer outputs than inputs: complete the map with an auxiliary W (and
say why this one), invert the completed map and take its Jacobian, write the joint
density of (X, W), integrate W out with the limits where the support puts them (one case
per range of x), and state the result, its support and its name. The steps are read from
the flow's :class:`~symflow.core.reduce.Reduction`; nothing is derived again except the
completed map's inverse, which the d-dimensional layer machinery states.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> base = sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1))
>>> d = sf.Flow(base, [sf.Transform(z1 + z2, [z1, z2])]).derivation()
>>> [s.title for s in d.steps][:3]
['Setting', 'Completing the map', 'The inverse and the Jacobian']
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.core.budget import attempt
from symflow.present.document import Derivation, Lit, Row, Step, dist_latex, shown_function

__all__ = ["derive_reduction"]


def _inverse(branch, base, outputs, auxiliaries):
    """(z_j = g_j(x, w) for each variable, |det ∂z/∂(x, w)|) of one completion."""
    targets = [*outputs, *auxiliaries]
    if branch.inverse is not None:
        y, t = sp.symbols("y_tmp theta_tmp", real=True)
        g = [v.xreplace({y: targets[0], t: targets[1]}) for v in branch.inverse]
    else:
        from symflow.core.vector_layer import VectorLayer

        comps = getattr(base, "components", None)
        intervals = [c.support for c in comps] if comps is not None else None
        layer = VectorLayer.place(branch.transform, 1, intervals)
        env: dict = {}
        for k in layer.inverse_order:
            env[layer.input_symbols[k]] = layer.inverse[k].xreplace(env)
        rename = dict(zip(layer.output_symbols, targets, strict=True))
        g = [env[s].xreplace(rename) for s in layer.input_symbols]
    J = sp.Matrix(g).jacobian(targets)
    det = attempt(lambda: sp.simplify(J.det()), 5.0, J.det())
    return g, sp.Abs(det)


def _condition(conds) -> tuple:
    if not conds:
        return ()
    return ("for ", sp.And(*conds))


def derive_reduction(flow: Any) -> Derivation:
    """The derivation of a flow that ends in a map to fewer dimensions."""
    r = flow.reduction
    (x,) = r.outputs if len(r.outputs) == 1 else (r.outputs[0],)
    ws = r.auxiliaries
    zs = [sp.Symbol(f"z_{j + 1}", real=True) for j in range(r.transform.dimension)]
    env = dict(zip(r.transform.vars, zs, strict=True))
    e = r.transform.exprs[0].xreplace(env)
    px = shown_function("p_X", "p_{X}")
    pxw = shown_function("p_XW", "p_{X,W}")
    pz = shown_function("p_Z", "p_{Z}")
    steps = []
    steps.append(
        Step(
            "Setting",
            (
                (
                    "Z = (",
                    ", ".join(z.name.upper() for z in zs),
                    ") has the distribution ",
                    Lit(dist_latex(r.base), repr(r.base)),
                    " and X = ",
                    e,
                    f". The map has {len(r.outputs)} output(s) and {len(zs)} inputs, so the "
                    "change-of-variables theorem does not apply to it directly: complete it "
                    "with auxiliary variables, find the joint density, and integrate the "
                    "auxiliaries out.",
                ),
            ),
        )
    )
    completion_rows = []
    prose = []
    for b in r.branches:
        exprs = [v.xreplace(env) for v in b.exprs]
        cond = b.condition.xreplace(env)
        row = Row(
            (sp.Tuple(x, *ws),),
            ((sp.Tuple(*exprs),),),
            ("where ", cond) if cond is not sp.true else (),
        )
        completion_rows.append(row)
        prose.append(b.reason)
    if len(r.branches) > 1:
        lead = (
            "The maximum (minimum) is not one-to-one: split the space into the regions where "
            "each argument wins, and complete the map in each: ",
        )
    else:
        lead = ("Take the auxiliary ", sp.Tuple(*ws) if len(ws) > 1 else ws[0], ": ")
    steps.append(
        Step(
            "Completing the map",
            ((*lead, "; ".join(p for p in prose if p), "."), tuple(completion_rows)),
        )
    )
    inverse_rows = []
    for b in r.branches:
        g, det = _inverse(b, r.base, r.outputs, ws)
        inverse_rows.append(Row((sp.Tuple(*zs),), ((sp.Tuple(*g),),)))
        inverse_rows.append(Row((Lit(r"\left|\det J\right|", "|det J|"),), ((det,),)))
    steps.append(
        Step(
            "The inverse and the Jacobian",
            (
                (
                    "Solve the completed map for z and take the determinant of the Jacobian "
                    "of the inverse with respect to (x, w):",
                ),
                tuple(inverse_rows),
            ),
        )
    )
    joint_rows = tuple(
        Row((pxw(x, *ws),), ((t.density,),), _condition(t.conditions)) for t in r.joint
    )
    steps.append(
        Step(
            "The joint density",
            (
                (
                    "By the change-of-variables theorem, ",
                    pxw(x, *ws),
                    " = ",
                    pz(*zs),
                    " |det J| at the inverse, on its support:",
                ),
                joint_rows,
            ),
        )
    )
    integral_rows = []
    for w in reversed(ws):
        for a, b, conds, density, value in r.limits.get(w, ()):
            integral_rows.append(
                Row((sp.Integral(density, (w, a, b)),), ((value,),), _condition(conds))
            )
    if integral_rows:
        blocks = (
            (
                "Integrate the auxiliary out. The support puts its limits at the largest lower "
                "and the smallest upper bound, which depend on x: one case per range of x.",
            ),
            tuple(integral_rows),
        )
    else:
        blocks = (
            (
                "The auxiliary integral has no closed form within the time budget; it is kept "
                "as an integral (it evaluates with evalf, and the kernel integrates it "
                "numerically):",
            ),
            (Row((px(x),), ((r.integral,),)),),
        )
    steps.append(Step("Integrating the auxiliary out", blocks))
    outputs = list(r.outputs) if len(r.outputs) > 1 else x
    result = tuple(r.pieces) if r.pieces is not None else ((flow.density(outputs), flow.support),)
    at = px(*r.outputs)  # p_X(x), or p_X(x1, …, xm) for several outputs
    result_rows = tuple(
        Row((at,), ((expr,),), ("for ", Lit(sp.latex(region), str(region))))
        if region is not sp.true
        else Row((at,), ((expr,),))
        for expr, region in result
    )
    steps.append(Step("The result", (("Adding the cases:",), result_rows)))
    support = flow.support
    where = (
        ("The density is positive for x in ", Lit(sp.latex(support), str(support)))
        if len(r.outputs) == 1
        else ("The density is positive where ", Lit(sp.latex(support), str(support)))
    )
    if support is not sp.true:
        steps.append(Step("The support", ((*where, " and zero elsewhere."),)))
    family = None
    try:
        family = flow.family()
    except Exception:  # noqa: BLE001 - a failed recognition must not stop the derivation
        family = None
    if family is not None:
        steps.append(
            Step("The name", (("This is the density of ", Lit(family.latex(), repr(family)), "."),))
        )
    return Derivation(
        flow=flow,
        steps=tuple(steps),
        input_symbol=zs[0],
        output_symbol=x,
        layers=(),
        result=result,
        log_result=(),
        log_terms=(),
        support=support,
        family=family,
    )
