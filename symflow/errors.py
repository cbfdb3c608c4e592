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
    "SymflowWarning",
]


class SymflowError(Exception):
    """Base class of every error raised by symflow.

    Catch it to handle any refusal of symflow's; each subclass also derives from the
    built-in exception it refines.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sin(z), z)])
    ... except sf.SymflowError as err:
    ...     print(type(err).__name__)
    MonotonicityError
    """


class ParameterError(SymflowError, ValueError):
    """A distribution or kernel parameter is invalid, missing or unexpected.

    Examples
    --------
    >>> import symflow as sf
    >>> try:
    ...     sf.Normal(0, -1)
    ... except sf.ParameterError as err:
    ...     print(str(err).split(";")[0])
    Normal: sigma must be positive
    """


class SupportError(SymflowError, ValueError):
    """A transform is undefined (or not real) on part of the incoming support.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.log(z), z)])
    ... except sf.SupportError as err:
    ...     print("probability 1/2" in str(err))
    True
    """


class MonotonicityError(SymflowError, ValueError):
    """A transform is not strictly monotone on the incoming support.

    Raised when the inverse branches cannot be enumerated (sin on a normal has infinitely
    many), or a single inverse is asked of a flow that has several.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)]).inverse()
    ... except sf.MonotonicityError as err:
    ...     print("2 inverse branches" in str(err))
    True
    """


class CollapseError(SymflowError, ValueError):
    """det J is zero on a set of positive probability: the result has no density.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> try:
    ...     sf.Flow(sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
    ...             [sf.Transform([z1 + z2, 2 * z1 + 2 * z2], [z1, z2])])
    ... except sf.CollapseError as err:
    ...     print(type(err).__name__)
    CollapseError
    """


class PointMassError(CollapseError):
    """A transform is constant on a set of positive probability: the result has an atom.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.Max(z, 0), z)])
    ... except sf.PointMassError as err:
    ...     print("1/2" in str(err))
    True
    """


class InverseError(SymflowError, ValueError):
    """No valid inverse could be found, or a supplied inverse is wrong.

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z = sp.Symbol("z", real=True)
    >>> try:
    ...     sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z, inverse=2 * sp.log(z))])
    ... except sf.InverseError as err:
    ...     print(type(err).__name__)
    InverseError
    """


class ParseError(SymflowError, ValueError):
    """A string from outside (command line, file) is not an accepted expression.

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.core.parse import parse_expression
    >>> from symflow.errors import ParseError
    >>> try:
    ...     parse_expression("__import__('os')", [sp.Symbol("z", real=True)])
    ... except ParseError:
    ...     print("refused")
    refused
    """


class CompileError(SymflowError, RuntimeError):
    """Code generation met an expression it cannot translate.

    The message names the function and how to register a translation
    (``symflow.codegen.printer.register``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symflow.codegen.printer import KernelPrinter
    >>> from symflow.errors import CompileError
    >>> try:
    ...     KernelPrinter().doprint(sp.Si(sp.Symbol("z")))
    ... except CompileError as err:
    ...     print("Si" in str(err))
    True
    """


class OutputPathError(SymflowError, FileNotFoundError):
    """An output file cannot be written where asked (a missing folder, a bad suffix).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> from symflow.present import plot
    >>> z = sp.Symbol("z", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)])
    >>> try:
    ...     plot.densities(X, n=100, path="/no/such/folder/x.png")
    ... except sf.OutputPathError as err:
    ...     print("does not exist" in str(err))
    True
    """


class PlotError(SymflowError, ValueError):
    """A plot was asked of a flow or transform it cannot draw (e.g. the wrong dimension).

    Examples
    --------
    >>> import sympy as sp
    >>> import symflow as sf
    >>> from symflow.present import plot
    >>> z = sp.Symbol("z", real=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)])
    >>> try:
    ...     plot.contours(X)
    ... except sf.PlotError as err:
    ...     print(type(err).__name__)
    PlotError
    """


class ToolMissingError(SymflowError, RuntimeError):
    """An external program (pdflatex) or a TeX package that a handout needs is missing.

    Examples
    --------
    >>> import symflow as sf
    >>> issubclass(sf.ToolMissingError, RuntimeError)
    True
    """


class LatexError(SymflowError, RuntimeError):
    """pdflatex rejected a document symflow generated.

    Examples
    --------
    >>> import symflow as sf
    >>> issubclass(sf.LatexError, sf.SymflowError)
    True
    """


class FitError(SymflowError, RuntimeError):
    """A fit cannot be made: the maximum-likelihood estimate does not exist, or the
    likelihood cannot be evaluated for these data.

    Examples
    --------
    Constant data: the likelihood grows without bound as the scale s shrinks to 0.

    >>> import numpy as np
    >>> import sympy as sp
    >>> import symflow as sf
    >>> z, mu = sp.symbols("z mu", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> X = sf.Flow(sf.Normal(0, 1), [sf.Transform(s * z + mu, z)])
    >>> try:
    ...     X.fit(np.array([2.0, 2.0, 2.0]))
    ... except sf.FitError as err:
    ...     print("does not exist" in str(err), isinstance(err, RuntimeError))
    True True
    """


class KernelError(SymflowError, RuntimeError):
    """A compiled kernel raised while evaluating (its output is discarded, never returned).

    The message names the kernel function and the first point where it raised.

    Examples
    --------
    >>> import symflow as sf
    >>> issubclass(sf.KernelError, RuntimeError), issubclass(sf.KernelError, sf.SymflowError)
    (True, True)
    """


class SymflowWarning(UserWarning):
    """Base class of the warnings symflow issues.

    Filter it to silence (or, in tests, to raise on) every symflow warning at once.

    Examples
    --------
    >>> import warnings
    >>> import symflow as sf
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", sf.SymflowWarning)
    ...     warnings.warn("the cache was not used", sf.CacheWarning)
    >>> issubclass(sf.CacheWarning, sf.SymflowWarning)
    True
    """


class CacheWarning(SymflowWarning):
    """The kernel cache was not used (it is not private to this user, or not a folder).

    Kernels are then compiled in a private temporary folder instead; the warning is a
    ``UserWarning``, so the usual ``warnings`` filters apply to it.

    Examples
    --------
    >>> import warnings
    >>> import symflow as sf
    >>> issubclass(sf.CacheWarning, UserWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", sf.CacheWarning)
    ...     warnings.warn("cache folder not private", sf.CacheWarning)
    """
