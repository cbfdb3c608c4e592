"""The builder of kernel sources, shared by the density, CDF and log-likelihood kernels.

:class:`Emitter` prints a Program's assignments as numba statements (common
subexpressions eliminated, the stable rewrites applied, symbols renamed to safe
identifiers, root solvers for implicit inverses). Generated functions are Python syntax
trees until they are printed (:func:`assign`, :func:`when`, :func:`select`,
:func:`function`, ... and :func:`unparse`), so that a loop can take a scalar function's
body with each ``return v`` turned into a store, and no generated source is edited as
text. What every kernel does is written here once: the test that x lies in a region
(:func:`region_test`), nan → −inf for a term that failed, the sum over inverse paths in
log space (:func:`select_log_sum`, :func:`branchy_log_sum`), and the loops over arrays
(:func:`native_loops`, :func:`array_loop`). :func:`module_header` is the import block of
every generated module.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> program = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 1, z)]).program
>>> em = Emitter(program)
>>> em.code(sp.log(em.names[program.x]))
'simd_log(x)'
>>> body = [assign("lp", select("x > 0", "simd_log(x)", "-math.inf")), returns("lp")]
>>> print(unparse([function("log_x", ["x"], body)]).strip())
@njit(cache=True, error_model='numpy')
def log_x(x):
    lp = simd_log(x) if x > 0 else -math.inf
    return lp
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import replace

import sympy as sp

from symflow.codegen.printer import (
    HELPERS,
    SIMD_FUNCTIONS,
    KernelPrinter,
    fold_beyond_floats,
    fold_constants,
    special_import,
)
from symflow.codegen.rewrite import TRANSLATIONS as STABLE_TRANSLATIONS
from symflow.core.layer import ImplicitInverse
from symflow.core.program import VectorProgram

__all__ = [
    "Emitter",
    "module_header",
    "identifier",
    "expression",
    "minus",
    "imports",
    "assign",
    "add_to",
    "returns",
    "when",
    "select",
    "call",
    "loop",
    "function",
    "unparse",
    "region_test",
    "nan_to_minus_inf",
    "path_log_terms",
    "select_log_sum",
    "branchy_log_sum",
    "native_loops",
    "array_loop",
]


def module_header(
    printer: KernelPrinter | None = None, title: str = "symflow kernel module"
) -> str:
    """The import block of a generated module: math, NumPy, numba, the vectorised functions
    of :mod:`~symflow.codegen.simdmath`, SciPy's special functions when ``printer`` printed
    one (:func:`~symflow.codegen.printer.special_import`) and the scalar helpers
    (:data:`~symflow.codegen.printer.HELPERS`).

    Examples
    --------
    >>> header = module_header(title="symflow test module")
    >>> "symflow test module (generated; do not edit)" in header.splitlines()[0]
    True
    >>> "logcosh as _logcosh" in header and "special" not in header
    True
    """
    names = ", ".join(sorted({*SIMD_FUNCTIONS.values(), "simd_logaddexp"}))
    return (
        f'"""{title} (generated; do not edit)."""\n'
        "import math\n\n"
        "import numpy as np\n"
        "from numba import carray, njit\n\n"
        f"from symflow.codegen.simdmath import {names}\n"
        + ("" if printer is None else special_import(printer))
        + HELPERS
    )


def identifier(name: str, taken: set[str]) -> str:
    """``name`` as a fresh Python identifier not in ``taken`` (and added to it)."""
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


class Emitter:
    """Prints statements of one module, renaming symbols to safe identifiers."""

    def __init__(self, program):
        self.program = program
        self.printer = KernelPrinter()
        self.taken = {"x", "math", "np", "njit", "carray", "out", "xs", "zs", "n", "i", "acc"}
        self.taken |= {"lp", "r", "xp", "op"}
        columns = range(len(program.parameters))  # parameter buffers of the native loops
        self.taken |= {f"col_{j}{end}" for j in columns for end in ("", "_ptr")}
        if isinstance(program, VectorProgram):
            self.names = {}
            for j, s in enumerate(program.inputs):
                self.names[s] = sp.Symbol(f"x{j + 1}", real=True)
                self.taken.add(f"x{j + 1}")
        else:
            self.names = {program.x: sp.Symbol("x", real=True)}
        self.param_names = []
        for p in program.parameters:
            ident = identifier(f"p_{p.name}", self.taken)
            self.names[p] = sp.Symbol(ident, real=True)
            self.param_names.append(ident)
        #: the root solvers of implicit inverses (and their import), printed after the header
        self.solvers: list[ast.stmt] = []
        self._solver_of: dict[type, str] = {}
        # helpers of the stable rewrites that the shared printer table does not name
        self.printer.known_functions.update(
            {name: STABLE_TRANSLATIONS[name] for name in ("sub_exact", "sign_of_products")}
        )

    def sibling(self) -> Emitter:
        """An emitter of the same program with fresh names, sharing this one's printer and
        root solvers (for another function of the same module)."""
        other = Emitter(self.program)
        other.printer, other.solvers, other._solver_of = self.printer, self.solvers, self._solver_of
        return other

    def sym(self, s: sp.Symbol) -> sp.Symbol:
        if s not in self.names:
            self.names[s] = sp.Symbol(identifier(s.name, self.taken), real=True)
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
        """The root solver ``name(y, *parameters)`` of the implicit inverse ``cls``:
        :func:`symflow.codegen.solvers.solve_monotone` on the forward map f, or, where y is
        nearest to a finite limit L of f, on f − L written so that L cancels (target y − L,
        computed exactly)."""
        from symflow.codegen.rewrite import stabilise
        from symflow.core.edges import exact_difference
        from symflow.core.residuals import limit_residuals

        name = identifier(f"_solve_{cls.label}", self.taken)
        self._solver_of[cls] = name
        self.printer.known_functions[cls.__name__] = name
        t, y = sp.Symbol("t", real=True), sp.Symbol("y", real=True)
        f = self.rename(cls.forward.xreplace({cls.variable: t}))
        self.printer.extra_arguments[cls.__name__] = "".join(f", {p}" for p in self.param_names)
        lo = "-math.inf" if cls.lo == -sp.oo else self.code(cls.lo)
        hi = "math.inf" if cls.hi == sp.oo else self.code(cls.hi)
        if not self.solvers:
            self.solvers.append(imports("symflow.codegen.solvers", "solve_monotone"))
        # g_0 = f against y; g_j = f − L_j against y − L_j where y is nearest to L_j
        forms = [(None, f), *limit_residuals(f, t, cls.lo, cls.hi)]
        # the helpers' names are taken too: "…_near_1" is also the name the next solver
        # of a class labelled "near" would get
        helper = {j: identifier(f"{name}_{j}", self.taken) for j in ["d", *range(len(forms))]}
        for j, value in [("d", sp.diff(f, t)), *((j, g) for j, (_, g) in enumerate(forms))]:
            # a function of t that the root solver calls: f, a residual f − L, or f', in
            # the stable forms of the kernels (log(e^2t + 1) as a softplus: finite where
            # e^2t overflows, in the log-space equation of a root whose argument does)
            body = [returns(self.code(stabilise(value)))]
            self.solvers.append(function(helper[j], ["t", *self.param_names], body))
        args = f"({', '.join(self.param_names)},)" if self.param_names else "()"
        solves = []
        for j, (limit, _) in enumerate(forms):
            target = "y" if limit is None else self.code(stabilise(exact_difference(y, limit)))
            near = [
                ast.Compare(
                    call("abs", minus("y", self.code(m))), [ast.GtE()], [call("abs", target)]
                )
                for m, _ in forms[1:]
                if m is not limit
            ]
            direction = repr(float(cls.direction))
            solve = call("solve_monotone", helper[j], helper["d"], target, lo, hi, direction, args)
            test = ast.BoolOp(ast.And(), near) if len(near) > 1 else (near or ["True"])[0]
            solves.append((test, solve))
        body = [when(test, [returns(solve)]) for test, solve in solves[1:]]
        body.append(returns(solves[0][1]))
        self.solvers.append(function(name, ["y", *self.param_names], body))

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

    def assign(self, assignments, given=None) -> list[ast.stmt]:
        """The statements of :meth:`bindings`."""
        return [assign(name, value) for name, value in self.bindings(assignments, given)]

    def bindings(self, assignments, given=None) -> list[tuple[str, str]]:
        """(name, printed value) of each assignment and common subexpression, in
        dependency order, after CSE over the values of ``assignments``.

        ``given`` are the symbols defined on entry (the inputs by default).
        """
        from symflow.codegen.rewrite import stabilise

        assignments = self._fold_log_of_exp(self._cancel_inverse_pairs(list(assignments)))
        targets = [self.sym(a.target) for a in assignments]
        definitions: dict = {}
        values = []
        for a in assignments:
            # constants beyond the floats folded first, so that CSE does not hoist
            # erfc(100) and print log(erfc(100)) as the log of a float 0
            value = stabilise(a.value, definitions=definitions)
            values.append(self.rename(fold_beyond_floats(value)))
            definitions[a.target] = a.value
        replacements, reduced = sp.cse(
            values, symbols=sp.numbered_symbols("c_", real=True), optimizations="basic"
        )
        lines: list[tuple[str, str]] = []
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
                        lines.append((str(name), self.code(val.xreplace(self.names))))
                        defined.add(sym)
                        self.names.setdefault(sym, name)
                        pending.remove((sym, val))
                        progress = True

        for target, value in zip(targets, reduced, strict=True):
            flush()
            lines.append((str(target), self.code(value.xreplace(self.names))))
            defined.add(target)
        if pending:
            from symflow.errors import CompileError

            raise CompileError(
                f"Internal error: common subexpressions {[str(v) for _, v in pending]} depend "
                f"on undefined symbols; please report this flow."
            )
        return lines


# -- statements, built as Python syntax trees -------------------------------------------------
#: the decorator of every generated numba function: NumPy's error model, so that evaluating
#: a path outside its region gives nan or inf instead of raising
JIT = 'njit(cache=True, error_model="numpy")'
JIT_INLINE = 'njit(cache=True, error_model="numpy", forceinline=True)'


def expression(code: str | ast.expr) -> ast.expr:
    """``code`` (printed by the kernel printer) as a syntax tree."""
    return code if isinstance(code, ast.expr) else ast.parse(code, mode="eval").body


def minus(a: str | ast.expr, b: str | ast.expr) -> ast.BinOp:
    """``a - b`` (each operand whole, whatever it is)."""
    return ast.BinOp(expression(a), ast.Sub(), expression(b))


def imports(module: str, *names: str) -> ast.ImportFrom:
    """``from module import names``."""
    return ast.ImportFrom(module, [ast.alias(n) for n in names], 0)


def assign(target: str, value: str | ast.expr) -> ast.Assign:
    """``target = value``."""
    return ast.Assign(targets=[expression(target)], value=expression(value), lineno=0)


def add_to(target: str, value: str | ast.expr) -> ast.AugAssign:
    """``target += value``."""
    return ast.AugAssign(target=expression(target), op=ast.Add(), value=expression(value))


def returns(value: str | ast.expr) -> ast.Return:
    """``return value``."""
    return ast.Return(value=expression(value))


def when(test: str | ast.expr, body: list[ast.stmt], orelse: list[ast.stmt] = ()) -> ast.If:
    """``if test: body else: orelse``."""
    return ast.If(test=expression(test), body=list(body), orelse=list(orelse))


def select(test: str | ast.expr, value: str | ast.expr, other: str | ast.expr) -> ast.IfExp:
    """``value if test else other`` (a select, not a branch, once compiled)."""
    return ast.IfExp(test=expression(test), body=expression(value), orelse=expression(other))


def call(function: str, *args: str | ast.expr) -> ast.Call:
    """``function(*args)``."""
    return ast.Call(func=expression(function), args=[expression(a) for a in args], keywords=[])


def loop(index: str, bounds: str | int | tuple, body: list[ast.stmt]) -> ast.For:
    """``for index in range(*bounds): body`` (``bounds`` one stop or a tuple of range's
    arguments)."""
    args = bounds if isinstance(bounds, tuple) else (bounds,)
    return ast.For(
        target=ast.Name(index),
        iter=call("range", *(str(a) for a in args)),
        body=list(body),
        orelse=[],
        lineno=0,
    )


def function(
    name: str, args: list[str], body: list[ast.stmt], doc: str | None = None, jit: str | None = JIT
) -> ast.FunctionDef:
    """``def name(*args): body`` with a docstring, decorated with ``jit`` (None: plain)."""
    statements = ([ast.Expr(ast.Constant(doc))] if doc else []) + list(body)
    return ast.FunctionDef(
        name=name,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(a) for a in args],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=statements,
        decorator_list=[expression(jit)] if jit else [],
        returns=None,
        type_params=[],
        lineno=0,
    )


def unparse(functions: list[ast.stmt]) -> str:
    """The source of ``functions`` (and imports), two blank lines apart."""
    return "".join(
        "\n\n"
        + ast.unparse(ast.fix_missing_locations(ast.Module(body=[f], type_ignores=[])))
        + "\n"
        for f in functions
    )


def nan_to_minus_inf(name: str) -> ast.Assign:
    """``name = -inf if name is nan else name``: a term that failed contributes nothing."""
    return assign(name, select(f"{name} != {name}", "-math.inf", name))


def region_test(em: Emitter, region: sp.Set) -> sp.Basic:
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


def stable_assignments(assignments) -> tuple:
    """The ``assignments`` with each value rewritten by
    :func:`~symflow.codegen.rewrite.stabilise`, for the passes that differentiate them:
    d/dw softplus(w) = 1/(1 + e^−w) stays finite where d/dw log(e^w + 1) = e^w/(e^w + 1)
    is inf/inf."""
    from symflow.codegen.rewrite import stabilise

    out, definitions = [], {}
    for a in assignments:
        value = stabilise(a.value, definitions=definitions)
        out.append(a if value == a.value else replace(a, value=value))
        definitions[a.target] = a.value
    return tuple(out)


def vector_membership(program, path) -> sp.Basic:
    """``x in support`` of a d-dimensional path, in the program's symbols: each condition
    that reduces to one coordinate x_j is tested on x_j with float endpoints on the outer
    side (see :func:`~symflow.core.edges.membership_in_x`), one that is a quadratic
    polynomial in x (x2 − x1² ≥ 0) by its exact sign (see
    :func:`~symflow.codegen.rewrite.exact_membership`), the others on the latent states."""
    from symflow.codegen.rewrite import exact_membership, float_membership
    from symflow.core.edges import membership_in_x

    test = membership_in_x(path.checks, path.assignments, program.inputs)
    return float_membership(exact_membership(test, path.assignments, program.inputs))


def vector_region_test(em: Emitter, path) -> sp.Basic:
    """:func:`vector_membership` in the emitter's names."""
    return vector_membership(em.program, path).xreplace(em.names)


