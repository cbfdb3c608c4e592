r"""Numerically stable rewrites of kernel expressions: log(1 + u) → log1p(u), and so on.

:func:`stabilise` rewrites an expression, bottom-up, into an equal one whose float64
evaluation neither overflows nor cancels where the value itself is representable:

=====================================  ============================================
pattern                                 rewritten to
=====================================  ============================================
log(1 + u)                              log1p(u)
c·e^u − c                               c·expm1(u)
log(c + k·e^u), c, k > 0                log c + softplus(u + log(k/c))
(c + k·e^u)⁻ⁿ, c, k > 0                 (σ(−s)/c)ⁿ, s = u + log(k/c)
e^v·σ(t)ⁿ, v + jt a constant, j ≤ n     e^(v + jt)·σ(−t)ʲ·σ(t)ⁿ⁻ʲ  (e^u/(1 + e^u) = σ(u))
k·σ(u) − k                              −k·σ(−u)
log(1/(1 + e^−u)) (log sigmoid)         −softplus(−u)
u − softplus(u)                         −softplus(−u)
log(c + k·y²), c, k > 0                 log c + 2·log1p_sq(a·y), a = √(k/c) <= 1; else
                                        log k + 2·log hypot(y, 1/a) (no overflow of a·y,
                                        no cancellation in a·(x − m) once distributed);
                                        y = x − m, |m| ≥ 2⁹⁶⁹: log k + 2·log 2 +
                                        2·log hypot(y/2, 1/(2a)) (no overflow of x − m)
log(c − k·y²), c, k > 0                 log c + log1p(−a²) or, for |a| ≥ ½,
                                        log1p(−a) + log1p(a); a = √(k/c)·y
log(√(y² + 1)), log(cosh(asinh y))      log1p_sq(y)
(c + k·y²)^(n/2), c, k > 0              c^(n/2)·hypot1(√(k/c)·y)ⁿ
log(cosh u)                             logcosh(u)
log(sinh u)                             logsinh(u)
log(Piecewise((a, c), (b, True)))       Piecewise((log a, c), (log b, True))
log(1 − tanh²u)                         −2·logcosh(u)
log(c·(1 ± f(u))), f = tanh, cos, sin    log c + log1p(±f(u)) where ±f(u) > −½, else
                                        log c + a stable form of log(1 ± f(u)):
  1 ∓ tanh u                            log 2 − softplus(±2u)   (1 − tanh u = 2σ(−2u))
  1 − cos u                             2·log|sin u| − 2·log|cos(u/2)| − log 2
  1 + cos u                             log 2 + 2·log|cos(u/2)|
  1 ∓ sin u                             log 2 + 2·log|sin((u ∓ π/2)/2)|, u ∓ π/2 exact
log(a² + b²), (a² + b²)^(n/2)           2·log hypot(a, b), hypot(a, b)ⁿ
k·softplus(v) − sign(k)·v, |k| > 1      (k − sign k)·softplus(v) + sign(k)·softplus(−v)
log1p_sq(s), s = 1/t defined, |t| < 1   log1p_sq(t) − log|t|    (no overflow of s)
k·s, s = c·t defined (c a number)       k·c·t                   (no overflow of s)
log(expm1(u)), u > 0                    u + log(1 − e^(−u))
log(−k·expm1(u)), k > 0                 log k + log(1 − e^u): log(−expm1 u) for
                                        u > −log 2, log1p(−e^u) below
log(a + b/y), y > 0                     log(a·y + b) − log y
log(e^v·a + e^v·b)                      v + log(a + b)          (no overflow of e^v)
W₀(e^u)                                 lambertw_exp(u)         (no overflow of e^u)
1 + W₀(x), −1 − W₋₁(x), log1p W₀(x)     lambertw_edge(x, k), from the series about −1/e
y = x − m with numbers of 2⁹⁶⁹ or more  2·halved(y), the halves of y's terms summed (no
(also a state defined so)               overflow of x − m where (x − m)/s is finite)
log(1 + cosh u)                         log 2 + 2·logcosh(u/2)
c ± k·erf(u), c = k > 0                 2k·Φ(±√2·u)          (erfc without SymPy's 2 − erfc)
c + k·atan(u), c = ±k·π/2               ±k·atan2(1, ∓u)
c + L/√Q, L affine, Q quadratic,        N/(√Q·(c√Q − L)) where c·L < 0 (the sum → 0)
  N = c²Q − L² > 0 a number
C + A·P(a, u) written out (SymPy's       gammainc(a, u), gammaincc(a, u) or
  lowergamma(2, z) = 1 − (z + 1)e⁻ᶻ;      betainc(a, b, u) where u is in range,
  an expanded I_z(a, b); a Student t     stdtr(ν, u)
  CDF)
log Φ(t)                                log_ndtr(t)
tan(k·(u + c)), k·c an odd multiple     −cot(k·u)             (k·(u + c) rounds onto the pole)
  of π/2
f(q·π·u), f = sin, tan, cot, q > 0       ±f(q·π·(u − 1/q)) for u > 1/(2q), where u − 1/q is
                                        exact (expm1(y) for u = e^y): the zero or pole at
                                        q·π·u = π
k·s − k·c, s = e + c defined             k·e                     (no cancellation of s − c)
log ±ψ⁽ⁿ⁾(u), 0 < u < 1                 log n! − (n + 1)·log u + log1p(±uⁿ⁺¹·ψ⁽ⁿ⁾(u + 1)/n!)
log ±ψ⁽ⁿ⁾(u), n ≥ 1, u > 10⁶            log (n − 1)! − n·log u + log1p(n/(2u) + n(n + 1)/(12u²))
logcosh(s), s = asinh(t) defined        log1p_sq(t)        (with ``definitions``)
logcosh(s), s = atanh(t) defined        −(log1p(t) + log1p(−t))/2
log1p_sq(s), s = sinh(u) defined        logcosh(u)          (no overflow of s)
log1p_sq(s), s = ±exp(u) defined        max(u, 0) + softplus(−2|u|)/2
s^(2k), s = √t defined                  t^k                 (s² loses digits when subnormal)
log(a·b·…) with factors of known sign   log a + log b + … (log(−a) for a < 0)
log(b^e), e a real number               e·log b (e·log|b| for even e)
log(±k·b^n), n odd, k > 0, sign of b    log k + n·log(±b)       (no overflow of b^n)
  unknown
log|a·b·…|, log|b^e|                    log|a| + log|b| + …, e·log|b|
log erfc(u)                             log 2 + log_ndtr(−√2·u)
log erf(v)                              log1p(−erfc(v)) for v > ½
log(c·(1 ± erf(v))), c > 0              log 2c + log_ndtr(±√2·v)
erf⁻¹(±(1 − r))                         ±erfc⁻¹(r) for r < 1, ∓erfc⁻¹(2 − r) above
                                        (2x − 1 rounds to −1)
erfc⁻¹(k·e^v), k > 0                    erfcinv_exp(v + log k): erf⁻¹(−expm1 v) near 0;
                                        Newton on log_ndtr below v = −700
=====================================  ============================================

softplus(u) = log(1 + e^u), σ(u) = 1/(1 + e^−u), logcosh(u) = log(cosh u),
logsinh(u) = log(sinh u), log1p_sq(y) = ½·log(1 + y²) and hypot1(y) = √(1 + y²) are SymPy
functions defined here, with derivatives, rewrites
to ``log`` and arbitrary-precision evaluation; the kernel printer maps them
(:data:`TRANSLATIONS`) to the numba functions of :mod:`symflow.codegen.helpers` (and
their vectorised twins in :mod:`symflow.codegen.simdmath`), which evaluate them without
overflow: softplus(800) = 800, logcosh(800) = logsinh(800) = 800 − log 2,
log1p_sq(1e300) = log(1e300).

The rewrites keep the value exactly (they are identities where the original is real) and
keep NaN where the original is NaN: a product inside a log is split only into factors
whose sign is known, and factors of unknown sign stay together in one log.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> stabilise(sp.log(1 + sp.exp(-x)))
softplus(-x)
>>> stabilise(sp.log(1 / (1 + sp.exp(-x))))
-softplus(-x)
>>> stabilise(sp.log(sp.cosh(sp.asinh(x))))
log1p_sq(x)
>>> stabilise(sp.exp(2 * x) - 1)
expm1(2*x)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import mpmath as mp
import numpy as np
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symflow.core.bases.functions import StandardNormalCdf
from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.edges import exact_difference
from symflow.core.special import (
    complement,
    incomplete_step,
    log_ndtr,
    radical_complement,
    stdtr,
)
from symflow.errors import CompileError

__all__ = [
    "stabilise",
    "float_membership",
    "exact_membership",
    "sign_of_products",
    "softplus",
    "sigmoid",
    "logcosh",
    "logsinh",
    "log1p_sq",
    "hypot1",
    "hypot",
    "halved",
    "lambertw_edge",
    "lambertw_exp",
    "erfcinv_exp",
    "TRANSLATIONS",
]


# --------------------------------------------------------------------------- functions
def _mpmath_evalf(arg: sp.Expr, prec: int, f) -> sp.Float | None:
    """f(arg) to ``prec`` bits with mpmath (10 guard bits), or None if arg is not real."""
    value = arg._eval_evalf(prec + 10) if not arg.is_Float else arg
    if value is None or not value.is_Float:
        return None
    with mp.workprec(prec + 10):
        result = mp.mpf(f(mp.mpf(value._mpf_)))
    return sp.Float._new(result._mpf_, prec)


def _with_exponent(body: str, exp) -> str:
    return body if exp is None else body + "^{" + str(exp) + "}"


class _RealUnary(sp.Function):
    """A function of one argument, real where its argument is, printed in LaTeX as
    ``_latex_body`` (in parentheses under a power when ``_bracket_power``)."""

    nargs = 1
    _bracket_power = True

    def _eval_is_extended_real(self):
        return self.args[0].is_extended_real

    def _latex_body(self, printer) -> str:
        raise NotImplementedError

    def _latex(self, printer, exp=None):
        body = self._latex_body(printer)
        if exp and self._bracket_power:
            body = r"\left(" + body + r"\right)"
        return _with_exponent(body, exp)


def _argument(printer, expr: sp.Function) -> str:
    """The LaTeX of ``expr``'s argument, in parentheses where it binds looser than a power."""
    return printer.parenthesize(expr.args[0], sp.printing.precedence.PRECEDENCE["Pow"])


