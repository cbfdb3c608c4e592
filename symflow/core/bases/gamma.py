"""The gamma distribution with a shape and a rate."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import (
    InverseRegularizedGammaP,
    InverseRegularizedGammaQ,
    RegularizedGammaP,
    RegularizedGammaQ,
)

__all__ = ["Gamma"]


class Gamma(Distribution):
    """Gamma(shape, rate): p(z) = rate^shape z^(shape-1) exp(-rate z) / Γ(shape) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> Gamma(2, 1).density(sp.Symbol("z", positive=True))
    z*exp(-z)
    """

    param_names = ("shape", "rate")
    positive_params = ("shape", "rate")

    @property
    def support(self) -> sp.Interval:
        """The open half-line (0, oo).

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Gamma(2, 1).support
        Interval.open(0, oo)
        """
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = k log(rate) + (k - 1) log z - rate z - log Gamma(k), k = shape.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Gamma(3, 2).log_density(z)
        -2*z + 2*log(z) + 2*log(2)
        """
        k, rate = self.shape, self.rate
        return k * sp.log(rate) + (k - 1) * sp.log(z) - rate * z - log_gamma(k)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = gamma(k, rate z)/Gamma(k), the regularized lower incomplete gamma function.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> F = sf.Gamma(2, 1).cdf(z)
        >>> F
        -(z + 1)*exp(-z) + 1
        >>> round(float(F.subs(z, 1)), 6)
        0.264241
        """
        return sp.lowergamma(self.shape, self.rate * z) / sp.gamma(self.shape)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Gamma(k, rate z)/Gamma(k), the regularized upper incomplete gamma function.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> S = sf.Gamma(2, 1).sf(z)
        >>> S
        (z + 1)*exp(-z)
        >>> round(float(S.subs(z, 1)), 6)
        0.735759
        """
        return sp.uppergamma(self.shape, self.rate * z) / sp.gamma(self.shape)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = P(k, rate z), the regularized lower incomplete gamma function as a kernel call.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Gamma(3, 2).kernel_cdf(z)
        RegularizedGammaP(3, 2*z)
        """
        return RegularizedGammaP(self.shape, self.rate * z)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Q(k, rate z) = 1 - P(k, rate z), evaluated without the subtraction.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Gamma(3, 2).kernel_sf(z)
        RegularizedGammaQ(3, 2*z)
        """
        return RegularizedGammaQ(self.shape, self.rate * z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = P^-1(k, u)/rate, the inverse regularized lower incomplete gamma.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Gamma(3, 2).kernel_quantile(u)
        InverseRegularizedGammaP(3, u)/2
        """
        return InverseRegularizedGammaP(self.shape, u) / self.rate

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = Q^-1(k, q)/rate, accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Gamma(3, 2).kernel_isf(q)
        InverseRegularizedGammaQ(3, q)/2
        """
        return InverseRegularizedGammaQ(self.shape, q) / self.rate

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, 1/rate)/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Gamma(2, 4).width_threshold(lo, w)
        Min(1/4, lo)/20
        """
        return sp.Min(lo, 1 / self.rate) / 20

    def _sample(self, n, rng, shape, rate):
        return rng.gamma(shape, 1.0 / rate, n)

    def _scipy(self, stats, shape, rate):
        return stats.gamma(shape, scale=1 / rate)
