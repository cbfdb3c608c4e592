"""Safe parsing of expressions, distributions and symbol declarations given as strings.

Strings from outside (the command line, files) never reach ``eval`` or ``sympify``. They
are parsed with :func:`ast.parse` and the syntax tree is walked against a whitelist:
numbers (floats become exact rationals), declared names, the constants ``pi``, ``E``
(also ``e``) and ``oo`` (also ``inf``), unary ``+``/``-``, the binary operators
``+ - * / **`` (``^`` is read as ``**``), and calls of the functions in :data:`FUNCTIONS`
by bare name with positional arguments. Everything else -- attribute access, subscripts,
lambdas, comprehensions, keyword arguments, strings, comparisons, unknown names -- is
refused with a :class:`~symflow.errors.ParseError` that names the construct, its column
(1-based) and what is allowed. Nothing is evaluated before the whole input has been
checked node by node, and numbers whose exact value would be astronomically large
(``9**9**9``, ``gamma(10**7)``) are refused before SymPy computes them.

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> parse_expression("0.5*z^2 + sigmoid(z)", variables=[z])
z**2/2 + 1/(1 + exp(-z))
>>> parse_distribution("Uniform(0, 2*pi)")
('Uniform', (0, 2*pi))
>>> parse_expression("__import__('os').system('ls')", variables=[z])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symflow.errors.ParseError: attribute access is not allowed ('__import__('os').system' ...
"""

from __future__ import annotations

import ast
import inspect
import keyword
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

import sympy as sp

from symflow.errors import ParseError, SymflowError

__all__ = [
    "declare_symbols",
    "distribution_signature",
    "parse_base",
    "ASSUMPTIONS",
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "parse_distribution",
    "parse_expression",
    "parse_symbol_declaration",
]

#: Longest accepted input, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of the syntax tree (flat sums and products count as one level).
MAX_DEPTH = 100
#: Largest accepted exact number, in bits of numerator or denominator (about 1.8e308,
#: the range of a float64: kernels evaluate in double precision anyway).
_MAX_BITS = 1024
#: Largest |x| for which exp-like functions of a number x are formed (exp(x*log(3))
#: evaluates to the integer 3**x).
_MAX_EXP_ARG = 10_000
#: Largest |x| for which gamma(x) and loggamma(x) of a number x are formed.
_MAX_GAMMA_ARG = 1000
#: Longest source excerpt quoted in an error message.
_MAX_SNIPPET = 60


@dataclass(frozen=True)
class _Function:
    """A whitelisted function: the SymPy callable and how many arguments it takes."""

    build: Callable[..., sp.Expr]
    min_args: int = 1
    max_args: int | None = 1  # None: any number
    exp_like: bool = False  # exp(number) may evaluate to a huge exact number
    gamma_like: bool = False  # gamma(integer) evaluates to a factorial

    def arity(self) -> str:
        if self.max_args == self.min_args:
            n = self.min_args
            return f"{n} argument" + ("s" if n != 1 else "")
        if self.max_args is None:
            return f"at least {self.min_args} arguments"
        return f"{self.min_args} to {self.max_args} arguments"


def _log(x: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    return sp.log(x) if base is None else sp.log(x, base)


def _cbrt(x: sp.Expr) -> sp.Expr:
    return sp.real_root(x, 3)


def _sigmoid(x: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-x))


def _logit(x: sp.Expr) -> sp.Expr:
    return sp.log(x / (1 - x))


def _softplus(x: sp.Expr) -> sp.Expr:
    return sp.log(1 + sp.exp(x))


_EXP = {"exp_like": True}
_GAMMA = {"gamma_like": True}

