"""Reverse-mode gradients and Hessian-vector products against mpmath finite differences.

symflow.core.adjoint is checked symbolically (its assignments evaluated at 40 digits)
on random flows of 1–8 layers, including implicit inverses; the compiled loops of
symflow.codegen.train_kernel on a 1-D flow with an implicit inverse and on a 2-D
triangular flow.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.core.adjoint import reverse_gradient, tangent
from symflow.core.layer import ImplicitInverse

z = sp.Symbol("z", real=True)


def implicit(i: int) -> sf.Transform:
    """x = z + c_i·atan(z): monotone for c_i > 0, no closed-form inverse."""
    return sf.Transform(z + sp.Symbol(f"c_{i}", positive=True) * sp.atan(z), z)


KINDS = (sf.layers.affine, sf.layers.sinh_arcsinh, implicit)


def random_flow(layers: int, seed: int) -> list[sf.Transform]:
    rng = np.random.default_rng(seed)
    return [KINDS[int(rng.integers(len(KINDS)))](i) for i in range(1, layers + 1)]


def random_theta(parameters, rng) -> list[float]:
    """Moderate values: positive parameters in (0.6, 1.6), others in (−0.4, 0.4)."""
    return [
        float(rng.uniform(0.6, 1.6)) if p.is_positive else float(rng.uniform(-0.4, 0.4))
        for p in parameters
    ]


def evaluate(assignments, env: dict) -> dict:
    """Run an assignment list in mpmath (implicit inverses by root finding)."""
    env = dict(env)
    for a in assignments:
        if isinstance(a.value, ImplicitInverse):
            cls = type(a.value)
            y = a.value.args[0].evalf(45, subs=env)
            g = sp.lambdify(cls.variable, cls.forward.xreplace(env) - y, "mpmath")
            env[a.target] = sp.Float(mp.findroot(g, mp.mpf(0), solver="newton"), 45)
        else:
            env[a.target] = a.value.evalf(45, subs=env)
    return env


CASES = [(1, 11), (3, 5), (5, 8), (8, 4)]


@pytest.mark.parametrize(("layers", "seed"), CASES, ids=[f"{k}-layers" for k, _ in CASES])
def test_symbolic_gradient_and_hvp_match_mpmath(layers, seed, oracle):
    transforms = random_flow(layers, seed)
    X = sf.Flow(sf.Normal(0, 1), transforms)
    params = X.program.parameters
    path = X.program.paths[0]
    grad = reverse_gradient(path.assignments, path.result, params)
    tan = tangent(grad.assignments, params, grad.gradient)
    rng = np.random.default_rng(seed)
    theta = random_theta(params, rng)
    v = [float(w) for w in rng.normal(size=len(params))]
    x = float(rng.normal())
    env = {X.program.x: sp.Float(x, 45)}
    env.update({p: sp.Float(t, 45) for p, t in zip(params, theta, strict=True)})
    env.update({s: sp.Float(w, 45) for s, w in zip(tan.direction, v, strict=True)})
    env = evaluate([*grad.assignments, *tan.partials, *tan.assignments], env)
    ref = oracle(transforms, params)
    assert float(env[path.result]) == pytest.approx(float(ref.log_p(x, theta)), rel=1e-25)
    expected_g = ref.gradient(x, theta)
    got_g = [float(sp.sympify(g).xreplace(env)) for g in grad.gradient]
    np.testing.assert_allclose(got_g, [float(g) for g in expected_g], rtol=1e-12, atol=1e-14)
    expected_h = ref.hvp(x, theta, v)
    got_h = [float(sp.sympify(h).xreplace(env)) for h in tan.derivatives]
    np.testing.assert_allclose(got_h, [float(h) for h in expected_h], rtol=1e-8, atol=1e-10)


def test_gradient_of_a_parameter_free_flow_is_empty():
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
    path = X.program.paths[0]
    assert reverse_gradient(path.assignments, path.result, ()).gradient == ()


# -- the compiled loops -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def implicit_flow():
    transforms = [sf.layers.sinh_arcsinh(1), implicit(2), sf.layers.affine(3)]
    return transforms, sf.Flow(sf.Normal(0, 1), transforms)


@pytest.fixture(scope="module")
def stacked_flow():
    transforms = sf.layers.stack(sf.layers.sinh_arcsinh, sf.layers.affine, repeat=2)
    return transforms, sf.Flow(sf.Normal(0, 1), transforms)


@pytest.fixture(scope="module")
def triangular_flow():
    transforms = sf.layers.stack(sf.layers.triangular, repeat=2, d=2, degree=1)
    return transforms, sf.Flow(sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)), transforms)


@pytest.mark.parametrize("which", ["implicit_flow", "triangular_flow"])
def test_compiled_gradient_and_hvp_match_mpmath(which, request, oracle):
    from symflow.codegen.train_kernel import train_kernels

    transforms, X = request.getfixturevalue(which)
    params = X.program.parameters
    rng = np.random.default_rng(7)
    theta = random_theta(params, rng)
    d = X.dimension
    xs = rng.normal(size=(3, d)) if d > 1 else rng.normal(size=3)
    v = rng.normal(size=len(params))
    k = train_kernels(X.program)
    value, grad, bad = k.value_grad(xs, np.array(theta))
    _, grad2, hv, _ = k.value_grad_hvp(xs, np.array(theta), v)
    ref = oracle(transforms, params)
    points = [list(map(float, p)) if d > 1 else float(p) for p in xs]
    expected = sum(ref.log_p(p, theta) for p in points)
    expected_g = np.sum([[float(g) for g in ref.gradient(p, theta)] for p in points], axis=0)
    expected_h = np.sum([[float(h) for h in ref.hvp(p, theta, v)] for p in points], axis=0)
    assert bad == (0, -1)
    assert value == pytest.approx(float(expected), rel=1e-13)
    np.testing.assert_allclose(grad, expected_g, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(grad2, grad, rtol=1e-15, atol=0)
    np.testing.assert_allclose(hv, expected_h, rtol=1e-9, atol=1e-10)


def test_compiled_loop_reports_points_outside_the_support():
    from symflow.codegen.train_kernel import train_kernels

    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.layers.affine(1)])
    k = train_kernels(X.program)
    xs = np.array([0.5, 2.0, -3.0, 1.0, -4.0])
    value, grad, bad = k.value_grad(xs, np.array([0.0, 0.0]))  # support x > b_1 = 0
    assert value == -np.inf
    assert bad[0] == 2
    assert k.first_bad(xs, np.array([0.0, 0.0])) == 2
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("which", ["stacked_flow", "triangular_flow"])
def test_vectorised_loop_cut_into_segments_matches_mpmath(which, request, oracle, monkeypatch):
    """A long loop body is cut into several loops over each chunk of points, which pass
    values through a buffer; forced here on small flows with a tiny operation budget."""
    import symflow.codegen.train_kernel as tk

    transforms, X = request.getfixturevalue(which)
    monkeypatch.setattr(tk, "SEGMENT_OPS", 40)
    k = tk.TrainKernels(X.program)
    assert k.source().count("for i in range(m):") >= 4  # segments, then the row sums
    params = X.program.parameters
    rng = np.random.default_rng(11)
    theta = random_theta(params, rng)
    d = X.dimension
    xs = rng.normal(size=(6, d)) if d > 1 else rng.normal(size=6)
    value, grad, bad = k.value_grad(xs, np.array(theta))
    ref = oracle(transforms, params)
    points = [list(map(float, p)) if d > 1 else float(p) for p in xs]
    expected = sum(ref.log_p(p, theta) for p in points)
    expected_g = np.sum([[float(g) for g in ref.gradient(p, theta)] for p in points], axis=0)
    assert bad[0] == 0
    assert value == pytest.approx(float(expected), rel=1e-13)
    np.testing.assert_allclose(grad, expected_g, rtol=1e-11, atol=1e-12)
