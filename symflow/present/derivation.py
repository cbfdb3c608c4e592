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

from typing import Any

from symflow.core.program import VectorProgram
from symflow.present.document import (
    BranchInfo,
    Derivation,
    LayerInfo,
    Lit,
    Row,
    Step,
    VectorLayerInfo,
    dist_latex,
    escape_latex,
    shown_function,
)
from symflow.present.scalar_steps import derive_scalar
from symflow.present.vector_steps import derive_vector

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
    if isinstance(flow.program, VectorProgram):
        return derive_vector(flow)
    return derive_scalar(flow)