#: The functions an expression may call, by name (aliases included), as data.
FUNCTIONS: Mapping[str, _Function] = MappingProxyType(
    {
        "exp": _Function(sp.exp, **_EXP),
        "log": _Function(_log, 1, 2),
        "ln": _Function(sp.log),
        "sqrt": _Function(sp.sqrt),
        "cbrt": _Function(_cbrt),
        "sin": _Function(sp.sin),
        "cos": _Function(sp.cos),
        "tan": _Function(sp.tan),
        "asin": _Function(sp.asin),
        "acos": _Function(sp.acos),
        "atan": _Function(sp.atan),
        "atan2": _Function(sp.atan2, 2, 2),
        "arcsin": _Function(sp.asin),
        "arccos": _Function(sp.acos),
        "arctan": _Function(sp.atan),
        "arctan2": _Function(sp.atan2, 2, 2),
        "sinh": _Function(sp.sinh, **_EXP),
        "cosh": _Function(sp.cosh, **_EXP),
        "tanh": _Function(sp.tanh, **_EXP),
        "asinh": _Function(sp.asinh),
        "acosh": _Function(sp.acosh),
        "atanh": _Function(sp.atanh),
        "arcsinh": _Function(sp.asinh),
        "arccosh": _Function(sp.acosh),
        "arctanh": _Function(sp.atanh),
        "abs": _Function(sp.Abs),
        "Abs": _Function(sp.Abs),
        "sign": _Function(sp.sign),
        "cot": _Function(sp.cot),
        "sec": _Function(sp.sec),
        "csc": _Function(sp.csc),
        "acot": _Function(sp.acot),
        "asec": _Function(sp.asec),
        "acsc": _Function(sp.acsc),
        "coth": _Function(sp.coth, **_EXP),
        "sech": _Function(sp.sech, **_EXP),
        "csch": _Function(sp.csch, **_EXP),
        "acoth": _Function(sp.acoth),
        "asech": _Function(sp.asech),
        "acsch": _Function(sp.acsch),
        "erf": _Function(sp.erf),
        "erfc": _Function(sp.erfc),
        "erfi": _Function(sp.erfi),
        "erfinv": _Function(sp.erfinv),
        "erfcinv": _Function(sp.erfcinv),
        "gamma": _Function(sp.gamma, **_GAMMA),
        "loggamma": _Function(sp.loggamma, **_GAMMA),
        "digamma": _Function(sp.digamma, **_GAMMA),
        "polygamma": _Function(sp.polygamma, 2, 2, **_GAMMA),
        "lowergamma": _Function(sp.lowergamma, 2, 2, **_GAMMA),
        "uppergamma": _Function(sp.uppergamma, 2, 2, **_GAMMA),
        "zeta": _Function(sp.zeta, **_GAMMA),
        "Ei": _Function(sp.Ei),
        "expint": _Function(sp.expint, 2, 2, **_GAMMA),
        "LambertW": _Function(sp.LambertW, 1, 2),
        "sigmoid": _Function(_sigmoid, **_EXP),
        "logit": _Function(_logit),
        "softplus": _Function(_softplus, **_EXP),
        "Min": _Function(sp.Min, 2, None),
        "Max": _Function(sp.Max, 2, None),
        "min": _Function(sp.Min, 2, None),
        "max": _Function(sp.Max, 2, None),
    }
)

#: The named constants an expression may use.
CONSTANTS: Mapping[str, sp.Expr] = MappingProxyType(
    {"pi": sp.pi, "E": sp.E, "e": sp.E, "oo": sp.oo, "inf": sp.oo}
)

#: Assumption words accepted by :func:`parse_symbol_declaration`.
ASSUMPTIONS: tuple[str, ...] = ("real", "positive", "nonnegative", "negative", "integer")

