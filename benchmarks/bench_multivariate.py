"""Derivation and compile time of triangular (autoregressive) flows against d and K.

Each layer i of a d-dimensional flow is the affine-autoregressive map

    x_k = a_i · z_k + tanh(mean(z_1, …, z_{k−1})) / 3 + b_i        (k = 1 … d)

Run:  python benchmarks/bench_multivariate.py [--quick]

Prints one table against d (K = 4) and one against K (d = 4), with the time to derive
the flow (symbolic), to generate and compile its kernels (numba, first call, cold
kernel cache), and to evaluate log_prob on 10^5 points. Growth should be close to
linear in K and roughly quadratic in d (a Jacobian has d² entries).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import sympy as sp

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import symflow as sf  # noqa: E402

SLOPES = ["3/2", "4/5", "6/5", "9/10"]
SHIFTS = ["1/10", "-1/5", "3/10", "0"]


def triangular_layer(d: int, i: int) -> sf.Transform:
    zs = sp.symbols(f"z1:{d + 1}", real=True)
    a, b = sp.Rational(SLOPES[i % 4]), sp.Rational(SHIFTS[i % 4])
    exprs = []
    for k in range(d):
        context = sum(zs[:k], sp.Integer(0)) / k if k else sp.Integer(0)
        exprs.append(a * zs[k] + sp.tanh(context) / 3 + b)
    return sf.Transform(exprs, list(zs))


def measure(d: int, layers: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    flow = sf.Flow(
        sf.Independent(*[sf.Normal(0, 1)] * d), [triangular_layer(d, i) for i in range(layers)]
    )
    t1 = time.perf_counter()
    kernels = flow.compile()
    xs = np.random.default_rng(0).normal(size=(100_000, d))
    kernels.log_prob(xs[:2])
    t2 = time.perf_counter()
    kernels.log_prob(xs)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    os.environ["SYMFLOW_CACHE_DIR"] = tempfile.mkdtemp(prefix="symflow-bench-")
    dims = [2, 4, 8] if args.quick else [2, 4, 8, 16]
    depths = [1, 2, 4] if args.quick else [1, 2, 4, 8, 16]
    print(f"{'d':>4} {'K':>4} {'derive s':>9} {'compile s':>10} {'log_prob 1e5 ms':>16}")
    for d in dims:
        derive, compile_, run = measure(d, 4)
        print(f"{d:>4} {4:>4} {derive:>9.2f} {compile_:>10.2f} {1e3 * run:>16.2f}")
    print()
    for k in depths:
        derive, compile_, run = measure(4, k)
        print(f"{4:>4} {k:>4} {derive:>9.2f} {compile_:>10.2f} {1e3 * run:>16.2f}")


if __name__ == "__main__":
    main()
