"""Bases in d dimensions: independent products and the multivariate normal.

Examples
--------
>>> import sympy as sp
>>> from symflow.core.distributions import Normal, Uniform
>>> z1, z2 = sp.symbols("z1 z2", real=True)
>>> Independent(Normal(0, 1), Uniform(0, 1)).support_condition([z1, z2])
(0 <= z2) & (z2 <= 1)
>>> MultivariateNormal([0, 0], [[1, 0], [0, 1]]).log_density([z1, z2])
-z1**2/2 - z2**2/2 - log(2*pi)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from symflow.core.distributions import Distribution, as_exact
from symflow.errors import ParameterError

__all__ = ["JointDistribution", "Independent", "MultivariateNormal"]


class JointDistribution:
    """A base distribution on R^d (d ≥ 1) with a symbolic log-density."""

    dimension: int

    @property
    def name(self) -> str:
        return type(self).__name__

    def log_density(self, zs: Sequence[sp.Symbol]) -> sp.Expr:
        raise NotImplementedError

    def density(self, zs: Sequence[sp.Symbol]) -> sp.Expr:
        from symflow.core.bases import split_exp

        return split_exp(self.log_density(zs))

    def support_condition(self, zs: Sequence[sp.Expr]) -> sp.Basic:
        """A SymPy Boolean that holds where the density is positive."""
        return sp.true

    @property
    def support(self) -> sp.Set:
        return sp.S.Reals**self.dimension

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return set()

    def cdf(self, z):  # no joint CDF in closed form
        return None


class Independent(JointDistribution):
    """Independent(b1, …, bd): p(z) = Π p_i(z_i).

    Examples
    --------
    >>> from symflow.core.distributions import Normal
    >>> Independent(Normal(0, 1), Normal(0, 1))
    Independent(Normal(0, 1), Normal(0, 1))
    """

    def __init__(self, *components: Distribution) -> None:
        if len(components) == 1 and isinstance(components[0], list | tuple):
            components = tuple(components[0])
        if not components:
            raise ParameterError("Independent needs at least one component distribution.")
        for i, c in enumerate(components, start=1):
            if not isinstance(c, Distribution):
                raise ParameterError(
                    f"Independent: component {i} must be a univariate base such as "
                    f"Normal(0, 1); got {c!r}."
                )
        self.components = tuple(components)
        self.dimension = len(components)

    @property
    def params(self) -> dict[str, sp.Expr]:
        """Parameter name -> value, each named ``<name>_<i>`` for component i.

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Independent(sf.Normal(0, 1), sf.Exponential(2)).params
        {'mu_1': 0, 'sigma_1': 1, 'rate_2': 2}
        """
        return {
            f"{name}_{i}": v
            for i, c in enumerate(self.components, start=1)
            for name, v in c.params.items()
        }

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """The union of the components' unset parameter symbols.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> s = sp.Symbol("s", positive=True)
        >>> sf.Independent(sf.Normal(0, s), sf.Exponential(1)).free_symbols
        {s}
        """
        return set().union(*[c.free_symbols for c in self.components])

    def log_density(self, zs):
        """log p(z) = sum_i log p_i(z_i).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z1, z2 = sp.symbols("z1 z2", positive=True)
        >>> d = sf.Independent(sf.Normal(0, 1), sf.Exponential(2))
        >>> d.log_density([z1, z2])
        -z1**2/2 - 2*z2 - log(2*pi)/2 + log(2)
        """
        return sp.Add(*[c.log_density(z) for c, z in zip(self.components, zs, strict=True)])

    def density(self, zs):
        """p(z) = prod_i p_i(z_i).

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z1, z2 = sp.symbols("z1 z2", positive=True)
        >>> sf.Independent(sf.Exponential(1), sf.Exponential(2)).density([z1, z2])
        2*exp(-z1)*exp(-2*z2)
        """
        return sp.Mul(*[c.density(z) for c, z in zip(self.components, zs, strict=True)])

    def support_condition(self, zs):
        """z_i in the closure of supp p_i for every component whose support is not all of R.

        Boundaries have measure zero, and the closure keeps the continuous extension of the
        density there.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z1, z2 = sp.symbols("z1 z2", real=True)
        >>> d = sf.Independent(sf.Normal(0, 1), sf.Exponential(1))
        >>> d.support_condition([z1, z2])
        0 <= z2
        """
        return sp.And(
            *[
                c.support.closure.as_relational(z)
                for c, z in zip(self.components, zs, strict=True)
                if c.support != sp.S.Reals
            ]
        )

    @property
    def support(self) -> sp.Set:
        """supp p = the product of the components' supports supp p_i, a ProductSet.

        Examples
        --------
        >>> import symflow as sf
        >>> sf.Independent(sf.Uniform(0, 1), sf.Exponential(1)).support
        ProductSet(Interval.open(0, 1), Interval.open(0, oo))
        """
        return sp.ProductSet(*[c.support for c in self.components])

    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None):
        """n draws of the vector z, each z_i ~ p_i independently, as an (n, d) float64 array.

        Examples
        --------
        >>> import symflow as sf
        >>> import numpy as np
        >>> d = sf.Independent(sf.Normal(0, 1), sf.Uniform(0, 1))
        >>> x = d.sample(100, np.random.default_rng(0))
        >>> x.shape
        (100, 2)
        >>> bool(((0 < x[:, 1]) & (x[:, 1] < 1)).all())
        True
        """
        import numpy as np

        return np.column_stack([c.sample(n, rng, values) for c in self.components])

    def __repr__(self) -> str:
        return f"Independent({', '.join(repr(c) for c in self.components)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Independent) and other.components == self.components

    def __hash__(self) -> int:
        return hash(self.components)


class MultivariateNormal(JointDistribution):
    """MultivariateNormal(mean, cov): p(z) = exp(-(z-μ)ᵀΣ⁻¹(z-μ)/2) / √det(2πΣ).

    ``cov`` must be symmetric positive definite (checked exactly for numbers).

    Examples
    --------
    >>> MultivariateNormal([1, 2], [[2, 1], [1, 2]]).dimension
    2
    """

    def __init__(self, mean: Any, cov: Any) -> None:
        try:
            mu = sp.Matrix([as_exact(m, "MultivariateNormal mean entry") for m in mean])
            rows = [list(r) for r in (cov.tolist() if hasattr(cov, "tolist") else cov)]
            sigma = sp.Matrix(
                [[as_exact(v, "MultivariateNormal covariance entry") for v in r] for r in rows]
            )
        except TypeError as exc:
            raise ParameterError(
                f"MultivariateNormal(mean, cov) needs a vector and a square matrix; got "
                f"{mean!r} and {cov!r}."
            ) from exc
        d = mu.rows
        if sigma.shape != (d, d):
            raise ParameterError(
                f"MultivariateNormal: the covariance must be {d}×{d} to match the mean of "
                f"length {d}; got shape {sigma.shape}."
            )
        if sigma != sigma.T:
            raise ParameterError(
                f"MultivariateNormal: the covariance must be symmetric; got {sigma.tolist()}."
            )
        if not sigma.free_symbols:
            if not sigma.is_positive_definite:
                eig = [sp.nsimplify(e) for e in sigma.eigenvals()]
                raise ParameterError(
                    f"MultivariateNormal: the covariance {sigma.tolist()} is not positive "
                    f"definite (eigenvalues {eig}); a covariance needs all eigenvalues > 0."
                )
        self.mean = mu
        self.cov = sigma
        self.dimension = d

    @property
    def params(self) -> dict[str, Any]:
        """The exact mean vector and covariance matrix: ``{"mean": mu, "cov": Sigma}``.

        Examples
        --------
        >>> import symflow as sf
        >>> p = sf.MultivariateNormal([1, 2], [[2, 1], [1, 2]]).params
        >>> list(p["mean"]), p["cov"].tolist()
        ([1, 2], [[2, 1], [1, 2]])
        """
        return {"mean": self.mean, "cov": self.cov}

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """Unset symbols in the mean and the covariance.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> r = sp.Symbol("r", real=True)
        >>> sf.MultivariateNormal([0, 0], [[1, r], [r, 1]]).free_symbols
        {r}
        """
        return self.mean.free_symbols | self.cov.free_symbols

    def log_density(self, zs):
        """log p(z) = -(z - mu)^T Sigma^-1 (z - mu)/2 - log det(Sigma)/2 - d log(2 pi)/2.

        Examples
        --------
        >>> import sympy as sp
        >>> import symflow as sf
        >>> z1, z2 = sp.symbols("z1 z2", real=True)
        >>> d = sf.MultivariateNormal([0, 0], [[2, 0], [0, 1]])
        >>> d.log_density([z1, z2])
        -z1**2/4 - z2**2/2 - log(2*pi) - log(2)/2
        """
        r = sp.Matrix(list(zs)) - self.mean
        precision = self.cov.inv()
        quad = sp.expand((r.T * precision * r)[0, 0])
        return -quad / 2 - sp.log(self.cov.det()) / 2 - self.dimension * sp.log(2 * sp.pi) / 2

    def sample(self, n: int, rng: Any, values: Mapping[str, float] | None = None):
        """n draws mu + L e, e ~ N(0, I), L L^T = Sigma (Cholesky), as an (n, d) float64 array.

        ``values`` maps symbol names to numbers when the mean or covariance is symbolic.

        Examples
        --------
        >>> import symflow as sf
        >>> import numpy as np
        >>> d = sf.MultivariateNormal([1, 2], [[2, 1], [1, 2]])
        >>> x = d.sample(20000, np.random.default_rng(0))
        >>> x.shape
        (20000, 2)
        >>> np.round(np.cov(x.T), 1)
        array([[2., 1.],
               [1., 2.]])
        """
        import numpy as np

        if self.free_symbols:
            values = values or {}
            subs = {s: values[s.name] for s in self.free_symbols if s.name in values}
            missing = sorted(s.name for s in self.free_symbols if s.name not in values)
            if missing:
                raise ParameterError(f"{self!r}: give a value for {', '.join(missing)}.")
            mean, cov = self.mean.subs(subs), self.cov.subs(subs)
        else:
            mean, cov = self.mean, self.cov
        m = np.array([float(v) for v in mean], dtype=np.float64)
        c = np.array(cov.tolist(), dtype=np.float64)
        chol = np.linalg.cholesky(c)
        return m + rng.standard_normal((int(n), self.dimension)) @ chol.T

    def __repr__(self) -> str:
        return f"MultivariateNormal({list(self.mean)}, {self.cov.tolist()})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MultivariateNormal)
            and other.mean == self.mean
            and other.cov == self.cov
        )

    def __hash__(self) -> int:
        return hash((tuple(self.mean), tuple(self.cov)))
