"""symflow: exact densities of transformed distributions, compiled and verified.

A base distribution and a chain of SymPy transforms become a flow whose inverse,
Jacobian terms, density and support are derived symbolically, compiled to numba kernels
and checked against Monte Carlo samples.

The public names load on first use (PEP 562), so ``import symflow`` is cheap: SymPy is
imported with the first distribution or transform, numba with the first ``compile()``,
SciPy with the first ``check()``, matplotlib with the first plot.

Examples
--------
>>> import sympy as sp
>>> import symflow as sf
>>> z = sp.Symbol("z", real=True)
>>> sf.Flow(sf.Uniform(0, 1), [sf.Transform(-sp.log(z), z)]).density()
Piecewise((exp(-x), x > 0), (0, True))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Flow": "symflow.flow",
    "Transform": "symflow.core.transform",
    "ScalarTransform": "symflow.core.transform",
    "VectorTransform": "symflow.core.transform",
    "ReducingTransform": "symflow.core.transform",
    "Distribution": "symflow.core.distributions",
    "Normal": "symflow.core.distributions",
    "Uniform": "symflow.core.distributions",
    "Exponential": "symflow.core.distributions",
    "Gamma": "symflow.core.distributions",
    "Beta": "symflow.core.distributions",
    "Laplace": "symflow.core.distributions",
    "Logistic": "symflow.core.distributions",
    "Cauchy": "symflow.core.distributions",
    "StudentT": "symflow.core.distributions",
    "Weibull": "symflow.core.bases",
    "ChiSquared": "symflow.core.bases",
    "HalfNormal": "symflow.core.bases",
    "Truncated": "symflow.core.bases",
    "Mixture": "symflow.core.bases",
    "Independent": "symflow.core.multivariate",
    "MultivariateNormal": "symflow.core.multivariate",
    # the types that a flow's methods return
    "Kernels": "symflow.codegen.runtime",
    "CheckReport": "symflow.verify.check",
    "Derivation": "symflow.present.document",
    "FitResult": "symflow.stats.fit",
    "Family": "symflow.stats.family",
    "SymflowError": "symflow.errors",
    "ParameterError": "symflow.errors",
    "SupportError": "symflow.errors",
    "MonotonicityError": "symflow.errors",
    "CollapseError": "symflow.errors",
    "PointMassError": "symflow.errors",
    "InverseError": "symflow.errors",
    "ParseError": "symflow.errors",
    "CompileError": "symflow.errors",
    "OutputPathError": "symflow.errors",
    "PlotError": "symflow.errors",
    "ToolMissingError": "symflow.errors",
    "LatexError": "symflow.errors",
    "FitError": "symflow.errors",
    "KernelError": "symflow.errors",
    "CacheWarning": "symflow.errors",
    "SymflowWarning": "symflow.errors",
    "UndefinedExpectationError": "symflow.core.expectation",
    "DivergenceError": "symflow.core.reduce",
    "TransformError": "symflow.core.transform",
    "ScalarOnlyError": "symflow.core.transform",
}

__all__ = list(_EXPORTS)


#: submodules reachable as attributes (``sf.layers.affine``)
_SUBMODULES = {"layers": "symflow.layers"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        value = importlib.import_module(_SUBMODULES[name])
        globals()[name] = value
        return value
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'symflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBMODULES])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from symflow.codegen.runtime import Kernels  # noqa: F401
    from symflow.core.bases import ChiSquared, HalfNormal, Mixture, Truncated, Weibull  # noqa: F401
    from symflow.core.distributions import (  # noqa: F401
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
    from symflow.core.multivariate import Independent, MultivariateNormal  # noqa: F401
    from symflow.core.transform import (  # noqa: F401
        ReducingTransform,
        ScalarOnlyError,
        ScalarTransform,
        Transform,
        TransformError,
        VectorTransform,
    )
    from symflow.errors import (  # noqa: F401
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
    from symflow.flow import Flow  # noqa: F401
    from symflow.present.document import Derivation  # noqa: F401
    from symflow.stats.family import Family  # noqa: F401
    from symflow.stats.fit import FitResult  # noqa: F401
    from symflow.verify.check import CheckReport  # noqa: F401
