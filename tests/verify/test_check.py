"""The Monte Carlo check: passes on right densities, fails on corrupted ones."""

from __future__ import annotations

import copy
import dataclasses
import math
import re

import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)

PASSING = [
    "normal-2z+3",
    "normal-exp",
    "normal-sinh",
    "normal-sigmoid",
    "normal-cube",
    "normal-square",
]


@pytest.mark.parametrize("name", PASSING)
def test_check_passes_on_derived_densities(flows, name) -> None:
    report = flows.flow(name).check(n=50_000, seed=0)
    assert report.passed, str(report)
    assert bool(report) is True
    assert 1e-4 < report.pvalue <= 1.0
    assert report.normalisation == pytest.approx(1.0, abs=2e-3)


def corrupt(flow: sf.Flow, kind: str, replace) -> sf.Flow:
    """A copy of ``flow`` whose first path has every ``kind`` assignment's value replaced."""
    bad = copy.copy(flow)
    path = flow.program.paths[0]
    new_assignments = tuple(
        dataclasses.replace(a, value=replace(a.value)) if a.kind == kind else a
        for a in path.assignments
    )
    bad.program = dataclasses.replace(
        flow.program, paths=(dataclasses.replace(path, assignments=new_assignments),)
    )
    bad._kernels = None
    return bad


@pytest.mark.parametrize("name", ["normal-2z+3", "normal-exp", "normal-sinh"])
def test_check_fails_when_a_log_det_term_is_dropped(flows, name) -> None:
    bad = corrupt(flows.flow(name), "log_det", lambda value: sp.Integer(0))
    report = bad.check(n=50_000)
    assert report.passed is False
    assert "FAILED" in str(report)
    # the shared flow itself is untouched
    assert bad.program is not flows.flow(name).program
    assert any(
        a.value != 0 for a in flows.flow(name).program.paths[0].assignments if a.kind == "log_det"
    )


def test_check_fails_when_a_log_det_term_has_the_wrong_scale(flows) -> None:
    # log|f'| off by log(1.05): the density integrates to 1/1.05
    bad = corrupt(
        flows.flow("normal-exp"), "log_det", lambda value: value + sp.log(sp.Rational(21, 20))
    )
    assert bad.check(n=50_000).passed is False


def test_check_fails_when_a_log_det_keeps_its_mass_but_has_the_wrong_shape(flows) -> None:
    # 2z + 3 with l_1 = log 2 replaced by a term that still integrates to one:
    # p(x) = phi((x - 3)/2) / 2 * (1 + 0.3 tanh(x - 3)), an odd perturbation
    flow = flows.flow("normal-2z+3")
    x = flow.program.x
    bad = corrupt(
        flow, "log_det", lambda value: value - sp.log(1 + sp.Rational(3, 10) * sp.tanh(x - 3))
    )
    report = bad.check(n=50_000)
    assert report.passed is False
    assert report.normalisation == pytest.approx(1.0, abs=1e-6)


def test_check_fails_when_the_inverse_is_wrong(flows) -> None:
    # z_0 = (x - 3)/2 shifted by 1/10: the density of N(2.8, 2) against samples of N(3, 2)
    flow = flows.flow("normal-2z+3")
    z0 = flow.program.base_symbol
    path = flow.program.paths[0]
    shifted = tuple(
        dataclasses.replace(a, value=a.value + sp.Rational(1, 10)) if a.target == z0 else a
        for a in path.assignments
    )
    bad = copy.copy(flow)
    bad.program = dataclasses.replace(
        flow.program, paths=(dataclasses.replace(path, assignments=shifted),)
    )
    bad._kernels = None
    report = bad.check(n=50_000)
    assert report.passed is False
    assert not report.tests[0].passed  # KS sees the shift


