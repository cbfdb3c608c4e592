"""The Weibull distribution with a shape and a scale (SciPy's ``weibull_min``)."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symflow.core.bases.distribution import Distribution

__all__ = ["Weibull"]


class Weibull(Distribution):
    """Weibull(shape, scale): p(z) = (k/λ) (z/λ)^(k-1) exp(-(z/λ)^k) on (0, oo), k = shape,
    λ = scale; F(z) = 1 − exp(−(z/λ)^k).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", positive=True)
    >>> Weibull(1, 2).density(z)
    exp(-z/2)/2
    >>> Weibull(2, 1).quantile(sp.Symbol("u"))
    sqrt(-log(1 - u))
    """

    param_names = ("shape", "scale")
    positive_params = ("shape", "scale")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        k, lam = self.shape, self.scale
        return sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(z) - (z / lam) ** k

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return 1 - sp.exp(-((z / self.scale) ** self.shape))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.exp(-((z / self.scale) ** self.shape))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.scale * (-sp.log(1 - u)) ** (1 / self.shape)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return -expm1(-((z / self.scale) ** self.shape))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.scale * (-log1p(-u)) ** (1 / self.shape)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.scale * (-sp.log(q)) ** (1 / self.shape)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return sp.Min(lo, self.scale) / 20

    def _sample(self, n, rng, shape, scale):
        return scale * rng.weibull(shape, n)

    def _scipy(self, stats, shape, scale):
        return stats.weibull_min(shape, scale=scale)
