"""Training flows with several inverse paths (log p = log Σ_b p_b) against hand-written
log-likelihoods: their finite differences, and scipy.optimize fitting them."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.codegen.train_kernel import train_kernels
from symflow.stats.train import train_flow

z = sp.Symbol("z", real=True)
mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)


def square_loglik(data, mu, sigma) -> float:
    """x = z², z ~ N(μ, σ): p(x) = [φ((√x − μ)/σ) + φ((−√x − μ)/σ)] / (2σ√x)."""
    r = np.sqrt(data)
    both = np.logaddexp(stats.norm.logpdf(r, mu, sigma), stats.norm.logpdf(-r, mu, sigma))
    return float(np.sum(both - np.log(2 * r)))


@pytest.fixture(scope="module")
def square():
    X = sf.Flow(sf.Normal(mu, sigma), [sf.Transform(z**2, z)])
    data = np.random.default_rng(4).normal(0.9, 1.3, 3000) ** 2
    return X, data


def test_two_path_gradient_matches_finite_differences(square):
    X, data = square
    assert len(X.program.paths) == 2
    k = train_kernels(X.program)
    point = {"mu": 0.6, "sigma": 1.1}
    theta = np.array([point[p.name] for p in X.program.parameters])
    value, grad, bad = k.value_grad(data, theta)
    assert bad == (0, -1)
    assert value == pytest.approx(square_loglik(data, **point), rel=1e-12)
    h = 1e-6
    for j, p in enumerate(X.program.parameters):
        up, down = dict(point), dict(point)
        up[p.name] += h
        down[p.name] -= h
        fd = (square_loglik(data, **up) - square_loglik(data, **down)) / (2 * h)
        assert grad[j] == pytest.approx(fd, rel=1e-6), p.name


def test_two_path_fit_matches_scipy_on_the_hand_written_likelihood(square):
    X, data = square
    fit = train_flow(X, data, init={"mu": 0.5, "sigma": 1.0})
    assert fit.method == "L-BFGS" and fit.success, fit.message
    best = optimize.minimize(
        lambda q: -square_loglik(data, q[0], np.exp(q[1])),
        [0.5, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000},
    )
    assert fit.loglik >= -best.fun - 1e-9 * abs(best.fun)
    assert fit.loglik == pytest.approx(-best.fun, rel=1e-10)
    assert fit.params["mu"] == pytest.approx(best.x[0], rel=1e-4)
    assert fit.params["sigma"] == pytest.approx(np.exp(best.x[1]), rel=1e-4)
    assert np.isfinite(fit.stderr["mu"]) and np.isfinite(fit.stderr["sigma"])


def test_piecewise_flow_reaches_the_closed_form_mle():
    """x = exp(a)·z for z < 0, exp(b)·z otherwise (a split normal): the MLE of exp(a)² is
    the mean of x² over the negative points, that of exp(b)² over the positive ones."""
    a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
    X = sf.Flow(
        sf.Normal(0, 1),
        [sf.Transform(sp.Piecewise((sp.exp(a) * z, z < 0), (sp.exp(b) * z, True)), z)],
    )
    u = np.random.default_rng(6).normal(size=2000)
    data = np.where(u < 0, 0.5 * u, 2.0 * u)
    fit = X.fit(data, method="L-BFGS")
    assert fit.success, fit.message
    neg, pos = data[data < 0], data[data > 0]
    assert np.exp(fit.params["a"]) == pytest.approx(np.sqrt(np.mean(neg**2)), rel=1e-6)
    assert np.exp(fit.params["b"]) == pytest.approx(np.sqrt(np.mean(pos**2)), rel=1e-6)
    sa, sb = np.exp(fit.params["a"]), np.exp(fit.params["b"])
    expected = stats.norm(0, sa).logpdf(neg).sum() + stats.norm(0, sb).logpdf(pos).sum()
    assert fit.loglik == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("method", ["trust-exact", "trust-krylov"])
def test_trust_regions_on_differenced_hessians(square, method):
    """Several paths: Hessian-vector products are differences of the exact gradient."""
    X, data = square
    init = {"mu": 0.5, "sigma": 1.0}
    fit = train_flow(X, data, init=init, method=method)
    reference = train_flow(X, data, init=init, method="L-BFGS")
    assert fit.success, fit.message
    assert fit.loglik == pytest.approx(reference.loglik, rel=1e-12)
    assert fit.params["mu"] == pytest.approx(reference.params["mu"], rel=1e-6)


def test_compiled_hessian_vector_products_are_refused_for_several_paths(square):
    X, data = square
    k = train_kernels(X.program)
    with pytest.raises(sf.CompileError, match=r"not compiled for a flow with 2 inverse paths"):
        k.value_grad_hvp(data, np.array([0.5, 1.0]), np.array([1.0, 0.0]))
