"""
The arcsine law: the cosine of a uniform angle
==============================================

For an angle Θ ~ U(0, 2π), X = cos Θ has two preimages of every x in (−1, 1), one in
(0, π) and one in (π, 2π). Both contribute the same term, and the density is

.. math:: p_X(x) = \\frac{1}{\\pi\\sqrt{1 - x^2}}, \\quad -1 < x < 1.
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z = sp.Symbol("z", real=True)
X = sf.Flow(sf.Uniform(0, 2 * sp.pi), [sf.Transform(sp.cos(z), z)])
print(X.density())
print("support:", X.support)

# %%
# The density piles up at the ends ±1, where the cosine turns.
picture = plot.densities(X, n=20_000)
