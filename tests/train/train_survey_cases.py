"""Hand-written parametrised flows for the fitting survey, each with an independent oracle.

Every case gives the flow as a user would write it (``sf.Transform`` by hand or the
``sf.layers`` helpers), its log-density written out in NumPy/SciPy by hand (inverse map
and log|dz/dx| worked on paper, never read from symflow), the parameters' kinds
(``"real"`` or ``"positive"``), true values, and a sampler of data, from the flow itself or
from a nearby family the flow only approximates. The oracle maximum-likelihood fit is
scipy.optimize (Nelder–Mead from the true values, then BFGS) on that hand-written
log-likelihood, positive parameters optimised as logs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp
from scipy import optimize, special, stats

import symflow as sf

z = sp.Symbol("z", real=True)
zp = sp.Symbol("z", positive=True)
u = sp.Symbol("u", positive=True)


def _r(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def _p(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


@dataclass(frozen=True)
class Case:
    """A flow, its hand-written log-density and a data sampler."""

    name: str
    build: Callable[[], sf.Flow]
    logpdf: Callable[..., np.ndarray]  # logpdf(x, **params)
    kinds: dict[str, str]  # name -> "real" | "positive"
    truth: dict[str, float]
    sample: Callable[[np.random.Generator, int], np.ndarray]
    #: data drawn from the flow itself (the true parameters are the target)
    exact: bool = True
    #: a stack of layers whose likelihood has several local maxima: the fit must reach
    #: one (converged) within this many nats of the oracle's, not the oracle's own
    several: float = 0.0

    def true_params(self) -> dict[str, float]:
        """``truth`` with the identity's values (0, or 1 for positive ones) for the rest."""
        default = {k: 1.0 if kind == "positive" else 0.0 for k, kind in self.kinds.items()}
        return {**default, **self.truth}


def _norm(v):
    return -0.5 * v * v - 0.5 * np.log(2 * np.pi)


# -- the log-densities, by hand ------------------------------------------------------------
def _affine_exp(x, a, b):
    return _norm((x - b) * np.exp(-a)) - a


def _affine_pos(x, s, m):
    return _norm((x - m) / s) - np.log(s)


def _lognormal(x, a, b):
    return _norm((np.log(x) - b) * np.exp(-a)) - a - np.log(x)


def _gamma_power(x, c, s):  # z ~ Gamma(2, 1), x = s·z**c
    zz = (x / s) ** (1 / c)
    return stats.gamma(2).logpdf(zz) + np.log(zz / (c * x))


def _sinh_arcsinh_affine(x, d_1, e_1, a, b):  # x = exp(a)·sinh(d·asinh(z) − e) + b
    d, e = d_1, e_1
    w = (x - b) * np.exp(-a)
    q = (np.arcsinh(w) + e) / d
    zz = np.sinh(q)
    return _norm(zz) + np.log(np.cosh(q) / d) - 0.5 * np.log1p(w * w) - a


def _logit_normal(x, a, b):  # x = sigmoid(exp(a)·z + b)
    return _norm((special.logit(x) - b) * np.exp(-a)) - a - np.log(x) - np.log1p(-x)


def _box_cox(x, s, lambda_1):  # z ~ Gamma(3, 1), x = ((s·z)^λ − 1)/λ
    lam = lambda_1
    w = np.where(1 + lam * x > 0, 1 + lam * x, np.nan)
    zz = w ** (1 / lam) / s
    out = stats.gamma(3).logpdf(zz) + (1 / lam - 1) * np.log(w) - np.log(s)
    return np.where(np.isnan(w), -np.inf, out)


def _yeo_johnson(x, s, lambda_1):  # z ~ HalfNormal, x = ((1 + s·z)^λ − 1)/λ
    lam = lambda_1
    w = 1 + lam * x
    zz = (w ** (1 / lam) - 1) / s
    return stats.halfnorm.logpdf(zz) + (1 / lam - 1) * np.log(w) - np.log(s)


def _weibull_power(x, c, s):  # z ~ Exponential(1), x = s·z**c
    zz = (x / s) ** (1 / c)
    return -zz + np.log(zz / (c * x))


