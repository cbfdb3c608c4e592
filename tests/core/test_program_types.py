"""The Program types: a scalar flow's Program and a d-dimensional flow's VectorProgram share
one protocol, and each holds only its own symbols; kernels follow the Program's type."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.runtime import Kernels, VectorKernels
from symflow.core.program import (
    InversePass,
    MarginalProgram,
    Program,
    VectorMarginalProgram,
    VectorProgram,
)

z = sp.Symbol("z", real=True)
z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
N2 = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))
N3 = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1), sf.Normal(0, 1))

# id, flow, Program type, dimension
FLOWS = [
    ("scalar", lambda: sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]), Program, 1),
    ("vector", lambda: sf.Flow(N2, [sf.Transform([z1 + z2, z2], [z1, z2])]), VectorProgram, 2),
    ("to-one", lambda: sf.Flow(N2, [sf.Transform(z1 + z2, [z1, z2])]), MarginalProgram, 1),
    (
        "to-two",
        lambda: sf.Flow(N3, [sf.Transform([z1 + z2, z3], [z1, z2, z3])]),
        VectorMarginalProgram,
        2,
    ),
]


@pytest.mark.parametrize(("make", "kind", "d"), [c[1:] for c in FLOWS], ids=[c[0] for c in FLOWS])
def test_each_flow_has_the_program_type_of_its_shape(make, kind, d) -> None:
    program = make().program
    assert type(program) is kind
    assert isinstance(program, InversePass)
    assert program.dimension == d == len(program.inputs)
    assert isinstance(program, VectorProgram) is (d > 1)


def test_scalar_program_names_one_input_and_one_base_coordinate() -> None:
    program = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)]).program
    assert program.inputs == (program.x,) and program.base_symbols == (program.base_symbol,)
    values = {program.base_symbol: sp.Integer(0)}
    assert program.base_density_at(values) == 1 / sp.sqrt(2 * sp.pi)


def test_vector_program_has_no_scalar_symbols() -> None:
    program = sf.Flow(N2, [sf.Transform([z1 + z2, z2], [z1, z2])]).program
    assert [s.name for s in program.inputs] == ["x1", "x2"]
    assert len(program.base_symbols) == 2
    for name in ("x", "base_symbol", "singular_points"):
        assert not hasattr(program, name)
    values = dict.fromkeys(program.base_symbols, sp.Integer(0))
    assert program.base_density_at(values) == 1 / (2 * sp.pi)


def test_maps_to_fewer_dimensions_are_never_one_to_one() -> None:
    assert not sf.Flow(N2, [sf.Transform(z1 + z2, [z1, z2])]).program.is_bijective
    flow = sf.Flow(N3, [sf.Transform([z1 + z2, z3], [z1, z2, z3])])
    assert not flow.program.is_bijective and flow.program.paths == ()


def test_kernels_follow_the_program_type() -> None:
    # compile() writes the module; numba compiles on first evaluation, which this skips
    scalar = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z, z)]).compile()
    vector = sf.Flow(N2, [sf.Transform([z1 + z2, z2], [z1, z2])]).compile()
    assert type(scalar) is Kernels and scalar.point_shape == ()
    assert type(vector) is VectorKernels and vector.point_shape == (2,)
    assert repr(vector).startswith("<Kernels of x = [z1 + z2, z2], z ~ Independent(")
    with pytest.raises(sf.ParameterError, match=r"shape \(n, 2\) \(or \(2,\) for one point\)"):
        vector.log_prob(np.zeros((4, 3)))


def test_a_vector_flow_refuses_scalar_questions_by_type() -> None:
    flow = sf.Flow(N2, [sf.Transform([z1 + z2, z2], [z1, z2])])
    with pytest.raises(sf.ParameterError, match="is 2-dimensional; take a marginal first"):
        flow.mean()
    with pytest.raises(sf.ParameterError, match="cdf is defined for one-dimensional flows"):
        flow.cdf()
