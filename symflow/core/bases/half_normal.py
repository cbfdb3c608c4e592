"""The half-normal distribution: the law of |N(0, sigma²)|."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution

__all__ = ["HalfNormal"]


class HalfNormal(Distribution):
    """HalfNormal(sigma): p(z) = √2 exp(−z²/(2σ²)) / (σ √π) on (0, oo), the law of |Y| for
    Y ~ N(0, σ²); F(z) = erf(z / (σ√2)).

    Examples
    --------
    >>> import sympy as sp
    >>> HalfNormal(1).density(sp.Symbol("z", positive=True))
    sqrt(2)*exp(-z**2/2)/sqrt(pi)
    """

    param_names = ("sigma",)
    positive_params = ("sigma",)

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        sigma = self.sigma
        return -(z**2) / (2 * sigma**2) - sp.log(sigma) + sp.log(2 / sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        sigma = self.sigma
        return sp.sqrt(2) * sp.exp(-(z**2) / (2 * sigma**2)) / (sigma * sp.sqrt(sp.pi))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.erf(z / (self.sigma * sp.sqrt(2)))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.erfc(z / (self.sigma * sp.sqrt(2)))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.sigma * sp.sqrt(2) * sp.erfinv(u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.sigma * sp.sqrt(2) * sp.erfcinv(q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.sigma / 20

    def _sample(self, n, rng, sigma):
        return abs(rng.normal(0.0, sigma, n))

    def _scipy(self, stats, sigma):
        return stats.halfnorm(scale=sigma)
