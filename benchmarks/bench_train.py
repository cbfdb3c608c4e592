"""Training time: symflow's compiled reverse-mode gradients against PyTorch on the same flow.

Run from a checkout (PyTorch and zuko are benchmark-only dependencies; the script runs
BLAS and PyTorch on one thread, as symflow's loop over 20,000 points)::

    pip install torch==2.13.0 zuko==1.6.0
    python benchmarks/bench_train.py                 # 4 and 16 layer pairs
    python benchmarks/bench_train.py --layers 4 --budget 30 --steps 200

Without PyTorch the symflow rows run alone (the PyTorch and zuko rows are skipped, with a
message saying so). ``--steps N`` adds a comparison at equal iteration counts: N L-BFGS
iterations each, time per iteration and the final log-likelihoods. First, the Johnson SU
flow itself (x = exp(a_2)·sinh(exp(a_1)·z + b_1) + b_2, 4 parameters) is fitted and
compared with ``scipy.stats.johnsonsu.fit``: it has one finite maximiser, unlike the
stacked flows, whose likelihood has several local maxima and also rises towards limits
at infinite parameter values or singular densities along some paths.

The flow is K pairs of layers [sinh(d_i·asinh(z) − e_i), exp(a_i)·z + b_i] on N(0, 1)
(4K parameters: 16 for K = 4, 64 for K = 16), trained on n = 20,000 Johnson SU(γ = 1,
δ = 1.5, loc = 0.5, scale = 4) draws and scored on 20,000 held-out draws. Every method
starts from the identity map (a = b = e = 0, d = 1) and optimises the same coordinates
(log d). Each run records (seconds, log-likelihood) after every iteration; the table
gives the wall time until the run first comes within 0.1 nats of the best training
log-likelihood any method but zuko reached (and until it comes within 0.1 nats of its
own final value), its final training and held-out log-likelihood, and
the largest gradient component of the mean log-likelihood where the method reports it.

* symflow: ``X.fit(data, method=...)`` with its compiled kernels already in the cache
  (the one-off derivation and compile time is printed separately);
* PyTorch (one thread, ``--torch-threads``, as symflow, which splits data over threads
  only from 50,000 points per thread): the inverse pass written by hand with autograd,
  ``torch.optim.LBFGS`` (strong Wolfe line search, history 20) and a hand-written
  full-batch Adam (learning rate 0.02);
* zuko: a neural spline flow (NSF, 3 transforms, 2×64 hidden units, 16 bins) trained
  by minibatch Adam (``--zuko-steps`` steps of ``--zuko-batch`` points, cosine-decayed
  learning rate), the log-likelihood a neural flow reaches (not the same flow; no time
  ratio).
"""

from __future__ import annotations

import os

# one BLAS thread, set before NumPy loads it: SciPy's L-BFGS-B calls BLAS on vectors of
# tens of numbers, where OpenBLAS's threads only spin (on the shared test machine they
# cost 1.1 s of CPU per 100 iterations, more than the 127 gradients of the fit)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

import symflow as sf  # noqa: E402

TOLERANCE = 0.1  # nats


def johnson_su(n: int, seed: int) -> np.ndarray:
    return stats.johnsonsu(1.0, 1.5, loc=0.5, scale=4.0).rvs(n, random_state=seed)


def identity(names) -> dict[str, float]:
    return {name: (1.0 if name.startswith("d_") else 0.0) for name in names}


def reached(history, best: float, cpu: bool = False) -> float | None:
    """Seconds (wall, or with ``cpu`` this process's CPU) until a (wall, loglik, CPU)
    history first comes within TOLERANCE of best."""
    for seconds, value, cpu_seconds in history:
        if value >= best - TOLERANCE:
            return cpu_seconds if cpu else seconds
    return None


def clock(t0: float, c0: float, value: float) -> tuple[float, float, float]:
    """(wall seconds since t0, value, CPU seconds of this process since c0)."""
    return (time.perf_counter() - t0, value, time.process_time() - c0)


