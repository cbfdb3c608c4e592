"""The exponential distribution with a rate."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symflow.core.bases.distribution import Distribution

__all__ = ["Exponential"]


class Exponential(Distribution):
    """Exponential(rate): p(z) = rate exp(-rate z) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> Exponential(2).density(sp.Symbol("z", positive=True))
    2*exp(-2*z)
    >>> Exponential(2).support
    Interval.open(0, oo)
    """

    param_names = ("rate",)
    positive_params = ("rate",)
    inline_kernel_forms = True

    @property
    def support(self) -> sp.Interval:
        """The open half-line (0, oo).

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Exponential(3).support
        Interval.open(0, oo)
        """
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log(rate) - rate z on (0, oo).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Exponential(3).log_density(z)
        -3*z + log(3)
        """
        return sp.log(self.rate) - self.rate * z

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = 1 - exp(-rate z).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Exponential(3).cdf(z)
        1 - exp(-3*z)
        """
        return 1 - sp.exp(-self.rate * z)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = exp(-rate z).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Exponential(3).sf(z)
        exp(-3*z)
        """
        return sp.exp(-self.rate * z)

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = -log(1 - u)/rate.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Exponential(2).quantile(u)
        -log(1 - u)/2
        """
        return -sp.log(1 - u) / self.rate

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = -expm1(-rate z), accurate for small z.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Exponential(2).kernel_cdf(z)
        -expm1(-2*z)
        """
        return -expm1(-self.rate * z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = -log1p(-u)/rate, accurate for small u.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Exponential(2).kernel_quantile(u)
        -log1p(-u)/2
        """
        return -log1p(-u) / self.rate

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = -log(q)/rate, accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Exponential(2).kernel_isf(q)
        -log(q)/2
        """
        return -sp.log(q) / self.rate

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = 1/(20 rate): narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Exponential(5).width_threshold(lo, w)
        1/100
        """
        return 1 / (20 * self.rate)

    def _sample(self, n, rng, rate):
        return rng.exponential(1.0 / rate, n)

    def _scipy(self, stats, rate):
        return stats.expon(scale=1 / rate)
