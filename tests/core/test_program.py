"""The Program: the inverse pass as named assignments, one path per inverse branch."""

from __future__ import annotations

import math

import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)


def test_exp_program_reads_like_the_textbook(flows) -> None:
    program = flows.flow("normal-exp").program
    (path,) = program.paths
    text = [str(a) for a in path.assignments]
    assert text == [
        "z_1 = x",
        "z_0 = log(z_1)",
        "l_1 = z_0",
        "log_p = -l_1 - z_0**2/2 - log(2*pi)/2",
    ]
    assert [a.kind for a in path.assignments] == ["state", "state", "log_det", "result"]
    assert path.result.name == "log_p"
    assert path.branch_indices == (0,)
    assert path.region == sp.Interval.open(0, sp.oo)
    assert program.support == sp.Interval.open(0, sp.oo)
    assert program.x.name == "x" and program.x.is_positive
    assert program.base_symbol.name == "z_0"
    assert program.base == sf.Normal(0, 1)
    assert program.is_bijective
    assert not path.implicit
    assert [str(a) for a in program.forward] == ["z_1 = exp(z_0)"]


def test_closed_form_of_a_path_is_the_log_density(flows) -> None:
    program = flows.flow("normal-exp").program
    x = program.x
    expected = -sp.log(x) - sp.log(x) ** 2 / 2 - sp.log(2 * sp.pi) / 2
    assert sp.expand(program.paths[0].closed_form() - expected) == 0


@pytest.mark.parametrize("k", [1, 2, 4, 8], ids=lambda k: f"{k}-layers")
def test_program_grows_linearly_with_the_number_of_layers(k) -> None:
    layers = [
        sf.Transform(sp.sinh(z), z) if i % 2 else sf.Transform(2 * z + 1, z) for i in range(k)
    ]
    program = sf.Flow(sf.Normal(0, 1), layers).program
    (path,) = program.paths
    kinds = [a.kind for a in path.assignments]
    assert kinds == ["state"] * (k + 1) + ["log_det"] * k + ["result"]
    assert len(program.forward) == k
    # every assignment stays small: no layer substitutes the ones before it
    assert max(sp.count_ops(a.value) for a in path.assignments[:-1]) < 20


def test_square_has_two_paths_with_the_same_region(flows) -> None:
    program = flows.flow("normal-square").program
    assert len(program.paths) == 2
    assert not program.is_bijective
    assert {p.branch_indices for p in program.paths} == {(0,), (1,)}
    for path in program.paths:
        assert path.region == sp.Interval.open(0, sp.oo)


def test_reciprocal_paths_cover_the_two_half_lines(flows) -> None:
    program = flows.flow("normal-reciprocal").program
    regions = sorted((p.region for p in program.paths), key=lambda r: float(r.inf == -sp.oo))
    assert set(regions) == {sp.Interval.open(-sp.oo, 0), sp.Interval.open(0, sp.oo)}
    assert program.support == sp.Union(*regions)


def test_empty_branch_combinations_are_pruned() -> None:
    # exp maps to (0, oo), so the negative branch of the following z**2 never applies
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.Transform(z**2, z)])
    assert len(X.program.paths) == 1
    assert X.support == sp.Interval.open(0, sp.oo)


def test_chain_of_non_monotone_layers_multiplies_paths(flows) -> None:
    program = flows.flow("normal-chain-square-log").program
    assert len(program.paths) == 2
    # (2z + 1)**2 then log: every x in the reals has two preimages
    assert program.support == sp.S.Reals


def test_implicit_path_is_flagged(flows) -> None:
    path = flows.flow("normal-z+z3").program.paths[0]
    assert path.implicit


def test_parameters_are_collected_and_sorted() -> None:
    mu = sp.Symbol("mu", real=True)
    b = sp.Symbol("b", real=True)
    a = sp.Symbol("a", positive=True)
    X = sf.Flow(sf.Normal(mu, 1), [sf.Transform(a * z + b, z)])
    assert X.program.parameters == (a, b, mu)
    assert X.parameters == (a, b, mu)


def test_path_log_density_evaluates_to_the_textbook_value(flows) -> None:
    program = flows.flow("normal-2z+3").program
    value = float(program.paths[0].closed_form().subs(program.x, 4))
    # N(3, 2) at 4
    expected = -((4 - 3) ** 2) / 8 - math.log(2) - math.log(2 * math.pi) / 2
    assert value == pytest.approx(expected, rel=1e-14)
