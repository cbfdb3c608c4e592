"""Compiled log-likelihood, gradient and Hessian-vector products of a flow, summed over data.

    ℓ(θ) = Σ_i log p_X(x_i; θ),   ∇ℓ(θ),   ∇²ℓ(θ)·V  (V: P × m directions)

The reverse-mode gradient and its tangents (:mod:`symflow.core.adjoint`) are printed with
the :class:`~symflow.codegen.source.Emitter` (common-subexpression elimination, the stable
rewrites, the :class:`~symflow.codegen.printer.KernelPrinter`) into one numba module whose
loops run the inverse pass, the adjoint pass and the sums for each point in one go.

* ``value_grad_block(xs, theta, lo, hi, out)`` sums over xs[lo:hi]. Without implicit
  inverses its body is branch-free (selects for the support and for NaN), so LLVM
  vectorises it with the inlined :mod:`symflow.codegen.simdmath` functions; each chunk
  of 256 points goes to a small buffer whose rows are then summed. A body longer than
  :data:`SEGMENT_OPS` operations (which LLVM would leave scalar) is cut into several
  loops over the chunk that pass values through a second buffer. With an implicit
  inverse the loop branches (a root solve must not run outside the support).
* A flow with several inverse paths (x = z², a Piecewise map) sums them:
  log p = LogSumExp_b(log p_b) and ∇ log p = Σ_b w_b ∇ log p_b
  (:func:`~symflow.core.adjoint.branches_gradient`), and ∇² log p·v by the adjoint of
  the log-sum-exp (:func:`~symflow.core.adjoint.branches_hvp`); 1-D, no implicit inverse.
* ``value_grad_hvp_block(xs, theta, vs, lo, hi, out, hv)`` adds Σ ∇² log p · vs: the
  tangent pass runs once per direction after one forward and one reverse pass
  (vs = I gives the exact Hessian).

The block functions release the GIL; long data (≥ 50,000 points per thread) are split
over a thread pool. ``out`` holds ``[Σ log p, Σ ∇ log p (P), number of points with
log p = −inf or NaN, index of the first such point or −1]``.

Examples
--------
>>> import numpy as np, sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> mu, s = sp.Symbol("mu", real=True), sp.Symbol("s", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(s) * z + mu, z)])
>>> k = train_kernels(X.program)
>>> value, grad, bad = k.value_grad(np.array([0.0, 1.0]), np.array([0.0, 0.0]))
>>> round(value, 6), grad.tolist()
(-2.337877, [1.0, -1.0])
"""

from __future__ import annotations

import ast
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import sympy as sp

from symflow.codegen.source import (
    add_to,
    assign,
    function,
    loop,
    region_test,
    select,
    stable_assignments,
    unparse,
    vector_membership,
    when,
)
from symflow.core.adjoint import branches_gradient, branches_hvp, reverse_gradient, tangent
from symflow.errors import CompileError

__all__ = ["TrainKernels", "train_kernels", "train_source"]

#: the decorator of the block functions: NumPy's error model, and the GIL released so that
#: blocks of data run on threads
_JIT = 'njit(cache=True, error_model="numpy", nogil=True)'


@dataclass(frozen=True)
class _Segment:
    """One loop over a chunk of points: its statements, the values it reads from the
    chunk's state buffer (rows ``loads``) and those it writes there (rows ``stores``)."""

    statements: list[ast.stmt]
    loads: list[tuple[str, int]]
    stores: list[tuple[str, int]]


#: the largest loop body, in SymPy operations of its assignments, that the vectoriser is
#: given: LLVM stops vectorising a point loop somewhere between 584 operations (eight
#: sinh-arcsinh/affine pairs, 32 parameters) and 728 (ten pairs); longer bodies are cut
#: into several loops over the chunk, which pass their values through a buffer
SEGMENT_OPS = 320


