"""Base distributions, one class per file: symbolic densities, supports, CDFs, quantiles,
their float64 kernel forms, samplers and SciPy twins.

Adding a base is adding one file here (a :class:`Distribution` subclass, or one of a
family in :mod:`symflow.core.bases.families` that derives the CDF, quantile and their
float64 forms from a standard law, a gamma shape and rate, or a cumulative hazard) and its
line below; docs/architecture.md walks through an example.

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> Normal(0, 1).log_density(z)
-z**2/2 - log(2*pi)/2
>>> sorted(DISTRIBUTIONS)[:3]
['Beta', 'Cauchy', 'ChiSquared']
"""

from __future__ import annotations

from symflow.core.bases.beta import Beta
from symflow.core.bases.cauchy import Cauchy
from symflow.core.bases.chi_squared import ChiSquared
from symflow.core.bases.distribution import Distribution, as_exact, log_gamma, split_exp
from symflow.core.bases.exponential import Exponential
from symflow.core.bases.gamma import Gamma
from symflow.core.bases.half_normal import HalfNormal
from symflow.core.bases.laplace import Laplace
from symflow.core.bases.logistic import Logistic
from symflow.core.bases.mixture import Mixture
from symflow.core.bases.normal import Normal
from symflow.core.bases.student_t import StudentT
from symflow.core.bases.truncated import Truncated
from symflow.core.bases.uniform import Uniform
from symflow.core.bases.weibull import Weibull

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Exponential",
    "Gamma",
    "Beta",
    "Laplace",
    "Logistic",
    "Cauchy",
    "StudentT",
    "Weibull",
    "ChiSquared",
    "HalfNormal",
    "Truncated",
    "Mixture",
    "DISTRIBUTIONS",
    "as_exact",
    "log_gamma",
    "split_exp",
]

#: the bases a string such as "Weibull(2, 1)" may name (those with number parameters)
DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.__name__: cls
    for cls in (
        Normal,
        Uniform,
        Exponential,
        Gamma,
        Beta,
        Laplace,
        Logistic,
        Cauchy,
        StudentT,
        Weibull,
        ChiSquared,
        HalfNormal,
    )
}
