"""Check time: ``flow.check(n)`` of 6-layer chains, with and without an implicit inverse.

Run from a checkout::

    python benchmarks/bench_check.py             # n = 10^5
    python benchmarks/bench_check.py --n 1000000

For each flow it prints the time of the first check in the process after the kernel is
compiled (SciPy is imported before timing), and the time of its tail test (mpmath) run
alone; the rest is sampling, one vectorised integration of the density (serving KS,
chi-square and the normalisation), KS and counting.
"""

from __future__ import annotations

import argparse
import time

import sympy as sp
from scipy import stats  # noqa: F401  (imported before timing)

import symflow as sf
from symflow.verify.pointwise import tail_test

z = sp.Symbol("z", real=True)

FLOWS = {
    "6 layers": (
        sf.Normal(0, 1),
        [2 * z + 1, sp.sinh(z), sp.asinh(z), z / 3, sp.exp(z), sp.log(z) + 1],
    ),
    "6 layers, implicit": (
        sf.Normal(0, 1),
        [z + z**3, z / 2, sp.sinh(z), 2 * z + 1, sp.asinh(z), z - 1],
    ),
    "non-monotone": (sf.Normal(0, 1), [2 * z + 1, z**2, sp.log(z)]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    print(f"{'flow':<20} {'check':>7} {'tail test':>10}  verdict")
    for name, (base, exprs) in FLOWS.items():
        X = sf.Flow(base, [sf.Transform(e, z) for e in exprs])
        kernels = X.compile()
        kernels.sample(10)
        start = time.perf_counter()
        report = X.check(n=args.n, seed=0)
        total = time.perf_counter() - start
        start = time.perf_counter()
        tail_test(X.program, kernels, {}, seed=0)
        tail = time.perf_counter() - start
        print(f"{name:<20} {total:6.2f}s {tail:9.2f}s  {report.verdict}")


if __name__ == "__main__":
    main()
