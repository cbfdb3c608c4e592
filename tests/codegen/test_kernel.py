"""Compiled kernels: accuracy against mpmath at 50 digits, edge values, shapes, sampling."""

from __future__ import annotations

import os

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.codegen.cache import cache_dir
from symflow.codegen.kernel import generate_source

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)


def lphi(t):
    return -t * t / 2 - mp.log(2 * mp.pi) / 2


def logit(v):
    return mp.log(v / (1 - v))


def cbrt(v):
    return mp.sign(v) * mp.cbrt(abs(v))


def tails(lo: float, hi: float, n: int = 40) -> np.ndarray:
    return np.geomspace(lo, hi, n)


# id (conftest flow), log p_X written by hand in mpmath, points (far tails included)
ACCURACY = [
    ("normal-exp", lambda v: lphi(mp.log(v)) - mp.log(v), tails(1e-300, 1e300, 80)),
    (
        "normal-2z+3",
        lambda v: lphi((v - 3) / 2) - mp.log(2),
        np.concatenate([np.linspace(-1e3, 1e3, 41), [-1e150, -1e20, 1e20, 1e150]]),
    ),
    (
        "normal-sinh",
        lambda v: lphi(mp.asinh(v)) - mp.log(1 + v * v) / 2,
        np.concatenate([-tails(1e-300, 1e300), [0.0], tails(1e-300, 1e300)]),
    ),
    (
        "normal-asinh",
        lambda v: lphi(mp.sinh(v)) + mp.log(mp.cosh(v)),
        np.concatenate([np.linspace(-30, 30, 61), [-100.0, 100.0]]),
    ),
    (
        "normal-sigmoid",
        lambda v: lphi(logit(v)) - mp.log(v * (1 - v)),
        np.concatenate([tails(1e-300, 0.5), 1 - tails(1e-3, 0.5, 10)]),
    ),
    (
        "normal-cube",
        lambda v: lphi(cbrt(v)) - mp.log(3 * cbrt(v) ** 2),
        np.concatenate([-tails(1e-300, 1e300), tails(1e-300, 1e300)]),
    ),
    (
        "normal-chain3",
        lambda v: lphi(2 * (mp.log((v - 1) / 2) - 1)) + mp.log(2) - mp.log(v - 1),
        1 + tails(1e-15, 1e300, 60),
    ),
]
IDS = [c[0] for c in ACCURACY]


def reference(logp, xs) -> np.ndarray:
    with mp.workdps(50):
        return np.array([float(logp(mp.mpf(float(v)))) for v in xs])


# atol 1e-15 only matters where log p crosses 0 (sigmoid near x = 0.5 +- 0.3, cube)
@pytest.mark.parametrize(("name", "logp", "xs"), ACCURACY, ids=IDS)
def test_log_prob_matches_hand_written_mpmath_density(flows, name, logp, xs) -> None:
    got = flows.kernels(name).log_prob(xs)
    np.testing.assert_allclose(got, reference(logp, xs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "logp", "xs"), ACCURACY, ids=IDS)
def test_log_prob_matches_the_symbolic_log_density_at_50_digits(flows, name, logp, xs) -> None:
    X = flows.flow(name)
    symbolic = sp.lambdify(x, X.log_density(x), modules="mpmath")
    with mp.workdps(50):
        want = np.array([float(symbolic(mp.mpf(float(v)))) for v in xs[::3]])
    np.testing.assert_allclose(flows.kernels(name).log_prob(xs[::3]), want, rtol=1e-12, atol=1e-15)


def test_sigmoid_log_prob_is_accurate_next_to_one_and_at_subnormals(flows) -> None:
    # the logit as -log(-1 + 1/x) lost 4% at x = 1 - 2**-53 and overflowed at 1e-310
    xs = np.concatenate([1 - np.array([1e-8, 1e-12, 1e-15, 2**-53]), [1e-310, 5e-324]])
    logp = ACCURACY[IDS.index("normal-sigmoid")][1]
    np.testing.assert_allclose(
        flows.kernels("normal-sigmoid").log_prob(xs), reference(logp, xs), rtol=1e-12
    )


