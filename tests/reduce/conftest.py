"""Shared flows of maps to fewer dimensions (derived once per module)."""

import pytest
import sympy as sp

import symflow as sf

Z1, Z2, Z3 = sp.symbols("z1 z2 z3", real=True)
X = sp.Symbol("x", real=True)


@pytest.fixture(scope="session")
def gamma_sum():
    """Gamma(1/2, 1) + Gamma(3/2, 2): no closed form in budget, compiled."""
    import symflow.core.reduce as reduce

    seconds = reduce.CASE_SECONDS, reduce.TOTAL_SECONDS
    reduce.CASE_SECONDS, reduce.TOTAL_SECONDS = 1.0, 2.0
    try:
        base = sf.Independent(sf.Gamma(sp.Rational(1, 2), 1), sf.Gamma(sp.Rational(3, 2), 2))
        flow = sf.Flow(base, [sf.Transform(Z1 + Z2, [Z1, Z2])])
    finally:
        reduce.CASE_SECONDS, reduce.TOTAL_SECONDS = seconds
    return flow


_FLOWS: dict = {}


def _reduced(base, expr, variables=None):
    variables = variables or [Z1, Z2, Z3][: base.dimension]
    key = (repr(base), sp.srepr(expr), tuple(variables))
    if key not in _FLOWS:
        _FLOWS[key] = sf.Flow(base, [sf.Transform(expr, variables)])
    return _FLOWS[key]


@pytest.fixture(scope="session")
def reduced():
    """reduced(base, expr): sf.Flow(base, [sf.Transform(expr, [z1, …])]), derived once."""
    return _reduced
