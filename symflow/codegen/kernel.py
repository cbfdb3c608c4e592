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

import sympy as sp

from symflow.codegen.printer import (
    HELPERS,
    special_import,
)
from symflow.codegen.runtime import Kernels
from symflow.codegen.source import Emitter, module_header

__all__ = ["compile_program", "generate_source"]


_PROB_1 = '''


@njit(cache=True, error_model="numpy", forceinline=True)
def prob_1(x{params}):
    """p_X(x)."""
    return math.exp(log_prob_1(x{params}))
'''

#: the loop of an array kernel as a C callback body (see symflow.codegen.native): the
#: points, the output and each parameter column are raw float64 buffers
_NATIVE = """

def {name}_{variant}(xp, op, n{arguments}):
    xs = carray(xp, ({shape_in}))
    out = carray(op, ({shape_out}))
{columns}    for i in range(n):
{body}
"""


def _native_loops(em, d: int, loops) -> str:
    """The C-callback loops of a module, for each (name, wide, body) in ``loops``: a body
    is the loop's statements for point ``i`` (see :func:`_point`), reading parameter j
    as ``col_j[i]``.

    ``<name>_c`` takes each parameter as a column of n values; for flows with
    parameters, ``<name>_s`` takes them as numbers (no column is allocated when every
    parameter is a scalar).
    """
    k = len(em.param_names)
    out = []
    for name, wide, body in loops:
        shapes = {
            "shape_in": "n," if d == 1 else f"n, {d}",
            "shape_out": f"n, {d}" if wide else "n,",
        }
        columns = "".join(f"    col_{j} = carray(col_{j}_ptr, (n,))\n" for j in range(k))
        arguments = "".join(f", col_{j}_ptr" for j in range(k))
        out.append(
            _NATIVE.format(
                name=name, variant="c", arguments=arguments, columns=columns, body=body, **shapes
            )
        )
        if k:
            scalar = body
            for j in reversed(range(k)):
                scalar = scalar.replace(f"col_{j}[i]", em.param_names[j])
            lines = [line for line in scalar.split("\n") if not _self_assignment(line)]
            arguments = "".join(f", {p}" for p in em.param_names)
            out.append(
                _NATIVE.format(
                    name=name,
                    variant="s",
                    arguments=arguments,
                    columns="",
                    body="\n".join(lines),
                    **shapes,
                )
            )
    return "".join(out)


def _self_assignment(line: str) -> bool:
    """``p = p``: what binding a parameter becomes in a loop that takes it as a number."""
    target, equals, value = line.strip().partition(" = ")
    return bool(equals) and target == value


def _point(em, d: int) -> str:
    """The arguments of a scalar entry point at point ``i`` of a loop."""
    args = "xs[i]" if d == 1 else ", ".join(f"xs[i, {j}]" for j in range(d))
    return args + "".join(f", col_{j}[i]" for j in range(len(em.param_names)))


def _inlined(em, d: int, function: list[str], store: str) -> str:
    """A scalar function (decorator, def, docstring, statements) as a loop body: its
    inputs bound from the buffers, each ``return v`` a store ``store.format(v)`` (and
    ``continue`` where it returns early). numba then compiles one function, not two."""
    inputs = ["x"] if d == 1 else [f"x{j + 1}" for j in range(d)]
    sources = ["xs[i]"] if d == 1 else [f"xs[i, {j}]" for j in range(d)]
    lines = [f"        {a} = {b}" for a, b in zip(inputs, sources, strict=True)]
    lines += [f"        {p} = col_{j}[i]" for j, p in enumerate(em.param_names)]
    body = function[3:]
    for k, line in enumerate(body):
        text = line.strip()
        if not text.startswith("return "):
            lines.append("    " + line)
            continue
        indent = "    " + line[: len(line) - len(line.lstrip())]
        lines.append(indent + store.format(text.removeprefix("return ")))
        if k < len(body) - 1:
            lines.append(indent + "continue")
    return "\n".join(lines)


def _condition(region: sp.Set, em) -> sp.Basic:
    """``x in region`` as a Boolean in the emitter's names (x and the parameters renamed).

    Built on a plain real symbol: the program's x carries the support's assumptions
    (x > 0), under which SymPy would reduce ``0 < x`` to True and drop the test. An
    endpoint that is not a float64 is replaced by the float next to it on the outer
    side, so that the test is exact for every float64 x (see
    :func:`~symflow.codegen.rewrite.float_membership`).
    """
    from symflow.codegen.rewrite import float_membership

    plain = sp.Dummy("x", real=True)
    cond = float_membership(region.as_relational(plain))
    mapping = {plain: em.names[em.program.x]}
    mapping.update({p: em.names[p] for p in em.program.parameters})
    return cond.xreplace(mapping)


