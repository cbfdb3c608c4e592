"""SIMD elementary functions against mpmath: ≤ 2 ulp everywhere, C99 special values, SIMD code.

Each function is evaluated through a vectorised numba loop (the way kernels call it) on
random bit patterns over the whole float64 range, log-uniform magnitudes from the
subnormals to the overflow threshold, and a dense uniform sample of its interesting
range; the reference is mpmath at 60 digits, rounded and compared in units of the float64
spacing at the true value (subnormal spacing 2^-1074 below 2^-1022).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from symflow.codegen import simdmath as sm
from symflow.codegen.printer import SIMD_FUNCTIONS

# -- oracles ------------------------------------------------------------------------------


def _nan_outside(lo, hi, f):
    return lambda v: f(v) if lo <= v <= hi else mp.nan


REFERENCES = {
    "simd_log": _nan_outside(0, mp.inf, lambda v: mp.log(v) if v else -mp.inf),
    "simd_log1p": _nan_outside(-1, mp.inf, lambda v: mp.log1p(v) if v != -1 else -mp.inf),
    "simd_exp": mp.exp,
    "simd_expm1": mp.expm1,
    "simd_sinh": mp.sinh,
    "simd_cosh": mp.cosh,
    "simd_tanh": mp.tanh,
    "simd_asinh": mp.asinh,
    "simd_acosh": _nan_outside(1, mp.inf, mp.acosh),
    "simd_atanh": _nan_outside(
        -1, 1, lambda v: mp.atanh(v) if abs(v) != 1 else mp.sign(v) * mp.inf
    ),
    "simd_atan": mp.atan,
    "simd_softplus": lambda v: mp.log1p(mp.exp(v)),
    "simd_sigmoid": lambda v: 1 / (1 + mp.exp(-v)),
    # log cosh v = log1p(cosh v - 1) with cosh v - 1 = 2 sinh(v/2)^2 free of cancellation
    "simd_logcosh": lambda v: mp.log1p(2 * mp.sinh(v / 2) ** 2),
    "simd_log1p_sq": lambda v: mp.log1p(v * v) / 2,
    "simd_hypot1": lambda v: mp.sqrt(1 + v * v),
    "simd_logsinh": _nan_outside(0, mp.inf, lambda v: mp.log(mp.sinh(v)) if v else -mp.inf),
}

#: the range where each function is neither constant nor overflowing (dense sample)
CORE = {
    "simd_log": (0.0, 4.0),
    "simd_log1p": (-1.0, 4.0),
    "simd_exp": (-746.0, 710.0),
    "simd_expm1": (-3.0, 3.0),
    "simd_sinh": (-3.0, 3.0),
    "simd_cosh": (-3.0, 3.0),
    "simd_tanh": (-2.0, 2.0),
    "simd_asinh": (-4.0, 4.0),
    "simd_acosh": (1.0, 4.0),
    "simd_atanh": (-1.0, 1.0),
    "simd_atan": (-4.0, 4.0),
    "simd_softplus": (-5.0, 5.0),
    "simd_sigmoid": (-40.0, 40.0),
    "simd_logcosh": (-3.0, 3.0),
    "simd_log1p_sq": (-3.0, 3.0),
    "simd_hypot1": (-3.0, 3.0),
    "simd_logsinh": (0.0, 3.0),
}
#: ulp bounds other than 2 (logsinh: one product more next to asinh 1, where it is 0)
ULPS = {"simd_logsinh": 4.0}
NAMES = list(REFERENCES)
assert set(NAMES) == set(SIMD_FUNCTIONS.values())


def _loop(function):
    @njit(error_model="numpy")
    def loop(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = function(x[i])
        return out

    return loop


@pytest.fixture(scope="module")
def loops():
    return {name: _loop(getattr(sm, name)) for name in NAMES}


def _ulps(y: float, ref: mp.mpf) -> float:
    """|y - ref| in units of the float64 spacing at ref (0 for matching nan/inf)."""
    if mp.isnan(ref):
        return 0.0 if math.isnan(y) else math.inf
    r = float(ref)  # correctly rounded
    if math.isinf(r):
        # true value beyond the largest float: inf, or the largest float, are both fine
        return 0.0 if y == r or abs(y) == 1.7976931348623157e308 else math.inf
    if math.isnan(y) or math.isinf(y):
        return math.inf
    if r == 0.0:
        spacing = 2.0**-1074
    else:
        exponent = math.frexp(r)[1]
        if abs(ref) < abs(r) and abs(r) == 2.0 ** (exponent - 1):  # ref rounded up to 2^e
            exponent -= 1
        spacing = max(2.0 ** (exponent - 53), 2.0**-1074)
    return float(abs(mp.mpf(y) - ref) / spacing)


def _sample(name: str, rng: np.random.Generator, n: int) -> np.ndarray:
    bits = rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)
    bits = bits[np.isfinite(bits)]
    magnitudes = np.exp(rng.uniform(math.log(1e-320), math.log(1.7e308), n))
    signed = magnitudes * rng.choice([-1.0, 1.0], n)
    lo, hi = CORE[name]
    return np.concatenate([bits, signed, rng.uniform(lo, hi, 2 * n)])


# -- accuracy ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_at_most_2_ulp_against_mpmath(name, loops):
    rng = np.random.default_rng(sum(map(ord, name)))
    xs = _sample(name, rng, 700)
    ys = loops[name](xs)
    reference = REFERENCES[name]
    worst, where = 0.0, None
    with mp.workdps(60):
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            err = _ulps(y, reference(mp.mpf(x)))
            if err > worst:
                worst, where = err, (x, y)
    bound = ULPS.get(name, 2.0)
    assert worst <= bound, f"{name}: {worst:.3f} ulp at x={where[0]!r} (got {where[1]!r})"


def test_exp_is_correctly_rounded_on_most_points(loops):
    """A sharper statistical check of the core: e^x correctly rounded on ≥ 97 % of points."""
    xs = np.random.default_rng(7).uniform(-700.0, 700.0, 2000)
    ys = loops["simd_exp"](xs)
    with mp.workdps(40):
        exact = [float(mp.exp(mp.mpf(x))) for x in xs.tolist()]
    assert np.mean(ys == np.array(exact)) >= 0.97


def test_gradual_underflow_of_exp(loops):
    """e^x for x in the subnormal range keeps the subnormal spacing (≤ 1 ulp of 2^-1074)."""
    xs = np.linspace(-745.2, -708.4, 501)
    ys = loops["simd_exp"](xs)
    with mp.workdps(40):
        worst = max(
            _ulps(y, mp.exp(mp.mpf(x))) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        )
    assert worst <= 1.0
    assert 0.0 < ys[1] < 2.2250738585072014e-308


def test_log_of_every_subnormal_binade(loops):
    xs = np.ldexp(1.0 + np.random.default_rng(3).random(1074), -np.arange(1023, 2097) // 2)
    xs = xs[xs > 0]
    ys = loops["simd_log"](xs)
    with mp.workdps(40):
        worst = max(
            _ulps(y, mp.log(mp.mpf(x))) for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        )
    assert worst <= 1.0


# -- special values -----------------------------------------------------------------------

INF, NAN = math.inf, math.nan
TINY = 5e-324
SPECIAL = [
    ("simd_log", 0.0, -INF),
    ("simd_log", -0.0, -INF),
    ("simd_log", -1.0, NAN),
    ("simd_log", -INF, NAN),
    ("simd_log", INF, INF),
    ("simd_log", NAN, NAN),
    ("simd_log", 1.0, 0.0),
    ("simd_log", TINY, -744.4400719213812),
    ("simd_log1p", -1.0, -INF),
    ("simd_log1p", -1.5, NAN),
    ("simd_log1p", -0.0, -0.0),
    ("simd_log1p", TINY, TINY),
    ("simd_log1p", INF, INF),
    ("simd_log1p", NAN, NAN),
    ("simd_exp", -INF, 0.0),
    ("simd_exp", INF, INF),
    ("simd_exp", NAN, NAN),
    ("simd_exp", -0.0, 1.0),
    ("simd_exp", 709.8, INF),
    ("simd_exp", -745.2, 0.0),
    ("simd_exp", -745.0, TINY),
    ("simd_expm1", -0.0, -0.0),
    ("simd_expm1", -TINY, -TINY),
    ("simd_expm1", -INF, -1.0),
    ("simd_expm1", INF, INF),
    ("simd_expm1", NAN, NAN),
    ("simd_expm1", 710.0, INF),
    ("simd_sinh", -0.0, -0.0),
    ("simd_sinh", -INF, -INF),
    ("simd_sinh", 710.4, 1.0),  # finite: ≈ 1.1e308 (checked below)
    ("simd_sinh", 710.5, INF),
    ("simd_sinh", NAN, NAN),
    ("simd_cosh", -0.0, 1.0),
    ("simd_cosh", -INF, INF),
    ("simd_cosh", NAN, NAN),
    ("simd_tanh", -0.0, -0.0),
    ("simd_tanh", INF, 1.0),
    ("simd_tanh", -INF, -1.0),
    ("simd_tanh", -TINY, -TINY),
    ("simd_tanh", NAN, NAN),
    ("simd_asinh", -0.0, -0.0),
    ("simd_asinh", -INF, -INF),
    ("simd_asinh", NAN, NAN),
    ("simd_asinh", 1.7976931348623157e308, 710.475860073944),
    ("simd_acosh", 1.0, 0.0),
    ("simd_acosh", 0.999, NAN),
    ("simd_acosh", -INF, NAN),
    ("simd_acosh", INF, INF),
    ("simd_acosh", NAN, NAN),
    ("simd_atanh", 1.0, INF),
    ("simd_atanh", -1.0, -INF),
    ("simd_atanh", 1.5, NAN),
    ("simd_atanh", -0.0, -0.0),
    ("simd_atanh", NAN, NAN),
    ("simd_atan", -0.0, -0.0),
    ("simd_atan", INF, math.pi / 2),
    ("simd_atan", -INF, -math.pi / 2),
    ("simd_atan", NAN, NAN),
    ("simd_softplus", INF, INF),
    ("simd_softplus", -INF, 0.0),
    ("simd_softplus", 800.0, 800.0),
    ("simd_softplus", -800.0, 0.0),
    ("simd_softplus", NAN, NAN),
    ("simd_sigmoid", INF, 1.0),
    ("simd_sigmoid", -INF, 0.0),
    ("simd_sigmoid", -800.0, 0.0),
    ("simd_sigmoid", 40.0, 1.0),
    ("simd_sigmoid", NAN, NAN),
    ("simd_logcosh", INF, INF),
    ("simd_logcosh", -INF, INF),
    ("simd_logcosh", -0.0, 0.0),
    ("simd_logcosh", 1e300, 1e300),
    ("simd_logcosh", NAN, NAN),
    ("simd_log1p_sq", 1e300, 690.7755278982137),
    ("simd_log1p_sq", -1.7976931348623157e308, 709.782712893384),
    ("simd_log1p_sq", -INF, INF),
    ("simd_log1p_sq", 0.0, 0.0),
    ("simd_log1p_sq", NAN, NAN),
    ("simd_hypot1", 1e300, 1e300),
    ("simd_hypot1", -1.7976931348623157e308, 1.7976931348623157e308),
    ("simd_hypot1", 134217728.0, 134217728.0),
    ("simd_hypot1", -INF, INF),
    ("simd_hypot1", -0.0, 1.0),
    ("simd_hypot1", NAN, NAN),
    ("simd_logsinh", 0.0, -INF),
    ("simd_logsinh", -1.0, NAN),
    ("simd_logsinh", INF, INF),
    ("simd_logsinh", 1e300, 1e300),
    ("simd_logsinh", 1.7976931348623157e308, 1.7976931348623157e308),
    ("simd_logsinh", NAN, NAN),
]


@pytest.mark.parametrize(
    ("name", "x", "expected"), SPECIAL, ids=[f"{n[5:]}({x!r})" for n, x, _ in SPECIAL]
)
def test_special_values(name, x, expected, loops):
    y = float(loops[name](np.array([x]))[0])
    if name == "simd_sinh" and x == 710.4:
        assert 1e308 < y < INF
    elif math.isnan(expected):
        assert math.isnan(y)
    else:
        assert y == expected
        assert math.copysign(1.0, y) == math.copysign(1.0, expected), "sign of zero"


@pytest.mark.parametrize(
    "name", ["simd_sinh", "simd_tanh", "simd_asinh", "simd_atanh", "simd_atan"]
)
def test_odd_functions_are_exactly_odd(name, loops):
    xs = np.random.default_rng(1).standard_normal(1000) * 3
    xs = xs[np.abs(xs) < 0.99] if name == "simd_atanh" else xs
    f = loops[name]
    np.testing.assert_array_equal(f(-xs), -f(xs))


def test_scalar_calls_equal_the_vectorised_loop(loops):
    xs = np.random.default_rng(2).uniform(0.1, 5.0, 64)
    for name in NAMES:
        scalar = np.array([getattr(sm, name)(x) for x in xs])
        np.testing.assert_array_equal(scalar, loops[name](xs), err_msg=name)


def test_logaddexp_against_mpmath():
    @njit(error_model="numpy")
    def loop(a, b):
        out = np.empty_like(a)
        for i in range(a.shape[0]):
            out[i] = sm.simd_logaddexp(a[i], b[i])
        return out

    rng = np.random.default_rng(11)
    a = rng.uniform(-800, 800, 400)
    b = a + rng.standard_normal(400) * rng.choice([1e-8, 1.0, 50.0], 400)
    got = loop(a, b)
    with mp.workdps(40):
        for x, y, g in zip(a.tolist(), b.tolist(), got.tolist(), strict=True):
            ref = mp.log(mp.exp(mp.mpf(x)) + mp.exp(mp.mpf(y)))
            assert _ulps(g, ref) <= 2.0, (x, y, g)
    special = loop(np.array([-INF, 2.0, -INF, INF, NAN]), np.array([3.0, -INF, -INF, INF, 1.0]))
    assert special[:4].tolist() == [3.0, 2.0, -INF, INF] and math.isnan(special[4])


# -- code generation ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["simd_log", "simd_exp", "simd_log1p", "simd_expm1", "simd_sinh"])
def test_loops_are_vectorised_without_calls(name):
    report = sm.vectorised(getattr(sm, name))
    assert report == {"vector_ir": True, "packed_asm": True, "no_calls": True}, report


def test_the_libm_loop_is_not_vectorised():
    """The check can fail: a loop over math.log keeps its libm calls."""
    assert sm.vectorised(math.log)["no_calls"] is False


def test_non_float_arguments_are_refused():
    with pytest.raises(TypingError, match="simd_log"):
        sm.simd_log("2.0")