def test_asinh_log_det_far_out() -> None:
    # log|asinh'(u)| as -log(u*u + 1)/2 overflowed for |u| > 1.3e154: +inf at x = 700
    k = sf.Flow(
        sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.Transform(sp.asinh(z), z)]
    ).compile()
    xs = np.array([400.0, 700.0])

    def logp(v):  # z0 = log(sinh x), log|dz0/dx| = log(coth x)
        return lphi(mp.log(mp.sinh(v))) + mp.log(mp.cosh(v) / mp.sinh(v))

    np.testing.assert_allclose(k.log_prob(xs), reference(logp, xs), rtol=1e-12)


@pytest.mark.parametrize(
    ("base", "exprs", "point"),
    [
        # float(asinh(1)) is 2.3e-17 above the support's edge asinh(1): sinh(x) rounds to
        # 1, but the kernel takes z_1 = log(sinh x) as log1p of the distance to the edge
        pytest.param(
            sf.Exponential(1),
            [z**3, sp.exp(z), sp.asinh(z)],
            float(sp.asinh(1)),
            id="edge-rounding",
        ),
        # x = 5e-324: exp(x) rounds to 1; the kernel cancels log(exp(x)) = x exactly
        pytest.param(sf.Exponential(1), [z**3, sp.exp(z), sp.log(z)], 5e-324, id="subnormal"),
    ],
)
def test_log_prob_is_not_plus_inf_where_the_density_is_finite(base, exprs, point) -> None:
    k = sf.Flow(base, [sf.Transform(e, z) for e in exprs]).compile()
    assert np.isfinite(k.log_prob(point))


@pytest.mark.parametrize(
    ("exprs", "point"),
    [([z**3], 0.0), ([z**5, 2 * z + 1], 1.0)],
    ids=["cube-at-0", "fifth-then-affine"],
)
def test_density_is_infinite_at_the_image_of_a_stationary_point(exprs, point) -> None:
    # x = z**3 on N(0, 1): p(x) = phi(x^(1/3)) / (3 |x|^(2/3)), which is +inf at x = 0
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(e, z) for e in exprs])
    assert np.isposinf(flow.compile().log_prob(point))
    assert [float(p) for p in flow.program.singular_points] == [point]


# -- values outside the support, NaN, shapes -----------------------------------------

OUTSIDE = [
    ("normal-exp", [-1.0, -1e-300, 0.0, np.inf, -np.inf]),
    ("uniform-neglog", [-2.0, 0.0, np.inf]),
    ("normal-chain3", [0.0, 1.0, -5.0, np.inf]),
    ("normal-sigmoid", [0.0, 1.0, -0.5, 1.5, np.inf, -np.inf]),
    ("normal-2z+3", [np.inf, -np.inf]),
    ("normal-sinh", [np.inf, -np.inf]),
]


def with_bugs(cases, bugs: dict):
    """Cases as pytest.param with readable ids, the ones in ``bugs`` marked."""
    return [pytest.param(*c, id=c[0], marks=bugs.get(c[0], ())) for c in cases]


@pytest.mark.parametrize(("name", "points"), with_bugs(OUTSIDE, {}))
def test_minus_inf_outside_the_support_and_nan_for_nan(flows, name, points) -> None:
    k = flows.kernels(name)
    assert np.all(np.isneginf(k.log_prob(points)))
    assert np.all(k.prob(points) == 0.0)
    out = k.log_prob([np.nan, 0.5 if name != "normal-chain3" else 2.0, np.nan])
    assert np.isnan(out[0]) and np.isnan(out[2]) and np.isfinite(out[1])


def test_shapes_scalar_in_scalar_out(flows) -> None:
    k = flows.kernels("normal-exp")
    assert k.log_prob(np.linspace(0.1, 3, 7)).shape == (7,)
    assert k.log_prob([1.0, 2.0]).shape == (2,)
    assert k.log_prob(np.array([])).shape == (0,)
    scalar = k.log_prob(1.0)
    assert np.ndim(scalar) == 0
    assert float(scalar) == pytest.approx(stats.lognorm(s=1).logpdf(1.0), rel=1e-14)
    assert np.ndim(k.prob(np.float64(2.0))) == 0
    assert k.log_prob(np.arange(1, 4)).dtype == np.float64  # integers are accepted


def test_two_dimensional_points_are_refused(flows) -> None:
    k = flows.kernels("normal-exp")
    with pytest.raises(sf.ParameterError, match=r"Expected a 1-D array .* got shape \(2, 2\)"):
        k.log_prob(np.ones((2, 2)))


