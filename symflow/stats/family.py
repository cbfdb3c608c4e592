"""Named families: which standard distribution a flow produces, with exact parameters.

Recognition reads the flow's derived log-density ℓ(x) and its support, never the shape of
the transforms. The support fixes a frame for a variable y:

* the real line: y = x (Normal, Cauchy, StudentT, Logistic, Laplace, Gumbel, GumbelMin);
* (lo, oo): y = x − lo > 0 (Exponential, ChiSquared, Gamma, Weibull, Rayleigh,
  HalfNormal, Maxwell, Chi, LogNormal, InverseGamma, Lévy, Fréchet, Fisk, F, BetaPrime,
  LogLaplace, HalfCauchy, HalfLogistic, Gompertz, and Pareto with x_m = lo);
* (lo, hi): y = (x − lo)/(hi − lo) in (0, 1) (Uniform, Arcsine, Beta; LogUniform on
  (lo, hi) itself).

ℓ is written in y as Σ c_k φ_k(y) over a basis of atoms {1, y^p, log y, log² y,
log(y − r), log((y − m)² + D), log(y^c + q), e^{s y}, log(1 + e^{s y + t}), |y − r|,
|log y − m|} (logs of products are factored first), and each family's template, which is
linear in its own atoms,
gives its parameters from the coefficients c_k in closed form (Normal: σ² = −1/(2 c_{y²}),
μ = σ² c_y). A candidate is accepted only when the template's log-density equals ℓ at many
points of the support to 10⁻¹⁰ and its support equals the flow's, for two draws of any
free parameters, so parameters stay exact and symbolic (exp(σz + μ) gives
LogNormal(mu=mu, sigma=sigma)). The most specific name wins: ChiSquared(k=1) over
Gamma(shape=1/2, rate=1/2), Exponential over Gamma(shape=1, ·), Rayleigh over
Weibull(k=2, ·), Lévy over InverseGamma(alpha=1/2, ·), Cauchy over StudentT(nu=1, ·),
Uniform over Beta(1, 1), Arcsine over Beta(1/2, 1/2), Maxwell over Chi(k=3, ·), Fisk(c=1)
over BetaPrime(1, 1), F(d1, d2) over the BetaPrime(d1/2, d2/2, scale=d2/d1) it equals.
Families on a shifted half-line carry a ``loc`` parameter, scale families a ``scale``.

The log-density is tried as the tidy log of the closed form and then in its textbook
form (the log of the simplified density), so that the spelling of the transform does
not decide whether a name is found.

A density given by one expression on the real line minus finitely many points (1/z of a
Cauchy) is matched on the whole line. A density given by a different expression on each
of two adjacent pieces is matched by the shape of the pieces: linear in x on both sides
of μ (Laplace, AsymmetricLaplace, the quantile map of either on U(0, 1)), linear in
log(x − loc) (LogLaplace) or linear on a bounded interval (Triangular). In d dimensions
a quadratic log-density with a constant negative-definite Hessian on all of R^d is a
MultivariateNormal (mean and covariance from the gradient and the Hessian); a support
condition that holds at every point of a grid (Box–Muller's angle and radius
conditions) counts as all of R^d.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> recognise(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]))
LogNormal(mu=0, sigma=1)
>>> recognise(sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)])).latex()
'\\\\chi^2(k = 1)'
>>> recognise(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sinh(z), z)])) is None
True

References
----------
N. L. Johnson, S. Kotz and N. Balakrishnan, *Continuous Univariate Distributions*,
2nd ed., Wiley (1994–1995): the parameterisations used here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symflow.core.bases import Normal, StudentT
from symflow.core.budget import attempt
from symflow.core.intervals import in_order, interior_points
from symflow.errors import ParameterError

__all__ = ["Family", "FAMILIES", "recognise"]

_ZERO = sp.Integer(0)
_ONE = sp.Integer(1)
_HALF = sp.Rational(1, 2)
_LOG_2PI = sp.log(2 * sp.pi)

# ---------------------------------------------------------------------------------------
# Templates: each family's log-density, support and scipy.stats equivalent
# ---------------------------------------------------------------------------------------


def _loc(p: Mapping[str, sp.Expr]) -> sp.Expr:
    return p.get("loc", _ZERO)


@dataclass(frozen=True)
class _Spec:
    """A family template: parameters (name, LaTeX symbol), ℓ(x), support, scipy twin."""

    name: str
    symbols: tuple[tuple[str, str], ...]
    log_density: Callable[[sp.Expr, Mapping[str, sp.Expr]], sp.Expr]
    support: Callable[[Mapping[str, sp.Expr]], sp.Set]
    scipy: Callable[[Any, Mapping[str, float]], Any]
    positive: tuple[str, ...] = ()
    latex_name: str | None = None


_LOC_SYMBOLS = (("loc", r"\mathrm{loc}"), ("scale", r"\mathrm{scale}"))


def _above(p: Mapping[str, sp.Expr]) -> sp.Set:
    return sp.Interval.open(_loc(p), sp.oo)


def _ld_base(cls: type, *names: str) -> Callable[[sp.Expr, Mapping[str, sp.Expr]], sp.Expr]:
    """ℓ(x) of a base distribution of symflow with the family's parameters ``names``."""

    def log_density(x, p):
        try:
            return cls(*[p[name] for name in names]).log_density(x)
        except ParameterError:  # parameters outside the family: no template
            return sp.nan

    return log_density


_ld_normal = _ld_base(Normal, "mu", "sigma")
_ld_student = _ld_base(StudentT, "nu", "mu", "sigma")


def _ld_lognormal(x, p):
    y, mu, s = x - _loc(p), p["mu"], p["sigma"]
    return -((sp.log(y) - mu) ** 2) / (2 * s**2) - sp.log(y) - sp.log(s) - _LOG_2PI / 2


def _ld_gamma_like(y, shape, rate):
    return shape * sp.log(rate) + (shape - 1) * sp.log(y) - rate * y - sp.loggamma(shape)


def _ld_beta(x, p):
    scale = p.get("scale", _ONE)
    y = (x - _loc(p)) / scale
    a, b = p["a"], p["b"]
    log_b = sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)
    return (a - 1) * sp.log(y) + (b - 1) * sp.log(1 - y) - log_b - sp.log(scale)


def _ld_weibull(x, p):
    y, k, lam = x - _loc(p), p["k"], p["lambda"]
    return sp.log(k) - k * sp.log(lam) + (k - 1) * sp.log(y) - (y / lam) ** k


def _ld_chi(x, p):
    y, k, s = x - _loc(p), p["k"], p["sigma"]
    return (
        (k - 1) * sp.log(y / s)
        - (y / s) ** 2 / 2
        - (k / 2 - 1) * sp.log(2)
        - sp.loggamma(k / 2)
        - sp.log(s)
    )


def _ld_gumbel(x, p, sign):
    u = (x - p["mu"]) / p["beta"]
    return sign * u - sp.exp(sign * u) - sp.log(p["beta"])


def _unit(x, p):
    """y = (x − loc)/scale and the log-Jacobian −log(scale) of the standard frame."""
    scale = p.get("scale", _ONE)
    return (x - _loc(p)) / scale, -sp.log(scale)


def _log_beta(a, b):
    return sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)


def _ld_beta_prime(x, p):
    y, jac = _unit(x, p)
    a, b = p["a"], p["b"]
    return (a - 1) * sp.log(y) - (a + b) * sp.log(1 + y) - _log_beta(a, b) + jac


def _ld_f(x, p):
    y, jac = _unit(x, p)
    d1, d2 = p["d1"], p["d2"]
    return (
        d1 / 2 * sp.log(d1)
        + d2 / 2 * sp.log(d2)
        + (d1 / 2 - 1) * sp.log(y)
        - (d1 + d2) / 2 * sp.log(d2 + d1 * y)
        - _log_beta(d1 / 2, d2 / 2)
        + jac
    )


def _ld_fisk(x, p):
    y, jac = _unit(x, p)
    c = p["c"]
    return sp.log(c) + (c - 1) * sp.log(y) - 2 * sp.log(1 + y**c) + jac


def _ld_log_laplace(x, p):
    y, jac = _unit(x, p)
    c = p["c"]
    return sp.log(c / 2) - sp.log(y) - c * sp.Abs(sp.log(y)) + jac


