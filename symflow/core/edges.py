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
* **Complements of powers.** c − k·dᵖ with d the distance of z to one edge and c the
  value of k·dᵖ at the other edge (1 − (1 − z)^⅓ on (0, 1)) is taken from the distance D
  to that other edge where D is small: −c·expm1(p·log1p(−D/L)).
* **Log-space states.** The log of a positive state defined by a product, power,
  exponential or quotient is expanded (log((x/2)³) = 3·log(x/2)) and reused wherever
  log z appears; likewise the log of each edge distance.

The rewritten pass computes the same mathematical function; added assignments have
kind ``"edge"`` and are kept only where a later expression uses them.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.assignment import Assignment
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

import functools
from collections.abc import Mapping, Sequence

import sympy as sp

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number

__all__ = [
    "edge_assignments",
    "membership_in_x",
    "difference",
    "exact_difference",
    "inverse_difference",
    "erf_difference",
    "erfinv_difference",
]

#: wall-clock budget (seconds) of one symbolic simplification of a distance
_BUDGET = 2.0
#: expressions larger than this (in operations) are not simplified
_MAX_OPS = 200
#: log|s| beyond which a state s is taken from its log (e^709.8 is the largest float)
_OVERFLOWING = 700
#: below this an implicit root on (0, hi) is solved again in log space (see
#: _EdgePass._define_implicit_log): far above the subnormals, where its digits go
_UNDERFLOWING = 1e-200


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
    from symflow.core.assignment import Assignment

    ranges = _narrowed(assignments, ranges)
    edges = _EdgePass(ranges)
    edges.singular = _singular_states(assignments, ranges)
    out: list = []
    for a in _compose_log_dets(assignments):
        value = edges.rewrite(a.value)
        defined: list = []
        if a.kind == "state" and a.target in ranges:
            value, defined = edges.define(a.target, a.value, value)
        out.append(Assignment(a.target, value, a.kind))
        out.extend(defined)
    return _prune(_cancelled(out))


def _narrowed(assignments: Sequence, ranges: Mapping) -> dict:
    """``ranges`` with each state's interval cut to the image of the state it is computed
    from, where both ends of that image are finite numbers: W₀(x) on (0, e) lives on
    (0, 1), not on W₀'s whole piece (0, ∞), so that its distance to 1 is derived. Each
    state of a path is a monotone function of the one before (an inverse branch), so
    the image is the interval between its values at the two ends."""
    out = dict(ranges)
    for a in assignments:
        if a.kind != "state" or a.target not in out:
            continue
        previous = a.value.free_symbols & set(out)
        if len(previous) != 1 or a.value.free_symbols - previous:
            continue
        (t,) = previous
        around = out[t]
        if sp.count_ops(a.value) > _MAX_OPS or not isinstance(around, sp.Interval):
            continue
        if not (is_finite_number(around.inf) and is_finite_number(around.sup)):
            continue  # a limit at an infinite end costs more than the cut gains
        value = a.value
        ends = [
            attempt(lambda e=e, v=value, t=t: _at(v, t, e), _BUDGET, None)
            for e in (around.inf, around.sup)
        ]
        if not all(e is not None and e.is_number and is_finite_number(e) for e in ends):
            continue
        lo, hi = ends
        if attempt(lambda lo=lo, hi=hi: bool(lo > hi), _BUDGET, None):
            lo, hi = hi, lo
        image = attempt(lambda lo=lo, hi=hi: sp.Interval.open(lo, hi), _BUDGET, None)
        current = out[a.target]
        cut = attempt(lambda i=image, c=current: c.intersect(i), _BUDGET, None)
        if isinstance(cut, sp.Interval) and cut.measure.is_positive and cut != out[a.target]:
            out[a.target] = sp.Interval.open(cut.inf, cut.sup)
    return out


def membership_in_x(checks: Sequence, assignments: Sequence, inputs: Sequence) -> sp.Basic:
    """The conjunction of ``checks`` (conditions on latent states) with each condition
    that SymPy reduces to one input coordinate replaced by that condition on x.

    A latent state can round onto its edge where x is inside the support (σ(x₁) is 1.0
    from x₁ ≈ 37 on); a condition such as tan(x₂) − x₁^⅓ ≥ 0 that reads several
    coordinates stays on the latent state, which is exact wherever that state is.

    Parameters
    ----------
    checks : sequence of Boolean
        The path's membership conditions on its states.
    assignments : sequence of Assignment
        The path's inverse pass (states in terms of the inputs).
    inputs : sequence of Symbol
        x₁, …, x_d.

    Returns
    -------
    Boolean
        An equal condition; the caller rounds its numeric endpoints outwards to floats.

    Examples
    --------
    >>> from symflow.core.assignment import Assignment
    >>> x1, x2, z1, z2 = sp.symbols("x1 x2 z1 z2", real=True)
    >>> passes = [Assignment(z1, sp.exp(x1) / (1 + sp.exp(x1))), Assignment(z2, x2 - z1)]
    >>> test = membership_in_x([sp.And(0 < z1, z1 < sp.Rational(1, 2), z2 >= 0)], passes, [x1, x2])
    >>> sorted(map(str, test.args))
    ['x1 < 0', 'z2 >= 0']
    """
    values: dict[sp.Symbol, sp.Expr] = {}
    for a in assignments:
        if a.kind == "state":
            values[a.target] = a.value.xreplace(values)
    kept = []
    for relation in sp.And.make_args(sp.And(*checks)):
        in_x = relation.xreplace(values)
        if in_x is sp.true:
            continue
        if len(in_x.free_symbols) == 1 and in_x.free_symbols <= set(inputs):
            (x,) = in_x.free_symbols
            interval = attempt(lambda r=in_x: r.as_set(), _BUDGET, None)
            if interval == sp.Reals:
                continue
            if isinstance(interval, sp.Set) and not interval.has(sp.ConditionSet):
                kept.append(interval.as_relational(x))
                continue
        kept.append(relation)
    return sp.And(*kept)


def _cancelled(assignments: list) -> list:
    """The result with the log|det| terms inlined where their large parts cancel
    symbolically (log cosh x − log sinh x for x = 1e15, whose terms are each 1e15 and
    round before they meet in the sum); unchanged where nothing cancels."""
    from symflow.core.assignment import Assignment

    aliases = {a.target: a.value for a in assignments if a.kind != "result" and a.value.is_Symbol}
    for target, value in aliases.items():
        while value in aliases:  # z_1 = log_z_2 = z_3: one name for one value
            value = aliases[value]
        aliases[target] = value
    terms = {a.target: a.value.xreplace(aliases) for a in assignments if a.kind == "log_det"}
    out = []
    for a in assignments:
        used = a.value.free_symbols & set(terms)
        if a.kind == "result" and used:
            inlined = sp.expand(a.value.xreplace(terms).xreplace(aliases), deep=False)
            # the terms of the sum, before and after: fewer only where some cancelled
            before = len(sp.Add.make_args(a.value)) - len(used)
            before += sum(len(sp.Add.make_args(terms[t])) for t in used)
            through = _cancelled_through_piecewise(inlined, assignments)
            if through is not None:
                a = Assignment(a.target, through, a.kind)
            elif len(sp.Add.make_args(inlined)) < before:
                a = Assignment(a.target, inlined, a.kind)
        out.append(a)
    return out


def _cancelled_through_piecewise(result: sp.Expr, assignments: list) -> sp.Expr | None:
    """The result with a Piecewise-valued state inlined and the sum taken into each
    branch, where some branch then cancels a term of the sum (−log sinh x in one branch
    of z = log sinh x against + log sinh x from a log|det| term): as a Piecewise of
    sums, the large terms meet symbolically and not after each has rounded."""
    from symflow.core.assignment import Assignment  # noqa: F401 (same layer)

    aliases = {a.target: a.value for a in assignments if a.value.is_Symbol}
    values = {
        a.target: a.value.xreplace(aliases)
        for a in assignments
        if isinstance(a.value, sp.Piecewise)
    }
    for s in sorted(result.free_symbols & set(values), key=str):
        value = values[s]
        if not isinstance(result, sp.Add) or len(value.args) > 4:
            continue
        _, rest = result.as_independent(s, as_Add=True)
        k, core = rest.as_coeff_Mul()
        if core != s:
            continue  # s enters the sum other than as k·s
        others = result - rest
        branches, gained = [], False
        for branch, condition in value.args:
            summed = sp.expand(others + k * branch, deep=False)
            before = len(sp.Add.make_args(others)) + len(sp.Add.make_args(branch))
            gained |= len(sp.Add.make_args(summed)) < before
            branches.append((summed, condition))
        if gained:
            return sp.Piecewise(*branches)
    return None


def _singular_states(assignments: Sequence, ranges: Mapping) -> set:
    """The states whose relative accuracy next to 0 matters: those a log or a power
    with a negative or fractional exponent reads (log|z|, |z|^(−4/5)), and, through a
    state that vanishes where its predecessor does (tan t, t^⅕), that predecessor."""
    states = {a.target: a.value for a in assignments if a.kind == "state"}
    marked: set = set()

    def mark(arg: sp.Expr) -> None:
        for factor in sp.Mul.make_args(arg):
            base = factor.as_base_exp()[0]
            base = base.args[0] if isinstance(base, sp.Abs) else base
            if base in ranges:
                marked.add(base)

    for a in assignments:
        for node in sp.preorder_traversal(a.value):
            if isinstance(node, sp.log):
                mark(node.args[0])
            elif isinstance(node, sp.Pow) and not (node.exp.is_integer and node.exp >= 0):
                mark(node.base)
    for target in reversed(list(states)):
        previous = states[target].free_symbols & set(states)
        if target in marked and len(previous) == 1:
            (t,) = previous
            at_zero = attempt(lambda t=t, v=states[target]: v.subs(t, 0), _BUDGET, None)
            if at_zero is not None and at_zero.is_zero:
                marked.add(t)
    return marked


def _compose_log_dets(assignments: Sequence) -> list:
    """Each log|det| term that reads one state, composed with that state's definition
    where function calls cancel (log sin(acos x) = log √(1 − x²)): the edge rewrite then
    sees the factors 1 − x and 1 + x instead of a state rounded next to its edge."""
    from symflow.core.assignment import Assignment

    values = {a.target: a.value for a in assignments if a.kind == "state"}
    out = []
    for a in assignments:
        deps = [t for t in a.value.free_symbols if t in values]
        if a.kind == "log_det" and len(deps) == 1:
            inlined = a.value.xreplace({deps[0]: values[deps[0]]})
            if _calls(inlined) < _calls(a.value) + _calls(values[deps[0]]):
                a = Assignment(a.target, inlined, a.kind)
        out.append(a)
    return out


