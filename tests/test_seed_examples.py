"""The seed examples of the core-engine issue, each checked three ways against scipy.stats.

1. the closed form ``X.density(x)`` (a SymPy expression, Piecewise where the support is
   not the whole line) agrees with the scipy density at 200 points inside and outside
   the support;
2. the compiled ``log_prob`` agrees with ``scipy.stats.<dist>.logpdf`` (rtol 1e-12, and
   -inf outside the open support);
3. ``check()`` passes.

Plus exact symbolic forms, inverses, and the bad inputs of the issue.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
E = math.e

# id (a flow of conftest.FLOW_SPECS), scipy oracle, exact support, points where the
# density is 0 (outside the open support, or on its edge, where scipy may differ)
SEEDS = [
    ("normal-2z+3", stats.norm(3, 2), sp.S.Reals, []),
    ("normal-2z", stats.norm(0, 2), sp.S.Reals, []),
    ("normal-z/2", stats.norm(0, 0.5), sp.S.Reals, []),
    ("normal-exp", stats.lognorm(s=1), sp.Interval.open(0, sp.oo), [-5.0, -1.0, -1e-300, 0.0]),
    ("uniform-neglog", stats.expon(), sp.Interval.open(0, sp.oo), [-3.0, -1.0, -1e-9, 0.0]),
    (
        "normal-chain3",
        stats.lognorm(s=0.5, loc=1, scale=2 * E),
        sp.Interval.open(1, sp.oo),
        [-2.0, 0.0, 0.5, 1.0 - 1e-12, 1.0],
    ),
]
IDS = [s[0] for s in SEEDS]

SUPPORT_BUG = ()  # fixed: the kernels keep their support tests


def with_bugs(cases, bugs: dict):
    """Cases as pytest.param with readable ids, the ones in ``bugs`` marked."""
    return [pytest.param(*c, id=c[0], marks=bugs.get(c[0], ())) for c in cases]


def inside(ref, outside: list[float]) -> np.ndarray:
    """Points inside the support, from 1e-14 quantiles to far tails; 200 with ``outside``."""
    deep = np.concatenate([np.geomspace(1e-14, 1e-9, 10), 1 - np.geomspace(1e-9, 1e-14, 10)])
    body = np.linspace(1e-9, 1 - 1e-9, 200 - len(outside) - deep.size - 4)
    xs = ref.ppf(np.concatenate([deep, body]))
    far = ref.isf([1e-100, 1e-200, 1e-300]).tolist() + [ref.ppf(0.5) + 500 * ref.std()]
    return np.concatenate([xs, far])


@pytest.mark.parametrize(("name", "ref", "support", "outside"), SEEDS, ids=IDS)
def test_closed_form_density_matches_scipy_at_200_points(
    flows, name, ref, support, outside
) -> None:
    X = flows.flow(name)
    density = sp.lambdify(x, X.density(x), modules="mpmath")
    xs = inside(ref, outside)
    assert xs.size + len(outside) == 200
    with mp.workdps(30):
        got = np.array([float(density(mp.mpf(float(v)))) for v in xs])
        zeros = [density(mp.mpf(v)) for v in outside]
    np.testing.assert_allclose(got, ref.pdf(xs), rtol=1e-11, atol=0)
    assert all(v == 0 for v in zeros)


@pytest.mark.parametrize(
    ("name", "ref", "support", "outside"), with_bugs(SEEDS, {"uniform-neglog": SUPPORT_BUG})
)
def test_compiled_log_prob_matches_scipy_logpdf(flows, name, ref, support, outside) -> None:
    k = flows.kernels(name)
    xs = inside(ref, outside)
    got = k.log_prob(xs)
    assert got.shape == xs.shape
    # atol only matters where log p is within 1e-3 of 0 (-log U near x = 0: there the
    # kernel computes log(exp(-x)), exact to 4e-17 absolute, i.e. in the density)
    np.testing.assert_allclose(got, ref.logpdf(xs), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(k.prob(xs), ref.pdf(xs), rtol=1e-11, atol=0)
    if outside:
        assert np.all(np.isneginf(k.log_prob(outside)))
        assert np.all(k.prob(outside) == 0.0)
        strictly = [v for v in outside if not support.boundary.contains(v)]
        assert np.all(np.isneginf(ref.logpdf(strictly)))  # the oracle agrees off the edge


@pytest.mark.parametrize(("name", "ref", "support", "outside"), SEEDS, ids=IDS)
def test_check_passes(flows, name, ref, support, outside) -> None:
    report = flows.flow(name).check(n=200_000, seed=0)
    assert report.passed, str(report)


@pytest.mark.parametrize(("name", "ref", "support", "outside"), SEEDS, ids=IDS)
def test_support_is_exact(flows, name, ref, support, outside) -> None:
    assert flows.flow(name).support == support


# -- exact closed forms -----------------------------------------------------------------


def _branch_on(density: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Basic]:
    """The (expression, condition) of a Piecewise density's first piece."""
    assert isinstance(density, sp.Piecewise)
    (expr, cond), (otherwise, true) = density.args
    assert otherwise == 0 and true == sp.true
    return expr, cond


