"""The tail check: log p_X(f(z)) = log p_Z(z) − log|det J_f(z)| at points over all of float64.

Monte Carlo samples never reach the far tails or the last few digits before a support
edge, so the statistical tests cannot see a kernel that is wrong there. This test does
not sample: it takes base points z in the tails (quantiles from 1e-300 up; points within
1e-300 of a finite edge of the base's support, held in as many digits as it takes), in
the middle and at random, maps them forward **in high precision** (mpmath, from the flow's
forward expressions), rounds x = f(z) to float64, solves f(z') = x again by Newton's
method so that z' is the exact preimage of the float x, and compares the kernel's
log p_X(x) with

    log p_Z(z') − log|det J_f(z')|          (J_f from derivatives of the forward map)

summed over every preimage when the map is not one-to-one (the preimages of x on the
other inverse paths come from the program's inverse assignments, evaluated in mpmath
and polished by Newton's method on the forward map). Points whose image overflows or
underflows float64, or whose true log-density does not fit in a float, are left out.
A kernel value of −inf or NaN where the truth is finite fails, as does a relative error
(|Δ log p| / max(1, |log p|)) above the tolerance.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
>>> result = tail_test(X.program, X.compile(), {}, seed=0)
>>> result.passed, result.statistic < 1e-12
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from symflow.core.budget import attempt
from symflow.core.constants import is_finite_number
from symflow.core.program import VectorProgram
from symflow.verify.report import TestResult, format_number

__all__ = ["tail_test", "TAIL_TOLERANCE"]

#: relative error of log p (|Δ log p| / max(1, |log p|)) above which the tail test fails
TAIL_TOLERANCE = 1e-9

_DIGITS = 40  # working digits beyond those needed to hold a point near an edge
_SECONDS = 2.0  # for one preimage in mpmath; a point that takes longer is left out
_TINY = 2.2250738585072014e-308  # the smallest normal float64
#: an intermediate state beyond 2^(2^24) in magnitude (about 10^5,000,000) skips the point:
#: mpmath's tanh of e^(e^30) builds integers of that many bits and runs out of memory
_ASTRONOMICAL_BITS = 2**24
_HUGE = 1.7976931348623157e308
#: tail probabilities of the base points: dense in the moderate tail, then out to 1e-300
_QUANTILES = np.concatenate([np.logspace(-1, -15, 8), np.logspace(-20, -300, 12)])


def _heaviside(x, h0=0.5):
    return mpmath.mpf(1) if x > 0 else (mpmath.mpf(0) if x < 0 else mpmath.mpf(h0))


#: arguments beyond this make exp, sinh and cosh return ±inf (or 0) at once: exp(e^(e^37))
#: would have mpmath compute log 2 to 1e16 digits, and no float64 comes back from there
_HUGE_ARGUMENT = mpmath.mpf(10) ** 300


def _bounded(f, at_minus_inf):
    def bounded(v):
        if mpmath.isfinite(v) and abs(v) > _HUGE_ARGUMENT:
            return mpmath.inf if v > 0 else at_minus_inf
        return f(v)

    return bounded


_MODULES = [
    {
        "Heaviside": _heaviside,
        "exp": _bounded(mpmath.exp, mpmath.mpf(0)),
        "sinh": _bounded(mpmath.sinh, -mpmath.inf),
        "cosh": _bounded(mpmath.cosh, mpmath.inf),
    },
    "mpmath",
]


@dataclass(frozen=True)
class _Point:
    z: tuple  # mpf coordinates
    digits: int


#: at most this many digits are added for the exact constants of a map
_MAX_EXTRA_DIGITS = 1000


def _constant_digits(exprs) -> int:
    """The digits of the longest exact rational constant in ``exprs``: x = z**(10**100)
    has preimages 1 + 1e-98·log x, which only as many working digits can tell from 1."""
    sizes = [
        len(str(abs(r.p))) + len(str(r.q)) for e in exprs for r in sp.sympify(e).atoms(sp.Rational)
    ]
    return min(max(sizes, default=0), _MAX_EXTRA_DIGITS)


class _Forward:
    """The forward map, its layer Jacobians and log p_Z, as mpmath functions."""

    def __init__(self, program, values: dict[str, float]):
        self.d = program.dimension
        params = list(program.parameters)
        self.args = [mpmath.mpf(values[p.name]) for p in params]
        groups = [program.forward[i : i + self.d] for i in range(0, len(program.forward), self.d)]
        inputs = list(program.base_symbols)
        self.layers = []
        for group in groups:
            exprs = [a.value for a in group]
            jac = sp.Matrix([[sp.diff(e, v) for v in inputs] for e in exprs])
            # sign, Abs and Piecewise have derivative 0 almost everywhere off their kinks
            jac = jac.replace(sp.DiracDelta, lambda *args: sp.Integer(0))
            f = sp.lambdify([*inputs, *params], exprs, _MODULES)
            j = sp.lambdify([*inputs, *params], jac.tolist(), _MODULES)
            # a triangular Jacobian's determinant is the product of its diagonal
            triangular = jac.is_lower or jac.is_upper
            self.layers.append((f, j, triangular))
            inputs = [a.target for a in group]
        self.extra_digits = _constant_digits([a.value for a in program.forward])
        base_symbols = list(program.base_symbols)
        log_p = self._log_base_density(program.base, base_symbols)
        self.log_base = sp.lambdify([*base_symbols, *params], log_p, _MODULES)
        self.in_image = self._image_test(program, values, params)
        self.inside = self._support_test(program, values, params)

    def _log_base_density(self, base, symbols: list) -> sp.Expr:
        """log p_Z at the base symbols."""
        raise NotImplementedError

    def _image_test(self, program, values: dict[str, float], params: list):
        """x (a tuple of mpf) → whether x lies where the density is one number."""
        raise NotImplementedError

    def _support_test(self, program, values: dict[str, float], params: list):
        """z (a tuple of mpf) → whether z lies inside the base's support."""
        raise NotImplementedError

    @staticmethod
    def base_points(base, values: dict[str, float], rng) -> list[_Point]:
        """The base points whose images are compared (tails, middle, random)."""
        raise NotImplementedError

    def paths(self, program, values: dict[str, float]) -> _Paths | None:
        """Every inverse path in mpmath, for truths read from x (None: only from z)."""
        return None

    def points_array(self, xs: list) -> np.ndarray:
        """The compared points x as the kernel takes them."""
        return np.array(xs, dtype=np.float64).reshape(-1, self.d)

    def __call__(self, z: tuple):
        """(f(z), J_f(z), log|det J_f(z)|) in mpmath (J_f as a list of rows); None where
        undefined."""
        x = list(z)
        jac = None
        log_det = mpmath.mpf(0)
        for f, j, triangular in self.layers:
            if any(v != 0 and mpmath.mag(v) > _ASTRONOMICAL_BITS for v in x):
                return None  # e^(e^(e^z)): the next function may not fit in memory
            try:
                rows = [[mpmath.mpmathify(v) for v in row] for row in j(*x, *self.args)]
                x = [mpmath.mpmathify(v) for v in f(*x, *self.args)]
            except (ZeroDivisionError, ValueError, TypeError, NameError):
                return None  # undefined there, or a function mpmath does not know
            except (OverflowError, MemoryError):
                return None  # an intermediate value too large for mpmath's arithmetic
            if triangular:  # a 1×1 Jacobian too: det is its one entry
                det = mpmath.fprod(rows[i][i] for i in range(self.d))
            else:
                det = mpmath.det(mpmath.matrix(rows))
            if not _real(det) or det == 0 or not all(_real(v) for v in x):
                return None
            log_det += mpmath.log(abs(det))
            jac = rows if jac is None else _product(rows, jac)
        if jac is None:  # no layers: f is the identity
            jac = [[mpmath.mpf(int(i == k)) for k in range(self.d)] for i in range(self.d)]
        return x, jac, log_det

    def log_density(self, z: tuple, log_det) -> mpmath.mpf | None:
        """log p_Z(z) − log|det J_f(z)| at the exact preimage z (log_det from solve)."""
        if not self.inside(z):
            return None
        value = mpmath.mpmathify(self.log_base(*z, *self.args))
        return value - log_det if _real(value) else None

    def solve(self, z: tuple, x: list) -> tuple | None:
        """Newton's method on f(z') = x from z (x exact: the float64 point); returns
        (z', log|det J_f(z')|) or None."""
        z = list(z)
        for _ in range(12):
            out = self(tuple(z))
            if out is None:
                return None
            fx, jac, _ = out
            residual = [a - b for a, b in zip(fx, x, strict=True)]
            try:
                step = _solve_linear(jac, residual)  # in 1-D: residual / f'(z)
            except ZeroDivisionError:
                return None
            z = [a - s for a, s in zip(z, step, strict=True)]
            size = max(abs(s) for s in step)
            scale = max(abs(a) for a in z) + mpmath.mpf(2) ** (-10_000)
            if size <= scale * mpmath.mpf(2) ** (8 - mpmath.mp.prec):
                break
        else:  # no quadratic convergence: x is a critical value (rounded onto an edge)
            return None
        # f(z') = x again in twice the digits: a critical value that merely rounded to x
        # in the working precision (cos z = 1.0 for tiny z) shows a residual there
        with mpmath.workprec(2 * mpmath.mp.prec):
            out = self(tuple(z))
            if out is None:
                return None
            fx, jac, log_det = out
            size = max(abs(a) for a in z)
            slack_z = mpmath.mpf(2) ** (20 - mpmath.mp.prec // 2)
            slack_x = mpmath.mpf(2) ** (20 - mpmath.mp.prec)
            for i, (a, b) in enumerate(zip(fx, x, strict=True)):
                row = max(abs(v) for v in jac[i])
                if abs(a - b) > slack_x * abs(b) + slack_z * row * size:
                    return None
        return tuple(z), +log_det


class _ScalarForward(_Forward):
    """The forward map of a one-dimensional flow: supports are unions of intervals."""

    def _log_base_density(self, base, symbols: list) -> sp.Expr:
        return base.log_density(symbols[0])

    def _image_test(self, program, values: dict[str, float], params: list):
        subs = {p: values[p.name] for p in params}
        image = program.support.subs(subs)
        # where paths meet, or the density is infinite, its value is not one number
        seams = {float(e) for path in program.paths for e in _ends(path.region.subs(subs))}
        seams |= {float(sp.sympify(p).subs(subs)) for p in program.singular_points}
        return lambda x: (
            (_in_interval(x[0], image) or _on_union(x[0], image)) and float(x[0]) not in seams
        )

    def _support_test(self, program, values: dict[str, float], params: list):
        support = program.base.support.subs({p: values[p.name] for p in params})
        return lambda z: _in_interval(z[0], support)

    @staticmethod
    def base_points(base, values: dict[str, float], rng) -> list[_Point]:
        return _points_1d(base, values, rng)

    def paths(self, program, values: dict[str, float]) -> _Paths:
        return _Paths(program, values)

    def points_array(self, xs: list) -> np.ndarray:
        return np.array(xs, dtype=np.float64)


class _VectorForward(_Forward):
    """The forward map of a d-dimensional flow: supports are Boolean conditions."""

    def _log_base_density(self, base, symbols: list) -> sp.Expr:
        return base.log_density(symbols)

    def _image_test(self, program, values: dict[str, float], params: list):
        if program.support == sp.true:
            return lambda x: True
        in_support = sp.lambdify([*program.inputs, *params], program.support, "mpmath")
        return lambda x: bool(in_support(*x, *self.args))

    def _support_test(self, program, values: dict[str, float], params: list):
        condition = program.base.support_condition(list(program.base_symbols))
        if condition == sp.true:
            return lambda z: True
        test = sp.lambdify([*program.base_symbols, *params], condition, "mpmath")
        return lambda z: bool(test(*z, *self.args))

    @staticmethod
    def base_points(base, values: dict[str, float], rng) -> list[_Point]:
        return _points_nd(base, values, rng)


def _forward_kind(program) -> type[_Forward]:
    """The class of ``program``'s mpmath forward map: it follows the shape of its supports
    (intervals in one dimension, Boolean conditions in d)."""
    return _VectorForward if isinstance(program, VectorProgram) else _ScalarForward


def _forward(program, values: dict[str, float]) -> _Forward:
    """The mpmath forward map of ``program``."""
    return _forward_kind(program)(program, values)


def _solve_linear(a: list, b: list) -> list:
    """x with a·x = b (Gaussian elimination with partial pivoting on lists of mpf)."""
    n = len(b)
    m = [list(row) + [v] for row, v in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if m[pivot][col] == 0:
            raise ZeroDivisionError
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            if factor:
                m[r] = [u - factor * v for u, v in zip(m[r], m[col], strict=True)]
    out = [mpmath.mpf(0)] * n
    for r in range(n - 1, -1, -1):
        out[r] = (m[r][n] - mpmath.fsum(m[r][c] * out[c] for c in range(r + 1, n))) / m[r][r]
    return out


def _product(a: list, b: list) -> list:
    """The matrix product a·b of lists of rows."""
    n = len(b)
    return [[mpmath.fsum(a[i][k] * b[k][j] for k in range(n)) for j in range(n)] for i in range(n)]


def _real(v) -> bool:
    return isinstance(v, mpmath.mpf) and mpmath.isfinite(v)


def _in_interval(z, interval: sp.Set) -> bool:
    lo, hi = interval.inf, interval.sup
    left = lo == -sp.oo or z > mpmath.mpf(_exact(lo))
    right = hi == sp.oo or z < mpmath.mpf(_exact(hi))
    return bool(left and right)


def _exact(value: sp.Expr):
    return mpmath.mpmathify(sp.N(value, mpmath.mp.dps + 10))


# -- base points ----------------------------------------------------------------------


def _points_1d(base, values: dict[str, float], rng, count: int = 20) -> list[_Point]:
    """Base points in both tails (quantiles down to 1e-300, or within 1e-300 of a finite
    edge), in the middle, and at random."""
    from symflow.errors import ParameterError

    support = base.support.subs({s: values[s.name] for s in base.free_symbols})
    lo, hi = support.inf, support.sup
    qs = _QUANTILES if count >= len(_QUANTILES) else np.geomspace(1e-300, 0.1, count)
    try:
        twin = base.scipy(values)
    except (ParameterError, KeyError):
        twin = None
    points: list[_Point] = []
    floats: list[float] = []
    # an end is finite also when SymPy cannot prove it (tan(e): is_finite is None)
    width = (hi - lo) if is_finite_number(lo) and is_finite_number(hi) else sp.Integer(1)
    for edge, sign in ((lo, 1), (hi, -1)):
        if is_finite_number(edge):
            for k in np.linspace(1, 300, count):
                digits = int(k) + _DIGITS
                with mpmath.workdps(digits):
                    z = _exact(edge) + sign * _exact(width) * mpmath.mpf(10) ** (-int(k))
                points.append(_Point((z,), digits))
        elif twin is not None:
            with np.errstate(over="ignore"):  # scale·t beyond the floats (scale 1e308)
                floats += list(twin.ppf(qs) if sign > 0 else twin.isf(qs))
        else:  # no quantile function: points out to ±1e300
            floats += [-sign * 10.0**k for k in np.linspace(0, 300, count)]
    with np.errstate(over="ignore"):  # (the points that overflow are left out below)
        if twin is not None:
            floats += list(twin.ppf(np.linspace(0.02, 0.98, 9)))
        floats += list(base.sample(max(count // 2, 4), rng, values))
    points += [_Point((mpmath.mpf(float(v)),), _DIGITS) for v in floats if math.isfinite(v)]
    return points


def _points_nd(base, values: dict[str, float], rng, limit: int = 81) -> list[_Point]:
    """A grid of tail points per coordinate (at most ``limit``), plus random points."""
    from symflow.core.multivariate import Independent, MultivariateNormal

    d = base.dimension
    per_axis = max(2, int(math.floor(limit ** (1.0 / d))))
    points: list[_Point] = []
    if isinstance(base, Independent):
        axes = []
        for component in base.components:
            own = _points_1d(component, values, rng, count=max(per_axis // 2, 2))
            own = sorted(own, key=lambda p: p.z[0])
            pick = np.unique(np.linspace(0, len(own) - 1, per_axis).round().astype(int))
            axes.append([own[i] for i in pick])
        for combo in _grid(axes, limit):
            points.append(_Point(tuple(p.z[0] for p in combo), max(p.digits for p in combo)))
    elif isinstance(base, MultivariateNormal):
        subs = {s: values[s.name] for s in base.free_symbols}
        mean = np.array([float(v) for v in base.mean.subs(subs)])
        chol = np.linalg.cholesky(np.array(base.cov.subs(subs).tolist(), dtype=float))
        from scipy import stats

        qs = np.geomspace(1e-300, 0.1, max(per_axis // 2, 1))
        axis = np.concatenate([stats.norm.ppf(qs), [0.0], stats.norm.isf(qs)])
        pick = np.unique(np.linspace(0, len(axis) - 1, per_axis).round().astype(int))
        for combo in _grid([list(axis[pick])] * d, limit):
            z = mean + chol @ np.array(combo)
            points.append(_Point(tuple(mpmath.mpf(float(v)) for v in z), _DIGITS))
    samples = np.asarray(base.sample(16, rng, values), dtype=np.float64)
    for row in samples:
        if np.all(np.isfinite(row)):
            points.append(_Point(tuple(mpmath.mpf(float(v)) for v in row), _DIGITS))
    return points


def _grid(axes: list[list], limit: int) -> list[tuple]:
    import itertools

    combos = list(itertools.product(*axes))
    if len(combos) > limit:
        keep = np.unique(np.linspace(0, len(combos) - 1, limit).round().astype(int))
        combos = [combos[i] for i in keep]
    return combos


# -- preimages on the other inverse paths (1-D) -----------------------------------------


class _Paths:
    """Each inverse path's z_0(x) and region, for the preimages of non-monotone maps."""

    def __init__(self, program, values: dict[str, float]):
        params = list(program.parameters)
        subs = {p: values[p.name] for p in params}
        self.args = [mpmath.mpf(values[p.name]) for p in params]
        self.paths = []
        for path in program.paths:
            region = path.region.subs(subs) if hasattr(path.region, "subs") else path.region
            value: sp.Expr = program.base_symbol
            for a in reversed(path.assignments):
                if a.kind == "state":
                    value = value.xreplace({a.target: a.value})
            try:  # an implicit inverse prints as its bracketed solve in mpmath
                inverse = sp.lambdify([program.x, *params], value, _MODULES)
            except Exception:  # noqa: BLE001  a function mpmath cannot print: skip the path
                inverse = None
            self.paths.append((region, inverse, 1))

    def preimages(self, x: mpmath.mpf) -> list[tuple] | None:
        """(z, weight) on every path whose region holds x; None when one cannot be
        evaluated there."""
        out = []
        for region, inverse, weight in self.paths:
            if not _in_interval(x, region) and not _on_union(x, region):
                continue
            if inverse is None:
                return None
            try:
                # bounded: the preimage of x = -1e300 under -log(-log z) is exp(-e^1e300),
                # whose argument reduction asks mpmath for log 2 to 1e299 digits
                z = attempt(lambda inv=inverse: inv(x, *self.args), _SECONDS, None)
            except (ValueError, TypeError, ZeroDivisionError, NameError, OverflowError):
                return None
            if z is None:
                return None
            z = mpmath.mpmathify(z) if isinstance(z, int | float) else z
            if not _real(z):
                return None
            out.append(((z,), weight))
        return out


def _ends(region: sp.Set) -> list:
    parts = region.args if isinstance(region, sp.Union) else (region,)
    return [e for part in parts for e in (part.inf, part.sup) if is_finite_number(e)]


def _on_union(x, region: sp.Set) -> bool:
    if isinstance(region, sp.Union):
        return any(_in_interval(x, part) for part in region.args)
    return False


# -- the test --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Comparison:
    x: np.ndarray  # (m,) or (m, d)
    truth: np.ndarray
    #: base points left out (image outside float64, on the support's edge, no truth)
    skipped: int


def _truths(program, values, points: list[_Point], probes: bool = False) -> _Comparison:
    forward = _forward(program, values)
    paths = forward.paths(program, values)
    xs, truths, skipped = [], [], 0
    for point in points:
        with mpmath.workdps(point.digits + forward.extra_digits):
            value = _truth_at(forward, paths if not program.is_bijective else None, point.z)
        if value is None:
            skipped += 1
            continue
        xs.append(value[0])
        truths.append(value[1])
    if paths is not None and probes:
        # points of x out to ±1e300 and next to finite edges, which the images of base
        # quantiles may not reach (exp then asinh: x ≤ 38 from z ≤ 37)
        support = _numbers(program.support, values)
        for x in _probes(support):
            with mpmath.workdps(_DIGITS + forward.extra_digits):
                value = _truth_from_x(forward, paths, x)
            if value is not None:
                xs.append(x)
                truths.append(value)
    x = forward.points_array(xs)
    return _Comparison(x, np.array(truths, dtype=np.float64), skipped)


def _numbers(region: sp.Set, values: dict[str, float]) -> sp.Set:
    subs = {s: values[s.name] for s in region.free_symbols if s.name in values}
    return region.subs(subs) if subs else region


def _probes(support: sp.Set) -> list[float]:
    """x at ±10^k (k = 1 … 300) and 10^-k (k = 3, 8, 15) inside a finite edge."""
    parts = support.args if isinstance(support, sp.Union) else (support,)
    out = []
    for part in parts:
        lo, hi = float(part.inf), float(part.sup)
        if math.isinf(hi):
            out += [10.0**k for k in (1, 3, 10, 30, 100, 300) if 10.0**k > lo]
        if math.isinf(lo):
            out += [-(10.0**k) for k in (1, 3, 10, 30, 100, 300) if -(10.0**k) < hi]
        for edge, sign in ((lo, 1.0), (hi, -1.0)):
            if math.isfinite(edge):
                width = max(abs(edge), 1.0)
                out += [edge + sign * width * 10.0**-k for k in (3, 8, 15)]
    return [x for x in out if x != 0.0]


def _truth_from_x(forward: _Forward, paths: _Paths, x: float):
    """True log p_X at the float x from its preimages on every inverse path (evaluated in
    mpmath, polished by Newton's method on the forward map), or None to skip."""
    point = [mpmath.mpf(x)]
    if not forward.in_image(point):
        return None
    found = paths.preimages(point[0])
    if not found:
        return None
    terms, seen = [], []
    for pre, weight in found:
        solved = forward.solve(pre, point)
        if solved is None:
            return None  # a preimage that cannot be confirmed: no truth here
        z, log_det = solved
        if any(
            abs(z[0] - other) <= abs(other) * mpmath.mpf(10) ** (10 - mpmath.mp.dps)
            for other in seen
        ):
            continue
        seen.append(z[0])
        value = forward.log_density(z, log_det)
        if value is not None:
            terms.append(value + mpmath.log(weight))
    if not terms:
        return None
    top = max(terms)
    truth = top + mpmath.log(mpmath.fsum(mpmath.exp(t - top) for t in terms))
    if not mpmath.isfinite(truth) or abs(truth) > 1e300:
        return None
    return float(truth)


def _well_defined(forward: _Forward, z: tuple, out) -> bool:
    """Whether f(z) is one number that the working precision resolves: in twice the digits
    the image moves by no more than rounding of f's constants can explain (|z|·|J| times
    the unit roundoff). At a pole, tan(π·½) is 4.8e42 in 40 digits and 1e81 in 80: the
    image of the pole itself is no point to compare."""
    x, jac, _ = out
    with mpmath.workprec(2 * mpmath.mp.prec):
        again = forward(z)
    if again is None:
        return False
    size = max(abs(v) for v in z)
    unit = mpmath.mpf(2) ** (20 - mpmath.mp.prec)
    for i, (a, b) in enumerate(zip(again[0], x, strict=True)):
        row = max(abs(v) for v in jac[i])
        if abs(a - b) > unit * (abs(b) + row * size):
            return False
    return True


def _truth_at(forward: _Forward, paths: _Paths | None, z: tuple):
    """(float64 x, true log p_X(x)) for the image of base point z, or None to skip."""
    if not forward.inside(z):
        return None
    out = forward(z)
    if out is None or not _well_defined(forward, z, out):
        return None
    image = out[0]
    floats = []
    for v in image:
        if abs(v) > _HUGE or (v != 0 and abs(v) < _TINY):
            return None  # overflows or underflows float64
        floats.append(float(v))
    x = [mpmath.mpf(v) for v in floats]
    if not forward.in_image(x):
        return None  # rounded onto the edge of the support
    solved = forward.solve(z, x)
    if solved is None:
        return None
    exact, exact_log_det = solved
    candidates = [(exact, exact_log_det, 1)]
    if paths is not None:
        found = paths.preimages(x[0])
        if found is None:
            return None
        for pre, weight in found:
            solved = forward.solve(pre, x)
            if solved is None:
                continue
            polished, log_det = solved
            close = abs(polished[0] - exact[0]) <= abs(exact[0]) * mpmath.mpf(10) ** (
                10 - mpmath.mp.dps
            ) + mpmath.mpf(10) ** (-mpmath.mp.dps)
            if close:
                candidates[0] = (exact, exact_log_det, weight)
            elif all(abs(polished[0] - c[0][0]) > 0 for c in candidates):
                candidates.append((polished, log_det, weight))
    terms = []
    for pre, log_det, weight in candidates:
        value = forward.log_density(pre, log_det)
        if value is not None:
            terms.append(value + mpmath.log(weight))
    if not terms:
        return None
    top = max(terms)
    truth = top + mpmath.log(sum(mpmath.exp(t - top) for t in terms))
    if not mpmath.isfinite(truth) or abs(truth) > 1e300:
        return None
    return (floats[0] if len(floats) == 1 else floats), float(truth)


def tail_test(
    program,
    kernels,
    values: dict[str, float],
    seed: int = 0,
    tolerance: float = TAIL_TOLERANCE,
    x_probes: bool = False,
) -> TestResult:
    """Compare ``kernels.log_prob`` with the change of variables in mpmath at base points
    over the whole float64 range (see the module docstring).

    With ``x_probes`` (1-D) the kernel is also compared at x = ±10^k out to 1e300 and
    next to finite edges of the support, whose truth comes from every inverse path's
    preimage (evaluated in mpmath and confirmed by Newton's method on the forward map):
    points that images of base quantiles may never reach.

    Returns a :class:`TestResult` named "tail" whose statistic is the worst relative error
    of log p, and whose finding says where the density is wrong.
    """
    rng = np.random.default_rng(seed + 4)
    points = _forward_kind(program).base_points(program.base, values, rng)
    comparison = _truths(program, values, points, probes=x_probes)
    if comparison.truth.size == 0:
        return TestResult(
            "tail",
            float("nan"),
            float("nan"),
            True,
            f"nothing compared: none of the {len(points)} base points has an image inside "
            f"float64 whose true density mpmath could evaluate (within {_SECONDS:g} s a "
            f"point)",
        )
    with np.errstate(all="ignore"):
        got = np.asarray(kernels.log_prob(comparison.x, **values), dtype=np.float64)
        error = np.abs(got - comparison.truth) / np.maximum(1.0, np.abs(comparison.truth))
    error = np.where(np.isfinite(got), error, np.inf)
    bad = error > tolerance
    worst = int(np.argmax(error))
    x = comparison.x
    m = comparison.truth.size
    span = _span(x)
    detail = (
        f"log p at {m} points {span}: worst relative error "
        f"{format_number(error[worst], 2)} at x ≈ {_where(x[worst])}"
    )
    if comparison.skipped:
        detail += f" ({comparison.skipped} base points left out)"
    if not bad.any():
        return TestResult("tail", float(error[worst]), float("nan"), True, detail)
    return TestResult(
        "tail",
        float(error[worst]),
        float("nan"),
        False,
        detail,
        _finding(x, comparison.truth, got, bad, worst, tolerance),
    )


def _where(x) -> str:
    x = np.atleast_1d(x)
    if x.size == 1:
        return format_number(x[0])
    return "(" + ", ".join(format_number(v) for v in x) + ")"


def _span(x: np.ndarray) -> str:
    if x.ndim == 1:
        return f"from x ≈ {format_number(x.min())} to {format_number(x.max())}"
    norms = np.max(np.abs(x), axis=1)
    return f"with max|x_i| up to {format_number(norms.max())}"


def _finding(x, truth, got, bad, worst, tolerance: float = TAIL_TOLERANCE) -> str:
    """Where the density is wrong, in words."""
    nonfinite = bad & ~np.isfinite(got)
    what = "the density is wrong"
    if nonfinite.any() and nonfinite.sum() == bad.sum():
        values = sorted({format_number(v) for v in got[nonfinite]})
        what = f"log p is {' or '.join(values)} where the density is finite"
    # far out, an error of log p as large as the least one found falls below the relative
    # tolerance: such points cannot tell, and the words are about the others
    with np.errstate(all="ignore"):
        least = np.min(np.where(bad, np.abs(got - truth), np.inf))
        blind = ~bad & (least <= tolerance * np.maximum(1.0, np.abs(truth)))
    place = _region_words(x[~blind], bad[~blind])
    return (
        f"{what} {place}: at x ≈ {_where(x[worst])} the kernel gives log p = "
        f"{format_number(got[worst], 6)} where the truth is {format_number(truth[worst], 6)}."
    )


def _region_words(x: np.ndarray, bad: np.ndarray) -> str:
    """'beyond x ≈ 6.03e8', 'below x ≈ -3e10', or 'at 4 of 80 points between …'."""
    if x.ndim > 1:
        size = np.max(np.abs(x), axis=1)
        order = np.argsort(size)
        flags = bad[order]
        k = int(flags.sum())
        if k < flags.size and flags[-k:].all():
            return f"where max|x_i| ≥ {format_number(size[order][-k])}"
        return f"at {k} of {flags.size} points"
    order = np.argsort(x)
    flags = bad[order]
    xs = x[order]
    k = int(flags.sum())
    if k == flags.size:
        ends = f"x from {format_number(xs[0])} to {format_number(xs[-1])}"
        return f"everywhere it was tested ({ends})"
    if flags[-k:].all():
        return f"beyond x ≈ {format_number(xs[-k])}"
    if flags[:k].all():
        return f"below x ≈ {format_number(xs[k - 1])}"
    where = xs[flags]
    return (
        f"at {k} of {flags.size} points between x ≈ {format_number(where[0])} "
        f"and {format_number(where[-1])}"
    )
