"""The kernel cache as a trust boundary: only this user's own files are read, and nothing
planted in the cache runs (a hostile object, a hostile pickle)."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from symflow.codegen import native, trust
from symflow.errors import CacheWarning

ARRAY = textwrap.dedent(
    """
    import sys
    import numpy as np, sympy as sp, symflow as sf
    z = sp.Symbol("z", real=True)
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * sp.sinh(z) + 1, z)]).compile()
    print(repr(float(k.log_prob(np.array([0.3]))[0])))
    print(repr(float(k.log_prob_1(0.3))))
    print("numba" in sys.modules)
    """
)


def _want() -> float:
    """2 sinh(z) + 1 of a standard normal at x = 0.3, by hand."""
    zs = np.arcsinh((0.3 - 1) / 2)
    return float(-0.5 * zs**2 - 0.5 * np.log(2 * np.pi) - np.log(2 * np.cosh(zs)))


def _run(cache: Path, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(SYMFLOW_CACHE_DIR=str(cache), **env_extra)
    return subprocess.run(
        [sys.executable, "-c", ARRAY], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A cache written by one process: the kernel module, numba's files, native code."""
    folder = tmp_path_factory.mktemp("trusted") / "kernels"
    out = _run(folder)
    assert out.returncode == 0, out.stderr
    return folder


