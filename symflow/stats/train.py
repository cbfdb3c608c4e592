"""Training a flow with many parameters: θ̂ = argmax_θ Σ_i log p_X(x_i; θ).

The log-likelihood, its reverse-mode gradient and Hessian-vector products come from one
compiled loop over the data (:mod:`symflow.codegen.train_kernel`), so a gradient costs a
small multiple of one evaluation of the log-density whatever the number of parameters.

The optimiser is chosen by size (``method="auto"``):

=======================  =====================================================
parameters / data        method
=======================  =====================================================
P ≤ 40                   ``trust-exact``: trust-region Newton on the exact
                         Hessian (P tangent passes after one reverse pass per
                         point, once per iteration), the subproblem solved
                         exactly from its eigendecomposition in a region
                         scaled to the parameters
                         (:mod:`symflow.stats.trust_region`)
P > 40                   ``L-BFGS`` (scipy's L-BFGS-B, exact gradients), its
                         memory as many curvature pairs as parameters (20 to
                         100, :func:`lbfgs_memory`)
n ≥ 10⁷ points           ``adam``: minibatch Adam, then the full-data gradient
                         is reported
=======================  =====================================================

An indefinite Hessian never stops the trust region: its step follows the negative
curvature, and a point with a small gradient where the likelihood still curves upwards
(a saddle point) is left the same way, not reported as a maximum. ``trust-krylov``
(scipy's, the subproblem solved by Lanczos iterations) can be asked for; with at most 40
parameters its products come from the exact Hessian and, where it stops (at a small
gradient, or when its Lanczos solver fails on an indefinite Hessian), the exact trust
region takes over. With more than 40 parameters it is Hessian-free: each Lanczos step
is one exact Hessian-vector product over the data.

A flow with several inverse paths (x = z², a Piecewise map) is trained the same way:
its kernels sum the paths' densities (a log-sum-exp), and its gradient and
Hessian-vector products are those of the log-sum-exp, exact.

Parameters declared positive (negative) are optimised as θ = ±exp(η), and weights on a
simplex (a mixture's) in log-odds against the last weight, as in :mod:`symflow.stats.fit`.
Without ``init``, every parameter starts at the value that makes its layer the identity
(1 for positive parameters, 0 for the others, equal weights on a simplex) and, when the
last layer is an affine map x = s·z + b (s a positive parameter or exp of one), s and b
are set from the data's median and interquartile range against the base's. When some
data points lie outside the support there (a shift or a power that puts the support's
edge inside the data), parameters are moved one at a time, further and further, until
none does.

A fit is converged when the largest component of the gradient of the mean
log-likelihood (in the optimised coordinates η) is at most ``tol`` and, for up to 40
parameters, no eigenvalue of its Hessian exceeds ``tol`` (not a saddle); the result says so,
or says why it stopped (iteration limit, line search failure, early stopping on
validation data, a stall, with the parameters that drift) and what the gradient was.

Examples
--------
>>> import numpy as np, sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> a, b = sp.Symbol("a", real=True), sp.Symbol("b", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(a) * z + b, z)])
>>> data = np.random.default_rng(0).normal(3.0, 2.0, 5000)
>>> fit = train_flow(X, data)
>>> fit.success, round(float(fit.params["b"] - data.mean()), 6)
(True, 0.0)
>>> round(float(np.exp(fit.params["a"]) / data.std()), 6)
1.0
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symflow.core.adjoint import kinked_parameters
from symflow.core.bases.distribution import Distribution
from symflow.errors import ParameterError
from symflow.stats.coordinates import (
    SIMPLEX,
    Coordinates,
    kind_of,
    simplex_groups,
    start_in_domain,
)
from symflow.stats.fit import (
    NEWTON_GAIN,
    kink_message,
    movers,
    newton_gain,
    ridge_message,
    unresolved_message,
)
from symflow.stats.inputs import (
    as_observations,
    check_blocks,
    check_fit_options,
    shape_message,
)

__all__ = [
    "TrainResult",
    "train_flow",
    "choose_method",
    "lbfgs_memory",
    "starting_values",
    "wants_training",
]

#: parameter counts up to this use the exact-Hessian trust region
TRUST_REGION_MAX = 40
#: data sets of at least this many points are fitted by minibatch Adam
ADAM_MIN_POINTS = 10_000_000
METHODS = ("auto", "trust-exact", "trust-krylov", "L-BFGS", "adam")
#: options that only the training path knows
_TRAIN_OPTIONS = {
    "validation",
    "progress",
    "patience",
    "batch_size",
    "learning_rate",
    "epochs",
    "seed",
    "stall",
}


# -- the result -----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained flow's parameters, with the optimiser's honest account of how it stopped.

    ``params``/``stderr`` map names to numbers (standard errors from the inverse observed
    information, NaN where it is singular); ``gradient_norm`` is the largest component
    of the gradient of the mean log-likelihood in the optimised coordinates;
    ``history`` holds (iteration, log-likelihood, gradient norm, seconds) rows.
    """

    params: dict[str, float]
    stderr: dict[str, float]
    loglik: float
    nit: int
    success: bool
    message: str
    n: int
    method: str
    gradient_norm: float
    seconds: float
    flow: str = ""
    validation_loglik: float | None = None
    history: tuple[tuple[int, float, float, float], ...] = ()
    names: tuple[str, ...] = ()
    cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fixed: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        from symflow.stats.report import estimate_report

        summary = [
            f"  log-likelihood = {self.loglik:.10g}   (mean {self.loglik / self.n:.6g})",
            f"  largest gradient component (mean log-likelihood) = {self.gradient_norm:.3g}",
        ]
        if self.validation_loglik is not None:
            summary.append(f"  validation log-likelihood = {self.validation_loglik:.10g}")
        footer = f"  stopped: {self.message}"
        return estimate_report(self, f"training of {self.flow} on", summary, footer)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"

    def to_json(self) -> str:
        """The result as JSON (parameters, standard errors, convergence record)."""
        record = {
            "params": self.params,
            "stderr": {k: (None if math.isnan(v) else v) for k, v in self.stderr.items()},
            "loglik": self.loglik,
            "nit": self.nit,
            "success": self.success,
            "message": self.message,
            "n": self.n,
            "method": self.method,
            "gradient_norm": self.gradient_norm,
            "seconds": self.seconds,
            "flow": self.flow,
            "validation_loglik": self.validation_loglik,
            "history": [list(row) for row in self.history],
            "names": list(self.names),
            "cov": [[None if math.isnan(v) else v for v in row] for row in self.cov.tolist()],
            "fixed": self.fixed,
        }
        return json.dumps(record, indent=1)

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path``."""
        Path(path).write_text(self.to_json())

    @classmethod
    def from_json(cls, text: str) -> TrainResult:
        """The inverse of :meth:`to_json`."""
        try:
            r = json.loads(text)
            nan = float("nan")
            return cls(
                params={k: float(v) for k, v in r["params"].items()},
                stderr={k: nan if v is None else float(v) for k, v in r["stderr"].items()},
                loglik=float(r["loglik"]),
                nit=int(r["nit"]),
                success=bool(r["success"]),
                message=str(r["message"]),
                n=int(r["n"]),
                method=str(r["method"]),
                gradient_norm=float(r["gradient_norm"]),
                seconds=float(r["seconds"]),
                flow=str(r.get("flow", "")),
                validation_loglik=r.get("validation_loglik"),
                history=tuple(tuple(row) for row in r.get("history", [])),
                names=tuple(r.get("names", ())),
                cov=np.array(
                    [[nan if v is None else v for v in row] for row in r.get("cov", [])],
                    dtype=float,
                ).reshape(len(r.get("cov", [])), -1),
                fixed={k: float(v) for k, v in r.get("fixed", {}).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ParameterError(
                f"Not a saved training result ({type(exc).__name__}: {exc}); expected the "
                f"JSON written by TrainResult.save."
            ) from exc

    @classmethod
    def load(cls, path: str | Path) -> TrainResult:
        """Read a result written by :meth:`save`."""
        return cls.from_json(Path(path).read_text())


# -- data ---------------------------------------------------------------------------------
class _Data:
    """Points held in memory (an array) or in blocks (a dask array), with the sums of
    ℓ, ∇ℓ and ∇²ℓ·V over all of them."""

    def __init__(self, kernels, data: Any, dimension: int, what: str = "data"):
        from symflow.codegen.dask_support import is_dask

        self.kernels = kernels
        self.dask = is_dask(data)
        if self.dask:
            if data.ndim != (1 if dimension == 1 else 2):
                raise ParameterError(shape_message(data.shape, dimension, what))
            if dimension > 1:
                data = data.rechunk({1: -1})
            check_blocks(data, what)
            self.blocks = data.astype(np.float64).to_delayed().ravel().tolist()
            self.sizes = data.chunks[0]
            self.n = int(data.shape[0])
            self.array = None
        else:
            self.array = as_observations(data, dimension, what)
            self.n = self.array.shape[0]

    def sample(self, size: int, rng) -> np.ndarray:
        """A subsample of at most ``size`` points (for starting values)."""
        if self.array is not None:
            return self.array[:: max(1, self.n // size)]
        import dask

        first = dask.compute(self.blocks[0])[0]
        return first[:: max(1, first.shape[0] // size)]

    def value_grad(self, theta: np.ndarray):
        if self.array is not None:
            return self.kernels.value_grad(self.array, theta)
        return self._blockwise(lambda b: self.kernels.value_grad(b, theta), 1)

    def value_grad_hvp(self, theta: np.ndarray, vs: np.ndarray):
        if self.array is not None:
            return self.kernels.value_grad_hvp(self.array, theta, vs)
        return self._blockwise(lambda b: self.kernels.value_grad_hvp(b, theta, vs), 2)

    def _blockwise(self, fn, arrays: int):
        import dask

        parts = dask.compute(*[dask.delayed(fn)(block) for block in self.blocks])
        value = sum(p[0] for p in parts)
        sums = [sum(p[1 + j] for p in parts) for j in range(arrays)]
        bad, first, start = 0, -1, 0
        for p, size in zip(parts, self.sizes, strict=True):
            bad += p[-1][0]
            if p[-1][1] >= 0 and first < 0:
                first = start + p[-1][1]
            start += size
        return (value, *sums, (bad, first))


# -- parameters -----------------------------------------------------------------------------
def _affine_roles(flow) -> tuple[sp.Symbol, sp.Symbol, bool] | None:
    """(scale, location, scale is a log) when the last layer is x = s·z + b or
    x = exp(a)·z + b with s, a, b parameters; None otherwise."""
    transforms = getattr(flow, "transforms", None)
    if not transforms or flow.dimension != 1:
        return None
    last = transforms[-1]
    t, expr = last.vars[0], last.exprs[0]
    poly = sp.Poly(expr, t) if expr.is_polynomial(t) else None
    if poly is None or poly.degree() != 1:
        return None
    scale, loc = poly.all_coeffs()
    params = set(flow.program.parameters)
    if not (isinstance(loc, sp.Symbol) and loc in params):
        return None
    if isinstance(scale, sp.exp) and isinstance(scale.args[0], sp.Symbol):
        if scale.args[0] in params:
            return scale.args[0], loc, True
    if isinstance(scale, sp.Symbol) and scale in params and scale.is_positive:
        return scale, loc, False
    return None


def starting_values(flow, points: np.ndarray) -> dict[str, float]:
    """Identity layers (1 for positive parameters, −1 for negative, 0 otherwise), then the
    last affine layer's scale and location from the data's quartiles against those of
    what that layer receives (base samples pushed through the earlier layers).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import symflow as sf
    >>> z, a, b = sp.symbols("z a b", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(a) * z + b, z)])
    >>> start = starting_values(X, np.random.default_rng(1).normal(5.0, 2.0, 100_000))
    >>> round(start["b"], 1), round(float(np.exp(start["a"])), 1)
    (5.0, 2.0)
    """
    values = {s.name: float(kind_of(s)) for s in flow.program.parameters}
    roles = _affine_roles(flow)
    if roles is None or points.ndim != 1:
        return values
    base = flow.base
    if getattr(base, "free_symbols", set()):
        return values
    try:
        zs = np.asarray(base.sample(20_000, np.random.default_rng(0), {}), dtype=float)
        # through the earlier layers at their starting values (the identity for layers
        # built with sf.layers): z here is what the last layer receives
        for tr in flow.transforms[:-1]:
            at = {s: values[s.name] for s in tr.parameters}
            zs = np.asarray(sp.lambdify(tr.vars[0], tr.exprs[0].xreplace(at), "numpy")(zs))
            zs = np.broadcast_to(zs, (20_000,)).astype(float)
    except Exception:  # a base without a sampler, or a layer numpy cannot evaluate
        return values
    zs = zs[np.isfinite(zs)]
    if zs.size < 1000:
        return values
    qz = np.quantile(zs, [0.25, 0.5, 0.75])
    qx = np.quantile(points, [0.25, 0.5, 0.75])
    if not (qz[2] > qz[0] and qx[2] > qx[0]):
        return values
    scale = (qx[2] - qx[0]) / (qz[2] - qz[0])
    scale_symbol, loc_symbol, is_log = roles
    values[scale_symbol.name] = math.log(scale) if is_log else scale
    values[loc_symbol.name] = float(qx[1] - scale * qz[1])
    return values


# -- method choice -------------------------------------------------------------------------
def choose_method(parameters: int, points: int) -> str:
    """The default optimiser for ``parameters`` free parameters and ``points`` data points.

    >>> choose_method(16, 20_000), choose_method(64, 20_000), choose_method(16, 10**7)
    ('trust-exact', 'L-BFGS', 'adam')
    """
    if points >= ADAM_MIN_POINTS:
        return "adam"
    return "trust-exact" if parameters <= TRUST_REGION_MAX else "L-BFGS"


def lbfgs_memory(parameters: int) -> int:
    """L-BFGS memory m = min(max(P, 20), 100) curvature pairs for P parameters.

    With m ≥ P the pairs can span the whole parameter space, so the quasi-Newton matrix
    can hold every curvature direction the iterations have met. On the 64-parameter
    sinh-arcsinh stack memory 64 reaches a given log-likelihood in a quarter of the
    iterations of memory 20; on the 44- and 80-parameter stacks the two are within a nat
    of each other after the same iterations (sometimes one ahead, sometimes the other).
    Above 100 the recursion's O(m·P) work per iteration grows without a measured gain.

    >>> lbfgs_memory(16), lbfgs_memory(64), lbfgs_memory(500)
    (20, 64, 100)
    """
    return min(max(parameters, 20), 100)


def wants_training(flow, data: Any, options: dict) -> bool:
    """Whether ``flow.fit(data, **options)`` goes to :func:`train_flow`: d-D flows, flows
    of more than six parameters, dask data, or a training option (``validation``, ``progress``,
    a training method …)."""
    from symflow.codegen.dask_support import is_dask

    program = flow.program
    if program.dimension > 1:
        return True  # fit_flow is one-dimensional
    if len(program.paths) > 1 and any(path.implicit for path in program.paths):
        return False  # the training kernels do not sum over paths with a root solve
    many = len(program.parameters) > 6
    method = options.get("method")
    if method in ("trust-exact", "L-BFGS-B"):  # also fit_flow's methods
        return many or bool(_TRAIN_OPTIONS & set(options)) or is_dask(data)
    if method is not None:
        return method in METHODS
    return many or bool(_TRAIN_OPTIONS & set(options)) or is_dask(data)


# -- progress ------------------------------------------------------------------------------
class _Progress:
    """One line per report: iteration, log-likelihood, gradient norm, seconds (stderr),
    at most every ``every`` seconds and always at the end; or a user's callable."""

    def __init__(self, progress: Any, every: float = 0.5):
        self.sink = progress if callable(progress) else None
        self.on = bool(progress)
        self.every = every
        self.last = -math.inf
        self.header = False

    def __call__(self, row: tuple[int, float, float, float], final: bool = False, note=""):
        if not self.on:
            return
        if self.sink is not None:
            self.sink(
                {
                    "iteration": row[0],
                    "loglik": row[1],
                    "gradient": row[2],
                    "seconds": row[3],
                    "final": final,
                }
            )
            return
        if not final and row[3] - self.last < self.every:
            return
        self.last = row[3]
        if not self.header:
            print(f"{'iter':>6} {'log-likelihood':>18} {'|grad|':>10} {'time':>8}", file=sys.stderr)
            self.header = True
        line = f"{row[0]:>6} {row[1]:>18.8g} {row[2]:>10.3g} {row[3]:>7.2f}s"
        print(line + (f"  {note}" if note else ""), file=sys.stderr)


