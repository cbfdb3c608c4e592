"""Compiled log-likelihood, gradient and Hessian-vector products of a flow, summed over data.

    ℓ(θ) = Σ_i log p_X(x_i; θ),   ∇ℓ(θ),   ∇²ℓ(θ)·V  (V: P × m directions)

The reverse-mode gradient and its tangents (:mod:`symflow.core.adjoint`) are printed with
kernel.py's emitter (common-subexpression elimination, the stable rewrites, the
:class:`~symflow.codegen.printer.KernelPrinter`) into one numba module whose loops run the
inverse pass, the adjoint pass and the sums for each point in one go. The data are split
into blocks that run on numba's threads (``prange``); each block keeps its sums in local
scalars. With m directions the tangent pass runs m times per point after one forward and
one reverse pass (V = I gives the exact Hessian).

Each loop returns, per block, ``[Σ log p, Σ ∇ log p (P), number of points with
log p = −inf or NaN, index of the first such point or −1]`` (and Σ ∇² log p · V).

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

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from symflow.core.adjoint import reverse_gradient, tangent
from symflow.errors import CompileError

__all__ = ["TrainKernels", "train_kernels", "train_source"]

_DECORATOR = '@njit(parallel=True, cache=True, error_model="numpy")'

#: the loops' frame; {setup} binds the parameters from theta, {body} is one point
_LOOP = '''

{decorator}
def {name}(xs, theta{extra}, nblocks):
    """{doc}"""
    n = xs.shape[0]
    out = np.zeros((nblocks, {width}))
{allocate}    for b in prange(nblocks):
        lo = (b * n) // nblocks
        hi = ((b + 1) * n) // nblocks
{setup}        bad = 0.0
        first = -1.0
        for i in range(lo, hi):
{body}
{store}    return out{also}
'''


def _plain(region: sp.Set, em) -> sp.Basic:
    """``x in region`` as a Boolean in the emitter's names, on a plain real symbol (the
    program's x carries the support's assumptions, under which SymPy drops the test)."""
    plain = sp.Dummy("x", real=True)
    cond = region.as_relational(plain)
    mapping = {plain: em.names[em.program.x]}
    mapping.update({p: em.names[p] for p in em.program.parameters})
    return cond.xreplace(mapping)


@dataclass(frozen=True)
class _Parts:
    """What the loop bodies print: the statements and the names they define."""

    inputs: list[str]
    guard: str | None  # a condition on the inputs checked before the inverse pass
    checks: str | None  # a condition on the states checked after it
    forward: list[str]  # forward, adjoint and (for hvp) local partial statements
    result: str
    gradient: list[str]
    tangent: list[str]
    direction: list[str]
    hvp: list[str]


def _parts(program, directions: bool):
    from symflow.codegen.cdf_kernel import emitter

    if len(program.paths) != 1:
        raise CompileError(
            f"The training kernels take a bijective flow (one inverse path); this flow has "
            f"{len(program.paths)} paths. Fit it with method='trust-exact'."
        )
    path = program.paths[0]
    params = program.parameters
    em = emitter(program)
    grad = reverse_gradient(path.assignments, path.result, params)
    statements = list(grad.assignments)
    tan = None
    if directions:
        tan = tangent(grad.assignments, params, grad.gradient)
        statements += list(tan.partials)
    d = program.dimension
    inputs = ["x"] if d == 1 else [f"x{j + 1}" for j in range(d)]
    guard = None
    checks = None
    if d == 1:
        support = _plain(program.support, em)
        if support is not sp.true:
            guard = em.code(support)
    elif path.checks:
        checks = sp.And(*path.checks)
    forward = em.statements(statements, " " * 12)
    if checks is not None:
        checks = em.code(em.rename(checks))
    gradient = ["0.0" if g == 0 else str(em.sym(g)) for g in grad.gradient]
    out_tangent: list[str] = []
    direction: list[str] = []
    hvp: list[str] = []
    if tan is not None:
        given = [s for s in em.names if s not in tan.direction]
        direction = [str(em.sym(v)) for v in tan.direction]
        out_tangent = em.statements(tan.assignments, " " * 16, given=(*given, *tan.direction))
        hvp = ["0.0" if t == 0 else str(em.sym(t)) for t in tan.derivatives]
    return em, _Parts(
        inputs,
        guard,
        checks,
        forward,
        str(em.sym(grad.result)),
        gradient,
        out_tangent,
        direction,
        hvp,
    )


def _loop(em, parts: _Parts, hvp: bool) -> str:
    P = len(parts.gradient)
    d = len(parts.inputs)
    setup = "".join(f"        {p} = theta[{j}]\n" for j, p in enumerate(em.param_names))
    setup += "".join(f"        acc_{j} = 0.0\n" for j in range(P + 1))
    body = []
    if d == 1:
        body.append("            x = xs[i]")
    else:
        body += [f"            {name} = xs[i, {j}]" for j, name in enumerate(parts.inputs)]
    skip = [
        "                bad += 1.0",
        "                if first < 0.0:",
        "                    first = float(i)",
        "                continue",
    ]
    if parts.guard is not None:
        body.append(f"            if not ({parts.guard}):")
        body += skip
    body += parts.forward
    ok = f"{parts.result} > -math.inf and {parts.result} < math.inf"
    if parts.checks is not None:
        ok = f"({parts.checks}) and {ok}"
    body.append(f"            if not ({ok}):")
    body += skip
    body.append(f"            acc_0 += {parts.result}")
    body += [f"            acc_{j + 1} += {g}" for j, g in enumerate(parts.gradient)]
    if hvp:
        body.append("            for k in range(m):")
        body += [f"                {v} = vs[{j}, k]" for j, v in enumerate(parts.direction)]
        body += parts.tangent
        body += [f"                hv[b, {j}, k] += {h}" for j, h in enumerate(parts.hvp)]
    store = "".join(f"        out[b, {j}] = acc_{j}\n" for j in range(P + 1))
    store += f"        out[b, {P + 1}] = bad\n        out[b, {P + 2}] = first\n"
    name = "value_grad_hvp" if hvp else "value_grad"
    doc = (
        "Per block: Σ log p, Σ ∇ log p, bad points, first bad; and Σ ∇² log p · vs."
        if hvp
        else "Per block: Σ log p, Σ ∇ log p, bad points, first bad index (or -1)."
    )
    return _LOOP.format(
        decorator=_DECORATOR,
        name=name,
        extra=", vs" if hvp else "",
        doc=doc,
        width=P + 3,
        allocate=(f"    m = vs.shape[1]\n    hv = np.zeros((nblocks, {P}, m))\n" if hvp else ""),
        setup=setup,
        body="\n".join(body),
        store=store,
        also=", hv" if hvp else "",
    )


def train_source(program, hvp: bool = False) -> str:
    """The numba module with ``value_grad`` (or, with ``hvp``, ``value_grad_hvp``)."""
    from symflow.codegen.cdf_kernel import module_header
    from symflow.codegen.printer import HELPERS

    em, parts = _parts(program, directions=hvp)
    header = module_header().replace(
        "from numba import carray, njit", "from numba import carray, njit, prange"
    )
    if "prange" not in header:
        header += "from numba import prange\n"
    return header + HELPERS + "".join(em.solvers) + _loop(em, parts, hvp=hvp)


def _blocks(n: int) -> int:
    """Blocks of at least 4,000 points, at most one per thread."""
    from symflow.codegen.native import thread_count

    return max(1, min(thread_count(), n // 4000))


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
            from symflow.codegen.kernel import _load

            self._modules[hvp] = _load(self.source(hvp))
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
        sums the other points only.
        """
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        out = self.module().value_grad(xs, theta, _blocks(xs.shape[0]))
        return self._reduce(out)

    def value_grad_hvp(self, xs: np.ndarray, theta: np.ndarray, vs: np.ndarray):
        """(ℓ, ∇ℓ, ∇²ℓ · vs, bad points): ``vs`` has shape (P,) or (P, m)."""
        xs = np.ascontiguousarray(xs, dtype=np.float64)
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        vs = np.asarray(vs, dtype=np.float64)
        single = vs.ndim == 1
        vs2 = np.ascontiguousarray(vs.reshape(len(theta), -1))
        out, hv = self.module(hvp=True).value_grad_hvp(xs, theta, vs2, _blocks(xs.shape[0]))
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