class softplus(_RealUnary):  # noqa: N801 (SymPy function names are lower case)
    r"""softplus(u) = log(1 + e^u), the smooth maximum of 0 and u.

    d/du softplus(u) = σ(u) = 1/(1 + e^−u) (:class:`sigmoid`); softplus(u) − softplus(−u) = u.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", real=True)
    >>> softplus(0), sp.diff(softplus(u), u)
    (log(2), sigmoid(u))
    >>> softplus(u).rewrite(sp.log)
    log(exp(u) + 1)
    >>> softplus(800).evalf(20)
    800.00000000000000000
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.log(2)
        if u is sp.S.Infinity:
            return sp.S.Infinity
        if u is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(1 + sp.exp(u))

    _bracket_power = False

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.log1p(mp.exp(v)))

    def _eval_is_positive(self):
        u = self.args[0]
        return True if u.is_extended_real and u.is_finite else None

    def _latex_body(self, printer) -> str:
        return r"\operatorname{softplus}\left(" + printer._print(self.args[0]) + r"\right)"


class sigmoid(_RealUnary):  # noqa: N801
    r"""sigmoid(u) = σ(u) = 1/(1 + e^−u) = e^u/(1 + e^u), the logistic function.

    Kernels take e^u/(1 + e^u) for u < 0 and 1/(1 + e^−u) beyond, so that neither form's
    exponential overflows; σ′(u) = σ(u)·σ(−u) and 1 − σ(u) = σ(−u) keep their digits in
    both tails (e^w/(e^w + 1)² is inf/inf from w ≈ 355 on).

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", real=True)
    >>> sigmoid(0), sp.diff(sigmoid(u), u)
    (1/2, sigmoid(-u)*sigmoid(u))
    >>> sigmoid(u).rewrite(sp.exp)
    1/(1 + exp(-u))
    >>> sigmoid(-800).evalf(5)
    3.6679e-348
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.S.Half
        if u is sp.S.Infinity:
            return sp.S.One
        if u is sp.S.NegativeInfinity:
            return sp.S.Zero
        return None

    def fdiff(self, argindex=1):
        u = self.args[0]
        return sigmoid(u) * sigmoid(-u)

    def _eval_rewrite_as_exp(self, u, **kwargs):
        return 1 / (1 + sp.exp(-u))

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: 1 / (1 + mp.exp(-v)))

    _bracket_power = False

    def _eval_is_positive(self):
        u = self.args[0]
        return True if u.is_extended_real and u.is_finite else None

    def _latex_body(self, printer) -> str:
        return r"\sigma\left(" + printer._print(self.args[0]) + r"\right)"


class logcosh(_RealUnary):  # noqa: N801
    r"""logcosh(u) = log(cosh u) = |u| − log 2 + log(1 + e^−2|u|), even, ≥ 0 for real u.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", real=True)
    >>> logcosh(-u), sp.diff(logcosh(u), u), logcosh(0)
    (logcosh(u), tanh(u), 0)
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u.is_zero:
            return sp.S.Zero
        if u in (sp.S.Infinity, sp.S.NegativeInfinity):
            return sp.S.Infinity
        if u.could_extract_minus_sign():
            return cls(-u)
        return None

    def fdiff(self, argindex=1):
        return sp.tanh(self.args[0])

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(sp.cosh(u))

    def _eval_evalf(self, prec):
        # log1p(2 sinh(u/2)^2): no cancellation in cosh(u) - 1 for small u
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.log1p(2 * mp.sinh(v / 2) ** 2))

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_extended_real else None

    def _latex_body(self, printer) -> str:
        return r"\log\cosh\left(" + printer._print(self.args[0]) + r"\right)"


class logsinh(_RealUnary):  # noqa: N801
    r"""logsinh(u) = log(sinh u) = u − log 2 + log(1 − e^−2u), real for u > 0.

    Finite for every finite u > 0, where sinh u itself overflows beyond u ≈ 710.

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", positive=True)
    >>> sp.diff(logsinh(u), u), logsinh(u).rewrite(sp.log)
    (1/tanh(u), log(sinh(u)))
    >>> logsinh(1000).evalf(20)
    999.30685281944005469
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u is sp.S.Infinity:
            return sp.S.Infinity
        if u.is_zero:
            return sp.S.NegativeInfinity
        return None

    def fdiff(self, argindex=1):
        return 1 / sp.tanh(self.args[0])

    def _eval_rewrite_as_log(self, u, **kwargs):
        return sp.log(sp.sinh(u))

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.log(mp.sinh(v)))

    def _eval_is_extended_real(self):
        return True if self.args[0].is_extended_positive else None

    def _latex_body(self, printer) -> str:
        return r"\log\sinh\left(" + printer._print(self.args[0]) + r"\right)"


class log1p_sq(_RealUnary):  # noqa: N801
    r"""log1p_sq(y) = ½·log(1 + y²) = log|y| + ½·log(1 + 1/y²), without overflow for large y.

    It is log(√(y² + 1)) = log(cosh(asinh y)), the log-Jacobian of asinh.

    Examples
    --------
    >>> import sympy as sp
    >>> y = sp.Symbol("y", real=True)
    >>> sp.diff(log1p_sq(y), y), log1p_sq(-y), log1p_sq(1)
    (y/(y**2 + 1), log1p_sq(y), log(2)/2)
    """

    nargs = 1

    @classmethod
    def eval(cls, y):
        if y.is_zero:
            return sp.S.Zero
        if y in (sp.S.Infinity, sp.S.NegativeInfinity):
            return sp.S.Infinity
        if y.is_number and y.is_rational:
            return sp.log(1 + y**2) / 2
        if y.could_extract_minus_sign():
            return cls(-y)
        return None

    def fdiff(self, argindex=1):
        y = self.args[0]
        return y / (y**2 + 1)

    def _eval_rewrite_as_log(self, y, **kwargs):
        return sp.log(1 + y**2) / 2

    def _eval_rewrite_as_log1p(self, y, **kwargs):
        return log1p(y**2) / 2

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.log1p(v * v) / 2)

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_extended_real else None

    def _latex_body(self, printer) -> str:
        return r"\tfrac{1}{2}\log\left(1 + " + _argument(printer, self) + r"^{2}\right)"


class hypot1(_RealUnary):  # noqa: N801
    r"""hypot1(y) = √(1 + y²) = hypot(1, y), without overflow of y² for large y.

    Kernels take |y| beyond |y| = 2²⁷, where the two agree to the last bit, so that
    √(1 + y²) is finite wherever it is a float (y = 1e300).

    Examples
    --------
    >>> import sympy as sp
    >>> y = sp.Symbol("y", real=True)
    >>> sp.diff(hypot1(y), y), hypot1(-y), hypot1(sp.Rational(3, 4))
    (y/hypot1(y), hypot1(y), 5/4)
    >>> hypot1(sp.Float("1e300")).evalf(20)
    1.0000000000000000000e+300
    """

    nargs = 1

    @classmethod
    def eval(cls, y):
        if y.is_zero:
            return sp.S.One
        if y in (sp.S.Infinity, sp.S.NegativeInfinity):
            return sp.S.Infinity
        if y.is_number and y.is_rational:
            return sp.sqrt(1 + y**2)
        if y.could_extract_minus_sign():
            return cls(-y)
        return None

    def fdiff(self, argindex=1):
        return self.args[0] / self

    def _eval_rewrite_as_sqrt(self, y, **kwargs):
        return sp.sqrt(1 + y**2)

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.sqrt(1 + v * v))

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _latex_body(self, printer) -> str:
        return r"\sqrt{1 + " + _argument(printer, self) + r"^{2}}"


