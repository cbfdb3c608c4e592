"""Monte Carlo check of a derived density against samples of the forward map.

Three tests, all on forward-map samples x = f(z), z ~ p_Z:

* **Kolmogorov–Smirnov** against the derived CDF: F_Z(f⁻¹(x)) (or 1 − F_Z(f⁻¹(x)) for a
  decreasing flow) when the flow is one-to-one, the cumulative integral of the derived
  density otherwise. Tests the inverse and the support.
* **Binned chi-square**: counts in bins (edges from a pilot sample) against n·∫ p_X
  over each bin, integrated with scipy.integrate.quad. Tests the density itself,
  including every log|det| term.
* **Normalisation**: ∫ p_X over the support, which must be 1.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> report = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)]).check(n=20_000)
>>> report.passed
True
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy import integrate, stats

from symflow.core.intervals import as_intervals, describe_set
from symflow.verify.bases import scipy_base

__all__ = ["CheckReport", "TestResult", "check_flow"]


@dataclass(frozen=True)
class TestResult:
    """One statistical test: its name, statistic, p-value (or value) and verdict."""

    __test__ = False  # not a pytest test class

    name: str
    statistic: float
    pvalue: float
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class CheckReport:
    """The outcome of :func:`check_flow`; ``passed`` is True when every test passed."""

    flow: str
    n: int
    seed: int
    tests: tuple[TestResult, ...]
    normalisation: float
    alpha: float
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tests)

    @property
    def pvalue(self) -> float:
        """The smallest p-value among the statistical tests."""
        values = [t.pvalue for t in self.tests if t.name != "normalisation"]
        return min(values) if values else float("nan")

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        name = self.flow if len(self.flow) <= 160 else self.flow[:150] + " ...]"
        lines = [f"check of {name}: {verdict} (n = {self.n:,}, seed = {self.seed})"]
        for t in self.tests:
            mark = "ok  " if t.passed else "FAIL"
            if t.name == "normalisation":
                lines.append(
                    f"  {mark} normalisation  integral of density = {t.statistic:.8f}"
                    + (f"  ({t.detail})" if t.detail else "")
                )
            else:
                lines.append(
                    f"  {mark} {t.name:<13} statistic = {t.statistic:.5g}, "
                    f"p-value = {t.pvalue:.4g} (alpha = {self.alpha:g})"
                    + (f"  {t.detail}" if t.detail else "")
                )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"

    def _repr_html_(self) -> str:
        """A table: one row per test with its statistic, p-value and verdict."""
        from html import escape

        verdict = "PASSED" if self.passed else "FAILED"
        rows = "".join(
            f"<tr><td>{escape(t.name)}</td><td>{t.statistic:.5g}</td>"
            f"<td>{'' if t.name == 'normalisation' else f'{t.pvalue:.4g}'}</td>"
            f"<td>{'ok' if t.passed else 'FAIL'}</td><td>{escape(t.detail or '')}</td></tr>"
            for t in self.tests
        )
        notes = "".join(f"<li>{escape(n)}</li>" for n in self.notes)
        return (
            f"<p><b>check: {verdict}</b> (n = {self.n:,}, seed = {self.seed}, "
            f"alpha = {self.alpha:g}) of <code>{escape(self.flow)}</code></p>"
            "<table><tr><th>test</th><th>statistic</th><th>p-value</th><th></th>"
            f"<th></th></tr>{rows}</table>" + (f"<ul>{notes}</ul>" if notes else "")
        )


def _bounds(region: sp.Set) -> list[tuple[float, float]]:
    return [(float(i.inf), float(i.sup)) for i in as_intervals(region)]


class _Density:
    """p_X as a Python callable for quad, with the support's pieces and break points."""

    def __init__(self, kernels, values: dict[str, float]):
        self.fn = kernels.prob_1
        self.args = tuple(values[p] for p in kernels.parameters)
        program = kernels.program
        self.pieces = _bounds(program.support)
        breaks = set()
        for path in program.paths:
            for lo, hi in _bounds(path.region):
                breaks.update(v for v in (lo, hi) if math.isfinite(v))
        for p in getattr(program, "singular_points", ()):
            breaks.add(float(p))
        self.breaks = sorted(breaks)

    def __call__(self, x: float) -> float:
        value = self.fn(x, *self.args)
        # an integrable singularity hit exactly (z**3 at 0) has measure zero
        return value if math.isfinite(value) else 0.0

    def integral(self, a: float, b: float) -> float:
        """∫_a^b p_X over the support, splitting at the support's gaps and path ends."""
        total = 0.0
        for lo, hi in self.pieces:
            left, right = max(a, lo), min(b, hi)
            if not left < right:
                continue
            cuts = [c for c in self.breaks if left < c < right]
            edges = [left, *cuts, right]
            for u, v in zip(edges, edges[1:], strict=False):
                total += _quad(self, u, v)
        return total