#: a fit that stops with a larger gradient component of the mean log-likelihood is
#: reported as climbing towards a singularity (its gradient grows without bound)
SINGULAR_GRADIENT = 1e3
#: L-BFGS runs at most this many times from where the last one stopped
RESTARTS = 20
#: the objective (minus the mean log-likelihood) where it is not finite
_WALL = 1e30


class _Stop(Exception):
    """Raised in an optimiser's callback to stop it (early stopping)."""


# -- training ------------------------------------------------------------------------------
def train_flow(
    flow,
    data: Any,
    init: dict[str, float] | None = None,
    *,
    fixed: dict[str, float] | None = None,
    method: str = "auto",
    tol: float = 1e-6,
    maxiter: int | None = None,
    validation: Any = None,
    patience: int = 100,
    progress: bool | Callable[[dict], None] = False,
    batch_size: int = 65_536,
    learning_rate: float = 1e-2,
    epochs: int = 5,
    seed: int = 0,
    stall: tuple[int, float] = (50, 1e-2),
) -> TrainResult:
    """Maximise Σ_i log p_X(x_i; θ) over the flow's parameters with compiled gradients.

    Parameters
    ----------
    flow : Flow
        A bijective flow (1-D or d-D) with parameter symbols.
    data : array_like or dask array, shape (n,) or (n, d)
        The observations.
    init, fixed : dict, optional
        Starting values, and parameters held fixed, by name.
    method : {"auto", "trust-exact", "trust-krylov", "L-BFGS", "adam"}
        See the module docstring; "auto" chooses by parameter count and data size.
    tol : float
        Converged when the largest gradient component of the mean log-likelihood (in the
        optimised coordinates) is at most ``tol``.
    maxiter : int, optional
        Iteration limit (default 2000 trial steps for trust-exact, 500 for trust-krylov,
        5000 for L-BFGS).
    validation : array_like, optional
        Held-out points: the parameters with the best validation log-likelihood are kept,
        and training stops when it has not improved for ``patience`` iterations.
    progress : bool or callable
        Print iteration, log-likelihood, gradient norm and time to stderr (about twice
        a second), or call ``progress(dict)`` after each iteration.
    batch_size, learning_rate, epochs, seed
        Minibatch Adam's settings.
    stall : (int, float)
        Stop when the log-likelihood rose by less than ``stall[1]`` nats over the last
        ``stall[0]`` iterations (reported as not converged unless the gradient is small:
        a likelihood that keeps rising this slowly often has its supremum at infinite
        parameter values, a limit of the family).

    Returns
    -------
    TrainResult

    Raises
    ------
    ParameterError
        No parameters, bad data or options, or zero likelihood at the start.
    """
    from scipy import optimize

    from symflow.codegen.train_kernel import train_kernels
    from symflow.stats.trust_region import trust_region

    t0 = time.perf_counter()
    check_fit_options(
        {
            "method": method,
            "tol": tol,
            "maxiter": maxiter,
            "patience": patience,
            "progress": progress,
            "batch_size": batch_size,
            "learning_rate": learning_rate,
            "epochs": epochs,
            "seed": seed,
            "stall": stall,
        }
    )
    program = flow.program
    symbols = list(program.parameters)
    names = [s.name for s in symbols]
    if not symbols:
        raise ParameterError(
            f"{flow!r} has no parameters to fit: declare some as SymPy symbols, e.g. "
            f"sp.Symbol('sigma', positive=True)."
        )
    if not program.paths:
        raise ParameterError(
            f"{flow!r} maps {len(program.base_symbols)} variables to {program.dimension}: "
            f"its density is not a sum over the Program's inverse paths but is read from "
            f"the reduction of the map (an integral over the auxiliary variables, or exact "
            f"terms), and the training kernels differentiate Program paths only. Maximise "
            f"flow.compile().log_prob(xs, **params) summed over the data with scipy.optimize."
        )
    method = {"L-BFGS-B": "L-BFGS"}.get(method, method)
    for given, what in ((init, "init"), (fixed, "fixed")):
        if given:
            extra = [k for k in given if k not in names]
            if extra:
                raise ParameterError(
                    f"Unknown parameter {', '.join(map(str, extra))} in {what}; this flow's "
                    f"parameters are: {', '.join(names)}."
                )
    fixed = {k: float(v) for k, v in (fixed or {}).items()}
    kernels = train_kernels(program)
    d = flow.dimension
    train = _Data(kernels, data, d)
    valid = _Data(kernels, validation, d, "validation data") if validation is not None else None
    n = train.n
    kinds = np.array([kind_of(s) for s in symbols])
    start = starting_values(flow, train.sample(20_000, None))
    start.update(init or {})
    start.update(fixed)
    base = getattr(flow, "base", None)
    conditions = base.conditions() if isinstance(base, Distribution) else ()
    groups = simplex_groups(symbols, conditions)
    kinds[[j for group in groups for j in group]] = SIMPLEX
    moving = [j for j in range(len(names)) if names[j] not in fixed]
    coords = Coordinates(kinds, groups, moving, np.array([float(start[n]) for n in names]))
    given = {j for j, name in enumerate(names) if name in fixed or name in (init or {})}
    start = start_in_domain(coords, names, start, given, base, conditions)
    for name, kind in zip(names, kinds, strict=True):
        value = float(start[name])
        if not math.isfinite(value) or (kind and not kind * value > 0):
            raise ParameterError(
                f"The starting value of {name} must be finite"
                + (f" and {'positive' if kind > 0 else 'negative'}" if kind else "")
                + f"; got {value!r}."
            )
    free = np.array([j for j, name in enumerate(names) if name not in fixed], dtype=int)
    if free.size == 0:
        raise ParameterError(
            f"Every parameter of {flow!r} is fixed ({', '.join(names)}): there is nothing "
            f"to fit. Leave at least one out of fixed, or evaluate flow.compile().log_prob."
        )
    theta0 = np.array([float(start[name]) for name in names])
    if method == "auto":
        method = choose_method(free.size, n)
    if maxiter is None:
        maxiter = {"trust-exact": 2000, "trust-krylov": 500, "L-BFGS": 5000, "adam": 0}[method]

    def theta_of(eta: np.ndarray) -> np.ndarray:
        return coords.theta_of(eta)  # (inf, nan where exp overflows: the wall)

    value0, _, bad0 = train.value_grad(theta0)
    if bad0[0] and not (init and all(names[j] in init for j in free)):
        theta0, value0, bad0 = _feasible_start(train, theta0, free, kinds, init or {}, names)
    eta0 = coords.eta_of(theta0)
    if bad0[0]:
        given = ", ".join(f"{k} = {start[k]:g}" for k in names)
        first = kernels.first_bad(train.array, theta0) if train.array is not None else -1
        point = train.array[first].tolist() if first >= 0 else None
        where = f"data point {first} (x = {point!r})" if point is not None else "a data point"
        raise ParameterError(
            f"At the starting values ({given}) {where} has zero density under {flow!r} "
            f"({bad0[0]} of {n} points), so the log-likelihood is -inf. Pass init= values "
            f"under which every data point is inside the support."
        )

    state = {"eta": None, "out": None, "last": eta0, "stalled": False, "second_order": False}
    path: list[np.ndarray] = []  # η after each iteration (where a stalled fit drifts)

    def chain(theta, grad):
        return None, coords.vjp(theta, grad[free])

    def loglik_at(theta: np.ndarray):
        """(ℓ, ∇_η ℓ) at θ itself, or None where a point has zero density or the flow
        overflows."""
        value, grad, bad = train.value_grad(theta)
        if bad[0] or not math.isfinite(value) or not np.all(np.isfinite(grad)):
            return None
        return value, chain(theta, grad)[1]

    def objective(eta: np.ndarray):
        """(−ℓ/n, −∇_η ℓ/n); a large finite value where loglik_at has none (L-BFGS-B's
        line search stops on inf; a finite wall makes it shorten the step)."""
        out = loglik_at(theta_of(eta))
        if out is None:
            return _WALL, np.zeros(free.size)
        state["eta"], state["out"] = eta.copy(), out
        return -out[0] / n, -out[1] / n

    def hessp(eta: np.ndarray, v: np.ndarray) -> np.ndarray:
        theta = theta_of(eta)
        full = np.zeros(theta.size)
        full[free] = coords.jvp(theta, v)
        _, grad, hv, _ = train.value_grad_hvp(theta, full)
        return -(coords.vjp(theta, hv[free]) + coords.curvature(theta, grad[free], v)) / n

    def hess(eta: np.ndarray) -> np.ndarray:
        return hess_at(theta_of(eta))

    def hess_at(theta: np.ndarray) -> np.ndarray:
        """The Hessian of −ℓ/n in η at θ itself (on the support's edge θ ↦ η ↦ θ may
        round outside it)."""
        jac = coords.jacobian(theta)
        vs = np.zeros((theta.size, free.size))
        vs[free, :] = jac
        _, grad, hv, bad = train.value_grad_hvp(theta, vs)
        if bad[0]:  # not reached from a feasible start; keep the optimiser's algebra finite
            return np.eye(free.size)
        h = jac.T @ hv[free]
        h += coords.chain(theta, grad[free], np.zeros((free.size, free.size)))[1]
        return -h / n

    memo: dict[bytes, np.ndarray] = {}

    def hess_once(eta: np.ndarray) -> np.ndarray:
        """The exact Hessian at η, computed once per point: the Lanczos iterations of
        trust-krylov take their products from it (one fused pass over the data for all P
        directions costs a fraction of P separate Hessian-vector passes)."""
        key = eta.tobytes()
        if key not in memo:
            memo.clear()
            memo[key] = hess(eta)
        return memo[key]

    def hessp_of_matrix(eta: np.ndarray, v: np.ndarray) -> np.ndarray:
        return hess_once(eta) @ v

    exact = free.size <= TRUST_REGION_MAX
    report = _Progress(progress)
    history: list[tuple[int, float, float, float]] = []
    best = {"valid": -math.inf, "eta": eta0.copy(), "since": 0, "at": 0}

    def after(eta: np.ndarray) -> None:
        f, g = (
            objective(eta)
            if state["eta"] is None or not np.array_equal(state["eta"], eta)
            else (-state["out"][0] / n, -state["out"][1] / n)
        )
        state["last"] = eta.copy()
        row = (len(history) + 1, -f * n, float(np.max(np.abs(g))), time.perf_counter() - t0)
        history.append(row)
        path.append(eta.copy())
        report(row)
        if valid is not None:
            v, _, vbad = valid.value_grad(theta_of(eta))
            v = v if not vbad[0] else -math.inf
            if v > best["valid"]:
                best.update(valid=v, eta=eta.copy(), since=0, at=len(history))
            else:
                best["since"] += 1
                if best["since"] >= patience:
                    raise _Stop
        if row[2] <= tol and method != "adam" and not state["second_order"]:
            raise _Stop
        window, nats = stall
        if len(history) > window and history[-1][1] - history[-1 - window][1] < nats:
            state["stalled"] = True
            raise _Stop

    reason = ""
    eta = eta0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            if method == "trust-exact":
                state["second_order"] = True
                eta, reason = trust_region(
                    objective, hess_once, eta0, tol, maxiter, after, curvature=tol
                )
            elif method == "trust-krylov":
                res = optimize.minimize(
                    objective,
                    eta0,
                    jac=True,
                    hessp=hessp_of_matrix if exact else hessp,
                    method=method,
                    callback=after,
                    options={"gtol": tol, "maxiter": maxiter},
                )
                eta, reason = res.x, str(res.message)
            elif method == "L-BFGS":
                # restarted (memory cleared) when a run ends without progress while the
                # gradient is still large: far from the optimum the first curvature
                # pairs can scale the steps so badly that the line search fails
                eta = eta0
                for _ in range(RESTARTS):
                    before = objective(eta)[0]
                    res = optimize.minimize(
                        objective,
                        eta,
                        jac=True,
                        method="L-BFGS-B",
                        callback=after,
                        options={
                            "gtol": tol,
                            "ftol": 0.0,
                            "maxiter": maxiter - len(history),
                            "maxcor": lbfgs_memory(free.size),
                        },
                    )
                    eta, reason = res.x, str(res.message)
                    if len(history) >= maxiter or not res.fun < before:
                        break
            else:
                eta, reason = _adam(
                    train,
                    objective,
                    theta_of,
                    chain,
                    eta0,
                    n,
                    batch_size,
                    learning_rate,
                    epochs,
                    seed,
                    after,
                    free,
                )
        except _Stop:
            eta, reason = state["last"], ""
        if (
            method in ("trust-krylov", "L-BFGS")
            and exact
            and valid is None
            and not state["stalled"]
        ):
            # scipy's trust-krylov stops at a small gradient, which a saddle point also
            # has, and gives up when its Lanczos solver fails on an indefinite Hessian
            # (status 3) or returns a step its model does not predict to descend (status
            # 2); L-BFGS-B's line search fails against the support's edge (where the
            # objective is a wall): while the exact Hessian is affordable, the
            # exact-subproblem trust region takes over until the gradient is small and no
            # direction of negative curvature is left (it returns at once if it is)
            state["second_order"] = True
            try:
                eta, reason = trust_region(
                    objective,
                    hess_once,
                    eta,
                    tol,
                    max(maxiter - len(history), 1),
                    after,
                    curvature=tol,
                )
            except _Stop:
                eta, reason = state["last"], ""
    if valid is not None:
        eta = best["eta"]
    elif method == "trust-exact" or (method == "trust-krylov" and exact):
        eta = _polish(objective, hess_once, eta)
    kinked = kinked_parameters(program.paths, symbols)
    candidates = [a for a, j in enumerate(free) if symbols[j] in kinked]
    held: dict[int, tuple[float, float] | None] = {}
    if valid is None and candidates:
        eta, held = _kinks(objective, hess, hessp, candidates, eta, tol, maxiter, exact)
    theta = theta_of(eta)
    edge = None
    if valid is None and train.array is not None and set(symbols) & program.support.free_symbols:
        edge = _edge_maximum(flow, symbols, train, objective, theta_of, free, kinds, eta, tol)
    blocked: list[int] = []
    if edge is not None:
        eta, theta, blocked, point = edge
        inner = [a for a in range(free.size) if a not in blocked]
        if inner and free.size <= TRUST_REGION_MAX:  # Newton on what the edge leaves free
            on_edge = theta.copy()

            def inner_theta(e: np.ndarray) -> np.ndarray:
                full = on_edge.copy()
                full[free[inner]] = theta_of(_put(eta, inner, e))[free[inner]]
                return full

            def inner_objective(e: np.ndarray):
                out = loglik_at(inner_theta(e))
                if out is None:
                    return _WALL, np.zeros(len(inner))
                return -out[0] / n, -out[1][inner] / n

            polished = _polish(
                inner_objective,
                lambda e: hess_at(inner_theta(e))[np.ix_(inner, inner)],
                eta[inner],
            )
            eta, theta = _put(eta, inner, polished), inner_theta(polished)
    inner = np.array([a for a in range(free.size) if a not in blocked and a not in held], dtype=int)
    value, grad, bad = train.value_grad(theta)
    _, g_eta = chain(theta, grad)
    gnorm = float(np.max(np.abs(g_eta[inner] / n), initial=0.0))
    success = bool(not bad[0] and gnorm <= tol)
    lowest = math.nan  # the lowest curvature of −ℓ/n (η): negative at a saddle point
    gain = math.nan  # the Newton decrement: what a Newton step would still gain, in nats
    # the Hessian at the end: affordable up to TRUST_REGION_MAX parameters, and already
    # paid for per iteration when the exact trust region was asked for
    curvature_known = (free.size <= TRUST_REGION_MAX or method == "trust-exact") and not bad[0]
    if curvature_known and inner.size:
        gain, lowest, _ = newton_gain(g_eta[inner] / n, hess_at(theta)[np.ix_(inner, inner)], n)
        success = (success and lowest >= -tol) or gain <= NEWTON_GAIN
    stopped_early = valid is not None and best["since"] >= patience
    if edge is not None:
        which = ", ".join(names[free[a]] for a in blocked)
        message = ("" if success else f"{reason or 'stopped'} (largest gradient {gnorm:.3g}); ") + (
            f"the maximum is on the edge of the region where every data point has positive "
            f"density: moving {which} further would put "
            + (
                f"data point {point} (x = {train.array[point].tolist()!r})"
                if point is not None
                else "a data point"
            )
            + " outside the support, so the "
            f"log-likelihood is not differentiable there and {which} "
            f"{'have' if len(blocked) > 1 else 'has'} no standard error from the observed "
            f"information"
        )
    elif stopped_early:
        message = (
            f"early stopping: the validation log-likelihood did not improve for {patience} "
            f"iterations; kept the parameters of its best value"
        )
        success = True  # the rule that was asked for stopped it (see the message)
    elif valid is not None and best["at"] < len(history):
        message = (
            f"training ended after {len(history)} iterations ("
            + (reason or "its last iteration")
            + f"), but the validation log-likelihood was highest at iteration {best['at']}: "
            f"kept the parameters of that iteration, where the largest gradient component "
            f"is {gnorm:.3g}"
        )
        success = True  # validation= asks for the best held-out parameters (see above)
    elif success and gnorm <= tol:
        message = f"the largest gradient component {gnorm:.3g} is at most tol = {tol:g}"
    elif success:
        message = ridge_message(gain, gnorm, tol, lowest)
    elif gnorm <= tol and lowest < -tol:
        message = (
            f"a saddle point: the largest gradient component {gnorm:.3g} is at most tol = "
            f"{tol:g}, but the mean log-likelihood curves upwards along one direction "
            f"(Hessian eigenvalue {-lowest:.3g} > tol), so this is not a maximum (start from "
            f"other init values, or use method='trust-exact', which leaves saddle points)"
        )
    elif state["stalled"]:
        window, nats = stall
        names_free = [names[j] for j in free]
        message = (
            f"stalled: the log-likelihood rose by less than {nats:g} nats over the last "
            f"{window} iterations while the largest gradient component is {gnorm:.3g} > "
            f"tol = {tol:g}; "
            + (
                f"the likelihood is concave here (a Newton step would gain {gain:.2g} nats): "
                f"the fit is crawling along a long, curved, nearly flat valley (lowest "
                f"curvature {lowest:.2g}), and more iterations (a longer stall window, e.g. "
                f"stall=(500, 0.01)) may converge"
                if lowest > 0
                else _drift(
                    names_free,
                    theta_of(path[-1 - window])[free],
                    theta[free],
                    kinds[free],
                    curvature_known,
                )
            )
        )
    elif gnorm > SINGULAR_GRADIENT and len(path) > 1:
        back = path[max(0, len(path) - 51)]
        message = (
            f"{reason or 'stopped'}; the largest gradient component grew to {gnorm:.3g}: "
            f"the likelihood rises towards a singularity along this path (a layer "
            f"collapsing onto a density spike, where the log-likelihood has no finite "
            f"maximum), not a maximum; "
            + "the parameters that moved most over the last iterations: "
            + movers([names[j] for j in free], theta_of(back)[free], theta[free], kinds[free])
            + " (start from other init values, or use validation= to stop on held-out data)"
        )
    else:
        message = (
            f"{reason or 'stopped'}; the largest gradient component is {gnorm:.3g} > tol = "
            f"{tol:g}, so this is not a maximum to that tolerance "
            + (
                "(more epochs, a larger learning_rate, or method='L-BFGS', which steps on "
                "the gradient of all the data)"
                if method == "adam"
                else "(raise maxiter, or start from other init values)"
            )
        )
    unresolved = [names[free[a]] for a in candidates if a not in held]
    if not success and unresolved:
        message = (message + "; " if message else "") + unresolved_message(unresolved)
    if held:
        message = (message + "; " if message else "") + kink_message(
            {names[free[a]]: (theta[free[a]], sides, kinds[free[a]]) for a, sides in held.items()}
        )
    names_free = tuple(names[j] for j in free)
    cov = np.full((free.size, free.size), np.nan)
    if curvature_known and inner.size:
        vs = np.zeros((theta.size, inner.size))
        vs[free[inner], np.arange(inner.size)] = 1.0
        info = -train.value_grad_hvp(theta, vs)[2][free[inner]]
        try:
            np.linalg.cholesky(info)
            cov[np.ix_(inner, inner)] = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            message += (
                "; the observed information is not positive definite at the estimate (as when "
                "parameters cannot be told apart, e.g. in stacked layers), so the standard "
                "errors are NaN"
            )
    elif not curvature_known and not bad[0]:
        message += (
            f"; standard errors are computed for up to {TRUST_REGION_MAX} parameters, or "
            f"with method='trust-exact' (an exact Hessian costs one tangent pass per "
            f"parameter)"
        )
    stderr = {name: 0.0 for name in fixed}
    for a, j in enumerate(free):
        stderr[names[j]] = float(math.sqrt(cov[a, a])) if cov[a, a] >= 0 else math.nan
    valid_ll = None
    if valid is not None:
        v, _, vbad = valid.value_grad(theta)
        valid_ll = float(v) if not vbad[0] else -math.inf
    seconds = time.perf_counter() - t0
    report((len(history), float(value), gnorm, seconds), final=True, note=message[:60])
    return TrainResult(
        params={name: float(theta[j]) for j, name in enumerate(names)},
        stderr={name: stderr[name] for name in names},
        loglik=float(value),
        nit=len(history),
        success=success,
        message=message,
        n=n,
        method=method,
        gradient_norm=gnorm,
        seconds=seconds,
        flow=repr(flow),
        validation_loglik=valid_ll,
        history=tuple(history),
        names=names_free,
        cov=cov,
        fixed=fixed,
    )


