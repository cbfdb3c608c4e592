"""The textbook derivation of a flow's density, step by step, read from its Program.

For x = f(z), z ~ p_Z, the change-of-variables theorem gives

    p_X(x) = p_Z(f⁻¹(x)) · |d f⁻¹/dx (x)| = p_Z(z) / |f′(z)| at z = f⁻¹(x),

summed over the inverse branches g_b when f is not one-to-one, and for a chain of K layers
(z_K = x, z_{i−1} = f_i⁻¹(z_i))

    log p_X(x) = log p_Z(z_0) − Σ_i log |det ∂f_i/∂z_{i−1}|.

:func:`derive` writes that argument out for one flow: the setting, the theorem, the inverse
(per branch), the derivative or Jacobian and |det| with a word on expansion or
compression, the substitution, the simplified result, the support and, when the result is
a standard distribution, its name. Every intermediate result is read from the flow's
layers and Program (``flow.layers``, ``flow.program``); nothing is derived again. The
:class:`Derivation` renders as LaTeX (``align*``, or a standalone document), Markdown,
Unicode text and in Jupyter.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> d = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)]).derivation()
>>> d.layers[0].branches[0].inverse, d.layers[0].branches[0].abs_det
(x/2 - 3/2, 2)
>>> d.family
Normal(mu=3, sigma=2)
>>> print(d.latex().splitlines()[0])
\\begin{align*}

References
----------
G. Casella and R. L. Berger, *Statistical Inference*, 2nd ed., Duxbury (2002), §2.1 and
§4.3 (transformations of random variables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.closed_form import density_terms, log_density_terms, split_overlaps
from symflow.present.regions import coordinate_bounds, drop_known_signs

__all__ = [
    "Derivation",
    "Step",
    "Row",
    "Lit",
    "LayerInfo",
    "BranchInfo",
    "VectorLayerInfo",
    "derive",
    "dist_latex",
    "escape_latex",
    "shown_function",
]


# ---------------------------------------------------------------------------------------
# Display atoms: literal math, and functions that print as p_Z(·), f⁻¹(·), …
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A piece of notation with its LaTeX and its Unicode text (no SymPy meaning)."""

    latex: str
    text: str


_FUNCTIONS: dict[tuple[str, str], type] = {}


def shown_function(text: str, latex: str) -> type:
    """A SymPy function class that prints as ``text(…)`` / ``latex\\left(…\\right)``.

    Examples
    --------
    >>> import sympy as sp
    >>> p = shown_function("p_Z", "p_{Z}")
    >>> sp.latex(p(sp.Symbol("z")))
    'p_{Z}\\\\left(z\\\\right)'
    """
    key = (text, latex)
    if key in _FUNCTIONS:
        return _FUNCTIONS[key]

    def _latex(self, printer, exp=None):
        args = ", ".join(printer._print(a) for a in self.args)
        body = rf"{latex}\left({args}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _pretty(self, printer):
        return printer._print_Function(self, func_name=text)

    def _sympystr(self, printer):
        return f"{text}({', '.join(printer._print(a) for a in self.args)})"

    cls = type(
        f"Shown{len(_FUNCTIONS)}",
        (sp.Function,),
        {"_latex": _latex, "_pretty": _pretty, "_sympystr": _sympystr},
    )
    _FUNCTIONS[key] = cls
    return cls


Piece = Any  # sp.Basic | Lit | str (str only in prose)


@dataclass(frozen=True)
class Row:
    """lhs = rhs_1 = rhs_2 …, optionally followed by a condition such as x ∈ (0, ∞)."""

    lhs: tuple[Piece, ...]
    rhs: tuple[tuple[Piece, ...], ...]
    condition: tuple[Piece, ...] = ()
    relation: Lit = Lit("=", "=")


@dataclass(frozen=True)
class Step:
    """One step of the argument: a title and blocks of prose (tuples) and rows."""

    title: str
    blocks: tuple[Any, ...]  # each a Prose tuple or a tuple of Row

    @property
    def rows(self) -> tuple[Row, ...]:
        """All equations of the step."""
        return tuple(r for b in self.blocks if _is_rows(b) for r in b)

    def text(self, number: int | None = None) -> str:
        """The step in Unicode: title, prose and pretty-printed equations."""
        head = f"{number}. {self.title}." if number is not None else f"{self.title}."
        out = []
        first = True
        for block in self.blocks:
            if _is_rows(block):
                if first:
                    out.append(head)
                    first = False
                out.append(_rows_text(block))
            else:
                text = _prose_text(block)
                out.append(f"{head} {text}" if first else text)
                first = False
        if first:
            out.append(head)
        return "\n\n".join(out)

    def __str__(self) -> str:
        return self.text()


def _is_rows(block: Any) -> bool:
    return bool(block) and all(isinstance(r, Row) for r in block)


@dataclass(frozen=True)
class BranchInfo:
    """One monotone piece of a layer, in the derivation's display symbols."""

    piece: sp.Set
    image: sp.Set
    direction: int
    inverse: sp.Expr
    derivative: sp.Expr
    abs_det: sp.Expr
    inverse_derivative: sp.Expr
    log_abs_det_jacobian: sp.Expr
    implicit: bool


@dataclass(frozen=True)
class LayerInfo:
    """Layer i: f_i in its input symbol and its branches."""

    index: int
    input_symbol: sp.Symbol
    output_symbol: sp.Symbol
    forward: sp.Expr
    branches: tuple[BranchInfo, ...]


@dataclass(frozen=True)
class VectorLayerInfo:
    """Layer i of a d-dimensional flow, in the derivation's display symbols."""

    index: int
    input_symbols: tuple[sp.Symbol, ...]
    output_symbols: tuple[sp.Symbol, ...]
    forward: sp.Matrix
    inverse: sp.Matrix
    jacobian: sp.Matrix
    determinant: sp.Expr
    log_abs_det_jacobian: sp.Expr
    structure: str


# ---------------------------------------------------------------------------------------
# Rendering helpers
# ---------------------------------------------------------------------------------------

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


_UNICODE_TEXT = {
    "′": "'",
    "⁻": "$^{-}$",
    "¹": "$^{1}$",
    "×": r"$\times$",
    "∘": r"$\circ$",
    "−": "-",
    "…": r"\ldots{}",
    "∂": r"$\partial$",
    "ℝ": r"$\mathbb{R}$",
    "∈": r"$\in$",
    "Σ": r"$\Sigma$",
    "∞": r"$\infty$",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "→": r"$\to$",
    "é": r"\'e",
    "·": r"$\cdot$",
    "|": r"$|$",
    "<": r"$<$",
    ">": r"$>$",
}


def escape_latex(text: str) -> str:
    """Text-mode LaTeX: special characters escaped, known Unicode symbols translated.

    Only ASCII is emitted; an unknown non-ASCII character becomes ``?``.

    Examples
    --------
    >>> escape_latex("50% of x_1 & more")
    '50\\\\% of x\\\\_1 \\\\& more'
    >>> escape_latex("f′ × 2")
    "f' $\\\\times$ 2"
    """
    out = "".join(_LATEX_SPECIAL.get(c, _UNICODE_TEXT.get(c, c)) for c in text)
    out = out.replace("$^{-}$$^{1}$", "$^{-1}$")
    return out.encode("ascii", "replace").decode("ascii")


def _piece_latex(piece: Piece) -> str:
    if isinstance(piece, Lit):
        return piece.latex
    if isinstance(piece, str):
        return rf"\text{{{escape_latex(piece)}}}"
    return sp.latex(piece)


def _pieces_latex(pieces: tuple[Piece, ...]) -> str:
    return " ".join(_piece_latex(p) for p in pieces)


