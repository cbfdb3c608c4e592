"""The builder of kernel sources: the statement emitter and the pieces every kernel
module shares.

:class:`Emitter` prints a Program's assignments as numba statements (common
subexpressions eliminated, the stable rewrites applied, symbols renamed to safe
identifiers); :func:`module_header` is the import block of every generated module.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> program = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 1, z)]).program
>>> em = Emitter(program)
>>> em.code(sp.log(em.names[program.x]))
'simd_log(x)'
"""

from __future__ import annotations

import keyword
import re

import sympy as sp

from symflow.codegen.printer import SIMD_FUNCTIONS, KernelPrinter, fold_constants
from symflow.codegen.rewrite import TRANSLATIONS as STABLE_TRANSLATIONS
from symflow.core.layer import ImplicitInverse

__all__ = ["Emitter", "emitter", "module_header", "identifier", "VECTOR_LOOP"]


def module_header() -> str:
    """The import block of a generated kernel module."""
    names = ", ".join(sorted({*SIMD_FUNCTIONS.values(), "simd_logaddexp"}))
    return (
        '"""symflow kernel module (generated; do not edit)."""\n'
        "import math\n\n"
        "import numpy as np\n"
        "from numba import carray, njit\n\n"
        f"from symflow.codegen.simdmath import {names}\n"
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
        if program.dimension > 1:
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
        self.solvers: list[str] = []
        self._solver_of: dict[type, str] = {}
        # helpers of the stable rewrites that the shared printer table does not name
        self.printer.known_functions.update({"sub_exact": STABLE_TRANSLATIONS["sub_exact"]})

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
        name = identifier(f"_solve_{cls.label}", self.taken)
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


#: a numba loop of a scalar function over an array of points and parameter arrays
VECTOR_LOOP = """

@njit(cache=True, error_model="numpy")
def {name}(xs{arrays}):
    out = np.empty(xs.shape[0])
    for i in range(xs.shape[0]):
        out[i] = {scalar}(xs[i]{items})
    return out
"""


def emitter(program) -> Emitter:
    """An :class:`Emitter` whose implicit-inverse calls also pass the parameters.

    The solver of an implicit inverse whose forward map has parameters is emitted as
    ``solver(y, p_a, ...)``; the call sites print the parameters too.
    """
    em = Emitter(program)
    extra = "".join(f", {p}" for p in em.param_names)
    code = em.code

    def print_implicit(expr, **_):
        name = em._solver_of[type(expr)]
        return f"{name}({em.printer._print(expr.args[0])}{extra})"

    def code_with_parameters(expr):
        if extra:
            for atom in expr.atoms(sp.Function):
                if isinstance(atom, ImplicitInverse):
                    setattr(em.printer, f"_print_{type(atom).__name__}", print_implicit)
        return code(expr)

    em.code = code_with_parameters
    return em
