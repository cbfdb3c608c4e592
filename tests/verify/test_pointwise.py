"""The tail test's truth (mpmath change of variables) against scipy.stats at far-tail
points, and its verdicts."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.verify.pointwise import _points_1d, _truths, tail_test

z = sp.Symbol("z", real=True)
mu = sp.Symbol("mu", real=True)


@pytest.mark.parametrize(
    ("name", "oracle"),
    [
        ("normal-exp", stats.lognorm(1)),
        ("normal-square", stats.chi2(1)),  # two preimages, summed
        ("uniform-neglog", stats.expon()),
        ("normal-sinh", None),
    ],
    ids=["lognormal", "chi-square", "exponential", "sinh"],
)
def test_truth_matches_scipy_over_the_whole_range(flows, name, oracle) -> None:
    flow = flows.flow(name)
    points = _points_1d(flow.program.base, {}, np.random.default_rng(0))
    comparison = _truths(flow.program, {}, points)
    x, truth = comparison.x, comparison.truth
    assert x.size > 40
    assert np.ptp(np.log10(np.abs(x[x != 0]))) > 5  # spread over many decades
    if oracle is None:  # x = sinh(z): log p = log phi(asinh x) - log sqrt(1 + x^2)
        expected = stats.norm.logpdf(np.arcsinh(x)) - 0.5 * np.log1p(x * x)
    else:
        expected = oracle.logpdf(x)
    np.testing.assert_allclose(truth, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("base", "lo", "hi"),
    [
        (sf.Beta(2, 3), 0, 1),
        # tan(e) ≈ −0.45 is finite, but SymPy's is_finite is None: its edge was read as
        # infinite, and the points came from scipy's quantiles, which round onto it
        (sf.Uniform(sp.tan(sp.E), 1), sp.tan(sp.E), 1),
        (sf.Uniform(-1, -sp.tan(sp.E)), -1, -sp.tan(sp.E)),
    ],
    ids=["beta", "undecided-lower", "undecided-upper"],
)
def test_points_reach_within_1e_300_of_a_finite_edge(base, lo, hi) -> None:
    import mpmath

    points = _points_1d(base, {}, np.random.default_rng(0))
    with mpmath.workdps(400):
        a, b = (mpmath.mpf(str(sp.N(e, 400))) for e in (lo, hi))
        lows = [p.z[0] - a for p in points if 0 < p.z[0] - a < 1e-200]
        highs = [b - p.z[0] for p in points if 0 < b - p.z[0] < 1e-200]
    assert lows and highs  # both edges, in as many digits as it takes


def test_parametric_flow_takes_its_values() -> None:
    X = sf.Flow(sf.Normal(mu, 1), [sf.Transform(sp.exp(z), z)])
    result = tail_test(X.program, X.compile(), {"mu": 0.5}, seed=0)
    assert result.passed and result.statistic < 1e-12


def test_a_wrong_value_at_one_point_is_named() -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])
    kernels = X.compile()

    class OffByOne:
        program = kernels.program

        def log_prob(self, xs):
            xs = np.asarray(xs, dtype=np.float64)
            return np.where(xs < -40, kernels.log_prob(xs) - 1.0, kernels.log_prob(xs))

    result = tail_test(X.program, OffByOne(), {}, seed=0)
    assert not result.passed
    assert "the density is wrong below x ≈ -4" in result.finding


def test_x_probes_reach_points_no_base_quantile_maps_to(flows) -> None:
    # exp then asinh: images of base quantiles stop near x = 38; probes go to 1e300
    flow = flows.flow("normal-exp")
    plain = tail_test(flow.program, flow.compile(), {}, seed=0)
    probed = tail_test(flow.program, flow.compile(), {}, seed=0, x_probes=True)
    assert plain.passed and probed.passed
    assert "to 1.23e16" in plain.detail and "to 1e300" in probed.detail


def test_x_probes_see_a_wrong_value_beyond_every_base_image(flows) -> None:
    flow = flows.flow("normal-exp")
    kernels = flow.compile()

    class InfiniteFarOut:
        program = kernels.program

        def log_prob(self, xs):
            xs = np.asarray(xs, dtype=np.float64)
            return np.where(xs > 1e50, np.inf, kernels.log_prob(xs))

    assert tail_test(flow.program, InfiniteFarOut(), {}, seed=0).passed  # never reached
    probed = tail_test(flow.program, InfiniteFarOut(), {}, seed=0, x_probes=True)
    assert not probed.passed
    assert "log p is inf where the density is finite beyond x ≈ 1e100" in probed.finding


def test_truth_has_the_digits_of_the_maps_constants() -> None:
    # x = z**(10**100): the preimage of x = 1e100 is 1 + 2.3e-98, which 40 digits read as 1
    # (the truth came out as -6.9e99); by hand, log p = log(2φ(x^(1/N))) - log N - (1 - 1/N) log x
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z ** (10**100), z)])
    result = tail_test(X.program, X.compile(), {}, seed=0, x_probes=True)
    assert result.passed and result.statistic < 1e-12


def test_a_preimage_too_deep_for_mpmath_is_left_out_not_waited_for() -> None:
    # x = -log(-log U) is Gumbel: log p = -x - e^(-x). The preimage of the probe x = -1e300
    # is exp(-e^(1e300)), for which mpmath reduces its argument with log 2 to 1e299 digits
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(-sp.log(z)), z)])
    kernels = X.compile()
    result = tail_test(X.program, kernels, {}, seed=0, x_probes=True)
    assert result.passed and result.statistic < 1e-12
    xs = np.array([-5.0, 0.0, 5.0, 700.0])
    np.testing.assert_allclose(kernels.log_prob(xs), -xs - np.exp(-xs), rtol=1e-14, atol=0)


def test_a_non_monotone_map_with_implicit_branches_is_compared_and_can_fail():
    """x = z^z on Exp(1) has two branches (z below and above 1/e), each inverted only
    implicitly: the truth sums both preimages, evaluated by mpmath's bracketed solve.
    (The tail test used to compare no point at all here and pass.) A kernel 1e-9 off
    fails it, by that much and no more: the kernel itself is right at every point."""
    zp = sp.Symbol("z", positive=True)
    X = sf.Flow(sf.Exponential(1), [sf.Transform(zp**zp, zp)])
    kernels = X.compile()

    class Off:
        @staticmethod
        def log_prob(x, **values):
            return kernels.log_prob(x, **values) * (1 + 1e-9)

    wrong = tail_test(X.program, Off(), {})
    assert not wrong.passed, wrong.detail
    assert wrong.statistic == pytest.approx(1e-9, rel=0.5)  # the kernel's own error is ≪ 1e-9


def test_the_image_of_a_pole_is_not_a_point_to_compare() -> None:
    """tan(πz) on U(0, 1) is Cauchy. The base's median ½ is tan's pole: in 40 digits
    tan(π·½) is 4.8e42 (π/2 rounded), and the truth read there (log p = −383.6 against
    the right −197.7) failed a right kernel. Points whose image moves when the digits are
    doubled are left out; a kernel 1e-9 off still fails."""
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.tan(sp.pi * z), z)])
    kernels = X.compile()
    result = tail_test(X.program, kernels, {}, seed=0, x_probes=True)
    assert result.passed and result.statistic < 1e-12, result.detail
    xs = np.array([-1e300, -1e30, -1.0, 1e-300, 3.0, 1e30, 1e300])
    np.testing.assert_allclose(kernels.log_prob(xs), stats.cauchy.logpdf(xs), rtol=1e-15)

    class Off:
        @staticmethod
        def log_prob(x, **values):
            return kernels.log_prob(x, **values) * (1 + 1e-9)

    assert not tail_test(X.program, Off(), {}, seed=0).passed
