"""What a user passes to ``fit``: the observations and the options, checked before any work.

Both fitting paths (:mod:`symflow.stats.fit` for a few parameters, :mod:`symflow.stats.train`
for many) take the same observations and share most options, so one place says what is
accepted and refuses the rest with a message that names the option and its allowed values.

Examples
--------
>>> as_observations([1, 2.5], 1)
array([1. , 2.5])
>>> check_fit_options({"tol": 1e-8, "method": "adam", "epochs": 3})
>>> check_fit_options({"epochs": 0})
Traceback (most recent call last):
...
symflow.errors.ParameterError: epochs must be an integer of at least 1; got 0.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from symflow.errors import ParameterError

__all__ = [
    "FIT_METHODS",
    "FIT_OPTIONS",
    "as_observations",
    "check_blocks",
    "check_fit_options",
    "shape_message",
]

#: every method ``fit`` accepts ("L-BFGS-B" is SciPy's name for "L-BFGS")
FIT_METHODS = ("auto", "trust-exact", "trust-krylov", "L-BFGS", "L-BFGS-B", "adam")
#: every keyword option ``fit`` accepts besides ``init``
FIT_OPTIONS = (
    "fixed",
    "method",
    "tol",
    "maxiter",
    "validation",
    "patience",
    "progress",
    "batch_size",
    "learning_rate",
    "epochs",
    "seed",
    "stall",
)


def shape_message(shape: tuple, dimension: int, what: str = "data") -> str:
    """The message for observations of the wrong shape."""
    want = "(n,)" if dimension == 1 else f"(n, {dimension})"
    return f"Expected {what} of shape {want} for this {dimension}-D flow; got shape {shape}."


def as_observations(data: Any, dimension: int, what: str = "data") -> np.ndarray:
    """``data`` as a contiguous float64 array of shape (n,) or (n, dimension).

    Raises
    ------
    ParameterError
        Not real numbers, the wrong shape, no points, or a point that is NaN or infinite.

    Examples
    --------
    >>> as_observations([[0, 1], [2, 3]], 2).shape
    (2, 2)
    >>> as_observations([1, float("nan")], 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symflow.errors.ParameterError: Point 1 of the data is NaN (nan); 1 of 2 points are ...
    """
    if np.iscomplexobj(data):
        raise ParameterError(
            f"The {what} must be real numbers; got complex values. Pass the real parts "
            f"(np.real) if the imaginary parts are rounding noise."
        )
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"The {what} must be an array of numbers; got {data!r}.") from exc
    if arr.ndim != (1 if dimension == 1 else 2) or (dimension > 1 and arr.shape[1] != dimension):
        raise ParameterError(shape_message(arr.shape, dimension, what))
    if arr.shape[0] == 0:
        raise ParameterError(f"The {what} are empty: there is nothing to fit.")
    bad = ~np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = float(arr[i]) if dimension == 1 else arr[i].tolist()
        kind = "NaN" if np.isnan(arr[i]).any() else "infinite"
        raise ParameterError(
            f"Point {i} of the {what} is {kind} ({value!r}); {int(bad.sum())} of "
            f"{arr.shape[0]} points are not finite: remove or impute them before fitting."
        )
    return np.ascontiguousarray(arr)


def check_blocks(data: Any, what: str = "data") -> None:
    """The checks of :func:`as_observations` on a dask array, in one pass over its blocks.

    Its shape is checked by the caller, which knows the flow's dimension.
    """
    import dask
    import dask.array as da

    if np.issubdtype(data.dtype, np.complexfloating):
        raise ParameterError(f"The {what} must be real numbers; got complex values.")
    if not np.issubdtype(data.dtype, np.number) and data.dtype != np.bool_:
        raise ParameterError(f"The {what} must be an array of numbers; got dtype {data.dtype}.")
    if data.shape[0] == 0:
        raise ParameterError(f"The {what} are empty: there is nothing to fit.")
    bad = ~da.isfinite(data.astype(np.float64))
    if data.ndim > 1:
        bad = bad.any(axis=1)
    count, first = dask.compute(bad.sum(), da.argmax(bad))
    if count:
        raise ParameterError(
            f"Point {int(first)} of the {what} is not finite; {int(count)} of "
            f"{data.shape[0]} points are not finite: remove or impute them before fitting."
        )


def _count(name: str, value: Any, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ParameterError(f"{name} must be an integer of at least {least}; got {value!r}.")


def _positive(name: str, value: Any, zero: bool = False) -> None:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(value)
        and (value >= 0 if zero else value > 0)
    )
    if not ok:
        bound = "at least 0" if zero else "greater than 0"
        raise ParameterError(f"{name} must be a finite number {bound}; got {value!r}.")


def check_fit_options(options: dict[str, Any]) -> None:
    """Refuse unknown options and values no fit can use, naming the option.

    ``init`` and the observations are checked by the fit itself (they depend on the flow).
    """
    unknown = [k for k in options if k not in FIT_OPTIONS]
    if unknown:
        raise ParameterError(
            f"Unknown option {', '.join(map(repr, unknown))} for fit; the options are: "
            f"{', '.join(FIT_OPTIONS)} (and init)."
        )
    method = options.get("method", "auto")
    if not isinstance(method, str) or method not in FIT_METHODS:
        raise ParameterError(f"method must be one of {', '.join(FIT_METHODS)}; got {method!r}.")
    if "tol" in options:
        _positive("tol", options["tol"], zero=True)
    if options.get("maxiter") is not None:
        _count("maxiter", options["maxiter"], 1)
    for name in ("patience", "batch_size", "epochs"):
        if name in options:
            _count(name, options[name], 1)
    if "learning_rate" in options:
        _positive("learning_rate", options["learning_rate"])
    seed = options.get("seed")
    if seed is not None:
        _count("seed", seed, 0)
    progress = options.get("progress", False)
    if not (isinstance(progress, bool) or callable(progress)):
        raise ParameterError(
            f"progress must be True, False or a function called with each iteration's "
            f"record; got {progress!r}."
        )
    if "stall" in options:
        stall = options["stall"]
        if not (isinstance(stall, tuple | list) and len(stall) == 2):
            raise ParameterError(
                f"stall must be a pair (iterations, nats), e.g. (50, 0.01); got {stall!r}."
            )
        _count("stall[0] (iterations)", stall[0], 1)
        _positive("stall[1] (nats)", stall[1], zero=True)
