"""Layers: a transform placed on a support, with its branches, images and log|f'|."""

from __future__ import annotations

import math

import mpmath as mp
import pytest
import sympy as sp

import symflow as sf
from symflow.core.layer import ImplicitInverse, Layer, tidy_log

z = sp.Symbol("z", real=True)
R = sp.S.Reals
POS = sp.Interval.open(0, sp.oo)


def test_exp_layer_on_the_reals() -> None:
    layer = Layer.place(sf.Transform(sp.exp(z), z), R, index=1)
    assert layer.index == 1
    assert layer.support == R
    assert layer.input_symbol.name == "z_0"
    assert layer.output_symbol.name == "z_1"
    assert layer.output_symbol.is_positive  # the image (0, oo) is carried as an assumption
    assert layer.forward == sp.exp(layer.input_symbol)
    assert layer.is_bijective
    assert layer.image == POS
    (b,) = layer.branches
    assert b.direction == 1
    assert b.image == POS
    assert b.inverse == sp.log(layer.output_symbol)
    assert b.log_abs_det_jacobian == layer.input_symbol  # log|exp'(z)| = z
    assert b.derivative == sp.exp(layer.input_symbol)
    assert not b.implicit


# id, forward, support, [(direction, inverse g(y) by hand, log|f'(t)| by hand)]
BRANCHES = [
    ("sinh", sp.sinh(z), R, [(1, lambda y: sp.asinh(y), lambda t: sp.log(sp.cosh(t)))]),
    ("decreasing-affine", -2 * z + 1, R, [(-1, lambda y: (1 - y) / 2, lambda t: sp.log(2))]),
    (
        "square",
        z**2,
        R,
        [
            (-1, lambda y: -sp.sqrt(y), lambda t: sp.log(-2 * t)),
            (1, lambda y: sp.sqrt(y), lambda t: sp.log(2 * t)),
        ],
    ),
    (
        "cos",
        sp.cos(z),
        sp.Interval.open(0, 2 * sp.pi),
        [
            (-1, lambda y: sp.acos(y), lambda t: sp.log(sp.sin(t))),
            (1, lambda y: 2 * sp.pi - sp.acos(y), lambda t: sp.log(-sp.sin(t))),
        ],
    ),
    (
        "reciprocal",
        1 / z,
        R,
        [
            (-1, lambda y: 1 / y, lambda t: -2 * sp.log(-t)),
            (-1, lambda y: 1 / y, lambda t: -2 * sp.log(t)),
        ],
    ),
]


def _close(a: sp.Expr, b: sp.Expr, symbol: sp.Symbol, values: list[float]) -> bool:
    for v in values:
        left = complex(sp.N(a.subs(symbol, v), 30))
        right = complex(sp.N(b.subs(symbol, v), 30))
        if not math.isclose(left.real, right.real, rel_tol=1e-12, abs_tol=1e-13):
            return False
        if left.imag != 0:
            return False
    return True


@pytest.mark.parametrize(
    ("f", "support", "expected"), [c[1:] for c in BRANCHES], ids=[c[0] for c in BRANCHES]
)
def test_branches_against_hand_written_inverses_and_log_dets(f, support, expected) -> None:
    layer = Layer.place(sf.Transform(f, z), support, index=1)
    assert len(layer.branches) == len(expected)
    y, t = layer.output_symbol, layer.input_symbol
    for b, (direction, g, log_det) in zip(layer.branches, expected, strict=True):
        assert b.direction == direction
        lo, hi = float(b.image.inf), float(b.image.sup)
        ys = [v for v in (-3.0, -0.9, -0.1, 0.2, 0.5, 0.95, 4.0) if lo < v < hi]
        assert _close(b.inverse, g(y), y, ys)
        ts = [float(b.inverse.subs(y, v)) for v in ys]
        assert _close(b.log_abs_det_jacobian, log_det(t), t, ts)


