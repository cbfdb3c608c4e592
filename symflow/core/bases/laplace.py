"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution

__all__ = ["Laplace"]

_HALF = sp.Rational(1, 2)


class Laplace(Distribution):
    """Laplace(mu, b): p(z) = exp(-|z - mu| / b) / (2 b).

    Examples
    --------
    >>> import sympy as sp
    >>> Laplace(0, 1).density(sp.Symbol("z", real=True))
    exp(-Abs(z))/2
    """

    param_names = ("mu", "b")
    positive_params = ("b",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -|z - mu|/b - log(2b).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Laplace(1, 2).log_density(z)
        -Abs(z - 1)/2 - log(4)
        """
        return -sp.Abs(z - self.mu) / self.b - sp.log(2 * self.b)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = exp((z - mu)/b)/2 for z < mu, 1 - exp(-(z - mu)/b)/2 otherwise.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Laplace(0, 1).cdf(z)
        Piecewise((exp(z)/2, z < 0), (1 - exp(-z)/2, True))
        """
        u = (z - self.mu) / self.b
        return sp.Piecewise((sp.exp(u) / 2, u < 0), (1 - sp.exp(-u) / 2, True))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = mu + b log(2u) for u < 1/2, mu - b log(2 - 2u) otherwise.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Laplace(0, 3).quantile(u)
        Piecewise((3*log(2*u), u < 1/2), (-3*log(2 - 2*u), True))
        """
        mu, b = self.mu, self.b
        return sp.Piecewise((mu + b * sp.log(2 * u), u < _HALF), (mu - b * sp.log(2 - 2 * u), True))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = mu - b log(2q) for q < 1/2, mu + b log(2 - 2q) otherwise.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Laplace(0, 3).kernel_isf(q)
        Piecewise((-3*log(2*q), q < 1/2), (3*log(2 - 2*q), True))
        """
        mu, b = self.mu, self.b
        return sp.Piecewise((mu - b * sp.log(2 * q), q < _HALF), (mu + b * sp.log(2 - 2 * q), True))

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = b/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Laplace(0, 2).width_threshold(lo, w)
        1/10
        """
        return self.b / 20

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """(mu,): the density's peak |z - mu| = 0 is a kink where quadrature splits.

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Laplace(3, 1).kinks
        (3,)
        """
        return (self.mu,)

    def _sample(self, n, rng, mu, b):
        return rng.laplace(mu, b, n)

    def _scipy(self, stats, mu, b):
        return stats.laplace(mu, b)
