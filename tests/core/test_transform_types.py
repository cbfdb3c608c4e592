"""The three transform types: what Transform(...) builds, what each owns, what each refuses."""

from __future__ import annotations

import pickle

import pytest
import sympy as sp

import symflow as sf
from symflow.core.transform import ScalarOnlyError

z, w = sp.symbols("z w", real=True)
z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)

# id, constructor arguments, the type Transform(...) builds, (d, m)
KINDS = [
    ("scalar", (sp.exp(z), z), sf.ScalarTransform, (1, 1)),
    ("vector", ([z1 + z2, z1 - z2], [z1, z2]), sf.VectorTransform, (2, 2)),
    ("vector-1", ([sp.exp(z)], [z]), sf.VectorTransform, (1, 1)),
    ("one-listed-variable", (sp.exp(z), [z]), sf.VectorTransform, (1, 1)),
    ("one-of-two", (z1 + z2, [z1, z2]), sf.ReducingTransform, (2, 1)),
    ("list-one-of-two", ([z1 * z2], [z1, z2]), sf.ReducingTransform, (2, 1)),
    ("two-of-three", ([z1 + z2, z3], [z1, z2, z3]), sf.ReducingTransform, (3, 2)),
]


@pytest.mark.parametrize(
    ("args", "kind", "dims"), [c[1:] for c in KINDS], ids=[c[0] for c in KINDS]
)
def test_transform_builds_the_type_of_its_arguments(args, kind, dims) -> None:
    t = sf.Transform(*args)
    assert type(t) is kind
    assert isinstance(t, sf.Transform)
    assert (t.dimension, t.output_dimension) == dims
    assert t.reduces is (kind is sf.ReducingTransform)
    assert kind(*args) == t  # the type's own constructor builds the same transform


@pytest.mark.parametrize(
    ("args", "kind", "dims"), [c[1:] for c in KINDS], ids=[c[0] for c in KINDS]
)
def test_every_type_pickles_to_an_equal_transform(args, kind, dims) -> None:
    t = sf.Transform(*args)
    back = pickle.loads(pickle.dumps(t))
    assert type(back) is kind and back == t and repr(back) == repr(t)


def test_keywords_choose_the_type_too() -> None:
    assert type(sf.Transform(expr=z1 + z2, var=[z1, z2])) is sf.ReducingTransform
    assert type(sf.Transform(sp.exp(z), var=z, inverse=sp.log(z))) is sf.ScalarTransform


def test_repr_formula_and_latex_per_type() -> None:
    scalar = sf.Transform(sp.exp(z), z)
    vector = sf.Transform([z1 + z2, z1 - z2], [z1, z2])
    reducing = sf.Transform(z1 * z2, [z1, z2])
    assert repr(scalar) == "Transform(exp(z), z)"
    assert repr(vector) == "Transform([z1 + z2, z1 - z2], [z1, z2])"
    assert repr(reducing) == "Transform(z1*z2, [z1, z2])"
    assert (
        repr(sf.Transform([z1 + z2, z3], [z1, z2, z3])) == "Transform([z1 + z2, z3], [z1, z2, z3])"
    )
    assert [t.formula for t in (scalar, vector, reducing)] == [
        "exp(z)",
        "[z1 + z2, z1 - z2]",
        "z1*z2",
    ]
    assert scalar.latex() == "f(z) = e^{z}"
    assert vector.latex("g").startswith("g(z_{1}, z_{2}) = \\left[\\begin{matrix}")


def test_compose_substitutes_per_type() -> None:
    assert sf.Transform(sp.exp(z), z).compose(w**2) == sp.exp(w**2)
    vector = sf.Transform([z1 + z2, z1 * z2], [z1, z2])
    assert vector.compose([w, 3]) == sp.Matrix([w + 3, 3 * w])
    assert sf.Transform(z1 - z2, [z1, z2]).compose([w, w]) == sp.Matrix([0])


def test_jacobians_are_the_hand_written_ones() -> None:
    assert sf.Transform(z**3, z).jacobian == sp.Matrix([[3 * z**2]])
    vector = sf.Transform([z1 * z2, z2], [z1, z2])
    assert vector.jacobian == sp.Matrix([[z2, z1], [0, 1]])
    assert vector.jacobian_determinant == z2
    reducing = sf.Transform([z1 + z2, z2 * z3], [z1, z2, z3])
    assert reducing.jacobian == sp.Matrix([[1, 1, 0], [0, z3, z2]])


