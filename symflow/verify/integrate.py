"""∫ f over consecutive intervals of the real line, vectorised, with an error estimate.

The integrand is called on whole arrays (a compiled kernel's ``prob``), never point by
point. Each interval is cut into panels, and each panel is integrated by the 15-point
Gauss–Kronrod rule with QUADPACK's error estimate; the panels with the largest errors
are split again until the estimated error meets the tolerance. The panels are laid out
so that the rule sees smooth pieces:

* at a **break** (a support edge, the end of an inverse path's region, a point where the
  density is infinite) the panels shrink geometrically towards the point, down to about
  a thousand float64 roundings from it, so an integrable singularity such as |x|^(-2/3)
  costs a few dozen panels and nothing is evaluated at the break itself; the mass of the
  last panel, where the floats are too coarse to integrate, is extrapolated as A·t^β
  from the panels beside it (as QUADPACK's extrapolation does);
* towards **±∞** the panels grow geometrically (ratio 4, then 16) out to the largest float, so
  heavy tails such as that of exp of a Cauchy variable are integrated, not cut off;
* an interval whose ends differ by orders of magnitude is cut geometrically as well.

A NaN or +inf value inside an interval is not integrated as zero: the points are
returned in :attr:`Integral.bad` for the caller to report. Mass found beyond
|x| = 1e150 that is not negligible against the total means the integral does not settle
(a divergent moment of a heavy tail): :attr:`Integral.settled` says so.

:class:`Density` is the one integrator of a flow's p_X: the checks' normalisation and
CDF, and the numerical moments and entropy of the SciPy interface, all integrate through
it, with the support's pieces, the ends of the inverse paths' regions and the points where
the density is infinite as breaks.

Examples
--------
>>> import numpy as np
>>> r = integrate_intervals(lambda x: np.exp(-np.abs(x)) / 2, [-np.inf, 0.0, np.inf])
>>> [round(float(m), 12) for m in r.masses], r.error < 1e-9
([0.5, 0.5], True)
>>> s = integrate_intervals(lambda x: np.abs(x) ** (-2 / 3) / 6, [-1.0, 1.0], breaks=[0.0])
>>> abs(s.total - 1.0) < 1e-9
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symflow.core.intervals import as_intervals

__all__ = ["Density", "Integral", "integrate_intervals"]

# 15-point Kronrod nodes on [-1, 1] (the odd-indexed ones are the 7-point Gauss nodes)
_XK = np.array(
    [
        -0.991455371120812639206854697526329,
        -0.949107912342758524526189684047851,
        -0.864864423359769072789712788640926,
        -0.741531185599394439863864773280788,
        -0.586087235467691130294144845693013,
        -0.405845151377397166906606412076961,
        -0.207784955007898467600689403773245,
        0.0,
        0.207784955007898467600689403773245,
        0.405845151377397166906606412076961,
        0.586087235467691130294144845693013,
        0.741531185599394439863864773280788,
        0.864864423359769072789712788640926,
        0.949107912342758524526189684047851,
        0.991455371120812639206854697526329,
    ]
)
_WK = np.array(
    [
        0.022935322010529224963732008058970,
        0.063092092629978553290700663189204,
        0.104790010322250183839876322541518,
        0.140653259715525918745189590510238,
        0.169004726639267902826583426598550,
        0.190350578064785409913256402421014,
        0.204432940075298892414161999234649,
        0.209482141084727828012999174891714,
        0.204432940075298892414161999234649,
        0.190350578064785409913256402421014,
        0.169004726639267902826583426598550,
        0.140653259715525918745189590510238,
        0.104790010322250183839876322541518,
        0.063092092629978553290700663189204,
        0.022935322010529224963732008058970,
    ]
)
_WG = np.zeros(15)
_WG[1::2] = [
    0.129484966168869693270611432679082,
    0.279705391489276667901467771423780,
    0.381830050505118944950369775488975,
    0.417959183673469387755102040816327,
    0.381830050505118944950369775488975,
    0.279705391489276667901467771423780,
    0.129484966168869693270611432679082,
]
_BIG = np.finfo(np.float64).max
_EPS = np.finfo(np.float64).eps
_GROWTH = 4.0
_ULPS = 1024.0
#: |x| beyond which the mass of an integral counts as far out in a tail
_FAR = 1e150


@dataclass(frozen=True)
class Integral:
    """Masses of consecutive intervals, their estimated errors, and bad points."""

    masses: np.ndarray
    errors: np.ndarray
    #: points inside the intervals where the integrand was NaN or +inf
    bad: np.ndarray
    #: the absolute mass of the panels beyond |x| = 1e150
    far: float = 0.0

    @property
    def total(self) -> float:
        return float(np.sum(self.masses))

    @property
    def error(self) -> float:
        return float(np.sum(self.errors))

    @property
    def settled(self) -> bool:
        """Whether the mass beyond |x| = 1e150 is negligible (≤ 1e-9 of the total): an
        integral whose far tail still contributes diverges."""
        return self.far <= max(1e-300, 1e-9 * float(np.sum(np.abs(self.masses))))


def _floor(c):
    """The width of the panel at a break ``c`` whose mass is extrapolated, not integrated:
    1024 units of float64 rounding relative to c (or 1e-300 at zero, where a density may
    overflow), so that the nodes of the panels beside it are not quantised by the floats."""
    return np.maximum(_ULPS * _EPS * np.abs(c), 1e-300)


def _towards(c: float, other: float) -> list[float]:
    """Points from ``other`` geometrically closer to ``c`` (ratio 1/4), down to
    :func:`_floor` at ``c``."""
    span = other - c
    floor = float(_floor(c))
    points = []
    step = span
    while abs(step) > floor:
        points.append(c + step)
        step /= _GROWTH
    return points


def _outwards(c: float, sign: float, scale: float) -> list[float]:
    """Points c + sign·h_k, h_0 = scale/4 growing geometrically, out to the largest float."""
    h = scale / 4.0
    points = []
    while True:
        x = c + sign * h
        if not abs(x) < _BIG:
            points.append(sign * _BIG)
            return points
        points.append(x)
        # ratio 4 over the first 1e6 scales, then 16: far out the mass is small and the
        # adaptive rounds split what is not yet accurate
        h *= _GROWTH if h < 1e6 * scale else _GROWTH**2


def _geometric(u: float, v: float) -> list[float]:
    """Interior points of [u, v] (same sign, far apart in ratio) with ratio about 4."""
    if not ((u > 0 and v > 0) or (u < 0 and v < 0)):  # (u·v underflows: 1e-300·1e-200)
        return []
    lo, hi = sorted((abs(u), abs(v)))
    count = int((math.log(hi) - math.log(lo)) / math.log(_GROWTH))
    if count < 1:
        return []
    inner = np.geomspace(lo, hi, count + 2)[1:-1]
    return list(np.sign(u) * inner)


def _segment_panels(u: float, v: float, graded_u: bool, graded_v: bool, scale: float):
    """Initial panels of [u, v] (ends possibly infinite) as (a, b, graded end) rows;
    the graded end is -1 for a, +1 for b, 0 for neither."""
    if math.isinf(u) and math.isinf(v):
        return _segment_panels(u, 0.0, False, False, scale) + _segment_panels(
            0.0, v, False, False, scale
        )
    if math.isinf(v) or math.isinf(u):
        c, sign = (u, 1.0) if math.isinf(v) else (v, -1.0)
        graded = graded_u if math.isinf(v) else graded_v
        far = _outwards(c, sign, scale)
        points = [c, *reversed(_towards(c, far[0])[1:]), *far] if graded else [c, *far]
        if sign < 0:
            points = points[::-1]
        rows = [(a, b, 0) for a, b in zip(points[:-1], points[1:], strict=False)]
        if graded:
            i = 0 if sign > 0 else len(rows) - 1
            rows[i] = (rows[i][0], rows[i][1], -1 if sign > 0 else 1)
        return rows
    middle = 0.5 * (u + v) if not (u < 0 < v) else 0.0
    left = [u]
    if graded_u:
        left += list(reversed(_towards(u, middle)))[:-1]
    right = []
    if graded_v:
        right = list(reversed(_towards(v, middle)[1:]))
    points = [*left, middle, *right, v] if (graded_u or graded_v) else [u, v]
    # far apart in ratio (1e-3 to 1e5): cut geometrically too
    dense = [points[0]]
    for a, b in zip(points[:-1], points[1:], strict=False):
        dense += _geometric(a, b)
        dense.append(b)
    points = sorted(set(dense))
    rows = [(a, b, 0) for a, b in zip(points[:-1], points[1:], strict=False)]
    if graded_u:
        rows[0] = (rows[0][0], rows[0][1], -1)
    if graded_v:
        rows[-1] = (rows[-1][0], rows[-1][1], 1)
    return rows


def _rule(fn, a: np.ndarray, b: np.ndarray):
    """15-point Gauss–Kronrod on each panel [a_i, b_i]: (integral, error, bad points)."""
    center, half = 0.5 * a + 0.5 * b, 0.5 * b - 0.5 * a
    x = center[:, None] + half[:, None] * _XK[None, :]
    with np.errstate(all="ignore"):
        f = np.asarray(fn(x.ravel()), dtype=np.float64).reshape(x.shape)
        return _sums(a, b, x, f, half)


def _sums(a, b, x, f, half):
    inside = (x > a[:, None]) & (x < b[:, None])
    bad_mask = inside & (np.isnan(f) | (f == np.inf))
    f = np.where(np.isfinite(f) & inside, f, 0.0)
    # nodes that round onto an end (a panel at the float resolution of a break): the mass
    # they miss is unknown, so the panel's error is at least its width times its largest value
    collapsed = ~np.all(inside, axis=1)
    unknown = np.where(collapsed, np.abs(b - a) * np.max(np.abs(f), axis=1), 0.0)
    kronrod = half * (f @ _WK)
    gauss = half * (f @ _WG)
    mean = kronrod / np.where(half != 0, 2 * half, 1.0)
    resabs = np.abs(half) * (np.abs(f) @ _WK)
    resasc = np.abs(half) * (np.abs(f - mean[:, None]) @ _WK)
    diff = np.abs(kronrod - gauss)
    err = np.where(
        (resasc > 0) & (diff > 0), resasc * np.minimum(1.0, (200 * diff / resasc) ** 1.5), diff
    )
    err = np.maximum(np.maximum(err, 50 * _EPS * resabs), unknown)
    return kronrod, err, x[bad_mask]


def integrate_intervals(
    fn: Callable[[np.ndarray], np.ndarray],
    edges: Iterable[float],
    breaks: Iterable[float] = (),
    scale: float = 1.0,
    rtol: float = 1e-10,
    atol: float = 1e-14,
    max_rounds: int = 40,
) -> Integral:
    """∫ fn over [e_0, e_1], [e_1, e_2], … (ends may be ±inf) with errors.

    Parameters
    ----------
    fn : callable
        A vectorised integrand: array of points → array of values.
    edges : sequence of float
        Increasing interval ends; the first and last may be -inf and inf.
    breaks : sequence of float
        Points where fn may be non-smooth or infinite; panels shrink towards them.
    scale : float
        A typical width of the integrand's features, where no edge gives one.
    rtol, atol : float
        The tolerance on the total: the estimated error ≤ max(atol, rtol·∑|mass|).

    Examples
    --------
    >>> import numpy as np
    >>> r = integrate_intervals(lambda x: 1 / (np.pi * (1 + x * x)), [-np.inf, -1.0, 1.0, np.inf])
    >>> np.round(r.masses, 12)
    array([0.25, 0.5 , 0.25])
    """
    edges = np.asarray(list(edges), dtype=np.float64)
    scale = float(scale) if 0 < scale < np.inf else 1.0
    if edges.size < 2 or np.any(np.diff(edges) < 0) or np.isnan(edges).any():
        raise ValueError(f"edges must increase and hold at least two points; got {edges}.")
    lo, hi = edges[0], edges[-1]
    graded_points = {float(c) for c in breaks if lo <= c <= hi and math.isfinite(c)}
    cuts = sorted({float(e) for e in edges} | graded_points)
    rows = []
    owner = []
    for u, v in zip(cuts[:-1], cuts[1:], strict=False):
        if not u < v:
            continue
        interval = int(np.searchsorted(edges, u, side="right")) - 1
        interval = min(max(interval, 0), edges.size - 2)
        for row in _segment_panels(u, v, u in graded_points, v in graded_points, scale):
            if row[0] < row[1]:
                rows.append(row)
                owner.append(interval)
    panels = np.array(rows, dtype=np.float64).reshape(-1, 3)
    owner = np.array(owner, dtype=np.int64)
    a, b, graded = panels[:, 0], panels[:, 1], panels[:, 2].astype(np.int64)
    value, error, bad = _rule(fn, a, b)
    value, error = _extrapolated_at_breaks(a, b, graded, value, error)
    bads = [bad]
    history: list[float] = []
    for _ in range(max_rounds):
        target = max(atol, rtol * float(np.sum(np.abs(value))))
        total_error = float(np.sum(error))
        history.append(total_error)
        if total_error <= target or (len(history) > 4 and total_error > 0.9 * history[-5]):
            break  # converged, or stalled on panels that float64 cannot split further
        width_ok = (0.5 * b - 0.5 * a) > 8 * _EPS * np.maximum(np.abs(a), np.abs(b)) + 1e-300
        # nothing narrower than the floor: nodes closer than that are quantised
        width_ok &= (b - a > 2 * _floor(np.maximum(np.abs(a), np.abs(b)))) & ~_at_floor(
            a, b, graded
        )
        candidates = np.flatnonzero(width_ok & (error > 0))
        if candidates.size == 0:
            break
        frozen = total_error - float(np.sum(error[candidates]))
        order = candidates[np.argsort(error[candidates])[::-1]]
        # split the largest errors until what is left (beside the panels that cannot be
        # split) meets half the target
        goal = max(0.5 * (target - frozen), 0.0)
        removed = np.cumsum(error[order])
        count = int(np.searchsorted(removed, total_error - frozen - goal)) + 1
        chosen = order[: min(count, order.size, 4_000)]
        ga, gb, gg = a[chosen], b[chosen], graded[chosen]
        step = 0.5 * gb - 0.5 * ga
        mid = np.where(gg < 0, ga + step / 4, np.where(gg > 0, gb - step / 4, ga + step))
        new_a = np.concatenate([ga, mid])
        new_b = np.concatenate([mid, gb])
        new_g = np.concatenate([np.where(gg < 0, -1, 0), np.where(gg > 0, 1, 0)])
        new_owner = np.concatenate([owner[chosen], owner[chosen]])
        v, e, bad = _rule(fn, new_a, new_b)
        bads.append(bad)
        keep = np.ones(a.size, dtype=bool)
        keep[chosen] = False
        a = np.concatenate([a[keep], new_a])
        b = np.concatenate([b[keep], new_b])
        graded = np.concatenate([graded[keep], new_g])
        owner = np.concatenate([owner[keep], new_owner])
        value = np.concatenate([value[keep], v])
        error = np.concatenate([error[keep], e])
        value, error = _extrapolated_at_breaks(a, b, graded, value, error)
    m = edges.size - 1
    masses = np.bincount(owner, weights=value, minlength=m)
    errors = np.bincount(owner, weights=error, minlength=m)
    far = float(np.sum(np.abs(value[np.maximum(np.abs(a), np.abs(b)) > _FAR])))
    return Integral(masses, errors, np.unique(np.concatenate(bads)), far)


def _at_floor(a, b, graded):
    """Whether each panel lies next to a break and is no wider than :func:`_floor` there."""
    brk = np.where(graded < 0, a, b)
    return (graded != 0) & (b - a <= 4.5 * _floor(brk))


def _extrapolated_at_breaks(a, b, graded, value, error):
    """(values, errors) with the masses of the panels at a break that are not split further
    (:func:`_at_floor`) taken from the panels beside each: the mass within t of the break
    fitted as A·t^β to them (:func:`_fit_beside`). This is what QUADPACK's extrapolation does
    for an integrable singularity such as 1/√t, without evaluating the integrand where
    the floats are too coarse to resolve it."""
    targets = np.flatnonzero(_at_floor(a, b, graded))
    if targets.size == 0:
        return value, error
    value, error = value.copy(), error.copy()
    order = np.argsort(a, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    for i in targets:
        fitted = _fit_beside(i, rank[i], order, a, b, graded[i], value)
        if fitted is not None:
            value[i] = fitted
            error[i] = 1e-5 * fitted
    return value, error


def _fit_beside(i, k, order, a, b, side, value):
    """The mass of panel i (k-th from the left, at a break on its ``side``) from the
    contiguous panels beside it: with D(t) their mass from t0 (panel i's width) out to a
    distance t from the break, A·t^β is fitted to D at t1 ≥ 4·t0 and t2 ≥ 4·t1."""
    c = a[i] if side < 0 else b[i]
    t0 = b[i] - a[i]
    step = 1 if side < 0 else -1
    edge = b[i] if side < 0 else a[i]
    mass, ends = 0.0, []
    j = k + step
    while 0 <= j < order.size and len(ends) < 400:
        p = order[j]
        if (a[p] if side < 0 else b[p]) != edge:
            break
        edge = b[p] if side < 0 else a[p]
        mass += value[p]
        ends.append((abs(edge - c), mass))
        if ends[-1][0] >= 16 * t0:
            break
        j += step
    first = next(((t, m) for t, m in ends if t >= 4 * t0), None)
    if first is None or ends[-1][0] < 4 * first[0]:
        return None
    (t1, d1), (t2, d2) = first, ends[-1]
    if not (0 < d1 < d2):
        return None
    return _power_law_mass(t0 / t2, t1 / t2, d1, d2 - d1)


def _power_law_mass(t0: float, t1: float, m1: float, m2: float) -> float | None:
    """F(t0) for F(t) = A·t^β (0 < t0 < t1 < 1) with F(t1) − F(t0) = m1 and
    F(1) − F(t1) = m2; None when no β in (0, 8) fits."""

    def ratio(beta: float) -> float:  # (1 − t1^β)/(t1^β − t0^β), increasing in β
        return (1.0 - t1**beta) / (t1**beta - t0**beta)

    target = m2 / m1
    lo, hi = 1e-6, 8.0
    if not ratio(lo) <= target <= ratio(hi):
        return None
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    beta = 0.5 * (lo + hi)
    return float(m1 * t0**beta / (t1**beta - t0**beta))


def _numbers(region: sp.Set, values: dict[str, float]) -> sp.Set:
    subs = {s: values[s.name] for s in region.free_symbols if s.name in values}
    return region.subs(subs) if subs else region


def _bounds(region: sp.Set) -> list[tuple[float, float]]:
    return [(float(i.inf), float(i.sup)) for i in as_intervals(region)]


class Density:
    """p_X of a scalar flow's compiled kernels at fixed parameters, with the pieces of its
    support and the points where it is not smooth: the ends of the support's pieces and
    of the inverse paths' regions, and the points where it is infinite.

    Parameters
    ----------
    kernels : Kernels
        The flow's compiled kernels (``flow.compile()``).
    values : dict
        A number for each of the flow's parameters.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> p = Density(sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]).compile(), {})
    >>> p.pieces, p.breaks
    ([(0.0, inf)], [0.0])
    >>> round(p.integrate([0.0, 1.0, np.inf], scale=1.0).total, 12)  # chi-square(1)
    1.0
    """

    def __init__(self, kernels, values: dict[str, float]):
        self.kernels = kernels
        self.values = dict(values)
        program = kernels.program
        self.pieces = _bounds(_numbers(program.support, values))
        breaks = {v for piece in self.pieces for v in piece if math.isfinite(v)}
        for path in program.paths:
            for lo, hi in _bounds(_numbers(path.region, values)):
                breaks.update(v for v in (lo, hi) if math.isfinite(v))
        for p in program.singular_points:
            value = sp.sympify(p).subs({s: values[s.name] for s in sp.sympify(p).free_symbols})
            breaks.add(float(value))
        self.breaks = sorted(breaks)
        self.lo, self.hi = self.pieces[0][0], self.pieces[-1][1]

    def __call__(self, xs: np.ndarray) -> np.ndarray:
        """p_X at the points ``xs``."""
        return self.kernels.prob(np.ascontiguousarray(xs, dtype=np.float64), **self.values)

    def log(self, xs: np.ndarray) -> np.ndarray:
        """log p_X at the points ``xs``."""
        return self.kernels.log_prob(np.ascontiguousarray(xs, dtype=np.float64), **self.values)

    def integrate(
        self,
        edges: Iterable[float],
        scale: float,
        integrand: Callable[[np.ndarray], np.ndarray] | None = None,
        rtol: float = 1e-10,
        atol: float = 1e-14,
    ) -> Integral:
        """∫ p_X (or ``integrand``, a function of x that vanishes off the support) over
        [e_0, e_1], [e_1, e_2], …, with panels graded towards the density's breaks."""
        fn = self if integrand is None else integrand
        return integrate_intervals(fn, edges, breaks=self.breaks, scale=scale, rtol=rtol, atol=atol)

    def inside(self, xs: np.ndarray) -> np.ndarray:
        """Whether each x lies strictly inside a piece of the support."""
        mask = np.zeros(xs.shape, dtype=bool)
        for lo, hi in self.pieces:
            mask |= (xs > lo) & (xs < hi)
        return mask
