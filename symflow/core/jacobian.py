"""Jacobian matrices: structure, determinants and log|det| that use the structure.

A d×d Jacobian J is classified before its determinant is taken:

* ``constant`` — no variable occurs (linear/affine maps, permutations): det J exactly;
* ``block`` — the variables split into independent groups: det J = Π det(blocks);
* ``triangular`` — lower or upper (autoregressive maps): log|det J| = Σ log|J_ii|;
* ``general`` — Berkowitz's division-free determinant.

A determinant identically zero is a collapse (no density in the same space): the error
names the dependent rows.

Examples
--------
>>> import sympy as sp
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> J = sp.Matrix([[3, 1], [0, 2]])
>>> structure(J, [z1, z2]), determinant(J)
('constant', 6)
>>> structure(sp.Matrix([[1, 0], [2 * z1, 1]]), [z1, z2])
'triangular'
"""

from __future__ import annotations

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.simplify import log_abs
from symflow.errors import CollapseError

__all__ = ["structure", "blocks", "determinant", "log_abs_det", "check_collapse"]


def _is_triangular(J: sp.Matrix) -> bool:
    return J.is_lower or J.is_upper


def blocks(J: sp.Matrix) -> list[list[int]]:
    """Index groups of a block-diagonal (after permutation) structure."""
    d = J.rows
    parent = list(range(d))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(d):
        for j in range(d):
            if i != j and J[i, j] != 0:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(d):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values())


def structure(J: sp.Matrix, variables) -> str:
    """'constant', 'triangular', 'block' or 'general'."""
    if not (J.free_symbols & set(variables)):
        return "constant"
    if _is_triangular(J):
        return "triangular"
    if len(blocks(J)) > 1:
        return "block"
    return "general"


def determinant(J: sp.Matrix) -> sp.Expr:
    """det J using triangular and block structure; Berkowitz otherwise."""
    if _is_triangular(J):
        return sp.Mul(*[J[i, i] for i in range(J.rows)])
    groups = blocks(J)
    if len(groups) > 1:
        return sp.Mul(*[determinant(J.extract(g, g)) for g in groups])
    det = J.det(method="berkowitz")
    det = attempt(lambda: sp.factor_terms(sp.cancel(det)), 5.0, det)
    if det.has(sp.sin, sp.cos, sp.sinh, sp.cosh) and sp.count_ops(det) < 200:
        det = attempt(lambda: sp.factor_terms(sp.trigsimp(det)), 5.0, det)
    return det


def log_abs_det(J: sp.Matrix) -> sp.Expr:
    """log|det J|: a sum of log|diagonal| terms where J is triangular or block-diagonal."""
    if not J.free_symbols:
        return sp.log(sp.Abs(J.det()))
    if _is_triangular(J):
        return sp.Add(*[log_abs(J[i, i]) for i in range(J.rows)])
    groups = blocks(J)
    if len(groups) > 1:
        return sp.Add(*[log_abs_det(J.extract(g, g)) for g in groups])
    return log_abs(determinant(J))


def check_collapse(J: sp.Matrix, exprs, label: str) -> None:
    """Raise CollapseError when det J is identically zero, naming dependent rows."""
    det = determinant(J)
    zero = det == 0 or attempt(lambda: sp.simplify(det) == 0, 5.0, False)
    if not zero:
        return
    null = attempt(lambda: J.T.nullspace(simplify=True), 5.0, [])
    detail = ""
    if null:
        v = null[0]
        terms = [
            f"{sp.sstr(v[i])}·({exprs[i]})" if v[i] != 1 else f"({exprs[i]})"
            for i in range(len(v))
            if v[i] != 0
        ]
        rows = [str(i + 1) for i in range(len(v)) if v[i] != 0]
        detail = (
            f" Rows {', '.join(rows)} of the Jacobian are linearly dependent: "
            f"{' + '.join(terms)} has zero gradient."
        )
    raise CollapseError(
        f"{label} collapses: det J = 0 identically, so its image has lower dimension and "
        f"the result has no density in the same space.{detail} Use expressions whose "
        f"gradients are independent."
    )
