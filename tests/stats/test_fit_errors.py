"""Data and flows on which a fit cannot be made get a FitError that says why."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.errors import FitError
from symflow.stats import fit

z = sp.Symbol("z", real=True)
m = sp.Symbol("m", real=True)
s = sp.Symbol("s", positive=True)


@pytest.fixture(scope="module")
def location_scale():
    return sf.Flow(sf.Normal(0, 1), [sf.Transform(m + s * z, z)])


@pytest.mark.parametrize(
    ("data", "words"),
    [(np.full(5, 3.0), r"constant \(all 5 points\) at x = 3\.0"), (np.array([3.0]), "one point")],
    ids=["constant", "one-point"],
)
def test_constant_data_have_no_maximum_likelihood_estimate(location_scale, data, words):
    with pytest.raises(FitError, match=f"estimate does not exist: the data are {words}"):
        location_scale.fit(data)


def test_constant_data_fit_a_location_alone():
    """With the scale known, the MLE of the location exists: the common value."""
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(m + z, z)])
    assert X.fit(np.full(4, 3.0)).params["m"] == pytest.approx(3.0, abs=1e-9)


def test_a_free_shape_parameter_of_the_base_is_not_blamed_on_the_transform():
    nu = sp.Symbol("nu", positive=True)
    X = sf.Flow(sf.StudentT(nu), [sf.Transform(z, z)])
    data = np.random.default_rng(0).standard_t(4, 200)
    try:
        result = X.fit(data)
    except FitError as exc:
        assert "of the base StudentT(nu, 0, 1)" in str(exc)
        assert "transform is not at fault" in str(exc)
        assert "fixed={'nu': ...}" in str(exc)
    else:  # the base's derivatives compile: a working fit
        assert result.success and 2 < result.params["nu"] < 10


def test_grid_points_where_the_likelihood_cannot_be_evaluated_are_skipped():
    def evaluate(theta):
        if theta[0] == -1.0:
            raise ZeroDivisionError("float division by zero")
        return (-((theta[0] - 2.5) ** 2),)

    best = fit._grid_start(evaluate, np.array([1.0]), [0], [0], {}, ["a"])
    assert best[0] == pytest.approx(1 + 4 / 3 * 1.5)


def test_an_unconverged_fit_where_the_likelihood_is_not_concave_names_what_moved():
    """One sinh-arcsinh/affine pair on two separated normal clusters: the likelihood rises
    towards d_1 → 0 with the scale e^(a_1) → ∞ (a limit of the family). At the iteration
    limit the Hessian is not negative definite, so no Newton step can be quoted; the
    message names the parameters that moved over the last iterations, ending at the
    reported estimates."""
    import re

    rng = np.random.default_rng(0)
    n = 4000
    data = np.where(rng.random(n) < 0.4, rng.normal(-2, 0.5, n), rng.normal(2, 1, n))
    X = sf.Flow(sf.Normal(0, 1), sf.layers.stack(sf.layers.sinh_arcsinh, sf.layers.affine))
    fit = X.fit(data, maxiter=60)
    assert not fit.success
    assert "the likelihood is not concave there" in fit.message
    moved = dict(re.findall(r"(\w_1) [-\d.e+]+ → ([-\d.e+]+)", fit.message))
    assert {"a_1", "d_1"} <= set(moved)
    for name, end in moved.items():
        assert float(end) == pytest.approx(fit.params[name], rel=5e-3)
    assert fit.params["d_1"] < 0.1 and fit.params["a_1"] > 3  # towards the limit
