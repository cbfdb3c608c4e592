"""What families of bases share: a location and a scale, the gamma law, a cumulative hazard.

A base that belongs to one of these families states only its standard form (or its
hazard, or its gamma shape and rate); the class here derives the CDF, survival function,
quantile, their float64 kernel forms and the quadrature threshold from it.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.bases import Logistic, Weibull
>>> z, u = sp.symbols("z u", positive=True)
>>> Logistic(1, 2).quantile(u)
2*log(u/(1 - u)) + 1
>>> Weibull(2, 3).sf(z)
exp(-z**2/9)
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symflow.core.bases.distribution import Distribution, log_gamma
from symflow.core.bases.functions import (
    InverseRegularizedGammaP,
    InverseRegularizedGammaQ,
    LogInverseRegularizedGammaP,
    RegularizedGammaP,
    RegularizedGammaQ,
)

__all__ = ["LocationScale", "GammaLaw", "HazardLaw"]

#: a location or scale from this size on lets z overflow where (z − loc)/scale does not
#: (half an ulp of the largest float is 2**970)
_OVERFLOWING_PARAMETER = 2.0**969


def _fold(expr: sp.Expr | None) -> sp.Expr | None:
    """loc + scale·Piecewise(...) with the affine map moved into each piece."""
    return sp.piecewise_fold(expr) if expr is not None and expr.has(sp.Piecewise) else expr


class LocationScale(Distribution):
    """p(z) = p_0((z − loc)/scale)/scale: a standard law p_0 moved and stretched.

    A subclass names its location and scale parameters in ``loc_scale`` and states the
    standard forms in t = (z − loc)/scale (``_standard_cdf``, ``_standard_quantile``, and
    where they differ from those, ``_standard_sf`` and the ``_standard_kernel_*`` forms);
    F(z) = F_0(t), F^-1(u) = loc + scale F_0^-1(u), draws loc + scale z_0 and the quadrature
    threshold scale/20 follow here.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.bases import Normal
    >>> z, q = sp.symbols("z q", positive=True)
    >>> d = Normal(1, 2)
    >>> d.loc, d.scale
    (1, 2)
    >>> d.kernel_sf(z)
    StandardNormalCdf(1/2 - z/2)
    >>> d.kernel_isf(q)
    2*sqrt(2)*erfcinv(2*q) + 1
    """

    #: the names of the location and the scale parameter
    loc_scale: ClassVar[tuple[str, str]] = ("mu", "sigma")

    @property
    def loc(self) -> sp.Expr:
        """The location parameter's value."""
        return self._params[self.loc_scale[0]]

    @property
    def scale(self) -> sp.Expr:
        """The scale parameter's value."""
        return self._params[self.loc_scale[1]]

    @property
    def inline_kernel_forms(self) -> bool:  # type: ignore[override]
        """Whether CDF kernels write F(z) = F_0((z − loc)/scale) into the flow's maps
        instead of calling F on z: where the location or the scale is 2⁹⁶⁹ or more, z
        itself overflows float64 (z = x − 1e308 at x = −1e308) where (z − loc)/scale
        does not.

        Examples
        --------
        >>> from symflow.core.bases import Normal
        >>> Normal(0, 1).inline_kernel_forms, Normal(0, 1e308).inline_kernel_forms
        (False, True)
        """
        return any(
            v.is_number and abs(float(v)) >= _OVERFLOWING_PARAMETER for v in (self.loc, self.scale)
        )

    def _standard(self, z: sp.Expr) -> sp.Expr:
        return (z - self.loc) / self.scale

    def _moved(self, t: sp.Expr | None) -> sp.Expr | None:
        return None if t is None else _fold(self.loc + self.scale * t)

    # -- the standard law: what a subclass states ------------------------------------------
    def _standard_cdf(self, t: sp.Expr) -> sp.Expr | None:
        """F_0(t); None when there is no closed form."""
        return None

    def _standard_sf(self, t: sp.Expr) -> sp.Expr | None:
        """S_0(t) = 1 - F_0(t) unless the subclass writes it without the subtraction."""
        cdf = self._standard_cdf(t)
        return None if cdf is None else 1 - cdf

    def _standard_quantile(self, u: sp.Expr) -> sp.Expr | None:
        """F_0^-1(u); None when there is no closed form."""
        return None

    def _standard_kernel_cdf(self, t: sp.Expr) -> sp.Expr | None:
        """F_0(t) accurate in float64 (this default: ``_standard_cdf``)."""
        return self._standard_cdf(t)

    def _standard_kernel_sf(self, t: sp.Expr) -> sp.Expr | None:
        """S_0(t) accurate in float64 where it is small (this default: ``_standard_sf``)."""
        return self._standard_sf(t)

    def _standard_kernel_quantile(self, u: sp.Expr) -> sp.Expr | None:
        """F_0^-1(u) accurate for small u (this default: ``_standard_quantile``)."""
        return self._standard_quantile(u)

    def _standard_kernel_isf(self, q: sp.Expr) -> sp.Expr | None:
        """S_0^-1(q) accurate for small q; None: solved by bracketing."""
        return None

    def _standard_sample(self, n: int, rng: Any, **shape: float) -> Any:
        raise NotImplementedError

    # -- what follows ------------------------------------------------------------------
    def cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F(z) = F_0((z - loc)/scale)."""
        return self._standard_cdf(self._standard(z))

    def sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S(z) = S_0((z - loc)/scale)."""
        return self._standard_sf(self._standard(z))

    def quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F^-1(u) = loc + scale F_0^-1(u)."""
        return self._moved(self._standard_quantile(u))

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F(z) = F_0((z - loc)/scale) in the standard law's float64 form."""
        return self._standard_kernel_cdf(self._standard(z))

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S(z) = S_0((z - loc)/scale) in the standard law's float64 form."""
        return self._standard_kernel_sf(self._standard(z))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F^-1(u) = loc + scale F_0^-1(u) in the standard law's float64 form."""
        return self._moved(self._standard_kernel_quantile(u))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr | None:
        """S^-1(q) = loc + scale S_0^-1(q) in the standard law's float64 form."""
        return self._moved(self._standard_kernel_isf(q))

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = scale/20: narrower intervals are integrated by quadrature."""
        return self.scale / 20

    def _sample(self, n: int, rng: Any, **p: float) -> Any:
        loc, scale = (p.pop(name) for name in self.loc_scale)
        return loc + scale * self._standard_sample(n, rng, **p)

    def standard_scipy(self, values: Any = None) -> Any:
        """The frozen scipy.stats distribution of the standard law p_0 (loc 0, scale 1).

        Examples
        --------
        >>> from symflow.core.bases import Logistic
        >>> float(Logistic(1e308, 1e308).standard_scipy().cdf(0.0))
        0.5
        """
        from scipy import stats

        p = self.numbers(values)
        p.update({self.loc_scale[0]: 0.0, self.loc_scale[1]: 1.0})
        return self._scipy(stats, **p)

    def standard_sample(self, n: int, rng: Any, values: Any = None) -> Any:
        """n draws t_i of the standard law p_0, the same stream as :meth:`sample` draws
        loc + scale·t_i from (whose products overflow for a scale of 1e308 and |t| > 1.8).

        Examples
        --------
        >>> import numpy as np
        >>> from symflow.core.bases import Normal
        >>> t = Normal(0, 1e308).standard_sample(3, np.random.default_rng(0))
        >>> bool(np.all(1e308 * t == Normal(0, 1e308).sample(3, np.random.default_rng(0))))
        True
        """
        import numpy as np

        p = self.numbers(values)
        for name in self.loc_scale:
            p.pop(name)
        return np.asarray(self._standard_sample(int(n), rng, **p), dtype=np.float64)


class GammaLaw(Distribution):
    """p(z) = rate^k z^(k−1) e^(−rate z)/Γ(k) on (0, oo), with k and rate from ``_shape_rate``.

    F(z) = P(k, rate z) and S(z) = Q(k, rate z), the regularized incomplete gamma
    functions, and their inverses over rate follow here.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.bases import ChiSquared
    >>> ChiSquared(3).kernel_cdf(sp.Symbol("z", positive=True))
    RegularizedGammaP(3/2, z/2)
    >>> ChiSquared(3).kernel_isf(sp.Symbol("q", positive=True))
    2*InverseRegularizedGammaQ(3/2, q)
    """

    support_ends = (0, sp.oo)

    @property
    def _shape_rate(self) -> tuple[sp.Expr, sp.Expr]:
        """(k, rate) of the gamma law."""
        raise NotImplementedError

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = k log(rate) + (k - 1) log z - rate z - log Gamma(k)."""
        k, rate = self._shape_rate
        return k * sp.log(rate) + (k - 1) * sp.log(z) - rate * z - log_gamma(k)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = gamma(k, rate z)/Gamma(k), the regularized lower incomplete gamma."""
        k, rate = self._shape_rate
        return sp.lowergamma(k, rate * z) / sp.gamma(k)

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Gamma(k, rate z)/Gamma(k), the regularized upper incomplete gamma."""
        k, rate = self._shape_rate
        return sp.uppergamma(k, rate * z) / sp.gamma(k)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = P(k, rate z) as a kernel call."""
        k, rate = self._shape_rate
        return RegularizedGammaP(k, rate * z)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = Q(k, rate z), without the subtraction 1 - F(z)."""
        k, rate = self._shape_rate
        return RegularizedGammaQ(k, rate * z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = P^-1(k, u)/rate."""
        k, rate = self._shape_rate
        return InverseRegularizedGammaP(k, u) / rate

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = Q^-1(k, q)/rate, accurate for small q."""
        k, rate = self._shape_rate
        return InverseRegularizedGammaQ(k, q) / rate

    def kernel_log_quantile(self, u: sp.Symbol) -> sp.Expr:
        """log F^-1(u) = log P^-1(k, u) − log(rate), finite where P^-1(k, u) underflows."""
        k, rate = self._shape_rate
        return LogInverseRegularizedGammaP(k, u) - sp.log(rate)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min(lo, 1/rate)/20: narrower intervals are integrated by quadrature."""
        return sp.Min(lo, 1 / self._shape_rate[1]) / 20


class HazardLaw(Distribution):
    """S(z) = exp(−H(z)) on (0, oo) for an increasing cumulative hazard H with H(0) = 0.

    A subclass states H (``_hazard``) and its inverse (``_hazard_inverse``); F = 1 − e^(−H)
    (as −expm1(−H) in kernels), F^-1(u) = H^-1(−log(1 − u)) (with log1p) and
    S^-1(q) = H^-1(−log q) follow here.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.bases import Exponential
    >>> z, u = sp.symbols("z u", positive=True)
    >>> Exponential(3).sf(z)
    exp(-3*z)
    >>> Exponential(2).kernel_cdf(z), Exponential(2).kernel_quantile(u)
    (-expm1(-2*z), -log1p(-u)/2)
    """

    support_ends = (0, sp.oo)

    def _hazard(self, z: sp.Expr) -> sp.Expr:
        """H(z) = -log S(z)."""
        raise NotImplementedError

    def _hazard_inverse(self, h: sp.Expr) -> sp.Expr:
        """H^-1(h)."""
        raise NotImplementedError

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = 1 - exp(-H(z))."""
        return 1 - sp.exp(-self._hazard(z))

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = exp(-H(z))."""
        return sp.exp(-self._hazard(z))

    def quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = H^-1(-log(1 - u))."""
        return self._hazard_inverse(-sp.log(1 - u))

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = -expm1(-H(z)), accurate for small z."""
        return -expm1(-self._hazard(z))

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr:
        """F^-1(u) = H^-1(-log1p(-u)), accurate for small u."""
        return self._hazard_inverse(-log1p(-u))

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr:
        """S^-1(q) = H^-1(-log q), accurate for small q."""
        return self._hazard_inverse(-sp.log(q))

    def kernel_log_quantile(self, u: sp.Symbol) -> sp.Expr:
        """log F^-1(u) = log H^-1(-log1p(-u)) with the log taken through H^-1's products
        and powers (log λ + log(−log1p(−u))/k for a Weibull), finite where F^-1(u)
        underflows."""
        h = sp.Dummy("h", positive=True)
        log_inverse = sp.expand_log(sp.log(self._hazard_inverse(h)), force=True)
        return log_inverse.xreplace({h: -log1p(-u)})