def test_image_is_the_union_of_branch_images() -> None:
    layer = Layer.place(sf.Transform(1 / z, z), R, index=1)
    assert layer.image == sp.Union(sp.Interval.open(-sp.oo, 0), POS)
    assert not layer.is_bijective


def test_second_layer_starts_from_the_first_layers_image() -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.Transform(sp.log(z), z)])
    first, second = X.layers
    assert second.support == first.image == POS
    assert second.index == 2
    assert second.input_symbol.name == "z_1"
    assert second.input_symbol.is_positive
    assert second.image == R
    assert X.transforms[1] is second.transform


def test_implicit_branch_is_an_unevaluated_inverse_with_the_right_derivative() -> None:
    layer = Layer.place(sf.Transform(z + sp.sin(z) / 2, z), R, index=1)
    (b,) = layer.branches
    assert b.implicit
    assert isinstance(b.inverse, ImplicitInverse)
    y = layer.output_symbol
    # d/dy f^-1(y) = 1 / f'(f^-1(y))
    g = b.inverse
    assert sp.simplify(sp.diff(g, y) - 1 / (1 + sp.cos(g) / 2)) == 0
    assert "f_1^-1(z_1)" in str(g)
    assert r"f_1^{-1}" in sp.latex(g)
    # its forward map and piece are carried for the numeric solver
    assert type(g).lo == -sp.oo and type(g).hi == sp.oo and type(g).direction == 1


def test_declared_inverse_hint_is_checked_per_branch() -> None:
    with pytest.raises(sf.InverseError, match=r"declared inverse sqrt\(z\) .* wrong on \(-oo, 0\)"):
        Layer.place(sf.Transform(z**2, z, inverse=sp.sqrt(z)), R, index=1)


TIDY = [
    ("log-of-reciprocal", lambda p: sp.log(1 / p), lambda p: -sp.log(p)),
    ("log-of-product", lambda p: sp.log(p**3 * sp.exp(p)), lambda p: 3 * sp.log(p) + p),
    ("log-of-power", lambda p: sp.log(p**-2), lambda p: -2 * sp.log(p)),
]


@pytest.mark.parametrize(("before", "after"), [c[1:] for c in TIDY], ids=[c[0] for c in TIDY])
def test_tidy_log_expands_under_assumptions(before, after) -> None:
    p = sp.Symbol("p", positive=True)
    assert sp.expand(tidy_log(before(p)) - after(p)) == 0


def test_tidy_log_leaves_signs_it_cannot_prove() -> None:
    r = sp.Symbol("r", real=True)
    out = tidy_log(sp.log(r**2))
    with mp.workdps(20):
        assert float(out.subs(r, -3)) == pytest.approx(math.log(9), rel=1e-14)


def test_constant_base_power_gives_a_lognormal() -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2**z, z)])
    assert X.support == POS


def test_image_endpoints_are_simplified() -> None:
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.asinh(z), z), sf.Transform(sp.sinh(z), z)])
    assert X.support == sp.Interval.open(0, 1)


def test_implicit_inverse_evaluates() -> None:
    """evalf, lambdify to mpmath and to NumPy: a bracketed solve on the piece."""
    import numpy as np

    z, x = sp.Symbol("z", real=True), sp.Symbol("x", real=True)
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + sp.exp(z), z)])
    with mp.workdps(40):
        root = mp.findroot(lambda t: t + mp.exp(t) - mp.mpf("1.3"), 0.2)
        expected = -(root**2) / 2 - mp.log(2 * mp.pi) / 2 - mp.log(1 + mp.exp(root))
        value = X.log_density(x).subs(x, sp.Rational(13, 10)).evalf(30)
        assert abs(value - sp.Float(str(expected), 30)) < 1e-25
        f = sp.lambdify(x, X.log_density(x), "mpmath")
        assert abs(f(mp.mpf("1.3")) - expected) < mp.mpf(10) ** -30
    g = sp.lambdify(x, X.log_density(x), "numpy")
    np.testing.assert_allclose(g(np.array([1.3])), [float(expected)], rtol=1e-14)
