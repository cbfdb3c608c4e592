"""A flow as a scipy.stats distribution, backed by its compiled kernels.

``to_scipy(flow, **params)`` returns a frozen ``rv_continuous`` whose pdf/logpdf come from
the compiled log-density, cdf/sf/ppf/isf from the compiled distribution functions of
:mod:`symflow.codegen.cdf_kernel`, and rvs from the base's sampler pushed through the
compiled forward map. Everything else scipy derives (median, interval, expect, kstest).

Moments E[X^k] are exact where SymPy integrates ∫ f(z)^k p_Z(z) dz within a time budget
(:func:`symflow.core.cdf.flow_moment`); otherwise they are integrated numerically over the
support by the integrator of p_X that the checks use (split at the quantiles, graded
towards the support's edges and the points where the density is infinite, out to the
largest float), and a moment whose far tail still contributes is infinite (nan for an
odd moment of a variable with two heavy tails, as scipy does for the Cauchy mean). The
variance comes from the exact moments without cancellation, or as the numerical central
moment.
Entropy is −∫ p log p, integrated the same way.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> dist = to_scipy(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]))
>>> round(float(dist.median()), 12), round(float(dist.mean()), 12)
(1.0, 1.6487212707)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from scipy import stats

from symflow.errors import ParameterError
from symflow.verify.integrate import Density

__all__ = ["FlowDistribution", "to_scipy", "moment", "numeric_moment", "entropy"]

_QUANTILES = (1e-12, 1e-6, 1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 1 - 1e-3, 1 - 1e-6, 1 - 1e-12)


def _values(flow, params: dict[str, Any]) -> dict[str, float]:
    names = [p.name for p in flow.program.parameters]
    extra = [k for k in params if k not in names]
    if extra:
        raise ParameterError(
            f"Unknown parameter {', '.join(extra)}; the parameters of {flow!r} are: "
            f"{', '.join(names) or 'none'}."
        )
    missing = [k for k in names if k not in params]
    if missing:
        raise ParameterError(
            f"to_scipy needs a value for every parameter of {flow!r}; missing "
            f"{', '.join(missing)} (e.g. X.to_scipy({', '.join(f'{m}=1.0' for m in missing)})). "
            f"A frozen scipy "
            f"distribution has fixed parameters."
        )
    out = {}
    for name in names:
        value = params[name]
        if np.ndim(value) != 0:
            raise ParameterError(f"Parameter {name} must be a single number; got {value!r}.")
        out[name] = float(value)
        if not math.isfinite(out[name]):
            raise ParameterError(f"Parameter {name} must be finite; got {value!r}.")
    for symbol in flow.program.parameters:
        v = out[symbol.name]
        if (symbol.is_positive and not v > 0) or (symbol.is_negative and not v < 0):
            sign = "positive" if symbol.is_positive else "negative"
            raise ParameterError(f"Parameter {symbol.name} is declared {sign}; got {v!r}.")
    return out


def _numeric(expr: sp.Expr, flow, values: dict[str, float]) -> float:
    subs = {p: sp.Float(values[p.name], 30) for p in flow.program.parameters}
    return float(sp.sympify(expr).xreplace(subs).evalf(30))


class _Integrator:
    """∫ w(x) p_X(x) dx over the support, through the shared integrator of p_X
    (:class:`symflow.verify.integrate.Density`), cut at quantiles of X as well."""

    def __init__(self, flow, values: dict[str, float]):
        from symflow.codegen.cdf_kernel import kernel_quantile

        kernels = flow.compile()
        self.density = Density(kernels, values)
        lo, hi = self.density.lo, self.density.hi
        qs = kernel_quantile(kernels, np.array(_QUANTILES), **values)
        inner = {float(q) for q in qs if np.isfinite(q) and lo < q < hi}
        self.edges = [lo, *sorted(inner), hi]
        spread = float(qs[_QUANTILES.index(0.75)] - qs[_QUANTILES.index(0.25)])
        self.scale = spread if 0.0 < spread < math.inf else 1.0

    def integral(self, weight) -> tuple[float, bool]:
        """(∫ weight(x, log p_X(x)) dx over the support, whether it settled); ``weight``
        is vectorised and returns the integrand itself (0 where p_X is 0)."""

        def integrand(xs: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return weight(xs, self.density.log(xs))

        result = self.density.integrate(self.edges, self.scale, integrand, rtol=1e-12, atol=1e-300)
        return result.total, result.settled


def numeric_moment(flow, k: int, center: float = 0.0, **params: float) -> float:
    """E[(X − center)^k] by numerical integration (inf/nan when it diverges).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> round(numeric_moment(sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]), 2), 10)
    3.0
    """
    values = _values(flow, params)
    return _moment(_Integrator(flow, values), k, center)


def _moment(integrator: _Integrator, k: int, center: float) -> float:
    if k == 0:
        return 1.0

    def power(sign: float):
        def weight(xs: np.ndarray, log_p: np.ndarray) -> np.ndarray:
            d = sign * (xs - center)
            # |x − c|^k p as one exponential: neither factor overflows alone
            return np.where(d > 0.0, np.exp(k * np.log(d) + log_p), 0.0)

        return weight

    up, up_ok = integrator.integral(power(1.0))
    down, down_ok = integrator.integral(power(-1.0))
    up = up if up_ok else math.inf
    down = down if down_ok else math.inf
    if k % 2 == 0:
        return up + down
    if math.isinf(up) and math.isinf(down):
        return math.nan
    return up - down


def moment(flow, k: int, seconds: float = 5.0, **params: float) -> float:
    """E[X^k]: exact (SymPy, within ``seconds``) when possible, numerical otherwise.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> moment(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]), 2)  # e^2
    7.38905609893065
    """
    from symflow.core.cdf import flow_moment

    values = _values(flow, params)
    numeric = _moment(_Integrator(flow, values), k, 0.0)
    exact = _verified(flow_moment(flow, k, values=values, seconds=seconds), numeric)
    return numeric if exact is None else exact


def _verified(exact: sp.Expr | None, numeric: float) -> float | None:
    """The exact moment as a float when it agrees with the numerical one (to 1e-6), else
    None: an exact result is used only after this check (SymPy can return a wrong
    branch, e.g. a complex value for a real moment).

    Examples
    --------
    >>> _verified(sp.exp(sp.Rational(1, 2)), 1.6487212707)
    1.6487212707001282
    >>> _verified(sp.EulerGamma + sp.I * sp.pi, 0.5) is None
    True
    """
    if exact is None:
        return None
    try:
        value = _as_float(exact)
    except (TypeError, ValueError):  # not a real number
        return None
    if math.isfinite(value) != math.isfinite(numeric):
        return None
    if math.isfinite(value) and not math.isclose(value, numeric, rel_tol=1e-6, abs_tol=1e-12):
        return None
    return value


def _as_float(expr: sp.Expr) -> float:
    if expr.has(sp.nan):
        return math.nan
    if expr == sp.oo:
        return math.inf
    if expr == -sp.oo:
        return -math.inf
    return float(sp.N(expr, 30))


def entropy(flow, **params: float) -> float:
    """Differential entropy −∫ p log p (numerical).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> round(entropy(sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)])), 9)  # ½log(8πe)
    2.112085714
    """
    values = _values(flow, params)
    return _entropy(_Integrator(flow, values))


def _entropy(integrator: _Integrator) -> float:
    def minus_p_log_p(xs: np.ndarray, log_p: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(log_p), -np.exp(log_p) * log_p, 0.0)

    value, ok = integrator.integral(minus_p_log_p)
    return value if ok else math.nan


def _variance_of_infinite(mean: float, second: float) -> float:
    """Var X when E X is not finite: undefined (nan) without a mean, as scipy reports."""
    if math.isnan(mean):
        return math.nan
    return math.inf if math.isinf(mean) or second == math.inf else math.nan


class FlowDistribution(stats.rv_continuous):
    """scipy.stats.rv_continuous backed by a flow's compiled kernels (no shape parameters:
    the flow's parameters are fixed at construction)."""

    def __init__(self, flow=None, values=None, moment_seconds: float = 5.0, **kwds):
        super().__init__(**kwds)
        self._flow = flow
        self._values = dict(values or {})
        self._moment_seconds = moment_seconds
        self._moments: dict[int, float] = {}
        self._exact: dict[int, Any] = {}
        self._integrator_cache = None

    def _updated_ctor_param(self):
        out = super()._updated_ctor_param()
        out.update(flow=self._flow, values=self._values, moment_seconds=self._moment_seconds)
        return out

    # -- kernels -----------------------------------------------------------------------
    @property
    def _kernels(self):
        return self._flow.compile()

    def _apply(self, fn, x):
        arr = np.asarray(x, dtype=np.float64)
        out = fn(self._kernels, arr.reshape(-1), **self._values)
        return np.asarray(out, dtype=np.float64).reshape(arr.shape)

    def _pdf(self, x):
        return self._apply(lambda k, v, **p: k.prob(v, **p), x)

    def _logpdf(self, x):
        return self._apply(lambda k, v, **p: k.log_prob(v, **p), x)

    def _cdf(self, x):
        from symflow.codegen.cdf_kernel import kernel_cdf

        return self._apply(kernel_cdf, x)

    def _sf(self, x):
        from symflow.codegen.cdf_kernel import kernel_sf

        return self._apply(kernel_sf, x)

    def _ppf(self, q):
        from symflow.codegen.cdf_kernel import kernel_quantile

        return self._apply(kernel_quantile, q)

    def _isf(self, q):
        from symflow.codegen.cdf_kernel import kernel_isf

        return self._apply(kernel_isf, q)

    def _rvs(self, size=None, random_state=None):
        n = int(np.prod(size)) if size is not None else 1
        base = self._flow.program.base
        zs = base.sample(n, random_state, self._values)
        xs = self._kernels.forward(np.ascontiguousarray(zs), **self._values)
        return np.asarray(xs).reshape(size if size is not None else ())

    # -- moments and entropy -------------------------------------------------------------
    def _integrator(self) -> _Integrator:
        if self._integrator_cache is None:
            self._integrator_cache = _Integrator(self._flow, self._values)
        return self._integrator_cache

    def _exact_moment(self, k: int):
        """E[X^k] exact, once it agrees with the numerical moment; else None."""
        from symflow.core.cdf import flow_moment

        if k not in self._exact:
            exact = flow_moment(self._flow, k, values=self._values, seconds=self._moment_seconds)
            numeric = _moment(self._integrator(), k, 0.0) if exact is not None else None
            self._exact[k] = exact if _verified(exact, numeric) is not None else None
            if numeric is not None:
                self._moments.setdefault(k, numeric)
        return self._exact[k]

    def _munp(self, n, *args):
        k = int(n)
        exact = self._exact_moment(k)
        if exact is not None:
            return _as_float(exact)
        if k not in self._moments:
            self._moments[k] = _moment(self._integrator(), k, 0.0)
        return self._moments[k]

    def _stats(self, *args, **kwds):
        m1, m2 = self._exact_moment(1), self._exact_moment(2)
        if m1 is not None and m2 is not None:
            mean = _as_float(m1)
            if math.isfinite(mean) and not m2.has(sp.nan) and m2 != sp.oo:
                var = _as_float(m2 - m1**2)
            else:
                var = _variance_of_infinite(mean, _as_float(m2))
            return mean, var, None, None
        mean = self._munp(1)
        if not math.isfinite(mean):
            return mean, _variance_of_infinite(mean, self._munp(2)), None, None
        var = _moment(self._integrator(), 2, mean)
        return mean, var, None, None

    def _entropy(self, *args):
        return _entropy(self._integrator())


def to_scipy(flow, *, moment_seconds: float = 5.0, **params: float):
    """A frozen scipy.stats distribution equal to ``flow`` at the given parameter values.

    Parameters
    ----------
    flow : Flow
        A one-dimensional flow.
    moment_seconds : float
        Time budget of each symbolic moment before falling back to integration.
    **params : float
        A value for every parameter of the flow.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> dist = to_scipy(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z), z)]), sigma=1)
    >>> [float(end) for end in dist.support()]
    [0.0, inf]
    >>> bool(np.isclose(dist.cdf(1.0), 0.5))
    True
    """
    if getattr(flow, "dimension", 1) != 1:
        raise ParameterError(
            f"to_scipy is defined for one-dimensional flows (scipy.stats.rv_continuous is "
            f"univariate); {flow!r} has dimension {flow.dimension}."
        )
    values = _values(flow, params)
    program = flow.program
    a = _numeric(program.support.inf, flow, values)
    b = _numeric(program.support.sup, flow, values)
    dist = FlowDistribution(
        flow=flow,
        values=values,
        moment_seconds=moment_seconds,
        a=a,
        b=b,
        name=f"symflow {flow!r}",
    )
    return dist()
