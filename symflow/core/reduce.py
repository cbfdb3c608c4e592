"""Maps to fewer dimensions: complete with auxiliaries, derive the joint, integrate out.

For y = e(z) with m < d outputs, the map is completed with d − m auxiliary coordinates
w so that (y, w) = F(z) is invertible, z = G(y, w), and

    p_Y(y) = ∫ p_Z(G(y, w)) · |det ∂G/∂(y, w)| dw                (auxiliary variables)

The auxiliary is z_d (solving for the variable in which e is linear: z1 + z2 → z1 = y − w),
the sum of the variables for a ratio of positive variables (X/(X + Y) → X = y·w,
Y = (1 − y)·w), or the polar angle for a function of z1² + z2². A maximum or minimum is
split into the regions where each argument wins (max(z1, z2) = z1 where z1 > z2), each
completed on its own, and the branch densities summed. The joint density of each
completion comes from the d-dimensional machinery (:mod:`symflow.core.vector_layer`,
:func:`symflow.core.program.build_vector_program`).

The integral is exact where the support conditions are linear in each auxiliary: every
term's limits are the largest lower and the smallest upper bound, one case per choice of
active bounds, so the result is a sum of integrals with explicit limits, each valid on an
interval of y (the triangular density of U + U comes out on (0, 1) and (1, 2)). SymPy
integrates each case within the time budget; otherwise the density is an unevaluated
Integral and the kernel integrates numerically (:mod:`symflow.codegen.marginal`).

Examples
--------
>>> import sympy as sp
>>> from symflow.core.distributions import Uniform
>>> from symflow.core.multivariate import Independent
>>> from symflow.core.transform import Transform
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> base = Independent(Uniform(0, 1), Uniform(0, 1))
>>> r = reduce_transform(base, [], Transform(z1 + z2, [z1, z2]))
>>> r.pieces
((x, Interval.Lopen(0, 1)), (2 - x, Interval.open(1, 2)))
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import sympy as sp

from symflow.core.budget import OutOfTime, attempt, time_limit
from symflow.core.intervals import describe_set, in_order, intersect_intervals
from symflow.core.program import Assignment, MarginalProgram, Path, VectorMarginalProgram
from symflow.core.simplify import shortest_form, tidy_log
from symflow.core.transform import Transform
from symflow.errors import CollapseError, InverseError, SymflowError

__all__ = [
    "Branch",
    "Term",
    "Reduction",
    "DivergenceError",
    "complete",
    "reduce_transform",
    "integrate_out",
    "check_independent",
    "output_cdf",
    "numeric_plan",
    "nested_plan",
]

#: seconds SymPy may spend integrating one case of one auxiliary
CASE_SECONDS = 8.0
#: seconds for the whole exact attempt of one reduction
TOTAL_SECONDS = 40.0


class DivergenceError(SymflowError, ValueError):
    """An auxiliary integral diverges: the outputs have no density.

    Examples
    --------
    >>> import symflow as sf
    >>> issubclass(sf.DivergenceError, sf.SymflowError)
    True
    """


@dataclass(frozen=True)
class Branch:
    """One completion of the map: (y, w) = ``exprs`` of the variables where ``condition``
    holds, with the reason this auxiliary was chosen (for the derivation)."""

    exprs: tuple[sp.Expr, ...]
    variables: tuple[sp.Symbol, ...]
    condition: sp.Basic
    reason: str
    inverse: tuple[sp.Expr, ...] | None = None  # given for the polar completion

    @property
    def transform(self) -> Transform:
        return Transform(list(self.exprs), list(self.variables))


@dataclass(frozen=True)
class Term:
    """density · [conditions] in the outputs and the auxiliaries still to integrate."""

    density: sp.Expr
    conditions: tuple[sp.Basic, ...]


@dataclass
class Reduction:
    """The outputs' density of a map to fewer dimensions, and how it was obtained.

    ``outputs`` are the symbols of y (x for one output, x1 … xm otherwise), ``auxiliaries``
    the w; ``joint`` the joint density of (y, w) as terms; ``pieces`` the exact density
    as (expression, interval) pairs in one output (None when not exact); ``integral`` the
    density as an unevaluated Integral; ``exact_terms`` the exact density for m > 1.
    """

    transform: Transform
    base: object
    branches: tuple[Branch, ...]
    outputs: tuple[sp.Symbol, ...]
    auxiliaries: tuple[sp.Symbol, ...]
    joint: tuple[Term, ...]
    forward: tuple[sp.Expr, ...]
    base_symbols: tuple[sp.Symbol, ...]
    pieces: tuple[tuple[sp.Expr, sp.Interval], ...] | None = None
    exact_terms: tuple[Term, ...] | None = None
    limits: dict = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.pieces is not None or self.exact_terms is not None

    @property
    def joint_density(self) -> sp.Expr:
        """p(y, w): the sum of the branch terms, each 0 outside its conditions."""
        return sp.Add(
            *[
                sp.Piecewise((t.density, sp.And(*t.conditions)), (0, True))
                if t.conditions
                else t.density
                for t in self.joint
            ]
        )

    @property
    def integral(self) -> sp.Expr:
        """∫ p(y, w) dw over the auxiliaries, unevaluated (evaluates with evalf): with the
        limits the support gives when there is one auxiliary, over the line otherwise."""
        if len(self.auxiliaries) == 1:
            explicit = _explicit_integral(self)
            if explicit is not None:
                return explicit
        return sp.Integral(self.joint_density, *[(w, -sp.oo, sp.oo) for w in self.auxiliaries])

    @property
    def support(self) -> sp.Set | None:
        """Where the exact density is positive (one output), or None."""
        if self.pieces is None:
            return None
        merged: list[sp.Interval] = []
        for _, r in self.pieces:  # from left to right (see to_pieces)
            if merged and merged[-1].sup == r.inf:  # touching pieces: one interval
                merged[-1] = sp.Interval.open(merged[-1].inf, r.sup)
            else:
                merged.append(r)
        return sp.Union(*merged)


# -- completion -------------------------------------------------------------------------
def _degree(e: sp.Expr, v: sp.Symbol) -> int | None:
    try:
        return sp.Poly(e, v).degree()
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None


def _homogeneous_zero(e: sp.Expr, variables) -> bool:
    """e(t·z) = e(z): a ratio (scale-free)."""
    t = sp.Symbol("t_scale", positive=True)
    scaled = e.xreplace({v: t * v for v in variables})
    return attempt(lambda: sp.cancel(scaled - e) == 0, 2.0, False)


def _radial(e: sp.Expr, variables) -> sp.Expr | None:
    """E(r) when e(z1, z2) depends on z1² + z2² only, else None."""
    if len(variables) != 2:
        return None
    z1, z2 = variables
    if e.xreplace({z1: -z1}) != e or e.xreplace({z2: -z2}) != e:  # cheap test: even in each
        return None
    r = sp.Symbol("r", positive=True)
    t = sp.Symbol("theta", real=True)
    polar = e.xreplace({variables[0]: r * sp.cos(t), variables[1]: r * sp.sin(t)})
    tidy = attempt(lambda: sp.trigsimp(polar), 3.0, polar)
    if tidy.has(t):
        return None
    return tidy.xreplace({r: sp.Symbol("r_radial", positive=True)})


def _smooth_candidates(exprs, variables, positive: bool) -> list[Branch]:
    """Completions of smooth outputs, best first."""
    d, m = len(variables), len(exprs)
    out: list[Branch] = []
    if m == 1:
        e = exprs[0]
        radial = _radial(e, variables)
        if radial is not None:
            out.append(_polar_branch(e, radial, variables))
        if positive and d == 2 and _homogeneous_zero(e, variables):
            out.append(
                Branch(
                    (e, sp.Add(*variables)),
                    tuple(variables),
                    sp.true,
                    "a ratio of positive variables: the sum w = "
                    f"{sp.latex(sp.Add(*variables))} carries the scale",
                )
            )
        used = [v for v in variables if e.has(v)]
        order = sorted(used, key=lambda v: (_degree(e, v) != 1, used.index(v)))
        for v in order:
            aux = [u for u in variables if u != v]
            out.append(
                Branch(
                    (e, *aux),
                    tuple(variables),
                    sp.true,
                    f"keep {', '.join(sp.latex(a) for a in aux)} and solve for "
                    f"{sp.latex(v)}"
                    + (f" (the map is linear in {sp.latex(v)})" if _degree(e, v) == 1 else ""),
                )
            )
        return out
    for aux in itertools.combinations(reversed(variables), d - m):
        aux = sorted(aux, key=list(variables).index)
        J = sp.Matrix([*exprs, *aux]).jacobian(list(variables))
        if attempt(lambda J=J: sp.simplify(J.det()) == 0, 3.0, True):
            continue
        out.append(
            Branch(
                (*exprs, *aux),
                tuple(variables),
                sp.true,
                f"keep {', '.join(sp.latex(a) for a in aux)} as auxiliaries",
            )
        )
    return out


def _polar_branch(e, radial, variables) -> Branch:
    from symflow.core.system import solve_system

    r = next(iter(radial.free_symbols))
    y = sp.Symbol("y_tmp", real=True)
    sol = solve_system([radial], [r], [y], [sp.Interval.open(0, sp.oo)])
    if sol is None:
        return Branch((e, sp.atan2(variables[1], variables[0])), tuple(variables), sp.true, "")
    radius = sol[0][0]
    y, t = sp.symbols("y_tmp theta_tmp", real=True)
    inverse = (radius * sp.cos(t), radius * sp.sin(t))
    return Branch(
        (e, sp.atan2(variables[1], variables[0])),
        tuple(variables),
        sp.true,
        "a function of the radius: the polar angle w = atan2(z_2, z_1) completes it",
        inverse,
    )


def _extremum_branches(e: sp.Expr, variables) -> list[tuple[sp.Expr, sp.Basic]] | None:
    """[(argument, where it is the max/min)] for e = Max(...) / Min(...), else None."""
    if not isinstance(e, sp.Max | sp.Min):
        return None
    args = list(e.args)
    out = []
    for i, a in enumerate(args):
        wins = [a > b if isinstance(e, sp.Max) else a < b for j, b in enumerate(args) if j != i]
        out.append((a, sp.And(*wins)))
    return out


def complete(transform: Transform, positive: bool = False) -> list[list[Branch]]:
    """Completions of ``transform``: for each region of the domain (one for a smooth map,
    one per winning argument of a max/min), the candidate completions, best first.

    Examples
    --------
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> [b.exprs for b in complete(Transform(z1 * z2, [z1, z2]))[0]]
    [(z1*z2, z2), (z1*z2, z1)]
    """
    exprs, variables = list(transform.exprs), list(transform.vars)
    check_independent(transform)
    regions: list[tuple[list[sp.Expr], sp.Basic]] = [(exprs, sp.true)]
    if len(exprs) == 1:
        split = _extremum_branches(exprs[0], variables)
        if split is not None:
            regions = [([a], c) for a, c in split]
    out = []
    for outs, cond in regions:
        candidates = _smooth_candidates(outs, variables, positive)
        out.append(
            [
                Branch(b.exprs, b.variables, cond, b.reason, b.inverse)
                if cond is not sp.true
                else b
                for b in candidates
            ]
        )
    return out


def check_independent(transform: Transform) -> None:
    """Outputs that are functions of each other have no joint density."""
    m = transform.output_dimension
    if m < 2:
        return
    J = sp.Matrix(list(transform.exprs)).jacobian(list(transform.vars))
    rank = attempt(lambda: J.rank(simplify=True), 5.0, m)
    if rank < m:
        raise CollapseError(
            f"Transform {list(transform.exprs)}: the outputs are functionally dependent "
            f"(the Jacobian has rank {rank} < {m}), so they lie on a curve or surface and "
            f"have no joint density. Drop the outputs that are functions of the others."
        )


# -- the joint density ----------------------------------------------------------------
def _joint_terms(base, earlier, branch: Branch, outputs, auxiliaries) -> list[Term]:
    """p(y, w) of one completion as terms with their support conditions."""
    targets = [*outputs, *auxiliaries]
    if branch.inverse is not None:
        y, t = sp.symbols("y_tmp theta_tmp", real=True)
        g = [v.xreplace({y: targets[0], t: targets[1]}) for v in branch.inverse]
        J = sp.Matrix(g).jacobian(targets)
        det = attempt(lambda: sp.simplify(J.det()), 5.0, J.det())
        density = base.density(g) * sp.Abs(det)
        density = attempt(lambda: sp.trigsimp(density), 3.0, density)
        from symflow.core.system import domain_conditions

        radius = branch.inverse[0].xreplace({t: 0, y: targets[0]})
        conds = [
            *domain_conditions(g[0]),
            radius >= 0,
            *sp.And.make_args(base.support_condition(g)),
            targets[1] > -sp.pi,
            targets[1] < sp.pi,
        ]
        return [Term(_tidy(density), tuple(c for c in conds if c is not sp.true))]
    from symflow.core.closed_form import density_terms
    from symflow.core.program import build_vector_program
    from symflow.core.vector_layer import VectorLayer

    intervals = getattr(base, "components", None)
    intervals = [c.support for c in intervals] if intervals is not None else None
    layers = []
    for i, tr in enumerate([*earlier, branch.transform], start=1):
        layers.append(VectorLayer.place(tr, i, intervals if i == 1 else None))
    program = build_vector_program(base, layers)
    rename = dict(zip(program.inputs, targets, strict=True))
    values: dict = {}
    for a in program.paths[0].assignments:
        if a.kind == "state":
            values[a.target] = a.value.xreplace(values)
    last = layers[-1]
    where = branch.condition.xreplace(
        {v: values[s] for v, s in zip(branch.variables, last.input_symbols, strict=True)}
    )
    terms = []
    for density, region in density_terms(program):
        conds = [*sp.And.make_args(region), *sp.And.make_args(where)]
        conds = [c.xreplace(rename) for c in conds if c is not sp.true]
        terms.append(Term(density.xreplace(rename), tuple(conds)))
    return terms


def _tidy(expr: sp.Expr) -> sp.Expr:
    return attempt(lambda: sp.powsimp(sp.factor_terms(expr)), 3.0, expr)


# -- limits of integration ------------------------------------------------------------
def _sign(expr: sp.Expr, assume: dict) -> int | None:
    """+1 / −1 when the sign of ``expr`` is known (numbers, or under ``assume``)."""
    e = expr.xreplace(assume)
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    return None


def _as_nonnegative(cond: sp.Basic) -> tuple[sp.Expr, bool] | None:
    """(g, strict) with cond ⇔ g ≥ 0 (g > 0 when strict)."""
    if isinstance(cond, sp.GreaterThan | sp.StrictGreaterThan):
        return cond.lhs - cond.rhs, isinstance(cond, sp.StrictGreaterThan)
    if isinstance(cond, sp.LessThan | sp.StrictLessThan):
        return cond.rhs - cond.lhs, isinstance(cond, sp.StrictLessThan)
    return None


@dataclass(frozen=True)
class _Bounds:
    lower: tuple[sp.Expr, ...]
    upper: tuple[sp.Expr, ...]
    rest: tuple[sp.Basic, ...]  # conditions free of the variable


def _bounds(conds, w: sp.Symbol) -> list[_Bounds] | None:
    """Each condition in w as a lower or upper bound, with a case split where the sign of
    w's coefficient depends on the other variables; None when a condition is not linear
    (after clearing a denominator of known sign) in w."""
    positive = sp.Dummy("w_pos", positive=True)
    direct = [c for c in conds if c.free_symbols == {w}]
    known_positive = any(
        (g := _as_nonnegative(c)) is not None
        and _degree(g[0], w) == 1
        and sp.Poly(g[0], w).LC() > 0
        and (-sp.Poly(g[0], w).TC() / sp.Poly(g[0], w).LC()) >= 0
        for c in direct
    )
    assume = {w: positive} if known_positive else {}
    cases: list[tuple[list, list, list]] = [([], [], [])]
    for c in conds:
        if isinstance(c, sp.Unequality):  # a point: measure zero
            continue
        if not c.has(w):
            for case in cases:
                case[2].append(c)
            continue
        form = _as_nonnegative(c)
        if form is None:
            return None
        g = attempt(lambda g=form[0]: sp.together(g), 3.0, form[0])
        num, den = sp.fraction(g)
        if den.has(w):
            s = _sign(den, assume)
            if s is None:
                return None
            num = num * s
        elif not den.is_number:  # num/den ≥ 0 ⇔ num·den ≥ 0 (den ≠ 0 almost everywhere)
            num = num * den
        else:
            num = num * (1 if den > 0 else -1)
        num = sp.expand(num)
        if not num.has(w):
            rel = sp.Gt(num, 0) if form[1] else sp.Ge(num, 0)
            for case in cases:
                case[2].append(rel)
            continue
        if _degree(num, w) != 1:
            return None
        poly = sp.Poly(num, w)
        a, b = poly.LC(), poly.TC()
        s = _sign(a, assume) if a.is_number else None
        if a.is_number:
            s = 1 if a > 0 else -1
            for case in cases:
                (case[0] if s > 0 else case[1]).append(-b / a)
            continue
        split = []
        for lo, hi, rest in cases:
            split.append(([*lo, -b / a], list(hi), [*rest, a > 0]))
            split.append((list(lo), [*hi, -b / a], [*rest, a < 0]))
        cases = split
    return [_Bounds(tuple(_unique(lo)), tuple(_unique(hi)), tuple(rest)) for lo, hi, rest in cases]


def _unique(values):
    out = []
    for v in values:
        if not any(sp.expand(v - u) == 0 for u in out):
            out.append(v)
    return out


def _at_least(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    """The condition a ≥ b, decided when a − b is a number."""
    diff = sp.expand(a - b)
    if diff.is_number:
        return sp.true if diff >= 0 else sp.false
    return a >= b


def _split_abs(term: Term, w: sp.Symbol) -> list[Term]:
    """|u(w)| replaced by ±u on the two sides of u = 0 (a kink of the integrand)."""
    absolutes = [a for a in term.density.atoms(sp.Abs) if a.has(w)]
    if not absolutes:
        return [term]
    a = absolutes[0]
    u = a.args[0]
    pos = Term(term.density.xreplace({a: u}), (*term.conditions, u >= 0))
    neg = Term(term.density.xreplace({a: -u}), (*term.conditions, u <= 0))
    return [*_split_abs(pos, w), *_split_abs(neg, w)]


def integrate_out(
    terms, w: sp.Symbol, seconds: float = CASE_SECONDS
) -> tuple[list[Term], list] | None:
    """∫ terms dw with explicit limits, case by case: (terms without w, limits used), or
    None when a condition is not linear in w or SymPy does not finish in time.

    Raises DivergenceError when a case integrates to infinity.

    Examples
    --------
    >>> y, w = sp.symbols("y w", real=True)
    >>> out, _ = integrate_out([Term(sp.Integer(1), (w >= 0, w <= 1, y - w >= 0, y - w <= 1))], w)
    >>> sorted(str(t.density) for t in out)
    ['2 - y', 'y']
    """
    out: list[Term] = []
    limits: list = []
    for t0 in terms:
        for term in _split_abs(t0, w):
            if isinstance(term.density, _Divergent):
                out.append(term)
                continue
            cases = _bounds(term.conditions, w)
            if cases is None:
                return None
            for case in cases:
                lows = case.lower or (-sp.oo,)
                highs = case.upper or (sp.oo,)
                for a in lows:
                    for b in highs:
                        conds = [*case.rest]
                        conds += [_at_least(a, o) for o in lows if o is not a]
                        conds += [_at_least(o, b) for o in highs if o is not b]
                        if a.is_finite is not False and b.is_finite is not False:
                            conds.append(_at_least(b, a))
                        if sp.false in conds:
                            continue
                        conds = [c for c in conds if c is not sp.true]
                        if _infeasible(conds):
                            continue
                        value = _integrate(term.density, w, a, b, seconds)
                        if value is None:
                            return None
                        if value == 0:
                            whole_line = (a, b) == (-sp.oo, sp.oo) and not conds
                            if whole_line and _somewhere_positive(term.density):
                                # a density positive somewhere has a positive integral
                                # over the whole line: SymPy's 0 (∫ of two Cauchy
                                # kernels) is wrong, and the density is integrated
                                # numerically
                                return None
                            continue
                        limits.append((a, b, tuple(conds), term.density, value))
                        out.append(Term(value, tuple(conds)))
    return out, limits


def _somewhere_positive(density: sp.Expr) -> bool:
    """Whether the density is positive at some test point (all its symbols at small
    integers and halves): a proof that it is not the zero function."""
    symbols = sorted(density.free_symbols, key=lambda s: s.name)
    for value in (sp.Rational(1, 3), sp.Rational(7, 5), sp.Rational(-2, 3)):
        point = {s: value + k * sp.Rational(1, 7) for k, s in enumerate(symbols)}
        at = attempt(lambda p=point: density.xreplace(p).evalf(20), 2.0, None)
        if at is not None and at.is_number and at.is_positive:
            return True
    return False


def _infeasible(conds) -> bool:
    """True when numeric conditions contradict (cheap test on one-variable bounds)."""
    for c in conds:
        if c is sp.false:
            return True
    free = set().union(*[c.free_symbols for c in conds]) if conds else set()
    if len(free) == 1:
        (v,) = free
        region = attempt(lambda: _interval_of(conds, v), 3.0, None)
        return region is not None and (region.is_empty or region.measure == 0)
    return False


def _integrate(density, w, a, b, seconds) -> sp.Expr | None:
    if a == -sp.oo and b == sp.oo:
        from symflow.core.expectation import gaussian_integral

        value = gaussian_integral(density, w)
        if value is not None:
            return value

    def run():
        value = sp.integrate(density, (w, a, b), conds="none")
        if value.has(sp.Integral):
            return None
        return value

    try:
        with time_limit(seconds):
            value = run()
    except (OutOfTime, NotImplementedError, ValueError, TypeError, RecursionError):
        return None
    if value is None:
        return None
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        finite_limits = not (a.has(sp.oo, -sp.oo) or b.has(sp.oo, -sp.oo))
        if value in (sp.oo, -sp.oo, sp.zoo) or finite_limits:
            # diverges: an error if the case has positive probability (decided at the end)
            return _Divergent(density, w, a, b)
        return None
    return value


class _Divergent(sp.Symbol):
    """Marks a case whose auxiliary integral diverges (remembered for the message)."""

    def __new__(cls, density, w, a, b):
        obj = super().__new__(cls, "divergent", positive=True)
        obj.where = (density, w, a, b)
        return obj


# -- one output: exact pieces ---------------------------------------------------------
def _interval_of(conds, y: sp.Symbol) -> sp.Set | None:
    """The set of y where all of ``conds`` hold; None when it is no explicit set (ends
    with parameters whose order the assumptions do not decide)."""
    region: sp.Set = sp.S.Reals
    plain = sp.Dummy("y", real=True)
    for c in conds:
        c = c.xreplace({y: plain})
        if c is sp.true:
            continue
        if c is sp.false:
            return sp.S.EmptySet
        part = sp.solve_univariate_inequality(c, plain, relational=False)
        both = sp.Intersection(region, part)
        if isinstance(both, sp.Intersection):  # ends with parameters: order them
            if not (isinstance(region, sp.Interval) and isinstance(part, sp.Interval)):
                return None
            both = intersect_intervals(region, part)
            if both is None:
                return None
        region = both
    return region


def to_pieces(terms, y: sp.Symbol) -> list[tuple[sp.Expr, sp.Interval]] | None:
    """Terms in one variable as (expression, open interval) pieces, summed where they
    overlap; None when a condition does not reduce to intervals."""
    located = []
    for t in terms:
        region = attempt(lambda t=t: _interval_of(t.conditions, y), 5.0, None)
        if region is None:
            return None
        if isinstance(region, sp.FiniteSet) or region.is_empty:
            continue
        if isinstance(region, sp.Interval):
            parts = [region]
        elif isinstance(region, sp.Union):
            parts = [p for p in region.args if not isinstance(p, sp.FiniteSet)]
        else:
            return None
        if not all(isinstance(p, sp.Interval) for p in parts):
            return None
        for p in parts:
            if p.measure != 0:
                if isinstance(t.density, _Divergent):
                    density, w, a, b = t.density.where
                    raise DivergenceError(
                        f"For {y} in {describe_set(p)}, the integral of the joint density "
                        f"{density} over the auxiliary {w} from {a} to {b} diverges: the "
                        f"outputs have no density there (a set of positive probability maps "
                        f"onto too small a set). Check the map."
                    )
                located.append((t.density, p))
    if not located:
        return []
    points = in_order(list({e for _, p in located for e in (p.inf, p.sup)}))
    if points is None:  # ends whose order depends on the parameters (c against 1)
        return None
    pieces: list[tuple[sp.Expr, sp.Interval]] = []
    for lo, hi in zip(points, points[1:], strict=False):
        mid = _midpoint(lo, hi)
        inside = [(d, p.contains(mid)) for d, p in located]
        if any(found not in (sp.true, sp.false) for _, found in inside):
            return None
        active = [d for d, found in inside if found is sp.true]
        if not active:
            continue
        expr = shortest_form(_refine(sp.Add(*active), y, lo, hi))
        if expr == 0:
            continue
        if pieces and pieces[-1][1].sup == lo and sp.expand(pieces[-1][0] - expr) == 0:
            pieces[-1] = (pieces[-1][0], sp.Interval.open(pieces[-1][1].inf, hi))
        else:
            pieces.append((expr, sp.Interval.open(lo, hi)))
    pieces = _mirror(pieces, y)
    # a common end of two pieces belongs to the left one: (0, 1] and (1, 2), so that the
    # density has a value at every point of the support
    closed = []
    for i, (e, r) in enumerate(pieces):
        if i + 1 < len(pieces) and pieces[i + 1][1].inf == r.sup:
            r = sp.Interval.Lopen(r.inf, r.sup)
        closed.append((e, sp.S.Reals if r == sp.Interval(-sp.oo, sp.oo) else r))
    return closed


def _refine(expr: sp.Expr, y: sp.Symbol, lo, hi) -> sp.Expr:
    """expr with |y| and signs resolved on (lo, hi) (y > 0 there: |y| = y)."""
    if lo.is_number and lo >= 0:
        t = sp.Dummy("y", positive=True)
    elif hi.is_number and hi <= 0:
        t = sp.Dummy("y", negative=True)
    else:
        return expr
    return attempt(lambda: sp.refine(expr.xreplace({y: t})).xreplace({t: y}), 3.0, expr)


def _midpoint(lo, hi):
    """A point inside (lo, hi): an end that is not ±oo is a finite value, whether or not
    SymPy can prove it finite (cot(1/2 − tan(1/2)/4))."""
    if lo != -sp.oo and hi != sp.oo:
        return (lo + hi) / 2
    if lo != -sp.oo:
        return lo + 1
    if hi != sp.oo:
        return hi - 1
    return sp.Integer(0)


def _mirror(pieces, y):
    """Two pieces that mirror each other about their common end c become one expression
    in |y − c| (e^{y}/2 on y < 0 and e^{−y}/2 on y > 0: the Laplace density e^{−|y|}/2)."""
    if len(pieces) != 2:
        return pieces
    (left, a), (right, b) = pieces
    c = a.sup
    if a.inf != -sp.oo or b.sup != sp.oo or b.inf != c:
        return pieces  # (an end that may be finite, a parameter, does not make ℝ)
    mirrored = right.xreplace({y: 2 * c - y})
    if attempt(lambda: sp.simplify(mirrored - left) == 0, 3.0, False):
        return [(right.xreplace({y: c + sp.Abs(y - c)}), sp.S.Reals)]
    return pieces


# -- the whole reduction --------------------------------------------------------------
def _positive_base(base) -> bool:
    comps = getattr(base, "components", None)
    return comps is not None and all(c.support.inf >= 0 for c in comps)


def reduce_transform(base, earlier, transform: Transform, exact: bool = True) -> Reduction:
    """The density of ``transform``'s outputs when ``base`` is pushed through the square
    transforms ``earlier`` and then ``transform`` (m < d outputs)."""
    m, d = transform.output_dimension, transform.dimension
    outputs = (
        (sp.Symbol("x", real=True),)
        if m == 1
        else tuple(sp.Symbol(f"x{j + 1}", real=True) for j in range(m))
    )
    auxiliaries = tuple(sp.Symbol(f"w{j + 1}", real=True) for j in range(d - m))
    positive = not earlier and _positive_base(base)
    branches = []
    joint: list[Term] = []
    for candidates in complete(transform, positive):
        errors = []
        for branch in candidates:
            try:
                terms = _joint_terms(base, earlier, branch, outputs, auxiliaries)
            except (InverseError, CollapseError) as exc:
                errors.append(str(exc))
                continue
            branches.append(branch)
            joint.extend(terms)
            break
        else:
            raise InverseError(
                f"Transform {transform!r}: no completion with auxiliary variables could be "
                f"inverted (tried {len(candidates)}). " + (errors[0] if errors else "")
            )
    forward_symbols = tuple(sp.Symbol(f"z_0_{j + 1}", real=True) for j in range(d))
    forward = _forward(earlier, transform, forward_symbols)
    reduction = Reduction(
        transform,
        base,
        tuple(branches),
        outputs,
        auxiliaries,
        tuple(joint),
        forward,
        forward_symbols,
    )
    if exact:
        _exact(reduction)
    return reduction


def _forward(earlier, transform, zs) -> tuple[sp.Expr, ...]:
    values = list(zs)
    for tr in [*earlier, transform]:
        env = dict(zip(tr.vars, values, strict=True))
        values = [e.xreplace(env) for e in tr.exprs]
    return tuple(values)


def _exact(reduction: Reduction) -> None:
    terms = list(reduction.joint)
    try:
        with time_limit(TOTAL_SECONDS):
            for w in reversed(reduction.auxiliaries):
                done = integrate_out(terms, w)
                if done is None:
                    return
                terms, limits = done
                reduction.limits[w] = limits
            if len(reduction.outputs) == 1:
                pieces = to_pieces(terms, reduction.outputs[0])
                if pieces is None:
                    return
                reduction.pieces = tuple(pieces)
            else:
                reduction.exact_terms = tuple(
                    Term(shortest_form(t.density), t.conditions) for t in terms
                )
    except OutOfTime:
        return


def _explicit_integral(reduction: Reduction) -> sp.Expr | None:
    """Σ over the terms of ∫_{max lower}^{min upper} density dw, each where its limits are
    ordered and its other conditions hold; None when a term has no such limits."""
    (w,) = reduction.auxiliaries
    parts = []
    for t0 in reduction.joint:
        for term in _split_abs(t0, w):
            cases = attempt(lambda t=term: _bounds(t.conditions, w), 5.0, None)
            if cases is None:
                return None
            for case in cases:
                lo = sp.Max(*case.lower) if case.lower else -sp.oo
                hi = sp.Min(*case.upper) if case.upper else sp.oo
                integral = sp.Integral(term.density, (w, lo, hi))
                conds = [*case.rest]
                if lo.is_finite is not False and hi.is_finite is not False:
                    conds.append(lo < hi)
                parts.append(
                    sp.Piecewise((integral, sp.And(*conds)), (0, True)) if conds else integral
                )
    return sp.Add(*parts)


# -- what the flow and the kernels read -----------------------------------------------
def numeric_plan(reduction: Reduction) -> tuple[list[Term], list[sp.Expr]]:
    """(terms, edges) for numerical integration over one auxiliary: the joint terms with
    |u(w)| split at u = 0, and every bound of w (support edges and kinks) as expressions
    in the output."""
    (w,) = reduction.auxiliaries
    terms = [term for t0 in reduction.joint for term in _split_abs(t0, w)]
    return terms, _unique(
        sorted([*_edges_of(terms, w), *_centres(terms, w)], key=sp.default_sort_key)
    )


def _centres(terms, w: sp.Symbol) -> list[sp.Expr]:
    """The w where a linear argument of a joint term vanishes (x − w − m for a base
    coordinate centred at m): where a bump of the integrand sits. Two Cauchy kernels
    1/((w² + 1)((x − w)² + 1)) peak at w = 0 and w = x; without a break at x a rule
    anchored at 0 resolves the second bump badly once it is far (1.5 % at x = −1e10)."""
    out = []
    for term in terms:
        for sub in sp.preorder_traversal(term.density):
            if not (isinstance(sub, sp.Add | sp.Symbol) and sub.has(w)):
                continue
            slope = sub.diff(w)
            curve = slope.diff(w)
            if slope.is_number and slope != 0:  # a linear argument: its zero
                out.append(sp.expand(w - sub / slope))
            elif curve.is_number and curve != 0 and not curve.diff(w).has(w):
                out.append(sp.expand(w - slope / curve))  # a quadratic: its vertex
    return [c for c in out if not c.has(w) and c.is_finite is not False]


def _edges_of(terms, w: sp.Symbol) -> list[sp.Expr]:
    """Every bound of w in the terms' conditions (support edges and kinks), in SymPy's
    canonical order (not the order in which sets of conditions happen to iterate, which
    changes with the hash seed and would change the generated kernel's source)."""
    edges: list[sp.Expr] = []
    for term in terms:
        cases = attempt(lambda t=term: _bounds(t.conditions, w), 5.0, None) or []
        for case in cases:
            edges.extend(case.lower)
            edges.extend(case.upper)
    finite = [e for e in edges if e.is_finite is not False]
    return _unique(sorted(finite, key=sp.default_sort_key))


def nested_plan(reduction: Reduction) -> tuple[list[Term], list[sp.Expr], list[sp.Expr]]:
    """(terms, inner edges, outer edges) for nested quadrature over two auxiliaries: the
    joint terms with |u| split at u = 0 in both; the bounds of the inner auxiliary w2 (in
    the outputs and w1); and the points where the inner integral stops being smooth in
    w1 (where two bounds of w2 cross, or a condition free of w2 changes)."""
    w1, w2 = reduction.auxiliaries
    terms = [t for t0 in reduction.joint for t1 in _split_abs(t0, w2) for t in _split_abs(t1, w1)]
    inner = _edges_of(terms, w2)
    crossings: list[Term] = []
    for term in terms:
        cases = attempt(lambda t=term: _bounds(t.conditions, w2), 5.0, None) or []
        for case in cases:
            bounds = [*case.lower, *case.upper]
            conds = [*case.rest]
            conds += [b - a >= 0 for a, b in itertools.combinations(bounds, 2)]
            crossings.append(Term(sp.Integer(1), tuple(c for c in conds if c.has(w1))))
    return terms, inner, _edges_of(crossings, w1)


def image_of_map(reduction: Reduction) -> sp.Set:
    """An interval containing the output's values: interval arithmetic over the base's
    support box (Max and Min of intervals included), exact where each base variable occurs
    once in the map, as in Max(z1, z2), z1 + z2, z1·z2; the real line when that fails.

    Examples
    --------
    >>> import symflow as sf
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> c = sp.Symbol("c", positive=True)
    >>> base = sf.Independent(sf.Uniform(0, c), sf.Uniform(0, 1))
    >>> image_of_map(reduce_transform(base, [], sf.Transform(sp.Max(z1, z2), [z1, z2])))
    Interval.open(0, Max(1, c))
    """
    base = reduction.base
    comps = getattr(base, "components", None)
    if comps is None or len(reduction.outputs) != 1:
        return sp.S.Reals
    env = {}
    for z, c in zip(reduction.base_symbols, comps, strict=True):
        lo, hi = c.support.inf, c.support.sup
        env[z] = sp.AccumBounds(lo, hi)
    value = attempt(lambda: _bounds_of(reduction.forward[0], env), 3.0, None)
    if isinstance(value, sp.AccumBounds):
        lo, hi = value.min, value.max
        if lo == hi:
            return sp.S.Reals
        return sp.S.Reals if (lo, hi) == (-sp.oo, sp.oo) else sp.Interval.open(lo, hi)
    return sp.S.Reals


def _bounds_of(expr: sp.Expr, env: dict) -> sp.Expr:
    """expr over the intervals ``env`` as SymPy's AccumBounds, with Max and Min taken end
    by end (both increase in each argument), which AccumBounds leaves unevaluated."""
    if expr in env:
        return env[expr]
    if not expr.args or not expr.free_symbols & set(env):
        return expr
    args = [_bounds_of(a, env) for a in expr.args]
    if isinstance(expr, sp.Max | sp.Min) and any(isinstance(a, sp.AccumBounds) for a in args):
        lows = [a.min if isinstance(a, sp.AccumBounds) else a for a in args]
        highs = [a.max if isinstance(a, sp.AccumBounds) else a for a in args]
        return sp.AccumBounds(expr.func(*lows), expr.func(*highs))
    return expr.func(*args)


def output_density(reduction: Reduction, xs) -> sp.Expr:
    """p_Y at the symbols ``xs``: the exact Piecewise, or the unevaluated Integral."""
    mapping = dict(zip(reduction.outputs, xs, strict=True))
    if reduction.pieces is not None:
        (y,) = reduction.outputs
        (x,) = xs
        pieces = [(e.xreplace({y: x}), r) for e, r in reduction.pieces]
        if len(pieces) == 1 and pieces[0][1] == sp.S.Reals:
            return pieces[0][0]
        plain = sp.Dummy("x", real=True)
        return sp.Piecewise(
            *[(e, r.as_relational(plain).xreplace({plain: x})) for e, r in pieces], (0, True)
        )
    if reduction.exact_terms is not None:
        return sp.Add(
            *[
                sp.Piecewise((t.density, sp.And(*t.conditions)), (0, True))
                if t.conditions
                else t.density
                for t in reduction.exact_terms
            ]
        ).xreplace(mapping)
    return reduction.integral.xreplace(mapping)


def output_support(reduction: Reduction) -> sp.Basic:
    """Where the density of m > 1 outputs is positive, as a condition on x1 … xm: the
    union of the exact terms' conditions; where the joint's support is (for a density
    that is an Integral) the outputs' image is not reduced to a condition, so true."""
    if reduction.exact_terms is None:
        return sp.true
    conds = [sp.And(*t.conditions) for t in reduction.exact_terms]
    return sp.Or(*conds) if conds else sp.false


def marginal_program(reduction: Reduction):
    """A one-output Program whose paths are the exact pieces (log of each piece), for
    code generation, family recognition and the CDF; no paths when not exact."""
    from symflow.core.intervals import symbol_on

    params = set(getattr(reduction.base, "free_symbols", set()))
    params |= reduction.transform.parameters
    parameters = tuple(sorted(params, key=lambda s: s.name))
    if len(reduction.outputs) > 1:  # m outputs: the density is read from the reduction
        return VectorMarginalProgram(
            inputs=reduction.outputs,
            support=output_support(reduction),
            paths=(),
            forward=(),
            base_symbols=reduction.base_symbols,
            base=reduction.base,
            parameters=parameters,
        )
    support = reduction.support if reduction.pieces is not None else image_of_map(reduction)
    x = symbol_on("x", support)
    (y,) = reduction.outputs
    # the state carries the support's sign (positive on (0, oo)), so that the log of the
    # density splits into logs of its factors: log(√x/(3x + 5)⁴) overflowed at x = 1e100
    state = symbol_on("z_1", support)
    log_p = sp.Symbol("log_p", real=True)
    paths = []
    for i, (expr, region) in enumerate(reduction.pieces or ()):
        value = tidy_log(sp.log(expr.xreplace({y: state})))
        assignments = (Assignment(state, x), Assignment(log_p, value, "result"))
        paths.append(Path((i,), region, assignments, log_p))
    return MarginalProgram(
        x=x,
        support=support,
        paths=tuple(paths),
        forward=(),
        base_symbol=reduction.base_symbols[0],
        base=reduction.base,
        parameters=parameters,
    )


def output_cdf(reduction: Reduction, x: sp.Symbol) -> sp.Expr:
    """F_Y(x) = ∫_{−∞}^x p_Y: a Piecewise built piece by piece from the exact density, or
    an unevaluated Integral of the density when it has no closed form.

    Examples
    --------
    >>> from symflow.core.distributions import Uniform
    >>> from symflow.core.multivariate import Independent
    >>> z1, z2, x = sp.symbols("z1 z2 x", real=True)
    >>> base = Independent(Uniform(0, 1), Uniform(0, 1))
    >>> output_cdf(reduce_transform(base, [], Transform(z1 + z2, [z1, z2])), x)
    Piecewise((0, x <= 0), (x**2/2, x <= 1), (-x**2/2 + 2*x - 1, x <= 2), (1, True))
    """
    t = sp.Dummy("t", real=True)
    if not reduction.pieces:
        density = output_density(reduction, [t])
        return sp.Integral(density, (t, -sp.oo, x))
    (y,) = reduction.outputs
    pieces = reduction.pieces  # from left to right (see to_pieces)
    out = []
    first = pieces[0][1].inf
    if first != -sp.oo:  # a finite end, also one SymPy cannot prove finite
        out.append((sp.Integer(0), x <= first))
    below = sp.Integer(0)
    for expr, region in pieces:
        lo, hi = region.inf, region.sup
        if expr.has(sp.Abs):  # e^{-|x|}/2: integrate the two sides
            expr = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
        part = attempt(lambda e=expr, a=lo: sp.integrate(e.xreplace({y: t}), (t, a, x)), 10.0, None)
        if part is None or part.has(sp.Integral):
            return sp.Integral(output_density(reduction, [t]), (t, -sp.oo, x))
        out.append((shortest_form(below + part), x <= hi if hi != sp.oo else sp.true))
        if hi != sp.oo:
            below = below + attempt(
                lambda e=expr, a=lo, b=hi: sp.integrate(e.xreplace({y: t}), (t, a, b)),
                10.0,
                sp.nan,
            )
    if out[-1][1] is not sp.true:
        out.append((sp.Integer(1), sp.true))
    return sp.Piecewise(*out)
