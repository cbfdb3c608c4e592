"""erf and erfc layers: their inverses have no libm function; the kernel helpers do."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)


@pytest.fixture(scope="module")
def erf_flow():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.erf(z), z)])


def test_erf_of_a_normal_matches_mpmath(erf_flow):
    # x = erf(z): p(x) = phi(erfinv x) / (2/sqrt(pi) exp(-erfinv(x)^2))
    xs = np.array([-1 + 1e-12, -0.999999999, -0.5, 0.0, 0.3, 0.95, 0.9999999999, 1 - 1e-15])
    with mpmath.workdps(40):
        ref = []
        for x in xs:
            w = mpmath.erfinv(mpmath.mpf(x))
            ref.append(
                float(
                    w**2 / 2
                    - mpmath.log(2 * mpmath.pi) / 2
                    - mpmath.log(2 / mpmath.sqrt(mpmath.pi))
                )
            )
    np.testing.assert_allclose(erf_flow.compile().log_prob(xs), ref, rtol=1e-13, atol=0)
    assert np.all(np.isneginf(erf_flow.compile().log_prob(np.array([-1.0, 1.0, 2.0]))))


def test_erf_flow_passes_check(erf_flow):
    assert erf_flow.check(n=50_000).passed


def test_erfc_of_an_exponential_matches_mpmath():
    flow = sf.Flow(sf.Exponential(1), [sf.Transform(sp.erfc(z), z)])
    xs = np.array([1e-300, 1e-20, 1e-5, 0.05, 0.5, 0.99])
    with mpmath.workdps(60):
        ref = []
        for x in xs:
            target = mpmath.mpf(x)
            guess = mpmath.sqrt(-mpmath.log(target)) if x < 0.5 else mpmath.mpf(0.5)
            w = mpmath.findroot(
                lambda t, c=target: mpmath.log(mpmath.erfc(t)) - mpmath.log(c), guess
            )
            ref.append(float(-w + w**2 - mpmath.log(2 / mpmath.sqrt(mpmath.pi))))
    np.testing.assert_allclose(flow.compile().log_prob(xs), ref, rtol=1e-13, atol=0)
