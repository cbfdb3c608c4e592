"""Kernel throughput and compile cost: symflow against scipy, lambdify, NumPy, numba, memcpy.

Run from a checkout::

    python benchmarks/bench_kernels.py            # full run (a few minutes)
    python benchmarks/bench_kernels.py --quick    # smaller sizes, fewer rounds (≈ 1 min)

Part 1 (throughput) times, in one process and interleaved (every implementation once per
round, the order rotated each round; the minimum and the median over the rounds are
reported), the log-density of

* the log-normal (exp of a standard normal) at 10^6 and 10^7 points,
* the 8-layer flow z → a₁z + b₁ → sinh → a₂z + b₂ → sinh → … (a = 1.5, 0.8, 1.2, 0.9;
  b = 0.1, −0.2, 0.3, 0.0) at 10^6 points,
* the 2-D banana (x₁, x₂) = (z₁, z₂ + z₁² − 1) and a 4-layer triangular flow in d = 8
  (skipped when multivariate flows are not available),

with these implementations, where they exist:

=========================  ================================================================
symflow                    ``sf.Flow(...).compile().log_prob`` (allocates its output)
symflow out=               the same writing into a preallocated array, as the hand-written
                           kernels do (fresh output memory costs page faults: ≈ 1–5 ns per
                           point when the allocator has just returned memory to the OS)
scipy.stats                the frozen distribution's ``logpdf`` (log-normal only)
sympy.lambdify             ``lambdify(x, X.log_density(x), "numpy")``
numpy in place             hand-written ufunc calls into a preallocated output (+ scratch)
blocked numpy (1/2 thr.)   the same ufuncs chunk by chunk into cache-resident buffers,
                           optionally with the chunks split over two threads
numba prange (libm)        hand-written ``@njit(parallel=True)`` loop calling ``math.*``
numba (simdmath)           the same loop calling ``symflow.codegen.simdmath`` (1 thread,
                           then prange): what a kernel generated with the SIMD functions
                           will reach
copy floor                 ``np.copyto(out, x)``: read 8 bytes and write 8 bytes per point
=========================  ================================================================

Each row prints ns per point, the ratio to symflow's time, the ratio to the copy floor,
and the largest relative difference from the first implementation's values (so that a
fast wrong implementation shows). Part 2 (compile cost) runs fresh Python processes with
empty kernel and numba caches: the first kernel (including numba's import), a second
kernel in the same process, the cached load in another fresh process, the peak memory of
``log_prob`` on 10^7 points, and derivation + compile time against the number of layers
K = 8, 16, 32, 64 (8, 16 with ``--quick``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import sympy as sp

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
# numba's OpenMP workers otherwise spin for a while after each prange loop, taking a
# core from whichever row runs next in the interleaved rounds (symflow's own threads,
# the blocked NumPy pool): measured here, that tripled the next row's median at 10^6
# points. Set before numba loads libgomp; an explicit setting is respected.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import symflow as sf  # noqa: E402

A = [1.5, 0.8, 1.2, 0.9]
B = [0.1, -0.2, 0.3, 0.0]
LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
z = sp.Symbol("z", real=True)


# --------------------------------------------------------------------------- flows
def lognormal_flow() -> sf.Flow:
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])


def layered_flow(k: int) -> sf.Flow:
    """k layers alternating a·z + b and sinh, with the (a, b) cycle of the issue."""
    layers = []
    for i in range(k // 2):
        a, b = sp.nsimplify(A[i % 4]), sp.nsimplify(B[i % 4])
        layers += [sf.Transform(a * z + b, z), sf.Transform(sp.sinh(z), z)]
    return sf.Flow(sf.Normal(0, 1), layers)


def banana_flow() -> sf.Flow:
    z1, z2 = sp.symbols("z1 z2", real=True)
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    return sf.Flow(base, [sf.Transform([z1, z2 + z1**2 - 1], [z1, z2])])


def triangular_flow(d: int = 8, layers: int = 4) -> sf.Flow:
    """x_k = a_i z_k + tanh(z_{k-1})/2 + b_i (z_0 = 0) per layer i: lower-triangular."""
    zs = sp.symbols(f"z1:{d + 1}", real=True)
    maps = []
    for i in range(layers):
        a, b = sp.nsimplify(A[i % 4]), sp.nsimplify(B[i % 4])
        exprs = [a * zs[k] + (sp.tanh(zs[k - 1]) / 2 if k else 0) + b for k in range(d)]
        maps.append(sf.Transform(exprs, list(zs)))
    return sf.Flow(sf.Independent(*[sf.Normal(0, 1)] * d), maps)


# --------------------------------------------------------------------------- hand-written
def numba_kernels() -> dict[str, Callable]:
    """Hand-written numba kernels (compiled on first call; not cached)."""
    from numba import njit, prange

    from symflow.codegen.simdmath import simd_asinh, simd_log, simd_log1p_sq, simd_tanh

    c = c_ = LOG_SQRT_2PI
    inf = math.inf
    a = np.array(A)
    b = np.array(B)
    inv_a = 1.0 / a
    log_a = float(np.log(a).sum())

    def lognormal(log):
        def kernel(x, out):
            for i in prange(x.shape[0]):
                v = x[i]
                lv = log(v)
                r = -lv - 0.5 * lv * lv - c
                r = r if v > 0.0 else -inf
                out[i] = v if v != v else r

        return kernel

    def layered(asinh, log1p_sq):
        def kernel(x, out):
            for i in prange(x.shape[0]):
                y = x[i]
                acc = 0.0
                for j in range(3, -1, -1):  # sinh, then a_j y + b_j, from the output side
                    acc += log1p_sq(y)  # log|d sinh/dz| at z = asinh(y)
                    y = (asinh(y) - b[j]) * inv_a[j]
                out[i] = -0.5 * y * y - c - log_a - acc

        return kernel

    def math_log1p_sq(y):
        return 0.5 * math.log1p(y * y)

    def banana(x, out):
        for i in prange(x.shape[0]):
            x1 = x[i, 0]
            w = x[i, 1] - x1 * x1 + 1.0
            out[i] = -0.5 * x1 * x1 - 0.5 * w * w - 2.0 * c

    def triangular(tanh):
        def kernel(x, out):
            # rows in chunks of 512, coordinates outermost inside a chunk, so that the
            # innermost loop runs over rows and vectorises (the inverse is sequential in k)
            n, d = x.shape
            chunks = (n + 511) // 512
            for ch in prange(chunks):
                lo = ch * 512
                m = min(n, lo + 512) - lo
                zs = np.empty((d, m))
                acc = np.zeros(m)
                for k in range(d):
                    for i in range(m):
                        zs[k, i] = x[lo + i, k]
                for j in range(3, -1, -1):
                    inv_a = 1.0 / a[j]
                    for k in range(d):
                        if k:
                            for i in range(m):
                                zs[k, i] = (zs[k, i] - 0.5 * tanh(zs[k - 1, i]) - b[j]) * inv_a
                        else:
                            for i in range(m):
                                zs[k, i] = (zs[k, i] - b[j]) * inv_a
                    shift = d * math.log(a[j])
                    for i in range(m):
                        acc[i] += shift
                for i in range(m):
                    s = 0.0
                    for k in range(d):
                        s += zs[k, i] * zs[k, i]
                    out[lo + i] = -0.5 * s - d * c_ - acc[i]

        return kernel

    jit = {"error_model": "numpy", "cache": False}
    simd_log_j, simd_asinh_j = simd_log, simd_asinh
    math_log1p_sq_j = njit(**jit)(math_log1p_sq)
    return {
        "lognormal prange libm": njit(parallel=True, **jit)(lognormal(math.log)),
        "lognormal 1 thread libm": njit(**jit)(lognormal(math.log)),
        "lognormal simd 1 thread": njit(**jit)(lognormal(simd_log_j)),
        "lognormal simd prange": njit(parallel=True, **jit)(lognormal(simd_log_j)),
        "layered prange libm": njit(parallel=True, **jit)(layered(math.asinh, math_log1p_sq_j)),
        "layered 1 thread libm": njit(**jit)(layered(math.asinh, math_log1p_sq_j)),
        "layered simd 1 thread": njit(**jit)(layered(simd_asinh_j, simd_log1p_sq)),
        "layered simd prange": njit(parallel=True, **jit)(layered(simd_asinh_j, simd_log1p_sq)),
        "banana prange": njit(parallel=True, **jit)(banana),
        "banana 1 thread": njit(**jit)(banana),
        "triangular prange libm": njit(parallel=True, **jit)(triangular(math.tanh)),
        "triangular simd prange": njit(parallel=True, **jit)(triangular(simd_tanh)),
    }


def lognormal_numpy(x: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """log p = −log x − ½ log²x − ½ log 2π, in place (x > 0 here); scratch: (2, n)."""
    tmp = scratch[0]
    np.log(x, out=out)
    np.multiply(out, 0.5, out=tmp)
    tmp += 1.0
    tmp *= out
    np.negative(tmp, out=out)
    out -= LOG_SQRT_2PI
    return out


def layered_numpy(x: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The 8-layer flow's inverse pass: y ← (asinh y − b)/a, minus Σ ½ log1p(y²) + log a."""
    y, sq = scratch[0], scratch[1]
    np.copyto(y, x)
    out.fill(-LOG_SQRT_2PI)
    for j in range(3, -1, -1):
        np.multiply(y, y, out=sq)  # log|sinh'| at asinh(y) = ½ log1p(y²)
        np.log1p(sq, out=sq)
        sq *= 0.5
        out -= sq
        np.arcsinh(y, out=y)
        y -= B[j]
        y *= 1.0 / A[j]
        out -= math.log(A[j])
    np.multiply(y, y, out=sq)
    sq *= 0.5
    out -= sq
    return out


