"""The on-disk kernel cache: rebuilt when stale or corrupted, safe under concurrency."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import numpy as np, sympy as sp, symflow as sf
    z = sp.Symbol("z", real=True)
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * sp.sinh(z) + 1, z)]).compile()
    print(repr(float(k.log_prob(np.array([0.3]))[0])))
    """
)


def _run(cache, check=True):
    env = {**os.environ, "SYMFLOW_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return cache, _run(cache).stdout.strip()


def test_cached_module_and_numba_files_are_written(reference):
    cache, _ = reference
    assert list(cache.glob("symflow_kernel_*.py"))
    assert list((cache / "__pycache__").glob("*.nbi"))


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_corrupted_numba_cache_is_rebuilt(tmp_path, reference, damage):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    files = list((tmp_path / "__pycache__").glob("*.nb*"))
    assert files
    for f in files:
        data = f.read_bytes()
        f.write_bytes(
            {"garbage": os.urandom(64), "truncate": data[: len(data) // 3], "empty": b""}[damage]
        )
    out = _run(tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == value


def test_corrupted_module_file_is_rewritten(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    for f in tmp_path.glob("symflow_kernel_*.py"):
        f.write_text("this is not python (")
    assert _run(tmp_path).stdout.strip() == value


def test_stale_module_from_another_version_is_replaced(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    for f in tmp_path.glob("symflow_kernel_*.py"):
        f.write_text(f.read_text().replace("log_prob_1", "log_prob_1_old"))
    assert _run(tmp_path).stdout.strip() == value


def test_concurrent_processes_share_one_cache(tmp_path, reference):
    _, value = reference
    env = {**os.environ, "SYMFLOW_CACHE_DIR": str(tmp_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert {o.strip() for o, _ in outs} == {value}
    assert not list(tmp_path.glob("*.tmp"))
    assert _run(tmp_path).stdout.strip() == value  # and the cache they left is sound
