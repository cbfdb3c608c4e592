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
        """log p(z) = log c - (nu + 1)/2 log(1 + u^2/nu), u = (z - mu)/sigma, where
        c = Gamma((nu + 1)/2) / (Gamma(nu/2) sqrt(nu pi) sigma).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.StudentT(2).log_density(z)
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
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.StudentT(2).density(z)
        sqrt(2)/(4*(z**2/2 + 1)**(3/2))
        """
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        norm = sp.gamma((nu + 1) / 2) / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * sigma)
        return norm * (1 + u**2 / nu) ** (-(nu + 1) / 2)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = T_nu((z - mu)/sigma), the standard Student t CDF as a kernel call.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.StudentT(3, 1, 2).kernel_cdf(z)
        StudentTCdf(3, z/2 - 1/2)
        """
        return StudentTCdf(self.nu, (z - self.mu) / self.sigma)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = T_nu((mu - z)/sigma), by symmetry, accurate where S(z) is small.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.StudentT(3, 1, 2).kernel_sf(z)
        StudentTCdf(3, 1/2 - z/2)
        """
        return StudentTCdf(self.nu, (self.mu - z) / self.sigma)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu + sigma T_nu^-1(u), the standard t quantile as a kernel call.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.StudentT(3, 1, 2).kernel_quantile(u)
        2*StudentTQuantile(3, u) + 1
        """
        return self.mu + self.sigma * StudentTQuantile(self.nu, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = mu - sigma T_nu^-1(q), by symmetry.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.StudentT(3, 1, 2).kernel_isf(q)
        1 - 2*StudentTQuantile(3, q)
        """
        return self.mu - self.sigma * StudentTQuantile(self.nu, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = sigma/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.StudentT(3, 0, 2).width_threshold(lo, w)
        1/10
        """
        return self.sigma / 20

    def _sample(self, n, rng, nu, mu, sigma):
        return mu + sigma * rng.standard_t(nu, n)

    def _scipy(self, stats, nu, mu, sigma):
        return stats.t(nu, mu, sigma)
