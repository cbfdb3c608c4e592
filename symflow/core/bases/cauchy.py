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
        """log p(z) = log(gamma/pi) - log((z - x0)^2 + gamma^2).

        Written without (z − x0)/gamma, which overflows for a small gamma (1e10/1e-300)
        and, with numbers, loses the digits of z − x0 once SymPy distributes 1/gamma: the
        kernels evaluate log((z − x0)² + gamma²) as 2·log hypot(z − x0, gamma).

        Examples
        --------
        >>> Cauchy(1, 2).log_density(sp.Symbol("z", real=True))
        -log((z - 1)**2 + 4) - log(pi) + log(2)
        """
        g = self.gamma
        return sp.log(g) - sp.log(sp.pi) - sp.log((z - self.x0) ** 2 + g**2)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = 1/(pi gamma (1 + ((z - x0)/gamma)^2)).

        Examples
        --------
        >>> Cauchy(1, 2).density(sp.Symbol("z", real=True))
        1/(2*pi*((z/2 - 1/2)**2 + 1))
        """
        g = self.gamma
        return 1 / (sp.pi * g * (1 + ((z - self.x0) / g) ** 2))

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = atan2(gamma, x0 - z)/pi: accurate in both tails, with no (z − x0)/gamma
        to overflow or, distributed, to lose the digits of z − x0.

        Examples
        --------
        >>> Cauchy(1, 3).kernel_cdf(sp.Symbol("z", real=True))
        atan2(3, 1 - z)/pi
        """
        return sp.atan2(self.gamma, self.x0 - z) / sp.pi

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = atan2(gamma, z - x0)/pi, accurate where it is small (as ``kernel_cdf``).

        Examples
        --------
        >>> Cauchy(1, 3).kernel_sf(sp.Symbol("z", real=True))
        atan2(3, z - 1)/pi
        """
        return sp.atan2(self.gamma, z - self.x0) / sp.pi

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