_UNARY = {ast.UAdd: "+", ast.USub: "-", ast.Not: "not", ast.Invert: "~"}
_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.BitXor: "^",
}
_ARITHMETIC = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
# Left-associative chains of one precedence level (a + b - c + ...) are walked
# iteratively and count as one level of nesting.
_CHAIN_LEVEL = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_CONSTRUCTS = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripting",
    ast.Slice: "slicing",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Compare: "a comparison",
    ast.BoolOp: "a boolean operator",
    ast.IfExp: "a conditional expression",
    ast.NamedExpr: "an assignment expression",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.Starred: "a starred argument",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class _Source:
    """The input as given, the text handed to :func:`ast.parse`, and a map between them.

    Leading and trailing blanks are dropped, tabs and line breaks become spaces (an
    expression is one logical line) and ``^`` becomes ``**``; columns in messages refer
    to the text as the user typed it.
    """

    def __init__(self, text: str, what: str) -> None:
        if not isinstance(text, str):
            raise ParseError(f"{what} must be a string, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ParseError(
                f"{what} is too long ({len(text)} characters; at most {MAX_LENGTH} are accepted)"
            )
        self.original = text
        for i, ch in enumerate(text):
            if ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
                raise ParseError(
                    f"control character {ch!r} at column {i + 1} is not allowed in {what}"
                )
        blanked = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        start = len(blanked) - len(blanked.lstrip())
        stop = len(blanked.rstrip())
        if start >= stop:
            raise ParseError(f"{what} is empty; write e.g. {_EXAMPLES[what]}")
        parts: list[str] = []
        self._to_original: list[int] = []
        for i in range(start, stop):
            piece = "**" if blanked[i] == "^" else blanked[i]
            parts.append(piece)
            self._to_original.extend([i] * len(piece))
        self._to_original.append(stop)
        self.text = "".join(parts)
        self._encoded = self.text.encode("utf-8")

    def column(self, node: ast.AST) -> int:
        """1-based column, in the text as given, where ``node`` starts."""
        return self._from_bytes(node.col_offset) + 1  # type: ignore[attr-defined]

    def char_column(self, index: int) -> int:
        """1-based column, in the text as given, of character ``index`` of :attr:`text`."""
        index = min(max(index, 0), len(self._to_original) - 1)
        return self._to_original[index] + 1

    def _from_bytes(self, offset: int) -> int:
        index = len(self._encoded[:offset].decode("utf-8", errors="ignore"))
        return self._to_original[min(index, len(self._to_original) - 1)]

    def snippet(self, node: ast.AST) -> str:
        """The source of ``node`` as the user typed it, shortened for a message."""
        start = self._from_bytes(node.col_offset)  # type: ignore[attr-defined]
        end_offset = getattr(node, "end_col_offset", None)
        if end_offset is None:
            end = len(self.original)
        else:
            end_index = len(self._encoded[:end_offset].decode("utf-8", errors="ignore"))
            end = self._to_original[min(end_index, len(self._to_original) - 1)]
        text = " ".join(self.original[start:end].split())
        if len(text) > _MAX_SNIPPET:
            text = text[: _MAX_SNIPPET - 3] + "..."
        return text

    def where(self, node: ast.AST) -> str:
        return f"'{self.snippet(node)}' at column {self.column(node)}"


_EXAMPLES = {"the expression": "exp(z)", "the distribution": "Normal(0, 1)"}