def test_parameters_per_type() -> None:
    a, b = sp.symbols("a b", positive=True)
    assert sf.Transform(a * z, z, inverse=z / b).parameters == {a, b}
    assert sf.Transform([a * z1, z2 + b], [z1, z2]).parameters == {a, b}
    assert sf.Transform(a * z1 + z2, [z1, z2]).parameters == {a}


SEVERAL = [
    ("vector", lambda: sf.Transform([z1 + z2, z1 - z2], [z1, z2])),
    ("reducing", lambda: sf.Transform(z1 + z2, [z1, z2])),
]

# attribute, the message
SCALAR_ONLY = [
    (
        "derivative",
        r"has no derivative f'\(z\), which only a scalar Transform\(expr, z\) has\. "
        r"Use \.jacobian",
    ),
    ("var", r"has no single variable.*Its variables are \.vars"),
    ("inverse_hint", r"has no declared inverse.*are derived"),
]


@pytest.mark.parametrize("make", [c[1] for c in SEVERAL], ids=[c[0] for c in SEVERAL])
@pytest.mark.parametrize(("attribute", "message"), SCALAR_ONLY, ids=[c[0] for c in SCALAR_ONLY])
def test_maps_of_several_variables_refuse_scalar_attributes(make, attribute, message) -> None:
    t = make()
    with pytest.raises(ScalarOnlyError, match=r"Transform\(.*\) maps 2 variables \[z1, z2\]"):
        getattr(t, attribute)
    with pytest.raises(sf.SymflowError, match=message):
        getattr(t, attribute)
    assert not hasattr(t, attribute)  # an AttributeError too: getattr(t, name, None) works
    assert getattr(t, attribute, None) is None


@pytest.mark.parametrize("make", [c[1] for c in SEVERAL], ids=[c[0] for c in SEVERAL])
def test_maps_of_several_variables_refuse_a_value_and_a_rename(make) -> None:
    t = make()
    with pytest.raises(ScalarOnlyError, match=r"calling it with one value 1 .* Substitute into"):
        t(1)
    with pytest.raises(ScalarOnlyError, match=r"in_variable\(w\) renames the one variable"):
        t.in_variable(w)


def test_a_map_to_fewer_dimensions_has_no_determinant() -> None:
    t = sf.Transform(z1 + z2, [z1, z2])
    with pytest.raises(sf.SymflowError, match=r"its Jacobian is 1×2, which has no determinant"):
        _ = t.jacobian_determinant


BAD = [
    (
        "vector-type-fewer-outputs",
        lambda: sf.VectorTransform([z1 + z2], [z1, z2]),
        r"maps d variables to d expressions; got 1 expressions in 2 variables.*ReducingTransform",
    ),
    (
        "reducing-type-square",
        lambda: sf.ReducingTransform([z1, z2], [z1, z2]),
        r"fewer expressions than variables; got 2 expressions in 2 variables.*VectorTransform",
    ),
    (
        "scalar-type-lists",
        lambda: sf.ScalarTransform([z1 + z2], [z1, z2]),
        r"one expression and one variable.*Transform\(\[e1, \.\.\., ed\], \[z1, \.\.\., zd\]\)",
    ),
    (
        "vector-with-inverse",
        lambda: sf.Transform([z1, z2], [z1, z2], inverse=[z1, z2]),
        "Declared inverses are supported for scalar transforms only",
    ),
    (
        "more-outputs",
        lambda: sf.Transform([z1, z2, z1 + z2], [z1, z2]),
        "at most d expressions; got 3 expressions in 2 variables",
    ),
]


@pytest.mark.parametrize(("build", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_type_constructors_refuse_the_wrong_shape(build, message) -> None:
    with pytest.raises(sf.SymflowError, match=message):
        build()


def test_a_one_dimensional_flow_refuses_a_vector_transform() -> None:
    with pytest.raises(
        sf.SymflowError,
        match=r"Transform 1 \(Transform\(\[exp\(z\)\], \[z\]\)\) "
        r"is a vector transform, but the base Normal\(0, 1\) is one-dimensional",
    ):
        sf.Flow(sf.Normal(0, 1), [sf.Transform([sp.exp(z)], [z])])
