"""
A sum, a ratio and a maximum
============================

A transform of two variables to one gives the density of its output: symflow completes
the map with an auxiliary coordinate w, derives the joint density of (x, w), and
integrates w out,

.. math:: p_X(x) = \\int p_Z\\bigl(G(x, w)\\bigr)\\,
   \\bigl|\\det \\partial G / \\partial(x, w)\\bigr|\\, dw .

The sum of two uniforms is the triangular density, the ratio of two standard normals is
the Cauchy, and the larger of two uniforms has the density 2x on (0, 1).
"""

import sympy as sp

import symflow as sf
from symflow.present import plot

z1, z2 = sp.symbols("z1 z2", real=True)
x = sp.Symbol("x", real=True)
uniforms = sf.Independent(sf.Uniform(0, 1), sf.Uniform(0, 1))
normals = sf.Independent(sf.Normal(0, 1), sf.Normal(0, 1))

S = sf.Flow(uniforms, [sf.Transform(z1 + z2, [z1, z2])])
print("sum:", S.density(x))

R = sf.Flow(normals, [sf.Transform(z1 / z2, [z1, z2])])
print("ratio:", R.density(x), "->", R.family())

M = sf.Flow(uniforms, [sf.Transform(sp.Max(z1, z2), [z1, z2])])
print("maximum:", M.density(x))

# %%
# The triangular density over a histogram of U₁ + U₂.
picture = plot.densities(S, n=20_000)