def _ld_asymmetric_laplace(x, p):
    """Rate κ/b above μ and 1/(κb) below it (scipy's laplace_asymmetric), written with
    |x − μ| rather than a Piecewise: κ(x − μ) = ((κ − 1/κ)(x − μ) + (κ + 1/κ)|x − μ|)/2
    above μ, and −(x − μ)/κ below it."""
    k, d = p["kappa"], x - p["mu"]
    slopes = ((k - 1 / k) * d + (k + 1 / k) * sp.Abs(d)) / 2
    return -slopes / p["b"] - sp.log(p["b"] * (k + 1 / k))


def _ld_frechet(x, p):
    y, jac = _unit(x, p)
    c = p["c"]
    return sp.log(c) - (c + 1) * sp.log(y) - y ** (-c) + jac


def _ld_half_logistic(x, p):
    y, jac = _unit(x, p)
    return sp.log(2) - y - 2 * sp.log(1 + sp.exp(-y)) + jac


def _ld_gompertz(x, p):
    y, jac = _unit(x, p)
    c = p["c"]
    return sp.log(c) + y - c * (sp.exp(y) - 1) + jac


def _ld_half_cauchy(x, p):
    y, jac = _unit(x, p)
    return sp.log(2 / sp.pi) - sp.log(1 + y**2) + jac


def _scaled(st_dist, p, *shape):
    return st_dist(*shape, loc=p.get("loc", 0.0), scale=p.get("scale", 1.0))


def _loc_kw(p: Mapping[str, Any]) -> dict:
    return {"loc": p.get("loc", 0.0)}


#: parameter lists that several families share
_C = (("c", "c"),)
_AB = (("a", r"\alpha"), ("b", r"\beta"))
_GUMBEL = (("mu", r"\mu"), ("beta", r"\beta"))


def _on_reals(name, symbols, log_density, dist, positive=None) -> _Spec:
    """A family on the whole line whose SciPy twin ``dist(scipy.stats)`` takes the
    parameters in order; the positive ones: the last (the scale) unless given."""
    names = [n for n, _ in symbols]
    return _Spec(
        name,
        symbols,
        log_density,
        lambda p: sp.S.Reals,
        lambda st, p: dist(st)(*[p[n] for n in names]),
        (names[-1],) if positive is None else positive,
    )


def _shapes(name, symbols, log_density, dist, latex_name=None) -> _Spec:
    """A family on (loc, ∞) with positive shape parameters ``symbols`` and an optional loc
    and scale, whose SciPy twin ``dist(scipy.stats)`` takes the shapes in order."""
    names = tuple(n for n, _ in symbols)
    return _Spec(
        name,
        symbols,
        log_density,
        _above,
        lambda st, p: _scaled(dist(st), p, *[p[n] for n in names]),
        names,
        latex_name,
    )


def _shape_scale(name, symbols, log_density, dist) -> _Spec:
    """A family on (loc, ∞) with a positive shape and scale, whose SciPy twin is
    ``dist(scipy.stats)(shape, scale=scale, loc=loc)``."""
    shape, scale = (n for n, _ in symbols)
    return _Spec(
        name,
        symbols,
        log_density,
        _above,
        lambda st, p: dist(st)(p[shape], scale=p[scale], **_loc_kw(p)),
        (shape, scale),
    )


def _chi_like(name: str, k: int, dist) -> _Spec:
    """σ·Chi(k) on (loc, ∞) (HalfNormal k = 1, Rayleigh 2, Maxwell 3)."""
    return _Spec(
        name,
        (("sigma", r"\sigma"),),
        lambda x, p: _ld_chi(x, {**p, "k": sp.Integer(k)}),
        _above,
        lambda st, p: dist(st)(scale=p["sigma"], **_loc_kw(p)),
        ("sigma",),
    )