def split(assignments, finals: set, budget: int | None = None) -> list[tuple[list, set, set]]:
    """Cut assignments into runs of at most ``budget`` operations (default
    :data:`SEGMENT_OPS`; a longer assignment stands alone): (run, the targets of earlier
    runs it reads, its targets that later runs read). The last run also reads the
    ``finals`` (log p and the gradient), wherever they were computed.

    Examples
    --------
    >>> from symflow.core.program import Assignment
    >>> x, u, v, w = sp.symbols("x u v w", real=True)
    >>> steps = [Assignment(u, sp.exp(x)), Assignment(v, u + 1), Assignment(w, v * u)]
    >>> [(len(run), sorted(map(str, reads)), sorted(map(str, writes)))
    ...  for run, reads, writes in split(steps, {w}, budget=1)]
    [(1, [], ['u']), (1, ['u'], ['v']), (1, ['u', 'v'], [])]
    """
    budget = SEGMENT_OPS if budget is None else budget
    runs: list[list] = [[]]
    size = 0
    for a in assignments:
        ops = int(sp.count_ops(a.value))
        if runs[-1] and size + ops > budget:
            runs.append([])
            size = 0
        runs[-1].append(a)
        size += ops
    defined_in = {a.target: k for k, run in enumerate(runs) for a in run}
    reads = [
        {s for a in run for s in a.value.free_symbols if defined_in.get(s, k) < k}
        for k, run in enumerate(runs)
    ]
    last = len(runs) - 1
    reads[last] |= {s for s in finals if defined_in.get(s, last) < last}
    out = []
    for k, run in enumerate(runs):
        later = set().union(*reads[k + 1 :]) | (finals if k < last else set())
        out.append((run, reads[k], {a.target for a in run} & later))
    return out


@dataclass(frozen=True)
class _Parts:
    """What the loop bodies print: the statements and the names they define."""

    inputs: list[str]
    guard: str | None  # a condition on the inputs checked before the inverse pass
    checks: str | None  # a condition on the states checked after it
    forward: list[ast.stmt]  # forward, adjoint and (for hvp) local partial statements
    segments: list[_Segment]  # the vectorised loop's pieces (one when the body is short)
    result: str
    gradient: list[str]
    tangent: list[ast.stmt]
    direction: list[str]
    hvp: list[str]
    implicit: bool  # a root solve must not run outside the support: branch, not select


def _check_branches(program) -> None:
    """Refuse what the branch-summed (several inverse paths) kernels do not compile."""
    n = len(program.paths)
    if program.dimension > 1:
        raise CompileError(
            f"The training kernels sum over several inverse paths in 1-D only; this "
            f"{program.dimension}-D flow has {n} paths."
        )
    if any(path.implicit for path in program.paths):
        raise CompileError(
            f"This flow has {n} inverse paths and an implicit inverse (a root solve): the "
            f"training kernels do not compile that combination. Fit it with sf.fit_flow."
        )


def _parts(program, directions: bool):
    from symflow.codegen.source import Emitter

    params = program.parameters
    em = Emitter(program)
    # the kernels' form of the inverse pass (log terms from edge distances, core/edges.py),
    # stabilised before it is differentiated
    paths = [
        replace(path, assignments=stable_assignments(path.kernel_assignments))
        for path in program.paths
    ]
    if len(paths) == 1:
        path = paths[0]
        grad = reverse_gradient(path.assignments, path.result, params)
        tan = tangent(grad.assignments, params, grad.gradient) if directions else None
        implicit = path.implicit
    else:
        _check_branches(program)
        # regions are stated on a plain real x (the program's x carries the support's
        # assumptions, under which SymPy would decide them); both print as x
        plain = sp.Symbol("x", real=True)
        em.names.setdefault(plain, em.names[program.x])
        if directions:
            grad, tan = branches_hvp(paths, params, plain)
        else:
            grad, tan = branches_gradient(paths, params, plain), None
        implicit = False
    statements = list(grad.assignments)
    if tan is not None:
        statements += list(tan.partials)
    d = program.dimension
    inputs = ["x"] if d == 1 else [f"x{j + 1}" for j in range(d)]
    guard = None
    checks = None
    # membership decided on x against the exact support (float endpoints on the outer
    # side); in d-D, a condition that reads several coordinates stays on the latent states
    if d == 1:
        support = region_test(em, program.support)
        if support is not sp.true:
            guard = em.code(support)
    else:
        checks = vector_membership(program, program.paths[0])
        if checks is sp.true:
            checks = None
    branchy = directions or implicit
    segments: list[_Segment] = []
    if branchy:
        forward = em.assign(statements)
    else:
        forward = []
        finals = {grad.result, *(g for g in grad.gradient if g != 0)}
        if checks is not None:  # the latent states it reads (x and θ are at hand)
            finals |= checks.free_symbols & {a.target for a in statements}
        entry = tuple(program.inputs or (program.x,))
        rows: dict = {}
        for run, loads, stores in split(statements, finals):
            ordered = sorted(loads, key=sp.default_sort_key)
            run_statements = em.assign(run, given=(*entry, *ordered))
            for t in sorted(stores, key=sp.default_sort_key):
                rows[t] = len(rows)
            segments.append(
                _Segment(
                    run_statements,
                    [(str(em.sym(t)), rows[t]) for t in ordered],
                    [(str(em.sym(t)), rows[t]) for t in sorted(stores, key=sp.default_sort_key)],
                )
            )
    if checks is not None:
        checks = em.code(em.rename(checks))
    gradient = ["0.0" if g == 0 else str(em.sym(g)) for g in grad.gradient]
    out_tangent: list[ast.stmt] = []
    direction: list[str] = []
    hvp: list[str] = []
    if tan is not None:
        given = [s for s in em.names if s not in tan.direction]
        direction = [str(em.sym(v)) for v in tan.direction]
        # the tangents' common subexpressions are numbered c_0, c_1, … again and may
        # reuse names of the outer ones: safe, as the tangent loop is the last thing a
        # point computes and the next point recomputes the outer ones
        out_tangent = em.assign(tan.assignments, given=(*given, *tan.direction))
        hvp = ["0.0" if t == 0 else str(em.sym(t)) for t in tan.derivatives]
    return em, _Parts(
        inputs,
        guard,
        checks,
        forward,
        segments,
        str(em.sym(grad.result)),
        gradient,
        out_tangent,
        direction,
        hvp,
        implicit,
    )


