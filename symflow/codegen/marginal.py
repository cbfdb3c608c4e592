"""Kernels of maps to fewer dimensions: p_Y(y) = ∫ p(y, w) dw inside the numba loop.

When the auxiliary integral has a closed form, the flow's Program holds its pieces and
compiles like any one-dimensional flow; only sampling differs (the base's d-dimensional
samples go through the forward map). Otherwise the generated module holds

* ``joint_1(s, k, x, p)``: the joint density p(x, w) at w = β_k(x) + s, one variant per
  break point β_k (support edges and kinks of the integrand, as expressions in x) and
  one in w itself; written symbolically in s, so that (x − w) at w = x − s is the exact
  −(−s) and an end singularity sees the exact distance. The parameters, the outputs
  after the first and (nested quadrature) the outer auxiliary sit in the array p;
* ``inner_1(s, k, x, p)`` with two auxiliaries: the integral over w2 at w1 = β_k + s;
* ``plain``: the break points at x, then
  :func:`symflow.codegen.quadrature.integrate_pieces` (double-exponential rules,
  error-controlled to about 1e-11 relative; measured against mpmath.quad in the tests);
* with one auxiliary, ``log_density_scaled``: the same integral in x = σX, w = σW (σ the
  power of two of a tiny x, else 1) with the log of the joint shifted by its largest
  value, used where x is tiny or the plain density underflows (log p stays finite down
  to subnormal x and out to x = 1e300);
* ``prob_1``, ``log_prob_1`` (scalars, for a user's own ``@njit`` code) and ``prob_v``,
  ``log_prob_v`` (arrays; scratch arrays made once per call).

Several outputs with an exact density are evaluated from it directly. Every function is
cached on disk (the rules are inlined, so the integrand is a static call); the hash of
the rules' source names the module, since numba does not notice a change of a called
module.

Examples
--------
>>> import sympy as sp, numpy as np
>>> import symflow as sf
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> base = sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1))
>>> k = sf.Flow(base, [sf.Transform(z1 + z2, [z1, z2])]).compile()
>>> k.prob(np.array([0.5, 1.5, 2.5]))
array([0.5, 0.5, 0. ])
"""

from __future__ import annotations

import ast
import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symflow.codegen.cache import load_module
from symflow.codegen.kernel import compile_program
from symflow.codegen.printer import (
    SIMD_FUNCTIONS,
    KernelPrinter,
    fold_constants,
)
from symflow.codegen.runtime import Kernels, sample_count
from symflow.codegen.source import (
    add_to,
    assign,
    call,
    expression,
    function,
    imports,
    loop,
    module_header,
    returns,
    select,
    unparse,
    when,
)
from symflow.core.budget import attempt
from symflow.core.program import VectorProgram
from symflow.core.reduce import Term, numeric_plan
from symflow.errors import CompileError, ParameterError

__all__ = ["compile_reduction", "ExactMarginalKernels", "NumericMarginalKernels"]


def _forward_sampler(reduction, parameters):
    """A NumPy function (z columns, *parameters) -> y (one output) or a list of outputs."""
    args = [*reduction.base_symbols, *parameters]
    forward = reduction.forward
    return sp.lambdify(args, forward[0] if len(forward) == 1 else list(forward), modules="numpy")


class _Sampling:
    """Samples of y: d-dimensional base samples pushed through the forward map."""

    def sample(self, n: int, seed: Any = None, chunks: Any = None, **params: float) -> np.ndarray:
        """n samples of x from the forward map, shape (n,) or (n, m) (``chunks`` is not
        supported here)."""
        n = sample_count(n)
        if chunks is not None:
            raise ParameterError(
                "sample(chunks=...) is not available for maps to fewer dimensions; draw "
                "NumPy samples instead."
            )
        values = self._params(params)
        rng = np.random.default_rng(seed)
        zs = self.base.sample(int(n), rng, dict(zip(self.parameters, values, strict=True)))
        out = self._sampler(*[zs[:, j] for j in range(zs.shape[1])], *values)
        if isinstance(out, list):
            columns = [np.broadcast_to(np.asarray(c, dtype=np.float64), (int(n),)) for c in out]
            return np.stack(columns, axis=1)
        return np.asarray(np.broadcast_to(out, (int(n),)), dtype=np.float64).copy()


