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
        return -sp.Abs(z - self.mu) / self.b - sp.log(2 * self.b)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.b
        return sp.Piecewise((sp.exp(u) / 2, u < 0), (1 - sp.exp(-u) / 2, True))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        mu, b = self.mu, self.b
        return sp.Piecewise((mu + b * sp.log(2 * u), u < _HALF), (mu - b * sp.log(2 - 2 * u), True))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        mu, b = self.mu, self.b
        return sp.Piecewise((mu - b * sp.log(2 * q), q < _HALF), (mu + b * sp.log(2 - 2 * q), True))

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.b / 20

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        return (self.mu,)

    def _sample(self, n, rng, mu, b):
        return rng.laplace(mu, b, n)

    def _scipy(self, stats, mu, b):
        return stats.laplace(mu, b)