def _sinh_affine(x, a, b):  # x = sinh(exp(a)·z + b)
    return _norm((np.arcsinh(x) - b) * np.exp(-a)) - a - 0.5 * np.log1p(x * x)


def _logistic_affine(x, a, b):
    return stats.logistic.logpdf((x - b) * np.exp(-a)) - a


def _cauchy_affine(x, a, b):
    return stats.cauchy.logpdf((x - b) * np.exp(-a)) - a


def _power_uniform(x, c):  # z ~ Uniform(0, 1), x = z**c
    return (1 / c - 1) * np.log(x) - np.log(c)


def _sinh_arcsinh(x, d_1, e_1):  # x = sinh(d·asinh(z) − e)
    d, e = d_1, e_1
    q = (np.arcsinh(x) + e) / d
    return _norm(np.sinh(q)) + np.log(np.cosh(q) / d) - 0.5 * np.log1p(x * x)


def _exp_affine(x, a, b):  # x = exp(a)·exp(z) + b: a shifted lognormal
    w = x - b
    ok = w > 0
    ws = np.where(ok, w, 1.0)
    out = _norm(np.log(ws) - a) - np.log(ws)
    return np.where(ok, out, -np.inf)


def _triangular(x, s_1_1_0, t_1_1_0, s_1_2_0, s_1_2_1, t_1_2_0, t_1_2_1):
    z1 = (x[:, 0] - t_1_1_0) * np.exp(-s_1_1_0)
    scale2 = s_1_2_0 + s_1_2_1 * z1
    z2 = (x[:, 1] - t_1_2_0 - t_1_2_1 * z1) * np.exp(-scale2)
    return _norm(z1) + _norm(z2) - s_1_1_0 - scale2


def _triangular_quadratic(
    x, s_1_1_0, t_1_1_0, s_1_2_0, s_1_2_1, s_1_2_2, t_1_2_0, t_1_2_1, t_1_2_2
):
    z1 = (x[:, 0] - t_1_1_0) * np.exp(-s_1_1_0)
    scale2 = s_1_2_0 + s_1_2_1 * z1 + s_1_2_2 * z1 * z1
    z2 = (x[:, 1] - t_1_2_0 - t_1_2_1 * z1 - t_1_2_2 * z1 * z1) * np.exp(-scale2)
    return _norm(z1) + _norm(z2) - s_1_1_0 - scale2


def _sas_stack(x, **p):  # [sinh(d_i·asinh(z) − e_i), exp(a_i)·z + b_i] for i = 1, 2
    total = 0.0
    y = x
    for i in (2, 1):
        a, b, d, e = p[f"a_{i}"], p[f"b_{i}"], p[f"d_{i}"], p[f"e_{i}"]
        w = (y - b) * np.exp(-a)
        q = (np.arcsinh(w) + e) / d
        total = total - a + np.log(np.cosh(q) / d) - 0.5 * np.log1p(w * w)
        y = np.sinh(q)
    return total + _norm(y)


# -- the flows, as users write them --------------------------------------------------------
def _flow_affine_exp():
    a, b = _r("a"), _r("b")
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(a) * z + b, z)])


def _flow_affine_pos():
    s, m = _p("s"), _r("m")
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(s * z + m, z)])


def _flow_lognormal():
    a, b = _r("a"), _r("b")
    return sf.Flow(
        sf.Normal(0, 1), [sf.Transform(sp.exp(a) * z + b, z), sf.Transform(sp.exp(z), z)]
    )


def _flow_gamma_power():
    c, s = _p("c"), _p("s")
    return sf.Flow(sf.Gamma(2, 1), [sf.Transform(s * zp**c, zp)])


def _flow_sinh_arcsinh_affine():
    return sf.Flow(sf.Normal(0, 1), [sf.layers.sinh_arcsinh(1), _rename_affine()])


def _rename_affine():
    a, b = _r("a"), _r("b")
    return sf.Transform(sp.exp(a) * z + b, z)


def _flow_logit_normal():
    a, b = _r("a"), _r("b")
    return sf.Flow(
        sf.Normal(0, 1), [sf.Transform(sp.exp(a) * z + b, z), sf.Transform(1 / (1 + sp.exp(-z)), z)]
    )


