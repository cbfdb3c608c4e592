"""A SymPy printer for numba kernels, with its translation table kept as data.

:data:`TRANSLATIONS` maps SymPy functions to the Python/NumPy functions numba compiles.
A function missing from it is an error that names it and says how to register one
(:func:`register`). Constants are folded to correctly rounded float64 literals.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> KernelPrinter().doprint(sp.log(x) + sp.pi)
'simd_log(x) + 3.141592653589793'
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.pycode import PythonCodePrinter

from symflow.core.constants import certified_value
from symflow.core.special import known_derivatives
from symflow.errors import CompileError

__all__ = [
    "KernelPrinter",
    "TRANSLATIONS",
    "SIMD_FUNCTIONS",
    "SPECIAL_FUNCTIONS",
    "register",
    "fold_constants",
    "fold_beyond_floats",
    "special_import",
]

#: SymPy function name -> callable in the kernel module's namespace.
TRANSLATIONS: dict[str, str] = {
    "exp": "math.exp",
    "log": "math.log",
    "log1p": "math.log1p",
    "expm1": "math.expm1",
    "sqrt": "math.sqrt",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "asin": "math.asin",
    "acos": "math.acos",
    "atan": "math.atan",
    "atan2": "math.atan2",
    "hypot": "math.hypot",
    "sinh": "math.sinh",
    "cosh": "math.cosh",
    "tanh": "math.tanh",
    "asinh": "math.asinh",
    "acosh": "math.acosh",
    "atanh": "math.atanh",
    "erf": "math.erf",
    "erfc": "math.erfc",
    "floor": "math.floor",
    "ceiling": "math.ceil",
    "cot": "_cot",
    "acot": "_acot",
    "sec": "_sec",
    "csc": "_csc",
    "softplus": "_softplus",
    "Abs": "abs",
}

#: the import of the helpers (symflow.codegen.helpers) that TRANSLATIONS names, under
#: underscored names that no flow symbol's identifier takes
HELPERS = (
    "\nfrom symflow.codegen.helpers import acot as _acot, cot as _cot, csc as _csc\n"
    "from symflow.codegen.helpers import logaddexp as _logaddexp, sec as _sec\n"
    "from symflow.codegen.helpers import softplus as _softplus\n"
    "from symflow.codegen.helpers import combine_paths as _combine_paths\n"
    # the scalar stable forms of symflow.codegen.rewrite
    "from symflow.codegen.helpers import log1p_sq as _log1p_sq, logcosh as _logcosh\n"
    "from symflow.codegen.helpers import logsinh as _logsinh, sub_exact as _sub_exact\n"
    "from symflow.codegen.helpers import hypot1 as _hypot1, sigmoid as _sigmoid\n"
    "from symflow.codegen.helpers import sign_of_products as _sign_of_products\n"
)


# Numerically stable forms (symflow.codegen.rewrite) and vectorisable elementary
# functions (symflow.codegen.simdmath, range reduction + polynomial, no libm calls):
# the kernels' loops compile to SIMD instructions.

#: SymPy function name -> the vectorisable function of symflow.codegen.simdmath
#: that the kernels call (kept here so that printing a kernel does not import numba).
SIMD_FUNCTIONS: dict[str, str] = {
    "log": "simd_log",
    "log1p": "simd_log1p",
    "exp": "simd_exp",
    "expm1": "simd_expm1",
    "sinh": "simd_sinh",
    "cosh": "simd_cosh",
    "tanh": "simd_tanh",
    "asinh": "simd_asinh",
    "acosh": "simd_acosh",
    "atanh": "simd_atanh",
    "atan": "simd_atan",
    "softplus": "simd_softplus",
    "sigmoid": "simd_sigmoid",
    "logcosh": "simd_logcosh",
    "log1p_sq": "simd_log1p_sq",
    "hypot1": "simd_hypot1",
    "logsinh": "simd_logsinh",
}

TRANSLATIONS.update({"logcosh": "_logcosh", "log1p_sq": "_log1p_sq", "logsinh": "_logsinh"})
TRANSLATIONS.update(SIMD_FUNCTIONS)

#: SymPy function name -> the function of symflow.codegen.special (SciPy's compiled special
#: functions bound into numba) that the kernels call. A kernel module imports that module
#: (and with it SciPy) only when it calls one of them. Where the C library or a hand-written
#: helper measured as accurate and faster (erf, erfc), it stays: docs/performance.md.
SPECIAL_FUNCTIONS: dict[str, str] = {
    "erfinv": "special.erfinv",
    "erfcinv": "special.erfcinv",
    "gamma": "special.gamma",
    "loggamma": "special.gammaln",
    "digamma": "special.psi",
    "polygamma": "special.polygamma",
    "lowergamma": "special.lowergamma",
    "uppergamma": "special.uppergamma",
    "Ei": "special.expi",
    "E1": "special.exp1",
    # the named functions of the bases' kernel forms (symflow.core.bases.functions)
    "RegularizedGammaP": "special.gammainc",
    "RegularizedGammaQ": "special.gammaincc",
    "InverseRegularizedGammaP": "special.gammaincinv",
    "InverseRegularizedGammaQ": "special.gammainccinv",
    "InverseRegularizedBeta": "special.betaincinv",
    "LogInverseRegularizedGammaP": "special.log_gammaincinv",
    "LogInverseRegularizedBeta": "special.log_betaincinv",
    "StandardNormalCdf": "special.ndtr",
    "StudentTCdf": "special.stdtr",
    "StudentTQuantile": "special.stdtrit",
}
# the regularised incomplete gamma functions and the inverses of the incomplete gamma and
# beta functions (symflow.core.special)
SPECIAL_FUNCTIONS.update(
    {
        "gammainc": "special.gammainc",
        "gammaincc": "special.gammaincc",
        "stdtr": "special.stdtr",
        "stdtrit": "special.stdtrit",
        "gammaincinv": "special.gammaincinv",
        "gammainccinv": "special.gammainccinv",
        "betaincinv": "special.betaincinv",
        "log_ndtr": "special.log_ndtr",
        "zetac": "special.zetac",
        # differences next to an end (symflow.core.edges)
        "erf_difference": "special.erf_difference",
        "erfinv_difference": "special.erfinv_difference",
    }
)
TRANSLATIONS.update(SPECIAL_FUNCTIONS)


def register(sympy_name: str, target: str) -> None:
    """Teach the printer a translation, e.g. ``register("erfinv", "mylib.erfinv")``.

    The target must be importable inside the kernel module and callable from numba.
    """
    TRANSLATIONS[sympy_name] = target


def special_import(printer: KernelPrinter) -> str:
    """The import line a kernel module needs for what ``printer`` printed: the bindings of
    SciPy's special functions, or nothing (importing them loads SciPy).

    Examples
    --------
    >>> import sympy as sp
    >>> p = KernelPrinter()
    >>> p.doprint(sp.digamma(sp.Symbol("a")))
    'special.psi(a)'
    >>> special_import(p).strip()
    'from symflow.codegen import special'
    """
    return "from symflow.codegen import special\n" if printer.uses_special else ""


def fold_beyond_floats(expr: sp.Basic) -> sp.Basic:
    """Replace each symbol-free subexpression that holds a value beyond the float range
    (1 − erf(100) = 6.4e-4346, and log(1 − erf(100)), which contains it) by its certified
    Float; other constants are left for :func:`fold_constants` at print time.

    Done before common subexpressions are taken out, which would otherwise compute
    log(c_0) of a c_0 = 1 − erf(100) that is 0.0 as a float.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> fold_beyond_floats(x + sp.log(1 - sp.erf(100)) + sp.log(3))
    x - 10005.1775851226643325704667821 + log(3)
    """

    def fold(e: sp.Basic) -> sp.Basic:
        if e.is_Atom or not e.args:
            return e
        if isinstance(e, sp.Expr) and e.is_number and not e.is_Rational:
            if _beyond_floats(e):
                value = certified_value(e)
                if value is not None:
                    return value
            return e
        args = [fold(a) for a in e.args]
        changed = any(new is not old for new, old in zip(args, e.args, strict=True))
        return e.func(*args) if changed else e

    return fold(expr)


def _beyond_floats(e: sp.Expr) -> bool:
    """e, or a constant inside it, is nonzero and outside [2^-1022, 2^1024) in magnitude."""
    for node in sp.preorder_traversal(e):
        if node.is_Atom or not (isinstance(node, sp.Expr) and node.is_number):
            continue
        value = certified_value(node, 5)
        if value is not None and value != 0 and not _TINY <= abs(value) < 2**1024:
            return True
    return False


def fold_constants(expr: sp.Expr) -> sp.Expr:
    """Replace symbol-free irrational subexpressions by correctly rounded Floats."""

    def fold(e: sp.Basic) -> sp.Basic:
        if not isinstance(e, sp.Expr):  # conditions: fold inside relationals and And/Or
            if isinstance(e, sp.Basic) and e.args and not e.is_Atom:
                args = [fold(a) for a in e.args]
                if isinstance(e, sp.Rel | sp.logic.boolalg.BooleanFunction):
                    return e.func(*args, evaluate=False)
                return e.func(*args)
            return e
        if e.is_Atom and not e.is_NumberSymbol:
            return e
        if e.is_number and not e.is_Rational:
            # certified digits: 1 − erf(100) is 6.4e-4346, which a plain evalf of the
            # difference gives as noise
            value = certified_value(e) or e.evalf(30)
            if value.is_Float:
                return value  # 30 digits: printed as the correctly rounded double
            if value.is_real is False or value.has(sp.I):
                raise CompileError(f"The constant {e} is not real; it cannot be compiled.")
        if not e.args:
            return e
        if isinstance(e, sp.Add) and e.free_symbols:
            grouped = _affine_grouped(e)  # before log 3 joins the rational constant
            if grouped is not None:
                scaled, others = grouped
                return sp.Add(scaled, *[fold(a) for a in others], evaluate=False)
        return e.func(*[fold(a) for a in e.args]) if e.free_symbols else e

    return fold(expr)


#: the smallest normal float64, and the largest float64
_TINY = 2.2250738585072014e-308
_MAX = 1.7976931348623157e308
PRECEDENCE_MUL = sp.printing.precedence.PRECEDENCE["Mul"]


def _exact(value: sp.Expr) -> sp.Rational | None:
    """A numeric coefficient as an exact rational (a Float is a binary fraction)."""
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, sp.Float):
        return sp.Rational(value)
    return None


def _coefficient_into_power(expr: sp.Mul) -> sp.Expr | None:
    """k·bⁿ·… with k beyond the normal float range (1/(2σ²) for σ = 1e-300 is 5e599), or
    below 2⁻²⁶, as ±(|k|^(1/n)·b)ⁿ·…, unevaluated: SymPy multiplies the root back into k
    (and would distribute it over b = x − m); the float k would be inf or 0 (and inf·0
    at x = 0), and bⁿ overflows long before k·bⁿ does for a small k ((x/1e100)³ is
    −1e150 at x = 1e150, x³·1e-300 is inf)."""
    k, rest = expr.as_coeff_Mul()
    k = _exact(k)
    if k is None or k == 0:
        return None
    try:
        magnitude = abs(float(Fraction(k.p, k.q)))
    except OverflowError:
        magnitude = math.inf
    if 2.0**-26 <= magnitude < math.inf:
        return None
    factors = list(sp.Mul.make_args(rest))
    for i, f in enumerate(factors):
        base, e = f.as_base_exp()
        if not (e.is_Integer and e >= 2):
            continue
        root = sp.Float(sp.root(abs(k), e).evalf(30), 17)
        if not _TINY <= abs(float(root)) < math.inf:
            continue
        scaled = sp.Pow(sp.Mul(root, base, evaluate=False), e, evaluate=False)
        others = factors[:i] + factors[i + 1 :]
        return sp.Mul(sp.sign(k), scaled, *others, evaluate=False)
    return None


def _binary_scale(k: sp.Expr) -> tuple[float, int] | None:
    """(m, E) with k = m·2^E to 17 digits and 1/2 ≤ |m| < 1, for a number k outside the
    normal float range; None for any other k."""
    if not isinstance(k, sp.Rational | sp.Float) or k == 0:
        return None
    value = sp.Float(k, 30)
    sign, mantissa, exponent, bits = value._mpf_
    power = exponent + bits
    if -1021 <= power <= 1024:  # |k| in [2^-1022, 2^1024): a normal float
        return None
    m = float(sp.Float(sp.Rational(mantissa, 2**bits), 30))
    return (-m if sign else m), int(power)


def _square_of_quotient(expr: sp.Mul) -> sp.Expr | None:
    """k·b²/c²·… as k·(b/c)²·…, unevaluated: b² and c² overflow from 1.34e154 where b/c is
    a float (x − m = 1e200 with a scale parameter s = 1e160), and the quotient rounds
    once instead of three times; None without one such pair of symbolic factors."""
    factors = sp.Mul.make_args(expr)
    tops = [f for f in factors if f.is_Pow and f.exp == 2 and not f.base.is_number]
    bottoms = [f for f in factors if f.is_Pow and f.exp == -2 and not f.base.is_number]
    if len(tops) != 1 or len(bottoms) != 1:
        return None
    (top,), (bottom,) = tops, bottoms
    ratio = sp.Mul(top.base, sp.Pow(bottom.base, -1, evaluate=False), evaluate=False)
    others = [f for f in factors if f is not top and f is not bottom]
    return sp.Mul(*others, sp.Pow(ratio, 2, evaluate=False), evaluate=False)


def _power_of_two(k: sp.Rational) -> bool:
    p, q = abs(k.p), k.q
    return p & (p - 1) == 0 and q & (q - 1) == 0


def _affine_grouped(expr: sp.Add) -> tuple[sp.Expr, list[sp.Expr]] | None:
    """k·y + k₀ + … as (k·(y − c), […]), c = −k₀/k, unevaluated, where c is a float and k
    is not a power of 2: next to y = c the sum k·y + k₀ of two rounded terms keeps none of
    the digits of y − c (SymPy distributes k over (x − 1e8)/3), the product one rounding."""
    terms = list(expr.args)
    k0 = sp.Add(*[t for t in terms if isinstance(t, sp.Rational)])
    terms = [t for t in terms if not isinstance(t, sp.Rational)]
    if k0 == 0:
        return None
    linear = []
    for i, term in enumerate(terms):
        k, y = term.as_coeff_Mul()
        if isinstance(y, sp.Symbol) and _exact(k) is not None:
            linear.append((i, _exact(k), y))
    if len(linear) != 1:
        return None
    i, k, y = linear[0]
    if _power_of_two(k):
        return None
    c = -k0 / k
    if abs(c) >= 2**969 or sp.Rational(float(c)) != c:
        return None  # (y − c overflows at finite y of the other sign where k·y + k₀ does not)
    grouped = sp.Mul(k, sp.Add(y, -c, evaluate=False), evaluate=False)
    return grouped, terms[:i] + terms[i + 1 :]


def _literal(value: float) -> str:
    """A float as kernel source: ``math.inf`` and ``(-math.inf)`` where repr gives ``inf``."""
    if math.isinf(value):
        return "math.inf" if value > 0 else "(-math.inf)"
    return repr(value)


class KernelPrinter(PythonCodePrinter):
    """Prints kernel statements; unknown functions are refused with a clear message."""

    def __init__(self, settings=None):
        super().__init__({"fully_qualified_modules": True, **(settings or {})})
        self.known_functions = {**self.known_functions, **TRANSLATIONS}
        #: trailing arguments appended to calls of some functions (kernel parameters
        #: passed on to the root solvers of implicit inverses)
        self.extra_arguments: dict[str, str] = {}
        #: whether a printed statement calls symflow.codegen.special (see special_import)
        self.uses_special = False

    def _print_Function(self, expr):
        name = type(expr).__name__
        if name in self.known_functions and name in TRANSLATIONS | self._extra:
            args = ", ".join(self._print(a) for a in expr.args)
            return self._call(
                self.known_functions[name], f"{args}{self.extra_arguments.get(name, '')}"
            )
        raise self._unknown(name)

    def _call(self, target: str, args: str) -> str:
        if target.startswith("special."):
            self.uses_special = True
        return f"{target}({args})"

    @staticmethod
    def _unknown(name: str, detail: str = "") -> CompileError:
        return CompileError(
            f"No numba translation for the function {name}{detail}. Register one with "
            f"symflow.codegen.printer.register({name!r}, 'module.function'), or rewrite "
            f"the transform with elementary functions."
        )

    def _print_Subs(self, expr):
        return self._print_Derivative(expr)

    def _print_AccumulationBounds(self, expr):
        raise CompileError(
            f"The expression to compile contains {expr}, a range of values (the limit SymPy "
            f"gives for an oscillating or undefined term such as atan(zoo)), not a number, "
            f"so no kernel can compute it. Give the transform in a form whose limits at the "
            f"ends of the support exist, or report the flow as a bug in symflow."
        )

    def _print_ComplexInfinity(self, expr):
        raise CompileError(
            "The expression to compile contains zoo (SymPy's complex infinity, e.g. 1/0), "
            "which is no real number, so no kernel can compute it. Give the transform in a "
            "form that is finite or ±oo at the ends of the support, or report the flow as a "
            "bug in symflow."
        )

    def _print_Derivative(self, expr):
        # an unevaluated derivative: printed where symflow.core.special knows it (ζ′)
        known = known_derivatives(expr)
        if known != expr:
            return self._print(known)
        if isinstance(expr, sp.Subs):
            expr = expr.expr.atoms(sp.Derivative).pop()
        raise CompileError(
            f"No numba translation for the derivative of {type(expr.expr).__name__} "
            f"({expr}): SymPy has no closed form for it. Rewrite the transform, or split it "
            f"so that the derivative of each layer is an expression SymPy can write."
        )

    def _print_LambertW(self, expr):
        branch = expr.args[1] if len(expr.args) > 1 else sp.S.Zero
        if branch not in (0, -1):
            raise self._unknown(
                "LambertW", f" on the branch k = {branch} (only k = 0 and -1 are real)"
            )
        name = "special.lambertw0" if branch == 0 else "special.lambertwm1"
        return self._call(name, self._print(expr.args[0]))

    def _print_lambertw_edge(self, expr):
        x, k = expr.args
        name = "special.lambertw0_edge" if k == 0 else "special.lambertwm1_edge"
        return self._call(name, self._print(x))

    def _print_lambertw_branch_distance(self, expr):
        d, k = expr.args
        name = "special.lambertw0_edge_offset" if k == 0 else "special.lambertwm1_edge_offset"
        return self._call(name, self._print(d))

    def _print_halved(self, expr):
        # y/2 with the half distributed over y's terms (each halved exactly)
        return f"({self._print(expr.args[0] / 2)})"

    def _print_lambertw_exp(self, expr):
        return self._call("special.lambertw0_exp", self._print(expr.args[0]))

    def _print_erfcinv_exp(self, expr):
        return self._call("special.erfcinv_exp", self._print(expr.args[0]))

    def _print_polygamma(self, expr):
        order, x = expr.args
        if order == 0:
            return self._call("special.psi", self._print(x))
        return self._call("special.polygamma", f"{self._print(order)}, {self._print(x)}")

    def _print_LogSumExp(self, expr):
        terms = [self._print(a) for a in expr.args]
        out = terms[0]
        for term in terms[1:]:
            out = f"simd_logaddexp({out}, {term})"
        return out

    def _print_zeta(self, expr):
        if len(expr.args) == 1 or expr.args[1] == 1:
            return f"(1.0 + {self._call('special.zetac', self._print(expr.args[0]))})"
        args = ", ".join(self._print(a) for a in expr.args)
        return self._call("special.zeta", args)

    def _print_zeta_prime(self, expr):
        s, q = (*expr.args, sp.S.One)[:2]
        return self._call("special.zeta_prime", f"{self._print(s)}, {self._print(q)}")

    def _print_expint(self, expr):
        order, z = expr.args
        if not (order.is_integer and order.is_nonnegative):
            raise self._unknown("expint", f" of the non-integer order {order}")
        if order == 1:
            return self._call("special.exp1", self._print(z))
        return self._call("special.expn", f"{self._print(order)}, {self._print(z)}")

    def _print_betainc_regularized(self, expr):
        a, b, lo, hi = (self._print(v) for v in expr.args)
        upper = self._call("special.betainc", f"{a}, {b}, {hi}")
        if expr.args[2] == 0:
            return upper
        if expr.args[3] == 1:  # 1 − I_lo(a, b), exact where I is near 1
            return self._call("special.betaincc", f"{a}, {b}, {lo}")
        return f"({upper} - {self._call('special.betainc', f'{a}, {b}, {lo}')})"

    def _print_betainc(self, expr):
        a, b = (self._print(v) for v in expr.args[:2])
        scale = f"math.exp({self._call('special.betaln', f'{a}, {b}')})"
        return f"({self._print_betainc_regularized(expr)} * {scale})"

    @property
    def _extra(self) -> dict[str, str]:
        return {k: v for k, v in self.known_functions.items() if k not in TRANSLATIONS}

    _print_log1p = _print_Function
    _print_expm1 = _print_Function

    def _print_Float(self, expr):
        return _literal(float(expr))

    def _print_Rational(self, expr):
        # correctly rounded, also where p or q alone is beyond the float range (10**-600)
        try:
            value = float(Fraction(expr.p, expr.q))
        except OverflowError:
            value = math.copysign(math.inf, expr.p)
        return _literal(value)

    def _print_Integer(self, expr):
        # numba types integer literals as int64: a larger one is a float constant
        if -(2**63) <= expr.p < 2**63:
            return str(expr.p)
        if abs(expr.p) < 2**1024:
            return repr(float(expr.p))
        return "math.inf" if expr.p > 0 else "(-math.inf)"

    def _print_Half(self, expr):
        return "0.5"

    def _print_Exp1(self, expr):
        return repr(float(sp.E))

    def _print_Pi(self, expr):
        return repr(float(sp.pi))

    def _print_Infinity(self, expr):
        return "math.inf"

    def _print_NegativeInfinity(self, expr):
        return "(-math.inf)"

    def _print_Mul(self, expr):
        moved = _coefficient_into_power(expr)
        if moved is not None:
            return self._print(moved)
        quotient = _square_of_quotient(expr)
        if quotient is not None:
            return self._print(quotient)
        k, rest = expr.as_coeff_Mul()
        base, e = rest.as_base_exp()
        if isinstance(k, sp.Rational | sp.Float) and 0 < abs(k) < _TINY and e == 2:
            # k·b² with k below the floats' normal range (b²/(2·(1e308)²)): k would print
            # as 0.0 or a subnormal, so divide b by scales instead: (b/s₁)·(b/s₂)
            s1 = sp.sqrt(1 / abs(k)).evalf(30)
            s1 = s1 if s1 < _MAX else sp.Float(2.0**1000)
            s2 = (1 / (abs(k) * s1)).evalf(30)
            b = self.parenthesize(base, PRECEDENCE_MUL + 1)
            sign = "-" if k < 0 else ""
            return f"({sign}({b} / {float(s1)!r})*({b} / {float(s2)!r}))"
        if isinstance(k, sp.Rational | sp.Float) and 0 < abs(k) < 1 and e == 2:
            # (k·b)·b: b·b overflows from |b| = 1.34e154, k·b² (−x²/2) only from 1.9e154
            inner = self.parenthesize(sp.Mul(k, base, evaluate=False), PRECEDENCE_MUL)
            return f"({inner}*{self.parenthesize(base, PRECEDENCE_MUL + 1)})"
        scaled = _binary_scale(k)
        if scaled is not None and rest != 1:
            # k·y with k beyond the floats (erfc(100) = 6.4e-4346, or the width 2e308 of
            # Uniform(−1e308, 1e308)): k = m·2^E, 1/2 ≤ |m| < 1, and ldexp(m·y, E) is k·y
            # rounded where it is a float (y = 1e300, k = 1e-400), where k would print as
            # 0 or inf
            m, power = scaled
            return f"math.ldexp({m!r} * {self.parenthesize(rest, PRECEDENCE_MUL)}, {power})"
        return super()._print_Mul(expr)

    def _print_Add(self, expr, order=None):
        grouped = _affine_grouped(expr)
        if grouped is None:
            return super()._print_Add(expr, order)
        scaled, others = grouped
        return self._print(sp.Add(scaled, *others, evaluate=False) if others else scaled)

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.as_base_exp()
        if exponent == sp.Rational(1, 2):
            return f"math.sqrt({self._print(base)})"
        if exponent == sp.Rational(-1, 2):
            return f"(1.0 / math.sqrt({self._print(base)}))"
        if exponent == -1:
            return f"(1.0 / {self.parenthesize(base, sp.printing.precedence.PRECEDENCE['Pow'])})"
        if exponent.is_Integer and 2 <= int(exponent) <= 4:
            b = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Mul"] + 1)
            return "(" + "*".join([b] * int(exponent)) + ")"
        if exponent.is_Integer and exponent < 0:
            # numba raises ZeroDivisionError for 0.0 ** -n; a float power is inf there
            b = self.parenthesize(base, sp.printing.precedence.PRECEDENCE["Pow"])
            return f"{b} ** {float(exponent)!r}"
        return super()._print_Pow(expr, rational=rational)

    def _print_sign(self, expr):
        v = self._print(expr.args[0])
        return f"(0.0 if {v} == 0 else math.copysign(1.0, {v}))"

    def _print_Heaviside(self, expr):
        """H(u) = 1 for u > 0, 0 for u < 0, H(0) at 0 (SymPy's default ½), NaN for NaN."""
        v = self._print(expr.args[0])
        at_zero = float(expr.args[1]) if len(expr.args) > 1 else 0.5
        return (
            f"(1.0 if {v} > 0 else (0.0 if {v} < 0 else ({at_zero!r} if {v} == 0 else math.nan)))"
        )


# PythonCodePrinter prints gamma, loggamma, ... by methods of its own, which would bypass
# the record of calls into symflow.codegen.special
for _name in SPECIAL_FUNCTIONS:
    if f"_print_{_name}" not in KernelPrinter.__dict__:
        setattr(KernelPrinter, f"_print_{_name}", KernelPrinter._print_Function)

_ = (log1p, expm1)  # imported so that SymPy knows the names the printer emits
