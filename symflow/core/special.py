"""Special and elementary functions as maps of the real line, kept as data.

For every function symflow can invert or split, the table below states, per open interval
of its argument where it is strictly monotone, the direction, its limits at the ends and its
inverse there (None when no closed form exists). One expression is read as a chain of such
unary steps (:func:`decompose`): x = F_K(... F_1(z)), each F_i with one argument holding the
variable (an affine step, a power, exp, erf, LambertW, ...). Support, branch splitting and
inversion use the chain: a composite is monotone where each step is, with the product of the
steps' directions, and it inverts by undoing the steps in turn.

The inverses that SymPy lacks are defined here as SymPy functions with a numeric evaluation
(:class:`gammaincinv`, :class:`gammainccinv`, :class:`betaincinv`); :func:`mpmath_function`
evaluates any expression in high precision, special functions included.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> [str(s.outer(sp.Symbol("u"))) for s in decompose(sp.erfc(2 * t + 1), t)]
['erfc(u)', 'u + 1', '2*u']
>>> [(p.lo, p.hi, p.direction) for p in step_of(sp.LambertW(t), t).pieces(sp.Reals)]
[(-exp(-1), oo, 1)]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sympy as sp

__all__ = [
    "complement",
    "radical_complement",
    "Monotone",
    "Step",
    "step_of",
    "decompose",
    "gammainc",
    "gammaincc",
    "gammaincinv",
    "gammainccinv",
    "special_values",
    "stdtr",
    "stdtrit",
    "incomplete_step",
    "betaincinv",
    "mpmath_function",
    "LOGGAMMA_MINIMUM",
    "cancel_inverse_pairs",
    "log_ndtr",
    "zeta_prime",
    "known_derivatives",
    "zetac",
    "distance_to_limit",
]

#: the positive root of digamma, where gamma and loggamma take their minimum on (0, oo)
LOGGAMMA_MINIMUM = sp.Float(
    "1.46163214496836234126265954232572132846819620400644635129598840859878644035380", 60
)

oo = sp.oo
pi = sp.pi


@dataclass(frozen=True)
class Monotone:
    """F on the open interval (lo, hi) of its argument: strictly monotone with ``direction``.

    ``at_lo`` and ``at_hi`` are lim F at lo+ and hi− (None: F is continuous there and the
    value is F(lo) / F(hi)); ``inverse`` maps a value y of F(lo, hi) back into (lo, hi), or
    is None when no closed form exists.
    """

    lo: sp.Expr
    hi: sp.Expr
    direction: int
    inverse: Callable[[sp.Expr], sp.Expr] | None
    at_lo: sp.Expr | None = None
    at_hi: sp.Expr | None = None
    #: points inside (lo, hi) where F' = 0 without a change of direction (u³ at 0)
    stationary: tuple = ()


@dataclass(frozen=True)
class Step:
    """One unary step x = F(inner): ``outer(u)`` is F, ``pieces(range)`` lists the intervals
    of monotonicity of F that meet the range its argument takes (None: unknown there)."""

    inner: sp.Expr
    outer: Callable[[sp.Expr], sp.Expr]
    pieces: Callable[[sp.Interval], tuple[Monotone, ...] | None]


def _whole(direction: int, inverse, at_lo=None, at_hi=None, lo=-oo, hi=oo):
    piece = Monotone(sp.sympify(lo), sp.sympify(hi), direction, inverse, at_lo, at_hi)
    return lambda rng: (piece,)


def _fixed(*pieces: Monotone):
    return lambda rng: pieces


# Functions of one argument: F -> its monotone pieces (the real domain is their union).
_UNARY: dict[type, Callable[[sp.Interval], tuple[Monotone, ...] | None]] = {
    sp.exp: _whole(1, sp.log, 0, oo),
    sp.log: _whole(1, sp.exp, -oo, oo, lo=0),
    sp.sinh: _whole(1, sp.asinh, -oo, oo),
    sp.asinh: _whole(1, sp.sinh, -oo, oo),
    sp.tanh: _whole(1, sp.atanh, -1, 1),
    sp.atanh: _whole(1, sp.tanh, -oo, oo, lo=-1, hi=1),
    sp.atan: _whole(1, sp.tan, -pi / 2, pi / 2),
    sp.asin: _whole(1, sp.sin, lo=-1, hi=1),
    sp.acos: _whole(-1, sp.cos, lo=-1, hi=1),
    sp.acosh: _whole(1, sp.cosh, lo=1, hi=oo, at_hi=oo),
    sp.asech: _whole(-1, sp.sech, oo, 0, lo=0, hi=1),
    sp.erf: _whole(1, sp.erfinv, -1, 1),
    sp.erfinv: _whole(1, sp.erf, -oo, oo, lo=-1, hi=1),
    sp.erfc: _whole(-1, sp.erfcinv, 2, 0),
    sp.erfcinv: _whole(-1, sp.erfc, oo, -oo, lo=0, hi=2),
    sp.erfi: _whole(1, None, -oo, oo),
    sp.cosh: _fixed(
        Monotone(-oo, sp.S.Zero, -1, lambda y: -sp.acosh(y), oo, None),
        Monotone(sp.S.Zero, oo, 1, sp.acosh, None, oo),
    ),
    sp.sech: _fixed(
        Monotone(-oo, sp.S.Zero, 1, lambda y: -sp.asech(y), 0, None),
        Monotone(sp.S.Zero, oo, -1, sp.asech, None, 0),
    ),
    sp.coth: _fixed(
        Monotone(-oo, sp.S.Zero, -1, sp.acoth, -1, -oo),
        Monotone(sp.S.Zero, oo, -1, sp.acoth, oo, 1),
    ),
    sp.csch: _fixed(
        Monotone(-oo, sp.S.Zero, -1, sp.acsch, 0, -oo), Monotone(sp.S.Zero, oo, -1, sp.acsch, oo, 0)
    ),
    sp.acoth: _fixed(
        Monotone(-oo, -sp.S.One, -1, sp.coth, 0, -oo), Monotone(sp.S.One, oo, -1, sp.coth, oo, 0)
    ),
    sp.acsch: _fixed(
        Monotone(-oo, sp.S.Zero, -1, sp.csch, 0, -oo), Monotone(sp.S.Zero, oo, -1, sp.csch, oo, 0)
    ),
    sp.acot: _fixed(
        Monotone(-oo, sp.S.Zero, -1, sp.cot, 0, -pi / 2),
        Monotone(sp.S.Zero, oo, -1, sp.cot, pi / 2, 0),
    ),
    sp.asec: _fixed(
        Monotone(-oo, -sp.S.One, 1, sp.sec, pi / 2, None),
        Monotone(sp.S.One, oo, 1, sp.sec, None, pi / 2),
    ),
    sp.acsc: _fixed(
        Monotone(-oo, -sp.S.One, -1, sp.csc, 0, None),
        Monotone(sp.S.One, oo, -1, sp.csc, None, 0),
    ),
    sp.Abs: _fixed(
        Monotone(-oo, sp.S.Zero, -1, lambda y: -y, oo, None),
        Monotone(sp.S.Zero, oo, 1, lambda y: y, None, oo),
    ),
    sp.loggamma: _fixed(
        Monotone(sp.S.Zero, LOGGAMMA_MINIMUM, -1, None, oo, None),
        Monotone(LOGGAMMA_MINIMUM, oo, 1, None, None, oo),
    ),
    sp.gamma: _fixed(
        Monotone(sp.S.Zero, LOGGAMMA_MINIMUM, -1, None, oo, None),
        Monotone(LOGGAMMA_MINIMUM, oo, 1, None, None, oo),
    ),
    sp.zeta: _fixed(Monotone(sp.S.One, oo, -1, None, oo, 1)),
    sp.Ei: _fixed(
        Monotone(-oo, sp.S.Zero, -1, None, 0, -oo), Monotone(sp.S.Zero, oo, 1, None, -oo, oo)
    ),
}


def _periodic(period, base_pieces):
    """Pieces of a periodic function on a bounded range: the pieces of one period shifted
    by k periods, each inverse shifted with them. None on an unbounded range."""

    def pieces(rng: sp.Interval) -> tuple[Monotone, ...] | None:
        from symflow.core.constants import is_finite_number

        if not (is_finite_number(rng.inf) and is_finite_number(rng.sup)):
            if all(p.lo.is_infinite or p.hi.is_infinite for p in base_pieces):
                return None
            return None
        first = sp.floor((rng.inf - base_pieces[0].lo) / period)
        last = sp.floor((rng.sup - base_pieces[0].lo) / period)
        if not (first.is_Integer and last.is_Integer) or last - first > 50:
            return None
        out = []
        for k in range(int(first), int(last) + 1):
            shift = k * period
            for p in base_pieces:
                inv = None if p.inverse is None else _shifted(p.inverse, shift)
                out.append(Monotone(p.lo + shift, p.hi + shift, p.direction, inv, p.at_lo, p.at_hi))
        return tuple(out)

    return pieces


def _shifted(inverse, shift):
    return lambda y: shift + inverse(y)


_UNARY.update(
    {
        sp.sin: _periodic(
            2 * pi,
            (
                Monotone(-pi / 2, pi / 2, 1, sp.asin),
                Monotone(pi / 2, 3 * pi / 2, -1, lambda y: pi - sp.asin(y)),
            ),
        ),
        sp.cos: _periodic(
            2 * pi,
            (
                Monotone(sp.S.Zero, pi, -1, sp.acos),
                Monotone(pi, 2 * pi, 1, lambda y: 2 * pi - sp.acos(y)),
            ),
        ),
        sp.tan: _periodic(pi, (Monotone(-pi / 2, pi / 2, 1, sp.atan, -oo, oo),)),
        sp.cot: _periodic(
            pi, (Monotone(sp.S.Zero, pi, -1, lambda y: pi / 2 - sp.atan(y), oo, -oo),)
        ),
        sp.sec: _periodic(
            2 * pi,
            (
                Monotone(sp.S.Zero, pi / 2, 1, sp.asec, None, oo),
                Monotone(pi / 2, pi, 1, sp.asec, -oo, None),
                Monotone(pi, 3 * pi / 2, -1, lambda y: 2 * pi - sp.asec(y), None, -oo),
                Monotone(3 * pi / 2, 2 * pi, -1, lambda y: 2 * pi - sp.asec(y), oo, None),
            ),
        ),
        sp.csc: _periodic(
            2 * pi,
            (
                Monotone(-pi / 2, sp.S.Zero, -1, sp.acsc, None, -oo),
                Monotone(sp.S.Zero, pi / 2, -1, sp.acsc, oo, None),
                Monotone(pi / 2, pi, 1, lambda y: pi - sp.acsc(y), None, oo),
                Monotone(pi, 3 * pi / 2, 1, lambda y: pi - sp.acsc(y), -oo, None),
            ),
        ),
    }
)


def _digamma_pieces(rng: sp.Interval) -> tuple[Monotone, ...] | None:
    """ψ increases from −oo to oo on (0, oo) and on each (−n − 1, −n)."""
    out = [Monotone(sp.S.Zero, oo, 1, None, -oo, oo)]
    if rng.inf.is_extended_negative:
        from symflow.core.constants import is_finite_number

        if not is_finite_number(rng.inf):
            return None
        for n in range(int(sp.floor(-rng.inf)) + 1):
            out.insert(0, Monotone(sp.Integer(-n - 1), sp.Integer(-n), 1, None, -oo, oo))
    return tuple(out)


def _polygamma(n: sp.Expr):
    """ψ⁽ⁿ⁾ for an integer n ≥ 1 on (0, oo): decreasing from oo to 0 for odd n, increasing
    from −oo to 0 for even n."""
    odd = bool(n % 2)
    return _fixed(Monotone(sp.S.Zero, oo, -1 if odd else 1, None, oo if odd else -oo, 0))


def _expint(nu: sp.Expr):
    """E_ν decreases on (0, oo) from E_ν(0+) (oo for ν ≤ 1, 1/(ν − 1) otherwise) to 0."""
    start = oo if (nu - 1).is_nonpositive else 1 / (nu - 1)
    return _fixed(Monotone(sp.S.Zero, oo, -1, None, start, 0))


class gammaincinv(sp.Function):  # noqa: N801 (SciPy's name)
    """P⁻¹(a, y): the x > 0 with P(a, x) = γ(a, x)/Γ(a) = y, for 0 < y < 1.

    Examples
    --------
    >>> round(float(gammaincinv(2, sp.Rational(1, 2))), 12)
    1.678346990017
    """

    nargs = 2

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        a, _ = self.args
        return sp.gamma(a) * sp.exp(self) * self ** (1 - a)

    def _eval_evalf(self, prec):
        return _evalf_root(self, prec, _LOWER_GAMMA)

    def _latex(self, printer, exp=None):
        a, y = (printer._print(v) for v in self.args)
        body = rf"P^{{-1}}\left({a}, {y}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class gammainccinv(sp.Function):  # noqa: N801 (SciPy's name)
    """Q⁻¹(a, y): the x > 0 with Q(a, x) = Γ(a, x)/Γ(a) = y, for 0 < y < 1.

    Examples
    --------
    >>> round(float(gammainccinv(1, sp.exp(-3))), 12)
    3.0
    """

    nargs = 2

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        a, _ = self.args
        return -sp.gamma(a) * sp.exp(self) * self ** (1 - a)

    def _eval_evalf(self, prec):
        return _evalf_root(self, prec, _UPPER_GAMMA)

    def _latex(self, printer, exp=None):
        a, y = (printer._print(v) for v in self.args)
        body = rf"Q^{{-1}}\left({a}, {y}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class betaincinv(sp.Function):  # noqa: N801 (SciPy's name)
    """I⁻¹(a, b, y): the x in (0, 1) with the regularised incomplete beta I_x(a, b) = y.

    Examples
    --------
    >>> round(float(betaincinv(2, 1, sp.Rational(1, 4))), 12)
    0.5
    """

    nargs = 3

    def fdiff(self, argindex=3):
        if argindex != 3:
            raise sp.ArgumentIndexError(self, argindex)
        a, b, _ = self.args
        return sp.beta(a, b) * self ** (1 - a) * (1 - self) ** (1 - b)

    def _eval_evalf(self, prec):
        return _evalf_root(self, prec, _BETA, unit=True)

    def _latex(self, printer, exp=None):
        a, b, y = (printer._print(v) for v in self.args)
        body = rf"I^{{-1}}\left({a}, {b}, {y}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class _RegularisedGamma(sp.Function):
    """P(a, x) or Q(a, x) = 1 − P(a, x), kept as one function: SymPy writes
    lowergamma(2, x) out as 1 − (x + 1)e⁻ˣ, which cancels for small x (and 1 − P rounds
    to 0 in the upper tail). Subclasses set the tail."""

    nargs = 2
    _lower = True
    _letter = "P"

    @classmethod
    def eval(cls, a, x):
        if x.is_zero:
            return sp.S.Zero if cls._lower else sp.S.One
        if x is sp.S.Infinity:
            return sp.S.One if cls._lower else sp.S.Zero
        return None

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        a, x = self.args
        slope = x ** (a - 1) * sp.exp(-x) / sp.gamma(a)
        return slope if self._lower else -slope

    def _eval_is_extended_real(self):
        a, x = self.args
        return True if (a.is_positive and x.is_nonnegative) else None

    def _eval_evalf(self, prec):
        return _evalf_incomplete(self, prec, lower=self._lower)

    def _latex(self, printer, exp=None):
        a, x = (printer._print(v) for v in self.args)
        body = rf"{self._letter}\left({a}, {x}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


class gammainc(_RegularisedGamma):  # noqa: N801 (SciPy's name)
    """P(a, x) = γ(a, x)/Γ(a), the regularised lower incomplete gamma function, kept as
    one function (SymPy writes lowergamma(2, x) out as 1 − (x + 1)e⁻ˣ, which cancels for
    small x).

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> gammainc(2, x).diff(x), gammainc(2, 0)
    (x*exp(-x), 0)
    >>> round(float(gammainc(2, sp.Float("1e-10"))), 30)
    5e-21
    """

    def _eval_rewrite_as_lowergamma(self, a, x, **kwargs):
        return sp.lowergamma(a, x) / sp.gamma(a)


class gammaincc(_RegularisedGamma):  # noqa: N801 (SciPy's name)
    """Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), kept as one function (exact in the upper tail,
    where 1 − P rounds to 0).

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> gammaincc(2, x).diff(x), gammaincc(2, 0)
    (-x*exp(-x), 1)
    """

    _lower = False
    _letter = "Q"

    def _eval_rewrite_as_uppergamma(self, a, x, **kwargs):
        return sp.uppergamma(a, x) / sp.gamma(a)


class stdtr(sp.Function):  # noqa: N801 (SciPy's name)
    """T_ν(t), the CDF of Student's t with ν degrees of freedom, kept as one function (its
    closed forms for integer ν cancel in a tail: 1/2 + t/(2√(t² + 2)) for ν = 2).

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> stdtr(2, t).diff(t)
    sqrt(2)/(4*(t**2/2 + 1)**(3/2))
    >>> stdtr(3, 0), stdtr(3, -sp.oo)
    (1/2, 0)
    """

    nargs = 2

    @classmethod
    def eval(cls, nu, t):
        if t.is_zero:
            return sp.S.Half
        if t is sp.S.Infinity:
            return sp.S.One
        if t is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        nu, t = self.args
        return _t_constant(nu) * (1 + t**2 / nu) ** (-(nu + 1) / 2)

    def _eval_is_extended_real(self):
        nu, t = self.args
        return True if (nu.is_positive and t.is_extended_real) else None

    def _eval_evalf(self, prec):
        values = [v.evalf(prec + 20) for v in self.args]
        if not all(v.is_number and v.is_real for v in values):
            return None
        import mpmath

        dps = max(30, int(prec * 0.30103) + 10)
        with mpmath.workdps(dps):
            return sp.Float(_mp_stdtr(*(mpmath.mpf(str(v)) for v in values)), dps)

    def _latex(self, printer, exp=None):
        nu, t = (printer._print(v) for v in self.args)
        body = rf"T_{{{nu}}}\left({t}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


class stdtrit(sp.Function):  # noqa: N801 (SciPy's name)
    """T_ν⁻¹(y): the t with T_ν(t) = y, for 0 < y < 1.

    Examples
    --------
    >>> round(float(stdtrit(2, sp.Rational(1, 4))), 12)
    -0.816496580928
    """

    nargs = 2

    @classmethod
    def eval(cls, nu, y):
        if y == sp.S.Half:
            return sp.S.Zero
        if y.is_zero:
            return sp.S.NegativeInfinity
        if y == 1:
            return sp.S.Infinity
        return None

    def fdiff(self, argindex=2):
        if argindex != 2:
            raise sp.ArgumentIndexError(self, argindex)
        nu, _ = self.args
        return (1 + self**2 / nu) ** ((nu + 1) / 2) / _t_constant(nu)

    def _eval_is_extended_real(self):
        return True if self.args[0].is_positive else None

    def _eval_evalf(self, prec):
        values = [v.evalf(prec + 20) for v in self.args]
        if not all(v.is_number and v.is_real for v in values):
            return None
        import mpmath

        dps = max(30, int(prec * 0.30103) + 10)
        with mpmath.workdps(dps):
            root = _mp_stdtrit(*(mpmath.mpf(str(v)) for v in values))
            return None if not mpmath.isfinite(root) else sp.Float(root, dps)

    def _latex(self, printer, exp=None):
        nu, y = (printer._print(v) for v in self.args)
        body = rf"T_{{{nu}}}^{{-1}}\left({y}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _t_constant(nu: sp.Expr) -> sp.Expr:
    """Γ((ν + 1)/2)/(√(νπ)·Γ(ν/2)), the density of Student's t at 0."""
    return sp.gamma((nu + 1) / 2) / (sp.sqrt(nu * sp.pi) * sp.gamma(nu / 2))