def test_lognormal_closed_form_is_exact(flows) -> None:
    X = flows.flow("normal-exp")
    expr, cond = _branch_on(X.density(x), x)
    textbook = sp.sqrt(2) * sp.exp(-(sp.log(x) ** 2) / 2) / (2 * sp.sqrt(sp.pi) * x)
    assert sp.simplify(expr - textbook) == 0
    assert cond == (x > 0)
    assert not X.density(x).has(sp.Abs)  # the support is stated, not folded into |x|
    assert X.density(x).subs(x, -1) == 0
    assert X.support == sp.Interval.open(0, sp.oo)


def test_affine_normal_is_exactly_normal_3_4(flows) -> None:
    density = flows.flow("normal-2z+3").density(x)
    textbook = sp.exp(-((x - 3) ** 2) / (2 * 2**2)) / (2 * sp.sqrt(2 * sp.pi))
    assert not isinstance(density, sp.Piecewise)  # the support is the whole line
    assert sp.simplify(density - textbook) == 0
    assert density.atoms(sp.Float) == set()


def test_minus_log_uniform_is_exactly_exponential(flows) -> None:
    expr, cond = _branch_on(flows.flow("uniform-neglog").density(x), x)
    assert expr == sp.exp(-x)
    assert cond == (x > 0)


def test_density_and_log_density_in_the_callers_symbol(flows) -> None:
    X = flows.flow("normal-exp")
    assert X.density(y).free_symbols == {y}
    assert X.density("y").free_symbols == {sp.Symbol("y", real=True)}
    log_density = X.log_density(y)
    assert log_density.subs(y, -1) == -sp.oo
    assert float(log_density.subs(y, 2)) == pytest.approx(stats.lognorm(s=1).logpdf(2), rel=1e-14)
    with pytest.raises(sf.SymflowError, match="output variable must be a SymPy Symbol"):
        X.density(3)


# -- inverses: the real branch valid on the support ------------------------------------


def test_sinh_inverse_is_asinh(flows) -> None:
    assert flows.flow("normal-sinh").inverse(x) == sp.asinh(x)


@pytest.mark.parametrize("value", [-1e6, -27.0, -2.0, -1e-9])
def test_cube_inverse_is_the_real_cube_root_at_negative_points(flows, value) -> None:
    g = flows.flow("normal-cube").inverse(x)
    got = complex(sp.N(g.subs(x, value), 30))
    assert got.imag == 0
    assert got.real == pytest.approx(-(abs(value) ** (1 / 3)), rel=1e-14)


@pytest.mark.parametrize("value", [1e-9, 0.1, 0.5, 0.73, 0.999])
def test_sigmoid_inverse_is_the_logit(flows, value) -> None:
    g = flows.flow("normal-sigmoid").inverse(x)
    got = float(sp.N(g.subs(x, sp.Float(value, 30)), 30))
    assert got == pytest.approx(math.log(value / (1 - value)), rel=1e-13, abs=1e-15)


def test_exp_inverse_is_log(flows) -> None:
    assert flows.flow("normal-exp").inverse(x) == sp.log(x)


