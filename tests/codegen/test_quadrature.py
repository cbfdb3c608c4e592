"""The double-exponential rules of symflow.codegen.quadrature against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from symflow.codegen.quadrature import INTEGRAND, integrate_pieces


@njit(INTEGRAND)
def _two_cauchy_kernels(s, k, x, p):
    """1/((w² + 1)((x − w)² + 1)) at w = 0 + s (variant 0) or w = x + s (variant 1)."""
    if k == 0:
        return 1.0 / ((s * s + 1.0) * ((x - s) * (x - s) + 1.0))
    return 1.0 / (((x + s) * (x + s) + 1.0) * (s * s + 1.0))


@pytest.mark.parametrize("x", [0.5, 30.0, 1e9, 1e20, 1e60, 1e100])
def test_bumps_at_both_ends_of_a_long_piece(x) -> None:
    """∫ dw/((w² + 1)((x − w)² + 1)) = 2π/(x² + 4): one bump of width 1 at each end of
    [0, x]. A rule over a half of length 1e100 resolves nothing narrower than about
    1e63, and missed both bumps' inner halves (the sum of two Cauchy variables was off
    by log 2 at x = 1e100); each long half is integrated in ranges of distance from its
    end."""
    edges, anchors = np.array([0.0, x]), np.array([0, 1])
    got = integrate_pieces(_two_cauchy_kernels, edges, anchors, 2, 2, x, np.empty(0))
    want = 2 * math.pi / (x * x + 4)
    assert got == pytest.approx(want, rel=1e-10)
