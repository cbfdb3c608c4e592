"""The chi-squared distribution with k degrees of freedom."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import (
    InverseRegularizedGammaP,
    InverseRegularizedGammaQ,
    RegularizedGammaP,
    RegularizedGammaQ,
)

__all__ = ["ChiSquared"]


class ChiSquared(Distribution):
    """ChiSquared(k): p(z) = z^(k/2 − 1) e^(−z/2) / (2^(k/2) Γ(k/2)) on (0, oo), the law of
    a sum of k squared standard normals (Gamma(k/2, rate 1/2)).

    Examples
    --------
    >>> import sympy as sp
    >>> ChiSquared(2).density(sp.Symbol("z", positive=True))
    exp(-z/2)/2
    """

    param_names = ("k",)
    positive_params = ("k",)

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        half = self.k / 2
        return (half - 1) * sp.log(z) - z / 2 - half * sp.log(2) - log_gamma(half)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.lowergamma(self.k / 2, z / 2) / sp.gamma(self.k / 2)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.uppergamma(self.k / 2, z / 2) / sp.gamma(self.k / 2)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return RegularizedGammaP(self.k / 2, z / 2)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return RegularizedGammaQ(self.k / 2, z / 2)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return 2 * InverseRegularizedGammaP(self.k / 2, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return 2 * InverseRegularizedGammaQ(self.k / 2, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return sp.Min(lo, 2) / 20

    def _sample(self, n, rng, k):
        return rng.chisquare(k, n)

    def _scipy(self, stats, k):
        return stats.chi2(k)
