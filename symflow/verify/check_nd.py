"""Monte Carlo checks of d-dimensional flows.

* d ≤ 3: a **binned chi-square** test — counts of forward-map samples in the cells of a
  grid (edges at marginal quantiles of a pilot sample, outer cells reaching to infinity)
  against n·∫ p_X over each cell (randomised quasi-Monte Carlo over the whole space,
  mapped to a cube) — and the **normalisation** ∫ p_X = 1, the sum of the cell integrals.
* d > 3: **importance sampling** from a Student-t proposal fitted to the samples: the
  normalisation E_q[p/q] = 1, the means and the covariances of p_X (self-normalised)
  against the forward-map samples' moments, each as a z-test (the covariances as one
  test over all entries, Bonferroni-corrected).
* every d: the **tail** test of :mod:`symflow.verify.pointwise` on a grid of base
  quantiles per coordinate (down to 1e-300).

A NaN or +inf density at a point of the integration fails the normalisation; below
:data:`symflow.verify.report.MIN_SAMPLES` samples the verdict is inconclusive.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> X = sf.Flow(sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
...             [sf.Transform([z1, z2 + z1**2], [z1, z2])])
>>> X.check(n=20_000).passed
True
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import integrate, stats

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

__all__ = ["check_flow_nd"]


def _cells(pilot: np.ndarray, per_axis: int) -> list[np.ndarray]:
    qs = np.linspace(0, 1, per_axis + 1)[1:-1]
    edges = []
    for j in range(pilot.shape[1]):
        inner = np.unique(np.quantile(pilot[:, j], qs))
        edges.append(np.concatenate([[-np.inf], inner, [np.inf]]))
    return edges


def _cell_masses(density, edges, center, scale, scrambles: int = 16, m: int = 2**14):
    """∫ p_X over every cell of the grid, by randomised quasi-Monte Carlo.

    Each axis is mapped onto (−1, 1) by x = c + s·t/(1 − t²), which reaches infinity at
    both ends; scrambled Sobol points in the cube are binned into the cells. The result is
    unbiased even where the density has integrable singularities (det J = 0 on a null
    set), and the spread over independent scrambles estimates its error. Returns the
    masses, their errors, and the points where the density was NaN or +inf.
    """
    d = len(edges)
    shape = [len(e) - 1 for e in edges]
    runs = []
    bad = []
    for seed in range(scrambles):
        t = stats.qmc.Sobol(d, scramble=True, seed=seed).random(m) * 2.0 - 1.0
        with np.errstate(all="ignore"):
            x = center + scale * t / (1.0 - t * t)
            jac = np.prod(scale * (1.0 + t * t) / (1.0 - t * t) ** 2, axis=1)
            finite = np.all(np.isfinite(x), axis=1)
            p = density(np.where(finite[:, None], x, 0.0))
            wrong = finite & (np.isnan(p) | (p == np.inf))
            bad.append(x[wrong])
            values = np.where(finite & ~wrong, p * jac, 0.0)
            values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        index = [
            np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
            for j, e in enumerate(edges)
        ]
        flat = np.ravel_multi_index(index, shape)
        sums = np.bincount(flat, weights=values, minlength=int(np.prod(shape)))
        runs.append(sums * (2.0**d) / m)
    runs = np.array(runs)
    return runs.mean(axis=0), runs.std(axis=0, ddof=1) / np.sqrt(scrambles), np.concatenate(bad)


def _refine_rough_cells(kernels, values, edges, probs, errors) -> None:
    """Redo, with nested adaptive quadrature (QUADPACK), the 2-D cells whose quasi-Monte
    Carlo estimate is rough — typically an integrable singularity along a line where
    det J = 0. QUADPACK's extrapolation handles such singularities; RQMC converges slowly.
    QUADPACK calls point by point, so this uses the scalar kernel ``prob_1``."""
    args = tuple(values[p] for p in kernels.parameters)
    fn = kernels.prob_1

    def integrand(x2, x1):
        try:
            v = fn(x1, x2, *args)
        except ZeroDivisionError:  # a kernel that divides by zero there: no refinement
            return math.nan
        return v if v == v else 0.0

    shape = [len(e) - 1 for e in edges]
    rough = np.flatnonzero(errors > np.maximum(1e-4, 2e-3 * np.abs(probs)))
    for flat in rough:
        i, j = np.unravel_index(flat, shape)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value, error = integrate.dblquad(
                integrand,
                edges[0][i],
                edges[0][i + 1],
                edges[1][j],
                edges[1][j + 1],
                epsabs=1e-10,
                epsrel=1e-8,
            )
        if np.isfinite(value) and error < errors[flat]:
            probs[flat], errors[flat] = value, error


def check_flow_nd(
    flow,
    n: int,
    seed: int,
    alpha: float,
    params: dict | None = None,
    per_axis: int | None = None,
    chunks=None,
    tail_tolerance: float = TAIL_TOLERANCE,
) -> CheckReport:
    """Check a d-dimensional flow's density against forward-map samples (a dask array
    when ``chunks`` is given: every statistic used here is a reduction over blocks) and
    against the change of variables in high precision at tail points."""
    n = validate_sample_size(n, flow)
    kernels = flow.compile()
    values = dict(params or {})
    kernels._params(values)
    d = flow.dimension
    samples = kernels.sample(n, seed=seed, chunks=chunks, **values)
    n_finite = reduce_blocks(samples, finite_count)
    notes = []
    if n_finite < n:
        notes.append(f"{n - n_finite} samples overflowed and were left out.")
    enough = n_finite >= MIN_SAMPLES
    if not enough:
        notes.append(
            f"{n_finite:,} samples are too few for the statistical tests (at least "
            f"{MIN_SAMPLES:,}): the verdict is inconclusive."
        )

    def density(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        flat = np.ascontiguousarray(x.reshape(-1, d))
        return np.asarray(kernels.prob(flat, **values)).reshape(x.shape[:-1])

    tests = []
    total = float("nan")
    if d <= 3:
        per_axis = per_axis or {2: 8, 3: 4}.get(d, 8)
        pilot = kernels.sample(20_000, seed=seed + 2, **values)
        pilot = pilot[np.all(np.isfinite(pilot), axis=1)]
        edges = _cells(pilot, per_axis)
        shape = [len(e) - 1 for e in edges]

        def cell_counts(block: np.ndarray) -> np.ndarray:
            block = block[np.all(np.isfinite(block), axis=1)]
            index = [
                np.clip(np.searchsorted(e, block[:, j], side="right") - 1, 0, len(e) - 2)
                for j, e in enumerate(edges)
            ]
            flat = np.ravel_multi_index(index, shape)
            return np.bincount(flat, minlength=int(np.prod(shape)))

        counts = reduce_blocks(samples, cell_counts)
        q25, q50, q75 = np.quantile(pilot, [0.25, 0.5, 0.75], axis=0)
        scale = np.maximum((q75 - q25) / 1.349, 1e-12 + 1e-9 * np.abs(q50))
        probs, errors, bad = _cell_masses(density, edges, q50, scale)
        if d == 2:
            _refine_rough_cells(kernels, values, edges, probs, errors)
        total = float(probs.sum())
        total_error = float(np.sqrt(np.sum(errors**2)))
        if enough:
            tests.append(_chi_square_cells(counts, probs, errors, edges, n_finite, alpha))
        lost = n - n_finite
        tolerance = max(1.0 / (20.0 * np.sqrt(n)), 4 * total_error) + 4 * np.sqrt(lost) / n
        expected = 1.0 - lost / n
        ok = abs(total - expected) <= tolerance and bad.size == 0
        detail = (
            f"integral of density = {total:.8f} (tolerance {format_number(tolerance, 2)}, "
            f"quasi-Monte Carlo error ~ {format_number(total_error, 1)})"
        )
        finding = ""
        if bad.size:
            finding = (
                f"the density is nan or +inf at {bad.shape[0]} integration point(s), e.g. "
                f"x ≈ ({', '.join(format_number(v) for v in bad[0])})."
            )
        elif not ok:
            finding = (
                f"the density integrates to {format_number(total, 6)}, not "
                f"{format_number(expected, 6)}."
            )
        tests.append(TestResult("normalisation", total, float("nan"), ok, detail, finding))
    elif enough:
        total = _importance_tests(density, samples, seed, alpha, tests)
    if getattr(flow, "reduction", None) is None:
        tests.append(
            tail_test(kernels.program, kernels, values, seed=seed, tolerance=tail_tolerance)
        )
    else:  # a marginal of several outputs: the truth at a point is an integral
        notes.append(
            "no tail test: the density of a map to fewer dimensions is an integral over the "
            "auxiliary coordinates, with no closed-form truth to compare in the tails."
        )
    return CheckReport(
        repr(flow), int(n), int(seed), tuple(tests), total, alpha, tuple(notes), not enough
    )


def _chi_square_cells(counts, probs, errors, edges, n_finite, alpha) -> TestResult:
    expected = n_finite * probs
    keep = expected > 5
    # the integration error of each expected count widens its variance
    variance = expected[keep] + (n_finite * errors[keep]) ** 2
    terms = (counts[keep] - expected[keep]) ** 2 / variance
    chi2 = float(np.sum(terms))
    dof = max(int(keep.sum()) - 1, 1)
    p = float(stats.chi2.sf(chi2, dof))
    finding = ""
    if p <= alpha and terms.size:
        worst = int(np.flatnonzero(keep)[np.argmax(terms)])
        cell = np.unravel_index(worst, [len(e) - 1 for e in edges])
        sides = ", ".join(
            f"x{j + 1} in ({format_number(e[i])}, {format_number(e[i + 1])})"
            for j, (e, i) in enumerate(zip(edges, cell, strict=True))
        )
        finding = (
            f"the sample counts differ most in the cell {sides}: {int(counts[worst]):,} "
            f"samples where the density predicts {format_number(expected[worst], 4)}."
        )
    return TestResult("chi-square", chi2, p, p > alpha, f"{int(keep.sum())} cells", finding)


def _moments(block: np.ndarray):
    block = block[np.all(np.isfinite(block), axis=1)]
    return np.array(
        [
            block.shape[0],
            *block.sum(axis=0),
            *(block[:, :, None] * block[:, None, :]).sum(0).ravel(),
        ]
    )


def _products(block: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Σ over the rows of ((x_i − m_i)(x_j − m_j))², for the spread of the covariances."""
    block = block[np.all(np.isfinite(block), axis=1)] - mean
    c = block[:, :, None] * block[:, None, :]
    return (c * c).sum(0)


