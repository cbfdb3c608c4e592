"""Marginals of several outputs, nested quadrature, subnormal points, named piecewise
families and bad marginal indices, against scipy.stats, hand-written densities and mpmath."""

import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

import symflow as sf
from symflow.codegen.marginal import compile_reduction
from symflow.core.reduce import marginal_program, reduce_transform
from symflow.core.transform import Transform, TransformError

Z1, Z2, Z3 = ZS = sp.symbols("z1 z2 z3", real=True)
N = sf.Normal(0, 1)
U = sf.Uniform(0, 1)
X = sp.Symbol("x", real=True)


@pytest.fixture(scope="module")
def gaussian_pair():
    """(x1, x2) of x = A z, z ~ N(0, I_3), A rows (1, 1, 0), (0, 1, 1), (1, 0, 1): a
    bivariate normal with covariance A Aᵀ restricted to the first two rows."""
    joint = sf.Flow(sf.Independent(N, N, N), [sf.Transform([Z1 + Z2, Z2 + Z3, Z1 + Z3], list(ZS))])
    return joint.marginal([0, 1])


def test_two_output_marginal_is_the_bivariate_normal(gaussian_pair):
    oracle = stats.multivariate_normal([0.0, 0.0], [[2.0, 1.0], [1.0, 2.0]])
    x1, x2 = sp.symbols("x1 x2", real=True)
    density = gaussian_pair.density([x1, x2])
    assert not density.has(sp.Integral)
    points = np.array([[0.3, -0.2], [1.0, 2.0], [-3.0, 1.0], [8.0, -8.0]])
    for a, b in points.tolist():
        got = float(density.subs({x1: sp.Rational(repr(a)), x2: sp.Rational(repr(b))}).evalf(30))
        assert got == pytest.approx(oracle.pdf([a, b]), rel=1e-12, abs=0)
    k = gaussian_pair.compile()
    np.testing.assert_allclose(k.prob(points), oracle.pdf(points), rtol=1e-12, atol=0)
    np.testing.assert_allclose(k.log_prob(points), oracle.logpdf(points), rtol=1e-12, atol=0)
    assert k.sample(7, seed=1).shape == (7, 2)


def test_two_output_marginal_derivation_and_cdf(gaussian_pair):
    latex = gaussian_pair.derivation().latex()
    assert r"p_{X}\left(x_{1}, x_{2}\right)" in latex
    with pytest.raises(TransformError, match="has 2 outputs: cdf is defined here for one"):
        gaussian_pair.cdf()


def test_two_output_marginal_checks_by_monte_carlo(gaussian_pair):
    assert gaussian_pair.check(n=20_000).passed


@pytest.fixture(scope="module")
def nested():
    """Σ of three Gamma(1/2, 1) (a Gamma(3/2, 1)), forced through nested quadrature over
    two auxiliaries (end singularities in both)."""
    comp = sf.Gamma(sp.Rational(1, 2), 1)
    base = sf.Independent(comp, comp, comp)
    r = reduce_transform(base, [], Transform(sum(ZS), list(ZS)), exact=False)
    return compile_reduction(r, marginal_program(r))


def test_nested_quadrature_against_scipy(nested):
    xs = np.array([1e-8, 1e-3, 0.4, 1.5, 7.0, 40.0, -1.0])
    want = stats.gamma(1.5).pdf(xs)
    np.testing.assert_allclose(nested.prob(xs), want, rtol=1e-9, atol=0)


def test_nested_quadrature_against_quadpack_at_one_point(nested):
    """The density of the sum at 2.5 as nested QUADPACK integrals of the joint, with the
    end singularities w^(-1/2) taken by the algebraic weights."""
    y = 2.5

    def inner(w1):  # ∫_0^L w2^(-1/2) (L - w2)^(-1/2) dw2
        return integrate.quad(lambda w2: 1.0, 0.0, y - w1, weight="alg", wvar=(-0.5, -0.5))[0]

    outer = integrate.quad(inner, 0.0, y, weight="alg", wvar=(-0.5, 0.0), epsrel=1e-12)[0]
    ref = math.exp(-y) * outer / math.gamma(0.5) ** 3
    assert nested.prob(np.array([y]))[0] == pytest.approx(ref, rel=1e-9)


def _gamma_sum_log_density(v: float) -> float:
    a, b = mpmath.mpf(1) / 2, mpmath.mpf(3) / 2
    with mpmath.workdps(40):
        y = mpmath.mpf(v)
        c = 2**b / (mpmath.gamma(a) * mpmath.gamma(b))
        p = c * mpmath.exp(-y) * mpmath.beta(b, a) * y * mpmath.hyp1f1(b, a + b, -y)
        return float(mpmath.log(p))


