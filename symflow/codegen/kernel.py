"""Kernels: the Program compiled with numba, cached on disk, with NumPy-facing wrappers.

The Program's assignments are printed after common-subexpression elimination and the
stable rewrites into a Python module (``Kernels.source``), written to the kernel cache
under a hash of its text and the versions of symflow, numba and NumPy. The module holds
the scalar entry points ``log_prob_1``, ``prob_1``, ``forward_1`` and ``inverse_1``
(``@njit`` functions that a user's own numba code can call) and, for each array method,
a loop ``<name>_c`` over raw buffers. The array methods run those loops as native code
(:mod:`symflow.codegen.native`): compiled by numba on first use, cached as machine code,
and loaded by later processes without numba.

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
import hashlib
import importlib.util
import keyword
import os
import re
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from symflow.codegen.printer import (
    HELPERS,
    SIMD_FUNCTIONS,
    KernelPrinter,
    fold_constants,
    special_import,
)
from symflow.codegen.rewrite import TRANSLATIONS as STABLE_TRANSLATIONS
from symflow.core.layer import ImplicitInverse
from symflow.errors import KernelError, ParameterError

__all__ = ["Kernels", "compile_program", "generate_source", "cache_dir"]


def _header() -> str:
    names = ", ".join(sorted({*SIMD_FUNCTIONS.values(), "simd_logaddexp"}))
    return (
        '"""symflow kernel module (generated; do not edit)."""\n'
        "import math\n\n"
        "import numpy as np\n"
        "from numba import carray, njit\n\n"
        f"from symflow.codegen.simdmath import {names}\n"
    )


def cache_dir() -> Path:
    """Where kernel modules live: $SYMFLOW_CACHE_DIR or ~/.cache/symflow/kernels.

    Folders are created private (mode 0700). A cache that is not this user's alone (see
    :mod:`symflow.codegen.trust`), or that is not a folder, is not used: a
    :class:`~symflow.errors.CacheWarning` says why, once, and kernels are compiled in a
    private folder of this process instead.
    """
    from symflow.codegen.trust import KEY_NAME, untrusted

    root = os.environ.get("SYMFLOW_CACHE_DIR")
    path = Path(root) if root else Path.home() / ".cache" / "symflow" / "kernels"
    try:
        _prepare(path)
    except OSError as exc:
        return _fallback(f"{path} cannot hold the cache ({exc.strerror or exc})")
    reason = untrusted(path, ("__pycache__", "native", KEY_NAME))
    if reason is None:
        reason = untrusted(path / "__pycache__") or untrusted(path / "native")
    if reason is not None:
        return _fallback(reason)
    return path


def _prepare(folder: Path) -> Path:
    """Make ``folder`` and the subfolders the cache writes (private, mode 0700)."""
    from symflow.codegen.trust import make_private

    for sub in ("__pycache__", "native"):
        make_private(folder / sub)
    return folder


def _fallback(reason: str) -> Path:
    """Warn why the disk cache is not used, and return this process's private folder."""
    from symflow.codegen.trust import private_dir, warn_untrusted

    warn_untrusted(reason)
    return _prepare(private_dir())


def _identifier(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name) or "v"
    if base[0].isdigit() or keyword.iskeyword(base) or base.startswith("_"):
        base = "v_" + base.lstrip("_")
    candidate, n = base, 1
    while candidate in taken:
        candidate, n = f"{base}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _calls(expr: sp.Basic) -> int:
    """The number of function applications in ``expr``."""
    return sum(isinstance(node, sp.Function) for node in sp.preorder_traversal(expr))


