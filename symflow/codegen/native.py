"""Native array kernels: a kernel's loop as C-callable machine code, cached on disk.

The loop over points (``log_prob_c`` and its siblings in a kernel module) is compiled
once by numba as a C callback (``numba.cfunc``). Its machine code is written to the
kernel cache beside a small JSON record (the entry symbol, the external symbols it
needs, a SHA-256 of the code). A later process loads that code with llvmlite alone, in
a few milliseconds and without importing numba (whose start-up, about 0.5 s, dominated
a cached load). The loaded function is called through ctypes, which releases the GIL,
so long arrays are split over a thread pool.

A record that is missing, damaged, written for another CPU, or that needs a symbol this
process cannot resolve is never loaded: the kernel is compiled again through numba and
the record rewritten.

Examples
--------
>>> import numpy as np
>>> def double(xp, op, n):
...     from numba import carray
...     xs, out = carray(xp, (n,)), carray(op, (n,))
...     for i in range(n):
...         out[i] = 2.0 * xs[i]
>>> import tempfile, pathlib
>>> where = pathlib.Path(tempfile.mkdtemp()) / "double"
>>> kernel = compile_native(double, 0, where)  # doctest: +SKIP
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["NativeKernel", "compile_native", "load_native", "run_blocks", "thread_count"]

# Definitions for the few numba runtime symbols a C callback refers to, so that its
# machine code links without numba's runtime: the GIL pair (used only when the callback
# reports an exception, which error_model="numpy" kernels never raise) and the NRT
# destructor call (reached only through arrays that own memory; a kernel's arrays are
# views of the caller's buffers, with no meminfo).
_STUBS = r"""
declare i32 @PyGILState_Ensure()
declare void @PyGILState_Release(i32)
define void @numba_gil_ensure(i32* %state) {
  %g = call i32 @PyGILState_Ensure()
  store i32 %g, i32* %state
  ret void
}
define void @numba_gil_release(i32* %state) {
  %g = load i32, i32* %state
  call void @PyGILState_Release(i32 %g)
  ret void
}
define void @NRT_MemInfo_call_dtor(i8* %meminfo) {
  ret void
}
"""
_STUB_NAMES = frozenset({"numba_gil_ensure", "numba_gil_release", "NRT_MemInfo_call_dtor"})

# engines and callbacks must outlive every ctypes function pointing into their code
_KEEP_ALIVE: list[Any] = []
_LOCK = threading.Lock()


class NativeKernel:
    """A C function ``f(x, out, n, *columns)`` over float64 buffers, called via ctypes.

    ``x`` holds n rows of ``width`` doubles, ``out`` n rows of ``out_width`` doubles and
    each parameter column n doubles.
    """

    def __init__(self, address: int, n_columns: int, owner: Any, source: str):
        pointer = ctypes.c_void_p
        prototype = ctypes.CFUNCTYPE(None, pointer, pointer, ctypes.c_int64, *[pointer] * n_columns)
        self._function = prototype(address)
        self.n_columns = n_columns
        self.source = source  # "compiled" (numba in this process) or "cache" (loaded)
        _KEEP_ALIVE.append(owner)

    def __call__(self, x: np.ndarray, out: np.ndarray, columns: list[np.ndarray]) -> None:
        """Evaluate over all rows of x (C-contiguous float64 arrays, same first axis)."""
        n = x.shape[0]
        if n == 0:
            return
        run_blocks(self._function, x, out, columns)


def thread_count() -> int:
    """Threads for long arrays: $SYMFLOW_NUM_THREADS, else the CPUs this process may use."""
    value = os.environ.get("SYMFLOW_NUM_THREADS")
    if value and value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=4)
def _pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="symflow")


#: rows per thread below which a call stays on the calling thread
ROWS_PER_THREAD = 10_000


def run_blocks(function: Callable, x: np.ndarray, out: np.ndarray, columns: list) -> None:
    """Call ``function`` on contiguous blocks of rows, one block per thread."""
    n = x.shape[0]
    threads = min(thread_count(), n // ROWS_PER_THREAD)
    x_row, out_row = x.strides[0], out.strides[0]
    x0, out0 = x.ctypes.data, out.ctypes.data
    c0 = [c.ctypes.data for c in columns]
    if threads <= 1:
        function(x0, out0, n, *c0)
        return
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)
    jobs = [
        _pool(threads).submit(
            function,
            x0 + int(lo) * x_row,
            out0 + int(lo) * out_row,
            int(hi - lo),
            *[c + 8 * int(lo) for c in c0],
        )
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    for job in jobs:
        job.result()


@functools.lru_cache(maxsize=1)
def _llvm():
    """llvmlite's binding layer, initialised for the host (without importing numba)."""
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    return llvm