#: widths of the moves tried when the data leave the support at the default start
_WIDER = (1.0, 4.0, 16.0)


def _feasible_start(train, theta0, free, kinds, init, names):
    """A start under which every data point has positive density, when the default one
    leaves some outside the support (a shift or a power that puts the support's edge
    inside the data): the best of the moves of one parameter at a time, η ± 1.5·w for
    signed parameters and θ ± 2·w for the others, for w = 1, 4, 16 in turn; then of
    those moves from the best of them. Returns (θ, value, bad) at the start chosen (the
    default one, still infeasible, when no move helps)."""
    # weights on a simplex never move the support
    searched = [j for j in free if names[j] not in init and kinds[j] != SIMPLEX]
    value, _, bad = train.value_grad(theta0)
    best = (theta0, value, bad)
    for width in _WIDER:
        for _ in range(2):  # a second round from the best point so far
            centre = best[0]
            for j in searched:
                for sign in (-1.0, 1.0):
                    theta = centre.copy()
                    if kinds[j]:
                        theta[j] = centre[j] * math.exp(1.5 * sign * width)
                    else:
                        theta[j] = centre[j] + 2.0 * sign * width
                    value, _, bad = train.value_grad(theta)
                    if (bad[0], -value) < (best[2][0], -best[1]) and math.isfinite(value):
                        best = (theta, value, bad)
            if best[2][0] == 0:
                return best
    return best


