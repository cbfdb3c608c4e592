"""Maximum likelihood where the log-likelihood has kinks in a parameter (Laplace location,
asymmetric Laplace location), against textbook estimates, scipy.stats and Nelder-Mead."""

import functools
import math

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.errors import FitError

z = sp.Symbol("z", real=True)
u = sp.Symbol("u", positive=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
kappa = sp.Symbol("kappa", positive=True)


@functools.cache
def laplace_flow(kind: str) -> sf.Flow:
    if kind == "base":
        return sf.Flow(sf.Laplace(mu, sigma), [sf.Transform(z, z)])
    return sf.Flow(sf.Laplace(0, 1), [sf.Transform(sigma * z + mu, z)])


@functools.cache
def asymmetric_flow() -> sf.Flow:
    """scipy's laplace_asymmetric(kappa, mu, sigma) as its quantile map on U(0, 1)."""
    q0 = kappa**2 / (1 + kappa**2)
    quantile = sp.Piecewise(
        (kappa * sp.log(u / q0), u < q0), (-sp.log((1 - u) / (1 - q0)) / kappa, True)
    )
    return sf.Flow(sf.Uniform(0, 1), [sf.Transform(quantile, u), sf.Transform(sigma * z + mu, z)])


def laplace_data(n: int) -> np.ndarray:
    return stats.laplace(0.5, 2.0).rvs(n, random_state=n)


@pytest.mark.parametrize("kind", ["base", "affine"])
def test_laplace_odd_n_is_the_median(kind):
    data = laplace_data(501)
    r = laplace_flow(kind).fit(data)
    median = float(np.median(data))
    scale = float(np.mean(np.abs(data - median)))
    assert r.success
    assert r.params["mu"] == median  # exactly the middle data point
    assert r.params["sigma"] == pytest.approx(scale, rel=1e-9, abs=0)
    oracle = stats.laplace.logpdf(data, *stats.laplace.fit(data)).sum()
    assert r.loglik == pytest.approx(oracle, rel=1e-9, abs=0)
    # no standard error at the kink; for the scale the observed information at the
    # estimate is n/sigma² (the textbook sigma/sqrt(n))
    assert math.isnan(r.stderr["mu"])
    assert r.stderr["sigma"] == pytest.approx(scale / math.sqrt(data.size), rel=1e-9, abs=0)
    assert "kink" in r.message and "mu has no standard error" in r.message


@pytest.mark.parametrize("kind", ["base", "affine"])
def test_laplace_even_n_is_any_median(kind):
    data = laplace_data(500)
    r = laplace_flow(kind).fit(data)
    low, high = np.sort(data)[[249, 250]]
    assert r.success
    assert low <= r.params["mu"] <= high
    scale = float(np.mean(np.abs(data - r.params["mu"])))
    assert r.params["sigma"] == pytest.approx(scale, rel=1e-9, abs=0)
    oracle = stats.laplace.logpdf(data, *stats.laplace.fit(data)).sum()
    assert r.loglik == pytest.approx(oracle, rel=1e-9, abs=0)
    assert math.isnan(r.stderr["mu"])
    assert "flat in mu" in r.message and "not unique" in r.message


def test_laplace_location_alone_and_scale_alone():
    data = laplace_data(301)
    X = laplace_flow("base")
    r = X.fit(data, fixed={"sigma": 2.0})
    assert r.success and r.params["mu"] == float(np.median(data))
    r = X.fit(data, fixed={"mu": 0.0})  # the scale alone is smooth: no kink to report
    assert r.success and "kink" not in r.message
    assert r.params["sigma"] == pytest.approx(np.mean(np.abs(data)), rel=1e-9, abs=0)


@pytest.mark.parametrize("method", ["L-BFGS", "trust-krylov"])
def test_laplace_training_methods(method):
    data = laplace_data(501)
    r = laplace_flow("affine").fit(data, method=method)
    median = float(np.median(data))
    assert r.success and r.method == method
    assert r.params["mu"] == median
    assert r.params["sigma"] == pytest.approx(np.mean(np.abs(data - median)), rel=1e-9, abs=0)
    assert math.isnan(r.stderr["mu"]) and "kink" in r.message


def test_laplace_stack_of_affine_layers_trains_to_the_maximum():
    """Seven parameters (three affine layers and a shift) go to the training path, four
    of them held; the composite location is the median."""
    a = [sp.Symbol(f"a{i}", positive=True) for i in range(3)]
    b = [sp.Symbol(f"b{i}", real=True) for i in range(4)]
    layers = [sf.Transform(a[i] * z + b[i], z) for i in range(3)]
    X = sf.Flow(sf.Laplace(0, 1), [*layers, sf.Transform(z + b[3], z)])
    data = laplace_data(101)
    r = X.fit(data, fixed={"a0": 1.0, "a1": 1.0, "b0": 0.0, "b1": 0.0})
    assert r.method == "trust-exact" and r.history  # (a TrainResult)
    oracle = stats.laplace.logpdf(data, *stats.laplace.fit(data)).sum()
    assert r.success
    assert r.loglik == pytest.approx(oracle, rel=1e-9, abs=0)


def test_asymmetric_laplace_location_is_a_data_point():
    data = stats.laplace_asymmetric(2.0, loc=0.5, scale=1.5).rvs(301, random_state=3)

    def nll(p):  # a hand-written log-density (scipy's laplace_asymmetric)
        m, log_s, log_k = p
        s, k = math.exp(log_s), math.exp(log_k)
        d = data - m
        return -np.sum(np.where(d >= 0, -k * d / s, d / (k * s)) - math.log(s * (k + 1 / k)))

    starts = [(0.0, 0.0, 0.0), (1.0, 0.5, 0.7), (float(np.median(data)), 0.0, 0.5), (-1, 1, -0.5)]
    options = {"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000}
    best = min(
        (optimize.minimize(nll, x0, method="Nelder-Mead", options=options) for x0 in starts),
        key=lambda res: res.fun,
    )
    r = asymmetric_flow().fit(data)
    assert r.success
    assert r.loglik == pytest.approx(-best.fun, rel=1e-9, abs=0)
    assert r.loglik >= -best.fun - 1e-9 * abs(best.fun)
    closest = data[np.argmin(np.abs(data - r.params["mu"]))]  # a quantile: a data point
    assert abs(r.params["mu"] - closest) <= abs(np.spacing(closest))
    assert r.params["kappa"] == pytest.approx(math.exp(best.x[2]), rel=1e-5)
    assert math.isnan(r.stderr["mu"]) and r.stderr["kappa"] > 0


def asymmetric_profile(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The profile log-likelihood of scipy's laplace_asymmetric at each data point m as
    the location, kappa and sigma maximised in closed form (Kotz, Kozubowski and
    Podgórski, The Laplace Distribution and Generalizations, 2001, §3.5): with
    A = Σ (x − m)⁺ and B = Σ (m − x)⁺, ℓ(m) = −n log((√A + √B)²/n) − n. Between data
    points the profile is convex, so the maximum over m is at one of them."""
    xs = np.sort(data)
    n = xs.size
    cs = np.cumsum(xs)
    i = np.arange(n)
    above = (cs[-1] - cs) - xs * (n - 1 - i)
    below = xs * (i + 1) - cs
    return xs, -n * np.log((np.sqrt(above) + np.sqrt(below)) ** 2 / n) - n


@pytest.mark.parametrize(
    ("n", "seed", "method"),
    [(101, 3, None), (101, 3, "L-BFGS"), (501, 1, None)],
    ids=["two-maxima", "two-maxima-training", "n=501"],
)
def test_asymmetric_laplace_global_maximum_over_kinks(n, seed, method):
    """Hard points: the profile over the data points has two local maxima (n = 101);
    the fit finds the higher one."""
    data = stats.laplace_asymmetric(3.0, loc=0.5, scale=1.5).rvs(n, random_state=seed)
    xs, profile = asymmetric_profile(data)
    inner = slice(1, -1)  # at the extreme points kappa runs off to 0 or infinity
    best = int(np.argmax(profile[inner])) + 1
    assert profile[best] > profile[0] and profile[best] > profile[-1]
    r = asymmetric_flow().fit(data, **({"method": method} if method else {}))
    assert r.success
    # the kink of a path region [mu, oo) lies between the data point and the next float
    assert abs(r.params["mu"] - xs[best]) <= abs(np.spacing(xs[best]))
    assert r.loglik == pytest.approx(profile[best], rel=1e-9, abs=0)


@pytest.mark.parametrize("data", [[1.0, 1.0, 1.0], [2.0]], ids=["constant", "one point"])
def test_laplace_on_constant_data_has_no_maximum(data):
    with pytest.raises(FitError, match="estimate does not exist: the data are"):
        laplace_flow("affine").fit(np.array(data))


@pytest.mark.parametrize("at_zero", [None, 0, 1])
def test_heaviside_translation_matches_numpy(at_zero):
    """d Max(u, 0)/du = Heaviside(u) appears in likelihood derivatives; its translation
    agrees with numpy.heaviside (H(0) = ½ unless given) and keeps NaN."""
    from symflow.codegen.printer import KernelPrinter

    y = sp.Symbol("y", real=True)
    expr = sp.Max(y, 0).diff(y) if at_zero is None else sp.Heaviside(y, at_zero)
    code = KernelPrinter().doprint(expr)
    h0 = 0.5 if at_zero is None else float(at_zero)
    for value in (-2.0, 0.0, 3.0, math.nan):
        got = eval(code, {"math": math, "y": value})  # noqa: S307 (our own printed code)
        want = np.heaviside(value, h0)
        assert got == want or (math.isnan(got) and math.isnan(want))


def test_a_compile_failure_is_blamed_on_the_base_only_when_the_base_fails():
    """The derivatives of Laplace(mu, sigma)'s own log-density compile (sign, no
    DiracDelta), so a failure elsewhere keeps the compiler's own message."""
    from symflow.errors import CompileError
    from symflow.stats.fit import _untranslatable

    error = CompileError("No numba translation for the function f.")
    X = laplace_flow("base")
    assert _untranslatable(X, ["mu", "sigma"], {}, error) is error