def test_prob_is_exp_of_log_prob(flows) -> None:
    k = flows.kernels("normal-sinh")
    xs = np.linspace(-50, 50, 101)
    np.testing.assert_allclose(k.prob(xs), np.exp(k.log_prob(xs)), rtol=1e-15)


# -- scalar entry points and the visible source ------------------------------------


def test_source_is_visible_and_has_scalar_entry_points(flows) -> None:
    k = flows.kernels("normal-exp")
    assert isinstance(k.source, str)
    for name in ("def log_prob_1", "def prob_1", "def forward_1", "def inverse_1"):
        assert name in k.source
    assert k.log_prob_1(1.0) == pytest.approx(stats.lognorm(s=1).logpdf(1.0), rel=1e-14)
    assert k.prob_1(1.0) == pytest.approx(stats.lognorm(s=1).pdf(1.0), rel=1e-14)


def test_scalar_entry_point_is_callable_from_user_numba_code(flows) -> None:
    from numba import njit

    log_prob_1 = flows.kernels("normal-2z+3").log_prob_1

    @njit
    def total(xs):
        acc = 0.0
        for v in xs:
            acc += log_prob_1(v)
        return acc

    xs = np.linspace(-3, 9, 13)
    assert total(xs) == pytest.approx(stats.norm(3, 2).logpdf(xs).sum(), rel=1e-13)


def test_generated_source_is_deterministic(flows) -> None:
    program = flows.flow("normal-chain3").program
    assert generate_source(program) == generate_source(program)


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYMFLOW_CACHE_DIR", str(tmp_path / "kernels"))
    assert cache_dir() == tmp_path / "kernels"
    assert cache_dir().is_dir()


def test_untranslatable_function_is_a_compile_error_naming_it() -> None:
    # the sine integral is increasing on (0, 1) (Si' = sin(z)/z > 0), but neither it nor
    # its inverse has a numba translation
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.Si(z), z)])
    with pytest.raises(sf.CompileError, match=r"Si.*register\('Si'"):
        X.compile()


# -- sampling -------------------------------------------------------------------------

SAMPLING = [
    ("normal-exp", stats.lognorm(s=1)),
    ("normal-2z+3", stats.norm(3, 2)),
    ("uniform-neglog", stats.expon()),
    ("normal-chain3", stats.lognorm(s=0.5, loc=1, scale=2 * np.e)),
    ("normal-square", stats.chi2(1)),
]


@pytest.mark.parametrize(("name", "ref"), SAMPLING, ids=[c[0] for c in SAMPLING])
def test_samples_follow_the_scipy_distribution(flows, name, ref) -> None:
    draws = flows.kernels(name).sample(5000, seed=11)
    assert draws.shape == (5000,)
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3


def test_sampling_is_reproducible_with_a_seed(flows) -> None:
    k = flows.kernels("normal-sinh")
    np.testing.assert_array_equal(k.sample(100, seed=3), k.sample(100, seed=3))
    assert not np.array_equal(k.sample(100, seed=3), k.sample(100, seed=4))
    assert k.sample(0, seed=1).shape == (0,)
    assert k.sample(10).shape == (10,)  # no seed: fresh randomness
    np.testing.assert_array_equal(
        flows.flow("normal-sinh").sample(50, seed=9), k.sample(50, seed=9)
    )


@pytest.mark.parametrize("n", [-1, 2.5, "3"], ids=["negative", "fraction", "string"])
def test_bad_sample_size_is_a_clear_error(flows, n) -> None:
    with pytest.raises(sf.ParameterError, match="n must be a non-negative integer"):
        flows.kernels("normal-exp").sample(n)


BIJECTIONS = [
    "normal-exp",
    "normal-2z+3",
    "normal-sinh",
    "normal-asinh",
    "normal-sigmoid",
    "normal-cube",
    "normal-chain3",
]


@pytest.mark.parametrize("name", BIJECTIONS)
def test_inverse_undoes_forward(flows, name) -> None:
    k = flows.kernels(name)
    zs = np.random.default_rng(2).normal(size=1000) * 2
    np.testing.assert_allclose(k.inverse(k.forward(zs)), zs, rtol=1e-9, atol=1e-12)


# -- parameters as keyword arguments -------------------------------------------------

mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


