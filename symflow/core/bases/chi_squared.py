"""The chi-squared distribution with k degrees of freedom."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import GammaLaw

__all__ = ["ChiSquared"]


class ChiSquared(GammaLaw):
    """ChiSquared(k): p(z) = z^(k/2 − 1) e^(−z/2) / (2^(k/2) Γ(k/2)) on (0, oo), the law of
    a sum of k squared standard normals (Gamma(k/2, rate 1/2)).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.symbols("z u", positive=True)
    >>> ChiSquared(2).density(z)
    exp(-z/2)/2
    >>> ChiSquared(4).log_density(z)
    -z/2 + log(z) - 2*log(2)
    >>> F = ChiSquared(2).cdf(z)
    >>> F, ChiSquared(2).sf(z)
    (1 - exp(-z/2), exp(-z/2))
    >>> round(float(F.subs(z, sp.Rational(599146, 100000))), 4)
    0.95
    >>> ChiSquared(3).kernel_cdf(z), ChiSquared(3).kernel_quantile(u)
    (RegularizedGammaP(3/2, z/2), 2*InverseRegularizedGammaP(3/2, u))
    >>> ChiSquared(3).width_threshold(*sp.symbols("lo w", positive=True))
    Min(2, lo)/20
    """

    param_names = ("k",)
    positive_params = ("k",)

    @property
    def _shape_rate(self) -> tuple[sp.Expr, sp.Expr]:
        """(k/2, 1/2)."""
        return self.k / 2, sp.Rational(1, 2)

    def _sample(self, n, rng, k):
        return rng.chisquare(k, n)

    def _scipy(self, stats, k):
        return stats.chi2(k)
