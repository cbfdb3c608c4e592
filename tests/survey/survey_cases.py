"""Textbook transformations with their densities written by hand, for the public-API survey.

Each case is a flow built through ``symflow``'s public names, the textbook density of its
output as an mpmath function (Casella & Berger ch. 2 and 4, Hogg–McKean–Craig ch. 2 and
5), its exact support and, where the result is a named family, that family's name. The
survey (:mod:`survey`) evaluates the compiled kernels at bulk points, at the support's
edges and one rounding inside them, at 1e-300 and 1e300, and at the forward images of base
quantiles down to 1e-300, and compares them with these oracles.

Nothing here calls symflow to compute an expected value: the oracles are the textbook's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import mpmath as mp
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)
oo = sp.oo
mpf = mp.mpf


def _log_phi(t):
    """log of the standard normal density."""
    return -t * t / 2 - mp.log(2 * mp.pi) / 2


def _log_beta_fn(a, b):
    return mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)


def _log1m_exp(t):
    """log(1 - e^t) for t < 0, without cancellation at the working precision."""
    return mp.log(-mp.expm1(t))


@dataclass(frozen=True)
class Base:
    """A base distribution, with its quantiles in mpmath (lower tail and upper tail)."""

    make: Callable[[], object]
    lower: Callable  # u -> z with P(Z <= z) = u
    upper: Callable  # u -> z with P(Z > z) = u


def _normal(mu=0, sigma=1):
    # the normal tail quantile from the inverse of erfc: for u = 1e-300 the argument 2u
    # is exact and mpmath's root of erfc(t) = 2u is correct to the working precision
    def upper(u):
        with mp.workdps(40):
            t = mp.findroot(lambda s: mp.log(mp.erfc(s)) - mp.log(2 * u), mp.sqrt(-mp.log(u)))
        return mu + sigma * mp.sqrt(2) * t

    return Base(lambda: sf.Normal(mu, sigma), lambda u: 2 * mu - upper(u), upper)


def _uniform(a, b):
    a, b = sp.sympify(a), sp.sympify(b)
    lo, hi = mpf(sp.N(a, 60)), mpf(sp.N(b, 60))
    return Base(
        lambda: sf.Uniform(a, b), lambda u: lo + u * (hi - lo), lambda u: hi - u * (hi - lo)
    )


def _exponential(rate=1):
    return Base(
        lambda: sf.Exponential(rate), lambda u: -mp.log1p(-u) / rate, lambda u: -mp.log(u) / rate
    )


def _gamma_quantile(k, u, upper):
    """Root of the regularised incomplete gamma in log space (t > 0)."""

    def tail(s):
        s = mp.exp(s)  # solve in log t: the root is well conditioned over all decades
        value = (
            mp.gammainc(k, s, mp.inf, regularized=True)
            if upper
            else mp.gammainc(k, 0, s, regularized=True)
        )
        return mp.log(value) - mp.log(u)

    with mp.workdps(40):
        guess = mp.log(-mp.log(u) + k) if upper else (mp.log(u) + mp.loggamma(k + 1)) / k
        return mp.exp(mp.findroot(tail, guess))


def _gamma(k, rate=1):
    return Base(
        lambda: sf.Gamma(k, rate),
        lambda u: _gamma_quantile(k, u, False) / rate,
        lambda u: _gamma_quantile(k, u, True) / rate,
    )


def _beta_quantile(a, b, u):
    """Lower-tail quantile of Beta(a, b), solved in log z."""

    def tail(s):
        return mp.log(mp.betainc(a, b, 0, mp.exp(s), regularized=True)) - mp.log(u)

    with mp.workdps(40):
        guess = (mp.log(u) + mp.log(a) + _log_beta_fn(a, b)) / a
        return mp.exp(mp.findroot(tail, min(guess, mpf(-1))))


def _beta(a, b):
    # upper tail through the mirror Beta(b, a): 1 - z is kept exact in mpmath
    return Base(
        lambda: sf.Beta(a, b),
        lambda u: _beta_quantile(a, b, u),
        lambda u: 1 - _beta_quantile(b, a, u),
    )


def _t_quantile(nu, u):
    def tail(s):
        x = mp.exp(s)
        cdf_tail = mp.betainc(nu / 2, mpf(1) / 2, 0, nu / (nu + x * x), regularized=True) / 2
        return mp.log(cdf_tail) - mp.log(u)

    with mp.workdps(40):
        return mp.exp(mp.findroot(tail, -mp.log(u) / nu))


def _student(nu):
    return Base(
        lambda: sf.StudentT(nu), lambda u: -_t_quantile(nu, u), lambda u: _t_quantile(nu, u)
    )


def _cauchy():
    return Base(lambda: sf.Cauchy(0, 1), lambda u: -mp.cot(mp.pi * u), lambda u: mp.cot(mp.pi * u))


def _logistic():
    return Base(
        lambda: sf.Logistic(0, 1),
        lambda u: mp.log(u) - mp.log1p(-u),
        lambda u: mp.log1p(-u) - mp.log(u),
    )


def _laplace():
    return Base(lambda: sf.Laplace(0, 1), lambda u: mp.log(2 * u), lambda u: -mp.log(2 * u))


def _weibull(k, scale):
    return Base(
        lambda: sf.Weibull(k, scale),
        lambda u: scale * (-mp.log1p(-u)) ** (mpf(1) / k),
        lambda u: scale * (-mp.log(u)) ** (mpf(1) / k),
    )


def _halfnormal():
    normal = _normal()
    return Base(
        lambda: sf.HalfNormal(1), lambda u: normal.upper((1 - u) / 2), lambda u: normal.upper(u / 2)
    )


def _chi2(k):
    gamma = _gamma(mpf(k) / 2, mpf(1) / 2)
    return Base(lambda: sf.ChiSquared(k), gamma.lower, gamma.upper)


def _implicit(f, fprime, log_base, guess):
    """log p_X(t) = log p_Z(z) − log f'(z) at the root z of f(z) = t (Newton in mpmath)."""

    def logpdf(t):
        root = guess(t)
        for _ in range(500):
            step = (f(root) - t) / fprime(root)
            root -= step
            if abs(step) <= mp.mpf(10) ** (-mp.mp.dps + 5) * max(abs(root), mp.mpf(10) ** -300):
                return log_base(root) - mp.log(fprime(root))
        raise ArithmeticError(f"the oracle's Newton iteration did not settle at x = {t}")

    return logpdf