def _drift(
    names: list[str],
    before: np.ndarray,
    after: np.ndarray,
    kinds: np.ndarray,
    curvature_known: bool = True,
) -> str:
    """What a stalled fit's parameters did over the stall window: the three that moved
    most in the optimised coordinates (log|θ| for signed parameters), from → to. With
    ``curvature_known`` the likelihood is known not to be concave there (a limit, or a
    slow crawl to a maximum); without, the Hessian was not computed and the message says so.

    >>> before, after = np.array([0.1, 12.0]), np.array([0.1, 127.0])
    >>> message = _drift(["a", "d"], before, after, np.array([0, 1]))
    >>> message.split(" where")[0]
    'the parameters drift (d 12 → 127)'
    """
    eta_before = np.where(kinds != 0, np.log(np.abs(before)), before)
    eta_after = np.where(kinds != 0, np.log(np.abs(after)), after)
    moved = np.abs(eta_after - eta_before)
    order = [j for j in np.argsort(-moved)[:3] if moved[j] > 0.01 * max(1.0, abs(eta_after[j]))]
    if not order:
        return (
            "the parameters barely move: the likelihood is flat here (a ridge of parameters "
            "that cannot be told apart); more iterations gain little"
        )
    steps = ", ".join(f"{names[j]} {before[j]:.3g} → {after[j]:.3g}" for j in order)
    if not curvature_known:
        return (
            f"the parameters drift ({steps}): the likelihood may rise towards a limit at "
            f"infinite or zero parameter values, or crawl along a long, nearly flat valley "
            f"to a maximum; this fit did not compute the Hessian that tells the two apart "
            f"(method='trust-exact', started from these parameters, does, and takes exact "
            f"Newton steps: one tangent pass per parameter each)"
        )
    return (
        f"the parameters drift ({steps}) where the likelihood is not concave: either "
        f"towards a limit at infinite or zero parameter values (a sub-family reached only "
        f"in a limit, where this flow has no maximiser) or along a long, nearly flat "
        f"valley to a maximum further on; the last iterations gained little, and a longer "
        f"stall window (e.g. stall=(1000, 0.001)) tells the two apart"
    )