class _QuadratureCdf:
    """cdf, sf, quantile and isf of one output by quadrature of its compiled density.

    F(x) = A/(A + B) and S(x) = B/(A + B) with A = ∫ p from the lower end to x and
    B = ∫ p from x to the upper end: each tail is its own integral, so neither is a
    difference with 1 (F(−30) of the larger of two normals is 4.9e-198, not 0), and a
    density that integrates to 1 up to the quadrature's error gives F + S = 1 exactly.
    The quantiles are roots of F − u (or S − q) by Brent's method in a bracket grown
    from the support's ends.
    """

    def _one_output(self) -> None:
        if isinstance(self.program, VectorProgram):
            raise ParameterError(
                f"cdf is available for one output; this flow has {self.dimension}."
            )

    def _tails(self, x: float, values: tuple) -> tuple[float, float]:
        """(A, B) at x: the density's mass below and above x."""
        from scipy import integrate

        lo, hi = float(self.program.support.inf), float(self.program.support.sup)
        if x != x:
            return math.nan, math.nan
        f = self.prob_1
        centre = self._centre(values)

        def mass(a: float, b: float) -> float:
            if not a < b:
                return 0.0
            if a < centre < b:  # a rule over (−1e10, ∞) would not see the bulk at 0
                return mass(a, centre) + mass(centre, b)
            return integrate.quad(f, a, b, args=values, limit=200, epsrel=1e-12)[0]

        return mass(lo, min(max(x, lo), hi)), mass(max(min(x, hi), lo), hi)

    def _centre(self, values: tuple) -> float:
        """The median of 1,001 forward samples (seed 0): a point in the bulk of the mass,
        where the tails' integrals are split."""
        cache = self.__dict__.setdefault("_centres", {})
        if values not in cache:
            named = dict(zip(self.parameters, values, strict=True))
            draws = self.sample(1001, seed=0, **named)
            cache[values] = float(np.median(draws[np.isfinite(draws)]))
        return cache[values]

    def _distribution(self, xs: Any, params: dict, upper: bool) -> np.ndarray:
        self._one_output()
        values = self._params(params)
        arr = np.asarray(xs, dtype=np.float64)
        out = []
        for x in arr.reshape(-1):
            below, above = self._tails(float(x), values)
            total = below + above
            out.append(math.nan if x != x else (above if upper else below) / total)
        result = np.array(out)
        return result[0] if arr.ndim == 0 else result.reshape(arr.shape)

    def cdf(self, xs: Any, **params: float) -> np.ndarray:
        """F_X at each point, by quadrature of the compiled density (one output)."""
        return self._distribution(xs, params, upper=False)

    def sf(self, xs: Any, **params: float) -> np.ndarray:
        """S_X = 1 − F_X at each point, integrated from the upper end (one output)."""
        return self._distribution(xs, params, upper=True)

    def _inverse(self, us: Any, params: dict, upper: bool) -> np.ndarray:
        from scipy import optimize

        self._one_output()
        arr = np.asarray(us, dtype=np.float64)
        if np.any((arr < 0) | (arr > 1)):
            first = float(arr.reshape(-1)[np.flatnonzero((arr < 0) | (arr > 1))[0]])
            raise ParameterError(f"Quantiles need probabilities in [0, 1]; got {first!r}.")
        values = self._params(params)
        lo, hi = float(self.program.support.inf), float(self.program.support.sup)

        def level(x: float) -> float:
            below, above = self._tails(x, values)
            return (above if upper else below) / (below + above)

        out = []
        for u in arr.reshape(-1):
            u = float(u)
            if u != u:
                out.append(math.nan)
                continue
            if u in (0.0, 1.0):
                out.append((hi if upper else lo) if u == 0.0 else (lo if upper else hi))
                continue
            a = lo if math.isfinite(lo) else -1.0
            b = hi if math.isfinite(hi) else 1.0
            a, b = (a, b) if a < b else (b - 1.0, b)
            sign = -1.0 if upper else 1.0
            while not math.isfinite(lo) and sign * (level(a) - u) > 0 and a > -1e308:
                a *= 4.0 if a < 0 else -1.0
            while not math.isfinite(hi) and sign * (level(b) - u) < 0 and b < 1e308:
                b *= 4.0 if b > 0 else -1.0
            out.append(optimize.brentq(lambda x, u=u: level(x) - u, a, b, xtol=1e-300, rtol=1e-15))
        result = np.array(out)
        return result[0] if arr.ndim == 0 else result.reshape(arr.shape)

    def quantile(self, us: Any, **params: float) -> np.ndarray:
        """F_X⁻¹(u) at each probability, by root finding on the quadrature CDF."""
        return self._inverse(us, params, upper=False)

    def isf(self, qs: Any, **params: float) -> np.ndarray:
        """S_X⁻¹(q) at each probability, by root finding on the quadrature survival."""
        return self._inverse(qs, params, upper=True)


