"""Exact moments are used only after they agree with numerical ones."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symflow as sf
from symflow.core import cdf

z = sp.Symbol("z", real=True)


@pytest.mark.parametrize(
    "wrong",
    [sp.EulerGamma + sp.I * sp.pi, sp.Integer(42)],
    ids=["complex", "wrong-real"],
)
def test_a_wrong_exact_moment_falls_back_to_the_numeric_one(monkeypatch, wrong):
    """E[exp(Z)] = e^(1/2) and E[exp(2Z)] = e^2 for Z ~ N(0, 1) (the log-normal)."""
    monkeypatch.setattr(cdf, "flow_moment", lambda *args, **kwargs: wrong)
    dist = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).to_scipy()
    assert dist.mean() == pytest.approx(math.exp(0.5), rel=1e-8)
    assert dist.var() == pytest.approx(math.exp(2) - math.exp(1), rel=1e-7)
    assert sf.stats.scipy_dist.moment(dist.dist._flow, 1) == pytest.approx(math.exp(0.5), rel=1e-8)
