"""Fitting mixture weights (and component parameters) against hand-written likelihoods
optimised by SciPy, EM by hand, and finite differences of the hand log-likelihood."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.errors import ParameterError
from symflow.stats.coordinates import SIMPLEX, Coordinates, simplex_groups

w = sp.Symbol("w", positive=True)
a, b = sp.symbols("a b", positive=True)
m1, m2 = sp.symbols("m1 m2", real=True)
s1, s2 = sp.symbols("s1 s2", positive=True)


@functools.cache
def data2() -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.r_[rng.normal(-2, 1, 300), rng.normal(2, 1, 700)]


@functools.cache
def data3() -> np.ndarray:
    rng = np.random.default_rng(8)
    return np.r_[rng.normal(-3, 1, 200), rng.normal(0, 1, 300), rng.normal(3, 1, 500)]


def _nll_weight(v: float) -> float:
    x = data2()
    return -float(np.sum(np.log(v * stats.norm.pdf(x, -2, 1) + (1 - v) * stats.norm.pdf(x, 2, 1))))


@functools.cache
def fit_weight():
    X = sf.Flow(sf.Mixture([(w, sf.Normal(-2, 1)), (1 - w, sf.Normal(2, 1))]), [])
    return X.fit(data2())


def test_one_weight_against_a_bounded_scipy_maximum():
    r = fit_weight()
    assert r.success, r.message
    best = optimize.minimize_scalar(
        _nll_weight, bounds=(1e-9, 1 - 1e-9), method="bounded", options={"xatol": 1e-12}
    )
    assert r.params["w"] == pytest.approx(best.x, abs=1e-8)
    # the score equation solved by hand: Σ (φ₁ − φ₂)/(w φ₁ + (1 − w) φ₂) = 0
    p1, p2 = stats.norm.pdf(data2(), -2, 1), stats.norm.pdf(data2(), 2, 1)
    root = optimize.brentq(
        lambda v: np.sum((p1 - p2) / (v * p1 + (1 - v) * p2)), 0.01, 0.99, xtol=1e-15
    )
    assert r.params["w"] == pytest.approx(root, abs=1e-10)
    assert r.loglik == pytest.approx(-_nll_weight(root), rel=1e-13)


def test_standard_error_of_the_weight_against_finite_differences():
    r = fit_weight()
    v, h = r.params["w"], 1e-4
    info = (_nll_weight(v + h) - 2 * _nll_weight(v) + _nll_weight(v - h)) / h**2
    assert r.stderr["w"] == pytest.approx(1 / np.sqrt(info), rel=1e-4)


def _nll_free(theta: np.ndarray) -> float:
    """−ℓ of w N(m1, s1²) + (1 − w) N(m2, s2²) in unconstrained coordinates."""
    logit, mu1, mu2, ls1, ls2 = theta
    v = 1 / (1 + np.exp(-logit))
    x = data2()
    dens = v * stats.norm.pdf(x, mu1, np.exp(ls1)) + (1 - v) * stats.norm.pdf(x, mu2, np.exp(ls2))
    return -float(np.sum(np.log(dens)))


def test_weight_means_and_scales_against_multistart_scipy():
    X = sf.Flow(sf.Mixture([(w, sf.Normal(m1, s1)), (1 - w, sf.Normal(m2, s2))]), [])
    r = X.fit(data2(), init={"m1": -1.0, "m2": 1.0})
    assert r.success, r.message
    starts = [(0.0, -1.0, 1.0, 0.0, 0.0), (1.0, -3.0, 3.0, 0.5, -0.5), (-1.0, -2.0, 2.0, 0.0, 0.0)]
    best = min(
        (optimize.minimize(_nll_free, s, method="BFGS", options={"gtol": 1e-9}) for s in starts),
        key=lambda o: o.fun,
    )
    assert r.loglik == pytest.approx(-best.fun, rel=1e-10)
    logit, mu1, mu2, ls1, ls2 = best.x
    hand = {
        "w": 1 / (1 + np.exp(-logit)),
        "m1": mu1,
        "m2": mu2,
        "s1": np.exp(ls1),
        "s2": np.exp(ls2),
    }
    for name, value in hand.items():
        assert r.params[name] == pytest.approx(value, abs=1e-4), name


def test_three_weights_against_em_by_hand():
    Z = sf.Flow(
        sf.Mixture([(a, sf.Normal(-3, 1)), (b, sf.Normal(0, 1)), (1 - a - b, sf.Normal(3, 1))]),
        [],
    )
    r = Z.fit(data3())
    assert r.success, r.message
    dens = np.stack([stats.norm.pdf(data3(), c, 1) for c in (-3, 0, 3)])
    pi = np.full(3, 1 / 3)
    for _ in range(2000):  # EM with known components: pi <- mean responsibilities
        resp = pi[:, None] * dens
        pi = (resp / resp.sum(axis=0)).mean(axis=1)
    assert r.params["a"] == pytest.approx(pi[0], abs=1e-8)
    assert r.params["b"] == pytest.approx(pi[1], abs=1e-8)
    assert r.loglik == pytest.approx(float(np.sum(np.log(pi @ dens))), rel=1e-12)

    # the standard errors from the hand log-likelihood's observed information
    def nll(v):
        return -float(np.sum(np.log(v[0] * dens[0] + v[1] * dens[1] + (1 - v[0] - v[1]) * dens[2])))

    h, v0 = 1e-4, np.array([r.params["a"], r.params["b"]])
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (
                nll(v0 + ei + ej) - nll(v0 + ei - ej) - nll(v0 - ei + ej) + nll(v0 - ei - ej)
            ) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(hess)))
    assert r.stderr["a"] == pytest.approx(se[0], rel=1e-4)
    assert r.stderr["b"] == pytest.approx(se[1], rel=1e-4)
    with pytest.raises(ParameterError, match=r"at a = 0\.6, b = 0\.5: its weight 3 = -a - b \+ 1"):
        Z.fit(data3(), init={"a": 0.6, "b": 0.5})
    with pytest.raises(ParameterError, match=r"at a = 0\.9, b = 0\.2: its weight 3 = -a - b \+ 1"):
        Z.fit(data3(), fixed={"a": 0.9}, init={"b": 0.2})
    # one weight held: the other moves in (0, 1 − a)
    held = Z.fit(data3(), fixed={"a": 0.2})
    resp_b = optimize.minimize_scalar(
        lambda v: nll(np.array([0.2, v])),
        bounds=(1e-9, 0.8 - 1e-9),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert held.params["b"] == pytest.approx(resp_b.x, abs=1e-8)


@pytest.mark.parametrize(
    "options, match",
    [
        ({"init": {"w": 1.3}}, r"domain: .* at w = 1\.3: its weight 2 = 1 - w must be positive"),
        ({"init": {"w": 0.0}}, r"domain: .* at w = 0\.0: its weight 1 = w must be positive"),
        ({"init": {"w": -0.2}}, r"at w = -0\.2: its weight 1 = w must be positive, and is -0\.2"),
    ],
)
def test_starting_values_outside_the_unit_interval_are_refused(options, match):
    X = sf.Flow(sf.Mixture([(w, sf.Normal(-2, 1)), (1 - w, sf.Normal(2, 1))]), [])
    with pytest.raises(ParameterError, match=match):
        X.fit(data2(), **options)
    # nothing half-built: the same flow fits afterwards
    assert X.fit(data2(), init={"w": 0.5}).params["w"] == pytest.approx(
        fit_weight().params["w"], abs=1e-9
    )


def test_simplex_groups_and_the_chain_rule_against_finite_differences():
    assert simplex_groups([a, b], [("w1", a), ("w2", b), ("w3", 1 - a - b)]) == [[0, 1]]
    assert simplex_groups([a, b], [("w1", a), ("w2", 1 - a / 2)]) == []
    c = Coordinates([SIMPLEX, SIMPLEX, 1], [[0, 1]], [0, 1, 2], np.array([0.2, 0.3, 1.0]))
    eta = np.array([0.3, -0.7, 0.4])
    theta = c.theta_of(eta)
    assert theta[0] + theta[1] < 1 and np.allclose(c.eta_of(theta), eta, rtol=1e-14)

    def f(t):  # any smooth function of θ
        return np.sin(t[0]) * t[1] ** 2 + np.log(t[2]) * t[0]

    def f_eta(e):
        return f(c.theta_of(e))

    t = theta
    grad = np.array([np.cos(t[0]) * t[1] ** 2 + np.log(t[2]), 2 * np.sin(t[0]) * t[1], t[0] / t[2]])
    hess = np.array(
        [
            [-np.sin(t[0]) * t[1] ** 2, 2 * np.cos(t[0]) * t[1], 1 / t[2]],
            [2 * np.cos(t[0]) * t[1], 2 * np.sin(t[0]), 0.0],
            [1 / t[2], 0.0, -t[0] / t[2] ** 2],
        ]
    )
    g_eta, h_eta = c.chain(theta, grad, hess)
    h = 1e-4
    fd_g = np.array([(f_eta(eta + h * e) - f_eta(eta - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(g_eta, fd_g, rtol=1e-8)
    fd_h = np.array(
        [
            [
                (
                    f_eta(eta + h * ei + h * ej)
                    - f_eta(eta + h * ei - h * ej)
                    - f_eta(eta - h * ei + h * ej)
                    + f_eta(eta - h * ei - h * ej)
                )
                / (4 * h * h)
                for ej in np.eye(3)
            ]
            for ei in np.eye(3)
        ]
    )
    np.testing.assert_allclose(h_eta, fd_h, rtol=1e-5, atol=1e-6)
    v = np.array([0.4, -1.1, 0.7])
    hv = c.vjp(theta, hess @ c.jvp(theta, v)) + c.curvature(theta, grad, v)
    np.testing.assert_allclose(hv, fd_h @ v, rtol=1e-5, atol=1e-6)


def test_training_path_fits_weights_in_log_odds():
    """Many-parameter training (here asked for by method) moves the weights in the same
    coordinates: against the hand likelihood maximised by SciPy."""
    m = sp.Symbol("m", real=True)
    Z = sf.Flow(
        sf.Mixture([(a, sf.Normal(-3, 1)), (b, sf.Normal(m, 1)), (1 - a - b, sf.Normal(3, 1))]),
        [],
    )
    r = Z.fit(data3(), method="trust-krylov")
    assert type(r).__name__ == "TrainResult" and r.success, r.message
    x = data3()

    def nll(t):
        va, vb, mu = t
        return -float(
            np.sum(
                np.log(
                    va * stats.norm.pdf(x, -3, 1)
                    + vb * stats.norm.pdf(x, mu, 1)
                    + (1 - va - vb) * stats.norm.pdf(x, 3, 1)
                )
            )
        )

    best = optimize.minimize(
        nll,
        [0.3, 0.3, 0.0],
        method="SLSQP",
        bounds=[(1e-6, 1), (1e-6, 1), (-5, 5)],
        constraints=[{"type": "ineq", "fun": lambda t: 1 - t[0] - t[1] - 1e-6}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    assert r.loglik == pytest.approx(-best.fun, rel=1e-11)
    for name, value in zip("abm", best.x, strict=True):
        assert r.params[name] == pytest.approx(value, abs=1e-5), name
    h, t0 = 1e-4, np.array([r.params["a"], r.params["b"], r.params["m"]])
    hess = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * h, np.eye(3)[j] * h
            hess[i, j] = (
                nll(t0 + ei + ej) - nll(t0 + ei - ej) - nll(t0 - ei + ej) + nll(t0 - ei - ej)
            ) / (4 * h * h)
    se = np.sqrt(np.diag(np.linalg.inv(hess)))
    for name, value in zip("abm", se, strict=True):
        assert r.stderr[name] == pytest.approx(value, rel=1e-4), name
