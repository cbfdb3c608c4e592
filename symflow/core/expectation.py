"""Expectations E[h(X)] = E[h(f(Z))] = ∫ h(f(z)) p_Z(z) dz, exact where SymPy integrates.

The integral is taken through the base (its density is simple, and f is explicit), over
the base's support, within a time budget. Every exact value is then cross-checked against
a numerical integral of h(x)·p_X(x) (:mod:`symflow.verify.moments`) before it is
returned: a value that is complex, or that disagrees, is discarded and the numerical one
returned instead. Infinite expectations are ``oo``/``-oo``; undefined ones (both tails
infinite, the Cauchy mean) raise :class:`UndefinedExpectationError`.

What the methods return (the SymPy convention): ``X.mean()`` is a SymPy number, exact
(``exp(1/2)``) or a Float from quadrature; ``X.expectation(h, detail=True)`` returns an
:class:`Expectation` with the value, the method used and the numerical cross-check.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
>>> X.mean()
exp(1/2)
>>> X.expectation(sp.Symbol("x") ** 2, detail=True).method
'exact'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.intervals import symbol_on
from symflow.core.program import Program, VectorProgram
from symflow.errors import ParameterError, SymflowError

__all__ = ["Expectation", "UndefinedExpectationError", "expectation", "exact_expectation"]

#: seconds SymPy may spend on one exact expectation
SECONDS = 5.0


class UndefinedExpectationError(SymflowError, ArithmeticError):
    """E[h(X)] does not exist: the positive and negative parts are both infinite.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Cauchy(0, 1), [sf.Transform(2 * z, z)]).mean()
    ... except sf.UndefinedExpectationError as err:
    ...     print("undefined" in str(err))
    True
    """


@dataclass(frozen=True)
class Expectation:
    """E[h(X)]: ``value`` (SymPy), ``method`` ('exact' or 'numeric'), ``numeric`` (the
    float cross-check) and a ``note`` when an exact result was rejected."""

    value: sp.Expr
    method: str
    numeric: float
    note: str = ""

    def __float__(self) -> float:
        return float(self.numeric)


def _function_of_x(h: Any, x: sp.Symbol, flow) -> sp.Expr:
    """h as a SymPy expression: text is parsed safely in x and the flow's parameters
    (never by sympify, which runs Python), a number is made exact."""
    from symflow.core.parse import parse_expression

    if isinstance(h, str):
        return parse_expression(h, variables=[x], parameters=list(flow.parameters))
    if isinstance(h, sp.Basic):
        if not isinstance(h, sp.Expr):
            raise ParameterError(f"E[h(X)] needs h as an expression in x; got {h!r}.")
        return h
    try:
        return sp.sympify(h, strict=True)
    except sp.SympifyError:
        raise ParameterError(
            f"E[h(X)] needs h as a SymPy expression in x or its text; got {h!r} "
            f"({type(h).__name__})."
        ) from None


def _variable(h: sp.Expr, flow) -> sp.Symbol | None:
    free = h.free_symbols - set(flow.parameters)
    if len(free) > 1:
        raise ParameterError(
            f"E[h(X)] needs h in one variable; {h} has {sorted(s.name for s in free)}."
        )
    return next(iter(free), None)


def exact_expectation(flow, h: sp.Expr, x: sp.Symbol | None, seconds: float = SECONDS):
    """∫ h(f(z)) p_Z(z) dz through the base, or None when SymPy does not find it."""
    reduction = getattr(flow, "reduction", None)
    base = flow.base
    if reduction is not None and reduction.pieces is not None:
        return _over_pieces(reduction, h, x, seconds)
    if reduction is not None:
        comps = getattr(base, "components", None)
        if comps is None:
            return None
        zs = [symbol_on(f"z{j + 1}", c.support) for j, c in enumerate(comps)]
        env = dict(zip(reduction.base_symbols, zs, strict=True))
        fx = reduction.forward[0].xreplace(env)
        density = sp.Mul(*[c.density(z) for c, z in zip(comps, zs, strict=True)])
        limits = [(z, c.support.inf, c.support.sup) for z, c in zip(zs, comps, strict=True)]
    elif isinstance(flow.program, Program):
        from symflow.core.cdf import forward_expression

        z = symbol_on("z", base.support)
        fx = forward_expression(flow.program, z)
        density = base.density(z)
        limits = [(z, base.support.inf, base.support.sup)]
    else:
        return None
    integrand = (h.xreplace({x: fx}) if x is not None else h) * density
    # one exponential: exp(z)^3·exp(−z²/2) → exp(3z − z²/2), a Gaussian integral
    integrand = attempt(lambda: sp.powsimp(sp.expand_power_exp(integrand)), 2.0, integrand)
    value = None
    if len(limits) == 1 and limits[0][1:] == (-sp.oo, sp.oo):
        value = gaussian_integral(integrand, limits[0][0])
    if value is None:
        value = attempt(lambda: sp.integrate(integrand, *limits), seconds, None)
    if value is None or value.has(sp.Integral):
        return None
    if value.has(sp.nan):
        return sp.nan
    if value.has(sp.erfc):  # erf(a) + erfc(a) = 1 cancels only in one spelling
        value = value.rewrite(sp.erf)
    tidy = attempt(lambda: sp.simplify(value), seconds / 2, value)
    return tidy


def gaussian_integral(expr: sp.Expr, z: sp.Symbol) -> sp.Expr | None:
    """∫ c(z)·exp(−a z² + b z + d) dz over the real line, c a polynomial: with
    z = u + μ, μ = b/(2a), it is exp(b²/(4a) + d)·Σ_j c_j ∫ uʲ e^(−a u²) du, where the
    even moments are Γ((j + 1)/2)/a^((j + 1)/2) and the odd ones vanish
    (c constant: c·√(π/a)·exp(b²/(4a) + d))."""
    factors = sp.Mul.make_args(expr)
    exps = [f for f in factors if isinstance(f, sp.exp)]
    rest = sp.Mul(*[f for f in factors if not isinstance(f, sp.exp)])
    if not exps:
        return None
    if rest.has(z):
        return _gaussian_moments(rest, exps, z)
    arg = sp.expand(sp.Add(*[f.args[0] for f in exps]))
    try:
        poly = sp.Poly(arg, z)
    except sp.PolynomialError:
        return None
    if poly.degree() != 2:
        return None
    a2, b, d = (poly.coeff_monomial(z**k) for k in (2, 1, 0))
    a = -a2
    if not a.is_positive:
        return None
    return sp.simplify(rest * sp.sqrt(sp.pi / a) * sp.exp(b**2 / (4 * a) + d))


def _gaussian_moments(rest: sp.Expr, exps: list, z: sp.Symbol) -> sp.Expr | None:
    """The polynomial case of :func:`gaussian_integral`; None when it does not apply."""
    arg = sp.expand(sp.Add(*[f.args[0] for f in exps]))
    try:
        poly, weight = sp.Poly(rest, z), sp.Poly(arg, z)
    except sp.PolynomialError:
        return None
    if weight.degree() != 2 or poly.degree() > 40:
        return None
    a2, b, d = (weight.coeff_monomial(z**k) for k in (2, 1, 0))
    a = -a2
    if not a.is_positive:
        return None
    u = sp.Dummy("u", real=True)
    shifted = sp.Poly(sp.expand(poly.as_expr().xreplace({z: u + b / (2 * a)})), u)
    total = sum(
        (c * sp.gamma(sp.Rational(j + 1, 2)) / a ** sp.Rational(j + 1, 2))
        for (j,), c in shifted.terms()
        if j % 2 == 0
    )
    return sp.simplify(total * sp.exp(b**2 / (4 * a) + d))


def _over_pieces(reduction, h: sp.Expr, x: sp.Symbol | None, seconds: float):
    """∫ h(x) p(x) dx over the exact pieces of a map to fewer dimensions."""
    (y,) = reduction.outputs
    g = h.xreplace({x: y}) if x is not None else h

    def run():
        total = sp.Integer(0)
        for expr, region in reduction.pieces:
            integrand = g * expr
            value = None
            if (region.inf, region.sup) == (-sp.oo, sp.oo):
                # a Gaussian piece (a sum or linear map of normals) in closed form, where
                # SymPy's integrate takes half a minute
                integrand = sp.powsimp(sp.expand_power_exp(integrand))
                value = gaussian_integral(integrand, y)
            if value is None:
                value = sp.integrate(integrand, (y, region.inf, region.sup))
            total += value
        return total

    value = attempt(run, seconds, None)
    if value is None or value.has(sp.Integral):
        return None
    if value.has(sp.nan):
        return sp.nan
    return attempt(lambda: sp.simplify(value), seconds / 2, value)


def expectation(flow, h: Any = None, detail: bool = False, **params: float):
    """E[h(X)] (h a SymPy expression in one variable; the identity when None)."""
    if isinstance(flow.program, VectorProgram):
        raise ParameterError(
            f"{flow!r} is {flow.dimension}-dimensional; take a marginal first "
            f"(flow.marginal(i)) and its expectation."
        )
    x = sp.Symbol("x", real=True)
    h = x if h is None else _function_of_x(h, x, flow)
    key = (h, tuple(sorted(params.items())))
    memo = flow.__dict__.setdefault("_expectations", {})
    if key not in memo:
        memo[key] = _expectation(flow, h, **params)
    result = memo[key]
    if isinstance(result, Exception):
        raise result
    return result if detail else result.value


def _expectation(flow, h: sp.Expr, **params: float):
    """The Expectation of h, or the error saying it is undefined (remembered too)."""
    from symflow.verify.moments import numeric_expectation

    var = _variable(h, flow)
    numeric, up, down = numeric_expectation(flow, h, var, **params)
    divergent = math.isinf(up) or math.isinf(down)
    # an infinite part is reported as such: SymPy is not asked (it is slow to diverge)
    exact = None if params or divergent else exact_expectation(flow, h, var)
    note = ""
    if exact is not None and exact is not sp.nan:
        problem = _disagreement(exact, numeric, up, down)
        if problem is None:
            return Expectation(exact, "exact", numeric)
        note = f"the exact result {exact} was rejected: {problem}"
    if up == float("inf") and down == float("inf"):
        return UndefinedExpectationError(
            f"E[{h}] of {flow!r} is undefined: the integrals of its positive and negative "
            f"parts both diverge (as for the mean of a Cauchy variable)."
        )
    if up == float("inf"):
        value = sp.oo
    elif down == float("inf"):
        value = -sp.oo
    else:
        value = sp.Float(numeric, 15)
    return Expectation(value, "numeric", numeric, note)


def _disagreement(exact: sp.Expr, numeric: float, up: float, down: float) -> str | None:
    if exact.is_infinite:
        if (exact == sp.oo and up == math.inf) or (exact == -sp.oo and down == math.inf):
            return None
        return "it is infinite but the numerical integral is finite"
    value = complex(sp.N(exact, 20))
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        return "it is complex, and the expectation of a real variable is real"
    if not math.isfinite(numeric):
        return "the numerical integral diverges"
    if abs(value.real - numeric) > 1e-6 * max(1.0, abs(numeric)):
        return f"it is {value.real:.12g} but the numerical integral is {numeric:.12g}"
    return None


def variance(flow, **params: float) -> sp.Expr:
    """Var X = E[X²] − (E X)² (oo when the second moment is infinite)."""
    x = sp.Symbol("x", real=True)
    m1 = expectation(flow, x, detail=True, **params)
    if m1.value.is_infinite:
        return sp.oo
    m2 = expectation(flow, x**2, detail=True, **params)
    if m2.value.is_infinite:
        return sp.oo
    if m1.method == "exact" and m2.method == "exact":
        return attempt(lambda: sp.simplify(m2.value - m1.value**2), SECONDS, m2.value - m1.value**2)
    return expectation(flow, (x - m1.numeric) ** 2, **params)


def entropy(flow, **params: float) -> sp.Expr:
    """H(X) = −E[log p_X(X)]: exact for a density in closed form, else numerical."""
    from symflow.verify.moments import numeric_entropy

    numeric = numeric_entropy(flow, **params)
    if not params and isinstance(flow.program, Program):
        x = sp.Symbol("x", real=True)
        p = flow.density(x)
        if not p.has(sp.Integral):
            region = flow.support
            pieces = getattr(region, "args", ()) if isinstance(region, sp.Union) else (region,)

            def run():
                total = sp.Integer(0)
                for part in pieces:
                    q = p
                    if isinstance(p, sp.Piecewise):
                        mid = _inside(part)
                        q = next(e for e, c in p.args if c.xreplace({x: mid}) == sp.true)
                    total += sp.integrate(
                        -q * sp.expand_log(sp.log(q), force=True), (x, part.inf, part.sup)
                    )
                return total

            exact = attempt(run, SECONDS / 2, None)
            if exact is not None and not exact.has(sp.Integral, sp.nan, sp.meijerg):
                exact = attempt(lambda: sp.simplify(exact), SECONDS / 2, exact)
                if _evaluates(exact) and _disagreement(exact, numeric, 0.0, 0.0) is None:
                    return exact
    return sp.Float(numeric, 15)


def _evaluates(value: sp.Expr) -> bool:
    """Whether an exact value evaluates to a finite real float (a Meijer G that SymPy
    cannot evaluate, say, does not)."""
    try:
        number = float(sp.N(value, 20))
    except (TypeError, ValueError):
        return False
    return number == number and abs(number) != float("inf")


def _inside(part: sp.Interval) -> sp.Expr:
    lo, hi = part.inf, part.sup
    if is_finite_number(lo) and is_finite_number(hi):
        return (lo + hi) / 2
    if is_finite_number(lo):
        return lo + 1
    if is_finite_number(hi):
        return hi - 1
    return sp.Integer(0)
