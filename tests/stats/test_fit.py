"""Maximum-likelihood fitting (symflow.stats.fit) against closed-form MLEs and scipy."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.stats.fit import FitResult, fit_flow

z = sp.Symbol("z", real=True)
zp = sp.Symbol("z", positive=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
lam, k = sp.symbols("lambda k", positive=True)


@pytest.fixture(scope="module")
def lognormal() -> sf.Flow:
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])


@pytest.fixture(scope="module")
def weibull() -> sf.Flow:
    return sf.Flow(sf.Exponential(1), [sf.Transform(lam * zp ** (1 / k), zp)])


@pytest.fixture(scope="module")
def lognormal_data() -> np.ndarray:
    return np.random.default_rng(20240601).lognormal(0.7, 1.3, 20_000)


@pytest.fixture(scope="module")
def lognormal_fit(lognormal, lognormal_data) -> FitResult:
    return lognormal.fit(lognormal_data)


def test_lognormal_estimates_are_the_closed_form_mle(lognormal_fit, lognormal_data):
    logs = np.log(lognormal_data)
    assert lognormal_fit.success
    assert lognormal_fit.params["mu"] == pytest.approx(logs.mean(), abs=1e-6, rel=1e-6)
    assert lognormal_fit.params["sigma"] == pytest.approx(logs.std(), abs=1e-6, rel=1e-6)
    expected = np.sum(stats.lognorm(logs.std(), scale=np.exp(logs.mean())).logpdf(lognormal_data))
    assert lognormal_fit.loglik == pytest.approx(expected, rel=1e-12)


def test_lognormal_standard_errors(lognormal_fit, lognormal_data):
    n, s = lognormal_data.size, np.log(lognormal_data).std()
    assert lognormal_fit.stderr["mu"] == pytest.approx(s / np.sqrt(n), rel=1e-6)
    assert lognormal_fit.stderr["sigma"] == pytest.approx(s / np.sqrt(2 * n), rel=1e-6)
    assert lognormal_fit.cov.shape == (2, 2)
    assert lognormal_fit.cov[0, 1] == pytest.approx(0.0, abs=1e-12)


def test_fit_result_reads_well(lognormal_fit):
    text = str(lognormal_fit)
    assert "converged" in text and "20,000 points" in text
    assert "mu" in text and "sigma" in text and "std. error" in text
    assert lognormal_fit.nit > 0 and lognormal_fit.message == ""


def test_weibull_estimates_agree_with_scipy(weibull):
    data = stats.weibull_min(1.7, scale=2.5).rvs(5_000, random_state=7)
    fit = weibull.fit(data)

    # scipy's generic fit stops at Nelder-Mead's default tolerances (~1e-4 in the
    # parameters); with tighter ones it finds the same maximum of its own likelihood
    def tight(func, x0, args=(), disp=0):
        return optimize.fmin(func, x0, args=args, disp=0, xtol=1e-10, ftol=1e-9, maxfun=4000)

    c, loc, scale = stats.weibull_min.fit(data, floc=0, optimizer=tight)
    assert loc == 0
    assert fit.params["k"] == pytest.approx(c, rel=1e-5)
    assert fit.params["lambda"] == pytest.approx(scale, rel=1e-5)
    c0, _, scale0 = stats.weibull_min.fit(data, floc=0)  # default tolerances
    assert fit.params["k"] == pytest.approx(c0, rel=1e-4)
    assert fit.params["lambda"] == pytest.approx(scale0, rel=1e-4)
    # the MLE's profile equation: Σ x^k log x / Σ x^k − 1/k − mean(log x) = 0
    logs = np.log(data)
    k_hat = optimize.brentq(
        lambda kk: np.sum(data**kk * logs) / np.sum(data**kk) - 1 / kk - logs.mean(),
        0.2,
        20,
        xtol=1e-15,
    )
    assert fit.params["k"] == pytest.approx(k_hat, rel=1e-9)
    assert fit.params["lambda"] == pytest.approx(np.mean(data**k_hat) ** (1 / k_hat), rel=1e-9)


def test_lbfgs_finds_the_same_maximum(lognormal, lognormal_data, lognormal_fit):
    other = fit_flow(lognormal, lognormal_data, method="L-BFGS-B")
    assert other.params["mu"] == pytest.approx(lognormal_fit.params["mu"], rel=1e-6)
    assert other.params["sigma"] == pytest.approx(lognormal_fit.params["sigma"], rel=1e-6)


def test_a_tolerance_below_rounding_is_judged_by_the_newton_step(lognormal, lognormal_data):
    # no gradient reaches 1e-300; the maximum is still recognised (a Newton step would gain
    # nothing), said as such, and the estimates are the closed-form ones
    fit = fit_flow(lognormal, lognormal_data, tol=1e-300)
    logs = np.log(lognormal_data)
    assert fit.success
    assert fit.message.startswith("the Hessian is negative definite and a Newton step")
    assert "> tol = 1e-300: a maximum" in fit.message and "ridge" not in fit.message
    assert fit.params["mu"] == pytest.approx(logs.mean(), rel=1e-9)


def test_fixed_parameter(lognormal, lognormal_data):
    fit = fit_flow(lognormal, lognormal_data, fixed={"mu": 0.5})
    logs = np.log(lognormal_data)
    assert fit.params["mu"] == 0.5 and fit.stderr["mu"] == 0.0
    assert fit.params["sigma"] == pytest.approx(np.sqrt(np.mean((logs - 0.5) ** 2)), rel=1e-8)
    assert "(fixed)" in str(fit)


def test_fit_of_a_non_monotone_flow():
    # x = s^2 z^2: two inverse branches; the MLE of s is sqrt(mean x)
    s = sp.Symbol("s", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z), sf.Transform(s**2 * z, z)])
    data = (1.7 * np.random.default_rng(3).standard_normal(5000)) ** 2
    fit = X.fit(data)
    assert fit.params["s"] == pytest.approx(np.sqrt(data.mean()), rel=1e-9)
    assert fit.stderr["s"] == pytest.approx(fit.params["s"] / np.sqrt(2 * data.size), rel=1e-8)


def test_fit_through_an_implicit_inverse_with_a_parameter():
    # x = z + a z^3: no closed-form inverse; dz/da comes from implicit differentiation
    a = sp.Symbol("a", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + a * z**3, z)])
    zs = np.random.default_rng(5).standard_normal(400)
    data = zs + 0.4 * zs**3

    def nll(av):  # the density by brentq and the textbook formula, independently
        g = np.array(
            [optimize.brentq(lambda t, v=v: t + av * t**3 - v, -60, 60, xtol=1e-14) for v in data]
        )
        return -np.sum(stats.norm.logpdf(g) - np.log1p(3 * av * g**2))

    best = optimize.minimize_scalar(
        nll, bounds=(0.05, 2), method="bounded", options={"xatol": 1e-9}
    )
    fit = X.fit(data)
    assert fit.params["a"] == pytest.approx(best.x, rel=1e-6)
    assert fit.loglik == pytest.approx(-best.fun, rel=1e-10)


def test_fitting_leaves_the_flow_unchanged(lognormal_data):
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
    before = copy.copy(vars(X))
    density, params, program = X.density(), X.parameters, X.program
    X.fit(lognormal_data[:500])
    assert vars(X) == before
    assert X.density() == density and X.parameters == params and X.program == program
    assert set(X.density().free_symbols) == {sp.Symbol("x", real=True), mu, sigma}


# -- bad inputs --------------------------------------------------------------------------
def test_data_outside_the_support_for_every_parameter(lognormal):
    with pytest.raises(sf.SupportError, match=r"Data point 2 \(x = -1.0\) is outside the support"):
        lognormal.fit([1.0, 2.0, -1.0, 3.0])
    with pytest.raises(sf.SupportError, match="for every value of the parameters mu, sigma"):
        lognormal.fit([0.0, 1.0])


@pytest.mark.parametrize(
    "data, match",
    [
        ([1.0, np.nan, 2.0], "Point 1 of the data is NaN"),
        ([1.0, np.inf], "Point 1 of the data is infinite"),
        ([], "empty"),
        (np.ones((3, 2)), r"shape \(n,\) for this 1-D flow; got shape \(3, 2\)"),
        (["a", "b"], "array of numbers"),
    ],
)
def test_bad_data(lognormal, data, match):
    with pytest.raises(sf.ParameterError, match=match):
        lognormal.fit(data)


def test_parameter_the_likelihood_does_not_depend_on():
    b = sp.Symbol("b", positive=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(b * z, z), sf.Transform(z / b, z)])
    with pytest.raises(sf.ParameterError, match="does not depend on the parameter b"):
        X.fit(np.linspace(-2, 2, 50))


def test_flow_without_parameters(flows):
    with pytest.raises(sf.ParameterError, match="no parameters to fit"):
        flows.flow("normal-exp").fit([1.0, 2.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"init": {"nu": 1.0}}, "Unknown parameter nu in init"),
        ({"init": {"sigma": -1.0}}, "sigma is declared positive"),
        ({"fixed": {"mu": 0.0, "sigma": 1.0}}, "Every parameter of Flow.* is fixed"),
        ({"method": "Nelder-Mead"}, "method must be"),
    ],
)
def test_bad_options(lognormal, kwargs, match):
    with pytest.raises(sf.ParameterError, match=match):
        fit_flow(lognormal, [1.0, 2.0, 3.0], **kwargs)


def test_a_maximum_on_the_support_edge_is_the_textbook_estimate():
    """θ̂ = max xᵢ for Uniform(0, θ): the likelihood θ⁻ⁿ rises until the largest point
    leaves the support, so the maximum is on that edge, not where the gradient is 0."""
    theta = sp.Symbol("theta", positive=True)
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(theta * zp, zp)])
    data = np.array([0.5, 3.0, 1.2])
    r = X.fit(data)
    assert r.success
    assert r.params["theta"] == pytest.approx(3.0, rel=1e-15)
    assert r.loglik == pytest.approx(-3 * math.log(3.0), rel=1e-14)
    assert math.isnan(r.stderr["theta"])
    assert "data point 1 (x = 3.0)" in r.message and "on the edge" in r.message


def test_a_shifted_exponential_has_its_textbook_estimates():
    """θ̂ = min xᵢ (on the edge, no standard error) and λ̂ = 1 / (x̄ − min xᵢ), with the
    standard error λ̂/√n of the rate from its own observed information."""
    theta, lam = sp.Symbol("theta", positive=True), sp.Symbol("lam", positive=True)
    X = sf.Flow(sf.Exponential(1), [sf.Transform(zp / lam + theta, zp)])
    data = 1.0 + np.random.default_rng(1).exponential(2.0, 200)
    r = X.fit(data)
    rate = 1.0 / (data.mean() - data.min())
    assert r.success
    assert r.params["theta"] == pytest.approx(data.min(), rel=1e-15)
    assert r.params["lam"] == pytest.approx(rate, rel=1e-9)
    assert r.stderr["lam"] == pytest.approx(rate / math.sqrt(200), rel=1e-6)
    assert math.isnan(r.stderr["theta"])


def test_two_parameters_that_move_both_ends_of_the_support():
    """Uniform(a, a + e^b): â = min xᵢ and e^b̂ = max xᵢ − min xᵢ. The likelihood does
    not depend on a inside the support, which is no reason to call a unidentifiable."""
    a, b = sp.symbols("a b", real=True)
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(a + sp.exp(b) * zp, zp)])
    data = np.random.default_rng(1).uniform(-2.0, 5.0, 200)
    r = X.fit(data)
    assert r.success
    assert r.params["a"] == pytest.approx(data.min(), rel=1e-10)
    assert math.exp(r.params["b"]) == pytest.approx(np.ptp(data), rel=1e-10)
    assert r.loglik == pytest.approx(-200 * math.log(np.ptp(data)), rel=1e-10)


def test_zero_likelihood_at_the_start_names_the_point():
    theta = sp.Symbol("theta", positive=True)
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(theta * zp, zp)])
    with pytest.raises(sf.ParameterError, match=r"data point 1 \(x = 3.0\) has zero density"):
        X.fit([0.5, 3.0], init={"theta": 1.0})
    # without init the start is moved until every point is inside the support (θ = e^1.5)
    # and the fit ends at the edge maximum θ = max(x)
    fit = X.fit([0.5, 3.0])
    assert fit.params["theta"] == pytest.approx(3.0, rel=1e-12) and fit.success


def test_multivariate_flow_is_refused_by_the_one_dimensional_fit():
    # (Flow.fit sends a d-D flow to the training kernels instead)
    from symflow.stats.fit import fit_flow

    z1, z2 = sp.symbols("z1 z2", real=True)
    a = sp.Symbol("a", positive=True)
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.Transform([a * z1, z2 + z1**2], [z1, z2])])
    with pytest.raises(sf.ParameterError, match="one-dimensional flows; .* dimension 2"):
        fit_flow(X, np.zeros((5, 2)))