class ExactMarginalKernels(_QuadratureCdf, _Sampling, Kernels):
    """Kernels of a map to fewer dimensions whose density came out in closed form."""

    def __init__(self, program, base, source, idents, reduction):
        super().__init__(program, base, source, idents)
        self.reduction = reduction
        self._sampler = _forward_sampler(reduction, program.parameters)


class NumericMarginalKernels(_QuadratureCdf, _Sampling):
    """log_prob / prob of a marginal density of m ≥ 1 outputs, integrated numerically at
    every point (or evaluated from its exact form when it has one and m > 1)."""

    def __init__(self, program, base, source: str, reduction):
        self.program = program
        self.base = base
        self.source = source
        self.reduction = reduction
        self.parameters = tuple(p.name for p in program.parameters)
        self.dimension = len(reduction.outputs)
        self._sampler = _forward_sampler(reduction, program.parameters)
        self._module = None

    @property
    def module(self) -> Any:
        if self._module is None:
            self._module = load_module(self.source)
        return self._module

    @property
    def prob_1(self) -> Any:
        """The scalar ``@njit`` density ``prob_1(x1, …, xm, *parameters)``."""
        return self.module.prob_1

    @property
    def log_prob_1(self) -> Any:
        """The scalar ``@njit`` log-density."""
        return self.module.log_prob_1

    def _params(self, given: dict[str, Any]) -> tuple[float, ...]:
        extra = [p for p in given if p not in self.parameters]
        missing = [p for p in self.parameters if p not in given]
        if extra or missing:
            raise ParameterError(
                f"This flow's parameters are: {', '.join(self.parameters) or 'none'}; got "
                f"{', '.join(given) or 'none'}. Pass each as a keyword (one number each)."
            )
        return tuple(float(given[p]) for p in self.parameters)

    def _points(self, xs: Any) -> tuple[np.ndarray, tuple[int, ...]]:
        arr = np.asarray(xs, dtype=np.float64)
        m = self.dimension
        if m == 1:
            return np.ascontiguousarray(arr.reshape(-1)), arr.shape
        if arr.shape[-1:] != (m,):
            raise ParameterError(
                f"This flow has {m} outputs: pass points of shape (n, {m}); got an array of "
                f"shape {arr.shape}."
            )
        return np.ascontiguousarray(arr.reshape(-1, m)), arr.shape[:-1]

    def prob(self, xs: Any, **params: float) -> np.ndarray:
        """p_X at each point (0 outside the support, nan for nan)."""
        values = self._params(params)
        flat, shape = self._points(xs)
        out = self.module.prob_v(flat, *values)
        return out[0] if shape == () else out.reshape(shape)

    def log_prob(self, xs: Any, **params: float) -> np.ndarray:
        """log p_X at each point (−inf outside the support); computed in log space where
        the density is subnormal or underflows."""
        values = self._params(params)
        flat, shape = self._points(xs)
        out = self.module.log_prob_v(flat, *values)
        return out[0] if shape == () else out.reshape(shape)


