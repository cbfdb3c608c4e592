"""Property tests: random triangular (autoregressive) flows in 2–4 dimensions."""

from __future__ import annotations

import os

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symflow as sf

#: CI runs the example counts below; PROPERTY_SCALE=20 (with HYPOTHESIS_PROFILE=dev) runs
#: twenty times as many, at random
SCALE = int(os.environ.get("PROPERTY_SCALE", "1"))

SLOPES = [sp.Rational(1, 2), sp.Rational(3, 4), 1, sp.Rational(3, 2), 2, -1, sp.Rational(-4, 3)]
COUPLINGS = ["none", "tanh", "square", "sin"]


@st.composite
def triangular_flows(draw):
    d = draw(st.integers(2, 4))
    zs = sp.symbols(f"w1:{d + 1}", real=True)
    layers = []
    for _ in range(draw(st.integers(1, 2))):
        exprs = []
        for k in range(d):
            a = draw(st.sampled_from(SLOPES))
            b = sp.Rational(draw(st.integers(-3, 3)), 2)
            coupling = draw(st.sampled_from(COUPLINGS)) if k else "none"
            prev = zs[k - 1] if k else 0
            extra = {
                "none": 0,
                "tanh": sp.tanh(prev),
                "square": prev**2 / 4,
                "sin": sp.sin(prev) / 2,
            }[coupling]
            exprs.append(a * zs[k] + extra + b)
        layers.append(sf.Transform(exprs, list(zs)))
    return sf.Flow(sf.Independent(*[sf.Normal(0, 1)] * d), layers)


@settings(max_examples=7 * SCALE)
@given(triangular_flows())
def test_random_triangular_flows(flow):
    assert all(layer.structure in ("triangular", "constant", "block") for layer in flow.layers)
    k = flow.compile()
    zs = np.random.default_rng(0).normal(size=(200, flow.dimension))
    xs = k.forward(zs)
    np.testing.assert_allclose(k.inverse(xs), zs, rtol=1e-9, atol=1e-9)
    report = flow.check(n=40_000, seed=1)
    assert report.passed, str(report)
