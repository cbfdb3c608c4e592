"""Non-monotone periodic maps on long intervals and on intervals whose ends are irrational
or transcendental: every critical point and branch cut is found, so the density is the
full sum over preimages. SymPy 1.14 intersects the zeros of cos(30w) with an interval
ending at tan(atan(3)/2) as the empty set; the cuts are solved on an enclosing interval
with rational ends instead. Oracle: p_X(x) = Σ p_W(w_i)/|h'(w_i)| over the preimages w_i,
found by bracketing on a fine grid and Brent's method (scipy), with p_W and h' by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

import symflow as sf
from symflow.core.pieces import monotone_pieces, roots_inside, smooth_parts

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
T3 = float(sp.tan(sp.atan(3) / 2))  # (√10 − 1)/3
#: W = tan(atan(U)/2), U ~ U(1, 3): U = 2W/(1 − W²), so p_W(w) = (1 + w²)/(1 − w²)² on
#: (√2 − 1, tan(atan(3)/2))
HALF_ANGLE = [sf.Transform(sp.atan(z), z), sf.Transform(sp.tan(z / 2), z)]


def _half_angle_density(w: float) -> float:
    return (1 + w * w) / (1 - w * w) ** 2


def _preimage_sum(h, dh, density, lo: float, hi: float, value: float) -> float:
    """Σ density(w)/|h'(w)| over the w in (lo, hi) with h(w) = value (h may jump)."""
    ws = np.linspace(lo, hi, 400_001)[1:-1]
    g = h(ws) - value
    total = 0.0
    for i in np.nonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)[0]:
        w = brentq(lambda s: h(s) - value, ws[i], ws[i + 1], xtol=1e-15, rtol=1e-15)
        if abs(h(w) - value) < 1e-9:  # a root, not a jump of h
            total += density(w) / abs(dh(w))
    return total