class lambertw_exp(_RealUnary):  # noqa: N801
    r"""lambertw_exp(u) = W₀(e^u), the root w of w + log w = u (Wright's ω on the real
    line), finite where e^u overflows (u > 709.78).

    Examples
    --------
    >>> import sympy as sp
    >>> u = sp.Symbol("u", real=True)
    >>> sp.diff(lambertw_exp(u), u)
    lambertw_exp(u)/(lambertw_exp(u) + 1)
    >>> lambertw_exp(sp.Integer(1)), lambertw_exp(sp.Float("1e300")).evalf(5)
    (1, 1.0000e+300)
    """

    nargs = 1

    @classmethod
    def eval(cls, u):
        if u is sp.S.One:
            return sp.S.One  # 1·e¹ = e
        if u is sp.S.Infinity:
            return sp.S.Infinity
        return None

    def fdiff(self, argindex=1):
        return self / (1 + self)

    def _eval_rewrite_as_LambertW(self, u, **kwargs):
        return sp.LambertW(sp.exp(u))

    def _eval_evalf(self, prec):
        return _mpmath_evalf(self.args[0], prec, lambda v: mp.lambertw(mp.exp(v)).real)

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _latex_body(self, printer) -> str:
        return r"W_{0}\left(e^{" + printer._print(self.args[0]) + r"}\right)"


