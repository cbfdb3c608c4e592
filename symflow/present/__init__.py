"""Teaching output: derivations, displays, plots and handouts (LaTeX, matplotlib).

Nothing here is imported by ``import symflow``; the flow's lazy delegates
(``flow.derivation()``, ``flow._repr_latex_``) load these modules on first use, and
matplotlib is imported only inside the plotting functions.

Examples
--------
>>> from symflow.present import OutputPathError
>>> issubclass(OutputPathError, FileNotFoundError)
True
"""

from __future__ import annotations

from symflow.errors import LatexError, OutputPathError, PlotError, ToolMissingError

__all__ = ["OutputPathError", "PlotError", "ToolMissingError", "LatexError"]