class _Emitter:
    """Prints statements of one module, renaming symbols to safe identifiers."""

    def __init__(self, program):
        self.program = program
        self.printer = KernelPrinter()
        self.taken = {"x", "math", "np", "njit", "carray", "out", "xs", "zs", "n", "i", "acc"}
        self.taken |= {"lp", "r", "xp", "op"}
        columns = range(len(program.parameters))  # parameter buffers of the native loops
        self.taken |= {f"col_{j}{end}" for j in columns for end in ("", "_ptr")}
        if program.dimension > 1:
            self.names = {}
            for j, s in enumerate(program.inputs):
                self.names[s] = sp.Symbol(f"x{j + 1}", real=True)
                self.taken.add(f"x{j + 1}")
        else:
            self.names = {program.x: sp.Symbol("x", real=True)}
        self.param_names = []
        for p in program.parameters:
            ident = _identifier(f"p_{p.name}", self.taken)
            self.names[p] = sp.Symbol(ident, real=True)
            self.param_names.append(ident)
        self.solvers: list[str] = []
        self._solver_of: dict[type, str] = {}
        # helpers of the stable rewrites that the shared printer table does not name
        self.printer.known_functions.update({"sub_exact": STABLE_TRANSLATIONS["sub_exact"]})

    def sym(self, s: sp.Symbol) -> sp.Symbol:
        if s not in self.names:
            self.names[s] = sp.Symbol(_identifier(s.name, self.taken), real=True)
        return self.names[s]

    def rename(self, expr: sp.Expr) -> sp.Expr:
        mapping = {s: self.sym(s) for s in expr.free_symbols}
        return expr.xreplace(mapping)

    def code(self, expr: sp.Expr) -> str:
        for atom in expr.atoms(sp.Function):
            if isinstance(atom, ImplicitInverse) and type(atom) not in self._solver_of:
                self._add_solver(type(atom))
        return self.printer.doprint(fold_constants(expr))

    def _add_solver(self, cls: type) -> None:
        name = _identifier(f"_solve_{cls.label}", self.taken)
        self._solver_of[cls] = name
        self.printer.known_functions[cls.__name__] = name
        t = sp.Symbol("t", real=True)
        f = self.rename(cls.forward.xreplace({cls.variable: t}))
        df = sp.diff(f, t)
        params = "".join(f", {p}" for p in self.param_names)
        self.printer.extra_arguments[cls.__name__] = params
        lo = "-math.inf" if cls.lo == -sp.oo else self.code(cls.lo)
        hi = "math.inf" if cls.hi == sp.oo else self.code(cls.hi)
        self.solvers.append(
            _SOLVER.format(
                name=name,
                params=params,
                f=self.code(f),
                df=self.code(df),
                lo=lo,
                hi=hi,
                s=float(cls.direction),
            )
        )

    @staticmethod
    def _cancel_inverse_pairs(assignments):
        """Inline a state into the next one, or into a log|det| term, where the
        composition simplifies: the inverse of exp after the inverse of log is
        log(exp(y)) = y, computed exactly instead of through exp(y) rounded (at
        y = 5e-324, exp(y) is 1 and the log of it 0); log(−sin(2π − acos x)) is
        log √(1 − x²), with no rounding of 2π − acos x next to 2π."""
        values: dict = {}
        out = []
        for a in assignments:
            if a.kind in ("state", "log_det"):
                deps = [s for s in a.value.free_symbols if s in values]
                if len(deps) == 1:
                    inner = values[deps[0]]
                    inlined = a.value.xreplace({deps[0]: inner})
                    shorter = sp.count_ops(inlined) < sp.count_ops(a.value) + sp.count_ops(inner)
                    # in log|det|, also when function calls cancel (sin(acos x) = √(1 − x²))
                    cancels = a.kind == "log_det" and _calls(inlined) < _calls(a.value) + _calls(
                        inner
                    )
                    if shorter or cancels:
                        a = type(a)(a.target, inlined, a.kind)
                if a.kind == "state":
                    values[a.target] = a.value
            out.append(a)
        return out

    @staticmethod
    def _fold_log_of_exp(assignments):
        """log(f(s)) where a state s is ±exp(u) (directly or through powers of such
        states): substitute and expand, so that the log of the exponential is u itself.

        Box–Muller's log|det| log(2π/u₁) with u₁ = exp(−r²/2) becomes log(2π) + r²/2, and
        log √(exp x) becomes x/2: finite where the exponential under- or overflows.
        """
        exps: dict = {}
        for a in assignments:
            if a.kind != "state":
                continue
            value = a.value.xreplace(exps)
            core = -value if value.could_extract_minus_sign() else value
            if isinstance(core, sp.exp):
                exps[a.target] = value
        if not exps:
            return assignments
        out = []
        for a in assignments:
            if a.kind != "state" and any(log.has(*exps) for log in a.value.atoms(sp.log)):
                logs = {
                    log: sp.expand_log(log.xreplace(exps), force=False)
                    for log in a.value.atoms(sp.log)
                    if log.has(*exps)
                }
                unsimplified = any(
                    isinstance(arg, sp.exp)
                    for v in logs.values()
                    for log in v.atoms(sp.log)
                    for arg in log.args
                )
                if not unsimplified:
                    a = type(a)(a.target, a.value.xreplace(logs), a.kind)
            out.append(a)
        return out

    def statements(self, assignments, indent: str, given=None) -> list[str]:
        """CSE over the values of ``assignments``, emitted in dependency order.

        ``given`` are the symbols defined on entry (the inputs by default).
        """
        from symflow.codegen.rewrite import stabilise

        assignments = self._fold_log_of_exp(self._cancel_inverse_pairs(list(assignments)))
        targets = [self.sym(a.target) for a in assignments]
        definitions: dict = {}
        values = []
        for a in assignments:
            values.append(self.rename(stabilise(a.value, definitions=definitions)))
            definitions[a.target] = a.value
        replacements, reduced = sp.cse(
            values, symbols=sp.numbered_symbols("c_", real=True), optimizations="basic"
        )
        lines: list[str] = []
        entry = given if given is not None else (self.program.inputs or (self.program.x,))
        defined = {
            *[self.names[s] for s in entry],
            *[self.names[p] for p in self.program.parameters],
        }
        pending = list(replacements)

        def flush():
            progress = True
            while progress:
                progress = False
                for sym, val in list(pending):
                    if val.free_symbols <= defined:
                        name = self.sym(sym)
                        lines.append(f"{indent}{name} = {self.code(val.xreplace(self.names))}")
                        defined.add(sym)
                        self.names.setdefault(sym, name)
                        pending.remove((sym, val))
                        progress = True

        for target, value in zip(targets, reduced, strict=True):
            flush()
            lines.append(f"{indent}{target} = {self.code(value.xreplace(self.names))}")
            defined.add(target)
        if pending:
            from symflow.errors import CompileError

            raise CompileError(
                f"Internal error: common subexpressions {[str(v) for _, v in pending]} depend "
                f"on undefined symbols; please report this flow."
            )
        return lines