def _inline_text(piece: Piece) -> str:
    if isinstance(piece, Lit):
        return piece.text
    if isinstance(piece, str):
        return piece
    pretty = sp.pretty(piece, use_unicode=True, wrap_line=False)
    return pretty if "\n" not in pretty else sp.sstr(piece)


def _prose_latex(prose: tuple[Piece, ...]) -> str:
    """Prose for text mode: strings escaped, math in $…$."""
    out = []
    for p in prose:
        if isinstance(p, str):
            out.append(escape_latex(p))
        else:
            out.append(f"${_piece_latex(p)}$")
    return "".join(out)


def _prose_math(prose: tuple[Piece, ...]) -> str:
    """Prose inside math mode (MathJax-safe): strings in \\text{…}, math inline."""
    out = []
    for p in prose:
        if isinstance(p, str):
            if p:
                out.append(rf"\text{{{escape_latex(p)}}}")
        else:
            out.append(_piece_latex(p))
    return " ".join(out)


def _prose_text(prose: tuple[Piece, ...]) -> str:
    return "".join(_inline_text(p) for p in prose)


#: Printed width, in characters of ordinary text, beyond which a row is broken: about the
#: width of a handout's text block at 10pt.
LINE_WIDTH = 90


def _width(latex: str) -> int:
    """A rough printed width of LaTeX math: sizing commands and braces print nothing,
    a fraction is as wide as its wider part, other commands one character."""
    text = re.sub(r"\\(left|right|quad|,|;|!)", "", latex)
    while True:
        match = re.search(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", text)
        if match is None:
            break
        wider = max(match.group(1), match.group(2), key=len)
        text = text[: match.start()] + wider + text[match.end() :]
    text = re.sub(r"\\[A-Za-z]+", "x", text)
    text = re.sub(r"[{}^_]", "", text)
    return len(text.replace(" ", ""))


def _sum_lines(expr: Any, budget: int) -> list[str] | None:
    """A long sum as lines of terms, each line's leading sign kept: [a + b, + c − d, …]."""
    if not isinstance(expr, sp.Add):
        return None
    lines: list[str] = []
    current = ""
    for term in expr.as_ordered_terms():
        negative = term.could_extract_minus_sign()
        body = sp.latex(-term if negative else term)
        if isinstance(-term if negative else term, sp.Add):
            body = rf"\left({body}\right)"
        sign = "- " if negative else ("+ " if current or lines else "")
        piece = f"{sign}{body}"
        if current and _width(current + piece) > budget:
            lines.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    lines.append(current)
    return lines if len(lines) > 1 else None


def _row_latex(row: Row) -> str:
    lhs = _pieces_latex(row.lhs)
    rel = row.relation.latex
    parts = [f"{lhs} &{rel} {_pieces_latex(row.rhs[0])}"]
    parts += [f"{rel} {_pieces_latex(r)}" for r in row.rhs[1:]]
    text = " ".join(parts)
    condition = r", \quad " + _pieces_latex(row.condition) if row.condition else ""
    if _width(text + condition) <= LINE_WIDTH:
        return text + condition
    # too wide for the page: one right-hand side per line, and long sums broken into
    # continuation lines aligned after the relation
    lines = []
    for i, rhs in enumerate(row.rhs):
        head = f"{lhs} &{rel} " if i == 0 else f"&{rel} "
        pieces = _pieces_latex(rhs)
        split = None
        if len(rhs) == 1 and _width(pieces) > LINE_WIDTH - _width(lhs) - 4:
            split = _sum_lines(rhs[0], LINE_WIDTH - _width(lhs) - 4)
        if split is None:
            lines.append(head + pieces)
        else:
            lines.append(head + split[0])
            lines += [rf"&\quad {part}" for part in split[1:]]
    lines[-1] += condition
    return " \\\\\n".join(lines)


def _pretty_form(pieces: tuple[Piece, ...]):
    from sympy.printing.pretty.pretty import PrettyPrinter
    from sympy.printing.pretty.stringpict import prettyForm, stringPict

    printer = PrettyPrinter({"use_unicode": True, "wrap_line": False})
    forms = []
    for p in pieces:
        if isinstance(p, Lit | str):
            forms.append(prettyForm(p.text if isinstance(p, Lit) else p))
        else:
            forms.append(printer._print(p))
        forms.append(prettyForm(" "))
    forms = forms[:-1] or [prettyForm("")]
    return prettyForm(*stringPict.next(*forms))


def _rows_text(rows: tuple[Row, ...], indent: str = "    ") -> str:
    from sympy.printing.pretty.stringpict import prettyForm, stringPict

    lhs_forms = [_pretty_form(r.lhs) if r.lhs else prettyForm("") for r in rows]
    width = max(f.width() for f in lhs_forms)
    blocks = []
    for row, lhs in zip(rows, lhs_forms, strict=True):
        pad = prettyForm(" " * (width - lhs.width()))
        pieces = [pad, lhs]
        for rhs in row.rhs:
            pieces += [prettyForm(f" {row.relation.text} "), _pretty_form(rhs)]
        if row.condition:
            pieces += [prettyForm(",  "), _pretty_form(row.condition)]
        form = prettyForm(*stringPict.next(*pieces))
        blocks.append("\n".join(indent + line.rstrip() for line in form.picture))
    return "\n".join(blocks)


# ---------------------------------------------------------------------------------------
# The Derivation object
# ---------------------------------------------------------------------------------------

#: Tighter display spacing, so that a derivation of many short steps reads as one page.
COMPACT_DISPLAYS = r"""\makeatletter
\def\symflow@compact{%
  \setlength\abovedisplayskip{4pt}\setlength\belowdisplayskip{4pt}%
  \setlength\abovedisplayshortskip{2pt}\setlength\belowdisplayshortskip{2pt}}
\g@addto@macro\normalsize{\symflow@compact}
\g@addto@macro\small{\symflow@compact}
\makeatother
"""

_PREAMBLE = (
    r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\allowdisplaybreaks
"""
    + COMPACT_DISPLAYS
)


@dataclass(frozen=True)
class Derivation:
    """The derivation of p_X(x) = p_Z(f^-1(x)) |d f^-1/dx|; render it with .latex() or str().

    ``.markdown()`` and ``.latex_aligned()`` render it for notebooks and web pages.

    Attributes
    ----------
    steps : tuple of Step
        The argument, in order.
    layers : tuple of LayerInfo
        Per layer and branch: inverse, derivative f', |det J|, |d f^-1/dx|, log|det J|
        (scalar flows; empty for d-dimensional ones).
    input_symbol, output_symbol : sympy.Symbol
        The symbols of the base variable (z, or z_0) and of the result (x).
    result : tuple of (expr, region)
        The simplified density on each region of x.
    log_terms : tuple of sympy.Expr
        log|det df_i/dz_(i-1)| of each layer written in x (first inverse path).
    support : sympy.Set or Boolean
        Where the density is positive.
    family : Family or None
        The recognised named distribution.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> d = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).derivation()
    >>> d
    <Derivation of Flow(Normal(0, 1), [exp(z)]): 8 steps>
    >>> [step.title for step in d.steps][:3]
    ['Setting', 'The change-of-variables theorem', 'The inverse']
    >>> d.density
    sqrt(2)*exp(-log(x)**2/2)/(2*sqrt(pi)*x)
    >>> d.family
    LogNormal(mu=0, sigma=1)
    """

    flow: Any
    steps: tuple[Step, ...]
    input_symbol: sp.Symbol
    output_symbol: sp.Symbol
    layers: tuple[LayerInfo, ...]
    result: tuple[tuple[sp.Expr, Any], ...]
    log_result: tuple[tuple[sp.Expr, Any], ...]
    log_terms: tuple[sp.Expr, ...]
    support: Any
    family: Any = None
    extras: dict = field(default_factory=dict)

    @property
    def density(self) -> sp.Expr:
        """p_X in the output symbol (a Piecewise when there are several regions)."""
        return self.flow.density(self.output_symbol)

    # -- renderings ---------------------------------------------------------------------
    def latex(self, full_document: bool = False, title: str | None = None) -> str:
        r"""The derivation of p_X as one LaTeX ``align*`` block (prose in ``\intertext``).

        With ``full_document=True`` a standalone file that pdflatex compiles (packages
        amsmath, amssymb, geometry), headed by ``title``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> d = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).derivation()
        >>> lines = d.latex().splitlines()
        >>> print(lines[0], lines[-1])
        \begin{align*} \end{align*}
        >>> print(d.latex(full_document=True).splitlines()[0])
        \documentclass[11pt]{article}
        """
        lines = [r"\begin{align*}"]
        pending_break = False
        for number, step in enumerate(self.steps, start=1):
            head = rf"\textbf{{{number}. {escape_latex(step.title)}.}}"
            first = True
            for block in step.blocks:
                if _is_rows(block):
                    if first:
                        if pending_break:
                            lines[-1] += r" \\"
                        lines.append(rf"\intertext{{{head}}}")
                        pending_break = False
                        first = False
                    for row in block:
                        if pending_break:
                            lines[-1] += r" \\"
                        lines.append(_row_latex(row))
                        pending_break = True
                else:
                    text = _prose_latex(block)
                    if first:
                        text = f"{head} {text}"
                        first = False
                    if pending_break:
                        lines[-1] += r" \\"
                        pending_break = False
                    lines.append(rf"\intertext{{{text}}}")
            if first:  # a step without prose: a title line anyway
                if pending_break:
                    lines[-1] += r" \\"
                    pending_break = False
                lines.insert(len(lines), rf"\intertext{{{head}}}")
        lines.append(r"\end{align*}")
        body = "\n".join(lines)
        if not full_document:
            return body
        heading = escape_latex(title or f"The density of X = f(Z), Z ~ {self.flow.base!r}")
        return (
            _PREAMBLE
            + r"\begin{document}"
            + "\n"
            + rf"\section*{{{heading}}}"
            + "\n"
            + body
            + "\n"
            + r"\end{document}"
            + "\n"
        )

    def latex_aligned(self) -> str:
        r"""The derivation of p_X as one ``aligned`` block between ``$$`` marks (MathJax and LaTeX).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> d = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).derivation()
        >>> text = d.latex_aligned()
        >>> print(text.splitlines()[0])
        $$\begin{aligned}
        >>> print(text.splitlines()[1])
        &\textbf{1. Setting.} \\
        """
        lines = []
        for number, step in enumerate(self.steps, start=1):
            lines.append(rf"&\textbf{{{number}. {escape_latex(step.title)}.}}")
            for block in step.blocks:
                if _is_rows(block):
                    lines.extend(_row_latex(r) for r in block)
                else:
                    lines.append("&" + _prose_math(block))
        return "$$\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}$$"

    def markdown(self) -> str:
        """The derivation of p_X in Markdown: prose with $...$, equations in $$ aligned blocks.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> d = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).derivation()
        >>> text = d.markdown()
        >>> print(text.splitlines()[0][:15])
        **1. Setting.**
        >>> text.count("$$") % 2
        0
        """
        out = []
        for number, step in enumerate(self.steps, start=1):
            head = f"**{number}. {step.title}.**"
            first = True
            for block in step.blocks:
                if _is_rows(block):
                    if first:
                        out.append(head)
                        first = False
                    body = " \\\\\n".join(_row_latex(r) for r in block)
                    out.append(f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$")
                else:
                    text = "".join(
                        p if isinstance(p, str) else f"${_piece_latex(p)}$" for p in block
                    )
                    out.append(f"{head} {text}" if first else text)
                    first = False
            if first:
                out.append(head)
        return "\n\n".join(out) + "\n"

    def __str__(self) -> str:
        return "\n\n".join(step.text(n) for n, step in enumerate(self.steps, start=1)) + "\n"

    def __repr__(self) -> str:
        return f"<Derivation of {self.flow!r}: {len(self.steps)} steps>"

    def _repr_latex_(self) -> str:
        return self.latex_aligned()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_html_(self) -> str:
        from symflow.present.html import math_markdown_html

        return math_markdown_html(self.markdown())


# ---------------------------------------------------------------------------------------
# Building the derivation
# ---------------------------------------------------------------------------------------


def _like(original: sp.Symbol, name: str) -> sp.Symbol:
    if original.is_positive:
        return sp.Symbol(name, positive=True)
    if original.is_negative:
        return sp.Symbol(name, negative=True)
    return sp.Symbol(name, real=True)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Bounded tidying for display: powsimp, then cancel if that is not longer."""
    if not isinstance(expr, sp.Expr) or sp.count_ops(expr) > 200:
        return expr
    out = attempt(lambda: sp.powsimp(sp.powdenest(expr)), 2.0, expr)
    alt = attempt(lambda: sp.cancel(out), 2.0, out)
    if sp.count_ops(alt) < sp.count_ops(out):
        out = alt
    return out


