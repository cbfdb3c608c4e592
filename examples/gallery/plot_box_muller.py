"""
Box–Muller: two normals from two uniforms
=========================================

With U₁, U₂ independent and uniform on (0, 1), the map

.. math:: x_1 = \\sqrt{-2\\log u_1}\\cos(2\\pi u_2), \\quad
          x_2 = \\sqrt{-2\\log u_1}\\sin(2\\pi u_2)

gives two independent standard normals. symflow inverts the polar map (with atan2 on all
four quadrants), computes the Jacobian determinant, and finds the bivariate normal.
"""

import numpy as np
import sympy as sp

import symflow as sf
from symflow.present import plot

u1, u2 = sp.symbols("u1 u2", real=True)
r = sp.sqrt(-2 * sp.log(u1))
X = sf.Flow(
    sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1)),
    [sf.Transform([r * sp.cos(2 * sp.pi * u2), r * sp.sin(2 * sp.pi * u2)], [u1, u2])],
)
print(sp.simplify(X.density()))
k = X.compile()
print("log p at the origin:", k.log_prob(np.zeros((1, 2))), "= -log(2 pi) =", -np.log(2 * np.pi))

# %%
# Contours of the derived density over samples of the forward map.
picture = plot.contours(X, n=20_000)
