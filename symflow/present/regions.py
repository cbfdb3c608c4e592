"""Supports of d-dimensional densities written as a textbook writes them: 0 < x₁ < 1, x₂ > 0.

The support of a d-dimensional flow is a Boolean condition on x built from the inverse
(0 ≤ x₁x₂ ∧ 0 ≤ x₂(1 − x₁) for the Beta–Gamma map). :func:`coordinate_bounds` looks for
the same set written as bounds on single coordinates, x_i > e and x_i < e with e a
constant or ±x_k: it keeps every candidate bound that the condition implies at a few
thousand sample points, checks that together they imply the condition there too, and
drops the bounds the others imply. The result is a statement about the set up to
boundaries (measure zero), verified by sampling, not proved; when no such bounds describe
the set the caller prints the condition itself.

Examples
--------
>>> import sympy as sp
>>> x1, x2 = sp.symbols("x1 x2", real=True)
>>> b = coordinate_bounds((0 <= x1 * x2) & (0 <= x2 * (1 - x1)), [x1, x2])
>>> b.text
'0 < x₁ < 1, x₂ > 0'
>>> b.signs
{x1: 1, x2: 1}
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflow.core.budget import attempt

__all__ = ["Bounds", "coordinate_bounds", "drop_known_signs"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Bounds:
    """Per-coordinate bounds: [(symbol, lower bounds, upper bounds)] and known signs."""

    bounds: tuple[tuple[sp.Symbol, tuple[sp.Expr, ...], tuple[sp.Expr, ...]], ...]
    signs: dict

    @property
    def everywhere(self) -> bool:
        """No bound at all: the set is all of R^d (up to a null set)."""
        return all(not lo and not hi for _, lo, hi in self.bounds)

    @property
    def latex(self) -> str:
        """``0 < x_{1} < 1, \\ x_{2} > 0``."""
        return r", \ ".join(self._parts(sp.latex, "<", ">"))

    @property
    def text(self) -> str:
        """``0 < x₁ < 1, x₂ > 0``."""
        return ", ".join(self._parts(_pretty, "<", ">"))

    def _parts(self, show, lt: str, gt: str) -> list[str]:
        out = []
        for x, lows, highs in self.bounds:
            name = show(x)
            if len(lows) == 1 and len(highs) == 1:
                out.append(f"{show(lows[0])} {lt} {name} {lt} {show(highs[0])}")
                continue
            out += [f"{name} {gt} {show(e)}" for e in lows]
            out += [f"{name} {lt} {show(e)}" for e in highs]
        return out


def _pretty(e: sp.Expr) -> str:
    if isinstance(e, sp.Symbol):
        return e.name.translate(_SUBSCRIPTS)
    return sp.sstr(e).replace("-", "−")


def _samples(d: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    wide = rng.uniform(-6, 6, size=(3000, d))
    near = rng.uniform(-1.5, 1.5, size=(3000, d))
    far = rng.standard_cauchy(size=(1000, d)) * 5
    return np.vstack([wide, near, far])


def _evaluate(condition: sp.Basic, xs: list[sp.Symbol], points):
    import numpy as np

    f = sp.lambdify(xs, condition, modules="numpy")
    with np.errstate(all="ignore"):
        value = f(*points.T)
    return np.broadcast_to(np.asarray(value, dtype=bool), (points.shape[0],))


def coordinate_bounds(condition: sp.Basic, xs: list[sp.Symbol]) -> Bounds | None:
    """The set {condition} as bounds on single coordinates, or None (see the module doc)."""
    if condition is sp.true:
        return Bounds(tuple((x, (), ()) for x in xs), {})
    if not isinstance(condition, sp.Basic) or condition.free_symbols - set(xs):
        return None
    return attempt(lambda: _bounds(condition, list(xs)), 5.0, None)


def _bounds(condition: sp.Basic, xs: list[sp.Symbol]) -> Bounds | None:
    import numpy as np

    points = _samples(len(xs))
    inside = _evaluate(condition, xs, points)
    if not inside.any():
        return None
    constants = {sp.Integer(v) for v in (-1, 0, 1)}
    constants |= {
        n for n in condition.atoms(sp.Number) if n.is_real and n.is_finite and abs(n) < 1e6
    }
    # candidate bounds: (coordinate index, lower?, expression, its values at the points)
    candidates = []
    for i, x in enumerate(xs):
        exprs = [(e, np.full(points.shape[0], float(e))) for e in sorted(constants, key=float)]
        exprs += [(s * y, s * points[:, k]) for k, y in enumerate(xs) if y != x for s in (1, -1)]
        for e, values in exprs:
            col = points[:, i]
            if np.all(col[inside] > values[inside]):
                candidates.append((i, True, e, col > values))
            if np.all(col[inside] < values[inside]):
                candidates.append((i, False, e, col < values))
    # keep the tightest constant bound on each side (x > 0 makes x > -1 redundant)
    kept = []
    for c in candidates:
        i, lower, e, _ = c
        if e.is_number and any(
            o[0] == i and o[1] == lower and o[2].is_number and (o[2] > e if lower else o[2] < e)
            for o in candidates
        ):
            continue
        kept.append(c)

    def describes(chosen) -> bool:
        box = np.ones(points.shape[0], dtype=bool)
        for _, _, _, holds in chosen:
            box &= holds
        return bool(np.array_equal(box, inside))

    if not describes(kept):
        return None
    for c in sorted(kept, key=lambda c: (c[2].is_number, not c[1])):
        trial = [o for o in kept if o is not c]
        if describes(trial):
            kept = trial
    out = []
    for i, x in enumerate(xs):
        lows = tuple(e for j, lower, e, _ in kept if j == i and lower)
        highs = tuple(e for j, lower, e, _ in kept if j == i and not lower)
        if lows or highs:
            out.append((x, lows, highs))
    signs = {}
    for i, x in enumerate(xs):
        col = points[inside, i]
        if np.all(col > 0):
            signs[x] = 1
        elif np.all(col < 0):
            signs[x] = -1
    return Bounds(tuple(out), signs)


def drop_known_signs(expr: sp.Expr, signs: dict, condition: sp.Basic) -> sp.Expr:
    """expr with |x_i| → ±x_i where x_i has one sign on the support (checked at points).

    Examples
    --------
    >>> x1, x2 = sp.symbols("x1 x2", real=True)
    >>> drop_known_signs(sp.exp(-x2) * sp.Abs(x2), {x2: 1}, x2 > 0)
    x2*exp(-x2)
    """
    if not signs or not isinstance(expr, sp.Expr):
        return expr
    import numpy as np

    shown = {}
    back = {}
    for x, sign in signs.items():
        d = sp.Dummy(x.name, positive=sign > 0, negative=sign < 0)
        shown[x], back[d] = d, x
    out = attempt(lambda: sp.powsimp(expr.xreplace(shown)).xreplace(back), 3.0, expr)
    if out == expr:
        return expr
    xs = sorted(expr.free_symbols | condition.free_symbols, key=lambda s: s.name)
    points = _samples(len(xs), seed=1)[:500]
    inside = _evaluate(condition, xs, points) if condition is not sp.true else None
    if inside is not None:
        points = points[inside]
    if len(points) == 0:
        return expr
    with np.errstate(all="ignore"):
        a = sp.lambdify(xs, out, modules="numpy")(*points.T)
        b = sp.lambdify(xs, expr, modules="numpy")(*points.T)
    if np.allclose(a, b, rtol=1e-10, atol=0, equal_nan=True):
        return out
    return expr
