"""Non-monotone and piecewise transforms: densities summed over branches.

p_X(x) = sum_b p_Z(g_b(x)) |g_b'(x)| [x in f(piece_b)], checked against scipy.stats or
the textbook density written by hand, at points inside and outside the support, plus the
critical points and poles themselves (where the kernels must return -inf).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

import symflow as sf

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
OPEN = sp.Interval.open
R_MINUS_0 = sp.Union(OPEN(-sp.oo, 0), OPEN(0, sp.oo))


def log_phi(v):
    return -0.5 * np.square(v) - LOG_SQRT_2PI


class Textbook:
    """A density written by hand: logpdf(x) as a NumPy function, -inf off ``support``."""

    def __init__(self, logpdf, inside):
        self._logpdf = logpdf
        self._inside = inside

    def logpdf(self, xs):
        xs = np.asarray(xs, dtype=float)
        with np.errstate(all="ignore"):
            out = self._logpdf(xs)
        return np.where(self._inside(xs), out, -np.inf)

    def pdf(self, xs):
        return np.exp(self.logpdf(xs))


RECIPROCAL = Textbook(lambda v: log_phi(1 / v) - 2 * np.log(np.abs(v)), lambda v: v != 0)
# 1 / (pi sqrt(1 - x^2)) on (-1, 1), with 1 - x^2 = (1 - x)(1 + x) exact near the ends
# (scipy's arcsine(loc=-1, scale=2) rounds (x + 1)/2 and is 6% off at x = 1 - 1e-15)
COS = Textbook(
    lambda v: -math.log(math.pi) - 0.5 * (np.log1p(-v) + np.log1p(v)), lambda v: np.abs(v) < 1
)

# id (a flow of conftest.FLOW_SPECS), oracle, exact support, points inside, points where
# the density is 0 (outside, on an edge, at a critical value or a pole)
CASES = [
    (
        "normal-square",
        stats.chi2(1),
        OPEN(0, sp.oo),
        np.geomspace(1e-12, 700, 60),
        [-3.0, -1e-300, 0.0],
    ),
    (
        "normal-abs",
        stats.halfnorm(),
        OPEN(0, sp.oo),
        np.geomspace(1e-12, 35, 60),
        [-3.0, -1e-300, 0.0],
    ),
    (
        "normal-reciprocal",
        RECIPROCAL,
        R_MINUS_0,
        np.concatenate([-np.geomspace(1e-2, 1e100, 40), np.geomspace(1e-2, 1e100, 40)]),
        [0.0],
    ),
    (
        "uniform2pi-cos",
        COS,
        OPEN(-1, 1),
        np.linspace(-0.999999, 0.999999, 61),
        [-2.0, -1.0, 1.0, 1.5],
    ),
    (
        "uniform-1-1-square",
        stats.beta(0.5, 1),
        OPEN(0, 1),
        np.concatenate([np.geomspace(1e-300, 1e-3, 20), np.linspace(0.001, 0.999, 40)]),
        [-1.0, 0.0, 1.0, 2.0],
    ),
]
IDS = [c[0] for c in CASES]

SUPPORT_BUG = ()  # fixed: the kernels keep their support tests


def with_bugs(cases, bugs: dict):
    """Cases as pytest.param with readable ids, the ones in ``bugs`` marked."""
    return [pytest.param(*c, id=c[0], marks=bugs.get(c[0], ())) for c in cases]


@pytest.mark.parametrize(("name", "oracle", "support", "inside", "zero"), CASES, ids=IDS)
def test_support_is_exact(flows, name, oracle, support, inside, zero) -> None:
    assert flows.flow(name).support == support


@pytest.mark.parametrize(("name", "oracle", "support", "inside", "zero"), CASES, ids=IDS)
def test_closed_form_matches_oracle(flows, name, oracle, support, inside, zero) -> None:
    density = sp.lambdify(x, flows.flow(name).density(x), modules="mpmath")
    with mp.workdps(30):
        got = np.array([float(density(mp.mpf(float(v)))) for v in inside])
        zeros = [density(mp.mpf(v)) for v in zero]
    np.testing.assert_allclose(got, oracle.pdf(inside), rtol=1e-11, atol=0)
    assert all(v == 0 for v in zeros)


@pytest.mark.parametrize(
    ("name", "oracle", "support", "inside", "zero"),
    with_bugs(
        CASES, dict.fromkeys(["normal-square", "normal-abs", "uniform-1-1-square"], SUPPORT_BUG)
    ),
)
def test_kernel_matches_oracle_and_is_minus_inf_at_critical_points(
    flows, name, oracle, support, inside, zero
) -> None:
    k = flows.kernels(name)
    np.testing.assert_allclose(k.log_prob(inside), oracle.logpdf(inside), rtol=1e-12, atol=0)
    assert np.all(np.isneginf(k.log_prob(zero)))
    assert np.all(k.prob(zero) == 0.0)
    assert np.isnan(k.log_prob(np.nan))


@pytest.mark.parametrize(("name", "oracle", "support", "inside", "zero"), CASES, ids=IDS)
def test_check_passes(flows, name, oracle, support, inside, zero) -> None:
    report = flows.flow(name).check(n=100_000, seed=1)
    assert report.passed, str(report)


def test_square_merges_its_two_equal_branches(flows) -> None:
    density = flows.flow("normal-square").density(x)
    (expr, cond), _ = density.args
    assert sp.simplify(expr - sp.exp(-x / 2) / sp.sqrt(2 * sp.pi * x)) == 0
    assert cond == (x > 0)


def test_cos_closed_form_is_the_arcsine_density(flows) -> None:
    (expr, _), _ = flows.flow("uniform2pi-cos").density(x).args
    assert sp.simplify(expr - 1 / (sp.pi * sp.sqrt(1 - x**2))) == 0


def test_square_of_an_exponential_counts_only_the_real_positive_root() -> None:
    # sympy.stats sums complex roots here and reports cosh(1) ~ 1.54 at x = 1
    X = sf.Flow(sf.Exponential(1), [sf.Transform(z**2, z)])
    assert X.support == OPEN(0, sp.oo)
    assert X.density(x).subs(x, 1) == sp.exp(-1) / 2
    assert X.compile().prob(1.0) == pytest.approx(math.exp(-1) / 2, rel=1e-14)


def test_reciprocal_kernel_is_finite_far_out(flows) -> None:
    # log|f'| = log(z_0**-2) must not be computed through z_0**-2 (overflow past 1e154)
    xs = np.array([-1e300, -1e200, 1e160, 1e300])
    np.testing.assert_allclose(
        flows.kernels("normal-reciprocal").log_prob(xs), RECIPROCAL.logpdf(xs), rtol=1e-12
    )


def test_cos_kernel_is_accurate_next_to_the_edges(flows) -> None:
    """log|f'(g(x))| on the branch (π, 2π) is log(−sin(2π − acos x)) as derived; the kernel
    composes it to ½(log1p(−x) + log1p(x)) instead of rounding 2π − acos x next to 2π
    (that lost 1.7e-10 relative at x = 1 − 1e-15)."""
    xs = np.array([1 - 1e-15, 1 - 1e-14, -1 + 1e-12, -1 + 1e-10, -1 + 2**-53, 1 - 2**-53])
    np.testing.assert_allclose(
        flows.kernels("uniform2pi-cos").log_prob(xs), COS.logpdf(xs), rtol=2e-15, atol=0
    )


# -- a chain mixing bijective and non-monotone layers ---------------------------------


def chain_logpdf(xs):
    """x = log((2z + 1)^2) = 2 log|Y|, Y ~ N(1, 2): two preimages y = +-exp(x/2)."""
    xs = np.asarray(xs, dtype=float)
    y = np.exp(xs / 2)
    jac = xs / 2 - math.log(2)
    return jac + np.logaddexp(stats.norm(1, 2).logpdf(y), stats.norm(1, 2).logpdf(-y))


def test_chain_square_log_matches_the_hand_derived_density(flows) -> None:
    xs = np.linspace(-60, 12, 145)
    np.testing.assert_allclose(
        flows.kernels("normal-chain-square-log").log_prob(xs), chain_logpdf(xs), rtol=1e-12
    )
    density = sp.lambdify(x, flows.flow("normal-chain-square-log").density(x), modules="mpmath")
    with mp.workdps(30):
        got = np.array([float(density(mp.mpf(float(v)))) for v in xs[::8]])
    np.testing.assert_allclose(got, np.exp(chain_logpdf(xs[::8])), rtol=1e-11)


def test_chain_square_log_passes_check_and_integrates_to_one(flows) -> None:
    X = flows.flow("normal-chain-square-log")
    assert X.check(n=100_000, seed=2).passed
    k = X.compile()
    total, err = integrate.quad(k.prob_1, -np.inf, np.inf, limit=200)
    assert total == pytest.approx(1.0, abs=1e-8)


# -- Piecewise, sign, Min, Max and Abs, handled piece by piece ---------------------------


def _logpdf_two_slopes(left: float, right: float):
    """z -> left*z for z < 0, right*z for z > 0 (both slopes positive)."""
    return Textbook(
        lambda v: np.where(
            v < 0, log_phi(v / left) - math.log(left), log_phi(v / right) - math.log(right)
        ),
        lambda v: v != 0,
    )


SIGNED_SQUARE = Textbook(
    lambda v: log_phi(np.sqrt(np.abs(v))) - math.log(2) - 0.5 * np.log(np.abs(v)), lambda v: v != 0
)
FOLDED = Textbook(  # Piecewise((-z, z < 0), (z**2, True)): phi(x) + phi(sqrt x)/(2 sqrt x)
    lambda v: np.logaddexp(log_phi(v), log_phi(np.sqrt(v)) - math.log(2) - 0.5 * np.log(v)),
    lambda v: v > 0,
)

PIECEWISE = [
    ("piecewise-slopes", sp.Piecewise((z, z < 0), (2 * z, True)), _logpdf_two_slopes(1, 2)),
    ("min-slopes", sp.Min(z, 2 * z), _logpdf_two_slopes(2, 1)),
    ("max-slopes", sp.Max(z, 3 * z), _logpdf_two_slopes(1, 3)),
    ("z-plus-relu", z + sp.Max(z, 0), _logpdf_two_slopes(1, 2)),
    ("sign-times-square", sp.sign(z) * z**2, SIGNED_SQUARE),
    ("z-times-abs", z * sp.Abs(z), SIGNED_SQUARE),
    ("abs-plus-one", sp.Abs(z) + 1, stats.halfnorm(loc=1)),
    ("abs-shifted", sp.Abs(z - 1), stats.foldnorm(1)),
    ("piecewise-folded", sp.Piecewise((-z, z < 0), (z**2, True)), FOLDED),
]


@pytest.mark.parametrize(
    ("name", "expr", "oracle"),
    with_bugs(PIECEWISE, dict.fromkeys(["abs-shifted", "piecewise-folded"], SUPPORT_BUG)),
)
def test_piecewise_transforms_match_the_hand_density_and_pass_check(name, expr, oracle) -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(expr, z)])
    k = X.compile()
    xs = np.concatenate([-np.geomspace(1e-6, 30, 25), np.geomspace(1e-6, 30, 25), [0.5, 1.5, 2.5]])
    np.testing.assert_allclose(k.log_prob(xs), oracle.logpdf(xs), rtol=1e-12, atol=0)
    report = X.check(n=50_000, seed=3)
    assert report.passed, str(report)


def test_piecewise_with_a_kink_keeps_the_image_of_its_joint_in_the_support() -> None:
    """z = 0, where the pieces meet, maps to 1: 1 is in the support, its density the
    limit φ(0) (both sides agree, e^z and 1 + z have slope 1 there)."""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Piecewise((sp.exp(z), z < 0), (1 + z, True)), z)])
    assert X.support == OPEN(0, sp.oo)
    k = X.compile()
    ref = stats.norm()
    np.testing.assert_allclose(
        k.log_prob([0.5, 3.0, 1.0]),
        [ref.logpdf(math.log(0.5)) - math.log(0.5), ref.logpdf(2.0), ref.logpdf(0.0)],
        rtol=1e-12,
    )


# -- bad inputs --------------------------------------------------------------------------

BAD = [
    (
        "sin-on-normal",
        sf.Normal(0, 1),
        sp.sin(z),
        sf.MonotonicityError,
        r"sin\(z\) has infinitely many .*monotone pieces.*Restrict the base to a bounded",
    ),
    ("cos-on-normal", sf.Normal(0, 1), sp.cos(z), sf.MonotonicityError, "infinitely many"),
    (
        "relu-on-normal",
        sf.Normal(0, 1),
        sp.Max(z, 0),
        sf.PointMassError,
        r"Max\(0, z\) is constant .*x = 0 receives probability 1/2",
    ),
    (
        "flat-piecewise",
        sf.Normal(0, 1),
        sp.Piecewise((z, z < 0), (0, z < 1), (z - 1, True)),
        sf.PointMassError,
        r"constant \(= 0\) for z in [\[(]0, 1\).*x = 0 receives probability",
    ),
    (
        "sign-on-normal",
        sf.Normal(0, 1),
        sp.sign(z),
        sf.PointMassError,
        "x = -1 receives probability 1/2",
    ),
    (
        "clipped-square",
        sf.Normal(0, 1),
        sp.Min(z**2, 1),
        sf.PointMassError,
        "x = 1 receives probability",
    ),
    ("relu-on-uniform", sf.Uniform(-1, 3), sp.Max(z, 0), sf.PointMassError, "probability 1/4"),
]


@pytest.mark.parametrize(
    ("base", "expr", "error", "match"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_non_monotone_inputs_are_clear_errors(base, expr, error, match) -> None:
    with pytest.raises(error, match=match):
        sf.Flow(base, [sf.Transform(expr, z)])


def test_point_mass_error_is_a_collapse_error() -> None:
    with pytest.raises(sf.CollapseError):
        sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Max(z, 0), z)])


def test_relu_on_a_positive_base_is_the_identity() -> None:
    X = sf.Flow(sf.Exponential(1), [sf.Transform(sp.Max(z, 0), z)])
    assert X.support == OPEN(0, sp.oo)
    np.testing.assert_allclose(X.compile().log_prob([0.5, 3.0]), [-0.5, -3.0], rtol=1e-14)


def test_cos_over_more_than_one_period_counts_the_preimages() -> None:
    # cos on (0, 10): 4 preimages for x < cos(10) = -0.839, 3 above, each 1/(10 sqrt(1-x^2))
    X = sf.Flow(sf.Uniform(0, 10), [sf.Transform(sp.cos(z), z)])
    assert len(X.layers[0].branches) == 4
    assert X.support == OPEN(-1, 1)
    xs = np.array([-0.99, -0.9, -0.85, -0.8, -0.3, 0.0, 0.5, 0.99])
    count = np.where(xs < math.cos(10), 4, 3)
    np.testing.assert_allclose(X.compile().prob(xs), count / (10 * np.sqrt(1 - xs**2)), rtol=1e-12)
    assert X.check(n=50_000, seed=5).passed


def test_sin_on_a_bounded_base_has_branches() -> None:
    X = sf.Flow(sf.Uniform(0, sp.pi), [sf.Transform(sp.sin(z), z)])
    assert X.support == OPEN(0, 1)
    # two preimages asin(x), pi - asin(x), each with weight 1/(pi sqrt(1 - x^2))
    xs = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(X.compile().prob(xs), 2 / (np.pi * np.sqrt(1 - xs**2)), rtol=1e-12)
