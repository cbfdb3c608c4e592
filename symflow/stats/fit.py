"""Maximum-likelihood fitting of a flow's parameters, with exact compiled derivatives.

    θ̂ = argmax_θ ℓ(θ),    ℓ(θ) = Σ_i log p_X(x_i; θ)

The gradient and the Hessian of log p_X with respect to θ come from the Program itself:
each assignment t = v(earlier targets, θ) is differentiated by the chain rule (forward
mode, one new assignment dt/dθ_j per target that depends on θ_j, and again for the second
derivatives), so the cost grows linearly with the number of layers and no closed form is
ever expanded. Implicit inverses z = h(y; θ), f(z; θ) = y, are differentiated implicitly:
dz/dθ = (dy/dθ − ∂f/∂θ) / f'(z). The assignments, their derivatives and the sums over the
data are compiled into one numba loop, so an evaluation of ℓ, ∇ℓ and ∇²ℓ costs one pass
over the data and no Python per point.

Parameters declared positive (negative) are optimised as θ = ±exp(η); weights that the
base requires to lie on a simplex (w_1 … w_{k−1} of a mixture whose last weight is
1 − Σ w_i) in log-odds against the last weight, η_i = log(w_i / (1 − Σ_j w_j)) (the
logit for one weight; see :mod:`symflow.stats.coordinates`); the others directly. The
optimiser is SciPy's exact-Hessian trust region (``trust-exact``) by default;
``method="L-BFGS-B"`` uses the gradient only. Standard errors are the square roots of the
diagonal of the inverse observed information −∇²ℓ(θ̂), in the original parameters.

A log-density with kinks in a parameter (|x − μ| in a Laplace base) is differentiated
almost everywhere (DiracDelta terms dropped); its maximum lies at a kink, where the
slope changes sign, and is found by bisection on that sign (:func:`kink_maximum`).

Default starting values: 1 for positive parameters, −1 for negative ones, equal weights
on a simplex and 0 for the others; then the best point of a coarse grid around them
(η ± 1.5 for constrained parameters, ±2 for the others, 3^P points when P ≤ 5) if it has
a higher likelihood.
Pass ``init`` for anything smarter.

Examples
--------
>>> import numpy as np, sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(sigma * z + mu), z)])
>>> data = np.random.default_rng(0).lognormal(1.0, 0.5, 1000)
>>> fit = fit_flow(X, data)
>>> bool(abs(fit.params["mu"] - np.log(data).mean()) < 1e-8)
True
"""

from __future__ import annotations

import functools
import itertools
import math
import time
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from symflow.core.adjoint import kinked_parameters, off_jumps
from symflow.core.bases.distribution import Distribution
from symflow.core.budget import attempt
from symflow.core.intervals import as_intervals, describe_set
from symflow.core.program import Assignment
from symflow.errors import CompileError, FitError, ParameterError, SupportError
from symflow.stats.coordinates import (
    SIMPLEX,
    Coordinates,
    kind_of,
    simplex_groups,
    start_in_domain,
)
from symflow.stats.inputs import as_observations, check_fit_options
from symflow.stats.report import estimate_report

__all__ = ["FitResult", "fit_flow"]


# -- symbolic derivatives of the Program -------------------------------------------------
class _Derivatives:
    """Forward-mode differentiation of an assignment list with respect to parameters.

    ``d(target, theta)`` is 0 or a symbol whose assignment (appended to ``order``) holds
    d target / d theta in terms of earlier targets, their derivatives and the parameters.
    """

    def __init__(self, assignments):
        self.values: dict[sp.Symbol, sp.Expr] = {a.target: a.value for a in assignments}
        self.order: list[Assignment] = list(assignments)
        self._cache: dict[tuple[sp.Symbol, sp.Symbol], sp.Expr] = {}
        self._count = 0

    def d(self, target: sp.Symbol, theta: sp.Symbol) -> sp.Expr:
        if target == theta:
            return sp.Integer(1)
        if target not in self.values:
            return sp.Integer(0)
        key = (target, theta)
        if key not in self._cache:
            value = self.total(self.values[target], theta)
            if value == 0:
                self._cache[key] = sp.Integer(0)
            else:
                self._count += 1
                name = sp.Symbol(f"d{self._count}_{target.name}_{theta.name}", real=True)
                self.values[name] = value
                self.order.append(Assignment(name, value))
                self._cache[key] = name
        return self._cache[key]

    def total(self, expr: sp.Expr, theta: sp.Symbol) -> sp.Expr:
        """d expr / d theta through the earlier targets and implicit inverses."""
        from symflow.core.layer import ImplicitInverse

        # canonical orders, not the sets' (which follow the hash seed): the derivatives
        # are numbered as they are met, and the kernel's source must not change between runs
        atoms = sorted(expr.atoms(sp.Function), key=sp.default_sort_key)
        implicit = [a for a in atoms if isinstance(a, ImplicitInverse)]
        stand_in = {a: sp.Symbol(f"implicit_{i}", real=True) for i, a in enumerate(implicit)}
        e = expr.xreplace(stand_in)
        out = sp.diff(e, theta)
        for s in sorted(e.free_symbols, key=sp.default_sort_key):
            if s != theta and s in self.values:
                ds = self.d(s, theta)
                if ds != 0:
                    out += sp.diff(e, s) * ds
        for atom, w in stand_in.items():
            da = self._implicit(atom, theta)
            if da != 0:
                out += sp.diff(e, w) * da
        # derivatives almost everywhere: the jumps of sign(u) and Heaviside(u) at u = 0
        # (DiracDelta terms) are dropped, as the log-likelihood is not differentiable there
        return off_jumps(out).xreplace({w: a for a, w in stand_in.items()})

    def _implicit(self, atom, theta: sp.Symbol) -> sp.Expr:
        """dz/dθ for z = h(y), f(z; θ) = y: (dy/dθ − ∂f/∂θ) / ∂f/∂z at z."""
        cls = type(atom)
        t = cls.variable
        dy = self.total(atom.args[0], theta)
        df_theta = off_jumps(sp.diff(cls.forward, theta)).xreplace({t: atom})
        if dy == 0 and df_theta == 0:
            return sp.Integer(0)
        return (dy - df_theta) / sp.diff(cls.forward, t).xreplace({t: atom})

    def closed(self, target: sp.Expr) -> sp.Expr:
        """An expression with every target substituted (for symbolic checks)."""
        return _substitute(target, self.values)


def _substitute(expr: sp.Expr, values: dict) -> sp.Expr:
    cache: dict = {}

    def go(e):
        subs = {}
        for s in e.free_symbols:
            if s in values:
                if s not in cache:
                    cache[s] = go(values[s])
                subs[s] = cache[s]
        return e.xreplace(subs)

    return go(expr)