@pytest.fixture(scope="module")
def lognormal_kernels():
    return sf.Flow(sf.Normal(mu, sigma), [sf.Transform(sp.exp(z), z)]).compile()


def test_parameters_are_keyword_arguments(lognormal_kernels) -> None:
    k = lognormal_kernels
    assert k.parameters == ("mu", "sigma")
    xs = np.geomspace(1e-3, 1e3, 25)
    ref = stats.lognorm(s=0.7, scale=np.exp(1.5))
    np.testing.assert_allclose(k.log_prob(xs, mu=1.5, sigma=0.7), ref.logpdf(xs), rtol=1e-12)
    draws = k.sample(4000, seed=1, mu=1.5, sigma=0.7)
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3


def test_parameters_broadcast_against_points(lognormal_kernels) -> None:
    k = lognormal_kernels
    mus = np.array([0.0, 1.0, 2.0])
    got = k.log_prob(2.0, mu=mus, sigma=1.0)
    assert got.shape == (3,)
    np.testing.assert_allclose(got, stats.lognorm(s=1, scale=np.exp(mus)).logpdf(2.0), rtol=1e-12)


PARAMETER_ERRORS = [
    ("missing", {"mu": 1.0}, r"Missing value for parameter sigma"),
    (
        "unknown",
        {"mu": 1.0, "sigma": 1.0, "tau": 2.0},
        r"Unknown parameter tau; this flow's parameters are: mu, sigma",
    ),
    ("no-broadcast", {"mu": np.zeros(3), "sigma": 1.0}, r"do not broadcast"),
]


@pytest.mark.parametrize(
    ("params", "match"), [c[1:] for c in PARAMETER_ERRORS], ids=[c[0] for c in PARAMETER_ERRORS]
)
def test_bad_parameters_are_clear_errors(lognormal_kernels, params, match) -> None:
    with pytest.raises(sf.ParameterError, match=match):
        lognormal_kernels.log_prob(np.ones(4), **params)


def test_sampling_refuses_array_parameters(lognormal_kernels) -> None:
    with pytest.raises(sf.ParameterError, match="one value per parameter"):
        lognormal_kernels.sample(10, seed=0, mu=np.zeros(2), sigma=1.0)


# -- long arrays are split over threads -----------------------------------------------


def _split_always(monkeypatch) -> list[int]:
    """Split every long call over threads, and record how many were used."""
    from symflow.codegen import native

    used: list[int] = []
    run_blocks = native.run_blocks

    def spy(function, x, out, columns, threads):
        used.append(threads)
        return run_blocks(function, x, out, columns, threads)

    monkeypatch.setattr(native, "PARALLEL_SECONDS", 0.0)
    monkeypatch.setattr(native, "run_blocks", spy)
    return used


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_long_arrays_split_over_threads_keep_every_point_in_place(
    lognormal_kernels, monkeypatch, threads
) -> None:
    """Blocks of rows go to threads with offset pointers into the points, the output and
    every parameter column: each point's value must stay with its own parameters."""
    used = _split_always(monkeypatch)
    monkeypatch.setenv("SYMFLOW_NUM_THREADS", threads)
    rng = np.random.default_rng(7)
    n = 70_001  # not a multiple of the thread count
    mus = rng.uniform(-1, 1, n)
    sigmas = rng.uniform(0.5, 2, n)
    xs = rng.lognormal(size=n)
    got = lognormal_kernels.log_prob(xs, mu=mus, sigma=sigmas)
    want = stats.lognorm(s=sigmas, scale=np.exp(mus)).logpdf(xs)
    # absolute slack where log p crosses zero (a few 1e-16 of cancellation in both)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    draws = lognormal_kernels.sample(n, seed=3, mu=0.2, sigma=0.5)
    assert stats.kstest(draws, stats.lognorm(s=0.5, scale=np.exp(0.2)).cdf).pvalue > 1e-4
    assert set(used) == {min(int(threads), len(os.sched_getaffinity(0)))}  # capped at the CPUs


