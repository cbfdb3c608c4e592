"""Forty textbook exercises: density, support and name, as a lecturer would write them.

The expected densities in :mod:`exercises` are written by hand; each is compared with the
derived one symbolically (their difference simplifies to 0 on each region), the regions
must be the same disjoint pieces, the name must be the one given (exact parameters), and
where scipy.stats has the family its pdf is an independent numerical oracle. The
derivation's result step must show exactly the density.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from exercises import EXERCISES, x

from symflow.core.closed_form import density_terms
from symflow.stats.family import Family

NAMES = list(EXERCISES)


def flow(name):
    return EXERCISES[name].flow()


def derived_terms(name):
    X = flow(name)
    return [(e.xreplace({X.program.x: x}), r) for e, r in density_terms(X.program)]


def _equal_on(a: sp.Expr, b: sp.Expr, region: sp.Set) -> bool:
    """a − b simplifies to 0 with x carrying the sign the region gives it."""
    if region.inf >= 0:
        t = sp.Symbol("t", positive=True)
        a, b = a.xreplace({x: t}), b.xreplace({x: t})
    elif region.sup <= 0:
        t = sp.Symbol("t", negative=True)
        a, b = a.xreplace({x: t}), b.xreplace({x: t})
    diff = sp.simplify(a - b)
    if diff == 0:
        return True
    return sp.simplify(sp.expand_log(sp.log(a) - sp.log(b), force=True)) == 0


def test_there_are_at_least_thirty_exercises():
    assert len(EXERCISES) >= 30
    assert sum(e.name is None for e in EXERCISES.values()) >= 5  # unnamed results too


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_density_and_support_by_hand(name):
    expected = sorted(EXERCISES[name].density, key=lambda t: float(t[1].inf))
    derived = sorted(derived_terms(name), key=lambda t: float(t[1].inf))
    assert [r for _, r in derived] == [r for _, r in expected]
    for (d, region), (e, _) in zip(derived, expected, strict=True):
        assert _equal_on(d, e, region), f"{name}: {d} != {e} on {region}"
    # the support is the union of the regions, up to the points between them
    support = sp.Union(*[r for _, r in expected])
    assert flow(name).support.closure == support.closure


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_name(name):
    ex = EXERCISES[name]
    found = flow(name).family()
    if ex.name is None:
        assert found is None
    else:
        assert found == Family(ex.name, ex.params)


WITH_ORACLE = [n for n in NAMES if EXERCISES[n].oracle is not None]


@pytest.mark.parametrize("name", WITH_ORACLE, ids=WITH_ORACLE)
def test_density_against_scipy(name):
    oracle = EXERCISES[name].oracle
    points = oracle.ppf(np.linspace(0.02, 0.98, 48))  # not the median: 0 for 1/z
    density = sp.lambdify(x, flow(name).density(x), modules=["numpy", "scipy"])
    with np.errstate(all="ignore"):
        values = np.asarray(density(points), dtype=float)
    np.testing.assert_allclose(values, oracle.pdf(points), rtol=1e-9, atol=0)
    # and the recognised family's own scipy object is the same distribution
    np.testing.assert_allclose(
        flow(name).family().scipy.pdf(points), oracle.pdf(points), rtol=1e-9, atol=0
    )


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_derivation_result_step_is_the_density(name):
    d = flow(name).derivation()
    shown = {d.output_symbol: x}
    result = [(e.xreplace(shown), r) for e, r in d.result]
    assert result == derived_terms(name)
    (step,) = [s for s in d.steps if s.title == "Result"]
    rows = [r for r in step.rows if r.condition and "log" not in str(r.lhs)]
    assert [r.rhs[0][0].xreplace(shown) for r in rows] == [e for e, _ in result]
    assert [r.condition[-1].text for r in rows] == [
        sp.pretty(reg, use_unicode=True, wrap_line=False) for _, reg in result
    ]