def _put(eta: np.ndarray, where, values: np.ndarray) -> np.ndarray:
    """A copy of η with ``values`` at the coordinates ``where``."""
    out = eta.copy()
    out[where] = values
    return out


def _edge_maximum(flow, symbols, train, objective, theta_of, free, kinds, eta, tol):
    """A maximum on the edge of the parameter region where every data point has positive
    density (θ̂ = max xᵢ for Uniform(0, θ)): the ascent direction of a coordinate leaves
    the region at once. Returns (η, θ on the edge, the blocked coordinates, the index of
    a data point the edge touches), or None.

    The blocked coordinates are found as for the few-parameter fit
    (:func:`symflow.stats.fit.support_edge`); with several parameters the maximum
    subject to every data point inside the support comes first.
    """
    from symflow.stats.fit import maximise_inside, support_constraints, support_edge

    def evaluate(theta: np.ndarray):
        value, grad, bad = train.value_grad(theta)
        return value, grad, None, (0 if bad[0] else -1)

    edge = support_edge(objective, evaluate, theta_of, free, kinds, eta, tol)
    if edge is not None and free.size > 1 and flow.dimension == 1:
        ends = support_constraints(flow, symbols, train.array, theta_of)
        if ends:
            constrained = maximise_inside(objective, ends, edge[0], 200)
            edge = (
                support_edge(objective, evaluate, theta_of, free, kinds, constrained.x, tol) or edge
            )
            # every parameter that moves the support's ends is fixed by the edge
            moving = flow.program.support.free_symbols
            edge = (
                *edge[:2],
                sorted(set(edge[2]) | {a for a, j in enumerate(free) if symbols[j] in moving}),
                edge[3],
            )
    if edge is None:
        return None
    eta, theta, blocked, _ = edge
    # the data point on the edge: the first one outside when a blocked parameter steps
    # one float further in its ascent direction
    ascent = -np.sign(objective(eta)[1])
    for a in blocked:
        j = free[a]
        step = (ascent[a] or 1.0) * 1e-9 * max(1.0, abs(eta[a]))
        outside = theta.copy()
        outside[j] = np.nextafter(theta[j], theta_of(_put(eta, [a], eta[a] + step))[j])
        point = train.kernels.first_bad(train.array, outside)
        if point >= 0:
            return eta, theta, blocked, point
    return eta, theta, blocked, None


