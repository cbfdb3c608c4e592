"""The Cauchy distribution."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.distribution import Distribution

__all__ = ["Cauchy"]

_QUARTER = sp.Rational(1, 4)


class Cauchy(Distribution):
    """Cauchy(x0, gamma): p(z) = 1 / (pi gamma (1 + ((z - x0) / gamma)^2)).

    Examples
    --------
    >>> import sympy as sp
    >>> Cauchy(0, 1).density(sp.Symbol("z", real=True))
    1/(pi*(z**2 + 1))
    """

    param_names = ("x0", "gamma")
    positive_params = ("gamma",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        g = self.gamma
        return -sp.log(sp.pi * g) - sp.log(1 + ((z - self.x0) / g) ** 2)

    def density(self, z: sp.Symbol) -> sp.Expr:
        g = self.gamma
        return 1 / (sp.pi * g * (1 + ((z - self.x0) / g) ** 2))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.Rational(1, 2) + sp.atan((z - self.x0) / self.gamma) / sp.pi

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        return self.x0 + self.gamma * sp.tan(sp.pi * (u - sp.Rational(1, 2)))

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.atan2(1, -(z - self.x0) / self.gamma) / sp.pi  # accurate in both tails

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        return sp.atan2(1, (z - self.x0) / self.gamma) / sp.pi

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        x0, g = self.x0, self.gamma
        return sp.Piecewise(
            (x0 + g * sp.tan(sp.pi * (u - sp.Rational(1, 2))), (u > _QUARTER) & (u < 3 * _QUARTER)),
            (x0 - g / sp.tan(sp.pi * u), u < sp.Rational(1, 2)),
            (x0 + g / sp.tan(sp.pi * (1 - u)), True),
        )

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        x0, g = self.x0, self.gamma
        return sp.Piecewise(
            (x0 - g * sp.tan(sp.pi * (q - sp.Rational(1, 2))), (q > _QUARTER) & (q < 3 * _QUARTER)),
            (x0 + g / sp.tan(sp.pi * q), q < sp.Rational(1, 2)),
            (x0 - g / sp.tan(sp.pi * (1 - q)), True),
        )

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        return self.gamma / 20

    def _sample(self, n, rng, x0, gamma):
        return x0 + gamma * rng.standard_cauchy(n)

    def _scipy(self, stats, x0, gamma):
        return stats.cauchy(x0, gamma)
