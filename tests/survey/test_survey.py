"""A fixed subset of the public-API survey (tests/survey/survey_run.py), run in CI.

The textbook flows are compared with densities written by hand at base quantiles down to
1e-300 mapped forward in mpmath, at their support edges and one rounding either side,
and at ±1e-300 and ±1e300; the bad inputs must raise a symflow error that names the
fault. The whole survey (about fifty flows, the CLI, the Monte Carlo checks) runs with
``SYMFLOW_SURVEY=1`` or ``python tests/survey/survey_run.py [--check]``.
"""

from __future__ import annotations

import os

import pytest
from survey_bad import BAD_INPUTS
from survey_cases import CASES, JOINT_CASES, MOMENTS, PARAM_CASES, _case
from survey_run import (
    KNOWN_OPEN,
    survey_bad,
    survey_case,
    survey_joint,
    survey_moment,
    survey_odd_arrays,
    survey_param,
)

FULL = bool(os.environ.get("SYMFLOW_SURVEY"))

#: a quantile function (its cdf in both tails), a log of a log, two preimages with poles
#: at the ends, a reciprocal through 0, a fractional power at 0 and 1e300 (the Beta edges
#: and parametric bases have their own tests: tests/codegen/test_edges.py,
#: tests/core/test_edges_parameters.py)
CI_CASES = ["U01-tan", "U01-gumbel", "U0pi-cos", "N01-recip", "Exp-weibull"]
CI_JOINT = ["EE-sum", "NN-linear"]
CI_PARAMS = ["Exponential(r)"]
CI_MOMENTS = [("U01-tan", "mean"), ("U01-recip", "mean"), ("Exp-weibull", "quantile")]
CI_TAILS = (1e-300, 1e-30, 0.3)


def _ids(items):
    return [item.name for item in items]


def _known(name: str):
    reason = KNOWN_OPEN.get(name)
    return [pytest.mark.xfail(reason=reason, strict=False)] if reason else []


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=_known(c.name)) for c in CASES if FULL or c.name in CI_CASES],
    ids=lambda c: c.name,
)
def test_textbook_flow_matches_the_textbook_everywhere(case) -> None:
    outcome = survey_case(case, tails=None if FULL else CI_TAILS, symbolic=FULL)
    assert outcome.passed, "\n".join(outcome.failures)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=_known(c.name)) for c in JOINT_CASES if FULL or c.name in CI_JOINT],
    ids=lambda c: c.name,
)
def test_sums_ratios_and_linear_maps_match_the_textbook(case) -> None:
    outcome = survey_joint(case)
    assert outcome.passed, "\n".join(outcome.failures)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=_known(c.name)) for c in PARAM_CASES if FULL or c.name in CI_PARAMS],
    ids=lambda c: c.name,
)
def test_every_base_family_with_parameters_through_an_affine_map(case) -> None:
    outcome = survey_param(case)
    assert outcome.passed, "\n".join(outcome.failures)


@pytest.mark.parametrize(
    "bad", [b for b in BAD_INPUTS if FULL or not b.name.startswith("cli-")], ids=lambda b: b.name
)
def test_bad_input_raises_a_symflow_error_that_names_it(bad) -> None:
    outcome = survey_bad(bad)
    assert outcome.passed, "\n".join(outcome.failures)


def test_unusual_arrays_are_read_as_numbers() -> None:
    failures = [f"{o.name}: {f}" for o in survey_odd_arrays() for f in o.failures]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("name", "method", "argument", "expected"),
    [m for m in MOMENTS if FULL or m[:2] in CI_MOMENTS],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_expectations_match_the_textbook(name, method, argument, expected) -> None:
    outcome = survey_moment(_case(name), method, argument, expected)
    assert outcome.passed, "\n".join(outcome.failures)
