"""The training kernel's generated module for a flow without parameters: its sums against
the log-density written by hand (scipy's normal through the inverse map)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf
from symflow.codegen.train_kernel import train_kernels


def test_a_flow_without_parameters_has_value_and_empty_hessian_products():
    """x = sinh z, z ~ N(0, 1): log p(x) = log φ(asinh x) − ½ log(1 + x²); with no
    parameter the Hessian-vector block has no directions to loop over (and compiles)."""
    z = sp.Symbol("z", real=True)
    k = train_kernels(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sinh(z), z)]).program)
    xs = np.array([-3.0, -0.5, 0.0, 0.25, 40.0])
    want = np.sum(stats.norm.logpdf(np.arcsinh(xs)) - 0.5 * np.log1p(xs**2))
    out, hv = np.zeros(3), np.zeros((0, 2))
    k.module(hvp=True).value_grad_hvp_block(xs, np.zeros(0), np.zeros((0, 2)), 0, 5, out, hv)
    assert out[0] == pytest.approx(want, rel=1e-14, abs=0)
    assert out[1:].tolist() == [0.0, -1.0]  # no bad point
