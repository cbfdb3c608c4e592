"""Base distributions (re-exported from :mod:`symflow.core.bases`, one file per base).

Examples
--------
>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> Normal(0, 1).log_density(z)
-z**2/2 - log(2*pi)/2
>>> Exponential(2).support
Interval.open(0, oo)
"""

from __future__ import annotations

from symflow.core.bases import (
    DISTRIBUTIONS,
    Beta,
    Cauchy,
    ChiSquared,
    Distribution,
    Exponential,
    Gamma,
    HalfNormal,
    Laplace,
    Logistic,
    Mixture,
    Normal,
    StudentT,
    Truncated,
    Uniform,
    Weibull,
    as_exact,
)

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
]
