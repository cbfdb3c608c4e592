"""A Piecewise that leaves part of the support without a branch loses mass: refused."""

from __future__ import annotations

import re

import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.errors import SupportError

z = sp.Symbol("z", real=True)


def test_a_piecewise_with_a_gap_is_a_support_error_naming_it_and_its_probability():
    gappy = sp.Piecewise((z, z < 0), (z + 1, z > 1))
    with pytest.raises(SupportError, match=r"no branch for z in \[0, 1\]") as info:
        sf.Flow(sf.Normal(0, 1), [sf.Transform(gappy, z)])
    about = float(re.search(r"about ([0-9.e-]+)", str(info.value)).group(1))
    assert about == pytest.approx(stats.norm.cdf(1) - 0.5, abs=5e-4)
    assert "Normal(0, 1)" in str(info.value)


def test_a_gap_of_probability_zero_is_accepted():
    """Only the point 0 has no branch: no mass is lost."""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Piecewise((z, z < 0), (z + 1, z > 0)), z)])
    x = sp.Symbol("x", real=True)
    assert X.density(x).subs(x, sp.Rational(-1, 2)) == sp.exp(-sp.Rational(1, 8)) / sp.sqrt(
        2 * sp.pi
    )


def test_a_gap_outside_the_base_support_is_accepted():
    """On Uniform(2, 3) the gap [0, 1] has probability 0."""
    X = sf.Flow(sf.Uniform(2, 3), [sf.Transform(sp.Piecewise((z, z < 0), (z + 1, z > 1)), z)])
    assert X.support == sp.Interval(3, 4) or X.support == sp.Interval.open(3, 4)