def _mp_stdtr(nu, t):
    """T_ν(t) = ½·I_(ν/(ν + t²))(ν/2, ½) for t < 0 (and 1 minus it above), in mpmath."""
    import mpmath

    nu, t = mpmath.mpf(nu), mpmath.mpf(t)
    tail = mpmath.betainc(nu / 2, mpmath.mpf(1) / 2, 0, nu / (nu + t * t), regularized=True) / 2
    return tail if t <= 0 else 1 - tail


def _mp_stdtrit(nu, y):
    """T_ν⁻¹(y) in mpmath: ∓√(ν(1 − x)/x) with I_x(ν/2, ½) = 2·min(y, 1 − y)."""
    import mpmath

    nu, y = mpmath.mpf(nu), mpmath.mpf(y)
    if not 0 < y < 1:
        return mpmath.nan
    if y == mpmath.mpf(1) / 2:
        return mpmath.mpf(0)
    tail = min(y, 1 - y)
    x = _mp_inverse(_BETA, unit=True)(nu / 2, mpmath.mpf(1) / 2, 2 * tail)
    t = mpmath.sqrt(nu * (1 - x) / x)
    return -t if y < mpmath.mpf(1) / 2 else t


def _evalf_incomplete(expr: sp.Function, prec: int, lower: bool):
    """P(a, x) or Q(a, x) in mpmath, for numbers a > 0 and x ≥ 0."""
    import mpmath

    values = [v.evalf(prec + 20) for v in expr.args]
    if not all(v.is_number and v.is_real for v in values):
        return None
    dps = max(30, int(prec * 0.30103) + 10)
    with mpmath.workdps(dps):
        a, x = (mpmath.mpf(str(v)) for v in values)
        if a <= 0 or x < 0:
            return None
        return sp.Float(_mp_incomplete(a, x, lower), dps)


