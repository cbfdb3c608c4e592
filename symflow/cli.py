"""The ``symflow`` command: derive the density of a transformed distribution.

``symflow derive EXPR [EXPR ...] --base DIST`` parses the transforms and the base with
the safe parser (:mod:`symflow.core.parse`: numbers, declared names, arithmetic and
whitelisted functions; nothing is evaluated), derives the density of x = f_K(...f_1(z))
for z ~ DIST, prints it (pretty and LaTeX) with its support, and checks it against
Monte Carlo samples of the forward map.

Exit status: 0 on success, 1 when the Monte Carlo check fails, 2 for bad input (one
line on stderr, ``symflow: error: <message>``).

Examples
--------
>>> main(["derive", "exp(z)", "--base", "Normal(0, 1)", "--latex-only"])
\\begin{cases} \\frac{\\sqrt{2} e^{- \\frac{\\log{\\left(x \\right)}^{2}}{2}}}{2 \\sqrt{\\pi} x} & \\text{for}\\: x > 0 \\\\0 & \\text{otherwise} \\end{cases}
0
"""  # noqa: E501

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, TextIO

import sympy as sp

from symflow.core.parse import (
    declare_symbols,
    parse_base,
    parse_expression,
)
from symflow.errors import ParseError, SymflowError
from symflow.present.commands import positive_int, seed

__all__ = ["build_parser", "main"]

PROG = "symflow"

_MAIN_EPILOG = """\
examples:
  symflow derive "exp(z)" --base "Normal(0, 1)"          # log-normal
  symflow derive "z^2" --base "Normal(0, 1)"             # chi-square with 1 degree of freedom
  symflow derive "exp(z)" "2*z + 1" --base "Normal(0, 1)" --no-check
  symflow derive --help                                  # all options of derive
"""

_DERIVE_EPILOG = """\
Each EXPR is a transform in the variable (default z); several EXPRs form a chain
applied left to right: x = f_K(... f_2(f_1(z))). Expressions may use numbers, the
variable, declared parameters, the constants pi, E (also e) and oo, the operators
+ - * / ** (also ^) and the functions exp, log, sqrt, cbrt, sin, ..., sigmoid, logit,
softplus, min, max; nothing else is evaluated.

examples:
  symflow derive "exp(z)" --base "Normal(0, 1)"             # log-normal
  symflow derive "-log(z)" --base "Uniform(0, 1)"           # exponential
  symflow derive "z^2" --base "Normal(0, 1)" --n 50000      # chi-square(1), checked on 50k draws
  symflow derive "sinh(z)" --base "Normal(0, 1)" --latex-only
  symflow derive "exp(z)" "2*z + 1" --base "Normal(0, 1)"   # a chain of two transforms
  symflow derive "sigma*z + mu" --base "Normal(0, 1)" --param mu --param sigma:positive

Parameters are real unless declared otherwise (NAME:positive, :nonnegative, :negative,
:integer); a flow with parameters is not checked (there is nothing to sample).
Distributions: Normal(mu, sigma), Uniform(a, b), Exponential(rate), Gamma(shape, rate),
Beta(a, b), Laplace(mu, b), Logistic(mu, s), Cauchy(x0, gamma), StudentT(nu, mu=0, sigma=1).
Exit status: 0 success, 1 the Monte Carlo check failed, 2 bad input.
"""

_DERIVE_OPTIONS = ("--base", "--var", "--param", "--no-check", "--n", "--seed", "--latex-only")


