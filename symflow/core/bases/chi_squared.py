"""The chi-squared distribution with k degrees of freedom."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import (
    InverseRegularizedGammaP,
    InverseRegularizedGammaQ,
    RegularizedGammaP,
    RegularizedGammaQ,
)

__all__ = ["ChiSquared"]


class ChiSquared(Distribution):
    """ChiSquared(k): p(z) = z^(k/2 − 1) e^(−z/2) / (2^(k/2) Γ(k/2)) on (0, oo), the law of
    a sum of k squared standard normals (Gamma(k/2, rate 1/2)).

    Examples
    --------
    >>> import sympy as sp
    >>> ChiSquared(2).density(sp.Symbol("z", positive=True))
    exp(-z/2)/2
    """

    param_names = ("k",)
    positive_params = ("k",)

    @property
    def support(self) -> sp.Interval:
        """The open half-line (0, oo).

        Examples
        --------
        >>> import symflow as sf
        >>> sf.ChiSquared(3).support
        Interval.open(0, oo)
        """
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = (k/2 - 1) log z - z/2 - (k/2) log 2 - log Gamma(k/2).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.ChiSquared(4).log_density(z)
        -z/2 + log(z) - 2*log(2)
        """
        half = self.k / 2
        return (half - 1) * sp.log(z) - z / 2 - half * sp.log(2) - log_gamma(half)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = gamma(k/2, z/2)/Gamma(k/2), the regularized lower incomplete gamma.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> F = sf.ChiSquared(2).cdf(z)
        >>> F
        1 - exp(-z/2)
        >>> round(float(F.subs(z, sp.Rational(599146, 100000))), 4)
        0.95
        """
        return sp.lowergamma(self.k / 2, z / 2) / sp.gamma(self.k / 2)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Gamma(k/2, z/2)/Gamma(k/2), the regularized upper incomplete gamma.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.ChiSquared(2).sf(z)
        exp(-z/2)
        """
        return sp.uppergamma(self.k / 2, z / 2) / sp.gamma(self.k / 2)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = P(k/2, z/2), the regularized lower incomplete gamma as a kernel call.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.ChiSquared(3).kernel_cdf(z)
        RegularizedGammaP(3/2, z/2)
        """
        return RegularizedGammaP(self.k / 2, z / 2)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Q(k/2, z/2), evaluated without the subtraction 1 - F(z).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.ChiSquared(3).kernel_sf(z)
        RegularizedGammaQ(3/2, z/2)
        """
        return RegularizedGammaQ(self.k / 2, z / 2)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = 2 P^-1(k/2, u), the inverse regularized lower incomplete gamma.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.ChiSquared(3).kernel_quantile(u)
        2*InverseRegularizedGammaP(3/2, u)
        """
        return 2 * InverseRegularizedGammaP(self.k / 2, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = 2 Q^-1(k/2, q), accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.ChiSquared(3).kernel_isf(q)
        2*InverseRegularizedGammaQ(3/2, q)
        """
        return 2 * InverseRegularizedGammaQ(self.k / 2, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, 2)/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.ChiSquared(3).width_threshold(lo, w)
        Min(2, lo)/20
        """
        return sp.Min(lo, 2) / 20

    def _sample(self, n, rng, k):
        return rng.chisquare(k, n)

    def _scipy(self, stats, k):
        return stats.chi2(k)
