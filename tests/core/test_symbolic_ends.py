"""Supports whose ends are parameters: Uniform(a, b) and Uniform(−w, w) with symbolic ends
keep their order through a map, fold where SymPy can prove the signs, and say what is
undecided otherwise (scipy.stats and hand-written densities as oracles)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
a, b = sp.symbols("a b", real=True)
w = sp.Symbol("w", positive=True)
x = sp.Symbol("x", real=True)


@pytest.mark.parametrize(
    ("expr", "support", "oracle"),
    [
        (2 * z + 1, sp.Interval.open(2 * a + 1, 2 * b + 1), stats.uniform(1, 2)),
        (-3 * z, sp.Interval.open(-3 * b, -3 * a), stats.uniform(-3, 3)),
        (sp.exp(z), sp.Interval.open(sp.exp(a), sp.exp(b)), stats.loguniform(1, np.e)),
    ],
    ids=["affine", "decreasing", "exp"],
)
def test_a_monotone_map_of_a_symbolic_uniform(expr, support, oracle) -> None:
    X = sf.Flow(sf.Uniform(a, b), [sf.Transform(expr, z)])
    assert X.support == support  # the ends in their order, not swapped
    xs = np.array([-2.5, -1.0, 0.3, 1.5, 2.0, 2.9, 4.0])
    want = oracle.logpdf(xs)
    got = X.compile().log_prob(xs, a=0.0, b=1.0)
    inside = np.isfinite(want)
    np.testing.assert_allclose(got[inside], want[inside], rtol=1e-13, atol=0)
    assert np.all(got[~inside] == -np.inf)


@pytest.mark.parametrize(
    ("low", "counts"), [(-w, lambda t: np.where(t < 1, 2, 0)), (-w, None)], ids=["sym", "x"]
)
def test_square_of_a_uniform_with_a_positive_parameter(low, counts) -> None:
    # z² on U(−w, w): 1/(2w√x) on (0, w²); on U(−w, 2w): 2 or 1 preimages over 3w
    if counts is None:
        X = sf.Flow(sf.Uniform(-w, 2 * w), [sf.Transform(z**2, z)])
        xs = np.array([0.25, 0.81, 2.0, 3.9])
        want = np.log(np.where(xs < 1, 2, 1) / (6 * np.sqrt(xs)))
    else:
        X = sf.Flow(sf.Uniform(low, w), [sf.Transform(z**2, z)])
        assert X.density(x) == sp.Piecewise(
            (1 / (2 * w * sp.sqrt(x)), (x > 0) & (x < w**2)), (0, True)
        )
        xs = np.array([0.25, 0.81])
        want = np.log(1 / (2 * np.sqrt(xs)))
    np.testing.assert_allclose(X.compile().log_prob(xs, w=1.0), want, rtol=1e-13, atol=0)


def test_a_fold_that_depends_on_the_parameters_is_named() -> None:
    with pytest.raises(sf.MonotonicityError, match=r"for every value of a, b: .* vanishes"):
        sf.Flow(sf.Uniform(a, b), [sf.Transform(z**2, z)])


def test_poles_that_depend_on_the_parameters_are_named() -> None:
    with pytest.raises(
        sf.SupportError,
        match=r"contains tan\(z\), which is not continuous where z = pi\*n \+ pi/2 for some "
        r"integer n, .*for every value of a, b which of these points lie inside \(a, b\)",
    ):
        sf.Flow(sf.Uniform(a, b), [sf.Transform(sp.tan(z), z)])
