"""Decisions on whether a constant or an end is finite: SymPy's None (undecided) is
neither True nor False, and an end beyond the floats is finite but not a float."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symflow as sf
from symflow.core.constants import sign_of_constant
from symflow.core.interval_sign import interval_sign_changes
from symflow.core.intervals import in_order, interior_points, symbol_on
from symflow.core.pieces import chain_pieces, defined_part
from symflow.core.reduce import _mirror
from symflow.errors import ParameterError

t = sp.Symbol("t", real=True)
y = sp.Symbol("y", real=True)
HUGE = sp.exp(sp.exp(1000))  # finite, and float() of it is inf


def test_sign_changes_on_an_interval_whose_end_may_be_infinite_are_undecided() -> None:
    # t − 3 changes sign on (a, ∞) only if a < 3; a has no assumptions (not even real)
    a = sp.Symbol("a")
    assert interval_sign_changes(t - 3, t, sp.Interval(a, sp.oo)) is None
    found = interval_sign_changes(t - 3, t, sp.Interval.open(0, sp.oo))
    assert found is not None and [float(c) for c in found.cuts] == [3.0]


def test_sign_changes_of_a_symbolic_finite_end_are_undecided() -> None:
    b = sp.Symbol("b", positive=True)
    assert interval_sign_changes(t - 3, t, sp.Interval(sp.log(b), 9)) is None


def test_interior_points_of_intervals_with_ends_beyond_the_floats() -> None:
    assert interior_points(sp.Interval.open(HUGE, sp.oo), 3) == []  # no float inside
    below = interior_points(sp.Interval.open(-HUGE, 0), 3)
    assert len(below) == 3 and all(math.isfinite(v) and v < 0 for v in below)
    around = interior_points(sp.Interval.open(-HUGE, HUGE), 3)
    assert around and all(math.isfinite(v) for v in around)
    assert interior_points(sp.Interval.open(0, sp.Symbol("a")), 3) == []


def test_mirrored_pieces_with_an_end_that_may_be_finite_keep_their_support() -> None:
    # e^y on (−k, 0) and e^(−y) on (0, k) mirror each other, but make e^(−|y|) on ℝ only
    # for k = ∞; k has no assumptions, so SymPy cannot say whether it is finite
    k = sp.Symbol("k")
    pieces = [(sp.exp(y), sp.Interval.open(-k, 0)), (sp.exp(-y), sp.Interval.open(0, k))]
    assert _mirror(pieces, y) == pieces
    whole = [(sp.exp(y), sp.Interval.open(-sp.oo, 0)), (sp.exp(-y), sp.Interval.open(0, sp.oo))]
    assert _mirror(whole, y) == [(sp.exp(-sp.Abs(y)), sp.S.Reals)]


def test_vector_transform_on_a_support_with_a_parameter_end_is_refused_clearly() -> None:
    # log c is finite (c > 0) but no number: no float sample point can be drawn from it
    # (was TypeError from float(log c))
    z1, z2 = sp.symbols("z1 z2", positive=True)
    c = sp.Symbol("c", positive=True)
    base = sf.Independent(sf.Weibull(2, 1), sf.Uniform(sp.log(c), sp.log(c) + 1))
    polar = sf.Transform([z1 * sp.cos(z2), z1 * sp.sin(z2)], [z1, z2])
    with pytest.raises(ParameterError, match=r"angle .*input 2.* depends on c: .*Uniform\(0, 1\)"):
        sf.Flow(base, [polar])


#: cot(1/2 − tan(1/2)/4) ≈ 2.63: finite, but SymPy's is_finite is None
COT_END = sp.cot(sp.S.Half - sp.tan(sp.S.Half) / 4)


@pytest.mark.parametrize(
    ("f", "turn", "first"),
    [
        ((t + 2) ** 2, -2, -1),
        (sp.cos(sp.pi * t), -2, 1),
        (sp.sin(sp.exp(t + 3)), sp.log(sp.pi / 2) - 3, 1),
    ],
    ids=["square", "cos", "sin-exp"],
)
def test_chain_pieces_from_an_end_sympy_cannot_prove_finite(f, turn, first) -> None:
    # (−2.63, −1.83) with the lower end cot(...) sorted as +oo, the pieces of the chain did
    # not cover the interval, and the exact cut was replaced by a sampled one (loggamma's
    # minimum to 25 digits instead of 40 in Flow(..., [..., loggamma(z + 7/2)]).support)
    interval = sp.Interval.open(-COT_END, -sp.cot(sp.S.Half))
    pieces = chain_pieces(f, t, interval)
    assert pieces is not None
    assert [p.interval for p in pieces] == [
        sp.Interval.open(-COT_END, turn),
        sp.Interval.open(turn, -sp.cot(sp.S.Half)),
    ]
    assert [p.direction for p in pieces] == [first, -first]


def test_ends_are_ordered_by_value_not_by_what_sympy_can_prove() -> None:
    ends = [sp.oo, COT_END, sp.Integer(2), -sp.oo, -COT_END, HUGE]
    assert in_order(ends) == [-sp.oo, -COT_END, 2, COT_END, HUGE, sp.oo]
    c = sp.Symbol("c", positive=True)
    assert in_order([c + 1, c, 2 * c]) is None  # c + 1 against 2c: c < 1 or not
    assert in_order([c + 1, c, -c]) == [-c, c, c + 1]


def test_a_support_end_beyond_the_floats_is_no_overflow() -> None:
    # log z on U(sqrt 2, e^(e^1000)): the rational enclosure of the ends took
    # int(e^(e^1000)) (OverflowError; through Flow(...) with log z this costs 3 s); the
    # kernel's membership test x < e^1000 holds for every float, and was a True that has no
    # reversed form (AttributeError from Flow(Uniform(0, e^(e^1000)), [log z]).compile())
    from symflow.codegen.rewrite import float_membership

    support = sp.Interval.open(sp.sqrt(2), HUGE)
    tp = symbol_on("t", support)
    assert defined_part(sp.log(tp), tp, support, "log(z)", "z") == ([support], [])
    assert float_membership(y < sp.exp(1000)) is sp.true


def test_a_lost_branch_of_a_base_with_parameters_names_its_probability() -> None:
    # was TypeError from float() of the probability Φ(mu), which has no value
    z = sp.Symbol("z", real=True)
    mu = sp.Symbol("mu", real=True)
    with pytest.raises(
        sf.SupportError,
        match=r"no branch for z in \[0, oo\), which has probability 1 - erfc\(sqrt\(2\)\*mu/2\)/2 "
        r"under Normal\(mu, 1\)",
    ):
        sf.Flow(sf.Normal(mu, 1), [sf.Transform(sp.Piecewise((z, z < 0)), z)])


def test_a_branch_on_a_piece_that_runs_to_oo_from_a_parameter_is_kept() -> None:
    # |z − c| on Exponential(c): the branch z > c lies on (c, oo) ∩ (0, oo), whose length
    # oo − c SymPy calls not positive (oo is only extended positive), so the branch was
    # dropped: the density was c e^{c(x − c)} on (0, c) and 0 beyond
    z, x = sp.Symbol("z", real=True), sp.Symbol("x", real=True)
    c = sp.Symbol("c", positive=True)
    density = sf.Flow(sf.Exponential(c), [sf.Transform(sp.Abs(z - c), z)]).density(x)

    def oracle(v: float, rate: float) -> float:  # by hand: preimages c − v (v < c) and c + v
        far = rate * math.exp(-rate * (rate + v))
        return far + (rate * math.exp(-rate * (rate - v)) if v < rate else 0.0)

    for v in (0.25, 0.75, 1.5, 4.0):
        got = float(density.subs({c: 1, x: v}))
        assert got == pytest.approx(oracle(v, 1.0), rel=1e-13, abs=0), v


@pytest.mark.parametrize(
    ("f", "error", "match"),
    [
        # the gap [-1, 0] ∩ (-b - 2, b + 2), left unevaluated by SymPy, had no intervals,
        # so probability 0: the flow was accepted and lost that mass silently
        (
            sp.Piecewise((y, y < -1), (2 * y, y > 0)),
            sf.SupportError,
            r"no branch for z in \[-1, 0\], which has probability 1/\(2\*\(b \+ 2\)\) under "
            r"Uniform\(-b - 2, b \+ 2\)",
        ),
        # the larger of -1 and -b - 2 was taken by float(), which -b - 2 has not: "(-1, 1),
        # which has probability 1"
        (
            sp.log(y**2 - 1),
            sf.SupportError,
            r"for z in \(-1, 1\), which has probability 1/\(b \+ 2\) under "
            r"Uniform\(-b - 2, b \+ 2\)",
        ),
    ],
    ids=["lost-branch", "undefined-part"],
)
def test_probability_of_a_part_inside_a_support_with_parameter_ends(f, error, match) -> None:
    b = sp.Symbol("b", positive=True)
    z = sp.Symbol("z", real=True)
    with pytest.raises(error, match=match):
        sf.Flow(sf.Uniform(-b - 2, b + 2), [sf.Transform(f.xreplace({y: z}), z)])


def test_a_pole_at_an_end_written_so_that_its_value_is_1_over_0_in_disguise() -> None:
    # Flow(Uniform(0, p + 1), [1/(z - p)]) with p = tan(e) + 2 (1.4 s): SymPy gives the
    # pole as sin(e)/cos(e) + 2, where the map is 1/(sin(e)/cos(e) - tan(e)), which
    # evaluates to 1.2e139 (the rounding of 0) and was taken as a finite end: the support
    # was (1/(-2 - tan(e)), "1.2e139") with twice the density on (1, "1.2e139"), not
    # (-oo, -1/p) U (1, oo)
    from symflow.core.constants import is_finite_number
    from symflow.core.intervals import endpoint_value

    p = sp.tan(sp.E) + 2
    pole = sp.sin(sp.E) / sp.cos(sp.E) + 2
    assert not is_finite_number(1 / (pole - p))
    assert endpoint_value(1 / (y - p), y, pole, "-") == -sp.oo
    assert endpoint_value(1 / (y - p), y, pole, "+") == sp.oo
    assert endpoint_value(1 / (y - p), y, sp.Integer(0), "+") == 1 / (-p)


@pytest.mark.parametrize(
    "value, sign",
    [
        (1 - sp.erf(100), 1),  # erfc(100) = 6.4e-4346
        (sp.erf(100) - 1, -1),
        (1 + sp.erf(-100), 1),
        (3 * sp.erfc(-40) - 6, -1),  # −3·erfc(40)
        (sp.exp(-(sp.Integer(10) ** 5)) - 1, -1),
        (sp.sin(sp.E) / sp.cos(sp.E) - sp.tan(sp.E), None),  # 0 in disguise: undecided
    ],
    ids=["1-erf", "erf-1", "1+erf(-a)", "erfc-2", "exp-1", "zero"],
)
def test_the_sign_of_a_constant_that_cancels_is_decided_or_undecided(value, sign) -> None:
    assert sign_of_constant(value) == sign


def test_a_scale_whose_sign_needs_thousands_of_digits_is_a_monotone_map() -> None:
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(t / (1 - sp.erf(100)), t)])
    (branch,) = flow.layers[0].branches
    assert branch.direction == 1 and not branch.implicit
