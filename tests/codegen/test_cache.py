"""The on-disk kernel cache: rebuilt when stale or corrupted, safe under concurrency."""

from __future__ import annotations

import hashlib
import json
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


# --------------------------------------------------------------------------- native code
NO_NUMBA = SCRIPT + 'import sys\nprint("numba" in sys.modules)\n'


def _native_files(cache):
    return sorted((cache / "native").glob("*.o")), sorted((cache / "native").glob("*.json"))


def test_native_machine_code_is_written_with_its_record(reference):
    cache, _ = reference
    codes, records = _native_files(cache)
    assert codes and len(codes) == len(records)
    record = json.loads(records[0].read_text())
    assert record["sha256"] == hashlib.sha256(codes[0].read_bytes()).hexdigest()
    assert record["symbol"].startswith("cfunc.")


def test_a_cached_kernel_loads_without_importing_numba(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    env = {**os.environ, "SYMFLOW_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", NO_NUMBA], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [value, "False"]


@pytest.mark.parametrize(
    "damage", ["garbage code", "truncated code", "empty code", "garbage record", "other symbol"]
)
def test_damaged_native_code_is_never_loaded_and_is_rebuilt(tmp_path, reference, damage):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    codes, records = _native_files(tmp_path)
    for code, record in zip(codes, records, strict=True):
        data = code.read_bytes()
        if damage == "garbage code":
            code.write_bytes(os.urandom(len(data)))
        elif damage == "truncated code":
            code.write_bytes(data[: len(data) // 2])
        elif damage == "empty code":
            code.write_bytes(b"")
        elif damage == "garbage record":
            record.write_text("{not json")
        else:  # a record whose hash matches but names a symbol that is not in the code
            meta = json.loads(record.read_text())
            meta["symbol"] = "cfunc.no_such_function"
            record.write_text(json.dumps(meta))
    out = subprocess.run(
        [sys.executable, "-c", NO_NUMBA],
        env={**os.environ, "SYMFLOW_CACHE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == value
    # rebuilt: the next process loads the rewritten code without numba
    out = subprocess.run(
        [sys.executable, "-c", NO_NUMBA],
        env={**os.environ, "SYMFLOW_CACHE_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.stdout.split() == [value, "False"], out.stderr


def test_a_record_needing_an_unknown_symbol_is_not_loaded(tmp_path, reference):
    from symflow.codegen import native

    cache, _ = reference
    codes, records = _native_files(cache)
    prefix = tmp_path / "kernel"
    code_path, record_path = native._paths(prefix)
    code_path.write_bytes(codes[0].read_bytes())
    meta = json.loads(records[0].read_text())
    assert native.load_native(prefix, meta["columns"]) is None  # no record yet
    meta["undefined"] = [*meta["undefined"], "symflow_no_such_runtime_symbol"]
    record_path.write_text(json.dumps(meta))
    assert native.load_native(prefix, meta["columns"]) is None
    meta["undefined"] = meta["undefined"][:-1]
    record_path.write_text(json.dumps(meta))
    assert native.load_native(prefix, meta["columns"] + 1) is None  # another signature
    kernel = native.load_native(prefix, meta["columns"])
    assert kernel is not None and kernel.source == "cache"
