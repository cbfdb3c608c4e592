"""SciPy twins of symflow's base distributions (frozen scipy.stats objects).

Each base states its own twin (:meth:`symflow.core.bases.Distribution.scipy`).

Examples
--------
>>> from symflow.core.distributions import Normal
>>> float(scipy_base(Normal(1, 2)).mean())
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["scipy_base"]


def scipy_base(base: Any, values: Mapping[str, float] | None = None) -> Any:
    """The frozen scipy.stats distribution equal to ``base``."""
    return base.scipy(values)