def _mp_incomplete(a, x, lower: bool = True):
    import mpmath

    if lower:
        return mpmath.gammainc(a, 0, x, regularized=True)
    return mpmath.gammainc(a, x, mpmath.inf, regularized=True)


def _mp_gammainc(a, x):
    return _mp_incomplete(a, x, True)


def _mp_gammaincc(a, x):
    return _mp_incomplete(a, x, False)


def special_values(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the incomplete beta function's values at the ends of its range written
    as numbers: I(a, b, 0, 1) = 1 and I(a, b, x, x) = 0 (SymPy leaves both unevaluated).

    Examples
    --------
    >>> special_values(sp.betainc_regularized(2, 3, 0, 1) + 2)
    3
    """
    if not expr.has(sp.betainc_regularized):
        return expr

    def value(e: sp.Expr) -> sp.Expr:
        a, b, lo, hi = e.args
        if lo == hi:
            return sp.S.Zero
        if lo == 0 and hi == 1 and a.is_positive and b.is_positive:
            return sp.S.One
        return e

    return expr.replace(lambda e: isinstance(e, sp.betainc_regularized), value)


class _Law(NamedTuple):
    """A monotone law F(params, x) on (0, 1) or (0, oo), log |dF/dx|, and its direction
    (+1 increasing), in mpmath."""

    value: Callable
    log_slope: Callable
    direction: int


_LOWER_GAMMA = _Law(
    lambda m, a, x: m.gammainc(a, 0, x, regularized=True),
    lambda m, a, x: (a - 1) * m.log(x) - x - m.loggamma(a),
    1,
)
_UPPER_GAMMA = _Law(
    lambda m, a, x: m.gammainc(a, x, m.inf, regularized=True),
    _LOWER_GAMMA.log_slope,
    -1,
)
_BETA = _Law(
    lambda m, a, b, x: m.betainc(a, b, 0, x, regularized=True),
    lambda m, a, b, x: (a - 1) * m.log(x) + (b - 1) * m.log1p(-x) - m.log(m.beta(a, b)),
    1,
)


def _evalf_root(expr: sp.Function, prec: int, law: _Law, unit: bool = False):
    """Evaluate an inverse as the root of its monotone forward law, in mpmath."""
    import mpmath

    values = [a.evalf(prec + 20) for a in expr.args]
    if not all(v.is_number and v.is_real for v in values):
        return None
    dps = max(30, int(prec * 0.30103) + 10)
    with mpmath.workdps(dps):
        *params, y = (mpmath.mpf(str(v)) for v in values)
        if not 0 < y < 1:
            return None
        root = _root(law, params, y, unit)
        return None if root is None else sp.Float(root, dps)


def _root(law: _Law, params: list, y, unit: bool, start=None):
    """The x in (0, 1) (``unit``) or (0, oo) with F(x) = y, to the working precision.

    Newton's method on log F(x) − log y from ``start`` (or the middle), stepping in x or
    in log x (whichever step stays inside the bracket and moves less: log x where F is a
    power of x near 0, x where F decays like e^(−x)), safeguarded by a bracket that every
    evaluation narrows; a step that leaves the bracket or does not halve the one before
    is a bisection (geometric while the bracket spans decades) or, while the bracket is
    open above, a step ×4 outwards. A few evaluations of F from a nearby start, about ten
    from none, where bisection alone takes a hundred. None when the root is beyond 1e40.
    """
    import mpmath

    lo, hi = mpmath.mpf(0), (mpmath.mpf(1) if unit else mpmath.inf)
    below = -law.direction  # the sign of F − y near 0
    tol = mpmath.mpf(10) ** (-mpmath.mp.dps + 2)
    x = start if start is not None and lo < start < hi else (hi / 2 if unit else mpmath.mpf(1))
    before = last = mpmath.inf  # the last two moves
    for _ in range(20 * mpmath.mp.dps + 400):
        fx = law.value(mpmath, *params, x)
        s = mpmath.sign(fx - y)
        if s == 0:
            return x
        if s == below:
            lo = x
        else:
            hi = x
        if hi < mpmath.inf and hi - lo <= tol * hi:
            break
        new = None
        if fx > 0:
            residual = mpmath.log(fx) - mpmath.log(y)
            slope = law.direction * mpmath.exp(law.log_slope(mpmath, *params, x)) / fx
            if slope != 0 and mpmath.isfinite(slope):
                in_x = x - residual / slope
                in_log = x * mpmath.exp(-residual / (x * slope))
                if min(abs(in_x - x), abs(in_log - x)) <= tol * x:
                    return x  # Newton's step is below the working precision
                inside = [c for c in (in_x, in_log) if lo < c < hi]
                if inside:
                    new = min(inside, key=lambda c: abs(c - x))
        if new is None or abs(new - x) > before / 2:
            if hi == mpmath.inf:
                if x > mpmath.mpf(10) ** 40:
                    return None
                new = 4 * x
            else:
                floor = max(lo, mpmath.mpf(10) ** -1000)
                new = mpmath.sqrt(floor * hi) if hi > 4 * floor else (lo + hi) / 2
        before, last = last, abs(new - x)
        if last <= tol * x:
            return new
        x = new
    return (lo + hi) / 2


def _mp_erfcinv(y):
    """erfc⁻¹ in mpmath: erfinv(1 − y) near 1, a Newton solve of log erfc(w) = log y in the
    tails (where 1 − y has lost the digits)."""
    import mpmath

    y = mpmath.mpf(y)
    if not 0 < y < 2:
        if y == 0:
            return mpmath.inf
        if y == 2:
            return -mpmath.inf
        return mpmath.nan
    if mpmath.mpf("0.01") < y < mpmath.mpf("1.99"):
        return mpmath.erfinv(1 - y)
    if y > 1:
        return -_mp_erfcinv(2 - y)
    w = mpmath.sqrt(-mpmath.log(y))
    for _ in range(200):
        e = mpmath.erfc(w)
        step = (
            (mpmath.log(e) - mpmath.log(y)) * e / (-2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-w * w))
        )
        w -= step
        if abs(step) < mpmath.mpf(10) ** (-mpmath.mp.dps + 3) * max(1, abs(w)):
            break
    return w


def _mp_inverse(law: _Law, unit: bool = False):
    """The inverse of ``law`` as an mpmath function. Roots are remembered by argument and
    precision (a function and its derivative, sampled at the same points, share them),
    and each solve starts from the last root found for the same parameters (samples on a
    grid are neighbours)."""
    import mpmath

    last: dict[tuple, Any] = {}

    @functools.lru_cache(maxsize=4096)
    def root(params: tuple, y, prec: int):
        x = _root(law, list(params), y, unit, last.get(params))
        if x is not None:
            last[params] = x
        return x

    def inverse(*args):
        *params, y = (mpmath.mpf(a) for a in args)
        if not 0 < y < 1:
            return mpmath.nan
        return root(tuple(params), y, mpmath.mp.prec)

    return inverse


def _mp_zeta_prime(s, q=1):
    import mpmath

    return mpmath.zeta(s, q, 1)


def _mp_betainc_regularized(a, b, x1, x2):
    import mpmath

    return mpmath.betainc(a, b, x1, x2, regularized=True)


def complement(add: sp.Expr) -> sp.Expr:
    """c + k·h(u) written without the cancellation of its two terms, for the functions
    whose value approaches −c/k in a tail:

        1 + erf(u) = erfc(−u) = 2Φ(√2·u),   1 − erf(u) = erfc(u) = 2Φ(−√2·u),
        2 − erfc(u) = erfc(−u) = 2Φ(√2·u),
        π/2 + atan(u) = atan2(1, −u),   π/2 − atan(u) = atan2(1, u),
        c + L/√Q = N/(√Q·(c√Q − L)) where c·L < 0, for N = c²Q − L² a positive number
        (L affine and Q quadratic in one variable: the Student t(2) CDF),
        1 − P(a, u) = Q(a, u),   1 − Q(a, u) = P(a, u),   1 − I(a, b, 0, u) = I(a, b, u, 1),
        1 − I⁻¹(a, b, y) = I⁻¹(b, a, 1 − y).

    (A probability F_Z(g(x)) with g a quantile function, such as (1 + erf(x/√2))/2 or
    atan(x)/π + 1/2, is otherwise 0 in float64 once it falls below 1e-16.)

    Examples
    --------
    >>> u = sp.Symbol("u", real=True)
    >>> complement(sp.atan(u) + sp.pi / 2), complement(1 - sp.erf(u))
    (atan2(1, -u), 2*StandardNormalCdf(-sqrt(2)*u))
    """
    if not isinstance(add, sp.Add) or len(add.args) != 2:
        return add
    c, term = add.as_two_terms()
    if not c.is_number:
        c, term = term, c
    k, h = term.as_independent(*term.free_symbols, as_Add=False) if term.free_symbols else (1, term)
    radical = radical_complement(add)
    if radical is not None:
        return sp.Piecewise(radical, (add, True))
    if c.is_number and c != 0 and c == -k and type(h) in _INCOMPLETE_COMPLEMENTS:
        return -k * _INCOMPLETE_COMPLEMENTS[type(h)](h)  # k·(F − 1) = −k·(1 − F)
    if not c.is_number or c == 0 or not isinstance(h, sp.erf | sp.erfc | sp.atan):
        return add
    u = h.args[0]
    ratio = sp.nsimplify(c / k) if isinstance(h, sp.atan) else c / k
    if isinstance(h, sp.erfc) and ratio == -2:
        # k·(erfc(u) − 2) = −k·erfc(−u) = −2k·Φ(√2·u): 1 − erfc(u)/2 is Φ(√2·u), the CDF
        # of the larger of two normals, 0 in float64 below u = −5.9 written as a difference
        from symflow.core.bases.functions import StandardNormalCdf

        return -2 * k * StandardNormalCdf(sp.sqrt(2) * u)
    if isinstance(h, sp.erf) and ratio in (1, -1):
        # k·(±1 + erf(u)) = ±k·erfc(∓u) = ±2k·Φ(±√2·u) (SymPy would turn erfc(−u) back
        # into 2 − erfc(u))
        from symflow.core.bases.functions import StandardNormalCdf

        return 2 * k * ratio * StandardNormalCdf(ratio * sp.sqrt(2) * u)
    if isinstance(h, sp.atan) and ratio in (sp.pi / 2, -sp.pi / 2):
        sign = 1 if ratio.could_extract_minus_sign() is False else -1
        return sign * k * sp.atan2(1, -sign * u)  # k·(atan(u) ± π/2)
    return add


def _one_minus_beta(h: sp.betainc_regularized) -> sp.Expr:
    a, b, lo, hi = h.args
    if lo == 0:
        return sp.betainc_regularized(a, b, hi, 1)
    if hi == 1:
        return sp.betainc_regularized(a, b, 0, lo)
    return 1 - h


#: 1 − F written as one function: 1 − P(a, u) = Q(a, u), 1 − I(a, b, 0, u) = I(a, b, u, 1)
_INCOMPLETE_COMPLEMENTS: dict[type, Callable[[sp.Expr], sp.Expr]] = {
    gammainc: lambda h: gammaincc(*h.args),
    gammaincc: lambda h: gammainc(*h.args),
    sp.betainc_regularized: _one_minus_beta,
    # 1 − I⁻¹(a, b, y) = I⁻¹(b, a, 1 − y): the distance to 1 of a root next to 1
    betaincinv: lambda h: betaincinv(h.args[1], h.args[0], 1 - h.args[2]),
}


def radical_complement(add: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(N/(√Q·(c√Q − L)), c·L < 0) for add = c + L/√Q with L affine and Q quadratic in one
    variable, when N = c²Q − L² is a positive number (the sum tends to 0 where c and L have
    opposite signs, and the quotient is its value there without cancellation); else None.

    1/2 + z/(2√(z² + 2)) is 1/(√(z² + 2)·(√(z² + 2) + |z|)) for z < 0, not 0 in float64
    below z = −1e8.

    Examples
    --------
    >>> z = sp.Symbol("z", real=True)
    >>> radical_complement(1 + z / sp.sqrt(z**2 + 1))
    (1/((-z + sqrt(z**2 + 1))*sqrt(z**2 + 1)), z < 0)
    """
    if not isinstance(add, sp.Add) or len(add.args) != 2 or len(add.free_symbols) != 1:
        return None
    c, term = add.as_coeff_Add()
    (t,) = add.free_symbols
    roots = [f for f in sp.Mul.make_args(term) if f.is_Pow and f.exp == -sp.S.Half]
    if c == 0 or len(roots) != 1:
        return None
    q = roots[0].base
    lin = term / roots[0]
    if not (q.is_polynomial(t) and lin.is_polynomial(t)):
        return None
    if sp.degree(q, t) != 2 or sp.degree(lin, t) != 1:
        return None
    n = sp.expand(c**2 * q - lin**2)
    if n.has(t) or not n.is_positive:
        return None
    root = sp.sqrt(q)
    return n / (root * (c * root - lin)), c * lin < 0


def mpmath_function(args, expr: sp.Expr) -> Callable:
    """``expr`` as a function of ``args`` evaluated by mpmath (at the caller's working
    precision), erfc⁻¹, LambertW branches and the incomplete-gamma/beta inverses included.

    Examples
    --------
    >>> import mpmath
    >>> y = sp.Symbol("y")
    >>> f = mpmath_function(y, sp.erfcinv(y))
    >>> with mpmath.workdps(30):
    ...     print(mpmath.nstr(f(mpmath.mpf("1e-300")), 20))
    26.209469960516123886
    """
    extra = {
        "StandardNormalCdf": _mp_ncdf,
        "erfcinv": _mp_erfcinv,
        "gammaincinv": _mp_inverse(_LOWER_GAMMA),
        "gammainccinv": _mp_inverse(_UPPER_GAMMA),
        "betaincinv": _mp_inverse(_BETA, unit=True),
        # lambdify's mpmath table maps it to the unregularised betainc
        "betainc_regularized": _mp_betainc_regularized,
        "zeta_prime": _mp_zeta_prime,
        "gammainc": _mp_gammainc,
        "gammaincc": _mp_gammaincc,
        "stdtr": _mp_stdtr,
        "stdtrit": _mp_stdtrit,
    }
    # 1 + erf(u) as 2Φ(√2·u): at 30 digits erf(−1e8) is −1 and log(1 + erf(u)) −inf
    expr = expr.replace(lambda e: isinstance(e, sp.Add) and e.has(sp.erf, sp.atan), complement)
    return sp.lambdify(args, expr, modules=[extra, "mpmath"])


def _mp_ncdf(t):
    import mpmath

    return mpmath.ncdf(t)


def _two_argument(expr: sp.Expr, t: sp.Symbol) -> Step | None:
    """Steps of functions with a parameter: LambertW branches, polygamma, E_ν, the
    incomplete gamma and beta functions and their inverses."""
    args = expr.args
    holders = [i for i, a in enumerate(args) if a.has(t)]
    if len(holders) != 1:
        return None
    i = holders[0]
    inner = args[i]
    others = [a for j, a in enumerate(args) if j != i]

    def rebuild(u):
        return expr.func(*[u if j == i else a for j, a in enumerate(args)])

    if isinstance(expr, sp.LambertW) and i == 0:
        branch = args[1] if len(args) > 1 else sp.S.Zero
        if branch == 0:
            return Step(inner, rebuild, _whole(1, _x_exp_x, -1, oo, lo=-sp.exp(-1), hi=oo))
        if branch == -1:
            return Step(inner, rebuild, _whole(-1, _x_exp_x, -1, -oo, lo=-sp.exp(-1), hi=0))
        return None
    if isinstance(expr, sp.polygamma) and i == 1:
        n = others[0]
        if n == 0:
            return Step(inner, rebuild, _digamma_pieces)
        if n.is_Integer and n > 0:
            return Step(inner, rebuild, _polygamma(n))
        return None
    if isinstance(expr, sp.expint) and i == 1 and others[0].is_real:
        return Step(inner, rebuild, _expint(others[0]))
    a = others[0] if others else None
    if a is not None and a.is_positive:
        if isinstance(expr, sp.lowergamma) and i == 1:
            g = sp.gamma(a)
            return Step(inner, rebuild, _whole(1, lambda y: gammaincinv(a, y / g), 0, g, 0, oo))
        if isinstance(expr, sp.uppergamma) and i == 1:
            g = sp.gamma(a)
            return Step(inner, rebuild, _whole(-1, lambda y: gammainccinv(a, y / g), g, 0, 0, oo))
        if isinstance(expr, gammaincinv) and i == 1:
            inv = lambda y: gammainc(a, y)  # noqa: E731
            return Step(inner, rebuild, _whole(1, inv, 0, oo, 0, 1))
        if isinstance(expr, gammainccinv) and i == 1:
            inv = lambda y: gammaincc(a, y)  # noqa: E731
            return Step(inner, rebuild, _whole(-1, inv, oo, 0, 0, 1))
    if isinstance(expr, sp.betainc_regularized) and i == 3 and args[2] == 0:
        a, b = args[0], args[1]
        if a.is_positive and b.is_positive:
            return Step(inner, rebuild, _whole(1, lambda y: betaincinv(a, b, y), 0, 1, 0, 1))
    if isinstance(expr, betaincinv) and i == 2:
        a, b = args[0], args[1]
        if a.is_positive and b.is_positive:
            inv = lambda y: sp.betainc_regularized(a, b, 0, y)  # noqa: E731
            return Step(inner, rebuild, _whole(1, inv, 0, 1, 0, 1))
    return None


def _x_exp_x(y: sp.Expr) -> sp.Expr:
    return y * sp.exp(y)


def _lambertw_step(inner: sp.Expr) -> Step:
    """u·eᵘ: decreasing on (−oo, −1) from 0 to −1/e (inverse W₋₁), increasing on (−1, oo)
    from −1/e to oo (inverse W₀)."""
    pieces = (
        Monotone(-oo, -sp.S.One, -1, lambda y: sp.LambertW(y, -1), 0, None),
        Monotone(-sp.S.One, oo, 1, sp.LambertW, None, oo),
    )
    return Step(inner, _x_exp_x, _fixed(*pieces))


def _power_pieces(p: sp.Expr):
    """u**p for a constant p: on (0, oo) always; on (−oo, 0) when p is a rational with an
    odd denominator (the real root); one piece through 0 for odd/odd p > 0."""
    pieces = [Monotone(sp.S.Zero, oo, 1 if p.is_positive else -1, lambda y: y ** (1 / p))]
    whole = None
    if p.is_Rational:
        num, den = p.p, p.q
        if den % 2 == 1:
            if num % 2 == 0:  # even function of u
                neg = Monotone(-oo, sp.S.Zero, -1 if p > 0 else 1, lambda y: -(y ** (1 / p)))
            else:  # odd function of u
                neg = Monotone(-oo, sp.S.Zero, 1 if p > 0 else -1, lambda y: -((-y) ** (1 / p)))
            pieces.insert(0, neg)
            if num % 2 == 1 and p > 0:
                flat = (sp.S.Zero,) if p > 1 else ()
                whole = Monotone(-oo, oo, 1, lambda y: _odd_root_power(y, p), stationary=flat)
    if not p.is_real or p == 0:
        return None

    def select(rng: sp.Interval):
        if whole is not None and rng.inf.is_extended_negative and rng.sup.is_extended_positive:
            return (whole,)
        return tuple(pieces)

    return select


def _odd_root_power(y: sp.Expr, p: sp.Rational) -> sp.Expr:
    """The real solution u of u**p = y for p = num/den with num and den odd."""
    root = sp.sign(y) * sp.Abs(y) ** (sp.Integer(1) / p.p)
    return root**p.q if p.q != 1 else root


def step_of(expr: sp.Expr, t: sp.Symbol) -> Step | None:
    """The outermost unary step of ``expr`` in ``t`` (None: ``expr`` is not a chain there).

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> s = step_of(3 * sp.exp(t), t)
    >>> s.inner, s.outer(sp.Symbol("u"))
    (exp(t), 3*u)
    """
    if expr.is_Add:
        const, rest = expr.as_independent(t, as_Add=True)
        if const != 0:
            return Step(rest, lambda u: const + u, _whole(1, lambda y: y - const, -oo, oo))
        return None
    if expr.is_Mul:
        const, rest = expr.as_independent(t, as_Add=False)
        if const != 1:
            sign = 1 if const.is_positive else -1 if const.is_negative else None
            if sign is None:
                return None
            return Step(rest, lambda u: const * u, _whole(sign, lambda y: y / const))
        factors = expr.args
        if len(factors) == 2:
            u, e = factors if isinstance(factors[1], sp.exp) else factors[::-1]
            if isinstance(e, sp.exp) and e.args[0] == u:
                return _lambertw_step(u)
        return None
    if expr.is_Pow:
        base, exponent = expr.as_base_exp()
        if base.has(t) and not exponent.has(t):
            select = _power_pieces(exponent)
            if select is None:
                return None
            return Step(base, lambda u: u**exponent, select)
        if exponent.has(t) and not base.has(t) and base.is_positive and base != 1:
            sign = 1 if (base - 1).is_positive else -1 if (base - 1).is_negative else None
            if sign is None:
                return None
            log_b = sp.log(base)
            return Step(exponent, lambda u: base**u, _whole(sign, lambda y: sp.log(y) / log_b))
        return None
    if not isinstance(expr, sp.Function):
        return None
    if len(expr.args) == 1:
        table = _UNARY.get(type(expr))
        if table is None:
            for cls, entry in _UNARY.items():
                if isinstance(expr, cls):
                    table = entry
                    break
        if table is not None:
            return Step(expr.args[0], expr.func, table)
    return _two_argument(expr, t)


def decompose(expr: sp.Expr, t: sp.Symbol) -> list[Step] | None:
    """expr as a chain of unary steps, outermost first; None when some step is not one
    (the variable occurs in two places, or a function the table does not know).

    Where the chain breaks, an incomplete gamma or beta function written out
    (:func:`incomplete_step`) is looked for, from the outermost step inwards: 1 − (z + 1)e⁻ᶻ
    is the one step Q(2, z) shifted, not 1 − (a product that is no chain).
    """
    steps = []
    while expr != t:
        if not expr.has(t):
            return None
        s = step_of(expr, t)
        if s is None:
            return _with_incomplete(steps, expr, t)
        steps.append(s)
        expr = s.inner
    return steps


def _with_incomplete(steps: list[Step], broken: sp.Expr, t: sp.Symbol) -> list[Step] | None:
    """The chain whose step at ``broken`` (or outside it) is an incomplete gamma or beta
    function written out, the outermost such step first; None when there is none."""
    if not (broken.is_Add or broken.is_Mul):
        return None
    levels = [s.outer(s.inner) for s in steps] + [broken]
    for depth, level in enumerate(levels):
        if not (level.is_Add or level.is_Mul):
            continue
        found = incomplete_step(level, t)
        if found is None:
            continue
        rest = decompose(found.inner, t)
        if rest is not None:
            return steps[:depth] + [found] + rest
    return None


def _is_affine(expr: sp.Expr, t: sp.Symbol) -> bool:
    slope = sp.diff(expr, t)
    return slope != 0 and not slope.has(t)


def _kernel_factors(d: sp.Expr, t: sp.Symbol):
    """(K, E, {root: (α, exponent)}) when d = K·e^(E·t)·Π (α·(t − root))^exponent with
    numbers K, E, α, roots and exponents; None otherwise."""
    k, rest = d.as_independent(t, as_Add=False)
    if not k.is_number or k == 0:
        return None
    rate = sp.S.Zero
    powers: dict = {}
    for f in sp.Mul.make_args(rest):
        if isinstance(f, sp.exp):
            arg = sp.expand(f.args[0])
            if not _is_affine(arg, t):
                return None
            slope = sp.diff(arg, t)
            rate += slope
            k *= sp.exp(arg - slope * t)
            continue
        base, exponent = f.as_base_exp()
        if exponent.has(t) or not exponent.is_number or not exponent.is_real:
            return None
        base = sp.expand(base)
        if not _is_affine(base, t):
            return None
        alpha = sp.diff(base, t)
        root = sp.simplify(-(base - alpha * t) / alpha)
        if not (alpha.is_number and root.is_number and root.is_real):
            return None
        if root in powers:
            a0, e0 = powers[root]
            if exponent.is_integer or e0.is_integer:
                powers[root] = (a0, e0 + exponent)
                k *= (alpha / a0) ** exponent
                continue
            return None
        powers[root] = (alpha, exponent)
    if not (rate.is_number and k.is_number):
        return None
    return k, rate, powers


def _signed_power(alpha: sp.Expr, side: int, exponent: sp.Expr) -> sp.Expr | None:
    """(α·side)^p where (α·(t − r))^p = (α·side)^p·s^p with s = side·(t − r) > 0; None when
    α·(t − r) < 0 there and p is no integer (no real power)."""
    scale = alpha * side
    if scale.is_positive:
        return scale**exponent
    if exponent.is_integer:
        return scale**exponent
    return None


#: incomplete_step's answers, and the calls in progress (its limits may decompose the
#: same expression again: that inner call answers None, and is not remembered)
_INCOMPLETE: dict[tuple, Step | None] = {}
_INCOMPLETE_OPEN: set[tuple] = set()


def incomplete_step(expr: sp.Expr, t: sp.Symbol) -> Step | None:
    """``expr`` as an incomplete gamma or beta function of an affine argument, written out.

    When expr′(t) is a gamma kernel K·s^p·e^(−c·s) (c > 0, p > −1) or a beta kernel
    K·s^p·(1 − s)^q (p, q > −1) of an affine s = s(t), expr = C + A·P(p + 1, c·s) (resp.
    C + A·I_s(p + 1, q + 1)) where s > 0 (resp. 0 < s < 1), C its limit at s = 0; a sum
    that vanishes at the other end is A·Q(p + 1, c·s) (I_(1−s)(q + 1, p + 1)). The
    identity is checked at points inside before it is returned. None when expr is not one.

    Examples
    --------
    >>> z = sp.Symbol("z", real=True)
    >>> step = incomplete_step(1 - (z**2 + 2*z + 2) * sp.exp(-z) / 2, z)
    >>> step.inner, step.outer(sp.Symbol("u"))
    (z, gammainc(3, u))
    >>> incomplete_step(1 - (z**2 + 2) * sp.exp(-z), z) is None
    True
    """
    key = (expr, t)
    if key in _INCOMPLETE:
        return _INCOMPLETE[key]
    if key in _INCOMPLETE_OPEN:
        return None
    _INCOMPLETE_OPEN.add(key)
    try:
        found = _incomplete_step(expr, t)
    finally:
        _INCOMPLETE_OPEN.discard(key)
    if len(_INCOMPLETE) > 512:
        _INCOMPLETE.clear()
    _INCOMPLETE[key] = found
    return found


def _incomplete_step(expr: sp.Expr, t: sp.Symbol) -> Step | None:
    from symflow.core.budget import attempt

    if expr.is_polynomial(t) and sp.degree(expr, t) < 3:
        return None
    d = attempt(lambda: sp.factor(sp.powsimp(sp.diff(expr, t))), 5.0, None)
    if d is None or d == 0:
        return None
    found = attempt(lambda: _kernel_factors(d, t), 5.0, None)
    built = None
    if found is None:
        built = attempt(lambda: _student_form(expr, t, d), 5.0, None)
    else:
        k, rate, powers = found
        if rate != 0 and len(powers) == 1:
            built = _gamma_form(expr, t, k, rate, *next(iter(powers.items())))
        elif rate == 0 and len(powers) == 2:
            built = _beta_form(expr, t, k, powers)
    if built is None:
        return None
    step, lo, hi = built
    return step if _agrees(expr, step.outer(step.inner), t, lo, hi) else None


def _gamma_form(expr, t, k, rate, root, power):
    """C + A·P(p + 1, u), u = c·side·(t − root), for expr′ = k·e^(rate·t)·(α(t − root))^p."""
    alpha, p = power
    if not (p > -1):
        return None
    side = 1 if rate.is_negative else -1
    c = abs(rate)
    scale = _signed_power(alpha, side, p)
    if scale is None:
        return None
    k2 = k * scale * sp.exp(rate * root)  # expr′ = k2·s^p·e^(−c·s), s = side·(t − root)
    a = p + 1
    amplitude = sp.nsimplify(sp.simplify(side * k2 * sp.gamma(a) / c**a), rational=False)
    constant = _one_sided(expr, t, root, "+" if side > 0 else "-")
    if not (constant.is_number and constant.is_finite and amplitude.is_number):
        return None
    inner = sp.expand(c * side * (t - root))
    lo, hi = (root, sp.oo) if side > 0 else (-sp.oo, root)
    if sp.simplify(constant + amplitude) == 0:
        b = constant  # expr = C·Q(a, u)
        direction = -1 if b.is_positive else 1
        inverse = lambda y: gammainccinv(a, y / b)  # noqa: E731
        pieces = _whole(direction, inverse, b, 0, 0, oo)
        return Step(inner, lambda u: b * gammaincc(a, u), pieces), lo, hi
    direction = 1 if amplitude.is_positive else -1
    if constant == 0:
        inverse = lambda y: gammaincinv(a, y / amplitude)  # noqa: E731
    else:
        inverse = lambda y: gammaincinv(a, (y - constant) / amplitude)  # noqa: E731
    pieces = _whole(direction, inverse, constant, constant + amplitude, 0, oo)
    return Step(inner, lambda u: constant + amplitude * gammainc(a, u), pieces), lo, hi


def _beta_form(expr, t, k, powers):
    """C + A·I_s(p + 1, q + 1), s = (t − r0)/(r1 − r0), for expr′ = k·(α0(t − r0))^p·
    (α1(t − r1))^q with r0 < r1."""
    (r0, (a0, p)), (r1, (a1, q)) = sorted(powers.items(), key=lambda kv: float(kv[0]))
    if not (p > -1 and q > -1):
        return None
    width = r1 - r0
    s0 = _signed_power(a0 * width, 1, p)  # α0(t − r0) = α0·Δ·s
    s1 = _signed_power(-a1 * width, 1, q)  # α1(t − r1) = −α1·Δ·(1 − s)
    if s0 is None or s1 is None:
        return None
    a, b = p + 1, q + 1
    amplitude = sp.simplify(k * s0 * s1 * width * sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b))
    constant = _one_sided(expr, t, r0, "+")
    if not (constant.is_number and constant.is_finite and amplitude.is_number):
        return None
    inner = sp.expand((t - r0) / width)
    if sp.simplify(constant + amplitude) == 0:
        c = constant  # expr = C·(1 − I_s(a, b)) = C·I_(1−s)(b, a)
        direction = 1 if c.is_positive else -1
        inverse = lambda y: betaincinv(b, a, y / c)  # noqa: E731
        pieces = _whole(direction, inverse, 0, c, 0, 1)
        outer = lambda u: c * sp.betainc_regularized(b, a, 0, u)  # noqa: E731
        return Step(sp.expand(1 - inner), outer, pieces), r0, r1
    direction = 1 if amplitude.is_positive else -1
    if constant == 0:
        inverse = lambda y: betaincinv(a, b, y / amplitude)  # noqa: E731
    else:
        inverse = lambda y: betaincinv(a, b, (y - constant) / amplitude)  # noqa: E731
    pieces = _whole(direction, inverse, constant, constant + amplitude, 0, 1)
    outer = lambda u: constant + amplitude * sp.betainc_regularized(a, b, 0, u)  # noqa: E731
    return Step(inner, outer, pieces), r0, r1


