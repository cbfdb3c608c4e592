"""Integers beyond int64 in a flow compile as float constants (numba types integer
literals as int64), and constants beyond the float range (1 − erf(100) = 6.4e-4346) keep
their digits: the kernels against log-densities written by hand in mpmath, a printed
product against exact rational arithmetic."""

from __future__ import annotations

import ast
import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.printer import KernelPrinter

z = sp.Symbol("z", real=True)


def test_a_shift_beyond_int64_compiles() -> None:
    shift = 10**20  # N(1e20, 1)
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + shift, z)]).compile()
    xs = np.array([1e20, 1e20 + 2**20])
    with mp.workdps(40):
        truth = [-((mp.mpf(x) - shift) ** 2) / 2 - mp.log(2 * mp.pi) / 2 for x in xs]
    np.testing.assert_allclose(k.log_prob(xs), np.array(truth, dtype=float), rtol=1e-13, atol=0)


def test_a_power_beyond_int64_compiles() -> None:
    n = 10**30  # x = z**n on U(0, 1): p(x) = x**(1/n - 1)/n on (0, 1)
    k = sf.Flow(sf.Uniform(0, 1), [sf.Transform(z**n, z)]).compile()
    xs = np.array([1e-300, 1e-8, 0.5])
    with mp.workdps(60):
        truth = [(mp.mpf(1) / n - 1) * mp.log(x) - mp.log(n) for x in map(mp.mpf, xs)]
    np.testing.assert_allclose(k.log_prob(xs), np.array(truth, dtype=float), rtol=1e-13, atol=0)


def test_a_scale_whose_sign_needs_thousands_of_digits_compiles() -> None:
    # x = z/(1 − erf(100)): log p(x) = log φ(x·erfc(100)) + log erfc(100) ≈ −10006.1
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(z / (1 - sp.erf(100)), z)]).compile()
    xs = np.array([0.0, 1.0, -1e300, 5e-324])
    with mp.workdps(40):
        c = mp.erfc(100)
        truth = [-((mp.mpf(x) * c) ** 2) / 2 - mp.log(2 * mp.pi) / 2 + mp.log(c) for x in xs]
    np.testing.assert_allclose(k.log_prob(xs), np.array(truth, dtype=float), rtol=1e-15, atol=0)


def _compiled(code: str):
    """The printed expression as a numba function of x (numba's ldexp overflows to inf)."""
    from numba import njit

    tree = ast.parse(f"def f(x):\n    return {code}\n")
    namespace = {"math": math}
    exec(compile(tree, "<printed>", "exec"), namespace)  # noqa: S102 - printed by symflow
    return njit(error_model="numpy")(namespace["f"])


@pytest.mark.parametrize("k", ["1e-400", "-3e500", "7e-310"])
def test_a_coefficient_beyond_the_floats_multiplies_without_overflow(k: str) -> None:
    x = sp.Symbol("x", real=True)
    product = _compiled(KernelPrinter().doprint(sp.Float(k, 30) * x))
    tiny, huge = Fraction(2.0**-1022), Fraction(1.7976931348623157e308)
    for y in [1e-300, 1e300, -2.5, 1e-10]:
        got, want = product(y), Fraction(k) * Fraction(y)
        if tiny <= abs(want) <= huge:
            assert got == pytest.approx(float(want), rel=3e-16, abs=0)
        elif abs(want) > huge:  # beyond the floats: inf of the truth's sign
            assert math.isinf(got) and (got > 0) == (want > 0)
        else:  # a subnormal, or 0: within one step of the subnormals
            assert abs(Fraction(got) - want) <= Fraction(2.0**-1074)


def test_a_coefficient_beyond_the_floats_prints_scaled() -> None:
    """2e308·p (the width of Uniform(−1e308, 1e308) times a tail probability) prints as
    ldexp(0.55…·p, 1025): finite wherever the product is (2e308 itself prints as inf);
    x − 1e308, which overflows at x = −1e308, is taken as twice its halves in −t²/2."""
    import math

    from symflow.codegen.printer import KernelPrinter
    from symflow.codegen.rewrite import stabilise

    p, x = sp.symbols("p x", real=True)
    printer = KernelPrinter()
    scaled = printer.doprint(2 * sp.Integer(10) ** 308 * p)
    m = sp.Integer(10) ** 308
    shifted = printer.doprint(stabilise(-((x - m) ** 2) / (2 * m**2)))  # −t²/2, t = (x − m)/m
    for code, at, truth in ((scaled, {"p": 0.5}, 1e308), (shifted, {"x": -1e308}, -2.0)):
        value = eval(code, {"math": math}, at)  # noqa: S307 (the printer's own output)
        assert abs(value - truth) <= 1e-15 * abs(truth), (code, value)
