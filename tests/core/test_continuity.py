"""Transforms with parameters: where they are continuous is decided from their structure
and the parameters' assumptions (a singular point at an open end of the support is no
interior pole), and a point the assumptions leave undecided is refused with the condition
that puts it inside. Oracle: densities written by hand, evaluated in mpmath."""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

import symflow as sf
from symflow.core.continuity import parametric_parts, sign_on, sign_under_assumptions

z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
a = sp.Symbol("a", real=True)
b = sp.Symbol("b", positive=True)
b_real = sp.Symbol("b", real=True)
lam = sp.Symbol("lam", positive=True)
c_pos = sp.Symbol("c", positive=True)
c_real = sp.Symbol("c", real=True)

# (base, transform, support of x, hand-written density p(x; values), parameter values)
CASES = {
    "log(b-z) on U(0,b)": (
        sf.Uniform(0, b),
        sp.log(b - z),
        sp.Interval.open(-sp.oo, sp.log(b)),
        lambda v, p: mp.exp(v) / p["b"] if v < mp.log(p["b"]) else 0,
        {b: 2.5},
    ),
    "b/(b-z) on U(0,b)": (
        sf.Uniform(0, b),
        b / (b - z),
        sp.Interval.open(1, sp.oo),
        lambda v, p: 1 / v**2 if v > 1 else 0,
        {b: 0.3},
    ),
    "sqrt(b-z) on U(0,b)": (
        sf.Uniform(0, b),
        sp.sqrt(b - z),
        sp.Interval.open(0, sp.sqrt(b)),
        lambda v, p: 2 * v / p["b"] if 0 < v < mp.sqrt(p["b"]) else 0,
        {b: 7.0},
    ),
    "log(z/(b-z)) on U(0,b)": (
        sf.Uniform(0, b),
        sp.log(z / (b - z)),
        sp.Interval(-sp.oo, sp.oo),
        lambda v, p: mp.exp(v) / (1 + mp.exp(v)) ** 2,  # the standard logistic
        {b: 4.0},
    ),
    "log(z) on Exponential(lam)": (
        sf.Exponential(lam),
        sp.log(z),
        sp.Interval(-sp.oo, sp.oo),
        lambda v, p: p["lam"] * mp.exp(v - p["lam"] * mp.exp(v)),
        {lam: 1.7},
    ),
    "1/z on Exponential(lam)": (
        sf.Exponential(lam),
        1 / z,
        sp.Interval.open(0, sp.oo),
        lambda v, p: p["lam"] * mp.exp(-p["lam"] / v) / v**2 if v > 0 else 0,
        {lam: 0.6},
    ),
    "log(z-a) on U(a,a+1)": (
        sf.Uniform(a, a + 1),
        sp.log(z - a),
        sp.Interval.open(-sp.oo, 0),
        lambda v, p: mp.exp(v) if v < 0 else 0,
        {a: -3.2},
    ),
    "log(a+1-z) on U(a,a+1)": (
        sf.Uniform(a, a + 1),
        sp.log(a + 1 - z),
        sp.Interval.open(-sp.oo, 0),
        lambda v, p: mp.exp(v) if v < 0 else 0,
        {a: 11.0},
    ),
    "log(z-a) on U(a,b)": (
        sf.Uniform(a, b_real),
        sp.log(z - a),
        sp.Interval.open(-sp.oo, sp.log(b_real - a)),
        lambda v, p: mp.exp(v) / (p["b"] - p["a"]) if v < mp.log(p["b"] - p["a"]) else 0,
        {a: -1.5, b_real: 2.0},
    ),
    "1/(z-c) on U(-1,0), c>0": (
        sf.Uniform(-1, 0),
        1 / (z - c_pos),
        sp.Interval.open(-1 / c_pos, 1 / (-c_pos - 1)),
        lambda v, p: 1 / v**2 if -1 / p["c"] < v < -1 / (p["c"] + 1) else 0,
        {c_pos: 0.4},
    ),
    "1/(z-c) on N(0,1), c real": (
        sf.Normal(0, 1),
        1 / (z - c_real),
        sp.Union(sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo)),
        lambda v, p: mp.npdf(p["c"] + 1 / v) / v**2 if v != 0 else 0,
        {c_real: -1.3},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_support_and_density_with_parameters(name: str) -> None:
    base, expr, support, density, values = CASES[name]
    X = sf.Flow(base, [sf.Transform(expr, z)])
    assert X.support == support
    got = X.density(x).subs(values)
    by_name = {s.name: v for s, v in values.items()}
    ends = [float(e) for e in support.subs(values).boundary if e.is_finite]
    points = [*(e + d for e in ends for d in (-1e-6, 1e-6)), -4.0, -0.5, 0.25, 3.0]
    with mp.workdps(30):
        for v in points:
            want = density(mp.mpf(v), by_name)
            value = complex(got.subs(x, v).evalf(20))
            assert value.imag == 0
            assert value.real == pytest.approx(float(want), rel=1e-12, abs=0), v


def test_a_positive_pole_is_outside_a_negative_range() -> None:
    # y = −E, E ~ Exp(1), lives on (−oo, 0); x = 1/(y − c) with c > 0 has no pole there:
    # p(x) = exp(c + 1/x)/x² on (−1/c, 0)
    layers = [sf.Transform(-z, z), sf.Transform(1 / (z - c_pos), z)]
    X = sf.Flow(sf.Exponential(1), layers)
    assert X.support == sp.Interval.open(-1 / c_pos, 0)
    got = X.density(x).subs(c_pos, 0.8)
    with mp.workdps(30):
        for v in (-1.2, -1.25 + 1e-9, -0.3, -1e-3):
            want = mp.exp(mp.mpf("0.8") + 1 / mp.mpf(v)) / mp.mpf(v) ** 2
            assert float(got.subs(x, v)) == pytest.approx(float(want), rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("base", "expr", "match"),
    [
        (
            sf.Uniform(0, 1),
            1 / (z - c_pos),
            r"Transform 1/\(-c \+ z\) is not continuous at z = c .*cannot decide for every "
            r"value of c whether that lies inside \(0, 1\); it does exactly when 1 - c > 0\. "
            r"Its declared sign does not settle it: give c a value \(a number\)\.",
        ),
        (
            sf.Uniform(0, 1),
            sp.log(z - c_real),
            r"stops being real or continuous at z = c \(where -c \+ z = 0.*for every value of "
            r"c whether that lies inside \(0, 1\); it does exactly when c > 0 and 1 - c > 0",
        ),
        (
            sf.Uniform(0, b),
            sp.sqrt(z - b),
            r"Transform sqrt\(-b \+ z\) is undefined \(or not real\) for z in \(0, b\), which "
            r"has probability 1 under Uniform\(0, b\): sqrt\(-b \+ z\) needs -b \+ z in "
            r"\[0, oo\)\. Use a base",
        ),
        (
            sf.Uniform(a, a + 1),
            1 / z,
            r"not continuous at z = 0.*for every value of a whether that lies inside "
            r"\(a, a \+ 1\); it does exactly when -a > 0 and a \+ 1 > 0",
        ),
        (
            sf.Uniform(0, 1),
            sp.tan(z - c_real),
            r"contains tan\(c - z\), which is not continuous where c - z = pi\*n \+ pi/2 "
            r"for some integer n, and symflow cannot decide for every value of c which of "
            r"these points lie inside \(0, 1\)\. Give the parameters values",
        ),
        (
            # tan(e) is finite but SymPy's is_finite is None: its side of the condition was
            # left out, and the message said "exactly when 1 - c > 0"
            sf.Uniform(sp.tan(sp.E), 1),
            1 / (z - c_real),
            r"inside \(tan\(E\), 1\); it does exactly when c - tan\(E\) > 0 and 1 - c > 0\. ",
        ),
    ],
    ids=[
        "pole-c-in-(0,1)",
        "log-edge-c-in-(0,1)",
        "sqrt-undefined",
        "pole-0-in-(a,a+1)",
        "periodic-poles-moved-by-c",
        "pole-c-in-(tan(e),1)",
    ],
)
def test_undecided_or_undefined_is_refused_truthfully(base, expr, match) -> None:
    with pytest.raises(sf.SupportError, match=match):
        sf.Flow(base, [sf.Transform(expr, z)])


def test_two_parametric_cuts_are_ordered_by_the_assumptions() -> None:
    t = sp.Symbol("t", real=True)
    f = 1 / (t - b) + 1 / (t - 2 * b)
    parts, cuts = parametric_parts(f, t, sp.Interval.open(-sp.oo, sp.oo), "f", "z")
    assert cuts == [b, 2 * b]
    assert parts[1] == sp.Interval.open(b, 2 * b)
    undecided = 1 / (t - b) + 1 / (t - c_real)
    # b is positive already: assumptions are asked for c only
    with pytest.raises(
        sf.SupportError,
        match=r"which comes first\. Give b, c values, or give c assumptions that settle it",
    ):
        parametric_parts(undecided, t, sp.Interval.open(-sp.oo, sp.oo), "f", "z")


def test_signs_under_assumptions() -> None:
    t = sp.Symbol("t", real=True)
    assert sign_under_assumptions(b - b / (1 + b)) == 1
    assert sign_under_assumptions(a - 1) is None
    assert sign_on(b / (b - t) ** 2, t, sp.Interval.open(0, b)) == 1
    assert sign_on(-1 / (a + 1 - t), t, sp.Interval.open(a, a + 1)) == -1
    assert sign_on(t - b / 2, t, sp.Interval.open(0, b)) is None
    # (a, b) is not empty: b − t > 0 inside it although a and b are only real
    assert sign_on(b_real - t, t, sp.Interval.open(a, b_real)) == 1


@pytest.mark.parametrize(
    ("power", "hint"),
    [(sp.Rational(1, 3), "sp.real_root(z, 3)."), (sp.Rational(2, 3), "sp.real_root(z, 3)**2.")],
)
def test_a_fractional_power_of_a_negative_state_is_refused_with_the_real_root(power, hint):
    """z**(1/3) on U(−1, 2): SymPy's principal root is complex for z < 0 (its
    continuous_domain took it for real, and the image raised a raw ValueError)."""
    with pytest.raises(sf.SupportError, match=r"for z in \(-1, 0\), which has probability 1/3"):
        sf.Flow(sf.Uniform(-1, 2), [sf.Transform(z**power, z)])
    with pytest.raises(sf.SupportError) as refused:
        sf.Flow(sf.Uniform(-1, 2), [sf.Transform(z**power, z)])
    assert str(refused.value).endswith(hint)


def test_the_real_cube_root_of_a_state_through_zero_has_its_density():
    """x = real_root(z, 3) on U(−1, 2): p(x) = 3x²/3 = x² on (−1, 2^(1/3))."""
    X = sf.Flow(sf.Uniform(-1, 2), [sf.Transform(sp.real_root(z, 3), z)])
    x = sp.Symbol("x", real=True)
    density = X.density(x)
    for value in (-0.9, -0.01, 0.5, 1.25):
        assert float(density.subs(x, value)) == pytest.approx(value**2, rel=1e-14)
    assert float(density.subs(x, 1.3)) == 0.0