def _select_log_prob(em, program, x, params, support) -> list[str]:
    """log_prob_1 without early returns: every path is computed and guarded by selects,
    so that LLVM can vectorise the calling loop (error_model="numpy" makes evaluation
    outside the support safe: it gives nan or inf, never an exception)."""
    body = ['@njit(cache=True, error_model="numpy", forceinline=True)']
    body.append(f"def log_prob_1(x{params}):")
    body.append('    """log p_X(x): -inf outside the support, nan for nan."""')
    results = []
    for k, path in enumerate(program.paths):
        body.extend(em.statements(path.kernel_assignments, "    "))
        r = f"r_{k}"
        em.taken.add(r)
        result = em.sym(path.result)
        body.append(f"    {r} = {result}")
        body.append(f"    {r} = -math.inf if {r} != {r} else {r}")
        if len(program.paths) > 1:
            cond = _condition(path.region, em)
            if cond is not sp.true:
                body.append(f"    {r} = {r} if ({em.code(cond)}) else -math.inf")
        results.append(r)
    body.append(f"    lp = {results[0]}")
    for r in results[1:]:
        body.append(f"    lp = simd_logaddexp(lp, {r})")
    if support is not sp.true:
        body.append(f"    lp = lp if ({em.code(support)}) else -math.inf")
    body.append("    return x if x != x else lp")
    return body


def _branchy_log_prob(em, program, x, params, support) -> list[str]:
    """log_prob_1 with early returns: used when a path runs an iterative root solve,
    which must not run outside the support."""
    body = ['@njit(cache=True, error_model="numpy")']
    body.append(f"def log_prob_1(x{params}):")
    body.append('    """log p_X(x): -inf outside the support, nan for nan."""')
    body.append("    if x != x:")
    body.append("        return math.nan")
    if support is not sp.true:
        body.append(f"    if not ({em.code(support)}):")
        body.append("        return -math.inf")
    body.append("    acc = -math.inf")
    for path in program.paths:
        cond = _condition(path.region, em) if len(program.paths) > 1 else sp.true
        body.append(f"    if {em.code(cond) if cond is not sp.true else 'True'}:")
        body.extend(em.statements(path.kernel_assignments, "        "))
        result = em.sym(path.result)
        body.append(f"        if {result} == {result}:")
        body.append(f"            acc = _logaddexp(acc, {result})")
    body.append("    return acc")
    return body


def generate_source(program) -> tuple[str, list[str]]:
    """The kernel module's source and the parameter identifiers, in order."""
    if program.dimension > 1:
        return _vector_source(program)
    em = Emitter(program)
    x = em.names[program.x]
    params = "".join(f", {p}" for p in em.param_names)
    body: list[str] = []

    # log-density: each path, summed in log space, then the support and NaN selects
    implicit = any(path.implicit for path in program.paths)
    support = _condition(program.support, em)
    if implicit:
        log_prob_lines = _branchy_log_prob(em, program, x, params, support)
    else:
        log_prob_lines = _select_log_prob(em, program, x, params, support)
    body.extend(log_prob_lines)

    # forward map (sampling) and inverse of a bijective flow
    body.append("")
    body.append("")
    body.append('@njit(cache=True, error_model="numpy", forceinline=True)')
    body.append(f"def forward_1(z{params}):")
    body.append('    """x = f_K(...f_1(z)) for one base sample z."""')
    if program.forward:
        em.names[program.base_symbol] = sp.Symbol("z", real=True)
        em.taken.add("z")
        body.extend(em.statements(program.forward, "    ", given=(program.base_symbol,)))
        body.append(f"    return {em.sym(program.forward[-1].target)}")
    else:
        body.append("    return z")
    body.append("")
    body.append("")
    body.append('@njit(cache=True, error_model="numpy", forceinline=True)')
    body.append(f"def inverse_1(x{params}):")
    body.append('    """z_0 = f^-1(x) on a bijective flow (nan elsewhere)."""')
    if len(program.paths) == 1:
        inv = Emitter(program)
        inv.printer = em.printer
        inv.solvers = em.solvers
        inv._solver_of = em._solver_of
        states = [a for a in program.paths[0].assignments if a.kind == "state"]
        body.extend(inv.statements(states, "    "))
        body.append(f"    return {inv.sym(states[-1].target)}")
    else:
        body.append("    return math.nan")

    point = _point(em, 1)
    log_prob = _inlined(em, 1, log_prob_lines, "out[i] = {}")
    prob = _inlined(em, 1, log_prob_lines, "out[i] = math.exp({})")
    loops = _native_loops(
        em,
        1,
        [
            ("log_prob", False, log_prob),
            ("prob", False, prob),
            ("forward", False, f"        out[i] = forward_1({point})"),
            ("inverse", False, f"        out[i] = inverse_1({point})"),
        ],
    )
    prob_1 = _PROB_1.format(params=params)
    header = module_header() + special_import(em.printer)
    source = header + HELPERS + "".join(em.solvers) + "\n\n" + "\n".join(body) + prob_1 + loops
    return source, em.param_names


