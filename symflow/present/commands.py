"""The teaching subcommands of ``symflow``: ``latex``, ``plot`` and ``handout``.

``symflow latex EXPR --base DIST`` prints the textbook derivation (LaTeX ``align*``, or a
standalone document with ``--full-document``, or Markdown/Unicode text);
``symflow plot EXPR --base DIST -o FILE.png`` draws the densities with a Monte Carlo
histogram (``--kind stages`` for a chain); ``symflow handout EXPR --base DIST -o FILE.pdf``
writes a PDF with the derivation, the named family and the figures.

Strings are parsed by :mod:`symflow.core.parse` (nothing is evaluated). The command line
module calls :func:`add_subcommands` with its subparsers; each handler takes the parsed
arguments and an output stream and returns the exit status (errors are SymflowError).

Examples
--------
>>> import argparse, io
>>> parser = argparse.ArgumentParser(prog="symflow")
>>> add_subcommands(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["latex", "2*z + 3", "--base", "Normal(0, 1)"])
>>> out = io.StringIO()
>>> args.handler(args, out)
0
>>> out.getvalue().splitlines()[0]
'\\\\begin{align*}'
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import Any, TextIO

from symflow.core.parse import declare_symbols, parse_base, parse_expression
from symflow.errors import ParseError

__all__ = [
    "positive_int",
    "seed",
    "add_subcommands",
    "build_flow",
    "check_constants",
    "run_latex",
    "run_plot",
    "run_handout",
]

#: the resolutions a picture may be drawn at (dots per inch)
DPI_RANGE = (10.0, 1200.0)

_FLOW_HELP = """\
Each EXPR is a transform in the variable (default z); several EXPRs form a chain applied
left to right. Parameters are declared with --param NAME[:ASSUMPTION]; give them values
for pictures with --set NAME=VALUE.
"""

_LATEX_EPILOG = (
    _FLOW_HELP
    + """
examples:
  symflow latex "exp(z)" --base "Normal(0, 1)"                   # align* block
  symflow latex "z^2" --base "Normal(0, 1)" --full-document > chi2.tex
  symflow latex "exp(z)" "2*z + 1" --base "Normal(0, 1)" --format text
"""
)

_PLOT_EPILOG = (
    _FLOW_HELP
    + """
examples:
  symflow plot "exp(z)" --base "Normal(0, 1)" -o lognormal.png
  symflow plot "z/2 + 1" "exp(z)" --base "Normal(0, 1)" --kind stages -o stages.png
  symflow plot "exp(sigma*z)" --base "Normal(0, 1)" --param sigma:positive --set sigma=0.5 -o a.png
"""
)

_HANDOUT_EPILOG = (
    _FLOW_HELP
    + """
examples:
  symflow handout "exp(z)" --base "Normal(0, 1)" -o lognormal.pdf
  symflow handout "-log(z)" --base "Uniform(0, 1)" -o exponential.pdf --title "Inverse CDF"
"""
)


def _flow_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "exprs", nargs="+", metavar="EXPR", help="a transform in the variable, e.g. 'exp(z)'"
    )
    parser.add_argument(
        "--base", required=True, metavar="DIST", help="the base distribution, e.g. 'Normal(0, 1)'"
    )
    parser.add_argument(
        "--var", default="z", metavar="NAME", help="the variable of the expressions (default: z)"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME[:ASSUMPTION]",
        help="declare a parameter, e.g. 'a' or 'sigma:positive'; repeat for several",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number > 0 (a number of draws, of points).

    Examples
    --------
    >>> positive_int("100")
    100
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def seed(text: str) -> int:
    """An argparse type: a seed for NumPy's generator, a whole number >= 0.

    Examples
    --------
    >>> seed("0")
    0
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _dpi(text: str) -> float:
    """A resolution in dots per inch, within :data:`DPI_RANGE`."""
    import math

    lo, hi = DPI_RANGE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of dots per inch, got {text!r}"
        ) from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise argparse.ArgumentTypeError(f"expected a resolution from {lo:g} to {hi:g}, got {text}")
    return value