@dataclass(frozen=True)
class Case:
    """A textbook transformation: flow, hand-written log-density, support, family name."""

    name: str
    base: Base
    exprs: tuple  # transforms in z, applied in order
    logpdf: Callable  # mpmath: x -> log p(x) for x in the support
    support: sp.Set  # in the symbol x
    family: str | None = None
    logcdf: Callable | None = None  # mpmath: x -> log F(x), where the textbook has it
    tags: tuple = field(default=())

    def flow(self) -> sf.Flow:
        return sf.Flow(self.base.make(), [sf.Transform(e, z) for e in self.exprs])

    def forward(self) -> Callable:
        """The forward map z -> x in mpmath (the user's own expressions, composed)."""
        fns = [sp.lambdify(z, e, modules="mpmath") for e in self.exprs]

        def f(t):
            for fn in fns:
                t = fn(t)
            return t

        return f


x = sp.Symbol("x", real=True)


def B23():
    """log B(2, 3), at the working precision of the call."""
    return _log_beta_fn(2, 3)


def LOG2PI():
    return mp.log(2 * mp.pi)


def _in(lo, hi, left_open=True, right_open=True):
    return sp.Interval(lo, hi, left_open, right_open)


CASES: list[Case] = [
    # Casella & Berger ex. 2.1-2.2, HMC 2.2: powers and logs of uniforms and normals
    Case(
        "N01-square",
        _normal(),
        (z**2,),
        lambda t: -t / 2 - mp.log(t) / 2 - LOG2PI() / 2,
        _in(0, oo),
        "ChiSquared",
        lambda t: mp.log(mp.gammainc(mpf(1) / 2, 0, t / 2, regularized=True)),
    ),
    Case(
        "U01-neglog",
        _uniform(0, 1),
        (-sp.log(z),),
        lambda t: -t,
        _in(0, oo),
        "Exponential",
        lambda t: _log1m_exp(-t),
    ),
    Case(
        "U01-neg2log",
        _uniform(0, 1),
        (-2 * sp.log(z),),
        lambda t: -t / 2 - mp.log(2),
        _in(0, oo),
        None,
    ),
    Case(
        "N01-exp",
        _normal(),
        (sp.exp(z),),
        lambda t: _log_phi(mp.log(t)) - mp.log(t),
        _in(0, oo),
        "LogNormal",
        lambda t: mp.log(mp.ncdf(mp.log(t))),
    ),
    Case(
        "N01-affine",
        _normal(),
        (2 * z + 3,),
        lambda t: _log_phi((t - 3) / 2) - mp.log(2),
        sp.Reals,
        "Normal",
        lambda t: mp.log(mp.ncdf((t - 3) / 2)),
    ),
    Case(
        "Exp-recip",
        _exponential(),
        (1 / z,),
        lambda t: -2 * mp.log(t) - 1 / t,
        _in(0, oo),
        None,
        lambda t: -1 / t,
    ),
    Case(
        "Exp-sqrt",
        _exponential(),
        (sp.sqrt(z),),
        lambda t: mp.log(2 * t) - t * t,
        _in(0, oo),
        None,
        lambda t: _log1m_exp(-t * t),
    ),
    Case(
        "Gamma-recip",
        _gamma(3, 2),
        (1 / z,),
        lambda t: 3 * mp.log(2) - mp.log(2) - 4 * mp.log(t) - 2 / t,
        _in(0, oo),
        None,
    ),
    Case(
        "U01-tan",
        _uniform(0, 1),
        (sp.tan(sp.pi * z - sp.pi / 2),),
        lambda t: -mp.log(mp.pi) - mp.log1p(t * t),
        sp.Reals,
        "Cauchy",
        lambda t: mp.log(mp.atan(t) / mp.pi + mpf(1) / 2),
    ),
    Case(
        "Usym-tan",
        _uniform(-sp.pi / 2, sp.pi / 2),
        (sp.tan(z),),
        lambda t: -mp.log(mp.pi) - mp.log1p(t * t),
        sp.Reals,
        "Cauchy",
    ),
    Case(
        "Cauchy-recip",
        _cauchy(),
        (1 / z,),
        lambda t: -mp.log(mp.pi) - mp.log1p(t * t),
        sp.Reals - sp.FiniteSet(0),
        "Cauchy",
    ),
    Case(
        "N01-recip",
        _normal(),
        (1 / z,),
        lambda t: _log_phi(1 / t) - 2 * mp.log(abs(t)),
        sp.Reals - sp.FiniteSet(0),
        None,
    ),
    Case(
        "U01-square",
        _uniform(0, 1),
        (z**2,),
        lambda t: -mp.log(2) - mp.log(t) / 2,
        _in(0, 1),
        "Beta",
        lambda t: mp.log(t) / 2,
    ),
    Case(
        "U01-sqrt",
        _uniform(0, 1),
        (sp.sqrt(z),),
        lambda t: mp.log(2 * t),
        _in(0, 1),
        "Beta",
        lambda t: 2 * mp.log(t),
    ),
    Case(
        "Um11-square",
        _uniform(-1, 1),
        (z**2,),
        lambda t: -mp.log(2) - mp.log(t) / 2,
        _in(0, 1),
        "Beta",
    ),
    Case(
        "Beta-reflect",
        _beta(2, 3),
        (1 - z,),
        lambda t: 2 * mp.log(t) + mp.log1p(-t) - B23(),
        _in(0, 1),
        "Beta",
    ),
    Case(
        "Beta-logit",
        _beta(2, 3),
        (sp.log(z / (1 - z)),),
        lambda t: -2 * mp.log1p(mp.exp(-t)) - 3 * mp.log1p(mp.exp(t)) - B23(),
        sp.Reals,
        None,
    ),
    Case("Exp-expneg", _exponential(), (sp.exp(-z),), lambda t: mpf(0), _in(0, 1), "Uniform"),
    Case(
        "Exp-weibull",
        _exponential(),
        (2 * z ** sp.Rational(1, 3),),
        lambda t: mp.log(3) - mp.log(2) + 2 * mp.log(t / 2) - (t / 2) ** 3,
        _in(0, oo),
        "Weibull",
    ),
    Case("Weibull-square", _weibull(2, 1), (z**2,), lambda t: -t, _in(0, oo), "Exponential"),
    Case("Laplace-abs", _laplace(), (sp.Abs(z),), lambda t: -t, _in(0, oo), "Exponential"),
    Case(
        "N01-abs",
        _normal(),
        (sp.Abs(z),),
        lambda t: _log_phi(t) + mp.log(2),
        _in(0, oo),
        "HalfNormal",
    ),
    Case("Logistic-exp", _logistic(), (sp.exp(z),), lambda t: -2 * mp.log1p(t), _in(0, oo), None),
    Case(
        "T3-square",
        _student(3),
        (z**2,),
        lambda t: (
            mp.loggamma(2)
            - mp.loggamma(mpf(1) / 2)
            - mp.loggamma(mpf(3) / 2)
            + mp.log(3) * mpf(3) / 2
            - mp.log(t) / 2
            - 2 * mp.log(3 + t)
        ),
        _in(0, oo),
        None,
    ),
    Case("Gamma-log", _gamma(2, 1), (sp.log(z),), lambda t: 2 * t - mp.exp(t), sp.Reals, None),
    Case("U01-odds", _uniform(0, 1), (z / (1 - z),), lambda t: -2 * mp.log1p(t), _in(0, oo), None),
    Case(
        "Beta-odds",
        _beta(2, 3),
        (z / (1 - z),),
        lambda t: mp.log(t) - 5 * mp.log1p(t) - B23(),
        _in(0, oo),
        None,
    ),
    Case(
        "N01-sinh",
        _normal(),
        (sp.sinh(z),),
        lambda t: _log_phi(mp.asinh(t)) - mp.log1p(t * t) / 2,
        sp.Reals,
        None,
    ),
    Case(
        "U01-probit",
        _uniform(0, 1),
        (sp.sqrt(2) * sp.erfinv(2 * z - 1),),
        _log_phi,
        sp.Reals,
        "Normal",
        lambda t: mp.log(mp.ncdf(t)),
    ),
    Case(
        "U01-gumbel",
        _uniform(0, 1),
        (-sp.log(-sp.log(z)),),
        lambda t: -t - mp.exp(-t),
        sp.Reals,
        "Gumbel",
        lambda t: -mp.exp(-t),
    ),
    Case("Exp-log", _exponential(), (sp.log(z),), lambda t: t - mp.exp(t), sp.Reals, None),
    Case(
        "U01-atanh",
        _uniform(0, 1),
        (sp.atanh(z),),
        lambda t: -2 * mp.log(mp.cosh(t)),
        _in(0, oo),
        None,
    ),
    Case(
        "N01-cube",
        _normal(),
        (z**3,),
        lambda t: _log_phi(mp.cbrt(abs(t))) - mp.log(3) - 2 * mp.log(abs(t)) / 3,
        sp.Reals,
        None,
    ),  # p(0) = +oo: 0 is the image of z = 0, where f' = 0
    Case(
        "Chi2-sqrt",
        _chi2(4),
        (sp.sqrt(z),),
        lambda t: 3 * mp.log(t) - t * t / 2 - mp.log(2),
        _in(0, oo),
        None,
    ),
    Case(
        "U0pi-cos",
        _uniform(0, sp.pi),
        (sp.cos(z),),
        lambda t: -mp.log(mp.pi) - mp.log1p(-t * t) / 2,
        _in(-1, 1),
        "Arcsine",
    ),
    Case(
        "U010-cos",
        _uniform(0, 10),
        (sp.cos(z),),  # 4 preimages below cos 10, else 3
        lambda t: mp.log(4 if t < mp.cos(10) else 3) - mp.log(10) - mp.log1p(-t * t) / 2,
        _in(-1, 1),
        None,
    ),
    Case(
        "U01-sin",
        _uniform(0, 1),
        (sp.sin(sp.pi * z / 2),),
        lambda t: mp.log(2 / mp.pi) - mp.log1p(-t * t) / 2,
        _in(0, 1),
        None,
    ),
    Case("Exp-pit", _exponential(), (1 - sp.exp(-z),), lambda t: mpf(0), _in(0, 1), "Uniform"),
    Case(
        "HalfN-square",
        _halfnormal(),
        (z**2,),
        lambda t: -t / 2 - mp.log(t) / 2 - LOG2PI() / 2,
        _in(0, oo),
        "ChiSquared",
    ),
    Case(
        "Beta-neglog",
        _beta(2, 3),
        (-sp.log(z),),
        lambda t: -2 * t + 2 * _log1m_exp(-t) - B23(),
        _in(0, oo),
        None,
    ),
    Case("U01-recip", _uniform(0, 1), (1 / z,), lambda t: -2 * mp.log(t), _in(1, oo), "Pareto"),
    Case(
        "Exp2-pareto",
        _exponential(2),
        (sp.exp(z),),
        lambda t: mp.log(2) - 3 * mp.log(t),
        _in(1, oo),
        "Pareto",
    ),
    Case(
        "N01-sigmoid",
        _normal(),
        (1 / (1 + sp.exp(-z)),),
        lambda t: _log_phi(mp.log(t) - mp.log1p(-t)) - mp.log(t) - mp.log1p(-t),
        _in(0, 1),
        None,
    ),
    Case(
        "Gamma-scale",
        _gamma(2, 3),
        (5 * z,),
        lambda t: 2 * mp.log(mpf(3) / 5) + mp.log(t) - 3 * t / 5,
        _in(0, oo),
        "Gamma",
    ),
    Case(
        "Cauchy-affine",
        _cauchy(),
        (3 * z - 1,),
        lambda t: -mp.log(3 * mp.pi) - mp.log1p(((t + 1) / 3) ** 2),
        sp.Reals,
        "Cauchy",
    ),
    Case(
        "Laplace-affine",
        _laplace(),
        (2 * z + 1,),
        lambda t: -abs(t - 1) / 2 - mp.log(4),
        sp.Reals,
        "Laplace",
    ),
    Case(
        "Logistic-neg",
        _logistic(),
        (-z,),
        lambda t: -t - 2 * mp.log1p(mp.exp(-t)),
        sp.Reals,
        "Logistic",
    ),
    Case(
        "T3-affine",
        _student(3),
        (2 * z,),
        lambda t: (
            mp.loggamma(2)
            - mp.loggamma(mpf(3) / 2)
            - mp.log(3 * mp.pi) / 2
            - 2 * mp.log1p((t / 2) ** 2 / 3)
            - mp.log(2)
        ),
        sp.Reals,
        None,
    ),
    Case(
        "Weibull-affine",
        _weibull(mpf(3) / 2, 2),
        (3 * z,),
        lambda t: mp.log(mpf(3) / 2 / 6) + (mpf(1) / 2) * mp.log(t / 6) - (t / 6) ** (mpf(3) / 2),
        _in(0, oo),
        "Weibull",
    ),
    Case(
        "Beta-affine",
        _beta(2, 3),
        (4 * z - 1,),
        lambda t: mp.log((t + 1) / 4) + 2 * mp.log((3 - t) / 4) - B23() - mp.log(4),
        _in(-1, 3),
        None,
    ),
    Case("Chi2-half", _chi2(4), (z / 2,), lambda t: mp.log(t) - t, _in(0, oo), "Gamma"),
]
"""The textbook transformations (one-variable results)."""