class erfcinv_exp(_RealUnary):  # noqa: N801
    r"""erfcinv_exp(v) = erfc⁻¹(e^v), finite where e^v underflows (v < −745) and exact
    where e^v rounds to 1 (the normal quantile of a probability held as its log).

    Examples
    --------
    >>> import sympy as sp
    >>> v = sp.Symbol("v", negative=True)
    >>> sp.diff(erfcinv_exp(v), v)
    -sqrt(pi)*exp(v + erfcinv_exp(v)**2)/2
    >>> erfcinv_exp(sp.Float(-2000)).evalf(8)
    44.672453
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return -sp.sqrt(sp.pi) / 2 * sp.exp(self.args[0] + self**2)

    def _eval_rewrite_as_erfcinv(self, v, **kwargs):
        return sp.erfcinv(sp.exp(v))

    def _eval_evalf(self, prec):
        from symflow.core.special import mpmath_function

        inverse = mpmath_function(sp.Symbol("y"), sp.erfcinv(sp.Symbol("y")))
        return _mpmath_evalf(self.args[0], prec, lambda v: inverse(mp.exp(v)))

    def _latex_body(self, printer) -> str:
        return r"\operatorname{erfc}^{-1}\left(e^{" + printer._print(self.args[0]) + r"}\right)"


class lambertw_edge(sp.Function):  # noqa: N801
    r"""lambertw_edge(x, k) = |1 + W_k(x)| for the real branches k = 0 and k = −1: the
    distance of W_k(x) from the branch value −1, accurate next to the branch point
    x = −1/e (where 1 + W from a rounded W keeps few digits).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> lambertw_edge(x, 0).rewrite(sp.LambertW)
    LambertW(x) + 1
    >>> lambertw_edge(x, -1).rewrite(sp.LambertW)
    -LambertW(x, -1) - 1
    >>> lambertw_edge(sp.Rational(-36787944117144, 10**14), 0).evalf(5)
    1.1235e-7
    """

    nargs = 2

    def _lambertw(self) -> sp.Expr:
        x, k = self.args
        return sp.LambertW(x) if k == 0 else sp.LambertW(x, k)

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        w = self._lambertw()
        sign = 1 if self.args[1] == 0 else -1
        return sign * sp.diff(w, self.args[0])

    def _eval_rewrite_as_LambertW(self, x, k, **kwargs):
        w = self._lambertw()
        return 1 + w if k == 0 else -1 - w

    def _eval_evalf(self, prec):
        x, k = self.args
        # x + 1/e cancels next to the branch point: as many more bits as it loses
        distance = sp.N(x + sp.exp(-1), 15)
        if not distance.is_Float:
            return None
        lost = max(0, -int(mp.floor(mp.log(abs(mp.mpf(distance._mpf_)) + 2**-2000, 2))))
        work = prec + 20 + min(lost, 4000)
        value = sp.N(x, int(work / 3.3) + 5)
        if not value.is_Float:
            return None
        with mp.workprec(work):
            result = abs(1 + mp.lambertw(mp.mpf(value._mpf_), int(k)).real)
        return sp.Float._new(result._mpf_, prec)

    def _eval_is_extended_real(self):
        return True if self.args[0].is_extended_real else None

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_extended_real else None

    def _latex(self, printer, exp=None):
        body = r"\left|1 + " + printer._print(self._lambertw()) + r"\right|"
        return _with_exponent(body, exp)


class halved(_RealUnary):  # noqa: N801
    r"""halved(y) = y/2, evaluated as the sum of the halves of y's terms: 2·halved(x − m)
    is x − m to the same rounding, and finite where x − m overflows but its half does not
    (x = −1e308, m = 1e308).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> sp.diff(halved(x - 3), x), halved(sp.Integer(3))
    (1/2, 3/2)
    >>> halved(x - sp.Float("1e308")).subs(x, sp.Float("-1e308")).evalf(5)
    -1.0000e+308
    """

    nargs = 1
    _bracket_power = False

    @classmethod
    def eval(cls, y):
        if y.is_Number:
            return y / 2
        return None

    def fdiff(self, argindex=1):
        return sp.S.Half

    def _eval_rewrite_as_Add(self, y, **kwargs):
        return y / 2

    def _eval_evalf(self, prec):
        return (self.args[0] / 2).evalf(prec)

    def _latex_body(self, printer) -> str:
        return r"\frac{" + printer._print(self.args[0]) + "}{2}"


class hypot(sp.Function):  # noqa: N801
    r"""hypot(a, b) = √(a² + b²), without overflow or underflow of the squares.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", real=True)
    >>> sp.diff(hypot(a, b), a), hypot(3, 4)
    (a/hypot(a, b), 5)
    >>> hypot(sp.Float("1e-300"), sp.Float("1e-300")).evalf(5)
    1.4142e-300
    """

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        if a.is_number and b.is_number and a.is_rational and b.is_rational:
            return sp.sqrt(a**2 + b**2)
        return None

    def fdiff(self, argindex=1):
        return self.args[argindex - 1] / self

    def _eval_rewrite_as_sqrt(self, a, b, **kwargs):
        return sp.sqrt(a**2 + b**2)

    def _eval_evalf(self, prec):
        a, b = (v._eval_evalf(prec + 10) if not v.is_Float else v for v in self.args)
        if a is None or b is None or not (a.is_Float and b.is_Float):
            return None
        with mp.workprec(prec + 10):
            value = mp.hypot(mp.mpf(a._mpf_), mp.mpf(b._mpf_))
        return sp.Float._new(mp.mpf(value)._mpf_, prec)

    def _eval_is_extended_real(self):
        return True if all(v.is_extended_real for v in self.args) else None

    def _eval_is_nonnegative(self):
        return True if all(v.is_extended_real for v in self.args) else None


class sub_exact(sp.Function):  # noqa: N801
    """sub_exact(x, hi, lo) = (x − hi) − lo: x minus a constant split into its nearest
    float hi and the rest lo, so that the difference keeps its digits next to hi + lo.
    It is what :class:`~symflow.core.edges.exact_difference` compiles to."""

    nargs = 3

    def fdiff(self, argindex=1):
        return sp.Integer(1) if argindex == 1 else sp.Integer(-1)

    def _eval_is_extended_real(self):
        return True if all(a.is_extended_real for a in self.args) else None


def _exact_difference(x: sp.Expr, c: sp.Expr) -> sp.Expr:
    """x − c with a numeric c as sub_exact(x, hi, lo); other c as x − c."""
    if not c.is_number:
        return x - c
    if c.is_Integer and abs(c) < 2**53:
        return x - c  # exact in float64, and x + 1 stays one argument of expm1 (x + 1.0 not)
    value = sp.N(c, 40)
    hi = float(value)
    lo = float(value - sp.Float(hi, 40))
    return x - sp.Float(hi) if lo == 0.0 else sub_exact(x, sp.Float(hi), sp.Float(lo))


# --------------------------------------------------------------------------- kernels
#: SymPy function name -> name in the kernel module (entries for the printer's table).
TRANSLATIONS: dict[str, str] = {
    "softplus": "_softplus",
    "sigmoid": "_sigmoid",
    "logcosh": "_logcosh",
    "logsinh": "_logsinh",
    "log1p_sq": "_log1p_sq",
    "hypot1": "_hypot1",
    "log1p": "math.log1p",
    "expm1": "math.expm1",
    "sub_exact": "_sub_exact",
    "sign_of_products": "_sign_of_products",
}


# --------------------------------------------------------------------------- rewrites
def stabilise(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr] | None = None) -> sp.Basic:
    """An equal expression whose float64 evaluation avoids overflow and cancellation.

    Applies the table of the module docstring bottom-up; each subexpression is rewritten
    once (the cost is linear in the size of the expression tree, plus the size of the
    sums and products it looks into). Non-expression nodes (relations, Piecewise
    conditions) are traversed, not rewritten.

    Parameters
    ----------
    expr : sympy.Basic
        A kernel expression (one Program assignment value, before CSE).
    definitions : mapping, optional
        Values of the symbols in ``expr`` that earlier assignments define. Used to see
        through one assignment: logcosh(s) with s = asinh(t) becomes log1p_sq(t) (one
        log instead of two exponentials and a log, and no overflow), and with
        s = atanh(t) it becomes −(log1p(t) + log1p(−t))/2.

    Returns
    -------
    sympy.Basic
        The rewritten expression, equal to ``expr`` wherever ``expr`` is real.

    Raises
    ------
    CompileError
        If ``expr`` is not a SymPy expression or number (text must be parsed first).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> stabilise(sp.log(x * sp.exp(-x**2) / sp.sqrt(2 * sp.pi)))
    -x**2 + log(x) + log(sqrt(2)/(2*sqrt(pi)))
    >>> stabilise(sp.log(1 + x) - sp.log(sp.cosh(x)))
    log1p(x) - logcosh(x)
    >>> s = sp.Symbol("s", real=True)
    >>> stabilise(-sp.log(sp.cosh(s)), definitions={s: sp.asinh(x)})
    -log1p_sq(x)
    """
    try:
        tree = sp.sympify(expr, strict=True)
    except sp.SympifyError as exc:
        raise CompileError(
            f"stabilise() takes a SymPy expression; got the {type(expr).__name__} {expr!r}. "
            f"Parse text with symflow.core.parse.parse_expression first."
        ) from exc
    out = _walk(tree, {})
    out = _see_through(out, definitions) if definitions else out
    out = _lambertw_edges(out, definitions or {})
    return _halved_sums(out, definitions or {})


def _see_through(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    """logcosh(s) with s = asinh(t) → log1p_sq(t); with s = atanh(t) → −½ log(1 − t²);
    log1p_sq(s) with s = ±sinh(u) → logcosh(u), with s = ±e^u → ½ softplus(2u): the state s
    itself overflows long before these logs do."""
    swaps = {}
    for f in expr.atoms(logcosh):
        value = definitions.get(f.args[0])
        if isinstance(value, sp.asinh):
            swaps[f] = log1p_sq(value.args[0])
        elif isinstance(value, sp.atanh):
            t = value.args[0]
            swaps[f] = -(log1p(t) + log1p(-t)) / 2
    for f in expr.atoms(log1p_sq):
        value = definitions.get(f.args[0])
        core = -value if value is not None and value.could_extract_minus_sign() else value
        if isinstance(core, sp.sinh):
            swaps[f] = logcosh(core.args[0])  # ½ log(1 + sinh² u) = log cosh u
        elif isinstance(core, sp.exp) and core.args[0].is_extended_real:
            u = core.args[0]  # ½ softplus(2u), without overflow of 2u
            swaps[f] = sp.Max(u, 0) + softplus(-2 * sp.Abs(u)) / 2
        elif isinstance(core, sp.Pow) and core.exp == -1 and core.base.is_extended_real:
            t = core.base  # ½ log(1 + 1/t²) = ½ log(1 + t²) − log|t|: 1/t overflows at t = 5e-324
            swaps[f] = sp.Piecewise((log1p_sq(t) - sp.log(sp.Abs(t)), sp.Abs(t) < 1), (f, True))
    for f in expr.atoms(sp.LambertW):
        value = definitions.get(f.args[0])
        if _is_lambertw0(f) and isinstance(value, sp.exp) and value.args[0].is_extended_real:
            swaps[f] = lambertw_exp(value.args[0])  # the state e^u overflows from 709.78
    for f in expr.atoms(sp.Pow):
        value = definitions.get(f.base)
        if (
            isinstance(value, sp.Pow)
            and value.exp == sp.Rational(1, 2)
            and f.exp.is_integer
            and f.exp.is_even
            and f.exp > 0
        ):
            swaps[f] = value.base ** (
                f.exp / 2
            )  # (√t)² = t: the square of a subnormal √t loses digits
    out = expr.xreplace(swaps) if swaps else expr
    return _scaled_states(_shifted_states(out, definitions), definitions)


def _lambertw_branch(v: sp.Expr, definitions: Mapping[sp.Symbol, sp.Expr]):
    """(x, k) where v is W_k(x) on a real branch, or a state defined as one; else None."""
    v = definitions.get(v, v)
    if isinstance(v, sp.LambertW):
        k = v.args[1] if len(v.args) > 1 else sp.S.Zero
        x = v.args[0]
        value = definitions.get(x, x)
        if k in (0, -1) and not (value.is_nonnegative or isinstance(value, sp.exp)):
            return x, k  # (W₀ of a positive x is positive, far from its branch point)
    return None


def _lambertw_edges(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    """1 + W₀(x) (and log1p W₀(x)) and −1 − W₋₁(x) as lambertw_edge(x, k): next to the
    branch point −1/e, 1 + W from the rounded W is right to 1e-16/(1 + W) only."""
    if not isinstance(expr, sp.Expr):
        return expr
    states = {s for s, v in definitions.items() if isinstance(v, sp.LambertW)}
    if not (expr.has(sp.LambertW) or expr.free_symbols & states):
        return expr
    swaps: dict = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and len(node.args) == 2:
            c, rest = node.as_coeff_Add()
            if c == 1 and (found := _lambertw_branch(rest, definitions)) and found[1] == 0:
                swaps[node] = lambertw_edge(*found)
            elif c == -1 and (found := _lambertw_branch(-rest, definitions)) and found[1] == -1:
                swaps[node] = lambertw_edge(*found)
        elif isinstance(node, log1p):
            found = _lambertw_branch(node.args[0], definitions)
            if found and found[1] == 0:
                swaps[node] = sp.log(lambertw_edge(*found))
    return expr.xreplace(swaps) if swaps else expr


def _halved_sums(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    """A sum y that can overflow although y/2 cannot (a numeric term of 2⁹⁶⁹ or more, an
    input of the other sign: x − 1e308 at x = −1e308), and a state s defined as one, as
    2·halved(y): k·(x − m) is (2k)·(x/2 − m/2), exact to the same rounding, and finite
    wherever the product is (a scale k = 1e-308 in (x − m)/s)."""
    if not isinstance(expr, sp.Expr):
        return expr
    swaps: dict = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Add) and _may_overflow_sum(node):
            swaps[node] = 2 * halved(node)
    for s in expr.free_symbols:
        value = definitions.get(s)
        if isinstance(value, sp.Add) and _may_overflow_sum(value):
            swaps[s] = 2 * halved(value)
    if not swaps:
        return expr
    out = expr.xreplace(swaps)
    # atan2 and hypot are homogeneous: atan2(s, 2·h) = atan2(s/2, h), without the doubling
    homogeneous = {
        f: f.func(*[a / 2 for a in f.args])
        for f in out.atoms(sp.atan2, hypot)
        if any(isinstance(a, sp.Mul) and a.has(halved) and a.args[0] == 2 for a in f.args)
    }
    return out.xreplace(homogeneous) if homogeneous else out


def _shifted_states(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    """k·s − k·c with s = e + c defined (c a number) as k·e: s − c cancels once s has
    rounded (s = ∛x + 2 is 2.0 for |x| < 1e-48, where s − 2 = ∛x is not 0)."""
    shifted = {}
    for s, v in definitions.items():
        if isinstance(v, sp.Add):
            c, e = v.as_coeff_Add()
            if c != 0 and c.is_Number:
                shifted[s] = (c, e)
    if not shifted or not isinstance(expr, sp.Expr) or not (expr.free_symbols & set(shifted)):
        return expr
    swaps = {}
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Add):
            continue
        c, rest = node.as_coeff_Add()
        for term in sp.Add.make_args(rest):
            k, s = term.as_coeff_Mul()
            if s in shifted and k * shifted[s][0] + c == 0:
                swaps[node] = rest - term + k * shifted[s][1]
                break
    return expr.xreplace(swaps) if swaps else expr


def _is_lambertw0(node: sp.Basic) -> bool:
    return isinstance(node, sp.LambertW) and (len(node.args) == 1 or node.args[1] == 0)


def _scaled_states(expr: sp.Basic, definitions: Mapping[sp.Symbol, sp.Expr]) -> sp.Basic:
    """Terms k·s of sums with s = c·t defined (c a number, t a symbol) as (k·c)·t: the
    state s = 2x overflows at x = 1.8e308, where −s/2 = −x is a float."""
    scaled = {
        s: v
        for s, v in definitions.items()
        if isinstance(v, sp.Mul)
        and len(v.args) == 2
        and v.args[0].is_Number
        and v.args[1].is_Symbol
    }
    if not scaled or not isinstance(expr, sp.Expr) or not (expr.free_symbols & set(scaled)):
        return expr
    swaps = {}
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Add):
            continue
        terms = []
        for term in node.args:
            k, s = term.as_coeff_Mul()
            terms.append(k * scaled[s] if s in scaled else term)
        if any(a is not b for a, b in zip(terms, node.args, strict=True)):
            swaps[node] = sp.Add(*terms)
    return expr.xreplace(swaps) if swaps else expr


def _walk(e: sp.Basic, memo: dict) -> sp.Basic:
    if e in memo:
        return memo[e]
    if e.is_Atom or not e.args:
        out = e
    else:
        args = [_walk(a, memo) for a in e.args]
        node = e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
        if isinstance(node, sp.log):
            out = _log(node.args[0])
        elif isinstance(node, exact_difference):
            out = _exact_difference(*node.args)
        elif isinstance(node, sp.erfinv) and _near_one(node.args[0]) is not None:
            out = _erfinv_near_one(*_near_one(node.args[0]))
        elif isinstance(node, sp.erfcinv) and _exponent(node.args[0]) is not None:
            out = erfcinv_exp(_exponent(node.args[0]))
        elif _is_lambertw0(node) and isinstance(node.args[0], sp.exp):
            out = lambertw_exp(node.args[0].args[0])  # W₀(e^u): e^u overflows from 709.78
        elif isinstance(node, sp.tan):
            out = _tan(node.args[0])
        elif isinstance(node, (sp.sin, sp.cot)):
            out = _next_period(node)
        elif isinstance(node, sp.Add):
            out = _radical(e, complement(_add(node)), memo)
            out = _incomplete(e, out)
        elif isinstance(node, (sp.Pow, sp.Mul)):
            out = _logistic(node)
            out = _half_power(out) if isinstance(out, sp.Pow) else out
        else:
            out = node
    memo[e] = out
    return out


def _radical(e: sp.Add, rewritten: sp.Expr, memo: dict) -> sp.Expr:
    """c + L/√Q as N/(√Q·(c√Q − L)) on the side where the sum tends to 0
    (:func:`symflow.core.special.radical_complement`), ``rewritten`` on the other."""
    found = radical_complement(e)
    if found is None:
        return rewritten
    tail, side = found
    return sp.Piecewise((_walk(tail, memo), side), (rewritten, True))


def _incomplete(e: sp.Add, rewritten: sp.Expr) -> sp.Expr:
    """An incomplete gamma or beta function written out in one variable, C + A·P(a, u)
    (:func:`symflow.core.special.incomplete_step`), where its argument u is in range, and
    ``rewritten`` elsewhere: 1 − (z + 1)e⁻ᶻ is 0 in float64 for z < 1e-8, P(2, z) is not."""
    if len(e.free_symbols) != 1 or not _may_be_incomplete(e):
        return rewritten
    (t,) = e.free_symbols
    step = attempt(lambda: incomplete_step(e, t), 10.0, None)
    if step is None:
        return rewritten
    u = step.inner
    form = step.outer(u)
    if form.has(stdtr):
        return form  # T_ν is defined on the whole line
    inside = (u > 0) & (u < 1) if form.has(sp.betainc_regularized) else u > 0
    if inside is sp.true:
        return form
    return sp.Piecewise((form, inside), (rewritten, True))


def _may_be_incomplete(e: sp.Add) -> bool:
    """A sum that could be an incomplete gamma or beta function or a Student t CDF written
    out: terms with an exponential or arctangent of the variable, or a negative power of a
    quadratic in it, or a polynomial of degree 3 or more."""
    (t,) = e.free_symbols
    if any(f.args[0].has(t) for f in e.atoms(sp.exp, sp.atan)):
        return True
    for p in e.atoms(sp.Pow):
        if p.exp.is_negative and p.base.is_polynomial(t) and sp.degree(p.base, t) == 2:
            return True
    return e.is_polynomial(t) and sp.degree(e, t) >= 3


def _near_one(arg: sp.Expr) -> tuple[int, sp.Expr] | None:
    """(s, r) with arg = s·(1 − r), s = ±1, r not a number; None for other arguments."""
    if not isinstance(arg, sp.Add):
        return None
    c, rest = arg.as_coeff_Add()
    if c not in (1, -1) or rest.is_number:
        return None
    return int(c), -c * rest


def _erfinv_near_one(sign: int, r: sp.Expr) -> sp.Expr:
    """erf⁻¹(s·(1 − r)) = s·erfc⁻¹(r) for r < 1 and −s·erfc⁻¹(2 − r) above, with 2 − r
    rewritten (−2·expm1(y) for r = 2e^y): s·(1 − r) rounds to ±1 where r or 2 − r is
    below 1e-16 (the normal quantile √2·erf⁻¹(2u − 1) at u = 1e-20 and at u = e^(−1e-20))."""
    far = _walk(2 - r, {})
    near = _walk(sp.erfcinv(r), {})
    return sp.Piecewise((sign * near, r < 1), (-sign * sp.erfcinv(far), True))


def _exponent(arg: sp.Expr) -> sp.Expr | None:
    """v + log k for arg = k·e^v with a number k > 0 (e^v as a state underflows where
    its exponent does not), else None."""
    k, core = arg.as_coeff_Mul()
    if isinstance(core, sp.exp) and k.is_positive:
        return core.args[0] + sp.log(k) if k != 1 else core.args[0]
    return None


def _tan(arg: sp.Expr) -> sp.Expr:
    """tan(u + c) with c an odd multiple of π/2 as −cot(u) (SymPy's own identity, once the
    argument is expanded) away from its zero: tan(π·(e^y − ½)) rounds onto the pole at
    y = −300, where u + c is −π/2 to the last digit, and −cot(π·e^y) does not; next to
    the zero the argument as written keeps its digits (π·(x − ½) with x − ½ exact)."""
    expanded = sp.expand_mul(arg)
    if not isinstance(expanded, sp.Add):
        return _next_period(sp.tan(arg))
    out = sp.tan(expanded)
    if isinstance(out, sp.tan):
        return _next_period(out)
    far = -_next_period(-out) if out.could_extract_minus_sign() else _next_period(out)
    return sp.Piecewise((sp.tan(arg), sp.Abs(expanded) < sp.pi / 4), (far, True))


def _next_period(e: sp.Expr) -> sp.Expr:
    """sin, tan or cot of q·π·u, q > 0 rational, written from u − 1/q for u > 1/(2q): its
    zero or pole at q·π·u = π is met where q·π·u has rounded (cot(π·e^y) at
    y = −1e-20, where e^y is 1 to the last digit and e^y − 1 = expm1(y) is not)."""
    if not isinstance(e, (sp.sin, sp.tan, sp.cot)):
        return e
    arg = e.args[0]
    if not arg.free_symbols:
        return e
    k, u = arg.as_independent(*arg.free_symbols, as_Add=False)
    q = k / sp.pi
    if not (q.is_Rational and q.is_positive and u.is_extended_real):
        return e
    shift = 1 / q
    near = _walk(u - shift, {})
    if isinstance(near, sp.Add):
        if not (isinstance(u, sp.Symbol) and sp.Rational(float(shift)) == shift):
            return e  # u − 1/q would round: nothing gained
        near = sub_exact(u, sp.Float(float(shift)), sp.Float(0.0))  # exact for u near 1/q
    func = type(e)
    sign = -1 if func is sp.sin else 1  # sin(θ − π) = −sin θ; tan and cot have period π
    shifted = sign * func(k * near, evaluate=False)
    return sp.Piecewise((e, u < shift / 2), (shifted, True))


def _logistic(e: sp.Expr) -> sp.Expr:
    """(c + k·e^w)⁻ⁿ = (σ(−s)/c)ⁿ with s = w + log(k/c), for c, k > 0; and in a product,
    e^v·σ(t)ⁿ = e^(v + jt)·σ(−t)ʲ·σ(t)ⁿ⁻ʲ where v + jt is a constant, 1 ≤ j ≤ n
    (e^w/(1 + e^w) = σ(w)): e^w
    overflows beyond 709 and its square beyond 355, where these quotients are floats."""
    if isinstance(e, sp.Pow):
        if not (e.exp.is_Integer and e.exp < 0 and isinstance(e.base, sp.Add)):
            return e
        c, rest = e.base.as_coeff_Add()
        k, core = rest.as_coeff_Mul()
        if not (c.is_positive and k.is_positive and isinstance(core, sp.exp)):
            return e
        w = core.args[0]
        if not w.is_extended_real:
            return e
        return (sigmoid(-w - sp.log(k / c)) / c) ** -e.exp
    factors = list(sp.Mul.make_args(e))
    changed = True
    while changed:
        changed = False
        for i, f in enumerate(factors):
            if not isinstance(f, sp.exp):
                continue
            for m, g in enumerate(factors):
                base, n = g.as_base_exp()
                if not (isinstance(base, sigmoid) and n.is_Integer and n > 0):
                    continue
                t = base.args[0]
                # e^v·σ(t)ⁿ = e^(v + jt)·σ(−t)ʲ·σ(t)ⁿ⁻ʲ, e^(−t)·σ(t) = σ(−t)
                j = next((j for j in range(1, int(n) + 1) if (f.args[0] + j * t).is_number), 0)
                if not j:
                    continue
                rest = [h for q, h in enumerate(factors) if q not in (i, m)]
                factors = [*rest, sp.exp(f.args[0] + j * t), sigmoid(-t) ** j, base ** (n - j)]
                changed = True
                break
            if changed:
                break
    return sp.Mul(*factors) if len(factors) > 1 else factors[0]


def _half_power(e: sp.Pow) -> sp.Expr:
    """(c + k·y²)^(n/2) = c^(n/2)·hypot1(a·y)ⁿ, a = √(k/c), for c, k > 0: y² overflows
    from |y| ≈ 1.3e154 on, where the root itself is still a float."""
    base, p = e.base, e.exp
    if not (p.is_Rational and p.q == 2 and isinstance(base, sp.Add)):
        return e
    squares = _sum_of_two_squares(base)
    if squares is not None:
        return hypot(*squares) ** (2 * p)
    c, rest = base.as_coeff_Add()
    k, core = rest.as_coeff_Mul()
    if not (c.is_positive and k.is_positive and isinstance(core, sp.Pow) and core.exp.is_even):
        return e
    y = sp.sqrt(k / c) * core.base ** (core.exp / 2)
    return c**p * hypot1(y) ** (2 * p)


def _exp_factor(term: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(A, u) with term = A·e^u, or None."""
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.exp):
            return term / factor, factor.args[0]
    return None


