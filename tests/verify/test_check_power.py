"""The check's power: wrong densities fail it, right ones pass, and it says why.

Wrong densities are built by wrapping a compiled kernel (its ``log_prob`` and ``prob``)
and handing the wrapper to a copy of the flow; the check calls the kernel only through
those methods, so it judges exactly the numbers the wrapper returns.
"""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
w = sp.symbols("w1:5", real=True)


class Reweighted:
    """A compiled kernel whose density is multiplied by ``factor(x)`` (an array function);
    ``factor`` may return 0, nan or inf, and log_prob follows it."""

    def __init__(self, kernels, factor, shift=None):
        self._inner = kernels
        self._factor = factor
        self._shift = shift  # x -> the point at which the true density is read

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _at(self, xs):
        xs = np.asarray(xs, dtype=np.float64)
        return xs if self._shift is None else self._shift(xs)

    def log_prob(self, xs, **params):
        with np.errstate(all="ignore"):
            return self._inner.log_prob(self._at(xs), **params) + np.log(self._factor(xs))

    def prob(self, xs, **params):
        with np.errstate(all="ignore"):
            return self._inner.prob(self._at(xs), **params) * self._factor(xs)


def wrapped(flow: sf.Flow, factor, shift=None) -> sf.Flow:
    bad = copy.copy(flow)
    bad._kernels = Reweighted(flow.compile(), factor, shift)
    return bad


def failed(report) -> set[str]:
    return {t.name for t in report.tests if not t.passed}


# -- wrong densities fail --------------------------------------------------------------


def test_density_doubled_on_its_upper_tenth_of_a_percent_fails(flows) -> None:
    flow = flows.flow("normal-2z+3")
    q = 3 + 2 * 3.090232306167813  # the 99.9 % quantile of N(3, 2²)
    report = wrapped(flow, lambda x: np.where(x > q, 2.0, 1.0)).check(n=50_000, seed=0)
    assert report.passed is False
    assert {"normalisation", "tail"} <= failed(report), str(report)
    onset = re.search(r"the density is wrong beyond x ≈ ([-+.\de]+)", str(report))
    assert onset and q <= float(onset.group(1)) < 12.0, str(report)


def test_check_probes_x_beyond_every_base_image_by_default(flows) -> None:
    # the log-normal's base quantiles map no further than x ≈ 1.2e16: only the x-probes
    # see a density that is 0 beyond 1e50
    flow = flows.flow("normal-exp")
    report = wrapped(flow, lambda x: np.where(x > 1e50, 0.0, 1.0)).check(n=20_000, seed=0)
    assert failed(report) == {"tail"}, str(report)
    assert "log p is -inf where the density is finite beyond x ≈ 1e100" in str(report)


def test_density_off_by_fifteen_in_ten_thousand_fails_at_two_hundred_thousand(flows) -> None:
    flow = flows.flow("normal-exp")
    report = wrapped(flow, lambda x: np.full(np.shape(x), 1.0015)).check(n=200_000, seed=0)
    assert report.passed is False
    assert "normalisation" in failed(report), str(report)
    assert "integrates to 1.0015" in str(report)


@pytest.fixture(scope="module")
def flow4() -> sf.Flow:
    exprs = [w[0] + 1, w[1] + w[0] / 2, w[2] - w[1] / 3, 2 * w[3] + w[2]]
    return sf.Flow(sf.Independent(*[sf.Normal(0, 1)] * 4), [sf.Transform(exprs, list(w))])


def test_four_dimensional_flow_with_the_right_mean_and_a_wider_covariance_fails(flow4) -> None:
    mean = np.array([1.0, 0.0, 0.0, 0.0])  # the flow's exact mean
    root = math.sqrt(1.5)
    # p(mean + (x - mean)/√1.5) / 1.5²: normalised, same mean, covariance × 1.5
    bad = wrapped(
        flow4,
        lambda x: np.full(np.shape(x)[:-1], 1.5**-2),
        shift=lambda x: mean + (x - mean) / root,
    )
    report = bad.check(n=20_000, seed=0)
    assert report.passed is False
    assert "covariance" in failed(report), str(report)
    assert not any(t.name.startswith("mean") for t in report.tests if not t.passed)
    assert next(t for t in report.tests if t.name == "normalisation").passed


