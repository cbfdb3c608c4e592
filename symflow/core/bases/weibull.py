"""The Weibull distribution with a shape and a scale (SciPy's ``weibull_min``)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import HazardLaw

__all__ = ["Weibull"]


class Weibull(HazardLaw):
    """Weibull(shape, scale): p(z) = (k/λ) (z/λ)^(k-1) exp(-(z/λ)^k) on (0, oo), k = shape,
    λ = scale; F(z) = 1 − exp(−(z/λ)^k).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.symbols("z u", positive=True)
    >>> Weibull(1, 2).density(z)
    exp(-z/2)/2
    >>> Weibull(2, 1).quantile(sp.Symbol("u"))
    sqrt(-log(1 - u))
    >>> Weibull(2, 3).cdf(z), Weibull(2, 3).kernel_cdf(z)
    (1 - exp(-z**2/9), -expm1(-z**2/9))
    >>> Weibull(2, 3).kernel_quantile(u), Weibull(2, 3).kernel_isf(u)
    (3*sqrt(-log1p(-u)), 3*sqrt(-log(u)))
    """

    param_names = ("shape", "scale")
    positive_params = ("shape", "scale")

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log k - k log(lam) + (k - 1) log z - (z/lam)^k.

        Examples
        --------
        >>> Weibull(2, 3).log_density(sp.Symbol("z", positive=True))
        -z**2/9 + log(z) - 2*log(3) + log(2)
        """
        k, lam = self.shape, self.scale
        return sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(z) - (z / lam) ** k

    def _hazard(self, z: sp.Expr) -> sp.Expr:
        """H(z) = (z/lam)^k."""
        return (z / self.scale) ** self.shape

    def _hazard_inverse(self, h: sp.Expr) -> sp.Expr:
        """H^-1(h) = lam h^(1/k)."""
        return self.scale * h ** (1 / self.shape)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, lam)/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> Weibull(2, 3).width_threshold(*sp.symbols("lo w", positive=True))
        Min(3, lo)/20
        """
        return sp.Min(lo, self.scale) / 20

    def _sample(self, n, rng, shape, scale):
        return scale * rng.weibull(shape, n)

    def _scipy(self, stats, shape, scale):
        return stats.weibull_min(shape, scale=scale)