def _specs() -> dict[str, _Spec]:
    table = [
        _on_reals("Normal", (("mu", r"\mu"), ("sigma", r"\sigma")), _ld_normal, lambda st: st.norm),
        _Spec(
            "LogNormal",
            (("mu", r"\mu"), ("sigma", r"\sigma")),
            _ld_lognormal,
            _above,
            lambda st, p: st.lognorm(p["sigma"], scale=_exp(p["mu"]), **_loc_kw(p)),
            ("sigma",),
        ),
        _Spec(
            "Exponential",
            (("rate", r"\lambda"),),
            lambda x, p: sp.log(p["rate"]) - p["rate"] * (x - _loc(p)),
            _above,
            lambda st, p: st.expon(scale=1 / p["rate"], **_loc_kw(p)),
            ("rate",),
        ),
        _Spec(
            "ChiSquared",
            (("k", "k"),),
            lambda x, p: _ld_gamma_like(x - _loc(p), p["k"] / 2, _HALF),
            _above,
            lambda st, p: st.chi2(p["k"], **_loc_kw(p)),
            ("k",),
            r"\chi^2",
        ),
        _Spec(
            "Gamma",
            (("shape", r"\alpha"), ("rate", r"\beta")),
            lambda x, p: _ld_gamma_like(x - _loc(p), p["shape"], p["rate"]),
            _above,
            lambda st, p: st.gamma(p["shape"], scale=1 / p["rate"], **_loc_kw(p)),
            ("shape", "rate"),
        ),
        _shape_scale(
            "Weibull", (("k", "k"), ("lambda", r"\lambda")), _ld_weibull, lambda st: st.weibull_min
        ),
        _chi_like("Rayleigh", 2, lambda st: st.rayleigh),
        _chi_like("HalfNormal", 1, lambda st: st.halfnorm),
        _shape_scale("Chi", (("k", "k"), ("sigma", r"\sigma")), _ld_chi, lambda st: st.chi),
        _shape_scale(
            "InverseGamma",
            (("alpha", r"\alpha"), ("beta", r"\beta")),
            lambda x, p: (
                p["alpha"] * sp.log(p["beta"])
                - sp.loggamma(p["alpha"])
                - (p["alpha"] + 1) * sp.log(x - _loc(p))
                - p["beta"] / (x - _loc(p))
            ),
            lambda st: st.invgamma,
        ),
        _Spec(
            "Levy",
            (("mu", r"\mu"), ("c", "c")),
            lambda x, p: (
                sp.log(p["c"] / (2 * sp.pi)) / 2
                - 3 * sp.log(x - p["mu"]) / 2
                - p["c"] / (2 * (x - p["mu"]))
            ),
            lambda p: sp.Interval.open(p["mu"], sp.oo),
            lambda st, p: st.levy(p["mu"], p["c"]),
            ("c",),
            r"\mathrm{L\acute{e}vy}",
        ),
        _Spec(
            "Pareto",
            (("alpha", r"\alpha"), ("x_m", "x_m")),
            lambda x, p: (
                sp.log(p["alpha"]) + p["alpha"] * sp.log(p["x_m"]) - (p["alpha"] + 1) * sp.log(x)
            ),
            lambda p: sp.Interval.open(p["x_m"], sp.oo),
            lambda st, p: st.pareto(p["alpha"], scale=p["x_m"]),
            ("alpha", "x_m"),
        ),
        _shapes("Frechet", _C, _ld_frechet, lambda st: st.invweibull, r"\mathrm{Fr\acute{e}chet}"),
        _shapes("Fisk", _C, _ld_fisk, lambda st: st.fisk, r"\mathrm{LogLogistic}"),
        _shapes("F", (("d1", "d_1"), ("d2", "d_2")), _ld_f, lambda st: st.f),
        _shapes("BetaPrime", _AB, _ld_beta_prime, lambda st: st.betaprime, r"\mathrm{Beta}'"),
        _shapes("LogLaplace", _C, _ld_log_laplace, lambda st: st.loglaplace),
        _shapes("HalfCauchy", (), _ld_half_cauchy, lambda st: st.halfcauchy),
        _shapes("HalfLogistic", (), _ld_half_logistic, lambda st: st.halflogistic),
        _shapes("Gompertz", _C, _ld_gompertz, lambda st: st.gompertz),
        _chi_like("Maxwell", 3, lambda st: st.maxwell),
        _Spec(
            "LogUniform",
            (("a", "a"), ("b", "b")),
            lambda x, p: -sp.log(x) - sp.log(sp.log(p["b"] / p["a"])),
            lambda p: sp.Interval.open(p["a"], p["b"]),
            lambda st, p: st.loguniform(p["a"], p["b"]),
            ("a", "b"),
        ),
        _Spec(
            "Arcsine",
            (),
            lambda x, p: (
                -sp.log(sp.pi)
                - sp.log((x - _loc(p)) / p.get("scale", _ONE)) / 2
                - sp.log(1 - (x - _loc(p)) / p.get("scale", _ONE)) / 2
                - sp.log(p.get("scale", _ONE))
            ),
            lambda p: sp.Interval.open(_loc(p), _loc(p) + p.get("scale", _ONE)),
            lambda st, p: _scaled(st.arcsine, p),
        ),
        _Spec(
            "Uniform",
            (("a", "a"), ("b", "b")),
            lambda x, p: -sp.log(p["b"] - p["a"]),
            lambda p: sp.Interval.open(p["a"], p["b"]),
            lambda st, p: st.uniform(p["a"], p["b"] - p["a"]),
        ),
        _Spec(
            "Beta",
            (("a", r"\alpha"), ("b", r"\beta")),
            _ld_beta,
            lambda p: sp.Interval.open(_loc(p), _loc(p) + p.get("scale", _ONE)),
            lambda st, p: st.beta(p["a"], p["b"], loc=p.get("loc", 0.0), scale=p.get("scale", 1.0)),
            ("a", "b"),
        ),
        _on_reals(
            "Cauchy",
            (("x0", "x_0"), ("gamma", r"\gamma")),
            lambda x, p: (
                -sp.log(sp.pi * p["gamma"]) - sp.log(1 + ((x - p["x0"]) / p["gamma"]) ** 2)
            ),
            lambda st: st.cauchy,
        ),
        _on_reals(
            "StudentT",
            (("nu", r"\nu"), ("mu", r"\mu"), ("sigma", r"\sigma")),
            _ld_student,
            lambda st: st.t,
            ("nu", "sigma"),
        ),
        _on_reals(
            "Logistic",
            (("mu", r"\mu"), ("s", "s")),
            lambda x, p: (
                -(x - p["mu"]) / p["s"]
                - 2 * sp.log(1 + sp.exp(-(x - p["mu"]) / p["s"]))
                - sp.log(p["s"])
            ),
            lambda st: st.logistic,
        ),
        _on_reals(
            "Laplace",
            (("mu", r"\mu"), ("b", "b")),
            lambda x, p: -sp.Abs(x - p["mu"]) / p["b"] - sp.log(2 * p["b"]),
            lambda st: st.laplace,
        ),
        _on_reals(
            "AsymmetricLaplace",
            (("kappa", r"\kappa"), ("mu", r"\mu"), ("b", "b")),
            _ld_asymmetric_laplace,
            lambda st: st.laplace_asymmetric,
            ("kappa", "b"),
        ),
        _on_reals("Gumbel", _GUMBEL, lambda x, p: _ld_gumbel(x, p, -1), lambda st: st.gumbel_r),
        _on_reals("GumbelMin", _GUMBEL, lambda x, p: _ld_gumbel(x, p, 1), lambda st: st.gumbel_l),
        _Spec(
            "Triangular",
            (("a", "a"), ("c", "c"), ("b", "b")),
            lambda x, p: sp.log(_triangular_density(x, p["a"], p["c"], p["b"])),
            lambda p: sp.Interval.open(p["a"], p["b"]),
            lambda st, p: st.triang(
                (p["c"] - p["a"]) / (p["b"] - p["a"]), loc=p["a"], scale=p["b"] - p["a"]
            ),
        ),
        _Spec(
            "IrwinHall",
            (("n", "n"),),
            lambda x, p: sp.log(_irwin_hall_density(x, p)),
            lambda p: sp.Interval.open(_loc(p), _loc(p) + p["n"] * p.get("scale", _ONE)),
            lambda st, p: st.irwinhall(
                int(p["n"]), loc=p.get("loc", 0.0), scale=p.get("scale", 1.0)
            ),
            latex_name=r"\mathrm{IrwinHall}",
        ),
        _Spec(
            "MultivariateNormal",
            (("mean", r"\mu"), ("cov", r"\Sigma")),
            _ld_mvn,
            lambda p: sp.S.Reals ** p["mean"].rows,
            lambda st, p: st.multivariate_normal(p["mean"], p["cov"]),
        ),
    ]
    return {s.name: s for s in table}


def _triangular_density(x, a, c, b) -> sp.Expr:
    """2(x − a)/((b − a)(c − a)) on (a, c], 2(b − x)/((b − a)(b − c)) on (c, b)."""
    return sp.Piecewise(
        (2 * (x - a) / ((b - a) * (c - a)), (x > a) & (x <= c)),
        (2 * (b - x) / ((b - a) * (b - c)), (x > c) & (x < b)),
        (0, True),
    )


def _irwin_hall_density(x, p) -> sp.Expr:
    """The density of the sum of n U(0, 1) (loc + scale·sum): on (j, j + 1),
    Σ_{k ≤ j} (−1)^k C(n, k) (t − k)^{n−1}/(n − 1)!, t = (x − loc)/scale."""
    n = int(p["n"])
    loc, scale = _loc(p), p.get("scale", _ONE)
    t = (x - loc) / scale
    pieces = []
    for j in range(n):
        value = sum(
            (-1) ** k * sp.binomial(n, k) * (t - k) ** (n - 1) for k in range(j + 1)
        ) / sp.factorial(n - 1)
        pieces.append((value / scale, (t > j) & (t <= j + 1)))
    return sp.Piecewise(*pieces, (0, True))


def _exp(v: float) -> float:
    import math

    return math.exp(v)


def _ld_mvn(xs, p):
    r = sp.Matrix(list(xs)) - p["mean"]
    quad = (r.T * p["cov"].inv() * r)[0, 0]
    d = p["mean"].rows
    return -quad / 2 - sp.log(p["cov"].det()) / 2 - d * _LOG_2PI / 2


_SPECS = _specs()

#: Names of the recognised families, most specific first within each support.
FAMILIES: tuple[str, ...] = tuple(_SPECS)


# ---------------------------------------------------------------------------------------
# The Family value
# ---------------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, sp.MatrixBase):
        if value.cols == 1:
            return str(list(value))
        return str(value.tolist())
    return str(value)