@pytest.mark.parametrize(
    ("base", "exprs"),
    [
        (sf.Normal(0, 1), [z**3, sp.asinh(z)]),
        pytest.param(sf.Normal(0, 1), [z**5, 2 * z + 1]),
        (sf.Exponential(1), [z**3, sp.exp(z), sp.asinh(z)]),
    ],
    ids=["cube-asinh", "fifth-affine", "exponential-cube-exp-asinh"],
)
def test_check_through_a_critical_value(base, exprs) -> None:
    report = sf.Flow(base, [sf.Transform(e, z) for e in exprs]).check(n=20_000)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    ("base", "exprs"),
    [
        (sf.Normal(0, 1), [sp.exp(z), sp.asinh(z)]),
        (sf.Exponential(2), [sp.asinh(z), sp.sinh(z), sp.asinh(z)]),
    ],
    ids=["normal-exp-asinh", "exponential-asinh-sinh-asinh"],
)
def test_check_of_asinh_after_growth(base, exprs) -> None:
    # log|asinh'| and log sinh(x) are taken in log space: sinh(x) overflows beyond x ≈ 710,
    # where the density is still finite
    report = sf.Flow(base, [sf.Transform(e, z) for e in exprs]).check(n=20_000)
    assert report.passed, str(report)


def test_report_text_names_the_tests_and_the_verdict(flows) -> None:
    report = flows.flow("normal-exp").check(n=20_000, seed=3)
    text = str(report)
    assert text.startswith("check of Flow(Normal(0, 1), [exp(z)]): PASSED")
    assert "n = 20,000" in text and "seed = 3" in text
    for name in ("KS", "chi-square", "normalisation", "tail"):
        assert name in text
    assert report.n == 20_000 and report.seed == 3
    assert [t.name for t in report.tests] == [
        "KS",
        "KS density",
        "chi-square",
        "normalisation",
        "tail",
    ]
    assert report._repr_markdown_().startswith("```")


def test_failed_report_says_failed_and_why(flows) -> None:
    bad = corrupt(flows.flow("normal-z/2"), "log_det", lambda value: sp.Integer(0))
    report = bad.check(n=20_000)
    text = str(report)
    assert "FAILED" in text and "FAIL" in text
    assert "integrates to 0.5" in text
    assert report.normalisation == pytest.approx(0.5, rel=1e-6)


def test_check_is_reproducible(flows) -> None:
    X = flows.flow("normal-sinh")
    a, b = X.check(n=20_000, seed=5), X.check(n=20_000, seed=5)
    assert a.pvalue == b.pvalue
    assert X.check(n=20_000, seed=6).pvalue != a.pvalue


def test_check_without_its_tail_test(flows) -> None:
    from symflow.verify.check import check_flow

    report = check_flow(flows.flow("normal-sinh"), n=20_000, seed=5, tail=False)
    assert report.passed and "tail" not in [t.name for t in report.tests]
    assert "no tail test (tail=False)." in report.notes


def test_check_of_a_parametric_flow_takes_values() -> None:
    mu = sp.Symbol("mu", real=True)
    X = sf.Flow(sf.Normal(mu, 1), [sf.Transform(sp.exp(z), z)])
    assert X.check(n=20_000, seed=0, mu=0.5).passed
    with pytest.raises(sf.ParameterError, match="Missing value for parameter mu"):
        X.check(n=1000)
    with pytest.raises(sf.ParameterError, match="Unknown parameter nu"):
        X.check(n=1000, mu=0.0, nu=1.0)


def test_check_of_heavy_tails_left_out_overflow(flows) -> None:
    # exp of a Cauchy variable overflows float64 for a few samples: noted, still right
    X = sf.Flow(sf.Cauchy(0, 1), [sf.Transform(sp.exp(z), z)])
    report = X.check(n=50_000, seed=0)
    assert report.passed, str(report)


def test_check_when_three_percent_of_the_draws_overflow() -> None:
    """exp(exp(exp(z))) on N(0, 1): 3 % of the draws are beyond the largest float. The
    finite ones follow F conditioned on the floats' range, the density integrates to
    the finite share; and the tail check's mpmath forward map returns at once where
    exp(exp(e^37)) would take mpmath hours. (It failed all three tests and took more
    than ten minutes.)"""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sp.exp(sp.exp(z))), z)])
    report = X.check(n=50_000, seed=0)
    assert report.passed, str(report)
    share = stats.norm.cdf(math.log(math.log(math.log(np.finfo(float).max))))
    assert report.normalisation == pytest.approx(share, rel=1e-6)


