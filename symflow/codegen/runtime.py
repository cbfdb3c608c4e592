"""The runtime array API of compiled kernels: :class:`Kernels`.

A :class:`Kernels` holds a generated kernel module (:mod:`symflow.codegen.kernel`) by its
file in the cache (:mod:`symflow.codegen.cache`). Its array methods check and broadcast
their inputs and run the module's loops as native code (:mod:`symflow.codegen.native`):
compiled by numba on first use, cached as machine code, and loaded by later processes
without numba. The numba module itself, and the scalar entry points ``log_prob_1`` and
``prob_1`` for a user's own ``@njit`` code, are imported on first use.

Examples
--------
>>> import sympy as sp, numpy as np
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 1, z)]).compile()
>>> k.prob([1.0, 3.0]).round(6)  # p_X of Normal(1, 2)
array([0.199471, 0.120985])
"""

from __future__ import annotations

import functools
import math
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symflow.codegen.cache import import_module, module_file, purge_numba_cache
from symflow.errors import KernelError, ParameterError

__all__ = ["Kernels", "VectorKernels"]


#: the native loops loaded in this process, by (kernel module, loop name)
_NATIVES: dict[tuple[str, str], Any] = {}
_NATIVE_LOCK = threading.RLock()


@functools.lru_cache(maxsize=256)
def _numpy_function(expr: sp.Expr):
    """expr as a NumPy function of its free symbols in name order."""
    return sp.lambdify(sorted(expr.free_symbols, key=str), expr, "numpy")


