"""
A linear map of the plane and its deformation
=============================================

The map x = Az with A = [[3, 1], [0, 2]] stretches every area by det A = 6, so the density
of x is the base density at A⁻¹x divided by 6. On two independent standard normals the
result is the bivariate normal with covariance AAᵀ = [[10, 2], [2, 4]].
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z1, z2 = sp.symbols("z1 z2", real=True)
X = sf.Flow(
    sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1)),
    [sf.Transform([3 * z1 + z2, 2 * z2], [z1, z2])],
)
print("det J =", X.layers[0].determinant)
print(X.density())
print("family:", X.family())

# %%
# A grid in the base and its image: every cell's area grows six-fold.
picture = plot.deformation(X)
