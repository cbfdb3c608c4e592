"""Stable rewrites: the value is kept (mpmath, 50 digits) and float64 no longer overflows.

Each case is an expression that SymPy produces for a flow, a point set in its domain for
the value check, and float64 points where the original form overflows or cancels: there
the rewritten form, evaluated with the numba helpers the kernels use, must match mpmath
to 1e-13 while the original does not.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from symflow.codegen import printer
from symflow.codegen.rewrite import (
    TRANSLATIONS,
    hypot1,
    log1p_sq,
    logcosh,
    logsinh,
    softplus,
    stabilise,
)
from symflow.errors import CompileError

x = sp.Symbol("x", real=True)
p = sp.Symbol("p", positive=True)
u = sp.Symbol("u", real=True)
y = sp.Symbol("y", real=True)


@pytest.fixture(scope="module")
def helpers():
    """The names a kernel module calls: the numba functions of symflow.codegen.helpers
    under their underscored kernel names, and simdmath's vectorised ones."""
    from symflow.codegen import helpers as kernel_helpers
    from symflow.codegen import simdmath

    namespace = {"math": math, "np": np}
    namespace.update({n: getattr(simdmath, n) for n in dir(simdmath) if n.startswith("simd_")})
    namespace.update({f"_{n}": getattr(kernel_helpers, n) for n in kernel_helpers.__all__})
    return namespace


def test_kernel_header_imports_the_helpers(helpers):
    """The import block of every kernel module binds each helper under its kernel name."""
    imported: dict = {}
    exec(printer.HELPERS, imported)  # noqa: S102 (the header's own import lines)
    stable = {"_logcosh", "_logsinh", "_log1p_sq", "_hypot1", "_sub_exact", "_softplus"}
    assert stable <= imported.keys()
    for name in imported.keys() - {"__builtins__"}:
        assert imported[name] is helpers[name], name


def float64(expr, symbol, helpers):
    """expr as a float64 function, through the kernel helpers (log1p/expm1 from math)."""
    from symflow.codegen import special

    table = {name: helpers[target] for name, target in TRANSLATIONS.items() if "." not in target}
    table["erfcinv_exp"] = special.erfcinv_exp
    f = sp.lambdify(symbol, expr, modules=[table, "scipy", "numpy"])

    def call(v):
        with np.errstate(all="ignore"):
            return float(f(np.float64(v)))

    return call


MPMATH = {
    "softplus": lambda v: mp.log1p(mp.exp(v)),
    "logcosh": lambda v: mp.log1p(2 * mp.sinh(v / 2) ** 2),
    "log1p_sq": lambda v: mp.log1p(v * v) / 2,
    "hypot1": lambda v: mp.sqrt(1 + v * v),
    "sub_exact": lambda v, hi, lo: (v - hi) - lo,
    "erfcinv": lambda v: mp.erfinv(1 - v),
    "erfcinv_exp": lambda v: mp.erfinv(1 - mp.exp(v)),
}


def exact(expr, symbol, v, digits=50):
    """expr at the float v in mpmath, with enough digits to survive 1 + 1e-300 (or nan)."""
    f = sp.lambdify(symbol, expr, modules=[MPMATH, "mpmath"])
    with mp.workdps(digits + 700):
        try:
            value = f(mp.mpf(v))
        except (ValueError, ZeroDivisionError):
            return mp.nan
        if isinstance(value, mp.mpc):
            return mp.nan if value.imag else value.real
        return +value


