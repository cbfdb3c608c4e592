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