# supports whose ends are transcendental constants (cot 1, tan 2, log 2, e²): the edge
# tests see whether those ends are judged finite and rounded to the right float
CASES += [
    Case(
        "U12-cot",
        _uniform(1, 2),
        (sp.cot(z),),
        lambda t: -mp.log1p(t * t),
        _in(sp.cot(2), sp.cot(1)),
        None,
    ),
    Case(
        "U01-cot",
        _uniform(0, 1),
        (sp.cot(z),),
        lambda t: -mp.log1p(t * t),
        _in(sp.cot(1), oo),
        None,
    ),
    Case(
        "U01-tan-shifted",
        _uniform(0, 1),
        (sp.tan(z + 1),),
        lambda t: -mp.log1p(t * t),
        sp.Union(_in(-oo, sp.tan(2)), _in(sp.tan(1), oo)),
        None,
    ),
    Case(
        "U01-e-exp",
        _uniform(0, 1),
        (sp.E * sp.exp(z),),
        lambda t: -mp.log(t),
        _in(sp.E, sp.E**2),
        None,
    ),
    Case(
        "Exp-log-shift",
        _exponential(),
        (sp.log(z + sp.Rational(1, 2)),),
        lambda t: t - mp.exp(t) + mpf(1) / 2,
        _in(-sp.log(2), oo),
        None,
    ),
    Case(
        "N01-atan",
        _normal(),
        (sp.atan(z),),
        lambda t: _log_phi(mp.tan(t)) - 2 * mp.log(mp.cos(t)),
        _in(-sp.pi / 2, sp.pi / 2),
        None,
    ),
    Case(
        "U01-acos",
        _uniform(0, 1),
        (sp.acos(z),),
        lambda t: mp.log(mp.sin(t)),
        _in(0, sp.pi / 2),
        None,
    ),
    Case(
        "Beta-asin",
        _beta(2, 3),
        (sp.asin(z),),
        lambda t: mp.log(12 * mp.sin(t) * (1 - mp.sin(t)) ** 2 * mp.cos(t)),
        _in(0, sp.pi / 2),
        None,
    ),
    Case(
        "U01-recip-shift",
        _uniform(0, 1),
        (1 / (z + sp.sqrt(2)),),
        lambda t: -2 * mp.log(t),
        _in(1 / (1 + sp.sqrt(2)), 1 / sp.sqrt(2)),
        None,
    ),
    # no closed-form inverse: the kernels solve f(z) = x numerically; the oracle solves it
    # again in mpmath at 50 digits, by Newton from the textbook's asymptotic guess
    Case(
        "N01-cubic-plus",
        _normal(),
        (z + z**3,),
        _implicit(
            lambda s: s + s**3,
            lambda s: 1 + 3 * s**2,
            _log_phi,
            lambda t: mp.sign(t) * mp.cbrt(abs(t)) if abs(t) > 1 else t,
        ),
        sp.Reals,
        None,
    ),
    Case(
        "N01-kepler",
        _normal(),
        (z + sp.sin(z) / 2,),
        _implicit(lambda s: s + mp.sin(s) / 2, lambda s: 1 + mp.cos(s) / 2, _log_phi, lambda t: t),
        sp.Reals,
        None,
    ),
    Case(
        "Exp-z-plus-log",
        _exponential(),
        (z + sp.log(1 + z),),
        _implicit(
            lambda s: s + mp.log1p(s),
            lambda s: 1 + 1 / (1 + s),
            lambda s: -s,
            lambda t: t - mp.log1p(t) if t > 1 else t / 2,
        ),
        _in(0, oo),
        None,
    ),
    Case(
        "N01-sinh-plus",
        _normal(),
        (sp.sinh(z) + z,),
        _implicit(
            lambda s: mp.sinh(s) + s, lambda s: mp.cosh(s) + 1, _log_phi, lambda t: mp.asinh(t)
        ),
        sp.Reals,
        None,
    ),
    # maps that fold: the density sums over the preimages (Casella & Berger thm 2.1.8)
    Case(
        "U03-sin",
        _uniform(0, 3),
        (sp.sin(z),),
        lambda t: mp.log(1 if t < mp.sin(3) else 2) - mp.log(3) - mp.log1p(-t * t) / 2,
        _in(0, 1),
        None,
    ),
    Case(
        "N01-quadratic",
        _normal(),
        (z**2 + z,),
        lambda t: (
            mp.log(sum(mp.npdf((-1 + s * mp.sqrt(1 + 4 * t)) / 2) for s in (-1, 1)))
            - mp.log(1 + 4 * t) / 2
        ),
        _in(-sp.Rational(1, 4), oo),
        None,
    ),
    Case(
        "N01-gauss-bump",
        _normal(),
        (sp.exp(-(z**2)),),
        lambda t: _log_phi(mp.sqrt(-mp.log(t))) - mp.log(t) - mp.log(-mp.log(t)) / 2,
        _in(0, 1),
        None,
    ),
    Case(
        "Um12-square",
        _uniform(-1, 2),
        (z**2,),
        lambda t: mp.log(2 if t < 1 else 1) - mp.log(6) - mp.log(t) / 2,
        _in(0, 4),
        None,
    ),
    Case(
        "U01-sinpi",
        _uniform(0, 1),
        (sp.sin(sp.pi * z),),
        lambda t: mp.log(2 / mp.pi) - mp.log1p(-t * t) / 2,
        _in(0, 1),
        None,
    ),
    Case(
        "U01-parabola",
        _uniform(0, 1),
        (z * (1 - z),),
        lambda t: mp.log(2) - mp.log1p(-4 * t) / 2,
        _in(0, sp.Rational(1, 4)),
        None,
    ),
    Case(
        "Logistic-square",
        _logistic(),
        (z**2,),
        lambda t: -mp.sqrt(t) - 2 * mp.log1p(mp.exp(-mp.sqrt(t))) - mp.log(t) / 2,
        _in(0, oo),
        None,
    ),
    Case(
        "Exp-exp-neg-log",
        _exponential(3),
        (sp.exp(-z) * sp.pi,),
        lambda t: mp.log(3) + 2 * mp.log(t / mp.pi) - mp.log(mp.pi),
        _in(0, sp.pi),
        None,
    ),
]


