"""Sums whose pieces end at parameters or at numbers SymPy cannot prove finite: the pieces
are ordered under the assumptions, or the density stays an integral; never a TypeError
from float() of an end, and never a CDF that is not 0 below the support."""

from __future__ import annotations

import pytest
import sympy as sp

import symflow as sf
from symflow.core.reduce import Reduction, Term, output_cdf, to_pieces

Z1, Z2 = sp.symbols("z1 z2", real=True)
X = sp.Symbol("x", real=True)
C = sp.Symbol("c", positive=True)


def _sum(first):
    return sf.Flow(sf.Independent(first, sf.Uniform(0, 1)), [sf.Transform(Z1 + Z2, [Z1, Z2])])


def test_cdf_is_zero_below_an_end_sympy_cannot_prove_finite() -> None:
    # the density 1/(1 − a) on (a, 1), a = tan(e) ≈ −0.45 (SymPy: is_finite None), as the
    # sum of U(a, 1) and an auxiliary integrates to: F(x) = 0 for x ≤ a (F(−1) was −0.38,
    # the first piece's end counted as −oo); through the public API this is
    # Flow(Independent(Uniform(a, 1), Uniform(0, 1)), [z1 + z2]).cdf(x), which costs 3 s
    a = sp.tan(sp.E)
    pieces = to_pieces([Term(1 / (1 - a), (X - a >= 0, 1 - X >= 0))], X)
    assert pieces is not None and [r.inf for _, r in pieces] == [a]
    reduction = Reduction(None, None, (), (X,), (), (), (), (), pieces=tuple(pieces))
    cdf = output_cdf(reduction, X)
    lo = float(a)
    for v in (-1.0, lo - 1e-9, 0.0, 0.99, 2.0):
        want = min(max((v - lo) / (1 - lo), 0.0), 1.0)
        assert float(cdf.subs(X, v)) == pytest.approx(want, rel=1e-12, abs=1e-15), v


@pytest.mark.parametrize(
    ("first", "support", "pieces"),
    [
        # ends c, c + 1, c + 2: ordered from the assumptions (was TypeError from float(c))
        pytest.param(
            sf.Uniform(C, C + 1),
            sp.Interval.open(C, C + 2),
            [X - C, C + 2 - X],
            id="shifted-by-c",
        ),
        # ends 0, c, 1, c + 1: the order of c and 1 is not decided; the density stays an
        # integral over the auxiliary (numerical in the kernels)
        pytest.param(sf.Uniform(0, C), sp.Interval.open(0, C + 1), None, id="width-c"),
    ],
)
def test_sum_with_parameter_ends(first, support, pieces) -> None:
    flow = _sum(first)
    assert flow.support == support
    density = flow.density(X)
    if pieces is None:
        assert density.has(sp.Integral)
    else:
        assert [sp.expand(e) for e, _ in density.args[:-1]] == pieces


@pytest.mark.parametrize(
    ("expr", "support"),
    [
        (sp.Max(Z1, Z2), sp.Interval.open(0, sp.Max(C, 1))),
        (sp.Min(Z1, Z2), sp.Interval.open(0, sp.Min(C, 1))),
    ],
    ids=["max", "min"],
)
def test_support_of_a_reduction_with_a_parameter_end(expr, support) -> None:
    # by hand: Max and Min increase in each argument, so the image of (0, c) x (0, 1) runs
    # between their values at the corners
    flow = sf.Flow(
        sf.Independent(sf.Uniform(0, C), sf.Uniform(0, 1)), [sf.Transform(expr, [Z1, Z2])]
    )
    assert flow.support == support