class Family:
    """A named distribution with exact parameters, e.g. LogNormal(mu=0, sigma=1).

    Parameters
    ----------
    name : str
        One of ``symflow.stats.family.FAMILIES``.
    params : mapping
        Parameter name -> exact SymPy value (numbers or expressions in free symbols).

    Examples
    --------
    >>> f = Family("LogNormal", {"mu": 0, "sigma": 1})
    >>> f, f.latex()
    (LogNormal(mu=0, sigma=1), '\\\\mathrm{LogNormal}(\\\\mu = 0, \\\\sigma = 1)')
    >>> round(float(f.scipy.median()), 12)
    1.0
    """

    def __init__(self, name: str, params: Mapping[str, Any]):
        if name not in _SPECS:
            raise ParameterError(
                f"Unknown family {name!r}; the recognised families are {', '.join(FAMILIES)}."
            )
        self.name = name
        self._spec = _SPECS[name]
        order = [n for n, _ in self._spec.symbols + _LOC_SYMBOLS]
        values = {}
        for key in sorted(params, key=lambda k: order.index(k) if k in order else len(order)):
            value = params[key]
            if isinstance(value, sp.MatrixBase):
                values[key] = sp.ImmutableMatrix(value)
            else:
                values[key] = sp.sympify(value)
        self._params = values

    @property
    def params(self) -> dict[str, sp.Basic]:
        """Parameter name -> exact value (a copy)."""
        return dict(self._params)

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """Symbols in the parameters that have no value yet."""
        out: set[sp.Symbol] = set()
        for v in self._params.values():
            out |= v.free_symbols
        return out

    @property
    def support(self) -> sp.Set:
        """Where the family's density is positive."""
        return self._spec.support(self._params)

    def log_density(self, x: Any) -> sp.Expr:
        """log p(x) by the family's own textbook formula (x a symbol, or symbols in d-D).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> x = sp.Symbol("x", positive=True)
        >>> sf.Family("LogNormal", {"mu": 0, "sigma": 1}).log_density(x)
        -log(x)**2/2 - log(x) - log(2*pi)/2
        >>> sf.Family("Exponential", {"rate": 2}).log_density(x)
        -2*x + log(2)
        """
        return self._spec.log_density(x, self._params)

    def subs(self, values: Mapping[Any, Any] | None = None, **named: Any) -> Family:
        """The same family with parameter symbols replaced (by symbol or by name).

        Examples
        --------
        >>> import sympy as sp
        >>> mu = sp.Symbol("mu", real=True)
        >>> Family("Normal", {"mu": mu, "sigma": 2}).subs(mu=1)
        Normal(mu=1, sigma=2)
        """
        mapping = self._mapping(values, named)
        return Family(self.name, {k: v.subs(mapping) for k, v in self._params.items()})

    def _mapping(self, values, named) -> dict[sp.Symbol, Any]:
        by_name = {s.name: s for s in self.free_symbols}
        mapping: dict[sp.Symbol, Any] = {}
        for key, value in {**(values or {}), **named}.items():
            symbol = by_name.get(key) if isinstance(key, str) else key
            if symbol is None:
                raise ParameterError(
                    f"{self!r} has no free parameter {key!r}; its free parameters are "
                    f"{', '.join(sorted(by_name)) or 'none'}."
                )
            mapping[symbol] = value
        return mapping

    def freeze(self, **values: float):
        """The frozen scipy.stats distribution, with values for any free parameters.

        Examples
        --------
        >>> import sympy as sp
        >>> s = sp.Symbol("s", positive=True)
        >>> float(Family("Exponential", {"rate": s}).freeze(s=2).mean())
        0.5
        """
        family = self.subs(**values) if values else self
        missing = sorted(s.name for s in family.free_symbols)
        if missing:
            raise ParameterError(
                f"{family!r} has symbolic parameters ({', '.join(missing)}): scipy.stats needs "
                f"numbers. Give values, e.g. family.freeze("
                f"{', '.join(f'{m}=1.0' for m in missing)})."
            )
        from scipy import stats

        numeric: dict[str, Any] = {}
        for key, v in family._params.items():
            if isinstance(v, sp.MatrixBase):
                import numpy as np

                rows = list(v) if v.cols == 1 else v.tolist()
                numeric[key] = np.array(rows, dtype=float)
            else:
                numeric[key] = float(v)
        return self._spec.scipy(stats, numeric)

    @property
    def scipy(self):
        """The frozen scipy.stats distribution (needs numeric parameters)."""
        return self.freeze()

    def latex(self) -> str:
        r"""The family in LaTeX, e.g. ``\mathrm{LogNormal}(\mu = 0, \sigma = 1)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> print(sf.Family("LogNormal", {"mu": 0, "sigma": 1}).latex())
        \mathrm{LogNormal}(\mu = 0, \sigma = 1)
        >>> print(sf.Family("Gamma", {"shape": 2, "rate": sp.Rational(1, 2)}).latex())
        \mathrm{Gamma}(\alpha = 2, \beta = \frac{1}{2})
        """
        symbols = dict(self._spec.symbols + _LOC_SYMBOLS)
        parts = [f"{symbols[k]} = {sp.latex(v)}" for k, v in self._params.items()]
        head = self._spec.latex_name or rf"\mathrm{{{self.name}}}"
        return rf"{head}({', '.join(parts)})"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={_show(v)}" for k, v in self._params.items())
        return f"{self.name}({inner})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Family) or other.name != self.name:
            return False
        if other._params.keys() != self._params.keys():
            return False
        for key, mine in self._params.items():
            theirs = other._params[key]
            if isinstance(mine, sp.MatrixBase) or isinstance(theirs, sp.MatrixBase):
                if mine != theirs:
                    return False
            elif mine != theirs and not _same(mine, theirs):
                return False
        return True

    def __hash__(self) -> int:
        return hash(self.name)


# ---------------------------------------------------------------------------------------
# Decomposing ℓ(y) into coefficients of basis atoms
# ---------------------------------------------------------------------------------------

CONST = ("const",)
LOG = ("log",)
LOG2 = ("log2",)


def _pow(p: sp.Expr) -> tuple:
    return ("pow", sp.sympify(p))


#: the largest exact power a candidate parameter may need, in bits (the parser's bound)
_MAX_POWER_BITS = 1024


def _root(c: sp.Expr, k: sp.Expr) -> sp.Expr | None:
    """c**(1/k) for a coefficient c, or None where an exact rational c**(1/k) would need
    more than :data:`_MAX_POWER_BITS` bits (SymPy would expand it digit by digit: for
    x = z**(10**100) the Weibull scale is (1/2)**(2*10**100))."""
    c, k = sp.sympify(c), sp.sympify(k)
    if c.is_Rational and k.is_Rational and c not in (0, 1, -1):
        size = max(abs(c.p).bit_length(), abs(c.q).bit_length())
        if abs(1 / k) * size > _MAX_POWER_BITS:
            return None
    return _tidy(c ** (1 / k))


def _tidy(v: sp.Expr) -> sp.Expr:
    """Bounded simplification of a small coefficient or parameter."""
    v = sp.sympify(v)
    if v.is_number and v.is_rational:
        return v
    if sp.count_ops(v) > 80:
        return v
    out = attempt(lambda: sp.simplify(v), 3.0, v)
    return attempt(lambda: sp.powdenest(out, force=False), 1.0, out)


class _Draws:
    """Exact sample values for free symbols, respecting their assumptions."""

    _POSITIVE = (sp.Rational(137, 100), sp.Rational(81, 100))
    _REAL = (sp.Rational(43, 100), sp.Rational(-62, 100))

    @classmethod
    def make(cls, symbols) -> list[dict[sp.Symbol, sp.Expr]]:
        symbols = sorted(symbols, key=lambda s: s.name)
        if not symbols:
            return [{}]
        draws = []
        for j in range(2):
            values = {}
            for i, s in enumerate(symbols):
                k = (i + j) % 2
                if s.is_integer:
                    v = sp.Integer(2 + k)
                    values[s] = -v if s.is_negative else v
                elif s.is_positive or s.is_nonnegative:
                    values[s] = cls._POSITIVE[k] + sp.Rational(i, 10)
                elif s.is_negative or s.is_nonpositive:
                    values[s] = -cls._POSITIVE[k] - sp.Rational(i, 10)
                else:
                    values[s] = cls._REAL[k] + sp.Rational(i, 10)
            draws.append(values)
        return draws


def _number(expr: sp.Expr, digits: int = 30) -> complex | None:
    value = attempt(lambda: sp.N(expr, digits), 3.0, None)
    if value is None or not value.is_number:
        return None
    try:
        c = complex(value)
    except (TypeError, ValueError):
        return None
    if c != c or abs(c) == float("inf"):
        return None
    return c


class _Frame:
    """The variable y of a support frame and where it lives (lo, hi)."""

    def __init__(self, kind: str, y: sp.Symbol, lo: sp.Expr, hi: sp.Expr, free: set):
        self.kind, self.y, self.lo, self.hi = kind, y, lo, hi
        self.draws = _Draws.make(free)

    def sign(self, f: sp.Expr) -> int | None:
        """+1 or -1 when f has one sign for y in the frame, else None."""
        if f.is_positive:
            return 1
        if f.is_negative:
            return -1
        interval = sp.Interval.open(self.lo, self.hi)
        signs = set()
        for values in self.draws:
            for point in interior_points(interval, 7):
                v = _number(f.xreplace(values).xreplace({self.y: sp.Float(point, 30)}), 20)
                if v is None or abs(v.imag) > 1e-12 * (1 + abs(v.real)) or v.real == 0:
                    return None
                signs.add(1 if v.real > 0 else -1)
        return signs.pop() if len(signs) == 1 else None


