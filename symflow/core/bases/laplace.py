"""The Laplace (double exponential) distribution."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import LocationScale

__all__ = ["Laplace"]

_HALF = sp.Rational(1, 2)


class Laplace(LocationScale):
    """Laplace(mu, b): p(z) = exp(-|z - mu| / b) / (2 b).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> Laplace(0, 1).density(z)
    exp(-Abs(z))/2
    >>> Laplace(0, 1).cdf(z)
    Piecewise((exp(z)/2, z < 0), (1 - exp(-z)/2, True))
    >>> Laplace(0, 3).quantile(u)
    Piecewise((3*log(2*u), u < 1/2), (-3*log(2 - 2*u), True))
    >>> Laplace(0, 3).kernel_isf(u)
    Piecewise((-3*log(2*u), u < 1/2), (3*log(2 - 2*u), True))
    >>> Laplace(3, 1).kinks
    (3,)
    """

    param_names = ("mu", "b")
    positive_params = ("b",)
    loc_scale = ("mu", "b")

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -|z - mu|/b - log(2b).

        Examples
        --------
        >>> Laplace(1, 2).log_density(sp.Symbol("z", real=True))
        -Abs(z - 1)/2 - log(4)
        """
        return -sp.Abs(z - self.mu) / self.b - sp.log(2 * self.b)

    def _standard_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = exp(t)/2 for t < 0, 1 - exp(-t)/2 otherwise."""
        return sp.Piecewise((sp.exp(t) / 2, t < 0), (1 - sp.exp(-t) / 2, True))

    def _standard_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = log(2u) for u < 1/2, -log(2 - 2u) otherwise."""
        return sp.Piecewise((sp.log(2 * u), u < _HALF), (-sp.log(2 - 2 * u), True))

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr:
        """S_0^-1(q) = -log(2q) for q < 1/2, log(2 - 2q) otherwise."""
        return sp.Piecewise((-sp.log(2 * q), q < _HALF), (sp.log(2 - 2 * q), True))

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """(mu,): the density's peak |z - mu| = 0 is a kink where quadrature splits."""
        return (self.mu,)

    def _standard_sample(self, n, rng):
        return rng.laplace(0.0, 1.0, n)

    def _scipy(self, stats, mu, b):
        return stats.laplace(mu, b)
