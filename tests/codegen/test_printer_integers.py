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