def _decompose(expr: sp.Expr, frame: _Frame) -> dict[tuple, sp.Expr] | None:
    """ℓ as {atom: coefficient}; None when SymPy cannot expand it in time."""
    y = frame.y
    expanded = attempt(lambda: sp.expand(expr), 5.0, None)
    if expanded is None:
        return None
    out: dict[tuple, sp.Expr] = {}
    for term in sp.Add.make_args(expanded):
        coeff, dep = term.as_independent(y, as_Add=False)
        if dep == 1:
            atoms = [(CONST, coeff)]
        else:
            atoms = [(key, coeff * c) for key, c in _atoms(dep, frame)]
        for key, c in atoms:
            out[key] = out.get(key, _ZERO) + c
    clean = {}
    for key, c in out.items():
        c = _tidy(c)
        if c != 0:
            clean[key] = c
    return clean


def _atoms(dep: sp.Expr, frame: _Frame) -> list[tuple[tuple, sp.Expr]]:
    y = frame.y
    if dep == y:
        return [(_pow(1), _ONE)]
    if dep.is_Pow and dep.base == y and y not in dep.exp.free_symbols:
        return [(_pow(dep.exp), _ONE)]
    if isinstance(dep, sp.log):
        return _log_atoms(dep.args[0], frame)
    if dep.is_Pow and dep.exp == 2 and isinstance(dep.base, sp.log) and dep.base.args[0] == y:
        return [(LOG2, _ONE)]
    if isinstance(dep, sp.exp):
        arg = dep.args[0]
        s = sp.diff(arg, y)
        if y not in s.free_symbols:
            t = sp.expand(arg - s * y)
            return [(("exp", _tidy(s)), sp.exp(t))]
    if isinstance(dep, sp.Abs):
        arg = dep.args[0]
        a = sp.diff(arg, y)
        if y not in a.free_symbols and a != 0:
            r = _tidy(-sp.expand(arg - a * y) / a)
            return [(("abs", r), sp.Abs(a))]
        found = _abs_log_atom(arg, frame)
        if found is not None:
            return found
    return [(("other", dep), _ONE)]


def _abs_log_atom(arg: sp.Expr, frame: _Frame):
    """|a log y + b| = |a| · |log y − m| with m = −b/a (log-Laplace), or None."""
    y = frame.y
    if not frame.lo.is_nonnegative:
        return None
    w = sp.Dummy("w")
    g = attempt(lambda: sp.expand(sp.expand_log(arg, force=False)), 2.0, arg).xreplace(
        {sp.log(y): w}
    )
    if y in g.free_symbols or not attempt(lambda: g.is_polynomial(w), 1.0, False):
        return None
    poly = _safe(lambda: sp.Poly(g, w), 2.0, None)
    if poly is None or poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    return [(("abslog", _tidy(-b / a)), sp.Abs(a))]


def _power_sum_atom(f: sp.Expr, frame: _Frame):
    """log(A + B y^c) = log(y^c + A/B) + log B for A, B > 0 (log-logistic), or None."""
    y = frame.y
    if not frame.lo.is_nonnegative:
        return None
    terms = sp.Add.make_args(sp.expand(f))
    if len(terms) != 2:
        return None
    const, rest = (
        sp.Add(*[t for t in terms if y not in t.free_symbols]),
        [t for t in terms if y in t.free_symbols],
    )
    if len(rest) != 1:
        return None
    coeff, power = rest[0].as_independent(y, as_Add=False)
    if not (power.is_Pow and power.base == y and y not in power.exp.free_symbols):
        return None
    if frame.sign(const) != 1 or frame.sign(coeff) != 1:
        return None
    return [(("powsum", _tidy(power.exp), _tidy(const / coeff)), _ONE)], coeff


def _safe(call: Callable[[], Any], seconds: float, default: Any) -> Any:
    """:func:`attempt` that also treats SymPy's polynomial errors as 'could not'."""
    try:
        return attempt(call, seconds, default)
    except (sp.PolynomialError, sp.polys.polyerrors.BasePolynomialError):
        return default


def _log_atoms(arg: sp.Expr, frame: _Frame) -> list[tuple[tuple, sp.Expr]]:
    """log(arg) as a sum of atoms, factoring arg (which is positive on the frame)."""
    y = frame.y
    whole = [(("other", sp.log(arg)), _ONE)]
    if arg == y:
        return [(LOG, _ONE)]
    power_sum = _power_sum_atom(arg, frame)
    if power_sum is not None and power_sum[0][0][0][1] not in (1, 2):
        atoms, c = power_sum
        return [*atoms, (CONST, sp.log(c))]
    simpler = _safe(lambda: sp.factor(sp.cancel(sp.together(arg))), 3.0, arg)
    out: list[tuple[tuple, sp.Expr]] = []
    # exponential factors: log(e^u) = u, decomposed in its own right
    rest_factors = []
    for factor in sp.Mul.make_args(simpler):
        if isinstance(factor, sp.exp):
            u = factor.args[0]
        elif factor.is_Pow and isinstance(factor.base, sp.exp) and factor.exp.is_number:
            u = factor.exp * factor.base.args[0]
        else:
            u = None
        if u is not None and y in u.free_symbols:
            inner = _decompose(u, frame)
            if inner is None:
                return whole
            out.extend(inner.items())
        else:
            rest_factors.append(factor)
    simpler = sp.Mul(*rest_factors)
    factored = _factor_fraction(simpler)
    if factored is None:
        return whole
    lead, factors = factored
    constant = sp.log(sp.Abs(lead))
    for f, k in factors:
        k = sp.Integer(k)
        if y not in f.free_symbols:
            constant += k * sp.log(sp.Abs(f))
            continue
        found = _factor_atoms(f, frame)
        if found is None and k.is_integer and k.is_even:
            found = _even_power_atoms(f, frame)
        if found is None:
            return whole
        atoms, c = found
        out.extend((key, k * coeff) for key, coeff in atoms)
        constant += k * sp.log(c)
    out.append((CONST, constant))
    return out


def _factor_atoms(f: sp.Expr, frame: _Frame) -> tuple[list[tuple[tuple, sp.Expr]], sp.Expr] | None:
    """log|f| on the frame as (atoms with coefficients, c > 0): log|f| = Σ c_k φ_k + log c."""
    y = frame.y
    if f == y:
        return ([(LOG, _ONE)], _ONE) if frame.lo.is_nonnegative else None
    if not attempt(lambda: f.is_polynomial(y), 1.0, False):
        found = _power_sum_atom(f, frame)
        if found is not None:
            return found
    if attempt(lambda: f.is_polynomial(y), 1.0, False):
        poly = _safe(lambda: sp.Poly(f, y), 2.0, None)
        if poly is None:
            return None
        coeffs = poly.all_coeffs()
        sign_f = frame.sign(f)
        if sign_f is None:
            return None
        if poly.degree() == 1:
            a, b = coeffs
            r = _tidy(-b / a)
            if r == 0:
                return ([(LOG, _ONE)], _tidy(sign_f * a)) if frame.lo.is_nonnegative else None
            sign = frame.sign(y - r)
            if sign is None:
                return None
            return [(("lin", r, sign), _ONE)], _tidy(sign_f * sign * a)
        if poly.degree() == 2:
            a, b, c = coeffs
            if not _negative(_tidy(b**2 - 4 * a * c), frame):
                return None
            m = _tidy(-b / (2 * a))
            d = _tidy(c / a - m**2)
            return [(("quad", m, d), _ONE)], _tidy(sign_f * a)
        return None
    exps = [e for e in f.atoms(sp.exp) if y in e.free_symbols]
    if len(exps) != 1:
        return None
    (e,) = exps
    s = sp.diff(e.args[0], y)
    if y in s.free_symbols:
        return None
    t = sp.expand(e.args[0] - s * y)
    w = sp.Dummy("w")
    g = f.xreplace({e: w})
    if y in g.free_symbols or not attempt(lambda: g.is_polynomial(w), 1.0, False):
        return None
    poly = _safe(lambda: sp.Poly(g, w), 2.0, None)
    if poly is None or poly.degree() != 1:
        return None
    b, a = poly.all_coeffs()  # f = a + b e^{s y + t}
    if frame.sign(a) != 1 or frame.sign(b) != 1:
        return None
    shift = _tidy(t + sp.log(b / a))
    s = _tidy(s)
    if frame.sign(s) == -1:
        # log(1 + e^u) = u + log(1 + e^{-u}): keep the slope of the atom positive
        atoms = [(("softplus", -s, _tidy(-shift)), _ONE), (_pow(1), s), (CONST, shift)]
        return atoms, a
    return [(("softplus", s, shift), _ONE)], a