def check_constants(expr: Any, text: str) -> None:
    """Refuse an expression with a constant beyond double precision (|c| > 1.8e308), which
    no kernel can evaluate, e.g. exp(exp(1000)).

    Examples
    --------
    >>> import sympy as sp
    >>> big = sp.exp(sp.Integer(1000)) * sp.Symbol("z")
    >>> check_constants(big, "exp(1000)*z")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symflow.errors.ParseError: 'exp(1000)*z': the constant exp(1000) is too large ...
    """
    import math

    import sympy as sp

    from symflow.core.budget import attempt

    pending = [expr]
    while pending:
        node = pending.pop()
        if not isinstance(node, sp.Basic) or isinstance(node, sp.Symbol):
            continue
        if node.free_symbols or not node.is_number or isinstance(node, sp.Integer | sp.Float):
            if isinstance(node, sp.Integer | sp.Float) and abs(node) > sp.Float("1.7976e308"):
                raise _too_large(node, text)
            pending.extend(node.args)
            continue
        try:  # mpmath overflows on a tower such as exp(exp(exp(1000)))
            value = attempt(lambda n=node: sp.N(n, 17), 2.0, None)
        except OverflowError:
            value = None
        try:
            finite = value is not None and all(
                math.isfinite(float(part)) for part in value.as_real_imag()
            )
        except (TypeError, OverflowError):
            finite = False
        if not finite and not node.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            raise _too_large(node, text)


def _too_large(node: Any, text: str) -> ParseError:
    shown = str(node) if len(str(node)) <= 60 else str(node)[:57] + "..."
    return ParseError(
        f"'{text}': the constant {shown} is too large for double precision (beyond "
        f"±1.8e308), so no kernel can evaluate it. Rescale the transform (e.g. work with "
        f"its logarithm)."
    )


def _value_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="values",
        help="a value for a declared parameter (for the pictures); repeat for several",
    )
    parser.add_argument(
        "--n",
        type=positive_int,
        default=100_000,
        metavar="N",
        help="Monte Carlo draws (default 100000)",
    )
    parser.add_argument(
        "--seed", type=seed, default=0, metavar="S", help="seed, an integer >= 0 (default 0)"
    )


def add_subcommands(subparsers: Any) -> None:
    """Add ``latex``, ``plot`` and ``handout`` to the ``symflow`` command's subparsers.

    Parameters
    ----------
    subparsers
        The object returned by ``ArgumentParser.add_subparsers()``. Each subcommand sets
        ``handler(args, out) -> int`` as a default.
    """
    raw = argparse.RawDescriptionHelpFormatter
    latex = subparsers.add_parser(
        "latex",
        help="print the step-by-step derivation of the density in LaTeX",
        description="Print the textbook derivation of the density of x = f_K(...f_1(z)).",
        epilog=_LATEX_EPILOG,
        formatter_class=raw,
    )
    _flow_arguments(latex)
    latex.add_argument(
        "--full-document",
        action="store_true",
        help="print a standalone LaTeX document (compiles with pdflatex)",
    )
    latex.add_argument(
        "--format",
        choices=("latex", "markdown", "text"),
        default="latex",
        help="latex (default), markdown (with $$ math) or text (Unicode)",
    )
    latex.set_defaults(handler=run_latex)

    plot = subparsers.add_parser(
        "plot",
        help="draw the base and derived densities with a Monte Carlo histogram",
        description="Draw the densities of a flow and write the picture to a file.",
        epilog=_PLOT_EPILOG,
        formatter_class=raw,
    )
    _flow_arguments(plot)
    plot.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the picture (.png, .pdf, .svg)"
    )
    plot.add_argument(
        "--kind",
        choices=("densities", "stages"),
        default="densities",
        help="densities (default) or stages (the density after each layer)",
    )
    plot.add_argument(
        "--dpi",
        type=_dpi,
        default=100,
        help=f"resolution, {DPI_RANGE[0]:g} to {DPI_RANGE[1]:g} (default 100)",
    )
    _value_arguments(plot)
    plot.set_defaults(handler=run_plot)

    handout = subparsers.add_parser(
        "handout",
        help="write a PDF with the derivation, the named family and the figures",
        description="Write a PDF handout (needs pdflatex).",
        epilog=_HANDOUT_EPILOG,
        formatter_class=raw,
    )
    _flow_arguments(handout)
    handout.add_argument("-o", "--output", required=True, metavar="FILE.pdf", help="the PDF")
    handout.add_argument("--title", default=None, help="the heading of the handout")
    _value_arguments(handout)
    handout.set_defaults(handler=run_handout)


def build_flow(exprs: Sequence[str], base: str, var: str = "z", params: Sequence[str] = ()):
    """A Flow from command-line strings, parsed safely.

    Examples
    --------
    >>> build_flow(["exp(z)"], "Normal(0, 1)")
    Flow(Normal(0, 1), [exp(z)])
    """
    import symflow as sf

    variable, symbols = declare_symbols(var, params)
    distribution = parse_base(base, symbols)
    transforms = []
    for text in exprs:
        expr = parse_expression(text, variables=[variable], parameters=symbols)
        check_constants(expr, text)
        transforms.append(sf.Transform(expr, variable))
    return sf.Flow(distribution, transforms)


