"""The gamma distribution with a shape and a rate."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import (
    InverseRegularizedGammaP,
    InverseRegularizedGammaQ,
    RegularizedGammaP,
    RegularizedGammaQ,
)

__all__ = ["Gamma"]


class Gamma(Distribution):
    """Gamma(shape, rate): p(z) = rate^shape z^(shape-1) exp(-rate z) / Γ(shape) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> Gamma(2, 1).density(sp.Symbol("z", positive=True))
    z*exp(-z)
    """

    param_names = ("shape", "rate")
    positive_params = ("shape", "rate")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        k, rate = self.shape, self.rate
        return k * sp.log(rate) + (k - 1) * sp.log(z) - rate * z - log_gamma(k)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.lowergamma(self.shape, self.rate * z) / sp.gamma(self.shape)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.uppergamma(self.shape, self.rate * z) / sp.gamma(self.shape)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return RegularizedGammaP(self.shape, self.rate * z)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return RegularizedGammaQ(self.shape, self.rate * z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return InverseRegularizedGammaP(self.shape, u) / self.rate

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return InverseRegularizedGammaQ(self.shape, q) / self.rate

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return sp.Min(lo, 1 / self.rate) / 20

    def _sample(self, n, rng, shape, rate):
        return rng.gamma(shape, 1.0 / rate, n)

    def _scipy(self, stats, shape, rate):
        return stats.gamma(shape, scale=1 / rate)