def _factor_fraction(expr: sp.Expr):
    """(lead, [(factor, power)]) of a rational expression; denominators get powers < 0."""
    num, den = sp.fraction(expr)
    top = _safe(lambda: sp.factor_list(num), 3.0, None)
    bottom = _safe(lambda: sp.factor_list(den), 3.0, None)
    if top is None or bottom is None:
        return None
    return top[0] / bottom[0], list(top[1]) + [(f, -k) for f, k in bottom[1]]


def _even_power_atoms(f: sp.Expr, frame: _Frame):
    """log|a y + b| for a linear factor raised to an even power (it may change sign)."""
    y = frame.y
    poly = _safe(lambda: sp.Poly(f, y), 2.0, None)
    if poly is None or poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    return [(("logabs", _tidy(-b / a)), _ONE)], sp.Abs(a)


def _negative(v: sp.Expr, frame: _Frame) -> bool:
    if v.is_negative:
        return True
    if v.is_nonnegative:
        return False
    values = [_number(v.xreplace(d), 20) for d in frame.draws]
    return all(c is not None and c.real < 0 for c in values)


# ---------------------------------------------------------------------------------------
# Matching: coefficients -> candidate parameters, most specific first
# ---------------------------------------------------------------------------------------


def _only(terms: Mapping[tuple, sp.Expr], *allowed: tuple) -> bool:
    return set(terms) - {CONST} <= set(allowed)


def _kind(terms: Mapping[tuple, sp.Expr], kind: str) -> list[tuple]:
    return [k for k in terms if k[0] == kind]


def _sqrt(v: sp.Expr) -> sp.Expr:
    return _tidy(sp.sqrt(v))


def _match_real(t: Mapping[tuple, sp.Expr]) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    c1, c2 = t.get(_pow(1), _ZERO), t.get(_pow(2), _ZERO)
    if _only(t, _pow(1), _pow(2)) and c2 != 0:
        var = _tidy(-1 / (2 * c2))
        out.append(("Normal", {"mu": _tidy(c1 * var), "sigma": _sqrt(var)}))
    quads = _kind(t, "quad")
    if len(quads) == 1 and _only(t, quads[0]):
        _, m, d = quads[0]
        c = t[quads[0]]
        if c == -1:
            out.append(("Cauchy", {"x0": m, "gamma": _sqrt(d)}))
        nu = _tidy(-2 * c - 1)
        out.append(("StudentT", {"nu": nu, "mu": m, "sigma": _sqrt(d / nu)}))
    soft = _kind(t, "softplus")
    if len(soft) == 1 and _only(t, soft[0], _pow(1)) and t[soft[0]] == -2:
        _, s, shift = soft[0]
        out.append(("Logistic", {"mu": _tidy(-shift / s), "s": _tidy(1 / s)}))
    absolute = _kind(t, "abs")
    if len(absolute) == 1 and _only(t, absolute[0]):
        out.append(("Laplace", {"mu": absolute[0][1], "b": _tidy(-1 / t[absolute[0]])}))
    exps = _kind(t, "exp")
    if len(exps) == 1 and _only(t, exps[0], _pow(1)):
        s = exps[0][1]
        ce = t[exps[0]]
        beta = _tidy(-1 / s)
        out.append(("Gumbel", {"mu": _tidy(beta * sp.log(-ce)), "beta": beta}))
        beta = _tidy(1 / s)
        out.append(("GumbelMin", {"mu": _tidy(-beta * sp.log(-ce)), "beta": beta}))
    return out


def _match_above(t: Mapping[tuple, sp.Expr], lo: sp.Expr) -> list[tuple[str, dict]]:
    out: list[tuple[str, dict]] = []
    loc = {} if lo == 0 else {"loc": lo}
    c_log = t.get(LOG, _ZERO)
    c1 = t.get(_pow(1), _ZERO)
    if _only(t, LOG, _pow(1)) and c1 != 0:
        shape, rate = _tidy(c_log + 1), _tidy(-c1)
        if shape == 1:
            out.append(("Exponential", {"rate": rate, **loc}))
        k = _tidy(2 * shape)
        if rate == _HALF and k.is_integer:
            out.append(("ChiSquared", {"k": k, **loc}))
        out.append(("Gamma", {"shape": shape, "rate": rate, **loc}))
    c2 = t.get(_pow(2), _ZERO)
    if _only(t, LOG, _pow(2)) and c2 != 0:
        sigma = _sqrt(-1 / (2 * c2))
        k = _tidy(c_log + 1)
        if k == 1:
            out.append(("HalfNormal", {"sigma": sigma, **loc}))
        if k == 2:
            out.append(("Rayleigh", {"sigma": sigma, **loc}))
        if k == 3:
            out.append(("Maxwell", {"sigma": sigma, **loc}))
    powers = [key for key in _kind(t, "pow") if key[1] != 0]
    if len(powers) == 1 and _only(t, LOG, powers[0]):
        k = powers[0][1]
        cp = t[powers[0]]
        lam = _root(-cp, -k)
        if lam is not None and _tidy(c_log - (k - 1)) == 0:
            if k == 2:
                out.append(("Rayleigh", {"sigma": _tidy(lam / sp.sqrt(2)), **loc}))
            out.append(("Weibull", {"k": k, "lambda": lam, **loc}))
    if _only(t, LOG, _pow(2)) and c2 != 0:
        out.append(("Chi", {"k": _tidy(c_log + 1), "sigma": _sqrt(-1 / (2 * c2)), **loc}))
    c_inv = t.get(_pow(-1), _ZERO)
    if _only(t, LOG, _pow(-1)) and c_inv != 0:
        alpha, beta = _tidy(-c_log - 1), _tidy(-c_inv)
        if alpha == _HALF:
            out.append(("Levy", {"mu": lo, "c": _tidy(2 * beta)}))
        out.append(("InverseGamma", {"alpha": alpha, "beta": beta, **loc}))
    for key in powers:
        k = key[1]
        scale = _root(-t[key], k) if k.is_negative and _only(t, LOG, key) else None
        if scale is not None and _tidy(c_log + 1 - k) == 0:
            out.append(("Frechet", {"c": _tidy(-k), **loc, **_scale_kw(scale)}))
    soft = _kind(t, "softplus")
    if len(soft) == 1 and _only(t, soft[0], _pow(1)) and t[soft[0]] == -2 and soft[0][2] == 0:
        out.append(("HalfLogistic", {**loc, **_scale_kw(_tidy(1 / soft[0][1]))}))
    exps = _kind(t, "exp")
    if len(exps) == 1 and _only(t, exps[0], _pow(1)) and _positive(exps[0][1]):
        slope = exps[0][1]
        if _tidy(t.get(_pow(1), _ZERO) - slope) == 0:
            c = _tidy(-t[exps[0]])
            out.append(("Gompertz", {"c": c, **loc, **_scale_kw(_tidy(1 / slope))}))
    abslogs = _kind(t, "abslog")
    if len(abslogs) == 1 and _only(t, LOG, abslogs[0]) and c_log == -1:
        scale = _tidy(sp.exp(abslogs[0][1]))
        out.append(("LogLaplace", {"c": _tidy(-t[abslogs[0]]), **loc, **_scale_kw(scale)}))
    c_log2 = t.get(LOG2, _ZERO)
    if _only(t, LOG, LOG2) and c_log2 != 0:
        var = _tidy(-1 / (2 * c_log2))
        out.append(("LogNormal", {"mu": _tidy((c_log + 1) * var), "sigma": _sqrt(var), **loc}))
    shifted = ("lin", _tidy(-lo), 1)
    if lo != 0 and _only(t, shifted) and shifted in t:
        out.append(("Pareto", {"alpha": _tidy(-t[shifted] - 1), "x_m": lo}))
    out += _match_ratio_families(t, loc)
    return out


def _scale_kw(scale: sp.Expr) -> dict:
    return {} if scale == 1 else {"scale": scale}


