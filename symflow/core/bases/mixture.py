"""A finite mixture of univariate base distributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from symflow.core.bases.distribution import Distribution, as_exact
from symflow.core.bases.functions import LogSumExp
from symflow.core.budget import attempt
from symflow.core.constants import sign_of_constant
from symflow.core.continuity import assumptions_phrase, sign_under_assumptions
from symflow.errors import ParameterError

__all__ = ["Mixture"]


def _check_sum(weights: list[sp.Expr]) -> None:
    """Refuse weights whose sum is not identically 1 (for every value of their symbols)."""
    total = sp.Add(*weights)
    if not total.free_symbols:
        total = sp.nsimplify(total)
    if sp.expand(total - 1) == 0:
        return
    if attempt(lambda: sp.simplify(total - 1) == 0, 5.0, False):
        return
    listed = ", ".join(str(w) for w in weights)
    if not total.free_symbols:
        raise ParameterError(
            f"Mixture weights must sum to 1; they sum to {total} (weights {listed})."
        )
    raise ParameterError(
        f"Mixture weights must sum to 1 for every value of their symbols; they sum to "
        f"{sp.factor(total)} (weights {listed}). Write the last weight as 1 minus the others, "
        f"e.g. [(w, base1), (1 - w, base2)]."
    )


class Mixture(Distribution):
    """Mixture([(w_1, p_1), ..., (w_k, p_k)]): p(z) = Σ_i w_i p_i(z), with weights w_i > 0
    summing to 1; the support is the union of the components' supports, and
    log p(z) = logsumexp_i(log w_i + log p_i(z)).

    Weights may be expressions in parameter symbols that sum to 1 for every value of
    them, such as w and 1 − w; none may be provably zero or negative. Their domain, each
    weight in (0, 1), is stated by :meth:`conditions` and checked wherever values are
    given (kernels, sampling, fitting).

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> from symflow.core.bases import Exponential, Laplace, Normal, StudentT, Uniform
    >>> z, u = sp.Symbol("z", real=True), sp.Symbol("u", positive=True)
    >>> M = Mixture([(0.25, Uniform(0, 1)), (0.75, Uniform(2, 3))])
    >>> M.support
    Union(Interval.open(0, 1), Interval.open(2, 3))
    >>> F, S = M.cdf(z), M.sf(z)
    >>> F.subs(z, 2.5), F.subs(z, sp.Rational(5, 2)), S.subs(z, sp.Rational(1, 2))
    (0.625000000000000, 5/8, 7/8)
    >>> x = M.sample(4000, np.random.default_rng(0))
    >>> x.shape, round(float((x > 2).mean()), 1)
    ((4000,), 0.7)
    >>> d = M.scipy()
    >>> round(float(d.cdf(2.5)), 6), round(float(d.pdf(0.5)), 6)
    (0.625, 0.25)
    >>> M = Mixture([(0.5, Normal(-1, 1)), (0.5, Normal(1, 1))])
    >>> M.log_density(z)
    LogSumExp(-(z + 1)**2/2 - log(2*pi)/2 - log(2), -(z - 1)**2/2 - log(2*pi)/2 - log(2))
    >>> M.density(z)
    sqrt(2)*exp(-(z + 1)**2/2)/(4*sqrt(pi)) + sqrt(2)*exp(-(z - 1)**2/2)/(4*sqrt(pi))
    >>> M.kernel_cdf(z)
    StandardNormalCdf(z - 1)/2 + StandardNormalCdf(z + 1)/2
    >>> M.kernel_sf(z)
    StandardNormalCdf(1 - z)/2 + StandardNormalCdf(-z - 1)/2
    >>> print(M.quantile(u), Mixture([(0.5, StudentT(3)), (0.5, Normal(0, 1))]).cdf(z))
    None None
    >>> m = sp.Symbol("m", real=True)
    >>> Mixture([(0.5, Normal(m, 1)), (0.5, Normal(0, 1))]).subs({m: 2})
    Mixture([(1/2, Normal(2, 1)), (1/2, Normal(0, 1))])
    >>> Mixture([(0.5, Normal(0, 1)), (0.5, Normal(0, 4))]).width_threshold(*sp.symbols("lo w"))
    1/20
    >>> Mixture([(0.5, Laplace(0, 1)), (0.5, Exponential(1))]).kinks
    (0,)
    """

    def __init__(self, components: Sequence[tuple[Any, Distribution]]) -> None:
        items = list(components) if isinstance(components, Sequence) else None
        if not items:
            raise ParameterError(
                "Mixture needs a non-empty list of (weight, base) pairs, e.g. "
                "Mixture([(0.3, Normal(-1, 1)), (0.7, Normal(2, 1))])."
            )
        weights, parts = [], []
        for i, item in enumerate(items, start=1):
            if not (isinstance(item, tuple | list) and len(item) == 2):
                raise ParameterError(
                    f"Mixture component {i} must be a pair (weight, base); got {item!r}."
                )
            w, base = item
            w = as_exact(w, f"Mixture weight {i}")
            if not isinstance(base, Distribution):
                raise ParameterError(
                    f"Mixture component {i} must be a univariate base distribution such as "
                    f"Normal(0, 1); got {base!r}."
                )
            if not w.free_symbols and sign_of_constant(w) != 1:
                raise ParameterError(
                    f"Mixture weight {i} must be positive; got {w}. Drop components of "
                    f"weight 0 and give numbers > 0."
                )
            if w.free_symbols and sign_under_assumptions(w) in (0, -1):
                raise ParameterError(
                    f"Mixture weight {i} = {w} is never positive under "
                    f"{assumptions_phrase(w.free_symbols)}; a weight must lie in (0, 1). "
                    f"Declare its symbols so that it can be, e.g. (w, base1), (1 - w, base2) "
                    f"with w = Symbol('w', positive=True)."
                )
            weights.append(w)
            parts.append(base)
        _check_sum(weights)
        self.weights = tuple(weights)
        self.parts = tuple(parts)
        params: dict[str, sp.Expr] = {}
        for i, (w, base) in enumerate(zip(weights, parts, strict=True), start=1):
            params[f"w{i}"] = w
            params.update({f"c{i}_{k}": v for k, v in base.params.items()})
        self._params = params

    # -- identity -------------------------------------------------------------------
    def __repr__(self) -> str:
        inner = ", ".join(f"({w}, {b!r})" for w, b in zip(self.weights, self.parts, strict=True))
        return f"Mixture([{inner}])"

    def _identity(self) -> tuple:
        return (self.weights, self.parts)

    def subs(self, values: Mapping[sp.Symbol, Any]) -> Mixture:
        """Mixture([(w_i, p_i)]).subs(values) = Mixture([(w_i, p_i.subs(values))]).

        Examples
        --------
        >>> import symflow as sf
        >>> m = sp.Symbol("m", real=True)
        >>> Mixture([(0.5, sf.Normal(m, 1)), (0.5, sf.Normal(0, 1))]).subs({m: 2})
        Mixture([(1/2, Normal(2, 1)), (1/2, Normal(0, 1))])
        """
        return Mixture([(w, b.subs(values)) for w, b in zip(self.weights, self.parts, strict=True)])

    # -- mathematics ----------------------------------------------------------------
    @property
    def support(self) -> sp.Set:
        """The union of the components' supports."""
        return sp.Union(*[b.support for b in self.parts])

    def _pieces(self, z: sp.Symbol, value, below, above) -> list[sp.Expr]:
        """value(base) on each component's support, ``below``/``above`` beyond its ends."""
        out = []
        whole = self.support
        for base in self.parts:
            inner = base.support
            v = value(base)
            if inner == whole or v is None:
                out.append(v)
                continue
            cases = []
            if inner.inf != whole.inf:
                cases.append((below, z <= inner.inf))
            if inner.sup != whole.sup:
                cases.append((above, z >= inner.sup))
            out.append(sp.Piecewise(*cases, (v, True)))
        return out

    def log_density(self, z: sp.Symbol) -> sp.Expr:
        """log p(z) = logsumexp_i(log w_i + log p_i(z)).

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(-1, 1)), (0.5, sf.Normal(1, 1))])
        >>> M.log_density(sp.Symbol("z", real=True))
        LogSumExp(-(z + 1)**2/2 - log(2*pi)/2 - log(2), -(z - 1)**2/2 - log(2*pi)/2 - log(2))
        """
        terms = self._pieces(z, lambda b: b.log_density(z), -sp.oo, -sp.oo)
        logs = [sp.log(w) + t for w, t in zip(self.weights, terms, strict=True)]
        return LogSumExp(*logs)

    def density(self, z: sp.Symbol) -> sp.Expr:
        """p(z) = sum_i w_i p_i(z), each term zero outside its component's support.

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(-1, 1)), (0.5, sf.Normal(1, 1))])
        >>> M.density(sp.Symbol("z", real=True))
        sqrt(2)*exp(-(z + 1)**2/2)/(4*sqrt(pi)) + sqrt(2)*exp(-(z - 1)**2/2)/(4*sqrt(pi))
        """
        terms = self._pieces(z, lambda b: b.density(z), 0, 0)
        return sp.Add(*[w * t for w, t in zip(self.weights, terms, strict=True)])

    def _sum(self, z, value, below, above) -> sp.Expr | None:
        terms = self._pieces(z, value, below, above)
        if any(t is None for t in terms):
            return None
        return sp.Add(*[w * t for w, t in zip(self.weights, terms, strict=True)])

    def cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F(z) = sum_i w_i F_i(z); None when a component has no closed-form CDF.

        Examples
        --------
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> F = Mixture([(0.25, sf.Uniform(0, 1)), (0.75, sf.Uniform(2, 3))]).cdf(z)
        >>> F.subs(z, sp.Rational(5, 2))
        5/8
        >>> print(Mixture([(0.5, sf.StudentT(3)), (0.5, sf.Normal(0, 1))]).cdf(z))
        None
        """
        return self._sum(z, lambda b: b.cdf(z), 0, 1)

    def sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S(z) = sum_i w_i S_i(z); None when a component has no closed-form CDF.

        Examples
        --------
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> S = Mixture([(0.25, sf.Uniform(0, 1)), (0.75, sf.Uniform(2, 3))]).sf(z)
        >>> S.subs(z, sp.Rational(1, 2))
        7/8
        """
        return self._sum(z, lambda b: b.sf(z), 1, 0)

    def kernel_cdf(self, z: sp.Symbol) -> sp.Expr | None:
        """F(z) = sum_i w_i F_i(z) in the components' float64-accurate forms.

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(-1, 1)), (0.5, sf.Normal(1, 1))])
        >>> M.kernel_cdf(sp.Symbol("z", real=True))
        StandardNormalCdf(z - 1)/2 + StandardNormalCdf(z + 1)/2
        """
        return self._sum(z, lambda b: b.kernel_cdf(z), 0, 1)

    def kernel_sf(self, z: sp.Symbol) -> sp.Expr | None:
        """S(z) = sum_i w_i S_i(z) in the components' float64-accurate forms.

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(-1, 1)), (0.5, sf.Normal(1, 1))])
        >>> M.kernel_sf(sp.Symbol("z", real=True))
        StandardNormalCdf(1 - z)/2 + StandardNormalCdf(-z - 1)/2
        """
        return self._sum(z, lambda b: b.kernel_sf(z), 1, 0)

    def quantile(self, u: sp.Symbol) -> None:
        """None: F^-1(u) of a mixture has no closed form; kernels solve F(z) = u.

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(-1, 1)), (0.5, sf.Normal(1, 1))])
        >>> print(M.quantile(sp.Symbol("u", positive=True)))
        None
        """
        return None  # solved numerically

    def width_threshold(self, lo: sp.Symbol, w: sp.Symbol) -> sp.Expr:
        """w* = min_i w*_i, the smallest of the components' thresholds.

        Examples
        --------
        >>> import symflow as sf
        >>> M = Mixture([(0.5, sf.Normal(0, 1)), (0.5, sf.Normal(0, 4))])
        >>> M.width_threshold(*sp.symbols("lo w", positive=True))
        1/20
        """
        return sp.Min(*[b.width_threshold(lo, w) for b in self.parts])

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """Kinks of p: the components' kinks and their finite support ends inside supp p."""
        whole = self.support
        points = []
        for base in self.parts:
            points.extend(base.kinks)
            points.extend(e for e in (base.support.inf, base.support.sup) if e.is_finite)
        return tuple(dict.fromkeys(p for p in points if p not in (whole.inf, whole.sup)))

    # -- the parameter domain ---------------------------------------------------------
    def conditions(self) -> tuple[tuple[str, sp.Expr], ...]:
        """Each weight that depends on parameter symbols is positive (so, as the weights
        sum to 1, in (0, 1)), and so is each component's positive parameter.

        Examples
        --------
        >>> import symflow as sf
        >>> w, s = sp.Symbol("w", positive=True), sp.Symbol("s", positive=True)
        >>> Mixture([(w, sf.Normal(0, s)), (1 - w, sf.Normal(2, 1))]).conditions()
        (('weight 1', w), ('weight 2', 1 - w), ('component 1 sigma', s))
        """
        out = [(f"weight {i}", w) for i, w in enumerate(self.weights, start=1) if w.free_symbols]
        for i, base in enumerate(self.parts, start=1):
            out.extend((f"component {i} {name}", e) for name, e in base.conditions())
        return tuple(out)

    def weight_numbers(self, values: Mapping[str, float] | None = None) -> list[float]:
        """The weights w_i as floats, parameter symbols taken from ``values`` (name ->
        number), after checking that they lie in (0, 1).

        Examples
        --------
        >>> import symflow as sf
        >>> w = sp.Symbol("w", positive=True)
        >>> M = Mixture([(w, sf.Normal(0, 1)), (1 - w, sf.Normal(2, 1))])
        >>> M.weight_numbers({"w": 0.25})
        [0.25, 0.75]
        >>> M.weight_numbers({"w": 1.5})  # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        symflow.errors.ParameterError: Mixture([(w, Normal(0, 1)), (1 - w, Normal(2, 1))]) is no
        distribution at w = 1.5: its weight 2 = 1 - w must be positive, and is -0.5 there.
        """
        values = dict(values or {})
        symbols = set().union(*(w.free_symbols for w in self.weights))
        missing = sorted(s.name for s in symbols if s.name not in values)
        if missing:
            raise ParameterError(f"{self!r}: give a value for {', '.join(missing)}.")
        self.check_values(values)
        return [
            float(w.xreplace({s: values[s.name] for s in w.free_symbols})) for w in self.weights
        ]

    # -- numbers ----------------------------------------------------------------------
    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None) -> Any:
        """n draws: component i chosen with probability w_i, then z ~ p_i.

        Examples
        --------
        >>> import symflow as sf
        >>> import numpy as np
        >>> M = Mixture([(0.25, sf.Uniform(0, 1)), (0.75, sf.Uniform(2, 3))])
        >>> x = M.sample(4000, np.random.default_rng(0))
        >>> x.shape
        (4000,)
        >>> round(float((x > 2).mean()), 1)
        0.7
        """
        import numpy as np

        n = int(n)
        weights = np.array(self.weight_numbers(values))
        which = rng.choice(len(self.parts), size=n, p=weights / weights.sum())
        out = np.empty(n)
        for i, base in enumerate(self.parts):
            chosen = which == i
            out[chosen] = base.sample(int(chosen.sum()), rng, values)
        return out

    def scipy(self, values: Mapping[str, float] | None = None) -> Any:
        """The frozen scipy.stats twin of p(z) = sum_i w_i p_i(z) (SciPy is imported here).

        Examples
        --------
        >>> import symflow as sf
        >>> d = Mixture([(0.25, sf.Uniform(0, 1)), (0.75, sf.Uniform(2, 3))]).scipy()
        >>> round(float(d.cdf(2.5)), 6)
        0.625
        >>> round(float(d.pdf(0.5)), 6)
        0.25
        """
        import numpy as np
        from scipy import stats

        weights = self.weight_numbers(values)
        twins = [b.scipy(values) for b in self.parts]
        lo = min(float(t.support()[0]) for t in twins)
        hi = max(float(t.support()[1]) for t in twins)
        parts = self

        class _Mixture(stats.rv_continuous):
            def _pdf(self, x):
                return sum(w * t.pdf(x) for w, t in zip(weights, twins, strict=True))

            def _cdf(self, x):
                return sum(w * t.cdf(x) for w, t in zip(weights, twins, strict=True))

            def _sf(self, x):
                return sum(w * t.sf(x) for w, t in zip(weights, twins, strict=True))

            def _rvs(self, size=None, random_state=None):
                rng = (
                    random_state
                    if isinstance(random_state, np.random.Generator)
                    else np.random.default_rng(random_state.randint(2**31))
                )
                n = int(np.prod(size)) if size is not None else 1
                return parts.sample(n, rng, values).reshape(size)

        return _Mixture(a=lo, b=hi, name="mixture")()
