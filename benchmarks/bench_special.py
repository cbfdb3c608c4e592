"""Special functions in numba: SciPy's compiled versions (symflow.codegen.special) against
the hand-written numba versions and the C library, for accuracy (against mpmath at 40
digits) and speed (ns per call in a numba loop over 10^6 arguments).

    python benchmarks/bench_special.py            # the table of docs/performance.md
    python benchmarks/bench_special.py --points 300   # fewer mpmath reference points
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import mpmath as mp
import numpy as np
from numba import njit

from symflow.codegen import special

mp.mp.dps = 40
sys.path.insert(0, str(Path(__file__).resolve().parent))


def _hand_written() -> dict:
    """The hand-written numba helpers that the kernels used before the bindings."""
    import handwritten_special

    return vars(handwritten_special)


def _loop(f, arity: int):
    if arity == 1:

        @njit(error_model="numpy")
        def run1(a, out):
            for i in range(a.shape[0]):
                out[i] = f(a[i])

        return lambda args, out: run1(args[0], out)
    if arity == 2:

        @njit(error_model="numpy")
        def run2(a, b, out):
            for i in range(a.shape[0]):
                out[i] = f(a[i], b[i])

        return lambda args, out: run2(args[0], args[1], out)

    @njit(error_model="numpy")
    def run3(a, b, c, out):
        for i in range(a.shape[0]):
            out[i] = f(a[i], b[i], c[i])

    return lambda args, out: run3(args[0], args[1], args[2], out)


def _ns_per_call(run, args, rounds: int = 7) -> float:
    out = np.empty(args[0].shape[0])
    run(args, out)
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        run(args, out)
        best = min(best, time.perf_counter() - start)
    return best / args[0].shape[0] * 1e9


def _max_rel_error(f, reference, args) -> float:
    worst = 0.0
    for point in zip(*args, strict=True):
        value = f(*point)
        truth = reference(*[mp.mpf(float(v)) for v in point])
        truth = float(mp.re(truth))
        if math.isinf(truth):
            err = 0.0 if value == truth else math.inf
        elif abs(truth) < 1e-300:  # at or below the underflow threshold: absolute error
            err = 0.0 if abs(value) < 1e-300 else math.inf
        else:
            err = abs(value - truth) / abs(truth)
        worst = max(worst, err)
    return worst


def _deep(reference):
    """``reference`` at 340 digits: 1 − v must keep v down to 1e−300."""

    def evaluate(*args):
        with mp.workdps(340):
            return +reference(*args)

    return evaluate


def _cases(rng: np.random.Generator, n: int):
    u = rng.uniform(size=n)
    small = 10.0 ** rng.uniform(-300, -1, size=n)
    a = 10.0 ** rng.uniform(-1, 4, size=n)
    a_gamma = 10.0 ** rng.uniform(-1, 2.2, size=n)  # Γ is finite below 171.6
    b = 10.0 ** rng.uniform(-1, 2, size=n)
    x_g = a * 10.0 ** rng.uniform(-1, 0.5, size=n)
    x_b = rng.uniform(size=n)
    t = rng.standard_normal(n) * 5
    nu = 10.0 ** rng.uniform(-0.5, 2, size=n)
    erf_args = rng.standard_normal(n) * 3
    p = np.concatenate([u[: n // 2], small[: n - n // 2]])
    y = np.concatenate([2 * u[: n // 2] - 1, 1 - small[: n - n // 2]])

    def gammainc_p(s, x):
        return mp.gammainc(s, 0, x, regularized=True)

    def gammainc_q(s, x):
        return mp.gammainc(s, x, mp.inf, regularized=True)

    def t_cdf(v, x):
        return mp.betainc(v / 2, mp.mpf(1) / 2, 0, v / (v + x * x), regularized=True) / 2 * (
            1 if x < 0 else -1
        ) + (0 if x < 0 else 1)

    return [
        ("erf", "math.erf", "erf", (erf_args,), mp.erf),
        ("erfc", "math.erfc", "erfc", (erf_args,), mp.erfc),
        ("erfinv", "_erfinv", "erfinv", (y,), mp.erfinv),
        ("erfcinv", "_erfcinv", "erfcinv", (p,), _deep(lambda v: mp.erfinv(1 - v))),
        ("gamma", "math.gamma", "gamma", (a_gamma,), mp.gamma),
        ("log Γ (x > 0)", "math.lgamma", "gammaln", (a,), mp.loggamma),
        ("ndtr Φ", "_ndtr", "ndtr", (t,), mp.ncdf),
        ("ndtri Φ⁻¹", "_ndtri", "ndtri", (p,), _deep(lambda v: mp.sqrt(2) * mp.erfinv(2 * v - 1))),
        ("gammainc P(a, x)", "_gammainc_p", "gammainc", (a, x_g), gammainc_p),
        ("gammaincc Q(a, x)", "_gammainc_q", "gammaincc", (a, x_g), gammainc_q),
        ("betainc I_x(a, b)", "_betainc", "betainc", (a, b, x_b), None),
        ("Student t CDF", "_t_cdf", "stdtr", (nu, t), t_cdf),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=2000, help="mpmath reference points")
    options = parser.parse_args()
    rng = np.random.default_rng(0)
    hand = _hand_written()
    lib = {"math.erf": math.erf, "math.erfc": math.erfc, "math.gamma": math.gamma}
    lib["math.lgamma"] = math.lgamma
    print("| function | hand-written / libm | error | ns | cython_special | error | ns |")
    print("| --- | --- | ---: | ---: | --- | ---: | ---: |")
    for label, old_name, new_name, args, reference in _cases(rng, options.points):
        old = lib.get(old_name) or hand[old_name]
        new = getattr(special, new_name)
        if reference is None:  # betainc: regularised incomplete beta

            def reference(a, b, x):
                return mp.betainc(a, b, 0, x, regularized=True)

        old_err = _max_rel_error(old, reference, args)
        new_err = _max_rel_error(new, reference, args)
        big = [np.resize(arg, 1_000_000) for arg in args]
        old_ns = _ns_per_call(_loop(old, len(args)), big)
        new_ns = _ns_per_call(_loop(new, len(args)), big)
        print(
            f"| {label} | `{old_name}` | {old_err:.1e} | {old_ns:.1f} "
            f"| `special.{new_name}` | {new_err:.1e} | {new_ns:.1f} |"
        )


if __name__ == "__main__":
    main()
