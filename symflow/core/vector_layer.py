"""A vector transform placed in a flow: Jacobian structure, inverse, log|det J|.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.transform import Transform
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> layer = VectorLayer.place(Transform([3 * z1 + z2, 2 * z2], [z1, z2]), 1)
>>> layer.structure, layer.log_abs_det_jacobian
('constant', log(6))
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflow.core.jacobian import check_collapse, log_abs_det, structure
from symflow.core.system import (
    Fold,
    domain_conditions,
    sample_points,
    solve_system,
    verify_system,
)
from symflow.core.transform import Transform
from symflow.errors import InverseError, MonotonicityError

__all__ = ["VectorLayer"]


@dataclass(frozen=True)
class VectorLayer:
    """Transform number ``index`` of a d-dimensional flow.

    ``inverse`` is written in ``output_symbols``; ``jacobian`` and
    ``log_abs_det_jacobian`` in ``input_symbols``.
    """

    transform: Transform
    index: int
    input_symbols: tuple[sp.Symbol, ...]
    output_symbols: tuple[sp.Symbol, ...]
    forward: tuple[sp.Expr, ...]
    inverse: tuple[sp.Expr, ...]
    inverse_order: tuple[int, ...]
    jacobian: sp.Matrix
    determinant: sp.Expr
    log_abs_det_jacobian: sp.Expr
    structure: str
    domain: tuple[sp.Basic, ...]

    @property
    def dimension(self) -> int:
        return len(self.input_symbols)

    @classmethod
    def place(cls, transform: Transform, index: int, intervals=None) -> VectorLayer:
        """Place ``transform``; ``intervals`` is the input support box when known."""
        from symflow.core.jacobian import determinant

        d = transform.dimension
        ins = tuple(sp.Symbol(f"z_{index - 1}_{j + 1}", real=True) for j in range(d))
        outs = tuple(sp.Symbol(f"z_{index}_{j + 1}", real=True) for j in range(d))
        mapping = dict(zip(transform.vars, ins, strict=True))
        forward = tuple(e.xreplace(mapping) for e in transform.exprs)
        J = sp.Matrix(forward).jacobian(list(ins))
        label = f"Transform {list(transform.exprs)}"
        check_collapse(J, transform.exprs, label)
        kind = structure(J, ins)
        points = sample_points(intervals, d)
        try:
            solved = solve_system(forward, ins, outs, intervals, points)
        except Fold as fold:
            names = dict(zip(ins, transform.vars, strict=True))
            raise MonotonicityError(
                f"{label} is not one-to-one: {fold.describe(names)}. Vector transforms "
                f"must be bijections of the support; restrict the base so that the map is "
                f"monotone there (e.g. a half-line for a square), or apply that coordinate's "
                f"map in a one-dimensional flow, which sums over the branches."
            ) from None
        if solved is None:
            raise InverseError(
                f"{label}: no closed-form inverse was found for the system in "
                f"{', '.join(v.name for v in transform.vars)}. symflow inverts affine, "
                f"triangular (autoregressive), block-diagonal and polar systems and what "
                f"SymPy's solver can invert; rewrite the map in one of those forms."
            )
        inverse, order = solved
        if not transform.parameters:
            bad = verify_system(forward, ins, inverse, outs, points, order)
            if bad is not None:
                raise InverseError(
                    f"{label} is not one-to-one near "
                    f"{dict(zip([v.name for v in transform.vars], bad, strict=True))}: the "
                    f"inverse found does not map its image back. Non-injective vector "
                    f"transforms are not supported."
                )
        domain = tuple(c for g in inverse for c in domain_conditions(g))
        return cls(
            transform,
            index,
            ins,
            outs,
            forward,
            tuple(inverse),
            tuple(order),
            J,
            determinant(J),
            log_abs_det(J),
            kind,
            domain,
        )