CASES = {
    "sin(z) on U(0, 7)": (
        sf.Uniform(0, 7),
        [sf.Transform(sp.sin(z), z)],
        (np.sin, np.cos, lambda w: 1 / 7, 0.0, 7.0),
        [-0.93, -0.5, -0.1, 0.2, 0.7, 0.97],
    ),
    "cos(3z) on U(-2, 5)": (
        sf.Uniform(-2, 5),
        [sf.Transform(sp.cos(3 * z), z)],
        (lambda w: np.cos(3 * w), lambda w: -3 * np.sin(3 * w), lambda w: 1 / 7, -2.0, 5.0),
        [-0.93, -0.5, -0.1, 0.2, 0.7, 0.97],
    ),
    # finitely many poles (π/2, 3π/2, 5π/2) on (0, 10): four preimages below tan(10 − 3π)
    "tan(z) on U(0, 10)": (
        sf.Uniform(0, 10),
        [sf.Transform(sp.tan(z), z)],
        (np.tan, lambda w: 1 / np.cos(w) ** 2, lambda w: 1 / 10, 0.0, 10.0),
        [-30.0, -0.5, 0.2, 0.64, 0.66, 7.0],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_density_sums_over_every_preimage(name: str) -> None:
    base, layers, (h, dh, density, lo, hi), points = CASES[name]
    got = sf.Flow(base, layers).density(x)
    for value in points:
        want = _preimage_sum(h, dh, density, lo, hi, value)
        assert float(got.subs(x, value).evalf(20)) == pytest.approx(want, rel=1e-9, abs=0)


#: the range of W = tan(atan(U)/2) for U on (1, 3): its upper end is transcendental
HALF_ANGLE_RANGE = sp.Interval.open(sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2))
t = sp.Symbol("t", positive=True)


def _inside(points, interval=HALF_ANGLE_RANGE) -> list[sp.Expr]:
    lo, hi = float(interval.inf), float(interval.sup)
    return sorted((p for p in points if lo < float(p) < hi), key=float)


@pytest.mark.parametrize(
    ("expr", "cuts"),
    [
        # |cos 30t| changes branch where cos 30t = 0: t = (2k + 1)π/60
        (sp.Abs(sp.cos(30 * t)), [(2 * k + 1) * sp.pi / 60 for k in range(20)]),
        # the condition sin 30t > 0 changes where t = kπ/30
        (
            sp.Piecewise((sp.cos(30 * t), sp.sin(30 * t) > 0), (sp.cos(30 * t) - 3, True)),
            [k * sp.pi / 30 for k in range(10)],
        ),
    ],
    ids=["abs", "piecewise"],
)
def test_branch_cuts_inside_a_range_with_a_transcendental_end(expr, cuts) -> None:
    parts = smooth_parts(expr, t, HALF_ANGLE_RANGE, "f", "z")
    assert [p.sup for p, _ in parts[:-1]] == _inside(cuts)


@pytest.mark.parametrize(
    ("expr", "interval", "critical"),
    [
        # 1 + 2cos z = 0: z = ±2π/3 + 2πk
        (
            t + 2 * sp.sin(t),
            sp.Interval.open(0, 20),
            [s * 2 * sp.pi / 3 + 2 * sp.pi * k for k in range(4) for s in (1, -1)],
        ),
        # 1 + 20cos 20t = 0: t = (±acos(−1/20) + 2πk)/20
        (
            t + sp.sin(20 * t),
            HALF_ANGLE_RANGE,
            [
                (s * sp.acos(-sp.Rational(1, 20)) + 2 * sp.pi * k) / 20
                for k in range(4)
                for s in (1, -1)
            ],
        ),
    ],
    ids=["z+2sin(z)-on-(0,20)", "z+sin(20z)-transcendental-end"],
)
def test_critical_points_of_a_periodic_perturbation(expr, interval, critical) -> None:
    pieces = monotone_pieces(expr, t, interval, "f", "z")
    ends = [p.interval.sup for p in pieces[:-1]]
    want = _inside(critical, interval)
    assert len(ends) == len(want)
    for got, expected in zip(ends, want, strict=True):
        assert float(got) == pytest.approx(float(expected), rel=1e-15)
    assert all(p.direction == -q.direction for p, q in zip(pieces, pieces[1:], strict=False))


@pytest.mark.parametrize(
    ("expr", "interval", "roots"),
    [
        (sp.cos(3 * z), (sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2)), {sp.pi / 6}),
        (
            sp.cos(30 * z),
            (sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2)),
            {3 * sp.pi / 20, sp.pi / 6 + sp.pi / 60, 13 * sp.pi / 60},
        ),
        (sp.sin(z), (sp.Integer(0), sp.pi), set()),  # the ends themselves are not inside
        (
            sp.sin(z),
            (-sp.E, 3 * sp.sqrt(3) * sp.pi),
            {k * sp.pi for k in range(6)},
        ),
    ],
    ids=["cos3z-transcendental", "cos30z-transcendental", "ends-excluded", "sin-long"],
)
def test_roots_inside_an_interval_with_irrational_ends(expr, interval, roots) -> None:
    found = roots_inside(expr, z, sp.Interval.open(*interval))
    assert set(found) == roots


PI_K = "pi/2 \\+ pi\\*k for every integer k"


@pytest.mark.parametrize(
    "base, expr, where",
    [
        (sf.Normal(0, 1), sp.tan(z), f"z = {PI_K}: on the support \\(-oo, oo\\) of Normal"),
        (sf.Normal(0, 1), sp.sec(z), f"z = {PI_K}"),
        (sf.Normal(0, 1), sp.cot(z), "z = pi\\*k for every integer k"),
        (sf.Normal(0, 1), 1 / sp.sin(z), "z = pi\\*k for every integer k"),
        (sf.Exponential(1), sp.tan(z) ** 2, f"z = {PI_K}: on the support \\(0, oo\\)"),
    ],
    ids=["tan", "sec", "cot", "1/sin", "tan^2-on-exponential"],
)
def test_infinitely_many_poles_on_the_support_are_refused_in_words(base, expr, where) -> None:
    with pytest.raises(sf.MonotonicityError, match=where) as info:
        sf.Flow(base, [sf.Transform(expr, z)])
    message = str(info.value)
    assert "infinitely many monotone pieces" in message and "sf.Truncated" in message
    assert not any(dump in message for dump in ("ImageSet", "Complement", "Lambda", "_n"))
