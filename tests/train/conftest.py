"""An independent oracle for trained flows: log p_X by mpmath at high precision.

The inverse of each layer is found by bracketed root finding on its forward map (never
symflow's derived inverse), log|det J| from the forward map's derivative, and
derivatives in θ by central finite differences at 40 significant digits.
"""

from __future__ import annotations

import mpmath as mp
import pytest
import sympy as sp

DIGITS = 40


class Oracle:
    """log p_X(x; θ) of ``Normal(0, 1)`` (or its d-D product) pushed through
    ``transforms``, evaluated with mpmath."""

    def __init__(self, transforms, parameters):
        self.parameters = tuple(parameters)
        self.layers = []
        for tr in transforms:
            vs = list(tr.vars)
            exprs = list(tr.exprs)
            jac = sp.Matrix(exprs).jacobian(vs)
            f = sp.lambdify((*vs, *self.parameters), exprs, "mpmath")
            J = sp.lambdify((*vs, *self.parameters), jac, "mpmath")
            self.layers.append((len(vs), f, J))

    def _invert_1d(self, f, y, theta):
        def g(t):
            return f(t, *theta)[0] - y

        lo, hi = mp.mpf(-1), mp.mpf(1)
        while g(lo) > 0:
            lo *= 2
        while g(hi) < 0:
            hi *= 2
        return mp.findroot(g, (lo, hi), solver="anderson")

    def log_p(self, x, theta) -> mp.mpf:
        theta = [mp.mpf(t) for t in theta]
        z = [mp.mpf(v) for v in (x if isinstance(x, list | tuple) else [x])]
        total = mp.mpf(0)
        for d, f, J in reversed(self.layers):
            if d == 1:
                z = [self._invert_1d(f, z[0], theta)]
            else:

                def residual(*t, f=f, y=z):
                    return [a - b for a, b in zip(f(*t, *theta), y, strict=True)]

                sol = mp.findroot(residual, z)
                z = [sol[j] for j in range(d)]
            total -= mp.log(abs(mp.det(mp.matrix(J(*z, *theta)))))
        return total + sum(-(v**2) / 2 - mp.log(2 * mp.pi) / 2 for v in z)

    def gradient(self, x, theta, h=None) -> list:
        h = mp.mpf("1e-12") if h is None else h
        out = []
        for j in range(len(theta)):
            up = list(map(mp.mpf, theta))
            down = list(up)
            up[j] += h
            down[j] -= h
            out.append((self.log_p(x, up) - self.log_p(x, down)) / (2 * h))
        return out

    def hvp(self, x, theta, v, h=None) -> list:
        h = mp.mpf("1e-10") if h is None else h
        up = [mp.mpf(t) + h * mp.mpf(w) for t, w in zip(theta, v, strict=True)]
        down = [mp.mpf(t) - h * mp.mpf(w) for t, w in zip(theta, v, strict=True)]
        gu = self.gradient(x, up, h)
        gd = self.gradient(x, down, h)
        return [(a - b) / (2 * h) for a, b in zip(gu, gd, strict=True)]


@pytest.fixture(scope="session")
def oracle():
    """Oracle(transforms, parameters), evaluated at 40 digits."""
    mp.mp.dps = DIGITS

    def make(transforms, parameters):
        return Oracle(transforms, parameters)

    yield make
    mp.mp.dps = 15
