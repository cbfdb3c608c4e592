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
    inline_kernel_forms = True

    def _validate(self) -> None:
        if (self.b - self.a).is_positive is False:
            raise ParameterError(f"Uniform(a, b) needs a < b; got a = {self.a}, b = {self.b}.")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(self.a, self.b)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        return -sp.log(self.b - self.a)

    def density(self, z: sp.Symbol) -> sp.Expr:
        return 1 / (self.b - self.a)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return (z - self.a) / (self.b - self.a)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return (self.b - z) / (self.b - self.a)

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.a + u * (self.b - self.a)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.b - q * (self.b - self.a)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return sp.oo  # the density is constant: quadrature is exact

    def _sample(self, n, rng, a, b):
        return rng.uniform(a, b, n)

    def _scipy(self, stats, a, b):
        return stats.uniform(a, b - a)
