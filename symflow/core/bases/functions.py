"""Named special functions for the kernel forms of the bases' CDFs and quantiles.

SymPy writes the regularised incomplete gamma function as ``lowergamma(a, x)/gamma(a)``,
which overflows in float64 for large a although the quotient is at most 1. These
functions name the quantities the kernels must compute in one piece; the kernel printer
translates each to SciPy's compiled version (``symflow.codegen.special``). They are
never evaluated symbolically: the bases' ``cdf``/``quantile`` give the exact forms.

Examples
--------
>>> import sympy as sp
>>> a, x = sp.symbols("a x", positive=True)
>>> RegularizedGammaP(a, x).rewrite(sp.lowergamma)
lowergamma(a, x)/gamma(a)
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "RegularizedGammaP",
    "RegularizedGammaQ",
    "InverseRegularizedGammaP",
    "InverseRegularizedGammaQ",
    "InverseRegularizedBeta",
    "LogInverseRegularizedGammaP",
    "LogInverseRegularizedBeta",
    "StandardNormalCdf",
    "StudentTCdf",
    "StudentTQuantile",
    "LogSumExp",
]


class _Numeric(sp.Function):
    """A real-valued function that is printed for the kernels, never evaluated."""

    def _eval_is_real(self):
        return True


class RegularizedGammaP(_Numeric):
    """P(a, x) = γ(a, x)/Γ(a), SciPy's ``gammainc``."""

    nargs = 2

    def _eval_rewrite_as_lowergamma(self, a, x, **kwargs):
        return sp.lowergamma(a, x) / sp.gamma(a)


class RegularizedGammaQ(_Numeric):
    """Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x), SciPy's ``gammaincc``."""

    nargs = 2

    def _eval_rewrite_as_uppergamma(self, a, x, **kwargs):
        return sp.uppergamma(a, x) / sp.gamma(a)


class InverseRegularizedGammaP(_Numeric):
    """x with P(a, x) = p, SciPy's ``gammaincinv``."""

    nargs = 2


class InverseRegularizedGammaQ(_Numeric):
    """x with Q(a, x) = q, SciPy's ``gammainccinv``."""

    nargs = 2


class InverseRegularizedBeta(_Numeric):
    """x with I_x(a, b) = y, SciPy's ``betaincinv``."""

    nargs = 3


class LogInverseRegularizedGammaP(_Numeric):
    """log x with P(a, x) = p, finite where x underflows float64 (a < 1 and tiny p)."""

    nargs = 2


class LogInverseRegularizedBeta(_Numeric):
    """log x with I_x(a, b) = y, finite where x underflows float64 (small a and tiny y)."""

    nargs = 3


class StandardNormalCdf(_Numeric):
    """Φ(t) = erfc(−t/√2)/2, SciPy's ``ndtr`` (SymPy rewrites erfc(−t) as 2 − erfc(t),
    which loses the lower tail in float64).

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> StandardNormalCdf(t).diff(t)
    sqrt(2)*exp(-t**2/2)/(2*sqrt(pi))
    >>> StandardNormalCdf(-5).evalf(5)
    2.8665e-7
    """

    nargs = 1

    def fdiff(self, argindex=1):
        t = self.args[0]
        return sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi)

    def _latex(self, printer, exp=None):
        body = rf"\Phi\left({printer._print(self.args[0])}\right)"
        return body if exp is None else rf"{body}^{{{exp}}}"

    def _eval_rewrite_as_erfc(self, t, **kwargs):
        return sp.erfc(-t / sp.sqrt(2), evaluate=False) / 2

    def _eval_evalf(self, prec):
        t = self.args[0]._eval_evalf(prec)
        if t is None or not t.is_number:
            return None
        return (sp.erfc(-t / sp.sqrt(2)) / 2)._eval_evalf(prec)


class StudentTCdf(_Numeric):
    """The CDF of Student's t with nu degrees of freedom at t, SciPy's ``stdtr``."""

    nargs = 2


class StudentTQuantile(_Numeric):
    """The quantile of Student's t with nu degrees of freedom at p, SciPy's ``stdtrit``."""

    nargs = 2


class LogSumExp(sp.Function):
    """log(Σ_i exp(ℓ_i)), evaluated in kernels without overflow or underflow.

    Examples
    --------
    >>> a, b = sp.symbols("a b", real=True)
    >>> LogSumExp(a, b).rewrite(sp.exp)
    log(exp(a) + exp(b))
    >>> LogSumExp(a, b).diff(a)
    exp(a - LogSumExp(a, b))
    """

    def _eval_is_real(self):
        return all(arg.is_real for arg in self.args) or None

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))

    @staticmethod
    def _imp_(*args):
        # lambdify's numerical form (math or mpmath arguments), shifted so it cannot overflow
        import mpmath

        top = max(args)
        return top + mpmath.log(mpmath.fsum(mpmath.exp(a - top) for a in args))

    def _eval_evalf(self, prec):
        return self.rewrite(sp.exp)._eval_evalf(prec)