def dist_latex(base: Any) -> str:
    r"""LaTeX of a base distribution, e.g. ``\mathrm{Normal}\left(0, 1\right)``.

    Examples
    --------
    >>> from symflow.core.distributions import Normal
    >>> dist_latex(Normal(0, 1))
    '\\mathrm{Normal}\\left(0, 1\\right)'
    """
    components = getattr(base, "components", None)
    if components is not None:
        return r" \otimes ".join(dist_latex(c) for c in components)
    params = getattr(base, "params", {}) or {}
    args = ", ".join(sp.latex(v) for v in params.values())
    return rf"\mathrm{{{base.name}}}\left({args}\right)"


def _dist_text(base: Any) -> str:
    components = getattr(base, "components", None)
    if components is not None:
        return " ⊗ ".join(_dist_text(c) for c in components)
    return repr(base)


def _set_lit(s: Any) -> Lit:
    return Lit(sp.latex(s), sp.pretty(s, use_unicode=True, wrap_line=False))


def _in(symbol: sp.Symbol, s: Any) -> tuple[Piece, ...]:
    return (symbol, Lit(r"\in", "∈"), _set_lit(s))


class _Names:
    """Display symbols: z and x for one layer; z_0 … z_K and x for a chain."""

    def __init__(self, flow: Any):
        transforms = flow.transforms
        var = transforms[0].var if transforms and transforms[0].dimension == 1 else None
        self.v = var.name if var is not None and var.name != "x" else "z"
        self.x_name = "x" if self.v != "x" else "y"
        self.k = len(flow.layers)
        program = flow.program
        self.mapping: dict[sp.Symbol, sp.Symbol] = {}
        self.x = _like(program.x, self.x_name)
        if self.k <= 1:
            base_sym = flow.layers[0].input_symbol if flow.layers else program.base_symbol
            self.z = _like(base_sym, self.v)
            self.zs = [self.z, self.x]
            self.mapping[base_sym] = self.z
            if flow.layers:
                self.mapping[flow.layers[0].output_symbol] = self.x
        else:
            self.zs = [_like(flow.layers[0].input_symbol, f"{self.v}_0")]
            self.mapping[flow.layers[0].input_symbol] = self.zs[0]
            for layer in flow.layers:
                shown = _like(layer.output_symbol, f"{self.v}_{layer.index}")
                self.zs.append(shown)
                self.mapping[layer.output_symbol] = shown
                self.mapping.setdefault(layer.input_symbol, self.zs[layer.index - 1])
            self.z = self.zs[0]
        self.mapping[program.x] = self.x

    def __call__(self, expr: Any) -> Any:
        return expr.xreplace(self.mapping) if hasattr(expr, "xreplace") else expr

    def sym(self, i: int) -> sp.Symbol:
        """The display symbol of z_i (z and x when there is one layer)."""
        return self.zs[i]


