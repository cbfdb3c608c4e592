"""Check a derived density against samples of the forward map, and against the truth
computed in high precision over the whole float64 range.

Tests of a 1-D flow, on forward-map samples x = f(z), z ~ p_Z:

* **Kolmogorov–Smirnov** against F_Z(f⁻¹(x)) (or 1 − F_Z(f⁻¹(x)) for a decreasing flow)
  when the flow is one-to-one ("KS"), and against the integral of the derived density
  in every case ("KS density"). The first tests the inverse and the support, the second
  the density's shape.
* **Binned chi-square**: counts in bins (edges from a pilot sample) against n·∫ p_X over
  each bin. Tests the density itself, including every log|det| term.
* **Normalisation**: ∫ p_X over the support must be 1 — to within 1/(20√n), or the
  quadrature's own error bound when that is larger (plus the sampling error of the mass
  that float64 cannot hold, such as samples that overflow). A NaN or +inf density inside
  the support fails here: it is never counted as zero mass.
* **Tail** (:mod:`symflow.verify.pointwise`): the kernel's log p_X against the change of
  variables in mpmath at base quantiles down to 1e-300, where no sample ever lands.

All integrals come from :mod:`symflow.verify.integrate`, which calls the kernel's
vectorised ``prob``. Below :data:`MIN_SAMPLES` samples the statistical tests do not run
and the verdict is *inconclusive*, never passed.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> report = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)]).check(n=20_000)
>>> report.passed
True
>>> [t.name for t in report.tests]
['KS', 'KS density', 'chi-square', 'normalisation', 'tail']
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from symflow.core.intervals import describe_set
from symflow.core.program import MarginalProgram, VectorProgram
from symflow.verify.check_nd import check_flow_nd
from symflow.verify.integrate import Density, Integral
from symflow.verify.pointwise import TAIL_TOLERANCE, tail_test
from symflow.verify.report import (
    MIN_SAMPLES,
    CheckReport,
    TestResult,
    finite_count,
    format_number,
    reduce_blocks,
    validate_sample_size,
)

__all__ = ["CheckReport", "TestResult", "check_flow", "MIN_SAMPLES", "validate_sample_size"]


def _bijective_cdf(flow, kernels, values, density: Density):
    """F_X(x) = F_Z(f⁻¹(x)) for an increasing flow, 1 − F_Z(f⁻¹(x)) for a decreasing one."""
    path = kernels.program.paths[0]
    direction = 1
    for layer, b in zip(flow.layers, path.branch_indices, strict=True):
        direction *= layer.branches[b].direction
    # where f⁻¹(x) can overflow (a base location or scale of 1e308), F_Z(z) = F_0(t) of
    # the standardised t = (f⁻¹(x) − loc)/scale, which does not
    standard = kernels.standard_inverse(np.zeros(1), **values) is not None
    base = flow.base.standard_scipy(values) if standard else flow.base.scipy(values)
    inverse = kernels.standard_inverse if standard else kernels.inverse

    def cdf(xs):
        xs = np.asarray(xs, dtype=np.float64).reshape(-1)
        z = inverse(xs, **values)
        f = base.cdf(z) if direction > 0 else base.sf(z)
        return np.where(xs <= density.lo, 0.0, np.where(xs >= density.hi, 1.0, f))

    return cdf


def _integrated_cdf(grid: np.ndarray, cum: np.ndarray):
    """F_X, interpolated between its values ``cum`` (integrals of the density from the
    lower end of the support) at the points of ``grid``."""

    def cdf(xs):
        return np.interp(xs, grid, cum, left=0.0, right=cum[-1])

    return cdf


def _within(cdf, a: float, b: float):
    """F conditioned on [a, b]: (F(x) − F(a))/(F(b) − F(a))."""
    lo, hi = (float(v) for v in cdf(np.array([a, b])))

    def conditioned(xs):
        return (cdf(xs) - lo) / (hi - lo)

    return conditioned


def _tested_range(finite: np.ndarray, density: Density, overflowed: bool) -> tuple[float, float]:
    """The range of x whose samples the KS tests compare: the floats, less a support end
    that samples rounded onto (x = tanh(e^(e^z)) gives 1.0 for a tenth of its draws: the
    mass within one rounding of the end is not resolved by float64, so those draws and
    that mass are left out; the normalisation test counts them)."""
    top = np.finfo(float).max
    a, b = (-top, top) if overflowed else (-np.inf, np.inf)
    if math.isfinite(density.lo) and np.any(finite <= density.lo):
        a = float(np.nextafter(density.lo, np.inf))
    if math.isfinite(density.hi) and np.any(finite >= density.hi):
        b = float(np.nextafter(density.hi, -np.inf))
    return a, b


def _resolved_range(cdf, a: float, b: float, steps: int = 64) -> tuple[float, float]:
    """[a, b] pulled in, float by float (at most ``steps`` of them), to where ``cdf`` is
    strictly between 0 and 1: next to an end of the support that draws rounded onto, the
    inverse map can round onto that end as well (x^(1/5) is 14/3 one float below
    fl((14/3)⁵)), and F there is its value at the end, so that conditioning on [a, b]
    would leave none of the excluded mass out."""
    for _ in range(steps):
        if not (math.isfinite(b) and float(cdf(np.array([b]))[0]) >= 1.0):
            break
        b = float(np.nextafter(b, -np.inf))
    for _ in range(steps):
        if not (math.isfinite(a) and float(cdf(np.array([a]))[0]) <= 0.0):
            break
        a = float(np.nextafter(a, np.inf))
    return a, b


def _too_few_words(n: int, n_inside: int) -> str:
    """Why the statistical tests cannot run, and whether more draws would help."""
    if n_inside == 0:
        return (
            f"none of the {n:,} samples lands strictly inside the support in float64 (they "
            f"round onto its edges or overflow); the statistical tests need at least "
            f"{MIN_SAMPLES:,} that do"
        )
    needed = math.ceil(MIN_SAMPLES * n / n_inside)
    return (
        f"{n_inside:,} of {n:,} samples land strictly inside the support, too few for the "
        f"statistical tests (at least {MIN_SAMPLES:,}); about n = {needed:,} draws would "
        "give enough"
    )


def _midpoint(density: Density) -> float:
    """A point inside the support's first piece (1 beyond a finite lower end if unbounded)."""
    lo, hi = density.pieces[0]
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(hi):
        return lo + 1.0
    if math.isinf(lo):
        return hi - 1.0
    return lo + (hi - lo) / 2


