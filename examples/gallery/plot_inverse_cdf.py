"""
The inverse-CDF method and the probability integral transform
=============================================================

If U ~ U(0, 1) and F is a continuous CDF, then X = F⁻¹(U) has the CDF F: the inverse-CDF
method of sampling. Conversely, if X has the continuous CDF F, then F(X) ~ U(0, 1): the
probability integral transform. Here both directions for the normal,
F(x) = (1 + erf(x/√2))/2 and F⁻¹(u) = √2 erfinv(2u − 1).
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

u = sp.Symbol("u", real=True)
X = sf.Flow(sf.Uniform(0, 1), [sf.Transform(sp.sqrt(2) * sp.erfinv(2 * u - 1), u)])
print("F^-1(U):", X.density(), "->", X.family())

z = sp.Symbol("z", real=True)
U = sf.Flow(sf.Normal(0, 1), [sf.Transform((1 + sp.erf(z / sp.sqrt(2))) / 2, z)])
print("F(Z):", U.density(), "on", U.support)

# %%
# The samples of √2 erfinv(2U − 1) follow the normal density.
picture = plot.densities(X, n=20_000)