class Kernels:
    """Compiled array functions of X = f(Z): log p_X, p_X, F_X, F_X^-1, f, f^-1 and sampling.

    Parameters of the flow are keyword arguments: ``k.log_prob(xs, mu=1.5)``.

    The array methods run native loops (``symflow.codegen.native``) whose machine code is
    cached on disk, so a kernel compiled in one process loads in another without numba. The
    numba module itself (``k.module``, and the scalar entry points ``k.log_prob_1`` and
    ``k.prob_1`` for a user's own ``@njit`` code) is imported on first use.

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> mu = sp.Symbol("mu", real=True)
    >>> k = sf.Flow(sf.Normal(mu, 1), [sf.Transform(sp.exp(z), z)]).compile()
    >>> k
    <Kernels of x = exp(z), z ~ Normal(mu, 1); log_prob(xs, mu=...)>
    >>> k.parameters
    ('mu',)
    >>> np.round(k.log_prob(np.array([1.0, 2.0]), mu=0.5), 6)
    array([-1.043939, -1.630739])
    """

    def __init__(self, program, base, source: str, param_idents: list[str]):
        self.program = program
        self.base = base
        self.source = source
        self.module_name, self.module_path = module_file(source)
        self.parameters = tuple(p.name for p in program.parameters)
        self._domains = tuple(self._domain(p) for p in program.parameters)
        self._idents = param_idents
        self.dimension = program.dimension
        if "out" in self.parameters:
            raise ParameterError(
                "A flow parameter may not be named 'out': log_prob(xs, out=...) takes the "
                "output array under that name. Rename the symbol (e.g. sp.Symbol('o'))."
            )
        self._natives: dict[str, Any] = {}

    #: the shape of one point x (and of one base point z): () for a scalar flow
    point_shape: tuple[int, ...] = ()

    @property
    def module(self) -> Any:
        """The kernel's numba module (imported, and numba with it, on first access)."""
        module = sys.modules.get(self.module_name)
        if module is None:
            if not self.module_path.exists():  # a cleared cache: write it again
                self.module_name, self.module_path = module_file(self.source)
            module = import_module(self.module_name, self.module_path)
        return module

    @property
    def log_prob_1(self) -> Any:
        """The scalar ``@njit`` log-density ``log_prob_1(x, *parameters)``."""
        return self.module.log_prob_1

    @property
    def prob_1(self) -> Any:
        """The scalar ``@njit`` density ``prob_1(x, *parameters)``."""
        return self.module.prob_1

    def __repr__(self) -> str:
        """What the kernels compile and what they take, e.g.
        ``<Kernels of x = exp(z), z ~ Normal(mu, 1); log_prob(xs, mu=...)>``."""
        program = self.program
        values: dict = {}
        for a in program.forward:
            values[a.target] = a.value.xreplace(values)
        inputs = list(program.base_symbols)
        shown = dict(zip(inputs, self._base_names(), strict=True))
        outputs = [a.target for a in program.forward[-len(inputs) :]] if program.forward else inputs
        text = self._point_text([values.get(t, t).xreplace(shown) for t in outputs])
        takes = "".join(f", {p}=..." for p in self.parameters)
        return f"<Kernels of x = {text}, z ~ {self.base!r}; log_prob(xs{takes})>"

    def _base_names(self) -> list[sp.Symbol]:
        """The names of the base coordinates in ``repr``: z."""
        return [sp.Symbol("z")]

    @staticmethod
    def _point_text(x: list) -> str:
        """One point's coordinates as ``repr`` shows them."""
        return str(x[0])

    def __getstate__(self) -> dict:
        """Pickle by reference to the cached module file (for dask workers)."""
        return {
            "path": str(self.module_path),
            "name": self.module_name,
            "base": self.base,
            "source": self.source,
            "parameters": self.parameters,
            "domains": self._domains,
            "idents": self._idents,
            "dimension": self.dimension,
        }

    def __setstate__(self, state: dict) -> None:
        self.program = None  # the symbolic program stays with the flow
        self.base = state["base"]
        self.source = state["source"]
        self.module_name, self.module_path = state["name"], Path(state["path"])
        if not self.module_path.exists():  # another machine or a cleared cache
            self.module_name, self.module_path = module_file(self.source)
        self.parameters = state["parameters"]
        self._domains = state.get("domains", (None,) * len(self.parameters))
        self._idents = state["idents"]
        self.dimension = state["dimension"]
        self._natives = {}

    def _native(self, name: str, scalars: bool) -> Any:
        """The native loop ``name`` (log_prob, prob, forward, inverse), taking the
        parameters as numbers (``scalars``) or as columns: loaded from the cache, or
        compiled through numba and cached."""
        loop = f"{name}_s" if scalars and self.parameters else f"{name}_c"
        kernel = self._natives.get(loop)
        if kernel is not None:
            return kernel
        from symflow.codegen.native import compile_native, load_native, native_cache_enabled

        with _NATIVE_LOCK:  # one copy of each loop per process, shared by equal kernels
            kernel = _NATIVES.get((self.module_name, loop))
            if kernel is None:
                root = self.module_path.parent
                prefix = root / "native" / f"{self.module_name}.{loop}"
                if not native_cache_enabled():
                    prefix = None  # numba caches the callback beside the module
                signature = ("d" if scalars else "p") * len(self.parameters)
                kernel = None if prefix is None else load_native(prefix, signature, root)
                if kernel is None:
                    kernel = self._run(
                        lambda: compile_native(getattr(self.module, loop), signature, prefix, root)
                    )
                _NATIVES[(self.module_name, loop)] = kernel
        self._natives[loop] = kernel
        return kernel

    #: what a parameter's assumptions allow: (test of a value, the words for it)
    _DOMAINS = {
        "positive": (lambda v: v > 0, "positive (> 0)"),
        "nonnegative": (lambda v: v >= 0, "non-negative (>= 0)"),
        "negative": (lambda v: v < 0, "negative (< 0)"),
        "nonpositive": (lambda v: v <= 0, "non-positive (<= 0)"),
    }

    @staticmethod
    def _domain(symbol: sp.Symbol) -> str | None:
        """The sign a parameter symbol is declared with (``positive=True`` ...), if any."""
        for name in ("positive", "negative", "nonnegative", "nonpositive"):
            if getattr(symbol, f"is_{name}"):
                return name
        return None

    @staticmethod
    def _floats(value: Any, what: str) -> np.ndarray:
        """``value`` as float64, refusing what is not real numbers (complex, strings,
        dates, objects that are not numbers) instead of coercing it."""
        arr = value if isinstance(value, np.ndarray) else np.asarray(value)
        if arr.dtype.kind in "biuf":
            return arr.astype(np.float64, copy=False)
        # NumPy turns None into nan: a missing value is refused, not read as a number
        missing = arr.dtype.kind == "O" and any(v is None for v in arr.flat)
        if arr.dtype.kind == "O" and not missing:
            try:
                return np.asarray(arr, dtype=np.float64)
            except (TypeError, ValueError):
                pass
        kind = {"c": "complex", "U": "text", "S": "bytes", "M": "dates", "m": "time spans"}
        got = "None" if missing else kind.get(arr.dtype.kind, f"dtype {arr.dtype}")
        advice = (
            "Remove the missing values, or pass np.nan where a value is unknown"
            if missing
            else "Convert it first, e.g. np.real(...) or .astype(float), if that is what you mean"
        )
        raise ParameterError(
            f"{what} must be real numbers; got {got} ({np.array2string(arr.reshape(-1)[:3])}"
            f"{' ...' if arr.size > 3 else ''}). {advice}."
        )

    def _params(self, given: dict[str, Any]) -> tuple[Any, ...]:
        missing = [p for p in self.parameters if p not in given]
        extra = [p for p in given if p not in self.parameters]
        if extra:
            known = ", ".join(self.parameters) or "none"
            raise ParameterError(
                f"Unknown parameter {', '.join(extra)}; this flow's parameters are: {known}."
            )
        if missing:
            raise ParameterError(
                f"Missing value for parameter {', '.join(missing)}: pass it as a keyword, "
                f"e.g. log_prob(xs, {missing[0]}=1.0)."
            )
        out = []
        for p, domain in zip(self.parameters, self._domains, strict=True):
            value = self._floats(given[p], f"Parameter {p}")
            if domain is not None:
                test, words = self._DOMAINS[domain]
                with np.errstate(invalid="ignore"):
                    bad = ~(test(value) | np.isnan(value))
                if np.any(bad):
                    first = value[bad].reshape(-1)[0] if value.ndim else value
                    raise ParameterError(
                        f"Parameter {p} is declared {domain}, so its value must be {words}; "
                        f"got {float(first)!r}."
                    )
            out.append(float(value) if value.ndim == 0 else value)
        if out and all(isinstance(v, float) for v in out):
            self._check_base(dict(zip(self.parameters, out, strict=True)))
        elif out:
            self._check_conditions(dict(zip(self.parameters, out, strict=True)))
        return tuple(out)

    def _check_conditions(self, values: dict[str, Any]) -> None:
        """The base's conditions e(θ) > 0 (see ``Distribution.conditions``) at parameter
        values of which some are arrays: the first row where one fails is refused with
        the base's own message for the values of that row."""
        from symflow.core.bases.distribution import Distribution

        bases = getattr(self.base, "components", None) or (self.base,)
        for base in bases:
            if not isinstance(base, Distribution):
                continue
            for _, expr in base.conditions():
                symbols = sorted(expr.free_symbols, key=str)
                if not all(s.name in values for s in symbols):
                    continue
                given = [values[s.name] for s in symbols]
                with np.errstate(all="ignore"):
                    value = np.asarray(_numpy_function(expr)(*given), dtype=np.float64)
                    bad = ~(value > 0) & ~np.isnan(value)
                if np.any(bad):
                    row = int(np.flatnonzero(bad.reshape(-1))[0])
                    one = {
                        s.name: float(np.broadcast_to(v, bad.shape).reshape(-1)[row])
                        for s, v in zip(symbols, given, strict=True)
                    }
                    base.check_values(one)

    def _check_base(self, values: dict[str, float]) -> None:
        """The base is a distribution at these values: its positive parameters positive,
        its support not empty (Gamma(k, 1) with k = −1 is refused, not −inf everywhere)."""
        from symflow.core.bases.distribution import Distribution

        bases = getattr(self.base, "components", None) or (self.base,)
        for base in bases:
            if not isinstance(base, Distribution) or not base.free_symbols:
                continue
            subs = {s: values[s.name] for s in base.free_symbols if s.name in values}
            given = ", ".join(f"{s} = {v!r}" for s, v in sorted(subs.items(), key=str))
            base.check_values(values)
            lo, hi = base.support.inf, base.support.sup
            if (lo.free_symbols or hi.free_symbols) and lo.is_finite is not False:
                a, b = float(lo.xreplace(subs)), float(hi.xreplace(subs))
                if not a < b and a == a and b == b:
                    raise ParameterError(
                        f"{base!r} is no distribution at {given}: its support "
                        f"({lo}, {hi}) = ({a!r}, {b!r}) is empty."
                    )

    @classmethod
    def _array(cls, xs: Any) -> tuple[np.ndarray, bool]:
        arr = cls._floats(xs, "The points")
        scalar = arr.ndim == 0
        if arr.ndim > 1:
            raise ParameterError(
                f"Expected a 1-D array of points (shape (n,)) for a 1-D flow; got shape "
                f"{arr.shape}."
            )
        return np.ascontiguousarray(arr.reshape(-1)), scalar

    def _run(self, fn, *args):
        """Call or compile; a numba cache entry that fails to load is purged and the
        function recompiled (a damaged cache never crashes a kernel)."""
        import pickle

        try:
            return fn(*args)
        except (pickle.UnpicklingError, EOFError, OverflowError, MemoryError) as exc:
            purge_numba_cache(self.module_path.parent, self.module_name)
            import warnings

            warnings.warn(
                f"symflow: the numba cache of kernel {self.module_name} was unreadable "
                f"({type(exc).__name__}); it was deleted and the kernel recompiled.",
                RuntimeWarning,
                stacklevel=3,
            )
            return fn(*args)

    def _evaluate(self, fn, x: np.ndarray, values: tuple, out=None) -> np.ndarray:
        """``fn`` over the rows of x: a native loop by name, or a numba array function;
        ``values`` are the parameters (numbers, or arrays broadcastable to the rows);
        ``out`` is a checked flat view of the caller's output array, or None.

        Rows with a NaN parameter give NaN. An ``out`` that overlaps the inputs is
        written through a buffer (as NumPy's ufuncs do)."""
        n = x.shape[0]
        scalars = all(np.ndim(v) == 0 for v in values)
        if not isinstance(fn, str) or not scalars:  # one column of n values per parameter
            values = tuple(np.ascontiguousarray(np.broadcast_to(v, (n,))) for v in values)
        if not isinstance(fn, str):
            return self._run(fn, x, *values)
        target = out
        if out is not None and any(
            isinstance(a, np.ndarray) and np.shares_memory(a, out) for a in (x, *values)
        ):
            target = None  # computed apart, then copied
        if target is None:
            # forward and inverse map points to points; the densities give one number each
            target = np.empty((n, *self.point_shape) if fn in ("forward", "inverse") else n)
        loop = self._native(fn, scalars)
        arguments = [float(v) if scalars else v for v in values]
        try:
            loop(x, target, arguments)
        except KernelError as exc:
            raise self._failure(fn, loop, x, arguments, exc) from None
        missing = [np.isnan(v) for v in values if np.isnan(v).any()]
        if missing:
            target[np.logical_or.reduce(missing) if not scalars else slice(None)] = np.nan
        if out is not None and target is not out:
            out[...] = target
            return out
        return target

    def _failure(self, fn: str, loop, x, arguments, exc) -> KernelError:
        """The error of a loop that raised, naming the first point where it does."""
        for i in range(min(x.shape[0], 100_000)):
            one = [a[i : i + 1] if isinstance(a, np.ndarray) else a for a in arguments]
            try:
                loop(x[i : i + 1], np.empty((1, *x.shape[1:])), one)
            except KernelError:
                point = x[i].tolist()
                break
        else:
            point = None
        name = "z" if fn == "forward" else "x"
        where = f" at {name} = {point}" if point is not None else ""
        return KernelError(
            f"The compiled {fn} of this flow raised{where} ({str(exc).split(': ', 1)[-1]}); "
            "no result is returned. The flow's expressions are undefined there: check that "
            "every Piecewise covers the support."
        )

    @staticmethod
    def _target(out: Any, shape: tuple[int, ...]) -> np.ndarray | None:
        """A flat view of the caller's ``out`` array, after checking it can take the
        result of this shape."""
        if out is None:
            return None
        if not (
            isinstance(out, np.ndarray)
            and out.dtype == np.float64
            and out.flags.c_contiguous
            and out.flags.writeable
            and out.shape == shape
        ):
            got = (
                f"{type(out).__name__} of shape {out.shape}, dtype {out.dtype}"
                if isinstance(out, np.ndarray)
                else type(out).__name__
            )
            raise ParameterError(
                f"out= must be a writeable C-contiguous float64 array of shape {shape} (the "
                f"result's shape); got {got}. Allocate it with np.empty({shape})."
            )
        return out.reshape(-1)

    def _call(self, fn, xs, params, out=None):
        """Evaluate ``fn`` with the parameters broadcast against the points (into
        ``out`` when given)."""
        if (
            not params
            and not self.parameters
            and isinstance(fn, str)
            and type(xs) is np.ndarray
            and xs.dtype == np.float64
            and xs.flags.c_contiguous
            and xs.shape[1:] == self.point_shape
        ):  # the common case, without broadcasting or copies
            result = self._evaluate(fn, xs, (), self._target(out, xs.shape[:1]))
            return result if out is None else out
        from symflow.codegen.dask_support import is_dask

        if is_dask(xs):
            from symflow.codegen.dask_support import map_kernel

            if out is not None:
                raise ParameterError("out= takes NumPy arrays; a dask result is lazy.")

            return map_kernel(self, fn if isinstance(fn, str) else fn.__name__, xs, params)
        return self._call_points(fn, xs, params, out)

    def _call_points(self, fn, xs, params, out=None):
        """``_call`` on points that are numbers: broadcast against the parameters."""
        values = self._params(params)
        arr = self._floats(xs, "The points")
        if arr.ndim > 1:
            self._array(arr)
        try:
            shape = np.broadcast_shapes(arr.shape, *[np.shape(v) for v in values])
        except ValueError as exc:
            shapes = ", ".join(
                f"{p}: {np.shape(v)}" for p, v in zip(self.parameters, values, strict=True)
            )
            raise ParameterError(
                f"Parameters do not broadcast against the points (points: {arr.shape}, {shapes})."
            ) from exc
        if len(shape) > 1:
            self._array(np.empty(shape))
        n = int(np.prod(shape)) if shape else 1
        flat = np.ascontiguousarray(np.broadcast_to(arr, shape).reshape(n))
        target = self._target(out, shape)
        result = self._evaluate(fn, flat, values, target)
        if out is not None:
            return out
        return result[0] if shape == () else result

    def log_prob(self, xs: Any, *, out: np.ndarray | None = None, **params: float) -> np.ndarray:
        """log p_X(x) at each point: shape (n,), -inf outside the support, nan for nan.

        ``out``: a float64 array of the result's shape to write into (and return), so that
        repeated calls allocate nothing; fresh output memory costs page faults.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.log_prob(np.array([1.0, -1.0])), 6)
        array([-0.918939,      -inf])
        >>> buf = np.empty(2)
        >>> k.log_prob(np.array([1.0, 2.0]), out=buf) is buf
        True
        """
        return self._call("log_prob", xs, params, out)

    def prob(self, xs: Any, *, out: np.ndarray | None = None, **params: float) -> np.ndarray:
        """p_X(x) at each point: shape (n,), 0 outside the support (``out`` as in ``log_prob``).

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.prob(np.array([1.0, 2.0, -1.0])), 6)
        array([0.398942, 0.156874, 0.      ])
        """
        return self._call("prob", xs, params, out)

    def inverse(self, xs: Any, **params: float) -> np.ndarray:
        """z = f^-1(x) at each point, for a bijective flow.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.inverse(np.array([1.0, np.e])), 12)
        array([0., 1.])
        """
        return self._call("inverse", xs, params)

    def cdf(self, xs: Any, **params: float) -> np.ndarray:
        """F_X(x) = P(X <= x) at each point (compiled; see ``symflow.codegen.cdf_kernel``).

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.cdf(np.array([1.0, np.e])), 6)
        array([0.5     , 0.841345])
        """
        from symflow.codegen.cdf_kernel import kernel_cdf

        return kernel_cdf(self, xs, **params)

    def sf(self, xs: Any, **params: float) -> np.ndarray:
        """S_X(x) = 1 - F_X(x) at each point, accurate in the upper tail where F_X rounds to 1.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> s = k.sf(np.array([1.0, np.exp(10.0)]))
        >>> float(s[0])
        0.5
        >>> f"{s[1]:.6e}"
        '7.619853e-24'
        """
        from symflow.codegen.cdf_kernel import kernel_sf

        return kernel_sf(self, xs, **params)

    def quantile(self, us: Any, **params: float) -> np.ndarray:
        """F_X^-1(u) at each probability u.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.quantile(np.array([0.5, 0.975])), 6)
        array([1.      , 7.099071])
        """
        from symflow.codegen.cdf_kernel import kernel_quantile

        return kernel_quantile(self, us, **params)

    def isf(self, us: Any, **params: float) -> np.ndarray:
        """S_X^-1(q) = F_X^-1(1 - q), accurate for small q where 1 - q rounds to 1.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> x = k.isf(np.array([0.5, 1e-20]))
        >>> round(float(x[0]), 12), round(float(x[1]), 3)
        (1.0, 10533.754)
        """
        from symflow.codegen.cdf_kernel import kernel_isf

        return kernel_isf(self, us, **params)

    def standard_inverse(self, xs: Any, **params: float) -> np.ndarray | None:
        """t = (f⁻¹(x) − loc)/scale, the standardised base point, for a bijective flow on a
        location-scale base whose location or scale is 2⁹⁶⁹ or more (f⁻¹(x) overflows
        where t does not); None for other flows.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1e308), [sf.Transform(z + 1e308, z)]).compile()
        >>> k.inverse(np.array([-1e308])), k.standard_inverse(np.array([-1e308]))
        (array([-inf]), array([-2.]))
        """
        if not (self._standard_draws() and len(self.program.paths) == 1):
            return None
        return self._call("inverse_standard", xs, params)

    def _standard_draws(self) -> bool:
        """Whether the module has forward_standard (and, for one path, inverse_standard)."""
        from symflow.core.program import standard_draws

        return standard_draws(self.program) is not None

    def forward(self, zs: Any, **params: float) -> np.ndarray:
        """x = f(z) at each base point z.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> np.round(k.forward(np.array([0.0, 1.0])), 6)
        array([1.      , 2.718282])
        """
        return self._call("forward", zs, params)

    def sample(self, n: int, seed: Any = None, chunks: Any = None, **params: float) -> np.ndarray:
        """n samples x_i = f(z_i), z_i drawn from the base and pushed through the compiled f.

        With ``chunks`` (dask's chunk spec, e.g. 100_000) the result is a dask array whose
        blocks use independent streams spawned from ``seed``.

        Examples
        --------
        >>> import numpy as np
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> x = k.sample(1000, seed=0)
        >>> x.shape
        (1000,)
        >>> bool((x > 0).all())
        True
        """
        n = sample_count(n, in_memory=chunks is None)
        if chunks is not None:
            from symflow.codegen.dask_support import sample_blocks

            self._params(params)
            return sample_blocks(self, int(n), seed, chunks, params)
        values = self._params(params)
        if any(np.ndim(v) for v in values):
            raise ParameterError("sample() takes one value per parameter, not arrays.")
        rng = np.random.default_rng(seed)
        numbers = dict(zip(self.parameters, values, strict=True))
        if self._standard_draws():
            # draws loc + scale·t that overflow where f(loc + scale·t) does not
            ts = self.base.standard_sample(int(n), rng, numbers)
            return self._evaluate("forward_standard", ts, values)
        zs = self.base.sample(int(n), rng, numbers)
        return self._evaluate("forward", np.ascontiguousarray(zs, dtype=np.float64), values)