def _match_ratio_families(t: Mapping[tuple, sp.Expr], loc: dict) -> list[tuple[str, dict]]:
    """y^{a−1}(1 + y/s)^{−(a+b)} and y^{c−1}(1 + (y/s)^c)^{−2}: Fisk, F, BetaPrime, HalfCauchy."""
    out: list[tuple[str, dict]] = []
    c_log = t.get(LOG, _ZERO)
    lins = [k for k in _kind(t, "lin") if k[2] == 1]
    if len(lins) == 1 and _only(t, LOG, lins[0]) and _frame_negative(lins[0][1]):
        scale = _tidy(-lins[0][1])
        a = _tidy(c_log + 1)
        b = _tidy(-t[lins[0]] - a)
        if a == 1 and b == 1:
            out.append(("Fisk", {"c": _ONE, **loc, **_scale_kw(scale)}))
        f_scale = _tidy(scale * a / b)
        if scale != 1 and f_scale == 1:
            out.append(("F", {"d1": _tidy(2 * a), "d2": _tidy(2 * b), **loc}))
        out.append(("BetaPrime", {"a": a, "b": b, **loc, **_scale_kw(scale)}))
    quads = _kind(t, "quad")
    if len(quads) == 1 and quads[0][1] == 0 and _only(t, LOG, quads[0]):
        scale = _sqrt(quads[0][2])
        if c_log == 0 and t[quads[0]] == -1:
            out.append(("HalfCauchy", {**loc, **_scale_kw(scale)}))
        if c_log == 1 and t[quads[0]] == -2:
            out.append(("Fisk", {"c": sp.Integer(2), **loc, **_scale_kw(scale)}))
    sums = _kind(t, "powsum")
    if len(sums) == 1 and _only(t, LOG, sums[0]) and t[sums[0]] == -2:
        _, c, q = sums[0]
        scale = _root(q, c)
        if scale is not None and _tidy(c_log - (c - 1)) == 0:
            out.append(("Fisk", {"c": c, **loc, **_scale_kw(scale)}))
    return out


def _positive(v: sp.Expr) -> bool:
    """v > 0 as far as SymPy can tell."""
    return bool(v.is_positive)


def _frame_negative(v: sp.Expr) -> bool:
    """v < 0 as far as SymPy can tell (a root of a linear factor left of the frame)."""
    return bool(v.is_negative)


def _match_between(t: Mapping[tuple, sp.Expr], lo: sp.Expr, hi: sp.Expr) -> list[tuple]:
    out: list[tuple[str, dict]] = []
    if _only(t):
        out.append(("Uniform", {"a": lo, "b": hi}))
    right = ("lin", _ONE, -1)
    if _only(t, LOG, right):
        extra = {} if (lo, hi) == (0, 1) else {"loc": lo, "scale": _tidy(hi - lo)}
        a, b = _tidy(t.get(LOG, _ZERO) + 1), _tidy(t.get(right, _ZERO) + 1)
        if a == _HALF and b == _HALF:
            out.append(("Arcsine", extra))
        out.append(("Beta", {"a": a, "b": b, **extra}))
    lins = _kind(t, "lin")
    if lo.is_positive and len(lins) == 1 and _only(t, lins[0]) and t[lins[0]] == -1:
        out.append(("LogUniform", {"a": lo, "b": hi}))
    return out


# ---------------------------------------------------------------------------------------
# Verification and the entry point
# ---------------------------------------------------------------------------------------


def _valid(spec: _Spec, params: Mapping[str, sp.Expr]) -> bool:
    for name in spec.positive:
        v = params.get(name)
        if v is None or v.is_positive is False or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I):
            return False
    return all(
        not (isinstance(v, sp.Expr) and v.has(sp.nan, sp.zoo, sp.I)) for v in params.values()
    )


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    if a == b:
        return True
    if a.is_infinite or b.is_infinite:
        return False
    return attempt(lambda: sp.simplify(a - b) == 0, 3.0, False)


def _verify(
    spec: _Spec,
    params: dict,
    ell: sp.Expr,
    x: sp.Symbol,
    support: sp.Set,
    gaps: tuple[float, ...] = (),
) -> bool:
    """Template ℓ equals the flow's ℓ at many points, and the supports coincide.

    ``gaps`` are points of the support's span where the flow's density is not defined.
    """
    if not _valid(spec, params):
        return False
    theirs = spec.support(params)
    if not (_same(theirs.inf, support.inf) and _same(theirs.sup, support.sup)):
        return False
    template = spec.log_density(x, params)
    free = ell.free_symbols | template.free_symbols | support.free_symbols
    for values in _Draws.make(free - {x}):
        region = sp.Interval.open(support.inf.xreplace(values), support.sup.xreplace(values))
        if not region.inf.is_number or not region.sup.is_number:
            return False
        points = [p for p in interior_points(region, 11) if p not in gaps]
        points += [p + 0.03125 for p in points if p + 0.03125 not in gaps][:4]
        if not points:
            return False
        for point in points:
            at = {**values, x: sp.Float(point, 30)}
            mine, theirs_v = _number(ell.xreplace(at)), _number(template.xreplace(at))
            if mine is None or theirs_v is None:
                return False
            if abs(mine - theirs_v) > 1e-10 * (1 + abs(mine)):
                return False
    return True


def _candidates(ell: sp.Expr, x: sp.Symbol, support: sp.Set, free: set):
    lo, hi = support.inf, support.sup
    if lo == -sp.oo and hi == sp.oo:
        y = sp.Symbol("y", real=True)
        frame = _Frame("real", y, -sp.oo, sp.oo, free)
        terms = _decompose(ell.xreplace({x: y}), frame)
        return [] if terms is None else _match_real(terms)
    if hi == sp.oo:
        y = sp.Symbol("y", positive=True)
        frame = _Frame("above", y, _ZERO, sp.oo, free)
        terms = _decompose(ell.xreplace({x: y + lo}), frame)
        return [] if terms is None else _match_above(terms, lo)
    if lo != -sp.oo:
        y = sp.Symbol("y", positive=True)
        frame = _Frame("between", y, _ZERO, _ONE, free)
        terms = _decompose(ell.xreplace({x: lo + (hi - lo) * y}) + sp.log(hi - lo), frame)
        return [] if terms is None else _match_between(terms, lo, hi)
    return []


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def recognise(flow) -> Family | None:
    """The named family of the flow's distribution, with exact parameters, or None.

    Parameters
    ----------
    flow : Flow
        A scalar flow (or a d-dimensional one: MultivariateNormal is recognised).

    Returns
    -------
    Family or None
        None when the density is not one of :data:`FAMILIES` (for instance sinh of a
        Normal), when it is piecewise across several regions, or when it involves an
        inverse with no closed form.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> recognise(sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]))
    Exponential(rate=1)
    >>> mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    >>> recognise(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)]))
    LogNormal(mu=mu, sigma=sigma)
    """
    try:
        return _CACHE[flow]
    except (KeyError, TypeError):
        pass
    found = _recognise(flow)
    try:
        _CACHE[flow] = found
    except TypeError:  # not weak-referenceable: no caching
        pass
    return found


def _recognise(flow) -> Family | None:
    """Recognition proper (the flow's Program is immutable, so results are cached)."""
    if getattr(flow, "dimension", 1) > 1:
        if not flow.program.paths:  # a marginal of several outputs: no Program paths
            return None
        return _recognise_multivariate(flow)
    from symflow.core.closed_form import log_density_terms

    program = flow.program
    seen: list[sp.Expr] = []
    # the tidy log of the closed form first, then its textbook form (logit of a Beta:
    # 2x − 5 log(1 + eˣ) + log 12), so that recognition does not depend on the spelling
    for textbook in (False, True):
        terms = log_density_terms(program, textbook=textbook)
        if not terms or any(t[0] == s for t in terms[:1] for s in seen):
            continue
        seen.append(terms[0][0])
        found = _recognise_terms(terms, program)
        if found is not None:
            return found
    return None


def _recognise_terms(terms: list[tuple[sp.Expr, sp.Set]], program) -> Family | None:
    """The family whose template equals the log-density given on the regions of terms."""
    from symflow.core.layer import ImplicitInverse

    ell = terms[0][0]
    for other, _ in terms[1:]:
        # the same expression on regions that differ only by points: one density
        if not attempt(lambda o=other: sp.expand(o - ell) == 0, 3.0, False):
            return _recognise_piecewise(terms, program.x)
    if ell.has(ImplicitInverse):
        return None
    region = sp.Union(*[r for _, r in terms])
    support = _closed_gaps(region)
    if support is None:
        return None
    gaps = tuple(float(p) for p in sp.Complement(support, region) if p.is_number)
    x = program.x
    free = set(program.parameters) | (ell.free_symbols - {x})
    for name, params in _candidates(ell, x, support, free):
        spec = _SPECS[name]
        if _verify(spec, params, ell, x, support, gaps):
            return Family(name, params)
    return None


