"""Bad inputs to compiled kernels: refused with a ParameterError, never coerced, never
answered with uninitialised memory."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.errors import KernelError, ParameterError

z = sp.Symbol("z", real=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


@pytest.fixture(scope="module")
def lognormal():
    return sf.Flow(sf.Normal(mu, sigma), [sf.Transform(sp.exp(z), z)]).compile()


@pytest.mark.parametrize(
    ("points", "words"),
    [
        (np.array([1 + 1j, 2.0]), "complex"),
        (np.array(["1.5", "2"]), "text"),
        (["1.5"], "text"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
        (np.array([1, "a"], dtype=object), "dtype object"),
        (np.array([1.0, None], dtype=object), "None"),  # NumPy would read None as nan
        ([2.0, None], "None"),
        (None, "None"),
    ],
    ids=[
        "complex",
        "strings",
        "string-list",
        "datetime64",
        "objects",
        "None-in-objects",
        "None-in-list",
        "None",
    ],
)
def test_points_that_are_not_real_numbers_are_refused(lognormal, points, words):
    with pytest.raises(ParameterError, match=f"The points must be real numbers; got {words}"):
        lognormal.log_prob(points, mu=0.0, sigma=1.0)


@pytest.mark.parametrize(("value", "words"), [("a", "text"), (1j, "complex"), ([1, 2j], "complex")])
def test_parameter_values_that_are_not_real_numbers_are_refused(lognormal, value, words):
    with pytest.raises(ParameterError, match=f"Parameter mu must be real numbers; got {words}"):
        lognormal.log_prob(np.ones(2), mu=value, sigma=1.0)
    with pytest.raises(ParameterError, match="Parameter mu must be real numbers"):
        lognormal.sample(3, seed=0, mu=value, sigma=1.0)


def test_a_nan_parameter_gives_nan_not_minus_inf(lognormal):
    xs = np.array([0.5, 2.0])
    assert np.isnan(lognormal.log_prob(xs, mu=np.nan, sigma=1.0)).all()
    assert np.isnan(lognormal.log_prob(xs, mu=0.0, sigma=np.nan)).all()
    got = lognormal.log_prob(xs, mu=np.array([np.nan, 0.0]), sigma=1.0)
    assert np.isnan(got[0])
    assert got[1] == pytest.approx(stats.lognorm(s=1.0).logpdf(2.0), rel=1e-13)
    assert np.isnan(lognormal.prob(xs, mu=0.0, sigma=np.nan)).all()


@pytest.mark.parametrize("value", [-1.0, 0.0, np.array([1.0, -2.0])], ids=["-1", "0", "array"])
def test_a_positive_parameter_out_of_range_is_refused_by_log_prob_and_sample(lognormal, value):
    message = r"Parameter sigma is declared positive, so its value must be positive \(> 0\)"
    with pytest.raises(ParameterError, match=message):
        lognormal.log_prob(np.ones(2), mu=0.0, sigma=value)
    if np.ndim(value) == 0:
        with pytest.raises(ParameterError, match=message):
            lognormal.sample(3, seed=0, mu=0.0, sigma=value)


@pytest.mark.parametrize(
    "n",
    [np.nan, np.inf, True, None, "5", -1, 2.5],
    ids=["nan", "inf", "bool", "None", "text", "-1", "2.5"],
)
def test_sample_sizes_that_are_not_counts_are_refused(lognormal, n):
    with pytest.raises(ParameterError, match="n must be a non-negative integer"):
        lognormal.sample(n, seed=0, mu=0.0, sigma=1.0)


@pytest.mark.parametrize("n", [10**20, 2**33], ids=["1e20", "2^33"])
def test_sample_sizes_beyond_memory_are_refused_before_drawing(lognormal, n):
    # 10**20 raised NumPy's TypeError from isfinite on a Python int beyond int64
    with pytest.raises(ParameterError, match="GiB as one array.*chunks="):
        lognormal.sample(n, seed=0, mu=0.0, sigma=1.0)


@pytest.mark.parametrize("shift", [1, -1, 0])
def test_out_overlapping_the_points_is_written_through_a_buffer(lognormal, shift):
    memory = np.linspace(0.1, 3.0, 12)
    want = stats.lognorm(s=0.5, scale=np.exp(0.2)).logpdf(memory.copy())
    if shift == 1:  # out starts one point after xs
        xs, out, want = memory[:-1], memory[1:], want[:-1]
    elif shift == -1:
        xs, out, want = memory[1:], memory[:-1], want[1:]
    else:
        xs, out = memory, memory
    got = lognormal.log_prob(xs, out=out, mu=0.2, sigma=0.5)
    assert got is out
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_a_loop_that_raises_never_returns_uninitialised_memory():
    """A Piecewise that leaves out the single point 0 (probability 0, so the flow is
    accepted): its forward map has no value there."""
    pieces = sp.Piecewise((z, z < 0), (z + 1, z > 0))
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(pieces, z)]).compile()
    np.testing.assert_array_equal(k.forward(np.array([-1.0, 2.0])), [-1.0, 3.0])
    with pytest.raises(KernelError, match=r"compiled forward .* raised at z = 0\.0"):
        k.forward(np.array([-1.0, 0.0, 2.0]))
    with pytest.raises(KernelError, match="raised at z = 0.0"):
        k.forward(np.r_[np.ones(5000), 0.0, np.ones(5000)])  # the threaded path
    # the same loop loaded from the cache into a process where numba's runtime is loaded
    from numba import njit

    from symflow.codegen import native

    assert njit(lambda v: v + 1)(1.0) == 2.0

    root = k.module_path.parent
    loaded = native.load_native(root / "native" / f"{k.module_name}.forward_c", "", root)
    assert loaded is not None and loaded.source == "cache"
    with pytest.raises(KernelError, match="the compiled loop raised"):
        loaded(np.array([0.0]), np.empty(1), [])


def test_kernels_without_the_native_cache_match_scipy(monkeypatch):
    """SYMFLOW_NATIVE_CACHE=0: numba's own cached C callbacks serve the array methods.
    3 + 2 sinh(z), z ~ N(mu, sigma), is Johnson's SU(-mu/sigma, 1/sigma, 3, 2)."""
    from symflow.codegen import native

    monkeypatch.setenv("SYMFLOW_NATIVE_CACHE", "0")
    monkeypatch.setattr(native, "PARALLEL_SECONDS", 0.0)
    k = sf.Flow(sf.Normal(mu, sigma), [sf.Transform(3 + 2 * sp.sinh(z), z)]).compile()
    xs = np.linspace(-20, 25, 9000)
    for m, s in [(0.3, 0.8), (np.linspace(-1, 1, 9000), 1.5)]:
        ref = stats.johnsonsu(-m / s, 1 / s, loc=3, scale=2)
        np.testing.assert_allclose(k.log_prob(xs, mu=m, sigma=s), ref.logpdf(xs), rtol=1e-11)
    draws = k.sample(3000, seed=2, mu=0.3, sigma=0.8)
    assert (
        stats.kstest(draws, stats.johnsonsu(-0.3 / 0.8, 1 / 0.8, loc=3, scale=2).cdf).pvalue > 1e-3
    )
    assert all(loop.source == "compiled" for loop in k._natives.values())


