"""The normal distribution N(mu, sigma²)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import LocationScale
from symflow.core.bases.functions import StandardNormalCdf

__all__ = ["Normal"]


class Normal(LocationScale):
    """Normal(mu, sigma): p(z) = exp(-(z - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> F, S = Normal(0, 1).cdf(z), Normal(0, 1).sf(z)
    >>> F, S
    (1 - erfc(sqrt(2)*z/2)/2, erfc(sqrt(2)*z/2)/2)
    >>> round(float(F.subs(z, 1.96)), 4), float(S.subs(z, 10))
    (0.975, 7.619853024160525e-24)
    >>> Normal(3, 2).quantile(u)
    2*sqrt(2)*erfinv(2*u - 1) + 3
    >>> Normal(1, 2).kernel_cdf(z), Normal(1, 2).kernel_quantile(u)
    (StandardNormalCdf(z/2 - 1/2), -2*sqrt(2)*erfcinv(2*u) + 1)
    >>> Normal(0, 4).width_threshold(*sp.symbols("lo w"))
    1/5
    """

    param_names = ("mu", "sigma")
    positive_params = ("sigma",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -(z - mu)^2/(2 sigma^2) - log(sigma) - log(2 pi)/2.

        Examples
        --------
        >>> Normal(1, 2).log_density(sp.Symbol("z", real=True))
        -(z - 1)**2/8 - log(2*pi)/2 - log(2)
        """
        mu, sigma = self.mu, self.sigma
        return -((z - mu) ** 2) / (2 * sigma**2) - sp.log(sigma) - sp.log(2 * sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = exp(-(z - mu)^2/(2 sigma^2)) / (sigma sqrt(2 pi)).

        Examples
        --------
        >>> Normal(0, 1).density(sp.Symbol("z", real=True))
        sqrt(2)*exp(-z**2/2)/(2*sqrt(pi))
        """
        mu, sigma = self.mu, self.sigma
        return sp.exp(-((z - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))

    def _standard_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = erfc(-t/sqrt 2)/2."""
        return sp.erfc(-t / sp.sqrt(2)) / 2

    def _standard_sf(self, t: sp.Expr) -> sp.Expr:
        """S_0(t) = erfc(t/sqrt 2)/2, without the cancelling 1 - F_0(t)."""
        return sp.erfc(t / sp.sqrt(2)) / 2

    def _standard_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = sqrt(2) erfinv(2u - 1)."""
        return sp.sqrt(2) * sp.erfinv(2 * u - 1)

    def _standard_kernel_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = Phi(t), accurate in both tails."""
        return StandardNormalCdf(t)

    def _standard_kernel_sf(self, t: sp.Expr) -> sp.Expr:
        """S_0(t) = Phi(-t), accurate where it is tiny."""
        return StandardNormalCdf(-t)

    def _standard_kernel_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = -sqrt(2) erfcinv(2u), accurate for small u."""
        return -sp.sqrt(2) * sp.erfcinv(2 * u)

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr:
        """S_0^-1(q) = sqrt(2) erfcinv(2q), accurate for small q."""
        return sp.sqrt(2) * sp.erfcinv(2 * q)

    def _standard_sample(self, n, rng):
        return rng.standard_normal(n)

    def _scipy(self, stats, mu, sigma):
        return stats.norm(mu, sigma)
