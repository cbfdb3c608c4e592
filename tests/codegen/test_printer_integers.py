"""Integers beyond int64 in a flow compile as float constants (numba types integer
literals as int64): the kernels against log-densities written by hand in mpmath."""

from __future__ import annotations

import mpmath as mp
import numpy as np
import sympy as sp

import symflow as sf

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


def test_a_coefficient_beyond_the_floats_prints_scaled() -> None:
    """2e308·p (the width of Uniform(−1e308, 1e308) times a tail probability) prints as
    (5e307·p)·4.0: finite wherever the product is (2e308 itself prints as inf), and exact;
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
