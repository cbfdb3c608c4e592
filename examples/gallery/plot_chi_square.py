"""
The chi-square from a square: two branches
==========================================

x = z² is not one-to-one on the real line: every x > 0 has the two preimages ±√x. The
change of variables sums over both branches,

.. math:: p_X(x) = \\sum_{z = \\pm\\sqrt{x}} \\frac{p_Z(z)}{|2z|}
   = \\frac{e^{-x/2}}{\\sqrt{2\\pi x}}, \\quad x > 0,

the chi-square density with one degree of freedom.
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z = sp.Symbol("z", real=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(z**2, z)])
for branch in X.layers[0].branches:
    print("piece", branch.piece, "inverse", branch.inverse)
print(X.density())
print("family:", X.family())

# %%
# The density is infinite at x = 0 and integrates to one.
picture = plot.densities(X, n=20_000)