def _add(e: sp.Add) -> sp.Expr:
    """A·e^u − A → A·expm1(u); v − softplus(v) → −softplus(−v); softplus(v) − v → softplus(−v)."""
    terms = list(e.args)
    changed = False
    i = 0
    while i < len(terms):
        t = terms[i]
        found = _exp_factor(t)
        if found is not None:
            a, u = found
            if -a in terms:
                terms.remove(-a)
                terms[terms.index(t)] = a * expm1(u)
                changed = True
                i = 0
                continue
        coeff, rest = t.as_coeff_Mul()
        if isinstance(rest, sigmoid) and -coeff in terms:
            terms.remove(-coeff)
            terms[terms.index(t)] = -coeff * sigmoid(-rest.args[0])  # k·σ(u) − k = −k·σ(−u)
            changed = True
            i = 0
            continue
        if isinstance(rest, softplus) and coeff.is_Number and coeff != 0:
            # softplus(v) − v = softplus(−v); k·softplus(v) − sign(k)·v is
            # (k − sign k)·softplus(v) + sign(k)·softplus(−v): v − 2 softplus(v) overflows
            # at v = 1.8e308 (2 · 1.8e308), −softplus(v) − softplus(−v) does not
            v = rest.args[0]
            sign = 1 if coeff > 0 else -1
            if -sign * v in terms:
                terms.remove(-sign * v)
                terms[terms.index(t)] = (coeff - sign) * rest + sign * softplus(-v)
                changed = True
                i = 0
                continue
        i += 1
    return sp.Add(*terms) if changed else e


