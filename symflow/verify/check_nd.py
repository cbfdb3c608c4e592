"""Monte Carlo checks of d-dimensional flows.

* d ≤ 3: a **binned chi-square** test — counts of forward-map samples in the cells of a
  grid (edges at marginal quantiles of a pilot sample, outer cells reaching to infinity)
  against n·∫ p_X over each cell (randomised quasi-Monte Carlo over the whole space,
  mapped to a cube) — and the **normalisation** ∫ p_X = 1, the sum of the cell integrals.
* d > 3: **importance sampling** from a Student-t proposal fitted to the samples: the
  normalisation E_q[p/q] = 1 and the first two moments of p_X (self-normalised) against
  the forward-map samples' moments, each as a z-test.

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

import warnings

import numpy as np
from scipy import integrate, stats

from symflow.verify.check import CheckReport, TestResult

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
    set), and the spread over independent scrambles estimates its error.
    """
    d = len(edges)
    shape = [len(e) - 1 for e in edges]
    runs = []
    for seed in range(scrambles):
        t = stats.qmc.Sobol(d, scramble=True, seed=seed).random(m) * 2.0 - 1.0
        x = center + scale * t / (1.0 - t * t)
        jac = np.prod(scale * (1.0 + t * t) / (1.0 - t * t) ** 2, axis=1)
        with np.errstate(all="ignore"):
            values = np.nan_to_num(density(x) * jac, nan=0.0, posinf=0.0, neginf=0.0)
        index = [
            np.clip(np.searchsorted(e, x[:, j], side="right") - 1, 0, len(e) - 2)
            for j, e in enumerate(edges)
        ]
        flat = np.ravel_multi_index(index, shape)
        sums = np.bincount(flat, weights=values, minlength=int(np.prod(shape)))
        runs.append(sums * (2.0**d) / m)
    runs = np.array(runs)
    return runs.mean(axis=0), runs.std(axis=0, ddof=1) / np.sqrt(scrambles)


def _refine_rough_cells(kernels, values, edges, probs, errors) -> None:
    """Redo, with nested adaptive quadrature (QUADPACK), the 2-D cells whose quasi-Monte
    Carlo estimate is rough — typically an integrable singularity along a line where
    det J = 0. QUADPACK's extrapolation handles such singularities; RQMC converges slowly."""
    args = tuple(values[p] for p in kernels.parameters)
    fn = kernels.prob_1

    def integrand(x2, x1):
        v = fn(x1, x2, *args)
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
) -> CheckReport:
    """Check a d-dimensional flow's density against forward-map samples (a dask array
    when ``chunks`` is given: every statistic used here is a reduction over blocks)."""
    from symflow.verify.check import _finite_count, reduce_blocks

    kernels = flow.compile()
    values = dict(params or {})
    kernels._params(values)
    d = flow.dimension
    samples = kernels.sample(n, seed=seed, chunks=chunks, **values)
    n_finite = reduce_blocks(samples, _finite_count)
    notes = []
    if n_finite < n:
        notes.append(f"{n - n_finite} samples overflowed and were left out.")

    def density(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        flat = x.reshape(-1, d)
        out = kernels.prob(flat, **values)
        return np.nan_to_num(out, nan=0.0, posinf=0.0).reshape(x.shape[:-1])

    tests = []
    if d <= 3:
        per_axis = per_axis or {2: 8, 3: 4}.get(d, 8)
        pilot = kernels.sample(min(n, 20_000), seed=seed + 2, **values)
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
        probs, errors = _cell_masses(density, edges, q50, scale)
        if d == 2:
            _refine_rough_cells(kernels, values, edges, probs, errors)
        total = float(probs.sum())
        total_error = float(np.sqrt(np.sum(errors**2)))
        expected = n_finite * probs
        keep = expected > 5
        # the integration error of each expected count widens its variance
        variance = expected[keep] + (n_finite * errors[keep]) ** 2
        chi2 = float(np.sum((counts[keep] - expected[keep]) ** 2 / variance))
        dof = max(int(keep.sum()) - 1, 1)
        p = float(stats.chi2.sf(chi2, dof))
        tests.append(TestResult("chi-square", chi2, p, p > alpha, f"{int(keep.sum())} cells"))
        tolerance = max(2e-3, 4 * total_error)
        ok = abs(total - 1.0) <= tolerance
        tests.append(
            TestResult(
                "normalisation", total, total, ok, f"quasi-Monte Carlo, error ~ {total_error:.1g}"
            )
        )
    else:
        total = _importance_tests(density, samples, seed, alpha, tests)
    return CheckReport(repr(flow), int(n), int(seed), tuple(tests), total, alpha, tuple(notes))


def _moments(block: np.ndarray):
    block = block[np.all(np.isfinite(block), axis=1)]
    return np.array(
        [
            block.shape[0],
            *block.sum(axis=0),
            *(block[:, :, None] * block[:, None, :]).sum(0).ravel(),
        ]
    )


def _importance_tests(density, samples, seed, alpha, tests) -> float:
    from symflow.verify.check import reduce_blocks

    d = samples.shape[1]
    sums = reduce_blocks(samples, _moments)
    count = sums[0]
    mean = sums[1 : 1 + d] / count
    second = sums[1 + d :].reshape(d, d) / count
    sample_cov = (second - np.outer(mean, mean)) * count / (count - 1)
    rng = np.random.default_rng(seed + 3)
    cov = sample_cov * 1.5 + 1e-9 * np.eye(d)
    proposal = stats.multivariate_t(mean, cov, df=4, seed=rng)
    m = int(min(count, 200_000))
    draws = proposal.rvs(size=m)
    w = density(draws) / proposal.pdf(draws)
    z_hat = float(w.mean())
    se = float(w.std(ddof=1) / np.sqrt(m))
    z = (z_hat - 1.0) / max(se, 1e-12)
    p = float(2 * stats.norm.sf(abs(z)))
    tests.append(
        TestResult(
            "normalisation",
            z_hat,
            p,
            p > alpha or abs(z_hat - 1) < 1e-3,
            f"importance sampling, SE = {se:.2g}",
        )
    )
    # first moments: self-normalised importance sampling vs forward-map samples
    wn = w / w.sum()
    for j in range(d):
        mu_is = float(np.sum(wn * draws[:, j]))
        var_is = float(np.sum(wn**2 * (draws[:, j] - mu_is) ** 2))
        mu_mc = float(mean[j])
        var_mc = float(sample_cov[j, j] / count)
        zj = (mu_is - mu_mc) / np.sqrt(max(var_is + var_mc, 1e-300))
        pj = float(2 * stats.norm.sf(abs(zj)))
        tests.append(
            TestResult(
                f"mean x{j + 1}",
                float(zj),
                pj,
                pj > alpha,
                f"IS {mu_is:.4g} vs samples {mu_mc:.4g}",
            )
        )
    return z_hat