def _skip() -> list[ast.stmt]:
    """Count point i as bad, remember it if it is the first, and go on to the next."""
    return [
        add_to("bad", "1.0"),
        when("first < 0.0", [assign("first", "float(i)")]),
        ast.Continue(),
    ]


def _loop(em, parts: _Parts, hvp: bool) -> ast.FunctionDef:
    """The branchy loop over xs[lo:hi] (implicit inverses must not run outside the
    support, and the Hessian-vector products loop over the directions): sums into out
    (and hv)."""
    P = len(parts.gradient)
    d = len(parts.inputs)
    setup = [assign(p, f"theta[{j}]") for j, p in enumerate(em.param_names)]
    setup += [assign(f"acc_{j}", "0.0") for j in range(P + 1)]
    if hvp:
        setup.append(assign("m", "vs.shape[1]"))
    setup += [assign("bad", "0.0"), assign("first", "-1.0")]
    body = [assign("x", "xs[i]")] if d == 1 else []
    if d > 1:
        body += [assign(name, f"xs[i, {j}]") for j, name in enumerate(parts.inputs)]
    if parts.guard is not None:
        body.append(when(f"not ({parts.guard})", _skip()))
    body += parts.forward
    ok = f"{parts.result} > -math.inf and {parts.result} < math.inf"
    if parts.checks is not None:
        ok = f"({parts.checks}) and {ok}"
    body.append(when(f"not ({ok})", _skip()))
    body.append(add_to("acc_0", parts.result))
    body += [add_to(f"acc_{j + 1}", g) for j, g in enumerate(parts.gradient)]
    if hvp and parts.direction:  # (a flow without parameters has no directions)
        directions = [assign(v, f"vs[{j}, k]") for j, v in enumerate(parts.direction)]
        directions += parts.tangent
        directions += [add_to(f"hv[{j}, k]", h) for j, h in enumerate(parts.hvp)]
        body.append(loop("k", "m", directions))
    store = [assign(f"out[{j}]", f"acc_{j}") for j in range(P + 1)]
    store += [assign(f"out[{P + 1}]", "bad"), assign(f"out[{P + 2}]", "first")]
    if hvp:
        name, args = "value_grad_hvp_block", ["xs", "theta", "vs", "lo", "hi", "out", "hv"]
        doc = "Over xs[lo:hi]: Σ log p, Σ ∇ log p, bad points, first bad; Σ ∇² log p · vs into hv."
    else:
        name, args = "value_grad_block", ["xs", "theta", "lo", "hi", "out"]
        doc = "Over xs[lo:hi]: Σ log p, Σ ∇ log p, bad points, first bad index (or -1)."
    points = loop("i", ("lo", "hi"), body)
    return function(name, args, [*setup, points, *store], doc, _JIT)


#: points per chunk of the vectorised loop (its buffers stay in the L1/L2 cache)
CHUNK = 256