def _flow_logit_layers():
    return sf.Flow(sf.Normal(0, 1), [sf.layers.affine(1), sf.layers.sigmoid()])


def _flow_box_cox():
    s = _p("s")
    return sf.Flow(sf.Gamma(3, 1), [sf.Transform(s * zp, zp), sf.layers.box_cox(1)])


def _flow_yeo_johnson():
    s = _p("s")
    return sf.Flow(sf.HalfNormal(1), [sf.Transform(s * zp, zp), sf.layers.yeo_johnson(1)])


def _flow_weibull_power():
    c, s = _p("c"), _p("s")
    return sf.Flow(sf.Exponential(1), [sf.Transform(s * zp**c, zp)])


def _flow_sinh_affine():
    a, b = _r("a"), _r("b")
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sinh(sp.exp(a) * z + b), z)])


def _flow_logistic():
    a, b = _r("a"), _r("b")
    return sf.Flow(sf.Logistic(0, 1), [sf.Transform(sp.exp(a) * z + b, z)])


def _flow_cauchy():
    a, b = _r("a"), _r("b")
    return sf.Flow(sf.Cauchy(0, 1), [sf.Transform(sp.exp(a) * z + b, z)])


def _flow_power_uniform():
    c = _p("c")
    return sf.Flow(sf.Uniform(0, 1), [sf.Transform(zp**c, zp)])


def _flow_sinh_arcsinh():
    return sf.Flow(sf.Normal(0, 1), [sf.layers.sinh_arcsinh(1)])


def _flow_exp_affine():
    a, b = _r("a"), _r("b")
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z + a) + b, z)])


def _flow_triangular():
    return sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.layers.triangular(1, d=2, degree=1)]
    )


def _flow_triangular_quadratic():
    return sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), [sf.layers.triangular(1, d=2, degree=2)]
    )


def _flow_sas_stack():
    return sf.Flow(
        sf.Normal(0, 1), sf.layers.stack(sf.layers.sinh_arcsinh, sf.layers.affine, repeat=2)
    )


# -- samplers ------------------------------------------------------------------------------
def _sample_triangular(rng, n):
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    x1 = np.exp(0.3) * z1 - 1.0
    x2 = np.exp(-0.2 + 0.4 * z1) * z2 + 0.5 + 0.8 * z1
    return np.column_stack([x1, x2])


def _sample_banana(rng, n):
    x1 = np.exp(0.2) * rng.standard_normal(n)
    return np.column_stack([x1, 0.5 * x1 * x1 + 0.3 * rng.standard_normal(n)])


def _sample_sas_affine(rng, n):
    zz = rng.standard_normal(n)
    return np.exp(0.5) * np.sinh(1.3 * np.arcsinh(zz) - 0.4) + 1.0


