r"""Edge distances and log-space states of an inverse pass.

A state z of the inverse pass that lives on (lo, hi) can round onto an edge in float64
although the point x is well inside the support: the logistic σ(37) is 1.0, and
(x/2)³ is 0.0 at x = 1e-200. A kernel that then takes log(1 − z) or log z returns −inf
where the true log-density is finite. :func:`edge_assignments` rewrites the pass so that
such terms never see the rounded state:

* **Edge distances.** For each finite edge of a state's range, the distance
  d = z − lo or d = hi − z is derived symbolically from the state's definition and
  simplified: 1 − σ(u) = 1/(1 + e^u), 1 − u²/(1 + u²) = 1/(1 + u²); where the state is
  rational in the previous state, through that state's own edge distance D (1 − (1 − D)³
  = 3D − 3D² + D³). Every factor a·(z − e) of the later expressions (log-densities,
  log|det| terms, inverses) is replaced by ±a·d.
* **Log-space states.** The log of a positive state defined by a product, power,
  exponential or quotient is expanded (log((x/2)³) = 3·log(x/2)) and reused wherever
  log z appears; likewise the log of each edge distance.

The rewritten pass computes the same mathematical function; added assignments have
kind ``"edge"`` and are kept only where a later expression uses them.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.program import Assignment
>>> x = sp.Symbol("x", real=True)
>>> z = sp.Symbol("z_0", positive=True)
>>> out = edge_assignments(
...     [Assignment(z, sp.exp(x) / (1 + sp.exp(x))), Assignment(sp.Symbol("r"), sp.log(1 - z))],
...     {z: sp.Interval.open(0, 1)},
... )
>>> for a in out:
...     print(a)
z_0 = exp(x)/(exp(x) + 1)
log_z_0_to_hi = log(1/(exp(x) + 1))
r = log_z_0_to_hi

The distance 1 − z_0 = 1/(eˣ + 1) itself is not needed, so it is not kept; the kernels'
stable rewrites turn its log into −softplus(x).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from symflow.core.budget import attempt

__all__ = ["edge_assignments"]

#: wall-clock budget (seconds) of one symbolic simplification of a distance
_BUDGET = 2.0
#: expressions larger than this (in operations) are not simplified
_MAX_OPS = 200


def edge_assignments(assignments: Sequence, ranges: Mapping[sp.Symbol, sp.Interval]) -> tuple:
    """The inverse pass with edge distances and log-space states (see the module docstring).

    Parameters
    ----------
    assignments : sequence of Assignment
        One path of a Program, in order (states first, then log|det| terms and the result).
    ranges : mapping
        The open interval each state lives on along this path.

    Returns
    -------
    tuple of Assignment
        An equal pass whose log terms use distances to edges and logs of states.
    """
    from symflow.core.program import Assignment

    edges = _EdgePass(ranges)
    out: list = []
    for a in assignments:
        value = edges.rewrite(a.value)
        out.append(Assignment(a.target, value, a.kind))
        if a.kind == "state" and a.target in ranges:
            out.extend(edges.define(a.target, a.value, value))
    return _prune(out)


def _prune(assignments: list) -> tuple:
    """Drop added ("edge") assignments that no later assignment reads."""
    used: set = set()
    kept = []
    for a in reversed(assignments):
        if a.kind == "edge" and a.target not in used:
            continue
        used |= a.value.free_symbols
        kept.append(a)
    return tuple(reversed(kept))


class _EdgePass:
    """The distances and logs defined so far, and the rewrite that uses them."""

    def __init__(self, ranges: Mapping[sp.Symbol, sp.Interval]):
        self.ranges = ranges
        #: state -> [(edge, sign, distance symbol)]: d = sign·(z − edge) > 0
        self.distances: dict[sp.Symbol, list[tuple[sp.Expr, int, sp.Symbol]]] = {}
        #: positive symbol -> the symbol holding its log
        self.logs: dict[sp.Symbol, sp.Symbol] = {}
        self.values: dict[sp.Symbol, sp.Expr] = {}

    # ------------------------------------------------------------------ definitions
    def define(self, z: sp.Symbol, original: sp.Expr, value: sp.Expr) -> list:
        """Assignments of z's edge distances and of the logs of z and of them."""
        from symflow.core.program import Assignment

        out = []
        interval = self.ranges[z]
        self.values[z] = original
        found = []
        for edge, sign, side in ((interval.inf, 1, "lo"), (interval.sup, -1, "hi")):
            if edge.is_infinite or edge.has(sp.zoo, sp.nan) or edge.free_symbols & set(self.ranges):
                continue
            if sign == 1 and edge == 0:
                found.append((edge, sign, z))  # the distance to 0 from above is z itself
                continue
            d = sp.Symbol(f"{z.name}_to_{side}", positive=True)
            distance = self._distance(original, value, edge, sign)
            out.append(Assignment(d, distance, "edge"))
            found.append((edge, sign, d))
            self._define_log(d, distance, out, always=True)
        self.distances[z] = found
        if interval.inf.is_nonnegative:
            self._define_log(z, value, out, always=False)
        return out

    def _define_log(self, s: sp.Symbol, value: sp.Expr, out: list, always: bool) -> None:
        from symflow.core.program import Assignment

        log_value = self._log(value)
        if not always and log_value == sp.log(value):
            return  # nothing gained over log(s)
        name = sp.Symbol(f"log_{s.name}", real=True)
        out.append(Assignment(name, log_value, "edge"))
        self.logs[s] = name

    def _distance(self, original: sp.Expr, value: sp.Expr, edge: sp.Expr, sign: int) -> sp.Expr:
        """sign·(value − edge), simplified so that it does not cancel near the edge."""
        through = self._through_previous(original, edge, sign)
        if through is not None:
            return through
        plain = sign * (value - edge)
        if sp.count_ops(plain) > _MAX_OPS:
            return plain
        simpler = attempt(lambda: sp.cancel(sp.together(plain)), _BUDGET, plain)
        return self.rewrite(simpler)

    def _through_previous(self, original: sp.Expr, edge: sp.Expr, sign: int) -> sp.Expr | None:
        """The distance as a rational function of the previous state's edge distance D,
        when the state is rational in that state and maps its edge onto this one: its
        numerator then has no constant term, so it does not cancel for small D."""
        previous = [t for t in original.free_symbols if t in self.distances]
        if len(previous) != 1:
            return None
        (t,) = previous
        if sp.count_ops(original) > _MAX_OPS or not original.is_rational_function(t):
            return None
        for e_t, sign_t, d_t in self.distances[t]:
            at_edge = attempt(lambda e_t=e_t: sp.cancel(original.subs(t, e_t)), _BUDGET, None)
            if at_edge is None or at_edge.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
                continue
            if sp.expand(at_edge - edge) != 0:
                continue
            D = sp.Dummy("D", positive=True)
            shifted = sign * (original.xreplace({t: e_t + sign_t * D}) - edge)
            candidate = attempt(lambda s=shifted: sp.cancel(sp.together(s)), _BUDGET, None)
            if candidate is None:
                continue
            numerator, _ = sp.fraction(candidate)
            if not numerator.is_polynomial(D) or numerator.subs(D, 0) != 0:
                continue
            return candidate.xreplace({D: d_t})
        return None

    # ------------------------------------------------------------------ rewriting
    def rewrite(self, expr: sp.Expr) -> sp.Expr:
        """expr with factors a·(z − e) replaced by ±a·d and log z by its log symbol."""
        if not (expr.free_symbols & (set(self.distances) | set(self.logs))):
            return expr
        return self._walk(expr, {})

    def _walk(self, e: sp.Basic, memo: dict) -> sp.Basic:
        if e in memo:
            return memo[e]
        if e.is_Atom or not e.args:
            out = e
        elif isinstance(e, sp.log):
            out = self._log(self._walk(self._factor(e.args[0]), memo))
        else:
            args = [self._walk(a, memo) for a in e.args]
            node = (
                e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
            )
            out = self._linear(node) if isinstance(node, sp.Add) else node
        memo[e] = out
        return out

    def _factor(self, arg: sp.Expr) -> sp.Expr:
        """arg with the factors of its numerator and denominator in bounded states exposed
        (−z/(z − 1) + 1 = −1/(z − 1)), so that the edge factors can be replaced."""
        bounded = arg.free_symbols & set(self.distances)
        if not bounded or sp.count_ops(arg) > _MAX_OPS:
            return arg
        return attempt(lambda: _factored(arg, bounded), _BUDGET, arg)

    def _linear(self, node: sp.Add) -> sp.Expr:
        """a·z + c with −c/a an edge e of z's range: a·(z − e) = ±a·d."""
        for z in node.free_symbols & set(self.distances):
            c, rest = node.as_independent(z, as_Add=True)
            a, part = rest.as_independent(z, as_Add=False)
            if part != z or c == 0:
                continue
            for edge, sign, d in self.distances[z]:
                if d is not z and sp.expand(c + a * edge) == 0:
                    return a * sign * d
        return node

    def _log(self, arg: sp.Expr) -> sp.Expr:
        """log(arg), split into logs of states and distances where their signs are known."""
        if arg in self.logs:
            return self.logs[arg]
        if not (arg.free_symbols & (set(self.distances) | set(self.logs))):
            return sp.log(arg)
        expanded = attempt(lambda: sp.expand_log(sp.log(arg), force=False), _BUDGET, sp.log(arg))
        swaps = {
            log: self.logs[log.args[0]]
            for log in expanded.atoms(sp.log)
            if log.args[0] in self.logs
        }
        return expanded.xreplace(swaps)


def _factored(arg: sp.Expr, states: set) -> sp.Expr:
    """arg as a quotient whose numerator and denominator are factored in ``states``."""
    numerator, denominator = sp.fraction(sp.together(arg))
    parts = []
    for part in (numerator, denominator):
        if any(
            part.is_polynomial(z) and sp.degree(part, z) > 1 for z in part.free_symbols & states
        ):
            part = sp.factor(part)
        parts.append(part)
    return parts[0] / parts[1]
