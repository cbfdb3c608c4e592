"""The univariate base distribution: what every base states and what it may refine.

A base is one class in one file of this package. It states its parameters, its
log-density as a SymPy expression, its support as an open SymPy Interval, and a NumPy
sampler; where it can, its CDF, survival function and quantile in closed form, the same
written for accurate float64 evaluation in compiled kernels (``kernel_cdf`` ...), and its
SciPy twin. Everything else in symflow asks the base through these methods.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.bases import Normal
>>> z = sp.Symbol("z", real=True)
>>> Normal(0, 1).log_density(z)
-z**2/2 - log(2*pi)/2
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import sympy as sp

from symflow.errors import ParameterError

__all__ = ["Distribution", "as_exact", "split_exp", "log_gamma"]


def as_exact(value: Any, what: str) -> sp.Expr:
    """Convert a user-supplied number or SymPy expression to an exact real SymPy value.

    Floats become the rational their decimal representation names (``0.1`` -> ``1/10``).
    Strings are refused: they must go through :mod:`symflow.core.parse`.

    Examples
    --------
    >>> as_exact(0.25, "sigma")
    1/4
    """
    if isinstance(value, bool) or isinstance(value, str | bytes):
        raise ParameterError(
            f"{what} must be a number or a SymPy expression; got {value!r} "
            f"({type(value).__name__}). Parse strings with symflow.core.parse first."
        )
    if isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, numbers.Integral):
        expr = sp.Integer(int(value))
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            raise ParameterError(f"{what} must be finite; got {value!r}.")
        expr = sp.Rational(repr(as_float))
    else:
        raise ParameterError(
            f"{what} must be a real number or a SymPy expression; got {value!r} "
            f"({type(value).__name__})."
        )
    if not isinstance(expr, sp.Expr):
        raise ParameterError(f"{what} must be a scalar expression; got {expr!r}.")
    if expr.is_real is False or expr.has(sp.I):
        raise ParameterError(f"{what} must be real; got {expr}.")
    if expr.is_finite is False or expr.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise ParameterError(f"{what} must be finite; got {expr}.")
    return expr


def split_exp(log_expr: sp.Expr) -> sp.Expr:
    """exp(a + b + ...) as exp(a)·exp(b)·…, so that exp(-log(x)) prints as 1/x."""
    return sp.Mul(*[sp.exp(term) for term in sp.Add.make_args(sp.expand(log_expr))])


class Distribution:
    """A univariate base distribution p_Z(z; theta) with exact (SymPy) parameters theta.

    Subclasses declare ``param_names``, ``positive_params`` and ``support_ends`` and
    implement ``log_density``, and where they can ``cdf``, ``sf``, ``quantile``, the
    ``kernel_*`` forms, ``_sample`` and ``_scipy``. Parameters are stored exactly:
    floats become the rationals their decimal representation names.

    Examples
    --------
    >>> import symflow as sf
    >>> d = sf.Normal(0.5, 2)
    >>> d.params
    {'mu': 1/2, 'sigma': 2}
    >>> d.support
    Reals
    >>> isinstance(d, sf.Distribution)
    True
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    positive_params: ClassVar[tuple[str, ...]] = ()
    dimension: ClassVar[int] = 1
    #: the ends of the open support: each a number, ±oo, or the name of a parameter
    support_ends: ClassVar[tuple[Any, Any]] = (-sp.oo, sp.oo)

    def __init__(self, *args: Any) -> None:
        name = type(self).__name__
        if len(args) != len(self.param_names):
            raise ParameterError(
                f"{name} takes {len(self.param_names)} parameters "
                f"({', '.join(self.param_names)}); got {len(args)}."
            )
        values = {}
        for pname, value in zip(self.param_names, args, strict=True):
            exact = as_exact(value, f"{name} parameter {pname}")
            if pname in self.positive_params and exact.is_positive is False:
                raise ParameterError(
                    f"{name}: {pname} must be positive; got {pname} = {exact}. "
                    f"Pass a positive number or a symbol declared positive=True."
                )
            values[pname] = exact
        self._params = values
        self._validate()

    def _validate(self) -> None:
        """Check relations between parameters (overridden where there are some)."""

    # -- identity -------------------------------------------------------------------
    @property
    def params(self) -> dict[str, sp.Expr]:
        """Parameter name -> exact value (a copy)."""
        return dict(self._params)

    @property
    def name(self) -> str:
        """The family's name, e.g. ``"Normal"`` (used in messages and printed derivations).

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Gamma(2, 3).name
        'Gamma'
        """
        return type(self).__name__

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """Parameter symbols that have no value yet."""
        out: set[sp.Symbol] = set()
        for value in self._params.values():
            out |= value.free_symbols
        return out

    def __getattr__(self, item: str) -> sp.Expr:
        params = self.__dict__.get("_params", {})
        if item in params:
            return params[item]
        raise AttributeError(item)

    def __repr__(self) -> str:
        return f"{self.name}({', '.join(str(v) for v in self._params.values())})"

    def _identity(self) -> tuple:
        """What equal distributions of one class share (the parameters, for a plain base)."""
        return tuple(self._params.items())

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._identity() == self._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._identity()))

    def subs(self, values: Mapping[sp.Symbol, Any]) -> Distribution:
        """theta -> theta.subs(values): the same family with parameter symbols replaced by values.

        Parameters
        ----------
        values
            Map from parameter symbols to numbers or expressions.

        Returns
        -------
        Distribution
            A new distribution of the same class.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> s = sp.Symbol("s", positive=True)
        >>> sf.Normal(0, s).subs({s: 3})
        Normal(0, 3)
        """
        new = [sp.sympify(v).subs(values) for v in self._params.values()]
        return type(self)(*new)

    # -- mathematics ----------------------------------------------------------------
    @property
    def support(self) -> sp.Interval:
        """The open interval on which the density is positive, from ``support_ends``.

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Gamma(2, 1).support, sf.Beta(2, 3).support, sf.Uniform(-1, 3).support
        (Interval.open(0, oo), Interval.open(0, 1), Interval.open(-1, 3))
        """
        lo, hi = (self._params[e] if isinstance(e, str) else e for e in self.support_ends)
        return sp.S.Reals if (lo, hi) == (-sp.oo, sp.oo) else sp.Interval.open(lo, hi)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p_Z(z), valid on the support (every base implements this).

        Parameters
        ----------
        z
            The SymPy symbol of the base variable.

        Returns
        -------
        sympy.Expr

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(0, 1).log_density(z)
        -z - 2*log(1 + exp(-z))
        """
        raise NotImplementedError

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p_Z(z) = exp(log p_Z(z)) on the support, as a product of simple factors.

        Bases that know a neater closed form override this.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", positive=True)
        >>> sf.Gamma(3, 1).density(z)
        z**2*exp(-z)/2
        """
        return split_exp(self.log_density(z))

    def cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F_Z(z) = P(Z <= z) on the support in closed form, or None when there is none.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> print(sf.StudentT(3).cdf(z))
        None
        >>> sf.Normal(0, 1).cdf(z)
        1 - erfc(sqrt(2)*z/2)/2
        """
        return None

    def sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S_Z(z) = 1 - F_Z(z) on the support; None when F_Z has no closed form.

        Bases write S_Z without the subtraction where a direct form is known; this default
        is ``1 - cdf(z)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Cauchy(0, 1).sf(z)
        -atan(z)/pi + 1/2
        """
        cdf = self.cdf(z)
        return None if cdf is None else 1 - cdf

    def quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F_Z^-1(u) for 0 < u < 1 in closed form, or None when there is none.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> print(sf.Gamma(3, 1).quantile(u))
        None
        >>> sf.Exponential(1).quantile(u)
        -log(1 - u)
        """
        return None

    # -- what compiled code evaluates ------------------------------------------------
    #: whether the kernel forms below are written into the flow's expressions (where
    #: composing with the flow's maps can cancel symbolically) instead of being called
    inline_kernel_forms: ClassVar[bool] = False

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F_Z(z) inside the support in a form that is accurate in float64.

        Every function in it is one the kernel printer translates; None: no closed form.
        This default is ``cdf(z)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(0, 1).kernel_cdf(z)
        1/(1 + exp(-z))
        """
        return self.cdf(z)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S_Z(z) = 1 - F_Z(z) inside the support, accurate in float64 where S_Z is small.

        This default is ``sf(z)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Logistic(0, 1).kernel_sf(z)
        1/(exp(z) + 1)
        """
        return self.sf(z)

    def kernel_sf_below_sup(self, d: sp.Symbol) -> sp.Expr | None:
        """S_Z(b − d) for a finite upper end b of the support, written on the distance d
        (accurate where b − d would round onto b); None (this default): no such form.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> sf.Normal(0, 1).kernel_sf_below_sup(sp.Symbol("d", positive=True)) is None
        True
        """
        return None

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F_Z^-1(u) for 0 < u < 1, accurate in float64 for small u.

        None: the kernels solve F_Z(z) = u by bracketing. This default is ``quantile(u)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> sf.Uniform(0, 2).kernel_quantile(u)
        2*u
        """
        return self.quantile(u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr | None:
        """S_Z^-1(q) for 0 < q < 1, accurate in float64 for small q.

        None (this default): the kernels solve S_Z(z) = q by bracketing.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> print(sf.Distribution.kernel_isf(sf.Normal(0, 1), q))
        None
        >>> sf.Normal(0, 1).kernel_isf(q)
        sqrt(2)*erfcinv(2*q)
        """
        return None

    def kernel_log_quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """log(F_Z⁻¹(u) − a) at the finite lower end a of the support, accurate in float64
        for small u, also where the distance F_Z⁻¹(u) − a itself underflows (Gamma(1/2, 1)
        at u = 1e-300: the distance is about 7.9e-601, its log −1381.8).

        The quantile kernels read it where the distance is too small for a float64, so that
        a later log, power or root brings the value back (log z, √z). None (this default):
        no such form, or an infinite lower end.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> u = sp.Symbol("u", positive=True)
        >>> print(sf.Normal(0, 1).kernel_log_quantile(u))
        None
        >>> sf.Gamma(sp.Rational(1, 2), 2).kernel_log_quantile(u)
        LogInverseRegularizedGammaP(1/2, u) - log(2)
        """
        return None

    def kernel_log_isf(self, q: sp.Symbol) -> sp.Expr | None:
        """log(b − S_Z⁻¹(q)) at the finite upper end b of the support, accurate in float64
        for small q, also where the distance b − S_Z⁻¹(q) underflows; None (this default):
        no such form, or an infinite upper end.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> q = sp.Symbol("q", positive=True)
        >>> sf.Beta(3, sp.Rational(1, 2)).kernel_log_isf(q)
        LogInverseRegularizedBeta(1/2, 3, q)
        """
        return None

    def cdf_cancels_at(self, end: sp.Expr) -> bool:
        """Whether the kernel CDF forms lose the distance to this end of the support: at a
        cut point a, F(z) = (F_parent(z) − F_parent(a))/m cancels and F⁻¹(F(a) + u·m)
        rounds onto a, so the CDF kernels take P(a < Z < a + d) by quadrature and the
        quantile kernels recover d by Newton steps on it. False (this default): the
        forms are written on the distance, or the end is infinite.

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Normal(0, 1).cdf_cancels_at(-sp.oo)
        False
        """
        return False

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* such that P(lo < Z < lo + w) is integrated from p_Z by quadrature for w < w*.

        Below w* the difference F_Z(lo + w) - F_Z(lo) would cancel. 0 (this default): never.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> lo, w = sp.symbols("lo w")
        >>> sf.Distribution.width_threshold(sf.Normal(0, 1), lo, w)
        0
        """
        return sp.S.Zero

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """Points inside the support where p_Z is not smooth (quadrature splits there)."""
        return ()

    # -- the parameter domain ---------------------------------------------------------------
    def conditions(self) -> tuple[tuple[str, sp.Expr], ...]:
        """The conditions e(θ) > 0 under which p_Z(z; θ) is a distribution, each with its
        name: here the positive parameters that depend on parameter symbols.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> s = sp.Symbol("s", real=True)
        >>> sf.Normal(0, s - 1).conditions()
        (('sigma', s - 1),)
        """
        return tuple(
            (name, self._params[name])
            for name in self.positive_params
            if self._params[name].free_symbols
        )

    def check_values(self, values: Mapping[str, float]) -> None:
        """Raise ParameterError unless every condition e(θ) > 0 of :meth:`conditions` holds
        at the parameter values ``values`` (symbol name -> number); a NaN value passes
        (kernels give NaN for it), and so does a condition whose symbols have no value.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> s = sp.Symbol("s", real=True)
        >>> sf.Normal(0, s - 1).check_values({"s": 0.5})  # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        symflow.errors.ParameterError: Normal(0, s - 1) is no distribution at s = 0.5: its
        sigma = s - 1 must be positive, and is -0.5 there.
        """
        for name, expr in self.conditions():
            symbols = sorted(expr.free_symbols, key=str)
            if not all(sym.name in values for sym in symbols):
                continue
            subs = {sym: values[sym.name] for sym in symbols}
            value = float(expr.xreplace(subs))
            if not value > 0 and value == value:
                given = ", ".join(f"{sym} = {float(v)!r}" for sym, v in subs.items())
                raise ParameterError(
                    f"{self!r} is no distribution at {given}: its {name} = {expr} must be "
                    f"positive, and is {value!r} there."
                )

    # -- fitting ------------------------------------------------------------------------
    def score(self, z: sp.Symbol) -> dict[sp.Symbol, sp.Expr]:
        """∂ log p_Z(z) / ∂θ for each free parameter symbol θ (what fitting differentiates).

        Examples
        --------
        >>> import sympy as sp
        >>> from symflow.core.bases import Gamma
        >>> a = sp.Symbol("a", positive=True)
        >>> Gamma(a, 1).score(sp.Symbol("z", positive=True))
        {a: log(z) - polygamma(0, a)}
        """
        log_p = self.log_density(z)
        return {s: sp.diff(log_p, s) for s in sorted(self.free_symbols, key=str)}

    # -- the SciPy twin -------------------------------------------------------------------
    def numbers(self, values: Mapping[str, float] | None = None) -> dict[str, float]:
        """theta -> float(theta): parameter name -> float, with symbols taken from ``values``.

        Parameters
        ----------
        values
            Map from parameter symbol names to numbers; needed when parameters are symbolic.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> sf.Normal(1, 2).numbers()
        {'mu': 1.0, 'sigma': 2.0}
        >>> sf.Normal(sp.Symbol("m"), 2).numbers({"m": 0.5})
        {'mu': 0.5, 'sigma': 2.0}
        """
        out = {}
        for pname, value in self._params.items():
            if value.free_symbols:
                values = values or {}
                missing = sorted(s.name for s in value.free_symbols if s.name not in values)
                if missing:
                    raise ParameterError(f"{self!r}: give a value for {', '.join(missing)}.")
                value = value.subs({s: values[s.name] for s in value.free_symbols})
            number = float(value)
            if math.isinf(number) and not value.has(sp.oo, -sp.oo, sp.zoo):
                raise ParameterError(
                    f"{self!r}: {pname} = {value} is finite but beyond the range of float64 "
                    f"(about 1.8e308), so it cannot be sampled or evaluated in floats. The "
                    f"symbolic density is exact; for numbers, rescale the variable (a base "
                    f"with {pname} within float64 and an affine layer)."
                )
            out[pname] = number
        return out

    def scipy(self, values: Mapping[str, float] | None = None) -> Any:
        """The frozen scipy.stats distribution equal to p_Z (SciPy is imported here).

        Parameters
        ----------
        values
            Map from parameter symbol names to numbers when parameters are symbolic.

        Examples
        --------
        >>> import symflow as sf
        >>> d = sf.Normal(1, 2).scipy()
        >>> round(float(d.cdf(1.0)), 6)
        0.5
        >>> round(float(d.std()), 6)
        2.0
        """
        from scipy import stats

        return self._scipy(stats, **self.numbers(values))

    def _scipy(self, stats: Any, **p: float) -> Any:
        raise ParameterError(f"No scipy.stats equivalent is known for {self!r}.")

    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None) -> Any:
        """n independent draws z_i ~ p_Z as a float64 NumPy array.

        Parameters
        ----------
        n
            Number of draws.
        rng
            A ``numpy.random.Generator``.
        values
            Map from parameter symbol names to numbers when parameters are symbolic.

        Examples
        --------
        >>> import symflow as sf
        >>> import numpy as np
        >>> x = sf.Uniform(0, 1).sample(1000, np.random.default_rng(0))
        >>> x.shape, x.dtype
        ((1000,), dtype('float64'))
        >>> bool(((0 < x) & (x < 1)).all())
        True
        """
        import numpy as np

        numeric = self.numbers(values)
        return np.asarray(self._sample(int(n), rng, **numeric), dtype=np.float64)

    def _sample(self, n: int, rng: Any, **p: float) -> Any:
        raise NotImplementedError


def log_gamma(k: sp.Expr) -> sp.Expr:
    """log Γ(k), exact for numbers (log(gamma(3/2)) = log(sqrt(pi)/2)).

    Examples
    --------
    >>> log_gamma(sp.Rational(3, 2))
    log(sqrt(pi)/2)
    """
    return sp.log(sp.gamma(k)) if k.is_number else sp.loggamma(k)