@dataclass(frozen=True)
class _PathDerivatives:
    assignments: tuple[Assignment, ...]
    result: sp.Symbol
    gradient: tuple[sp.Expr, ...]
    hessian: tuple[tuple[sp.Expr, ...], ...]
    closed_gradient: tuple[Any, ...] = field(default=())


def _path_derivatives(path, params) -> _PathDerivatives:
    d = _Derivatives(path.assignments)
    grad = tuple(d.d(path.result, p) for p in params)
    hess = []
    for j, gj in enumerate(grad):
        row = []
        for k, pk in enumerate(params):
            if k < j:
                row.append(hess[k][j])
            else:
                row.append(d.d(gj, pk) if isinstance(gj, sp.Symbol) else sp.Integer(0))
        hess.append(tuple(row))
    closed = tuple(None if g == 0 else (lambda g=g: d.closed(g)) for g in grad)
    return _PathDerivatives(tuple(d.order), path.result, grad, tuple(hess), closed)


# -- the compiled log-likelihood -------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _compiled(program):
    """The log-likelihood module of ``program`` (see :mod:`symflow.codegen.loglik`), its
    source and each path's derivatives (in the kernels' form of the inverse pass: log terms
    from edge distances, see core/edges.py, stabilised before it is differentiated)."""
    from symflow.codegen.cache import load_module
    from symflow.codegen.loglik import loglik_source
    from symflow.codegen.source import stable_assignments

    params = program.parameters
    derivatives = [
        _path_derivatives(
            replace(path, assignments=stable_assignments(path.kernel_assignments)), params
        )
        for path in program.paths
    ]
    source = loglik_source(program, derivatives)
    return load_module(source), source, derivatives


# -- the result ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FitResult:
    """theta_hat = argmax_theta sum_i log p_X(x_i; theta) and its standard errors.

    The standard errors come from the observed information at theta_hat.

    ``params`` and ``stderr`` map parameter names to numbers; ``cov`` is the covariance
    matrix (inverse observed information) of the fitted parameters in ``names`` order.

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z, mu = sp.symbols("z mu", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + mu, z)])
    >>> r = X.fit(np.array([0.5, 1.5, 2.5]))
    >>> r.params, r.success, r.names
    ({'mu': 1.5}, True, ('mu',))
    >>> round(r.stderr["mu"], 6), round(r.loglik, 6)
    (0.57735, -3.756816)
    """

    params: dict[str, float]
    stderr: dict[str, float]
    loglik: float
    nit: int
    success: bool
    message: str
    n: int
    names: tuple[str, ...]
    cov: np.ndarray
    method: str
    flow: str
    seconds: float = 0.0
    fixed: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        summary = [f"  log-likelihood = {self.loglik:.10g}"]
        footer = f"  note: {self.message}" if self.message else ""
        return estimate_report(self, f"fit of {self.flow} to", summary, footer)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


# -- fitting --------------------------------------------------------------------------------
def _check_support(flow, arr: np.ndarray, names: list[str]) -> None:
    """Points outside a parameter-free support have likelihood 0 for every θ."""
    support = flow.program.support
    if support.free_symbols & set(flow.program.parameters):
        return
    inside = np.zeros(arr.shape, dtype=bool)
    for part in as_intervals(support):
        lo, hi = float(part.inf), float(part.sup)
        inside |= (arr > lo) & (arr < hi)
    if not inside.all():
        i = int(np.flatnonzero(~inside)[0])
        raise SupportError(
            f"Data point {i} (x = {float(arr[i])!r}) is outside the support "
            f"{describe_set(support)} of {flow!r} for every value of the parameters "
            f"{', '.join(names)}: its likelihood is 0 ({int((~inside).sum())} of {arr.size} "
            f"points are outside). Remove them, or choose a flow whose support contains them."
        )


def _start(names, kinds, init, fixed) -> dict[str, float]:
    values = {}
    for name, kind in zip(names, kinds, strict=True):
        if name in fixed:
            values[name] = float(fixed[name])
        elif init is not None and name in init:
            values[name] = float(init[name])
        else:
            values[name] = {1: 1.0, -1: -1.0, 0: 0.0, SIMPLEX: 0.0}[kind]
        value, kind_name = values[name], {1: "positive", -1: "negative"}.get(kind)
        if not math.isfinite(value):
            raise ParameterError(f"The starting value of {name} must be finite; got {value!r}.")
        if kind_name and kind != SIMPLEX and not kind * value > 0:
            raise ParameterError(
                f"{name} is declared {kind_name}; its starting value {value!r} is not."
            )
    return values


def _unknown(given: dict | None, names: list[str], what: str) -> None:
    if not given:
        return
    if not isinstance(given, dict):
        raise ParameterError(f"{what} must be a dict of parameter name -> value; got {given!r}.")
    extra = [k for k in given if k not in names]
    if extra:
        raise ParameterError(
            f"Unknown parameter {', '.join(map(str, extra))} in {what}; this flow's parameters "
            f"are: {', '.join(names)}."
        )


