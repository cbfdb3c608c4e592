"""Tests of the safe parser: accepted inputs against hand-built SymPy, refused inputs."""

from __future__ import annotations

import pytest
import sympy as sp

from symflow.core.parse import (
    ASSUMPTIONS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    parse_distribution,
    parse_expression,
    parse_symbol_declaration,
)
from symflow.errors import ParseError, SymflowError

z = sp.Symbol("z", real=True)
a = sp.Symbol("a", positive=True)


def parse(text: str) -> sp.Expr:
    return parse_expression(text, variables=[z], parameters=[a])


# -- accepted expressions -------------------------------------------------------------

ACCEPTED = [
    ("exp", "exp(z)", sp.exp(z)),
    ("affine", "2*z+3", 2 * z + 3),
    ("caret-is-power", "z^3", z**3),
    ("double-star", "z**3", z**3),
    ("caret-precedence", "2*z^2 + 1", 2 * z**2 + 1),
    ("caret-right-assoc", "z^2^3", z**8),
    ("float-exact", "0.5*z", z / 2),
    ("float-exponent", "1e-3*z", z / 1000),
    ("float-underscore", "1_000.5 + z", sp.Rational(2001, 2) + z),
    ("int-underscore", "1_000*z", 1000 * z),
    ("negation", "-z", -z),
    ("unary-plus", "+z", z),
    ("division", "1/z", 1 / z),
    ("sigmoid", "sigmoid(z)", 1 / (1 + sp.exp(-z))),
    ("logit", "logit(z)", sp.log(z / (1 - z))),
    ("softplus", "softplus(z)", sp.log(1 + sp.exp(z))),
    ("log-base", "log(z, 2)", sp.log(z) / sp.log(2)),
    ("ln", "ln(z)", sp.log(z)),
    ("cbrt-real", "cbrt(z)", sp.real_root(z, 3)),
    ("sqrt", "sqrt(z)", sp.sqrt(z)),
    ("atan2", "atan2(z, 1)", sp.atan2(z, 1)),
    ("arcsinh-alias", "arcsinh(z)", sp.asinh(z)),
    ("arctan-alias", "arctan(z)", sp.atan(z)),
    ("tanh", "tanh(z)", sp.tanh(z)),
    ("abs", "abs(z)", sp.Abs(z)),
    ("Abs", "Abs(z)", sp.Abs(z)),
    ("sign", "sign(z)", sp.sign(z)),
    ("erf", "erf(z)", sp.erf(z)),
    ("erfc", "erfc(z)", sp.erfc(z)),
    ("loggamma", "loggamma(z)", sp.loggamma(z)),
    ("erfinv", "erfinv(2*z - 1)", sp.erfinv(2 * z - 1)),
    ("LambertW-branch", "LambertW(z, -1)", sp.LambertW(z, -1)),
    ("digamma", "digamma(z)", sp.polygamma(0, z)),
    ("polygamma", "polygamma(1, z)", sp.polygamma(1, z)),
    ("Ei", "Ei(z)", sp.Ei(z)),
    ("zeta", "zeta(z + 2)", sp.zeta(z + 2)),
    ("upper-incomplete-gamma", "uppergamma(2, z)", sp.uppergamma(2, z)),
    ("sech", "sech(z)", sp.sech(z)),
    ("min", "min(z, 1)", sp.Min(z, 1)),
    ("Max-three", "Max(z, 0, a)", sp.Max(z, 0, a)),
    ("pi", "pi*z", sp.pi * z),
    ("e-constant", "e^z", sp.exp(z)),
    ("E-constant", "E**z", sp.exp(z)),
    ("inf", "z + inf", z + sp.oo),
    ("parameter", "a*z^2", a * z**2),
    ("whitespace", "  z +  1  ", z + 1),
    ("newline", "(z\n + 1)", z + 1),
    ("fullwidth-nfkc", "ｚ + 1", z + 1),
    ("gamma-number", "gamma(5)", sp.Integer(24)),
    ("large-number", "2**1000*z", sp.Integer(2) ** 1000 * z),
    ("flat-sum", "+".join(["z"] * 500), 500 * z),
    ("flat-product", "*".join(["z"] * 300), z**300),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_accepted_expression(text: str, expected: sp.Expr) -> None:
    result = parse(text)
    assert result == expected
    assert not result.atoms(sp.Float), "floats must become exact rationals"


def test_names_resolve_to_the_given_symbols() -> None:
    result = parse("z + a")
    assert result.free_symbols == {z, a}
    assert sp.Symbol("z") not in result.free_symbols  # the real z, not a fresh one


def test_whitelist_functions_all_parse() -> None:
    for name, spec in FUNCTIONS.items():
        args = ", ".join(["z"] * max(spec.min_args, 2 if spec.max_args is None else 1))
        assert isinstance(parse(f"{name}({args})"), sp.Expr), name


# -- refused expressions --------------------------------------------------------------

REFUSED = [
    ("injection", "__import__('os').system('touch PWNED')", r"attribute access is not allowed"),
    ("dunder-call", "__import__('os')", r"dunder name '__import__'"),
    ("dunder-attr", "z.__class__", r"attribute access is not allowed \('z.__class__' at column 1"),
    ("lambda", "(lambda: 1)()", r"lambda is not allowed"),
    ("subscript", "z[0]", r"subscripting is not allowed"),
    ("unknown-function", "foo(z)", r"unknown function 'foo' at column 1; allowed functions: exp"),
    ("unknown-column", "z + foo(z)", r"unknown function 'foo' at column 5"),
    ("column-after-caret", "z^2 + foo(z)", r"unknown function 'foo' at column 7"),
    ("sympify-only", "Symbol('y')", r"unknown function 'Symbol'"),
    ("builtin-open", "open('f', 'w')", r"unknown function 'open'"),
    ("builtin-eval", "eval('1')", r"unknown function 'eval'"),
    ("undeclared", "y + z", r"unknown name 'y' at column 1; the declared names are z, a"),
    ("string", "'abc'", r"string literal is not allowed"),
    ("keyword-arg", "exp(z, base=2)", r"keyword argument is not allowed \('base=2' at column 8"),
    ("starred", "exp(*[z])", r"starred argument is not allowed"),
    ("complex", "1j*z", r"complex literal is not allowed"),
    ("comprehension", "[z for z in (1,)]", r"comprehension is not allowed"),
    ("generator", "max(z for z in (1, 2))", r"generator expression is not allowed"),
    ("comparison", "z < 1", r"comparison is not allowed"),
    ("boolean", "z and 1", r"boolean operator is not allowed"),
    ("conditional", "z if z else 1", r"conditional expression is not allowed"),
    ("f-string", "f'{z}'", r"f-string is not allowed"),
    ("dict", "{z: 1}", r"dict is not allowed"),
    ("tuple", "z, a", r"tuple is not allowed"),
    ("bool", "True*z", r"constant True is not allowed"),
    ("floor-div", "z // 2", r"operator '//' is not allowed"),
    ("modulo", "z % 2", r"operator '%' is not allowed"),
    ("invert", "~z", r"operator '~' is not allowed"),
    ("walrus", "(y := 1)", r"assignment expression is not allowed"),
    ("bare-function", "exp + 1", r"'exp' at column 1 is a function; call it, e.g. exp\(z\)"),
    ("call-variable", "z(1)", r"'z' at column 1 is not a function"),
    ("arity", "exp(z, 2)", r"exp\(\) takes 1 argument, got 2"),
    ("arity-log", "log(z, 2, 3)", r"log\(\) takes 1 to 2 arguments, got 3"),
    ("arity-min", "min(z)", r"min\(\) takes at least 2 arguments, got 1"),
    ("implicit-product", "2z", r"syntax error .* column 1.*write 2\*z"),
    ("unclosed", "(z + 1", r"syntax error .*'\(' was never closed"),
    ("dangling", "z +", r"syntax error in the expression at the end of the input"),
    ("empty", "", r"the expression is empty; write e\.g\. exp\(z\)"),
    ("blank", "   \n ", r"the expression is empty"),
    ("control-char", "z\x00", r"control character '\\x00' at column 2"),
    ("deep-brackets", "(" * 200 + "z" + ")" * 200, rf"nested too deeply \(more than {MAX_DEPTH}"),
    ("deep-unary", "-" * 1500 + "z", r"nested too deeply"),
    ("deep-power", "z" + "**z" * 150, r"nested too deeply"),
    ("too-long", "z+" * 5000 + "z", rf"too long \(10001 characters; at most {MAX_LENGTH}"),
    ("divide-by-zero", "1/0 + z", r"is undefined"),
    ("not-real", "sqrt(-1)*z", r"is not real"),
    ("huge-power", "9**9**9", r"too large to handle exactly"),
    ("huge-float", "1e999999999", r"out of range"),
    ("huge-gamma", "gamma(10**7)", r"too large to handle exactly"),
    ("huge-polygamma-order", "polygamma(10**6, z)", r"too large to handle exactly"),
    ("huge-zeta", "zeta(10**6)", r"too large to handle exactly"),
    ("huge-exp", "exp(10**9*log(3))", r"too large to handle exactly"),
    ("huge-rational-power", "(1 + 1/10**30)**(10**30)", r"too large to handle exactly"),
]


@pytest.mark.parametrize(("text", "match"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_expression(text: str, match: str) -> None:
    with pytest.raises(ParseError, match=match) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message, "messages are one line"
    assert len(message) < 1000


def test_parse_error_is_a_value_error_and_a_symflow_error() -> None:
    with pytest.raises(ValueError):
        parse("foo(z)")
    with pytest.raises(SymflowError):
        parse("foo(z)")


def test_refusal_says_what_is_allowed() -> None:
    with pytest.raises(ParseError) as info:
        parse("z.real")
    message = str(info.value)
    for part in ("numbers", "the names z, a", "pi", "exp", "sigmoid", "^"):
        assert part in message


def _payloads(sentinel) -> list[str]:
    return [
        f"__import__('os').system('touch {sentinel}')",
        f"__import__('pathlib').Path('{sentinel}').touch()",
        f"open('{sentinel}', 'w')",
        f"exec(\"open('{sentinel}', 'w')\")",
        f"[open('{sentinel}', 'w') for _ in (1,)]",
        f"(lambda: open('{sentinel}', 'w'))()",
        f"z + (0).__class__.__base__.__subclasses__() + open('{sentinel}', 'w')",
    ]


def test_payload_is_live_under_plain_eval(tmp_path) -> None:
    """Positive control: the payloads below really create the sentinel when evaluated."""
    sentinel = tmp_path / "PWNED"
    eval(f"__import__('pathlib').Path('{sentinel}').touch()")  # noqa: S307
    assert sentinel.exists()


@pytest.mark.parametrize("index", range(7))
def test_refused_input_evaluates_nothing(tmp_path, index: int) -> None:
    sentinel = tmp_path / "PWNED"
    payload = _payloads(sentinel)[index]
    with pytest.raises(ParseError):
        parse(payload)
    with pytest.raises(ParseError):
        parse_distribution(f"Normal(0, {payload})")
    with pytest.raises(ParseError):
        parse_distribution(payload)
    assert not sentinel.exists()


def test_declared_names_must_not_clash() -> None:
    with pytest.raises(ParseError, match="clashes with a function"):
        parse_expression("exp", variables=[sp.Symbol("exp")])
    with pytest.raises(ParseError, match="declared twice"):
        parse_expression("z", variables=[z], parameters=[sp.Symbol("z", positive=True)])


# -- distributions --------------------------------------------------------------------

DISTRIBUTIONS_ACCEPTED = [
    ("normal", "Normal(0, 1)", ("Normal", (sp.Integer(0), sp.Integer(1)))),
    ("uniform-pi", "Uniform(0, 2*pi)", ("Uniform", (sp.Integer(0), 2 * sp.pi))),
    ("gamma-param", "Gamma(a, 2)", ("Gamma", (a, sp.Integer(2)))),
    ("beta-floats-exact", "Beta(0.5, 0.5)", ("Beta", (sp.Rational(1, 2), sp.Rational(1, 2)))),
    ("spaces", "  Normal( 0 ,1 ) ", ("Normal", (sp.Integer(0), sp.Integer(1)))),
    ("functions", "Normal(log(2), sqrt(a))", ("Normal", (sp.log(2), sp.sqrt(a)))),
    ("no-args", "Exponential()", ("Exponential", ())),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in DISTRIBUTIONS_ACCEPTED],
    ids=[c[0] for c in DISTRIBUTIONS_ACCEPTED],
)
def test_accepted_distribution(text: str, expected) -> None:
    assert parse_distribution(text, parameters=[a]) == expected


DISTRIBUTIONS_REFUSED = [
    ("bare-name", "Normal", r"'Normal' is a name, not a distribution call.*e\.g\. Normal\(0, 1\)"),
    ("attribute", "sf.Normal(0, 1)", r"attribute access is not allowed \('sf.Normal'"),
    ("keywords", "Normal(mu=0, sigma=1)", r"keyword arguments are not allowed \('mu=0'"),
    ("undeclared", "Normal(0, z)", r"unknown name 'z' at column 11; the declared names are a"),
    ("number", "3", r"expected a distribution call such as Normal\(0, 1\)"),
    ("called-call", "Normal(0, 1)(2)", r"calling an expression is not allowed"),
    ("unknown-function-arg", "Normal(0, foo(1))", r"unknown function 'foo' at column 11"),
    ("undefined-arg", "Normal(0, 1/0)", r"the parameter '1/0' at column 11 of Normal is undefined"),
    ("starred", "Normal(*[0, 1])", r"starred argument is not allowed"),
    ("dunder", "__import__('os')", r"dunder name '__import__'"),
    ("empty", "", r"the distribution is empty; write e\.g\. Normal\(0, 1\)"),
    ("syntax", "Normal(0, 1", r"syntax error in the distribution"),
]


@pytest.mark.parametrize(
    ("text", "match"),
    [c[1:] for c in DISTRIBUTIONS_REFUSED],
    ids=[c[0] for c in DISTRIBUTIONS_REFUSED],
)
def test_refused_distribution(text: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_distribution(text, parameters=[a])


# -- symbol declarations --------------------------------------------------------------

DECLARATIONS = [
    ("real-default", "a", "a", ["real"]),
    ("positive", "sigma:positive", "sigma", ["positive"]),
    ("nonnegative", "s:nonnegative", "s", ["nonnegative"]),
    ("negative", "m:negative", "m", ["negative"]),
    ("integer", "n:integer", "n", ["integer"]),
    ("several", "k:positive,integer", "k", ["positive", "integer"]),
    ("spaces", " b : real ", "b", ["real"]),
    ("unicode", "σ:positive", "σ", ["positive"]),
]


@pytest.mark.parametrize(
    ("text", "name", "facts"), [c[1:] for c in DECLARATIONS], ids=[c[0] for c in DECLARATIONS]
)
def test_symbol_declaration(text: str, name: str, facts: list[str]) -> None:
    symbol = parse_symbol_declaration(text)
    assert symbol.name == name
    for fact in facts:
        assert fact in ASSUMPTIONS
        assert getattr(symbol, f"is_{fact}") is True
    assert symbol.is_real is True


DECLARATIONS_REFUSED = [
    ("function-name", "exp", r"clashes with the function exp\(\)"),
    ("constant-name", "pi", r"clashes with the constant pi"),
    ("constant-e", "e:positive", r"clashes with the constant e"),
    ("dunder", "__class__", r"must not start with '__'"),
    ("digit-first", "1a", r"'1a' is not a valid symbol name"),
    ("operator", "a-b", r"'a-b' is not a valid symbol name"),
    ("keyword", "lambda", r"'lambda' is not a valid symbol name"),
    ("unknown-assumption", "a:foo", r"unknown assumption 'foo' for 'a'; allowed: real, positive"),
    ("empty-assumption", "a:", r"unknown assumption '\(empty\)'"),
    ("inconsistent", "a:positive,negative", r"inconsistent assumptions for 'a'"),
    ("no-name", ":positive", r"has no name"),
    ("empty", "", r"has no name"),
]


@pytest.mark.parametrize(
    ("text", "match"),
    [c[1:] for c in DECLARATIONS_REFUSED],
    ids=[c[0] for c in DECLARATIONS_REFUSED],
)
def test_refused_symbol_declaration(text: str, match: str) -> None:
    with pytest.raises(ParseError, match=match):
        parse_symbol_declaration(text)
