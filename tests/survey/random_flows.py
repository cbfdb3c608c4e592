"""Random one-dimensional flows and an independent mpmath oracle for their densities.

A flow is a base (Normal, Uniform, Exponential, Gamma, Beta, Student t, Cauchy, Laplace,
Logistic, half-normal, Weibull) and 1-4 layers drawn from affine maps with rational
coefficients, exp, log, sinh, asinh, tanh, atanh, the logistic sigmoid and logit, odd powers
and the real cube root, z², |z|, 1/z, erf, erf⁻¹, √z, log(1 + z), eᶻ − 1 and z·eᶻ, each
drawn only where the state's range lies in its domain (:func:`draw`).

The oracle knows each layer only as an mpmath function, its derivative, its domain and
the points that split it into monotone pieces. The density at a float x is the change of
variables summed over every preimage,

    log p_X(x) = log Σ_b p_Z(z_b) / Π_i |f_i'(z_{b,i−1})|,

with each preimage found by bracketing and safeguarded Newton on each monotone piece of
each layer (:func:`solve`), at two working precisions (60 and 90 digits, then 340 and 420
where a preimage lies within the working precision of an end, as 1 − 1e-300 does); the
value is used only where the two agree (:func:`truth`). Nothing here calls symflow to
compute an expected value.

``tests/survey/test_random_extremes.py`` runs a few seeded flows in CI;
``python tests/survey/random_flows.py START STOP`` surveys the seeds in [START, STOP) at
the forward images of base quantiles (1e-300 … 0.3, both tails), one and two roundings
inside each finite support end and one outside, ±1e-300 and ±1e300, and prints each
failure.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import survey_cases as sc  # base quantiles in mpmath
import sympy as sp

z = sp.Symbol("z", real=True)
mpf = mp.mpf
INF = mp.inf


class Unresolved(Exception):  # noqa: N818 (the oracle's own signal, not an error)
    """The oracle cannot decide the density at this precision (a preimage at an end)."""


# ---------------------------------------------------------------- layers
@dataclass
class Layer:
    """One layer: its SymPy form, and in mpmath its value, derivative and pieces."""

    name: str
    expr: sp.Expr
    f: object  # mp forward (handles its own domain ends / infinities)
    df: object  # mp derivative
    domain: tuple  # open (lo, hi)
    splits: tuple = ()  # interior points splitting monotone pieces (critical points, poles)
    lim: object = None  # (e, side) -> limit of f at e from side (+1: from above)

    def limit(self, e, side):
        if self.lim is not None:
            v = self.lim(e, side)
            if v is not None:
                return v
        return self.f(e)

    def pieces(self):
        pts = [self.domain[0], *self.splits, self.domain[1]]
        return list(zip(pts[:-1], pts[1:], strict=True))

    def __str__(self):
        return str(self.expr)


def _sig(t):
    if t == INF:
        return mpf(1)
    if t == -INF:
        return mpf(0)
    return 1 / (1 + mp.exp(-t))


def _logit(t):
    if t == 0:
        return -INF
    if t == 1:
        return INF
    return mp.log(t) - mp.log1p(-t)


def _atanh(t):
    if t == 1:
        return INF
    if t == -1:
        return -INF
    return mp.atanh(t)


def _erfinv(t):
    if t == 1:
        return INF
    if t == -1:
        return -INF
    return mp.erfinv(t)


def _cbrt(t):
    if t == 0:
        return mpf(0)
    return mp.sign(t) * mp.cbrt(abs(t))


def _xexp(t):
    if t == -INF:
        return mpf(0)
    return t * mp.exp(t)


def _recip(t):
    if t in (INF, -INF):
        return mpf(0)
    return 1 / t


def _tanh(t):
    if t == INF:
        return mpf(1)
    if t == -INF:
        return mpf(-1)
    return mp.tanh(t)


def _erf(t):
    return mp.erf(t)


def _log(t):
    return -INF if t == 0 else mp.log(t)


def _log1p(t):
    return -INF if t == -1 else mp.log1p(t)


LAYERS = {
    "exp": lambda: Layer("exp", sp.exp(z), mp.exp, mp.exp, (-INF, INF)),
    "log": lambda: Layer("log", sp.log(z), _log, lambda t: 1 / t, (mpf(0), INF)),
    "sinh": lambda: Layer("sinh", sp.sinh(z), mp.sinh, mp.cosh, (-INF, INF)),
    "asinh": lambda: Layer(
        "asinh", sp.asinh(z), mp.asinh, lambda t: 1 / mp.sqrt(1 + t * t), (-INF, INF)
    ),
    "tanh": lambda: Layer("tanh", sp.tanh(z), _tanh, lambda t: 1 / mp.cosh(t) ** 2, (-INF, INF)),
    "atanh": lambda: Layer(
        "atanh", sp.atanh(z), _atanh, lambda t: 1 / ((1 - t) * (1 + t)), (mpf(-1), mpf(1))
    ),
    "sigmoid": lambda: Layer(
        "sigmoid", 1 / (1 + sp.exp(-z)), _sig, lambda t: _sig(t) * _sig(-t), (-INF, INF)
    ),
    "logit": lambda: Layer(
        "logit", sp.log(z / (1 - z)), _logit, lambda t: 1 / (t * (1 - t)), (mpf(0), mpf(1))
    ),
    "cube": lambda: Layer("cube", z**3, lambda t: t**3, lambda t: 3 * t**2, (-INF, INF)),
    "fifth": lambda: Layer("fifth", z**5, lambda t: t**5, lambda t: 5 * t**4, (-INF, INF)),
    "cbrt": lambda: Layer(
        "cbrt",
        sp.real_root(z, 3),
        _cbrt,
        lambda t: INF if t == 0 else 1 / (3 * _cbrt(t) ** 2),
        (-INF, INF),
    ),
    "square": lambda: Layer(
        "square", z**2, lambda t: t * t, lambda t: 2 * t, (-INF, INF), (mpf(0),)
    ),
    "abs": lambda: Layer("abs", sp.Abs(z), abs, mp.sign, (-INF, INF), (mpf(0),)),
    "recip": lambda: Layer(
        "recip",
        1 / z,
        _recip,
        lambda t: -1 / (t * t),
        (-INF, INF),
        (mpf(0),),
        lim=lambda e, side: (INF * side) if e == 0 else None,
    ),
    "erf": lambda: Layer(
        "erf", sp.erf(z), _erf, lambda t: 2 / mp.sqrt(mp.pi) * mp.exp(-t * t), (-INF, INF)
    ),
    "erfinv": lambda: Layer(
        "erfinv",
        sp.erfinv(z),
        _erfinv,
        lambda t: mp.sqrt(mp.pi) / 2 * mp.exp(_erfinv(t) ** 2),
        (mpf(-1), mpf(1)),
    ),
    "sqrt": lambda: Layer(
        "sqrt", sp.sqrt(z), mp.sqrt, lambda t: 1 / (2 * mp.sqrt(t)), (mpf(0), INF)
    ),
    "log1p": lambda: Layer("log1p", sp.log(1 + z), _log1p, lambda t: 1 / (1 + t), (mpf(-1), INF)),
    "expm1": lambda: Layer(
        "expm1", sp.exp(z) - 1, lambda t: mpf(-1) if t == -INF else mp.expm1(t), mp.exp, (-INF, INF)
    ),
    "xexp": lambda: Layer(
        "xexp", z * sp.exp(z), _xexp, lambda t: (1 + t) * mp.exp(t), (-INF, INF), (mpf(-1),)
    ),
    "atan": lambda: Layer("atan", sp.atan(z), mp.atan, lambda t: 1 / (1 + t * t), (-INF, INF)),
}
_EXPONENTIAL = ("exp", "sinh", "expm1", "xexp")
_GROWING = (*_EXPONENTIAL, "fifth")
NON_MONOTONE = {"square", "abs", "xexp"}  # recip: non-monotone only when straddling 0


def affine(a: sp.Rational, b: sp.Rational) -> Layer:
    """a·z + b, its coefficients exact at the working precision."""
    return Layer(
        "affine",
        a * z + b,
        lambda t: mpf(a.p) / a.q * t + mpf(b.p) / b.q,
        lambda t: mpf(a.p) / a.q,
        (-INF, INF),
    )


# ---------------------------------------------------------------- bases
@dataclass
class Base:
    """A base distribution in mpmath: density, CDF and survival function, quantiles."""

    name: str
    make: object  # -> symflow base
    ends: tuple  # (lo, hi): mp numbers or callables giving them at the working precision
    logpdf: object
    cdf: object  # mp: P(Z <= t)
    sf: object  # mp: P(Z > t)
    lower: object  # u -> quantile
    upper: object

    @property
    def support(self):
        return tuple(e() if callable(e) else +e for e in self.ends)


def _R(p, q=1):
    return sp.Rational(p, q)


def t3_lower(t):  # P(T <= t) for t <= 0
    return mp.betainc(mpf(3) / 2, mpf(1) / 2, 0, 3 / (3 + t * t), regularized=True) / 2


def t3_cdf(t):
    return t3_lower(t) if t <= 0 else 1 - t3_lower(-t)


def _robust(q, cdf, lower):
    """The quantile q, or a bisection of the cdf where q's Newton iteration fails."""

    def quantile(u):
        try:
            return q(u)
        except (ValueError, ZeroDivisionError):
            lay = Layer("cdf", None, cdf, None, (-INF, INF))
            lay.df = lambda t: (cdf(t + mpf(10) ** -20) - cdf(t)) * mpf(10) ** 20
            return solve(lay, u if lower else 1 - u, -INF, INF)

    return quantile


