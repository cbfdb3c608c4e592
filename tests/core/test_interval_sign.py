"""Sign changes of a derivative proven by interval arithmetic (mpmath.iv).

Oracles: the roots written by hand (1/3 ± 10⁻⁴·√log 2 for 1 − 2·exp(−(10⁴(t − 1/3))²)),
π/2 + kπ for cos, e for log t − 1, each at 40 digits in mpmath.
"""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

from symflow.core.interval_sign import interval_function, interval_sign_changes
from symflow.core.pieces import _derivative_function, _numeric_sign_changes

t = sp.Symbol("t", real=True)
THIRD = sp.Rational(1, 3)
#: f' dips below zero on a band 1.7e-4 wide around 1/3, between two of the 801 sample points
NARROW_DIP = 1 + t / 10 - 2 * sp.exp(-((10**4 * (t - THIRD)) ** 2))


def _dip_roots():
    with mp.workdps(40):
        f = lambda s: 1 + s / 10 - 2 * mp.exp(-((10**4 * (s - mp.mpf(1) / 3)) ** 2))  # noqa: E731
        third = mp.mpf(1) / 3
        brackets = [(third - mp.mpf("1e-4"), third), (third, third + mp.mpf("1e-4"))]
        return [mp.findroot(f, bracket, solver="anderson") for bracket in brackets]


def test_sampling_misses_the_narrow_dip_that_interval_arithmetic_finds() -> None:
    unit = sp.Interval.open(0, 1)
    f = sp.integrate(NARROW_DIP, t)
    assert _numeric_sign_changes(_derivative_function(f, t, NARROW_DIP), unit) == []
    found = interval_sign_changes(NARROW_DIP, t, unit)
    assert found.proven
    assert len(found.cuts) == 2
    with mp.workdps(40):
        for cut, root in zip(found.cuts, _dip_roots(), strict=True):
            assert abs(mp.mpf(str(cut)) - root) < mp.mpf(10) ** -24


def test_dip_on_the_whole_line_and_the_root_of_the_slope() -> None:
    found = interval_sign_changes(NARROW_DIP, t, sp.Interval.open(-sp.oo, sp.oo))
    assert found.proven
    assert [round(float(c), 12) for c in found.cuts[:1]] == [-10.0]
    assert len(found.cuts) == 3


@pytest.mark.parametrize(
    ("d", "interval", "roots"),
    [
        (
            sp.cos(t),
            sp.Interval.open(-5, 5),
            [-3 * sp.pi / 2, -sp.pi / 2, sp.pi / 2, 3 * sp.pi / 2],
        ),
        (sp.log(t) - 1, sp.Interval.open(0, sp.oo), [sp.E]),
        (sp.atan(t - 2) * (1 + t**2), sp.Interval.open(-sp.oo, sp.oo), [sp.Integer(2)]),
    ],
    ids=["cos", "log-at-e", "atan-times-exp"],
)
def test_sign_changes_are_proven_to_25_digits(d, interval, roots) -> None:
    found = interval_sign_changes(d, t, interval)
    assert found.proven
    assert len(found.cuts) == len(roots)
    with mp.workdps(40):
        for cut, exact in zip(found.cuts, roots, strict=True):
            root = mp.mpf(str(exact.evalf(45)))
            assert abs(mp.mpf(str(cut)) - root) <= mp.mpf(10) ** -24 * max(1, abs(root))


def test_a_double_root_is_not_a_sign_change_and_is_reported_as_undecided() -> None:
    found = interval_sign_changes((t - THIRD) ** 2, t, sp.Interval.open(0, 1))
    assert found.cuts == ()
    assert not found.proven
    ((lo, hi),) = found.sampled
    assert lo < THIRD < hi and hi - lo < 1e-24


def test_functions_without_a_rigorous_interval_version_fall_back() -> None:
    assert interval_function(t, sp.zeta(t + 2)) is None
    assert interval_sign_changes(sp.gamma(t) - 2, t, sp.Interval.open(1, 5)) is None
