"""One transform that composes invertible pieces behaves exactly as the same pieces given as
a list of layers: same support, same closed form, same kernel.

Oracle for the closed forms: mpmath at 30 digits, evaluating both densities at points of the
support (the list's density is built layer by layer, so it does not depend on how one
composed expression is read)."""

from __future__ import annotations

import os

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symflow as sf
from symflow.core.intervals import compare, interior_points

#: CI runs the example counts below; PROPERTY_SCALE=20 (with HYPOTHESIS_PROFILE=dev) runs
#: twenty times as many, at random
SCALE = int(os.environ.get("PROPERTY_SCALE", "1"))

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)

# maps defined on all of R, and what they do to the kind of support: R, (0, oo), (0, 1)
ANYWHERE = {
    "affine": (lambda u: 2 * u - 1, None),
    "negate": (lambda u: -3 * u + sp.Rational(1, 2), None),
    "exp": (sp.exp, "pos"),
    "sinh": (sp.sinh, None),
    "asinh": (sp.asinh, None),
    "atan": (sp.atan, "bounded"),
    "sigmoid": (lambda u: 1 / (1 + sp.exp(-u)), "unit"),
    "cube": (lambda u: u**3, None),
}
ON_POSITIVE = {"log": (sp.log, "R"), "sqrt": (sp.sqrt, "pos")}
ON_UNIT = {
    "logit": (lambda u: sp.log(u / (1 - u)), "R"),
    "erfinv": (lambda u: sp.erfinv(2 * u - 1), "R"),
}


@st.composite
def chains(draw):
    kind, names, maps = "R", [], []
    for _ in range(draw(st.integers(1, 3))):
        table = dict(ANYWHERE)
        if kind == "pos":
            table.update(ON_POSITIVE)
        if kind == "unit":
            table.update(ON_UNIT)
        name = draw(st.sampled_from(sorted(table)))
        f, new_kind = table[name]
        names.append(name)
        maps.append(f)
        if new_kind is not None:
            kind = new_kind
        elif name in ("affine", "negate", "sinh", "asinh", "cube"):
            kind = "R"
    return names, maps


@settings(max_examples=4 * SCALE)
@given(chains())
def test_one_composed_transform_equals_the_chain(chain) -> None:
    names, maps = chain
    layers = [sf.Transform(f(z), z) for f in maps]
    composed = z
    for f in maps:
        composed = f(composed)
    as_list = sf.Flow(sf.Normal(0, 1), layers)
    as_one = sf.Flow(sf.Normal(0, 1), [sf.Transform(composed, z)])
    s1, s2 = as_list.support, as_one.support
    assert compare(s1.inf, s2.inf) == 0 and compare(s1.sup, s2.sup) == 0, (names, s1, s2)
    d1, d2 = as_list.log_density(x), as_one.log_density(x)
    assert "^-1" not in str(d2), (names, d2)
    points = list(interior_points(s1, 5))
    checked, truth = [], []
    for p in points:
        v1 = d1.subs(x, sp.Float(p, 30)).evalf(30)
        v2 = d2.subs(x, sp.Float(p, 30)).evalf(30)
        if not (v1.is_finite and v2.is_finite):  # the image of a stationary point (z**3 at 0)
            assert not v1.is_finite and not v2.is_finite, (names, p, v1, v2)
            continue
        assert abs(v1 - v2) <= 1e-20 * max(1, abs(v1)), (names, p, v1, v2)
        if abs(v1) < 1e300:  # finite in float64: the kernels must agree there too
            checked.append(p)
            truth.append(float(v1))
    xs, truth = np.array(checked), np.array(truth)
    k1, k2 = as_list.compile().log_prob(xs), as_one.compile().log_prob(xs)
    scale = np.maximum(1.0, np.abs(truth))
    # wherever the layer-by-layer kernel is right to 1e-13, the composed one is too
    # (near support edges both depend on the edge-distance rewrites of the kernels)
    right = np.abs(k1 - truth) <= 1e-13 * scale
    assert np.all(np.abs(k2 - truth)[right] <= 1e-13 * scale[right]), (names, xs, k1, k2, truth)
