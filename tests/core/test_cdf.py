"""CDFs, quantiles and moments of flows: symbolic (symflow.core.cdf) and compiled
(symflow.codegen.cdf_kernel), against scipy.stats and hand-written formulas."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, special, stats

import symflow as sf
from symflow.codegen.cdf_kernel import kernel_cdf, kernel_isf, kernel_quantile, kernel_sf
from symflow.core.cdf import (
    flow_cdf,
    flow_moment,
    flow_quantile,
    monotone_direction,
    path_cdfs,
)

z = sp.Symbol("z", real=True)
zp = sp.Symbol("z", positive=True)
x = sp.Symbol("x", real=True)
u = sp.Symbol("u", positive=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
lam, k = sp.symbols("lambda k", positive=True)


def lognormal() -> sf.Flow:
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])


def weibull() -> sf.Flow:
    return sf.Flow(sf.Exponential(1), [sf.Transform(lam * zp ** (1 / k), zp)])


def logistic() -> sf.Flow:
    return sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.log(zp / (1 - zp)), zp)])


def numeric(expr: sp.Expr, point: float, **values: float) -> float:
    subs = {s: values[s.name] for s in expr.free_symbols if s.name in values}
    return float(expr.subs(subs).subs(x, sp.Float(point, 30)).evalf(30))


@pytest.fixture(scope="module")
def compiled():
    """The four flows of the issue, each compiled once."""
    out = {}
    for name, make in (
        ("lognormal", lognormal),
        ("weibull", weibull),
        ("logistic", logistic),
    ):
        flow = make()
        out[name] = (flow, flow.compile())
    return out


# -- symbolic CDF ---------------------------------------------------------------------------
def test_lognormal_cdf_is_phi_of_log():
    F = lognormal().cdf(x)
    assert F.subs(x, -1) == 0 and F.subs(x, 0) == 0
    ref = stats.lognorm(0.7, scale=np.exp(0.4))
    for point in (0.05, 0.8, 1.5, 9.0):
        assert numeric(F, point, mu=0.4, sigma=0.7) == pytest.approx(ref.cdf(point), rel=1e-13)


def test_weibull_cdf_is_exact():
    F = weibull().cdf(x)
    expected = 1 - sp.exp(-((x / lam) ** k))
    on_support = F.args[1][0]
    assert sp.simplify(on_support - expected) == 0


def test_logistic_from_uniform_cdf_is_the_sigmoid():
    F = logistic().cdf(x)
    assert sp.simplify(F - 1 / (1 + sp.exp(-x))) == 0


def test_chi_square_cdf_from_z_squared(flows):
    F = flows.flow("normal-square").cdf(x)
    assert F == sp.Piecewise((0, x <= 0), (sp.erf(sp.sqrt(2) * sp.sqrt(x) / 2), True))
    for point in (1e-6, 0.3, 1.0, 4.0, 30.0):
        assert numeric(F, point) == pytest.approx(stats.chi2(1).cdf(point), rel=1e-13)


@pytest.mark.parametrize(
    "name, oracle",
    [
        ("uniform2pi-cos", lambda v: stats.arcsine(-1, 2).cdf(v)),
        ("normal-abs", lambda v: stats.halfnorm.cdf(v)),
        (
            "normal-reciprocal",
            lambda v: 0.5 - stats.norm.cdf(1 / v) if v < 0 else 1.5 - stats.norm.cdf(1 / v),
        ),
        (
            "normal-chain-square-log",
            lambda v: (
                stats.norm.cdf((np.exp(v / 2) - 1) / 2) - stats.norm.cdf((-np.exp(v / 2) - 1) / 2)
            ),
        ),
        ("normal-piecewise-slopes", lambda v: stats.norm.cdf(v if v < 0 else v / 2)),
        ("uniform-neglog", lambda v: stats.expon.cdf(v)),
    ],
)
def test_symbolic_cdf_of_several_branches(flows, name, oracle):
    F = flows.flow(name).cdf(x)
    for point in (-3.0, -0.5, 0.25, 0.9, 2.5):
        assert numeric(F, point) == pytest.approx(oracle(point), rel=1e-12, abs=1e-15)


def test_decreasing_flow_cdf():
    X = sf.Flow(sf.Exponential(1), [sf.Transform(-z, z)])
    assert flow_cdf(X, x) == sp.Piecewise((sp.exp(x), x < 0), (1, True))


def test_cdf_without_closed_form_base_is_an_unevaluated_integral():
    F = sf.Flow(sf.StudentT(3), [sf.Transform(2 * z, z)]).cdf(x)
    assert F.has(sp.Integral)
    assert numeric(F, 1.3) == pytest.approx(stats.t(3, scale=2).cdf(1.3), rel=1e-12)


def test_cdf_of_implicit_inverse_keeps_the_implicit_function(flows):
    X = flows.flow("normal-z+sin/2")
    (pc,) = path_cdfs(X.program)
    assert (pc.direction, pc.start, pc.end) == (1, -sp.oo, sp.oo)
    assert X.cdf(x).has(sp.Function)


# -- symbolic quantile ----------------------------------------------------------------------
def test_lognormal_quantile():
    Q = lognormal().quantile(u)
    assert sp.simplify(Q - sp.exp(mu + sp.sqrt(2) * sigma * sp.erfinv(2 * u - 1))) == 0
    assert lognormal().quantile(sp.Rational(1, 2)) == sp.exp(mu)
    ref = stats.lognorm(0.7, scale=np.exp(0.4))
    value = float(Q.subs({mu: 0.4, sigma: 0.7, u: sp.Rational(9, 10)}).evalf(30))
    assert value == pytest.approx(ref.ppf(0.9), rel=1e-13)


def test_weibull_and_logistic_quantiles_are_exact():
    assert flow_quantile(weibull(), u) == lam * (-sp.log(1 - u)) ** (1 / k)
    assert logistic().quantile(u) == sp.log(u / (1 - u))


def test_decreasing_and_piecewise_monotone_quantiles(flows):
    assert flows.flow("uniform-neglog").quantile(u) == -sp.log(1 - u)
    Q = flows.flow("normal-piecewise-slopes").quantile(sp.Rational(9, 10))
    assert float(Q) == pytest.approx(2 * stats.norm.ppf(0.9), rel=1e-14)


def test_quantile_ends_are_the_support_ends():
    assert lognormal().quantile(0) == 0 and lognormal().quantile(1) == sp.oo


def test_monotone_direction(flows):
    assert monotone_direction(flows.flow("normal-exp").program) == 1
    assert monotone_direction(flows.flow("uniform-neglog").program) == -1
    assert monotone_direction(flows.flow("normal-piecewise-slopes").program) == 1
    assert monotone_direction(flows.flow("normal-reciprocal").program) == 0
    assert monotone_direction(flows.flow("normal-square").program) == 0


def test_quantile_of_non_monotone_flow_is_refused(flows):
    with pytest.raises(sf.MonotonicityError, match="compiled numerical quantile"):
        flows.flow("normal-square").quantile()


def test_quantile_without_closed_form_base_quantile_is_refused():
    X = sf.Flow(sf.Gamma(2, 1), [sf.Transform(2 * zp, zp)])
    with pytest.raises(sf.InverseError, match="Gamma.*no closed-form quantile"):
        X.quantile()


@pytest.mark.parametrize("bad", [1.5, -0.1, "0.5", True])
def test_quantile_of_bad_probability(bad):
    with pytest.raises(sf.ParameterError, match="probability"):
        lognormal().quantile(bad)


# -- moments --------------------------------------------------------------------------------
def test_lognormal_mean_is_exact():
    m1 = flow_moment(lognormal(), 1, seconds=120)  # SymPy takes seconds; more under load
    assert sp.simplify(m1 - sp.exp(mu + sigma**2 / 2)) == 0


def test_weibull_second_moment_is_exact():
    assert sp.simplify(flow_moment(weibull(), 2) - lam**2 * sp.gamma(1 + 2 / k)) == 0


def test_moments_of_a_cauchy_variable():
    X = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)])
    assert flow_moment(X, 1) is sp.nan
    assert flow_moment(X, 2) == sp.oo


def test_moment_with_values_and_bad_order(flows):
    assert flow_moment(lognormal(), 2, values={"mu": 0, "sigma": 1}) == sp.exp(2)
    with pytest.raises(sf.ParameterError, match="non-negative integer"):
        flow_moment(flows.flow("normal-exp"), 1.5)
    with pytest.raises(sf.ParameterError, match="Unknown parameter nu"):
        flow_moment(lognormal(), 1, values={"nu": 1})


# -- compiled CDF and quantile against scipy ------------------------------------------------
CASES = {
    "lognormal": (
        {"mu": 0.3, "sigma": 1.2},
        stats.lognorm(1.2, scale=np.exp(0.3)),
        np.geomspace(1e-5, 1e5, 61),
    ),
    "weibull": (
        {"k": 1.7, "lambda": 2.5},
        stats.weibull_min(1.7, scale=2.5),
        np.geomspace(1e-6, 12.0, 61),
    ),
    "logistic": ({}, stats.logistic(), np.linspace(-35.0, 35.0, 71)),
}
PROBS = np.concatenate([np.geomspace(1e-14, 0.5, 40), 0.5 + np.linspace(0.0, 0.4, 20)[1:]])


@pytest.mark.parametrize("name", CASES)
def test_compiled_cdf_and_sf_match_scipy(compiled, name):
    values, ref, xs = CASES[name]
    _, kernels = compiled[name]
    F, S = kernel_cdf(kernels, xs, **values), kernel_sf(kernels, xs, **values)
    lower, upper = ref.cdf(xs) <= 0.5, ref.sf(xs) <= 0.5
    np.testing.assert_allclose(F[lower], ref.cdf(xs[lower]), rtol=1e-12, atol=0)
    np.testing.assert_allclose(S[upper], ref.sf(xs[upper]), rtol=1e-12, atol=0)
    np.testing.assert_allclose(F, ref.cdf(xs), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", CASES)
def test_compiled_quantile_matches_scipy_and_inverts_the_cdf(compiled, name):
    values, ref, xs = CASES[name]
    _, kernels = compiled[name]
    q = kernel_quantile(kernels, PROBS, **values)
    p = ref.ppf(PROBS)
    near_zero = np.abs(p) < 1e-3  # the logistic quantile crosses 0 at u = 1/2
    np.testing.assert_allclose(q[~near_zero], p[~near_zero], rtol=1e-12, atol=0)
    np.testing.assert_allclose(q[near_zero], p[near_zero], rtol=0, atol=1e-15)
    # the upper tail, without 1 - u: S^-1(q) against scipy's isf
    tail = np.geomspace(1e-14, 0.5, 30)
    np.testing.assert_allclose(
        kernel_isf(kernels, tail, **values), ref.isf(tail), rtol=1e-12, atol=0
    )
    # quantile(cdf(x)) = x and isf(sf(x)) = x
    lower = ref.cdf(xs) < 0.5
    np.testing.assert_allclose(
        kernel_quantile(kernels, kernel_cdf(kernels, xs[lower], **values), **values),
        xs[lower],
        rtol=1e-12,
    )
    upper = (ref.sf(xs) < 0.5) & (ref.sf(xs) > 1e-300)
    np.testing.assert_allclose(
        kernel_isf(kernels, kernel_sf(kernels, xs[upper], **values), **values),
        xs[upper],
        rtol=1e-12,
    )


def test_compiled_chi_square_from_z_squared(flows):
    kernels = flows.kernels("normal-square")
    xs = np.geomspace(1e-14, 100.0, 80)
    ref = stats.chi2(1)
    np.testing.assert_allclose(kernel_cdf(kernels, xs), ref.cdf(xs), rtol=1e-12, atol=0)
    upper = xs > 0.45
    np.testing.assert_allclose(kernel_sf(kernels, xs[upper]), ref.sf(xs[upper]), rtol=1e-12)
    # the quantile of a non-monotone flow inverts the compiled CDF numerically
    np.testing.assert_allclose(kernel_quantile(kernels, PROBS), ref.ppf(PROBS), rtol=1e-12)
    lower = ref.cdf(xs) < 0.5
    back = kernel_quantile(kernels, kernel_cdf(kernels, xs[lower]))
    np.testing.assert_allclose(back, xs[lower], rtol=1e-12)


@pytest.mark.parametrize(
    "name, oracle",
    [
        ("uniform2pi-cos", stats.arcsine(-1, 2).cdf),
        ("normal-reciprocal", lambda v: np.where(v < 0, 0.5, 1.5) - stats.norm.cdf(1 / v)),
    ],
)
def test_compiled_cdf_of_several_branches(flows, name, oracle):
    kernels = flows.kernels(name)
    xs = np.array([-40.0, -3.0, -0.9, -0.2, 1e-9, 0.3, 0.99, 2.0, 70.0])
    np.testing.assert_allclose(kernel_cdf(kernels, xs), oracle(xs), rtol=1e-12, atol=1e-300)
    # (not much closer to 0: the arcsine quantile there rounds to the support's end -1)
    us = np.array([0.01, 0.3, 0.5, 0.7, 0.99])
    np.testing.assert_allclose(kernel_cdf(kernels, kernel_quantile(kernels, us)), us, rtol=1e-12)


def test_compiled_cdf_with_implicit_inverse(flows):
    kernels = flows.kernels("normal-z+sin/2")
    xs = np.linspace(-9.0, 9.0, 19)
    g = [optimize.brentq(lambda t, v=v: t + np.sin(t) / 2 - v, -30, 30, xtol=1e-15) for v in xs]
    np.testing.assert_allclose(kernel_cdf(kernels, xs), stats.norm.cdf(g), rtol=1e-12)
    us = np.array([1e-8, 0.2, 0.5, 0.9])
    q = kernel_quantile(kernels, us)  # monotone: the forward map of the normal quantile
    np.testing.assert_allclose(q, stats.norm.ppf(us) + np.sin(stats.norm.ppf(us)) / 2, rtol=1e-14)


@pytest.mark.parametrize(
    "flow, ref",
    [
        (sf.Flow(sf.Gamma(2.5, 1), [sf.Transform(sp.log(zp), zp)]), stats.loggamma(2.5)),
        (sf.Flow(sf.StudentT(3), [sf.Transform(2 * z + 1, z)]), stats.t(3, 1, 2)),
    ],
    ids=["gamma-log", "student-t"],
)
def test_compiled_cdf_of_bases_without_elementary_cdf(flow, ref):
    kernels = flow.compile()
    xs = ref.ppf(np.array([1e-10, 1e-4, 0.2, 0.5, 0.8]))
    np.testing.assert_allclose(kernel_cdf(kernels, xs), ref.cdf(xs), rtol=1e-12)
    us = np.array([1e-10, 0.01, 0.5, 0.99])
    np.testing.assert_allclose(kernel_quantile(kernels, us), ref.ppf(us), rtol=1e-11)


def test_normal_quantile_helper_matches_ndtri():
    kernels = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)]).compile()
    ps = np.concatenate([np.geomspace(1e-300, 0.5, 200), 1 - np.geomspace(1e-16, 0.5, 100)])
    np.testing.assert_allclose(
        kernel_quantile(kernels, ps), 2 * special.ndtri(ps), rtol=1e-14, atol=1e-15
    )


@given(
    m=st.floats(-2, 2),
    s=st.floats(0.2, 3),
    p=st.floats(1e-12, 1 - 1e-12),
)
def test_cdf_inverts_quantile_for_any_parameters(compiled, m, s, p):
    _, kernels = compiled["lognormal"]
    q = kernel_quantile(kernels, p, mu=m, sigma=s)
    back = (
        kernel_cdf(kernels, q, mu=m, sigma=s)
        if p <= 0.5
        else 1 - kernel_sf(kernels, q, mu=m, sigma=s)
    )
    assert back == pytest.approx(p, rel=1e-11)


def test_compiled_edges_and_nan(compiled):
    _, kernels = compiled["lognormal"]
    F = kernel_cdf(kernels, [-np.inf, -1.0, 0.0, np.inf, np.nan], mu=0, sigma=1)
    np.testing.assert_array_equal(F[:4], [0.0, 0.0, 0.0, 1.0])
    assert np.isnan(F[4])
    assert list(kernel_quantile(kernels, [0.0, 1.0], mu=0, sigma=1)) == [0.0, np.inf]
    broadcast = kernel_cdf(kernels, 1.0, mu=[0.0, 1.0], sigma=1)
    assert broadcast.shape == (2,) and broadcast[0] == pytest.approx(0.5)


def test_compiled_bad_inputs(compiled):
    _, kernels = compiled["lognormal"]
    with pytest.raises(sf.ParameterError, match=r"probabilities in \[0, 1\]; got 1.5 at index 1"):
        kernel_quantile(kernels, [0.5, 1.5], mu=0, sigma=1)
    with pytest.raises(sf.ParameterError, match="Missing value for parameter sigma"):
        kernel_cdf(kernels, [1.0], mu=0)
    with pytest.raises(sf.ParameterError, match="Unknown parameter nu"):
        kernel_cdf(kernels, [1.0], mu=0, sigma=1, nu=2)
    with pytest.raises(sf.ParameterError, match="1-D array"):
        kernel_cdf(kernels, np.ones((2, 2)), mu=0, sigma=1)


def test_multivariate_flows_have_no_cdf():
    z1, z2 = sp.symbols("z1 z2", real=True)
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.Transform([z1, z2 + z1**2], [z1, z2])])
    with pytest.raises(sf.ParameterError, match="one-dimensional flows; .* dimension 2"):
        X.cdf()
    with pytest.raises(sf.ParameterError, match="one-dimensional"):
        X.quantile()
    with pytest.raises(sf.CompileError, match="one-dimensional flows only"):
        kernel_cdf(X.compile(), [[0.0, 1.0]])