def _recognise_piecewise(terms, x: sp.Symbol) -> Family | None:
    """Triangular (two linear pieces), Laplace or AsymmetricLaplace (a log-density
    linear on each side of μ), LogLaplace (linear in the log on each side of the scale)
    or Irwin–Hall (n ≥ 3 polynomial pieces of equal width): the family whose density
    equals the pieces at points inside each piece."""
    if not all(isinstance(r, sp.Interval) for _, r in terms):
        return None
    pieces = in_order(terms, key=lambda t: t[1].inf)
    if pieces is None:
        return None
    if any(a[1].sup != b[1].inf for a, b in zip(pieces, pieces[1:], strict=False)):
        return None
    lo, hi, n = pieces[0][1].inf, pieces[-1][1].sup, len(pieces)
    if n == 2 and lo == -sp.oo and hi == sp.oo:
        family = _two_sided_exponential(pieces, x)
    elif n == 2 and hi == sp.oo:
        family = _log_laplace(pieces, x)
    elif n == 2:
        family = Family("Triangular", {"a": lo, "c": pieces[0][1].sup, "b": hi})
    else:
        widths = {r.sup - r.inf for _, r in pieces}
        if len(widths) != 1:
            return None
        params = {"n": n}
        if lo != 0:
            params["loc"] = lo
        if widths != {1}:
            params["scale"] = widths.pop()
        family = Family("IrwinHall", params)
    if family is None:
        return None
    template = family.log_density(x)
    if all(_agrees_on(ell, template, x, region) for ell, region in pieces):
        return family
    return None


def _agrees_on(ell: sp.Expr, template: sp.Expr, x: sp.Symbol, region: sp.Interval) -> bool:
    """ℓ equals the template on ``region``: at points inside it where both are numbers,
    otherwise (parameters) exactly, at x = lo + y or hi − y for a positive y."""
    if ell.free_symbols | template.free_symbols | region.free_symbols <= {x}:
        for point in interior_points(region, 3):
            got, want = _number(ell.subs(x, point)), _number(template.subs(x, point))
            if got is None or want is None or abs(got - want) > 1e-10 * max(1.0, abs(want)):
                return False
        return bool(interior_points(region, 1))
    y = sp.Dummy("y", positive=True)
    if region.inf == -sp.oo and region.sup == sp.oo:
        return _same(ell, template)
    at = region.sup - y if region.inf == -sp.oo else region.inf + y
    return _same(ell.xreplace({x: at}), template.xreplace({x: at}))


def _slope(ell: sp.Expr, x: sp.Symbol, v: sp.Expr) -> sp.Expr | None:
    """a where ℓ = a·v + const on a piece, or None where ℓ is not linear in v."""
    a = attempt(lambda: sp.simplify(sp.diff(ell, x) / sp.diff(v, x)), 3.0, None)
    return None if a is None or a.has(x) else a


def _two_sided_exponential(pieces, x: sp.Symbol) -> Family | None:
    """Laplace (or AsymmetricLaplace) from a log-density linear in x on (−∞, μ) and on
    (μ, ∞), rising at rate a₁ and falling at rate a₂: κ² = a₂/a₁, b = 1/√(a₁a₂)."""
    (left, region), (right, _) = pieces
    a1, a2 = _slope(left, x, x), _slope(right, x, x)
    if a1 is None or a2 is None or not (a1.is_positive and a2.is_negative):
        return None
    mu = region.sup
    if a1 + a2 == 0:
        return Family("Laplace", {"mu": mu, "b": _tidy(1 / a1)})
    return Family(
        "AsymmetricLaplace",
        {"kappa": _sqrt(-a2 / a1), "mu": mu, "b": _tidy(1 / sp.sqrt(-a1 * a2))},
    )


def _log_laplace(pieces, x: sp.Symbol) -> Family | None:
    """LogLaplace from a log-density linear in log(x − loc) on (loc, loc + s) and on
    (loc + s, ∞), with slopes c − 1 and −c − 1."""
    (left, region), (right, _) = pieces
    loc, joint = region.inf, region.sup
    a1, a2 = _slope(left, x, sp.log(x - loc)), _slope(right, x, sp.log(x - loc))
    if a1 is None or a2 is None or a1 + a2 != -2 or not (a1 + 1).is_positive:
        return None
    params = {"c": a1 + 1}
    if loc != 0:
        params["loc"] = loc
    if joint - loc != 1:
        params["scale"] = joint - loc
    return Family("LogLaplace", params)


def _closed_gaps(region: sp.Set) -> sp.Interval | None:
    """The open interval spanned by ``region`` when they differ by finitely many points."""
    if isinstance(region, sp.Interval):
        return region
    hull = sp.Interval.open(region.inf, region.sup)
    gaps = attempt(lambda: sp.Complement(hull, region), 3.0, None)
    if gaps is None or not (gaps.is_empty or isinstance(gaps, sp.FiniteSet)):
        return None
    return hull


def _holds_everywhere(condition: sp.Basic, xs: list[sp.Symbol]) -> bool:
    """The support condition is true at every point of a grid over R^d.

    Box–Muller's condition (the angle atan2(x2, x1) mod 2π lies in [0, 2π), the radius
    term exp(−|x|²/2) ≤ 1) holds everywhere; the template check then decides.
    """
    if condition is sp.true:
        return True
    if not isinstance(condition, sp.Basic) or condition.free_symbols - set(xs):
        return False
    grid = [sp.Rational(v, 4) for v in (-13, -5, -1, 2, 7, 11)]
    for j in range(len(grid) ** 2):
        at = {v: grid[(j * (i + 1) + i) % len(grid)] for i, v in enumerate(xs)}
        value = attempt(lambda a=at: condition.xreplace(a), 2.0, None)
        if value is not sp.true:
            return False
    return True


def _recognise_multivariate(flow) -> Family | None:
    """MultivariateNormal when ℓ(x) is quadratic with a constant negative-definite Hessian.

    This is the hook for d-dimensional families; add further matchers here.
    """
    program = flow.program
    xs = list(getattr(program, "inputs", ()))
    if len(xs) < 2:
        return None
    from symflow.core.closed_form import log_density_terms

    ((ell, region),) = log_density_terms(program)
    ell = ell.xreplace(dict(zip(program.inputs, xs, strict=True)))
    if ell.has(sp.Piecewise) or not _holds_everywhere(region, xs):
        return None
    expanded = attempt(lambda: sp.expand(ell), 5.0, None)
    if expanded is None or not attempt(lambda: expanded.is_polynomial(*xs), 2.0, False):
        return None
    if attempt(lambda: sp.Poly(expanded, *xs).total_degree(), 2.0, 99) != 2:
        return None
    hessian = sp.hessian(expanded, xs)
    if hessian.free_symbols & set(xs):
        return None
    precision = -hessian
    if precision.is_positive_definite is False:
        return None
    cov = attempt(lambda: precision.inv().applyfunc(_tidy), 5.0, None)
    if cov is None:
        return None
    gradient = sp.Matrix([sp.diff(expanded, v) for v in xs]).xreplace({v: 0 for v in xs})
    mean = (cov * gradient).applyfunc(_tidy)
    params = {"mean": sp.ImmutableMatrix(mean), "cov": sp.ImmutableMatrix(cov)}
    template = _ld_mvn(xs, params)
    for values in _Draws.make(expanded.free_symbols - set(xs)):
        for j in range(6):
            at = {v: sp.Rational((3 * i + 5 * j) % 7 - 3, 2) for i, v in enumerate(xs)}
            a = _number(expanded.xreplace({**values, **at}))
            b = _number(template.xreplace({**values, **at}))
            if a is None or b is None or abs(a - b) > 1e-10 * (1 + abs(a)):
                return None
    return Family("MultivariateNormal", params)
