"""The probability integral transform F_Z(Z) where SymPy writes F_Z out in elementary
functions (lowergamma(3, 2z)/2 = 1 − (2z² + 2z + 1)e^(−2z), the Student t(2) and t(3)
CDFs, I_z(2, 3) = 6z² − 8z³ + 3z⁴), and the quantile maps P⁻¹(2, u) and I⁻¹(2, 3, u) from
a uniform.

Oracles: U(0, 1) exactly (log p = 0, F(u) = u, S(u) = 1 − u and Q(u) = u, each exact in
float64 at the points used), scipy.stats for Gamma(2) and Beta(2, 3), mpmath at 40 digits
for the rewritten forms.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.core.cdf import _step_limit
from symflow.core.layer import implicit_inverse
from symflow.core.special import (
    betaincinv,
    complement,
    gammainc,
    gammaincc,
    gammaincinv,
    incomplete_step,
    radical_complement,
    stdtr,
)

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)

U = np.array([1e-300, 1e-20, 1e-8, 0.5, 1 - 1e-8, 1 - 2**-53])

PIT = {
    "erlang": (sf.Gamma(3, 2), sp.lowergamma(3, 2 * z) / 2),
    "chi2_3": (
        sf.ChiSquared(3),
        sp.lowergamma(sp.Rational(3, 2), z / 2) / sp.gamma(sp.Rational(3, 2)),
    ),
    "beta_poly": (sf.Beta(2, 3), 6 * z**2 - 8 * z**3 + 3 * z**4),
    "student_t2": (sf.StudentT(2), sp.Rational(1, 2) + z / (2 * sp.sqrt(z**2 + 2))),
    "student_t3": (
        sf.StudentT(3),
        sp.Rational(1, 2) + (sp.atan(z / sp.sqrt(3)) + sp.sqrt(3) * z / (z**2 + 3)) / sp.pi,
    ),
}


@pytest.fixture(scope="module", params=sorted(PIT))
def pit(request):
    base, expr = PIT[request.param]
    flow = sf.Flow(base, [sf.Transform(expr, z)])
    return flow, flow.compile()


def test_pit_is_uniform_to_the_last_digits(pit) -> None:
    flow, k = pit
    assert flow.support == sp.Interval.open(0, 1)
    np.testing.assert_allclose(k.log_prob(U), 0.0, rtol=0, atol=1e-13)
    np.testing.assert_allclose(k.cdf(U), U, rtol=1e-13, atol=0)
    np.testing.assert_allclose(k.sf(U), 1 - U, rtol=1e-13, atol=0)
    np.testing.assert_allclose(k.quantile(U), U, rtol=1e-13, atol=0)


@pytest.fixture(scope="module")
def gamma_quantile():
    return sf.Flow(sf.Uniform(0, 1), [sf.Transform(gammaincinv(2, z), z)])


def test_gamma_quantile_map_gives_gamma(gamma_quantile) -> None:
    # X = P⁻¹(2, U) ~ Gamma(2, 1): its CDF P(2, x) kept whole (SymPy writes 1 − (x + 1)e^−x)
    assert gamma_quantile.density(x) == sp.Piecewise((x * sp.exp(-x), x > 0), (0, True))
    k = gamma_quantile.compile()
    ref = stats.gamma(2)
    xs = np.array([1e-150, 1e-20, 1e-8, 0.3, 3.0, 30.0, 700.0])
    np.testing.assert_allclose(k.log_prob(xs), ref.logpdf(xs), rtol=1e-13, atol=0)
    np.testing.assert_allclose(k.cdf(xs), ref.cdf(xs), rtol=1e-13, atol=0)
    np.testing.assert_allclose(k.sf(xs), ref.sf(xs), rtol=1e-13, atol=0)
    np.testing.assert_allclose(k.quantile(U), ref.ppf(U), rtol=1e-13, atol=0)


def test_beta_quantile_map_density_and_limits() -> None:
    # X = I⁻¹(2, 3, U) ~ Beta(2, 3): I⁻¹(2, 3, I(2, 3, 0, x)) cancels in the density
    flow = sf.Flow(sf.Uniform(0, 1), [sf.Transform(betaincinv(2, 3, z), z)])
    assert flow.support == sp.Interval.open(0, 1)
    want = 12 * x * (1 - x) ** 2
    ((term, _),) = flow.density(x).args[:1]
    assert sp.simplify(term - want) == 0


# -- symbolic: the recogniser, the limits and the rewrites (no compile) -------------------
@pytest.mark.parametrize(
    ("expr", "form"),
    [
        (sp.lowergamma(2, z), lambda u: gammainc(2, u)),
        ((z + 1) * sp.exp(-z), lambda u: gammaincc(2, u)),
        (sp.lowergamma(sp.Rational(5, 2), z) / sp.gamma(sp.Rational(5, 2)), None),
        (1 - (z + 2) * sp.exp(-z), None),  # 1 − e + e·P(2, z + 1) on z > −1
        (3 * z**2 - 2 * z**3, lambda u: sp.betainc_regularized(2, 2, 0, u)),
        (z**3 - 3 * z, None),  # 2 − 4·I_((z+1)/2)(2, 2) on (−1, 1)
        (PIT["student_t3"][1], lambda u: stdtr(3, u)),
        (z / sp.sqrt(z**2 + 1), lambda u: 2 * stdtr(2, sp.sqrt(2) * u) - 1),
    ],
)
def test_recogniser_reads_incomplete_functions(expr, form) -> None:
    step = incomplete_step(expr, z)
    assert step is not None
    written = step.outer(step.inner)
    if form is not None:
        assert written == form(z)
    value = step.outer(step.inner.subs(z, sp.Rational(7, 10)))
    with mp.workdps(40):
        want = sp.N(expr.subs(z, sp.Rational(7, 10)), 40)
        assert abs(sp.N(value, 40) - want) < 1e-30


@pytest.mark.parametrize(
    "expr",
    [
        1 - (z**2 + 2) * sp.exp(-z),  # derivative (z² − 2z + 2)e^−z: no real root
        (z + 1) ** 2 * sp.exp(-z),  # (1 − z²)e^−z: two roots and an exponential
        (1 + z) * sp.exp(-(z**2)),  # not an exponential of an affine argument
        z**3 + 3 * z**2 + 3 * z,  # 3(z + 1)²: one root, no exponential (a power)
        z * sp.exp(z) + sp.sin(z),
    ],
)
def test_recogniser_refuses_other_expressions(expr) -> None:
    assert incomplete_step(expr, z) is None


def test_beta_cdf_transform_has_the_unit_interval_as_support() -> None:
    flow = sf.Flow(sf.Beta(2, 3), [sf.Transform(sp.betainc_regularized(2, 3, 0, z), z)])
    assert flow.support == sp.Interval.open(0, 1)


def test_implicit_inverse_limits_at_the_ends_of_a_bounded_image() -> None:
    # atan z + tanh z maps R onto (−π/2 − 1, π/2 + 1) with no closed-form inverse: the
    # limits of f⁻¹ at the image's ends are the piece ends −oo and oo (no root to solve for)
    y = sp.Symbol("y", real=True)
    g = implicit_inverse(sp.atan(z) + sp.tanh(z), z, sp.Interval.open(-sp.oo, sp.oo), 1, "f")
    assert _step_limit(g(y), y, -sp.pi / 2 - 1, "+") == -sp.oo
    assert _step_limit(g(y), y, sp.pi / 2 + 1, "-") == sp.oo
    inside = _step_limit(g(y), y, sp.Integer(1), "+")  # the root of atan z + tanh z = 1
    assert abs(float(sp.atan(inside) + sp.tanh(inside)) - 1) < 1e-14


@pytest.mark.parametrize(
    "expr",
    [
        sp.Rational(1, 2) + z / (2 * sp.sqrt(z**2 + 2)),
        sp.Rational(1, 2) - (z - 3) / (2 * sp.sqrt(z**2 - 6 * z + 11)),
    ],
)
def test_radical_complement_keeps_the_tail(expr) -> None:
    tail, side = radical_complement(expr)
    for v in (-1e100, -1e9, 1e9, 1e100, 0.5):
        if side.subs(z, v) is not sp.true:
            continue
        with mp.workdps(500):  # the sum cancels 200 digits at |z| = 1e100
            want = sp.lambdify(z, expr, "mpmath")(mp.mpf(v))
        got = float(sp.lambdify(z, tail, "math")(v))
        assert abs(got - float(want)) <= 1e-15 * float(want)


def test_complements_of_incomplete_functions() -> None:
    assert complement(1 - gammainc(2, z)) == gammaincc(2, z)
    assert complement(3 - 3 * gammaincc(2, z)) == 3 * gammainc(2, z)
    assert complement(1 - sp.betainc_regularized(2, 3, 0, z)) == sp.betainc_regularized(2, 3, z, 1)
    assert complement(1 - betaincinv(2, 3, z)) == betaincinv(3, 2, 1 - z)
    assert complement(2 - gammainc(2, z)) == 2 - gammainc(2, z)
