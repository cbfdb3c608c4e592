"""Textbook exercises on transformations (Casella & Berger, chapters 2 and 4, in style).

Each exercise: the base, the transforms, the density written by hand as
[(expression in x, region)] on disjoint regions, the name a lecturer gives it (family name
and exact parameters, or None), and an independent scipy.stats oracle where one exists.
Shared by the exercise tests and the handout tests of this folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
R = sp.Rational
pi, E, oo = sp.pi, sp.E, sp.oo
sqrt, exp, log = sp.sqrt, sp.exp, sp.log
Open = sp.Interval.open
phi = lambda u: exp(-(u**2) / 2) / sqrt(2 * pi)  # noqa: E731 - the standard normal density


@dataclass(frozen=True)
class Exercise:
    base: Any
    transforms: tuple[sp.Expr, ...]
    density: tuple[tuple[sp.Expr, sp.Set], ...]
    name: str | None = None
    params: dict | None = None
    oracle: Any = None

    def flow(self) -> sf.Flow:
        """The exercise's flow, built once per test session (shared by the test files)."""
        key = id(self)
        if key not in _FLOWS:
            _FLOWS[key] = sf.Flow(self.base, [sf.Transform(e, z) for e in self.transforms])
        return _FLOWS[key]


_FLOWS: dict[int, sf.Flow] = {}


def ex(base, transforms, density, name=None, params=None, oracle=None) -> Exercise:
    transforms = tuple(transforms) if isinstance(transforms, list) else (transforms,)
    return Exercise(base, transforms, tuple(density), name, params, oracle)


