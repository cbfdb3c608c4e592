"""The Cauchy distribution."""

from __future__ import annotations

import sympy as sp

from symflow.core.bases.families import LocationScale

__all__ = ["Cauchy"]

_HALF, _QUARTER = sp.Rational(1, 2), sp.Rational(1, 4)


class Cauchy(LocationScale):
    """Cauchy(x0, gamma): p(z) = 1 / (pi gamma (1 + ((z - x0) / gamma)^2)).

    Examples
    --------
    >>> import sympy as sp
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> F = Cauchy(0, 1).cdf(z)
    >>> F, F.subs(z, 1), Cauchy(0, 2).quantile(u)
    (atan(z)/pi + 1/2, 3/4, 2*tan(pi*(u - 1/2)))
    >>> Cauchy(0, 1).kernel_cdf(z), Cauchy(0, 1).kernel_sf(z)
    (atan2(1, -z)/pi, atan2(1, z)/pi)
    >>> float(Cauchy(0, 1).kernel_cdf(z).subs(z, -1e10))
    3.1830988618379065e-11
    >>> x = Cauchy(0, 1).kernel_quantile(u)
    >>> float(x.subs(u, sp.Rational(1, 2))), round(float(x.subs(u, 1e-10)) * 1e-10, 6)
    (0.0, -0.31831)
    >>> x = Cauchy(0, 1).kernel_isf(u)
    >>> float(x.subs(u, sp.Rational(3, 4))), round(float(x.subs(u, 1e-10)) * 1e-10, 6)
    (-1.0, 0.31831)
    """

    param_names = ("x0", "gamma")
    positive_params = ("gamma",)
    loc_scale = ("x0", "gamma")

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = -log(pi gamma) - log(1 + ((z - x0)/gamma)^2).

        Examples
        --------
        >>> Cauchy(1, 2).log_density(sp.Symbol("z", real=True))
        -log((z/2 - 1/2)**2 + 1) - log(2*pi)
        """
        g = self.gamma
        return -sp.log(sp.pi * g) - sp.log(1 + ((z - self.x0) / g) ** 2)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = 1/(pi gamma (1 + ((z - x0)/gamma)^2)).

        Examples
        --------
        >>> Cauchy(1, 2).density(sp.Symbol("z", real=True))
        1/(2*pi*((z/2 - 1/2)**2 + 1))
        """
        g = self.gamma
        return 1 / (sp.pi * g * (1 + ((z - self.x0) / g) ** 2))

    def _standard_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = 1/2 + atan(t)/pi."""
        return _HALF + sp.atan(t) / sp.pi

    def _standard_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = tan(pi (u - 1/2))."""
        return sp.tan(sp.pi * (u - _HALF))

    def _standard_kernel_cdf(self, t: sp.Expr) -> sp.Expr:
        """F_0(t) = atan2(1, -t)/pi, accurate in both tails."""
        return sp.atan2(1, -t) / sp.pi

    def _standard_kernel_sf(self, t: sp.Expr) -> sp.Expr:
        """S_0(t) = atan2(1, t)/pi, accurate where it is small."""
        return sp.atan2(1, t) / sp.pi

    def _standard_kernel_quantile(self, u: sp.Expr) -> sp.Expr:
        """F_0^-1(u) = tan(pi (u - 1/2)), written -1/tan(pi u) for u <= 1/4 and
        1/tan(pi (1 - u)) for u >= 3/4 so that the tails keep their digits."""
        return sp.Piecewise(
            (sp.tan(sp.pi * (u - _HALF)), (u > _QUARTER) & (u < 3 * _QUARTER)),
            (-1 / sp.tan(sp.pi * u), u < _HALF),
            (1 / sp.tan(sp.pi * (1 - u)), True),
        )

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr:
        """S_0^-1(q) = -F_0^-1(q), by symmetry, in the same tail-keeping form."""
        return -self._standard_kernel_quantile(q)

    def _standard_sample(self, n, rng):
        return rng.standard_cauchy(n)

    def _scipy(self, stats, x0, gamma):
        return stats.cauchy(x0, gamma)
