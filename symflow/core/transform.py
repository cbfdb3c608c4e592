"""Transforms: what a map f is, independently of where it is applied.

``Transform(...)`` builds one of three types, each owning its behaviour:
:class:`ScalarTransform` (x = f(z) in one variable: its derivative and an optional declared
inverse, a hint that is verified when the transform is placed on a support, never
trusted), :class:`VectorTransform` (d expressions in d variables: a square Jacobian) and
:class:`ReducingTransform` (m < d expressions: a map to fewer dimensions). Consumers
dispatch on these types, not on ``dimension``. Everything that depends on the incoming support
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

from symflow.core.constants import is_finite_number
from symflow.errors import CollapseError, SymflowError

__all__ = [
    "ReducingTransform",
    "ScalarOnlyError",
    "ScalarTransform",
    "Transform",
    "VectorTransform",
    "check_declared_inverse",
]


class TransformError(SymflowError, TypeError):
    """A transform was declared with arguments of the wrong kind.

    Examples
    --------
    >>> import symflow as sf
    >>> try:
    ...     sf.Transform("exp(z)", sp.Symbol("z"))
    ... except sf.TransformError as err:
    ...     print(str(err).split(";")[0])
    Transform expression must be a SymPy expression, not the string 'exp(z)'
    """


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


class ScalarOnlyError(TransformError, AttributeError):
    """A scalar-only attribute (f', the variable z, f(value)) was asked of a map of
    several variables. It is also an AttributeError, so ``getattr(t, "var", None)`` is
    None for such a map.

    Examples
    --------
    >>> import symflow as sf
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> t = sf.Transform([z1 + z2, z1 - z2], [z1, z2])
    >>> try:
    ...     t.derivative
    ... except sf.ScalarOnlyError:
    ...     print("no derivative: use t.jacobian")
    no derivative: use t.jacobian
    >>> getattr(t, "var", None) is None
    True
    """


def _checked_lists(exprs: Any, variables: Any, inverse: Any) -> tuple[list, list]:
    """The expressions and variables of a map of several variables, checked."""
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
    return exprs, variables


def _kind(expr: Any, var: Any) -> type[Transform]:
    """The transform type that ``Transform(expr, var)`` builds."""
    if not (_is_sequence(expr) or _is_sequence(var)):
        return ScalarTransform
    outputs = len(expr) if _is_sequence(expr) else 1  # one expression of several variables
    if _is_sequence(var) and outputs < len(var):
        return ReducingTransform
    return VectorTransform


class Transform:
    """A map x = f(z) given as SymPy expressions: the public constructor of every kind.

    ``Transform(expr, z)`` is a :class:`ScalarTransform`, ``Transform([e1, ..., ed],
    [z1, ..., zd])`` a :class:`VectorTransform` and ``Transform(e, [z1, ..., zd])`` or
    ``Transform([e1, ..., em], [z1, ..., zd])`` with m < d a :class:`ReducingTransform`.
    Each kind owns its behaviour; all of them are instances of ``Transform``.

    Parameters
    ----------
    expr : sympy.Expr or list of sympy.Expr
        The forward expression f(z), or one expression per output.
    var : sympy.Symbol or list of sympy.Symbol
        The variable z, or the variables z1, ..., zd. Other free symbols are parameters.
    inverse : sympy.Expr, optional
        A declared inverse g written in the same variable (g(z) with f(g(z)) = z), for
        scalar transforms. It is checked where the transform is placed; a wrong one is an
        error naming a point.
    name : str, optional
        A display name (defaults to the expression).

    Attributes
    ----------
    exprs, vars : tuple
        The m expressions and the d variables.
    dimension, output_dimension : int
        d and m.

    Examples
    --------
    >>> import sympy as sp
    >>> z, z1, z2 = sp.symbols("z z1 z2", real=True)
    >>> Transform(2 * z + 3, z)
    Transform(2*z + 3, z)
    >>> type(Transform([z1 + z2, z1 - z2], [z1, z2])).__name__
    'VectorTransform'
    >>> type(Transform(z1 + z2, [z1, z2])).__name__
    'ReducingTransform'
    """

    exprs: tuple[sp.Expr, ...]
    vars: tuple[sp.Symbol, ...]
    expr: sp.Basic
    name: str
    dimension: int
    output_dimension: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Transform:
        if cls is Transform:
            expr = args[0] if args else kwargs.get("expr")
            var = args[1] if len(args) > 1 else kwargs.get("var")
            cls = _kind(expr, var)
        return super().__new__(cls)

    @property
    def reduces(self) -> bool:
        """True when the map has fewer outputs than variables (m < d)."""
        return False

    @property
    def formula(self) -> str:
        """f as text: the expression, or the list of expressions of a vector map."""
        return str(list(self.exprs))

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
        return set().union(*[e.free_symbols for e in self.exprs]) - set(self.vars)

    def compose(self, value: Any) -> sp.Basic:
        """f(value) for a vector of d values: a column Matrix of the m outputs.

        Examples
        --------
        >>> import sympy as sp
        >>> z1, z2, a, b = sp.symbols("z1 z2 a b", real=True)
        >>> Transform([z1 + z2, z1 - z2], [z1, z2]).compose([a, b])
        Matrix([
        [a + b],
        [a - b]])
        """
        return sp.Matrix(self.exprs).xreplace(dict(zip(self.vars, list(value), strict=True)))

    def latex(self, name: str = "f") -> str:
        """LaTeX of the definition f(z_1, …, z_d) = (e_1, …, e_m)ᵀ.

        Examples
        --------
        >>> import sympy as sp
        >>> z1, z2 = sp.symbols("z1 z2", real=True)
        >>> print(Transform(z1 * z2, [z1, z2]).latex())
        f(z_{1}, z_{2}) = \\left[\\begin{matrix}z_{1} z_{2}\\end{matrix}\\right]
        """
        args = ", ".join(sp.latex(v) for v in self.vars)
        return f"{name}({args}) = {sp.latex(sp.Matrix(self.exprs))}"

    def _key(self) -> tuple:
        return (self.exprs, self.vars)

    def __repr__(self) -> str:
        return f"Transform({list(self.exprs)}, {list(self.vars)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Transform) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((self.exprs, self.vars))


class ScalarTransform(Transform):
    """A scalar map x = f(z) given as a SymPy expression in one variable.

    Built by ``Transform(expr, z)``; it alone has a derivative f'(z), a variable ``var``,
    a declared inverse and a value f(t) at a point.

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
    >>> f = Transform(sp.exp(2 * z), z)
    >>> isinstance(f, ScalarTransform), f.derivative
    (True, 2*exp(2*z))
    """

    dimension = 1
    output_dimension = 1

    def __init__(self, expr: Any, var: Any, inverse: Any = None, name: str | None = None):
        if _is_sequence(expr) or _is_sequence(var):
            raise TransformError(
                f"A scalar transform takes one expression and one variable: "
                f"ScalarTransform(expr, z); got {expr!r} and {var!r}. Use "
                f"Transform([e1, ..., ed], [z1, ..., zd]) for a map of several variables."
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
                f"point to one value, so det J = 0 everywhere and the result has no density." + hint
            )
        self.inverse_hint = None if inverse is None else _as_expression(inverse, "inverse")
        self.name = name or str(self.expr)
        self.exprs = (self.expr,)
        self.vars = (self.var,)

    @property
    def formula(self) -> str:
        """f as text."""
        return str(self.expr)

    @property
    def parameters(self) -> set[sp.Symbol]:
        """Free symbols other than the variable (of f and of a declared inverse)."""
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

    def compose(self, value: Any) -> sp.Expr:
        """f(value) for one value or expression (no evaluation beyond substitution).

        Examples
        --------
        >>> import sympy as sp
        >>> z, w = sp.symbols("z w", real=True)
        >>> Transform(sp.exp(z), z).compose(w**2)
        exp(w**2)
        """
        return self.expr.xreplace({self.var: value})

    def latex(self, name: str = "f") -> str:
        """LaTeX of the definition f(z) = e.

        Examples
        --------
        >>> import sympy as sp
        >>> z = sp.Symbol("z", real=True)
        >>> Transform(sp.exp(z), z).latex("f_{1}")
        'f_{1}(z) = e^{z}'
        """
        return f"{name}({sp.latex(self.var)}) = {sp.latex(self.expr)}"

    def _key(self) -> tuple:
        return (self.exprs, self.vars, self.inverse_hint)

    def __repr__(self) -> str:
        return f"Transform({self.expr}, {self.var})"


def _scalar_only(attribute: str, instead: str) -> property:
    """A property that refuses, on a map of several variables, what only a scalar has."""

    def refuse(self: Transform) -> Any:
        raise ScalarOnlyError(
            f"{self!r} maps {self.dimension} variables {list(self.vars)}: it has no "
            f"{attribute}, which only a scalar Transform(expr, z) has. {instead}"
        )

    return property(refuse, doc=f"Refused: only a scalar transform has {attribute}.")


class _SeveralVariables(Transform):
    """What maps of several variables share: the refusals of scalar-only attributes."""

    derivative = _scalar_only("derivative f'(z)", "Use .jacobian (∂f_i/∂z_j).")
    var = _scalar_only("single variable", "Its variables are .vars.")
    inverse_hint = _scalar_only(
        "declared inverse", "Inverses of maps of several variables are derived."
    )

    def __call__(self, value: Any) -> sp.Expr:
        raise ScalarOnlyError(
            f"{self!r} maps {self.dimension} variables {list(self.vars)}; calling it with one "
            f"value {value!r} is defined for a scalar Transform(expr, z) only. Substitute "
            f"into .exprs instead: [e.subs(...) for e in t.exprs]."
        )

    def in_variable(self, t: sp.Symbol) -> sp.Expr:
        """Refused: only a scalar transform has one variable to rename."""
        raise ScalarOnlyError(
            f"{self!r} maps {self.dimension} variables {list(self.vars)}: in_variable({t}) "
            f"renames the one variable of a scalar Transform(expr, z). Use "
            f"[e.xreplace(...) for e in .exprs]."
        )


class VectorTransform(_SeveralVariables):
    """A bijection candidate x = f(z) of R^d: d expressions in d variables.

    Built by ``Transform([e1, ..., ed], [z1, ..., zd])``. It has a square Jacobian and
    its determinant; the scalar-only ``derivative``, ``var``, ``inverse_hint``,
    ``in_variable`` and ``f(value)`` raise :class:`~symflow.ScalarOnlyError`.

    Parameters
    ----------
    expr : list of sympy.Expr
        The d forward expressions.
    var : list of sympy.Symbol
        The d distinct variables; every one must appear in some expression.
    inverse : None
        Declared inverses are for scalar transforms only.
    name : str, optional
        A display name (defaults to the list of expressions).

    Examples
    --------
    >>> import sympy as sp
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> f = Transform([z1 + z2, z1 - z2], [z1, z2])
    >>> f, f.jacobian_determinant
    (Transform([z1 + z2, z1 - z2], [z1, z2]), -2)
    """

    def __init__(self, expr: Any, var: Any, inverse: Any = None, name: str | None = None):
        if _is_sequence(var) and not _is_sequence(expr):
            expr = [expr]  # Transform(e, [z]): one expression of one listed variable
        exprs, variables = _checked_lists(expr, var, inverse)
        if len(exprs) != len(variables):
            raise TransformError(
                f"A vector transform maps d variables to d expressions; got {len(exprs)} "
                f"expressions in {len(variables)} variables {variables}. Build maps to fewer "
                f"dimensions with Transform(...), which makes a ReducingTransform."
            )
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
        self.name = name or str(list(exprs))


class ReducingTransform(_SeveralVariables):
    """A map y = f(z) to fewer dimensions: m < d expressions in d variables.

    Built by ``Transform(e, [z1, ..., zd])`` or ``Transform([e1, ..., em], [z1, ...,
    zd])``; a flow ending in one integrates the other directions out (see
    ``symflow.core.reduce``). Its Jacobian is m×d, so it has no determinant; the
    scalar-only attributes raise :class:`~symflow.ScalarOnlyError`.

    Parameters
    ----------
    expr : sympy.Expr or list of sympy.Expr
        The m output expressions.
    var : list of sympy.Symbol
        The d > m distinct variables.
    inverse : None
        Declared inverses are for scalar transforms only.
    name : str, optional
        A display name (defaults to the expression or the list of expressions).

    Examples
    --------
    >>> import sympy as sp
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> f = Transform(z1 * z2, [z1, z2])
    >>> f, f.output_dimension, f.jacobian
    (Transform(z1*z2, [z1, z2]), 1, Matrix([[z2, z1]]))
    """

    def __init__(self, expr: Any, var: Any, inverse: Any = None, name: str | None = None):
        if not _is_sequence(expr):
            expr = [expr]  # one expression of several variables
        exprs, variables = _checked_lists(expr, var, inverse)
        if len(exprs) >= len(variables):
            raise TransformError(
                f"A map to fewer dimensions has fewer expressions than variables; got "
                f"{len(exprs)} expressions in {len(variables)} variables {variables}. Build "
                f"square maps with Transform(...), which makes a VectorTransform."
            )
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
        self.name = name or (str(exprs[0]) if len(exprs) == 1 else str(list(exprs)))

    @property
    def reduces(self) -> bool:
        """True: the map has fewer outputs than variables (m < d)."""
        return True

    @property
    def formula(self) -> str:
        """f as text: the expression of one output, or the list of m."""
        return str(self.exprs[0]) if self.output_dimension == 1 else str(list(self.exprs))

    @property
    def jacobian_determinant(self) -> sp.Expr:
        """Refused: an m×d Jacobian with m < d has no determinant."""
        raise TransformError(
            f"{self!r} maps {self.dimension} variables to {self.output_dimension} outputs: "
            f"its Jacobian is {self.output_dimension}×{self.dimension}, which has no "
            f"determinant. A flow ending in it integrates the other directions out."
        )

    def __repr__(self) -> str:
        if self.output_dimension == 1:
            return f"Transform({self.exprs[0]}, {list(self.vars)})"
        return super().__repr__()


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
        if (is_finite_number(piece.inf) and re < piece.inf - slack) or (
            is_finite_number(piece.sup) and re > piece.sup + slack
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
