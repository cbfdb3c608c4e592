"""Sets written in plain notation: intervals, finite sets, arithmetic progressions of poles
(merged when they interleave), and a plain statement for a set with no plain form; the
expected strings are written by hand."""

from __future__ import annotations

import pytest
import sympy as sp

from symflow.core.set_words import UNDESCRIBED, describe_set

n = sp.Symbol("n", integer=True)
x = sp.Symbol("x", real=True)


def _every(step, offset) -> sp.ImageSet:
    return sp.ImageSet(sp.Lambda(n, step * n + offset), sp.S.Integers)


@pytest.mark.parametrize(
    "s, words",
    [
        (sp.Interval.Ropen(0, 1) | sp.FiniteSet(2), "[0, 1) U {2}"),
        (
            _every(2 * sp.pi, sp.pi / 2) | _every(2 * sp.pi, 3 * sp.pi / 2),
            "{pi/2 + pi*k : k an integer}",
        ),
        (_every(-sp.pi, 5 * sp.pi / 2), "{pi/2 + pi*k : k an integer}"),
        (
            _every(2 * sp.pi, 0) | _every(2 * sp.pi, sp.pi / 3),
            "{2*pi*k or pi/3 + 2*pi*k : k an integer}",
        ),
        # what continuous_domain leaves of tan on (0, oo)
        (
            sp.Complement(
                sp.Interval.open(0, sp.oo),
                sp.Complement(sp.Interval.open(0, sp.oo), _every(sp.pi, sp.pi / 2)),
                evaluate=False,
            ),
            "the points of {pi/2 + pi*k : k an integer} in (0, oo)",
        ),
        (sp.Complement(sp.S.Reals, sp.FiniteSet(0), evaluate=False), "(-oo, oo) less {0}"),
        (sp.ConditionSet(x, sp.Eq(x**5 + x, 3), sp.S.Reals), UNDESCRIBED),
        (sp.ImageSet(sp.Lambda(n, n**2), sp.S.Integers), UNDESCRIBED),
    ],
    ids=[
        "interval-and-point",
        "merged-poles",
        "negative-step",
        "two-offsets",
        "within",
        "complement",
        "condition-set",
        "squares",
    ],
)
def test_sets_are_written_in_plain_notation(s, words) -> None:
    assert describe_set(s) == words
