"""The beta distribution on (0, 1)."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import InverseRegularizedBeta, LogInverseRegularizedBeta

__all__ = ["Beta"]


class Beta(Distribution):
    """Beta(a, b): p(z) = z^(a-1) (1-z)^(b-1) / B(a, b) on (0, 1).

    Examples
    --------
    >>> import sympy as sp
    >>> Beta(2, 1).density(sp.Symbol("z", positive=True))
    2*z
    """

    param_names = ("a", "b")
    positive_params = ("a", "b")
    support_ends = (0, 1)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = (a - 1) log z + (b - 1) log(1 - z) - log B(a, b).

        Examples
        --------
        >>> Beta(2, 3).log_density(sp.Symbol("z", positive=True))
        log(z) + 2*log(1 - z) - log(2) + log(24)
        """
        a, b = self.a, self.b
        log_beta = log_gamma(a) + log_gamma(b) - log_gamma(a + b)
        return (a - 1) * sp.log(z) + (b - 1) * sp.log(1 - z) - log_beta

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = I_z(a, b), the regularized incomplete beta function.

        Examples
        --------
        >>> z = sp.Symbol("z", positive=True)
        >>> F = Beta(2, 3).cdf(z)
        >>> F
        betainc_regularized(2, 3, 0, z)
        >>> round(float(F.subs(z, sp.Rational(1, 2))), 6)
        0.6875
        """
        return sp.betainc_regularized(self.a, self.b, 0, z)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = 1 - I_z(a, b), the regularized beta integral from z to 1.

        Examples
        --------
        >>> z = sp.Symbol("z", positive=True)
        >>> S = Beta(2, 3).sf(z)
        >>> S
        betainc_regularized(2, 3, z, 1)
        >>> round(float(S.subs(z, sp.Rational(1, 2))), 6)
        0.3125
        """
        return sp.betainc_regularized(self.a, self.b, z, 1)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = I_(1-z)(b, a), accurate where S(z) is small.

        Examples
        --------
        >>> Beta(2, 3).kernel_sf(sp.Symbol("z", positive=True))
        betainc_regularized(3, 2, 0, 1 - z)
        """
        return sp.betainc_regularized(self.b, self.a, 0, 1 - z)

    def kernel_sf_below_sup(self, d: sp.Symbol) -> sp.Expr:
        """S(1 − d) = I_d(b, a), without rounding 1 − d.

        Examples
        --------
        >>> Beta(2, 3).kernel_sf_below_sup(sp.Symbol("d", positive=True))
        betainc_regularized(3, 2, 0, d)
        """
        return sp.betainc_regularized(self.b, self.a, 0, d)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = I^-1_u(a, b), the inverse regularized incomplete beta function.

        Examples
        --------
        >>> Beta(2, 3).kernel_quantile(sp.Symbol("u", positive=True))
        InverseRegularizedBeta(2, 3, u)
        """
        return InverseRegularizedBeta(self.a, self.b, u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = 1 - I^-1_q(b, a), accurate for small q.

        Examples
        --------
        >>> Beta(2, 3).kernel_isf(sp.Symbol("q", positive=True))
        1 - InverseRegularizedBeta(3, 2, q)
        """
        return 1 - InverseRegularizedBeta(self.b, self.a, q)

    def kernel_log_quantile(self, u: sp.Symbol) -> sp.Expr:
        """log F^-1(u) = log I^-1_u(a, b), finite where I^-1_u(a, b) underflows.

        Examples
        --------
        >>> Beta(2, 3).kernel_log_quantile(sp.Symbol("u", positive=True))
        LogInverseRegularizedBeta(2, 3, u)
        """
        return LogInverseRegularizedBeta(self.a, self.b, u)

    def kernel_log_isf(self, q: sp.Symbol) -> sp.Expr:
        """log(1 - S^-1(q)) = log I^-1_q(b, a), finite where I^-1_q(b, a) underflows.

        Examples
        --------
        >>> Beta(2, 3).kernel_log_isf(sp.Symbol("q", positive=True))
        LogInverseRegularizedBeta(3, 2, q)
        """
        return LogInverseRegularizedBeta(self.b, self.a, q)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, 1 - lo - w)/20: near either end quadrature is used.

        Examples
        --------
        >>> Beta(2, 3).width_threshold(*sp.symbols("lo w", positive=True))
        Min(lo, -lo - w + 1)/20
        """
        return sp.Min(lo, 1 - lo - w) / 20

    def _sample(self, n, rng, a, b):
        return rng.beta(a, b, n)

    def _scipy(self, stats, a, b):
        return stats.beta(a, b)