def compile_reduction(reduction, program):
    """Kernels of a flow that ends in a map to fewer dimensions."""
    if program.paths:
        try:
            plain = compile_program(program, reduction.base)
        except CompileError:
            if len(reduction.auxiliaries) != 1:
                raise
            # the closed form holds a function with no numba translation (the product of
            # two normals is K₀(|x|)/π, which SymPy writes as a Meijer G): the joint is
            # integrated numerically at each point instead
            source = _Source(reduction, program).build()
            return NumericMarginalKernels(program, reduction.base, source, reduction)
        return ExactMarginalKernels(program, reduction.base, plain.source, plain._idents, reduction)
    if reduction.exact_terms is None and len(reduction.auxiliaries) > MAX_AUXILIARIES:
        raise CompileError(
            f"{reduction.transform!r}: no closed form was found, and compiled marginals "
            f"integrate at most {MAX_AUXILIARIES} auxiliary variables (nested quadrature); "
            f"this map has {len(reduction.auxiliaries)}. Reduce in steps (e.g. z1 + z2 "
            f"first) or use the symbolic density with evalf."
        )
    source = _Source(reduction, program).build()
    return NumericMarginalKernels(program, reduction.base, source, reduction)


#: nested quadrature integrates this many auxiliaries at most
MAX_AUXILIARIES = 2
#: below this |x| (and above 0) the density is integrated again in coordinates scaled by
#: a power of two, in log space, so that pieces of subnormal length keep their nodes
TINY_X = 2.0**-960
#: a plain density below this is recomputed in log space (it may have underflowed)
TINY_P = 1e-280


def _header(printer: KernelPrinter) -> str:
    """The kernel header (:func:`~symflow.codegen.source.module_header`) and the rules."""
    rules = Path(__file__).with_name("quadrature.py").read_bytes()
    rules_import = imports(
        "symflow.codegen.quadrature",
        "integrate_pieces",
        "largest_log",
        "sort_edges",
    )
    # numba does not notice changes of called modules: the rules' hash names the module
    return (
        module_header(printer, "symflow marginal kernel module")
        + f"# quadrature {hashlib.sha256(rules).hexdigest()[:16]}\n"
        + ast.unparse(rules_import)
        + "\n"
    )


#: scalar libm functions in place of the vectorising ones (the integrands are called
#: point by point inside the quadrature loops)
_SCALAR = {
    "softplus": "_softplus",
    "sigmoid": "_sigmoid",
    "logcosh": "_logcosh",
    "log1p_sq": "_log1p_sq",
    "hypot1": "_hypot1",
    "logsinh": "_logsinh",
}


def _printer() -> KernelPrinter:
    printer = KernelPrinter()
    for name in SIMD_FUNCTIONS:
        printer.known_functions[name] = _SCALAR.get(name, f"math.{name}")
    return printer


def _positive_factor_free(g: sp.Expr, sigma: sp.Symbol) -> sp.Expr:
    """g with a positive factor σ^k taken out (g(σy, σw) = σ·g(y, w) for linear g)."""
    q = attempt(lambda: sp.factor_terms(sp.expand(g)), 2.0, g)
    if isinstance(q, sp.Mul):
        q = sp.Mul(*[f for f in q.args if not (f == sigma or (f.is_Pow and f.base == sigma))])
    return q


