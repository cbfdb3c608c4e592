"""Training (symflow.stats.train) against closed-form MLEs and hand-written likelihoods."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import symflow as sf
from symflow.stats.train import (
    TrainResult,
    _drift,
    choose_method,
    lbfgs_memory,
    starting_values,
    train_flow,
)

z = sp.Symbol("z", real=True)


@pytest.fixture(scope="module")
def affine_flow() -> sf.Flow:
    return sf.Flow(sf.Normal(0, 1), [sf.layers.affine(1)])


@pytest.fixture(scope="module")
def normal_data() -> np.ndarray:
    return np.random.default_rng(3).normal(-2.0, 0.5, 4000)


@pytest.mark.parametrize("method", ["trust-exact", "trust-krylov", "L-BFGS"])
def test_affine_flow_reaches_the_closed_form_mle(affine_flow, normal_data, method):
    fit = train_flow(affine_flow, normal_data, method=method)
    assert fit.success, fit.message
    assert fit.params["b_1"] == pytest.approx(normal_data.mean(), rel=1e-7)
    assert np.exp(fit.params["a_1"]) == pytest.approx(normal_data.std(), rel=1e-6)
    expected = stats.norm(normal_data.mean(), normal_data.std()).logpdf(normal_data).sum()
    assert fit.loglik == pytest.approx(expected, rel=1e-11)
    assert fit.gradient_norm <= 1e-6
    n, s = normal_data.size, normal_data.std()
    assert fit.stderr["b_1"] == pytest.approx(s / np.sqrt(n), rel=1e-5)
    assert fit.stderr["a_1"] == pytest.approx(1 / np.sqrt(2 * n), rel=1e-5)  # of log σ


def test_starting_values_come_from_the_data(affine_flow, normal_data):
    start = starting_values(affine_flow, normal_data)
    assert start["b_1"] == pytest.approx(np.median(normal_data), abs=0.01)
    iqr = np.subtract(*np.quantile(normal_data, [0.75, 0.25]))
    assert np.exp(start["a_1"]) == pytest.approx(iqr / 1.3489795, rel=0.02)


def test_method_is_chosen_by_size():
    assert choose_method(3, 1000) == "trust-exact"
    assert choose_method(41, 1000) == "L-BFGS"
    assert choose_method(3, 10**7) == "adam"


def test_lbfgs_memory_spans_the_parameters_within_bounds(affine_flow, normal_data, monkeypatch):
    assert [lbfgs_memory(p) for p in (1, 20, 41, 64, 100, 101, 10**4)] == [
        20,
        20,
        41,
        64,
        100,
        100,
        100,
    ]
    seen = []
    minimize = optimize.minimize

    def spy(*args, **kwargs):
        seen.append(kwargs["options"].get("maxcor"))
        return minimize(*args, **kwargs)

    monkeypatch.setattr(optimize, "minimize", spy)
    fit = train_flow(affine_flow, normal_data, method="L-BFGS")
    assert fit.success and seen and set(seen) == {20}


def hand_loglik(data, a_3, b_3, c_2, d_1, e_1) -> float:
    """Σ log p for x = exp(a)·w + b, w = v + c·atan(v), v = sinh(d·asinh(u) − e), u ~ N(0, 1),
    inverted point by point with brentq."""
    a, b, c, d, e = a_3, b_3, c_2, d_1, e_1
    total = 0.0
    for x in data:
        w = (x - b) * np.exp(-a)
        v = optimize.brentq(lambda t, w=w: t + c * np.arctan(t) - w, -1e6, 1e6, xtol=1e-14)
        u = np.sinh((np.arcsinh(v) + e) / d)
        jac = (
            np.exp(a)
            * (1 + c / (1 + v * v))
            * d
            * np.cosh(d * np.arcsinh(u) - e)
            / np.sqrt(1 + u * u)
        )
        total += stats.norm.logpdf(u) - np.log(jac)
    return total


@pytest.fixture(scope="module")
def implicit_problem():
    transforms = [
        sf.layers.sinh_arcsinh(1),
        sf.Transform(z + sp.Symbol("c_2", positive=True) * sp.atan(z), z),
        sf.layers.affine(3),
    ]
    X = sf.Flow(sf.Normal(0, 1), transforms)
    rng = np.random.default_rng(5)
    truth = {"a_3": 0.3, "b_3": 1.0, "c_2": 0.8, "d_1": 1.3, "e_1": 0.4}

    def draw(n):
        u = rng.normal(size=n)
        v = np.sinh(truth["d_1"] * np.arcsinh(u) - truth["e_1"])
        return np.exp(truth["a_3"]) * (v + truth["c_2"] * np.arctan(v)) + truth["b_3"]

    return X, truth, draw(600), draw(600)


def test_fit_of_a_flow_with_an_implicit_inverse(implicit_problem, capsys):
    X, truth, data, held_out = implicit_problem
    fit = X.fit(data, method="L-BFGS", validation=held_out, progress=True)
    assert isinstance(fit, TrainResult)
    assert fit.validation_loglik is not None
    args = {k: fit.params[k] for k in ("a_3", "b_3", "c_2", "d_1", "e_1")}
    # the reported log-likelihood is the hand-written one at the estimate, and beats the
    # truth's (an MLE does, up to the optimiser's tolerance)
    assert fit.loglik == pytest.approx(hand_loglik(data, **args), rel=1e-9)
    assert fit.loglik >= hand_loglik(data, **truth) - 1e-6
    assert fit.validation_loglik == pytest.approx(hand_loglik(held_out, **args), rel=1e-9)
    err = capsys.readouterr().err
    assert "log-likelihood" in err and "|grad|" in err


def test_validation_keeps_the_best_held_out_parameters_and_says_so(affine_flow, normal_data):
    """Held-out points centred at −1 while the training data's mean is −2: from b = 0 the
    fit passes the held-out optimum on its way to the training MLE, converges there, and
    keeps the earlier parameters, saying that it ended elsewhere."""
    held_out = np.random.default_rng(4).normal(-1.0, 0.5, 500)
    fit = train_flow(
        affine_flow,
        normal_data,
        init={"a_1": 0.0, "b_1": 0.0},
        method="L-BFGS",
        validation=held_out,
        patience=10_000,
    )
    assert fit.success
    assert fit.message.startswith("training ended after")
    assert "the validation log-likelihood was highest at iteration" in fit.message
    kept = stats.norm(fit.params["b_1"], np.exp(fit.params["a_1"])).logpdf(held_out).sum()
    at_mle = stats.norm(normal_data.mean(), normal_data.std()).logpdf(held_out).sum()
    assert fit.validation_loglik == pytest.approx(kept, rel=1e-12)
    assert kept > at_mle + 1.0
    assert -1.9 < fit.params["b_1"] < -0.1


def test_progress_callable_and_honest_unconverged_report(implicit_problem):
    X, _, data, _ = implicit_problem
    rows = []
    fit = train_flow(X, data, method="L-BFGS", maxiter=3, progress=rows.append)
    assert not fit.success
    assert "NOT converged" in str(fit)
    assert "largest gradient component" in fit.message and "> tol" in fit.message
    assert [r["iteration"] for r in rows[:-1]] == list(range(1, len(rows)))
    assert rows[-1]["final"] and rows[-1]["gradient"] == pytest.approx(fit.gradient_norm)


def test_result_round_trips_through_json(affine_flow, normal_data, tmp_path):
    fit = train_flow(affine_flow, normal_data)
    path = tmp_path / "fit.json"
    fit.save(path)
    back = TrainResult.load(path)
    assert back.params == fit.params and back.loglik == fit.loglik
    assert back.success == fit.success and back.nit == fit.nit
    np.testing.assert_array_equal(back.cov, fit.cov)
    assert json.loads(path.read_text())["method"] == "trust-exact"
    with pytest.raises(sf.ParameterError, match="Not a saved training result"):
        TrainResult.from_json('{"params": {}}')


def test_fit_on_a_dask_array_sums_over_blocks(affine_flow, normal_data):
    da = pytest.importorskip("dask.array")
    whole = train_flow(affine_flow, normal_data)
    blocks = train_flow(affine_flow, da.from_array(normal_data, chunks=1000))
    assert blocks.n == normal_data.size
    assert blocks.params["b_1"] == pytest.approx(whole.params["b_1"], rel=1e-10)
    assert blocks.loglik == pytest.approx(whole.loglik, rel=1e-12)


def test_minibatch_adam(affine_flow, normal_data):
    fit = train_flow(
        affine_flow, normal_data, method="adam", batch_size=500, epochs=20, learning_rate=0.05
    )
    assert fit.method == "adam"
    assert fit.params["b_1"] == pytest.approx(normal_data.mean(), abs=0.02)
    assert "Adam ran 20 epochs" in fit.message or fit.success


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1.0, np.nan, 2.0] * 10, r"Point 1 of the data is not finite; 10 of 30 points"),
        ([1.0, 2.0, np.inf] * 10, r"Point 2 of the data is not finite"),
        ([1.0 + 1j, 2.0] * 10, r"The data must be real numbers; got complex values"),
        ([], r"The data are empty"),
    ],
    ids=["nan", "inf", "complex", "empty"],
)
def test_bad_dask_data_are_refused_before_any_work(affine_flow, values, match):
    """Before, a NaN in a dask array was reported as a point of zero density at the
    starting values, and complex blocks lost their imaginary parts with a warning."""
    da = pytest.importorskip("dask.array")
    with pytest.raises(sf.ParameterError, match=match):
        affine_flow.fit(da.from_array(np.array(values), chunks=7))


def test_small_flows_keep_the_forward_mode_fit(affine_flow, normal_data):
    from symflow.stats.fit import FitResult

    assert isinstance(affine_flow.fit(normal_data), FitResult)
    assert isinstance(affine_flow.fit(normal_data, method="L-BFGS"), TrainResult)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"method": "newton"}, "method must be one of"),
        ({"init": {"q": 1.0}}, "Unknown parameter q in init"),
        ({"init": {"b_1": 100.0}, "fixed": {"a_1": -5.0}}, None),
        ({"fixed": {"a_1": 0.0, "b_1": 0.0}}, "Every parameter of Flow.* is fixed"),
    ],
    ids=["method", "unknown-init", "fixed-ok", "all-fixed"],
)
def test_bad_options(affine_flow, normal_data, kwargs, match):
    if match is None:
        fit = train_flow(affine_flow, normal_data, **kwargs)
        assert fit.params["a_1"] == -5.0 and fit.stderr["a_1"] == 0.0
        return
    with pytest.raises(sf.ParameterError, match=match):
        train_flow(affine_flow, normal_data, **kwargs)


def test_bad_data(affine_flow):
    with pytest.raises(sf.ParameterError, match=r"Point 1 of the data is NaN"):
        train_flow(affine_flow, [1.0, np.nan, 2.0])
    with pytest.raises(sf.ParameterError, match=r"shape \(n,\) for this 1-D flow"):
        train_flow(affine_flow, np.ones((3, 2)))


def test_zero_likelihood_at_the_start_is_an_error():
    X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z), sf.layers.affine(1)])
    with pytest.raises(sf.ParameterError, match=r"data point 1 \(x = -1.0\) has zero density"):
        train_flow(X, [1.0, -1.0, 2.0], init={"a_1": 0.0, "b_1": 0.0})


def test_a_map_to_fewer_dimensions_is_refused_with_the_reason():
    """Two outputs of three normals: the density comes from the reduction, not from
    Program paths, so the trainer says so (before it tried to compile 0 paths)."""
    z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
    a, c = sp.Symbol("a", real=True), sp.Symbol("c", real=True)
    base = sf.Independent(sf.Normal(a, 1), sf.Normal(0, 1), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.Transform([z1 + z2, sp.exp(c) * z3], [z1, z2, z3])])
    data = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(sf.ParameterError, match=r"maps 3 variables to 2: its density is not"):
        X.fit(data, method="L-BFGS")


# -- Johnson SU: a flow with a finite maximiser, against scipy.stats.johnsonsu.fit --------
@pytest.fixture(scope="module")
def johnson_su_problem():
    """x = exp(a_2)·sinh(exp(a_1)·z + b_1) + b_2 is Johnson's SU with δ = exp(−a_1),
    γ = −b_1·exp(−a_1), loc = b_2, scale = exp(a_2)."""
    X = sf.Flow(
        sf.Normal(0, 1), [sf.layers.affine(1), sf.Transform(sp.sinh(z), z), sf.layers.affine(2)]
    )
    data = stats.johnsonsu(1.0, 1.5, loc=0.5, scale=4.0).rvs(5000, random_state=1)
    return X, data


def johnsonsu_loglik(data, a_1, b_1, a_2, b_2) -> float:
    delta = np.exp(-a_1)
    law = stats.johnsonsu(-b_1 * delta, delta, loc=b_2, scale=np.exp(a_2))
    return float(law.logpdf(data).sum())


def test_gradient_of_johnson_su_flow_against_scipy_finite_differences(johnson_su_problem):
    from symflow.codegen.train_kernel import train_kernels

    X, data = johnson_su_problem
    k = train_kernels(X.program)
    point = {"a_1": -0.3, "a_2": 1.2, "b_1": -0.6, "b_2": 0.4}
    theta = np.array([point[p.name] for p in X.program.parameters])
    value, grad, bad = k.value_grad(data, theta)
    assert bad[0] == 0
    assert value == pytest.approx(johnsonsu_loglik(data, **point), rel=1e-12)
    h = 1e-5
    for j, p in enumerate(X.program.parameters):
        up, down = dict(point), dict(point)
        up[p.name] += h
        down[p.name] -= h
        fd = (johnsonsu_loglik(data, **up) - johnsonsu_loglik(data, **down)) / (2 * h)
        assert grad[j] == pytest.approx(fd, rel=1e-6, abs=1e-5), p.name


def test_johnson_su_flow_reaches_scipy_mle(johnson_su_problem):
    X, data = johnson_su_problem
    gamma, delta, loc, scale = stats.johnsonsu.fit(data)
    expected = stats.johnsonsu(gamma, delta, loc=loc, scale=scale).logpdf(data).sum()
    fit = train_flow(X, data)
    assert fit.success, fit.message
    assert fit.gradient_norm <= 1e-6
    # at least scipy's optimum, and no further from it than 1e-6 relative (scipy's
    # Nelder–Mead stops a little short of the maximum)
    assert fit.loglik >= expected - 1e-9 * abs(expected)
    assert fit.loglik == pytest.approx(expected, rel=1e-6)
    assert fit.loglik == pytest.approx(johnsonsu_loglik(data, **fit.params), rel=1e-12)
    assert np.exp(-fit.params["a_1"]) == pytest.approx(delta, rel=1e-3)
    assert fit.params["b_2"] == pytest.approx(loc, rel=1e-3)


def test_a_stall_towards_a_limit_names_the_drifting_parameters():
    """Uniform data under a sinh-arcsinh flow: the likelihood rises as d_1 → 0 behind a
    growing scale (the layer tends to asinh), a limit with no finite maximiser."""
    X = sf.Flow(sf.Normal(0, 1), [sf.layers.sinh_arcsinh(1), sf.layers.affine(1)])
    data = np.random.default_rng(0).uniform(-1, 1, 1000)
    fit = train_flow(X, data, method="L-BFGS", stall=(20, 1e-3))
    assert not fit.success
    assert fit.message.startswith("stalled: the log-likelihood rose by less than 0.001 nats")
    assert "the parameters drift (" in fit.message and "d_1 " in fit.message
    assert fit.params["d_1"] < 0.05 and fit.params["a_1"] > 3.0


@pytest.fixture(scope="module")
def edge_flows():
    b = sp.Symbol("b", positive=True)
    s, m = sp.Symbol("s", positive=True), sp.Symbol("m", real=True)
    return {
        "uniform": sf.Flow(sf.Uniform(0, b), [sf.Transform(z, z)]),
        "shifted exponential": sf.Flow(sf.Exponential(1), [sf.Transform(s * z + m, z)]),
        "uniform location-scale": sf.Flow(sf.Uniform(0, 1), [sf.Transform(s * z + m, z)]),
    }


@pytest.mark.parametrize("method", ["trust-exact", "trust-krylov", "L-BFGS", "adam"])
def test_training_finds_maxima_on_the_support_edge(edge_flows, method):
    """The textbook MLEs on the edge of the region where every point has positive
    density: b̂ = max x for U(0, b); m̂ = min x and ŝ = mean − min for a shifted
    exponential; m̂ = min x, ŝ = max − min for U(m, m + s). The edge parameters have no
    standard error; the one the edge leaves free (ŝ of the exponential, whose observed
    information is n/ŝ²) has its usual one."""
    rng = np.random.default_rng(3)
    uniform = rng.uniform(0, 2.7, 500)
    fit_with = functools.partial(train_flow, method=method)
    if method == "adam":  # minibatches of 50, so that the few epochs reach the edge
        fit_with = functools.partial(fit_with, batch_size=50, epochs=40, learning_rate=0.05)
    fit = fit_with(edge_flows["uniform"], uniform)
    # the last float at which the largest point is inside the support
    assert fit.success and uniform.max() <= fit.params["b"] <= np.nextafter(uniform.max(), 9)
    assert "data point" in fit.message and f"x = {float(uniform.max())!r}" in fit.message
    assert np.isnan(fit.stderr["b"])

    shifted = 0.3 + rng.exponential(2.0, 500)
    fit = fit_with(edge_flows["shifted exponential"], shifted)
    assert fit.success and np.nextafter(shifted.min(), -9) <= fit.params["m"] <= shifted.min()
    assert fit.params["s"] == pytest.approx(shifted.mean() - shifted.min(), rel=1e-12)
    assert np.isnan(fit.stderr["m"])
    assert fit.stderr["s"] == pytest.approx(fit.params["s"] / np.sqrt(500), rel=1e-6)

    spread = rng.uniform(-1.3, 2.9, 500)
    fit = fit_with(edge_flows["uniform location-scale"], spread)
    assert fit.success and "moving m, s further" in fit.message
    assert fit.params["m"] == pytest.approx(spread.min(), abs=1e-12)
    assert fit.params["m"] <= spread.min()
    assert fit.params["m"] + fit.params["s"] >= spread.max()
    assert fit.params["s"] == pytest.approx(np.ptp(spread), rel=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_edge_maxima_over_data_sets_and_refits_from_the_result(edge_flows, seed):
    """Over several data sets: the edge MLEs, and a fit started at the result (one
    rounding from the edge: exp(log b) need not be b) ends there again, converged."""
    rng = np.random.default_rng(seed)
    uniform, shifted = rng.uniform(0, 2.7, 300), 0.3 + rng.exponential(2.0, 300)
    for method in ("trust-exact", "L-BFGS"):
        fit = train_flow(edge_flows["uniform"], uniform, method=method)
        again = train_flow(edge_flows["uniform"], uniform, init=fit.params, method=method)
        for f in (fit, again):
            assert f.success and uniform.max() <= f.params["b"] <= np.nextafter(uniform.max(), 9)
        fit = train_flow(edge_flows["shifted exponential"], shifted, method=method)
        again = train_flow(edge_flows["shifted exponential"], shifted, init=fit.params)
        for f in (fit, again):
            assert f.success and f.params["m"] <= shifted.min()
            assert f.params["s"] == pytest.approx(shifted.mean() - shifted.min(), rel=1e-12)


def test_a_2d_flow_whose_support_moves_with_a_parameter_fits_on_its_edge():
    """(z₁, z₂ + m) on U(0, b) × N(0, 1): the flow derives (the inverse's sample points
    once tried float(b)), and the MLEs are b̂ = max x₁ (on the edge) and m̂ = mean x₂."""
    z1, z2 = sp.symbols("z1 z2", real=True)
    b, m = sp.Symbol("b", positive=True), sp.Symbol("m", real=True)
    base = sf.Independent(sf.Uniform(0, b), sf.Normal(0, 1))
    X = sf.Flow(base, [sf.VectorTransform([z1, z2 + m], [z1, z2])])
    rng = np.random.default_rng(1)
    data = np.column_stack([rng.uniform(0, 3, 400), rng.normal(1.5, 1, 400)])
    fit = X.fit(data)
    assert fit.success and "moving b further" in fit.message
    assert fit.params["b"] == data[:, 0].max()  # the support is closed: b = max x₁
    assert fit.params["m"] == pytest.approx(data[:, 1].mean(), rel=1e-12)
    assert fit.stderr["m"] == pytest.approx(1 / np.sqrt(400), rel=1e-9)
    hand = -np.log(fit.params["b"]) + stats.norm.logpdf(data[:, 1] - fit.params["m"])
    assert fit.loglik == pytest.approx(hand.sum(), rel=1e-13)


def test_a_stall_without_the_hessian_does_not_claim_a_limit():
    """Above 40 parameters L-BFGS does not compute the Hessian, so a stall cannot tell a
    limit at infinite parameter values from a long flat valley: the message names the
    movers and both possibilities, and how to tell them apart."""
    before, after = np.array([-0.44, 0.864, 3.0]), np.array([-0.567, 0.779, 3.0])
    kinds = np.array([0, 1, 0])
    unknown = _drift(["e_14", "d_4", "b_1"], before, after, kinds, curvature_known=False)
    assert unknown.startswith("the parameters drift (e_14 -0.44 → -0.567, d_4 0.864 → 0.779)")
    assert "may rise towards a limit" in unknown and "flat valley" in unknown
    assert "method='trust-exact'" in unknown and "no maximiser" not in unknown
    known = _drift(["e_14", "d_4", "b_1"], before, after, kinds)
    assert "not concave" in known and "no maximiser" in known
    # a stall with known curvature can still be a slow crawl to a maximum further on
    assert "flat valley to a maximum" in known and "stall=(1000, 0.001)" in known


def sinh_arcsinh_loglik(data, a_2, b_2, d_1, e_1) -> float:
    """Σ log p for x = exp(a)·sinh(d·asinh(z) − e) + b, z ~ N(0, 1), by hand."""
    u = (data - b_2) * np.exp(-a_2)
    w = (np.arcsinh(u) + e_1) / d_1
    zz = np.sinh(w)
    log_jac = np.log(np.cosh(w)) - np.log(d_1) - 0.5 * np.log1p(u**2) - a_2
    return float(np.sum(stats.norm.logpdf(zz) + log_jac))


@pytest.mark.parametrize("method", ["auto", "trust-krylov"])
def test_sinh_arcsinh_flow_reaches_scipy_on_the_hand_written_likelihood(method):
    """The default for tens of parameters (trust-exact, one exact Hessian per iteration)
    and trust-krylov reach the maximiser that scipy's BFGS finds on the likelihood
    written by hand."""
    X = sf.Flow(sf.Normal(0, 1), [sf.layers.sinh_arcsinh(1), sf.layers.affine(2)])
    data = stats.johnsonsu(0.7, 1.3, loc=1.0, scale=2.0).rvs(3000, random_state=5)
    fit = train_flow(X, data, method=method)
    assert fit.method == ("trust-exact" if method == "auto" else method)
    assert fit.success and fit.gradient_norm <= 1e-6, fit.message
    best = optimize.minimize(
        lambda q: -sinh_arcsinh_loglik(data, q[0], q[1], np.exp(q[2]), q[3]) / data.size,
        [0.0, 0.0, 0.0, 0.0],
        method="BFGS",
        options={"gtol": 1e-9},
    )
    assert fit.loglik == pytest.approx(-best.fun * data.size, rel=1e-10)
    q = dict(zip(["a_2", "b_2", "d_1", "e_1"], best.x, strict=True))
    q["d_1"] = np.exp(q["d_1"])
    for name, value in q.items():
        assert fit.params[name] == pytest.approx(value, rel=1e-4, abs=1e-5), name
    assert fit.loglik == pytest.approx(sinh_arcsinh_loglik(data, **fit.params), rel=1e-12)