def test_an_unclaimed_unraisable_report_reaches_the_hook_once_after_kernels_and_deadlines(
    lognormal,
):
    """Kernel calls route what a native loop reports, time limits drop deadlines that land
    where they cannot be raised; both filter sys.unraisablehook. Installed in turn, they
    used to wrap each other, and the next report nobody claimed ended in RecursionError."""
    import sys

    from symflow.core.budget import time_limit

    reported: list = []
    previous = sys.unraisablehook
    try:
        sys.unraisablehook = reported.append
        for _ in range(2):
            lognormal.log_prob(np.array([1.0]), mu=0.0, sigma=1.0)
            with time_limit(5.0):
                pass
        report = type("Unraisable", (), {"exc_value": ValueError("unclaimed")})()
        sys.unraisablehook(report)
    finally:
        sys.unraisablehook = previous
    assert reported == [report]


@pytest.mark.parametrize(
    ("base", "values", "words"),
    [
        (sf.Gamma(sp.Symbol("k", real=True), 1), {"k": -1.0}, r"shape = k must be positive"),
        (sf.Normal(0, sp.Symbol("s", real=True)), {"s": 0.0}, r"sigma = s must be positive"),
        (
            sf.Uniform(sp.Symbol("a", real=True), sp.Symbol("b", real=True)),
            {"a": 1.0, "b": 0.0},
            r"support \(a, b\) = \(1.0, 0.0\) is empty",
        ),
    ],
    ids=["gamma-shape", "normal-scale", "uniform-ends"],
)
def test_parameter_values_that_make_the_base_no_distribution_are_refused(base, values, words):
    # the parameters are only declared real, so their declared domain allows these values:
    # the kernels returned -inf everywhere, as if every point were outside the support
    k = sf.Flow(base, [sf.Transform(sp.exp(z), z)]).compile()
    with pytest.raises(ParameterError, match=r"is no distribution at .*" + words):
        k.log_prob(np.array([0.5, 2.0]), **values)