def _simd_loop(em, parts: _Parts) -> ast.FunctionDef:
    """The gradient loop of a flow without implicit inverses: branch-free, so that LLVM
    vectorises the point loop (the simdmath functions inline into it); each chunk of
    points is written to a buffer, whose rows are then summed. A long body is cut into
    several loops over the chunk (see :data:`SEGMENT_OPS`), which pass values through
    ``st``."""
    P = len(parts.gradient)
    rows = P + 2
    setup = [assign(p, f"theta[{j}]") for j, p in enumerate(em.param_names)]
    if len(parts.inputs) == 1:
        load = [assign("x", "xs[start + i]")]
    else:
        load = [assign(name, f"xs[start + i, {j}]") for j, name in enumerate(parts.inputs)]
    bodies = []
    states = 1
    for segment in parts.segments:
        body = [*load, *(assign(name, f"st[{row}, i]") for name, row in segment.loads)]
        body += segment.statements
        body += [assign(f"st[{row}, i]", name) for name, row in segment.stores]
        states = max([states, *(row + 1 for _, row in segment.stores)])
        bodies.append(body)
    ok = f"({parts.result} > -math.inf) & ({parts.result} < math.inf)"
    if parts.guard is not None:
        ok += f" & ({parts.guard})"
    if parts.checks is not None:
        ok += f" & ({parts.checks})"
    bodies[-1].append(assign("ok", ok))
    values = [parts.result, *parts.gradient]
    bodies[-1] += [assign(f"buf[{j}, i]", select("ok", v, "0.0")) for j, v in enumerate(values)]
    bodies[-1].append(assign(f"buf[{P + 1}, i]", select("ok", "0.0", "1.0")))
    sums = [
        assign("s", "0.0"),
        loop("i", "m", [add_to("s", "buf[j, i]")]),
        add_to("out[j]", "s"),
    ]
    chunk = [
        assign("m", f"min({CHUNK}, hi - start)"),
        *(loop("i", "m", body) for body in bodies),
        loop("j", rows, sums),
    ]
    body = [
        *setup,
        assign("buf", f"np.empty(({rows}, {CHUNK}))"),
        assign("st", f"np.empty(({states}, {CHUNK}))"),
        loop("j", rows, [assign("out[j]", "0.0")]),
        assign(f"out[{rows}]", "-1.0"),
        loop("start", ("lo", "hi", CHUNK), chunk),
    ]
    doc = "Over xs[lo:hi]: Σ log p, Σ ∇ log p, bad points, -1 (the first bad index is not kept)."
    return function("value_grad_block", ["xs", "theta", "lo", "hi", "out"], body, doc, _JIT)


def train_source(program, hvp: bool = False) -> str:
    """The numba module with ``value_grad`` (or, with ``hvp``, ``value_grad_hvp``)."""
    from symflow.codegen.source import module_header

    em, parts = _parts(program, directions=hvp)
    block = _simd_loop(em, parts) if not hvp and not parts.implicit else _loop(em, parts, hvp)
    return module_header(em.printer) + unparse([*em.solvers, block])


#: points per thread below which one thread does the whole sum (a gradient costs about
#: 0.1–0.5 µs per point, handing blocks to threads tens of µs)
MIN_POINTS_PER_THREAD = 50_000


