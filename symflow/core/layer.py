"""A transform placed on a support: its branches, inverses, images and log|det| terms.

A :class:`Layer` is what a :class:`~symflow.core.transform.Transform` becomes once it is
known where its input lives. On each open piece of the incoming support where f is
strictly monotone it has a :class:`Branch` holding the inverse g = f⁻¹ on that piece, the
image f(piece), the direction of f, and log|f'|. A bijection has one branch.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.transform import Transform
>>> z = sp.Symbol("z", real=True)
>>> layer = Layer.place(Transform(sp.exp(z), z), sp.S.Reals, index=1)
>>> b, = layer.branches
>>> b.inverse, b.image, b.log_abs_det_jacobian
(log(z_1), Interval.open(0, oo), z_0)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflow.core.intervals import describe_set, symbol_on
from symflow.core.inverse import image_of, invert, verify_inverse
from symflow.core.pieces import monotone_pieces, smooth_parts
from symflow.core.simplify import drop_even_signs, tidy_log
from symflow.core.transform import Transform
from symflow.errors import InverseError

__all__ = [
    "Branch",
    "Layer",
    "ImplicitInverse",
    "implicit_inverse",
    "tidy_log",  # re-exported from symflow.core.simplify
    "drop_even_signs",
]


class ImplicitInverse(sp.Function):
    """f⁻¹(x) with no closed form: the root z of f(z) = x on one monotone piece.

    Each use creates a subclass (see :func:`implicit_inverse`) that carries the forward
    expression, its variable, the piece (lo, hi) and the direction of f there, so that
    code generation can emit a bracketed Newton solver for it.
    """

    nargs = 1
    forward: sp.Expr
    variable: sp.Symbol
    lo: sp.Expr
    hi: sp.Expr
    direction: int
    label: str

    def _latex(self, printer, exp=None):
        body = rf"{self.label}^{{-1}}\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _sympystr(self, printer):
        return f"{self.label}^-1({printer._print(self.args[0])})"

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=f"{self.label}⁻¹")

    def fdiff(self, argindex=1):
        z = self.func(self.args[0])
        return 1 / sp.diff(self.forward, self.variable).xreplace({self.variable: z})


def implicit_inverse(f: sp.Expr, t: sp.Symbol, piece, direction: int, label: str):
    """A new ImplicitInverse subclass for f on ``piece`` (an open interval)."""
    name = f"ImplicitInverse_{label}_{abs(hash((f, piece))) % 10**8}"
    return type(
        name,
        (ImplicitInverse,),
        {
            "forward": f,
            "variable": t,
            "lo": piece.inf,
            "hi": piece.sup,
            "direction": direction,
            "label": label,
        },
    )


def _substitutable(derivative: sp.Expr, t: sp.Symbol) -> sp.Expr:
    """Unevaluated derivatives (SymPy has no closed form for zeta'(z)) written as
    Subs(d/du F(u), u, t), so that t can be replaced by an expression later."""
    u = sp.Symbol("u", real=True)
    return derivative.replace(
        lambda e: isinstance(e, sp.Derivative) and e.variables == (t,),
        lambda e: sp.Subs(sp.Derivative(e.expr.xreplace({t: u}), u), u, t),
    )


@dataclass(frozen=True)
class Branch:
    """f restricted to one open piece where it is strictly monotone.

    ``inverse`` is written in the layer's output symbol, ``log_abs_det_jacobian``
    (log|f'|) in its input symbol.
    """

    piece: sp.Interval
    direction: int
    image: sp.Interval
    inverse: sp.Expr
    log_abs_det_jacobian: sp.Expr
    derivative: sp.Expr
    implicit: bool = False
    forward: sp.Expr | None = None
    stationary: tuple = ()


@dataclass(frozen=True)
class Layer:
    """Transform number ``index`` of a flow, placed on the support of its input."""

    transform: Transform
    index: int
    support: sp.Set
    input_symbol: sp.Symbol
    output_symbol: sp.Symbol
    forward: sp.Expr
    branches: tuple[Branch, ...]

    @property
    def image(self) -> sp.Set:
        """The support of the output: the union of the branches' images."""
        return sp.Union(*[b.image for b in self.branches])

    @property
    def is_bijective(self) -> bool:
        return len(self.branches) == 1

    @classmethod
    def place(cls, transform: Transform, support: sp.Set, index: int, base=None) -> Layer:
        """Place ``transform`` on ``support`` (an open interval or a union of them)."""
        from symflow.core.intervals import as_intervals

        label = f"Transform {transform.expr}"
        var = transform.var.name
        t = symbol_on(f"z_{index - 1}", support)
        y = symbol_on(f"z_{index}", sp.Interval(-sp.oo, sp.oo))
        f = transform.in_variable(t)
        branches: list[Branch] = []
        for component in as_intervals(support):
            for part, smooth in smooth_parts(f, t, component, label, var, base):
                tp = symbol_on(t.name, part)
                fp = smooth.xreplace({t: tp})
                for piece in monotone_pieces(fp, tp, part, label, var, base):
                    branches.append(
                        cls._branch(transform, fp, tp, piece, y, t, label, f"f_{index}")
                    )
        out_symbol = symbol_on(y.name, sp.Union(*[b.image for b in branches]))
        branches = [
            Branch(
                b.piece,
                b.direction,
                b.image,
                b.inverse.xreplace({y: out_symbol}),
                b.log_abs_det_jacobian,
                b.derivative,
                b.implicit,
                b.forward,
                b.stationary,
            )
            for b in branches
        ]
        return cls(transform, index, support, t, out_symbol, f, tuple(branches))

    @staticmethod
    def _branch(transform, fp, tp, piece, y, t, label, label_f="f") -> Branch:
        image = image_of(fp, tp, piece.interval)
        ty = symbol_on(y.name, image)
        hint = None
        if transform.inverse_hint is not None:
            hint = transform.inverse_hint.xreplace({transform.var: ty})
            bad = verify_inverse(fp, tp, hint, ty, piece.interval, image)
            if bad is not None:
                raise InverseError(
                    f"The declared inverse {transform.inverse_hint} of {label} is wrong on "
                    f"{describe_set(piece.interval)}: at {transform.var} = {bad:.6g} it does "
                    f"not map back into the piece with f(g({transform.var})) = "
                    f"{transform.var}. Remove it (symflow derives the inverse) or correct it."
                )
        g = invert(fp, tp, ty, piece.interval, hint)
        implicit = g is None
        if implicit:
            g = implicit_inverse(fp, tp, piece.interval, piece.direction, label_f)(ty)
        derivative = _substitutable(sp.diff(fp, tp), tp)
        log_det = tidy_log(sp.log(piece.direction * derivative))
        return Branch(
            piece.interval,
            piece.direction,
            image,
            g.xreplace({ty: y}),
            log_det.xreplace({tp: t}),
            derivative.xreplace({tp: t}),
            implicit,
            fp.xreplace({tp: t}),
            piece.stationary,
        )