# (id, original, symbol, expected rewritten form, domain sampler, extreme float64 points)
CASES = [
    ("log(1+x)", sp.log(1 + x), x, log1p(x), (-0.9, 5), [1e-300, -1e-20, 3e-17]),
    ("exp(x)-1", sp.exp(x) - 1, x, expm1(x), (-5, 5), [1e-300, -1e-18, 2e-16]),
    ("3exp(x)-3", 3 * sp.exp(x) - 3, x, 3 * expm1(x), (-5, 5), [1e-300]),
    ("1-exp(x)", 1 - sp.exp(x), x, -expm1(x), (-5, 5), [-1e-300]),
    ("log(1+exp(x))", sp.log(1 + sp.exp(x)), x, softplus(x), (-30, 30), [800.0, 1e300, -700.0]),
    ("log(2+2exp(x))", sp.log(2 + 2 * sp.exp(x)), x, None, (-30, 30), [800.0, 1e300]),
    ("log sigmoid", sp.log(1 / (1 + sp.exp(-x))), x, -softplus(-x), (-30, 30), [-800.0, 40.0]),
    (
        "logistic logpdf",
        sp.log(sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
        x,
        None,
        (-30, 30),
        [700.0, -700.0, 800.0, -800.0],
    ),
    ("x-softplus(x)", x - sp.log(1 + sp.exp(x)), x, -softplus(-x), (-30, 30), [40.0, 700.0]),
    ("log(cosh(x))", sp.log(sp.cosh(x)), x, logcosh(x), (-30, 30), [800.0, -1e300, 1e-10]),
    ("log(1-tanh^2)", sp.log(1 - sp.tanh(x) ** 2), x, -2 * logcosh(x), (-10, 10), [30.0, -400.0]),
    ("log(1+y^2)", sp.log(1 + y**2), y, 2 * log1p_sq(y), (-30, 30), [1e200, -1e300, 1e-150]),
    (
        "log(sqrt(y^2+1))",
        sp.log(sp.sqrt(y**2 + 1)),
        y,
        log1p_sq(y),
        (-30, 30),
        [1e160, 1.7e308, 1e-150],
    ),
    ("log(cosh(asinh(y)))", sp.log(sp.cosh(sp.asinh(y))), y, log1p_sq(y), (-30, 30), [1e300]),
    ("log(4+y^2)", sp.log(4 + y**2), y, None, (-30, 30), [1e300]),
    ("sqrt(y^2+1)", sp.sqrt(y**2 + 1), y, hypot1(y), (-30, 30), [1e160, -1e300, 1.7e308]),
    (
        "(4+9y^2)^(-1/2)",
        1 / sp.sqrt(4 + 9 * y**2),
        y,
        1 / (2 * hypot1(3 * y / 2)),
        (-30, 30),
        [1e100, -1e160, 1e300],
    ),
    (
        "edge distance of asinh",
        log1p((y - 3) * (1 + (y + 3) / (sp.sqrt(y**2 + 1) + sp.sqrt(10))) / (3 + sp.sqrt(10))),
        y,
        None,
        (0, 30),
        [1e160, 1e300],
    ),
    (
        "log-normal logpdf",
        sp.log(sp.exp(-(sp.log(p) ** 2) / 2) / (p * sp.sqrt(2 * sp.pi))),
        p,
        None,
        (0.01, 50),
        [1e-300, 1e300],
    ),
    ("log(p*exp(-p^2))", sp.log(p * sp.exp(-(p**2))), p, p**2 * -1 + sp.log(p), (0.1, 9), [40.0]),
    ("logit", -sp.log(-1 + 1 / p), p, sp.log(p) - log1p(-p), (0.01, 0.99), [1e-310]),
    ("log(1+cosh(x))", sp.log(1 + sp.cosh(x)), x, None, (-30, 30), [720.0, -1000.0, 1e300]),
    (
        "log(p*exp(p)+exp(p))",
        sp.log(p * sp.exp(p) + sp.exp(p)),
        p,
        p + log1p(p),
        (0.01, 30),
        [720.0, 1e300],
    ),
    (
        "log(expm1(p))",
        sp.log(sp.exp(p) - 1),
        p,
        p + sp.Piecewise((sp.log(-expm1(-p)), p < sp.log(2)), (log1p(-sp.exp(-p)), True)),
        (0.01, 30),
        [800.0, 1e-300],
    ),
    # 1 − e^u rounds to 1 below u = −37 while its log, −e^u, is far from 0
    ("log(1-exp(-p))", sp.log(1 - sp.exp(-p)), p, None, (0.01, 30), [40.0, 700.0, 1e-300]),
    # −1/expm1(−p) overflows for subnormal p, its log does not
    ("log(1/(1-exp(-p)))", sp.log(1 / (1 - sp.exp(-p))), p, None, (0.01, 30), [1e-320, 40.0]),
    # atan u + π/2 rounds to 0 below u = −1e16
    ("log(atan(x)+pi/2)", sp.log(sp.atan(x) + sp.pi / 2), x, None, (-30, 30), [-1e20, -1e300]),
    # π·(e^x − ½) rounds onto the pole −π/2 below x = −37
    (
        "tan(pi*(exp(x)-1/2))",
        sp.tan(sp.pi * (sp.exp(x) - sp.S.Half)),
        x,
        None,
        (-5, -0.01),
        [-50.0, -300.0],
    ),
    # the zero of sin(π·x) and the pole of cot(π·e^x) at π, where π·x has rounded
    (
        "sin(pi*x)",
        sp.sin(sp.pi * x),
        x,
        None,
        (0.01, 1.99),
        [1 - 2.0**-52, 1 + 1e-12, 0.9999999999],
    ),
    ("cot(pi*exp(x))", sp.cot(sp.pi * sp.exp(x)), x, None, (-3, -0.01), [-1e-20, -1e-300]),
    # 2x − 1 rounds to −1 below x = 1e-17 (the normal quantile √2·erf⁻¹(2x − 1))
    ("erfinv(2x-1)", sp.erfinv(2 * p - 1), p, None, (0.01, 0.99), [1e-20, 1e-300]),
    # and 2e^y − 1 rounds to 1 above y = −1e-17 (the quantile of log Φ(Z))
    (
        "erfinv(2exp(y)-1)",
        sp.erfinv(2 * sp.exp(-p) - 1),
        p,
        None,
        (0.01, 5),
        [1e-20, 1e-300, 800.0],
    ),
]
IDS = [c[0] for c in CASES]
FORMS = [pytest.param(c[1], c[3], id=c[0]) for c in CASES if c[3] is not None]


@pytest.mark.parametrize(("expr", "expected"), FORMS)
def test_rewritten_form(expr, expected):
    assert stabilise(expr) == expected


@pytest.mark.parametrize(("name", "expr", "s", "expected", "domain", "extremes"), CASES, ids=IDS)
def test_value_is_kept_at_50_digits(name, expr, s, expected, domain, extremes):
    rewritten = stabilise(expr)
    rng = np.random.default_rng(len(name))
    for v in rng.uniform(*domain, 12).tolist():
        a, b = exact(expr, s, v), exact(rewritten, s, v)
        assert abs(a - b) <= mp.mpf(10) ** -40 * max(1, abs(a)), (v, a, b)


@pytest.mark.parametrize(("name", "expr", "s", "expected", "domain", "extremes"), CASES, ids=IDS)
def test_float64_overflow_and_cancellation_removed(
    name, expr, s, expected, domain, extremes, helpers
):
    stable = float64(stabilise(expr), s, helpers)
    naive = float64(expr, s, helpers)
    naive_fails = False
    for v in extremes:
        truth = exact(expr, s, v, digits=60)
        got = stable(v)
        assert math.isfinite(got), f"{name} at {v}: {got}"
        assert abs(mp.mpf(got) - truth) <= 1e-13 * abs(truth), f"{name} at {v}: {got} vs {truth}"
        before = naive(v)
        naive_fails |= not math.isfinite(before) or abs(mp.mpf(before) - truth) > 1e-3 * abs(truth)
    assert naive_fails, f"{name}: the original form was already fine at {extremes}"


# -- NaN and sign behaviour --------------------------------------------------------------


def test_product_of_unknown_signs_stays_in_one_log():
    a, b = sp.symbols("a b", real=True)
    assert stabilise(sp.log(a * b)) == sp.log(a * b)
    assert stabilise(sp.log(2 * p * a * b)) == sp.log(2) + sp.log(p) + sp.log(a * b)


def test_negative_factors_are_negated_in_pairs():
    n = sp.Symbol("n", negative=True)
    m = sp.Symbol("m", negative=True)
    assert stabilise(sp.log(n * m)) == sp.log(-n) + sp.log(-m)
    assert stabilise(sp.log(n * x)) == sp.log(-n) + sp.log(-x)
    assert stabilise(sp.log(n * p)) == sp.log(n * p)  # negative: not real, left alone


def test_even_powers_take_the_absolute_value():
    assert stabilise(sp.log(x**2)) == 2 * sp.log(sp.Abs(x))
    assert stabilise(sp.log(x**3)) == 3 * sp.log(x)
    assert stabilise(sp.log(sp.Abs(2 * x**3 * sp.exp(x)))) == sp.log(2) + 3 * sp.log(sp.Abs(x)) + x


@pytest.mark.parametrize(
    ("expr", "point"),
    [
        (sp.log(1 + x), -2.0),
        (sp.log(x**3), -1.0),
        (sp.log(1 - sp.exp(x)), 1.0),
        (sp.log(x * y), -1.0),
    ],
    ids=["log1p(-2)", "log(x^3), x<0", "log(1-e^x), x>0", "log(xy)"],
)
def test_nan_stays_nan(expr, point, helpers):
    """Outside the domain the rewritten form is nan where the original is nan."""
    expr = expr.subs(y, 1.0)
    with np.errstate(all="ignore"):
        before = sp.lambdify(x, expr, "numpy")(np.float64(point))
    after = float64(stabilise(expr), x, helpers)(point)
    assert math.isnan(before) and math.isnan(after)


def test_stabilise_walks_piecewise_and_relations():
    pw = sp.Piecewise((sp.log(1 + x), x > 0), (sp.exp(x) - 1, True))
    assert stabilise(pw) == sp.Piecewise((log1p(x), x > 0), (expm1(x), True))


def test_stabilise_is_idempotent():
    expr = sp.log(sp.exp(-x) / (1 + sp.exp(-x)) ** 2) + sp.log(sp.cosh(sp.asinh(y)))
    once = stabilise(expr)
    assert stabilise(once) == once


def test_definitions_see_through_asinh_and_atanh(helpers):
    """logcosh(s) with s = asinh(y) (a sinh layer's log-Jacobian) becomes log1p_sq(y)."""
    s = sp.Symbol("s", real=True)
    jac = sp.log(sp.cosh(s))
    assert stabilise(jac, definitions={s: sp.asinh(y)}) == log1p_sq(y)
    assert stabilise(jac) == logcosh(s)  # without the definition: still stable
    tanh_jac = sp.log(1 - sp.tanh(s) ** 2)
    rewritten = stabilise(tanh_jac, definitions={s: sp.atanh(y)})
    assert rewritten == log1p(y) + log1p(-y)
    for v in (1e300, -3.5, 1e-200):  # log1p_sq: finite where cosh(asinh(y)) is fine
        truth = exact(jac.subs(s, sp.asinh(y)), y, v)
        got = float64(stabilise(jac, definitions={s: sp.asinh(y)}), y, helpers)(v)
        assert abs(mp.mpf(got) - truth) <= 1e-15 * abs(truth) + 1e-300
    v = 1 - 2**-52  # tanh(atanh(v))² rounds to 1 in the naive form
    truth = exact(sp.log(1 - y**2), y, v)
    assert abs(mp.mpf(float64(rewritten, y, helpers)(v)) - truth) <= 1e-14 * abs(truth)


def test_definitions_see_through_sinh_and_exp(helpers):
    """½ log(1 + s²) with s = sinh u or e^u (an asinh layer after growth): finite where s
    overflows (u > 710)."""
    s = sp.Symbol("s", real=True)
    jac = sp.log(1 + s**2) / 2
    assert stabilise(jac, definitions={s: sp.sinh(u)}) == logcosh(u)
    assert stabilise(sp.log(sp.sinh(p))) == logsinh(p)
    for value, points in (
        (sp.sinh(u), (-1e300, -800.0, 1e-200, 2.0, 800.0, 1e300)),
        (sp.exp(u), (-1e300, -800.0, -3.0, 0.0, 3.0, 800.0, 1e300)),
    ):
        f = float64(stabilise(jac, definitions={s: value}), u, helpers)
        for v in points:
            truth = exact(jac.subs(s, value), u, v)
            assert abs(mp.mpf(f(v)) - truth) <= 1e-15 * abs(truth) + 1e-300, (value, v)


def test_text_is_refused():
    with pytest.raises(CompileError, match="takes a SymPy expression; got the str"):
        stabilise("log(1 + x)")
    with pytest.raises(CompileError, match="parse_expression"):
        stabilise(object())


# -- the new functions -------------------------------------------------------------------

FUNCTIONS = [
    (softplus, lambda v: mp.log1p(mp.exp(v))),
    (logcosh, lambda v: mp.log1p(2 * mp.sinh(v / 2) ** 2)),
    (log1p_sq, lambda v: mp.log1p(v * v) / 2),
    (logsinh, lambda v: mp.log(mp.sinh(v))),
]
NAMES = ["softplus", "logcosh", "log1p_sq", "logsinh"]


@pytest.mark.parametrize(("f", "ref"), FUNCTIONS, ids=NAMES)
def test_derivative_matches_the_log_form(f, ref):
    d = sp.diff(f(u), u) - sp.diff(f(u).rewrite(sp.log), u)
    for v in (sp.Rational(-31, 10), sp.Rational(-2, 5), sp.Rational(7, 10), 3):
        if f is logsinh and v < 0:
            continue  # real for u > 0 only
        assert abs(complex(d.subs(u, v).evalf(30))) < 1e-25


@pytest.mark.parametrize(("f", "ref"), FUNCTIONS, ids=NAMES)
def test_evalf_agrees_with_mpmath(f, ref):
    for v in ("-700.5", "-1e-30", "0.3", "800"):
        if f is logsinh and v.startswith("-"):
            continue
        got = f(sp.Float(v, 60)).evalf(40)
        with mp.workdps(60):
            want = ref(mp.mpf(v))
            assert abs(mp.mpf(str(got)) - want) <= mp.mpf(10) ** -35 * abs(want), v


def test_hypot1_derivative_evalf_and_log():
    assert sp.diff(hypot1(u), u) == u / hypot1(u)
    assert hypot1(u).rewrite(sp.sqrt) == sp.sqrt(u**2 + 1)
    assert hypot1(-u) == hypot1(u) and hypot1(0) == 1
    assert hypot1(sp.Rational(3, 4)) == sp.Rational(5, 4)
    assert stabilise(sp.log(sp.sqrt(1 + u**2))) == log1p_sq(u)
    with mp.workdps(60):
        for v in ("-700.5", "1e-30", "0.3", "1e300"):
            got = mp.mpf(str(hypot1(sp.Float(v, 60)).evalf(40)))
            want = mp.sqrt(1 + mp.mpf(v) ** 2)
            assert abs(got - want) <= mp.mpf(10) ** -35 * want, v


def test_special_values_and_symmetry():
    assert softplus(0) == sp.log(2)
    assert softplus(sp.oo) == sp.oo and softplus(-sp.oo) == 0
    assert logcosh(-u) == logcosh(u) and logcosh(0) == 0
    assert log1p_sq(-y) == log1p_sq(y) and log1p_sq(1) == sp.log(2) / 2
    assert softplus(u).is_positive and logcosh(u).is_nonnegative
    assert sp.latex(log1p_sq(u)) == r"\tfrac{1}{2}\log\left(1 + u^{2}\right)"


@pytest.mark.parametrize(
    ("target", "ref", "points"),
    [
        (
            "_logcosh",
            lambda v: mp.log1p(2 * mp.sinh(v / 2) ** 2),
            [0.0, 1e-150, 1e-8, 0.3, 0.99, 1.0, 5.0, 40.0, 710.0, 1e300],
        ),
        (
            "_log1p_sq",
            lambda v: mp.log1p(v * v) / 2,
            [0.0, 1e-150, 1e-9, 0.5, 3.0, 1e100, 1e151, 1e200, 1.7e308],
        ),
        ("_softplus", lambda v: mp.log1p(mp.exp(v)), [-700.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1e300]),
        (
            "_hypot1",
            lambda v: mp.sqrt(1 + v * v),
            [0.0, 1e-9, 0.5, 3.0, 1e8, 134217727.0, 134217728.0, 2e8, 1e160, 1.7e308],
        ),
        # log sinh v = 0 at asinh 1 = 0.881373587019543...: the points next to it
        (
            "_logsinh",
            lambda v: mp.log(mp.sinh(v)) if v > 0 else mp.nan,
            [1e-300, 1e-8, 0.5, 0.7, 0.8813735870195429, 0.881373587019543, 0.9, 1.2, 5.0]
            + [710.0, 1e300],
        ),
    ],
)
def test_numba_helpers_against_mpmath(target, ref, points, helpers):
    f = helpers[target]
    for v in points + [-v for v in points]:
        with mp.workdps(40):
            want = ref(mp.mpf(v))
        got = f(v)
        if mp.isnan(want):
            assert math.isnan(got), (target, v, got)
            continue
        underflow = abs(want) < 2.2250738585072014e-308 and abs(got) < 2.2250738585072014e-308
        assert underflow or abs(mp.mpf(got) - want) <= 4e-16 * abs(want), (target, v, got)
    assert math.isnan(f(math.nan))
    assert f(math.inf) == math.inf


def test_sub_exact_keeps_the_digits_next_to_the_constant(helpers):
    """x − π with π = hi + lo (hi its nearest float): exact to the last bit of the result
    at the floats next to π, where x − float(π) is off by lo = 1.2e-16."""
    f = helpers["_sub_exact"]
    with mp.workdps(40):
        hi = float(mp.pi)
        lo = float(mp.pi - mp.mpf(hi))
        for x in (hi, np.nextafter(hi, 0.0), np.nextafter(hi, 4.0), 3.0, 1e-300, -1e300):
            want = mp.mpf(float(x)) - mp.pi
            got = f(float(x), hi, lo)
            assert abs(mp.mpf(got) - want) <= 2.3e-16 * abs(want), (x, got)
    assert f(hi, hi, lo) == -lo


def test_translations_name_defined_helpers(helpers):
    for name, target in TRANSLATIONS.items():
        assert name in {
            *("softplus", "logcosh", "logsinh", "log1p_sq", "hypot1", "log1p", "expm1"),
            *("sub_exact", "sigmoid", "sign_of_products"),
        }
        if "." not in target:
            assert target in helpers, target


def test_kernel_printer_prints_the_helpers(helpers):
    """The kernel printer emits the stable forms (as SIMD functions) and they run."""
    expr = stabilise(sp.log(sp.cosh(x)) + sp.log(1 + sp.exp(x)) + sp.log(sp.sqrt(1 + x**2)))
    code = printer.KernelPrinter({"user_functions": TRANSLATIONS}).doprint(expr)
    assert "logcosh(x)" in code and "softplus(x)" in code and "log1p_sq(x)" in code
    value = eval(code, {**helpers, "x": 800.0})  # noqa: S307 (our own generated code)
    assert value == pytest.approx(800 - math.log(2) + 800 + math.log1p(800.0**2) / 2, rel=1e-15)


# -- log(c − k y²): no cancellation next to its zeros nor at small y ---------------------


@pytest.mark.parametrize(
    "expr",
    [sp.log(1 - y**2), sp.log(sp.sqrt(1 - y**2)), sp.log(4 - y**2), sp.log(1 - y**4)],
    ids=["1-y^2", "sqrt(1-y^2)", "4-y^2", "1-y^4"],
)
def test_log_of_one_minus_a_square_is_accurate_everywhere(expr, helpers):
    """1 − a² rounds a² next to |a| = 1 (1e-11 relative in log(1 − y²) at y = 1 − 1e-6);
    log1p(−a) + log1p(a) cancels for small a (2e-6 relative at a = 1e-10). The rewrite
    picks log1p(−a²) below |a| = ½ and the pair above."""
    stable = float64(stabilise(expr), y, helpers)
    naive = float64(expr, y, helpers)
    edge = 2.0 if expr.has(4) else 1.0
    points = [edge * (1 - 10.0**-k) for k in range(1, 16)] + [1e-10, 1e-150, 0.3, 0.49, 0.51]
    points += [-v for v in points]
    if expr.has(y**4):
        points = [np.sign(v) * abs(v) ** 0.5 for v in points if abs(v) < 1]
    worst_naive = 0.0
    for v in points:
        truth = exact(expr, y, v, digits=60)
        got = stable(v)
        assert abs(mp.mpf(got) - truth) <= 4e-16 * abs(truth) + 1e-300, (v, got, truth)
        worst_naive = max(worst_naive, float(abs(mp.mpf(naive(v)) - truth) / abs(truth)))
    assert worst_naive > 1e-13  # the naive form does lose accuracy at some of these points