def _importance_tests(density, samples, seed, alpha, tests) -> float:
    d = samples.shape[1]
    sums = reduce_blocks(samples, _moments)
    count = sums[0]
    mean = sums[1 : 1 + d] / count
    second = sums[1 + d :].reshape(d, d) / count
    sample_cov = (second - np.outer(mean, mean)) * count / (count - 1)
    fourth = reduce_blocks(samples, lambda block: _products(block, mean)) / count
    rng = np.random.default_rng(seed + 3)
    cov = sample_cov * 1.5 + 1e-9 * np.eye(d)
    proposal = stats.multivariate_t(mean, cov, df=4, seed=rng)
    m = int(min(count, 200_000))
    draws = proposal.rvs(size=m)
    with np.errstate(all="ignore"):
        w = density(draws) / proposal.pdf(draws)
    bad = ~np.isfinite(w)
    w = np.where(bad, 0.0, w)
    z_hat = float(w.mean())
    se = float(w.std(ddof=1) / np.sqrt(m))
    z = (z_hat - 1.0) / max(se, 1e-12)
    p = float(2 * stats.norm.sf(abs(z)))
    finding = ""
    if bad.any():
        finding = f"the density is nan or +inf at {int(bad.sum())} of {m:,} proposal draws."
    elif not (p > alpha or abs(z_hat - 1) < 1e-3):
        finding = f"the density integrates to {format_number(z_hat, 5)} (± {format_number(se, 2)})."
    tests.append(
        TestResult(
            "normalisation",
            z_hat,
            p,
            (p > alpha or abs(z_hat - 1) < 1e-3) and not bad.any(),
            f"importance sampling, SE = {se:.2g}",
            finding,
        )
    )
    # first moments: self-normalised importance sampling vs forward-map samples
    wn = w / w.sum()
    mu_is = wn @ draws
    for j in range(d):
        var_is = float(np.sum(wn**2 * (draws[:, j] - mu_is[j]) ** 2))
        mu_mc = float(mean[j])
        var_mc = float(sample_cov[j, j] / count)
        zj = (mu_is[j] - mu_mc) / np.sqrt(max(var_is + var_mc, 1e-300))
        pj = float(2 * stats.norm.sf(abs(zj)))
        tests.append(
            TestResult(
                f"mean x{j + 1}",
                float(zj),
                pj,
                pj > alpha,
                f"IS {mu_is[j]:.4g} vs samples {mu_mc:.4g}",
                f"the mean of x{j + 1} is {format_number(mu_is[j], 4)} under the density but "
                f"{format_number(mu_mc, 4)} in the samples.",
            )
        )
    tests.append(_covariance_test(draws, wn, mu_is, sample_cov, fourth, count, alpha))
    return z_hat