@functools.lru_cache(maxsize=1)
def host_tag() -> str:
    """A short hash of the CPU name and features: machine code is only valid on its CPU."""
    import llvmlite

    llvm = _llvm()
    features = llvm.get_host_cpu_features().flatten()
    text = f"{llvm.get_host_cpu_name()}|{features}|{llvmlite.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _paths(prefix: Path) -> tuple[Path, Path]:
    stem = f"{prefix.name}.{host_tag()}"
    return prefix.with_name(stem + ".o"), prefix.with_name(stem + ".json")


def _process_symbol(name: str) -> int | None:
    """The address of a symbol of this process (the C library, libm, the Python API)."""
    try:
        return ctypes.cast(getattr(ctypes.CDLL(None), name), ctypes.c_void_p).value
    except AttributeError:
        return None


def _resolve(name: str) -> bool:
    """Make ``name`` known to llvmlite's linker; False if this process lacks it."""
    if name in _STUB_NAMES:
        return True
    llvm = _llvm()
    if llvm.address_of_symbol(name) is not None:
        return True
    address = _process_symbol(name)
    if address is None:
        return False
    llvm.add_symbol(name, address)
    return True


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save(callback: Any, prefix: Path) -> bool:
    """Write the callback's machine code and its record; False if it cannot be reused
    without numba (it needs a runtime symbol that only numba provides)."""
    library = callback._library
    module = library._final_module
    undefined = sorted(
        {f.name for f in module.functions if f.is_declaration and not f.name.startswith("llvm.")}
        | {g.name for g in module.global_variables if g.is_declaration}
    )
    # symbols numba registered itself resolve now but not in a process without numba
    if any(name not in _STUB_NAMES and _process_symbol(name) is None for name in undefined):
        return False
    code = library._codegen._tm.emit_object(module)
    record = {
        "symbol": callback.native_name,
        "undefined": undefined,
        "sha256": hashlib.sha256(code).hexdigest(),
        "columns": len(callback._sig.args) - 3,
    }
    code_path, record_path = _paths(prefix)
    code_path.parent.mkdir(parents=True, exist_ok=True)
    _write(code_path, code)
    _write(record_path, json.dumps(record).encode())
    return True


def compile_native(function: Callable, n_columns: int, prefix: Path) -> NativeKernel:
    """Compile ``function(x_ptr, out_ptr, n, *column_ptrs)`` with numba as a C callback,
    write its machine code under ``prefix`` in the cache, and return it callable."""
    from numba import cfunc, types

    pointer = types.CPointer(types.float64)
    signature = types.void(pointer, pointer, types.int64, *[pointer] * n_columns)
    callback = cfunc(signature, error_model="numpy")(function)
    try:
        _save(callback, prefix)
    except OSError:  # a read-only cache: the kernel works, later processes recompile
        pass
    return NativeKernel(callback.address, n_columns, callback, "compiled")


def load_native(prefix: Path, n_columns: int) -> NativeKernel | None:
    """The cached machine code under ``prefix``, or None when there is none usable."""
    try:
        code_path, record_path = _paths(prefix)
        if not record_path.exists():
            return None
        record = json.loads(record_path.read_text())
        code = code_path.read_bytes()
        if (
            not isinstance(record, dict)
            or record.get("sha256") != hashlib.sha256(code).hexdigest()
            or record.get("columns") != n_columns
            or not all(_resolve(name) for name in record.get("undefined", ["?"]))
        ):
            return None
        llvm = _llvm()
        with _LOCK:
            machine = llvm.Target.from_default_triple().create_target_machine(
                cpu=llvm.get_host_cpu_name(),
                features=llvm.get_host_cpu_features().flatten(),
                codemodel="jitdefault",
                jit=True,
            )
            engine = llvm.create_mcjit_compiler(llvm.parse_assembly(_STUBS), machine)
            engine.add_object_file(llvm.ObjectFileRef.from_data(code))
            engine.finalize_object()
            address = engine.get_function_address(str(record["symbol"]))
        if not address:
            return None
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None
    return NativeKernel(address, n_columns, engine, "cache")
