"""Jupyter display of a Flow: the model, its density with the support, and its name.

``Flow._repr_latex_`` and ``Flow._repr_markdown_`` call :func:`flow_latex` and
:func:`flow_markdown`. The summary is short (X = f(Z) with Z's law, p_X(x) on its support,
the named family); ``flow.derivation()`` gives the full argument.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> print(flow_latex(sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])))
$$\\begin{aligned}
X &= e^{Z}, \\quad Z \\sim \\mathrm{Normal}\\left(0, 1\\right) \\\\
p_X(x) &= \\frac{\\sqrt{2} e^{- \\frac{\\log{\\left(x \\right)}^{2}}{2}}}{2 \\sqrt{\\pi} x}, \\quad x \\in \\left(0, \\infty\\right) \\\\
X &\\sim \\mathrm{LogNormal}(\\mu = 0, \\sigma = 1)
\\end{aligned}$$
"""  # noqa: E501

from __future__ import annotations

from typing import Any

import sympy as sp

from symflow.core.multivariate import JointDistribution
from symflow.core.program import VectorProgram
from symflow.present.document import dist_latex, family_of

__all__ = ["flow_latex", "flow_markdown", "summary_rows"]


def _composition(flow: Any) -> str:
    """LaTeX of x as a function of Z: f_K(…f_1(Z)) written out (each transform composes
    itself: a scalar on one value, a vector map on a column of values)."""
    base = flow.base
    value = (
        sp.Matrix([sp.Symbol(f"Z_{j + 1}") for j in range(base.dimension)])
        if isinstance(base, JointDistribution)
        else sp.Symbol("Z")
    )
    for tr in flow.transforms:
        value = tr.compose(value)
    if isinstance(value, sp.MatrixBase) and value.rows == 1:
        value = value[0]
    return sp.latex(value)


def summary_rows(flow: Any) -> list[str]:
    """The aligned LaTeX rows of the summary: model, density with support, family."""
    base = dist_latex(flow.base)
    rows = [rf"X &= {_composition(flow)}, \quad Z \sim {base}"]
    if isinstance(flow.program, VectorProgram):
        from symflow.present.regions import coordinate_bounds, drop_known_signs

        (expr, _), *_ = _terms(flow)
        support = flow.support
        bounds = coordinate_bounds(support, list(flow.program.inputs))
        if bounds is not None:
            expr = drop_known_signs(expr, bounds.signs, support)
        if support is sp.true or (bounds is not None and bounds.everywhere):
            where = ""
        elif bounds is not None:
            where = rf", \quad {bounds.latex}"
        else:
            where = rf", \quad {sp.latex(support)}"
        rows.append(rf"p_X(x) &= {sp.latex(expr)}{where}")
    else:
        for expr, region in _terms(flow):
            rows.append(rf"p_X(x) &= {sp.latex(expr)}, \quad x \in {sp.latex(region)}")
    family = family_of(flow)
    if family is not None:
        rows.append(rf"X &\sim {family.latex()}")
    return rows


def _terms(flow: Any) -> list[tuple[sp.Expr, Any]]:
    from symflow.core.closed_form import density_terms

    program = flow.program
    terms = density_terms(program)
    if isinstance(program, VectorProgram):
        return terms
    x = sp.Symbol("x", real=True)
    return [(expr.xreplace({program.x: x}), region) for expr, region in terms]


def flow_latex(flow: Any) -> str:
    """The flow as ``$$\\begin{aligned}…\\end{aligned}$$`` for Jupyter's LaTeX display."""
    return "$$\\begin{aligned}\n" + " \\\\\n".join(summary_rows(flow)) + "\n\\end{aligned}$$"


def flow_markdown(flow: Any) -> str:
    """The flow as Markdown: a one-line description and the aligned summary.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> print(flow_markdown(sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)])))
    **Flow** `Flow(Uniform(0, 1), [-log(z)])` (call `.derivation()` for the steps)
    <BLANKLINE>
    $$\\begin{aligned}
    X &= - \\log{\\left(Z \\right)}, \\quad Z \\sim \\mathrm{Uniform}\\left(0, 1\\right) \\\\
    p_X(x) &= e^{- x}, \\quad x \\in \\left(0, \\infty\\right) \\\\
    X &\\sim \\mathrm{Exponential}(\\lambda = 1)
    \\end{aligned}$$
    """
    head = f"**Flow** `{flow!r}` (call `.derivation()` for the steps)"
    return head + "\n\n" + flow_latex(flow)
