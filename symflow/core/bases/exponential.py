"""The exponential distribution with a rate."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import HazardLaw

__all__ = ["Exponential"]


class Exponential(HazardLaw):
    """Exponential(rate): p(z) = rate exp(-rate z) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.symbols("z u", positive=True)
    >>> Exponential(2).density(z)
    2*exp(-2*z)
    >>> Exponential(2).support
    Interval.open(0, oo)
    >>> Exponential(3).cdf(z), Exponential(3).sf(z), Exponential(2).quantile(u)
    (1 - exp(-3*z), exp(-3*z), -log(1 - u)/2)
    >>> Exponential(2).kernel_isf(u)
    -log(u)/2
    """

    param_names = ("rate",)
    positive_params = ("rate",)
    inline_kernel_forms = True

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log(rate) - rate z on (0, oo).

        Examples
        --------
        >>> Exponential(3).log_density(sp.Symbol("z", positive=True))
        -3*z + log(3)
        """
        return sp.log(self.rate) - self.rate * z

    def _hazard(self, z: sp.Expr) -> sp.Expr:
        """H(z) = rate z."""
        return self.rate * z

    def _hazard_inverse(self, h: sp.Expr) -> sp.Expr:
        """H^-1(h) = h/rate."""
        return h / self.rate

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = 1/(20 rate): narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> Exponential(5).width_threshold(*sp.symbols("lo w", positive=True))
        1/100
        """
        return 1 / (20 * self.rate)

    def _sample(self, n, rng, rate):
        return rng.exponential(1.0 / rate, n)

    def _scipy(self, stats, rate):
        return stats.expon(scale=1 / rate)