def test_subnormal_points_and_underflowing_tail(gamma_sum):
    """Gamma(1/2, 1) + Gamma(3/2, 2) at subnormal x and where p itself underflows (out
    to 1e300, where log p is still a float)."""
    k = gamma_sum.compile()
    xs = np.array([5e-324, 1e-310, 2.2250738585072014e-308, 760.0, 1570.0, 1e9, 1e12, 1e300])
    want = [_gamma_sum_log_density(v) for v in xs]
    got = k.log_prob(xs)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    # pieces longer than 1e8 are broken next to their ends: p itself to 1e-9 there
    np.testing.assert_allclose(got[5:7], want[5:7], rtol=0, atol=1e-9)
    p = k.prob(xs[:3])
    assert np.all(p > 0)
    assert p[1] == pytest.approx(math.exp(want[1]), rel=1e-12)


def test_the_marginal_kernel_is_cached_on_disk(gamma_sum):
    k = gamma_sum.compile()
    k.prob(np.array([1.0]))
    folder = Path(k.module.prob_v.stats.cache_path)
    for name in ("prob_v", "log_prob_v", "density", "plain"):
        assert list(folder.glob(f"*.{name}-*.nbi")), name


@pytest.mark.parametrize(
    ("comps", "expr", "name", "params", "oracle"),
    [
        ((U, U), Z1 + Z2, "Triangular", {"a": 0, "c": 1, "b": 2}, stats.triang(0.5, 0, 2)),
        ((U, U), Z1 - Z2, "Triangular", {"a": -1, "c": 0, "b": 1}, stats.triang(0.5, -1, 2)),
        ((U, U, U), Z1 + Z2 + Z3, "IrwinHall", {"n": 3}, stats.irwinhall(3)),
    ],
    ids=["U+U", "U-U", "U+U+U"],
)
def test_piecewise_families_are_named(reduced, comps, expr, name, params, oracle):
    family = reduced(sf.Independent(*comps), expr).family()
    assert family.name == name
    assert family.params == {k: sp.Integer(v) for k, v in params.items()}
    xs = np.linspace(float(family.support.inf), float(family.support.sup), 9)[1:-1]
    np.testing.assert_allclose(family.scipy.pdf(xs), oracle.pdf(xs), rtol=1e-12)


def test_a_trapezoid_is_not_named(reduced):
    assert reduced(sf.Independent(U, U), 2 * Z1 - Z2).family() is None


@pytest.mark.parametrize(
    ("index", "match"),
    [
        (3, r"index 3 is not a component .* use indices in 0\.\.2"),
        ([0, -1], r"index -1 is not a component"),
        ([1, 1], r"index 1 is repeated.*distinct indices"),
        ([], r"marginal\(\[\]\) keeps no component: pass one index"),
        ("0", r"needs a component index or a list"),
    ],
)
def test_bad_marginal_indices(index, match):
    joint = sf.Flow(sf.Independent(N, N, N), [sf.Transform(list(ZS), list(ZS))])
    with pytest.raises(TransformError, match=match):
        joint.marginal(index)


def test_marginal_of_a_one_dimensional_flow_is_refused():
    z = sp.Symbol("z", real=True)
    with pytest.raises(TransformError, match="one-dimensional, so it has no marginals"):
        sf.Flow(N, [sf.Transform(sp.exp(z), z)]).marginal(0)


def test_two_outputs_without_a_closed_form_are_compiled():
    """(G1 + G2, Z) for G1 ~ Gamma(1/2, 1), G2 ~ Gamma(3/2, 2), Z ~ N(0, 1): one
    auxiliary integrated in the kernel; the density is the sum's (mpmath) times φ."""
    import symflow.core.reduce as reduce

    seconds = reduce.CASE_SECONDS, reduce.TOTAL_SECONDS
    reduce.CASE_SECONDS, reduce.TOTAL_SECONDS = 1.0, 2.0
    try:
        comps = sf.Gamma(sp.Rational(1, 2), 1), sf.Gamma(sp.Rational(3, 2), 2), N
        flow = sf.Flow(sf.Independent(*comps), [sf.Transform([Z1 + Z2, Z3], list(ZS))])
    finally:
        reduce.CASE_SECONDS, reduce.TOTAL_SECONDS = seconds
    assert flow.dimension == 2 and flow.density().has(sp.Integral)
    points = np.array([[0.5, 0.3], [2.0, -1.0], [1e-310, 0.0], [40.0, 5.0]])
    want = [_gamma_sum_log_density(a) + stats.norm.logpdf(b) for a, b in points]
    k = flow.compile()
    np.testing.assert_allclose(k.log_prob(points), want, rtol=1e-12, atol=0)
    assert k.log_prob(np.array([[-1.0, 0.0]]))[0] == -np.inf
