"""A pole strictly inside a state's range splits it, whatever form the range's ends take.

The oracle is the hand-computed image: on each side of the pole the map is monotone, so
its image there runs from its value at the range's end to ±oo, and the ends are compared
with mpmath at 30 digits.
"""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

import symflow as sf
from symflow.core.pieces import chain_pieces, defined_part

z = sp.Symbol("z", real=True)
t = sp.Symbol("t", real=True)
pi = sp.pi


def _ends(support: sp.Set) -> list[tuple[float, float]]:
    """The open intervals of a support as (inf, sup) pairs of floats, in order."""
    parts = support.args if isinstance(support, sp.Union) else (support,)
    return sorted((float(p.inf), float(p.sup)) for p in parts)


def test_the_pole_inside_a_range_with_a_transcendental_end_is_a_cut() -> None:
    # SymPy's continuous_domain sees no pole of tan(πt) on this interval
    inside = sp.Interval.open(sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2))
    parts, cuts = defined_part(sp.tan(pi * t), t, inside, "tan(πz)", "z")
    assert cuts == [sp.S.Half]
    assert parts == [
        sp.Interval.open(sp.sqrt(2) - 1, sp.S.Half),
        sp.Interval.open(sp.S.Half, sp.tan(sp.atan(3) / 2)),
    ]


def test_a_chain_is_not_merged_across_a_pole() -> None:
    # both sides of ½ increase, but tan(πt) jumps from oo to −oo there
    inside = sp.Interval.open(sp.sqrt(2) - 1, sp.tan(sp.atan(3) / 2))
    pieces = chain_pieces(sp.tan(pi * t), t, inside)
    assert [(p.interval.sup, p.direction) for p in pieces] == [
        (sp.S.Half, 1),
        (sp.tan(sp.atan(3) / 2), 1),
    ]
    # across a stationary point (t³ at 0) it still is one piece
    (cube,) = chain_pieces(t**3, t, sp.Interval.open(-1, 2))
    assert cube.stationary == (0,)


with mp.workdps(30):
    _CASES = {
        # U(0, 1) layers -> the two pieces of the support, by hand
        # tan(πz) after atan(4z + 1), tan(z/2): range (√2 − 1, (√26 − 1)/5) ∋ ½, which
        # SymPy gives as (√2 − 1, tan(atan(5)/2))
        "tan-after-tan-half-angle": (
            [sp.atan(4 * z + 1), sp.tan(z / 2), sp.tan(pi * z)],
            [
                (-mp.inf, mp.tan(mp.pi * (mp.sqrt(26) - 1) / 5)),
                (mp.tan(mp.pi * (mp.sqrt(2) - 1)), mp.inf),
            ],
        ),
        # csc(2πz) after atan(2z + 1), tan(z/2): range (√2 − 1, (√10 − 1)/3) ∋ ½
        "csc-after-tan-half-angle": (
            [sp.atan(2 * z + 1), sp.tan(z / 2), sp.csc(2 * pi * z)],
            [
                (-mp.inf, mp.csc(2 * mp.pi * (mp.sqrt(10) - 1) / 3)),
                (mp.csc(2 * mp.pi * (mp.sqrt(2) - 1)), mp.inf),
            ],
        ),
        # 1/z after 2z − 1: range (−1, 1) ∋ 0
        "reciprocal-after-shift": (
            [2 * z - 1, 1 / z],
            [(-mp.inf, -1), (1, mp.inf)],
        ),
        # 1/z after atan(2z − 1): range (−π/4, π/4) ∋ 0
        "reciprocal-after-atan": (
            [sp.atan(2 * z - 1), 1 / z],
            [(-mp.inf, -4 / mp.pi), (4 / mp.pi, mp.inf)],
        ),
        # sec(2z) after atan(2z + 1): range (π/4, atan 3), the pole π/2 of sec at its end
        "sec-pole-at-the-end": (
            [sp.atan(2 * z + 1), sp.sec(2 * z)],
            [(-mp.inf, mp.sec(2 * mp.atan(3)))],
        ),
    }


@pytest.mark.parametrize("name", list(_CASES))
def test_the_support_is_the_union_on_both_sides_of_the_pole(name: str) -> None:
    layers, expected = _CASES[name]
    support = sf.Flow(sf.Uniform(0, 1), [sf.Transform(e, z) for e in layers]).support
    got = _ends(support)
    assert len(got) == len(expected)
    for (lo, hi), (want_lo, want_hi) in zip(got, expected, strict=True):
        assert lo == pytest.approx(float(want_lo), rel=1e-14)
        assert hi == pytest.approx(float(want_hi), rel=1e-14)


def test_a_pole_that_a_parameter_may_put_inside_the_range_is_refused() -> None:
    a = sp.Symbol("a", real=True)
    layers = [sf.Transform(z + a, z), sf.Transform(1 / z, z)]
    with pytest.raises(sf.SupportError, match=r"not continuous at z = 0.*for every value of a"):
        _ = sf.Flow(sf.Uniform(0, 1), layers).support
    # a > 0 settles it: the range (a, a + 1) holds no pole
    b = sp.Symbol("b", positive=True)
    layers = [sf.Transform(z + b, z), sf.Transform(1 / z, z)]
    assert sf.Flow(sf.Uniform(0, 1), layers).support == sp.Interval.open(1 / (b + 1), 1 / b)