BASES = [
    ("normal", sf.Normal(1, 2), (1.0, 2.0)),
    ("uniform", sf.Uniform(-1, 3), (1.0, math.sqrt(16 / 12))),
    ("exponential", sf.Exponential(2), (0.5, 0.5)),
    ("gamma", sf.Gamma(3, 2), (1.5, math.sqrt(3) / 2)),
    ("beta", sf.Beta(2, 3), (0.4, math.sqrt(6 / (25 * 6)))),
    ("laplace", sf.Laplace(1, 2), (1.0, 2 * math.sqrt(2))),
    ("logistic", sf.Logistic(1, 2), (1.0, 2 * math.pi / math.sqrt(3))),
    ("studentt", sf.StudentT(5, 1, 2), (1.0, 2 * math.sqrt(5 / 3))),
]


@pytest.mark.parametrize(("base", "moments"), [c[1:] for c in BASES], ids=[c[0] for c in BASES])
def test_scipy_twin_of_each_base_has_the_textbook_moments(base, moments) -> None:
    twin = base.scipy()
    assert twin.mean() == pytest.approx(moments[0], rel=1e-12)
    assert twin.std() == pytest.approx(moments[1], rel=1e-12)


def test_scipy_twin_needs_parameter_values() -> None:
    mu = sp.Symbol("mu", real=True)
    with pytest.raises(sf.ParameterError, match="give a value for mu"):
        sf.Normal(mu, 1).scipy()
    assert sf.Normal(mu, 1).scipy({"mu": 2.0}).mean() == 2.0
    assert np.isclose(sf.Cauchy(1, 2).scipy().median(), 1.0)


def test_samples_that_all_round_onto_an_edge_leave_the_check_inconclusive() -> None:
    # x = z**(10**6) on U(0, 1): P(x > 1e-308) = 1 - exp(-709/10**6) ≈ 7e-4, so nearly
    # every sample underflows to the support's edge 0 and none may stand for the density
    X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(z ** (10**6), z)])
    report = X.check(n=20_000, seed=0)
    assert report.inconclusive and not report.passed
    assert "land strictly inside the support, too few" in str(report)
    assert "14 of 20,000 samples" in report.too_few_reason  # P(x > 1e-308) ≈ 7e-4
    assert "about n = 1,428,572 draws would give enough" in report.too_few_reason


def test_check_of_a_shift_beyond_float64() -> None:
    """N(0, 1e308) moved by 1e308: draws 1e308·t overflow for |t| > 1.8 while x = 1e308·(t + 1)
    is finite down to t = −2.8 (they are drawn as f(1e308·t) from standard draws t), and
    F_Z(f⁻¹(x)) reads the standardised t = (x − 1e308)/1e308 (f⁻¹(x) itself overflows for
    x < −8e307): the check passes, with the finite mass Φ(0.797) − Φ(−2.797) = 0.7847;
    the density times 1 + 0.3·tanh(t), of the same mass, fails it."""
    X = sf.Flow(sf.Normal(0, 1e308), [sf.Transform(z + 1e308, z)])
    report = X.check(n=20_000, seed=0)
    assert report.passed, str(report)
    assert report.normalisation == pytest.approx(
        stats.norm.cdf(0.797693134862315) - stats.norm.cdf(-2.797693134862315), rel=1e-9
    )

    class Tilted:  # the compiled kernel, its density times 1 + 0.3·tanh(t)
        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def log_prob(self, xs, **params):
            t = np.asarray(xs, dtype=np.float64) / 2 / 5e307 - 1
            return self._inner.log_prob(xs, **params) + np.log1p(0.3 * np.tanh(t))

        def prob(self, xs, **params):
            return np.exp(self.log_prob(xs, **params))

    bad = copy.copy(X)
    bad._kernels = Tilted(X.compile())
    assert bad.check(n=20_000, seed=0).passed is False


