"""Base distributions (re-exported from :mod:`symflow.core.bases`, one file per base).

Examples
--------
>>> from symflow.core import bases
>>> Normal is bases.Normal and Exponential(2) == bases.Exponential(2)
True
"""

from __future__ import annotations

from symflow.core import bases
from symflow.core.bases import *  # noqa: F403  (the names listed in bases.__all__)

__all__ = list(bases.__all__)
