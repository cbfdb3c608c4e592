"""Stable log forms where a log meets a normal tail: log erfc, log Φ, log(1 − Φ), erfc⁻¹(e^v).

Oracle: mpmath at 50 digits."""

from __future__ import annotations

import mpmath as m
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.rewrite import stabilise
from symflow.core.special import _mp_erfcinv, log_ndtr

x = sp.Symbol("x", real=True)
z = sp.Symbol("z", real=True)


@pytest.mark.parametrize(
    ("expr", "want"),
    [
        (sp.log(sp.erfc(x)), sp.log(2) + log_ndtr(-sp.sqrt(2) * x)),
        (sp.log(sp.erf(x / sp.sqrt(2)) / 2 + sp.Rational(1, 2)), log_ndtr(x)),
        (sp.log(sp.Rational(1, 2) - sp.erf(x / sp.sqrt(2)) / 2), log_ndtr(-x)),
    ],
    ids=["log-erfc", "log-Phi", "log-survival"],
)
def test_tail_logs_become_log_ndtr(expr, want) -> None:
    assert stabilise(expr) == want


@pytest.fixture(scope="module")
def minus_log_erfc():
    return sf.Flow(sf.Gamma(2, 1), [sf.Transform(-sp.log(sp.erfc(z)), z)]).compile()


def test_minus_log_erfc_on_gamma_far_in_the_tail(minus_log_erfc) -> None:
    xs = [1e-10, 0.1, 1.0, 100.0, 700.0, 740.0, 800.0, 1e4, 1e6]
    want = []
    with m.workdps(50):
        for v in xs:
            w = _mp_erfcinv(m.exp(-m.mpf(v)))
            log_det = m.log(2 / m.sqrt(m.pi)) - w * w - m.log(m.erfc(w))
            want.append(float(m.log(w) - w - log_det))
    got = minus_log_erfc.log_prob(np.array(xs))
    err = np.abs(got - np.array(want)) / np.maximum(1.0, np.abs(want))
    assert np.all(err <= 1e-12), err
    assert minus_log_erfc.log_prob(np.array([0.0, -1.0]))[0] == -np.inf
