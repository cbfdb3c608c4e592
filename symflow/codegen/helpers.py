r"""numba helpers that generated kernel modules import: cot, sec, … and log-sums of paths.

The kernel printer translates SymPy functions that ``math`` lacks to these
(:data:`symflow.codegen.printer.TRANSLATIONS`): a kernel module imports them under
underscored names (``from symflow.codegen.helpers import cot as _cot``), so that they
never collide with the identifiers of a flow's symbols. Like
:mod:`symflow.codegen.simdmath`, this module is real code: numba compiles each function
into the kernels that call it, and the kernel cache hashes this file (a change recompiles
the kernels).

Examples
--------
>>> round(cot(1.0), 12), round(softplus(800.0), 6)
(0.642092615934, 800.0)
>>> logaddexp(-math.inf, 2.0)
2.0
"""

from __future__ import annotations

import math

from numba import njit

__all__ = [
    "cot",
    "acot",
    "sec",
    "csc",
    "softplus",
    "logaddexp",
    "combine_paths",
]

_JIT = {"cache": True, "error_model": "numpy"}


@njit(**_JIT)
def cot(v):
    """cot v = 1 / tan v."""
    return 1.0 / math.tan(v)


@njit(**_JIT)
def acot(v):
    """acot v = atan(1 / v)."""
    return math.atan(1.0 / v)


@njit(**_JIT)
def sec(v):
    """sec v = 1 / cos v."""
    return 1.0 / math.cos(v)


@njit(**_JIT)
def csc(v):
    """csc v = 1 / sin v."""
    return 1.0 / math.sin(v)


@njit(**_JIT)
def softplus(v):
    """log(1 + e^v), without overflow for large v."""
    if v > 0.0:
        return v + math.log1p(math.exp(-v))
    return math.log1p(math.exp(v))


@njit(**_JIT)
def logaddexp(a, b):
    """log(e^a + e^b) = max(a, b) + log1p(e^−|a−b|), exact when either is −inf."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    m = max(a, b)
    return m + math.log1p(math.exp(-abs(a - b)))


@njit(**_JIT)
def combine_paths(lps, gs, hs, g, h):
    """log p = log Σ_q e^{ℓ_q} over the inverse paths, with its gradient into ``g`` and
    Hessian into ``h``.

    ``lps[q]`` is path q's log term ℓ_q (−inf where it does not apply), ``gs[q]`` its
    gradient and ``hs[q]`` its Hessian in the parameters. With weights w_q = e^{ℓ_q} / p,
    ∇ log p = Σ w_q ∇ℓ_q and ∇² log p = Σ w_q (∇²ℓ_q + ∇ℓ_q ∇ℓ_qᵀ) − ∇ log p ∇ log pᵀ.
    """
    K = lps.shape[0]
    P = g.shape[0]
    m = -math.inf
    for q in range(K):
        if lps[q] > m:
            m = lps[q]
    if not (m > -math.inf):
        return -math.inf
    s = 0.0
    for q in range(K):
        if lps[q] > -math.inf:
            s += math.exp(lps[q] - m)
    for j in range(P):
        g[j] = 0.0
        for k in range(P):
            h[j, k] = 0.0
    for q in range(K):
        if lps[q] > -math.inf:
            w = math.exp(lps[q] - m) / s
            for j in range(P):
                g[j] += w * gs[q, j]
                for k in range(P):
                    h[j, k] += w * (hs[q, j, k] + gs[q, j] * gs[q, k])
    for j in range(P):
        for k in range(P):
            h[j, k] -= g[j] * g[k]
    return m + math.log(s)