def make_bases() -> list[Base]:
    """The survey's bases, each with its mpmath density, CDFs and quantiles."""
    import symflow as sf

    L2P = lambda: mp.log(2 * mp.pi)  # noqa: E731
    out = []
    n = sc._normal()
    out.append(
        Base(
            "Normal(0,1)",
            lambda: sf.Normal(0, 1),
            (-INF, INF),
            lambda t: -t * t / 2 - L2P() / 2,
            mp.ncdf,
            lambda t: mp.ncdf(-t),
            n.lower,
            n.upper,
        )
    )
    for a, b in ((0, 1), (-1, 2), (_R(1, 2), _R(7, 3))):
        a, b = sp.Rational(a), sp.Rational(b)
        A = lambda a=a: mpf(a.p) / a.q  # noqa: E731  (exact at the working precision)
        B = lambda b=b: mpf(b.p) / b.q  # noqa: E731
        out.append(
            Base(
                f"Uniform({a},{b})",
                (lambda a=a, b=b: sf.Uniform(a, b)),
                (A, B),
                (lambda t, A=A, B=B: -mp.log(B() - A())),
                (lambda t, A=A, B=B: (t - A()) / (B() - A())),
                (lambda t, A=A, B=B: (B() - t) / (B() - A())),
                (lambda u, A=A, B=B: A() + u * (B() - A())),
                (lambda u, A=A, B=B: B() - u * (B() - A())),
            )
        )
    for r in (1, 2):
        e = sc._exponential(r)
        out.append(
            Base(
                f"Exponential({r})",
                (lambda r=r: sf.Exponential(r)),
                (mpf(0), INF),
                (lambda t, r=r: mp.log(r) - r * t),
                (lambda t, r=r: -mp.expm1(-r * t)),
                (lambda t, r=r: mp.exp(-r * t)),
                e.lower,
                e.upper,
            )
        )
    for k in (_R(1, 2), _R(5, 2)):
        km = mpf(k.p) / k.q
        g = sc._gamma(km, 1)
        out.append(
            Base(
                f"Gamma({k},1)",
                (lambda k=k: sf.Gamma(k, 1)),
                (mpf(0), INF),
                (lambda t, km=km: (km - 1) * mp.log(t) - t - mp.loggamma(km)),
                (lambda t, km=km: mp.gammainc(km, 0, t, regularized=True)),
                (lambda t, km=km: mp.gammainc(km, t, INF, regularized=True)),
                g.lower,
                g.upper,
            )
        )
    for a, b in ((_R(1, 2), _R(3)), (_R(2), _R(2))):
        am, bm = mpf(a.p) / a.q, mpf(b.p) / b.q
        be = sc._beta(am, bm)
        out.append(
            Base(
                f"Beta({a},{b})",
                (lambda a=a, b=b: sf.Beta(a, b)),
                (mpf(0), mpf(1)),
                (
                    lambda t, am=am, bm=bm: (
                        (am - 1) * mp.log(t) + (bm - 1) * mp.log1p(-t) - sc._log_beta_fn(am, bm)
                    )
                ),
                (lambda t, am=am, bm=bm: mp.betainc(am, bm, 0, t, regularized=True)),
                (lambda t, am=am, bm=bm: mp.betainc(bm, am, 0, 1 - t, regularized=True)),
                be.lower,
                be.upper,
            )
        )
    st = sc._student(mpf(3))
    st = sc.Base(
        st.make,
        _robust(st.lower, lambda t: t3_cdf(t), True),
        _robust(st.upper, lambda t: t3_cdf(t), False),
    )

    out.append(
        Base(
            "StudentT(3)",
            lambda: sf.StudentT(3),
            (-INF, INF),
            lambda t: (
                mp.loggamma(2)
                - mp.loggamma(mpf(3) / 2)
                - mp.log(mp.sqrt(3 * mp.pi))
                - 2 * mp.log1p(t * t / 3)
            ),
            lambda t: t3_lower(t) if t <= 0 else 1 - t3_lower(-t),
            lambda t: t3_lower(-t) if t >= 0 else 1 - t3_lower(t),
            st.lower,
            st.upper,
        )
    )
    c = sc._cauchy()
    out.append(
        Base(
            "Cauchy(0,1)",
            lambda: sf.Cauchy(0, 1),
            (-INF, INF),
            lambda t: -mp.log(mp.pi) - mp.log1p(t * t),
            lambda t: mp.acot(-t) / mp.pi if t < 0 else 1 - mp.acot(t) / mp.pi,
            lambda t: mp.acot(t) / mp.pi if t > 0 else 1 - mp.acot(-t) / mp.pi,
            c.lower,
            c.upper,
        )
    )
    la = sc._laplace()
    out.append(
        Base(
            "Laplace(0,1)",
            lambda: sf.Laplace(0, 1),
            (-INF, INF),
            lambda t: -abs(t) - mp.log(2),
            lambda t: mp.exp(t) / 2 if t < 0 else 1 - mp.exp(-t) / 2,
            lambda t: mp.exp(-t) / 2 if t > 0 else 1 - mp.exp(t) / 2,
            la.lower,
            la.upper,
        )
    )
    lo = sc._logistic()
    out.append(
        Base(
            "Logistic(0,1)",
            lambda: sf.Logistic(0, 1),
            (-INF, INF),
            lambda t: -abs(t) - 2 * mp.log1p(mp.exp(-abs(t))),
            lambda t: 1 / (1 + mp.exp(-t)),
            lambda t: 1 / (1 + mp.exp(t)),
            lo.lower,
            lo.upper,
        )
    )
    hn = sc._halfnormal()
    out.append(
        Base(
            "HalfNormal(1)",
            lambda: sf.HalfNormal(1),
            (mpf(0), INF),
            lambda t: mp.log(2) - t * t / 2 - L2P() / 2,
            lambda t: mp.erf(t / mp.sqrt(2)),
            lambda t: mp.erfc(t / mp.sqrt(2)),
            hn.lower,
            hn.upper,
        )
    )
    K = lambda: mpf(7) / 10  # noqa: E731
    lam = 2
    out.append(
        Base(
            "Weibull(7/10,2)",
            lambda: sf.Weibull(_R(7, 10), 2),
            (mpf(0), INF),
            lambda t: mp.log(K() / lam) + (K() - 1) * mp.log(t / lam) - (t / lam) ** K(),
            lambda t: -mp.expm1(-((t / lam) ** K())),
            lambda t: mp.exp(-((t / lam) ** K())),
            lambda u: lam * (-mp.log1p(-u)) ** (1 / K()),
            lambda u: lam * (-mp.log(u)) ** (1 / K()),
        )
    )
    return out