def _blocks(n: int) -> int:
    """One block per thread, each of at least :data:`MIN_POINTS_PER_THREAD` points."""
    from symflow.codegen.native import thread_count

    return max(1, min(thread_count(), n // MIN_POINTS_PER_THREAD))


@functools.lru_cache(maxsize=4)
def _pool_of(threads: int, pid: int) -> ThreadPoolExecutor:
    """This process's pool (a forked child gets its own: the parent's threads are gone)."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="symflow-train")


def _run(block, xs: np.ndarray, args: tuple, rows: list) -> None:
    """``block(xs, *args[:-k], lo, hi, *row)`` for contiguous blocks of xs, one per row
    of outputs, on threads (the block functions release the GIL)."""
    n, k = xs.shape[0], len(rows)
    bounds = np.linspace(0, n, k + 1).astype(np.int64)
    calls = [(xs, *args, int(bounds[b]), int(bounds[b + 1]), *row) for b, row in enumerate(rows)]
    if k == 1:
        block(*calls[0])
        return
    jobs = [_pool_of(k - 1, os.getpid()).submit(block, *c) for c in calls[1:]]
    block(*calls[0])
    for job in jobs:
        job.result()


class TrainKernels:
    """ℓ, ∇ℓ and ∇²ℓ·V of a flow over data (see the module docstring).

    ``parameters`` are the program's parameter names, in the order of ``theta``.
    """

    def __init__(self, program):
        self.program = program
        self.parameters = tuple(p.name for p in program.parameters)
        self._sources: dict[bool, str] = {}
        self._modules: dict[bool, Any] = {}

    def source(self, hvp: bool = False) -> str:
        """The generated module (gradient only, or with Hessian-vector products)."""
        if hvp not in self._sources:
            self._sources[hvp] = train_source(self.program, hvp)
        return self._sources[hvp]

    def module(self, hvp: bool = False) -> Any:
        """The numba module, generated and imported on first use."""
        if hvp not in self._modules:
            from symflow.codegen.cache import load_module

            self._modules[hvp] = load_module(self.source(hvp))
        return self._modules[hvp]

    @staticmethod
    def _reduce(out: np.ndarray) -> tuple[float, np.ndarray, tuple[int, int]]:
        P = out.shape[1] - 3
        total = out[:, : P + 1].sum(axis=0)
        bad = int(out[:, P + 1].sum())
        firsts = out[:, P + 2][out[:, P + 2] >= 0]
        first = int(firsts.min()) if firsts.size else -1
        value = float(total[0]) if bad == 0 else -np.inf
        return value, total[1:], (bad, first)

    def value_grad(self, xs: np.ndarray, theta: np.ndarray):
        """(ℓ, ∇ℓ, (number of points with zero density, first such index or −1)).

        ℓ is −inf when a point has zero density (or NaN log-density); the gradient then
        sums the other points only. The vectorised loop does not keep the first index
        (−1 with a positive count): :meth:`first_bad` finds it.
        """
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        k = _blocks(xs.shape[0])
        out = np.zeros((k, theta.size + 3))
        try:
            _run(self.module().value_grad_block, xs, (theta,), [(row,) for row in out])
        except ZeroDivisionError:  # numba's b**-k raises at b = 0 whatever the error model
            return -np.inf, np.zeros(theta.size), (xs.shape[0], -1)
        return self._reduce(out)

    def first_bad(self, xs: np.ndarray, theta: np.ndarray) -> int:
        """The index of the first point with zero density (or NaN log-density), or −1:
        bisection over the data with :meth:`value_grad` (log₂ n passes over halves)."""
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        lo, hi = 0, xs.shape[0]
        if not self.value_grad(xs, theta)[2][0]:
            return -1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.value_grad(xs[lo:mid], theta)[2][0]:
                hi = mid
            else:
                lo = mid
        return lo

    def value_grad_hvp(self, xs: np.ndarray, theta: np.ndarray, vs: np.ndarray):
        """(ℓ, ∇ℓ, ∇²ℓ · vs, bad points): ``vs`` has shape (P,) or (P, m)."""
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        vs = np.asarray(vs, dtype=np.float64)
        single = vs.ndim == 1
        vs2 = np.ascontiguousarray(vs.reshape(len(theta), 1 if single else vs.shape[1]))
        k = _blocks(xs.shape[0])
        out = np.zeros((k, theta.size + 3))
        hv = np.zeros((k, *vs2.shape))
        block = self.module(hvp=True).value_grad_hvp_block
        try:
            _run(block, xs, (theta, vs2), list(zip(out, hv, strict=True)))
        except ZeroDivisionError:  # as in value_grad
            nan = np.full(hv.shape[1:], np.nan)
            return -np.inf, np.zeros(theta.size), (nan[:, 0] if single else nan), (xs.shape[0], -1)
        value, grad, bad = self._reduce(out)
        hv = hv.sum(axis=0)
        return value, grad, (hv[:, 0] if single else hv), bad

    def hessian(self, xs: np.ndarray, theta: np.ndarray):
        """(ℓ, ∇ℓ, ∇²ℓ, bad points): the exact Hessian, P tangent passes per point."""
        return self.value_grad_hvp(xs, theta, np.eye(len(theta)))


@functools.lru_cache(maxsize=32)
def train_kernels(program) -> TrainKernels:
    """The training kernels of a bijective flow's program (generated once per program)."""
    return TrainKernels(program)