def _covariance_test(draws, wn, mu_is, sample_cov, fourth, count, alpha) -> TestResult:
    """Cov(x_i, x_j) under the density (self-normalised importance sampling) against the
    samples' covariance, each entry a z-test; one verdict, Bonferroni over the entries."""
    d = draws.shape[1]
    centred = draws - mu_is
    worst = (0.0, 0, 0, 0.0, 0.0)
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    for i, j in pairs:
        c = centred[:, i] * centred[:, j]
        cov_is = float(wn @ c)
        var_is = float(np.sum(wn**2 * (c - cov_is) ** 2))
        var_mc = max(float(fourth[i, j] - sample_cov[i, j] ** 2), 0.0) / count
        zij = (cov_is - sample_cov[i, j]) / np.sqrt(max(var_is + var_mc, 1e-300))
        if abs(zij) >= abs(worst[0]):
            worst = (float(zij), i, j, cov_is, float(sample_cov[i, j]))
    zmax, i, j, cov_is, cov_mc = worst
    p = float(min(1.0, len(pairs) * 2 * stats.norm.sf(abs(zmax))))
    name = f"var(x{i + 1})" if i == j else f"cov(x{i + 1}, x{j + 1})"
    return TestResult(
        "covariance",
        zmax,
        p,
        p > alpha,
        f"{len(pairs)} entries; largest z at {name}: IS {cov_is:.4g} vs samples {cov_mc:.4g}",
        f"{name} is {format_number(cov_is, 4)} under the density but "
        f"{format_number(cov_mc, 4)} in the samples.",
    )