# ---------------------------------------------------------------- intervals
def image_intervals(layer: Layer, intervals):
    """Images of open intervals under the layer (piece by piece), merged."""
    out = []
    for lo, hi in intervals:
        for a, b in layer.pieces():
            left, right = max(lo, a), min(hi, b)
            if not left < right:
                continue
            fl, fh = layer.limit(left, +1), layer.limit(right, -1)
            out.append((min(fl, fh), max(fl, fh)))
    out.sort()
    merged = []
    for lo, hi in out:
        if merged and lo < merged[-1][1]:  # overlapping (touching ends stay apart)
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def inside_domain(layer: Layer, intervals) -> bool:
    a, b = layer.domain
    return all(a <= lo and hi <= b for lo, hi in intervals)


# ---------------------------------------------------------------- root finding
def _near(t, e):
    """t is within the working precision of the finite nonzero end e."""
    if not mp.isfinite(e) or e == 0:
        return False
    return abs(t - e) <= abs(e) * mpf(2) ** (-mp.mp.prec + 40)


def solve(layer: Layer, x, a, b):
    """The t in (a, b) with f(t) = x, f monotone on (a, b); None if none."""
    fa, fb = layer.limit(a, +1), layer.limit(b, -1)
    if fa == fb:
        return None
    inc = fb > fa
    if not (min(fa, fb) < x < max(fa, fb)):
        return None
    sgn = 1 if inc else -1

    def g(t):
        return sgn * (layer.f(t) - x)

    # a starting point inside
    if a < 0 < b:
        m = mpf(0)
    elif mp.isfinite(a) and mp.isfinite(b):
        m = (a + b) / 2
    elif mp.isfinite(a):
        m = a + 1 if a == 0 else a + abs(a)
    else:
        m = b - 1 if b == 0 else b - abs(b)
    gm = g(m)
    if gm == 0:
        return m

    def approach(start, end, want_negative):
        """Points start→end by doubling exponents; returns (last wrong-side, first right-side)."""
        prev = start
        for k in range(0, 14):
            step = mpf(2) ** (2**k)
            if end == INF:
                t = start + step if start >= 0 else start + step  # move up
                t = max(t, abs(start) * step) if start > 0 else t
            elif end == -INF:
                t = start - step
                t = min(t, -abs(start) * step) if start < 0 else t
            else:
                t = end + (start - end) / step
                if t == end or (end != 0 and _near(t, end)):
                    raise Unresolved(f"root within precision of end {mp.nstr(end, 8)}")
            gt = g(t)
            if (gt < 0) == want_negative and gt != 0:
                return prev, t
            if gt == 0:
                return t, t
            prev = t
        raise Unresolved("bracket search ran out")

    if gm > 0:  # root below m
        hi, lo = approach(m, a, True)
    else:
        lo, hi = approach(m, b, False)
    if lo == hi:
        return lo
    lo, hi = min(lo, hi), max(lo, hi)
    # a bracket with 0 at one end: approach 0 geometrically from the other end
    if lo == 0 or hi == 0:
        other = hi if lo == 0 else lo
        prev = other
        for k in range(0, 14):
            t = other / mpf(2) ** (2**k)
            gt = g(t)
            if gt == 0:
                return t
            if (gt < 0) == (lo == 0):
                lo, hi = (t, prev) if lo == 0 else (prev, t)
                break
            prev = t
        else:
            raise Unresolved("root at 0 beyond 2^-8192")
    # geometric bisection while wide and one-signed
    for _ in range(200):
        if lo > 0 and hi / lo > 4:
            mid = mp.sqrt(lo * hi)
        elif hi < 0 and lo / hi > 4:
            mid = -mp.sqrt(lo * hi)
        else:
            break
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
    # safeguarded Newton
    t = (lo + hi) / 2
    tol = mpf(2) ** (-mp.mp.prec + 8)
    for _ in range(400):
        gt = g(t)
        if gt == 0:
            break
        if gt < 0:
            lo = t
        else:
            hi = t
        d = sgn * layer.df(t)
        new = t - gt / d if d != 0 and mp.isfinite(d) else (lo + hi) / 2
        if not (lo < new < hi):
            new = (lo + hi) / 2
        if abs(new - t) <= tol * (abs(t) if t != 0 else mpf(2) ** -20000) or new == t:
            t = new
            break
        t = new
    else:
        raise Unresolved("Newton did not settle")
    for e in (a, b):
        if _near(t, e):
            raise Unresolved(f"preimage within precision of a domain end {mp.nstr(e, 8)}")
    return t