# -- log-densities summed over inverse paths --------------------------------------------------
def path_log_terms(em: Emitter, paths, guard) -> list[tuple[list[ast.stmt], str, str | None]]:
    """(statements, result name, printed region test or None) of each path's log term;
    ``guard(path)`` is the path's region test as a Boolean, or None when it has none."""
    out = []
    for path in paths:
        statements = em.assign(path.kernel_assignments)
        test = guard(path)
        code = None if test is None or test is sp.true else em.code(test)
        out.append((statements, str(em.sym(path.result)), code))
    return out


def select_log_sum(em: Emitter, terms) -> list[ast.stmt]:
    """``lp = log Σ exp(term_k)``, each term nan → -inf and masked to its region by
    selects: no branches, so that LLVM can vectorise the calling loop."""
    body: list[ast.stmt] = []
    results = []
    for k, (statements, result, test) in enumerate(terms):
        r = f"r_{k}"
        em.taken.add(r)
        body += [*statements, assign(r, result), nan_to_minus_inf(r)]
        if test is not None:
            body.append(assign(r, select(test, r, "-math.inf")))
        results.append(r)
    body.append(assign("lp", results[0]))
    body += [assign("lp", call("simd_logaddexp", "lp", r)) for r in results[1:]]
    return body


def branchy_log_sum(terms) -> list[ast.stmt]:
    """``acc = log Σ exp(term_k)``, each term computed only inside its region (a path that
    runs an iterative root solve must not run elsewhere); nan terms are skipped."""
    body: list[ast.stmt] = [assign("acc", "-math.inf")]
    for statements, result, test in terms:
        add = when(f"{result} == {result}", [assign("acc", call("_logaddexp", "acc", result))])
        body.append(when(test or "True", [*statements, add]))
    return body


