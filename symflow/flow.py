"""The public facade: a base distribution pushed through a chain of transforms.

x = f_K ∘ … ∘ f_1 (z), z ~ p_Z, with the density

    p_X(x) = Σ_b p_Z(g_b(x)) · |g_b'(x)|        (one term per inverse path b)

kept as a :class:`~symflow.core.program.Program` and turned into a closed form, a
compiled kernel or a Monte Carlo check on demand.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z, x = sp.symbols("z x", real=True)
>>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
>>> X.support
Interval.open(0, oo)
>>> X.density(x)
Piecewise((sqrt(2)*exp(-log(x)**2/2)/(2*sqrt(pi)*x), x > 0), (0, True))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from symflow.core.closed_form import density_terms, log_density_terms
from symflow.core.distributions import Distribution
from symflow.core.layer import Layer
from symflow.core.multivariate import Independent, JointDistribution
from symflow.core.program import (
    InversePass,
    VectorProgram,
    build_program,
    build_vector_program,
)
from symflow.core.transform import ReducingTransform, ScalarTransform, Transform, TransformError
from symflow.core.vector_layer import VectorLayer

__all__ = ["Flow"]


def _marginal_indices(index: Any, d: int, flow: Any) -> list[int]:
    """The distinct component indices of ``flow.marginal(index)``, or a clear error."""
    if d < 2:
        raise TransformError(
            f"marginal({index!r}): {flow!r} is one-dimensional, so it has no marginals; its "
            f"own density is flow.density()."
        )
    if isinstance(index, int | sp.Integer) and not isinstance(index, bool):
        indices = [int(index)]
    elif isinstance(index, list | tuple):
        indices = list(index)
    else:
        raise TransformError(
            f"marginal({index!r}) needs a component index or a list of indices in "
            f"0..{d - 1}; got {type(index).__name__}."
        )
    if not indices:
        raise TransformError(
            f"marginal([]) keeps no component: pass one index or a list of indices in "
            f"0..{d - 1} of {flow!r}."
        )
    for i in indices:
        if isinstance(i, bool) or not isinstance(i, int | sp.Integer) or not 0 <= i < d:
            raise TransformError(
                f"marginal({index!r}): index {i!r} is not a component of {flow!r}, which is "
                f"{d}-dimensional; use indices in 0..{d - 1}."
            )
    repeated = sorted({int(i) for i in indices if indices.count(i) > 1})
    if repeated:
        raise TransformError(
            f"marginal({index!r}): index {repeated[0]} is repeated; a component can be kept "
            f"once (the joint density of X and X itself does not exist). Pass distinct indices."
        )
    return [int(i) for i in indices]


def _output_symbol(x: Any) -> sp.Symbol:
    if x is None:
        return sp.Symbol("x", real=True)
    if isinstance(x, str):
        return sp.Symbol(x, real=True)
    if not isinstance(x, sp.Symbol):
        raise TransformError(
            f"The output variable must be a SymPy Symbol (e.g. sp.Symbol('x', real=True)); "
            f"got {x!r}."
        )
    return x


def _in_region(region: sp.Set, x: sp.Symbol) -> sp.Basic:
    """``x in region`` as a condition, without the ``x < oo`` that a symbol with no
    assumptions would carry (the condition is built on a real symbol, then renamed)."""
    real = sp.Dummy("x", real=True)
    return region.as_relational(real).xreplace({real: x})


def _piecewise(terms: list[tuple[sp.Expr, sp.Set]], x: sp.Symbol, otherwise: sp.Expr) -> sp.Expr:
    grouped: dict[sp.Set, sp.Expr] = {}
    for e, r in terms:
        grouped[r] = grouped.get(r, sp.Integer(0)) + e
    terms = list(grouped.items())
    terms = [(e, r) for r, e in terms]
    regions = [r for _, r in terms]
    disjoint = all(
        sp.Intersection(a, b).is_empty for i, a in enumerate(regions) for b in regions[i + 1 :]
    )
    if disjoint:
        return sp.Piecewise(*[(e, _in_region(r, x)) for e, r in terms], (otherwise, True))
    return sp.Add(*[sp.Piecewise((e, _in_region(r, x)), (0, True)) for e, r in terms])


class Flow:
    """A base distribution pushed through transforms applied in the order given.

    Parameters
    ----------
    base : Distribution
        p_Z, e.g. ``Normal(0, 1)``.
    transforms : sequence of Transform
        f_1, …, f_K in application order: z -> f_1 -> … -> f_K -> x.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])
    >>> X.density()
    sqrt(2)*exp(-(x - 3)**2/8)/(4*sqrt(pi))
    """

    def __init__(self, base: Distribution, transforms: Sequence[Transform] | Transform = ()):
        if not isinstance(base, Distribution | JointDistribution):
            raise TransformError(
                f"Flow needs a base distribution such as sf.Normal(0, 1) first; got {base!r}."
            )
        if isinstance(transforms, Transform):
            transforms = [transforms]
        if isinstance(transforms, sp.Basic | str) or not hasattr(transforms, "__iter__"):
            raise TransformError(
                f"Flow takes its transforms as a list of sf.Transform(expr, var); got "
                f"{transforms!r}. Wrap an expression as [sf.Transform({transforms}, z)]."
            )
        transforms = list(transforms)
        for i, tr in enumerate(transforms, start=1):
            if not isinstance(tr, Transform):
                raise TransformError(
                    f"Transform {i} of the flow must be an sf.Transform(expr, var); got {tr!r}."
                )
        self.base = base
        self.transforms = tuple(transforms)
        self._kernels = None
        self.reduction = None
        d = getattr(base, "dimension", 1)
        for i, tr in enumerate(self.transforms, start=1):
            if tr.dimension != d:
                raise TransformError(
                    f"Transform {i} ({tr!r}) maps {tr.dimension} variable(s) but the flow is "
                    f"{d}-dimensional (base {base!r}). Expected a transform of {d} "
                    f"expressions in {d} variables; got {tr.dimension}."
                )
        if any(isinstance(tr, ReducingTransform) for tr in self.transforms):
            self._init_reduced(base)
            return
        if isinstance(base, JointDistribution):
            self._init_vector(base)
            return
        for i, tr in enumerate(self.transforms, start=1):
            if not isinstance(tr, ScalarTransform):
                raise TransformError(
                    f"Transform {i} ({tr!r}) is a vector transform, but the base {base!r} is "
                    f"one-dimensional. Write it as a scalar Transform(expr, z)."
                )
        layers: list[Layer] = []
        support: sp.Set = base.support
        for i, tr in enumerate(self.transforms, start=1):
            layer = Layer.place(tr, support, i, base if i == 1 else None)
            layers.append(layer)
            support = layer.image
        self.layers = tuple(layers)
        self.program: InversePass = build_program(base, self.layers)

    def _init_vector(self, base: JointDistribution) -> None:
        intervals = [c.support for c in base.components] if isinstance(base, Independent) else None
        layers = []
        for i, tr in enumerate(self.transforms, start=1):
            layers.append(VectorLayer.place(tr, i, intervals if i == 1 else None))
        self.layers = tuple(layers)
        self.program = build_vector_program(base, self.layers)

    def _init_reduced(self, base) -> None:
        """A map to fewer dimensions: auxiliaries integrated out (symflow.core.reduce)."""
        from symflow.core.reduce import check_independent, marginal_program, reduce_transform

        *earlier, last = self.transforms
        if any(isinstance(tr, ReducingTransform) for tr in earlier):
            raise TransformError(
                f"{self!r}: only the last transform may map to fewer dimensions; apply "
                f"square transforms first."
            )
        check_independent(last)
        self.layers = ()
        self.reduction = reduce_transform(base, earlier, last)
        self.program = marginal_program(self.reduction)

    # -- symbolic nouns ---------------------------------------------------------------
    @property
    def support(self) -> sp.Set:
        """Where the density is positive (a SymPy Set)."""
        return self.program.support

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free parameter symbols of the base and the transforms."""
        return self.program.parameters

    @property
    def dimension(self) -> int:
        """d: 1 for scalar flows."""
        return self.program.dimension

    def _output_symbols(self, x: Any) -> list[sp.Symbol]:
        d = self.dimension
        if x is None:
            return list(self.program.inputs)
        xs = list(x) if isinstance(x, list | tuple | sp.Matrix) else [x]
        if len(xs) != d:
            raise TransformError(
                f"This flow is {d}-dimensional: pass {d} output symbols; got {len(xs)} ({x!r})."
            )
        return [_output_symbol(v) for v in xs]

    def _vector_in(self, expr: sp.Basic, xs: list[sp.Symbol]) -> sp.Basic:
        return expr.xreplace(dict(zip(self.program.inputs, xs, strict=True)))

    def log_density(self, x: Any = None) -> sp.Expr:
        """log p_X(x): a Piecewise that is -oo outside the support.

        Parameters
        ----------
        x : Symbol or str, optional
            The output symbol (default ``x``; in d dimensions a list of d symbols,
            default ``x1 … xd``).

        Returns
        -------
        sympy.Expr
            The exact log-density, summed over the inverse branches.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z, y = sp.symbols("z y", real=True)
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).log_density(y)
        Piecewise((-y, y > 0), (-oo, True))
        """
        if self.reduction is not None and not self.program.paths:
            return sp.log(self.density(x))
        if isinstance(self.program, VectorProgram):
            xs = self._output_symbols(x)
            ((expr, region),) = log_density_terms(self.program)
            cond = self._vector_in(region, xs)
            expr = self._vector_in(expr, xs)
            return expr if cond is sp.true else sp.Piecewise((expr, cond), (-sp.oo, True))
        x = _output_symbol(x)
        terms = [(self._in(e, x), r) for e, r in log_density_terms(self.program)]
        if len(terms) == 1:
            expr, region = terms[0]
            return sp.Piecewise((expr, _in_region(region, x)), (-sp.oo, True))
        return sp.log(_piecewise([(sp.exp(e), r) for e, r in terms], x, sp.Integer(0)))

    def density(self, x: Any = None) -> sp.Expr:
        """p_X(x): the density with its support (0 outside it).

        Parameters
        ----------
        x : Symbol or str, optional
            The output symbol (default ``x``; in d dimensions a list of d symbols,
            default ``x1 … xd``).

        Returns
        -------
        sympy.Expr
            The exact density: a Piecewise that is 0 outside the support, one term per
            inverse branch.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]).density()
        Piecewise((sqrt(2)*exp(-x/2)/(2*sqrt(pi)*sqrt(x)), x > 0), (0, True))
        """
        if self.reduction is not None:
            from symflow.core.reduce import output_density

            if isinstance(self.program, VectorProgram):
                return output_density(self.reduction, self._output_symbols(x))
            return output_density(self.reduction, [_output_symbol(x)])
        if isinstance(self.program, VectorProgram):
            xs = self._output_symbols(x)
            ((expr, region),) = density_terms(self.program)
            cond = self._vector_in(region, xs)
            expr = self._vector_in(expr, xs)
            return expr if cond is sp.true else sp.Piecewise((expr, cond), (0, True))
        x = _output_symbol(x)
        terms = [(self._in(e, x), r) for e, r in density_terms(self.program)]
        if len(terms) == 1 and terms[0][1] == sp.S.Reals:
            return terms[0][0]
        return _piecewise(terms, x, sp.Integer(0))

    def inverse(self, x: Any = None) -> sp.Expr:
        """f⁻¹(x) for a bijective flow: z_0 as one expression in x (a list in d-D).

        Raises
        ------
        MonotonicityError
            When the flow has several inverse branches (read them from
            ``flow.program.paths``).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sinh(z), z)]).inverse()
        asinh(x)
        """
        if isinstance(self.program, VectorProgram):
            xs = self._output_symbols(x)
            values: dict = {}
            for a in self.program.paths[0].assignments:
                if a.kind == "state":
                    values[a.target] = a.value.xreplace(values)
            return [self._vector_in(values[s], xs) for s in self.program.base_symbols]
        x = _output_symbol(x)
        if not self.program.is_bijective:
            from symflow.errors import MonotonicityError

            raise MonotonicityError(
                f"{self!r} is not one-to-one: it has {len(self.program.paths)} inverse "
                f"branches. Read them from flow.program.paths."
            )
        path = self.program.paths[0]
        value: sp.Expr = self.program.base_symbol
        for a in reversed(path.assignments):
            if a.kind == "state":
                value = value.xreplace({a.target: a.value})
        return self._in(value, x)

    def _in(self, expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
        return expr.xreplace({self.program.x: x})

    # -- numeric verbs (lazy: code generation and verification load on first use) ----
    def compile(self):
        """Compile numba kernels for log_prob, prob and sample (cached on the flow).

        Returns
        -------
        Kernels
            Array functions ``log_prob``, ``prob``, ``cdf``, ``quantile``, ``sample``, …
            over NumPy arrays; their machine code is cached on disk.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> k = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).compile()
        >>> k.log_prob(np.array([1.0, -1.0]))
        array([-0.91893853,        -inf])
        """
        if self._kernels is None and self.reduction is not None:
            from symflow.codegen.marginal import compile_reduction

            self._kernels = compile_reduction(self.reduction, self.program)
        if self._kernels is None:
            from symflow.codegen.kernel import compile_program

            self._kernels = compile_program(self.program, self.base)
        return self._kernels

    def sample(self, n: int, seed: int | None = None, **params: float):
        """n samples of x from the forward map (see ``compile().sample``).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> xs = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).sample(1000, seed=0)
        >>> xs.shape, bool((xs > 0).all())
        ((1000,), True)
        """
        return self.compile().sample(n, seed=seed, **params)

    def check(
        self,
        n: int = 200_000,
        seed: int = 0,
        alpha: float = 1e-4,
        chunks: Any = None,
        **params: float,
    ):
        """Monte Carlo check of the derived density against forward-map samples.

        Parameter values of a parametric flow are keyword arguments. With ``chunks`` the
        samples are drawn and reduced block by block as a dask array (``symflow[dask]``).

        Returns
        -------
        CheckReport
            ``.passed``, ``.pvalue`` and one line per test in ``str(report)``.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)])
        >>> X.check(n=20_000, seed=0).passed
        True
        """
        from symflow.verify.check import check_flow

        return check_flow(self, n=n, seed=seed, alpha=alpha, params=params, chunks=chunks)

    # -- distribution functions and fitting (symflow.core.cdf, symflow.stats.fit) ---
    def cdf(self, x: Any = None) -> sp.Expr:
        """F_X(x) in closed form (summed over branches).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).cdf()
        Piecewise((0, x <= 0), (1 - exp(-x), True))
        """
        if self.reduction is not None:
            from symflow.core.reduce import output_cdf

            if isinstance(self.program, VectorProgram):
                raise TransformError(
                    f"{self!r} has {self.dimension} outputs: cdf is defined here for one. "
                    f"Take a marginal first (flow.marginal(i)) and its cdf."
                )

            return output_cdf(self.reduction, _output_symbol(x))
        from symflow.core.cdf import flow_cdf

        return flow_cdf(self, _output_symbol(x))

    # -- expectations and marginals (symflow.core.expectation, symflow.core.reduce) ----
    def expectation(self, h: Any = None, detail: bool = False, **params: float):
        """E[h(X)] = integral of h(x) p_X(x) dx, exact where SymPy integrates.

        Parameters
        ----------
        h
            A SymPy expression in x (the output symbol), or its text (``"x**2"``, parsed
            safely: nothing is evaluated as Python); None means h(x) = x.
        detail
            If True, return an ``Expectation`` with ``.value``, ``.method`` ("exact" or
            numerical) and ``.numeric`` (the numerical check).
        **params
            Values of the flow's parameter symbols, by name.

        Returns
        -------
        sympy.Expr
            The exact value (checked numerically), a Float when only a numerical value is
            found, or +-oo when the integral diverges.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z, x = sp.symbols("z x", real=True)
        >>> X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)])
        >>> X.expectation(x**2), X.expectation("x**2")
        (2, 2)
        >>> e = X.expectation(x**3, detail=True)
        >>> e.value, e.method
        (6, 'exact')
        """
        from symflow.core.expectation import expectation

        return expectation(self, h, detail=detail, **params)

    def mean(self, **params: float) -> sp.Expr:
        """E[X] = integral of x p_X(x) dx (see ``expectation``).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).mean()
        exp(1/2)
        """
        return self.expectation(None, **params)

    def moment(self, k: int, **params: float) -> sp.Expr:
        """E[X^k] = integral of x^k p_X(x) dx (see ``expectation``).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).moment(2)
        exp(2)
        """
        return self.expectation(sp.Symbol("x", real=True) ** k, **params)

    def variance(self, **params: float) -> sp.Expr:
        """Var X = E[(X - E X)^2] = E[X^2] - (E X)^2.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).variance()
        -E + exp(2)
        """
        from symflow.core.expectation import variance

        return variance(self, **params)

    def entropy(self, **params: float) -> sp.Expr:
        """h(X) = -E[log p_X(X)], the differential entropy.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).entropy()
        1
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(3 * z, z)]).entropy()
        log(3)
        """
        from symflow.core.expectation import entropy

        return entropy(self, **params)

    def median(self) -> sp.Expr:
        """F_X^-1(1/2), the median.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).median()
        1
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).median()
        log(2)
        """
        return self.quantile(sp.Rational(1, 2))

    def marginal(self, index: Any):
        """p_{X_I}(x_I) = integral of p_X(x) over the coordinates not in I, as a flow.

        Parameters
        ----------
        index
            A component index of a joint flow (0-based), or a list of distinct indices
            (the joint density of those components, in that order).

        Returns
        -------
        Flow
            The flow of the chosen components: the joint flow followed by the projection.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z1, z2 = sp.symbols("z1 z2", real=True)
        >>> zs = sp.symbols("z1:4", real=True)
        >>> base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
        >>> X = sf.Flow(base, [sf.Transform([z1 + z2, z1 - z2], [z1, z2])])
        >>> X.marginal(0).density()
        exp(-x**2/4)/(2*sqrt(pi))
        >>> Y = sf.Flow(sf.Independent(*[sf.Normal(0, 1)] * 3), [sf.Transform(list(zs), list(zs))])
        >>> Y.marginal([0, 2]).density()
        exp(-x1**2/2 - x2**2/2)/(2*pi)
        """
        indices = _marginal_indices(index, self.dimension, self)
        d = self.dimension
        us = sp.symbols(f"u1:{d + 1}", real=True)
        return Flow(self.base, [*self.transforms, Transform([us[i] for i in indices], list(us))])

    def quantile(self, u: Any = None) -> sp.Expr:
        """F_X⁻¹(u) in closed form for a monotone flow (numerical for maps to fewer
        dimensions: a Float at a numeric u).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).quantile()
        -log(1 - u)
        """
        if self.reduction is not None:
            from symflow.verify.moments import numeric_quantile

            return numeric_quantile(self, u)
        from symflow.core.cdf import flow_quantile

        return flow_quantile(self, u)

    def fit(self, data: Any, init: dict[str, float] | None = None, **options: Any):
        """Maximum-likelihood estimates of the flow's parameters from ``data``.

        Flows with a few parameters get forward-mode exact derivatives
        (``symflow.stats.fit.fit_flow``); many parameters, d-D flows, dask data or
        the training options (``validation``, ``progress``, ``method="L-BFGS"`` …) go to
        ``symflow.stats.train.train_flow`` (compiled reverse-mode gradients).

        Returns
        -------
        FitResult
            ``.params`` (name → value), ``.loglik``, ``.stderr``, ``.success``, ``.nit``.

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> import symflow as sf
        >>> z, mu = sp.symbols("z mu", real=True)
        >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z + mu, z)])
        >>> data = np.array([0.5, 1.5, 2.5])
        >>> round(X.fit(data).params["mu"], 6)
        1.5
        """
        from symflow.stats.inputs import check_fit_options
        from symflow.stats.train import train_flow, wants_training

        check_fit_options(options)
        if wants_training(self, data, options):
            return train_flow(self, data, init=init, **options)
        from symflow.stats.fit import fit_flow

        return fit_flow(self, data, init=init, **options)

    def to_scipy(self, **params: float):
        """A scipy.stats-compatible frozen distribution backed by the kernels.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> dist = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 3, z)]).to_scipy()
        >>> round(float(dist.cdf(3.0)), 6)
        0.5
        """
        from symflow.stats.scipy_dist import to_scipy

        return to_scipy(self, **params)

    # -- teaching output (symflow.present, symflow.stats.family) ---------------------
    def derivation(self):
        """The step-by-step textbook derivation (.latex(), .markdown(), str()).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> steps = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).derivation()
        >>> "align*" in steps.latex() and "LogNormal" in str(steps)
        True
        """
        from symflow.present.derivation import derive

        if "_derivation" not in self.__dict__:  # immutable once made: derived once
            self._derivation = derive(self)
        return self._derivation

    def family(self):
        """The named distribution the result is (with exact parameters), or None.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z = sp.Symbol("z", real=True)
        >>> sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).family()
        LogNormal(mu=0, sigma=1)
        """
        from symflow.stats.family import recognise

        return recognise(self)

    def _repr_latex_(self) -> str:
        from symflow.present.display import flow_latex

        return flow_latex(self)

    def _repr_markdown_(self) -> str:
        from symflow.present.display import flow_markdown

        return flow_markdown(self)

    # -- display --------------------------------------------------------------------
    def __repr__(self) -> str:
        chain = ", ".join(t.formula for t in self.transforms)
        return f"Flow({self.base!r}, [{chain}])"
