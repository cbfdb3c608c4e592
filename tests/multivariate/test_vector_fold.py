"""A vector map that folds a coordinate has no single inverse: a symflow error names the
fold (not a traceback from inside SymPy)."""

from __future__ import annotations

import pytest
import sympy as sp

import symflow as sf
from symflow.errors import MonotonicityError

z1, z2 = sp.symbols("z1 z2", real=True)


def test_a_non_injective_vector_map_names_the_fold():
    base = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
    with pytest.raises(MonotonicityError, match=r"z1\*\*2 folds z1 at z1 = 0") as info:
        sf.Flow(base, [sf.Transform([z1**2, z2], [z1, z2])])
    message = str(info.value)
    assert "Transform [z1**2, z2] is not one-to-one" in message
    assert "decreasing for z1 in (-oo, 0); increasing for z1 in (0, oo)" in message
    assert "z_0_" not in message  # no internal names


def test_the_same_map_on_a_half_line_is_accepted():
    base = sf.Independent(sf.Exponential(1), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.Transform([z1**2, z2], [z1, z2])])
    x1, x2 = sp.symbols("x1 x2", positive=True)
    # x1 = z1**2 with z1 ~ Exp(1): p(x1) = exp(-sqrt(x1)) / (2 sqrt(x1))
    want = sp.exp(-sp.sqrt(x1)) / (2 * sp.sqrt(x1)) * sp.exp(-(x2**2) / 2) / sp.sqrt(2 * sp.pi)
    got = X.density([x1, x2])
    assert sp.simplify(got.subs({x1: 4, x2: 1}) - want.subs({x1: 4, x2: 1})) == 0
