"""
The log-normal: exp of a normal
===============================

If Z ~ N(0, 1), then X = e^Z has the density

.. math:: p_X(x) = \\frac{1}{x\\sqrt{2\\pi}} e^{-(\\log x)^2/2}, \\quad x > 0,

the log-normal. symflow derives it, states its support, names it, and draws it over a
histogram of samples of the forward map.
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z = sp.Symbol("z", real=True)
X = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.exp(z), z)])
print(X.density())
print("support:", X.support)
print("family:", X.family())

# %%
# The picture: the base density, the derived density and a Monte Carlo histogram of e^Z.
picture = plot.densities(X, n=20_000)
