"""Kernels on dask arrays, on a LocalCluster with worker processes."""

from __future__ import annotations

import os

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import symflow as sf

if os.environ.get("CI"):  # a test dependency (pip install ".[test]"): missing is a failure
    import dask.array as da
    import dask.distributed as distributed
else:
    da = pytest.importorskip("dask.array", reason="dask is an optional extra: symflow[dask]")
    distributed = pytest.importorskip("dask.distributed")

z = sp.Symbol("z", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def lognormal():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])


def test_log_prob_and_prob_blockwise_on_workers(client, lognormal):
    k = lognormal.compile()
    xs = da.random.RandomState(1).lognormal(size=50_000, chunks=12_500)
    got = k.log_prob(xs)
    assert isinstance(got, da.Array)
    values = got.compute()
    np.testing.assert_allclose(values, stats.lognorm(1).logpdf(xs.compute()), rtol=1e-12, atol=0)
    np.testing.assert_allclose(k.prob(xs).compute(), np.exp(values), rtol=1e-12, atol=0)


def test_parameters_travel_to_workers(client):
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sigma * z + mu, z)]).compile()
    xs = da.linspace(-3, 3, 1000, chunks=250)
    got = k.log_prob(xs, mu=0.5, sigma=2.0).compute()
    np.testing.assert_allclose(got, stats.norm(0.5, 2.0).logpdf(xs.compute()), rtol=1e-12, atol=0)


def test_sample_blocks_are_reproducible_and_independent(client, lognormal):
    k = lognormal.compile()
    a = k.sample(40_000, seed=7, chunks=10_000)
    assert a.chunks == ((10_000,) * 4,)
    on_workers = a.compute()
    local = k.sample(40_000, seed=7, chunks=10_000).compute(scheduler="sync")
    np.testing.assert_array_equal(on_workers, local)
    blocks = on_workers.reshape(4, -1)
    assert len({tuple(b[:5]) for b in blocks}) == 4  # independent streams, not copies
    assert stats.kstest(on_workers, stats.lognorm(1).cdf).pvalue > 1e-3


def test_two_dimensional_blocks(client):
    flow = sf.Flow(
        sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
        [sf.Transform([z1, z2 + z1**2], [z1, z2])],
    )
    k = flow.compile()
    s = k.sample(20_000, seed=2, chunks=5_000)
    assert s.shape == (20_000, 2)
    xs = s.compute()
    got = k.log_prob(da.from_array(xs, chunks=(4_000, 1))).compute()
    expected = stats.norm.logpdf(xs[:, 0]) + stats.norm.logpdf(xs[:, 1] - xs[:, 0] ** 2)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_check_with_dask_samples(client, lognormal):
    report = lognormal.check(n=100_000, seed=0, chunks=25_000)
    assert report.passed, str(report)
    assert [t.name for t in report.tests] == ["chi-square", "normalisation", "tail"]
    assert "KS skipped" in str(report)