def _ks(name: str, samples: np.ndarray, cdf, alpha: float, how: str) -> TestResult:
    ks = stats.kstest(samples, cdf)
    passed = bool(ks.pvalue > alpha)
    finding = ""
    if not passed:
        location = float(getattr(ks, "statistic_location", np.nan))
        finding = (
            f"the distribution of the samples differs from {how.split('against ')[-1]} "
            f"by {format_number(ks.statistic)} in probability"
            + (f", most at x ≈ {format_number(location)}" if math.isfinite(location) else "")
            + "."
        )
    return TestResult(name, float(ks.statistic), float(ks.pvalue), passed, how, finding)


def _interval_words(lo: float, hi: float) -> str:
    if math.isinf(hi) or hi >= np.finfo(float).max:
        return f"beyond x ≈ {format_number(lo)}"
    if math.isinf(lo) or lo <= -np.finfo(float).max:
        return f"below x ≈ {format_number(hi)}"
    return f"between x ≈ {format_number(lo)} and {format_number(hi)}"


def _bad_points_words(bad: np.ndarray, density: Density) -> str:
    values = density(bad[:1])
    what = "nan" if np.isnan(values[0]) else "+inf"
    return (
        f"the density is {what} inside the support at {bad.size} quadrature point(s), "
        f"e.g. x ≈ {format_number(bad[0])}"
    )