# --- sums, ratios and d-D maps ----------------------------------------------------------


@dataclass(frozen=True)
class JointCase:
    """A d-D or reducing flow with its textbook density (joint or of the reduced output)."""

    name: str
    build: Callable[[], sf.Flow]
    logpdf: Callable  # mpmath: point (tuple) or number -> log p
    points: tuple  # float points, in the support unless logpdf returns -inf
    family: str | None = None


def _mvn2_logpdf(cov):
    (a, b), (c, d) = cov
    det = a * d - b * c

    def logpdf(p):
        x1, x2 = (mpf(v) for v in p)
        q = (d * x1 * x1 - (b + c) * x1 * x2 + a * x2 * x2) / det
        return -q / 2 - LOG2PI() - mp.log(det) / 2

    return logpdf


def _std_normal2(p):
    x1, x2 = (mpf(v) for v in p)
    return _log_phi(x1) + _log_phi(x2)


JOINT_CASES: list[JointCase] = [
    JointCase(
        "NN-sum",
        lambda: sf.Flow(
            sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.Transform(z1 + z2, [z1, z2])]
        ),
        lambda t: _log_phi(t / mp.sqrt(2)) - mp.log(2) / 2,
        (0.0, 1.3, -4.0, 30.0, -50.0, 1e-300),
        "Normal",
    ),
    JointCase(
        "EE-sum",
        lambda: sf.Flow(
            sf.Independent(sf.Exponential(1), sf.Exponential(1)), [sf.Transform(z1 + z2, [z1, z2])]
        ),
        lambda t: mp.log(t) - t if t > 0 else -mp.inf,
        (1e-300, 1e-20, 0.5, 2.0, 40.0, 700.0, 0.0, -1.0),
        "Gamma",
    ),
    JointCase(
        "NN-ratio",
        lambda: sf.Flow(
            sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.Transform(z1 / z2, [z1, z2])]
        ),
        lambda t: -mp.log(mp.pi) - mp.log1p(mp.mpf(t) ** 2),
        (0.0, 0.7, -3.0, 1e5, -1e10, 1e-300, 1e300, -1.7e308),
        "Cauchy",
    ),
    JointCase(
        # K₀(|x|)/π, which SymPy writes as a Meijer G with no numba translation: the
        # kernel integrates the joint numerically
        "NN-product",
        lambda: sf.Flow(
            sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.Transform(z1 * z2, [z1, z2])]
        ),
        lambda t: mp.log(mp.besselk(0, abs(mp.mpf(t))) / mp.pi),
        (0.5, -3.0, 40.0, 700.0, -50.0, 1e-10, 1e-100),
        None,
    ),
    JointCase(
        # SymPy integrates the two Cauchy kernels to 0 (wrong): integrated numerically,
        # with a bump of width 1 at each end of [0, x]
        "CC-sum",
        lambda: sf.Flow(
            sf.Independent(sf.Cauchy(0, 1), sf.Cauchy(0, 1)), [sf.Transform(z1 + z2, [z1, z2])]
        ),
        lambda t: mp.log(2) - mp.log(mp.pi) - mp.log(4 + mp.mpf(t) ** 2),
        (0.0, 1.0, -3.0, 1e9, -1e100, 1e-300, 1e300, -1.7e308),
        None,
    ),
    JointCase(
        "UU-sum",
        lambda: sf.Flow(
            sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)), [sf.Transform(z1 + z2, [z1, z2])]
        ),
        lambda t: (mp.log(t) if t <= 1 else mp.log(2 - t)) if 0 < t < 2 else -mp.inf,
        (1e-300, 0.25, 1.0, 1.5, 2 - 2**-52, 0.0, 2.0, -0.5, 2.5),
        None,
    ),
    JointCase(
        "EE-share",
        lambda: sf.Flow(
            sf.Independent(sf.Exponential(1), sf.Exponential(1)),
            [sf.Transform(z1 / (z1 + z2), [z1, z2])],
        ),
        lambda t: mpf(0) if 0 < t < 1 else -mp.inf,
        (1e-300, 0.3, 0.5, 1 - 2**-53, 1.5, -0.1),
        "Uniform",
    ),
    JointCase(
        "GG-beta",
        lambda: sf.Flow(
            sf.Independent(sf.Gamma(2, 1), sf.Gamma(3, 1)), [sf.Transform(z1 / (z1 + z2), [z1, z2])]
        ),
        lambda t: mp.log(t) + 2 * mp.log1p(-t) - B23() if 0 < t < 1 else -mp.inf,
        (1e-300, 1e-10, 0.3, 0.9, 1 - 2**-53, 1.2),
        "Beta",
    ),
    JointCase(
        "NN-linear",
        lambda: sf.Flow(
            sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
            [sf.Transform([2 * z1 + z2, z1 + z2], [z1, z2])],
        ),
        _mvn2_logpdf(((5, 3), (3, 2))),
        (
            (0.0, 0.0),
            (1.0, -1.0),
            (30.0, 20.0),
            (-1e3, 1e3),
            (1e-300, -1e-300),
            (1e150, 1e150),
            (3e154, -2e154),
            (1e300, 1e300),
        ),
        None,
    ),
    JointCase(
        "polar-normal",
        lambda: sf.Flow(
            sf.Independent(sf.Weibull(2, sp.sqrt(2)), sf.Uniform(-sp.pi, sp.pi)),
            [sf.Transform([z1 * sp.cos(z2), z1 * sp.sin(z2)], [z1, z2])],
        ),
        _std_normal2,
        (
            (0.3, 0.4),
            (-1.0, 2.0),
            (5.0, -5.0),
            (-3.0, 1e-300),
            (20.0, 1.0),
            (-2.0, -1e-10),
            (1e-300, 1e-300),
            (1e-300, 0.0),
            (0.0, -1e-300),
            (37.0, -37.0),
            (1e10, 1e10),
            (-1e300, 5.0),
        ),
        None,
    ),
    JointCase(
        "box-muller",
        lambda: sf.Flow(
            sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)),
            [
                sf.Transform(
                    [
                        sp.sqrt(-2 * sp.log(z1)) * sp.cos(2 * sp.pi * z2),
                        sp.sqrt(-2 * sp.log(z1)) * sp.sin(2 * sp.pi * z2),
                    ],
                    [z1, z2],
                )
            ],
        ),
        _std_normal2,
        (
            (0.3, 0.4),
            (-1.0, 2.0),
            (5.0, -5.0),
            (1.0, 1e-300),
            (20.0, 1.0),
            (-2.0, -1e-10),
            (1e-300, 1e-300),
            (1e-300, 0.0),
            (0.0, -1e-300),
            (37.0, -37.0),
            (1e10, 1e10),
            (-1e300, 5.0),
            (1.0, 0.0),
            (-1.0, 0.0),
        ),
        None,
    ),
    JointCase(
        "NN-marginal",
        lambda: sf.Flow(
            sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
            [sf.Transform([z1 + z2, z1 - z2], [z1, z2])],
        ).marginal(0),
        lambda t: _log_phi(t / mp.sqrt(2)) - mp.log(2) / 2,
        (0.0, 2.0, -35.0, 1e-300),
        "Normal",
    ),
]
"""Sums and ratios (through the reducing transforms), linear maps, polar coordinates."""


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


