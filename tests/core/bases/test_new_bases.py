"""Weibull, ChiSquared, HalfNormal, Truncated and Mixture against scipy.stats: log-density,
CDF, quantile, support, sampling, the compiled kernels of a flow on top, and its check."""

from __future__ import annotations

import math
from types import SimpleNamespace

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import special, stats

import symflow as sf
from symflow.codegen.cdf_kernel import kernel_cdf, kernel_quantile, kernel_sf

z = sp.Symbol("z", real=True)
u = sp.Symbol("u", real=True)


class _MixtureOracle:
    """0.3·N(−2, 1) + 0.7·N(3, 1/2) written with scipy.stats by hand."""

    parts = ((0.3, stats.norm(-2, 1)), (0.7, stats.norm(3, 0.5)))

    def logpdf(self, x):
        return special.logsumexp([np.log(w) + d.logpdf(x) for w, d in self.parts], axis=0)

    def cdf(self, x):
        return sum(w * d.cdf(x) for w, d in self.parts)

    def sf(self, x):
        return sum(w * d.sf(x) for w, d in self.parts)

    def ppf(self, p):
        from scipy import optimize

        return np.array([optimize.brentq(lambda t, q=q: self.cdf(t) - q, -40, 40) for q in p])

    def support(self):
        return (-np.inf, np.inf)


# id -> (base, scipy oracle, points inside the support, points outside)
CASES = {
    "weibull": (
        lambda: sf.Weibull(1.7, 2.5),
        stats.weibull_min(1.7, scale=2.5),
        [1e-300, 1e-8, 0.3, 2.5, 9.0, 40.0],
        [-1.0, 0.0],
    ),
    "chi-squared": (
        lambda: sf.ChiSquared(3),
        stats.chi2(3),
        [1e-300, 1e-6, 0.5, 3.0, 40.0, 600.0],
        [-2.0, 0.0],
    ),
    "half-normal": (
        lambda: sf.HalfNormal(1.5),
        stats.halfnorm(scale=1.5),
        [5e-324, 1e-10, 0.7, 3.0, 30.0],
        [-0.5, 0.0],
    ),
    "truncated": (
        lambda: sf.Truncated(sf.Normal(0, 1), -1, 2),
        stats.truncnorm(-1, 2),
        [-1 + 1e-12, -0.5, 0.0, 1.9, 2 - 1e-12],
        [-1.0, 2.0, 5.0],
    ),
    "truncated-tail": (
        lambda: sf.Truncated(sf.Normal(0, 1), 5, sp.oo),
        stats.truncnorm(5, np.inf),
        [5 + 1e-12, 5.1, 7.0, 30.0],
        [4.9, 5.0],
    ),
    "mixture": (
        lambda: sf.Mixture([(0.3, sf.Normal(-2, 1)), (0.7, sf.Normal(3, 0.5))]),
        _MixtureOracle(),
        [-30.0, -2.0, 0.5, 3.0, 25.0],
        [],
    ),
}


def _away_from_edges(points, ref) -> np.ndarray:
    """The points where scipy's CDF is a trustworthy oracle: not within 1e-9 of a finite
    end of the support (truncnorm computes F(x) − F(a) there and loses digits), and with
    F above the underflow range."""
    lo, hi = ref.support()
    xs = np.array(points)
    keep = (np.abs(xs - lo) > 1e-9) & (np.abs(xs - hi) > 1e-9) & (ref.cdf(xs) > 1e-250)
    return xs[keep]


def _value(expr: sp.Expr, x: float) -> float:
    return float(sp.N(expr.subs(z, sp.Float(x, 40)), 30))