CASES: list[Case] = [
    Case(
        "normal-exp-scale",
        _flow_affine_exp,
        _affine_exp,
        {"a": "real", "b": "real"},
        {"a": 0.7, "b": -1.0},
        lambda g, n: -1.0 + np.exp(0.7) * g.standard_normal(n),
    ),
    Case(
        "normal-positive-scale",
        _flow_affine_pos,
        _affine_pos,
        {"s": "positive", "m": "real"},
        {"s": 30.0, "m": 1000.0},
        lambda g, n: 1000.0 + 30.0 * g.standard_normal(n),
    ),
    Case(
        "lognormal",
        _flow_lognormal,
        _lognormal,
        {"a": "real", "b": "real"},
        {"a": -0.5, "b": 1.0},
        lambda g, n: np.exp(1.0 + np.exp(-0.5) * g.standard_normal(n)),
    ),
    Case(
        "lognormal-on-gamma-data",
        _flow_lognormal,
        _lognormal,
        {"a": "real", "b": "real"},
        {"a": -0.6, "b": 1.0},
        lambda g, n: g.gamma(3.0, 1.0, n),
        exact=False,
    ),
    Case(
        "gamma-power",
        _flow_gamma_power,
        _gamma_power,
        {"c": "positive", "s": "positive"},
        {"c": 0.5, "s": 2.0},
        lambda g, n: 2.0 * g.gamma(2.0, 1.0, n) ** 0.5,
    ),
    Case(
        "gamma-power-on-weibull-data",
        _flow_gamma_power,
        _gamma_power,
        {"c": "positive", "s": "positive"},
        {"c": 0.6, "s": 1.5},
        lambda g, n: 3.0 * g.weibull(1.7, n),
        exact=False,
    ),
    Case(
        "sinh-arcsinh-affine",
        _flow_sinh_arcsinh_affine,
        _sinh_arcsinh_affine,
        {"d_1": "positive", "e_1": "real", "a": "real", "b": "real"},
        {"d_1": 1.3, "e_1": 0.4, "a": 0.5, "b": 1.0},
        _sample_sas_affine,
    ),
    Case(
        "sinh-arcsinh-affine-on-student-t",
        _flow_sinh_arcsinh_affine,
        _sinh_arcsinh_affine,
        {"d_1": "positive", "e_1": "real", "a": "real", "b": "real"},
        {"d_1": 0.8, "e_1": 0.0, "a": 0.0, "b": 2.0},
        lambda g, n: 2.0 + g.standard_t(4.0, n),
        exact=False,
    ),
    Case(
        "sinh-arcsinh",
        _flow_sinh_arcsinh,
        _sinh_arcsinh,
        {"d_1": "positive", "e_1": "real"},
        {"d_1": 0.7, "e_1": -0.5},
        lambda g, n: np.sinh(0.7 * np.arcsinh(g.standard_normal(n)) + 0.5),
    ),
    Case(
        "logit-normal",
        _flow_logit_normal,
        _logit_normal,
        {"a": "real", "b": "real"},
        {"a": 0.3, "b": 0.5},
        lambda g, n: special.expit(0.5 + np.exp(0.3) * g.standard_normal(n)),
    ),
    Case(
        "logit-normal-on-beta-data",
        _flow_logit_normal,
        _logit_normal,
        {"a": "real", "b": "real"},
        {"a": -0.3, "b": -1.0},
        lambda g, n: g.beta(2.0, 5.0, n),
        exact=False,
    ),
    Case(
        "sigmoid-layers-on-u-shaped-beta",
        _flow_logit_layers,
        lambda x, a_1, b_1: _logit_normal(x, a_1, b_1),
        {"a_1": "real", "b_1": "real"},
        {"a_1": 0.8, "b_1": 0.0},
        lambda g, n: g.beta(0.5, 0.5, n),
        exact=False,
    ),
    Case(
        "box-cox",
        _flow_box_cox,
        _box_cox,
        {"s": "positive", "lambda_1": "positive"},
        {"s": 1.5, "lambda_1": 0.5},
        lambda g, n: ((1.5 * g.gamma(3.0, 1.0, n)) ** 0.5 - 1) / 0.5,
    ),
    Case(
        "box-cox-data-below-the-start-support",
        _flow_box_cox,
        _box_cox,
        {"s": "positive", "lambda_1": "positive"},
        {"s": 0.2, "lambda_1": 0.4},
        lambda g, n: ((0.2 * g.gamma(3.0, 1.0, n)) ** 0.4 - 1) / 0.4,
    ),
    Case(
        "yeo-johnson",
        _flow_yeo_johnson,
        _yeo_johnson,
        {"s": "positive", "lambda_1": "positive"},
        {"s": 2.0, "lambda_1": 0.6},
        lambda g, n: ((1 + 2.0 * np.abs(g.standard_normal(n))) ** 0.6 - 1) / 0.6,
    ),
    Case(
        "weibull-power",
        _flow_weibull_power,
        _weibull_power,
        {"c": "positive", "s": "positive"},
        {"c": 0.5, "s": 3.0},
        lambda g, n: 3.0 * g.exponential(1.0, n) ** 0.5,
    ),
    Case(
        "sinh-of-affine",
        _flow_sinh_affine,
        _sinh_affine,
        {"a": "real", "b": "real"},
        {"a": -0.3, "b": 0.5},
        lambda g, n: np.sinh(0.5 + np.exp(-0.3) * g.standard_normal(n)),
    ),
    Case(
        "logistic-affine",
        _flow_logistic,
        _logistic_affine,
        {"a": "real", "b": "real"},
        {"a": 1.2, "b": 4.0},
        lambda g, n: 4.0 + np.exp(1.2) * g.logistic(0.0, 1.0, n),
    ),
    Case(
        "cauchy-affine",
        _flow_cauchy,
        _cauchy_affine,
        {"a": "real", "b": "real"},
        {"a": -1.0, "b": 3.0},
        lambda g, n: 3.0 + np.exp(-1.0) * g.standard_cauchy(n),
    ),
    Case(
        "power-of-uniform",
        _flow_power_uniform,
        _power_uniform,
        {"c": "positive"},
        {"c": 0.4},
        lambda g, n: g.uniform(0.0, 1.0, n) ** 0.4,
    ),
    Case(
        "shifted-lognormal-far-from-the-start",
        _flow_exp_affine,
        _exp_affine,
        {"a": "real", "b": "real"},
        {"a": 0.5, "b": -20.0},
        lambda g, n: np.exp(0.5 + g.standard_normal(n)) - 20.0,
    ),
    Case(
        "triangular-2d",
        _flow_triangular,
        _triangular,
        {
            "s_1_1_0": "real",
            "t_1_1_0": "real",
            "s_1_2_0": "real",
            "s_1_2_1": "real",
            "t_1_2_0": "real",
            "t_1_2_1": "real",
        },
        {
            "s_1_1_0": 0.3,
            "t_1_1_0": -1.0,
            "s_1_2_0": -0.2,
            "s_1_2_1": 0.4,
            "t_1_2_0": 0.5,
            "t_1_2_1": 0.8,
        },
        _sample_triangular,
    ),
    Case(
        "triangular-2d-banana",
        _flow_triangular_quadratic,
        _triangular_quadratic,
        {
            k: "real"
            for k in (
                "s_1_1_0",
                "t_1_1_0",
                "s_1_2_0",
                "s_1_2_1",
                "s_1_2_2",
                "t_1_2_0",
                "t_1_2_1",
                "t_1_2_2",
            )
        },
        {"s_1_1_0": 0.2, "s_1_2_0": float(np.log(0.3)), "t_1_2_2": 0.5 * float(np.exp(0.4))},
        _sample_banana,
    ),
    Case(
        "two-sinh-arcsinh-affine-pairs-on-johnson-su",
        _flow_sas_stack,
        _sas_stack,
        {f"{k}_{i}": ("positive" if k == "d" else "real") for k in "abde" for i in (1, 2)},
        {
            "a_1": 0.0,
            "a_2": 1.2,
            "b_1": 0.0,
            "b_2": 0.5,
            "d_1": 1.0,
            "d_2": 1.0,
            "e_1": 0.0,
            "e_2": -0.7,
        },
        lambda g, n: stats.johnsonsu(1.0, 1.5, loc=0.5, scale=4.0).rvs(n, random_state=g),
        exact=False,
        several=1.0,
    ),
]

