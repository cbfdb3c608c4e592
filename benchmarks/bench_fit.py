"""Fit time: symflow's maximum likelihood against scipy.stats.weibull_min.fit(data, floc=0).

Run from a checkout::

    python benchmarks/bench_fit.py               # 10^5 points
    python benchmarks/bench_fit.py --n 1000000

The Weibull flow x = λ·E^(1/k), E ~ Exponential(1), is fitted to n Weibull(k = 1.7,
λ = 2.5) points, one run each (the figure a user sees), in this order:

* symflow, first fit in the process: derivation of the gradient and Hessian, code
  generation and the numba compile (or the load from the kernel cache), then the fit;
* symflow, second fit: the compiled log-likelihood is reused;
* scipy.stats.weibull_min.fit(data, floc=0) with its default optimizer (Nelder–Mead);
* the same with Nelder–Mead's tolerances tightened to xtol = 1e-10 (the accuracy symflow's
  Newton polish reaches).

Each row prints the time, the ratio to symflow's second fit, the estimates, the
log-likelihood at the estimates and the relative difference of k̂ from the root of the
MLE's profile equation Σ x^k log x / Σ x^k − 1/k − mean(log x) = 0 (solved by brentq to
1e-15), which is the exact answer.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp
from scipy import optimize, stats

import symflow as sf


def profile_mle(data: np.ndarray) -> tuple[float, float]:
    """(k̂, λ̂) from the profile equation of the Weibull likelihood."""
    logs = np.log(data)

    def equation(k: float) -> float:
        w = data**k
        return np.sum(w * logs) / np.sum(w) - 1 / k - logs.mean()

    k = optimize.brentq(equation, 0.05, 50.0, xtol=1e-15)
    return k, float(np.mean(data**k) ** (1 / k))


def tight(func, x0, args=(), disp=0):
    return optimize.fmin(func, x0, args=args, disp=0, xtol=1e-10, ftol=1e-9, maxfun=20000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of data points")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = stats.weibull_min(1.7, scale=2.5).rvs(args.n, random_state=args.seed)
    k_exact, lam_exact = profile_mle(data)
    z = sp.Symbol("z", positive=True)
    lam, k = sp.symbols("lambda k", positive=True)
    flow = sf.Flow(sf.Exponential(1), [sf.Transform(lam * z ** (1 / k), z)])

    rows = []
    t0 = time.perf_counter()
    first = flow.fit(data)
    rows.append(("symflow (first fit, incl. codegen)", time.perf_counter() - t0, first.params))
    t0 = time.perf_counter()
    second = flow.fit(data)
    rows.append(("symflow (compiled)", time.perf_counter() - t0, second.params))
    for label, kwargs in (
        ("scipy weibull_min.fit(floc=0)", {}),
        ("scipy, tight Nelder-Mead", {"optimizer": tight}),
    ):
        t0 = time.perf_counter()
        c, _, scale = stats.weibull_min.fit(data, floc=0, **kwargs)
        rows.append((label, time.perf_counter() - t0, {"k": c, "lambda": scale}))

    reference = rows[1][1]
    print(f"Weibull(k = 1.7, lambda = 2.5), n = {args.n:,}; exact k^ = {k_exact:.15g}")
    print(
        f"{'method':<36} {'seconds':>9} {'ratio':>7} {'k^':>18} {'lambda^':>18} "
        f"{'log-lik':>16} {'|k^/k - 1|':>11}"
    )
    for label, seconds, p in rows:
        loglik = np.sum(stats.weibull_min(p["k"], scale=p["lambda"]).logpdf(data))
        error = abs(p["k"] / k_exact - 1)
        print(
            f"{label:<36} {seconds:>9.4f} {seconds / reference:>7.2f} {p['k']:>18.13g} "
            f"{p['lambda']:>18.13g} {loglik:>16.10f} {error:>11.2e}"
        )
    print(
        f"symflow: {second.nit} iterations; standard errors k: {second.stderr['k']:.3g}, "
        f"lambda: {second.stderr['lambda']:.3g}"
    )


if __name__ == "__main__":
    main()