def _scaled_condition(c: sp.Basic, scale: dict, sigma: sp.Symbol) -> sp.Basic:
    c = c.xreplace(scale)
    if isinstance(c, sp.Rel) and not isinstance(c, sp.Eq | sp.Ne):
        g = _positive_factor_free(c.lhs - c.rhs, sigma)
        return c.func(g, 0)
    return c


class _Source:
    """The generated module of one numeric marginal, built function by function.

    Runtime values sit in one array ``p``: the flow's parameters, then the outputs after
    the first (the first output is the integrand's ``x``), then the outer auxiliary of
    nested quadrature, then σ, log σ and the log-space shift of the scaled evaluation.
    """

    def __init__(self, reduction, program):
        self.reduction = reduction
        self.printer = _printer()
        self.m = len(reduction.outputs)
        self.x = sp.Symbol("x", real=True)
        self.names: dict = {reduction.outputs[0]: self.x}
        params = list(program.parameters)
        self.param_idents = [f"p_{p.name}" for p in params]
        self.output_idents = [f"x_{j + 2}" for j in range(self.m - 1)]
        idents = self.param_idents + self.output_idents
        for sym, ident in zip(params + list(reduction.outputs[1:]), idents, strict=True):
            self.names[sym] = sp.Symbol(ident, real=True)
        self.slots = len(idents)
        self.exact = reduction.exact_terms is not None
        self.nested = not self.exact and len(reduction.auxiliaries) == 2
        if self.nested:
            self.names[reduction.auxiliaries[0]] = sp.Symbol("w_1", real=True)
        self.scaled = not self.exact and len(reduction.auxiliaries) == 1
        self.outer = self.slots  # the outer auxiliary w1 (nested quadrature)
        self.scale = self.slots + (1 if self.nested else 0)  # σ, log σ, shift
        self.size = self.scale + (3 if self.scaled else 0)
        self.out: list[ast.FunctionDef] = []

    # -- pieces of source ---------------------------------------------------------
    def code(self, expr) -> ast.expr:
        """``expr`` in the module's names, printed and parsed."""
        return expression(self.printer.doprint(fold_constants(expr.xreplace(self.names))))

    def unpack(self) -> list[ast.stmt]:
        """``name = p[j]`` for the parameters and the outputs after the first."""
        idents = self.param_idents + self.output_idents
        return [assign(name, f"p[{j}]") for j, name in enumerate(idents)]

    def function(self, name: str, args: list[str], doc: str, body: list[ast.stmt]) -> None:
        self.out.append(function(name, args, body, doc))

    def variants(self, terms, edges, w, s, value, combine="sum") -> list[ast.stmt]:
        """An integrand's body: one branch per edge variant (w = edge_k + s) and one in
        w itself (w = s). ``value`` gives a term's density (or log-density); the terms
        are summed, or their largest value kept (``combine="max"``)."""
        start = "0.0" if combine == "sum" else "-math.inf"
        cases = []
        for at in [*(e + s for e in edges), s]:
            body = [assign("acc", start)]
            for t in terms:
                cond = sp.And(*[c.xreplace({w: at}) for c in t.conditions])
                if cond is sp.false:
                    continue
                v = value(t.density.xreplace({w: at}))
                body.append(
                    assign("v", v if cond is sp.true else select(self.code(cond), v, start))
                )
                if combine == "sum":
                    body.append(add_to("acc", select("v == v", "v", "0.0")))
                else:
                    body.append(assign("acc", select("v == v", "max(acc, v)", "acc")))
            cases.append(body + [returns("acc")])
        return _by_variant(cases)

    def fill_edges(self, edges) -> list[ast.stmt]:
        """``edges[k] = edge_k(x)`` and ``anchors[k] = k``."""
        out = [assign(f"edges[{k}]", self.code(e)) for k, e in enumerate(edges)]
        return out + [assign(f"anchors[{k}]", str(k)) for k in range(len(edges))]

    def plain(self, integrand: str, edges, doc: str) -> None:
        """``plain(x, p, edges, anchors)``: the integral of ``integrand`` over the pieces
        between ``edges`` at x."""
        n = len(edges)
        body = [*self.unpack(), *self.fill_edges(edges), returns(_integrate(integrand, n, n, "x"))]
        self.function("plain", _INTEGRAL, doc, body)
        self.edge_count = max(n, 1)

    # -- the module ---------------------------------------------------------------
    def build(self) -> str:
        if self.exact:
            self._exact()
        elif self.nested:
            self._nested()
        else:
            self._single()
        if self.scaled:
            self._scaled()
        self._drivers()
        return _header(self.printer) + unparse(self.out)

    def _exact(self) -> None:
        """m > 1 outputs with an exact density: evaluated directly, no quadrature."""
        body = [*self.unpack(), assign("acc", "0.0")]
        # in canonical order: integration hands the terms over in an order that follows
        # the hash seed, and the source (which names the cached module) must not
        for t in sorted(self.reduction.exact_terms, key=_term_key):
            cond = sp.And(*t.conditions)
            v = self.code(t.density)
            body.append(assign("v", v if cond is sp.true else select(self.code(cond), v, "0.0")))
            body.append(add_to("acc", select("v == v", "v", "0.0")))
        self.function(
            "plain", _INTEGRAL, "p(x1, …, xm): the exact density.", body + [returns("acc")]
        )
        self.edge_count = 1

    def _single(self) -> None:
        (w,) = self.reduction.auxiliaries
        s = sp.Symbol("s", real=True)
        terms, edges = numeric_plan(self.reduction)
        body = self.unpack() + self.variants(terms, edges, w, s, self.code)
        self.function("joint_1", _INTEGRAND, "p(x, w) at w = edge_k(x) + s (last: w = s).", body)
        self.plain("joint_1", edges, "p(x) = ∫ p(x, w) dw (parameters and other outputs in p).")
        self.terms, self.edges = terms, edges

    def _nested(self) -> None:
        from symflow.core.reduce import nested_plan

        w1, w2 = self.reduction.auxiliaries
        s = sp.Symbol("s", real=True)
        terms, inner, outer = nested_plan(self.reduction)
        body = [*self.unpack(), assign("w_1", f"p[{self.outer}]")]
        body += self.variants(terms, inner, w2, s, self.code)
        self.function("joint_1", _INTEGRAND, "p(x, w1, w2) at w2 = edge_k + s; w1 in p.", body)
        n = len(inner)
        body = [
            *self.unpack(),
            *_by_variant([[assign("w_1", self.code(at))] for at in [*(e + s for e in outer), s]]),
            assign(f"p[{self.outer}]", "w_1"),
            assign("edges", f"np.empty({max(n, 1)})"),
            assign("anchors", f"np.empty({max(n, 1)}, np.int64)"),
            *self.fill_edges(inner),
            returns(_integrate("joint_1", n, n, "x")),
        ]
        self.function("inner_1", _INTEGRAND, "∫ p(x, w1, w2) dw2 at w1 = edge_k(x) + s.", body)
        self.plain("inner_1", outer, "p(x) = ∫∫ p(x, w1, w2) dw2 dw1 (nested quadrature).")

    def _stable_code(self, log: sp.Expr) -> ast.expr:
        """A log-joint in the stable forms of the kernels: log(σ²(s + x)² + 1) as
        2·log1p_sq(σ(s + x)), finite where the square overflows (x = 1e300)."""
        from symflow.codegen.rewrite import stabilise

        return self.code(stabilise(log))

    def _scaled(self) -> None:
        """The integrand in x = σY, w = σW (σ a power of two) and in log space: the
        log-joint plus log σ, shifted by p[shift] before exp."""
        y = self.reduction.outputs[0]
        (w,) = self.reduction.auxiliaries
        sigma = sp.Symbol("sigma", positive=True)
        log_sigma = sp.Symbol("log_sigma", real=True)
        scale = {y: sigma * y, w: sigma * w}
        terms = []
        for t in self.terms:
            density = attempt(lambda t=t: sp.factor_terms(t.density.xreplace(scale)), 3.0, None)
            if density is None:
                return self._unscaled()
            # log |p| split into the logs of |factor|: valid for factors of either sign
            log = attempt(lambda d=density: sp.expand_log(sp.log(sp.Abs(d)), force=True), 3.0, None)
            if log is None or log.has(sp.Integral):
                return self._unscaled()
            log = log.xreplace({sp.log(sigma): log_sigma}) + log_sigma
            conds = tuple(_scaled_condition(c, scale, sigma) for c in t.conditions)
            terms.append(Term(log, conds))
        edges = []
        for e in self.edges:
            scaled = attempt(lambda e=e: sp.cancel(e.xreplace({y: sigma * y}) / sigma), 3.0, None)
            edges.append(scaled if scaled is not None else e.xreplace({y: sigma * y}) / sigma)
        self.names[sigma] = sp.Symbol("sigma", real=True)
        self.names[log_sigma] = sp.Symbol("log_sigma", real=True)
        s = sp.Symbol("s", real=True)
        unpack = [
            *self.unpack(),
            assign("sigma", f"p[{self.scale}]"),
            assign("log_sigma", f"p[{self.scale + 1}]"),
        ]
        self.function(
            "log_joint_scaled",
            _INTEGRAND,
            "max over terms of log p(σx, σw) + log σ at w = edge_k + s.",
            unpack + self.variants(terms, edges, w, s, self._stable_code, "max"),
        )

        def shifted_exp(log):
            return call(
                "math.exp", ast.BinOp(self._stable_code(log), ast.Sub(), expression("shift"))
            )

        self.function(
            "joint_scaled",
            _INTEGRAND,
            "σ p(σx, σw) / e^{shift} at w = edge_k + s.",
            [
                *unpack,
                assign("shift", f"p[{self.scale + 2}]"),
                *self.variants(terms, edges, w, s, shifted_exp),
            ],
        )
        n = len(edges)
        scaled_y = {y: sp.Symbol("y", real=True)}
        self.function(
            "log_density_scaled",
            _INTEGRAL,
            "log p(x) integrated in x = σY (σ = 1 unless |x| is tiny), in log space.",
            [
                *self.unpack(),
                assign("sigma", "1.0"),
                assign("log_sigma", "0.0"),
                when(
                    f"0.0 < abs(x) < {TINY_X!r}",
                    [
                        assign("e", "math.frexp(x)[1]"),
                        assign("sigma", "math.ldexp(1.0, e)"),
                        assign("log_sigma", "e * 0.6931471805599453"),
                    ],
                ),
                assign("y", "x / sigma"),
                assign(f"p[{self.scale}]", "sigma"),
                assign(f"p[{self.scale + 1}]", "log_sigma"),
                *[
                    assign(f"edges[{k}]", self.code(e.xreplace(scaled_y)))
                    for k, e in enumerate(edges)
                ],
                *[assign(f"anchors[{k}]", str(k)) for k in range(n)],
                assign("n", f"sort_edges(edges, anchors, {n})"),
                assign(
                    "shift",
                    call(
                        "largest_log", "log_joint_scaled", "edges", "anchors", "n", str(n), "y", "p"
                    ),
                ),
                when("shift == -math.inf or shift == math.inf", [returns("-math.inf")]),
                assign(f"p[{self.scale + 2}]", "shift"),
                assign("total", _integrate("joint_scaled", "n", n, "y")),
                returns(select("total > 0.0", "shift + math.log(total)", "-math.inf")),
            ],
        )
        return None

    def _unscaled(self) -> None:
        self.scaled = False
        self.size = self.scale

    def _drivers(self) -> None:
        """prob_1 / log_prob_1 (scalars) and prob_v / log_prob_v (arrays; buffers made once)."""
        xs = ["x", *self.output_idents]
        n = self.edge_count
        if self.scaled:
            last = [
                assign("tiny", f"0.0 < abs(x) < {TINY_X!r}"),
                when(f"v >= {TINY_P!r} and not tiny", [returns("(v, math.log(v))")]),
                assign("lv", call("log_density_scaled", *_INTEGRAL)),
                # both are quadratures of a positive integrand, and a rule whose nodes miss
                # a bump only loses mass: the larger is the better (the scaled rule misses
                # the bumps at w = O(1) of two Cauchy kernels at x = 1e-300)
                when("v > 0.0 and math.log(v) > lv", [returns("(v, math.log(v))")]),
                returns("(math.exp(lv), lv)"),
            ]
        else:
            last = [returns("(v, math.log(v) if v > 0.0 else -math.inf)")]
        self.function(
            "density",
            _INTEGRAL,
            "(p(x), log p(x)): 0 and −inf outside the support, nan for nan.",
            [
                when("x != x", [returns("(math.nan, math.nan)")]),
                assign("v", call("plain", *_INTEGRAL)),
                when("v != v", [returns("(math.nan, math.nan)")]),
                when("v <= 0.0", [assign("v", "0.0")]),
                *last,
            ],
        )
        slots = self.param_idents + self.output_idents
        buffers = [
            assign("p", f"np.empty({max(self.size, 1)})"),
            assign("edges", f"np.empty({n})"),
            assign("anchors", f"np.empty({n}, np.int64)"),
        ]
        for name, pick in (("prob", 0), ("log_prob", 1)):

            def density(x: str, pick: int = pick) -> str:
                return f"density({x}, p, edges, anchors)[{pick}]"

            self.function(
                f"{name}_1",
                xs + self.param_idents,
                ("p_X" if pick == 0 else "log p_X") + " at one point.",
                [
                    *buffers,
                    *(assign(f"p[{j}]", v) for j, v in enumerate(slots)),
                    returns(density("x")),
                ],
            )
            k = len(self.param_idents)
            if self.m == 1:
                point = [assign("out[i]", density("xs[i]"))]
            else:
                point = [assign(f"p[{k + j - 1}]", f"xs[i, {j}]") for j in range(1, self.m)]
                point.append(assign("out[i]", density("xs[i, 0]")))
            self.function(
                f"{name}_v",
                ["xs", *self.param_idents],
                f"{name} at each point (one row per point when m > 1).",
                [
                    *buffers,
                    *(assign(f"p[{j}]", v) for j, v in enumerate(self.param_idents)),
                    assign("out", "np.empty(xs.shape[0])"),
                    loop("i", "xs.shape[0]", point),
                    returns("out"),
                ],
            )


#: the arguments of an integrand (a variant k of the joint density at offset s) and of an
#: integral at x
_INTEGRAND = ["s", "k", "x", "p"]
_INTEGRAL = ["x", "p", "edges", "anchors"]


def _term_key(term: Term):
    """A canonical sort key of a term (its density, then its conditions)."""
    return sp.default_sort_key(sp.Tuple(term.density, *term.conditions))


def _integrate(integrand: str, count: str | int, size: int, x: str) -> ast.Call:
    """``integrate_pieces(integrand, edges, anchors, count, size, x, p)``."""
    return call("integrate_pieces", integrand, "edges", "anchors", str(count), str(size), x, "p")


def _by_variant(cases: list[list[ast.stmt]]) -> list[ast.stmt]:
    """``if k == 0: cases[0] elif k == 1: … else: cases[-1]`` (the last case alone: in
    ``if True``)."""
    chain = cases[-1]
    for k in range(len(cases) - 2, -1, -1):
        chain = [when(f"k == {k}", cases[k], chain)]
    return chain if len(cases) > 1 else [when("True", chain)]