def _regime(abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set, what: str) -> tuple[Piece, ...]:
    """A sentence on expansion (|f′| > 1 thins the density) or compression (< 1)."""
    w = _what_latex(what)

    def size(rel: str = "") -> Lit:
        return Lit(rf"|{w}|{rel}", f"|{what}|{rel}")

    generic = (
        "Where ",
        size(" > 1"),
        " the map stretches lengths (expansion): the same probability is spread over a "
        "longer interval, so the density is thinned; where ",
        size(" < 1"),
        " it compresses them and the density is concentrated.",
    )
    if t not in abs_det.free_symbols:
        if abs_det.free_symbols:
            return generic
        if abs_det > 1:
            return (
                Lit(rf"|{w}| = {sp.latex(abs_det)} > 1", f"|{what}| = {abs_det} > 1"),
                " everywhere: the map stretches every interval by the factor ",
                abs_det,
                " (expansion), so the same probability is spread over a longer interval and "
                "the density is thinned: divided by ",
                abs_det,
                ".",
            )
        if abs_det < 1:
            return (
                Lit(rf"|{w}| = {sp.latex(abs_det)} < 1", f"|{what}| = {abs_det} < 1"),
                " everywhere: the map shrinks every interval by the factor ",
                abs_det,
                " (compression), so the same probability is packed into a shorter interval "
                "and the density is concentrated: multiplied by ",
                _tidy(1 / abs_det),
                ".",
            )
        return (
            Lit(rf"|{w}| = 1", f"|{what}| = 1"),
            ": lengths are preserved, the density is only moved.",
        )
    if abs_det.free_symbols - {t}:
        return generic
    regions = _split_at_one(abs_det, t, piece)
    if regions is None:
        return generic
    expand = [r for r, big in regions if big]
    compress = [r for r, big in regions if not big]
    if not (expand and compress):
        return _one_regime(abs_det, t, piece, what, bool(expand))
    out: list[Piece] = [size(), " varies with ", t, ": "]
    if expand:
        out += [
            "the map stretches lengths (expansion, density thinned) where ",
            size(" > 1"),
            ", for ",
            Lit(
                rf"{sp.latex(t)} \in {sp.latex(sp.Union(*expand))}",
                f"{t} ∈ {_set_lit(sp.Union(*expand)).text}",
            ),
        ]
    if expand and compress:
        out += ["; it "]
    elif compress:
        out += ["the map "]
    if compress:
        out += [
            "compresses them (compression, density concentrated) where ",
            size(" < 1"),
            ", for ",
            Lit(
                rf"{sp.latex(t)} \in {sp.latex(sp.Union(*compress))}",
                f"{t} ∈ {_set_lit(sp.Union(*compress)).text}",
            ),
        ]
    out.append(".")
    return tuple(out)


def _one_regime(
    abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set, what: str, expands: bool
) -> tuple[Piece, ...]:
    """|f′| stays on one side of 1 on the whole piece: one specific sentence."""
    w = _what_latex(what)
    rel_tex, rel_txt = (">", ">") if expands else ("<", "<")
    claim = Lit(
        rf"|{w}| = {sp.latex(abs_det)} {rel_tex} 1",
        f"|{what}| = {_inline_text(abs_det)} {rel_txt} 1",
    )
    where = Lit(
        rf"{sp.latex(t)} \in {sp.latex(piece)}",
        f"{t} ∈ {_set_lit(piece).text}",
    )
    if expands:
        return (
            claim,
            " for every ",
            where,
            ": the map stretches every interval (expansion), so the same probability is "
            "spread over a longer interval and the density is thinned, divided by ",
            Lit(rf"|{w}|", f"|{what}|"),
            ".",
        )
    return (
        claim,
        " for every ",
        where,
        ": the map shrinks every interval (compression), so the same probability is "
        "packed into a shorter interval and the density is concentrated, multiplied by ",
        Lit(rf"1/|{w}| > 1", f"1/|{what}| > 1"),
        ".",
    )


def _what_latex(what: str) -> str:
    out = what.replace("′", "'").replace("det J", r"\det J")
    return re.sub(r"_(\d+)", r"_{\1}", out)


def _split_at_one(abs_det: sp.Expr, t: sp.Symbol, piece: sp.Set):
    """[(sub-interval, |f′| > 1 there)] or None when the crossings are not found."""
    from symflow.core.intervals import as_intervals, interior_point

    if not isinstance(piece, sp.Interval):
        return None
    crossings = attempt(lambda: sp.solveset(sp.Eq(abs_det, 1), t, piece), 3.0, None)
    if crossings is None or not (crossings.is_empty or isinstance(crossings, sp.FiniteSet)):
        return None
    points = [] if crossings.is_empty else sorted(crossings, key=lambda v: float(v))
    if len(points) > 6:
        return None
    edges = [piece.inf, *points, piece.sup]
    out = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        part = sp.Interval.open(lo, hi)
        for p in as_intervals(part):
            value = attempt(lambda p=p: float(abs_det.subs(t, interior_point(p))), 2.0, None)
            if value is None:
                return None
            if value != 1:
                out.append((p, value > 1))
    return out


def _layer_info(layer: Any, names: _Names) -> LayerInfo:
    t, y = layer.input_symbol, layer.output_symbol
    branches = []
    for b in layer.branches:
        abs_det = _tidy(b.direction * b.derivative)
        inv_d = _tidy(1 / abs_det.xreplace({t: b.inverse}))
        branches.append(
            BranchInfo(
                piece=b.piece,
                image=b.image,
                direction=b.direction,
                inverse=names(b.inverse),
                derivative=names(b.derivative),
                abs_det=names(abs_det),
                inverse_derivative=names(inv_d),
                log_abs_det_jacobian=names(b.log_abs_det_jacobian),
                implicit=b.implicit,
            )
        )
    return LayerInfo(layer.index, names(t), names(y), names(layer.forward), tuple(branches))


def _family(flow: Any):
    try:
        return flow.family()
    except Exception:  # noqa: BLE001 - a failed recognition must not stop the derivation
        return None


