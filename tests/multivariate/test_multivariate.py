"""Multivariate flows against scipy.stats and textbook densities."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
u1, u2 = sp.symbols("u1 u2", real=True)
N2 = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
RNG = np.random.default_rng(12345)


@pytest.fixture(scope="module")
def linear():
    return sf.Flow(N2, [sf.Transform([3 * z1 + z2, 2 * z2], [z1, z2])])


@pytest.fixture(scope="module")
def banana():
    return sf.Flow(N2, [sf.Transform([z1, z2 + z1**2], [z1, z2])])


@pytest.fixture(scope="module")
def box_muller():
    r = sp.sqrt(-2 * sp.log(u1))
    base = sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1))
    return sf.Flow(
        base, [sf.Transform([r * sp.cos(2 * sp.pi * u2), r * sp.sin(2 * sp.pi * u2)], [u1, u2])]
    )


def test_linear_determinant_is_six_exactly(linear):
    layer = linear.layers[0]
    assert layer.determinant == 6
    assert layer.structure == "constant"
    assert layer.log_abs_det_jacobian == sp.log(6)


def test_linear_image_of_unit_square_has_area_six(linear):
    # the image of the unit square is the parallelogram spanned by J e1 and J e2
    J = np.array([[3.0, 1.0], [0.0, 2.0]])
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    forward = linear.compile().forward(corners)
    assert np.allclose(forward, corners @ J.T)
    x, y = forward[:, 0], forward[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))  # shoelace
    assert area == pytest.approx(6.0, rel=0, abs=1e-12)


def test_linear_density_equals_scipy_mvn(linear):
    J = np.array([[3.0, 1.0], [0.0, 2.0]])
    oracle = stats.multivariate_normal(np.zeros(2), J @ J.T)
    xs = RNG.normal(size=(200, 2)) * 4
    got = linear.compile().log_prob(xs)
    np.testing.assert_allclose(got, oracle.logpdf(xs), rtol=1e-12, atol=0)
    x1, x2 = sp.symbols("x1 x2", real=True)
    f = sp.lambdify((x1, x2), linear.density([x1, x2]), "numpy")
    np.testing.assert_allclose(f(xs[:, 0], xs[:, 1]), oracle.pdf(xs), rtol=1e-12, atol=0)


def test_banana_density_and_determinant(banana):
    layer = banana.layers[0]
    assert layer.determinant == 1
    assert layer.structure == "triangular"
    xs = RNG.normal(size=(200, 2)) * 2
    expected = stats.norm.logpdf(xs[:, 0]) + stats.norm.logpdf(xs[:, 1] - xs[:, 0] ** 2)
    np.testing.assert_allclose(banana.compile().log_prob(xs), expected, rtol=1e-12, atol=0)
    x1, x2 = sp.symbols("x1 x2", real=True)
    phi = lambda v: sp.exp(-(v**2) / 2) / sp.sqrt(2 * sp.pi)  # noqa: E731
    assert sp.simplify(banana.density([x1, x2]) - phi(x1) * phi(x2 - x1**2)) == 0


@pytest.mark.parametrize(
    "point",
    [(1.5, 0.7), (-1.5, 0.7), (-1.5, -0.7), (1.5, -0.7), (0.0, 2.0), (0.0, -2.0), (-2.0, 0.0)],
    ids=["Q1", "Q2", "Q3", "Q4", "+y axis", "-y axis", "-x axis"],
)
def test_box_muller_is_standard_normal_in_all_quadrants(box_muller, point):
    k = box_muller.compile()
    got = k.log_prob(np.array([point]))[0]
    assert got == pytest.approx(
        stats.multivariate_normal(np.zeros(2), np.eye(2)).logpdf(point), rel=1e-12
    )
    # the inverse maps back to the unit square point that produces it
    u = k.inverse(np.array([point]))[0]
    assert 0 < u[0] < 1 and 0 <= u[1] < 1
    np.testing.assert_allclose(k.forward(u[None, :])[0], point, rtol=1e-12, atol=1e-12)


def test_box_muller_on_a_grid_and_samples(box_muller):
    k = box_muller.compile()
    xs = RNG.normal(size=(500, 2)) * 3
    oracle = stats.multivariate_normal(np.zeros(2), np.eye(2))
    np.testing.assert_allclose(k.log_prob(xs), oracle.logpdf(xs), rtol=1e-11, atol=0)


def test_affine_3d_non_triangular():
    A = sp.Matrix([[1, 2, 1], [0, 1, -1], [4, 0, 1]])
    b = sp.Matrix([1, -2, sp.Rational(1, 2)])
    zs = sp.Matrix([z1, z2, z3])
    exprs = list(A * zs + b)
    base = sf.MultivariateNormal([0, 0, 0], sp.eye(3))
    flow = sf.Flow(base, [sf.Transform(exprs, [z1, z2, z3])])
    assert flow.layers[0].determinant == A.det()
    inverse = flow.inverse()
    assert all(
        c.is_rational or c.is_Integer
        for e in inverse
        for c in sp.Poly(e, *flow.program.inputs).coeffs()
    )
    An = np.array(A.tolist(), dtype=float)
    oracle = stats.multivariate_normal(np.array(b, dtype=float).ravel(), An @ An.T)
    xs = RNG.normal(size=(200, 3)) * 3
    np.testing.assert_allclose(flow.compile().log_prob(xs), oracle.logpdf(xs), rtol=1e-11, atol=0)
    assert flow.check(n=50_000).passed


def test_multivariate_normal_base_against_scipy():
    mean, cov = [1, -1], [[2, 1], [1, 2]]
    flow = sf.Flow(sf.MultivariateNormal(mean, cov), [sf.Transform([z1 + z2, z2], [z1, z2])])
    A = np.array([[1.0, 1.0], [0.0, 1.0]])
    oracle = stats.multivariate_normal(A @ np.array(mean, float), A @ np.array(cov, float) @ A.T)
    xs = RNG.normal(size=(100, 2)) * 2
    np.testing.assert_allclose(flow.compile().log_prob(xs), oracle.logpdf(xs), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", ["linear", "banana", "box_muller"])
def test_check_passes_and_reports_tests(request, name):
    flow = request.getfixturevalue(name)
    report = flow.check(n=100_000, seed=0)
    assert report.passed, str(report)
    assert {t.name for t in report.tests} == {"chi-square", "normalisation", "tail"}
    assert "chi-square" in str(report)


def test_check_fails_for_a_dropped_log_det(linear):
    import copy
    import dataclasses

    bad = copy.copy(linear)
    path = linear.program.paths[0]
    assignments = tuple(
        dataclasses.replace(a, value=sp.Integer(0)) if a.kind == "log_det" else a
        for a in path.assignments
    )
    bad.program = dataclasses.replace(
        linear.program, paths=(dataclasses.replace(path, assignments=assignments),)
    )
    bad._kernels = None
    assert not bad.check(n=50_000).passed


def test_high_dimension_check_uses_importance_sampling():
    zs = sp.symbols("a1:6", real=True)
    exprs = [zs[0]] + [zs[k] + sp.tanh(zs[k - 1]) / 2 for k in range(1, 5)]
    flow = sf.Flow(sf.Independent(*[sf.Normal(0, 1)] * 5), [sf.Transform(exprs, list(zs))])
    report = flow.check(n=40_000)
    assert report.passed, str(report)
    names = [t.name for t in report.tests]
    assert names[0] == "normalisation" and "mean x1" in names and "covariance" in names
    assert "importance sampling" in str(report)


def test_shapes():
    flow = sf.Flow(N2, [sf.Transform([z1, z2 + z1**2], [z1, z2])])
    k = flow.compile()
    assert k.sample(7, seed=1).shape == (7, 2)
    assert np.array_equal(k.sample(7, seed=1), k.sample(7, seed=1))
    assert k.log_prob(np.zeros((4, 2))).shape == (4,)
    assert np.isscalar(k.log_prob(np.zeros(2))) or np.ndim(k.log_prob(np.zeros(2))) == 0
    assert np.isnan(k.log_prob(np.array([[np.nan, 0.0]]))[0])
    with pytest.raises(sf.ParameterError, match=r"shape \(n, 2\)"):
        k.log_prob(np.zeros((4, 3)))


def test_support_condition_outside_gives_minus_inf():
    flow = sf.Flow(N2, [sf.Transform([sp.exp(z1), z2], [z1, z2])])
    k = flow.compile()
    out = k.log_prob(np.array([[-1.0, 0.0], [1.0, 0.0]]))
    assert out[0] == -np.inf
    assert out[1] == pytest.approx(stats.norm.logpdf(0) * 2)
    x1, x2 = sp.symbols("x1 x2", real=True)
    assert flow.support.subs({x1: -1, x2: 0}) in (sp.false, False)
    assert flow.support.subs({x1: 1, x2: 0}) in (sp.true, True)


# -- bad inputs ------------------------------------------------------------------------


def test_collapse_names_dependent_rows():
    with pytest.raises(sf.CollapseError, match=r"Rows 1, 2 .*linearly dependent"):
        sf.Flow(N2, [sf.Transform([z1 + z2, 2 * z1 + 2 * z2], [z1, z2])])


def test_more_outputs_than_inputs():
    # fewer outputs than inputs is a map to fewer dimensions (tests/reduce); more is refused
    with pytest.raises(sf.SymflowError, match="at most d expressions"):
        sf.Transform([z1 + z2, z1, z2], [z1, z2])


def test_mismatched_symbols():
    with pytest.raises(sf.CollapseError, match="does not depend on the variable"):
        sf.Transform([z1 + z3, z3], [z1, z2])


def test_dimension_mismatch_with_base():
    with pytest.raises(sf.SymflowError, match="2-dimensional"):
        sf.Flow(N2, [sf.Transform(z1, z1)])
    with pytest.raises(sf.SymflowError, match="1-dimensional"):
        sf.Flow(sf.Normal(0, 1), [sf.Transform([z1, z2], [z1, z2])])


@pytest.mark.parametrize(
    "cov, message",
    [
        ([[1, 2], [2, 1]], "not positive definite"),
        ([[1, 0], [1, 1]], "symmetric"),
        ([[1, 0, 0], [0, 1, 0]], "2×2"),
    ],
    ids=["indefinite", "asymmetric", "wrong-shape"],
)
def test_bad_covariance(cov, message):
    with pytest.raises(sf.ParameterError, match=message):
        sf.MultivariateNormal([0, 0], cov)


def test_det_zero_on_null_set_is_fine():
    # det J = 3 z1**2 vanishes only at z1 = 0
    flow = sf.Flow(N2, [sf.Transform([z1**3, z2], [z1, z2])])
    assert flow.check(n=50_000).passed
