"""The logistic distribution."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p

from symflow.core.bases.distribution import Distribution

__all__ = ["Logistic"]


class Logistic(Distribution):
    """Logistic(mu, s): p(z) = exp(-u) / (s (1 + exp(-u))^2), u = (z - mu) / s.

    Examples
    --------
    >>> import sympy as sp
    >>> Logistic(0, 1).density(sp.Symbol("z", real=True))
    exp(-z)/(1 + exp(-z))**2
    """

    param_names = ("mu", "s")
    positive_params = ("s",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.s
        return -u - 2 * sp.log(1 + sp.exp(-u)) - sp.log(self.s)

    def density(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.s
        return sp.exp(-u) / (self.s * (1 + sp.exp(-u)) ** 2)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return 1 / (1 + sp.exp(-(z - self.mu) / self.s))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return 1 / (1 + sp.exp((z - self.mu) / self.s))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.mu + self.s * sp.log(u / (1 - u))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.mu + self.s * (sp.log(u) - log1p(-u))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.mu - self.s * (sp.log(q) - log1p(-q))

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.s / 20

    def _sample(self, n, rng, mu, s):
        return rng.logistic(mu, s, n)

    def _scipy(self, stats, mu, s):
        return stats.logistic(mu, s)