def derive(flow: Any) -> Derivation:
    """The step-by-step derivation of ``flow``'s density (see the module docstring).

    Parameters
    ----------
    flow : Flow
        A scalar or d-dimensional flow.

    Returns
    -------
    Derivation
        Render with ``.latex()``, ``.latex(full_document=True)``, ``.markdown()`` or
        ``str()``; read intermediate results from ``.layers``, ``.result``,
        ``.log_terms``, ``.support`` and ``.family``.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> d = derive(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]))
    >>> [s.title for s in d.steps][:4]
    ['Setting', 'The change-of-variables theorem', 'The inverse', 'The derivative and the Jacobian']
    >>> d.layers[0].branches[0].inverse_derivative
    1/x
    """
    if getattr(flow, "reduction", None) is not None:
        from symflow.present.marginal_derivation import derive_reduction

        return derive_reduction(flow)
    if getattr(flow, "dimension", 1) > 1:
        return _derive_vector(flow)
    names = _Names(flow)
    layers = tuple(_layer_info(layer, names) for layer in flow.layers)
    program = flow.program
    x = names.x
    result = tuple((names(e), r) for e, r in density_terms(program))
    log_result = tuple((names(e), r) for e, r in log_density_terms(program))
    log_terms = _log_terms(program, names)
    family = _family(flow)
    support = flow.support
    k = len(layers)
    steps = [_setting(flow, names, layers)]
    if k == 0:
        steps.append(
            Step(
                "No transform",
                (
                    (
                        "With no transform, X = Z and ",
                        shown_function("p_X", "p_{X}")(x),
                        " = ",
                        shown_function("p_Z", "p_{Z}")(x),
                        ".",
                    ),
                ),
            )
        )
    elif k == 1:
        steps += [
            _theorem_one(layers[0], names),
            _inverse_one(layers[0], names),
            _derivative_one(layers[0], names, flow.layers[0]),
            _substitution_one(flow, layers[0], names),
        ]
    else:
        steps.append(_theorem_chain(names, k))
        steps += [_layer_step(info, names, k) for info in layers]
        steps.append(_inverse_pass(program, names))
        steps.append(_log_likelihood(program, names, k, log_terms, log_result))
    steps.append(_result_step(result, log_result, names, log_form=k <= 1))
    steps.append(_support_step(flow, names, support))
    if family is not None:
        steps.append(_family_step(family, names))
    return Derivation(
        flow=flow,
        steps=tuple(steps),
        input_symbol=names.z,
        output_symbol=x,
        layers=layers,
        result=result,
        log_result=log_result,
        log_terms=log_terms,
        support=support,
        family=family,
    )


def _log_terms(program: Any, names: _Names) -> tuple[sp.Expr, ...]:
    if not program.paths:
        return ()
    values: dict[sp.Symbol, sp.Expr] = {}
    out = []
    for a in program.paths[0].assignments:
        value = a.value.xreplace(values)
        values[a.target] = value
        if a.kind == "log_det":
            out.append(names(_tidy(value)))
    return tuple(out)


def _pz(arg: Any) -> sp.Expr:
    return shown_function("p_Z", "p_{Z}")(arg)


def _px(arg: Any) -> sp.Expr:
    return shown_function("p_X", "p_{X}")(arg)


def _f(i: int | None, k: int) -> tuple[str, str]:
    """(text, latex) of f or f_i."""
    if i is None or k <= 1:
        return "f", "f"
    return f"f_{i}", f"f_{{{i}}}"


def _finv(i: int | None, k: int):
    text, latex = _f(i, k)
    return shown_function(f"{text}⁻¹", f"{latex}^{{-1}}")


def _setting(flow: Any, names: _Names, layers: tuple[LayerInfo, ...]) -> Step:
    z = names.z
    base = flow.base
    base_lit = Lit(rf"Z \sim {dist_latex(base)}", f"Z ~ {_dist_text(base)}")
    rows = [Row((_pz(z),), ((base.density(z),),), _in(z, base.support))]
    k = len(layers)
    prose: list[Piece] = ["Let ", base_lit, ", with density"]
    blocks: list[Any] = [tuple(prose), tuple(rows)]
    if k == 1:
        blocks.append(("and let ", Lit("X = f(Z)", "X = f(Z)"), " with"))
        f = shown_function("f", "f")
        blocks.append((Row((f(z),), ((layers[0].forward,),)),))
        named = _named_method(base, layers[0].forward.xreplace({layers[0].input_symbol: z}), z)
        if named is not None:
            blocks.append((named,))
    elif k > 1:
        chain_tex = r" \circ ".join(f"f_{{{i}}}" for i in range(k, 0, -1))
        chain_txt = " ∘ ".join(f"f_{i}" for i in range(k, 0, -1))
        blocks.append(
            (
                "and let ",
                Lit(rf"X = {chain_tex}(Z)", f"X = {chain_txt}(Z)"),
                f", a chain of {k} transforms applied in order:",
            )
        )
        frows = []
        for info in layers:
            fi = shown_function(*_f(info.index, k))
            zi = names.sym(info.index - 1)
            frows.append(Row((fi(zi),), ((info.forward.xreplace({info.input_symbol: zi}),),)))
        blocks.append(tuple(frows))
    return Step("Setting", tuple(blocks))


def _named_method(base: Any, f: sp.Expr, z: sp.Symbol) -> str | None:
    """The name of the change of variables when it has one: f = F_Z is the probability
    integral transform; any increasing f on U(0, 1) is the inverse-CDF method."""
    from symflow.core.budget import attempt

    cdf = attempt(lambda: base.cdf(z), 5.0, None)
    if cdf is not None:
        points = (sp.Rational(1, 3), sp.Rational(7, 5), -sp.Rational(1, 2))
        inside = [p for p in points if base.support.contains(p) == sp.true]
        same = inside and all(
            attempt(lambda p=p: abs(complex((f - cdf).subs(z, p).evalf(30))) < 1e-25, 5.0, False)
            for p in inside
        )
        if same:
            return (
                "Here f is the CDF of Z itself: this is the probability integral transform, "
                "so X = F_Z(Z) is uniform on (0, 1)."
            )
    if base.support == sp.Interval(0, 1) or base.support == sp.Interval.open(0, 1):
        if attempt(lambda: base.density(z) == 1, 2.0, False):
            return (
                "Z is uniform on (0, 1), so this is the inverse-CDF method: when f is the "
                "quantile function F⁻¹ of a distribution, X = F⁻¹(Z) has that distribution, "
                "and F(X) = Z is the probability integral transform back."
            )
    return None


def _direction_word(direction: int) -> str:
    return "strictly increasing" if direction > 0 else "strictly decreasing"


def _theorem_one(info: LayerInfo, names: _Names) -> Step:
    x = names.x
    finv = _finv(None, 1)
    if len(info.branches) == 1:
        b = info.branches[0]
        prose = (
            "The map f is ",
            _direction_word(b.direction),
            " on ",
            _set_lit(b.piece),
            ", hence one-to-one with an inverse on its image. For such a map the "
            "probability in a small interval is conserved, ",
            Lit(r"p_X(x)\,|dx| = p_Z(z)\,|dz|", "p_X(x)|dx| = p_Z(z)|dz|"),
            ", which gives the change-of-variables formula",
        )
        jac = Lit(
            rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|",
            f"|d/d{x} f⁻¹({x})|",
        )
        row = Row((_px(x),), ((_pz(finv(x)), Lit(r"\cdot", "·"), jac),))
        return Step("The change-of-variables theorem", (prose, (row,)))
    n = len(info.branches)
    prose = (
        f"The map f is not one-to-one on the support: it is strictly monotone on each of {n} "
        "pieces, and on piece b it has its own inverse ",
        Lit("g_b", "g_b"),
        ". A value x has one preimage in every piece whose image contains it, and the "
        "probability arriving at x is the sum over them:",
    )
    gb = shown_function("g_b", "g_{b}")
    jac = Lit(rf"\left|g_b'\left({x}\right)\right|", f"|g_b′({x})|")
    row = Row(
        (_px(x),),
        ((Lit(r"\sum_{b}", "Σ_b"), _pz(gb(x)), Lit(r"\cdot", "·"), jac),),
    )
    return Step("The change-of-variables theorem", (prose, (row,)))


