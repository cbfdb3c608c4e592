"""Pieces when SymPy cannot decide within its time limit where a transform is continuous:
the poles are searched for on a grid instead of continuity being assumed."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symflow as sf
from symflow.core.budget import OutOfTime
from symflow.core.intervals import symbol_on
from symflow.core.pieces import defined_part, monotone_pieces

z = sp.Symbol("z", real=True)


@pytest.fixture
def sympy_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """continuous_domain runs out of time, as it does under load."""

    def out_of_time(*args, **kwargs):
        raise OutOfTime("continuous_domain's time is up")

    monkeypatch.setattr(sp.calculus.util, "continuous_domain", out_of_time)


def _on(f: sp.Expr, support: sp.Interval) -> tuple[sp.Expr, sp.Symbol]:
    t = symbol_on("t", support)
    return f.xreplace({z: t}), t


@pytest.mark.usefixtures("sympy_gives_up")
def test_tan_is_cut_at_its_pole() -> None:
    support = sp.Interval.open(0, 3)
    f, t = _on(sp.tan(z), support)
    parts, cuts = defined_part(f, t, support, "Transform tan(z)", "z")
    (cut,) = cuts
    assert abs(float(cut) - math.pi / 2) < 1e-12
    assert [(p.inf, p.sup) for p in parts] == [(0, cut), (cut, 3)]
    pieces = monotone_pieces(f, t, support, "Transform tan(z)", "z")
    assert [p.direction for p in pieces] == [1, 1]


@pytest.mark.usefixtures("sympy_gives_up")
def test_tan_of_uniform_has_the_density_of_both_branches() -> None:
    density = sf.Flow(sf.Uniform(0, 3), [sf.Transform(sp.tan(z), z)]).density()
    x = next(iter(density.free_symbols))
    # by hand: u = atan(x) on (0, π/2) for x > 0 and u = atan(x) + π on (π/2, 3) for
    # x < tan 3; each with |du/dx| = 1/(1 + x²) and density 1/3 for u
    gap_end = math.tan(3.0)
    for value in (-50.0, -1.0, 2 * gap_end, 0.5 * gap_end, -1e-3, 1e-3, 0.7, 40.0, 1e8):
        expected = 1 / (3 * (1 + value**2)) if (value > 0 or value < gap_end) else 0.0
        got = float(density.subs(x, value))
        assert got == pytest.approx(expected, rel=1e-12, abs=0)


@pytest.mark.usefixtures("sympy_gives_up")
def test_a_pole_sympy_does_not_recognise_is_cut_to_25_digits() -> None:
    support = sp.Interval.open(0, 2)
    f, t = _on(1 / (sp.exp(z) + z - 3), support)
    _, (cut,) = defined_part(f, t, support, "Transform 1/(exp(z) + z - 3)", "z")
    root = sp.nsolve(sp.exp(z) + z - 3, z, 0.8, prec=40)
    assert abs(sp.Float(cut, 30) - root) < 1e-24


@pytest.mark.usefixtures("sympy_gives_up")
def test_too_many_poles_is_an_error_naming_the_interval() -> None:
    support = sp.Interval.open(-1, 512)
    f, t = _on(-sp.cot(z), support)
    with pytest.raises(
        sf.SupportError,
        match=r"could not decide within its time limit where Transform -cot\(z\) is "
        r"continuous in z on \(-1, 512\).*more than 50 poles.*Narrow the support",
    ):
        defined_part(f, t, support, "Transform -cot(z)", "z")


@pytest.mark.usefixtures("sympy_gives_up")
def test_too_many_poles_after_a_chain_of_layers_is_refused() -> None:
    layers = [sf.Transform(z**3, z), sf.Transform(z**3, z), sf.Transform(-sp.cot(z), z)]
    with pytest.raises(sf.SupportError, match=r"continuous in z on \(-1, 512\)"):
        sf.Flow(sf.Uniform(-1, 2), layers)


@pytest.mark.usefixtures("sympy_gives_up")
def test_not_real_on_an_interval_is_an_error() -> None:
    support = sp.Interval.open(-1, 1)
    f, t = _on(sp.sqrt(z), support)
    with pytest.raises(sf.SupportError, match=r"not a finite real number at z = -"):
        defined_part(f, t, support, "Transform sqrt(z)", "z")


@pytest.mark.usefixtures("sympy_gives_up")
def test_smooth_transform_stays_one_piece() -> None:
    support = sp.Interval(-sp.oo, sp.oo)
    f, t = _on(z + z**3, support)
    assert defined_part(f, t, support, "Transform z + z**3", "z") == ([support], [])
    (piece,) = monotone_pieces(f, t, support, "Transform z + z**3", "z")
    assert piece.direction == 1


@pytest.mark.usefixtures("sympy_gives_up")
def test_a_function_nothing_evaluates_is_reported_by_the_monotonicity_step() -> None:
    """No number at all: no search is possible, and the error says that symflow cannot
    decide (not that the transform is undefined somewhere)."""

    class opaque(sp.Function):  # noqa: N801
        pass

    with pytest.raises(sf.MonotonicityError, match="Cannot decide"):
        sf.Flow(sf.Uniform(0, 1), [sf.Transform(opaque(z) + z**2, z)])
