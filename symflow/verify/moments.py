"""Numerical expectations ∫ h(x) p_X(x) dx of a flow, from its compiled density.

The support is split at its ends, the ends of the density's pieces and quantiles of
forward-map samples; the positive and negative parts of h are integrated separately, and
an infinite range is walked out in decades: a part whose decades keep contributing is
infinite. This is the cross-check of every exact expectation
(:mod:`symflow.core.expectation`).

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z, x = sp.symbols("z x", real=True)
>>> flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)])
>>> value, up, down = numeric_expectation(flow, x**2, x)
>>> round(value, 10)
4.0
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import sympy as sp
from scipy import integrate

from symflow.errors import ParameterError

__all__ = ["numeric_expectation", "numeric_entropy"]


def _values(flow, params: dict, what: str) -> dict[str, float]:
    """The parameter values as floats, refusing a flow parameter that has none."""
    values = {k: float(v) for k, v in params.items()}
    missing = [p.name for p in flow.parameters if p.name not in values]
    if missing:
        example = ", ".join(f"{name}=0.5" for name in missing)
        raise ParameterError(
            f"{what} of {flow!r} is computed for numbers: give a value for "
            f"{', '.join(missing)} as a keyword, e.g. ({example})."
        )
    return values


def _samples(flow, values: dict[str, float], n: int = 20_000) -> np.ndarray:
    """Forward-map samples drawn with NumPy (no kernel compilation)."""
    subs = {p: values[p.name] for p in flow.parameters}
    rng = np.random.default_rng(12345)
    zs = np.asarray(flow.base.sample(n, rng, values), dtype=np.float64)
    reduction = getattr(flow, "reduction", None)
    if reduction is not None:
        f = sp.lambdify(
            list(reduction.base_symbols), reduction.forward[0].xreplace(subs), ["scipy", "numpy"]
        )
        out = f(*[zs[:, j] for j in range(zs.shape[1])])
    else:
        from symflow.core.cdf import forward_expression

        z = flow.program.base_symbol
        out = sp.lambdify([z], forward_expression(flow.program).xreplace(subs), ["scipy", "numpy"])(
            zs
        )
    out = np.asarray(np.broadcast_to(out, (n,)), dtype=np.float64)
    return out[np.isfinite(out)]


def _density(flow, values: dict[str, float]):
    """p_X as a Python callable: the symbolic density when it is in closed form (no
    compilation), the compiled kernel otherwise."""
    x = sp.Symbol("x", real=True)
    p = flow.density(x)
    if not p.has(sp.Integral):
        subs = {s: values[s.name] for s in flow.parameters}
        f = sp.lambdify([x], p.xreplace(subs), ["math", "scipy"])

        def pdf(t: float) -> float:
            try:
                v = float(f(t))
            except (ValueError, ZeroDivisionError, OverflowError):
                return 0.0
            return v if math.isfinite(v) else 0.0

        return pdf
    kernels = flow.compile()
    args = tuple(values[p.name] for p in flow.parameters)
    prob_1 = kernels.prob_1
    return lambda t: prob_1(t, *args)


def _points(flow, values) -> tuple[float, float, list[float]]:
    program = flow.program
    lo, hi = float(program.support.inf), float(program.support.sup)
    points = {p for p in (lo, hi) if math.isfinite(p)}
    for path in program.paths:
        region = path.region
        if isinstance(region, sp.Interval):
            points.update(float(e) for e in (region.inf, region.sup) if e.is_finite)
    samples = _samples(flow, values)
    qs = np.quantile(samples, [1e-3, 0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98, 1 - 1e-3])
    points.update(float(q) for q in qs)
    return lo, hi, sorted(p for p in points if lo <= p <= hi)


def _quad(f, a: float, b: float) -> float:
    if not a < b:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return integrate.quad(f, a, b, limit=200, epsabs=0.0, epsrel=1e-12)[0]


def _tail(g, first: float) -> tuple[float, bool]:
    """∫_0^∞ g in decades: (value, settled)."""
    total = _quad(g, 0.0, first)
    lo, quiet, steady, last = first, 0, 0, abs(total)
    while lo < 1e300:
        piece = _quad(g, lo, lo * 10.0)
        total += piece
        quiet = quiet + 1 if abs(piece) <= 1e-15 * max(abs(total), 1e-300) else 0
        if quiet >= 3:
            return total, True
        steady = steady + 1 if abs(piece) > 0.5 * last and piece != 0.0 else 0
        if steady >= 8:
            return total, False
        last = abs(piece)
        lo *= 10.0
    return total, False


def _integral(f, lo, hi, points) -> float:
    total = 0.0
    for a, b in zip(points, points[1:], strict=False):
        total += _quad(f, a, b)
    for end, sign in ((lo, -1.0), (hi, 1.0)):
        if math.isinf(end):
            edge = points[0] if sign < 0 else points[-1]
            value, ok = _tail(lambda u, e=edge, s=sign: f(e + s * u), max(1.0, abs(edge)))
            total += value if ok else math.inf
    return total


def numeric_expectation(flow, h: sp.Expr, x, **params: float) -> tuple[float, float, float]:
    """(E h(X), ∫ h⁺ p, ∫ h⁻ p) by quadrature; the parts are inf when they diverge."""
    values = _values(flow, params, f"E[{h}]")
    subs = {p: values[p.name] for p in flow.parameters}
    args = [x] if x is not None else []
    g = sp.lambdify(args, h.xreplace(subs), modules=["math", "scipy"])
    # where h overflows a float (exp(x) far out) the product h·p is taken in mpmath
    g_wide = sp.lambdify(args, h.xreplace(subs), modules="mpmath")
    pdf = _density(flow, values)
    # where p_X underflows a float (far tails) the product h·p is taken in mpmath, so that
    # an integral that diverges there is not cut off where the floats run out
    y = sp.Symbol("x", real=True)
    closed = flow.density(y)
    pdf_wide = (
        None
        if closed.has(sp.Integral)
        else sp.lambdify(
            [y], closed.xreplace({s: values[s.name] for s in flow.parameters}), modules="mpmath"
        )
    )
    lo, hi, points = _points(flow, values)

    def part(sign):
        def f(t):
            p = pdf(t)
            point = (t,) if x is not None else ()
            if not p > 0.0:
                if pdf_wide is None or not math.isfinite(t):
                    return 0.0
                try:
                    w = sign * float(g_wide(*point) * pdf_wide(t))
                except (ValueError, ZeroDivisionError, TypeError):
                    return 0.0
                return w if w > 0.0 else 0.0
            try:
                v = sign * float(g(*point))
            except OverflowError:
                w = sign * float(g_wide(*point) * p)
                return w if w > 0.0 else 0.0
            return v * p if v > 0.0 else 0.0

        return _integral(f, lo, hi, points)

    up, down = part(1.0), part(-1.0)
    return up - down, up, down


def numeric_entropy(flow, **params: float) -> float:
    """−∫ p log p by quadrature."""
    values = _values(flow, params, "The entropy")
    pdf = _density(flow, values)
    lo, hi, points = _points(flow, values)

    def f(t):
        p = pdf(t)
        return -p * math.log(p) if p > 0.0 else 0.0

    return _integral(f, lo, hi, points)


def numeric_quantile(flow, u) -> sp.Expr:
    """F_X⁻¹(u) by root finding on the integrated compiled density (a Float)."""
    from scipy import optimize

    try:
        target = float(u)
    except TypeError as exc:
        raise ParameterError(
            f"The quantile of {flow!r} is numerical: pass a number u in (0, 1); got {u!r}."
        ) from exc
    if not 0.0 < target < 1.0:
        raise ParameterError(f"A quantile needs u in (0, 1); got {u!r}.")
    lo, hi, points = _points(flow, {})
    pdf = _density(flow, {})

    def cdf(t):
        inner = [p for p in points if p < t]
        return _integral(pdf, lo, t, inner + [t]) if inner else _integral(pdf, lo, t, [t])

    a, b = points[0], points[-1]
    while cdf(a) > target:
        a = a - max(1.0, abs(a))
    while cdf(b) < target:
        b = b + max(1.0, abs(b))
    return sp.Float(optimize.brentq(lambda t: cdf(t) - target, a, b, xtol=1e-14), 15)