def _log(arg: sp.Expr) -> sp.Expr:
    """log(arg), arg already stabilised, rewritten by the log rules of the table."""
    if arg.is_number:
        return sp.log(arg)  # a constant: folded to a float by the printer
    if isinstance(arg, sp.exp) and arg.args[0].is_extended_real:
        return arg.args[0]
    if isinstance(arg, sp.cosh):
        return logcosh(arg.args[0])
    if isinstance(arg, sp.sinh):
        return logsinh(arg.args[0])  # real only where u > 0, as log(sinh u) is
    if isinstance(arg, hypot1):
        return log1p_sq(arg.args[0])
    if isinstance(arg, sigmoid):
        return -softplus(-arg.args[0])
    if isinstance(arg, sp.Piecewise):
        return sp.Piecewise(*[(_log(value), cond) for value, cond in arg.args])
    tail = _log_tail(arg)
    if tail is not None:
        return tail
    if isinstance(arg, sp.polygamma):
        return _log_polygamma(*arg.args)
    if isinstance(arg, sp.Mul) and arg.args[0] == -1 and isinstance(-arg, sp.polygamma):
        return _log_polygamma(*(-arg).args, sign=-1)  # log(−ψ⁽ⁿ⁾(u)) for even n
    if isinstance(arg, StandardNormalCdf):
        return log_ndtr(arg.args[0])
    if isinstance(arg, sp.Add):
        return _log_sum(arg)
    k, core = arg.as_coeff_Mul()
    if k.is_negative and isinstance(core, expm1):
        return _log(-k) + _log_one_minus_exp(core.args[0])
    if isinstance(arg, sp.Mul):
        return _log_product(arg)
    if isinstance(arg, sp.Pow):
        return _log_power(arg)
    if isinstance(arg, sp.Abs):
        return _log_abs(arg.args[0])
    if isinstance(arg, expm1) and arg.args[0].is_positive:
        # log(e^u - 1) = u + log(1 - e^-u): no overflow for large u
        u = arg.args[0]
        return u + _log_one_minus_exp(-u)
    return sp.log(arg)


def _log_one_minus_exp(u: sp.Expr) -> sp.Expr:
    """log(1 − e^u) for u < 0: log(−expm1 u) next to 0, log1p(−e^u) below −log 2, where
    1 − e^u rounds to 1 although its log (≈ −e^u) is far from 0 (Mächler's log1mexp)."""
    near = sp.log(-expm1(u))
    if u.is_number:
        return near
    return sp.Piecewise((near, u > -sp.log(2)), (log1p(-sp.exp(u)), True))


def _log_polygamma(n: sp.Expr, u: sp.Expr, sign: int = 1) -> sp.Expr:
    """log(sign·ψ⁽ⁿ⁾(u)) for n ≥ 1, where that is positive (sign = (−1)ⁿ⁺¹ for u > 0).

    * 0 < u < 1: sign·ψ⁽ⁿ⁾(u) = n!/uⁿ⁺¹ + sign·ψ⁽ⁿ⁾(u + 1) overflows for small u
      (ψ′(1e-158) = 1e316) where its log is finite: log n! − (n + 1)·log u +
      log1p(sign·uⁿ⁺¹·ψ⁽ⁿ⁾(u + 1)/n!);
    * u > 10⁶: |ψ⁽ⁿ⁾(u)| = (n − 1)!/uⁿ·(1 + n/(2u) + n(n + 1)/(12u²) + O(u⁻⁴)) underflows
      for large u (ψ″(1e300) = −1e-600) where its log is finite: log (n − 1)! − n·log u +
      log1p(n/(2u) + n(n + 1)/(12u²))."""
    value = sp.log(sign * sp.polygamma(n, u))
    if not (n.is_Integer and n > 0):
        return value
    large = (
        sp.log(sp.factorial(n - 1)) - n * _log(u) + log1p(n / (2 * u) + n * (n + 1) / (12 * u**2))
    )
    pieces = [(large, u > 10**6)]
    if sign == (-1) ** (n + 1):
        scale = sp.factorial(n)
        rest = sign * u ** (n + 1) * sp.polygamma(n, u + 1) / scale
        small = sp.log(scale) - (n + 1) * _log(u) + log1p(rest)
        pieces.append((small, (u > 0) & (u < 1)))
    return sp.Piecewise(*pieces, (value, True))


def _log_tail(arg: sp.Expr) -> sp.Expr | None:
    """Logs that meet a tail of the normal distribution, through log Φ (SciPy's log_ndtr,
    finite far below where Φ underflows):

    log erfc(u)              = log 2 + log Φ(−√2·u)        (large u: erfc(u) ~ e^(−u²))
    log(c·(1 + erf(v)))      = log 2c + log Φ(√2·v)        (log Φ(x) for very negative x)
    log(c·(1 − erf(v)))      = log 2c + log Φ(−√2·v)       (log(1 − Φ(x)) for large x)
    log(c·erfc(u))           = log c + log erfc(u)
    log erf(v)               = log1p(−erfc(v)) for v > ½  (erf(v) rounds to 1 from v ≈ 6)
    """
    if isinstance(arg, sp.erfc):
        return sp.log(2) + log_ndtr(-sp.sqrt(2) * arg.args[0])
    if isinstance(arg, sp.erf):
        v = arg.args[0]
        return sp.Piecewise((log1p(-sp.erfc(v)), v > sp.S.Half), (sp.log(arg), True))
    scale, core = arg.as_independent(sp.erf, sp.erfc, as_Add=False)
    if scale != 1 and scale.is_positive and isinstance(core, (sp.erfc, sp.Add)):
        inner = _log_tail(core)
        return None if inner is None else _log(scale) + inner
    if not isinstance(arg, sp.Add):
        return None
    c, rest = arg.as_coeff_Add()
    k, core = rest.as_coeff_Mul()
    if c.is_positive and isinstance(core, sp.erf) and abs(k) == c:
        v = core.args[0]
        sign = 1 if k > 0 else -1
        return _log(2 * c) + log_ndtr(sign * sp.sqrt(2) * v)
    return None