def log_density(base: Base, layers, x):
    """log p_X(x) at the current precision (sum over all preimages)."""
    terms = []

    def pull(i, value, acc):
        if i < 0:
            lo, hi = base.support
            for e in (lo, hi):
                if _near(value, e):
                    raise Unresolved("base point within precision of a base end")
            if lo < value < hi:
                terms.append(base.logpdf(value) - acc)
            return
        layer = layers[i]
        for a, b in layer.pieces():
            t = solve(layer, value, a, b)
            if t is None:
                continue
            d = abs(layer.df(t))
            if d == 0:
                pull(i - 1, t, acc - INF)
            else:
                pull(i - 1, t, acc + mp.log(d))

    pull(len(layers) - 1, mpf(x), mpf(0))
    if not terms:
        return -INF
    if any(t == INF for t in terms):
        return INF
    m = max(terms)
    if m == -INF:
        return -INF
    return m + mp.log(mp.fsum(mp.exp(t - m) for t in terms))


def preimage_z0(base, layers, x):
    """The one preimage (for monotone chains)."""
    found = []

    def pull(i, value):
        if i < 0:
            lo, hi = base.support
            if lo < value < hi:
                found.append(value)
            return
        layer = layers[i]
        for a, b in layer.pieces():
            t = solve(layer, value, a, b)
            if t is not None:
                pull(i - 1, t)

    pull(len(layers) - 1, mpf(x))
    return found


