"""Exception classes of symflow.

Every error symflow raises derives from :class:`SymflowError` and from the built-in
exception it refines, so ``except ValueError`` keeps working for callers that do not
know symflow. Messages name the transform, the variable, the point or interval, and
what to do.

Examples
--------
>>> from symflow.errors import SupportError, SymflowError
>>> issubclass(SupportError, SymflowError) and issubclass(SupportError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "SymflowError",
    "ParameterError",
    "SupportError",
    "MonotonicityError",
    "CollapseError",
    "InverseError",
    "ParseError",
    "CompileError",
    "PointMassError",
    "FitError",
    "KernelError",
    "CacheWarning",
]


class SymflowError(Exception):
    """Base class of every error raised by symflow."""


class ParameterError(SymflowError, ValueError):
    """A distribution or kernel parameter is invalid, missing or unexpected."""


class SupportError(SymflowError, ValueError):
    """A transform is undefined (or not real) on part of the incoming support."""


class MonotonicityError(SymflowError, ValueError):
    """A transform is not strictly monotone on the incoming support."""


class CollapseError(SymflowError, ValueError):
    """det J is zero on a set of positive probability: the result has no density."""


class PointMassError(CollapseError):
    """A transform is constant on a set of positive probability: the result has an atom."""


class InverseError(SymflowError, ValueError):
    """No valid inverse could be found, or a supplied inverse is wrong."""


class ParseError(SymflowError, ValueError):
    """A string from outside (command line, file) is not an accepted expression."""


class CompileError(SymflowError, RuntimeError):
    """Code generation met an expression it cannot translate."""


class OutputPathError(SymflowError, FileNotFoundError):
    """An output file cannot be written where asked (a missing folder, a bad suffix)."""


class PlotError(SymflowError, ValueError):
    """A plot was asked of a flow or transform it cannot draw (e.g. the wrong dimension)."""


class ToolMissingError(SymflowError, RuntimeError):
    """An external program (pdflatex) or a TeX package that a handout needs is missing."""


class LatexError(SymflowError, RuntimeError):
    """pdflatex rejected a document symflow generated."""


class FitError(SymflowError, RuntimeError):
    """A fit cannot be made: the maximum-likelihood estimate does not exist, or the
    likelihood cannot be evaluated for these data."""


class KernelError(SymflowError, RuntimeError):
    """A compiled kernel raised while evaluating (its output is discarded, never returned)."""


class SymflowWarning(UserWarning):
    """Base class of the warnings symflow issues."""


class CacheWarning(SymflowWarning):
    """The kernel cache was not used (it is not private to this user, or not a folder)."""