def test_long_arrays_of_vector_points_split_over_threads(monkeypatch) -> None:
    used = _split_always(monkeypatch)
    monkeypatch.setenv("SYMFLOW_NUM_THREADS", "2")
    z1, z2 = sp.symbols("z1 z2", real=True)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    X = sf.Flow(
        sf.MultivariateNormal([0, 0], [[1, 0], [0, 1]]),
        [
            sf.Transform(
                [sp.sqrt(2) * z1, sp.Rational(3, 10) * sp.sqrt(2) * z1 + sp.sqrt(0.82) * z2],
                [z1, z2],
            )
        ],
    )
    k = X.compile()
    xs = np.random.default_rng(2).normal(size=(50_001, 2))
    want = stats.multivariate_normal([0, 0], cov).logpdf(xs)
    np.testing.assert_allclose(k.log_prob(xs), want, rtol=1e-11)
    back = k.inverse(xs)
    assert back.shape == xs.shape
    L = np.linalg.cholesky(cov)
    np.testing.assert_allclose(back, np.linalg.solve(L, xs.T).T, rtol=1e-10, atol=1e-12)
    assert set(used) == {2}


# -- writing into the caller's array ---------------------------------------------------


def test_log_prob_and_prob_write_into_out(lognormal_kernels, flows) -> None:
    xs = np.geomspace(1e-3, 1e3, 7)
    ref = stats.lognorm(s=0.7, scale=np.exp(1.5))
    out = np.full(7, 123.0)
    got = lognormal_kernels.log_prob(xs, out=out, mu=1.5, sigma=0.7)
    assert got is out
    np.testing.assert_allclose(out, ref.logpdf(xs), rtol=1e-12)
    k = flows.kernels("normal-exp")
    grid = np.full(3, 0.5)
    box = np.empty(3)
    assert k.prob(grid, out=box) is box
    np.testing.assert_allclose(box, stats.lognorm(s=1).pdf(grid), rtol=1e-12)


@pytest.mark.parametrize(
    "out, message",
    [
        (np.empty(6), r"shape \(7,\)"),
        (np.empty(7, dtype=np.float32), r"float64 array of shape \(7,\) .*; got ndarray .*float32"),
        (np.empty(14)[::2], r"C-contiguous"),
        ([0.0] * 7, r"got list"),
    ],
)
def test_out_that_cannot_take_the_result_is_refused_before_any_work(flows, out, message) -> None:
    k = flows.kernels("normal-exp")
    before = np.array(out, copy=True) if isinstance(out, np.ndarray) else None
    with pytest.raises(sf.ParameterError, match=message):
        k.log_prob(np.linspace(0.1, 3, 7), out=out)
    if before is not None:
        np.testing.assert_array_equal(np.asarray(out), before)  # nothing written


def test_a_parameter_named_out_is_refused_at_compile() -> None:
    out = sp.Symbol("out", positive=True)
    with pytest.raises(sf.ParameterError, match="may not be named 'out'"):
        sf.Flow(sf.Normal(0, out), [sf.Transform(sp.exp(z), z)]).compile()


def _log_prob_in_child(k, xs, queue) -> None:
    queue.put(k.log_prob(xs))


def test_threads_work_in_a_forked_child_after_the_parent_used_them(monkeypatch) -> None:
    import multiprocessing

    from symflow.codegen import native

    monkeypatch.setattr(native, "PARALLEL_SECONDS", 0.0)
    monkeypatch.setenv("SYMFLOW_NUM_THREADS", "2")
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
    xs = np.random.default_rng(5).lognormal(size=50_000)
    want = stats.lognorm(s=1).logpdf(xs)
    np.testing.assert_allclose(k.log_prob(xs), want, rtol=1e-12, atol=1e-14)  # pool started
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_log_prob_in_child, args=(k, xs, queue), daemon=True)
    child.start()
    got = queue.get(timeout=120)  # the inherited pool has no threads: this would hang
    child.join(timeout=60)
    assert child.exitcode == 0
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_scalar_parameters_allocate_nothing_but_the_output(lognormal_kernels) -> None:
    """Scalar parameters go to the loop as numbers: no column of n copies is made."""
    import tracemalloc

    xs = np.random.default_rng(1).lognormal(size=200_000)
    lognormal_kernels.log_prob(xs[:10], mu=0.1, sigma=2.0)  # loaded before tracing
    tracemalloc.start()
    try:
        got = lognormal_kernels.log_prob(xs, mu=0.1, sigma=2.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= got.nbytes + 64 * 1024
    np.testing.assert_allclose(
        got, stats.lognorm(s=2.0, scale=np.exp(0.1)).logpdf(xs), rtol=1e-12, atol=1e-14
    )