def truth(base, layers, x, levels=((60, 90), (340, 420))):
    """log p(x) agreed at two precisions (escalating); raises Unresolved."""
    last = None
    for d1, d2 in levels:
        vals = []
        try:
            for d in (d1, d2):
                with mp.workdps(d):
                    vals.append(log_density(base, layers, x))
        except Unresolved as exc:
            last = exc
            continue
        a, b = vals
        if a == b or (
            mp.isfinite(a) and mp.isfinite(b) and abs(a - b) <= mpf(10) ** -30 * max(1, abs(a))
        ):
            return a
        last = Unresolved(f"precisions disagree: {a} vs {b}")
    raise last


def cdf_truth(base, layers, x, increasing, levels=((60, 90), (340, 420))):
    last = None
    for d1, d2 in levels:
        vals = []
        try:
            for d in (d1, d2):
                with mp.workdps(d):
                    z0 = preimage_z0(base, layers, x)
                    if len(z0) != 1:
                        vals.append(None)
                    else:
                        vals.append(base.cdf(z0[0]) if increasing else base.sf(z0[0]))
        except Unresolved as exc:
            last = exc
            continue
        a, b = vals
        if a is None or b is None:
            return None
        with mp.workdps(40):
            if abs(a - b) <= mpf(10) ** -25 * abs(a):
                return a
        last = Unresolved("cdf precisions disagree")
    raise last


