"""Residuals f − L of a monotone map at the finite limits L of its ends, written so that L
cancels: what a root solver of f(t) = y needs where y is next to L (see
:mod:`symflow.codegen.solvers`).

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> limit_residuals(sp.erf(t), t, sp.S.Zero, sp.oo)
[(1, -erfc(t))]
"""

from __future__ import annotations

import sympy as sp

from symflow.core.constants import is_finite_number
from symflow.core.intervals import endpoint_value
from symflow.core.special import distance_to_limit

__all__ = ["limit_residuals"]


def limit_residuals(forward: sp.Expr, t: sp.Symbol, lo: sp.Expr, hi: sp.Expr) -> list:
    """[(L, f − L)] for each finite limit L of f at an end of the piece (lo, hi) where
    f − L has a form in which L cancels (:func:`symflow.core.special.distance_to_limit`).

    The kernel's implicit inverse solves g = f − L against y − L for y nearer to L than to
    the other end of the image, and g = f against y otherwise.

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> limit_residuals(sp.zeta(t + 2), t, sp.S.Zero, sp.oo)
    [(1, zetac(t + 2))]
    """
    out = []
    for end, side in ((lo, "+"), (hi, "-")):
        limit = endpoint_value(forward, t, end, side)
        if limit.is_number and is_finite_number(limit):
            distance = distance_to_limit(forward, t, limit)
            if distance is not None:
                out.append((limit, distance))
    return out