def _parse_tree(source: _Source, what: str) -> ast.expr:
    """Parse ``source`` into an expression node, refusing syntax errors and deep nesting."""
    depth = 0
    for i, ch in enumerate(source.text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(
                    f"{what} is nested too deeply (more than {MAX_DEPTH} levels of brackets "
                    f"at column {source.char_column(i)})"
                )
        elif ch in ")]}":
            depth -= 1
    try:
        tree = ast.parse(source.text, mode="eval")
    except SyntaxError as exc:
        message = exc.msg or "invalid syntax"
        offset = exc.offset if exc.offset is not None else 0
        if 1 <= offset <= len(source.text):
            where = f"at column {source.char_column(offset - 1)}"
        else:
            where = "at the end of the input"
        hint = ""
        if "decimal literal" in message:
            hint = "; write 2*z, not 2z, for a product"
        raise ParseError(f"syntax error in {what} {where}: {message}{hint}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ParseError(f"cannot parse {what}: {type(exc).__name__}: {exc}") from None
    _check_depth(tree.body, source, what)
    return tree.body


def _check_depth(root: ast.expr, source: _Source, what: str) -> None:
    """Refuse trees nested deeper than :data:`MAX_DEPTH`, without recursion."""
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(
                f"{what} is nested too deeply (more than {MAX_DEPTH} levels at column "
                f"{source.column(node)}); simplify it or split it up"
            )
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr | ast.keyword):
                continue
            same_chain = (
                isinstance(node, ast.BinOp)
                and child is node.left
                and isinstance(child, ast.BinOp)
                and _CHAIN_LEVEL.get(type(child.op)) is not None
                and _CHAIN_LEVEL.get(type(child.op)) == _CHAIN_LEVEL.get(type(node.op))
            )
            stack.append((child, depth if same_chain else depth + 1))


def _names_text(names: Sequence[str]) -> str:
    return ", ".join(names)


class _Builder:
    """Turns a checked syntax tree into a SymPy expression, refusing anything else."""

    def __init__(self, source: _Source, names: Mapping[str, sp.Expr], what: str) -> None:
        self.source = source
        self.names = names
        self.what = what
        declared = [n for n in names if n not in CONSTANTS]
        if declared:
            label = "the name" if len(declared) == 1 else "the names"
            names_part = f"{label} {_names_text(declared)}, "
        else:
            names_part = ""
        self.allowed = (
            f"{'expressions' if what == 'the expression' else 'distribution parameters'} "
            f"may use numbers, {names_part}the constants {_names_text(list(CONSTANTS))}, "
            f"the operators + - * / ** ^ and the functions {_names_text(list(FUNCTIONS))}"
        )
        self.example_arg = declared[0] if declared else "x"

    # -- errors ---------------------------------------------------------------------

    def refuse(self, what: str, node: ast.AST) -> ParseError:
        return ParseError(f"{what} is not allowed ({self.source.where(node)}); {self.allowed}")

    # -- nodes ----------------------------------------------------------------------

    def build(self, node: ast.expr) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.UAdd | ast.USub):
                raise self.refuse(f"operator '{_UNARY[type(node.op)]}'", node)
            operand = self.build(node.operand)
            return operand if isinstance(node.op, ast.UAdd) else self.checked(-operand, node)
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        construct = _CONSTRUCTS.get(type(node), f"{type(node).__name__} syntax")
        raise self.refuse(construct, node)

    def constant(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.refuse(f"the constant {value!r}", node)
        if isinstance(value, str | bytes):
            raise self.refuse("a string literal", node)
        if isinstance(value, complex):
            raise self.refuse("a complex literal", node)
        if isinstance(value, int):
            return self.checked(sp.Integer(value), node)
        if isinstance(value, float):
            literal = self.source.snippet(node).replace("_", "")
            try:
                decimal = Decimal(literal)
            except InvalidOperation:  # pragma: no cover - ast accepted it as a float
                raise self.refuse("this number", node) from None
            if not decimal.is_finite() or abs(decimal.adjusted()) > 400:
                raise ParseError(
                    f"the number {self.source.where(node)} is out of range; "
                    "numbers must be within about 1e-308 to 1e308 in magnitude"
                )
            return self.checked(sp.Rational(str(decimal)), node)
        raise self.refuse(f"a {type(value).__name__} literal", node)  # pragma: no cover

    def name(self, node: ast.Name) -> sp.Expr:
        name = node.id
        if name.startswith("__"):
            raise self.refuse(f"the dunder name '{name}'", node)
        if name in self.names:
            return self.names[name]
        if name in FUNCTIONS:
            raise ParseError(
                f"'{name}' at column {self.source.column(node)} is a function; call it, "
                f"e.g. {name}({self.example_arg})"
            )
        declared = [n for n in self.names if n not in CONSTANTS]
        declared_text = (
            f"the declared names are {_names_text(declared)}"
            if declared
            else "no names are declared"
        )
        raise ParseError(
            f"unknown name '{name}' at column {self.source.column(node)}; {declared_text} "
            f"(declare further names as parameters) and the constants are "
            f"{_names_text(list(CONSTANTS))}"
        )

    def binary(self, node: ast.BinOp) -> sp.Expr:
        op = type(node.op)
        if op in _ARITHMETIC:
            # Walk a left-leaning chain (a + b - c ...) iteratively: no deep recursion.
            level = _CHAIN_LEVEL[op]
            chain: list[ast.BinOp] = []
            current: ast.expr = node
            while isinstance(current, ast.BinOp) and _CHAIN_LEVEL.get(type(current.op)) == level:
                chain.append(current)
                current = current.left
            result = self.build(current)
            for link in reversed(chain):
                right = self.build(link.right)
                result = self.checked(_ARITHMETIC[type(link.op)](result, right), link)
            return result
        if op is ast.Pow:
            base = self.build(node.left)
            exponent = self.build(node.right)
            self.guard_power(base, exponent, node)
            return self.checked(base**exponent, node)
        raise self.refuse(f"operator '{_BINARY.get(op, op.__name__)}'", node)

    def call(self, node: ast.Call) -> sp.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            construct = _CONSTRUCTS.get(type(func), "calling an expression")
            raise self.refuse(construct, func if isinstance(func, ast.Attribute) else node)
        name = func.id
        if name.startswith("__"):
            raise self.refuse(f"the dunder name '{name}'", func)
        spec = FUNCTIONS.get(name)
        if spec is None:
            if name in self.names:
                raise ParseError(
                    f"'{name}' at column {self.source.column(func)} is not a function; "
                    f"allowed functions: {_names_text(list(FUNCTIONS))}"
                )
            raise ParseError(
                f"unknown function '{name}' at column {self.source.column(func)}; "
                f"allowed functions: {_names_text(list(FUNCTIONS))}"
            )
        if node.keywords:
            raise self.refuse("a keyword argument", node.keywords[0])
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.refuse("a starred argument", arg)
        args = [self.build(arg) for arg in node.args]
        n = len(node.args)
        if n < spec.min_args or (spec.max_args is not None and n > spec.max_args):
            raise ParseError(f"{name}() takes {spec.arity()}, got {n} ({self.source.where(node)})")
        self.guard_function(name, spec, args, node)
        try:
            value = spec.build(*args)
        except (TypeError, ValueError, ArithmeticError, NotImplementedError) as exc:
            raise ParseError(
                f"cannot evaluate {self.source.where(node)}: {' '.join(str(exc).split())}"
            ) from None
        return self.checked(value, node)

    # -- size guards ------------------------------------------------------------------

    def too_large(self, node: ast.AST) -> ParseError:
        return ParseError(
            f"the number {self.source.where(node)} is too large to handle exactly; "
            f"numbers must stay below 2**{_MAX_BITS} (about 1.8e308) in magnitude"
        )

    def checked(self, value: sp.Expr, node: ast.AST) -> sp.Expr:
        """Return ``value`` after refusing huge exact numbers in it."""
        if isinstance(value, sp.Rational):
            if max(value.p.bit_length(), value.q.bit_length()) > _MAX_BITS:
                raise self.too_large(node)
        elif isinstance(value, sp.Basic):
            for atom in value.atoms(sp.Rational):
                if max(atom.p.bit_length(), atom.q.bit_length()) > _MAX_BITS:
                    raise self.too_large(node)
        return value

    def guard_power(self, base: sp.Expr, exponent: sp.Expr, node: ast.AST) -> None:
        """Refuse a numeric power whose exact value would be huge (9**9**9)."""
        if not (base.is_number and exponent.is_number) or base in (0, 1, -1):
            return
        size = _magnitude(exponent)
        if size is None or size <= 1:
            return
        # log2 of the result is about size * log2|base|; refuse what is far beyond the
        # cap before SymPy computes it (the exact check in `checked` follows).
        bits = max(
            [1] + [max(r.p.bit_length(), r.q.bit_length()) - 1 for r in base.atoms(sp.Rational)]
        )
        if size * bits > 4 * _MAX_BITS:
            raise self.too_large(node)

    def guard_function(
        self, name: str, spec: _Function, args: list[sp.Expr], node: ast.AST
    ) -> None:
        """Refuse exp-like and gamma-like functions of numbers that would evaluate hugely
        (gamma-like ones in any argument: polygamma(10**6, 1) is a factorial too)."""
        if not (spec.exp_like or spec.gamma_like):
            return
        limit = _MAX_EXP_ARG if spec.exp_like else _MAX_GAMMA_ARG
        for arg in args if spec.gamma_like else args[:1]:
            size = _magnitude(arg) if arg.is_number else None
            if size is not None and size > limit:
                raise ParseError(
                    f"the argument of {self.source.where(node)} is too large to handle "
                    f"exactly (|argument| must be at most {limit} when it is a number)"
                )


def _magnitude(value: sp.Expr) -> float | None:
    """|value| as a float, or None when it is not a finite number."""
    try:
        number = complex(value.evalf(15))
    except (TypeError, ValueError, ArithmeticError):
        return None
    size = abs(number)
    return size if math.isfinite(size) else None


def _symbol_table(
    groups: Sequence[tuple[str, Sequence[sp.Symbol]]],
) -> dict[str, sp.Expr]:
    """Map each declared name (NFKC-normalised, as Python does) to its symbol."""
    names: dict[str, sp.Expr] = {}
    for kind, symbols in groups:
        for symbol in symbols:
            if not isinstance(symbol, sp.Symbol):
                raise TypeError(f"{kind} must be sympy Symbols, got {symbol!r}")
            name = unicodedata.normalize("NFKC", symbol.name)
            if name in FUNCTIONS or name in CONSTANTS:
                raise ParseError(
                    f"the {kind[:-1]} name '{symbol.name}' clashes with a "
                    f"{'function' if name in FUNCTIONS else 'constant'}; choose another name"
                )
            if name in names and names[name] != symbol:
                raise ParseError(f"the name '{symbol.name}' is declared twice")
            names[name] = symbol
    names.update(CONSTANTS)
    return names


def _finish(value: sp.Expr, label: str) -> sp.Expr:
    """Refuse undefined (zoo, nan) and non-real results; ``label`` names the input."""
    if value.has(sp.zoo, sp.nan):
        raise ParseError(f"{label} is undefined (a division by zero, log(0) or oo - oo)")
    if value.has(sp.I):
        raise ParseError(
            f"{label} is not real (it evaluates to {value}); "
            "take roots and logs of positive numbers only"
        )
    return value


def parse_expression(
    text: str,
    variables: Sequence[sp.Symbol] = (),
    parameters: Sequence[sp.Symbol] = (),
) -> sp.Expr:
    """Parse a mathematical expression f(z) given as a string, safely.

    The string is parsed with :func:`ast.parse` and only whitelisted syntax is turned
    into SymPy: numbers (floats become exact rationals, ``0.5`` is ``1/2``), the given
    variables and parameters (matched by name), the constants ``pi``, ``E``/``e`` and
    ``oo``/``inf``, unary ``+``/``-``, ``+ - * / **`` (``^`` is read as ``**``) and calls
    of the functions in :data:`FUNCTIONS` with positional arguments. Nothing is passed
    to ``eval`` or ``sympify``.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"log(1 + exp(z))"``; at most :data:`MAX_LENGTH`
        characters and :data:`MAX_DEPTH` levels of nesting.
    variables, parameters : sequence of sympy.Symbol
        The names the expression may use; a name in the text resolves to the symbol
        with that name (and its assumptions).

    Returns
    -------
    sympy.Expr
        The expression, built from the given symbols.

    Raises
    ------
    ParseError
        For anything outside the whitelist, unknown names or functions, wrong numbers
        of arguments, syntax errors, empty, overlong or too deeply nested input, numbers
        too large to handle exactly, and undefined or non-real constants (``1/0``,
        ``sqrt(-1)``). The one-line message names the construct, its 1-based column in
        ``text`` and what is allowed.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> a = sp.Symbol("a", positive=True)
    >>> parse_expression("a*z^3 + 0.25", variables=[z], parameters=[a])
    a*z**3 + 1/4
    >>> parse_expression("log(softplus(z), 2)", variables=[z])
    log(log(exp(z) + 1))/log(2)
    >>> parse_expression("foo(z)", variables=[z])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symflow.errors.ParseError: unknown function 'foo' at column 1; allowed functions: exp, ...
    """
    what = "the expression"
    names = _symbol_table([("variables", variables), ("parameters", parameters)])
    source = _Source(text, what)
    tree = _parse_tree(source, what)
    value = _Builder(source, names, what).build(tree)
    return _finish(value, f"the expression '{source.snippet(tree)}'")


def parse_distribution(
    text: str, parameters: Sequence[sp.Symbol] = ()
) -> tuple[str, tuple[sp.Expr, ...]]:
    """Parse a distribution call such as ``"Normal(0, 1)"`` into its name and arguments.

    The callee must be a bare name; it is returned as written and validated later
    against the known distributions. The arguments follow the rules of
    :func:`parse_expression`, with the given parameters as the only declared names.

    Parameters
    ----------
    text : str
        The distribution, e.g. ``"Gamma(a, 2)"`` or ``"Uniform(0, 2*pi)"``.
    parameters : sequence of sympy.Symbol
        The names the arguments may use.

    Returns
    -------
    name : str
        The distribution's name as written, e.g. ``"Gamma"``.
    args : tuple of sympy.Expr
        Its positional arguments, exact.

    Raises
    ------
    ParseError
        If the text is not a call of a bare name with positional arguments, or an
        argument is not an accepted expression.

    Examples
    --------
    >>> import sympy as sp
    >>> a = sp.Symbol("a", positive=True)
    >>> parse_distribution("Gamma(a, 0.5)", parameters=[a])
    ('Gamma', (a, 1/2))
    >>> parse_distribution("Normal")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symflow.errors.ParseError: 'Normal' is a name, not a distribution call; ...
    """
    what = "the distribution"
    names = _symbol_table([("parameters", parameters)])
    source = _Source(text, what)
    tree = _parse_tree(source, what)
    builder = _Builder(source, names, what)
    if isinstance(tree, ast.Name):
        raise ParseError(
            f"'{tree.id}' is a name, not a distribution call; write the distribution with "
            "its parameters in parentheses, e.g. Normal(0, 1)"
        )
    if not isinstance(tree, ast.Call):
        raise ParseError(
            f"expected a distribution call such as Normal(0, 1), got {source.where(tree)}"
        )
    func = tree.func
    if not isinstance(func, ast.Name):
        construct = _CONSTRUCTS.get(type(func), "calling an expression")
        raise ParseError(
            f"{construct} is not allowed ({source.where(func)}); write the distribution as a "
            "bare name with its parameters, e.g. Normal(0, 1)"
        )
    if func.id.startswith("__"):
        raise builder.refuse(f"the dunder name '{func.id}'", func)
    if tree.keywords:
        raise ParseError(
            f"keyword arguments are not allowed ({source.where(tree.keywords[0])}); pass the "
            f"parameters by position, e.g. Normal(0, 1)"
        )
    args: list[sp.Expr] = []
    for arg in tree.args:
        if isinstance(arg, ast.Starred):
            raise builder.refuse("a starred argument", arg)
        label = f"the parameter {source.where(arg)} of {func.id}"
        args.append(_finish(builder.build(arg), label))
    return func.id, tuple(args)


def parse_symbol_declaration(text: str) -> sp.Symbol:
    """Parse a symbol declaration ``NAME[:ASSUMPTION[,ASSUMPTION...]]`` into a Symbol.

    ``"a"`` declares a real symbol; ``"sigma:positive"`` a positive one. The accepted
    assumption words are those in :data:`ASSUMPTIONS` (real, positive, nonnegative,
    negative, integer); several may be joined with commas (``"n:positive,integer"``).

    Parameters
    ----------
    text : str
        The declaration, as given to ``symflow derive --param``.

    Returns
    -------
    sympy.Symbol
        The symbol with those assumptions (``real=True`` when none is given).

    Raises
    ------
    ParseError
        If the name is not an identifier, is a Python keyword, starts with ``__``,
        clashes with a function or constant name, or an assumption word is unknown or
        inconsistent with another.

    Examples
    --------
    >>> s = parse_symbol_declaration("sigma:positive")
    >>> s, s.is_positive
    (sigma, True)
    >>> parse_symbol_declaration("a").is_real
    True
    """
    if not isinstance(text, str):
        raise ParseError(f"a symbol declaration must be a string, got {type(text).__name__}")
    if len(text) > 200:
        raise ParseError("the symbol declaration is too long (at most 200 characters)")
    name_part, sep, assumption_part = text.partition(":")
    name = unicodedata.normalize("NFKC", name_part.strip())
    if not name:
        raise ParseError(
            f"the symbol declaration {text!r} has no name; write e.g. 'a' or 'sigma:positive'"
        )
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ParseError(
            f"'{name}' is not a valid symbol name; use letters, digits and underscores, "
            "starting with a letter"
        )
    if name.startswith("__"):
        raise ParseError(f"the symbol name '{name}' must not start with '__'")
    if name in FUNCTIONS:
        raise ParseError(f"the symbol name '{name}' clashes with the function {name}()")
    if name in CONSTANTS:
        raise ParseError(f"the symbol name '{name}' clashes with the constant {name}")
    words = [w.strip() for w in assumption_part.split(",")] if sep else []
    assumptions: dict[str, bool] = {}
    for word in words:
        if word not in ASSUMPTIONS:
            shown = word or "(empty)"
            raise ParseError(
                f"unknown assumption '{shown}' for '{name}'; allowed: {', '.join(ASSUMPTIONS)}"
            )
        assumptions[word] = True
    if not assumptions:
        assumptions["real"] = True
    try:
        return sp.Symbol(name, **assumptions)
    except ValueError:  # sympy's InconsistentAssumptions
        raise ParseError(
            f"inconsistent assumptions for '{name}': {', '.join(words)} cannot all hold"
        ) from None


def declare_symbols(
    var_text: str, param_texts: Sequence[str] = ()
) -> tuple[sp.Symbol, list[sp.Symbol]]:
    """The variable and parameters declared on a command line, their names checked.

    Examples
    --------
    >>> declare_symbols("z", ["s:positive", "m"])
    (z, [s, m])
    """
    var = parse_symbol_declaration(var_text)
    params: list[sp.Symbol] = []
    seen = {var.name: "the variable"}
    for text in param_texts:
        symbol = parse_symbol_declaration(text)
        if symbol.name in seen:
            raise ParseError(
                f"--param {text}: the name '{symbol.name}' is already used by "
                f"{seen[symbol.name]}; choose another name"
            )
        seen[symbol.name] = "another parameter"
        params.append(symbol)
    return var, params


def distribution_signature(cls: type) -> str:
    """How a distribution is called, e.g. ``StudentT(nu, mu=0, sigma=1)``."""
    names = getattr(cls, "param_names", None)
    try:
        params = [p for p in inspect.signature(cls).parameters.values()]
    except (TypeError, ValueError):  # pragma: no cover - classes have signatures
        params = []
    if params and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params):
        shown = [p.name if p.default is p.empty else f"{p.name}={p.default}" for p in params]
    else:
        shown = list(names or ())
    return f"{cls.__name__}({', '.join(shown)})"