#: the most samples one call draws into memory (8 bytes each: 32 GiB); more go in chunks
MAX_SAMPLES_IN_MEMORY = 2**32


def sample_count(n: Any, in_memory: bool = True) -> int:
    """n as the number of samples to draw, or a ParameterError that says why not.

    Examples
    --------
    >>> sample_count(1000.0)
    1000
    """
    whole = isinstance(n, int | np.integer) or (
        isinstance(n, float | np.floating) and math.isfinite(n) and int(n) == n
    )
    if isinstance(n, bool) or not whole or n < 0:
        raise ParameterError(f"n must be a non-negative integer; got {n!r}.")
    if in_memory and n > MAX_SAMPLES_IN_MEMORY:
        raise ParameterError(
            f"n = {int(n):,} samples need {8 * int(n) / 2**30:,.0f} GiB as one array; draw "
            f"at most {MAX_SAMPLES_IN_MEMORY:,} at once, or pass chunks= for a dask array "
            f"drawn block by block."
        )
    return int(n)


class VectorKernels(Kernels):
    """Compiled array functions of a d-dimensional flow: points are rows of d coordinates.

    ``log_prob`` and ``prob`` take an array of shape (n, d) (or one point of shape (d,))
    and return shape (n,); ``forward``, ``inverse`` and ``sample`` give shape (n, d).

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    >>> k = sf.Flow(base, [sf.Transform([z1 + z2, z2], [z1, z2])]).compile()
    >>> k
    <Kernels of x = [z1 + z2, z2], z ~ Independent(Normal(0, 1), Normal(0, 1)); log_prob(xs)>
    >>> k.point_shape, k.forward(np.array([[1.0, 2.0]]))
    ((2,), array([[3., 2.]]))
    """

    @property
    def point_shape(self) -> tuple[int, ...]:
        """(d,): one point is a row of d coordinates."""
        return (self.dimension,)

    def _base_names(self) -> list[sp.Symbol]:
        """The names of the base coordinates in ``repr``: z1, …, zd."""
        return [sp.Symbol(f"z{i + 1}") for i in range(self.dimension)]

    @staticmethod
    def _point_text(x: list) -> str:
        return str(x)

    def _call_points(self, fn, xs, params, out=None):
        """``_call`` on rows of d coordinates (one row alone is one point)."""
        d = self.dimension
        values = self._params(params)
        arr = self._floats(xs, "The points")
        single = arr.ndim == 1
        if single:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != d:
            raise ParameterError(
                f"Expected points of shape (n, {d}) (or ({d},) for one point) for this "
                f"{d}-dimensional flow; got shape {np.shape(xs)}."
            )
        n = arr.shape[0]
        try:
            fits = all(np.broadcast_shapes((n,), np.shape(v)) == (n,) for v in values)
        except ValueError:
            fits = False
        if not fits:
            raise ParameterError(
                f"Parameters must be scalars or arrays of length {n} (one per point)."
            )
        target = self._target(out, () if single else (n,))
        result = self._evaluate(fn, np.ascontiguousarray(arr), values, target)
        if out is not None:
            return out
        return result[0] if single else result
