"""``import symflow`` stays light: no numba, scipy or matplotlib until they are needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("numba", "scipy", "matplotlib")

PROBE = f"""
import json, sys, time
t = time.perf_counter()
import symflow
elapsed = time.perf_counter() - t
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})
print(json.dumps({{"elapsed": elapsed, "loaded": heavy}}))
"""


def run(code: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def fresh_import() -> dict:
    return run(PROBE)


def test_import_loads_no_heavy_module(fresh_import) -> None:
    assert fresh_import["loaded"] == []


def test_import_is_quick(fresh_import) -> None:
    # loose: the benchmark measures it properly
    assert fresh_import["elapsed"] < 2.0


def test_deriving_a_density_still_loads_no_heavy_module() -> None:
    code = PROBE.replace(
        "elapsed = time.perf_counter() - t",
        "import sympy as sp\n"
        "z = sp.Symbol('z', real=True)\n"
        "symflow.Flow(symflow.Normal(0, 1), [symflow.Transform(sp.exp(z), z)]).density()\n"
        "elapsed = time.perf_counter() - t",
    )
    assert run(code)["loaded"] == []