@pytest.mark.parametrize("name", CASES)
def test_symbolic_log_density_cdf_and_support_match_scipy(name) -> None:
    make, ref, inside, _ = CASES[name]
    base = make()
    lo, hi = ref.support()
    assert (float(base.support.inf), float(base.support.sup)) == (lo, hi)
    log_p, cdf = base.log_density(z), base.cdf(z)
    for x in inside:
        assert _value(log_p, x) == pytest.approx(float(ref.logpdf(x)), rel=1e-11, abs=0)
    for x in _away_from_edges(inside, ref):
        assert _value(cdf, x) == pytest.approx(float(ref.cdf(x)), rel=1e-9, abs=0), x


@pytest.mark.parametrize("name", CASES)
def test_sampler_matches_scipy_by_kolmogorov_smirnov(name) -> None:
    make, ref, _, _ = CASES[name]
    draws = make().sample(20_000, np.random.default_rng(1))
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize("name", CASES)
def test_scipy_twin_is_the_oracle(name) -> None:
    make, ref, inside, _ = CASES[name]
    twin = make().scipy()
    xs = np.array(inside[1:-1])
    np.testing.assert_allclose(twin.cdf(xs), ref.cdf(xs), rtol=1e-10, atol=0)
    np.testing.assert_allclose(twin.logpdf(xs), ref.logpdf(xs), rtol=1e-10, atol=0)


@pytest.mark.parametrize(
    ("base", "ref"),
    [
        (lambda: sf.Weibull(2, 3), stats.weibull_min(2, scale=3)),
        # (scipy's halfnorm.ppf(1e-9) is Φ⁻¹((1 + p)/2), 8e-8 off: the closed form 2√2·erfinv(p)
        # in mpmath is the oracle)
        (
            lambda: sf.HalfNormal(2),
            SimpleNamespace(ppf=lambda p: float(2 * mp.sqrt(2) * mp.erfinv(p))),
        ),
        (lambda: sf.Truncated(sf.Exponential(1), 1, 3), stats.truncexpon(2, loc=1)),
    ],
    ids=["weibull", "half-normal", "truncated-exponential"],
)
def test_closed_form_quantile_inverts_the_cdf(base, ref) -> None:
    quantile = base().quantile(u)
    for p in (1e-9, 0.2, 0.5, 0.97):
        got = float(sp.N(quantile.subs(u, sp.Float(p, 40)), 30))
        assert got == pytest.approx(float(ref.ppf(p)), rel=1e-10)


@pytest.fixture(scope="module")
def flows() -> dict:
    """2z + 1 on each base: the flow, its kernels, and the oracle of x."""
    out = {}
    for name, (make, ref, inside, outside) in CASES.items():
        X = sf.Flow(make(), [sf.Transform(2 * z + 1, z)])
        out[name] = (X, X.compile(), ref, np.array(inside), np.array(outside))
    return out


@pytest.mark.parametrize("name", CASES)
def test_flow_log_prob_matches_scipy_at_edges_and_tails(flows, name) -> None:
    _, k, ref, inside, outside = flows[name]
    xs = 2 * inside + 1
    zs = (xs - 1) / 2  # what the flow's inverse sees after rounding
    lo, hi = ref.support()
    xs, zs = xs[(zs > lo) & (zs < hi)], zs[(zs > lo) & (zs < hi)]
    want = ref.logpdf(zs) - math.log(2)
    np.testing.assert_allclose(k.log_prob(xs), want, rtol=1e-11, atol=0)
    if outside.size:
        assert np.all(k.log_prob(2 * outside + 1) == -np.inf)
    assert np.isnan(k.log_prob(np.array([np.nan]))[0])


