"""Training flows with several inverse paths (log p = log Σ_b p_b) against hand-written
log-likelihoods: their finite differences (in mpmath at 40 digits for the Hessian-vector
products), and scipy.optimize fitting them."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.codegen.train_kernel import train_kernels
from symflow.core.adjoint import branches_hvp
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
    assert fit.method == "trust-exact" and fit.success, fit.message
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
def test_trust_regions_on_compiled_hessians(square, method):
    X, data = square
    init = {"mu": 0.5, "sigma": 1.0}
    fit = train_flow(X, data, init=init, method=method)
    reference = train_flow(X, data, init=init, method="L-BFGS")
    assert fit.success, fit.message
    assert fit.loglik == pytest.approx(reference.loglik, rel=1e-12)
    assert fit.params["mu"] == pytest.approx(reference.params["mu"], rel=1e-6)


# -- Hessian-vector products: the adjoint of the log-sum-exp against mpmath ---------------------
a, b, c = sp.Symbol("a", real=True), sp.Symbol("b", real=True), sp.Symbol("c", real=True)


def mp_square(x, mu, sigma):
    """x = z², z ~ N(μ, σ), in mpmath."""
    r = mp.sqrt(x)
    phi = [mp.exp(-(((s * r - mu) / sigma) ** 2) / 2) for s in (1, -1)]
    return mp.log((phi[0] + phi[1]) / (sigma * mp.sqrt(2 * mp.pi))) - mp.log(2 * r)


def mp_folded(x, a, b, c):
    """x = exp(c)·(exp(a)·z + b)², z ~ N(0, 1): y = x·e⁻ᶜ, z± = (±√y − b)·e⁻ᵃ,
    p = Σ± φ(z±)·e⁻ᵃ / (2√y) · e⁻ᶜ."""
    r = mp.sqrt(x * mp.exp(-c))
    phi = [mp.exp(-(((s * r - b) * mp.exp(-a)) ** 2) / 2) for s in (1, -1)]
    return mp.log((phi[0] + phi[1]) / mp.sqrt(2 * mp.pi)) - a - mp.log(2 * r) - c


def mp_split(x, a, b):
    """x = exp(a)·z for z < 0, exp(b)·z otherwise, z ~ N(0, 1)."""
    s = a if x < 0 else b
    return -((x * mp.exp(-s)) ** 2) / 2 - mp.log(2 * mp.pi) / 2 - s


HVP_CASES = {
    "square": (
        lambda: sf.Flow(sf.Normal(mu, sigma), [sf.Transform(z**2, z)]),
        mp_square,
        [0.6, 1.1],
        [0.05, 0.7, 2.3, 9.0],
    ),
    "folded-affine": (
        lambda: sf.Flow(
            sf.Normal(0, 1),
            [
                sf.Transform(sp.exp(a) * z + b, z),
                sf.Transform(z**2, z),
                sf.Transform(sp.exp(c) * z, z),
            ],
        ),
        mp_folded,
        [0.3, -0.4, 0.2],
        [0.01, 0.5, 1.7, 6.0],
    ),
    "split": (
        lambda: sf.Flow(
            sf.Normal(0, 1),
            [sf.Transform(sp.Piecewise((sp.exp(a) * z, z < 0), (sp.exp(b) * z, True)), z)],
        ),
        mp_split,
        [-0.3, 0.5],
        [-2.0, -0.1, 0.4, 3.0],
    ),
}


def mp_hessian(f, x, theta):
    """∇²_θ f(x; θ) by mpmath's finite differences at 40 digits."""
    P = len(theta)
    H = mp.matrix(P, P)
    for i in range(P):
        for j in range(i, P):
            order = [0] * P
            order[i] += 1
            order[j] += 1
            H[i, j] = H[j, i] = mp.diff(lambda *t: f(mp.mpf(x), *t), theta, tuple(order))
    return H


@pytest.fixture(scope="module")
def hvp_case(request):
    make, f, theta, xs = HVP_CASES[request.param]
    X = make()
    assert len(X.program.paths) == 2
    with mp.workdps(40):
        H = sum((mp_hessian(f, x, [mp.mpf(t) for t in theta]) for x in xs), mp.matrix(len(theta)))
    return X, f, theta, np.array(xs), H


@pytest.mark.parametrize("hvp_case", list(HVP_CASES), indirect=True)
def test_symbolic_hvp_of_the_log_sum_exp_matches_mpmath(hvp_case):
    """branches_hvp's assignments evaluated at 45 digits against mpmath's Hessian."""
    X, f, theta, xs, H = hvp_case
    params = X.program.parameters
    # regions on a plain real x (the program's x carries the support's assumptions)
    plain = sp.Symbol("x", real=True)
    grad, tan = branches_hvp(X.program.paths, params, plain)
    v = np.random.default_rng(3).normal(size=len(params))
    with mp.workdps(45):
        got = mp.matrix(len(params), 1)
        for x in xs:
            env = {plain: sp.Float(x, 45), X.program.x: sp.Float(x, 45)}
            env.update({p: sp.Float(t, 45) for p, t in zip(params, theta, strict=True)})
            env.update({s: sp.Float(w, 45) for s, w in zip(tan.direction, v, strict=True)})
            for step in (*grad.assignments, *tan.partials, *tan.assignments):
                env[step.target] = step.value.xreplace(env).evalf(45)
            got += mp.matrix([mp.mpf(str(sp.sympify(h).xreplace(env))) for h in tan.derivatives])
        expected = H * mp.matrix(v.tolist())
        for j in range(len(params)):
            assert abs(got[j] - expected[j]) <= mp.mpf("1e-25") * max(1, abs(expected[j])), j


@pytest.mark.parametrize("hvp_case", list(HVP_CASES), indirect=True)
def test_compiled_hvp_and_hessian_of_several_paths_match_mpmath(hvp_case):
    X, f, theta, xs, H = hvp_case
    H = np.array(H.tolist(), dtype=float)
    k = train_kernels(X.program)
    v = np.random.default_rng(5).normal(size=len(theta))
    value, grad, hv, bad = k.value_grad_hvp(xs, np.array(theta), v)
    assert bad == (0, -1)
    with mp.workdps(40):
        expected = sum(f(mp.mpf(x), *map(mp.mpf, theta)) for x in xs)
    assert value == pytest.approx(float(expected), rel=1e-13)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-10, atol=1e-12)
    _, _, hessian, _ = k.hessian(xs, np.array(theta))
    np.testing.assert_allclose(hessian, H, rtol=1e-10, atol=1e-12)


def test_compiled_hvp_skips_points_outside_the_support(square):
    """x < 0 has zero density under x = z²: counted, and left out of the sums."""
    X, _ = square
    k = train_kernels(X.program)
    theta = np.array([0.6, 1.1])
    inside = np.array([0.5, 2.0])
    _, _, hv_in, _ = k.value_grad_hvp(inside, theta, np.eye(2))
    value, _, hv, bad = k.value_grad_hvp(np.array([0.5, -1.0, 2.0]), theta, np.eye(2))
    assert value == -np.inf and bad == (1, 1)
    np.testing.assert_allclose(hv, hv_in, rtol=1e-15, atol=0)
