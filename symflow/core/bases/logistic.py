"""The logistic distribution."""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p

from symflow.core.bases.distribution import Distribution

__all__ = ["Logistic"]


class Logistic(Distribution):
    """Logistic(mu, s): p(z) = exp(-u) / (s (1 + exp(-u))^2), u = (z - mu) / s.

    Examples
    --------
    >>> import sympy as sp
    >>> Logistic(0, 1).density(sp.Symbol("z", real=True))
    exp(-z)/(1 + exp(-z))**2
    """

    param_names = ("mu", "s")
    positive_params = ("s",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -u - 2 log(1 + exp(-u)) - log s, u = (z - mu)/s.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(1, 2).log_density(z)
        -z/2 - 2*log(exp(1/2 - z/2) + 1) - log(2) + 1/2
        """
        u = (z - self.mu) / self.s
        return -u - 2 * sp.log(1 + sp.exp(-u)) - sp.log(self.s)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = exp(-u)/(s (1 + exp(-u))^2), u = (z - mu)/s.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(0, 2).density(z)
        exp(-z/2)/(2*(1 + exp(-z/2))**2)
        """
        u = (z - self.mu) / self.s
        return sp.exp(-u) / (self.s * (1 + sp.exp(-u)) ** 2)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = 1/(1 + exp(-(z - mu)/s)), the logistic sigmoid.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> F = sf.Logistic(0, 1).cdf(z)
        >>> F
        1/(1 + exp(-z))
        >>> F.subs(z, 0)
        1/2
        """
        return 1 / (1 + sp.exp(-(z - self.mu) / self.s))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = 1/(1 + exp((z - mu)/s)).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(0, 2).sf(z)
        1/(exp(z/2) + 1)
        """
        return 1 / (1 + sp.exp((z - self.mu) / self.s))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu + s log(u/(1 - u)), the logit.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Logistic(1, 2).quantile(u)
        2*log(u/(1 - u)) + 1
        """
        return self.mu + self.s * sp.log(u / (1 - u))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu + s (log u - log1p(-u)), accurate for small u.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Logistic(1, 2).kernel_quantile(u)
        2*log(u) - 2*log1p(-u) + 1
        """
        return self.mu + self.s * (sp.log(u) - log1p(-u))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = mu - s (log q - log1p(-q)), accurate for small q.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Logistic(1, 2).kernel_isf(q)
        -2*log(q) + 2*log1p(-q) + 1
        """
        return self.mu - self.s * (sp.log(q) - log1p(-q))

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = s/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Logistic(0, 3).width_threshold(lo, w)
        3/20
        """
        return self.s / 20

    def _sample(self, n, rng, mu, s):
        return rng.logistic(mu, s, n)

    def _scipy(self, stats, mu, s):
        return stats.logistic(mu, s)
