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

__all__ = ["Transform", "check_declared_inverse"]


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
    if expr.has(sp.Float):  # exact first: 0.5*z + 1 is z/2 + 1
        expr = expr.xreplace({f: sp.Rational(repr(float(f))) for f in expr.atoms(sp.Float)})
    return expr


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple | sp.Matrix | sp.ImmutableMatrix) or (
        hasattr(value, "__len__")
        and hasattr(value, "__getitem__")
        and not isinstance(value, str | bytes | sp.Basic)
    )


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
        if _is_sequence(var) and not _is_sequence(expr):
            expr = [expr]  # one expression of several variables: a map to fewer dimensions
        if _is_sequence(expr) or _is_sequence(var):
            self._init_vector(expr, var, inverse, name)
            return
        self.dimension = 1
        self.output_dimension = 1
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
                f"point to one value, so det J = 0 everywhere and the result has no density." + hint
            )
        self.inverse_hint = None if inverse is None else _as_expression(inverse, "inverse")
        self.name = name or str(self.expr)
        self.exprs = (self.expr,)
        self.vars = (self.var,)

    def _init_vector(self, exprs: Any, variables: Any, inverse: Any, name: str | None) -> None:
        if not (_is_sequence(exprs) and _is_sequence(variables)):
            raise TransformError(
                "A vector transform takes a list of expressions and a list of variables: "
                f"Transform([e1, ..., ed], [z1, ..., zd]); got {exprs!r} and {variables!r}."
            )
        exprs = [_as_expression(e, f"Transform expression {i + 1}") for i, e in enumerate(exprs)]
        variables = list(variables)
        for v in variables:
            if not isinstance(v, sp.Symbol):
                raise TransformError(
                    f"Transform variables must be SymPy Symbols; got {v!r} ({type(v).__name__})."
                )
        if len(set(variables)) != len(variables):
            raise TransformError(f"Transform variables must be distinct; got {variables}.")
        if not exprs:
            raise TransformError(
                f"A transform needs at least one expression; got none for the variables "
                f"{variables}. Pass e.g. Transform(z1 + z2, [z1, z2])."
            )
        if len(exprs) > len(variables):
            raise TransformError(
                f"A transform maps d variables to at most d expressions; got {len(exprs)} "
                f"expressions in {len(variables)} variables {variables}. More outputs than "
                f"inputs have no density: their values lie on a lower-dimensional surface."
            )
        if inverse is not None:
            raise TransformError("Declared inverses are supported for scalar transforms only.")
        if len(exprs) < len(variables):
            self._init_reducing(exprs, variables, name)
            return
        unused = [v for v in variables if not any(v in e.free_symbols for e in exprs)]
        if unused:
            others = sorted(
                {s.name for e in exprs for s in e.free_symbols} - {v.name for v in variables}
            )
            hint = (
                f" The expressions use {', '.join(others)} instead: do the variables match "
                f"the expressions?"
                if others
                else ""
            )
            raise CollapseError(
                f"Transform {exprs} does not depend on the variable(s) "
                f"{', '.join(v.name for v in unused)}: det J = 0 everywhere, so the result has "
                f"no density in the same space." + hint
            )
        self.dimension = len(exprs)
        self.output_dimension = len(exprs)
        self.exprs = tuple(exprs)
        self.vars = tuple(variables)
        self.expr = sp.Matrix(exprs)
        self.var = None
        self.inverse_hint = None
        self.name = name or str(list(exprs))

    def _init_reducing(self, exprs: list[sp.Expr], variables: list, name: str | None) -> None:
        """m < d expressions of d variables: the flow integrates the other directions out
        (see :mod:`symflow.core.reduce`). ``dimension`` is d, ``output_dimension`` m."""
        for i, e in enumerate(exprs, start=1):
            if not e.free_symbols & set(variables):
                raise CollapseError(
                    f"Transform {exprs}: output {i} ({e}) depends on none of the variables "
                    f"{', '.join(v.name for v in variables)}; it is a constant and has no "
                    f"density."
                )
        self.dimension = len(variables)
        self.output_dimension = len(exprs)
        self.exprs = tuple(exprs)
        self.vars = tuple(variables)
        self.expr = exprs[0] if len(exprs) == 1 else sp.Matrix(exprs)
        self.var = None
        self.inverse_hint = None
        self.name = name or (str(exprs[0]) if len(exprs) == 1 else str(list(exprs)))

    @property
    def reduces(self) -> bool:
        """True when the map has fewer outputs than variables (m < d)."""
        return self.output_dimension < self.dimension

    @property
    def jacobian(self) -> sp.Matrix:
        """∂f_i/∂z_j as a SymPy Matrix (1×1 for a scalar transform)."""
        return sp.Matrix(self.exprs).jacobian(list(self.vars))

    @property
    def jacobian_determinant(self) -> sp.Expr:
        """det ∂f/∂z (structure-aware; see symflow.core.jacobian)."""
        from symflow.core.jacobian import determinant

        return determinant(self.jacobian)

    @property
    def parameters(self) -> set[sp.Symbol]:
        """Free symbols other than the variables."""
        if self.dimension > 1:
            return set().union(*[e.free_symbols for e in self.exprs]) - set(self.vars)
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
        """f(t): the map's expression with its variable z replaced by the symbol t.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> t = sp.Symbol("t", positive=True)
        >>> sf.Transform(sp.exp(2 * z), z).in_variable(t)
        exp(2*t)
        """
        return self.expr.xreplace({self.var: t})

    def __repr__(self) -> str:
        if self.reduces and self.output_dimension == 1:
            return f"Transform({self.exprs[0]}, {list(self.vars)})"
        if self.dimension > 1:
            return f"Transform({list(self.exprs)}, {list(self.vars)})"
        return f"Transform({self.expr}, {self.var})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Transform)
            and other.exprs == self.exprs
            and other.vars == self.vars
            and other.inverse_hint == self.inverse_hint
        )

    def __hash__(self) -> int:
        return hash((self.exprs, self.vars))