# the compiled CDF modules cost a numba compile each: the two wrappers, whose kernel forms
# are built from their components' (the plain bases' are the same generic code)
@pytest.mark.parametrize("name", ["truncated-tail", "mixture"])
def test_flow_compiled_cdf_and_quantile_match_scipy(flows, name) -> None:
    _, k, ref, inside, _ = flows[name]
    xs = 2 * _away_from_edges(inside, ref) + 1
    trusted = (xs - 1) / 2  # what the flow's inverse sees after rounding
    lower = ref.cdf(trusted) <= 0.5
    F, S = kernel_cdf(k, xs), kernel_sf(k, xs)
    np.testing.assert_allclose(F[lower], ref.cdf(trusted[lower]), rtol=1e-10, atol=0)
    np.testing.assert_allclose(S[~lower], ref.sf(trusted[~lower]), rtol=1e-10, atol=0)
    ps = np.array([1e-12, 0.1, 0.5, 0.9])
    np.testing.assert_allclose(kernel_quantile(k, ps), 2 * ref.ppf(ps) + 1, rtol=1e-9)


@pytest.mark.parametrize("name", CASES)
def test_flow_checks_against_its_own_samples(flows, name) -> None:
    X = flows[name][0]
    report = X.check(n=20_000, seed=0)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: sf.Weibull(-1, 1), "shape must be positive"),
        (lambda: sf.Weibull(1, 0), "scale must be positive"),
        (lambda: sf.ChiSquared(0), "k must be positive"),
        (lambda: sf.HalfNormal(-2), "sigma must be positive"),
        (lambda: sf.Truncated(sf.Normal(0, 1), 2, 1), r"needs a < b; got a = 2, b = 1"),
        (lambda: sf.Truncated(sf.Normal(0, 1), 1, 1), r"needs a < b"),
        (lambda: sf.Truncated(sf.Exponential(1), -3, -1), "does not meet the support"),
        (lambda: sf.Truncated("Normal(0, 1)", 0, 1), "univariate base distribution"),
        (lambda: sf.Truncated(sf.Normal(0, 1), "a", 1), "must be a number"),
        (lambda: sf.Mixture([]), "non-empty list"),
        (lambda: sf.Mixture([(0.5, sf.Normal(0, 1)), (0.6, sf.Normal(1, 1))]), "sum to 1"),
        (lambda: sf.Mixture([(-0.5, sf.Normal(0, 1)), (1.5, sf.Normal(1, 1))]), "positive"),
        (lambda: sf.Mixture([(0, sf.Normal(0, 1)), (1, sf.Normal(1, 1))]), "positive"),
        (lambda: sf.Mixture([(1, "Normal(0, 1)")]), "univariate base distribution"),
        (lambda: sf.Mixture([sf.Normal(0, 1)]), "must be a pair"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_parameters_are_refused(make, match) -> None:
    with pytest.raises(sf.ParameterError, match=match):
        make()


def test_mixture_of_disjoint_supports_has_the_union_as_support() -> None:
    M = sf.Mixture([(0.25, sf.Uniform(0, 1)), (0.75, sf.Uniform(2, 3))])
    assert M.support == sp.Union(sp.Interval.open(0, 1), sp.Interval.open(2, 3))
    assert M.cdf(z).subs(z, sp.Rational(5, 2)) == sp.Rational(5, 8)
    draws = M.sample(4_000, np.random.default_rng(0))
    assert np.mean(draws > 2) == pytest.approx(0.75, abs=0.03)
    assert not np.any((draws > 1) & (draws < 2))


def test_truncation_with_a_parameter_keeps_the_far_tail() -> None:
    # the mass P(Z > 0) = Φ(mu) must not become 1 − (2 − erfc(...))/2 for mu = −30
    mu = sp.Symbol("mu", real=True)
    X = sf.Flow(sf.Truncated(sf.Normal(mu, 1), 0, sp.oo), [sf.Transform(z + 1, z)])
    assert sp.latex(X.density()).count(r"\Phi") == 1
    k = X.compile()
    zs = np.array([1e-9, 0.5, 3.0])
    for m in (0.3, -10.0, -30.0):
        want = stats.truncnorm(-m, np.inf, loc=m).logpdf(zs)
        np.testing.assert_allclose(k.log_prob(zs + 1, mu=m), want, rtol=1e-10, atol=0)
