r"""The distance d from an end e of a support with P(e < Z < e + d) = p, exact for tiny p.

A base cut at a point a inside its parent's support (Truncated(N(0, 1), 0, 1)) has the
quantile F⁻¹(u) = F_B⁻¹(F_B(a) + u·m): next to a the sum F_B(a) + u·m rounds to F_B(a)
(½ + 1e-300 is ½), the quantile to a, and the distance z − a, which a flow such as
log(z − a) or log(z/(1 − z)) reads, is lost. :func:`distance_for_mass` recovers it by
Newton steps on the equation the distance solves,

    W(d) = P(e < Z < e + d) = p    (or P(e − d < Z < e) = p at an upper end),
    d ← d − (W(d) − p)/p_Z(e ± d),

from the rounded distance, or from 0 (the first step is then d = p/p_Z(e)); while W(d) is
more than a factor 2 from p the step is d ← d·p/W(d) instead. W is
integrated from the density by 8-point Gauss–Legendre while d is below the base's
quadrature width (the difference of two CDF values would cancel there), with every node
held strictly inside the support (e + 1e-300 is e for e = ½, and the density is 0 on the
end itself), and is the module's interval probability beyond it. The steps stop when they
move d by less than 4 units in its last place.

Accuracy: W to a few ulp relative to p (quadrature over d ≤ scale/20, where the density
changes little), so d to a few ulp wherever p_Z is smooth next to e, from d = 1e-300·m/p_Z(e)
up to the median. Measured against mpmath in tests/codegen/test_quantile_kernel.py.

Examples
--------
>>> from numba import njit
>>> @njit
... def density(z, rate):
...     return rate * math.exp(-rate * z) if z > 0.0 else 0.0
>>> @njit
... def width(lo, w, rate):  # P(lo < Z < lo + w) of the exponential
...     return math.exp(-rate * lo) * -math.expm1(-rate * w)
>>> @njit
... def near_one(p):  # P(1 < Z < 1 + d) = p for Exponential(1)
...     return distance_for_mass(density, width, p, 0.0, 1.0, 0.0, 0.05, (1.0,))
>>> abs(near_one(1e-300) / (1e-300 * math.e) - 1.0) < 1e-15
True
>>> abs(near_one(0.25) + math.log1p(-0.25 * math.e)) < 1e-15  # d = −log(1 − p·e)
True
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["distance_for_mass"]

_EPS = 2.220446049250313e-16

# 8-point Gauss–Legendre on (−1, 1): the positive nodes and their weights
_X1, _W1 = 0.1834346424956498, 0.3626837833783620
_X2, _W2 = 0.5255324099163290, 0.3137066458778873
_X3, _W3 = 0.7966664774136267, 0.2223810344533745
_X4, _W4 = 0.9602898564975363, 0.1012285362903763


@njit(error_model="numpy", forceinline=True)
def _inside(density, z, inner, top, params):
    """p_Z at z held on the support's side of ``inner`` (the float next to its end)."""
    if top > 0.0:
        return density(min(z, inner), *params)
    return density(max(z, inner), *params)


@njit(error_model="numpy", forceinline=True)
def _mass(density, width, d, edge, top, small, inner, params):
    """W(d) = P(e < Z < e + d), or P(e − d < Z < e) at an upper end (top > 0)."""
    if not d > 0.0:
        return 0.0
    if d > small:
        return width(edge - d if top > 0.0 else edge, d, *params)
    half = 0.5 * d
    mid = edge - half if top > 0.0 else edge + half
    s = _W1 * (
        _inside(density, mid - half * _X1, inner, top, params)
        + _inside(density, mid + half * _X1, inner, top, params)
    )
    s += _W2 * (
        _inside(density, mid - half * _X2, inner, top, params)
        + _inside(density, mid + half * _X2, inner, top, params)
    )
    s += _W3 * (
        _inside(density, mid - half * _X3, inner, top, params)
        + _inside(density, mid + half * _X3, inner, top, params)
    )
    s += _W4 * (
        _inside(density, mid - half * _X4, inner, top, params)
        + _inside(density, mid + half * _X4, inner, top, params)
    )
    return half * s


@njit(error_model="numpy", forceinline=True)
def distance_for_mass(density, width, p, d, edge, top, small, params):
    """d > 0 with P(e < Z < e + d) = p (``top`` = 0.0) or P(e − d < Z < e) = p (``top``
    = 1.0), by Newton steps from the estimate ``d`` (0 or nan: from nothing).

    Parameters
    ----------
    density, width : numba functions of (z, *params) and (lo, w, *params)
        p_Z (0 outside the support) and P(lo < Z < lo + w), accurate for w above ``small``.
    p : float
        The probability between the end and the point sought (0 <= p <= ½ in use).
    d : float
        A first estimate of the distance, such as the rounded |F⁻¹(…) − e|.
    edge : float
        The end e of the support.
    top : float
        1.0 at an upper end, 0.0 at a lower one.
    small : float
        The width below which W is integrated by quadrature (the base's threshold).
    params : tuple
        The flow's parameters, passed on to ``density`` and ``width``.

    Inlined into its caller, as :func:`symflow.codegen.solvers.solve_cdf` is.
    """
    if p != p:
        return math.nan
    if not p > 0.0:
        return 0.0
    inner = np.nextafter(edge, -math.inf if top > 0.0 else math.inf)
    if not (d > 0.0 and d < math.inf):
        d = 0.0
    for _ in range(64):
        w = _mass(density, width, d, edge, top, small, inner, params)
        g = _inside(density, edge - d if top > 0.0 else edge + d, inner, top, params)
        if w == p or not g > 0.0 or w != w:
            return d
        if w > 2.0 * p or 0.0 < w < 0.5 * p:
            # far from the root: scale d by p/W(d) (W is nearly linear there, and a Newton
            # step from d >> p/g would be lost in the rounding of d − W(d)/g)
            nxt = d * (p / w)
        else:
            nxt = d - (w - p) / g
        if not nxt > 0.0:
            nxt = 0.5 * d
        if abs(nxt - d) <= 4.0 * _EPS * nxt:
            return nxt
        d = nxt
    return d