def _student_form(expr, t, d):
    """C + A·T_ν(w), w = (t − m)·√(ν/h), for expr′ = k·(b·((t − m)² + h))^(−r) with b, h > 0
    and r > 1 (ν = 2r − 1 > 1): the Student t kernel; A·T_ν(−w) when the sum vanishes at
    oo."""
    k, rest = d.as_independent(t, as_Add=False)
    if not (k.is_number and rest.is_Pow):
        return None
    q, r = rest.base, -rest.exp
    if not (r.is_number and r > 1 and q.is_polynomial(t) and sp.degree(q, t) == 2):
        return None  # ν = 1 (r = 1) is the arctangent, a step of its own
    b2, b1, b0 = sp.Poly(q, t).all_coeffs()
    m = -b1 / (2 * b2)
    h = sp.simplify(b0 / b2 - m**2)
    if not (b2.is_positive and h.is_positive):
        return None
    nu = 2 * r - 1
    amplitude = sp.simplify(k * (b2 * h) ** (-r) * sp.sqrt(h / nu) / _t_constant(nu))
    constant = _one_sided(expr, t, -sp.oo, "+")
    if not (constant.is_number and constant.is_finite and amplitude.is_number):
        return None
    w = sp.expand((t - m) * sp.sqrt(nu / h))
    if sp.simplify(constant + amplitude) == 0:
        c = constant  # expr = C·(1 − T(w)) = C·T(−w)
        pieces = _whole(1 if c.is_positive else -1, lambda y: stdtrit(nu, y / c), 0, c)
        return Step(-w, lambda u: c * stdtr(nu, u), pieces), -sp.oo, sp.oo
    direction = 1 if amplitude.is_positive else -1
    if constant == 0:
        inverse = lambda y: stdtrit(nu, y / amplitude)  # noqa: E731
    else:
        inverse = lambda y: stdtrit(nu, (y - constant) / amplitude)  # noqa: E731
    pieces = _whole(direction, inverse, constant, constant + amplitude)
    return Step(w, lambda u: constant + amplitude * stdtr(nu, u), pieces), -sp.oo, sp.oo


