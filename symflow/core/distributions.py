"""Base distributions: exact symbolic log-densities, supports, CDFs and NumPy samplers.

Every base states its log-density as a SymPy expression, its support as a SymPy
:class:`~sympy.sets.sets.Interval` (the open interior: boundary points have probability
zero), its cumulative distribution function where it has a closed form, and a NumPy
sampler. Parameters are numbers (kept exact: ``0.5`` becomes ``1/2``) or SymPy symbols.

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> Normal(0, 1).log_density(z)
-z**2/2 - log(2*pi)/2
>>> Exponential(2).support
Interval.open(0, oo)
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, ClassVar

import sympy as sp

from symflow.errors import ParameterError

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Exponential",
    "Gamma",
    "Beta",
    "Laplace",
    "Logistic",
    "Cauchy",
    "StudentT",
    "DISTRIBUTIONS",
    "as_exact",
]


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


def _split_exp(log_expr: sp.Expr) -> sp.Expr:
    """exp(a + b + ...) as exp(a)·exp(b)·…, so that exp(-log(x)) prints as 1/x."""
    return sp.Mul(*[sp.exp(term) for term in sp.Add.make_args(sp.expand(log_expr))])


class Distribution:
    """A univariate base distribution p_Z with exact parameters.

    Subclasses declare ``param_names`` and ``positive_params`` and implement
    :meth:`log_density`, optionally :meth:`cdf`, :meth:`_sample` and ``support``.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    positive_params: ClassVar[tuple[str, ...]] = ()
    dimension: ClassVar[int] = 1

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

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._params == self._params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self._params.items())))

    def subs(self, values: Mapping[sp.Symbol, Any]) -> Distribution:
        """The same family with parameter symbols replaced by values."""
        new = [sp.sympify(v).subs(values) for v in self._params.values()]
        return type(self)(*new)

    # -- mathematics ----------------------------------------------------------------
    @property
    def support(self) -> sp.Interval:
        """The open interval on which the density is positive."""
        return sp.S.Reals

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p_Z(z), valid on the support."""
        raise NotImplementedError

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p_Z(z) on the support, as a product of simple factors."""
        return _split_exp(self.log_density(z))

    def cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F_Z(z) on the support in closed form, or None when there is none."""
        return None

    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None) -> Any:
        """n independent draws as a float64 NumPy array (``rng`` a numpy Generator).

        ``values`` maps parameter symbol names to numbers when parameters are symbolic.
        """
        import numpy as np

        numeric = {}
        for pname, value in self._params.items():
            if value.free_symbols:
                values = values or {}
                missing = [s.name for s in value.free_symbols if s.name not in values]
                if missing:
                    raise ParameterError(
                        f"{self!r}: give a value for {', '.join(sorted(missing))} to sample."
                    )
                value = value.subs({s: values[s.name] for s in value.free_symbols})
            numeric[pname] = float(value)
        return np.asarray(self._sample(int(n), rng, **numeric), dtype=np.float64)

    def _sample(self, n: int, rng: Any, **p: float) -> Any:
        raise NotImplementedError


class Normal(Distribution):
    """Normal(mu, sigma): p(z) = exp(-(z - mu)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> Normal(3, 2).density(z)
    sqrt(2)*exp(-(z - 3)**2/8)/(4*sqrt(pi))
    """

    param_names = ("mu", "sigma")
    positive_params = ("sigma",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        mu, sigma = self.mu, self.sigma
        return -((z - mu) ** 2) / (2 * sigma**2) - sp.log(sigma) - sp.log(2 * sp.pi) / 2

    def density(self, z: sp.Symbol) -> sp.Expr:
        mu, sigma = self.mu, self.sigma
        return sp.exp(-((z - mu) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.erfc(-(z - self.mu) / (self.sigma * sp.sqrt(2))) / 2

    def _sample(self, n, rng, mu, sigma):
        return rng.normal(mu, sigma, n)


class Uniform(Distribution):
    """Uniform(a, b): p(z) = 1 / (b - a) on (a, b).

    Examples
    --------
    >>> Uniform(0, 2).support
    Interval.open(0, 2)
    """

    param_names = ("a", "b")

    def _validate(self) -> None:
        if (self.b - self.a).is_positive is False:
            raise ParameterError(f"Uniform(a, b) needs a < b; got a = {self.a}, b = {self.b}.")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(self.a, self.b)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        return -sp.log(self.b - self.a)

    def density(self, z: sp.Symbol) -> sp.Expr:
        return 1 / (self.b - self.a)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return (z - self.a) / (self.b - self.a)

    def _sample(self, n, rng, a, b):
        return rng.uniform(a, b, n)


class Exponential(Distribution):
    """Exponential(rate): p(z) = rate exp(-rate z) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> Exponential(2).density(sp.Symbol("z", positive=True))
    2*exp(-2*z)
    """

    param_names = ("rate",)
    positive_params = ("rate",)

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        return sp.log(self.rate) - self.rate * z

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return 1 - sp.exp(-self.rate * z)

    def _sample(self, n, rng, rate):
        return rng.exponential(1.0 / rate, n)


def _log_gamma(k: sp.Expr) -> sp.Expr:
    """log Γ(k), exact for numbers (log(gamma(3/2)) = log(sqrt(pi)/2))."""
    return sp.log(sp.gamma(k)) if k.is_number else sp.loggamma(k)


class Gamma(Distribution):
    """Gamma(shape, rate): p(z) = rate^shape z^(shape-1) exp(-rate z) / Γ(shape) on (0, oo).

    Examples
    --------
    >>> import sympy as sp
    >>> Gamma(2, 1).density(sp.Symbol("z", positive=True))
    z*exp(-z)
    """

    param_names = ("shape", "rate")
    positive_params = ("shape", "rate")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, sp.oo)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        k, rate = self.shape, self.rate
        return k * sp.log(rate) + (k - 1) * sp.log(z) - rate * z - _log_gamma(k)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.lowergamma(self.shape, self.rate * z) / sp.gamma(self.shape)

    def _sample(self, n, rng, shape, rate):
        return rng.gamma(shape, 1.0 / rate, n)


class Beta(Distribution):
    """Beta(a, b): p(z) = z^(a-1) (1-z)^(b-1) / B(a, b) on (0, 1).

    Examples
    --------
    >>> import sympy as sp
    >>> Beta(2, 1).density(sp.Symbol("z", positive=True))
    2*z
    """

    param_names = ("a", "b")
    positive_params = ("a", "b")

    @property
    def support(self) -> sp.Interval:
        return sp.Interval.open(0, 1)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        a, b = self.a, self.b
        log_beta = _log_gamma(a) + _log_gamma(b) - _log_gamma(a + b)
        return (a - 1) * sp.log(z) + (b - 1) * sp.log(1 - z) - log_beta

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return sp.betainc_regularized(self.a, self.b, 0, z)

    def _sample(self, n, rng, a, b):
        return rng.beta(a, b, n)


class Laplace(Distribution):
    """Laplace(mu, b): p(z) = exp(-|z - mu| / b) / (2 b).

    Examples
    --------
    >>> import sympy as sp
    >>> Laplace(0, 1).density(sp.Symbol("z", real=True))
    exp(-Abs(z))/2
    """

    param_names = ("mu", "b")
    positive_params = ("b",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        return -sp.Abs(z - self.mu) / self.b - sp.log(2 * self.b)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.b
        return sp.Piecewise((sp.exp(u) / 2, u < 0), (1 - sp.exp(-u) / 2, True))

    def _sample(self, n, rng, mu, b):
        return rng.laplace(mu, b, n)


class Logistic(Distribution):
    """Logistic(mu, s): p(z) = exp(-u) / (s (1 + exp(-u))^2), u = (z - mu) / s.

    Examples
    --------
    >>> import sympy as sp
    >>> Logistic(0, 1).density(sp.Symbol("z", real=True))
    exp(-z)/(1 + exp(-z))**2
    """

    param_names = ("mu", "s")
    positive_params = ("s",)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.s
        return -u - 2 * sp.log(1 + sp.exp(-u)) - sp.log(self.s)

    def density(self, z: sp.Symbol) -> sp.Expr:
        u = (z - self.mu) / self.s
        return sp.exp(-u) / (self.s * (1 + sp.exp(-u)) ** 2)

    def cdf(self, z: sp.Symbol) -> sp.Expr:
        return 1 / (1 + sp.exp(-(z - self.mu) / self.s))

    def _sample(self, n, rng, mu, s):
        return rng.logistic(mu, s, n)


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

    def _sample(self, n, rng, x0, gamma):
        return x0 + gamma * rng.standard_cauchy(n)


class StudentT(Distribution):
    """StudentT(nu, mu=0, sigma=1): p(z) ∝ (1 + ((z - mu)/sigma)^2 / nu)^(-(nu + 1)/2).

    Examples
    --------
    >>> import sympy as sp
    >>> StudentT(1).density(sp.Symbol("z", real=True))
    1/(pi*(z**2 + 1))
    """

    param_names = ("nu", "mu", "sigma")
    positive_params = ("nu", "sigma")

    def __init__(self, nu: Any, mu: Any = 0, sigma: Any = 1) -> None:
        super().__init__(nu, mu, sigma)

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        return (
            _log_gamma((nu + 1) / 2)
            - _log_gamma(nu / 2)
            - sp.log(nu * sp.pi) / 2
            - sp.log(sigma)
            - (nu + 1) / 2 * sp.log(1 + u**2 / nu)
        )

    def density(self, z: sp.Symbol) -> sp.Expr:
        nu, mu, sigma = self.nu, self.mu, self.sigma
        u = (z - mu) / sigma
        norm = sp.gamma((nu + 1) / 2) / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * sigma)
        return norm * (1 + u**2 / nu) ** (-(nu + 1) / 2)

    def _sample(self, n, rng, nu, mu, sigma):
        return mu + sigma * rng.standard_t(nu, n)


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.__name__: cls
    for cls in (Normal, Uniform, Exponential, Gamma, Beta, Laplace, Logistic, Cauchy, StudentT)
}
