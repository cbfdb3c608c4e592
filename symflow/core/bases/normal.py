"""The normal distribution N(mu, sigma²)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution
from symflow.core.bases.functions import StandardNormalCdf

__all__ = ["Normal"]


class Normal(Distribution):
    """Normal(mu, sigma): p(z) = exp(-(z - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> Normal(3, 2).density(z)
    sqrt(2)*exp(-(z - 3)**2/8)/(4*sqrt(pi))
    >>> Normal(0, 1).kernel_quantile(sp.Symbol("u"))
    -sqrt(2)*erfcinv(2*u)
    """

    param_names = ("mu", "sigma")
    positive_params = ("sigma",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        mu, sigma = self.mu, self.sigma
        return -((z - mu) ** 2) / (2 * sigma**2) - sp.log(sigma) - sp.log(2 * sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        mu, sigma = self.mu, self.sigma
        return sp.exp(-((z - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.erfc(-(z - self.mu) / (self.sigma * sp.sqrt(2))) / 2

    def sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.erfc((z - self.mu) / (self.sigma * sp.sqrt(2))) / 2

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.mu + self.sigma * sp.sqrt(2) * sp.erfinv(2 * u - 1)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return StandardNormalCdf((z - self.mu) / self.sigma)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return StandardNormalCdf((self.mu - z) / self.sigma)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.mu - self.sigma * sp.sqrt(2) * sp.erfcinv(2 * u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.mu + self.sigma * sp.sqrt(2) * sp.erfcinv(2 * q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.sigma / 20

    def _sample(self, n, rng, mu, sigma):
        return rng.normal(mu, sigma, n)

    def _scipy(self, stats, mu, sigma):
        return stats.norm(mu, sigma)
