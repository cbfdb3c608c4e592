"""Student's t distribution with a location and a scale."""

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import StudentTCdf, StudentTQuantile

__all__ = ["StudentT"]


class StudentT(Distribution):
    """StudentT(nu, mu=0, sigma=1): p(z) ∝ (1 + ((z - mu)/sigma)^2 / nu)^(-(nu + 1)/2).

    Examples
    --------
    >>> import sympy as sp
    >>> StudentT(1).density(sp.Symbol("z", real=True))
    1/(pi*(z**2 + 1))
    """

    param_names = ("nu", "mu", "sigma")
    positive_params = ("nu", "sigma")

    def __init__(self, nu: Any, mu: Any = 0, sigma: Any = 1) -> None:
        super().__init__(nu, mu, sigma)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        return (
            log_gamma((nu + 1) / 2)
            - log_gamma(nu / 2)
            - sp.log(nu * sp.pi) / 2
            - sp.log(sigma)
            - (nu + 1) / 2 * sp.log(1 + u**2 / nu)
        )

    def density(self, z: sp.Symbol) -> sp.Expr:
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        norm = sp.gamma((nu + 1) / 2) / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * sigma)
        return norm * (1 + u**2 / nu) ** (-(nu + 1) / 2)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return StudentTCdf(self.nu, (z - self.mu) / self.sigma)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return StudentTCdf(self.nu, (self.mu - z) / self.sigma)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.mu + self.sigma * StudentTQuantile(self.nu, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        return self.mu - self.sigma * StudentTQuantile(self.nu, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.sigma / 20

    def _sample(self, n, rng, nu, mu, sigma):
        return mu + sigma * rng.standard_t(nu, n)

    def _scipy(self, stats, nu, mu, sigma):
        return stats.t(nu, mu, sigma)
