"""Kernel modules: the Program printed as numba source, and compiled into :class:`Kernels`.

The Program's assignments are printed after common-subexpression elimination and the
stable rewrites into a Python module (``Kernels.source``). The module holds the scalar
entry points ``log_prob_1``, ``prob_1``, ``forward_1`` and ``inverse_1`` (``@njit``
functions that a user's own numba code can call) and, for each array method, a loop
``<name>_c`` over raw buffers. :func:`compile_program` writes it to the kernel cache
(:mod:`symflow.codegen.cache`) and returns the runtime object
(:class:`~symflow.codegen.runtime.Kernels`) that runs those loops.

Examples
--------
>>> import sympy as sp, numpy as np
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
>>> k.log_prob(np.array([-1.0, 1.0]))
array([       -inf, -0.91893853])
"""

from __future__ import annotations

import functools

import sympy as sp

from symflow.codegen.runtime import Kernels, VectorKernels
from symflow.codegen.source import (
    JIT,
    JIT_INLINE,
    Emitter,
    assign,
    branchy_log_sum,
    call,
    calling_loop_body,
    function,
    inlined_loop_body,
    module_header,
    native_loops,
    path_log_terms,
    region_test,
    returns,
    select,
    select_log_sum,
    unparse,
    vector_region_test,
    when,
)
from symflow.core.assignment import Assignment
from symflow.core.program import Program, VectorProgram, standard_draws

__all__ = ["compile_program", "generate_source"]


def _log_prob_1d(em: Emitter, program):
    """log_prob_1(x, *parameters): -inf outside the support, nan for nan.

    Without early returns when no path runs an iterative root solve: every path is
    computed and guarded by selects, so that LLVM can vectorise the calling loop
    (error_model="numpy" makes evaluation outside the support safe: it gives nan or inf,
    never an exception). With early returns otherwise: a root solve must not run outside
    the support.
    """
    several = len(program.paths) > 1
    terms = path_log_terms(
        em, program.paths, lambda path: region_test(em, path.region) if several else None
    )
    support = region_test(em, program.support)
    support = None if support is sp.true else em.code(support)
    if any(path.implicit for path in program.paths):
        body = [when("x != x", [returns("math.nan")])]
        if support is not None:
            body.append(when(f"not ({support})", [returns("-math.inf")]))
        return JIT, body + branchy_log_sum(terms) + [returns("acc")]
    body = select_log_sum(em, terms)
    if support is not None:
        body.append(assign("lp", select(support, "lp", "-math.inf")))
    return JIT_INLINE, body + [returns(select("x != x", "x", "lp"))]


@functools.singledispatch
def generate_source(program: Program) -> tuple[str, list[str]]:
    """The kernel module's source and the parameter identifiers, in order (a scalar
    Program here; a :class:`~symflow.core.program.VectorProgram` in :func:`_vector_source`)."""
    em = Emitter(program)
    params = em.param_names
    jit, log_prob = _log_prob_1d(em, program)
    doc = "log p_X(x): -inf outside the support, nan for nan."
    functions = [function("log_prob_1", ["x", *params], log_prob, doc, jit)]

    # forward map (sampling) and inverse of a bijective flow
    if program.forward:
        em.names[program.base_symbol] = sp.Symbol("z", real=True)
        em.taken.add("z")
        forward = em.assign(program.forward, given=(program.base_symbol,))
        forward.append(returns(str(em.sym(program.forward[-1].target))))
    else:
        forward = [returns("z")]
    doc = "x = f_K(...f_1(z)) for one base sample z."
    functions.append(function("forward_1", ["z", *params], forward, doc, JIT_INLINE))
    standard = standard_draws(program)
    if standard is not None:
        # x = f(loc + scale·t) from standard draws t, where loc + scale·t itself overflows
        st = em.sibling()
        t = sp.Symbol("t", real=True)
        st.names[t] = t
        st.taken.add("t")
        chain = [Assignment(program.base_symbol, standard(t), "state"), *program.forward]
        body = [*st.assign(chain, given=(t,)), returns(str(st.sym(chain[-1].target)))]
        doc = "x = f(loc + scale·t) for one standard draw t of the base's law."
        functions.append(function("forward_standard_1", ["t", *params], body, doc, JIT_INLINE))
    if len(program.paths) == 1:
        inv = em.sibling()
        states = [a for a in program.paths[0].assignments if a.kind == "state"]
        inverse = [*inv.assign(states), returns(str(inv.sym(states[-1].target)))]
    else:
        inverse = [returns("math.nan")]
    doc = "z_0 = f^-1(x) on a bijective flow (nan elsewhere)."
    functions.append(function("inverse_1", ["x", *params], inverse, doc, JIT_INLINE))
    if standard is not None and len(program.paths) == 1:
        # t = (f⁻¹(x) − loc)/scale, finite where f⁻¹(x) itself overflows
        st = em.sibling()
        t = sp.Symbol("t_standard", real=True)
        base = program.base
        chain = [*states, Assignment(t, (states[-1].target - base.loc) / base.scale, "state")]
        body = [*st.assign(chain), returns(str(st.sym(t)))]
        doc = "t = (f^-1(x) - loc)/scale on a bijective flow."
        functions.append(function("inverse_standard_1", ["x", *params], body, doc, JIT_INLINE))
    prob = [returns(call("math.exp", call("log_prob_1", "x", *params)))]
    functions.append(function("prob_1", ["x", *params], prob, "p_X(x).", JIT_INLINE))

    functions += native_loops(
        params,
        1,
        [
            ("log_prob", False, inlined_loop_body(log_prob, ["x"], params, _store)),
            ("prob", False, inlined_loop_body(log_prob, ["x"], params, _store_exp)),
            ("forward", False, calling_loop_body("forward_1", None)),
            ("inverse", False, calling_loop_body("inverse_1", None)),
        ]
        + (
            [("forward_standard", False, calling_loop_body("forward_standard_1", None))]
            if standard is not None
            else []
        )
        + (
            [("inverse_standard", False, calling_loop_body("inverse_standard_1", None))]
            if standard is not None and len(program.paths) == 1
            else []
        ),
    )
    return _module(em, functions), em.param_names


