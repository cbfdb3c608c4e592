"""The exact-subproblem trust region: its steps against a brute-force constrained
minimisation, and fits that start at a stationary point which is not a maximum."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import optimize

import symflow as sf
from symflow.stats.train import train_flow
from symflow.stats.trust_region import subproblem, trust_region


def _model(g, H, p):
    return float(g @ p + 0.5 * p @ H @ p)


def _brute(g, H, radius, rng):
    """min g·p + ½pᵀHp over |p| ≤ radius by SLSQP from a dozen starts (independent of
    the eigendecomposition)."""
    best = np.inf
    cons = {"type": "ineq", "fun": lambda p: radius**2 - p @ p}
    for _ in range(12):
        p0 = rng.normal(size=g.size)
        p0 *= radius * rng.uniform() / np.linalg.norm(p0)
        res = optimize.minimize(
            lambda p: _model(g, H, p),
            p0,
            constraints=[cons],
            method="SLSQP",
            options={"ftol": 1e-14, "maxiter": 500},
        )
        if res.success and res.x @ res.x <= radius**2 * (1 + 1e-8):
            best = min(best, res.fun)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_subproblem_step_is_the_constrained_minimum(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(4, 4))
    H = A + A.T + (seed - 3) * np.eye(4)  # definite, indefinite, and between
    g = rng.normal(size=4) * (1e-9 if seed == 5 else 1.0)  # seed 5: the hard case
    radius = float(rng.uniform(0.2, 3.0))
    w, Q = np.linalg.eigh(H)
    p = subproblem(g, w, Q, radius)
    assert np.linalg.norm(p) <= radius * (1 + 1e-9)
    assert _model(g, H, p) <= _brute(g, H, radius, rng) + 1e-9


@pytest.mark.parametrize("H", [np.zeros((2, 2)), np.diag([0.0, 1e-300])])
def test_subproblem_with_no_curvature_steps_down_the_gradient_to_the_boundary(H):
    """A linear model (a log-likelihood linear in η, as −n·log b): the minimiser over the
    ball is −radius·g/|g|, not the overflow of a secular equation with λ ≈ 0."""
    g = np.array([3.0, -4.0])
    w, Q = np.linalg.eigh(H)
    p = subproblem(g, w, Q, 0.5)
    assert p == pytest.approx([-0.3, 0.4], rel=1e-12)


def test_trust_region_on_a_linear_function_moves_until_it_stops():
    """f = η (no curvature anywhere) with a wall at η < −2: the first steps were NaN
    (scaling by the zero diagonal) and the region never moved; it must walk to the wall."""

    def fun(v):
        return (float(v[0]) if v[0] >= -2.0 else 1e30), np.array([1.0])

    seen = []
    x, reason = trust_region(
        fun, lambda v: np.zeros((1, 1)), np.array([3.0]), 1e-9, 200, seen.append
    )
    assert -2.0 <= x[0] < -2.0 + 1e-9 and len(seen) > 3
    assert reason == "the trust region shrank to the rounding of the parameters"


def test_trust_region_leaves_a_saddle_along_its_negative_curvature():
    # f = x² − y² + y⁴/2: a saddle at 0 (zero gradient), minima at y = ±1
    def fun(v):
        x, y = v
        return x * x - y * y + 0.5 * y**4, np.array([2 * x, -2 * y + 2 * y**3])

    def hess(v):
        return np.array([[2.0, 0.0], [0.0, -2.0 + 6 * v[1] ** 2]])

    x, message = trust_region(fun, hess, np.zeros(2), 1e-10, 100, lambda v: None, curvature=1e-10)
    assert abs(abs(x[1]) - 1.0) < 1e-9 and abs(x[0]) < 1e-9, (x, message)


@pytest.fixture(scope="module")
def squared_shift():
    """x = z + c² − 1 on N(0, 1): at c = 0 (the default start) the gradient is zero and
    the likelihood is at a minimum in c when the data are centred below −1 + 1."""
    z, c = sp.Symbol("z", real=True), sp.Symbol("c", real=True)
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(z + c**2 - 1, z)])


@pytest.mark.parametrize("method", ["trust-exact", "trust-krylov"])
def test_a_fit_started_at_a_minimum_of_the_likelihood_leaves_it(squared_shift, method):
    data = np.random.default_rng(3).normal(0.0, 1.0, 2000)
    data -= data.mean() - 0.5  # the maximum: c² − 1 = 0.5, c = ±√1.5; c = 0 is a minimum
    fit = train_flow(squared_shift, data, method=method)
    assert fit.success, fit.message
    assert abs(fit.params["c"]) == pytest.approx(np.sqrt(1.5), rel=1e-9)


def test_training_start_is_moved_until_the_data_are_inside_the_support():
    z, a, b = sp.Symbol("z", real=True), sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z + a) + b, z)])  # support (b, ∞)
    rng = np.random.default_rng(0)
    data = np.exp(0.5 + rng.normal(size=2000)) - 20.0  # below the start's edge b = 0
    fit = X.fit(data, method="L-BFGS")
    assert fit.success, fit.message
    shifted = np.log(data - fit.params["b"])  # at the MLE of b the rest is a normal fit
    assert fit.params["a"] == pytest.approx(shifted.mean(), abs=1e-5)
