"""Closed forms of a Program, produced on demand: the log-density and the density.

Each path's assignments are substituted into one expression and tidied by targeted rules
(expand_log and powsimp under the symbols' assumptions). Paths with the same region and
the same expression are merged (z² on a symmetric base: two equal terms become one,
doubled). The density is written as p_Z(g(x)) · Π |f_i'|⁻¹, the textbook form.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.distributions import Normal
>>> from symflow.core.layer import Layer
>>> from symflow.core.program import build_program
>>> from symflow.core.transform import Transform
>>> z = sp.Symbol("z", real=True)
>>> p = build_program(Normal(0, 1), [Layer.place(Transform(sp.exp(z), z), sp.S.Reals, 1)])
>>> density_terms(p)
[(sqrt(2)*exp(-log(x)**2/2)/(2*sqrt(pi)*x), Interval.open(0, oo))]
"""

from __future__ import annotations

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.simplify import drop_even_signs, tidy_log

__all__ = ["log_density_terms", "density_terms", "merged_paths"]


def _split_exp(log_expr: sp.Expr) -> sp.Expr:
    terms = sp.Add.make_args(attempt(lambda: sp.expand(log_expr), 5.0, log_expr))
    factors = [sp.exp(t) for t in terms]
    product = sp.Mul(*factors)
    if sp.count_ops(product) > 3 * sp.count_ops(log_expr) + 10:
        return sp.exp(log_expr)
    return product


def _path_density(program, path) -> sp.Expr:
    """p_Z(z_0(x)) · Π exp(-l_i(x)) for one path."""
    values: dict[sp.Symbol, sp.Expr] = {}
    for a in path.assignments:
        values[a.target] = a.value.xreplace(values)
    log_dets = [values[a.target] for a in path.assignments if a.kind == "log_det"]
    if program.dimension > 1:
        base_part = program.base_density([values[s] for s in program.base_symbols])
    else:
        base_part = program.base_density(values[program.base_symbol])
    factors = [sp.exp(-tidy_log(term)) for term in log_dets]
    product = base_part * sp.Mul(*factors)
    tidy = attempt(lambda: sp.factor_terms(sp.powsimp(product)), 5.0, product)
    return drop_even_signs(tidy)


def merged_paths(program) -> list[tuple[object, int, sp.Expr]]:
    """(path, multiplicity, tidy log-density) with coinciding paths merged."""
    out: list[list] = []
    for path in program.paths:
        log_p = tidy_log(path.closed_form())
        for entry in out:
            if entry[0].region == path.region and attempt(
                lambda e=entry, lp=log_p: sp.expand(e[2] - lp) == 0, 5.0, False
            ):
                entry[1] += 1
                break
        else:
            out.append([path, 1, log_p])
    return [tuple(e) for e in out]


def log_density_terms(program) -> list[tuple[sp.Expr, sp.Set]]:
    """[(log-density of a group of paths, region)] in the program's input symbol."""
    return [(lp + sp.log(m) if m > 1 else lp, path.region) for path, m, lp in merged_paths(program)]


def density_terms(program) -> list[tuple[sp.Expr, sp.Set]]:
    """[(density of a group of paths, region)] in the program's input symbol."""
    out = []
    for path, m, _ in merged_paths(program):
        term = _path_density(program, path)
        out.append((attempt(lambda t=term, k=m: sp.powsimp(k * t), 5.0, m * term), path.region))
    return out
