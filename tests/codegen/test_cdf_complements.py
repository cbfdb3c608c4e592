"""CDFs whose inverse map is a quantile function: F_Z(g(x)) = (1 + erf(x/√2))/2 or
atan(x)/π + 1/2 must not cancel to 0 in the far lower tail (scipy.stats as the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)
X = np.array([-1e300, -1e20, -30.0, -7.0, -1e-300, 0.0, 3.0, 30.0, 1e20, 1e300])


@pytest.mark.parametrize(
    ("base", "expr", "oracle"),
    [
        (sf.Uniform(0, 1), sp.sqrt(2) * sp.erfinv(2 * z - 1), stats.norm()),
        (sf.Uniform(0, 2), -sp.tan(sp.pi * z / 2 - sp.pi / 2), stats.cauchy()),
    ],
    ids=["probit", "cauchy-quantile-decreasing"],
)
def test_cdf_and_sf_keep_their_digits_in_both_tails(base, expr, oracle) -> None:
    k = sf.Flow(base, [sf.Transform(expr, z)]).compile()
    np.testing.assert_allclose(k.cdf(X), oracle.cdf(X), rtol=1e-12, atol=0)
    np.testing.assert_allclose(k.sf(X), oracle.sf(X), rtol=1e-12, atol=0)
