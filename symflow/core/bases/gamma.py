"""The gamma distribution with a shape and a rate."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import GammaLaw

__all__ = ["Gamma"]


class Gamma(GammaLaw):
    """Gamma(shape, rate): p(z) = rate^shape z^(shape-1) exp(-rate z) / Γ(shape) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.symbols("z u", positive=True)
    >>> Gamma(2, 1).density(z)
    z*exp(-z)
    >>> Gamma(3, 2).log_density(z)
    -2*z + 2*log(z) + 2*log(2)
    >>> F, S = Gamma(2, 1).cdf(z), Gamma(2, 1).sf(z)
    >>> F, S
    (-(z + 1)*exp(-z) + 1, (z + 1)*exp(-z))
    >>> round(float(F.subs(z, 1)), 6), round(float(S.subs(z, 1)), 6)
    (0.264241, 0.735759)
    >>> Gamma(3, 2).kernel_cdf(z), Gamma(3, 2).kernel_sf(z)
    (RegularizedGammaP(3, 2*z), RegularizedGammaQ(3, 2*z))
    >>> Gamma(3, 2).kernel_quantile(u), Gamma(3, 2).kernel_isf(u)
    (InverseRegularizedGammaP(3, u)/2, InverseRegularizedGammaQ(3, u)/2)
    >>> Gamma(2, 4).width_threshold(*sp.symbols("lo w", positive=True))
    Min(1/4, lo)/20
    """

    param_names = ("shape", "rate")
    positive_params = ("shape", "rate")

    @property
    def _shape_rate(self) -> tuple[sp.Expr, sp.Expr]:
        """(shape, rate)."""
        return self.shape, self.rate

    def _sample(self, n, rng, shape, rate):
        return rng.gamma(shape, 1.0 / rate, n)

    def _scipy(self, stats, shape, rate):
        return stats.gamma(shape, scale=1 / rate)