EXERCISES: dict[str, Exercise] = {
    # --- uniforms ------------------------------------------------------------------------
    "U01 -log z": ex(
        sf.Uniform(0, 1),
        -log(z),
        [(exp(-x), Open(0, oo))],
        "Exponential",
        {"rate": 1},
        stats.expon(),
    ),
    "U01 -2 log z": ex(
        sf.Uniform(0, 1),
        -2 * log(z),
        [(exp(-x / 2) / 2, Open(0, oo))],
        "Exponential",
        {"rate": R(1, 2)},
        stats.chi2(2),
    ),
    "U01 z^2": ex(
        sf.Uniform(0, 1),
        z**2,
        [(1 / (2 * sqrt(x)), Open(0, 1))],
        "Beta",
        {"a": R(1, 2), "b": 1},
        stats.beta(0.5, 1),
    ),
    "U01 sqrt z": ex(
        sf.Uniform(0, 1),
        sqrt(z),
        [(2 * x, Open(0, 1))],
        "Beta",
        {"a": 2, "b": 1},
        stats.beta(2, 1),
    ),
    "U01 cube root": ex(
        sf.Uniform(0, 1),
        z ** R(1, 3),
        [(3 * x**2, Open(0, 1))],
        "Beta",
        {"a": 3, "b": 1},
        stats.beta(3, 1),
    ),
    "U01 odds": ex(
        sf.Uniform(0, 1),
        z / (1 - z),
        [(1 / (1 + x) ** 2, Open(0, oo))],
        "Fisk",
        {"c": 1},
        stats.fisk(1),
    ),
    "U01 logit": ex(
        sf.Uniform(0, 1),
        log(z / (1 - z)),
        [(exp(x) / (1 + exp(x)) ** 2, sp.S.Reals)],
        "Logistic",
        {"mu": 0, "s": 1},
        stats.logistic(),
    ),
    "U01 tan": ex(
        sf.Uniform(0, 1),
        sp.tan(pi * (z - R(1, 2))),
        [(1 / (pi * (1 + x**2)), sp.S.Reals)],
        "Cauchy",
        {"x0": 0, "gamma": 1},
        stats.cauchy(),
    ),
    "U01 1/z": ex(
        sf.Uniform(0, 1),
        1 / z,
        [(1 / x**2, Open(1, oo))],
        "Pareto",
        {"alpha": 1, "x_m": 1},
        stats.pareto(1),
    ),
    "U01 exp": ex(
        sf.Uniform(0, 1),
        exp(z),
        [(1 / x, Open(1, E))],
        "LogUniform",
        {"a": 1, "b": E},
        stats.loguniform(1, float(E)),
    ),
    "U(-1,1) z^2": ex(
        sf.Uniform(-1, 1),
        z**2,
        [(1 / (2 * sqrt(x)), Open(0, 1))],
        "Beta",
        {"a": R(1, 2), "b": 1},
        stats.beta(0.5, 1),
    ),
    "U(-1,2) z^2 overlapping": ex(
        sf.Uniform(-1, 2),
        z**2,
        [(1 / (3 * sqrt(x)), Open(0, 1)), (1 / (6 * sqrt(x)), Open(1, 4))],
    ),
    "U(0,2pi) cos": ex(
        sf.Uniform(0, 2 * pi),
        sp.cos(z),
        [(1 / (pi * sqrt(1 - x**2)), Open(-1, 1))],
        "Arcsine",
        {"loc": -1, "scale": 2},
        stats.arcsine(loc=-1, scale=2),
    ),
    "U01 sin(pi z)": ex(
        sf.Uniform(0, 1),
        sp.sin(pi * z),
        [(2 / (pi * sqrt(1 - x**2)), Open(0, 1))],
    ),
    # --- exponentials --------------------------------------------------------------------
    "Exp sqrt": ex(
        sf.Exponential(1),
        sqrt(z),
        [(2 * x * exp(-(x**2)), Open(0, oo))],
        "Rayleigh",
        {"sigma": 1 / sqrt(2)},
        stats.rayleigh(scale=2**-0.5),
    ),
    "Exp cube root": ex(
        sf.Exponential(1),
        z ** R(1, 3),
        [(3 * x**2 * exp(-(x**3)), Open(0, oo))],
        "Weibull",
        {"k": 3, "lambda": 1},
        stats.weibull_min(3),
    ),
    "Exp exp(-z)": ex(
        sf.Exponential(1),
        exp(-z),
        [(sp.Integer(1), Open(0, 1))],
        "Uniform",
        {"a": 0, "b": 1},
        stats.uniform(),
    ),
    "Exp -log": ex(
        sf.Exponential(1),
        -log(z),
        [(exp(-x - exp(-x)), sp.S.Reals)],
        "Gumbel",
        {"mu": 0, "beta": 1},
        stats.gumbel_r(),
    ),
    "Exp 2z": ex(
        sf.Exponential(1),
        2 * z,
        [(exp(-x / 2) / 2, Open(0, oo))],
        "Exponential",
        {"rate": R(1, 2)},
        stats.expon(scale=2),
    ),
    "Exp exp": ex(
        sf.Exponential(1),
        exp(z),
        [(1 / x**2, Open(1, oo))],
        "Pareto",
        {"alpha": 1, "x_m": 1},
        stats.pareto(1),
    ),
    "Exp(2) CDF": ex(
        sf.Exponential(2),
        1 - exp(-2 * z),
        [(sp.Integer(1), Open(0, 1))],
        "Uniform",
        {"a": 0, "b": 1},
        stats.uniform(),
    ),
    "Exp (z-1)^2 overlapping": ex(
        sf.Exponential(1),
        (z - 1) ** 2,
        [
            ((exp(sqrt(x) - 1) + exp(-sqrt(x) - 1)) / (2 * sqrt(x)), Open(0, 1)),
            (exp(-sqrt(x) - 1) / (2 * sqrt(x)), Open(1, oo)),
        ],
    ),
    # --- normals -------------------------------------------------------------------------
    "N z^2": ex(
        sf.Normal(0, 1),
        z**2,
        [(exp(-x / 2) / sqrt(2 * pi * x), Open(0, oo))],
        "ChiSquared",
        {"k": 1},
        stats.chi2(1),
    ),
    "N |z|": ex(
        sf.Normal(0, 1),
        sp.Abs(z),
        [(sqrt(2 / pi) * exp(-(x**2) / 2), Open(0, oo))],
        "HalfNormal",
        {"sigma": 1},
        stats.halfnorm(),
    ),
    "N exp": ex(
        sf.Normal(0, 1),
        exp(z),
        [(phi(log(x)) / x, Open(0, oo))],
        "LogNormal",
        {"mu": 0, "sigma": 1},
        stats.lognorm(1),
    ),
    "N 2z+3": ex(
        sf.Normal(0, 1),
        2 * z + 3,
        [(phi((x - 3) / 2) / 2, sp.S.Reals)],
        "Normal",
        {"mu": 3, "sigma": 2},
        stats.norm(3, 2),
    ),
    "N 1/z": ex(
        sf.Normal(0, 1),
        1 / z,
        [(phi(1 / x) / x**2, Open(-oo, 0)), (phi(1 / x) / x**2, Open(0, oo))],
    ),
    "N 1/z^2": ex(
        sf.Normal(0, 1),
        1 / z**2,
        [(exp(-1 / (2 * x)) / sqrt(2 * pi * x**3), Open(0, oo))],
        "Levy",
        {"mu": 0, "c": 1},
        stats.levy(),
    ),
    "N(1,1) z^2 noncentral": ex(
        sf.Normal(1, 1),
        z**2,
        [((phi(sqrt(x) - 1) + phi(sqrt(x) + 1)) / (2 * sqrt(x)), Open(0, oo))],
    ),
    # --- gammas and betas ----------------------------------------------------------------
    "Gamma 1/z": ex(
        sf.Gamma(2, 1),
        1 / z,
        [(exp(-1 / x) / x**3, Open(0, oo))],
        "InverseGamma",
        {"alpha": 2, "beta": 1},
        stats.invgamma(2),
    ),
    "Gamma z/2": ex(
        sf.Gamma(2, 1),
        z / 2,
        [(4 * x * exp(-2 * x), Open(0, oo))],
        "Gamma",
        {"shape": 2, "rate": 2},
        stats.gamma(2, scale=0.5),
    ),
    "Gamma sqrt(2z)": ex(
        sf.Gamma(R(3, 2), 1),
        sqrt(2 * z),
        [(sqrt(2 / pi) * x**2 * exp(-(x**2) / 2), Open(0, oo))],
        "Maxwell",
        {"sigma": 1},
        stats.maxwell(),
    ),
    "Beta 1-z": ex(
        sf.Beta(2, 3),
        1 - z,
        [(12 * x**2 * (1 - x), Open(0, 1))],
        "Beta",
        {"a": 3, "b": 2},
        stats.beta(3, 2),
    ),
    "Beta odds": ex(
        sf.Beta(2, 3),
        z / (1 - z),
        [(12 * x / (1 + x) ** 5, Open(0, oo))],
        "BetaPrime",
        {"a": 2, "b": 3},
        stats.betaprime(2, 3),
    ),
    "Beta logit": ex(
        sf.Beta(2, 3),
        log(z / (1 - z)),
        [(12 * exp(2 * x) / (1 + exp(x)) ** 5, sp.S.Reals)],
    ),
    # --- other bases ---------------------------------------------------------------------
    "t5 z^2": ex(
        sf.StudentT(5),
        z**2,
        [(200 * sqrt(5) / (3 * pi * sqrt(x) * (x + 5) ** 3), Open(0, oo))],
        "F",
        {"d1": 1, "d2": 5},
        stats.f(1, 5),
    ),
    "Laplace |z|": ex(
        sf.Laplace(0, 1),
        sp.Abs(z),
        [(exp(-x), Open(0, oo))],
        "Exponential",
        {"rate": 1},
        stats.expon(),
    ),
    "Cauchy 1/z": ex(
        sf.Cauchy(0, 1),
        1 / z,
        [(1 / (pi * (1 + x**2)), Open(-oo, 0)), (1 / (pi * (1 + x**2)), Open(0, oo))],
        "Cauchy",
        {"x0": 0, "gamma": 1},
        stats.cauchy(),
    ),
    "Logistic exp": ex(
        sf.Logistic(0, 1),
        exp(z),
        [(1 / (1 + x) ** 2, Open(0, oo))],
        "Fisk",
        {"c": 1},
        stats.fisk(1),
    ),
    "Laplace exp": ex(
        sf.Laplace(0, 1),
        exp(z),
        [(exp(-sp.Abs(log(x))) / (2 * x), Open(0, oo))],
        "LogLaplace",
        {"c": 1},
        stats.loglaplace(1),
    ),
}