def _values(texts: Sequence[str], flow: Any) -> dict[str, float]:
    known = {s.name for s in flow.parameters}
    out: dict[str, float] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ParseError(f"--set {text}: write NAME=VALUE, e.g. --set sigma=0.5")
        if name not in known:
            raise ParseError(
                f"--set {text}: '{name}' is not a parameter of the flow; its parameters are "
                f"{', '.join(sorted(known)) or 'none'} (declare them with --param)"
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise ParseError(f"--set {text}: '{value.strip()}' is not a number") from None
        if not math.isfinite(out[name]):
            raise ParseError(f"--set {text}: the value must be a finite number")
        symbol = next(s for s in flow.parameters if s.name == name)
        if (symbol.is_positive and not out[name] > 0) or (
            symbol.is_nonnegative and not out[name] >= 0
        ):
            sign = "positive" if symbol.is_positive else "nonnegative"
            raise ParseError(f"--set {text}: {name} is declared {sign}; its value must be too")
    missing = sorted(known - set(out))
    if missing:
        raise ParseError(
            f"the pictures need values for the parameters {', '.join(missing)}; give them "
            f"with --set NAME=VALUE"
        )
    return out


def _check_samples(flow: Any, values: dict[str, float], texts: Sequence[str]) -> None:
    """Refuse parameter values under which the samples leave double precision (their
    range overflows): no picture can show them."""
    import numpy as np

    draws = flow.compile().sample(2000, seed=0, **values)
    finite = draws[np.isfinite(draws)]
    with np.errstate(over="ignore"):
        spread = float(np.ptp(finite)) if finite.size else float("nan")
    if not np.isfinite(spread) or finite.size < 0.99 * draws.size:
        given = " ".join(f"--set {t}" for t in texts) or "these parameter values"
        raise ParseError(
            f"With {given} the samples of {flow!r} overflow double precision "
            f"({draws.size - finite.size} of {draws.size} are not finite, or their range is "
            f"not a finite number), so they cannot be drawn. Choose smaller values."
        )


def _flow(args: argparse.Namespace):
    return build_flow(args.exprs, args.base, args.var, args.param)


def run_latex(args: argparse.Namespace, out: TextIO) -> int:
    """``symflow latex``: print the derivation."""
    derivation = _flow(args).derivation()
    if args.format == "markdown":
        text = derivation.markdown()
    elif args.format == "text":
        text = str(derivation)
    else:
        text = derivation.latex(full_document=args.full_document)
    print(text.rstrip("\n"), file=out)
    return 0


def run_plot(args: argparse.Namespace, out: TextIO) -> int:
    """``symflow plot``: draw the densities (or stages) into ``--output``."""
    from pathlib import Path

    from symflow.errors import OutputPathError
    from symflow.present import plot
    from symflow.present.plot import check_output_path

    if Path(args.output).is_dir():
        raise OutputPathError(
            f"Cannot write the picture to '{args.output}': it is a folder. Give a file "
            f"name, e.g. {Path(args.output) / 'flow.png'}."
        )
    check_output_path(args.output)
    flow = _flow(args)
    values = _values(args.values, flow)
    _check_samples(flow, values, args.values)
    draw = plot.stages if args.kind == "stages" else plot.densities
    n = args.n if args.kind == "densities" else min(args.n, 50_000)
    picture = draw(flow, n=n, seed=args.seed, dpi=args.dpi, **values)
    path = picture.save(args.output)
    width, height = (int(round(v * args.dpi)) for v in picture.figure.get_size_inches())
    print(f"wrote {path} ({width}x{height} px)", file=out)
    return 0


def run_handout(args: argparse.Namespace, out: TextIO) -> int:
    """``symflow handout``: write the PDF handout to ``--output``."""
    from pathlib import Path

    from symflow.present.handout import check_pdf_path, find_tex_engine, handout

    check_pdf_path(Path(args.output))
    find_tex_engine()
    flow = _flow(args)
    values = _values(args.values, flow) if args.values or not flow.parameters else {}
    if values or not flow.parameters:
        _check_samples(flow, values, args.values)
    path = handout(flow, args.output, title=args.title, n=args.n, seed=args.seed, **values)
    print(f"wrote {path}", file=out)
    return 0
