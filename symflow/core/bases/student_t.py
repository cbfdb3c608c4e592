"""Student's t distribution with a location and a scale."""

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.core.bases.distribution import log_gamma
from symflow.core.bases.families import LocationScale
from symflow.core.bases.functions import StudentTCdf, StudentTQuantile

__all__ = ["StudentT"]


class StudentT(LocationScale):
    """StudentT(nu, mu=0, sigma=1): p(z) ∝ (1 + ((z - mu)/sigma)^2 / nu)^(-(nu + 1)/2).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> StudentT(3, 1, 2).kernel_cdf(z), StudentT(3, 1, 2).kernel_sf(z)
    (StudentTCdf(3, z/2 - 1/2), StudentTCdf(3, 1/2 - z/2))
    >>> StudentT(3, 1, 2).kernel_quantile(u), StudentT(3, 1, 2).kernel_isf(u)
    (2*StudentTQuantile(3, u) + 1, 1 - 2*StudentTQuantile(3, u))
    >>> StudentT(3, 0, 2).width_threshold(*sp.symbols("lo w"))
    1/10
    """

    param_names = ("nu", "mu", "sigma")
    positive_params = ("nu", "sigma")

    def __init__(self, nu: Any, mu: Any = 0, sigma: Any = 1) -> None:
        super().__init__(nu, mu, sigma)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log c - (nu + 1)/2 log(1 + u^2/nu), u = (z - mu)/sigma, where
        c = Gamma((nu + 1)/2) / (Gamma(nu/2) sqrt(nu pi) sigma).

        Examples
        --------
        >>> StudentT(2).log_density(sp.Symbol("z", real=True))
        -3*log(z**2/2 + 1)/2 - log(2*pi)/2 + log(sqrt(pi)/2)
        """
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
        """p(z) = Gamma((nu+1)/2) / (Gamma(nu/2) sqrt(nu pi) sigma) (1 + u^2/nu)^(-(nu+1)/2),
        u = (z - mu)/sigma.

        Examples
        --------
        >>> StudentT(2).density(sp.Symbol("z", real=True))
        sqrt(2)/(4*(z**2/2 + 1)**(3/2))
        """
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        norm = sp.gamma((nu + 1) / 2) / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * sigma)
        return norm * (1 + u**2 / nu) ** (-(nu + 1) / 2)

    def _standard_kernel_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = T_nu(t), the standard Student t CDF as a kernel call."""
        return StudentTCdf(self.nu, t)

    def _standard_kernel_sf(self, t: sp.Expr) -> sp.Expr:
        """S_0(t) = T_nu(-t), by symmetry, accurate where it is small."""
        return StudentTCdf(self.nu, -t)

    def _standard_kernel_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = T_nu^-1(u), the standard t quantile as a kernel call."""
        return StudentTQuantile(self.nu, u)

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr:
        """S_0^-1(q) = -T_nu^-1(q), by symmetry."""
        return -StudentTQuantile(self.nu, q)

    def _standard_sample(self, n, rng, nu):
        return rng.standard_t(nu, n)

    def _scipy(self, stats, nu, mu, sigma):
        return stats.t(nu, mu, sigma)