def _inverse_one(info: LayerInfo, names: _Names) -> Step:
    z, x = names.z, names.x
    if len(info.branches) == 1:
        b = info.branches[0]
        finv = _finv(None, 1)
        if b.implicit:
            prose = (
                "The equation ",
                Lit(rf"{x} = f({z})", f"{x} = f({z})"),
                " has no closed-form solution for ",
                z,
                "; its unique root on the piece is written ",
                finv(x),
                " and is found numerically (a bracketed Newton iteration in the compiled kernel):",
            )
            row = Row((z,), ((finv(x),),), _in(x, b.image))
        else:
            prose = ("Solving ", Lit(rf"{x} = f({z})", f"{x} = f({z})"), " for ", z, ":")
            row = Row((z,), ((finv(x),), (b.inverse,)), _in(x, b.image))
        return Step("The inverse", (prose, (row,)))
    blocks: list[Any] = [
        ("Solving ", Lit(rf"{x} = f({z})", f"{x} = f({z})"), " for ", z, " on each piece:")
    ]
    rows = []
    for j, b in enumerate(info.branches, start=1):
        g = shown_function(f"g_{j}", f"g_{{{j}}}")
        rows.append(Row((g(x),), ((b.inverse,),), _in(x, b.image)))
    blocks.append(tuple(rows))
    words = []
    for j, b in enumerate(info.branches, start=1):
        words += [
            Lit(f"g_{{{j}}}", f"g_{j}"),
            " inverts f on ",
            _set_lit(b.piece),
            f", where f is {_direction_word(b.direction)[9:]}",
        ]
        words.append("; " if j < len(info.branches) else ".")
    blocks.append(tuple(words))
    return Step("The inverse", tuple(blocks))


def _derivative_one(info: LayerInfo, names: _Names, layer: Any) -> Step:
    z, x = names.z, names.x
    f = shown_function("f", "f")
    fprime = shown_function("f′", "f'")
    b0 = info.branches[0]
    blocks: list[Any] = [
        ("The derivative of f is the 1×1 Jacobian matrix, so its determinant is f′ itself:",),
        (Row((fprime(z),), ((b0.derivative,),)),),
    ]
    absdet = Lit(r"\left|\det J\right|", "|det J|")
    if len(info.branches) == 1:
        b = b0
        finv = _finv(None, 1)
        rows = [
            Row(
                (absdet,), ((Lit(rf"\left|f'\left({z}\right)\right|", f"|f′({z})|"),), (b.abs_det,))
            ),
            Row(
                (
                    Lit(
                        rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|",
                        f"|d/d{x} f⁻¹({x})|",
                    ),
                ),
                (
                    (
                        Lit(
                            rf"\frac{{1}}{{\left|f'\left({sp.latex(finv(x))}\right)\right|}}",
                            f"1/|f′(f⁻¹({x}))|",
                        ),
                    ),
                    (b.inverse_derivative,),
                ),
            ),
        ]
        blocks.append(tuple(rows))
        blocks.append(_regime(b.abs_det, z, b.piece, "f′"))
    else:
        rows = []
        for j, b in enumerate(info.branches, start=1):
            g = shown_function(f"g_{j}", f"g_{{{j}}}")
            rows.append(
                Row(
                    (Lit(rf"\left|g_{{{j}}}'\left({x}\right)\right|", f"|g_{j}′({x})|"),),
                    (
                        (
                            Lit(
                                rf"\frac{{1}}{{\left|f'\left({sp.latex(g(x))}\right)\right|}}",
                                f"1/|f′(g_{j}({x}))|",
                            ),
                        ),
                        (b.inverse_derivative,),
                    ),
                )
            )
        blocks.append(
            (
                "On each piece ",
                absdet,
                " = ",
                Lit(rf"|f'({z})|", f"|f′({z})|"),
                " and the inverse has derivative 1/|f′| at the preimage:",
            )
        )
        blocks.append(tuple(rows))
        for j, b in enumerate(info.branches, start=1):
            blocks.append(
                (f"On piece {j}, ", _set_lit(b.piece), ": ", *_regime(b.abs_det, z, b.piece, "f′"))
            )
    del f, layer
    return Step("The derivative and the Jacobian", tuple(blocks))


def _substitution_one(flow: Any, info: LayerInfo, names: _Names) -> Step:
    x = names.x
    base = flow.base
    terms: list[Piece] = []
    for j, b in enumerate(info.branches):
        if j:
            terms.append(Lit("+", "+"))
        terms += [base.density(b.inverse), Lit(r"\cdot", "·"), b.inverse_derivative]
    if len(info.branches) == 1:
        finv = _finv(None, 1)
        symbolic: tuple[Piece, ...] = (
            _pz(finv(x)),
            Lit(r"\cdot", "·"),
            Lit(rf"\left|\frac{{d}}{{d{x}}} f^{{-1}}\left({x}\right)\right|", f"|d/d{x} f⁻¹({x})|"),
        )
        prose = (
            "Substituting the inverse and the factor |d f⁻¹/dx| into the formula, with ",
            _pz(names.z),
            " from step 1:",
        )
    else:
        return _substitution_branches(flow, info, names)
    rows = (Row((_px(x),), (symbolic,)), Row((), (tuple(terms),)))
    return Step("Substitution", (prose, rows))


def _substitution_branches(flow: Any, info: LayerInfo, names: _Names) -> Step:
    """Σ_b p_Z(g_b(x))|g_b′(x)| on each piece of the support, over the branches covering it.

    The images of the branches may overlap only in part (z² on U(−1, 2)): the support is
    split at every edge of an image, and each piece sums the branches whose image
    contains it.
    """
    x = names.x
    base = flow.base
    pieces = split_overlaps([b.image for b in info.branches])
    rows = []
    for piece, members in pieces:
        symbolic: tuple[Piece, ...] = ()
        values: tuple[Piece, ...] = ()
        for j in members:
            b = info.branches[j]
            g = shown_function(f"g_{j + 1}", f"g_{{{j + 1}}}")
            if symbolic:
                symbolic += (Lit("+", "+"),)
                values += (Lit("+", "+"),)
            symbolic += (
                _pz(g(x)),
                Lit(r"\cdot", "·"),
                Lit(rf"\left|g_{{{j + 1}}}'\left({x}\right)\right|", f"|g_{j + 1}′({x})|"),
            )
            values += (base.density(b.inverse), Lit(r"\cdot", "·"), b.inverse_derivative)
        rows.append(Row((_px(x),), (symbolic,), _in(x, piece)))
        rows.append(Row((), (values,)))
    if len(pieces) == 1:
        prose: tuple[Piece, ...] = (
            "Substituting each branch into the sum, with ",
            _pz(names.z),
            " from step 1:",
        )
    else:
        edges = sorted(
            {e for piece, _ in pieces for e in (piece.inf, piece.sup) if e.is_finite},
            key=lambda e: float(e),
        )
        prose = (
            "The images of the branches differ, so a value x has a preimage only in the "
            "pieces whose image contains it. Splitting the support at ",
            Lit(
                ", ".join(sp.latex(e) for e in edges),
                ", ".join(sp.sstr(e) for e in edges),
            ),
            " and substituting, on each part, the branches that reach it (with ",
            _pz(names.z),
            " from step 1):",
        )
    return Step("Substitution", (prose, tuple(rows)))


def _theorem_chain(names: _Names, k: int) -> Step:
    v = names.v
    prose = (
        "Apply the change of variables once per layer. Write ",
        Lit(rf"{v}_{{{k}}} = {names.x}", f"{v}_{k} = {names.x}"),
        " and run the chain backwards, ",
        Lit(rf"{v}_{{i-1}} = f_i^{{-1}}({v}_i)", f"{v}_(i-1) = f_i⁻¹({v}_i)"),
        ". Each layer divides the density by its |det J|, so in log form",
    )
    row = Row(
        (Lit(rf"\log p_X({names.x})", f"log p_X({names.x})"),),
        (
            (
                Lit(
                    rf"\log p_Z({v}_0) - \sum_{{i=1}}^{{{k}}} "
                    rf"\log\left|\det \frac{{\partial f_i}}{{\partial {v}_{{i-1}}}}\right|",
                    f"log p_Z({v}_0) − Σ_(i=1..{k}) log|det ∂f_i/∂{v}_(i−1)|",
                ),
            ),
        ),
    )
    after = (
        "In one dimension ",
        Lit(
            rf"\det \partial f_i/\partial {v}_{{i-1}} = f_i'({v}_{{i-1}})",
            f"det ∂f_i/∂{v}_(i−1) = f_i′({v}_(i−1))",
        ),
        ".",
    )
    return Step("The change-of-variables theorem for a chain", (prose, (row,), after))