def parse_base(text: str, params: Sequence[sp.Symbol] = ()) -> Any:
    """Parse a base distribution such as ``"Normal(0, 1)"`` and build it, with one-line
    errors for unknown names and wrong parameter counts.

    Examples
    --------
    >>> parse_base("Normal(0, 1/2)")
    Normal(0, 1/2)
    """
    from symflow.core.distributions import DISTRIBUTIONS

    name, args = parse_distribution(text, params)
    cls = DISTRIBUTIONS.get(name)
    if cls is None:
        folded = {key.lower(): value for key, value in DISTRIBUTIONS.items()}
        cls = folded.get(name.lower())
    if cls is None:
        known = ", ".join(distribution_signature(c) for c in DISTRIBUTIONS.values())
        raise ParseError(f"unknown distribution '{name}'; known distributions: {known}")
    try:
        inspect.signature(cls).bind(*args)
    except TypeError:
        raise ParseError(
            f"wrong number of parameters for {cls.__name__}: got {len(args)} in "
            f"'{' '.join(text.split())}'; expected {distribution_signature(cls)}"
        ) from None
    try:
        return cls(*args)
    except SymflowError:
        raise
    except TypeError as exc:
        raise ParseError(
            f"cannot build {cls.__name__} from '{' '.join(text.split())}': {exc}; "
            f"expected {distribution_signature(cls)}"
        ) from None