BY_NAME = {case.name: case for case in CASES}


def oracle_fit(case: Case, data: np.ndarray) -> tuple[dict[str, float], float]:
    """The maximiser of the hand-written log-likelihood (Nelder–Mead from the true values,
    then BFGS), and the maximum."""
    names = list(case.kinds)
    truth = case.true_params()
    positive = np.array([case.kinds[k] == "positive" for k in names])

    def params(eta):
        values = [
            math.exp(min(e, 700.0)) if p else float(e) for e, p in zip(eta, positive, strict=True)
        ]
        return dict(zip(names, values, strict=True))

    def negll(eta):
        with np.errstate(all="ignore"):
            v = float(np.sum(case.logpdf(data, **params(eta))))
        return -v if np.isfinite(v) else 1e300

    eta = np.array(
        [np.log(truth[k]) if p else truth[k] for k, p in zip(names, positive, strict=True)]
    )
    eta = np.asarray(eta, dtype=float)
    for _ in range(3):
        eta = optimize.minimize(
            negll,
            eta,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000},
        ).x
    eta = optimize.minimize(negll, eta, method="BFGS", options={"gtol": 1e-8}).x
    return params(eta), -negll(eta)


def loglik(case: Case, data: np.ndarray, params: dict[str, float]) -> float:
    """Σ log p by the hand-written density."""
    with np.errstate(all="ignore"):
        return float(np.sum(case.logpdf(data, **{k: params[k] for k in case.kinds})))