def _one_sided(expr: sp.Expr, t: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    """lim expr as t -> point from ``side``: the value where expr is finite there, else
    SymPy's limit (nan when it finds none in time)."""
    from symflow.core.budget import attempt

    if point.is_finite:
        value = attempt(lambda: expr.subs(t, point), 2.0, None)
        if value is not None and value.is_number and value.is_finite:
            return value
    value = attempt(lambda: sp.limit(expr, t, point, side), 10.0, None)
    return sp.nan if value is None or value.has(sp.Limit) else value


def _agrees(expr: sp.Expr, form: sp.Expr, t: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> bool:
    """expr = form at three points of (lo, hi), to 1e-20 relative in 40-digit arithmetic."""
    import mpmath

    lo_f = float(lo) if lo.is_finite else None
    hi_f = float(hi) if hi.is_finite else None
    if lo_f is not None and hi_f is not None:
        points = [lo_f + (hi_f - lo_f) * w for w in (0.2, 0.5, 0.85)]
    elif lo_f is not None:
        points = [lo_f + w for w in (0.3, 1.1, 3.7)]
    elif hi_f is not None:
        points = [hi_f - w for w in (0.3, 1.1, 3.7)]
    else:
        points = [-2.3, 0.4, 1.7]
    f, g = mpmath_function(t, expr), mpmath_function(t, form)
    with mpmath.workdps(40):
        for x in points:
            try:
                a, b = mpmath.mpmathify(f(mpmath.mpf(x))), mpmath.mpmathify(g(mpmath.mpf(x)))
            except (TypeError, ValueError, ZeroDivisionError, NameError):
                return False
            if abs(a - b) > mpmath.mpf(10) ** -20 * max(1, abs(a)):
                return False
    return True


# F(G(u)) = u for every real u where G is defined: the pairs cancelled in closed forms.
_CANCELLING: dict[type, type] = {
    sp.erfcinv: sp.erfc,
    sp.erfinv: sp.erf,
    sp.asinh: sp.sinh,
    sp.atanh: sp.tanh,
}


def cancel_inverse_pairs(expr: sp.Expr) -> sp.Expr:
    """F(F⁻¹... ) written out: erfc⁻¹(erfc(u)) -> u, asinh(sinh(u)) -> u, and
    W(u·eᵘ) -> u where u ≥ −1 (W₋₁ where u ≤ −1) is known from the assumptions.

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> cancel_inverse_pairs(sp.erfcinv(sp.erfc(x)) ** 2 + sp.LambertW(x * sp.exp(x)))
    x**2 + x
    """

    def cancels(e: sp.Expr) -> bool:
        if type(e) in _CANCELLING and isinstance(e.args[0], _CANCELLING[type(e)]):
            return True
        if _incomplete_pair(e) is not None:
            return True
        return isinstance(e, sp.LambertW) and _lambertw_argument(e) is not None

    def value(e: sp.Expr) -> sp.Expr:
        if isinstance(e, sp.LambertW):
            return _lambertw_argument(e)
        pair = _incomplete_pair(e)
        if pair is not None:
            return pair
        return e.args[0].args[0]

    return expr.replace(cancels, value)


def _incomplete_pair(e: sp.Expr) -> sp.Expr | None:
    """u for P⁻¹(a, P(a, u)), Q⁻¹(a, Q(a, u)) and I⁻¹(a, b, I(a, b, 0, u)); else None."""
    if not isinstance(e, gammaincinv | gammainccinv | betaincinv):
        return None
    *params, inner = e.args
    forward = {gammaincinv: gammainc, gammainccinv: gammaincc}.get(type(e))
    if forward is not None and isinstance(inner, forward) and list(inner.args[:1]) == params:
        return inner.args[1]
    if (
        isinstance(e, betaincinv)
        and isinstance(inner, sp.betainc_regularized)
        and list(inner.args[:2]) == params
        and inner.args[2] == 0
    ):
        return inner.args[3]
    return None


def _lambertw_argument(w: sp.LambertW) -> sp.Expr | None:
    """u when w = W_k(u·eᵘ) and u lies on branch k's side of −1, else None."""
    arg = w.args[0]
    branch = w.args[1] if len(w.args) > 1 else sp.S.Zero
    if not arg.is_Mul or len(arg.args) != 2:
        return None
    for u, e in (arg.args, arg.args[::-1]):
        if isinstance(e, sp.exp) and e.args[0] == u:
            if branch == 0 and (u + 1).is_nonnegative:
                return u
            if branch == -1 and (u + 1).is_nonpositive:
                return u
    return None


class log_ndtr(sp.Function):  # noqa: N801 (SciPy's name)
    """log Φ(x) = log(erfc(−x/√2)/2), the log of the standard normal CDF, finite in float64
    far into the lower tail (log Φ(−1e5) ≈ −5e9) where Φ itself underflows.

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> sp.diff(log_ndtr(x), x)
    sqrt(2)*exp(-x**2/2)/(sqrt(pi)*(2 - erfc(sqrt(2)*x/2)))
    >>> round(float(log_ndtr(-40)), 6)
    -804.608442
    """

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sp.sqrt(2) * sp.exp(-(x**2) / 2) / (sp.sqrt(sp.pi) * sp.erfc(-x / sp.sqrt(2)))

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.log(sp.erfc(-x / sp.sqrt(2)) / 2)

    def _eval_evalf(self, prec):
        import mpmath

        value = self.args[0].evalf(prec + 10)
        if not value.is_Float and not value.is_Integer:
            return None
        with mpmath.workprec(prec + 20):
            return sp.Float(mpmath.log(mpmath.ncdf(mpmath.mpf(str(value)))), precision=prec)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _latex(self, printer, exp=None):
        body = rf"\log \Phi\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


class zeta_prime(sp.Function):  # noqa: N801 (SymPy function names are lower case)
    """ζ′(s, q) = ∂ζ(s, q)/∂s = −Σ_{k≥0} log(k + q)·(k + q)^(−s), the derivative of the
    (Hurwitz) zeta function in its first argument, for s > 1 and q > 0 (q = 1 by default:
    Riemann's ζ′(s)). SymPy leaves d/ds ζ(s) unevaluated; :func:`known_derivatives` writes
    it as this function, which evaluates in mpmath and compiles
    (:func:`symflow.codegen.special.zeta_prime`).

    Examples
    --------
    >>> s = sp.Symbol("s", real=True)
    >>> known_derivatives(sp.diff(sp.zeta(2 * s), s))
    2*zeta_prime(2*s)
    >>> round(float(zeta_prime(2)), 15)  # ζ′(2) = π²/6·(γ + log 2π − 12·log A)
    -0.937548254315844
    """

    nargs = (1, 2)

    def _eval_evalf(self, prec):
        import mpmath

        values = [a.evalf(prec + 10) for a in self.args]
        if not all(v.is_number and v.is_real for v in values):
            return None
        s, q = (*values, sp.S.One)[:2]
        # mpmath's Hurwitz derivative loses digits as s·log q grows: work wider
        extra = int(float(abs(s) * sp.log(max(abs(q), 2), 10).evalf(5))) + 20
        with mpmath.workprec(prec + 4 * extra):
            value = mpmath.zeta(mpmath.mpf(str(s)), mpmath.mpf(str(q)), 1)
        return sp.Float(value, precision=prec)

    def _eval_is_extended_real(self):
        return None if not all(a.is_extended_real for a in self.args) else True

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        body = rf"\zeta'\left({args}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"


def _zeta_derivative(e: sp.Expr) -> sp.Expr | None:
    """ζ′(u) for d/du ζ(u) (or ζ(u, q)), unevaluated by SymPy, else None."""
    if isinstance(e, sp.Derivative) and isinstance(e.expr, sp.zeta):
        args = e.expr.args
        if e.variable_count == ((args[0], 1),) and not any(a.has(args[0]) for a in args[1:]):
            return zeta_prime(*args)
    return None


def known_derivatives(expr: sp.Expr) -> sp.Expr:
    """expr with the derivatives SymPy leaves unevaluated written as functions that
    evaluate and compile: d/ds ζ(s) and ∂/∂s ζ(s, q) as :class:`zeta_prime`.

    Examples
    --------
    >>> z = sp.Symbol("z", real=True)
    >>> known_derivatives(sp.diff(sp.zeta(z + 2), z))
    zeta_prime(z + 2)
    """
    if not expr.has(sp.Derivative):
        return expr

    def known(e: sp.Expr) -> bool:
        return isinstance(e, sp.Derivative) and _zeta_derivative(e) is not None

    def settled(e: sp.Expr) -> bool:  # Subs(ζ′(u), u, s) once its derivative is known
        return isinstance(e, sp.Subs) and not e.expr.has(sp.Derivative)

    return expr.replace(known, _zeta_derivative).replace(settled, lambda e: e.doit())


class zetac(sp.Function):  # noqa: N801 (SciPy's name)
    """ζ(s) − 1 = Σ_{k≥2} k^(−s), for real s > 1: the Riemann zeta function's distance to
    its limit 1 at s → ∞, with all its digits where ζ(s) itself rounds to 1.

    Examples
    --------
    >>> s = sp.Symbol("s", real=True)
    >>> sp.diff(zetac(s), s)
    zeta_prime(s)
    >>> float(zetac(60))  # 2⁻⁶⁰ + 3⁻⁶⁰ + …
    8.673617380119933e-19
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return zeta_prime(self.args[0])

    def _eval_rewrite_as_zeta(self, s, **kwargs):
        return sp.zeta(s) - 1

    def _eval_evalf(self, prec):
        import mpmath

        value = self.args[0].evalf(prec + 10)
        if not value.is_number or not value.is_real:
            return None
        with mpmath.workprec(prec + 20):
            s = mpmath.mpf(str(value))
            return sp.Float(mpmath.zeta(s) - 1 if s < 40 else _zetac_sum(s), precision=prec)

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _latex(self, printer, exp=None):
        body = rf"\left(\zeta\left({printer._print(self.args[0])}\right) - 1\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"


def _zetac_sum(s):
    """Σ_{k≥2} k^(−s) for s ≥ 40, directly (mpmath's ζ(s) − 1 cancels there)."""
    import mpmath

    total = mpmath.mpf(0)
    k = 2
    while True:
        term = mpmath.mpf(k) ** -s
        total += term
        if term < total * mpmath.eps:
            return total
        k += 1


#: F(u) written as its limit plus a distance that keeps its digits near that limit
_COMPLEMENTS: dict[type, Callable[[sp.Expr], sp.Expr]] = {
    sp.zeta: lambda u: 1 + zetac(u),  # ζ(u) → 1 as u → ∞
    sp.erf: lambda u: 1 - sp.erfc(u),  # erf(u) → 1 as u → ∞
    sp.tanh: lambda u: 1 - 2 / (sp.exp(2 * u) + 1),  # tanh(u) → 1 as u → ∞
}


def distance_to_limit(f: sp.Expr, t: sp.Symbol, limit: sp.Expr) -> sp.Expr | None:
    """f(t) − L written so that the constant L cancels symbolically: each function of the
    table of complements is written as its limit plus its distance to it (ζ(u) = 1 +
    zetac(u), erf(u) = 1 − erfc(u), tanh u = 1 − 2/(e^(2u) + 1)). None when the constant
    does not cancel.

    A root solve of f(t) = y next to the limit then reads g(t) = f(t) − L against y − L
    (exact for y within a factor 2 of L): ζ(t) − (1 + 2⁻⁵²) loses every digit, zetac(t) −
    2⁻⁵² none.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> distance_to_limit(sp.zeta(t + 2), t, 1)
    zetac(t + 2)
    >>> distance_to_limit(3 * sp.erf(t) + 2, t, 5)
    -3*erfc(t)
    >>> distance_to_limit(t + sp.exp(t), t, 0) is None
    True
    """
    if not f.has(*_COMPLEMENTS):
        return None

    def complement(e: sp.Expr) -> sp.Expr:
        if len(e.args) != 1:
            return e
        return _COMPLEMENTS[type(e)](e.args[0])

    written = f.replace(lambda e: type(e) in _COMPLEMENTS, complement)
    distance = sp.expand(written - limit, deep=False, mul=True, power_exp=False, log=False)
    constant, _ = distance.as_independent(t, as_Add=True)
    return distance if constant == 0 else None
