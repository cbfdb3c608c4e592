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
the record rewritten. Machine code reaches LLVM only when its record carries this user's
HMAC of it (:mod:`symflow.codegen.trust`): LLVM may abort the process on a malformed
object, so symflow loads only objects that it wrote itself.

The native path needs ELF objects for x86-64 Linux (what :func:`undefined_symbols`
reads); elsewhere, or with ``SYMFLOW_NATIVE_CACHE=0``, the loops are numba C callbacks
cached by numba itself.

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> from numba import carray
>>> def double(xp, op, n):
...     xs, out = carray(xp, (n,)), carray(op, (n,))
...     for i in range(n):
...         out[i] = 2.0 * xs[i]
>>> prefix = pathlib.Path(tempfile.mkdtemp()) / "double"
>>> kernel = compile_native(double, "", prefix)  # numba compiles; the code is cached
>>> out = np.empty(3)
>>> kernel(np.arange(3.0), out, [])
>>> out
array([0., 2., 4.])
>>> load_native(prefix, "").source  # what another process does: no numba involved
'cache'
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from symflow.core.budget import add_unraisable_filter
from symflow.errors import KernelError

__all__ = [
    "NativeKernel",
    "compile_native",
    "load_native",
    "native_cache_enabled",
    "run_blocks",
    "thread_count",
]

# Definitions of the numba runtime symbols a C callback refers to, so that its machine
# code links without numba's runtime. They are reached only on the callback's error
# path, which error_model="numpy" kernels never take (no statement in them raises): the
# GIL pair, the exception decoders (here: a RuntimeError saying where the message
# went) and NRT's destructor call and free (the kernel's arrays are views of the
# caller's buffers and own no memory).
_MESSAGE = (
    "symflow: a kernel loaded from the cache raised; delete the kernel cache to get numba's message"
)
_STUBS = r"""
@PyExc_RuntimeError = external global ptr
@message = private constant [MESSAGE_SIZE x i8] c"MESSAGE_TEXT\00"
declare i32 @PyGILState_Ensure()
declare void @PyGILState_Release(i32)
declare void @PyErr_SetString(ptr, ptr)
declare void @free(ptr)
define void @numba_gil_ensure(ptr %state) {
  %g = call i32 @PyGILState_Ensure()
  store i32 %g, ptr %state
  ret void
}
define void @numba_gil_release(ptr %state) {
  %g = load i32, ptr %state
  call void @PyGILState_Release(i32 %g)
  ret void
}
define private void @set_error() {
  %type = load ptr, ptr @PyExc_RuntimeError
  call void @PyErr_SetString(ptr %type, ptr @message)
  ret void
}
define ptr @numba_unpickle(ptr %data, i32 %n, ptr %hashed) {
  call void @set_error()
  ret ptr null
}
define ptr @numba_runtime_build_excinfo_struct(ptr %info, ptr %args) {
  call void @set_error()
  ret ptr null
}
define i32 @numba_do_raise(ptr %packed) {
  call void @set_error()
  ret i32 0
}
define void @NRT_MemInfo_call_dtor(ptr %meminfo) {
  ret void
}
define void @NRT_Free(ptr %block) {
  call void @free(ptr %block)
  ret void
}
""".replace("MESSAGE_SIZE", str(len(_MESSAGE) + 1)).replace("MESSAGE_TEXT", _MESSAGE)
_STUB_NAMES = frozenset(
    {
        "numba_gil_ensure",
        "numba_gil_release",
        "numba_unpickle",
        "numba_runtime_build_excinfo_struct",
        "numba_do_raise",
        "NRT_MemInfo_call_dtor",
        "NRT_Free",
    }
)

# engines and callbacks must outlive every ctypes function pointing into their code
_KEEP_ALIVE: list[Any] = []
_LOCK = threading.Lock()