def banana_numpy(x: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """log p = log φ(x₁) + log φ(x₂ − x₁² + 1)."""
    x1, x2, tmp = x[:, 0], x[:, 1], scratch[0]
    np.multiply(x1, x1, out=tmp)
    np.subtract(x2, tmp, out=out)
    out += 1.0
    out *= out
    out += tmp
    out *= -0.5
    out -= 2 * LOG_SQRT_2PI
    return out


def triangular_numpy(x: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Solve z_k = (x_k − tanh(z_{k−1})/2 − b)/a coordinate by coordinate, layer by layer."""
    d = x.shape[1]
    zs = np.array(x.T)  # (d, n) state of the inverse pass
    t = scratch[0]
    out.fill(-d * LOG_SQRT_2PI)
    for j in range(3, -1, -1):
        for k in range(d):
            if k:
                np.tanh(zs[k - 1], out=t)
                t *= 0.5
                zs[k] -= t
            zs[k] -= B[j]
            zs[k] *= 1.0 / A[j]
        out -= d * math.log(A[j])
    for k in range(d):
        np.multiply(zs[k], zs[k], out=t)
        t *= 0.5
        out -= t
    return out


def blocked(kernel: Callable, block: int = 16384, threads: int = 1) -> Callable:
    """Evaluate a NumPy in-place kernel chunk by chunk into cache-resident buffers.

    Each thread owns two scratch rows of ``block`` doubles (2 × 128 KiB by default, well
    inside the 1 MiB L2 of one core); NumPy releases the GIL inside ufuncs, so two
    threads run two chunks at once.
    """
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None

    def run_range(x, out, lo, hi):
        scratch = np.empty((2, block))
        for s in range(lo, hi, block):
            e = min(s + block, hi)
            kernel(x[s:e], out[s:e], scratch[:, : e - s])

    def call(x, out):
        n = x.shape[0]
        if pool is None:
            run_range(x, out, 0, n)
        else:
            cuts = np.linspace(0, n, threads + 1).astype(int)
            list(pool.map(lambda i: run_range(x, out, cuts[i], cuts[i + 1]), range(threads)))
        return out

    return call


# --------------------------------------------------------------------------- timing
def copy(dst: np.ndarray, src: np.ndarray) -> np.ndarray:
    """The floor: every point read once and written once."""
    np.copyto(dst, src)
    return dst


def run(kernel: Callable, *args: np.ndarray) -> np.ndarray:
    """Call a kernel that writes into its last argument, and return that array."""
    kernel(*args)
    return args[-1]


def measure(impls: dict[str, Callable[[], np.ndarray]], rounds: int) -> dict[str, list[float]]:
    """Interleaved timings: each round runs every implementation once, order rotated."""
    names = list(impls)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            t0 = time.perf_counter()
            impls[name]()
            times[name].append(time.perf_counter() - t0)
    return times


def report(title: str, n: int, impls: dict[str, Callable[[], np.ndarray]], rounds: int) -> dict:
    values = {}
    for name, fn in impls.items():  # warm up (compiles) and collect values to compare
        values[name] = np.array(fn(), copy=True)
    times = measure(impls, rounds)
    reference = values[next(iter(values))]
    best = {name: min(t) for name, t in times.items()}
    ours = best.get("symflow")
    floor = best.get("copy floor")
    print(f"\n{title}  (n = {n:.0e}, {rounds} rounds, min / median ns per point)")
    print(
        f"  {'implementation':30s} {'min':>8s} {'median':>8s} {'÷symflow':>9s} {'÷floor':>8s}"
        f" {'max rel diff':>13s}"
    )
    rows = {}
    for name, t in times.items():
        ns_min = best[name] / n * 1e9
        ns_med = float(np.median(t)) / n * 1e9
        vs_ours = f"{best[name] / ours:9.2f}" if ours else f"{'':9s}"
        vs_floor = f"{best[name] / floor:8.1f}" if floor else f"{'':8s}"
        if name == "copy floor":
            diff = ""
        else:
            with np.errstate(all="ignore"):
                v = values[name]
                finite = np.isfinite(reference) & np.isfinite(v)
                rel = np.abs(v - reference)[finite] / np.maximum(np.abs(reference[finite]), 1e-300)
                same = np.array_equal(np.isfinite(v), np.isfinite(reference))
                diff = f"{rel.max() if rel.size else 0.0:13.1e}" + ("" if same else " (inf/nan!)")
        print(f"  {name:30s} {ns_min:8.2f} {ns_med:8.2f} {vs_ours} {vs_floor} {diff}")
        rows[name] = {"ns_min": ns_min, "ns_median": ns_med}
    return rows


def throughput(args) -> dict:
    from scipy import stats

    nb = numba_kernels()
    rng = np.random.default_rng(0)
    results = {}
    sizes = [10**5, 10**6] if args.quick else [10**6, 10**7]
    rounds = 5 if args.quick else args.rounds

    # log-normal -----------------------------------------------------------------------
    X = lognormal_flow()
    k = X.compile()
    xsym = sp.Symbol("x", real=True)
    lamb = sp.lambdify(xsym, X.log_density(xsym), "numpy")
    frozen = stats.lognorm(s=1.0)
    for n in sizes:
        x = rng.lognormal(size=n)
        out = np.empty(n)
        tmp = np.empty((2, n))
        r = max(3, rounds // (3 if n >= 10**7 else 1))
        block1, block2 = blocked(lognormal_numpy), blocked(lognormal_numpy, threads=2)
        impls = {
            "symflow": lambda x=x: k.log_prob(x),
            "symflow out=": lambda x=x, out=out: k.log_prob(x, out=out),
            "scipy.stats": lambda x=x: frozen.logpdf(x),
            "sympy.lambdify": lambda x=x: lamb(x),
            "numpy in place": lambda x=x, out=out, tmp=tmp: lognormal_numpy(x, out, tmp),
            "blocked numpy 1 thread": lambda x=x, out=out, f=block1: f(x, out),
            "blocked numpy 2 threads": lambda x=x, out=out, f=block2: f(x, out),
            "numba libm 1 thread": lambda x=x, out=out: run(nb["lognormal 1 thread libm"], x, out),
            "numba prange (libm)": lambda x=x, out=out: run(nb["lognormal prange libm"], x, out),
            "numba simdmath 1 thread": lambda x=x, out=out: run(
                nb["lognormal simd 1 thread"], x, out
            ),
            "numba simdmath prange": lambda x=x, out=out: run(nb["lognormal simd prange"], x, out),
            "copy floor": lambda x=x, out=out: copy(out, x),
        }
        results[f"lognormal {n:.0e}"] = report("log-normal", n, impls, r)

    # 8-layer flow ---------------------------------------------------------------------
    n = sizes[0]
    X8 = layered_flow(8)
    k8 = X8.compile()
    lamb8 = sp.lambdify(xsym, X8.log_density(xsym), "numpy")
    x = np.sinh(rng.normal(size=n)) * 3
    out = np.empty(n)
    pair = np.empty((2, n))
    block1, block2 = blocked(layered_numpy), blocked(layered_numpy, threads=2)
    impls = {
        "symflow": lambda: k8.log_prob(x),
        "symflow out=": lambda: k8.log_prob(x, out=out),
        "sympy.lambdify": lambda: lamb8(x),
        "numpy in place": lambda: layered_numpy(x, out, pair),
        "blocked numpy 1 thread": lambda: block1(x, out),
        "blocked numpy 2 threads": lambda: block2(x, out),
        "numba libm 1 thread": lambda: run(nb["layered 1 thread libm"], x, out),
        "numba prange (libm)": lambda: run(nb["layered prange libm"], x, out),
        "numba simdmath 1 thread": lambda: run(nb["layered simd 1 thread"], x, out),
        "numba simdmath prange": lambda: run(nb["layered simd prange"], x, out),
        "copy floor": lambda: copy(out, x),
    }
    results["8-layer 1e6"] = report("8-layer affine/sinh flow", n, impls, rounds)

    # multivariate (guarded) ------------------------------------------------------------
    for title, build, numpy_kernel, names, d in (
        ("2-D banana", banana_flow, banana_numpy, ["banana 1 thread", "banana prange"], 2),
        (
            "4-layer triangular flow, d = 8",
            triangular_flow,
            triangular_numpy,
            ["triangular prange libm", "triangular simd prange"],
            8,
        ),
    ):
        try:
            flow = build()
            kd = flow.compile()
            kd.log_prob(np.zeros((2, d)))
        except Exception as exc:  # multivariate flows not available (yet)
            print(f"\n{title}: skipped ({type(exc).__name__}: {exc})")
            continue
        xd = rng.normal(size=(n, d))
        outd = np.empty(n)
        tmpd = np.empty((2, n))
        impls = {
            "symflow": lambda kd=kd, xd=xd: kd.log_prob(xd),
            "symflow out=": lambda kd=kd, xd=xd, o=outd: kd.log_prob(xd, out=o),
        }
        impls["numpy in place"] = lambda xd=xd, o=outd, t=tmpd, f=numpy_kernel: f(xd, o, t)
        for name in names:
            impls[f"numba {name}"] = lambda xd=xd, o=outd, f=nb[name]: run(f, xd, o)
        flat = np.empty(n * d)
        impls["copy floor"] = lambda xd=xd, flat=flat: copy(flat, xd.reshape(-1))
        results[title] = report(f"{title} (copy floor: the (n, d) input)", n, impls, rounds)
    return results


# --------------------------------------------------------------------------- compile cost
_FIRST = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import numpy as np
import sympy as sp
import symflow as sf
t_import = time.perf_counter()
z = sp.Symbol("z", real=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
X.program
t_derive = time.perf_counter()
k = X.compile()
k.log_prob(np.ones(4))
t_first = time.perf_counter()
numba_loaded = "numba" in sys.modules
times = {{}}
for label, expr in (("closed form", 2 * sp.sinh(z) + 1), ("implicit", sp.sinh(z) + z)):
    t0_k = time.perf_counter()
    Y = sf.Flow(sf.Normal(0, 1), [sf.Transform(expr, z)])
    Y.program
    t1_k = time.perf_counter()
    Y.compile().log_prob(np.ones(4))
    t2_k = time.perf_counter()
    times[f"second derive ({{label}})"] = t1_k - t0_k
    times[f"second kernel ({{label}})"] = t2_k - t1_k
print(json.dumps({{"import symflow": t_import - t0, "derive": t_derive - t_import,
                  "first kernel": t_first - t_derive, "first total": t_first - t0,
                  "numba imported": numba_loaded, **times}}))
"""

_MEMORY = r"""
import json, sys, tracemalloc
sys.path.insert(0, {root!r})
import numpy as np, sympy as sp, symflow as sf
z = sp.Symbol("z", real=True)
k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
x = np.random.default_rng(0).lognormal(size={n})
k.log_prob(x[:10])
tracemalloc.start()  # traces NumPy's and numba's (NRT) array allocations
out = k.log_prob(x)
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({{"peak MiB": peak / 2**20, "output MiB": out.nbytes / 2**20}}))
"""

_LAYERS = r"""
import json, sys, time
sys.path.insert(0, {root!r})
sys.path.insert(0, {here!r})
import numpy as np
from bench_kernels import layered_flow
t0 = time.perf_counter()
X = layered_flow({k})
X.program
t1 = time.perf_counter()
k = X.compile()
k.log_prob(np.ones(4))
t2 = time.perf_counter()
print(json.dumps({{"derive": t1 - t0, "compile": t2 - t1}}))
"""


def _run(code: str, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def compile_cost(args) -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="symflow-bench-") as tmp:
        env = {
            **os.environ,
            "SYMFLOW_CACHE_DIR": os.path.join(tmp, "kernels"),
            "NUMBA_CACHE_DIR": os.path.join(tmp, "numba"),
        }
        cold = _run(_FIRST.format(root=ROOT), env)
        warm = _run(_FIRST.format(root=ROOT), env)
        # new kernels again, in a process whose numba cache holds symflow's helpers (as on
        # any machine after symflow's first use)
        helpers = _run(
            _FIRST.format(root=ROOT), {**env, "SYMFLOW_CACHE_DIR": os.path.join(tmp, "k2")}
        )
        print("\ncompile cost (fresh processes; the first with empty kernel and numba caches)")
        labels = {
            "import symflow": "import symflow",
            "derive": "derive the log-normal",
            "first kernel": "first kernel: compile + first call",
            "first total": "first kernel, whole process",
            "second derive (closed form)": "2nd flow 2 sinh z + 1: derive",
            "second kernel (closed form)": "2nd flow 2 sinh z + 1: compile",
            "second derive (implicit)": "3rd flow sinh z + z: derive",
            "second kernel (implicit)": "3rd flow sinh z + z: compile",
        }
        for key, label in labels.items():
            if key in cold:
                again = (
                    f"   ({helpers[key]:.2f} s with the helpers cached)"
                    if (key in helpers and key != "import symflow")
                    else ""
                )
                print(f"  {label:42s} {cold[key]:7.2f} s{again}")
        if "first total" in warm:
            print(
                f"  {'cached kernel, fresh process: load + call':42s} {warm['first kernel']:7.2f} s"
                f"   (whole process {warm['first total']:.2f} s; numba imported: "
                f"{warm['numba imported']})"
            )
        results["cold"], results["cached"], results["helpers cached"] = cold, warm, helpers
        if "error" in cold:
            print(f"  failed: {cold['error']}")

        n = 10**7
        mem = _run(_MEMORY.format(root=ROOT, n=n), env)
        if "peak MiB" in mem:
            extra = mem["peak MiB"] - mem["output MiB"]
            print(
                f"  {'peak memory of log_prob':40s} {mem['peak MiB']:7.1f} MiB at n = {n:.0e}"
                f" (output {mem['output MiB']:.1f} MiB, temporaries {extra:.1f} MiB)"
            )
        results["memory"] = mem

        print("\nderivation + compile against the number of layers K (fresh process each)")
        print(f"  {'K':>4s} {'derive s':>9s} {'compile s':>10s} {'total s':>8s} {'÷ K=8':>7s}")
        base = None
        here = os.path.dirname(os.path.abspath(__file__))
        for k in [8, 16] if args.quick else [8, 16, 32, 64]:
            env_k = {**env, "SYMFLOW_CACHE_DIR": os.path.join(tmp, f"kernels-{k}")}
            row = _run(_LAYERS.format(root=ROOT, here=here, k=k), env_k)
            if "error" in row:
                print(f"  {k:4d} failed: {row['error']}")
                continue
            total = row["derive"] + row["compile"]
            base = base or total
            print(
                f"  {k:4d} {row['derive']:9.2f} {row['compile']:10.2f} {total:8.2f}"
                f" {total / base:7.2f}"
            )
            results[f"K={k}"] = row
    return results


# --------------------------------------------------------------------------- main
def machine() -> str:
    import numba

    from symflow.codegen.native import thread_count

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (
        f"{datetime.date.today()}  {model}, {os.cpu_count()} logical CPUs (load {load}), "
        f"numba threads {numba.config.NUMBA_NUM_THREADS} (OMP_WAIT_POLICY="
        f"{os.environ.get('OMP_WAIT_POLICY')}), symflow threads {thread_count()}; "
        f"Python {platform.python_version()}, "
        f"NumPy {np.__version__}, numba {numba.__version__}, SymPy {sp.__version__}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds")
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds (full run)")
    parser.add_argument("--skip-compile", action="store_true", help="only part 1")
    parser.add_argument("--only-compile", action="store_true", help="only part 2")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("SYMFLOW_CACHE_DIR", tempfile.mkdtemp(prefix="symflow-bench-"))
    print(machine())
    results = {"machine": machine()}
    if not args.only_compile:
        results["throughput"] = throughput(args)
    if not args.skip_compile:
        results["compile"] = compile_cost(args)
    print(f"\nload average at the end: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
