"""Shape parameters of a base fit by maximum likelihood, as scipy.stats fits them: the
gradient and Hessian of the log-likelihood need digamma and trigamma in the kernels."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

z = sp.Symbol("z", real=True)


def test_student_t_degrees_of_freedom_location_and_scale() -> None:
    nu, s = sp.Symbol("nu", positive=True), sp.Symbol("s", positive=True)
    mu = sp.Symbol("mu", real=True)
    data = stats.t(4.5, 1.0, 2.0).rvs(3000, random_state=np.random.default_rng(0))
    result = sf.Flow(sf.StudentT(nu), [sf.Transform(mu + s * z, z)]).fit(data)
    assert result.success
    df, loc, scale = stats.t.fit(data)
    got = result.params
    # scipy's optimiser stops about 1e-6 short of the maximum; ours reaches it
    np.testing.assert_allclose([got["nu"], got["mu"], got["s"]], [df, loc, scale], rtol=2e-5)
    ours = stats.t(got["nu"], got["mu"], got["s"]).logpdf(data).sum()
    assert ours >= stats.t(df, loc, scale).logpdf(data).sum() - 1e-9
    assert result.loglik == pytest.approx(ours, rel=1e-12)


def test_gamma_shape_and_scale_with_the_location_fixed_at_zero() -> None:
    a, b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
    data = stats.gamma(2.7, scale=1.6).rvs(3000, random_state=np.random.default_rng(1))
    result = sf.Flow(sf.Gamma(a, 1), [sf.Transform(b * z, z)]).fit(data)
    assert result.success
    shape, _, scale = stats.gamma.fit(data, floc=0)
    np.testing.assert_allclose([result.params["a"], result.params["b"]], [shape, scale], rtol=1e-9)
    assert result.loglik == pytest.approx(stats.gamma(shape, scale=scale).logpdf(data).sum())
