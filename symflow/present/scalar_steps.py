"""The steps of a one-dimensional flow's derivation, read from its layers and Program.

For x = f(z), z ~ p_Z: the setting, the change-of-variables theorem, the inverse (per
branch), the derivative with a word on expansion or compression, the substitution (summed
over the branches when f is not one-to-one), and for a chain of layers the inverse pass and
the log-likelihood; then the result, its support and, when it is one, the named family.
The document these steps fill is :mod:`symflow.present.document`.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.closed_form import density_terms, log_density_terms, split_overlaps
from symflow.core.transform import ScalarTransform
from symflow.present.document import (
    BranchInfo,
    Derivation,
    LayerInfo,
    Lit,
    Piece,
    Row,
    Step,
    dist_latex,
    dist_text,
    family_of,
    family_step,
    in_set,
    inline_text,
    p_x,
    p_z,
    set_lit,
    shown_function,
    tidy,
)

__all__ = ["derive_scalar"]


def _like(original: sp.Symbol, name: str) -> sp.Symbol:
    if original.is_positive:
        return sp.Symbol(name, positive=True)
    if original.is_negative:
        return sp.Symbol(name, negative=True)
    return sp.Symbol(name, real=True)


class _Names:
    """Display symbols: z and x for one layer; z_0 … z_K and x for a chain."""

    def __init__(self, flow: Any):
        transforms = flow.transforms
        first = transforms[0] if transforms else None
        var = first.var if isinstance(first, ScalarTransform) else None
        self.v = var.name if var is not None and var.name != "x" else "z"
        self.x_name = "x" if self.v != "x" else "y"
        self.k = len(flow.layers)
        program = flow.program
        self.mapping: dict[sp.Symbol, sp.Symbol] = {}
        self.x = _like(program.x, self.x_name)
        if self.k <= 1:
            base_sym = flow.layers[0].input_symbol if flow.layers else program.base_symbol
            self.z = _like(base_sym, self.v)
            self.zs = [self.z, self.x]
            self.mapping[base_sym] = self.z
            if flow.layers:
                self.mapping[flow.layers[0].output_symbol] = self.x
        else:
            self.zs = [_like(flow.layers[0].input_symbol, f"{self.v}_0")]
            self.mapping[flow.layers[0].input_symbol] = self.zs[0]
            for layer in flow.layers:
                shown = _like(layer.output_symbol, f"{self.v}_{layer.index}")
                self.zs.append(shown)
                self.mapping[layer.output_symbol] = shown
                self.mapping.setdefault(layer.input_symbol, self.zs[layer.index - 1])
            self.z = self.zs[0]
        self.mapping[program.x] = self.x

    def __call__(self, expr: Any) -> Any:
        return expr.xreplace(self.mapping) if hasattr(expr, "xreplace") else expr

    def sym(self, i: int) -> sp.Symbol:
        """The display symbol of z_i (z and x when there is one layer)."""
        return self.zs[i]


def _regime(abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set, what: str) -> tuple[Piece, ...]:
    """A sentence on expansion (|f′| > 1 thins the density) or compression (< 1)."""
    w = _what_latex(what)

    def size(rel: str = "") -> Lit:
        return Lit(rf"|{w}|{rel}", f"|{what}|{rel}")

    generic = (
        "Where ",
        size(" > 1"),
        " the map stretches lengths (expansion): the same probability is spread over a "
        "longer interval, so the density is thinned; where ",
        size(" < 1"),
        " it compresses them and the density is concentrated.",
    )
    if t not in abs_det.free_symbols:
        if abs_det.free_symbols:
            return generic
        if abs_det > 1:
            return (
                Lit(rf"|{w}| = {sp.latex(abs_det)} > 1", f"|{what}| = {abs_det} > 1"),
                " everywhere: the map stretches every interval by the factor ",
                abs_det,
                " (expansion), so the same probability is spread over a longer interval and "
                "the density is thinned: divided by ",
                abs_det,
                ".",
            )
        if abs_det < 1:
            return (
                Lit(rf"|{w}| = {sp.latex(abs_det)} < 1", f"|{what}| = {abs_det} < 1"),
                " everywhere: the map shrinks every interval by the factor ",
                abs_det,
                " (compression), so the same probability is packed into a shorter interval "
                "and the density is concentrated: multiplied by ",
                tidy(1 / abs_det),
                ".",
            )
        return (
            Lit(rf"|{w}| = 1", f"|{what}| = 1"),
            ": lengths are preserved, the density is only moved.",
        )
    if abs_det.free_symbols - {t}:
        return generic
    regions = _split_at_one(abs_det, t, piece)
    if regions is None:
        return generic
    expand = [r for r, big in regions if big]
    compress = [r for r, big in regions if not big]
    if not (expand and compress):
        return _one_regime(abs_det, t, piece, what, bool(expand))
    out: list[Piece] = [size(), " varies with ", t, ": "]
    if expand:
        out += [
            "the map stretches lengths (expansion, density thinned) where ",
            size(" > 1"),
            ", for ",
            Lit(
                rf"{sp.latex(t)} \in {sp.latex(sp.Union(*expand))}",
                f"{t} ∈ {set_lit(sp.Union(*expand)).text}",
            ),
        ]
    if expand and compress:
        out += ["; it "]
    elif compress:
        out += ["the map "]
    if compress:
        out += [
            "compresses them (compression, density concentrated) where ",
            size(" < 1"),
            ", for ",
            Lit(
                rf"{sp.latex(t)} \in {sp.latex(sp.Union(*compress))}",
                f"{t} ∈ {set_lit(sp.Union(*compress)).text}",
            ),
        ]
    out.append(".")
    return tuple(out)


def _one_regime(
    abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set, what: str, expands: bool
) -> tuple[Piece, ...]:
    """|f′| stays on one side of 1 on the whole piece: one specific sentence."""
    w = _what_latex(what)
    rel_tex, rel_txt = (">", ">") if expands else ("<", "<")
    claim = Lit(
        rf"|{w}| = {sp.latex(abs_det)} {rel_tex} 1",
        f"|{what}| = {inline_text(abs_det)} {rel_txt} 1",
    )
    where = Lit(
        rf"{sp.latex(t)} \in {sp.latex(piece)}",
        f"{t} ∈ {set_lit(piece).text}",
    )
    if expands:
        return (
            claim,
            " for every ",
            where,
            ": the map stretches every interval (expansion), so the same probability is "
            "spread over a longer interval and the density is thinned, divided by ",
            Lit(rf"|{w}|", f"|{what}|"),
            ".",
        )
    return (
        claim,
        " for every ",
        where,
        ": the map shrinks every interval (compression), so the same probability is "
        "packed into a shorter interval and the density is concentrated, multiplied by ",
        Lit(rf"1/|{w}| > 1", f"1/|{what}| > 1"),
        ".",
    )


def _what_latex(what: str) -> str:
    out = what.replace("′", "'").replace("det J", r"\det J")
    return re.sub(r"_(\d+)", r"_{\1}", out)


def _split_at_one(abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set):
    """[(sub-interval, |f′| > 1 there)] or None when the crossings are not found."""
    from symflow.core.intervals import as_intervals, interior_point

    if not isinstance(piece, sp.Interval):
        return None
    crossings = attempt(lambda: sp.solveset(sp.Eq(abs_det, 1), t, piece), 3.0, None)
    if crossings is None or not (crossings.is_empty or isinstance(crossings, sp.FiniteSet)):
        return None
    points = [] if crossings.is_empty else sorted(crossings, key=lambda v: float(v))
    if len(points) > 6:
        return None
    edges = [piece.inf, *points, piece.sup]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        part = sp.Interval.open(lo, hi)
        for p in as_intervals(part):
            value = attempt(lambda p=p: float(abs_det.subs(t, interior_point(p))), 2.0, None)
            if value is None:
                return None
            if value != 1:
                out.append((p, value > 1))
    return out


def _layer_info(layer: Any, names: _Names) -> LayerInfo:
    t, y = layer.input_symbol, layer.output_symbol
    branches = []
    for b in layer.branches:
        abs_det = tidy(b.direction * b.derivative)
        inv_d = tidy(1 / abs_det.xreplace({t: b.inverse}))
        branches.append(
            BranchInfo(
                piece=b.piece,
                image=b.image,
                direction=b.direction,
                inverse=names(b.inverse),
                derivative=names(b.derivative),
                abs_det=names(abs_det),
                inverse_derivative=names(inv_d),
                log_abs_det_jacobian=names(b.log_abs_det_jacobian),
                implicit=b.implicit,
            )
        )
    return LayerInfo(layer.index, names(t), names(y), names(layer.forward), tuple(branches))


def derive_scalar(flow: Any) -> Derivation:
    """The derivation of a one-dimensional flow's density (see the module docstring).

    Examples
    --------
    >>> import sympy as sp, symflow as sf
    >>> t = sp.Symbol("t", real=True)
    >>> d = derive_scalar(sf.Flow(sf.Uniform(-1, 2), [sf.Transform(t**2, t)]))
    >>> len(d.layers[0].branches), d.steps[4].title  # z² has two inverse branches
    (2, 'Substitution')
    """
    names = _Names(flow)
    layers = tuple(_layer_info(layer, names) for layer in flow.layers)
    program = flow.program
    x = names.x
    result = tuple((names(e), r) for e, r in density_terms(program))
    log_result = tuple((names(e), r) for e, r in log_density_terms(program))
    log_terms = _log_terms(program, names)
    family = family_of(flow)
    support = flow.support
    k = len(layers)
    steps = [_setting(flow, names, layers)]
    if k == 0:
        steps.append(
            Step(
                "No transform",
                (
                    (
                        "With no transform, X = Z and ",
                        shown_function("p_X", "p_{X}")(x),
                        " = ",
                        shown_function("p_Z", "p_{Z}")(x),
                        ".",
                    ),
                ),
            )
        )
    elif k == 1:
        steps += [
            _theorem_one(layers[0], names),
            _inverse_one(layers[0], names),
            _derivative_one(layers[0], names, flow.layers[0]),
            _substitution_one(flow, layers[0], names),
        ]
    else:
        steps.append(_theorem_chain(names, k))
        steps += [_layer_step(info, names, k) for info in layers]
        steps.append(_inverse_pass(program, names))
        steps.append(_log_likelihood(program, names, k, log_terms, log_result))
    steps.append(_result_step(result, log_result, names, log_form=k <= 1))
    steps.append(_support_step(flow, names, support))
    if family is not None:
        steps.append(family_step(family))
    return Derivation(
        flow=flow,
        steps=tuple(steps),
        input_symbol=names.z,
        output_symbol=x,
        layers=layers,
        result=result,
        log_result=log_result,
        log_terms=log_terms,
        support=support,
        family=family,
    )


def _log_terms(program: Any, names: _Names) -> tuple[sp.Expr, ...]:
    if not program.paths:
        return ()
    values: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for a in program.paths[0].assignments:
        value = a.value.xreplace(values)
        values[a.target] = value
        if a.kind == "log_det":
            out.append(names(tidy(value)))
    return tuple(out)


def _f(i: int | None, k: int) -> tuple[str, str]:
    """(text, latex) of f or f_i."""
    if i is None or k <= 1:
        return "f", "f"
    return f"f_{i}", f"f_{{{i}}}"


def _finv(i: int | None, k: int):
    text, latex = _f(i, k)
    return shown_function(f"{text}⁻¹", f"{latex}^{{-1}}")


def _setting(flow: Any, names: _Names, layers: tuple[LayerInfo, ...]) -> Step:
    z = names.z
    base = flow.base
    base_lit = Lit(rf"Z \sim {dist_latex(base)}", f"Z ~ {dist_text(base)}")
    rows = [Row((p_z(z),), ((base.density(z),),), in_set(z, base.support))]
    k = len(layers)
    prose: list[Piece] = ["Let ", base_lit, ", with density"]
    blocks: list[Any] = [tuple(prose), tuple(rows)]
    if k == 1:
        blocks.append(("and let ", Lit("X = f(Z)", "X = f(Z)"), " with"))
        f = shown_function("f", "f")
        blocks.append((Row((f(z),), ((layers[0].forward,),)),))
        named = _named_method(base, layers[0].forward.xreplace({layers[0].input_symbol: z}), z)
        if named is not None:
            blocks.append((named,))
    elif k > 1:
        chain_tex = r" \circ ".join(f"f_{{{i}}}" for i in range(k, 0, -1))
        chain_txt = " ∘ ".join(f"f_{i}" for i in range(k, 0, -1))
        blocks.append(
            (
                "and let ",
                Lit(rf"X = {chain_tex}(Z)", f"X = {chain_txt}(Z)"),
                f", a chain of {k} transforms applied in order:",
            )
        )
        frows = []
        for info in layers:
            fi = shown_function(*_f(info.index, k))
            zi = names.sym(info.index - 1)
            frows.append(Row((fi(zi),), ((info.forward.xreplace({info.input_symbol: zi}),),)))
        blocks.append(tuple(frows))
    return Step("Setting", tuple(blocks))


def _named_method(base: Any, f: sp.Expr, z: sp.Symbol) -> str | None:
    """The name of the change of variables when it has one: f = F_Z is the probability
    integral transform; any increasing f on U(0, 1) is the inverse-CDF method."""
    from symflow.core.budget import attempt

    cdf = attempt(lambda: base.cdf(z), 5.0, None)
    if cdf is not None:
        points = (sp.Rational(1, 3), sp.Rational(7, 5), -sp.Rational(1, 2))
        inside = [p for p in points if base.support.contains(p) == sp.true]
        same = inside and all(
            attempt(lambda p=p: abs(complex((f - cdf).subs(z, p).evalf(30))) < 1e-25, 5.0, False)
            for p in inside
        )
        if same:
            return (
                "Here f is the CDF of Z itself: this is the probability integral transform, "
                "so X = F_Z(Z) is uniform on (0, 1)."
            )
    if base.support == sp.Interval(0, 1) or base.support == sp.Interval.open(0, 1):
        if attempt(lambda: base.density(z) == 1, 2.0, False):
            return (
                "Z is uniform on (0, 1), so this is the inverse-CDF method: when f is the "
                "quantile function F⁻¹ of a distribution, X = F⁻¹(Z) has that distribution, "
                "and F(X) = Z is the probability integral transform back."
            )
    return None


def _direction_word(direction: int) -> str:
    return "strictly increasing" if direction > 0 else "strictly decreasing"


def _theorem_one(info: LayerInfo, names: _Names) -> Step:
    x = names.x
    finv = _finv(None, 1)
    if len(info.branches) == 1:
        b = info.branches[0]
        prose = (
            "The map f is ",
            _direction_word(b.direction),
            " on ",
            set_lit(b.piece),
            ", hence one-to-one with an inverse on its image. For such a map the "
            "probability in a small interval is conserved, ",
            Lit(r"p_X(x)\,|dx| = p_Z(z)\,|dz|", "p_X(x)|dx| = p_Z(z)|dz|"),
            ", which gives the change-of-variables formula",
        )
        jac = Lit(
            rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|",
            f"|d/d{x} f⁻¹({x})|",
        )
        row = Row((p_x(x),), ((p_z(finv(x)), Lit(r"\cdot", "·"), jac),))
        return Step("The change-of-variables theorem", (prose, (row,)))
    n = len(info.branches)
    prose = (
        f"The map f is not one-to-one on the support: it is strictly monotone on each of {n} "
        "pieces, and on piece b it has its own inverse ",
        Lit("g_b", "g_b"),
        ". A value x has one preimage in every piece whose image contains it, and the "
        "probability arriving at x is the sum over them:",
    )
    gb = shown_function("g_b", "g_{b}")
    jac = Lit(rf"\left|g_b'\left({x}\right)\right|", f"|g_b′({x})|")
    row = Row(
        (p_x(x),),
        ((Lit(r"\sum_{b}", "Σ_b"), p_z(gb(x)), Lit(r"\cdot", "·"), jac),),
    )
    return Step("The change-of-variables theorem", (prose, (row,)))


def _inverse_one(info: LayerInfo, names: _Names) -> Step:
    z, x = names.z, names.x
    if len(info.branches) == 1:
        b = info.branches[0]
        finv = _finv(None, 1)
        if b.implicit:
            prose = (
                "The equation ",
                Lit(rf"{x} = f({z})", f"{x} = f({z})"),
                " has no closed-form solution for ",
                z,
                "; its unique root on the piece is written ",
                finv(x),
                " and is found numerically (a bracketed Newton iteration in the compiled kernel):",
            )
            row = Row((z,), ((finv(x),),), in_set(x, b.image))
        else:
            prose = ("Solving ", Lit(rf"{x} = f({z})", f"{x} = f({z})"), " for ", z, ":")
            row = Row((z,), ((finv(x),), (b.inverse,)), in_set(x, b.image))
        return Step("The inverse", (prose, (row,)))
    blocks: list[Any] = [
        ("Solving ", Lit(rf"{x} = f({z})", f"{x} = f({z})"), " for ", z, " on each piece:")
    ]
    rows = []
    for j, b in enumerate(info.branches, start=1):
        g = shown_function(f"g_{j}", f"g_{{{j}}}")
        rows.append(Row((g(x),), ((b.inverse,),), in_set(x, b.image)))
    blocks.append(tuple(rows))
    words = []
    for j, b in enumerate(info.branches, start=1):
        words += [
            Lit(f"g_{{{j}}}", f"g_{j}"),
            " inverts f on ",
            set_lit(b.piece),
            f", where f is {_direction_word(b.direction)[9:]}",
        ]
        words.append("; " if j < len(info.branches) else ".")
    blocks.append(tuple(words))
    return Step("The inverse", tuple(blocks))


def _derivative_one(info: LayerInfo, names: _Names, layer: Any) -> Step:
    z, x = names.z, names.x
    f = shown_function("f", "f")
    fprime = shown_function("f′", "f'")
    b0 = info.branches[0]
    blocks: list[Any] = [
        ("The derivative of f is the 1×1 Jacobian matrix, so its determinant is f′ itself:",),
        (Row((fprime(z),), ((b0.derivative,),)),),
    ]
    absdet = Lit(r"\left|\det J\right|", "|det J|")
    if len(info.branches) == 1:
        b = b0
        finv = _finv(None, 1)
        rows = [
            Row(
                (absdet,), ((Lit(rf"\left|f'\left({z}\right)\right|", f"|f′({z})|"),), (b.abs_det,))
            ),
            Row(
                (
                    Lit(
                        rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|",
                        f"|d/d{x} f⁻¹({x})|",
                    ),
                ),
                (
                    (
                        Lit(
                            rf"\frac{{1}}{{\left|f'\left({sp.latex(finv(x))}\right)\right|}}",
                            f"1/|f′(f⁻¹({x}))|",
                        ),
                    ),
                    (b.inverse_derivative,),
                ),
            ),
        ]
        blocks.append(tuple(rows))
        blocks.append(_regime(b.abs_det, z, b.piece, "f′"))
    else:
        rows = []
        for j, b in enumerate(info.branches, start=1):
            g = shown_function(f"g_{j}", f"g_{{{j}}}")
            rows.append(
                Row(
                    (Lit(rf"\left|g_{{{j}}}'\left({x}\right)\right|", f"|g_{j}′({x})|"),),
                    (
                        (
                            Lit(
                                rf"\frac{{1}}{{\left|f'\left({sp.latex(g(x))}\right)\right|}}",
                                f"1/|f′(g_{j}({x}))|",
                            ),
                        ),
                        (b.inverse_derivative,),
                    ),
                )
            )
        blocks.append(
            (
                "On each piece ",
                absdet,
                " = ",
                Lit(rf"|f'({z})|", f"|f′({z})|"),
                " and the inverse has derivative 1/|f′| at the preimage:",
            )
        )
        blocks.append(tuple(rows))
        for j, b in enumerate(info.branches, start=1):
            blocks.append(
                (f"On piece {j}, ", set_lit(b.piece), ": ", *_regime(b.abs_det, z, b.piece, "f′"))
            )
    del f, layer
    return Step("The derivative and the Jacobian", tuple(blocks))


def _substitution_one(flow: Any, info: LayerInfo, names: _Names) -> Step:
    x = names.x
    base = flow.base
    terms: list[Piece] = []
    for j, b in enumerate(info.branches):
        if j:
            terms.append(Lit("+", "+"))
        terms += [base.density(b.inverse), Lit(r"\cdot", "·"), b.inverse_derivative]
    if len(info.branches) == 1:
        finv = _finv(None, 1)
        symbolic: tuple[Piece, ...] = (
            p_z(finv(x)),
            Lit(r"\cdot", "·"),
            Lit(rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|", f"|d/d{x} f⁻¹({x})|"),
        )
        prose = (
            "Substituting the inverse and the factor |d f⁻¹/dx| into the formula, with ",
            p_z(names.z),
            " from step 1:",
        )
    else:
        return _substitution_branches(flow, info, names)
    rows = (Row((p_x(x),), (symbolic,)), Row((), (tuple(terms),)))
    return Step("Substitution", (prose, rows))


def _substitution_branches(flow: Any, info: LayerInfo, names: _Names) -> Step:
    """Σ_b p_Z(g_b(x))|g_b′(x)| on each piece of the support, over the branches covering it.

    The images of the branches may overlap only in part (z² on U(−1, 2)): the support is
    split at every edge of an image, and each piece sums the branches whose image
    contains it.
    """
    x = names.x
    base = flow.base
    pieces = split_overlaps([b.image for b in info.branches])
    rows = []
    for piece, members in pieces:
        symbolic: tuple[Piece, ...] = ()
        values: tuple[Piece, ...] = ()
        for j in members:
            b = info.branches[j]
            g = shown_function(f"g_{j + 1}", f"g_{{{j + 1}}}")
            if symbolic:
                symbolic += (Lit("+", "+"),)
                values += (Lit("+", "+"),)
            symbolic += (
                p_z(g(x)),
                Lit(r"\cdot", "·"),
                Lit(rf"\left|g_{{{j + 1}}}'\left({x}\right)\right|", f"|g_{j + 1}′({x})|"),
            )
            values += (base.density(b.inverse), Lit(r"\cdot", "·"), b.inverse_derivative)
        rows.append(Row((p_x(x),), (symbolic,), in_set(x, piece)))
        rows.append(Row((), (values,)))
    if len(pieces) == 1:
        prose: tuple[Piece, ...] = (
            "Substituting each branch into the sum, with ",
            p_z(names.z),
            " from step 1:",
        )
    else:
        edges = sorted(
            {e for piece, _ in pieces for e in (piece.inf, piece.sup) if e.is_finite},
            key=lambda e: float(e),
        )
        prose = (
            "The images of the branches differ, so a value x has a preimage only in the "
            "pieces whose image contains it. Splitting the support at ",
            Lit(
                ", ".join(sp.latex(e) for e in edges),
                ", ".join(sp.sstr(e) for e in edges),
            ),
            " and substituting, on each part, the branches that reach it (with ",
            p_z(names.z),
            " from step 1):",
        )
    return Step("Substitution", (prose, tuple(rows)))


def _theorem_chain(names: _Names, k: int) -> Step:
    v = names.v
    prose = (
        "Apply the change of variables once per layer. Write ",
        Lit(rf"{v}_{{{k}}} = {names.x}", f"{v}_{k} = {names.x}"),
        " and run the chain backwards, ",
        Lit(rf"{v}_{{i-1}} = f_i^{{-1}}({v}_i)", f"{v}_(i-1) = f_i⁻¹({v}_i)"),
        ". Each layer divides the density by its |det J|, so in log form",
    )
    row = Row(
        (Lit(rf"\log p_X({names.x})", f"log p_X({names.x})"),),
        (
            (
                Lit(
                    rf"\log p_Z({v}_0) - \sum_{{i=1}}^{{{k}}} "
                    rf"\log\left|\det \frac{{\partial f_i}}{{\partial {v}_{{i-1}}}}\right|",
                    f"log p_Z({v}_0) − Σ_(i=1..{k}) log|det ∂f_i/∂{v}_(i−1)|",
                ),
            ),
        ),
    )
    after = (
        "In one dimension ",
        Lit(
            rf"\det \partial f_i/\partial {v}_{{i-1}} = f_i'({v}_{{i-1}})",
            f"det ∂f_i/∂{v}_(i−1) = f_i′({v}_(i−1))",
        ),
        ".",
    )
    return Step("The change-of-variables theorem for a chain", (prose, (row,), after))


def _layer_step(info: LayerInfo, names: _Names, k: int) -> Step:
    i = info.index
    zin, zout = info.input_symbol, info.output_symbol
    fi_text, fi_latex = _f(i, k)
    fprime = shown_function(f"{fi_text}′", f"{fi_latex}'")
    finv = _finv(i, k)
    blocks: list[Any] = [
        ("The inverse of ", Lit(fi_latex, fi_text), ", its derivative and its log-determinant:")
    ]
    rows = []
    for j, b in enumerate(info.branches, start=1):
        if len(info.branches) > 1:
            g = shown_function(f"g_{i},{j}", f"g_{{{i},{j}}}")
            rhs = ((g(zout),), (b.inverse,))
        elif b.implicit:
            rhs = ((finv(zout),),)
        else:
            rhs = ((finv(zout),), (b.inverse,))
        rows.append(Row((zin,), rhs, in_set(zout, b.image)))
    rows.append(Row((fprime(zin),), ((info.branches[0].derivative,),)))
    label = Lit(
        rf"\log\left|\det \frac{{\partial {fi_latex}}}{{\partial {sp.latex(zin)}}}\right|",
        f"log|det ∂{fi_text}/∂{zin}|",
    )
    for b in info.branches:
        cond = in_set(zin, b.piece) if len(info.branches) > 1 else ()
        rows.append(Row((label,), ((b.log_abs_det_jacobian,),), cond))
    blocks.append(tuple(rows))
    for b in info.branches:
        blocks.append(_regime(b.abs_det, zin, b.piece, f"{fi_text}′"))
    return Step(f"Layer {i}", tuple(blocks))


def _inverse_pass(program: Any, names: _Names) -> Step:
    several = len(program.paths) > 1
    blocks: list[Any] = [
        (
            "The inverse pass runs from x back to the base variable"
            + (" (one pass per combination of branches):" if several else ":"),
        ),
    ]
    for p_index, path in enumerate(program.paths, start=1):
        rows = []
        composed: dict[sp.Symbol, sp.Expr] = {}
        for a in path.assignments:
            if a.kind != "state":
                continue
            composed[a.target] = a.value.xreplace(composed)
            rows.append(Row((names(a.target),), ((names(a.value),),)))
        final = names(tidy(composed[program.base_symbol]))
        if final != rows[-1].rhs[0][0]:
            rows.append(Row((names.z,), ((final,),), in_set(names.x, path.region)))
        if several:
            blocks.append((f"Pass {p_index}:",))
        blocks.append(tuple(rows))
    return Step("The inverse pass", tuple(blocks))


def _log_likelihood(program: Any, names: _Names, k: int, log_terms, log_result) -> Step:
    z0 = names.z
    x = names.x
    blocks: list[Any] = [("Each layer's term, written in ", x, ":")]
    rows = []
    for i, term in enumerate(log_terms, start=1):
        zi = names.sym(i - 1)
        rows.append(
            Row(
                (
                    Lit(
                        rf"\log\left|f_{{{i}}}'\left({sp.latex(zi)}\right)\right|",
                        f"log|f_{i}′({zi})|",
                    ),
                ),
                ((term,),),
            )
        )
    blocks.append(tuple(rows))
    total = Lit(
        rf"\log p_Z\left({sp.latex(z0)}\right) - "
        + " - ".join(rf"\log\left|f_{{{i}}}'\right|" for i in range(1, k + 1)),
        f"log p_Z({z0}) − " + " − ".join(f"log|f_{i}′|" for i in range(1, k + 1)),
    )
    lhs = Lit(rf"\log p_X\left({sp.latex(x)}\right)", f"log p_X({x})")
    if len(program.paths) == 1 and len(log_result) == 1:
        blocks.append(("so that, with the base's log-density at ", z0, ","))
        blocks.append((Row((lhs,), ((total,),)), Row((), ((log_result[0][0],),))))
    else:
        blocks.append(
            (
                "(these are the terms of the first pass; each pass has its own), and the "
                "density sums over the passes:",
            )
        )
        parts: list[Piece] = []
        for j, (lp, _region) in enumerate(log_result):
            if j:
                parts.append(Lit("+", "+"))
            parts.append(sp.exp(lp, evaluate=False))
        blocks.append((Row((p_x(x),), (tuple(parts),)),))
    return Step("The log-likelihood", tuple(blocks))


def _result_step(result, log_result, names: _Names, log_form: bool = True) -> Step:
    x = names.x
    rows = []
    for expr, region in result:
        rows.append(Row((p_x(x),), ((expr,),), in_set(x, region)))
    blocks: list[Any] = [("Simplifying:",), tuple(rows)]
    if log_form and len(log_result) == 1:
        ((lexpr, region),) = log_result
        blocks.append(("or, in log form,",))
        blocks.append(
            (Row((Lit(rf"\log p_X({x})", f"log p_X({x})"),), ((lexpr,),), in_set(x, region)),)
        )
    return Step("Result", tuple(blocks))


def _support_step(flow: Any, names: _Names, support: Any) -> Step:
    x = names.x
    inside = Lit(
        rf"p_X({sp.latex(x)}) > 0 \text{{ exactly for }} {sp.latex(x)} \in {sp.latex(support)}",
        f"p_X({x}) > 0 exactly for {x} ∈ {set_lit(support).text}",
    )
    prose = (
        "X takes its values in the image of the base's support, ",
        set_lit(flow.base.support),
        ", under the map: ",
        inside,
        ", and ",
        Lit(rf"p_X({sp.latex(x)}) = 0", f"p_X({x}) = 0"),
        " elsewhere.",
    )
    return Step("Support", (prose,))