_SOLVER = '''
@njit(cache=True, error_model="numpy")
def {name}(y{params}):
    """Root of f(t) = y on ({lo}, {hi}) by Newton's method safeguarded by bisection."""
    s = {s}
    lo = {lo}
    hi = {hi}
    if y != y:
        return math.nan
    a = lo
    b = hi
    step = 1.0
    if a == -math.inf:
        a = (b - 1.0) if b != math.inf else -1.0
        for _ in range(2100):
            t = a
            g = s * (({f}) - y)
            if g <= 0.0:
                break
            b = a
            a = a - step
            step *= 2.0
    step = 1.0
    if b == math.inf:
        b = a + 1.0
        for _ in range(2100):
            t = b
            g = s * (({f}) - y)
            if g >= 0.0:
                break
            a = b
            b = b + step
            step *= 2.0
    if not (a > -math.inf and b < math.inf):
        return math.nan
    t = 0.5 * (a + b)
    for _ in range(1200):
        g = s * (({f}) - y)
        if g == 0.0:
            return t
        if g > 0.0:
            b = t
        else:
            a = t
        d = s * ({df})
        nxt = t - g / d if d != 0.0 else math.nan
        if not (nxt > a and nxt < b):
            nxt = 0.5 * (a + b)
        if nxt == t or b - a <= 2.0 * 2.220446049250313e-16 * max(abs(a), abs(b)):
            return nxt
        t = nxt
    return t
'''


_PROB_1 = '''


@njit(cache=True, error_model="numpy", forceinline=True)
def prob_1(x{params}):
    """p_X(x)."""
    return math.exp(log_prob_1(x{params}))
'''

_VECTOR = """

@njit(cache=True, error_model="numpy")
def {name}(xs{arrays}):
    out = np.empty(xs.shape[0])
    for i in range(xs.shape[0]):
        out[i] = {scalar}(xs[i]{items})
    return out
"""

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
        weight = "" if path.multiplicity == 1 else f" + {float(np.log(path.multiplicity))!r}"
        body.append(f"    {r} = {result}{weight}")
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
        weight = "" if path.multiplicity == 1 else f" + {float(np.log(path.multiplicity))!r}"
        body.append(f"        if {result} == {result}:")
        body.append(f"            acc = _logaddexp(acc, {result}{weight})")
    body.append("    return acc")
    return body


def generate_source(program) -> tuple[str, list[str]]:
    """The kernel module's source and the parameter identifiers, in order."""
    if program.dimension > 1:
        return _vector_source(program)
    em = _Emitter(program)
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
        inv = _Emitter(program)
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
    header = _header() + special_import(em.printer)
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
    em = _Emitter(program)
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
    inv = _Emitter(program)
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
    header = _header() + special_import(em.printer)
    source = header + HELPERS + "".join(em.solvers) + "\n\n" + "\n".join(body) + vector
    return source, em.param_names


