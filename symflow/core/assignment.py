"""One instruction of a Program's inverse pass: ``target = value``.

A Program (:mod:`symflow.core.program`) is a list of these per inverse path; the edge-aware
pass (:mod:`symflow.core.edges`) writes more of them. Neither needs the other to name one.

Examples
--------
>>> import sympy as sp
>>> z, x = sp.symbols("z x", real=True)
>>> print(Assignment(z, sp.log(x)))
z = log(x)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Assignment"]


@dataclass(frozen=True)
class Assignment:
    """target = value; ``kind`` is 'state', 'log_det' or 'result'."""

    target: sp.Symbol
    value: sp.Expr
    kind: str = "state"

    def __str__(self) -> str:
        return f"{self.target} = {self.value}"