def test_chain_inverse_composes_in_reverse(flows) -> None:
    g = flows.flow("normal-chain3").inverse(x)
    # x = 2 exp(z/2 + 1) + 1  <=>  z = 2 (log((x - 1)/2) - 1)
    for v in (1.5, 3.0, 100.0):
        assert float(g.subs(x, v)) == pytest.approx(2 * (math.log((v - 1) / 2) - 1), rel=1e-14)


def test_inverse_of_a_non_bijective_flow_is_an_error(flows) -> None:
    with pytest.raises(sf.MonotonicityError, match="not one-to-one: it has 2 inverse branches"):
        flows.flow("normal-square").inverse(x)


# -- the square is no longer an error: chi-square with one degree of freedom -----------


def test_square_of_a_normal_is_chi_square_1(flows) -> None:
    X = flows.flow("normal-square")
    assert X.support == sp.Interval.open(0, sp.oo)
    expr, cond = _branch_on(X.density(x), x)
    textbook = sp.exp(-x / 2) / sp.sqrt(2 * sp.pi * x)
    assert sp.simplify(expr - textbook) == 0
    k = flows.kernels("normal-square")
    xs = np.array([1e-300, 1e-8, 0.3, 1.0, 7.5, 60.0, 1e4])
    np.testing.assert_allclose(k.log_prob(xs), stats.chi2(1).logpdf(xs), rtol=1e-12, atol=0)
    assert np.all(np.isneginf(k.log_prob([-1.0, 0.0])))  # 0 is the critical value


# -- bad inputs --------------------------------------------------------------------------

w = sp.Symbol("w", real=True)

BAD = [
    (
        "sigma-zero",
        lambda: sf.Flow(sf.Normal(0, 0), [sf.Transform(z, z)]),
        sf.ParameterError,
        "sigma must be positive",
    ),
    (
        "sigma-negative",
        lambda: sf.Flow(sf.Normal(1, -2), [sf.Transform(z, z)]),
        sf.ParameterError,
        "got sigma = -2",
    ),
    (
        "constant-integer",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Integer(5), z)]),
        sf.CollapseError,
        r"does not depend on its variable z.*no density",
    ),
    (
        "constant-other-symbol",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(y, z)]),
        sf.CollapseError,
        "depends only on y",
    ),
    (
        "undeclared-symbol",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(w), z)]),
        sf.CollapseError,
        "is w undeclared",
    ),
    (
        "bare-expression",
        lambda: sf.Flow(sf.Normal(0, 1), [2 * z]),
        sf.SymflowError,
        r"Transform 1 of the flow must be an sf.Transform\(expr, var\); got 2\*z",
    ),
    (
        "second-item-bad",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(z, z), None]),
        sf.SymflowError,
        "Transform 2 of the flow",
    ),
    (
        "string-item",
        lambda: sf.Flow(sf.Normal(0, 1), ["exp(z)"]),
        sf.SymflowError,
        "got 'exp\\(z\\)'",
    ),
    (
        "string-expression",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform("exp(z)", z)]),
        sf.SymflowError,
        "not the string",
    ),
    (
        "string-base",
        lambda: sf.Flow("Normal(0, 1)", [sf.Transform(z, z)]),
        sf.SymflowError,
        "needs a base distribution",
    ),
    (
        "parameter-of-unknown-sign",
        lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(w * z, z)]),
        sf.MonotonicityError,
        r"for every value of w.*positive=True",
    ),
]


@pytest.mark.parametrize(("make", "error", "match"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_inputs_are_clear_errors(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


def test_log_of_a_normal_says_where_and_how_likely() -> None:
    with pytest.raises(sf.SupportError) as info:
        sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.log(z), z)])
    message = str(info.value)
    assert "log(z)" in message
    assert "(-oo, 0]" in message
    assert "1/2" in message
    assert "Normal(0, 1)" in message
    assert "_Dummy" not in message and "Dummy" not in message


def test_log_after_a_shift_names_the_layer_interval() -> None:
    with pytest.raises(sf.SupportError, match=r"log\(z - 1\) is undefined .* for z in \(0, 1\]"):
        sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.Transform(sp.log(z - 1), z)])


def test_single_transform_need_not_be_a_list() -> None:
    X = sf.Flow(sf.Normal(0, 1), sf.Transform(2 * z + 3, z))
    assert len(X.layers) == 1