#: expectations by the textbook: (case, method, argument, exact value or an error class)
MOMENTS: list[tuple[str, str, object, object]] = [
    ("N01-exp", "mean", None, sp.exp(sp.Rational(1, 2))),
    ("N01-exp", "variance", None, (sp.E - 1) * sp.E),
    ("N01-exp", "median", None, sp.Integer(1)),
    ("U01-neglog", "mean", None, sp.Integer(1)),
    ("U01-neglog", "variance", None, sp.Integer(1)),
    ("U01-neglog", "median", None, sp.log(2)),
    ("U01-neglog", "entropy", None, sp.Integer(1)),
    ("Exp-sqrt", "mean", None, sp.sqrt(sp.pi) / 2),
    ("N01-square", "mean", None, sp.Integer(1)),
    ("N01-square", "variance", None, sp.Integer(2)),
    ("Beta-reflect", "mean", None, sp.Rational(3, 5)),
    ("Gamma-recip", "mean", None, sp.Integer(1)),
    ("U01-recip", "mean", None, sp.oo),
    ("U01-tan", "mean", None, sf.UndefinedExpectationError),
    ("U01-tan", "median", None, sp.Integer(0)),
    ("U01-tan", "quantile", sp.Rational(3, 4), sp.Integer(1)),
    ("Exp-weibull", "quantile", 1 - sp.exp(-1), sp.Integer(2)),
    ("Laplace-affine", "mean", None, sp.Integer(1)),
    ("Laplace-affine", "variance", None, sp.Integer(8)),
]


