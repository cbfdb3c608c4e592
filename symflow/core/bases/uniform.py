"""The uniform distribution on an interval (a, b)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution
from symflow.errors import ParameterError

__all__ = ["Uniform"]


class Uniform(Distribution):
    """Uniform(a, b): p(z) = 1 / (b - a) on (a, b).

    Examples
    --------
    >>> Uniform(0, 2).support
    Interval.open(0, 2)
    """

    param_names = ("a", "b")
    support_ends = ("a", "b")
    inline_kernel_forms = True

    def _validate(self) -> None:
        if (self.b - self.a).is_positive is False:
            raise ParameterError(f"Uniform(a, b) needs a < b; got a = {self.a}, b = {self.b}.")

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -log(b - a) on (a, b).

        Examples
        --------
        >>> Uniform(0, 4).log_density(sp.Symbol("z", real=True))
        -log(4)
        """
        return -sp.log(self.b - self.a)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = 1/(b - a) on (a, b).

        Examples
        --------
        >>> Uniform(1, 5).density(sp.Symbol("z", real=True))
        1/4
        """
        return 1 / (self.b - self.a)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = (z - a)/(b - a) on (a, b).

        Examples
        --------
        >>> Uniform(1, 5).cdf(sp.Symbol("z", real=True))
        z/4 - 1/4
        """
        return (z - self.a) / (self.b - self.a)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = (b - z)/(b - a) on (a, b).

        Examples
        --------
        >>> Uniform(1, 5).sf(sp.Symbol("z", real=True))
        5/4 - z/4
        """
        return (self.b - z) / (self.b - self.a)

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = a + u (b - a).

        Examples
        --------
        >>> Uniform(1, 5).quantile(sp.Symbol("u", positive=True))
        4*u + 1
        """
        return self.a + u * (self.b - self.a)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = b - q (b - a), exact near b.

        Examples
        --------
        >>> Uniform(1, 5).kernel_isf(sp.Symbol("q", positive=True))
        5 - 4*q
        """
        return self.b - q * (self.b - self.a)

    def kernel_log_quantile(self, u: sp.Symbol) -> sp.Expr:
        """log(F^-1(u) - a) = log(b - a) + log u.

        Examples
        --------
        >>> Uniform(1, 5).kernel_log_quantile(sp.Symbol("u", positive=True))
        log(u) + log(4)
        """
        return sp.log(self.b - self.a) + sp.log(u)

    def kernel_log_isf(self, q: sp.Symbol) -> sp.Expr:
        """log(b - S^-1(q)) = log(b - a) + log q.

        Examples
        --------
        >>> Uniform(1, 5).kernel_log_isf(sp.Symbol("q", positive=True))
        log(q) + log(4)
        """
        return sp.log(self.b - self.a) + sp.log(q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = oo: the density is constant, so quadrature is always exact.

        Examples
        --------
        >>> Uniform(0, 1).width_threshold(*sp.symbols("lo w", positive=True))
        oo
        """
        return sp.oo

    def _sample(self, n, rng, a, b):
        return rng.uniform(a, b, n)

    def _scipy(self, stats, a, b):
        return stats.uniform(a, b - a)
