"""Transforms: what a map f is, independently of where it is applied.

A :class:`Transform` holds the forward expression x = f(z), its variable, its
derivative and an optional declared inverse (a hint that is verified when the transform
is placed on a support, never trusted). Everything that depends on the incoming support
(which inverse branch, the image, whether f is monotone there) belongs to a
:class:`~symflow.core.layer.Layer`.

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> f = Transform(sp.sinh(z), z)
>>> f.derivative
cosh(z)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.errors import CollapseError, SymflowError

__all__ = ["Transform"]


class TransformError(SymflowError, TypeError):
    """A transform was declared with arguments of the wrong kind."""


def _as_expression(value: Any, what: str) -> sp.Expr:
    if isinstance(value, str | bytes):
        raise TransformError(
            f"{what} must be a SymPy expression, not the string {value!r}; build it with "
            f"sympy (sp.exp(z)) or parse it with symflow.core.parse.parse_expression."
        )
    try:
        expr = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError) as exc:
        raise TransformError(f"{what} must be a SymPy expression; got {value!r}.") from exc
    if not isinstance(expr, sp.Expr):
        raise TransformError(f"{what} must be a scalar SymPy expression; got {expr!r}.")
    return expr


class Transform:
    """A scalar map x = f(z) given as a SymPy expression in one variable.

    Parameters
    ----------
    expr : sympy.Expr
        The forward expression f(z).
    var : sympy.Symbol
        The variable z. Other free symbols of ``expr`` are parameters.
    inverse : sympy.Expr, optional
        A declared inverse g written in the same variable (g(z) with f(g(z)) = z). It is
        checked where the transform is placed; a wrong one is an error naming a point.
    name : str, optional
        A display name (defaults to the expression).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> Transform(2 * z + 3, z)
    Transform(2*z + 3, z)
    """

    def __init__(self, expr: Any, var: Any, inverse: Any = None, name: str | None = None):
        if isinstance(expr, list | tuple) or isinstance(var, list | tuple):
            raise TransformError(
                "Vector transforms Transform([e1, ..., ed], [z1, ..., zd]) are not supported "
                "yet; compose scalar transforms for now."
            )
        self.expr = _as_expression(expr, "Transform expression")
        if not isinstance(var, sp.Symbol):
            raise TransformError(
                f"Transform variable must be a SymPy Symbol such as sp.Symbol('z', real=True); "
                f"got {var!r} ({type(var).__name__})."
            )
        self.var = var
        if self.expr.has(sp.I) or self.expr.has(sp.zoo, sp.nan):
            raise TransformError(f"Transform {self.expr} is not a real expression.")
        if var not in self.expr.free_symbols:
            others = sorted(s.name for s in self.expr.free_symbols)
            hint = (
                f" It depends only on {', '.join(others)}: is {var} the right variable, or is"
                f" {', '.join(others)} undeclared?"
                if others
                else ""
            )
            raise CollapseError(
                f"Transform {self.expr} does not depend on its variable {var}: it maps every "
                f"point to one value, so det J = 0 everywhere and the result has no density."
                + hint
            )
        self.inverse_hint = None if inverse is None else _as_expression(inverse, "inverse")
        self.name = name or str(self.expr)

    @property
    def parameters(self) -> set[sp.Symbol]:
        """Free symbols other than the variable."""
        params = self.expr.free_symbols - {self.var}
        if self.inverse_hint is not None:
            params |= self.inverse_hint.free_symbols - {self.var}
        return params

    @property
    def derivative(self) -> sp.Expr:
        """f'(z)."""
        return sp.diff(self.expr, self.var)

    def __call__(self, value: Any) -> sp.Expr:
        """f evaluated at a value or expression."""
        return self.expr.subs(self.var, value)

    def in_variable(self, t: sp.Symbol) -> sp.Expr:
        """f written in another symbol t (used to attach support assumptions)."""
        return self.expr.xreplace({self.var: t})

    def __repr__(self) -> str:
        return f"Transform({self.expr}, {self.var})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Transform)
            and other.expr == self.expr
            and other.var == self.var
            and other.inverse_hint == self.inverse_hint
        )

    def __hash__(self) -> int:
        return hash((self.expr, self.var))