def check_flow(
    flow,
    n: int = 200_000,
    seed: int = 0,
    alpha: float = 1e-4,
    bins: int = 60,
    normalisation_tolerance: float | None = None,
    params: dict[str, float] | None = None,
    chunks=None,
    tail_tolerance: float = TAIL_TOLERANCE,
    tail_probes: bool = True,
    tail: bool = True,
) -> CheckReport:
    """Check ``flow``'s derived density against ``n`` samples of its forward map and
    against the change of variables in high precision.

    With ``chunks`` the samples are a dask array drawn and counted block by block; the
    tests that are reductions (chi-square, normalisation) run, the KS tests (which sort
    all samples) are skipped and the report says so. ``normalisation_tolerance`` replaces
    the automatic tolerance (1/(20√n), or the quadrature error bound). ``tail_probes``
    (on by default; it costs a few hundredths of a second) also compares the kernel at
    x = ±10^k out to 1e300 and next to the support's finite edges, points that images of
    base quantiles may never reach (see :func:`symflow.verify.pointwise.tail_test`).
    ``tail=False`` leaves the tail test out (it evaluates the change of variables in
    mpmath at about a hundred points: seconds for implicit inverses).
    """
    n = validate_sample_size(n, flow)
    if isinstance(flow.program, VectorProgram):
        return check_flow_nd(
            flow, n=n, seed=seed, alpha=alpha, params=params, chunks=chunks,
            tail_tolerance=tail_tolerance,
        )  # fmt: skip
    kernels = flow.compile()
    values = dict(params or {})
    kernels._params(values)  # clear error for missing/unknown parameters
    samples = kernels.sample(n, seed=seed, chunks=chunks, **values)
    density = Density(kernels, values)
    notes = []
    n_finite = reduce_blocks(samples, finite_count)
    if n_finite < n:
        notes.append(
            f"{n - n_finite} samples overflowed to +-inf or nan in float64: they count as "
            f"draws beyond the floats (nan ones are left out)."
        )
    # samples that round onto an edge of the support (x**(10**100) gives 0 or inf) tell
    # nothing about the density: only those strictly inside count towards the tests
    n_inside = reduce_blocks(samples, lambda b: int(np.sum(density.inside(b[np.isfinite(b)]))))
    enough = n_inside >= MIN_SAMPLES
    pilot = kernels.sample(20_000, seed=seed + 2, **values)
    pilot = pilot[np.isfinite(pilot)]
    pilot = pilot[density.inside(pilot)]
    if pilot.size == 0:
        pilot = np.array([0.0 if density.lo < 0.0 < density.hi else _midpoint(density)])
    q25, q50, q75 = np.quantile(pilot, [0.25, 0.5, 0.75])
    scale = float(max(q75 - q25, 1e-300))

    # one integration over the pilot-quantile grid (for KS) and the bins (for chi-square)
    inner = np.unique(np.quantile(pilot, np.linspace(0, 1, bins + 1)[1:-1]))
    inner = inner[(inner > density.lo) & (inner < density.hi)]
    edges = np.concatenate([[density.lo], inner, [density.hi]])
    grid = np.unique(np.quantile(pilot, np.linspace(0.0, 1.0, 400)))
    grid = grid[(grid > density.lo) & (grid < density.hi)]
    cuts = np.union1d(edges, grid)
    fine = density.integrate(cuts, scale)
    starts = np.searchsorted(cuts, edges[:-1])
    probs = np.add.reduceat(fine.masses, starts)
    errors = np.add.reduceat(fine.errors, starts)
    integral = Integral(probs, errors, fine.bad)

    tests = []
    if not enough:
        notes.append(_too_few_words(n, n_inside) + ": the verdict is inconclusive.")
    elif chunks is not None:
        notes.append("KS skipped: the samples are a dask array and KS needs them sorted.")
    else:
        finite = samples[np.isfinite(samples)]
        # where draws overflowed or rounded onto an end of the support, the others follow
        # F conditioned on the range left (how many did is the normalisation test's business)
        a, b = _tested_range(finite, density, n_finite < n)
        finite = finite[(finite >= a) & (finite <= b)]
        conditioned = math.isfinite(a) or math.isfinite(b)

        def within(cdf):
            return _within(cdf, a, b) if conditioned else cdf

        if flow.program.is_bijective and not any(p.implicit for p in flow.program.paths):
            cdf = _bijective_cdf(flow, kernels, values, density)
            if conditioned:
                a_f, b_f = _resolved_range(cdf, a, b)
                tested = finite[(finite >= a_f) & (finite <= b_f)]
                cdf = _within(cdf, a_f, b_f)
            else:
                tested = finite
            tests.append(_ks("KS", tested, cdf, alpha, "against F_Z(f^-1(x))"))
        cum = np.cumsum(fine.masses)[np.searchsorted(cuts, grid) - 1]  # ∫ up to each point
        cdf = within(_integrated_cdf(grid, cum))
        tests.append(_ks("KS density", finite, cdf, alpha, "against the integrated density"))

    # binned chi-square; the bins' masses also give the normalisation
    clipped = np.clip(edges, -np.finfo(float).max, np.finfo(float).max)

    def counts_and_lost(block: np.ndarray) -> np.ndarray:
        ok = block[np.isfinite(block)]
        inside = density.inside(ok)
        # a draw rounded onto an end of the support is lost, not counted in the end's bin
        counts = np.histogram(ok[inside], bins=clipped)[0]
        lost = block.size - int(np.sum(inside))
        return np.append(counts, lost)

    reduced = reduce_blocks(samples, counts_and_lost)
    counts, lost = reduced[:-1], int(reduced[-1])
    total = integral.total
    if enough:
        # each bin's count is binomial in all n draws (those beyond the floats fall in none)
        n_drawn = n - reduce_blocks(samples, lambda b: int(np.sum(np.isnan(b))))
        tests.append(_chi_square(counts, probs, errors, edges, n_drawn, alpha))

    tests.append(
        _normalisation(
            flow, integral, density, counts, probs, edges, n, lost, normalisation_tolerance
        )
    )
    if not tail:
        notes.append("no tail test (tail=False).")
    elif not isinstance(flow.program, MarginalProgram):
        tests.append(
            tail_test(
                kernels.program,
                kernels,
                values,
                seed,
                tolerance=tail_tolerance,
                x_probes=tail_probes,
            )
        )
    else:  # a map of several variables to one: the truth at a point is an integral
        notes.append(
            "no tail test: the density of a map to fewer dimensions is an integral over the "
            "auxiliary coordinates, with no closed-form truth to compare in the tails."
        )
    if lost > n - n_finite:
        notes.append(
            f"{lost - (n - n_finite)} samples fell on the edge of the support (rounded in "
            "float64); the normalisation allows for them."
        )
    return CheckReport(
        repr(flow), n, int(seed), tuple(tests), total, alpha, tuple(notes), not enough,
        "" if enough else _too_few_words(n, n_inside),
    )  # fmt: skip


