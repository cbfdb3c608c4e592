"""The log-likelihood kernel: Σ_i log p_X(x_i; θ) with its gradient and Hessian in θ.

The module holds ``point_1(x, *θ, g, h, lps, gs, hs)``, which returns log p at one point
and writes its gradient into ``g`` and its Hessian into ``h`` (``lps``, ``gs``, ``hs``
are scratch for the inverse paths, combined by
:func:`symflow.codegen.helpers.combine_paths`), and two loops over the data: ``loglik``
(the sums, the first point where log p is −inf or nan, and Σ |∇ log p|) and ``log_prob``.
The derivatives of each path are symbolic; the caller (fitting) computes them and this
module prints them.

Examples
--------
>>> import numpy as np, sympy as sp
>>> import symflow as sf
>>> from types import SimpleNamespace
>>> from symflow.codegen.cache import load_module
>>> from symflow.core.program import Assignment
>>> z, mu = sp.symbols("z mu", real=True)
>>> program = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + mu, z)]).program
>>> x, lp, g, h = program.x, *sp.symbols("lp g h", real=True)
>>> normal = SimpleNamespace(  # log p = -(x - mu)²/2 - log √(2π), its mu-derivatives
...     assignments=(
...         Assignment(lp, -((x - mu) ** 2) / 2 - sp.log(2 * sp.pi) / 2),
...         Assignment(g, x - mu),
...         Assignment(h, sp.Integer(-1)),
...     ),
...     result=lp, gradient=(g,), hessian=((h,),),
... )
>>> module = load_module(loglik_source(program, [normal]))
>>> total, grad, hess, bad, _ = module.loglik(np.array([0.0, 2.0]), 1.0)
>>> round(total, 6), grad.tolist(), hess.tolist(), bad
(-2.837877, [0.0], [[-2.0]], -1)
"""

from __future__ import annotations

import ast

import sympy as sp

from symflow.codegen.source import (
    Emitter,
    add_to,
    assign,
    call,
    function,
    module_header,
    nan_to_minus_inf,
    region_test,
    returns,
    unparse,
    when,
)

__all__ = ["loglik_source"]


def _point(em: Emitter, program, derivatives) -> list[ast.stmt]:
    """The body of ``point_1``: each path's log term with its gradient and Hessian,
    combined over the paths in log space."""
    P, K = len(program.parameters), len(program.paths)

    def ref(e) -> str:
        return "0.0" if e == 0 else str(em.sym(e))

    body = [when("x != x", [returns("math.nan")])]
    support = region_test(em, program.support)
    if support is not sp.true:
        body.append(when(f"not ({em.code(support)})", [returns("-math.inf")]))
    if K == 1:
        pd = derivatives[0]
        body += em.assign(pd.assignments)
        body.append(assign("lp", str(em.sym(pd.result))))
        body.append(when("lp != lp", [returns("-math.inf")]))
        for j in range(P):
            body.append(assign(f"g[{j}]", ref(pd.gradient[j])))
            body += [assign(f"h[{j}, {k}]", ref(pd.hessian[j][k])) for k in range(P)]
        return body + [returns("lp")]
    for q, (path, pd) in enumerate(zip(program.paths, derivatives, strict=True)):
        term = [*em.assign(pd.assignments), assign("lp", str(em.sym(pd.result)))]
        term += [nan_to_minus_inf("lp"), assign(f"lps[{q}]", "lp")]
        for j in range(P):
            term.append(assign(f"gs[{q}, {j}]", ref(pd.gradient[j])))
            term += [assign(f"hs[{q}, {j}, {k}]", ref(pd.hessian[j][k])) for k in range(P)]
        test = region_test(em, path.region)
        body.append(assign(f"lps[{q}]", "-math.inf"))
        body.append(when("True" if test is sp.true else em.code(test), term))
    return body + [returns(call("_combine_paths", "lps", "gs", "hs", "g", "h"))]


def _loops(P: int, K: int, params: list[str]) -> list[ast.FunctionDef]:
    """``loglik(xs, *θ)`` and ``log_prob(xs, *θ)`` over the data, calling ``point_1``."""
    scratch = [
        assign("g", f"np.zeros({P})"),
        assign("h", f"np.zeros(({P}, {P}))"),
        assign("lps", f"np.empty({K})"),
        assign("gs", f"np.empty(({K}, {P}))"),
        assign("hs", f"np.empty(({K}, {P}, {P}))"),
    ]
    point = call("point_1", "xs[i]", *params, "g", "h", "lps", "gs", "hs")
    sums = [
        assign("grad", f"np.zeros({P})"),
        assign("hess", f"np.zeros(({P}, {P}))"),
        assign("absgrad", f"np.zeros({P})"),
        assign("total", "0.0"),
    ]
    accumulate = [
        assign("lp", point),
        when("not (lp > -math.inf)", [returns("(-math.inf, grad, hess, i, absgrad)")]),
        add_to("total", "lp"),
        _for(
            "j",
            P,
            [
                add_to("grad[j]", "g[j]"),
                add_to("absgrad[j]", "abs(g[j])"),
                _for("k", P, [add_to("hess[j, k]", "h[j, k]")]),
            ],
        ),
    ]
    loglik = [
        *scratch,
        *sums,
        _for("i", "xs.shape[0]", accumulate),
        returns("(total, grad, hess, -1, absgrad)"),
    ]
    log_prob = [
        *scratch,
        assign("out", "np.empty(xs.shape[0])"),
        _for("i", "xs.shape[0]", [assign("out[i]", point)]),
        returns("out"),
    ]
    doc = "(Σ log p, Σ ∇ log p, Σ ∇² log p, first index with log p = -inf or nan, Σ |∇ log p|)."
    return [
        function("loglik", ["xs", *params], loglik, doc),
        function("log_prob", ["xs", *params], log_prob, "log p at each point."),
    ]


def _for(index: str, stop: int | str, body: list[ast.stmt]) -> ast.For:
    """``for index in range(stop): body``."""
    target = ast.Name(index)
    return ast.For(target=target, iter=call("range", str(stop)), body=body, orelse=[], lineno=0)


def loglik_source(program, derivatives) -> str:
    """The numba module of ``loglik`` (value, gradient, Hessian summed over the data).

    ``derivatives[q]`` is path q's log-density as assignments with a ``result``, and its
    ``gradient`` and ``hessian`` in the program's parameters as symbols of those
    assignments (or 0).
    """
    em = Emitter(program)
    em.taken |= {"g", "h", "lps", "gs", "hs", "grad", "hess", "absgrad", "total"}
    params = em.param_names
    P, K = len(program.parameters), len(program.paths)
    args = ["x", *params, "g", "h", "lps", "gs", "hs"]
    doc = "log p(x; θ); its gradient into g and Hessian into h."
    point = function("point_1", args, _point(em, program, derivatives), doc)
    return module_header(em.printer) + unparse([*em.solvers, point, *_loops(P, K, params)])
