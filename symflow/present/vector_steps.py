"""The steps of a d-dimensional flow's derivation: x = f(z) with z, x in R^d,

    p_X(x) = p_Z(f⁻¹(x)) · |det J_{f⁻¹}(x)|,

each layer's Jacobian with its structure (constant, triangular, block-diagonal), |det J|
with a word on how the map changes areas or volumes, the inverse, the result and its
support. The document these steps fill is :mod:`symflow.present.document`.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.core.closed_form import density_terms, log_density_terms
from symflow.present.document import (
    Derivation,
    Lit,
    Piece,
    Row,
    Step,
    VectorLayerInfo,
    dist_latex,
    dist_text,
    family_of,
    family_step,
    p_x,
    p_z,
    shown_function,
    tidy,
)
from symflow.present.regions import coordinate_bounds, drop_known_signs

__all__ = ["derive_vector"]


_STRUCTURE_WORDS = {
    "constant": "constant (the map is affine), so det J is one number",
    "triangular": "triangular, so det J is the product of its diagonal entries",
    "block": "block-diagonal, so det J is the product of the blocks' determinants",
    "general": "a general matrix",
}


def _area_regime(det_abs: sp.Expr, d: int) -> tuple[Piece, ...]:
    what = "areas" if d == 2 else "volumes"
    if det_abs.free_symbols or not det_abs.is_number:
        return (
            f"Where |det J| > 1 the map enlarges {what} (expansion) and the density is "
            f"thinned; where |det J| < 1 it shrinks them (compression) and the density is "
            f"concentrated.",
        )
    lit = Lit(rf"\left|\det J\right| = {sp.latex(det_abs)}", f"|det J| = {det_abs}")
    if det_abs > 1:
        return (
            lit,
            f" > 1: the map multiplies {what} by ",
            det_abs,
            " (expansion), so the density is divided by ",
            det_abs,
            ".",
        )
    if det_abs < 1:
        return (
            lit,
            f" < 1: the map shrinks {what} by the factor ",
            det_abs,
            " (compression), so the density is multiplied by ",
            tidy(1 / det_abs),
            ".",
        )
    return (lit, f": {what} are preserved, the density is only moved.")


def _solved(layer: Any) -> list[sp.Expr]:
    """The layer's inverse written in its outputs only (a triangular inverse is computed
    one coordinate at a time, each entry using the ones before it)."""
    inputs = list(layer.input_symbols)
    values = list(layer.inverse)
    for _ in range(len(values)):
        mapping = dict(zip(inputs, values, strict=True))
        updated = [v.xreplace(mapping) for v in values]
        if updated == values:
            break
        values = updated
    if any(v.free_symbols & set(inputs) for v in values):
        return list(layer.inverse)
    return [tidy(v) for v in values]


def _base_signs(expr: sp.Expr, base: Any, zs: tuple, index: int) -> sp.Expr:
    """|z_i| → z_i in the first layer where the base's component i lives on (0, ∞)."""
    components = getattr(base, "components", None)
    if index != 1 or components is None or len(components) != len(zs):
        return expr
    signs, inside = {}, []
    for z, c in zip(zs, components, strict=True):
        support = c.support
        if isinstance(support, sp.Interval) and support.inf.is_nonnegative:
            signs[z] = 1
            inside.append(z > support.inf)
        elif isinstance(support, sp.Interval) and support.sup.is_nonpositive:
            signs[z] = -1
            inside.append(z < support.sup)
    if not signs:
        return expr
    return drop_known_signs(expr, signs, sp.And(*inside))