class NativeKernel:
    """A C function ``f(x, out, n, *parameters)`` over float64 buffers, called via ctypes.

    ``x`` holds n rows of points and ``out`` n rows of results (C-contiguous float64);
    ``signature`` says how each parameter is passed: ``p`` a column of n doubles (a
    pointer), ``d`` one double.
    """

    def __init__(self, address: int, signature: str, owner: Any, source: str):
        kinds = {"p": ctypes.c_void_p, "d": ctypes.c_double}
        pointer = ctypes.c_void_p
        prototype = ctypes.CFUNCTYPE(
            None, pointer, pointer, ctypes.c_int64, *[kinds[c] for c in signature]
        )
        self._function = prototype(address)
        self.signature = signature
        self.source = source  # "compiled" (numba in this process) or "cache" (loaded)
        self.row_seconds: float | None = None  # fastest measured one-thread time per row
        _KEEP_ALIVE.append(owner)

    def __call__(self, x: np.ndarray, out: np.ndarray, parameters: list) -> None:
        """Evaluate over all rows of x (C-contiguous float64 arrays, same first axis), with
        each parameter an array of n values or a float, as the signature says.

        Threads are used when one thread would take longer than :data:`PARALLEL_SECONDS`
        by this kernel's own measured speed (handing blocks to a pool costs tens of µs).

        Raises
        ------
        KernelError
            When the loop raised (a C callback can only report that on stderr): ``out``
            then holds unfinished rows and must not be used.
        """
        n = x.shape[0]
        _watch_unraisable()
        if n < 2 * MIN_ROWS_PER_THREAD:
            error = (
                _guarded(self._function, x.ctypes.data, out.ctypes.data, n, *_addresses(parameters))
                if n
                else None
            )
        else:
            threads = min(thread_count(), n // MIN_ROWS_PER_THREAD)
            known = self.row_seconds
            if threads > 1 and (known * n if known else n * 1e-9) >= PARALLEL_SECONDS:
                error = run_blocks(self._function, x, out, parameters, threads)
            else:
                start = time.perf_counter()
                error = run_blocks(self._function, x, out, parameters, 1)
                per_row = (time.perf_counter() - start) / n
                self.row_seconds = per_row if known is None else min(known, per_row)
        if error is not None:
            raise KernelError(f"the compiled loop raised: {error}")


# which thread is inside a native loop, and what the loop reported (a C callback cannot
# raise: numba's wrapper hands the exception to sys.unraisablehook, in the same thread)
_WATCH = threading.local()


def _loop_report(report: Any) -> bool:
    """Keep what a native loop of this thread reported (True), or leave it (False)."""
    if not getattr(_WATCH, "active", False):
        return False
    if _WATCH.error is None:
        kind = getattr(report.exc_type, "__name__", "error")
        _WATCH.error = f"{kind}: {report.exc_value}"
    return True


def _watch_unraisable() -> None:
    """Route exceptions that native loops report to :func:`_loop_report` (others go on to
    the hook that was installed before)."""
    add_unraisable_filter(_loop_report)


def _guarded(function: Callable, *arguments: Any) -> str | None:
    """Call a native loop; what it raised (as text), or None."""
    _WATCH.active, _WATCH.error = True, None
    try:
        function(*arguments)
    finally:
        _WATCH.active = False
    return _WATCH.error


#: a call that one thread would need longer than this for is split over threads
PARALLEL_SECONDS = 4e-4
#: and never into blocks of fewer rows than this
MIN_ROWS_PER_THREAD = 2_000


def _addresses(parameters: list) -> list:
    """What ctypes passes for each parameter: a column's address, or the number."""
    return [p.ctypes.data if isinstance(p, np.ndarray) else p for p in parameters]


def thread_count() -> int:
    """Threads for long arrays: the CPUs this process may use, or $SYMFLOW_NUM_THREADS
    when that is fewer (more threads than CPUs only wait for each other).

    Examples
    --------
    >>> 1 <= thread_count() <= (os.cpu_count() or 1)
    True
    """
    try:
        usable = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        usable = max(1, os.cpu_count() or 1)
    value = os.environ.get("SYMFLOW_NUM_THREADS", "").strip()
    if value.isdigit() and int(value) > 0:
        return min(int(value), usable)
    return usable


def native_cache_enabled() -> bool:
    """Whether loops are cached as native objects (:func:`load_native`): on ELF x86-64
    hosts, unless ``SYMFLOW_NATIVE_CACHE=0``; otherwise numba caches its C callbacks.

    Examples
    --------
    >>> isinstance(native_cache_enabled(), bool)
    True
    """
    import platform

    if os.environ.get("SYMFLOW_NATIVE_CACHE", "1").strip() in ("0", "false", "no", "off"):
        return False
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def _pool(threads: int) -> ThreadPoolExecutor:
    """The pool of this process: a forked child gets its own (the parent's threads do not
    exist in it, and submitting to the inherited pool would wait forever)."""
    return _pool_of(threads, os.getpid())


@functools.lru_cache(maxsize=4)
def _pool_of(threads: int, pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="symflow")


def run_blocks(
    function: Callable, x: np.ndarray, out: np.ndarray, parameters: list, threads: int
) -> str | None:
    """Call ``function`` on ``threads`` contiguous blocks of rows, one per thread (a
    parameter column is offset with the rows, a number is passed to every block); what
    a block raised (as text), or None."""
    _watch_unraisable()
    n = x.shape[0]
    x_row, out_row = x.strides[0], out.strides[0]
    x0, out0 = x.ctypes.data, out.ctypes.data
    c0 = _addresses(parameters)
    step = [8 if isinstance(p, np.ndarray) else 0 for p in parameters]
    if threads <= 1:
        return _guarded(function, x0, out0, n, *c0)
    bounds = np.linspace(0, n, threads + 1).astype(np.int64)
    blocks = [
        (
            x0 + int(lo) * x_row,
            out0 + int(lo) * out_row,
            int(hi - lo),
            *[c + s * int(lo) if s else c for c, s in zip(c0, step, strict=True)],
        )
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
    ]
    # the calling thread takes the first block (it would otherwise only wait)
    jobs = [_pool(threads - 1).submit(_guarded, function, *block) for block in blocks[1:]]
    errors = [_guarded(function, *blocks[0])] + [job.result() for job in jobs]
    return next((error for error in errors if error is not None), None)


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


def _llvm_lock() -> Any:
    """The lock around LLVM work: numba's compiler lock when numba is loaded (LLVM's
    global context must not be changed by two threads at once), else symflow's own."""
    compiler_lock = sys.modules.get("numba.core.compiler_lock")
    return compiler_lock.global_compiler_lock if compiler_lock is not None else _LOCK


def _process_symbol(name: str) -> int | None:
    """The address of a symbol of this process (the C library, libm, the Python API, the
    special functions of symflow.codegen.cython_symbols)."""
    try:
        return ctypes.cast(getattr(ctypes.CDLL(None), name), ctypes.c_void_p).value
    except AttributeError:  # else a SciPy special function bound by symbol, or nothing
        from symflow.codegen.cython_symbols import symbol_address

        return symbol_address(name)


def _stubs() -> str:
    """The stub definitions, unless numba's runtime is loaded: its own definitions of
    these symbols are then registered with LLVM and must be the ones used (two
    definitions of one symbol in one process crash the callback's error path)."""
    if all(_llvm().address_of_symbol(name) is not None for name in _STUB_NAMES):
        return ""
    return _STUBS


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


def undefined_symbols(code: bytes) -> list[str] | None:
    """The symbols an ELF64 little-endian object file needs from outside, read from its
    symbol table; None for anything else (other formats are not reused across processes).

    Examples
    --------
    >>> undefined_symbols(b"not an object file") is None
    True
    """
    import struct

    if len(code) < 64 or code[:6] != b"\x7fELF\x02\x01":
        return None
    try:
        (shoff,) = struct.unpack_from("<Q", code, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", code, 0x3A)
        sections = [
            struct.unpack_from("<IIQQQQIIQQ", code, shoff + k * shentsize) for k in range(shnum)
        ]
        names = set()
        for _, kind, _, _, offset, size, link, _, _, entsize in sections:
            if kind != 2:  # SHT_SYMTAB
                continue
            strings = sections[link][4]
            for k in range(1, size // (entsize or 24)):
                name, info, _, shndx = struct.unpack_from("<IBBH", code, offset + k * entsize)
                if shndx == 0 and name:  # SHN_UNDEF
                    end = code.index(b"\0", strings + name)
                    names.add(code[strings + name : end].decode())
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return None
    return sorted(names)


def _linkable(undefined: list[str] | None) -> bool:
    """Whether code needing ``undefined`` links in a process without numba."""
    return undefined is not None and all(
        name in _STUB_NAMES or _process_symbol(name) is not None for name in undefined
    )


def _signed(symbol: str, signature: str, code: bytes) -> bytes:
    """What a record's HMAC covers: the entry symbol, the signature and the code."""
    return f"{symbol}\0{signature}\0".encode() + code


def _save(callback: Any, signature: str, prefix: Path, key_dir: Path) -> bool:
    """Write the callback's machine code and its record, signed with the key in
    ``key_dir``; False if it cannot be reused without numba (it needs a runtime symbol
    that only numba provides) or cannot be signed."""
    from symflow.codegen.trust import make_private, sign

    library = callback._library
    try:  # the object code MCJIT already made for this process
        code = bytes(library._get_compiled_object())
    except (ValueError, RuntimeError):
        code = library._codegen._tm.emit_object(library._final_module)
    undefined = undefined_symbols(code)
    if not _linkable(undefined):
        return False
    code_path, record_path = _paths(prefix)
    make_private(code_path.parent)
    make_private(key_dir)
    tag = sign(key_dir, _signed(callback.native_name, signature, code))
    if tag is None:
        return False
    record = {
        "symbol": callback.native_name,
        "undefined": undefined,
        "sha256": hashlib.sha256(code).hexdigest(),
        "signature": signature,
        "hmac": tag,
    }
    _write(code_path, code)
    _write(record_path, json.dumps(record).encode())
    return True


def compile_native(
    function: Callable, signature: str, prefix: Path | None, key_dir: Path | None = None
) -> NativeKernel:
    """Compile ``function(x_ptr, out_ptr, n, *parameters)`` with numba as a C callback,
    write its machine code under ``prefix`` in the cache (signed with the key in
    ``key_dir``, by default prefix's folder), and return it callable.

    With ``prefix`` None, numba caches the callback itself (beside ``function``'s module).
    ``signature`` has a letter per parameter: ``p`` a column (pointer), ``d`` a double.
    """
    from numba import cfunc, types

    pointer = types.CPointer(types.float64)
    kinds = {"p": pointer, "d": types.float64}
    numba_signature = types.void(pointer, pointer, types.int64, *[kinds[c] for c in signature])
    callback = cfunc(numba_signature, error_model="numpy", cache=prefix is None)(function)
    if prefix is not None:
        try:
            _save(callback, signature, prefix, key_dir or prefix.parent)
        except OSError:  # a read-only cache: the kernel works, later processes recompile
            pass
    return NativeKernel(callback.address, signature, callback, "compiled")


def load_native(prefix: Path, signature: str, key_dir: Path | None = None) -> NativeKernel | None:
    """The cached machine code under ``prefix``, or None when there is none usable: it
    must be a regular file of this user's, whose record carries this user's HMAC (key in
    ``key_dir``, by default prefix's folder), checked before LLVM sees the code."""
    from symflow.codegen.trust import read_file, verify

    try:
        code_path, record_path = _paths(prefix)
        if not record_path.exists():
            return None
        record = json.loads(read_file(record_path, limit=1 << 20))
        code = read_file(code_path)
        if (
            not isinstance(record, dict)
            or record.get("signature") != signature
            or not isinstance(record.get("symbol"), str)
            or not verify(
                key_dir or prefix.parent,
                _signed(record["symbol"], signature, code),
                record.get("hmac"),
            )
            or record.get("sha256") != hashlib.sha256(code).hexdigest()
            or not _linkable(undefined_symbols(code))
        ):
            return None
        llvm = _llvm()
        for name in undefined_symbols(code) or []:
            _resolve(name)
        with _llvm_lock():
            machine = llvm.Target.from_default_triple().create_target_machine(
                cpu=llvm.get_host_cpu_name(),
                features=llvm.get_host_cpu_features().flatten(),
                codemodel="jitdefault",
                jit=True,
            )
            engine = llvm.create_mcjit_compiler(llvm.parse_assembly(_stubs()), machine)
            engine.add_object_file(llvm.ObjectFileRef.from_data(code))
            engine.finalize_object()
            address = engine.get_function_address(str(record["symbol"]))
        if not address:
            return None
    except (OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None
    return NativeKernel(address, signature, engine, "cache")