def _calls(expr: sp.Expr) -> int:
    return sum(isinstance(node, sp.Function) for node in sp.preorder_traversal(expr))


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
        #: conditions of the positive near branches made by _complement
        self.positive_near: set = set()
        #: state of either sign -> the symbol holding log|state|
        self.positive_logs: dict[sp.Symbol, sp.Symbol] = {}
        #: states whose digits next to 0 a later log or singular power needs
        self.singular: set = set()

    # ------------------------------------------------------------------ definitions
    def define(self, z: sp.Symbol, original: sp.Expr, value: sp.Expr) -> tuple:
        """z's value (recomputed from the previous state's distance where z vanishes at
        an edge) and the assignments of its edge distances and of their logs."""
        from symflow.core.assignment import Assignment

        out: list = []
        interval = self.ranges[z]
        self.values[z] = original
        found = []
        for edge, sign, side in ((interval.inf, 1, "lo"), (interval.sup, -1, "hi")):
            if (
                edge.is_infinite
                or edge.has(sp.zoo, sp.nan, sp.AccumBounds)
                or edge.free_symbols & set(self.ranges)
            ):
                continue
            if edge == 0:
                # z is its own distance to 0: compute z itself without cancellation
                through = self._through_previous(original, edge, sign)
                if through is not None:
                    value = sign * through
                if sign == 1:
                    found.append((edge, sign, z))
                    continue
            d = sp.Symbol(f"{z.name}_to_{side}", positive=True)
            distance = self._distance(original, value, edge, sign)
            if edge == 0:
                # −z itself, also next to a pole of z at the other end of the previous
                # state (−erf⁻¹(t) for t → −1: −erfc⁻¹(1 + t), see _near_poles)
                distance = sign * self._near_poles(original, sign * distance)
            out.append(Assignment(d, distance, "edge"))
            found.append((edge, sign, d))
            if isinstance(distance, sp.Piecewise) and isinstance(
                distance.args[0][0], lambertw_branch_distance
            ):
                # W next to its branch value from that distance too (W₀(t) rounded is
                # off by 1e-16/√(t + 1/e))
                near, where = distance.args[0]
                value = sp.Piecewise((edge + sign * near, where), (value, True))
        self.distances[z] = found
        value = self._near_poles(original, value)
        # near a pole, then near a zero: the zero's form is tested first where both reach
        value = self._near_inner_pole(original, value)
        if z in self.singular and interval.inf < 0 < interval.sup:
            value = self._near_zero(original, value)
        value = self._root_of_large(value)
        value = self._log_like_of_large(value)
        implicit = (
            self._define_implicit_log(z, original, value, out)
            if interval.inf.is_nonnegative
            else None
        )
        if implicit is None and not interval.inf.is_nonnegative:
            value = self._signed_far_root(original, value)
        if implicit is not None:
            value = implicit
        elif interval.inf.is_nonnegative:
            self._define_log(z, value, out, always=False)
        elif isinstance(value, sp.sinh):
            # sinh u of either sign: log|sinh u| = log sinh|u|, for logs of affine maps
            # of it (see _log_affine) and its roots (see _root_of_large)
            name = sp.Symbol(f"log_abs_{z.name}", real=True)
            out.append(Assignment(name, sp.log(sp.sinh(sp.Abs(value.args[0]))), "edge"))
            self.positive_logs[z] = name
        # the distances' logs last: far from its edge, log(z − e) is read from log z
        for a in list(out):
            if any(a.target is d for _, _, d in found):
                self._define_log(a.target, a.value, out, always=True)
        self._negative_root_log_law(original, interval, found, out)
        return value, out

    def _negative_root_log_law(self, original, interval, found, out: list) -> None:
        """log(−z) for an implicit root z on a piece (lo, 0) of a map with a logarithmic
        law at 0, f(z) = L + k·log(−z) + O(z) (Ei on the negative side): (y − L)/k once
        that is below −700, where z itself underflows (Ei(z) = −1000 at z = −e^(−1000 − γ));
        it replaces the log of z's distance to 0."""
        from symflow.core.assignment import Assignment
        from symflow.core.layer import ImplicitInverse

        if not (isinstance(original, ImplicitInverse) and interval.sup == 0):
            return
        cls, t = type(original), original.variable
        law = _small_root_log_law(cls.forward.xreplace({t: -t}), t)
        if law is None:
            return
        k, lead = law
        (y,) = original.args
        u = (y - lead) / k
        for edge, _, d in found:
            name = self.logs.get(d)
            if edge != 0 or name is None:
                continue
            for i, a in enumerate(out):
                if a.target is name:
                    law_log = sp.Piecewise((u, u < -_OVERFLOWING), (a.value, True))
                    out[i] = Assignment(name, law_log, a.kind)

    def _near_poles(self, original: sp.Expr, value: sp.Expr) -> sp.Expr:
        """value, recomputed from the previous state's edge distance D where it has a pole
        at that edge and SymPy absorbs the shift: tan(π/2 − D) = cot D, exact for tiny D
        where tan of the rounded state is not."""
        previous = [t for t in original.free_symbols if t in self.distances]
        if len(previous) != 1 or sp.count_ops(original) > _MAX_OPS:
            return value
        (t,) = previous
        pieces = []  # one near form per edge of t with a pole (tan at both ±π/2)
        for e_t, sign_t, d_t in self.distances[t]:
            if d_t is t or not e_t.is_number:
                continue
            at_edge = attempt(lambda e_t=e_t: original.subs(t, e_t), _BUDGET, None)
            if at_edge is None or not at_edge.has(sp.zoo, sp.oo, -sp.oo):
                continue
            shifted = original.subs(t, e_t + sign_t * d_t)
            if not _absorbed(shifted, d_t):
                shifted = _at_unit_poles(shifted, d_t)
                if shifted is None or not _absorbed(shifted, d_t, _UNIT_POLES):
                    continue
            near = self.rewrite(shifted)
            # the pole's side of t's range only: next to the other edge the value keeps
            # its own edge form (cot d − 1 cancels where cot d ≈ 1)
            reach = abs(e_t) / 2
            interval = self.ranges.get(t)
            if interval is not None and interval.measure.is_finite:
                reach = sp.Min(reach, interval.measure / 2)
            pieces.append((near, d_t < reach))
        return sp.Piecewise(*pieces, (value, True)) if pieces else value

    def _root_of_large(self, value: sp.Expr) -> sp.Expr:
        """|s|^p·sign(s) (or |s|^p, s^p) with |p| < 1 for a state s whose log|s| = L is
        held: sign(s)·e^(p·L) where s itself overflows (∛sinh x is 1e96 at x = 666,
        where sinh x is inf), the value as it is elsewhere."""
        sign, power = sp.Integer(1), value
        if isinstance(value, sp.Mul) and len(value.args) == 2:
            signs = [f for f in value.args if isinstance(f, sp.sign)]
            if len(signs) != 1:
                return value
            sign = signs[0]
            power = value / sign
        if not isinstance(power, sp.Pow):
            return value
        base, p = power.base, power.exp
        s = base.args[0] if isinstance(base, sp.Abs) else base
        if not (p.is_number and p.is_real and abs(p) < 1) or (sign != 1 and sign.args[0] != s):
            return value
        log_s = self.logs.get(s, self.positive_logs.get(s))
        if log_s is None and base is not s and s in self.ranges:
            log_s = self._log_of_distance_to_zero(s)  # |s| = −s for s < 0
        if log_s is None or (base is s and s not in self.logs):
            return value
        return sp.Piecewise((sign * sp.exp(p * log_s), log_s > _OVERFLOWING), (value, True))

    def _log_like_of_large(self, value: sp.Expr) -> sp.Expr:
        """asinh s, acosh s or log(1 + s) for a positive state s whose log L is held:
        log 2 + L (the rest, 1/(4s²), is below the last digit) and L + log(1 + e^(−L))
        beyond s = e^20, finite where s itself overflows (s = 1/x at x = 5e-324); the
        value as it is elsewhere."""
        from sympy.codegen.cfunctions import log1p

        if not isinstance(value, (sp.asinh, sp.acosh, log1p)):
            return value
        log_s = self._held_log(value.args[0])
        if log_s is None:
            return value
        if isinstance(value, log1p):
            large = log_s + log1p(sp.exp(-log_s))
        else:
            large = sp.log(2) + log_s
        return sp.Piecewise((large, log_s > 20), (value, True))

    def _define_implicit_log(
        self, z: sp.Symbol, original: sp.Expr, value: sp.Expr, out: list
    ) -> sp.Expr | None:
        """log z for an implicit root z = f⁻¹(y) on a piece (lo, hi), lo ≥ 0, and z's
        value; None where z is no such root or nothing is gained.

        Where z is tiny (lo = 0), log z is read from the defining equation (see
        :meth:`_log_small_root`) where f vanishes at 0 like a power, or else is the root
        of f(eᵘ) = y on (−∞, log hi), solved in that coordinate (it underflows:
        z + log z = −800); where y is held in log space and overflows (y = eˣ, x = 2000;
        y = 1/x, x = 5e-324), z or log z is the root of an equation in log y (see
        :func:`_log_space_inverse`); elsewhere log of the root."""
        from symflow.core.assignment import Assignment
        from symflow.core.layer import ImplicitInverse, implicit_inverse

        if not isinstance(original, ImplicitInverse):
            return None
        # the root's own piece, or the part of it this path reaches (z + sinh z on the
        # line, z > 0 where y = 1/x > 0)
        lo = original.lo if original.lo.is_nonnegative else self.ranges[z].inf
        if not lo.is_nonnegative:
            return None
        cls, t = type(original), original.variable
        (y,) = original.args
        log_y = self._held_log(y)
        large = _log_space_inverse(cls, lo) if log_y is not None else None
        if lo != 0 and large is None:
            return None
        small = self._log_small_root(value) if original.lo == 0 else None
        if small is not None:
            log_value = small.xreplace({value: z})
        elif lo == 0:
            in_logs = sp.expand_log(cls.forward.xreplace({t: sp.exp(t)}), force=True)
            piece = sp.Interval.open(-sp.oo, sp.log(cls.hi))
            solve = implicit_inverse(in_logs, t, piece, cls.direction, f"log_{cls.label}")
            log_value = sp.Piecewise((solve(y), z < _UNDERFLOWING), (sp.log(z), True))
            law = _small_root_log_law(cls.forward, t)
            if law is not None:
                # f(z) = L + k·log z + O(z): there f(e^u) itself underflows (Ei(e^u) at
                # u = −1e10 is Ei(0) = −inf), and u = (y − L)/k to the last digit
                k, lead = law
                u = (y - lead) / k
                log_value = sp.Piecewise((u, u < -_OVERFLOWING), (log_value, True))
        else:
            log_value = self._log(value).xreplace({value: z})
        if large is not None:
            g, in_logs = large
            root, far = g(log_y), log_y > _OVERFLOWING
            log_root, root = (root, sp.exp(root)) if in_logs else (sp.log(root), root)
            log_value = sp.Piecewise((log_root, far), (log_value, True))
            value = sp.Piecewise((root, far), (value, True))
        name = sp.Symbol(f"log_{z.name}", real=True)
        out.append(Assignment(name, log_value, "edge"))
        self.logs[z] = name
        return value

    def _signed_far_root(self, original: sp.Expr, value: sp.Expr) -> sp.Expr:
        """An implicit root z = f⁻¹(y) of an increasing f with f(0) = 0 on a piece across
        0, where this path holds y on one side of 0 (y = 1/x, x > 0): where |y| overflows
        (x = 5e-324) but log|y| is finite, z = ±g⁻¹(log|y|) from the log-space equation
        of f on (0, ∞), or of −f(−t) for y < 0 (see :func:`_log_space_inverse`); the
        value as it is elsewhere."""
        from symflow.core.layer import ImplicitInverse, implicit_inverse

        if not isinstance(original, ImplicitInverse) or original.direction != 1:
            return value
        cls, t = type(original), original.variable
        (y,) = original.args
        around = self.ranges.get(y)
        if (
            around is None
            or not (cls.lo == -sp.oo and cls.hi == sp.oo)
            or cls.forward.free_symbols - {t}
            or attempt(lambda: sp.simplify(cls.forward.xreplace({t: 0})), _BUDGET, None) != 0
        ):
            return value
        if around.inf.is_nonnegative:
            sign, g = 1, cls
        elif around.sup.is_nonpositive:
            reflected = -cls.forward.xreplace({t: -t})
            piece = sp.Interval.open(0, sp.oo)
            sign, g = -1, implicit_inverse(reflected, t, piece, 1, f"{cls.label}_neg")
        else:
            return value
        large = _log_space_inverse(g, sp.S.Zero)
        held = self.values.get(y, y)
        log_y = sp.Add(  # log|y| = Σ e·log|b| over y = Π bᵉ: −log|x| for y = 1/x
            *[
                e * self._log(sp.Abs(b))
                for b, e in (f.as_base_exp() for f in sp.Mul.make_args(held))
            ]
        )
        if large is None or log_y in (sp.log(sp.Abs(held)), sp.log(sp.Abs(y))):
            return value  # no log-space equation, or |y| is not held in log space
        solve, in_logs = large
        root = sp.exp(solve(log_y)) if in_logs else solve(log_y)
        return sp.Piecewise((sign * root, log_y > _OVERFLOWING), (value, True))

    def _log_small_root(self, arg: sp.Expr) -> sp.Expr | None:
        """log(c·r(a)) for an implicit root r = D⁻¹(a) on a piece with an end at 0 where
        D(w) = C·|w|ᵏ·(1 + o(1)): for |a| < |C|·10⁻²⁰⁰, log|r| = log(a/C)/k, read from the
        defining equation, where r itself is tiny, subnormal or 0 (r + r³ = 5e-324 has the
        root 5e-324, a float with one significant bit); log(c·r) elsewhere. None where arg
        is not such a root (see :func:`_small_root_law`)."""
        c, r = arg.as_coeff_Mul()
        if not _implicit(r):
            return None
        cls = type(r)
        side = 1 if cls.lo == 0 else -1 if cls.hi == 0 else 0
        if side == 0 or (c > 0) != (side > 0):
            return None  # no end at 0, or c·r is negative
        law = _small_root_law(cls.forward, cls.variable, side)
        if law is None:
            return None
        lead, power = law
        sigma = 1 if lead > 0 else -1
        (a,) = r.args
        log_r = sp.log(abs(c)) + (self._log(sigma * a) - sp.log(abs(lead))) / power
        return sp.Piecewise((log_r, sigma * a < abs(lead) * _UNDERFLOWING), (sp.log(arg), True))

    def _root(self, expr: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
        """The one root of expr in t on t's range, or just beyond a finite edge (within
        half the range's length: a pole at π/2 next to the edge atan(e^54)), or None.

        The roots are found on an enclosure with rational ends and kept where they lie
        strictly inside (:func:`symflow.core.pieces.roots_inside`): SymPy's periodic
        solutions meet an interval with a transcendental end as the empty set (cos 3t = 0
        on a range ending at acos(tan(atan(3)/2))/3 shows no root π/6 to solveset)."""
        from symflow.core.pieces import roots_inside

        domain = self.ranges.get(t, sp.Reals)
        ends: tuple = ()
        if domain.measure.is_finite and domain.measure > 0:
            half = domain.measure / 2
            domain = sp.Interval.open(domain.inf - half, domain.sup + half)
        elif domain != sp.Reals:
            ends = tuple(e for e in (domain.inf, domain.sup) if is_finite_number(e))
            domain = sp.Interval.open(domain.inf, domain.sup)
        roots = attempt(lambda: roots_inside(expr, t, domain), _BUDGET, None)
        # none inside (the empty set): a root at a finite end may still count
        if not isinstance(roots, sp.FiniteSet) and roots is not sp.S.EmptySet:
            return None
        found = set(roots)
        for e in ends:  # a half-line's finite end counts (the closure's root at 0)
            if attempt(lambda e=e: _at(expr, t, e), _BUDGET, None) == 0:
                found.add(e)
        if len(found) != 1:
            return None
        (root,) = found
        return root if root.is_number and is_finite_number(root) else None

    def _offset(self, t: sp.Symbol, c: sp.Expr, depth: int = 0) -> sp.Expr | None:
        """t − c written so that it keeps its digits next to t = c: x − c for the input
        (c split into two floats), and through each earlier state s with t = g(s) as
        g(s) − g(s₀) without the subtraction (see :func:`difference`)."""
        original = self.values.get(t)
        if original is None:
            return exact_difference(t, c) if t.is_Symbol else None
        if original.is_Symbol:
            return self._offset(original, c, depth)
        previous = original.free_symbols & (set(self.values) | set(self.ranges))
        if depth > 8 or len(previous) != 1 or sp.count_ops(original) > _MAX_OPS:
            return None
        (s,) = previous
        s0 = self._root(original - c, s)
        if s0 is None:
            return None
        delta = s if s0 == 0 else self._offset(s, s0, depth + 1)
        if delta is None:
            return None
        return attempt(lambda: difference(original, s, s0, delta), _BUDGET, None)

    def _near_inner_pole(self, original: sp.Expr, value: sp.Expr) -> sp.Expr:
        """value next to a pole c of it in the previous state t that is not an edge of
        t's range (inside it, or just beyond an edge that is not c itself:
        atan(e^54) < π/2), from t − c (see :meth:`_offset`) where SymPy absorbs the shift:
        tan(x² − π/2 + π/2) = −cot(x² − π/2), exact where tan of the rounded x² is not."""
        previous = original.free_symbols & (set(self.values) | set(self.ranges))
        if len(previous) != 1 or sp.count_ops(original) > _MAX_OPS:
            return value
        (t,) = previous
        if not original.has(sp.tan, sp.cot, sp.sec, sp.csc):
            return value
        interval = self.ranges.get(t)
        if interval is None or not interval.measure.is_finite or interval.measure == 0:
            return value
        half = interval.measure / 2
        near = sp.Interval(interval.inf - half, interval.sup + half)
        poles = attempt(lambda: sp.calculus.singularities(original, t, near), _BUDGET, None)
        if not isinstance(poles, sp.FiniteSet) or len(poles) != 1:
            return value
        (c,) = poles
        if not c.is_number or c in (interval.inf, interval.sup):
            return value  # an edge pole: see _near_poles
        d = sp.Dummy("d", real=True)
        shifted = original.subs(t, c + d)
        if not _absorbed(shifted, d):
            return value
        offset = self._offset(t, c)
        if offset is None:
            return value
        reach = sp.Min(abs(c) / 2, half) if c != 0 else half
        return sp.Piecewise(
            (self.rewrite(shifted.xreplace({d: offset})), sp.Abs(offset) < reach), (value, True)
        )

    def _near_zero(self, original: sp.Expr, value: sp.Expr) -> sp.Expr:
        """value next to an interior zero at the previous state t = c ≠ 0, from t − c
        (see :meth:`_offset`): tan x − 1 = sin(x − π/4)/(cos x · cos(π/4)) keeps its
        digits at the float next to π/4, where tan x rounds next to 1 and a later
        log|z| or |z|^(−4/5) would read its rounding error."""
        previous = original.free_symbols & (set(self.values) | set(self.ranges))
        if len(previous) != 1 or sp.count_ops(original) > _MAX_OPS or not _rounds(value):
            return value  # nothing cancels (log z from log-space: x itself)
        (t,) = previous
        c = self._root(original, t)
        if c is None or c == 0:
            return value
        offset = self._offset(t, c)
        if offset is None:
            return value
        near = attempt(lambda: difference(original, t, c, offset), _BUDGET, None)
        if near is None or sp.expand(near - original) == 0:
            return value
        return sp.Piecewise((self.rewrite(near), sp.Abs(offset) < abs(c) / 2), (value, True))

    def _define_log(self, s: sp.Symbol, value: sp.Expr, out: list, always: bool) -> None:
        from symflow.core.assignment import Assignment

        log_value = self._log(value)
        if not always and log_value == sp.log(value) and isinstance(value, sp.Mul):
            # s > 0 here: the factors of unknown sign make up a positive rest, whose log
            # stays together (log of (x/2)²·(3 − x) = 2·log(x/2) + log(3 − x))
            signed = [f for f in value.args if f.is_positive]
            rest = value.func(*[f for f in value.args if not f.is_positive])
            if signed and rest != 1:
                log_value = sp.Add(*[self._log(f) for f in signed]) + sp.log(rest)
        if not always and log_value == sp.log(value) and not isinstance(value, _GROWING):
            return  # nothing gained over log(s)
        name = sp.Symbol(f"log_{s.name}", real=True)
        out.append(Assignment(name, log_value, "edge"))
        self.logs[s] = name

    def _distance(self, original: sp.Expr, value: sp.Expr, edge: sp.Expr, sign: int) -> sp.Expr:
        """sign·(value − edge), simplified so that it does not cancel near the edge."""
        if original.is_Symbol and original not in self.distances:
            # the input x: exact, so only the constant can round
            return sign * exact_difference(original, edge)
        through = self._through_previous(original, edge, sign)
        if through is not None:
            return through
        branch = self._lambertw_from_offset(original, edge)
        if branch is not None:
            # next to the branch point only: far from it, t = d − 1/e would lose the
            # digits of a small t (W₋₁(t) for t → 0−)
            d = branch.args[0]
            plain = self.rewrite(sign * (value - edge))
            return sp.Piecewise((branch, d < sp.Rational(1, 10)), (plain, True))
        if isinstance(value, sp.Piecewise):
            # a near form of the value at its other edge: the distance branch by branch,
            # so that each keeps its own form (1 − cos x, which the kernels rewrite)
            return sp.Piecewise(
                *[(self._distance(original, v, edge, sign), c) for v, c in value.args]
            )
        plain = sign * (value - edge)
        if sp.count_ops(plain) > _MAX_OPS:
            return plain
        simpler = attempt(lambda: sp.cancel(sp.together(plain)), _BUDGET, plain)
        return self.rewrite(simpler)

    def _lambertw_from_offset(self, original: sp.Expr, edge: sp.Expr) -> sp.Expr | None:
        """|1 + W_k(t)| for a state W_k(t) (k = 0, −1) at its edge −1 as
        :class:`lambertw_branch_distance` of d = t + 1/e held without the subtraction
        (see :meth:`_offset`; −e⁻¹·expm1(u + 1) for t = −eᵘ): the kernels read it from
        the series in √d, which the rounded t would give only to 1e-16/d; None where t
        has no such offset."""
        if not (isinstance(original, sp.LambertW) and edge == -1):
            return None
        t = original.args[0]
        k = original.args[1] if len(original.args) > 1 else sp.S.Zero
        if not t.is_Symbol or k not in (0, -1):
            return None
        offset = self._offset(t, -sp.exp(-1))
        if offset is None or offset == t + sp.exp(-1):
            return None
        return lambertw_branch_distance(offset, k)

    def _through_previous(self, original: sp.Expr, edge: sp.Expr, sign: int) -> sp.Expr | None:
        """The distance in terms of the previous state t and its own distance D to the
        edge that this state's edge comes from: g(t) − g(e) written without the
        subtraction (see :func:`difference`), so that it keeps its digits for small D."""
        previous = [t for t in original.free_symbols if t in self.distances]
        if len(previous) != 1 or sp.count_ops(original) > _MAX_OPS:
            return None
        (t,) = previous
        # an infinite edge of t: the tail of the value there (atan(t) + π/2 = −atan(1/t))
        interval = self.ranges.get(t)
        for e_t in (interval.inf, interval.sup) if interval is not None else ():
            if not e_t.is_infinite:
                continue
            at_edge = attempt(lambda e_t=e_t: sp.limit(original, t, e_t), _BUDGET, None)
            if (
                at_edge is None
                or at_edge.has(sp.zoo, sp.nan, sp.AccumBounds)
                or at_edge.is_infinite
            ):
                continue
            if not attempt(lambda a=at_edge: _same(a, edge), _BUDGET, False):
                continue
            tail = attempt(lambda e_t=e_t: difference(original, t, e_t, None), _BUDGET, None)
            if tail is not None:
                return self.rewrite(sign * tail)
        for e_t, sign_t, d_t in self.distances[t]:
            at_edge = attempt(lambda e_t=e_t: _at(original, t, e_t), _BUDGET, None)
            if at_edge is None or at_edge.has(sp.zoo, sp.oo, -sp.oo, sp.nan, sp.AccumBounds):
                continue
            if not attempt(lambda a=at_edge: _same(a, edge), _BUDGET, False):
                continue
            # t − e_t = sign_t·d_t; near a nonzero edge, |a| and sign(a) are ±a and ±1
            # there (the odd root |t|^⅕·sign t is t^⅕ next to a positive edge)
            local = _signs_at(original, t, e_t) if e_t.is_number and e_t != 0 else original
            delta = attempt(
                lambda e_t=e_t, s=sign_t * d_t, f=local: difference(f, t, e_t, s), _BUDGET, None
            )
            if delta is not None:
                near = self.rewrite(sign * delta)
                if e_t == 0 or not e_t.is_number:
                    return near  # d_t is t itself (or a parameter edge): exact everywhere
                # near t's edge the identity keeps the digits; far from it, d_t has lost
                # those of t (1 − x for x = 1e-300) and the direct form is the right one
                # (with the state's own forms next to a pole of it, which the direct
                # value loses: tan u/2 − c for u next to −π/2)
                far = self.rewrite(sign * (self._near_poles(original, original) - edge))
                # and on t's half of its range at that edge: at the other edge the
                # identity may meet a pole (log1p(−w), w → 1, of a logit near 1)
                reach = abs(e_t) / 2
                if interval is not None and interval.measure.is_finite:
                    reach = sp.Min(reach, interval.measure / 2)
                return sp.Piecewise((near, d_t < reach), (far, True))
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
            out = self._complement(self._linear(node)) if isinstance(node, sp.Add) else node
            if isinstance(out, sp.Pow):
                out = self._power_of_large(out)
            if isinstance(out, sp.Add):
                factored = self._factor(out)  # 1 − z² = (1 − z)(1 + z), under roots too
                if isinstance(factored, sp.Mul):
                    walked = [self._walk(f, memo) for f in factored.args]
                    # only where the factoring separates states or makes a distance: a sum
                    # put over a common denominator of parameters alone cancels
                    # ((z − μ)²/(2σ²) + log σ over 2σ² lost every digit for μ = 1e8 and
                    # underflowed for σ = 1e-200)
                    changed = any(w is not f for w, f in zip(walked, factored.args, strict=True))
                    if changed or sum(map(self._has_state, factored.args)) > 1:
                        out = factored.func(*walked)
        memo[e] = out
        return out

    def _log_of_distance_to_zero(self, s: sp.Symbol) -> sp.Expr | None:
        """The symbol holding log(−s) for a state s < 0 whose distance −s to 0 is held
        in log space; None where it is not."""
        for edge, sign, d in self.distances.get(s, ()):
            if edge == 0 and sign == -1 and d in self.logs:
                return self.logs[d]
        return None

    def _power_of_large(self, power: sp.Pow) -> sp.Expr:
        """sᵖ, 0 < p < 1, for a positive state s whose log L is held: e^(p·L) where s
        overflows (eˣ − 1 at x = 745) but sᵖ does not; sᵖ elsewhere."""
        s, p = power.base, power.exp
        if s not in self.logs or not (p.is_number and p.is_real and 0 < p < 1):
            return power
        if s not in self.ranges or self.ranges[s].sup != sp.oo:
            return power  # bounded: it cannot overflow (and a complement 1 − sᵖ stays one)
        log_s = self.logs[s]
        return sp.Piecewise((sp.exp(p * log_s), log_s > _OVERFLOWING), (power, True))

    def _has_state(self, e: sp.Expr) -> bool:
        """e depends on a state of the pass or on a symbol the pass defined."""
        defined = {d for entries in self.distances.values() for *_, d in entries}
        known = set(self.ranges) | set(self.values) | set(self.logs.values()) | defined
        return bool(e.free_symbols & known)

    def _factor(self, arg: sp.Expr) -> sp.Expr:
        """arg with the factors of its numerator and denominator in bounded states exposed
        (−z/(z − 1) + 1 = −1/(z − 1)), so that the edge factors can be replaced."""
        bounded = arg.free_symbols & set(self.distances)
        if not bounded or sp.count_ops(arg) > _MAX_OPS:
            return arg
        factored = attempt(lambda: _factored(arg, bounded), _BUDGET, arg)
        if factored is arg and isinstance(arg, sp.Add):
            # −1 + 1/z = (1 − z)/z: a sum that is an edge factor over a common denominator
            quotient = attempt(lambda: sp.together(arg), _BUDGET, arg)
            if any(map(self._edge_factor, sp.fraction(quotient))):
                return quotient
        return factored

    def _edge_factor(self, part: sp.Expr) -> bool:
        """part is a·z + c with −c/a an edge of the bounded state z (a distance)."""
        return isinstance(part, sp.Add) and self._linear(part) is not part

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

    def _complement(self, node: sp.Expr) -> sp.Expr:
        """c − k·dᵖ for the distance d = |z − e| of a state z on an interval of length L
        with c = k·Lᵖ: the same from z's distance D to its other edge, near that edge,
        c·(−expm1(p·log1p(−D/L))), which keeps its digits where dᵖ rounds next to
        Lᵖ (1 − (1 − z)^⅓ for z = 1e-12)."""
        from sympy.codegen.cfunctions import expm1, log1p

        if not isinstance(node, sp.Add):
            return node
        c, rest = node.as_coeff_Add()
        k, core = rest.as_coeff_Mul()
        if not (c.is_positive and k.is_negative and isinstance(core, sp.Pow)):
            return node
        d, p = core.base, core.exp
        if not (p.is_number and p.is_real):
            return node
        for z, entries in self.distances.items():
            for e, _, d_e in entries:
                others = [(e2, d2) for e2, _, d2 in entries if e2 != e]
                if d_e is not d or d is z or not others:
                    continue
                e2, d2 = others[0]
                length = abs(e - e2)
                if not length.is_number or sp.simplify(c + k * length**p) != 0:
                    continue
                w = d2 / length
                # 1 − (1 − w)ᵖ = p·w·e^r, r → 0: its log from log w, where w underflows
                r = sp.Piecewise(
                    (0, w < 1e-20), (sp.log(-expm1(p * log1p(-w))) - sp.log(p * w), True)
                )
                near = c * p * w * sp.exp(r)
                if p.is_positive:  # near > 0, also raised to a power: its log may be split
                    self.positive_near.add(d2 < length / 2)
                return sp.Piecewise((near, d2 < length / 2), (node, True))
        return node

    def _log(self, arg: sp.Expr) -> sp.Expr:
        """log(arg), split into logs of states and distances where their signs are known."""
        if arg in self.logs:
            return self.logs[arg]
        base, e = arg.as_base_exp()
        if base in self.logs and e.is_number and e.is_real:
            return e * self.logs[base]  # log(1/z) = −log z: logs are kept of positive states
        if e.is_number and e.is_real and e != 1 and base in self.ranges:
            if self.ranges[base].inf.is_nonnegative:
                # log zᵖ = p·log z on [0, ∞) too (both −∞ at 0): zᵖ underflows where
                # log z does not (z³ at z = 1e-300 on a piece closed at 0)
                return e * self._log(base)
        if e.is_number and e.is_even and base in self.ranges and self.ranges[base].sup == 0:
            # log z²ᵏ = 2k·log(−z) for z < 0, −z being z's distance to 0 (held in log
            # space: z = 1/u overflows at u = −5e-324)
            log_d = self._log_of_distance_to_zero(base)
            if log_d is not None:
                return e * log_d
        if isinstance(arg, sp.Mul) and len(arg.args) == 2 and arg.args[0] == -1:
            inner_base, inner_e = arg.args[1].as_base_exp()
            for edge, sign, d in self.distances.get(inner_base, ()):
                if edge == 0 and sign == -1 and d in self.logs and inner_e.is_integer:
                    # log(−1/z) = −log(−z) for z < 0, −z being z's distance to 0
                    if inner_e % 2 == 1:
                        return inner_e * self.logs[d]
        small = self._log_small_root(arg)
        if small is not None:
            return small
        far = _log_far_from_edge(arg)
        if far is not None:
            return far
        if not (arg.free_symbols & (set(self.distances) | set(self.logs))):
            return sp.log(arg)
        if isinstance(arg, sp.Piecewise):
            return sp.Piecewise(*[(self._log_piece(v, cond), cond) for v, cond in arg.args])
        if isinstance(arg, sp.Abs) and isinstance(arg.args[0], (sp.Mul, sp.Pow)):
            # log|Π fᵉ| = Σ e·log|f|: the positive states among the f in log space
            terms = []
            for factor in sp.Mul.make_args(arg.args[0]):
                base, e = factor.as_base_exp()
                if not (e.is_number and e.is_real):
                    return sp.log(arg)
                terms.append(e * self._log(sp.Abs(base)))
            return sp.Add(*terms)
        if isinstance(arg, sp.Abs) and arg.args[0] in self.logs:
            return self.logs[arg.args[0]]  # logs are kept of positive states only
        square = self._log_one_plus_square(arg)
        if square is not None:
            return square
        affine = self._log_affine(arg)
        if affine is not None:
            return affine
        expanded = attempt(lambda: sp.expand_log(sp.log(arg), force=False), _BUDGET, sp.log(arg))
        swaps = {}
        for log in expanded.atoms(sp.log):
            a = log.args[0]
            if a in self.logs:
                swaps[log] = self.logs[a]
            elif isinstance(a, (sp.Piecewise, sp.Abs)) and a != arg:
                swaps[log] = self._log(a)  # split as below
            elif (linear := _linear_at_zero(a)) is not None and linear[1].free_symbols & (
                set(self.logs) | set(self.distances)
            ):
                # f(u) = c·u·(1 + O(u)) for u → 0+: log f(u) = log c + log u below 1e-20,
                # taken in log space where u underflows (tan(x²) at x = 1e-200), and
                # without rounding c·u where u is subnormal (erf⁻¹(5e-324) is
                # 0.886·5e-324, a float with one significant bit: 5e-324)
                slope, u = linear
                inner = self._log(u)
                if inner != sp.log(u) or slope != 1:
                    swaps[log] = sp.Piecewise((sp.log(slope) + inner, u < 1e-20), (log, True))
        return expanded.xreplace(swaps)

    def _log_piece(self, value: sp.Expr, condition: sp.Basic) -> sp.Expr:
        """log of one branch of a Piecewise; a positive complement branch (see
        :meth:`_complement`) is split into the logs of its factors."""
        if condition not in self.positive_near:
            return self._log(value)
        terms = []
        for factor in sp.Mul.make_args(value):
            base, e = factor.as_base_exp()
            terms.append(e * (base.args[0] if isinstance(base, sp.exp) else self._log(base)))
        return sp.Add(*terms)

    def _held_log(self, s: sp.Expr, logs: Mapping | None = None) -> sp.Expr | None:
        """The symbol holding log s, for a state s kept in log space (named, or written
        out as its definition: sinh(x) for z = sinh(x)); else None. ``logs`` is
        :attr:`logs` unless given."""
        logs = self.logs if logs is None else logs
        if s in logs:
            return logs[s]
        base, e = s.as_base_exp()
        if base in logs and e.is_number and e.is_real and e != 1 and base in self.logs:
            return e * logs[base]  # 1/z from log z
        for state, value in self.values.items():
            if value == s and state in logs:
                return logs[state]
        return None

    def _log_affine(self, arg: sp.Expr) -> sp.Expr | None:
        """log(k·s + c), k > 0, for a state s held in log space (L = log s), without
        forming s (sinh x overflows beyond x ≈ 710 where log(sinh x − 1) is ≈ x):
        log c + log(1 + e^(L + log(k/c))) for c > 0 (a softplus after the stable
        rewrites), and log k + L + log(1 + (c/k)·e^(−L)) for c < 0 where k·s ≥ 2|c|
        (no cancellation there); next to the zero of k·s + c the direct form, whose
        edge distance keeps the digits."""
        from sympy.codegen.cfunctions import log1p

        if not isinstance(arg, sp.Add):
            return None
        c, rest = arg.as_independent(*(self.distances.keys() | self.logs.keys()), as_Add=True)
        k, s = rest.as_coeff_Mul()
        if not (c.is_number and c.is_real and c != 0 and k.is_positive) or s.is_Number:
            return None
        log_s, positive = self._held_log(s), True
        if log_s is None:
            log_s, positive = self._held_log(s, self.positive_logs), s > 0
        if log_s is None:
            return None
        if c.is_positive:
            large = sp.log(c) + sp.log(1 + sp.exp(log_s + sp.log(k / c)))
            return (
                large if positive is True else sp.Piecewise((large, positive), (sp.log(arg), True))
            )
        # k·s ≥ 2|c| > 0 there: s is positive
        large = sp.log(k) + log_s + log1p(c / k * sp.exp(-log_s))
        return sp.Piecewise((large, log_s > sp.log(2 * -c / k)), (sp.log(arg), True))

    def _log_abs_of_affine(self, s: sp.Expr) -> tuple[sp.Expr, sp.Boolean] | None:
        """(log|s|, where) for a state s = c + k·t, t a state whose |t| is held in log
        space (L = log t for t > 0, or the log of t's distance −t to 0 for t < 0):
        log|k| + L + log(1 + c/(±k)·e^(−L)), used where |k·t| ≥ 2|c| (no cancellation
        there), finite where t overflows (t = 1/u at u = 5e-324); None for any other s."""
        from sympy.codegen.cfunctions import log1p

        original = self.values.get(s)
        if original is None or not isinstance(original, sp.Add):
            return None
        c, rest = original.as_coeff_Add()
        k, t = rest.as_coeff_Mul()
        if c == 0 or not (c.is_number and k.is_number) or t not in self.ranges:
            return None
        if t in self.logs:
            log_t, sign = self.logs[t], 1
        else:
            held = [d for e, sg, d in self.distances.get(t, ()) if e == 0 and sg == -1]
            if not held or held[0] not in self.logs:
                return None
            log_t, sign = self.logs[held[0]], -1
        ratio = c / (sign * k)
        log_abs = sp.log(abs(k)) + log_t + log1p(ratio * sp.exp(-log_t))
        return log_abs, log_t > sp.log(2 * abs(ratio))

    def _log_one_plus_square(self, arg: sp.Expr) -> sp.Expr | None:
        """log(c + k·s²) for a state s held in log space (L = log s): log c +
        log(1 + e^2v), v = L + ½ log(k/c), which the stable rewrites turn into softplus
        terms; finite where s² (or s itself: sinh of a large state) overflows."""
        c, rest = arg.as_coeff_Add()
        k, core = rest.as_coeff_Mul()
        if not (c.is_positive and k.is_positive and isinstance(core, sp.Pow)):
            return None
        if core.exp != 2:
            return None
        if core.base not in self.logs:
            far = self._log_abs_of_affine(core.base)
            if far is None:
                return None
            # ½ log(1 + e^2v) as below, where the affine state is far from its zero
            log_abs, where = far
            v = log_abs + sp.log(k / c) / 2
            half = sp.Max(v, 0) + sp.log(1 + sp.exp(-2 * sp.Abs(v))) / 2
            return sp.Piecewise((sp.log(c) + 2 * half, where), (sp.log(arg), True))
        v = self.logs[core.base] + sp.log(k / c) / 2
        lo = self.ranges[core.base].inf if core.base in self.ranges else None
        floor = sp.log(lo) + sp.log(k / c) / 2 if lo is not None and _positive(lo) else None
        if floor is not None and (floor.is_zero or _positive(floor)):
            # v > 0 on the whole (open) range: no Max, so that v can cancel against log s
            return sp.log(c) + 2 * v + sp.log(1 + sp.exp(-2 * v))
        # ½ log(1 + e^2v) = max(v, 0) + ½ log(1 + e^−2|v|): 2v never overflows (v may be
        # 1e308), and one exponential and one log1p
        half = sp.Max(v, 0) + sp.log(1 + sp.exp(-2 * sp.Abs(v))) / 2
        return sp.log(c) + 2 * half


def _log_far_from_edge(arg: sp.Expr) -> sp.Expr | None:
    """log(±(x − c)) for the input's distance x − c to a constant edge c ≠ 0 (see
    :class:`exact_difference`): log|c| + log(1 − x/c) for |x| < |c|/2, where x − c
    rounds to −c and loses x (log(1 + x) is 0.0 at x = 1e-300); the direct log next to
    the edge, where the difference is exact. None for any other arg."""
    from sympy.codegen.cfunctions import log1p

    sign, d = (-1, -arg) if arg.could_extract_minus_sign() else (1, arg)
    if not isinstance(d, exact_difference):
        return None
    x, c = d.args
    if not (c.is_number and c.is_real and c != 0):
        return None
    if (sign == 1) != bool(c.is_negative):
        return None  # ±(x − c) < 0 next to x = 0: not this distance's side
    far = sp.log(abs(c)) + log1p(-x / c)
    return sp.Piecewise((far, sp.Abs(x) < abs(c) / 2), (sp.log(arg), True))


#: functions with f(0) = 0 and f'(0) = 1, increasing through 0 (so log f(u) is real
#: exactly where u > 0): log f(u) = log u + O(u) next to 0
_LINEAR_AT_ZERO = (sp.sinh, sp.tan, sp.atan, sp.asinh, sp.tanh, sp.atanh, sp.sin, sp.asin)


def _is_lambertw0(f: sp.Expr) -> bool:
    return isinstance(f, sp.LambertW) and (len(f.args) == 1 or f.args[1] == 0)


def _linear_at_zero(a: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(c, u) for a = f(u) or a = −f(−u), f one of the functions with f(0) = 0 that
    increase through 0 (see :data:`_LINEAR_AT_ZERO`; also eᵘ − 1, log(1 + u), W₀, erf
    and erf⁻¹), c = f'(0): log a = log c + log u + O(u) for u → 0+. None for any other a."""
    from sympy.codegen.cfunctions import expm1, log1p

    sign, f = (-1, -a) if a.could_extract_minus_sign() else (1, a)
    if isinstance(f, (*_LINEAR_AT_ZERO, expm1, log1p)) or _is_lambertw0(f):
        slope = sp.S.One
    elif isinstance(f, sp.erf):
        slope = 2 / sp.sqrt(sp.pi)
    elif isinstance(f, sp.erfinv):
        slope = sp.sqrt(sp.pi) / 2
    else:
        return None
    return slope, sign * f.args[0]


#: states whose log is better taken in log space than from the state (which overflows
#: long before its log does): log sinh u, log cosh u and log eᵘ have stable forms
_GROWING = (sp.sinh, sp.cosh, sp.exp)


def _factored(arg: sp.Expr, states: set) -> sp.Expr:
    """arg as a quotient whose numerator and denominator are factored in ``states``."""
    numerator, denominator = sp.fraction(sp.together(arg))
    parts = []
    factored = False
    for part in (numerator, denominator):
        if any(
            part.is_polynomial(z) and sp.degree(part, z) > 1 for z in part.free_symbols & states
        ):
            split = sp.factor(part)
            # only a product is progress: an irreducible s² + (z − m)² comes back expanded,
            # m² − 2mz + s² + z², which cancels for m = 1e8 (a Cauchy(1e8, 0.01) kernel
            # gave +inf one hundredth from its centre)
            if sum(1 for f in sp.Mul.make_args(split) if not f.is_number) > 1 or split.is_Pow:
                part = split
                factored = True
        parts.append(part)
    quotient = parts[0] / parts[1]
    if not factored and sp.count_ops(quotient) >= sp.count_ops(arg):
        return arg  # 3·log(z)/2 + 1/(2z) stays a sum: as one fraction, z·log z overflows
    return quotient


class exact_difference(sp.Function):  # noqa: N801 (SymPy function names are lower case)
    """exact_difference(x, c) = x − c for a float64 x and an exact constant c: kernels
    subtract c in two parts (its nearest float, then the rest), so that x − c keeps its
    digits next to c (x − atan(2) at the float nearest atan(2) is 2.2e-17, not 0).

    Examples
    --------
    >>> x = sp.Symbol("x", real=True)
    >>> exact_difference(x, sp.atan(2)).diff(x), exact_difference(3, 1)
    (1, 2)
    """

    nargs = 2

    @classmethod
    def eval(cls, x, c):
        if x.is_number and c.is_number:
            return x - c
        if c.is_zero:
            return x
        return None

    def fdiff(self, argindex=1):
        return sp.Integer(1) if argindex == 1 else sp.Integer(-1)

    def _eval_rewrite_as_Add(self, x, c, **kwargs):
        return x - c

    def _eval_evalf(self, prec):
        return (self.args[0] - self.args[1])._eval_evalf(prec)

    def _eval_is_extended_real(self):
        return True if all(a.is_extended_real for a in self.args) else None


class lambertw_branch_distance(sp.Function):  # noqa: N801
    """lambertw_branch_distance(d, k) = |1 + W_k(d − 1/e)| for k = 0 and k = −1, d ≥ 0:
    the distance of W_k from its branch value −1, given the offset d of its argument
    from the branch point −1/e (kernels sum the series in √(2e·d), so that d's digits
    are not lost to the rounding of d − 1/e).

    Examples
    --------
    >>> d = sp.Symbol("d", positive=True)
    >>> lambertw_branch_distance(d, 0).rewrite(sp.LambertW)
    LambertW(d - exp(-1)) + 1
    >>> lambertw_branch_distance(sp.Float("1e-30"), 0).evalf(6)
    2.33164e-15
    """

    nargs = 2

    def _lambertw(self) -> sp.Expr:
        d, k = self.args
        return sp.LambertW(d - sp.exp(-1), k) if k != 0 else sp.LambertW(d - sp.exp(-1))

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        sign = 1 if self.args[1] == 0 else -1
        return sign * sp.diff(self._lambertw(), self.args[0])

    def _eval_rewrite_as_LambertW(self, d, k, **kwargs):
        w = self._lambertw()
        return 1 + w if k == 0 else -1 - w

    def _eval_evalf(self, prec):
        import mpmath as mp

        d, k = self.args
        value = d.evalf(mp.libmp.prec_to_dps(prec) + 10)
        if not (value.is_Number and k.is_Integer):
            return None
        with mp.workprec(prec + 20):
            offset = mp.mpf(value._mpf_)
            lost = max(0, -int(mp.floor(mp.log(abs(offset) + mp.mpf(2) ** -4000, 2))))
        with mp.workprec(prec + 40 + min(lost, 4000)):
            w = mp.lambertw(offset - mp.exp(-1), int(k)).real
            result = abs(1 + w)
        return sp.Float._new(mp.mpf(result)._mpf_, prec)

    def _eval_is_extended_real(self):
        return True if self.args[0].is_extended_real else None

    def _eval_is_nonnegative(self):
        return True if self.args[0].is_extended_real else None


def _mp_values(args, prec: int) -> tuple | None:
    """The numeric arguments as mpmath numbers at ``prec`` bits and the working bits for
    erf(a + d) − erf(a): those that the second argument's size cancels, and a margin
    (None if an argument is not a number)."""
    import mpmath as mp

    floats = [v.evalf(mp.libmp.prec_to_dps(prec) + 10) for v in args]
    if not all(f.is_Number for f in floats):
        return None
    d = floats[1]
    bits = prec + 40 + (max(0, -int(mp.log(abs(mp.mpf(d._mpf_)), 2))) if d != 0 else 0)
    with mp.workprec(bits):
        values = [mp.mpf(f._mpf_) for f in floats]
    return values, bits


class erf_difference(sp.Function):  # noqa: N801
    """erf_difference(a, d) = erf(a + d) − erf(a), which kernels integrate (2/√π)e^(−t²)
    over (a, a + d) for small d instead of subtracting two rounded values of erf (at the
    float next to an end erf(c) of a support the difference is 1e-17, below erf's
    rounding).

    Examples
    --------
    >>> a, d = sp.symbols("a d", real=True)
    >>> erf_difference(a, d).diff(d)
    2*exp(-(a + d)**2)/sqrt(pi)
    >>> erf_difference(sp.Rational(1, 2), sp.Float("1e-30", 30)).evalf(5)
    8.7878e-31
    """

    nargs = 2

    @classmethod
    def eval(cls, a, d):
        if d.is_zero:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        a, d = self.args
        slope = 2 / sp.sqrt(sp.pi) * sp.exp(-((a + d) ** 2))
        return slope if argindex == 2 else slope - 2 / sp.sqrt(sp.pi) * sp.exp(-(a**2))

    def _eval_rewrite_as_erf(self, a, d, **kwargs):
        return sp.erf(a + d) - sp.erf(a)

    def _eval_evalf(self, prec):
        found = _mp_values(self.args, prec)
        if found is None:
            return None
        import mpmath as mp

        (a, d), bits = found
        with mp.workprec(bits):
            return sp.Float._new((mp.erf(a + d) - mp.erf(a))._mpf_, prec)

    def _eval_is_extended_real(self):
        return True if all(v.is_extended_real for v in self.args) else None


class erfinv_difference(sp.Function):  # noqa: N801
    """erfinv_difference(y, D) = erf⁻¹(erf(y) + D) − y, the root w of
    erf_difference(y, w) = D: next to erf(y) it is well conditioned (w ≈ D·(√π/2)e^(y²)),
    where erf⁻¹ of the rounded sum keeps no digit of w.

    Examples
    --------
    >>> y, d = sp.symbols("y D", real=True)
    >>> erfinv_difference(y, d).diff(d)
    sqrt(pi)*exp((y + erfinv_difference(y, D))**2)/2
    >>> erfinv_difference(sp.Rational(-3, 4), sp.Float("1e-30", 30)).evalf(5)
    1.5554e-30
    """

    nargs = 2

    @classmethod
    def eval(cls, y, d):
        if d.is_zero:
            return sp.Integer(0)
        return None

    def fdiff(self, argindex=1):
        y, d = self.args
        slope = sp.sqrt(sp.pi) / 2 * sp.exp((y + self) ** 2)
        return slope if argindex == 2 else slope * 2 / sp.sqrt(sp.pi) * sp.exp(-(y**2)) - 1

    def _eval_rewrite_as_erfinv(self, y, d, **kwargs):
        return sp.erfinv(sp.erf(y) + d) - y

    def _eval_evalf(self, prec):
        found = _mp_values(self.args, prec)
        if found is None:
            return None
        import mpmath as mp

        (y, d), bits = found
        with mp.workprec(bits):
            slope = 2 / mp.sqrt(mp.pi)
            w = d / (slope * mp.exp(-y * y))
            for _ in range(100):  # Newton on erf(y + w) − erf(y) = d, from the linear start
                step = (mp.erf(y + w) - mp.erf(y) - d) / (slope * mp.exp(-((y + w) ** 2)))
                w -= step
                if abs(step) <= abs(w) * mp.mpf(2) ** (-prec - 10):
                    break
            return sp.Float._new(w._mpf_, prec)

    def _eval_is_extended_real(self):
        return True if all(v.is_extended_real for v in self.args) else None


def _cancels(expr: sp.Expr, t: sp.Symbol, e: sp.Expr) -> bool:
    """expr is a sum, or a product with a sum factor, that vanishes at t = e by
    cancellation ((atan t + π/2)/π at t = −∞): its difference is taken term by term."""
    if isinstance(expr, sp.Add):
        return True
    if not isinstance(expr, sp.Mul):
        return False
    return any(
        isinstance(f, sp.Add) and f.has(t) and attempt(lambda f=f: _at(f, t, e), _BUDGET, None) == 0
        for f in expr.args
    )


def _signs_at(expr: sp.Expr, t: sp.Symbol, e: sp.Expr) -> sp.Expr:
    """expr with each Abs(a) and sign(a) whose argument is nonzero at t = e replaced by
    its form on that side of zero (±a, ±1): equal to expr near e."""
    swaps = {}
    for f in expr.atoms(sp.Abs, sp.sign):
        a = f.args[0]
        value = attempt(lambda a=a: a.subs(t, e), _BUDGET, None)
        if value is None or not value.is_number or value.is_zero is not False:
            continue
        s = 1 if value.is_positive else -1 if value.is_negative else 0
        if s:
            swaps[f] = s * a if isinstance(f, sp.Abs) else sp.Integer(s)
    return expr.xreplace(swaps) if swaps else expr


def _rounds(value: sp.Expr) -> bool:
    """value has a sum, or a function of a computed argument (cos 3x: 3x rounds, and
    cos of it next to a zero keeps none of the digits of x − π/6)."""
    return bool(value.atoms(sp.Add)) or any(
        not all(a.is_Symbol or a.is_number for a in f.args) for f in value.atoms(sp.Function)
    )


def _absorbed(expr: sp.Expr, d: sp.Symbol, poles: tuple = ()) -> bool:
    """No function of ``expr`` has an argument c + (terms in d) with a constant c ≠ 0:
    the shift by the edge was absorbed (tan(π/2 − d) became cot d). With ``poles``,
    only those functions are asked (the others are regular where their argument is)."""
    for f in expr.atoms(sp.Function):
        if poles and not isinstance(f, poles):
            continue
        for arg in f.args:
            if arg.has(d) and isinstance(arg, sp.Add):
                constant, _ = arg.as_independent(d, as_Add=True)
                if constant != 0:
                    return False
    return True


#: functions with poles at ±1 that :func:`_at_unit_poles` writes out
_UNIT_POLES = (sp.atanh, sp.erfinv)


def _at_unit_poles(expr: sp.Expr, d: sp.Symbol) -> sp.Expr | None:
    """atanh and erfinv of ±1 ∓ u (u in the distance d) by their forms at the pole:
    atanh y = (log(1 + y) − log(1 − y))/2, where 1 ∓ y is then u itself, and
    erf⁻¹(±(1 − u)) = ±erfc⁻¹(u), which keep their digits for tiny u where ±1 ∓ u
    rounds to ±1 (the pole) or next to it. None where there is no such term."""
    swaps = {}
    for f in expr.atoms(*_UNIT_POLES):
        arg = f.args[0]
        if not (arg.has(d) and isinstance(arg, sp.Add)):
            continue
        c, rest = arg.as_independent(d, as_Add=True)
        if c not in (1, -1):
            continue
        if isinstance(f, sp.atanh):
            swaps[f] = (sp.log(1 + arg) - sp.log(1 - arg)) / 2
        else:
            swaps[f] = c * sp.erfcinv(-c * rest)
    return expr.xreplace(swaps) if swaps else None


def _positive(c: sp.Expr) -> bool:
    """c > 0, by assumptions or, for a constant, numerically (log(…)^(3/2) of a number
    above 1, which SymPy leaves undecided)."""
    if c.is_positive is not None:
        return bool(c.is_positive)
    if not c.is_number:
        return False
    value = c.evalf(30)
    return bool(value.is_real and value > 0)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """a = b for constants: exactly, or to 60 digits (sinh(−log(1 + √2)) = −1)."""
    difference = sp.expand(a - b)
    if difference == 0:
        return True
    if not difference.is_number:
        return False
    value = difference.evalf(60)
    close = abs(value) < sp.Float(10) ** -50 * (1 + abs(b.evalf(60)))
    return close is sp.true


def _at(expr: sp.Expr, t: sp.Symbol, value: sp.Expr) -> sp.Expr:
    """expr at t = value (a limit from inside only where the substitution is undefined),
    with each implicit root whose exact value is known there written as that value
    (f⁻¹(1 + e) = 1 for f(t) = t + eᵗ on (1, ∞): the end of its piece)."""
    if value.is_infinite:
        return sp.limit(expr, t, value)
    direct = expr.subs(t, value)
    if not direct.has(sp.zoo, sp.nan, sp.AccumBounds):
        return _known_roots(direct)
    return _known_roots(sp.cancel(sp.together(expr)).subs(t, value))


def _known_roots(expr: sp.Expr) -> sp.Expr:
    """expr with each implicit root f⁻¹(a₀) at a number a₀ replaced by its exact value,
    where :func:`_preimage` finds one."""
    from symflow.core.layer import ImplicitInverse

    swaps = {}
    for root in expr.atoms(ImplicitInverse):
        a0 = root.args[0]
        if a0.is_number and not a0.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            exact = attempt(lambda r=root, a0=a0: _preimage(type(r), a0), _BUDGET, None)
            if exact is not None:
                swaps[root] = exact
    return expr.xreplace(swaps) if swaps else expr


@functools.lru_cache(maxsize=256)
def _small_root_law(f: sp.Expr, t: sp.Symbol, side: int) -> tuple[sp.Expr, sp.Expr] | None:
    """(C, k) with f(side·v) = C·vᵏ·(1 + ε(v)) as v → 0+, |ε| < 2⁻⁶⁰ wherever
    |C|·vᵏ < |C|·10⁻²⁰⁰ (checked at that point in high precision); None where f has no
    such power law at 0 (f(0) ≠ 0, a parameter, an unknown leading term).

    Examples
    --------
    >>> t = sp.Symbol("t", real=True)
    >>> _small_root_law(t**3 + t, t, 1), _small_root_law(-t * (t**2 - 3 * t + 4), t, -1)
    ((1, 1), (4, 1))
    >>> _small_root_law(t + sp.exp(t), t, 1) is None
    True
    """
    from sympy.codegen.cfunctions import expm1, log1p

    if f.free_symbols - {t}:
        return None
    v = sp.Symbol("v", positive=True)
    g = f.xreplace({t: side * v}).replace(
        lambda e: isinstance(e, (expm1, log1p, exact_difference)), _elementary
    )
    term = attempt(lambda: g.as_leading_term(v), _BUDGET, None)
    if term is None:
        return None
    lead, power = sp.factor_terms(term).as_coeff_exponent(v)
    if not (lead.is_number and lead.is_real and lead != 0 and power.is_number and power > 0):
        return None
    if power.free_symbols or term.free_symbols - {v}:
        return None
    # the relative rest at the largest root the law is used for, in enough digits that
    # exp(v) − 1 at v = 1e-200 keeps 60 of them
    digits = int(80 + 210 / min(1.0, float(power)))
    edge = sp.Float(_UNDERFLOWING, digits) ** (1 / sp.Float(power, digits))
    rest = attempt(
        lambda: (g.xreplace({v: edge}) / (lead * edge**power) - 1).evalf(digits), _BUDGET, None
    )
    if rest is None or not rest.is_number or not abs(rest) < sp.Float(2) ** -60:
        return None
    return lead, power


@functools.lru_cache(maxsize=256)
def _small_root_log_law(f: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """(k, L) with f(v) = L + k·log v + O(v^½) as v → 0+ (Ei: k = 1, L = γ; E₁: k = −1,
    L = −γ), checked at v = e^(−700) in high precision; None where f has no such law.

    Examples
    --------
    >>> t = sp.Symbol("t", positive=True)
    >>> _small_root_log_law(sp.Ei(t), t)
    (1, EulerGamma)
    >>> _small_root_log_law(t**2, t) is None
    True
    """
    if f.free_symbols - {t}:
        return None
    v = sp.Symbol("v", positive=True)
    g = f.xreplace({t: v})
    k = attempt(lambda: sp.limit(v * sp.diff(g, v), v, 0, "+"), _BUDGET, None)
    if k is None or not (k.is_number and k.is_real and k != 0 and is_finite_number(k)):
        return None
    lead = attempt(lambda: sp.limit(g - k * sp.log(v), v, 0, "+"), _BUDGET, None)
    if lead is None or not (lead.is_number and is_finite_number(lead)):
        return None
    edge = sp.exp(-_OVERFLOWING)
    rest = attempt(
        lambda: (g.xreplace({v: edge}) - lead - k * sp.log(edge)).evalf(60), _BUDGET, None
    )
    if rest is None or not rest.is_number or not abs(rest) < sp.Float(10) ** -150:
        return None
    return k, lead


@functools.lru_cache(maxsize=256)
def _log_space_inverse(cls, lo: sp.Expr | None = None) -> tuple | None:
    """(g, in_logs): an implicit inverse g whose value at log y is log f⁻¹(y)
    (``in_logs``) or f⁻¹(y), finite where y is held as its log and overflows; for a root
    class of f increasing and positive on a piece (lo, ∞) with lo ≥ 0 (the class's own
    lower end, or ``lo`` inside its piece: the part a path reaches); else None.

    * G(u) = log f(eᵘ) on (log lo, ∞), where G is built of terms the kernels evaluate
      without overflow (polynomials, eᵏᵘ, logs of sums of those: log(e^u + e^3u) =
      u + log(1 + e^2u), a softplus); its root is log f⁻¹(y);
    * else, for f a sum of positive terms, G(t) = log d + log(1 + (f − d)/d) with d the
      term that dominates as t → ∞ (log(t + sinh t) = log sinh t + log(1 + t/sinh t),
      log sinh t being finite for every t); its root is f⁻¹(y).

    Examples
    --------
    >>> from symflow.core.layer import implicit_inverse
    >>> t = sp.Symbol("t", real=True)
    >>> root = implicit_inverse(t * sp.exp(t), t, sp.Interval.open(0, sp.oo), 1, "f")
    >>> g, in_logs = _log_space_inverse(root)
    >>> g.forward, in_logs
    (t + exp(t), True)
    >>> root = implicit_inverse(t + sp.sinh(t), t, sp.Interval.open(1, sp.oo), 1, "f")
    >>> g, in_logs = _log_space_inverse(root)
    >>> g.forward, in_logs
    (log(t/sinh(t) + 1) + log(sinh(t)), False)
    """
    from symflow.core.layer import implicit_inverse

    f, t = cls.forward, cls.variable
    lo = cls.lo if lo is None else lo
    if cls.direction != 1 or f.free_symbols - {t} or cls.hi != sp.oo:
        return None
    if not (lo.is_number and lo.is_nonnegative and sp.Ge(lo, cls.lo) is sp.true):
        return None
    positive = sp.Dummy("t", positive=True)
    terms = sp.Add.make_args(f.xreplace({t: positive + lo}))
    if not all(term.is_positive for term in terms):
        return None  # f > 0 on the piece, term by term
    g = attempt(
        lambda: sp.expand_log(sp.log(sp.factor(f.xreplace({t: sp.exp(t)}))), force=True),
        _BUDGET,
        None,
    )
    if g is not None and _no_overflow(g, t):
        piece = sp.Interval.open(sp.log(lo) if lo != 0 else -sp.oo, sp.oo)
        return implicit_inverse(g, t, piece, 1, f"log_{cls.label}"), True
    g = attempt(lambda: _log_of_sum(f, t), _BUDGET, None)
    if g is None:
        return None
    piece = sp.Interval.open(lo, sp.oo)
    return implicit_inverse(g, t, piece, 1, f"log_{cls.label}"), False


def _log_of_sum(f: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    """log f for a sum f of positive terms as log d + log(1 + (f − d)/d), d the term
    whose log is largest at t = 1000 (the one that dominates as t → ∞)."""
    terms = sp.Add.make_args(f)
    if len(terms) < 2:
        return None
    logs = [sp.expand_log(sp.log(term), force=True) for term in terms]
    values = [sp.N(log.xreplace({t: 1000}), 30) for log in logs]
    if not all(v.is_Float for v in values):
        return None
    k = max(range(len(terms)), key=lambda i: values[i])
    rest = sp.Add(*[term / terms[k] for i, term in enumerate(terms) if i != k])
    return logs[k] + sp.log(1 + rest)


def _no_overflow(g: sp.Expr, u: sp.Symbol) -> bool:
    """g is built of polynomials in u, exp of linear terms k·u and logs: no exp of an
    exp, no sinh or power of eᵘ that overflows before the root does."""
    for f in g.atoms(sp.Function):
        if not isinstance(f, (sp.exp, sp.log)):
            return False
        if isinstance(f, sp.exp) and not (f.args[0] / u).is_number:
            return False
    return True


def _elementary(e: sp.Expr) -> sp.Expr:
    """expm1(a), log1p(a) and exact_difference(a, c) as eᵃ − 1, log(1 + a) and a − c,
    which SymPy takes series and leading terms of."""
    from sympy.codegen.cfunctions import expm1

    if isinstance(e, exact_difference):
        return e.args[0] - e.args[1]
    return sp.exp(e.args[0]) - 1 if isinstance(e, expm1) else sp.log(1 + e.args[0])


def _implicit(expr: sp.Expr) -> bool:
    from symflow.core.layer import ImplicitInverse

    return isinstance(expr, ImplicitInverse)


def difference(expr: sp.Expr, t: sp.Symbol, e: sp.Expr, delta: sp.Expr) -> sp.Expr | None:
    """expr(t) − expr(e) written without the subtraction, with ``delta`` standing for
    t − e, or None when no identity applies.

    Sums and products go term by term (u₁v₁ − u₀v₀ = Δu·v₁ + u₀·Δv), and functions by
    identities that keep their digits for small Δ: e^{a₁} − e^{a₀} = e^{a₀}·expm1(Δa),
    log a₁ − log a₀ = log1p(Δa/a₀), atan a₁ − atan a₀ = atan2(Δa, 1 + a₀a₁),
    tan a₁ − tan a₀ = sin Δa/(cos a₁ cos a₀), sinh a₁ − sinh a₀ = 2 cosh((a₁ + a₀)/2)
    sinh(Δa/2) (sin and cos likewise, off their extrema), tanh a₁ − tanh a₀ =
    sinh Δa/(cosh a₁ cosh a₀), atanh a₁ − atanh a₀ = atanh(Δa/(1 − a₀a₁)), erf and erf⁻¹
    by :class:`erf_difference` and :class:`erfinv_difference`, acos(1 − δ) = 2·asin(√(δ/2))
    (and asin) at ±1,
    asinh through log1p
    (log1p(Δa/a₀) for |a₀| > 2⁵¹², where the rest is below 2⁻¹⁰²⁴),
    b₁^p − b₀^p by the geometric sum (integer p) or b₀^p·expm1(p·log1p(Δb/b₀)).
    A function that vanishes at e is its own difference. ``e`` may be ±∞ (``delta``
    None): the difference from the limit there, atan a − (±π/2) = −atan(1/a).

    Examples
    --------
    >>> t, d = sp.symbols("t d", positive=True)
    >>> difference(sp.tan(t) - 1, t, sp.pi / 4, -d)
    -sqrt(2)*sin(d)/cos(t)
    >>> difference((t / 2) ** 3, t, 2, -d)
    -d*(t**2 + 2*t + 4)/8
    >>> x = sp.Symbol("x", negative=True)
    >>> difference(sp.atan(x) / sp.pi + sp.Rational(1, 2), x, -sp.oo, None)
    -atan(1/x)/pi
    """
    from sympy.codegen.cfunctions import expm1, log1p

    e = sp.sympify(e)
    if not expr.has(t):
        return sp.Integer(0)
    if expr == t:
        return delta  # None at an infinite e: no finite difference
    at_e = _at(expr, t, e)
    if at_e.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.AccumBounds):
        return None
    if at_e == 0 and delta is None and not _cancels(expr, t, e):
        return expr  # a product, power or function that vanishes at infinity
    if isinstance(expr, sp.Add):
        parts = [difference(a, t, e, delta) for a in expr.args]
        return None if any(p is None for p in parts) else sp.Add(*parts)
    if isinstance(expr, sp.Mul):
        constant, rest = expr.as_independent(t, as_Add=False)
        factors = sp.Mul.make_args(rest)
        if constant != 1:
            inner = difference(rest, t, e, delta)
            return None if inner is None else constant * inner
        u, v = factors[0], sp.Mul(*factors[1:])
        du, dv = difference(u, t, e, delta), difference(v, t, e, delta)
        if du is None or dv is None:
            return None
        return du * v + _at(u, t, e) * dv
    if isinstance(expr, sp.Pow) and not expr.exp.has(t):
        b, p = expr.base, expr.exp
        db, b0 = difference(b, t, e, delta), _at(b, t, e)
        if db is None:
            return None
        if b0 == 0:
            return db**p if p.is_positive else None
        if p.is_Integer and p > 0:
            return db * sp.Add(*[b**k * b0 ** (p - 1 - k) for k in range(int(p))])
        if p.is_Integer and p < 0:
            inner = difference(b ** (-p), t, e, delta)
            return None if inner is None else -inner * expr * b0**p
        if _positive(b0):
            return b0**p * expm1(p * log1p(db / b0))
        return None
    if isinstance(expr, sp.Function) and len(expr.args) == 1:
        a = expr.args[0]
        a0 = _at(a, t, e)
        if _implicit(expr):  # a root of its own
            da = difference(a, t, e, delta) if delta is not None else None
            if da is None or not a0.is_number or a0.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                return None
            return inverse_difference(expr, a0, da)
        if isinstance(expr, sp.atan) and a0.is_infinite:
            # atan(a) ∓ π/2 for a → ±∞, on that side of 0; the direct form on the other
            s0 = sp.sign(a0)
            return sp.Piecewise((-sp.atan(1 / a), s0 * a > 0), (expr - s0 * sp.pi / 2, True))
        da = difference(a, t, e, delta)
        if da is None:
            return None
        if at_e == 0 and a0 == 0:
            return expr.func(da)  # f(a₁) with a₁ = Δa: sinh Δa, not 2 sinh(Δa/2) cosh(Δa/2)
        if isinstance(expr, sp.exp):
            return sp.exp(a0) * expm1(da)
        if isinstance(expr, sp.log) and _positive(a0):
            return log1p(da / a0)
        if isinstance(expr, sp.atan):
            return sp.atan2(da, 1 + a0 * a)
        if isinstance(expr, sp.tan):
            return sp.sin(da) / (sp.cos(a) * sp.cos(a0))
        if isinstance(expr, sp.sinh):
            return 2 * sp.cosh((a + a0) / 2) * sp.sinh(da / 2)
        if isinstance(expr, sp.LambertW) and a0.is_number and a0 != 0:
            w0 = sp.LambertW(a0)
            if not (w0.is_number and w0.is_real) or w0 == -1:
                return None
            # δ = W(a₀ + Δ) − W₀ from its linear start (tiny Δ) or from the rounded W
            # (elsewhere), then one Newton step on (W₀ + δ)e^(W₀+δ) − W₀e^(W₀) = Δ
            # written as e^(W₀)·(W₀·expm1 δ + δ·e^δ), which does not cancel
            linear = da / (sp.exp(w0) * (1 + w0))
            d0 = sp.Piecewise((linear, sp.Abs(linear) < 1e-8), (expr - w0, True))
            residual = sp.exp(w0) * (w0 * expm1(d0) + d0 * sp.exp(d0)) - da
            return d0 - residual / (sp.exp(w0 + d0) * (1 + w0 + d0))
        if isinstance(expr, sp.erf) and a0.is_number:
            return erf_difference(a0, da)
        if isinstance(expr, sp.erfinv) and a0.is_number and abs(a0) < 1:
            return erfinv_difference(sp.erfinv(a0), da)
        if isinstance(expr, sp.tanh):
            return sp.sinh(da) / (sp.cosh(a) * sp.cosh(a0))
        if isinstance(expr, sp.atanh) and abs(a0) < 1:
            # (a₁ − a₀)/(1 − a₀a₁): the tangent-difference rule of the hyperbolic tangent
            return sp.atanh(da / (1 - a0 * a))
        # sin and cos where they cross their value (not at an extremum, where the
        # difference is of second order and the kernels' rewrites of 1 − cos a apply)
        if isinstance(expr, sp.sin) and sp.cos(a0).is_zero is False:
            return 2 * sp.cos((a + a0) / 2) * sp.sin(da / 2)
        if isinstance(expr, sp.cos) and sp.sin(a0).is_zero is False:
            return -2 * sp.sin((a + a0) / 2) * sp.sin(da / 2)
        if isinstance(expr, (sp.acos, sp.asin)) and a0 in (1, -1):
            # acos(1 − δ) = 2·asin(√(δ/2)): no rounding of 1 − δ onto 1
            half_angle = 2 * sp.asin(sp.sqrt(a0 * -da / 2))
            return -a0 * half_angle if isinstance(expr, sp.asin) else a0 * half_angle
        if isinstance(expr, sp.asinh) and a0.is_number:
            # log of (a₁ + √(1 + a₁²))/(a₀ + √(1 + a₀²)) for a₀ ≥ 0 (asinh is odd)
            s0 = 1 if a0.is_nonnegative else -1
            if abs(a0) > 2**512:
                # asinh a = log 2|a| + 1/(4a²) + …: the difference is log1p(Δa/a₀) to
                # 2^-1024 (a₁ + a₀ and a₀ + √(1 + a₀²) overflow beyond 9e307)
                return s0 * log1p(da / a0)
            r0, r1 = sp.sqrt(1 + a0**2), sp.sqrt(1 + a**2)
            ratio = s0 * da * (1 + s0 * (a + a0) / (r0 + r1)) / (s0 * a0 + r0)
            return s0 * log1p(ratio)
    return None


def inverse_difference(inverse, a0: sp.Expr, delta: sp.Expr) -> sp.Expr | None:
    """f⁻¹(a₀ + Δ) − f⁻¹(a₀) for an implicit inverse, without the subtraction: the root w
    of D(w) = Δ, where D(w) = f(t₀ + w) − f(t₀) is written so that f(t₀) cancels
    (:func:`difference`: (t₀ + w)³ + (t₀ + w) − 2 = w(w² + 3w + 4) at
    t₀ = 1) and t₀ = f⁻¹(a₀) is exact: an end of the piece where f tends to a₀, or a point
    where f takes a₀ exactly. None where no such t₀ or form is found.

    Next to t₀ the root w is well conditioned (D(w) ≈ f′(t₀)·w), where the difference of
    two roots, each rounded next to t₀, keeps no digit.

    Examples
    --------
    >>> from symflow.core.layer import implicit_inverse
    >>> t = sp.Symbol("t", real=True)
    >>> g = implicit_inverse(t**3 + t, t, sp.Interval.open(0, 1), 1, "f")
    >>> d = sp.Symbol("d", positive=True)
    >>> w = inverse_difference(g(2 - d), sp.Integer(2), -d)
    >>> type(w).forward.factor()
    w*(w**2 + 3*w + 4)
    >>> w.subs(d, sp.Float("1e-30", 30)).evalf(5)
    -2.5000e-31
    """
    from symflow.core.layer import implicit_inverse  # (edges is imported by layer)

    cls, f, t = type(inverse), type(inverse).forward, type(inverse).variable
    if f.free_symbols - {t} or not a0.is_number:
        return None
    t0 = attempt(lambda: _preimage(cls, a0), 5.0, None)
    if t0 is None:
        return None
    w = sp.Symbol("w", real=True)
    d = attempt(lambda: difference(f, t, t0, w), 5.0, None)
    if d is None:
        return None
    d = d.xreplace({t: t0 + w})
    piece = sp.Interval.open(cls.lo - t0, cls.hi - t0)
    near = implicit_inverse(d, w, piece, cls.direction, f"{cls.label}_near")
    return near(delta)


def _preimage(cls, a0: sp.Expr) -> sp.Expr | None:
    """The exact t₀ with f(t₀) = a₀ on the piece of ``cls`` (or f → a₀ at its end)."""
    from symflow.core.intervals import endpoint_value

    f, t = cls.forward, cls.variable
    for end, side in ((cls.lo, "+"), (cls.hi, "-")):
        if end.is_finite and sp.simplify(endpoint_value(f, t, end, side) - a0) == 0:
            return end
    root = cls(a0).evalf(40)
    if not (root.is_Float or root.is_Rational):  # (a root at 0 evaluates to Zero)
        return None
    candidate = sp.nsimplify(root, [sp.pi, sp.E], tolerance=sp.Float(10) ** -35)
    if sp.simplify(f.xreplace({t: candidate}) - a0) == 0:
        return candidate
    return None