_PROB_D = '''

@njit(cache=True, error_model="numpy", forceinline=True)
def prob_1({xargs}{params}):
    """p_X(x)."""
    return math.exp(log_prob_1({xargs}{params}))
'''


def _vector_source(program) -> tuple[str, list[str]]:
    """Kernels of a d-dimensional flow: scalar entry points take x1, …, xd."""
    em = Emitter(program)
    d = program.dimension
    xargs = ", ".join(f"x{j + 1}" for j in range(d))
    params = "".join(f", {p}" for p in em.param_names)
    path = program.paths[0]
    # branch-free like the 1-D kernel: selects for the support and NaN, force-inlined
    body = [
        '@njit(cache=True, error_model="numpy", forceinline=True)',
        f"def log_prob_1({xargs}{params}):",
        '    """log p_X(x): -inf outside the support, nan for nan."""',
    ]
    body.extend(em.statements(path.kernel_assignments, "    "))
    result = em.sym(path.result)
    body.append(f"    lp = -math.inf if {result} != {result} else {result}")
    checks = sp.And(*path.checks)
    if checks is not sp.true:
        body.append(f"    lp = lp if ({em.code(checks.xreplace(em.names))}) else -math.inf")
    # bitwise | (no short-circuit branches, so the calling loop can vectorise)
    nan_input = " | ".join(f"(x{j + 1} != x{j + 1})" for j in range(d))
    body.append(f"    return math.nan if ({nan_input}) else lp")
    log_prob_lines = list(body)

    zargs = [sp.Symbol(f"z{j + 1}", real=True) for j in range(d)]
    em.taken.update(s.name for s in zargs)
    for s, z in zip(program.base_symbols, zargs, strict=True):
        em.names[s] = z
    body += ["", "", '@njit(cache=True, error_model="numpy", forceinline=True)']
    body.append(f"def forward_1({', '.join(z.name for z in zargs)}{params}):")
    body.append('    """x = f_K(...f_1(z)) for one base sample z."""')
    if program.forward:
        em_forward = em.statements(program.forward, "    ", given=program.base_symbols)
        body.extend(em_forward)
        outs = [em.sym(a.target) for a in program.forward[-d:]]
        body.append(f"    return ({', '.join(str(o) for o in outs)},)")
    else:
        body.append(f"    return ({', '.join(z.name for z in zargs)},)")
    body += ["", "", '@njit(cache=True, error_model="numpy", forceinline=True)']
    body.append(f"def inverse_1({xargs}{params}):")
    body.append('    """z_0 = f^-1(x)."""')
    inv = Emitter(program)
    inv.printer, inv.solvers, inv._solver_of = em.printer, em.solvers, em._solver_of
    states = [a for a in path.assignments if a.kind == "state"]
    body.extend(inv.statements(states, "    "))
    body.append(f"    return ({', '.join(str(inv.sym(s)) for s in program.base_symbols)},)")

    unpack = "".join(f"\n        out[i, {j}] = r[{j}]" for j in range(d))
    point = _point(em, d)
    vector = _PROB_D.format(xargs=xargs, params=params) + _native_loops(
        em,
        d,
        [
            ("log_prob", False, _inlined(em, d, log_prob_lines, "out[i] = {}")),
            ("prob", False, _inlined(em, d, log_prob_lines, "out[i] = math.exp({})")),
            ("forward", True, f"        r = forward_1({point})" + unpack),
            ("inverse", True, f"        r = inverse_1({point})" + unpack),
        ],
    )
    header = module_header() + special_import(em.printer)
    source = header + HELPERS + "".join(em.solvers) + "\n\n" + "\n".join(body) + vector
    return source, em.param_names


def compile_program(program, base) -> Kernels:
    """Generate, cache and import the kernel module of ``program``."""
    source, idents = generate_source(program)
    return Kernels(program, base, source, idents)
