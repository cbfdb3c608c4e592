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
        """The open half-line (0, oo).

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Weibull(2, 1).support
        Interval.open(0, oo)
        """
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log k - k log(lam) + (k - 1) log z - (z/lam)^k.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Weibull(2, 3).log_density(z)
        -z**2/9 + log(z) - 2*log(3) + log(2)
        """
        k, lam = self.shape, self.scale
        return sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(z) - (z / lam) ** k

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = 1 - exp(-(z/lam)^k).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Weibull(2, 3).cdf(z)
        1 - exp(-z**2/9)
        """
        return 1 - sp.exp(-((z / self.scale) ** self.shape))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = exp(-(z/lam)^k).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Weibull(2, 3).sf(z)
        exp(-z**2/9)
        """
        return sp.exp(-((z / self.scale) ** self.shape))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = lam (-log(1 - u))^(1/k).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Weibull(2, 3).quantile(u)
        3*sqrt(-log(1 - u))
        """
        return self.scale * (-sp.log(1 - u)) ** (1 / self.shape)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = -expm1(-(z/lam)^k), accurate for small z.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Weibull(2, 3).kernel_cdf(z)
        -expm1(-z**2/9)
        """
        return -expm1(-((z / self.scale) ** self.shape))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = lam (-log1p(-u))^(1/k), accurate for small u.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Weibull(2, 3).kernel_quantile(u)
        3*sqrt(-log1p(-u))
        """
        return self.scale * (-log1p(-u)) ** (1 / self.shape)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = lam (-log q)^(1/k), accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Weibull(2, 3).kernel_isf(q)
        3*sqrt(-log(q))
        """
        return self.scale * (-sp.log(q)) ** (1 / self.shape)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, lam)/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Weibull(2, 3).width_threshold(lo, w)
        Min(3, lo)/20
        """
        return sp.Min(lo, self.scale) / 20

    def _sample(self, n, rng, shape, scale):
        return scale * rng.weibull(shape, n)

    def _scipy(self, stats, shape, scale):
        return stats.weibull_min(shape, scale=scale)
