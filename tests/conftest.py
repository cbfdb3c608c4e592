"""Shared test configuration: hypothesis profiles and flows compiled once per session.

Numba compiles every kernel module on first use (about half a second per flow), so the
flows that several test modules use are built and compiled here, once, and handed out by
name through the session-scoped ``flows`` fixture::

    def test_something(flows):
        X = flows.flow("normal-exp")        # the sf.Flow
        k = flows.kernels("normal-exp")     # X.compile(), cached

Profiles: ``ci`` (the default; derandomized, no deadline) and ``dev`` (random examples).
Choose one with the environment variable ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
import sympy as sp
from hypothesis import HealthCheck, settings

import symflow as sf


def pytest_configure(config: pytest.Config) -> None:
    # hypothesis's pytest plugin touches a deprecated mypy_extensions name while it reports
    # a failing example; under filterwarnings = error that hides the example itself
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

z = sp.Symbol("z", real=True)
half = sp.Rational(1, 2)

#: name -> (base, forward expressions in z, applied in order). Built lazily.
FLOW_SPECS: dict[str, Callable[[], tuple[sf.Distribution, list[sp.Expr]]]] = {
    # issue 2: bijections
    "normal-2z+3": lambda: (sf.Normal(0, 1), [2 * z + 3]),
    "normal-2z": lambda: (sf.Normal(0, 1), [2 * z]),
    "normal-z/2": lambda: (sf.Normal(0, 1), [z / 2]),
    "normal-exp": lambda: (sf.Normal(0, 1), [sp.exp(z)]),
    "uniform-neglog": lambda: (sf.Uniform(0, 1), [-sp.log(z)]),
    "normal-chain3": lambda: (sf.Normal(0, 1), [half * z + 1, sp.exp(z), 2 * z + 1]),
    "normal-sinh": lambda: (sf.Normal(0, 1), [sp.sinh(z)]),
    "normal-asinh": lambda: (sf.Normal(0, 1), [sp.asinh(z)]),
    "normal-sigmoid": lambda: (sf.Normal(0, 1), [1 / (1 + sp.exp(-z))]),
    "normal-cube": lambda: (sf.Normal(0, 1), [z**3]),
    # issue 3: several branches
    "normal-square": lambda: (sf.Normal(0, 1), [z**2]),
    "normal-abs": lambda: (sf.Normal(0, 1), [sp.Abs(z)]),
    "normal-reciprocal": lambda: (sf.Normal(0, 1), [1 / z]),
    "uniform2pi-cos": lambda: (sf.Uniform(0, 2 * sp.pi), [sp.cos(z)]),
    "uniform-1-1-square": lambda: (sf.Uniform(-1, 1), [z**2]),
    "normal-chain-square-log": lambda: (sf.Normal(0, 1), [2 * z + 1, z**2, sp.log(z)]),
    "normal-piecewise-slopes": lambda: (
        sf.Normal(0, 1),
        [sp.Piecewise((z, z < 0), (2 * z, True))],
    ),
    # issue 3: no closed-form inverse
    "normal-z+sin/2": lambda: (sf.Normal(0, 1), [z + sp.sin(z) / 2]),
    "normal-z+z3": lambda: (sf.Normal(0, 1), [z + z**3]),
    "normal-z+exp": lambda: (sf.Normal(0, 1), [z + sp.exp(z)]),
}


class FlowCache:
    """Builds each named flow of FLOW_SPECS once and compiles it once."""

    def __init__(self) -> None:
        self._flows: dict[str, sf.Flow] = {}

    def flow(self, name: str) -> sf.Flow:
        if name not in self._flows:
            base, exprs = FLOW_SPECS[name]()
            self._flows[name] = sf.Flow(base, [sf.Transform(e, z) for e in exprs])
        return self._flows[name]

    def kernels(self, name: str):
        return self.flow(name).compile()


@pytest.fixture(scope="session")
def flows() -> FlowCache:
    """The session's shared flows, by name (see FLOW_SPECS)."""
    return FlowCache()