@functools.lru_cache(maxsize=1)
def _versions() -> str:
    """Versions the compiled code depends on, including the helper modules it calls
    (numba does not notice when a called module changes). Read without importing numba."""
    from importlib.metadata import version

    import symflow
    from symflow.codegen import rewrite

    simdmath = Path(rewrite.__file__).with_name("simdmath.py")
    helpers = hashlib.sha256(
        simdmath.read_bytes() + Path(rewrite.__file__).read_bytes()
    ).hexdigest()[:12]
    return (
        f"symflow {symflow.__version__}; numba {version('numba')}; numpy {np.__version__}; "
        f"helpers {helpers}"
    )


def _numba_cache_folders(folder: Path) -> list[Path]:
    """Where numba keeps the machine code of the modules in ``folder``: beside them, or
    under $NUMBA_CACHE_DIR when that is set, in a subfolder named as numba names it."""
    folders = [folder / "__pycache__"]
    root = os.environ.get("NUMBA_CACHE_DIR")
    if root:
        source = str(folder.resolve() / "module.py")
        try:
            from numba.core.caching import _CacheLocator

            subpath = _CacheLocator.get_suitable_cache_subpath(source)
        except (ImportError, AttributeError):  # numba's rule, as of 0.68
            parent = os.path.dirname(source)
            digest = hashlib.sha1(parent.encode()).hexdigest()  # noqa: S324 - a name
            subpath = f"{os.path.basename(parent)}_{digest}"
        folders.append(Path(root) / subpath)
    return folders


def _numba_cache_files(folder: Path, name: str) -> list[Path]:
    files: list[Path] = []
    for cache in _numba_cache_folders(folder):
        files += sorted(cache.glob(f"{name}.*.nbi")) + sorted(cache.glob(f"{name}.*.nbc"))
    return files


def purge_numba_cache(folder: Path, name: str) -> None:
    """Delete numba's cached machine code of one kernel module (it is rebuilt on use)."""
    for path in _numba_cache_files(folder, name):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _pickles(data: bytes, count: int) -> bool:
    """Whether ``data`` is exactly ``count`` complete pickles, read by their opcodes
    alone (nothing is unpickled, so nothing in them runs)."""
    import io
    import pickletools

    stream = io.BytesIO(data)
    try:
        for _ in range(count):
            for _op in pickletools.genops(stream):
                pass
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, KeyError, OverflowError):
        return False
    return stream.tell() == len(data)


def _numba_cache_is_sound(folder: Path, name: str) -> bool:
    """Whether numba's files for the module are whole: an index file (``.nbi``) is two
    pickles, a data file (``.nbc``) one. Checked without unpickling; numba itself reads
    only the files named after the module's functions."""
    from symflow.codegen.trust import read_file

    for path in _numba_cache_files(folder, name):
        try:
            data = read_file(path)
        except FileNotFoundError:
            continue
        except OSError:
            return False
        if not _pickles(data, 2 if path.suffix == ".nbi" else 1):
            return False
    return True


def _untrusted_kernel(folder: Path, name: str) -> str | None:
    """Why the cached files of kernel module ``name`` may not be read, or None."""
    from symflow.codegen.trust import untrusted

    def entries(where: Path) -> list[str]:
        try:
            return [entry for entry in os.listdir(where) if entry.startswith(name + ".")]
        except OSError:  # missing or unreadable: untrusted() judges the folder itself
            return []

    checks = [(folder, [f"{name}.py"]), (folder / "native", entries(folder / "native"))]
    checks += [(cache, entries(cache)) for cache in _numba_cache_folders(folder)]
    for where, names in checks:
        if where.exists() or where == folder:
            reason = untrusted(where, names)
            if reason is not None:
                return reason
    return None


def _module_name(source: str) -> str:
    """The kernel module's name: a hash of its source and the versions it depends on."""
    return f"symflow_kernel_{hashlib.sha256((source + _versions()).encode()).hexdigest()[:24]}"


def _module_file(source: str) -> tuple[str, Path]:
    """Write the kernel module to the cache (if it is not there already, intact); a
    kernel whose cached files are not this user's alone goes to a private folder."""
    from symflow.codegen.trust import read_file

    name = _module_name(source)
    folder = cache_dir()
    reason = _untrusted_kernel(folder, name)
    if reason is not None:
        folder = _fallback(reason)
    path = folder / f"{name}.py"
    text = f"# {_versions()}\n{source}"
    try:
        current = read_file(path).decode(errors="replace")
    except OSError:
        current = None
    if current != text:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    return name, path