def fit_flow(
    flow,
    data: Any,
    init: dict[str, float] | None = None,
    *,
    fixed: dict[str, float] | None = None,
    method: str = "trust-exact",
    tol: float = 1e-10,
    maxiter: int = 500,
) -> FitResult:
    """Maximise Σ_i log p_X(x_i; θ) over the flow's free parameters θ.

    Parameters
    ----------
    flow : Flow
        A one-dimensional flow with parameter symbols.
    data : array_like, shape (n,)
        The observations (finite numbers inside the support).
    init : dict, optional
        Starting values by parameter name (see the module docstring for the defaults).
    fixed : dict, optional
        Parameters held at given values (like scipy's ``floc``).
    method : {"trust-exact", "L-BFGS-B"}
        The scipy.optimize method; trust-exact uses the compiled Hessian.
    tol : float
        Tolerance on the largest component of the gradient of the mean log-likelihood
        (in the optimised coordinates); the optimiser stops near 1e-7 and exact Newton
        steps polish the estimate from there.
    maxiter : int
        The optimiser's iteration limit; up to 20 exact Newton steps that polish its end
        point follow and are counted in ``nit``.

    Returns
    -------
    FitResult
        ``.params``, ``.loglik``, ``.stderr``, ``.nit``, ``.success``, ``.message``.

    Raises
    ------
    ParameterError
        No parameters, bad data (not 1-D, empty, NaN or infinite), unknown or invalid
        init/fixed values, zero likelihood at the start, or a parameter the likelihood
        does not depend on.
    SupportError
        A data point outside a support that does not depend on the parameters.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", positive=True)
    >>> rate = sp.Symbol("rate", positive=True)
    >>> X = sf.Flow(sf.Exponential(1), [sf.Transform(z / rate, z)])
    >>> data = np.array([0.5, 1.0, 1.5])
    >>> round(fit_flow(X, data).params["rate"], 10)  # 1 / mean
    1.0
    """
    from scipy import optimize

    t0 = time.perf_counter()
    check_fit_options({"method": method, "tol": tol, "maxiter": maxiter})
    if getattr(flow, "dimension", 1) != 1:
        raise ParameterError(
            f"fit is implemented for one-dimensional flows; {flow!r} has dimension "
            f"{flow.dimension}. Maximise flow.compile().log_prob(xs, **params) summed over "
            f"the data with scipy.optimize for now."
        )
    program = flow.program
    symbols = list(program.parameters)
    names = [s.name for s in symbols]
    if not symbols:
        raise ParameterError(
            f"{flow!r} has no parameters to fit: declare some as SymPy symbols, e.g. "
            f"sp.Symbol('sigma', positive=True)."
        )
    _unknown(init, names, "init")
    _unknown(fixed, names, "fixed")
    fixed = dict(fixed or {})
    if method not in ("trust-exact", "L-BFGS-B"):
        raise ParameterError(f"method must be 'trust-exact' or 'L-BFGS-B'; got {method!r}.")
    arr = as_observations(data, 1)
    _check_support(flow, arr, names)
    kinds = [kind_of(s) for s in symbols]
    base = getattr(flow, "base", None)
    conditions = base.conditions() if isinstance(base, Distribution) else ()
    groups = simplex_groups(symbols, conditions)
    for j in itertools.chain.from_iterable(groups):
        kinds[j] = SIMPLEX
    start = _start(names, kinds, init, fixed)
    free = [j for j, name in enumerate(names) if name not in fixed]
    if not free:
        raise ParameterError(
            f"Every parameter of {flow!r} is fixed ({', '.join(names)}): there is nothing "
            f"to fit. Leave at least one out of fixed, or evaluate flow.compile().log_prob."
        )
    coords = Coordinates(kinds, groups, free, np.array([start[name] for name in names]))
    given = {j for j, name in enumerate(names) if name in fixed or name in (init or {})}
    start = start_in_domain(coords, names, start, given, base, conditions)
    try:
        module, _, derivatives = _compiled(program)
    except CompileError as exc:
        raise _untranslatable(flow, names, fixed, exc) from exc
    n = arr.size

    def evaluate(theta: np.ndarray):
        return module.loglik(arr, *[float(v) for v in theta])

    theta0 = np.array([start[name] for name in names])
    total, _, _, bad, absgrad = evaluate(theta0)
    for width in _WIDER if bad >= 0 or not math.isfinite(total) else ():
        # data outside the support at the default start (a shift or a power that puts
        # the support's edge inside the data): the best point of wider and wider grids
        theta0 = _grid_start(evaluate, theta0, free, kinds, init or {}, names, width, coords)
        total, _, _, bad, absgrad = evaluate(theta0)
        if bad < 0 and math.isfinite(total):
            break
    if bad >= 0 or not math.isfinite(total):
        i = int(bad) if bad >= 0 else 0
        given = ", ".join(f"{k} = {v:g}" for k, v in start.items())
        raise ParameterError(
            f"At the starting values ({given}) data point {i} (x = {float(arr[i])!r}) has zero "
            f"density under {flow!r}, so the log-likelihood is -inf. Pass init= values "
            f"under which every data point is inside the support."
        )
    # a subsample (<= 5000 points) is enough to choose a start and to probe dependence
    sub = arr[:: max(1, n // 5000)]

    def evaluate_sub(theta: np.ndarray):
        return module.loglik(sub, *[float(v) for v in theta])

    _check_identifiable(evaluate_sub, n, theta0, absgrad, derivatives, names, free, kinds, flow)

    theta_of, eta_of = coords.theta_of, coords.eta_of

    if init is None or not all(names[j] in init for j in free):
        best = _grid_start(evaluate_sub, theta0, free, kinds, init or {}, names, coords=coords)
        if math.isfinite(evaluate(best)[0]):
            theta0 = best
    cache: dict[bytes, tuple] = {}

    def terms(eta: np.ndarray):
        key = eta.tobytes()
        if key not in cache:
            cache.clear()
            theta = theta_of(eta)
            if not np.all(np.isfinite(theta)):  # beyond float range: no likelihood there
                theta = None
            total, grad, hess, bad, _ = (
                evaluate(theta) if theta is not None else (-math.inf, None, None, 0, None)
            )
            if bad >= 0 or not math.isfinite(total):
                cache[key] = (math.inf, np.zeros(len(free)), np.eye(len(free)))
            else:
                g_eta, h_eta = coords.chain(theta, grad[free], hess[np.ix_(free, free)])
                cache[key] = (-total / n, -g_eta / n, -h_eta / n)
        return cache[key]

    eta0 = eta_of(theta0)
    path = [eta0]  # the optimiser's iterates, to say what moved if it does not converge

    def record(eta: np.ndarray) -> None:
        path.append(np.array(eta, dtype=float))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "trust-exact":
            res = optimize.minimize(
                lambda e: terms(e)[0],
                eta0,
                jac=lambda e: terms(e)[1],
                hess=lambda e: terms(e)[2],
                method="trust-exact",
                options={"gtol": max(tol, 1e-7), "maxiter": maxiter},
                callback=record,
            )
        else:
            res = optimize.minimize(
                lambda e: terms(e)[0],
                eta0,
                jac=lambda e: terms(e)[1],
                method="L-BFGS-B",
                options={"gtol": max(tol, 1e-7), "ftol": 1e-15, "maxiter": maxiter},
                callback=record,
            )
    eta_hat, polished = _polish(terms, np.asarray(res.x, dtype=float))
    gradient_norm = float(np.max(np.abs(terms(eta_hat)[1])))
    if not (math.isfinite(terms(eta_hat)[0]) and gradient_norm <= tol) and np.ptp(arr) == 0:
        raise _no_maximum(flow, arr, names, free)
    kinked = kinked_parameters(program.paths, symbols)
    candidates = [a for a, j in enumerate(free) if symbols[j] in kinked]
    held: dict[int, tuple[float, float] | None] = {}
    if candidates:
        eta_hat, held = _kinks(terms, candidates, eta_hat, tol, maxiter)
    edge = support_edge(terms, evaluate, theta_of, free, kinds, eta_hat, tol)
    constrained = None
    if edge is not None and len(free) > 1:
        # several parameters move the support's ends together (Uniform(a, a + e^b)): the
        # maximum subject to every data point inside the support, then onto the edge
        ends = support_constraints(flow, symbols, arr, theta_of)
        if ends:
            constrained = maximise_inside(terms, ends, eta_hat, maxiter)
            edge = support_edge(terms, evaluate, theta_of, free, kinds, constrained.x, tol) or edge
    theta_hat = theta_of(eta_hat)
    if edge is not None:
        eta_hat, theta_hat, blocked, point = edge
    if constrained is not None and edge is not None:  # the parameters the edge fixes
        moving = {s.name for s in flow.program.support.free_symbols}
        blocked = sorted(set(blocked) | {a for a, j in enumerate(free) if names[j] in moving})
    inner = [a for a in range(len(free)) if (edge is None or a not in blocked) and a not in held]
    if edge is not None and inner:  # Newton on the coordinates the edge leaves free
        on_edge = eta_hat.copy()

        def inner_terms(e: np.ndarray):
            full = on_edge.copy()
            full[inner] = e
            value, g, h = terms(full)
            return value, g[inner], h[np.ix_(inner, inner)]

        polished_inner, more = _polish(inner_terms, eta_hat[inner])
        if more:
            eta_hat = eta_hat.copy()
            eta_hat[inner] = polished_inner
            for a in inner:
                theta_hat[free[a]] = theta_of(eta_hat)[free[a]]
            polished += more
    total, grad, hess, bad, _ = evaluate(theta_hat)
    # the gradient in η from θ itself: on the edge, θ ↦ η ↦ θ may round outside it
    g_hat = -coords.chain(theta_hat, grad[free])[0] / n
    gradient_norm = (
        float(np.max(np.abs(g_hat[inner]), initial=0.0)) if math.isfinite(total) else math.inf
    )
    success = bool(math.isfinite(total) and gradient_norm <= tol)
    if constrained is not None:
        # SLSQP's "positive directional derivative" (8) is how it ends at a maximum on
        # the edge; the coordinates free of the edge must have converged on their own
        success = bool(success and constrained.status in (0, 8))
        res = constrained
    message = ""
    if not success and math.isfinite(total) and inner:
        _, g_eta, h_eta = terms(eta_hat)
        gain, lowest, step = newton_gain(g_eta[inner], h_eta[np.ix_(inner, inner)], n)
        if gain <= NEWTON_GAIN and constrained is None:
            success = True
            message = ridge_message(gain, gradient_norm, tol, lowest)
        else:
            message = f"the largest gradient component {gradient_norm:.3g} > tol = {tol:g} " + (
                f"where SciPy's {method} stopped at its own tolerance and Newton's method "
                f"could not improve it"
                if res.success
                else f"where SciPy's {method} stopped ({res.message})"
            )
            if gain < math.inf:
                moves = ", ".join(
                    f"{names[free[inner[k]]]} by {step[k]:+.3g}"
                    for k in np.argsort(-np.abs(step))[:3]
                )
                message += (
                    f"; a Newton step would still raise the log-likelihood by {gain:.2g} "
                    f"nats, moving {moves}"
                    + (
                        " (positive parameters in log scale, weights in log-odds)"
                        if any(kinds[free[a]] for a in inner)
                        else ""
                    )
                    + (
                        ": the maximum lies far along a nearly flat ridge or at infinite "
                        "parameter values (a limit of the family); raise maxiter, or fix "
                        "one of these parameters"
                        if gain > NEWTON_GAIN
                        else ""
                    )
                )
            elif len(path) > 1:
                back = path[max(0, len(path) - 51)]
                moved = movers(
                    [names[j] for j in free],
                    theta_of(back)[free],
                    theta_hat[free],
                    np.array([kinds[j] for j in free]),
                )
                message += (
                    f"; the likelihood is not concave there, and over the last "
                    f"{min(50, len(path) - 1)} iterations the parameters that moved most were "
                    f"{moved}"
                    f": the fit is on its way to a limit at infinite or zero parameter values "
                    f"(a sub-family reached only there, where this flow has no maximiser) or "
                    f"crawling to a maximum further on (raise maxiter to tell them apart)"
                )
    elif not success:
        message = f"{res.message} (largest gradient {gradient_norm:.3g})"
    if edge is not None:
        which = ", ".join(names[free[a]] for a in blocked)
        message = (message + "; " if message else "") + (
            f"the maximum is on the edge of the region where every data point has positive "
            f"density: moving {which} further would put data point {point} "
            f"(x = {float(arr[point])!r}) outside the support, so the log-likelihood is not "
            f"differentiable there and {which} {'have' if len(blocked) > 1 else 'has'} no "
            f"standard error from the observed information"
        )
    unresolved = [names[free[a]] for a in candidates if a not in held]
    if not success and unresolved:
        message = (message + "; " if message else "") + unresolved_message(unresolved)
    if held:
        message = (message + "; " if message else "") + kink_message(
            {
                names[free[a]]: (theta_hat[free[a]], sides, kinds[free[a]])
                for a, sides in held.items()
            }
        )
    nit = int(getattr(res, "nit", 0)) + polished
    info = -hess[np.ix_([free[a] for a in inner], [free[a] for a in inner])]
    cov = np.full((len(free), len(free)), np.nan)
    try:
        np.linalg.cholesky(info)
        cov[np.ix_(inner, inner)] = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        weak = [names[free[a]] for k, a in enumerate(inner) if not info[k, k] > 0] or [
            names[free[a]] for a in inner
        ]
        message = (message + "; " if message else "") + (
            f"the observed information is not positive definite at the estimate, so the "
            f"standard errors are undefined (check whether {', '.join(weak)} can be "
            f"identified separately)"
        )
    params = {name: float(theta_hat[j]) for j, name in enumerate(names)}
    stderr = {name: 0.0 for name in fixed}
    for a, j in enumerate(free):
        value = cov[a, a]
        stderr[names[j]] = float(math.sqrt(value)) if value >= 0 else math.nan
    stderr = {name: stderr[name] for name in names}
    return FitResult(
        params=params,
        stderr=stderr,
        loglik=float(total),
        nit=nit,
        success=success,
        message=message,
        n=n,
        names=tuple(names[j] for j in free),
        cov=cov,
        method=method,
        flow=repr(flow),
        seconds=time.perf_counter() - t0,
        fixed={k: float(v) for k, v in fixed.items()},
    )


#: a fit whose Hessian is negative definite is converged when a Newton step would raise
#: the log-likelihood by at most this many nats, whatever its gradient
NEWTON_GAIN = 1e-3
#: a curvature of the mean log-likelihood below this is reported as a nearly flat ridge
FLAT = 1e-6


def newton_gain(g: np.ndarray, h: np.ndarray, n: int) -> tuple[float, float, np.ndarray]:
    """What a Newton step on −ℓ/n (gradient ``g``, Hessian ``h``) would gain in ℓ:
    ½·n·gᵀh⁻¹g, the lowest eigenvalue of h, and the step −h⁻¹g; the gain is inf where h
    is not positive definite (no Newton step to a maximum).

    Examples
    --------
    >>> gain, lowest, step = newton_gain(np.array([0.1]), np.array([[2.0]]), 100)
    >>> round(gain, 12), lowest, step
    (0.25, 2.0, array([-0.05]))
    """
    w, q = np.linalg.eigh(h)
    lowest = float(w[0]) if w.size else math.nan
    if not (w.size and lowest > 0):
        return math.inf, lowest, np.full(len(g), np.nan)
    c = q.T @ g
    return float(0.5 * n * np.sum(c * c / w)), lowest, -(q @ (c / w))


def ridge_message(gain: float, gradient_norm: float, tol: float, lowest: float) -> str:
    """Why a fit whose gradient is above ``tol`` is still a maximum: a Newton step would
    gain at most :data:`NEWTON_GAIN` nats."""
    return (
        f"the Hessian is negative definite and a Newton step would raise the "
        f"log-likelihood by {gain:.2g} ≤ {NEWTON_GAIN:g} nats, though the largest "
        f"gradient component is {gradient_norm:.3g} > tol = {tol:g}: a maximum"
        + (
            f" along a nearly flat ridge (curvature {lowest:.2g}), where parameters can "
            f"hardly be told apart"
            if lowest < FLAT
            else ""
        )
    )


def _no_maximum(flow, arr: np.ndarray, names, free) -> FitError:
    """The error for data on which the likelihood has no maximum: constant data."""
    what = "one point" if arr.size == 1 else f"constant (all {arr.size} points)"
    return FitError(
        f"The maximum-likelihood estimate does not exist: the data are {what} at "
        f"x = {float(arr[0])!r}, and the likelihood of {flow!r} grows without bound as the "
        f"distribution concentrates there (the fit of {', '.join(names[j] for j in free)} "
        f"diverges). Fit data with at least two distinct values, or hold the parameters "
        f"that set the spread with fixed={{...}}."
    )


def _untranslatable(flow, names, fixed, exc: CompileError) -> Exception:
    """The error when the likelihood's derivatives cannot be compiled: a base whose shape
    parameter is fitted needs the derivatives of its own density (e.g. of log Γ). The base
    is named only when its own derivatives are what fails to translate; otherwise the
    compiler's error (which names the function) stands."""
    shapes = sorted(s.name for s in flow.base.free_symbols if s.name not in fixed)
    if not shapes or not _base_untranslatable(flow.base, shapes):
        return exc
    example = ", ".join(f"'{name}': ..." for name in shapes)
    return FitError(
        f"Fitting {', '.join(shapes)} of the base {flow.base!r} needs derivatives of the "
        f"base's own log-density, which use a function that cannot be compiled yet ({exc}). "
        f"The transform is not at fault: hold {', '.join(shapes)} with fixed={{{example}}}, "
        f"or fit a flow whose base has no free shape parameter."
    )


def _base_untranslatable(base, shapes: list[str]) -> bool:
    """Whether the first or second derivatives (almost everywhere) of the base's
    log-density in its parameters ``shapes`` use a function with no numba translation."""
    from symflow.codegen.printer import KernelPrinter

    variable = sp.Dummy("z", real=True)
    symbols = [s for s in base.free_symbols if s.name in shapes]
    printer = KernelPrinter()
    for s, first in base.score(variable).items():
        if s not in symbols:
            continue
        for expr in (first, *(sp.diff(first, t) for t in symbols)):
            try:
                printer.doprint(off_jumps(expr))
            except CompileError:
                return True
    return False


def support_edge(terms, evaluate, theta_of, free, kinds, eta: np.ndarray, tol: float):
    """A maximum on the edge of the parameter region where all data have positive density
    (θ̂ = max xᵢ for Uniform(0, θ), θ̂ = min xᵢ for a shifted Exponential): the ascent
    direction of every coordinate with a gradient above ``tol`` leaves that region at
    once. Each such coordinate is moved onto the edge: its parameter becomes the last
    float inside the region.

    Returns (η, θ on the edge, the blocked coordinates, the data point on the edge), or
    None when no coordinate is blocked.
    """
    value, g = terms(eta)[:2]
    if not math.isfinite(value):
        return None
    # a weight on a simplex never moves a support's end (and moving it alone leaves the
    # simplex's coordinates): it is not blocked
    steep = [a for a in range(len(eta)) if abs(g[a]) > tol and kinds[free[a]] != SIMPLEX]
    if not steep:
        return None
    eta = eta.copy()
    theta = theta_of(eta)
    point = -1
    blocked: list[int] = []
    for a in steep:
        ascent = -math.copysign(1.0, g[a])  # terms() is the negative mean log-likelihood
        probe = eta.copy()
        probe[a] += ascent * 1e-6 * max(1.0, abs(eta[a]))
        j = free[a]
        inside, outside = theta[j], theta_of(probe)[j]
        trial = theta.copy()
        trial[j] = outside
        if evaluate(trial)[3] < 0:
            continue  # the likelihood goes on in this coordinate
        blocked.append(a)

        def feasible(value: float, trial=trial, j=j) -> bool:
            trial[j] = value
            return bool(evaluate(trial)[3] < 0)

        inside, outside = bisect_floats(inside, outside, feasible)
        theta[j] = inside
        trial[j] = outside
        point = int(evaluate(trial)[3])
        eta[a] = math.log(abs(inside)) if kinds[j] else inside
    return (eta, theta, blocked, point) if blocked else None


def _one_sided(gradient, eta: np.ndarray, a: int) -> tuple[float, float] | None:
    """The derivative of the objective in coordinate ``a`` one float below and one
    float above η_a (the left and right derivatives at a kink), or None."""
    below = gradient(_coordinates(eta, a, np.nextafter(eta[a], -math.inf)))
    above = gradient(_coordinates(eta, a, np.nextafter(eta[a], math.inf)))
    if below is None or above is None:
        return None
    return float(below[a]), float(above[a])


def expand_bracket(start: float, direction: float, inside) -> tuple[float, float] | None:
    """(lo, hi): from ``start``, steps in ``direction`` growing 4-fold (the first 1e-9 of
    its scale) until ``inside(hi)`` is False, lo being the last point where it is True;
    None when ``inside`` gives None (no finite objective) or no such point is in reach."""
    lo, step = start, 1e-9 * max(1.0, abs(start))
    for _ in range(200):
        probe = lo + direction * step
        if not math.isfinite(probe):
            return None
        where = inside(probe)
        if where is None:
            return None
        if not where:
            return lo, probe
        lo, step = probe, step * 4.0
    return None


def bisect_floats(lo: float, hi: float, inside, width: float = 0.0) -> tuple[float, float] | None:
    """Bisection of [lo, hi] (either order) to adjacent floats (or to ``width``), keeping
    ``inside(lo)`` True and ``inside(hi)`` False; None when ``inside`` gives None.

    Examples
    --------
    >>> bisect_floats(0.0, 4.0, lambda v: v * v <= 2.0)
    (1.414213562373095, 1.4142135623730951)
    """
    for _ in range(2200):
        middle = 0.5 * (lo + hi)
        if middle in (lo, hi) or not math.isfinite(middle) or abs(hi - lo) <= width:
            break
        where = inside(middle)
        if where is None:
            return None
        if where:
            lo = middle
        else:
            hi = middle
    return lo, hi


def kink_bisect(gradient, eta: np.ndarray, a: int, width: float = 0.0):
    """The minimum of the objective along coordinate ``a`` from η, found by bisection on
    the sign of its derivative: where the derivative of a piecewise-smooth objective
    changes sign (a median: the slope of Σ|xᵢ − μ| jumps at each data point, and its
    curvature is 0 between them, so Newton steps have no scale).

    ``gradient(η)`` is the objective's gradient (or None where it is not finite). From η
    the coordinate moves downhill in steps growing 4-fold until the derivative changes
    sign, then bisects to adjacent floats; of those two it keeps the one where the
    derivative jumps (the data point itself, where |u| = 0 is exact).

    Returns (η, (left, right) derivatives there), or None when no sign change is
    within reach (the objective decreases to the edge of its domain). With ``width``
    the bisection stops at a bracket that narrow, and η is its end nearer the start.

    Examples
    --------
    >>> xs = np.array([0.3, 1.0, 4.0])  # Σ|xᵢ − μ| is least at the median
    >>> slope = lambda e: np.array([np.sign(e[0] - xs).sum()])
    >>> found, (left, right) = kink_bisect(slope, np.array([-2.0]), 0)
    >>> float(found[0]), left, right
    (1.0, -1.0, 1.0)
    """
    g = gradient(eta)
    if g is None or g[a] == 0:
        return None
    down = -math.copysign(1.0, g[a])

    def same_sign(value: float) -> bool | None:  # None: no finite objective there
        gv = gradient(_coordinates(eta, a, value))
        return None if gv is None else bool(gv[a] * g[a] > 0)

    bracket = expand_bracket(float(eta[a]), down, same_sign)
    bracket = bracket and bisect_floats(*bracket, same_sign, width)
    if not bracket:
        return None
    lo, hi = bracket
    if width:
        return _coordinates(eta, a, lo), (math.nan, math.nan)
    ends = []
    for point, beyond in ((lo, np.nextafter(lo, lo - down)), (hi, np.nextafter(hi, hi + down))):
        here, there = gradient(_coordinates(eta, a, point)), gradient(_coordinates(eta, a, beyond))
        ends.append(abs(there[a] - here[a]) if here is not None and there is not None else -1.0)
    eta = _coordinates(eta, a, lo if ends[0] > ends[1] else hi)
    sides = _one_sided(gradient, eta, a)
    return None if sides is None else (eta, sides)


def is_kink(sides: tuple[float, float] | None, tol: float) -> bool:
    """Whether the left and right derivatives of a minimised objective (−ℓ/n) make a
    minimum at a kink: left ≤ 0 ≤ right, and they differ by more than ``tol``."""
    if sides is None:
        return False
    left, right = sides
    return left <= 0.0 <= right and right - left > tol


def kink_maximum(objective, curvature, polish, candidates, eta: np.ndarray, tol: float):
    """The maximum of a log-likelihood that is piecewise smooth in the coordinates
    ``candidates`` (:func:`symflow.core.adjoint.kinked_parameters`).

    Each candidate is moved by :func:`kink_bisect` to where its one-sided derivatives
    change sign, the others are maximised with those held (``polish(η, inner
    coordinates)``), and again, until no kink moves. Between two kinks the profile
    likelihood (the others maximised) is convex in a parameter in which the
    log-likelihood is linear (a location of the asymmetric Laplace), so it can have a
    local maximum at every kink, and a profile can have several maxima besides: the
    kinks next to the one found (the nearest points where the derivative jumps) and
    points 4, 16, … times as far along the held coordinate are searched from, and the
    search moves to a better maximum while there is one (:func:`_better_kink`).

    ``objective(η)`` gives the minimised −ℓ/n and its gradient (None for a point where
    it is not finite); ``curvature(η, a)`` its second derivative in coordinate a.
    Returns (η, held) where ``held`` maps each coordinate held at a kink to its (left,
    right) derivatives, or to None where the objective is flat in it (zero slope and
    zero curvature: the maximum is not unique, as for the median of an even number of
    points).
    """

    def gradient(e: np.ndarray):
        out = objective(e)
        return None if out is None else out[1]

    eta, held = _coordinate_kinks(gradient, curvature, polish, candidates, eta, tol)
    for _ in range(50):  # hill-climbing over other kinks while one is better
        better = _better_kink(objective, gradient, curvature, polish, candidates, eta, held, tol)
        if better is None:
            break
        eta, held = better
    return eta, held


#: how far, in multiples of the distance to the next kink, other maxima are looked for
_REACHES = tuple(4.0**k for k in range(12))


def _better_kink(objective, gradient, curvature, polish, candidates, eta, held, tol):
    """A maximum better than η along a held coordinate, or None.

    From the kink η is on, the coordinate is moved to the next kink on either side, then
    4, 16, … times as far; from each point (the other coordinates maximised there) a
    rough search for a kink is made, and where it ends higher than η the full search
    follows. The first better maximum is returned.
    """
    now = objective(eta)
    if now is None:
        return None
    margin = 1e-13 * max(1.0, abs(now[0]))
    inner = [b for b in range(eta.size) if b not in held]
    for a, sides in held.items():
        jump = abs(sides[1] - sides[0]) if sides is not None else 4.0 * tol
        for direction in (-1.0, 1.0):
            near = _next_kink(gradient, eta, a, direction, jump)
            if near is None:
                continue
            spacing = abs(float(near[a]) - float(eta[a]))
            for reach in _REACHES:
                probe = _coordinates(eta, a, eta[a] + direction * spacing * reach)
                if not math.isfinite(probe[a]):
                    break
                start = polish(probe, inner) if inner else probe
                if gradient(start) is None:
                    break
                # a rough look first (two rounds, the kink to a thousandth of the
                # spacing): the full search only where it promises a better maximum
                rough = start
                for _ in range(2):
                    found = kink_bisect(gradient, rough, a, 1e-3 * spacing)
                    rough = found[0] if found is not None else rough
                    rough = polish(rough, inner) if inner else rough
                promise = objective(rough)
                if promise is None or promise[0] >= now[0] - margin:
                    continue
                moved, moved_held = _coordinate_kinks(
                    gradient, curvature, polish, candidates, rough, tol
                )
                there = objective(moved)
                if there is not None and there[0] < now[0] - margin:
                    return moved, moved_held
    return None


def _next_kink(gradient, eta: np.ndarray, a: int, direction: float, jump: float):
    """η with coordinate ``a`` moved to the nearest point in ``direction`` where the
    derivative jumps by more than a quarter of ``jump`` (the jump at the kink η is on),
    found by steps growing 4-fold and bisection; None if there is none within reach."""
    if not jump > 0:
        return None
    start = float(np.nextafter(eta[a], direction * math.inf))
    g0 = gradient(_coordinates(eta, a, start))
    if g0 is None:
        return None

    def before_jump(value: float) -> bool | None:
        gv = gradient(_coordinates(eta, a, value))
        return None if gv is None else bool(abs(gv[a] - g0[a]) <= jump / 4)

    bracket = expand_bracket(start, direction, before_jump)
    bracket = bracket and bisect_floats(*bracket, before_jump)
    return _coordinates(eta, a, bracket[1]) if bracket else None


def _coordinate_kinks(gradient, curvature, polish, candidates, eta: np.ndarray, tol: float):
    """Coordinate-wise: each candidate to its kink, then the others, until none moves."""
    held: dict[int, tuple[float, float] | None] = {}
    for _ in range(50):
        before = eta.copy()
        for a in candidates:
            g = gradient(eta)
            if g is None:
                return eta, held
            sides = _one_sided(gradient, eta, a)
            if abs(g[a]) <= tol:  # at a kink (sign(0) = 0 at an exact median), or flat
                if is_kink(sides, tol):
                    held[a] = sides
                elif curvature(eta, a) == 0.0:
                    held[a] = None
                else:
                    held.pop(a, None)
                continue
            if not is_kink(sides, tol):
                found = kink_bisect(gradient, eta, a)
                if found is None:
                    held.pop(a, None)
                    continue
                eta, sides = found
            if is_kink(sides, tol):
                held[a] = sides
            else:
                held.pop(a, None)
        inner = [b for b in range(eta.size) if b not in held]
        if inner:
            eta = polish(eta, inner)
        if np.array_equal(before, eta):
            break
    return eta, held


def unresolved_message(names: list[str]) -> str:
    """Why a fit of parameters in which the log-likelihood is piecewise smooth may not
    converge, when no kink with a sign change of the slope held them."""
    which = ", ".join(names)
    return (
        f"{which} {'enter' if len(names) > 1 else 'enters'} the log-likelihood through |u|, "
        f"sign, Max, Min, Heaviside, a Piecewise condition or the region of an inverse "
        f"branch, so it is only piecewise smooth there, and no kink where the slope "
        f"changes sign was found: the slope (or the log-likelihood itself, where the "
        f"density is discontinuous at a point that moves with {which}) jumps where data "
        f"points cross, and Newton's method does not converge across such jumps"
    )


def kink_message(held: dict[str, tuple[float, tuple[float, float] | None, int]]) -> str:
    """What the result says of parameters held at a kink (name → (value, the one-sided
    derivatives of −ℓ/n there, or None where ℓ is flat, and the parameter's kind))."""
    parts = []
    at_kink = {k: v for k, v in held.items() if v[1] is not None}
    flat = [k for k, v in held.items() if v[1] is None]
    if at_kink:
        slopes = ", ".join(
            f"{name} = {float(value)!r} (slopes {-sides[0]:+.3g} on the left, "
            f"{-sides[1]:+.3g} on the right{', in log scale' if kind else ''})"
            for name, (value, sides, kind) in at_kink.items()
        )
        which = ", ".join(at_kink)
        parts.append(
            f"the log-likelihood is piecewise smooth in {which} and its maximum lies at a kink, "
            f"where the one-sided slopes of the mean log-likelihood change sign: {slopes}, "
            f"as a sample median or quantile does; it is not differentiable there and its "
            f"curvature in {which} is 0, so {which} "
            f"{'have' if len(at_kink) > 1 else 'has'} no standard error from the observed "
            f"information (NaN)"
        )
    if flat:
        which = ", ".join(flat)
        parts.append(
            f"the log-likelihood is flat in {which} at the estimate (zero slope and zero "
            f"curvature): every value in an interval between two kinks gives the same "
            f"maximum (as any median of an even number of points does), so {which} "
            + ("are not unique and have" if len(flat) > 1 else "is not unique and has")
            + " no standard error (NaN)"
        )
    return "; ".join(parts)


def support_constraints(flow, symbols, arr: np.ndarray, theta_of) -> list:
    """The conditions g(η) ≥ 0 that keep every data point inside an interval support
    whose ends depend on the parameters: min xᵢ − lo(θ) and hi(θ) − max xᵢ, each
    relative to the data's scale so that the optimiser's tolerance means the same for
    any data."""
    parts = as_intervals(flow.program.support)
    if len(parts) != 1:
        return []
    scale = max(1.0, float(np.max(np.abs(arr))))
    conditions = []
    for end, sign, bound in ((parts[0].inf, -1.0, arr.min()), (parts[0].sup, 1.0, arr.max())):
        if not end.free_symbols & set(symbols) or end.is_finite is False:
            continue
        value = sp.lambdify(symbols, end, "math")

        def condition(eta, value=value, sign=sign, bound=float(bound)):
            try:
                return sign * (value(*theta_of(eta)) - bound) / scale
            except (OverflowError, ValueError, ZeroDivisionError):
                return -1.0

        conditions.append(condition)
    return conditions


def maximise_inside(terms, conditions, eta: np.ndarray, maxiter: int):
    """SLSQP on the mean log-likelihood with the support conditions, each kept 1e-13 of
    the data's scale inside so that the likelihood stays finite at every step."""
    from scipy import optimize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return optimize.minimize(
            lambda e: terms(e)[0],
            eta,
            jac=lambda e: terms(e)[1],
            method="SLSQP",
            constraints=[{"type": "ineq", "fun": lambda e, c=c: c(e) - 1e-13} for c in conditions],
            options={"maxiter": maxiter, "ftol": 1e-15},
        )


def _kinks(terms, candidates: list[int], eta: np.ndarray, tol: float, maxiter: int):
    """:func:`kink_maximum` on the few-parameter objective ``terms`` (−ℓ/n, its gradient
    and Hessian in η): the coordinates left free are maximised by the exact trust region
    and polished by Newton steps."""
    from scipy import optimize

    def gradient(e: np.ndarray):
        value, g, _ = terms(e)
        return g if math.isfinite(value) else None

    def polish(e: np.ndarray, inner: list[int]) -> np.ndarray:
        def inner_terms(v: np.ndarray):
            value, g, h = terms(_coordinates(e, inner, v))
            return value, g[inner], h[np.ix_(inner, inner)]

        if not np.all(np.isfinite(inner_terms(e[inner])[2])):
            return e  # (far from the data the Hessian can overflow: no step from here)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                res = optimize.minimize(
                    lambda v: inner_terms(v)[0],
                    e[inner],
                    jac=lambda v: inner_terms(v)[1],
                    hess=lambda v: inner_terms(v)[2],
                    method="trust-exact",
                    options={"gtol": max(tol, 1e-7), "maxiter": min(maxiter, 200)},
                )
                x = res.x if res.fun <= inner_terms(e[inner])[0] else e[inner]
            except (ValueError, np.linalg.LinAlgError):  # a step into overflow
                x = e[inner]
        start = x
        return _coordinates(e, inner, _polish(inner_terms, np.asarray(start, dtype=float))[0])

    def objective(e: np.ndarray):
        value, g, _ = terms(e)
        return (value, g) if math.isfinite(value) else None

    return kink_maximum(objective, lambda e, a: terms(e)[2][a, a], polish, candidates, eta, tol)


def _coordinates(eta: np.ndarray, where: list[int], values: np.ndarray) -> np.ndarray:
    out = eta.copy()
    out[where] = values
    return out


def movers(names: list[str], before: np.ndarray, after: np.ndarray, kinds: np.ndarray) -> str:
    """The three parameters that moved most in the optimised coordinates, from → to.

    >>> movers(["a", "d"], np.array([0.1, 12.0]), np.array([0.1, 127.0]), np.array([0, 1]))
    'd 12 → 127'
    """
    eta_before = np.where(kinds != 0, np.log(np.abs(before)), before)
    eta_after = np.where(kinds != 0, np.log(np.abs(after)), after)
    order = np.argsort(-np.abs(eta_after - eta_before))[:3]
    moved = [j for j in order if abs(eta_after[j] - eta_before[j]) > 0]
    return ", ".join(f"{names[j]} {before[j]:.3g} → {after[j]:.3g}" for j in moved) or "none"


def _polish(terms, eta: np.ndarray, steps: int = 20) -> tuple[np.ndarray, int]:
    """Newton steps on the exact gradient and Hessian while the gradient shrinks.

    Near the maximum the mean log-likelihood changes by less than its rounding error, so
    trust-region and line-search methods stop on function values; the gradient still
    carries information and Newton's method converges quadratically on it.
    """
    value, g, h = terms(eta)
    count = 0
    for _ in range(steps):
        if not math.isfinite(value):
            break
        norm = float(np.max(np.abs(g)))
        if norm == 0.0:
            break
        try:
            step = np.linalg.solve(h, -g)
        except np.linalg.LinAlgError:
            break
        candidate = eta + step
        value_c, g_c, h_c = terms(candidate)
        # a smaller gradient is not enough: a Newton step towards a saddle point or a
        # minimum shrinks it too; the value may rise by no more than its rounding
        rounding = 1e-12 * max(1.0, abs(value))
        if not (
            math.isfinite(value_c)
            and value_c <= value + rounding
            and float(np.max(np.abs(g_c))) < norm
        ):
            break
        eta, value, g, h = candidate, value_c, g_c, h_c
        count += 1
    return eta, count


#: grid widths tried, in turn, when the data leave the support at the default start
_WIDER = (1.0, 4.0, 16.0)


def _grid_start(evaluate, theta0, free, kinds, init, names, width=1.0, coords=None) -> np.ndarray:
    """The best of a 3^P grid around the default start (P <= 5; the 2P points along the
    axes for more), η ± 1.5·width for signed parameters and weights (in log-odds, through
    ``coords``) and θ ± 2·width for the others, or the start itself."""
    searched = [j for j in free if names[j] not in init]
    if not searched:
        return theta0
    best, best_value = theta0, evaluate(theta0)[0]
    if not math.isfinite(best_value):
        best_value = -math.inf
    offsets = [-1.5 * width, 0.0, 1.5 * width]
    if len(searched) <= 5:
        combos = list(itertools.product(offsets, repeat=len(searched)))
    elif width == 1.0:
        return theta0  # the default start of a larger flow is kept when it is feasible
    else:
        combos = [
            tuple(off if a == k else 0.0 for a in range(len(searched)))
            for k in range(len(searched))
            for off in offsets[::2]
        ]
    for combo in combos:
        theta = theta0.copy()
        for off, j in zip(combo, searched, strict=True):
            if kinds[j] != SIMPLEX:
                theta[j] = theta0[j] * math.exp(off) if kinds[j] else theta0[j] + off * 4 / 3
        if coords is not None and any(kinds[j] == SIMPLEX for j in searched):
            eta = coords.eta_of(theta0)
            for off, j in zip(combo, searched, strict=True):
                if kinds[j] == SIMPLEX:
                    eta[free.index(j)] += off
            moved = coords.theta_of(eta)
            for j in searched:
                if kinds[j] == SIMPLEX:
                    theta[j] = moved[j]
        try:
            value = evaluate(theta)[0]
        except ArithmeticError:  # a grid point where the likelihood cannot be evaluated
            continue
        if math.isfinite(value) and value > best_value:
            best, best_value = theta, value
    return best


def _check_identifiable(evaluate_sub, n, theta0, absgrad, derivatives, names, free, kinds, flow):
    """A parameter whose derivative of log p is identically zero cannot be estimated."""
    rng = np.random.default_rng(12345)
    theta1 = theta0.copy()
    for j in free:
        theta1[j] = (
            theta0[j] * math.exp(rng.uniform(-0.3, 0.3) / (2 if kinds[j] == SIMPLEX else 1))
            if kinds[j]
            else (theta0[j] + rng.uniform(-0.5, 0.5))
        )
    other = evaluate_sub(theta1)
    moving = {s.name for s in flow.program.support.free_symbols}
    for j in free:
        if names[j] in moving:  # the likelihood depends on it through the support
            continue
        suspicious = absgrad[j] <= 1e-9 * n and (other[3] >= 0 or other[4][j] <= 1e-9 * n)
        if not suspicious:
            continue
        zero = True
        for pd in derivatives:
            closed = pd.closed_gradient[j]
            if closed is None:
                continue
            expr = attempt(closed, 10.0, None)
            same = (
                attempt(lambda e=expr: sp.simplify(e) == 0, 10.0, False)
                if expr is not None
                else False
            )
            if not same:
                zero = False
                break
        if zero:
            raise ParameterError(
                f"The likelihood of {flow!r} does not depend on the parameter {names[j]} "
                f"(d log p / d {names[j]} is identically zero), so it cannot be estimated. "
                f"Remove it from the flow or hold it with fixed={{'{names[j]}': value}}."
            )
