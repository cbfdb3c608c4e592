"""The unconstrained coordinates η in which fitting moves the parameters θ = φ(η).

- a parameter declared positive: θ = exp(η) (declared negative: θ = −exp(η));
- the members of a simplex: θ_i = r·exp(η_i) / (1 + Σ_j exp(η_j));
- any other parameter: θ = η.

A simplex is a group of parameters θ_1 … θ_m that the base's conditions
(:meth:`symflow.core.bases.distribution.Distribution.conditions`) require to be positive
with 1 − θ_1 − … − θ_m positive too: the weights w_1 … w_{k−1} of a mixture whose last
weight is 1 − Σ w_i. Its coordinates are the log-odds against that last weight,
η_i = log(θ_i / (r − Σ_j θ_j)), where r is 1 less the members held fixed (a single weight
w in (0, 1) is the logit, η = log(w / (1 − w))). The map is smooth and one-to-one onto
the open simplex, so the optimiser never leaves it.

Examples
--------
>>> import numpy as np, sympy as sp
>>> w = sp.Symbol("w", positive=True)
>>> simplex_groups([w], [("weight 1", w), ("weight 2", 1 - w)])
[[0]]
>>> c = Coordinates([SIMPLEX], [[0]], [0], np.array([0.5]))
>>> c.theta_of(np.array([np.log(3.0)]))
array([0.75])
>>> c.eta_of(np.array([0.75]))
array([1.09861229])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import sympy as sp

__all__ = ["SIMPLEX", "Coordinates", "kind_of", "simplex_groups", "start_in_domain"]

#: the kind of a parameter that is a member of a simplex (beside +1, −1 and 0)
SIMPLEX = 2


def kind_of(symbol: sp.Symbol) -> int:
    """+1: θ = exp(η); −1: θ = −exp(η); 0: θ = η (from the symbol's assumptions).

    Examples
    --------
    >>> kind_of(sp.Symbol("s", positive=True)), kind_of(sp.Symbol("m", real=True))
    (1, 0)
    """
    if symbol.is_positive or symbol.is_nonnegative:
        return 1
    if symbol.is_negative or symbol.is_nonpositive:
        return -1
    return 0


def simplex_groups(
    symbols: Sequence[sp.Symbol], conditions: Sequence[tuple[str, sp.Expr]]
) -> list[list[int]]:
    """The groups of parameters (as indices into ``symbols``) that lie on an open simplex:
    each member is positive (declared so, or a condition says it) and a condition says
    1 − Σ members > 0.

    Examples
    --------
    >>> a, b = sp.symbols("a b", positive=True)
    >>> simplex_groups([a, b], [("w1", a), ("w2", b), ("w3", 1 - a - b)])
    [[0, 1]]
    >>> simplex_groups([a], [("w1", a / 2), ("w2", 1 - a / 2)])
    []
    """
    index = {s: i for i, s in enumerate(symbols)}
    exprs = [e for _, e in conditions]
    positive = {s for s in symbols if s.is_positive} | {e for e in exprs if e in index}
    groups: list[list[int]] = []
    used: set[int] = set()
    for e in exprs:
        rest = sp.expand(1 - e)
        terms = sp.Add.make_args(rest)
        if rest == 0 or not all(t in index and t in positive for t in terms):
            continue
        members = sorted({index[t] for t in terms})
        if len(members) != len(terms) or used & set(members):
            continue
        groups.append(members)
        used |= set(members)
    return groups


class Coordinates:
    """θ = φ(η) for the free parameters, with the chain rule for gradients and Hessians.

    Parameters
    ----------
    kinds
        Per parameter: 1 (θ = exp η), −1 (θ = −exp η), 0 (θ = η) or :data:`SIMPLEX`.
    groups
        The simplices, as lists of parameter indices (see :func:`simplex_groups`).
    free
        The indices of the parameters that are fitted, in the order of η.
    theta0
        A full parameter vector; the parameters that are not free keep its values.
    """

    def __init__(
        self,
        kinds: Sequence[int],
        groups: Sequence[Sequence[int]],
        free: Sequence[int],
        theta0: np.ndarray,
    ) -> None:
        self.kinds = list(kinds)
        self.free = list(free)
        self.base = np.array(theta0, dtype=float)
        position = {j: a for a, j in enumerate(self.free)}
        #: (positions in η of the free members, the mass r they share with the last weight)
        self.groups: list[tuple[list[int], float]] = []
        for group in groups:
            moving = [position[j] for j in group if j in position]
            held = sum(float(self.base[j]) for j in group if j not in position)
            if moving:
                self.groups.append((moving, 1.0 - held))
        self._scalar = [a for a, j in enumerate(self.free) if self.kinds[j] != SIMPLEX]

    def theta_of(self, eta: np.ndarray) -> np.ndarray:
        """θ = φ(η), the fixed parameters from ``theta0`` (±inf where exp(η) overflows)."""
        theta = self.base.copy()
        scalar = np.asarray(self._scalar, dtype=int)
        js = np.asarray(self.free, dtype=int)[scalar]
        kinds = np.asarray(self.kinds, dtype=float)[js]
        e = np.asarray(eta, dtype=float)[scalar]
        with np.errstate(over="ignore", invalid="ignore"):
            theta[js] = np.where(kinds != 0, kinds * np.exp(e), e)
        for moving, r in self.groups:
            p = _softmax(np.array([eta[a] for a in moving]))
            for a, pa in zip(moving, p, strict=True):
                theta[self.free[a]] = r * pa
        return theta

    def eta_of(self, theta: np.ndarray) -> np.ndarray:
        """η = φ⁻¹(θ) for the free parameters."""
        eta = np.empty(len(self.free))
        for a in self._scalar:
            j = self.free[a]
            eta[a] = math.log(abs(theta[j])) if self.kinds[j] else theta[j]
        for moving, r in self.groups:
            members = [float(theta[self.free[a]]) for a in moving]
            last = math.log(r - math.fsum(members))
            for a, value in zip(moving, members, strict=True):
                eta[a] = math.log(value) - last
        return eta

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """J[a, b] = ∂θ_free[a] / ∂η_b at θ."""
        size = len(self.free)
        jac = np.zeros((size, size))
        for a in self._scalar:
            j = self.free[a]
            jac[a, a] = theta[j] if self.kinds[j] else 1.0
        for moving, r in self.groups:
            p = np.array([theta[self.free[a]] for a in moving]) / r
            block = r * (np.diag(p) - np.outer(p, p))  # ∂θ_i/∂η_k = r·p_i(δ_ik − p_k)
            jac[np.ix_(moving, moving)] = block
        return jac

    def chain(
        self, theta: np.ndarray, grad: np.ndarray, hess: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """∇_η ℓ = Jᵀ∇_θ ℓ and ∇²_η ℓ = Jᵀ(∇²_θ ℓ)J + Σ_i ∂ℓ/∂θ_i ∇²_η θ_i, from the
        gradient and Hessian in the free parameters θ (in the order of ``free``)."""
        jac = self.jacobian(theta)
        g_eta = jac.T @ grad
        if hess is None:
            return g_eta, None
        h_eta = jac.T @ hess @ jac
        for a in self._scalar:
            if self.kinds[self.free[a]]:
                h_eta[a, a] += theta[self.free[a]] * grad[a]
        for moving, r in self.groups:
            p = np.array([theta[self.free[a]] for a in moving]) / r
            g = grad[moving]
            centred = g - float(p @ g)
            # ∂²θ_i/∂η_k∂η_l summed against g: r·[δ_kl p_k c_k − p_k p_l (c_k + c_l)]
            block = r * (np.diag(p * centred) - np.outer(p, p) * (centred[:, None] + centred))
            h_eta[np.ix_(moving, moving)] += block
        return g_eta, h_eta

    def jvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """J·v: the change of the free θ along the direction v in η."""
        out = np.asarray(v, dtype=float).copy()
        for a in self._scalar:
            j = self.free[a]
            if self.kinds[j]:
                out[a] = theta[j] * v[a]
        for moving, r in self.groups:
            p = np.array([theta[self.free[a]] for a in moving]) / r
            out[moving] = r * p * (v[moving] - p @ v[moving])
        return out

    def vjp(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Jᵀ·u: a gradient in the free θ as a gradient in η (J is symmetric here)."""
        return self.jvp(theta, u)

    def curvature(self, theta: np.ndarray, grad: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(Σ_i ∂ℓ/∂θ_i ∇²_η θ_i)·v, the part of ∇²_η ℓ·v that the gradient gives."""
        out = np.zeros(len(self.free))
        for a in self._scalar:
            if self.kinds[self.free[a]]:
                out[a] = theta[self.free[a]] * grad[a] * v[a]
        for moving, r in self.groups:
            p = np.array([theta[self.free[a]] for a in moving]) / r
            c = grad[moving] - float(p @ grad[moving])
            pv = p * v[moving]
            out[moving] = r * (p * c * v[moving] - p * (c @ pv) - p * c * pv.sum())
        return out

    def starting_values(self, theta: np.ndarray, given: set[int]) -> np.ndarray:
        """θ with each simplex's members not in ``given`` (indices) set to equal shares
        of what the others leave, shared with the last weight."""
        theta = theta.copy()
        for moving, r in self.groups:
            members = [self.free[a] for a in moving]
            chosen = [j for j in members if j not in given]
            if not chosen:
                continue
            left = r - math.fsum(float(theta[j]) for j in members if j in given)
            for j in chosen:
                theta[j] = left / (len(chosen) + 1)
        return theta


def start_in_domain(
    coords: Coordinates, names: Sequence[str], start: dict, given: set[int], base, conditions
) -> dict[str, float]:
    """``start`` (name → value) with the simplices' free members at equal shares, checked
    against the base's conditions (``base.check_values``).

    Raises
    ------
    ParameterError
        A given (init= or fixed=) value puts the parameters outside their domain.
    """
    from symflow.errors import ParameterError

    row = np.array([float(start[name]) for name in names])
    out = dict(zip(names, map(float, coords.starting_values(row, given)), strict=True))
    if conditions:
        try:
            base.check_values(out)
        except ParameterError as exc:
            raise ParameterError(
                f"The starting values (init= and fixed=) are outside the parameters' domain: {exc}"
            ) from None
    return out


def _softmax(eta: np.ndarray) -> np.ndarray:
    """p_i = exp(η_i)/(1 + Σ_j exp(η_j)), without overflow."""
    top = max(0.0, float(np.max(eta)))
    e = np.exp(eta - top)
    return e / (math.exp(-top) + e.sum())
