"""Property tests: random chains of transforms pass check(), integrate to 1 and invert.

Chains are drawn layer by layer. Each candidate layer is pushed through a numeric range
of the base (its 1e-7 and 1 - 1e-7 quantiles, or its bounds) and kept only if the values
stay comfortably inside float64: at most one growing layer (exp, sinh, odd power) between
two squashing ones (sigmoid, asinh), sigmoid fed values of moderate size, and no value
beyond 1e8. Periodic layers are only drawn on bounded supports.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

import symflow as sf
from symflow.verify.check import check_flow

#: CI runs the example counts below; PROPERTY_SCALE=20 (with HYPOTHESIS_PROFILE=dev) runs
#: twenty times as many, at random
SCALE = int(os.environ.get("PROPERTY_SCALE", "1"))

z = sp.Symbol("z", real=True)
LIMIT = 1e8
# Odd powers whose input straddles 0 put an infinite density value at the image of 0, and
# check() then fails (tests/verify/test_check.py::test_check_through_a_critical_value,
# xfail). Set to True once that bug is fixed.
ODD_POWERS_THROUGH_ZERO = True
# A power whose input reaches 0 makes the density blow up like |x - c|^(1/p - 1) at the
# image c of 0. Where c = 0 float64 resolves it; once a later layer moves c away from 0
# the mass between c and its neighbouring float (4e-16 at c = 2) is (4e-16)^(1/p) and
# no float64 integral reaches 1e-6. Such powers are therefore drawn only as last layer.
SINGULAR_POWERS = ("cube", "fifth", "fourth")
# asinh on unbounded supports (its log|det| once overflowed there: see
# tests/codegen/test_kernel.py::test_asinh_log_det_far_out); False draws it only on
# bounded supports
ASINH_ON_UNBOUNDED = True


@dataclass(frozen=True)
class Kind:
    """A family of layers: its SymPy form, a float version, and how it treats sizes."""

    name: str
    expr: object  # z -> SymPy expression
    fn: object  # float -> float
    grows: bool = False
    squashes: bool = False
    periodic: bool = False
    monotone: bool = True


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


MONOTONE = [
    Kind("exp", sp.exp, math.exp, grows=True),
    Kind("sinh", sp.sinh, math.sinh, grows=True),
    Kind("cube", lambda e: e**3, lambda v: v**3, grows=True),
    Kind("fifth", lambda e: e**5, lambda v: v**5, grows=True),
    Kind("asinh", sp.asinh, math.asinh, squashes=True),
    Kind("sigmoid", lambda e: 1 / (1 + sp.exp(-e)), _sigmoid, squashes=True),
]
EXTRA = [
    Kind("square", lambda e: e**2, lambda v: v * v, grows=True, monotone=False),
    Kind("fourth", lambda e: e**4, lambda v: v**4, grows=True, monotone=False),
    Kind("abs", sp.Abs, abs, monotone=False),
    Kind("cos", sp.cos, math.cos, periodic=True, monotone=False),
    Kind("sin", sp.sin, math.sin, periodic=True, monotone=False),
    Kind("z+z^3", lambda e: e + e**3, lambda v: v + v**3, grows=True),
    Kind("z+sin/2", lambda e: e + sp.sin(e) / 2, lambda v: v + math.sin(v) / 2),
    Kind("z+exp", lambda e: e + sp.exp(e), lambda v: v + math.exp(v), grows=True),
]
SLOPES = [sp.Rational(s) for s in ("-3", "-2", "-1", "-1/2", "1/2", "1", "3/2", "2", "3")]
SHIFTS = [sp.Integer(s) for s in range(-2, 3)]

# name, base, numeric range holding all but ~1e-7 of its mass, bounded support?
BASES = [
    ("Normal(0, 1)", lambda: sf.Normal(0, 1), (-5.3, 5.3), False),
    ("Normal(1, 1/2)", lambda: sf.Normal(1, sp.Rational(1, 2)), (1 - 2.65, 1 + 2.65), False),
    ("Uniform(0, 1)", lambda: sf.Uniform(0, 1), (0.0, 1.0), True),
    ("Uniform(-1, 2)", lambda: sf.Uniform(-1, 2), (-1.0, 2.0), True),
    ("Exponential(1)", lambda: sf.Exponential(1), (1e-7, 16.2), False),
    ("Exponential(2)", lambda: sf.Exponential(2), (5e-8, 8.1), False),
]


@dataclass(frozen=True)
class Chain:
    base_name: str
    base: object
    layers: tuple[tuple[str, sp.Expr], ...]

    def flow(self) -> sf.Flow:
        return sf.Flow(self.base(), [sf.Transform(e, z) for _, e in self.layers])

    def __repr__(self) -> str:
        return f"{self.base_name} -> " + " -> ".join(str(e) for _, e in self.layers)


def _image(fn, lo: float, hi: float) -> tuple[float, float] | None:
    """Numeric range of fn over [lo, hi] (a grid, for non-monotone layers), or None."""
    try:
        values = [fn(lo + (hi - lo) * i / 400) for i in range(401)]
    except (OverflowError, ValueError):
        return None
    if not all(math.isfinite(v) for v in values):
        return None
    return min(values), max(values)


def _allowed(
    kind: Kind, lo: float, hi: float, grown: bool, bounded: bool, last: bool
) -> tuple[float, float] | None:
    if kind.grows and grown:
        return None
    if kind.name == "asinh" and not bounded and not ASINH_ON_UNBOUNDED:
        return None
    if kind.name == "sigmoid" and max(abs(lo), abs(hi)) > 20:
        return None
    if kind.name in ("exp", "z+exp") and lo < -40:
        return None
    if kind.periodic and not (bounded and hi - lo <= 4 * math.pi):
        return None
    if kind.name in ("cube", "fifth") and lo < 0 < hi and not ODD_POWERS_THROUGH_ZERO:
        return None
    if kind.name in SINGULAR_POWERS and lo < 1e-3 and hi > -1e-3 and not last:
        return None
    image = _image(kind.fn, lo, hi)
    if image is None or max(abs(image[0]), abs(image[1])) > LIMIT:
        return None
    if image[1] - image[0] < 1e-3:  # too thin to resolve in float64 after a few layers
        return None
    return image


@st.composite
def chains(draw, kinds: list[Kind], max_layers: int, max_non_monotone: int = 0) -> Chain:
    base_name, base, (lo, hi), bounded = draw(st.sampled_from(BASES))
    n = draw(st.integers(1, max_layers))
    grown = False
    non_monotone = 0
    layers: list[tuple[str, sp.Expr]] = []
    for i in range(n):
        options = []
        for kind in kinds:
            if not kind.monotone and non_monotone >= max_non_monotone:
                continue
            if kind.name == "z+sin/2" and any(name == kind.name for name, _ in layers):
                continue  # slow to derive (SymPy tries to solve it): once per chain
            if kind.name == "z+sin/2" and not bounded:
                continue  # its density oscillates out to infinity: quad cannot reach 1e-6
            image = _allowed(kind, lo, hi, grown, bounded, last=i == n - 1)
            if image is not None:
                options.append((kind, image))
        choice = draw(st.sampled_from([None, *range(len(options))]))  # None: affine
        if choice is None:
            a, b = draw(st.sampled_from(SLOPES)), draw(st.sampled_from(SHIFTS))
            ends = (float(a) * lo + float(b), float(a) * hi + float(b))
            if max(abs(v) for v in ends) > LIMIT:
                continue
            layers.append(("affine", a * z + b))
            lo, hi = min(ends), max(ends)
            continue
        kind, (lo, hi) = options[choice]
        layers.append((kind.name, kind.expr(z)))
        grown = (grown or kind.grows) and not kind.squashes
        bounded = bounded or kind.name == "sigmoid"
        non_monotone += not kind.monotone
    if not layers:
        layers.append(("affine", 2 * z + 1))
    return Chain(base_name, base, tuple(layers))


def _intervals(support: sp.Set) -> list[tuple[float, float]]:
    parts = support.args if isinstance(support, sp.Union) else (support,)
    return sorted((float(p.inf), float(p.sup)) for p in parts)


def total_mass(k, support: sp.Set, samples: np.ndarray, breaks: list[float]) -> float:
    """∫ p_X over the support with scipy.integrate.quad.

    Split at sample quantiles, at ``breaks`` (where a branch starts or stops), and
    geometrically towards every finite end and break, down to the neighbouring float
    (x^(-4/5)-type singularities sit there when a power meets 0).
    """
    finite = samples[np.isfinite(samples)]
    levels = np.concatenate([[1e-4, 1e-3], np.linspace(0.01, 0.99, 50), [1 - 1e-3, 1 - 1e-4]])
    cuts = list(np.quantile(finite, levels))
    # infinite ends: segments doubling in length up to 1e300
    span = max(cuts[-1] - cuts[0], 1.0)
    cuts += [cuts[-1] + span * 2.0**j for j in range(1000)]
    cuts += [cuts[0] - span * 2.0**j for j in range(1000)]
    ends = [v for lo, hi in _intervals(support) for v in (lo, hi) if math.isfinite(v)]
    for b in [*breaks, *ends]:
        steps = (b + s * 10.0**-j for j in range(1, 320) for s in (-1, 1))
        cuts.extend(c for c in steps if c != b)
    total = 0.0
    for lo, hi in _intervals(support):
        inner = sorted({float(c) for c in cuts if lo < c < hi})
        edges = [lo, *inner, hi]
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            with warnings.catch_warnings():  # the total is judged below, not quad's estimate
                warnings.simplefilter("ignore", integrate.IntegrationWarning)
                value, _ = integrate.quad(k.prob_1, a, b, limit=200, epsabs=1e-13, epsrel=1e-10)
            total += value
    return total


def assert_flow_is_right(chain: Chain, round_trip: bool) -> None:
    X = chain.flow()
    k = X.compile()
    # the statistical tests and the normalisation; kernels in the far tails of random
    # chains are the subject of tests/codegen/test_edges.py (against mpmath)
    report = check_flow(X, n=20_000, seed=0, tail=False)
    failed = [t.name for t in report.tests if not t.passed]
    assert not failed and not report.inconclusive, f"{chain!r}\n{report}"
    samples = k.sample(20_000, seed=1)
    breaks = [float(e) for p in X.program.paths for e in (p.region.inf, p.region.sup)]
    mass = total_mass(k, X.support, samples, [b for b in breaks if math.isfinite(b)])
    assert abs(mass - 1.0) < 1e-6, f"{chain!r}: density integrates to {mass!r}"
    if round_trip:
        zs = X.base.sample(500, np.random.default_rng(2))
        xs = k.forward(zs)
        ok = np.isfinite(xs)
        np.testing.assert_allclose(
            k.inverse(xs[ok]), zs[ok], rtol=1e-6, atol=1e-6, err_msg=repr(chain)
        )


def points_outside(support: sp.Set) -> list[float]:
    """Finite ends of the support, the floats just beyond them, and points 1 further out."""
    parts = _intervals(support)
    out = []
    for a, b in parts:
        if math.isfinite(a):
            out += [a, np.nextafter(a, -np.inf), a - 1.0]
        if math.isfinite(b):
            out += [b, np.nextafter(b, np.inf), b + 1.0]
    # the float nearest an irrational end may lie inside: keep the ones truly outside
    return [v for v in out if support.contains(sp.Rational(v)) != sp.true]


@settings(max_examples=7 * SCALE)
@given(chains(MONOTONE, max_layers=6))
def test_random_bijective_chains(chain: Chain) -> None:
    assert_flow_is_right(chain, round_trip=True)


@settings(max_examples=6 * SCALE)
@given(chains(MONOTONE + EXTRA, max_layers=4, max_non_monotone=2))
def test_random_chains_with_branches_and_implicit_inverses(chain: Chain) -> None:
    X = chain.flow()
    assert_flow_is_right(chain, round_trip=X.program.is_bijective)


# -- the generator itself ------------------------------------------------------------


@pytest.mark.parametrize("kind", MONOTONE + EXTRA, ids=lambda k: k.name)
def test_float_form_of_each_layer_matches_its_sympy_form(kind: Kind) -> None:
    for v in (-1.3, 0.2, 0.9, 2.5):
        assert kind.fn(v) == pytest.approx(float(kind.expr(sp.Float(v))), rel=1e-14)


@settings(max_examples=6 * SCALE)
@given(chains(MONOTONE + EXTRA, max_layers=4, max_non_monotone=2))
def test_random_chains_are_minus_inf_outside_their_support(chain: Chain) -> None:
    X = chain.flow()
    points = points_outside(X.support)
    assert np.all(np.isneginf(X.compile().log_prob(points))), f"{chain!r}: {points}"
