"""Trust-region Newton with the exact Hessian: min_p g·p + ½ pᵀHp over ‖D p‖ ≤ Δ.

The subproblem is solved exactly from the eigendecomposition of the scaled Hessian
D⁻¹HD⁻¹ (Moré & Sorensen 1983): the Newton step when it is inside the region and H is
positive definite, otherwise the step on the boundary with the multiplier λ ≥ max(0, −w₁)
found by Newton's method on 1/‖p(λ)‖ − 1/Δ (concave and increasing, so the iteration
from the left converges monotonically), and in the hard case (g orthogonal to the lowest
eigenvectors) that step plus a move along the lowest eigenvector to the boundary. So an
indefinite Hessian never stops the iteration: the step follows the negative curvature.

The scaling D_j = max over the iterations of √|H_jj| (Moré 1978) makes the region an
ellipsoid fitted to the parameters' own scales: a location parameter behind a large
scale moves far in one step, a stiff log-scale little.

Near the optimum the change of the objective falls below its rounding error while the
gradient still converges quadratically; there a step is accepted when it lowers the
largest gradient component and does not raise the value beyond that rounding.

References
----------
Moré, J. J. & Sorensen, D. C. (1983). Computing a trust region step. SIAM J. Sci. Stat.
Comput. 4, 553–572. Moré, J. J. (1978). The Levenberg–Marquardt algorithm:
implementation and theory. Lecture Notes in Mathematics 630, 105–116.

Examples
--------
>>> import numpy as np
>>> def rosen(x):  # Rosenbrock's valley, its gradient and Hessian
...     f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
...     g = np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2),
...                   200 * (x[1] - x[0] ** 2)])
...     return f, g
>>> def hess(x):
...     return np.array([[2 - 400 * (x[1] - 3 * x[0] ** 2), -400 * x[0]],
...                      [-400 * x[0], 200.0]])
>>> x, message = trust_region(rosen, hess, np.array([-1.2, 1.0]), 1e-10, 200, lambda x: None)
>>> np.round(x, 8).tolist(), message
([1.0, 1.0], 'the largest gradient component is at most tol')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["subproblem", "trust_region"]


def subproblem(g: np.ndarray, w: np.ndarray, Q: np.ndarray, radius: float) -> np.ndarray:
    """argmin_p g·p + ½ pᵀHp over ‖p‖ ≤ radius, for H = Q diag(w) Qᵀ (w ascending).

    >>> H = np.diag([-1.0, 2.0])  # indefinite: the step goes to the boundary
    >>> w, Q = np.linalg.eigh(H)
    >>> p = subproblem(np.array([0.0, 1.0]), w, Q, 1.0)  # the hard case
    >>> round(float(np.linalg.norm(p)), 12), round(float(p[1]), 12)
    (1.0, -0.333333333333)
    """
    c = Q.T @ g
    scale = max(abs(w[0]), abs(w[-1]), 1e-300)
    floor = max(0.0, -w[0])
    if w[0] > 1e-12 * scale:
        p = -c / w
        if np.linalg.norm(p) <= radius:
            return Q @ p
    lam = floor + 1e-12 * scale
    # ‖c/(w + λ)‖ ≥ ‖c‖/(w_max + λ): λ below this bound cannot reach the boundary, and
    # Newton's iteration on 1/‖p(λ)‖ from below it converges (with a zero Hessian at once)
    bound = float(np.linalg.norm(c)) / radius - w[-1]
    with np.errstate(over="ignore", divide="ignore"):  # (inf: not the hard case)
        hard = bound <= lam and np.linalg.norm(c / (w + lam)) <= radius
    if hard:
        # the hard case: g has no component along the lowest eigenvectors
        d = w + floor
        keep = d > 1e-12 * scale
        p = np.where(keep, -c / np.where(keep, d, 1.0), 0.0)
        p[0] += math.sqrt(max(radius**2 - p @ p, 0.0))
        return Q @ p
    lam = max(lam, bound)
    for _ in range(60):
        d = w + lam
        q = c / d
        norm = np.linalg.norm(q)
        if norm <= radius * (1 + 1e-10):
            break
        slope = np.sum(q * q / d) / norm**3  # d/dλ of 1/‖p(λ)‖
        lam += (1 / radius - 1 / norm) / slope
    y = -c / (w + lam)
    rest = radius**2 - float(y[1:] @ y[1:])
    if w[0] < 0 and y @ y < radius**2 and rest > 0:
        # next to the hard case w₁ + λ has lost its digits to cancellation: put the
        # lowest eigenvector's component where it reaches the boundary
        y[0] = math.copysign(math.sqrt(rest), y[0] if y[0] else 1.0)
    return Q @ y


def trust_region(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    hess: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    tol: float,
    maxiter: int,
    callback: Callable[[np.ndarray], None],
    radius: float = 1.0,
    max_radius: float = 1e3,
    curvature: float | None = None,
) -> tuple[np.ndarray, str]:
    """Minimise f from x0 until max|∇f| ≤ tol: ``fun(x)`` gives (f, ∇f), ``hess(x)`` ∇²f.

    With ``curvature``, also until the lowest eigenvalue of ∇²f is at least
    −``curvature`` (a saddle point is left along its direction of negative curvature).
    ``callback(x)`` runs after each accepted step (it may raise to stop); ``maxiter``
    counts every trial step. Returns the last accepted x and why it stopped.
    """
    x = np.asarray(x0, dtype=float).copy()
    f, g = fun(x)
    H = hess(x)
    scale = np.zeros(x.size)
    for _ in range(maxiter):
        H = 0.5 * (H + H.T)
        if np.max(np.abs(g)) <= tol and (
            curvature is None or np.linalg.eigvalsh(H)[0] >= -curvature
        ):
            return x, "the largest gradient component is at most tol"
        scale = np.maximum(scale, np.sqrt(np.abs(np.diag(H))))
        # (no curvature seen yet, as for a log-likelihood linear in η: unscaled steps)
        D = np.maximum(scale, 1e-8 * float(scale.max())) if scale.max() > 0 else np.ones(x.size)
        w, Q = np.linalg.eigh(H / np.outer(D, D))
        p = subproblem(g / D, w, Q, radius) / D
        predicted = -(g @ p + 0.5 * p @ (H @ p))
        f_new, g_new = fun(x + p)
        actual = f - f_new
        rounding = 1e-13 * max(1.0, abs(f))
        if predicted <= rounding:
            better = np.max(np.abs(g_new)) < np.max(np.abs(g)) and actual > -rounding
            rho = 1.0 if better else -1.0
        else:
            rho = actual / predicted
        length = float(np.linalg.norm(D * p))
        if rho < 0.25:
            radius = 0.25 * length
        elif rho > 0.75 and length >= 0.99 * radius:
            radius = min(2 * radius, max_radius)
        if rho > 0.1:
            x, f, g = x + p, f_new, g_new
            H = hess(x)
            callback(x)
        if radius <= 1e-15 * max(1.0, float(np.linalg.norm(D * x))):
            return x, "the trust region shrank to the rounding of the parameters"
    return x, "the iteration limit was reached"
