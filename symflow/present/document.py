"""The document model of a derivation and its renderers.

A :class:`Derivation` is a list of :class:`Step` s; a step is prose and display rows, each
a tuple of pieces (text, SymPy expressions, :class:`Lit` literals). The same document
renders as LaTeX (``align*`` or a standalone document), Markdown, Unicode text and HTML.
The steps themselves are written by :mod:`symflow.present.scalar_steps` (one variable) and
:mod:`symflow.present.vector_steps` (d-dimensional flows); the display helpers both use
are at the end of this module.

Examples
--------
>>> step = Step("Setting", (("Let ", Lit("Z", "Z"), " be a random variable."),))
>>> print(step.text(1))
1. Setting. Let Z be a random variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symflow.core.budget import attempt

__all__ = [
    "BranchInfo",
    "COMPACT_DISPLAYS",
    "Derivation",
    "LayerInfo",
    "Lit",
    "Piece",
    "Row",
    "Step",
    "VectorLayerInfo",
    "dist_latex",
    "dist_text",
    "escape_latex",
    "family_of",
    "family_step",
    "in_set",
    "inline_text",
    "p_x",
    "p_z",
    "set_lit",
    "shown_function",
    "tidy",
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


def inline_text(piece: Piece) -> str:
    """A piece as inline Unicode text."""
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
    return "".join(inline_text(p) for p in prose)


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
# Display helpers shared by the scalar and the d-dimensional steps
# ---------------------------------------------------------------------------------------


def tidy(expr: sp.Expr) -> sp.Expr:
    """Bounded tidying for display: powsimp, then cancel if that is not longer (each
    within a time budget)."""
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

    A mixture is the weighted sum of its components, a truncation names its interval:

    >>> import sympy as sp
    >>> from symflow.core.distributions import Mixture, Truncated
    >>> w = sp.Symbol("w", positive=True)
    >>> print(dist_latex(Mixture([(w, Normal(-2, 1)), (1 - w, Normal(2, 1))])))
    w\,\mathrm{Normal}\left(-2, 1\right) + \left(1 - w\right)\,\mathrm{Normal}\left(2, 1\right)
    >>> print(dist_latex(Truncated(Normal(0, 1), 0, sp.oo)))
    \mathrm{Normal}\left(0, 1\right) \text{ truncated to } \left(0, \infty\right)
    """
    from symflow.core.bases.mixture import Mixture
    from symflow.core.bases.truncated import Truncated

    components = getattr(base, "components", None)
    if components is not None:
        return r" \otimes ".join(dist_latex(c) for c in components)
    if isinstance(base, Mixture):
        return " + ".join(
            rf"{_factor_latex(w)}\,"
            + (
                rf"\left[{dist_latex(part)}\right]"
                if isinstance(part, Mixture | Truncated)
                else dist_latex(part)
            )
            for w, part in zip(base.weights, base.parts, strict=True)
        )
    if isinstance(base, Truncated):
        interval = sp.latex(sp.Interval.open(base.params["a"], base.params["b"]))
        return rf"{dist_latex(base.base)} \text{{ truncated to }} {interval}"
    params = getattr(base, "params", {}) or {}
    args = ", ".join(sp.latex(v) for v in params.values())
    return rf"\mathrm{{{base.name}}}\left({args}\right)"


def _factor_latex(w: sp.Expr) -> str:
    """A weight printed as a factor: in parentheses when it is a sum (1 − w)."""
    text = sp.latex(w)
    return rf"\left({text}\right)" if isinstance(w, sp.Add) else text


def dist_text(base: Any) -> str:
    """Unicode text of a base distribution (its repr; ⊗ between independent components)."""
    components = getattr(base, "components", None)
    if components is not None:
        return " ⊗ ".join(dist_text(c) for c in components)
    return repr(base)


def set_lit(s: Any) -> Lit:
    """A SymPy set as a literal: its LaTeX and its Unicode pretty form."""
    return Lit(sp.latex(s), sp.pretty(s, use_unicode=True, wrap_line=False))


def in_set(symbol: sp.Symbol, s: Any) -> tuple[Piece, ...]:
    """The pieces of "symbol ∈ s"."""
    return (symbol, Lit(r"\in", "∈"), set_lit(s))


def p_z(arg: Any) -> sp.Expr:
    """p_Z(arg), printed as a function of the base."""
    return shown_function("p_Z", "p_{Z}")(arg)


def p_x(arg: Any) -> sp.Expr:
    """p_X(arg), printed as a function of the output."""
    return shown_function("p_X", "p_{X}")(arg)


def family_of(flow: Any):
    """The textbook family ``flow``'s density belongs to, or None (also when the
    recognition fails: a derivation is written without it)."""
    try:
        return flow.family()
    except Exception:  # noqa: BLE001 - a failed recognition must not stop the derivation
        return None


def family_step(family: Any) -> Step:
    """The closing step that names the standard distribution the result is."""
    lit = Lit(rf"X \sim {family.latex()}", f"X ~ {family!r}")
    free = sorted(s.name for s in family.free_symbols)
    tail = f" (for every value of {', '.join(free)})." if free else "."
    return Step("Named distribution", (("This is the density of ", lit, tail),))
