r"""numba helpers that generated kernel modules import: cot, sec, …, the stable forms
log cosh, log sinh, ½·log(1 + v²), √(1 + v²) and log-sums of paths.

The kernel printer translates SymPy functions that ``math`` lacks to these
(:data:`symflow.codegen.printer.TRANSLATIONS`), and the stable rewrites
(:mod:`symflow.codegen.rewrite`) to the scalar forms here: a kernel module imports them under
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
>>> logcosh(800.0) == logsinh(800.0) == 800.0 - math.log(2.0), log1p_sq(1e300)
(True, 690.7755278982137)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from symflow.codegen.simdmath import two_product as _two_product  # Dekker, without fastmath

__all__ = [
    "cot",
    "acot",
    "sec",
    "csc",
    "softplus",
    "sigmoid",
    "logaddexp",
    "logcosh",
    "logsinh",
    "log1p_sq",
    "hypot1",
    "sub_exact",
    "combine_paths",
    "sign_of_products",
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
def sigmoid(v):
    """1/(1 + e^−v) = e^v/(1 + e^v), without overflow in either tail."""
    e = math.exp(-abs(v))
    if v >= 0.0:
        return 1.0 / (1.0 + e)
    return e / (1.0 + e)


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
def logcosh(v):
    """log(cosh v) without overflow; log1p(cosh v − 1) near 0 (no cancellation)."""
    a = abs(v)
    if a < 1.0:
        t = math.expm1(a)
        return math.log1p(t * (t / (1.0 + t)) * 0.5)
    return (a - 0.6931471805599453) + math.log1p(math.exp(-2.0 * a))


@njit(**_JIT)
def logsinh(v):
    """log(sinh v) for v > 0 without overflow (as simdmath.simd_logsinh)."""
    if v >= 1.25:
        return (v - 0.6931471805599453) + math.log1p(-math.exp(-2.0 * v))
    if v >= 0.65:  # log1p(sinh v − 1), sinh v − 1 = 2 cosh((v + asinh 1)/2) sinh((v − asinh 1)/2)
        delta = (v - 0.881373587019543) - -2.250545892825866e-17
        return math.log1p(2.0 * math.cosh(0.5 * v + 0.4406867935097715) * math.sinh(0.5 * delta))
    return math.log(math.sinh(v))


@njit(**_JIT)
def sub_exact(x, hi, lo):
    """x − c for c = hi + lo (hi its nearest float): exact next to c (Sterbenz)."""
    return (x - hi) - lo


@njit(**_JIT)
def log1p_sq(v):
    """½·log(1 + v²) without overflow: log|v| + ½·log1p(1/v²) for |v| > 1e150."""
    a = abs(v)
    if a > 1e150:
        return math.log(a) + 0.5 * math.log1p((1.0 / a) * (1.0 / a))
    return 0.5 * math.log1p(a * a)


@njit(**_JIT)
def hypot1(v):
    """√(1 + v²) without overflow: |v| for |v| > 2²⁷, where the two agree to the last bit."""
    a = abs(v)
    if a > 134217728.0:
        return a
    return math.sqrt(1.0 + a * a)


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


@njit(**_JIT)
def _grow(expansion, m, b):
    """Add b to the nonoverlapping expansion[:m] (Shewchuk's Grow-Expansion); new length."""
    q = b
    for i in range(m):
        s = q + expansion[i]
        v = s - q
        expansion[i] = (q - (s - v)) + (expansion[i] - v)  # the rounding error of q + e_i
        q = s
    expansion[m] = q
    return m + 1


@njit(**_JIT)
def sign_of_products(*factors):
    """sign(a₁·b₁ + a₂·b₂ + …) for factors (a₁, b₁, a₂, b₂, …), exact for float64 inputs.

    The float sum decides where it is farther from 0 than its rounding error can reach;
    next to 0 each product is split into its float and its exact error (two-product) and
    the parts are summed exactly as a floating-point expansion (Shewchuk), whose sign is
    that of its largest part. Exact unless a product's error underflows (|a·b| < 2^-969)
    or a factor exceeds 2^995; NaN for NaN factors.
    """
    n = len(factors) // 2
    total = 0.0
    size = 0.0
    for i in range(n):
        p = factors[2 * i] * factors[2 * i + 1]
        total += p
        size += abs(p)
    if total != total or math.isinf(size):
        return total if total != total else math.copysign(1.0, total)
    if abs(total) > 2.0 * (n + 2) * 1.1102230246251565e-16 * size + n * 5e-324:
        return math.copysign(1.0, total)
    expansion = np.zeros(2 * n)
    m = 0
    for i in range(n):
        p, e = _two_product(factors[2 * i], factors[2 * i + 1])
        m = _grow(expansion, m, p)
        m = _grow(expansion, m, e)
    for i in range(m - 1, -1, -1):
        if expansion[i] != 0.0:
            return math.copysign(1.0, expansion[i])
    return 0.0