# ---------------------------------------------------------------- random flows
TAILS = (1e-300, 1e-100, 1e-20, 1e-5, 0.3)
SLOPES = [
    sp.Rational(s) for s in ("-3", "-2", "-1", "-1/2", "-1/3", "1/3", "1/2", "2", "3", "7/5", "5/2")
]
SHIFTS = [sp.Rational(s) for s in ("0", "0", "1", "-1", "1/2", "-3/4", "5/3", "-2")]
KINDS = [k for k in LAYERS if k != "atan"]


def draw(seed: int):
    """(base, layers, support intervals) of the random flow number ``seed``."""
    rng = random.Random(seed)
    base = rng.choice(make_bases())
    n = rng.randint(1, 4)
    layers = []
    with mp.workdps(60):
        ivs = [base.support]
        nonmono = 0
        tries = 0
        while len(layers) < n and tries < 50:
            tries += 1
            if rng.random() < 0.25:
                lay = affine(rng.choice(SLOPES), rng.choice(SHIFTS))
            else:
                lay = LAYERS[rng.choice(KINDS)]()
            if not inside_domain(lay, ivs):
                continue
            straddles = lay.name in NON_MONOTONE or (
                lay.name == "recip" and any(lo < 0 < hi for lo, hi in ivs)
            )
            if lay.name in ("abs", "square") and not any(lo < 0 < hi for lo, hi in ivs):
                straddles = False
            if lay.name == "xexp" and not any(lo < -1 < hi for lo, hi in ivs):
                straddles = False
            if straddles and nonmono >= 2:
                continue
            # avoid towers of exponentials that no float resolves (exp(exp(exp(z))))
            if (
                lay.name in ("exp", "sinh", "expm1", "xexp")
                and sum(
                    1
                    for prior in layers[-2:]
                    if prior.name in ("exp", "sinh", "expm1", "xexp", "fifth")
                )
                >= 2
            ):
                continue
            nonmono += straddles
            ivs = image_intervals(lay, ivs)
            layers.append(lay)
    return base, layers, ivs