#: iterations of each maximisation of the coordinates a kink leaves free (a limit of
#: the family, where a parameter runs off to infinity, is not chased further)
_KINK_STEPS = 30


def _kinks(objective, hess, hessp, candidates, eta, tol, maxiter, exact):
    """:func:`symflow.stats.fit.kink_maximum` on the training objective (−ℓ/n and its
    gradient in η): the coordinates left free are maximised by the exact trust region
    and Newton steps while the exact Hessian is affordable (``exact``), else by
    L-BFGS-B."""
    from scipy import optimize

    from symflow.stats.fit import kink_maximum
    from symflow.stats.trust_region import trust_region

    def checked(e: np.ndarray):
        value, g = objective(e)
        return None if value >= _WALL else (value, g)

    def curvature(e: np.ndarray, a: int) -> float:
        unit = np.zeros(e.size)
        unit[a] = 1.0
        return float(hessp(e, unit)[a])

    steps = min(maxiter, _KINK_STEPS)

    def polish(e: np.ndarray, inner: list[int]) -> np.ndarray:
        def inner_objective(v: np.ndarray):
            value, g = objective(_put(e, inner, v))
            return value, g[inner]

        def inner_hess(w: np.ndarray) -> np.ndarray:
            return hess(_put(e, inner, w))[np.ix_(inner, inner)]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if exact:
                v, _ = trust_region(inner_objective, inner_hess, e[inner], tol, steps, _quiet)
                return _put(e, inner, _polish(inner_objective, inner_hess, v))
            res = optimize.minimize(
                inner_objective,
                e[inner],
                jac=True,
                method="L-BFGS-B",
                options={"gtol": tol, "ftol": 0.0, "maxiter": steps},
            )
        v = res.x if res.fun <= inner_objective(e[inner])[0] else e[inner]
        return _put(e, inner, v)

    return kink_maximum(checked, curvature, polish, candidates, eta, tol)


