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
    >>> z = sp.Symbol("z", positive=True)
    >>> HalfNormal(1).density(z), HalfNormal(1).support
    (sqrt(2)*exp(-z**2/2)/sqrt(pi), Interval.open(0, oo))
    """

    param_names = ("sigma",)
    positive_params = ("sigma",)
    support_ends = (0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -z^2/(2 sigma^2) - log sigma + log(2/pi)/2.

        Examples
        --------
        >>> HalfNormal(2).log_density(sp.Symbol("z", positive=True))
        -z**2/8 - log(2) + log(2/pi)/2
        """
        sigma = self.sigma
        return -(z**2) / (2 * sigma**2) - sp.log(sigma) + sp.log(2 / sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = sqrt(2) exp(-z^2/(2 sigma^2)) / (sigma sqrt(pi)).

        Examples
        --------
        >>> HalfNormal(2).density(sp.Symbol("z", positive=True))
        sqrt(2)*exp(-z**2/8)/(2*sqrt(pi))
        """
        sigma = self.sigma
        return sp.sqrt(2) * sp.exp(-(z**2) / (2 * sigma**2)) / (sigma * sp.sqrt(sp.pi))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = erf(z/(sigma sqrt 2)).

        Examples
        --------
        >>> z = sp.Symbol("z", positive=True)
        >>> F = HalfNormal(1).cdf(z)
        >>> F
        erf(sqrt(2)*z/2)
        >>> round(float(F.subs(z, 1)), 6)
        0.682689
        """
        return sp.erf(z / (self.sigma * sp.sqrt(2)))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = erfc(z/(sigma sqrt 2)).

        Examples
        --------
        >>> HalfNormal(1).sf(sp.Symbol("z", positive=True))
        erfc(sqrt(2)*z/2)
        """
        return sp.erfc(z / (self.sigma * sp.sqrt(2)))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = sigma sqrt(2) erfinv(u).

        Examples
        --------
        >>> HalfNormal(3).quantile(sp.Symbol("u", positive=True))
        3*sqrt(2)*erfinv(u)
        """
        return self.sigma * sp.sqrt(2) * sp.erfinv(u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = sigma sqrt(2) erfcinv(q), accurate for small q.

        Examples
        --------
        >>> HalfNormal(3).kernel_isf(sp.Symbol("q", positive=True))
        3*sqrt(2)*erfcinv(q)
        """
        return self.sigma * sp.sqrt(2) * sp.erfcinv(q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = sigma/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> HalfNormal(3).width_threshold(*sp.symbols("lo w", positive=True))
        3/20
        """
        return self.sigma / 20

    def _sample(self, n, rng, sigma):
        return abs(rng.normal(0.0, sigma, n))

    def _scipy(self, stats, sigma):
        return stats.halfnorm(scale=sigma)
