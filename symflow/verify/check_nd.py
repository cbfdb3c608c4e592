"""Monte Carlo checks of d-dimensional flows.

* d ≤ 3: a **binned chi-square** test — counts of forward-map samples in the cells of a
  grid (edges at marginal quantiles of a pilot sample, outer cells reaching to infinity)
  against n·∫ p_X over each cell (scipy.integrate.cubature) — and the **normalisation**
  ∫ p_X = 1, the sum of the cell integrals.
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

import itertools
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


def _cell_probability(density, lo, hi) -> float:
    """∫ over the box [lo, hi] (ends may be infinite) with Genz–Malik cubature.

    Infinite sides are mapped to finite ones here (x = b − t/(1−t), x = a + t/(1−t),
    x = t/(1−t²)) because scipy's own map of semi-infinite boxes is not reliable for
    correlated integrands.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    kinds = np.where(
        np.isinf(lo) & np.isinf(hi), 3, np.where(np.isinf(lo), 1, np.where(np.isinf(hi), 2, 0))
    )
    u_lo = np.where(kinds == 3, -1.0, np.where(kinds == 0, lo, 0.0))
    u_hi = np.where(kinds == 0, hi, 1.0)

    def mapped(u):
        x = np.array(u, dtype=float, copy=True)
        jac = np.ones(u.shape[:-1])
        for j, kind in enumerate(kinds):
            t = u[..., j]
            if kind == 1:
                x[..., j] = hi[j] - t / (1 - t)
                jac = jac / (1 - t) ** 2
            elif kind == 2:
                x[..., j] = lo[j] + t / (1 - t)
                jac = jac / (1 - t) ** 2
            elif kind == 3:
                x[..., j] = t / (1 - t * t)
                jac = jac * (1 + t * t) / (1 - t * t) ** 2
        with np.errstate(all="ignore"):
            value = density(x) * jac
        return np.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = integrate.cubature(
            mapped, u_lo, u_hi, rtol=1e-7, atol=1e-12, max_subdivisions=4000
        )
    return float(result.estimate)


def check_flow_nd(
    flow, n: int, seed: int, alpha: float, params: dict | None = None, per_axis: int | None = None
) -> CheckReport:
    """Check a d-dimensional flow's density against forward-map samples."""
    kernels = flow.compile()
    values = dict(params or {})
    kernels._params(values)
    d = flow.dimension
    samples = kernels.sample(n, seed=seed, **values)
    finite = samples[np.all(np.isfinite(samples), axis=1)]
    notes = []
    if finite.shape[0] < samples.shape[0]:
        notes.append(f"{samples.shape[0] - finite.shape[0]} samples overflowed and were left out.")

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
        probs, counts = [], []
        index = [np.clip(np.searchsorted(e, finite[:, j], side="right") - 1, 0, len(e) - 2)
                 for j, e in enumerate(edges)]
        flat_index = np.ravel_multi_index(index, [len(e) - 1 for e in edges])
        histogram = np.bincount(flat_index, minlength=int(np.prod([len(e) - 1 for e in edges])))
        for cell in itertools.product(*[range(len(e) - 1) for e in edges]):
            lo = [edges[j][c] for j, c in enumerate(cell)]
            hi = [edges[j][c + 1] for j, c in enumerate(cell)]
            probs.append(_cell_probability(density, lo, hi))
            counts.append(histogram[np.ravel_multi_index(cell, [len(e) - 1 for e in edges])])
        probs, counts = np.array(probs), np.array(counts)
        total = float(probs.sum())
        expected = finite.shape[0] * probs
        keep = expected > 5
        chi2 = float(np.sum((counts[keep] - expected[keep]) ** 2 / expected[keep]))
        dof = max(int(keep.sum()) - 1, 1)
        p = float(stats.chi2.sf(chi2, dof))
        tests.append(TestResult("chi-square", chi2, p, p > alpha, f"{int(keep.sum())} cells"))
        ok = abs(total - 1.0) <= 2e-3
        tests.append(TestResult("normalisation", total, total, ok))
    else:
        total = _importance_tests(density, finite, seed, alpha, tests)
    return CheckReport(repr(flow), int(n), int(seed), tuple(tests), total, alpha, tuple(notes))


def _importance_tests(density, samples, seed, alpha, tests) -> float:
    rng = np.random.default_rng(seed + 3)
    mean = samples.mean(axis=0)
    cov = np.cov(samples.T) * 1.5 + 1e-9 * np.eye(samples.shape[1])
    proposal = stats.multivariate_t(mean, cov, df=4, seed=rng)
    m = samples.shape[0]
    draws = proposal.rvs(size=m)
    w = density(draws) / proposal.pdf(draws)
    z_hat = float(w.mean())
    se = float(w.std(ddof=1) / np.sqrt(m))
    z = (z_hat - 1.0) / max(se, 1e-12)
    p = float(2 * stats.norm.sf(abs(z)))
    tests.append(TestResult("normalisation", z_hat, p, p > alpha or abs(z_hat - 1) < 1e-3,
                            f"importance sampling, SE = {se:.2g}"))
    # first moments: self-normalised importance sampling vs forward-map samples
    wn = w / w.sum()
    for j in range(samples.shape[1]):
        mu_is = float(np.sum(wn * draws[:, j]))
        var_is = float(np.sum(wn**2 * (draws[:, j] - mu_is) ** 2))
        mu_mc = float(samples[:, j].mean())
        var_mc = float(samples[:, j].var(ddof=1) / samples.shape[0])
        zj = (mu_is - mu_mc) / np.sqrt(max(var_is + var_mc, 1e-300))
        pj = float(2 * stats.norm.sf(abs(zj)))
        tests.append(TestResult(f"mean x{j + 1}", float(zj), pj, pj > alpha,
                                f"IS {mu_is:.4g} vs samples {mu_mc:.4g}"))
    return z_hat