#: digits of the arithmetic that checks a declared inverse
_DIGITS = 50


def check_declared_inverse(
    f: sp.Expr, t: sp.Symbol, g: sp.Expr, y: sp.Symbol, piece: sp.Interval, image: sp.Interval
) -> float | None:
    """A point y of ``image`` where g is not f⁻¹ on ``piece`` (f(g(y)) ≠ y), or None.

    At test points spread over the image, z = g(y) is evaluated at 50 significant
    digits, must be real and inside the piece, and f(z), evaluated at 50 digits from
    that z (never from z rounded to float64), must equal y to within the rounding that
    the conditioning |z·f'(z)/f(z)| of f explains. Points where z or f(z) is beyond the
    float64 range (a forward map that under- or overflows there) are skipped: they
    test the arithmetic, not the inverse. Expressions with parameters are checked when
    their values are known.

    Examples
    --------
    >>> z, y = sp.symbols("z y", positive=True)
    >>> piece, image = sp.Interval.open(0, sp.oo), sp.Interval.open(1, sp.oo)
    >>> check_declared_inverse(sp.exp(z**3), z, sp.log(y) ** sp.Rational(1, 3), y, piece, image)
    >>> check_declared_inverse(sp.exp(z**3), z, sp.log(y) ** sp.Rational(1, 2), y, piece, image)
    1.0749894209332456
    """
    from symflow.core.budget import attempt
    from symflow.core.intervals import interior_points

    if (f.free_symbols | g.free_symbols) - {t, y}:
        return None
    tiny, huge = sp.Float("1e-300"), sp.Float("1e300")
    for value in interior_points(image, 7):
        v = sp.Rational(value)
        z0 = attempt(lambda v=v: g.subs(y, v).evalf(_DIGITS), 5.0, None)
        if z0 is None or not z0.is_number or z0.has(sp.zoo, sp.nan):
            return value
        re, im = z0.as_real_imag()
        if abs(im) > sp.Float(10) ** (10 - _DIGITS) * max(1, abs(re)):
            return value
        if re.is_infinite or abs(re) > huge or (re != 0 and abs(re) < tiny):
            continue  # beyond float64: the forward map over- or underflows here
        slack = sp.Float(10) ** (10 - _DIGITS) * max(1, abs(re))
        if (piece.inf.is_finite and re < piece.inf - slack) or (
            piece.sup.is_finite and re > piece.sup + slack
        ):
            return value
        back = attempt(lambda r=re: f.subs(t, r).evalf(_DIGITS), 5.0, None)
        slope = attempt(lambda r=re: sp.diff(f, t).subs(t, r).evalf(_DIGITS), 5.0, None)
        if back is None or not back.is_number or not back.is_finite:
            return value
        condition = 1 if slope is None or not slope.is_finite else 1 + abs(slope * re)
        if abs(back - v) > sp.Float(10) ** (15 - _DIGITS) * condition * max(1, abs(v)):
            return value
    return None