def _log_sum(arg: sp.Add) -> sp.Expr:
    common = _common_exp(arg)
    if common is not None:  # log(z·e^z + e^z) = z + log(z + 1): e^z overflows from 709.78
        return common.args[0] + _log(sp.Add(*[t / common for t in arg.args]))
    for term in arg.args:
        for f in sp.Mul.make_args(term):
            if isinstance(f, sp.Pow) and f.exp == -1 and f.base.is_positive:
                # log(a + b/y) = log(a·y + b) − log y for y > 0: no overflow of b/y
                y = f.base
                cleared = sp.Add(*[t * y for t in arg.args])
                if not any(g == f for t in sp.Add.make_args(cleared) for g in sp.Mul.make_args(t)):
                    inner = _add(cleared) if isinstance(cleared, sp.Add) else cleared
                    return _log(inner) - _log(y)
    k, _ = sp.factor_terms(arg).as_independent(*arg.free_symbols, as_Add=False)
    if k.is_number and k.is_positive and k != 1:
        # a common positive factor of every term (π·x² + π): log k + log of the rest, whose
        # rules (log1p_sq, softplus, …) see the sum's own terms
        return _log(k) + _log(sp.Add(*[t / k for t in arg.args]))
    c, rest = arg.as_independent(*arg.free_symbols, as_Add=True)  # π + x² too
    if not c.is_number:
        c, rest = arg.as_coeff_Add()
    if c == 1 and isinstance(rest, sp.cosh):  # 1 + cosh u = 2 cosh²(u/2): no overflow of cosh u
        return sp.log(2) + 2 * logcosh(rest.args[0] / 2)
    squares = _sum_of_two_squares(arg)
    if squares is not None:
        return 2 * sp.log(hypot(*squares))  # log(a² + b²): the squares under- or overflow
    complement = _log_complement(c, rest)
    if complement is not None:
        return complement
    if c == 1 and rest.could_extract_minus_sign():
        k, core = (-rest).as_coeff_Mul()
        if k == 1 and isinstance(core, sp.Pow) and core.exp == 2 and isinstance(core.base, sp.tanh):
            return -2 * logcosh(core.base.args[0])  # log(1 - tanh²u) = −2 log cosh u
    if c.is_positive and rest != 0:
        k, core = rest.as_independent(*rest.free_symbols, as_Add=False)  # π·e^u too
        if not k.is_number:
            k, core = rest.as_coeff_Mul()
        if k.is_positive and isinstance(core, sp.exp):
            # log(c + k e^u) = log c + softplus(u + log(k/c))
            shift = sp.log(k / c)
            return _log(c) + softplus(core.args[0] + shift)
        y = _square_root(core) if k.is_positive else None
        if y is not None:
            return _log_one_plus_square(c, k, y)
        if k.is_negative and isinstance(core, sp.Pow) and core.exp.is_even:
            # log(c − k y²) = log c + log(1 − a²), a = √(k/c)·y: log1p(−a²) for small a
            # (1 − a² does not cancel; log1p(−a) + log1p(a) would), log1p(−a) + log1p(a)
            # next to |a| = 1 (where a² rounds: 1e-11 relative at 1 − 1e-6)
            a = sp.sqrt(-k / c) * core.base ** (core.exp / 2)
            near_one = log1p(-a) + log1p(a)
            return _log(c) + sp.Piecewise((log1p(-(a**2)), sp.Abs(a) < 0.5), (near_one, True))
        if c == 1:
            return log1p(rest)
    return sp.log(arg)


def _common_exp(arg: sp.Add) -> sp.Expr | None:
    """An exp(v) factor, v real, of every term of ``arg``, or None."""
    first = [f for f in sp.Mul.make_args(arg.args[0]) if isinstance(f, sp.exp)]
    for f in first:
        if f.args[0].is_extended_real and all(f in sp.Mul.make_args(t) for t in arg.args[1:]):
            return f
    return None


def _log_one_plus_square(c: sp.Expr, k: sp.Expr, y: sp.Expr) -> sp.Expr:
    """log(c + k·y²) for numbers c, k > 0: log c + 2·log1p_sq(a·y), a = √(k/c), where a·y
    can neither overflow nor cancel (a <= 1, y not a sum, or a = 1); otherwise
    log k + 2·log hypot(y, 1/a) with y's numeric content moved into k, which neither
    overflows (a = 1e300: a·y is inf from y = 1.8e8 on) nor cancels (a·(x − 1e8) is
    a·x − 1e8·a once SymPy distributes a: its digits are lost next to x = 1e8)."""
    content, y = y.as_content_primitive()
    k = k * content**2
    a = sp.sqrt(k / c)
    if _may_overflow(y) and 1 / a >= _TINY_HALVABLE:
        # x − m overflows where x and m are finite with opposite signs (m = 1e308): the
        # difference of the halves does not, nor does the log of the hypot
        return _log(k) + 2 * (_log(sp.Integer(2)) + sp.log(hypot(y / 2, 1 / (2 * a))))
    if a == 1 or (a < 1 and not isinstance(y, sp.Add)):
        return _log(c) + 2 * log1p_sq(a * y)
    return _log(k) + 2 * sp.log(hypot(y, 1 / a))


#: the smallest float whose half is exact (a normal number)
_TINY_HALVABLE = sp.Float(2.0**-1021)
#: numeric terms of a sum from this size on can make it overflow with an input of the
#: other sign (half an ulp of the largest float is 2**970)
_OVERFLOWING_TERM = sp.Float(2.0**969)


def _may_overflow(y: sp.Expr) -> bool:
    """Is y a sum with a numeric term so large that y overflows at some finite input?"""
    return isinstance(y, sp.Add) and any(
        t.is_Number and abs(t) >= _OVERFLOWING_TERM for t in y.args
    )


def _may_overflow_sum(y: sp.Add) -> bool:
    """Can the float64 sum y overflow at finite inputs where y/2 is a float? Its numeric
    terms add up to 2⁹⁶⁹ or more (so that the rule costs nothing in the bulk of kernels),
    and its terms' bounds (a number: itself; k·v: |k| times the largest float) exceed the
    largest float (x/2 − 1e308/2 cannot overflow)."""
    numbers = sum(_magnitude(t) for t in y.args if t.is_Number)
    if not numbers >= float(_OVERFLOWING_TERM):
        return False
    bound = numbers
    for t in y.args:
        if not t.is_Number:
            k, _ = t.as_coeff_Mul()
            bound += _magnitude(k) * _FLOAT_MAX if k.is_Number else _FLOAT_MAX
    return bound > _FLOAT_MAX


def _magnitude(c: sp.Number) -> float:
    """|c| as a float, inf beyond the float range (float() of a huge Integer raises)."""
    try:
        return abs(float(c))
    except OverflowError:
        return math.inf


_FLOAT_MAX = float(np.finfo(np.float64).max)


def _square_root(core: sp.Expr) -> sp.Expr | None:
    """y with y² = core where core is a product of even powers ((x − m)²/s²), else None."""
    factors = sp.Mul.make_args(core)
    roots = []
    for f in factors:
        base, e = f.as_base_exp()
        if not (e.is_Integer and e.is_even):
            return None
        roots.append(base ** (e / 2))
    return sp.Mul(*roots)


