"""to_scipy: a flow as a frozen scipy.stats distribution, against scipy's own."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.stats.scipy_dist import entropy, moment, numeric_moment, to_scipy

z = sp.Symbol("z", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)

X_POINTS = np.array([1e-3, 0.05, 0.5, 1.0, 2.0, 10.0, 300.0])
Q_POINTS = np.array([1e-12, 1e-4, 0.1, 0.5, 0.9, 1 - 1e-4])


@pytest.fixture(scope="module")
def pair(flows):
    """to_scipy of the log-normal flow exp(z), z ~ N(0, 1), and scipy's lognorm(1)."""
    return to_scipy(flows.flow("normal-exp")), stats.lognorm(1)


@pytest.mark.parametrize("method", ["pdf", "logpdf", "cdf", "sf", "logcdf", "logsf"])
def test_pointwise_methods(pair, method):
    dist, ref = pair
    got, want = getattr(dist, method)(X_POINTS), getattr(ref, method)(X_POINTS)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", ["ppf", "isf"])
def test_quantile_methods(pair, method):
    dist, ref = pair
    np.testing.assert_allclose(
        getattr(dist, method)(Q_POINTS), getattr(ref, method)(Q_POINTS), rtol=1e-12, atol=0
    )


@pytest.mark.parametrize("method", ["mean", "var", "std", "median", "entropy"])
def test_summaries(pair, method):
    dist, ref = pair
    assert getattr(dist, method)() == pytest.approx(getattr(ref, method)(), rel=1e-12)


def test_interval_moment_stats_expect_support(pair):
    dist, ref = pair
    np.testing.assert_allclose(dist.interval(0.9), ref.interval(0.9), rtol=1e-12)
    assert dist.moment(3) == pytest.approx(ref.moment(3), rel=1e-12)
    np.testing.assert_allclose(dist.stats("mvsk"), ref.stats("mvsk"), rtol=1e-10)
    assert dist.expect(lambda v: v) == pytest.approx(ref.expect(lambda v: v), rel=1e-9)
    assert dist.expect(np.log, lb=1.0) == pytest.approx(ref.expect(np.log, lb=1.0), rel=1e-9)
    assert dist.support() == ref.support()


def test_rvs_are_the_base_samples_pushed_forward(pair):
    dist, ref = pair
    got = dist.rvs(size=(3, 4), random_state=np.random.default_rng(11))
    want = ref.rvs(size=(3, 4), random_state=np.random.default_rng(11))
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_kstest_on_the_distribution(pair):
    dist, ref = pair
    assert stats.kstest(ref.rvs(3000, random_state=1), dist.cdf).pvalue > 1e-3
    assert stats.kstest(dist.rvs(3000, random_state=2), ref.cdf).pvalue > 1e-3
    assert stats.kstest(stats.norm.rvs(size=3000, random_state=3) ** 2, dist.cdf).pvalue < 1e-6


def test_parametric_flow():
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
    dist, ref = to_scipy(X, mu=0.5, sigma=2.0), stats.lognorm(2.0, scale=np.exp(0.5))
    np.testing.assert_allclose(dist.cdf(X_POINTS), ref.cdf(X_POINTS), rtol=1e-12)
    np.testing.assert_allclose(dist.ppf(Q_POINTS), ref.ppf(Q_POINTS), rtol=1e-12)
    assert dist.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert dist.var() == pytest.approx(ref.var(), rel=1e-12)


def test_numerical_moments_when_sympy_gives_up(flows):
    X = flows.flow("normal-exp")
    dist = to_scipy(X, moment_seconds=0.0)  # no time for SymPy: integrate numerically
    ref = stats.lognorm(1)
    assert dist.mean() == pytest.approx(ref.mean(), rel=1e-9)
    assert dist.var() == pytest.approx(ref.var(), rel=1e-9)
    assert numeric_moment(X, 2) == pytest.approx(ref.moment(2), rel=1e-9)
    assert moment(X, 2) == pytest.approx(np.exp(2), rel=1e-14)
    assert entropy(X) == pytest.approx(ref.entropy(), rel=1e-9)


def test_several_branches_and_heavy_tails(flows):
    dist = to_scipy(flows.flow("normal-square"))
    ref = stats.chi2(1)
    assert dist.mean() == pytest.approx(1.0) and dist.var() == pytest.approx(2.0)
    np.testing.assert_allclose(dist.ppf(Q_POINTS), ref.ppf(Q_POINTS), rtol=1e-12)
    assert dist.entropy() == pytest.approx(ref.entropy(), rel=1e-9)
    cauchy = to_scipy(sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)]))
    assert np.isnan(cauchy.mean()) and np.isnan(cauchy.var())
    assert cauchy.median() == 0.0
    heavy = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)])
    assert numeric_moment(heavy, 2) == np.inf and np.isnan(numeric_moment(heavy, 1))


def test_the_to_scipy_delegate(flows):
    dist = flows.flow("normal-exp").to_scipy()
    assert isinstance(dist, stats.distributions.rv_frozen)
    assert dist.cdf(1.0) == pytest.approx(0.5, rel=1e-15)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"mu": 0.0}, "missing sigma"),
        ({"mu": 0.0, "sigma": 1.0, "nu": 3.0}, "Unknown parameter nu"),
        ({"mu": 0.0, "sigma": -1.0}, "sigma is declared positive"),
        ({"mu": [0.0, 1.0], "sigma": 1.0}, "single number"),
        ({"mu": np.nan, "sigma": 1.0}, "finite"),
    ],
)
def test_bad_parameters(params, match):
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
    with pytest.raises(sf.ParameterError, match=match):
        to_scipy(X, **params)


def test_multivariate_flow_to_scipy_is_refused():
    z1, z2 = sp.symbols("z1 z2", real=True)
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.Transform([z1, z2 + z1**2], [z1, z2])])
    with pytest.raises(sf.ParameterError, match="univariate.* dimension 2"):
        X.to_scipy()
