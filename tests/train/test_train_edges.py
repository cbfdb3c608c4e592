"""The fit and training kernels past the rounding of a latent state onto its edge.

A sigmoid σ(u) rounds to 1.0 from u ≈ 37 on and to 0 below u ≈ −745, where the true
log-density is finite. The oracles are the log-densities and their θ-derivatives written
by hand and evaluated with mpmath at 60 digits, with 1 − σ(u) computed as σ(−u).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import symflow as sf
from symflow.codegen.train_kernel import train_kernels

z, z1, z2 = sp.symbols("z z1 z2", real=True)
a, b = sp.symbols("a b", real=True)

#: x − b: σ of it rounds to 1 at the first three, to 0 at the last
U_EDGE = [36.5, 37.0, 699.5, -745.5]
#: in 2-D, σ(x1 − b) was computed as 1/(e^(b − x1) + 1): its value overflowed below
#: x1 − b ≈ −709, its derivatives (e^w/(e^w + 1)², …) from −354, −236, … on
U_PLANE = [*U_EDGE[:3], -100.0]
B = 0.5


def _logit_terms(u):
    """(log σ(u)² σ(−u)³, its u-derivative, its second u-derivative) by mpmath: the
    Beta(2, 3) density 12 s (1 − s)² times the Jacobian s (1 − s) of s = σ(u), without
    the log 12."""
    with mp.workdps(60):
        u = mp.mpf(u)
        s, t = 1 / (1 + mp.exp(-u)), 1 / (1 + mp.exp(u))
        return 2 * mp.log(s) + 3 * mp.log(t), 2 * t - 3 * s, -5 * s * t


@pytest.fixture(scope="module")
def plane():
    """x1 = logit z1 + b, x2 = e^a z2 + z1 on Beta(2, 3) × Exponential(1)."""
    return sf.Flow(
        sf.Independent(sf.Beta(2, 3), sf.Exponential(1)),
        [sf.Transform([sp.log(z1 / (1 - z1)) + b, sp.exp(a) * z2 + z1], [z1, z2])],
    )


def _plane_oracle(x1, x2, theta):
    """(log p, ∇ log p, ∇² log p) in (a, b) of the plane flow at (x1, x2)."""
    with mp.workdps(60):
        av, bv = mp.mpf(theta[0]), mp.mpf(theta[1])
        u = mp.mpf(x1) - bv
        s, t = 1 / (1 + mp.exp(-u)), 1 / (1 + mp.exp(u))
        value, d1, d2 = _logit_terms(u)
        # the Exponential term −a − z2 with z2 = (x2 − s) e^(−a): d/du s = s t and
        # d²/du² s = s t (t − s)
        w = mp.exp(-av)
        lp = mp.log(12) + value - av - (mp.mpf(x2) - s) * w
        du = d1 + s * t * w
        duu = d2 + s * t * (t - s) * w
        grad = [float(-1 + (mp.mpf(x2) - s) * w), float(-du)]
        hess = [[float(-(mp.mpf(x2) - s) * w), float(s * t * w)], [float(s * t * w), float(duu)]]
        return float(lp), grad, hess


def test_training_kernels_of_a_plane_flow_past_the_rounding_of_a_sigmoid(plane) -> None:
    theta = np.array([0.25, B])
    xs = np.array([[B + u, 800.0] for u in U_PLANE])
    kernels = train_kernels(plane.program)
    for x in xs:
        lp, gradient, hessian = _plane_oracle(*x, theta)
        value, grad, bad = kernels.value_grad(x[None, :], theta)
        assert bad[0] == 0, x
        assert value == pytest.approx(lp, rel=1e-14), x
        np.testing.assert_allclose(grad, gradient, rtol=1e-13, atol=1e-300)
        value, grad, hv, bad = kernels.value_grad_hvp(x[None, :], theta, np.eye(2))
        assert (bad[0], value) == (0, pytest.approx(lp, rel=1e-14)), x
        np.testing.assert_allclose(grad, gradient, rtol=1e-13, atol=1e-300)
        # (∂²/∂b² is a difference of e^(kw) terms there: accurate to rounding of the
        # gradient's scale, not relative to its own 1e-43 at x1 − b = −100)
        np.testing.assert_allclose(hv, hessian, rtol=1e-12, atol=1e-13)


def test_training_kernels_of_a_plane_flow_in_the_far_lower_tail(plane) -> None:
    # σ(x1 − b) is e^u/(1 + e^u) there (u = x1 − b), and its derivatives σ(u)σ(−u), …
    theta = np.array([0.25, B])
    kernels = train_kernels(plane.program)
    for u in (-360.0, -700.0, -745.5, -1e4):
        lp, gradient, hessian = _plane_oracle(B + u, 800.0, theta)
        value, grad, _ = kernels.value_grad(np.array([[B + u, 800.0]]), theta)
        assert value == pytest.approx(lp, rel=1e-14), u
        np.testing.assert_allclose(grad, gradient, rtol=1e-13, err_msg=str(u))
        value, grad, hv, bad = kernels.value_grad_hvp(np.array([[B + u, 800.0]]), theta, np.eye(2))
        assert (bad[0], value) == (0, pytest.approx(lp, rel=1e-14)), u
        np.testing.assert_allclose(hv, hessian, rtol=1e-12, atol=1e-13, err_msg=str(u))


def test_log_prob_kernel_of_a_plane_flow_in_both_far_tails(plane) -> None:
    theta = (0.25, B)
    us = [-1e4, -745.5, -700.0, -360.0, -100.0, 0.0, 36.5, 699.5, 1e4]
    xs = np.array([[B + u, 800.0] for u in us])
    got = plane.compile().log_prob(xs, a=theta[0], b=theta[1])
    expected = [_plane_oracle(B + u, 800.0, theta)[0] for u in us]
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)


def test_training_counts_the_points_outside_the_support_as_before(plane) -> None:
    # z2 = (x2 − σ(x1 − b)) e^(−a) < 0 at the first two points; NaN is bad too
    theta = np.array([0.25, B])
    xs = np.array([[B, 0.4], [40.0, 0.99], [B + 37.0, 1.0], [B, math.nan], [B, 0.5]])
    kernels = train_kernels(plane.program)
    value, _, bad = kernels.value_grad(xs, theta)
    assert (value, bad[0]) == (-math.inf, 3)
    assert kernels.first_bad(xs, theta) == 0
    assert kernels.value_grad_hvp(xs, theta, np.eye(2))[3] == (3, 0)
    assert kernels.value_grad(xs[[2, 4]], theta)[2] == (0, -1)


def test_membership_of_a_plane_flow_is_decided_on_x_in_training() -> None:
    # x1 = e^z1 in [1, e] exactly, tested on x1 with float endpoints on the outer side
    # (at the float above e the latent state log x1 rounds to 1.0, inside); z2 = x2 − a − z1
    # ≥ 0 on the latent state; log p = −log x1 − z2 = −x2 + a inside
    flow = sf.Flow(
        sf.Independent(sf.Uniform(0, 1), sf.Exponential(1)),
        [sf.Transform([sp.exp(z1), z2 + z1 + a], [z1, z2])],
    )
    firsts = []
    for c in (1.0, float(sp.E)):
        firsts += [np.nextafter(c, -np.inf), c, np.nextafter(c, np.inf)]
    assert math.log(firsts[-1]) == 1.0  # the latent state would count it inside
    theta = np.array([0.5])
    kernels = train_kernels(flow.program)
    with mp.workdps(60):
        for v1 in firsts:
            value, grad, bad = kernels.value_grad(np.array([[v1, 5.0]]), theta)
            if 1 <= mp.mpf(v1) <= mp.e:
                assert (value, grad.tolist(), bad) == (-4.5, [1.0], (0, -1)), v1
            else:
                assert (value, bad[0]) == (-math.inf, 1), v1


def test_fit_of_a_plane_flow_past_the_rounding_of_a_sigmoid(plane) -> None:
    # Flow.fit of a d-D flow runs the training kernels; its log-likelihood at the optimum
    # is the oracle's sum, and the oracle's gradient vanishes there
    rng = np.random.default_rng(3)
    bulk = np.column_stack([rng.normal(B, 1.0, 40), rng.exponential(1.0, 40) + 2.0])
    xs = np.vstack([bulk, [[B + u, 2.0] for u in U_PLANE]])
    result = plane.fit(xs)
    theta = (result.params["a"], result.params["b"])
    rows = [_plane_oracle(x1, x2, theta) for x1, x2 in xs]
    assert result.loglik == pytest.approx(math.fsum(r[0] for r in rows), rel=1e-12)
    for j in range(2):
        grad = math.fsum(r[1][j] for r in rows)
        assert abs(grad) <= 1e-6 * math.fsum(abs(r[1][j]) for r in rows)


def test_fit_log_likelihood_of_a_logit_past_the_rounding_of_a_sigmoid() -> None:
    # x = logit z + b on Beta(2, 3): the 1-D fit kernel (forward-mode derivatives) and
    # the training kernels agree with the oracle where σ(x − b) rounds to 1 or 0
    from symflow.stats.fit import _compiled

    flow = sf.Flow(sf.Beta(2, 3), [sf.Transform(sp.log(z / (1 - z)) + b, z)])
    xs = np.array([B + u for u in U_EDGE])
    module = _compiled(flow.program)[0]
    total, grad, hess, bad, _ = module.loglik(xs, B)
    rows = [_logit_terms(u) for u in U_EDGE]
    assert bad == -1
    assert total == pytest.approx(float(sum(r[0] for r in rows)) + 4 * math.log(12), rel=1e-14)
    assert grad[0] == pytest.approx(-float(sum(r[1] for r in rows)), rel=1e-13)
    assert hess[0, 0] == pytest.approx(float(sum(r[2] for r in rows)), rel=1e-12)
    value, tgrad, bad = train_kernels(flow.program).value_grad(xs, np.array([B]))
    assert (value, bad) == (pytest.approx(total, rel=1e-14), (0, -1))
    assert tgrad[0] == pytest.approx(grad[0], rel=1e-13)


def test_a_flow_without_parameters_is_refused_by_name() -> None:
    flow = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * z + 1, z)])
    with pytest.raises(sf.ParameterError, match=r"Flow\(Normal\(0, 1\), \[2\*z \+ 1\]\) has no"):
        flow.fit(np.array([0.0, 1.0]), method="trust-krylov")
    value, grad, hv, bad = train_kernels(flow.program).value_grad_hvp(
        np.array([1.0]), np.zeros(0), np.zeros(0)
    )
    assert (grad.shape, hv.shape, bad) == ((0,), (0,), (0, -1))
    assert value == pytest.approx(-math.log(2) - 0.5 * math.log(2 * math.pi), rel=1e-15)