def _layer_step(info: LayerInfo, names: _Names, k: int) -> Step:
    i = info.index
    zin, zout = info.input_symbol, info.output_symbol
    fi_text, fi_latex = _f(i, k)
    fprime = shown_function(f"{fi_text}′", f"{fi_latex}'")
    finv = _finv(i, k)
    blocks: list[Any] = [
        ("The inverse of ", Lit(fi_latex, fi_text), ", its derivative and its log-determinant:")
    ]
    rows = []
    for j, b in enumerate(info.branches, start=1):
        if len(info.branches) > 1:
            g = shown_function(f"g_{i},{j}", f"g_{{{i},{j}}}")
            rhs = ((g(zout),), (b.inverse,))
        elif b.implicit:
            rhs = ((finv(zout),),)
        else:
            rhs = ((finv(zout),), (b.inverse,))
        rows.append(Row((zin,), rhs, _in(zout, b.image)))
    rows.append(Row((fprime(zin),), ((info.branches[0].derivative,),)))
    label = Lit(
        rf"\log\left|\det \frac{{\partial {fi_latex}}}{{\partial {sp.latex(zin)}}}\right|",
        f"log|det ∂{fi_text}/∂{zin}|",
    )
    for b in info.branches:
        cond = _in(zin, b.piece) if len(info.branches) > 1 else ()
        rows.append(Row((label,), ((b.log_abs_det_jacobian,),), cond))
    blocks.append(tuple(rows))
    for b in info.branches:
        blocks.append(_regime(b.abs_det, zin, b.piece, f"{fi_text}′"))
    return Step(f"Layer {i}", tuple(blocks))


def _inverse_pass(program: Any, names: _Names) -> Step:
    several = len(program.paths) > 1
    blocks: list[Any] = [
        (
            "The inverse pass runs from x back to the base variable"
            + (" (one pass per combination of branches):" if several else ":"),
        ),
    ]
    for p_index, path in enumerate(program.paths, start=1):
        rows = []
        composed: dict[sp.Symbol, sp.Expr] = {}
        for a in path.assignments:
            if a.kind != "state":
                continue
            composed[a.target] = a.value.xreplace(composed)
            rows.append(Row((names(a.target),), ((names(a.value),),)))
        final = names(_tidy(composed[program.base_symbol]))
        if final != rows[-1].rhs[0][0]:
            rows.append(Row((names.z,), ((final,),), _in(names.x, path.region)))
        if several:
            blocks.append((f"Pass {p_index}:",))
        blocks.append(tuple(rows))
    return Step("The inverse pass", tuple(blocks))


def _log_likelihood(program: Any, names: _Names, k: int, log_terms, log_result) -> Step:
    z0 = names.z
    x = names.x
    blocks: list[Any] = [("Each layer's term, written in ", x, ":")]
    rows = []
    for i, term in enumerate(log_terms, start=1):
        zi = names.sym(i - 1)
        rows.append(
            Row(
                (
                    Lit(
                        rf"\log\left|f_{{{i}}}'\left({sp.latex(zi)}\right)\right|",
                        f"log|f_{i}′({zi})|",
                    ),
                ),
                ((term,),),
            )
        )
    blocks.append(tuple(rows))
    total = Lit(
        rf"\log p_Z\left({sp.latex(z0)}\right) - "
        + " - ".join(rf"\log\left|f_{{{i}}}'\right|" for i in range(1, k + 1)),
        f"log p_Z({z0}) − " + " − ".join(f"log|f_{i}′|" for i in range(1, k + 1)),
    )
    lhs = Lit(rf"\log p_X\left({sp.latex(x)}\right)", f"log p_X({x})")
    if len(program.paths) == 1 and len(log_result) == 1:
        blocks.append(("so that, with the base's log-density at ", z0, ","))
        blocks.append((Row((lhs,), ((total,),)), Row((), ((log_result[0][0],),))))
    else:
        blocks.append(
            (
                "(these are the terms of the first pass; each pass has its own), and the "
                "density sums over the passes:",
            )
        )
        parts: list[Piece] = []
        for j, (lp, _region) in enumerate(log_result):
            if j:
                parts.append(Lit("+", "+"))
            parts.append(sp.exp(lp, evaluate=False))
        blocks.append((Row((_px(x),), (tuple(parts),)),))
    return Step("The log-likelihood", tuple(blocks))


def _result_step(result, log_result, names: _Names, log_form: bool = True) -> Step:
    x = names.x
    rows = []
    for expr, region in result:
        rows.append(Row((_px(x),), ((expr,),), _in(x, region)))
    blocks: list[Any] = [("Simplifying:",), tuple(rows)]
    if log_form and len(log_result) == 1:
        ((lexpr, region),) = log_result
        blocks.append(("or, in log form,",))
        blocks.append(
            (Row((Lit(rf"\log p_X({x})", f"log p_X({x})"),), ((lexpr,),), _in(x, region)),)
        )
    return Step("Result", tuple(blocks))


def _support_step(flow: Any, names: _Names, support: Any) -> Step:
    x = names.x
    inside = Lit(
        rf"p_X({sp.latex(x)}) > 0 \text{{ exactly for }} {sp.latex(x)} \in {sp.latex(support)}",
        f"p_X({x}) > 0 exactly for {x} ∈ {_set_lit(support).text}",
    )
    prose = (
        "X takes its values in the image of the base's support, ",
        _set_lit(flow.base.support),
        ", under the map: ",
        inside,
        ", and ",
        Lit(rf"p_X({sp.latex(x)}) = 0", f"p_X({x}) = 0"),
        " elsewhere.",
    )
    return Step("Support", (prose,))


def _family_step(family: Any, names: _Names) -> Step:
    lit = Lit(rf"X \sim {family.latex()}", f"X ~ {family!r}")
    free = sorted(s.name for s in family.free_symbols)
    tail = f" (for every value of {', '.join(free)})." if free else "."
    return Step("Named distribution", (("This is the density of ", lit, tail),))


# ---------------------------------------------------------------------------------------
# d-dimensional flows
# ---------------------------------------------------------------------------------------

_STRUCTURE_WORDS = {
    "constant": "constant (the map is affine), so det J is one number",
    "triangular": "triangular, so det J is the product of its diagonal entries",
    "block": "block-diagonal, so det J is the product of the blocks' determinants",
    "general": "a general matrix",
}


def _area_regime(det_abs: sp.Expr, d: int) -> tuple[Piece, ...]:
    what = "areas" if d == 2 else "volumes"
    if det_abs.free_symbols or not det_abs.is_number:
        return (
            f"Where |det J| > 1 the map enlarges {what} (expansion) and the density is "
            f"thinned; where |det J| < 1 it shrinks them (compression) and the density is "
            f"concentrated.",
        )
    lit = Lit(rf"\left|\det J\right| = {sp.latex(det_abs)}", f"|det J| = {det_abs}")
    if det_abs > 1:
        return (
            lit,
            f" > 1: the map multiplies {what} by ",
            det_abs,
            " (expansion), so the density is divided by ",
            det_abs,
            ".",
        )
    if det_abs < 1:
        return (
            lit,
            f" < 1: the map shrinks {what} by the factor ",
            det_abs,
            " (compression), so the density is multiplied by ",
            _tidy(1 / det_abs),
            ".",
        )
    return (lit, f": {what} are preserved, the density is only moved.")


