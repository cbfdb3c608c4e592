"""The flows that several test modules share, by name (built lazily).

The session-scoped ``flows`` fixture of tests/conftest.py builds and compiles each once;
test modules that parametrise over the names import this table directly.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
half = sp.Rational(1, 2)

#: name -> (base, forward expressions in z, applied in order). Built lazily.
FLOW_SPECS: dict[str, Callable[[], tuple[sf.Distribution, list[sp.Expr]]]] = {
    # bijections
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
    # several branches
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
    # no closed-form inverse
    "normal-z+sin/2": lambda: (sf.Normal(0, 1), [z + sp.sin(z) / 2]),
    "normal-z+z3": lambda: (sf.Normal(0, 1), [z + z**3]),
    "normal-z+exp": lambda: (sf.Normal(0, 1), [z + sp.exp(z)]),
}
