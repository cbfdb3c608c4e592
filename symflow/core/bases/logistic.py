"""The logistic distribution."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p

from symflow.core.bases.families import LocationScale

__all__ = ["Logistic"]


class Logistic(LocationScale):
    """Logistic(mu, s): p(z) = exp(-u) / (s (1 + exp(-u))^2), u = (z - mu) / s.

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> F = Logistic(0, 1).cdf(z)
    >>> F, F.subs(z, 0), Logistic(0, 2).sf(z)
    (1/(1 + exp(-z)), 1/2, 1/(exp(z/2) + 1))
    >>> Logistic(1, 2).quantile(u)
    2*log(u/(1 - u)) + 1
    >>> Logistic(1, 2).kernel_quantile(u)
    2*log(u) - 2*log1p(-u) + 1
    >>> Logistic(1, 2).kernel_isf(u)
    -2*log(u) + 2*log1p(-u) + 1
    """

    param_names = ("mu", "s")
    positive_params = ("s",)
    loc_scale = ("mu", "s")

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -u - 2 log(1 + exp(-u)) - log s, u = (z - mu)/s.

        Examples
        --------
        >>> Logistic(1, 2).log_density(sp.Symbol("z", real=True))
        -z/2 - 2*log(exp(1/2 - z/2) + 1) - log(2) + 1/2
        """
        u = (z - self.mu) / self.s
        return -u - 2 * sp.log(1 + sp.exp(-u)) - sp.log(self.s)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = exp(-u)/(s (1 + exp(-u))^2), u = (z - mu)/s.

        Examples
        --------
        >>> Logistic(0, 2).density(sp.Symbol("z", real=True))
        exp(-z/2)/(2*(1 + exp(-z/2))**2)
        """
        u = (z - self.mu) / self.s
        return sp.exp(-u) / (self.s * (1 + sp.exp(-u)) ** 2)

    def _standard_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = 1/(1 + exp(-t)), the logistic sigmoid."""
        return 1 / (1 + sp.exp(-t))

    def _standard_sf(self, t: sp.Expr) -> sp.Expr:
        """S_0(t) = 1/(1 + exp(t))."""
        return 1 / (1 + sp.exp(t))

    def _standard_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = log(u/(1 - u)), the logit."""
        return sp.log(u / (1 - u))

    def _standard_kernel_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = log u - log1p(-u), accurate for small u."""
        return sp.log(u) - log1p(-u)

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr:
        """S_0^-1(q) = -(log q - log1p(-q)), accurate for small q."""
        return -(sp.log(q) - log1p(-q))

    def _standard_sample(self, n, rng):
        return rng.logistic(0.0, 1.0, n)

    def _scipy(self, stats, mu, s):
        return stats.logistic(mu, s)