def _quiet(eta: np.ndarray) -> None:
    """A trust-region callback that does nothing."""


def _polish(objective, hess, eta: np.ndarray, steps: int = 6) -> np.ndarray:
    """Newton steps on the exact gradient and Hessian while the gradient shrinks (near
    the maximum the value changes by less than its rounding error; the gradient still
    converges quadratically)."""
    value, g = objective(eta)
    for _ in range(steps):
        norm = float(np.max(np.abs(g)))
        if not math.isfinite(value) or norm == 0.0:
            break
        try:
            step = np.linalg.solve(hess(eta), -g)
        except np.linalg.LinAlgError:
            break
        value_c, g_c = objective(eta + step)
        # a smaller gradient is not enough: a Newton step towards a saddle point or a
        # minimum shrinks it too; the value may rise by no more than its rounding
        rounding = 1e-12 * max(1.0, abs(value))
        if not (
            math.isfinite(value_c)
            and value_c <= value + rounding
            and float(np.max(np.abs(g_c))) < norm
        ):
            break
        eta, value, g = eta + step, value_c, g_c
    return eta


def _adam(train, objective, theta_of, chain, eta0, n, batch_size, lr, epochs, seed, after, free):
    """Minibatch Adam (Kingma & Ba 2015) on −ℓ/n; the learning rate decays by cosine.

    Each step uses ``batch_size`` points drawn at random; ``after`` runs once per
    epoch on the full data (the reported gradient is the full one).
    """
    rng = np.random.default_rng(seed)
    if train.array is None:
        raise ParameterError(
            "method='adam' takes data in memory (a NumPy array); for a dask array use "
            "method='L-BFGS', which sums over the blocks."
        )
    eta = eta0.copy()
    feasible = eta0.copy()  # the last η under which every data point has positive density
    m = np.zeros_like(eta)
    v = np.zeros_like(eta)
    b1, b2, eps = 0.9, 0.999, 1e-8
    steps_per_epoch = max(1, n // batch_size)
    total = steps_per_epoch * epochs
    step = 0
    wall = (
        "Adam reached parameters under which a data point has zero density; it ends at "
        "the last ones under which every point has positive density"
    )
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            idx = rng.integers(0, n, batch_size)
            batch = train.array[idx]
            theta = theta_of(eta)
            value, grad, bad = train.kernels.value_grad(batch, theta)
            if bad[0]:
                return _last_feasible(train, theta_of, feasible, eta), wall
            _, g = chain(theta, grad)
            g = -g / batch.shape[0]
            step += 1
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            rate = lr * 0.5 * (1 + math.cos(math.pi * step / total))
            eta = eta - rate * (m / (1 - b1**step)) / (np.sqrt(v / (1 - b2**step)) + eps)
        # a point outside the support that no batch held (after() reuses this pass)
        if objective(eta)[0] == _WALL:
            return _last_feasible(train, theta_of, feasible, eta), wall
        feasible = eta.copy()
        after(eta)
    return eta, f"Adam ran {epochs} epochs of {steps_per_epoch} minibatches"


def _last_feasible(train, theta_of, inside: np.ndarray, outside: np.ndarray) -> np.ndarray:
    """The point of the segment from ``inside`` (every data point has positive density)
    towards ``outside`` (some point has not) where the data leave the support, to a
    relative 2⁻⁴⁰ of the segment, on the inside."""
    lo, hi = 0.0, 1.0
    for _ in range(40):
        middle = 0.5 * (lo + hi)
        if train.value_grad(theta_of(inside + middle * (outside - inside)))[2][0]:
            hi = middle
        else:
            lo = middle
    return inside + lo * (outside - inside)