def test_minus_infinity_in_a_far_tail_fails_only_the_tail_test(flows) -> None:
    # beyond x = 1e10 (probability ~1e-120) no sample lands: only the tail test can see it
    flow = flows.flow("normal-exp")
    report = wrapped(flow, lambda x: np.where(x > 1e10, 0.0, 1.0)).check(n=20_000, seed=0)
    assert report.passed is False
    assert failed(report) == {"tail"}, str(report)
    assert "log p is -inf where the density is finite beyond x ≈" in str(report)


class FlatTail:
    """A kernel whose log-density is held at -70.2 beyond x = 6e8 (the numeric inverse
    that stalls in a heavy tail)."""

    def __init__(self, kernels):
        self._inner = kernels

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def log_prob(self, xs, **params):
        xs = np.asarray(xs, dtype=np.float64)
        return np.where(xs > 6e8, -70.2, self._inner.log_prob(xs, **params))

    def prob(self, xs, **params):
        return np.exp(self.log_prob(xs, **params))


def test_a_flat_log_density_in_the_tail_is_reported_in_words() -> None:
    flow = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)])
    bad = copy.copy(flow)
    bad._kernels = FlatTail(flow.compile())
    report = bad.check(n=20_000, seed=0)
    text = str(report)
    assert report.passed is False
    assert {"normalisation", "tail"} <= failed(report), text
    assert "the density is wrong beyond x ≈" in text
    assert "the density integrates to" in text
    assert "the mass is most wrong beyond x ≈" in text
    assert not re.search(r"\d{12,}", text), text  # numbers written for a reader


def test_nan_density_inside_the_support_is_a_failure_not_zero_mass(flows) -> None:
    flow = flows.flow("normal-2z+3")
    bad = wrapped(flow, lambda x: np.where((x > 4.0) & (x < 4.5), np.nan, 1.0))
    report = bad.check(n=20_000, seed=0)
    assert report.passed is False
    assert "normalisation" in failed(report)
    assert "the density is nan inside the support" in str(report)


# -- right densities pass ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["normal-exp", "normal-square", "uniform2pi-cos"])
def test_right_one_dimensional_flows_pass(flows, name) -> None:
    report = flows.flow(name).check(n=20_000, seed=1)
    assert report.passed, str(report)
    assert report.verdict == "PASSED" and not report.inconclusive
    tail = next(t for t in report.tests if t.name == "tail")
    assert tail.statistic < 1e-12, tail.detail


def test_right_two_dimensional_linear_map_passes() -> None:
    flow = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([2 * w[0] + w[1], w[0] - w[1]], [w[0], w[1]])],
    )
    report = flow.check(n=20_000, seed=0)
    assert report.passed, str(report)
    assert [t.name for t in report.tests] == ["chi-square", "normalisation", "tail"]


def test_right_four_dimensional_flow_passes(flow4) -> None:
    report = flow4.check(n=20_000, seed=0)
    assert report.passed, str(report)
    names = [t.name for t in report.tests]
    assert "covariance" in names and "tail" in names


# -- sample sizes ----------------------------------------------------------------------


def test_too_few_samples_are_inconclusive_never_passed(flows) -> None:
    report = flows.flow("normal-exp").check(n=10, seed=0)
    assert report.inconclusive is True
    assert report.passed is False and bool(report) is False
    assert "INCONCLUSIVE" in str(report) and "too few" in str(report)
    assert report.verdict == "INCONCLUSIVE"


def test_too_few_samples_still_fail_a_wrong_tail(flows) -> None:
    flow = flows.flow("normal-exp")
    report = wrapped(flow, lambda x: np.where(x > 1e10, 0.0, 1.0)).check(n=10, seed=0)
    assert report.verdict == "FAILED" and report.inconclusive is False


@pytest.mark.parametrize("n", [0, -5, 2.5, "many"])
def test_sample_size_must_be_a_positive_whole_number(flows, n) -> None:
    with pytest.raises(sf.ParameterError, match="positive whole number of samples"):
        flows.flow("normal-exp").check(n=n)
