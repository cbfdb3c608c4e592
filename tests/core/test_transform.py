"""Transform: the forward map alone, its derivative, declared inverses and bad inputs."""

from __future__ import annotations

import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
y = sp.Symbol("y", real=True)
w = sp.Symbol("w", real=True)
a = sp.Symbol("a", positive=True)

# id, forward f(z), f'(z) written by hand
DERIVATIVES = [
    ("affine", 2 * z + 3, sp.Integer(2)),
    ("exp", sp.exp(z), sp.exp(z)),
    ("sinh", sp.sinh(z), sp.cosh(z)),
    ("cube", z**3, 3 * z**2),
    ("sigmoid", 1 / (1 + sp.exp(-z)), sp.exp(-z) / (1 + sp.exp(-z)) ** 2),
    ("parametric", a * z + w, a),
    ("implicit", z + sp.sin(z) / 2, 1 + sp.cos(z) / 2),
]


@pytest.mark.parametrize(
    ("expr", "expected"), [c[1:] for c in DERIVATIVES], ids=[c[0] for c in DERIVATIVES]
)
def test_derivative_is_the_hand_written_one(expr, expected) -> None:
    assert sp.simplify(sf.Transform(expr, z).derivative - expected) == 0


def test_call_parameters_and_repr() -> None:
    f = sf.Transform(a * sp.exp(z) + w, z)
    assert f(0) == a + w
    assert f.parameters == {a, w}
    assert f.expr == a * sp.exp(z) + w
    assert f.var == z
    assert repr(sf.Transform(2 * z + 3, z)) == "Transform(2*z + 3, z)"
    assert f.in_variable(y) == a * sp.exp(y) + w


def test_equality_and_hash() -> None:
    assert sf.Transform(sp.exp(z), z) == sf.Transform(sp.exp(z), z)
    assert sf.Transform(sp.exp(z), z) != sf.Transform(sp.exp(y), y)
    assert hash(sf.Transform(sp.exp(z), z)) == hash(sf.Transform(sp.exp(z), z))


def test_numbers_and_python_ints_are_sympified() -> None:
    f = sf.Transform(z + 1, z)
    assert isinstance(f.expr, sp.Expr)


BAD = [
    (
        "string-expr",
        lambda: sf.Transform("exp(z)", z),
        sf.SymflowError,
        r"not the string 'exp\(z\)'",
    ),
    (
        "string-var",
        lambda: sf.Transform(sp.exp(z), "z"),
        sf.SymflowError,
        r"variable must be a SymPy Symbol.*got 'z' \(str\)",
    ),
    (
        "expr-var",
        lambda: sf.Transform(sp.exp(z), 2 * z),
        sf.SymflowError,
        "variable must be a SymPy Symbol",
    ),
    ("complex", lambda: sf.Transform(sp.I * z, z), sf.SymflowError, "not a real expression"),
    ("zoo", lambda: sf.Transform(z + sp.zoo, z), sf.SymflowError, "not a real expression"),
    (
        "python-object",
        lambda: sf.Transform(object(), z),
        sf.SymflowError,
        "must be a SymPy expression",
    ),
    ("relation", lambda: sf.Transform(sp.Eq(z, 1), z), sf.SymflowError, "scalar SymPy expression"),
    (
        "constant",
        lambda: sf.Transform(sp.Integer(5), z),
        sf.CollapseError,
        r"Transform 5 does not depend on its variable z.*det J = 0",
    ),
    (
        "other-symbol",
        lambda: sf.Transform(y, z),
        sf.CollapseError,
        r"depends only on y.*undeclared",
    ),
    (
        "undeclared-symbol",
        lambda: sf.Transform(sp.exp(w), z),
        sf.CollapseError,
        r"exp\(w\) does not depend on its variable z.*is w undeclared",
    ),
    (
        "string-inverse",
        lambda: sf.Transform(sp.exp(z), z, inverse="log(z)"),
        sf.SymflowError,
        "inverse must be a SymPy expression",
    ),
    (
        "flow-of-a-bare-expression",  # it was a raw "'exp' object is not iterable"
        lambda: sf.Flow(sf.Normal(0, 1), sp.exp(z)),
        sf.TransformError,
        r"list of sf.Transform\(expr, var\); got exp\(z\)",
    ),
]


@pytest.mark.parametrize(("make", "error", "match"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_transforms_are_clear_errors(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


def test_type_errors_are_also_type_errors() -> None:
    with pytest.raises(TypeError):
        sf.Transform("exp(z)", z)


def test_collapse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no density"):
        sf.Transform(sp.Integer(5), z)


# -- declared inverses are hints that are checked -------------------------------------


def test_correct_declared_inverse_is_used() -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z, inverse=sp.log(z))])
    assert X.inverse(y) == sp.log(y)


@pytest.mark.parametrize(
    ("expr", "wrong"),
    [(sp.exp(z), sp.log(z) + 1), (z**3, z ** sp.Rational(1, 3)), (2 * z, 2 * z)],
    ids=["exp-shifted-log", "cube-principal-root", "affine-not-inverted"],
)
def test_wrong_declared_inverse_is_an_error_naming_a_point(expr, wrong) -> None:
    with pytest.raises(sf.InverseError, match=r"declared inverse .* is wrong on .* at z = "):
        sf.Flow(sf.Normal(0, 1), [sf.Transform(expr, z, inverse=wrong)])


def test_float_coefficients_become_exact() -> None:
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(0.5 * z + 1, z), sf.Transform(sp.exp(z), z)])
    assert X.density().atoms(sp.Float) == set()


def test_declared_inverse_of_a_steep_map_is_accepted() -> None:
    """exp(exp(z)): its inverse log(log y) at test points is checked at 50 digits, not
    from a root rounded to float64 (f' ~ 1e13 there)."""
    import symflow as sf

    z = sp.Symbol("z", real=True)
    flow = sf.Flow(
        sf.Normal(0, 1), [sf.Transform(sp.exp(sp.exp(3 * z)), z, inverse=sp.log(sp.log(z)) / 3)]
    )
    assert flow.support == sp.Interval.open(1, sp.oo)


def test_declared_inverse_that_is_wrong_is_refused() -> None:
    from symflow.errors import InverseError

    z = sp.Symbol("z", real=True)
    with pytest.raises(InverseError, match="declared inverse"):
        sf.Flow(
            sf.Normal(0, 1), [sf.Transform(sp.exp(sp.exp(3 * z)), z, inverse=sp.log(sp.log(z)) / 2)]
        )
