"""The C entries of SciPy's ``cython_special`` that kernels call, found without numba.

:mod:`symflow.codegen.special` declares each entry to numba under an LLVM symbol of its
own (``symflow_<name>``). Machine code that calls it names the symbol, never an address;
a process that links such code (numba, or the native loader of
:mod:`symflow.codegen.native`, which runs without numba) resolves the symbol here to the
entry's address in that process.

Examples
--------
>>> symbol_address("symflow_psi") > 0
True
>>> symbol_address("printf") is None
True
"""

from __future__ import annotations

import ctypes
import functools

__all__ = ["BINDINGS", "SYMBOL_PREFIX", "entry_address", "symbol_address"]

#: prefix of the LLVM symbols under which the SciPy functions are registered
SYMBOL_PREFIX = "symflow_"

#: name -> (entry in cython_special's C API, number of double arguments); every entry
#: has the C signature ``double f(double, ..., int __pyx_skip_dispatch)``. Fused Cython
#: functions have one entry per type with a mangled name (``__pyx_fuse_1psi`` is the
#: ``double`` version of ``psi``).
BINDINGS: dict[str, tuple[str, int]] = {
    "psi": ("__pyx_fuse_1psi", 1),
    "gamma": ("__pyx_fuse_1gamma", 1),
    "rgamma": ("__pyx_fuse_1rgamma", 1),
    "gammaln": ("gammaln", 1),
    "loggamma": ("__pyx_fuse_1loggamma", 1),
    "gammainc": ("gammainc", 2),
    "gammaincc": ("gammaincc", 2),
    "gammaincinv": ("gammaincinv", 2),
    "gammainccinv": ("gammainccinv", 2),
    "betainc": ("__pyx_fuse_0betainc", 3),
    "betaincc": ("__pyx_fuse_0betaincc", 3),
    "betaincinv": ("__pyx_fuse_0betaincinv", 3),
    "betaln": ("betaln", 2),
    "ndtr": ("__pyx_fuse_1ndtr", 1),
    "ndtri": ("ndtri", 1),
    "log_ndtr": ("__pyx_fuse_1log_ndtr", 1),
    "erf": ("__pyx_fuse_1erf", 1),
    "erfc": ("__pyx_fuse_1erfc", 1),
    "erfcx": ("__pyx_fuse_1erfcx", 1),
    "erfinv": ("__pyx_fuse_0erfinv", 1),
    "erfcinv": ("erfcinv", 1),
    "expi": ("__pyx_fuse_1expi", 1),
    "exp1": ("__pyx_fuse_1exp1", 1),
    "expn": ("__pyx_fuse_0expn", 2),
    "zetac": ("zetac", 1),
    "stdtr": ("__pyx_fuse_0stdtr", 2),
    "stdtrit": ("__pyx_fuse_0stdtrit", 2),
}


def entry_address(name: str) -> int:
    """The address in this process of the C entry bound as ``name`` (a key of BINDINGS),
    read from its capsule in ``scipy.special.cython_special.__pyx_capi__``."""
    import scipy.special.cython_special as cython_special

    capsule = cython_special.__pyx_capi__[BINDINGS[name][0]]
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))


@functools.cache
def symbol_address(symbol: str) -> int | None:
    """The address of a ``symflow_<name>`` symbol in this process; None for other names."""
    if not symbol.startswith(SYMBOL_PREFIX) or symbol[len(SYMBOL_PREFIX) :] not in BINDINGS:
        return None
    return entry_address(symbol[len(SYMBOL_PREFIX) :])
