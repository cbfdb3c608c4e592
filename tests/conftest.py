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

import pytest
from hypothesis import HealthCheck, Phase, settings

import symflow as sf


def pytest_configure(config: pytest.Config) -> None:
    # hypothesis's pytest plugin touches a deprecated mypy_extensions name while it reports
    # a failing example; under filterwarnings = error that hides the example itself
    config.addinivalue_line(
        "filterwarnings", "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
    )


# ci: the same examples every run, and no shrinking: a failing example of a compiled flow
# is reported as found (shrinking recompiles a kernel per step and can take many minutes)
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_approx = pytest.approx


def _relative_approx(expected, rel=None, abs=None, nan_ok=False):  # noqa: A002
    """pytest.approx without its silent absolute tolerance: pytest also accepts anything
    within 1e-12 absolute unless ``abs`` is given, so approx(1e-300, rel=1e-13) (or
    approx(1e-300)) would pass 0.0, and a tail test written that way could not fail.
    Here a relative tolerance (given, or pytest's default 1e-6) is the whole tolerance."""
    if rel is None and abs is None:
        rel, abs = 1e-6, 0.0  # noqa: A001
    if rel is not None and abs is None:
        abs = 0.0  # noqa: A001
    return _approx(expected, rel=rel, abs=abs, nan_ok=nan_ok)


pytest.approx = _relative_approx

from flow_specs import FLOW_SPECS, z  # noqa: E402  (tests/ is on sys.path)


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