def _chi_square(counts, probs, errors, edges, n_drawn, alpha) -> TestResult:
    expected = n_drawn * probs
    keep = expected > 5
    with np.errstate(all="ignore"):
        # the integration error of each expected count widens its variance
        variance = expected[keep] + (n_drawn * errors[keep]) ** 2
        terms = np.nan_to_num((counts[keep] - expected[keep]) ** 2 / variance, nan=np.inf)
        chi2 = float(np.sum(terms))
    dof = max(int(np.sum(keep)) - 1, 1)
    p = float(stats.chi2.sf(chi2, dof)) if math.isfinite(chi2) else 0.0
    passed = p > alpha
    finding = ""
    if not passed and terms.size:
        worst = int(np.flatnonzero(keep)[np.argmax(terms)])
        finding = (
            f"the sample counts differ most {_interval_words(edges[worst], edges[worst + 1])}: "
            f"{int(counts[worst]):,} samples where the density predicts "
            f"{format_number(expected[worst], 4)}."
        )
    return TestResult("chi-square", chi2, p, passed, f"{int(np.sum(keep))} bins", finding)


def _normalisation(flow, integral, density, counts, probs, edges, n, lost, tolerance) -> TestResult:
    """∫ p_X against the share of the samples float64 can hold, with a tolerance that
    shrinks as 1/√n (down to the quadrature error)."""
    total = integral.total
    expected = 1.0 - lost / n
    if tolerance is None:
        # a quadrature that cannot settle to 1 % cannot confirm the normalisation
        quadrature = min(8.0 * integral.error, 1e-2)
        tolerance = max(1.0 / (20.0 * math.sqrt(n)), quadrature) + 4.0 * math.sqrt(lost) / n
    ok = abs(total - expected) <= tolerance and integral.bad.size == 0 and math.isfinite(total)
    value = f"{total:.8f}" if 1e-3 < abs(total) < 1e3 else format_number(total, 6)
    detail = (
        f"integral of density = {value} (tolerance "
        f"{format_number(tolerance, 2)}, quadrature error {format_number(integral.error, 2)})"
    )
    if ok:
        return TestResult("normalisation", total, float("nan"), True, detail)
    if integral.bad.size:
        finding = _bad_points_words(integral.bad, density) + "."
    else:
        share = counts / max(np.sum(counts), 1)
        worst = int(np.argmax(np.abs(np.nan_to_num(probs - share, nan=np.inf))))
        finding = (
            f"the density integrates to {format_number(total, 6)} over "
            f"{describe_set(flow.support)}, not {format_number(expected, 6)}; the mass is "
            f"most wrong {_interval_words(edges[worst], edges[worst + 1])} "
            f"({format_number(probs[worst], 4)} there against "
            f"{format_number(share[worst], 4)} of the samples)."
        )
    return TestResult("normalisation", total, float("nan"), False, detail, finding)