def _quad(f, a: float, b: float) -> float:
    """∫_a^b f; infinite ends are walked out in geometrically growing segments.

    quad's own map of an infinite range misses the mass of very heavy tails (exp of a
    Cauchy variable); segments of growing length reach 1e300 in a few hundred steps.
    """
    if math.isinf(a) and math.isinf(b):
        return _quad(f, a, 0.0) + _quad(f, 0.0, b)
    if math.isinf(b):
        return _tail(lambda u: f(a + u), 1.0)
    if math.isinf(a):
        return _tail(lambda u: f(b - u), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, _ = integrate.quad(f, a, b, limit=200, epsabs=1e-13, epsrel=1e-10)
    return value


def _tail(g, first: float) -> float:
    """∫_0^∞ g(u) du in segments [0, 1], [1, 10], [10, 100], … up to 1e300."""
    total = _quad(g, 0.0, first)
    lo, quiet = first, 0
    while lo < 1e300 and quiet < 3:
        piece = _quad(g, lo, lo * 10.0)
        total += piece
        quiet = quiet + 1 if piece <= 1e-13 * max(total, 1e-300) else 0
        lo *= 10.0
    return total


def _bijective_cdf(flow, kernels, values):
    """F_X(x) = F_Z(f⁻¹(x)) for an increasing flow, 1 − F_Z(f⁻¹(x)) for a decreasing one."""
    program = kernels.program
    path = program.paths[0]
    direction = 1
    for layer, b in zip(flow.layers, path.branch_indices, strict=True):
        direction *= layer.branches[b].direction
    base = scipy_base(flow.base, values)
    lo, hi = float(program.support.inf), float(program.support.sup)

    def cdf(xs):
        xs = np.asarray(xs, dtype=np.float64)
        z = kernels.inverse(xs.reshape(-1), **{p: values[p] for p in kernels.parameters})
        f = base.cdf(z) if direction > 0 else base.sf(z)
        f = np.where(xs.reshape(-1) <= lo, 0.0, np.where(xs.reshape(-1) >= hi, 1.0, f))
        return f.reshape(xs.shape)

    return cdf


def _numerical_cdf(density: _Density, samples: np.ndarray, grid_size: int = 1500):
    """F_X from the cumulative integral of the density on a grid of sample quantiles."""
    qs = np.unique(np.quantile(samples, np.linspace(0.0, 1.0, grid_size)))
    lo = density.pieces[0][0]
    pieces = [density.integral(lo, qs[0])]
    for a, b in zip(qs[:-1], qs[1:], strict=False):
        pieces.append(density.integral(a, b))
    cum = np.cumsum(pieces)

    def cdf(xs):
        return np.interp(xs, qs, cum, left=0.0, right=cum[-1])

    return cdf


def reduce_blocks(samples, fn):
    """fn(samples) for a NumPy array; the sum of fn over the blocks of a dask array.

    The Monte Carlo check only needs such reductions (counts, sums), so it runs on
    samples spread over dask workers without gathering them.
    """
    from symflow.codegen.dask_support import is_dask

    if not is_dask(samples):
        return fn(samples)
    import dask

    parts = [dask.delayed(fn)(block) for block in samples.to_delayed().ravel()]
    return sum(dask.compute(*parts))


def _finite_count(block: np.ndarray) -> int:
    rows = block if block.ndim == 1 else np.all(np.isfinite(block), axis=1)
    return int(np.sum(np.isfinite(rows) if block.ndim == 1 else rows))


def check_flow(
    flow,
    n: int = 200_000,
    seed: int = 0,
    alpha: float = 1e-4,
    bins: int = 60,
    normalisation_tolerance: float = 2e-3,
    params: dict[str, float] | None = None,
    chunks=None,
) -> CheckReport:
    """Check ``flow``'s derived density against ``n`` samples of its forward map.

    With ``chunks`` the samples are a dask array drawn and counted block by block; the
    tests that are reductions (chi-square, normalisation) run, the KS test (which sorts
    all samples) is skipped and the report says so.
    """
    if flow.dimension > 1:
        from symflow.verify.check_nd import check_flow_nd

        return check_flow_nd(flow, n=n, seed=seed, alpha=alpha, params=params, chunks=chunks)
    kernels = flow.compile()
    values = dict(params or {})
    kernels._params(values)  # clear error for missing/unknown parameters
    samples = kernels.sample(n, seed=seed, chunks=chunks, **values)
    notes = []
    n_finite = reduce_blocks(samples, _finite_count)
    if n_finite < n:
        notes.append(
            f"{n - n_finite} samples overflowed to +-inf or nan in float64 and were left out."
        )
    density = _Density(kernels, values)

    tests = []
    # Kolmogorov–Smirnov
    if chunks is not None:
        notes.append("KS skipped: the samples are a dask array and KS needs them sorted.")
    elif flow.program.is_bijective and not any(p.implicit for p in flow.program.paths):
        cdf = _bijective_cdf(flow, kernels, values)
        how = "against F_Z(f^-1(x))"
    else:
        pilot = kernels.sample(min(n, 50_000), seed=seed + 1, **values)
        cdf = _numerical_cdf(density, pilot[np.isfinite(pilot)])
        how = "against the integrated density"
    if chunks is None:
        finite = samples[np.isfinite(samples)]
        ks = stats.kstest(finite, cdf)
        tests.append(
            TestResult("KS", float(ks.statistic), float(ks.pvalue), ks.pvalue > alpha, how)
        )

    # binned chi-square
    pilot = kernels.sample(min(n, 20_000), seed=seed + 2, **values)
    pilot = pilot[np.isfinite(pilot)]
    inner = np.unique(np.quantile(pilot, np.linspace(0, 1, bins + 1)[1:-1]))
    support_lo = density.pieces[0][0]
    support_hi = density.pieces[-1][1]
    edges = np.concatenate([[support_lo], inner, [support_hi]])
    probs = np.array([density.integral(a, b) for a, b in zip(edges[:-1], edges[1:], strict=False)])
    clipped = np.clip(edges, -np.finfo(float).max, np.finfo(float).max)
    counts = reduce_blocks(
        samples, lambda block: np.histogram(block[np.isfinite(block)], bins=clipped)[0]
    )
    total = float(np.sum(probs))
    expected = n_finite * probs
    keep = expected > 5
    chi2 = float(np.sum((counts[keep] - expected[keep]) ** 2 / expected[keep]))
    dof = max(int(np.sum(keep)) - 1, 1)
    chi_p = float(stats.chi2.sf(chi2, dof))
    tests.append(TestResult("chi-square", chi2, chi_p, chi_p > alpha, f"{int(np.sum(keep))} bins"))
    ok = abs(total - 1.0) <= normalisation_tolerance
    tests.append(TestResult("normalisation", total, total, ok))
    if not ok:
        notes.append(
            f"the density integrates to {total:.6g} over {describe_set(flow.support)}, not 1."
        )
    return CheckReport(repr(flow), int(n), int(seed), tuple(tests), total, alpha, tuple(notes))