class _UsageError(Exception):
    """A command-line usage error (raised instead of argparse's print-and-exit)."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message, self.prog)


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("symflow")
    except PackageNotFoundError:
        import symflow

        return str(getattr(symflow, "__version__", "unknown"))


def _build_parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        description="Derive exact densities of transformed distributions, symbolically.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    derive = commands.add_parser(
        "derive",
        help="derive the density of x = f(z) for z from a base distribution",
        description=(
            "Derive the density of x = f_K(...f_1(z)) for z ~ DIST: print it (pretty and\n"
            "LaTeX) with its support, and check it against Monte Carlo samples."
        ),
        epilog=_DERIVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    derive.add_argument(
        "exprs", nargs="+", metavar="EXPR", help="a transform in the variable, e.g. 'exp(z)'"
    )
    derive.add_argument(
        "--base", required=True, metavar="DIST", help="the base distribution, e.g. 'Normal(0, 1)'"
    )
    derive.add_argument(
        "--var",
        default="z",
        metavar="NAME",
        help="the variable of the expressions (default: z)",
    )
    derive.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME[:ASSUMPTION]",
        help="declare a parameter, e.g. 'a' (real) or 'sigma:positive'; repeat for several",
    )
    derive.add_argument(
        "--no-check", action="store_true", help="skip the Monte Carlo check of the density"
    )
    derive.add_argument(
        "--n",
        type=positive_int,
        default=200_000,
        metavar="N",
        help="number of Monte Carlo samples for the check (default: 200000)",
    )
    derive.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="seed of the check (default: 0)"
    )
    derive.add_argument(
        "--latex-only",
        action="store_true",
        help="print only the LaTeX of the density (no check)",
    )
    derive.set_defaults(handler=_derive)
    from symflow.present.commands import add_subcommands

    add_subcommands(commands)
    return parser


def _protect_negative_expressions(argv: list[str]) -> tuple[list[str], set[str]]:
    """Let ``derive -log(z) ...`` work: argparse would read ``-log(z)`` as an option.

    A token after the subcommand (derive, latex, plot, handout) that starts with a single
    ``-`` and is not ``-h`` or a known short option (``-o``) gets a
    leading space, which argparse reads as a positional value; the space is removed
    again after parsing (the returned set holds the protected tokens).
    """
    out = list(argv)
    protected: set[str] = set()
    starts = [out.index(c) for c in ("derive", "latex", "plot", "handout") if c in out]
    if not starts:
        return out, protected
    start = min(starts) + 1
    for i in range(start, len(out)):
        token = out[i]
        if token == "--":
            break
        if i > start and out[i - 1] in ("-o", "--output", "--base", "--var", "--param"):
            continue  # the value of an option
        if token.startswith("-") and not token.startswith("--") and token not in ("-", "-h", "-o"):
            out[i] = " " + token
            protected.add(out[i])
    return out, protected


def main(argv: list[str] | None = None) -> int:
    """Run the ``symflow`` command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 when the Monte Carlo check fails, 2 for bad input; errors are
        reported as one line on stderr, ``symflow: error: <message>``.

    Examples
    --------
    >>> main(["derive", "2*z + 3", "--base", "Normal(0, 1)", "--latex-only"])
    \\frac{\\sqrt{2} e^{- \\frac{\\left(x - 3\\right)^{2}}{8}}}{4 \\sqrt{\\pi}}
    0
    """
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    prepared, protected = _protect_negative_expressions(args_in)
    try:
        args = parser.parse_args(prepared)
    except _UsageError as exc:
        return _fail(f"{exc}; see '{exc.prog} --help'")
    except SystemExit as exc:  # --help and --version print and exit 0
        return exc.code if isinstance(exc.code, int) else 0
    if hasattr(args, "exprs"):
        args.exprs = [e[1:] if e in protected else e for e in args.exprs]
    try:
        return args.handler(args, sys.stdout)
    except SymflowError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (head)
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Point stdout at devnull so that flushing at exit raises no second BrokenPipeError."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - no real stdout
        pass


def _fail(message: str, status: int = 2) -> int:
    """Print ``symflow: error: <message>`` as one line on stderr; return ``status``."""
    print(f"{PROG}: error: {' '.join(message.split())}", file=sys.stderr)
    return status


# -- derive --------------------------------------------------------------------------


def _parse_independent(text: str, params) -> Any:
    """``Independent(B1, B2, …)`` as the product of the parsed bases; any other base text
    goes to parse_base."""
    stripped = text.strip()
    head, _, rest = stripped.partition("(")
    if head.strip() != "Independent" or not rest.endswith(")"):
        return parse_base(text, params)
    import symflow as sf

    parts, depth, start = [], 0, 0
    inner = rest[:-1]
    for i, c in enumerate(inner):
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    if len(parts) < 2:
        raise ParseError(
            f"Independent needs two or more bases, e.g. 'Independent(Uniform(0, 1), "
            f"Uniform(0, 1))'; got '{text}'"
        )
    return sf.Independent(*[parse_base(p, params) for p in parts])


def _output_symbol(taken: set[str]) -> sp.Symbol:
    for name in ("x", "y", "w", "u", "v", "t"):
        if name not in taken:
            return sp.Symbol(name, real=True)
    return sp.Symbol("x_out", real=True)


def _can_encode(stream: TextIO, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _derive(args: argparse.Namespace, out: TextIO) -> int:
    import symflow as sf
    from symflow.present.commands import check_constants

    var, params = declare_symbols(args.var, args.param)
    base = _parse_independent(args.base, params)
    d = getattr(base, "dimension", 1)
    # an Independent base of d components: variables z1, …, zd (a map to fewer dimensions)
    variables = [var] if d == 1 else sp.symbols(f"{var.name}1:{d + 1}", real=True)
    exprs = [
        parse_expression(text, variables=list(variables), parameters=params) for text in args.exprs
    ]
    for text, expr in zip(args.exprs, exprs, strict=True):
        check_constants(expr, text)
    transforms = [sf.Transform(expr, var if d == 1 else list(variables)) for expr in exprs]
    flow = sf.Flow(base, transforms)
    x = _output_symbol({var.name, *(p.name for p in params)})
    density = flow.density(x)
    latex = sp.latex(density)
    if args.latex_only:
        print(latex, file=out)
        return 0

    unicode = _can_encode(out, "∞√πσ─│⎧")
    support = flow.support
    _print_header(out, var if d == 1 else sp.Tuple(*variables), base, exprs, x)
    print(f"Density of {x}:", file=out)
    print(file=out)
    print(sp.pretty(density, use_unicode=unicode), file=out)
    print(file=out)
    print("LaTeX:", file=out)
    print(latex, file=out)
    print(file=out)
    condition = support.as_relational(x)
    support_text = sp.pretty(support, use_unicode=unicode)
    if condition is not sp.true:
        support_text += f", i.e. {sp.sstr(condition)}"
    print(f"Support: {support_text}", file=out)
    family = flow.family()
    if family is not None:
        named = ", ".join(f"{k} = {sp.sstr(v)}" for k, v in family.params.items())
        print(f"Named distribution: {family.name}({named})", file=out)

    if args.no_check:
        return 0
    free = sorted(s.name for s in flow.parameters)
    print(file=out)
    if free:
        print(
            f"Check: skipped, the flow has free parameters ({', '.join(free)}); "
            "give them values to sample it.",
            file=out,
        )
        return 0
    report = flow.check(n=args.n, seed=args.seed)
    print(str(report), file=out)
    if report.inconclusive:
        reason = report.too_few_reason or f"{args.n} draws are too few; pass a larger --n"
        return _fail(f"the check is inconclusive: {reason}", status=1)
    if not report.passed:
        return _fail(f"the check failed: {'; '.join(report.findings)}", status=1)
    return 0


def _print_header(
    out: TextIO, var: sp.Symbol, base: Any, exprs: Sequence[sp.Expr], x: sp.Symbol
) -> None:
    print(f"Base:       {var} ~ {base!r}", file=out)
    if len(exprs) == 1:
        print(f"Transform:  {x} = {sp.sstr(exprs[0])}", file=out)
    else:
        for i, expr in enumerate(exprs, start=1):
            label = "Transforms:" if i == 1 else ""
            print(f"{label:<11} f{i}({var}) = {sp.sstr(expr)}", file=out)
        composed = str(var)
        for i in range(1, len(exprs) + 1):
            composed = f"f{i}({composed})"
        print(f"{'':<11} {x} = {composed}", file=out)
    print(file=out)


def build_parser() -> argparse.ArgumentParser:
    """The ``symflow`` command's argument parser, with every subcommand.

    The documentation's command-line reference is generated from it.

    Examples
    --------
    >>> parser = build_parser()
    >>> sorted(parser._subparsers._group_actions[0].choices)
    ['derive', 'handout', 'latex', 'plot']
    """
    return _build_parser()


if __name__ == "__main__":
    raise SystemExit(main())
