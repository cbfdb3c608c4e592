"""Kernels over dask arrays: blockwise evaluation and blockwise seeded sampling.

``k.log_prob(x)`` / ``k.prob(x)`` on a dask array map the compiled kernel over its
blocks (in d dimensions the blocks are rechunked to hold whole rows).
``k.sample(n, seed=s, chunks=c)`` returns a dask array whose blocks draw from
independent streams spawned from ``SeedSequence(s)``: the same (n, s, c) gives the same
samples on any scheduler, threads or worker processes. Kernels pickle by reference to
their module file in the kernel cache, so workers on the same machine or a shared file
system load the compiled code instead of recompiling the flow.

Requires the optional extra ``symflow[dask]``.

Examples
--------
>>> import sympy as sp, dask.array as da
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
>>> k.log_prob(da.from_array([0.5, 1.0], chunks=1)).compute()
array([-0.46601786, -0.91893853])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_dask", "map_kernel", "sample_blocks"]


def is_dask(value: Any) -> bool:
    """True for dask arrays (without importing dask)."""
    return type(value).__module__.startswith("dask.") and hasattr(value, "map_blocks")


def _apply(block: np.ndarray, kernels, method: str, params: dict) -> np.ndarray:
    return np.asarray(getattr(kernels, method)(block, **params), dtype=np.float64).reshape(
        block.shape[:1]
    )


def map_kernel(kernels, method: str, xs, params: dict):
    """``kernels.<method>`` evaluated block by block over a dask array."""
    point = kernels.point_shape  # () for numbers, (d,) for rows of d coordinates
    if xs.shape[1:] != point:
        from symflow.errors import ParameterError

        raise ParameterError(
            f"Expected a dask array of shape {(xs.shape[0], *point)}; got {xs.shape}."
        )
    rows = list(range(1, xs.ndim))  # whole rows in each block, reduced to one number each
    xs = xs.rechunk({axis: -1 for axis in rows})
    return xs.map_blocks(_apply, kernels, method, params, drop_axis=rows, dtype=np.float64)


def _sample_block(kernels, size: int, seed, params: dict) -> np.ndarray:
    return kernels.sample(size, seed=np.random.default_rng(seed), **params)


def sample_blocks(kernels, n: int, seed, chunks, params: dict):
    """n samples as a dask array, each block from its own spawned seed stream."""
    import dask
    import dask.array as da

    sizes = da.core.normalize_chunks(chunks, (int(n),))[0]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    blocks = [
        da.from_delayed(
            dask.delayed(_sample_block)(kernels, size, stream, params),
            shape=(size, *kernels.point_shape),
            dtype=np.float64,
        )
        for size, stream in zip(sizes, streams, strict=True)
    ]
    return da.concatenate(blocks, axis=0)