class _Marker:
    """A pickle that creates a file when it is unpickled."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def _hostile_object(code: bytes) -> bytes:
    """ELF code whose symbols point at a section that does not exist (LLVM aborts the
    process with "invalid section index" when it loads it)."""
    data = bytearray(code)
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    for k in range(shnum):
        fields = struct.unpack_from("<IIQQQQIIQQ", data, shoff + k * shentsize)
        if fields[1] == 2:  # the symbol table
            offset, size, entsize = fields[4], fields[5], fields[9]
            for j in range(1, size // entsize):
                struct.pack_into("<H", data, offset + j * entsize + 6, 0x7FF0)
    return bytes(data)


def _plant(folder: Path, marker: Path) -> None:
    """Replace each native object by a hostile one with a record that matches it, and
    every numba index file (and one beside them) by a pickle that creates ``marker``."""
    import hashlib

    for code in (folder / "native").glob("*.o"):
        bad = _hostile_object(code.read_bytes())
        code.write_bytes(bad)
        record = code.with_suffix(".json")
        meta = json.loads(record.read_text())
        meta["sha256"] = hashlib.sha256(bad).hexdigest()
        record.write_text(json.dumps(meta))
    hostile = pickle.dumps(_Marker(marker)) * 2
    index = list((folder / "__pycache__").glob("*.nbi"))
    assert index
    for path in index:
        path.write_bytes(hostile)
    name = next(folder.glob("symflow_kernel_*.py")).stem
    (folder / "__pycache__" / f"{name}.planted.nbi").write_bytes(hostile)


def test_hostile_object_and_pickle_in_a_cache_with_wrong_permissions_never_run(tmp_path, cache):
    folder = tmp_path / "kernels"
    shutil.copytree(cache, folder)
    marker = tmp_path / "pickle-ran"
    _plant(folder, marker)
    folder.chmod(0o777)
    out = _run(folder)
    assert out.returncode == 0, out.stderr  # no SIGABRT inside LLVM
    assert "CacheWarning" in out.stderr and "not using the kernel cache" in out.stderr
    assert "writable by group or others" in out.stderr
    value, scalar, _ = out.stdout.split()
    assert float(value) == pytest.approx(_want(), rel=1e-13)
    assert float(scalar) == pytest.approx(_want(), rel=1e-13)
    assert not marker.exists()


def test_a_hostile_object_in_a_private_cache_is_not_signed_and_never_reaches_llvm(tmp_path, cache):
    """The permissions are right (the user's own files), but the objects were replaced
    and their records rewritten to match: without this user's HMAC they are not loaded.
    A pickle beside numba's index files is not unpickled either."""
    folder = tmp_path / "kernels"
    shutil.copytree(cache, folder)
    marker = tmp_path / "pickle-ran"
    for code in (folder / "native").glob("*.o"):
        code.with_suffix(".o.orig").write_bytes(b"")  # not ELF: ignored
    _plant(folder, tmp_path / "unused")
    # numba reads its own index files by their exact names: restore those, keep the
    # planted neighbour, and check that it never runs
    shutil.copytree(cache / "__pycache__", folder / "__pycache__", dirs_exist_ok=True)
    name = next(folder.glob("symflow_kernel_*.py")).stem
    (folder / "__pycache__" / f"{name}.planted.nbi").write_bytes(pickle.dumps(_Marker(marker)) * 2)
    out = _run(folder)
    assert out.returncode == 0, out.stderr  # no SIGABRT "invalid section index"
    assert float(out.stdout.split()[0]) == pytest.approx(_want(), rel=1e-13)
    assert not marker.exists()
    # the objects were compiled again and signed: they load now
    for record in (folder / "native").glob("*.json"):
        code = record.with_suffix(".o").read_bytes()
        meta = json.loads(record.read_text())
        assert trust.verify(
            folder, native._signed(meta["symbol"], meta["signature"], code), meta["hmac"]
        )


def test_files_writable_by_others_in_a_folder_they_can_enter_are_not_read(
    tmp_path, cache, monkeypatch
):
    from symflow.codegen.cache import untrusted_kernel

    folder = tmp_path / "kernels"
    shutil.copytree(cache, folder)
    for sub in (folder, folder / "native", folder / "__pycache__"):
        sub.chmod(0o755)
    name = next(folder.glob("symflow_kernel_*.py")).stem
    assert untrusted_kernel(folder, name) is None
    victim = next((folder / "native").glob(f"{name}.*.o"))
    victim.chmod(0o666)
    assert "is writable by group or others" in untrusted_kernel(folder, name)
    folder.joinpath("native").chmod(0o700)  # nobody else can reach the file now
    assert untrusted_kernel(folder, name) is None


def test_cache_folders_are_created_private_whatever_the_umask(tmp_path, monkeypatch):
    from symflow.codegen.cache import cache_dir

    root = tmp_path / "a" / "b"
    monkeypatch.setenv("SYMFLOW_CACHE_DIR", str(root))
    old = os.umask(0)
    try:
        assert cache_dir() == root
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", root, root / "native", root / "__pycache__"):
        assert folder.stat().st_mode & 0o777 == 0o700, folder


def test_a_cache_path_that_is_a_file_falls_back_to_a_private_folder(tmp_path, monkeypatch):
    from symflow.codegen.cache import cache_dir

    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SYMFLOW_CACHE_DIR", str(blocker))
    with pytest.warns(CacheWarning, match="cannot hold the cache"):
        folder = cache_dir()
    assert folder.is_dir() and folder != blocker
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_cache_owned_by_another_user_is_not_used(tmp_path, monkeypatch):
    from symflow.codegen.cache import cache_dir

    if os.getuid() != 0:
        pytest.skip("only root can give a folder to another user")
    root = tmp_path / "kernels"
    root.mkdir(mode=0o700)
    os.chown(root, 4321, 4321)
    monkeypatch.setenv("SYMFLOW_CACHE_DIR", str(root))
    with pytest.warns(CacheWarning, match="owned by another user"):
        assert cache_dir() != root


def test_only_regular_files_of_this_user_are_read_up_to_a_size(tmp_path):
    private = tmp_path / "private"
    trust.make_private(private)
    (private / "data").write_bytes(b"12345")
    assert trust.read_file(private / "data") == b"12345"
    with pytest.raises(OSError, match="larger than 4 bytes"):
        trust.read_file(private / "data", limit=4)
    (private / "link").symlink_to(private / "data")
    with pytest.raises(OSError):
        trust.read_file(private / "link")
    os.mkfifo(private / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        trust.read_file(private / "fifo")  # and does not wait for a writer
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    (shared / "data").write_bytes(b"1")
    (shared / "data").chmod(0o666)
    with pytest.raises(OSError, match="writable by group or others"):
        trust.read_file(shared / "data")


def test_the_signing_key_is_private_and_a_readable_key_signs_nothing(tmp_path):
    tag = trust.sign(tmp_path, b"code")
    key = tmp_path / trust.KEY_NAME
    assert key.stat().st_mode & 0o777 == 0o600
    assert trust.verify(tmp_path, b"code", tag)
    key.chmod(0o644)
    assert not trust.verify(tmp_path, b"code", tag)


def test_numba_files_are_checked_without_unpickling(tmp_path):
    from symflow.codegen.cache import whole_pickles

    marker = tmp_path / "ran"
    hostile = pickle.dumps(_Marker(marker))
    assert whole_pickles(hostile * 2, 2) and not marker.exists()
    assert not whole_pickles(hostile * 2, 1)  # trailing bytes
    assert not whole_pickles(hostile[:-3], 1)  # truncated
    assert not whole_pickles(os.urandom(64), 1)


def test_numba_caches_the_loops_when_the_native_cache_is_off(tmp_path):
    """SYMFLOW_NATIVE_CACHE=0: no native objects; numba caches the C callbacks itself."""
    run = _run(tmp_path, SYMFLOW_NATIVE_CACHE="0")
    assert run.returncode == 0, run.stderr
    value, scalar, numba_loaded = run.stdout.split()
    assert float(value) == pytest.approx(_want(), rel=1e-13)
    assert numba_loaded == "True"
    assert not list((tmp_path / "native").glob("*.o"))
    assert list((tmp_path / "__pycache__").glob("*log_prob_c*.nbi"))  # numba's cache


def test_native_cache_switch_reads_the_environment(monkeypatch):
    monkeypatch.setenv("SYMFLOW_NATIVE_CACHE", "0")
    assert not native.native_cache_enabled()


def test_thread_count_is_capped_at_the_usable_cpus(monkeypatch):
    monkeypatch.setenv("SYMFLOW_NUM_THREADS", "1000")
    assert native.thread_count() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("SYMFLOW_NUM_THREADS", "1")
    assert native.thread_count() == 1
