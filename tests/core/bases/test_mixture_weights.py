"""Mixtures whose weights are parameter symbols: construction, the parameter domain,
kernels (log-density in the far tails against mpmath, samples against the hand CDF),
the check and the derivation."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.errors import ParameterError

w = sp.Symbol("w", positive=True)
a, b = sp.symbols("a b", positive=True)
r = sp.Symbol("r", real=True)


@functools.cache
def two():
    return sf.Flow(sf.Mixture([(w, sf.Normal(-2, 1)), (1 - w, sf.Normal(2, 1))]), [])


@functools.cache
def two_kernels():
    return two().compile()


def _hand_log_density(x: float, weight: float) -> mpmath.mpf:
    """log(w φ(x + 2) + (1 − w) φ(x − 2)) in 50 digits."""
    with mpmath.workdps(50):
        x, weight = mpmath.mpf(x), mpmath.mpf(weight)
        terms = [
            mpmath.log(weight) - (x + 2) ** 2 / 2,
            mpmath.log(1 - weight) - (x - 2) ** 2 / 2,
        ]
        top = max(terms)
        total = top + mpmath.log(sum(mpmath.exp(t - top) for t in terms))
        return total - mpmath.log(2 * mpmath.pi) / 2


# -- construction ------------------------------------------------------------------------
def test_symbolic_weights_are_accepted_with_their_domain():
    m = sf.Mixture([(w, sf.Normal(-2, 1)), (1 - w, sf.Normal(2, 1))])
    assert m.free_symbols == {w}
    assert m.conditions() == (("weight 1", w), ("weight 2", 1 - w))
    three = sf.Mixture([(a, sf.Normal(-3, 1)), (b, sf.Normal(0, 1)), (1 - a - b, sf.Normal(3, 1))])
    assert three.weight_numbers({"a": 0.2, "b": 0.3}) == pytest.approx([0.2, 0.3, 0.5])
    # a weight of a symbol without a sign may be positive: accepted, its domain checked later
    sf.Mixture([(r, sf.Normal(0, 1)), (1 - r, sf.Normal(1, 1))])


@pytest.mark.parametrize(
    "components, match",
    [
        pytest.param(
            [(w, sf.Normal(-2, 1)), (1, sf.Normal(2, 1))],
            r"must sum to 1 for every value of their symbols; they sum to w \+ 1 "
            r"\(weights w, 1\)\. Write the last weight as 1 minus the others",
            id="sum-not-one",
        ),
        pytest.param(
            [(w, sf.Normal(-2, 1)), (1 - 2 * w, sf.Normal(2, 1))],
            r"they sum to 1 - w",
            id="sum-depends-on-w",
        ),
        pytest.param(
            [(1 + w, sf.Normal(-2, 1)), (-w, sf.Normal(2, 1))],
            r"Mixture weight 2 = -w is never positive under the assumptions on w \(positive\)",
            id="provably-negative",
        ),
        pytest.param(
            [(0.3, sf.Normal(-2, 1)), (0.6, sf.Normal(2, 1))],
            r"Mixture weights must sum to 1; they sum to 9/10 \(weights 3/10, 3/5\)\.",
            id="numbers-not-one",
        ),
        pytest.param(
            [(-0.5, sf.Normal(-2, 1)), (1.5, sf.Normal(2, 1))],
            r"Mixture weight 1 must be positive; got -1/2\.",
            id="number-negative",
        ),
    ],
)
def test_bad_weights_are_refused(components, match):
    with pytest.raises(ParameterError, match=match):
        sf.Mixture(components)


# -- the symbolic results ------------------------------------------------------------------
def test_density_support_and_cdf():
    X = two()
    x = sp.Symbol("x", real=True)
    assert X.support == sp.S.Reals
    hand = w * sp.exp(-((x + 2) ** 2) / 2) / sp.sqrt(2 * sp.pi) + (1 - w) * sp.exp(
        -((x - 2) ** 2) / 2
    ) / sp.sqrt(2 * sp.pi)
    assert sp.simplify(X.density() - hand) == 0
    assert sp.simplify(sp.exp(X.log_density()) - hand) == 0
    cdf = X.cdf().subs({x: sp.Rational(1, 2), w: sp.Rational(3, 10)})
    truth = 0.3 * stats.norm.cdf(2.5) + 0.7 * stats.norm.cdf(-1.5)
    assert float(cdf) == pytest.approx(truth, rel=1e-14)
    latex = X.derivation().latex()
    assert "1 - w" in latex


# -- kernels -------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [-1e150, -1e3, -30.0, -2.0, 0.0, 2.0, 30.0, 1e3, 1e150])
def test_log_prob_against_mpmath_in_the_tails(x):
    got = two_kernels().log_prob(np.array([x]), w=0.3)[0]
    truth = _hand_log_density(x, 0.3)
    assert got == pytest.approx(float(truth), rel=1e-13, abs=0)


def test_sample_against_the_hand_cdf():
    xs = two_kernels().sample(20_000, seed=1, w=0.3)

    def cdf(t):
        return 0.3 * stats.norm.cdf(t, -2, 1) + 0.7 * stats.norm.cdf(t, 2, 1)

    assert stats.kstest(xs, cdf).pvalue > 1e-3


def test_check_takes_the_weight():
    r = two().check(n=20_000, seed=0, w=0.3)
    assert r.passed, str(r)


@pytest.mark.parametrize(
    "value, match",
    [
        (1.3, r"at w = 1\.3: its weight 2 = 1 - w must be positive, and is -0\.3"),
        (1.0, r"at w = 1\.0: its weight 2 = 1 - w must be positive, and is 0\.0 there"),
        (0.0, r"Parameter w is declared positive, so its value must be positive \(> 0\); got 0\.0"),
    ],
)
def test_kernels_refuse_a_weight_outside_the_unit_interval(value, match):
    k = two_kernels()
    with pytest.raises(ParameterError, match=match):
        k.log_prob(np.array([0.0]), w=value)
    with pytest.raises(ParameterError, match=match):
        k.sample(10, seed=0, w=value)
    # nothing half-built: the same kernels go on working
    assert k.log_prob(np.array([0.0]), w=0.3)[0] == pytest.approx(
        float(_hand_log_density(0.0, 0.3)), rel=1e-14
    )


def test_kernels_refuse_a_bad_weight_in_an_array_of_values():
    k = two_kernels()
    with pytest.raises(ParameterError, match=r"at w = 1\.5: its weight 2 = 1 - w"):
        k.log_prob(np.array([0.0, 1.0, 2.0]), w=np.array([0.3, 0.4, 1.5]))
    got = k.log_prob(np.array([0.0, 1.0]), w=np.array([0.3, 0.4]))
    truth = [float(_hand_log_density(0.0, 0.3)), float(_hand_log_density(1.0, 0.4))]
    np.testing.assert_allclose(got, truth, rtol=1e-14, atol=0)


def test_weight_of_an_unsigned_symbol_is_checked_at_evaluation():
    X = sf.Flow(sf.Mixture([(r, sf.Normal(0, 1)), (1 - r, sf.Normal(1, 1))]), [])
    with pytest.raises(ParameterError, match=r"at r = -0\.25: its weight 1 = r must be positive"):
        X.compile().log_prob(np.array([0.0]), r=-0.25)


def test_three_weights_and_symbolic_components():
    m, s = sp.Symbol("m", real=True), sp.Symbol("s", positive=True)
    M = sf.Mixture([(a, sf.Normal(m, s)), (b, sf.Normal(0, 1)), (1 - a - b, sf.Normal(3, 1))])
    k = sf.Flow(M, []).compile()
    xs = np.array([-40.0, -1.0, 0.5, 4.0, 50.0])
    got = k.log_prob(xs, a=0.2, b=0.3, m=-3.0, s=0.5)
    inner = xs[1:4]
    truth = np.log(
        0.2 * stats.norm.pdf(inner, -3, 0.5)
        + 0.3 * stats.norm.pdf(inner, 0, 1)
        + 0.5 * stats.norm.pdf(inner, 3, 1)
    )
    np.testing.assert_allclose(got[1:4], truth, rtol=1e-13, atol=0)
    with mpmath.workdps(40):
        far = [
            mpmath.log(
                mpmath.mpf("0.2") * mpmath.npdf(x, -3, 0.5)
                + mpmath.mpf("0.3") * mpmath.npdf(x, 0, 1)
                + mpmath.mpf("0.5") * mpmath.npdf(x, 3, 1)
            )
            for x in (-40, 50)
        ]
    np.testing.assert_allclose(got[[0, 4]], [float(v) for v in far], rtol=1e-13, atol=0)
    with pytest.raises(ParameterError, match=r"weight 3 = -a - b \+ 1 must be positive"):
        k.log_prob(xs, a=0.6, b=0.5, m=0.0, s=1.0)
    with pytest.raises(ParameterError, match=r"component 1 sigma = s"):
        sf.Mixture([(a, sf.Normal(m, s - 2)), (1 - a, sf.Normal(0, 1))]).check_values(
            {"a": 0.5, "s": 1.0, "m": 0.0}
        )


def test_expectations_take_the_weight_and_ask_for_it():
    X = two()
    # E X = 0.3·(−2) + 0.7·2; E X² = 1 + 4
    assert float(X.mean(w=0.3)) == pytest.approx(0.8, rel=1e-12)
    assert float(X.variance(w=0.3)) == pytest.approx(5 - 0.8**2, rel=1e-10)
    with pytest.raises(
        ParameterError, match=r"E\[x\] of .* is computed for numbers: give a value for w"
    ):
        X.mean()
    with pytest.raises(ParameterError, match=r"The entropy of .* give a value for w as a keyword"):
        X.entropy()