def _import(name: str, path: Path) -> Any:
    """Import a kernel module file (this imports numba)."""
    if name in sys.modules:
        return sys.modules[name]
    if not _numba_cache_is_sound(path.parent, name):
        purge_numba_cache(path.parent, name)  # corrupted or truncated: rebuilt on first call
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        del sys.modules[name]
        raise
    return module


def load_module(source: str) -> Any:
    """Write and import a kernel module."""
    name = _module_name(source)
    if name in sys.modules:
        return sys.modules[name]
    return _import(*_module_file(source))


#: the native loops loaded in this process, by (kernel module, loop name)
_NATIVES: dict[tuple[str, str], Any] = {}
_NATIVE_LOCK = threading.RLock()


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
        self.module_name, self.module_path = _module_file(source)
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

    @property
    def module(self) -> Any:
        """The kernel's numba module (imported, and numba with it, on first access)."""
        module = sys.modules.get(self.module_name)
        if module is None:
            if not self.module_path.exists():  # a cleared cache: write it again
                self.module_name, self.module_path = _module_file(self.source)
            module = _import(self.module_name, self.module_path)
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
        program, d = self.program, self.dimension
        values: dict = {}
        for a in program.forward:
            values[a.target] = a.value.xreplace(values)
        inputs = list(program.base_symbols) if d > 1 else [program.base_symbol]
        shown = {s: sp.Symbol("z" if d == 1 else f"z{i + 1}") for i, s in enumerate(inputs)}
        outputs = [a.target for a in program.forward[-d:]] if program.forward else inputs
        x = [values.get(t, t).xreplace(shown) for t in outputs]
        text = str(x[0]) if d == 1 else str(x)
        takes = "".join(f", {p}=..." for p in self.parameters)
        return f"<Kernels of x = {text}, z ~ {self.base!r}; log_prob(xs{takes})>"

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
            self.module_name, self.module_path = _module_file(self.source)
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
        if arr.dtype.kind == "O":
            try:
                return np.asarray(arr, dtype=np.float64)
            except (TypeError, ValueError):
                pass
        kind = {"c": "complex", "U": "text", "S": "bytes", "M": "dates", "m": "time spans"}
        got = kind.get(arr.dtype.kind, f"dtype {arr.dtype}")
        raise ParameterError(
            f"{what} must be real numbers; got {got} ({np.array2string(arr.reshape(-1)[:3])}"
            f"{' ...' if arr.size > 3 else ''}). Convert it first, e.g. np.real(...) or "
            ".astype(float), if that is what you mean."
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
        return tuple(out)

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
        wide = fn in ("forward", "inverse") and self.dimension > 1
        target = out
        if out is not None and any(
            isinstance(a, np.ndarray) and np.shares_memory(a, out) for a in (x, *values)
        ):
            target = None  # computed apart, then copied
        if target is None:
            target = np.empty((n, self.dimension) if wide else n)
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
            and xs.ndim == (1 if self.dimension == 1 else 2)
            and (self.dimension == 1 or xs.shape[1] == self.dimension)
        ):  # the common case, without broadcasting or copies
            result = self._evaluate(fn, xs, (), self._target(out, xs.shape[:1]))
            return result if out is None else out
        from symflow.codegen.dask_support import is_dask

        if is_dask(xs):
            from symflow.codegen.dask_support import map_kernel

            if out is not None:
                raise ParameterError("out= takes NumPy arrays; a dask result is lazy.")

            return map_kernel(self, fn if isinstance(fn, str) else fn.__name__, xs, params)
        if self.dimension > 1:
            return self._call_vector(fn, xs, params, out)
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

    def _call_vector(self, fn, xs, params, out=None):
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
        if (
            isinstance(n, bool)
            or not isinstance(n, int | float | np.integer | np.floating)
            or not np.isfinite(n)
            or int(n) != n
            or n < 0
        ):
            raise ParameterError(f"n must be a non-negative integer; got {n!r}.")
        if chunks is not None:
            from symflow.codegen.dask_support import sample_blocks

            self._params(params)
            return sample_blocks(self, int(n), seed, chunks, params)
        values = self._params(params)
        if any(np.ndim(v) for v in values):
            raise ParameterError("sample() takes one value per parameter, not arrays.")
        rng = np.random.default_rng(seed)
        zs = self.base.sample(int(n), rng, dict(zip(self.parameters, values, strict=True)))
        return self._evaluate("forward", np.ascontiguousarray(zs, dtype=np.float64), values)


def compile_program(program, base) -> Kernels:
    """Generate, cache and import the kernel module of ``program``."""
    source, idents = generate_source(program)
    return Kernels(program, base, source, idents)
