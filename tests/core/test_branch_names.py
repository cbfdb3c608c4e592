"""Implicit inverses of the pieces of one non-monotone layer have names of their own."""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

import symflow as sf


def test_the_two_roots_of_z_to_the_z_are_named_apart_and_evaluate():
    """x = z^z on Exp(1): for e^(−1/e) < x < 1 two roots, below and above 1/e. The
    density sums both; each root has its own name, so the sum does not read as A − A,
    and its value is the sum over the roots found by mpmath."""
    z, x = sp.Symbol("z", positive=True), sp.Symbol("x")
    density = sf.Flow(sf.Exponential(1), [sf.Transform(z**z, z)]).density(x)
    text, latex = str(density), sp.latex(density)
    assert "f_1,1^-1(x)" in text and "f_1,2^-1(x)" in text
    assert "f_{1,1}^{-1}" in latex and "f_{1,2}^{-1}" in latex
    with mp.workdps(30):
        total = 0
        for start in (0.05, 1.0):
            r = mp.findroot(lambda t: t**t - mp.mpf("0.8"), start)
            total += mp.exp(-r) / abs(r**r * (mp.log(r) + 1))
    value = density.subs(x, sp.Rational(8, 10)).evalf(20)
    assert float(value) == pytest.approx(float(total), rel=1e-14)
