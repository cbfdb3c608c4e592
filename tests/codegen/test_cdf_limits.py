"""A limit at a support edge that SymPy gives as a range of values (AccumBounds: atan(zoo)
when log(0) is substituted) is not an end value: the CDF kernels use the one-sided limit,
and the printer refuses a range or zoo instead of printing nan (mpmath at 50 digits as the
oracle)."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.printer import KernelPrinter
from symflow.core.intervals import endpoint_value

z = sp.Symbol("z", real=True)
TINY = np.array([5e-324, 1e-300, 1e-100, 1e-5, 0.5, 1.0, 2.0, 1e5, 1e100, 1e300, 1.7e308])
LEVELS = np.array([1e-6, 1e-5, 1e-3, 0.3, 0.5, 0.9, 1 - 1e-5, 1 - 1e-6])


@pytest.fixture(scope="module")
def kernels():
    # x = exp(tan(πz − π/2)/1000), z ~ U(0, 1): F(x) = (atan(1000 log x) + π/2)/π on (0, oo)
    expr = sp.exp(sp.tan(sp.pi * z - sp.pi / 2) / 1000)
    return sf.Flow(sf.Uniform(0, 1), [sf.Transform(expr, z)]).compile()


def _oracle(fn, points) -> np.ndarray:
    with mp.workdps(50):
        return np.array([float(fn(mp.mpf(float(p)))) for p in points])


def test_cdf_and_sf_at_the_edge_where_the_limit_is_accumbounds(kernels) -> None:
    cdf = _oracle(lambda x: (mp.atan(1000 * mp.log(x)) + mp.pi / 2) / mp.pi, TINY)
    sf_ = _oracle(lambda x: (mp.pi / 2 - mp.atan(1000 * mp.log(x))) / mp.pi, TINY)
    np.testing.assert_allclose(kernels.cdf(TINY), cdf, rtol=1e-13, atol=0)
    np.testing.assert_allclose(kernels.sf(TINY), sf_, rtol=1e-13, atol=0)
    assert list(kernels.cdf(np.array([-1.0, 0.0, np.inf]))) == [0.0, 0.0, 1.0]
    assert list(kernels.sf(np.array([-1.0, 0.0, np.inf]))) == [1.0, 1.0, 0.0]


def test_quantile_and_isf_far_into_both_tails(kernels) -> None:
    # Q(u) = exp(−cot(πu)/1000): condition number 1/(1000πu) ≤ 320 on these levels
    q = _oracle(lambda u: mp.exp(-mp.cot(mp.pi * u) / 1000), LEVELS)
    isf = _oracle(lambda u: mp.exp(mp.cot(mp.pi * u) / 1000), LEVELS)
    np.testing.assert_allclose(kernels.quantile(LEVELS), q, rtol=1e-12, atol=0)
    np.testing.assert_allclose(kernels.isf(LEVELS), isf, rtol=1e-12, atol=0)
    # exp(−cot(π·1e-300)/1000) underflows to 0, and its mirror overflows
    assert kernels.quantile(np.array([1e-300]))[0] == 0.0
    assert kernels.isf(np.array([1e-300]))[0] == np.inf


def test_an_end_value_is_the_one_sided_limit_not_a_range() -> None:
    t = sp.Symbol("t", positive=True)
    inverse = (sp.atan(1000 * sp.log(t)) + sp.pi / 2) / sp.pi
    assert inverse.subs(t, 0).has(sp.AccumBounds)  # what substituting gives
    assert endpoint_value(inverse, t, sp.Integer(0), "+") == 0


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (sp.AccumBounds(-1, 1) * sp.Symbol("y"), r"contains AccumBounds\(-1, 1\), a range of"),
        (sp.zoo + sp.Symbol("y"), r"contains zoo \(SymPy's complex infinity"),
    ],
    ids=["accumbounds", "zoo"],
)
def test_the_printer_refuses_what_is_not_a_number(expr, match) -> None:
    with pytest.raises(sf.CompileError, match=match):
        KernelPrinter().doprint(expr)


def test_the_mass_beyond_x_next_to_an_interior_end_of_a_path() -> None:
    # sin z on U(0, π): two paths meet at z = π/2, x = 1; S(x) = 2·acos(x)/π, which the
    # width π/2 − asin(x) of each path loses to cancellation as x -> 1
    k = sf.Flow(sf.Uniform(0, sp.pi), [sf.Transform(sp.sin(z), z)]).compile()
    xs = np.array([0.5, 1 - 1e-8, 1 - 1e-12, 1 - 2**-52, 1 - 2**-53])
    want = _oracle(lambda x: 2 * mp.acos(x) / mp.pi, xs)
    np.testing.assert_allclose(k.sf(xs), want, rtol=1e-14, atol=0)


def test_the_mass_below_x_next_to_a_finite_end_of_the_base() -> None:
    # atan(1/z) on U(0, 1) decreases from π/2 to π/4: F(x) = P(z > cot x) = 1 − cot(x),
    # which cancels as x -> π/4 unless written from that end
    k = sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.atan(1 / z), z)]).compile()
    quarter = float(np.nextafter(np.pi / 4, 1))  # the first float inside (π/4, π/2)
    xs = np.array([quarter, quarter + 1e-15, np.pi / 4 + 1e-12, np.pi / 4 + 1e-8, 1.0, 1.5])
    want = _oracle(lambda x: 1 - mp.cot(x), xs)
    np.testing.assert_allclose(k.cdf(xs), want, rtol=1e-14, atol=0)
    assert k.cdf(np.array([np.pi / 4]))[0] == 0.0  # the float π/4 is below π/4


@pytest.mark.parametrize(
    ("parent", "lo", "hi", "parent_cdf"),
    [
        (sf.Normal(0, 1), 1, 2, mp.ncdf),
        (sf.Exponential(1), 1, 3, lambda v: 1 - mp.exp(-v)),
    ],
)
def test_cdf_and_sf_next_to_the_cut_points_of_a_truncated_base(parent, lo, hi, parent_cdf):
    """x = log((z − a)/(b − z)) on Z truncated to (a, b): F(x) = P(a < Z < a + σ(x)(b − a))/m
    and S(x) = P(b − σ(−x)(b − a) < Z < b)/m, against mpmath (first order in the width
    where it is below 1e-40). F_Z(z) = (F(z) − F(a))/m cancelled (0 from x ≈ −37), and
    z next to b rounded onto b (S = 0 from x ≈ 37)."""
    k = sf.Flow(sf.Truncated(parent, lo, hi), [sf.Transform(sp.log((z - lo) / (hi - z)), z)])
    k = k.compile()
    with mp.workdps(60):
        m = parent_cdf(hi) - parent_cdf(lo)
        for x in (-700.0, -40.0, -3.0, 2.0, 30.0, 40.0, 700.0):
            near_lo = (hi - lo) / (1 + mp.exp(-mp.mpf(x)))
            near_hi = (hi - lo) / (1 + mp.exp(mp.mpf(x)))
            if x < 0:
                small = near_lo < mp.mpf(10) ** -40
                truth = mp.diff(parent_cdf, lo) * near_lo if small else None
                truth = (truth or parent_cdf(lo + near_lo) - parent_cdf(lo)) / m
                got = float(k.cdf(np.array([x]))[0])
            else:
                small = near_hi < mp.mpf(10) ** -40
                truth = mp.diff(parent_cdf, hi) * near_hi if small else None
                truth = (truth or parent_cdf(hi) - parent_cdf(hi - near_hi)) / m
                got = float(k.sf(np.array([x]))[0])
            assert got == pytest.approx(float(truth), rel=1e-13, abs=0.0), x
