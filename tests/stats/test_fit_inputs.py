"""Options and observations that ``fit`` refuses before any work, and what it says."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import symflow as sf

z = sp.Symbol("z", real=True)
mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)


@pytest.fixture(scope="module")
def lognormal():
    return sf.Flow(sf.Normal(mu, sigma), [sf.Transform(sp.exp(z), z)])


@pytest.fixture(scope="module")
def data():
    return np.exp(np.random.default_rng(0).normal(1.0, 2.0, 300))


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"foo": 1}, r"Unknown option 'foo' for fit; the options are: fixed, method, tol"),
        ({"method": "newton"}, r"method must be one of auto, trust-exact, .*adam; got 'newton'"),
        ({"method": 3}, r"method must be one of .*; got 3"),
        ({"tol": -1.0}, r"tol must be a finite number at least 0; got -1.0"),
        ({"tol": float("nan")}, r"tol must be a finite number at least 0; got nan"),
        ({"tol": "1e-8"}, r"tol must be a finite number"),
        ({"maxiter": 0}, r"maxiter must be an integer of at least 1; got 0"),
        ({"maxiter": 2.5}, r"maxiter must be an integer of at least 1; got 2.5"),
        ({"maxiter": True}, r"maxiter must be an integer of at least 1; got True"),
        ({"method": "adam", "batch_size": 0}, r"batch_size must be an integer of at least 1"),
        ({"method": "adam", "epochs": "x"}, r"epochs must be an integer of at least 1; got 'x'"),
        ({"method": "adam", "learning_rate": -1}, r"learning_rate must be a finite number gre"),
        ({"method": "adam", "learning_rate": float("inf")}, r"learning_rate must be a finite"),
        ({"validation": [1.0], "patience": -2}, r"patience must be an integer of at least 1"),
        ({"method": "adam", "seed": -1}, r"seed must be an integer of at least 0; got -1"),
        ({"progress": "yes"}, r"progress must be True, False or a function"),
        ({"stall": 5}, r"stall must be a pair \(iterations, nats\)"),
        ({"stall": (0, 0.1)}, r"stall\[0\] \(iterations\) must be an integer of at least 1"),
        ({"stall": (5, -0.1)}, r"stall\[1\] \(nats\) must be a finite number at least 0"),
    ],
)
def test_bad_options_are_refused_by_name(lognormal, data, options, match):
    with pytest.raises(sf.ParameterError, match=match):
        lognormal.fit(data, **options)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (np.array([1.0 + 1e-3j, 2.0]), r"The data must be real numbers; got complex values"),
        ([1.0, np.nan, 2.0], r"Point 1 of the data is NaN \(nan\); 1 of 3 points"),
        ([1.0, 2.0, -np.inf], r"Point 2 of the data is infinite \(-inf\)"),
        (np.ones((3, 2)), r"Expected data of shape \(n,\) for this 1-D flow; got shape \(3, 2\)"),
    ],
)
def test_bad_observations(lognormal, values, match):
    with pytest.raises(sf.ParameterError, match=match):
        lognormal.fit(values)


def test_bad_validation_points_are_named_as_validation(lognormal, data):
    with pytest.raises(sf.ParameterError, match=r"Point 0 of the validation data is NaN"):
        lognormal.fit(data, validation=[np.nan, 1.0])


def test_a_refused_fit_leaves_the_flow_usable(lognormal, data):
    """After refusals the same flow fits as if nothing happened: the closed-form MLE of
    the log-normal (mean and population standard deviation of log x)."""
    for bad in ({"tol": -1.0}, {"foo": 1}):
        with pytest.raises(sf.ParameterError):
            lognormal.fit(data, **bad)
    fit = lognormal.fit(data)
    logs = np.log(data)
    assert fit.success
    assert fit.params["mu"] == pytest.approx(logs.mean(), rel=1e-10)
    assert fit.params["sigma"] == pytest.approx(logs.std(), rel=1e-10)


def test_integer_lists_and_the_training_only_seed_option_are_accepted(lognormal):
    values = [1, 2, 3, 5, 8, 13]
    logs = np.log(values)
    fit = lognormal.fit(values, seed=3)
    assert fit.params["mu"] == pytest.approx(logs.mean(), rel=1e-9)
