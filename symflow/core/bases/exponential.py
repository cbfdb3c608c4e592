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
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        return sp.log(self.rate) - self.rate * z

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return 1 - sp.exp(-self.rate * z)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.exp(-self.rate * z)

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return -sp.log(1 - u) / self.rate

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return -expm1(-self.rate * z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return -log1p(-u) / self.rate

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return -sp.log(q) / self.rate

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return 1 / (20 * self.rate)

    def _sample(self, n, rng, rate):
        return rng.exponential(1.0 / rate, n)

    def _scipy(self, stats, rate):
        return stats.expon(scale=1 / rate)