def forward(layers, t):
    """x = f_K(…f_1(t)) in mpmath."""
    for lay in layers:
        if lay.name in _EXPONENTIAL and abs(t) > 1e7:
            # e^(e^(1e7)) is beyond every float (and beyond mpmath's patience)
            raise Unresolved("a tower of exponentials beyond any float")
        t = lay.f(t)
    return t


def probe(base, layers, ivs) -> dict:
    """The survey's points {x: where it comes from} for one flow."""
    xs = {}
    for u in TAILS:
        for side, q in (("lo", base.lower), ("hi", base.upper)):
            with mp.workdps(330):
                try:
                    t = q(mp.mpf(u))
                    v = forward(layers, t)
                except (
                    ZeroDivisionError,
                    ValueError,
                    OverflowError,
                    mp.libmp.NoConvergence,
                    Unresolved,
                ):
                    continue
                if isinstance(v, mp.mpc) or not mp.isfinite(v):
                    continue
                f = float(v)
            if math.isfinite(f):
                xs.setdefault(f, f"q{side}({u:g})")
    for lo, hi in ivs:
        for e, inward in ((lo, np.inf), (hi, -np.inf)):
            if not mp.isfinite(e):
                continue
            ef = float(e)
            if not math.isfinite(ef):
                continue
            a = float(np.nextafter(ef, inward))
            xs.setdefault(ef, "edge")
            xs.setdefault(a, "edge+1")
            xs.setdefault(float(np.nextafter(a, inward)), "edge+2")
            xs.setdefault(float(np.nextafter(ef, -inward)), "edge-1")
    for v in (1e-300, -1e-300, 1e300, -1e300, 0.0, 0.5, -0.5, 2.0):
        xs.setdefault(v, "fixed")
    return xs


def survey(seed: int) -> list[str]:
    """Compile flow ``seed`` and compare log_prob with :func:`truth` at :func:`probe`'s
    points; the failures as sentences."""
    import symflow as sf

    base, layers, ivs = draw(seed)
    X = sf.Flow(base.make(), [sf.Transform(layer.expr, z) for layer in layers])
    points = probe(base, layers, ivs)
    xs = np.array(sorted(points))
    got = X.compile().log_prob(xs)
    failures = []
    for x, g in zip(xs, got, strict=True):
        try:
            want = truth(base, layers, x)
        except Unresolved:
            continue
        if not compare(g, want):
            failures.append(f"x = {x!r} [{points[x]}]: log_prob {g!r}, truth {mp.nstr(want, 17)}")
    return failures


def compare(got: float, want) -> bool:
    """log_prob ``got`` against the oracle: −inf where the truth is below the floats,
    else within 1e-10 relative (absolute where |log p| < 1)."""
    if want == INF:
        return got == math.inf
    if want < -mpf(np.finfo(float).max):
        return got == -math.inf
    if not math.isfinite(got):
        return False
    return abs(mpf(got) - want) <= 1e-10 * max(abs(want), 1)


if __name__ == "__main__":
    for seed in range(int(sys.argv[1]), int(sys.argv[2])):
        base, layers, _ = draw(seed)
        name = f"#{seed} {base.name} -> " + " -> ".join(str(layer.expr) for layer in layers)
        for line in survey(seed):
            print(name, line, flush=True)
