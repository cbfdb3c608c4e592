"""Monotone pieces: splitting a support at critical points, kinks and poles."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symflow as sf
from symflow.core.intervals import symbol_on
from symflow.core.pieces import defined_part, monotone_pieces

R = sp.S.Reals
pi = sp.pi
t = sp.Symbol("t", real=True)
Z = sp.Symbol("z", real=True)


def o(lo, hi) -> sp.Interval:
    return sp.Interval.open(lo, hi)


# id, f(t), support, [(piece, direction)] worked out by hand from the sign of f'
CASES = [
    ("affine", 2 * t + 1, R, [(R, 1)]),
    ("negation", -t, R, [(R, -1)]),
    ("exp", sp.exp(t), R, [(R, 1)]),
    ("cube-touching-zero-slope", t**3, R, [(R, 1)]),
    ("square", t**2, R, [(o(-sp.oo, 0), -1), (o(0, sp.oo), 1)]),
    ("square-on-positive", t**2, o(0, sp.oo), [(o(0, sp.oo), 1)]),
    ("abs-kink", sp.Abs(t), R, [(o(-sp.oo, 0), -1), (o(0, sp.oo), 1)]),
    ("reciprocal-pole", 1 / t, R, [(o(-sp.oo, 0), -1), (o(0, sp.oo), -1)]),
    ("cos-one-period", sp.cos(t), o(0, 2 * pi), [(o(0, pi), -1), (o(pi, 2 * pi), 1)]),
    (
        "cos-on-0-10",
        sp.cos(t),
        o(0, 10),
        [(o(0, pi), -1), (o(pi, 2 * pi), 1), (o(2 * pi, 3 * pi), -1), (o(3 * pi, 10), 1)],
    ),
    ("tan-pole", sp.tan(t), o(0, 3), [(o(0, pi / 2), 1), (o(pi / 2, 3), 1)]),
    ("cubic-two-critical", t**3 - 3 * t, R, [(o(-sp.oo, -1), 1), (o(-1, 1), -1), (o(1, sp.oo), 1)]),
    (
        "quartic-three-critical",
        t**4 - 2 * t**2,
        R,
        [(o(-sp.oo, -1), -1), (o(-1, 0), 1), (o(0, 1), -1), (o(1, sp.oo), 1)],
    ),
    ("gaussian-bump", sp.exp(-(t**2)), R, [(o(-sp.oo, 0), 1), (o(0, sp.oo), -1)]),
    ("t-exp-minus-t", t * sp.exp(-t), R, [(o(-sp.oo, 1), 1), (o(1, sp.oo), -1)]),
    ("z+sin/2-monotone", t + sp.sin(t) / 2, R, [(R, 1)]),
    ("piecewise-slopes", sp.Piecewise((t, t < 0), (2 * t, True)), R, [(R, 1)]),
    ("min-of-slopes", sp.Min(t, 2 * t), R, [(R, 1)]),
    ("signed-square", sp.sign(t) * t**2, R, [(R, 1)]),
]


@pytest.mark.parametrize(
    ("f", "support", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_pieces_and_directions(f, support, expected) -> None:
    tp = symbol_on("t", support)
    pieces = monotone_pieces(f.xreplace({t: tp}), tp, support, f"Transform {f}", "z")
    got = [(p.interval, p.direction) for p in pieces]
    assert len(got) == len(expected)
    for (interval, direction), (want, want_dir) in zip(got, expected, strict=True):
        assert direction == want_dir
        assert sp.Interval.open(interval.inf, interval.sup) == want


ERRORS = [
    ("sin-unbounded", sp.sin(t), R, sf.MonotonicityError, r"infinitely many .*Restrict"),
    ("z+2sin-unbounded", t + 2 * sp.sin(t), R, sf.MonotonicityError, "infinitely many"),
    (
        "relu-flat",
        sp.Max(t, 0),
        R,
        sf.PointMassError,
        r"constant \(= 0\) for z in \(-oo, 0\).*x = 0",
    ),
    ("sign-flat", sp.sign(t), R, sf.PointMassError, "constant"),
    (
        "piecewise-flat",
        sp.Piecewise((t, t < 0), (0, t < 1), (t - 1, True)),
        R,
        sf.PointMassError,
        r"for z in \[0, 1\)",
    ),
    (
        "log-undefined",
        sp.log(t),
        R,
        sf.SupportError,
        r"undefined \(or not real\) for z in \(-oo, 0\]",
    ),
    ("sqrt-undefined", sp.sqrt(t), R, sf.SupportError, r"for z in \(-oo, 0\)"),
    ("acos-undefined", sp.acos(t), o(0, 2), sf.SupportError, r"for z in \(1, 2\)"),
]


@pytest.mark.parametrize(
    ("f", "support", "error", "match"), [c[1:] for c in ERRORS], ids=[c[0] for c in ERRORS]
)
def test_bad_pieces_are_clear_errors(f, support, error, match) -> None:
    tp = symbol_on("t", support)
    with pytest.raises(error, match=match):
        monotone_pieces(f.xreplace({t: tp}), tp, support, f"Transform {f}", "z")


def test_parameter_of_unknown_sign_is_an_error_suggesting_assumptions() -> None:
    a = sp.Symbol("a", real=True)
    with pytest.raises(sf.MonotonicityError, match=r"for every value of a.*positive=True"):
        monotone_pieces(a * t, t, R, "Transform a*z", "z")


def test_parameter_of_known_sign_gives_its_direction() -> None:
    a = sp.Symbol("a", negative=True)
    (piece,) = monotone_pieces(a * t + 1, t, R, "Transform a*z + 1", "z")
    assert piece.direction == -1


C = sp.Symbol("c", positive=True)
UNIT = sp.Interval.open(0, 1)


@pytest.mark.parametrize(
    ("f", "match"),
    [
        # log(sin z − c) is undefined near z = 0 for every c > 0: the declared sign cannot
        # settle the direction, and the message must not ask for one (it was "Give the
        # parameters signs (... positive=True ...)" although c is declared positive)
        pytest.param(
            sp.log(sp.sin(t) - C),
            r"for every value of c: its derivative cos\(z\)/\(-c \+ sin\(z\)\) has no sign that "
            r"the assumptions on c \(positive\) prove on \(0, 1\)\. Its declared sign does not "
            r"settle it: give c a value \(a number\)",
            id="declared-sign",
        ),
        pytest.param(
            sp.sin(sp.Symbol("a", real=True) * t),
            r"for every value of a: .*Give a a value, or assumptions that settle it \(.*"
            r"positive=True",
            id="no-sign",
        ),
    ],
)
def test_parameters_the_assumptions_cannot_settle_are_named_truly(f, match) -> None:
    tp = symbol_on("t", UNIT)
    with pytest.raises(sf.MonotonicityError, match=match) as info:
        monotone_pieces(f.xreplace({t: tp}), tp, UNIT, f"Transform {f}", "z")
    if f.has(C):
        assert "positive=True" not in str(info.value)


@pytest.mark.parametrize(
    ("f", "density"),
    [
        # on (0, 1): sin z lies in (0, sin 1) and cos z > 0, so c > 0 settles the direction
        # (was MonotonicityError); the inverse is asin(e^x − c), not π − asin(e^x − c)
        (sp.log(C + sp.sin(t)), lambda x: sp.exp(x) / sp.sqrt(1 - (sp.exp(x) - C) ** 2)),
    ],
    ids=["log-c-plus-sin"],
)
def test_parameters_whose_assumptions_settle_the_direction_give_the_density(f, density):
    x = sp.Symbol("x", real=True)
    flow = sf.Flow(sf.Uniform(0, 1), [sf.Transform(f.xreplace({t: Z}), Z)])
    got = flow.density(x)
    inside = flow.support.xreplace({C: sp.S.Half})
    point = (inside.inf + inside.sup) / 2
    at = {C: sp.S.Half, x: point}
    assert float(got.xreplace(at)) == pytest.approx(float(density(x).xreplace(at)), rel=1e-14)


def test_critical_points_at_parameters_that_the_assumptions_place_inside() -> None:
    # f' = 2(z − mu) vanishes at mu, inside the line for every mu; 2(z − c) at c > 0,
    # inside (0, oo) (both were MonotonicityError: "depends on mu")
    x, mu = sp.Symbol("x", real=True), sp.Symbol("mu", real=True)
    chi2 = sf.Flow(sf.Normal(mu, 1), [sf.Transform((Z - mu) ** 2, Z)]).density(x)
    shifted = sf.Flow(sf.Exponential(1), [sf.Transform((Z - C) ** 2, Z)]).density(x)
    for v in (0.01, 0.5, 2.25, 9.0):
        at = {x: sp.Float(v), mu: sp.Rational(3, 10), C: 1}
        textbook = math.exp(-v / 2) / math.sqrt(2 * math.pi * v)  # chi-square, 1 dof
        assert float(chi2.xreplace(at)) == pytest.approx(textbook, rel=1e-13)
        r = v**0.5  # preimages 1 ± r, by hand; 1 − r only while it is > 0
        want = (math.exp(-1 - r) + (math.exp(r - 1) if r < 1 else 0.0)) / (2 * r)
        assert float(shifted.xreplace(at)) == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize(
    ("base", "f", "match"),
    [
        (
            sf.Truncated(sf.Normal(0, 1), C, sp.oo),
            (Z - 1) ** 2,
            r"its derivative 2\*z - 2 vanishes at z = 1, and symflow cannot decide for every "
            r"value of c whether that lies inside \(c, oo\)\. Its declared sign does not "
            r"settle it: give c a value",
        ),
        (
            sf.Uniform(C, C + 1),
            sp.sin(sp.pi * Z),
            r"on \(c, c \+ 1\) for every value of c: how many zeros its derivative "
            r"pi\*cos\(pi\*z\) has there depends on c\.",
        ),
    ],
    ids=["kink-at-1-in-(c,oo)", "sin-on-(c,c+1)"],
)
def test_critical_points_the_assumptions_cannot_place_are_named(base, f, match) -> None:
    # were "... vanishes at Intersection({1}, Interval.open(c, oo)) ... signs that settle
    # it" (c is declared positive) and "SymPy finds no real roots ... 801 sample points"
    with pytest.raises(sf.MonotonicityError, match=match):
        sf.Flow(base, [sf.Transform(f, Z)])


def test_a_branch_point_at_a_parameter_orders_the_parts() -> None:
    # z on z < d, 2z beyond, on Normal(0, 1): the cut d was sorted by float(d) (TypeError)
    d = sp.Symbol("d", positive=True)
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Piecewise((Z, Z < d), (2 * Z, True)), Z)])
    assert flow.support == sp.Union(sp.Interval.open(-sp.oo, d), sp.Interval.open(2 * d, sp.oo))


def test_a_branch_whose_condition_depends_on_a_parameter_is_not_skipped() -> None:
    # z when c > 0, else 2z: the undecided first condition counted as false, and the
    # density was that of 2z, U(0, 2), for every c
    c = sp.Symbol("c", real=True)
    with pytest.raises(
        sf.MonotonicityError,
        match=r"takes one branch or another on \(0, 1\) depending on c: symflow cannot "
        r"decide whether c > 0 holds there\. Give c a value",
    ):
        sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.Piecewise((Z, c > 0), (2 * Z, True)), Z)])


def test_a_branch_point_that_may_lie_outside_the_support_is_named() -> None:
    # |z − c| on (−1, 1): the kink c may lie inside or not (was "Cannot find where ...
    # (condition c - z_0 >= 0)", with an internal symbol's name)
    c = sp.Symbol("c", real=True)
    with pytest.raises(
        sf.MonotonicityError,
        match=r"Abs\(c - z\) changes branch where c - z >= 0 starts or stops holding, and "
        r"symflow cannot decide for every value of c whether that happens inside \(-1, 1\)\. "
        r"Give c a value, or assumptions",
    ):
        sf.Flow(sf.Uniform(-1, 1), [sf.Transform(sp.Abs(Z - c), Z)])


def test_defined_part_cuts_at_a_pole() -> None:
    parts, cuts = defined_part(1 / t, t, R, "Transform 1/z", "z")
    assert parts == [o(-sp.oo, 0), o(0, sp.oo)]
    assert cuts == [0]


def test_defined_part_names_the_probability_lost_under_the_base() -> None:
    with pytest.raises(sf.SupportError, match=r"probability 1/2 under Normal\(0, 1\)"):
        defined_part(sp.log(t), t, R, "Transform log(z)", "z", base=sf.Normal(0, 1))


def test_a_derivative_sympy_keeps_unevaluated_is_shown_without_internal_symbols() -> None:
    # zeta's derivative is Subs(Derivative(zeta(_xi_1), _xi_1), _xi_1, -c + z) in SymPy
    c = sp.Symbol("c", positive=True)
    with pytest.raises(sf.MonotonicityError, match=r"its derivative zeta'\(-c \+ z\) ") as info:
        sf.Flow(sf.Uniform(2, 3), [sf.Transform(sp.zeta(Z - c), Z)])
    assert "_xi" not in str(info.value)
