"""symflow: exact densities of transformed distributions, compiled and verified.

A base distribution and a chain of SymPy transforms become a flow whose inverse,
Jacobian terms, density and support are derived symbolically, compiled to numba kernels
and checked against Monte Carlo samples.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).density()
Piecewise((exp(-x), x > 0), (0, True))
"""

from symflow.core.distributions import (
    Beta,
    Cauchy,
    Distribution,
    Exponential,
    Gamma,
    Laplace,
    Logistic,
    Normal,
    StudentT,
    Uniform,
)
from symflow.core.multivariate import Independent, MultivariateNormal
from symflow.core.transform import Transform
from symflow.errors import (
    CollapseError,
    CompileError,
    InverseError,
    MonotonicityError,
    ParameterError,
    ParseError,
    PointMassError,
    SupportError,
    SymflowError,
)
from symflow.flow import Flow

__version__ = "0.1.0"

__all__ = [
    "Flow",
    "Transform",
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
    "Independent",
    "MultivariateNormal",
    "SymflowError",
    "ParameterError",
    "SupportError",
    "MonotonicityError",
    "CollapseError",
    "PointMassError",
    "InverseError",
    "ParseError",
    "CompileError",
]