# -- symflow ------------------------------------------------------------------------------
def run_symflow(X, data, held_out, method: str):
    names = [p.name for p in X.parameters]
    history: list[tuple[float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()

    def record(row):
        history.append(clock(t0, c0, row["loglik"]))

    fit = X.fit(data, init=identity(names), method=method, progress=record, tol=1e-6)
    seconds = time.perf_counter() - t0
    k = X.compile()
    valid = float(np.sum(k.log_prob(held_out, **fit.params)))
    return {
        "method": f"symflow {method}",
        "history": history,
        "seconds": seconds,
        "loglik": fit.loglik,
        "held_out": valid,
        "gradient": fit.gradient_norm,
        "converged": fit.success,
        "iterations": fit.nit,
        "note": fit.message.split("; the observed information")[0],
    }


# -- PyTorch, the same flow ---------------------------------------------------------------
def torch_loglik(torch, params, x, K: int):
    a, b, log_d, e = params
    z = x
    total = torch.zeros((), dtype=torch.float64)
    for i in reversed(range(K)):
        # inverse of exp(a)·z + b, then of sinh(d·asinh(z) − e)
        z = (z - b[i]) * torch.exp(-a[i])
        total = total - a[i] * x.shape[0]
        d = torch.exp(log_d[i])
        w = (torch.asinh(z) + e[i]) / d
        z_prev = torch.sinh(w)
        # log|f'(z_prev)| = log d + log cosh(d·asinh(z_prev) − e) − ½ log(1 + z_prev²)
        log_det = log_d[i] + torch.log(torch.cosh(d * w - e[i])) - 0.5 * torch.log1p(z_prev**2)
        total = total - log_det.sum()
        z = z_prev
    return total + (-0.5 * z**2 - 0.5 * math.log(2 * math.pi)).sum()


def torch_params(torch, K):
    return [torch.zeros(K, dtype=torch.float64, requires_grad=True) for _ in range(4)]


def run_torch_lbfgs(data, held_out, K: int, budget: float):
    import torch

    x = torch.tensor(data)
    params = torch_params(torch, K)
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=20,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-7,
        tolerance_change=1e-12,
    )
    n = x.shape[0]
    history = []
    t0, c0 = time.perf_counter(), time.process_time()

    def closure():
        opt.zero_grad()
        loss = -torch_loglik(torch, params, x, K) / n
        loss.backward()
        history.append(clock(t0, c0, -float(loss.detach()) * n))
        return loss

    last = math.inf
    steps = 0
    while time.perf_counter() - t0 < budget:
        loss = float(opt.step(closure).detach())
        steps += 1
        if abs(last - loss) < 1e-12:
            break
        last = loss
    seconds = time.perf_counter() - t0
    return finish_torch("PyTorch L-BFGS", torch, params, x, held_out, K, history, seconds, steps)


def run_torch_adam(data, held_out, K: int, budget: float, rate: float = 0.02):
    import torch

    x = torch.tensor(data)
    params = torch_params(torch, K)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    n = x.shape[0]
    history = []
    t0, c0 = time.perf_counter(), time.process_time()
    step = 0
    while time.perf_counter() - t0 < budget:
        step += 1
        for p in params:
            p.grad = None
        loss = -torch_loglik(torch, params, x, K) / n
        loss.backward()
        history.append(clock(t0, c0, -float(loss.detach()) * n))
        with torch.no_grad():
            for p, mp, vp in zip(params, m, v, strict=True):
                mp.mul_(0.9).add_(0.1 * p.grad)
                vp.mul_(0.999).add_(0.001 * p.grad**2)
                p -= rate * (mp / (1 - 0.9**step)) / ((vp / (1 - 0.999**step)).sqrt() + 1e-8)
    seconds = time.perf_counter() - t0
    return finish_torch("PyTorch Adam", torch, params, x, held_out, K, history, seconds, step)


def finish_torch(label, torch, params, x, held_out, K, history, seconds, steps):
    for p in params:
        p.grad = None
    loss = -torch_loglik(torch, params, x, K) / x.shape[0]
    loss.backward()
    gradient = max(float(p.grad.abs().max()) for p in params)
    with torch.no_grad():
        valid = float(torch_loglik(torch, params, torch.tensor(held_out), K))
        final = float(torch_loglik(torch, params, x, K))
    return {
        "method": label,
        "history": history,
        "seconds": seconds,
        "loglik": final,
        "held_out": valid,
        "gradient": gradient,
        "converged": gradient <= 1e-6,
        "iterations": steps,
        "note": "",
    }


# -- zuko: a neural spline flow -------------------------------------------------------------
def run_zuko(data, held_out, steps: int, batch: int, rate: float = 3e-3, every: int = 100):
    """zuko's NSF (3 transforms, 2×64 hidden units, 16 bins) trained by minibatch Adam.

    The data are centred on their median and divided by max|x − median|/4, so that every
    training point lies inside the splines' domain [−5, 5] (scaled by the standard
    deviation, the heavy left tail puts 58 points beyond 5, in the identity tails, which
    costs hundreds of nats). Adam with ``batch`` points drawn per step and the learning
    rate decaying by cosine over ``steps``; the full training log-likelihood is evaluated
    every ``every`` steps with the clock stopped. Log-likelihoods of the original data
    subtract n·log(scale).
    """
    try:
        import torch
        import zuko
    except ImportError:
        return None
    torch.manual_seed(0)
    flow = zuko.flows.NSF(features=1, transforms=3, hidden_features=[64, 64], bins=16)
    flow = flow.double()
    centre = float(np.median(data))
    scale = float(np.max(np.abs(data - centre))) / 4.0
    x = torch.tensor((data - centre) / scale).reshape(-1, 1)
    y = torch.tensor((held_out - centre) / scale).reshape(-1, 1)
    n = x.shape[0]
    opt = torch.optim.Adam(flow.parameters(), lr=rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    draws = torch.Generator().manual_seed(0)
    history = []
    paused, paused_cpu = 0.0, 0.0
    t0, c0 = time.perf_counter(), time.process_time()
    for step in range(1, steps + 1):
        xb = x[torch.randint(0, n, (batch,), generator=draws)]
        loss = -flow().log_prob(xb).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        if step % every == 0 or step == steps:
            stop, stop_cpu = time.perf_counter(), time.process_time()
            with torch.no_grad():
                value = float(flow().log_prob(x).sum()) - n * math.log(scale)
            history.append((stop - t0 - paused, value, stop_cpu - c0 - paused_cpu))
            paused += time.perf_counter() - stop
            paused_cpu += time.process_time() - stop_cpu
    with torch.no_grad():
        valid = float(flow().log_prob(y).sum()) - y.shape[0] * math.log(scale)
    return {
        "method": "zuko NSF (Adam)",
        "history": history,
        "seconds": time.perf_counter() - t0 - paused,
        "loglik": history[-1][1],
        "held_out": valid,
        "gradient": math.nan,
        "converged": None,
        "iterations": f"{steps} of {batch} points",
        "note": "reference: a neural flow, not the same flow (no time ratio)",
    }


def table(K: int, rows, best: float) -> str:
    ref = next((r for r in rows if r["method"] == "PyTorch L-BFGS"), None)
    ref_final = ref["loglik"] if ref else None
    ref_time = reached(ref["history"], ref_final) if ref else None
    ref_cpu = reached(ref["history"], ref_final, cpu=True) if ref else None
    lines = [
        f"\n{4 * K} parameters ({K} layer pairs), best training log-likelihood {best:.2f}"
        + (f"; PyTorch L-BFGS ends at {ref_final:.2f}" if ref else ""),
        "| method | to best − 0.1 nats | to PyTorch L-BFGS's final − 0.1 | to its own final "
        "− 0.1 | CPU to PyTorch L-BFGS's final − 0.1 | run | iterations | train log-lik | "
        "held-out log-lik | largest gradient | converged |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = reached(r["history"], best)
        when = "never" if t is None else f"{t:.1f} s"
        own = reached(r["history"], r["loglik"])
        when_own = "never" if own is None else f"{own:.1f} s"
        u = reached(r["history"], ref_final) if ref else None
        when_ref = "never" if u is None else f"{u:.1f} s"
        fair = not r["method"].startswith(("PyTorch", "zuko"))
        if u is not None and ref_time and fair:
            when_ref += f" ({ref_time / u:.1f}× faster)"
        c = reached(r["history"], ref_final, cpu=True) if ref else None
        cpu_ref = "never" if c is None else f"{c:.1f} s"
        if c is not None and ref_cpu and fair:
            cpu_ref += f" ({ref_cpu / c:.1f}× less)"
        gradient = "—" if math.isnan(r["gradient"]) else f"{r['gradient']:.2g}"
        converged = {None: "—", True: "yes", False: "no"}[r["converged"]]
        lines.append(
            f"| {r['method']} | {when} | {when_ref} | {when_own} | {cpu_ref} | "
            f"{r['seconds']:.1f} s | "
            f"{r['iterations']} | {r['loglik']:.2f} | {r['held_out']:.2f} | {gradient} | "
            f"{converged} |"
        )
    return "\n".join(lines)


def per_gradient(X, data, K: int, repeats: int = 20) -> str:
    """Wall and CPU time of one log-likelihood + gradient evaluation, symflow and PyTorch."""
    import torch

    from symflow.codegen.train_kernel import train_kernels

    k = train_kernels(X.program)
    theta = np.array([1.1 if p.name.startswith("d_") else 0.1 for p in X.parameters])
    x = torch.tensor(data)
    params = torch_params(torch, K)

    def torch_gradient():
        for p in params:
            p.grad = None
        (-torch_loglik(torch, params, x, K)).backward()

    names = [p.name for p in X.parameters]
    log_prob = X.compile().log_prob
    point = dict(zip(names, theta, strict=True))
    eye = np.eye(theta.size)
    timings = {}
    for label, fn in (
        ("symflow", lambda: k.value_grad(data, theta)),
        ("PyTorch", torch_gradient),
        ("log_prob", lambda: log_prob(data, **point)),
        ("hessian", lambda: k.value_grad_hvp(data, theta, eye)),
    ):
        fn()
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            fn()
        timings[label] = (
            (time.perf_counter() - wall) / repeats * 1e3,
            (time.process_time() - cpu) / repeats * 1e3,
        )
    (sw, sc), (tw, tc) = timings["symflow"], timings["PyTorch"]
    lc, hc = timings["log_prob"][1], timings["hessian"][1]
    return (
        f"one log-likelihood + gradient over {data.size:,} points: symflow {sw:.2f} ms wall "
        f"({sc:.2f} ms CPU), PyTorch {tw:.2f} ms wall ({tc:.2f} ms CPU): {tw / sw:.1f}× wall, "
        f"{tc / sc:.1f}× CPU; symflow's log_prob alone {lc:.2f} ms CPU (the fused gradient "
        f"costs {sc / lc:.2f} of it), its exact Hessian {hc:.1f} ms CPU ({hc / sc:.1f} gradients)"
    )


# -- equal step counts ----------------------------------------------------------------------
def equal_steps(X, data, K: int, steps: int, torch_available: bool) -> str:
    """symflow L-BFGS and PyTorch L-BFGS, ``steps`` iterations each from the identity map:
    wall time per iteration and the final log-likelihoods (and their ratio)."""
    names = [p.name for p in X.parameters]
    t0 = time.perf_counter()
    fit = X.fit(
        data, init=identity(names), method="L-BFGS", maxiter=steps, tol=0.0, stall=(10**9, 0.0)
    )
    total = time.perf_counter() - t0
    # per iteration from the fit's own clock (first to last iteration); the rest of the
    # call (starting values, the final Hessian for standard errors) is reported apart
    first, last = fit.history[0][3], fit.history[-1][3]
    sym_time = (last - first) / max(fit.nit - 1, 1) * fit.nit
    lines = [
        f"\n{4 * K} parameters, {steps} L-BFGS iterations each from the identity map",
        "| method | iterations | time per iteration | final log-likelihood |",
        "|---|---|---|---|",
        f"| symflow L-BFGS | {fit.nit} | {sym_time / max(fit.nit, 1) * 1e3:.1f} ms | "
        f"{fit.loglik:.4f} |",
    ]
    if not torch_available:
        lines.append("| PyTorch L-BFGS | skipped: torch is not installed | | |")
        return "\n".join(lines)
    import torch

    x = torch.tensor(data)
    params = torch_params(torch, K)
    # one iteration per step() call (with its strong-Wolfe line search), as scipy counts
    opt = torch.optim.LBFGS(
        params,
        lr=1.0,
        max_iter=1,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )
    n = x.shape[0]

    def closure():
        opt.zero_grad()
        loss = -torch_loglik(torch, params, x, K) / n
        loss.backward()
        return loss

    t0 = time.perf_counter()
    for _ in range(steps):
        opt.step(closure)
    torch_time = time.perf_counter() - t0
    with torch.no_grad():
        final = float(torch_loglik(torch, params, x, K))
    lines.append(f"| PyTorch L-BFGS | {steps} | {torch_time / steps * 1e3:.1f} ms | {final:.4f} |")
    lines.append(
        f"symflow's whole call took {total:.2f} s ({total - sym_time:.2f} s outside the "
        f"iterations: starting values, first evaluation, standard errors)"
    )
    lines.append(
        f"symflow is {torch_time / steps / (sym_time / max(fit.nit, 1)):.1f}× faster per "
        f"iteration; final log-likelihood ratio symflow/PyTorch = {fit.loglik / final:.8f} "
        f"(difference {fit.loglik - final:+.3f} nats)"
    )
    return "\n".join(lines)


# -- a flow with a finite maximiser: Johnson SU itself ---------------------------------------
def johnson_su_flow(data) -> str:
    """x = exp(a_2)·sinh(exp(a_1)·z + b_1) + b_2 (Johnson's SU) fitted by symflow against
    scipy.stats.johnsonsu.fit: the stacked flows above have no finite maximiser (their
    supremum is a limit), this one has, and the fit must converge to it."""
    import sympy as sp

    from symflow.stats.train import train_flow

    z = sp.Symbol("z", real=True)
    X = sf.Flow(
        sf.Normal(0, 1), [sf.layers.affine(1), sf.Transform(sp.sinh(z), z), sf.layers.affine(2)]
    )
    train_flow(X, data[:500], maxiter=1)  # compile
    t0 = time.perf_counter()
    fit = train_flow(X, data)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    p = stats.johnsonsu.fit(data)
    theirs = time.perf_counter() - t0
    ref = float(stats.johnsonsu(*p).logpdf(data).sum())
    return (
        f"\nJohnson SU flow (4 parameters): symflow {fit.method} {fit.loglik:.6f} in {ours:.2f} s, "
        f"{fit.nit} iterations, converged={fit.success} (largest gradient "
        f"{fit.gradient_norm:.2g}); scipy.stats.johnsonsu.fit {ref:.6f} in {theirs:.2f} s; "
        f"relative difference {(fit.loglik - ref) / abs(ref):+.2e}"
    )


def torch_message() -> str | None:
    """None when PyTorch imports; otherwise why the PyTorch columns are skipped."""
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        return (
            f"PyTorch is not installed ({exc}): the PyTorch and zuko rows are skipped. "
            f"pip install torch==2.13.0 zuko==1.6.0 to compare."
        )
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, nargs="*", default=[4, 16])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per PyTorch run")
    parser.add_argument("--no-zuko", action="store_true")
    parser.add_argument("--zuko-steps", type=int, default=6000, help="Adam steps for zuko")
    parser.add_argument("--zuko-batch", type=int, default=1024, help="points per zuko step")
    parser.add_argument(
        "--steps", type=int, default=0, help="also compare N L-BFGS iterations each (0: skip)"
    )
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="PyTorch's intra-op threads (default 1: symflow sums 20,000 points on one thread)",
    )
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(args.torch_threads)
    except ImportError:
        pass
    data, held_out = johnson_su(args.n, 1), johnson_su(args.n, 2)
    missing = torch_message()
    if missing:
        print(missing)
    print(johnson_su_flow(data))
    for K in args.layers:
        t = time.perf_counter()
        X = sf.Flow(
            sf.Normal(0, 1), sf.layers.stack(sf.layers.sinh_arcsinh, sf.layers.affine, repeat=K)
        )
        derive = time.perf_counter() - t
        methods = ["trust-exact", "trust-krylov", "L-BFGS"] if 4 * K <= 40 else ["L-BFGS"]
        t = time.perf_counter()
        for method in methods:  # generate and compile (or load) the kernels
            X.fit(
                data[:500], init=identity([p.name for p in X.parameters]), method=method, maxiter=1
            )
        compile_time = time.perf_counter() - t
        print(f"K = {K}: flow derived in {derive:.1f} s, kernels ready in {compile_time:.1f} s")
        if not missing:
            print(per_gradient(X, data, K))
        if args.steps:
            print(equal_steps(X, data, K, args.steps, not missing))
        rows = [run_symflow(X, data, held_out, m) for m in methods]
        if not missing:
            rows.append(run_torch_lbfgs(data, held_out, K, args.budget))
            rows.append(run_torch_adam(data, held_out, K, args.budget))
        if not missing and not args.no_zuko and K == args.layers[0]:
            z = run_zuko(data, held_out, args.zuko_steps, args.zuko_batch)
            if z is not None:
                rows.append(z)
        best = max(r["loglik"] for r in rows if not r["method"].startswith("zuko"))
        print(table(K, rows, best))
        for r in rows:
            if r["note"]:
                print(f"  {r['method']}: {r['note']}")


if __name__ == "__main__":
    main()