def _store(value):
    """``out[i] = value``."""
    return assign("out[i]", value)


def _store_exp(value):
    """``out[i] = exp(value)``."""
    return assign("out[i]", call("math.exp", value))


def _module(em: Emitter, functions) -> str:
    """The module's text: imports, helpers, root solvers, then ``functions``."""
    return module_header(em.printer) + unparse([*em.solvers, *functions])


@generate_source.register
def _vector_source(program: VectorProgram) -> tuple[str, list[str]]:
    """Kernels of a d-dimensional flow: scalar entry points take x1, …, xd."""
    em = Emitter(program)
    d = program.dimension
    xargs = [f"x{j + 1}" for j in range(d)]
    params = em.param_names
    path = program.paths[0]
    # branch-free like the 1-D kernel: selects for the checks and NaN, force-inlined
    # membership decided on x where a condition reduces to one coordinate
    terms = path_log_terms(em, [path], lambda p: vector_region_test(em, p))
    nan_input = " | ".join(f"({x} != {x})" for x in xargs)  # bitwise: no branches
    log_prob = [*select_log_sum(em, terms), returns(select(nan_input, "math.nan", "lp"))]
    doc = "log p_X(x): -inf outside the support, nan for nan."
    functions = [function("log_prob_1", [*xargs, *params], log_prob, doc, JIT_INLINE)]

    zargs = [sp.Symbol(f"z{j + 1}", real=True) for j in range(d)]
    em.taken.update(s.name for s in zargs)
    for s, z in zip(program.base_symbols, zargs, strict=True):
        em.names[s] = z
    if program.forward:
        forward = em.assign(program.forward, given=program.base_symbols)
        outs = [str(em.sym(a.target)) for a in program.forward[-d:]]
    else:
        forward, outs = [], [z.name for z in zargs]
    forward.append(returns(f"({', '.join(outs)},)"))
    doc = "x = f_K(...f_1(z)) for one base sample z."
    zs = [z.name for z in zargs]
    functions.append(function("forward_1", [*zs, *params], forward, doc, JIT_INLINE))
    inv = em.sibling()
    states = [a for a in path.assignments if a.kind == "state"]
    inverse = inv.assign(states)
    inverse.append(returns(f"({', '.join(str(inv.sym(s)) for s in program.base_symbols)},)"))
    functions.append(
        function("inverse_1", [*xargs, *params], inverse, "z_0 = f^-1(x).", JIT_INLINE)
    )
    prob = [returns(call("math.exp", call("log_prob_1", *xargs, *params)))]
    functions.append(function("prob_1", [*xargs, *params], prob, "p_X(x).", JIT_INLINE))

    functions += native_loops(
        params,
        d,
        [
            ("log_prob", False, inlined_loop_body(log_prob, xargs, params, _store)),
            ("prob", False, inlined_loop_body(log_prob, xargs, params, _store_exp)),
            ("forward", True, calling_loop_body("forward_1", d)),
            ("inverse", True, calling_loop_body("inverse_1", d)),
        ],
    )
    return _module(em, functions), em.param_names


def compile_program(program, base) -> Kernels:
    """Generate, cache and import the kernel module of ``program``."""
    source, idents = generate_source(program)
    kind = VectorKernels if isinstance(program, VectorProgram) else Kernels
    return kind(program, base, source, idents)
