"""SciPy twins of symflow's base distributions (frozen scipy.stats objects).

Examples
--------
>>> from symflow.core.distributions import Normal
>>> float(scipy_base(Normal(1, 2)).mean())
1.0
"""

from __future__ import annotations

from collections.abc import Mapping

from scipy import stats

from symflow.errors import ParameterError

__all__ = ["scipy_base"]


def _numbers(base, values: Mapping[str, float] | None) -> dict[str, float]:
    out = {}
    for name, value in base.params.items():
        if value.free_symbols:
            values = values or {}
            missing = sorted(s.name for s in value.free_symbols if s.name not in values)
            if missing:
                raise ParameterError(f"{base!r}: give a value for {', '.join(missing)}.")
            value = value.subs({s: values[s.name] for s in value.free_symbols})
        out[name] = float(value)
    return out


def scipy_base(base, values: Mapping[str, float] | None = None):
    """The frozen scipy.stats distribution equal to ``base``."""
    p = _numbers(base, values)
    name = base.name
    if name == "Normal":
        return stats.norm(p["mu"], p["sigma"])
    if name == "Uniform":
        return stats.uniform(p["a"], p["b"] - p["a"])
    if name == "Exponential":
        return stats.expon(scale=1 / p["rate"])
    if name == "Gamma":
        return stats.gamma(p["shape"], scale=1 / p["rate"])
    if name == "Beta":
        return stats.beta(p["a"], p["b"])
    if name == "Laplace":
        return stats.laplace(p["mu"], p["b"])
    if name == "Logistic":
        return stats.logistic(p["mu"], p["s"])
    if name == "Cauchy":
        return stats.cauchy(p["x0"], p["gamma"])
    if name == "StudentT":
        return stats.t(p["nu"], p["mu"], p["sigma"])
    raise ParameterError(f"No scipy.stats equivalent is known for {base!r}.")