# -- loops over arrays ------------------------------------------------------------------------
def inlined(body: list[ast.stmt], store) -> list[ast.stmt]:
    """A scalar function's ``body`` as the body of a loop over points: each ``return v``
    becomes ``store(v)`` (followed by ``continue`` where it returns early). numba then
    compiles one function, not two."""

    def walk(statements: list[ast.stmt], last: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for k, node in enumerate(statements):
            final = last and k == len(statements) - 1
            if isinstance(node, ast.Return):
                out.append(store(node.value))
                if not final:
                    out.append(ast.Continue())
            elif isinstance(node, ast.If):
                out.append(ast.If(node.test, walk(node.body, False), walk(node.orelse, False)))
            else:
                out.append(node)
        return out

    return walk(body, True)


def native_loop(
    name: str, d: int, wide: bool, param_names: list[str], columns: bool, body
) -> ast.FunctionDef:
    """The C-callback loop ``<name>_c`` (parameters as columns of n values) or
    ``<name>_s`` (parameters as numbers) over raw float64 buffers (see
    :mod:`symflow.codegen.native`).

    ``body(inputs, params)`` gives the loop's statements for point ``i``, where
    ``inputs`` are the coordinates of the point and ``params`` the parameter values there.
    """
    k = len(param_names)
    shape_in = "(n,)" if d == 1 else f"(n, {d})"
    shape_out = f"(n, {d})" if wide else "(n,)"
    setup = [
        assign("xs", call("carray", "xp", shape_in)),
        assign("out", call("carray", "op", shape_out)),
    ]
    if columns:
        args = [f"col_{j}_ptr" for j in range(k)]
        setup += [assign(f"col_{j}", call("carray", f"col_{j}_ptr", "(n,)")) for j in range(k)]
        params = [f"col_{j}[i]" for j in range(k)]
    else:
        args = list(param_names)
        params = list(param_names)
    inputs = ["xs[i]"] if d == 1 else [f"xs[i, {j}]" for j in range(d)]
    points = loop("i", "n", body(inputs, params))
    return function(
        f"{name}_{'c' if columns else 's'}", ["xp", "op", "n", *args], [*setup, points], jit=None
    )


def native_loops(param_names: list[str], d: int, loops) -> list[ast.FunctionDef]:
    """For each (name, wide, body) in ``loops``, ``<name>_c`` and, for flows with
    parameters, ``<name>_s`` (see :func:`native_loop`; no column is allocated when every
    parameter is a scalar)."""
    out = []
    for name, wide, body in loops:
        out.append(native_loop(name, d, wide, param_names, True, body))
        if param_names:
            out.append(native_loop(name, d, wide, param_names, False, body))
    return out


def inlined_loop_body(function_body, args: list[str], param_names: list[str], store):
    """The ``body`` argument of :func:`native_loop` that binds a scalar function's
    arguments ``args`` (then its parameters) at point i and inlines ``function_body``."""

    def body(inputs: list[str], params: list[str]) -> list[ast.stmt]:
        binds = [assign(a, v) for a, v in zip(args, inputs, strict=True)]
        binds += [assign(p, v) for p, v in zip(param_names, params, strict=True) if p != v]
        return binds + inlined(function_body, store)

    return body


def calling_loop_body(scalar: str, d_out: int | None):
    """The ``body`` argument of :func:`native_loop` that calls ``scalar`` at point i and
    stores its value (``d_out`` None) or the ``d_out`` entries of the tuple it returns."""

    def body(inputs: list[str], params: list[str]) -> list[ast.stmt]:
        value = call(scalar, *inputs, *params)
        if d_out is None:
            return [assign("out[i]", value)]
        return [assign("r", value)] + [assign(f"out[i, {j}]", f"r[{j}]") for j in range(d_out)]

    return body


def array_loop(name: str, scalar: str, param_names: list[str]) -> ast.FunctionDef:
    """``name(xs, *params)``: ``scalar`` at each point, with a parameter array each."""
    arrays = [f"{p}s" for p in param_names]
    value = call(scalar, "xs[i]", *[f"{a}[i]" for a in arrays])
    points = loop("i", "xs.shape[0]", [assign("out[i]", value)])
    return function(
        name, ["xs", *arrays], [assign("out", "np.empty(xs.shape[0])"), points, returns("out")]
    )