@pytest.fixture(scope="module")
def squashed_tower():
    """tanh(exp(z·e^z)) on Exponential(2): 12.6 % of the draws round onto the end 1.0 (the
    mass within one rounding of it), so float64 cannot resolve the law there."""
    return sf.Flow(
        sf.Exponential(2),
        [sf.Transform(z * sp.exp(z), z), sf.Transform(sp.exp(z), z), sf.Transform(sp.tanh(z), z)],
    )


def test_draws_rounded_onto_an_end_are_left_out_of_ks_and_chi_square(squashed_tower) -> None:
    """Those draws used to sit in the last bin and at the KS jump to F = 1, so the check of
    a right density failed (KS 0.127, chi-square p = 2e-14); and the tail test's mpmath
    tanh of e^(e^(z·e^z)) ran out of memory. The share left out is the share that mpmath
    puts beyond the largest float below 1 (its complement is F_Z at the preimage)."""
    report = squashed_tower.check(n=50_000, seed=0)
    assert report.passed, str(report)
    w = mpmath.atanh(mpmath.mpf(np.nextafter(1.0, 0.0)))  # e^(z·e^z) at that float
    inside = float(1 - mpmath.exp(-2 * mpmath.lambertw(mpmath.log(w))))  # 0.87450
    assert report.normalisation == pytest.approx(inside, abs=0.016)  # the test's tolerance
    on_end = int(re.search(r"(\d+) samples fell on the edge", str(report)).group(1))
    assert abs(on_end / 50_000 - (1 - inside)) < 4 * math.sqrt(inside * (1 - inside) / 50_000)
    assert "samples fell on the edge of the support" in str(report)


def test_a_wrong_density_next_to_such_an_end_still_fails(squashed_tower) -> None:
    """The same flow with each log|det| term off by the factor 1 + 0.3·tanh(40(x − 0.9)),
    which moves mass towards the end: the check must still see it."""
    x = squashed_tower.program.x
    bad = corrupt(
        squashed_tower,
        "log_det",
        lambda value: (
            value - sp.log(1 + sp.Rational(3, 10) * sp.tanh(40 * (x - sp.Rational(9, 10))))
        ),
    )
    assert bad.check(n=50_000, seed=0).passed is False


def test_ks_range_ends_where_the_inverse_resolves_the_end() -> None:
    """x = (5/3 − 3(e^z − 1))⁵ on Cauchy(0, 1): 0.85 % of the draws round onto the upper
    end fl((14/3)⁵), and one float below it x^(1/5) still rounds to 14/3, so f⁻¹ is −inf
    and F_Z(f⁻¹(x)) is 1 there (mpmath: 0.9915). Conditioning the KS on that float left
    the excluded mass in (KS p = 1.0e-4, at alpha); the range now ends at the first float
    where F < 1."""
    X = sf.Flow(
        sf.Cauchy(0, 1),
        [
            sf.Transform(sp.exp(z) - 1, z),
            sf.Transform(sp.Rational(5, 3) - 3 * z, z),
            sf.Transform(z**5, z),
        ],
    )
    from symflow.verify.check import check_flow

    report = check_flow(X, n=50_000, seed=1, tail=False)
    ks = next(t for t in report.tests if t.name == "KS")
    assert ks.pvalue > 1e-2, str(report)


def test_resolved_range_steps_in_to_where_the_cdf_is_inside() -> None:
    """A CDF that is 1 on the last two floats below 1 and 0 on the first float above 0:
    the range is pulled in by two floats at the top and one at the bottom."""
    from symflow.verify.check import _resolved_range

    top = np.nextafter(1.0, 0.0)
    low = np.nextafter(0.0, 1.0)

    def cdf(xs):
        xs = np.asarray(xs, dtype=np.float64)
        return np.where(xs >= np.nextafter(top, 0.0), 1.0, np.where(xs <= low, 0.0, xs))

    a, b = _resolved_range(cdf, float(low), float(top))
    assert a == float(np.nextafter(low, 1.0))
    assert b == float(np.nextafter(np.nextafter(top, 0.0), 0.0))
