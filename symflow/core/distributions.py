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

from symflow.core import bases
from symflow.core.bases import *  # noqa: F403  (the names listed in bases.__all__)

__all__ = list(bases.__all__)
