"""The Jupyter summary of each kind of flow: each transform composes itself, and the
density rows follow the Program's type."""

from __future__ import annotations

import sympy as sp

import symflow as sf
from symflow.present.display import flow_latex

z = sp.Symbol("z", real=True)
z1, z2 = sp.symbols("z1 z2", real=True)
U2 = sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1))


def test_a_map_to_one_output_is_summarised_from_its_pieces() -> None:
    # the sum of two U(0, 1): the triangular density x on (0, 1], 2 - x on (1, 2)
    text = flow_latex(sf.Flow(U2, [sf.Transform(z1 + z2, [z1, z2])]))
    assert r"X &= Z_{1} + Z_{2}" in text
    assert r"p_X(x) &= x, \quad x \in \left(0, 1\right]" in text
    assert r"p_X(x) &= 2 - x, \quad x \in \left(1, 2\right)" in text


def test_a_vector_flow_is_summarised_as_a_column() -> None:
    text = flow_latex(sf.Flow(U2, [sf.Transform([z1 + z2, z2], [z1, z2])]))
    assert r"X &= \left[\begin{matrix}Z_{1} + Z_{2}\\Z_{2}\end{matrix}\right]" in text
