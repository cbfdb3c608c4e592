"""The beta distribution on (0, 1)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import InverseRegularizedBeta

__all__ = ["Beta"]


class Beta(Distribution):
    """Beta(a, b): p(z) = z^(a-1) (1-z)^(b-1) / B(a, b) on (0, 1).

    Examples
    --------
    >>> import sympy as sp
    >>> Beta(2, 1).density(sp.Symbol("z", positive=True))
    2*z
    """

    param_names = ("a", "b")
    positive_params = ("a", "b")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, 1)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        a, b = self.a, self.b
        log_beta = log_gamma(a) + log_gamma(b) - log_gamma(a + b)
        return (a - 1) * sp.log(z) + (b - 1) * sp.log(1 - z) - log_beta

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.betainc_regularized(self.a, self.b, 0, z)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.betainc_regularized(self.a, self.b, z, 1)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.betainc_regularized(self.b, self.a, 0, 1 - z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return InverseRegularizedBeta(self.a, self.b, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return 1 - InverseRegularizedBeta(self.b, self.a, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return sp.Min(lo, 1 - lo - w) / 20

    def _sample(self, n, rng, a, b):
        return rng.beta(a, b, n)

    def _scipy(self, stats, a, b):
        return stats.beta(a, b)
