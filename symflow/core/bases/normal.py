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
        """log p(z) = -(z - mu)^2/(2 sigma^2) - log(sigma) - log(2 pi)/2.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Normal(1, 2).log_density(z)
        -(z - 1)**2/8 - log(2*pi)/2 - log(2)
        """
        mu, sigma = self.mu, self.sigma
        return -((z - mu) ** 2) / (2 * sigma**2) - sp.log(sigma) - sp.log(2 * sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = exp(-(z - mu)^2/(2 sigma^2)) / (sigma sqrt(2 pi)).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Normal(0, 1).density(z)
        sqrt(2)*exp(-z**2/2)/(2*sqrt(pi))
        """
        mu, sigma = self.mu, self.sigma
        return sp.exp(-((z - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = erfc(-(z - mu)/(sigma sqrt 2)) / 2.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> F = sf.Normal(0, 1).cdf(z)
        >>> F
        1 - erfc(sqrt(2)*z/2)/2
        >>> round(float(F.subs(z, 1.96)), 4)
        0.975
        """
        return sp.erfc(-(z - self.mu) / (self.sigma * sp.sqrt(2))) / 2

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = erfc((z - mu)/(sigma sqrt 2)) / 2, without the cancelling 1 - F(z).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> S = sf.Normal(0, 1).sf(z)
        >>> S
        erfc(sqrt(2)*z/2)/2
        >>> float(S.subs(z, 10))
        7.619853024160525e-24
        """
        return sp.erfc((z - self.mu) / (self.sigma * sp.sqrt(2))) / 2

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu + sigma sqrt(2) erfinv(2u - 1).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Normal(3, 2).quantile(u)
        2*sqrt(2)*erfinv(2*u - 1) + 3
        """
        return self.mu + self.sigma * sp.sqrt(2) * sp.erfinv(2 * u - 1)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = Phi((z - mu)/sigma), the standard normal CDF evaluated accurately in both tails.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Normal(1, 2).kernel_cdf(z)
        StandardNormalCdf(z/2 - 1/2)
        """
        return StandardNormalCdf((z - self.mu) / self.sigma)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Phi((mu - z)/sigma), accurate where S(z) is tiny.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Normal(1, 2).kernel_sf(z)
        StandardNormalCdf(1/2 - z/2)
        """
        return StandardNormalCdf((self.mu - z) / self.sigma)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu - sigma sqrt(2) erfcinv(2u), accurate for small u.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Normal(1, 2).kernel_quantile(u)
        -2*sqrt(2)*erfcinv(2*u) + 1
        """
        return self.mu - self.sigma * sp.sqrt(2) * sp.erfcinv(2 * u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = mu + sigma sqrt(2) erfcinv(2q), accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Normal(1, 2).kernel_isf(q)
        2*sqrt(2)*erfcinv(2*q) + 1
        """
        return self.mu + self.sigma * sp.sqrt(2) * sp.erfcinv(2 * q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = sigma/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Normal(0, 4).width_threshold(lo, w)
        1/5
        """
        return self.sigma / 20

    def _sample(self, n, rng, mu, sigma):
        return rng.normal(mu, sigma, n)

    def _scipy(self, stats, mu, sigma):
        return stats.norm(mu, sigma)
