"""A transform placed on a support: its branches, inverses, images and log|det| terms.

A :class:`Layer` is what a :class:`~symflow.core.transform.Transform` becomes once it is
known where its input lives. On each open piece of the incoming support where f is
strictly monotone it has a :class:`Branch` holding the inverse g = f⁻¹ on that piece, the
image f(piece), the direction of f, and log|f'|. A bijection has one branch.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.transform import Transform, check_declared_inverse
>>> z = sp.Symbol("z", real=True)
>>> layer = Layer.place(Transform(sp.exp(z), z), sp.S.Reals, index=1)
>>> b, = layer.branches
>>> b.inverse, b.image, b.log_abs_det_jacobian
(log(z_1), Interval.open(0, oo), z_0)
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import sympy as sp

from symflow.core.budget import attempt
from symflow.core.intervals import describe_set, symbol_on
from symflow.core.inverse import image_of, invert
from symflow.core.pieces import monotone_pieces, smooth_parts
from symflow.core.simplify import drop_even_signs, tidy_log
from symflow.core.special import known_derivatives
from symflow.core.transform import Transform, check_declared_inverse
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
        return f"{_plain(self.label)}^-1({printer._print(self.args[0])})"

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=f"{_plain(self.label)}⁻¹")

    def fdiff(self, argindex=1):
        z = self.func(self.args[0])
        return 1 / sp.diff(self.forward, self.variable).xreplace({self.variable: z})

    def _eval_evalf(self, prec):
        y = (
            sp.Float(self.args[0], mp.libmp.prec_to_dps(prec + 10))
            if self.args[0].is_Number
            else None
        )
        y = self.args[0]._eval_evalf(prec + 10) if y is None else y
        if y is None or not y.is_Float or self.forward.free_symbols - {self.variable}:
            return None
        with mp.workprec(prec + 20):
            root = solve_on_piece(type(self), mp.mpf(y._mpf_))
            return None if root is None else sp.Float._new(mp.mpf(root)._mpf_, prec)


def _plain(label: str) -> str:
    """A LaTeX label (f_{1,2}) as plain text (f_1,2)."""
    return label.replace("{", "").replace("}", "")


#: bits of the first, bracketed solve; the working precision is reached from it by Newton
_COARSE = 64


def solve_on_piece(cls, y):
    """The root t of f(t) = y on the piece (lo, hi) of ``cls``, in mpmath at the working
    precision, or None when y is not in the image of the piece.

    The root is bracketed and narrowed at :data:`_COARSE` bits (see :func:`_bracketed`),
    then polished by Newton's method, the precision doubling with each step (see
    :func:`_polish`), so that a root wanted to 1400 bits (evalf of exp(−t²/2) at
    t = −1e200 asks for that many) costs a few evaluations of f at that precision, not
    one per bit. Where Newton's method does not settle (f′ unknown or 0 at the root),
    the bracketed solve runs at the working precision.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> g = implicit_inverse(t + sp.exp(t), t, sp.Interval.open(-sp.oo, sp.oo), 1, "f")
    >>> with mp.workprec(2000):
    ...     y = -mp.mpf(10) ** 200 + mp.mpf(10) ** -350
    ...     r = solve_on_piece(g, y)
    ...     mp.nstr(r + mp.mpf(10) ** 200, 15), abs(r + mp.exp(r) - y) <= abs(y) * mp.eps
    ('1.0e-350', True)
    """
    if mp.mp.prec > 2 * _COARSE:
        with mp.workprec(_COARSE):
            start = _bracketed(cls, +y)  # (+y: y rounded to the coarse precision)
        root = None if start is None else _polish(cls, y, start)
        if root is not None:
            return root
    return _bracketed(cls, y)


def _polish(cls, y, t):
    """Newton's method for f(t) = y from t at :data:`_COARSE` bits up to the working
    precision, which each step doubles; None where a step leaves the piece, f′ is 0 or
    unknown, or the steps do not settle to the working precision."""
    slope = _mpmath_slope(cls)
    if slope is None:
        return None
    f = _mpmath_forward(cls)
    target = mp.mp.prec
    lo = None if cls.lo == -sp.oo else _mp_end(cls.lo)
    hi = None if cls.hi == sp.oo else _mp_end(cls.hi)
    bits = _COARSE
    for _ in range(64):
        bits = min(target, 2 * bits)
        with mp.workprec(bits + 20):
            try:
                step = (f(t) - y) / slope(t)
            except (ZeroDivisionError, ValueError, TypeError):
                return None
        if not mp.isfinite(step) or mp.im(step) != 0:
            return None
        t = t - step
        if (lo is not None and t <= lo) or (hi is not None and t >= hi):
            return None
        if bits == target and abs(step) <= abs(t) * mp.ldexp(1, 2 - target):
            return +t
    return None


def _bracketed(cls, y):
    """The root of f(t) = y on the piece of ``cls`` at the working precision, bracketed
    and narrowed by bisection (see :func:`solve_on_piece`); None outside the image.

    The bracket grows geometrically towards an infinite end and approaches a finite one,
    where f may be undefined, by ever larger factors (see :func:`_walk`); the bisection
    is geometric while the bracket spans decades, so it never leaves the piece: a root at
    e^(−1e200) or 1e200 is found in a few thousand steps.
    """
    f = _mpmath_forward(cls)
    s = cls.direction

    def g(t):
        return s * (f(t) - y)

    lo = None if cls.lo == -sp.oo else _mp_end(cls.lo)
    hi = None if cls.hi == sp.oo else _mp_end(cls.hi)
    # a start strictly inside the piece
    if lo is not None and hi is not None:
        a = b = (lo + hi) / 2
    elif lo is not None:
        a = b = lo + 1
    elif hi is not None:
        a = b = hi - 1
    else:
        a = b = mp.mpf(0)
    start = g(a)
    if start == 0:
        return a
    # down from the start while g > 0, or up while g < 0: the last two points bracket
    walked = _walk(g, a, lo, -1) if start > 0 else _walk(g, a, hi, 1)
    if walked is None:
        return None
    a, b = sorted(walked)
    if a != lo and g(a) == 0:  # (the walk stops at a finite end without evaluating g)
        return a
    shift = 1
    for _ in range(8 * mp.mp.prec + 200):  # bisection until the bracket is an ulp wide
        if a < 0 < b:
            m = mp.mpf(0)  # then the bracket has one sign, and the root any magnitude
        elif a == 0 or b == 0:
            m = mp.ldexp(a + b, -shift)  # towards 0 by ever larger factors
            shift *= 2
        elif a > 0 and b > 4 * a:
            m = mp.sqrt(a * b)  # halve the exponent range
        elif b < 0 and a < 4 * b:
            m = -mp.sqrt(a * b)
        else:
            m = (a + b) / 2
        if m in (a, b) or m != m:
            break
        gm = g(m)
        if gm == 0:
            return m
        if gm < 0:
            a = m
        else:
            b = m
    return (a + b) / 2


def _mp_end(end: sp.Expr):
    """A finite end of a piece at the working precision (an expression such as
    atan(2/3)^(1/3) too, which ``sp.Float`` does not take)."""
    return mp.mpf(sp.Float(sp.N(end, mp.mp.dps + 5), mp.mp.dps + 5)._mpf_)


def _walk(g, start, end, side: int):
    """(reached, previous): the first point from ``start`` towards ``end`` (None: the
    infinite end on ``side``) where side·g >= 0, and the point before it; None where
    there is none.

    Towards an infinite end the step doubles (1e300 is reached in about 1000 steps);
    towards a finite end the distance is divided by 2, 4, 16, 256, … (its binary exponent
    doubles), so that a root e^(−1e200) from the end is reached in about 700 steps. Where
    the distance rounds away, the end itself is returned where g changes sign there
    (or is undefined: a pole of f).
    """
    step, shift, previous = mp.mpf(1), 1, start
    t = start
    for _ in range(4 * mp.mp.prec + 2200):
        if side * g(t) >= 0:
            return t, previous
        previous = t
        if end is None:
            t = t + side * step
            step *= 2
        else:
            t = end + mp.ldexp(t - end, -shift)
            shift = min(2 * shift, 1 << 1100)  # exponents beyond ±2^1100: not a float
            if t == end:  # within a rounding of the end: the root is there, or nowhere
                return (t, previous) if _reaches(g, end, side) else None
    return None


def _reaches(g, end, side: int) -> bool:
    """side·g >= 0 at a finite end of the piece, where g may be undefined (a pole: then
    its limit is infinite and of the sign that walking towards the end did not see)."""
    try:
        value = g(end)
    except (ZeroDivisionError, ValueError):
        return True
    return not mp.isfinite(value) or side * value >= 0


@functools.lru_cache(maxsize=256)
def _mpmath_forward(cls):
    from symflow.core.special import mpmath_function

    return mpmath_function(cls.variable, cls.forward)  # betaincinv, erfcinv, ... included


@functools.lru_cache(maxsize=256)
def _mpmath_slope(cls):
    """f′ of ``cls`` as an mpmath function, or None where it has no closed form."""
    from symflow.core.special import mpmath_function

    slope = attempt(lambda: sp.diff(cls.forward, cls.variable), 2.0, None)
    if slope is None or slope.has(sp.Derivative, sp.Subs):
        return None
    return attempt(lambda: mpmath_function(cls.variable, slope), 5.0, None)


def _evaluate(cls, y):
    """f⁻¹(y) as lambdify's implementation: an mpmath number for an mpmath argument
    (at the working precision), a float for a float, elementwise for an array."""
    if isinstance(y, mp.mpf):
        root = solve_on_piece(cls, y)
        return mp.nan if root is None else root
    if np.ndim(y) > 0:
        return np.vectorize(lambda v: _evaluate(cls, v), otypes=[float])(y)
    with mp.workprec(80):
        root = solve_on_piece(cls, mp.mpf(float(y)))
        return math.nan if root is None else float(root)


def implicit_inverse(f: sp.Expr, t: sp.Symbol, piece, direction: int, label: str):
    """A new ImplicitInverse subclass for f on ``piece`` (an open interval).

    Its values evaluate (``evalf``, ``lambdify`` with the "mpmath" or "numpy" modules):
    a bracketed solve of f(t) = y on the piece.

    Examples
    --------
    >>> import numpy as np
    >>> t = sp.Symbol("t", real=True)
    >>> g = implicit_inverse(t + sp.exp(t), t, sp.Interval.open(-sp.oo, sp.oo), 1, "f")
    >>> r = g(sp.Rational(3, 2)).evalf(30)
    >>> r, (r + sp.exp(r)).evalf(25)
    (0.235040279874499458031632813285, 1.500000000000000000000000)
    >>> with mp.workdps(30):
    ...     print(sp.lambdify(t, g(t), "mpmath")(mp.mpf(2.5)))
    0.62735295958340561699423009754
    >>> sp.lambdify(t, g(t), "numpy")(np.array([1.0, 2.5]))
    array([0.        , 0.62735296])
    """
    plain = re.sub(r"\W", "_", label)  # f_{1,2}: a class name, printed by lambdify
    name = f"ImplicitInverse_{plain}_{abs(hash((f, piece))) % 10**8}"
    cls = type(
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
    cls._imp_ = staticmethod(functools.partial(_evaluate, cls))
    return cls


def _over_powers(derivative: sp.Expr, t: sp.Symbol, implicit: bool) -> sp.Expr:
    """An implicit root's f′ as one fraction where it is a sum with a negative power of t
    (3t² + 1/t = (3t³ + 1)/t), so that log|f′| splits into logs of t, which the edge
    pass takes in log space where the root underflows (f(t) = log t + t³ at −800).
    Closed-form inverses keep f′ as it is."""
    if not (implicit and isinstance(derivative, sp.Add)):
        return derivative
    if not any(p.exp.is_negative for p in derivative.atoms(sp.Pow) if p.base == t):
        return derivative
    joined = attempt(lambda: sp.together(derivative), 2.0, derivative)
    return joined if sp.count_ops(joined) <= 2 * sp.count_ops(derivative) else derivative


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
        pieces = []
        for component in as_intervals(support):
            for part, smooth in smooth_parts(f, t, component, label, var, base):
                tp = symbol_on(t.name, part)
                fp = smooth.xreplace({t: tp})
                pieces += [(fp, tp, p) for p in monotone_pieces(fp, tp, part, label, var, base)]
        # each piece's implicit inverse has its own name (f_{1,2}: layer 1, piece 2), so
        # that a density summing several reads as it is
        names = (
            [f"f_{index}"]
            if len(pieces) == 1
            else [f"f_{{{index},{k + 1}}}" for k in range(len(pieces))]
        )
        branches = [
            cls._branch(transform, fp, tp, piece, y, t, label, name)
            for (fp, tp, piece), name in zip(pieces, names, strict=True)
        ]
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
        image = image_of(fp, tp, piece.interval, piece.direction)
        ty = symbol_on(y.name, image)
        hint = None
        if transform.inverse_hint is not None:
            hint = transform.inverse_hint.xreplace({transform.var: ty})
            bad = check_declared_inverse(fp, tp, hint, ty, piece.interval, image)
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
        derivative = _substitutable(known_derivatives(sp.diff(fp, tp)), tp)
        log_det = tidy_log(sp.log(piece.direction * _over_powers(derivative, tp, implicit)))
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
