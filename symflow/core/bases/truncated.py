"""A base distribution truncated to an interval: Z | a < Z < b."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from symflow.core.bases.distribution import Distribution, as_exact
from symflow.errors import ParameterError

__all__ = ["Truncated"]


def _bound(value: Any, what: str) -> sp.Expr:
    """An end of the truncation interval: a number, a SymPy expression, or ±oo."""
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return sp.oo if value > 0 else -sp.oo
    if value in (sp.oo, -sp.oo):
        return sp.sympify(value)
    return as_exact(value, what)


class Truncated(Distribution):
    """Truncated(base, a, b): p(z) = p_base(z) / (F(b) − F(a)) on (a, b) ∩ support(base),
    the law of Z ~ base conditioned on a < Z < b (a or b may be ±oo).

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> from symflow.core.bases import Exponential, Laplace, Normal
    >>> z, u = sp.symbols("z u", positive=True)
    >>> T = Truncated(Exponential(1), 0, 2)
    >>> T.support, T.mass(), T.log_density(z)
    (Interval.open(0, 2), 1 - exp(-2), -z - log(1 - exp(-2)))
    >>> T.cdf(z), T.cdf(z).subs(z, 2)
    ((1 - exp(-z))/(1 - exp(-2)), 1)
    >>> T.kernel_sf(z)
    -(expm1(-z) - expm1(-2))/expm1(-2)

    Cut from below only, the mass is S(a) and the forms use the base's survival function:

    >>> T = Truncated(Exponential(1), 1, sp.oo)
    >>> T.mass(), T.density(z), T.sf(z), T.kernel_cdf(z)
    (exp(-1), E*exp(-z), E*exp(-z), E*(exp(-1) - exp(-z)))
    >>> T.quantile(u), T.kernel_quantile(u), T.kernel_isf(u)
    (-log(-u*exp(-1) + exp(-1)), -log(-u*exp(-1) + exp(-1)), -log(u*exp(-1)))
    >>> c = sp.Symbol("c", positive=True)
    >>> Truncated(Exponential(1), -5, c).subs({c: 3}).support
    Interval.open(0, 3)
    >>> Truncated(Normal(0, 2), -1, 1).width_threshold(*sp.symbols("lo w"))
    1/10
    >>> Truncated(Laplace(0, 1), -1, 2).kinks
    (0,)
    >>> x = Truncated(Normal(0, 1), 1, 2).sample(500, np.random.default_rng(1))
    >>> x.shape, bool(((1 <= x) & (x <= 2)).all())
    ((500,), True)
    >>> d = Truncated(Normal(0, 1), 0, sp.oo).scipy()
    >>> round(float(d.pdf(0.0)), 6), round(float(d.median()), 6)
    (0.797885, 0.67449)
    """

    def __init__(self, base: Distribution, a: Any, b: Any) -> None:
        if not isinstance(base, Distribution):
            raise ParameterError(
                f"Truncated(base, a, b) needs a univariate base distribution such as "
                f"Normal(0, 1); got {base!r}."
            )
        self.base = base
        a = _bound(a, "Truncated lower end a")
        b = _bound(b, "Truncated upper end b")
        if (b - a).is_extended_positive is False or a == b:
            raise ParameterError(f"Truncated(base, a, b) needs a < b; got a = {a}, b = {b}.")
        inner = base.support
        lo, hi = sp.Max(a, inner.inf), sp.Min(b, inner.sup)
        if (hi - lo).is_extended_positive is False or lo == hi:
            raise ParameterError(
                f"Truncated({base!r}, {a}, {b}): the interval ({a}, {b}) does not meet the "
                f"support {inner} of {base!r}, so it has probability 0. Choose a and b "
                f"inside the support."
            )
        self._params = {"a": a, "b": b, **{f"base_{k}": v for k, v in base.params.items()}}
        self._lo, self._hi = lo, hi
        if base.cdf(sp.Symbol("z", real=True)) is None:
            raise ParameterError(
                f"Truncated({base!r}, {a}, {b}) needs the CDF of {base!r} in closed form."
            )

    # -- identity -------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"Truncated({self.base!r}, {self._params['a']}, {self._params['b']})"

    def _identity(self) -> tuple:
        return (self.base, self._lo, self._hi)

    def subs(self, values: Mapping[sp.Symbol, Any]) -> Truncated:
        """Truncated(base, a, b) with parameter symbols replaced by values in base, a and b.

        Examples
        --------
        >>> import symflow as sf
        >>> c = sp.Symbol("c", positive=True)
        >>> Truncated(sf.Exponential(1), 0, c).subs({c: 3})
        Truncated(Exponential(1), 0, 3)
        """
        a, b = (sp.sympify(self._params[k]).subs(values) for k in ("a", "b"))
        return Truncated(self.base.subs(values), a, b)

    # -- mathematics ----------------------------------------------------------------
    @property
    def support(self) -> sp.Interval:
        """The open interval (max(a, inf base), min(b, sup base))."""
        return sp.Interval.open(self._lo, self._hi)

    def _ends(self, f, s) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
        """F(lo), F(hi), S(lo), S(hi) of the base from its (kernel) CDF and SF."""
        inner = self.base.support
        z = sp.Symbol("z", real=True)
        F, S = f(z), s(z)

        def at(expr, value, edge_value):
            return edge_value if value in (inner.inf, inner.sup) else expr.subs(z, value)

        return (
            at(F, self._lo, sp.S.Zero),
            at(F, self._hi, sp.S.One),
            at(S, self._lo, sp.S.One),
            at(S, self._hi, sp.S.Zero),
        )

    def _upper(self) -> bool:
        """Whether to work with the base's S rather than F: when only the lower end cuts
        (the mass is S(a), no subtraction), or when the interval lies in the upper half."""
        inner = self.base.support
        if self._lo == inner.inf:
            return False
        if self._hi == inner.sup:
            return True
        f_lo = self._ends(self.base.cdf, self.base.sf)[0]
        return bool(f_lo.is_number and f_lo > sp.Rational(1, 2))

    def mass(self) -> sp.Expr:
        """m = P(a < Z < b) = F(b) - F(a) under the base, written S(a) - S(b) in the upper tail.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 0, 2).mass()
        1 - exp(-2)
        >>> Truncated(sf.Exponential(1), 1, sp.oo).mass()
        exp(-1)
        """
        f_lo, f_hi, s_lo, s_hi = self._ends(self.base.cdf, self.base.sf)
        return s_lo - s_hi if self._upper() else f_hi - f_lo

    def _normaliser(self) -> sp.Expr:
        """The mass as the density divides by it: exact when it is a number (folded to a
        correctly rounded float in kernels); with parameter symbols, in the base's kernel
        forms, which SymPy does not rewrite into a cancelling difference (it turns
        erfc(−t) into 2 − erfc(t))."""
        exact = self.mass()
        return exact if exact.is_number else self._kernel()[-1]

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = log p_base(z) - log m, m = P(a < Z < b) under the base.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 0, 2).log_density(sp.Symbol("z", positive=True))
        -z - log(1 - exp(-2))
        """
        return self.base.log_density(z) - sp.log(self._normaliser())

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = p_base(z)/m on (a, b), m = P(a < Z < b) under the base.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).density(sp.Symbol("z", positive=True))
        E*exp(-z)
        """
        return self.base.density(z) / self._normaliser()

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = (F_base(z) - F_base(a))/m on (a, b).

        Examples
        --------
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> F = Truncated(sf.Exponential(1), 0, 2).cdf(z)
        >>> F
        (1 - exp(-z))/(1 - exp(-2))
        >>> F.subs(z, 2)
        1
        """
        f_lo = self._ends(self.base.cdf, self.base.sf)[0]
        return (self.base.cdf(z) - f_lo) / self.mass()

    def sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = (S_base(z) - S_base(b))/m on (a, b).

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).sf(sp.Symbol("z", positive=True))
        E*exp(-z)
        """
        s_hi = self._ends(self.base.cdf, self.base.sf)[3]
        return (self.base.sf(z) - s_hi) / self.mass()

    def quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F^-1(u) = F_base^-1(F_base(a) + u m); None when the base has no closed-form quantile.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).quantile(sp.Symbol("u", positive=True))
        -log(-u*exp(-1) + exp(-1))
        """
        f_lo = self._ends(self.base.cdf, self.base.sf)[0]
        inner = self.base.quantile(u)
        return None if inner is None else inner.subs(u, f_lo + u * self.mass())

    def _kernel(self):
        base = self.base
        f_lo, f_hi, s_lo, s_hi = self._ends(base.kernel_cdf, base.kernel_sf)
        upper = self._upper()
        return base, f_lo, f_hi, s_lo, s_hi, upper, (s_lo - s_hi if upper else f_hi - f_lo)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr:
        """F(z) = (F_base(z) - F_base(a))/m, or (S_base(a) - S_base(z))/m when the interval lies in
        the base's upper half, in the base's float64-accurate forms.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).kernel_cdf(sp.Symbol("z", positive=True))
        E*(exp(-1) - exp(-z))
        """
        base, f_lo, _, s_lo, _, upper, m = self._kernel()
        return (s_lo - base.kernel_sf(z)) / m if upper else (base.kernel_cdf(z) - f_lo) / m

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr:
        """S(z) = (S_base(z) - S_base(b))/m, or (F_base(b) - F_base(z))/m when the interval lies in
        the base's lower half, in the base's float64-accurate forms.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 0, 2).kernel_sf(sp.Symbol("z", positive=True))
        -(expm1(-z) - expm1(-2))/expm1(-2)
        """
        base, _, f_hi, _, s_hi, upper, m = self._kernel()
        return (base.kernel_sf(z) - s_hi) / m if upper else (f_hi - base.kernel_cdf(z)) / m

    def _inverse(self, level: sp.Expr, from_top: bool) -> sp.Expr | None:
        t = sp.Symbol("t", real=True)
        inner = self.base.kernel_isf(t) if from_top else self.base.kernel_quantile(t)
        return None if inner is None else inner.subs(t, level)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F^-1(u) = F_base^-1(F_base(a) + u m), or S_base^-1(S_base(a) - u m) in the upper half;
        None when the base has no such inverse.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).kernel_quantile(sp.Symbol("u", positive=True))
        -log(-u*exp(-1) + exp(-1))
        """
        _, f_lo, _, s_lo, _, upper, m = self._kernel()
        return self._inverse(s_lo - u * m, True) if upper else self._inverse(f_lo + u * m, False)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr | None:
        """S^-1(q) = S_base^-1(S_base(b) + q m), or F_base^-1(F_base(b) - q m) in the lower half;
        None when the base has no such inverse.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Exponential(1), 1, sp.oo).kernel_isf(sp.Symbol("q", positive=True))
        -log(q*exp(-1))
        """
        _, _, f_hi, _, s_hi, upper, m = self._kernel()
        return self._inverse(s_hi + q * m, True) if upper else self._inverse(f_hi - q * m, False)

    def cdf_cancels_at(self, end: sp.Expr) -> bool:
        """True at a finite cut point inside the base's support (F_base(a) + u·m rounds
        onto F_base(a)), and where the base's own quantile loses the distance.

        Examples
        --------
        >>> import symflow as sf
        >>> T = Truncated(sf.Exponential(1), 0, 2)
        >>> T.cdf_cancels_at(0), T.cdf_cancels_at(2)
        (False, True)
        """
        inner = self.base.support
        if end in (sp.oo, -sp.oo):
            return False
        return end not in (inner.inf, inner.sup) or self.base.cdf_cancels_at(end)

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* of the base: truncation does not change where F cancels.

        Examples
        --------
        >>> import symflow as sf
        >>> Truncated(sf.Normal(0, 2), -1, 1).width_threshold(*sp.symbols("lo w", positive=True))
        1/10
        """
        return self.base.width_threshold(lo, w)

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """The base's kinks (truncation adds none inside (a, b))."""
        return self.base.kinks

    # -- numbers ----------------------------------------------------------------------
    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None) -> Any:
        """n draws z_i = F^-1(u_i), u_i ~ Uniform(0, 1), by the base's SciPy twin on (a, b).

        Examples
        --------
        >>> import symflow as sf
        >>> import numpy as np
        >>> x = Truncated(sf.Normal(0, 1), 1, 2).sample(500, np.random.default_rng(1))
        >>> x.shape
        (500,)
        >>> bool(((1 <= x) & (x <= 2)).all())
        True
        """
        import numpy as np

        twin = self.scipy(values)
        return np.asarray(twin.ppf(rng.uniform(size=int(n))), dtype=np.float64)

    def scipy(self, values: Mapping[str, float] | None = None) -> Any:
        """The frozen scipy.stats twin of p(z) = p_base(z)/m on (a, b) (SciPy is imported here).

        Examples
        --------
        >>> import symflow as sf
        >>> d = Truncated(sf.Normal(0, 1), 0, sp.oo).scipy()
        >>> round(float(d.pdf(0.0)), 6)
        0.797885
        >>> round(float(d.median()), 6)
        0.67449
        """
        import numpy as np
        from scipy import stats

        inner = self.base.scipy(values)
        lo, hi = (float(sp.sympify(v).subs(_named(v, values))) for v in (self._lo, self._hi))
        f_lo, f_hi = float(inner.cdf(lo)), float(inner.cdf(hi))
        s_lo, s_hi = float(inner.sf(lo)), float(inner.sf(hi))
        upper = f_lo > 0.5
        mass = s_lo - s_hi if upper else f_hi - f_lo

        class _Truncated(stats.rv_continuous):
            def _pdf(self, x):
                return inner.pdf(x) / mass

            def _logpdf(self, x):
                return inner.logpdf(x) - np.log(mass)

            def _cdf(self, x):
                return (s_lo - inner.sf(x)) / mass if upper else (inner.cdf(x) - f_lo) / mass

            def _sf(self, x):
                return (inner.sf(x) - s_hi) / mass if upper else (f_hi - inner.cdf(x)) / mass

            def _ppf(self, u):
                x = inner.isf(s_lo - u * mass) if upper else inner.ppf(f_lo + u * mass)
                return np.clip(x, lo, hi)

        return _Truncated(a=lo, b=hi, name="truncated")()


def _named(value: sp.Expr, values: Mapping[str, float] | None) -> dict:
    """The substitution of ``value``'s symbols by the numbers named in ``values``."""
    free = sp.sympify(value).free_symbols
    missing = sorted(s.name for s in free if s.name not in (values or {}))
    if missing:
        raise ParameterError(f"Truncated: give a value for {', '.join(missing)}.")
    return {s: (values or {})[s.name] for s in free}
