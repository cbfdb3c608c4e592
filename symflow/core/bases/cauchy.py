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
        """log p(z) = -log(pi gamma) - log(1 + ((z - x0)/gamma)^2).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Cauchy(1, 2).log_density(z)
        -log((z/2 - 1/2)**2 + 1) - log(2*pi)
        """
        g = self.gamma
        return -sp.log(sp.pi * g) - sp.log(1 + ((z - self.x0) / g) ** 2)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = 1/(pi gamma (1 + ((z - x0)/gamma)^2)).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Cauchy(1, 2).density(z)
        1/(2*pi*((z/2 - 1/2)**2 + 1))
        """
        g = self.gamma
        return 1 / (sp.pi * g * (1 + ((z - self.x0) / g) ** 2))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = 1/2 + atan((z - x0)/gamma)/pi.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> F = sf.Cauchy(0, 1).cdf(z)
        >>> F
        atan(z)/pi + 1/2
        >>> F.subs(z, 1)
        3/4
        """
        return sp.Rational(1, 2) + sp.atan((z - self.x0) / self.gamma) / sp.pi

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = x0 + gamma tan(pi (u - 1/2)).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Cauchy(0, 2).quantile(u)
        2*tan(pi*(u - 1/2))
        """
        return self.x0 + self.gamma * sp.tan(sp.pi * (u - sp.Rational(1, 2)))

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = atan2(1, -(z - x0)/gamma)/pi, accurate in both tails.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> F = sf.Cauchy(0, 1).kernel_cdf(z)
        >>> F
        atan2(1, -z)/pi
        >>> float(F.subs(z, -1e10))
        3.1830988618379065e-11
        """
        return sp.atan2(1, -(z - self.x0) / self.gamma) / sp.pi  # accurate in both tails

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = atan2(1, (z - x0)/gamma)/pi, accurate where S(z) is small.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> S = sf.Cauchy(0, 1).kernel_sf(z)
        >>> S
        atan2(1, z)/pi
        >>> float(S.subs(z, 1e10))
        3.1830988618379065e-11
        """
        return sp.atan2(1, (z - self.x0) / self.gamma) / sp.pi

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = x0 + gamma tan(pi (u - 1/2)), written x0 - gamma/tan(pi u) for u <= 1/4 and
        x0 + gamma/tan(pi (1 - u)) for u >= 3/4 so that the tails keep their digits.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> x = sf.Cauchy(0, 1).kernel_quantile(u)
        >>> float(x.subs(u, sp.Rational(1, 2)))
        0.0
        >>> round(float(x.subs(u, 1e-10)) * 1e-10, 6)
        -0.31831
        """
        x0, g = self.x0, self.gamma
        return sp.Piecewise(
            (x0 + g * sp.tan(sp.pi * (u - sp.Rational(1, 2))), (u > _QUARTER) & (u < 3 * _QUARTER)),
            (x0 - g / sp.tan(sp.pi * u), u < sp.Rational(1, 2)),
            (x0 + g / sp.tan(sp.pi * (1 - u)), True),
        )

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = x0 - gamma tan(pi (q - 1/2)), written x0 + gamma/tan(pi q) for q <= 1/4 and
        x0 - gamma/tan(pi (1 - q)) for q >= 3/4 so that the tails keep their digits.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> x = sf.Cauchy(0, 1).kernel_isf(q)
        >>> float(x.subs(q, sp.Rational(3, 4)))
        -1.0
        >>> round(float(x.subs(q, 1e-10)) * 1e-10, 6)
        0.31831
        """
        x0, g = self.x0, self.gamma
        return sp.Piecewise(
            (x0 - g * sp.tan(sp.pi * (q - sp.Rational(1, 2))), (q > _QUARTER) & (q < 3 * _QUARTER)),
            (x0 + g / sp.tan(sp.pi * q), q < sp.Rational(1, 2)),
            (x0 - g / sp.tan(sp.pi * (1 - q)), True),
        )

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = gamma/20: narrower intervals are integrated by quadrature.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w", positive=True)
        >>> sf.Cauchy(0, 2).width_threshold(lo, w)
        1/10
        """
        return self.gamma / 20

    def _sample(self, n, rng, x0, gamma):
        return x0 + gamma * rng.standard_cauchy(n)

    def _scipy(self, stats, x0, gamma):
        return stats.cauchy(x0, gamma)
