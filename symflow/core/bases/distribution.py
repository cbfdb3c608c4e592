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
        return split_exp(self.log_density(z))

    def cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F_Z(z) on the support in closed form, or None when there is none."""
        return None

    def sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S_Z(z) = 1 − F_Z(z) on the support, written without the subtraction where a
        direct form is known; None when F_Z has no closed form."""
        cdf = self.cdf(z)
        return None if cdf is None else 1 - cdf

    def quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F_Z⁻¹(u) for 0 < u < 1 in closed form, or None when there is none."""
        return None

    # -- what compiled code evaluates ------------------------------------------------
    #: whether the kernel forms below are written into the flow's expressions (where
    #: composing with the flow's maps can cancel symbolically) instead of being called
    inline_kernel_forms: ClassVar[bool] = False

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F_Z(z) inside the support, in a form that evaluates accurately in float64
        (every function one that the kernel printer translates); None: no closed form."""
        return self.cdf(z)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S_Z(z) inside the support, accurate in float64 where S_Z is small."""
        return self.sf(z)

    def kernel_quantile(self, u: sp.Symbol) -> sp.Expr | None:
        """F_Z⁻¹(u) for 0 < u < 1, accurate in float64 for small u; None: the kernels
        solve F_Z(z) = u by bracketing."""
        return self.quantile(u)

    def kernel_isf(self, q: sp.Symbol) -> sp.Expr | None:
        """S_Z⁻¹(q) for 0 < q < 1, accurate in float64 for small q; None: solved."""
        return None

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """Below which width w the mass P(lo < Z < lo + w) is integrated from p_Z by
        quadrature rather than as a difference of F_Z values (which cancel). 0: never."""
        return sp.S.Zero

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """Points inside the support where p_Z is not smooth (quadrature splits there)."""
        return ()

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
        """Parameter name -> float, with parameter symbols taken from ``values`` (by name)."""
        out = {}
        for pname, value in self._params.items():
            if value.free_symbols:
                values = values or {}
                missing = sorted(s.name for s in value.free_symbols if s.name not in values)
                if missing:
                    raise ParameterError(f"{self!r}: give a value for {', '.join(missing)}.")
                value = value.subs({s: values[s.name] for s in value.free_symbols})
            out[pname] = float(value)
        return out

    def scipy(self, values: Mapping[str, float] | None = None) -> Any:
        """The frozen scipy.stats distribution equal to this base (SciPy is imported here).

        ``values`` maps parameter symbol names to numbers when parameters are symbolic.
        """
        from scipy import stats

        return self._scipy(stats, **self.numbers(values))

    def _scipy(self, stats: Any, **p: float) -> Any:
        raise ParameterError(f"No scipy.stats equivalent is known for {self!r}.")

    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None) -> Any:
        """n independent draws as a float64 NumPy array (``rng`` a numpy Generator).

        ``values`` maps parameter symbol names to numbers when parameters are symbolic.
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