def derive_vector(flow: Any) -> Derivation:
    """The derivation of a d-dimensional flow's density: the setting, the theorem with
    |det J|, each layer's Jacobian and its structure, the inverse, the result and its
    support (see the module docstring).

    Examples
    --------
    >>> import sympy as sp, symflow as sf
    >>> u, v = sp.symbols("u v", real=True)
    >>> pair = sf.Independent(sf.Exponential(1), sf.Exponential(1))
    >>> derive_vector(sf.Flow(pair, [sf.Transform([u + v, v], [u, v])])).steps[2].title
    'The inverse and the Jacobian'
    """
    program = flow.program
    d = flow.dimension
    xs = tuple(program.inputs)
    k = len(flow.layers)
    mapping: dict[sp.Symbol, sp.Symbol] = {}
    if k:
        first = flow.layers[0].input_symbols
    else:
        first = tuple(program.base_symbols)
    zs = tuple(sp.Symbol(f"z{j + 1}", real=True) for j in range(d))
    mapping.update(zip(first, zs, strict=True))
    if k:
        mapping.update(zip(flow.layers[-1].output_symbols, xs, strict=True))

    def shown(e):
        return e.xreplace(mapping) if hasattr(e, "xreplace") else e

    infos = []
    for layer in flow.layers:
        infos.append(
            VectorLayerInfo(
                index=layer.index,
                input_symbols=tuple(shown(s) for s in layer.input_symbols),
                output_symbols=tuple(shown(s) for s in layer.output_symbols),
                forward=sp.Matrix([shown(e) for e in layer.forward]),
                inverse=sp.Matrix([shown(e) for e in _solved(layer)]),
                jacobian=shown(layer.jacobian),
                determinant=shown(layer.determinant),
                log_abs_det_jacobian=_base_signs(
                    shown(layer.log_abs_det_jacobian), flow.base, zs, layer.index
                ),
                structure=layer.structure,
            )
        )
    base = flow.base
    zvec, xvec = sp.Matrix(zs), sp.Matrix(xs)
    steps = []
    base_lit = Lit(rf"Z \sim {dist_latex(base)}", f"Z ~ {dist_text(base)}")
    setting: list[Any] = [
        ("Let ", base_lit, f", a random vector in {d} dimensions with density"),
        (Row((p_z(zvec),), ((base.density(list(zs)),),)),),
    ]
    if k == 1:
        setting += [
            ("and let ", Lit("X = f(Z)", "X = f(Z)"), " with"),
            (Row((shown_function("f", "f")(zvec),), ((infos[0].forward,),)),),
        ]
    elif k > 1:
        setting.append((f"and let X be Z pushed through {k} transforms in order:",))
        rows = []
        for info in infos:
            fi = shown_function(f"f_{info.index}", f"f_{{{info.index}}}")
            rows.append(Row((fi(sp.Matrix(info.input_symbols)),), ((info.forward,),)))
        setting.append(tuple(rows))
    steps.append(Step("Setting", tuple(setting)))
    jac_inv = Lit(r"\left|\det J_{f^{-1}}(x)\right|", "|det J_f⁻¹(x)|")
    theorem = (
        "For a one-to-one, differentiable map of ",
        Lit(rf"\mathbb{{R}}^{{{d}}}", f"ℝ^{d}"),
        " onto its image, a small volume ",
        Lit(r"dz", "dz"),
        " around ",
        Lit("z", "z"),
        " is carried to a volume ",
        Lit(r"\left|\det J_f(z)\right| dz", "|det J_f(z)| dz"),
        " around ",
        Lit("x = f(z)", "x = f(z)"),
        ", and the probability in it is conserved:",
    )
    row = Row(
        (p_x(xvec),),
        (
            (p_z(shown_function("f⁻¹", "f^{-1}")(xvec)), Lit(r"\cdot", "·"), jac_inv),
            (Lit(r"\frac{p_Z(z)}{\left|\det J_f(z)\right|}", "p_Z(z)/|det J_f(z)|"),),
        ),
        (Lit(r"z = f^{-1}(x)", "z = f⁻¹(x)"),),
    )
    steps.append(Step("The change-of-variables theorem", (theorem, (row,))))
    for info in infos:
        label = "" if k == 1 else f" of layer {info.index}"
        zin = sp.Matrix(info.input_symbols)
        zout = sp.Matrix(info.output_symbols)
        blocks: list[Any] = [
            ("Solving the system for the input gives the inverse:",),
            (Row((zin,), ((info.inverse,),)),),
            (
                "The Jacobian matrix of partial derivatives is "
                + _STRUCTURE_WORDS.get(info.structure, "a matrix")
                + ":",
            ),
            (
                Row((Lit(r"J", "J"),), ((info.jacobian,),)),
                Row((Lit(r"\det J", "det J"),), ((info.determinant,),)),
                Row(
                    (Lit(r"\log\left|\det J\right|", "log|det J|"),),
                    ((info.log_abs_det_jacobian,),),
                ),
            ),
            _area_regime(tidy(sp.Abs(info.determinant)), d),
        ]
        del zout
        steps.append(Step("The inverse and the Jacobian" + label, tuple(blocks)))
    support = flow.support
    bounds = coordinate_bounds(support, list(xs))
    signs = bounds.signs if bounds is not None else {}
    result = tuple((drop_known_signs(e, signs, r), r) for e, r in density_terms(program))
    log_result = tuple((drop_known_signs(e, signs, r), r) for e, r in log_density_terms(program))
    rows = [Row((p_x(xvec),), ((e,),)) for e, _ in result]
    rows += [Row((Lit(r"\log p_X(x)", "log p_X(x)"),), ((e,),)) for e, _ in log_result]
    steps.append(Step("Result", (("Substituting and simplifying:",), tuple(rows))))
    if support is sp.true or (bounds is not None and bounds.everywhere):
        where: tuple[Piece, ...] = (
            "The density is positive on all of ",
            Lit(rf"\mathbb{{R}}^{{{d}}}", f"ℝ^{d}"),
            " (up to a set of measure zero)." if support is not sp.true else ".",
        )
    elif bounds is not None:
        where = (
            "The density is positive exactly where ",
            Lit(bounds.latex, bounds.text),
            " (up to the boundary, a set of measure zero), and zero elsewhere.",
        )
    else:
        where = ("The density is positive exactly where ", support, " and zero elsewhere.")
    steps.append(Step("Support", (where,)))
    family = family_of(flow)
    if family is not None:
        steps.append(family_step(family))
    return Derivation(
        flow=flow,
        steps=tuple(steps),
        input_symbol=zs[0],
        output_symbol=xs[0],
        layers=tuple(infos),
        result=result,
        log_result=log_result,
        log_terms=tuple(i.log_abs_det_jacobian for i in infos),
        support=support,
        family=family,
        extras={"inputs": zs, "outputs": xs},
    )