def _sum_of_two_squares(arg: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, b) with arg = a² + b² (each term k·y², k > 0, y² a product of even powers)."""
    if not isinstance(arg, sp.Add) or len(arg.args) != 2:
        return None
    out = []
    for term in arg.args:
        k, core = term.as_coeff_Mul()
        y = _square_root(core) if k.is_positive else None
        if y is None or y.is_number:
            return None
        out.append(sp.sqrt(k) * y)
    return out[0], out[1]


def _log_complement(c: sp.Expr, rest: sp.Expr) -> sp.Expr | None:
    """log(c + k·f(u)) for k = ±c > 0 and f = tanh, cos, sin, which cancel next to
    f(u) = ∓1: 1 − tanh u = 2σ(−2u), 1 − cos u = 2 sin²(u/2) = sin²u/(2 cos²(u/2)),
    1 + cos u = 2 cos²(u/2), 1 ∓ sin u = 2 sin²((u ∓ π/2)/2) (u ∓ π/2 with π/2 split in
    two floats); log1p(±f(u)) where ±f(u) > −½, which does not cancel there."""
    if not c.is_positive:
        return None
    k, core = rest.as_coeff_Mul()
    if abs(k) != c or not isinstance(core, (sp.tanh, sp.cos, sp.sin)):
        return None
    u = core.args[0]
    if not u.is_extended_real:
        return None
    sign = 1 if k > 0 else -1
    if isinstance(core, sp.tanh):
        far = sp.log(2) - softplus(-2 * sign * u)
    elif isinstance(core, sp.cos) and sign > 0:
        far = sp.log(2) + 2 * sp.log(sp.Abs(sp.cos(u / 2)))
    elif isinstance(core, sp.cos):
        # 2 sin²(u/2) = sin²u / (2 cos²(u/2)): u/2 rounds to 0 at u = 5e-324, sin u does not
        far = 2 * sp.log(sp.Abs(sp.sin(u))) - 2 * sp.log(sp.Abs(sp.cos(u / 2))) - sp.log(2)
    else:
        offset = _exact_difference(u, -sign * sp.pi / 2)
        far = sp.log(2) + 2 * sp.log(sp.Abs(sp.sin(offset / 2)))
    near = log1p(sign * core)
    return _log(c) + sp.Piecewise((near, sign * core > -sp.Rational(1, 2)), (far, True))


def _log_product(arg: sp.Mul) -> sp.Expr:
    """Σ log|f| over factors of known sign; factors of unknown sign stay in one log."""
    constant = sp.Mul(*[f for f in arg.args if f.is_number])
    sign = -1 if constant.is_negative else 1
    pieces = [] if constant in (1, -1) else [sign * constant]
    unknown = []
    for f in arg.args:
        if f.is_number:
            continue
        if f.is_nonnegative:  # log(0·b) = −inf = log 0 + log b: zeros are fine too
            pieces.append(f)
        elif f.is_nonpositive:
            pieces.append(-f)
            sign = -sign
        else:
            unknown.append(f)
    if len(unknown) == 1 and _odd_power(unknown[0]):
        # log(±b^n) = n·log(±b) for odd n: −1/expm1(−u) overflows where its log does not
        b, n = unknown[0].as_base_exp()
        return sp.Add(*[_log(piece) for piece in pieces]) + n * _log(sign * b)
    if unknown:
        pieces.append(sign * sp.Mul(*unknown))
    elif sign < 0:
        return sp.log(arg)  # a negative product: the log is not real, keep it as it is
    if len(pieces) == 1 and pieces[0] == arg:
        return sp.log(arg)  # nothing to split
    return sp.Add(*[_log(piece) for piece in pieces])


def _odd_power(f: sp.Expr) -> bool:
    return isinstance(f, sp.Pow) and f.exp.is_integer and f.exp.is_odd and f.exp != 1


def _log_power(arg: sp.Pow) -> sp.Expr:
    base, e = arg.base, arg.exp
    if not (e.is_number and e.is_extended_real):
        return sp.log(arg)
    if base.is_positive:
        return e * _log(base)
    if e.is_even:
        return e * _log_abs(base)
    # odd integer or non-integer exponent: b^e > 0 forces b > 0, and a negative b gives
    # nan on both sides
    return e * _log(base)


def _log_abs(v: sp.Expr) -> sp.Expr:
    """log|v|."""
    if isinstance(v, sp.Mul):
        return sp.Add(*[_log_abs(f) for f in v.args])
    if isinstance(v, sp.Pow) and v.exp.is_number and v.exp.is_extended_real:
        if v.exp.is_integer or v.base.is_nonnegative:
            return v.exp * _log_abs(v.base)
    if v.is_positive:
        return _log(v)
    if v.is_negative:
        return _log(-v)
    if isinstance(v, (sp.exp, sp.cosh)):
        return _log(v)
    return sp.log(sp.Abs(v))


# --------------------------------------------------------------------------- membership
def float_membership(condition: sp.Basic) -> sp.Basic:
    """``condition`` with each endpoint c of a comparison x ≶ c replaced by a float64
    on the correct side of c, so that the test is exact for every float64 x.

    A constant that is not a float64 lies strictly between two consecutive floats
    c₋ < c < c₊; for a float x, x > c and x ≥ c both hold exactly when x > c₋, and
    x < c, x ≤ c exactly when x < c₊. Rounding c to the nearest float instead puts the
    float next to c on the wrong side of the test half of the time. Endpoints that are
    floats (0, 1, 1/2) keep their comparison; endpoints with parameters are left as
    they are.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> condition = float_membership(sp.And(sp.asinh(1) < x, x <= sp.pi))
    >>> lo, hi = sorted(float(c) for r in condition.args for c in r.args if c.is_number)
    >>> lo < sp.asinh(1), hi > sp.pi, hi
    (True, True, 3.1415926535897936)
    >>> condition.subs(x, lo), condition.subs(x, hi), condition.subs(x, 1.0)
    (False, False, True)
    >>> float_membership(sp.And(0 < x, x <= 1)) == sp.And(0 < x, x <= 1)
    True
    """
    if isinstance(condition, (sp.And, sp.Or, sp.Not)):
        return condition.func(*[float_membership(c) for c in condition.args])
    if not isinstance(condition, sp.core.relational.Relational):
        return condition
    lhs, rhs = condition.lhs, condition.rhs
    if rhs.is_number and not lhs.is_number:
        kept = float_membership(condition.reversed)
        # x < e^1000 holds for every float: True, which has no reversed form
        return kept.reversed if isinstance(kept, sp.core.relational.Relational) else kept
    if not (lhs.is_number and not rhs.is_number) or not is_finite_number(lhs):
        return condition
    c = lhs  # c < x, c <= x, c > x, c >= x
    if isinstance(condition, (sp.Ne, sp.Eq)) and _as_float(c) is None and c.is_real:
        # no float64 equals a constant that is not one: x ≠ −125/54 holds for every
        # float x (rounded, it would exclude the float next to the point)
        return sp.true if isinstance(condition, sp.Ne) else sp.false
    below = isinstance(condition, (sp.StrictLessThan, sp.LessThan))  # x is above c
    if not isinstance(
        condition, (sp.StrictLessThan, sp.LessThan, sp.StrictGreaterThan, sp.GreaterThan)
    ):
        return condition
    if _as_float(c) is not None:
        return condition
    value = sp.N(c, 40)
    nearest = float(value)
    if below:  # x > c  <=>  x > (largest float below c)
        f = nearest if sp.Float(nearest, 40) < value else float(np.nextafter(nearest, -np.inf))
        return sp.StrictLessThan(sp.Float(f), rhs)
    f = nearest if sp.Float(nearest, 40) > value else float(np.nextafter(nearest, np.inf))
    return sp.StrictGreaterThan(sp.Float(f), rhs)


def _as_float(c: sp.Expr) -> float | None:
    """c as a float64 when c is exactly one (a rational with a power-of-two denominator)."""
    if not c.is_Rational:
        return None
    f = float(c)
    return f if sp.Rational(f) == c else None


class sign_of_products(sp.Function):  # noqa: N801
    """sign_of_products(a1, b1, a2, b2, …) = sign(a1·b1 + a2·b2 + …), which the kernels
    decide exactly for float64 factors (:func:`symflow.codegen.helpers.sign_of_products`)."""

    def _eval_evalf(self, prec):
        factors = self.args
        total = sp.Add(*[a * b for a, b in zip(factors[::2], factors[1::2], strict=True)])
        return sp.sign(total)._eval_evalf(prec) if total.is_number else None


def exact_membership(condition: sp.Basic, assignments, inputs) -> sp.Basic:
    """``condition`` with each comparison that is a polynomial of degree ≤ 2 in several
    coordinates of x (x2 − x1² ≥ 0 on the latent state z2 = x2 − x1²) decided by the exact
    sign of that polynomial, :class:`sign_of_products`: computed in floats, x2 − x1·x1
    rounds, and a point one rounding from the edge falls on the wrong side.

    A polynomial qualifies when, after its rational coefficients are cleared, each
    monomial is c·x_i·x_j with c a power of two, or c·x_i or c with c a float.

    Examples
    --------
    >>> from symflow.core.assignment import Assignment
    >>> x1, x2, z = sp.symbols("x1 x2 z", real=True)
    >>> passes = [Assignment(z, x2 - x1**2)]
    >>> exact_membership(z >= 0, passes, [x1, x2])
    sign_of_products(-x1, x1, 1.0, x2) >= 0
    """
    values: dict[sp.Symbol, sp.Expr] = {}
    for a in assignments:
        if a.kind == "state":
            values[a.target] = a.value.xreplace(values)
    kept = []
    for relation in sp.And.make_args(condition):
        exact = None
        if isinstance(relation, sp.core.relational.Relational):
            in_x = relation.xreplace(values)
            if isinstance(in_x, sp.core.relational.Relational):
                exact = _exact_comparison(in_x, inputs)
        kept.append(exact if exact is not None else relation)
    return sp.And(*kept)


def _exact_comparison(relation, inputs) -> sp.Basic | None:
    """``P(x) rel 0`` as ``sign_of_products(…) rel 0``, or None (see exact_membership)."""
    used = relation.free_symbols
    if len(used) < 2 or not used <= set(inputs):
        return None
    difference = relation.lhs - relation.rhs
    if not difference.is_polynomial(*used):
        return None
    poly = attempt(lambda: sp.Poly(difference, *sorted(used, key=str)), 2.0, None)
    if poly is None or poly.total_degree() > 2 or not all(c.is_Rational for c in poly.coeffs()):
        return None
    scale = sp.ilcm(*[c.q for c in poly.coeffs()])
    factors: list[sp.Expr] = []
    for monomial, c in poly.terms():
        c = c * scale
        if not _is_float(c):
            return None
        variables = [v for v, k in zip(poly.gens, monomial, strict=True) for _ in range(k)]
        if len(variables) == 2:
            if abs(c).p & (abs(c).p - 1) or c.q != 1:  # c·x_i would round
                return None
            factors += [c * variables[0], variables[1]]
        elif len(variables) == 1:
            factors += [sp.Float(c), variables[0]]
        else:
            factors += [sp.Float(c), sp.Float(1.0)]
    return type(relation)(sign_of_products(*factors), 0)


def _is_float(c: sp.Rational) -> bool:
    return c.is_Rational and sp.Rational(float(c)) == c