# --- every base family with symbolic parameters, through x = 2z + 1 --------------------------


def _pos(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


def _real(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class ParamCase:
    """A base with parameter symbols through 2z + 1; the oracle is scipy.stats's law of
    2Z + 1 (loc 2·loc + 1, scale 2·scale), evaluated at its own quantiles down to 1e-300."""

    name: str
    make: Callable[[], object]
    oracle: Callable  # values -> frozen scipy distribution of x
    values: tuple  # dicts of parameter values, from ordinary to extreme


def _scipy():
    from scipy import stats

    return stats


PARAM_CASES: list[ParamCase] = [
    ParamCase(
        "Normal(m, s)",
        lambda: sf.Normal(_real("m"), _pos("s")),
        lambda m, s: _scipy().norm(2 * m + 1, 2 * s),
        (
            {"m": 0.5, "s": 2.0},
            {"m": 1e8, "s": 1e-2},
            {"m": 0.0, "s": 1e-100},
            {"m": 0.0, "s": 1e100},
        ),
    ),
    ParamCase(
        "Exponential(r)",
        lambda: sf.Exponential(_pos("r")),
        lambda r: _scipy().expon(1, 2 / r),
        ({"r": 1.5}, {"r": 1e-100}, {"r": 1e100}),
    ),
    ParamCase(
        "Gamma(k, r)",
        lambda: sf.Gamma(_pos("k"), _pos("r")),
        lambda k, r: _scipy().gamma(k, 1, 2 / r),
        (
            {"k": 2.5, "r": 1.0},
            {"k": 1e-3, "r": 1.0},
            {"k": 1e3, "r": 1.0},
            {"k": 2.0, "r": 1e-100},
            {"k": 2.0, "r": 1e100},
        ),
    ),
    ParamCase(
        "Beta(a, b)",
        lambda: sf.Beta(_pos("a"), _pos("b")),
        lambda a, b: _scipy().beta(a, b, 1, 2),
        ({"a": 2.0, "b": 3.0}, {"a": 1e-3, "b": 1e-3}, {"a": 1e3, "b": 1e3}, {"a": 0.5, "b": 1e4}),
    ),
    ParamCase(
        "Laplace(m, s)",
        lambda: sf.Laplace(_real("m"), _pos("s")),
        lambda m, s: _scipy().laplace(2 * m + 1, 2 * s),
        ({"m": 1e8, "s": 1e-2}, {"m": 0.0, "s": 1e-100}, {"m": 0.0, "s": 1e100}),
    ),
    ParamCase(
        "Logistic(m, s)",
        lambda: sf.Logistic(_real("m"), _pos("s")),
        lambda m, s: _scipy().logistic(2 * m + 1, 2 * s),
        ({"m": 1e8, "s": 1e-2}, {"m": 0.0, "s": 1e-100}, {"m": 0.0, "s": 1e100}),
    ),
    ParamCase(
        "Cauchy(m, s)",
        lambda: sf.Cauchy(_real("m"), _pos("s")),
        lambda m, s: _scipy().cauchy(2 * m + 1, 2 * s),
        (
            {"m": 1.0, "s": 2.0},
            {"m": 1e8, "s": 1e-2},
            {"m": 0.0, "s": 1e-100},
            {"m": 0.0, "s": 1e100},
        ),
    ),
    ParamCase(
        "StudentT(nu)",
        lambda: sf.StudentT(_pos("nu")),
        lambda nu: _scipy().t(nu, 1, 2),
        ({"nu": 3.0}, {"nu": 1e-2}, {"nu": 1e6}),
    ),
    ParamCase(
        "Weibull(k, lam)",
        lambda: sf.Weibull(_pos("k"), _pos("lam")),
        lambda k, lam: _scipy().weibull_min(k, 1, 2 * lam),
        (
            {"k": 1.5, "lam": 1.0},
            {"k": 1e-2, "lam": 1.0},
            {"k": 50.0, "lam": 1.0},
            {"k": 2.0, "lam": 1e-100},
            {"k": 2.0, "lam": 1e100},
        ),
    ),
    ParamCase(
        "Uniform(a, b)",
        lambda: sf.Uniform(_real("a"), _real("b")),
        lambda a, b: _scipy().uniform(2 * a + 1, 2 * (b - a)),
        (
            {"a": 0.0, "b": 1.0},
            {"a": 0.0, "b": 1e-300},
            {"a": -1e300, "b": 1e300},
            {"a": 1e8, "b": 1e8 + 1},
        ),
    ),
]
"""Parametric bases, ordinary and extreme values."""


def _log_f35(t):
    """log density of Snedecor's F(3, 5) (HMC 3.6)."""
    d1, d2 = mpf(3), mpf(5)
    return (
        (d1 / 2) * mp.log(d1 / d2) + (d1 / 2 - 1) * mp.log(t) - _log_beta_fn(d1 / 2, d2 / 2)
        - ((d1 + d2) / 2) * mp.log1p(d1 * t / d2)
    )  # fmt: skip


def _two(base1, base2):
    return sf.Independent(base1, base2)


JOINT_CASES += [
    JointCase(
        "EE-ratio",
        lambda: sf.Flow(
            _two(sf.Exponential(1), sf.Exponential(1)), [sf.Transform(z1 / z2, [z1, z2])]
        ),
        lambda t: -2 * mp.log1p(t) if t > 0 else -mp.inf,
        (1e-300, 1e-5, 0.5, 3.0, 1e5, 1e300, -1.0),
    ),
    JointCase(
        "UU-product",
        lambda: sf.Flow(
            _two(sf.Uniform(0, 1), sf.Uniform(0, 1)), [sf.Transform(z1 * z2, [z1, z2])]
        ),
        lambda t: mp.log(-mp.log(t)) if 0 < t < 1 else -mp.inf,
        (1e-300, 1e-5, 0.5, 0.999, 1 - 2**-53, 1.5),
    ),
    JointCase(
        "EE-difference",
        lambda: sf.Flow(
            _two(sf.Exponential(1), sf.Exponential(1)), [sf.Transform(z1 - z2, [z1, z2])]
        ),
        lambda t: -abs(t) - mp.log(2),
        (-700.0, -3.0, 0.0, 1e-300, 5.0, 700.0),
        "Laplace",
    ),
    JointCase(
        "Chi2-F",
        lambda: sf.Flow(
            _two(sf.ChiSquared(3), sf.ChiSquared(5)), [sf.Transform((z1 / 3) / (z2 / 5), [z1, z2])]
        ),
        lambda t: _log_f35(t) if t > 0 else -mp.inf,
        (1e-300, 1e-10, 0.5, 2.0, 1e10, 1e100, 1e300, -1.0),
        "F",
    ),
    JointCase(
        "NN-sum-of-squares",
        lambda: sf.Flow(
            _two(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.Transform(z1**2 + z2**2, [z1, z2])]
        ),
        lambda t: -t / 2 - mp.log(2) if t > 0 else -mp.inf,
        (1e-300, 1e-10, 1.0, 50.0, 1400.0, -1.0),
        "Exponential",
    ),
]