def _solved(layer: Any) -> list[sp.Expr]:
    """The layer's inverse written in its outputs only (a triangular inverse is computed
    one coordinate at a time, each entry using the ones before it)."""
    inputs = list(layer.input_symbols)
    values = list(layer.inverse)
    for _ in range(len(values)):
        mapping = dict(zip(inputs, values, strict=True))
        updated = [v.xreplace(mapping) for v in values]
        if updated == values:
            break
        values = updated
    if any(v.free_symbols & set(inputs) for v in values):
        return list(layer.inverse)
    return [_tidy(v) for v in values]


def _base_signs(expr: sp.Expr, base: Any, zs: tuple, index: int) -> sp.Expr:
    """|z_i| → z_i in the first layer where the base's component i lives on (0, ∞)."""
    components = getattr(base, "components", None)
    if index != 1 or components is None or len(components) != len(zs):
        return expr
    signs, inside = {}, []
    for z, c in zip(zs, components, strict=True):
        support = c.support
        if isinstance(support, sp.Interval) and support.inf.is_nonnegative:
            signs[z] = 1
            inside.append(z > support.inf)
        elif isinstance(support, sp.Interval) and support.sup.is_nonpositive:
            signs[z] = -1
            inside.append(z < support.sup)
    if not signs:
        return expr
    return drop_known_signs(expr, signs, sp.And(*inside))


def _derive_vector(flow: Any) -> Derivation:
    program = flow.program
    d = flow.dimension
    xs = tuple(program.inputs)
    k = len(flow.layers)
    mapping: dict[sp.Symbol, sp.Symbol] = {}
    if k:
        first = flow.layers[0].input_symbols
    else:
        first = tuple(program.base_symbols)
    zs = tuple(sp.Symbol(f"z{j + 1}", real=True) for j in range(d))
    mapping.update(zip(first, zs, strict=True))
    if k:
        mapping.update(zip(flow.layers[-1].output_symbols, xs, strict=True))

    def shown(e):
        return e.xreplace(mapping) if hasattr(e, "xreplace") else e

    infos = []
    for layer in flow.layers:
        infos.append(
            VectorLayerInfo(
                index=layer.index,
                input_symbols=tuple(shown(s) for s in layer.input_symbols),
                output_symbols=tuple(shown(s) for s in layer.output_symbols),
                forward=sp.Matrix([shown(e) for e in layer.forward]),
                inverse=sp.Matrix([shown(e) for e in _solved(layer)]),
                jacobian=shown(layer.jacobian),
                determinant=shown(layer.determinant),
                log_abs_det_jacobian=_base_signs(
                    shown(layer.log_abs_det_jacobian), flow.base, zs, layer.index
                ),
                structure=layer.structure,
            )
        )
    base = flow.base
    zvec, xvec = sp.Matrix(zs), sp.Matrix(xs)
    steps = []
    base_lit = Lit(rf"Z \sim {dist_latex(base)}", f"Z ~ {_dist_text(base)}")
    setting: list[Any] = [
        ("Let ", base_lit, f", a random vector in {d} dimensions with density"),
        (Row((_pz(zvec),), ((base.density(list(zs)),),)),),
    ]
    if k == 1:
        setting += [
            ("and let ", Lit("X = f(Z)", "X = f(Z)"), " with"),
            (Row((shown_function("f", "f")(zvec),), ((infos[0].forward,),)),),
        ]
    elif k > 1:
        setting.append((f"and let X be Z pushed through {k} transforms in order:",))
        rows = []
        for info in infos:
            fi = shown_function(f"f_{info.index}", f"f_{{{info.index}}}")
            rows.append(Row((fi(sp.Matrix(info.input_symbols)),), ((info.forward,),)))
        setting.append(tuple(rows))
    steps.append(Step("Setting", tuple(setting)))
    jac_inv = Lit(r"\left|\det J_{f^{-1}}(x)\right|", "|det J_f⁻¹(x)|")
    theorem = (
        "For a one-to-one, differentiable map of ",
        Lit(rf"\mathbb{{R}}^{{{d}}}", f"ℝ^{d}"),
        " onto its image, a small volume ",
        Lit(r"dz", "dz"),
        " around ",
        Lit("z", "z"),
        " is carried to a volume ",
        Lit(r"\left|\det J_f(z)\right| dz", "|det J_f(z)| dz"),
        " around ",
        Lit("x = f(z)", "x = f(z)"),
        ", and the probability in it is conserved:",
    )
    row = Row(
        (_px(xvec),),
        (
            (_pz(shown_function("f⁻¹", "f^{-1}")(xvec)), Lit(r"\cdot", "·"), jac_inv),
            (Lit(r"\frac{p_Z(z)}{\left|\det J_f(z)\right|}", "p_Z(z)/|det J_f(z)|"),),
        ),
        (Lit(r"z = f^{-1}(x)", "z = f⁻¹(x)"),),
    )
    steps.append(Step("The change-of-variables theorem", (theorem, (row,))))
    for info in infos:
        label = "" if k == 1 else f" of layer {info.index}"
        zin = sp.Matrix(info.input_symbols)
        zout = sp.Matrix(info.output_symbols)
        blocks: list[Any] = [
            ("Solving the system for the input gives the inverse:",),
            (Row((zin,), ((info.inverse,),)),),
            (
                "The Jacobian matrix of partial derivatives is "
                + _STRUCTURE_WORDS.get(info.structure, "a matrix")
                + ":",
            ),
            (
                Row((Lit(r"J", "J"),), ((info.jacobian,),)),
                Row((Lit(r"\det J", "det J"),), ((info.determinant,),)),
                Row(
                    (Lit(r"\log\left|\det J\right|", "log|det J|"),),
                    ((info.log_abs_det_jacobian,),),
                ),
            ),
            _area_regime(_tidy(sp.Abs(info.determinant)), d),
        ]
        del zout
        steps.append(Step("The inverse and the Jacobian" + label, tuple(blocks)))
    support = flow.support
    bounds = coordinate_bounds(support, list(xs))
    signs = bounds.signs if bounds is not None else {}
    result = tuple((drop_known_signs(e, signs, r), r) for e, r in density_terms(program))
    log_result = tuple((drop_known_signs(e, signs, r), r) for e, r in log_density_terms(program))
    rows = [Row((_px(xvec),), ((e,),)) for e, _ in result]
    rows += [Row((Lit(r"\log p_X(x)", "log p_X(x)"),), ((e,),)) for e, _ in log_result]
    steps.append(Step("Result", (("Substituting and simplifying:",), tuple(rows))))
    if support is sp.true or (bounds is not None and bounds.everywhere):
        where: tuple[Piece, ...] = (
            "The density is positive on all of ",
            Lit(rf"\mathbb{{R}}^{{{d}}}", f"ℝ^{d}"),
            " (up to a set of measure zero)." if support is not sp.true else ".",
        )
    elif bounds is not None:
        where = (
            "The density is positive exactly where ",
            Lit(bounds.latex, bounds.text),
            " (up to the boundary, a set of measure zero), and zero elsewhere.",
        )
    else:
        where = ("The density is positive exactly where ", support, " and zero elsewhere.")
    steps.append(Step("Support", (where,)))
    family = _family(flow)
    if family is not None:
        steps.append(_family_step(family, None))
    return Derivation(
        flow=flow,
        steps=tuple(steps),
        input_symbol=zs[0],
        output_symbol=xs[0],
        layers=tuple(infos),
        result=result,
        log_result=log_result,
        log_terms=tuple(i.log_abs_det_jacobian for i in infos),
        support=support,
        family=family,
        extras={"inputs": zs, "outputs": xs},
    )
