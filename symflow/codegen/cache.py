"""The kernel cache: generated modules on disk under a hash of their source, and numba's
machine code beside them.

A kernel module is written to :func:`cache_dir` as ``symflow_kernel_<hash>.py``, where the
hash covers its text and the versions of symflow, numba, NumPy and the helper modules it
calls (numba does not notice when a called module changes). numba caches each module's
machine code in ``__pycache__`` (or under ``$NUMBA_CACHE_DIR``); those files are checked
to be whole pickles before numba reads them, and purged when they are not. Files that are
not this user's alone are never read (:mod:`symflow.codegen.trust`); the native loops'
objects are kept by :mod:`symflow.codegen.native`.

Examples
--------
>>> module = load_module("TWO_PI = 6.283185307179586")
>>> module.TWO_PI
6.283185307179586
>>> module.__name__.startswith("symflow_kernel_")
True
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "cache_dir",
    "load_module",
    "module_file",
    "import_module",
    "purge_numba_cache",
    "untrusted_kernel",
    "whole_pickles",
]


def cache_dir() -> Path:
    """Where kernel modules live: $SYMFLOW_CACHE_DIR or ~/.cache/symflow/kernels.

    Folders are created private (mode 0700). A cache that is not this user's alone (see
    :mod:`symflow.codegen.trust`), or that is not a folder, is not used: a
    :class:`~symflow.errors.CacheWarning` says why, once, and kernels are compiled in a
    private folder of this process instead.
    """
    from symflow.codegen.trust import KEY_NAME, untrusted

    root = os.environ.get("SYMFLOW_CACHE_DIR")
    path = Path(root) if root else Path.home() / ".cache" / "symflow" / "kernels"
    try:
        _prepare(path)
    except OSError as exc:
        return _fallback(f"{path} cannot hold the cache ({exc.strerror or exc})")
    reason = untrusted(path, ("__pycache__", "native", KEY_NAME))
    if reason is None:
        reason = untrusted(path / "__pycache__") or untrusted(path / "native")
    if reason is not None:
        return _fallback(reason)
    return path


def _prepare(folder: Path) -> Path:
    """Make ``folder`` and the subfolders the cache writes (private, mode 0700)."""
    from symflow.codegen.trust import make_private

    for sub in ("__pycache__", "native"):
        make_private(folder / sub)
    return folder


def _fallback(reason: str) -> Path:
    """Warn why the disk cache is not used, and return this process's private folder."""
    from symflow.codegen.trust import private_dir, warn_untrusted

    warn_untrusted(reason)
    return _prepare(private_dir())


#: the modules of symflow.codegen whose numba functions kernel modules call
HELPER_MODULES = (
    "simdmath.py",
    "rewrite.py",
    "helpers.py",
    "special.py",
    "solvers.py",
    "edge_distance.py",
)


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    """Versions the compiled code depends on, including the helper modules it calls
    (numba does not notice when a called module changes). Read without importing numba."""
    from importlib.metadata import version

    from symflow.codegen import rewrite

    package = sys.modules["symflow"]  # imported before any of its modules

    folder = Path(rewrite.__file__).parent
    code = b"".join((folder / name).read_bytes() for name in HELPER_MODULES)
    helpers = hashlib.sha256(code).hexdigest()[:12]
    return (
        f"symflow {package.__version__}; numba {version('numba')}; numpy {np.__version__}; "
        f"helpers {helpers}"
    )


def _numba_cache_folders(folder: Path) -> list[Path]:
    """Where numba keeps the machine code of the modules in ``folder``: beside them, or
    under $NUMBA_CACHE_DIR when that is set, in a subfolder named as numba names it."""
    folders = [folder / "__pycache__"]
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        source = str(folder.resolve() / "module.py")
        try:
            from numba.core.caching import _CacheLocator

            subpath = _CacheLocator.get_suitable_cache_subpath(source)
        except (ImportError, AttributeError):  # numba's rule, as of 0.68
            parent = os.path.dirname(source)
            digest = hashlib.sha1(parent.encode()).hexdigest()  # noqa: S324 - a name
            subpath = f"{os.path.basename(parent)}_{digest}"
        folders.append(Path(root) / subpath)
    return folders


def _numba_cache_files(folder: Path, name: str) -> list[Path]:
    files: list[Path] = []
    for cache in _numba_cache_folders(folder):
        files += sorted(cache.glob(f"{name}.*.nbi")) + sorted(cache.glob(f"{name}.*.nbc"))
    return files


def purge_numba_cache(folder: Path, name: str) -> None:
    """Delete numba's cached machine code of one kernel module (it is rebuilt on use)."""
    for path in _numba_cache_files(folder, name):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def whole_pickles(data: bytes, count: int) -> bool:
    """Whether ``data`` is exactly ``count`` complete pickles, read by their opcodes
    alone (nothing is unpickled, so nothing in them runs)."""
    import io
    import pickletools

    stream = io.BytesIO(data)
    try:
        for _ in range(count):
            for _op in pickletools.genops(stream):
                pass
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, KeyError, OverflowError):
        return False
    return stream.tell() == len(data)


def _numba_cache_is_sound(folder: Path, name: str) -> bool:
    """Whether numba's files for the module are whole: an index file (``.nbi``) is two
    pickles, a data file (``.nbc``) one. Checked without unpickling; numba itself reads
    only the files named after the module's functions."""
    from symflow.codegen.trust import read_file

    for path in _numba_cache_files(folder, name):
        try:
            data = read_file(path)
        except FileNotFoundError:
            continue
        except OSError:
            return False
        if not whole_pickles(data, 2 if path.suffix == ".nbi" else 1):
            return False
    return True


def untrusted_kernel(folder: Path, name: str) -> str | None:
    """Why the cached files of kernel module ``name`` may not be read, or None."""
    from symflow.codegen.trust import untrusted

    def entries(where: Path) -> list[str]:
        try:
            return [entry for entry in os.listdir(where) if entry.startswith(name + ".")]
        except OSError:  # missing or unreadable: untrusted() judges the folder itself
            return []

    checks = [(folder, [f"{name}.py"]), (folder / "native", entries(folder / "native"))]
    checks += [(cache, entries(cache)) for cache in _numba_cache_folders(folder)]
    for where, names in checks:
        if where.exists() or where == folder:
            reason = untrusted(where, names)
            if reason is not None:
                return reason
    return None


def _module_name(source: str) -> str:
    """The kernel module's name: a hash of its source and the versions it depends on."""
    return f"symflow_kernel_{hashlib.sha256((source + _versions()).encode()).hexdigest()[:24]}"


def module_file(source: str) -> tuple[str, Path]:
    """Write the kernel module to the cache (if it is not there already, intact); a
    kernel whose cached files are not this user's alone goes to a private folder."""
    from symflow.codegen.trust import read_file

    name = _module_name(source)
    folder = cache_dir()
    reason = untrusted_kernel(folder, name)
    if reason is not None:
        folder = _fallback(reason)
    path = folder / f"{name}.py"
    text = f"# {_versions()}\n{source}"
    try:
        current = read_file(path).decode(errors="replace")
    except OSError:
        current = None
    if current != text:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return name, path


def import_module(name: str, path: Path) -> Any:
    """Import a kernel module file (this imports numba)."""
    if name in sys.modules:
        return sys.modules[name]
    if not _numba_cache_is_sound(path.parent, name):
        purge_numba_cache(path.parent, name)  # corrupted or truncated: rebuilt on first call
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module


def load_module(source: str) -> Any:
    """Write and import a kernel module."""
    name = _module_name(source)
    if name in sys.modules:
        return sys.modules[name]
    return import_module(*module_file(source))
